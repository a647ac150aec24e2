// test/ops/compare.ts — helpers of the CUDA-vs-CPU checks in the op tests (the `vsCpu` blocks of
// test/ops/<op>.test.ts; formerly test/cuda/compare.ts): seeded input generators (inputs are made
// on the CPU, then copied, so both devices see the same numbers), element values as a flat array, an
// element-wise comparison of a device result with the CPU result (exact unless a tolerance is
// given; NaN equals NaN, bigints exactly), the same with the op's tolerance from
// test/ops/tolerances.ts for GEMM-like ops, a bit-for-bit repeat check, the pooling ops'
// forward/backward check, and draws from the same generator state on both devices.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import type { TestDevice } from '../devices';
import { expectClose, maxAbs, toNumbers } from '../helpers';
import { tol, FloatDType } from './tolerances';

export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function flat(t: Tensor): (number | bigint)[] {
  return Array.from(t.toArray() as ArrayLike<number | bigint>);
}

/** A float CPU tensor, uniform in [lo, hi), a fraction pSpecial of it drawn from `specials`. */
export function randFloat(shape: number[], dtype: FloatDType, seed: number, lo: number, hi: number, pSpecial = 0, specials: number[] = []): Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = () => (pSpecial && r() < pSpecial ? specials[Math.floor(r() * specials.length)] : lo + (hi - lo) * r());
  const arr = dtype === 'float32' ? Float32Array.from({ length: n }, v) : Float64Array.from({ length: n }, v);
  return torch.fromBuffer(arr, shape, { dtype });
}
/** n int64 class indices in [0, C) on the CPU; with `ignore`, about 20% of them are `ignore`. */
export function randTargets(n: number, C: number, seed: number, ignore?: number): Tensor {
  const r = lcg(seed);
  return torch.fromBuffer(
    BigInt64Array.from({ length: n }, () => BigInt(ignore !== undefined && r() < 0.2 ? ignore : Math.floor(r() * C))),
    [n],
  );
}

/** A CPU tensor of any dtype whose elements cycle through `values` (int64 truncated). */
export function makeTensor(shape: number[], dtype: DType, values: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = (i: number) => values[i % Math.max(1, values.length)] ?? 0;
  let arr;
  switch (dtype) {
    case 'float32': arr = Float32Array.from({ length: n }, (_, i) => v(i)); break;
    case 'float64': arr = Float64Array.from({ length: n }, (_, i) => v(i)); break;
    case 'int32': arr = Int32Array.from({ length: n }, (_, i) => v(i)); break;
    case 'int64': arr = BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.trunc(v(i)))); break;
    default: arr = Uint8Array.from({ length: n }, (_, i) => v(i)); break;
  }
  return torch.fromBuffer(arr, shape, { dtype });
}
/** A CPU tensor, uniform in [lo, hi) (integers for integer dtypes), 15% of it `specials` when given. */
export function randTensor(shape: number[], dtype: DType, seed: number, lo = -3, hi = 3, specials: number[] = []): Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const isInt = dtype !== 'float32' && dtype !== 'float64';
  const vals = Array.from({ length: n }, () => {
    if (specials.length && r() < 0.15) return specials[Math.floor(r() * specials.length)];
    const x = lo + (hi - lo) * r();
    return isInt ? Math.floor(x) : x;
  });
  return makeTensor(shape, dtype, vals);
}

/**
 * A device result against the CPU result: same shape and dtype, then element-wise within
 * atol + rtol * |cpu| (bit-identical with Object.is, so +0 != -0, when both are 0; NaN equals NaN).
 */
