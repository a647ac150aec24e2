// native/ops/loss.h — declarations of softmax and the NLL loss (kernels: native/cpu/loss.cc,
// native/cuda/loss.cu).
#pragma once
#include "core/registry.h"

namespace tl {

// input viewed as [outer, C, inner]; (log-)softmax over C. Backward: gradInput from the forward
// output and gradOutput.
// clang-format off
#define TL_SOFTMAX_FIELDS(X) \
  X(int64_t, outer, 0, kMaxSize) X(int64_t, C, 0, kMaxSize) X(int64_t, inner, 0, kMaxSize) \
  X(bool, log, 0, 1)
// clang-format on
TL_PARAMS(SoftmaxParams, TL_SOFTMAX_FIELDS)
TL_OP(softmax, "input, out", SoftmaxParams)
TL_OP(softmax_backward, "output, gradOutput, gradInput", SoftmaxParams)

// NLL over input (log-probabilities) [N, C] with target int64 [N]; out: [N] per-sample losses
// (reduction is done in TS); targets equal to ignore_index give 0, others outside [0, C) throw.
// Backward: gradInput[n, t_n] = -gradOutput[n], others 0.
// clang-format off
#define TL_NLL_FIELDS(X) \
  X(int64_t, ignore_index, -kMaxSize, kMaxSize)
// clang-format on
TL_PARAMS(NllParams, TL_NLL_FIELDS)
TL_OP(nll_forward, "input, target, out", NllParams)
TL_OP(nll_backward, "gradOutput, target, gradInput", NllParams)

}  // namespace tl
