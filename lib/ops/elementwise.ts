// lib/ops/elementwise.ts — broadcasting binary ops (add sub mul div pow, comparisons), unary
// math (neg exp log sqrt relu sigmoid tanh), casts and copies, with their gradients.
// Broadcasting and type promotion follow PyTorch; gradients are summed back to each input's shape.
// isclose / allclose (at the end) are PyTorch 1.13's: a bool tensor / a JS boolean, no gradient.
import { native, enums } from '../binding';
import type { BinaryOpCode, UnaryOpCode, UnaryBackwardOpCode } from '../../binding';
import { typeArg, shapeError, checkOptionKeys, dtypeError, invalidArg, noExtraArgs, optBool, TorchletRangeError } from '../errors';
import { Tensor, DType, isFloating, checkTensor } from '../tensor';
import { full, zerosLike } from '../creation';
import { bnReluHooks, residualAddRelu } from './fusion';
import { record, isGradEnabled, noGrad, linearGrad } from '../autograd';
import type { GradOp } from '../autograd';
import { sum, all } from './reduce';
import { where } from './index';
import { defaultFloat } from '../default_dtype';

const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, int64: 3, float32: 4, float64: 5 };
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}
/** PyTorch's dtype categories: bool < integer < floating. */
const category = (d: DType): number => (d === 'bool' ? 0 : isFloating(d) ? 2 : 1);
/**
 * The dtype of a binary op's result (PyTorch's result_type): a zero-dim tensor (a number is one, made
 * by scalarTensor) takes part only when its category is above the other operand's (int32 tensor +
 * int64 zero-dim -> int32; int32 tensor + float64 zero-dim -> float64; bool tensor + 3 -> int64);
 * otherwise, and between tensors of the same kind, the wider dtype.
 */
export function resultType(a: Tensor, b: Tensor): DType {
  const za = a.ndim === 0;
  if (za === (b.ndim === 0)) return promoteTypes(a.dtype, b.dtype);
  const [dim, zero] = za ? [b, a] : [a, b];
  return category(zero.dtype) > category(dim.dtype) ? promoteTypes(dim.dtype, zero.dtype) : dim.dtype;
}

export function broadcastShapes(a: number[], b: number[], names = ['input', 'other']): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      shapeError(
        names[1],
        `a shape broadcastable with [${a.join(', ')}] (${names[0]})`,
        `shape [${b.join(', ')}] (size ${y} vs ${x} at dimension ${i})`,
      );
    out[i] = x === 1 ? y : x;
  }
  return out;
}
/** t's element strides when broadcast to outShape (0 along broadcast dimensions). */
export function broadcastStrides(t: Tensor, outShape: number[]): number[] {
  const n = outShape.length;
  const st = new Array(n).fill(0);
  for (let i = 0; i < t.ndim; i++) {
    const o = n - t.ndim + i;
    st[o] = t.shape[i] === 1 && outShape[o] !== 1 ? 0 : t.strides[i];
  }
  return st;
}

/** Sums g over broadcast dimensions so it has `shape` (the gradient of broadcasting). */
export function sumTo(g: Tensor, shape: number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  const s = sum(g, dims, true);
  const r = s.reshape(shape);
  if (r !== s && !s.requiresGrad) s.dispose(); // (under createGraph s is part of r's graph)
  return r;
}

export function cast(t: Tensor, dtype: DType): Tensor {
  checkTensor('input', t);
  if (t.dtype === dtype) return t;
  // to bool: true where nonzero (NaN included), as PyTorch; the kernels store bool as uint8, and a
  // plain converting copy would truncate (0.4 -> 0) or wrap (256 -> 0)
  if (dtype === 'bool') return ne(t, 0);
  const out = Tensor.empty(t.shape.slice(), dtype, t.device);
  native.copyStrided(t.stridedArg(), out.arg(), { srcStrides: t.strides, outStrides: [], shape: out.shape });
  if (isFloating(dtype) && isFloating(t.dtype)) record(out, [t], 'ToCopyBackward', (g) => [cast(g, t.dtype)]);
  return out;
}
/** A contiguous copy. */
export function clone(t: Tensor): Tensor {
  checkTensor('input', t);
  const out = Tensor.empty(t.shape.slice(), t.dtype, t.device);
  native.copyStrided(t.stridedArg(), out.arg(), { srcStrides: t.strides, outStrides: [], shape: out.shape });
  return record(out, [t], 'CloneBackward', (g) => [g]);
}

/** A number as a zero-dim tensor beside `like` (PyTorch's wrapped scalar): `like`'s dtype, except the
 * default float for a fraction beside integers, and int64 for an integer beside bools. */
function scalarTensor(v: number, like: Tensor): Tensor {
  const dtype: DType = isFloating(like.dtype) ? like.dtype : !Number.isInteger(v) ? defaultFloat() : like.dtype === 'bool' ? 'int64' : like.dtype;
  return full([], v, { dtype, device: like.device }); // on like's device (the device check would refuse a mix)
}
function asTensor(name: string, x: Tensor | number, like: Tensor): Tensor {
  if (typeof x === 'number') return scalarTensor(x, like);
  return checkTensor(name, x);
}

const BIN = enums.BinaryOp;
const COMPARE = { eq: BIN.Eq, ne: BIN.Ne, lt: BIN.Lt, le: BIN.Le, gt: BIN.Gt, ge: BIN.Ge } as const;

/** Raw broadcasting kernel call, no autograd. */
function rawBinary(op: BinaryOpCode, a: Tensor, b: Tensor, outDtype?: DType): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  let dt = resultType(a, b);
  if (op === BIN.Div && !isFloating(dt)) dt = defaultFloat();
  const ca = a.dtype === dt ? a : cast(a, dt);
  const cb = b.dtype === dt ? b : cast(b, dt);
  const out = Tensor.empty(shape, outDtype ?? dt, a.device);
  native.binary(ca.stridedArg(), cb.stridedArg(), out.arg(), {
    op,
    inputStrides: broadcastStrides(ca, shape),
    otherStrides: broadcastStrides(cb, shape),
  });
  if (ca !== a) ca.dispose();
  if (cb !== b) cb.dispose();
  return out;
}

