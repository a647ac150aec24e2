// lib/ops/matmul_more.ts — the rest of PyTorch 1.13's matrix-product family, composed from the
// differentiable ops (matmul, mul, add, sum, diagonal, where, cat, roll, ...), so their gradients are
// autograd's: mm, mv, dot, vdot (real), addmm / addmv / addbmm / baddbmm / addr (beta * input +
// alpha * product, input broadcast to the product's shape; beta = 0 ignores input's values, NaN
// included, as PyTorch), chainMatmul / multiDot (cheapest order), tensordot, kron, trace, diag (both
// directions), diagEmbed, diagflat, cross. Shapes, dtype rules and errors follow PyTorch: the matrix
// products need operands of one floating-point dtype (PyTorch also multiplies integer matrices on the
// CPU; torchlet's GEMM is floating-point only, so integers are refused with a dtype error); kron,
// dot of integers, trace and the diag family take any dtype mul/sum take.
import { checkOptionKeys, checkNumber, checkInt, dtypeError, deviceMismatch, invalidArg, noExtraArgs, shapeError, typeArg } from '../errors';
import { Tensor, checkTensor, isFloating, normDim } from '../tensor';
import { zeros, fromBuffer } from '../creation';
import { add, mul, sub, broadcastShapes } from './elementwise';
import { sum } from './reduce';
import { matmul } from './matmul';
import { diagonal, expand, reshape, permute, movedim, cat, roll, flatten } from './shape';
import { where } from './index';
import { clone } from './elementwise';

/** beta and alpha of the add* products (PyTorch's keyword arguments). */
export interface AddProductOptions {
  /** the factor of input; default 1 (0: input's values are ignored, NaN and inf included) */
  beta?: number;
  /** the factor of the product; default 1 */
  alpha?: number;
}
export interface DiagEmbedOptions {
  /** which diagonal (0 main, > 0 above, < 0 below); default 0 */
  offset?: number;
  /** the output dimension of the diagonal's rows; default -2 */
  dim1?: number;
  /** the output dimension of the diagonal's columns; default -1 */
  dim2?: number;
}
export interface CrossOptions {
  /** the dimension of size 3; default: the first of size 3 (PyTorch's deprecated torch.cross default) */
  dim?: number;
}
/** tensordot's dims: a number n (the last n of a with the first n of b) or [dimsA, dimsB]. */
export type TensordotDims = number | [number | number[], number | number[]];

const shp = (t: Tensor): string => t.shape.join('x');

/** Both operands of a product: tensors on one device, of one floating-point dtype. */
function productPair(a: Tensor, an: string, b: Tensor, bn: string): void {
  if (b.device !== a.device) deviceMismatch(bn, `a tensor on ${a.device} (the device of ${an})`, b.device);
  if (!isFloating(a.dtype)) dtypeError(an, 'a floating-point tensor (integer matrix products are not implemented)', a);
  if (b.dtype !== a.dtype) dtypeError(bn, `a ${a.dtype} tensor (the dtype of ${an}; PyTorch does not promote here)`, b);
}
function dimsIs(t: Tensor, name: string, n: number, what: string): void {
  if (t.ndim !== n) shapeError(name, what, t);
}

/** torch.mm(input, mat2): the product of an [n, m] and an [m, p] matrix. */
export function mm(input: Tensor, mat2: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('mm', 'input, mat2', rest);
  const a = checkTensor('input', input);
  const b = checkTensor('mat2', mat2);
  dimsIs(a, 'input', 2, 'a 2-D matrix');
  dimsIs(b, 'mat2', 2, 'a 2-D matrix');
  productPair(a, 'input', b, 'mat2');
  if (a.shape[1] !== b.shape[0]) shapeError('mat2', `a matrix of ${a.shape[1]} rows (mat1 and mat2 shapes cannot be multiplied: ${shp(a)} and ${shp(b)})`, b);
  return matmul(a, b);
}

/** torch.mv(input, vec): the product of an [n, m] matrix and an [m] vector, [n]. */
export function mv(input: Tensor, vec: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('mv', 'input, vec', rest);
  const a = checkTensor('input', input);
  const v = checkTensor('vec', vec);
  dimsIs(a, 'input', 2, 'a 2-D matrix');
  dimsIs(v, 'vec', 1, 'a 1-D vector');
  productPair(a, 'input', v, 'vec');
  if (a.shape[1] !== v.shape[0]) shapeError('vec', `a vector of ${a.shape[1]} elements (size mismatch: ${shp(a)} and ${shp(v)})`, v);
  return matmul(a, v);
}

