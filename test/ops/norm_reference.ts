// test/ops/norm_reference.ts — the composed normalisation and dropout ops that lib/ops/norm.ts and
// lib/ops/dropout.ts used before the native kernels, kept as references for the tests: batch, layer,
// group and instance normalisation composed from the differentiable elementwise and reduction ops
// (gradients from the tape; PyTorch's semantics: biased variance to normalise, unbiased variance in
// the running estimate, running statistics updated in place without gradient), and dropout as a
// Bernoulli mask from native.random times the input. Same signatures as the library's functions.
import { invalidArg, dtypeError, shapeError, checkOptions } from '../../lib/errors';
import { Tensor, checkTensor, isFloating } from '../../lib/tensor';
import { noGrad } from '../../lib/autograd';
import { native, enums } from '../../lib/binding';
import { nextRandom } from '../../lib/random';
import type { DropoutOptions } from '../../lib/ops/dropout';
import { sub, mul, add, div, sqrt } from '../../lib/ops/elementwise';
import { mean } from '../../lib/ops/reduce';
import { randnT } from '../helpers';

function checkFloat(name: string, t: Tensor): void {
  if (!isFloating(t.dtype)) dtypeError(name, 'a floating-point tensor', t);
}
function checkVec(name: string, t: Tensor | null | undefined, n: number, dtype: string): void {
  if (!t) return;
  checkTensor(name, t);
  if (t.numel() !== n) shapeError(name, `a tensor of ${n} elements`, t);
  if (t.dtype !== dtype) dtypeError(name, `a ${dtype} tensor`, t);
}
/** (x - mean) / sqrt(var + eps) over `dims`, returning the normalised tensor and the statistics. */
function normalise(x: Tensor, dims: number[], eps: number): { y: Tensor; mu: Tensor; varBiased: Tensor; count: number } {
  const mu = mean(x, dims, true);
  const d = sub(x, mu);
  const varBiased = mean(mul(d, d), dims, true);
  const y = div(d, sqrt(add(varBiased, eps)));
  const count = dims.reduce((a, k) => a * x.shape[k], 1);
  return { y, mu, varBiased, count };
}
function affine(y: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined, shape: number[]): Tensor {
  let out = y;
  if (weight) out = mul(out, weight.reshape(shape));
  if (bias) out = add(out, bias.reshape(shape));
  return out;
}
/** running = (1 - momentum) * running + momentum * value, in place, no gradient. */
function updateRunning(running: Tensor, value: Tensor, momentum: number): void {
  noGrad(() => {
    const v = value.reshape([running.numel()]).to(running.dtype);
    const r = add(mul(running, 1 - momentum), mul(v, momentum));
    running.copy_(r);
    r.dispose();
  });
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}
/** F.batchNorm over [N, C, *]: batch statistics in training (updating the running ones), else running ones. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', x);
  checkFloat('input', x);
  if (x.ndim < 2) invalidArg('input', 'a tensor [N, C, ...] of at least 2 dimensions', x);
  const C = x.shape[1];
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (!(eps > 0)) invalidArg('eps', 'a positive number', eps);
  checkVec('runningMean', runningMean, C, x.dtype);
  checkVec('runningVar', runningVar, C, x.dtype);
  checkVec('weight', opts.weight, C, x.dtype);
  checkVec('bias', opts.bias, C, x.dtype);
  const bshape = x.shape.map((s, i) => (i === 1 ? C : 1));
  if (!training) {
    if (!runningMean || !runningVar) invalidArg('runningMean', 'running statistics when training is false', runningMean);
    const y = div(sub(x, runningMean.reshape(bshape)), sqrt(add(runningVar.reshape(bshape), eps)));
    return affine(y, opts.weight, opts.bias, bshape);
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = dims.reduce((a, k) => a * x.shape[k], 1);
  if (count <= 1) shapeError('input', `more than 1 value per channel in training (got shape [${x.shape.join(', ')}])`, x);
  const { y, mu, varBiased } = normalise(x, dims, eps);
  if (runningMean) updateRunning(runningMean, mu, momentum);
  if (runningVar) noGrad(() => updateRunning(runningVar, mul(varBiased, count / (count - 1)), momentum));
  return affine(y, opts.weight, opts.bias, bshape);
}

/** F.layerNorm: normalises over the trailing dims given by normalizedShape. */
export function layerNorm(x: Tensor, normalizedShape: number | number[], opts: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', x);
  checkFloat('input', x);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || !ns.length || !ns.every((s) => Number.isInteger(s) && s > 0))
    invalidArg('normalizedShape', 'a positive integer or a non-empty array of them', normalizedShape);
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.join() !== ns.join())
    shapeError('normalizedShape', `the trailing dimensions of the input [${x.shape.join(', ')}]`, normalizedShape);
  const n = ns.reduce((a, b) => a * b, 1);
  checkVec('weight', opts.weight, n, x.dtype);
  checkVec('bias', opts.bias, n, x.dtype);
  const dims = ns.map((_, i) => x.ndim - ns.length + i);
  const { y } = normalise(x, dims, opts.eps ?? 1e-5);
  return affine(y, opts.weight, opts.bias, ns);
}

