// lib/ops/rnn.ts — the fused pointwise step of the LSTM and GRU cells (native/ops/rnn.h), with
// gradients: the modules of lib/nn/rnn.ts compute the two GEMMs of a step with linear() and hand the
// gate pre-activations here. Internal ops (PyTorch's are the private _thnn_fused_lstm_cell /
// _thnn_fused_gru_cell); inputs are checked by the modules, and again (shapes, dtypes) natively.
//  lstmCellFused(igates [B, 4H], hgates [B, 4H], cx [B, H]) -> [2, B, H]: h' then c' (one tensor, so
//    one autograd node serves both outputs; the caller takes select(0, 0) / select(0, 1)).
//  gruCellFused(igates [B, 3H], hgates [B, 3H], hx [B, H]) -> h' [B, H].
import { native } from '../binding';
import { Tensor } from '../tensor';
import { record } from '../autograd';
import { clone } from './elementwise';

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
