// lib/ops/shape.ts — views that share storage (view, reshape, flatten, permute, transpose,
// unsqueeze, squeeze, narrow, select, slice with a step, expand, movedim, chunk, split, unbind), cat
// and stack, and the copies built from them (repeat, tile, flip, roll, tril, triu), with their
// gradients. view works wherever the input's strides allow it (PyTorch's computeStride) and refuses
// otherwise; reshape is that view where it exists and copies only where it does not, as PyTorch's.
// The copies run in native kernels (strided copy, gather, where).
import { native } from '../binding';
import { invalidArg, typeArg, dtypeError, shapeError } from '../errors';
import { Tensor, normDim, numelOf, checkTensor, contiguousStrides, hasInternalOverlap } from '../tensor';
import { record, linearGrad } from '../autograd';
import { clone, sumTo, compare, div } from './elementwise';
import { indexSelectRaw, where, indexAdd, indexSelect } from './index';

function viewOf(t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return new Tensor(t._storage, shape, t.dtype, t.device, strides, offset);
}

export function inferShape(t: Tensor, shape: number[]): number[] {
  if (!shape.every((s) => typeof s === 'number' && Number.isInteger(s))) typeArg('shape', 'integers', shape);
  const n = t.numel();
  const neg = shape.filter((s) => s === -1).length;
  if (neg > 1) invalidArg('shape', 'at most one -1', shape);
  if (shape.some((s) => s < -1)) invalidArg('shape', 'sizes >= -1', shape);
  const known = shape.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const out = shape.map((s) => (s === -1 ? (known === 0 ? 0 : n / known) : s));
  if (numelOf(out) !== n || out.some((s) => !Number.isInteger(s)))
    shapeError('shape', `a shape with ${n} elements (input shape [${t.shape.join(', ')}])`, shape);
  return out;
}

/**
 * The strides of t viewed as `shape` without a copy, or null where no view exists (a new dimension
 * would span two non-mergeable dimensions of t): PyTorch's at::detail::computeStride.
 */
function viewStrides(t: Tensor, shape: number[]): number[] | null {
  const os = t.shape;
  const ost = t.strides;
  if (os.length === 0) return shape.map(() => 1);
  const n = numelOf(os);
  if (n === 0 && os.length === shape.length && os.every((s, i) => s === shape[i])) return ost.slice();
  const st = new Array<number>(shape.length);
  if (n === 0) {
    for (let d = shape.length - 1; d >= 0; d--) st[d] = d === shape.length - 1 ? 1 : Math.max(shape[d + 1], 1) * st[d + 1];
    return st;
  }
  let vd = shape.length - 1;
  let base = ost[os.length - 1];
  let tn = 1;
  let vn = 1;
  for (let td = os.length - 1; td >= 0; td--) {
    tn *= os[td];
    if (td === 0 || (os[td - 1] !== 1 && ost[td - 1] !== tn * base)) {
      while (vd >= 0 && (vn < tn || shape[vd] === 1)) {
        st[vd] = vn * base;
        vn *= shape[vd];
        vd--;
      }
      if (vn !== tn) return null;
      if (td > 0) {
        base = ost[td - 1];
        tn = 1;
        vn = 1;
      }
    }
  }
  return vd === -1 ? st : null;
}
export function view(t: Tensor, shape: number[]): Tensor {
  checkTensor('input', t);
  const s = inferShape(t, shape);
  const st = t.isContiguous() ? contiguousStrides(s) : viewStrides(t, s);
  if (!st)
    invalidArg('input', "a tensor whose strides allow this view (view size is not compatible with the input's size and stride: use reshape(), or contiguous() first)", t);
  // (an empty view reaches no element: offset 0, as an offset past the storage would make it unreadable)
  const out = viewOf(t, s, st, t.numel() === 0 ? 0 : t.offset);
  return record(out, [t], 'ViewBackward', (g) => [reshape(g, t.shape)]);
}
export function reshape(t: Tensor, shape: number[]): Tensor {
  checkTensor('input', t);
  if (t.isContiguous() || viewStrides(t, inferShape(t, shape))) return view(t, shape);
  const c = clone(t);
  return view(c, shape);
}
export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('input', t);
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normDim(startDim, t.ndim, 'startDim');
  const e = normDim(endDim, t.ndim, 'endDim');
  if (s > e) invalidArg('startDim', `a dimension <= endDim (${e})`, startDim);
  const shape = [...t.shape.slice(0, s), t.shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}
