// lib/ops/index.ts — indexing: gather, scatter / scatter_ (src or value, reduce 'add' / 'multiply'),
// scatterAdd(_), scatterReduce(_), indexReduce(_), indexSelect, indexAdd(_), indexCopy(_), indexFill(_), maskedScatter(_), put(_), maskedFill(_), maskedSelect, where, nonzero, indexPut(_),
// and Tensor#index / Tensor#set: PyTorch's x[...] / x[...] = v with slices ('::2', '1:-1'), integers,
// null (newaxis), '...', integer index tensors and bool masks in one call.
// Contract: the data movement runs in the native gather / scatter / where / nonzero kernels
// (native/ops/index.h) on the operands' device; indices are int64 (indexSelect, indexAdd and
// advanced indexing also take int32) and are checked to be in range before any kernel runs (an
// error naming the argument, as PyTorch's); gradients are PyTorch's. Basic indexing (integers,
// slices, null, '...', 0-d integer tensors) returns a view; index tensors and masks copy. In-place
// forms write into their tensor (any layout) and return it; under autograd they rebase its history
// as PyTorch does (refused, with a coded error, for a leaf that requires grad and for a tensor that
// shares its storage with other views).
import { native } from '../binding';
import { invalidArg, typeArg, dtypeError, shapeError, checkOptionKeys, noExtraArgs, TorchletError, TorchletRangeError } from '../errors';
import { Tensor, DType, NestedArray, normDim, checkTensor, isFloating, hasInternalOverlap } from '../tensor';
import { record, isGradEnabled, retireNode, noGrad } from '../autograd';
import { full, tensor } from '../creation';
import { cast, clone, compare, broadcastShapes, broadcastStrides, resultType, sumTo, add, mul, div, logicalAnd } from './elementwise';
import { maxAll, sum } from './reduce';
import { expand, permute, reshape, select, slice, unsqueeze } from './shape';
import { defaultFloat } from '../default_dtype';
import { inplaceHook } from './inplace_hook';
import { pad } from './pad';

// ---- helpers --------------------------------------------------------------------------------------
function sameDevice(name: string, t: Tensor, like: Tensor, likeName = 'input'): void {
  if (t.device !== like.device)
    throw new TorchletError(
      `torchlet: Expected a tensor on ${like.device} (the device of ${likeName}) for ${name} but received a tensor on ${t.device}`,
      'ERR_TORCHLET_DEVICE_MISMATCH',
    );
}
/** An index tensor: int64 (or int32 when allowed, cast to int64) on `like`'s device. */
function indexTensor(name: string, idx: unknown, like: Tensor, int32 = false): Tensor {
  const t = checkTensor(name, idx);
  if (t.dtype !== 'int64' && !(int32 && t.dtype === 'int32'))
    dtypeError(name, int32 ? 'an int64 or int32 index tensor' : 'an int64 index tensor', t);
  sameDevice(name, t, like);
  return t.dtype === 'int64' ? t : cast(t, 'int64');
}
/** Throws unless every index lies in [lo, hi) (two native reductions; nothing for an empty index). */
export function checkRange(name: string, idx: Tensor, lo: number, hi: number): void {
  if (idx.numel() === 0) return;
  const mn = maxAll(idx, 'min');
  const mx = maxAll(idx, 'max');
  const a = mn.item();
  const b = mx.item();
  mn.dispose();
  mx.dispose();
  if (a < lo || b >= hi) invalidArg(name, `indices in [${lo}, ${hi - 1}]`, `an index ${a < lo ? a : b}`);
}
export function rawGather(input: Tensor, dim: number, index: Tensor, shape: number[], indexStrides: number[]): Tensor {
  const out = Tensor.empty(shape.slice(), input.dtype, input.device);
  if (out.numel() === 0) return out;
  native.gather(input.stridedArg(), index.stridedArg(), out.arg(), {
    shape,
    inputStrides: input.ndim ? input.strides : [],
    indexStrides,
    dim: shape.length ? dim : 0,
    size: input.ndim ? input.shape[dim] : 1,
  });
  return out;
}
type ScatterMode = 'assign' | 'add' | 'multiply' | 'max' | 'min';
const SCATTER_OP = { assign: 0, add: 1, multiply: 2, max: 3, min: 4 } as const;
/** Writes src (or value) into out (in place, any layout) over `shape` (the index's / src's). */
export function rawScatter(out: Tensor, dim: number, index: Tensor, indexStrides: number[], shape: number[], src: Tensor | number, mode: ScatterMode): void {
  if (shape.some((s) => s === 0)) return;
  const s = typeof src === 'number' ? null : src.dtype === out.dtype ? src : cast(src, out.dtype);
  native.scatter(out.stridedArg(), index.stridedArg(), s ? s.stridedArg() : null, {
    op: SCATTER_OP[mode],
    shape,
    outStrides: out.ndim ? out.strides : [],
    indexStrides,
    srcStrides: s ? (s.ndim ? broadcastStrides(s, shape) : shape.map(() => 0)) : shape.map(() => 0),
    dim: shape.length ? dim : 0,
    size: out.ndim ? out.shape[dim] : 1,
    value: typeof src === 'number' ? src : 0,
  });
  if (s && s !== src) s.dispose();
}
/** Strides of a 1-D index read along `dim` over a shape of `nd` dimensions. */
export function lineStrides(index: Tensor, dim: number, nd: number): number[] {
  return Array.from({ length: nd }, (_, k) => (k === dim ? (index.ndim ? index.strides[0] : 0) : 0));
}

/**
 * Under autograd, an in-place indexing write into a tensor whose storage other tensor objects share (it
 * is a view, something views it, or earlier in-place writes left stand-ins of its old values in the
 * graph) goes through lib/ops/inplace.ts's inplace(): `op` (the same write, on the fresh copy of the old
 * values inplace() hands it, whose storage nothing else shares) computes the result, and views are
 * rebased as PyTorch's CopySlices does. null when not recording or nothing shares the storage: the
 * direct path (rebase, then the write) applies.
 */
function sharedInplace(x: Tensor, others: unknown[], name: string, op: (fresh: Tensor) => Tensor): Tensor | null {
  if (x._storage.refs <= 1 || !isGradEnabled() || !(x.requiresGrad || others.some((o) => o instanceof Tensor && o.requiresGrad))) return null;
  return inplaceHook.inplace!(x, name, op, others);
}

/**
 * Records an in-place op's gradient on `t`: its history so far moves to a stand-in tensor (sharing
 * the storage) and `t` becomes the op's output. `backward` maps the output gradient to the gradients
 * of [the old t, ...others].
 */
function rebase(t: Tensor, shared: boolean, others: (Tensor | null)[], op: Parameters<typeof record>[2], backward: (g: Tensor) => (Tensor | null)[]): void {
  t._storage.version++; // every caller writes t in place next (a graph that saved t sees it)
  if (!isGradEnabled() || !(t.requiresGrad || others.some((o) => o && o.requiresGrad))) return;
  if (t.requiresGrad && !t.gradFn)
    throw new TorchletError('torchlet: a leaf tensor that requires grad cannot be modified in place (use the out-of-place form, or noGrad)', 'ERR_TORCHLET_NOT_IMPLEMENTED');
  if (shared)
    throw new TorchletError(
      'torchlet: in-place indexing under autograd of a tensor that shares its storage with other views is not supported (use the out-of-place form)',
      'ERR_TORCHLET_NOT_IMPLEMENTED',
    );
  const fresh = new Tensor(t._storage, t.shape.slice(), t.dtype, t.device, t.strides.slice(), t.offset);
  fresh.requiresGrad = t.requiresGrad;
  fresh.gradFn = t.gradFn;
  const prev = retireNode(fresh); // nodes that took t as an input before this write keep its old node
  t.gradFn = null;
  t.requiresGrad = false;
  record(t, [prev, ...others], op, backward);
}
function checkInplaceTarget(t: Tensor): void {
  if (isGradEnabled() && t.requiresGrad && !t.gradFn)
    throw new TorchletError('torchlet: a leaf tensor that requires grad cannot be modified in place (use the out-of-place form, or noGrad)', 'ERR_TORCHLET_NOT_IMPLEMENTED');
  // as PyTorch's assert_no_internal_overlap (e.g. an expanded view): also without autograd
  if (hasInternalOverlap(t))
    throw new TorchletRangeError(
      'torchlet: unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.',
      'ERR_TORCHLET_INVALID_ARG',
    );
}

// ---- gather / scatter -----------------------------------------------------------------------------
/** Checks gather/scatter's index against input (same rank; no larger than input off `dim`; for scatter, no larger than src). */
function checkGatherIndex(input: Tensor, d: number, index: Tensor, src: Tensor | null): void {
  if (index.ndim !== input.ndim && !(index.numel() === 0))
    shapeError('index', `a tensor of ${input.ndim} dimensions (as input)`, index);
  if (index.numel() === 0) return;
  for (let k = 0; k < input.ndim; k++) {
    if (k !== d && index.shape[k] > input.shape[k])
      shapeError('index', `size <= ${input.shape[k]} at dimension ${k} (input's size)`, index);
    // (a 0-d src counts as 1-D of size 1, as PyTorch's)
    const ss = src ? (src.ndim ? src.shape[k] : 1) : Infinity;
    if (index.shape[k] > ss) shapeError('index', `size <= ${ss} at dimension ${k} (src's size)`, index);
  }
  if (src && src.ndim !== index.ndim && !(src.ndim === 0 && index.ndim <= 1)) shapeError('src', `a tensor of ${index.ndim} dimensions (as index)`, src);
}
/** out[i][j] = input[index[i][j]][j] (dim 0), ...: values along dim picked by index; out has index's shape. */
export function gather(input: Tensor, dim: number, index: Tensor, opts: Record<string, never> = {}, ...rest: never[]): Tensor {
  noExtraArgs('gather', 'input, dim, index, {}', rest);
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx = indexTensor('index', index, input);
  checkOptionKeys('opts', opts, []);
  checkGatherIndex(input, d, idx, null);
  const size = input.ndim ? input.shape[d] : 1;
  checkRange('index', idx, 0, size);
  const out = rawGather(input, d, idx, idx.shape.slice(), idx.ndim ? idx.strides : []);
  return record(out, [input], 'GatherBackward', (g) => {
    // createGraph (grad mode on in backward): the same scatter, recorded
    if (isGradEnabled()) return [scatterAdd(Tensor.empty(input.shape.slice(), g.dtype, g.device, true), d, idx, g)];
    const z = Tensor.empty(input.shape.slice(), g.dtype, g.device, true);
    rawScatter(z, d, idx, idx.ndim ? idx.strides : [], idx.shape, g, 'add');
    return [z];
  });
}

