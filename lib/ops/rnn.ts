// lib/ops/rnn.ts — the fused pointwise step of the LSTM and GRU cells (native/ops/rnn.h), with
// gradients: the modules of lib/nn/rnn.ts compute the two GEMMs of a step with linear() and hand the
// gate pre-activations here. Internal ops (PyTorch's are the private _thnn_fused_lstm_cell /
// _thnn_fused_gru_cell); inputs are checked by the modules, and again (shapes, dtypes) natively.
//  lstmCellFused(igates [B, 4H], hgates [B, 4H], cx [B, H]) -> [2, B, H]: h' then c' (one tensor, so
//    one autograd node serves both outputs; the caller takes select(0, 0) / select(0, 1)).
//  gruCellFused(igates [B, 3H], hgates [B, 3H], hx [B, H]) -> h' [B, H].
import { native, enums } from '../binding';
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { clone } from './elementwise';
import { cat } from './shape';
import { sum } from './reduce';

export function lstmCellFused(igates: Tensor, hgates: Tensor, cx: Tensor): Tensor {
  const [B, G] = igates.shape;
  const H = G / 4;
  const ig = igates.contiguous();
  const hg = hgates.contiguous();
  const c = cx.contiguous();
  const out = Tensor.empty([2, B, H], igates.dtype, igates.device);
  const ws = Tensor.empty([B, G], igates.dtype, igates.device);
  const params = { batch: B, hidden: H };
  native.lstmCellForward(ig.arg(), hg.arg(), c.arg(), out.arg(), ws.arg(), params);
  if (ig !== igates) ig.dispose();
  if (hg !== hgates) hg.dispose();
  record(out, [igates, hgates, cx], 'ThnnFusedLstmCellBackward', (g) => {
    const gc = g.contiguous();
    const gGates = Tensor.empty([B, G], g.dtype, g.device);
    const gCx = Tensor.empty([B, H], g.dtype, g.device);
    native.lstmCellBackward(gc.arg(), c.arg(), out.arg(), ws.arg(), gGates.arg(), gCx.arg(), params);
    if (gc !== g) gc.dispose();
    // d(igates) = d(hgates) = d(igates + hgates): one result, copied where both need it
    const gi = igates.requiresGrad ? gGates : null;
    const gh = hgates.requiresGrad ? (gi ? clone(gGates) : gGates) : null;
    if (!gi && !gh) gGates.dispose();
    if (!cx.requiresGrad) gCx.dispose();
    return [gi, gh, cx.requiresGrad ? gCx : null];
  }, [out, cx]);
  if (!out.gradFn) {
    ws.dispose();
    if (c !== cx) c.dispose();
  }
  return out;
}

export function gruCellFused(igates: Tensor, hgates: Tensor, hx: Tensor): Tensor {
  const [B, G] = igates.shape;
  const H = G / 3;
  const ig = igates.contiguous();
  const hg = hgates.contiguous();
  const h = hx.contiguous();
  const hy = Tensor.empty([B, H], igates.dtype, igates.device);
  const ws = Tensor.empty([B, 4 * H], igates.dtype, igates.device);
  const params = { batch: B, hidden: H };
  native.gruCellForward(ig.arg(), hg.arg(), h.arg(), hy.arg(), ws.arg(), params);
  if (ig !== igates) ig.dispose();
  if (hg !== hgates) hg.dispose();
  record(hy, [igates, hgates, hx], 'ThnnFusedGruCellBackward', (g) => {
    const gc = g.contiguous();
    const gI = Tensor.empty([B, G], g.dtype, g.device);
    const gH = Tensor.empty([B, G], g.dtype, g.device);
    const gHx = Tensor.empty([B, H], g.dtype, g.device);
    native.gruCellBackward(gc.arg(), h.arg(), ws.arg(), gI.arg(), gH.arg(), gHx.arg(), params);
    if (gc !== g) gc.dispose();
    const keep = (t: Tensor, want: boolean): Tensor | null => (want ? t : (t.dispose(), null));
    return [keep(gI, igates.requiresGrad), keep(gH, hgates.requiresGrad), keep(gHx, hx.requiresGrad)];
  }, [hx]);
  if (!hy.gradFn) {
    ws.dispose();
    if (h !== hx) h.dispose();
  }
  return hy;
}

// ---- whole layers: one autograd node per layer and direction --------------------------------------
// The modules run a layer (one direction) as one node: the input projection of every step comes in
// as one tensor giAll [T, N, G*H] (one GEMM, by linear(), outside); the recurrent GEMM of each step
// (h W_hh^T + b_hh) runs natively here, then the fused cell. The backward is the time loop in
// reverse (backpropagation through time) with the cell's backward kernel and one GEMM per step for
// the gradient reaching h, then one GEMM for W_hh's gradient over all steps. So the graph and the
// backward stay O(T) (per-step select() views of a [T, ...] tensor would scatter T full-size
// gradients). Not differentiable twice (as PyTorch's cuDNN path).

