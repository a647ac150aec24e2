// test/ops/conv2d_relu_max_pool2d.test.ts — the fused F.conv2dReluMaxPool2d (conv -> ReLU ->
// non-overlapping max pooling in one native pass) on every device: equal, bit for bit, to the unfused
// maxPool2d(relu(conv2d(...))) (itself checked against PyTorch in conv2d/max_pool2d): the output equal to
// the unfused forward with the plain conv's algorithm choice (the fused forward runs Winograd where the
// plain conv would, the per-image algorithms otherwise; on the CPU, float32 convs with at most 8 input
// channels and 16k output channels run a kernel of their own: within rounding there, and bit for bit
// under the preference 'perImage'), the gradients to the unfused ones with the
// per-image algorithms (torch.backends.conv.algorithm 'perImage', which the fused backward shares); on
// awkward sizes, both kernel paths (stride 1 grid, strided im2col), groups, padding, dilation, batches smaller than the thread count, float32 and float64; FashionCNN uses it;
// float64 finite-difference gradchecks; argument errors; and on CUDA agreement with the CPU (exact
// pooled output of integer-valued data, gradients within the conv tolerance, a NaN input).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectClose, randnT, rng, toNumbers } from '../helpers';
import { expectCloseToCpu } from './compare';
import { tol, FloatDType } from './tolerances';

const F = torch.F;
type ConvOpts = NonNullable<Parameters<typeof F.conv2d>[3]>;

