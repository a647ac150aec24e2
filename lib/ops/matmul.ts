// lib/ops/matmul.ts — matmul (1-D/2-D/batched with broadcast batch dims, PyTorch's rules),
// bmm and linear (y = x W^T + b over any leading dims), with gradients. All products go through
// the native blocked GEMM with transpose flags, so no transposed copies are made. outer (and its
// alias ger) is the broadcast product input[:, None] * vec2[None, :] of two 1-D tensors: its
// gradients (and second derivatives) are those of the differentiable ops it is made of.
import { native } from '../binding';
import { invalidArg, dtypeError, shapeError, disposedError, noExtraArgs } from '../errors';
import type { TensorArg } from '../../binding';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, isGradEnabled } from '../autograd';
import { broadcastShapes, sumTo, mul } from './elementwise';
import { sum } from './reduce';

function checkFloatPair(a: Tensor, b: Tensor, an: string, bn: string): void {
  if (!isFloating(a.dtype)) dtypeError(an, 'a floating-point tensor', a);
  if (a.dtype !== b.dtype) dtypeError(bn, `a ${a.dtype} tensor (same dtype as ${an})`, b);
}

/** C = op(A) @ op(B) for contiguous [batch, ., .] operands (batch stride 0 broadcasts). */
export function gemm(
  a: Tensor, b: Tensor, batch: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number,
): Tensor {
  const c = Tensor.empty([batch, M, N], a.dtype, a.device);
  native.matmul(a.arg(), b.arg(), c.arg(), {
    batch, M, N, K, transA, transB, strideA, strideB, strideC: M * N, alpha: 1, beta: 0,
  });
  return c;
}

/**
 * A 3-D operand [B, R, C] as the native GEMM reads it: a contiguous one as it is; a transposed view of a
 * contiguous [B, C, R] (what x.t() or w.transpose(-1, -2) make) as that memory with the transpose flag,
 * not copied; anything else copied first (`copy`, to dispose).
 */
function gemmOperand(t: Tensor): { arg: TensorArg; trans: boolean; copy: Tensor | null } {
  if (t.isContiguous()) return { arg: t.arg(), trans: false, copy: null };
  const [B, R, C] = t.shape;
  const s = t.strides;
  if (s[1] === 1 && s[2] === R && (B === 1 || s[0] === R * C)) {
    if (t.disposed) throw disposedError();
    return { arg: [t._storage.native, t.offset, [B, C, R]], trans: true, copy: null };
  }
  const copy = t.contiguous();
  return { arg: copy.arg(), trans: false, copy };
}

/** Batched product of 3-D tensors a [Ba, M, K], b [Bb, K, N] with Ba/Bb equal or 1. */
function bmmRaw(a: Tensor, b: Tensor): Tensor {
  const [Ba, M, K] = a.shape;
  const [Bb, , N] = b.shape;
  // (an empty batch broadcast against one matrix is empty: max(0, 1) would run one product over an empty operand)
  const batch = Ba === 0 || Bb === 0 ? 0 : Math.max(Ba, Bb);
  const oa = gemmOperand(a);
  const ob = gemmOperand(b);
  const c = Tensor.empty([batch, M, N], a.dtype, a.device);
  native.matmul(oa.arg, ob.arg, c.arg(), {
    batch, M, N, K, transA: oa.trans, transB: ob.trans, strideA: Ba === 1 ? 0 : M * K, strideB: Bb === 1 ? 0 : K * N,
    strideC: M * N, alpha: 1, beta: 0,
  });
  oa.copy?.dispose();
  ob.copy?.dispose();
  return c;
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('input', a);
  checkTensor('other', b);
  checkFloatPair(a, b, 'input', 'other');
  if (a.ndim === 0 || b.ndim === 0) invalidArg('input', 'tensors of at least 1 dimension for matmul', a.ndim ? b : a);
  // promote 1-D operands as PyTorch does, remember to squeeze the result
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  const K = a2.shape[a2.ndim - 1];
  if (b2.shape[b2.ndim - 2] !== K)
    shapeError('other', `a tensor whose dimension -2 is ${K} (input is [${a.shape.join(', ')}])`, b);
  const M = a2.shape[a2.ndim - 2];
  const N = b2.shape[b2.ndim - 1];
  const batchShape = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), ['input', 'other']);
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const flatA = (t: Tensor, rows: number, cols: number): Tensor => {
    const tb = t.shape.slice(0, -2);
    const full = tb.reduce((x, y) => x * y, 1);
    // (views where they can be: a transposed operand reaches the GEMM as its transpose flag, not a copy)
    if (tb.length === 0) return t.unsqueeze(0);
    if (tb.length === 1 && (full === batch || full === 1)) return t;
    if (full === batch || full === 1) return t.reshape([full, rows, cols]);
    return t.expand([...batchShape, rows, cols]).reshape([batch, rows, cols]);
  };
  const out3 = (() => {
    const A = flatA(a2, M, K);
    const B = flatA(b2, K, N);
    return bmmRaw(A, B);
  })();
  let shape = [...batchShape, M, N];
  if (a.ndim === 1) shape = [...batchShape, N];
  if (b.ndim === 1) shape = a.ndim === 1 ? [...batchShape] : [...batchShape, M];
  const out = new Tensor(out3._storage, shape, out3.dtype, out3.device);
  out3.dispose();
  return record(out, [a, b], 'MmBackward', (g) => {
    // reshape g to [..., M, N] and reuse matmul itself (it records nothing under noGrad)
    const g2 = g.reshape([...batchShape, M, N]);
    const ga = a.requiresGrad ? sumTo(matmul(g2, b2.transpose(-1, -2)), a2.shape).reshape(a.shape) : null;
    const gb = b.requiresGrad ? sumTo(matmul(a2.transpose(-1, -2), g2), b2.shape).reshape(b.shape) : null;
    return [ga, gb];
  }, [a, b]);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor('input', a);
  checkTensor('mat2', b);
  if (a.ndim !== 3) shapeError('input', 'a 3-D tensor', a);
  if (b.ndim !== 3) shapeError('mat2', 'a 3-D tensor', b);
  if (a.shape[0] !== b.shape[0]) shapeError('mat2', `batch size ${a.shape[0]}`, b);
  return matmul(a, b);
}

