// native/ops/upsample.h — F.interpolate's nearest / linear / bilinear / bicubic resampling of
// [planes, inH, inW] to [planes, outH, outW] (kernels: native/cpu/upsample.cc, native/cuda/upsample.cu),
// forward and backward, with PyTorch 1.13's source indices and weights (the per-dim taps below, shared
// by both backends). 1-D inputs (3-D tensors) are the case inH = outH = 1. Resampling is separable:
// out[p, y, x] = sum over the taps (iy, wy) of y and (ix, wx) of x of wy * wx * in[p, iy, ix]; the
// backward gathers, for each input element, the output positions whose taps reach it (found by
// binary search: the taps move monotonically with the output index), so it is deterministic.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_UPSAMPLE_MODES(E) \
  E(Nearest) E(Linear) E(Cubic) E(NearestExact)
// clang-format on
TL_ENUM(UpsampleMode, TL_UPSAMPLE_MODES)
// scaleH / scaleW: the user's scale factor for that dim when PyTorch passes it to the kernel (0: none,
// the scale is in / out); alignCorners only for Linear and Cubic.
// clang-format off
#define TL_UPSAMPLE_FIELDS(X) \
  X(UpsampleMode, mode, 0, 0) X(int64_t, planes, 0, kMaxSize) \
  X(int64_t, in_h, 1, kMaxSize) X(int64_t, in_w, 1, kMaxSize) \
  X(int64_t, out_h, 1, kMaxSize) X(int64_t, out_w, 1, kMaxSize) \
  X(bool, align_corners, 0, 1) X(double, scale_h, 0, kAnyNumber) X(double, scale_w, 0, kAnyNumber)
// clang-format on
TL_PARAMS(UpsampleParams, TL_UPSAMPLE_FIELDS)
TL_OP(upsample, "input, out", UpsampleParams)
TL_OP(upsample_backward, "gradOutput, gradInput", UpsampleParams)
inline void check_upsample(const TensorView& x, const TensorView& out, const UpsampleParams& p) {
  const char* op = "upsample";
  check_numel(op, "input", x, checked_mul(op, checked_mul(op, p.planes, p.in_h), p.in_w));
  check_dtype(op, "out", out, x.dtype);
  check_numel(op, "out", out, checked_mul(op, checked_mul(op, p.planes, p.out_h), p.out_w));
}
TL_OP_CHECK(upsample, check_upsample)
inline void check_upsample_backward(const TensorView& dy, const TensorView& dx, const UpsampleParams& p) {
  const char* op = "upsample_backward";
  check_numel(op, "gradOutput", dy, checked_mul(op, checked_mul(op, p.planes, p.out_h), p.out_w));
  check_dtype(op, "gradInput", dx, dy.dtype);
  check_numel(op, "gradInput", dx, checked_mul(op, checked_mul(op, p.planes, p.in_h), p.in_w));
}
TL_OP_CHECK(upsample_backward, check_upsample_backward)

