// lib/distributions/kl.ts — torch.distributions.klDivergence(p, q) = KL(p || q) and registerKl (PyTorch
// 1.13's kl_divergence / register_kl). Contract: the closed forms PyTorch registers for the pairs here
// (Normal, Bernoulli, Categorical, OneHotCategorical, Uniform, Exponential, Laplace, LogNormal, Gamma, Beta,
// Dirichlet, Poisson, MultivariateNormal, Independent, each with itself), with PyTorch's infinities
// (q zero where p is not, a Uniform p outside q's range), differentiable in both parameter sets. The
// implementation for (p, q) is the most specific registered pair of their classes (nearest ancestors, the
// first argument's first, as PyTorch's lookup); a pair with none is ERR_TORCHLET_NOT_IMPLEMENTED.
import { Tensor } from '../tensor';
import { typeArg, shapeError } from '../errors';
import { noGrad } from '../autograd';
import { broadcastShapes } from '../ops/elementwise';
import { softplus } from '../ops/activation';
import { where } from '../ops/index';
import { solve } from '../ops/linalg';
import { Distribution, notImplemented, sumRightmost } from './distribution';
import { Normal, Uniform, Exponential, Laplace, LogNormal, Gamma, Beta, Dirichlet } from './continuous';
import { Bernoulli, Categorical, OneHotCategorical, Poisson } from './discrete';
import { MultivariateNormal, Independent, triSolveVec } from './multivariate';

type AnyDist = new (...a: never[]) => Distribution;
type KlFn = (p: Distribution, q: Distribution) => Tensor;
const REGISTRY: { p: object; q: object; fn: KlFn }[] = [];

function checkClass(name: string, C: unknown): object {
  if (typeof C !== 'function' || !(C.prototype instanceof Distribution || C.prototype === Distribution.prototype))
    typeArg(name, 'a subclass of torch.distributions.Distribution', C);
  return (C as { prototype: object }).prototype;
}
/**
 * Registers fn(p, q) as KL(p || q) for p of class typeP and q of class typeQ (subclasses included, the
 * nearest registered pair wins): `registerKl(MyDist, MyDist, (p, q) => ...)`, or, as PyTorch's
 * decorator, `registerKl(MyDist, MyDist)(fn)`. Returns fn (the decorator form: a function taking fn).
 */
export function registerKl(typeP: AnyDist, typeQ: AnyDist, fn?: KlFn): KlFn | ((fn: KlFn) => KlFn) {
  const p = checkClass('typeP', typeP);
  const q = checkClass('typeQ', typeQ);
  const add = (f: KlFn): KlFn => {
    if (typeof f !== 'function') typeArg('fn', 'a function (p, q) => Tensor', f);
    const i = REGISTRY.findIndex((r) => r.p === p && r.q === q);
    if (i >= 0) REGISTRY.splice(i, 1);
    REGISTRY.push({ p, q, fn: f });
    return f;
  };
  return fn === undefined ? add : add(fn);
}
/** How many steps up x's prototype chain `proto` is (Infinity when it is not there). */
function distance(x: object, proto: object): number {
  let d = 0;
  for (let o = Object.getPrototypeOf(x); o; o = Object.getPrototypeOf(o), d++) if (o === proto) return d;
  return Infinity;
}
/** KL(p || q) over the batch shape (PyTorch's kl_divergence). */
export function klDivergence(p: Distribution, q: Distribution): Tensor {
  if (!(p instanceof Distribution)) typeArg('p', 'a torch.distributions.Distribution', p);
  if (!(q instanceof Distribution)) typeArg('q', 'a torch.distributions.Distribution', q);
  let best: { fn: KlFn; dp: number; dq: number } | null = null;
  for (const r of REGISTRY) {
    const dp = distance(p, r.p);
    const dq = distance(q, r.q);
    if (dp === Infinity || dq === Infinity) continue;
    if (!best || dp < best.dp || (dp === best.dp && dq < best.dq)) best = { fn: r.fn, dp, dq };
  }
  if (!best) return notImplemented(`klDivergence(${p.constructor.name}, ${q.constructor.name}) (no KL divergence is registered for this pair; add one with registerKl)`);
  return best.fn(p, q);
}

const inf = (t: Tensor, mask: Tensor): Tensor => where(mask, Infinity, t);
const zero = (t: Tensor, mask: Tensor): Tensor => where(mask, 0, t);

