// lib/special.ts — the torch.special namespace (`torch.special.erfcx(x)`, ...): PyTorch 1.13's list in
// camelCase, each the function itself or an alias of the existing op (expit = sigmoid, gammaln =
// lgamma, psi = digamma, multigammaln = mvlgamma, logSoftmax = log_softmax, logNdtr = log_ndtr). The
// new functions are defined in lib/ops/special.ts (see there); not provided: the Bessel J/Y, Airy,
// K, spherical Bessel and orthogonal-polynomial functions PyTorch 1.13 added as prototypes.
export { entr, erfcx, ndtr, ndtri, logNdtr, i0, i0e, i1, i1e, sinc, xlog1py, polygamma, zeta, gammainc, gammaincc, mvlgamma as multigammaln } from './ops/special';
export { erf, erfinv, exp2, expm1, log1p, round, sigmoid as expit } from './ops/elementwise';
export { erfc, xlogy, logit, lgamma as gammaln, digamma, digamma as psi } from './ops/elementwise_more';
export { logsumexp } from './ops/reduce';
export { softmax, logSoftmax } from './ops/activation';
