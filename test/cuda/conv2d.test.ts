// CUDA conv2d (native/cuda/conv2d.cu: implicit-GEMM forward, input and weight gradients, bias
// gradient, and the fused conv2dReluMaxPool2d) against the CPU kernels through the public API:
// F.conv2d and F.conv2dReluMaxPool2d on awkward sizes — odd spatial sizes, 1x1 and whole-input
// kernels, stride 2 and mixed strides, padding incl. 'same', dilation, groups and depthwise, batch 1,
// long reductions — float32 and float64, with the gradients of input, weight and bias. Gradients must
// also repeat bit for bit (deterministic reductions). Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectClose, maxAbs, rng, toNumbers } from '../helpers';

const F = torch.F;
type FloatDType = 'float32' | 'float64';
type ConvOpts = NonNullable<Parameters<typeof F.conv2d>[3]>;
const describeCuda = torch.cuda.isAvailable() ? describe : describe.skip;

function close(cuda: Tensor | null, cpu: Tensor | null, dtype: FloatDType, label: string, K = 1): void {
  expect(cuda).not.toBeNull();
  expect(cpu).not.toBeNull();
  expect(cuda!.device).toBe('cuda');
  const scale = Math.max(1, maxAbs(toNumbers(cpu!)));
  const k = Math.sqrt(Math.max(1, K));
  const tol = dtype === 'float64' ? { atol: 1e-12 * scale * k, rtol: 1e-12 } : { atol: 2e-5 * scale * k, rtol: 1e-5 };
  expectClose(cuda!.cpu(), cpu!, { ...tol, label });
}

function bitsEqual(a: Tensor, b: Tensor, label: string): void {
  const x = toNumbers(a.cpu());
  const y = toNumbers(b.cpu());
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i], y[i])) throw new Error(`${label}: not deterministic at ${i}: ${x[i]} vs ${y[i]}`);
}

/** Small integers (exact in any float sum of this size), so both devices compute identical values. */
function ints(shape: number[], dtype: FloatDType, lo: number, hi: number, seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
  return dtype === 'float32' ? torch.fromBuffer(Float32Array.from(v), shape) : torch.fromBuffer(Float64Array.from(v), shape);
}

interface Case {
  name: string;
  x: number[];
  w: number[];
  opts: ConvOpts;
  bias?: boolean;
}

const cases: Case[] = [
  { name: '3x3 pad 1, odd sizes', x: [2, 3, 7, 9], w: [4, 3, 3, 3], opts: { padding: 1 } },
  { name: 'stride 2, asymmetric padding, groups 2, batch 1', x: [1, 4, 8, 7], w: [6, 2, 3, 2], opts: { stride: 2, padding: [1, 0], groups: 2 } },
  { name: 'depthwise, dilation 2', x: [3, 6, 9, 9], w: [6, 1, 3, 3], opts: { padding: 2, dilation: 2, groups: 6 } },
  { name: 'depthwise multiplier 2, stride 2', x: [2, 3, 10, 11], w: [6, 1, 3, 3], opts: { stride: 2, padding: 1, groups: 3 } },
  { name: '1x1', x: [2, 5, 11, 10], w: [7, 5, 1, 1], opts: {} },
  { name: '1x1 stride 2, no bias', x: [3, 8, 9, 9], w: [16, 8, 1, 1], opts: { stride: 2 }, bias: false },
  { name: "'same' padding, 3x5 kernel", x: [2, 4, 10, 12], w: [5, 4, 3, 5], opts: { padding: 'same' } },
  { name: "'same' padding, even kernel (asymmetric)", x: [2, 3, 8, 9], w: [4, 3, 2, 4], opts: { padding: 'same' } },
  { name: 'mixed stride/padding/dilation, groups 4', x: [2, 4, 12, 13], w: [8, 1, 5, 3], opts: { stride: [3, 2], padding: [2, 1], dilation: [1, 2], groups: 4 } },
  { name: 'kernel covers the whole input', x: [2, 2, 5, 5], w: [3, 2, 5, 5], opts: {} },
  { name: 'single channel in and out', x: [4, 1, 13, 13], w: [1, 1, 3, 3], opts: { padding: 1 } },
  { name: 'batch 1, large output (big GEMM tiles)', x: [1, 3, 64, 64], w: [16, 3, 5, 5], opts: { stride: 2, padding: 2 } },
  { name: 'long reductions (32 -> 64 channels, split weight gradient)', x: [4, 32, 20, 20], w: [64, 32, 3, 3], opts: { padding: 1 } },
  { name: 'seed CNN first layer', x: [8, 1, 28, 28], w: [32, 1, 3, 3], opts: { padding: 1 } },
];

