// lib/ops/loss_more.ts — more losses of torch.nn.functional with PyTorch 1.13's formulas, defaults and
// errors, composed from the autograd ops (their gradients are autograd's; no native code), each with
// `reduction` 'mean' (default) | 'sum' | 'none':
//  * tripletMarginLoss(a, p, n, {margin=1, p=2, eps=1e-6, swap=false}) = max(0, margin + d(a, p) - d(a, n)),
//    d = pairwiseDistance(., ., {p, eps}); swap: d(a, n) replaced by min(d(a, n), d(p, n));
//  * tripletMarginWithDistanceLoss(a, p, n, {distanceFunction=pairwiseDistance, margin=1, swap=false});
//  * multiLabelSoftMarginLoss(x, y, {weight}) = mean over the last (class) dim of
//    -(y logsigmoid(x) + (1 - y) logsigmoid(-x)) (times weight);
//  * multiLabelMarginLoss(x, y): x [C] / [N, C], y int64 of x's shape holding class indices up to the
//    first -1; per row sum over targets j and non-targets i of max(0, 1 - (x[y_j] - x[i])) / C;
//  * multiMarginLoss(x, y, {p=1, margin=1, weight}): x [C] / [N, C], y int64 [] / [N]; per row
//    sum over i != y of weight[y] max(0, margin - x[y] + x[i])^p, divided by C;
//  * hingeEmbeddingLoss(x, y, {margin=1}) = x where y != -1, plus max(0, margin - x) where y != 1;
//  * softMarginLoss(x, y) = log(1 + exp(-y x)) (the target is not differentiable, as PyTorch's);
//  * poissonNllLoss(x, y, {logInput=true, full=false, eps=1e-8}) = exp(x) - y x (logInput) or
//    x - y log(x + eps), plus with full the Stirling term y log y - y + log(2 pi y) / 2 where y > 1.
// The hinges of the two margin losses have PyTorch's gradient 0 where the hinge is exactly 0; the clamps
// of the others pass the gradient there (PyTorch's clamp_min).
import { invalidArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, typeArg, deviceMismatch } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { isGradEnabled } from '../autograd';
import { fromBuffer } from '../creation';
import { logsigmoid } from './activation';
import { pairwiseDistance } from './distance';
import { add, sub, rsub, mul, div, neg, exp, log, log1p, minimum, clampMin, gt, ne, le, cast, broadcastShapes } from './elementwise';
import { where, gather } from './index';
import { sum, mean } from './reduce';
import { reshape, unsqueeze } from './shape';
import { checkReduction, checkLossFlag, checkLossScalar } from './loss';
import type { Reduction } from './loss';

