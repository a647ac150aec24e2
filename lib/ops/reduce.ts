// lib/ops/reduce.ts — sum, mean (with gradients), max/min (values and indices) and argmax/argmin,
// over all elements or given dimensions, with keepdim. Integer and bool sums accumulate in int64 (in the
// kernel: no widened copy of the input, so a sum needs no memory beyond its result).
import { native, enums } from '../binding';
import type { ReduceOpCode } from '../../binding';
import { Tensor, normDim, checkTensor, isFloating } from '../tensor';
import { record } from '../autograd';
import * as E from './elementwise';
import { cast, compare, mul, div } from './elementwise';
import { expand } from './shape';
import { invalidArg, dtypeError, typeArg, checkOptionKeys, TorchletError, optBool } from '../errors';
import { noGrad, isGradEnabled } from '../autograd';
import { ValuesIndices } from './values_indices';
import { defaultFloat } from '../default_dtype';
import { where } from './index';

const R = enums.ReduceOp;
const RED = { sum: R.Sum, mean: R.Mean, max: R.Max, min: R.Min, argmax: R.Argmax, argmin: R.Argmin, prod: R.Prod } as const;

function normDims(t: Tensor, dim: number | number[] | null | undefined): number[] {
  if (dim === null || dim === undefined) return t.shape.map((_, i) => i);
  const ds = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, t.ndim));
  if (new Set(ds).size !== ds.length) invalidArg('dim', 'distinct dimensions', dim);
  if (t.ndim === 0) return []; // dim 0 / -1 of a 0-d tensor (PyTorch allows them): its one element, as with no dim
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
  const r = x.ndim === 0 ? 1 : x.shape[d]; // a 0-d x reduced over dim 0 or -1 (as PyTorch allows): one element
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[d] = 1;
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
    // the mean of no elements is NaN, as PyTorch's (0 / 0; the kernel's empty mean is 0)
    if (mean && flat.numel() === 0) native.unary(r.arg(), r.arg(), { op: enums.UnaryOp.MulScalar, scalar: NaN });
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

export function sum(t: Tensor, dim?: number | number[] | null, keepdimOrOpts: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  const keepdim = keepdimArg(keepdimOrOpts);
  const dims = normDims(t, dim);
  const out = rawSum(t, dims, keepdim, false);
  return record(out, [t], 'SumBackward', (g) => [expandGrad(g, t.shape, dims, keepdim)]);
}
export function mean(t: Tensor, dim?: number | number[] | null, keepdimOrOpts: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  const keepdim = keepdimArg(keepdimOrOpts);
  if (!isFloating(t.dtype)) dtypeError('input', 'a floating-point tensor (mean of integers is undefined in PyTorch)', t);
  const dims = normDims(t, dim);
  const count = dims.reduce((a, d) => a * t.shape[d], 1);
  const out = rawSum(t, dims, keepdim, true);
  return record(out, [t], 'MeanBackward', (g) => {
    const e = expandGrad(g, t.shape, dims, keepdim);
    if (isGradEnabled()) return [E.mul(e, 1 / count)]; // createGraph: differentiable
    const r = Tensor.empty(e.shape.slice(), e.dtype, e.device);
    native.unary(e.arg(), r.arg(), { op: enums.UnaryOp.MulScalar, scalar: 1 / count });
    e.dispose();
    return [r];
  });
}
/** Broadcasts a reduced gradient back to the input shape (contiguous copy). */
function expandGrad(g: Tensor, shape: number[], dims: number[], keepdim: boolean): Tensor {
  const kshape = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  // createGraph (grad mode on in backward): the same copy from recorded ops
  if (isGradEnabled()) return E.clone(expand(g.reshape(kshape), shape));
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
/**
 * Two results of one op (values and indices), as PyTorch's named tuple: named fields, and it
 * destructures (and indexes) as an array: `const [values, indices] = x.max(1)`.
 */
export { ValuesIndices };
export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return new ValuesIndices(values, indices);
}

/** max/min along a dim: values and (int64) indices; values route their gradient to the index. */
export function maxDim(t: Tensor, dim: number, keepdim: boolean, op: 'max' | 'min'): ValuesIndices {
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
  return valuesIndices(values, indices);
}
function arangeTensor(n: number, shape: number[], device: Tensor['device']): Tensor {
  const t = Tensor.empty(shape, 'int64', device); // on the op's device (the device check would refuse a mix)
  native.arange(t.arg(), { start: 0, step: 1 });
  return t;
}

