// lib/distributions/distribution.ts — the base of torch.distributions (PyTorch 1.13): the Distribution
// class (batchShape, eventShape, sample(sampleShape=[]), rsample, logProb, cdf, icdf, entropy, mean,
// mode, variance, stddev, perplexity, expand, support, argConstraints, hasRsample, enumerateSupport),
// the constraints (PyTorch's torch.distributions.constraints: names, reprs and checks), and the helpers
// the families share (parameters as tensors broadcast together, the validateArgs checks).
// Contract: PyTorch's semantics and formulas; what PyTorch raises as ValueError is a coded
// ERR_TORCHLET_INVALID_ARG naming the argument (a parameter that breaks its constraint, a value outside
// the support with validateArgs, which is on by default as in PyTorch: `Distribution.setDefaultValidateArgs`
// changes it); what PyTorch leaves NotImplementedError is ERR_TORCHLET_NOT_IMPLEMENTED. Draws come from
// torchlet's generator (torch.manualSeed, or the `generator` option of sample/rsample), reproducible but
// not PyTorch's numbers. Everything is composed of differentiable ops: logProb, entropy, ... and rsample
// carry gradients to the parameters.
import { Tensor, checkTensor, isFloating } from '../tensor';
import type { DType, DeviceType } from '../tensor';
import { TorchletError, checkOptionKeys, invalidArg, optBool, shapeError, typeArg, dtypeError } from '../errors';
import { noGrad } from '../autograd';
import { full, fromBuffer, rand, randn } from '../creation';
import { defaultFloat } from '../default_dtype';
import { broadcastShapes } from '../ops/elementwise';
import { expand } from '../ops/shape';
import { checkGenerator } from '../random';
import type { Generator } from '../random';

