// lib/ops/scan.ts — cumulative ops along one dimension: cumsum and cumprod (PyTorch's torch.cumsum /
// torch.cumprod) and cummax / cummin (values and indices), with their gradients, through the native
// cumsum and scan kernels (native/ops/scan.h). Integer and bool inputs sum / multiply in int64, as in
// PyTorch; `dtype` casts the input first. Any input layout: it is made contiguous.
import { native } from '../binding';
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs, dtypeError } from '../errors';
import { Tensor, DType, checkTensor, checkDType, normDim, isFloating } from '../tensor';
import { record } from '../autograd';
import { cast, compare, mul, div } from './elementwise';
import { rawScatter, where } from './index';
import { ValuesIndices } from './sort';

export interface CumsumOptions {
  /** the dtype of the result (the input is cast to it first); default: the input's, int64 for integers and bool */
  dtype?: DType;
}

/** Runs the native scan over dim of a contiguous tensor of a supported dtype. */
function rawCumsum(x: Tensor, dim: number, reverse: boolean): Tensor {
  const c = x.contiguous();
  const out = Tensor.empty(x.shape.slice(), x.dtype, x.device);
  const outer = x.shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const n = x.ndim === 0 ? 1 : x.shape[dim];
  const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  native.cumsum(c.arg(), out.arg(), { outer, n, inner, reverse });
  if (c !== x) c.dispose();
  return out;
}

/** y[..., i, ...] = x[..., 0, ...] + ... + x[..., i, ...] along dim. */
export function cumsum(input: Tensor, dim: number, opts: CumsumOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('cumsum', 'input, dim, { dtype }', rest);
  checkTensor('input', input);
  if (typeof dim !== 'number') typeArg('dim', 'an integer', dim);
  const d = normDim(dim, input.ndim);
  opts = checkOptionKeys('opts', opts, ['dtype']);
  const dtype = opts.dtype === undefined ? (isFloating(input.dtype) ? input.dtype : 'int64') : checkDType('opts.dtype', opts.dtype);
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int64')
    invalidArg('opts.dtype', 'float32, float64 or int64', dtype);
  const x = input.dtype === dtype ? input : cast(input, dtype);
  const out = rawCumsum(x, d, false);
  if (x !== input && !x.requiresGrad) x.dispose();
  // d(sum_j<=i x_j)/dx_k = 1 for k <= i: the gradient is the reverse cumulative sum of g
  return record(out, [x], 'CumsumBackward', (g) => [rawCumsum(g, d, true)]);
}

type ScanKind = 'prod' | 'max' | 'min';
const SCAN_OP = { prod: 0, max: 1, min: 2 } as const;
/** The native scan over dim of x (any layout; made contiguous): the output, and for max/min the indices. */
function rawScan(x: Tensor, dim: number, kind: ScanKind): [Tensor, Tensor | null] {
  const c = x.contiguous();
  const out = Tensor.empty(x.shape.slice(), x.dtype, x.device);
  const idx = kind === 'prod' ? null : Tensor.empty(x.shape.slice(), 'int64', x.device);
  const outer = x.shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const n = x.ndim === 0 ? 1 : x.shape[dim];
  const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  native.scan(c.arg(), out.arg(), idx ? idx.arg() : null, { op: SCAN_OP[kind], outer, n, inner });
  if (c !== x) c.dispose();
  return [out, idx];
}

/** y[..., i, ...] = x[..., 0, ...] * ... * x[..., i, ...] along dim (PyTorch's gradient, zeros included). */
export function cumprod(input: Tensor, dim: number, opts: CumsumOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('cumprod', 'input, dim, { dtype }', rest);
  checkTensor('input', input);
  if (typeof dim !== 'number') typeArg('dim', 'an integer', dim);
  const d = normDim(dim, input.ndim);
  opts = checkOptionKeys('opts', opts, ['dtype']);
  const dtype = opts.dtype === undefined ? (isFloating(input.dtype) ? input.dtype : 'int64') : checkDType('opts.dtype', opts.dtype);
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int64') invalidArg('opts.dtype', 'float32, float64 or int64', dtype);
  const x = input.dtype === dtype ? input : cast(input, dtype);
  const [out] = rawScan(x, d, 'prod');
  if (x !== input && !x.requiresGrad) x.dispose();
  // Before a line's first zero: sum_{i>=k} g_i y_i / x_k. At the first zero k0: sum_{i>=k0} g_i Q_i,
  // Q the cumprod of x with x_k0 replaced by 1. After it: 0 (PyTorch's cumprod_backward).
  return record(out, [x], 'CumprodBackward', (g) => {
    const zi = cast(compare('eq', x, 0), 'int64');
    const zc = rawCumsum(zi, d, false);
    const before = compare('eq', zc, 0);
    const firstZero = compare('eq', mul(zc, zi), 1);
    const xs = where(before, x, 1);
    const a = div(rawCumsum(mul(g, out), d, true), xs);
    const [q] = rawScan(where(firstZero, 1, x), d, 'prod');
    const b = rawCumsum(mul(g, q), d, true);
    return [where(before, a, where(firstZero, b, 0))];
  });
}
function extreme(kind: 'max' | 'min', input: Tensor, dim: number, rest: never[]): ValuesIndices {
  noExtraArgs(`cum${kind}`, 'input, dim', rest);
  checkTensor('input', input);
  if (typeof dim !== 'number') typeArg('dim', 'an integer', dim);
  const d = normDim(dim, input.ndim);
  if (input.dtype === 'bool' || input.dtype === 'uint8' || input.dtype === 'int32') {
    const c = cast(input, 'int64');
    const r = extreme(kind, c, d, []);
    const v = cast(r.values, input.dtype);
    return new ValuesIndices(v, r.indices);
  }
  if (!isFloating(input.dtype) && input.dtype !== 'int64') dtypeError('input', 'a float or integer tensor', input);
  const [v, i] = rawScan(input, d, kind);
  record(v, [input], kind === 'max' ? 'CummaxBackward' : 'CumminBackward', (g) => {
    const zr = Tensor.empty(input.shape.slice(), g.dtype, g.device, true);
    if (input.ndim === 0) return [g];
    rawScatter(zr, d, i!, i!.strides, i!.shape, g, 'add');
    return [zr];
  });
  return new ValuesIndices(v, i!);
}
/** The running maximum along dim and where it came from (a later equal element takes over; NaN, once met, stays). */
export function cummax(input: Tensor, dim: number, ...rest: never[]): ValuesIndices {
  return extreme('max', input, dim, rest);
}
/** The running minimum along dim and where it came from. */
export function cummin(input: Tensor, dim: number, ...rest: never[]): ValuesIndices {
  return extreme('min', input, dim, rest);
}
