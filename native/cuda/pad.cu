// native/cuda/pad.cu — CUDA kernels of reflect / replicate / circular padding (native/ops/pad.h),
// the CPU kernels' index maps (padmap::) on one thread per output (forward) or input (backward)
// element; the backward gathers (deterministic, no atomics).
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/pad.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

struct PadGeom {
  PadMode mode;
  int64_t D, H, W, oD, oH, oW;
  int64_t pads[6];
};
PadGeom pad_geom(const PadParams& p) {
  PadGeom g{p.mode, p.in_size[0], p.in_size[1], p.in_size[2], 0, 0, 0, {0, 0, 0, 0, 0, 0}};
  for (int k = 0; k < 6; ++k) g.pads[k] = p.pads[k];
  g.oD = g.D + g.pads[0] + g.pads[1];
  g.oH = g.H + g.pads[2] + g.pads[3];
  g.oW = g.W + g.pads[4] + g.pads[5];
  return g;
}

// out: [outer, oD, oH, oW]; total = its numel
template <typename T>
__global__ void pad_kernel(const T* __restrict__ in, T* __restrict__ out, PadGeom g, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t w = e % g.oW, h = (e / g.oW) % g.oH, d = (e / (g.oW * g.oH)) % g.oD, n = e / (g.oW * g.oH * g.oD);
    const int64_t sd = padmap::source(g.mode, d, g.D, g.pads[0]);
    const int64_t sh = padmap::source(g.mode, h, g.H, g.pads[2]);
    const int64_t sw = padmap::source(g.mode, w, g.W, g.pads[4]);
    out[e] = in[((n * g.D + sd) * g.H + sh) * g.W + sw];
  }
}
// gin: [outer, D, H, W]; total = its numel
template <typename T>
__global__ void pad_backward_kernel(const T* __restrict__ gout, T* __restrict__ gin, PadGeom g, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t w = e % g.W, h = (e / g.W) % g.H, d = (e / (g.W * g.H)) % g.D, n = e / (g.W * g.H * g.D);
    int64_t dlo[3], dhi[3], hlo[3], hhi[3], wlo[3], whi[3];
    const int nd = padmap::sources_of(g.mode, d, g.D, g.pads[0], g.pads[1], dlo, dhi);
    const int nh = padmap::sources_of(g.mode, h, g.H, g.pads[2], g.pads[3], hlo, hhi);
    const int nw = padmap::sources_of(g.mode, w, g.W, g.pads[4], g.pads[5], wlo, whi);
    T acc = T(0);
    for (int a = 0; a < nd; ++a)
      for (int64_t jd = dlo[a]; jd <= dhi[a]; ++jd)
        for (int b = 0; b < nh; ++b)
          for (int64_t jh = hlo[b]; jh <= hhi[b]; ++jh) {
            const T* row = gout + ((n * g.oD + jd) * g.oH + jh) * g.oW;
            for (int c = 0; c < nw; ++c)
              for (int64_t jw = wlo[c]; jw <= whi[c]; ++jw) acc += row[jw];
          }
    gin[e] = acc;
  }
}

void pad_cuda(const TensorView& x, const TensorView& out, const PadParams& p) {
  require_cuda("pad", {&x, &out});
  const int64_t total = out.numel();
  if (total == 0) return;
  const PadGeom g = pad_geom(p);
  dispatch_float("pad", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<pad_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                out.ptr<T>(), g, total);
    TL_CUDA_LAUNCH_CHECK("pad");
  });
}
TL_REGISTER_KERNEL(pad_op, CUDA, pad_cuda, kFloatTypes);

void pad_backward_cuda(const TensorView& dy, const TensorView& dx, const PadParams& p) {
  require_cuda("pad_backward", {&dy, &dx});
  const int64_t total = dx.numel();
  if (total == 0) return;
  const PadGeom g = pad_geom(p);
  dispatch_float("pad_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<pad_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), dy.ptr<T>(),
                                         dx.ptr<T>(), g, total);
    TL_CUDA_LAUNCH_CHECK("pad_backward");
  });
}
TL_REGISTER_KERNEL(pad_backward_op, CUDA, pad_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
