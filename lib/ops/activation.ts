// lib/ops/activation.ts — softmax and log-softmax over any dim (max-subtracted, stable), with
// gradients. relu/sigmoid/tanh are elementwise ops (lib/ops/elementwise.ts).
import { native } from '../binding';
import { invalidArg } from '../errors';
import { Tensor, record, checkTensor, normDim, isFloating } from '../tensor';

function softmaxImpl(input: Tensor, dim: number, log: boolean): Tensor {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) invalidArg('input', 'a floating-point tensor', input);
  if (typeof dim !== 'number') invalidArg('dim', 'an integer dimension (PyTorch requires dim)', dim);
  const d = normDim(dim, input.ndim);
  const shape = input.ndim ? input.shape : [1];
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const C = shape[d];
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const x = input.contiguous();
  const y = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  native.softmax(x.arg(), y.arg(), outer, C, inner, log);
  if (x !== input) x.dispose();
  return record(y, [input], log ? 'LogSoftmaxBackward' : 'SoftmaxBackward', (g) => {
    const gc = g.contiguous();
    const dx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.softmaxBackward(y.arg(), gc.arg(), dx.arg(), outer, C, inner, log);
    if (gc !== g) gc.dispose();
    return [dx];
  });
}
export function softmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(input, dim, false);
}
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(input, dim, true);
}