export function permute(t: Tensor, dims: number[]): Tensor {
  checkTensor('input', t);
  if (dims.length !== t.ndim) invalidArg('dims', `${t.ndim} dimensions`, dims);
  const ds = dims.map((d) => normDim(d, t.ndim, 'dims'));
  if (new Set(ds).size !== ds.length) invalidArg('dims', 'a permutation of the dimensions', dims);
  const out = viewOf(t, ds.map((d) => t.shape[d]), ds.map((d) => t.strides[d]), t.offset);
  const inv = new Array(ds.length);
  ds.forEach((d, i) => (inv[d] = i));
  return record(out, [t], 'PermuteBackward', (g) => [permute(g, inv)]);
}
export function transpose(t: Tensor, d0: number, d1: number): Tensor {
  checkTensor('input', t);
  const a = normDim(d0, t.ndim, 'dim0');
  const b = normDim(d1, t.ndim, 'dim1');
  const dims = t.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(t, dims);
}
export function unsqueeze(t: Tensor, dim: number): Tensor {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim + 1);
  const shape = t.shape.slice();
  const strides = t.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < t.ndim ? t.strides[d] * t.shape[d] : 1);
  return record(viewOf(t, shape, strides, t.offset), [t], 'UnsqueezeBackward', (g) => [reshape(g, t.shape)]);
}
export function squeeze(t: Tensor, dim?: number): Tensor {
  checkTensor('input', t);
  const keep = t.shape.map((s, i) => (dim === undefined ? s !== 1 : i !== normDim(dim, t.ndim) || s !== 1));
  const out = viewOf(t, t.shape.filter((_, i) => keep[i]), t.strides.filter((_, i) => keep[i]), t.offset);
  return record(out, [t], 'SqueezeBackward', (g) => [reshape(g, t.shape)]);
}
/** Gradient of a view that selects a window: zeros with g copied into the window. */
function scatterWindow(g: Tensor, inputShape: number[], win: (z: Tensor) => Tensor): Tensor {
  const z = Tensor.empty(inputShape.slice(), g.dtype, g.device, true);
  const w = win(z);
  native.copyStrided(g.stridedArg(), w.stridedArg(), { srcStrides: g.strides, outStrides: w.strides, shape: w.shape });
  w.dispose();
  return z;
}
/** win(t) (a window view) recorded as `op`, its gradient scatterWindow's (recorded under createGraph). */
function windowView(t: Tensor, win: (z: Tensor) => Tensor, op: 'NarrowBackward' | 'SelectBackward' | 'SliceBackward'): Tensor {
  return record(win(t), [t], op, (g) => [windowGrad(g, t.shape, win, op)]);
}
/** The gradient of a window view: linear in g, so under createGraph its node's backward is the window view again. */
function windowGrad(g: Tensor, inputShape: number[], win: (z: Tensor) => Tensor, op: 'NarrowBackward' | 'SelectBackward' | 'SliceBackward'): Tensor {
  return linearGrad(scatterWindow(g, inputShape, win), g, 'SliceBackwardBackward', (gg) => windowView(gg, win, op));
}
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim);
  if (!Number.isInteger(start)) typeArg('start', 'an integer', start);
  const st = start < 0 ? start + t.shape[d] : start;
  if (st < 0 || st > t.shape[d]) invalidArg('start', `an index in [0, ${t.shape[d]}]`, start);
  if (!Number.isInteger(length) || length < 0 || st + length > t.shape[d])
    invalidArg('length', `a length in [0, ${t.shape[d] - st}]`, length);
  const win = (x: Tensor): Tensor => {
    const shape = x.shape.slice();
    shape[d] = length;
    return viewOf(x, shape, x.strides.slice(), x.offset + st * x.strides[d]);
  };
  return windowView(t, win, 'NarrowBackward');
}
export function select(t: Tensor, dim: number, index: number): Tensor {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim);
  if (!Number.isInteger(index) || index < -t.shape[d] || index >= t.shape[d])
    invalidArg('index', `an index in [${-t.shape[d]}, ${t.shape[d] - 1}]`, index);
  const i = index < 0 ? index + t.shape[d] : index;
  const win = (x: Tensor): Tensor =>
    viewOf(x, x.shape.filter((_, k) => k !== d), x.strides.filter((_, k) => k !== d), x.offset + i * x.strides[d]);
  return windowView(t, win, 'SelectBackward');
}
/** Elements start, start + step, ... (< stop) of dim: a view (PyTorch's x[..., start:stop:step]). */
export function slice(t: Tensor, dim: number, start: number, stop: number, step = 1): Tensor {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim);
  const n = t.shape[d];
  if (![start, stop, step].every(Number.isInteger)) typeArg('slice', 'integer start, stop and step', [start, stop, step]);
  if (step <= 0) invalidArg('step', 'a positive step', step);
  const a = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
  const b = Math.max(Math.min(Math.max(stop < 0 ? stop + n : stop, 0), n), a);
  const len = Math.ceil((b - a) / step);
  const win = (x: Tensor): Tensor => {
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    shape[d] = len;
    strides[d] = x.strides[d] * step;
    return viewOf(x, shape, strides, x.offset + (len ? a * x.strides[d] : 0));
  };
  return windowView(t, win, 'SliceBackward');
}
export function expand(t: Tensor, shape: number[]): Tensor {
  checkTensor('input', t);
  if (shape.length < t.ndim) shapeError('shape', `at least ${t.ndim} dimensions`, shape);
  const lead = shape.length - t.ndim;
  const outShape = shape.map((s, i) => (i >= lead && s === -1 ? t.shape[i - lead] : s));
  const strides = outShape.map((s, i) => {
    if (i < lead) return 0;
    const src = t.shape[i - lead];
    if (src === s) return t.strides[i - lead];
    if (src === 1) return 0;
    return shapeError('shape', `a size compatible with [${t.shape.join(', ')}] at dimension ${i}`, shape);
  });
  return record(viewOf(t, outShape, strides, t.offset), [t], 'ExpandBackward', (g) => [sumTo(g, t.shape)]);
}

