// lib/ops/linalg.ts — torch.linalg (PyTorch 1.13), exported as the namespace `torch.linalg`:
//  * vectorNorm(x, ord=2, dim?, {keepdim, dtype}), matrixNorm(A, ord='fro', dim=[-2, -1], {keepdim, dtype})
//    ('fro', inf, -inf, 1, -1 from the differentiable reductions; 'nuc', 2, -2 the sum / max / min of the
//    singular values), norm (vector or matrix norm by PyTorch's rules);
//  * svdvals(A): singular values by one-sided Jacobi rotations on the host (float64), gradient
//    U diag(gS) V^T (PyTorch's svdvals backward; singular vectors of zero singular values count as 0);
//  * det, slogdet, inv, solve ({left}), cholesky ({upper}) of batches of square matrices [..., n, n]: an
//    LU factorisation with partial pivoting (LAPACK getrf's pivot choice) or a Cholesky factorisation, in
//    float64 on the host, one matrix after the other — correct, not a fast kernel (tensors on CUDA are
//    read back). Their autograd nodes give PyTorch's analytic gradients: d det = g det A^-T (0 where
//    det = 0, as 1.13's LU-solve gives), d logabsdet = g A^-T, d inv = -X^T g X^T, solve's through the
//    adjoint solve, cholesky's Murray's formula symmetrised (1.13's). They are first-order: a second
//    derivative through them is ERR_TORCHLET_NOT_IMPLEMENTED (the autograd engine's rule for nodes
//    outside its double-backward list). A singular matrix is an ERR_TORCHLET_INVALID_ARG error for
//    inv and solve, and a matrix that is not positive-definite for cholesky, with PyTorch's explanation;
//  * cross (dim=-1), multiDot, matmul, diagonal ({offset, dim1=-2, dim2=-1}).
// Inputs must be floating-point (PyTorch: "Expected a floating point or complex tensor"); solve's A and
// B one dtype. Empty matrices (n = 0) give det 1, an empty inverse, and so on, as PyTorch.
import { checkOptionKeys, checkInt, dtypeError, deviceMismatch, invalidArg, noExtraArgs, optBool, shapeError, typeArg } from '../errors';
import { Tensor, checkTensor, isFloating, normDim } from '../tensor';
import type { DType } from '../tensor';
import { fromBuffer, zerosLike } from '../creation';
import { record } from '../autograd';
import type { GradOp } from '../autograd';
import { abs, broadcastShapes, cast, neg } from './elementwise';
import { sum, norm as vnorm, amax, amin } from './reduce';
import { matmul } from './matmul';
import { diagonal as diagonalView, expand, squeeze, transpose, movedim } from './shape';
import { linalgCross, multiDot as multiDotOp } from './matmul_more';
import type { CrossOptions } from './matmul_more';

// PyTorch's grad_fn names (in lib/autograd.ts's GRAD_OPS; first-order only)
const OP: Record<'det' | 'slogdet' | 'logdet' | 'inv' | 'solve' | 'cholesky' | 'svdvals', GradOp> = {
  det: 'LinalgDetBackward',
  slogdet: 'LinalgSlogdetBackward',
  logdet: 'LogdetBackward',
  inv: 'LinalgInvExBackward',
  solve: 'LinalgSolveExBackward',
  cholesky: 'LinalgCholeskyExBackward',
  svdvals: 'LinalgSvdBackward',
};

export interface VectorNormOptions {
  ord?: number;
  dim?: number | number[] | null;
  /** keep the reduced dims with size 1; default false */
  keepdim?: boolean;
  /** cast the input to this floating-point dtype first (no narrowing: float64 input cannot ask for float32) */
  dtype?: DType | null;
}
export type MatrixNormOrd = 'fro' | 'nuc' | number;
export interface MatrixNormOptions {
  ord?: MatrixNormOrd;
  dim?: number[];
  keepdim?: boolean;
  dtype?: DType | null;
}
export interface NormOptions {
  ord?: MatrixNormOrd | null;
  dim?: number | number[] | null;
  keepdim?: boolean;
  dtype?: DType | null;
}
export interface SolveOptions {
  /** true (default): solve A X = B; false: X A = B */
  left?: boolean;
}
export interface CholeskyOptions {
  /** return the upper factor U = L^T (A = U^T U) instead of L; default false */
  upper?: boolean;
}
export interface DiagonalOptions {
  offset?: number;
  dim1?: number;
  dim2?: number;
}

/** slogdet's result: {sign, logabsdet}, also destructured as an array (PyTorch's named tuple). */
export class SignLogAbsDet {
  constructor(
    readonly sign: Tensor,
    readonly logabsdet: Tensor,
  ) {}
  get 0(): Tensor {
    return this.sign;
  }
  get 1(): Tensor {
    return this.logabsdet;
  }
  get length(): 2 {
    return 2;
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.sign;
    yield this.logabsdet;
  }
}

