// CUDA pooling (native/cuda/pool2d.cu: max_pool2d fwd/bwd, relu_max_pool2d fwd/bwd, avg_pool2d
// fwd/bwd, adaptive avg/max pooling, max_unpool2d fwd/bwd) against the CPU kernels through the
// public API, with kernels, strides, padding, dilation and ceil mode on odd sizes, overlapping
// windows (gradients accumulated from several windows), empty batches, NaN / tie / -inf windows
// (PyTorch's rule: greater or NaN wins, so the last NaN), adaptive sizes below, equal to and above
// the input, and duplicate / out-of-range unpooling indices. The CUDA kernels scan windows in the
// CPU's order and their backward passes gather the same terms in the same order, so every value,
// index and gradient must be bit-identical. Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { CUDA_AVAILABLE, cudaSkipReason } from '../devices';
import { cu, flat, lcg } from './compare';

const F = torch.F;
const describeCuda = CUDA_AVAILABLE ? describe : describe.skip;
const TITLE = 'CUDA pooling vs CPU' + (CUDA_AVAILABLE ? '' : ` (skipped: ${cudaSkipReason()})`);
type FloatDType = 'float32' | 'float64';

// ---- helpers -------------------------------------------------------------------------------------
/** kind 'smooth': uniform in [-3, 3); 'ties': few integers (many ties) with NaNs and -inf. */
function rand(shape: number[], dtype: FloatDType, seed: number, kind: 'smooth' | 'ties' = 'smooth'): Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = () => {
    if (kind === 'smooth') return -3 + 6 * r();
    const u = r();
    if (u < 0.05) return NaN;
    if (u < 0.15) return -Infinity;
    return Math.floor(r() * 5) - 2;
  };
  const arr = dtype === 'float32' ? Float32Array.from({ length: n }, v) : Float64Array.from({ length: n }, v);
  return torch.fromBuffer(arr, shape, { dtype });
}
/** Bit-identical (NaN == NaN, +0 != -0), same shape and dtype. */
function expectSame(cuda: Tensor, cpu: Tensor, label: string): void {
  expect(cuda.device.startsWith('cuda')).toBe(true);
  expect(cuda.shape).toEqual(cpu.shape);
  expect(cuda.dtype).toBe(cpu.dtype);
  const a = flat(cuda), b = flat(cpu);
  let bad = 0, first = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    const ok = typeof x === 'bigint' || typeof y === 'bigint' ? x === y
      : Number.isNaN(x) || Number.isNaN(y) ? Number.isNaN(x) && Number.isNaN(y) : Object.is(x, y);
    if (!ok) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad) throw new Error(`${label}: ${bad} of ${a.length} elements differ; first at ${first}: cuda ${a[first]} vs cpu ${b[first]}`);
}

/** f on the CPU and on CUDA copies: outputs (all of them) and the input gradient for a random dy. */
function checkBoth(x0: Tensor, f: (x: Tensor) => Tensor | Tensor[], label: string, seed = 1): void {
  const dtype = x0.dtype as FloatDType;
  const xc = x0.detach().requiresGrad_();
  const xg = cu(x0).detach().requiresGrad_();
  const rc = f(xc), rg = f(xg);
  const oc = Array.isArray(rc) ? rc : [rc];
  const og = Array.isArray(rg) ? rg : [rg];
  oc.forEach((o, i) => expectSame(og[i], o, `${label}: output ${i}`));
  if (oc[0].numel() === 0) return;
  const g = rand(oc[0].shape, dtype, seed + 17);
  oc[0].backward(g);
  og[0].backward(cu(g));
  expectSame(xg.grad!, xc.grad!, `${label}: grad`);
}

