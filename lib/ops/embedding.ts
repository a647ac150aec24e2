// lib/ops/embedding.ts — F.embedding and F.embeddingBag, PyTorch 1.13's semantics.
// Contract: embedding(input, weight) looks up the rows of weight [numEmbeddings, embeddingDim] that
// the integer tensor input (int64 or int32, any shape, every index in [0, numEmbeddings)) names,
// giving [...input.shape, embeddingDim]; its weight gradient sums the output gradient into those rows
// (none into the row paddingIdx; with scaleGradByFreq each term divided by its index's count in
// input). maxNorm renormalises, in place and before the lookup, every looked-up row whose normType-norm
// exceeds maxNorm to maxNorm / (norm + 1e-7) times itself (torch.embedding_renorm_). embeddingBag
// reduces the looked-up rows per bag (bags: the rows of a 2-D input, or a 1-D input cut at offsets)
// with 'sum' (optionally weighted by perSampleWeights), 'mean' or 'max'; entries equal to paddingIdx
// are left out (not counted by 'mean'); an empty bag gives zeros. The data movement runs in the
// native gather / scatter kernels of native/ops/index.h (CPU and CUDA); the bag bookkeeping (which
// entry goes to which bag) is computed on the host from the indices and offsets.
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, noGrad } from '../autograd';
import { invalidArg, typeArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, TorchletError, deviceMismatch } from '../errors';
import { fromBuffer } from '../creation';
import { rawGather, rawScatter, lineStrides, checkRange, indexSelectRaw, indexAdd, where } from './index';
import { cast, mul, div, add, compare, rdiv } from './elementwise';
import { norm, maxDim } from './reduce';
import { cat } from './shape';

/** PyTorch's keyword arguments of F.embedding. */
export interface EmbeddingOptions {
  /** gradients into this row are dropped (negative counts from the end) */
  paddingIdx?: number | null;
  /** renormalise looked-up rows whose norm exceeds this, in place */
  maxNorm?: number | null;
  /** the p of maxNorm's p-norm (2) */
  normType?: number;
  /** divide each gradient term by its index's frequency in input (false) */
  scaleGradByFreq?: boolean;
  /** sparse gradients: only false (dense) is implemented */
  sparse?: boolean;
}
/** PyTorch's keyword arguments of F.embedding_bag. */
export interface EmbeddingBagOptions {
  maxNorm?: number | null;
  normType?: number;
  /** not implemented for bags: only false */
  scaleGradByFreq?: boolean;
  /** 'sum', 'mean' (default) or 'max' */
  mode?: EmbeddingBagMode;
  /** only false (dense gradients) is implemented */
  sparse?: boolean;
  /** weights of input's entries (its shape), for mode 'sum' */
  perSampleWeights?: Tensor | null;
  /** offsets has one more entry: the end of the last bag */
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}
export type EmbeddingBagMode = 'sum' | 'mean' | 'max';