// ---- norms -------------------------------------------------------------------------------------------
const RANK: Record<string, number> = { float32: 1, float64: 2 };
function floatInput(fn: string, x: Tensor, dtype: unknown): Tensor {
  if (dtype !== undefined && dtype !== null) {
    if (dtype !== 'float32' && dtype !== 'float64') dtypeError('opts.dtype', `'float32' or 'float64' (${fn})`, dtype);
    if (!isFloating(x.dtype)) dtypeError('x', `a floating-point tensor (${fn}: Expected a floating point tensor as input)`, x);
    if (RANK[x.dtype] > RANK[dtype as string])
      dtypeError('opts.dtype', `a dtype the input (${x.dtype}) converts to without narrowing (${fn})`, dtype);
    return x.dtype === dtype ? x : cast(x, dtype as DType);
  }
  if (!isFloating(x.dtype)) dtypeError('x', `a floating-point tensor (${fn}: Expected a floating point tensor as input)`, x);
  return x;
}
function ordNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) typeArg(name, 'a number (Infinity and -Infinity included)', v);
  return v as number;
}
function dimArg(name: string, v: unknown, ndim: number): number[] | null {
  if (v === undefined || v === null) return null;
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list)) typeArg(name, 'a dimension, an array of dimensions or null', v);
  const ds = (list as unknown[]).map((d) => normDim(d as number, ndim, name));
  if (new Set(ds).size !== ds.length) invalidArg(name, 'distinct dimensions', v);
  return ds;
}
/** (value | opts, ...) -> the options: PyTorch's positional first argument or all in one object. */
function leadingOpts<O extends object>(first: unknown, restArgs: unknown[], key: string, allowed: string[], positional: string[]): O {
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (restArgs.some((a) => a !== undefined)) invalidArg('opts', 'nothing after an options object given in place of ' + key, restArgs.find((a) => a !== undefined));
    return checkOptionKeys('opts', first as O, allowed);
  }
  const o: Record<string, unknown> = { [key]: first };
  positional.forEach((p, k) => {
    if (k < restArgs.length - 1 && restArgs[k] !== undefined) o[p] = restArgs[k];
  });
  const last = restArgs[restArgs.length - 1];
  const extra = checkOptionKeys('opts', last as O | undefined, allowed.filter((k) => k !== key && !positional.includes(k)));
  return { ...extra, ...o } as O;
}

function vectorNormOf(fn: string, x: Tensor, o: VectorNormOptions): Tensor {
  const ord = o.ord === undefined ? 2 : ordNumber('ord', o.ord);
  const keepdim = optBool('opts.keepdim', o.keepdim, false);
  const t = floatInput(fn, x, o.dtype);
  let dims = dimArg('dim', o.dim, t.ndim);
  if (dims && dims.length === 0) dims = null; // dim=[]: all dims, as PyTorch 1.13's vector_norm
  const reduced = dims ?? t.shape.map((_, k) => k);
  const n = reduced.reduce((p, k) => p * t.shape[k], 1);
  if (n === 0 && (ord < 0 || ord === Infinity))
    invalidArg('x', `a non-empty tensor (${fn} cannot compute the ${ord} norm on an empty tensor because the operation does not have an identity)`, x);
  if (t.ndim === 0) return vnorm(t.reshape([1]), ord, 0, false).reshape([]);
  return vnorm(t, ord, reduced, keepdim);
}
/**
 * torch.linalg.vector_norm(x, ord=2, dim=null, {keepdim=false, dtype}): the ord-norm (any number,
 * Infinity and -Infinity, 0 the count of non-zeros) over dim (all dims when null, the tensor read as one
 * vector). `vectorNorm(x, {ord, dim, keepdim, dtype})` also works.
 */
export function vectorNorm(x: Tensor, ord: number | VectorNormOptions = 2, dim?: number | number[] | null, opts?: VectorNormOptions, ...rest: never[]): Tensor {
  noExtraArgs('vectorNorm', 'x, ord, dim, { keepdim, dtype }', rest);
  const t = checkTensor('x', x);
  const o = leadingOpts<VectorNormOptions>(ord, [dim, opts], 'ord', ['ord', 'dim', 'keepdim', 'dtype'], ['dim']);
  return vectorNormOf('linalg.vector_norm', t, o);
}

