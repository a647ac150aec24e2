// lib/distributions/discrete.ts — the discrete families of torch.distributions (PyTorch 1.13):
// Bernoulli({probs} | {logits}), Categorical({probs} | {logits}), OneHotCategorical, Poisson(rate),
// Binomial(totalCount, {probs} | {logits}).
// Contract: PyTorch's parameterisations (probs and logits derived from each other lazily: Bernoulli's
// logits = log p - log1p(-p) of the clamped probs, Categorical's logits normalised by logsumexp and its
// probs by their sum), formulas (logProb, entropy, mean, mode, variance, enumerateSupport) composed of
// differentiable ops, and argument checks (probs in [0, 1] / on the simplex, exactly one of probs and
// logits). Draws come from torchlet's generator: Bernoulli by torch.bernoulli, Categorical and
// OneHotCategorical by torch.multinomial (with replacement), Poisson (inversion below rate 10, Hörmann's
// PTRS above) and Binomial (a sum of Bernoulli draws) on the host; samples carry no gradient.
import { Tensor, isFloating } from '../tensor';
import { invalidArg, shapeError, typeArg, checkOptionKeys } from '../errors';
import { noGrad } from '../autograd';
import { bernoulli, multinomial, arange, fromBuffer, full } from '../creation';
import { log1p, sigmoid, broadcastShapes } from '../ops/elementwise';
import { softplus, softmax } from '../ops/activation';
import { finfo } from '../dtype_info';
import type { Generator } from '../random';
import { Distribution, constraints, broadcastAll, paramTensor, sampleGenerator, notImplemented, sameShape, pyFloat, hostUniforms, lgammaJs } from './distribution';
import type { Constraint, DistributionOptions, Param, SampleOptions } from './distribution';

/** The options of the families parameterised by probs or logits (exactly one of them). */
export interface ProbsOptions extends DistributionOptions {
  probs?: Param;
  logits?: Param;
}
const PROBS_KEYS = ['probs', 'logits', 'validateArgs'];
/** (probs | opts, opts?) -> {probs, logits, validateArgs}: probs positionally or either in the options. */
function probsArgs(fn: string, first: unknown, second: unknown): ProbsOptions {
  let o: ProbsOptions;
  if (first instanceof Tensor || typeof first === 'number') {
    const rest = checkOptionKeys('opts', second as ProbsOptions | undefined, ['validateArgs']);
    o = { ...rest, probs: first };
  } else {
    if (second !== undefined) invalidArg(`${fn}()`, `at most the arguments (probs | opts, opts) with probs first`, 'a second options object');
    o = checkOptionKeys('opts', first as ProbsOptions | undefined, PROBS_KEYS);
  }
  if ((o.probs === undefined || o.probs === null) === (o.logits === undefined || o.logits === null))
    invalidArg('opts', `exactly one of probs and logits (${fn}: Either \`probs\` or \`logits\` must be specified, but not both)`, o);
  return o;
}
/** PyTorch's clamp_probs: probs clamped to [eps, 1 - eps] of their dtype. */
export function clampProbs(p: Tensor): Tensor {
  const e = finfo(p.dtype as 'float32' | 'float64').eps;
  return p.clamp(e, 1 - e);
}
const NO_CHECK = { validateArgs: false };
/** Bernoulli's and Binomial's logits from probs: log p - log1p(-p) of the clamped probs (PyTorch's probs_to_logits). */
function logOdds(probs: Tensor): Tensor {
  const p = clampProbs(probs);
  return p.log().sub(log1p(p.neg()));
}

