// lib/ops/norm.ts — batch, layer, group and instance normalisation on the native kernels of
// native/ops/norm.h, with PyTorch's semantics: biased variance to normalise, unbiased variance in
// the running estimate, running statistics updated in place (by the kernel, without gradient).
// BatchNorm: one Welford pass for the statistics plus one fused normalise+affine(+relu) pass;
// backward in two passes. Layer / group / instance norm share the row-norm kernel (one mean and
// invstd per row). Every op records one node whose backward calls the native backward kernel
// (first-order gradients); under createGraph batch norm in eval mode computes its gradients from
// differentiable ops instead (double backward); the other nodes are first-order only (autograd.ts). relu(batchNorm(x)) is fused
// in the backward (see bnReluHooks and E.relu); F.batchNormRelu fuses the forward too.
import { native } from '../binding';
import type { BatchNormParams, RowNormParams } from '../../binding';
import { invalidArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { noGrad, record, isGradEnabled, firstOrderOnly } from '../autograd';
import { bnReluHooks } from './fusion';
import { add, mul, pow, sub, cast, compare } from './elementwise';
import { mean, sum } from './reduce';

function checkFloat(name: string, t: Tensor): void {
  if (!isFloating(t.dtype)) dtypeError(name, 'a floating-point tensor', t);
}
function checkVec(name: string, t: Tensor | null | undefined, n: number, x: Tensor): void {
  if (t === undefined || t === null) return; // NaN, 0, '' are not "none": checkTensor refuses them
  checkTensor(name, t);
  if (t.numel() !== n) shapeError(name, `a tensor of ${n} elements`, t);
  if (t.dtype !== x.dtype) dtypeError(name, `a ${x.dtype} tensor`, t);
  if (t.device !== x.device) invalidArg(name, `a tensor on the input's device (${x.device})`, t);
}
function checkEps(eps: unknown): number {
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) invalidArg('eps', 'a positive number', eps);
  return eps as number;
}
const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);
/** A contiguous tensor with t's data (t itself when it already is). */
const contig = (t: Tensor | null | undefined): Tensor | null => (t ? (t.isContiguous() ? t : t.contiguous()) : null);
const argOf = (t: Tensor | null) => (t ? t.arg() : null);
const disposeCopy = (c: Tensor | null, t: Tensor | null | undefined) => {
  if (c && c !== t) c.dispose();
};

// ---- batch normalisation ------------------------------------------------------------------------------

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** What a BatchNormBackward node keeps: enough to run the backward kernel, with or without relu. */
interface BnSaved {
  /** the op's input, and x its contiguous data */
  input: Tensor;
  x: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  saveMean: Tensor;
  saveInvstd: Tensor;
  params: BatchNormParams;
}

/** The gradients of x, weight and bias (null where not required) for output gradient g. */
function bnBackward(s: BnSaved, g: Tensor, relu: boolean, y: Tensor | null): (Tensor | null)[] {
  if (isGradEnabled()) {
    // createGraph (grad mode on in backward): eval mode from differentiable ops; training mode's
    // batch statistics have no double backward yet (first-order gradients, marked)
    if (!s.params.training) return bnBackwardEval(s, g, relu, y);
    const op = relu ? 'BatchNormReluBackward' : 'BatchNormBackward';
    return firstOrderOnly(op, `${op} (training mode)`, noGrad(() => bnBackward(s, g, relu, y)), [g, s.input, s.weight, s.bias]);
  }
  const { x, weight, bias } = s;
  const gc = g.contiguous();
  const dx = x.requiresGrad ? Tensor.empty(x.shape.slice(), x.dtype, x.device) : null;
  const dw = weight && weight.requiresGrad ? Tensor.empty(weight.shape.slice(), x.dtype, x.device) : null;
  const db = bias && bias.requiresGrad ? Tensor.empty(bias.shape.slice(), x.dtype, x.device) : null;
  const wc = contig(weight);
  native.batchNormBackward(gc.arg(), s.x.arg(), argOf(wc), s.saveMean.arg(), s.saveInvstd.arg(), relu ? y!.arg() : null,
    argOf(dx), argOf(dw), argOf(db), { ...s.params, relu });
  if (gc !== g) gc.dispose();
  disposeCopy(wc, weight);
  return [dx, dw, db];
}

