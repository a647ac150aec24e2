// native/cpu/pool2d.cc — max pooling over [N, C, H, W] with kernel, stride, padding, dilation.
// Forward writes the max and, per output, the flat index h*W+w of its argmax in the input plane
// (as PyTorch's indices); windows cropped to the input; a NaN wins (the last one, as in
// PyTorch). Backward scatters dy to dx through the indices (dx overwritten). Output sizes (incl.
// ceil mode) are computed in lib/. float fast paths use SSE2 (x86-64 baseline) where available, and
// AVX-512 for the fused relu + 2x2 pooling when the CPU has it (checked at run time).
// Also fused relu + max pooling (non-overlapping windows, uint8 window-local taps), average pooling
// (PyTorch's divisor rules), adaptive average/max pooling and max unpooling.
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>
#include <algorithm>
#include "avx512.h"
#include "core/dispatch.h"
#include "pool2d.h"
#include "core/parallel.h"

namespace tl {
namespace {

// Window bounds along one axis, clipped to the input: taps k in [lo, hi) have
// 0 <= o*stride - pad + k*dil < size.
struct Taps {
  int64_t start, lo, hi;
};
inline Taps taps(int64_t o, int64_t stride, int64_t pad, int64_t dil, int64_t k, int64_t size) {
  const int64_t s = o * stride - pad;
  const int64_t lo = s < 0 ? (-s + dil - 1) / dil : 0;
  const int64_t hi = s >= size ? 0 : std::min(k, (size - s + dil - 1) / dil);
  return {s, lo, std::max(lo, hi)};
}

// One output row of 2x2/2 pooling: taps r0[2w], r0[2w+1], r1[2w], r1[2w+1] in PyTorch's order.
template <typename T>
inline void max_pool_row22_scalar(const T* r0, int64_t W, int64_t base, int64_t ow0, int64_t OW, T* y, int64_t* idx) {
  const T* r1 = r0 + W;
  for (int64_t ow = ow0; ow < OW; ++ow) {
    const T v[4] = {r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
    const int64_t o[4] = {base + 2 * ow, base + 2 * ow + 1, base + W + 2 * ow, base + W + 2 * ow + 1};
    T best = v[0];
    int64_t bi = o[0];
    for (int k = 1; k < 4; ++k) {
      const bool take = (v[k] > best) | (v[k] != v[k]);
      best = take ? v[k] : best;
      bi = take ? o[k] : bi;
    }
    y[ow] = best;
    idx[ow] = bi;
  }
}
template <typename T>
inline void max_pool_row22(const T* r0, int64_t W, int64_t base, int64_t OW, T* y, int64_t* idx) {
  max_pool_row22_scalar(r0, W, base, 0, OW, y, idx);
}
// float: four outputs at a time with SSE2 compares and blends (no branches on the data).
#if defined(__SSE2__)
template <>
inline void max_pool_row22<float>(const float* r0, int64_t W, int64_t base, int64_t OW, float* y, int64_t* idx) {
  const float* r1 = r0 + W;
  if (OW < 4 || base + W + 2 * OW >= (int64_t(1) << 30)) return max_pool_row22_scalar(r0, W, base, 0, OW, y, idx);
  const __m128i one = _mm_set1_epi32(1), wv = _mm_set1_epi32(int32_t(W)), lanes = _mm_setr_epi32(0, 2, 4, 6);
  auto four = [&](int64_t ow) {  // outputs ow .. ow+3
    const __m128i i0 = _mm_add_epi32(_mm_set1_epi32(int32_t(base + 2 * ow)), lanes);
    const __m128 a0 = _mm_loadu_ps(r0 + 2 * ow), a1 = _mm_loadu_ps(r0 + 2 * ow + 4);
    const __m128 b0 = _mm_loadu_ps(r1 + 2 * ow), b1 = _mm_loadu_ps(r1 + 2 * ow + 4);
    const __m128 v[4] = {
        _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
        _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
    const __m128i o[4] = {i0, _mm_add_epi32(i0, one), _mm_add_epi32(i0, wv), _mm_add_epi32(_mm_add_epi32(i0, wv), one)};
    __m128 best = v[0];
    __m128i bi = o[0];
    for (int k = 1; k < 4; ++k) {
      const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v[k], best), _mm_cmpunord_ps(v[k], v[k]));
      best = _mm_or_ps(_mm_and_ps(take, v[k]), _mm_andnot_ps(take, best));
      const __m128i t = _mm_castps_si128(take);
      bi = _mm_or_si128(_mm_and_si128(t, o[k]), _mm_andnot_si128(t, bi));
    }
    _mm_storeu_ps(y + ow, best);
    const __m128i zero = _mm_setzero_si128();  // indices are >= 0: zero-extend to int64
    _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + ow), _mm_unpacklo_epi32(bi, zero));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + ow + 2), _mm_unpackhi_epi32(bi, zero));
  };
  int64_t ow = 0;
  for (; ow + 4 <= OW; ow += 4) four(ow);
  if (ow < OW) four(OW - 4);  // the last outputs again, overlapping (same values)
}
#endif

// Separable max pooling of one plane (dilation 1, every window non-empty): the best tap of each input
// row over each output column's window (rb, ri: [H, OW]), then the best of those over each output
// row's window. Exactly PyTorch's scan (row-major over the window; a tap wins when greater or NaN;
// an all -inf window reports its first in-bounds tap): the row-wise bests are the scan's running best
// after each window row. The inner loops run along output columns, contiguous, so they vectorise
// (compiled per ISA).
template <typename T>
TL_TARGET_CLONES void max_pool_plane_separable(const T* xp, T* yp, int64_t* ip, const Pool2dParams& p, const Taps* th,
                                               const Taps* tw, int64_t o0, int64_t o1, T* rb, int64_t* ri) {
  const int64_t W = p.W, OW = p.OW;
  for (int64_t r = 0; r < p.H; ++r) {
    const T* row = xp + r * W;
    T* b = rb + r * OW;
    int64_t* bi = ri + r * OW;
    auto edge = [&](int64_t ow) {  // a window clipped by the padding
      const Taps t = tw[ow];
      T best = -std::numeric_limits<T>::infinity();
      int64_t at = r * W + t.start + t.lo;
      for (int64_t j = t.lo; j < t.hi; ++j) {
        const T v = row[t.start + j];
        const bool take = (v > best) | (v != v);
        best = take ? v : best;
        at = take ? r * W + t.start + j : at;
      }
      b[ow] = best;
      bi[ow] = at;
    };
    for (int64_t ow = 0; ow < o0; ++ow) edge(ow);
    for (int64_t ow = o1; ow < OW; ++ow) edge(ow);
    const int64_t sw = p.sw, base = r * W - p.pw;
    T* __restrict bb = b;
    int64_t* __restrict bbi = bi;
    const T* __restrict src = row - p.pw;
    for (int64_t ow = o0; ow < o1; ++ow) {  // interior: tap 0
      bb[ow] = src[ow * sw];
      bbi[ow] = base + ow * sw;
    }
    for (int64_t j = 1; j < p.kw; ++j)
      for (int64_t ow = o0; ow < o1; ++ow) {
        const T v = src[ow * sw + j], cur = bb[ow];
        const int64_t ci = bbi[ow];
        const bool take = (v > cur) | (v != v);
        bb[ow] = take ? v : cur;
        bbi[ow] = take ? base + ow * sw + j : ci;
      }
  }
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const Taps a = th[oh];
    T* y = yp + oh * OW;
    int64_t* yi = ip + oh * OW;
    const T* b0 = rb + (a.start + a.lo) * OW;
    const int64_t* i0 = ri + (a.start + a.lo) * OW;
    for (int64_t ow = 0; ow < OW; ++ow) {
      y[ow] = b0[ow];
      yi[ow] = i0[ow];
    }
    for (int64_t i = a.lo + 1; i < a.hi; ++i) {
      const T* __restrict bv = rb + (a.start + i) * OW;
      const int64_t* __restrict iv = ri + (a.start + i) * OW;
      T* __restrict yy = y;
      int64_t* __restrict yyi = yi;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const T v = bv[ow], cur = yy[ow];
        const int64_t ci = yyi[ow];
        const bool take = (v > cur) | (v != v);
        yy[ow] = take ? v : cur;
        yyi[ow] = take ? iv[ow] : ci;
      }
    }
  }
}

