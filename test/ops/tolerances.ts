// test/ops/tolerances.ts — the tolerances of the op tests, as data per op, dtype and device, used by
// the comparison helpers (checkDiffCase in test/helpers.ts, test/ops/compare.ts).
//
// TOLERANCES[key][dtype][device] is a Tol; anything missing falls back to the key's op (the part
// before a '.', e.g. 'softmax' for 'softmax.grad'), then to DEFAULT[dtype][device]. Keys are op names
// ('max_pool2d', 'softmax', 'exp', ...) and, where one op's checks need different tolerances,
// '<op>.<check>' (e.g. 'softmax.grad' for the gradient). What the entry of a device bounds:
//   cpu   the CPU result against the PyTorch reference (test/fixtures, float64 PyTorch values)
//   cuda  the CUDA result against the CPU result for the same inputs (the CUDA-vs-CPU checks);
//         { rtol: 0, atol: 0 } means bit-identical (NaN equals NaN, +0 differs from -0)
// A CUDA result checked against the PyTorch reference gets the sum of the two (refTol): by the
// triangle inequality |cuda - ref| <= |cuda - cpu| + |cpu - ref|.
// A Tol resolves, for a check with `terms` summed terms (a reduction length; 1 if not given) and
// values of magnitude `magnitude` (max |x|; 1 if not given), to
//   rtol = rtol + rtolPerTerm * terms
//   atol = (atol + atolPerTerm * terms) * (magnitude ? max(1, magnitude) : 1) * (sqrtTerms ? sqrt(max(1, terms)) : 1)
// and a value passes when |actual - expected| <= atol + rtol * |expected|. Integer and bool results
// are always compared exactly.
import type { DType } from '../../lib';
import type { TestDevice } from '../devices';

export type FloatDType = 'float32' | 'float64';

export interface Tol {
  rtol: number;
  atol: number;
  /** rtol grows by this much per summed term */
  rtolPerTerm?: number;
  /** atol grows by this much per summed term */
  atolPerTerm?: number;
  /** atol scales with the magnitude of the values: times max(1, magnitude) */
  magnitude?: boolean;
  /** atol scales with the square root of the number of summed terms (rounding errors of a long sum) */
  sqrtTerms?: boolean;
}
export type DeviceTols = Record<TestDevice, Tol>;
export interface TolContext {
  /** max |value| of the data the error scales with (inputs, outputs or the CPU result) */
  magnitude?: number;
  /** the number of terms summed into one result (a reduction's length) */
  terms?: number;
}

const EXACT: Tol = { rtol: 0, atol: 0 };

/**
 * Unless an op says otherwise: against PyTorch, float64 to 1e-9 and float32 to 1e-4 (relative, and
 * absolute times the magnitude); CUDA bit-identical to the CPU.
 */
export const DEFAULT: Record<FloatDType, DeviceTols> = {
  float64: { cpu: { rtol: 1e-9, atol: 1e-9, magnitude: true }, cuda: EXACT },
  float32: { cpu: { rtol: 1e-4, atol: 1e-4, magnitude: true }, cuda: EXACT },
};

// CUDA GEMMs (matmul, linear, implicit-GEMM convolutions) sum in another order than the CPU: the
// error grows with the magnitude and the square root of the reduction length K.
const GEMM: Partial<Record<FloatDType, Partial<DeviceTols>>> = {
  float64: { cuda: { rtol: 1e-12, atol: 1e-12, magnitude: true, sqrtTerms: true } },
  float32: { cuda: { rtol: 1e-5, atol: 2e-5, magnitude: true, sqrtTerms: true } },
};
// Softmax sums in a fixed tree on CUDA (the CPU sums sequentially; float32 sums in double), exp/log
// come from libdevice: a few ulp, plus the summation-order difference over n terms in float64.
const SOFTMAX_SUM: Partial<Record<FloatDType, Partial<DeviceTols>>> = {
  float64: { cuda: { rtol: 2e-14, rtolPerTerm: 1e-16, atol: 1e-15, atolPerTerm: 1e-17 } },
  float32: { cuda: { rtol: 5e-7, atol: 1e-7 } },
};
// libdevice vs glibc: up to ~8 ulp (powf in float32, ~8 double ulp in float64).
const LIBM: Partial<Record<FloatDType, Partial<DeviceTols>>> = {
  float64: { cuda: { rtol: 2e-15, atol: 1e-300 } },
  float32: { cuda: { rtol: 1e-6, atol: 1e-37 } },
};
// sigmoid/tanh backward: the forward outputs may differ by an ulp and 1 - t loses that ulp's
// relative accuracy near |t| = 1, hence an absolute tolerance.
const LIBM_GRAD: Partial<Record<FloatDType, Partial<DeviceTols>>> = {
  float64: { cuda: { rtol: 1e-13, atol: 1e-15 } },
  float32: { cuda: { rtol: 1e-5, atol: 1e-6 } },
};
// Float sums on CUDA run in a fixed order other than the CPU's: per summed term of magnitude <= 2
// (the inputs of the reduction checks are in [-2, 2)), atol grows by 2 * 1e-15 (float32: the CPU
// sums float32 in double) or 2 * 3e-16 (float64).
const SUM: Partial<Record<FloatDType, Partial<DeviceTols>>> = {
  float64: { cuda: { rtol: 1e-14, atol: 1e-300, atolPerTerm: 6e-16 } },
  float32: { cuda: { rtol: 2.5e-7, atol: 1e-30, atolPerTerm: 2e-15 } },
};
// Optimizer steps: 5 steps from PyTorch's gradients; CUDA rounds every operation as the CPU does (no
// FMA contraction), so whole trajectories are bit-identical.
const OPTIM: Partial<Record<FloatDType, Partial<DeviceTols>>> = {
  float64: { cpu: { rtol: 1e-10, atol: 1e-12 }, cuda: EXACT },
  float32: { cpu: { rtol: 1e-5, atol: 1e-5 }, cuda: EXACT },
};

