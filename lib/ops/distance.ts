// lib/ops/distance.ts — normalize, cosineSimilarity, pairwiseDistance and oneHot of
// torch.nn.functional, with PyTorch 1.13's formulas, defaults and errors, composed from the autograd
// ops (so their gradients are autograd's; no native code of their own):
//  * normalize(x, {p=2, dim=1, eps=1e-12}) = x / clampMin(norm_p(x, dim, keepdim), eps);
//  * cosineSimilarity(x1, x2, {dim=1, eps=1e-8}) = sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)), dim)
//    over the broadcast shape: 1.13's formula (each 2-norm clamped to eps on its own, not the product
//    of the norms as its docs say), and 1.13's gradient (the clamp of the squared norm not
//    differentiated, the square root's gradient taken at the clamped value);
//  * pairwiseDistance(x1, x2, {p=2, eps=1e-6, keepdim=false}) = norm_p(x1 - x2 + eps) over the last
//    dimension of the broadcast shape;
//  * oneHot(indices, numClasses=-1): int64 [...indices.shape, numClasses] (not differentiable).
// Every F function takes PyTorch's keyword arguments in one options object (unknown keys are errors).
import { checkOptionKeys, checkNumber, checkInt, dtypeError, deviceMismatch, invalidArg, noExtraArgs, optBool, typeArg } from '../errors';
import { Tensor, checkTensor, isFloating, normDim } from '../tensor';
import type { DType } from '../tensor';
import { arange } from '../creation';
import { add, sub, mul, div, sqrt, cast, clampMin, compare, resultType, broadcastShapes } from './elementwise';
import { sum, norm, amax, amin } from './reduce';
import { expand, unsqueeze, reshape } from './shape';
import { defaultFloat } from '../default_dtype';

export interface NormalizeOptions {
  /** the exponent of the norm (a number, Infinity and -Infinity included); default 2 */
  p?: number;
  /** the dimension normalized over; default 1 */
  dim?: number;
  /** the smallest denominator; default 1e-12 */
  eps?: number;
}
export interface CosineSimilarityOptions {
  /** the dimension (of the broadcast shape) the similarity is computed over; default 1 */
  dim?: number;
  /** the smallest value each vector's norm is clamped to; default 1e-8 */
  eps?: number;
}
export interface PairwiseDistanceOptions {
  /** the exponent of the norm (a number, Infinity and -Infinity included, may be negative); default 2 */
  p?: number;
  /** added to every difference (x1 - x2 + eps); default 1e-6 */
  eps?: number;
  /** keep the reduced (last) dimension with size 1; default false */
  keepdim?: boolean;
}
export interface OneHotOptions {
  /** the number of classes (the size of the new last dimension); -1 (default): max(indices) + 1 */
  numClasses?: number;
}

/** A number option (not NaN): `dflt` when undefined. */
function numberOpt(name: string, v: unknown, dflt: number): number {
  return v === undefined ? dflt : checkNumber(name, v);
}
/** An integer option: `dflt` when undefined. */
function intOpt(name: string, v: unknown, dflt: number): number {
  return v === undefined ? dflt : checkInt(name, v);
}
/** x2 on the device of x1. */
function sameDevice(x1: Tensor, x2: Tensor): void {
  if (x2.device !== x1.device) deviceMismatch('x2', `a tensor on ${x1.device} (the device of x1)`, x2.device);
}

/**
 * F.normalize: input / max(norm_p(input, dim, keepdim=true), eps), PyTorch's `out` is not supported.
 * input must be floating-point (PyTorch's norm refuses integers).
 */
export function normalize(input: Tensor, opts: NormalizeOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('normalize', 'input, opts', rest);
  const x = checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['p', 'dim', 'eps']);
  const p = numberOpt('opts.p', o.p, 2);
  const dim = intOpt('opts.dim', o.dim, 1);
  const eps = numberOpt('opts.eps', o.eps, 1e-12);
  if (!isFloating(x.dtype)) dtypeError('input', 'a floating-point tensor (the norm of integers is undefined in PyTorch)', x);
  const d = normDim(dim, x.ndim, 'opts.dim');
  return div(x, clampMin(norm(x, p, x.ndim ? d : null, true), eps));
}

/**
 * The 2-norm of x over dim (kept) as PyTorch 1.13's cosine_similarity computes it: the sum of squares,
 * clamped to at least eps^2 in place under no_grad, then its square root. So the clamp is not
 * differentiated, but the square root's gradient uses the clamped value (d|x|/dx = x / max(|x|, eps)).
 * s + (max(s, eps^2) - s), the bracket detached, is s itself where s >= eps^2.
 */
function clampedNorm(x: Tensor, dim: number, eps: number): Tensor {
  const s = sum(mul(x, x), dim, true);
  const sd = s.detach();
  return sqrt(add(s, sub(clampMin(sd, eps * eps), sd)));
}

