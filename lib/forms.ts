// lib/forms.ts — function forms of Tensor methods PyTorch has as both (torch.flatten(x, ...) for
// x.flatten(...), ...): each checks its input and extra arguments, then calls the op.
import { noExtraArgs, typeArg } from './errors';
import { Tensor, checkTensor } from './tensor';
import * as S from './ops/shape';
import * as R from './ops/reduce';

export function flatten(input: Tensor, startDim = 0, endDim = -1, ...rest: never[]): Tensor {
  noExtraArgs('flatten', 'input, startDim, endDim', rest);
  return S.flatten(checkTensor('input', input), startDim, endDim);
}
export function transpose(input: Tensor, dim0: number, dim1: number, ...rest: never[]): Tensor {
  noExtraArgs('transpose', 'input, dim0, dim1', rest);
  return S.transpose(checkTensor('input', input), dim0, dim1);
}
export function permute(input: Tensor, dims: number[], ...rest: never[]): Tensor {
  noExtraArgs('permute', 'input, dims', rest);
  if (!Array.isArray(dims)) typeArg('dims', 'an array of dimensions', dims);
  return S.permute(checkTensor('input', input), dims);
}
export function reshape(input: Tensor, shape: number[], ...rest: never[]): Tensor {
  noExtraArgs('reshape', 'input, shape', rest);
  if (!Array.isArray(shape)) typeArg('shape', 'an array of sizes', shape);
  return S.reshape(checkTensor('input', input), shape);
}
export function squeeze(input: Tensor, dim?: number, ...rest: never[]): Tensor {
  noExtraArgs('squeeze', 'input, dim', rest);
  return S.squeeze(checkTensor('input', input), dim);
}
export function unsqueeze(input: Tensor, dim: number, ...rest: never[]): Tensor {
  noExtraArgs('unsqueeze', 'input, dim', rest);
  return S.unsqueeze(checkTensor('input', input), dim);
}
export function narrow(input: Tensor, dim: number, start: number, length: number, ...rest: never[]): Tensor {
  noExtraArgs('narrow', 'input, dim, start, length', rest);
  return S.narrow(checkTensor('input', input), dim, start, length);
}
export function select(input: Tensor, dim: number, index: number, ...rest: never[]): Tensor {
  noExtraArgs('select', 'input, dim, index', rest);
  return S.select(checkTensor('input', input), dim, index);
}
/** The transpose of a matrix (0-d and 1-d inputs unchanged), as torch.t. */
export function t(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('t', 'input', rest);
  checkTensor('input', input);
  return input.ndim < 2 ? S.reshape(input, input.shape) : S.transpose(input, 0, 1);
}
function checkKeepdim(keepdim: unknown): boolean {
  if (typeof keepdim !== 'boolean') typeArg('keepdim', 'a boolean', keepdim);
  return keepdim as boolean;
}
/** The index of the largest element (of the flattened input, or along dim). */
export function argmax(input: Tensor, dim?: number, keepdim = false, ...rest: never[]): Tensor {
  noExtraArgs('argmax', 'input, dim, keepdim', rest);
  return R.argmax(checkTensor('input', input), dim, checkKeepdim(keepdim), 'argmax');
}
/** The index of the smallest element (of the flattened input, or along dim). */
export function argmin(input: Tensor, dim?: number, keepdim = false, ...rest: never[]): Tensor {
  noExtraArgs('argmin', 'input, dim, keepdim', rest);
  return R.argmax(checkTensor('input', input), dim, checkKeepdim(keepdim), 'argmin');
}
