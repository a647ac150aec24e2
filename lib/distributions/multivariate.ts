// lib/distributions/multivariate.ts — torch.distributions' MultivariateNormal(loc, {covarianceMatrix |
// precisionMatrix | scaleTril}) and Independent(baseDistribution, reinterpretedBatchNdims) (PyTorch 1.13).
// Contract: MultivariateNormal keeps the lower Cholesky factor L of the covariance (torch.linalg.cholesky
// of covarianceMatrix; scaleTril as given; from precisionMatrix PyTorch's flip-Cholesky-invert route) and
// computes logProb = -(k log 2 pi + |L^-1 (x - loc)|^2) / 2 - sum log diag L, entropy, covariance,
// precision and variance from it, all differentiable (the triangular solves go through torch.linalg.solve);
// rsample is loc + L eps. Batch shapes of loc and the matrix broadcast, as PyTorch's. Independent sums
// the base's logProb and entropy over the reinterpreted rightmost batch dims.
import { Tensor } from '../tensor';
import { invalidArg, shapeError, typeArg, checkInt, checkOptionKeys } from '../errors';
import { randn, eye } from '../creation';
import { broadcastShapes } from '../ops/elementwise';
import { cholesky, solve, inv } from '../ops/linalg';
import { Distribution, constraints, paramTensor, sampleGenerator, sumRightmost, sameShape, checkSize } from './distribution';
import type { Constraint, DistributionOptions, SampleOptions } from './distribution';

const LOG_2PI = Math.log(2 * Math.PI);

/** The options of MultivariateNormal: exactly one of covarianceMatrix, precisionMatrix, scaleTril. */
export interface MultivariateNormalOptions extends DistributionOptions {
  covarianceMatrix?: Tensor;
  precisionMatrix?: Tensor;
  scaleTril?: Tensor;
}

/**
 * L^-1 x for lower-triangular L [..., n, n] and x [..., n] (batch dims broadcast). Only L's lower
 * triangle is read (PyTorch's solve_triangular), so the strict upper triangle gets no gradient.
 */
export function triSolveVec(L0: Tensor, x: Tensor): Tensor {
  const L = L0.tril();
  const n = L.shape[L.ndim - 1];
  const bs = broadcastShapes(L.shape.slice(0, -2), x.shape.slice(0, -1), ['scaleTril', 'value']);
  const Le = sameShape(L.shape.slice(0, -2), bs) ? L : L.expand([...bs, n, n]);
  const xe = sameShape(x.shape.slice(0, -1), bs) ? x : x.expand([...bs, n]);
  return solve(Le, xe.unsqueeze(-1)).squeeze(-1);
}
/** PyTorch's _batch_mahalanobis: |L^-1 x|^2 over the last dim. */
function mahalanobis(L: Tensor, x: Tensor): Tensor {
  return triSolveVec(L, x).pow(2).sum(-1);
}
/** PyTorch's _precision_to_scale_tril: L = inv(flip(cholesky(flip(P)))^T), lower triangular with L L^T = P^-1. */
function precisionToScaleTril(P: Tensor): Tensor {
  const n = P.shape[P.ndim - 1];
  const Lf = cholesky(P.flip([-2, -1]));
  const Linv = Lf.flip([-2, -1]).transpose(-2, -1).tril();
  const I = eye(n, { dtype: P.dtype, device: P.device });
  return solve(Linv, I.expand(P.shape));
}

/**
 * The multivariate normal distribution: `new MultivariateNormal(loc, {covarianceMatrix})`,
 * `{precisionMatrix}` or `{scaleTril}` (exactly one); loc [..., k], the matrix [..., k, k].
 */