function reduce(per: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return per;
  return reduction === 'sum' ? sum(per) : mean(per);
}
/** A floating-point tensor (named `name`). */
function floatTensor(name: string, v: unknown): Tensor {
  const t = checkTensor(name, v);
  if (!isFloating(t.dtype)) dtypeError(name, 'a floating-point tensor', t);
  return t;
}
/** A tensor of ref's dtype and device. */
function like(name: string, v: unknown, ref: Tensor, refName = 'input'): Tensor {
  const t = checkTensor(name, v);
  if (t.dtype !== ref.dtype) dtypeError(name, `a ${ref.dtype} tensor (the dtype of ${refName})`, t);
  if (t.device !== ref.device) deviceMismatch(name, `a tensor on ${ref.device} (the device of ${refName})`, t.device);
  return t;
}
/** An int64 class-index tensor on input's device. */
function indexTarget(v: unknown, input: Tensor): Tensor {
  const t = checkTensor('target', v);
  if (t.dtype !== 'int64') dtypeError('target', 'an int64 tensor of class indices (PyTorch expects scalar type Long)', t);
  if (t.device !== input.device) deviceMismatch('target', `a tensor on ${input.device} (the device of input)`, t.device);
  return t;
}
/** An optional weight that is not differentiated (as the loss weights of lib/ops/loss.ts). */
function lossWeight(v: unknown, input: Tensor): Tensor | null {
  if (v === undefined || v === null) return null;
  const w = like('weight', v, input);
  if (w.requiresGrad && isGradEnabled())
    invalidArg('weight', 'a tensor that does not require grad (torchlet does not differentiate loss weights)', 'a tensor that requires grad');
  return w;
}
/** max(0, z) with PyTorch's margin-loss gradient: 0 where z <= 0 (also at exactly 0). */
function hinge(z: Tensor): Tensor {
  return where(gt(z, 0), z, 0);
}
const mkReduction = (v: unknown): Reduction => checkReduction(v ?? 'mean');
const sameShape = (a: number[], b: number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

// ---- triplet losses --------------------------------------------------------------------------------

export interface TripletMarginOptions {
  /** default 1 */
  margin?: number;
  /** the norm degree of the pairwise distance (default 2) */
  p?: number;
  /** added to the differences of the pairwise distance (default 1e-6) */
  eps?: number;
  /** use min(d(anchor, negative), d(positive, negative)) as the negative distance (default false) */
  swap?: boolean;
  reduction?: Reduction;
}
/** The three inputs of a triplet loss: floating tensors of one dtype and device. */
function triplet(anchor: unknown, positive: unknown, negative: unknown): [Tensor, Tensor, Tensor] {
  const a = floatTensor('anchor', anchor);
  return [a, like('positive', positive, a, 'anchor'), like('negative', negative, a, 'anchor')];
}
/**
 * F.tripletMarginLoss(anchor, positive, negative, opts): inputs of one rank (the distances are over the
 * last dim of their broadcast shape: [D] or [N, D] as PyTorch documents, more dims as its kernel allows).
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('tripletMarginLoss', 'anchor, positive, negative, opts', rest);
  const o = checkOptionKeys('opts', opts, ['margin', 'p', 'eps', 'swap', 'reduction']);
  const [a, pos, neg_] = triplet(anchor, positive, negative);
  if (a.ndim !== pos.ndim || pos.ndim !== neg_.ndim)
    shapeError('negative', `anchor, positive and negative of one rank (all inputs should have the same dimension, got ${a.ndim}D, ${pos.ndim}D and ${neg_.ndim}D)`, neg_);
  const margin = checkLossScalar('margin', o.margin ?? 1, Number.isFinite, 'a finite number');
  const p = checkLossScalar('p', o.p ?? 2, () => true, 'a number');
  const eps = checkLossScalar('eps', o.eps ?? 1e-6, Number.isFinite, 'a finite number');
  const swap = checkLossFlag('swap', o.swap ?? false);
  const reduction = mkReduction(o.reduction);
  const d = (x: Tensor, y: Tensor): Tensor => pairwiseDistance(x, y, { p, eps });
  const dPos = d(a, pos);
  let dNeg = d(a, neg_);
  if (swap) dNeg = minimum(dNeg, d(pos, neg_));
  return reduce(clampMin(add(sub(dPos, dNeg), margin), 0), reduction);
}

/** A distance function of the triplet loss: (x1, x2) => one distance per pair (a Tensor). */
export type DistanceFunction = (x1: Tensor, x2: Tensor) => Tensor;
export interface TripletMarginWithDistanceOptions {
  /** default: F.pairwiseDistance with its defaults */
  distanceFunction?: DistanceFunction | null;
  /** default 1 */
  margin?: number;
  /** default false */
  swap?: boolean;
  reduction?: Reduction;
}
/** A distanceFunction option: a function, a module (its forward), or null / undefined (the pairwise distance). */
export function checkDistanceFunction(v: unknown): DistanceFunction | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object' && typeof (v as { forward?: unknown }).forward === 'function') {
    const m = v as { forward: DistanceFunction };
    return (x1, x2) => m.forward(x1, x2); // a module (e.g. new nn.PairwiseDistance({p: 1}))
  }
  if (typeof v !== 'function') typeArg('distanceFunction', 'a function (x1, x2) => Tensor, a module with forward(x1, x2), or null (F.pairwiseDistance)', v);
  return v as DistanceFunction;
}
/**
 * F.tripletMarginWithDistanceLoss(anchor, positive, negative, opts): max(0, margin + dist(a, p) - dist(a, n))
 * (swap: dist(a, n) replaced by min(dist(a, n), dist(p, n))); the distance function must return tensors.
 */
export function tripletMarginWithDistanceLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginWithDistanceOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('tripletMarginWithDistanceLoss', 'anchor, positive, negative, opts', rest);
  const o = checkOptionKeys('opts', opts, ['distanceFunction', 'margin', 'swap', 'reduction']);
  const a = checkTensor('anchor', anchor);
  const pos = checkTensor('positive', positive);
  const neg_ = checkTensor('negative', negative);
  const fn = checkDistanceFunction(o.distanceFunction);
  const margin = checkLossScalar('margin', o.margin ?? 1, Number.isFinite, 'a finite number');
  const swap = checkLossFlag('swap', o.swap ?? false);
  const reduction = mkReduction(o.reduction);
  const dist = (x: Tensor, y: Tensor): Tensor => {
    const r: unknown = fn ? fn(x, y) : pairwiseDistance(x, y);
    if (!(r instanceof Tensor)) typeArg('distanceFunction', 'a function that returns a Tensor', r);
    return r as Tensor;
  };
  const dPos = dist(a, pos);
  let dNeg = dist(a, neg_);
  if (swap) dNeg = minimum(dNeg, dist(pos, neg_));
  return reduce(clampMin(add(sub(dPos, dNeg), margin), 0), reduction);
}

// ---- multi-label and multi-class margin losses ---------------------------------------------------------

export interface MultiLabelSoftMarginOptions {
  /** a rescaling weight broadcastable to the input (per class: [C]) */
  weight?: Tensor | null;
  reduction?: Reduction;
}
/** F.multiLabelSoftMarginLoss(input [*, C], target of input's shape (0/1 or probabilities), opts). */
export function multiLabelSoftMarginLoss(input: Tensor, target: Tensor, opts: MultiLabelSoftMarginOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('multiLabelSoftMarginLoss', 'input, target, opts', rest);
  const o = checkOptionKeys('opts', opts, ['weight', 'reduction']);
  const x = floatTensor('input', input);
  const y = like('target', target, x);
  if (x.ndim === 0) shapeError('input', 'a tensor [*, C] with a class dim (the last)', x);
  broadcastShapes(x.shape, y.shape, ['input', 'target']);
  const w = lossWeight(o.weight, x);
  const reduction = mkReduction(o.reduction);
  let per = neg(add(mul(y, logsigmoid(x)), mul(rsub(1, y), logsigmoid(neg(x)))));
  if (w) per = mul(per, w);
  const C = x.shape[x.ndim - 1];
  // PyTorch sums over the input's last dim (x.ndim - 1), also where the target broadcasts to more dims
  return reduce(div(sum(per, x.ndim - 1), C), reduction);
}

/** input [C] / [N, C] (or 0-d, one class), non-empty class dim; returns [nframe, dim]. */
function marginInput(fn: string, x: Tensor): [number, number] {
  if (!((x.ndim === 2 && x.shape[1] !== 0) || (x.ndim === 1 && x.shape[0] !== 0) || x.ndim === 0))
    shapeError('input', `a non-empty vector [C] or matrix [N, C] (${fn})`, x);
  return x.ndim === 2 ? [x.shape[0], x.shape[1]] : [1, x.ndim === 0 ? 1 : x.shape[0]];
}
/** Reads an int64 tensor's values (as numbers). */
function readInts(t: Tensor): number[] {
  return Array.from(t.toArray() as unknown as ArrayLike<bigint | number>, (v) => Number(v));
}

/**
 * F.multiLabelMarginLoss(input [C] / [N, C], target int64 of input's shape, {reduction}): each row of
 * target lists the target classes up to its first -1 (what follows is ignored); classes in [-1, C).
 * reduction 'none' gives [N] for a 2-D input and a 0-d result for a 1-D one.
 */
