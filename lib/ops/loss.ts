// lib/ops/loss.ts — nll_loss (ignoreIndex), cross-entropy = log-softmax + NLL with label
// smoothing, and MSE; reductions 'mean' | 'sum' | 'none' as in PyTorch. Targets are int64 class
// indices [N] for logits [N, C] (or [] for unbatched [C]).
import { native } from '../binding';
import { invalidArg, dtypeError, shapeError, checkOptionKeys } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { fromBuffer } from '../creation';
import { record } from '../autograd';
import { logSoftmax } from './activation';
import { sub, mul, add, pow } from './elementwise';
import { sum, mean } from './reduce';

export type Reduction = 'mean' | 'sum' | 'none';
function checkReduction(r: unknown): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') invalidArg('reduction', "'mean', 'sum' or 'none'", r);
  return r as Reduction;
}
/**
 * The options of the loss functions and modules, checked where they are given (a module's
 * constructor too, not first at its forward): only `keys`, reduction one of 'mean' | 'sum' | 'none',
 * ignoreIndex a safe integer (it reaches the kernel as an int64), labelSmoothing in [0, 1].
 */
export function checkLossOptions<T extends { reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number }>(opts: T | undefined, keys: readonly string[]): T {
  const o = checkOptionKeys('opts', opts, keys);
  if (o.reduction !== undefined) checkReduction(o.reduction);
  if (o.ignoreIndex !== undefined && !Number.isSafeInteger(o.ignoreIndex)) invalidArg('ignoreIndex', 'an integer class index', o.ignoreIndex);
  if (o.labelSmoothing !== undefined && (typeof o.labelSmoothing !== 'number' || !(o.labelSmoothing >= 0 && o.labelSmoothing <= 1)))
    invalidArg('labelSmoothing', 'a number in [0, 1]', o.labelSmoothing);
  return o;
}
function checkClassTarget(input: Tensor, target: Tensor): void {
  checkTensor('target', target);
  if (input.ndim !== 2) shapeError('input', 'a 2-D tensor [N, C] (or 1-D [C])', input);
  if (target.dtype !== 'int64' && target.dtype !== 'int32')
    dtypeError('target', 'an int64 tensor of class indices', target);
  if (target.ndim !== 1 || target.shape[0] !== input.shape[0])
    shapeError('target', `a 1-D tensor of ${input.shape[0]} class indices`, target);
}

export interface NllOptions {
  reduction?: Reduction;
  ignoreIndex?: number;
}
export function nllLoss(input: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  opts = checkLossOptions(opts, ['reduction', 'ignoreIndex']);
  checkTensor('input', input);
  checkTensor('target', target);
  if (input.ndim === 1) return nllLoss(input.unsqueeze(0), target.ndim === 0 ? target.unsqueeze(0) : target, opts).squeeze();
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor of log-probabilities', input);
  checkClassTarget(input, target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const ignore = opts.ignoreIndex ?? -100;
  const t = target.dtype === 'int64' ? target.contiguous() : target.to('int64');
  const x = input.contiguous();
  const per = Tensor.empty([input.shape[0]], input.dtype, input.device);
  native.nllForward(x.arg(), t.arg(), per.arg(), { ignoreIndex: ignore });
  record(per, [input], 'NllLossBackward', (g) => {
    const gc = g.contiguous();
    const d = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.nllBackward(gc.arg(), t.arg(), d.arg(), { ignoreIndex: ignore });
    if (gc !== g) gc.dispose();
    return [d];
  });
  if (reduction === 'none') return per;
  if (reduction === 'sum') return sum(per);
  // mean over the non-ignored targets (NaN when all are ignored, as PyTorch)
  return mul(sum(per), 1 / keptTargets(t, ignore).count);
}

function keptTargets(t: Tensor, ignore: number): { count: number; mask: Float64Array } {
  const arr = t.toArray() as BigInt64Array;
  const mask = new Float64Array(arr.length);
  let count = 0;
  arr.forEach((v, i) => {
    if (Number(v) !== ignore) {
      mask[i] = 1;
      count++;
    }
  });
  return { count, mask };
}

export interface CrossEntropyOptions extends NllOptions {
  labelSmoothing?: number;
}
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  opts = checkLossOptions(opts, ['reduction', 'ignoreIndex', 'labelSmoothing']);
  checkTensor('input', input);
  checkTensor('target', target);
  if (input.ndim === 1) {
    const r = crossEntropy(input.unsqueeze(0), target.ndim === 0 ? target.unsqueeze(0) : target, opts);
    return r.ndim ? r.squeeze(0) : r;
  }
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor of logits', input);
  checkClassTarget(input, target);
  const ls = opts.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) invalidArg('labelSmoothing', 'a number in [0, 1]', ls);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const logp = logSoftmax(input, 1);
  if (ls === 0) return nllLoss(logp, target, opts);
  // (1 - eps) * nll + eps * mean_c(-logp), ignored targets contribute 0
  const C = input.shape[1];
  const nll = nllLoss(logp, target, { ...opts, reduction: 'none' });
  let smooth = mul(sum(logp, 1), -1 / C);
  const ignore = opts.ignoreIndex ?? -100;
  const kept = keptTargets(target.dtype === 'int64' ? target : target.to('int64'), ignore);
  if (kept.count !== input.shape[0]) smooth = mul(smooth, fromBuffer(kept.mask, [input.shape[0]], { dtype: 'float64', device: input.device }).to(input.dtype));
  const per = add(mul(nll, 1 - ls), mul(smooth, ls));
  if (reduction === 'none') return per;
  if (reduction === 'sum') return sum(per);
  return mul(sum(per), 1 / kept.count);
}

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  opts = checkLossOptions(opts, ['reduction']);
  checkTensor('input', input);
  checkTensor('target', target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  if (input.shape.join() !== target.shape.join())
    shapeError('target', `a tensor of the input's shape [${input.shape.join(', ')}]`, target);
  const d = pow(sub(input, target), 2);
  if (reduction === 'none') return d;
  return reduction === 'sum' ? sum(d) : mean(d);
}