const UN = enums.UnaryOp;
export function rawUnary(op: UnaryOpCode, a: Tensor, scalar = 0): Tensor {
  const src = a.contiguous();
  const out = Tensor.empty(a.shape.slice(), a.dtype, a.device);
  native.unary(src.arg(), out.arg(), { op, scalar });
  if (src !== a) src.dispose();
  return out;
}
function floatOnly(name: string, a: Tensor): Tensor {
  if (!isFloating(a.dtype)) return cast(a, defaultFloat());
  return a;
}

/**
 * add's / sub's alpha: a number, and an integer unless the result is floating-point (PyTorch: "for
 * integral input tensors, argument alpha must not be a floating point number"; an integer-valued
 * number `b` counts as an integer, as everywhere here).
 */
function checkAlpha(alpha: unknown, a: Tensor, b: Tensor | number): number {
  if (typeof alpha !== 'number' || Number.isNaN(alpha)) typeArg('opts.alpha', 'a number', alpha);
  if (!Number.isInteger(alpha)) {
    const rt = typeof b === 'number' ? (isFloating(a.dtype) || !Number.isInteger(b) ? 'float' : a.dtype) : resultType(a, b);
    if (rt !== 'float' && !isFloating(rt as DType))
      invalidArg('opts.alpha', `an integer for a ${rt} result (a fractional alpha needs floating-point inputs; PyTorch refuses it for integral tensors too)`, alpha);
  }
  return alpha as number;
}

export function add(a: Tensor, b: Tensor | number, opts: { alpha?: number } = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['alpha']);
  checkTensor('input', a);
  if (typeof b !== 'number') checkTensor('other', b);
  const alpha = checkAlpha(opts.alpha ?? 1, a, b);
  if (typeof b === 'number') {
    if (isFloating(a.dtype) || (a.dtype !== 'bool' && Number.isInteger(b * alpha))) {
      const out = rawUnary(UN.AddScalar, a, b * alpha);
      return record(out, [a], 'AddBackward', (g) => [g]);
    }
    b = scalarTensor(b, a);
  }
  checkTensor('other', b);
  if (alpha === 1 && !isGradEnabled()) {
    const fused = addReluInPlace(a, b);
    if (fused) return fused;
  }
  const bb = alpha === 1 ? b : mul(b, alpha);
  const out = rawBinary(BIN.Add, a, bb);
  return record(out, [a, bb], 'AddBackward', (g) => [sumTo(g, a.shape), sumTo(g, bb.shape)]);
}
/**
 * a + b where one of them is a frozen conv's output marked for a residual add -> ReLU (fusion.ts):
 * relu(a + b) written into that output in one pass (the ReLU that follows is then a view); null when
 * neither is marked or the shapes, dtypes or devices differ (the plain add then runs).
 */
function addReluInPlace(a: Tensor, b: Tensor): Tensor | null {
  const marked = (x: Tensor) => residualAddRelu.get(x) === x._version;
  const t = marked(a) ? a : marked(b) ? b : null;
  if (!t) return null;
  const o = t === a ? b : a;
  if (o.dtype !== t.dtype || o.device !== t.device || o.shape.length !== t.shape.length || o.shape.some((n, i) => n !== t.shape[i]))
    return null;
  residualAddRelu.delete(t);
  native.binary(t.stridedArg(), o.stridedArg(), t.arg(), {
    op: BIN.AddRelu,
    inputStrides: broadcastStrides(t, t.shape),
    otherStrides: broadcastStrides(o, t.shape),
  });
  return markNonNegative(t);
}
export function sub(a: Tensor, b: Tensor | number, opts: { alpha?: number } = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['alpha']);
  checkTensor('input', a);
  if (typeof b !== 'number') checkTensor('other', b);
  const alpha = checkAlpha(opts.alpha ?? 1, a, b);
  if (a.dtype === 'bool' || (b instanceof Tensor && b.dtype === 'bool'))
    dtypeError(a.dtype === 'bool' ? 'input' : 'other', 'a tensor other than bool (PyTorch: subtraction, the `-` operator, with a bool tensor is not supported; use logicalXor() or logicalNot())', a.dtype === 'bool' ? a : b);
  if (typeof b === 'number') return add(a, -b * alpha);
  checkTensor('other', b);
  const bb = alpha === 1 ? b : mul(b, alpha);
  const out = rawBinary(BIN.Sub, a, bb);
  return record(out, [a, bb], 'SubBackward', (g) => [sumTo(g, a.shape), neg(sumTo(g, bb.shape))]);
}
export function mul(a: Tensor, b: Tensor | number): Tensor {
  checkTensor('input', a);
  if (typeof b === 'number') {
    if (isFloating(a.dtype) || (a.dtype !== 'bool' && Number.isInteger(b))) {
      const s = b;
      const out = rawUnary(UN.MulScalar, a, s);
      return record(out, [a], 'MulBackward', (g) => [mul(g, s)]);
    }
    b = scalarTensor(b, a);
  }
  const bt = checkTensor('other', b);
  const out = rawBinary(BIN.Mul, a, bt);
  return record(out, [a, bt], 'MulBackward', (g) => [
    a.requiresGrad ? sumTo(mul(g, bt), a.shape) : null,
    bt.requiresGrad ? sumTo(mul(g, a), bt.shape) : null,
  ], [a, bt]);
}
/** Options of torch.div. */
export interface DivOptions {
  /** null (default: true division), 'trunc' (rounded toward zero) or 'floor' (rounded down, Python's //);
   * rounded quotients of integers stay integers, and have no gradient (zero), as in PyTorch */
  roundingMode?: 'trunc' | 'floor' | null;
}
export function div(a: Tensor, b: Tensor | number, opts?: DivOptions, ...rest: never[]): Tensor {
  noExtraArgs('div', 'input, other, { roundingMode }', rest);
  const o = checkOptionKeys('opts', opts, ['roundingMode']);
  checkTensor('input', a);
  if (o.roundingMode != null) {
    if (o.roundingMode !== 'trunc' && o.roundingMode !== 'floor') invalidArg('opts.roundingMode', "null, 'trunc' or 'floor'", o.roundingMode);
    return roundedDiv(a, b, o.roundingMode);
  }
  if (typeof b === 'number') {
    const fa = floatOnly('input', a);
    const s = 1 / b;
    const out = rawUnary(UN.MulScalar, fa, s);
    return record(out, [fa], 'DivBackward', (g) => [mul(g, s)]);
  }
  const bt = checkTensor('other', b);
  const out = rawBinary(BIN.Div, a, bt);
  return record(out, [a, bt], 'DivBackward', (g) => [
    a.requiresGrad ? sumTo(div(g, bt), a.shape) : null,
    bt.requiresGrad ? sumTo(neg(div(mul(g, out), bt)), bt.shape) : null,
  ], [bt, out]);
}
/** a / b rounded toward zero or down (torch.div's roundingMode): integers exactly, in the operands'
 * promoted dtype; a zero integer divisor is PyTorch's ZeroDivisionError. The gradient is zero. */