export class MultivariateNormal extends Distribution {
  /** @internal */ _loc: Tensor;
  /** @internal */ _unbroadcastedScaleTril: Tensor;
  /** @internal */ _covarianceMatrix?: Tensor;
  /** @internal */ _precisionMatrix?: Tensor;
  /** @internal */ _scaleTril?: Tensor;
  get argConstraints(): Record<string, Constraint> {
    return {
      loc: constraints.realVector,
      covarianceMatrix: constraints.positiveDefinite,
      precisionMatrix: constraints.positiveDefinite,
      scaleTril: constraints.lowerCholesky,
    };
  }
  get support(): Constraint {
    return constraints.realVector;
  }
  get hasRsample(): boolean {
    return true;
  }
  constructor(loc: Tensor, opts?: MultivariateNormalOptions) {
    const o = checkOptionKeys('opts', opts, ['covarianceMatrix', 'precisionMatrix', 'scaleTril', 'validateArgs']);
    const l = paramTensor('loc', loc);
    if (l.ndim < 1) shapeError('loc', 'a tensor of at least one dimension (loc must be at least one-dimensional)', l);
    const given = (['covarianceMatrix', 'precisionMatrix', 'scaleTril'] as const).filter((k) => o[k] !== undefined && o[k] !== null);
    if (given.length !== 1)
      invalidArg('opts', 'exactly one of covarianceMatrix, precisionMatrix and scaleTril (MultivariateNormal)', given.length ? given.join(', ') : o);
    const key = given[0];
    const M = paramTensor(key, o[key]);
    if (M.ndim < 2) shapeError(key, `a tensor of at least two dimensions, with optional leading batch dimensions (${key} matrix must be at least two-dimensional)`, M);
    const k = l.shape[l.ndim - 1];
    if (M.shape[M.ndim - 1] !== k || M.shape[M.ndim - 2] !== k) shapeError(key, `a [..., ${k}, ${k}] matrix (the event size of loc is ${k})`, M);
    if (M.dtype !== l.dtype) invalidArg(key, `a ${l.dtype} tensor (the dtype of loc)`, M);
    const batch = broadcastShapes(M.shape.slice(0, -2), l.shape.slice(0, -1), [key, 'loc']);
    super(batch, [k], { validateArgs: o.validateArgs });
    const Mx = M.expand([...batch, k, k]);
    this._loc = l.expand([...batch, k]);
    if (key === 'covarianceMatrix') this._covarianceMatrix = Mx;
    else if (key === 'precisionMatrix') this._precisionMatrix = Mx;
    else this._scaleTril = Mx;
    this._checkParams();
    this._unbroadcastedScaleTril = key === 'scaleTril' ? M : key === 'covarianceMatrix' ? cholesky(M) : precisionToScaleTril(M);
  }
  get loc(): Tensor {
    return this._loc;
  }
  /** The lower Cholesky factor L of the covariance, [...batchShape, k, k]. */
  get scaleTril(): Tensor {
    return (this._scaleTril ??= this._unbroadcastedScaleTril.expand([...this._batchShape, ...this._eventShape, ...this._eventShape]));
  }
  /** L L^T. */
  get covarianceMatrix(): Tensor {
    const L = this._unbroadcastedScaleTril;
    return (this._covarianceMatrix ??= L.matmul(L.transpose(-2, -1)).expand([...this._batchShape, ...this._eventShape, ...this._eventShape]));
  }
  /** The inverse covariance, (L L^T)^-1 (PyTorch's cholesky_inverse, differentiable in all of L). */
  get precisionMatrix(): Tensor {
    if (!this._precisionMatrix) {
      const L = this._unbroadcastedScaleTril;
      const n = L.shape[L.ndim - 1];
      this._precisionMatrix = inv(L.matmul(L.transpose(-2, -1))).expand([...this._batchShape, n, n]);
    }
    return this._precisionMatrix;
  }
  get mean(): Tensor {
    return this._loc;
  }
  get mode(): Tensor {
    return this._loc;
  }
  get variance(): Tensor {
    return this._unbroadcastedScaleTril.pow(2).sum(-1).expand([...this._batchShape, ...this._eventShape]);
  }
  expand(batchShape: number[]): MultivariateNormal {
    const s = this._expandShape(batchShape);
    const k = this._eventShape[0];
    const d = new MultivariateNormal(this._loc.expand([...s, k]), { scaleTril: this._unbroadcastedScaleTril, validateArgs: false });
    d._scaleTril = undefined;
    if (this._covarianceMatrix) d._covarianceMatrix = this._covarianceMatrix.expand([...s, k, k]);
    if (this._precisionMatrix) d._precisionMatrix = this._precisionMatrix.expand([...s, k, k]);
    d._validateArgs = this._validateArgs;
    return d;
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    const shape = this.extendedShape(sampleShape);
    const eps = randn(shape, { dtype: this._loc.dtype, device: this._loc.device, generator: sampleGenerator(opts) });
    // loc + L eps (PyTorch's _batch_mv, broadcasting L over the sample dims); one GEMM eps L^T for an unbatched L
    const L = this._unbroadcastedScaleTril;
    const Leps = L.ndim === 2 ? eps.matmul(L.transpose(0, 1)) : L.matmul(eps.unsqueeze(-1)).squeeze(-1);
    return this._loc.add(Leps);
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    const diff = v.sub(this._loc);
    const M = mahalanobis(this._unbroadcastedScaleTril, diff);
    const halfLogDet = this._unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
    return M.add(this._eventShape[0] * LOG_2PI).mul(-0.5).sub(halfLogDet);
  }
  entropy(): Tensor {
    const halfLogDet = this._unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
    const H = halfLogDet.add(0.5 * this._eventShape[0] * (1 + LOG_2PI));
    return sameShape(H.shape, this._batchShape) ? H : H.expand(this._batchShape);
  }
  _reprArgs(): string {
    const key = this._covarianceMatrix && !this._scaleTril ? 'covarianceMatrix' : this._precisionMatrix && !this._scaleTril ? 'precisionMatrix' : 'scaleTril';
    const m = key === 'covarianceMatrix' ? this._covarianceMatrix! : key === 'precisionMatrix' ? this._precisionMatrix! : this.scaleTril;
    return `loc: torch.Size([${this._loc.shape.join(', ')}]), ${key}: torch.Size([${m.shape.join(', ')}])`;
  }
}

