// native/ops/upsample.h — F.interpolate's nearest / nearest-exact / (bi/tri)linear / bicubic resampling
// of [planes, inD, inH, inW] to [planes, outD, outH, outW] (kernels: native/cpu/upsample.cc,
// native/cuda/upsample.cu), forward and backward, with PyTorch 1.13's source indices and weights (the
// per-dim taps below, shared by both backends), and its antialiased bilinear / bicubic (separable
// filters whose support grows with the downscale factor, a variable number of taps per output index).
// 1-D and 2-D inputs are the cases inD = outD = 1 (and inH = outH = 1). Resampling is separable:
// out[p, z, y, x] = sum over the taps of z, y and x of wz * wy * wx * in[p, iz, iy, ix]; the
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
// scaleD / scaleH / scaleW: the user's scale factor for that dim when PyTorch passes it to the kernel
// (0: none, the scale is in / out); alignCorners only for Linear and Cubic; antialias only for Linear
// and Cubic on H and W (PyTorch's _upsample_bilinear2d_aa / _upsample_bicubic2d_aa).
// clang-format off
#define TL_UPSAMPLE_FIELDS(X) \
  X(UpsampleMode, mode, 0, 0) X(int64_t, planes, 0, kMaxSize) \
  X(int64_t, in_d, 1, kMaxSize) X(int64_t, in_h, 1, kMaxSize) X(int64_t, in_w, 1, kMaxSize) \
  X(int64_t, out_d, 1, kMaxSize) X(int64_t, out_h, 1, kMaxSize) X(int64_t, out_w, 1, kMaxSize) \
  X(bool, align_corners, 0, 1) X(bool, antialias, 0, 1) \
  X(double, scale_d, 0, kAnyNumber) X(double, scale_h, 0, kAnyNumber) X(double, scale_w, 0, kAnyNumber)
