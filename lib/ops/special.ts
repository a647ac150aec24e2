// lib/ops/special.ts — PyTorch 1.13's special functions (torch.special) and the elementwise
// functions of torch that were missing: logaddexp, logaddexp2, sinc, xlog1py, ldexp, frexp, gcd, lcm,
// trapezoid / trapz, cumulativeTrapezoid, polygamma, mvlgamma, entr, erfcx, ndtr, ndtri, logNdtr,
// i0, i0e, i1, i1e, zeta (Hurwitz), gammainc and gammaincc (torch.igamma / torch.igammac).
// Contract: PyTorch's values, dtypes (integer and bool inputs give the default float dtype where
// PyTorch's result is floating), nan / inf handling and refusals. Everything is composed of the ops of
// lib/ops/elementwise.ts in TypeScript (no native code), computed in float64 and cast back:
//  * composed differentiably (so the gradients, and second derivatives, are autograd's): logaddexp,
//    logaddexp2, sinc, xlog1py, ldexp, ndtr (PyTorch's own composite (1 + erf(x/sqrt 2)) / 2),
//    mvlgamma (a sum of lgamma), trapezoid, cumulativeTrapezoid, polygamma(0) (digamma);
//  * values by the algorithms of PyTorch's ATen/native/Math.h (Cephes: the Chebyshev series of
//    i0 / i0e / i1 / i1e, the rational approximations of ndtri, the Euler-Maclaurin zeta with its
//    per-element stopping rules, trigamma's series for polygamma(1)), or where Math.h's code is too
//    large to port, accurate float64 algorithms (erfcx: exp(x^2) erfc(x) below 2, Laplace's continued
//    fraction above; gammainc / gammaincc: the power series and the Legendre continued fraction), with
//    PyTorch's derivative formulas as autograd nodes (first order only: a second derivative through
//    them is ERR_TORCHLET_NOT_IMPLEMENTED). As in PyTorch, zeta has no gradient for its first
//    argument x and gammainc / gammaincc none for theirs (a backward that needs one is
//    ERR_TORCHLET_NOT_IMPLEMENTED naming it).
// gcd and lcm take integer tensors only (not differentiable); lcm is exact while |lcm| < 2^53.
import { Tensor, DType, isFloating, checkTensor, normDim } from '../tensor';
import { typeArg, dtypeError, checkOptionKeys, noExtraArgs, invalidArg, checkInt, shapeError, TorchletError } from '../errors';
import { noGrad, record } from '../autograd';
import type { GradOp } from '../autograd';
import { full, arange, zeros } from '../creation';
import { defaultFloat } from '../default_dtype';
import * as E from './elementwise';
import { where } from './index';
import { sum } from './reduce';
import { narrow, reshape, unsqueeze } from './shape';
import { cumsum } from './scan';
import { lgamma, digamma, erfc } from './elementwise_more';

