// lib/distributions/continuous.ts — the continuous families of torch.distributions (PyTorch 1.13):
// Normal(loc, scale), Uniform(low, high), Exponential(rate), Laplace(loc, scale), LogNormal(loc, scale),
// Gamma(concentration, rate), Beta(concentration1, concentration0), Dirichlet(concentration).
// Contract: PyTorch's formulas for logProb, cdf, icdf, entropy, mean, mode, variance (composed of
// differentiable ops, so their gradients reach the parameters) and its argument checks (validateArgs).
// Normal, Uniform, Exponential, Laplace and LogNormal have reparameterised rsample; Gamma, Beta and
// Dirichlet draw Gamma variates with Marsaglia and Tsang's method (on the host, from torchlet's
// generator), and their rsample carries the implicit reparameterisation gradient of each Gamma(a, 1)
// draw x, dx/da = -(dP(a, x)/da) / p(x; a) (P the regularised incomplete gamma function, its a-derivative
// by a central difference in float64), as PyTorch's _standard_gamma_grad (by another approximation of the
// same quantity); Dirichlet and Beta normalise such draws (a pathwise gradient of the same sampler: per
// draw not PyTorch's _dirichlet_grad, equal in expectation).
import { Tensor } from '../tensor';
import { invalidArg, shapeError } from '../errors';
import { noGrad, record, isGradEnabled } from '../autograd';
import { randn, rand, fromBuffer, full } from '../creation';
import { log1p, expm1, rsub } from '../ops/elementwise';
import { stack } from '../ops/shape';
import { where } from '../ops/index';
import { finfo } from '../dtype_info';
import type { Generator } from '../random';
import { Distribution, constraints, broadcastAll, paramTensor, distOpts, sampleGenerator, pyFloat, hostUniforms, hostNormals, lgammaJs } from './distribution';
import type { Constraint, DistributionOptions, Param, SampleOptions } from './distribution';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const eps = (t: Tensor): number => finfo(t.dtype as 'float32' | 'float64').eps;
/** Standard normal draws of `shape` with t's dtype and device. */
const normals = (shape: number[], t: Tensor, generator?: Generator): Tensor => randn(shape, { dtype: t.dtype, device: t.device, generator });
const uniform01 = (shape: number[], t: Tensor, generator?: Generator): Tensor => rand(shape, { dtype: t.dtype, device: t.device, generator });

/** Copies validateArgs onto a distribution made by expand (its parameters were checked already). */
function expanded<D extends Distribution>(d: D, from: Distribution): D {
  d._validateArgs = from._validateArgs;
  return d;
}
const NO_CHECK = { validateArgs: false };

// ---- Normal --------------------------------------------------------------------------------------------------------
/** The normal distribution N(loc, scale^2): `new Normal(loc, scale, {validateArgs})`. */
export class Normal extends Distribution {
  /** @internal */ _loc: Tensor;
  /** @internal */ _scale: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { loc: constraints.real, scale: constraints.positive };
  }
  get support(): Constraint {
    return constraints.real;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const { ts, scalar } = broadcastAll(['loc', 'scale'], [loc, scale]);
    super(scalar ? [] : ts[0].shape, [], o);
    [this._loc, this._scale] = ts;
    this._checkParams();
  }
  get loc(): Tensor {
    return this._loc;
  }
  get scale(): Tensor {
    return this._scale;
  }
  get mean(): Tensor {
    return this._loc;
  }
  get mode(): Tensor {
    return this._loc;
  }
  get stddev(): Tensor {
    return this._scale;
  }
  get variance(): Tensor {
    return this._scale.pow(2);
  }
  expand(batchShape: number[]): Normal {
    const s = this._expandShape(batchShape);
    return expanded(new Normal(this._loc.expand(s), this._scale.expand(s), NO_CHECK), this);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const e = normals(shape, this._loc, sampleGenerator(opts));
    return this._loc.add(e.mul(this._scale));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const variance = this._scale.pow(2);
    return v.sub(this._loc).pow(2).neg().div(variance.mul(2)).sub(this._scale.log()).sub(LOG_SQRT_2PI);
  }
  cdf(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return v.sub(this._loc).mul(this._scale.reciprocal()).div(Math.SQRT2).erf().add(1).mul(0.5);
  }
  icdf(value: Tensor): Tensor {
    const v = paramTensor('value', value);
    return this._loc.add(this._scale.mul(v.mul(2).sub(1).erfinv()).mul(Math.SQRT2));
  }
  entropy(): Tensor {
    return this._scale.log().add(0.5 + LOG_SQRT_2PI);
  }
}

