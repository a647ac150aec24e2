// lib/ops/stats.ts — statistics PyTorch 1.13 scripts call: median / nanmedian (all elements, or
// values and indices along a dim), mode, quantile / nanquantile (five interpolations), nanmean,
// nansum, countNonzero, stdMean / varMean, logcumsumexp, diff, cdist, histc, bincount, searchsorted,
// bucketize and aminmax. Contract: PyTorch 1.13's semantics (dim / keepdim, NaN handling, dtypes,
// and the index PyTorch's CPU kernels report among ties: median's nth_element order, mode's
// std::sort order, replayed on the host for lines longer than 16), composed of the differentiable
// ops of elementwise / reduce / sort / scan / index / shape, so gradients follow (PyTorch's where it
// has a formula of its own: median of all elements splits the gradient among the ties, cdist with
// p = inf gives each tied coordinate the whole of it). Not differentiable, as in PyTorch: histc,
// bincount, searchsorted, bucketize, countNonzero and the indices. Bad arguments are coded errors
// naming the argument.
import { Tensor, DType, normDim, checkTensor, isFloating } from '../tensor';
import { invalidArg, typeArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, checkInt, optBool } from '../errors';
import { noGrad } from '../autograd';
import { full, zeros, arange, fromBuffer } from '../creation';
import * as E from './elementwise';
import * as R from './reduce';
import { sort } from './sort';
import { cummax } from './scan';
import { gather, where, scatterAdd, maskedSelect } from './index';
import { cat, movedim, narrow, reshape, squeeze, unsqueeze, expand } from './shape';
import { ValuesIndices } from './values_indices';
import { defaultFloat } from '../default_dtype';

type Keepdim = boolean | { keepdim?: boolean };

function keepdimOf(k: unknown, name = 'keepdim'): boolean {
  if (k === undefined || k === null) return false;
  if (typeof k === 'boolean') return k;
  if (typeof k !== 'object') typeArg(name, 'a boolean or {keepdim}', k);
  const o = checkOptionKeys('opts', k as { keepdim?: boolean }, ['keepdim']);
  return optBool('opts.keepdim', o.keepdim ?? undefined, false);
}
function boolArg(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v as boolean;
}
function dimArg(name: string, dim: unknown, ndim: number): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) typeArg(name, 'an integer dimension', dim);
  return normDim(dim as number, Math.max(ndim, 1), name);
}
/** dims (a number, an array, or null/undefined for all) as sorted distinct dims; [] means all. */
function dimsArg(name: string, t: Tensor, dim: unknown): number[] {
  if (dim === undefined || dim === null) return t.shape.map((_, i) => i);
  const arr = typeof dim === 'number' ? [dim] : dim;
  if (!Array.isArray(arr) || !arr.every((d) => typeof d === 'number' && Number.isInteger(d))) typeArg(name, 'an integer or an array of integers', dim);
  if ((arr as number[]).length === 0) return t.shape.map((_, i) => i);
  const ds = (arr as number[]).map((d) => normDim(d, Math.max(t.ndim, 1), name));
  if (new Set(ds).size !== ds.length) invalidArg(name, 'distinct dimensions', dim);
  return ds.filter((d) => d < t.ndim).sort((a, b) => a - b);
}
function arangeOn(n: number, like: Tensor): Tensor {
  return arange(0, n, 1, { dtype: 'int64', device: like.device });
}
function floatInput(fn: string, x: Tensor): void {
  if (!isFloating(x.dtype)) dtypeError('input', `a float32 or float64 tensor (${fn} is defined for floating point only, as in PyTorch)`, x);
}

// ---- median / nanmedian -------------------------------------------------------------------------
/**
 * The k-th (0-based) position of each line along the last dim of `sorted` that median picks: the
 * lower middle, or for median the first NaN when the line has one; for nanmedian the lower middle of
 * the non-NaN values (0 when all are NaN), as PyTorch's CPU kernel (its nth_element orders ties by
 * index, as the stable sort here does).
 */
function medianPos(x: Tensor, n: number, ignoreNan: boolean): Tensor {
  const nanCount = R.sum(E.isnan(x), -1, true); // int64
  if (!ignoreNan) return where(E.gt(nanCount, 0), E.rsub(n, nanCount), Math.floor((n - 1) / 2));
  const m = E.rsub(n, nanCount);
  const half = E.cast(E.floor(E.div(E.sub(m, 1), 2)), 'int64');
  return where(E.gt(m, 0), half, 0);
}
/**
 * The index libstdc++'s std::nth_element(first, first, last) leaves at the front of [0, n) when no
 * two elements compare (every comparison false, as NaN's): its introselect partitions, replayed.
 */
