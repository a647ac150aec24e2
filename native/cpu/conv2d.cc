// native/cpu/conv2d.cc — CPU kernels conv2d_forward_op, conv2d_backward_input_op and
// conv2d_backward_weight_op (float32 and float64; other dtypes throw tl::Error(Invalid)).
// Contract (see Conv2dParams in core/ops.h): x [N, C, H, W], w [OC, C/groups, KH, KW],
// y [N, OC, OH, OW], any stride / padding / dilation / groups; contiguous buffers. Every output
// (y, dx, dw, db) is overwritten, never accumulated into. b.data == nullptr: no bias;
// db.data == nullptr: no bias gradient. Results do not depend on scheduling (fixed-order reductions).
// Method: one GEMM (gemm.h) per image and group; threads split the batch (with fewer images than
// threads the GEMMs are threaded instead). Reduction index k = (c, kh, kw), Kg = C/groups*KH*KW;
// weights are packed once per call and shared by all images.
//  * Stride 1 ("grid" path): the input plane is zero-padded to Hp x Wp and the output is computed on
//    that Wp-wide grid (a few junk columns per row, dropped afterwards), so the im2col row of k is
//    just the padded input shifted by off[k] — packed with plain copies, no im2col buffer:
//      forward      y_g  = w_g @ shift(xpad)
//      input grad   dx_g = w'_g @ shift(dypad)    (w' = w flipped and transposed: the same forward
//                                                  conv on dy padded by (KH-1)*dh - ph; used when
//                                                  C/groups >= 4, else the col2im path below)
//      weight grad  dw_g += dygrid @ shift(xpad)^T (or its transpose when Kg < OC/groups), into
//                   per-thread accumulators summed in a fixed order; db is summed alongside.
//  * Other strides: implicit im2col for forward, GEMM + col2im for the input gradient, explicit
//    im2col for the weight gradient.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/conv_params.h"
#include "core/dispatch.h"
#include "gemm.h"
#include "pool2d.h"

