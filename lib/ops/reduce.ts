// lib/ops/reduce.ts — sum, mean (with gradients), max/min (values and indices) and argmax/argmin,
// over all elements or given dimensions, with keepdim. Integer and bool sums accumulate in int64 (in the
// kernel: no widened copy of the input, so a sum needs no memory beyond its result).
import { native, enums } from '../binding';
import type { ReduceOpCode } from '../../binding';
import { Tensor, normDim, checkTensor, isFloating } from '../tensor';
import { record } from '../autograd';
import { cast, compare, mul, div } from './elementwise';
import { expand } from './shape';
import { invalidArg, dtypeError } from '../errors';

const R = enums.ReduceOp;
const RED = { sum: R.Sum, mean: R.Mean, max: R.Max, min: R.Min, argmax: R.Argmax, argmin: R.Argmin } as const;

function normDims(t: Tensor, dim: number | number[] | null | undefined): number[] {
  if (dim === null || dim === undefined) return t.shape.map((_, i) => i);
  const ds = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, t.ndim));
  if (new Set(ds).size !== ds.length) invalidArg('dim', 'distinct dimensions', dim);
  return ds.sort((a, b) => a - b);
}
function reducedShape(shape: number[], dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (dims.includes(i)) {
      if (keepdim) out.push(1);
    } else out.push(s);
  });
  return out;
}

/** One native reduction over a single dim of a contiguous tensor -> [outer, inner] (keepdim shape). */
function reduceOne(op: ReduceOpCode, x: Tensor, d: number, outDtype = x.dtype): Tensor {
  const outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const r = x.shape[d];
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const shape = x.shape.slice();
  shape[d] = 1;
  const out = Tensor.empty(shape, outDtype, x.device);
  native.reduce(x.arg(), out.arg(), { op, outer, r, inner });
  return out;
}

/** Sum or mean over dims, without autograd; integer (and bool) inputs sum into int64 natively. */
function rawSum(t: Tensor, dims: number[], keepdim: boolean, mean: boolean): Tensor {
  const outDtype = isFloating(t.dtype) ? t.dtype : 'int64';
  let x = t.contiguous();
  let count = 1;
  const src = x;
  if (dims.length === t.ndim) {
    // everything: one pass over the flat buffer
    const flat = new Tensor(x._storage, [x.numel()], x.dtype, x.device, [1], x.offset);
    const r = reduceOne(mean ? RED.mean : RED.sum, flat, 0, outDtype);
    flat.dispose();
    if (src !== t) src.dispose();
    const shape = keepdim ? t.shape.map(() => 1) : [];
    const out = new Tensor(r._storage, shape, r.dtype, r.device);
    r.dispose();
    return out;
  }
  for (let k = dims.length - 1; k >= 0; k--) {
    const y = reduceOne(RED.sum, x, dims[k], outDtype);
    count *= t.shape[dims[k]];
    if (x !== t) x.dispose();
    x = y;
  }
  if (x.dtype !== outDtype) {
    // no dimension reduced (dim = []): the integer result is still int64
    const c = cast(x, outDtype);
    if (x !== t) x.dispose();
    x = c;
  }
  if (mean && count !== 1) {
    const m = Tensor.empty(x.shape.slice(), x.dtype, x.device);
    native.unary(x.arg(), m.arg(), { op: enums.UnaryOp.MulScalar, scalar: 1 / count });
    x.dispose();
    x = m;
  }
  const shape = reducedShape(t.shape, dims, keepdim);
  const out = new Tensor(x._storage, shape, x.dtype, x.device);
  if (x !== t) x.dispose();
  return out;
}

export function sum(t: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  checkTensor('input', t);
  const dims = normDims(t, dim);
  const out = rawSum(t, dims, keepdim, false);
  return record(out, [t], 'SumBackward', (g) => [expandGrad(g, t.shape, dims, keepdim)]);
}
export function mean(t: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  checkTensor('input', t);
  if (!isFloating(t.dtype)) dtypeError('input', 'a floating-point tensor (mean of integers is undefined in PyTorch)', t);
  const dims = normDims(t, dim);
  const count = dims.reduce((a, d) => a * t.shape[d], 1);
  const out = rawSum(t, dims, keepdim, true);
  return record(out, [t], 'MeanBackward', (g) => {
    const e = expandGrad(g, t.shape, dims, keepdim);
    const r = Tensor.empty(e.shape.slice(), e.dtype, e.device);
    native.unary(e.arg(), r.arg(), { op: enums.UnaryOp.MulScalar, scalar: 1 / count });
    e.dispose();
    return [r];
  });
}
/** Broadcasts a reduced gradient back to the input shape (contiguous copy). */
function expandGrad(g: Tensor, shape: number[], dims: number[], keepdim: boolean): Tensor {
  const kshape = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const gk = keepdim ? g : new Tensor(g._storage, kshape, g.dtype, g.device, undefined, g.offset);
  const e = expand(gk, shape);
  const out = Tensor.empty(shape.slice(), g.dtype, g.device);
  native.copyStrided(e.stridedArg(), out.arg(), { srcStrides: e.strides, outStrides: [], shape: out.shape });
  if (gk !== g) gk.dispose();
  e.dispose();
  return out;
}

