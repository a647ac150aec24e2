// lib/ops/activation_more.ts — more activations of torch.nn.functional with PyTorch 1.13's formulas,
// defaults and errors, composed from the autograd ops (their gradients are autograd's; no native code):
//  * softmin(x, dim) = softmax(-x, dim);
//  * tanhshrink(x) = x - tanh(x);
//  * hardshrink(x, lambd=0.5): 0 where -lambd <= x <= lambd, x elsewhere (NaN passes, gradient too);
//  * softshrink(x, lambd=0.5): x - lambd above lambd, x + lambd below -lambd, 0 in between and for
//    NaN (gradient 0 in [-lambd, lambd] and at NaN, where PyTorch's is 1; 1 elsewhere); lambd >= 0;
//  * rrelu(x, {lower=1/8, upper=1/3, training=false, inplace=false}): in training each element <= 0
//    is scaled by its own slope drawn uniformly from [lower, upper] by torchlet's seeded generator
//    (the numbers differ from PyTorch's generator); in eval the fixed slope (lower + upper) / 2
//    (PyTorch's leaky_relu); lower <= upper;
//  * channelShuffle(x, groups): [N, C, *] viewed [N, g, C/g, *], dims 1 and 2 swapped (differentiable
//    here; PyTorch 1.13 has no derivative for it);
//  * bilinear(x1, x2, weight, bias?): y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o].
// Each F function takes PyTorch's keyword arguments in one options object (unknown keys are errors);
// the one number PyTorch users pass positionally (lambd, groups) may be given so.
import { invalidArg, dtypeError, shapeError, checkOptionKeys, checkNumber, checkInt, noExtraArgs, numberOrOpts, optBool, deviceMismatch } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { empty } from '../creation';
import { noGrad } from '../autograd';
import { softmax, leakyRelu } from './activation';
import { add, sub, mul, neg, tanh, ge, le, gt, lt, logicalAnd } from './elementwise';
import { where } from './index';
import { sum } from './reduce';
import { reshape, transpose, unsqueeze, permute } from './shape';
import { matmul } from './matmul';
import { inplace as inplaceOp } from './inplace';

/** A floating-point tensor named `input`. */
function floatInput(input: unknown): Tensor {
  const x = checkTensor('input', input);
  if (!isFloating(x.dtype)) dtypeError('input', 'a floating-point tensor', x);
  return x;
}

/** F.softmin(input, dim): softmax(-input, dim) (dim is required, as torchlet's softmax). */
export function softmin(input: Tensor, dim: number, ...rest: never[]): Tensor {
  noExtraArgs('softmin', 'input, dim', rest);
  const x = floatInput(input);
  checkInt('dim', dim);
  return softmax(neg(x), dim);
}

/** F.tanhshrink(input): input - tanh(input). */
export function tanhshrink(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('tanhshrink', 'input', rest);
  const x = floatInput(input);
  return sub(x, tanh(x));
}

export interface ShrinkOptions {
  /** the half width of the band mapped to 0 (default 0.5) */
  lambd?: number;
}
function lambdOf(fn: string, lambd: number | ShrinkOptions | undefined, rest: readonly unknown[]): number {
  const o = numberOrOpts<ShrinkOptions>(fn, 'lambd', lambd, undefined, rest, ['lambd']);
  return o.lambd === undefined ? 0.5 : checkNumber('lambd', o.lambd);
}

/** F.hardshrink(input, lambd=0.5): 0 where -lambd <= x <= lambd, x elsewhere. `F.hardshrink(x, 1)` or `{lambd: 1}`. */
export function hardshrink(input: Tensor, lambd?: number | ShrinkOptions, ...rest: never[]): Tensor {
  const l = lambdOf('hardshrink', lambd, rest);
  const x = floatInput(input);
  return where(logicalAnd(ge(x, -l), le(x, l)), 0, x);
}

/** F.softshrink(input, lambd=0.5): x - lambd for x > lambd, x + lambd for x < -lambd, 0 otherwise (lambd >= 0). */
export function softshrink(input: Tensor, lambd?: number | ShrinkOptions, ...rest: never[]): Tensor {
  const l = lambdOf('softshrink', lambd, rest);
  if (!(l >= 0)) invalidArg('lambd', 'a number >= 0 (lambda must be greater or equal to 0)', l);
  const x = floatInput(input);
  // PyTorch's kernel: NaN gives 0 (its gradient there is 1 in PyTorch, 0 here)
  return where(gt(x, l), sub(x, l), where(lt(x, -l), add(x, l), 0));
}

export interface RreluOptions {
  /** the lower bound of the random slopes (default 1/8) */
  lower?: number;
  /** the upper bound of the random slopes (default 1/3) */
  upper?: number;
  /** draw a slope per element (true) or use (lower + upper) / 2 (false, the default) */
  training?: boolean;
  /** write the result into the input (default false) */
  inplace?: boolean;
}
/** The checked [lower, upper] of rrelu (errors as PyTorch's: lower <= upper). */
export function rreluBounds(lower: unknown, upper: unknown, prefix = 'opts.'): [number, number] {
  const lo = lower === undefined ? 1 / 8 : checkNumber(`${prefix}lower`, lower);
  const hi = upper === undefined ? 1 / 3 : checkNumber(`${prefix}upper`, upper);
  if (!Number.isFinite(lo)) invalidArg(`${prefix}lower`, 'a finite number', lo);
  if (!Number.isFinite(hi)) invalidArg(`${prefix}upper`, 'a finite number', hi);
  if (!(lo <= hi)) invalidArg(`${prefix}upper`, `a number >= lower (${lo}) (the lower bound should be less than or equal to the upper bound)`, hi);
  return [lo, hi];
}
/**
 * F.rrelu(input, {lower=1/8, upper=1/3, training=false, inplace=false}): x for x > 0, x * a for x <= 0,
 * a ~ U(lower, upper) per element in training (torchlet's seeded generator, torch.manualSeed), else
 * a = (lower + upper) / 2. The gradient is the slope used (1 for x > 0).
 */
