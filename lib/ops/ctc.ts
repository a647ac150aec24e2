// lib/ops/ctc.ts — F.ctcLoss(logProbs, targets, inputLengths, targetLengths, {blank=0,
// reduction='mean', zeroInfinity=false}), PyTorch 1.13's connectionist temporal classification loss:
//  * logProbs [T, N, C] (or unbatched [T, C]) of log-probabilities (float32 / float64);
//  * targets padded [N, S] (item b's labels are row b's first targetLengths[b]; the rest is ignored)
//    or concatenated 1-D (the items' labels one after another: sum(targetLengths) of them; unbatched:
//    [S] with exactly targetLength labels, or [1, S]); an integer tensor (int64, int32, uint8) on any
//    device, its used labels in [0, C) and never the blank (PyTorch reads out of bounds, or counts the
//    blank as a label, there; torchlet refuses);
//  * inputLengths / targetLengths: an integer tensor (0-d or 1-d, any device) or an array of N
//    integers; 0 <= inputLengths <= T, 0 <= targetLengths (<= S when padded);
//  * the per-item loss is -log p(labels), +inf where no alignment fits (zeroInfinity: 0, and no
//    gradient); 'mean' divides each by its target length (clamped to >= 1) then averages over the
//    batch, 'sum' adds them, 'none' returns them ([N], or [] unbatched). An input length of 0 gives 0
//    for an empty target and +inf otherwise (PyTorch 1.13 reads uninitialised memory there).
// One native kernel pair (native/ops/ctc.h: the alpha recursion forward, the beta recursion and
// PyTorch's gradient backward) under the autograd node CtcLossBackward (first-order only, as PyTorch's).
// The lengths and labels are read on the host (a device sync for CUDA tensors) to be validated.
import { native } from '../binding';
import { invalidArg, typeArg, shapeError, dtypeError, checkOptionKeys, checkInt, optBool, noExtraArgs } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import type { DType } from '../tensor';
import { record } from '../autograd';
import { fromBuffer } from '../creation';
import { div } from './elementwise';
import { sum, mean } from './reduce';
import { checkReduction } from './loss';
import type { Reduction } from './loss';

/** Per-item lengths: an integer tensor (0-d or 1-d) or an array of integers. */
export type CtcLengths = Tensor | number[];
export interface CtcLossOptions {
  /** the blank label's class index (default 0) */
  blank?: number;
  /** 'mean' (default: each loss over its target length, then the batch mean), 'sum' or 'none' */
  reduction?: Reduction;
  /** infinite losses (no alignment fits) and their gradients become 0 (default false) */
  zeroInfinity?: boolean;
}
export const CTC_KEYS = ['blank', 'reduction', 'zeroInfinity'] as const;
const INT_DTYPES: readonly DType[] = ['int64', 'int32', 'uint8'];

function hostInts(t: Tensor): number[] {
  return Array.from(t.toArray() as unknown as ArrayLike<number | bigint>, (v) => Number(v));
}
/** The n lengths of inputLengths / targetLengths, each an integer >= 0. */
function lengthsOf(name: string, v: unknown, n: number): number[] {
  let vals: number[];
  if (v instanceof Tensor) {
    if (!INT_DTYPES.includes(v.dtype)) dtypeError(name, 'an integer tensor of lengths (int64, int32 or uint8; PyTorch: must be integral)', v);
    if (v.ndim > 1) shapeError(name, `a 0-d or 1-d tensor of ${n} length${n === 1 ? '' : 's'}`, v);
    vals = hostInts(v);
  } else if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'number' && Number.isInteger(x))) typeArg(name, 'an integer tensor or an array of integers', v);
    vals = v as number[];
  } else {
    typeArg(name, 'an integer tensor or an array of integers', v);
  }
  if (vals.length !== n) shapeError(name, `${n} length${n === 1 ? '' : 's'}, one per batch item (the batch size of logProbs)`, v);
  for (const x of vals) if (x < 0) invalidArg(name, 'lengths >= 0', x);
  return vals;
}