// ---- Uniform -------------------------------------------------------------------------------------------------------
/** The uniform distribution on [low, high): `new Uniform(low, high, {validateArgs})`. */
export class Uniform extends Distribution {
  /** @internal */ _low: Tensor;
  /** @internal */ _high: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return {};
  }
  get support(): Constraint {
    return constraints.interval(this._low, this._high);
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(low: Param, high: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const { ts, scalar } = broadcastAll(['low', 'high'], [low, high]);
    super(scalar ? [] : ts[0].shape, [], o);
    [this._low, this._high] = ts;
    if (this._validateArgs && !noGrad(() => this._low.lt(this._high).all().item()))
      invalidArg('low', `values below high (Uniform is not defined when low >= high; high is ${noGrad(() => this._high.toString())})`, this._low);
  }
  get low(): Tensor {
    return this._low;
  }
  get high(): Tensor {
    return this._high;
  }
  get mean(): Tensor {
    return this._high.add(this._low).div(2);
  }
  get mode(): Tensor {
    return this._high.mul(NaN);
  }
  get stddev(): Tensor {
    return this._high.sub(this._low).div(12 ** 0.5);
  }
  get variance(): Tensor {
    return this._high.sub(this._low).pow(2).div(12);
  }
  expand(batchShape: number[]): Uniform {
    const s = this._expandShape(batchShape);
    return expanded(new Uniform(this._low.expand(s), this._high.expand(s), NO_CHECK), this);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const u = uniform01(shape, this._low, sampleGenerator(opts));
    return this._low.add(u.mul(this._high.sub(this._low)));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const inside = noGrad(() => this._low.le(v).logicalAnd(this._high.gt(v)).to(this._low.dtype));
    return inside.log().sub(this._high.sub(this._low).log());
  }
  cdf(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return v.sub(this._low).div(this._high.sub(this._low)).clamp(0, 1);
  }
  icdf(value: Tensor): Tensor {
    const v = paramTensor('value', value);
    return v.mul(this._high.sub(this._low)).add(this._low);
  }
  entropy(): Tensor {
    return this._high.sub(this._low).log();
  }
  _reprArgs(): string {
    const f = (t: Tensor) => (t.numel() === 1 ? pyFloat(noGrad(() => t.item())) : `torch.Size([${t.shape.join(', ')}])`);
    return `low: ${f(this._low)}, high: ${f(this._high)}`;
  }
}

// ---- Exponential -----------------------------------------------------------------------------------------------------
/** The exponential distribution with rate `rate`: `new Exponential(rate, {validateArgs})`. */
export class Exponential extends Distribution {
  /** @internal */ _rate: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { rate: constraints.positive };
  }
  get support(): Constraint {
    return constraints.nonnegative;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(rate: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const { ts, scalar } = broadcastAll(['rate'], [rate]);
    super(scalar ? [] : ts[0].shape, [], o);
    this._rate = ts[0];
    this._checkParams();
  }
  get rate(): Tensor {
    return this._rate;
  }
  get mean(): Tensor {
    return this._rate.reciprocal();
  }
  get mode(): Tensor {
    return this._rate.mul(0);
  }
  get stddev(): Tensor {
    return this._rate.reciprocal();
  }
  get variance(): Tensor {
    return this._rate.pow(-2);
  }
  expand(batchShape: number[]): Exponential {
    const s = this._expandShape(batchShape);
    return expanded(new Exponential(this._rate.expand(s), NO_CHECK), this);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const u = uniform01(shape, this._rate, sampleGenerator(opts));
    const e = noGrad(() => log1p(u.neg()).neg()); // a standard exponential draw
    return e.div(this._rate);
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return this._rate.log().sub(this._rate.mul(v));
  }
  cdf(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return rsub(1, this._rate.neg().mul(v).exp());
  }
  icdf(value: Tensor): Tensor {
    const v = paramTensor('value', value);
    return log1p(v.neg()).neg().div(this._rate);
  }
  entropy(): Tensor {
    return rsub(1, this._rate.log());
  }
}