function runCase(c: Case, dtype: FloatDType): void {
  const x0 = torch.randn(c.x, { dtype });
  const w0 = torch.randn(c.w, { dtype }).mul(0.3);
  const b0 = c.bias === false ? null : torch.randn([c.w[0]], { dtype });
  const xc = x0.detach().requiresGrad_();
  const wc = w0.detach().requiresGrad_();
  const bc = b0 ? b0.detach().requiresGrad_() : null;
  const xg = x0.to('cuda').detach().requiresGrad_();
  const wg = w0.to('cuda').detach().requiresGrad_();
  const bg = b0 ? b0.to('cuda').detach().requiresGrad_() : null;
  const yc = F.conv2d(xc, wc, bc, c.opts);
  const yg = F.conv2d(xg, wg, bg, c.opts);
  expect(yg.shape).toEqual(yc.shape);
  const Kfwd = c.w[1] * c.w[2] * c.w[3];
  close(yg, yc, dtype, 'output', Kfwd);
  const g = torch.randn(yc.shape, { dtype });
  yc.backward(g);
  yg.backward(g.to('cuda'));
  const [N, OC, OH, OW] = yc.shape;
  close(xg.grad, xc.grad, dtype, 'input grad', OC * c.w[2] * c.w[3]);
  close(wg.grad, wc.grad, dtype, 'weight grad', N * OH * OW);
  if (bc) close(bg!.grad, bc.grad, dtype, 'bias grad', N * OH * OW);
}

describeCuda('CUDA conv2d vs CPU', () => {
  beforeAll(() => torch.manualSeed(20261202));

  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    test.each(cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => runCase(c, dtype));

    test('unbatched [C, H, W] input', () => {
      const x = torch.randn([3, 9, 8], { dtype });
      const w = torch.randn([4, 3, 3, 3], { dtype });
      close(F.conv2d(x.to('cuda'), w.to('cuda'), null, { padding: 1 }), F.conv2d(x, w, null, { padding: 1 }), dtype, 'output', 27);
    });

    test('gradients repeat bit for bit', () => {
      const x = torch.randn([6, 16, 15, 15], { dtype }).to('cuda');
      const w = torch.randn([24, 8, 3, 3], { dtype }).to('cuda');
      const b = torch.randn([24], { dtype }).to('cuda');
      const g = torch.randn([6, 24, 8, 8], { dtype }).to('cuda');
      const grads = () => {
        const xi = x.detach().requiresGrad_();
        const wi = w.detach().requiresGrad_();
        const bi = b.detach().requiresGrad_();
        const y = F.conv2d(xi, wi, bi, { stride: 2, padding: 1, groups: 2 });
        y.backward(g);
        return [y, xi.grad!, wi.grad!, bi.grad!];
      };
      const r1 = grads();
      const r2 = grads();
      ['output', 'input grad', 'weight grad', 'bias grad'].forEach((n, i) => bitsEqual(r1[i], r2[i], n));
    });
  });
});

describeCuda('CUDA conv2dReluMaxPool2d vs CPU', () => {
  beforeAll(() => torch.manualSeed(20261203));

  // Integer-valued inputs and weights make every conv output exact, so both devices pool identical
  // values: maxima, ties (first wins) and the relu cut-off must pick the same taps; the pooled
  // gradient is random.
  function fused(xs: number[], ws: number[], opts: ConvOpts, k: number | number[], dtype: FloatDType, bias = true, nanAt = -1): void {
    let x0 = ints(xs, dtype, -2, 2, 1 + xs[0]);
    if (nanAt >= 0) {
      const v = toNumbers(x0);
      v[nanAt] = NaN;
      x0 = dtype === 'float32' ? torch.fromBuffer(Float32Array.from(v), xs) : torch.fromBuffer(Float64Array.from(v), xs);
    }
    const w0 = ints(ws, dtype, -1, 1, 7 + ws[0]);
    const b0 = bias ? ints([ws[0]], dtype, -1, 1, 3) : null;
    const mk = (dev: 'cpu' | 'cuda') => ({
      x: (dev === 'cuda' ? x0.to('cuda') : x0).detach().requiresGrad_(),
      w: (dev === 'cuda' ? w0.to('cuda') : w0).detach().requiresGrad_(),
      b: b0 ? (dev === 'cuda' ? b0.to('cuda') : b0).detach().requiresGrad_() : null,
    });
    const c = mk('cpu');
    const g = mk('cuda');
    const yc = F.conv2dReluMaxPool2d(c.x, c.w, c.b, opts, k);
    const yg = F.conv2dReluMaxPool2d(g.x, g.w, g.b, opts, k);
    expect(yg.shape).toEqual(yc.shape);
    expectClose(yg.cpu(), yc, { atol: 0, label: 'pooled output' });
    const gr = torch.randn(yc.shape, { dtype });
    yc.backward(gr);
    yg.backward(gr.to('cuda'));
    close(g.x.grad, c.x.grad, dtype, 'input grad', ws[0] * ws[2] * ws[3]);
    if (nanAt >= 0) return; // NaN inputs: weight gradients are NaN-polluted differently by design
    close(g.w.grad, c.w.grad, dtype, 'weight grad', yc.shape[0] * yc.shape[2] * yc.shape[3] * 4);
    if (bias) close(g.b!.grad, c.b!.grad, dtype, 'bias grad', yc.shape[0] * yc.shape[2] * yc.shape[3] * 4);
  }

  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
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
