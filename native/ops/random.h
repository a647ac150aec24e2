// native/ops/random.h — declaration of the random fill (kernels: native/cpu/random.cc,
// native/cuda/random.cu). Counter-based generator: element i draws from (seed, offset + i), so CPU
// and CUDA agree and results do not depend on thread count.
#pragma once
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_RANDOM_KINDS(E) \
  E(Uniform) E(Normal) E(Bernoulli)
// clang-format on
TL_ENUM(RandomKind, TL_RANDOM_KINDS)
// Uniform: [a, b); Normal: mean a, std b; Bernoulli: out = (u < a) ? b : 0 (keep prob a, scale b).
// clang-format off
#define TL_RANDOM_FIELDS(X) \
  X(RandomKind, kind, 0, 0) X(double, a, -kAnyNumber, kAnyNumber) \
  X(double, b, -kAnyNumber, kAnyNumber) X(int64_t, seed, 0, kMaxSize) \
  X(int64_t, offset, 0, kMaxSize)
// clang-format on
TL_PARAMS(RandomParams, TL_RANDOM_FIELDS)
TL_OP(random, "out", RandomParams)

}  // namespace tl