// ---- Laplace -------------------------------------------------------------------------------------------------------
/** The Laplace distribution: `new Laplace(loc, scale, {validateArgs})`. */
export class Laplace extends Distribution {
  /** @internal */ _loc: Tensor;
  /** @internal */ _scale: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { loc: constraints.real, scale: constraints.positive };
  }
  get support(): Constraint {
    return constraints.real;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const { ts, scalar } = broadcastAll(['loc', 'scale'], [loc, scale]);
    super(scalar ? [] : ts[0].shape, [], o);
    [this._loc, this._scale] = ts;
    this._checkParams();
  }
  get loc(): Tensor {
    return this._loc;
  }
  get scale(): Tensor {
    return this._scale;
  }
  get mean(): Tensor {
    return this._loc;
  }
  get mode(): Tensor {
    return this._loc;
  }
  get stddev(): Tensor {
    return this._scale.mul(Math.SQRT2);
  }
  get variance(): Tensor {
    return this._scale.pow(2).mul(2);
  }
  expand(batchShape: number[]): Laplace {
    const s = this._expandShape(batchShape);
    return expanded(new Laplace(this._loc.expand(s), this._scale.expand(s), NO_CHECK), this);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const e = eps(this._loc);
    const u = noGrad(() => uniform01(shape, this._loc, sampleGenerator(opts)).mul(2 - e).add(e - 1)); // in [eps - 1, 1)
    return this._loc.sub(this._scale.mul(noGrad(() => u.sign().mul(log1p(u.abs().neg())))));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return this._scale.mul(2).log().neg().sub(v.sub(this._loc).abs().div(this._scale));
  }
  cdf(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const d = v.sub(this._loc);
    return rsub(0.5, d.sign().mul(0.5).mul(expm1(d.abs().neg().div(this._scale))));
  }
  icdf(value: Tensor): Tensor {
    const v = paramTensor('value', value);
    const term = v.sub(0.5);
    return this._loc.sub(this._scale.mul(term.sign()).mul(log1p(term.abs().mul(-2))));
  }
  entropy(): Tensor {
    return this._scale.mul(2).log().add(1);
  }
}