export interface ScatterOptions {
  /** 'add' or 'multiply': combine with the values there instead of replacing them (PyTorch 1.13's reduce). */
  reduce?: 'add' | 'multiply';
}
function scatterArgs(fn: string, input: Tensor, dim: number, index: Tensor, src: Tensor | number, opts: ScatterOptions | undefined): {
  d: number; idx: Tensor; srcT: Tensor | null; mode: ScatterMode; shape: number[];
} {
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx = indexTensor('index', index, input);
  let srcT: Tensor | null = null;
  if (typeof src === 'number') {
    if (Number.isNaN(src) && !isFloating(input.dtype)) invalidArg('value', 'a number', src);
  } else {
    srcT = checkTensor('src', src);
    sameDevice('src', srcT, input);
    if (srcT.dtype !== input.dtype) dtypeError('src', `a ${input.dtype} tensor (input's dtype)`, srcT);
  }
  const o = checkOptionKeys('opts', opts, ['reduce']);
  if (o.reduce !== undefined && o.reduce !== 'add' && o.reduce !== 'multiply') invalidArg('opts.reduce', "'add' or 'multiply'", o.reduce);
  checkGatherIndex(input, d, idx, srcT);
  checkRange('index', idx, 0, input.ndim ? input.shape[d] : 1);
  void fn;
  return { d, idx, srcT, mode: o.reduce ?? 'assign', shape: idx.shape.slice() };
}
/**
 * A copy of input with src's values (or `value`) written at the positions index gives along dim
 * (out[index[i][j]][j] = src[i][j] for dim 0); `reduce` adds or multiplies instead. Differentiable
 * without `reduce` (PyTorch 1.13 has no gradient with it either).
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number, opts?: ScatterOptions, ...rest: never[]): Tensor {
  noExtraArgs('scatter', 'input, dim, index, src, { reduce }', rest);
  const a = scatterArgs('scatter', input, dim, index, src, opts);
  if (a.mode !== 'assign' && isGradEnabled() && (input.requiresGrad || a.srcT?.requiresGrad))
    throw new TorchletError("torchlet: scatter with 'reduce' has no gradient (as in PyTorch 1.13); use scatterAdd or noGrad", 'ERR_TORCHLET_NOT_IMPLEMENTED');
  const out = clone(input);
  out.gradFn = null;
  out.requiresGrad = false;
  rawScatter(out, a.d, a.idx, a.idx.ndim ? a.idx.strides : [], a.shape, a.srcT ?? (src as number), a.mode);
  const { d, idx, srcT } = a;
  return record(out, [input, srcT], 'ScatterBackward', (g) => [
    input.requiresGrad ? scatterGradSelf(g, d, idx) : null,
    srcT && srcT.requiresGrad ? scatterSrcGrad(g, d, idx, srcT) : null,
  ]);
}
/**
 * The gradient of scatter's / scatterAdd's src: g read at index, in src's shape (src may be larger
 * than index, and the op reads only its corner of index's shape: the rest of it gets 0; PyTorch 1.13's
 * backward refuses that case, its gradient having index's shape).
 */
function scatterSrcGrad(g: Tensor, d: number, idx: Tensor, src: Tensor): Tensor {
  if (idx.numel() === 0) return Tensor.empty(src.shape.slice(), g.dtype, g.device, true);
  const r = gatherGrad(g, d, idx);
  if (src.ndim === 0) return sumTo(r, []);
  if (r.shape.every((n, k) => n === src.shape[k])) return r;
  const p: number[] = []; // (F.pad's order: last dim first)
  for (let k = src.ndim - 1; k >= 0; k--) p.push(0, src.shape[k] - r.shape[k]);
  return pad(r, p);
}
/** g with the positions index overwrote set to 0. */
function scatterGradSelf(g: Tensor, d: number, idx: Tensor): Tensor {
  const r = clone(g);
  rawScatter(r, d, idx, idx.ndim ? idx.strides : [], idx.shape, 0, 'assign');
  return r;
}
/** In-place scatter (see scatter). */
export function scatter_(input: Tensor, dim: number, index: Tensor, src: Tensor | number, opts?: ScatterOptions, ...rest: never[]): Tensor {
  noExtraArgs('scatter_', 'input, dim, index, src, { reduce }', rest);
  const a = scatterArgs('scatter_', input, dim, index, src, opts);
  checkInplaceTarget(input);
  if (a.mode !== 'assign' && isGradEnabled() && (input.requiresGrad || a.srcT?.requiresGrad))
    throw new TorchletError("torchlet: scatter_ with 'reduce' has no gradient (as in PyTorch 1.13); use scatterAdd_ or noGrad", 'ERR_TORCHLET_NOT_IMPLEMENTED');
  const shared = sharedInplace(input, [a.srcT], 'scatter_', (x) => scatter_(x, dim, index, src, opts));
  if (shared) return shared;
  const { d, idx, srcT } = a;
  rebase(input, input._storage.refs > 1, [srcT], 'ScatterBackward', (g) => [
    scatterGradSelf(g, d, idx),
    srcT && srcT.requiresGrad ? scatterSrcGrad(g, d, idx, srcT) : null,
  ]);
  rawScatter(input, d, idx, idx.ndim ? idx.strides : [], a.shape, srcT ?? (src as number), a.mode);
  return input;
}
/** A copy of input with src's values added at the positions index gives along dim (repeated indices add up). */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('scatterAdd', 'input, dim, index, src', rest);
  if (!(src instanceof Tensor)) typeArg('src', 'a Tensor', src);
  const a = scatterArgs('scatterAdd', input, dim, index, src, {});
  const out = clone(input);
  out.gradFn = null;
  out.requiresGrad = false;
  rawScatter(out, a.d, a.idx, a.idx.ndim ? a.idx.strides : [], a.shape, src, 'add');
  const { d, idx } = a;
  return record(out, [input, src], 'ScatterAddBackward', (g) => [
    input.requiresGrad ? g : null,
    src.requiresGrad ? scatterSrcGrad(g, d, idx, src) : null,
  ]);
}
/** rawGather of the gradient, or under createGraph (grad mode on in backward) the recorded gather. */
function gatherGrad(g: Tensor, d: number, idx: Tensor): Tensor {
  if (isGradEnabled()) return gather(g, d, idx);
  return rawGather(g, d, idx, idx.shape.slice(), idx.ndim ? idx.strides : []);
}
/** In-place scatterAdd. */
export function scatterAdd_(input: Tensor, dim: number, index: Tensor, src: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('scatterAdd_', 'input, dim, index, src', rest);
  if (!(src instanceof Tensor)) typeArg('src', 'a Tensor', src);
  const a = scatterArgs('scatterAdd_', input, dim, index, src, {});
  checkInplaceTarget(input);
  const shared = sharedInplace(input, [src], 'scatterAdd_', (x) => scatterAdd_(x, dim, index, src));
  if (shared) return shared;
  const { d, idx } = a;
  rebase(input, input._storage.refs > 1, [src], 'ScatterAddBackward', (g) => [
    clone(g),
    src.requiresGrad ? scatterSrcGrad(g, d, idx, src) : null,
  ]);
  rawScatter(input, d, idx, idx.ndim ? idx.strides : [], a.shape, src, 'add');
  return input;
}

