// lib/ops/activation.ts — softmax and log-softmax over any dim (max-subtracted, stable), with
// gradients; SELU and PReLU composed from elementwise ops. relu/sigmoid/tanh live in elementwise.ts.
import { native } from '../binding';
import { invalidArg, dtypeError, shapeError } from '../errors';
import { Tensor, checkTensor, normDim, isFloating } from '../tensor';
import { record, isGradEnabled } from '../autograd';
import { sum } from './reduce';
import { add, sub, mul, neg, exp, relu } from './elementwise';

function softmaxImpl(input: Tensor, dim: number, log: boolean): Tensor {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (typeof dim !== 'number') invalidArg('dim', 'an integer dimension (PyTorch requires dim)', dim);
  const d = normDim(dim, input.ndim);
  const shape = input.ndim ? input.shape : [1];
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const C = shape[d];
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const x = input.contiguous();
  const y = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  native.softmax(x.arg(), y.arg(), { outer, C, inner, log });
  if (x !== input) x.dispose();
  return record(y, [input], log ? 'LogSoftmaxBackward' : 'SoftmaxBackward', (g) => {
    if (isGradEnabled() && input.ndim > 0) {
      // createGraph (grad mode on in backward), from differentiable ops:
      // log: g - exp(y) * sum(g); softmax: y * (g - sum(g * y))
      if (log) return [sub(g, mul(exp(y), sum(g, d, true)))];
      return [mul(y, sub(g, sum(mul(g, y), d, true)))];
    }
    const gc = g.contiguous();
    const dx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.softmaxBackward(y.arg(), gc.arg(), dx.arg(), { outer, C, inner, log });
    if (gc !== g) gc.dispose();
    return [dx];
  }, [y]);
}
export function softmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(input, dim, false);
}
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(input, dim, true);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
/** SELU: scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), composed so autograd derives it. */
export function selu(input: Tensor): Tensor {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  const negPart = mul(add(exp(neg(relu(neg(input)))), -1), SELU_ALPHA); // alpha*(exp(min(x,0)) - 1)
  return mul(add(relu(input), negPart), SELU_SCALE);
}
/** PReLU: max(0, x) + weight * min(0, x); weight has 1 element or one per channel (dim 1). */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  const n = weight.numel();
  const C = input.ndim >= 2 ? input.shape[1] : 1;
  if (n !== 1 && n !== C) shapeError('weight', `1 or ${C} (the input channels) elements`, weight);
  if (weight.dtype !== input.dtype) dtypeError('weight', `a ${input.dtype} tensor`, weight);
  const wshape = n === 1 ? [1] : input.shape.map((s, i) => (i === 1 ? C : 1));
  const w = weight.reshape(wshape);
  return sub(relu(input), mul(w, relu(neg(input))));
}
