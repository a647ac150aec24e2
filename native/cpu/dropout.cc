// native/cpu/dropout.cc — CPU kernels of dropout_forward / dropout_backward (ops/dropout.h): one pass
// over x, the keep decision of mask unit u = i / L drawn from the counter-based generator exactly as
// native/cpu/random.cc's Bernoulli kind draws element u (so the masks are those of the composed
// random-mask-and-multiply path, bit for bit, and the backward regenerates them). Every operation is
// rounded in T as the composed elementwise ops round it, so outputs match that path exactly too.
// Element i depends only on (seed, offset, i): independent of the thread count.
#include <cmath>

#include "core/counter_rng.h"
#include "core/dispatch.h"
#include "ops/dropout.h"
#include "core/parallel.h"

namespace tl {
namespace {

// random.cc's Bernoulli draw of counter c (lane 0), with the key hoisted (core/counter_rng.h).
inline bool keep_unit(uint64_t key, uint64_t c, double q) { return rng_u01(rng_bits(key, c)) < q; }
inline uint64_t key_of(int64_t seed) { return rng_key(static_cast<uint64_t>(seed), 0); }

constexpr double kSeluAlpha = 1.7580993408473766;  // SELU's scale * alpha

template <typename T>
void dropout_typed(const T* x, T* y, int64_t n, const DropoutParams& p, bool backward) {
  const double q = 1.0 - p.p;
  const uint64_t key = key_of(p.seed), off = static_cast<uint64_t>(p.offset);
  const int64_t L = p.L;
  const int64_t units = (n + L - 1) / L;
  if (p.kind == DropoutKind::Alpha && !backward) {
    const double a = 1.0 / std::sqrt((kSeluAlpha * kSeluAlpha * p.p + 1) * (1 - p.p));
    // composed: x * (keep * a) + ((keep - 1) * (alpha a) + alpha a p), each op rounded in T
    const T A = T(a), Aa = T(kSeluAlpha * a), Aap = T(kSeluAlpha * a * p.p);
    const T kept_b = T(T(0) * Aa) + Aap, drop_b = T(T(-1) * Aa) + Aap;
    TL_PAR_FOR(
        n > kParallelGrain / 4, for (int64_t u = 0; u < units; ++u) {
          const bool k = keep_unit(key, off + uint64_t(u), q);
          const T m = k ? A : T(0), b = k ? kept_b : drop_b;
          const int64_t e = std::min(n, (u + 1) * L);
          for (int64_t i = u * L; i < e; ++i) y[i] = T(x[i] * m) + b;
        });
    return;
  }
  // Element / Channel forward, every backward: y = x * (keep ? scale : 0)
  const double scale = p.kind == DropoutKind::Alpha ? 1.0 / std::sqrt((kSeluAlpha * kSeluAlpha * p.p + 1) * (1 - p.p))
                                                    : 1.0 / (1.0 - p.p);
  const T S = T(scale);
  if (L == 1) {
    TL_PAR_FOR(n > kParallelGrain / 4,
               for (int64_t i = 0; i < n; ++i) y[i] = x[i] * (keep_unit(key, off + uint64_t(i), q) ? S : T(0)););
    return;
  }
  TL_PAR_FOR(
      n > kParallelGrain / 4 && units > 1, for (int64_t u = 0; u < units; ++u) {
        const T m = keep_unit(key, off + uint64_t(u), q) ? S : T(0);
        const int64_t e = std::min(n, (u + 1) * L);
        _Pragma("omp simd") for (int64_t i = u * L; i < e; ++i) y[i] = x[i] * m;
      });
}

void run(const char* op, const TensorView& x, const TensorView& out, const DropoutParams& p, bool backward) {
  if (out.dtype != x.dtype) throw Error(ErrorCode::DType, std::string("torchlet: ") + op + ": dtypes differ");
  if (out.numel() != x.numel()) throw Error(ErrorCode::Shape, std::string("torchlet: ") + op + ": sizes differ");
  if (p.p >= 1) throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + op + ": p must be below 1");
  dispatch_float(op, x.dtype, [&](auto z) {
    using T = decltype(z);
    dropout_typed<T>(x.ptr<T>(), out.ptr<T>(), x.numel(), p, backward);
  });
}
void dropout_forward_cpu(const TensorView& x, const TensorView& out, const DropoutParams& p) {
  run("dropout_forward", x, out, p, false);
}
void dropout_backward_cpu(const TensorView& g, const TensorView& dx, const DropoutParams& p) {
  run("dropout_backward", g, dx, p, true);
}
TL_REGISTER_KERNEL(dropout_forward_op, CPU, dropout_forward_cpu, kFloatTypes);
TL_REGISTER_KERNEL(dropout_backward_op, CPU, dropout_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
