// lib/ops/elementwise_more.ts — more elementwise functions of PyTorch 1.13: square, logit, hypot,
// frac, signbit, copysign, heaviside, xlogy, erfc, floatPower, deg2rad, rad2deg, sgn, positive,
// negative, fix, addcmul and addcdiv, rsub(input, other, {alpha}) (other - alpha * input) and
// renorm(input, p, dim, maxnorm). Contract: PyTorch's values, dtypes (integers promote to
// float32 where PyTorch's result is floating; floatPower computes in float64) and refusals, composed
// of the differentiable ops of lib/ops/elementwise.ts so gradients follow (PyTorch's formulas:
// copysign's is 0 at 0, xlogy's 0 where x = 0 and y <= 0, erfc's exact at any x; lgamma's and
// digamma's, digamma and trigamma, follow from their composition). signbit and
// heaviside are not differentiable, as in PyTorch.
import { Tensor, DType, isFloating, checkTensor } from '../tensor';
import { typeArg, dtypeError, checkOptionKeys, noExtraArgs, invalidArg } from '../errors';
import { noGrad } from '../autograd';
import { full } from '../creation';
import * as E from './elementwise';
import * as R from './reduce';
import { where } from './index';
import { defaultFloat } from '../default_dtype';

function operand(name: string, v: unknown, like: Tensor): Tensor {
  if (typeof v === 'number') {
    const dt: DType = isFloating(like.dtype) ? like.dtype : Number.isInteger(v) && like.dtype !== 'bool' ? like.dtype : defaultFloat();
    return full([], v, { dtype: dt, device: like.device });
  }
  return checkTensor(name, v);
}
/** The floating dtype of a result of inputs of these dtypes (integers: float32). */
function floatResult(...ds: DType[]): DType {
  const d = ds.reduce((a, b) => E.promoteTypes(a, b));
  return isFloating(d) ? d : defaultFloat();
}
function toFloat(x: Tensor, dt: DType = floatResult(x.dtype)): Tensor {
  return x.dtype === dt ? x : E.cast(x, dt);
}

