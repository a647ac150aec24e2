// lib/ops/loss.ts — the losses of torch.nn.functional, PyTorch 1.13's semantics and defaults:
//  * nllLoss over [N, C] / [N, C, d1, ...] (or unbatched [C]) with class `weight` and `ignoreIndex`
//    (one native kernel: the per-element loss and the target's weight, whose sum divides 'mean');
//  * crossEntropy = logSoftmax + NLL, class-index targets (int64/int32, [N] / [N, d1, ...]) with
//    weight, ignoreIndex and label smoothing, or probability targets (a float tensor of the input's
//    shape) with weight and label smoothing;
//  * mseLoss, and the pointwise losses, each one native elementwise kernel of the `loss_pointwise`
//    family forward and backward (native/ops/loss.h holds the formulas): binaryCrossEntropy,
//    binaryCrossEntropyWithLogits, l1Loss, smoothL1Loss, huberLoss, klDiv, gaussianNllLoss,
//    marginRankingLoss, cosineEmbeddingLoss.
// Reductions 'mean' | 'sum' | 'none' (klDiv also 'batchmean') are composed from the autograd ops.
import { native, enums } from '../binding';
import { invalidArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, typeArg, deviceMismatch } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, isGradEnabled, linearGrad } from '../autograd';
import { logSoftmax } from './activation';
import { sub, mul, add, pow, div, ne, ge, le, logicalAnd, sqrt, broadcastShapes } from './elementwise';
import { sum, mean, all } from './reduce';
import { expand, reshape } from './shape';
import { where } from './index';

export type Reduction = 'mean' | 'sum' | 'none';
/** 'mean' | 'sum' | 'none' (and 'batchmean' where klDiv takes it) or an error naming reduction. */
export function checkReduction(r: unknown, batchmean = false): Reduction {
  if (batchmean && r === 'batchmean') return r as Reduction;
  if (r !== 'mean' && r !== 'sum' && r !== 'none') invalidArg('reduction', batchmean ? "'mean', 'batchmean', 'sum' or 'none'" : "'mean', 'sum' or 'none'", r);
  return r as Reduction;
}
/** A loss module's weight option: a Tensor or null. */
export function checkLossWeight(name: string, v: unknown): void {
  if (v !== undefined && v !== null && !(v instanceof Tensor)) typeArg(name, 'a Tensor or null', v);
}
export function checkLossFlag(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v as boolean;
}
function reduce(per: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return per;
  return reduction === 'sum' ? sum(per) : mean(per);
}
function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
/** A floating tensor of input's dtype and device (the operands the losses combine). */
function checkLike(name: string, t: unknown, input: Tensor, what = 'tensor'): Tensor {
  const x = checkTensor(name, t);
  if (x.dtype !== input.dtype) dtypeError(name, `a ${input.dtype} ${what} (the dtype of input)`, x);
  if (x.device !== input.device) deviceMismatch(name, `a tensor on ${input.device} (the device of input)`, x.device);
  return x;
}
/** An optional per-class / per-element weight: a tensor of input's dtype that is not differentiated. */
function checkWeight(name: string, w: unknown, input: Tensor): Tensor | null {
  if (w === undefined || w === null) return null;
  const t = checkLike(name, w, input);
  if (t.requiresGrad && isGradEnabled())
    invalidArg(name, 'a tensor that does not require grad (torchlet does not differentiate loss weights)', 'a tensor that requires grad');
  return t;
}

// ---- NLL and cross-entropy ------------------------------------------------------------------------

/** Validates class-index targets for input [N, C, d...] and returns them as contiguous int64. */
function classTarget(input: Tensor, target: Tensor): Tensor {
  if (target.dtype !== 'int64' && target.dtype !== 'int32')
    dtypeError('target', 'an int64 tensor of class indices (or a float tensor of class probabilities of the input\'s shape, for crossEntropy)', target);
  const want = [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, want))
    shapeError('target', `a tensor of class indices of shape [${want.join(', ')}] (the input's without the class dim)`, target);
  if (target.device !== input.device) deviceMismatch('target', `a tensor on ${input.device} (the device of input)`, target.device);
  return target.dtype === 'int64' ? target.contiguous() : target.to('int64');
}

