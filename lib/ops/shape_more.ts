// lib/ops/shape_more.ts — PyTorch 1.13's torch.* shape, indexing and construction helpers that ported
// scripts call, composed from the differentiable ops (views where PyTorch returns views, copies where it
// copies), with its argument forms and its dtype promotion:
//   numel, clone, meshgrid(...tensors | tensors[], {indexing='ij'|'xy'}), cartesianProd, broadcastShapes,
//   broadcastTo, broadcastTensors, swapaxes / swapdims, atleast1d / 2d / 3d, hstack, vstack / rowStack,
//   dstack, columnStack, flipud, fliplr, rot90(x, k=1, dims=[0, 1]), take, takeAlongDim,
//   repeatInterleave(x, repeats, dim?, {outputSize}) (and repeatInterleave(repeats)), blockDiag,
//   triuIndices / trilIndices(row, col, offset=0, {dtype, device}), isFloatingPoint, isComplex,
//   isNonzero, asTensor(data, {dtype, device}), unflatten(x, dim, sizes) (a view), narrowCopy(x, dim,
//   start, length) (a contiguous copy).
// Functions taking several tensors accept them spread or as one array, as PyTorch takes *tensors or a
// sequence; the ones that return several return an array.
import { invalidArg, typeArg, dtypeError, shapeError, checkInt, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, normDim, checkTensor, isTensor, isFloating } from '../tensor';
import type { DType, DeviceType, NestedArray, TypedArray } from '../tensor';
import { tensor as makeTensor } from '../creation';
import { cast, broadcastShapes as broadcast2, promoteTypes, clone as cloneOp } from './elementwise';
import { expand, cat, stack, flip, transpose, reshape, unsqueeze, flatten, view, narrow } from './shape';
import { gather, indexSelect } from './index';
import { pad } from './pad';

type Tensors = Tensor[] | [Tensor[]];
/** f(a, b, c) or f([a, b, c]): the tensors, checked. */
function tensorList(fn: string, args: unknown[]): Tensor[] {
  const list = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as unknown[];
  if (!list.length) invalidArg('tensors', `at least one tensor for ${fn}`, list);
  list.forEach((t, i) => checkTensor(`tensors[${i}]`, t));
  return list as Tensor[];
}
/** The tensors cast to their promoted dtype (PyTorch's type promotion across the list). */
function promoted(ts: Tensor[]): Tensor[] {
  const dt = ts.map((t) => t.dtype).reduce((a, b) => promoteTypes(a, b));
  return ts.map((t) => cast(t, dt));
}

/** Number of elements. */
export function numel(input: Tensor, ...rest: never[]): number {
  noExtraArgs('numel', 'input', rest);
  return checkTensor('input', input).numel();
}
/** A copy with its own storage, differentiable (torch.clone). */
export function clone(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('clone', 'input', rest);
  return cloneOp(checkTensor('input', input));
}

export interface MeshgridOptions {
  /** 'ij' (default: matrix indexing, PyTorch 1.13's default) or 'xy' (Cartesian: the first two output dims swapped) */
  indexing?: 'ij' | 'xy';
}
/** Coordinate grids of 0-D / 1-D tensors: meshgrid(x, y, {indexing}) or meshgrid([x, y], {indexing}); views (expand). */
export function meshgrid(...args: (Tensor | Tensor[] | MeshgridOptions)[]): Tensor[] {
  let opts: MeshgridOptions = {};
  const last = args[args.length - 1];
  if (args.length && !isTensor(last) && !Array.isArray(last)) {
    opts = last as MeshgridOptions;
    args = args.slice(0, -1);
    if (opts === null || typeof opts !== 'object') typeArg('opts', 'an options object', opts);
  }
  checkOptionKeys('meshgrid', opts, ['indexing']);
  const indexing = opts.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') invalidArg('indexing', "'ij' or 'xy'", indexing);
  const ts = tensorList('meshgrid', args);
  ts.forEach((t, i) => {
    if (t.ndim > 1) shapeError(`tensors[${i}]`, 'a 0-D or 1-D tensor', t);
    if (t.dtype !== ts[0].dtype) dtypeError(`tensors[${i}]`, `a ${ts[0].dtype} tensor (all of one dtype)`, t);
    if (t.device !== ts[0].device) invalidArg(`tensors[${i}]`, `a tensor on ${ts[0].device} (all on one device)`, t.device);
  });
  const swap = indexing === 'xy' && ts.length >= 2;
  const order = ts.map((_, i) => i);
  if (swap) [order[0], order[1]] = [order[1], order[0]];
  const shape = order.map((i) => ts[i].numel());
  return ts.map((t, i) => {
    const pos = order.indexOf(i);
    const view = shape.map((s, k) => (k === pos ? s : 1));
    return expand(reshape(t, view), shape);
  });
}
/** The Cartesian product of 1-D tensors: [prod(n_i), k] rows (a single tensor: itself). */
export function cartesianProd(...args: Tensors): Tensor {
  const ts = tensorList('cartesianProd', args);
  ts.forEach((t, i) => t.ndim !== 1 && shapeError(`tensors[${i}]`, 'a 1-D tensor', t));
  if (ts.length === 1) return ts[0];
  const grids = meshgrid(ts, { indexing: 'ij' });
  return stack(grids.map((g) => flatten(g)), 1);
}