type Arg = ReturnType<Tensor['arg']>;
/** The native argument of the contiguous block `index` of `shape` inside contiguous `t`. */
function block(t: Tensor, index: number, shape: number[]): Arg {
  const n = shape.reduce((a, b) => a * b, 1);
  return [t._storage.native, t.offset + index * n, shape];
}

/** out (block) = a [M, K] @ op(b) (+ out when accumulate); b [K, N], or [N, K] with transB. */
function mm(a: Arg, b: Arg, out: Arg, M: number, N: number, K: number, transB: boolean, accumulate: boolean): void {
  native.matmul(a, b, out, { batch: 1, M, N, K, transA: false, transB, strideA: 0, strideB: 0, strideC: M * N, alpha: 1, beta: accumulate ? 1 : 0 });
}

/**
 * An LSTM layer in one direction: giAll [T, N, 4H] (x W_ih^T + b_ih for every step), h0, c0 [N, H],
 * wHh [4H, H], bHh [4H] or null; steps t = 0..T-1, or T-1..0 when reverse. Returns [T, 2, N, H]:
 * h_t and c_t of every step (the caller takes select(1, 0) as the output and the last step's pair
 * as the final states).
 */
export function lstmLayer(giAll: Tensor, h0: Tensor, c0: Tensor, wHh: Tensor, bHh: Tensor | null, reverse: boolean): Tensor {
  const [T, N, G] = giAll.shape;
  const H = G / 4;
  const dt = giAll.dtype;
  const dev = giAll.device;
  const gi = giAll.contiguous();
  const h0c = h0.contiguous();
  const c0c = c0.contiguous();
  const w = wHh.contiguous();
  const b = bHh ? bHh.contiguous() : null;
  const hc = Tensor.empty([T, 2, N, H], dt, dev);
  const ws = Tensor.empty([T, N, G], dt, dev);
  const gh = Tensor.empty([N, G], dt, dev);
  const params = { batch: N, hidden: H };
  const order = Array.from({ length: T }, (_, s) => (reverse ? T - 1 - s : s));
  order.forEach((t, s) => {
    const p = s === 0 ? -1 : order[s - 1];
    const hPrev = p < 0 ? h0c.arg() : block(hc, 2 * p, [N, H]);
    const cPrev = p < 0 ? c0c.arg() : block(hc, 2 * p + 1, [N, H]);
    native.linearForward(hPrev, w.arg(), b ? b.arg() : null, gh.arg());
    native.lstmCellForward(block(gi, t, [N, G]), gh.arg(), cPrev, block(hc, t, [2, N, H]), block(ws, t, [N, G]), params);
  });
  gh.dispose();
  if (gi !== giAll) gi.dispose();
  record(hc, [giAll, h0, c0, wHh, bHh], 'LstmLayerBackward', (g) => {
    const gc = g.contiguous();
    const gGates = Tensor.empty([T, N, G], dt, dev);
    const carry = Tensor.empty([2, N, H], dt, dev, true); // dh, dc flowing to the previous step
    for (let s = T - 1; s >= 0; s--) {
      const t = order[s];
      const p = s === 0 ? -1 : order[s - 1];
      const gOut = Tensor.empty([2, N, H], dt, dev);
      addBlocks(block(gc, t, [2 * N * H]), block(carry, 0, [2 * N * H]), block(gOut, 0, [2 * N * H])); // dL/d(h_t, c_t)
      const cPrev = p < 0 ? c0c.arg() : block(hc, 2 * p + 1, [N, H]);
      native.lstmCellBackward(gOut.arg(), cPrev, block(hc, t, [2, N, H]), block(ws, t, [N, G]), block(gGates, t, [N, G]), block(carry, 1, [N, H]), params);
      mm(block(gGates, t, [N, G]), w.arg(), block(carry, 0, [N, H]), N, H, G, false, false); // dh_{t-1} = dgates W_hh
      gOut.dispose();
    }
    if (gc !== g) gc.dispose();
    const wants = [giAll, h0, c0, wHh, bHh].map((x) => !!x && x.requiresGrad);
    const gH0 = wants[1] ? clone(carry.select(0, 0)) : null;
    const gC0 = wants[2] ? clone(carry.select(0, 1)) : null;
    carry.dispose();
    const [gW, gB] = recurrentWeightGrads(gGates, hc, h0c, order, wants[3], wants[4], true);
    const gGi = wants[0] ? gGates : (gGates.dispose(), null);
    return [gGi, gH0, gC0, gW, gB];
  }, [hc]);
  if (!hc.gradFn) ws.dispose();
  return hc;
}

/**
 * A GRU layer in one direction: giAll [T, N, 3H], h0 [N, H], wHh [3H, H], bHh [3H] or null.
 * Returns h_t of every step, [T, N, H].
 */