function matrixNormOf(fn: string, A: Tensor, o: MatrixNormOptions): Tensor {
  const ord = o.ord === undefined ? 'fro' : o.ord;
  if (ord !== 'fro' && ord !== 'nuc') ordNumber('ord', ord);
  const keepdim = optBool('opts.keepdim', o.keepdim, false);
  if (A.ndim < 2) shapeError('A', `a tensor of at least 2 dimensions (${fn})`, A);
  const t = floatInput(fn, A, o.dtype);
  const dimList = o.dim === undefined ? [-2, -1] : o.dim;
  if (!Array.isArray(dimList) || dimList.length !== 2) typeArg('dim', 'an array of two dimensions', o.dim);
  const [d0, d1] = (dimList as number[]).map((d) => normDim(d, t.ndim, 'dim'));
  if (d0 === d1) invalidArg('dim', 'two distinct dimensions', o.dim);
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    // from the singular values of the matrices over (d0, d1): their sum, max or min (PyTorch's formulas)
    const k = Math.min(t.shape[d0], t.shape[d1]);
    if (k === 0 && ord !== 'nuc') invalidArg('A', `non-empty matrices (${fn}: the ${ord} norm is a max/min of no singular values)`, t);
    const sv = svdvalsOf(fn, movedim(t, [d0, d1], [t.ndim - 2, t.ndim - 1]));
    const r = ord === 'nuc' ? sum(sv, -1, true) : ord === 2 ? amax(sv, -1, true) : amin(sv, -1, true);
    // r is [..., 1] over the other dims in order: put back the two reduced dims (size 1) where they were
    const lo = Math.min(d0, d1);
    const hi = Math.max(d0, d1);
    const kept = keepdim ? r.unsqueeze(lo) : r.squeeze(-1);
    return keepdim ? (hi === t.ndim - 1 ? kept : movedim(kept, t.ndim - 1, hi)) : kept;
  }
  if (ord === 'fro') return vnorm(t, 2, [d0, d1], keepdim);
  if (ord !== Infinity && ord !== -Infinity && ord !== 1 && ord !== -1)
    invalidArg('ord', "'fro', 'nuc', Infinity, -Infinity, 1, -1, 2 or -2 (a matrix norm order)", ord);
  // inf / -inf: max / min over rows of the row sums of |A| (sum over dim[1]); 1 / -1: over columns
  const [sumDim, maxDim] = ord === Infinity || ord === -Infinity ? [d1, d0] : [d0, d1];
  if (t.shape[maxDim] === 0) invalidArg('A', `a matrix with a non-empty dimension ${maxDim} (${fn}: the ${ord} norm reduces it with max/min)`, t);
  const s = sum(abs(t), sumDim, true);
  const r = ord > 0 ? amax(s, maxDim, true) : amin(s, maxDim, true);
  return keepdim ? r : squeeze(squeeze(r, Math.max(d0, d1)), Math.min(d0, d1));
}
/**
 * torch.linalg.matrix_norm(A, ord='fro', dim=[-2, -1], {keepdim=false, dtype}): 'fro', Infinity
 * (max row sum of |A|), -Infinity (min row sum), 1 (max column sum), -1 (min column sum), 'nuc' (sum of
 * the singular values), 2 (the largest), -2 (the smallest). `matrixNorm(A, {ord, dim, keepdim, dtype})`
 * also works.
 */
export function matrixNorm(A: Tensor, ord: MatrixNormOrd | MatrixNormOptions = 'fro', dim?: number[], opts?: MatrixNormOptions, ...rest: never[]): Tensor {
  noExtraArgs('matrixNorm', 'A, ord, dim, { keepdim, dtype }', rest);
  const t = checkTensor('A', A);
  const o = leadingOpts<MatrixNormOptions>(ord, [dim, opts], 'ord', ['ord', 'dim', 'keepdim', 'dtype'], ['dim']);
  return matrixNormOf('linalg.matrix_norm', t, o);
}
/**
 * torch.linalg.norm(A, ord=null, dim=null, {keepdim=false, dtype}): a string ord or two dims: the
 * matrix norm; one dim: the vector norm; neither ord nor dim: the 2-norm of A read as one vector; an ord
 * without dim: A must be 1-D (vector norm) or 2-D (matrix norm).
 */
export function norm(A: Tensor, ord: MatrixNormOrd | null | NormOptions = null, dim?: number | number[] | null, opts?: NormOptions, ...rest: never[]): Tensor {
  noExtraArgs('norm', 'A, ord, dim, { keepdim, dtype }', rest);
  const t = checkTensor('A', A);
  const o = leadingOpts<NormOptions>(ord, [dim, opts], 'ord', ['ord', 'dim', 'keepdim', 'dtype'], ['dim']);
  const fn = 'linalg.norm';
  const rest2 = { keepdim: o.keepdim, dtype: o.dtype };
  const d = o.dim ?? null;
  const ordV = o.ord ?? null;
  if (d !== null) {
    if (typeof d === 'number' || (Array.isArray(d) && d.length === 1)) {
      if (typeof ordV === 'string') invalidArg('ord', `a number for a vector norm (one dim given), not '${ordV}'`, ordV);
      return vectorNormOf(fn, t, { ord: ordV ?? 2, dim: d, ...rest2 });
    }
    if (Array.isArray(d) && d.length === 2) return matrixNormOf(fn, t, { ord: ordV ?? 'fro', dim: d, ...rest2 });
    return invalidArg('dim', 'one dimension or two (linalg.norm)', d);
  }
  if (ordV === null) return vectorNormOf(fn, t, { ord: 2, dim: null, ...rest2 });
  if (typeof ordV === 'string' || t.ndim === 2) return matrixNormOf(fn, t, { ord: ordV, ...rest2 });
  if (t.ndim !== 1) shapeError('A', `a 1-D or 2-D tensor (${fn}: if dim is not specified but ord is, the input must be 1D or 2D)`, t);
  return vectorNormOf(fn, t, { ord: ordV, dim: null, ...rest2 });
}