/** The shape that shapes broadcast to (torch.broadcast_shapes). */
export function broadcastShapes(...shapes: (number[] | number)[]): number[] {
  let out: number[] = [];
  shapes.forEach((s, i) => {
    const sh = typeof s === 'number' ? [s] : s;
    if (!Array.isArray(sh)) typeArg(`shapes[${i}]`, 'a shape (array of integers)', s);
    sh.forEach((n, k) => checkInt(`shapes[${i}][${k}]`, n, 0));
    out = broadcast2(out, sh, ['shapes', `shapes[${i}]`]);
  });
  return out;
}
/** x broadcast to shape: a view (expand), as torch.broadcast_to. */
export function broadcastTo(input: Tensor, shape: number[], ...rest: never[]): Tensor {
  noExtraArgs('broadcastTo', 'input, shape', rest);
  checkTensor('input', input);
  if (!Array.isArray(shape)) typeArg('shape', 'an array of integers', shape);
  return expand(input, shape);
}
/** The tensors broadcast to one shape (views). */
export function broadcastTensors(...args: Tensors): Tensor[] {
  const ts = tensorList('broadcastTensors', args);
  const shape = broadcastShapes(...ts.map((t) => t.shape));
  return ts.map((t) => expand(t, shape));
}
/** transpose under NumPy's name (a view). */
export function swapaxes(input: Tensor, axis0: number, axis1: number, ...rest: never[]): Tensor {
  noExtraArgs('swapaxes', 'input, axis0, axis1', rest);
  checkTensor('input', input);
  return transpose(input, normDim(axis0, input.ndim, 'axis0'), normDim(axis1, input.ndim, 'axis1'));
}
/** transpose under NumPy's other name (a view). */
export function swapdims(input: Tensor, dim0: number, dim1: number, ...rest: never[]): Tensor {
  noExtraArgs('swapdims', 'input, dim0, dim1', rest);
  return transpose(checkTensor('input', input), dim0, dim1);
}

function atleast(n: 1 | 2 | 3, t: Tensor): Tensor {
  if (t.ndim >= n) return t;
  if (n === 1) return reshape(t, [1]);
  if (n === 2) return reshape(t, t.ndim === 0 ? [1, 1] : [1, t.shape[0]]);
  if (t.ndim === 0) return reshape(t, [1, 1, 1]);
  if (t.ndim === 1) return reshape(t, [1, t.shape[0], 1]);
  return unsqueeze(t, 2);
}
function atleastN(n: 1 | 2 | 3, args: Tensors): Tensor | Tensor[] {
  const single = args.length === 1 && !Array.isArray(args[0]);
  const ts = tensorList(`atleast${n}d`, args).map((t) => atleast(n, t));
  return single ? ts[0] : ts;
}
/** Views with at least one dim (a 0-D tensor becomes [1]); one tensor in, one out, else an array. */
export function atleast1d(...args: Tensors): Tensor | Tensor[] {
  return atleastN(1, args);
}
/** Views with at least two dims ([n] becomes [1, n]). */
export function atleast2d(...args: Tensors): Tensor | Tensor[] {
  return atleastN(2, args);
}
/** Views with at least three dims ([n] becomes [1, n, 1], [m, n] becomes [m, n, 1]). */
export function atleast3d(...args: Tensors): Tensor | Tensor[] {
  return atleastN(3, args);
}
/** Concatenates column-wise: along dim 0 for 1-D tensors, else dim 1. */
export function hstack(tensors: Tensor[], ...rest: never[]): Tensor {
  noExtraArgs('hstack', 'tensors', rest);
  const ts = promoted(tensorList('hstack', [tensors]).map((t) => atleast(1, t)));
  return cat(ts, ts[0].ndim === 1 ? 0 : 1);
}
/** Concatenates row-wise (each at least 2-D) along dim 0. */
export function vstack(tensors: Tensor[], ...rest: never[]): Tensor {
  noExtraArgs('vstack', 'tensors', rest);
  return cat(promoted(tensorList('vstack', [tensors]).map((t) => atleast(2, t))), 0);
}
export { vstack as rowStack };
/** Concatenates depth-wise (each at least 3-D) along dim 2. */
export function dstack(tensors: Tensor[], ...rest: never[]): Tensor {
  noExtraArgs('dstack', 'tensors', rest);
  return cat(promoted(tensorList('dstack', [tensors]).map((t) => atleast(3, t))), 2);
}
/** 0-D and 1-D tensors as columns ([n] -> [n, 1]), then concatenated along dim 1. */
export function columnStack(tensors: Tensor[], ...rest: never[]): Tensor {
  noExtraArgs('columnStack', 'tensors', rest);
  const ts = tensorList('columnStack', [tensors]).map((t) => (t.ndim <= 1 ? reshape(t, [t.numel(), 1]) : t));
  return cat(promoted(ts), 1);
}