// ---- the taps, shared by the CPU and CUDA kernels (host and device) ----------------------------------
#if defined(__CUDACC__)
#define TL_UPS_FN __host__ __device__ __forceinline__
#else
#define TL_UPS_FN inline
#endif
namespace ups {
// One dim's resampling: its sizes and PyTorch's scale (T: float for float32, as PyTorch's opmath).
template <typename T>
struct Dim {
  UpsampleMode mode;
  int64_t in, out;
  bool align;
  T scale;       // area_pixel_compute_scale (Linear, Cubic)
  float nscale;  // compute_scales_value<float> (Nearest, NearestExact)
};
template <typename T>
TL_UPS_FN Dim<T> make_dim(UpsampleMode mode, int64_t in, int64_t out, bool align, double user_scale) {
  Dim<T> d{mode, in, out, align, T(0), 0.f};
  d.nscale = user_scale > 0 ? float(1.0 / user_scale) : float(in) / float(out);
  if (align)
    d.scale = out > 1 ? T(in - 1) / T(out - 1) : T(0);
  else
    d.scale = user_scale > 0 ? T(1.0 / user_scale) : T(in) / T(out);
  return d;
}
// Up to 4 taps (input index, weight) of output index j; returns how many.
template <typename T>
TL_UPS_FN int taps(const Dim<T>& d, int64_t j, int64_t* idx, T* w) {
  if (d.mode == UpsampleMode::Nearest) {
    int64_t s;
    if (d.out == d.in)
      s = j;
    else if (d.out == 2 * d.in)
      s = j >> 1;
    else {
      s = int64_t(floorf(float(j) * d.nscale));
      if (s > d.in - 1) s = d.in - 1;
    }
    idx[0] = s;
    w[0] = T(1);
    return 1;
  }
  if (d.mode == UpsampleMode::NearestExact) {
    // nearest_neighbor_exact_compute_source_index: (j + 0.5) * scale in double, floored as a float
    int64_t s = int64_t(floorf(float((double(j) + 0.5) * double(d.nscale))));
    idx[0] = s > d.in - 1 ? d.in - 1 : s;
    w[0] = T(1);
    return 1;
  }
  const bool cubic = d.mode == UpsampleMode::Cubic;
  T real;
  if (d.align)
    real = d.scale * T(j);
  else {
    real = T(double(d.scale) * (double(j) + 0.5) - 0.5);
    if (!cubic && real < T(0)) real = T(0);
  }
  // guard_index_and_lambda
  int64_t i0 = int64_t(std::floor(real));
  if (i0 > d.in - 1) i0 = d.in - 1;
  T t = real - T(i0);
  t = t < T(0) ? T(0) : (t > T(1) ? T(1) : t);
  if (!cubic) {
    idx[0] = i0;
    idx[1] = i0 + (i0 < d.in - 1 ? 1 : 0);
    w[0] = T(1) - t;
    w[1] = t;
    return 2;
  }
  const T A = T(-0.75);
  const T x1 = t;
  const T xa = T(double(x1) + 1.0), xb = T(1.0 - double(t)), xc = T(double(xb) + 1.0);  // as PyTorch rounds them
  w[0] = ((A * xa - T(5) * A) * xa + T(8) * A) * xa - T(4) * A;
  w[1] = ((A + T(2)) * x1 - (A + T(3))) * x1 * x1 + T(1);
  w[2] = ((A + T(2)) * xb - (A + T(3))) * xb * xb + T(1);
  w[3] = ((A * xc - T(5) * A) * xc + T(8) * A) * xc - T(4) * A;
  for (int k = 0; k < 4; ++k) {
    int64_t q = i0 - 1 + k;
    idx[k] = q < 0 ? 0 : (q > d.in - 1 ? d.in - 1 : q);
  }
  return 4;
}
// The summed weight with which output j reads input i (0 when it does not).
template <typename T>
TL_UPS_FN T weight_of(const Dim<T>& d, int64_t j, int64_t i) {
  int64_t idx[4];
  T w[4];
  const int n = taps(d, j, idx, w);
  T s = T(0);
  for (int k = 0; k < n; ++k)
    if (idx[k] == i) s += w[k];
  return s;
}
// The output indices [lo, hi] whose taps may reach input i (lo > hi: none). The lowest and highest
// tap of output j never decrease with j, so both ends are binary searches.
template <typename T>
TL_UPS_FN void readers(const Dim<T>& d, int64_t i, int64_t& lo, int64_t& hi) {
  int64_t idx[4];
  T w[4];
  // first j whose highest tap >= i
  int64_t a = 0, b = d.out;
  while (a < b) {
    const int64_t m = a + (b - a) / 2;
    const int n = taps(d, m, idx, w);
    if (idx[n - 1] >= i)
      b = m;
    else
      a = m + 1;
  }
  lo = a;
  // first j whose lowest tap > i, minus one
  a = lo, b = d.out;
  while (a < b) {
    const int64_t m = a + (b - a) / 2;
    taps(d, m, idx, w);
    if (idx[0] > i)
      b = m;
    else
      a = m + 1;
  }
  hi = a - 1;
}
}  // namespace ups

}  // namespace tl