function dotOf(fn: string, input: Tensor, other: Tensor): Tensor {
  const a = checkTensor('input', input);
  const b = checkTensor('other', other);
  dimsIs(a, 'input', 1, `a 1-D tensor (${fn} takes two vectors)`);
  dimsIs(b, 'other', 1, `a 1-D tensor (${fn} takes two vectors)`);
  if (b.device !== a.device) deviceMismatch('other', `a tensor on ${a.device} (the device of input)`, b.device);
  if (a.dtype !== b.dtype) dtypeError('other', `a ${a.dtype} tensor (${fn} expects both vectors to have the same dtype)`, b);
  if (a.dtype === 'bool') dtypeError('input', `a numeric tensor (${fn} of bool tensors is not supported, as in PyTorch)`, a);
  if (a.shape[0] !== b.shape[0]) shapeError('other', `a vector of ${a.shape[0]} elements (the size of input)`, b);
  const s = sum(mul(a, b));
  return isFloating(a.dtype) || s.dtype === a.dtype ? s : s.to(a.dtype);
}
/** torch.dot(input, other): the inner product of two 1-D tensors of one dtype and size, a 0-d tensor. */
export function dot(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('dot', 'input, other', rest);
  return dotOf('dot', input, other);
}
/** torch.vdot(input, other): dot with input conjugated, which for real tensors is dot. */
export function vdot(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('vdot', 'input, other', rest);
  return dotOf('vdot', input, other);
}

function betaAlpha(opts: AddProductOptions | undefined): { beta: number; alpha: number } {
  const o = checkOptionKeys('opts', opts, ['beta', 'alpha']);
  const beta = o.beta === undefined ? 1 : checkNumber('opts.beta', o.beta);
  const alpha = o.alpha === undefined ? 1 : checkNumber('opts.alpha', o.alpha);
  return { beta, alpha };
}
/**
 * beta * input + alpha * prod with input broadcast to prod's shape (it may not be larger: PyTorch
 * expands input to the product's shape). beta = 0: input's values are not read (where picks prod), so
 * NaN in input does not propagate, and input's gradient is 0, as PyTorch's.
 */
function combine(input: Tensor, prod: Tensor, beta: number, alpha: number): Tensor {
  if (input.device !== prod.device) deviceMismatch('input', `a tensor on ${prod.device}`, input.device);
  if (input.dtype !== prod.dtype) dtypeError('input', `a ${prod.dtype} tensor (the dtype of the product's operands)`, input);
  const bs = broadcastShapes(input.shape, prod.shape, ['the product', 'input']);
  if (bs.length !== prod.ndim || bs.some((s, i) => s !== prod.shape[i]))
    shapeError('input', `a tensor broadcastable to the product's shape [${prod.shape.join(', ')}]`, input);
  const p = alpha === 1 ? prod : mul(prod, alpha);
  if (beta === 0) return where(zeros(prod.shape, { dtype: 'bool', device: prod.device }), input, p);
  return add(beta === 1 ? input : mul(input, beta), p);
}

/** torch.addmm(input, mat1, mat2, {beta=1, alpha=1}): beta * input + alpha * (mat1 @ mat2). */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts?: AddProductOptions, ...rest: never[]): Tensor {
  noExtraArgs('addmm', 'input, mat1, mat2, { beta, alpha }', rest);
  const x = checkTensor('input', input);
  const a = checkTensor('mat1', mat1);
  const b = checkTensor('mat2', mat2);
  const { beta, alpha } = betaAlpha(opts);
  dimsIs(a, 'mat1', 2, 'a 2-D matrix');
  dimsIs(b, 'mat2', 2, 'a 2-D matrix');
  productPair(a, 'mat1', b, 'mat2');
  if (a.shape[1] !== b.shape[0]) shapeError('mat2', `a matrix of ${a.shape[1]} rows (mat1 and mat2 shapes cannot be multiplied: ${shp(a)} and ${shp(b)})`, b);
  return combine(x, matmul(a, b), beta, alpha);
}

