// native/ops/loss.h — declarations of softmax, the NLL loss and the pointwise losses (kernels:
// native/cpu/loss.cc, native/cuda/loss.cu). The pointwise losses' per-element math is written once
// here, for the CPU and CUDA (host and device), in double for every dtype.
#pragma once
#include <cmath>
#include "core/check.h"
#include "core/registry.h"

#if defined(__CUDACC__)
#define TL_LOSS_FN __host__ __device__ __forceinline__
#else
#define TL_LOSS_FN inline
#endif

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

// NLL over [N, C, inner] (the class axis in the middle: segmentation inputs [N, C, d1, ...]) with a
// per-class weight: out[n, i] = -weight[t] * logp[n, t, i] with t = target[n, i] (0 where t ==
// ignore_index; weight absent: 1); targets out of [0, C) other than ignore_index throw. weightOut[n, i]
// = weight[t] (0 where ignored): the divisor of the 'mean' reduction is its sum (PyTorch's).
// Backward: gradInput[n, c, i] = -weight[t] * gradOutput[n, i] at c == t (not ignored), else 0.
// clang-format off
#define TL_NLL_FIELDS(X) \
  X(int64_t, N, 0, kMaxSize) \
  X(int64_t, C, 0, kMaxSize) \
  X(int64_t, inner, 0, kMaxSize) \
  X(int64_t, ignore_index, -kMaxSize, kMaxSize)
// clang-format on
TL_PARAMS(NllParams, TL_NLL_FIELDS)
TL_OP(nll_forward, "input, target, weight?, out, weightOut", NllParams)
TL_OP(nll_backward, "gradOutput, target, weight?, gradInput", NllParams)
inline void check_nll(const char* op, const TensorView& logp, const char* logp_name, const TensorView& target,
                      const TensorView& weight, const TensorView& per_sample, const char* per_sample_name,
                      const NllParams& p) {
  const int64_t rows = checked_mul(op, p.N, p.inner);
  check_numel(op, logp_name, logp, checked_mul(op, rows, p.C));
  check_dtype(op, "target", target, DType::I64);
  check_numel(op, "target", target, rows);
  check_dtype(op, per_sample_name, per_sample, logp.dtype);
  check_numel(op, per_sample_name, per_sample, rows);
  if (weight.data || !weight.shape.empty()) {
    check_dtype(op, "weight", weight, logp.dtype);
    check_numel(op, "weight", weight, p.C);
  }
}
inline void check_nll_forward(const TensorView& logp, const TensorView& target, const TensorView& weight,
                              const TensorView& out, const TensorView& wout, const NllParams& p) {
  check_nll("nll_forward", logp, "input", target, weight, out, "out", p);
  check_like("nll_forward", "weightOut", wout, "out", out);
}
TL_OP_CHECK(nll_forward, check_nll_forward)
inline void check_nll_backward(const TensorView& g, const TensorView& target, const TensorView& weight,
                               const TensorView& dlogp, const NllParams& p) {
  check_nll("nll_backward", dlogp, "gradInput", target, weight, g, "gradOutput", p);
}
TL_OP_CHECK(nll_backward, check_nll_backward)

// Pointwise losses (PyTorch 1.13's formulas), one element of input x, target y, weight w (1 when
// absent), posWeight pw (1 when absent) and the op's scalar p; lib/ops/loss.ts broadcasts the
// operands to one contiguous shape and composes the reductions:
//  Bce:        w * ((y - 1) * max(log1p(-x), -100) - y * max(log(x), -100))
//  BceLogits:  w * ((1 - y) * x + (1 + (pw - 1) * y) * (log(exp(-m) + exp(-x - m)) + m)), m = max(-x, 0)
//  L1:         |x - y|
//  SmoothL1:   z = |x - y|: z < p ? 0.5 z^2 / p : z - 0.5 p (p = beta; p == 0: z)
//  Huber:      z < p ? 0.5 z^2 : p (z - 0.5 p) (p = delta)
//  KlDiv:      xlogy(y, y) - y x;  KlDivLog: exp(y) (y - x)
//  GaussianNll: x = input - target, y = var, v = max(y, p) (p = eps): 0.5 (log(v) + x^2 / v)
//  MarginRanking: x = input1 - input2, y = target: max(-y x + p, 0) (p = margin)
//  CosineEmbedding: x = cos, y = target: y == 1 ? 1 - x : y == -1 ? max(x - p, 0) : 0
// clang-format off
#define TL_LOSS_OPS(E) \
  E(Bce) E(BceLogits) E(L1) E(SmoothL1) E(Huber) E(KlDiv) E(KlDivLog) E(GaussianNll) E(MarginRanking) \
  E(CosineEmbedding)