// ---- host factorisations (float64, row-major n x n slices) ---------------------------------------------
interface LU {
  /** L (unit, below the diagonal) and U (on and above), in place of A */
  lu: Float64Array;
  /** row i of PA is row perm[i] of A */
  perm: Int32Array;
  /** the permutation's sign */
  sign: number;
  /** 1 + the index of the first zero pivot (LAPACK's info), 0 when none */
  info: number;
}
function luFactor(a: Float64Array, off: number, n: number): LU {
  const lu = a.slice(off, off + n * n);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let info = 0;
  for (let j = 0; j < n; j++) {
    let p = j;
    let best = Math.abs(lu[j * n + j]);
    for (let i = j + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + j]);
      if (v > best || Number.isNaN(v)) {
        best = v;
        p = i;
      }
    }
    if (p !== j) {
      for (let k = 0; k < n; k++) {
        const t = lu[j * n + k];
        lu[j * n + k] = lu[p * n + k];
        lu[p * n + k] = t;
      }
      const t = perm[j];
      perm[j] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const piv = lu[j * n + j];
    if (piv === 0) {
      if (!info) info = j + 1;
      continue;
    }
    for (let i = j + 1; i < n; i++) {
      const f = (lu[i * n + j] /= piv);
      if (f !== 0) for (let k = j + 1; k < n; k++) lu[i * n + k] -= f * lu[j * n + k];
    }
  }
  return { lu, perm, sign, info };
}
/** X (n x k, row-major) solving A X = B, or A^T X = B with `trans`, from A's LU. */
function luSolve(f: LU, n: number, b: Float64Array, boff: number, k: number, trans: boolean): Float64Array {
  const { lu, perm } = f;
  const x = new Float64Array(n * k);
  if (!trans) {
    // P A = L U: L U X = P B
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[i * k + c] = b[boff + perm[i] * k + c];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        const l = lu[i * n + j];
        if (l !== 0) for (let c = 0; c < k; c++) x[i * k + c] -= l * x[j * k + c];
      }
    for (let i = n - 1; i >= 0; i--) {
      for (let j = i + 1; j < n; j++) {
        const u = lu[i * n + j];
        if (u !== 0) for (let c = 0; c < k; c++) x[i * k + c] -= u * x[j * k + c];
      }
      const d = lu[i * n + i];
      for (let c = 0; c < k; c++) x[i * k + c] /= d;
    }
    return x;
  }
  // A^T = U^T L^T P: U^T y = B, L^T z = y, X = P^T z
  const y = b.slice(boff, boff + n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const u = lu[j * n + i];
      if (u !== 0) for (let c = 0; c < k; c++) y[i * k + c] -= u * y[j * k + c];
    }
    const d = lu[i * n + i];
    for (let c = 0; c < k; c++) y[i * k + c] /= d;
  }
  for (let i = n - 1; i >= 0; i--)
    for (let j = i + 1; j < n; j++) {
      const l = lu[j * n + i];
      if (l !== 0) for (let c = 0; c < k; c++) y[i * k + c] -= l * y[j * k + c];
    }
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[perm[i] * k + c] = y[i * k + c];
  return x;
}
function identity(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/**
 * The singular values (descending) and singular vectors of an m x n matrix (row-major at a[off..]), by
 * one-sided Jacobi rotations (Hestenes) on the columns of A (of A^T when m < n), in float64: s [k],
 * U [m, k] and V [n, k] (row-major), k = min(m, n), A = U diag(s) V^T. Columns of U for zero singular
 * values are left 0.
 */
function svdHost(a: Float64Array, off: number, m: number, n: number): { s: Float64Array; U: Float64Array; V: Float64Array } {
  const tr = m < n;
  const rows = tr ? n : m; // W is rows x cols, rows >= cols
  const cols = tr ? m : n;
  const W = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) W[tr ? j * cols + i : i * cols + j] = a[off + i * n + j];
  const Q = identity(cols); // the right rotations, cols x cols
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < cols - 1; p++)
      for (let q = p + 1; q < cols; q++) {
        let al = 0;
        let be = 0;
        let ga = 0;
        for (let i = 0; i < rows; i++) {
          const x = W[i * cols + p];
          const y = W[i * cols + q];
          al += x * x;
          be += y * y;
          ga += x * y;
        }
        if (ga === 0 || Math.abs(ga) <= 1e-15 * Math.sqrt(al * be)) continue;
        rotated = true;
        const zeta = (be - al) / (2 * ga);
        const tt = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + tt * tt);
        const sn = c * tt;
        for (let i = 0; i < rows; i++) {
          const x = W[i * cols + p];
          const y = W[i * cols + q];
          W[i * cols + p] = c * x - sn * y;
          W[i * cols + q] = sn * x + c * y;
        }
        for (let i = 0; i < cols; i++) {
          const x = Q[i * cols + p];
          const y = Q[i * cols + q];
          Q[i * cols + p] = c * x - sn * y;
          Q[i * cols + q] = sn * x + c * y;
        }
      }
    if (!rotated) break;
  }
  const norms = Array.from({ length: cols }, (_, j) => {
    let t = 0;
    for (let i = 0; i < rows; i++) t += W[i * cols + j] * W[i * cols + j];
    return Math.sqrt(t);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const k = cols;
  const s = new Float64Array(k);
  const left = new Float64Array(rows * k); // W's normalised columns
  const right = new Float64Array(cols * k);
  order.forEach((j, r) => {
    s[r] = norms[j];
    for (let i = 0; i < rows; i++) left[i * k + r] = norms[j] > 0 ? W[i * cols + j] / norms[j] : 0;
    for (let i = 0; i < cols; i++) right[i * k + r] = Q[i * cols + j];
  });
  // A = W Q^T = left diag(s) Q^T; for A^T the roles of the factors swap
  return tr ? { s, U: right, V: left } : { s, U: left, V: right };
}

/** The singular values [..., k] of the matrices [..., m, n] of A, with svdvals' gradient U diag(gS) V^T. */
function svdvalsOf(fn: string, A: Tensor): Tensor {
  if (A.ndim < 2) shapeError('A', `a tensor of at least 2 dimensions (${fn})`, A);
  if (!isFloating(A.dtype)) dtypeError('A', `a floating-point tensor (${fn}: Expected a floating point tensor as input)`, A);
  const [m, n] = A.shape.slice(-2);
  const k = Math.min(m, n);
  const batch = A.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const a = hostData(A);
  const parts = Array.from({ length: batch }, (_, b) => svdHost(a, b * m * n, m, n));
  const s = new Float64Array(batch * k);
  parts.forEach((r, b) => s.set(r.s, b * k));
  const out = toTensor(s, [...A.shape.slice(0, -2), k], A.dtype, A.device);
  return record(out, [A], OP.svdvals, (g) => {
    const gd = hostData(g);
    const res = new Float64Array(batch * m * n);
    parts.forEach((r, b) => {
      for (let j = 0; j < k; j++) {
        const gs = gd[b * k + j];
        if (gs === 0) continue;
        for (let i = 0; i < m; i++) {
          const u = r.U[i * k + j] * gs;
          if (u !== 0) for (let c = 0; c < n; c++) res[b * m * n + i * n + c] += u * r.V[c * k + j];
        }
      }
    });
    return [toTensor(res, A.shape.slice(), g.dtype, g.device)];
  });
}

/** torch.linalg.svdvals(A): the singular values of the matrices [..., m, n] of A, descending, [..., min(m, n)]. */
export function svdvals(A: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('svdvals', 'A', rest);
  return svdvalsOf('linalg.svdvals', checkTensor('A', A));
}

// ---- tensor plumbing -------------------------------------------------------------------------------------
function hostData(t: Tensor): Float64Array {
  const a = t.contiguous().toArray();
  return a instanceof Float64Array ? a : Float64Array.from(a as Float32Array);
}
function toTensor(d: Float64Array, shape: number[], dtype: DType, device: Tensor['device']): Tensor {
  const src = dtype === 'float32' ? Float32Array.from(d) : d;
  return fromBuffer(src, shape, { dtype, device });
}
/** A batch of square matrices [..., n, n] of a floating-point dtype: [batch count, n]. */
function squareBatch(fn: string, name: string, A: Tensor): { batch: number; n: number } {
  if (A.ndim < 2) shapeError(name, `a tensor of at least 2 dimensions (${fn}: batches of square matrices)`, A);
  const [r, c] = A.shape.slice(-2);
  if (r !== c) shapeError(name, `batches of square matrices (${fn}: they are ${r} by ${c} matrices)`, A);
  if (!isFloating(A.dtype)) dtypeError(name, `a floating-point tensor (${fn}: Expected a floating point tensor as input)`, A);
  return { batch: A.shape.slice(0, -2).reduce((p, q) => p * q, 1), n: r };
}
function batchNote(batch: number, b: number): string {
  return batch > 1 ? `(Batch element ${b}): ` : '';
}
/** A^T over the last two dims as a float64 array (n x n slices). */
function transposeSlices(d: Float64Array, batch: number, n: number): Float64Array {
  const out = new Float64Array(d.length);
  for (let b = 0; b < batch; b++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[b * n * n + j * n + i] = d[b * n * n + i * n + j];
  return out;
}

// ---- det, slogdet, logdet ----------------------------------------------------------------------------------
interface Dets {
  det: Float64Array;
  lus: LU[];
}
function dets(A: Tensor, n: number, batch: number): Dets {
  const a = hostData(A);
  const det = new Float64Array(batch);
  const lus: LU[] = [];
  for (let b = 0; b < batch; b++) {
    const f = luFactor(a, b * n * n, n);
    let p = f.sign;
    for (let i = 0; i < n; i++) p *= f.lu[i * n + i];
    det[b] = p;
    lus.push(f);
  }
  return { det, lus };
}
/** g_b * s_b * A_b^-T for every batch element (0 where skip(b)), as a tensor like A. */
function scaledInvT(A: Tensor, d: Dets, n: number, g: Tensor, scale: (b: number, gb: number) => number, skip: (b: number) => boolean): Tensor {
  const gd = hostData(g);
  const out = new Float64Array(d.lus.length * n * n);
  const eye = identity(n);
  d.lus.forEach((f, b) => {
    if (skip(b)) return;
    const s = scale(b, gd[b]);
    const invT = luSolve(f, n, eye, 0, n, true); // (A^T)^-1 = A^-T
    for (let i = 0; i < n * n; i++) out[b * n * n + i] = s * invT[i];
  });
  return toTensor(out, A.shape.slice(), g.dtype, A.device);
}

/** torch.linalg.det(A): the determinants of a batch of square matrices [..., n, n], shape [...]. */
export function det(A: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('det', 'A', rest);
  const x = checkTensor('A', A);
  const { batch, n } = squareBatch('linalg.det', 'A', x);
  const d = dets(x, n, batch);
  const out = toTensor(d.det, x.shape.slice(0, -2), x.dtype, x.device);
  // 1.13: g det A^-T through an LU solve whose right-hand side g * det is 0 for a singular A: 0
  return record(out, [x], OP.det, (g) => [scaledInvT(x, d, n, g, (b, gb) => gb * d.det[b], (b) => d.det[b] === 0 || d.lus[b].info !== 0)]);
}

/**
 * torch.linalg.slogdet(A): {sign, logabsdet} (also `[sign, logabsdet]`): det = sign * exp(logabsdet);
 * a singular matrix gives sign 0 and logabsdet -inf. Gradients: g A^-T from logabsdet, 0 from sign.
 */
export function slogdet(A: Tensor, ...rest: never[]): SignLogAbsDet {
  noExtraArgs('slogdet', 'A', rest);
  const x = checkTensor('A', A);
  const { batch, n } = squareBatch('linalg.slogdet', 'A', x);
  const a = hostData(x);
  const sign = new Float64Array(batch);
  const lad = new Float64Array(batch);
  const lus: LU[] = [];
  for (let b = 0; b < batch; b++) {
    const f = luFactor(a, b * n * n, n);
    let s = f.sign;
    let l = 0;
    for (let i = 0; i < n; i++) {
      const u = f.lu[i * n + i];
      s *= Math.sign(u);
      l += Math.log(Math.abs(u));
    }
    sign[b] = s;
    lad[b] = l;
    lus.push(f);
  }
  const shape = x.shape.slice(0, -2);
  const signT = toTensor(sign, shape, x.dtype, x.device);
  const ladT = toTensor(lad, shape, x.dtype, x.device);
  const d: Dets = { det: sign, lus };
  record(ladT, [x], OP.slogdet, (g) => [scaledInvT(x, d, n, g, (_b, gb) => gb, () => false)]);
  // sign requires grad too (as PyTorch's); its gradient is 0 (piecewise constant)
  record(signT, [x], OP.slogdet, (g) => [zerosLike(x, { dtype: g.dtype })]);
  return new SignLogAbsDet(signT, ladT);
}

/** torch.logdet(A): log(det(A)): NaN where det < 0, -inf where det = 0; gradient g A^-T. */
export function logdet(A: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('logdet', 'A', rest);
  const x = checkTensor('A', A);
  const { batch, n } = squareBatch('logdet', 'A', x);
  const d = dets(x, n, batch);
  const out = toTensor(d.det.map((v) => Math.log(v)), x.shape.slice(0, -2), x.dtype, x.device);
  return record(out, [x], OP.logdet, (g) => [scaledInvT(x, d, n, g, (_b, gb) => gb, () => false)]);
}

// ---- inv, solve -------------------------------------------------------------------------------------------------
function singular(fn: string, name: string, A: Tensor, batch: number, b: number, info: number, inv: boolean): never {
  const why = inv
    ? `The diagonal element ${info} is zero, the inversion could not be completed because the input matrix is singular`
    : 'The solver failed because the input matrix is singular';
  return invalidArg(name, `an invertible matrix (${fn}: ${batchNote(batch, b)}${why})`, A);
}

/** torch.linalg.inv(A): the inverses of a batch of square matrices; a singular one is an error. */
export function inv(A: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('inv', 'A', rest);
  return invOf('linalg.inv', A);
}
function invOf(fn: string, A: Tensor): Tensor {
  const x = checkTensor('A', A);
  const { batch, n } = squareBatch(fn, 'A', x);
  const a = hostData(x);
  const out = new Float64Array(batch * n * n);
  const eye = identity(n);
  for (let b = 0; b < batch; b++) {
    const f = luFactor(a, b * n * n, n);
    if (f.info) singular(fn, 'A', x, batch, b, f.info, true);
    out.set(luSolve(f, n, eye, 0, n, false), b * n * n);
  }
  const X = toTensor(out, x.shape.slice(), x.dtype, x.device);
  const Xd = X.detach();
  return record(X, [x], OP.inv, (g) => {
    const XT = transpose(Xd, -1, -2);
    return [neg(matmul(matmul(XT, g), XT))];
  });
}

/** X solving A X = B for [batch, n, n] A and [batch, n, k] B (same batch), as float64, or the singular batch element. */
function solveHost(a: Float64Array, bd: Float64Array, batch: number, n: number, k: number, trans: boolean): { x: Float64Array; bad: number; info: number } {
  const x = new Float64Array(batch * n * k);
  for (let b = 0; b < batch; b++) {
    const f = luFactor(a, b * n * n, n);
    if (f.info) return { x, bad: b, info: f.info };
    x.set(luSolve(f, n, bd, b * n * k, k, trans), b * n * k);
  }
  return { x, bad: -1, info: 0 };
}

/**
 * torch.linalg.solve(A, B, {left=true}): X with A X = B (left) or X A = B, A [..., n, n] and B
 * [..., n, k], batch dims broadcast; B is a batch of vectors when it is 1-D or its shape is A's without
 * the last dim (PyTorch 1.13's rule). A singular A is an error.
 */
export function solve(A: Tensor, B: Tensor, opts?: SolveOptions, ...rest: never[]): Tensor {
  noExtraArgs('solve', 'A, B, { left }', rest);
  const a = checkTensor('A', A);
  const b = checkTensor('B', B);
  const o = checkOptionKeys('opts', opts, ['left']);
  const left = optBool('opts.left', o.left, true);
  const fn = 'linalg.solve';
  const { n } = squareBatch(fn, 'A', a);
  if (b.device !== a.device) deviceMismatch('B', `a tensor on ${a.device} (the device of A)`, b.device);
  if (b.dtype !== a.dtype) dtypeError('B', `a ${a.dtype} tensor (${fn}: Expected A and B to have the same dtype)`, b);
  const vector = b.ndim === 1 || (b.ndim === a.ndim - 1 && b.shape.every((s, i) => s === a.shape[i]));
  const Bm = vector ? b.unsqueeze(-1) : b;
  if (Bm.ndim < 2) shapeError('B', `a tensor of at least 1 dimension (${fn})`, b);
  if (!left) {
    if (vector) shapeError('B', `a matrix (${fn} with left=false takes B [..., k, n])`, b);
    const Xt = solveMatrix(fn, transpose(a, -1, -2), transpose(Bm, -1, -2), n, b);
    return transpose(Xt, -1, -2);
  }
  const X = solveMatrix(fn, a, Bm, n, b);
  return vector ? X.squeeze(-1) : X;
}
function solveMatrix(fn: string, a: Tensor, Bm: Tensor, n: number, b: Tensor): Tensor {
  if (Bm.shape[Bm.ndim - 2] !== n)
    shapeError('B', `${n} rows (${fn}: incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${Bm.shape.slice(-2).join('x')}))`, b);
  const k = Bm.shape[Bm.ndim - 1];
  const bs = broadcastShapes(a.shape.slice(0, -2), Bm.shape.slice(0, -2), ['A', 'B']);
  const batch = bs.reduce((p, q) => p * q, 1);
  const Ae = expand(a, [...bs, n, n]);
  const Be = expand(Bm, [...bs, n, k]);
  const ad = hostData(Ae);
  const r = solveHost(ad, hostData(Be), batch, n, k, false);
  if (r.bad >= 0) singular(fn, 'A', a, batch, r.bad, r.info, false);
  const X = toTensor(r.x, [...bs, n, k], a.dtype, a.device);
  const Xd = X.detach();
  return record(X, [Ae, Be], OP.solve, (g) => {
    // gB = A^-T g (the adjoint solve), gA = -gB X^T
    const s = solveHost(ad, hostData(g), batch, n, k, true);
    const gB = toTensor(s.x, [...bs, n, k], g.dtype, g.device);
    const gA = Ae.requiresGrad ? neg(matmul(gB, transpose(Xd, -1, -2))) : null;
    return [gA, Be.requiresGrad ? gB : null];
  });
}

// ---- cholesky -------------------------------------------------------------------------------------------------------
/**
 * torch.linalg.cholesky(A, {upper=false}): L lower triangular with A = L L^T (only A's lower triangle
 * is read, as LAPACK's); upper: U = L^T. A matrix that is not positive-definite is an error.
 */
export function cholesky(A: Tensor, opts?: CholeskyOptions, ...rest: never[]): Tensor {
  noExtraArgs('cholesky', 'A, { upper }', rest);
  const x = checkTensor('A', A);
  const o = checkOptionKeys('opts', opts, ['upper']);
  const upper = optBool('opts.upper', o.upper, false);
  const fn = 'linalg.cholesky';
  const { batch, n } = squareBatch(fn, 'A', x);
  const a = hostData(x);
  const L = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    const off = b * n * n;
    for (let j = 0; j < n; j++) {
      let s = a[off + j * n + j];
      for (let k = 0; k < j; k++) s -= L[off + j * n + k] * L[off + j * n + k];
      if (!(s > 0))
        invalidArg('A', `a positive-definite matrix (${fn}: ${batchNote(batch, b)}The factorization could not be completed because the input is not positive-definite (the leading minor of order ${j + 1} is not positive-definite))`, x);
      const d = Math.sqrt(s);
      L[off + j * n + j] = d;
      for (let i = j + 1; i < n; i++) {
        let t = a[off + i * n + j];
        for (let k = 0; k < j; k++) t -= L[off + i * n + k] * L[off + j * n + k];
        L[off + i * n + j] = t / d;
      }
    }
  }
  const out = toTensor(upper ? transposeSlices(L, batch, n) : L, x.shape.slice(), x.dtype, x.device);
  return record(out, [x], OP.cholesky, (g) => {
    // Murray (2016), PyTorch 1.13: Phi = tril(L^T gL) with its diagonal halved, gA = sym(L^-T Phi L^-1)
    const gl = hostData(g);
    const gL = upper ? transposeSlices(gl, batch, n) : gl;
    const res = new Float64Array(batch * n * n);
    for (let b = 0; b < batch; b++) {
      const off = b * n * n;
      const phi = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += L[off + k * n + i] * gL[off + k * n + j];
          phi[i * n + j] = i === j ? s / 2 : s;
        }
      // Y = L^-T Phi (solve L^T Y = Phi, L^T upper), then Z = Y L^-1 (solve Z L = Y, i.e. L^T Z^T = Y^T)
      const Y = new Float64Array(n * n);
      for (let c = 0; c < n; c++)
        for (let i = n - 1; i >= 0; i--) {
          let s = phi[i * n + c];
          for (let k = i + 1; k < n; k++) s -= L[off + k * n + i] * Y[k * n + c];
          Y[i * n + c] = s / L[off + i * n + i];
        }
      const Z = new Float64Array(n * n);
      for (let r = 0; r < n; r++)
        for (let j = n - 1; j >= 0; j--) {
          let s = Y[r * n + j];
          for (let k = j + 1; k < n; k++) s -= Z[r * n + k] * L[off + k * n + j];
          Z[r * n + j] = s / L[off + j * n + j];
        }
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) res[off + i * n + j] = 0.5 * (Z[i * n + j] + Z[j * n + i]);
    }
    return [toTensor(res, x.shape.slice(), g.dtype, g.device)];
  });
}

