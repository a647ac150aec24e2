// lib/ops/dropout.ts — dropout variants, identity outside training: dropout zeroes elements with
// probability p and scales the rest by 1/(1-p); dropout2d/3d zero whole channels; alphaDropout keeps
// SELU's self-normalisation. One native pass (native/ops/dropout.h) draws the mask from the seeded
// counter-based generator (lib/random.ts: one counter per mask unit, reserved with nextRandom, so the
// masks are the very ones of a Bernoulli native.random mask) and applies it; the backward
// regenerates the mask from the same (seed, offset) instead of storing it. p = 1 draws nothing.
import { native, enums } from '../binding';
import type { DropoutParams } from '../../binding';
import { invalidArg, dtypeError, shapeError, optBool, numberOrOpts } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, linearGrad } from '../autograd';
import { nextRandom } from '../random';
import { mul } from './elementwise';
import { inplace as inplaceOp } from './inplace';

/** The options of F.dropout(input, p, opts) / F.dropout(input, opts) (numberOrOpts: p positionally or in the options). */
function dropoutOpts(fn: string, p: number | DropoutOptions | undefined, opts: DropoutOptions | undefined, rest: readonly unknown[]): DropoutOptions {
  return numberOrOpts<DropoutOptions>(fn, 'p', p, opts, rest, ['p', 'training', 'inplace']);
}

/** run(input), or with inplace its result written into input (PyTorch's autograd rules for in-place ops). */
function apply(input: Tensor, inplace: boolean, name: string, run: (x: Tensor) => Tensor): Tensor {
  return inplace ? inplaceOp(input, name, run) : run(input);
}

export interface DropoutOptions {
  p?: number;
  training?: boolean;
  /** write the result into the input (PyTorch's inplace=True; in training with p > 0 only, else the input is returned as is) */
  inplace?: boolean;
}
/** A dropout probability in [0, 1]; errors name it `name` (default 'p'). */
export function checkP(p: unknown, name = 'p'): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) invalidArg(name, 'a probability in [0, 1]', p);
  return p as number;
}

/** Runs the fused kernel: mask units of L elements (units = numel / L counters of the generator). */
function runDropout(input: Tensor, kind: DropoutParams['kind'], p: number, L: number, units: number): Tensor {
  const [seed, offset] = nextRandom(units);
  const params: DropoutParams = { kind, p, L: Math.max(L, 1), seed, offset };
  const x = input.contiguous();
  const out = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  native.dropoutForward(x.arg(), out.arg(), params);
  if (x !== input) x.dispose();
  return record(out, [input], 'DropoutBackward', (g) => [dropoutGrad(g, params)]);
}
/** g times the regenerated mask (and scale): diagonal, so under createGraph its own adjoint. */
function dropoutGrad(g: Tensor, params: DropoutParams): Tensor {
  const gc = g.contiguous();
  const dx = Tensor.empty(g.shape.slice(), g.dtype, g.device);
  native.dropoutBackward(gc.arg(), dx.arg(), params);
  if (gc !== g) gc.dispose();
  return linearGrad(dx, g, 'NativeDropoutBackwardBackward', (gg) => dropoutGrad(gg, params));
}

export function dropout(input: Tensor, p?: number | DropoutOptions, opts?: DropoutOptions, ...rest: never[]): Tensor {
  const o = dropoutOpts('dropout', p, opts, rest);
  return elementDropout(input, o);
}
function elementDropout(input: Tensor, opts: DropoutOptions): Tensor {
  checkTensor('input', input);
  const p = checkP(opts.p ?? 0.5);
  const training = optBool('opts.training', opts.training, true);
  const inplace = optBool('opts.inplace', opts.inplace, false);
  if (!training || p === 0) return input;
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  return apply(input, inplace, 'dropout_', (x) => (p === 1 ? mul(x, 0) : runDropout(x, enums.DropoutKind.Element, p, 1, x.numel())));
}

/** Zeroes whole channels: one draw per (N, C) for inputs [N, C, ...spatial] (or [C, ...] unbatched). */
function channelDropout(name: string, input: Tensor, opts: DropoutOptions, spatial: number): Tensor {
  checkTensor('input', input);
  const p = checkP(opts.p ?? 0.5);
  const inplace = optBool('opts.inplace', opts.inplace, false);
  if (!optBool('opts.training', opts.training, true) || p === 0) return input;
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== spatial + 1 && input.ndim !== spatial + 2)
    shapeError('input', `a ${spatial + 1}-D (unbatched) or ${spatial + 2}-D tensor for ${name}`, input);
  const L = input.shape.slice(input.ndim - spatial).reduce((a, b) => a * b, 1);
  const units = input.shape.slice(0, input.ndim - spatial).reduce((a, b) => a * b, 1);
  return apply(input, inplace, `${name}_`, (x) => (p === 1 ? mul(x, 0) : runDropout(x, enums.DropoutKind.Channel, p, L, units)));
}
export function dropout2d(input: Tensor, p?: number | DropoutOptions, opts?: DropoutOptions, ...rest: never[]): Tensor {
  return channelDropout('dropout2d', input, dropoutOpts('dropout2d', p, opts, rest), 2);
}
export function dropout3d(input: Tensor, p?: number | DropoutOptions, opts?: DropoutOptions, ...rest: never[]): Tensor {
  return channelDropout('dropout3d', input, dropoutOpts('dropout3d', p, opts, rest), 3);
}
/** Alpha dropout (for SELU networks): keeps mean 0 and variance 1 of standardised inputs. */
export function alphaDropout(input: Tensor, p?: number | DropoutOptions, opts?: DropoutOptions, ...rest: never[]): Tensor {
  const o = dropoutOpts('alphaDropout', p, opts, rest);
  checkTensor('input', input);
  const prob = checkP(o.p ?? 0.5);
  const inplace = optBool('opts.inplace', o.inplace, false);
  if (!optBool('opts.training', o.training, true) || prob === 0) return input;
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  return apply(input, inplace, 'alphaDropout_', (x) => (prob === 1 ? mul(x, 0) : runDropout(x, enums.DropoutKind.Alpha, prob, 1, x.numel())));
}