/** x * x (bool: int64, as PyTorch's pow(x, 2)). */
export function square(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('square', 'input', rest);
  checkTensor('input', input);
  const x = input.dtype === 'bool' ? E.cast(input, 'int64') : input;
  return E.mul(x, x);
}
/** log(p / (1 - p)); with eps, p clamped to [eps, 1 - eps] first (the gradient is 0 outside). Integers give float32. */
export function logit(input: Tensor, eps?: number | null | { eps?: number | null }, ...rest: never[]): Tensor {
  noExtraArgs('logit', 'input, eps', rest);
  checkTensor('input', input);
  let e = eps;
  if (e !== null && typeof e === 'object') e = checkOptionKeys('opts', e, ['eps']).eps;
  if (e !== undefined && e !== null && (typeof e !== 'number' || Number.isNaN(e))) typeArg('eps', 'a number or null', e);
  const x = toFloat(input);
  const z = e === undefined || e === null ? x : E.clamp(x, e, 1 - e);
  return E.log(E.div(z, E.rsub(1, z)));
}
/** sqrt(input^2 + other^2), elementwise with broadcasting; floating point only, as PyTorch. */
export function hypot(input: Tensor, other: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('hypot', 'input, other', rest);
  checkTensor('input', input);
  checkTensor('other', other);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor (hypot is not implemented for integers, as in PyTorch)', input);
  if (!isFloating(other.dtype)) dtypeError('other', 'a floating-point tensor (hypot is not implemented for integers, as in PyTorch)', other);
  return E.sqrt(E.add(E.mul(input, input), E.mul(other, other)));
}
/** The fractional part, input - trunc(input) (sign kept); floating point only, as PyTorch. */
export function frac(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('frac', 'input', rest);
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor (frac is not implemented for integers, as in PyTorch)', input);
  return E.sub(input, noGrad(() => E.trunc(input)));
}
/** Whether the sign bit is set (negative numbers and -0): a bool tensor. */
export function signbit(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('signbit', 'input', rest);
  checkTensor('input', input);
  return noGrad(() => {
    if (input.dtype === 'bool' || input.dtype === 'uint8') return E.ne(input, input);
    if (!isFloating(input.dtype)) return E.lt(input, 0);
    return E.logicalOr(E.lt(input, 0), E.logicalAnd(E.eq(input, 0), E.lt(E.rdiv(1, input), 0)));
  });
}
/** |input| with the sign (bit) of other (a tensor or a number), broadcasting; a floating result; the gradient is 0 where input is 0. */
export function copysign(input: Tensor, other: Tensor | number, ...rest: never[]): Tensor {
  noExtraArgs('copysign', 'input, other', rest);
  checkTensor('input', input);
  const o = operand('other', other, input);
  const dt = floatResult(input.dtype, typeof other === 'number' ? floatResult(input.dtype) : o.dtype);
  const a = E.abs(toFloat(input, dt));
  const out = where(signbit(o), E.neg(a), a);
  // other's gradient is zeros, as PyTorch's (a zero-valued term that reaches it)
  return o.requiresGrad ? E.add(out, where(E.ne(o, o).logicalAnd(E.eq(o, o)), o, 0)) : out;
}
/** The Heaviside step: 0 where input < 0, values where input == 0, 1 where input > 0 (input and values of one dtype). Not differentiable. */
export function heaviside(input: Tensor, values: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('heaviside', 'input, values', rest);
  checkTensor('input', input);
  checkTensor('values', values);
  if (values.dtype !== input.dtype) dtypeError('values', `a ${input.dtype} tensor (heaviside is not implemented for tensors with different dtypes, as in PyTorch)`, values);
  return noGrad(() => where(E.eq(input, 0), values, E.cast(E.gt(input, 0), input.dtype)));
}
/** x * log(y), 0 where x == 0 (unless y is NaN); x or y may be a number. Integers give float32. */
export function xlogy(input: Tensor | number, other: Tensor | number, ...rest: never[]): Tensor {
  noExtraArgs('xlogy', 'input, other', rest);
  if (typeof input === 'number' && typeof other === 'number') typeArg('input', 'a tensor (input or other must be a tensor)', input);
  const like = (typeof input === 'number' ? other : input) as Tensor;
  checkTensor(typeof input === 'number' ? 'other' : 'input', like);
  const x = operand('input', input, like);
  const y = operand('other', other, like);
  const dt = floatResult(typeof input === 'number' ? floatResult(y.dtype) : x.dtype, typeof other === 'number' ? floatResult(x.dtype) : y.dtype);
  const xf = toFloat(x, dt);
  const yf = toFloat(y, dt);
  // x == 0 gives 0 (y not NaN); where x*log(y) would be 0 * -inf / NaN / inf the result is set, elsewhere it is already 0
  const mask = noGrad(() => E.logicalAnd(E.logicalAnd(E.eq(xf, 0), E.logicalNot(E.isnan(yf))), E.logicalOr(E.le(yf, 0), E.isinf(yf))));
  // (log of 1 where masked: the gradient there is 0, not 0 * -inf = NaN, as PyTorch's xlogy backward)
  return where(mask, 0, E.mul(xf, E.log(where(mask, 1, yf))));
}
/**
 * The complementary error function 1 - erf(x), accurate in the tail: 1 - erf below 2, Laplace's
 * continued fraction (50 terms, computed in float64) above. Integers give float32.
 */