function klNormal(p: Normal, q: Normal): Tensor {
  const varRatio = p._scale.div(q._scale).pow(2);
  const t1 = p._loc.sub(q._loc).div(q._scale).pow(2);
  return varRatio.add(t1).sub(1).sub(varRatio.log()).mul(0.5);
}
function klBernoulli(p: Bernoulli, q: Bernoulli): Tensor {
  let t1 = p.probs.mul(softplus(q.logits.neg()).sub(softplus(p.logits.neg())));
  t1 = inf(t1, noGrad(() => q.probs.eq(0)));
  t1 = zero(t1, noGrad(() => p.probs.eq(0)));
  let t2 = p.probs.neg().add(1).mul(softplus(q.logits).sub(softplus(p.logits)));
  t2 = inf(t2, noGrad(() => q.probs.eq(1)));
  t2 = zero(t2, noGrad(() => p.probs.eq(1)));
  return t1.add(t2);
}
function klCategorical(p: Categorical, q: Categorical): Tensor {
  let t = p.probs.mul(p.logits.sub(q.logits));
  const shape = t.shape;
  t = inf(t, noGrad(() => q.probs.eq(0).expand(shape)));
  t = zero(t, noGrad(() => p.probs.eq(0).expand(shape)));
  return t.sum(-1);
}
function klUniform(p: Uniform, q: Uniform): Tensor {
  const r = q._high.sub(q._low).div(p._high.sub(p._low)).log();
  return inf(r, noGrad(() => q._low.gt(p._low).logicalOr(q._high.lt(p._high))));
}
function klExponential(p: Exponential, q: Exponential): Tensor {
  const ratio = q._rate.div(p._rate);
  return ratio.log().neg().add(ratio).sub(1);
}
function klLaplace(p: Laplace, q: Laplace): Tensor {
  const scaleRatio = p._scale.div(q._scale);
  const locAbsDiff = p._loc.sub(q._loc).abs();
  const t1 = scaleRatio.log().neg();
  const t2 = locAbsDiff.div(q._scale);
  const t3 = scaleRatio.mul(locAbsDiff.neg().div(p._scale).exp());
  return t1.add(t2).add(t3).sub(1);
}
function klGamma(p: Gamma, q: Gamma): Tensor {
  const t1 = q._concentration.mul(p._rate.div(q._rate).log());
  const t2 = q._concentration.lgamma().sub(p._concentration.lgamma());
  const t3 = p._concentration.sub(q._concentration).mul(p._concentration.digamma());
  const t4 = q._rate.sub(p._rate).mul(p._concentration.div(p._rate));
  return t1.add(t2).add(t3).add(t4);
}
function klBeta(p: Beta, q: Beta): Tensor {
  const sp = p._concentration1.add(p._concentration0);
  const sq = q._concentration1.add(q._concentration0);
  const t1 = q._concentration1.lgamma().add(q._concentration0.lgamma()).add(sp.lgamma());
  const t2 = p._concentration1.lgamma().add(p._concentration0.lgamma()).add(sq.lgamma());
  const t3 = p._concentration1.sub(q._concentration1).mul(p._concentration1.digamma());
  const t4 = p._concentration0.sub(q._concentration0).mul(p._concentration0.digamma());
  const t5 = sq.sub(sp).mul(sp.digamma());
  return t1.sub(t2).add(t3).add(t4).add(t5);
}
function klDirichlet(p: Dirichlet, q: Dirichlet): Tensor {
  const pc = p._concentration;
  const qc = q._concentration;
  const sp = pc.sum(-1);
  const sq = qc.sum(-1);
  const t1 = sp.lgamma().sub(sq.lgamma());
  const t2 = pc.lgamma().sub(qc.lgamma()).sum(-1);
  const t3 = pc.sub(qc);
  const t4 = pc.digamma().sub(sp.digamma().unsqueeze(-1));
  return t1.sub(t2).add(t3.mul(t4).sum(-1));
}
function klPoisson(p: Poisson, q: Poisson): Tensor {
  return p._rate.mul(p._rate.log().sub(q._rate.log())).sub(p._rate.sub(q._rate));
}
function klMvn(p: MultivariateNormal, q: MultivariateNormal): Tensor {
  if (p._eventShape[0] !== q._eventShape[0])
    shapeError('q', `a MultivariateNormal of the event shape of p [${p._eventShape.join(', ')}] (KL-divergence between two Multivariate Normals with different event shapes cannot be computed)`, q.eventShape);
  const Lp = p._unbroadcastedScaleTril;
  const Lq = q._unbroadcastedScaleTril;
  const halfTerm1 = Lq.diagonal(0, -2, -1).log().sum(-1).sub(Lp.diagonal(0, -2, -1).log().sum(-1));
  const n = p._eventShape[0];
  const batch = broadcastShapes(Lq.shape.slice(0, -2), Lp.shape.slice(0, -2), ['q.scaleTril', 'p.scaleTril']);
  const qL = Lq.expand([...batch, n, n]);
  const pL = Lp.expand([...batch, n, n]);
  // tr(X X^T) for X = Lq^-1 Lp (only Lq's lower triangle read, as solve_triangular)
  const term2 = solve(qL.tril(), pL).pow(2).sum([-2, -1]);
  const term3 = triSolveVec(Lq, q._loc.sub(p._loc)).pow(2).sum(-1);
  return halfTerm1.add(term2.add(term3).sub(n).mul(0.5));
}
function klIndependent(p: Independent, q: Independent): Tensor {
  if (p._n !== q._n)
    return notImplemented('klDivergence of two Independent distributions with different reinterpretedBatchNdims');
  return sumRightmost(klDivergence(p._base, q._base), p._n);
}
function klLogNormal(p: LogNormal, q: LogNormal): Tensor {
  return klNormal(p._base, q._base);
}

// the registrations (the classes here are the originals: lib/strict.ts's public wrappers share their prototypes)
const reg = (P: unknown, Q: unknown, fn: unknown) => registerKl(P as AnyDist, Q as AnyDist, fn as KlFn);
reg(Normal, Normal, klNormal);
reg(Bernoulli, Bernoulli, klBernoulli);
reg(Categorical, Categorical, klCategorical);
reg(OneHotCategorical, OneHotCategorical, (p: OneHotCategorical, q: OneHotCategorical) => klCategorical(p._categorical, q._categorical));
reg(Uniform, Uniform, klUniform);
reg(Exponential, Exponential, klExponential);
reg(Laplace, Laplace, klLaplace);
reg(LogNormal, LogNormal, klLogNormal);
reg(Gamma, Gamma, klGamma);
reg(Beta, Beta, klBeta);
reg(Dirichlet, Dirichlet, klDirichlet);
reg(Poisson, Poisson, klPoisson);
reg(MultivariateNormal, MultivariateNormal, klMvn);
reg(Independent, Independent, klIndependent);
