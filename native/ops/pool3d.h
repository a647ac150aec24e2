// native/ops/pool3d.h — declarations of the 3-D pooling ops (kernels: native/cpu/pool3d.cc,
// native/cuda/pool3d.cu) over planes [N, C, D, H, W] -> [N, C, OD, OH, OW]: max pooling (kernel,
// stride, padding, dilation; int64 indices = flat d*H*W + h*W + w of the max in its input plane),
// average pooling (PyTorch's divisor rules) and adaptive average / max pooling, forward and backward.
// Every kernel computes one output element (forward) or one input element (backward) with the
// per-element functions below, shared by both backends: the backward gathers over the outputs whose
// windows can contain the input element (no atomics: deterministic). Output sizes (incl. ceil
// mode) are computed in lib/ops/pool3d.ts.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_PLANE3D_FIELDS(X) \
  X(int64_t, N, 0, kMaxSize) X(int64_t, C, 0, kMaxSize) X(int64_t, D, 0, kMaxSize) \
  X(int64_t, H, 0, kMaxSize) X(int64_t, W, 0, kMaxSize) X(int64_t, OD, 0, kMaxSize) \
  X(int64_t, OH, 0, kMaxSize) X(int64_t, OW, 0, kMaxSize)
#define TL_WINDOW3D_FIELDS(X) \
  X(int64_t, kd, 1, kMaxSize) X(int64_t, kh, 1, kMaxSize) X(int64_t, kw, 1, kMaxSize) \
  X(int64_t, sd, 1, kMaxSize) X(int64_t, sh, 1, kMaxSize) X(int64_t, sw, 1, kMaxSize) \
  X(int64_t, pd, 0, kMaxSize) X(int64_t, ph, 0, kMaxSize) X(int64_t, pw, 0, kMaxSize)
#define TL_POOL3D_FIELDS(X) \
  TL_PLANE3D_FIELDS(X) TL_WINDOW3D_FIELDS(X) \
  X(int64_t, dd, 1, kMaxSize) X(int64_t, dh, 1, kMaxSize) X(int64_t, dw, 1, kMaxSize)
#define TL_AVG_POOL3D_FIELDS(X) \
  TL_PLANE3D_FIELDS(X) TL_WINDOW3D_FIELDS(X) \
  X(bool, count_include_pad, 0, 1) X(int64_t, divisor_override, 0, kMaxSize)
// clang-format on
TL_PARAMS(Plane3dParams, TL_PLANE3D_FIELDS)
TL_PARAMS(Pool3dParams, TL_POOL3D_FIELDS)
TL_PARAMS(AvgPool3dParams, TL_AVG_POOL3D_FIELDS)

template <class P>
inline void check_in_out3d(const char* op, const TensorView& in, const char* in_name, const TensorView& out,
                           const char* out_name, const P& p) {
  const int64_t planes = checked_mul(op, p.N, p.C);
  check_numel(op, in_name, in, checked_mul(op, planes, checked_mul(op, p.D, checked_mul(op, p.H, p.W))));
  check_numel(op, out_name, out, checked_mul(op, planes, checked_mul(op, p.OD, checked_mul(op, p.OH, p.OW))));
  check_dtype(op, out_name, out, in.dtype);
}
inline void check_indices3d(const char* op, const TensorView& idx, const TensorView& like) {
  check_dtype(op, "indices", idx, DType::I64);
  check_numel(op, "indices", idx, like.numel());
}

