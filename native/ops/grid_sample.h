// native/ops/grid_sample.h — F.grid_sample of 4-D and 5-D inputs (kernels: native/cpu/grid_sample.cc,
// native/cuda/grid_sample.cu), forward and backward, with PyTorch 1.13's coordinate rules
// (ATen/native/GridSampler.h, shared here by both backends): input [N, C, inH, inW], grid
// [N, outH, outW, 2] of (x, y) in [-1, 1] (beyond it: padded), out [N, C, outH, outW]; volumetric:
// input [N, C, inD, inH, inW], grid [N, outD, outH, outW, 3] of (x, y, z), out [N, C, outD, outH, outW]
// (Bilinear is then trilinear; Bicubic is 4-D only, as PyTorch's).
//  - unnormalise: alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2
//  - padding (of the source coordinate for Bilinear / Nearest, of each tap for Bicubic): Zeros reads 0
//    outside; Border clips to [0, size - 1]; Reflection reflects about the border pixels' centres
//    (alignCorners) or edges (not), then clips
//  - Bilinear: the 4 neighbours' bilinear weights; Nearest: the coordinate rounded half to even;
//    Bicubic: 4 x 4 taps with A = -0.75 (padding applied per tap)
// The backward gives gradInput (the taps' weights times gradOutput, scattered) and gradGrid (zero for
// Nearest). The CPU kernel scatters one (n, c) plane per thread (deterministic); the CUDA kernel adds
// with atomics (correct, order not fixed).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/check.h"
#include "core/registry.h"