/** Eval-mode batch-norm gradients from recorded ops: y = (x - mean) * invstd * w + b with constant statistics. */
function bnBackwardEval(s: BnSaved, g: Tensor, relu: boolean, y: Tensor | null): (Tensor | null)[] {
  const { input, weight, bias } = s;
  const shp = input.shape.map((n, i) => (i === 1 ? n : 1));
  const dims = input.shape.map((_, i) => i).filter((i) => i !== 1);
  const invstd = s.saveInvstd.reshape(shp);
  const ge = relu && y ? mul(g, noGrad(() => cast(compare('gt', y, 0), g.dtype))) : g;
  const dx = input.requiresGrad ? mul(ge, weight ? mul(weight.reshape(shp), invstd) : invstd) : null;
  const dw = weight && weight.requiresGrad ? sum(mul(ge, mul(sub(input, s.saveMean.reshape(shp)), invstd)), dims).reshape(weight.shape) : null;
  const db = bias && bias.requiresGrad ? sum(ge, dims).reshape(bias.shape) : null;
  return [dx, dw, db];
}

function batchNormImpl(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions, relu: boolean): Tensor {
  opts = checkOptionKeys('opts', opts, ['weight', 'bias', 'training', 'momentum', 'eps']);
  checkTensor('input', input);
  checkFloat('input', input);
  if (input.ndim < 2) invalidArg('input', 'a tensor [N, C, ...] of at least 2 dimensions', input);
  const [N, C] = input.shape;
  const L = prod(input.shape.slice(2));
  const training = optBool('opts.training', opts.training ?? undefined, false);
  if (typeof training !== 'boolean') invalidArg('training', 'a boolean', training);
  const momentum = opts.momentum === undefined ? 0.1 : opts.momentum; // null is refused, as PyTorch's F.batch_norm
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) invalidArg('momentum', 'a number in [0, 1]', momentum);
  const eps = checkEps(opts.eps ?? 1e-5);
  checkVec('runningMean', runningMean, C, input);
  checkVec('runningVar', runningVar, C, input);
  checkVec('weight', opts.weight, C, input);
  checkVec('bias', opts.bias, C, input);
  if (!training && (!runningMean || !runningVar)) invalidArg('runningMean', 'running statistics when training is false', runningMean);
  // an empty batch: an empty result, running statistics untouched (PyTorch's batch_norm)
  if (input.numel() === 0) return mul(input, 1);
  if (training && N * L === 1) shapeError('input', `more than 1 value per channel in training (got shape [${input.shape.join(', ')}])`, input);
  const weight = opts.weight ?? null;
  const bias = opts.bias ?? null;
  const params: BatchNormParams = { N, C, L, training, relu, momentum, eps };
  const x = input.contiguous();
  const out = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  const saveMean = Tensor.empty([C], input.dtype, input.device);
  const saveInvstd = Tensor.empty([C], input.dtype, input.device);
  const [wc, bc] = [contig(weight), contig(bias)];
  // running statistics are updated in place by the kernel (through a contiguous copy if need be)
  const [rm, rv] = [contig(runningMean), contig(runningVar)];
  native.batchNormForward(x.arg(), argOf(wc), argOf(bc), argOf(rm), argOf(rv), out.arg(), saveMean.arg(), saveInvstd.arg(), params);
  disposeCopy(wc, weight);
  disposeCopy(bc, bias);
  if (training) {
    noGrad(() => {
      if (rm && rm !== runningMean) runningMean!.copy_(rm);
      if (rv && rv !== runningVar) runningVar!.copy_(rv);
    });
  }
  disposeCopy(rm, runningMean);
  disposeCopy(rv, runningVar);
  const saved: BnSaved = { input, x, weight, bias, saveMean, saveInvstd, params };
  const inputs = [input, weight, bias];
  if (relu) return record(out, inputs, 'BatchNormReluBackward', (g) => bnBackward(saved, g, true, out));
  const y = record(out, inputs, 'BatchNormBackward', (g) => bnBackward(saved, g, false, null));
  // relu(y) may send its gradient straight to (input, weight, bias) with the relu mask (E.relu)
  if (y.gradFn) {
    bnReluHooks.set(y.gradFn, (reluOut: Tensor) => ({
      inputs,
      op: 'BatchNormReluBackward',
      backward: (g: Tensor) => bnBackward(saved, g, true, reluOut),
    }));
  }
  return y;
}