// Values only (no indices asked for: inference), separable windows: each input row's best over every
// output column's window, then each output row's best over its window rows. Same values as the indexed
// scan (NaN wins; max is exact).
template <typename T>
TL_TARGET_CLONES void max_pool_plane_values(const T* xp, T* yp, const Pool2dParams& p, const Taps* th, const Taps* tw,
                                            int64_t o0, int64_t o1, T* rb) {
  const int64_t W = p.W, OW = p.OW, sw = p.sw;
  for (int64_t r = 0; r < p.H; ++r) {
    const T* row = xp + r * W;
    T* __restrict b = rb + r * OW;
    for (int64_t ow = 0; ow < OW; ++ow) {
      if (ow == o0 && o1 > o0) ow = o1;  // the interior comes below
      if (ow >= OW) break;
      const Taps t = tw[ow];
      T best = -std::numeric_limits<T>::infinity();
      for (int64_t j = t.lo; j < t.hi; ++j) {
        const T v = row[t.start + j];
        best = ((v > best) | (v != v)) ? v : best;
      }
      b[ow] = best;
    }
    const T* __restrict src = row - p.pw;
    for (int64_t ow = o0; ow < o1; ++ow) b[ow] = src[ow * sw];
    for (int64_t j = 1; j < p.kw; ++j)
      for (int64_t ow = o0; ow < o1; ++ow) {
        const T v = src[ow * sw + j], cur = b[ow];
        b[ow] = ((v > cur) | (v != v)) ? v : cur;
      }
  }
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const Taps a = th[oh];
    T* __restrict y = yp + oh * OW;
    const T* b0 = rb + (a.start + a.lo) * OW;
    for (int64_t ow = 0; ow < OW; ++ow) y[ow] = b0[ow];
    for (int64_t i = a.lo + 1; i < a.hi; ++i) {
      const T* __restrict bv = rb + (a.start + i) * OW;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const T v = bv[ow], cur = y[ow];
        y[ow] = ((v > cur) | (v != v)) ? v : cur;
      }
    }
  }
}

// dst[q] = the max of dst[q] and src[q] (NaN wins), no aliasing: vectorises.
template <typename T>
inline __attribute__((always_inline)) void max_into(T* __restrict dst, const T* __restrict src, int64_t n) {
  for (int64_t q = 0; q < n; ++q) {
    const T v = src[q], cur = dst[q];
    dst[q] = ((v > cur) | (v != v)) ? v : cur;
  }
}
struct GroupGeom {
  int64_t pt, pb, hb, qr, wp;  // pad rows above and below each plane, rows per plane, right pad, row stride
};
inline GroupGeom group_geom(const Pool2dParams& p) {
  GroupGeom g;
  g.pt = p.ph;
  g.pb = std::max<int64_t>(0, (p.OH - 1) * p.sh - p.ph + p.kh - p.H);
  g.hb = g.pt + p.H + g.pb;
  g.qr = std::max<int64_t>(0, (p.OW - 1) * p.sw - p.pw + p.kw - p.W);
  g.wp = p.pw + p.W + g.qr;
  return g;
}
// Values only, dilation 1, G planes at once (small maps: per-plane rows are too short to vectorise;
// large ones: flat passes stream better). The planes are copied into a scratch block with -inf padding:
// each plane [Pt rows of -inf][H rows][Pb rows of -inf], each row [pw of -inf][W values][Qr of -inf]
// (stride Wp), so that every window is whole. Then flat passes over the whole block, long contiguous
// loops: the best over kw neighbours of every position (hb), then the best over kh rows of that, picking
// rows oh*sh and columns ow*sw. Padding taps are -inf, which never win over an in-bounds tap unless all
// are -inf, and a NaN wins, so the values equal the scan's.
template <typename T>
TL_TARGET_CLONES void max_pool_group_values(const T* xp, T* yp, const Pool2dParams& p, const GroupGeom& g, int64_t G,
                                            T* pb, T* hb) {
  const T ninf = -std::numeric_limits<T>::infinity();
  const int64_t W = p.W, Wp = g.wp, total = G * g.hb * Wp;
  for (int64_t q = 0; q < total; ++q) pb[q] = ninf;
  for (int64_t pl = 0; pl < G; ++pl)
    for (int64_t r = 0; r < p.H; ++r)
      std::memcpy(pb + (pl * g.hb + g.pt + r) * Wp + p.pw, xp + (pl * p.H + r) * W, sizeof(T) * W);
  // hb[q] = max_j pb[q + j]: every position (the last kw - 1 never start a window)
  const int64_t nh = total - (p.kw - 1);
  std::memcpy(hb, pb, sizeof(T) * nh);
  for (int64_t j = 1; j < p.kw; ++j) max_into(hb, pb + j, nh);
  // pb[q] = max_i hb[q + i * Wp] (pb is free again): the window's best for the window starting at q
  const int64_t nv = nh - (p.kh - 1) * Wp;
  std::memcpy(pb, hb, sizeof(T) * nv);
  for (int64_t i = 1; i < p.kh; ++i) max_into(pb, hb + i * Wp, nv);
  for (int64_t pl = 0; pl < G; ++pl)
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const T* __restrict src = pb + (pl * g.hb + oh * p.sh) * Wp;
      T* __restrict y = yp + (pl * p.OH + oh) * p.OW;
      if (p.sw == 1)
        for (int64_t ow = 0; ow < p.OW; ++ow) y[ow] = src[ow];
      else
        for (int64_t ow = 0; ow < p.OW; ++ow) y[ow] = src[ow * p.sw];
    }
}

#if defined(__x86_64__)
// Shared by the AVX-512 paths below: whether the CPU has AVX-512F, the mask of the first n lanes
// (avx512.h), and the lane indices of the even elements of two vectors (vpermt2ps).
using cpu::first_lanes;
using cpu::has_avx512f;
using cpu::transpose16_avx512;
__attribute__((target("avx512f"))) inline __m512i even_lanes() {
  return _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
}
#endif