namespace tl {

// PyTorch's GridSamplerInterpolation / GridSamplerPadding, in their order
// clang-format off
#define TL_GRID_SAMPLE_MODES(E) \
  E(Bilinear) E(Nearest) E(Bicubic)
#define TL_GRID_SAMPLE_PADDINGS(E) \
  E(Zeros) E(Border) E(Reflection)
// clang-format on
TL_ENUM(GridSampleMode, TL_GRID_SAMPLE_MODES)
TL_ENUM(GridSamplePadding, TL_GRID_SAMPLE_PADDINGS)
// clang-format off
#define TL_GRID_SAMPLE_FIELDS(X) \
  X(GridSampleMode, mode, 0, 0) X(GridSamplePadding, padding, 0, 0) X(bool, align_corners, 0, 1) \
  X(int64_t, N, 0, kMaxSize) X(int64_t, C, 0, kMaxSize) X(int64_t, in_h, 1, kMaxSize) X(int64_t, in_w, 1, kMaxSize) \
  X(int64_t, out_h, 0, kMaxSize) X(int64_t, out_w, 0, kMaxSize) \
  X(bool, volumetric, 0, 1) X(int64_t, in_d, 1, kMaxSize) X(int64_t, out_d, 0, kMaxSize)
// clang-format on
TL_PARAMS(GridSampleParams, TL_GRID_SAMPLE_FIELDS)
// input [N, C, (inD,) inH, inW], grid [N, (outD,) outH, outW, 2 or 3] -> out [N, C, (outD,) outH, outW]
// (not volumetric: inD = outD = 1)
TL_OP(grid_sample, "input, grid, out", GridSampleParams)
// -> gradInput (input's shape, overwritten), gradGrid (grid's shape)
TL_OP(grid_sample_backward, "gradOutput, input, grid, gradInput, gradGrid", GridSampleParams)

inline void check_grid_sample_tensors(const char* op, const TensorView& x, const char* xn, const TensorView& grid,
                                      const TensorView& y, const char* yn, const GridSampleParams& p) {
  if (!p.volumetric && (p.in_d != 1 || p.out_d != 1))
    check_fail(ErrorCode::InvalidArg, op, "'inD' and 'outD' must be 1 unless 'volumetric'");
  if (p.volumetric && p.mode == GridSampleMode::Bicubic)
    check_fail(ErrorCode::InvalidArg, op, "bicubic interpolation only supports 4-D inputs");
  const int64_t NC = checked_mul(op, p.N, p.C);
  const int64_t in_sp = checked_mul(op, checked_mul(op, p.in_d, p.in_h), p.in_w);
  const int64_t out_pts = checked_mul(op, checked_mul(op, checked_mul(op, p.N, p.out_d), p.out_h), p.out_w);
  check_numel(op, xn, x, checked_mul(op, NC, in_sp));
  check_dtype(op, "grid", grid, x.dtype);
  check_numel(op, "grid", grid, checked_mul(op, out_pts, p.volumetric ? 3 : 2));
  check_dtype(op, yn, y, x.dtype);
  check_numel(op, yn, y,
              checked_mul(op, checked_mul(op, p.C, p.out_d), checked_mul(op, checked_mul(op, p.N, p.out_h), p.out_w)));
}
inline void check_grid_sample(const TensorView& x, const TensorView& grid, const TensorView& out,
                              const GridSampleParams& p) {
  check_grid_sample_tensors("grid_sample", x, "input", grid, out, "out", p);
}
TL_OP_CHECK(grid_sample, check_grid_sample)
inline void check_grid_sample_backward(const TensorView& gout, const TensorView& x, const TensorView& grid,
                                       const TensorView& gin, const TensorView& ggrid, const GridSampleParams& p) {
  const char* op = "grid_sample_backward";
  check_grid_sample_tensors(op, x, "input", grid, gout, "gradOutput", p);
  check_like(op, "gradInput", gin, "input", x);
  check_like(op, "gradGrid", ggrid, "grid", grid);
}
TL_OP_CHECK(grid_sample_backward, check_grid_sample_backward)

// ---- PyTorch's coordinate rules, shared by the CPU and CUDA kernels (host and device) --------------
#if defined(__CUDACC__)
#define TL_GS_FN __host__ __device__ __forceinline__
#else
#define TL_GS_FN inline
#endif
namespace gs {
struct Geom {
  GridSampleMode mode;
  GridSamplePadding padding;
  bool align, vol;
  int64_t D, H, W;
};
TL_GS_FN Geom geom(const GridSampleParams& p) {
  return Geom{p.mode, p.padding, p.align_corners, p.volumetric, p.in_d, p.in_h, p.in_w};
}

// grid_sampler_unnormalize(_set_grad): *d = d(result)/d(coord)
template <typename T>
TL_GS_FN T unnormalize(T coord, int64_t size, bool align, T* d) {
  if (align) {
    *d = T(size - 1) / T(2);
    return ((coord + T(1)) / T(2)) * T(size - 1);
  }
  *d = T(size) / T(2);
  return ((coord + T(1)) * T(size) - T(1)) / T(2);
}
// clip_coordinates_set_grad
template <typename T>
TL_GS_FN T clip(T in, int64_t limit, T* d) {
  if (in <= T(0)) {
    *d = T(0);
    return T(0);
  }
  const T mx = T(limit - 1);
  if (in >= mx) {
    *d = T(0);
    return mx;
  }
  *d = T(1);
  return in;
}
// reflect_coordinates_set_grad
template <typename T>
TL_GS_FN T reflect(T in, int64_t twice_low, int64_t twice_high, T* d) {
  if (twice_low == twice_high) {
    *d = T(0);
    return T(0);
  }
  const T mn = T(twice_low) / T(2);
  const T span = T(twice_high - twice_low) / T(2);
  in = in - mn;
  int mult = 1;
  if (in < T(0)) {
    mult = -1;
    in = -in;
  }
  const T extra = std::fmod(in, span);
  const int flips = int(std::floor(in / span));
  if (flips % 2 == 0) {
    *d = T(mult);
    return extra + mn;
  }
  *d = T(-mult);
  return span - extra + mn;
}
// compute_coordinates (the padding of an unnormalised coordinate), with its derivative
template <typename T>
TL_GS_FN T pad_coord(T c, int64_t size, GridSamplePadding padding, bool align, T* d) {
  *d = T(1);
  if (padding == GridSamplePadding::Border) return clip(c, size, d);
  if (padding == GridSamplePadding::Reflection) {
    T dr, dc;
    c = align ? reflect(c, 0, 2 * (size - 1), &dr) : reflect(c, -1, 2 * size - 1, &dr);
    c = clip(c, size, &dc);
    *d = dr * dc;
  }
  return c;
}
// grid_sampler_compute_source_index_set_grad
template <typename T>
TL_GS_FN T source_index(T g, int64_t size, GridSamplePadding padding, bool align, T* d) {
  T du, dp;
  const T c = pad_coord(unnormalize(g, size, align, &du), size, padding, align, &dp);
  *d = du * dp;
  return c;
}
// std::nearbyint under the default rounding mode (half to even); x - floor(x) is exact
template <typename T>
TL_GS_FN T round_even(T x) {
  const T f = std::floor(x), r = x - f;
  if (r > T(0.5)) return f + T(1);
  if (r < T(0.5)) return f;
  return std::fmod(f, T(2)) == T(0) ? f : f + T(1);
}
// get_cubic_upsample_coefficients (A = -0.75)
template <typename T>
TL_GS_FN void cubic_coeffs(T t, T* c) {
  const T A = T(-0.75);
  T x = t + T(1);
  c[0] = ((A * x - T(5) * A) * x + T(8) * A) * x - T(4) * A;
  x = t;
  c[1] = ((A + T(2)) * x - (A + T(3))) * x * x + T(1);
  x = T(1) - t;
  c[2] = ((A + T(2)) * x - (A + T(3))) * x * x + T(1);
  x = T(1) - t + T(1);
  c[3] = ((A * x - T(5) * A) * x + T(8) * A) * x - T(4) * A;
}
// get_cubic_coefficients_grad
template <typename T>
TL_GS_FN void cubic_coeffs_grad(T t, T* c) {
  const T A = T(-0.75);
  T x = T(-1) - t;
  c[0] = (T(-3) * A * x - T(10) * A) * x - T(8) * A;
  x = -t;
  c[1] = (T(-3) * (A + T(2)) * x - T(2) * (A + T(3))) * x;
  x = T(1) - t;
  c[2] = (T(3) * (A + T(2)) * x - T(2) * (A + T(3))) * x;
  x = T(2) - t;
  c[3] = (T(3) * A * x - T(10) * A) * x + T(8) * A;
}
// get_value_bounded's index: the tap at integer position v (padded as a coordinate), or -1 outside
template <typename T>
TL_GS_FN int64_t tap_index(T v, int64_t size, GridSamplePadding padding, bool align) {
  T d;
  const int64_t i = int64_t(pad_coord(v, size, padding, align, &d));
  return i >= 0 && i < size ? i : -1;
}
TL_GS_FN bool inside(int64_t y, int64_t x, int64_t H, int64_t W) { return y >= 0 && y < H && x >= 0 && x < W; }

// The taps of the sampling point with grid coordinates (gx, gy): flat indices iy * W + ix into one
// plane and their weights (out-of-bounds taps dropped); returns how many (at most 16).
template <typename T>
TL_GS_FN int taps(const Geom& g, T gx, T gy, int64_t* idx, T* w) {
  T d;
  if (g.mode == GridSampleMode::Bicubic) {
    const T ix = unnormalize(gx, g.W, g.align, &d), iy = unnormalize(gy, g.H, g.align, &d);
    const T fx = std::floor(ix), fy = std::floor(iy);
    T cx[4], cy[4];
    cubic_coeffs(ix - fx, cx);
    cubic_coeffs(iy - fy, cy);
    int64_t tx[4], ty[4];
    for (int k = 0; k < 4; ++k) {
      tx[k] = tap_index(fx - T(1) + T(k), g.W, g.padding, g.align);
      ty[k] = tap_index(fy - T(1) + T(k), g.H, g.padding, g.align);
    }
    int n = 0;
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 4; ++i)
        if (tx[i] >= 0 && ty[j] >= 0) {
          idx[n] = ty[j] * g.W + tx[i];
          w[n++] = cx[i] * cy[j];
        }
    return n;
  }
  const T ix = source_index(gx, g.W, g.padding, g.align, &d), iy = source_index(gy, g.H, g.padding, g.align, &d);
  if (g.mode == GridSampleMode::Nearest) {
    const int64_t x = int64_t(round_even(ix)), y = int64_t(round_even(iy));
    if (!inside(y, x, g.H, g.W)) return 0;
    idx[0] = y * g.W + x;
    w[0] = T(1);
    return 1;
  }
  const T fx = std::floor(ix), fy = std::floor(iy);
  const int64_t x0 = int64_t(fx), y0 = int64_t(fy);
  const T ex = fx + T(1) - ix, ey = fy + T(1) - iy;  // ix_se - ix, iy_se - iy
  const T bx = ix - fx, by = iy - fy;                // ix - ix_nw, iy - iy_nw
  const int64_t ys[4] = {y0, y0, y0 + 1, y0 + 1}, xs[4] = {x0, x0 + 1, x0, x0 + 1};
  const T ws[4] = {ex * ey, bx * ey, ex * by, bx * by};  // nw, ne, sw, se
  int n = 0;
  for (int k = 0; k < 4; ++k)
    if (inside(ys[k], xs[k], g.H, g.W)) {
      idx[n] = ys[k] * g.W + xs[k];
      w[n++] = ws[k];
    }
  return n;
}

// The gradient with respect to the grid coordinates (gx, gy) of one sampling point, from the C planes
// of its image (in, plane apart) and the point's output gradients (gout, gstride apart): gg[0], gg[1].
template <typename T>
TL_GS_FN void grid_grad(const Geom& g, T gx, T gy, const T* in, int64_t C, int64_t plane, const T* gout,
                        int64_t gstride, T* gg) {
  gg[0] = gg[1] = T(0);
  if (g.mode == GridSampleMode::Nearest) return;
  T mx, my, gix = T(0), giy = T(0);
  if (g.mode == GridSampleMode::Bicubic) {
    const T ix = unnormalize(gx, g.W, g.align, &mx), iy = unnormalize(gy, g.H, g.align, &my);
    const T fx = std::floor(ix), fy = std::floor(iy);
    T cx[4], cy[4], dx[4], dy[4];
    cubic_coeffs(ix - fx, cx);
    cubic_coeffs(iy - fy, cy);
    cubic_coeffs_grad(ix - fx, dx);
    cubic_coeffs_grad(iy - fy, dy);
    int64_t tx[4], ty[4];
    for (int k = 0; k < 4; ++k) {
      tx[k] = tap_index(fx - T(1) + T(k), g.W, g.padding, g.align);
      ty[k] = tap_index(fy - T(1) + T(k), g.H, g.padding, g.align);
    }
    for (int64_t c = 0; c < C; ++c) {
      const T go = gout[c * gstride];
      const T* pl = in + c * plane;
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const T v = tx[i] >= 0 && ty[j] >= 0 ? pl[ty[j] * g.W + tx[i]] : T(0);
          gix -= v * dx[i] * cy[j] * go;
          giy -= v * dy[j] * cx[i] * go;
        }
    }
  } else {
    const T ix = source_index(gx, g.W, g.padding, g.align, &mx), iy = source_index(gy, g.H, g.padding, g.align, &my);
    const T fx = std::floor(ix), fy = std::floor(iy);
    const int64_t x0 = int64_t(fx), y0 = int64_t(fy);
    const T ex = fx + T(1) - ix, ey = fy + T(1) - iy, bx = ix - fx, by = iy - fy;
    const bool nw = inside(y0, x0, g.H, g.W), ne = inside(y0, x0 + 1, g.H, g.W);
    const bool sw = inside(y0 + 1, x0, g.H, g.W), se = inside(y0 + 1, x0 + 1, g.H, g.W);
    for (int64_t c = 0; c < C; ++c) {
      const T go = gout[c * gstride];
      const T* pl = in + c * plane;
      if (nw) {
        const T v = pl[y0 * g.W + x0];
        gix -= v * ey * go;
        giy -= v * ex * go;
      }
      if (ne) {
        const T v = pl[y0 * g.W + x0 + 1];
        gix += v * ey * go;
        giy -= v * bx * go;
      }
      if (sw) {
        const T v = pl[(y0 + 1) * g.W + x0];
        gix -= v * by * go;
        giy += v * ex * go;
      }
      if (se) {
        const T v = pl[(y0 + 1) * g.W + x0 + 1];
        gix += v * by * go;
        giy += v * bx * go;
      }
    }
  }
  gg[0] = mx * gix;
  gg[1] = my * giy;
}