// ---- helpers ------------------------------------------------------------------------------------
/** The floating dtype of a result of inputs of these dtypes (integers and bool: the default float dtype). */
function floatResult(...ds: DType[]): DType {
  const d = ds.reduce((a, b) => E.promoteTypes(a, b));
  return isFloating(d) ? d : defaultFloat();
}
const to = (x: Tensor, dt: DType): Tensor => (x.dtype === dt ? x : E.cast(x, dt));
const f64 = (x: Tensor): Tensor => to(x, 'float64');
/** A number operand as a 0-d tensor that does not change the result dtype (PyTorch's wrapped numbers). */
function scalarLike(v: number, like: Tensor): Tensor {
  return full([], v, { dtype: floatResult(like.dtype), device: like.device });
}
/** Two operands (tensors, or one of them a number) checked and cast to their common floating dtype. */
function floatPair(fn: string, input: Tensor | number, other: Tensor | number, names: [string, string] = ['input', 'other'], numbers = true): [Tensor, Tensor, DType] {
  if (typeof input === 'number' || typeof other === 'number') {
    if (!numbers) typeArg(typeof input === 'number' ? names[0] : names[1], `a tensor (${fn} takes no numbers, as in PyTorch)`, typeof input === 'number' ? input : other);
    if (typeof input === 'number' && typeof other === 'number') typeArg(names[0], `a tensor (${names[0]} or ${names[1]} must be a tensor)`, input);
  }
  const a = typeof input === 'number' ? null : checkTensor(names[0], input);
  const b = typeof other === 'number' ? null : checkTensor(names[1], other);
  const like = (a ?? b)!;
  const dt = a && b ? floatResult(a.dtype, b.dtype) : floatResult(like.dtype);
  const x = a ? to(a, dt) : scalarLike(input as number, like);
  const y = b ? to(b, dt) : scalarLike(other as number, like);
  if (a && b) E.broadcastShapes(a.shape, b.shape, names);
  return [x, y, dt];
}
/** A polynomial c[0] x^n + c[1] x^(n-1) + ... + c[n] (Cephes' polevl: highest degree first). */
function polevl(x: Tensor, c: readonly number[]): Tensor {
  let r = E.add(E.mul(x, 0), c[0]);
  for (let i = 1; i < c.length; i++) r = E.add(E.mul(r, x), c[i]);
  return r;
}
/** Cephes' chbevl: the Chebyshev series sum' c_i T_i(x / 2), coefficients highest order first. */
function chbevl(x: Tensor, c: readonly number[]): Tensor {
  let b0 = E.add(E.mul(x, 0), c[0]);
  let b1 = E.mul(x, 0);
  let b2 = b1;
  for (let i = 1; i < c.length; i++) {
    b2 = b1;
    b1 = b0;
    b0 = E.add(E.sub(E.mul(x, b1), b2), c[i]);
  }
  return E.mul(E.sub(b0, b2), 0.5);
}
/** The not-implemented error of a gradient PyTorch does not define. */
function noDerivative(what: string): never {
  throw new TorchletError(`torchlet: the derivative for '${what}' is not implemented (as in PyTorch)`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}
/**
 * A unary function computed in float64 without a graph (value(x64)), cast to the result dtype, with
 * the autograd node `op` whose backward is g * deriv(x64, y64).
 */
function unaryNode(input: Tensor, op: GradOp, value: (x: Tensor) => Tensor, deriv: (x: Tensor, y: Tensor) => Tensor): Tensor {
  checkTensor('input', input);
  const dt = floatResult(input.dtype);
  const x = to(input, dt);
  const y64 = noGrad(() => value(f64(x)));
  const out = dt === 'float64' ? y64 : noGrad(() => E.cast(y64, dt));
  return record(out, [x], op, (g) => [E.mul(g, to(deriv(f64(x), y64), dt))], [x]);
}

// ---- logaddexp, logaddexp2, sinc, xlog1py, ldexp -------------------------------------------------
function logaddexpOf(fn: string, input: Tensor, other: Tensor, base2: boolean): Tensor {
  checkTensor('input', input);
  checkTensor('other', other);
  const dt = E.promoteTypes(input.dtype, other.dtype);
  if (!isFloating(dt)) dtypeError('input', `floating-point tensors (${fn} is not implemented for integers, as in PyTorch)`, input);
  const [a, b] = [to(input, dt), to(other, dt)];
  // PyTorch: a where a == b is infinite, else max(a, b) + log1p(exp(-|a - b|)) (base 2: exp2, / ln 2)
  const same = noGrad(() => E.logicalAnd(E.isinf(a), E.eq(a, b)));
  const d = where(same, 0, E.sub(a, b));
  const e = E.neg(E.abs(d));
  const tail = base2 ? E.div(E.log1p(E.exp2(e)), Math.LN2) : E.log1p(E.exp(e));
  return where(same, a, E.add(E.maximum(a, b), tail));
}
/** log(exp(input) + exp(other)), without overflow; floating-point tensors (broadcasting). */
export function logaddexp(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('logaddexp', 'input, other', rest);
  return logaddexpOf('logaddexp', input, other, false);
}
/** log2(2^input + 2^other), without overflow; floating-point tensors (broadcasting). */
export function logaddexp2(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('logaddexp2', 'input, other', rest);
  return logaddexpOf('logaddexp2', input, other, true);
}
/** The normalized sinc, sin(pi x) / (pi x), 1 at 0 (computed in float64; integers give the default float dtype). */
export function sinc(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('sinc', 'input', rest);
  checkTensor('input', input);
  const dt = floatResult(input.dtype);
  const x = f64(to(input, dt));
  const zero = noGrad(() => E.eq(x, 0));
  const px = E.mul(where(zero, 1, x), Math.PI);
  return to(where(zero, 1, E.div(E.sin(px), px)), dt);
}
/**
 * x * log1p(y), 0 where x == 0 (unless y is NaN); x or y may be a number (torch.special.xlog1py).
 * Gradients as PyTorch's: log1p(y) for x (also where x == 0), x / (1 + y) for y.
 */
export function xlog1py(input: Tensor | number, other: Tensor | number, ...rest: never[]): Tensor {
  noExtraArgs('xlog1py', 'input, other', rest);
  const [x, y] = floatPair('xlog1py', input, other);
  // where x == 0 and log1p(y) is infinite (y <= -1 or y = inf), 0 * log1p(y) would not be 0: y is replaced there
  const mask = noGrad(() => E.logicalAnd(E.eq(x, 0), E.logicalOr(E.le(y, -1), E.isinf(y))));
  return E.mul(x, E.log1p(where(mask, 0, y)));
}
/** input * 2^other (torch.ldexp); integers and bools give the default float dtype. */
export function ldexp(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('ldexp', 'input, other', rest);
  checkTensor('input', input);
  checkTensor('other', other);
  const dt = floatResult(input.dtype, other.dtype);
  return E.mul(to(input, dt), E.exp2(to(other, dt)));
}

// ---- frexp -----------------------------------------------------------------------------------------------
/** frexp's two results: `{mantissa, exponent}`, also destructured as `[mantissa, exponent]`. */
export class Frexp {
  constructor(
    readonly mantissa: Tensor,
    readonly exponent: Tensor,
  ) {}
  get 0(): Tensor {
    return this.mantissa;
  }
  get 1(): Tensor {
    return this.exponent;
  }
  get length(): 2 {
    return 2;
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    yield this.mantissa;
    yield this.exponent;
  }
}
/**
 * torch.frexp: input = mantissa * 2^exponent with |mantissa| in [0.5, 1) (0, +-inf and NaN keep
 * themselves with exponent 0); exponent int32. Floating-point input only; the mantissa is
 * differentiable (gradient 2^-exponent).
 */
export function frexp(input: Tensor, ...rest: never[]): Frexp {
  noExtraArgs('frexp', 'input', rest);
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor (torch.frexp() only supports floating-point dtypes)', input);
  const e = noGrad(() => {
    const x = f64(input);
    const ax = E.abs(x);
    const finite = E.logicalAnd(E.isfinite(x), E.ne(x, 0));
    const safe = where(finite, ax, 1);
    let ex = E.add(E.floor(E.log2(safe)), 1);
    // |x| 2^-e, scaled in two halves (2^1073 overflows; subnormals need it)
    const scaled = (k: Tensor) => {
      const h = E.floor(E.mul(k, 0.5));
      return E.mul(E.mul(safe, E.exp2(E.neg(h))), E.exp2(E.neg(E.sub(k, h))));
    };
    ex = where(E.ge(scaled(ex), 1), E.add(ex, 1), ex);
    ex = where(E.lt(scaled(ex), 0.5), E.sub(ex, 1), ex);
    return where(finite, ex, 0);
  });
  const h = noGrad(() => E.floor(E.mul(e, 0.5)));
  const scale = (t: Tensor) => to(noGrad(() => E.exp2(E.neg(t))), 'float64');
  const m = E.mul(E.mul(f64(input), scale(h)), noGrad(() => scale(E.sub(e, h))));
  return new Frexp(to(m, input.dtype), noGrad(() => E.cast(e, 'int32')));
}

// ---- gcd, lcm ---------------------------------------------------------------------------------------
function intPair(fn: string, input: Tensor, other: Tensor): [Tensor, Tensor, DType] {
  checkTensor('input', input);
  checkTensor('other', other);
  for (const [n, t] of [['input', input], ['other', other]] as const)
    if (isFloating(t.dtype) || t.dtype === 'bool') dtypeError(n, `an integer tensor (${fn} is not implemented for ${t.dtype}, as in PyTorch)`, t);
  const dt = E.promoteTypes(input.dtype, other.dtype);
  E.broadcastShapes(input.shape, other.shape);
  return [to(input, dt), to(other, dt), dt];
}
function gcdOf(a0: Tensor, b0: Tensor): Tensor {
  return noGrad(() => {
    // Euclid on |a|, |b|, broadcast: at most ~92 steps for int64
    let a = E.abs(E.add(a0, E.mul(b0, 0)));
    let b = E.abs(E.add(b0, E.mul(a0, 0)));
    for (let k = 0; k < 200; k++) {
      const nz = E.ne(b, 0);
      if (sum(nz).item() === 0) break;
      const r = where(nz, E.fmod(a, where(nz, b, 1)), 0);
      a = where(nz, b, a);
      b = r;
    }
    return a;
  });
}
/** The greatest common divisor of |input| and |other|, elementwise (integer tensors; gcd(0, 0) = 0). */
export function gcd(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('gcd', 'input, other', rest);
  const [a, b] = intPair('gcd', input, other);
  return gcdOf(a, b);
}
/** The least common multiple of |input| and |other|, elementwise (integer tensors; 0 where either is 0). */
export function lcm(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('lcm', 'input, other', rest);
  const [a, b, dt] = intPair('lcm', input, other);
  return noGrad(() => {
    const g = gcdOf(a, b);
    const zero = E.eq(g, 0);
    // |a| * (|b| / g): the quotient is exact (g divides b)
    const q = E.cast(E.round(E.div(E.cast(E.abs(b), 'float64'), E.cast(where(zero, 1, g), 'float64'))), dt);
    return where(zero, 0, E.abs(E.mul(a, q)));
  });
}

// ---- trapezoid, cumulativeTrapezoid -------------------------------------------------------------------
export interface TrapezoidOptions {
  /** the spacing of the samples when no x is given; default 1 */
  dx?: number;
  /** the dimension integrated along; default -1 */
  dim?: number;
}
function trapezoidArgs(fn: string, y: Tensor, x: Tensor | TrapezoidOptions | null | undefined, opts: TrapezoidOptions | undefined): { y: Tensor; x: Tensor | null; dx: number; dim: number } {
  checkTensor('y', y);
  let xs: Tensor | null = null;
  let o: TrapezoidOptions | undefined = opts;
  if (x instanceof Tensor) xs = x;
  else if (x !== undefined && x !== null) {
    if (typeof x !== 'object' || Array.isArray(x)) typeArg('x', 'a tensor of sample points, or the options object', x);
    if (opts !== undefined) invalidArg('opts', 'no second options object', opts);
    o = x;
  }
  const op = checkOptionKeys('opts', o, ['dx', 'dim']);
  if (op.dx !== undefined && (typeof op.dx !== 'number' || Number.isNaN(op.dx))) typeArg('opts.dx', 'a number', op.dx);
  if (xs && op.dx !== undefined) invalidArg('opts.dx', `no dx when x is given (${fn} takes x or dx, as in PyTorch)`, op.dx);
  const dim = op.dim === undefined ? -1 : checkInt('opts.dim', op.dim);
  if (y.dtype === 'bool') dtypeError('y', `a numeric tensor (${fn} does not support bool, as in PyTorch)`, y);
  if (xs && xs.dtype === 'bool') dtypeError('x', `a numeric tensor (${fn} does not support bool, as in PyTorch)`, xs);
  if (y.ndim === 0) invalidArg('opts.dim', `a dimension of y (y is 0-d)`, dim);
  return { y, x: xs, dx: op.dx ?? 1, dim: normDim(dim, y.ndim, 'opts.dim') };
}
/** x viewed so that its differences along dim broadcast with y's (PyTorch's rules), then those differences. */
function sampleSpacing(fn: string, x: Tensor, y: Tensor, dim: number): Tensor {
  let xv = x;
  if (x.ndim === 1) {
    if (x.shape[0] !== y.shape[dim]) shapeError('x', `one sample point for each of the ${y.shape[dim]} samples of y along dim ${dim} (${fn})`, x);
    const s = new Array(y.ndim).fill(1);
    s[dim] = x.shape[0];
    xv = reshape(x, s);
  } else if (x.ndim < y.ndim) xv = reshape(x, [...new Array(y.ndim - x.ndim).fill(1), ...x.shape]);
  if (xv.ndim !== y.ndim) shapeError('x', `at most ${y.ndim} dimensions (those of y)`, x);
  const n = xv.shape[dim];
  const m = Math.max(n - 1, 0);
  return E.sub(narrow(xv, dim, Math.min(1, n), m), narrow(xv, dim, 0, m));
}
/**
 * torch.trapezoid(y, x?, {dx=1, dim=-1}): the trapezoidal rule along dim, with sample points x (a
 * tensor: 1-D along dim, or broadcasting with y) or the spacing dx. An empty dim gives zeros.
 */
export function trapezoid(y: Tensor, x?: Tensor | TrapezoidOptions | null, opts?: TrapezoidOptions, ...rest: never[]): Tensor {
  noExtraArgs('trapezoid', 'y, x, { dx, dim }', rest);
  const a = trapezoidArgs('trapezoid', y, x, opts);
  const Y = a.y;
  const n = Y.shape[a.dim];
  if (n === 0) return zeros(Y.shape.filter((_s, i) => i !== a.dim), { dtype: Y.dtype, device: Y.device });
  if (a.x) {
    const d = sampleSpacing('trapezoid', a.x, Y, a.dim);
    return E.div(sum(E.mul(E.add(narrow(Y, a.dim, 1, n - 1), narrow(Y, a.dim, 0, n - 1)), d), a.dim), 2);
  }
  // (sum(y) - (y[0] + y[-1]) / 2) * dx, as PyTorch
  const ends = E.mul(E.add(narrow(Y, a.dim, 0, 1), narrow(Y, a.dim, n - 1, 1)), 0.5);
  return E.mul(E.sub(sum(Y, a.dim), reshape(ends, Y.shape.filter((_s, i) => i !== a.dim))), a.dx);
}
/** torch.trapz: trapezoid's older name (the same arguments). */
export function trapz(y: Tensor, x?: Tensor | TrapezoidOptions | null, opts?: TrapezoidOptions, ...rest: never[]): Tensor {
  noExtraArgs('trapz', 'y, x, { dx, dim }', rest);
  return trapezoid(y, x, opts);
}
/** torch.cumulative_trapezoid(y, x?, {dx=1, dim=-1}): the running trapezoidal integral (one sample shorter along dim). */
export function cumulativeTrapezoid(y: Tensor, x?: Tensor | TrapezoidOptions | null, opts?: TrapezoidOptions, ...rest: never[]): Tensor {
  noExtraArgs('cumulativeTrapezoid', 'y, x, { dx, dim }', rest);
  const a = trapezoidArgs('cumulativeTrapezoid', y, x, opts);
  const Y = a.y;
  const n = Y.shape[a.dim];
  const m = Math.max(n - 1, 0);
  const pairs = E.add(narrow(Y, a.dim, 0, m), narrow(Y, a.dim, Math.min(1, n), m));
  // (dx / 2) * (y[:-1] + y[1:]), cumulated: always floating (dx / 2. is a float in PyTorch)
  const scaled = a.x ? E.mul(E.div(sampleSpacing('cumulativeTrapezoid', a.x, Y, a.dim), 2), pairs) : E.mul(to(pairs, floatResult(pairs.dtype)), a.dx / 2);
  return cumsum(to(scaled, floatResult(scaled.dtype)), a.dim);
}

// ---- entr, erfcx, ndtr, ndtri, logNdtr ---------------------------------------------------------------
/** -x log x for x > 0, 0 at 0, -inf for x < 0 (torch.special.entr); gradient -(1 + log x). */
export function entr(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('entr', 'input', rest);
  return unaryNode(
    input,
    'SpecialEntrBackward',
    (x) => {
      const pos = E.gt(x, 0);
      const v = E.neg(E.mul(x, E.log(where(pos, x, 1))));
      return where(pos, v, where(E.eq(x, 0), 0, where(E.lt(x, 0), -Infinity, x)));
    },
    (x) => E.neg(E.add(E.log(x), 1)),
  );
}
/** erfcx in float64: exp(x^2) erfc(x); Laplace's continued fraction for x >= 2 (where erfc underflows). */
function erfcx64(x: Tensor): Tensor {
  const big = E.ge(x, 2);
  const xs = where(big, 1, x);
  const small = E.mul(E.exp(E.mul(xs, xs)), erfc(xs));
  const xc = where(big, x, 2);
  let t = xc;
  for (let k = 60; k >= 1; k--) t = E.add(xc, E.rdiv(k / 2, t));
  const cf = E.rdiv(1 / Math.sqrt(Math.PI), t);
  return where(big, cf, small);
}
/** The scaled complementary error function exp(x^2) erfc(x) (torch.special.erfcx). */
export function erfcx(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('erfcx', 'input', rest);
  return unaryNode(input, 'SpecialErfcxBackward', erfcx64, (x, y) => E.sub(E.mul(E.mul(x, y), 2), 2 / Math.sqrt(Math.PI)));
}
/** The standard normal CDF, (1 + erf(x / sqrt 2)) / 2, PyTorch's formula (torch.special.ndtr). */
export function ndtr(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('ndtr', 'input', rest);
  checkTensor('input', input);
  const x = to(input, floatResult(input.dtype));
  return E.mul(E.add(E.erf(E.mul(x, Math.SQRT1_2)), 1), 0.5);
}
// Cephes ndtri's rational approximations (PyTorch's calc_ndtri)
const NDTRI_P0 = [-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1, 1.39312609387279679503e1, -1.23916583867381258016e0];
const NDTRI_Q0 = [1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1, -2.25462687854119370527e2, 2.00260212380060660359e2,
  -8.20372256168333339912e1, 1.59056225126211695515e1, -1.18331621121330003142e0];
const NDTRI_P1 = [4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1, 4.40805073893200834700e1, 1.46849561928858024014e1,
  2.18663306850790267539e0, -1.40256079171354495875e-1, -3.50424626827848203418e-2, -8.57456785154685413611e-4];
const NDTRI_Q1 = [1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1, 1.50425385692907503408e1, 2.50464946208309415979e0,
  -1.42182922854787788574e-1, -3.80806407691578277194e-2, -9.33259480895457427372e-4];
const NDTRI_P2 = [3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0, 1.33303460815807542389e0, 2.01485389549179081538e-1,
  1.23716634817820021358e-2, 3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9];
const NDTRI_Q2 = [1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0, 2.16236993594496635890e-1, 1.34204006088543189037e-2,
  3.28014464682127739104e-4, 2.89247864745380683936e-6, 6.79019408009981274425e-9];
const EXPM2 = 0.13533528323661269189; // exp(-2)
function ndtri64(y0: Tensor): Tensor {
  const flip = E.gt(y0, 1 - EXPM2);
  const y = where(flip, E.rsub(1, y0), y0);
  const mid = E.gt(y, EXPM2);
  // |y - 1/2| <= 3/8
  const ym = E.sub(where(mid, y, 0.5), 0.5);
  const y2 = E.mul(ym, ym);
  const xm = E.mul(E.add(ym, E.mul(ym, E.div(E.mul(y2, polevl(y2, NDTRI_P0)), polevl(y2, NDTRI_Q0)))), 2.50662827463100050242);
  // the tails: x = sqrt(-2 log y)
  const yt = where(mid, 0.01, y);
  const x = E.sqrt(E.mul(E.log(yt), -2));
  const x0 = E.sub(x, E.div(E.log(x), x));
  const z = E.reciprocal(x);
  const lt8 = E.lt(x, 8);
  const x1 = where(lt8, E.div(E.mul(z, polevl(z, NDTRI_P1)), polevl(z, NDTRI_Q1)), E.div(E.mul(z, polevl(z, NDTRI_P2)), polevl(z, NDTRI_Q2)));
  const xt0 = E.sub(x0, x1);
  const xt = where(flip, xt0, E.neg(xt0));
  let out = where(mid, xm, xt);
  out = where(E.eq(y0, 0), -Infinity, out);
  out = where(E.eq(y0, 1), Infinity, out);
  return where(E.logicalOr(E.lt(y0, 0), E.gt(y0, 1)), NaN, out);
}
/** The inverse of the standard normal CDF (torch.special.ndtri): -inf at 0, inf at 1, NaN outside [0, 1]. */
export function ndtri(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('ndtri', 'input', rest);
  return unaryNode(input, 'SpecialNdtriBackward', ndtri64, (_x, y) => E.mul(E.exp(E.div(E.mul(y, y), 2)), Math.sqrt(2 * Math.PI)));
}
/** log of the standard normal CDF, accurate in both tails (torch.special.log_ndtr). */
export function logNdtr(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('logNdtr', 'input', rest);
  return unaryNode(
    input,
    'SpecialLogNdtrBackward',
    (x) => {
      // PyTorch: x < -1: log(erfcx(-t) / 2) - t^2; else log1p(-erfc(t) / 2), t = x / sqrt 2
      const t = E.mul(x, Math.SQRT1_2);
      const low = E.lt(x, -1);
      const tl = where(low, t, -1);
      const lo = E.sub(E.log(E.div(erfcx64(E.neg(tl)), 2)), E.mul(tl, tl));
      const hi = E.log1p(E.div(erfc(where(low, 0, t)), -2));
      return where(low, lo, hi);
    },
    (x, y) => E.div(E.exp(E.neg(E.add(y, E.div(E.mul(x, x), 2)))), Math.sqrt(2 * Math.PI)),
  );
}

// ---- modified Bessel functions i0, i0e, i1, i1e ---------------------------------------------------
// Cephes' Chebyshev coefficients (PyTorch's chebyshev_coefficients_i0e_A/B, i1e_A/B, double)
const I0E_A = [-4.4153416464793393795e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16, 1.71539128555513303061e-15, -1.16853328779934516808e-14,
  7.67618549860493561688e-14, -4.8564467831119294609e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11, 9.67580903537323691224e-11,
  -5.18979560163526290666e-10, 2.65982372468238665035e-9, -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
  1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5, -5.75419501008210370398e-5, 1.88502885095841655729e-4,
  -5.76375574538582365885e-4, 1.63947561694133579842e-3, -4.3243099950505759443e-3, 1.05464603945949983183e-2, -2.37374148058994688156e-2,
  4.93052842396707084878e-2, -9.4901097048047644421e-2, 1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1];
const I0E_B = [-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17, 3.4612228676974610931e-17, -2.82762398051658348494e-16,
  -3.42548561967721913462e-16, 1.7725601330565263836e-15, 3.81168066935262242075e-15, -9.5548466988283076487e-15, -4.15056934728722208663e-14,
  1.54008621752140982691e-14, 3.85277838274214270114e-13, 7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
  -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.9406023882249695891e-10, 3.39623202570838634515e-9, 2.26666899049817806459e-8,
  2.04891858946906374183e-7, 2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.3691164782556940899e-3, 8.04490411014108831608e-1];
const I1E_A = [2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16, -1.10559694773538630805e-15, 7.6006842947354069341e-15,
  -5.04218550472791168711e-14, 3.22379336594557470981e-13, -1.9839743977649437152e-12, 1.17361862988909016308e-11, -6.66348972350202774223e-11,
  3.62559028155211703701e-10, -1.8872497517228292879e-9, 9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
  -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5, 4.78156510755005422638e-5, -1.61760815825896745588e-4,
  5.12285956168575772895e-4, -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2, 2.47264490306265168283e-2,
  -5.29459812080949914269e-2, 1.02643658689847095384e-1, -1.76416518357834055153e-1, 2.52587186443633654823e-1];
const I1E_B = [7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17, -3.2095259219934239598e-17, 2.96262899764595013876e-16,
  3.30820231092092828324e-16, -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14, 4.27244001671195135429e-14,
  -2.10154184277266431302e-14, -4.08355111109219731823e-13, -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
  3.25260358301548823856e-11, -1.8974958123505412345e-11, -5.58974346219658380687e-10, -3.83538038596423702205e-9, -2.63146884688951950684e-8,
  -2.51223623787020892529e-7, -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3, 7.78576235018280120474e-1];
/** exp(-|x|) I_nu(|x|) (without the sign of I1), by the two Chebyshev series of Cephes. */
function besselScaled(x: Tensor, order: 0 | 1): Tensor {
  const ax = E.abs(x);
  const small = E.le(ax, 8);
  const xa = where(small, ax, 8);
  const xb = where(small, 9, ax);
  const [A, B] = order === 0 ? [I0E_A, I0E_B] : [I1E_A, I1E_B];
  let lo = chbevl(E.sub(E.div(xa, 2), 2), A);
  if (order === 1) lo = E.mul(lo, xa);
  const hi = E.div(chbevl(E.sub(E.rdiv(32, xb), 2), B), E.sqrt(xb));
  return where(small, lo, hi);
}
const withSign = (x: Tensor, v: Tensor): Tensor => where(E.lt(x, 0), E.neg(v), v);
const i0e64 = (x: Tensor): Tensor => besselScaled(x, 0);
const i1e64 = (x: Tensor): Tensor => withSign(x, besselScaled(x, 1));
// PyTorch's exp(|x|) * (the scaled series): inf * 0 at infinities is NaN there too
const i064 = (x: Tensor): Tensor => {
  const ax = E.abs(x);
  const small = E.le(ax, 8);
  const xb = where(small, 9, ax);
  const lo = chbevl(E.sub(E.div(where(small, ax, 8), 2), 2), I0E_A);
  const hi = E.div(E.mul(E.exp(xb), chbevl(E.sub(E.rdiv(32, xb), 2), I0E_B)), E.sqrt(xb));
  return where(small, E.mul(E.exp(ax), lo), hi);
};
const i164 = (x: Tensor): Tensor => {
  const ax = E.abs(x);
  const small = E.le(ax, 8);
  const xa = where(small, ax, 8);
  const xb = where(small, 9, ax);
  const lo = E.mul(E.mul(E.exp(xa), xa), chbevl(E.sub(E.div(xa, 2), 2), I1E_A));
  const hi = E.div(E.mul(E.exp(xb), chbevl(E.sub(E.rdiv(32, xb), 2), I1E_B)), E.sqrt(xb));
  return withSign(x, where(small, lo, hi));
};
/** x with |x| <= eps replaced by eps (PyTorch's i1 / i1e backward, whose gradient at 0 is 1/2). */
const EPS64 = 2.220446049250313e-16;
/** The modified Bessel function of the first kind of order 0 (torch.i0 / torch.special.i0); gradient i1. */
export function i0(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('i0', 'input', rest);
  return unaryNode(input, 'I0Backward', i064, (x) => i164(x));
}
/** exp(-|x|) i0(x) (torch.special.i0e); gradient i1e(x) - sgn(x) i0e(x). */
export function i0e(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('i0e', 'input', rest);
  return unaryNode(input, 'SpecialI0EBackward', i0e64, (x, y) => E.sub(i1e64(x), E.mul(E.sign(x), y)));
}
/** The modified Bessel function of the first kind of order 1 (torch.special.i1); gradient i0(x) - i1(x) / x (1/2 at 0). */
export function i1(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('i1', 'input', rest);
  return unaryNode(input, 'SpecialI1Backward', i164, (x, y) => {
    const tiny = E.le(E.abs(x), EPS64);
    const xs = where(tiny, EPS64, x);
    return where(tiny, 0.5, E.sub(i064(xs), E.div(y, xs)));
  });
}
/** exp(-|x|) i1(x) (torch.special.i1e); gradient i0e(x) - i1e(x) (sgn(x) + 1/x) (1/2 at 0). */
export function i1e(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('i1e', 'input', rest);
  return unaryNode(input, 'SpecialI1EBackward', i1e64, (x, y) => {
    const tiny = E.le(E.abs(x), EPS64);
    const xs = where(tiny, EPS64, x);
    return where(tiny, 0.5, E.sub(i0e64(xs), E.mul(y, E.add(E.sign(xs), E.reciprocal(xs)))));
  });
}

// ---- zeta, polygamma, mvlgamma -------------------------------------------------------------------------
const ZETA_A = [12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
  -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18];
const MACHEP = 1.11022302462515654042e-16;
/** The most terms summed before the Euler-Maclaurin tail: q down to about -MAX_TERMS. */
const ZETA_MAX_TERMS = 20000;
/**
 * The Hurwitz zeta function sum_k (q + k)^-x in float64, Cephes' algorithm (PyTorch's zeta) run on all
 * elements at once with its per-element stopping rules: the direct sum while fewer than 9 terms or
 * q + k <= 9 (stopping early once a term is below MACHEP of the sum), then the Euler-Maclaurin tail.
 */
function zeta64(x: Tensor, q: Tensor): Tensor {
  const shape = E.broadcastShapes(x.shape, q.shape);
  const X = E.add(x, E.mul(q, 0));
  const Q = E.add(q, E.mul(x, 0));
  const qle0 = E.le(Q, 0);
  const qInt = E.eq(Q, E.floor(Q));
  const inf = E.logicalOr(E.eq(X, 1), E.logicalAnd(qle0, qInt));
  const nan = E.logicalOr(E.lt(X, 1), E.logicalAnd(E.logicalAnd(qle0, E.logicalNot(qInt)), E.ne(X, E.floor(X))));
  const special = E.logicalOr(inf, nan);
  const xs = where(special, 2, X);
  const qs = where(special, 1, Q);
  const negx = E.neg(xs);
  let s = E.pow(qs, negx);
  let a = qs;
  let b = E.mul(qs, 0);
  let done = special; // returned already (or a special value)
  let loop = E.logicalNot(special);
  for (let i = 0; ; i++) {
    if (i >= 9) {
      loop = E.logicalAnd(loop, E.le(a, 9));
      if (sum(loop).item() === 0) break;
      if (i > ZETA_MAX_TERMS)
        invalidArg('q', `values above -${ZETA_MAX_TERMS} where q <= 0 (the direct sum would need more than ${ZETA_MAX_TERMS} terms)`, 'a larger negative value');
    }
    const live = E.logicalAnd(loop, E.logicalNot(done));
    a = where(live, E.add(a, 1), a);
    const bn = E.pow(a, negx);
    b = where(live, bn, b);
    s = where(live, E.add(s, bn), s);
    done = E.logicalOr(done, E.logicalAnd(live, E.logicalAnd(E.lt(E.mul(s, -MACHEP), bn), E.lt(bn, E.mul(s, MACHEP)))));
    loop = E.logicalAnd(loop, E.logicalNot(done));
  }
  // Euler-Maclaurin tail at w = a
  const w = a;
  let act = E.logicalNot(done);
  s = where(act, E.sub(E.add(s, E.div(E.mul(b, w), E.sub(xs, 1))), E.mul(b, 0.5)), s);
  let fa = E.add(E.mul(xs, 0), 1);
  let k = 0;
  for (let i = 0; i < 12; i++) {
    fa = E.mul(fa, E.add(xs, k));
    b = E.div(b, w);
    const t = E.div(E.mul(fa, b), ZETA_A[i]);
    s = where(act, E.add(s, t), s);
    act = E.logicalAnd(act, E.logicalNot(E.lt(E.abs(E.div(t, s)), MACHEP)));
    k += 1;
    fa = E.mul(fa, E.add(xs, k));
    b = E.div(b, w);
    k += 1;
  }
  const out = where(nan, NaN, where(inf, Infinity, s));
  return out.shape.length === shape.length ? out : reshape(out, shape);
}
/** The Hurwitz zeta function sum_{k>=0} (q + k)^-x (torch.special.zeta); x or q may be a number. Gradient: q only, -x zeta(x + 1, q). */
export function zeta(input: Tensor | number, other: Tensor | number, ...rest: never[]): Tensor {
  noExtraArgs('zeta', 'input, other', rest);
  const [x, q, dt] = floatPair('zeta', input, other);
  const y64 = noGrad(() => zeta64(f64(x), f64(q)));
  const out = dt === 'float64' ? y64 : noGrad(() => E.cast(y64, dt));
  return record(out, [x, q], 'SpecialZetaBackward', (g) => {
    if (x.requiresGrad) noDerivative('zeta (with respect to input, the exponent x)');
    const d = noGrad(() => E.mul(E.neg(f64(x)), zeta64(E.add(f64(x), 1), f64(q))));
    return [null, q.requiresGrad ? E.sumTo(E.mul(g, to(d, dt)), q.shape) : null];
  }, [x, q]);
}
/** PyTorch's trigamma (Math.h): the reflection below 1/2, six recurrence steps, then its asymptotic series. */
function trigamma64(x0: Tensor): Tensor {
  const low = E.lt(x0, 0.5);
  const sp = E.sin(E.mul(where(low, x0, 0.25), Math.PI));
  let result = where(low, E.neg(E.rdiv(Math.PI * Math.PI, E.mul(sp, sp))), 0);
  let x = where(low, E.rsub(1, x0), x0);
  for (let i = 0; i < 6; i++) {
    result = E.add(result, E.reciprocal(E.mul(x, x)));
    x = E.add(x, 1);
  }
  const ixx = E.reciprocal(E.mul(x, x));
  const series = E.add(E.add(E.rdiv(1, E.mul(x, 2)), 1), E.mul(ixx, E.rsub(1 / 6, E.mul(ixx, E.rsub(1 / 30, E.mul(ixx, 1 / 42))))));
  result = E.add(result, E.div(series, x));
  return where(low, E.neg(result), result);
}
function polygamma64(n: number, x: Tensor): Tensor {
  if (n === 0) return digamma(x);
  if (n === 1) return trigamma64(x);
  let fact = 1;
  for (let k = 2; k <= n; k++) fact *= k;
  return E.mul(zeta64(full([], n + 1, { dtype: 'float64', device: x.device }), x), (n % 2 ? 1 : -1) * fact);
}
/**
 * The n-th derivative of digamma (torch.polygamma(n, input) / x.polygamma(n)): n = 0 digamma, 1
 * PyTorch's trigamma series, n >= 2 (-1)^(n+1) n! zeta(n + 1, x). Gradient polygamma(n + 1, x).
 */
export function polygamma(n: number, input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('polygamma', 'n, input', rest);
  checkInt('n', n);
  if (n < 0) invalidArg('n', 'an integer >= 0 (polygamma(n, x) does not support negative n)', n);
  checkTensor('input', input);
  if (n === 0) return digamma(to(input, floatResult(input.dtype)));
  return unaryNode(input, 'PolygammaBackward', (x) => polygamma64(n, x), (x) => polygamma64(n + 1, x));
}
/**
 * The multivariate log-gamma function of dimension p (torch.mvlgamma(input, p) /
 * torch.special.multigammaln): sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 log(pi). p >= 1; bool refused.
 */
export function mvlgamma(input: Tensor, p: number | { p?: number }, ...rest: never[]): Tensor {
  noExtraArgs('mvlgamma', 'input, p', rest);
  checkTensor('input', input);
  const pv = p !== null && typeof p === 'object' ? checkOptionKeys('opts', p, ['p']).p : p;
  checkInt('p', pv);
  if ((pv as number) < 1) invalidArg('p', 'an integer >= 1 (p has to be greater than or equal to 1)', pv);
  if (input.dtype === 'bool') dtypeError('input', 'a numeric tensor (the input tensor may not be a boolean tensor)', input);
  const P = pv as number;
  const dt = floatResult(input.dtype);
  const x = to(input, dt);
  const args = arange(-P * 0.5 + 0.5, 0.5, 0.5, { dtype: dt, device: x.device });
  return E.add(sum(lgamma(E.add(unsqueeze(x, -1), args)), -1), (P * (P - 1) * Math.log(Math.PI)) / 4);
}

// ---- gammainc, gammaincc ---------------------------------------------------------------------------------
/** log of x^a e^-x / Gamma(a) in float64 */
const logPrefactor = (a: Tensor, x: Tensor): Tensor => E.sub(E.sub(E.mul(a, E.log(x)), x), lgamma(a));
const IGAM_MAXITER = 2000;
/** P(a, x) by its power series (x < a + 1): x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n)). */
function igamSeries(a: Tensor, x: Tensor): Tensor {
  let r = a;
  let c = E.add(E.mul(a, 0), 1);
  let ans = c;
  for (let i = 0; i < IGAM_MAXITER; i++) {
    r = E.add(r, 1);
    c = E.mul(c, E.div(x, r));
    ans = E.add(ans, c);
    if (i % 8 === 7 && sum(E.gt(c, E.mul(ans, MACHEP))).item() === 0) break;
  }
  return E.div(E.mul(ans, E.exp(logPrefactor(a, x))), a);
}
/** Q(a, x) by Legendre's continued fraction (x >= a + 1), evaluated by the modified Lentz method. */
function igamcFraction(a: Tensor, x: Tensor): Tensor {
  const TINY = 1e-300;
  let b = E.sub(E.add(x, 1), a);
  let c = E.add(E.mul(x, 0), 1 / TINY);
  let d = E.reciprocal(b);
  let h = d;
  for (let i = 1; i <= IGAM_MAXITER; i++) {
    const an = E.mul(E.sub(a, i), i); // -i (i - a)
    b = E.add(b, 2);
    d = E.add(E.mul(d, an), b);
    d = where(E.lt(E.abs(d), TINY), TINY, d);
    c = E.add(b, E.div(an, c));
    c = where(E.lt(E.abs(c), TINY), TINY, c);
    d = E.reciprocal(d);
    const del = E.mul(d, c);
    h = E.mul(h, del);
    if (i % 8 === 0 && sum(E.gt(E.abs(E.sub(del, 1)), MACHEP)).item() === 0) break;
  }
  return E.mul(E.exp(logPrefactor(a, x)), h);
}
/** [P(a, x), Q(a, x)] in float64 with PyTorch's values at the edges of the domain. */
function igamma64(a0: Tensor, x0: Tensor): [Tensor, Tensor] {
  const A = E.add(a0, E.mul(x0, 0));
  const X = E.add(x0, E.mul(a0, 0));
  const nan = E.logicalOr(E.logicalOr(E.lt(X, 0), E.lt(A, 0)), E.logicalOr(E.logicalAnd(E.eq(A, 0), E.le(X, 0)), E.logicalAnd(E.isinf(A), E.isinf(X))));
  const edge = E.logicalOr(E.logicalOr(E.eq(A, 0), E.eq(X, 0)), E.logicalOr(E.isinf(A), E.isinf(X)));
  // at the edges (not NaN): P = 1 where a == 0 or x == inf, else 0 (x == 0 or a == inf)
  const edgeP = E.cast(E.logicalOr(E.eq(A, 0), E.isinf(X)), 'float64');
  const bad = E.logicalOr(nan, edge);
  const a = where(bad, 1, A);
  const x = where(bad, 0.5, X);
  const useSeries = E.lt(x, E.add(a, 1));
  const pS = igamSeries(where(useSeries, a, 1), where(useSeries, x, 0.5));
  const qF = igamcFraction(where(useSeries, 1, a), where(useSeries, 3, x));
  let P = where(useSeries, pS, E.rsub(1, qF));
  let Q = where(useSeries, E.rsub(1, pS), qF);
  P = where(nan, NaN, where(edge, edgeP, P));
  Q = where(nan, NaN, where(edge, E.rsub(1, edgeP), Q));
  return [P, Q];
}
function igammaOf(fn: 'gammainc' | 'gammaincc', input: Tensor, other: Tensor): Tensor {
  const [a, x, dt] = floatPair(fn, input, other, ['input', 'other'], false);
  if (!isFloating(E.promoteTypes(input.dtype, other.dtype)))
    dtypeError('input', `a floating-point input or other (${fn} is not implemented for integers, as in PyTorch)`, input);
  const upper = fn === 'gammaincc';
  const y64 = noGrad(() => igamma64(f64(a), f64(x))[upper ? 1 : 0]);
  const out = dt === 'float64' ? y64 : noGrad(() => E.cast(y64, dt));
  return record(out, [a, x], upper ? 'IgammacBackward' : 'IgammaBackward', (g) => {
    if (a.requiresGrad) noDerivative(`${fn} (with respect to input, the parameter a)`);
    // PyTorch: d/dx = +- exp((a - 1) log x - x - lgamma(a))
    const d = noGrad(() => {
      const A = f64(a);
      const X = f64(x);
      const v = E.exp(E.sub(E.sub(E.mul(E.sub(A, 1), E.log(X)), X), lgamma(A)));
      return to(upper ? E.neg(v) : v, dt);
    });
    return [null, x.requiresGrad ? E.sumTo(E.mul(g, d), x.shape) : null];
  }, [a, x]);
}
/** The regularized lower incomplete gamma function P(a, x) (torch.special.gammainc / torch.igamma); a, x tensors. */
export function gammainc(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('gammainc', 'input, other', rest);
  return igammaOf('gammainc', input, other);
}
/** The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (torch.special.gammaincc / torch.igammac). */
export function gammaincc(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('gammaincc', 'input, other', rest);
  return igammaOf('gammaincc', input, other);
}
/** torch.igamma (x.igamma(other)): gammainc under its torch name. */
export function igamma(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('igamma', 'input, other', rest);
  return igammaOf('gammainc', input, other);
}
/** torch.igammac (x.igammac(other)): gammaincc under its torch name. */
export function igammac(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('igammac', 'input, other', rest);
  return igammaOf('gammaincc', input, other);
}