/** max/min over all elements; the gradient is shared evenly by the tied extreme elements (as PyTorch). */
export function maxAll(t: Tensor, op: 'max' | 'min'): Tensor {
  checkTensor('input', t);
  if (t.numel() === 0) invalidArg('input', 'a non-empty tensor', t);
  const x = t.contiguous();
  const flat = new Tensor(x._storage, [x.numel()], x.dtype, x.device, [1], x.offset);
  const r = reduceOne(RED[op], flat, 0);
  flat.dispose();
  if (x !== t) x.dispose();
  const out = new Tensor(r._storage, [], r.dtype, r.device);
  r.dispose();
  return record(out, [t], op === 'max' ? 'MaxBackward1' : 'MinBackward1', (g) => {
    const mask = cast(compare('eq', t, out), t.dtype);
    const count = sum(mask);
    const r2 = mul(mask, div(g, count));
    mask.dispose();
    count.dispose();
    return [r2];
  });
}
/** max/min along a dim: values and (int64) indices; values route their gradient to the index. */
export function maxDim(t: Tensor, dim: number, keepdim: boolean, op: 'max' | 'min'): { values: Tensor; indices: Tensor } {
  checkTensor('input', t);
  const d = normDim(dim, t.ndim);
  if (t.ndim && t.shape[d] === 0) invalidArg('dim', 'a dimension of non-zero size', dim);
  const x = t.contiguous();
  const v = reduceOne(RED[op], x, d);
  const i = reduceOne(op === 'max' ? RED.argmax : RED.argmin, x, d, 'int64');
  if (x !== t) x.dispose();
  const shape = reducedShape(t.shape, [d], keepdim);
  const values = new Tensor(v._storage, shape.slice(), v.dtype, v.device);
  const indices = new Tensor(i._storage, shape.slice(), 'int64', i.device);
  v.dispose();
  record(values, [t], op === 'max' ? 'MaxBackward0' : 'MinBackward0', (g) => {
    // one-hot along d: position k == index, times the (keepdim) gradient
    const kshape = t.shape.map((s, k) => (k === d ? 1 : s));
    const idx = new Tensor(i._storage, kshape, 'int64', i.device);
    const posShape = t.shape.map((s, k) => (k === d ? s : 1));
    const pos = arangeTensor(t.shape[d], posShape, t.device);
    const mask = cast(compare('eq', pos, idx), t.dtype);
    const gk = g.reshape(kshape);
    const r2 = mul(mask, gk);
    [idx, pos, mask].forEach((x) => x.dispose());
    return [r2];
  });
  i.dispose();
  return { values, indices };
}
function arangeTensor(n: number, shape: number[], device: Tensor['device']): Tensor {
  const t = Tensor.empty(shape, 'int64', device); // on the op's device (the device check would refuse a mix)
  native.arange(t.arg(), { start: 0, step: 1 });
  return t;
}

export function argmax(t: Tensor, dim: number | undefined, keepdim: boolean, op: 'argmax' | 'argmin'): Tensor {
  checkTensor('input', t);
  if (t.numel() === 0) invalidArg('input', 'a non-empty tensor', t);
  if (dim === undefined) {
    const x = t.contiguous();
    const flat = new Tensor(x._storage, [x.numel()], x.dtype, x.device, [1], x.offset);
    const r = reduceOne(RED[op], flat, 0, 'int64');
    flat.dispose();
    if (x !== t) x.dispose();
    const out = new Tensor(r._storage, keepdim ? t.shape.map(() => 1) : [], 'int64', r.device);
    r.dispose();
    return out;
  }
  const d = normDim(dim, t.ndim);
  const x = t.contiguous();
  const r = reduceOne(RED[op], x, d, 'int64');
  if (x !== t) x.dispose();
  const out = new Tensor(r._storage, reducedShape(t.shape, [d], keepdim), 'int64', r.device);
  r.dispose();
  return out;
}