/** torch.addmv(input, mat, vec, {beta=1, alpha=1}): beta * input + alpha * (mat @ vec). */
export function addmv(input: Tensor, mat: Tensor, vec: Tensor, opts?: AddProductOptions, ...rest: never[]): Tensor {
  noExtraArgs('addmv', 'input, mat, vec, { beta, alpha }', rest);
  const x = checkTensor('input', input);
  const a = checkTensor('mat', mat);
  const v = checkTensor('vec', vec);
  const { beta, alpha } = betaAlpha(opts);
  dimsIs(a, 'mat', 2, 'a 2-D matrix');
  dimsIs(v, 'vec', 1, 'a 1-D vector');
  productPair(a, 'mat', v, 'vec');
  if (a.shape[1] !== v.shape[0]) shapeError('vec', `a vector of ${a.shape[1]} elements (size mismatch: ${shp(a)} and ${shp(v)})`, v);
  return combine(x, matmul(a, v), beta, alpha);
}

function batchPair(b1: Tensor, b2: Tensor): void {
  dimsIs(b1, 'batch1', 3, 'a 3-D tensor (a batch of matrices)');
  dimsIs(b2, 'batch2', 3, 'a 3-D tensor (a batch of matrices)');
  productPair(b1, 'batch1', b2, 'batch2');
  if (b1.shape[0] !== b2.shape[0]) shapeError('batch2', `${b1.shape[0]} matrices (batch1 and batch2 must have the same number of batches)`, b2);
  if (b1.shape[2] !== b2.shape[1]) shapeError('batch2', `matrices of ${b1.shape[2]} rows (batch1's are ${b1.shape[1]}x${b1.shape[2]})`, b2);
}
/** torch.baddbmm(input, batch1, batch2, {beta=1, alpha=1}): beta * input + alpha * bmm(batch1, batch2). */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, opts?: AddProductOptions, ...rest: never[]): Tensor {
  noExtraArgs('baddbmm', 'input, batch1, batch2, { beta, alpha }', rest);
  const x = checkTensor('input', input);
  const a = checkTensor('batch1', batch1);
  const b = checkTensor('batch2', batch2);
  const { beta, alpha } = betaAlpha(opts);
  batchPair(a, b);
  return combine(x, matmul(a, b), beta, alpha);
}
/** torch.addbmm(input, batch1, batch2, {beta=1, alpha=1}): beta * input + alpha * sum_i batch1[i] @ batch2[i]. */
export function addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, opts?: AddProductOptions, ...rest: never[]): Tensor {
  noExtraArgs('addbmm', 'input, batch1, batch2, { beta, alpha }', rest);
  const x = checkTensor('input', input);
  const a = checkTensor('batch1', batch1);
  const b = checkTensor('batch2', batch2);
  const { beta, alpha } = betaAlpha(opts);
  batchPair(a, b);
  // sum_i A_i B_i = [A_0 .. A_k] (concatenated along columns) @ [B_0; ..; B_k] (along rows): one product
  const [B, n, m] = a.shape;
  const p = b.shape[2];
  const wide = reshape(permute(a, [1, 0, 2]), [n, B * m]);
  const tall = reshape(b, [B * m, p]);
  return combine(x, matmul(wide, tall), beta, alpha);
}

/** torch.addr(input, vec1, vec2, {beta=1, alpha=1}): beta * input + alpha * outer(vec1, vec2). */
export function addr(input: Tensor, vec1: Tensor, vec2: Tensor, opts?: AddProductOptions, ...rest: never[]): Tensor {
  noExtraArgs('addr', 'input, vec1, vec2, { beta, alpha }', rest);
  const x = checkTensor('input', input);
  const a = checkTensor('vec1', vec1);
  const b = checkTensor('vec2', vec2);
  const { beta, alpha } = betaAlpha(opts);
  dimsIs(a, 'vec1', 1, 'a 1-D vector');
  dimsIs(b, 'vec2', 1, 'a 1-D vector');
  productPair(a, 'vec1', b, 'vec2');
  return combine(x, mul(a.unsqueeze(1), b.unsqueeze(0)), beta, alpha);
}

/**
 * The product of a chain of matrices in the cheapest order (dynamic programming over the
 * multiplication counts, as PyTorch's multi_dot); first and last may be vectors when `vectors`.
 */
