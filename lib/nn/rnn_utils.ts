// lib/nn/rnn_utils.ts — `nn.utils.rnn`, as torch.nn.utils.rnn in PyTorch 1.13: padSequence (a list
// of [L_i, *] tensors -> [maxL, B, *], or [B, maxL, *] with batchFirst, padded with paddingValue),
// PackedSequence (data [sum L_i, *] packed time-major: at step t the rows of the sequences longer
// than t, longest first; batchSizes the int64 CPU count of those rows per step; sortedIndices /
// unsortedIndices the int64 permutation from the caller's batch order to the longest-first order and
// back, null when the batch was already sorted), packPaddedSequence (lengths > 0, decreasing unless
// enforceSorted is false: then a stable sort, as PyTorch's), padPackedSequence (-> [padded in the
// caller's order, lengths as an int64 CPU tensor]; totalLength pads further), packSequence.
// nn.LSTM, nn.GRU and nn.RNN take a PackedSequence and return one (lib/nn/rnn.ts). Every function
// is one differentiable gather (indexSelect) or cat/stack: gradients flow to the packed or padded data.
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs, optBool, shapeError, dtypeError, deviceMismatch } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { full, fromBuffer } from '../creation';
import { cat, stack } from '../ops/shape';
import { indexSelect } from '../ops/index';

function int64(values: number[], device?: string): Tensor {
  return fromBuffer(BigInt64Array.from(values.map((v) => BigInt(v))), [values.length], { dtype: 'int64', device });
}
function intsOf(t: Tensor): number[] {
  return Array.from(t.toArray() as ArrayLike<number | bigint>, (v) => Number(v));
}

function checkPaddingValue(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || Number.isNaN(v)) typeArg('opts.paddingValue', 'a number', v);
  return v as number;
}

/** A sequence batch packed time-major (PyTorch's PackedSequence namedtuple: data, batch_sizes, sorted_indices, unsorted_indices). */
export class PackedSequence {
  /** the steps' rows, [sum of the lengths, *] */
  readonly data: Tensor;
  /** int64 CPU [maxLength]: how many sequences are still running at each step (non-increasing) */
  readonly batchSizes: Tensor;
  /** int64 [B]: sorted position -> the caller's batch index (null: the batch was sorted) */
  readonly sortedIndices: Tensor | null;
  /** int64 [B]: the caller's batch index -> sorted position (the inverse of sortedIndices) */
  readonly unsortedIndices: Tensor | null;

  constructor(data: Tensor, batchSizes: Tensor, sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null, ...rest: never[]) {
    noExtraArgs('PackedSequence', 'data, batchSizes, sortedIndices, unsortedIndices', rest);
    checkTensor('data', data);
    checkTensor('batchSizes', batchSizes);
    if (batchSizes.dtype !== 'int64' || batchSizes.ndim !== 1 || batchSizes.device !== 'cpu')
      invalidArg('batchSizes', 'a 1-D int64 CPU tensor', batchSizes);
    const bs = intsOf(batchSizes);
    if (!bs.length || bs.some((b, i) => b < 1 || (i > 0 && b > bs[i - 1])))
      invalidArg('batchSizes', 'a non-empty, non-increasing list of positive counts', bs);
    const total = bs.reduce((a, b) => a + b, 0);
    if (data.ndim < 1 || data.shape[0] !== total) shapeError('data', `a tensor [${total}, *] (the sum of batchSizes rows)`, data);
    const B = bs[0];
    const perm = (name: string, t: Tensor | null | undefined): number[] | null => {
      if (t === null || t === undefined) return null;
      checkTensor(name, t);
      if ((t.dtype !== 'int64' && t.dtype !== 'int32') || t.ndim !== 1 || t.shape[0] !== B) invalidArg(name, `a 1-D integer tensor of ${B} indices, or null`, t);
      const v = intsOf(t);
      const seen = new Set(v);
      if (seen.size !== B || v.some((i) => i < 0 || i >= B)) invalidArg(name, `a permutation of 0..${B - 1}`, v);
      return v;
    };
    const s = perm('sortedIndices', sortedIndices);
    const u = perm('unsortedIndices', unsortedIndices);
    if (u && !s) invalidArg('unsortedIndices', 'null when sortedIndices is null', 'a tensor');
    if (s && u && s.some((orig, pos) => u[orig] !== pos)) invalidArg('unsortedIndices', 'the inverse permutation of sortedIndices', u);
    this.data = data;
    this.batchSizes = batchSizes;
    this.sortedIndices = s ? sortedIndices!.to('int64').to(data.device) : null;
    if (s && !u) {
      const inv = new Array<number>(B);
      s.forEach((orig, pos) => (inv[orig] = pos));
      this.unsortedIndices = int64(inv, data.device);
    } else this.unsortedIndices = u ? unsortedIndices!.to('int64').to(data.device) : null;
  }