#if defined(__x86_64__)
// Values only, dilation 1, float, AVX-512: stride 1 with the output on the input's grid, planes of at
// most kFlatMaxPlane elements. Two passes over a group of whole planes laid end to end, 16 positions
// per step whatever the row length, the taps outside a position's row or plane masked off (masked
// loads never read, never fault):
//   h[i] = max_j x[row(i)][w(i) - pw + j]   (j < kw, the column inside [0, W)), then
//   y[i] = max_r h[row(i) - ph + r][w(i)]   (r < kh, the row inside [0, H) of the same plane).
// A lane's masks depend only on its position in the row or plane: tables indexed by the step's first
// position, built once per geometry. NaN wins and max is exact: the values equal the scan's.
// (GoogLeNet's 3x3 stride-1 pools on 3x3 to 12x12 maps: rows too short for the per-row passes.)
constexpr int64_t kFlatMaxPlane = 4096;
struct FlatMasks {
  std::vector<uint16_t> col, row;  // col[j * W + w0], row[r * HW + q0]: the lanes whose tap is inside
  int64_t key[6] = {-1, -1, -1, -1, -1, -1};
  // lanes l < 16 with (p0 + l) mod period in [lo, hi), for a start p0 in [0, period)
  static uint16_t lanes(int64_t p0, int64_t period, int64_t lo, int64_t hi) {
    uint32_t m = 0;
    for (int64_t k = 0; k * period < 16 + period; ++k) {
      const int64_t a = std::max<int64_t>(0, lo + k * period - p0), b = std::min<int64_t>(16, hi + k * period - p0);
      if (a < b) m |= ((1u << b) - 1) & ~((1u << a) - 1);
    }
    return static_cast<uint16_t>(m);
  }
  // the tables for p (rebuilt only when the geometry changes)
  void build(const Pool2dParams& p) {
    const int64_t k[6] = {p.H, p.W, p.kh, p.kw, p.ph, p.pw};
    if (std::equal(k, k + 6, key)) return;
    std::copy(k, k + 6, key);
    const int64_t W = p.W, HW = p.H * p.W;
    col.resize(p.kw * W);
    row.resize(p.kh * HW);
    for (int64_t j = 0; j < p.kw; ++j)  // column w - pw + j inside [0, W)
      for (int64_t w0 = 0; w0 < W; ++w0)
        col[j * W + w0] = lanes(w0, W, std::max<int64_t>(0, p.pw - j), std::min<int64_t>(W, W + p.pw - j));
    for (int64_t r = 0; r < p.kh; ++r)  // row h - ph + r inside [0, H)
      for (int64_t q0 = 0; q0 < HW; ++q0)
        row[r * HW + q0] =
            lanes(q0, HW, std::max<int64_t>(0, p.ph - r) * W, std::min<int64_t>(p.H, p.H + p.ph - r) * W);
  }
};
// cur, or v where v is greater or NaN
__attribute__((target("avx512f"))) inline __m512 take(__m512 cur, __m512 v) {
  return _mm512_mask_mov_ps(cur, _mm512_cmp_ps_mask(v, cur, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
}
__attribute__((target("avx512f"))) void max_pool_flat_avx512(const float* x, float* y, const Pool2dParams& p,
                                                             const FlatMasks& fm, int64_t planes, float* hb) {
  const int64_t W = p.W, HW = p.H * p.W, n = planes * HW;
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const int64_t wstep = 16 % W, qstep = 16 % HW;  // (no division in the loops: it would chain them)
  for (int64_t i = 0, w0 = 0; i < n; i += 16, w0 += wstep, w0 -= w0 >= W ? W : 0) {
    const __mmask16 tail = first_lanes(n - i);
    __m512 cur = ninf;
    for (int64_t j = 0; j < p.kw; ++j)
      cur = take(cur, _mm512_mask_loadu_ps(ninf, tail & fm.col[j * W + w0], x + i - p.pw + j));
    _mm512_mask_storeu_ps(hb + i, tail, cur);
  }
  for (int64_t i = 0, q0 = 0; i < n; i += 16, q0 += qstep, q0 -= q0 >= HW ? HW : 0) {
    const __mmask16 tail = first_lanes(n - i);
    __m512 cur = ninf;
    for (int64_t r = 0; r < p.kh; ++r)
      cur = take(cur, _mm512_mask_loadu_ps(ninf, tail & fm.row[r * HW + q0], hb + i + (r - p.ph) * W));
    _mm512_mask_storeu_ps(y + i, tail, cur);
  }
}

// Values only, dilation 1, float, AVX-512, column stride 1 or 2 (the pools the flat path does not take:
// strided ones above all). Per output row: the max over its window rows, 16 columns at a time, into
// 16-float slots of a row buffer (slot 0 and the slots past W hold -inf: the column padding); then
// each output column's window from aligned slot loads, the tap's columns picked with vpermt2ps (a
// lane shift, and for stride 2 the even lanes of two shifted vectors). The input rows of the output
// row two steps ahead are prefetched: without that the loads wait on memory (2.5-4x slower at 48x48).
// NaN wins and max is exact: the values equal the scan's.
int64_t rows_slots(const Pool2dParams& p) {
  const int64_t cols = std::max(p.W, (p.OW + 15) / 16 * 16 * p.sw + p.kw) + 16;  // from column -16
  return (cols + 15) / 16 + 2;
}
__attribute__((target("avx512f"))) void max_pool_rows_avx512(const float* x, float* y, const Pool2dParams& p,
                                                             int64_t planes, float* buf) {
  const int64_t W = p.W, OW = p.OW, nslots = rows_slots(p), nv = (W + 15) / 16;
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const __m512i ev = even_lanes();
  const __m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int64_t k = 0; k < nslots; ++k) _mm512_storeu_ps(buf + 16 * k, ninf);
  // tap j of output column ow0 (a multiple of 16) starts at column ow0 * sw - pw + j: slot
  // ow0 * sw / 16 + qoff[j], lane shift[j]
  __m512i shift[16];
  int64_t qoff[16];
  for (int64_t j = 0; j < p.kw; ++j) {
    const int64_t c = 16 - p.pw + j;
    qoff[j] = c / 16;
    shift[j] = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(c % 16)));
  }
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* xp = x + pl * p.H * W;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t r0 = oh * p.sh - p.ph, lo = std::max<int64_t>(0, r0), hi = std::min(p.H, r0 + p.kh);
      const float* ahead = xp + (r0 + p.kh + 2 * p.sh - 1) * W;  // (prefetches never fault)
      for (int64_t k = 0; k < nv; ++k) {
        const int64_t w = 16 * k;
        for (int64_t r = 0; r < std::min<int64_t>(p.sh, 2); ++r)
          _mm_prefetch(reinterpret_cast<const char*>(ahead - r * W + w), _MM_HINT_T0);
        const __mmask16 m = first_lanes(W - w);
        __m512 cur = _mm512_mask_loadu_ps(ninf, m, xp + lo * W + w);
        for (int64_t r = lo + 1; r < hi; ++r) cur = take(cur, _mm512_mask_loadu_ps(ninf, m, xp + r * W + w));
        _mm512_storeu_ps(buf + 16 * (k + 1), cur);
      }
      float* yo = y + (pl * p.OH + oh) * OW;
      for (int64_t ow = 0; ow < OW; ow += 16) {
        const __mmask16 m = first_lanes(OW - ow);
        const int64_t q0 = ow * p.sw / 16;
        __m512 cur = ninf;
        for (int64_t j = 0; j < p.kw; ++j) {
          const float* sl = buf + 16 * (q0 + qoff[j]);
          const __m512 s0 = _mm512_loadu_ps(sl), s1 = _mm512_loadu_ps(sl + 16);
          __m512 v = _mm512_permutex2var_ps(s0, shift[j], s1);
          if (p.sw == 2)
            v = _mm512_permutex2var_ps(v, ev, _mm512_permutex2var_ps(s1, shift[j], _mm512_loadu_ps(sl + 32)));
          cur = take(cur, v);
        }
        _mm512_mask_storeu_ps(yo + ow, m, cur);
      }
    }
  }
}

// Values only, float, AVX-512, windows separable (every window has a tap in each dim): 16 planes at a
// time, transposed in registers to a position-major block (one vector = one position of 16 planes),
// pooled there with whole-vector loads (the windows' bounds are the same for all 16 lanes, so no
// masks), and transposed back. Row pass over each input row's columns, then column pass over the rows;
// taps in window order from the first, a later tap taken when greater or NaN, so the values equal the
// scan's (without a NaN in the block, vmaxps(v, cur) is that rule). Planes np < 16 in the last block.
// For short rows, where the flat and rows paths waste lanes on masks: GoogLeNet's pools on 6x6-12x12.
template <bool kNaN>
__attribute__((target("avx512f"))) inline __m512 blk_take_avx512(__m512 cur, __m512 v) {
  if (!kNaN) return _mm512_max_ps(v, cur);
  return _mm512_mask_mov_ps(cur, _mm512_cmp_ps_mask(v, cur, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
}
template <bool kNaN>
__attribute__((target("avx512f"))) void blocked_pass_avx512(const float* T, float* R, float* Y, const Pool2dParams& p,
                                                            const Taps* th, const Taps* tw) {
  const int64_t W = p.W, OW = p.OW;
  for (int64_t h = 0; h < p.H; ++h)
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Taps b = tw[ow];
      const float* src = T + (h * W + b.start + b.lo) * 16;
      __m512 cur = _mm512_load_ps(src);
      for (int64_t j = 1; j < b.hi - b.lo; ++j) cur = blk_take_avx512<kNaN>(cur, _mm512_load_ps(src + j * 16));
      _mm512_store_ps(R + (h * OW + ow) * 16, cur);
    }
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const Taps a = th[oh];
    for (int64_t ow = 0; ow < OW; ++ow) {
      const float* src = R + ((a.start + a.lo) * OW + ow) * 16;
      __m512 cur = _mm512_load_ps(src);
      for (int64_t i = 1; i < a.hi - a.lo; ++i) cur = blk_take_avx512<kNaN>(cur, _mm512_load_ps(src + i * OW * 16));
      _mm512_store_ps(Y + (oh * OW + ow) * 16, cur);
    }
  }
}
// planes 1 <= np <= 16 of x [np, H, W] into y [np, OH, OW]; T holds max(H * W, OH * OW) * 16 floats
// rounded up to 256, R H * OW * 16 (both 64-byte aligned); the pooled block goes to T again.
__attribute__((target("avx512f"))) void max_pool_blocked_avx512(const float* x, float* y, const Pool2dParams& p,
                                                                const Taps* th, const Taps* tw, int64_t np, float* T,
                                                                float* R) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW, ahead = 16 * HW * std::max<int64_t>(1, 4096 / (16 * HW));
  __m512 v[16];
  __mmask16 nan = 0;
  for (int64_t c0 = 0; c0 < HW; c0 += 16) {
    const int64_t n = std::min<int64_t>(16, HW - c0);
    const __mmask16 m = first_lanes(n);
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) {  // (and the same place some blocks ahead: prefetches never fault)
      _mm_prefetch(reinterpret_cast<const char*>(x + ahead + i * HW + c0), _MM_HINT_T0);
      v[i] = _mm512_maskz_loadu_ps(m, x + std::min<int64_t>(i, np - 1) * HW + c0);  // (lanes >= np: not stored)
      nan |= _mm512_cmp_ps_mask(v[i], v[i], _CMP_UNORD_Q);
    }
    transpose16_avx512(v);
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) _mm512_store_ps(T + (c0 + j) * 16, v[j]);  // (T has room for the tail)
  }
  float* Y = T;
  if (nan)
    blocked_pass_avx512<true>(T, R, Y, p, th, tw);
  else
    blocked_pass_avx512<false>(T, R, Y, p, th, tw);
  for (int64_t c0 = 0; c0 < OHW; c0 += 16) {
    const __mmask16 m = first_lanes(OHW - c0);
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) v[i] = _mm512_load_ps(Y + (c0 + i) * 16);  // (past OHW: lanes not stored)
    transpose16_avx512(v);
    for (int64_t j = 0; j < np; ++j) _mm512_mask_storeu_ps(y + j * OHW + c0, m, v[j]);
  }
}
#endif

