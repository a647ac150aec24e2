// native/cpu/loss.cc — softmax / log-softmax over the middle axis of [outer, C, inner] (max-
// subtracted, float64 accumulation), their backward, the class-weighted NLL loss per element of
// [N, C, inner] (reductions and label smoothing are composed in lib/ops/loss.ts), and the pointwise
// losses (BCE, BCE with logits, L1, smooth L1, Huber, KL divergence, Gaussian NLL, margin ranking,
// cosine embedding) forward and backward, their math shared with CUDA in ops/loss.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include "core/dispatch.h"
#include "fast_math.h"
#include "ops/loss.h"
#include "core/parallel.h"

namespace tl {
namespace {

// Softmax. float64: libm's exp, each line summed in order (one strided loop). float32: exp_fast (fast_math.h, within 2
// float ulp), its loops vectorised (compiled per instruction set), the sum of the exponentials in double in kLanes
// lanes added in lane order at the end: the result depends only on the row, never on the threads. A NaN in a row makes
// the whole row NaN, as does +inf (inf - inf), as in PyTorch.
constexpr int kLanes = 16;

// The row's maximum (NaN never taken: it reaches the output through the sum). The same value in any
// order, so the lanes change nothing.
template <typename T>
TL_TARGET_CLONES T row_max(const T* x, int64_t C) {
  T m[kLanes];
  for (int l = 0; l < kLanes; ++l) m[l] = -std::numeric_limits<T>::infinity();
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes)
    for (int l = 0; l < kLanes; ++l) m[l] = x[c + l] > m[l] ? x[c + l] : m[l];
  for (; c < C; ++c) m[0] = x[c] > m[0] ? x[c] : m[0];
  T mx = m[0];
  for (int l = 1; l < kLanes; ++l) mx = m[l] > mx ? m[l] : mx;
  return mx;
}

// sum of exp(x - mx) in double; with e, each exponential stored there too
template <typename T>
TL_TARGET_CLONES double row_exp_sum(const T* x, T mx, T* e, int64_t C) {
  double s[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const T v = exp_fast<T>(T(x[c + l] - mx));
      if (e) e[c + l] = v;
      s[l] += double(v);
    }
  for (; c < C; ++c) {
    const T v = exp_fast<T>(T(x[c] - mx));
    if (e) e[c] = v;
    s[c % kLanes] += double(v);
  }
  double t = 0;
  for (int l = 0; l < kLanes; ++l) t += s[l];
  return t;
}

template <typename T>
TL_TARGET_CLONES void row_scale(T* y, T k, int64_t C) {
  for (int64_t c = 0; c < C; ++c) y[c] *= k;
}
template <typename T>
TL_TARGET_CLONES void row_log_out(const T* x, T mx, T lse, T* y, int64_t C) {
  for (int64_t c = 0; c < C; ++c) y[c] = T(x[c] - mx) - lse;
}

// One contiguous row (inner == 1), float32.
template <typename T>
void softmax_row(const T* x, T* y, int64_t C, bool log) {
  const T mx = row_max(x, C);
  if (log) {
    const double s = row_exp_sum<T>(x, mx, nullptr, C);
    row_log_out<T>(x, mx, static_cast<T>(std::log(s)), y, C);
  } else {
    const double s = row_exp_sum<T>(x, mx, y, C);
    row_scale<T>(y, static_cast<T>(1.0 / s), C);
  }
}

// A block of up to kBlock positions of the inner axis of one outer index (inner > 1): the rows run
// along C with stride inner, so the loops go over the block's positions, contiguous in memory.
constexpr int64_t kBlock = 64;
template <typename T>
TL_TARGET_CLONES void softmax_cols(const T* x, T* y, int64_t C, int64_t inner, int64_t nb, bool log) {
  T mx[kBlock];
  double s[kBlock];
  for (int64_t i = 0; i < nb; ++i) {
    mx[i] = -std::numeric_limits<T>::infinity();
    s[i] = 0;
  }
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < nb; ++i) mx[i] = x[c * inner + i] > mx[i] ? x[c * inner + i] : mx[i];
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < nb; ++i) s[i] += double(exp_fast<T>(T(x[c * inner + i] - mx[i])));
  if (log) {
    T lse[kBlock];
    for (int64_t i = 0; i < nb; ++i) lse[i] = static_cast<T>(std::log(s[i]));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < nb; ++i) y[c * inner + i] = T(x[c * inner + i] - mx[i]) - lse[i];
  } else {
    T inv[kBlock];
    for (int64_t i = 0; i < nb; ++i) inv[i] = static_cast<T>(1.0 / s[i]);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < nb; ++i) y[c * inner + i] = exp_fast<T>(T(x[c * inner + i] - mx[i])) * inv[i];
  }
}