export function expectSame(dev: Tensor, cpu: Tensor, label: string, t: { rtol?: number; atol?: number } = {}): void {
  expect(dev.device.startsWith('cuda')).toBe(true);
  expect(cpu.device).toBe('cpu');
  expect(dev.shape).toEqual(cpu.shape);
  expect(dev.dtype).toBe(cpu.dtype);
  const a = flat(dev), b = flat(cpu);
  expect(a.length).toBe(b.length);
  const rtol = t.rtol ?? 0, atol = t.atol ?? 0;
  let bad = 0, first = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    let ok: boolean;
    if (typeof x === 'bigint' || typeof y === 'bigint') ok = x === y;
    else if (Number.isNaN(x) || Number.isNaN(y)) ok = Number.isNaN(x) && Number.isNaN(y);
    else if (rtol === 0 && atol === 0) ok = Object.is(x, y);
    else ok = x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad) throw new Error(`${label}: ${bad} of ${a.length} elements differ; first at ${first}: ${dev.device} ${a[first]} vs cpu ${b[first]}`);
}

/**
 * A device result against the CPU result within `key`'s device tolerance, for a reduction of length
 * K and the magnitude of the CPU values (GEMMs and convolutions: the error grows with both).
 */
export function expectCloseToCpu(key: string, dev: Tensor | null, cpu: Tensor | null, dtype: FloatDType, label: string, K = 1): void {
  expect(dev).not.toBeNull();
  expect(cpu).not.toBeNull();
  expect(dev!.device.startsWith('cuda')).toBe(true);
  const t = tol(key, dtype, 'cuda', { magnitude: maxAbs(toNumbers(cpu!)), terms: K });
  expectClose(dev!.cpu(), cpu!, { ...t, label });
}

/** Two results of the same computation on one device are identical, bit for bit (determinism). */
export function bitsEqual(a: Tensor, b: Tensor, label: string): void {
  const x = toNumbers(a.cpu());
  const y = toNumbers(b.cpu());
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i], y[i])) throw new Error(`${label}: not deterministic at ${i}: ${x[i]} vs ${y[i]}`);
}

// ---- pooling ----------------------------------------------------------------------------------------