/** Concatenates tensors of one dtype along `dim` (sizes must match elsewhere), with gradient. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || !tensors.length) invalidArg('tensors', 'a non-empty array of tensors', tensors);
  tensors.forEach((t, i) => checkTensor(`tensors[${i}]`, t));
  const first = tensors[0];
  const d = normDim(dim, first.ndim);
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) dtypeError(`tensors[${i}]`, `a ${first.dtype} tensor`, t);
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k]))
      shapeError(`tensors[${i}]`, `shape [${first.shape.map((s, k) => (k === d ? '*' : s)).join(', ')}]`, t);
  });
  const shape = first.shape.slice();
  shape[d] = tensors.reduce((a, t) => a + t.shape[d], 0);
  const out = Tensor.empty(shape, first.dtype, first.device);
  const st = out.strides;
  let off = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    starts.push(off);
    if (t.numel()) {
      const win = viewOf(out, t.shape.slice(), st.slice(), off * st[d]);
      native.copyStrided(t.stridedArg(), win.stridedArg(), { srcStrides: t.strides, outStrides: st, shape: t.shape });
      win.dispose();
    }
    off += t.shape[d];
  }
  return record(out, tensors, 'CatBackward', (g) =>
    tensors.map((t, i) => (t.requiresGrad ? clone(narrow(g, d, starts[i], t.shape[d])) : null)),
  );
}
/** Stacks same-shape tensors along a new dimension `dim`. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || !tensors.length) invalidArg('tensors', 'a non-empty array of tensors', tensors);
  tensors.forEach((t, i) => {
    checkTensor(`tensors[${i}]`, t);
    if (t.shape.join() !== tensors[0].shape.join()) shapeError(`tensors[${i}]`, `shape [${tensors[0].shape.join(', ')}]`, t);
  });
  const d = normDim(dim, tensors[0].ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

// ---- views: movedim, chunk, split, unbind, diagonal, T / mT ----------------------------------------
function dimList(name: string, v: number | number[], ndim: number): number[] {
  const arr = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(arr)) typeArg(name, 'an integer or an array of integers', v);
  const ds = arr.map((d) => normDim(d, ndim, name));
  if (new Set(ds).size !== ds.length) invalidArg(name, 'distinct dimensions', v);
  return ds;
}
/** Moves dims `source` to positions `destination` (the others keep their order): a view. */
export function movedim(t: Tensor, source: number | number[], destination: number | number[]): Tensor {
  checkTensor('input', t);
  const src = dimList('source', source, t.ndim);
  const dst = dimList('destination', destination, t.ndim);
  if (src.length !== dst.length) invalidArg('destination', `as many dimensions as source (${src.length})`, destination);
  const order = new Array<number>(t.ndim).fill(-1);
  src.forEach((s, k) => (order[dst[k]] = s));
  const rest = t.shape.map((_, k) => k).filter((k) => !src.includes(k));
  let r = 0;
  for (let k = 0; k < t.ndim; k++) if (order[k] === -1) order[k] = rest[r++];
  return permute(t, order);
}
/** Views of consecutive pieces along dim: of `size` each (the last may be smaller), or of the given sizes. */
export function split(t: Tensor, splitSizeOrSections: number | number[], dim = 0): Tensor[] {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim);
  const n = t.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0)) invalidArg('splitSize', 'a positive integer', s);
    sizes = [];
    if (n === 0) sizes.push(0);
    for (let a = 0; a < n; a += s) sizes.push(Math.min(s, n - a));
  } else {
    if (!Array.isArray(splitSizeOrSections) || !splitSizeOrSections.every((s) => Number.isInteger(s) && s >= 0))
      typeArg('splitSizeOrSections', 'an integer or an array of non-negative integers', splitSizeOrSections);
    sizes = splitSizeOrSections;
    if (sizes.reduce((a, b) => a + b, 0) !== n) invalidArg('splitSizeOrSections', `sizes that sum to ${n} (the size of dimension ${d})`, sizes);
  }
  let start = 0;
  return sizes.map((s) => {
    const v = narrow(t, d, start, s);
    start += s;
    return v;
  });
}
/** `chunks` views along dim of ceil(n / chunks) elements each (fewer pieces when n is small), as PyTorch. */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor('input', t);
  if (!Number.isInteger(chunks) || chunks < 1) invalidArg('chunks', 'a positive integer', chunks);
  const d = normDim(dim, t.ndim);
  const n = t.shape[d];
  return split(t, Math.max(1, Math.ceil(n / chunks)), d);
}
/** The slices along dim as views (dim removed). */
export function unbind(t: Tensor, dim = 0): Tensor[] {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim);
  return Array.from({ length: t.shape[d] }, (_, i) => select(t, d, i));
}
/** The diagonal of dims dim1, dim2 (offset above / below the main one) as a view appended as the last dim. */
export function diagonal(t: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  checkTensor('input', t);
  if (!Number.isInteger(offset)) typeArg('offset', 'an integer', offset);
  const a = normDim(dim1, t.ndim, 'dim1');
  const b = normDim(dim2, t.ndim, 'dim2');
  if (a === b) invalidArg('dim2', 'a dimension other than dim1', dim2);
  const win = (x: Tensor): Tensor => {
    const n = Math.max(0, offset >= 0 ? Math.min(x.shape[a], x.shape[b] - offset) : Math.min(x.shape[a] + offset, x.shape[b]));
    const start = n === 0 ? 0 : offset >= 0 ? offset * x.strides[b] : -offset * x.strides[a];
    const keep = x.shape.map((_, k) => k).filter((k) => k !== a && k !== b);
    return viewOf(x, [...keep.map((k) => x.shape[k]), n], [...keep.map((k) => x.strides[k]), x.strides[a] + x.strides[b]], x.offset + start);
  };
  return record(win(t), [t], 'DiagonalBackward', (g) => [scatterWindow(g, t.shape, win)]);
}

