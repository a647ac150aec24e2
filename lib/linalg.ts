// lib/linalg.ts — the torch.linalg namespace (`torch.linalg.det(A)`, ...), PyTorch 1.13's names in
// camelCase; the functions are defined in lib/ops/linalg.ts and lib/ops/matmul_more.ts (see there).
export { vectorNorm, matrixNorm, norm, det, slogdet, inv, solve, cholesky, svdvals } from './ops/linalg';
export { matmulOf as matmul, diagonalOf as diagonal, crossOf as cross, multiDotOf as multiDot } from './ops/linalg';
export type { VectorNormOptions, MatrixNormOptions, MatrixNormOrd, NormOptions, SolveOptions, CholeskyOptions, DiagonalOptions, SignLogAbsDet } from './ops/linalg';
