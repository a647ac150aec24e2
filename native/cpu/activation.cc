// native/cpu/activation.cc — CPU kernels of the activation family (native/ops/activation.h): one
// loop per (op, dtype), the op a template parameter so each loop is a plain vectorisable map
// (compiled for AVX-512, AVX2 and the baseline); the math is the header's, shared with CUDA.
#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/activation.h"

namespace tl {
namespace {

template <ActivationOp OP, typename T>
TL_TARGET_CLONES void activation_loop(const T* x, T* o, T a, T b, int64_t n) {
  TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = act::forward<OP, T>(x[i], a, b););
}
template <ActivationOp OP, typename T>
TL_TARGET_CLONES void activation_backward_loop(const T* x, const T* g, T* o, T a, T b, int64_t n) {
  TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = act::backward<OP, T>(x[i], g[i], a, b););
}

void activation_cpu(const TensorView& x, const TensorView& out, const ActivationParams& p) {
  const int64_t n = out.numel();
  dispatch_float("activation", x.dtype, [&](auto z) {
    using T = decltype(z);
    act::dispatch_activation(
        p.op, [&](auto opc) { activation_loop<decltype(opc)::value, T>(x.ptr<T>(), out.ptr<T>(), T(p.a), T(p.b), n); });
  });
}
TL_REGISTER_KERNEL(activation_op, CPU, activation_cpu, kFloatTypes);

void activation_backward_cpu(const TensorView& x, const TensorView& dy, const TensorView& dx,
                             const ActivationParams& p) {
  const int64_t n = dx.numel();
  dispatch_float("activation_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    act::dispatch_activation(p.op, [&](auto opc) {
      activation_backward_loop<decltype(opc)::value, T>(x.ptr<T>(), dy.ptr<T>(), dx.ptr<T>(), T(p.a), T(p.b), n);
    });
  });
}
TL_REGISTER_KERNEL(activation_backward_op, CPU, activation_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