namespace tl {
namespace cpu {
// The 3-D kernels (conv3d.cc).
void conv3d_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y, const Conv3dParams& p);
void conv3d_backward_input_cpu(const TensorView& dy, const TensorView& w, const TensorView& dx, const Conv3dParams& p);
void conv3d_backward_weight_cpu(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                                const Conv3dParams& p);

namespace {

// Per-thread grow-only buffers, kept across calls (training calls these kernels with the same shapes
// every step, and allocating per image would page-fault every time).
struct ConvScratch {
  void* p = nullptr;
  size_t bytes = 0;
  template <typename T>
  T* get(size_t n) {
    const size_t need = n * sizeof(T);
    if (need > bytes) {
      std::free(p);
      bytes = (need + 4095) / 4096 * 4096;
      p = std::aligned_alloc(64, bytes);
      if (!p) {
        bytes = 0;
        throw Error(ErrorCode::OutOfMemory, "torchlet: conv2d could not allocate its scratch buffer");
      }
    }
    return static_cast<T*>(p);
  }
  ~ConvScratch() { std::free(p); }
};
thread_local ConvScratch t_in, t_out, t_y;

// conv + relu + max pooling fused (non-overlapping windows): the forward pass writes each image's
// conv output to a thread's scratch and pools it from there; the backward passes rebuild each
// image's conv-output gradient from the pooled one in the same scratch. The full-size conv output
// and its gradient never exist in memory.
template <typename T>
struct PoolFuse {
  Pool2dParams p;          // pooling of the conv output: N, C = OC, H = OH, W = OW; OH/OW = pooled size
  T* y = nullptr;          // forward: pooled output [N, OC, POH, POW]
  const T* yc = nullptr;   // backward: that pooled output
  uint8_t* tap = nullptr;  // window-local argmax [N, OC, POH, POW]
  const T* g = nullptr;    // backward: gradient of the pooled output
  int64_t plane() const { return p.OH * p.OW; }
};

// dy of image n ([OC, OH*OW]): in place, or rebuilt from the pooled gradient into t_y.
template <typename T>
const T* dy_image(const T* dy, const PoolFuse<T>* f, int64_t n, int64_t OC, int64_t OHW) {
  if (!f) return dy + n * OC * OHW;
  T* buf = t_y.get<T>(OC * OHW);
  const int64_t po = n * OC * f->plane();
  relu_max_unpool_planes(f->g + po, f->yc + po, f->tap + po, buf, OC, f->p);
  return buf;
}

struct Geom {
  Conv2dParams p;
  int64_t G, Cg, OCg, KK, Kg, HW, OHW;
  explicit Geom(const Conv2dParams& q) : p(q) {
    G = q.groups;
    Cg = q.C / G;
    OCg = q.OC / G;
    KK = q.KH * q.KW;
    Kg = Cg * KK;
    HW = q.H * q.W;
    OHW = q.OH * q.OW;
  }
  bool stride1() const { return p.sh == 1 && p.sw == 1; }
};

// Runs body(i, inner_parallel) for i in [0, n): threads split i when there is enough of it,
// otherwise i runs serially and body may thread inside. Exceptions are rethrown on the caller.
template <typename F>
void for_each_image(int64_t n, F body) {
  const int nt = omp_get_max_threads();
  if (n < 2 || nt < 2 || omp_in_parallel()) {
    for (int64_t i = 0; i < n; ++i) body(i, n < nt);
    return;
  }
  std::string err;
  ErrorCode code = ErrorCode::Internal;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    try {
      body(i, false);
    } catch (const Error& e) {
#pragma omp critical(tl_conv_err)
      err = e.what(), code = e.code;
    } catch (const std::exception& e) {
#pragma omp critical(tl_conv_err)
      err = e.what();
    }
  }
  if (!err.empty()) throw Error(code, err);
}

// ---- stride-1 grid path ---------------------------------------------------------------------------

// A stride-1 correlation of P input planes [Hi, Wi] with a KH x KW kernel (dilation dh, dw) producing
// [OHo, OWo], the input placed at (pt, pl) inside a zero plane [Hp, Wp] (negative = cropped).
// Output pixel (oh, ow) lives at grid column j = oh * Wp + ow (ow < OWo; the others are junk), and
// the input value for k = (c, kh, kw) at grid column j is xpad[off[k] + j].
struct Grid {
  int64_t P, Hi, Wi, pt, pl, OHo, OWo, Hp, Wp, L, plane, size;
  bool direct;  // the input already is the padded buffer (no pad/crop, no overrun)
  std::vector<int64_t> off;
  Grid(int64_t P_, int64_t Hi_, int64_t Wi_, int64_t pt_, int64_t pl_, int64_t OHo_, int64_t OWo_, int64_t KH,
       int64_t KW, int64_t dh, int64_t dw)
      : P(P_), Hi(Hi_), Wi(Wi_), pt(pt_), pl(pl_), OHo(OHo_), OWo(OWo_) {
    Hp = OHo + (KH - 1) * dh;
    Wp = OWo + (KW - 1) * dw;
    L = OHo * Wp;
    plane = Hp * Wp;
    size = P * plane + (KW - 1) * dw;  // the last rows of the last plane run (KW-1)*dw past the end
    direct = pt == 0 && pl == 0 && Hp == Hi && Wp == Wi && (KW - 1) * dw == 0;
    off.resize(static_cast<size_t>(P * KH * KW));
    for (int64_t c = 0, k = 0; c < P; ++c)
      for (int64_t kh = 0; kh < KH; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw) off[k++] = c * plane + kh * dh * Wp + kw * dw;
  }
  // The padded input for `in` ([P, Hi, Wi]): `in` itself when direct, else written to buf[size].
  template <typename T>
  const T* pad(const T* in, T* buf) const {
    if (direct) return in;
    std::memset(buf, 0, sizeof(T) * size);
    const int64_t i0 = std::max<int64_t>(0, pt), i1 = std::min(Hp, Hi + pt);    // rows of buf with data
    const int64_t j0 = std::max<int64_t>(0, pl), j1 = std::min(Wp, Wi + pl);    // columns of buf with data
    if (j1 <= j0) return buf;
    for (int64_t c = 0; c < P; ++c)
      copy_block(buf + c * plane + i0 * Wp + j0, Wp, in + (c * Hi + i0 - pt) * Wi + (j0 - pl), Wi, i1 - i0, j1 - j0,
                 T(0));
    return buf;
  }
};

// X(k, j) = xpad[off[k] + j]: the im2col matrix on the grid (reduction index k) — forward B operand.
template <typename T>
struct Shift final : Packer<T> {
  const T* xpad;
  const int64_t* off;
  Shift(const T* x, const Grid& g) : xpad(x), off(g.off.data()) {}
  void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t i0, int64_t n) const override {
    pack_offsets(dst, w, xpad + i0, off + k0, n, kc);
  }
};

