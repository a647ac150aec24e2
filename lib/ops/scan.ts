// lib/ops/scan.ts — cumulative ops along one dimension: cumsum (PyTorch's torch.cumsum) with its
// gradient, through the native cumsum kernel (native/ops/scan.h). Integer and bool inputs sum in
// int64, as in PyTorch; `dtype` casts the input first. Any input layout: it is made contiguous.
import { native } from '../binding';
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, DType, checkTensor, checkDType, normDim, isFloating } from '../tensor';
import { record } from '../autograd';
import { cast } from './elementwise';

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