/** Rows in reverse order (flip(0)); a copy. */
export function flipud(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('flipud', 'input', rest);
  if (checkTensor('input', input).ndim < 1) shapeError('input', 'a tensor of at least 1 dimension', input);
  return flip(input, 0);
}
/** Columns in reverse order (flip(1)); a copy. */
export function fliplr(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('fliplr', 'input', rest);
  if (checkTensor('input', input).ndim < 2) shapeError('input', 'a tensor of at least 2 dimensions', input);
  return flip(input, 1);
}
/** Rotates by 90 degrees k times in the plane of dims, from the first dim towards the second; a copy. */
export function rot90(input: Tensor, k = 1, dims: number[] = [0, 1], ...rest: never[]): Tensor {
  noExtraArgs('rot90', 'input, k, dims', rest);
  checkTensor('input', input);
  checkInt('k', k);
  if (!Array.isArray(dims) || dims.length !== 2) invalidArg('dims', 'two dims', dims);
  if (input.ndim < 2) shapeError('input', 'a tensor of at least 2 dimensions', input);
  const d0 = normDim(dims[0], input.ndim, 'dims[0]');
  const d1 = normDim(dims[1], input.ndim, 'dims[1]');
  if (d0 === d1) invalidArg('dims', 'two different dims', dims);
  const r = ((k % 4) + 4) % 4;
  if (r === 1) return transpose(flip(input, d1), d0, d1);
  if (r === 2) return flip(input, [d0, d1]);
  if (r === 3) return transpose(flip(input, d0), d0, d1);
  return cloneOp(input);
}

function indexTensor(name: string, t: unknown): Tensor {
  checkTensor(name, t);
  const i = t as Tensor;
  if (i.dtype !== 'int64') dtypeError(name, 'an int64 tensor', i);
  return i;
}
/** The elements of input read as 1-D at index (negative indices from the end): index's shape. */
export function take(input: Tensor, index: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('take', 'input, index', rest);
  checkTensor('input', input);
  const idx = indexTensor('index', index);
  const n = input.numel();
  const pos = Array.from(idx.toArray() as BigInt64Array, (v) => {
    if (v < -BigInt(n) || v >= BigInt(n)) invalidArg('index', `indices in [-${n}, ${n}) (input has ${n} elements)`, Number(v));
    return Number(v < 0n ? v + BigInt(n) : v);
  });
  if (!pos.length) return reshape(indexSelect(reshape(input, [n]), 0, makeTensor([], { dtype: 'int64', device: input.device })), idx.shape);
  return reshape(indexSelect(reshape(input, [n]), 0, makeTensor(pos, { dtype: 'int64', device: input.device })), idx.shape);
}
/** gather along dim with indices broadcast against input (dim absent: both read as 1-D). */
export function takeAlongDim(input: Tensor, indices: Tensor, dim?: number | null, ...rest: never[]): Tensor {
  noExtraArgs('takeAlongDim', 'input, indices, dim', rest);
  checkTensor('input', input);
  const idx = indexTensor('indices', indices);
  if (dim === undefined || dim === null) return gather(reshape(input, [input.numel()]), 0, reshape(idx, [idx.numel()]));
  if (idx.ndim !== input.ndim) shapeError('indices', `a tensor of ${input.ndim} dimensions (as input)`, idx);
  const d = normDim(dim, input.ndim);
  const ishape = input.shape.slice();
  const jshape = idx.shape.slice();
  ishape[d] = 1;
  jshape[d] = 1;
  const b = broadcastShapes(ishape, jshape);
  const inShape = b.slice();
  inShape[d] = input.shape[d];
  const idShape = b.slice();
  idShape[d] = idx.shape[d];
  return gather(expand(input, inShape), d, expand(idx, idShape));
}