  /** The same packing with data moved/cast (Tensor.to's argument); the indices follow data's device, batchSizes stays on the CPU. */
  to(target: string, ...rest: never[]): PackedSequence {
    noExtraArgs('to', 'target', rest);
    const data = this.data.to(target);
    if (data === this.data) return this;
    return new PackedSequence(data, this.batchSizes, this.sortedIndices?.to(data.device) ?? null, this.unsortedIndices?.to(data.device) ?? null);
  }

  cpu(): PackedSequence {
    return this.to('cpu');
  }
  cuda(): PackedSequence {
    return this.to('cuda');
  }
  double(): PackedSequence {
    return this.to('float64');
  }
  float(): PackedSequence {
    return this.to('float32');
  }
  get isCuda(): boolean {
    return this.data.device !== 'cpu';
  }

  /** The batch sizes as numbers (one per step). */
  batchSizeList(): number[] {
    return intsOf(this.batchSizes);
  }

  toString(): string {
    return `PackedSequence(data=[${this.data.shape.join(', ')}] ${this.data.dtype}, batchSizes=[${this.batchSizeList().join(', ')}], ` +
      `sortedIndices=${this.sortedIndices ? `[${intsOf(this.sortedIndices).join(', ')}]` : 'null'}, ` +
      `unsortedIndices=${this.unsortedIndices ? `[${intsOf(this.unsortedIndices).join(', ')}]` : 'null'})`;
  }
}

/** Checks a list of sequences [L_i, *] (same trailing shape, dtype and device); returns it. */
function checkSequences(sequences: unknown): Tensor[] {
  if (!Array.isArray(sequences)) typeArg('sequences', 'an array of tensors [L_i, *]', sequences);
  if (!sequences.length) invalidArg('sequences', 'a non-empty array of tensors', 'an empty array');
  const seqs = sequences.map((s, i) => checkTensor(`sequences[${i}]`, s));
  const first = seqs[0];
  if (first.ndim < 1) shapeError('sequences[0]', 'a tensor [L, *] of at least 1 dimension', first);
  const trailing = first.shape.slice(1).join();
  seqs.forEach((s, i) => {
    if (s.ndim !== first.ndim || s.shape.slice(1).join() !== trailing)
      shapeError(`sequences[${i}]`, `a tensor [L, ${first.shape.slice(1).join(', ')}] (the trailing shape of sequences[0])`, s);
    if (s.dtype !== first.dtype) dtypeError(`sequences[${i}]`, `a ${first.dtype} tensor (the dtype of sequences[0])`, s);
    if (s.device !== first.device) deviceMismatch(`sequences[${i}]`, `a tensor on ${first.device} (the device of sequences[0])`, s.device);
  });
  return seqs;
}

