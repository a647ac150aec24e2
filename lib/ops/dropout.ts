// lib/ops/dropout.ts — dropout: in training, zeroes each element with probability p and scales
// the rest by 1/(1-p) (mask drawn from the seeded counter-based generator); identity otherwise.
import { native } from '../binding';
import { invalidArg } from '../errors';
import { Tensor, record, checkTensor, nextRandom, isFloating } from '../tensor';
import { mul } from './elementwise';

export interface DropoutOptions {
  p?: number;
  training?: boolean;
}
export function checkP(p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) invalidArg('p', 'a probability in [0, 1]', p);
  return p as number;
}

export function dropout(input: Tensor, opts: DropoutOptions = {}): Tensor {
  checkTensor('input', input);
  const p = checkP(opts.p ?? 0.5);
  const training = opts.training ?? true;
  if (!training || p === 0) return input;
  if (!isFloating(input.dtype)) invalidArg('input', 'a floating-point tensor', input);
  const mask = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  if (p === 1) native.fill(mask.arg(), 0);
  else {
    const [seed, off] = nextRandom(mask.numel());
    native.random(2, mask.arg(), 1 - p, 1 / (1 - p), seed, off);
  }
  const y = mul(input, mask);
  if (y.gradFn) y.gradFn.name = 'MulBackward(dropout)';
  return y;
}
export { record };
