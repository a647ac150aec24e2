// native/ops/ctc.h — the connectionist temporal classification loss of F.ctc_loss (kernels:
// native/cpu/ctc.cc, native/cuda/ctc.cu), PyTorch 1.13's forward (alpha) and backward (beta) recursions
// in log space, per batch item b of logProbs [T, N, C] (contiguous). The targets are one flat int64
// buffer: item b's labels are targets[target_offsets[b] .. + target_lengths[b]); l' is those labels
// with a blank before, between and after them (length 2 * target_length + 1, index s). S is the
// largest target length: logAlpha is [N, T, 2S + 1], row t of item b holding alpha over s (entries
// past t = inputLength - 1 or s = 2 * targetLength are not written).
//  * ctc_loss: out[b] = -log p(labels | b), the alpha recursion's negative log-likelihood (+inf where
//    no alignment exists; 0 there with zero_infinity); inputLength 0: 0 for an empty target, else
//    +inf (PyTorch >= 2.0's answer; 1.13 reads uninitialised memory there);
//  * ctc_loss_backward: gradInput[t, b, c] = (exp(lp) - exp(lcab + nll - lp)) * gradOutput[b] for
//    t < inputLength (0 for later t), lcab = log of the sum over s with l'[s] == c of
//    exp(alpha[t, s] + beta[t, s]), nll recomputed from logAlpha (PyTorch's formula: NaN where the loss
//    is +inf, 0 there with zero_infinity).
// lib/ validates the lengths and labels; the checker below re-checks the lengths (host values) and
// the sizes. A label outside [0, C) reaching a kernel anyway (the raw binding) reads no memory out of
// bounds: its log-probability is NaN.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_CTC_FIELDS(X) \
  X(int64_t, T, 0, kMaxSize) X(int64_t, N, 0, kMaxSize) X(int64_t, C, 1, kMaxSize) \
  X(int64_t, S, 0, kMaxSize) X(int64_t, blank, 0, kMaxSize) X(bool, zero_infinity, 0, 1) \
  X(std::vector<int64_t>, input_lengths, 0, kMaxSize) X(std::vector<int64_t>, target_lengths, 0, kMaxSize) \
  X(std::vector<int64_t>, target_offsets, 0, kMaxSize)
// clang-format on
TL_PARAMS(CtcParams, TL_CTC_FIELDS)
TL_OP(ctc_loss, "logProbs, targets, out, logAlpha", CtcParams)
TL_OP(ctc_loss_backward, "gradOutput, logProbs, targets, logAlpha, gradInput", CtcParams)

inline void check_ctc_params(const char* op, const TensorView& lp, const TensorView& tg, const TensorView& la,
                             const CtcParams& p) {
  if (p.blank >= p.C)
    check_fail(ErrorCode::InvalidArg, op,
               "blank " + std::to_string(p.blank) + " is not a class of [0, " + std::to_string(p.C) + ")");
  const size_t n = size_t(p.N);
  if (p.input_lengths.size() != n || p.target_lengths.size() != n || p.target_offsets.size() != n)
    check_fail(ErrorCode::InvalidArg, op, "'inputLengths', 'targetLengths' and 'targetOffsets' need N entries each");
  for (size_t b = 0; b < n; ++b) {
    const int64_t il = p.input_lengths[b], tl = p.target_lengths[b], off = p.target_offsets[b];
    if (il > p.T)
      check_fail(ErrorCode::InvalidArg, op,
                 "input length " + std::to_string(il) + " exceeds T = " + std::to_string(p.T));
    if (tl > p.S)
      check_fail(ErrorCode::InvalidArg, op,
                 "target length " + std::to_string(tl) + " exceeds S = " + std::to_string(p.S));
    if (off > tg.numel() || tl > tg.numel() - off)
      check_fail(ErrorCode::Shape, op, "the labels of item " + std::to_string(b) + " run past 'targets'");
  }
  const int64_t W = checked_mul(op, p.S, 2) + 1;
  check_numel(op, "logProbs", lp, checked_mul(op, checked_mul(op, p.T, p.N), p.C));
  check_dtype(op, "targets", tg, DType::I64);
  check_dtype(op, "logAlpha", la, lp.dtype);
  check_numel(op, "logAlpha", la, checked_mul(op, checked_mul(op, p.N, p.T), W));
}
inline void check_ctc_loss(const TensorView& lp, const TensorView& tg, const TensorView& out, const TensorView& la,
                           const CtcParams& p) {
  check_ctc_params("ctc_loss", lp, tg, la, p);
  check_dtype("ctc_loss", "out", out, lp.dtype);
  check_numel("ctc_loss", "out", out, p.N);
}
TL_OP_CHECK(ctc_loss, check_ctc_loss)
inline void check_ctc_loss_backward(const TensorView& g, const TensorView& lp, const TensorView& tg,
                                    const TensorView& la, const TensorView& gi, const CtcParams& p) {
  check_ctc_params("ctc_loss_backward", lp, tg, la, p);
  check_dtype("ctc_loss_backward", "gradOutput", g, lp.dtype);
  check_numel("ctc_loss_backward", "gradOutput", g, p.N);
  check_like("ctc_loss_backward", "gradInput", gi, "logProbs", lp);
}
TL_OP_CHECK(ctc_loss_backward, check_ctc_loss_backward)

