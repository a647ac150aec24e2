// lib/ops/activation.ts — softmax and log-softmax over any dim (max-subtracted, stable), with
// gradients; SELU and PReLU composed from elementwise ops; the pointwise activations of PyTorch 1.13
// (gelu, leakyRelu, elu, celu, silu, mish, hardswish, hardsigmoid, softplus, softsign, hardtanh,
// relu6, logsigmoid, threshold: one native kernel family, native/ops/activation.h, forward and
// backward) and glu (composed). Each F function takes PyTorch's keyword arguments in one options
// object (unknown keys are errors); `inplace: true` writes the result into the input, as PyTorch's.
// relu/sigmoid/tanh live in elementwise.ts.
import { native, enums } from '../binding';
import { invalidArg, dtypeError, shapeError, typeArg, checkOptionKeys, checkNumber, noExtraArgs, checkInt } from '../errors';
import { Tensor, checkTensor, normDim, isFloating } from '../tensor';
import { record, isGradEnabled } from '../autograd';
import type { GradOp } from '../autograd';
import { sum } from './reduce';
import { add, sub, mul, neg, exp, relu, sigmoid } from './elementwise';
import { inplace as inplaceOp, reluInplace } from './inplace';
import { narrow } from './shape';

function softmaxImpl(input: Tensor, dim: number, log: boolean): Tensor {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (typeof dim !== 'number') invalidArg('dim', 'an integer dimension (PyTorch requires dim)', dim);
  const d = normDim(dim, input.ndim);
  const shape = input.ndim ? input.shape : [1];
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const C = shape[d];
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const x = input.contiguous();
  const y = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  native.softmax(x.arg(), y.arg(), { outer, C, inner, log });
  if (x !== input) x.dispose();
  return record(y, [input], log ? 'LogSoftmaxBackward' : 'SoftmaxBackward', (g) => {
    if (isGradEnabled() && input.ndim > 0) {
      // createGraph (grad mode on in backward), from differentiable ops:
      // log: g - exp(y) * sum(g); softmax: y * (g - sum(g * y))
      if (log) return [sub(g, mul(exp(y), sum(g, d, true)))];
      return [mul(y, sub(g, sum(mul(g, y), d, true)))];
    }
    const gc = g.contiguous();
    const dx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.softmaxBackward(y.arg(), gc.arg(), dx.arg(), { outer, C, inner, log });
    if (gc !== g) gc.dispose();
    return [dx];
  }, [y]);
}
export function softmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(input, dim, false);
}
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(input, dim, true);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
/** SELU: scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), composed so autograd derives it. */
export function selu(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  const o = actOpts('selu', opts, ['inplace'], rest);
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'selu_', (x) => {
    const negPart = mul(add(exp(neg(relu(neg(x)))), -1), SELU_ALPHA); // alpha*(exp(min(x,0)) - 1)
    return mul(add(relu(x), negPart), SELU_SCALE);
  });
}
/** F.relu(x, {inplace}) (torch.relu takes no options): with inplace the result is written into x (reluInplace). */
export function reluF(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  const o = actOpts('relu', opts, ['inplace'], rest);
  return boolOpt('opts.inplace', o.inplace) ? reluInplace(input) : relu(input);
}
/** F.relu_(x): relu written into x. */
export function relu_(input: Tensor): Tensor {
  return reluInplace(input);
}
/** PReLU: max(0, x) + weight * min(0, x); weight has 1 element or one per channel (dim 1). */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  const n = weight.numel();
  const C = input.ndim >= 2 ? input.shape[1] : 1;
  if (n !== 1 && n !== C) shapeError('weight', `1 or ${C} (the input channels) elements`, weight);
  if (weight.dtype !== input.dtype) dtypeError('weight', `a ${input.dtype} tensor`, weight);
  const wshape = n === 1 ? [1] : input.shape.map((s, i) => (i === 1 ? C : 1));
  const w = weight.reshape(wshape);
  return sub(relu(input), mul(w, relu(neg(input))));
}

// ---- the native activation family ------------------------------------------------------------------
type ActOp = keyof typeof enums.ActivationOp;

/** f(input; a, b) by the native kernel, recorded with its native backward (which reads the input). */
function activation(input: Tensor, op: ActOp, gradOp: GradOp, a = 0, b = 0): Tensor {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  const x = input.contiguous();
  const params = { op: enums.ActivationOp[op], a, b };
  const out = Tensor.empty(input.shape.slice(), input.dtype, input.device);
  native.activation(x.arg(), out.arg(), params);
  record(out, [input], gradOp, (g) => {
    const gc = g.contiguous();
    const dx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.activationBackward(x.arg(), gc.arg(), dx.arg(), params);
    if (gc !== g) gc.dispose();
    return [dx];
  }, [x]);
  if (!out.gradFn && x !== input) x.dispose(); // the contiguous copy is only kept for a backward
  return out;
}

