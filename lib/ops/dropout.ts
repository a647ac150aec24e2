// lib/ops/dropout.ts — dropout variants, identity outside training: dropout zeroes elements with
// probability p and scales the rest by 1/(1-p); dropout2d/3d zero whole channels; alphaDropout keeps
// SELU's self-normalisation. Masks come from the seeded counter-based generator.
import { native, enums } from '../binding';
import { invalidArg, dtypeError, shapeError, checkOptions } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { nextRandom } from '../random';
import { mul, add } from './elementwise';

export interface DropoutOptions {
  p?: number;
  training?: boolean;
}
export function checkP(p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) invalidArg('p', 'a probability in [0, 1]', p);
  return p as number;
}

export function dropout(input: Tensor, opts: DropoutOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', input);
  const p = checkP(opts.p ?? 0.5);
  const training = opts.training ?? true;
  if (!training || p === 0) return input;
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  const mask = scaledMask(input.shape.slice(), p, input);
  const y = mul(input, mask);
  if (y.gradFn) y.gradFn.name = `${y.gradFn.op}(dropout)`; // display only: the node is mul's
  return y;
}

/** Keep-mask of `shape` scaled by 1/(1-p) (all zeros when p = 1), from the seeded generator. */
function scaledMask(shape: number[], p: number, like: Tensor): Tensor {
  const mask = Tensor.empty(shape, like.dtype, like.device);
  if (p === 1) native.fill(mask.arg(), { value: 0 });
  else {
    const [seed, off] = nextRandom(mask.numel());
    native.random(mask.arg(), { kind: enums.RandomKind.Bernoulli, a: 1 - p, b: 1 / (1 - p), seed, offset: off });
  }
  return mask;
}
/** Zeroes whole channels: one draw per (N, C) for inputs [N, C, ...spatial] (or [C, ...] unbatched). */
function channelDropout(name: string, input: Tensor, opts: DropoutOptions, spatial: number): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', input);
  const p = checkP(opts.p ?? 0.5);
  if (!(opts.training ?? true) || p === 0) return input;
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== spatial + 1 && input.ndim !== spatial + 2)
    shapeError('input', `a ${spatial + 1}-D (unbatched) or ${spatial + 2}-D tensor for ${name}`, input);
  const lead = input.ndim - spatial;
  const shape = input.shape.map((s, i) => (i < lead ? s : 1));
  const mask = scaledMask(shape, p, input);
  return mul(input, mask);
}
export function dropout2d(input: Tensor, opts: DropoutOptions = {}): Tensor {
  return channelDropout('dropout2d', input, opts, 2);
}
export function dropout3d(input: Tensor, opts: DropoutOptions = {}): Tensor {
  return channelDropout('dropout3d', input, opts, 3);
}
/** Alpha dropout (for SELU networks): keeps mean 0 and variance 1 of standardised inputs. */
export function alphaDropout(input: Tensor, opts: DropoutOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', input);
  const p = checkP(opts.p ?? 0.5);
  if (!(opts.training ?? true) || p === 0) return input;
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (p === 1) return mul(input, 0);
  const alpha = 1.7580993408473766; // -SELU's negative saturation value (scale * alpha)
  const a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
  const keep = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  const [seed, off] = nextRandom(keep.numel());
  native.random(keep.arg(), { kind: enums.RandomKind.Bernoulli, a: 1 - p, b: 1, seed, offset: off });
  // out = x * (keep * a) + ((keep - 1) * alpha * a + alpha * a * p)
  const b = add(mul(add(keep, -1), alpha * a), alpha * a * p);
  return add(mul(input, mul(keep, a)), b);
}