function nthOfEquivalent(n: number): number {
  const a = Array.from({ length: n }, (_, k) => k);
  const first = 0;
  let last = n;
  while (last - first > 3) {
    const mid = first + Math.floor((last - first) / 2);
    [a[first], a[mid]] = [a[mid], a[first]];
    let lo = first + 1;
    let hi = last;
    for (;;) {
      hi--;
      if (!(lo < hi)) break;
      [a[lo], a[hi]] = [a[hi], a[lo]];
      lo++;
    }
    last = lo;
  }
  return a[0];
}
function medianDim(fn: string, x: Tensor, dim: number, keepdim: boolean, ignoreNan: boolean): ValuesIndices {
  const d = dimArg('dim', dim, x.ndim);
  if (x.ndim === 0) {
    const v = E.clone(x);
    return new ValuesIndices(v, zeros([], { dtype: 'int64', device: x.device }));
  }
  const n = x.shape[d];
  if (n === 0) invalidArg('input', `a tensor with a non-empty dimension ${d} (${fn} of an empty set is undefined)`, x);
  const xt = movedim(x, d, -1);
  const s = noGrad(() => sort(xt, -1));
  const k = noGrad(() => medianPos(xt, n, ignoreNan));
  let i = gather(s.indices, -1, k);
  if (ignoreNan) {
    // an all-NaN line: the index std::nth_element leaves at the front when nothing compares (PyTorch CPU)
    const allNan = noGrad(() => R.all(E.isnan(xt), -1, true));
    i = where(allNan, nthOfEquivalent(n), i);
  }
  // the values taken from input at the indices: the gradient goes to them (PyTorch's value_selecting_reduction_backward)
  let v = gather(xt, -1, i);
  v = movedim(v, -1, d);
  i = movedim(i, -1, d);
  if (!keepdim) {
    v = squeeze(v, d);
    i = squeeze(i, d);
  }
  return new ValuesIndices(E.clone(v), E.clone(i));
}
/** median / nanmedian of all elements: the gradient is split evenly among the elements equal to it (NaN: among the NaNs), as PyTorch. */
function medianAll(fn: string, x: Tensor, ignoreNan: boolean): Tensor {
  const n = x.numel();
  // PyTorch: NaN for an empty floating tensor (connected to x, whose gradient is empty); its integer
  // result is not a value (the type's minimum), so that stays refused
  if (n === 0 && isFloating(x.dtype)) return E.add(R.sum(x), NaN);
  if (n === 0) invalidArg('input', `a non-empty floating-point tensor (${fn} of an empty integer tensor is undefined)`, x);
  const out = noGrad(() => {
    const flat = reshape(x, [n]);
    const s = sort(flat, 0).values;
    const k = medianPos(unsqueeze(flat, 0), n, ignoreNan).reshape([1]);
    return reshape(gather(s, 0, k), []);
  });
  // the gradient split evenly among the elements equal to the median (NaN: among the NaNs), as
  // PyTorch's evenly_distribute_backward; the forward value stays exactly `out` (+ a sum of zeros)
  if (!isFloating(x.dtype)) return out;
  const mask = noGrad(() => E.logicalOr(E.eq(x, out), E.logicalAnd(E.isnan(x), E.isnan(out))));
  const count = noGrad(() => E.cast(R.sum(mask), x.dtype));
  return E.add(out, E.div(R.sum(where(mask, E.sub(x, out), 0)), count));
}
/**
 * torch.median: the lower median of all elements (NaN if there is one), or along dim its values
 * and indices (`const [values, indices] = torch.median(x, 1)`); keepdim keeps dim as size 1.
 */
export function median(input: Tensor): Tensor;
export function median(input: Tensor, dim: number, keepdim?: Keepdim): ValuesIndices;
export function median(input: Tensor, dim?: number | null, keepdim?: Keepdim, ...rest: never[]): Tensor | ValuesIndices;
export function median(input: Tensor, dim?: number | null, keepdim: Keepdim = false, ...rest: never[]): Tensor | ValuesIndices {
  noExtraArgs('median', 'input, dim, keepdim', rest);
  checkTensor('input', input);
  if (dim === undefined || dim === null) return medianAll('median', input, false);
  return medianDim('median', input, dim, keepdimOf(keepdim), false);
}
/** torch.nanmedian: median ignoring NaN (NaN only where every value is NaN). */
export function nanmedian(input: Tensor): Tensor;
export function nanmedian(input: Tensor, dim: number, keepdim?: Keepdim): ValuesIndices;
export function nanmedian(input: Tensor, dim?: number | null, keepdim?: Keepdim, ...rest: never[]): Tensor | ValuesIndices;
export function nanmedian(input: Tensor, dim?: number | null, keepdim: Keepdim = false, ...rest: never[]): Tensor | ValuesIndices {
  noExtraArgs('nanmedian', 'input, dim, keepdim', rest);
  checkTensor('input', input);
  if (dim === undefined || dim === null) return medianAll('nanmedian', input, true);
  return medianDim('nanmedian', input, dim, keepdimOf(keepdim), true);
}

// ---- mode ---------------------------------------------------------------------------------------
/**
 * torch.mode: the most frequent value along dim (default -1) and an index of it; among equally
 * frequent values the smallest, and its last occurrence as the index (PyTorch's CPU kernel).
 */
export function mode(input: Tensor, dim = -1, keepdim: Keepdim = false, ...rest: never[]): ValuesIndices {
  noExtraArgs('mode', 'input, dim, keepdim', rest);
  checkTensor('input', input);
  const d = dimArg('dim', dim, input.ndim);
  const kd = keepdimOf(keepdim);
  if (input.ndim === 0) return new ValuesIndices(E.clone(input), zeros([], { dtype: 'int64', device: input.device }));
  const n = input.shape[d];
  if (n === 0) invalidArg('input', `a tensor with a non-empty dimension ${d} (the mode of an empty set is undefined)`, input);
  const xt = movedim(input, d, -1);
  if (n > 16) {
    // PyTorch's CPU kernel sorts (value, index) pairs with std::sort, unstable above 16 elements:
    // its order (so the index it reports) is replayed on the host
    const ik = noGrad(() => modeOnHost(xt, n));
    let v = movedim(gather(xt, -1, ik), -1, d);
    let i = movedim(ik, -1, d);
    if (!kd) {
      v = squeeze(v, d);
      i = squeeze(i, d);
    }
    return new ValuesIndices(E.clone(v), E.clone(i));
  }
  const s = noGrad(() => sort(xt, -1));
  const k = noGrad(() => {
    const sv = s.values;
    const lead = sv.shape.slice(0, -1);
    const first = full([...lead, 1], 1, { dtype: 'bool', device: input.device });
    const starts = n > 1 ? cat([first, E.ne(narrow(sv, -1, 1, n - 1), narrow(sv, -1, 0, n - 1))], -1) : first;
    const pos = expand(arangeOn(n, input), sv.shape);
    const start = cummax(where(starts, pos, 0), -1).values;
    const run = E.add(E.sub(pos, start), 1);
    return R.argmax(run, -1, true, 'argmax');
  });
  const ik = gather(s.indices, -1, k);
  let v = movedim(gather(xt, -1, ik), -1, d);
  let i = movedim(ik, -1, d);
  if (!kd) {
    v = squeeze(v, d);
    i = squeeze(i, d);
  }
  return new ValuesIndices(E.clone(v), E.clone(i));
}