// X(j, k) = xpad[off[k] + j]: the same matrix transposed (reduction index j, the grid column) —
// weight-gradient B operand.
template <typename T>
struct ShiftT final : Packer<T> {
  const T* xpad;
  const int64_t* off;
  ShiftT(const T* x, const Grid& g) : xpad(x), off(g.off.data()) {}
  void pack(T* dst, int w, int64_t j0, int64_t kc, int64_t i0, int64_t n) const override {
    const T* rows[64];  // n <= w <= 32 (the gemm's MR / NR)
    for (int64_t r = 0; r < n; ++r) rows[r] = xpad + off[i0 + r] + j0;
    pack_rows(dst, w, rows, n, kc);
  }
};

// out[M, OHo, OWo] = a @ shift(pad(in)) (+ bias), a = weights [M, P*KH*KW]: the stride-1 correlation
// shared by forward and input gradient.
template <typename T>
void grid_conv(const Grid& g, const T* in, const Packer<T>& a, int64_t M, const T* bias, T* out, bool par) {
  const T* xp = g.pad(in, t_in.get<T>(g.direct ? 0 : g.size));
  const int64_t K = static_cast<int64_t>(g.off.size());
  const bool direct_out = g.Wp == g.OWo;  // no junk columns: write straight into out
  T* c = direct_out ? out : t_out.get<T>(M * g.L);
  T beta = T(0);
  if (direct_out && bias) {
    for (int64_t o = 0; o < M; ++o) std::fill(out + o * g.L, out + (o + 1) * g.L, bias[o]);
    beta = T(1);
  }
  gemm_ex<T>(M, g.L, K, T(1), a, Shift<T>(xp, g), beta, c, g.L, par);
  if (direct_out) return;
  for (int64_t o = 0; o < M; ++o)
    copy_block(out + o * g.OHo * g.OWo, g.OWo, c + o * g.L, g.Wp, g.OHo, g.OWo, bias ? bias[o] : T(0));
}

// ---- other strides: im2col ------------------------------------------------------------------------

// Range of output columns t in [0, n) whose input column iw0 + t * s lies in [0, W).
inline void valid_range(int64_t iw0, int64_t s, int64_t W, int64_t n, int64_t& lo, int64_t& hi) {
  lo = iw0 >= 0 ? 0 : (-iw0 + s - 1) / s;
  hi = iw0 >= W ? 0 : (W - iw0 + s - 1) / s;
  lo = std::min(lo, n);
  hi = std::max(lo, std::min(hi, n));
}