/**
 * Tensor.unfold(dimension, size, step): every window of `size` elements of dimension, `step` apart, as a
 * new last dim: a view (dimension's stride times step; the new dim has dimension's stride). Its
 * gradient sums the windows back (they overlap when step < size). A 0-d tensor unfolds as one of 1 element.
 */
export function unfoldDim(t: Tensor, dimension: number, size: number, step: number): Tensor {
  checkTensor('input', t);
  const d = normDim(dimension, Math.max(t.ndim, 1), 'dimension');
  const n = t.ndim ? t.shape[d] : 1;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) typeArg('size', 'a non-negative integer', size);
  if (size > n) invalidArg('size', `at most ${n} (PyTorch: maximum size for tensor at dimension ${d} is ${n})`, size);
  if (typeof step !== 'number' || !Number.isInteger(step) || step <= 0) invalidArg('step', 'a positive integer', step);
  const count = Math.floor((n - size) / step) + 1;
  const win = (x: Tensor): Tensor => {
    if (x.ndim === 0) return viewOf(x, [size], [1], x.offset);
    const shape = x.shape.slice();
    const strides = x.strides.slice();
    shape[d] = count;
    strides[d] = x.strides[d] * step;
    return viewOf(x, [...shape, size], [...strides, x.strides[d]], x.offset);
  };
  return record(win(t), [t], 'UnfoldBackward', (g) => [unfoldGrad(g, t.shape, d, size, step, count)]);
}
/** The gradient of unfoldDim: g's windows added back where they came from (index_add along the dim, differentiable). */
function unfoldGrad(g: Tensor, shape: number[], d: number, size: number, step: number, count: number): Tensor {
  const zero = Tensor.empty(shape.slice(), g.dtype, g.device, true);
  if (!shape.length) return size ? reshape(g, []) : zero;
  // [..., count, ..., size] -> [..., count, size, ...] -> [..., count * size, ...]
  const flat = reshape(movedim(g, g.ndim - 1, d + 1), [...shape.slice(0, d), count * size, ...shape.slice(d + 1)]);
  const at: number[] = [];
  for (let w = 0; w < count; w++) for (let j = 0; j < size; j++) at.push(w * step + j);
  return indexAdd(zero, d, int64Of(at, g.device), flat);
}