// ---- constraints ------------------------------------------------------------------------------------------------
/** A constraint on values (PyTorch's torch.distributions.constraints): its repr and its elementwise check. */
export class Constraint {
  /** @internal */ readonly _repr: string;
  /** @internal */ readonly _check: (v: Tensor) => Tensor;
  /** true for a discrete support (Bernoulli, Categorical, Poisson, ...) */
  readonly isDiscrete: boolean;
  /** the number of rightmost dims that together make one event */
  readonly eventDim: number;
  /** @internal */
  constructor(repr: string, check: (v: Tensor) => Tensor, isDiscrete: boolean, eventDim: number) {
    this._repr = repr;
    this._check = check;
    this.isDiscrete = isDiscrete;
    this.eventDim = eventDim;
  }
  /** A bool tensor: whether each event of value satisfies the constraint (the value's shape less eventDim dims). */
  check(value: Tensor): Tensor {
    return noGrad(() => this._check(checkTensor('value', value)));
  }
  /** The constraint's name: PyTorch's class name, e.g. `GreaterThan`, `Real`, `Simplex`, `IndependentConstraint`. */
  get name(): string {
    return this._repr.slice(0, this._repr.indexOf('('));
  }
  /** PyTorch's repr, e.g. `GreaterThan(lower_bound=0.0)`. */
  toString(): string {
    return this._repr;
  }
}
/** Python's repr of a float: 0 -> '0.0'. */
export function pyFloat(v: number): string {
  if (Number.isInteger(v)) return `${v}.0`;
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}
const all = (t: Tensor, dims: number): Tensor => {
  let r = t;
  for (let i = 0; i < dims; i++) r = r.all(-1);
  return r;
};
function boundRepr(b: number | Tensor): string {
  return typeof b === 'number' ? pyFloat(b) : b.numel() === 1 ? pyFloat(b.item()) : `tensor of shape [${b.shape.join(', ')}]`;
}
/** The constraints, by PyTorch's names in camelCase. */
export const constraints = {
  real: new Constraint('Real()', (v) => v.eq(v), false, 0),
  positive: new Constraint('GreaterThan(lower_bound=0.0)', (v) => v.gt(0), false, 0),
  nonnegative: new Constraint('GreaterThanEq(lower_bound=0.0)', (v) => v.ge(0), false, 0),
  unitInterval: new Constraint('Interval(lower_bound=0.0, upper_bound=1.0)', (v) => v.ge(0).logicalAnd(v.le(1)), false, 0),
  boolean: new Constraint('Boolean()', (v) => v.eq(0).logicalOr(v.eq(1)), true, 0),
  nonnegativeInteger: new Constraint('IntegerGreaterThan(lower_bound=0)', (v) => v.fmod(1).eq(0).logicalAnd(v.ge(0)), true, 0),
  realVector: new Constraint('IndependentConstraint(Real(), 1)', (v) => all(v.eq(v), 1), false, 1),
  simplex: new Constraint('Simplex()', (v) => all(v.ge(0), 1).logicalAnd(v.sum(-1).sub(1).abs().lt(1e-6)), false, 1),
  oneHot: new Constraint('OneHot()', (v) => all(v.eq(0).logicalOr(v.eq(1)), 1).logicalAnd(v.sum(-1).eq(1)), true, 1),
  lowerCholesky: new Constraint(
    'LowerCholesky()',
    (v) => all(v.tril().eq(v), 2).logicalAnd(all(v.diagonal(0, -2, -1).gt(0), 1)),
    false,
    2,
  ),
  positiveDefinite: new Constraint('PositiveDefinite()', (v) => positiveDefinite(v), false, 2),
  /** lower < value (lower a number or a tensor broadcasting with the value) */
  greaterThan: (lower: number | Tensor) => new Constraint(`GreaterThan(lower_bound=${boundRepr(lower)})`, (v) => v.gt(lower), false, 0),
  greaterThanEq: (lower: number | Tensor) => new Constraint(`GreaterThanEq(lower_bound=${boundRepr(lower)})`, (v) => v.ge(lower), false, 0),
  lessThan: (upper: number | Tensor) => new Constraint(`LessThan(upper_bound=${boundRepr(upper)})`, (v) => v.lt(upper), false, 0),
  interval: (lower: number | Tensor, upper: number | Tensor) =>
    new Constraint(`Interval(lower_bound=${boundRepr(lower)}, upper_bound=${boundRepr(upper)})`, (v) => v.ge(lower).logicalAnd(v.le(upper)), false, 0),
  halfOpenInterval: (lower: number | Tensor, upper: number | Tensor) =>
    new Constraint(`HalfOpenInterval(lower_bound=${boundRepr(lower)}, upper_bound=${boundRepr(upper)})`, (v) => v.ge(lower).logicalAnd(v.lt(upper)), false, 0),
  integerInterval: (lower: number | Tensor, upper: number | Tensor) =>
    new Constraint(
      `IntegerInterval(lower_bound=${boundRepr(lower)}, upper_bound=${boundRepr(upper)})`.replace(/\.0([,)])/g, '$1'),
      (v) => v.fmod(1).eq(0).logicalAnd(v.ge(lower)).logicalAnd(v.le(upper)),
      true,
      0,
    ),
  /** `base` with its `reinterpretedBatchNdims` rightmost dims making one event */
  independent: (base: Constraint, reinterpretedBatchNdims: number) =>
    new Constraint(`IndependentConstraint(${base._repr}, ${reinterpretedBatchNdims})`, (v) => all(base._check(v), reinterpretedBatchNdims), base.isDiscrete, base.eventDim + reinterpretedBatchNdims),
};
/** Symmetric (to isclose's tolerance) with a successful Cholesky factorisation of its lower triangle, per matrix (host check). */
function positiveDefinite(v: Tensor): Tensor {
  const n = v.shape[v.ndim - 1];
  const a = v.to('cpu').to('float64').contiguous().toArray() as Float64Array;
  const batch = a.length / (n * n || 1);
  const out = new Uint8Array(batch);
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    let ok = true;
    // symmetric as PyTorch's constraints.symmetric: isclose(A, A^T, atol=1e-6) (rtol 1e-5)
    for (let i = 0; i < n && ok; i++)
      for (let j = 0; j < i && ok; j++) if (!(Math.abs(a[o + i * n + j] - a[o + j * n + i]) <= 1e-6 + 1e-5 * Math.abs(a[o + j * n + i]))) ok = false;
    const L = new Float64Array(n * n);
    for (let j = 0; j < n && ok; j++) {
      let s = a[o + j * n + j];
      for (let k = 0; k < j; k++) s -= L[j * n + k] ** 2;
      if (!(s > 0)) ok = false;
      else {
        L[j * n + j] = Math.sqrt(s);
        for (let i = j + 1; i < n; i++) {
          let t = a[o + i * n + j];
          for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
          L[i * n + j] = t / L[j * n + j];
        }
      }
    }
    out[b] = ok ? 1 : 0;
  }
  return fromBuffer(out, v.shape.slice(0, -2)).to(v.device).gt(0);
}

