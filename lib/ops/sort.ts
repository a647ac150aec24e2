// lib/ops/sort.ts — ordering: sort, argsort, topk, kthvalue, msort and unique, over the native sort
// kernel (native/ops/sort.h: a stable sort of each line; ascending puts NaN last, descending first,
// as PyTorch), with PyTorch's gradients (the values' gradient goes back to the positions the indices
// name). Results with values and indices are ValuesIndices: `const { values, indices } = ...` and
// `const [values, indices] = ...` both work.
import { native } from '../binding';
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs, TorchletError, optBool } from '../errors';
import { Tensor, normDim, checkTensor } from '../tensor';
import { record } from '../autograd';
import { cast, clone, compare, sub } from './elementwise';
import { narrow, reshape, transpose, cat } from './shape';
import { rawScatter, maskedSelect, nonzero } from './index';
import { cumsum } from './scan';

import { ValuesIndices } from './values_indices';
export { ValuesIndices };

export interface SortOptions {
  /** the dimension to sort (default -1) */
  dim?: number;
  /** largest first (NaN first); default false */
  descending?: boolean;
  /** keep equal elements in their order: always done (the kernel is stable), accepted for PyTorch's signature */
  stable?: boolean;
}
function sortArgs(fn: string, x: Tensor, dimOrOpts: number | SortOptions | undefined, opts: SortOptions | undefined): { d: number; desc: boolean } {
  checkTensor('input', x);
  let o: SortOptions = {};
  let dim: number | undefined;
  if (typeof dimOrOpts === 'number') {
    dim = dimOrOpts;
    o = checkOptionKeys('opts', opts, ['descending', 'stable']);
  } else {
    if (opts !== undefined) invalidArg(`${fn}()`, 'at most the arguments (input, dim?, { descending, stable })', 'an options object after the options object');
    o = checkOptionKeys('opts', dimOrOpts, ['dim', 'descending', 'stable']);
    dim = o.dim;
  }
  for (const k of ['descending', 'stable'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', o[k]);
  const d = normDim(dim ?? -1, x.ndim, 'dim');
  return { d, desc: !!o.descending };
}
/** Sorts along d (raw, no autograd): values and int64 indices, in x's shape. */
/** x sorted along d (values, indices); with k > 0 only the first k positions along d are computed (the rest is garbage). */
function rawSort(x: Tensor, d: number, desc: boolean, k = 0): [Tensor, Tensor] {
  if (x.ndim === 0) {
    const v = clone(x);
    v.gradFn = null;
    v.requiresGrad = false;
    return [v, Tensor.empty([], 'int64', x.device, true)];
  }
  const last = x.ndim - 1;
  const p = d === last ? x : transpose(x, d, last);
  const c = p.contiguous();
  const n = c.shape[last];
  const lines = n ? c.numel() / n : 0;
  const v = Tensor.empty(c.shape.slice(), x.dtype, x.device);
  const i = Tensor.empty(c.shape.slice(), 'int64', x.device);
  if (c.numel()) native.sort(c.arg(), v.arg(), i.arg(), { lines, n, descending: desc, k: k < n ? k : 0 });
  if (c !== p && c !== x) c.dispose();
  if (d === last) return [v, i];
  const vt = transpose(v, d, last);
  const it = transpose(i, d, last);
  return [vt, it];
}
/** The gradient of values taken from x at `indices` along d: zeros with g added at those positions. */
function scatterGrad(shape: number[], d: number, indices: Tensor, g: Tensor): Tensor {
  const z = Tensor.empty(shape.slice(), g.dtype, g.device, true);
  if (shape.length === 0) {
    native.copyStrided(g.stridedArg(), z.arg(), { srcStrides: [], outStrides: [], shape: [] });
    return z;
  }
  rawScatter(z, d, indices, indices.strides, indices.shape, g, 'add');
  return z;
}
function withGrad(x: Tensor, v: Tensor, i: Tensor, d: number): ValuesIndices {
  record(v, [x], 'SortBackward', (g) => [scatterGrad(x.shape, d, i, g)]);
  return new ValuesIndices(v, i);
}

/**
 * Sorts along dim (default -1): sorted values and the int64 positions they came from. Stable; NaN
 * sorts last ascending, first descending. `sort(x, 1)`, `sort(x, { dim: 1, descending: true })`
 * and `sort(x, 1, { descending: true })` all work.
 */
export function sort(input: Tensor, dimOrOpts?: number | SortOptions, opts?: SortOptions, ...rest: never[]): ValuesIndices {
  noExtraArgs('sort', 'input, dim?, { descending, stable }', rest);
  const { d, desc } = sortArgs('sort', input, dimOrOpts, opts);
  const [v, i] = rawSort(input, d, desc);
  return withGrad(input, v, i, d);
}
/** The indices that sort input along dim (sort(...).indices). */
export function argsort(input: Tensor, dimOrOpts?: number | SortOptions, opts?: SortOptions, ...rest: never[]): Tensor {
  noExtraArgs('argsort', 'input, dim?, { descending, stable }', rest);
  const { d, desc } = sortArgs('argsort', input, dimOrOpts, opts);
  const [v, i] = rawSort(input, d, desc);
  v.dispose();
  return i;
}
/** Sorts along dim 0 (PyTorch's msort): the values only. */
export function msort(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('msort', 'input', rest);
  checkTensor('input', input);
  return sort(input, 0).values;
}

export interface TopkOptions {
  /** default -1 */
  dim?: number;
  /** the k largest (default) or smallest */
  largest?: boolean;
  /** results in sorted order (always: they come from a sort) */
  sorted?: boolean;
}
/** The k largest (or smallest) elements along dim, in sorted order, and their indices. */
export function topk(input: Tensor, k: number, opts?: TopkOptions, ...rest: never[]): ValuesIndices {
  noExtraArgs('topk', 'input, k, { dim, largest, sorted }', rest);
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['dim', 'largest', 'sorted']);
  for (const key of ['largest', 'sorted'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean') typeArg(`opts.${key}`, 'a boolean', o[key]);
  const d = normDim(o.dim ?? -1, input.ndim, 'opts.dim');
  const n = input.ndim ? input.shape[d] : 1;
  if (typeof k !== 'number' || !Number.isInteger(k)) typeArg('k', 'an integer', k);
  if (k < 0 || k > n) invalidArg('k', `an integer in [0, ${n}] (the size of dimension ${d})`, k);
  const [sv, si] = rawSort(input, d, optBool('opts.largest', o.largest ?? undefined, true), k);
  if (input.ndim === 0) return withGrad(input, sv, si, d);
  const v = clone(narrow(sv, d, 0, k));
  const i = clone(narrow(si, d, 0, k));
  sv.dispose();
  si.dispose();
  return withGrad(input, v, i, d);
}
/** The k-th smallest element (1-based) along dim (default -1) and its index; keepdim keeps dim as size 1. */
export function kthvalue(input: Tensor, k: number, dim = -1, keepdim = false, ...rest: never[]): ValuesIndices {
  noExtraArgs('kthvalue', 'input, k, dim, keepdim', rest);
  checkTensor('input', input);
  const d = normDim(dim, input.ndim, 'dim');
  if (typeof keepdim !== 'boolean') typeArg('keepdim', 'a boolean', keepdim);
  const n = input.ndim ? input.shape[d] : 1;
  if (typeof k !== 'number' || !Number.isInteger(k)) typeArg('k', 'an integer', k);
  if (k < 1 || k > n) invalidArg('k', `an integer in [1, ${n}] (the size of dimension ${d})`, k);
  const [sv, si] = rawSort(input, d, false, k);
  if (input.ndim === 0) return withGrad(input, sv, si, d);
  const v0 = clone(narrow(sv, d, k - 1, 1));
  const i0 = clone(narrow(si, d, k - 1, 1));
  sv.dispose();
  si.dispose();
  const shape = keepdim ? v0.shape.slice() : v0.shape.filter((_, j) => j !== d);
  const v = new Tensor(v0._storage, shape.slice(), v0.dtype, v0.device);
  const i = new Tensor(i0._storage, shape.slice(), 'int64', i0.device);
  const ik = i0;
  v0.dispose();
  record(v, [input], 'SortBackward', (g) => [scatterGrad(input.shape, d, ik, reshape(g, ik.shape))]);
  return new ValuesIndices(v, i);
}

export interface UniqueOptions {
  /** accepted for PyTorch's signature: the result is always sorted (PyTorch leaves the order of sorted=false unspecified) */
  sorted?: boolean;
  /** also return, for every input element, the index of its value in the output (input's shape) */
  returnInverse?: boolean;
  /** also return how often each unique value occurs */
  returnCounts?: boolean;
  /** not implemented: unique over the flattened input only */
  dim?: undefined;
}
/**
 * The sorted distinct values of input (flattened). With returnInverse / returnCounts an array
 * [values, inverse?, counts?] in that order, as PyTorch's tuple. Not differentiable (as PyTorch).
 */
export function unique(input: Tensor, opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(input: Tensor, opts: UniqueOptions & ({ returnInverse: true } | { returnCounts: true })): Tensor[];
export function unique(input: Tensor, opts?: UniqueOptions, ...rest: never[]): Tensor | Tensor[];
export function unique(input: Tensor, opts?: UniqueOptions, ...rest: never[]): Tensor | Tensor[] {
  noExtraArgs('unique', 'input, { sorted, returnInverse, returnCounts }', rest);
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['sorted', 'returnInverse', 'returnCounts', 'dim']);
  for (const key of ['sorted', 'returnInverse', 'returnCounts'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean') typeArg(`opts.${key}`, 'a boolean', o[key]);
  if (o.dim !== undefined && o.dim !== null)
    throw new TorchletError('torchlet: unique with a dim is not implemented (unique over the flattened input only)', 'ERR_TORCHLET_NOT_IMPLEMENTED');
  const flat = reshape(input, [input.numel()]);
  const n = flat.numel();
  const [s, p] = rawSort(flat, 0, false);
  let flags: Tensor;
  if (n === 0) flags = Tensor.empty([0], 'bool', input.device);
  else {
    const first = Tensor.empty([1], 'bool', input.device);
    native.fill(first.arg(), { value: 1 });
    const ne = compare('ne', narrow(s, 0, 1, n - 1), narrow(s, 0, 0, n - 1));
    flags = cat([first, ne], 0);
    first.dispose();
    ne.dispose();
  }
  const values = maskedSelect(s, flags);
  const out: Tensor[] = [values];
  if (o.returnInverse) {
    const gid = sub(cumsum(cast(flags, 'int64'), 0), 1);
    const inv = Tensor.empty([n], 'int64', input.device);
    if (n) rawScatter(inv, 0, p, [1], [n], gid, 'assign');
    out.push(reshape(inv, input.shape));
  }
  if (o.returnCounts) {
    const pos = reshape(nonzero(flags), [-1]);
    const end = Tensor.empty([1], 'int64', input.device);
    native.fill(end.arg(), { value: n });
    const ext = cat([pos, end], 0);
    const u = pos.numel();
    out.push(sub(narrow(ext, 0, 1, u), narrow(ext, 0, 0, u)));
  }
  s.dispose();
  if (out.length === 1) return values;
  return out;
}
