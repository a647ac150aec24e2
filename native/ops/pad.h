// native/ops/pad.h — reflect / replicate / circular padding of the last 1-3 dims (kernels:
// native/cpu/pad.cc, native/cuda/pad.cu), forward and backward, with the index maps both share.
// The input is viewed as [outer, D, H, W] (unused leading spatial dims of size 1, padded by 0), the
// output as [outer, D + pads[0] + pads[1], H + pads[2] + pads[3], W + pads[4] + pads[5]]; pads are
// (before, after) per dim in D, H, W order. Contiguous buffers; constant padding is lib/'s (copies).
#pragma once
#include <cstdint>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_PAD_MODES(E) \
  E(Reflect) E(Replicate) E(Circular)
// clang-format on
TL_ENUM(PadMode, TL_PAD_MODES)
// Reflect: out index -k maps to k (the edge not repeated), pads < size; Replicate: clamped to the
// edge, size >= 1; Circular: wrapped around, pads <= size.
// clang-format off
#define TL_PAD_FIELDS(X) \
  X(PadMode, mode, 0, 0) X(int64_t, outer, 0, kMaxSize) X(Dims3, in_size, 0, kMaxSize) \
  X(std::vector<int64_t>, pads, 0, kMaxSize)
// clang-format on
TL_PARAMS(PadParams, TL_PAD_FIELDS)
// out[o, d, h, w] = input[o, map(d), map(h), map(w)]
TL_OP(pad, "input, out", PadParams)
// gradInput[o, d, h, w] = the sum of gradOutput over the positions that map to (d, h, w) (a gather:
// deterministic, no atomics)
TL_OP(pad_backward, "gradOutput, gradInput", PadParams)

inline void check_pad_params(const char* op, const PadParams& p) {
  if (p.pads.size() != 6) check_fail(ErrorCode::InvalidArg, op, "'pads' needs 6 entries (before, after for D, H, W)");
  for (int k = 0; k < 3; ++k) {
    const int64_t n = p.in_size[k], l = p.pads[2 * k], r = p.pads[2 * k + 1];
    const bool ok = p.mode == PadMode::Reflect     ? (l < n && r < n) || (l == 0 && r == 0)
                    : p.mode == PadMode::Replicate ? n >= 1 || (l == 0 && r == 0)
                                                   : (l <= n && r <= n);
    if (!ok)
      check_fail(ErrorCode::InvalidArg, op,
                 "padding of " + std::to_string(l) + ", " + std::to_string(r) + " does not fit a dimension of size " +
                     std::to_string(n));
  }
}
inline int64_t pad_in_numel(const char* op, const PadParams& p) {
  return checked_mul(op, checked_mul(op, checked_mul(op, p.outer, p.in_size[0]), p.in_size[1]), p.in_size[2]);
}
inline int64_t pad_out_numel(const char* op, const PadParams& p) {
  int64_t n = p.outer;
  for (int k = 0; k < 3; ++k) n = checked_mul(op, n, p.in_size[k] + p.pads[2 * k] + p.pads[2 * k + 1]);
  return n;
}
inline void check_pad(const TensorView& x, const TensorView& out, const PadParams& p) {
  check_pad_params("pad", p);
  check_numel("pad", "input", x, pad_in_numel("pad", p));
  check_dtype("pad", "out", out, x.dtype);
  check_numel("pad", "out", out, pad_out_numel("pad", p));
}
TL_OP_CHECK(pad, check_pad)
inline void check_pad_backward(const TensorView& dy, const TensorView& dx, const PadParams& p) {
  check_pad_params("pad_backward", p);
  check_numel("pad_backward", "gradOutput", dy, pad_out_numel("pad_backward", p));
  check_dtype("pad_backward", "gradInput", dx, dy.dtype);
  check_numel("pad_backward", "gradInput", dx, pad_in_numel("pad_backward", p));
}
TL_OP_CHECK(pad_backward, check_pad_backward)

// ---- the index maps, shared by the CPU and CUDA kernels (host and device) ----------------------------
#if defined(__CUDACC__)
#define TL_PAD_FN __host__ __device__ __forceinline__
#else
#define TL_PAD_FN inline
#endif
namespace padmap {
// The input index that output index j (0 <= j < n + l + r) reads along a dim of size n padded by l before.
TL_PAD_FN int64_t source(PadMode mode, int64_t j, int64_t n, int64_t l) {
  const int64_t k = j - l;
  if (mode == PadMode::Reflect) return k < 0 ? -k : (k >= n ? 2 * (n - 1) - k : k);
  if (mode == PadMode::Replicate) return k < 0 ? 0 : (k >= n ? n - 1 : k);
  const int64_t m = k % n;
  return m < 0 ? m + n : m;
}
// The output indices that read input index i, as up to 3 inclusive ranges [lo[c], hi[c]] (output
// coordinates); returns how many.
TL_PAD_FN int sources_of(PadMode mode, int64_t i, int64_t n, int64_t l, int64_t r, int64_t* lo, int64_t* hi) {
  int c = 0;
  if (mode == PadMode::Replicate) {
    lo[0] = (i == 0 ? -l : i) + l;
    hi[0] = (i == n - 1 ? n - 1 + r : i) + l;
    return 1;
  }
  lo[c] = hi[c] = i + l;
  ++c;
  if (mode == PadMode::Reflect) {
    if (i >= 1 && i <= l) lo[c] = hi[c] = -i + l, ++c;
    if (i <= n - 2 && i >= n - 1 - r) lo[c] = hi[c] = 2 * (n - 1) - i + l, ++c;
  } else {
    if (i - n >= -l) lo[c] = hi[c] = i - n + l, ++c;
    if (i + n < n + r) lo[c] = hi[c] = i + n + l, ++c;
  }
  return c;
}
}  // namespace padmap

}  // namespace tl