// clang-format on
TL_PARAMS(UpsampleParams, TL_UPSAMPLE_FIELDS)
TL_OP(upsample, "input, out", UpsampleParams)
TL_OP(upsample_backward, "gradOutput, gradInput", UpsampleParams)
// The most taps one output index of one dim may have under antialias (the tap tables' width), past
// which the op refuses (TL_OP_CHECK) rather than allocate huge tables.
constexpr int64_t kUpsampleMaxTableEntries = int64_t(1) << 28;
inline int64_t upsample_aa_width(UpsampleMode mode, int64_t in, int64_t out, bool align, double user_scale) {
  const double scale = align ? (out > 1 ? double(in - 1) / double(out - 1) : 0.0)
                             : (user_scale > 0 ? 1.0 / user_scale : double(in) / double(out));
  const double base = mode == UpsampleMode::Cubic ? 2.0 : 1.0;
  const double support = scale >= 1.0 ? base * scale : base;
  return int64_t(std::ceil(support)) * 2 + 1;
}
inline void check_upsample_params(const char* op, const UpsampleParams& p) {
  if (!p.antialias) return;
  if (p.mode != UpsampleMode::Linear && p.mode != UpsampleMode::Cubic)
    check_fail(ErrorCode::InvalidArg, op, "'antialias' needs the Linear or Cubic mode");
  const int64_t wh = upsample_aa_width(p.mode, p.in_h, p.out_h, p.align_corners, p.scale_h);
  const int64_t ww = upsample_aa_width(p.mode, p.in_w, p.out_w, p.align_corners, p.scale_w);
  if (!(double(wh) * double(p.out_h) <= double(kUpsampleMaxTableEntries)) ||
      !(double(ww) * double(p.out_w) <= double(kUpsampleMaxTableEntries)))
    check_fail(ErrorCode::InvalidArg, op, "antialias tap tables (output size x filter width) over 2^28 entries");
}
inline void check_upsample(const TensorView& x, const TensorView& out, const UpsampleParams& p) {
  const char* op = "upsample";
  check_upsample_params(op, p);
  check_numel(op, "input", x, checked_mul(op, checked_mul(op, checked_mul(op, p.planes, p.in_d), p.in_h), p.in_w));
  check_dtype(op, "out", out, x.dtype);
  check_numel(op, "out", out, checked_mul(op, checked_mul(op, checked_mul(op, p.planes, p.out_d), p.out_h), p.out_w));
}
TL_OP_CHECK(upsample, check_upsample)
inline void check_upsample_backward(const TensorView& dy, const TensorView& dx, const UpsampleParams& p) {
  const char* op = "upsample_backward";
  check_upsample_params(op, p);
  check_numel(op, "gradOutput", dy,
              checked_mul(op, checked_mul(op, checked_mul(op, p.planes, p.out_d), p.out_h), p.out_w));
  check_dtype(op, "gradInput", dx, dy.dtype);
  check_numel(op, "gradInput", dx, checked_mul(op, checked_mul(op, checked_mul(op, p.planes, p.in_d), p.in_h), p.in_w));
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
  bool aa;        // antialias (Linear, Cubic): PyTorch's _compute_indices_weights_aa
  T scale;        // area_pixel_compute_scale (Linear, Cubic)
  float nscale;   // compute_scales_value<float> (Nearest, NearestExact)
  T support;      // aa: the filter's half-width in input pixels
  T invscale;     // aa: the filter's argument scale (1 / scale when downscaling)
  int64_t width;  // the most taps of one output index
};
template <typename T>
TL_UPS_FN Dim<T> make_dim(UpsampleMode mode, int64_t in, int64_t out, bool align, double user_scale, bool aa = false) {
  Dim<T> d{mode, in, out, align, aa, T(0), 0.f, T(0), T(1), 1};
  d.nscale = user_scale > 0 ? float(1.0 / user_scale) : float(in) / float(out);
  if (align)
    d.scale = out > 1 ? T(in - 1) / T(out - 1) : T(0);
  else
    d.scale = user_scale > 0 ? T(1.0 / user_scale) : T(in) / T(out);
  if (aa) {
    const T half = mode == UpsampleMode::Cubic ? T(2) : T(1);  // interp_size * 0.5
    d.support = d.scale >= T(1) ? half * d.scale : half;
    d.invscale = d.scale >= T(1) ? T(1.0 / double(d.scale)) : T(1);
    d.width = int64_t(ceilf(float(d.support))) * 2 + 1;
  } else {
    d.width = mode == UpsampleMode::Cubic ? 4 : (mode == UpsampleMode::Linear ? 2 : 1);
  }
  return d;
}
// The antialias filters (PyTorch's HelperInterpLinear / HelperInterpCubic::aa_filter, cubic a = -0.5).
template <typename T>
TL_UPS_FN T aa_filter(UpsampleMode mode, T x) {
  if (x < T(0)) x = -x;
  if (mode != UpsampleMode::Cubic) return x < T(1) ? T(1) - x : T(0);
  const T A = T(-0.5);
  if (x < T(1)) return ((A + T(2)) * x - (A + T(3))) * x * x + T(1);
  if (x < T(2)) return ((A * x - T(5) * A) * x + T(8) * A) * x - T(4) * A;
  return T(0);
}
// Antialias: output j reads inputs [first, first + n), centred at center (_compute_weights_aa).
template <typename T>
TL_UPS_FN void aa_span(const Dim<T>& d, int64_t j, T& center, int64_t& first, int64_t& n) {
  center = T(double(d.scale) * (double(j) + 0.5));
  int64_t lo = int64_t(double(center - d.support) + 0.5);
  if (lo < 0) lo = 0;
  int64_t hi = int64_t(double(center + d.support) + 0.5);
  if (hi > d.in) hi = d.in;
  first = lo;
  n = hi - lo;
}
// Antialias: the unnormalized weight of input i for a tap centred at center.
template <typename T>
TL_UPS_FN T aa_raw(const Dim<T>& d, int64_t i, T center) {
  return aa_filter(d.mode, T((double(T(i) - center) + 0.5) * double(d.invscale)));
}
// The taps of one output index: input index(k) with weight(k), k < n.
template <typename T>
struct Taps {
  int64_t n;
  int64_t idx[4];
  T w[4];
  bool aa;
  int64_t first;  // aa: the inputs are first, first + 1, ...
  T center, total;
  TL_UPS_FN int64_t index(int64_t k) const { return aa ? first + k : idx[k]; }
  TL_UPS_FN T weight(const Dim<T>& d, int64_t k) const {
    if (!aa) return w[k];
    const T r = aa_raw(d, first + k, center);
    return total != T(0) ? r / total : r;
  }
};
// The taps of output index j (with_total false: only the indices are meaningful under antialias).
template <typename T>
TL_UPS_FN Taps<T> taps(const Dim<T>& d, int64_t j, bool with_total = true) {
  Taps<T> t;
  t.aa = d.aa;
  t.first = 0;
  t.center = T(0);
  t.total = T(0);
  if (d.aa) {
    aa_span(d, j, t.center, t.first, t.n);
    if (with_total)
      for (int64_t k = 0; k < t.n; ++k) t.total += aa_raw(d, t.first + k, t.center);
    return t;
  }
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
    t.idx[0] = s;
    t.w[0] = T(1);
    t.n = 1;
    return t;
  }
  if (d.mode == UpsampleMode::NearestExact) {
    // nearest_neighbor_exact_compute_source_index: (j + 0.5) * scale in double, floored as a float
    int64_t s = int64_t(floorf(float((double(j) + 0.5) * double(d.nscale))));
    t.idx[0] = s > d.in - 1 ? d.in - 1 : s;
    t.w[0] = T(1);
    t.n = 1;
    return t;
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
  T l = real - T(i0);
  l = l < T(0) ? T(0) : (l > T(1) ? T(1) : l);
  if (!cubic) {
    t.idx[0] = i0;
    t.idx[1] = i0 + (i0 < d.in - 1 ? 1 : 0);
    t.w[0] = T(1) - l;
    t.w[1] = l;
    t.n = 2;
    return t;
  }
  const T A = T(-0.75);
  const T x1 = l;
  const T xa = T(double(x1) + 1.0), xb = T(1.0 - double(l)), xc = T(double(xb) + 1.0);  // as PyTorch rounds them
  t.w[0] = ((A * xa - T(5) * A) * xa + T(8) * A) * xa - T(4) * A;
  t.w[1] = ((A + T(2)) * x1 - (A + T(3))) * x1 * x1 + T(1);
  t.w[2] = ((A + T(2)) * xb - (A + T(3))) * xb * xb + T(1);
  t.w[3] = ((A * xc - T(5) * A) * xc + T(8) * A) * xc - T(4) * A;
  for (int k = 0; k < 4; ++k) {
    int64_t q = i0 - 1 + k;
    t.idx[k] = q < 0 ? 0 : (q > d.in - 1 ? d.in - 1 : q);
  }
  t.n = 4;
  return t;
}
// The summed weight with which output j reads input i (0 when it does not).
template <typename T>
TL_UPS_FN T weight_of(const Dim<T>& d, int64_t j, int64_t i) {
  const Taps<T> t = taps(d, j);
  if (t.aa) return i >= t.first && i < t.first + t.n ? t.weight(d, i - t.first) : T(0);
  T s = T(0);
  for (int64_t k = 0; k < t.n; ++k)
    if (t.idx[k] == i) s += t.w[k];
  return s;
}
// The output indices [lo, hi] whose taps may reach input i (lo > hi: none). The lowest and highest
// tap of output j never decrease with j, so both ends are binary searches.
template <typename T>
TL_UPS_FN void readers(const Dim<T>& d, int64_t i, int64_t& lo, int64_t& hi) {
  // first j whose highest tap >= i
  int64_t a = 0, b = d.out;
  while (a < b) {
    const int64_t m = a + (b - a) / 2;
    const Taps<T> t = taps(d, m, false);
    if (t.index(t.n - 1) >= i)
      b = m;
    else
      a = m + 1;
  }
  lo = a;
  // first j whose lowest tap > i, minus one
  a = lo, b = d.out;
  while (a < b) {
    const int64_t m = a + (b - a) / 2;
    const Taps<T> t = taps(d, m, false);
    if (t.index(0) > i)
      b = m;
    else
      a = m + 1;
  }
  hi = a - 1;
}
// The three dims of a call; the depth dim is the identity (Nearest) when it has size 1 in and out,
// and antialias acts on H and W only.
template <typename T>
struct Dims {
  Dim<T> d, h, w;
};
template <typename T>
inline Dims<T> make_dims(const UpsampleParams& p) {
  const UpsampleMode md = p.in_d == 1 && p.out_d == 1 ? UpsampleMode::Nearest : p.mode;
  return {make_dim<T>(md, p.in_d, p.out_d, p.align_corners, p.scale_d),
          make_dim<T>(p.mode, p.in_h, p.out_h, p.align_corners, p.scale_h, p.antialias),
          make_dim<T>(p.mode, p.in_w, p.out_w, p.align_corners, p.scale_w, p.antialias)};
}
}  // namespace ups

}  // namespace tl