template <typename T>
void softmax_typed(const T* x, T* y, int64_t outer, int64_t C, int64_t inner, bool log) {
  if constexpr (std::is_same<T, float>::value) {
    if (inner == 1 && C < kLanes) {
      // rows shorter than the lanes (10 classes, say): kLanes rows at a time, transposed into a
      // [C, kLanes] buffer, run through the column kernel (vectorised across the rows) and back. The
      // same values as the row path: each row's sum is taken in the same (class) order, in double.
      const int64_t groups = (outer + kLanes - 1) / kLanes;
      TL_PAR_FOR(
          outer * C > kParallelGrain, for (int64_t g = 0; g < groups; ++g) {
            const int64_t r0 = g * kLanes, nr = std::min<int64_t>(kLanes, outer - r0);
            T tin[kLanes * kLanes], tout[kLanes * kLanes];
            for (int64_t r = 0; r < nr; ++r)
              for (int64_t c = 0; c < C; ++c) tin[c * kLanes + r] = x[(r0 + r) * C + c];
            softmax_cols<T>(tin, tout, C, kLanes, nr, log);
            for (int64_t r = 0; r < nr; ++r)
              for (int64_t c = 0; c < C; ++c) y[(r0 + r) * C + c] = tout[c * kLanes + r];
          });
    } else if (inner == 1) {
      TL_PAR_FOR(outer * C > kParallelGrain,
                 for (int64_t o = 0; o < outer; ++o) softmax_row(x + o * C, y + o * C, C, log););
    } else {
      const int64_t blocks = (inner + kBlock - 1) / kBlock;
      TL_PAR_FOR(
          outer * inner * C > kParallelGrain, for (int64_t ob = 0; ob < outer * blocks; ++ob) {
            const int64_t o = ob / blocks, i0 = ob % blocks * kBlock;
            const int64_t at = o * C * inner + i0;
            softmax_cols<T>(x + at, y + at, C, inner, std::min(kBlock, inner - i0), log);
          });
    }
    return;
  }
  // float64: libm's exp, each (outer, inner) line summed in order
  TL_PAR_FOR(
      outer * inner * C > kParallelGrain, for (int64_t oi = 0; oi < outer * inner; ++oi) {
        const int64_t o = oi / inner, i = oi % inner;
        const T* xp = x + o * C * inner + i;
        T* yp = y + o * C * inner + i;
        T mx = -std::numeric_limits<T>::infinity();
        for (int64_t c = 0; c < C; ++c) mx = xp[c * inner] > mx ? xp[c * inner] : mx;
        double s = 0;
        for (int64_t c = 0; c < C; ++c) s += std::exp(double(xp[c * inner] - mx));
        if (log) {
          const double lse = std::log(s);
          for (int64_t c = 0; c < C; ++c) yp[c * inner] = static_cast<T>(double(xp[c * inner] - mx) - lse);
        } else {
          const double inv = 1.0 / s;
          for (int64_t c = 0; c < C; ++c) yp[c * inner] = static_cast<T>(std::exp(double(xp[c * inner] - mx)) * inv);
        }
      });
}

