// native/ops/activation.h — the pointwise activations beyond relu/sigmoid/tanh (kernels:
// native/cpu/activation.cc, native/cuda/activation.cu): one op `activation` (forward) and one
// `activation_backward`, parameterised by ActivationOp and two scalars a, b, with PyTorch 1.13's
// formulas. The per-element math lives here, once, and both the CPU and the CUDA kernels call it.
// Contiguous buffers of one floating dtype; out may be input (in place).
#pragma once
#include <cmath>
#include <type_traits>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// What a and b mean, per op (unused ones are 0):
//   Gelu (exact, erf), GeluTanh (the tanh approximation), Silu, Mish, Hardswish, Hardsigmoid, Softsign,
//   LogSigmoid: none; LeakyRelu: a = negative slope; Elu: a = alpha, b = input scale (1 for ELU,
//   1/alpha for CELU); Softplus: a = beta, b = threshold; Hardtanh: a = min, b = max (ReLU6: 0, 6);
//   Threshold: a = threshold, b = value.
// clang-format off
#define TL_ACTIVATION_OPS(E) \
  E(Gelu) E(GeluTanh) E(LeakyRelu) E(Elu) E(Silu) E(Mish) E(Hardswish) E(Hardsigmoid) E(Softplus) \
  E(Softsign) E(Hardtanh) E(Threshold) E(LogSigmoid)