// ---- LogNormal -----------------------------------------------------------------------------------------------------
/** exp(X) for X ~ Normal(loc, scale) (PyTorch's LogNormal, a TransformedDistribution of Normal by exp). */
export class LogNormal extends Distribution {
  /** @internal */ _loc: Tensor;
  /** @internal */ _scale: Tensor;
  /** @internal */ _base: Normal;
  get argConstraints(): Record<string, Constraint> {
    return { loc: constraints.real, scale: constraints.positive };
  }
  get support(): Constraint {
    return constraints.positive;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(loc: Param, scale: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const base = new Normal(loc, scale, o);
    super(base._batchShape, [], o);
    this._base = base;
    this._loc = base._loc;
    this._scale = base._scale;
  }
  /** The Normal whose exp this is. */
  get baseDist(): Normal {
    return this._base;
  }
  get loc(): Tensor {
    return this._loc;
  }
  get scale(): Tensor {
    return this._scale;
  }
  get mean(): Tensor {
    return this._loc.add(this._scale.pow(2).div(2)).exp();
  }
  get mode(): Tensor {
    return this._loc.sub(this._scale.pow(2)).exp();
  }
  get variance(): Tensor {
    const s2 = this._scale.pow(2);
    return expm1(s2).mul(this._loc.mul(2).add(s2).exp());
  }
  expand(batchShape: number[]): LogNormal {
    const s = this._expandShape(batchShape);
    return expanded(new LogNormal(this._loc.expand(s), this._scale.expand(s), NO_CHECK), this);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    return this._base.rsample(sampleShape, opts).exp();
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const y = v.log();
    this._base._validateArgs = false;
    try {
      return this._base.logProb(y).sub(y);
    } finally {
      this._base._validateArgs = this._validateArgs;
    }
  }
  cdf(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const prev = this._base._validateArgs;
    this._base._validateArgs = false;
    try {
      return this._base.cdf(v.log());
    } finally {
      this._base._validateArgs = prev;
    }
  }
  icdf(value: Tensor): Tensor {
    return this._base.icdf(value).exp();
  }
  entropy(): Tensor {
    return this._base.entropy().add(this._loc);
  }
}

// ---- Gamma family sampling ------------------------------------------------------------------------------------------
/**
 * Gamma(alpha, 1) draws for each alpha (host, float64), Marsaglia and Tsang (2000): for alpha >= 1,
 * d = alpha - 1/3, c = 1/sqrt(9d), accept d v with v = (1 + c x)^3 (x standard normal) when
 * log u < x^2 / 2 + d - d v + d log v; for alpha < 1, a draw of alpha + 1 times u^(1/alpha).
 * The normals and uniforms come from torchlet's generator (its native kernels), in blocks.
 */
export function standardGamma(alpha: Float64Array, gen?: Generator): Float64Array {
  const n = alpha.length;
  // blocks of native draws: about 1.05 attempts per gamma draw (one normal, one uniform each), one more uniform below 1
  let ub = hostUniforms(Math.ceil(2.2 * n) + 16, gen);
  let nb = hostNormals(Math.ceil(1.1 * n) + 16, gen);
  let ku = 0;
  let kn = 0;
  const u = (): number => {
    if (ku >= ub.length) {
      ub = hostUniforms(Math.ceil(0.2 * n) + 64, gen);
      ku = 0;
    }
    return ub[ku++];
  };
  const normal = (): number => {
    if (kn >= nb.length) {
      nb = hostNormals(Math.ceil(0.2 * n) + 64, gen);
      kn = 0;
    }
    return nb[kn++];
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a0 = alpha[i];
    if (!(a0 > 0)) {
      out[i] = NaN;
      continue;
    }
    const a = a0 < 1 ? a0 + 1 : a0;
    const d = a - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    let g = 0;
    for (;;) {
      const x = normal();
      const t = 1 + c * x;
      if (t <= 0) continue;
      const v = t * t * t;
      const w = u();
      if (Math.log(Math.max(w, 1e-300)) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        g = d * v;
        break;
      }
    }
    if (a0 < 1) g *= Math.pow(Math.max(u(), 1e-300), 1 / a0);
    out[i] = g;
  }
  return out;
}
/** Gamma(conc, 1) draws of shape `shape` (conc expanded to it), in conc's dtype and device, at least the dtype's tiny. */
function gammaDraws(conc: Tensor, shape: number[], gen?: Generator): Tensor {
  const a = noGrad(() => conc.detach().expand(shape).contiguous().to('cpu').to('float64').toArray()) as Float64Array;
  const g = standardGamma(Float64Array.from(a), gen);
  const tiny = finfo(conc.dtype as 'float32' | 'float64').tiny;
  for (let i = 0; i < g.length; i++) if (g[i] < tiny) g[i] = tiny;
  return fromBuffer(g, shape.slice()).to(conc.dtype).to(conc.device);
}
/** P(a, x) and Q(a, x) = 1 - P (host, float64): the series below a + 1, Lentz's continued fraction above. */
function gammaPQ(a: number, x: number): [number, number] {
  if (!(x > 0)) return [0, 1];
  const front = Math.exp(-x + a * Math.log(x) - lgammaJs(a));
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-17) break;
    }
    const p = sum * front;
    return [p, 1 - p];
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-17) break;
  }
  const q = front * h;
  return [1 - q, q];
}
/**
 * dx/da of a Gamma(a, 1) draw x at a fixed value of its CDF (the implicit reparameterisation gradient):
 * -(dP(a, x)/da) / p(x; a), the a-derivative a central difference of P (or of Q in the upper tail, where
 * P rounds to 1).
 */
