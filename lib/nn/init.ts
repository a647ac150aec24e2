// lib/nn/init.ts — parameter initialisers with PyTorch's formulas (fan computation, gains);
// all in place, without autograd, drawing from torch's seeded generator.
import { invalidArg, checkOptionKeys } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { uniform_ as uni } from '../creation';
import { noGrad } from '../autograd';
import { tensor as makeTensor, randn } from '../creation';
import { orthogonalFrom, erfinv, truncNormalBounds } from './qr';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu': return 3 / 4;
    default: return invalidArg('nonlinearity', 'a known nonlinearity', nonlinearity);
  }
}
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  checkTensor('tensor', t);
  if (t.ndim < 2) invalidArg('tensor', 'a tensor with at least 2 dimensions to compute fans', t);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}
function fan(t: Tensor, mode: 'fan_in' | 'fan_out'): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') invalidArg('mode', "'fan_in' or 'fan_out'", mode);
  const [fi, fo] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fi : fo;
}
function inPlace(t: Tensor, fn: (c: Tensor) => void): Tensor {
  checkTensor('tensor', t);
  noGrad(() => {
    if (t.isContiguous()) fn(t);
    else {
      const c = t.contiguous();
      fn(c);
      t.copy_(c);
      c.dispose();
    }
  });
  return t;
}

// PyTorch's nn.init.uniform_ / normal_ are t.uniform_ / t.normal_ under no_grad: the same here
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  checkTensor('tensor', t);
  return noGrad(() => t.uniform_(a, b));
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  checkTensor('tensor', t);
  return noGrad(() => t.normal_(mean, std));
}
export function constant_(t: Tensor, v: number): Tensor {
  return inPlace(t, (c) => c.fill_(v));
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}
export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['a', 'mode', 'nonlinearity']);
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan(t, opts.mode ?? 'fan_in')));
  return uniform_(t, -bound, bound);
}
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['a', 'mode', 'nonlinearity']);
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan(t, opts.mode ?? 'fan_in')));
}
/** A gain option: a finite number when given (the fuzzer found gain Infinity accepted). */
function checkGain(g: unknown): void {
  if (g !== undefined && (typeof g !== 'number' || !Number.isFinite(g))) invalidArg('opts.gain', 'a finite number', g);
}
export function xavierUniform_(t: Tensor, opts: { gain?: number } = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['gain']);
  checkGain(opts.gain);
  const [fi, fo] = calculateFanInAndFanOut(t);
  const a = (opts.gain ?? 1) * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a);
}
export function xavierNormal_(t: Tensor, opts: { gain?: number } = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['gain']);
  checkGain(opts.gain);
  const [fi, fo] = calculateFanInAndFanOut(t);
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fi + fo)));
}

/**
 * Fills `t` with a (semi-)orthogonal matrix times gain (1), as PyTorch's orthogonal_: the tensor is
 * viewed as [shape[0], numel / shape[0]], a standard normal matrix of that shape is drawn, and its QR's
 * Q (of the transpose when it is wide), with columns multiplied by sign(diag(R)), is written back.
 * The QR runs on the host in float64 (once per parameter). Needs at least 2 dimensions.
 */
export function orthogonal_(t: Tensor, opts: { gain?: number } = {}): Tensor {
  checkTensor('tensor', t);
  opts = checkOptionKeys('opts', opts, ['gain']);
  const gain = opts.gain ?? 1;
  if (typeof gain !== 'number' || !Number.isFinite(gain)) invalidArg('opts.gain', 'a finite number', gain);
  if (t.ndim < 2) invalidArg('tensor', 'a tensor with at least 2 dimensions (orthogonal_)', t);
  if (t.numel() === 0) return t;
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  const draw = randn([rows, cols], { dtype: 'float64' });
  const q = orthogonalFrom(draw.toArray() as Float64Array, rows, cols);
  draw.dispose();
  if (gain !== 1) for (let i = 0; i < q.length; i++) q[i] *= gain;
  const src = makeTensor(q, { dtype: 'float64' }).reshape(t.shape);
  inPlace(t, (c) => c.copy_(src));
  src.dispose();
  return t;
}

export interface TruncNormalOptions {
  mean?: number;
  std?: number;
  /** the lower cut-off (default -2: absolute, not in standard deviations, as PyTorch) */
  a?: number;
  /** the upper cut-off (default 2) */
  b?: number;
}
/**
 * Fills `t` from the normal distribution N(mean (0), std (1)) truncated to [a (-2), b (2)], as
 * PyTorch's trunc_normal_: uniform draws on [2 cdf(a') - 1, 2 cdf(b') - 1] (a', b' standardised),
 * mapped by erfinv, scaled by std * sqrt(2), shifted by mean and clamped to [a, b] (the erfinv
 * mapping runs on the host in float64).
 */
export function truncNormal_(t: Tensor, opts: TruncNormalOptions = {}): Tensor {
  checkTensor('tensor', t);
  opts = checkOptionKeys('opts', opts, ['mean', 'std', 'a', 'b']);
  const num = (k: keyof TruncNormalOptions, d: number): number => {
    const v = opts[k] ?? d;
    if (typeof v !== 'number' || !Number.isFinite(v)) invalidArg(`opts.${k}`, 'a finite number', v);
    return v;
  };
  const mean = num('mean', 0);
  const std = num('std', 1);
  const a = num('a', -2);
  const b = num('b', 2);
  if (!(std > 0)) invalidArg('opts.std', 'a standard deviation > 0', std);
  if (!(a < b)) invalidArg('opts.b', `an upper cut-off greater than a = ${a}`, b);
  const { lo, hi } = truncNormalBounds(mean, std, a, b);
  if (t.numel() === 0) return t;
  const u = new Float64Array(t.numel());
  const draw = makeTensor(u, { dtype: 'float64' });
  uni(draw, lo, hi);
  const vals = draw.toArray() as Float64Array;
  draw.dispose();
  const out = new Float64Array(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = Math.min(b, Math.max(a, erfinv(vals[i]) * (std * Math.SQRT2) + mean));
  const src = makeTensor(out, { dtype: 'float64' }).reshape(t.shape);
  inPlace(t, (c) => c.copy_(src));
  src.dispose();
  return t;
}