export function erfc(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('erfc', 'input', rest);
  checkTensor('input', input);
  const x = toFloat(input);
  const v = noGrad(() => {
    const d = E.cast(x, 'float64');
    const small = E.rsub(1, E.erf(d));
    const xc = E.maximum(d, full([], 2, { dtype: 'float64', device: d.device }));
    let t = xc;
    for (let k = 50; k >= 1; k--) t = E.add(xc, E.rdiv(k / 2, t));
    const big = E.div(E.mul(E.exp(E.neg(E.mul(xc, xc))), 1 / Math.sqrt(Math.PI)), t);
    return E.cast(where(E.lt(d, 2), small, big), x.dtype);
  });
  if (!x.requiresGrad) return v;
  // the value above, with the gradient of -erf(x) (d erfc / dx = -2/sqrt(pi) exp(-x^2)): v + (s - s)
  const s = E.neg(E.erf(x));
  return E.add(v, E.sub(s, s.detach()));
}
/** input ** exponent computed in float64 (a float64 result), exponent a tensor or a number. */
export function floatPower(input: Tensor | number, exponent: Tensor | number, ...rest: never[]): Tensor {
  noExtraArgs('floatPower', 'input, exponent', rest);
  if (typeof input === 'number') {
    const e = checkTensor('exponent', exponent);
    return E.pow(full([], input, { dtype: 'float64', device: e.device }), toFloat(e, 'float64'));
  }
  checkTensor('input', input);
  const a = toFloat(input, 'float64');
  if (typeof exponent === 'number') return E.pow(a, exponent);
  return E.pow(a, toFloat(checkTensor('exponent', exponent), 'float64'));
}
/** Degrees to radians (integers give float32). */
export function deg2rad(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('deg2rad', 'input', rest);
  checkTensor('input', input);
  return E.mul(toFloat(input), Math.PI / 180);
}
/** Radians to degrees (integers give float32). */
export function rad2deg(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('rad2deg', 'input', rest);
  checkTensor('input', input);
  return E.mul(toFloat(input), 180 / Math.PI);
}
/** The sign (for real tensors, sign: -1, 0, 1; NaN gives 0). */
export function sgn(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('sgn', 'input', rest);
  return E.sign(checkTensor('input', input));
}
/** input itself (PyTorch's unary +); bool tensors are refused, as PyTorch. */
export function positive(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('positive', 'input', rest);
  checkTensor('input', input);
  if (input.dtype === 'bool') dtypeError('input', 'a numeric tensor (the + operator on a bool tensor is not supported)', input);
  return input;
}
/** -input (torch.neg); bool tensors are refused, as PyTorch. */
export function negative(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('negative', 'input', rest);
  checkTensor('input', input);
  if (input.dtype === 'bool') dtypeError('input', 'a numeric tensor (negation of a bool tensor is not supported; use logicalNot)', input);
  return E.neg(input);
}
/** Rounds toward zero (torch.trunc). */
export function fix(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('fix', 'input', rest);
  return E.trunc(checkTensor('input', input));
}

export interface AddcOptions {
  /** the multiplier of tensor1 * tensor2 (or / tensor2); default 1 */
  value?: number;
}
function valueOf(fn: string, opts: AddcOptions | undefined): number {
  const o = checkOptionKeys('opts', opts, ['value']);
  const v = o.value ?? 1;
  if (typeof v !== 'number' || Number.isNaN(v)) typeArg('opts.value', 'a number', v);
  return v;
}
/** input + value * tensor1 * tensor2 (broadcasting), `{value=1}`. */
export function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, opts?: AddcOptions, ...rest: never[]): Tensor {
  noExtraArgs('addcmul', 'input, tensor1, tensor2, { value }', rest);
  checkTensor('input', input);
  checkTensor('tensor1', tensor1);
  checkTensor('tensor2', tensor2);
  const v = valueOf('addcmul', opts);
  if (!Number.isInteger(v) && !isFloating(E.promoteTypes(E.promoteTypes(input.dtype, tensor1.dtype), tensor2.dtype)))
    invalidArg('opts.value', 'an integer (the operands are integers)', v);
  const p = E.mul(tensor1, tensor2);
  return E.add(input, v === 1 ? p : E.mul(p, v));
}
/** input + value * tensor1 / tensor2 (broadcasting), `{value=1}`; integer tensor1 and tensor2 are refused, as PyTorch. */
export function addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, opts?: AddcOptions, ...rest: never[]): Tensor {
  noExtraArgs('addcdiv', 'input, tensor1, tensor2, { value }', rest);
  checkTensor('input', input);
  checkTensor('tensor1', tensor1);
  checkTensor('tensor2', tensor2);
  const v = valueOf('addcdiv', opts);
  if (!isFloating(tensor1.dtype) && !isFloating(tensor2.dtype))
    dtypeError('tensor2', 'a floating-point tensor1 or tensor2 (integer division with addcdiv is not supported, as in PyTorch; use torch.div)', tensor2);
  const q = E.div(tensor1, tensor2);
  return E.add(input, v === 1 ? q : E.mul(q, v));
}