// clang-format on
TL_ENUM(ActivationOp, TL_ACTIVATION_OPS)
// clang-format off
#define TL_ACTIVATION_FIELDS(X) \
  X(ActivationOp, op, 0, 0) X(double, a, -kAnyNumber, kAnyNumber) X(double, b, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(ActivationParams, TL_ACTIVATION_FIELDS)
// out[i] = f(input[i]; a, b)
TL_OP(activation, "input, out", ActivationParams)
inline void check_activation(const TensorView& x, const TensorView& out, const ActivationParams&) {
  check_like("activation", "out", out, "input", x);
}
TL_OP_CHECK(activation, check_activation)
// gradInput[i] = gradOutput[i] * f'(input[i]; a, b), input being the forward's input (PyTorch's
// backward formulas, including its choices at the kinks).
TL_OP(activation_backward, "input, gradOutput, gradInput", ActivationParams)
inline void check_activation_backward(const TensorView& x, const TensorView& dy, const TensorView& dx,
                                      const ActivationParams&) {
  check_like("activation_backward", "gradOutput", dy, "input", x);
  check_like("activation_backward", "gradInput", dx, "input", x);
}
TL_OP_CHECK(activation_backward, check_activation_backward)

// ---- the math, shared by the CPU and CUDA kernels (host and device) ----------------------------------
#if defined(__CUDACC__)
#define TL_ACT_FN __host__ __device__ __forceinline__
#else
#define TL_ACT_FN inline
#endif

namespace act {
// log(1 + exp(x)) for the Mish/LogSigmoid paths: max(x, 0) + log1p(exp(-|x|)) (no overflow).
template <typename T>
TL_ACT_FN T softplus1(T x) {
  return (x > T(0) ? x : T(0)) + std::log1p(std::exp(-std::fabs(x)));
}
template <typename T>
TL_ACT_FN T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}
constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kGeluBeta = 0.79788456080286535588;    // sqrt(2/pi)
constexpr double kGeluKappa = 0.044715;

template <ActivationOp OP, typename T>
TL_ACT_FN T forward(T x, T a, T b) {
  if constexpr (OP == ActivationOp::Gelu) {
    return x * T(0.5) * (T(1) + std::erf(x * T(kSqrt1_2)));
  } else if constexpr (OP == ActivationOp::GeluTanh) {
    const T inner = T(kGeluBeta) * (x + T(kGeluKappa) * x * x * x);
    return T(0.5) * x * (T(1) + std::tanh(inner));
  } else if constexpr (OP == ActivationOp::LeakyRelu) {
    return x > T(0) ? x : x * a;
  } else if constexpr (OP == ActivationOp::Elu) {
    return x > T(0) ? x : a * (std::expm1(x * b));  // a * (exp(x * b) - 1)
  } else if constexpr (OP == ActivationOp::Silu) {
    return x / (T(1) + std::exp(-x));
  } else if constexpr (OP == ActivationOp::Mish) {
    return x * std::tanh(softplus1(x));
  } else if constexpr (OP == ActivationOp::Hardswish) {
    const T r = x + T(3);
    return x * (r < T(0) ? T(0) : (r > T(6) ? T(6) : r)) / T(6);
  } else if constexpr (OP == ActivationOp::Hardsigmoid) {
    const T r = x + T(3);
    return (r < T(0) ? T(0) : (r > T(6) ? T(6) : r)) / T(6);
  } else if constexpr (OP == ActivationOp::Softplus) {
    return x * a > b ? x : std::log1p(std::exp(x * a)) / a;
  } else if constexpr (OP == ActivationOp::Softsign) {
    return x / (T(1) + std::fabs(x));
  } else if constexpr (OP == ActivationOp::Hardtanh) {
    const T y = x < a ? a : x;  // min(max(x, a), b), as PyTorch's clamp (also for a > b); NaN passes
    return y > b ? b : y;
  } else if constexpr (OP == ActivationOp::Threshold) {
    return x <= a ? b : x;  // NaN passes, as PyTorch
  } else {                  // LogSigmoid: min(x, 0) - log1p(exp(-|x|))
    return (x < T(0) ? x : T(0)) - std::log1p(std::exp(-std::fabs(x)));
  }
}

// dy * f'(x)
template <ActivationOp OP, typename T>
TL_ACT_FN T backward(T x, T dy, T a, T b) {
  if constexpr (OP == ActivationOp::Gelu) {
    const T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrt1_2)));
    const T pdf = std::exp(T(-0.5) * x * x) * T(kInvSqrt2Pi);
    return dy * (cdf + x * pdf);
  } else if constexpr (OP == ActivationOp::GeluTanh) {
    const T x2 = x * x;
    const T inner = T(kGeluBeta) * (x + T(kGeluKappa) * x2 * x);
    const T th = std::tanh(inner);
    const T left = T(0.5) * x;
    const T right = T(1) + th;
    const T dleft = T(0.5) * right;
    const T dright = left * (T(1) - th * th) * T(kGeluBeta) * (T(1) + T(3) * T(kGeluKappa) * x2);
    return dy * (dleft + dright);
  } else if constexpr (OP == ActivationOp::LeakyRelu) {
    return x > T(0) ? dy : dy * a;
  } else if constexpr (OP == ActivationOp::Elu) {
    return x > T(0) ? dy : dy * b * a * std::exp(x * b);
  } else if constexpr (OP == ActivationOp::Silu) {
    const T s = sigmoid(x);
    return dy * s * (T(1) + x * (T(1) - s));
  } else if constexpr (OP == ActivationOp::Mish) {
    const T th = std::tanh(softplus1(x));
    return dy * (th + x * sigmoid(x) * (T(1) - th * th));
  } else if constexpr (OP == ActivationOp::Hardswish) {
    return x < T(-3) ? T(0) : (x < T(3) ? dy * (x / T(3) + T(0.5)) : dy);  // PyTorch 1.13's choices at -3, 3
  } else if constexpr (OP == ActivationOp::Hardsigmoid) {
    return (x > T(-3) && x < T(3)) ? dy * T(1.0f / 6.0f) : T(0);  // PyTorch 1.13 multiplies by 1/6 rounded to float
  } else if constexpr (OP == ActivationOp::Softplus) {
    const T z = std::exp(x * a);
    return x * a > b ? dy : dy * z / (z + T(1));
  } else if constexpr (OP == ActivationOp::Softsign) {
    const T d = T(1) + std::fabs(x);
    return dy / (d * d);
  } else if constexpr (OP == ActivationOp::Hardtanh) {
    return (x <= a || x >= b) ? T(0) : dy;
  } else if constexpr (OP == ActivationOp::Threshold) {
    return x <= a ? T(0) : dy;
  } else {  // LogSigmoid: 1 - sigmoid(x) = sigmoid(-x)
    const T e = std::exp(-std::fabs(x));
    return x < T(0) ? dy / (T(1) + std::exp(x)) : dy * e / (T(1) + e);
  }
}

// Calls f(std::integral_constant<ActivationOp, OP>{}) for the runtime op.
template <typename F>
inline void dispatch_activation(ActivationOp op, F&& f) {
#define TL_ACT_CASE_(Name) \
  case ActivationOp::Name: f(std::integral_constant<ActivationOp, ActivationOp::Name>{}); return;
  switch (op) { TL_ACTIVATION_OPS(TL_ACT_CASE_) }
#undef TL_ACT_CASE_
}
}  // namespace act

}  // namespace tl
