// native/ops/scan.h — declarations of the scans (kernels: native/cpu/scan.cc, native/cuda/scan.cu).
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// input and out viewed as [outer, n, inner]: out[a, i, b] = sum of input[a, j, b] over j <= i
// (reverse: over j >= i, which is cumsum's backward). Floating inputs accumulate in double, each
// output rounded once; int64 in int64.
// clang-format off
#define TL_CUMSUM_FIELDS(X) \
  X(int64_t, outer, 0, kMaxSize) X(int64_t, n, 0, kMaxSize) X(int64_t, inner, 0, kMaxSize) \
  X(bool, reverse, 0, 1)
// clang-format on
TL_PARAMS(CumsumParams, TL_CUMSUM_FIELDS)
TL_OP(cumsum, "input, out", CumsumParams)
inline void check_cumsum(const TensorView& x, const TensorView& out, const CumsumParams& p) {
  check_numel("cumsum", "input", x, checked_mul("cumsum", checked_mul("cumsum", p.outer, p.n), p.inner));
  check_like("cumsum", "out", out, "input", x);
}
TL_OP_CHECK(cumsum, check_cumsum)

}  // namespace tl