// ---- volumetric (5-D) sampling: grid coordinates (x, y, z), Bilinear (trilinear) and Nearest ----------
TL_GS_FN bool inside3(int64_t z, int64_t y, int64_t x, int64_t D, int64_t H, int64_t W) {
  return z >= 0 && z < D && y >= 0 && y < H && x >= 0 && x < W;
}
// The taps of one volumetric sampling point: flat indices (iz * H + iy) * W + ix and weights (at most 8).
template <typename T>
TL_GS_FN int taps3(const Geom& g, T gx, T gy, T gz, int64_t* idx, T* w) {
  T d;
  const T ix = source_index(gx, g.W, g.padding, g.align, &d), iy = source_index(gy, g.H, g.padding, g.align, &d);
  const T iz = source_index(gz, g.D, g.padding, g.align, &d);
  if (g.mode == GridSampleMode::Nearest) {
    const int64_t x = int64_t(round_even(ix)), y = int64_t(round_even(iy)), z = int64_t(round_even(iz));
    if (!inside3(z, y, x, g.D, g.H, g.W)) return 0;
    idx[0] = (z * g.H + y) * g.W + x;
    w[0] = T(1);
    return 1;
  }
  const T fx = std::floor(ix), fy = std::floor(iy), fz = std::floor(iz);
  const int64_t x0 = int64_t(fx), y0 = int64_t(fy), z0 = int64_t(fz);
  const T e[3] = {fx + T(1) - ix, fy + T(1) - iy, fz + T(1) - iz}, b[3] = {ix - fx, iy - fy, iz - fz};
  int n = 0;
  for (int c = 0; c < 8; ++c) {  // corner bits: x = 1, y = 2, z = 4 (tnw, tne, tsw, tse, bnw, bne, bsw, bse)
    const int dx = c & 1, dy = (c >> 1) & 1, dz = c >> 2;
    if (!inside3(z0 + dz, y0 + dy, x0 + dx, g.D, g.H, g.W)) continue;
    idx[n] = ((z0 + dz) * g.H + y0 + dy) * g.W + x0 + dx;
    w[n++] = (dx ? b[0] : e[0]) * (dy ? b[1] : e[1]) * (dz ? b[2] : e[2]);
  }
  return n;
}
// The gradient with respect to (gx, gy, gz) of one volumetric sampling point (as grid_grad): gg[0..2].
template <typename T>
TL_GS_FN void grid_grad3(const Geom& g, T gx, T gy, T gz, const T* in, int64_t C, int64_t plane, const T* gout,
                         int64_t gstride, T* gg) {
  gg[0] = gg[1] = gg[2] = T(0);
  if (g.mode == GridSampleMode::Nearest) return;
  T m[3];
  const T ix = source_index(gx, g.W, g.padding, g.align, &m[0]), iy = source_index(gy, g.H, g.padding, g.align, &m[1]);
  const T iz = source_index(gz, g.D, g.padding, g.align, &m[2]);
  const T fx = std::floor(ix), fy = std::floor(iy), fz = std::floor(iz);
  const int64_t x0 = int64_t(fx), y0 = int64_t(fy), z0 = int64_t(fz);
  const T e[3] = {fx + T(1) - ix, fy + T(1) - iy, fz + T(1) - iz}, b[3] = {ix - fx, iy - fy, iz - fz};
  T gi[3] = {T(0), T(0), T(0)};
  for (int c = 0; c < 8; ++c) {
    const int dx = c & 1, dy = (c >> 1) & 1, dz = c >> 2;
    if (!inside3(z0 + dz, y0 + dy, x0 + dx, g.D, g.H, g.W)) continue;
    const int64_t at = ((z0 + dz) * g.H + y0 + dy) * g.W + x0 + dx;
    const T wx = dx ? b[0] : e[0], wy = dy ? b[1] : e[1], wz = dz ? b[2] : e[2];
    const T sx = dx ? T(1) : T(-1), sy = dy ? T(1) : T(-1), sz = dz ? T(1) : T(-1);
    T acc = T(0);
    for (int64_t ch = 0; ch < C; ++ch) acc += in[ch * plane + at] * gout[ch * gstride];
    gi[0] += sx * wy * wz * acc;
    gi[1] += sy * wx * wz * acc;
    gi[2] += sz * wx * wy * acc;
  }
  for (int k = 0; k < 3; ++k) gg[k] = m[k] * gi[k];
}

// One sampling point of either kind: its grid coordinates at `coords` (2 or 3 of them).
template <typename T>
TL_GS_FN int point_taps(const Geom& g, const T* coords, int64_t* idx, T* w) {
  return g.vol ? taps3(g, coords[0], coords[1], coords[2], idx, w) : taps(g, coords[0], coords[1], idx, w);
}
template <typename T>
TL_GS_FN void point_grid_grad(const Geom& g, const T* coords, const T* in, int64_t C, int64_t plane, const T* gout,
                              int64_t gstride, T* gg) {
  if (g.vol)
    grid_grad3(g, coords[0], coords[1], coords[2], in, C, plane, gout, gstride, gg);
  else
    grid_grad(g, coords[0], coords[1], in, C, plane, gout, gstride, gg);
}
}  // namespace gs

}  // namespace tl