function chain(fn: string, name: string, list: unknown, vectors: boolean): Tensor {
  if (!Array.isArray(list)) typeArg(name, 'an array of tensors', list);
  const ts = (list as unknown[]).map((t, k) => checkTensor(`${name}[${k}]`, t));
  if (ts.length === 0 || (vectors && ts.length < 2)) invalidArg(name, `at least ${vectors ? 2 : 1} tensors (${fn})`, ts.length);
  const n = ts.length;
  ts.forEach((t, k) => {
    const ok = t.ndim === 2 || (vectors && t.ndim === 1 && (k === 0 || k === n - 1));
    if (!ok) shapeError(`${name}[${k}]`, vectors && (k === 0 || k === n - 1) ? 'a 1-D or 2-D tensor (the first and last may be vectors)' : 'a 2-D matrix', t);
    if (k > 0) productPair(ts[0], `${name}[0]`, t, `${name}[${k}]`);
  });
  if (n === 1) return clone(ts[0]);
  const first = ts[0].ndim === 1 ? ts[0].unsqueeze(0) : ts[0];
  const last = ts[n - 1].ndim === 1 ? ts[n - 1].unsqueeze(1) : ts[n - 1];
  const ms = ts.map((t, k) => (k === 0 ? first : k === n - 1 ? last : t));
  for (let k = 1; k < n; k++)
    if (ms[k - 1].shape[1] !== ms[k].shape[0])
      shapeError(`${name}[${k}]`, `a tensor of ${ms[k - 1].shape[1]} rows (${name}[${k - 1}] is ${shp(ts[k - 1])})`, ts[k]);
  const dims = [ms[0].shape[0], ...ms.map((m) => m.shape[1])];
  // cost[i][j]: the cheapest product of ms[i..j]; split[i][j] its last split point
  const cost = ms.map(() => new Array<number>(n).fill(0));
  const split = ms.map(() => new Array<number>(n).fill(0));
  for (let len = 1; len < n; len++)
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i][j] = Infinity;
      for (let k = i; k < j; k++) {
        const c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1];
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  const prod = (i: number, j: number): Tensor => (i === j ? ms[i] : matmul(prod(i, split[i][j]), prod(split[i][j] + 1, j)));
  let out = prod(0, n - 1);
  if (ts[0].ndim === 1) out = out.squeeze(0);
  if (ts[n - 1].ndim === 1) out = out.squeeze(-1);
  return out;
}
/** torch.chain_matmul(...matrices): the product of 2-D matrices (one matrix: a copy of it). */
export function chainMatmul(...matrices: Tensor[]): Tensor {
  const list = matrices.length === 1 && Array.isArray(matrices[0]) ? (matrices[0] as unknown as Tensor[]) : matrices;
  return chain('chainMatmul', 'matrices', list, false);
}
/** torch.linalg.multi_dot(tensors): the product of at least two tensors, 2-D but for a 1-D first or last. */
export function multiDot(tensors: Tensor[], ...rest: never[]): Tensor {
  noExtraArgs('multiDot', 'tensors', rest);
  return chain('multiDot', 'tensors', tensors, true);
}

function dimsArg(name: string, v: unknown, ndim: number): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list)) typeArg(name, 'a dimension or an array of dimensions', v);
  const ds = (list as unknown[]).map((d) => normDim(d as number, ndim, name));
  if (new Set(ds).size !== ds.length) invalidArg(name, 'distinct dimensions', v);
  return ds;
}
/**
 * torch.tensordot(a, b, dims=2): sums the products over dims of a and b: `dims` n contracts the last n
 * dims of a with the first n of b; [dimsA, dimsB] the listed ones, pairwise (equal sizes). The result
 * has a's remaining dims, then b's. `tensordot(a, b, {dims})` spells the keyword form.
 */
export function tensordot(a: Tensor, b: Tensor, dims: TensordotDims | { dims?: TensordotDims } = 2, ...rest: never[]): Tensor {
  noExtraArgs('tensordot', 'a, b, dims', rest);
  const x = checkTensor('a', a);
  const y = checkTensor('b', b);
  let d: unknown = dims;
  if (d !== null && typeof d === 'object' && !Array.isArray(d)) d = checkOptionKeys('opts', d as { dims?: TensordotDims }, ['dims']).dims ?? 2;
  let da: number[];
  let db: number[];
  if (typeof d === 'number') {
    const n = checkInt('dims', d, 0);
    if (n > x.ndim || n > y.ndim) invalidArg('dims', `at most ${Math.min(x.ndim, y.ndim)} dimensions (the smaller rank of a and b)`, d);
    da = Array.from({ length: n }, (_, k) => x.ndim - n + k);
    db = Array.from({ length: n }, (_, k) => k);
  } else if (Array.isArray(d) && d.length === 2) {
    da = dimsArg('dims[0]', d[0], x.ndim);
    db = dimsArg('dims[1]', d[1], y.ndim);
    if (da.length !== db.length) invalidArg('dims', 'as many dimensions of b as of a', d);
  } else return typeArg('dims', 'a number of dimensions or [dimsA, dimsB]', d);
  productPair(x, 'a', y, 'b');
  da.forEach((k, i) => {
    if (x.shape[k] !== y.shape[db[i]])
      shapeError('b', `size ${x.shape[k]} at dimension ${db[i]} (contracted dimensions need to match: a has size ${x.shape[k]} at dimension ${k})`, y);
  });
  const freeA = x.shape.map((_, k) => k).filter((k) => !da.includes(k));
  const freeB = y.shape.map((_, k) => k).filter((k) => !db.includes(k));
  const size = (t: Tensor, ks: number[]) => ks.reduce((p, k) => p * t.shape[k], 1);
  const A = reshape(permute(x, [...freeA, ...da]), [size(x, freeA), size(x, da)]);
  const B = reshape(permute(y, [...db, ...freeB]), [size(y, db), size(y, freeB)]);
  return reshape(matmul(A, B), [...freeA.map((k) => x.shape[k]), ...freeB.map((k) => y.shape[k])]);
}