// Backward of one contiguous row, float32: softmax dx = y * (dy - sum(dy * y)); log-softmax dx = dy -
// exp(y) * sum(dy); the sum in double lanes as the forward's.
template <typename T>
TL_TARGET_CLONES void softmax_bwd_row(const T* y, const T* dy, T* dx, int64_t C, bool log) {
  double acc[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= C; c += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += log ? double(dy[c + l]) : double(dy[c + l]) * double(y[c + l]);
  for (; c < C; ++c) acc[c % kLanes] += log ? double(dy[c]) : double(dy[c]) * double(y[c]);
  double s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  const T sf = static_cast<T>(s);
  if (log)
    for (int64_t k = 0; k < C; ++k) dx[k] = dy[k] - exp_fast<T>(y[k]) * sf;
  else
    for (int64_t k = 0; k < C; ++k) dx[k] = y[k] * (dy[k] - sf);
}

template <typename T>
void softmax_bwd_typed(const T* y, const T* dy, T* dx, int64_t outer, int64_t C, int64_t inner, bool log) {
  if constexpr (std::is_same<T, float>::value) {
    if (inner == 1) {
      TL_PAR_FOR(outer * C > kParallelGrain,
                 for (int64_t o = 0; o < outer; ++o) softmax_bwd_row<T>(y + o * C, dy + o * C, dx + o * C, C, log););
      return;
    }
  }
  TL_PAR_FOR(
      outer * inner * C > kParallelGrain, for (int64_t oi = 0; oi < outer * inner; ++oi) {
        const int64_t o = oi / inner, i = oi % inner;
        const int64_t base = o * C * inner + i;
        double s = 0;
        if (log) {
          // dx = dy - exp(y) * sum(dy)
          for (int64_t c = 0; c < C; ++c) s += dy[base + c * inner];
          for (int64_t c = 0; c < C; ++c)
            dx[base + c * inner] = static_cast<T>(dy[base + c * inner] - std::exp(double(y[base + c * inner])) * s);
        } else {
          // dx = y * (dy - sum(dy * y))
          for (int64_t c = 0; c < C; ++c) s += double(dy[base + c * inner]) * y[base + c * inner];
          for (int64_t c = 0; c < C; ++c)
            dx[base + c * inner] = static_cast<T>(y[base + c * inner] * (dy[base + c * inner] - s));
        }
      });
}

void softmax_cpu(const TensorView& x, const TensorView& y, const SoftmaxParams& p) {
  const int64_t outer = p.outer, C = p.C, inner = p.inner;
  const bool log = p.log;
  dispatch_float("softmax", x.dtype, [&](auto z) {
    using T = decltype(z);
    softmax_typed<T>(x.ptr<T>(), y.ptr<T>(), outer, C, inner, log);
  });
}
TL_REGISTER_KERNEL(softmax_op, CPU, softmax_cpu, kFloatTypes);

void softmax_backward_cpu(const TensorView& y, const TensorView& dy, const TensorView& dx, const SoftmaxParams& p) {
  const int64_t outer = p.outer, C = p.C, inner = p.inner;
  const bool log = p.log;
  dispatch_float("softmax_backward", y.dtype, [&](auto z) {
    using T = decltype(z);
    softmax_bwd_typed<T>(y.ptr<T>(), dy.ptr<T>(), dx.ptr<T>(), outer, C, inner, log);
  });
}

TL_REGISTER_KERNEL(softmax_backward_op, CPU, softmax_backward_cpu, kFloatTypes);

void nll_forward_cpu(const TensorView& logp, const TensorView& target, const TensorView& weight, const TensorView& out,
                     const TensorView& wout, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index, N = p.N, C = p.C, inner = p.inner;
  const int64_t* t = target.ptr<int64_t>();
  for (int64_t r = 0; r < N * inner; ++r)
    if (t[r] != ignore_index && (t[r] < 0 || t[r] >= C))
      throw Error(ErrorCode::InvalidArg, "torchlet: target " + std::to_string(t[r]) + " is out of bounds for " +
                                             std::to_string(C) + " classes (at index " + std::to_string(r) + ")");
  const bool has_w = loss_present(weight);
  dispatch_float("nll_loss", logp.dtype, [&](auto z) {
    using T = decltype(z);
    const T* lp = logp.ptr<T>();
    const T* w = has_w ? weight.ptr<T>() : nullptr;
    T* o = out.ptr<T>();
    T* wo = wout.ptr<T>();
    TL_PAR_FOR(
        N * inner > kParallelGrain, for (int64_t r = 0; r < N * inner; ++r) {
          const int64_t n = r / inner, i = r % inner, tr = t[r];
          if (tr == ignore_index) {
            o[r] = T(0);
            wo[r] = T(0);
          } else {
            const T wt = w ? w[tr] : T(1);
            o[r] = -wt * lp[(n * C + tr) * inner + i];
            wo[r] = wt;
          }
        });
  });
}
TL_REGISTER_KERNEL(nll_forward_op, CPU, nll_forward_cpu, kFloatTypes);

void nll_backward_cpu(const TensorView& dloss, const TensorView& target, const TensorView& weight,
                      const TensorView& dlogp, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index, N = p.N, C = p.C, inner = p.inner;
  const int64_t* t = target.ptr<int64_t>();
  const bool has_w = loss_present(weight);
  dispatch_float("nll_loss_backward", dlogp.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dloss.ptr<T>();
    const T* w = has_w ? weight.ptr<T>() : nullptr;
    T* d = dlogp.ptr<T>();
    TL_PAR_FOR(
        N * C * inner > kParallelGrain, for (int64_t k = 0; k < N * C * inner; ++k) {
          const int64_t i = k % inner, c = (k / inner) % C, n = k / (inner * C);
          const int64_t tr = t[n * inner + i];
          d[k] = (tr != ignore_index && tr == c) ? -(w ? w[tr] : T(1)) * g[n * inner + i] : T(0);
        });
  });
}
TL_REGISTER_KERNEL(nll_backward_op, CPU, nll_backward_cpu, kFloatTypes);