export interface RepeatInterleaveOptions {
  /** the output's size along dim, when known (checked) */
  outputSize?: number;
}
/**
 * Each element (or each slice along dim) repeated: repeatInterleave(x, repeats, dim?, {outputSize})
 * with repeats a number or an int64 tensor of one count per element; x flattened when dim is absent.
 * repeatInterleave(repeats) alone: arange(repeats.numel()) repeated by repeats.
 */
export function repeatInterleave(input: Tensor, repeats?: number | Tensor, dim?: number | null, opts: RepeatInterleaveOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('repeatInterleave', 'input, repeats, dim, { outputSize }', rest);
  checkTensor('input', input);
  checkOptionKeys('repeatInterleave', opts, ['outputSize']);
  if (repeats === undefined) {
    const r = indexTensor('repeats', input);
    if (r.ndim !== 1) shapeError('repeats', 'a 1-D tensor', r);
    const counts = Array.from(r.toArray() as BigInt64Array, (v) => Number(v));
    const out: number[] = [];
    counts.forEach((c, i) => {
      if (c < 0) invalidArg('repeats', 'non-negative counts', c);
      for (let k = 0; k < c; k++) out.push(i);
    });
    return makeTensor(out, { dtype: 'int64', device: input.device });
  }
  let x = input;
  let d: number;
  if (dim === undefined || dim === null) {
    x = reshape(input, [input.numel()]);
    d = 0;
  } else d = normDim(dim, Math.max(input.ndim, 1));
  if (x.ndim === 0) x = reshape(x, [1]);
  const n = x.shape[d];
  let counts: number[];
  if (typeof repeats === 'number') {
    checkInt('repeats', repeats, 0);
    counts = new Array(n).fill(repeats);
  } else {
    const r = indexTensor('repeats', repeats);
    if (r.ndim > 1) shapeError('repeats', 'a 0-D or 1-D tensor', r);
    const vals = Array.from(r.toArray() as BigInt64Array, (v) => Number(v));
    if (vals.length === 1) counts = new Array(n).fill(vals[0]);
    else if (vals.length === n) counts = vals;
    else return shapeError('repeats', `one count or ${n} counts (the size of dim ${d})`, r);
    vals.forEach((c) => c < 0 && invalidArg('repeats', 'non-negative counts', c));
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (opts.outputSize !== undefined) {
    checkInt('outputSize', opts.outputSize, 0);
    if (opts.outputSize !== total) invalidArg('outputSize', `the repeated size ${total}`, opts.outputSize);
  }
  const index: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) index.push(i);
  });
  return indexSelect(x, d, makeTensor(index, { dtype: 'int64', device: x.device }));
}

/** The block-diagonal matrix of the tensors (0-D: 1x1, 1-D: a row), dtypes promoted; differentiable. */
export function blockDiag(...args: Tensors): Tensor {
  const ts = promoted(
    tensorList('blockDiag', args).map((t, i) => {
      if (t.ndim > 2) shapeError(`tensors[${i}]`, 'a tensor of at most 2 dimensions', t);
      return t.ndim === 2 ? t : reshape(t, [1, t.numel()]);
    }),
  );
  const cols = ts.reduce((a, t) => a + t.shape[1], 0);
  let left = 0;
  const rows = ts.map((t) => {
    const w = t.shape[1];
    const r = pad(t, [left, cols - left - w]);
    left += w;
    return r;
  });
  return cat(rows, 0);
}