// ---- Bernoulli -----------------------------------------------------------------------------------------------------
/** 1 with probability probs, else 0: `new Bernoulli(probs)`, `new Bernoulli({probs})` or `new Bernoulli({logits})`. */
export class Bernoulli extends Distribution {
  /** @internal */ _probs?: Tensor;
  /** @internal */ _logits?: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { probs: constraints.unitInterval, logits: constraints.real };
  }
  get support(): Constraint {
    return constraints.boolean;
  }
  get hasEnumerateSupport(): boolean {
    return true;
  }
  constructor(probs?: Param | ProbsOptions, opts?: ProbsOptions) {
    const o = probsArgs('Bernoulli', probs, opts);
    const isProbs = o.probs !== undefined && o.probs !== null;
    const name = isProbs ? 'probs' : 'logits';
    const v = isProbs ? o.probs : o.logits;
    const { ts, scalar } = broadcastAll([name], [v]);
    super(scalar ? [] : ts[0].shape, [], { validateArgs: o.validateArgs });
    if (isProbs) this._probs = ts[0];
    else this._logits = ts[0];
    this._checkParams();
  }
  /** The probability of 1 (sigmoid(logits) when made from logits). */
  get probs(): Tensor {
    return (this._probs ??= sigmoid(this._logits!));
  }
  /** The log-odds (log p - log1p(-p) of the clamped probs when made from probs). */
  get logits(): Tensor {
    return (this._logits ??= logOdds(this._probs!));
  }
  /** @internal the parameter it was made with */
  get _param(): Tensor {
    return this._probs ?? this._logits!;
  }
  get mean(): Tensor {
    return this.probs;
  }
  get mode(): Tensor {
    const p = this.probs;
    const m = noGrad(() => p.ge(0.5).to(p.dtype));
    return noGrad(() => m.maskedFill(p.eq(0.5), NaN));
  }
  get variance(): Tensor {
    return this.probs.mul(this.probs.neg().add(1));
  }
  expand(batchShape: number[]): Bernoulli {
    const s = this._expandShape(batchShape);
    const d = this._probs ? new Bernoulli({ probs: this._probs.expand(s), ...NO_CHECK }) : new Bernoulli({ logits: this._logits!.expand(s), ...NO_CHECK });
    d._validateArgs = this._validateArgs;
    return d;
  }
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const gen = sampleGenerator(opts);
    return noGrad(() => bernoulli(this.probs.detach().expand(shape).contiguous(), { generator: gen }));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const l = this.logits;
    const x = isFloating(v.dtype) ? v : v.to(l.dtype);
    // -binary_cross_entropy_with_logits(logits, value) = value * logits - softplus(logits)
    return x.mul(l).sub(softplus(l));
  }
  entropy(): Tensor {
    const l = this.logits;
    return softplus(l).sub(l.mul(this.probs));
  }
  enumerateSupport(expand = true): Tensor {
    if (typeof expand !== 'boolean') typeArg('expand', 'a boolean', expand);
    const p = this._param;
    const values = arange(2, undefined, 1, { dtype: p.dtype, device: p.device }).reshape([-1, ...this._batchShape.map(() => 1)]);
    return expand ? values.expand([2, ...this._batchShape]) : values;
  }
}

// ---- Categorical ---------------------------------------------------------------------------------------------------
/**
 * One of k categories 0..k-1 with probabilities the last dim of probs (normalised) or softmax(logits):
 * `new Categorical(probs)`, `new Categorical({probs})`, `new Categorical({logits})`.
 */