/** F.batchNorm over [N, C, *]: batch statistics in training (updating the running ones), else running ones. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('batchNorm', 'input, runningMean, runningVar, opts', rest);
  return batchNormImpl(x, runningMean, runningVar, opts, false);
}
/**
 * relu(batchNorm(x, ...)) in one native pass forward (the normalised values are never written
 * before the relu) and a backward that applies the relu mask inside the batch-norm backward; the
 * values and gradients are those of the two ops one after the other.
 */
export function batchNormRelu(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('batchNormRelu', 'input, runningMean, runningVar, opts', rest);
  return batchNormImpl(x, runningMean, runningVar, opts, true);
}

// ---- row normalisation: layer, group, instance ------------------------------------------------------------

/** Runs the row-norm kernel on x viewed as [rows, R] and records `op` for (input, weight, bias). */
function rowNorm(input: Tensor, weight: Tensor | null, bias: Tensor | null, p: RowNormParams,
  op: 'LayerNormBackward' | 'GroupNormBackward' | 'InstanceNormBackward'): { y: Tensor; saveMean: Tensor; saveInvstd: Tensor } {
  const x = input.contiguous();
  const y = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  const saveMean = Tensor.empty([p.rows], input.dtype, input.device);
  const saveInvstd = Tensor.empty([p.rows], input.dtype, input.device);
  const [wc, bc] = [contig(weight), contig(bias)];
  native.rowNormForward(x.arg(), argOf(wc), argOf(bc), y.arg(), saveMean.arg(), saveInvstd.arg(), p);
  disposeCopy(wc, weight);
  disposeCopy(bc, bias);
  record(y, [input, weight, bias], op, (g) => {
    const gc = g.contiguous();
    const dx = input.requiresGrad ? Tensor.empty(input.shape.slice(), input.dtype, input.device) : null;
    const dw = weight && weight.requiresGrad ? Tensor.empty(weight.shape.slice(), input.dtype, input.device) : null;
    const db = bias && bias.requiresGrad ? Tensor.empty(bias.shape.slice(), input.dtype, input.device) : null;
    const w = contig(weight);
    native.rowNormBackward(gc.arg(), x.arg(), argOf(w), saveMean.arg(), saveInvstd.arg(), argOf(dx), argOf(dw), argOf(db), p);
    if (gc !== g) gc.dispose();
    disposeCopy(w, weight);
    return [dx, dw, db];
  });
  return { y, saveMean, saveInvstd };
}

/** F.layerNorm: normalises over the trailing dims given by normalizedShape. */
export function layerNorm(x: Tensor, normalizedShape: number | number[], opts: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}, ...rest: never[]): Tensor {
  noExtraArgs('layerNorm', 'input, normalizedShape, opts', rest);
  opts = checkOptionKeys('opts', opts, ['weight', 'bias', 'eps']);
  checkTensor('input', x);
  checkFloat('input', x);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || !ns.length || !ns.every((s) => Number.isInteger(s) && s > 0))
    invalidArg('normalizedShape', 'a positive integer or a non-empty array of them', normalizedShape);
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.join() !== ns.join())
    shapeError('normalizedShape', `the trailing dimensions of the input [${x.shape.join(', ')}]`, normalizedShape);
  const R = prod(ns);
  checkVec('weight', opts.weight, R, x);
  checkVec('bias', opts.bias, R, x);
  const eps = checkEps(opts.eps ?? 1e-5);
  return rowNorm(x, opts.weight ?? null, opts.bias ?? null, { rows: x.numel() / R, R, G: 1, L: 1, eps }, 'LayerNormBackward').y;
}