// ---- validation ---------------------------------------------------------------------------------------------------
let defaultValidateArgs = true;
/** PyTorch's Distribution.set_default_validate_args: whether new distributions check their arguments (default true). */
export function setDefaultValidateArgs(value: boolean): void {
  if (typeof value !== 'boolean') typeArg('value', 'a boolean', value);
  defaultValidateArgs = value;
}

/** An ERR_TORCHLET_NOT_IMPLEMENTED error, PyTorch's NotImplementedError. */
export function notImplemented(what: string): never {
  throw new TorchletError(`torchlet: ${what} is not implemented`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}
/** The options every distribution takes: `{validateArgs}` (PyTorch's validate_args; default true). */
export interface DistributionOptions {
  validateArgs?: boolean | null;
}
/** The options of sample / rsample: the generator to draw from (default the global one). */
export interface SampleOptions {
  generator?: Generator;
}

// ---- parameters ---------------------------------------------------------------------------------------------------
/** A parameter: a floating tensor, or a number (a tensor of `like`'s dtype and device, else the default dtype). */
export type Param = Tensor | number;
function dtypeOf(values: unknown[]): { dtype: DType; device: DeviceType } {
  for (const v of values) if (v instanceof Tensor) return { dtype: v.dtype, device: v.device as DeviceType };
  return { dtype: defaultFloat(), device: 'cpu' };
}
/** One parameter as a floating tensor (numbers take the dtype and device of the first tensor of `others`). */
export function paramTensor(name: string, v: unknown, others: unknown[] = []): Tensor {
  if (typeof v === 'number') {
    const { dtype, device } = dtypeOf(others);
    return full([], v, { dtype, device });
  }
  if (!(v instanceof Tensor)) typeArg(name, 'a tensor or a number', v);
  const t = checkTensor(name, v);
  if (!isFloating(t.dtype)) dtypeError(name, 'a floating-point tensor', t);
  return t;
}
/**
 * PyTorch's broadcast_all: the parameters as tensors of one dtype (the first tensor's; numbers take
 * it), all expanded to their broadcast shape; `scalar` is whether they were all numbers.
 */
export function broadcastAll(names: string[], values: unknown[]): { ts: Tensor[]; scalar: boolean } {
  const ts = names.map((n, i) => paramTensor(n, values[i], values));
  const dt = ts[0].dtype;
  const dev = ts[0].device;
  ts.forEach((t, i) => {
    if (t.dtype !== dt) dtypeError(names[i], `a ${dt} tensor (the dtype of ${names[0]})`, t);
    if (t.device !== dev) invalidArg(names[i], `a tensor on ${dev} (the device of ${names[0]})`, t);
  });
  let shape: number[] = [];
  ts.forEach((t, i) => {
    shape = broadcastShapes(shape, t.shape, [names.slice(0, i).join(', ') || names[0], names[i]]);
  });
  return { ts: ts.map((t) => (sameShape(t.shape, shape) ? t : expand(t, shape))), scalar: values.every((v) => typeof v === 'number') };
}
export function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
/** A shape argument: an array of non-negative integers (or one integer). */
export function checkSize(name: string, s: unknown): number[] {
  const arr = typeof s === 'number' ? [s] : s;
  if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) typeArg(name, 'a shape (an array of non-negative integers)', s);
  return (arr as number[]).slice();
}
/** The sum over the n rightmost dims (PyTorch's _sum_rightmost). */
export function sumRightmost(t: Tensor, n: number): Tensor {
  if (n <= 0) return t;
  return t.reshape([...t.shape.slice(0, t.ndim - n), -1]).sum(-1);
}
function describeValue(t: Tensor): string {
  return `Tensor of shape (${t.shape.join(', ')}${t.ndim === 1 ? ',' : ''})`;
}

// ---- the base class -------------------------------------------------------------------------------------------------
/**
 * A probability distribution (PyTorch's torch.distributions.Distribution): `batchShape` independent,
 * not identically distributed draws of events of shape `eventShape`. Subclasses define the methods
 * their family has; the others are ERR_TORCHLET_NOT_IMPLEMENTED, as PyTorch's NotImplementedError.
 */