function roundedDiv(a: Tensor, b: Tensor | number, mode: 'trunc' | 'floor'): Tensor {
  const bt = asTensor('other', b, a);
  if (a.dtype === 'bool' && bt.dtype === 'bool') dtypeError('input', `a tensor other than bool when other is bool too (PyTorch: "div_${mode}" not implemented for 'Bool')`, a);
  checkIntDivisor('div', a, bt);
  const out = rawBinary(mode === 'trunc' ? BIN.DivTrunc : BIN.DivFloor, a, bt);
  if (bt !== b) bt.dispose();
  return isFloating(out.dtype) ? record(out, [a, typeof b === 'number' ? null : b], 'DivBackward', (g) => [mul(g, 0), typeof b === 'number' ? null : sumTo(mul(g, 0), b.shape)]) : out;
}
/** a // b (Python's floor division; PyTorch 1.13's floor_divide rounds down too). */
export function floorDivide(input: Tensor, other: Tensor | number, ...rest: never[]): Tensor {
  noExtraArgs('floorDivide', 'input, other', rest);
  return div(input, other, { roundingMode: 'floor' });
}
/** s / a for a scalar s. */
export function rdiv(s: number, a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.RdivScalar, fa, s);
  return record(out, [fa], 'DivBackward', (g) => [neg(div(mul(g, out), fa))], [fa, out]);
}
/** s - a for a scalar s. */
export function rsub(s: number, a: Tensor): Tensor {
  checkTensor('input', a);
  if (a.dtype === 'bool') dtypeError('input', 'a tensor other than bool (PyTorch: subtraction, the `-` operator, with a bool tensor is not supported; use logicalNot())', a);
  const out = rawUnary(UN.RsubScalar, a, s);
  return record(out, [a], 'RsubBackward', (g) => [neg(g)]);
}
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number') return powNumberBase(a, b);
  checkTensor('input', a);
  if (typeof b === 'number' && !isFloating(a.dtype) && Number.isInteger(b)) {
    // an integer power of integers stays an integer tensor (bool -> int64), exact with wrap-around, as PyTorch
    if (b < 0) throw new TorchletRangeError('torchlet: pow: Integers to negative integer powers are not allowed.', 'ERR_TORCHLET_INVALID_ARG');
    const e = scalarTensor(b, a);
    const out = rawBinary(BIN.Pow, a, e);
    e.dispose();
    return out;
  }
  if (typeof b === 'number') {
    const fa = floatOnly('input', a);
    const e = b;
    const out = rawUnary(UN.PowScalar, fa, e);
    return record(out, [fa], 'PowBackward', (g) => [e === 0 ? mul(g, 0) : mul(mul(g, pow(fa, e - 1)), e)], [fa]);
  }
  const bt = checkTensor('exponent', b);
  if (a.dtype === 'bool' && bt.dtype === 'bool') dtypeError('input', "a tensor other than bool when the exponent is bool too (PyTorch: \"pow\" not implemented for 'Bool')", a);
  const out = rawBinary(BIN.Pow, a, bt);
  return record(out, [a, bt], 'PowBackward', (g) => [
    a.requiresGrad ? sumTo(mul(mul(g, bt), pow(a, sub(bt, 1))), a.shape) : null,
    bt.requiresGrad ? sumTo(mul(mul(g, out), log(a)), bt.shape) : null,
  ], [a, bt, out]);
}
/**
 * torch.pow(number, exponent): the number raised to each element. An integer base with an integer
 * exponent tensor stays integer (a JS number does not tell 2 from 2.0: PyTorch's 2.0 gives float32),
 * other bases give float32, a float exponent keeps its dtype. The gradient to the exponent is
 * out * log(base), 0 where the base is 0 and the exponent >= 0 (PyTorch's rule).
 */
function powNumberBase(base: number, exponent: Tensor | number): Tensor {
  const e0 = checkTensor('exponent', exponent);
  const dt: DType = isFloating(e0.dtype) ? e0.dtype : Number.isInteger(base) && e0.dtype !== 'bool' ? e0.dtype : defaultFloat();
  const e = cast(e0, dt);
  const b = full(e.shape, base, { dtype: dt, device: e.device });
  const out = rawBinary(BIN.Pow, b, e);
  b.dispose();
  return record(out, [e], 'PowBackward', (g) => {
    const d = mul(mul(g, out), Math.log(base));
    return [base === 0 ? where(compare('ge', e, 0), 0, d) : d];
  }, [e, out]);
}
/** Elementwise max of two tensors (NaN propagates); ties split the gradient evenly, as PyTorch. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return maximumGrad(a, b, 'max');
}
/** Elementwise min of two tensors (NaN propagates); ties split the gradient evenly, as PyTorch. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return maximumGrad(a, b, 'min');
}
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** Elementwise comparison: a bool tensor. */
export function compare(op: CompareOp, a: Tensor, b: Tensor | number): Tensor {
  checkTensor('input', a);
  if (!Object.prototype.hasOwnProperty.call(COMPARE, op)) typeArg('op', 'a comparison', op);
  const bt = asTensor('other', b, a);
  const out = rawBinary(COMPARE[op], a, bt, 'bool');
  if (bt !== b) bt.dispose();
  return new Tensor(out._storage, out.shape, 'bool', out.device);
}