/** F.groupNorm over [N, C, *] with C divisible by numGroups. */
export function groupNorm(x: Tensor, numGroups: number, opts: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}, ...rest: never[]): Tensor {
  noExtraArgs('groupNorm', 'input, numGroups, opts', rest);
  opts = checkOptionKeys('opts', opts, ['weight', 'bias', 'eps']);
  checkTensor('input', x);
  checkFloat('input', x);
  if (x.ndim < 2) invalidArg('input', 'a tensor [N, C, ...] of at least 2 dimensions', x);
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0)
    invalidArg('numGroups', `a positive divisor of the input channels (${C})`, numGroups);
  checkVec('weight', opts.weight, C, x);
  checkVec('bias', opts.bias, C, x);
  const eps = checkEps(opts.eps ?? 1e-5);
  const L = prod(x.shape.slice(2));
  // PyTorch's _verify_batch_size([N * C / numGroups, numGroups, *spatial]): one value in all is refused
  if (N * (C / numGroups) * L === 1) shapeError('input', `more than 1 value per group (got shape [${x.shape.join(', ')}] and ${numGroups} groups)`, x);
  const p: RowNormParams = { rows: N * numGroups, R: (C / numGroups) * L, G: numGroups, L: Math.max(L, 1), eps };
  if (L === 0 || N === 0) return mul(x, 1); // nothing to normalise
  return rowNorm(x, opts.weight ?? null, opts.bias ?? null, p, 'GroupNormBackward').y;
}

export interface InstanceNormOptions extends BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  useInputStats?: boolean;
}
/** F.instanceNorm over [N, C, *]: per-sample, per-channel statistics (or running ones when !useInputStats). */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('instanceNorm', 'input, opts', rest);
  opts = checkOptionKeys('opts', opts, ['weight', 'bias', 'training', 'momentum', 'eps', 'runningMean', 'runningVar', 'useInputStats']);
  checkTensor('input', x);
  checkFloat('input', x);
  if (x.ndim < 3) invalidArg('input', 'a tensor [N, C, L...] of at least 3 dimensions', x);
  const [N, C] = x.shape;
  const eps = checkEps(opts.eps ?? 1e-5);
  const useInput = optBool('opts.useInputStats', opts.useInputStats ?? undefined, true);
  checkVec('runningMean', opts.runningMean, C, x);
  checkVec('runningVar', opts.runningVar, C, x);
  checkVec('weight', opts.weight, C, x);
  checkVec('bias', opts.bias, C, x);
  if (!useInput) {
    if (!opts.runningMean || !opts.runningVar) invalidArg('runningMean', 'running statistics when useInputStats is false', opts.runningMean);
    // the running statistics of every sample: batch norm in eval mode
    return batchNorm(x, opts.runningMean, opts.runningVar, { weight: opts.weight, bias: opts.bias, training: false, eps });
  }
  const L = prod(x.shape.slice(2));
  // PyTorch's _verify_spatial_size: input statistics of one element per channel are refused
  if (L === 1) shapeError('input', `more than 1 spatial element when using input statistics (got shape [${x.shape.join(', ')}])`, x);
  const momentum = opts.momentum === undefined ? 0.1 : opts.momentum; // null is refused, as PyTorch's F.instance_norm
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) invalidArg('momentum', 'a number in [0, 1]', momentum);
  const { y, saveMean, saveInvstd } = rowNorm(x, opts.weight ?? null, opts.bias ?? null, { rows: N * C, R: L, G: C, L, eps }, 'InstanceNormBackward');
  // running statistics (as PyTorch: the mean over the samples of each sample's update)
  if (opts.runningMean || opts.runningVar) {
    noGrad(() => {
      if (opts.runningMean) updateRunning(opts.runningMean, mean(saveMean.reshape([N, C]), [0]), momentum);
      if (opts.runningVar) {
        const varBiased = add(pow(saveInvstd, -2), -eps); // 1 / invstd^2 - eps
        updateRunning(opts.runningVar, mean(mul(varBiased, L / Math.max(L - 1, 1)).reshape([N, C]), [0]), momentum);
      }
    });
  }
  return y;
}
/** running = (1 - momentum) * running + momentum * value, in place, no gradient. */
function updateRunning(running: Tensor, value: Tensor, momentum: number): void {
  const r = add(mul(running, 1 - momentum), mul(value.reshape([running.numel()]), momentum));
  running.copy_(r);
  r.dispose();
}