// ---- Independent ---------------------------------------------------------------------------------------------------
/**
 * Reinterprets the `reinterpretedBatchNdims` rightmost batch dims of a distribution as event dims:
 * `new Independent(new Normal(loc, scale), 1)` is a diagonal multivariate normal.
 */
export class Independent extends Distribution {
  /** @internal */ _base: Distribution;
  /** @internal */ _n: number;
  get argConstraints(): Record<string, Constraint> {
    return {};
  }
  get support(): Constraint {
    const s = this._base.support;
    return this._n === 0 ? s : constraints.independent(s, this._n);
  }
  get hasRsample(): boolean {
    return this._base.hasRsample;
  }
  get hasEnumerateSupport(): boolean {
    return this._n > 0 ? false : this._base.hasEnumerateSupport;
  }
  constructor(baseDistribution: Distribution, reinterpretedBatchNdims: number, opts?: DistributionOptions) {
    if (!(baseDistribution instanceof Distribution)) typeArg('baseDistribution', 'a torch.distributions.Distribution', baseDistribution);
    const n = checkInt('reinterpretedBatchNdims', reinterpretedBatchNdims, 0);
    const o = checkOptionKeys('opts', opts, ['validateArgs']);
    const bs = baseDistribution.batchShape;
    if (n > bs.length)
      invalidArg('reinterpretedBatchNdims', `at most len(batchShape) = ${bs.length} (Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape))`, n);
    super(bs.slice(0, bs.length - n), [...bs.slice(bs.length - n), ...baseDistribution.eventShape], o);
    this._base = baseDistribution;
    this._n = n;
  }
  /** The distribution whose batch dims are reinterpreted. */
  get baseDist(): Distribution {
    return this._base;
  }
  get reinterpretedBatchNdims(): number {
    return this._n;
  }
  get mean(): Tensor {
    return this._base.mean;
  }
  get mode(): Tensor {
    return this._base.mode;
  }
  get variance(): Tensor {
    return this._base.variance;
  }
  expand(batchShape: number[]): Independent {
    const s = this._expandShape(batchShape);
    const base = this._base.expand([...s, ...this._eventShape.slice(0, this._n)]);
    const d = new Independent(base, this._n, { validateArgs: false });
    d._validateArgs = this._validateArgs;
    return d;
  }
  sample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    checkSize('sampleShape', sampleShape);
    return this._base.sample(sampleShape, opts);
  }
  rsample(sampleShape: number[] = [], opts?: SampleOptions): Tensor {
    checkSize('sampleShape', sampleShape);
    return this._base.rsample(sampleShape, opts);
  }
  logProb(value: Tensor): Tensor {
    const v = this._validateSample(value);
    return sumRightmost(this._base.logProb(v), this._n);
  }
  entropy(): Tensor {
    return sumRightmost(this._base.entropy(), this._n);
  }
  enumerateSupport(expand = true): Tensor {
    if (this._n > 0) return super.enumerateSupport(expand);
    return this._base.enumerateSupport(expand);
  }
  toString(): string {
    return `Independent(${this._base.toString()}, ${this._n})`;
  }
}