export function neg(a: Tensor): Tensor {
  checkTensor('input', a);
  if (a.dtype === 'bool') dtypeError('input', 'a tensor other than bool (PyTorch: negation, the `-` operator, on a bool tensor is not supported; use logicalNot())', a);
  return record(rawUnary(UN.Neg, a), [a], 'NegBackward', (g) => [neg(g)]);
}
export function exp(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Exp, fa);
  return record(out, [fa], 'ExpBackward', (g) => [mul(g, out)], [out]);
}
export function log(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Log, fa);
  return record(out, [fa], 'LogBackward', (g) => [div(g, fa)], [fa]);
}
export function sqrt(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Sqrt, fa);
  return record(out, [fa], 'SqrtBackward', (g) => [mul(div(g, out), 0.5)], [out]);
}
function unaryBackward(op: UnaryBackwardOpCode, t: Tensor, g: Tensor): Tensor {
  const gc = g.contiguous();
  const dx = Tensor.empty(g.shape.slice(), g.dtype, g.device);
  native.unaryBackward(t.arg(), gc.arg(), dx.arg(), { op });
  if (gc !== g) gc.dispose();
  return dx;
}
/** Outputs known to be >= 0 (or NaN) already: a frozen conv with its ReLU epilogue (lib/jit.ts), by
 * their storage's version then (a later in-place write drops the mark). */
const nonNegative = new WeakMap<Tensor, number>();
/** Marks t as an output that relu leaves unchanged; relu of it under noGrad is then a view of it. */
export function markNonNegative(t: Tensor): Tensor {
  nonNegative.set(t, t._version);
  return t;
}
/** Whether t is marked by markNonNegative and not written since (relu leaves it unchanged). */
export function isNonNegative(t: Tensor): boolean {
  return nonNegative.get(t) === t._version;
}
export function relu(a: Tensor): Tensor {
  checkTensor('input', a);
  if (!isGradEnabled() && isNonNegative(a)) return a.view(a.shape); // relu(relu(x)) = relu(x): no pass
  const x = a.contiguous();
  const out = rawUnary(UN.Relu, x);
  // relu(batchNorm(...)): record the batch norm's backward with the relu mask, straight to its inputs
  // (one node instead of relu's mask pass and the batch norm's; the batch-norm node stays for any
  // other consumer of its output, and gradients add up as they would through both nodes)
  const hook = a.gradFn && a.gradFn.op === 'BatchNormBackward' ? bnReluHooks.get(a.gradFn) : undefined;
  if (hook) {
    const f = hook(out);
    return record(out, f.inputs, f.op, f.backward);
  }
  // the mask from the output, as PyTorch saves it (relu(x) > 0 exactly where x > 0): a later in-place
  // write into the input does not invalidate this node, one into the output does
  const y = record(out, [a], 'ReluBackward', (g) => [reluGrad(out, g)], [out]);
  if (x !== a) x.dispose();
  return y;
}
/** g where x > 0, else 0 (relu's gradient); under createGraph a node whose backward is the same mask. */
export function reluGrad(x: Tensor, g: Tensor): Tensor {
  return linearGrad(unaryBackward(enums.UnaryBackwardOp.Relu, x, g), g, 'ThresholdBackwardBackward', (gg) => reluGrad(x, gg), [x]);
}
export function sigmoid(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Sigmoid, fa);
  // under createGraph (grad mode on in backward) from differentiable ops: g * y * (1 - y)
  return record(out, [fa], 'SigmoidBackward', (g) => [
    isGradEnabled() ? mul(g, mul(out, rsub(1, out))) : unaryBackward(enums.UnaryBackwardOp.Sigmoid, out, g),
  ], [out]);
}
export function tanh(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Tanh, fa);
  // under createGraph: g * (1 - y^2)
  return record(out, [fa], 'TanhBackward', (g) => [
    isGradEnabled() ? mul(g, rsub(1, mul(out, out))) : unaryBackward(enums.UnaryBackwardOp.Tanh, out, g),
  ], [out]);
}

// ---- elementwise math (issue 14): one native unary/binary kernel each, PyTorch's gradients -------
const LN2 = Math.LN2;
const LN10 = Math.LN10;