// ---- indexSelect / indexAdd -----------------------------------------------------------------------
function vectorIndex(name: string, index: unknown, like: Tensor): Tensor {
  const idx = indexTensor(name, index, like, true);
  if (idx.ndim > 1) shapeError(name, 'a 1-D (or 0-d) index tensor', idx);
  return idx;
}
/** The slices of input along dim that index names, in its order (a copy; out.shape[dim] = index.numel()). */
export function indexSelect(input: Tensor, dim: number, index: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('indexSelect', 'input, dim, index', rest);
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx = vectorIndex('index', index, input);
  const size = input.ndim ? input.shape[d] : 1;
  checkRange('index', idx, 0, size);
  return indexSelectRaw(input, d, idx);
}
export function indexSelectRaw(input: Tensor, d: number, idx: Tensor): Tensor {
  const shape = input.shape.slice();
  if (input.ndim) shape[d] = idx.numel();
  const out = rawGather(input, d, idx, shape, lineStrides(idx, d, shape.length));
  return record(out, [input], 'IndexSelectBackward', (g) => {
    const z = Tensor.empty(input.shape.slice(), g.dtype, g.device, true);
    rawScatter(z, d, idx, lineStrides(idx, d, g.ndim), g.shape, g, 'add');
    return [z];
  });
}
function indexAddArgs(input: Tensor, dim: number, index: Tensor, source: Tensor, opts: { alpha?: number } | undefined): { d: number; idx: Tensor; alpha: number } {
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx = vectorIndex('index', index, input);
  checkTensor('source', source);
  sameDevice('source', source, input);
  if (source.dtype !== input.dtype) dtypeError('source', `a ${input.dtype} tensor (input's dtype)`, source);
  const o = checkOptionKeys('opts', opts, ['alpha']);
  const alpha = o.alpha ?? 1;
  if (typeof alpha !== 'number' || Number.isNaN(alpha)) typeArg('opts.alpha', 'a number', alpha);
  // (as PyTorch's add; PyTorch 1.13's index_add silently truncates such an alpha)
  if (!isFloating(input.dtype) && !Number.isInteger(alpha)) invalidArg('opts.alpha', `an integer for a ${input.dtype} input (a floating-point alpha needs a floating-point input)`, alpha);
  const want = input.shape.slice();
  if (input.ndim) want[d] = idx.numel();
  if (source.ndim !== input.ndim || source.shape.some((s, k) => s !== want[k]))
    shapeError('source', `a tensor of shape [${want.join(', ')}]`, source);
  checkRange('index', idx, 0, input.ndim ? input.shape[d] : 1);
  return { d, idx, alpha };
}
/** A copy of input with alpha * source's slices added at the positions index gives along dim. */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }, ...rest: never[]): Tensor {
  noExtraArgs('indexAdd', 'input, dim, index, source, { alpha }', rest);
  const { d, idx, alpha } = indexAddArgs(input, dim, index, source, opts);
  const src = alpha === 1 ? source : mul(source, alpha);
  const out = clone(input);
  out.gradFn = null;
  out.requiresGrad = false;
  rawScatter(out, d, idx, lineStrides(idx, d, src.ndim), src.shape, src, 'add');
  return record(out, [input, src], 'IndexAddBackward', (g) => [
    input.requiresGrad ? g : null,
    src.requiresGrad ? indexSelectRaw(g, d, idx) : null,
  ]);
}
/** Whether the memory spans (first to last element) of two tensors of one storage meet. */
function spansMeet(a: Tensor, b: Tensor): boolean {
  if (a.numel() === 0 || b.numel() === 0) return false;
  const span = (t: Tensor): [number, number] => {
    let lo = t.offset;
    let hi = t.offset;
    t.shape.forEach((n, k) => (t.strides[k] < 0 ? (lo += (n - 1) * t.strides[k]) : (hi += (n - 1) * t.strides[k])));
    return [lo, hi];
  };
  const [a0, a1] = span(a);
  const [b0, b1] = span(b);
  return a0 <= b1 && b0 <= a1;
}
/** In-place indexAdd. */
export function indexAdd_(input: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }, ...rest: never[]): Tensor {
  noExtraArgs('indexAdd_', 'input, dim, index, source, { alpha }', rest);
  const { d, idx, alpha } = indexAddArgs(input, dim, index, source, opts);
  checkInplaceTarget(input);
  // (PyTorch's assert_no_overlap: a source read while the write goes on would give order-dependent sums)
  if (source._storage === input._storage && spansMeet(source, input))
    throw new TorchletRangeError(
      'torchlet: indexAdd_: unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.',
      'ERR_TORCHLET_INVALID_ARG',
    );
  const shared = sharedInplace(input, [source], 'indexAdd_', (x) => indexAdd_(x, dim, index, source, opts));
  if (shared) return shared;
  const src = alpha === 1 ? source : mul(source, alpha);
  rebase(input, input._storage.refs > 1, [src], 'IndexAddBackward', (g) => [clone(g), src.requiresGrad ? indexSelectRaw(g, d, idx) : null]);
  rawScatter(input, d, idx, lineStrides(idx, d, src.ndim), src.shape, src, 'add');
  if (src !== source && !src.requiresGrad) src.dispose();
  return input;
}

// ---- scatterReduce / indexCopy / indexFill ----------------------------------------------------------
export type ScatterReduceMode = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';
export interface ScatterReduceOptions {
  /** Whether input's own values take part in the reduction at the positions written (default true). */
  includeSelf?: boolean;
}
const REDUCE_KERNEL: Record<ScatterReduceMode, ScatterMode> = { sum: 'add', prod: 'multiply', mean: 'add', amax: 'max', amin: 'min' };
function scatterReduceArgs(input: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduceMode, opts: ScatterReduceOptions | undefined): {
  d: number; idx: Tensor; includeSelf: boolean;
} {
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx = indexTensor('index', index, input);
  checkTensor('src', src);
  sameDevice('src', src, input);
  if (src.dtype !== input.dtype) dtypeError('src', `a ${input.dtype} tensor (input's dtype)`, src);
  if (typeof reduce !== 'string' || !Object.prototype.hasOwnProperty.call(REDUCE_KERNEL, reduce))
    invalidArg('reduce', "'sum', 'prod', 'mean', 'amax' or 'amin'", reduce);
  const o = checkOptionKeys('opts', opts, ['includeSelf']);
  if (o.includeSelf !== undefined && typeof o.includeSelf !== 'boolean') typeArg('opts.includeSelf', 'a boolean', o.includeSelf);
  checkGatherIndex(input, d, idx, src);
  checkRange('index', idx, 0, input.ndim ? input.shape[d] : 1);
  return { d, idx, includeSelf: o.includeSelf ?? true };
}
/** scatterReduce's values, unrecorded: a new tensor. */
function scatterReduceRaw(input: Tensor, d: number, idx: Tensor, src: Tensor, reduce: ScatterReduceMode, includeSelf: boolean): Tensor {
  return noGrad(() => {
    let out = clone(input);
    const st = idx.ndim ? idx.strides : [];
    const shape = idx.shape.slice();
    // include_self=false: the written positions start from the reduction's identity (amax / amin: from
    // one of the values written there, which the reduction then meets again: no identity needed)
    if (!includeSelf) rawScatter(out, d, idx, st, shape, reduce === 'amax' || reduce === 'amin' ? src : reduce === 'prod' ? 1 : 0, 'assign');
    rawScatter(out, d, idx, st, shape, src, REDUCE_KERNEL[reduce]);
    if (reduce === 'mean') {
      const count = full(input.shape.slice(), includeSelf ? 1 : 0, { dtype: input.dtype, device: input.device });
      rawScatter(count, d, idx, st, shape, 1, 'add');
      const zero = compare('eq', count, 0);
      const n = where(zero, 1, count);
      // (PyTorch's floor division for integer dtypes)
      const r = isFloating(input.dtype) ? div(out, n) : div(out, n, { roundingMode: 'floor' });
      for (const t of [count, zero, n, out]) t.dispose();
      out = r;
    }
    return out;
  });
}
/** The corner of src of index's shape (the part the op reads). */
function srcCorner(src: Tensor, idx: Tensor): Tensor {
  if (src.ndim === 0 || src.shape.every((n, k) => n === idx.shape[k])) return src;
  let v = src;
  idx.shape.forEach((n, k) => (v = slice(v, k, 0, n, 1)));
  return v;
}
/** A gradient of index's shape padded with zeros to src's (see scatterSrcGrad). */
function padToSrc(r: Tensor, src: Tensor): Tensor {
  if (src.ndim === 0) return sumTo(r, []);
  if (r.shape.every((n, k) => n === src.shape[k])) return r;
  const p: number[] = [];
  for (let k = src.ndim - 1; k >= 0; k--) p.push(0, src.shape[k] - r.shape[k]);
  return pad(r, p);
}
/** PyTorch 1.13's scatter_reduce_backward: [grad of self, grad of src] (`self` the input's values before the op). */
function scatterReduceBackward(g: Tensor, self: Tensor, src0: Tensor, d: number, idx: Tensor, reduce: ScatterReduceMode, includeSelf: boolean, result: Tensor, needSrc: boolean): [Tensor, Tensor | null] {
  if (idx.numel() === 0) return [g, needSrc ? Tensor.empty(src0.shape.slice(), g.dtype, g.device, true) : null];
  const src = srcCorner(src0, idx);
  const dt = g.dtype;
  let gs: Tensor;
  let gsrc: Tensor | null = null;
  if (reduce === 'sum') {
    gs = g;
    if (needSrc) gsrc = gather(g, d, idx);
  } else if (reduce === 'mean') {
    const ones = full(idx.shape.slice(), 1, { dtype: dt, device: g.device });
    const n0 = scatterAdd(full(g.shape.slice(), includeSelf ? 1 : 0, { dtype: dt, device: g.device }), d, idx, ones);
    const n = where(compare('eq', n0, 0), 1, n0);
    gs = div(g, n);
    if (needSrc) gsrc = div(gather(g, d, idx), gather(n, d, idx));
  } else if (reduce === 'amax' || reduce === 'amin') {
    // the gradient split evenly among the elements equal to the result (self's counted even without includeSelf, as PyTorch)
    const value = gather(result, d, idx);
    const selfIs = cast(compare('eq', self, result), dt);
    const srcIs = cast(compare('eq', src, value), dt);
    const gd = div(g, scatterAdd(selfIs, d, idx, srcIs));
    gs = mul(selfIs, gd);
    if (needSrc) gsrc = mul(srcIs, gather(gd, d, idx));
  } else {
    // prod: the products of the others, computed with the zeros masked out
    const maskedSelf = maskedFill(self, compare('eq', self, 0), 1);
    gs = div(mul(g, scatterReduce(maskedSelf, d, idx, src, 'prod', { includeSelf })), maskedSelf);
    if (needSrc) {
      const srcZero = compare('eq', src, 0);
      const zeros = full(self.shape.slice(), 0, { dtype: dt, device: g.device });
      const numZeros = gather(scatterAdd(zeros, d, idx, cast(srcZero, dt)), d, idx);
      const single = logicalAnd(srcZero, compare('eq', numZeros, 1));
      const maskedSrcResult = scatterReduce(self, d, idx, maskedFill(src, single, 1), 'prod', { includeSelf });
      gsrc = where(single, gather(mul(g, maskedSrcResult), d, idx), div(gather(mul(g, result), d, idx), maskedFill(src, srcZero, 1)));
    }
  }
  if (!includeSelf) gs = scatter(gs, d, idx, 0);
  return [gs, gsrc ? padToSrc(gsrc, src0) : null];
}
/**
 * A copy of input with src's values reduced into the positions index gives along dim (as scatter's
 * out[index[i][j]][j] for dim 0) by `reduce`: 'sum', 'prod', 'mean' (integer dtypes: floor division),
 * 'amax' or 'amin' (NaN propagates); with `includeSelf: false` input's values at the written positions
 * do not take part (nor count for 'mean'). PyTorch 1.13's gradients for floating-point inputs.
 */