/**
 * F.cosineSimilarity: x1 and x2 broadcast to one shape, dim a dimension of that shape (removed from
 * the result). Both inputs are cast to the common dtype, which must be floating-point (as PyTorch).
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: CosineSimilarityOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('cosineSimilarity', 'x1, x2, opts', rest);
  const a = checkTensor('x1', x1);
  const b = checkTensor('x2', x2);
  sameDevice(a, b);
  const o = checkOptionKeys('opts', opts, ['dim', 'eps']);
  const dim = intOpt('opts.dim', o.dim, 1);
  const eps = numberOpt('opts.eps', o.eps, 1e-8);
  const dt: DType = resultType(a, b); // a 0-d operand counts only for a higher category, as PyTorch
  if (!isFloating(dt)) dtypeError('x1', `floating-point inputs (the common dtype of x1 and x2 is ${dt})`, a);
  const shape = broadcastShapes(a.shape, b.shape, ['x1', 'x2']);
  const d = normDim(dim, shape.length, 'opts.dim');
  if (shape.length === 0) {
    // 0-d inputs: one-element vectors
    return cosineSimilarity(reshape(a, [1]), reshape(b, [1]), { dim: 0, eps });
  }
  const widen = (t: Tensor): Tensor => {
    const c = t.dtype === dt ? t : cast(t, dt); // float32 with float64: both in float64, as PyTorch
    return c.shape.length === shape.length && c.shape.every((s, i) => s === shape[i]) ? c : expand(c, shape);
  };
  const e1 = widen(a);
  const e2 = widen(b);
  return sum(mul(div(e1, clampedNorm(e1, d, eps)), div(e2, clampedNorm(e2, d, eps))), d);
}

/**
 * F.pairwiseDistance: norm_p(x1 - x2 + eps) over the last dimension of the broadcast shape. Integer
 * inputs give a float32 distance (as PyTorch's integer difference plus a float eps); bool inputs are
 * refused, as PyTorch's subtraction refuses them.
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('pairwiseDistance', 'x1, x2, opts', rest);
  const a = checkTensor('x1', x1);
  const b = checkTensor('x2', x2);
  sameDevice(a, b);
  const o = checkOptionKeys('opts', opts, ['p', 'eps', 'keepdim']);
  const p = numberOpt('opts.p', o.p, 2);
  const eps = numberOpt('opts.eps', o.eps, 1e-6);
  const keepdim = optBool('opts.keepdim', o.keepdim, false);
  for (const [n, t] of [['x1', a], ['x2', b]] as const)
    if (t.dtype === 'bool') dtypeError(n, 'a numeric tensor (subtraction of bool tensors is not supported, as in PyTorch)', t);
  const ndim = broadcastShapes(a.shape, b.shape, ['x1', 'x2']).length;
  let diff = sub(a, b);
  if (!isFloating(diff.dtype)) diff = cast(diff, defaultFloat());
  diff = add(diff, eps);
  if (ndim === 0) return reshape(norm(reshape(diff, [1]), p, 0, false), []);
  return norm(diff, p, ndim - 1, keepdim);
}

/**
 * F.oneHot: an int64 tensor of class indices (any shape) to int64 one-hot rows of shape
 * [...indices.shape, numClasses]. numClasses -1 (the default) means max(indices) + 1. Negative
 * indices and indices >= numClasses are errors, as PyTorch's CPU checks (also on CUDA here).
 * `oneHot(t, 10)` and `oneHot(t, {numClasses: 10})` both work.
 */
export function oneHot(tensor: Tensor, numClasses: number | OneHotOptions = -1, ...rest: never[]): Tensor {
  noExtraArgs('oneHot', 'tensor, numClasses | opts', rest);
  const t = checkTensor('tensor', tensor);
  let c: number;
  if (typeof numClasses === 'number' || numClasses === undefined) c = checkInt('numClasses', numClasses ?? -1);
  else if (typeof numClasses === 'object' && numClasses !== null && !Array.isArray(numClasses))
    c = intOpt('opts.numClasses', checkOptionKeys('opts', numClasses, ['numClasses']).numClasses, -1);
  else return typeArg('numClasses', 'an integer or an options object ({numClasses})', numClasses);
  if (t.dtype !== 'int64') dtypeError('tensor', 'an int64 tensor of class indices (one_hot is only applicable to index tensors)', t);
  if (c !== -1 && c < 1) invalidArg('numClasses', 'a positive number of classes, or -1 (max(tensor) + 1)', c);
  if (t.numel() === 0) {
    if (c === -1) invalidArg('numClasses', 'a positive number of classes (it cannot be inferred from an empty tensor)', c);
  } else {
    const read = (r: Tensor): number => {
      const v = r.item();
      r.dispose();
      return v;
    };
    const lo = read(amin(t));
    if (lo < 0) invalidArg('tensor', 'non-negative class indices', lo);
    const hi = read(amax(t));
    if (c === -1) c = hi + 1;
    else if (hi >= c) invalidArg('tensor', `class indices smaller than numClasses (${c})`, hi);
  }
  const classes = arange(0, c, 1, { dtype: 'int64', device: t.device });
  const hot = compare('eq', unsqueeze(t, -1), classes);
  const out = cast(hot, 'int64');
  hot.dispose();
  classes.dispose();
  return out;
}
