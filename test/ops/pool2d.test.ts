// max_pool2d against PyTorch (test/fixtures/pool2d.json): output, indices (flat offsets into
// each H*W plane, exact) and input grad, float64 and float32, incl. ceil mode's last-window rule.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, fromFixture, expectClose, expectEqualInts, FixtureCase, T, tolFor, maxAbs } from '../helpers';

const F = torch.F;
const cases = casesOf('pool2d');

function pool(c: FixtureCase, x: Tensor): [Tensor, Tensor] {
  const p = c.params;
  return F.maxPool2d(x, p.kernelSize, {
    stride: p.stride,
    padding: p.padding,
    dilation: p.dilation,
    ceilMode: p.ceilMode,
    returnIndices: true,
  });
}

describe('max_pool2d vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(13));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_n, c) => {
      const x = fromFixture(c.inputs.x!, dtype).requiresGrad_();
      const [y, idx] = pool(c, x);
      const out = c.outputs!.output as T;
      expect(y.shape).toEqual(out.shape);
      const s = maxAbs(c.inputs.x!.data);
      expectClose(y, out, { ...tolFor(dtype, s), label: `${c.name} output` });
      expect(idx.dtype).toBe('int64');
      expectEqualInts(idx, c.outputs!.indices as T, `${c.name} indices`);
      y.backward(fromFixture(c.gradOutput!, dtype));
      expectClose(x.grad!, c.grads!.x, { ...tolFor(dtype, maxAbs(c.gradOutput!.data)), label: `${c.name} grad x` });
    });
  });

  test.each(cases)('%s: without returnIndices returns one tensor equal to the output', (_n, c) => {
    const x = fromFixture(c.inputs.x!);
    const p = c.params;
    const y = F.maxPool2d(x, p.kernelSize, { stride: p.stride, padding: p.padding, dilation: p.dilation, ceilMode: p.ceilMode });
    expect(Array.isArray(y)).toBe(false);
    expectClose(y as Tensor, c.outputs!.output as T, { atol: 0 });
  });

  test('unbatched [C, H, W] input', () => {
    const c = cases.find(([n]) => n === 'max_pool2d_k3_s2_pad1')![1];
    const x = fromFixture(c.inputs.x!);
    const [y, idx] = pool(c, x.select(0, 0));
    const [yb, idxb] = pool(c, x);
    expect(y.shape).toEqual(yb.shape.slice(1));
    expectClose(y, yb.select(0, 0), { atol: 0 });
    expectEqualInts(idx, Array.from(idxb.select(0, 0).toArray(), Number), 'indices');
  });

  test('nn.MaxPool2d defaults stride to kernel size', () => {
    const c = cases.find(([n]) => n === 'max_pool2d_k2_s2_seed')![1];
    const m = new torch.nn.MaxPool2d(2);
    expectClose(m.forward(fromFixture(c.inputs.x!)), c.outputs!.output as T, { atol: 0 });
  });

  test('padding is -inf, not 0: all-negative input (PyTorch: [-5, -6, -8, -9])', () => {
    const x = torch.tensor([[[[-5, -6, -7], [-8, -9, -10], [-11, -12, -13]]]], { dtype: 'float64' });
    expectClose(F.maxPool2d(x, 3, { stride: 2, padding: 1 }) as Tensor, [-5, -6, -8, -9], { atol: 0, ignoreShape: true });
  });
});