/** The options object of an activation: its keys checked against `allowed` (plus 'inplace' where PyTorch has it). */
function actOpts<O extends object>(fn: string, opts: O | undefined, allowed: readonly string[], rest: readonly unknown[], takes = 'input, opts'): O {
  noExtraArgs(fn, takes, rest);
  return checkOptionKeys('opts', opts, allowed);
}
function finiteNum(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = checkNumber(name, v);
  if (!Number.isFinite(n)) invalidArg(name, 'a finite number', v);
  return n;
}
function boolOpt(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v as boolean;
}
/** fn(input), or with inplace its result written into input (PyTorch's autograd rules for in-place ops). */
function maybeInplace(input: Tensor, inplace: boolean, name: string, fn: (x: Tensor) => Tensor): Tensor {
  if (!inplace) return fn(input);
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  return inplaceOp(input, name, fn);
}

export interface GeluOptions {
  /** 'none' (exact, with erf; the default) or 'tanh' (the tanh approximation) */
  approximate?: 'none' | 'tanh';
}
/** GELU: x * Phi(x) (`approximate: 'tanh'`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))). */
export function gelu(input: Tensor, opts?: GeluOptions, ...rest: never[]): Tensor {
  const o = actOpts('gelu', opts, ['approximate'], rest);
  const approx = o.approximate ?? 'none';
  if (approx !== 'none' && approx !== 'tanh') invalidArg('opts.approximate', "'none' or 'tanh'", approx);
  return activation(input, approx === 'tanh' ? 'GeluTanh' : 'Gelu', 'GeluBackward');
}

export interface LeakyReluOptions {
  /** the slope for x < 0 (default 0.01) */
  negativeSlope?: number;
  /** write the result into the input (default false) */
  inplace?: boolean;
}
/** LeakyReLU: x for x > 0, negativeSlope * x otherwise. `F.leakyRelu(x, 0.2)` is `{negativeSlope: 0.2}`. */
export function leakyRelu(input: Tensor, opts?: LeakyReluOptions | number, ...rest: never[]): Tensor {
  const o = actOpts('leakyRelu', typeof opts === 'number' ? { negativeSlope: opts } : opts, ['negativeSlope', 'inplace'], rest);
  const slope = finiteNum('opts.negativeSlope', o.negativeSlope, 0.01);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'leakyRelu_', (x) => activation(x, 'LeakyRelu', 'LeakyReluBackward', slope));
}

export interface EluOptions {
  /** the scale of the negative part, alpha * (exp(x) - 1) (default 1) */
  alpha?: number;
  inplace?: boolean;
}
/** ELU: x for x > 0, alpha * (exp(x) - 1) otherwise. `F.elu(x, 0.5)` is `{alpha: 0.5}`. */
export function elu(input: Tensor, opts?: EluOptions | number, ...rest: never[]): Tensor {
  const o = actOpts('elu', typeof opts === 'number' ? { alpha: opts } : opts, ['alpha', 'inplace'], rest);
  const alpha = finiteNum('opts.alpha', o.alpha, 1);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'elu_', (x) => activation(x, 'Elu', 'EluBackward', alpha, 1));
}
/** CELU: x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (alpha != 0). `F.celu(x, 2)` is `{alpha: 2}`. */
export function celu(input: Tensor, opts?: EluOptions | number, ...rest: never[]): Tensor {
  const o = actOpts('celu', typeof opts === 'number' ? { alpha: opts } : opts, ['alpha', 'inplace'], rest);
  const alpha = finiteNum('opts.alpha', o.alpha, 1);
  if (alpha === 0) invalidArg('opts.alpha', 'a non-zero number (alpha cannot be 0 for CELU)', alpha);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'celu_', (x) => activation(x, 'Elu', 'EluBackward', alpha, 1 / alpha));
}