// Whether max_pool_fwd's rows AVX-512 values path takes this pooling (see above).
template <typename T>
bool rows_values_path(const Pool2dParams& p) {
#if defined(__x86_64__)
  const bool avx512 = has_avx512f();
  return std::is_same<T, float>::value && avx512 && p.dh == 1 && p.dw == 1 && (p.sw == 1 || p.sw == 2) && p.kw <= 16 &&
         p.pw <= p.kw / 2;
#else
  (void)p;
  return false;
#endif
}
// Whether max_pool_fwd's blocked AVX-512 values path takes this pooling (see above): rows of at most
// kBlockedMaxW columns, planes of at most kFlatMaxPlane elements.
constexpr int64_t kBlockedMaxW = 24;
template <typename T>
bool blocked_values_path(const Pool2dParams& p) {
#if defined(__x86_64__)
  return std::is_same<T, float>::value && has_avx512f() && p.dh == 1 && p.dw == 1 && p.W <= kBlockedMaxW &&
         p.H * p.W <= kFlatMaxPlane;
#else
  (void)p;
  return false;
#endif
}
// Whether max_pool_fwd's flat AVX-512 values path takes this pooling (see above).
template <typename T>
bool flat_values_path(const Pool2dParams& p) {
#if defined(__x86_64__)
  const bool avx512 = has_avx512f();
  return std::is_same<T, float>::value && avx512 && p.dh == 1 && p.dw == 1 && p.sh == 1 && p.sw == 1 && p.OH == p.H &&
         p.OW == p.W && p.H * p.W <= kFlatMaxPlane;
#else
  (void)p;
  return false;
#endif
}

// Branch-free window scan (random data made the branchy version mispredict on every other
// tap). PyTorch's rule: a tap wins when it is greater than the running max or is NaN, so the
// last NaN of a window wins; an all -inf window reports its first in-bounds tap.
template <typename T>
void max_pool_fwd(const T* x, T* y, int64_t* idx, const Pool2dParams& p) {
  const int64_t planes = p.N * p.C;
  std::vector<Taps> tw(p.OW), th(p.OH);
  for (int64_t o = 0; o < p.OW; ++o) tw[o] = taps(o, p.sw, p.pw, p.dw, p.kw, p.W);
  for (int64_t o = 0; o < p.OH; ++o) th[o] = taps(o, p.sh, p.ph, p.dh, p.kh, p.H);
  const bool k22 = p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0 && p.dh == 1 &&
                   p.dw == 1 && p.H >= 2 * p.OH && p.W >= 2 * p.OW;
  // other windows with dilation 1: the separable scan, when every window has a tap in each dim
  bool sep = !k22 && p.dh == 1 && p.dw == 1 && p.kh * p.kw > 1;
  for (const Taps& t : th) sep = sep && t.hi > t.lo;
  for (const Taps& t : tw) sep = sep && t.hi > t.lo;
  int64_t o0 = 0, o1 = p.OW;  // output columns whose windows are whole
  while (o0 < p.OW && (tw[o0].lo != 0 || tw[o0].hi != p.kw)) ++o0;
  while (o1 > o0 && (tw[o1 - 1].lo != 0 || tw[o1 - 1].hi != p.kw)) --o1;
#if defined(__x86_64__)
  if (sep && !idx && blocked_values_path<T>(p)) {
    const int64_t HW = p.H * p.W, OHW = p.OH * p.OW, blocks = (planes + 15) / 16;
    TL_PAR_FOR(
        planes * OHW > 4096, for (int64_t bi = 0; bi < blocks; ++bi) {
          const int64_t pl0 = bi * 16;
          thread_local std::vector<float> buf;  // T and R, each from a 64-byte boundary
          const int64_t tn = 16 * ((std::max(HW, OHW) + 15) / 16 * 16), rn = 16 * p.H * p.OW;
          if (buf.size() < static_cast<size_t>(tn + rn + 32)) buf.resize(tn + rn + 32);
          float* tb = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t(63));
          max_pool_blocked_avx512(reinterpret_cast<const float*>(x) + pl0 * HW, reinterpret_cast<float*>(y) + pl0 * OHW,
                                  p, th.data(), tw.data(), std::min<int64_t>(16, planes - pl0), tb, tb + tn);
        });
    return;
  }
  if (sep && !idx && flat_values_path<T>(p)) {  // (float only: the casts are no-ops there)
    thread_local FlatMasks tables;  // the calling thread's (a thread_local named in the loop is the worker's)
    tables.build(p);
    const FlatMasks& fm = tables;
    const int64_t HW = p.H * p.W, G = std::max<int64_t>(1, 16384 / HW), groups = (planes + G - 1) / G;
    TL_PAR_FOR(
        planes * HW > 4096, for (int64_t gi = 0; gi < groups; ++gi) {
          const int64_t pl0 = gi * G, n = std::min(G, planes - pl0);
          thread_local std::vector<float> hb;
          if (hb.size() < static_cast<size_t>(G * HW)) hb.resize(G * HW);
          max_pool_flat_avx512(reinterpret_cast<const float*>(x) + pl0 * HW, reinterpret_cast<float*>(y) + pl0 * HW, p,
                               fm, n, hb.data());
        });
    return;
  }
  if (sep && !idx && rows_values_path<T>(p)) {
    const int64_t len = 16 * rows_slots(p), OHW = p.OH * p.OW,
                  G = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, OHW));
    const int64_t groups = (planes + G - 1) / G;
    TL_PAR_FOR(
        planes * OHW > 4096, for (int64_t gi = 0; gi < groups; ++gi) {
          const int64_t pl0 = gi * G, n = std::min(G, planes - pl0);
          thread_local std::vector<float> buf;
          if (buf.size() < static_cast<size_t>(len)) buf.resize(len);
          max_pool_rows_avx512(reinterpret_cast<const float*>(x) + pl0 * p.H * p.W,
                               reinterpret_cast<float*>(y) + pl0 * OHW, p, n, buf.data());
        });
    return;
  }
