// native/cpu/random.cc — counter-based random numbers: element i of a draw depends only on
// (seed, offset + i), so results are independent of thread count and the CUDA kernel can give
// the same stream. Uniform [a, b); Normal (mean a, std b) by Box-Muller; Bernoulli mask
// out = (u < a) ? b : 0 (a = keep probability, b = scale), used by dropout.
#include <cmath>
#include "core/counter_rng.h"
#include "core/dispatch.h"
#include "ops/random.h"
#include "core/parallel.h"

namespace tl {
namespace {

// Two independent 64-bit words for counter c under key seed (core/counter_rng.h).
inline uint64_t draw(uint64_t seed, uint64_t c, uint64_t lane) { return rng_bits(rng_key(seed, lane), c); }
inline double u01(uint64_t h) { return rng_u01(h); }  // [0, 1)

template <typename T>
void random_typed(RandomKind kind, T* o, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  TL_PAR_FOR(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        const uint64_t c = offset + uint64_t(i);
        switch (kind) {
          case RandomKind::Uniform: {
            T v = static_cast<T>(a + (b - a) * u01(draw(seed, c, 0)));
            if (v >= static_cast<T>(b) && b > a) v = static_cast<T>(a);  // rounding in float32: keep [a, b)
            o[i] = v;
            break;
          }
          case RandomKind::Normal: {
            const double u1 = 1.0 - u01(draw(seed, c, 0));  // (0, 1]
            const double u2 = u01(draw(seed, c, 1));
            o[i] = static_cast<T>(a + b * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
            break;
          }
          case RandomKind::Bernoulli: o[i] = u01(draw(seed, c, 0)) < a ? static_cast<T>(b) : T(0); break;
        }
      });
}

void random_cpu(const TensorView& out, const RandomParams& p) {
  const RandomKind kind = p.kind;
  const double a = p.a, b = p.b;
  const uint64_t seed = static_cast<uint64_t>(p.seed), offset = static_cast<uint64_t>(p.offset);
  dispatch_float("random", out.dtype, [&](auto z) {
    using T = decltype(z);
    random_typed<T>(kind, out.ptr<T>(), out.numel(), a, b, seed, offset);
  });
}
TL_REGISTER_KERNEL(random_op, CPU, random_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
