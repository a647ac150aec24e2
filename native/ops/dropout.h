// native/ops/dropout.h — declarations of the fused dropout ops (kernels: native/cpu/dropout.cc,
// native/cuda/dropout.cu). The keep decision of mask unit u (element i's unit is i / L) is
// u01(draw(seed, offset + u)) < 1 - p with the counter-based generator of native/cpu/random.cc, the
// very draw random_op's Bernoulli kind makes for element u, so the masks equal those of
// native.random(mask, Bernoulli) followed by a multiply, and the backward regenerates the mask from
// (seed, offset) instead of storing it.
//  Element (L = 1) and Channel (L = spatial size): out = x * (keep ? 1 / (1 - p) : 0).
//  Alpha: out = x * (keep * a) + ((keep - 1) * alpha * a + alpha * a * p), with a = 1 / sqrt((alpha^2 p + 1)(1 - p)).
//  Backward: gradInput = gradOutput * (keep ? scale : 0) (scale 1 / (1 - p), or a for Alpha).
// The callers handle p == 0 (identity) and p == 1 (no draw).
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_DROPOUT_KINDS(E) \
  E(Element) \
  E(Channel) \
  E(Alpha)
// clang-format on
TL_ENUM(DropoutKind, TL_DROPOUT_KINDS)
// clang-format off
#define TL_DROPOUT_FIELDS(X) \
  X(DropoutKind, kind, 0, 0) \
  X(double, p, 0, 1) \
  X(int64_t, L, 1, kMaxSize) \
  X(int64_t, seed, 0, kMaxSize) \
  X(int64_t, offset, 0, kMaxSize)
// clang-format on
TL_PARAMS(DropoutParams, TL_DROPOUT_FIELDS)
TL_OP(dropout_forward, "input, out", DropoutParams)
TL_OP(dropout_backward, "gradOutput, gradInput", DropoutParams)
inline void check_dropout_forward(const TensorView& x, const TensorView& out, const DropoutParams&) {
  check_like("dropout_forward", "out", out, "input", x);
}
TL_OP_CHECK(dropout_forward, check_dropout_forward)
inline void check_dropout_backward(const TensorView& g, const TensorView& dx, const DropoutParams&) {
  check_like("dropout_backward", "gradInput", dx, "gradOutput", g);
}
TL_OP_CHECK(dropout_backward, check_dropout_backward)

}  // namespace tl