function notImplemented(what: string): never {
  throw new TorchletError(`torchlet: ${what} is not implemented`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}
function checkWeight(weight: unknown): Tensor {
  const w = checkTensor('weight', weight);
  if (w.ndim !== 2) shapeError('weight', 'a 2-D tensor [numEmbeddings, embeddingDim]', w);
  if (!isFloating(w.dtype)) dtypeError('weight', 'a floating-point tensor', w);
  return w;
}
/** An int64 or int32 tensor on weight's device, as int64. */
function intTensor(name: string, t: unknown, weight: Tensor): Tensor {
  const x = checkTensor(name, t);
  if (x.dtype !== 'int64' && x.dtype !== 'int32') dtypeError(name, 'an int64 or int32 tensor of indices', x);
  if (x.device !== weight.device) deviceMismatch(name, `a tensor on ${weight.device} (the device of weight)`, x.device);
  return x.dtype === 'int64' ? x : cast(x, 'int64');
}
/** paddingIdx made non-negative (null when absent), as PyTorch's modules and functions do. */
export function checkPaddingIdx(p: unknown, num: number): number | null {
  if (p === undefined || p === null) return null;
  if (typeof p !== 'number' || !Number.isInteger(p)) typeArg('paddingIdx', 'an integer or null', p);
  if (p >= num || p < -num) invalidArg('paddingIdx', `an index in [${-num}, ${num - 1}] (within numEmbeddings)`, p);
  return p < 0 ? p + num : p;
}
/** maxNorm (null or a number >= 0) and normType (a number, 2 by default). */
export function checkMaxNorm(maxNorm: unknown, normType: unknown): { maxNorm: number | null; normType: number } {
  if (maxNorm !== undefined && maxNorm !== null && (typeof maxNorm !== 'number' || !(maxNorm >= 0)))
    typeArg('maxNorm', 'null or a number >= 0', maxNorm);
  if (normType !== undefined && (typeof normType !== 'number' || Number.isNaN(normType))) typeArg('normType', 'a number', normType);
  return { maxNorm: (maxNorm as number | null | undefined) ?? null, normType: (normType as number | undefined) ?? 2 };
}
function flag(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v;
}
const int64 = (vals: number[], device: Tensor['device']): Tensor =>
  fromBuffer(BigInt64Array.from(vals, (v) => BigInt(v)), [vals.length]).to(device);
const hostInts = (t: Tensor): number[] => Array.from(t.toArray() as BigInt64Array, Number);

/**
 * torch.embedding_renorm_: each distinct row of weight that idx (int64, 1-D) names whose
 * normType-norm exceeds maxNorm is scaled in place by maxNorm / (norm + 1e-7). Not recorded by
 * autograd (PyTorch runs it under no_grad); weight's version is bumped.
 */
export function embeddingRenorm_(weight: Tensor, idx: Tensor, maxNorm: number, normType: number): void {
  if (idx.numel() === 0) return;
  noGrad(() => {
    const uniq = [...new Set(hostInts(idx))].sort((a, b) => a - b);
    const u = int64(uniq, weight.device);
    const shape = [uniq.length, weight.shape[1]];
    const rows = rawGather(weight, 0, u, shape, lineStrides(u, 0, 2));
    const n = norm(rows, normType, 1, true);
    const scale = where(compare('gt', n, maxNorm), rdiv(maxNorm, add(n, 1e-7)), 1);
    const scaled = mul(rows, scale);
    rawScatter(weight, 0, u, lineStrides(u, 0, 2), shape, scaled, 'assign');
    weight._storage.version++;
    [u, rows, n, scale, scaled].forEach((t) => t.dispose());
  });
}

/**
 * The rows of weight [numEmbeddings, embeddingDim] named by input (int64/int32 indices, any shape):
 * [...input.shape, embeddingDim], as PyTorch's F.embedding(input, weight, padding_idx, max_norm,
 * norm_type, scale_grad_by_freq, sparse).
 */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('embedding', 'input, weight, { paddingIdx, maxNorm, normType, scaleGradByFreq, sparse }', rest);
  const o = checkOptionKeys('opts', opts, ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse']);
  const w = checkWeight(weight);
  const idx = intTensor('input', input, w);
  const [num, D] = w.shape;
  const pad = checkPaddingIdx(o.paddingIdx, num);
  const { maxNorm, normType } = checkMaxNorm(o.maxNorm, o.normType);
  const byFreq = flag('scaleGradByFreq', o.scaleGradByFreq);
  if (flag('sparse', o.sparse)) notImplemented('embedding with sparse: true (sparse gradients)');
  const flat = idx.contiguous().reshape([-1]);
  checkRange('input', flat, 0, num);
  if (maxNorm !== null) embeddingRenorm_(w, flat, maxNorm, normType);
  return lookup(w, flat, pad, byFreq).view([...idx.shape, D]);
}

/** weight's rows at flat (int64, 1-D, in range) as [M, D], with embedding's gradient. */
function lookup(w: Tensor, flat: Tensor, pad: number | null, byFreq: boolean): Tensor {
  const [num, D] = w.shape;
  const M = flat.numel();
  const out = rawGather(w, 0, flat, [M, D], lineStrides(flat, 0, 2));
  return record(out, [w], 'EmbeddingBackward', (g) => {
    const z = Tensor.empty([num, D], g.dtype, g.device, true);
    let src = g;
    if (byFreq && M > 0) {
      const ids = hostInts(flat);
      const count = new Map<number, number>();
      for (const i of ids) count.set(i, (count.get(i) ?? 0) + 1);
      const s = ids.map((i) => 1 / count.get(i)!);
      const st = fromBuffer(g.dtype === 'float64' ? Float64Array.from(s) : Float32Array.from(s), [M, 1]).to(g.device);
      src = mul(g, st);
      st.dispose();
    }
    rawScatter(z, 0, flat, lineStrides(flat, 0, 2), [M, D], src, 'add');
    if (src !== g) src.dispose();
    if (pad !== null) {
      const p = int64([pad], g.device);
      rawScatter(z, 0, p, lineStrides(p, 0, 2), [1, D], 0, 'assign');
      p.dispose();
    }
    return [z];
  });
}

/**
 * Sums, means or maxima of bags of embeddings, as PyTorch's F.embedding_bag(input, weight, offsets,
 * max_norm, norm_type, scale_grad_by_freq, mode, sparse, per_sample_weights, include_last_offset,
 * padding_idx): input is 2-D [bags, bagSize] (offsets null) or 1-D with offsets (int64/int32, 1-D:
 * where each bag starts; the first must be 0); the result is [bags, embeddingDim].
 */
export function embeddingBag(input: Tensor, weight: Tensor, offsets?: Tensor | null, opts: EmbeddingBagOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('embeddingBag', 'input, weight, offsets, { maxNorm, normType, scaleGradByFreq, mode, sparse, perSampleWeights, includeLastOffset, paddingIdx }', rest);
  const o = checkOptionKeys('opts', opts, ['maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'perSampleWeights', 'includeLastOffset', 'paddingIdx']);
  const w = checkWeight(weight);
  const idx = intTensor('input', input, w);
  const [num, D] = w.shape;
  const mode = o.mode ?? 'mean';
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') invalidArg('mode', "'sum', 'mean' or 'max'", mode);
  const pad = checkPaddingIdx(o.paddingIdx, num);
  const { maxNorm, normType } = checkMaxNorm(o.maxNorm, o.normType);
  const includeLast = flag('includeLastOffset', o.includeLastOffset);
  if (flag('scaleGradByFreq', o.scaleGradByFreq)) notImplemented('embeddingBag with scaleGradByFreq: true');
  if (flag('sparse', o.sparse)) notImplemented('embeddingBag with sparse: true (sparse gradients)');
  const psw = o.perSampleWeights ?? null;
  if (psw !== null) {
    checkTensor('perSampleWeights', psw);
    if (mode !== 'sum') invalidArg('perSampleWeights', `null for mode '${mode}' (PyTorch supports it only for mode 'sum')`, psw);
    if (psw.shape.join() !== idx.shape.join()) shapeError('perSampleWeights', `a tensor of input's shape [${idx.shape.join(', ')}]`, psw);
    if (psw.dtype !== w.dtype) dtypeError('perSampleWeights', `a ${w.dtype} tensor (weight's dtype)`, psw);
    if (psw.device !== w.device) deviceMismatch('perSampleWeights', `a tensor on ${w.device} (the device of weight)`, psw.device);
  }
  // bag boundaries: starts[b] .. starts[b + 1]
  let starts: number[];
  const M = idx.numel();
  if (idx.ndim === 2) {
    if (offsets !== undefined && offsets !== null) invalidArg('offsets', 'null (a 2-D input holds one bag per row)', offsets);
    // PyTorch's offsets for a 2-D input: 0, L, 2L, ... (so includeLastOffset drops the last row)
    const [B, L] = idx.shape;
    starts = Array.from({ length: B }, (_, b) => b * L);
    if (!includeLast) starts.push(M);
    else if (B === 0) shapeError('input', 'at least one bag (includeLastOffset: the last offset is the end)', idx);
  } else if (idx.ndim === 1) {
    if (offsets === undefined || offsets === null) typeArg('offsets', 'a 1-D tensor of bag starts (input is 1-D)', offsets);
    const off = intTensor('offsets', offsets, w);
    if (off.ndim !== 1) shapeError('offsets', 'a 1-D tensor', off);
    starts = hostInts(off);
    if (includeLast) {
      if (starts.length < 1) shapeError('offsets', 'at least one offset (includeLastOffset: the last is the end)', off);
    } else starts.push(M);
    if (starts.length > 1 && starts[0] !== 0) invalidArg('offsets', 'offsets whose first is 0 (the first bag starts at position 0)', `a first offset ${starts[0]}`);
    for (let b = 1; b < starts.length; b++)
      if (starts[b] < starts[b - 1] || starts[b] > M) invalidArg('offsets', `non-decreasing offsets in [0, ${M}]`, `an offset ${starts[b]}`);
  } else return shapeError('input', 'a 1-D tensor of indices (with offsets) or a 2-D tensor [bags, bagSize]', idx);
  const B = starts.length - 1;
  const flat = idx.contiguous().reshape([-1]);
  checkRange('input', flat, 0, num);
  if (maxNorm !== null) embeddingRenorm_(w, flat, maxNorm, normType);

  // the entries that count (all but paddingIdx's), their bags, and each bag's count
  const ids = M ? hostInts(flat) : [];
  const kept: number[] = [];
  const bagOf: number[] = [];
  const counts = new Array<number>(B).fill(0);
  for (let b = 0; b < B; b++)
    for (let m = starts[b]; m < starts[b + 1]; m++)
      if (ids[m] !== pad) {
        kept.push(m);
        bagOf.push(b);
        counts[b]++;
      }
  const keptIdx = int64(kept.map((m) => ids[m]), w.device);
  let rows = lookup(w, keptIdx, pad, false); // [K, D]
  if (mode === 'max' && kept.length > 0) {
    // a dense [B, Lmax] table of row numbers, the empty places pointing at a row of -inf
    const Lmax = Math.max(...counts);
    const dense = new Array<number>(B * Lmax).fill(kept.length);
    const fill = new Array<number>(B).fill(0);
    bagOf.forEach((b, k) => (dense[b * Lmax + fill[b]++] = k));
    const ext = cat([rows, Tensor.empty([1, D], w.dtype, w.device).fill_(-Infinity)], 0);
    const table = int64(dense, w.device);
    const { values } = maxDim(indexSelectRaw(ext, 0, table).view([B, Lmax, D]), 1, false, 'max');
    const empty = counts.map((c) => (c === 0 ? 1 : 0));
    if (!empty.some((e) => e)) return values;
    const mask = cast(fromBuffer(Uint8Array.from(empty), [B, 1]).to(w.device), 'bool');
    return where(mask, 0, values);
  }
  if (psw !== null) {
    const pw = indexSelectRaw(psw.reshape([-1]), 0, int64(kept, w.device)); // [K]
    rows = mul(rows, pw.unsqueeze(1));
  }
  const out = indexAdd(Tensor.empty([B, D], w.dtype, w.device, true), 0, int64(bagOf, w.device), rows);
  if (mode !== 'mean') return out;
  const c = counts.map((n) => Math.max(n, 1));
  const ct = fromBuffer(w.dtype === 'float64' ? Float64Array.from(c) : Float32Array.from(c), [B, 1]).to(w.device);
  return div(out, ct);
}
