// native/cpu/activation.cc — CPU kernels of the activation family (native/ops/activation.h): one
// loop per (op, dtype), the op a template parameter so each loop is a plain vectorisable map
// (compiled for AVX-512, AVX2 and the baseline); the math is the header's, shared with CUDA, except
// float32 GELU and SiLU (fast_math.h, below).
#include <type_traits>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "fast_math.h"
#include "ops/activation.h"

namespace tl {
namespace {

// float32 GELU (exact and tanh) and SiLU with fast_math.h's vectorisable exp / tanh / normal CDF
// (libm's erff, expf and tanhf are scalar calls: GELU took 12x PyTorch's time); every other op, and
// float64, the header's math.
template <ActivationOp OP, typename T>
inline T forward_cpu(T x, T a, T b) {
  if constexpr (std::is_same<T, float>::value && OP == ActivationOp::Gelu) {
    return x * normal_cdf_fast(x);
  } else if constexpr (std::is_same<T, float>::value && OP == ActivationOp::GeluTanh) {
    const T inner = T(act::kGeluBeta) * (x + T(act::kGeluKappa) * x * x * x);
    return T(0.5) * x * (T(1) + tanh_fast(inner));
  } else if constexpr (std::is_same<T, float>::value && OP == ActivationOp::Silu) {
    return x / (T(1) + exp_fast(-x));
  } else {
    return act::forward<OP, T>(x, a, b);
  }
}
template <ActivationOp OP, typename T>
inline T backward_cpu(T x, T dy, T a, T b) {
  if constexpr (std::is_same<T, float>::value && OP == ActivationOp::Gelu) {
    const T pdf = exp_fast(T(-0.5) * x * x) * T(act::kInvSqrt2Pi);
    return dy * (normal_cdf_fast(x) + x * pdf);
  } else if constexpr (std::is_same<T, float>::value && OP == ActivationOp::GeluTanh) {
    const T x2 = x * x;
    const T inner = T(act::kGeluBeta) * (x + T(act::kGeluKappa) * x2 * x);
    const T th = tanh_fast(inner);
    const T dleft = T(0.5) * (T(1) + th);
    const T dright = T(0.5) * x * (T(1) - th * th) * T(act::kGeluBeta) * (T(1) + T(3) * T(act::kGeluKappa) * x2);
    return dy * (dleft + dright);
  } else if constexpr (std::is_same<T, float>::value && OP == ActivationOp::Silu) {
    const T s = T(1) / (T(1) + exp_fast(-x));
    return dy * s * (T(1) + x * (T(1) - s));
  } else {
    return act::backward<OP, T>(x, dy, a, b);
  }
}

template <ActivationOp OP, typename T>
TL_TARGET_CLONES void activation_loop(const T* x, T* o, T a, T b, int64_t n) {
  TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = forward_cpu<OP, T>(x[i], a, b););
}
template <ActivationOp OP, typename T>
TL_TARGET_CLONES void activation_backward_loop(const T* x, const T* g, T* o, T a, T b, int64_t n) {
  TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = backward_cpu<OP, T>(x[i], g[i], a, b););
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