/** Per-element NLL of logp [N, C, d...] and the weight of each target (0 where ignored). */
function nllParts(logp: Tensor, target: Tensor, weight: Tensor | null, ignore: number): { per: Tensor; wout: Tensor } {
  const N = logp.shape[0], C = logp.shape[1];
  const rest = logp.shape.slice(2);
  const inner = rest.reduce((a, b) => a * b, 1);
  const x = logp.contiguous();
  const t = classTarget(logp, target);
  const w = weight ? weight.contiguous() : null;
  const per = Tensor.empty([N, ...rest], logp.dtype, logp.device);
  const wout = Tensor.empty([N, ...rest], logp.dtype, logp.device);
  const params = { N, C, inner, ignoreIndex: ignore };
  native.nllForward(x.arg(), t.arg(), w ? w.arg() : null, per.arg(), wout.arg(), params);
  record(per, [logp], 'NllLossBackward', (g) => [nllGrad(g, t, w, params, logp.shape, logp)]);
  return { per, wout };
}

type NllParams = { N: number; C: number; inner: number; ignoreIndex: number };
/**
 * The input gradient for the output gradient g [N, d...]: -weight[t] * g at [i, t, j], zeros elsewhere.
 * A linear map of g: under createGraph it is recorded, its adjoint being the per-element NLL itself.
 */
function nllGrad(g: Tensor, t: Tensor, w: Tensor | null, params: NllParams, shape: number[], input?: Tensor): Tensor {
  const gc = g.contiguous();
  const d = Tensor.empty(shape.slice(), g.dtype, g.device);
  native.nllBackward(gc.arg(), t.arg(), w ? w.arg() : null, d.arg(), params);
  if (gc !== g) gc.dispose();
  return linearGrad(d, g, 'NllLossBackwardBackward', (gg) => nllPer(gg, t, w, params), input ? [input] : []);
}
/** -weight[t] * x[i, t, j] per element (0 for ignored targets), recorded with nllGrad as its backward. */
function nllPer(x: Tensor, t: Tensor, w: Tensor | null, params: NllParams): Tensor {
  const xc = x.contiguous();
  const per = Tensor.empty([x.shape[0], ...x.shape.slice(2)], x.dtype, x.device);
  const wout = Tensor.empty(per.shape.slice(), x.dtype, x.device);
  native.nllForward(xc.arg(), t.arg(), w ? w.arg() : null, per.arg(), wout.arg(), params);
  wout.dispose();
  if (xc !== x) xc.dispose();
  return linearGrad(per, x, 'NllLossBackward', (g) => nllGrad(g, t, w, params, x.shape));
}

function checkClassWeight(w: unknown, input: Tensor): Tensor | null {
  const weight = checkWeight('weight', w, input);
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== input.shape[1]))
    shapeError('weight', `a 1-D tensor of ${input.shape[1]} class weights`, weight);
  return weight;
}
export function checkIgnoreIndex(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) typeArg('ignoreIndex', 'an integer', v);
  return v as number;
}
/** The input as [N, C, d...] (an unbatched [C] input becomes [1, C]; its result is squeezed back). */
function batched(fn: string, input: Tensor, what: string): boolean {
  if (!isFloating(input.dtype)) dtypeError('input', `a floating-point tensor of ${what}`, input);
  if (input.ndim === 0) shapeError('input', `a tensor [N, C, d1, ...] or [C] of ${what}`, input);
  void fn;
  return input.ndim === 1;
}