/** torch.kron(input, other): the Kronecker product (the smaller rank padded with leading 1s); dtypes promote as mul. */
export function kron(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('kron', 'input, other', rest);
  const a = checkTensor('input', input);
  const b = checkTensor('other', other);
  if (b.device !== a.device) deviceMismatch('other', `a tensor on ${a.device} (the device of input)`, b.device);
  const n = Math.max(a.ndim, b.ndim);
  const sa = [...new Array<number>(n - a.ndim).fill(1), ...a.shape];
  const sb = [...new Array<number>(n - b.ndim).fill(1), ...b.shape];
  // out[i * sb + j] = a[i] * b[j]: a as [a0, 1, a1, 1, ...] times b as [1, b0, 1, b1, ...]
  const ra = reshape(a, sa.flatMap((s) => [s, 1]));
  const rb = reshape(b, sb.flatMap((s) => [1, s]));
  return reshape(mul(ra, rb), sa.map((s, k) => s * sb[k]));
}

/** torch.trace(input): the sum of a 2-D matrix's main diagonal (integers sum to int64, as PyTorch). */
export function trace(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('trace', 'input', rest);
  const x = checkTensor('input', input);
  dimsIs(x, 'input', 2, 'a 2-D matrix (trace expects a matrix)');
  return sum(diagonal(x, 0, 0, 1));
}

/**
 * The [..., n] input on the offset-th diagonal of new [..., m, m] last dims (m = n + |offset|), zeros
 * elsewhere: where(mask, input as rows (offset >= 0) or columns (offset < 0), 0), so input's gradient is
 * the diagonal of the output's.
 */
function embedLast(x: Tensor, offset: number): Tensor {
  const n = x.shape[x.ndim - 1];
  const k = Math.abs(offset);
  const m = n + k;
  const lead = x.shape.slice(0, -1);
  const padded = k ? cat([x, zeros([...lead, k], { dtype: x.dtype, device: x.device })], -1) : x;
  const line = offset >= 0 ? padded.unsqueeze(-1) : padded.unsqueeze(-2);
  const full = expand(line, [...lead, m, m]);
  return where(diagonalMask(m, offset, x.device), full, 0);
}
function diagonalMask(m: number, offset: number, device: Tensor['device']): Tensor {
  const data = new Uint8Array(m * m);
  for (let i = 0; i < m; i++) {
    const j = i + offset;
    if (j >= 0 && j < m) data[i * m + j] = 1;
  }
  return fromBuffer(data, [m, m], { dtype: 'bool', device });
}

/**
 * torch.diag_embed(input, {offset=0, dim1=-2, dim2=-1}): each vector along input's last dim put on the
 * offset-th diagonal of a new matrix whose rows are output dim dim1 and columns dim2 (dims of the
 * output, which has one more dimension than input).
 */
export function diagEmbed(input: Tensor, opts?: DiagEmbedOptions, ...rest: never[]): Tensor {
  noExtraArgs('diagEmbed', 'input, { offset, dim1, dim2 }', rest);
  const x = checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['offset', 'dim1', 'dim2']);
  const offset = o.offset === undefined ? 0 : checkInt('opts.offset', o.offset);
  const nd = x.ndim + 1;
  const d1 = normDim(o.dim1 === undefined ? -2 : o.dim1, nd, 'opts.dim1');
  const d2 = normDim(o.dim2 === undefined ? -1 : o.dim2, nd, 'opts.dim2');
  if (d1 === d2) invalidArg('opts.dim2', `a dimension other than dim1 (${d1})`, o.dim2);
  if (x.ndim === 0) shapeError('input', 'a tensor of at least 1 dimension', x);
  return movedim(embedLast(x, offset), [nd - 2, nd - 1], [d1, d2]);
}

