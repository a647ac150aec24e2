// native/cuda/upsample.cu — CUDA kernels of nearest / linear / bicubic resampling
// (native/ops/upsample.h): one thread per output element (forward) or input element (backward, a
// gather over ups::readers: deterministic, no atomics), the CPU kernels' taps computed in place.
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/upsample.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// out: [planes, oH, oW]; total = its numel
template <typename T>
__global__ void upsample_kernel(const T* __restrict__ in, T* __restrict__ out, ups::Dim<T> dy, ups::Dim<T> dx,
                                int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t xo = e % dx.out, y = (e / dx.out) % dy.out, pl = e / (dx.out * dy.out);
    int64_t iy[4], ix[4];
    T wy[4], wx[4];
    const int ny = ups::taps(dy, y, iy, wy);
    const int nx = ups::taps(dx, xo, ix, wx);
    const T* plane = in + pl * dy.in * dx.in;
    T acc = T(0);
    for (int a = 0; a < ny; ++a) {
      const T* row = plane + iy[a] * dx.in;
      T s = T(0);
      for (int b = 0; b < nx; ++b) s += wx[b] * row[ix[b]];
      acc += wy[a] * s;
    }
    out[e] = acc;
  }
}
// gin: [planes, iH, iW]; total = its numel
template <typename T>
__global__ void upsample_backward_kernel(const T* __restrict__ gout, T* __restrict__ gin, ups::Dim<T> dy,
                                         ups::Dim<T> dx, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ix = e % dx.in, iy = (e / dx.in) % dy.in, pl = e / (dx.in * dy.in);
    int64_t ylo, yhi, xlo, xhi;
    ups::readers(dy, iy, ylo, yhi);
    ups::readers(dx, ix, xlo, xhi);
    const T* plane = gout + pl * dy.out * dx.out;
    T acc = T(0);
    for (int64_t y = ylo; y <= yhi; ++y) {
      const T wy = ups::weight_of(dy, y, iy);
      const T* row = plane + y * dx.out;
      T s = T(0);
      for (int64_t xo = xlo; xo <= xhi; ++xo) s += ups::weight_of(dx, xo, ix) * row[xo];
      acc += wy * s;
    }
    gin[e] = acc;
  }
}

void upsample_cuda(const TensorView& x, const TensorView& out, const UpsampleParams& p) {
  require_cuda("upsample", {&x, &out});
  const int64_t total = out.numel();
  if (total == 0) return;
  dispatch_float("upsample", x.dtype, [&](auto z) {
    using T = decltype(z);
    const auto dy = ups::make_dim<T>(p.mode, p.in_h, p.out_h, p.align_corners, p.scale_h);
    const auto dx = ups::make_dim<T>(p.mode, p.in_w, p.out_w, p.align_corners, p.scale_w);
    cuda::launch<upsample_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                     out.ptr<T>(), dy, dx, total);
    TL_CUDA_LAUNCH_CHECK("upsample");
  });
}
TL_REGISTER_KERNEL(upsample_op, CUDA, upsample_cuda, kFloatTypes);

void upsample_backward_cuda(const TensorView& gout, const TensorView& gin, const UpsampleParams& p) {
  require_cuda("upsample_backward", {&gout, &gin});
  const int64_t total = gin.numel();
  if (total == 0) return;
  dispatch_float("upsample_backward", gout.dtype, [&](auto z) {
    using T = decltype(z);
    const auto dy = ups::make_dim<T>(p.mode, p.in_h, p.out_h, p.align_corners, p.scale_h);
    const auto dx = ups::make_dim<T>(p.mode, p.in_w, p.out_w, p.align_corners, p.scale_w);
    cuda::launch<upsample_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                              gout.ptr<T>(), gin.ptr<T>(), dy, dx, total);
    TL_CUDA_LAUNCH_CHECK("upsample_backward");
  });
}
TL_REGISTER_KERNEL(upsample_backward_op, CUDA, upsample_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