export class Categorical extends Distribution {
  /** @internal */ _probs?: Tensor;
  /** @internal */ _logits?: Tensor;
  /** @internal */ _numEvents: number;
  get argConstraints(): Record<string, Constraint> {
    return { probs: constraints.simplex, logits: constraints.independent(constraints.real, 1) };
  }
  get support(): Constraint {
    return constraints.integerInterval(0, this._numEvents - 1);
  }
  get hasEnumerateSupport(): boolean {
    return true;
  }
  constructor(probs?: Tensor | ProbsOptions, opts?: ProbsOptions) {
    const o = probsArgs('Categorical', probs, opts);
    const isProbs = o.probs !== undefined && o.probs !== null;
    const name = isProbs ? 'probs' : 'logits';
    const t = paramTensor(name, isProbs ? o.probs : o.logits);
    if (t.ndim < 1) shapeError(name, `a tensor of at least one dimension (\`${name}\` parameter must be at least one-dimensional)`, t);
    const norm = isProbs ? t.div(t.sum(-1, true)) : t.sub(t.logsumexp(-1, true));
    super(t.shape.slice(0, -1), [], { validateArgs: o.validateArgs });
    if (isProbs) this._probs = norm;
    else this._logits = norm;
    this._numEvents = t.shape[t.ndim - 1];
    this._checkParams();
  }
  /** The (normalised) category probabilities, [...batchShape, k]. */
  get probs(): Tensor {
    return (this._probs ??= softmax(this._logits!, -1));
  }
  /** The normalised log-probabilities, [...batchShape, k]. */
  get logits(): Tensor {
    return (this._logits ??= clampProbs(this._probs!).log());
  }
  /** @internal */
  get _param(): Tensor {
    return this._probs ?? this._logits!;
  }
  /** The number of categories k. */
  get numEvents(): number {
    return this._numEvents;
  }
  get mean(): Tensor {
    const p = this._param;
    return full(this._batchShape, NaN, { dtype: p.dtype, device: p.device });
  }
  get mode(): Tensor {
    return this.probs.argmax(-1);
  }
  get variance(): Tensor {
    return this.mean;
  }
  expand(batchShape: number[]): Categorical {
    const s = this._expandShape(batchShape);
    const k = this._numEvents;
    const d = this._probs ? new Categorical({ probs: this._probs.expand([...s, k]), ...NO_CHECK }) : new Categorical({ logits: this._logits!.expand([...s, k]), ...NO_CHECK });
    d._validateArgs = this._validateArgs;
    return d;
  }
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const gen = sampleGenerator(opts);
    const n = sampleShape.reduce((a, b) => a * b, 1);
    return noGrad(() => {
      const p = this.probs.detach();
      if (n === 0 || shape.some((s) => s === 0)) return full(shape, 0, { dtype: 'int64', device: p.device });
      const p2 = p.reshape([-1, this._numEvents]);
      const s2 = multinomial(p2, n, { replacement: true, generator: gen }); // [rows, n]
      return s2.t().contiguous().reshape(shape);
    });
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const idx = noGrad(() => (v.dtype === 'int64' ? v : v.to('int64')).unsqueeze(-1));
    const l = this.logits;
    const bs = broadcastShapes(idx.shape, l.shape, ['value', 'logits']);
    const idxE = idx.expand([...bs.slice(0, -1), 1]);
    const lE = sameShape(l.shape, bs) ? l : l.expand(bs);
    return lE.gather(-1, idxE).squeeze(-1);
  }
  entropy(): Tensor {
    const l = this.logits;
    const minReal = finfo(l.dtype as 'float32' | 'float64').min;
    return l.clampMin(minReal).mul(this.probs).sum(-1).neg();
  }
  enumerateSupport(expand = true): Tensor {
    if (typeof expand !== 'boolean') typeArg('expand', 'a boolean', expand);
    const values = arange(this._numEvents, undefined, 1, { dtype: 'int64', device: this._param.device }).reshape([-1, ...this._batchShape.map(() => 1)]);
    return expand ? values.expand([this._numEvents, ...this._batchShape]) : values;
  }
  _reprArgs(): string {
    const p = this._param;
    return `${this._probs ? 'probs' : 'logits'}: ${p.numel() === 1 ? pyFloat(noGrad(() => p.item())) : `torch.Size([${p.shape.join(', ')}])`}`;
  }
}