/** A float result op: integer inputs compute in float32 (PyTorch's int -> float promotion). */
function floatUnary(a: Tensor, op: UnaryOpCode, gradOp: GradOp, grad: (g: Tensor, x: Tensor, out: Tensor) => Tensor, saveOut: boolean, scalar = 0): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(op, fa, scalar);
  return record(out, [fa], gradOp, (g) => [grad(g, fa, out)], saveOut ? [out] : [fa]);
}
function zeroGrad(g: Tensor): Tensor {
  return zerosLike(g);
}
export function abs(a: Tensor): Tensor {
  checkTensor('input', a);
  if (a.dtype === 'bool') return clone(a);
  const out = rawUnary(UN.Abs, a);
  return record(out, [a], 'AbsBackward', (g) => [mul(g, sign(a))], [a]);
}
export function sign(a: Tensor): Tensor {
  checkTensor('input', a);
  if (a.dtype === 'bool') return clone(a);
  return record(rawUnary(UN.Sign, a), [a], 'SignBackward', (g) => [zeroGrad(g)], []);
}
/** floor/ceil/trunc: integers are returned as a copy, as PyTorch. */
function rounding(a: Tensor, op: UnaryOpCode, gradOp: GradOp, scalar = 0): Tensor {
  checkTensor('input', a);
  if (!isFloating(a.dtype)) return clone(a);
  return record(rawUnary(op, a, scalar), [a], gradOp, (g) => [zeroGrad(g)], []);
}
export function floor(a: Tensor): Tensor {
  return rounding(a, UN.Floor, 'FloorBackward');
}
export function ceil(a: Tensor): Tensor {
  return rounding(a, UN.Ceil, 'CeilBackward');
}
export function trunc(a: Tensor): Tensor {
  return rounding(a, UN.Trunc, 'TruncBackward');
}
/** Rounds half to even; `{decimals}` rounds to that many decimal places (negative: to tens, hundreds, ...). */
export function round(a: Tensor, opts: { decimals?: number } = {}): Tensor {
  opts = checkOptionKeys('options', opts, ['decimals']);
  const d = opts.decimals ?? 0;
  if (!Number.isInteger(d)) typeArg('options.decimals', 'an integer', d);
  if (d !== 0 && !isFloating(checkTensor('input', a).dtype))
    dtypeError('input', 'a floating-point tensor (round with decimals is not supported for integer inputs, as in PyTorch)', a);
  return rounding(a, UN.Round, 'RoundBackward', d);
}
export function sin(a: Tensor): Tensor {
  return floatUnary(a, UN.Sin, 'SinBackward', (g, x) => mul(g, cos(x)), false);
}
export function cos(a: Tensor): Tensor {
  return floatUnary(a, UN.Cos, 'CosBackward', (g, x) => mul(g, neg(sin(x))), false);
}
export function tan(a: Tensor): Tensor {
  return floatUnary(a, UN.Tan, 'TanBackward', (g, _x, y) => mul(g, add(mul(y, y), 1)), true);
}
export function asin(a: Tensor): Tensor {
  return floatUnary(a, UN.Asin, 'AsinBackward', (g, x) => mul(g, rsqrt(rsub(1, mul(x, x)))), false);
}
export function acos(a: Tensor): Tensor {
  return floatUnary(a, UN.Acos, 'AcosBackward', (g, x) => mul(g, neg(rsqrt(rsub(1, mul(x, x))))), false);
}
export function atan(a: Tensor): Tensor {
  return floatUnary(a, UN.Atan, 'AtanBackward', (g, x) => div(g, add(mul(x, x), 1)), false);
}
export function sinh(a: Tensor): Tensor {
  return floatUnary(a, UN.Sinh, 'SinhBackward', (g, x) => mul(g, cosh(x)), false);
}
export function cosh(a: Tensor): Tensor {
  return floatUnary(a, UN.Cosh, 'CoshBackward', (g, x) => mul(g, sinh(x)), false);
}
export function exp2(a: Tensor): Tensor {
  return floatUnary(a, UN.Exp2, 'Exp2Backward', (g, _x, y) => mul(mul(g, y), LN2), true);
}
export function expm1(a: Tensor): Tensor {
  return floatUnary(a, UN.Expm1, 'Expm1Backward', (g, _x, y) => mul(g, add(y, 1)), true);
}
export function log1p(a: Tensor): Tensor {
  return floatUnary(a, UN.Log1p, 'Log1pBackward', (g, x) => div(g, add(x, 1)), false);
}
export function log2(a: Tensor): Tensor {
  return floatUnary(a, UN.Log2, 'Log2Backward', (g, x) => div(g, mul(x, LN2)), false);
}
export function log10(a: Tensor): Tensor {
  return floatUnary(a, UN.Log10, 'Log10Backward', (g, x) => div(g, mul(x, LN10)), false);
}
export function erf(a: Tensor): Tensor {
  return floatUnary(a, UN.Erf, 'ErfBackward', (g, x) => mul(mul(g, exp(neg(mul(x, x)))), 2 / Math.sqrt(Math.PI)), false);
}
export function erfinv(a: Tensor): Tensor {
  return floatUnary(a, UN.Erfinv, 'ErfinvBackward', (g, _x, y) => mul(mul(g, exp(mul(y, y))), 0.5 * Math.sqrt(Math.PI)), true);
}
export function rsqrt(a: Tensor): Tensor {
  return floatUnary(a, UN.Rsqrt, 'RsqrtBackward', (g, _x, y) => mul(mul(g, mul(mul(y, y), y)), -0.5), true);
}
export function reciprocal(a: Tensor): Tensor {
  return floatUnary(a, UN.Reciprocal, 'ReciprocalBackward', (g, _x, y) => neg(mul(g, mul(y, y))), true);
}

/** A float16/32/64 limit of a dtype, for nanToNum's defaults. */
function finfoMax(d: DType): number {
  return d === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
}
export interface NanToNumOptions {
  /** the value NaN becomes (default 0) */
  nan?: number;
  /** the value +inf becomes (default: the dtype's largest finite value) */
  posinf?: number;
  /** the value -inf becomes (default: the dtype's lowest finite value) */
  neginf?: number;
}
/** NaN, +inf and -inf replaced by numbers (torch.nan_to_num); `nanToNum(x, 0)` sets the NaN value only. */
export function nanToNum(a: Tensor, nanOrOpts: NanToNumOptions | number = {}): Tensor {
  checkTensor('input', a);
  const o: NanToNumOptions = typeof nanOrOpts === 'number' ? { nan: nanOrOpts } : checkOptionKeys('options', nanOrOpts, ['nan', 'posinf', 'neginf']);
  for (const k of ['nan', 'posinf', 'neginf'] as const)
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'number') typeArg(`options.${k}`, 'a number', o[k]);
  if (!isFloating(a.dtype)) return clone(a);
  const big = finfoMax(a.dtype);
  const src = a.contiguous();
  const out = rawUnary(UN.NanTo, src, o.nan ?? 0);
  native.unary(out.arg(), out.arg(), { op: UN.PosInfTo, scalar: o.posinf ?? big });
  native.unary(out.arg(), out.arg(), { op: UN.NegInfTo, scalar: o.neginf ?? -big });
  if (src !== a) src.dispose();
  return record(out, [a], 'NanToNumBackward', (g) => [mul(g, cast(isfinite(a), g.dtype))], [a]);
}
export function isnan(a: Tensor): Tensor {
  checkTensor('input', a);
  if (!isFloating(a.dtype)) return full(a.shape.slice(), 0, { dtype: 'bool', device: a.device });
  return compare('ne', a, a);
}
export function isinf(a: Tensor): Tensor {
  checkTensor('input', a);
  if (!isFloating(a.dtype)) return full(a.shape.slice(), 0, { dtype: 'bool', device: a.device });
  const m = rawUnary(UN.Abs, a);
  const r = compare('eq', m, Infinity);
  m.dispose();
  return r;
}
export function isfinite(a: Tensor): Tensor {
  checkTensor('input', a);
  if (!isFloating(a.dtype)) return full(a.shape.slice(), 1, { dtype: 'bool', device: a.device });
  const m = rawUnary(UN.Abs, a);
  const r = compare('lt', m, Infinity);
  m.dispose();
  return r;
}