/** PyTorch's pad_sequence: sequences [L_i, *] -> [maxL, B, *] ([B, maxL, *] with batchFirst), padded with paddingValue (default 0). */
export function padSequence(sequences: Tensor[], opts: { batchFirst?: boolean; paddingValue?: number } = {}, ...rest: never[]): Tensor {
  noExtraArgs('padSequence', 'sequences, opts', rest);
  const seqs = checkSequences(sequences);
  opts = checkOptionKeys('opts', opts, ['batchFirst', 'paddingValue']);
  const batchFirst = optBool('opts.batchFirst', opts.batchFirst, false);
  const value = checkPaddingValue(opts.paddingValue);
  const maxL = Math.max(...seqs.map((s) => s.shape[0]));
  const padded = seqs.map((s) => {
    const L = s.shape[0];
    if (L === maxL) return s;
    return cat([s, full([maxL - L, ...s.shape.slice(1)], value, { dtype: s.dtype, device: s.device })], 0);
  });
  return stack(padded, batchFirst ? 0 : 1);
}

/** Lengths as numbers: a number array or a 1-D integer tensor. */
function lengthsOf(lengths: unknown, B: number): number[] {
  let v: number[];
  if (lengths instanceof Tensor) {
    checkTensor('lengths', lengths);
    if ((lengths.dtype !== 'int64' && lengths.dtype !== 'int32') || lengths.ndim !== 1) invalidArg('lengths', 'a 1-D integer tensor or an array of integers', lengths);
    v = intsOf(lengths);
  } else if (Array.isArray(lengths)) {
    lengths.forEach((l, i) => {
      if (typeof l !== 'number' || !Number.isInteger(l)) typeArg(`lengths[${i}]`, 'an integer', l);
    });
    v = (lengths as number[]).slice();
  } else return typeArg('lengths', 'an array of integers or a 1-D integer tensor', lengths);
  if (v.length !== B) invalidArg('lengths', `${B} lengths (one per sequence of the batch)`, v.length);
  if (v.some((l) => l <= 0)) invalidArg('lengths', 'lengths > 0 (every sample has at least one step)', v);
  return v;
}

/** The packing of sorted lengths (non-increasing): batch sizes per step and each step's row offset in data. */
function batchSizesOf(sortedLengths: number[]): number[] {
  const T = sortedLengths[0];
  const out: number[] = [];
  for (let t = 0; t < T; t++) out.push(sortedLengths.filter((l) => l > t).length);
  return out;
}

/**
 * PyTorch's pack_padded_sequence: input [T, B, *] ([B, T, *] with batchFirst), lengths (B integers,
 * each in 1..T; non-increasing unless enforceSorted is false) -> a PackedSequence.
 */
export function packPaddedSequence(input: Tensor, lengths: number[] | Tensor, opts: { batchFirst?: boolean; enforceSorted?: boolean } = {}, ...rest: never[]): PackedSequence {
  noExtraArgs('packPaddedSequence', 'input, lengths, opts', rest);
  checkTensor('input', input);
  opts = checkOptionKeys('opts', opts, ['batchFirst', 'enforceSorted']);
  const batchFirst = optBool('opts.batchFirst', opts.batchFirst, false);
  const enforceSorted = optBool('opts.enforceSorted', opts.enforceSorted, true);
  if (input.ndim < 2) shapeError('input', `a tensor [T, B, *]${batchFirst ? ' ([B, T, *] with batchFirst)' : ''} of at least 2 dimensions`, input);
  const x = batchFirst ? input.transpose(0, 1) : input;
  const [T, B] = x.shape;
  const lens = lengthsOf(lengths, B);
  if (Math.max(...lens) > T) invalidArg('lengths', `lengths <= ${T} (the input's sequence length)`, lens);
  let order: number[] | null = null;
  if (enforceSorted) {
    if (lens.some((l, i) => i > 0 && l > lens[i - 1]))
      invalidArg('lengths', 'lengths sorted in decreasing order when opts.enforceSorted is true (pass enforceSorted: false to sort them)', lens);
  } else order = lens.map((_l, i) => i).sort((a, b) => lens[b] - lens[a] || a - b); // stable, longest first
  const sorted = order ? order.map((i) => lens[i]) : lens;
  const bs = batchSizesOf(sorted);
  // one gather from the [T*B, *] rows: step t, sorted position p -> row t*B + (original batch index)
  const rows: number[] = [];
  bs.forEach((n, t) => {
    for (let p = 0; p < n; p++) rows.push(t * B + (order ? order[p] : p));
  });
  const flat = x.reshape([T * B, ...x.shape.slice(2)]);
  const data = indexSelect(flat, 0, int64(rows, input.device));
  return new PackedSequence(data, int64(bs), order ? int64(order, input.device) : null);
}