// ---- the recursions' steps, shared by the CPU and CUDA kernels (host and device) --------------------
#if defined(__CUDACC__)
#define TL_CTC_FN __host__ __device__ __forceinline__
#else
#define TL_CTC_FN inline
#endif
namespace ctc {
// exp / log in the value's own precision (PyTorch's CPU kernel computes in scalar_t)
TL_CTC_FN float ex(float x) { return expf(x); }
TL_CTC_FN double ex(double x) { return exp(x); }
TL_CTC_FN float lg(float x) { return logf(x); }
TL_CTC_FN double lg(double x) { return log(x); }
template <typename T>
TL_CTC_FN T neg_inf() {
  return -T(INFINITY);
}
// l'[s]: the blank at even s, label (s - 1) / 2 at odd s
TL_CTC_FN int64_t prime(const int64_t* labels, int64_t s, int64_t blank) { return (s & 1) ? labels[s >> 1] : blank; }
// row[c] (a log-probability), NaN for a class outside [0, C)
template <typename T>
TL_CTC_FN T lp_at(const T* row, int64_t c, int64_t C) {
  return c >= 0 && c < C ? row[c] : T(NAN);
}
// log(exp(a) + exp(b) + exp(c)) + x, with PyTorch's max shift (0 when all three are -inf)
template <typename T>
TL_CTC_FN T log_sum3(T a, T b, T c, T x) {
  T m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (m == neg_inf<T>()) m = T(0);
  return lg(ex(a - m) + ex(b - m) + ex(c - m)) + m + x;
}
// alpha[t, s] from row t - 1 (prev) and the log-probabilities of step t (row)
template <typename T>
TL_CTC_FN T alpha_step(const T* prev, const T* row, const int64_t* labels, int64_t s, int64_t blank, int64_t C) {
  const int64_t c = prime(labels, s, blank);
  const T a1 = prev[s];
  const T a2 = s > 0 ? prev[s - 1] : neg_inf<T>();
  const T a3 = s > 1 && prime(labels, s - 2, blank) != c ? prev[s - 2] : neg_inf<T>();
  return log_sum3(a1, a2, a3, lp_at(row, c, C));
}
// beta[t, s] from row t + 1 (next); last = 2 * targetLength
template <typename T>
TL_CTC_FN T beta_step(const T* next, const T* row, const int64_t* labels, int64_t s, int64_t last, int64_t blank,
                      int64_t C) {
  const int64_t c = prime(labels, s, blank);
  const T b1 = next[s];
  const T b2 = s < last ? next[s + 1] : neg_inf<T>();
  const T b3 = s < last - 1 && prime(labels, s + 2, blank) != c ? next[s + 2] : neg_inf<T>();
  return log_sum3(b1, b2, b3, lp_at(row, c, C));
}
// the negative log-likelihood from alpha's last row (la_last = row inputLength - 1; unused when il == 0)
template <typename T>
TL_CTC_FN T nll(const T* la_last, int64_t il, int64_t tl) {
  if (il == 0) return tl == 0 ? T(0) : -neg_inf<T>();
  if (tl == 0) return -la_last[0];
  const T l1 = la_last[2 * tl], l2 = la_last[2 * tl - 1];
  T m = l1 > l2 ? l1 : l2;
  if (m == neg_inf<T>()) m = T(0);
  return -(lg(ex(l1 - m) + ex(l2 - m)) + m);
}
// acc "log+=" v (PyTorch's accumulation of alpha * beta per class)
template <typename T>
TL_CTC_FN T log_add(T acc, T v) {
  if (acc == neg_inf<T>()) return v;
  const T m = acc > v ? acc : v;
  return lg(ex(acc - m) + ex(v - m)) + m;
}
// the gradient's value at one (t, b, c) from lcab (the log sum of alpha * beta over the s of class c)
template <typename T>
TL_CTC_FN T grad_of(T lp, T lcab, T nll, T g) {
  return (ex(lp) - ex(lcab + nll - lp)) * g;
}
}  // namespace ctc
}  // namespace tl