// ---- OneHotCategorical ---------------------------------------------------------------------------------------------
/** A Categorical draw as a one-hot vector of length k (event shape [k]): `new OneHotCategorical({probs} | {logits})`. */
export class OneHotCategorical extends Distribution {
  /** @internal */ _categorical: Categorical;
  get argConstraints(): Record<string, Constraint> {
    return { probs: constraints.simplex, logits: constraints.independent(constraints.real, 1) };
  }
  get support(): Constraint {
    return constraints.oneHot;
  }
  get hasEnumerateSupport(): boolean {
    return true;
  }
  constructor(probs?: Tensor | ProbsOptions, opts?: ProbsOptions) {
    const cat = new Categorical(probs, opts);
    super(cat._batchShape, [cat._numEvents], { validateArgs: cat._validateArgs });
    this._categorical = cat;
  }
  get probs(): Tensor {
    return this._categorical.probs;
  }
  get logits(): Tensor {
    return this._categorical.logits;
  }
  get mean(): Tensor {
    return this._categorical.probs;
  }
  get mode(): Tensor {
    const p = this._categorical.probs;
    return noGrad(() => oneHot(p.argmax(-1), this._categorical._numEvents, p));
  }
  get variance(): Tensor {
    const p = this._categorical.probs;
    return p.mul(p.neg().add(1));
  }
  expand(batchShape: number[]): OneHotCategorical {
    const s = this._expandShape(batchShape);
    const c = this._categorical.expand(s);
    const d = new OneHotCategorical(c._probs ? { probs: c._probs, ...NO_CHECK } : { logits: c._logits!, ...NO_CHECK });
    d._validateArgs = this._validateArgs;
    return d;
  }
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const idx = this._categorical.sample(sampleShape, opts);
    return noGrad(() => oneHot(idx, this._categorical._numEvents, this._categorical._param));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const idx = noGrad(() => v.argmax(-1));
    const prev = this._categorical._validateArgs;
    this._categorical._validateArgs = false;
    try {
      return this._categorical.logProb(idx);
    } finally {
      this._categorical._validateArgs = prev;
    }
  }
  entropy(): Tensor {
    return this._categorical.entropy();
  }
  enumerateSupport(expand = true): Tensor {
    if (typeof expand !== 'boolean') typeArg('expand', 'a boolean', expand);
    const n = this._categorical._numEvents;
    const p = this._categorical._param;
    const values = oneHot(arange(n, undefined, 1, { dtype: 'int64', device: p.device }), n, p).reshape([n, ...this._batchShape.map(() => 1), n]);
    return expand ? values.expand([n, ...this._batchShape, n]) : values;
  }
  _reprArgs(): string {
    return this._categorical._reprArgs();
  }
}
/** One-hot vectors of length n of integer indices, in like's dtype. */
function oneHot(idx: Tensor, n: number, like: Tensor): Tensor {
  const r = arange(n, undefined, 1, { dtype: 'int64', device: idx.device });
  return idx.unsqueeze(-1).eq(r).to(like.dtype);
}

// ---- Poisson -------------------------------------------------------------------------------------------------------
/** Poisson draws (host): inversion for rate < 10, Hörmann's transformed rejection (PTRS, 1993) above. */
export function poissonDraws(rates: Float64Array, gen?: Generator): Float64Array {
  const n = rates.length;
  // one uniform per draw below rate 10, about 2.3 per draw above (PTRS accepts ~87% of its pairs)
  let buf = hostUniforms(Math.ceil(2.4 * n) + 16, gen);
  let k = 0;
  const u = (): number => {
    if (k >= buf.length) {
      buf = hostUniforms(Math.ceil(0.5 * n) + 64, gen);
      k = 0;
    }
    return buf[k++];
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lam = rates[i];
    if (!(lam > 0)) {
      out[i] = lam === 0 ? 0 : NaN;
      continue;
    }
    if (lam < 10) {
      const x = u();
      let p = Math.exp(-lam);
      let F = p;
      let j = 0;
      while (x >= F && j < 1000) {
        j++;
        p *= lam / j;
        F += p;
      }
      out[i] = j;
      continue;
    }
    const slam = Math.sqrt(lam);
    const loglam = Math.log(lam);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = u() - 0.5;
      const V = u();
      const us = 0.5 - Math.abs(U);
      const kk = Math.floor(((2 * a) / us + b) * U + lam + 0.43);
      if (us >= 0.07 && V <= vr) {
        out[i] = kk;
        break;
      }
      if (kk < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + kk * loglam - lgammaJs(kk + 1)) {
        out[i] = kk;
        break;
      }
    }
  }
  return out;
}
/** Host float64 copy of t expanded to shape. */
function hostExpanded(t: Tensor, shape: number[]): Float64Array {
  return Float64Array.from(noGrad(() => t.detach().expand(shape).contiguous().to('cpu').to('float64').toArray()) as Float64Array);
}
function fromHost(d: Float64Array, shape: number[], like: Tensor): Tensor {
  return fromBuffer(d, shape.slice()).to(like.dtype).to(like.device);
}