// clang-format on
TL_ENUM(LossOp, TL_LOSS_OPS)
// clang-format off
#define TL_LOSS_POINTWISE_FIELDS(X) \
  X(LossOp, op, 0, 0) \
  X(double, p, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(LossPointwiseParams, TL_LOSS_POINTWISE_FIELDS)
// All tensors contiguous with input's element count; weight / posWeight optional (read by Bce and
// BceLogits only).
TL_OP(loss_pointwise, "input, target, weight?, posWeight?, out", LossPointwiseParams)
// gradInput = gradOutput * d loss / d x, gradTarget = gradOutput * d loss / d y (each optional):
//  Bce: w (x - y) / max((1 - x) x, float(1e-12)); target: -w logit(x)
//  BceLogits: w ((pw y + 1 - y) sigmoid(x) - pw y); target: w (log_sigmoid(-x) - pw log_sigmoid(x))
//  L1: sign(x - y); SmoothL1: d <= -p ? -1 : d >= p ? 1 : d / p (p == 0: -1 where d <= 0); Huber: clamp(d, -p, p);
//  targets: minus the input's (SmoothL1: the same with d = y - x, so -1 at a tie when p == 0, as PyTorch's)
//  KlDiv: -y; target: (y != 0 ? log(y) : 0) + y / y - x;  KlDivLog: -exp(y); target: exp(y) (y - x) + exp(y)
//  GaussianNll: x / v; var: 0.5 (1 / v - x^2 / v^2) (the clamp passes the gradient, as PyTorch's
//  in-place clamp under no_grad)
//  MarginRanking (active where -y x + p >= 0): -y; target: -x
//  CosineEmbedding: y == 1 ? -1 : (y == -1 && x - p >= 0 ? 1 : 0); no target gradient (0)
TL_OP(loss_pointwise_backward, "gradOutput, input, target, weight?, posWeight?, gradInput?, gradTarget?",
      LossPointwiseParams)
inline bool loss_present(const TensorView& t) { return t.data != nullptr || !t.shape.empty(); }
inline void check_loss_operands(const char* op, const TensorView& x, const TensorView& y, const TensorView& w,
                                const TensorView& pw) {
  check_like(op, "target", y, "input", x);
  if (loss_present(w)) check_like(op, "weight", w, "input", x);
  if (loss_present(pw)) check_like(op, "posWeight", pw, "input", x);
}
inline void check_loss_pointwise(const TensorView& x, const TensorView& y, const TensorView& w, const TensorView& pw,
                                 const TensorView& out, const LossPointwiseParams&) {
  check_loss_operands("loss_pointwise", x, y, w, pw);
  check_like("loss_pointwise", "out", out, "input", x);
}
TL_OP_CHECK(loss_pointwise, check_loss_pointwise)
inline void check_loss_pointwise_backward(const TensorView& g, const TensorView& x, const TensorView& y,
                                          const TensorView& w, const TensorView& pw, const TensorView& gx,
                                          const TensorView& gy, const LossPointwiseParams&) {
  check_loss_operands("loss_pointwise_backward", x, y, w, pw);
  check_like("loss_pointwise_backward", "gradOutput", g, "input", x);
  if (loss_present(gx)) check_like("loss_pointwise_backward", "gradInput", gx, "input", x);
  if (loss_present(gy)) check_like("loss_pointwise_backward", "gradTarget", gy, "input", x);
}
TL_OP_CHECK(loss_pointwise_backward, check_loss_pointwise_backward)

TL_LOSS_FN double loss_sign(double d) { return d > 0 ? 1.0 : (d < 0 ? -1.0 : (d == 0 ? 0.0 : d)); }
TL_LOSS_FN double loss_log_sigmoid(double x) {  // log(sigmoid(x)) = -(max(-x, 0) + log1p(exp(-|x|)))
  return -((x < 0 ? -x : 0.0) + log1p(exp(-fabs(x))));
}

// The loss of one element (see above).
TL_LOSS_FN double loss_value(LossOp op, double p, double x, double y, double w, double pw) {
  switch (op) {
    case LossOp::Bce: {
      const double lx = log(x), l1x = log1p(-x);
      return w * ((y - 1) * (l1x > -100.0 ? l1x : -100.0) - y * (lx > -100.0 ? lx : -100.0));
    }
    case LossOp::BceLogits: {
      const double m = -x > 0 ? -x : 0.0;
      return w * ((1 - y) * x + (1 + (pw - 1) * y) * (log(exp(-m) + exp(-x - m)) + m));
    }
    case LossOp::L1: return fabs(x - y);
    case LossOp::SmoothL1: {
      const double z = fabs(x - y);
      if (p == 0) return z;
      return z < p ? 0.5 * z * z / p : z - 0.5 * p;
    }
    case LossOp::Huber: {
      const double z = fabs(x - y);
      return z < p ? 0.5 * z * z : p * (z - 0.5 * p);
    }
    case LossOp::KlDiv: return (y == 0 && y == y ? 0.0 : y * log(y)) - y * x;
    case LossOp::KlDivLog: return exp(y) * (y - x);
    case LossOp::GaussianNll: {
      const double v = y < p ? p : y;
      return 0.5 * (log(v) + x * x / v);
    }
    case LossOp::MarginRanking: {
      const double v = -y * x + p;
      return v < 0 ? 0.0 : v;
    }
    case LossOp::CosineEmbedding: {
      if (y == 1) return 1 - x;
      if (y == -1) return x - p < 0 ? 0.0 : x - p;
      return 0.0;
    }
  }
  return 0.0;
}
// d loss / d x (which = 0) or d loss / d y (which = 1) of one element, without gradOutput.
TL_LOSS_FN double loss_grad(LossOp op, int which, double p, double x, double y, double w, double pw) {
  switch (op) {
    case LossOp::Bce: {
      if (which == 1) return -w * log(x / (1 - x));
      // PyTorch's EPSILON 1e-12 is rounded to float (9.99999996e-13)
      const double den = (1 - x) * x, eps = static_cast<double>(1e-12f);
      return w * (x - y) / (den > eps ? den : eps);
    }
    case LossOp::BceLogits:
      if (which == 1) return w * (loss_log_sigmoid(-x) - pw * loss_log_sigmoid(x));
      return w * ((pw * y + 1 - y) / (1 + exp(-x)) - pw * y);
    case LossOp::L1: return which ? -loss_sign(x - y) : loss_sign(x - y);
    case LossOp::SmoothL1: {
      // PyTorch's kernel, the target's gradient from y - x: at beta 0 a tie (d == 0) gives -1 to both
      const double d = which ? y - x : x - y;
      return d <= -p ? -1.0 : (d >= p ? 1.0 : d / p);
    }
    case LossOp::Huber: {
      const double d = x - y;
      const double r = d <= -p ? -p : (d >= p ? p : d);
      return which ? -r : r;
    }
    case LossOp::KlDiv:
      if (which == 0) return -y;
      return (y != 0 ? log(y) : 0.0) + y / y - x;
    case LossOp::KlDivLog:
      if (which == 0) return -exp(y);
      return exp(y) * (y - x) + exp(y);
    case LossOp::GaussianNll: {
      const double v = y < p ? p : y;
      if (which == 0) return x / v;
      return 0.5 * (1 / v - x * x / (v * v));
    }
    case LossOp::MarginRanking:
      if (!(-y * x + p >= 0)) return 0.0;
      return which ? -x : -y;
    case LossOp::CosineEmbedding:
      if (which == 1) return 0.0;
      if (y == 1) return -1.0;
      return (y == -1 && x - p >= 0) ? 1.0 : 0.0;
  }
  return 0.0;
}

}  // namespace tl