// out = max over each window (a NaN wins, the last one), indices = its flat index in the input plane.
TL_OP(max_pool3d_forward, "input, out, indices", Pool3dParams)
inline void check_max_pool3d_forward(const TensorView& x, const TensorView& y, const TensorView& idx,
                                     const Pool3dParams& p) {
  check_in_out3d("max_pool3d_forward", x, "input", y, "out", p);
  check_indices3d("max_pool3d_forward", idx, y);
}
TL_OP_CHECK(max_pool3d_forward, check_max_pool3d_forward)
// gradInput (overwritten) = sum of gradOutput over the outputs whose index is this element.
TL_OP(max_pool3d_backward, "gradOutput, indices, gradInput", Pool3dParams)
inline void check_max_pool3d_backward(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                      const Pool3dParams& p) {
  check_in_out3d("max_pool3d_backward", dx, "gradInput", dy, "gradOutput", p);
  check_indices3d("max_pool3d_backward", idx, dy);
}
TL_OP_CHECK(max_pool3d_backward, check_max_pool3d_backward)
// Average pooling, as PyTorch: the window [o*s - p, min(o*s - p + k, size + p)) gives the pool size
// (count_include_pad), cropped to the input gives the element count; divisor_override > 0 wins.
TL_OP(avg_pool3d_forward, "input, out", AvgPool3dParams)
TL_OP(avg_pool3d_backward, "gradOutput, gradInput", AvgPool3dParams)
inline void check_avg_pool3d_forward(const TensorView& x, const TensorView& y, const AvgPool3dParams& p) {
  check_in_out3d("avg_pool3d_forward", x, "input", y, "out", p);
}
TL_OP_CHECK(avg_pool3d_forward, check_avg_pool3d_forward)
inline void check_avg_pool3d_backward(const TensorView& dy, const TensorView& dx, const AvgPool3dParams& p) {
  check_in_out3d("avg_pool3d_backward", dx, "gradInput", dy, "gradOutput", p);
}
TL_OP_CHECK(avg_pool3d_backward, check_avg_pool3d_backward)
// Adaptive pooling: output o of a dim of size I -> O covers [floor(o*I/O), ceil((o+1)*I/O)).
TL_OP(adaptive_avg_pool3d_forward, "input, out", Plane3dParams)
TL_OP(adaptive_avg_pool3d_backward, "gradOutput, gradInput", Plane3dParams)
inline void check_adaptive_avg_pool3d_forward(const TensorView& x, const TensorView& y, const Plane3dParams& p) {
  check_in_out3d("adaptive_avg_pool3d_forward", x, "input", y, "out", p);
}
TL_OP_CHECK(adaptive_avg_pool3d_forward, check_adaptive_avg_pool3d_forward)
inline void check_adaptive_avg_pool3d_backward(const TensorView& dy, const TensorView& dx, const Plane3dParams& p) {
  check_in_out3d("adaptive_avg_pool3d_backward", dx, "gradInput", dy, "gradOutput", p);
}
TL_OP_CHECK(adaptive_avg_pool3d_backward, check_adaptive_avg_pool3d_backward)
TL_OP(adaptive_max_pool3d_forward, "input, out, indices", Plane3dParams)
inline void check_adaptive_max_pool3d_forward(const TensorView& x, const TensorView& y, const TensorView& idx,
                                              const Plane3dParams& p) {
  check_in_out3d("adaptive_max_pool3d_forward", x, "input", y, "out", p);
  check_indices3d("adaptive_max_pool3d_forward", idx, y);
}
TL_OP_CHECK(adaptive_max_pool3d_forward, check_adaptive_max_pool3d_forward)
TL_OP(adaptive_max_pool3d_backward, "gradOutput, indices, gradInput", Plane3dParams)
inline void check_adaptive_max_pool3d_backward(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                               const Plane3dParams& p) {
  check_in_out3d("adaptive_max_pool3d_backward", dx, "gradInput", dy, "gradOutput", p);
  check_indices3d("adaptive_max_pool3d_backward", idx, dy);
}
TL_OP_CHECK(adaptive_max_pool3d_backward, check_adaptive_max_pool3d_backward)