#endif
  const GroupGeom g = group_geom(p);
  const int64_t per = g.hb * g.wp;
  if (sep && !idx && per <= (int64_t(1) << 18)) {  // grouped flat passes (see above); planes up to ~500x500
    const int64_t G = std::max<int64_t>(1, 16384 / per), groups = (planes + G - 1) / G;
    TL_PAR_FOR(
        planes * p.OH * p.OW > 4096, for (int64_t gi = 0; gi < groups; ++gi) {
          const int64_t pl0 = gi * G, n = std::min(G, planes - pl0);
          thread_local std::vector<T> pb, hb;
          if (pb.size() < static_cast<size_t>(G * per)) pb.resize(G * per), hb.resize(G * per);
          max_pool_group_values(x + pl0 * p.H * p.W, y + pl0 * p.OH * p.OW, p, g, n, pb.data(), hb.data());
        });
    return;
  }
  if (sep && !idx) {
    TL_PAR_FOR(
        planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
          thread_local std::vector<T> rb;
          if (rb.size() < static_cast<size_t>(p.H * p.OW)) rb.resize(p.H * p.OW);
          max_pool_plane_values(x + pl * p.H * p.W, y + pl * p.OH * p.OW, p, th.data(), tw.data(), o0, o1, rb.data());
        });
    return;
  }
  // the indexed scans, into a scratch buffer when no indices were asked for
  std::vector<int64_t> own;
  if (!idx) {
    own.resize(static_cast<size_t>(planes * p.OH * p.OW));
    idx = own.data();
  }
  if (sep) {
    TL_PAR_FOR(
        planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
          thread_local std::vector<T> rb;
          thread_local std::vector<int64_t> ri;
          if (rb.size() < static_cast<size_t>(p.H * p.OW)) rb.resize(p.H * p.OW), ri.resize(p.H * p.OW);
          max_pool_plane_separable(x + pl * p.H * p.W, y + pl * p.OH * p.OW, idx + pl * p.OH * p.OW, p, th.data(),
                                   tw.data(), o0, o1, rb.data(), ri.data());
        });
    return;
  }
  TL_PAR_FOR(
      planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        const T* xp = x + pl * p.H * p.W;
        T* yp = y + pl * p.OH * p.OW;
        int64_t* ip = idx + pl * p.OH * p.OW;
        if (k22) {  // the common 2x2/2 pooling: every window is whole
          for (int64_t oh = 0; oh < p.OH; ++oh)
            max_pool_row22(xp + 2 * oh * p.W, p.W, 2 * oh * p.W, p.OW, yp + oh * p.OW, ip + oh * p.OW);
          continue;
        }
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          const Taps a = th[oh];
          for (int64_t ow = 0; ow < p.OW; ++ow) {
            const Taps b = tw[ow];
            T best = -std::numeric_limits<T>::infinity();
            int64_t bi = (a.start + a.lo * p.dh) * p.W + b.start + b.lo * p.dw;
            for (int64_t i = a.lo; i < a.hi; ++i) {
              const int64_t row = (a.start + i * p.dh) * p.W + b.start;
              for (int64_t j = b.lo; j < b.hi; ++j) {
                const int64_t off = row + j * p.dw;
                const T v = xp[off];
                const bool take = (v > best) | (v != v);
                best = take ? v : best;
                bi = take ? off : bi;
              }
            }
            yp[oh * p.OW + ow] = best;
            ip[oh * p.OW + ow] = bi;
          }
        }
      });
}

template <typename T>
void max_pool_bwd(const T* dy, const int64_t* idx, T* dx, const Pool2dParams& p) {
  const int64_t planes = p.N * p.C;
  TL_PAR_FOR(
      planes * p.H * p.W > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        T* dxp = dx + pl * p.H * p.W;
        const T* dyp = dy + pl * p.OH * p.OW;
        const int64_t* ip = idx + pl * p.OH * p.OW;
        for (int64_t k = 0; k < p.H * p.W; ++k) dxp[k] = T(0);
        // (a window of padding only, possible with dilation, reports -inf at an index past the plane,
        // as PyTorch does: its gradient goes nowhere)
        for (int64_t k = 0; k < p.OH * p.OW; ++k)
          if (ip[k] >= 0 && ip[k] < p.H * p.W) dxp[ip[k]] += dyp[k];
      });
}

void max_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& idx, const Pool2dParams& p) {
  dispatch_float("max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    max_pool_fwd<T>(x.ptr<T>(), y.ptr<T>(), idx.data ? idx.ptr<int64_t>() : nullptr, p);
  });
}
TL_REGISTER_KERNEL(max_pool2d_forward_op, CPU, max_pool2d_forward_cpu, kFloatTypes);
void max_pool2d_backward_cpu(const TensorView& dy, const TensorView& idx, const TensorView& dx, const Pool2dParams& p) {
  dispatch_float("max_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    max_pool_bwd<T>(dy.ptr<T>(), idx.ptr<int64_t>(), dx.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(max_pool2d_backward_op, CPU, max_pool2d_backward_cpu, kFloatTypes);

// ---- fused relu + max pooling (non-overlapping windows) -----------------------------------------

// One output row of relu(2x2/2 max): float lanes 4 at a time (SSE2), scalar tail and double.
template <typename T>
inline void relu_max_row22_scalar(const T* r0, int64_t W, int64_t ow0, int64_t OW, T* y, uint8_t* tap) {
  const T* r1 = r0 + W;
  for (int64_t ow = ow0; ow < OW; ++ow) {
    const T v[4] = {r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
    T best = v[0];
    int t = 0;
    for (int k = 1; k < 4; ++k) {
      const bool take = (v[k] > best) | (v[k] != v[k]);
      best = take ? v[k] : best;
      t = take ? k : t;
    }
    y[ow] = best <= T(0) ? T(0) : best;  // relu; NaN stays NaN
    tap[ow] = static_cast<uint8_t>(t);
  }
}
template <typename T>
inline void relu_max_row22(const T* r0, int64_t W, int64_t OW, T* y, uint8_t* tap) {
  relu_max_row22_scalar(r0, W, 0, OW, y, tap);
}
#if defined(__SSE2__)
template <>
inline void relu_max_row22<float>(const float* r0, int64_t W, int64_t OW, float* y, uint8_t* tap) {
  const float* r1 = r0 + W;
  if (OW < 4) return relu_max_row22_scalar(r0, W, 0, OW, y, tap);
  const __m128 zero = _mm_setzero_ps();
  auto four = [&](int64_t ow) {  // outputs ow .. ow+3
    const __m128 a0 = _mm_loadu_ps(r0 + 2 * ow), a1 = _mm_loadu_ps(r0 + 2 * ow + 4);
    const __m128 b0 = _mm_loadu_ps(r1 + 2 * ow), b1 = _mm_loadu_ps(r1 + 2 * ow + 4);
    const __m128 v[4] = {
        _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
        _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
    __m128 best = v[0];
    __m128i t = _mm_setzero_si128();
    for (int k = 1; k < 4; ++k) {
      const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v[k], best), _mm_cmpunord_ps(v[k], v[k]));
      best = _mm_or_ps(_mm_and_ps(take, v[k]), _mm_andnot_ps(take, best));
      const __m128i tk = _mm_castps_si128(take);
      t = _mm_or_si128(_mm_and_si128(tk, _mm_set1_epi32(k)), _mm_andnot_si128(tk, t));
    }
    // relu: zero where best <= 0 (a NaN compares false and is kept)
    best = _mm_andnot_ps(_mm_cmple_ps(best, zero), best);
    _mm_storeu_ps(y + ow, best);
    const __m128i t8 = _mm_packus_epi16(_mm_packs_epi32(t, t), _mm_setzero_si128());
    const int32_t packed = _mm_cvtsi128_si32(t8);
    std::memcpy(tap + ow, &packed, 4);
  };
  int64_t ow = 0;
  for (; ow + 4 <= OW; ow += 4) four(ow);
  if (ow < OW) four(OW - 4);  // the last outputs again, overlapping (same values)
}
#endif

#if defined(__x86_64__)
// AVX-512 (F, BW, VL) planes of relu(2x2/2 max), float: 16 outputs per step from two 32-float row
// pieces split into even and odd columns (vpermt2ps); masked loads and stores for the row's tail.
// Same taps and NaN rules as relu_max_row22.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void relu_max_planes22_avx512(const float* x, float* y,
                                                                                   uint8_t* tap, int64_t planes,
                                                                                   const Pool2dParams& p) {
  const __m512i ev = even_lanes();
  const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const __m512 zero = _mm512_setzero_ps();
  const int64_t W = p.W, OW = p.OW;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* xp = x + pl * p.H * W;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const float* r0 = xp + 2 * oh * W;
      const float* r1 = r0 + W;
      float* yo = y + (pl * p.OH + oh) * OW;
      uint8_t* to = tap + (pl * p.OH + oh) * OW;
      for (int64_t ow = 0; ow < OW; ow += 16) {
        const int64_t n = std::min<int64_t>(16, OW - ow), n2 = 2 * n;
        const __mmask16 m = first_lanes(n);
        const __mmask16 mlo = first_lanes(n2);
        const __mmask16 mhi = first_lanes(n2 - 16);
        const __m512 a0 = _mm512_maskz_loadu_ps(mlo, r0 + 2 * ow), a1 = _mm512_maskz_loadu_ps(mhi, r0 + 2 * ow + 16);
        const __m512 b0 = _mm512_maskz_loadu_ps(mlo, r1 + 2 * ow), b1 = _mm512_maskz_loadu_ps(mhi, r1 + 2 * ow + 16);
        const __m512 v0 = _mm512_permutex2var_ps(a0, ev, a1), v1 = _mm512_permutex2var_ps(a0, od, a1);
        const __m512 v2 = _mm512_permutex2var_ps(b0, ev, b1), v3 = _mm512_permutex2var_ps(b0, od, b1);
        if (!(_mm512_cmp_ps_mask(v0, v1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v2, v3, _CMP_UNORD_Q))) {
          // no NaN (the common case): the max, and the first tap equal to it (the scan keeps the
          // first of equal values; +0 and -0 are equal and both give relu 0)
          const __mmask16 all = 0xFFFF;  // (the maskz forms: GCC 12 warns about _mm512_max_ps's undefined source)
          const __m512 mx =
              _mm512_maskz_max_ps(all, _mm512_maskz_max_ps(all, v0, v1), _mm512_maskz_max_ps(all, v2, v3));
          __m128i t = _mm_set1_epi8(3);
          t = _mm_mask_mov_epi8(t, _mm512_cmp_ps_mask(v2, mx, _CMP_EQ_OQ), _mm_set1_epi8(2));
          t = _mm_mask_mov_epi8(t, _mm512_cmp_ps_mask(v1, mx, _CMP_EQ_OQ), _mm_set1_epi8(1));
          t = _mm_mask_mov_epi8(t, _mm512_cmp_ps_mask(v0, mx, _CMP_EQ_OQ), _mm_setzero_si128());
          _mm512_mask_storeu_ps(yo + ow, m, _mm512_maskz_max_ps(all, mx, zero));
          _mm_mask_storeu_epi8(to + ow, m, t);
          continue;
        }
        const __m512 v[3] = {v1, v2, v3};
        __m512 best = v0;
        __m128i t = _mm_setzero_si128();
        for (int k = 0; k < 3; ++k) {
          const __mmask16 take =
              _mm512_cmp_ps_mask(v[k], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v[k], v[k], _CMP_UNORD_Q);
          best = _mm512_mask_mov_ps(best, take, v[k]);
          t = _mm_mask_mov_epi8(t, take, _mm_set1_epi8(static_cast<char>(k + 1)));
        }
        best = _mm512_maskz_mov_ps(static_cast<__mmask16>(~_mm512_cmp_ps_mask(best, zero, _CMP_LE_OQ)), best);
        _mm512_mask_storeu_ps(yo + ow, m, best);
        _mm_mask_storeu_epi8(to + ow, m, t);
      }
    }
  }
}
bool has_avx512bw() {
  static const bool yes =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return yes;
}
#endif