/** The mode's index of each line of x (last dim n), as PyTorch 1.13's CPU kernel: [..., 1] int64 on x's device. */
function modeOnHost(x: Tensor, n: number): Tensor {
  const c = x.contiguous();
  const raw = c.toArray();
  const vals: ArrayLike<number> = raw instanceof BigInt64Array ? Array.from(raw, Number) : (raw as ArrayLike<number>);
  const lines = n ? vals.length / n : 0;
  const out = new BigInt64Array(lines);
  const v = new Float64Array(n);
  const idx = new Int32Array(n);
  for (let l = 0; l < lines; l++) {
    for (let k = 0; k < n; k++) {
      v[k] = vals[l * n + k];
      idx[k] = k;
    }
    stdSort(v, idx, n);
    let maxFreq = 0;
    let freq = 0;
    let modei = 0;
    for (let k = 0; k < n; k++) {
      freq++;
      if (k === n - 1 || v[k] !== v[k + 1]) {
        if (freq > maxFreq) {
          modei = idx[k];
          maxFreq = freq;
        }
        freq = 0;
      }
    }
    out[l] = BigInt(modei);
  }
  return fromBuffer(out, [...x.shape.slice(0, -1), 1], { device: x.device });
}
/**
 * libstdc++'s std::sort of (v[k], idx[k]) pairs by v alone (introsort: median-of-three quicksort down
 * to 16 elements, heapsort past 2 log2(n) levels, then insertion sort), replayed exactly.
 */
function stdSort(v: Float64Array, idx: Int32Array, n: number): void {
  const lt = (a: number, b: number) => v[a] < v[b];
  const swap = (a: number, b: number) => {
    const tv = v[a];
    v[a] = v[b];
    v[b] = tv;
    const ti = idx[a];
    idx[a] = idx[b];
    idx[b] = ti;
  };
  const ltVal = (a: number, val: number) => v[a] < val;
  const adjustHeap = (first: number, hole: number, len: number, val: number, vi: number) => {
    const top = hole;
    let child = hole;
    while (child < Math.floor((len - 1) / 2)) {
      child = 2 * (child + 1);
      if (lt(first + child, first + child - 1)) child--;
      v[first + hole] = v[first + child];
      idx[first + hole] = idx[first + child];
      hole = child;
    }
    if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
      child = 2 * (child + 1);
      v[first + hole] = v[first + child - 1];
      idx[first + hole] = idx[first + child - 1];
      hole = child - 1;
    }
    let parent = Math.floor((hole - 1) / 2);
    while (hole > top && ltVal(first + parent, val)) {
      v[first + hole] = v[first + parent];
      idx[first + hole] = idx[first + parent];
      hole = parent;
      parent = Math.floor((hole - 1) / 2);
    }
    v[first + hole] = val;
    idx[first + hole] = vi;
  };
  const heapSort = (first: number, last: number) => {
    const len = last - first;
    if (len >= 2)
      for (let parent = Math.floor((len - 2) / 2); ; parent--) {
        adjustHeap(first, parent, len, v[first + parent], idx[first + parent]);
        if (parent === 0) break;
      }
    while (last - first > 1) {
      last--;
      const val = v[last];
      const vi = idx[last];
      v[last] = v[first];
      idx[last] = idx[first];
      adjustHeap(first, 0, last - first, val, vi);
    }
  };
  const moveMedianToFirst = (result: number, a: number, b: number, c: number) => {
    if (lt(a, b)) {
      if (lt(b, c)) swap(result, b);
      else if (lt(a, c)) swap(result, c);
      else swap(result, a);
    } else if (lt(a, c)) swap(result, a);
    else if (lt(b, c)) swap(result, c);
    else swap(result, b);
  };
  const partition = (first: number, last: number, pivot: number): number => {
    for (;;) {
      while (lt(first, pivot)) first++;
      last--;
      while (lt(pivot, last)) last--;
      if (!(first < last)) return first;
      swap(first, last);
      first++;
    }
  };
  const introsort = (first: number, last: number, depth: number): void => {
    while (last - first > 16) {
      if (depth === 0) {
        heapSort(first, last);
        return;
      }
      depth--;
      const mid = first + Math.floor((last - first) / 2);
      moveMedianToFirst(first, first + 1, mid, last - 1);
      const cut = partition(first + 1, last, first);
      introsort(cut, last, depth);
      last = cut;
    }
  };
  const linearInsert = (last: number) => {
    const val = v[last];
    const vi = idx[last];
    let next = last - 1;
    while (val < v[next]) {
      v[last] = v[next];
      idx[last] = idx[next];
      last = next;
      next--;
    }
    v[last] = val;
    idx[last] = vi;
  };
  const insertionSort = (first: number, last: number) => {
    if (first === last) return;
    for (let i = first + 1; i < last; i++) {
      if (lt(i, first)) {
        const val = v[i];
        const vi = idx[i];
        for (let k = i; k > first; k--) {
          v[k] = v[k - 1];
          idx[k] = idx[k - 1];
        }
        v[first] = val;
        idx[first] = vi;
      } else linearInsert(i);
    }
  };
  if (n < 2) return;
  introsort(0, n, 2 * Math.floor(Math.log2(n)));
  if (n > 16) {
    insertionSort(0, 16);
    for (let i = 16; i < n; i++) linearInsert(i);
  } else insertionSort(0, n);
}