// ---- the per-element computations, shared by the CPU and CUDA kernels (host and device) -----------
#if defined(__CUDACC__)
#define TL_P3_FN __host__ __device__ __forceinline__
#else
#define TL_P3_FN inline
#endif
namespace p3 {
// One dim of a window: taps start + k*dil for k in [lo, hi) lie in [0, size).
struct Span {
  int64_t start, lo, hi;
};
TL_P3_FN Span span(int64_t o, int64_t stride, int64_t pad, int64_t dil, int64_t k, int64_t size) {
  const int64_t s = o * stride - pad;
  const int64_t lo = s < 0 ? (-s + dil - 1) / dil : 0;
  int64_t hi = s >= size ? 0 : (size - s + dil - 1) / dil;
  if (hi > k) hi = k;
  return {s, lo, hi < lo ? lo : hi};
}
// floor(a / b) for b > 0
TL_P3_FN int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
// The outputs [lo, hi] of a window dim whose windows (start o*stride - pad, extent (k-1)*dil + 1) can
// contain input position i (clamped to [0, out)); empty when lo > hi.
TL_P3_FN void readers(int64_t i, int64_t stride, int64_t pad, int64_t dil, int64_t k, int64_t out, int64_t& lo,
                      int64_t& hi) {
  lo = floor_div(i + pad - (k - 1) * dil + stride - 1, stride);
  hi = floor_div(i + pad, stride);
  if (lo < 0) lo = 0;
  if (hi > out - 1) hi = out - 1;
}
// Adaptive windows: output o covers [astart, aend); the outputs covering input i are [alo, ahi].
TL_P3_FN int64_t astart(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
TL_P3_FN int64_t aend(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }
TL_P3_FN void areaders(int64_t i, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  lo = (i * out) / in;
  hi = ((i + 1) * out + in - 1) / in - 1;
  if (hi > out - 1) hi = out - 1;
}

// Max pooling: output element e (flat over [N*C, OD, OH, OW]).
template <typename T>
TL_P3_FN void max_fwd(const T* x, T* y, int64_t* idx, const Pool3dParams& p, int64_t e) {
  const int64_t ow = e % p.OW, oh = (e / p.OW) % p.OH, od = (e / (p.OW * p.OH)) % p.OD;
  const int64_t pl = e / (p.OW * p.OH * p.OD);
  const T* xp = x + pl * p.D * p.H * p.W;
  const Span sd = span(od, p.sd, p.pd, p.dd, p.kd, p.D), sh = span(oh, p.sh, p.ph, p.dh, p.kh, p.H),
             sw = span(ow, p.sw, p.pw, p.dw, p.kw, p.W);
  T best = -INFINITY;
  int64_t at = ((sd.start + sd.lo * p.dd) * p.H + sh.start + sh.lo * p.dh) * p.W + sw.start + sw.lo * p.dw;
  for (int64_t a = sd.lo; a < sd.hi; ++a)
    for (int64_t b = sh.lo; b < sh.hi; ++b)
      for (int64_t c = sw.lo; c < sw.hi; ++c) {
        const int64_t i = ((sd.start + a * p.dd) * p.H + sh.start + b * p.dh) * p.W + sw.start + c * p.dw;
        const T v = xp[i];
        if (v > best || v != v) {
          best = v;
          at = i;
        }
      }
  y[e] = best;
  idx[e] = at;
}
// Max pooling backward: input element e (flat over [N*C, D, H, W]).
template <typename T>
TL_P3_FN void max_bwd(const T* dy, const int64_t* idx, T* dx, const Pool3dParams& p, int64_t e) {
  const int64_t w = e % p.W, h = (e / p.W) % p.H, d = (e / (p.W * p.H)) % p.D, pl = e / (p.W * p.H * p.D);
  const int64_t flat = (d * p.H + h) * p.W + w, base = pl * p.OD * p.OH * p.OW;
  int64_t d0, d1, h0, h1, w0, w1;
  readers(d, p.sd, p.pd, p.dd, p.kd, p.OD, d0, d1);
  readers(h, p.sh, p.ph, p.dh, p.kh, p.OH, h0, h1);
  readers(w, p.sw, p.pw, p.dw, p.kw, p.OW, w0, w1);
  T acc = T(0);
  for (int64_t a = d0; a <= d1; ++a)
    for (int64_t b = h0; b <= h1; ++b)
      for (int64_t c = w0; c <= w1; ++c) {
        const int64_t o = base + (a * p.OH + b) * p.OW + c;
        if (idx[o] == flat) acc += dy[o];
      }
  dx[e] = acc;
}
// Average pooling: the window of output (od, oh, ow) cropped, and its divisor.
struct AvgWin {
  int64_t d0, d1, h0, h1, w0, w1, div;
};
TL_P3_FN AvgWin avg_win(const AvgPool3dParams& p, int64_t od, int64_t oh, int64_t ow) {
  int64_t d0 = od * p.sd - p.pd, h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  int64_t d1 = d0 + p.kd, h1 = h0 + p.kh, w1 = w0 + p.kw;
  if (d1 > p.D + p.pd) d1 = p.D + p.pd;
  if (h1 > p.H + p.ph) h1 = p.H + p.ph;
  if (w1 > p.W + p.pw) w1 = p.W + p.pw;
  const int64_t pool = (d1 - d0) * (h1 - h0) * (w1 - w0);
  d0 = d0 < 0 ? 0 : d0;
  h0 = h0 < 0 ? 0 : h0;
  w0 = w0 < 0 ? 0 : w0;
  d1 = d1 > p.D ? p.D : d1;
  h1 = h1 > p.H ? p.H : h1;
  w1 = w1 > p.W ? p.W : w1;
  int64_t div = p.divisor_override;
  if (div == 0) div = p.count_include_pad ? pool : (d1 - d0) * (h1 - h0) * (w1 - w0);
  return {d0, d1, h0, h1, w0, w1, div};
}
template <typename T>
TL_P3_FN void avg_fwd(const T* x, T* y, const AvgPool3dParams& p, int64_t e) {
  const int64_t ow = e % p.OW, oh = (e / p.OW) % p.OH, od = (e / (p.OW * p.OH)) % p.OD;
  const int64_t pl = e / (p.OW * p.OH * p.OD);
  const T* xp = x + pl * p.D * p.H * p.W;
  const AvgWin wn = avg_win(p, od, oh, ow);
  if (wn.d0 >= wn.d1 || wn.h0 >= wn.h1 || wn.w0 >= wn.w1 || wn.div <= 0) {
    y[e] = T(0);
    return;
  }
  T s = T(0);
  for (int64_t a = wn.d0; a < wn.d1; ++a)
    for (int64_t b = wn.h0; b < wn.h1; ++b)
      for (int64_t c = wn.w0; c < wn.w1; ++c) s += xp[(a * p.H + b) * p.W + c];
  y[e] = s / T(wn.div);
}
template <typename T>
TL_P3_FN void avg_bwd(const T* dy, T* dx, const AvgPool3dParams& p, int64_t e) {
  const int64_t w = e % p.W, h = (e / p.W) % p.H, d = (e / (p.W * p.H)) % p.D, pl = e / (p.W * p.H * p.D);
  const T* g = dy + pl * p.OD * p.OH * p.OW;
  int64_t d0, d1, h0, h1, w0, w1;
  readers(d, p.sd, p.pd, 1, p.kd, p.OD, d0, d1);
  readers(h, p.sh, p.ph, 1, p.kh, p.OH, h0, h1);
  readers(w, p.sw, p.pw, 1, p.kw, p.OW, w0, w1);
  T acc = T(0);
  for (int64_t a = d0; a <= d1; ++a)
    for (int64_t b = h0; b <= h1; ++b)
      for (int64_t c = w0; c <= w1; ++c) {
        const AvgWin wn = avg_win(p, a, b, c);
        if (d >= wn.d0 && d < wn.d1 && h >= wn.h0 && h < wn.h1 && w >= wn.w0 && w < wn.w1 && wn.div > 0)
          acc += g[(a * p.OH + b) * p.OW + c] / T(wn.div);
      }
  dx[e] = acc;
}
// Adaptive average / max pooling.
template <typename T>
TL_P3_FN void aavg_fwd(const T* x, T* y, const Plane3dParams& p, int64_t e) {
  const int64_t ow = e % p.OW, oh = (e / p.OW) % p.OH, od = (e / (p.OW * p.OH)) % p.OD;
  const int64_t pl = e / (p.OW * p.OH * p.OD);
  const T* xp = x + pl * p.D * p.H * p.W;
  const int64_t d0 = astart(od, p.D, p.OD), d1 = aend(od, p.D, p.OD), h0 = astart(oh, p.H, p.OH),
                h1 = aend(oh, p.H, p.OH), w0 = astart(ow, p.W, p.OW), w1 = aend(ow, p.W, p.OW);
  T s = T(0);
  for (int64_t a = d0; a < d1; ++a)
    for (int64_t b = h0; b < h1; ++b)
      for (int64_t c = w0; c < w1; ++c) s += xp[(a * p.H + b) * p.W + c];
  y[e] = s / T((d1 - d0) * (h1 - h0) * (w1 - w0));
}
template <typename T>
TL_P3_FN void aavg_bwd(const T* dy, T* dx, const Plane3dParams& p, int64_t e) {
  const int64_t w = e % p.W, h = (e / p.W) % p.H, d = (e / (p.W * p.H)) % p.D, pl = e / (p.W * p.H * p.D);
  const T* g = dy + pl * p.OD * p.OH * p.OW;
  int64_t d0, d1, h0, h1, w0, w1;
  areaders(d, p.D, p.OD, d0, d1);
  areaders(h, p.H, p.OH, h0, h1);
  areaders(w, p.W, p.OW, w0, w1);
  T acc = T(0);
  for (int64_t a = d0; a <= d1; ++a)
    for (int64_t b = h0; b <= h1; ++b)
      for (int64_t c = w0; c <= w1; ++c) {
        const int64_t n = (aend(a, p.D, p.OD) - astart(a, p.D, p.OD)) * (aend(b, p.H, p.OH) - astart(b, p.H, p.OH)) *
                          (aend(c, p.W, p.OW) - astart(c, p.W, p.OW));
        acc += g[(a * p.OH + b) * p.OW + c] / T(n);
      }
  dx[e] = acc;
}
template <typename T>
TL_P3_FN void amax_fwd(const T* x, T* y, int64_t* idx, const Plane3dParams& p, int64_t e) {
  const int64_t ow = e % p.OW, oh = (e / p.OW) % p.OH, od = (e / (p.OW * p.OH)) % p.OD;
  const int64_t pl = e / (p.OW * p.OH * p.OD);
  const T* xp = x + pl * p.D * p.H * p.W;
  const int64_t d0 = astart(od, p.D, p.OD), d1 = aend(od, p.D, p.OD), h0 = astart(oh, p.H, p.OH),
                h1 = aend(oh, p.H, p.OH), w0 = astart(ow, p.W, p.OW), w1 = aend(ow, p.W, p.OW);
  T best = -INFINITY;
  int64_t at = (d0 * p.H + h0) * p.W + w0;
  for (int64_t a = d0; a < d1; ++a)
    for (int64_t b = h0; b < h1; ++b)
      for (int64_t c = w0; c < w1; ++c) {
        const int64_t i = (a * p.H + b) * p.W + c;
        const T v = xp[i];
        if (v > best || v != v) {
          best = v;
          at = i;
        }
      }
  y[e] = best;
  idx[e] = at;
}
template <typename T>
TL_P3_FN void amax_bwd(const T* dy, const int64_t* idx, T* dx, const Plane3dParams& p, int64_t e) {
  const int64_t w = e % p.W, h = (e / p.W) % p.H, d = (e / (p.W * p.H)) % p.D, pl = e / (p.W * p.H * p.D);
  const int64_t flat = (d * p.H + h) * p.W + w, base = pl * p.OD * p.OH * p.OW;
  int64_t d0, d1, h0, h1, w0, w1;
  areaders(d, p.D, p.OD, d0, d1);
  areaders(h, p.H, p.OH, h0, h1);
  areaders(w, p.W, p.OW, w0, w1);
  T acc = T(0);
  for (int64_t a = d0; a <= d1; ++a)
    for (int64_t b = h0; b <= h1; ++b)
      for (int64_t c = w0; c <= w1; ++c) {
        const int64_t o = base + (a * p.OH + b) * p.OW + c;
        if (idx[o] == flat) acc += dy[o];
      }
  dx[e] = acc;
}
}  // namespace p3
}  // namespace tl