export interface NllOptions {
  /** a manual rescaling weight of each class, a 1-D tensor of C floats */
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
}
const NLL_KEYS = ['weight', 'reduction', 'ignoreIndex'] as const;
/**
 * F.nll_loss: input [N, C] / [N, C, d1, ...] (or [C]) of log-probabilities, target int64 class indices
 * [N] / [N, d1, ...] (or []). 'mean' divides by the summed weights of the non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('nllLoss', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, NLL_KEYS);
  checkTensor('input', input);
  checkTensor('target', target);
  if (batched('nllLoss', input, 'log-probabilities')) {
    if (target.ndim !== 0) shapeError('target', 'a 0-d class index for an unbatched [C] input', target);
    const r = nllLoss(input.unsqueeze(0), target.unsqueeze(0), opts);
    return r.ndim ? r.squeeze(0) : r;
  }
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const ignore = checkIgnoreIndex(opts.ignoreIndex ?? -100);
  const weight = checkClassWeight(opts.weight, input);
  const { per, wout } = nllParts(input, target, weight, ignore);
  if (reduction === 'none') return per;
  if (reduction === 'sum') return sum(per);
  // PyTorch's: the weighted sum over the summed weights of the kept targets (NaN when none is kept)
  return div(sum(per), sum(wout));
}

export interface CrossEntropyOptions extends NllOptions {
  labelSmoothing?: number;
}
const CE_KEYS = ['weight', 'reduction', 'ignoreIndex', 'labelSmoothing'] as const;
/**
 * F.cross_entropy: logits [N, C] / [N, C, d1, ...] (or [C]); target class indices (int64/int32, the
 * input's shape without C) or class probabilities (a float tensor of the input's shape).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('crossEntropy', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, CE_KEYS);
  checkTensor('input', input);
  checkTensor('target', target);
  const soft = isFloating(target.dtype) && sameShape(target.shape, input.shape);
  if (batched('crossEntropy', input, 'logits')) {
    if (!soft && target.ndim !== 0) shapeError('target', 'a 0-d class index (or class probabilities [C]) for an unbatched [C] input', target);
    const r = crossEntropy(input.unsqueeze(0), target.unsqueeze(0), opts);
    return r.ndim ? r.squeeze(0) : r;
  }
  const ls = opts.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) invalidArg('labelSmoothing', 'a number in [0, 1]', ls);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const ignore = checkIgnoreIndex(opts.ignoreIndex ?? -100);
  const weight = checkClassWeight(opts.weight, input);
  const C = input.shape[1];
  // the class weights viewed to broadcast along dim 1 of [N, C, d...]
  const wView = weight ? reshape(weight, [C, ...input.shape.slice(2).map(() => 1)]) : null;
  const logp = logSoftmax(input, 1);
  if (soft) {
    checkLike('target', target, input, 'tensor of class probabilities');
    if (ignore >= 0) invalidArg('ignoreIndex', 'a negative index (ignoreIndex is not supported for class-probability targets)', ignore);
    const tgt = ls > 0 ? add(mul(target, 1 - ls), ls / C) : target;
    let prod = mul(logp, tgt);
    if (wView) prod = mul(prod, wView);
    if (reduction === 'none') return mul(sum(prod, 1), -1);
    if (reduction === 'sum') return mul(sum(prod), -1);
    const rows = input.numel() / C;
    return mul(sum(prod), rows === 0 ? NaN : -1 / rows);
  }
  const { per, wout } = nllParts(logp, target, weight, ignore);
  const nll = reduction === 'none' ? per : reduction === 'sum' ? sum(per) : div(sum(per), sum(wout));
  if (ls === 0) return nll;
  // label smoothing (PyTorch's cross_entropy_loss_label_smoothing): the smooth term -sum_c w_c logp_c,
  // 0 at ignored targets, reduced as the NLL ('mean' by the same summed target weights)
  const t = classTarget(input, target);
  // masked (not multiplied) to 0 at ignored targets: their gradient is 0 even where 'mean' divides by 0
  const smooth = where(ne(t, ignore), mul(sum(wView ? mul(logp, wView) : logp, 1), -1), 0);
  const red = reduction === 'none' ? smooth : reduction === 'sum' ? sum(smooth) : div(sum(smooth), sum(wout));
  return add(mul(nll, 1 - ls), mul(red, ls / C));
}

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}, ...rest: never[]): Tensor {
  noExtraArgs('mseLoss', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['reduction']);
  checkTensor('input', input);
  checkTensor('target', target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  if (input.shape.join() !== target.shape.join())
    shapeError('target', `a tensor of the input's shape [${input.shape.join(', ')}]`, target);
  const d = pow(sub(input, target), 2);
  if (reduction === 'none') return d;
  return reduction === 'sum' ? sum(d) : mean(d);
}

// ---- the pointwise losses -------------------------------------------------------------------------

type LossOpName = 'Bce' | 'BceLogits' | 'L1' | 'SmoothL1' | 'Huber' | 'KlDiv' | 'KlDivLog' | 'GaussianNll' | 'MarginRanking' | 'CosineEmbedding';
const GRAD_NAME = {
  Bce: 'BinaryCrossEntropyBackward',
  BceLogits: 'BinaryCrossEntropyWithLogitsBackward',
  L1: 'L1LossBackward',
  SmoothL1: 'SmoothL1LossBackward',
  Huber: 'HuberLossBackward',
  KlDiv: 'KlDivBackward',
  KlDivLog: 'KlDivBackward',
  GaussianNll: 'GaussianNllLossBackward',
  MarginRanking: 'MarginRankingLossBackward',
  CosineEmbedding: 'CosineEmbeddingLossBackward',
} as const;

/** t broadcast to shape, contiguous (differentiable: the gradient is summed back to t's shape). */
function spread(t: Tensor, shape: number[]): Tensor {
  return (sameShape(t.shape, shape) ? t : expand(t, shape)).contiguous();
}