// ---- quantile / nanquantile ---------------------------------------------------------------------
export type QuantileInterpolation = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';
export interface QuantileOptions {
  /** the dimension to reduce (default: all elements, flattened) */
  dim?: number | null;
  keepdim?: boolean;
  /** how a quantile between two data points is computed (default 'linear') */
  interpolation?: QuantileInterpolation;
}
const INTERPOLATIONS = ['linear', 'lower', 'higher', 'midpoint', 'nearest'];
function quantileImpl(fn: string, input: Tensor, q: Tensor | number, dimOrOpts: number | null | QuantileOptions | undefined, opts: QuantileOptions | undefined, ignoreNan: boolean): Tensor {
  checkTensor('input', input);
  let o: QuantileOptions;
  let dim: number | null | undefined;
  if (typeof dimOrOpts === 'number' || dimOrOpts === null || dimOrOpts === undefined) {
    dim = dimOrOpts;
    o = checkOptionKeys('opts', opts, ['keepdim', 'interpolation']);
  } else {
    if (opts !== undefined) invalidArg(`${fn}()`, 'at most the arguments (input, q, dim?, { keepdim, interpolation })', 'options after options');
    o = checkOptionKeys('opts', dimOrOpts, ['dim', 'keepdim', 'interpolation']);
    dim = o.dim;
  }
  const keepdim = optBool('opts.keepdim', o.keepdim ?? undefined, false);
  const interp = o.interpolation ?? 'linear';
  if (!INTERPOLATIONS.includes(interp as string)) invalidArg('opts.interpolation', "'linear', 'lower', 'higher', 'midpoint' or 'nearest'", interp);
  if (!isFloating(input.dtype)) dtypeError('input', `a float32 or float64 tensor (${fn}() input tensor must be either float or double dtype)`, input);
  if (input.numel() === 0) invalidArg('input', `a non-empty tensor (${fn}() input tensor must be non-empty)`, input);
  let qt: Tensor;
  let scalarQ: boolean;
  if (typeof q === 'number') {
    if (Number.isNaN(q) || q < 0 || q > 1) invalidArg('q', 'a number in [0, 1]', q);
    qt = full([1], q, { dtype: input.dtype, device: input.device });
    scalarQ = true;
  } else {
    if (!(q instanceof Tensor)) typeArg('q', 'a number in [0, 1] or a 0-d or 1-d tensor', q);
    checkTensor('q', q);
    if (q.ndim > 1) shapeError('q', 'a scalar or a 1-d tensor', q);
    if (q.dtype !== input.dtype) dtypeError('q', `a ${input.dtype} tensor (the same dtype as input)`, q);
    if (q.device !== input.device) invalidArg('q', `a tensor on ${input.device} (input's device)`, q.device);
    const bad = noGrad(() => R.any(E.logicalOr(E.logicalOr(E.lt(q, 0), E.gt(q, 1)), E.isnan(q))).item());
    if (bad) invalidArg('q', 'values in [0, 1]', q);
    scalarQ = q.ndim === 0;
    qt = noGrad(() => reshape(q, [q.numel()]));
  }
  // the reduced dim last: [..., n]
  let d: number | null = null;
  let xt: Tensor;
  if (dim === undefined || dim === null) xt = reshape(input, [input.numel()]);
  else {
    d = dimArg('dim', dim, input.ndim);
    if (input.ndim === 0) xt = reshape(input, [1]);
    else {
      if (input.shape[d] === 0) invalidArg('input', `a tensor with a non-empty dimension ${d}`, input);
      xt = movedim(input, d, -1);
    }
  }
  const n = xt.shape[xt.ndim - 1];
  const Q = qt.numel();
  const sorted = sort(xt, -1).values;
  const lead = xt.shape.slice(0, -1);
  const idxShape = [...lead, Q];
  const { below, above, weights } = noGrad(() => {
    let ranks: Tensor;
    if (ignoreNan) {
      const cnt = R.sum(E.logicalNot(E.isnan(sorted)), -1, true); // int64 [..., 1]
      ranks = E.mul(qt, E.cast(E.sub(cnt, 1), input.dtype));
      ranks = where(E.lt(ranks, 0), 0, ranks);
    } else {
      const anyNan = R.any(E.isnan(sorted), -1, true);
      ranks = where(anyNan, n - 1, E.mul(qt, n - 1));
    }
    ranks = expand(ranks, idxShape);
    if (interp === 'lower') ranks = E.floor(ranks);
    else if (interp === 'higher') ranks = E.ceil(ranks);
    else if (interp === 'nearest') ranks = E.round(ranks);
    const lo = E.cast(ranks, 'int64');
    const hi = E.cast(E.ceil(ranks), 'int64');
    const w = interp === 'midpoint' ? full([], 0.5, { dtype: input.dtype, device: input.device }) : E.sub(ranks, E.cast(lo, input.dtype));
    return { below: lo.contiguous(), above: hi.contiguous(), weights: w };
  });
  let out = gather(sorted, -1, below);
  if (interp === 'linear' || interp === 'midpoint') out = E.lerp(out, gather(sorted, -1, above), weights);
  // [..., Q] -> [Q, ...]
  out = movedim(out, -1, 0);
  if (keepdim) {
    if (d === null) out = reshape(out, [Q, ...input.shape.map(() => 1)]);
    else if (input.ndim > 0) out = unsqueeze(out, d + 1);
  }
  if (scalarQ) out = squeeze(out, 0);
  return E.clone(out);
}
/**
 * torch.quantile: the q-th quantiles (q a number or a 0-d / 1-d tensor of input's dtype, in [0, 1])
 * of all elements or along dim; a 1-d q puts its dimension first. NaN where a reduced line has NaN.
 * `quantile(x, q, dim?, {keepdim, interpolation})` or `quantile(x, q, {dim, keepdim, interpolation})`.
 */
export function quantile(input: Tensor, q: Tensor | number, dimOrOpts?: number | null | QuantileOptions, opts?: QuantileOptions, ...rest: never[]): Tensor {
  noExtraArgs('quantile', 'input, q, dim, { keepdim, interpolation }', rest);
  return quantileImpl('quantile', input, q, dimOrOpts, opts, false);
}
/** torch.nanquantile: quantile ignoring NaN (NaN only where a reduced line is all NaN). */
export function nanquantile(input: Tensor, q: Tensor | number, dimOrOpts?: number | null | QuantileOptions, opts?: QuantileOptions, ...rest: never[]): Tensor {
  noExtraArgs('nanquantile', 'input, q, dim, { keepdim, interpolation }', rest);
  return quantileImpl('nanquantile', input, q, dimOrOpts, opts, true);
}