/** Broadcasting binary op on tensors or numbers, in the promoted dtype (float32 when `float` and both are integers). */
function binaryOperands(a: Tensor, b: Tensor | number, bName: string): Tensor {
  checkTensor('input', a);
  if (typeof b === 'number') return scalarTensor(b, a);
  return checkTensor(bName, b);
}
export function atan2(a: Tensor, b: Tensor): Tensor {
  checkTensor('input', a);
  checkTensor('other', b);
  const fa = floatOnly('input', a);
  const fb = floatOnly('other', b);
  const out = rawBinary(BIN.Atan2, fa, fb);
  return record(
    out,
    [fa, fb],
    'Atan2Backward',
    (g) => {
      const r = add(mul(fa, fa), mul(fb, fb));
      const gr = div(g, r);
      return [fa.requiresGrad ? sumTo(mul(gr, fb), fa.shape) : null, fb.requiresGrad ? sumTo(neg(mul(gr, fa)), fb.shape) : null];
    },
    [fa, fb],
  );
}
function checkIntDivisor(op: string, a: Tensor, b: Tensor): void {
  if (isFloating(promoteTypes(a.dtype, b.dtype))) return;
  const z = compare('eq', b, 0);
  const any = sum(z).item() > 0;
  z.dispose();
  if (any) throw new TorchletRangeError(`torchlet: ZeroDivisionError: ${op} of integers by zero (other has a 0)`, 'ERR_TORCHLET_INVALID_ARG');
}
/** The remainder with the divisor's sign (Python's %): a - b * floor(a / b). */
export function remainder(a: Tensor, b: Tensor | number): Tensor {
  const bt = binaryOperands(a, b, 'other');
  checkIntDivisor('remainder', a, bt);
  const out = rawBinary(BIN.Remainder, a, bt);
  return record(
    out,
    [a, bt],
    'RemainderBackward',
    (g) => [a.requiresGrad ? sumTo(g, a.shape) : null, bt.requiresGrad ? sumTo(neg(mul(g, floor(div(a, bt)))), bt.shape) : null],
    [a, bt],
  );
}
/** The remainder with the dividend's sign (C's fmod): a - b * trunc(a / b). */
export function fmod(a: Tensor, b: Tensor | number): Tensor {
  const bt = binaryOperands(a, b, 'other');
  checkIntDivisor('fmod', a, bt);
  const out = rawBinary(BIN.Fmod, a, bt);
  return record(
    out,
    [a, bt],
    'FmodBackward',
    (g) => [a.requiresGrad ? sumTo(g, a.shape) : null, bt.requiresGrad ? sumTo(neg(mul(g, trunc(div(a, bt)))), bt.shape) : null],
    [a, bt],
  );
}
/** start + weight * (end - start); weight a number or a (broadcasting) tensor. */
export function lerp(start: Tensor, end: Tensor, weight: Tensor | number): Tensor {
  checkTensor('input', start);
  checkTensor('end', end);
  // as PyTorch's lerp: no type promotion between input and end
  if (end.dtype !== start.dtype) dtypeError('end', `a ${start.dtype} tensor (the dtype of input)`, end);
  if (typeof weight === 'number') {
    const w = weight;
    if (!isFloating(start.dtype)) dtypeError('input', 'a floating-point tensor', start);
    const out = noGrad(() => add(start, mul(sub(end, start), w)));
    return record(out, [start, end], 'LerpBackward', (g) => [start.requiresGrad ? sumTo(mul(g, 1 - w), start.shape) : null, end.requiresGrad ? sumTo(mul(g, w), end.shape) : null], []);
  }
  const wt = checkTensor('weight', weight);
  if (!isFloating(start.dtype)) dtypeError('input', 'a floating-point tensor', start);
  const out = noGrad(() => add(start, mul(wt, sub(end, start))));
  return record(
    out,
    [start, end, wt],
    'LerpBackward',
    (g) => [
      start.requiresGrad ? sumTo(mul(g, rsub(1, wt)), start.shape) : null,
      end.requiresGrad ? sumTo(mul(g, wt), end.shape) : null,
      wt.requiresGrad ? sumTo(mul(g, sub(end, start)), wt.shape) : null,
    ],
    [start, end, wt],
  );
}

/** max(a, b) elementwise (NaN propagates); the gradient of ties is split evenly, as PyTorch. */
export function maximumGrad(a: Tensor, b: Tensor, op: 'max' | 'min'): Tensor {
  checkTensor('input', a);
  checkTensor('other', b);
  const out = rawBinary(op === 'max' ? BIN.Maximum : BIN.Minimum, a, b);
  return record(
    out,
    [a, b],
    op === 'max' ? 'MaximumBackward' : 'MinimumBackward',
    (g) => {
      const dt = g.dtype;
      const tie = mul(cast(compare('eq', a, b), dt), 0.5);
      const win = (x: Tensor, y: Tensor) => add(cast(compare(op === 'max' ? 'gt' : 'lt', x, y), dt), tie);
      return [a.requiresGrad ? sumTo(mul(g, win(a, b)), a.shape) : null, b.requiresGrad ? sumTo(mul(g, win(b, a)), b.shape) : null];
    },
    [a, b],
  );
}