// ---- the rest of the namespace ------------------------------------------------------------------------------------
/** torch.linalg.matmul(input, other): torch.matmul. */
export function matmulOf(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('matmul', 'input, other', rest);
  return matmul(input, other);
}
/** torch.linalg.diagonal(A, {offset=0, dim1=-2, dim2=-1}): the diagonals of the matrices of A (a view). */
export function diagonalOf(A: Tensor, opts?: DiagonalOptions, ...rest: never[]): Tensor {
  noExtraArgs('diagonal', 'A, { offset, dim1, dim2 }', rest);
  const x = checkTensor('A', A);
  const o = checkOptionKeys('opts', opts, ['offset', 'dim1', 'dim2']);
  const offset = o.offset === undefined ? 0 : checkInt('opts.offset', o.offset);
  return diagonalView(x, offset, o.dim1 === undefined ? -2 : checkInt('opts.dim1', o.dim1), o.dim2 === undefined ? -1 : checkInt('opts.dim2', o.dim2));
}
/** torch.linalg.cross(input, other, {dim=-1}). */
export function crossOf(input: Tensor, other: Tensor, opts?: CrossOptions, ...rest: never[]): Tensor {
  noExtraArgs('cross', 'input, other, { dim }', rest);
  return linalgCross(input, other, opts);
}
/** torch.linalg.multi_dot(tensors). */
export function multiDotOf(tensors: Tensor[], ...rest: never[]): Tensor {
  noExtraArgs('multiDot', 'tensors', rest);
  return multiDotOp(tensors);
}
/** torch.inverse(A): linalg.inv. */
export function inverse(A: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('inverse', 'A', rest);
  return invOf('inverse', A);
}