// X(k, j) = col[k][j] of one image-group x_g [Cg, H, W], with k = (c, kh, kw) and j = (oh, ow):
// implicit im2col as a GEMM B operand; pack(buf, OHW, 0, Kg, 0, OHW) writes the explicit col matrix.
template <typename T>
struct Im2col final : Packer<T> {
  const T* x;
  const Geom& g;
  Im2col(const T* x_, const Geom& g_) : x(x_), g(g_) {}
  void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t j0, int64_t n) const override {
    const Conv2dParams& p = g.p;
    for (int64_t kk = 0; kk < kc; ++kk) {
      const int64_t k = k0 + kk, c = k / g.KK, kh = (k % g.KK) / p.KW, kw = k % p.KW;
      const T* xc = x + c * g.HW;
      T* d = dst + kk * w;
      int64_t oh = j0 / p.OW, ow = j0 % p.OW, j = 0;
      while (j < n) {  // one output row segment at a time
        const int64_t seg = std::min(n - j, p.OW - ow);
        const int64_t ih = oh * p.sh - p.ph + kh * p.dh;
        T* o = d + j;
        if (ih < 0 || ih >= p.H) {
          std::fill(o, o + seg, T(0));
        } else {
          const T* row = xc + ih * p.W;
          const int64_t iw0 = ow * p.sw - p.pw + kw * p.dw;
          int64_t lo, hi;
          valid_range(iw0, p.sw, p.W, seg, lo, hi);
          std::fill(o, o + lo, T(0));
          for (int64_t t = lo; t < hi; ++t) o[t] = row[iw0 + t * p.sw];
          std::fill(o + hi, o + seg, T(0));
        }
        j += seg;
        ow = 0;
        ++oh;
      }
      std::fill(d + n, d + w, T(0));
    }
  }
};

// dx_g [Cg, H, W] += col2im(dcol [Kg, OHW]); dx_g must be zeroed by the caller.
template <typename T>
void col2im_add(const T* dcol, const Geom& g, T* dx) {
  const Conv2dParams& p = g.p;
  for (int64_t k = 0; k < g.Kg; ++k) {
    const int64_t c = k / g.KK, kh = (k % g.KK) / p.KW, kw = k % p.KW;
    T* xc = dx + c * g.HW;
    int64_t lo, hi;
    valid_range(-p.pw + kw * p.dw, p.sw, p.W, p.OW, lo, hi);
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t ih = oh * p.sh - p.ph + kh * p.dh;
      if (ih < 0 || ih >= p.H) continue;
      const T* s = dcol + k * g.OHW + oh * p.OW;
      T* row = xc + ih * p.W - p.pw + kw * p.dw;
      for (int64_t t = lo; t < hi; ++t) row[t * p.sw] += s[t];
    }
  }
}

// ---- the three ops ----------------------------------------------------------------------------------

// The weights of each group, w_g [OCg, Kg], packed once per call as the GEMM A operand.
template <typename T>
std::vector<PackedA<T>> pack_weights(const T* w, const Geom& g) {
  std::vector<PackedA<T>> a;
  a.reserve(static_cast<size_t>(g.G));
  for (int64_t gi = 0; gi < g.G; ++gi) a.emplace_back(g.OCg, g.Kg, StridedOperand<T>(w + gi * g.OCg * g.Kg, g.Kg, 1));
  return a;
}

template <typename T>
void forward_impl(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& yv,
                  const Conv2dParams& prm, const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* x = xv.ptr<T>();
  const T* b = bv.data ? bv.ptr<T>() : nullptr;
  T* const y_out = pool ? nullptr : yv.ptr<T>();
  // where image n's conv output goes: y itself, or the scratch that the pooling epilogue reads
  auto y_image = [&](int64_t n) { return pool ? t_y.get<T>(prm.OC * g.OHW) : y_out + n * prm.OC * g.OHW; };
  auto epilogue = [&](int64_t n, const T* yi) {
    if (!pool) return;
    const int64_t po = n * prm.OC * pool->plane();
    relu_max_pool_planes(yi, pool->y + po, pool->tap + po, prm.OC, pool->p);
  };
  const std::vector<PackedA<T>> wp = pack_weights(wv.ptr<T>(), g);
  if (g.stride1()) {
    const Grid grid(g.Cg, prm.H, prm.W, prm.ph, prm.pw, prm.OH, prm.OW, prm.KH, prm.KW, prm.dh, prm.dw);
    for_each_image(prm.N, [&](int64_t n, bool par) {
      T* yi = y_image(n);
      for (int64_t gi = 0; gi < g.G; ++gi)
        grid_conv(grid, x + (n * prm.C + gi * g.Cg) * g.HW, wp[gi], g.OCg,
                  b ? b + gi * g.OCg : nullptr, yi + gi * g.OCg * g.OHW, par);
      epilogue(n, yi);
    });
    return;
  }
  for_each_image(prm.N, [&](int64_t n, bool par) {
    T* yi = y_image(n);
    for (int64_t gi = 0; gi < g.G; ++gi) {
      T* yg = yi + gi * g.OCg * g.OHW;
      T beta = T(0);
      if (b) {
        for (int64_t o = 0; o < g.OCg; ++o) std::fill(yg + o * g.OHW, yg + (o + 1) * g.OHW, b[gi * g.OCg + o]);
        beta = T(1);
      }
      Im2col<T> col(x + (n * prm.C + gi * g.Cg) * g.HW, g);
      gemm_ex<T>(g.OCg, g.OHW, g.Kg, T(1), wp[gi], col, beta, yg, g.OHW, par);
    }
    epilogue(n, yi);
  });
}