/** F.groupNorm over [N, C, *] with C divisible by numGroups. */
export function groupNorm(x: Tensor, numGroups: number, opts: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', x);
  checkFloat('input', x);
  if (x.ndim < 2) invalidArg('input', 'a tensor [N, C, ...] of at least 2 dimensions', x);
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0)
    invalidArg('numGroups', `a positive divisor of the input channels (${C})`, numGroups);
  checkVec('weight', opts.weight, C, x.dtype);
  checkVec('bias', opts.bias, C, x.dtype);
  const g = x.reshape([N, numGroups, -1]);
  const { y } = normalise(g, [2], opts.eps ?? 1e-5);
  const bshape = x.shape.map((s, i) => (i === 1 ? C : 1));
  return affine(y.reshape(x.shape), opts.weight, opts.bias, bshape);
}

export interface InstanceNormOptions extends BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  useInputStats?: boolean;
}
/** F.instanceNorm over [N, C, *]: per-sample, per-channel statistics (or running ones when !useInputStats). */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', x);
  checkFloat('input', x);
  if (x.ndim < 3) invalidArg('input', 'a tensor [N, C, L...] of at least 3 dimensions', x);
  const C = x.shape[1];
  const eps = opts.eps ?? 1e-5;
  const bshape = x.shape.map((s, i) => (i === 1 ? C : 1));
  const useInput = opts.useInputStats ?? true;
  checkVec('runningMean', opts.runningMean, C, x.dtype);
  checkVec('runningVar', opts.runningVar, C, x.dtype);
  checkVec('weight', opts.weight, C, x.dtype);
  checkVec('bias', opts.bias, C, x.dtype);
  if (!useInput) {
    if (!opts.runningMean || !opts.runningVar) invalidArg('runningMean', 'running statistics when useInputStats is false', opts.runningMean);
    const y = div(sub(x, opts.runningMean.reshape(bshape)), sqrt(add(opts.runningVar.reshape(bshape), eps)));
    return affine(y, opts.weight, opts.bias, bshape);
  }
  const dims = x.shape.map((_, i) => i).slice(2);
  const count = dims.reduce((a, k) => a * x.shape[k], 1);
  const { y, mu, varBiased } = normalise(x, dims, eps);
  const momentum = opts.momentum ?? 0.1;
  if (opts.runningMean) noGrad(() => updateRunning(opts.runningMean!, mean(mu, [0]), momentum));
  if (opts.runningVar) noGrad(() => updateRunning(opts.runningVar!, mean(mul(varBiased, count / Math.max(count - 1, 1)), [0]), momentum));
  return affine(y, opts.weight, opts.bias, bshape);
}

// ---- dropout -----------------------------------------------------------------------------------
function checkP(p: unknown): number {
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

// ---- comparing the native ops with these references ---------------------------------------------------

/**
 * Runs `native` and `reference` on fresh leaves made from `inputs` (each moved with `on`, gradients
 * required for the floating ones), back-propagates the same upstream gradient through both, and
 * checks the outputs and every input gradient within tol (atol + rtol * |reference|). `extra` (if
 * given) are further tensors both functions update in place (running statistics), compared too.
 */
export function expectLikeReference(
  label: string,
  inputs: Tensor[],
  native: (xs: Tensor[]) => Tensor,
  reference: (xs: Tensor[]) => Tensor,
  tol: { atol: number; rtol: number },
  extra?: { make: () => Tensor[] },
): void {
  const run = (f: (xs: Tensor[]) => Tensor) => {
    const leaves = inputs.map((t) => t.clone().requiresGrad_());
    const ex = extra ? extra.make() : [];
    const y = f([...leaves, ...ex]);
    y.backward(randnT(y.shape, 4242).to(y.device, y.dtype)); // the same upstream gradient for both
    return { y: y.detach(), grads: leaves.map((l) => l.grad), ex };
  };
  const a = run(native);
  const b = run(reference);
  const close = (x: Tensor, e: Tensor, what: string) => {
    const xa = Array.from(x.toArray() as Float64Array);
    const ea = Array.from(e.toArray() as Float64Array);
    expect(x.shape).toEqual(e.shape);
    let worst = 0;
    let at = -1;
    for (let i = 0; i < ea.length; i++) {
      const err = Math.abs(xa[i] - ea[i]) - (tol.atol + tol.rtol * Math.abs(ea[i]));
      if (!(err <= 0) && (at < 0 || err > worst)) {
        worst = err;
        at = i;
      }
    }
    if (at >= 0) throw new Error(`${label} ${what}: element ${at}: native ${xa[at]} vs reference ${ea[at]}`);
  };
  close(a.y, b.y, 'output');
  a.grads.forEach((g, k) => {
    const r = b.grads[k];
    if (!g || !r) {
      expect(!!g).toBe(!!r);
      return;
    }
    close(g, r, `grad of input ${k}`);
  });
  a.ex.forEach((t, k) => close(t, b.ex[k], `in-place tensor ${k}`));
}