export type ClampBound = Tensor | number | null | undefined;
/**
 * Clamps into [min, max] (either may be null / undefined, not both; numbers or broadcasting tensors).
 * min > max gives max, as PyTorch; NaN in the input stays NaN. Gradient: the input's where it is inside
 * the bounds, each tensor bound's where it is the result.
 */
export function clamp(a: Tensor, min?: ClampBound, max?: ClampBound): Tensor {
  checkTensor('input', a);
  const has = (v: ClampBound) => v !== null && v !== undefined;
  if (!has(min) && !has(max)) invalidArg('min', "a bound: at least one of 'min' or 'max' must not be null", min);
  for (const [n, v] of [['min', min], ['max', max]] as const)
    if (has(v) && typeof v !== 'number' && !(v instanceof Tensor)) typeArg(n, 'a number, a Tensor or null', v);
  if (!(min instanceof Tensor) && !(max instanceof Tensor)) {
    // number bounds: one pass each, in place on the result
    let x = a;
    if (!isFloating(a.dtype) && ((has(min) && !Number.isInteger(min)) || (has(max) && !Number.isInteger(max)))) x = cast(a, defaultFloat());
    const src = x.contiguous();
    const out = Tensor.empty(x.shape.slice(), x.dtype, x.device);
    const bool = x.dtype === 'bool';
    if (bool) dtypeError('input', 'a numeric tensor (clamp is not supported for bool)', a);
    if (has(min)) native.unary(src.arg(), out.arg(), { op: UN.ClampMin, scalar: min as number });
    if (has(max)) native.unary((has(min) ? out : src).arg(), out.arg(), { op: UN.ClampMax, scalar: max as number });
    if (src !== x) src.dispose();
    const lo = has(min) ? (min as number) : -Infinity;
    const hi = has(max) ? (max as number) : Infinity;
    const gradOp: GradOp = has(min) && has(max) ? 'ClampBackward' : has(min) ? 'ClampMinBackward' : 'ClampMaxBackward';
    return record(
      out,
      [x],
      gradOp,
      (g) => {
        const m1 = compare('ge', x, lo);
        const m2 = compare('le', x, hi);
        const m = logicalAnd(m1, m2);
        const r = mul(g, cast(m, g.dtype));
        [m1, m2, m].forEach((t) => t.dispose());
        return [r];
      },
      [x],
    );
  }
  // tensor bounds (a number beside a tensor becomes a 0-d tensor)
  const lo = has(min) ? binaryOperands(a, min as Tensor | number, 'min') : null;
  const hi = has(max) ? binaryOperands(a, max as Tensor | number, 'max') : null;
  const out0 = lo ? rawBinary(BIN.Maximum, a, lo) : a;
  const out = hi ? rawBinary(BIN.Minimum, out0, hi) : out0;
  if (out0 !== a && out0 !== out) out0.dispose();
  const gradOp: GradOp = lo && hi ? 'ClampBackward' : lo ? 'ClampMinBackward' : 'ClampMaxBackward';
  return record(
    out,
    [a, lo, hi],
    gradOp,
    (g) => {
      const dt = g.dtype;
      const f = (t: Tensor) => cast(t, dt);
      // PyTorch's clamp_backward / clamp_backward_min_max
      let inside = f(compare('eq', a, a)); // ones (NaN: 0)
      if (lo) inside = mul(inside, f(compare('ge', a, lo)));
      if (hi) inside = mul(inside, f(compare('le', a, hi)));
      let gl: Tensor | null = null;
      let gh: Tensor | null = null;
      if (lo && lo.requiresGrad) {
        let m = f(compare('lt', a, lo));
        if (hi) m = mul(m, f(compare('lt', lo, hi)));
        gl = sumTo(mul(g, m), lo.shape);
      }
      if (hi && hi.requiresGrad) {
        let m = f(compare('gt', a, hi));
        if (lo) m = f(logicalOr(compare('gt', a, hi), compare('lt', hi, lo)));
        gh = sumTo(mul(g, m), hi.shape);
      }
      return [a.requiresGrad ? sumTo(mul(g, inside), a.shape) : null, gl, gh];
    },
    [a, lo, hi],
  );
}
export function clampMin(a: Tensor, min: Tensor | number): Tensor {
  if (min === null || min === undefined) typeArg('min', 'a number or a Tensor', min);
  return clamp(a, min, null);
}
export function clampMax(a: Tensor, max: Tensor | number): Tensor {
  if (max === null || max === undefined) typeArg('max', 'a number or a Tensor', max);
  return clamp(a, null, max);
}