export function scatterReduce(input: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduceMode, opts?: ScatterReduceOptions, ...rest: never[]): Tensor {
  noExtraArgs('scatterReduce', "input, dim, index, src, reduce, { includeSelf }", rest);
  const { d, idx, includeSelf } = scatterReduceArgs(input, dim, index, src, reduce, opts);
  const out = scatterReduceRaw(input, d, idx, src, reduce, includeSelf);
  return record(out, [input, src], 'ScatterReduceBackward', (g) => {
    const [gs, gsrc] = scatterReduceBackward(g, input, src, d, idx, reduce, includeSelf, out, src.requiresGrad);
    return [input.requiresGrad ? gs : null, gsrc];
  });
}
/** Writes `value` into t in place (any layout; shapes equal). */
function writeInto(t: Tensor, value: Tensor): void {
  native.copyStrided(value.stridedArg(), t.stridedArg(), { srcStrides: value.strides, outStrides: t.strides, shape: t.shape });
}
/** In-place scatterReduce. */
export function scatterReduce_(input: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduceMode, opts?: ScatterReduceOptions, ...rest: never[]): Tensor {
  noExtraArgs('scatterReduce_', "input, dim, index, src, reduce, { includeSelf }", rest);
  const { d, idx, includeSelf } = scatterReduceArgs(input, dim, index, src, reduce, opts);
  checkInplaceTarget(input);
  const shared = sharedInplace(input, [src], 'scatterReduce_', (x) => scatterReduce_(x, dim, index, src, reduce, opts));
  if (shared) return shared;
  const res = scatterReduceRaw(input, d, idx, src, reduce, includeSelf);
  const grad = isGradEnabled() && (input.requiresGrad || src.requiresGrad);
  const self = grad && reduce !== 'sum' ? noGrad(() => clone(input)) : input;
  rebase(input, input._storage.refs > 1, [src], 'ScatterReduceBackward', (g) => scatterReduceBackward(g, self, src, d, idx, reduce, includeSelf, res, src.requiresGrad));
  writeInto(input, res);
  if (!grad) res.dispose();
  return input;
}

// ---- indexReduce: scatterReduce with the 1-D index expanded along source's other dims -----------------
export type IndexReduceMode = 'prod' | 'mean' | 'amax' | 'amin';
const INDEX_REDUCE_MODES: readonly string[] = ['prod', 'mean', 'amax', 'amin'];
/** Checks indexReduce's arguments; idx: index (int64) as a view of source's shape, for scatterReduce. */
function indexReduceArgs(input: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduceMode, opts: ScatterReduceOptions | undefined): {
  d: number; idx: Tensor; includeSelf: boolean;
} {
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx0 = vectorIndex('index', index, input);
  checkTensor('source', source);
  sameDevice('source', source, input);
  if (source.dtype !== input.dtype) dtypeError('source', `a ${input.dtype} tensor (input's dtype)`, source);
  // (PyTorch 1.13's index_reduce has no 'sum': that is indexAdd)
  if (typeof reduce !== 'string' || !INDEX_REDUCE_MODES.includes(reduce)) invalidArg('reduce', "'prod', 'mean', 'amax' or 'amin'", reduce);
  const o = checkOptionKeys('opts', opts, ['includeSelf']);
  if (o.includeSelf !== undefined && typeof o.includeSelf !== 'boolean') typeArg('opts.includeSelf', 'a boolean', o.includeSelf);
  const want = input.shape.slice();
  if (input.ndim) want[d] = idx0.numel();
  if (source.ndim !== input.ndim || source.shape.some((s, k) => s !== want[k]))
    shapeError('source', `a tensor of shape [${want.join(', ')}]`, source);
  // (a 0-d input takes one index, for its one element)
  if (!input.ndim && idx0.numel() !== 1) shapeError('index', 'one index (input and source are 0-d)', idx0);
  checkRange('index', idx0, 0, input.ndim ? input.shape[d] : 1);
  // index[i] at every position of source's slice i along d (a stride-0 view: no copy)
  const idx = input.ndim ? expand(reshape(idx0, want.map((n, k) => (k === d ? n : 1))), want) : reshape(idx0, []);
  return { d, idx, includeSelf: o.includeSelf ?? true };
}
/**
 * A copy of input with source's slices along dim reduced into the slices index names
 * (out.select(dim, index[i]) combined with source.select(dim, i)) by `reduce`: 'prod', 'mean' (integer
 * dtypes: floor division), 'amax' or 'amin' (NaN propagates); with `includeSelf: false` input's values
 * in the slices written do not take part (nor count for 'mean'). index: 1-D, int64 or int32; source:
 * input's shape but index.numel() along dim, input's dtype. PyTorch 1.13's index_reduce, values and
 * gradients (scatterReduce's, which it runs).
 */
export function indexReduce(input: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduceMode, opts?: ScatterReduceOptions, ...rest: never[]): Tensor {
  noExtraArgs('indexReduce', 'input, dim, index, source, reduce, { includeSelf }', rest);
  const { d, idx, includeSelf } = indexReduceArgs(input, dim, index, source, reduce, opts);
  return scatterReduce(input, d, idx, source, reduce, { includeSelf });
}
/** In-place indexReduce. */
export function indexReduce_(input: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduceMode, opts?: ScatterReduceOptions, ...rest: never[]): Tensor {
  noExtraArgs('indexReduce_', 'input, dim, index, source, reduce, { includeSelf }', rest);
  const { d, idx, includeSelf } = indexReduceArgs(input, dim, index, source, reduce, opts);
  return scatterReduce_(input, d, idx, source, reduce, { includeSelf });
}

function indexCopyFillIndex(input: Tensor, index: Tensor, d: number): Tensor {
  const idx = indexTensor('index', index, input);
  if (idx.ndim > 1) shapeError('index', 'a 1-D (or 0-d) index tensor', idx);
  checkRange('index', idx, 0, input.ndim ? input.shape[d] : 1);
  return idx;
}
function indexCopyArgs(input: Tensor, dim: number, index: Tensor, source: Tensor): { d: number; idx: Tensor } {
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx0 = indexTensor('index', index, input);
  if (idx0.ndim > 1) shapeError('index', 'a 1-D (or 0-d) index tensor', idx0);
  checkTensor('source', source);
  sameDevice('source', source, input);
  if (source.dtype !== input.dtype) dtypeError('source', `a ${input.dtype} tensor (input's dtype)`, source);
  const want = input.shape.slice();
  if (input.ndim) want[d] = idx0.numel();
  if (source.ndim !== input.ndim || source.shape.some((s, k) => s !== want[k]))
    shapeError('source', `a tensor of shape [${want.join(', ')}]`, source);
  return { d, idx: indexCopyFillIndex(input, idx0, d) };
}
/**
 * A copy of input with source's slices written at the positions index gives along dim
 * (out.select(dim, index[i]) = source.select(dim, i)). Repeated indices: the last write wins (PyTorch's
 * result is unspecified there).
 */