template <typename T>
void backward_input_impl(const TensorView& dyv, const TensorView& wv, const TensorView& dxv, const Conv2dParams& prm,
                         const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* dy = pool ? nullptr : dyv.ptr<T>();
  const T* w = wv.ptr<T>();
  T* dx = dxv.ptr<T>();
  // The grid path packs OCg*KK x L of dy per image for a GEMM with only Cg rows: with very few input
  // channels the col2im path (GEMM with Kg rows, then a scatter) does far less work.
  if (g.stride1() && g.Cg >= 4) {
    // dx = correlation of dy (padded by (K-1)*d - p) with w'[c][o][kh][kw] = w[o][c][KH-1-kh][KW-1-kw];
    // w2T[gi][(o, kh, kw)][c] is w' transposed, packed once per group.
    std::vector<T> w2T(static_cast<size_t>(g.G * g.OCg * g.KK * g.Cg));
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t o = 0; o < g.OCg; ++o)
        for (int64_t c = 0; c < g.Cg; ++c)
          for (int64_t kk = 0; kk < g.KK; ++kk)
            w2T[((gi * g.OCg + o) * g.KK + kk) * g.Cg + c] = w[((gi * g.OCg + o) * g.Cg + c) * g.KK + (g.KK - 1 - kk)];
    std::vector<PackedA<T>> wp;
    wp.reserve(static_cast<size_t>(g.G));
    for (int64_t gi = 0; gi < g.G; ++gi)
      wp.emplace_back(g.Cg, g.OCg * g.KK, StridedOperand<T>(w2T.data() + gi * g.OCg * g.KK * g.Cg, 1, g.Cg));
    const Grid grid(g.OCg, prm.OH, prm.OW, (prm.KH - 1) * prm.dh - prm.ph, (prm.KW - 1) * prm.dw - prm.pw, prm.H,
                    prm.W, prm.KH, prm.KW, prm.dh, prm.dw);
    for_each_image(prm.N, [&](int64_t n, bool par) {
      const T* dyi = dy_image(dy, pool, n, prm.OC, g.OHW);
      for (int64_t gi = 0; gi < g.G; ++gi)
        grid_conv(grid, dyi + gi * g.OCg * g.OHW, wp[gi], g.Cg,
                  static_cast<const T*>(nullptr), dx + (n * prm.C + gi * g.Cg) * g.HW, par);
    });
    return;
  }
  for_each_image(prm.N, [&](int64_t n, bool par) {
    const T* dyi = dy_image(dy, pool, n, prm.OC, g.OHW);
    for (int64_t gi = 0; gi < g.G; ++gi) {
      T* dcol = t_out.get<T>(g.Kg * g.OHW);
      gemm<T>(true, false, g.Kg, g.OHW, g.OCg, T(1), w + gi * g.OCg * g.Kg, g.Kg,
              dyi + gi * g.OCg * g.OHW, g.OHW, T(0), dcol, g.OHW, par);
      T* dxg = dx + (n * prm.C + gi * g.Cg) * g.HW;
      std::fill(dxg, dxg + g.Cg * g.HW, T(0));
      col2im_add(dcol, g, dxg);
    }
  });
}