// ---- lgamma / digamma ---------------------------------------------------------------------------
// Both composed of differentiable float64 ops (so their gradients, digamma and trigamma, follow; a
// second derivative is refused by where's backward, never wrong): for x >= 0.5 the argument is shifted above 8.5 by the recurrence (lgamma(x) =
// lgamma(x + 8) - sum log(x + k), digamma(x) = digamma(x + 8) - sum 1 / (x + k)) and the asymptotic
// series is summed there (error below 1e-15); below 0.5, the reflection formulas. Each branch is
// evaluated at a harmless point where the other is selected, so no NaN gradient leaks through where.
const LN_2PI_2 = 0.5 * Math.log(2 * Math.PI);
/**
 * sin(pi x) and cos(pi x) with x reduced exactly to r in [-1/2, 1/2] (x = 2n + r, or 2n + s - r
 * with s = +-1), so large |x| keeps its accuracy and the integers give exact zeros of sin.
 */
function sinCosPi(x: Tensor): [Tensor, Tensor] {
  const r = E.sub(x, E.mul(noGrad(() => E.round(E.mul(x, 0.5))), 2)); // [-1, 1]
  const big = noGrad(() => E.gt(E.abs(r), 0.5));
  const r2 = where(big, E.rsub(0, E.sub(r, noGrad(() => E.sign(r)))), r); // s - r where |r| > 1/2
  const a = E.mul(r2, Math.PI);
  const c = E.cos(a);
  return [E.sin(a), where(big, E.neg(c), c)];
}
/** sum_{k<8} f(x + k) for x >= 0.5, and y = x + 8. */
function shifted(x: Tensor, f: (t: Tensor) => Tensor): [Tensor, Tensor] {
  let acc = f(x);
  for (let k = 1; k < 8; k++) acc = E.add(acc, f(E.add(x, k)));
  return [E.add(x, 8), acc];
}
/** a polynomial in u with coefficients c (c[0] + c[1] u + ...), Horner's rule. */
function horner(u: Tensor, c: number[]): Tensor {
  let acc = E.add(E.mul(u, c[c.length - 1]), c[c.length - 2]);
  for (let k = c.length - 3; k >= 0; k--) acc = E.add(E.mul(acc, u), c[k]);
  return acc;
}
function lgammaPos(x: Tensor): Tensor {
  const [y, logs] = shifted(x, E.log);
  const u = E.reciprocal(E.mul(y, y));
  // Stirling: (y - 1/2) log y - y + log(2 pi) / 2 + (1/y) (1/12 - u/360 + u^2/1260 - u^3/1680 + u^4/1188 - 691 u^5/360360 + u^6/156)
  const series = E.div(horner(u, [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156]), y);
  const st = E.add(E.sub(E.mul(E.sub(y, 0.5), E.log(y)), y), E.add(series, LN_2PI_2));
  return E.sub(st, logs);
}
function digammaPos(x: Tensor): Tensor {
  const [y, recips] = shifted(x, E.reciprocal);
  const u = E.reciprocal(E.mul(y, y));
  // log y - 1/(2y) - u (1/12 - u/120 + u^2/252 - u^3/240 + u^4/132 - 691 u^5/32760 + u^6/12)
  const series = E.mul(u, horner(u, [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12]));
  const st = E.sub(E.sub(E.log(y), E.div(E.rdiv(1, y), 2)), series);
  return E.sub(st, recips);
}
function gammaFamily(fn: 'lgamma' | 'digamma', input: Tensor): Tensor {
  checkTensor('input', input);
  const dt = floatResult(input.dtype);
  const x = toFloat(input, 'float64');
  const low = noGrad(() => E.lt(x, 0.5));
  const xr = where(low, E.rsub(1, x), x); // >= 0.5 (or NaN)
  const xl = where(low, x, 0.25); // the reflected argument, harmless where unused
  const [s, c] = sinCosPi(xl);
  let out: Tensor;
  if (fn === 'lgamma') {
    // lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); infinite at the poles and at +-inf
    const refl = E.sub(E.rsub(Math.log(Math.PI), E.log(E.abs(s))), lgammaPos(xr));
    out = where(low, refl, lgammaPos(xr));
    out = where(noGrad(() => E.isinf(x)), Infinity, out);
  } else {
    // digamma(x) = digamma(1 - x) - pi cos(pi x) / sin(pi x); +-inf at -+0, NaN at the negative integers
    const refl = E.sub(digammaPos(xr), E.mul(E.div(c, s), Math.PI));
    out = where(low, refl, digammaPos(xr));
    const special = noGrad(() => {
      const zero = E.eq(x, 0);
      const negInt = E.logicalAnd(E.lt(x, 0), E.eq(x, E.floor(x)));
      return { zero, negInt, zeroVal: where(signbit(x), Infinity, -Infinity) };
    });
    out = where(special.zero, special.zeroVal, out);
    out = where(special.negInt, NaN, out);
  }
  return dt === 'float64' ? out : E.cast(out, dt);
}
/** log|Gamma(x)| (integers give float32), with its gradient digamma(x). */
export function lgamma(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('lgamma', 'input', rest);
  return gammaFamily('lgamma', input);
}
/** The digamma function d/dx log Gamma(x) (torch.digamma / torch.special.psi; integers give float32), with its gradient trigamma(x). */
export function digamma(input: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('digamma', 'input', rest);
  return gammaFamily('digamma', input);
}