export function argmax(t: Tensor, dim: number | undefined, keepdim: boolean, op: 'argmax' | 'argmin'): Tensor {
  checkTensor('input', t);
  if (t.numel() === 0) {
    // PyTorch refuses an empty reduction; along a dim of non-zero size the result is just empty
    if (dim === undefined || t.ndim === 0 || t.shape[normDim(dim, t.ndim)] === 0) invalidArg('input', 'a non-empty tensor', t);
    return Tensor.empty(reducedShape(t.shape, [normDim(dim, t.ndim)], keepdim), 'int64', t.device);
  }
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

// ---- more reductions (issue 14): amax/amin, prod, std/var, norm, logsumexp, all/any ----------------
/** A keepdim argument given positionally (a boolean) or as {keepdim}. */
function keepdimArg(k: boolean | { keepdim?: boolean } | undefined, name = 'keepdim'): boolean {
  if (k === undefined) return false;
  if (typeof k === 'boolean') return k;
  if (typeof k !== 'object' || k === null) typeArg(name, 'a boolean or {keepdim}', k);
  const o = checkOptionKeys('options', k, ['keepdim']);
  if (o.keepdim !== undefined && typeof o.keepdim !== 'boolean') typeArg(`options.${name}`, 'a boolean', o.keepdim);
  return optBool('opts.keepdim', o.keepdim ?? undefined, false);
}
/** dims as normDims, an empty list meaning every dimension (PyTorch's dim=() / None). */
function allDims(t: Tensor, dim: number | number[] | null | undefined): number[] {
  if (Array.isArray(dim) && dim.length === 0) return t.shape.map((_, i) => i);
  return normDims(t, dim);
}
/** One native reduction (op) over several dims of t, in the keepdim shape; no autograd. */
function rawReduce(op: ReduceOpCode, t: Tensor, dims: number[], outDtype?: Tensor['dtype']): Tensor {
  let x = t.contiguous();
  if (dims.length === 0) return x === t ? E.clone(t) : x;
  for (let k = dims.length - 1; k >= 0; k--) {
    const y = reduceOne(op, x, dims[k], outDtype ?? (op === R.Prod && !isFloating(x.dtype) ? 'int64' : x.dtype));
    if (x !== t) x.dispose();
    x = y;
  }
  return x;
}
/** The keepdim-shaped k as the reduced shape (a view when !keepdim). */
function finish(k: Tensor, shape: number[], dims: number[], keepdim: boolean): Tensor {
  if (keepdim) return k;
  const out = new Tensor(k._storage, reducedShape(shape, dims, false), k.dtype, k.device, undefined, k.offset);
  k.dispose();
  return out;
}
/** g (of the reduced shape) viewed in the keepdim shape, so it broadcasts against the input. */
function keepGrad(g: Tensor, shape: number[], dims: number[]): Tensor {
  return g.reshape(shape.map((s, i) => (dims.includes(i) ? 1 : s)));
}
function nonEmpty(t: Tensor, dims: number[], what: string): void {
  if (dims.some((d) => t.shape[d] === 0) || (t.ndim === 0 && t.numel() === 0))
    invalidArg('input', `a tensor with non-zero size along the reduced dimensions (${what} of an empty set is undefined)`, t);
}

/** max/min over dims (all by default), with keepdim; the gradient is split evenly among ties, as PyTorch. */
export function amax(t: Tensor, dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false, op: 'max' | 'min' = 'max'): Tensor {
  checkTensor('input', t);
  const kd = keepdimArg(keepdim);
  const dims = allDims(t, dim);
  nonEmpty(t, dims, op === 'max' ? 'amax' : 'amin');
  const k = rawReduce(RED[op], t, dims);
  const out = finish(noGrad(() => k), t.shape, dims, kd);
  return record(
    out,
    [t],
    op === 'max' ? 'AmaxBackward' : 'AminBackward',
    (g) => {
      const ok = keepGrad(out, t.shape, dims);
      const mask = cast(compare('eq', t, ok), g.dtype);
      const count = sum(mask, dims, true);
      return [mul(mask, div(keepGrad(g, t.shape, dims), count))];
    },
    [t, out],
  );
}
export function amin(t: Tensor, dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
  return amax(t, dim, keepdim, 'min');
}

/** The product over all elements or one dim (integers and bool: int64); the gradient handles zeros as PyTorch. */
export function prod(t: Tensor, dim?: number | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  const kd = keepdimArg(keepdim);
  if (dim !== undefined && dim !== null && typeof dim !== 'number') typeArg('dim', 'an integer (prod reduces one dimension, or all)', dim);
  const dims = dim === undefined || dim === null ? t.shape.map((_, i) => i) : [normDim(dim, t.ndim)];
  const out = finish(rawReduce(RED.prod, t, dims), t.shape, dims, dim === undefined || dim === null ? false : kd);
  return record(
    out,
    [t],
    'ProdBackward',
    (g) => {
      const dt = g.dtype;
      const z = cast(compare('eq', t, 0), dt);
      const xnz = E.add(t, z); // zeros -> 1
      const pnz = rawReduce(RED.prod, xnz, dims);
      const zc = sum(z, dims, true);
      const c0 = cast(compare('eq', zc, 0), dt);
      const c1 = cast(compare('eq', zc, 1), dt);
      // no zero: prod / x; one zero: the product of the others at the zero, 0 elsewhere; more: 0
      const inner = E.add(mul(c0, div(pnz, xnz)), mul(mul(c1, z), pnz));
      return [mul(keepGrad(g, t.shape, dims), inner)];
    },
    [t],
  );
}

export interface VarOptions {
  /** the difference between the sample size and the divisor (default 1: Bessel's correction) */
  correction?: number;
  /** PyTorch 1.13's spelling: true is correction 1, false correction 0 */
  unbiased?: boolean;
  keepdim?: boolean;
}
/**
 * Variance / standard deviation over dims (all by default): sum((x - mean)^2) / (N - correction).
 * `x.std(false)` is PyTorch's `x.std(unbiased=False)`.
 */
export function varStd(which: 'var' | 'std', t: Tensor, dim?: number | number[] | null | boolean, opts: VarOptions | boolean = {}): Tensor {
  checkTensor('input', t);
  let o: VarOptions;
  if (typeof dim === 'boolean') {
    if (typeof opts === 'boolean') typeArg('options', 'an options object', opts);
    o = { ...checkOptionKeys('options', opts, ['correction', 'unbiased', 'keepdim']), unbiased: dim };
    dim = undefined;
  } else if (typeof opts === 'boolean') o = { unbiased: opts };
  else o = checkOptionKeys('options', opts, ['correction', 'unbiased', 'keepdim']);
  if (o.correction !== undefined && o.unbiased !== undefined) invalidArg('options.unbiased', 'either correction or unbiased, not both', o.unbiased);
  if (o.unbiased !== undefined && typeof o.unbiased !== 'boolean') typeArg('options.unbiased', 'a boolean', o.unbiased);
  if (o.correction !== undefined && (typeof o.correction !== 'number' || !Number.isInteger(o.correction)))
    typeArg('options.correction', 'an integer', o.correction);
  if (o.keepdim !== undefined && typeof o.keepdim !== 'boolean') typeArg('options.keepdim', 'a boolean', o.keepdim);
  if (!isFloating(t.dtype)) dtypeError('input', `a floating-point tensor (${which} only supports floating point dtypes, as in PyTorch)`, t);
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  const keepdim = optBool('opts.keepdim', o.keepdim ?? undefined, false);
  const dims = allDims(t, dim as number | number[] | null | undefined);
  const n = dims.reduce((a, d) => a * t.shape[d], 1);
  const denom = Math.max(0, n - correction);
  const { d, v } = noGrad(() => {
    const mu = mean(t, dims, true);
    const dd = E.sub(t, mu);
    const ss = sum(E.mul(dd, dd), dims, keepdim);
    return { d: dd, v: E.div(ss, denom) };
  });
  const out = which === 'var' ? v : noGrad(() => E.sqrt(v));
  return record(
    out,
    [t],
    which === 'var' ? 'VarBackward' : 'StdBackward',
    (g) => {
      const gk = keepGrad(g, t.shape, dims);
      // createGraph (grad mode on in backward): the deviations recomputed as recorded ops
      const dd = isGradEnabled() ? E.sub(t, mean(t, dims, true)) : d;
      // PyTorch's var_backward / std_backward: the divisor n - correction unclamped (a negative one
      // where correction > n), and the std's gradient 0 where the std is 0
      if (which === 'var') return [mul(mul(gk, dd), 2 / (n - correction))];
      const ok = keepGrad(out, t.shape, dims);
      return [where(compare('eq', ok, 0), 0, div(mul(gk, dd), mul(ok, n - correction)))];
    },
    which === 'var' ? [t] : [t, out],
  );
}

/**
 * The vector p-norm over dims (all by default): p a number (Infinity, -Infinity, 0 included) or 'fro'
 * (2); PyTorch's norm_backward for the gradient (0 where the norm is 0, ties split for +-inf).
 */
export function norm(t: Tensor, p: number | 'fro' | 'nuc' = 2, dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  if (p === 'nuc') throw new TorchletError("torchlet: norm: p='nuc' (the nuclear norm) is not implemented yet", 'ERR_TORCHLET_NOT_IMPLEMENTED');
  if (p === 'fro') p = 2;
  if (typeof p !== 'number' || Number.isNaN(p)) typeArg('p', "a number, Infinity, -Infinity or 'fro'", p);
  if (!isFloating(t.dtype)) dtypeError('input', 'a floating-point tensor (norm of integers is undefined in PyTorch)', t);
  const kd = keepdimArg(keepdim);
  const dims = allDims(t, dim);
  const q = p;
  const a = noGrad(() => E.abs(t));
  let out: Tensor;
  if (q === Infinity || q === -Infinity) {
    nonEmpty(t, dims, 'an infinity norm');
    out = finish(rawReduce(q > 0 ? R.Max : R.Min, a, dims), t.shape, dims, kd);
  } else
    out = noGrad(() => {
      if (q === 2) return E.sqrt(sum(E.mul(t, t), dims, kd));
      if (q === 1) return sum(a, dims, kd);
      if (q === 0) return cast(sum(compare('ne', t, 0), dims, kd), t.dtype);
      return E.pow(sum(E.pow(a, q), dims, kd), 1 / q);
    });
  return record(
    out,
    [t],
    'NormBackward',
    (g) => {
      const dt = g.dtype;
      const gk = keepGrad(g, t.shape, dims);
      const nk = keepGrad(out, t.shape, dims);
      if (q === 0) return [E.mul(t, 0)];
      if (q === 1) return [mul(gk, E.sign(t))];
      if (q === Infinity || q === -Infinity) {
        const mask = cast(E.logicalOr(compare('eq', a, nk), E.isnan(a)), dt);
        return [mul(E.sign(t), mul(div(gk, sum(mask, dims, true)), mask))];
      }
      const nz = cast(compare('ne', nk, 0), dt);
      let r: Tensor;
      if (q === 2) r = div(mul(t, gk), nk);
      else r = div(mul(mul(E.sign(t), E.pow(a, q - 1)), gk), E.pow(nk, q - 1));
      return [E.nanToNum(mul(r, nz), { nan: 0, posinf: 0, neginf: 0 })];
    },
    [t, out],
  );
}

/** log(sum(exp(x))) over dims, computed stably (the max subtracted first). */
export function logsumexp(t: Tensor, dim: number | number[], keepdim: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  if (dim === undefined || dim === null) typeArg('dim', 'a dimension or an array of dimensions (logsumexp reduces the ones given)', dim);
  const kd = keepdimArg(keepdim);
  const x = isFloating(t.dtype) ? t : cast(t, defaultFloat());
  const dims = allDims(x, dim);
  const out = noGrad(() => {
    if (x.numel() === 0) return E.log(sum(E.exp(x), dims, kd));
    const m = rawReduce(R.Max, x, dims);
    const mf = E.nanToNum(mul(m, cast(E.isfinite(m), m.dtype)), { nan: 0 }); // an infinite max: subtract 0
    const s = sum(E.exp(E.sub(x, mf)), dims, true);
    const r = E.add(E.log(s), mf);
    return finish(r, x.shape, dims, kd);
  });
  return record(out, [x], 'LogsumexpBackward', (g) => [mul(keepGrad(g, x.shape, dims), E.exp(E.sub(x, keepGrad(out, x.shape, dims))))], [x, out]);
}

/** Whether every element (over dims, all by default) is non-zero: a bool tensor (uint8 for a uint8 input, as PyTorch). */
export function all(t: Tensor, dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  const kd = keepdimArg(keepdim);
  const dims = allDims(t, dim);
  const zeros = compare('eq', t, 0);
  const c = sum(zeros, dims, kd);
  const r = compare('eq', c, 0);
  zeros.dispose();
  c.dispose();
  return t.dtype === 'uint8' ? cast(r, 'uint8') : r; // uint8 in, uint8 out, as PyTorch
}
/** Whether any element (over dims, all by default) is non-zero: a bool tensor (uint8 for a uint8 input, as PyTorch). */
export function any(t: Tensor, dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
  checkTensor('input', t);
  const kd = keepdimArg(keepdim);
  const dims = allDims(t, dim);
  const nz = compare('ne', t, 0);
  const c = sum(nz, dims, kd);
  const r = compare('gt', c, 0);
  nz.dispose();
  c.dispose();
  return t.dtype === 'uint8' ? cast(r, 'uint8') : r;
}

/**
 * torch.max: max(x) the largest element; max(x, dim, keepdim?) values and indices along dim;
 * max(x, other) the elementwise maximum (torch.maximum). torch.min likewise.
 */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(t: Tensor, other: Tensor): Tensor;
export function max(t: Tensor, dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  return maxMin('max', t, dim, keepdim);
}
export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(t: Tensor, other: Tensor): Tensor;
export function min(t: Tensor, dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  return maxMin('min', t, dim, keepdim);
}
export function maxMin(op: 'max' | 'min', t: Tensor, dim?: number | Tensor | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor | ValuesIndices {
  checkTensor('input', t);
  if (dim instanceof Tensor) return op === 'max' ? E.maximum(t, dim) : E.minimum(t, dim);
  if (dim === undefined || dim === null) return maxAll(t, op);
  if (typeof dim !== 'number') typeArg('dim', 'an integer dimension or a Tensor', dim);
  return maxDim(t, dim, keepdimArg(keepdim), op);
}
