// native/cuda/activation.cu — CUDA kernels of the activation family (native/ops/activation.h): a
// grid-stride map per (op, dtype), the op a template parameter; the per-element math is the header's,
// the same code the CPU kernels run.
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/activation.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// o[i] = f(x[i]) (o may be x)
template <ActivationOp OP, typename T>
__global__ void activation_kernel(const T* x, T* o, T a, T b, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = act::forward<OP, T>(x[i], a, b);
}
// dx[i] = dy[i] * f'(x[i])
template <ActivationOp OP, typename T>
__global__ void activation_backward_kernel(const T* __restrict__ x, const T* __restrict__ g, T* __restrict__ o, T a,
                                           T b, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = act::backward<OP, T>(x[i], g[i], a, b);
}

void activation_cuda(const TensorView& x, const TensorView& out, const ActivationParams& p) {
  require_cuda("activation", {&x, &out});
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_float("activation", x.dtype, [&](auto z) {
    using T = decltype(z);
    act::dispatch_activation(p.op, [&](auto opc) {
      cuda::launch<activation_kernel<decltype(opc)::value, T>>(
          cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(), out.ptr<T>(), T(p.a), T(p.b), n);
    });
    TL_CUDA_LAUNCH_CHECK("activation");
  });
}
TL_REGISTER_KERNEL(activation_op, CUDA, activation_cuda, kFloatTypes);

void activation_backward_cuda(const TensorView& x, const TensorView& dy, const TensorView& dx,
                              const ActivationParams& p) {
  require_cuda("activation_backward", {&x, &dy, &dx});
  const int64_t n = dx.numel();
  if (n == 0) return;
  dispatch_float("activation_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    act::dispatch_activation(p.op, [&](auto opc) {
      cuda::launch<activation_backward_kernel<decltype(opc)::value, T>>(cuda::blocks_for(n, kThreads), kThreads, 0,
                                                                        cuda::stream(), x.ptr<T>(), dy.ptr<T>(),
                                                                        dx.ptr<T>(), T(p.a), T(p.b), n);
    });
    TL_CUDA_LAUNCH_CHECK("activation_backward");
  });
}
TL_REGISTER_KERNEL(activation_backward_op, CUDA, activation_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