export function indexCopy(input: Tensor, dim: number, index: Tensor, source: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('indexCopy', 'input, dim, index, source', rest);
  const { d, idx } = indexCopyArgs(input, dim, index, source);
  const out = noGrad(() => clone(input));
  rawScatter(out, d, idx, lineStrides(idx, d, source.ndim), source.shape, source, 'assign');
  return record(out, [input, source], 'IndexCopyBackward', (g) => [
    input.requiresGrad ? indexFill(g, d, idx, 0) : null,
    source.requiresGrad ? indexSelect(g, d, idx) : null,
  ]);
}
/** In-place indexCopy. */
export function indexCopy_(input: Tensor, dim: number, index: Tensor, source: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('indexCopy_', 'input, dim, index, source', rest);
  const { d, idx } = indexCopyArgs(input, dim, index, source);
  checkInplaceTarget(input);
  if (source._storage === input._storage && spansMeet(source, input))
    throw new TorchletRangeError(
      'torchlet: indexCopy_: unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.',
      'ERR_TORCHLET_INVALID_ARG',
    );
  const shared = sharedInplace(input, [source], 'indexCopy_', (x) => indexCopy_(x, dim, index, source));
  if (shared) return shared;
  rebase(input, input._storage.refs > 1, [source], 'IndexCopyBackward', (g) => [indexFill(g, d, idx, 0), source.requiresGrad ? indexSelect(g, d, idx) : null]);
  rawScatter(input, d, idx, lineStrides(idx, d, source.ndim), source.shape, source, 'assign');
  return input;
}
function indexFillArgs(input: Tensor, dim: number, index: Tensor, value: number | Tensor): { d: number; idx: Tensor; v: Tensor; shape: number[] } {
  checkTensor('input', input);
  const d = normDim(dim, input.ndim);
  const idx = indexCopyFillIndex(input, index, d);
  if (typeof value !== 'number' && !(value instanceof Tensor)) typeArg('value', 'a number or a 0-d tensor', value);
  const v = fillValue(input, value);
  const shape = input.shape.slice();
  if (input.ndim) shape[d] = idx.numel();
  return { d, idx, v, shape };
}
/** indexFill's value gradient: the sum of g over the filled elements (each once, repeated indices or not). */
function fillValueGrad(g: Tensor, d: number, idx: Tensor): Tensor {
  const mask = indexFill(full(g.shape.slice(), 0, { dtype: g.dtype, device: g.device }), d, idx, 1);
  return sum(mul(g, mask));
}
/** A copy of input with `value` (a number or a 0-d tensor) in the slices along dim that index names. */
export function indexFill(input: Tensor, dim: number, index: Tensor, value: number | Tensor, ...rest: never[]): Tensor {
  noExtraArgs('indexFill', 'input, dim, index, value', rest);
  const { d, idx, v, shape } = indexFillArgs(input, dim, index, value);
  const out = noGrad(() => clone(input));
  rawScatter(out, d, idx, lineStrides(idx, d, shape.length), shape, v, 'assign');
  return record(out, [input, v], 'IndexFillBackward', (g) => [
    input.requiresGrad ? indexFill(g, d, idx, 0) : null,
    v.requiresGrad ? fillValueGrad(g, d, idx) : null,
  ]);
}
/** In-place indexFill. */
export function indexFill_(input: Tensor, dim: number, index: Tensor, value: number | Tensor, ...rest: never[]): Tensor {
  noExtraArgs('indexFill_', 'input, dim, index, value', rest);
  const { d, idx, v, shape } = indexFillArgs(input, dim, index, value);
  checkInplaceTarget(input);
  const shared = sharedInplace(input, [v], 'indexFill_', (x) => indexFill_(x, dim, index, value));
  if (shared) return shared;
  // (a value that views input is read before the write)
  const val = v._storage === input._storage ? noGrad(() => clone(v)) : v;
  rebase(input, input._storage.refs > 1, [v], 'IndexFillBackward', (g) => [indexFill(g, d, idx, 0), v.requiresGrad ? fillValueGrad(g, d, idx) : null]);
  rawScatter(input, d, idx, lineStrides(idx, d, shape.length), shape, val, 'assign');
  return input;
}

// ---- maskedScatter / put ------------------------------------------------------------------------------
function maskedScatterArgs(input: Tensor, mask: Tensor, source: Tensor, inplace: boolean): { m: Tensor; shape: number[] } {
  checkTensor('input', input);
  const m = conditionTensor('mask', mask);
  sameDevice('mask', m, input);
  checkTensor('source', source);
  sameDevice('source', source, input);
  if (source.dtype !== input.dtype) dtypeError('source', `a ${input.dtype} tensor (input's dtype)`, source);
  const shape = broadcastShapes(input.shape, m.shape, ['input', 'mask']);
  if (inplace && (shape.length !== input.ndim || shape.some((s, k) => s !== input.shape[k])))
    shapeError('mask', `a mask broadcastable to input's shape [${input.shape.join(', ')}]`, m);
  return { m, shape };
}
/** maskedScatter's values, unrecorded: [the result (contiguous, of `shape`), the flat positions written]. */
function maskedScatterRaw(input: Tensor, m: Tensor, source: Tensor, shape: number[]): [Tensor, Tensor] {
  return noGrad(() => {
    const e = expand(input, shape);
    const out = clone(e);
    if (e !== input) e.dispose();
    const n = out.numel();
    const lin = nonzero(reshape(expand(m, shape), [n]), { asTuple: true })[0];
    const k = lin.numel();
    if (k > source.numel()) {
      out.dispose();
      invalidArg('source', `at least ${k} elements (the mask's true elements)`, `a tensor of ${source.numel()} elements`);
    }
    if (k > 0) {
      const flat = reshape(out, [n]);
      rawScatter(flat, 0, lin, lineStrides(lin, 0, 1), [k], slice(reshape(source, [source.numel()]), 0, 0, k, 1), 'assign');
    }
    return [out, lin];
  });
}
/** maskedScatter's gradients: [input's (g where mask is false, summed to input's shape), source's (g at the written positions, in order, then zeros)]. */
function maskedScatterBackward(g: Tensor, input: Tensor, m: Tensor, source: Tensor, lin: Tensor, needSrc: boolean): [Tensor, Tensor | null] {
  const gi = sumTo(maskedFill(g, expand(m, g.shape), 0), input.shape);
  if (!needSrc) return [gi, null];
  const ns = source.numel();
  let gs = indexSelect(reshape(g, [g.numel()]), 0, lin);
  if (ns > lin.numel()) gs = pad(gs, [0, ns - lin.numel()]);
  return [gi, reshape(gs, source.shape)];
}
/**
 * A copy of input (broadcast with mask) with source's elements, in row-major order, written where
 * mask is true (source needs at least as many elements as mask has true ones).
 */
export function maskedScatter(input: Tensor, mask: Tensor, source: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('maskedScatter', 'input, mask, source', rest);
  const { m, shape } = maskedScatterArgs(input, mask, source, false);
  const [out, lin] = maskedScatterRaw(input, m, source, shape);
  return record(out, [input, source], 'MaskedScatterBackward', (g) => {
    const [gi, gs] = maskedScatterBackward(g, input, m, source, lin, source.requiresGrad);
    return [input.requiresGrad ? gi : null, gs];
  });
}
/** In-place maskedScatter (mask broadcast to input's shape). */
export function maskedScatter_(input: Tensor, mask: Tensor, source: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('maskedScatter_', 'input, mask, source', rest);
  const { m, shape } = maskedScatterArgs(input, mask, source, true);
  checkInplaceTarget(input);
  const shared = sharedInplace(input, [source], 'maskedScatter_', (x) => maskedScatter_(x, mask, source));
  if (shared) return shared;
  const viewed = input._storage.refs > 1; // (before the views of input that maskedScatterRaw makes)
  const [res, lin] = maskedScatterRaw(input, m, source, shape);
  rebase(input, viewed, [source], 'MaskedScatterBackward', (g) => maskedScatterBackward(g, input, m, source, lin, source.requiresGrad));
  writeInto(input, res);
  res.dispose();
  return input;
}

export interface PutOptions {
  /** Add source's values to input's instead of replacing them (repeated indices add up). */
  accumulate?: boolean;
}
function putArgs(input: Tensor, index: Tensor, source: Tensor, opts: PutOptions | undefined): { idx: Tensor; accumulate: boolean } {
  checkTensor('input', input);
  const idx0 = indexTensor('index', index, input);
  checkTensor('source', source);
  sameDevice('source', source, input);
  if (source.dtype !== input.dtype) dtypeError('source', `a ${input.dtype} tensor (input's dtype)`, source);
  if (source.numel() !== idx0.numel()) shapeError('source', `a tensor of ${idx0.numel()} elements (as index)`, source);
  const o = checkOptionKeys('opts', opts, ['accumulate']);
  if (o.accumulate !== undefined && typeof o.accumulate !== 'boolean') typeArg('opts.accumulate', 'a boolean', o.accumulate);
  const n = input.numel();
  checkRange('index', idx0, -n, n);
  // flat and wrapped (negative indices count from the end)
  const idx = noGrad(() => {
    const flat = reshape(idx0, [idx0.numel()]);
    return where(compare('lt', flat, 0), add(flat, n), flat);
  });
  return { idx, accumulate: !!o.accumulate };
}
function putRaw(input: Tensor, idx: Tensor, source: Tensor, accumulate: boolean): Tensor {
  return noGrad(() => {
    const out = clone(input);
    const k = idx.numel();
    if (k > 0) rawScatter(reshape(out, [out.numel()]), 0, idx, lineStrides(idx, 0, 1), [k], reshape(source, [k]), accumulate ? 'add' : 'assign');
    return out;
  });
}
function putBackward(g: Tensor, idx: Tensor, source: Tensor, accumulate: boolean, needSrc: boolean): [Tensor, Tensor | null] {
  const gi = accumulate ? g : put(g, idx, full([idx.numel()], 0, { dtype: g.dtype, device: g.device }));
  return [gi, needSrc ? reshape(indexSelect(reshape(g, [g.numel()]), 0, idx), source.shape) : null];
}
/**
 * A copy of input with source's elements written at the flat (row-major) positions index gives
 * (negative ones from the end; source has index's number of elements, any shape); `accumulate` adds
 * instead. Repeated indices without accumulate: the last write wins (PyTorch's result is unspecified).
 */
export function put(input: Tensor, index: Tensor, source: Tensor, opts?: PutOptions, ...rest: never[]): Tensor {
  noExtraArgs('put', 'input, index, source, { accumulate }', rest);
  const { idx, accumulate } = putArgs(input, index, source, opts);
  const out = putRaw(input, idx, source, accumulate);
  return record(out, [input, source], 'PutBackward', (g) => {
    const [gi, gs] = putBackward(g, idx, source, accumulate, source.requiresGrad);
    return [input.requiresGrad ? gi : null, gs];
  });
}
/** In-place put (x.put_(index, source, {accumulate})). */
export function put_(input: Tensor, index: Tensor, source: Tensor, opts?: PutOptions, ...rest: never[]): Tensor {
  noExtraArgs('put_', 'input, index, source, { accumulate }', rest);
  const { idx, accumulate } = putArgs(input, index, source, opts);
  checkInplaceTarget(input);
  const shared = sharedInplace(input, [source], 'put_', (x) => put_(x, index, source, opts));
  if (shared) return shared;
  const res = putRaw(input, idx, source, accumulate);
  rebase(input, input._storage.refs > 1, [source], 'PutBackward', (g) => putBackward(g, idx, source, accumulate, source.requiresGrad));
  writeInto(input, res);
  res.dispose();
  return input;
}