// Adds the row sums of dy_g [OCg, OHW] to db[OCg] (double accumulators).
template <typename T>
void add_row_sums(const T* dy, int64_t rows, int64_t cols, double* db) {
  for (int64_t o = 0; o < rows; ++o) {
    const T* d = dy + o * cols;
    T lanes[16] = {};  // independent partial sums, so the loop vectorises
    int64_t j = 0;
    for (; j + 16 <= cols; j += 16)
      for (int l = 0; l < 16; ++l) lanes[l] += d[j + l];
    for (; j < cols; ++j) lanes[0] += d[j];
    double s = 0;
    for (int l = 0; l < 16; ++l) s += lanes[l];
    db[o] += s;
  }
}

template <typename T>
void backward_weight_impl(const TensorView& dyv, const TensorView& xv, const TensorView& dwv, const TensorView& dbv,
                          const Conv2dParams& prm, const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* dy = pool ? nullptr : dyv.ptr<T>();
  const T* x = xv.ptr<T>();
  const bool want_db = dbv.data != nullptr;
  const Grid grid(g.Cg, prm.H, prm.W, prm.ph, prm.pw, prm.OH, prm.OW, prm.KH, prm.KW, prm.dh, prm.dw);
  // Per thread: dw [OC, Kg] (dw_g += dy_g @ col_g^T for its images) and db [OC], summed at the end.
  // With few reduction rows (Kg < OCg, e.g. a 1-channel first layer) the transposed product
  // dw_g^T += col_g @ dy_g^T fills the register tiles better; the final sum then transposes back.
  const bool transposed = g.stride1() && g.Kg < g.OCg;
  const int64_t wsize = prm.OC * g.Kg;
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  nt = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, prm.N)));
  const bool inner_par = nt == 1;
  std::vector<T> acc(static_cast<size_t>(nt) * wsize, T(0));
  std::vector<double> dbacc(want_db ? static_cast<size_t>(nt * prm.OC) : 0, 0.0);
  std::string err;
  ErrorCode code = ErrorCode::Internal;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int t = omp_get_thread_num();
    const int64_t lo = prm.N * t / nt, hi = prm.N * (t + 1) / nt;
    try {
      for (int64_t n = lo; n < hi; ++n) {
        const T* dyi = dy_image(dy, pool, n, prm.OC, g.OHW);
        for (int64_t gi = 0; gi < g.G; ++gi) {
          const T* xg = x + (n * prm.C + gi * g.Cg) * g.HW;
          const T* dyg = dyi + gi * g.OCg * g.OHW;
          T* dwg = acc.data() + t * wsize + gi * g.OCg * g.Kg;
          if (want_db) add_row_sums(dyg, g.OCg, g.OHW, dbacc.data() + t * prm.OC + gi * g.OCg);
          if (g.stride1()) {
            const T* xp = grid.pad(xg, t_in.get<T>(grid.direct ? 0 : grid.size));
            const T* dyp = dyg;  // dy on the Wp-wide grid, junk columns zero
            if (grid.Wp != prm.OW) {
              T* buf = t_out.get<T>(g.OCg * grid.L);
              std::memset(buf, 0, sizeof(T) * g.OCg * grid.L);
              for (int64_t o = 0; o < g.OCg; ++o)
                copy_block(buf + o * grid.L, grid.Wp, dyg + o * g.OHW, prm.OW, prm.OH, prm.OW, T(0));
              dyp = buf;
            }
            const StridedOperand<T> dyop(dyp, grid.L, 1);
            if (transposed)
              gemm_ex<T>(g.Kg, g.OCg, grid.L, T(1), ShiftT<T>(xp, grid), dyop, T(1), dwg, g.OCg, inner_par);
            else
              gemm_ex<T>(g.OCg, g.Kg, grid.L, T(1), dyop, ShiftT<T>(xp, grid), T(1), dwg, g.Kg, inner_par);
          } else {
            T* col = t_in.get<T>(g.Kg * g.OHW);
            Im2col<T>(xg, g).pack(col, static_cast<int>(g.OHW), 0, g.Kg, 0, g.OHW);
            gemm<T>(false, true, g.OCg, g.Kg, g.OHW, T(1), dyg, g.OHW, col, g.OHW, T(1), dwg, g.Kg, inner_par);
          }
        }
      }
    } catch (const Error& e) {
#pragma omp critical(tl_conv_err)
      err = e.what(), code = e.code;
    } catch (const std::exception& e) {
#pragma omp critical(tl_conv_err)
      err = e.what();
    }
  }
  if (!err.empty()) throw Error(code, err);
  T* dw = dwv.ptr<T>();
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t o = 0; o < g.OCg; ++o)
      for (int64_t k = 0; k < g.Kg; ++k) {
        const int64_t i = gi * g.OCg * g.Kg + (transposed ? k * g.OCg + o : o * g.Kg + k);
        T s = acc[i];
        for (int t = 1; t < nt; ++t) s += acc[t * wsize + i];
        dw[(gi * g.OCg + o) * g.Kg + k] = s;
      }
  if (want_db) {
    T* db = dbv.ptr<T>();
    for (int64_t o = 0; o < prm.OC; ++o) {
      double s = 0;
      for (int t = 0; t < nt; ++t) s += dbacc[t * prm.OC + o];
      db[o] = static_cast<T>(s);
    }
  }
}