export function rrelu(input: Tensor, opts?: RreluOptions, ...rest: never[]): Tensor {
  noExtraArgs('rrelu', 'input, opts', rest);
  const o = checkOptionKeys('opts', opts, ['lower', 'upper', 'training', 'inplace']);
  const [lo, hi] = rreluBounds(o.lower, o.upper);
  const training = optBool('opts.training', o.training, false);
  const inplace = optBool('opts.inplace', o.inplace, false);
  const x = floatInput(input);
  const run = (v: Tensor): Tensor => {
    if (!training) return leakyRelu(v, { negativeSlope: (lo + hi) / 2 });
    const slopes = noGrad(() => {
      const r = empty(v.shape.slice(), { dtype: v.dtype, device: v.device }).uniform_(lo, hi);
      return where(le(v.detach(), 0), r, 1);
    });
    return mul(v, slopes);
  };
  return inplace ? inplaceOp(x, 'rrelu_', run) : run(x);
}

/** F.channelShuffle(input, groups): input [N, C, *] (3 or more dims), C divisible by groups > 0. */
export function channelShuffle(input: Tensor, groups: number, ...rest: never[]): Tensor {
  noExtraArgs('channelShuffle', 'input, groups', rest);
  const x = checkTensor('input', input);
  const g = checkInt('groups', groups);
  if (g <= 0) invalidArg('groups', 'a positive number of groups to divide the channels in', g);
  if (x.ndim <= 2) shapeError('input', 'a tensor [N, C, *] with more than 2 dims (channel_shuffle expects input with > 2 dims)', x);
  const [n, c] = x.shape;
  if (c % g !== 0) invalidArg('groups', `a divisor of the number of channels (${c})`, g);
  const tail = x.shape.slice(2);
  return reshape(transpose(reshape(x, [n, g, c / g, ...tail]), 1, 2), x.shape.slice());
}

/**
 * F.bilinear(input1, input2, weight, bias?): input1 [*, in1], input2 [*, in2] (the same leading
 * dims, or both 1-D), weight [out, in1, in2], bias [out] or null; result [*, out].
 */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null, ...rest: never[]): Tensor {
  noExtraArgs('bilinear', 'input1, input2, weight, bias', rest);
  const x1 = checkTensor('input1', input1);
  const x2 = checkTensor('input2', input2);
  const w = checkTensor('weight', weight);
  const b = bias === undefined || bias === null ? null : checkTensor('bias', bias);
  if (!isFloating(x1.dtype)) dtypeError('input1', 'a floating-point tensor', x1);
  for (const [n, t] of [['input2', x2], ['weight', w], ['bias', b]] as const) {
    if (!t) continue;
    if (t.dtype !== x1.dtype) dtypeError(n, `a ${x1.dtype} tensor (the dtype of input1)`, t);
    if (t.device !== x1.device) deviceMismatch(n, `a tensor on ${x1.device} (the device of input1)`, t.device);
  }
  if (x1.ndim === 0) shapeError('input1', 'a tensor with at least one dim [*, in1]', x1);
  if (x2.ndim !== x1.ndim) shapeError('input2', `a tensor with the dims of input1 (${x1.ndim}) (bilinear(): input dimensions do not match)`, x2);
  for (let i = 0; i < x1.ndim - 1; i++)
    if (x1.shape[i] !== x2.shape[i]) shapeError('input2', `the batch dims of input1 [${x1.shape.slice(0, -1).join(', ')}]`, x2);
  if (w.ndim !== 3) shapeError('weight', 'a 3-D tensor [out, in1, in2]', w);
  const [out, in1, in2] = w.shape;
  if (x1.shape[x1.ndim - 1] !== in1) shapeError('input1', `a last dim of ${in1} (weight.shape[1])`, x1);
  if (x2.shape[x2.ndim - 1] !== in2) shapeError('input2', `a last dim of ${in2} (weight.shape[2])`, x2);
  if (b && (b.ndim !== 1 || b.shape[0] !== out)) shapeError('bias', `a 1-D tensor of ${out} (weight.shape[0]) elements`, b);
  const lead = x1.shape.slice(0, -1);
  const rows = lead.reduce((a, v) => a * v, 1);
  // t[r, o, j] = sum_i x1[r, i] weight[o, i, j]; y[r, o] = sum_j t[r, o, j] x2[r, j]
  const wt = reshape(permute(w, [1, 0, 2]), [in1, out * in2]);
  const t = reshape(matmul(reshape(x1, [rows, in1]), wt), [rows, out, in2]);
  let y = sum(mul(t, unsqueeze(reshape(x2, [rows, in2]), 1)), 2);
  if (b) y = add(y, b);
  return reshape(y, [...lead, out]);
}
