// lib/ops/local_response_norm.ts — local response normalisation across channels, as
// torch.nn.functional.local_response_norm (the original AlexNet's): for input [N, C, ...] (at least
// 3-D), b[c] = x[c] / (k + alpha * avg[c])^beta, where avg[c] is the mean of x^2 over the channel window
// [c - floor(size/2), c + floor((size-1)/2)] padded with zeros (the divisor is always size).
// PyTorch 1.13's composition (pad, then average pooling along channels), so gradients follow by autograd.
import { checkInt, checkNumber, checkOptionKeys, dtypeError, shapeError } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { add, mul, div, pow } from './elementwise';
import { pad } from './pad';
import { avgPool2d } from './pool2d';

export interface LocalResponseNormOptions {
  /** multiplicative factor (default 1e-4) */
  alpha?: number;
  /** exponent (default 0.75) */
  beta?: number;
  /** additive factor (default 1) */
  k?: number;
}

/** Local response normalisation over `size` neighbouring channels, as F.local_response_norm. */
export function localResponseNorm(input: Tensor, size: number, opts: LocalResponseNormOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['alpha', 'beta', 'k']);
  const alpha = checkNumber('opts.alpha', opts.alpha ?? 1e-4);
  const beta = checkNumber('opts.beta', opts.beta ?? 0.75);
  const k = checkNumber('opts.k', opts.k ?? 1);
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim < 3) shapeError('input', 'a tensor of at least 3 dimensions [N, C, ...]', input);
  checkInt('size', size, 1);
  if (input.numel() === 0) return input;
  const shape = input.shape.slice();
  const rest = shape.slice(2).reduce((a, b) => a * b, 1);
  const sq = mul(input, input).reshape([shape[0], 1, shape[1], rest]);
  const padded = pad(sq, [0, 0, Math.floor(size / 2), Math.floor((size - 1) / 2)]);
  const avg = avgPool2d(padded, [size, 1], { stride: 1 }).reshape(shape);
  return div(input, pow(add(mul(avg, alpha), k), beta));
}