/**
 * The per-element loss of the native `loss_pointwise` family over x and y (and the optional
 * weights) broadcast to `shape`, with its backward into x and (when `targetGrad`) y.
 */
function pointwise(op: LossOpName, p: number, x: Tensor, y: Tensor, shape: number[], w: Tensor | null, pw: Tensor | null, targetGrad: boolean): Tensor {
  const xe = spread(x, shape), ye = spread(y, shape);
  const we = w ? spread(w, shape) : null, pwe = pw ? spread(pw, shape) : null;
  const params = { op: enums.LossOp[op], p };
  const out = Tensor.empty(shape.slice(), x.dtype, x.device);
  native.lossPointwise(xe.arg(), ye.arg(), we ? we.arg() : null, pwe ? pwe.arg() : null, out.arg(), params);
  return record(out, targetGrad ? [xe, ye] : [xe], GRAD_NAME[op], (g) => {
    const gc = g.contiguous();
    const gx = xe.requiresGrad ? Tensor.empty(shape.slice(), x.dtype, x.device) : null;
    const gy = targetGrad && ye.requiresGrad ? Tensor.empty(shape.slice(), x.dtype, x.device) : null;
    native.lossPointwiseBackward(gc.arg(), xe.arg(), ye.arg(), we ? we.arg() : null, pwe ? pwe.arg() : null, gx ? gx.arg() : null, gy ? gy.arg() : null, params);
    if (gc !== g) gc.dispose();
    return targetGrad ? [gx, gy] : [gx];
  });
}

/** input and target: floating tensors of one dtype and device; target's shape checked by the caller. */
function checkPair(input: unknown, target: unknown, what = 'target'): [Tensor, Tensor] {
  const x = checkTensor('input', input);
  if (!isFloating(x.dtype)) dtypeError('input', 'a floating-point tensor', x);
  return [x, checkLike(what, target, x)];
}
export function checkLossScalar(name: string, v: unknown, ok: (n: number) => boolean, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) typeArg(name, 'a number', v);
  if (!ok(v as number)) invalidArg(name, what, v);
  return v as number;
}

export interface BceOptions {
  /** a rescaling weight of each element, broadcastable to the input's shape */
  weight?: Tensor | null;
  reduction?: Reduction;
}
/** F.binary_cross_entropy: input probabilities in [0, 1], target of the input's shape; log clamped at -100. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('binaryCrossEntropy', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['weight', 'reduction']);
  const [x, y] = checkPair(input, target);
  if (!sameShape(x.shape, y.shape)) shapeError('target', `a tensor of the input's shape [${x.shape.join(', ')}]`, y);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const w = checkWeight('weight', opts.weight, x);
  if (w && !sameShape(broadcastShapes(x.shape, w.shape, ['input', 'weight']), x.shape))
    shapeError('weight', `a tensor broadcastable to the input's shape [${x.shape.join(', ')}]`, w);
  if (x.numel() && !all(logicalAnd(ge(x, 0), le(x, 1))).item()) invalidArg('input', 'probabilities: every element between 0 and 1', 'elements outside [0, 1] (or NaN)');
  return reduce(pointwise('Bce', 0, x, y, x.shape, w, null, true), reduction);
}

export interface BceWithLogitsOptions extends BceOptions {
  /** the weight of positive examples, broadcastable to the input's shape (per class: [C]) */
  posWeight?: Tensor | null;
}
/** F.binary_cross_entropy_with_logits: sigmoid + BCE in the numerically stable form, with posWeight. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('binaryCrossEntropyWithLogits', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['weight', 'posWeight', 'reduction']);
  const [x, y] = checkPair(input, target);
  if (!sameShape(x.shape, y.shape)) shapeError('target', `a tensor of the input's shape [${x.shape.join(', ')}]`, y);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const w = checkWeight('weight', opts.weight, x);
  const pw = checkWeight('posWeight', opts.posWeight, x);
  for (const [n, t] of [['weight', w], ['posWeight', pw]] as const)
    if (t && !sameShape(broadcastShapes(x.shape, t.shape, ['input', n]), x.shape))
      shapeError(n, `a tensor broadcastable to the input's shape [${x.shape.join(', ')}]`, t);
  return reduce(pointwise('BceLogits', 0, x, y, x.shape, w, pw, true), reduction);
}

/** The broadcast shape of input and target (PyTorch broadcasts them for L1, smooth L1, Huber and KL). */
function pairShape(x: Tensor, y: Tensor): number[] {
  return broadcastShapes(x.shape, y.shape, ['input', 'target']);
}

