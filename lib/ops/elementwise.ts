// lib/ops/elementwise.ts — broadcasting binary ops (add sub mul div pow, comparisons), unary
// math (neg exp log sqrt relu sigmoid tanh), casts and copies, with their gradients.
// Broadcasting and type promotion follow PyTorch; gradients are summed back to each input's shape.
import { native, enums } from '../binding';
import type { BinaryOpCode, UnaryOpCode, UnaryBackwardOpCode } from '../../binding';
import { typeArg, shapeError, checkOptions } from '../errors';
import { Tensor, DType, isFloating, checkTensor } from '../tensor';
import { full } from '../creation';
import { bnReluHooks, residualAddRelu } from './fusion';
import { record, isGradEnabled } from '../autograd';
import { sum } from './reduce';

const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, int64: 3, float32: 4, float64: 5 };
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
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
  if (r !== s) s.dispose();
  return r;
}

export function cast(t: Tensor, dtype: DType): Tensor {
  checkTensor('input', t);
  if (t.dtype === dtype) return t;
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

function scalarTensor(v: number, like: Tensor): Tensor {
  const dtype: DType = !isFloating(like.dtype) && !Number.isInteger(v) ? 'float32' : like.dtype;
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
  let dt = promoteTypes(a.dtype, b.dtype);
  if (op === BIN.Div && !isFloating(dt)) dt = 'float32';
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
  if (!isFloating(a.dtype)) return cast(a, 'float32');
  return a;
}

export function add(a: Tensor, b: Tensor | number, opts: { alpha?: number } = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', a);
  const alpha = opts.alpha ?? 1;
  if (typeof b === 'number') {
    if (isFloating(a.dtype) || Number.isInteger(b * alpha)) {
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
  const t = residualAddRelu.has(a) ? a : residualAddRelu.has(b) ? b : null;
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
  opts = checkOptions('opts', opts);
  checkTensor('input', a);
  const alpha = opts.alpha ?? 1;
  if (typeof b === 'number') return add(a, -b * alpha);
  checkTensor('other', b);
  const bb = alpha === 1 ? b : mul(b, alpha);
  const out = rawBinary(BIN.Sub, a, bb);
  return record(out, [a, bb], 'SubBackward', (g) => [sumTo(g, a.shape), neg(sumTo(g, bb.shape))]);
}
export function mul(a: Tensor, b: Tensor | number): Tensor {
  checkTensor('input', a);
  if (typeof b === 'number') {
    if (isFloating(a.dtype) || Number.isInteger(b)) {
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
  ]);
}
export function div(a: Tensor, b: Tensor | number): Tensor {
  checkTensor('input', a);
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
  ]);
}
/** s / a for a scalar s. */
export function rdiv(s: number, a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.RdivScalar, fa, s);
  return record(out, [fa], 'DivBackward', (g) => [neg(div(mul(g, out), fa))]);
}
/** s - a for a scalar s. */
export function rsub(s: number, a: Tensor): Tensor {
  checkTensor('input', a);
  const out = rawUnary(UN.RsubScalar, a, s);
  return record(out, [a], 'RsubBackward', (g) => [neg(g)]);
}
export function pow(a: Tensor, b: Tensor | number): Tensor {
  checkTensor('input', a);
  if (typeof b === 'number') {
    const fa = floatOnly('input', a);
    const e = b;
    const out = rawUnary(UN.PowScalar, fa, e);
    return record(out, [fa], 'PowBackward', (g) => [e === 0 ? mul(g, 0) : mul(mul(g, pow(fa, e - 1)), e)]);
  }
  const bt = checkTensor('exponent', b);
  const out = rawBinary(BIN.Pow, a, bt);
  return record(out, [a, bt], 'PowBackward', (g) => [
    a.requiresGrad ? sumTo(mul(mul(g, bt), pow(a, sub(bt, 1))), a.shape) : null,
    bt.requiresGrad ? sumTo(mul(mul(g, out), log(a)), bt.shape) : null,
  ]);
}
export function maximum(a: Tensor, b: Tensor): Tensor {
  return rawBinary(BIN.Maximum, checkTensor('input', a), checkTensor('other', b));
}
export function minimum(a: Tensor, b: Tensor): Tensor {
  return rawBinary(BIN.Minimum, checkTensor('input', a), checkTensor('other', b));
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
  return record(rawUnary(UN.Neg, a), [a], 'NegBackward', (g) => [neg(g)]);
}
export function exp(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Exp, fa);
  return record(out, [fa], 'ExpBackward', (g) => [mul(g, out)]);
}
export function log(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Log, fa);
  return record(out, [fa], 'LogBackward', (g) => [div(g, fa)]);
}
export function sqrt(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Sqrt, fa);
  return record(out, [fa], 'SqrtBackward', (g) => [mul(div(g, out), 0.5)]);
}
function unaryBackward(op: UnaryBackwardOpCode, t: Tensor, g: Tensor): Tensor {
  const gc = g.contiguous();
  const dx = Tensor.empty(g.shape.slice(), g.dtype, g.device);
  native.unaryBackward(t.arg(), gc.arg(), dx.arg(), { op });
  if (gc !== g) gc.dispose();
  return dx;
}
/** Outputs known to be >= 0 (or NaN) already: a frozen conv with its ReLU epilogue (lib/jit.ts). */
const nonNegative = new WeakSet<Tensor>();
/** Marks t as an output that relu leaves unchanged; relu of it under noGrad is then a view of it. */
export function markNonNegative(t: Tensor): Tensor {
  nonNegative.add(t);
  return t;
}
export function relu(a: Tensor): Tensor {
  checkTensor('input', a);
  if (!isGradEnabled() && nonNegative.has(a)) return a.view(a.shape); // relu(relu(x)) = relu(x): no pass
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
  return record(out, [a], 'ReluBackward', (g) => [unaryBackward(enums.UnaryBackwardOp.Relu, x, g)]);
}
export function sigmoid(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Sigmoid, fa);
  return record(out, [fa], 'SigmoidBackward', (g) => [unaryBackward(enums.UnaryBackwardOp.Sigmoid, out, g)]);
}
export function tanh(a: Tensor): Tensor {
  const fa = floatOnly('input', checkTensor('input', a));
  const out = rawUnary(UN.Tanh, fa);
  return record(out, [fa], 'TanhBackward', (g) => [unaryBackward(enums.UnaryBackwardOp.Tanh, out, g)]);
}