// ---- nansum / nanmean / countNonzero ------------------------------------------------------------
/** NaN as 0 (infinities kept); the gradient is g * !isnan(x) (NaN where g is not finite), as PyTorch's nansum. */
function nanToZero(x: Tensor): Tensor {
  if (!isFloating(x.dtype)) return x;
  return where(noGrad(() => E.isinf(x)), x, E.nanToNum(x, { nan: 0, posinf: Infinity, neginf: -Infinity }));
}
/** torch.nansum: the sum over dims (all by default) with NaN counted as 0; integers sum in int64. */
export function nansum(input: Tensor, dim?: number | number[] | null, keepdim: Keepdim = false, ...rest: never[]): Tensor {
  noExtraArgs('nansum', 'input, dim, keepdim', rest);
  checkTensor('input', input);
  const kd = keepdimOf(keepdim);
  const dims = dimsArg('dim', input, dim);
  return R.sum(nanToZero(input), dims, kd);
}
/** torch.nanmean: the mean of the non-NaN values over dims (all by default); NaN where there are none. Floating point only. */
export function nanmean(input: Tensor, dim?: number | number[] | null, keepdim: Keepdim = false, ...rest: never[]): Tensor {
  noExtraArgs('nanmean', 'input, dim, keepdim', rest);
  checkTensor('input', input);
  const kd = keepdimOf(keepdim);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor (nanmean(): expected input to have floating point dtype)', input);
  const dims = dimsArg('dim', input, dim);
  const cnt = noGrad(() => E.cast(R.sum(E.logicalNot(E.isnan(input)), dims, kd), input.dtype));
  return E.div(R.sum(nanToZero(input), dims, kd), cnt);
}
/** torch.countNonzero: how many elements are non-zero over dims (all by default): int64. */
export function countNonzero(input: Tensor, dim?: number | number[] | null, ...rest: never[]): Tensor {
  noExtraArgs('countNonzero', 'input, dim', rest);
  checkTensor('input', input);
  const dims = dimsArg('dim', input, dim);
  return noGrad(() => R.sum(E.ne(input, 0), dims, false));
}

// ---- stdMean / varMean --------------------------------------------------------------------------
/**
 * torch.std_mean / torch.var_mean: [std, mean] (or [var, mean]) over dims (all by default),
 * `{correction=1 (or unbiased), keepdim}` as x.std.
 */
export function stdMean(input: Tensor, dim?: number | number[] | null | boolean, opts?: R.VarOptions | boolean, ...rest: never[]): [Tensor, Tensor] {
  noExtraArgs('stdMean', 'input, dim, { correction, unbiased, keepdim }', rest);
  return varMeanImpl('std', input, dim, opts);
}
export function varMean(input: Tensor, dim?: number | number[] | null | boolean, opts?: R.VarOptions | boolean, ...rest: never[]): [Tensor, Tensor] {
  noExtraArgs('varMean', 'input, dim, { correction, unbiased, keepdim }', rest);
  return varMeanImpl('var', input, dim, opts);
}
function varMeanImpl(which: 'std' | 'var', input: Tensor, dim: unknown, opts: R.VarOptions | boolean | undefined): [Tensor, Tensor] {
  checkTensor('input', input);
  const s = R.varStd(which, input, dim as number | number[] | null | boolean | undefined, opts ?? {});
  const keepdim = typeof opts === 'object' && opts !== null ? !!opts.keepdim : false;
  const d = typeof dim === 'boolean' ? undefined : (dim as number | number[] | null | undefined);
  const dims = Array.isArray(d) && d.length === 0 ? null : d;
  return [s, R.mean(input, dims, keepdim)];
}

// ---- logcumsumexp / diff ------------------------------------------------------------------------
/** log(exp(a) + exp(b)), exact where both are the same infinity (and without NaN gradients there). */
function logAddExp(a: Tensor, b: Tensor): Tensor {
  const mx = E.maximum(a, b);
  const mn = E.minimum(a, b);
  const same = noGrad(() => E.logicalAnd(E.eq(mn, mx), E.logicalNot(E.isfinite(mn))));
  const dlt = where(same, 0, E.sub(mn, mx));
  return where(same, a, E.add(mx, E.log1p(E.exp(dlt))));
}
/** torch.logcumsumexp: log(cumsum(exp(x))) along dim, computed stably (a running log-add-exp). Floating point only. */
export function logcumsumexp(input: Tensor, dim: number, ...rest: never[]): Tensor {
  noExtraArgs('logcumsumexp', 'input, dim', rest);
  checkTensor('input', input);
  const d = dimArg('dim', dim, input.ndim);
  floatInput('logcumsumexp', input);
  if (input.ndim === 0 || input.shape[d] <= 1) return E.clone(input);
  const n = input.shape[d];
  const outs: Tensor[] = [];
  let acc = narrow(input, d, 0, 1);
  outs.push(acc);
  for (let i = 1; i < n; i++) {
    acc = logAddExp(acc, narrow(input, d, i, 1));
    outs.push(acc);
  }
  return cat(outs, d);
}
export interface DiffOptions {
  /** how many times to take differences (default 1) */
  n?: number;
  /** default -1 */
  dim?: number;
  /** values put before input along dim first (a tensor shaped as input except along dim) */
  prepend?: Tensor | null;
  /** values put after input along dim first */
  append?: Tensor | null;
}
/**
 * torch.diff: the n-th forward difference along dim (out[i] = x[i+1] - x[i]; for bool, x[i+1] xor
 * x[i]), after concatenating prepend and append. `diff(x)`, `diff(x, n, dim, {prepend, append})`
 * or `diff(x, {n, dim, prepend, append})`.
 */