/** F.l1_loss: |input - target| (broadcast). */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}, ...rest: never[]): Tensor {
  noExtraArgs('l1Loss', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['reduction']);
  const [x, y] = checkPair(input, target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  return reduce(pointwise('L1', 0, x, y, pairShape(x, y), null, null, true), reduction);
}

export interface SmoothL1Options {
  reduction?: Reduction;
  /** the threshold between the quadratic and linear parts (>= 0; default 1) */
  beta?: number;
}
/** F.smooth_l1_loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta 0: L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}, ...rest: never[]): Tensor {
  noExtraArgs('smoothL1Loss', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['reduction', 'beta']);
  const [x, y] = checkPair(input, target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const beta = checkLossScalar('beta', opts.beta ?? 1, (b) => b >= 0 && b < Infinity, 'a finite number >= 0');
  return reduce(pointwise('SmoothL1', beta, x, y, pairShape(x, y), null, null, true), reduction);
}

export interface HuberOptions {
  reduction?: Reduction;
  /** the threshold between the quadratic and linear parts (> 0; default 1) */
  delta?: number;
}
/** F.huber_loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('huberLoss', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['reduction', 'delta']);
  const [x, y] = checkPair(input, target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const delta = checkLossScalar('delta', opts.delta ?? 1, (d) => d > 0 && d < Infinity, 'a finite number > 0');
  return reduce(pointwise('Huber', delta, x, y, pairShape(x, y), null, null, true), reduction);
}

export interface KlDivOptions {
  /** 'mean' (over every element, PyTorch's default), 'batchmean' (the sum over the batch size), 'sum', 'none' */
  reduction?: Reduction | 'batchmean';
  /** the target holds log-probabilities (default false: probabilities) */
  logTarget?: boolean;
}
/** F.kl_div: input log-probabilities, target probabilities (or log-probabilities with logTarget). */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('klDiv', 'input, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['reduction', 'logTarget']);
  const [x, y] = checkPair(input, target);
  const r = checkReduction(opts.reduction ?? 'mean', true) as Reduction | 'batchmean';
  const logTarget = checkLossFlag('logTarget', opts.logTarget ?? false);
  const per = pointwise(logTarget ? 'KlDivLog' : 'KlDiv', 0, x, y, pairShape(x, y), null, null, true);
  if (r !== 'batchmean') return reduce(per, r);
  const s = sum(per);
  return x.ndim === 0 ? s : mul(s, 1 / x.shape[0]);
}