export function multiLabelMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}, ...rest: never[]): Tensor {
  noExtraArgs('multiLabelMarginLoss', 'input, target, opts', rest);
  const o = checkOptionKeys('opts', opts, ['reduction']);
  const x = floatTensor('input', input);
  const t = indexTarget(target, x);
  const [nframe, dim] = marginInput('multilabel_margin_loss', x);
  if (x.ndim <= 1 ? !(t.ndim <= 1 && t.numel() === dim) : !sameShape(t.shape, x.shape))
    shapeError('target', `a tensor of the input's shape [${x.shape.join(', ')}]`, t);
  const reduction = mkReduction(o.reduction);
  const vals = readInts(t);
  for (const v of vals) if (!(v >= -1 && v < dim)) invalidArg('target', `class indices in [-1, ${dim}) (target is out of range)`, v);
  // per row: the target positions before the first -1 (idx, valid) and the target classes (isTarget)
  const idx = new BigInt64Array(nframe * dim);
  const valid = new Float64Array(nframe * dim);
  const notTarget = new Float64Array(nframe * dim).fill(1);
  for (let n = 0; n < nframe; n++) {
    for (let j = 0; j < dim; j++) {
      const c = vals[n * dim + j];
      if (c < 0) break;
      idx[n * dim + j] = BigInt(c);
      valid[n * dim + j] = 1;
      notTarget[n * dim + c] = 0;
    }
  }
  const onDev = (a: BigInt64Array | Float64Array): Tensor => {
    const c = fromBuffer(a, [nframe, dim]);
    const d = a instanceof Float64Array && x.dtype !== 'float64' ? cast(c, x.dtype) : c;
    return d.device === x.device ? d : d.to(x.device);
  };
  const x2 = reshape(x, [nframe, dim]);
  const xy = gather(x2, 1, onDev(idx)); // [N, J]: x[y_j]
  // z[n, j, i] = 1 - x[y_j] + x[i], counted for valid j and non-target i
  const z = add(rsub(1, unsqueeze(xy, 2)), unsqueeze(x2, 1));
  const m = mul(unsqueeze(onDev(valid), 2), unsqueeze(onDev(notTarget), 1));
  const per = div(sum(sum(mul(hinge(z), m), 2), 1), dim);
  if (reduction === 'none') return x.ndim <= 1 ? reshape(per, []) : per;
  return reduction === 'sum' ? sum(per) : mean(per);
}

export interface MultiMarginOptions {
  /** 1 (default) or 2 */
  p?: number;
  /** default 1 */
  margin?: number;
  /** a 1-D weight of the C classes (the weight of each row's target class scales its loss) */
  weight?: Tensor | null;
  reduction?: Reduction;
}
/** A multiMarginLoss p: 1 or 2. */
export function checkMultiMarginP(v: unknown): number {
  if (v !== 1 && v !== 2) invalidArg('p', '1 or 2 (only p == 1 and p == 2 supported)', v);
  return v as number;
}
/**
 * F.multiMarginLoss(input [C] / [N, C], target int64 [] or [1] / [N], opts): per row
 * sum over i != y of weight[y] * max(0, margin - x[y] + x[i])^p, divided by C.
 */
export function multiMarginLoss(input: Tensor, target: Tensor, opts: MultiMarginOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('multiMarginLoss', 'input, target, opts', rest);
  const o = checkOptionKeys('opts', opts, ['p', 'margin', 'weight', 'reduction']);
  const x = floatTensor('input', input);
  const t = indexTarget(target, x);
  const p = checkMultiMarginP(o.p ?? 1);
  const margin = checkLossScalar('margin', o.margin ?? 1, Number.isFinite, 'a finite number');
  const w = lossWeight(o.weight, x);
  const reduction = mkReduction(o.reduction);
  const [nframe, dim] = marginInput('multi_margin_loss', x);
  if (x.ndim <= 1 ? !(t.ndim <= 1 && t.numel() === nframe) : !(t.ndim === 1 && t.numel() === nframe))
    shapeError('target', x.ndim <= 1 ? 'a 0-d or one-element class index' : `a 1-D tensor of ${nframe} class indices`, t);
  if (w && !(w.ndim <= 1 && w.numel() === dim)) shapeError('weight', `a 1-D tensor of ${dim} class weights`, w);
  const vals = readInts(t);
  for (const v of vals) if (!(v >= 0 && v < dim)) invalidArg('target', `class indices in [0, ${dim}) (target out of range)`, v);
  const notTarget = new Float64Array(nframe * dim).fill(1);
  vals.forEach((c, n) => (notTarget[n * dim + c] = 0));
  let nt = fromBuffer(notTarget, [nframe, dim]);
  if (x.dtype !== 'float64') nt = cast(nt, x.dtype);
  if (nt.device !== x.device) nt = nt.to(x.device);
  const x2 = reshape(x, [nframe, dim]);
  const ti = reshape(t, [nframe, 1]);
  const z = add(rsub(margin, gather(x2, 1, ti)), x2); // [N, C]: margin - x[y] + x[i]
  let h = hinge(z);
  if (p === 2) h = mul(h, h);
  if (w) h = mul(h, gather(reshape(w, [dim]), 0, reshape(t, [nframe])).reshape([nframe, 1]));
  const per = div(sum(mul(h, nt), 1), dim);
  if (reduction === 'none') return t.ndim === 0 ? reshape(per, []) : per;
  return reduction === 'sum' ? sum(per) : mean(per);
}