/**
 * torch.diag(input, diagonal=0): a 1-D input becomes the square matrix with it on that diagonal; a 2-D
 * input gives its diagonal as a 1-D copy.
 */
export function diag(input: Tensor, diagonal_ = 0, ...rest: never[]): Tensor {
  noExtraArgs('diag', 'input, diagonal', rest);
  const x = checkTensor('input', input);
  const k = checkInt('diagonal', diagonal_);
  if (x.ndim === 1) return embedLast(x, k);
  if (x.ndim === 2) return clone(diagonal(x, k, 0, 1));
  return shapeError('input', 'a 1-D vector or a 2-D matrix (diag: matrix or a vector expected)', x);
}

/** torch.diagflat(input, offset=0): the flattened input on the offset-th diagonal of a square matrix. */
export function diagflat(input: Tensor, offset = 0, ...rest: never[]): Tensor {
  noExtraArgs('diagflat', 'input, offset', rest);
  const x = checkTensor('input', input);
  const k = checkInt('offset', offset);
  return embedLast(flatten(x), k);
}

/** The cross product along d of two tensors of one shape: c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1} (indices mod 3). */
function crossAlong(a: Tensor, b: Tensor, d: number): Tensor {
  return sub(mul(roll(a, -1, d), roll(b, -2, d)), mul(roll(a, -2, d), roll(b, -1, d)));
}
function crossPair(x: Tensor, y: Tensor): number[] {
  if (y.device !== x.device) deviceMismatch('other', `a tensor on ${x.device} (the device of input)`, y.device);
  if (x.dtype !== y.dtype) dtypeError('other', `a ${x.dtype} tensor (cross expects both inputs to have the same dtype)`, y);
  if (x.dtype === 'bool') dtypeError('input', 'a numeric tensor', x);
  if (x.ndim !== y.ndim) shapeError('other', `a tensor of ${x.ndim} dimensions (cross: inputs must have the same number of dimensions)`, y);
  return broadcastShapes(x.shape, y.shape, ['input', 'other']);
}
function crossOn(x: Tensor, y: Tensor, shape: number[], d: number): Tensor {
  if (shape[d] !== 3 || x.shape[d] !== 3 || y.shape[d] !== 3)
    shapeError('dim', `a dimension of length 3 in both inputs (input has ${x.shape[d]}, other ${y.shape[d]} at dimension ${d})`, d);
  const ex = (t: Tensor) => (t.shape.every((s, i) => s === shape[i]) ? t : expand(t, shape));
  return crossAlong(ex(x), ex(y), d);
}
/**
 * torch.cross(input, other, dim?): the cross product of vectors of length 3 along dim, over the
 * broadcast batch dims (inputs of one rank and dtype). Without dim: the first dimension of size 3 (PyTorch
 * 1.13's deprecated default). `cross(a, b, 1)` and `cross(a, b, {dim: 1})` both work.
 */
export function cross(input: Tensor, other: Tensor, dim?: number | CrossOptions | null, ...rest: never[]): Tensor {
  noExtraArgs('cross', 'input, other, dim', rest);
  const x = checkTensor('input', input);
  const y = checkTensor('other', other);
  let dd: unknown = dim;
  if (dd !== null && typeof dd === 'object') dd = checkOptionKeys('opts', dd as CrossOptions, ['dim']).dim;
  const shape = crossPair(x, y);
  let d: number;
  if (dd === undefined || dd === null) {
    d = shape.findIndex((s) => s === 3);
    if (d < 0) shapeError('input', 'a tensor with a dimension of size 3 (no dim given)', x);
  } else d = normDim(dd as number, shape.length, 'dim');
  return crossOn(x, y, shape, d);
}
/** torch.linalg.cross(input, other, {dim=-1}): cross with dim -1 by default. */
export function linalgCross(input: Tensor, other: Tensor, opts?: CrossOptions, ...rest: never[]): Tensor {
  noExtraArgs('cross', 'input, other, { dim }', rest);
  const x = checkTensor('input', input);
  const y = checkTensor('other', other);
  const o = checkOptionKeys('opts', opts, ['dim']);
  const shape = crossPair(x, y);
  const d = normDim(o.dim === undefined ? -1 : o.dim, shape.length, 'opts.dim');
  return crossOn(x, y, shape, d);
}
