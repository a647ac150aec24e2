// native/cuda/upsample.cu — CUDA kernels of nearest / linear / bicubic (optionally antialiased)
// resampling of 1-3 spatial dims (native/ops/upsample.h): one thread per output element (forward) or
// input element (backward, a gather over ups::readers: deterministic, no atomics), the CPU kernels'
// taps computed in place.
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/upsample.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// out: [planes, oD, oH, oW]; total = its numel. Antialiased taps are evaluated in place (their
// count varies with the output index), so no tables are needed on the device.
template <typename T>
__global__ void upsample_kernel(const T* __restrict__ in, T* __restrict__ out, ups::Dim<T> dz, ups::Dim<T> dy,
                                ups::Dim<T> dx, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t xo = e % dx.out, y = (e / dx.out) % dy.out, zo = (e / (dx.out * dy.out)) % dz.out,
                  pl = e / (dx.out * dy.out * dz.out);
    const ups::Taps<T> tz = ups::taps(dz, zo), ty = ups::taps(dy, y), tx = ups::taps(dx, xo);
    const T* vol = in + pl * dz.in * dy.in * dx.in;
    T acc = T(0);
    for (int64_t c = 0; c < tz.n; ++c) {
      const T* plane = vol + tz.index(c) * dy.in * dx.in;
      T sy = T(0);
      for (int64_t a = 0; a < ty.n; ++a) {
        const T* row = plane + ty.index(a) * dx.in;
        T s = T(0);
        for (int64_t b = 0; b < tx.n; ++b) s += tx.weight(dx, b) * row[tx.index(b)];
        sy += ty.weight(dy, a) * s;
      }
      acc += tz.weight(dz, c) * sy;
    }
    out[e] = acc;
  }
}
// gin: [planes, iD, iH, iW]; total = its numel
template <typename T>
__global__ void upsample_backward_kernel(const T* __restrict__ gout, T* __restrict__ gin, ups::Dim<T> dz,
                                         ups::Dim<T> dy, ups::Dim<T> dx, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ix = e % dx.in, iy = (e / dx.in) % dy.in, iz = (e / (dx.in * dy.in)) % dz.in,
                  pl = e / (dx.in * dy.in * dz.in);
    int64_t zlo, zhi, ylo, yhi, xlo, xhi;
    ups::readers(dz, iz, zlo, zhi);
    ups::readers(dy, iy, ylo, yhi);
    ups::readers(dx, ix, xlo, xhi);
    const T* vol = gout + pl * dz.out * dy.out * dx.out;
    T acc = T(0);
    for (int64_t zo = zlo; zo <= zhi; ++zo) {
      const T wz = ups::weight_of(dz, zo, iz);
      const T* plane = vol + zo * dy.out * dx.out;
      T sy = T(0);
      for (int64_t y = ylo; y <= yhi; ++y) {
        const T wy = ups::weight_of(dy, y, iy);
        const T* row = plane + y * dx.out;
        T s = T(0);
        for (int64_t xo = xlo; xo <= xhi; ++xo) s += ups::weight_of(dx, xo, ix) * row[xo];
        sy += wy * s;
      }
      acc += wz * sy;
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
    const ups::Dims<T> ds = ups::make_dims<T>(p);
    cuda::launch<upsample_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                     out.ptr<T>(), ds.d, ds.h, ds.w, total);
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
    const ups::Dims<T> ds = ups::make_dims<T>(p);
    cuda::launch<upsample_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                              gout.ptr<T>(), gin.ptr<T>(), ds.d, ds.h, ds.w, total);
    TL_CUDA_LAUNCH_CHECK("upsample_backward");
  });
}
TL_REGISTER_KERNEL(upsample_backward_op, CUDA, upsample_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