export function diff(input: Tensor, nOrOpts?: number | DiffOptions, dim?: number, opts?: DiffOptions, ...rest: never[]): Tensor {
  noExtraArgs('diff', 'input, n, dim, { prepend, append }', rest);
  checkTensor('input', input);
  let o: DiffOptions;
  if (nOrOpts !== undefined && nOrOpts !== null && typeof nOrOpts === 'object') {
    if (dim !== undefined || opts !== undefined) invalidArg('diff()', 'at most the arguments (input, n, dim, { prepend, append }) or (input, { n, dim, prepend, append })', 'arguments after the options');
    o = checkOptionKeys('opts', nOrOpts, ['n', 'dim', 'prepend', 'append']);
  } else {
    o = { ...checkOptionKeys('opts', opts, ['prepend', 'append']), n: nOrOpts ?? undefined, dim };
  }
  const n = checkInt('n', o.n ?? 1, 0);
  if (input.ndim === 0) invalidArg('input', 'a tensor of at least one dimension (diff expects input to be at least one-dimensional)', input);
  const d = dimArg('dim', o.dim ?? -1, input.ndim);
  const parts: Tensor[] = [];
  for (const key of ['prepend', 'append'] as const) {
    const p = o[key];
    if (p === undefined || p === null) continue;
    checkTensor(`opts.${key}`, p);
    if (p.ndim !== input.ndim || p.shape.some((s, k) => k !== d && s !== input.shape[k]))
      shapeError(`opts.${key}`, `a tensor of ${input.ndim} dimensions shaped as input except along dim ${d}`, p);
    if (p.dtype !== input.dtype) dtypeError(`opts.${key}`, `a ${input.dtype} tensor (input's dtype)`, p);
  }
  if (o.prepend) parts.push(o.prepend);
  parts.push(input);
  if (o.append) parts.push(o.append);
  let x = parts.length > 1 ? cat(parts, d) : input;
  if (n === 0) return x === input ? E.clone(input) : x;
  for (let k = 0; k < n; k++) {
    const len = x.shape[d];
    if (len === 0) break;
    const hi = narrow(x, d, 1, len - 1);
    const lo = narrow(x, d, 0, len - 1);
    x = x.dtype === 'bool' ? E.logicalXor(hi, lo) : E.sub(hi, lo);
  }
  return x.isContiguous() && x.gradFn?.op !== 'NarrowBackward' ? x : E.clone(x);
}

// ---- cdist --------------------------------------------------------------------------------------
export interface CdistOptions {
  /** accepted for PyTorch's signature; every mode computes the differences directly */
  computeMode?: 'use_mm_for_euclid_dist_if_necessary' | 'use_mm_for_euclid_dist' | 'donot_use_mm_for_euclid_dist';
}
const COMPUTE_MODES = ['use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist', 'donot_use_mm_for_euclid_dist'];
/**
 * torch.cdist: the p-norm distances between the rows of x1 [..., P, M] and x2 [..., R, M] (batch
 * dims broadcast): [..., P, R]. p >= 0 (Infinity too); the gradient is 0 where a distance is 0.
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2, opts?: CdistOptions, ...rest: never[]): Tensor {
  noExtraArgs('cdist', 'x1, x2, p, { computeMode }', rest);
  checkTensor('x1', x1);
  checkTensor('x2', x2);
  const o = checkOptionKeys('opts', opts, ['computeMode']);
  if (o.computeMode !== undefined && !COMPUTE_MODES.includes(o.computeMode)) invalidArg('opts.computeMode', COMPUTE_MODES.map((m) => `'${m}'`).join(', '), o.computeMode);
  if (typeof p !== 'number' || Number.isNaN(p)) typeArg('p', 'a number >= 0 (Infinity included)', p);
  if (p < 0) invalidArg('p', 'a number >= 0 (cdist only supports non-negative p values)', p);
  if (x1.ndim < 2) shapeError('x1', 'a tensor of at least 2 dimensions [..., P, M]', x1);
  if (x2.ndim < 2) shapeError('x2', 'a tensor of at least 2 dimensions [..., R, M]', x2);
  if (x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) shapeError('x2', `a tensor with ${x1.shape[x1.ndim - 1]} columns (as x1)`, x2);
  if (!isFloating(x1.dtype)) dtypeError('x1', 'a floating-point tensor (cdist only supports floating-point dtypes)', x1);
  if (!isFloating(x2.dtype)) dtypeError('x2', 'a floating-point tensor (cdist only supports floating-point dtypes)', x2);
  const a = unsqueeze(x1, -2); // [..., P, 1, M]
  const b = unsqueeze(x2, -3); // [..., 1, R, M]
  const diff = E.sub(a, b);
  if (p !== Infinity) return R.norm(diff, p, -1);
  // p = inf: every coordinate at the maximum gets the whole gradient, sign(diff) * g (PyTorch's
  // cdist backward; norm splits ties): the exact maximum plus a zero-valued term with that gradient
  const ad = E.abs(diff);
  const dist = noGrad(() => R.amax(ad, -1, true));
  const mask = noGrad(() => E.cast(E.eq(ad, dist), ad.dtype));
  const surrogate = R.sum(E.mul(ad, mask), -1);
  return E.add(squeeze(dist, -1), E.sub(surrogate, surrogate.detach()));
}

// ---- histc / bincount ---------------------------------------------------------------------------
export interface HistcOptions {
  /** the number of bins (default 100) */
  bins?: number;
  /** the lower end of the range (default 0; min = max = 0 means the data's range) */
  min?: number;
  /** the upper end (default 0) */
  max?: number;
}
/**
 * torch.histc: a histogram of input's values in `bins` equal bins over [min, max] (the data's range
 * when min = max; widened by 1 each way when that is one value); values outside (and NaN) are
 * left out, max falls in the last bin. Input's dtype (float32 / float64); not differentiable.
 */