/** y = x @ weight^T + bias, x [..., in], weight [out, in], bias [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('input', x);
  checkTensor('weight', weight);
  checkFloatPair(x, weight, 'input', 'weight');
  if (weight.ndim !== 2) shapeError('weight', 'a 2-D tensor [outFeatures, inFeatures]', weight);
  const [O, I] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== I)
    invalidArg('input', `a tensor whose last dimension is inFeatures = ${I}`, x);
  if (bias) {
    checkTensor('bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== O) shapeError('bias', `a 1-D tensor of ${O} elements`, bias);
    if (bias.dtype !== x.dtype) dtypeError('bias', `a ${x.dtype} tensor`, bias);
  }
  const lead = x.shape.slice(0, -1);
  const Mr = lead.reduce((p, q) => p * q, 1);
  const xc = x.contiguous();
  const wc = weight.contiguous();
  const x2 = new Tensor(xc._storage, [Mr, I], xc.dtype, xc.device, undefined, xc.offset);
  const y = Tensor.empty([...lead, O], x.dtype, x.device);
  native.linearForward(x2.arg(), wc.arg(), bias ? bias.contiguous().arg() : null, [y._storage.native, 0, [Mr, O]]);
  x2.dispose();
  return record(y, [x, weight, bias ?? null], 'AddmmBackward', (g) => {
    if (isGradEnabled()) {
      // createGraph (grad mode on in backward): the same products from recorded ops
      const g2d = g.reshape([Mr, O]);
      return [
        x.requiresGrad ? matmul(g2d, weight).reshape(x.shape) : null,
        weight.requiresGrad ? matmul(g2d.transpose(0, 1), x.reshape([Mr, I])) : null,
        bias && bias.requiresGrad ? sum(g2d, 0) : null,
      ];
    }
    const gc = g.contiguous();
    const g2 = new Tensor(gc._storage, [Mr, O], gc.dtype, gc.device, undefined, gc.offset);
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (x.requiresGrad) {
      const r = gemm(g2, wc, 1, Mr, I, O, false, false, 0, 0); // [Mr,O] @ [O,I]
      gx = new Tensor(r._storage, x.shape.slice(), r.dtype, r.device);
      r.dispose();
    }
    if (weight.requiresGrad) {
      const r = gemm(g2, xc, 1, O, I, Mr, true, false, 0, 0); // [O,Mr] @ [Mr,I]
      gw = new Tensor(r._storage, [O, I], r.dtype, r.device);
      r.dispose();
    }
    if (bias && bias.requiresGrad) gb = sum(g2, 0);
    g2.dispose();
    if (gc !== g) gc.dispose();
    return [gx, gw, gb];
  }, [xc, wc]);
}

/**
 * torch.outer(input, vec2): the outer product [n, m] of a 1-D input [n] and a 1-D vec2 [m]
 * (input[:, None] * vec2[None, :]); dtypes promote as in mul; differentiable in both.
 */
export function outer(input: Tensor, vec2: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('outer', 'input, vec2', rest);
  return outerOf(input, vec2);
}
/** torch.ger(input, vec2): PyTorch's older name of outer. */
export function ger(input: Tensor, vec2: Tensor, ...rest: never[]): Tensor {
  noExtraArgs('ger', 'input, vec2', rest);
  return outerOf(input, vec2);
}
function outerOf(input: Tensor, vec2: Tensor): Tensor {
  checkTensor('input', input);
  checkTensor('vec2', vec2);
  // PyTorch: "outer: Expected 1-D argument self, but got 2-D"
  if (input.ndim !== 1) shapeError('input', 'a 1-D tensor (outer takes two vectors)', input);
  if (vec2.ndim !== 1) shapeError('vec2', 'a 1-D tensor (outer takes two vectors)', vec2);
  return mul(input.unsqueeze(1), vec2.unsqueeze(0));
}