// ---- where / maskedFill / maskedSelect --------------------------------------------------------------
function conditionTensor(name: string, c: unknown): Tensor {
  const t = checkTensor(name, c);
  if (t.dtype !== 'bool' && t.dtype !== 'uint8') dtypeError(name, 'a bool tensor', t);
  return t;
}
function rawWhere(cond: Tensor, a: Tensor, b: Tensor, shape: number[]): Tensor {
  const out = Tensor.empty(shape.slice(), a.dtype, a.device);
  if (out.numel() === 0) return out;
  native.where(a.stridedArg(), b.stridedArg(), cond.stridedArg(), out.arg(), {
    inputStrides: broadcastStrides(a, shape),
    otherStrides: broadcastStrides(b, shape),
    conditionStrides: broadcastStrides(cond, shape),
  });
  return out;
}
function zeroLike(t: Tensor): Tensor {
  return full([], 0, { dtype: t.dtype, device: t.device });
}
/**
 * where(condition, input, other): input where condition is true, else other (broadcasting all three;
 * numbers allowed for input and other; PyTorch's type promotion). where(condition) alone is
 * nonzero(condition, { asTuple: true }).
 */
export function where(condition: Tensor): Tensor[];
export function where(condition: Tensor, input: Tensor | number, other: Tensor | number): Tensor;
export function where(condition: Tensor, input?: Tensor | number, other?: Tensor | number, ...rest: never[]): Tensor | Tensor[] {
  noExtraArgs('where', 'condition, input, other', rest);
  if (input === undefined && other === undefined) return nonzero(checkTensor('condition', condition), { asTuple: true });
  const c = conditionTensor('condition', condition);
  if (typeof input !== 'number') checkTensor('input', input);
  if (typeof other !== 'number') checkTensor('other', other);
  let dt: DType;
  if (typeof input === 'number' && typeof other === 'number') dt = Number.isInteger(input) && Number.isInteger(other) ? 'int64' : defaultFloat();
  else if (typeof input === 'number' || typeof other === 'number') {
    const t = (typeof input === 'number' ? other : input) as Tensor;
    const v = (typeof input === 'number' ? input : other) as number;
    dt = isFloating(t.dtype) || Number.isInteger(v) ? t.dtype : defaultFloat();
    if (t.dtype === 'bool' && typeof v === 'number') dt = Number.isInteger(v) ? 'int64' : defaultFloat();
  } else dt = resultType(input as Tensor, other as Tensor); // a 0-d operand counts only for a higher category, as PyTorch
  const a = typeof input === 'number' ? full([], input, { dtype: dt, device: c.device }) : input!;
  const b = typeof other === 'number' ? full([], other, { dtype: dt, device: c.device }) : other!;
  sameDevice('input', a, c, 'condition');
  sameDevice('other', b, c, 'condition');
  const ca = a.dtype === dt ? a : cast(a, dt);
  const cb = b.dtype === dt ? b : cast(b, dt);
  const shape = broadcastShapes(broadcastShapes(c.shape, ca.shape, ['condition', 'input']), cb.shape, ['condition and input', 'other']);
  const out = rawWhere(c, ca, cb, shape);
  return record(out, [ca, cb], 'WhereBackward', (g) => {
    const z = zeroLike(g);
    const ga = ca.requiresGrad ? sumTo(rawWhere(c, g, z, g.shape), ca.shape) : null;
    const gb = cb.requiresGrad ? sumTo(rawWhere(c, z, g, g.shape), cb.shape) : null;
    z.dispose();
    return [ga, gb];
  });
}
function fillValue(input: Tensor, value: unknown): Tensor {
  if (typeof value === 'number') return full([], value, { dtype: input.dtype, device: input.device });
  const v = checkTensor('value', value);
  if (v.ndim !== 0) shapeError('value', 'a number or a 0-d tensor', v);
  sameDevice('value', v, input);
  return v.dtype === input.dtype ? v : cast(v, input.dtype);
}
/** A copy of input with `value` (a number or a 0-d tensor) where mask (bool, broadcast to input) is true. */
export function maskedFill(input: Tensor, mask: Tensor, value: number | Tensor, ...rest: never[]): Tensor {
  noExtraArgs('maskedFill', 'input, mask, value', rest);
  checkTensor('input', input);
  const m = conditionTensor('mask', mask);
  sameDevice('mask', m, input);
  const v = fillValue(input, value);
  const shape = broadcastShapes(input.shape, m.shape, ['input', 'mask']);
  if (shape.length !== input.ndim || shape.some((s, k) => s !== input.shape[k]))
    shapeError('mask', `a mask broadcastable to input's shape [${input.shape.join(', ')}]`, m);
  const out = rawWhere(m, v, input, shape);
  return record(out, [input, v], 'MaskedFillBackward', (g) => {
    const z = zeroLike(g);
    const gi = input.requiresGrad ? rawWhere(m, z, g, g.shape) : null;
    const gv = v.requiresGrad ? sum(rawWhere(m, g, z, g.shape)) : null;
    z.dispose();
    return [gi, gv];
  });
}
/** In-place maskedFill. */
export function maskedFill_(input: Tensor, mask: Tensor, value: number | Tensor, ...rest: never[]): Tensor {
  noExtraArgs('maskedFill_', 'input, mask, value', rest);
  checkTensor('input', input);
  const m = conditionTensor('mask', mask);
  sameDevice('mask', m, input);
  const v = fillValue(input, value);
  const shape = broadcastShapes(input.shape, m.shape, ['input', 'mask']);
  if (shape.length !== input.ndim || shape.some((s, k) => s !== input.shape[k]))
    shapeError('mask', `a mask broadcastable to input's shape [${input.shape.join(', ')}]`, m);
  checkInplaceTarget(input);
  const shared = sharedInplace(input, [v], 'maskedFill_', (x) => maskedFill_(x, mask, value));
  if (shared) return shared;
  rebase(input, input._storage.refs > 1, [v], 'MaskedFillBackward', (g) => {
    const z = zeroLike(g);
    const gi = rawWhere(m, z, g, g.shape);
    const gv = v.requiresGrad ? sum(rawWhere(m, g, z, g.shape)) : null;
    z.dispose();
    return [gi, gv];
  });
  const r = rawWhere(m, v, input, shape);
  native.copyStrided(r.stridedArg(), input.stridedArg(), { srcStrides: r.strides, outStrides: input.strides, shape: input.shape });
  r.dispose();
  if (v !== value && !v.requiresGrad) v.dispose();
  return input;
}
/** The elements of input (broadcast with mask) where mask is true, as a 1-D tensor in row-major order. */
export function maskedSelect(input: Tensor, mask: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('maskedSelect', 'input, mask', rest);
  checkTensor('input', input);
  const m = conditionTensor('mask', mask);
  sameDevice('mask', m, input);
  const shape = broadcastShapes(input.shape, m.shape, ['input', 'mask']);
  const mb = m.shape.join() === shape.join() && m.isContiguous() ? m : clone(expand(m, shape));
  const pos = rawNonzero(mb, false);
  if (mb !== m) mb.dispose();
  const xb = input.shape.join() === shape.join() ? input : expand(input, shape);
  const flat = reshape(xb, [xb.numel()]);
  const out = indexSelectRaw(flat, 0, pos);
  return out;
}

// ---- nonzero ----------------------------------------------------------------------------------------
function rawNonzero(x: Tensor, coords: boolean): Tensor {
  const c = x.contiguous();
  const nz = compare('ne', c, 0);
  const cnt = sum(nz);
  const count = cnt.item();
  cnt.dispose();
  nz.dispose();
  const out = Tensor.empty(coords ? [count, x.ndim] : [count], 'int64', x.device);
  if (count > 0 && (!coords || x.ndim > 0)) native.nonzero(c.arg(), out.arg(), { shape: c.shape, coords });
  if (c !== x) c.dispose();
  return out;
}
export interface NonzeroOptions {
  /** return one 1-D tensor of indices per dimension instead of one [count, ndim] tensor */
  asTuple?: boolean;
}
/** The indices of the non-zero elements: an int64 [count, ndim] tensor (row-major order), or with asTuple one 1-D tensor per dimension. */
export function nonzero(input: Tensor, opts: NonzeroOptions & { asTuple: true }, ...rest: never[]): Tensor[];
export function nonzero(input: Tensor, opts?: NonzeroOptions & { asTuple?: false }, ...rest: never[]): Tensor;
export function nonzero(input: Tensor, opts?: NonzeroOptions, ...rest: never[]): Tensor | Tensor[];
export function nonzero(input: Tensor, opts?: NonzeroOptions, ...rest: never[]): Tensor | Tensor[] {
  noExtraArgs('nonzero', 'input, { asTuple }', rest);
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['asTuple']);
  if (o.asTuple !== undefined && typeof o.asTuple !== 'boolean') typeArg('opts.asTuple', 'a boolean', o.asTuple);
  if (!o.asTuple) return rawNonzero(input, true);
  if (input.ndim === 0) {
    // PyTorch treats a 0-d input as 1-d here
    const r = rawNonzero(reshape(input, [1]), false);
    return [r];
  }
  if (input.ndim === 1) return [rawNonzero(input, false)];
  const all = rawNonzero(input, true);
  const cols = input.shape.map((_, k) => clone(select(all, 1, k)));
  all.dispose();
  return cols;
}