export interface GaussianNllOptions {
  /** add the constant 0.5 log(2 pi) (default false) */
  full?: boolean;
  /** the variance is clamped to at least eps (default 1e-6; the gradient passes the clamp) */
  eps?: number;
  reduction?: Reduction;
}
/**
 * F.gaussian_nll_loss: 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)). var has the
 * input's shape, or it without the last dim, or with a last dim of 1 (homoscedastic).
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, opts: GaussianNllOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('gaussianNllLoss', 'input, target, var, opts', rest);
  opts = checkOptionKeys('opts', opts, ['full', 'eps', 'reduction']);
  const [x, y] = checkPair(input, target);
  let v = checkLike('var', variance, x);
  const full = checkLossFlag('full', opts.full ?? false);
  const eps = checkLossScalar('eps', opts.eps ?? 1e-6, (e) => e >= 0 && e < Infinity, 'a finite number >= 0');
  const reduction = checkReduction(opts.reduction ?? 'mean');
  if (!sameShape(v.shape, x.shape)) {
    const lead = x.shape.slice(0, -1);
    if (x.ndim >= 1 && sameShape(v.shape, lead)) v = v.unsqueeze(-1);
    else if (!(x.ndim >= 1 && v.ndim === x.ndim && sameShape(v.shape.slice(0, -1), lead) && v.shape[v.ndim - 1] === 1))
      shapeError('var', `a tensor of the input's shape [${x.shape.join(', ')}], or it without the last dim, or with a last dim of 1`, v);
  }
  if (v.numel() && !all(ge(v, 0)).item()) invalidArg('var', 'a tensor of non-negative variances', 'negative entries');
  const d = sub(x, y);
  let per = pointwise('GaussianNll', eps, d, v, broadcastShapes(d.shape, v.shape, ['input - target', 'var']), null, null, true);
  if (full) per = add(per, 0.5 * Math.log(2 * Math.PI));
  return reduce(per, reduction);
}

export interface MarginOptions {
  /** default 0 */
  margin?: number;
  reduction?: Reduction;
}
/** F.margin_ranking_loss: max(0, -target (input1 - input2) + margin); inputs and target of one rank. */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('marginRankingLoss', 'input1, input2, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['margin', 'reduction']);
  const x1 = checkTensor('input1', input1);
  if (!isFloating(x1.dtype)) dtypeError('input1', 'a floating-point tensor', x1);
  const x2 = checkLike('input2', input2, x1);
  const t = checkLike('target', target, x1);
  if (x1.ndim !== x2.ndim || x1.ndim !== t.ndim)
    shapeError('target', `input1, input2 and target of one rank (input1 has ${x1.ndim} dims, input2 ${x2.ndim})`, t);
  const margin = checkLossScalar('margin', opts.margin ?? 0, Number.isFinite, 'a finite number');
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const d = sub(x1, x2);
  return reduce(pointwise('MarginRanking', margin, d, t, broadcastShapes(d.shape, t.shape, ['input1 - input2', 'target']), null, null, true), reduction);
}

/**
 * F.cosine_embedding_loss: with c the cosine similarity of input1 and input2 along their last dim
 * ([N, D] with target [N], or [D] with a 0-d target): 1 - c where target is 1, max(0, c - margin)
 * where it is -1 (0 for other target values, as PyTorch).
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('cosineEmbeddingLoss', 'input1, input2, target, opts', rest);
  opts = checkOptionKeys('opts', opts, ['margin', 'reduction']);
  const x1 = checkTensor('input1', input1);
  if (!isFloating(x1.dtype)) dtypeError('input1', 'a floating-point tensor', x1);
  const x2 = checkLike('input2', input2, x1);
  const t0 = checkTensor('target', target);
  if (t0.device !== x1.device) deviceMismatch('target', `a tensor on ${x1.device} (the device of input1)`, t0.device);
  if (t0.ndim > 1) shapeError('target', 'a 0-D or 1-D tensor (multi-target is not supported)', t0);
  const want = t0.ndim + 1;
  if (x1.ndim !== want || x2.ndim !== want) shapeError(x1.ndim !== want ? 'input1' : 'input2', `a ${want}-D tensor for a ${t0.ndim}-D target`, x1.ndim !== want ? x1 : x2);
  const margin = checkLossScalar('margin', opts.margin ?? 0, Number.isFinite, 'a finite number');
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const dim = t0.ndim;
  const EPS = Math.fround(1e-12); // PyTorch's EPSILON: a float constant (9.99999996e-13)
  const prod = sum(mul(x1, x2), dim);
  const m1 = add(sum(mul(x1, x1), dim), EPS);
  const m2 = add(sum(mul(x2, x2), dim), EPS);
  const cos = div(prod, sqrt(mul(m1, m2)));
  const t = t0.dtype === x1.dtype ? t0 : t0.to(x1.dtype);
  return reduce(pointwise('CosineEmbedding', margin, cos, t, broadcastShapes(cos.shape, t.shape, ['the cosine similarities', 'target']), null, null, false), reduction);
}
