// test/ops/relu_max_pool2d.test.ts — the fused F.reluMaxPool2d (relu + max pooling in one native
// pass) and maxPool2d(relu(x)) as users write it (fused automatically) on every device: PyTorch's
// NaN / tie rules (test/fixtures/pool_nan.json, the relu cases, both paths), equality with the
// unfused maxPool2d(relu(x)) kernels bit for bit (values and input gradients) on awkward sizes, float32
// and float64, float64 finite-difference gradchecks, argument errors, and on CUDA bit-identical
// agreement with the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { decodeT, fixtureTests, poolNanCases, randnT, rng, sameValues } from '../helpers';
import { expectPoolVsCpu, poolInput } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const reluCases = poolNanCases().filter((c) => c.relu);
const same = sameValues;

describeOp('relu_max_pool2d', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const block = 'max pooling of relu(x): NaN / tie rules vs PyTorch (pool_nan.json, relu cases)';
  fixtureTests(
    run,
    reluCases.map((c) => [c.name, c] as const),
    (c, dtype) => {
      const x = on(torch.tensor(decodeT(c.x), { dtype }).view(c.x.shape)).requiresGrad_();
      const [y, idx] = F.maxPool2d(F.relu(x), c.kernel, { returnIndices: true });
      same(y.toArray() as Float64Array, decodeT(c.y));
      same(Array.from(idx.toArray() as BigInt64Array, Number), decodeT(c.indices));
      y.backward(on(torch.tensor(decodeT(c.gy), { dtype }).view(c.gy.shape)));
      same(x.grad!.toArray() as Float64Array, decodeT(c.gx));
      const x2 = on(torch.tensor(decodeT(c.x), { dtype }).view(c.x.shape)).requiresGrad_();
      const y2 = F.reluMaxPool2d(x2, c.kernel);
      same(y2.toArray() as Float64Array, decodeT(c.y));
      y2.backward(on(torch.tensor(decodeT(c.gy), { dtype }).view(c.gy.shape)));
      same(x2.grad!.toArray() as Float64Array, decodeT(c.gx));
    },
    { block, title: 'fixture has relu cases', min: 4 },
  );

  describe('reluMaxPool2d, and maxPool2d(relu(x)) as users write it, equal the unfused kernels', () => {
    test('maxPool2d(relu(x)) runs fused (gradient straight to x) and gives the unfused values and gradient', () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const x0 = on(torch.randn([3, 4, 10, 9], { dtype }));
        const a = x0.detach().requiresGrad_();
        const b = x0.detach().requiresGrad_();
        const ya = F.maxPool2d(F.relu(a), 2);
        expect(ya.gradFn?.name).toBe('ReluMaxPool2dBackward');
        expect(ya.gradFn?.inputs[0]).toBe(a);
        const yb = F.maxPool2d(F.relu(b), 2, { returnIndices: true })[0];
        expect(yb.gradFn?.name).toBe('MaxPool2DWithIndicesBackward');
        same(ya.toArray() as Float32Array, yb.toArray() as Float32Array);
        const g = on(torch.randn(ya.shape, { dtype }));
        ya.backward(g);
        yb.backward(g);
        same(a.grad!.toArray() as Float32Array, b.grad!.toArray() as Float32Array);
      }
    });
    test('a relu output used twice still gets both gradients', () => {
      const x0 = on(torch.randn([2, 3, 8, 8], { dtype: 'float64' }));
      const a = x0.detach().requiresGrad_();
      const b = x0.detach().requiresGrad_();
      const ra = F.relu(a);
      F.maxPool2d(ra, 2).sum().add(ra.mul(ra).sum()).backward();
      const rb = F.relu(b);
      F.maxPool2d(rb, 2, { returnIndices: true })[0].sum().add(rb.mul(rb).sum()).backward();
      same(a.grad!.toArray() as Float64Array, b.grad!.toArray() as Float64Array);
    });

    /** x0 is on the device under test. */
    function both(x0: Tensor, k: number | number[], opts: Parameters<typeof F.reluMaxPool2d>[2] = {}) {
      const a = x0.detach().requiresGrad_();
      const b = x0.detach().requiresGrad_();
      const ya = F.reluMaxPool2d(a, k, opts);
      const yb = F.maxPool2d(F.relu(b), k, { ...opts, returnIndices: true })[0]; // returnIndices: the unfused kernels
      expect(ya.shape).toEqual(yb.shape);
      same(ya.toArray() as Float32Array, yb.toArray() as Float32Array);
      const g = on(torch.randn(ya.shape, { dtype: x0.dtype }));
      ya.backward(g);
      yb.backward(g);
      same(a.grad!.toArray() as Float32Array, b.grad!.toArray() as Float32Array);
    }
    beforeAll(() => torch.manualSeed(7));
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each([
        ['2x2 even', [2, 3, 8, 12], 2],
        ['2x2 odd sizes (floor drops the last row/column)', [3, 5, 9, 11], 2],
        ['2x2 width not a multiple of 8', [1, 2, 6, 10], 2],
        ['3x3', [2, 4, 10, 7], 3],
        ['2x3', [2, 3, 7, 9], [2, 3]],
        ['1x1', [1, 2, 3, 5], 1],
        ['large batch', [17, 8, 14, 14], 2],
        ['2x2 rows of 32 outputs (whole 16-lane steps)', [2, 3, 4, 64], 2],
        ['2x2 rows of 35 outputs (16-lane steps and a tail)', [2, 2, 6, 71], 2],
      ] as const)('%s', (_n, shape, k) => {
        const x = on(torch.randn(shape as unknown as number[], { dtype }));
        both(x, k as number | number[]);
      });
      test('NaNs and ties in wide rows (16-lane steps and a tail)', () => {
        const r = rng(5);
        const v = Array.from({ length: 2 * 3 * 6 * 70 }, () => {
          const u = r();
          return u < 0.05 ? NaN : u < 0.2 ? 1 : u < 0.3 ? -1 : u < 0.35 ? 0 : (u - 0.5) * 8;
        });
        both(on(torch.tensor(v, { dtype }).view([2, 3, 6, 70])), 2);
      });
      test('ties, zeros and negative-only windows', () => {
        const x = on(torch.tensor([1, 1, -2, -2, 0, 0, 3, -1, 1, 1, -2, -2, 0, 0, 3, 3], { dtype })).view([1, 1, 4, 4]);
        both(x, 2);
      });
      test('non-contiguous input', () => {
        const x = on(torch.randn([2, 6, 8, 3], { dtype })).permute(0, 3, 1, 2);
        both(x, 2);
      });
      test('3-D input and settings without a fused kernel run unfused', () => {
        both(on(torch.randn([3, 8, 8], { dtype })), 2);
        both(on(torch.randn([2, 3, 9, 9], { dtype })), 3, { stride: 2 });
        both(on(torch.randn([2, 3, 8, 8], { dtype })), 2, { padding: 1 });
        both(on(torch.randn([2, 3, 9, 9], { dtype })), 2, { ceilMode: true });
        both(on(torch.randn([2, 3, 9, 9], { dtype })), 2, { dilation: 2, stride: 2 });
      });
    });
    test('bad arguments name the argument', () => {
      expect(() => F.reluMaxPool2d(on(torch.randn([2, 3, 8, 8])), 0)).toThrow(/kernelSize/);
      expect(() => F.reluMaxPool2d(on(torch.randn([8, 8])), 2)).toThrow(/input/);
      expect(() => F.reluMaxPool2d(on(torch.zeros([1, 1, 4, 4], { dtype: 'int64' })), 2)).toThrow(/input/);
    });
  });

  dtypes(['float64'] as const, () => {
    test('finite-difference gradients: reluMaxPool2d and the fused maxPool2d(relu(x))', () => {
      gradcheck(([x]) => F.reluMaxPool2d(x, 2), [randnT([2, 3, 6, 7], 31)], { device });
      gradcheck(([x]) => F.reluMaxPool2d(x, [2, 3]), [randnT([1, 2, 5, 9], 32)], { device });
      gradcheck(([x]) => F.maxPool2d(F.relu(x), 2), [randnT([2, 2, 8, 6], 33)], { device });
    });
  });

  // Bit-identical on CUDA: the kernels scan windows in the CPU's order (a greater value or NaN wins).
  vsCpu('CUDA vs CPU (values, gradient)', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      describe.each(['smooth', 'ties'] as const)('%s inputs', (kind) => {
        test.each([
          ['2x2', [2, 3, 8, 10], 2],
          ['2x2 with leftover row and column', [1, 2, 9, 7], 2],
          ['3x2', [2, 2, 9, 8], [3, 2]],
          ['3x3', [1, 3, 6, 6], 3],
          ['empty batch', [0, 2, 4, 4], 2],
        ] as [string, number[], number | number[]][])('relu_max_pool2d %s (and the maxPool2d(relu(x)) fusion)', (name, shape, k) => {
          const x = poolInput(shape, dtype, 5 + shape[2], kind);
          const t = tol('relu_max_pool2d', dtype, device);
          expectPoolVsCpu(device, x, (v) => F.reluMaxPool2d(v, k), `reluMaxPool2d ${name}`, t);
          expectPoolVsCpu(device, x, (v) => F.maxPool2d(F.relu(v), k), `maxPool2d(relu) ${name}`, t);
        });
      });
    });
  });
});