void check_dtypes(const char* op, std::initializer_list<const TensorView*> ts) {
  const DType d = (*ts.begin())->dtype;
  if (d != DType::F32 && d != DType::F64)
    throw Error(ErrorCode::DType, std::string("torchlet: ") + op + " supports float32 and float64, got " +
                                        dtype_name(d));
  for (const TensorView* t : ts)
    if (t->data && t->dtype != d)
      throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + op + " operands must share one dtype");
}

void conv2d_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                        const Conv2dParams& p) {
  check_dtypes("conv2d", {&x, &w, &b, &y});
  if (x.dtype == DType::F32)
    forward_impl<float>(x, w, b, y, p);
  else
    forward_impl<double>(x, w, b, y, p);
}

void conv2d_backward_input_cpu(const TensorView& dy, const TensorView& w, const TensorView& dx,
                               const Conv2dParams& p) {
  check_dtypes("conv2d backward", {&dy, &w, &dx});
  if (dy.dtype == DType::F32)
    backward_input_impl<float>(dy, w, dx, p);
  else
    backward_input_impl<double>(dy, w, dx, p);
}

void conv2d_backward_weight_cpu(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                                const Conv2dParams& p) {
  check_dtypes("conv2d backward", {&dy, &x, &dw, &db});
  if (dy.dtype == DType::F32)
    backward_weight_impl<float>(dy, x, dw, db, p);
  else
    backward_weight_impl<double>(dy, x, dw, db, p);
}

// The fused ops: the same impls, told to pool the conv output (forward) or to rebuild dy from the
// pooled gradient (backward).
template <typename T>
PoolFuse<T> pool_fuse(const Pool2dParams& pp, const TensorView& tap) {
  PoolFuse<T> f;
  f.p = pp;
  f.tap = tap.ptr<uint8_t>();
  return f;
}