export function histc(input: Tensor, binsOrOpts?: number | HistcOptions, opts?: HistcOptions, ...rest: never[]): Tensor {
  noExtraArgs('histc', 'input, bins, { min, max }', rest);
  checkTensor('input', input);
  let o: HistcOptions;
  if (typeof binsOrOpts === 'number' || binsOrOpts === undefined) o = { ...checkOptionKeys('opts', opts, ['min', 'max']), bins: binsOrOpts };
  else {
    if (opts !== undefined) invalidArg('histc()', 'at most the arguments (input, bins, { min, max }) or (input, { bins, min, max })', 'options after options');
    o = checkOptionKeys('opts', binsOrOpts, ['bins', 'min', 'max']);
  }
  const bins = checkInt('bins', o.bins ?? 100, 1);
  for (const k of ['min', 'max'] as const)
    if (o[k] !== undefined && (typeof o[k] !== 'number' || Number.isNaN(o[k]))) typeArg(`opts.${k}`, 'a number', o[k]);
  if (!isFloating(input.dtype)) dtypeError('input', 'a float32 or float64 tensor (histc is implemented for floating point only, as in PyTorch 1.13)', input);
  const f32 = input.dtype === 'float32';
  const fr = (v: number) => (f32 ? Math.fround(v) : v);
  let lo = fr(o.min ?? 0);
  let hi = fr(o.max ?? 0);
  if (lo > hi) invalidArg('opts.max', `a number larger than min (${lo})`, hi);
  return noGrad(() => {
    if (lo === hi && input.numel() > 0) {
      lo = R.amin(input).item();
      hi = R.amax(input).item();
    }
    if (lo === hi) {
      lo = fr(lo - 1);
      hi = fr(hi + 1);
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) invalidArg('input', `values with a finite range (range of [${lo}, ${hi}] is not finite)`, input);
    const out = zeros([bins], { dtype: input.dtype, device: input.device });
    if (input.numel() === 0) return out;
    const x = reshape(input, [input.numel()]);
    // NaN falls in the first bin when the range is given (PyTorch 1.13's CPU kernel)
    const inRange = E.logicalOr(E.logicalAnd(E.ge(x, lo), E.le(x, hi)), E.isnan(x));
    const vals = maskedSelect(x, inRange);
    if (vals.numel() === 0) return out;
    const width = full([], fr(hi - lo), { dtype: input.dtype, device: input.device });
    const scaled = E.div(E.mul(E.sub(vals, full([], lo, { dtype: input.dtype, device: input.device })), full([], bins, { dtype: input.dtype, device: input.device })), width);
    let pos = E.cast(where(E.isnan(scaled), 0, scaled), 'int64');
    pos = where(E.ge(pos, bins), bins - 1, pos);
    return scatterAdd(out, 0, pos, full([vals.numel()], 1, { dtype: input.dtype, device: input.device }));
  });
}
export interface BincountOptions {
  /** a weight per element (1-d, input's length): the bins sum the weights (float32 weights give float32, others float64) */
  weights?: Tensor | null;
  /** the least number of bins (default 0) */
  minlength?: number;
}
/**
 * torch.bincount: how often each value 0..max(input) occurs in a 1-d tensor of non-negative integers
 * (at least minlength bins): int64, or the sums of the weights. Not differentiable.
 */
export function bincount(input: Tensor, opts?: BincountOptions, ...rest: never[]): Tensor {
  noExtraArgs('bincount', 'input, { weights, minlength }', rest);
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['weights', 'minlength']);
  const minlength = checkInt('opts.minlength', o.minlength ?? 0, 0);
  if (input.dtype !== 'int64' && input.dtype !== 'int32' && input.dtype !== 'uint8')
    dtypeError('input', 'an integer tensor (bincount only supports 1-d non-negative integral inputs)', input);
  if (input.ndim !== 1) shapeError('input', 'a 1-d tensor (bincount only supports 1-d non-negative integral inputs)', input);
  const w = o.weights ?? null;
  if (w !== null) {
    checkTensor('opts.weights', w);
    if (w.ndim !== 1 || w.shape[0] !== input.shape[0]) shapeError('opts.weights', `a 1-d tensor of ${input.shape[0]} elements (input's length)`, w);
    if (w.dtype === 'bool') dtypeError('opts.weights', 'a numeric tensor', w);
  }
  const outDtype: DType = w === null ? 'int64' : w.dtype === 'float32' ? 'float32' : 'float64';
  return noGrad(() => {
    const n = input.numel();
    let len = minlength;
    if (n > 0) {
      if (R.amin(input).item() < 0) invalidArg('input', 'non-negative integers (bincount only supports 1-d non-negative integral inputs)', input);
      len = Math.max(len, R.amax(input).item() + 1);
    }
    const out = zeros([len], { dtype: outDtype, device: input.device });
    if (n === 0) return out;
    const src = w === null ? full([n], 1, { dtype: 'int64', device: input.device }) : E.cast(w, outDtype);
    return scatterAdd(out, 0, E.cast(input, 'int64'), src);
  });
}