// ---- logical and bitwise ----
function asBool(out: Tensor): Tensor {
  return new Tensor(out._storage, out.shape, 'bool', out.device);
}
function logical(op: BinaryOpCode, a: Tensor, b: Tensor | number): Tensor {
  const bt = binaryOperands(a, b, 'other');
  const out = rawBinary(op, a, bt, 'bool');
  if (bt !== b) bt.dispose();
  return asBool(out);
}
export function logicalAnd(a: Tensor, b: Tensor | number): Tensor {
  return logical(BIN.LogicalAnd, a, b);
}
export function logicalOr(a: Tensor, b: Tensor | number): Tensor {
  return logical(BIN.LogicalOr, a, b);
}
export function logicalXor(a: Tensor, b: Tensor | number): Tensor {
  return logical(BIN.LogicalXor, a, b);
}
export function logicalNot(a: Tensor): Tensor {
  return compare('eq', checkTensor('input', a), 0);
}
function integerOnly(name: string, t: Tensor): void {
  if (isFloating(t.dtype)) dtypeError(name, 'an integer or bool tensor (bitwise ops are not defined for floating point)', t);
}
function bitwise(op: BinaryOpCode, a: Tensor, b: Tensor | number): Tensor {
  checkTensor('input', a);
  integerOnly('input', a);
  if (typeof b === 'number' && !Number.isInteger(b)) typeArg('other', 'an integer', b);
  const bt = typeof b === 'number' ? full([], b, { dtype: a.dtype === 'bool' ? 'int64' : a.dtype, device: a.device }) : checkTensor('other', b);
  integerOnly('other', bt);
  const out = rawBinary(op, a, bt);
  if (bt !== b) bt.dispose();
  return out;
}
export function bitwiseAnd(a: Tensor, b: Tensor | number): Tensor {
  return bitwise(BIN.BitwiseAnd, a, b);
}
export function bitwiseOr(a: Tensor, b: Tensor | number): Tensor {
  return bitwise(BIN.BitwiseOr, a, b);
}
export function bitwiseXor(a: Tensor, b: Tensor | number): Tensor {
  return bitwise(BIN.BitwiseXor, a, b);
}
export function bitwiseNot(a: Tensor): Tensor {
  checkTensor('input', a);
  integerOnly('input', a);
  if (a.dtype === 'bool') return logicalNot(a);
  return rawUnary(UN.BitwiseNot, a);
}

// ---- comparisons as functions (torch.eq(a, b), ...): a bool tensor, broadcasting ----
export function eq(a: Tensor, b: Tensor | number): Tensor {
  return compare('eq', a, b);
}
export function ne(a: Tensor, b: Tensor | number): Tensor {
  return compare('ne', a, b);
}
export function lt(a: Tensor, b: Tensor | number): Tensor {
  return compare('lt', a, b);
}
export function le(a: Tensor, b: Tensor | number): Tensor {
  return compare('le', a, b);
}
export function gt(a: Tensor, b: Tensor | number): Tensor {
  return compare('gt', a, b);
}
export function ge(a: Tensor, b: Tensor | number): Tensor {
  return compare('ge', a, b);
}

// ---- closeness (torch.isclose / torch.allclose) ----
/** The options of isclose / allclose: PyTorch's keyword arguments. */
export interface IscloseOptions {
  /** relative tolerance, times |other| (default 1e-5; >= 0) */
  rtol?: number;
  /** absolute tolerance (default 1e-8; >= 0) */
  atol?: number;
  /** NaN is close to NaN (default false; floating-point inputs only, as PyTorch) */
  equalNan?: boolean;
}
function closeArgs(fn: string, a: Tensor, b: Tensor, opts: IscloseOptions | undefined): Required<IscloseOptions> {
  checkTensor('input', a);
  checkTensor('other', b);
  // PyTorch does not promote here ("Float did not match Double")
  if (a.dtype !== b.dtype) dtypeError('other', `a ${a.dtype} tensor (the dtype of input: ${fn} does not promote)`, b);
  const o = checkOptionKeys('options', opts, ['rtol', 'atol', 'equalNan']);
  const tol = (k: 'rtol' | 'atol', def: number): number => {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'number') typeArg(`options.${k}`, 'a number', v);
    if (!(v >= 0)) invalidArg(`options.${k}`, 'a number greater than or equal to zero', v);
    return v;
  };
  return { rtol: tol('rtol', 1e-5), atol: tol('atol', 1e-8), equalNan: optBool('options.equalNan', o.equalNan, false) };
}
/**
 * torch.isclose(input, other, {rtol=1e-5, atol=1e-8, equalNan=false}): a bool tensor (broadcast shape),
 * true where input == other or |input - other| <= atol + rtol * |other| with a finite difference, so an
 * infinity is close only to the same infinity; NaN is close to NaN only with equalNan. input and other
 * must have one dtype. As PyTorch 1.13: integer and bool inputs compare exactly, then the error test
 * runs in float32 (the default dtype); with rtol = atol = 0 only exact equality counts. No gradient.
 */
export function isclose(input: Tensor, other: Tensor, opts?: IscloseOptions, ...rest: never[]): Tensor {
  noExtraArgs('isclose', 'input, other, { rtol, atol, equalNan }', rest);
  const { rtol, atol, equalNan } = closeArgs('isclose', input, other, opts);
  return noGrad(() => {
    const tmp: Tensor[] = []; // every intermediate, disposed at the end (the inputs are never listed)
    const t = (x: Tensor): Tensor => {
      if (x !== input && x !== other) tmp.push(x);
      return x;
    };
    let out: Tensor | null = null;
    try {
      let close = t(compare('eq', input, other));
      if (equalNan && isFloating(input.dtype)) close = t(logicalOr(close, t(logicalAnd(t(isnan(input)), t(isnan(other))))));
      if (rtol === 0 && atol === 0) return (out = close); // zero tolerances: equality only
      const fa = isFloating(input.dtype) ? input : t(cast(input, defaultFloat()));
      const fb = isFloating(other.dtype) ? other : t(cast(other, defaultFloat()));
      const allowed = t(add(t(abs(t(mul(fb, rtol)))), atol));
      const actual = t(abs(t(sub(fa, fb))));
      return (out = logicalOr(close, t(logicalAnd(t(isfinite(actual)), t(compare('le', actual, allowed))))));
    } finally {
      for (const x of tmp) if (x !== out && !x.disposed) x.dispose();
    }
  });
}
/**
 * torch.allclose(input, other, {rtol, atol, equalNan}): whether every element is close (isclose), as a
 * JS boolean (true for empty tensors).
 */
export function allclose(input: Tensor, other: Tensor, opts?: IscloseOptions, ...rest: never[]): boolean {
  noExtraArgs('allclose', 'input, other, { rtol, atol, equalNan }', rest);
  closeArgs('allclose', input, other, opts);
  const c = isclose(input, other, opts);
  const r = all(c);
  const v = r.toArray()[0];
  c.dispose();
  r.dispose();
  return Number(v) !== 0;
}
