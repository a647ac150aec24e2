// Conv2d against PyTorch (test/fixtures/conv2d.json): output and grads for x, weight and bias,
// in float64 (tight) and float32 (~1e-4 relative), plus unbatched input and the nn.Conv2d module.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase, tolFor } from '../helpers';

const F = torch.F;
const cases = casesOf('conv2d');

function run(c: FixtureCase) {
  return (ins: Record<string, Tensor | null>): Tensor => {
    const p = c.params;
    return F.conv2d(ins.x!, ins.weight!, ins.bias, {
      stride: p.stride,
      padding: p.padding,
      dilation: p.dilation,
      groups: p.groups,
    });
  };
}

describe('conv2d vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(16));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_name, c) => {
      checkDiffCase(c, dtype, run(c));
    });
  });

  test('unbatched [C, H, W] input gives the batched result without the batch dim', () => {
    const c = cases.find(([n]) => n === 'conv2d_basic_3x3_pad1')![1];
    const x = fromFixture(c.inputs.x!);
    const w = fromFixture(c.inputs.weight!);
    const b = fromFixture(c.inputs.bias!);
    const y = F.conv2d(x.select(0, 1), w, b, { padding: 1 });
    const full = F.conv2d(x, w, b, { padding: 1 });
    expect(y.shape).toEqual(full.shape.slice(1));
    expectClose(y, full.select(0, 1), { atol: 1e-12 });
  });

  test('non-contiguous (permuted) input gives the same output and grads', () => {
    const c = cases.find(([n]) => n === 'conv2d_stride2_pad1_groups2')![1];
    const p = c.params;
    const xc = fromFixture(c.inputs.x!);
    // make a non-contiguous view with the same values: [N,C,W,H] contiguous, then transpose back
    const xt = xc.transpose(2, 3).contiguous().requiresGrad_();
    const x = xt.transpose(2, 3);
    expect(x.isContiguous()).toBe(false);
    const w = fromFixture(c.inputs.weight!).requiresGrad_();
    const b = fromFixture(c.inputs.bias!).requiresGrad_();
    const y = F.conv2d(x, w, b, { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups });
    expectClose(y, c.output!, { ...tolFor('float64', 10), label: 'output' });
    y.backward(fromFixture(c.gradOutput!));
    expectClose(xt.grad!.transpose(2, 3), c.grads!.x, { ...tolFor('float64', 10), label: 'grad x' });
    expectClose(w.grad!, c.grads!.weight, { ...tolFor('float64', 10), label: 'grad weight' });
  });

  test('nn.Conv2d module forward equals F.conv2d with its parameters', () => {
    torch.manualSeed(1);
    const m = new torch.nn.Conv2d(3, 4, 3, { padding: 1, stride: 2 });
    const x = torch.randn([2, 3, 7, 7]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 4, 4, 4]);
    expectClose(y, F.conv2d(x, m.weight, m.bias, { padding: 1, stride: 2 }), { atol: 1e-6 });
  });

  test('non-contiguous (transposed) weight gives the same output and weight grad', () => {
    const c = cases.find(([n]) => n === 'conv2d_nonsquare_kernel_2x5_stride1x2_pad1x2')![1];
    const p = c.params;
    const x = fromFixture(c.inputs.x!);
    const wt = fromFixture(c.inputs.weight!).transpose(2, 3).contiguous().requiresGrad_();
    const w = wt.transpose(2, 3);
    expect(w.isContiguous()).toBe(false);
    const y = F.conv2d(x, w, fromFixture(c.inputs.bias!), { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups });
    expectClose(y, c.output!, { ...tolFor('float64', 10), label: 'output' });
    y.backward(fromFixture(c.gradOutput!));
    expectClose(wt.grad!.transpose(2, 3), c.grads!.weight, { ...tolFor('float64', 10), label: 'grad weight' });
  });
});