export function gruLayer(giAll: Tensor, h0: Tensor, wHh: Tensor, bHh: Tensor | null, reverse: boolean): Tensor {
  const [T, N, G] = giAll.shape;
  const H = G / 3;
  const dt = giAll.dtype;
  const dev = giAll.device;
  const gi = giAll.contiguous();
  const h0c = h0.contiguous();
  const w = wHh.contiguous();
  const b = bHh ? bHh.contiguous() : null;
  const hs = Tensor.empty([T, N, H], dt, dev);
  const ws = Tensor.empty([T, N, 4 * H], dt, dev);
  const gh = Tensor.empty([N, G], dt, dev);
  const params = { batch: N, hidden: H };
  const order = Array.from({ length: T }, (_, s) => (reverse ? T - 1 - s : s));
  order.forEach((t, s) => {
    const p = s === 0 ? -1 : order[s - 1];
    const hPrev = p < 0 ? h0c.arg() : block(hs, p, [N, H]);
    native.linearForward(hPrev, w.arg(), b ? b.arg() : null, gh.arg());
    native.gruCellForward(block(gi, t, [N, G]), gh.arg(), hPrev, block(hs, t, [N, H]), block(ws, t, [N, 4 * H]), params);
  });
  gh.dispose();
  if (gi !== giAll) gi.dispose();
  record(hs, [giAll, h0, wHh, bHh], 'GruLayerBackward', (g) => {
    const gc = g.contiguous();
    const gI = Tensor.empty([T, N, G], dt, dev);
    const gH = Tensor.empty([T, N, G], dt, dev);
    const carry = Tensor.empty([N, H], dt, dev, true); // dh flowing to the previous step
    const gOut = Tensor.empty([N, H], dt, dev);
    for (let s = T - 1; s >= 0; s--) {
      const t = order[s];
      const p = s === 0 ? -1 : order[s - 1];
      addBlocks(block(gc, t, [N * H]), block(carry, 0, [N * H]), block(gOut, 0, [N * H]));
      const hPrev = p < 0 ? h0c.arg() : block(hs, p, [N, H]);
      native.gruCellBackward(gOut.arg(), hPrev, block(ws, t, [N, 4 * H]), block(gI, t, [N, G]), block(gH, t, [N, G]), carry.arg(), params);
      mm(block(gH, t, [N, G]), w.arg(), carry.arg(), N, H, G, false, true); // dh_{t-1} = z dh_t + dhgates W_hh
    }
    gOut.dispose();
    if (gc !== g) gc.dispose();
    const wants = [giAll, h0, wHh, bHh].map((x) => !!x && x.requiresGrad);
    const gH0 = wants[1] ? carry : (carry.dispose(), null);
    const [gW, gB] = recurrentWeightGrads(gH, hs, h0c, order, wants[2], wants[3], false);
    gH.dispose();
    const gGi = wants[0] ? gI : (gI.dispose(), null);
    return [gGi, gH0, gW, gB];
  }, [hs]);
  if (!hs.gradFn) ws.dispose();
  return hs;
}

/** out = a + b for three contiguous 1-D blocks of one length (the native binary kernel, unit strides). */
function addBlocks(a: Arg, b: Arg, out: Arg): void {
  native.binary(a, b, out, { op: enums.BinaryOp.Add, inputStrides: [1], otherStrides: [1] });
}

/**
 * The gradients of W_hh [G, H] and b_hh [G] of a layer from the per-step gradients of the
 * recurrent gates gGates [T, N, G]: sum over steps of gGates_t^T h_prev(t), and of gGates_t over
 * steps and batch. States: the layer's outputs (hcAll [T, 2, N, H] when packed (LSTM), else
 * [T, N, H]) and h0, in processing order `order`.
 */
function recurrentWeightGrads(gGates: Tensor, states: Tensor, h0: Tensor, order: number[], wantW: boolean, wantB: boolean, packed: boolean): [Tensor | null, Tensor | null] {
  const [T, N, G] = gGates.shape;
  const H = h0.shape[1];
  let gW: Tensor | null = null;
  if (wantW) {
    // hPrev [T, N, H]: the state each step started from, in time order
    const hs = packed ? states.select(1, 0) : states;
    const reverse = T > 1 && order[0] === T - 1;
    const parts = reverse ? [hs.narrow(0, 1, T - 1), h0.unsqueeze(0)] : [h0.unsqueeze(0), hs.narrow(0, 0, T - 1)];
    const hPrev = cat(parts, 0);
    gW = Tensor.empty([G, H], gGates.dtype, gGates.device);
    native.matmul(gGates.arg(), hPrev.arg(), gW.arg(), { batch: 1, M: G, N: H, K: T * N, transA: true, transB: false, strideA: 0, strideB: 0, strideC: G * H, alpha: 1, beta: 0 });
    hPrev.dispose();
  }
  const gB = wantB ? sum(gGates.reshape([T * N, G]), 0) : null;
  return [gW, gB];
}