template <typename T>
bool relu_max_planes22_fast(const T*, T*, uint8_t*, int64_t, const Pool2dParams&) {
  return false;
}
#if defined(__x86_64__)
template <>
bool relu_max_planes22_fast<float>(const float* x, float* y, uint8_t* tap, int64_t planes, const Pool2dParams& p) {
  if (!has_avx512bw()) return false;
  relu_max_planes22_avx512(x, y, tap, planes, p);
  return true;
}
#endif

}  // namespace

template <typename T>
void relu_max_pool_planes(const T* x, T* y, uint8_t* tap, int64_t planes, const Pool2dParams& p) {
  const bool k22 = p.kh == 2 && p.kw == 2;
  if (k22 && relu_max_planes22_fast(x, y, tap, planes, p)) return;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * p.H * p.W;
    T* yp = y + pl * p.OH * p.OW;
    uint8_t* tp = tap + pl * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      if (k22) {
        relu_max_row22(xp + 2 * oh * p.W, p.W, p.OW, yp + oh * p.OW, tp + oh * p.OW);
        continue;
      }
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        const T* w0 = xp + oh * p.kh * p.W + ow * p.kw;
        T best = w0[0];
        int t = 0;
        for (int64_t i = 0; i < p.kh; ++i)
          for (int64_t j = 0; j < p.kw; ++j) {
            const T v = w0[i * p.W + j];
            const bool take = (v > best) | (v != v);
            best = take ? v : best;
            t = take ? int(i * p.kw + j) : t;
          }
        yp[oh * p.OW + ow] = best <= T(0) ? T(0) : best;
        tp[oh * p.OW + ow] = static_cast<uint8_t>(t);
      }
    }
  }
}

namespace {

// One window row of the backward pass: row[ow*KW + j] = (j == tap - i*KW) ? g : 0. KW > 0 is a
// compile-time width (the common 2), KW == 0 means p.kw at run time.
template <typename T, int KW>
inline void relu_max_bwd_row(T* row, const T* dy, const T* y, const uint8_t* tap, int64_t i, int64_t kw_rt, int64_t ow0,
                             int64_t OW) {
  const int64_t kw = KW > 0 ? KW : kw_rt;
  for (int64_t ow = ow0; ow < OW; ++ow) {
    const T g = y[ow] <= T(0) ? T(0) : dy[ow];
    const int64_t t = int64_t(tap[ow]) - i * kw;  // the tap's column in this row, if it is here
    for (int64_t j = 0; j < kw; ++j) row[ow * kw + j] = j == t ? g : T(0);
  }
}
template <typename T>
inline void relu_max_bwd_row2(T* row, const T* dy, const T* y, const uint8_t* tap, int64_t i, int64_t OW) {
  relu_max_bwd_row<T, 2>(row, dy, y, tap, i, 2, 0, OW);
}
#if defined(__SSE2__)
// float, 2-wide windows: four windows (eight outputs) at a time with compare masks, no branches.
template <>
inline void relu_max_bwd_row2<float>(float* row, const float* dy, const float* y, const uint8_t* tap, int64_t i,
                                     int64_t OW) {
  if (OW < 4) return relu_max_bwd_row<float, 2>(row, dy, y, tap, i, 2, 0, OW);
  const __m128 zero = _mm_setzero_ps();
  const __m128i c0 = _mm_set1_epi32(int32_t(2 * i)), c1 = _mm_set1_epi32(int32_t(2 * i + 1));
  auto four = [&](int64_t ow) {  // windows ow .. ow+3: outputs 2*ow .. 2*ow+7
    const __m128 yv = _mm_loadu_ps(y + ow);
    const __m128 g = _mm_andnot_ps(_mm_cmple_ps(yv, zero), _mm_loadu_ps(dy + ow));
    int32_t t4;
    std::memcpy(&t4, tap + ow, 4);
    const __m128i t =
        _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(t4), _mm_setzero_si128()), _mm_setzero_si128());
    const __m128 o0 = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(t, c0)), g);
    const __m128 o1 = _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(t, c1)), g);
    _mm_storeu_ps(row + 2 * ow, _mm_unpacklo_ps(o0, o1));
    _mm_storeu_ps(row + 2 * ow + 4, _mm_unpackhi_ps(o0, o1));
  };
  int64_t ow = 0;
  for (; ow + 4 <= OW; ow += 4) four(ow);
  if (ow < OW) four(OW - 4);  // the last windows again, overlapping (same values)
}
#endif

}  // namespace

template <typename T>
void relu_max_unpool_planes(const T* dy, const T* y, const uint8_t* tap, T* dx, int64_t planes, const Pool2dParams& p) {
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* dxp = dx + pl * p.H * p.W;
    const T* dyp = dy + pl * p.OH * p.OW;
    const T* yp = y + pl * p.OH * p.OW;
    const uint8_t* tp = tap + pl * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t o = oh * p.OW;
      for (int64_t i = 0; i < p.kh; ++i) {
        T* row = dxp + (oh * p.kh + i) * p.W;
        if (p.kw == 2)
          relu_max_bwd_row2<T>(row, dyp + o, yp + o, tp + o, i, p.OW);
        else
          relu_max_bwd_row<T, 0>(row, dyp + o, yp + o, tp + o, i, p.kw, 0, p.OW);
        for (int64_t w = p.OW * p.kw; w < p.W; ++w) row[w] = T(0);  // columns no window covers
      }
    }
    for (int64_t h = p.OH * p.kh; h < p.H; ++h)  // rows no window covers
      for (int64_t w = 0; w < p.W; ++w) dxp[h * p.W + w] = T(0);
  }
}
template void relu_max_pool_planes<float>(const float*, float*, uint8_t*, int64_t, const Pool2dParams&);
template void relu_max_pool_planes<double>(const double*, double*, uint8_t*, int64_t, const Pool2dParams&);
template void relu_max_unpool_planes<float>(const float*, const float*, const uint8_t*, float*, int64_t,
                                            const Pool2dParams&);