// ---- indexing: x.index(...) / x.set(value, ...) -------------------------------------------------------
/** One entry of Tensor#index: an integer, a slice string ('1:5', '::2', ':-1', ':'), null (a new axis), '...', an index tensor (integer or bool; a 0-d integer one selects as an integer, as PyTorch's) or an array of integers / booleans. */
export type IndexSpec = number | string | null | Tensor | number[] | boolean[] | NestedArray[];

interface Parsed {
  view: Tensor;
  /** dims of `view` indexed by tensors (int64, not yet range-checked), in order */
  adv: { dim: number; index: Tensor }[];
}
function parseSlice(spec: string, size: number): [number, number, number] {
  const m = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/.exec(spec);
  if (!m) invalidArg('index', "a slice like ':', '1:5', '::2' or '1:-1', '...', an integer, null or an index tensor", spec);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (step <= 0) invalidArg('index', 'a slice with a positive step (as PyTorch)', spec);
  const norm = (v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    let n = Number(v);
    if (n < 0) n += size;
    return Math.min(Math.max(n, 0), size);
  };
  const start = norm(m[1], 0);
  const stop = Math.max(norm(m[2], size), start);
  return [start, stop, step];
}
function toIndexTensor(spec: Tensor | number[] | boolean[] | NestedArray[], like: Tensor): Tensor {
  if (spec instanceof Tensor) {
    checkTensor('index', spec);
    if (spec.dtype !== 'bool' && spec.dtype !== 'uint8' && spec.dtype !== 'int64' && spec.dtype !== 'int32')
      dtypeError('index', 'an integer or bool index tensor', spec);
    // index tensors may live on another device than the indexed tensor (as PyTorch's CPU indices of CUDA tensors)
    const t = spec.device === like.device ? spec : spec.to(like.device);
    return t.dtype === 'int32' ? cast(t, 'int64') : t;
  }
  const arr = spec as unknown[];
  if (arr.length && arr.some((v) => Array.isArray(v))) {
    // nested arrays: an index tensor of their shape (integers or booleans)
    let t = tensor(arr as NestedArray);
    if (t.numel() === 0 && t.dtype !== 'int64') t = cast(t, 'int64'); // [[]]: an empty int64 index, as PyTorch
    if (t.dtype !== 'int64' && t.dtype !== 'bool') typeArg('index', 'nested arrays of integers or of booleans', spec);
    return like.device === 'cpu' ? t : t.to(like.device);
  }
  if (arr.length && arr.every((v) => typeof v === 'boolean')) {
    const t = Tensor.empty([arr.length], 'bool', 'cpu');
    t._storage.native.write(Uint8Array.from(arr as boolean[], (b) => (b ? 1 : 0)), 0);
    return like.device === 'cpu' ? t : t.to(like.device);
  }
  if (!arr.every((v) => typeof v === 'number' && Number.isInteger(v)))
    typeArg('index', 'an array of integers or of booleans', spec);
  const t = Tensor.empty([arr.length], 'int64', 'cpu');
  if (arr.length) t._storage.native.write(BigInt64Array.from(arr as number[], (v) => BigInt(v)), 0);
  return like.device === 'cpu' ? t : t.to(like.device);
}
/**
 * `select0d`: a 0-d integer index tensor selects as an integer does (PyTorch's x[t]: a view, its
 * dimension removed in place, not an advanced index); indexPut_'s indices keep it advanced.
 */
function parseIndex(x: Tensor, specs0: IndexSpec[], select0d = true): Parsed {
  checkTensor('input', x);
  const specs = specs0.map((s) => {
    if (Array.isArray(s)) return toIndexTensor(s, x);
    if (select0d && s instanceof Tensor && s.ndim === 0 && (s.dtype === 'int64' || s.dtype === 'int32')) return checkTensor('index', s).item();
    return s;
  });
  // a mask covers its dims (a 0-d one none: it adds a dimension); an integer index tensor one
  const consumes = (s: IndexSpec): number => {
    if (s === null || s === '...') return 0;
    if (s instanceof Tensor) return s.dtype === 'bool' || s.dtype === 'uint8' ? s.ndim : 1;
    return 1;
  };
  const ell = specs.filter((s) => s === '...').length;
  if (ell > 1) invalidArg('index', "at most one '...'", specs);
  const used = specs.reduce<number>((a, s) => a + consumes(s), 0);
  if (used > x.ndim) invalidArg('index', `at most ${x.ndim} indexed dimensions (the tensor's)`, specs);
  const full: IndexSpec[] = [];
  for (const s of specs) {
    if (s === '...') for (let k = 0; k < x.ndim - used; k++) full.push(':');
    else full.push(s);
  }
  let v = x;
  let d = 0; // position in v
  let src = 0; // dimension of x being consumed
  const adv: { dim: number; index: Tensor }[] = [];
  const step = (nv: Tensor): void => {
    v = nv;
  };
  for (const s of full) {
    if (s === null) {
      step(unsqueeze(v, d));
      d++;
    } else if (typeof s === 'number') {
      if (!Number.isInteger(s)) typeArg('index', 'an integer, a slice string, null, \'...\' or an index tensor', s);
      const n = v.shape[d];
      if (s < -n || s >= n) invalidArg('index', `an index in [${-n}, ${n - 1}] for dimension ${src} of size ${n}`, s);
      step(select(v, d, s));
      src++;
    } else if (typeof s === 'string') {
      const [a, b, st] = parseSlice(s, v.shape[d]);
      if (!(a === 0 && b === v.shape[d] && st === 1)) step(slice(v, d, a, b, st));
      d++;
      src++;
    } else if (s instanceof Tensor || Array.isArray(s)) {
      const t = toIndexTensor(s, x);
      if (t.dtype === 'bool' || t.dtype === 'uint8') {
        const k = Math.max(t.ndim, 1);
        const want = v.shape.slice(d, d + k);
        const mshape = t.ndim ? t.shape : [1];
        if (t.ndim && (want.length !== k || mshape.some((m, j) => m !== want[j])))
          shapeError('index', `a mask of shape [${want.join(', ')}] (the indexed dimensions)`, t);
        if (t.ndim === 0) {
          // a 0-d mask adds a dimension of size 1 (true) or 0 (false)
          step(unsqueeze(v, d));
          const cols = nonzero(reshape(t, [1]), { asTuple: true });
          adv.push({ dim: d, index: cols[0] });
          d++;
        } else {
          const cols = nonzero(t, { asTuple: true });
          cols.forEach((c, j) => adv.push({ dim: d + j, index: c }));
          d += k;
        }
        src += t.ndim;
      } else {
        adv.push({ dim: d, index: t });
        d++;
        src++;
      }
    } else typeArg('index', "an integer, a slice string, null, '...' or an index tensor", s);
  }
  return { view: v, adv };
}
/**
 * Index tensors broadcast to one shape, range-checked, negatives wrapped. As PyTorch (which checks
 * the indices as it reads them): no check when the broadcast indices are empty, and when another
 * dimension of the result is 0 only the refusal of a non-empty index into a dimension of size 0.
 */
function prepareAdvanced(view: Tensor, adv: { dim: number; index: Tensor }[]): { shape: number[]; idx: Tensor[] } {
  let shape: number[] = [];
  adv.forEach((a, j) => (shape = broadcastShapes(shape, a.index.shape, ['the other indices', `index tensor ${j}`])));
  const noIndices = shape.some((n) => n === 0);
  const restEmpty = view.shape.some((n, k) => n === 0 && !adv.some((a) => a.dim === k));
  const idx = adv.map((a) => {
    const n = view.shape[a.dim];
    if (!noIndices && (!restEmpty || n === 0)) checkRange('index', a.index, -n, n);
    return a.index;
  });
  return { shape, idx };
}
/** Sum of idx_j (wrapped) * the row-major stride of dims `dims` of `view`: one flat index. */
function linearIndex(view: Tensor, dims: number[], idx: Tensor[], shape: number[]): Tensor {
  let lin: Tensor | null = null;
  let stride = 1;
  for (let j = dims.length - 1; j >= 0; j--) {
    const n = view.shape[dims[j]];
    const neg = compare('lt', idx[j], 0);
    const wrapped = where(neg, add(idx[j], n), idx[j]);
    neg.dispose();
    const term = stride === 1 ? wrapped : mul(wrapped, stride);
    lin = lin ? add(lin, term) : term;
    stride *= n;
  }
  const e = expand(lin!, shape);
  const c = clone(e);
  return c;
}
function isConsecutive(dims: number[]): boolean {
  return dims.every((d, j) => j === 0 || d === dims[j - 1] + 1);
}
/** PyTorch's x[specs]: see Tensor#index. */
export function index(x: Tensor, specs: IndexSpec[]): Tensor {
  const { view, adv } = parseIndex(x, specs);
  if (!adv.length) return view === x ? reshape(x, x.shape) : view;
  const { shape: bshape, idx } = prepareAdvanced(view, adv);
  const dims = adv.map((a) => a.dim);
  if (dims.length === 1) {
    // one index tensor: select along its dim in place, its shape spliced in there
    const d = dims[0];
    const lin = linearIndex(view, dims, idx, bshape);
    const sel = indexSelectRaw(view, d, reshape(lin, [lin.numel()]));
    return reshape(sel, [...view.shape.slice(0, d), ...bshape, ...view.shape.slice(d + 1)]);
  }
  const rest = view.shape.map((_, k) => k).filter((k) => !dims.includes(k));
  // move the indexed dims first, flatten them into one, select along it
  const p = permute(view, [...dims, ...rest]);
  const flatLen = dims.reduce((a, k) => a * view.shape[k], 1);
  const flat = reshape(p, [flatLen, ...rest.map((k) => view.shape[k])]);
  const lin = linearIndex(view, dims, idx, bshape);
  const sel = indexSelectRaw(flat, 0, reshape(lin, [lin.numel()]));
  const out = reshape(sel, [...bshape, ...rest.map((k) => view.shape[k])]);
  if (!isConsecutive(dims) || dims[0] === 0) return out;
  // consecutive advanced dims keep their place: [B..., before..., after...] -> [before..., B..., after...]
  const nb = bshape.length;
  const before = dims[0];
  const order = [...Array.from({ length: before }, (_, k) => nb + k), ...Array.from({ length: nb }, (_, k) => k),
    ...Array.from({ length: out.ndim - nb - before }, (_, k) => nb + before + k)];
  return permute(out, order);
}

