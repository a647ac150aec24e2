// test/ops/max_pool2d.test.ts — F.maxPool2d / nn.MaxPool2d on every device: against PyTorch
// (test/fixtures/pool2d.json: output, indices as flat offsets into each H*W plane (exact) and input
// grad, float64 and float32, incl. ceil mode's last-window rule), PyTorch's NaN / tie rules
// (test/fixtures/pool_nan.json, the plain cases), unbatched input, the module, -inf padding, float64
// finite-difference gradchecks, argument errors, and on CUDA bit-identical agreement with the CPU
// (values, indices, gradients) on odd sizes, overlapping windows, NaN / tie / -inf windows.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { native } from '../../lib/binding';
import { gradcheck } from '../gradcheck';
import {
  casesOf, decodeT, distinctT, expectArgError, expectClose, expectEqualInts, fromFixture, maxAbs, poolNanCases,
  fixtureTests, sameValues, ArgErrorRow, FixtureCase, T,
} from '../helpers';
import { expectPoolVsCpu, poolInput } from './compare';
import { refTol, tol } from './tolerances';

const F = torch.F;
const cases = casesOf('pool2d');
const nanCases = poolNanCases().filter((c) => !c.relu);

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

/** Equal element by element, NaN equal to NaN (Object.is), +0 equal to -0. */
const same = sameValues;