export class Distribution {
  /** @internal */ _batchShape: number[];
  /** @internal */ _eventShape: number[];
  /** @internal */ _validateArgs: boolean;
  /** whether rsample (reparameterised, differentiable draws) is implemented */
  get hasRsample(): boolean {
    return false;
  }
  /** whether enumerateSupport is implemented */
  get hasEnumerateSupport(): boolean {
    return false;
  }
  /** The constraints of the parameters, by their (camelCase) names. */
  get argConstraints(): Record<string, Constraint> {
    return {};
  }
  /** The constraint of the values (its toString is PyTorch's repr, e.g. `Real()`). */
  get support(): Constraint {
    return notImplemented(`${this.constructor.name}.support`);
  }

  /** PyTorch's Distribution.set_default_validate_args (also torch.distributions.setDefaultValidateArgs). */
  static setDefaultValidateArgs(value: boolean): void {
    setDefaultValidateArgs(value);
  }
  constructor(batchShape: number[] = [], eventShape: number[] = [], opts: DistributionOptions = {}) {
    this._batchShape = checkSize('batchShape', batchShape);
    this._eventShape = checkSize('eventShape', eventShape);
    const o = checkOptionKeys('opts', opts, ['validateArgs']);
    this._validateArgs = o.validateArgs === null ? defaultValidateArgs : optBool('opts.validateArgs', o.validateArgs, defaultValidateArgs);
  }
  /** @internal checks each set parameter against its constraint (validateArgs), as PyTorch's __init__ */
  _checkParams(): void {
    if (!this._validateArgs) return;
    for (const [name, c] of Object.entries(this.argConstraints)) {
      const v = (this as unknown as Record<string, unknown>)[`_${name}`];
      if (!(v instanceof Tensor)) continue;
      const ok = noGrad(() => c._check(v.detach()).all().item());
      if (!ok)
        invalidArg(
          name,
          `values satisfying the constraint ${c._repr} (the parameter ${name}, ${describeValue(v)}, of distribution ${this.toString()}; invalid values in ${noGrad(() => v.detach().toString())})`,
          v,
        );
    }
  }
  /** The batch shape: the shape of independent, differently parameterised draws. */
  get batchShape(): number[] {
    return this._batchShape.slice();
  }
  /** The shape of one event (one draw). */
  get eventShape(): number[] {
    return this._eventShape.slice();
  }
  /** The mean (PyTorch's mean property). */
  get mean(): Tensor {
    return notImplemented(`${this.constructor.name}.mean`);
  }
  /** The mode. */
  get mode(): Tensor {
    return notImplemented(`${this.constructor.name}.mode`);
  }
  /** The variance. */
  get variance(): Tensor {
    return notImplemented(`${this.constructor.name}.variance`);
  }
  /** The standard deviation: sqrt(variance). */
  get stddev(): Tensor {
    return this.variance.sqrt();
  }
  /** sampleShape + batchShape + eventShape (PyTorch's _extended_shape). */
  extendedShape(sampleShape: number[] = []): number[] {
    return [...checkSize('sampleShape', sampleShape), ...this._batchShape, ...this._eventShape];
  }
  /** A draw of shape sampleShape + batchShape + eventShape, without gradient. */
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    checkSize('sampleShape', sampleShape);
    checkOptionKeys('opts', opts, ['generator']);
    if (!this.hasRsample) return notImplemented(`${this.constructor.name}.sample`);
    return noGrad(() => this.rsample(sampleShape, opts));
  }
  /** A reparameterised draw: differentiable in the parameters. */
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    checkSize('sampleShape', sampleShape);
    checkOptionKeys('opts', opts, ['generator']);
    return notImplemented(`${this.constructor.name}.rsample (${this.constructor.name} has no reparameterised sampler)`);
  }
  /** n draws: sample([n]). */
  sampleN(n: number, opts?: SampleOptions): Tensor {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) typeArg('n', 'a non-negative integer', n);
    return this.sample([n], opts);
  }
  /** The log of the density (or mass) at value. */
  logProb(value: Tensor): Tensor {
    this._validateSample(value);
    return notImplemented(`${this.constructor.name}.logProb`);
  }
  /** The cumulative distribution function at value. */
  cdf(value: Tensor): Tensor {
    this._validateSample(value);
    return notImplemented(`${this.constructor.name}.cdf`);
  }
  /** The inverse cumulative distribution function at value (probabilities). */
  icdf(value: Tensor): Tensor {
    checkTensor('value', value);
    return notImplemented(`${this.constructor.name}.icdf`);
  }
  /** The entropy, of shape batchShape. */
  entropy(): Tensor {
    return notImplemented(`${this.constructor.name}.entropy`);
  }
  /** exp(entropy()). */
  perplexity(): Tensor {
    return this.entropy().exp();
  }
  /** All the values of a discrete support, of shape [n, ...batchShape] (expand=true) or [n, 1, ...]. */
  enumerateSupport(expand = true): Tensor {
    optBool('expand', expand, true);
    return notImplemented(`${this.constructor.name}.enumerateSupport`);
  }
  /** A new distribution of the same family with batch shape `batchShape` (the parameters expanded). */
  expand(batchShape: number[]): Distribution {
    checkSize('batchShape', batchShape);
    return notImplemented(`${this.constructor.name}.expand`);
  }
  /** @internal the new batch shape of expand, checked to be one the current batch shape broadcasts to */
  _expandShape(batchShape: unknown): number[] {
    const s = checkSize('batchShape', batchShape);
    const b = this._batchShape;
    const ok = s.length >= b.length && b.every((d, i) => d === 1 || d === s[s.length - b.length + i]);
    if (!ok) shapeError('batchShape', `a shape the batch shape [${b.join(', ')}] expands to`, s);
    return s;
  }
  /** @internal PyTorch's _validate_sample: value's shape fits the event shape, and the value is in the support */
  _validateSample(value: unknown): Tensor {
    const v = checkTensor('value', value);
    if (!this._validateArgs) return v;
    const ev = this._eventShape;
    const tail = v.shape.slice(v.ndim - ev.length);
    if (v.ndim < ev.length || !sameShape(tail, ev))
      shapeError('value', `a tensor whose rightmost size matches the event shape [${ev.join(', ')}]`, v);
    const actual = [...v.shape];
    const expected = [...this._batchShape, ...ev];
    for (let i = 1; i <= Math.min(actual.length, expected.length); i++) {
      const a = actual[actual.length - i];
      const e = expected[expected.length - i];
      if (a !== 1 && e !== 1 && a !== e)
        shapeError('value', `a tensor broadcastable with the batch and event shape [${expected.join(', ')}] of ${this.constructor.name}`, v);
    }
    const sup = this.support;
    const ok = noGrad(() => sup._check(v.detach()).all().item());
    if (!ok)
      invalidArg(
        'value',
        `values within the support (${sup._repr}) of the distribution ${this.toString()} (${describeValue(v)}; invalid values in ${noGrad(() => v.detach().toString())})`,
        v,
      );
    return v;
  }
  /** @internal the tensors of the repr: PyTorch lists the set parameters of argConstraints */
  _reprArgs(): string {
    const parts: string[] = [];
    for (const k of Object.keys(this.argConstraints)) {
      const v = (this as unknown as Record<string, unknown>)[`_${k}`];
      if (!(v instanceof Tensor)) continue;
      parts.push(`${k}: ${v.numel() === 1 ? pyFloat(noGrad(() => v.item())) : `torch.Size([${v.shape.join(', ')}])`}`);
    }
    return parts.join(', ');
  }
  /** PyTorch's repr: `Normal(loc: 0.0, scale: 1.0)`, `Normal(loc: torch.Size([2]), scale: torch.Size([2]))`. */
  toString(): string {
    return `${this.constructor.name}(${this._reprArgs()})`;
  }
}

/** The generator option of sample/rsample, checked. */
export function sampleGenerator(opts: SampleOptions | undefined): Generator | undefined {
  const o = checkOptionKeys('opts', opts, ['generator']);
  return checkGenerator('opts.generator', o.generator);
}
/** n uniform doubles in [0, 1) from the generator (the native kernel's draws, read to the host). */
export function hostUniforms(n: number, gen?: Generator): Float64Array {
  return noGrad(() => rand([n], { dtype: 'float64', generator: gen }).toArray() as Float64Array);
}
/** n standard normal doubles from the generator. */
export function hostNormals(n: number, gen?: Generator): Float64Array {
  return noGrad(() => randn([n], { dtype: 'float64', generator: gen }).toArray() as Float64Array);
}
/** log Gamma(x) for x > 0 (Lanczos, g = 7; error ~1e-15), for the host samplers. */
export function lgammaJs(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgammaJs(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
/** The validateArgs option only (the constructors of families without other options). */
export function distOpts(opts: unknown): DistributionOptions {
  return checkOptionKeys('opts', opts as DistributionOptions | undefined, ['validateArgs']);
}
