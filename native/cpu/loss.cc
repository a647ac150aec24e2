// native/cpu/loss.cc — softmax / log-softmax over the middle axis of [outer, C, inner] (max-
// subtracted, float64 accumulation), their backward, and the NLL loss per sample
// (reductions and label smoothing are composed in lib/ops/loss.ts).
#include <cmath>
#include <limits>
#include "core/dispatch.h"
#include "ops/loss.h"
#include "core/parallel.h"

namespace tl {
namespace {

template <typename T>
void softmax_typed(const T* x, T* y, int64_t outer, int64_t C, int64_t inner, bool log) {
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

template <typename T>
void softmax_bwd_typed(const T* y, const T* dy, T* dx, int64_t outer, int64_t C, int64_t inner, bool log) {
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

void nll_forward_cpu(const TensorView& logp, const TensorView& target, const TensorView& out, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index;
  const int64_t N = logp.shape[0], C = logp.shape[1];
  const int64_t* t = target.ptr<int64_t>();
  for (int64_t n = 0; n < N; ++n)
    if (t[n] != ignore_index && (t[n] < 0 || t[n] >= C))
      throw Error(ErrorCode::InvalidArg, "torchlet: target " + std::to_string(t[n]) + " is out of bounds for " +
                                             std::to_string(C) + " classes (at index " + std::to_string(n) + ")");
  dispatch_float("nll_loss", logp.dtype, [&](auto z) {
    using T = decltype(z);
    const T* lp = logp.ptr<T>();
    T* o = out.ptr<T>();
    for (int64_t n = 0; n < N; ++n) o[n] = t[n] == ignore_index ? T(0) : -lp[n * C + t[n]];
  });
}
TL_REGISTER_KERNEL(nll_forward_op, CPU, nll_forward_cpu, kFloatTypes);

void nll_backward_cpu(const TensorView& dloss, const TensorView& target, const TensorView& dlogp, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index;
  const int64_t N = dlogp.shape[0], C = dlogp.shape[1];
  const int64_t* t = target.ptr<int64_t>();
  dispatch_float("nll_loss_backward", dlogp.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dloss.ptr<T>();
    T* d = dlogp.ptr<T>();
    for (int64_t k = 0; k < N * C; ++k) d[k] = T(0);
    for (int64_t n = 0; n < N; ++n)
      if (t[n] != ignore_index) d[n * C + t[n]] = -g[n];
  });
}
TL_REGISTER_KERNEL(nll_backward_op, CPU, nll_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
