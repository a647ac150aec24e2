// native/ops/scan.h — declarations of the scans (cumsum; cumprod, cummax, cummin) (kernels: native/cpu/scan.cc,
// native/cuda/scan.cu).
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

// clang-format off
#define TL_SCAN_OPS(E) \
  E(Prod) E(Max) E(Min)
// clang-format on
TL_ENUM(ScanOp, TL_SCAN_OPS)
// input and out viewed as [outer, n, inner], scanned along n in order: Prod: out[i] = product of
// input[j <= i] (floating types accumulate in double, each output rounded once; int64 in int64);
// Max / Min: the running maximum / minimum and, in indices (int64, required), the position it came
// from: a later equal element takes over (>= / <=), and a NaN, once met, stays (a later NaN takes
// over its index), as PyTorch's cummax / cummin.
// clang-format off
#define TL_SCAN_FIELDS(X) \
  X(ScanOp, op, 0, 0) X(int64_t, outer, 0, kMaxSize) X(int64_t, n, 0, kMaxSize) X(int64_t, inner, 0, kMaxSize)
// clang-format on
TL_PARAMS(ScanParams, TL_SCAN_FIELDS)
TL_OP(scan, "input, out, indices?", ScanParams)
inline void check_scan(const TensorView& x, const TensorView& out, const TensorView& idx, const ScanParams& p) {
  check_numel("scan", "input", x, checked_mul("scan", checked_mul("scan", p.outer, p.n), p.inner));
  check_like("scan", "out", out, "input", x);
  if (p.op != ScanOp::Prod) {
    check_present("scan", "indices", idx);
    check_dtype("scan", "indices", idx, DType::I64);
    check_numel("scan", "indices", idx, x.numel());
  }
}
TL_OP_CHECK(scan, check_scan)

}  // namespace tl