/**
 * PyTorch's pad_packed_sequence: a PackedSequence -> [padded [T, B, *] ([B, T, *] with batchFirst) in
 * the caller's batch order, lengths (int64 CPU [B])]; T the longest length, or totalLength (>= it).
 */
export function padPackedSequence(sequence: PackedSequence, opts: { batchFirst?: boolean; paddingValue?: number; totalLength?: number | null } = {}, ...rest: never[]): [Tensor, Tensor] {
  noExtraArgs('padPackedSequence', 'sequence, opts', rest);
  if (!(sequence instanceof PackedSequence)) typeArg('sequence', 'an nn.utils.rnn.PackedSequence', sequence);
  opts = checkOptionKeys('opts', opts, ['batchFirst', 'paddingValue', 'totalLength']);
  const batchFirst = optBool('opts.batchFirst', opts.batchFirst, false);
  const value = checkPaddingValue(opts.paddingValue);
  const bs = sequence.batchSizeList();
  const maxL = bs.length;
  let T = maxL;
  if (opts.totalLength !== undefined && opts.totalLength !== null) {
    const tl = opts.totalLength;
    if (typeof tl !== 'number' || !Number.isInteger(tl)) typeArg('opts.totalLength', 'an integer or null', tl);
    if (tl < maxL) invalidArg('opts.totalLength', `at least the length of the longest sequence (${maxL})`, tl);
    T = tl;
  }
  const B = bs[0];
  const data = sequence.data;
  const total = data.shape[0];
  const unsorted = sequence.unsortedIndices ? intsOf(sequence.unsortedIndices) : null;
  const offsets: number[] = [];
  bs.reduce((o, n) => (offsets.push(o), o + n), 0);
  // the caller's batch index b, step t -> data row offsets[t] + sorted position of b, or the padding row (index total)
  const rows: number[] = [];
  const at = (t: number, b: number): number => {
    const p = unsorted ? unsorted[b] : b;
    return t < maxL && p < bs[t] ? offsets[t] + p : total;
  };
  for (let i = 0; i < T * B; i++) rows.push(batchFirst ? at(i % T, Math.floor(i / T)) : at(Math.floor(i / B), i % B));
  const src = cat([data, full([1, ...data.shape.slice(1)], value, { dtype: data.dtype, device: data.device })], 0);
  const padded = indexSelect(src, 0, int64(rows, data.device)).reshape(batchFirst ? [B, T, ...data.shape.slice(1)] : [T, B, ...data.shape.slice(1)]);
  const lens = new Array<number>(B).fill(0);
  for (const n of bs) for (let p = 0; p < n; p++) lens[p]++;
  const lengths = unsorted ? unsorted.map((p) => lens[p]) : lens;
  return [padded, int64(lengths)];
}

/** PyTorch's pack_sequence: sequences [L_i, *] (non-increasing lengths unless enforceSorted is false) -> a PackedSequence. */
export function packSequence(sequences: Tensor[], opts: { enforceSorted?: boolean } = {}, ...rest: never[]): PackedSequence {
  noExtraArgs('packSequence', 'sequences, opts', rest);
  const seqs = checkSequences(sequences);
  opts = checkOptionKeys('opts', opts, ['enforceSorted']);
  const enforceSorted = optBool('opts.enforceSorted', opts.enforceSorted, true);
  return packPaddedSequence(padSequence(seqs), seqs.map((s) => s.shape[0]), { enforceSorted });
}