// ---- pointwise losses ----------------------------------------------------------------------------

export interface HingeEmbeddingOptions {
  /** default 1 */
  margin?: number;
  reduction?: Reduction;
}
/** F.hingeEmbeddingLoss(input, target (1 / -1, broadcast with input), opts). */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: HingeEmbeddingOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('hingeEmbeddingLoss', 'input, target, opts', rest);
  const o = checkOptionKeys('opts', opts, ['margin', 'reduction']);
  const x = floatTensor('input', input);
  const y = checkTensor('target', target);
  if (y.device !== x.device) deviceMismatch('target', `a tensor on ${x.device} (the device of input)`, y.device);
  if (y.dtype === 'bool') dtypeError('target', 'a numeric tensor of 1 and -1', y);
  broadcastShapes(x.shape, y.shape, ['input', 'target']);
  const margin = checkLossScalar('margin', o.margin ?? 1, Number.isFinite, 'a finite number');
  const reduction = mkReduction(o.reduction);
  const marginPart = where(ne(y, 1), clampMin(rsub(margin, x), 0), 0);
  const selfPart = where(ne(y, -1), x, 0);
  return reduce(add(marginPart, selfPart), reduction);
}

/** F.softMarginLoss(input, target (1 / -1, of input's dtype, broadcast), {reduction}): log(1 + exp(-target * input)). */
export function softMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}, ...rest: never[]): Tensor {
  noExtraArgs('softMarginLoss', 'input, target, opts', rest);
  const o = checkOptionKeys('opts', opts, ['reduction']);
  const x = floatTensor('input', input);
  const y = like('target', target, x);
  // PyTorch's kernel writes into a tensor of the input's shape: the target broadcasts to it, not beyond
  if (!sameShape(broadcastShapes(x.shape, y.shape, ['input', 'target']), x.shape))
    shapeError('target', `a tensor broadcastable to the input's shape [${x.shape.join(', ')}]`, y);
  if (y.requiresGrad && isGradEnabled())
    invalidArg('target', "a tensor that does not require grad (soft_margin_loss is not differentiable with respect to 'target')", 'a tensor that requires grad');
  const reduction = mkReduction(o.reduction);
  return reduce(log1p(exp(mul(neg(x), y))), reduction);
}

export interface PoissonNllOptions {
  /** the input is the log of the rate (default true): exp(input) - target * input */
  logInput?: boolean;
  /** add the Stirling approximation term where target > 1 (default false) */
  full?: boolean;
  /** added to the input in log(input + eps) when logInput is false (default 1e-8) */
  eps?: number;
  reduction?: Reduction;
}
/** F.poissonNllLoss(input, target (of input's dtype, broadcast), opts). */
export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNllOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('poissonNllLoss', 'input, target, opts', rest);
  const o = checkOptionKeys('opts', opts, ['logInput', 'full', 'eps', 'reduction']);
  const x = floatTensor('input', input);
  const y = like('target', target, x);
  broadcastShapes(x.shape, y.shape, ['input', 'target']);
  const logInput = checkLossFlag('logInput', o.logInput ?? true);
  const full = checkLossFlag('full', o.full ?? false);
  const eps = checkLossScalar('eps', o.eps ?? 1e-8, Number.isFinite, 'a finite number');
  const reduction = mkReduction(o.reduction);
  let loss = logInput ? sub(exp(x), mul(y, x)) : sub(x, mul(y, log(add(x, eps))));
  if (full) {
    const stirling = add(sub(mul(y, log(y)), y), mul(log(mul(y, 2 * Math.PI)), 0.5));
    loss = add(loss, where(le(y, 1), 0, stirling));
  }
  return reduce(loss, reduction);
}