describeOp('max_pool2d', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  describe('vs PyTorch', () => {
    test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(13));

    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) => {
        const x = on(fromFixture(c.inputs.x!, dtype)).requiresGrad_();
        const [y, idx] = pool(c, x);
        const out = c.outputs!.output as T;
        expect(y.shape).toEqual(out.shape);
        const s = maxAbs(c.inputs.x!.data);
        expectClose(y, out, { ...refTol('max_pool2d', dtype, device, { magnitude: s }), label: `${c.name} output` });
        expect(idx.dtype).toBe('int64');
        expectEqualInts(idx, c.outputs!.indices as T, `${c.name} indices`);
        y.backward(on(fromFixture(c.gradOutput!, dtype)));
        expectClose(x.grad!, c.grads!.x, { ...refTol('max_pool2d', dtype, device, { magnitude: maxAbs(c.gradOutput!.data) }), label: `${c.name} grad x` });
      });
    });

    test.each(cases)('%s: without returnIndices returns one tensor equal to the output', (_n, c) => {
      const x = on(fromFixture(c.inputs.x!));
      const p = c.params;
      const y = F.maxPool2d(x, p.kernelSize, { stride: p.stride, padding: p.padding, dilation: p.dilation, ceilMode: p.ceilMode });
      expect(Array.isArray(y)).toBe(false);
      expectClose(y as Tensor, c.outputs!.output as T, { atol: 0 });
    });

    test('unbatched [C, H, W] input', () => {
      const c = cases.find(([n]) => n === 'max_pool2d_k3_s2_pad1')![1];
      const x = on(fromFixture(c.inputs.x!));
      const [y, idx] = pool(c, x.select(0, 0));
      const [yb, idxb] = pool(c, x);
      expect(y.shape).toEqual(yb.shape.slice(1));
      expectClose(y, yb.select(0, 0), { atol: 0 });
      expectEqualInts(idx, Array.from(idxb.select(0, 0).toArray(), Number), 'indices');
    });

    test('nn.MaxPool2d defaults stride to kernel size', () => {
      const c = cases.find(([n]) => n === 'max_pool2d_k2_s2_seed')![1];
      const m = new torch.nn.MaxPool2d(2);
      expectClose(m.forward(on(fromFixture(c.inputs.x!))), c.outputs!.output as T, { atol: 0 });
    });

    test('the native op takes no indices on the CPU only (inference); elsewhere a coded error', () => {
      const x = on(torch.randn([1, 1, 4, 4]));
      const y = on(torch.zeros([1, 1, 2, 2]));
      const p = { N: 1, C: 1, H: 4, W: 4, OH: 2, OW: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 };
      const call = () => native.maxPool2dForward(x.arg(), y.arg(), null, p);
      if (device === 'cpu') {
        call();
        expectClose(y, F.maxPool2d(x, 2) as Tensor, { atol: 0 });
      } else {
        expect(call).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
      }
    });

    test('padding is -inf, not 0: all-negative input (PyTorch: [-5, -6, -8, -9])', () => {
      const x = on(torch.tensor([[[[-5, -6, -7], [-8, -9, -10], [-11, -12, -13]]]], { dtype: 'float64' }));
      expectClose(F.maxPool2d(x, 3, { stride: 2, padding: 1 }) as Tensor, [-5, -6, -8, -9], { atol: 0, ignoreShape: true });
    });
  });

  // PyTorch's rule: a greater value or a NaN wins (so the last NaN); ties keep the first maximum.
  fixtureTests(
    run,
    nanCases.map((c) => [c.name, c] as const),
    (c, dtype) => {
      const x = on(torch.tensor(decodeT(c.x), { dtype }).view(c.x.shape)).requiresGrad_();
      const [y, idx] = F.maxPool2d(x, c.kernel, { returnIndices: true });
      same(y.toArray() as Float64Array, decodeT(c.y));
      same(Array.from(idx.toArray() as BigInt64Array, Number), decodeT(c.indices));
      y.backward(on(torch.tensor(decodeT(c.gy), { dtype }).view(c.gy.shape)));
      same(x.grad!.toArray() as Float64Array, decodeT(c.gx));
    },
    { block: 'NaN / tie rules vs PyTorch (pool_nan.json, plain cases)', title: 'fixture has plain cases', min: 4 },
  );
  // the same values from the values-only path (no indices, nothing recorded: inference on the CPU)
  fixtureTests(
    run,
    nanCases.map((c) => [c.name, c] as const),
    (c, dtype) => {
      const x = on(torch.tensor(decodeT(c.x), { dtype }).view(c.x.shape));
      same(torch.noGrad(() => F.maxPool2d(x, c.kernel) as Tensor).toArray() as Float64Array, decodeT(c.y));
    },
    { block: 'NaN rules without indices (inference)', title: 'fixture has plain cases', min: 4 },
  );

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, distinct values: no ties)', () => {
      test('k3 s2 p1 ceilMode', () => {
        gradcheck(([x]) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [distinctT([2, 2, 7, 6], 40)], { device });
      });
      test('k2 s2 p1 ceilMode (last window would start in the padding)', () => {
        gradcheck(([x]) => F.maxPool2d(x, 2, { stride: 2, padding: 1, ceilMode: true }), [distinctT([1, 2, 5, 7], 41)], { device });
      });
      test('k [2,3] s [2,1] p [1,1] dilation [2,1]', () => {
        gradcheck(([x]) => F.maxPool2d(x, [2, 3], { stride: [2, 1], padding: [1, 1], dilation: [2, 1] }), [distinctT([1, 3, 6, 7], 42)], { device });
      });
      test('overlapping windows k3 s1 (an element can win several windows)', () => {
        gradcheck(([x]) => F.maxPool2d(x, 3, { stride: 1 }), [distinctT([1, 1, 5, 5], 43)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const i64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'int64' }));
    const rows: ArgErrorRow[] = [
      ['2-D input (wrong rank)', () => F.maxPool2d(f64([4, 4]), 2), 'input'],
      ['5-D input (wrong rank)', () => F.maxPool2d(f64([1, 1, 1, 4, 4]), 2), 'input'],
      ['int64 input', () => F.maxPool2d(i64([1, 1, 4, 4]), 2), 'input'],
      ['kernelSize 0', () => F.maxPool2d(f64([1, 1, 4, 4]), 0), 'kernelSize'],
      ['kernelSize -2', () => F.maxPool2d(f64([1, 1, 4, 4]), -2), 'kernelSize'],
      ['kernelSize [2, 0]', () => F.maxPool2d(f64([1, 1, 4, 4]), [2, 0]), 'kernelSize'],
      ['stride 0', () => F.maxPool2d(f64([1, 1, 4, 4]), 2, { stride: 0 }), 'stride'],
      ['padding -1', () => F.maxPool2d(f64([1, 1, 4, 4]), 2, { padding: -1 }), 'padding'],
      ['padding more than half the kernel', () => F.maxPool2d(f64([1, 1, 6, 6]), 2, { padding: 2 }), 'padding'],
      ['dilation 0', () => F.maxPool2d(f64([1, 1, 4, 4]), 2, { dilation: 0 }), 'dilation'],
      ['output size 0 (input smaller than kernel)', () => F.maxPool2d(f64([1, 1, 2, 2]), 3), 'input'],
      ['output size 0 through dilation', () => F.maxPool2d(f64([1, 1, 4, 4]), 3, { dilation: 2 }), 'input'],
      ['nn.MaxPool2d kernelSize 0', () => new torch.nn.MaxPool2d(0), 'kernelSize'],
      ['nn.MaxPool2d stride 0', () => new torch.nn.MaxPool2d(2, { stride: 0 }), 'stride'],
      ['nn.MaxPool2d padding more than half the kernel', () => new torch.nn.MaxPool2d(2, { padding: 2 }), 'padding'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  // The CUDA kernels scan windows in the CPU's order and their backward passes gather the same terms
  // in the same order: values, indices and gradients must be bit-identical.
  vsCpu('CUDA vs CPU (values, indices, gradient)', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      describe.each(['smooth', 'ties'] as const)('%s inputs', (kind) => {
        test.each([
          ['3x3 stride 2 pad 1', [2, 3, 9, 11], 3, { stride: 2, padding: 1 }],
          ['2x2 (the common case)', [1, 2, 10, 10], 2, {}],
          ['2x2 odd input', [2, 2, 11, 9], 2, {}],
          ['3x2, stride [2,1], pad [1,1], dilation [2,3]', [2, 1, 13, 11], [3, 2], { stride: [2, 1], padding: [1, 1], dilation: [2, 3] }],
          ['3x3 stride 2 ceil mode', [1, 3, 8, 9], 3, { stride: 2, ceilMode: true }],
          ['4x4 stride 3 pad 2 ceil mode', [1, 1, 31, 29], 4, { stride: 3, padding: 2, ceilMode: true }],
          ['global 5x5', [3, 2, 5, 5], 5, {}],
          ['1x1 stride 1', [2, 2, 7, 6], 1, {}],
          ['overlapping 3x3 stride 1 pad 1', [1, 4, 17, 19], 3, { stride: 1, padding: 1 }],
          ['1x1 input', [1, 1, 1, 1], 1, {}],
          ['empty batch', [0, 3, 6, 6], 2, {}],
        ] as [string, number[], number | number[], object][])('max_pool2d %s', (name, shape, k, opts) => {
          const x = poolInput(shape, dtype, shape[3] * 7 + 1, kind);
          expectPoolVsCpu(device, x, (t) => F.maxPool2d(t, k, { ...opts, returnIndices: true }), name, tol('max_pool2d', dtype, device));
        });
      });
    });
  });
});