/**
 * torch.asStrided(x, size, stride, storageOffset = x's): a view of x's storage with that geometry (strides
 * non-negative, every element inside the storage, as PyTorch's as_strided). Its gradient, as PyTorch's
 * as_strided_backward: g added into a zeroed stretch of storage at the view's positions (summed where the
 * view overlaps itself), divided where x's own elements share a position, read back at x's positions.
 */
export function asStrided(t: Tensor, size: number[], stride: number[], storageOffset?: number | null): Tensor {
  checkTensor('input', t);
  const ints = (v: unknown) => Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isSafeInteger(d));
  if (!ints(size) || size.some((d) => d < 0)) typeArg('size', 'an array of non-negative integers', size);
  if (!ints(stride) || stride.length !== size.length) typeArg('stride', `an array of ${ints(size) ? size.length : 'size.length'} integers`, stride);
  if (stride.some((d) => d < 0)) invalidArg('stride', `non-negative strides (PyTorch: as_strided: Negative strides are not supported at the moment, got strides: [${stride.join(', ')}])`, stride);
  if (storageOffset !== undefined && storageOffset !== null && (typeof storageOffset !== 'number' || !Number.isSafeInteger(storageOffset) || storageOffset < 0))
    invalidArg('storageOffset', 'a non-negative integer', storageOffset);
  const off = storageOffset ?? t.offset;
  const capacity = Math.floor(t._storage.bytes / t.elementSize());
  if (!size.includes(0)) {
    const last = size.reduce((a, n, k) => a + (n - 1) * stride[k], off);
    if (last >= capacity)
      invalidArg('size', `a view inside the storage of ${capacity} elements (sizes [${size.join(', ')}], strides [${stride.join(', ')}], offset ${off} reach element ${last})`, size);
  }
  const inGeo = { shape: t.shape.slice(), strides: t.strides.slice(), offset: t.offset };
  const out = viewOf(t, size.slice(), stride.slice(), off);
  return record(out, [t], 'AsStridedBackward', (g) => [asStridedGrad(g, inGeo, { shape: size.slice(), strides: stride.slice(), offset: off })]);
}
interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}
/** The storage position of every element of a geometry, in row-major order. */
function positions(geo: Geometry): number[] {
  let out = [geo.offset];
  geo.shape.forEach((n, k) => {
    const next: number[] = [];
    for (const p of out) for (let i = 0; i < n; i++) next.push(p + i * geo.strides[k]);
    out = next;
  });
  return out;
}
function int64Of(values: number[], device: Tensor['device']): Tensor {
  const idx = Tensor.empty([values.length], 'int64', device);
  if (values.length) idx._storage.native.write(BigInt64Array.from(values, (v) => BigInt(v)), 0);
  return idx;
}
function asStridedGrad(g: Tensor, inGeo: Geometry, outGeo: Geometry): Tensor {
  const pin = positions(inGeo);
  const pout = positions(outGeo);
  if (!pin.length || !pout.length) return Tensor.empty(inGeo.shape.slice(), g.dtype, g.device, true);
  let lo = Infinity;
  let hi = -Infinity;
  for (const list of [pin, pout])
    for (const p of list) {
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
  const stretch = Tensor.empty([hi - lo + 1], g.dtype, g.device, true);
  const filled = indexAdd(stretch, 0, int64Of(pout.map((p) => p - lo), g.device), reshape(g, [pout.length]));
  let gi = indexSelect(filled, 0, int64Of(pin.map((p) => p - lo), g.device));
  if (hasInternalOverlap(inGeo)) {
    const count = new Map<number, number>();
    for (const p of pin) count.set(p, (count.get(p) ?? 0) + 1);
    const c = Tensor.empty([pin.length], g.dtype, g.device);
    c._storage.native.write(g.dtype === 'float64' ? Float64Array.from(pin, (p) => count.get(p)!) : Float32Array.from(pin, (p) => count.get(p)!), 0);
    gi = div(gi, c);
  }
  return reshape(gi, inGeo.shape);
}

// ---- copies: repeat, tile, flip, roll, tril, triu ----------------------------------------------------
/** Repeats the tensor sizes[i] times along each dim (leading new dims when sizes is longer): a copy. */
export function repeat(t: Tensor, sizes: number[]): Tensor {
  checkTensor('input', t);
  if (!Array.isArray(sizes) || !sizes.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0)) typeArg('sizes', 'non-negative integers', sizes);
  if (sizes.length < t.ndim) invalidArg('sizes', `at least ${t.ndim} sizes (the tensor's dimensions)`, sizes);
  const lead = sizes.length - t.ndim;
  const shape = [...new Array(lead).fill(1), ...t.shape];
  const x = reshape(t, shape);
  const inter: number[] = [];
  const big: number[] = [];
  shape.forEach((s, k) => {
    inter.push(1, s);
    big.push(sizes[k], s);
  });
  const e = clone(expand(reshape(x, inter), big)); // always a copy, as PyTorch's repeat
  return view(e, shape.map((s, k) => s * sizes[k]));
}
/** numpy's tile: repeat with dims padded with leading 1s. */
export function tile(t: Tensor, dims: number[]): Tensor {
  checkTensor('input', t);
  if (!Array.isArray(dims) || !dims.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0))
    typeArg('dims', 'an array of non-negative integers', dims);
  const reps = dims.length < t.ndim ? [...new Array(t.ndim - dims.length).fill(1), ...dims] : dims;
  return repeat(t, reps);
}
function reversedIndex(n: number, device: Tensor['device']): Tensor {
  const r = Tensor.empty([n], 'int64', device);
  if (n) native.arange(r.arg(), { start: n - 1, step: -1 });
  return r;
}
/** Reverses the order along each of dims: a copy (native gathers). */
export function flip(t: Tensor, dims: number | number[]): Tensor {
  checkTensor('input', t);
  const ds = dimList('dims', dims, t.ndim);
  let y = t;
  for (const d of ds) {
    const r = reversedIndex(t.shape[d], t.device);
    y = indexSelectRaw(y, d, r);
  }
  return y === t ? clone(t) : y;
}
/** Rolls elements along dims by shifts (wrapping around); without dims, over the flattened tensor. */
export function roll(t: Tensor, shifts: number | number[], dims?: number | number[]): Tensor {
  checkTensor('input', t);
  const sh = typeof shifts === 'number' ? [shifts] : shifts;
  if (!Array.isArray(sh) || !sh.every((s) => Number.isInteger(s))) typeArg('shifts', 'an integer or an array of integers', shifts);
  if (dims === undefined || dims === null) {
    if (sh.length !== 1) invalidArg('shifts', 'one shift when no dims are given', shifts);
    return reshape(roll(reshape(t, [t.numel()]), sh, 0), t.shape);
  }
  if (typeof dims !== 'number' && !Array.isArray(dims)) typeArg('dims', 'an integer or an array of integers', dims);
  const ds = typeof dims === 'number' ? [normDim(dims, t.ndim, 'dims')] : dims.map((d) => normDim(d, t.ndim, 'dims'));
  if (ds.length !== sh.length) invalidArg('dims', `as many dims as shifts (${sh.length})`, dims);
  let y = t;
  ds.forEach((d, k) => {
    const n = y.shape[d];
    if (n === 0) return;
    const s = ((sh[k] % n) + n) % n;
    if (s === 0) return;
    y = cat([narrow(y, d, n - s, s), narrow(y, d, 0, n - s)], d);
  });
  return y === t ? clone(t) : y;
}
function triangle(t: Tensor, diagonal: number, lower: boolean): Tensor {
  checkTensor('input', t);
  if (t.ndim < 2) shapeError('input', 'a tensor of at least 2 dimensions', t);
  if (!Number.isInteger(diagonal)) typeArg('diagonal', 'an integer', diagonal);
  const [n, m] = t.shape.slice(-2);
  const rows = Tensor.empty([n, 1], 'int64', t.device);
  const cols = Tensor.empty([1, m], 'int64', t.device);
  if (n) native.arange(rows.arg(), { start: diagonal, step: 1 });
  if (m) native.arange(cols.arg(), { start: 0, step: 1 });
  const mask = compare(lower ? 'le' : 'ge', cols, rows); // col <= row + diagonal (tril) / col >= row + diagonal (triu)
  rows.dispose();
  cols.dispose();
  return where(mask, t, 0); // the mask stays alive: where's gradient reads it
}
/** The lower triangle of the last two dims (elements with col - row <= diagonal), the rest 0. */
export function tril(t: Tensor, diagonal = 0): Tensor {
  return triangle(t, diagonal, true);
}
/** The upper triangle of the last two dims (elements with col - row >= diagonal), the rest 0. */
export function triu(t: Tensor, diagonal = 0): Tensor {
  return triangle(t, diagonal, false);
}