/** Pooling input: kind 'smooth' is uniform in [-3, 3); 'ties' few integers (many ties) with NaNs and -inf. */
export function poolInput(shape: number[], dtype: FloatDType, seed: number, kind: 'smooth' | 'ties' = 'smooth'): Tensor {
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

/**
 * f on the CPU and on a `device` copy of x0: every output, and the input gradient for a random dy,
 * must agree within `t` (default: bit-identical).
 */
export function expectPoolVsCpu(device: TestDevice, x0: Tensor, f: (x: Tensor) => Tensor | Tensor[], label: string, t: { rtol?: number; atol?: number } = {}, seed = 1): void {
  const dtype = x0.dtype as FloatDType;
  const xc = x0.detach().requiresGrad_();
  const xg = x0.to(device).detach().requiresGrad_();
  const rc = f(xc), rg = f(xg);
  const oc = Array.isArray(rc) ? rc : [rc];
  const og = Array.isArray(rg) ? rg : [rg];
  oc.forEach((o, i) => expectSame(og[i], o, `${label}: output ${i}`, t));
  if (oc[0].numel() === 0) return;
  const g = poolInput(oc[0].shape, dtype, seed + 17);
  oc[0].backward(g);
  og[0].backward(g.to(device));
  expectSame(xg.grad!, xc.grad!, `${label}: grad`, t);
}

// ---- random streams -----------------------------------------------------------------------------------

/**
 * Runs draw() on the CPU and on `device` from the same generator state (manualSeed(seed) before
 * each); returns [device result, CPU result] after checking the device, shape and dtype.
 */
export function sameStream(device: TestDevice, seed: number, draw: (d: TestDevice) => Tensor): [Tensor, Tensor] {
  torch.manualSeed(seed);
  const c = draw('cpu');
  torch.manualSeed(seed);
  const g = draw(device);
  expect(g.device.startsWith('cuda')).toBe(true);
  expect(g.shape).toEqual(c.shape);
  expect(g.dtype).toBe(c.dtype);
  return [g, c];
}

// ---- GEMM-like ops: linear, matmul, convolutions ---------------------------------------------------

/**
 * f on CPU leaves (torch.randn of `shapes`) and on device copies of them: the output within `key`'s
 * tolerance for the reduction length K, and every input's gradient for a random dy (gradients
 * reduce over the other dims: max(K, output dims)).
 */
export function checkBothVsCpu(on: (t: Tensor) => Tensor, key: string, shapes: number[][], dtype: FloatDType, f: (ts: Tensor[]) => Tensor, K: number): void {
  const base = shapes.map((s) => torch.randn(s, { dtype }));
  const cpuIn = base.map((t) => t.detach().requiresGrad_());
  const devIn = base.map((t) => on(t).detach().requiresGrad_());
  const yc = f(cpuIn);
  const yg = f(devIn);
  expect(yg.shape).toEqual(yc.shape);
  expectCloseToCpu(key, yg, yc, dtype, 'output', K);
  const g = torch.randn(yc.shape, { dtype });
  yc.backward(g);
  yg.backward(on(g));
  const Kg = Math.max(K, ...yc.shape); // gradients reduce over the other dims
  cpuIn.forEach((t, i) => expectCloseToCpu(key, devIn[i].grad, t.grad, dtype, `grad ${i}`, Kg));
}

/** A convolution of random x [N, C, ...], weight w [OC, C/groups, ...k] (x0.3) and bias (unless bias is false). */
export interface ConvVsCpuCase<O> {
  name: string;
  x: number[];
  w: number[];
  opts: O;
  bias?: boolean;
}

/**
 * conv (conv2d or conv3d) on the CPU and the device for a ConvVsCpuCase: output within `key`'s
 * tolerance for C/groups*prod(k) terms, input grad for OC*prod(k), weight and bias grads for
 * N*prod(output spatial dims).
 */
export function convCaseVsCpu<O>(
  on: (t: Tensor) => Tensor,
  key: string,
  conv: (x: Tensor, w: Tensor, b: Tensor | null, opts: O) => Tensor,
  c: ConvVsCpuCase<O>,
  dtype: FloatDType,
): void {
  const x0 = torch.randn(c.x, { dtype });
  const w0 = torch.randn(c.w, { dtype }).mul(0.3);
  const b0 = c.bias === false ? null : torch.randn([c.w[0]], { dtype });
  const xc = x0.detach().requiresGrad_();
  const wc = w0.detach().requiresGrad_();
  const bc = b0 ? b0.detach().requiresGrad_() : null;
  const xg = on(x0).detach().requiresGrad_();
  const wg = on(w0).detach().requiresGrad_();
  const bg = b0 ? on(b0).detach().requiresGrad_() : null;
  const yc = conv(xc, wc, bc, c.opts);
  const yg = conv(xg, wg, bg, c.opts);
  expect(yg.shape).toEqual(yc.shape);
  const KK = c.w.slice(2).reduce((a, b) => a * b, 1);
  expectCloseToCpu(key, yg, yc, dtype, 'output', c.w[1] * KK);
  const g = torch.randn(yc.shape, { dtype });
  yc.backward(g);
  yg.backward(on(g));
  const [N, OC, ...spatial] = yc.shape;
  const NO = N * spatial.reduce((a, b) => a * b, 1);
  expectCloseToCpu(key, xg.grad, xc.grad, dtype, 'input grad', OC * KK);
  expectCloseToCpu(key, wg.grad, wc.grad, dtype, 'weight grad', NO);
  if (bc) expectCloseToCpu(key, bg!.grad, bc.grad, dtype, 'bias grad', NO);
}

/** conv(x, w, b) twice from fresh leaves, backward(dy(y)) each time: output and all grads repeat bit for bit. */
export function convGradsRepeat(conv: (x: Tensor, w: Tensor, b: Tensor) => Tensor, x: Tensor, w: Tensor, b: Tensor, dy: (y: Tensor) => Tensor): void {
  const grads = () => {
    const xi = x.detach().requiresGrad_();
    const wi = w.detach().requiresGrad_();
    const bi = b.detach().requiresGrad_();
    const y = conv(xi, wi, bi);
    y.backward(dy(y));
    return [y, xi.grad!, wi.grad!, bi.grad!];
  };
  const r1 = grads();
  const r2 = grads();
  ['output', 'input grad', 'weight grad', 'bias grad'].forEach((n, i) => bitsEqual(r1[i], r2[i], n));
}
