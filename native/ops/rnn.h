// native/ops/rnn.h — declarations of the fused pointwise parts of one LSTM / GRU step (kernels:
// native/cpu/rnn.cc, native/cuda/rnn.cu). The two GEMMs of a step (x W_ih^T + b_ih and
// h W_hh^T + b_hh) run through matmul beforehand; these kernels take their results, igates and
// hgates, contiguous [batch, G * hidden] in PyTorch's gate order, every tensor contiguous and of one
// floating dtype (math in that dtype, as PyTorch's fused cells).
//  LSTM (gates i, f, g, o; G = 4): a = igates + hgates; i = sig(a_i), f = sig(a_f), g = tanh(a_g),
//    o = sig(a_o); c' = f * c + i * g; h' = o * tanh(c'). out [2, batch, hidden] holds h' then c';
//    workspace [batch, 4 * hidden] keeps the activated i, f, g, o for the backward.
//  LSTM backward: from gradOut [2, batch, hidden] (dh', dc'), cx, out and workspace: gradGates
//    [batch, 4 * hidden] (the gradient of a = igates + hgates, so of both) and gradCx.
//  GRU (gates r, z, n; G = 3): r = sig(i_r + h_r), z = sig(i_z + h_z), n = tanh(i_n + r * h_n),
//    h' = (1 - z) * n + z * h. workspace [batch, 4 * hidden] keeps r, z, n and h_n.
//  GRU backward: from gradHy, hx and workspace: gradIgates, gradHgates [batch, 3 * hidden] (they
//    differ in the n block: d(i_n) = dn, d(h_n) = dn * r) and gradHx (the direct z * dh' part; the
//    part through h W_hh^T comes from the GEMM's backward).
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_RNN_CELL_FIELDS(X) \
  X(int64_t, batch, 0, kMaxSize) \
  X(int64_t, hidden, 0, kMaxSize)
// clang-format on
TL_PARAMS(RnnCellParams, TL_RNN_CELL_FIELDS)
TL_OP(lstm_cell_forward, "igates, hgates, cx, out, workspace", RnnCellParams)
TL_OP(lstm_cell_backward, "gradOut, cx, out, workspace, gradGates, gradCx", RnnCellParams)
TL_OP(gru_cell_forward, "igates, hgates, hx, hy, workspace", RnnCellParams)
TL_OP(gru_cell_backward, "gradHy, hx, workspace, gradIgates, gradHgates, gradHx", RnnCellParams)

inline void check_rnn_tensor(const char* op, const char* name, const TensorView& t, const TensorView& ref,
                             int64_t numel) {
  check_present(op, name, t);
  check_dtype(op, name, t, ref.dtype);
  check_numel(op, name, t, numel);
}
inline void check_lstm_cell_forward(const TensorView& ig, const TensorView& hg, const TensorView& cx,
                                    const TensorView& out, const TensorView& ws, const RnnCellParams& p) {
  const char* op = "lstm_cell_forward";
  const int64_t bh = checked_mul(op, p.batch, p.hidden);
  check_rnn_tensor(op, "igates", ig, ig, checked_mul(op, bh, 4));
  check_rnn_tensor(op, "hgates", hg, ig, 4 * bh);
  check_rnn_tensor(op, "cx", cx, ig, bh);
  check_rnn_tensor(op, "out", out, ig, 2 * bh);
  check_rnn_tensor(op, "workspace", ws, ig, 4 * bh);
}
TL_OP_CHECK(lstm_cell_forward, check_lstm_cell_forward)
inline void check_lstm_cell_backward(const TensorView& go, const TensorView& cx, const TensorView& out,
                                     const TensorView& ws, const TensorView& gg, const TensorView& gcx,
                                     const RnnCellParams& p) {
  const char* op = "lstm_cell_backward";
  const int64_t bh = checked_mul(op, p.batch, p.hidden);
  check_rnn_tensor(op, "gradOut", go, go, checked_mul(op, bh, 2));
  check_rnn_tensor(op, "cx", cx, go, bh);
  check_rnn_tensor(op, "out", out, go, 2 * bh);
  check_rnn_tensor(op, "workspace", ws, go, checked_mul(op, bh, 4));
  check_rnn_tensor(op, "gradGates", gg, go, 4 * bh);
  check_rnn_tensor(op, "gradCx", gcx, go, bh);
}
TL_OP_CHECK(lstm_cell_backward, check_lstm_cell_backward)
inline void check_gru_cell_forward(const TensorView& ig, const TensorView& hg, const TensorView& hx,
                                   const TensorView& hy, const TensorView& ws, const RnnCellParams& p) {
  const char* op = "gru_cell_forward";
  const int64_t bh = checked_mul(op, p.batch, p.hidden);
  check_rnn_tensor(op, "igates", ig, ig, checked_mul(op, bh, 3));
  check_rnn_tensor(op, "hgates", hg, ig, 3 * bh);
  check_rnn_tensor(op, "hx", hx, ig, bh);
  check_rnn_tensor(op, "hy", hy, ig, bh);
  check_rnn_tensor(op, "workspace", ws, ig, checked_mul(op, bh, 4));
}
TL_OP_CHECK(gru_cell_forward, check_gru_cell_forward)
inline void check_gru_cell_backward(const TensorView& ghy, const TensorView& hx, const TensorView& ws,
                                    const TensorView& gig, const TensorView& ghg, const TensorView& ghx,
                                    const RnnCellParams& p) {
  const char* op = "gru_cell_backward";
  const int64_t bh = checked_mul(op, p.batch, p.hidden);
  check_rnn_tensor(op, "gradHy", ghy, ghy, bh);
  check_rnn_tensor(op, "hx", hx, ghy, bh);
  check_rnn_tensor(op, "workspace", ws, ghy, checked_mul(op, bh, 4));
  check_rnn_tensor(op, "gradIgates", gig, ghy, checked_mul(op, bh, 3));
  check_rnn_tensor(op, "gradHgates", ghg, ghy, 3 * bh);
  check_rnn_tensor(op, "gradHx", ghx, ghy, bh);
}
TL_OP_CHECK(gru_cell_backward, check_gru_cell_backward)

}  // namespace tl