/**
 * F.ctc_loss: the CTC loss of log-probabilities `logProbs` [T, N, C] (or [T, C]) against `targets`
 * (padded [N, S] or concatenated 1-D labels) with each item's input and target lengths.
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: CtcLengths,
  targetLengths: CtcLengths,
  opts: CtcLossOptions = {},
  ...rest: never[]
): Tensor {
  noExtraArgs('ctcLoss', 'logProbs, targets, inputLengths, targetLengths, opts', rest);
  const o = checkOptionKeys('opts', opts, CTC_KEYS);
  checkTensor('logProbs', logProbs);
  checkTensor('targets', targets);
  if (!isFloating(logProbs.dtype)) dtypeError('logProbs', 'a floating-point tensor of log-probabilities', logProbs);
  if (logProbs.ndim !== 3 && logProbs.ndim !== 2) shapeError('logProbs', 'a [T, N, C] (batched) or [T, C] (unbatched) tensor', logProbs);
  const batched = logProbs.ndim === 3;
  const [T, N, C] = batched ? logProbs.shape : [logProbs.shape[0], 1, logProbs.shape[1]];
  const reduction = checkReduction(o.reduction ?? 'mean');
  const blank = checkInt('opts.blank', o.blank ?? 0);
  if (blank < 0 || blank >= C) invalidArg('opts.blank', `a class index in [0, ${C}) (blank must be in label range: C = ${C})`, blank);
  const zeroInfinity = optBool('opts.zeroInfinity', o.zeroInfinity, false);
  if (!INT_DTYPES.includes(targets.dtype)) dtypeError('targets', 'an integer tensor of labels (int64, int32 or uint8)', targets);
  if (targets.ndim !== 1 && targets.ndim !== 2) shapeError('targets', 'padded [N, S] or concatenated 1-D labels', targets);
  const padded = targets.ndim === 2;
  if (padded && targets.shape[0] !== N) shapeError('targets', `padded labels [N, S] with N = ${N} rows (the batch size of logProbs)`, targets);
  const il = lengthsOf('inputLengths', inputLengths, N);
  const tl = lengthsOf('targetLengths', targetLengths, N);
  for (const v of il) if (v > T) invalidArg('inputLengths', `lengths at most T = ${T} (the length of logProbs)`, v);
  const offsets: number[] = [];
  if (padded) {
    const width = targets.shape[1];
    tl.forEach((v, b) => {
      if (v > width) invalidArg('targetLengths', `lengths at most S = ${width} (the length of the padded targets)`, v);
      offsets.push(b * width);
    });
  } else {
    let pos = 0;
    for (const v of tl) {
      offsets.push(pos);
      pos += v;
    }
    if (pos !== targets.shape[0]) shapeError('targets', `concatenated labels: sum(targetLengths) = ${pos} of them`, targets);
  }
  const labels = hostInts(targets);
  tl.forEach((len, b) => {
    for (let k = 0; k < len; k++) {
      const v = labels[offsets[b] + k];
      if (v < 0 || v >= C) invalidArg('targets', `labels in [0, ${C}) (item ${b}, label ${k})`, v);
      if (v === blank) invalidArg('targets', `labels other than the blank ${blank} (item ${b}, label ${k})`, v);
    }
  });
  const S = tl.reduce((a, b) => Math.max(a, b), 0);
  const { dtype, device } = logProbs;
  const lp3 = batched ? logProbs : logProbs.unsqueeze(1);
  const x = lp3.contiguous();
  const tg = fromBuffer(BigInt64Array.from(labels, (v) => BigInt(v)), [labels.length], { device });
  const params = { T, N, C, S, blank, zeroInfinity, inputLengths: il, targetLengths: tl, targetOffsets: offsets };
  const out = Tensor.empty([N], dtype, device);
  const logAlpha = Tensor.empty([N, T, 2 * S + 1], dtype, device);
  native.ctcLoss(x.arg(), tg.arg(), out.arg(), logAlpha.arg(), params);
  record(
    out,
    [lp3],
    'CtcLossBackward',
    (g) => {
      const gc = g.contiguous();
      const gi = Tensor.empty([T, N, C], dtype, device);
      native.ctcLossBackward(gc.arg(), x.arg(), tg.arg(), logAlpha.arg(), gi.arg(), params);
      if (gc !== g) gc.dispose();
      return [gi];
    },
    [lp3],
  );
  if (!out.gradFn) {
    // nothing to differentiate: the backward's tensors go now
    logAlpha.dispose();
    tg.dispose();
    if (x !== lp3) x.dispose();
  }
  if (reduction === 'none') return batched ? out : out.squeeze(0);
  if (reduction === 'sum') return sum(out);
  const clamped = tl.map((v) => Math.max(v, 1));
  const div0 = fromBuffer(dtype === 'float64' ? Float64Array.from(clamped) : Float32Array.from(clamped), [N], { device });
  return mean(div(out, div0));
}