/** The Poisson distribution with rate `rate`: `new Poisson(rate, {validateArgs})`. */
export class Poisson extends Distribution {
  /** @internal */ _rate: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { rate: constraints.nonnegative };
  }
  get support(): Constraint {
    return constraints.nonnegativeInteger;
  }
  constructor(rate: Param, opts?: DistributionOptions) {
    const o = checkOptionKeys('opts', opts, ['validateArgs']);
    const { ts, scalar } = broadcastAll(['rate'], [rate]);
    super(scalar ? [] : ts[0].shape, [], o);
    this._rate = ts[0];
    this._checkParams();
  }
  get rate(): Tensor {
    return this._rate;
  }
  get mean(): Tensor {
    return this._rate;
  }
  get mode(): Tensor {
    return this._rate.floor();
  }
  get variance(): Tensor {
    return this._rate;
  }
  expand(batchShape: number[]): Poisson {
    const s = this._expandShape(batchShape);
    const d = new Poisson(this._rate.expand(s), NO_CHECK);
    d._validateArgs = this._validateArgs;
    return d;
  }
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const gen = sampleGenerator(opts);
    return noGrad(() => fromHost(poissonDraws(hostExpanded(this._rate, shape), gen), shape, this._rate));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const x = isFloating(v.dtype) ? v : v.to(this._rate.dtype);
    return x.xlogy(this._rate).sub(this._rate).sub(x.add(1).lgamma());
  }
}