// ---- searchsorted / bucketize -------------------------------------------------------------------
export interface SearchsortedOptions {
  /** int32 results instead of int64 */
  outInt32?: boolean;
  /** the last position (upper bound) among equal values instead of the first */
  right?: boolean;
  /** 'left' or 'right' (the same as right; both given must agree) */
  side?: 'left' | 'right';
  /** int64 indices that sort sortedSequence along its last dim (when it is not sorted itself) */
  sorter?: Tensor | null;
}
function searchImpl(fn: string, seq: Tensor, values: Tensor | number, right: boolean, outInt32: boolean): Tensor {
  const scalar = typeof values === 'number';
  let v: Tensor;
  if (scalar) {
    if (seq.ndim !== 1) shapeError('sortedSequence', 'a 1-d tensor (a scalar value is searched in a 1-d sequence)', seq);
    v = full([1], values as number, { dtype: Number.isInteger(values) && !isFloating(seq.dtype) ? seq.dtype : isFloating(seq.dtype) ? seq.dtype : defaultFloat(), device: seq.device });
  } else v = values as Tensor;
  // count of the sequence's elements before each value: !(s >= v) (left) or !(s > v) (right), as the
  // binary search; the values go in chunks so that no comparison tensor exceeds CHUNK elements
  const count = (vals: Tensor): Tensor => {
    const s = seq.ndim === 1 ? seq : unsqueeze(seq, -2); // [..., 1, N]
    const vv = unsqueeze(vals, -1); // [..., m, 1]
    return R.sum(E.logicalNot(right ? E.gt(s, vv) : E.ge(s, vv)), -1, false);
  };
  const CHUNK = 1 << 24;
  const out = noGrad(() => {
    const n = seq.shape[seq.ndim - 1];
    const flat = seq.ndim === 1 && v.ndim !== 1 ? reshape(v, [v.numel()]) : v; // a 1-d sequence: any values shape
    const m = flat.ndim ? flat.shape[flat.ndim - 1] : 1;
    const rows = m ? flat.numel() / m : 0;
    const per = Math.max(1, Math.floor(CHUNK / Math.max(1, n * rows)));
    if (flat.ndim === 0 || m <= per) return reshape(count(flat), v.shape);
    const parts: Tensor[] = [];
    for (let i = 0; i < m; i += per) parts.push(count(flat.narrow(flat.ndim - 1, i, Math.min(per, m - i))));
    return reshape(cat(parts, -1), v.shape);
  });
  const r = scalar ? reshape(out, []) : out;
  return outInt32 ? E.cast(r, 'int32') : r;
}
/**
 * torch.searchsorted: for each value, the position in sortedSequence (sorted along its last dim,
 * 1-d or with values' leading dims) where it would be inserted to keep the order; values a tensor
 * or a number (then a 0-d result). `{right, side, outInt32, sorter}`. Not differentiable.
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor | number, opts?: SearchsortedOptions, ...rest: never[]): Tensor {
  noExtraArgs('searchsorted', 'sortedSequence, values, { outInt32, right, side, sorter }', rest);
  checkTensor('sortedSequence', sortedSequence);
  if (typeof values !== 'number') checkTensor('values', values);
  const o = checkOptionKeys('opts', opts, ['outInt32', 'right', 'side', 'sorter']);
  const outInt32 = o.outInt32 === undefined ? false : boolArg('opts.outInt32', o.outInt32);
  let right = o.right === undefined ? false : boolArg('opts.right', o.right);
  if (o.side !== undefined) {
    if (o.side !== 'left' && o.side !== 'right') invalidArg('opts.side', "'left' or 'right'", o.side);
    if (o.side === 'left' && right) invalidArg('opts.side', "'right' when right is true (side and right disagree)", o.side);
    right = o.side === 'right';
  }
  if (sortedSequence.ndim === 0) shapeError('sortedSequence', 'a tensor of at least 1 dimension', sortedSequence);
  if (sortedSequence.dtype === 'bool') dtypeError('sortedSequence', 'a numeric tensor', sortedSequence);
  if (values instanceof Tensor) {
    if (values.dtype === 'bool') dtypeError('values', 'a numeric tensor', values);
    if (sortedSequence.ndim > 1) {
      const a = sortedSequence.shape.slice(0, -1);
      const b = values.shape.slice(0, -1);
      if (values.ndim !== sortedSequence.ndim || a.some((s, i) => s !== b[i]))
        shapeError('values', `a tensor with sortedSequence's leading dimensions [${a.join(', ')}] (the first N-1 dimensions of boundaries tensor and input value tensor must match)`, values);
    }
  }
  let seq = sortedSequence;
  const sorter = o.sorter ?? null;
  if (sorter !== null) {
    checkTensor('opts.sorter', sorter);
    if (sorter.dtype !== 'int64') dtypeError('opts.sorter', 'an int64 tensor', sorter);
    if (sorter.shape.join() !== seq.shape.join()) shapeError('opts.sorter', `a tensor of sortedSequence's shape [${seq.shape.join(', ')}]`, sorter);
    seq = noGrad(() => gather(seq, -1, sorter));
  }
  return searchImpl('searchsorted', seq, values, right, outInt32);
}
export interface BucketizeOptions {
  /** int32 results instead of int64 */
  outInt32?: boolean;
  /** boundaries[i-1] <= x < boundaries[i] instead of boundaries[i-1] < x <= boundaries[i] */
  right?: boolean;
}
/**
 * torch.bucketize: the index of the bucket of each element of input (a tensor or a number) among
 * the sorted 1-d boundaries (searchsorted(boundaries, input)). Not differentiable.
 */
export function bucketize(input: Tensor | number, boundaries: Tensor, opts?: BucketizeOptions, ...rest: never[]): Tensor {
  noExtraArgs('bucketize', 'input, boundaries, { outInt32, right }', rest);
  if (typeof input !== 'number') checkTensor('input', input);
  checkTensor('boundaries', boundaries);
  const o = checkOptionKeys('opts', opts, ['outInt32', 'right']);
  const outInt32 = o.outInt32 === undefined ? false : boolArg('opts.outInt32', o.outInt32);
  const right = o.right === undefined ? false : boolArg('opts.right', o.right);
  if (boundaries.ndim !== 1) shapeError('boundaries', 'a 1-d tensor', boundaries);
  if (boundaries.dtype === 'bool') dtypeError('boundaries', 'a numeric tensor', boundaries);
  if (input instanceof Tensor && input.dtype === 'bool') dtypeError('input', 'a numeric tensor', input);
  return searchImpl('bucketize', boundaries, input, right, outInt32);
}

// ---- aminmax ------------------------------------------------------------------------------------
/** The result of aminmax: PyTorch's named tuple (min, max), by name or destructured as an array. */
export class MinMax {
  constructor(
    readonly min: Tensor,
    readonly max: Tensor,
  ) {}
  get 0(): Tensor {
    return this.min;
  }
  get 1(): Tensor {
    return this.max;
  }
  get length(): 2 {
    return 2;
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.min;
    yield this.max;
  }
}
export interface AminmaxOptions {
  /** the dimension to reduce (default: all) */
  dim?: number | null;
  keepdim?: boolean;
}
/** torch.aminmax: the smallest and largest elements, over all or along `{dim}`, `{keepdim}`: `const {min, max} = torch.aminmax(x)`. */
export function aminmax(input: Tensor, opts?: AminmaxOptions, ...rest: never[]): MinMax {
  noExtraArgs('aminmax', 'input, { dim, keepdim }', rest);
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['dim', 'keepdim']);
  const keepdim = optBool('opts.keepdim', o.keepdim ?? undefined, false);
  let dims: number[];
  if (o.dim === undefined || o.dim === null) dims = [];
  else {
    const d = dimArg('opts.dim', o.dim, input.ndim);
    dims = input.ndim === 0 ? [] : [d];
    if (input.ndim && input.shape[d] === 0) invalidArg('input', `a tensor with a non-empty dimension ${d} (aminmax of an empty set is undefined)`, input);
  }
  if (input.numel() === 0 && dims.length === 0) invalidArg('input', 'a non-empty tensor (aminmax of an empty tensor is undefined)', input);
  return new MinMax(R.amin(input, dims, keepdim), R.amax(input, dims, keepdim));
}