export function standardGammaGrad(a: number, x: number): number {
  if (!(a > 0) || !(x > 0)) return 0;
  const h = Math.min(1e-5 * Math.max(a, 1), a / 2);
  const upper = x >= a + 1;
  const f = (s: number): number => gammaPQ(s, x)[upper ? 1 : 0];
  const dP = ((f(a + h) - f(a - h)) / (2 * h)) * (upper ? -1 : 1);
  const logPdf = (a - 1) * Math.log(x) - x - lgammaJs(a);
  return -dP / Math.exp(logPdf);
}
/**
 * Gamma(conc, 1) draws of `shape` with the implicit reparameterisation gradient to conc (an autograd
 * node, StandardGammaBackward as PyTorch's _standard_gamma's).
 */
function gammaRsample(conc: Tensor, shape: number[], gen?: Generator): Tensor {
  const x = gammaDraws(conc, shape, gen);
  const ce = conc.expand(shape);
  if (!ce.requiresGrad || !isGradEnabled()) return x;
  const a = noGrad(() => ce.detach().contiguous().to('cpu').to('float64').toArray()) as Float64Array;
  const xs = noGrad(() => x.to('cpu').to('float64').toArray()) as Float64Array;
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = standardGammaGrad(a[i], xs[i]);
  const dx = noGrad(() => fromBuffer(d, shape.slice()).to(conc.dtype).to(conc.device));
  return record(x, [ce], 'StandardGammaBackward', (g) => [g.mul(dx)]);
}

// ---- Gamma ---------------------------------------------------------------------------------------------------------
/** The gamma distribution with shape `concentration` and rate `rate`: `new Gamma(concentration, rate, {validateArgs})`. */
export class Gamma extends Distribution {
  /** @internal */ _concentration: Tensor;
  /** @internal */ _rate: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { concentration: constraints.positive, rate: constraints.positive };
  }
  get support(): Constraint {
    return constraints.nonnegative;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(concentration: Param, rate: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const { ts, scalar } = broadcastAll(['concentration', 'rate'], [concentration, rate]);
    super(scalar ? [] : ts[0].shape, [], o);
    [this._concentration, this._rate] = ts;
    this._checkParams();
  }
  get concentration(): Tensor {
    return this._concentration;
  }
  get rate(): Tensor {
    return this._rate;
  }
  get mean(): Tensor {
    return this._concentration.div(this._rate);
  }
  get mode(): Tensor {
    return this._concentration.sub(1).div(this._rate).clampMin(0);
  }
  get variance(): Tensor {
    return this._concentration.div(this._rate.pow(2));
  }
  expand(batchShape: number[]): Gamma {
    const s = this._expandShape(batchShape);
    return expanded(new Gamma(this._concentration.expand(s), this._rate.expand(s), NO_CHECK), this);
  }
  /** Draws with the implicit reparameterisation gradient to concentration and the pathwise one (-x / rate) to rate. */
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    return gammaRsample(this._concentration, shape, sampleGenerator(opts)).div(this._rate);
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const c = this._concentration;
    return c.xlogy(this._rate).add(c.sub(1).xlogy(v)).sub(this._rate.mul(v)).sub(c.lgamma());
  }
  entropy(): Tensor {
    const c = this._concentration;
    return c.sub(this._rate.log()).add(c.lgamma()).add(rsub(1, c).mul(c.digamma()));
  }
}