// ---- Binomial ------------------------------------------------------------------------------------------------------
/** The number of successes in totalCount Bernoulli trials: `new Binomial(totalCount, probs)`, `new Binomial(totalCount, {logits})`. */
export class Binomial extends Distribution {
  /** @internal */ _totalCount: Tensor;
  /** @internal */ _probs?: Tensor;
  /** @internal */ _logits?: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return { totalCount: constraints.nonnegativeInteger, probs: constraints.unitInterval, logits: constraints.real };
  }
  get support(): Constraint {
    return constraints.integerInterval(0, this._totalCount);
  }
  constructor(totalCount: Param = 1, probs?: Param | ProbsOptions, opts?: ProbsOptions) {
    const o = probsArgs('Binomial', probs, opts);
    const isProbs = o.probs !== undefined && o.probs !== null;
    const name = isProbs ? 'probs' : 'logits';
    const { ts, scalar } = broadcastAll(['totalCount', name], [totalCount, isProbs ? o.probs : o.logits]);
    const [n, p] = ts;
    super(scalar ? [] : p.shape, [], { validateArgs: o.validateArgs });
    this._totalCount = n.to(p.dtype);
    if (isProbs) this._probs = p;
    else this._logits = p;
    this._checkParams();
  }
  get totalCount(): Tensor {
    return this._totalCount;
  }
  get probs(): Tensor {
    return (this._probs ??= sigmoid(this._logits!));
  }
  get logits(): Tensor {
    return (this._logits ??= logOdds(this._probs!));
  }
  get mean(): Tensor {
    return this._totalCount.mul(this.probs);
  }
  get mode(): Tensor {
    return this._totalCount.add(1).mul(this.probs).floor().clampMax(this._totalCount);
  }
  get variance(): Tensor {
    return this._totalCount.mul(this.probs).mul(this.probs.neg().add(1));
  }
  expand(batchShape: number[]): Binomial {
    const s = this._expandShape(batchShape);
    const d = this._probs
      ? new Binomial(this._totalCount.expand(s), { probs: this._probs.expand(s), ...NO_CHECK })
      : new Binomial(this._totalCount.expand(s), { logits: this._logits!.expand(s), ...NO_CHECK });
    d._validateArgs = this._validateArgs;
    return d;
  }
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const gen = sampleGenerator(opts);
    const n = hostExpanded(this._totalCount, shape);
    const p = hostExpanded(this.probs, shape);
    let total = 0;
    for (let i = 0; i < n.length; i++) total += n[i];
    if (total > 5e7) notImplemented('Binomial.sample with more than 5e7 trials in all (it sums Bernoulli draws)');
    const u = hostUniforms(total, gen);
    const out = new Float64Array(n.length);
    let k = 0;
    for (let i = 0; i < n.length; i++) {
      let c = 0;
      for (let j = 0; j < n[i]; j++) if (u[k++] < p[i]) c++;
      out[i] = c;
    }
    return noGrad(() => fromHost(out, shape, this._totalCount));
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const x = isFloating(v.dtype) ? v : v.to(this._totalCount.dtype);
    const l = this.logits;
    const n = this._totalCount;
    const lfN = n.add(1).lgamma();
    const lfK = x.add(1).lgamma();
    const lfNK = n.sub(x).add(1).lgamma();
    // PyTorch's normalize_term: n * _clamp_by_zero(logits) + n * log1p(exp(-|logits|)) - lgamma(n + 1)
    const clampByZero = l.clampMin(0).add(l).sub(l.clampMax(0)).div(2);
    const norm = n.mul(clampByZero).add(n.mul(log1p(l.abs().neg().exp()))).sub(lfN);
    return x.mul(l).sub(lfK).sub(lfNK).sub(norm);
  }
  get hasEnumerateSupport(): boolean {
    return true;
  }
  /** The common totalCount (an inhomogeneous one is ERR_TORCHLET_NOT_IMPLEMENTED, as PyTorch's). */
  _commonCount(what: string): number {
    const [lo, hi] = noGrad(() => [this._totalCount.min().item(), this._totalCount.max().item()]);
    if (lo !== hi) notImplemented(`Binomial.${what} with an inhomogeneous totalCount`);
    return hi;
  }
  /** 0..totalCount, of shape [totalCount + 1, ...batchShape] (expand) or [totalCount + 1, 1, ...]. */
  enumerateSupport(expand = true): Tensor {
    if (typeof expand !== 'boolean') typeArg('expand', 'a boolean', expand);
    const n = this._commonCount('enumerateSupport');
    const p = this._probs ?? this._logits!;
    const values = arange(n + 1, undefined, 1, { dtype: p.dtype, device: p.device }).reshape([-1, ...this._batchShape.map(() => 1)]);
    return expand ? values.expand([n + 1, ...this._batchShape]) : values;
  }
  /** -sum p log p over 0..totalCount (a homogeneous totalCount only, as PyTorch's). */
  entropy(): Tensor {
    this._commonCount('entropy');
    const prev = this._validateArgs;
    this._validateArgs = false;
    try {
      const lp = this.logProb(this.enumerateSupport(false));
      return lp.exp().mul(lp).sum(0).neg();
    } finally {
      this._validateArgs = prev;
    }
  }
  _reprArgs(): string {
    const f = (t: Tensor) => (t.numel() === 1 ? pyFloat(noGrad(() => t.item())) : `torch.Size([${t.shape.join(', ')}])`);
    return `totalCount: ${f(this._totalCount)}, ${this._probs ? 'probs' : 'logits'}: ${f(this._probs ?? this._logits!)}`;
  }
}