template void relu_max_unpool_planes<double>(const double*, const double*, const uint8_t*, double*, int64_t,
                                             const Pool2dParams&);

namespace {

template <typename T>
void relu_max_pool_fwd(const T* x, T* y, uint8_t* tap, const Pool2dParams& p) {
  const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
  TL_PAR_FOR(planes * out > 4096, for (int64_t pl = 0; pl < planes; ++pl)
                                      relu_max_pool_planes(x + pl * in, y + pl * out, tap + pl * out, 1, p););
}
template <typename T>
void relu_max_pool_bwd(const T* dy, const T* y, const uint8_t* tap, T* dx, const Pool2dParams& p) {
  const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
  TL_PAR_FOR(planes * in > 4096, for (int64_t pl = 0; pl < planes; ++pl) relu_max_unpool_planes(
                                     dy + pl * out, y + pl * out, tap + pl * out, dx + pl * in, 1, p););
}

void relu_max_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& tap,
                                 const Pool2dParams& p) {
  dispatch_float("relu_max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    relu_max_pool_fwd<T>(x.ptr<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), p);
  });
}
TL_REGISTER_KERNEL(relu_max_pool2d_forward_op, CPU, relu_max_pool2d_forward_cpu, kFloatTypes);
void relu_max_pool2d_backward_cpu(const TensorView& dy, const TensorView& y, const TensorView& tap,
                                  const TensorView& dx, const Pool2dParams& p) {
  dispatch_float("relu_max_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    relu_max_pool_bwd<T>(dy.ptr<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), dx.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(relu_max_pool2d_backward_op, CPU, relu_max_pool2d_backward_cpu, kFloatTypes);

// One plane when every window lies inside the input (no padding, no ceil-mode overhang): the loops over
// the window's taps are outside the loop over the output row, which the compiler vectorises; each
// output still sums its taps in (row, column) order from 0, as the generic loop and the CUDA kernel
// do, so the results are bit-identical to theirs.
template <typename T>
TL_TARGET_CLONES void avg_pool_plane_inside(const T* __restrict xp, T* __restrict yp, const AvgPool2dParams& p, T div) {
  const int64_t W = p.W, OW = p.OW, kw = p.kw, sw = p.sw;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    T* __restrict yr = yp + oh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) yr[ow] = T(0);
    for (int64_t i = 0; i < p.kh; ++i) {
      const T* __restrict xr = xp + (oh * p.sh + i) * W;
      for (int64_t j = 0; j < kw; ++j) {
        const T* __restrict xj = xr + j;
        if (sw == 1) {
          for (int64_t ow = 0; ow < OW; ++ow) yr[ow] += xj[ow];
        } else if (sw == 2) {
          for (int64_t ow = 0; ow < OW; ++ow) yr[ow] += xj[2 * ow];
        } else {
          for (int64_t ow = 0; ow < OW; ++ow) yr[ow] += xj[ow * sw];
        }
      }
    }
    for (int64_t ow = 0; ow < OW; ++ow) yr[ow] /= div;
  }
}

#if defined(__x86_64__)
// avg_pool_plane_inside for float with AVX-512 and column stride 1 or 2: 16 outputs of a row per step
// (stride 2: even columns picked from 32 with vpermt2ps), masked loads and stores at the row's end; the
// same sums in the same order (0, then the taps in (row, column) order), then the same division.
__attribute__((target("avx512f"))) void avg_pool_plane_inside_avx512(const float* xp, float* yp,
                                                                     const AvgPool2dParams& p, float div) {
  const __m512i ev = even_lanes();
  const __m512 d = _mm512_set1_ps(div);
  const int64_t W = p.W, OW = p.OW;
  for (int64_t oh = 0; oh < p.OH; ++oh)
    for (int64_t ow = 0; ow < OW; ow += 16) {
      const int64_t n = std::min<int64_t>(16, OW - ow), n2 = 2 * n - 1;  // stride 2 reads 2n - 1 floats
      const __mmask16 m = first_lanes(n);
      const __mmask16 lo = first_lanes(n2);
      const __mmask16 hi = first_lanes(n2 - 16);
      __m512 sum = _mm512_setzero_ps();
      for (int64_t i = 0; i < p.kh; ++i) {
        const float* xr = xp + (oh * p.sh + i) * W + ow * p.sw;
        for (int64_t j = 0; j < p.kw; ++j)
          sum = _mm512_add_ps(sum, p.sw == 1 ? _mm512_maskz_loadu_ps(m, xr + j)
                                             : _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo, xr + j), ev,
                                                                      _mm512_maskz_loadu_ps(hi, xr + j + 16)));
      }
      _mm512_mask_storeu_ps(yp + oh * OW + ow, m, _mm512_div_ps(sum, d));
    }
}
bool avg_inside_avx512(const AvgPool2dParams& p) {
  const bool avx512 = has_avx512f();
  return avx512 && (p.sw == 1 || p.sw == 2);
}
#endif
template <typename T>
void avg_plane_inside(const T* xp, T* yp, const AvgPool2dParams& p, T div) {
#if defined(__x86_64__)
  if (std::is_same<T, float>::value && avg_inside_avx512(p))
    return avg_pool_plane_inside_avx512(reinterpret_cast<const float*>(xp), reinterpret_cast<float*>(yp), p,
                                        static_cast<float>(div));
#endif
  avg_pool_plane_inside<T>(xp, yp, p, div);
}

template <typename T>
void avg_pool_fwd(const T* x, T* y, const AvgPool2dParams& p) {
  const int64_t planes = p.N * p.C;
  if (p.ph == 0 && p.pw == 0 && p.OH > 0 && p.OW > 0 && (p.OH - 1) * p.sh + p.kh <= p.H &&
      (p.OW - 1) * p.sw + p.kw <= p.W) {
    // every window is inside and full: one divisor for all (count_include_pad changes nothing)
    const T div = T(p.divisor_override > 0 ? p.divisor_override : p.kh * p.kw);
    TL_PAR_FOR(
        planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
          avg_plane_inside<T>(x + pl * p.H * p.W, y + pl * p.OH * p.OW, p, div);
        });
    return;
  }
  TL_PAR_FOR(
      planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        const T* xp = x + pl * p.H * p.W;
        T* yp = y + pl * p.OH * p.OW;
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          int64_t h0 = oh * p.sh - p.ph, h1 = std::min(h0 + p.kh, p.H + p.ph);
          for (int64_t ow = 0; ow < p.OW; ++ow) {
            int64_t w0 = ow * p.sw - p.pw, w1 = std::min(w0 + p.kw, p.W + p.pw);
            const int64_t pool_size = (h1 - h0) * (w1 - w0);
            const int64_t a0 = std::max<int64_t>(h0, 0), a1 = std::min(h1, p.H);
            const int64_t b0 = std::max<int64_t>(w0, 0), b1 = std::min(w1, p.W);
            if (a0 >= a1 || b0 >= b1) {
              yp[oh * p.OW + ow] = T(0);
              continue;
            }
            T sum = T(0);
            for (int64_t h = a0; h < a1; ++h)
              for (int64_t w = b0; w < b1; ++w) sum += xp[h * p.W + w];
            const int64_t div = p.divisor_override > 0 ? p.divisor_override
                                : p.count_include_pad  ? pool_size
                                                       : (a1 - a0) * (b1 - b0);
            yp[oh * p.OW + ow] = sum / T(div);
          }
        }
      });
}

template <typename T>
void avg_pool_bwd(const T* dy, T* dx, const AvgPool2dParams& p) {
  const int64_t planes = p.N * p.C;
  TL_PAR_FOR(
      planes * p.H * p.W > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        T* dxp = dx + pl * p.H * p.W;
        const T* dyp = dy + pl * p.OH * p.OW;
        for (int64_t k = 0; k < p.H * p.W; ++k) dxp[k] = T(0);
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          int64_t h0 = oh * p.sh - p.ph, h1 = std::min(h0 + p.kh, p.H + p.ph);
          for (int64_t ow = 0; ow < p.OW; ++ow) {
            int64_t w0 = ow * p.sw - p.pw, w1 = std::min(w0 + p.kw, p.W + p.pw);
            const int64_t pool_size = (h1 - h0) * (w1 - w0);
            const int64_t a0 = std::max<int64_t>(h0, 0), a1 = std::min(h1, p.H);
            const int64_t b0 = std::max<int64_t>(w0, 0), b1 = std::min(w1, p.W);
            if (a0 >= a1 || b0 >= b1) continue;
            const int64_t div = p.divisor_override > 0 ? p.divisor_override
                                : p.count_include_pad  ? pool_size
                                                       : (a1 - a0) * (b1 - b0);
            const T g = dyp[oh * p.OW + ow] / T(div);
            for (int64_t h = a0; h < a1; ++h)
              for (int64_t w = b0; w < b1; ++w) dxp[h * p.W + w] += g;
          }
        }
      });
}