export interface InplaceOption {
  inplace?: boolean;
}
function simple(name: string, op: ActOp, gradOp: GradOp, hasInplace: boolean) {
  return (input: Tensor, opts: InplaceOption | undefined, rest: readonly unknown[]): Tensor => {
    const o = actOpts(name, opts, hasInplace ? ['inplace'] : [], rest, hasInplace ? 'input, opts' : 'input');
    return maybeInplace(input, boolOpt('opts.inplace', o.inplace), `${name}_`, (x) => activation(x, op, gradOp));
  };
}
const siluImpl = simple('silu', 'Silu', 'SiluBackward', true);
const mishImpl = simple('mish', 'Mish', 'MishBackward', true);
const hardswishImpl = simple('hardswish', 'Hardswish', 'HardswishBackward', true);
const hardsigmoidImpl = simple('hardsigmoid', 'Hardsigmoid', 'HardsigmoidBackward', true);
const softsignImpl = simple('softsign', 'Softsign', 'SoftsignBackward', false);
const logsigmoidImpl = simple('logsigmoid', 'LogSigmoid', 'LogSigmoidBackward', false);
/** SiLU (swish): x * sigmoid(x). */
export function silu(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  return siluImpl(input, opts, rest);
}
/** Mish: x * tanh(softplus(x)). */
export function mish(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  return mishImpl(input, opts, rest);
}
/** Hardswish: x * relu6(x + 3) / 6. */
export function hardswish(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  return hardswishImpl(input, opts, rest);
}
/** Hardsigmoid: relu6(x + 3) / 6. */
export function hardsigmoid(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  return hardsigmoidImpl(input, opts, rest);
}
/** Softsign: x / (1 + |x|). */
export function softsign(input: Tensor, ...rest: never[]): Tensor {
  return softsignImpl(input, undefined, rest);
}
/** LogSigmoid: log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)) (PyTorch's F.logsigmoid). */
export function logsigmoid(input: Tensor, ...rest: never[]): Tensor {
  return logsigmoidImpl(input, undefined, rest);
}

export interface SoftplusOptions {
  /** default 1 */
  beta?: number;
  /** above beta * x > threshold the result is x (default 20) */
  threshold?: number;
}
/** Softplus: log(1 + exp(beta * x)) / beta, and x where beta * x > threshold. */
export function softplus(input: Tensor, opts?: SoftplusOptions, ...rest: never[]): Tensor {
  const o = actOpts('softplus', opts, ['beta', 'threshold'], rest);
  const beta = finiteNum('opts.beta', o.beta, 1);
  const threshold = checkNumber('opts.threshold', o.threshold ?? 20);
  return activation(input, 'Softplus', 'SoftplusBackward', beta, threshold);
}

export interface HardtanhOptions {
  /** default -1 */
  minVal?: number;
  /** default 1 */
  maxVal?: number;
  inplace?: boolean;
}
/** Hardtanh: min(max(x, minVal), maxVal) (gradient 0 outside and at the ends, as PyTorch). */
export function hardtanh(input: Tensor, opts?: HardtanhOptions, ...rest: never[]): Tensor {
  const o = actOpts('hardtanh', opts, ['minVal', 'maxVal', 'inplace'], rest);
  const lo = checkNumber('opts.minVal', o.minVal ?? -1);
  const hi = checkNumber('opts.maxVal', o.maxVal ?? 1);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'hardtanh_', (x) => activation(x, 'Hardtanh', 'HardtanhBackward', lo, hi));
}
/** ReLU6: min(max(x, 0), 6) (hardtanh(x, 0, 6)). */
export function relu6(input: Tensor, opts?: InplaceOption, ...rest: never[]): Tensor {
  const o = actOpts('relu6', opts, ['inplace'], rest);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'relu6_', (x) => activation(x, 'Hardtanh', 'HardtanhBackward', 0, 6));
}
/** Threshold: x where x > threshold, value otherwise: `F.threshold(x, threshold, value, {inplace})`. */
export function threshold(input: Tensor, threshold: number, value: number, opts?: InplaceOption, ...rest: never[]): Tensor {
  const o = actOpts('threshold', opts, ['inplace'], rest, 'input, threshold, value, opts');
  const t = checkNumber('threshold', threshold);
  const v = checkNumber('value', value);
  return maybeInplace(input, boolOpt('opts.inplace', o.inplace), 'threshold_', (x) => activation(x, 'Threshold', 'ThresholdBackward', t, v));
}

/** GLU: a * sigmoid(b), where a and b are the two halves of the input along dim (default -1; its size must be even). */
export function glu(input: Tensor, dim = -1, ...rest: never[]): Tensor {
  noExtraArgs('glu', 'input, dim', rest);
  checkTensor('input', input);
  checkInt('dim', dim);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim === 0) shapeError('input', 'a tensor with at least one dimension (glu does not take 0-d tensors)', input);
  const d = normDim(dim, input.ndim);
  const n = input.shape[d];
  if (n % 2 !== 0) shapeError('input', `an even size along dim ${dim} (halving dimension must be even)`, input);
  const h = n / 2;
  return mul(narrow(input, d, 0, h), sigmoid(narrow(input, d, h, h)));
}
