// lib/ops/loss.ts — nll_loss (ignoreIndex), cross-entropy = log-softmax + NLL with label
// smoothing, and MSE; reductions 'mean' | 'sum' | 'none' as in PyTorch. Targets are int64 class
// indices [N] for logits [N, C] (or [] for unbatched [C]).
import { native } from '../binding';
import { invalidArg, dtypeError, shapeError, checkOptions } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { fromBuffer } from '../creation';
import { record, linearGrad } from '../autograd';
import { logSoftmax } from './activation';
import { sub, mul, add, pow } from './elementwise';
import { sum, mean } from './reduce';

export type Reduction = 'mean' | 'sum' | 'none';
function checkReduction(r: unknown): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') invalidArg('reduction', "'mean', 'sum' or 'none'", r);
  return r as Reduction;
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
  opts = checkOptions('opts', opts);
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
  record(per, [input], 'NllLossBackward', (g) => [nllGrad(g, t, input.shape, ignore, input)]);
  if (reduction === 'none') return per;
  if (reduction === 'sum') return sum(per);
  // mean over the non-ignored targets (NaN when all are ignored, as PyTorch)
  return mul(sum(per), 1 / keptTargets(t, ignore).count);
}

/** The input gradient of the per-sample NLL for output gradient g [N]: -g[i] at [i, t[i]], zeros elsewhere
 * (a linear map of g; under createGraph recorded, its adjoint being the per-sample NLL itself). */
function nllGrad(g: Tensor, t: Tensor, shape: number[], ignore: number, input?: Tensor): Tensor {
  const gc = g.contiguous();
  const d = Tensor.empty(shape.slice(), g.dtype, g.device);
  native.nllBackward(gc.arg(), t.arg(), d.arg(), { ignoreIndex: ignore });
  if (gc !== g) gc.dispose();
  return linearGrad(d, g, 'NllLossBackwardBackward', (gg) => nllPer(gg, t, ignore), input ? [input] : []);
}
/** -x[i, t[i]] per sample (0 for ignored targets), recorded with nllGrad as its backward. */
function nllPer(x: Tensor, t: Tensor, ignore: number): Tensor {
  const xc = x.contiguous();
  const per = Tensor.empty([x.shape[0]], x.dtype, x.device);
  native.nllForward(xc.arg(), t.arg(), per.arg(), { ignoreIndex: ignore });
  if (xc !== x) xc.dispose();
  return linearGrad(per, x, 'NllLossBackward', (g) => nllGrad(g, t, x.shape, ignore));
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
  opts = checkOptions('opts', opts);
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
  opts = checkOptions('opts', opts);
  checkTensor('input', input);
  checkTensor('target', target);
  const reduction = checkReduction(opts.reduction ?? 'mean');
  if (input.shape.join() !== target.shape.join())
    shapeError('target', `a tensor of the input's shape [${input.shape.join(', ')}]`, target);
  const d = pow(sub(input, target), 2);
  if (reduction === 'none') return d;
  return reduction === 'sum' ? sum(d) : mean(d);
}