void conv2d_relu_max_pool2d_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                                        const TensorView& tap, const Conv2dParams& p, const Pool2dParams& pp) {
  check_dtypes("conv2d", {&x, &w, &b, &y});
  dispatch_float("conv2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    PoolFuse<T> f = pool_fuse<T>(pp, tap);
    f.y = y.ptr<T>();
    forward_impl<T>(x, w, b, y, p, &f);
  });
}
void conv2d_relu_max_pool2d_backward_input_cpu(const TensorView& g, const TensorView& y, const TensorView& tap,
                                               const TensorView& w, const TensorView& dx, const Conv2dParams& p,
                                               const Pool2dParams& pp) {
  check_dtypes("conv2d backward", {&g, &y, &w, &dx});
  dispatch_float("conv2d backward", g.dtype, [&](auto z) {
    using T = decltype(z);
    PoolFuse<T> f = pool_fuse<T>(pp, tap);
    f.yc = y.ptr<T>();
    f.g = g.ptr<T>();
    backward_input_impl<T>(g, w, dx, p, &f);
  });
}
void conv2d_relu_max_pool2d_backward_weight_cpu(const TensorView& g, const TensorView& y, const TensorView& tap,
                                                const TensorView& x, const TensorView& dw, const TensorView& db,
                                                const Conv2dParams& p, const Pool2dParams& pp) {
  check_dtypes("conv2d backward", {&g, &y, &x, &dw, &db});
  dispatch_float("conv2d backward", g.dtype, [&](auto z) {
    using T = decltype(z);
    PoolFuse<T> f = pool_fuse<T>(pp, tap);
    f.yc = y.ptr<T>();
    f.g = g.ptr<T>();
    backward_weight_impl<T>(g, x, dw, db, p, &f);
  });
}

// ConvParams entry points: 2-D (and 1-D) shapes take the 2-D kernels, others the 3-D ones.
void conv_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y, const ConvParams& p) {
  if (conv_is_2d(p)) conv2d_forward_cpu(x, w, b, y, conv_as_2d(p));
  else conv3d_forward_cpu(x, w, b, y, conv_as_3d(p));
}
TL_REGISTER_KERNEL(conv_forward_op, CPU, conv_forward_cpu, kFloatTypes);
void conv_backward_input_cpu(const TensorView& dy, const TensorView& w, const TensorView& dx, const ConvParams& p) {
  if (conv_is_2d(p)) conv2d_backward_input_cpu(dy, w, dx, conv_as_2d(p));
  else conv3d_backward_input_cpu(dy, w, dx, conv_as_3d(p));
}
TL_REGISTER_KERNEL(conv_backward_input_op, CPU, conv_backward_input_cpu, kFloatTypes);
void conv_backward_weight_cpu(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                            const ConvParams& p) {
  if (conv_is_2d(p)) conv2d_backward_weight_cpu(dy, x, dw, db, conv_as_2d(p));
  else conv3d_backward_weight_cpu(dy, x, dw, db, conv_as_3d(p));
}
TL_REGISTER_KERNEL(conv_backward_weight_op, CPU, conv_backward_weight_cpu, kFloatTypes);
void conv2d_relu_max_pool2d_forward_cpu_(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                                        const TensorView& tap, const ConvParams& p, const Pool2dParams& pp) {
  conv2d_relu_max_pool2d_forward_cpu(x, w, b, y, tap, conv_as_2d(p), pp);
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_forward_op, CPU, conv2d_relu_max_pool2d_forward_cpu_, kFloatTypes);
void conv2d_relu_max_pool2d_backward_input_cpu_(const TensorView& g, const TensorView& y, const TensorView& tap,
                                               const TensorView& w, const TensorView& dx, const ConvParams& p,
                                               const Pool2dParams& pp) {
  conv2d_relu_max_pool2d_backward_input_cpu(g, y, tap, w, dx, conv_as_2d(p), pp);
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_input_op, CPU, conv2d_relu_max_pool2d_backward_input_cpu_, kFloatTypes);
void conv2d_relu_max_pool2d_backward_weight_cpu_(const TensorView& g, const TensorView& y, const TensorView& tap,
                                                const TensorView& x, const TensorView& dw, const TensorView& db,
                                                const ConvParams& p, const Pool2dParams& pp) {
  conv2d_relu_max_pool2d_backward_weight_cpu(g, y, tap, x, dw, db, conv_as_2d(p), pp);
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_weight_op, CPU, conv2d_relu_max_pool2d_backward_weight_cpu_, kFloatTypes);

}  // namespace
}  // namespace cpu
}  // namespace tl