inline int64_t ad_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t ad_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

// Window bounds of every output row and column, computed once per call (not per output: the
// integer divisions cost more than the sums on small maps).
struct AdWindows {
  std::vector<int64_t> h0, h1, w0, w1;
  explicit AdWindows(const Plane2dParams& p) : h0(p.OH), h1(p.OH), w0(p.OW), w1(p.OW) {
    for (int64_t o = 0; o < p.OH; ++o) h0[o] = ad_start(o, p.H, p.OH), h1[o] = ad_end(o, p.H, p.OH);
    for (int64_t o = 0; o < p.OW; ++o) w0[o] = ad_start(o, p.W, p.OW), w1[o] = ad_end(o, p.W, p.OW);
  }
};

template <typename T>
TL_TARGET_CLONES void global_avg(const T* x, T* y, int64_t planes, int64_t L) {
  TL_PAR_FOR(planes * L > 4096, for (int64_t pl = 0; pl < planes; ++pl) y[pl] = plane_sum(x + pl * L, L) / T(L););
}

template <typename T>
void adaptive_avg_fwd(const T* x, T* y, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C, L = p.H * p.W;
  if (p.OH == p.H && p.OW == p.W) {  // every window is one element: a copy (x / 1 is x)
    TL_PAR_FOR(planes * L > (1 << 16), for (int64_t i = 0; i < planes * L; ++i) y[i] = x[i];);
    return;
  }
  if (p.OH == 1 && p.OW == 1) {  // global: each plane's sum in lanes, as CUDA (ops/pool2d.h plane_sum)
    global_avg(x, y, planes, L);
    return;
  }
  const AdWindows a(p);
  TL_PAR_FOR(
      planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        const T* xp = x + pl * L;
        T* yp = y + pl * p.OH * p.OW;
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          const int64_t h0 = a.h0[oh], h1 = a.h1[oh];
          for (int64_t ow = 0; ow < p.OW; ++ow) {
            const int64_t w0 = a.w0[ow], w1 = a.w1[ow];
            T sum = T(0);
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) sum += xp[h * p.W + w];
            yp[oh * p.OW + ow] = sum / T((h1 - h0) * (w1 - w0));
          }
        }
      });
}

template <typename T>
void adaptive_avg_bwd(const T* dy, T* dx, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C, L = p.H * p.W;
  if (p.OH == 1 && p.OW == 1) {  // global: each plane filled with dy / L (incl. the 1x1 -> 1x1 copy)
    TL_PAR_FOR(
        planes * L > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
          const T g = dy[pl] / T(L);
          T* dxp = dx + pl * L;
          for (int64_t k = 0; k < L; ++k) dxp[k] = g;
        });
    return;
  }
  const AdWindows a(p);  // (window bounds once per call, not per plane)
  TL_PAR_FOR(
      planes * p.H * p.W > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        T* dxp = dx + pl * p.H * p.W;
        const T* dyp = dy + pl * p.OH * p.OW;
        for (int64_t k = 0; k < p.H * p.W; ++k) dxp[k] = T(0);
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          const int64_t h0 = a.h0[oh], h1 = a.h1[oh];
          for (int64_t ow = 0; ow < p.OW; ++ow) {
            const int64_t w0 = a.w0[ow], w1 = a.w1[ow];
            const T g = dyp[oh * p.OW + ow] / T((h1 - h0) * (w1 - w0));
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) dxp[h * p.W + w] += g;
          }
        }
      });
}

template <typename T>
void adaptive_max_fwd(const T* x, T* y, int64_t* idx, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C;
  TL_PAR_FOR(
      planes * p.OH * p.OW > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        const T* xp = x + pl * p.H * p.W;
        T* yp = y + pl * p.OH * p.OW;
        int64_t* ip = idx + pl * p.OH * p.OW;
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
          for (int64_t ow = 0; ow < p.OW; ++ow) {
            const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
            T best = -std::numeric_limits<T>::infinity();
            int64_t bi = h0 * p.W + w0;
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) {
                const T v = xp[h * p.W + w];
                if (v > best || v != v) {
                  best = v;
                  bi = h * p.W + w;
                }
              }
            yp[oh * p.OW + ow] = best;
            ip[oh * p.OW + ow] = bi;
          }
        }
      });
}

template <typename T>
void max_unpool_fwd(const T* x, const int64_t* idx, T* y, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
  for (int64_t k = 0; k < planes * out; ++k) y[k] = T(0);
  int64_t bad = -1;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * in;
    const int64_t* ip = idx + pl * in;
    T* yp = y + pl * out;
    for (int64_t k = 0; k < in; ++k) {
      const int64_t i = ip[k];
      if (i < 0 || i >= out) {
        bad = i;
        break;
      }
      yp[i] = xp[k];
    }
    if (bad != -1) break;
  }
  if (bad != -1)
    throw Error(ErrorCode::InvalidArg, "torchlet: Expected indices in [0, " + std::to_string(out) +
                                           ") for indices but received " + std::to_string(bad));
}

template <typename T>
void max_unpool_bwd(const T* dy, const int64_t* idx, T* dx, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
  TL_PAR_FOR(
      planes * in > 4096, for (int64_t pl = 0; pl < planes; ++pl) {
        const T* dyp = dy + pl * out;
        const int64_t* ip = idx + pl * in;
        T* dxp = dx + pl * in;
        for (int64_t k = 0; k < in; ++k) {
          const int64_t i = ip[k];
          dxp[k] = (i >= 0 && i < out) ? dyp[i] : T(0);
        }
      });
}

void avg_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const AvgPool2dParams& p) {
  dispatch_float("avg_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    avg_pool_fwd<T>(x.ptr<T>(), y.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(avg_pool2d_forward_op, CPU, avg_pool2d_forward_cpu, kFloatTypes);
void avg_pool2d_backward_cpu(const TensorView& dy, const TensorView& dx, const AvgPool2dParams& p) {
  dispatch_float("avg_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    avg_pool_bwd<T>(dy.ptr<T>(), dx.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(avg_pool2d_backward_op, CPU, avg_pool2d_backward_cpu, kFloatTypes);
void adaptive_avg_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const Plane2dParams& p) {
  dispatch_float("adaptive_avg_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    adaptive_avg_fwd<T>(x.ptr<T>(), y.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool2d_forward_op, CPU, adaptive_avg_pool2d_forward_cpu, kFloatTypes);
void adaptive_avg_pool2d_backward_cpu(const TensorView& dy, const TensorView& dx, const Plane2dParams& p) {
  dispatch_float("adaptive_avg_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    adaptive_avg_bwd<T>(dy.ptr<T>(), dx.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool2d_backward_op, CPU, adaptive_avg_pool2d_backward_cpu, kFloatTypes);
void adaptive_max_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& idx,
                                     const Plane2dParams& p) {
  dispatch_float("adaptive_max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    adaptive_max_fwd<T>(x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>(), p);
  });
}
TL_REGISTER_KERNEL(adaptive_max_pool2d_forward_op, CPU, adaptive_max_pool2d_forward_cpu, kFloatTypes);
void max_unpool2d_forward_cpu(const TensorView& x, const TensorView& idx, const TensorView& y, const Plane2dParams& p) {
  dispatch_float("max_unpool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    max_unpool_fwd<T>(x.ptr<T>(), idx.ptr<int64_t>(), y.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(max_unpool2d_forward_op, CPU, max_unpool2d_forward_cpu, kFloatTypes);
void max_unpool2d_backward_cpu(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                               const Plane2dParams& p) {
  dispatch_float("max_unpool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    max_unpool_bwd<T>(dy.ptr<T>(), idx.ptr<int64_t>(), dx.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(max_unpool2d_backward_op, CPU, max_unpool2d_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
