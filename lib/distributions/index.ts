// lib/distributions/index.ts — the torch.distributions namespace (PyTorch 1.13's names in camelCase):
// Distribution and the families (lib/distributions/continuous.ts, discrete.ts, multivariate.ts),
// klDivergence / registerKl (kl.ts), the constraints and setDefaultValidateArgs (distribution.ts).
export { Distribution, Constraint, constraints, setDefaultValidateArgs } from './distribution';
export type { DistributionOptions, SampleOptions, Param } from './distribution';
export { Normal, Uniform, Exponential, Laplace, LogNormal, Gamma, Beta, Dirichlet } from './continuous';
export { Bernoulli, Categorical, OneHotCategorical, Poisson, Binomial } from './discrete';
export type { ProbsOptions } from './discrete';
export { MultivariateNormal, Independent } from './multivariate';
export type { MultivariateNormalOptions } from './multivariate';
export { klDivergence, registerKl } from './kl';