// ---- Dirichlet -----------------------------------------------------------------------------------------------------
/** The Dirichlet distribution over the simplex: `new Dirichlet(concentration, {validateArgs})`, concentration [..., k]. */
export class Dirichlet extends Distribution {
  /** @internal */ _concentration: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { concentration: constraints.independent(constraints.positive, 1) };
  }
  get support(): Constraint {
    return constraints.simplex;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(concentration: Tensor, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const c = paramTensor('concentration', concentration);
    if (c.ndim < 1) shapeError('concentration', 'a tensor of at least one dimension (the `concentration` parameter must be at least one-dimensional)', c);
    super(c.shape.slice(0, -1), c.shape.slice(-1), o);
    this._concentration = c;
    this._checkParams();
  }
  get concentration(): Tensor {
    return this._concentration;
  }
  get mean(): Tensor {
    return this._concentration.div(this._concentration.sum(-1, true));
  }
  get mode(): Tensor {
    const c = this._concentration;
    const cm1 = c.sub(1).clampMin(0);
    const mode = cm1.div(cm1.sum(-1, true));
    // where every concentration is below 1, PyTorch's one-hot of the argmax of the (all-NaN) row: the first
    const allBelow = noGrad(() => c.lt(1).all(-1, true));
    const k = c.shape[c.ndim - 1];
    const first = noGrad(() => fromBuffer(Float64Array.from({ length: k }, (_v, i) => (i === 0 ? 1 : 0)), [k]).to(c.dtype).to(c.device));
    return where(allBelow, first, mode);
  }
  get variance(): Tensor {
    const c = this._concentration;
    const c0 = c.sum(-1, true);
    return c.mul(c0.sub(c)).div(c0.pow(2).mul(c0.add(1)));
  }
  expand(batchShape: number[]): Dirichlet {
    const s = this._expandShape(batchShape);
    return expanded(new Dirichlet(this._concentration.expand([...s, ...this._eventShape]), NO_CHECK), this);
  }
  /** Normalised Gamma draws, differentiable in concentration (see gammaRsample). */
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const g = gammaRsample(this._concentration, shape, sampleGenerator(opts));
    return g.div(g.sum(-1, true));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const c = this._concentration;
    return c.sub(1).xlogy(v).sum(-1).add(c.sum(-1).lgamma()).sub(c.lgamma().sum(-1));
  }
  entropy(): Tensor {
    const c = this._concentration;
    const k = c.shape[c.ndim - 1];
    const a0 = c.sum(-1);
    return c.lgamma().sum(-1).sub(a0.lgamma()).sub(rsub(k, a0).mul(a0.digamma())).sub(c.sub(1).mul(c.digamma()).sum(-1));
  }
}

// ---- Beta ----------------------------------------------------------------------------------------------------------
/** The beta distribution on [0, 1]: `new Beta(concentration1, concentration0, {validateArgs})` (a Dirichlet of [c1, c0]). */
export class Beta extends Distribution {
  /** @internal */ _concentration1: Tensor;
  /** @internal */ _concentration0: Tensor;
  /** @internal */ _dirichlet: Dirichlet;
  get argConstraints(): Record<string, Constraint> {
    return { concentration1: constraints.positive, concentration0: constraints.positive };
  }
  get support(): Constraint {
    return constraints.unitInterval;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(concentration1: Param, concentration0: Param, opts?: DistributionOptions) {
    const o = distOpts(opts);
    const { ts, scalar } = broadcastAll(['concentration1', 'concentration0'], [concentration1, concentration0]);
    super(scalar ? [] : ts[0].shape, [], o);
    [this._concentration1, this._concentration0] = ts;
    this._checkParams();
    this._dirichlet = new Dirichlet(stack([ts[0], ts[1]], -1), NO_CHECK);
  }
  get concentration1(): Tensor {
    return this._concentration1;
  }
  get concentration0(): Tensor {
    return this._concentration0;
  }
  get mean(): Tensor {
    return this._concentration1.div(this._concentration1.add(this._concentration0));
  }
  get mode(): Tensor {
    return this._dirichlet.mode.select(-1, 0);
  }
  get variance(): Tensor {
    const total = this._concentration1.add(this._concentration0);
    return this._concentration1.mul(this._concentration0).div(total.pow(2).mul(total.add(1)));
  }
  expand(batchShape: number[]): Beta {
    const s = this._expandShape(batchShape);
    return expanded(new Beta(this._concentration1.expand(s), this._concentration0.expand(s), NO_CHECK), this);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    return this._dirichlet.rsample(sampleShape, opts).select(-1, 0);
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return this._dirichlet.logProb(stack([v, rsub(1, v)], -1));
  }
  entropy(): Tensor {
    return this._dirichlet.entropy();
  }
}

/** A scalar tensor of value v with t's dtype and device. */
export function scalarLike(v: number, t: Tensor): Tensor {
  return full([], v, { dtype: t.dtype, device: t.device });
}