/** other - alpha * input (PyTorch's torch.rsub), with sub's dtype rules and refusals. */
export function rsub(input: Tensor, other: Tensor | number, opts: { alpha?: number } = {}, ...rest: never[]): Tensor {
  noExtraArgs('rsub', 'input, other, { alpha }', rest);
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['alpha']);
  if (o.alpha !== undefined && (typeof o.alpha !== 'number' || !Number.isFinite(o.alpha))) typeArg('opts.alpha', 'a finite number', o.alpha);
  if (typeof other === 'number') {
    if (input.dtype === 'bool') dtypeError('input', 'a tensor other than bool (PyTorch: subtraction, the `-` operator, with a bool tensor is not supported)', input);
    return E.add(E.neg(o.alpha === undefined || o.alpha === 1 ? input : E.mul(input, o.alpha)), other);
  }
  checkTensor('other', other);
  return E.sub(other, input, { alpha: o.alpha ?? 1 });
}

/**
 * Each slice input.select(dim, i) whose p-norm exceeds maxnorm scaled to norm maxnorm (PyTorch's renorm:
 * factor maxnorm / (norm + 1e-7) where norm > maxnorm, else 1; the gradient goes through the norm).
 */
export function renorm(input: Tensor, p: number, dim: number, maxnorm: number, ...rest: never[]): Tensor {
  noExtraArgs('renorm', 'input, p, dim, maxnorm', rest);
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor (PyTorch: renorm is not implemented for integer tensors)', input);
  if (typeof p !== 'number' || Number.isNaN(p)) typeArg('p', 'a number', p);
  if (!(p > 0)) invalidArg('p', 'a positive norm (PyTorch: renorm: non-positive-norm not supported)', p);
  if (typeof maxnorm !== 'number' || Number.isNaN(maxnorm)) typeArg('maxnorm', 'a number', maxnorm);
  if (maxnorm < 0) invalidArg('maxnorm', 'a non-negative number (PyTorch: renorm: expected maxnorm to be >= 0)', maxnorm);
  if (input.ndim < 2) invalidArg('input', `a tensor of at least 2 dimensions (PyTorch: renorm: input needs at least 2 dimensions, got ${input.ndim} dimensions)`, input.shape);
  if (typeof dim !== 'number' || !Number.isInteger(dim)) typeArg('dim', 'an integer', dim);
  if (dim < -input.ndim || dim >= input.ndim) invalidArg('dim', `a dimension in [${-input.ndim}, ${input.ndim - 1}]`, dim);
  const d = dim < 0 ? dim + input.ndim : dim;
  const others = input.shape.map((_, k) => k).filter((k) => k !== d);
  const norm = R.norm(input, p, others, true);
  const factor = where(E.gt(norm, maxnorm), E.rdiv(maxnorm, E.add(norm, 1e-7)), 1);
  return E.mul(input, factor);
}