/** x[specs] = value in place (see Tensor#set); returns x. */
export function setIndex(x: Tensor, value: Tensor | number, specs: IndexSpec[]): Tensor {
  checkTensor('input', x);
  const via = sharedInplace(x, [value], 'set', (fresh) => setIndex(fresh, value, specs));
  if (via) return via;
  const shared = x._storage.refs > 1;
  if (typeof value !== 'number') {
    checkTensor('value', value);
    sameDevice('value', value, x);
  } else if (typeof value !== 'number') typeArg('value', 'a number or a tensor', value);
  const { view, adv } = parseIndex(x, specs);
  const viewOf = (t: Tensor): Tensor => parseIndex(t, specs).view;
  const val = typeof value === 'number' ? full([], value, { dtype: x.dtype, device: x.device }) : value.dtype === x.dtype ? value : cast(value, x.dtype);
  if (!adv.length) {
    broadcastShapes(view.shape, val.shape, ['the indexed view', 'value']);
    const vb0 = expand(val.ndim > view.ndim ? reshape(val, val.shape.slice(val.ndim - view.ndim)) : val, view.shape);
    // a value that views the written elements is read as it was before the write (a copy: no overlapping memcpy)
    const vb = vb0._storage === view._storage && spansMeet(vb0, view) ? clone(vb0) : vb0;
    checkInplaceTarget(x);
    rebase(x, shared, [val], 'IndexPutBackward', (g) => {
      const gx = clone(g);
      const w = viewOf(gx);
      const gv = val.requiresGrad ? sumTo(clone(w), val.shape) : null;
      const z = full([], 0, { dtype: g.dtype, device: g.device });
      native.copyStrided(z.stridedArg(), w.stridedArg(), { srcStrides: w.shape.map(() => 0), outStrides: w.strides, shape: w.shape });
      z.dispose();
      return [gx, gv];
    });
    native.copyStrided(vb.stridedArg(), view.stridedArg(), { srcStrides: vb.strides, outStrides: view.strides, shape: view.shape });
    return x;
  }
  return putAdvanced(x, shared, view, viewOf, adv, val, false);
}
/** The stride of p's first k dims flattened into one, or null when they do not nest. */
function flatStride(p: Tensor, k: number): number | null {
  let st: number | null = null;
  let expect = 0;
  for (let j = k - 1; j >= 0; j--) {
    if (p.shape[j] === 1) continue;
    if (st === null) st = p.strides[j];
    else if (p.strides[j] !== expect) return null;
    expect = p.strides[j] * p.shape[j];
  }
  return st ?? 1;
}
/** Runs fn on p ([k indexed dims..., rest...]) seen as [flatLen, ...rest]: a view when the dims nest, else a contiguous copy (written back when `write`). */
function withFlat(p: Tensor, k: number, flatLen: number, restShape: number[], write: boolean, fn: (flat: Tensor) => void): void {
  const st = flatStride(p, k);
  if (st !== null) {
    const v = new Tensor(p._storage, [flatLen, ...restShape], p.dtype, p.device, [st, ...p.strides.slice(k)], p.offset);
    fn(v);
    v.dispose();
    return;
  }
  const c = clone(p);
  const v = new Tensor(c._storage, [flatLen, ...restShape], c.dtype, c.device);
  fn(v);
  v.dispose();
  if (write) native.copyStrided(c.stridedArg(), p.stridedArg(), { srcStrides: c.strides, outStrides: p.strides, shape: p.shape });
  c.dispose();
}
function putAdvanced(x: Tensor, shared: boolean, view: Tensor, viewOf: (t: Tensor) => Tensor, adv: { dim: number; index: Tensor }[], val: Tensor, accumulate: boolean): Tensor {
  const { shape: bshape, idx } = prepareAdvanced(view, adv);
  const dims = adv.map((a) => a.dim);
  const rest = view.shape.map((_, k) => k).filter((k) => !dims.includes(k));
  // the value as [B..., rest...] (PyTorch's result layout of view[idx])
  const front = !isConsecutive(dims) || dims[0] === 0;
  const resShape = front
    ? [...bshape, ...rest.map((k) => view.shape[k])]
    : [...rest.slice(0, dims[0]).map((k) => view.shape[k]), ...bshape, ...rest.slice(dims[0]).map((k) => view.shape[k])];
  broadcastShapes(resShape, val.shape, ['the indexed result', 'value']);
  let vb = expand(val.ndim > resShape.length ? reshape(val, val.shape.slice(val.ndim - resShape.length)) : val, resShape);
  if (!front) {
    const nb = bshape.length;
    const before = dims[0];
    const order = [...Array.from({ length: nb }, (_, k) => before + k), ...Array.from({ length: before }, (_, k) => k),
      ...Array.from({ length: resShape.length - nb - before }, (_, k) => before + nb + k)];
    vb = permute(vb, order);
  }
  const lin = linearIndex(view, dims, idx, bshape);
  const linFlat = reshape(lin, [lin.numel()]);
  const restShape = rest.map((k) => view.shape[k]);
  const src0 = reshape(vb, [linFlat.numel(), ...restShape]); // may copy: a contiguous source
  // a value that views the written elements is read as it was before the write (a copy; PyTorch 1.13 refuses)
  const src = src0._storage === view._storage && spansMeet(src0, view) ? clone(src0) : src0;
  const perm = [...dims, ...rest];
  const flatLen = dims.reduce((a, k) => a * view.shape[k], 1);
  const k = dims.length;
  checkInplaceTarget(x);
  rebase(x, shared, [src], 'IndexPutBackward', (g) => {
    const gx = clone(g);
    const pw = permute(viewOf(gx), perm);
    let gsrc: Tensor | null = null;
    if (src.requiresGrad) withFlat(pw, k, flatLen, restShape, false, (f) => (gsrc = gatherFlat(f, linFlat)));
    if (!accumulate) withFlat(pw, k, flatLen, restShape, true, (f) => putFlat(f, linFlat, 0, false));
    return [gx, gsrc];
  });
  withFlat(permute(view, perm), k, flatLen, restShape, true, (f) => putFlat(f, linFlat, src, accumulate));
  return x;
}
function putFlat(dst: Tensor, lin: Tensor, src: Tensor | number, accumulate: boolean): void {
  const shape = typeof src === 'number' ? [lin.numel(), ...dst.shape.slice(1)] : src.shape;
  rawScatter(dst, 0, lin, lineStrides(lin, 0, shape.length), shape, src, accumulate ? 'add' : 'assign');
}
function gatherFlat(srcView: Tensor, lin: Tensor): Tensor {
  const shape = [lin.numel(), ...srcView.shape.slice(1)];
  return rawGather(srcView, 0, lin, shape, lineStrides(lin, 0, shape.length));
}
/**
 * PyTorch's index_put_: x[indices] = values in place (indices: index tensors, integer or bool, for
 * the leading dimensions); with accumulate, values at repeated indices add up. Returns x.
 */
export function indexPut_(x: Tensor, indices: (Tensor | null)[], values: Tensor, opts?: { accumulate?: boolean }, ...rest: never[]): Tensor {
  noExtraArgs('indexPut_', 'input, indices, values, { accumulate }', rest);
  checkTensor('input', x);
  const shared = x._storage.refs > 1;
  if (!Array.isArray(indices) || !indices.length) typeArg('indices', 'a non-empty array of index tensors', indices);
  indices.forEach((t, j) => {
    if (t !== null) checkTensor(`indices[${j}]`, t);
  });
  checkTensor('values', values);
  sameDevice('values', values, x);
  const o = checkOptionKeys('opts', opts, ['accumulate']);
  if (o.accumulate !== undefined && typeof o.accumulate !== 'boolean') typeArg('opts.accumulate', 'a boolean', o.accumulate);
  const via = sharedInplace(x, [values], 'indexPut_', (fresh) => indexPut_(fresh, indices, values, opts));
  if (via) return via;
  const specs: IndexSpec[] = indices.map((t) => (t === null ? ':' : t));
  const val = values.dtype === x.dtype ? values : cast(values, x.dtype);
  const { view, adv } = parseIndex(x, specs, false);
  if (!adv.length) invalidArg('indices', 'at least one index tensor', indices);
  return putAdvanced(x, shared, view, (t) => parseIndex(t, specs, false).view, adv, val, !!o.accumulate);
}
/** Out-of-place indexPut_: a copy of x with values put at indices (differentiable). */
export function indexPut(x: Tensor, indices: (Tensor | null)[], values: Tensor, opts?: { accumulate?: boolean }, ...rest: never[]): Tensor {
  noExtraArgs('indexPut', 'input, indices, values, { accumulate }', rest);
  checkTensor('input', x);
  const c = clone(x);
  return indexPut_(c, indices, values, opts);
}
