// native/cuda/rnn.cu — CUDA kernels of the fused LSTM / GRU cell steps (ops/rnn.h), the formulas of
// native/cpu/rnn.cc: one thread per (batch, hidden) element in a grid-stride loop, math in T with
// libdevice's exp / tanh (nvcc may contract a * b + c into an FMA: results can differ from the CPU
// by the float tolerances of test/ops/tolerances.ts).
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/rnn.h"

namespace tl {
namespace {

template <typename T>
__device__ __forceinline__ T sigm(T x) {
  return T(1) / (T(1) + exp(-x));
}

// igates, hgates, ws: [B, 4H]; cx: [B, H]; out: [2, B, H] (h', c')
template <typename T>
__global__ void lstm_fwd_kernel(const T* __restrict__ ig, const T* __restrict__ hg, const T* __restrict__ cx,
                                T* __restrict__ out, T* __restrict__ ws, int64_t B, int64_t H) {
  const int64_t n = B * H;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / H, j = e % H, g0 = b * 4 * H + j;
    const T i = sigm(ig[g0] + hg[g0]);
    const T f = sigm(ig[g0 + H] + hg[g0 + H]);
    const T g = tanh(ig[g0 + 2 * H] + hg[g0 + 2 * H]);
    const T o = sigm(ig[g0 + 3 * H] + hg[g0 + 3 * H]);
    const T c = f * cx[e] + i * g;
    out[n + e] = c;
    out[e] = o * tanh(c);
    ws[g0] = i;
    ws[g0 + H] = f;
    ws[g0 + 2 * H] = g;
    ws[g0 + 3 * H] = o;
  }
}

// go, out: [2, B, H]; cx, gcx: [B, H]; ws, gg: [B, 4H]
template <typename T>
__global__ void lstm_bwd_kernel(const T* __restrict__ go, const T* __restrict__ cx, const T* __restrict__ out,
                                const T* __restrict__ ws, T* __restrict__ gg, T* __restrict__ gcx, int64_t B,
                                int64_t H) {
  const int64_t n = B * H;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / H, j = e % H, g0 = b * 4 * H + j;
    const T i = ws[g0], f = ws[g0 + H], g = ws[g0 + 2 * H], o = ws[g0 + 3 * H];
    const T ghy = go[e];
    const T tc = tanh(out[n + e]);
    const T gc = go[n + e] + ghy * o * (T(1) - tc * tc);
    gg[g0] = gc * g * i * (T(1) - i);
    gg[g0 + H] = gc * cx[e] * f * (T(1) - f);
    gg[g0 + 2 * H] = gc * i * (T(1) - g * g);
    gg[g0 + 3 * H] = ghy * tc * o * (T(1) - o);
    gcx[e] = gc * f;
  }
}

// igates, hgates: [B, 3H]; hx, hy: [B, H]; ws: [B, 4H] (r, z, n, h_n)
template <typename T>
__global__ void gru_fwd_kernel(const T* __restrict__ ig, const T* __restrict__ hg, const T* __restrict__ hx,
                               T* __restrict__ hy, T* __restrict__ ws, int64_t B, int64_t H) {
  const int64_t n = B * H;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / H, j = e % H, g0 = b * 3 * H + j, w0 = b * 4 * H + j;
    const T r = sigm(ig[g0] + hg[g0]);
    const T z = sigm(ig[g0 + H] + hg[g0 + H]);
    const T hn = hg[g0 + 2 * H];
    const T nn = tanh(ig[g0 + 2 * H] + r * hn);
    hy[e] = (T(1) - z) * nn + z * hx[e];
    ws[w0] = r;
    ws[w0 + H] = z;
    ws[w0 + 2 * H] = nn;
    ws[w0 + 3 * H] = hn;
  }
}

// ghy, hx, ghx: [B, H]; ws: [B, 4H]; gig, ghg: [B, 3H]
template <typename T>
__global__ void gru_bwd_kernel(const T* __restrict__ ghy, const T* __restrict__ hx, const T* __restrict__ ws,
                               T* __restrict__ gig, T* __restrict__ ghg, T* __restrict__ ghx, int64_t B, int64_t H) {
  const int64_t n = B * H;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
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
  }
}

void lstm_cell_forward_cuda(const TensorView& ig, const TensorView& hg, const TensorView& cx, const TensorView& out,
                            const TensorView& ws, const RnnCellParams& p) {
  const char* op = "lstm_cell_forward";
  require_cuda(op, {&ig, &hg, &cx, &out, &ws});
  const int64_t n = p.batch * p.hidden;
  if (n == 0) return;
  dispatch_float(op, ig.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<lstm_fwd_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), ig.ptr<T>(), hg.ptr<T>(),
                                     cx.ptr<T>(), out.ptr<T>(), ws.ptr<T>(), p.batch, p.hidden);
    TL_CUDA_LAUNCH_CHECK(op);
  });
}
void lstm_cell_backward_cuda(const TensorView& go, const TensorView& cx, const TensorView& out, const TensorView& ws,
                             const TensorView& gg, const TensorView& gcx, const RnnCellParams& p) {
  const char* op = "lstm_cell_backward";
  require_cuda(op, {&go, &cx, &out, &ws, &gg, &gcx});
  const int64_t n = p.batch * p.hidden;
  if (n == 0) return;
  dispatch_float(op, go.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<lstm_bwd_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), go.ptr<T>(), cx.ptr<T>(),
                                     out.ptr<T>(), ws.ptr<T>(), gg.ptr<T>(), gcx.ptr<T>(), p.batch, p.hidden);
    TL_CUDA_LAUNCH_CHECK(op);
  });
}
void gru_cell_forward_cuda(const TensorView& ig, const TensorView& hg, const TensorView& hx, const TensorView& hy,
                           const TensorView& ws, const RnnCellParams& p) {
  const char* op = "gru_cell_forward";
  require_cuda(op, {&ig, &hg, &hx, &hy, &ws});
  const int64_t n = p.batch * p.hidden;
  if (n == 0) return;
  dispatch_float(op, ig.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<gru_fwd_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), ig.ptr<T>(), hg.ptr<T>(),
                                    hx.ptr<T>(), hy.ptr<T>(), ws.ptr<T>(), p.batch, p.hidden);
    TL_CUDA_LAUNCH_CHECK(op);
  });
}
void gru_cell_backward_cuda(const TensorView& ghy, const TensorView& hx, const TensorView& ws, const TensorView& gig,
                            const TensorView& ghg, const TensorView& ghx, const RnnCellParams& p) {
  const char* op = "gru_cell_backward";
  require_cuda(op, {&ghy, &hx, &ws, &gig, &ghg, &ghx});
  const int64_t n = p.batch * p.hidden;
  if (n == 0) return;
  dispatch_float(op, ghy.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<gru_bwd_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), ghy.ptr<T>(), hx.ptr<T>(),
                                    ws.ptr<T>(), gig.ptr<T>(), ghg.ptr<T>(), ghx.ptr<T>(), p.batch, p.hidden);
    TL_CUDA_LAUNCH_CHECK(op);
  });
}
TL_REGISTER_KERNEL(lstm_cell_forward_op, CUDA, lstm_cell_forward_cuda, kFloatTypes);
TL_REGISTER_KERNEL(lstm_cell_backward_op, CUDA, lstm_cell_backward_cuda, kFloatTypes);
TL_REGISTER_KERNEL(gru_cell_forward_op, CUDA, gru_cell_forward_cuda, kFloatTypes);
TL_REGISTER_KERNEL(gru_cell_backward_op, CUDA, gru_cell_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