export const TOLERANCES: Record<string, Partial<Record<FloatDType, Partial<DeviceTols>>>> = {
  conv1d: GEMM,
  conv2d: GEMM,
  conv3d: GEMM,
  conv_transpose: GEMM,
  // the CUDA reductions (sum over D for perSampleWeights' gradient) add in another order than the CPU
  embedding: GEMM,
  matmul: GEMM,
  linear: GEMM,
  // the pooled output of integer-valued inputs and weights is exact on both devices
  conv2d_relu_max_pool2d: { float64: { cuda: EXACT }, float32: { cuda: EXACT } },
  'conv2d_relu_max_pool2d.grad': GEMM,
  softmax: SOFTMAX_SUM,
  log_softmax: SOFTMAX_SUM,
  // gradients: 4x the relative and 8 sqrt(n) x the absolute tolerance of the forward
  'softmax.grad': {
    float64: { cuda: { rtol: 8e-14, rtolPerTerm: 4e-16, atol: 8e-15, atolPerTerm: 8e-17, sqrtTerms: true } },
    float32: { cuda: { rtol: 2e-6, atol: 8e-7, sqrtTerms: true } },
  },
  'log_softmax.grad': {
    float64: { cuda: { rtol: 8e-14, rtolPerTerm: 4e-16, atol: 8e-15, atolPerTerm: 8e-17, sqrtTerms: true } },
    float32: { cuda: { rtol: 2e-6, atol: 8e-7, sqrtTerms: true } },
  },
  // +-900, +-inf and NaN logits: log-softmax outputs are O(|x|), so an absolute 1e-12
  'log_softmax.extreme_logits': {
    float64: { cuda: { rtol: 2e-14, rtolPerTerm: 1e-16, atol: 1e-12 } },
    float32: { cuda: { rtol: 5e-7, atol: 1e-12 } },
  },
  // NLL picks one term per row: reduction 'none' is bit-identical, 'sum'/'mean' sum N terms
  nll_loss: SOFTMAX_SUM,
  'nll_loss.none': { float64: { cuda: EXACT }, float32: { cuda: EXACT } },
  cross_entropy: SOFTMAX_SUM,
  sum: SUM,
  mean: SUM,
  exp: LIBM,
  log: LIBM,
  sigmoid: LIBM,
  tanh: LIBM,
  pow: LIBM,
  // the elementwise math of test/ops/math.test.ts: libdevice's sin/erf/... vs glibc's
  math: LIBM,
  'sigmoid.grad': LIBM_GRAD,
  'tanh.grad': LIBM_GRAD,
  // normal draws: every rounded step is shared but log/cos (libdevice)
  randn: {
    float64: { cuda: { rtol: 2e-15, atol: 1e-300 } },
    float32: { cuda: { rtol: 2.4e-7, atol: 1e-45 } },
  },
  adam: OPTIM,
  sgd: OPTIM,
};

function isFloat(dtype: DType | string): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

/** The Tol of `key` for dtype and device: the key's own entry, else its op's, else DEFAULT. */
export function tolEntry(key: string, dtype: DType | string, device: TestDevice): Tol {
  if (!isFloat(dtype)) return EXACT;
  const base = key.split('.')[0];
  return TOLERANCES[key]?.[dtype]?.[device] ?? TOLERANCES[base]?.[dtype]?.[device] ?? DEFAULT[dtype][device];
}

/** A Tol resolved for a check's magnitude and number of summed terms (see the top of this file). */
export function resolve(t: Tol, ctx: TolContext = {}): { rtol: number; atol: number } {
  const n = ctx.terms ?? 1;
  const rtol = t.rtol + (t.rtolPerTerm ?? 0) * n;
  let atol = t.atol + (t.atolPerTerm ?? 0) * n;
  if (t.magnitude) atol *= Math.max(1, ctx.magnitude ?? 1);
  if (t.sqrtTerms) atol *= Math.sqrt(Math.max(1, n));
  return { rtol, atol };
}

/** The tolerance of `device`'s own check: the CPU against PyTorch, CUDA against the CPU. */
export function tol(key: string, dtype: DType | string, device: TestDevice, ctx: TolContext = {}): { rtol: number; atol: number } {
  return resolve(tolEntry(key, dtype, device), ctx);
}

/** The tolerance of a result on `device` against the PyTorch reference: the CPU's, plus (off the CPU) the device's distance from the CPU. */
export function refTol(key: string, dtype: DType | string, device: TestDevice, ctx: TolContext = {}): { rtol: number; atol: number } {
  const c = tol(key, dtype, 'cpu', ctx);
  if (device === 'cpu') return c;
  const d = tol(key, dtype, device, ctx);
  return { rtol: c.rtol + d.rtol, atol: c.atol + d.atol };
}