function same(a: Tensor, b: Tensor, what: string) {
  expect(a.shape).toEqual(b.shape);
  const x = a.toArray() as Float64Array;
  const y = b.toArray() as Float64Array;
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i] === 0 ? 0 : x[i], y[i] === 0 ? 0 : y[i])) throw new Error(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

/** fn with the per-image conv algorithms, which the fused ops share (others sum in another order). */
function perImage<R>(fn: () => R): R {
  torch.backends.conv.algorithm = 'perImage';
  try {
    return fn();
  } finally {
    torch.backends.conv.algorithm = 'auto';
  }
}

/** Small integers (exact in any float sum of this size), so both devices compute identical values. */
function ints(shape: number[], dtype: FloatDType, lo: number, hi: number, seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
  return dtype === 'float32' ? torch.fromBuffer(Float32Array.from(v), shape) : torch.fromBuffer(Float64Array.from(v), shape);
}

describeOp('conv2d_relu_max_pool2d', ({ device, on, dtypes, vsCpu }) => {
  /** Whether the CPU's fused forward may take its small-channel kernel (float32, 3x3 stride 1, one
   * group, <= 8 input channels, output channels a multiple of 16, 2x2 pool; AVX-512 machines only,
   * exact elsewhere): its output is compared within rounding. */
  const smallChannels = (xs: number[], ws: number[], opts: ConvOpts, k: number | number[], dtype: string): boolean =>
    device === 'cpu' && dtype === 'float32' && xs[1] <= 8 && ws[0] % 16 === 0 && ws[2] === 3 && ws[3] === 3 && k === 2 &&
    (opts.stride ?? 1) === 1 && (opts.dilation ?? 1) === 1 && (opts.groups ?? 1) === 1;
  describe('conv2dReluMaxPool2d equals maxPool2d(relu(conv2d(...)))', () => {
    /** `data` 'ints': small integers (many equal conv outputs: ties in the windows), NaN at nanAt if >= 0. */
    function check(xs: number[], ws: number[], opts: ConvOpts, k: number | number[], dtype: 'float32' | 'float64', bias = true, inputGrad = true, data: 'randn' | 'ints' = 'randn', nanAt = -1) {
      let x0 = data === 'ints' ? ints(xs, dtype, -2, 2, 5 + xs[1]) : torch.randn(xs, { dtype });
      if (nanAt >= 0) {
        const v = toNumbers(x0);
        v[nanAt] = NaN;
        x0 = dtype === 'float32' ? torch.fromBuffer(Float32Array.from(v), xs) : torch.fromBuffer(Float64Array.from(v), xs);
      }
      x0 = on(x0);
      const w0 = data === 'ints' ? on(ints(ws, dtype, -1, 1, 7 + ws[0])) : on(torch.randn(ws, { dtype })).mul(0.3);
      const b0 = bias ? (data === 'ints' ? on(ints([ws[0]], dtype, -1, 1, 3)) : on(torch.randn([ws[0]], { dtype })).mul(0.1)) : null;
      const mk = () => {
        const x = inputGrad ? x0.detach().requiresGrad_() : x0;
        const w = w0.detach().requiresGrad_();
        const b = b0 ? b0.detach().requiresGrad_() : null;
        return { x, w, b };
      };
      const a = mk();
      const r = mk();
      const ya = F.conv2dReluMaxPool2d(a.x, a.w, a.b, opts, k);
      // the unfused kernels: the forward with the plain conv's own choice (the fused forward shares
      // it where that is Winograd), the gradients with the per-image algorithms (the fused backward's)
      const yf = torch.noGrad(() => F.maxPool2d(F.relu(F.conv2d(x0, w0, b0, opts)), k, { returnIndices: true })[0]);
      if (smallChannels(xs, ws, opts, k, dtype)) {
        // the small-channel kernel (native/cpu/conv.cc, fused_forward_small_c) sums in its own order:
        // within rounding of the unfused forward, and its taps route the gradients as the unfused
        // per-image kernels' indices do (compared bit for bit below)
        expectClose(ya, yf, { atol: 1e-5, rtol: 1e-5, label: 'output' });
        perImage(() => torch.noGrad(() => same(F.conv2dReluMaxPool2d(x0, w0, b0, opts, k), F.maxPool2d(F.relu(F.conv2d(x0, w0, b0, opts)), k), 'output under the preference perImage')));
      } else {
        same(ya, yf, 'output');
      }
      const yr = perImage(() => F.maxPool2d(F.relu(F.conv2d(r.x, r.w, r.b, opts)), k, { returnIndices: true })[0]);
      const g = on(torch.randn(ya.shape, { dtype }));
      ya.backward(g);
      yr.backward(g);
      if (inputGrad) same(a.x.grad!, r.x.grad!, 'input grad');
      else expect(a.x.grad).toBeNull();
      same(a.w.grad!, r.w.grad!, 'weight grad');
      if (bias) same(a.b!.grad!, r.b!.grad!, 'bias grad');
    }

    beforeAll(() => torch.manualSeed(11));
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test('the seed CNN blocks (1->32 and 32->64, 3x3 pad 1, pool 2)', () => {
        check([5, 1, 28, 28], [32, 1, 3, 3], { padding: 1 }, 2, dtype, true, false);
        check([3, 32, 14, 14], [64, 32, 3, 3], { padding: 1 }, 2, dtype);
      });
      test('odd sizes (pooling drops the last row/column), no bias', () => check([3, 3, 11, 9], [5, 3, 3, 3], { padding: 1 }, 2, dtype, false));
      // the small-channel kernel's paths: 16 and 48 output channels (one and one-and-a-half blocks of
      // 32), 3 and 8 input channels, padding 0 and 2, odd sizes, pooled rows wider than 16 (two column
      // chunks), batch 1 and 2 (items of pooled rows), ties ('ints'), a NaN
      test('few input channels, 16k output channels: awkward sizes, ties, a NaN', () => {
        check([2, 1, 9, 7], [16, 1, 3, 3], { padding: 1 }, 2, dtype);
        check([3, 3, 13, 11], [48, 3, 3, 3], {}, 2, dtype, false);
        check([1, 8, 12, 42], [32, 8, 3, 3], { padding: 2 }, 2, dtype);
        check([2, 2, 10, 36], [16, 2, 3, 3], { padding: 1 }, 2, dtype, true, true, 'ints');
        check([2, 3, 8, 8], [32, 3, 3, 3], { padding: 1 }, 2, dtype, true, true, 'ints', 70);
        check([5, 1, 28, 28], [32, 1, 3, 3], { padding: 1 }, 2, dtype, true, true, 'randn', 300);
      });
      // big enough for Winograd (>= 16 channels each way, >= 128 tiles), whose 2x2 tiles are the pooling
      // windows of a 2x2 pool (pooled in the Winograd epilogue; other pools from a buffer of its output)
      test('Winograd-sized blocks: odd and unpadded sizes, ties, a NaN, 3x3 pools', () => {
        check([4, 16, 13, 11], [17, 16, 3, 3], { padding: 1 }, 2, dtype);
        check([5, 16, 13, 11], [16, 16, 3, 3], {}, 2, dtype, false);
        check([4, 16, 13, 11], [17, 16, 3, 3], { padding: 1 }, 2, dtype, true, true, 'ints');
        check([4, 16, 12, 12], [16, 16, 3, 3], { padding: 1 }, 2, dtype, true, true, 'ints', 3 * 16 * 144 + 5 * 12 + 6);
        check([4, 16, 13, 11], [17, 16, 3, 3], { padding: 1 }, 3, dtype, true, true, 'ints');
      });
      // AlexNet-style 11x11 stride-4 conv: Winograd on its space-to-depth phase planes (48 channels)
      test('strided Winograd-sized blocks (space to depth): 2x2 and 3x3 pools', () => {
        check([6, 3, 45, 41], [20, 3, 11, 11], { stride: 4, padding: 2 }, 2, dtype);
        check([6, 3, 45, 41], [20, 3, 11, 11], { stride: 4, padding: 2 }, 3, dtype, false);
      });
      test('conv output narrower than 4 pooled columns', () => check([2, 2, 6, 5], [3, 2, 3, 3], {}, 2, dtype));
      test('one image (threads inside the GEMMs)', () => check([1, 4, 12, 12], [6, 4, 3, 3], { padding: 1 }, 2, dtype));
      test('pool 3x3 and 2x3 windows', () => {
        check([2, 3, 13, 13], [4, 3, 3, 3], { padding: 1 }, 3, dtype);
        check([2, 3, 10, 13], [4, 3, 3, 3], { padding: 1 }, [2, 3], dtype);
      });
      test('strided conv (im2col path), dilation, groups', () => {
        check([2, 4, 15, 15], [6, 4, 3, 3], { stride: 2, padding: 1 }, 2, dtype);
        check([2, 4, 12, 12], [6, 4, 3, 3], { dilation: 2, padding: 2 }, 2, dtype);
        check([3, 6, 10, 10], [9, 2, 3, 3], { groups: 3, padding: 1 }, 2, dtype);
        check([2, 3, 9, 9], [4, 3, 2, 2], { padding: 'same' }, 2, dtype);
      });
      test('3-D (unbatched) input runs unfused', () => {
        const x = on(torch.randn([3, 8, 8], { dtype }));
        const w = on(torch.randn([4, 3, 3, 3], { dtype }));
        same(F.conv2dReluMaxPool2d(x, w, null, { padding: 1 }, 2), F.maxPool2d(F.relu(F.conv2d(x, w, null, { padding: 1 })), 2, { returnIndices: true })[0], 'output');
      });
    });
    test('bad arguments name the argument', () => {
      const x = on(torch.randn([2, 3, 8, 8]));
      const w = on(torch.randn([4, 3, 3, 3]));
      expect(() => F.conv2dReluMaxPool2d(x, w, null, {}, 0)).toThrow(/kernelSize/);
      expect(() => F.conv2dReluMaxPool2d(x, on(torch.randn([4, 2, 3, 3])), null, {}, 2)).toThrow(/input|weight/);
      expect(() => F.conv2dReluMaxPool2d(x, w, on(torch.randn([3])), {}, 2)).toThrow(/bias/);
      expect(() => F.conv2dReluMaxPool2d(x, w, null, { stride: 0 }, 2)).toThrow(/stride/);
    });
    test('FashionCNN uses it and gives the unfused forward and gradients', () => {
      torch.manualSeed(3);
      const m = torch.models.fashionCnn().to(device);
      m.eval();
      const x = on(torch.randn([4, 1, 28, 28]));
      const unfused = () => torch.noGrad(() => {
        let h = F.maxPool2d(F.relu(m.conv1.forward(x)), 2, { returnIndices: true })[0];
        h = F.maxPool2d(F.relu(m.conv2.forward(h)), 2, { returnIndices: true })[0];
        h = h.view(h.shape[0], -1);
        return m.fc2.forward(F.relu(m.fc1.forward(h)));
      });
      // bit for bit with the per-image algorithms; within rounding by default (its first conv, 1 -> 32,
      // takes the CPU's small-channel kernel)
      perImage(() => same(m.forward(x), unfused(), 'logits'));
      expectClose(m.forward(x), unfused(), { atol: 1e-5, rtol: 1e-5, label: 'logits' });
    });
  });

  dtypes(['float64'] as const, () => {
    test('finite-difference gradients of conv2dReluMaxPool2d (input, weight, bias; grid and im2col paths)', () => {
      gradcheck(([x, w, b]) => F.conv2dReluMaxPool2d(x, w, b, { padding: 1 }, 2), [randnT([2, 2, 6, 6], 41), randnT([3, 2, 3, 3], 42), randnT([3], 43)], { device });
      gradcheck(([x, w, b]) => F.conv2dReluMaxPool2d(x, w, b, { stride: 2, padding: 1 }, 2), [randnT([1, 2, 9, 9], 44), randnT([3, 2, 3, 3], 45), randnT([3], 46)], { device });
    });
  });

  // Integer-valued inputs and weights make every conv output exact, so both devices pool identical
  // values: maxima, ties (first wins) and the relu cut-off must pick the same taps; the pooled
  // gradient is random, and the gradients are compared within the conv tolerance.
  vsCpu('CUDA vs CPU (pooled output exact, gradients)', () => {
    beforeAll(() => torch.manualSeed(20261203));

    function fused(xs: number[], ws: number[], opts: ConvOpts, k: number | number[], dtype: FloatDType, bias = true, nanAt = -1): void {
      let x0 = ints(xs, dtype, -2, 2, 1 + xs[0]);
      if (nanAt >= 0) {
        const v = toNumbers(x0);
        v[nanAt] = NaN;
        x0 = dtype === 'float32' ? torch.fromBuffer(Float32Array.from(v), xs) : torch.fromBuffer(Float64Array.from(v), xs);
      }
      const w0 = ints(ws, dtype, -1, 1, 7 + ws[0]);
      const b0 = bias ? ints([ws[0]], dtype, -1, 1, 3) : null;
      const mk = (dev: 'cpu' | 'device') => ({
        x: (dev === 'device' ? on(x0) : x0).detach().requiresGrad_(),
        w: (dev === 'device' ? on(w0) : w0).detach().requiresGrad_(),
        b: b0 ? (dev === 'device' ? on(b0) : b0).detach().requiresGrad_() : null,
      });
      const c = mk('cpu');
      const g = mk('device');
      const yc = F.conv2dReluMaxPool2d(c.x, c.w, c.b, opts, k);
      const yg = F.conv2dReluMaxPool2d(g.x, g.w, g.b, opts, k);
      expect(yg.shape).toEqual(yc.shape);
      expectClose(yg.cpu(), yc, { ...tol('conv2d_relu_max_pool2d', dtype, device), label: 'pooled output' });
      const gr = torch.randn(yc.shape, { dtype });
      yc.backward(gr);
      yg.backward(on(gr));
      const key = 'conv2d_relu_max_pool2d.grad';
      expectCloseToCpu(key, g.x.grad, c.x.grad, dtype, 'input grad', ws[0] * ws[2] * ws[3]);
      if (nanAt >= 0) return; // NaN inputs: weight gradients are NaN-polluted differently by design
      expectCloseToCpu(key, g.w.grad, c.w.grad, dtype, 'weight grad', yc.shape[0] * yc.shape[2] * yc.shape[3] * 4);
      if (bias) expectCloseToCpu(key, g.b!.grad, c.b!.grad, dtype, 'bias grad', yc.shape[0] * yc.shape[2] * yc.shape[3] * 4);
    }

    dtypes(['float32', 'float64'] as const, (dtype) => {
      test('seed CNN blocks (1->32, 32->64, 3x3 pad 1, pool 2)', () => {
        fused([5, 1, 28, 28], [32, 1, 3, 3], { padding: 1 }, 2, dtype);
        fused([3, 32, 14, 14], [64, 32, 3, 3], { padding: 1 }, 2, dtype);
      });
      test('odd sizes (pooling drops the last row/column), no bias', () => fused([3, 3, 11, 9], [5, 3, 3, 3], { padding: 1 }, 2, dtype, false));
      test('batch 1, pool 3x3 and 2x3', () => {
        fused([1, 3, 13, 13], [4, 3, 3, 3], { padding: 1 }, 3, dtype);
        fused([2, 3, 10, 13], [4, 3, 3, 3], { padding: 1 }, [2, 3], dtype);
      });
      test('strided conv, dilation, groups, depthwise', () => {
        fused([2, 4, 15, 15], [6, 4, 3, 3], { stride: 2, padding: 1 }, 2, dtype);
        fused([2, 4, 12, 12], [6, 4, 3, 3], { dilation: 2, padding: 2 }, 2, dtype);
        fused([2, 4, 12, 12], [8, 2, 3, 3], { padding: 1, groups: 2 }, 2, dtype);
        fused([2, 4, 12, 12], [4, 1, 3, 3], { padding: 1, groups: 4 }, 2, dtype);
      });
      test('a NaN input: NaN pooled outputs and the same taps', () => fused([2, 2, 8, 8], [3, 2, 3, 3], { padding: 1 }, 2, dtype, true, 37));
    });
  });
});
