// native/ops/loss.h — declarations of softmax and the NLL loss (kernels: native/cpu/loss.cc,
// native/cuda/loss.cu).
#pragma once
#include "core/check.h"
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
inline void check_softmax(const TensorView& x, const TensorView& y, const SoftmaxParams& p) {
  check_numel("softmax", "input", x, checked_mul("softmax", checked_mul("softmax", p.outer, p.C), p.inner));
  check_like("softmax", "out", y, "input", x);
}
TL_OP_CHECK(softmax, check_softmax)
inline void check_softmax_backward(const TensorView& y, const TensorView& dy, const TensorView& dx,
                                   const SoftmaxParams& p) {
  check_numel("softmax_backward", "output", y, checked_mul("softmax", checked_mul("softmax", p.outer, p.C), p.inner));
  check_like("softmax_backward", "gradOutput", dy, "output", y);
  check_like("softmax_backward", "gradInput", dx, "output", y);
}
TL_OP_CHECK(softmax_backward, check_softmax_backward)

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
// input / gradInput [N, C]; target int64 [N]; out / gradOutput [N] (per sample).
inline void check_nll(const char* op, const TensorView& per_sample, const char* per_sample_name,
                      const TensorView& target, const TensorView& logp, const char* logp_name) {
  check_rank(op, logp_name, logp, 2);
  check_dtype(op, "target", target, DType::I64);
  check_numel(op, "target", target, logp.shape[0]);
  check_dtype(op, per_sample_name, per_sample, logp.dtype);
  check_numel(op, per_sample_name, per_sample, logp.shape[0]);
}
inline void check_nll_forward(const TensorView& logp, const TensorView& target, const TensorView& out,
                              const NllParams&) {
  check_nll("nll_forward", out, "out", target, logp, "input");
}
TL_OP_CHECK(nll_forward, check_nll_forward)
inline void check_nll_backward(const TensorView& g, const TensorView& target, const TensorView& dlogp,
                               const NllParams&) {
  check_nll("nll_backward", g, "gradOutput", target, dlogp, "gradInput");
}
TL_OP_CHECK(nll_backward, check_nll_backward)

}  // namespace tl
