// native/cuda/pool3d.cu — CUDA kernels of the 3-D pooling ops (native/ops/pool3d.h): one thread per
// output element (forward) or input element (backward: a gather over the outputs whose windows can
// hold it, so no atomics and deterministic), computed by the per-element functions of p3:: shared
// with the CPU kernels (native/cpu/pool3d.cc).
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/pool3d.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// total = numel of the output
template <typename T>
__global__ void max_pool3d_forward_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ idx,
                                          Pool3dParams p, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::max_fwd(x, y, idx, p, e);
}
void max_pool3d_forward_cuda(const TensorView& x, const TensorView& y, const TensorView& idx, const Pool3dParams& p) {
  require_cuda("max_pool3d_forward", {&x, &y, &idx});
  const int64_t total = y.numel();
  if (total == 0) return;
  dispatch_float("max_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<max_pool3d_forward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                               x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>(), p, total);
    TL_CUDA_LAUNCH_CHECK("max_pool3d_forward");
  });
}
TL_REGISTER_KERNEL(max_pool3d_forward_op, CUDA, max_pool3d_forward_cuda, kFloatTypes);

// total = numel of the input gradient
template <typename T>
__global__ void max_pool3d_backward_kernel(const T* __restrict__ dy, const int64_t* __restrict__ idx,
                                           T* __restrict__ dx, Pool3dParams p, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::max_bwd(dy, idx, dx, p, e);
}
void max_pool3d_backward_cuda(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                              const Pool3dParams& p) {
  require_cuda("max_pool3d_backward", {&dy, &idx, &dx});
  const int64_t total = dx.numel();
  if (total == 0) return;
  dispatch_float("max_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<max_pool3d_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                dy.ptr<T>(), idx.ptr<int64_t>(), dx.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("max_pool3d_backward");
  });
}
TL_REGISTER_KERNEL(max_pool3d_backward_op, CUDA, max_pool3d_backward_cuda, kFloatTypes);

// total = numel of the output
template <typename T>
__global__ void avg_pool3d_forward_kernel(const T* __restrict__ x, T* __restrict__ y, AvgPool3dParams p,
                                          int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::avg_fwd(x, y, p, e);
}
void avg_pool3d_forward_cuda(const TensorView& x, const TensorView& y, const AvgPool3dParams& p) {
  require_cuda("avg_pool3d_forward", {&x, &y});
  const int64_t total = y.numel();
  if (total == 0) return;
  dispatch_float("avg_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<avg_pool3d_forward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                               x.ptr<T>(), y.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("avg_pool3d_forward");
  });
}
TL_REGISTER_KERNEL(avg_pool3d_forward_op, CUDA, avg_pool3d_forward_cuda, kFloatTypes);

// total = numel of the input gradient
template <typename T>
__global__ void avg_pool3d_backward_kernel(const T* __restrict__ dy, T* __restrict__ dx, AvgPool3dParams p,
                                           int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::avg_bwd(dy, dx, p, e);
}
void avg_pool3d_backward_cuda(const TensorView& dy, const TensorView& dx, const AvgPool3dParams& p) {
  require_cuda("avg_pool3d_backward", {&dy, &dx});
  const int64_t total = dx.numel();
  if (total == 0) return;
  dispatch_float("avg_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<avg_pool3d_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                dy.ptr<T>(), dx.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("avg_pool3d_backward");
  });
}
TL_REGISTER_KERNEL(avg_pool3d_backward_op, CUDA, avg_pool3d_backward_cuda, kFloatTypes);

// total = numel of the output
template <typename T>
__global__ void adaptive_avg_pool3d_forward_kernel(const T* __restrict__ x, T* __restrict__ y, Plane3dParams p,
                                                   int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::aavg_fwd(x, y, p, e);
}
void adaptive_avg_pool3d_forward_cuda(const TensorView& x, const TensorView& y, const Plane3dParams& p) {
  require_cuda("adaptive_avg_pool3d_forward", {&x, &y});
  const int64_t total = y.numel();
  if (total == 0) return;
  dispatch_float("adaptive_avg_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<adaptive_avg_pool3d_forward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                        x.ptr<T>(), y.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("adaptive_avg_pool3d_forward");
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool3d_forward_op, CUDA, adaptive_avg_pool3d_forward_cuda, kFloatTypes);

// total = numel of the input gradient
template <typename T>
__global__ void adaptive_avg_pool3d_backward_kernel(const T* __restrict__ dy, T* __restrict__ dx, Plane3dParams p,
                                                    int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::aavg_bwd(dy, dx, p, e);
}
void adaptive_avg_pool3d_backward_cuda(const TensorView& dy, const TensorView& dx, const Plane3dParams& p) {
  require_cuda("adaptive_avg_pool3d_backward", {&dy, &dx});
  const int64_t total = dx.numel();
  if (total == 0) return;
  dispatch_float("adaptive_avg_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<adaptive_avg_pool3d_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                         dy.ptr<T>(), dx.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("adaptive_avg_pool3d_backward");
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool3d_backward_op, CUDA, adaptive_avg_pool3d_backward_cuda, kFloatTypes);

// total = numel of the output
template <typename T>
__global__ void adaptive_max_pool3d_forward_kernel(const T* __restrict__ x, T* __restrict__ y,
                                                   int64_t* __restrict__ idx, Plane3dParams p, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::amax_fwd(x, y, idx, p, e);
}
void adaptive_max_pool3d_forward_cuda(const TensorView& x, const TensorView& y, const TensorView& idx,
                                      const Plane3dParams& p) {
  require_cuda("adaptive_max_pool3d_forward", {&x, &y, &idx});
  const int64_t total = y.numel();
  if (total == 0) return;
  dispatch_float("adaptive_max_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<adaptive_max_pool3d_forward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                        x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>(), p, total);
    TL_CUDA_LAUNCH_CHECK("adaptive_max_pool3d_forward");
  });
}
TL_REGISTER_KERNEL(adaptive_max_pool3d_forward_op, CUDA, adaptive_max_pool3d_forward_cuda, kFloatTypes);

// total = numel of the input gradient
template <typename T>
__global__ void adaptive_max_pool3d_backward_kernel(const T* __restrict__ dy, const int64_t* __restrict__ idx,
                                                    T* __restrict__ dx, Plane3dParams p, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x)
    p3::amax_bwd(dy, idx, dx, p, e);
}
void adaptive_max_pool3d_backward_cuda(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                       const Plane3dParams& p) {
  require_cuda("adaptive_max_pool3d_backward", {&dy, &idx, &dx});
  const int64_t total = dx.numel();
  if (total == 0) return;
  dispatch_float("adaptive_max_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<adaptive_max_pool3d_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                         dy.ptr<T>(), idx.ptr<int64_t>(), dx.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("adaptive_max_pool3d_backward");
  });
}
TL_REGISTER_KERNEL(adaptive_max_pool3d_backward_op, CUDA, adaptive_max_pool3d_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
