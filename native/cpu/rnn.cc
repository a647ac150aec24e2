// native/cpu/rnn.cc — CPU kernels of the fused LSTM / GRU cell steps (ops/rnn.h): one pass over
// [batch, hidden], each element independent (OpenMP over the batch * hidden elements), math in T.
// Forward and backward formulas are those of ops/rnn.h (PyTorch's gate orders: LSTM i, f, g, o;
// GRU r, z, n with n = tanh(i_n + r * (W_hn h + b_hn))). float32 sigmoid and tanh: fast_math.h's
// vectorisable forms (within 2 ulp / 5e-7); float64: libm.
#include <cmath>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/rnn.h"
#include "fast_math.h"

namespace tl {
namespace {

template <typename T>
void lstm_fwd(const T* ig, const T* hg, const T* cx, T* out, T* ws, int64_t B, int64_t H) {
  const int64_t n = B * H;
  T* hy = out;
  T* cy = out + n;
  TL_PAR_FOR(
      n > kParallelGrain / 8, for (int64_t e = 0; e < n; ++e) {
        const int64_t b = e / H, j = e % H, g0 = b * 4 * H + j;
        const T i = sigmoid_fast(ig[g0] + hg[g0]);
        const T f = sigmoid_fast(ig[g0 + H] + hg[g0 + H]);
        const T g = tanh_fast(ig[g0 + 2 * H] + hg[g0 + 2 * H]);
        const T o = sigmoid_fast(ig[g0 + 3 * H] + hg[g0 + 3 * H]);
        const T c = f * cx[e] + i * g;
        cy[e] = c;
        hy[e] = o * tanh_fast(c);
        ws[g0] = i;
        ws[g0 + H] = f;
        ws[g0 + 2 * H] = g;
        ws[g0 + 3 * H] = o;
      });
}

template <typename T>
void lstm_bwd(const T* go, const T* cx, const T* out, const T* ws, T* gg, T* gcx, int64_t B, int64_t H) {
  const int64_t n = B * H;
  const T* ghy = go;
  const T* gcy = go + n;
  const T* cy = out + n;
  TL_PAR_FOR(
      n > kParallelGrain / 8, for (int64_t e = 0; e < n; ++e) {
        const int64_t b = e / H, j = e % H, g0 = b * 4 * H + j;
        const T i = ws[g0], f = ws[g0 + H], g = ws[g0 + 2 * H], o = ws[g0 + 3 * H];
        const T tc = tanh_fast(cy[e]);
        const T gc = gcy[e] + ghy[e] * o * (T(1) - tc * tc);
        gg[g0] = gc * g * i * (T(1) - i);
        gg[g0 + H] = gc * cx[e] * f * (T(1) - f);
        gg[g0 + 2 * H] = gc * i * (T(1) - g * g);
        gg[g0 + 3 * H] = ghy[e] * tc * o * (T(1) - o);
        gcx[e] = gc * f;
      });
}

template <typename T>
void gru_fwd(const T* ig, const T* hg, const T* hx, T* hy, T* ws, int64_t B, int64_t H) {
  const int64_t n = B * H;
  TL_PAR_FOR(
      n > kParallelGrain / 8, for (int64_t e = 0; e < n; ++e) {
        const int64_t b = e / H, j = e % H, g0 = b * 3 * H + j, w0 = b * 4 * H + j;
        const T r = sigmoid_fast(ig[g0] + hg[g0]);
        const T z = sigmoid_fast(ig[g0 + H] + hg[g0 + H]);
        const T hn = hg[g0 + 2 * H];
        const T nn = tanh_fast(ig[g0 + 2 * H] + r * hn);
        hy[e] = (T(1) - z) * nn + z * hx[e];
        ws[w0] = r;
        ws[w0 + H] = z;
        ws[w0 + 2 * H] = nn;
        ws[w0 + 3 * H] = hn;
      });
}

template <typename T>
void gru_bwd(const T* ghy, const T* hx, const T* ws, T* gig, T* ghg, T* ghx, int64_t B, int64_t H) {
  const int64_t n = B * H;
  TL_PAR_FOR(
      n > kParallelGrain / 8, for (int64_t e = 0; e < n; ++e) {
        const int64_t b = e / H, j = e % H, g0 = b * 3 * H + j, w0 = b * 4 * H + j;
        const T r = ws[w0], z = ws[w0 + H], nn = ws[w0 + 2 * H], hn = ws[w0 + 3 * H];
        const T g = ghy[e];
        const T dn = g * (T(1) - z) * (T(1) - nn * nn);
        const T dz = g * (hx[e] - nn) * z * (T(1) - z);
        const T dr = dn * hn * r * (T(1) - r);
        gig[g0] = dr;
        gig[g0 + H] = dz;
        gig[g0 + 2 * H] = dn;
        ghg[g0] = dr;
        ghg[g0 + H] = dz;
        ghg[g0 + 2 * H] = dn * r;
        ghx[e] = g * z;
      });
}

void lstm_cell_forward_cpu(const TensorView& ig, const TensorView& hg, const TensorView& cx, const TensorView& out,
                           const TensorView& ws, const RnnCellParams& p) {
  dispatch_float("lstm_cell_forward", ig.dtype, [&](auto z) {
    using T = decltype(z);
    lstm_fwd<T>(ig.ptr<T>(), hg.ptr<T>(), cx.ptr<T>(), out.ptr<T>(), ws.ptr<T>(), p.batch, p.hidden);
  });
}
void lstm_cell_backward_cpu(const TensorView& go, const TensorView& cx, const TensorView& out, const TensorView& ws,
                            const TensorView& gg, const TensorView& gcx, const RnnCellParams& p) {
  dispatch_float("lstm_cell_backward", go.dtype, [&](auto z) {
    using T = decltype(z);
    lstm_bwd<T>(go.ptr<T>(), cx.ptr<T>(), out.ptr<T>(), ws.ptr<T>(), gg.ptr<T>(), gcx.ptr<T>(), p.batch, p.hidden);
  });
}
void gru_cell_forward_cpu(const TensorView& ig, const TensorView& hg, const TensorView& hx, const TensorView& hy,
                          const TensorView& ws, const RnnCellParams& p) {
  dispatch_float("gru_cell_forward", ig.dtype, [&](auto z) {
    using T = decltype(z);
    gru_fwd<T>(ig.ptr<T>(), hg.ptr<T>(), hx.ptr<T>(), hy.ptr<T>(), ws.ptr<T>(), p.batch, p.hidden);
  });
}
void gru_cell_backward_cpu(const TensorView& ghy, const TensorView& hx, const TensorView& ws, const TensorView& gig,
                           const TensorView& ghg, const TensorView& ghx, const RnnCellParams& p) {
  dispatch_float("gru_cell_backward", ghy.dtype, [&](auto z) {
    using T = decltype(z);
    gru_bwd<T>(ghy.ptr<T>(), hx.ptr<T>(), ws.ptr<T>(), gig.ptr<T>(), ghg.ptr<T>(), ghx.ptr<T>(), p.batch, p.hidden);
  });
}
TL_REGISTER_KERNEL(lstm_cell_forward_op, CPU, lstm_cell_forward_cpu, kFloatTypes);
TL_REGISTER_KERNEL(lstm_cell_backward_op, CPU, lstm_cell_backward_cpu, kFloatTypes);
TL_REGISTER_KERNEL(gru_cell_forward_op, CPU, gru_cell_forward_cpu, kFloatTypes);
TL_REGISTER_KERNEL(gru_cell_backward_op, CPU, gru_cell_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