describeCuda(TITLE, () => {
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
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
        const x = rand(shape, dtype, shape[3] * 7 + 1, kind);
        checkBoth(x, (t) => F.maxPool2d(t, k, { ...opts, returnIndices: true }), name);
      });

      test.each([
        ['2x2', [2, 3, 8, 10], 2],
        ['2x2 with leftover row and column', [1, 2, 9, 7], 2],
        ['3x2', [2, 2, 9, 8], [3, 2]],
        ['3x3', [1, 3, 6, 6], 3],
        ['empty batch', [0, 2, 4, 4], 2],
      ] as [string, number[], number | number[]][])('relu_max_pool2d %s (and the maxPool2d(relu(x)) fusion)', (name, shape, k) => {
        const x = rand(shape, dtype, 5 + shape[2], kind);
        checkBoth(x, (t) => F.reluMaxPool2d(t, k), `reluMaxPool2d ${name}`);
        checkBoth(x, (t) => F.maxPool2d(F.relu(t), k), `maxPool2d(relu) ${name}`);
      });

      test.each([
        ['adaptive 7x9 -> 3x4', [2, 3, 7, 9], [3, 4]],
        ['adaptive identity', [1, 2, 7, 9], [7, 9]],
        ['adaptive global', [2, 2, 5, 6], [1, 1]],
        ['adaptive upsampling 5x6 -> 10x13', [1, 2, 5, 6], [10, 13]],
        ['adaptive mixed 9x4 -> 5x7', [1, 1, 9, 4], [5, 7]],
        ['adaptive keep width', [1, 3, 11, 5], [4, null]],
      ] as [string, number[], (number | null)[]][])('%s: max (values, indices, grad) and avg', (name, shape, size) => {
        const x = rand(shape, dtype, 31 + shape[2], kind);
        checkBoth(x, (t) => F.adaptiveMaxPool2d(t, size, { returnIndices: true }), `adaptive max ${name}`);
        if (kind === 'smooth') checkBoth(x, (t) => F.adaptiveAvgPool2d(t, size), `adaptive avg ${name}`);
      });
    });

    test.each([
      ['3x3 stride 2 pad 1', [2, 3, 9, 11], 3, { stride: 2, padding: 1 }],
      ['3x3 stride 2 pad 1, count_include_pad false', [2, 3, 9, 11], 3, { stride: 2, padding: 1, countIncludePad: false }],
      ['2x2', [1, 2, 10, 7], 2, {}],
      ['3x2 stride [1,2] pad [1,1] ceil', [1, 2, 8, 9], [3, 2], { stride: [1, 2], padding: [1, 1], ceilMode: true }],
      ['divisor override', [2, 1, 7, 7], 3, { stride: 2, padding: 1, divisorOverride: 5 }],
      ['ceil, count_include_pad false', [1, 1, 10, 10], 3, { stride: 3, ceilMode: true, countIncludePad: false }],
      ['overlapping 4x4 stride 1', [1, 3, 12, 13], 4, { stride: 1 }],
      ['empty batch', [0, 2, 5, 5], 2, {}],
    ] as [string, number[], number | number[], object][])('avg_pool2d %s', (name, shape, k, opts) => {
      const x = rand(shape, dtype, 3 + shape[3]);
      checkBoth(x, (t) => F.avgPool2d(t, k, opts), name);
    });

    test.each([
      ['2x2 pool', [2, 3, 8, 10], 2, {}],
      ['3x3 stride 2 pad 1 pool, output size given', [1, 2, 9, 11], 3, { stride: 2, padding: 1 }],
      ['overlapping 3x3 stride 1 pool: duplicate indices (the last wins)', [1, 2, 6, 7], 3, { stride: 1, padding: 1 }],
    ] as [string, number[], number, { stride?: number; padding?: number }][])('max_unpool2d after %s', (name, shape, k, opts) => {
      const x = rand(shape, dtype, 41 + shape[3], 'ties');
      const [yc, ic] = F.maxPool2d(x, k, { ...opts, returnIndices: true });
      const [yg, ig] = F.maxPool2d(cu(x), k, { ...opts, returnIndices: true });
      expectSame(yg, yc, `${name}: pooled values`);
      expectSame(ig, ic, `${name}: indices`);
      const outputSize = opts.padding ? [shape[2], shape[3]] : null;
      checkBoth(yc.detach(), (t) => F.maxUnpool2d(t, t.device === 'cpu' ? ic : ig, k, { ...opts, outputSize }), name);
    });

    test('max_unpool2d with an index out of range throws the CPU error, and the device keeps working', () => {
      const x = rand([1, 2, 2, 2], dtype, 3);
      const idx = torch.fromBuffer(BigInt64Array.from([0n, 1n, 4n, 5n, 2n, 99n, 3n, 7n]), [1, 2, 2, 2]);
      let cpuMsg = '', gpuMsg = '';
      try { F.maxUnpool2d(x, idx, 2); } catch (e) { cpuMsg = (e as Error).message; }
      try { F.maxUnpool2d(cu(x), cu(idx), 2).toArray(); } catch (e) { gpuMsg = (e as Error).message; }
      expect(cpuMsg).toMatch(/Expected indices/);
      expect(gpuMsg).toBe(cpuMsg);
      const ok = torch.fromBuffer(BigInt64Array.from([0n, 1n, 4n, 5n, 2n, 15n, 3n, 7n]), [1, 2, 2, 2]);
      expectSame(F.maxUnpool2d(cu(x), cu(ok), 2), F.maxUnpool2d(x, ok, 2), 'after the error');
    });
  });
});
