// native/ops/fold.h — im2col / col2im, F.unfold and F.fold (kernels: native/cpu/fold.cc,
// native/cuda/fold.cu), with PyTorch 1.13's block layout. The image is [planes, inH, inW] (planes = N * C),
// the columns [planes, kh, kw, outH, outW] (= [N, C * kh * kw, L] with L = outH * outW), where
// outH = (inH + 2 ph - dh (kh - 1) - 1) / sh + 1 (and likewise outW), checked here:
//   im2col: cols[p, ki, kj, oy, ox] = img[p, oy sh - ph + ki dh, ox sw - pw + kj dw] (0 outside the image)
//   col2im: img[p, y, x] = the sum of the cols entries that im2col reads from (p, y, x)
// Each is the other's adjoint (so each one's backward is the other). col2im gathers per image element
// over the (ki, kj) whose block position lands on it: deterministic, no atomics.
#pragma once
#include <cstdint>
#include <string>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_FOLD_FIELDS(X) \
  X(int64_t, planes, 0, kMaxSize) X(int64_t, in_h, 1, kMaxSize) X(int64_t, in_w, 1, kMaxSize) \
  X(int64_t, kh, 1, kMaxSize) X(int64_t, kw, 1, kMaxSize) X(int64_t, dh, 1, kMaxSize) X(int64_t, dw, 1, kMaxSize) \
  X(int64_t, ph, 0, kMaxSize) X(int64_t, pw, 0, kMaxSize) X(int64_t, sh, 1, kMaxSize) X(int64_t, sw, 1, kMaxSize) \
  X(int64_t, out_h, 1, kMaxSize) X(int64_t, out_w, 1, kMaxSize)
// clang-format on
TL_PARAMS(FoldParams, TL_FOLD_FIELDS)
// input [planes, inH, inW] -> out [planes, kh, kw, outH, outW]
TL_OP(im2col, "input, out", FoldParams)
// input [planes, kh, kw, outH, outW] -> out [planes, inH, inW]
TL_OP(col2im, "input, out", FoldParams)

inline void check_fold_params(const char* op, const FoldParams& p) {
  const int64_t eh = p.in_h + 2 * p.ph - p.dh * (p.kh - 1) - 1, ew = p.in_w + 2 * p.pw - p.dw * (p.kw - 1) - 1;
  if (eh < 0 || ew < 0 || eh / p.sh + 1 != p.out_h || ew / p.sw + 1 != p.out_w)
    check_fail(ErrorCode::InvalidArg, op,
               "the block counts " + std::to_string(p.out_h) + " x " + std::to_string(p.out_w) +
                   " do not match the image size, kernel, dilation, padding and stride");
}
inline int64_t fold_image_numel(const char* op, const FoldParams& p) {
  return checked_mul(op, checked_mul(op, p.planes, p.in_h), p.in_w);
}
inline int64_t fold_cols_numel(const char* op, const FoldParams& p) {
  return checked_mul(op, checked_mul(op, checked_mul(op, checked_mul(op, p.planes, p.kh), p.kw), p.out_h), p.out_w);
}
inline void check_im2col(const TensorView& x, const TensorView& out, const FoldParams& p) {
  check_fold_params("im2col", p);
  check_numel("im2col", "input", x, fold_image_numel("im2col", p));
  check_dtype("im2col", "out", out, x.dtype);
  check_numel("im2col", "out", out, fold_cols_numel("im2col", p));
}
TL_OP_CHECK(im2col, check_im2col)
inline void check_col2im(const TensorView& x, const TensorView& out, const FoldParams& p) {
  check_fold_params("col2im", p);
  check_numel("col2im", "input", x, fold_cols_numel("col2im", p));
  check_dtype("col2im", "out", out, x.dtype);
  check_numel("col2im", "out", out, fold_image_numel("col2im", p));
}
TL_OP_CHECK(col2im, check_col2im)

#if defined(__CUDACC__)
#define TL_FOLD_FN __host__ __device__ __forceinline__
#else
#define TL_FOLD_FN inline
#endif
namespace fold {
// The block index o (in [0, n)) along one dim whose kernel tap k lands on image index i, or -1.
TL_FOLD_FN int64_t block_of(int64_t i, int64_t k, int64_t pad, int64_t dil, int64_t stride, int64_t n) {
  const int64_t v = i + pad - k * dil;
  if (v < 0 || v % stride != 0) return -1;
  const int64_t o = v / stride;
  return o < n ? o : -1;
}
// col2im of one image element (p, y, x): the sum over the kernel taps that land on it, in (ki, kj) order.
template <typename T>
TL_FOLD_FN T gather(const T* cols, int64_t p, int64_t y, int64_t x, int64_t kh, int64_t kw, int64_t dh, int64_t dw,
                    int64_t ph, int64_t pw, int64_t sh, int64_t sw, int64_t oh, int64_t ow) {
  T acc = T(0);
  const T* base = cols + p * kh * kw * oh * ow;
  for (int64_t ki = 0; ki < kh; ++ki) {
    const int64_t oy = block_of(y, ki, ph, dh, sh, oh);
    if (oy < 0) continue;
    for (int64_t kj = 0; kj < kw; ++kj) {
      const int64_t ox = block_of(x, kj, pw, dw, sw, ow);
      if (ox >= 0) acc += base[((ki * kw + kj) * oh + oy) * ow + ox];
    }
  }
  return acc;
}
}  // namespace fold

}  // namespace tl