function triIndices(fn: string, lower: boolean, row: number, col: number, offset: number, opts: { dtype?: DType; device?: DeviceType }): Tensor {
  checkInt('row', row, 0);
  checkInt('col', col, 0);
  checkInt('offset', offset);
  checkOptionKeys(fn, opts, ['dtype', 'device']);
  const dtype = opts.dtype ?? 'int64';
  if (dtype !== 'int64' && dtype !== 'int32') invalidArg('dtype', "'int64' or 'int32'", dtype);
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < row; i++)
    for (let j = 0; j < col; j++)
      if (lower ? j - i <= offset : j - i >= offset) {
        r.push(i);
        c.push(j);
      }
  return makeTensor([r, c], { dtype, device: opts.device });
}
/** Row and column indices of the upper triangle of a row x col matrix ([2, N], row-major order). */
export function triuIndices(row: number, col: number, offset = 0, opts: { dtype?: DType; device?: DeviceType } = {}, ...rest: never[]): Tensor {
  noExtraArgs('triuIndices', 'row, col, offset, { dtype, device }', rest);
  return triIndices('triuIndices', false, row, col, offset, opts);
}
/** Row and column indices of the lower triangle of a row x col matrix ([2, N], row-major order). */
export function trilIndices(row: number, col: number, offset = 0, opts: { dtype?: DType; device?: DeviceType } = {}, ...rest: never[]): Tensor {
  noExtraArgs('trilIndices', 'row, col, offset, { dtype, device }', rest);
  return triIndices('trilIndices', true, row, col, offset, opts);
}

/** true for float32 / float64 tensors. */
export function isFloatingPoint(input: Tensor, ...rest: never[]): boolean {
  noExtraArgs('isFloatingPoint', 'input', rest);
  return isFloating(checkTensor('input', input).dtype);
}
/** false: torchlet has no complex dtypes. */
export function isComplex(input: Tensor, ...rest: never[]): boolean {
  noExtraArgs('isComplex', 'input', rest);
  checkTensor('input', input);
  return false;
}
/** Whether the one element of a single-element tensor is nonzero (an error for any other size). */
export function isNonzero(input: Tensor, ...rest: never[]): boolean {
  noExtraArgs('isNonzero', 'input', rest);
  checkTensor('input', input);
  if (input.numel() !== 1) invalidArg('input', 'a tensor of exactly one element', `${input.numel()} elements`);
  const v = input.item() as number | boolean | bigint;
  return typeof v === 'bigint' ? v !== 0n : Boolean(v) || Number.isNaN(v as number);
}
/** data as a tensor: a tensor of the asked dtype and device is returned as is (no copy), else converted. */
export function asTensor(data: Tensor | NestedArray | TypedArray | number, opts: { dtype?: DType; device?: DeviceType } = {}, ...rest: never[]): Tensor {
  noExtraArgs('asTensor', 'data, { dtype, device }', rest);
  checkOptionKeys('asTensor', opts, ['dtype', 'device']);
  if (isTensor(data)) {
    let t = data as Tensor;
    if (opts.dtype !== undefined && opts.dtype !== t.dtype) t = t.to(opts.dtype);
    if (opts.device !== undefined) t = t.to(opts.device);
    return t;
  }
  return makeTensor(data as NestedArray, opts);
}

/** Dim `dim` split into `sizes` (at most one -1, inferred): a view, as PyTorch's unflatten. */
export function unflatten(input: Tensor, dim: number, sizes: number[], ...rest: never[]): Tensor {
  noExtraArgs('unflatten', 'input, dim, sizes', rest);
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  if (!Array.isArray(sizes) || !sizes.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= -1)) typeArg('sizes', 'an array of integers >= -1', sizes);
  if (!sizes.length) invalidArg('sizes', 'a non-empty array (PyTorch: unflatten: sizes must be non-empty)', sizes);
  if (sizes.filter((v) => v === -1).length > 1) invalidArg('sizes', 'at most one -1', sizes);
  const n = input.shape[d];
  const known = sizes.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
  const inferred = sizes.map((v) => (v === -1 ? (known === 0 ? 0 : n / known) : v));
  if (inferred.reduce((a, b) => a * b, 1) !== n || !inferred.every(Number.isInteger))
    shapeError('sizes', `sizes that multiply up to ${n}, the size of dim ${d} (PyTorch: unflatten: Provided sizes [${sizes.join(', ')}] don't multiply up to the size of dim ${d} (${n}) in the input tensor)`, sizes);
  return view(input, [...input.shape.slice(0, d), ...inferred, ...input.shape.slice(d + 1)]);
}

/** narrow(input, dim, start, length) as a contiguous copy (PyTorch's narrow_copy). */
export function narrowCopy(input: Tensor, dim: number, start: number, length: number, ...rest: never[]): Tensor {
  noExtraArgs('narrowCopy', 'input, dim, start, length', rest);
  return cloneOp(narrow(input, dim, start, length));
}