// The pointwise losses: the per-element math of ops/loss.h, in double, over contiguous operands.
void loss_pointwise_cpu(const TensorView& x, const TensorView& y, const TensorView& w, const TensorView& pw,
                        const TensorView& out, const LossPointwiseParams& p) {
  const LossOp op = p.op;
  const double s = p.p;
  const int64_t n = x.numel();
  const bool has_w = loss_present(w), has_pw = loss_present(pw);
  dispatch_float("loss_pointwise", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T *xp = x.ptr<T>(), *yp = y.ptr<T>();
    const T* wp = has_w ? w.ptr<T>() : nullptr;
    const T* pwp = has_pw ? pw.ptr<T>() : nullptr;
    T* o = out.ptr<T>();
    TL_PAR_FOR(
        n > kParallelGrain, for (int64_t k = 0; k < n; ++k) {
          o[k] = static_cast<T>(
              loss_value(op, s, double(xp[k]), double(yp[k]), wp ? double(wp[k]) : 1.0, pwp ? double(pwp[k]) : 1.0));
        });
  });
}
TL_REGISTER_KERNEL(loss_pointwise_op, CPU, loss_pointwise_cpu, kFloatTypes);

void loss_pointwise_backward_cpu(const TensorView& g, const TensorView& x, const TensorView& y, const TensorView& w,
                                 const TensorView& pw, const TensorView& gx, const TensorView& gy,
                                 const LossPointwiseParams& p) {
  const LossOp op = p.op;
  const double s = p.p;
  const int64_t n = x.numel();
  const bool has_w = loss_present(w), has_pw = loss_present(pw);
  const bool want_x = loss_present(gx), want_y = loss_present(gy);
  dispatch_float("loss_pointwise_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T *gp = g.ptr<T>(), *xp = x.ptr<T>(), *yp = y.ptr<T>();
    const T* wp = has_w ? w.ptr<T>() : nullptr;
    const T* pwp = has_pw ? pw.ptr<T>() : nullptr;
    T* gxp = want_x ? gx.ptr<T>() : nullptr;
    T* gyp = want_y ? gy.ptr<T>() : nullptr;
    TL_PAR_FOR(
        n > kParallelGrain, for (int64_t k = 0; k < n; ++k) {
          const double xv = double(xp[k]), yv = double(yp[k]), wv = wp ? double(wp[k]) : 1.0;
          const double pwv = pwp ? double(pwp[k]) : 1.0, gv = double(gp[k]);
          if (gxp) gxp[k] = static_cast<T>(gv * loss_grad(op, 0, s, xv, yv, wv, pwv));
          if (gyp) gyp[k] = static_cast<T>(gv * loss_grad(op, 1, s, xv, yv, wv, pwv));
        });
  });
}
TL_REGISTER_KERNEL(loss_pointwise_backward_op, CPU, loss_pointwise_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
