// native/cpu/conv.cc — CPU kernels of the convolution ops declared in ops/conv.h: conv_forward,
// conv_backward_input and conv_backward_weight (1-D, 2-D and 3-D alike) and the fused
// conv2d_relu_max_pool2d_{forward,backward_input,backward_weight}; float32 and float64.
// Contract (ConvParams in ops/conv.h): x [N, C, D, H, W], w [OC, C/groups, KD, KH, KW],
// y [N, OC, OD, OH, OW], spatial dims right-aligned (2-D: D = KD = OD = 1; 1-D: H = KH = OH = 1 too),
// any stride / padding / dilation / groups; contiguous buffers; arguments checked by check_conv
// (core/conv_params.h) before any memory is touched. Every output (y, dx, dw, db) is overwritten,
// never accumulated into. b.data == nullptr: no bias; db.data == nullptr: no bias gradient. Results do
// not depend on scheduling (fixed-order reductions).
// Method, written once for three spatial dims: one GEMM (gemm.h) per image and group; threads split
// the batch (with fewer images than threads the GEMMs are threaded instead). Reduction index
// k = (c, kd, kh, kw), Kg = C/groups*KD*KH*KW; weights are packed once per call and shared by all
// images. The im2col matrix is formed in one of two shape-selected ways:
//  * Stride 1 in every dim ("grid" path): the input volume is zero-padded to Dp x Hp x Wp and the
//    output is computed on that grid (junk columns after each output row and junk rows after each
//    output slice, dropped afterwards), so the im2col row of k is just the padded input shifted by
//    off[k] — packed with plain copies, no im2col buffer:
//      forward      y_g  = w_g @ shift(xpad)
//      input grad   dx_g = w'_g @ shift(dypad)    (w' = w flipped and transposed: the same forward
//                                                  conv on dy padded by (K-1)*d - p; used when
//                                                  C/groups >= 4, else the col2im path below)
//      weight grad  dw_g += dygrid @ shift(xpad)^T (or its transpose when Kg < OC/groups)
//  * Other strides: implicit im2col for forward, GEMM + col2im for the input gradient (the GEMM
//    alone for a 1x1x1 kernel without padding), explicit im2col for the weight gradient.
// Weight gradients go to per-thread accumulators summed in a fixed order; db is summed alongside.
// The fused ops run the same code with a pooling epilogue (forward: each image's conv output lives
// only in a thread's scratch and is pooled from there) or prologue (backward: each image's
// conv-output gradient is rebuilt there from the pooled one): the full-size conv output and its
// gradient never exist in memory.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/conv_params.h"
#include "core/dispatch.h"
#include "gemm.h"
#include "pool2d.h"

namespace tl {
namespace cpu {
namespace {

// ---- scratch and threads ----------------------------------------------------------------------------

// Per-thread grow-only buffers, kept across calls (training calls these kernels with the same shapes
// every step, and allocating per image would page-fault every time): the padded input or im2col
// matrix, the GEMM's grid output or col matrix, and one image's conv output or its gradient. The
// returned n elements start on a 64-byte boundary (GEMM output rows stay cache-line aligned).
enum Slot { kInSlot, kOutSlot, kImageSlot, kSlots };
template <typename T>
T* scratch(Slot s, int64_t n) {
  thread_local std::vector<T> bufs[kSlots];
  std::vector<T>& b = bufs[s];
  const size_t need = static_cast<size_t>(n) + 64 / sizeof(T);
  if (b.size() < need) {
    try {
      std::vector<T>().swap(b);  // release first: the old contents are not needed
      b.resize(need);
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::OutOfMemory, "torchlet: conv could not allocate its scratch buffer");
    }
  }
  const uintptr_t a = reinterpret_cast<uintptr_t>(b.data());
  return reinterpret_cast<T*>((a + 63) & ~uintptr_t(63));
}

// Threads that split n images: 1 inside a parallel region or with fewer than two images.
int threads_for(int64_t n) {
  if (omp_in_parallel()) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(omp_get_max_threads(), n)));
}

// Runs body(i, tid, inner_parallel) for i in [0, n) on nt threads (static schedule: thread tid takes
// one contiguous block); with nt == 1 the images run serially, and the body may thread inside when
// threads would otherwise idle (fewer images than threads). Exceptions are rethrown on the caller.
template <typename F>
void for_each_image(int64_t n, int nt, F body) {
  if (nt < 2) {
    const bool inner = !omp_in_parallel() && n < omp_get_max_threads();
    for (int64_t i = 0; i < n; ++i) body(i, 0, inner);
    return;
  }
  std::string err;
  ErrorCode code = ErrorCode::Internal;
#pragma omp parallel num_threads(nt)
  {
    const int tid = omp_get_thread_num();
#pragma omp for schedule(static) nowait  // the region's end is the only barrier
    for (int64_t i = 0; i < n; ++i) {
      try {
        body(i, tid, false);
      } catch (const Error& e) {
#pragma omp critical(tl_conv_err)
        err = e.what(), code = e.code;
      } catch (const std::exception& e) {
#pragma omp critical(tl_conv_err)
        err = e.what();
      }
    }
  }
  if (!err.empty()) throw Error(code, err);
}

// ---- geometry -----------------------------------------------------------------------------------------

struct Geom {
  ConvParams p;
  int64_t G, Cg, OCg, KK, Kg, L, OL;  // L, OL: input and output volume (D*H*W, OD*OH*OW)
  explicit Geom(const ConvParams& q)
      : p(q),
        G(q.groups),
        Cg(q.C / q.groups),
        OCg(q.OC / q.groups),
        KK(conv_volume(q.kernel)),
        Kg(Cg * KK),
        L(conv_volume(q.in)),
        OL(conv_volume(q.out)) {}
  bool stride1() const { return p.stride == Dims3{1, 1, 1}; }
  // 1x1x1 kernel, stride 1, no padding: the im2col matrix is the input itself.
  bool pointwise() const { return KK == 1 && stride1() && p.pad == Dims3{0, 0, 0}; }
  // k = (c, kd, kh, kw) -> k + 1 (the im2col loops step k rather than divide it)
  void next_tap(int64_t& c, int64_t& kd, int64_t& kh, int64_t& kw) const {
    if (++kw < p.kernel[2]) return;
    kw = 0;
    if (++kh < p.kernel[1]) return;
    kh = 0;
    if (++kd < p.kernel[0]) return;
    kd = 0;
    ++c;
  }
};

// Range [lo, hi) of output columns t in [0, n) whose input column iw0 + t * s lies in [0, W).
inline void valid_range(int64_t iw0, int64_t s, int64_t W, int64_t n, int64_t& lo, int64_t& hi) {
  lo = iw0 >= 0 ? 0 : (-iw0 + s - 1) / s;
  hi = iw0 >= W ? 0 : (W - iw0 + s - 1) / s;
  lo = std::min(lo, n);
  hi = std::max(lo, std::min(hi, n));
}

// rows [M, n] of y = bias[m]
template <typename T>
void fill_rows(T* y, int64_t M, int64_t n, const T* bias) {
  for (int64_t m = 0; m < M; ++m) std::fill(y + m * n, y + (m + 1) * n, bias[m]);
}

// ---- stride-1 grid path -------------------------------------------------------------------------------

// A stride-1 correlation of P input volumes `in` with a kernel k (dilation d) producing volumes `out`,
// the input placed at offset `lead` (per dim; negative = cropped) inside a zero volume
// pd = out + (k - 1) * d. Output (od, oh, ow) lives at grid column j = (od * Hp + oh) * Wp + ow (the
// other columns are junk), and the input value for reduction index (c, kd, kh, kw) at grid column j
// is xpad[off[k] + j].
struct Grid {
  int64_t P;
  Dims3 in, lead, out, pd;
  int64_t L, slice, plane, size;
  bool direct;  // the input already is the padded buffer (no pad/crop, no overrun)
  std::vector<int64_t> off;
  Grid(int64_t P_, const Dims3& in_, const Dims3& lead_, const Dims3& out_, const Dims3& k, const Dims3& d)
      : P(P_), in(in_), lead(lead_), out(out_) {
    for (int i = 0; i < 3; ++i) pd[i] = out[i] + (k[i] - 1) * d[i];
    slice = pd[1] * pd[2];
    plane = pd[0] * slice;
    L = (out[0] - 1) * slice + out[1] * pd[2];  // through the last output row
    size = P * plane + (k[2] - 1) * d[2];       // the last rows of the last volume run (KW-1)*dw past its end
    direct = lead == Dims3{0, 0, 0} && pd == in && (k[2] - 1) * d[2] == 0;
    off.reserve(static_cast<size_t>(P * conv_volume(k)));
    for (int64_t c = 0; c < P; ++c)
      for (int64_t kd = 0; kd < k[0]; ++kd)
        for (int64_t kh = 0; kh < k[1]; ++kh)
          for (int64_t kw = 0; kw < k[2]; ++kw)
            off.push_back(c * plane + kd * d[0] * slice + kh * d[1] * pd[2] + kw * d[2]);
  }
  // The padded input for x ([P, in]): x itself when direct, else written to buf[size].
  template <typename T>
  const T* pad(const T* x, T* buf) const {
    if (direct) return x;
    std::memset(buf, 0, sizeof(T) * size);
    int64_t lo[3], hi[3];  // per dim, the coordinates of buf that hold data
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::max<int64_t>(0, lead[i]);
      hi[i] = std::min(pd[i], in[i] + lead[i]);
      if (hi[i] <= lo[i]) return buf;
    }
    for (int64_t c = 0; c < P; ++c)
      for (int64_t i = lo[0]; i < hi[0]; ++i)
        copy_block(buf + c * plane + (i * pd[1] + lo[1]) * pd[2] + lo[2], pd[2],
                   x + ((c * in[0] + i - lead[0]) * in[1] + lo[1] - lead[1]) * in[2] + lo[2] - lead[2], in[2],
                   hi[1] - lo[1], hi[2] - lo[2], T(0));
    return buf;
  }
  // Calls f(grid offset, volume offset, m) for every output slice of M volumes: the out[1] x out[2]
  // block at that offset of the plain layout [M, out] sits at that offset of the grid rows [M, L]
  // (row stride Wp).
  template <typename F>
  void slices(int64_t M, F f) const {
    for (int64_t m = 0; m < M; ++m)
      for (int64_t i = 0; i < out[0]; ++i) f(m * L + i * slice, (m * out[0] + i) * out[1] * out[2], m);
  }
};

// The im2col matrix on the grid, X(k, j) = xpad[off[k] + j]: with reduction index k (forward B
// operand) or, Transposed, with reduction index j, the grid column (weight-gradient B operand).
template <typename T, bool Transposed>
struct Shift final : Packer<T> {
  const T* xpad;
  const int64_t* off;
  Shift(const T* x, const Grid& g) : xpad(x), off(g.off.data()) {}
  void pack(T* dst, int w, int64_t r0, int64_t rc, int64_t i0, int64_t n) const override {
    if (!Transposed) return pack_offsets(dst, w, xpad + i0, off + r0, n, rc);
    const T* rows[64];  // n <= w <= 32 (the gemm's MR / NR)
    for (int64_t r = 0; r < n; ++r) rows[r] = xpad + off[i0 + r] + r0;
    pack_rows(dst, w, rows, n, rc);
  }
};

// out[M, g.out] = a @ shift(pad(in)) (+ bias), a = weights [M, P*KK]: the stride-1 correlation shared
// by forward and input gradient.
template <typename T>
void grid_conv(const Grid& g, const T* in, const Packer<T>& a, int64_t M, const T* bias, T* out, bool par) {
  const T* xp = g.pad(in, scratch<T>(kInSlot, g.direct ? 0 : g.size));
  const int64_t K = static_cast<int64_t>(g.off.size());
  const bool direct_out = g.L == conv_volume(g.out);  // no junk columns: write straight into out
  T* c = direct_out ? out : scratch<T>(kOutSlot, M * g.L);
  if (direct_out && bias) fill_rows(out, M, g.L, bias);
  gemm_ex<T>(M, g.L, K, T(1), a, Shift<T, false>(xp, g), direct_out && bias ? T(1) : T(0), c, g.L, par);
  if (direct_out) return;
  g.slices(M, [&](int64_t go, int64_t vo, int64_t m) {
    copy_block(out + vo, g.out[2], c + go, g.pd[2], g.out[1], g.out[2], bias ? bias[m] : T(0));
  });
}

// ---- other strides: im2col ----------------------------------------------------------------------------

// X(k, j) = col[k][j] of one image-group x_g [Cg, D, H, W] (k = (c, kd, kh, kw), j = (od, oh, ow)):
// implicit im2col as a GEMM B operand; pack(buf, OL, 0, Kg, 0, OL) writes the explicit col matrix.
template <typename T>
struct Im2col final : Packer<T> {
  const T* x;
  const Geom& g;
  Im2col(const T* x_, const Geom& g_) : x(x_), g(g_) {}
  void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t j0, int64_t n) const override {
    const ConvParams& p = g.p;
    const int64_t D = p.in[0], H = p.in[1], W = p.in[2], OH = p.out[1], OW = p.out[2], sw = p.stride[2];
    const int64_t KH = p.kernel[1], KW = p.kernel[2];
    // the first column's output position, and the first row's k, stepped row by row below
    const int64_t od0 = j0 / (OH * OW), oh0 = (j0 / OW) % OH, ow0 = j0 % OW;
    int64_t c = k0 / g.KK, kd = k0 % g.KK / (KH * KW), kh = k0 % (KH * KW) / KW, kw = k0 % KW;
    for (int64_t kk = 0; kk < kc; ++kk) {
      T* d = dst + kk * w;
      // the kernel tap's share of the input position
      const int64_t td = kd * p.dilation[0] - p.pad[0], th = kh * p.dilation[1] - p.pad[1];
      const int64_t tw = kw * p.dilation[2] - p.pad[2];
      int64_t od = od0, oh = oh0, ow = ow0;
      for (int64_t j = 0; j < n;) {  // one run within an output row at a time
        const int64_t seg = std::min(n - j, OW - ow);
        const int64_t id = od * p.stride[0] + td, ih = oh * p.stride[1] + th, iw0 = ow * sw + tw;
        T* o = d + j;
        int64_t lo = 0, hi = 0;
        if (id >= 0 && id < D && ih >= 0 && ih < H) {
          valid_range(iw0, sw, W, seg, lo, hi);
          const T* row = x + ((c * D + id) * H + ih) * W + iw0;
          for (int64_t t = lo; t < hi; ++t) o[t] = row[t * sw];
        }
        std::fill(o, o + lo, T(0));
        std::fill(o + hi, o + seg, T(0));
        j += seg;
        ow = 0;
        if (++oh == OH) oh = 0, ++od;
      }
      std::fill(d + n, d + w, T(0));
      g.next_tap(c, kd, kh, kw);
    }
  }
};

// dx_g [Cg, D, H, W] += col2im(dcol [Kg, OL]); dx_g must be zeroed by the caller. Whole output rows
// share one valid column range per k.
template <typename T>
void col2im_add(const T* dcol, const Geom& g, T* dx) {
  const ConvParams& p = g.p;
  const int64_t D = p.in[0], H = p.in[1], W = p.in[2], OH = p.out[1], OW = p.out[2], sw = p.stride[2];
  int64_t c = 0, kd = 0, kh = 0, kw = 0;
  for (int64_t k = 0; k < g.Kg; ++k, g.next_tap(c, kd, kh, kw)) {
    const int64_t iw0 = kw * p.dilation[2] - p.pad[2];
    int64_t lo, hi;
    valid_range(iw0, sw, W, OW, lo, hi);
    const T* from = dcol + k * g.OL;
    for (int64_t od = 0; od < p.out[0]; ++od) {
      const int64_t id = od * p.stride[0] + kd * p.dilation[0] - p.pad[0];
      if (id < 0 || id >= D) continue;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t ih = oh * p.stride[1] + kh * p.dilation[1] - p.pad[1];
        if (ih < 0 || ih >= H) continue;
        const T* s = from + (od * OH + oh) * OW;
        T* row = dx + ((c * D + id) * H + ih) * W + iw0;
        for (int64_t t = lo; t < hi; ++t) row[t * sw] += s[t];
      }
    }
  }
}

// ---- the ops ---------------------------------------------------------------------------------------------

// The fused conv + relu + max pooling (non-overlapping windows) around the plain conv.
template <typename T>
struct PoolFuse {
  Pool2dParams p;          // pooling of the conv output: N, C = OC, H = OH, W = OW; OH/OW = pooled size
  T* y = nullptr;          // forward: pooled output [N, OC, POH, POW]
  const T* yc = nullptr;   // backward: that pooled output
  uint8_t* tap = nullptr;  // window-local argmax [N, OC, POH, POW]
  const T* g = nullptr;    // backward: gradient of the pooled output
  int64_t plane() const { return p.OH * p.OW; }
};

// dy of image n ([OC, OL]): in place, or rebuilt from the pooled gradient in a scratch.
template <typename T>
const T* dy_image(const T* dy, const PoolFuse<T>* f, int64_t n, int64_t OC, int64_t OL) {
  if (!f) return dy + n * OC * OL;
  T* buf = scratch<T>(kImageSlot, OC * OL);
  const int64_t po = n * OC * f->plane();
  relu_max_unpool_planes(f->g + po, f->yc + po, f->tap + po, buf, OC, f->p);
  return buf;
}

// A [M, K] of every group gi at w + gi * M * K (strides as StridedOperand's), packed once per call.
template <typename T>
std::vector<PackedA<T>> pack_groups(const T* w, int64_t G, int64_t M, int64_t K, int64_t i_stride, int64_t k_stride) {
  std::vector<PackedA<T>> a;
  a.reserve(static_cast<size_t>(G));
  for (int64_t gi = 0; gi < G; ++gi) a.emplace_back(M, K, StridedOperand<T>(w + gi * M * K, i_stride, k_stride));
  return a;
}

template <typename T>
void forward_impl(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& yv,
                  const ConvParams& prm, const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* x = xv.ptr<T>();
  const T* b = bv.data ? bv.ptr<T>() : nullptr;
  const std::vector<PackedA<T>> wp = pack_groups(wv.ptr<T>(), g.G, g.OCg, g.Kg, g.Kg, 1);
  std::unique_ptr<Grid> grid;
  if (g.stride1()) grid.reset(new Grid(g.Cg, prm.in, prm.pad, prm.out, prm.kernel, prm.dilation));
  for_each_image(prm.N, threads_for(prm.N), [&](int64_t n, int, bool par) {
    // image n's conv output: y itself, or the scratch that the pooling epilogue reads
    T* yi = pool ? scratch<T>(kImageSlot, prm.OC * g.OL) : yv.ptr<T>() + n * prm.OC * g.OL;
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* xg = x + (n * prm.C + gi * g.Cg) * g.L;
      const T* bg = b ? b + gi * g.OCg : nullptr;
      T* yg = yi + gi * g.OCg * g.OL;
      if (grid) {
        grid_conv(*grid, xg, wp[gi], g.OCg, bg, yg, par);
        continue;
      }
      if (bg) fill_rows(yg, g.OCg, g.OL, bg);
      gemm_ex<T>(g.OCg, g.OL, g.Kg, T(1), wp[gi], Im2col<T>(xg, g), bg ? T(1) : T(0), yg, g.OL, par);
    }
    if (pool) {
      const int64_t po = n * prm.OC * pool->plane();
      relu_max_pool_planes(yi, pool->y + po, pool->tap + po, prm.OC, pool->p);
    }
  });
}

template <typename T>
void backward_input_impl(const TensorView& dyv, const TensorView& wv, const TensorView& dxv, const ConvParams& prm,
                         const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* dy = pool ? nullptr : dyv.ptr<T>();
  const T* w = wv.ptr<T>();
  T* dx = dxv.ptr<T>();
  // The grid path packs OCg*KK x L of dy per image for a GEMM with only Cg rows: with very few input
  // channels the col2im path (GEMM with Kg rows, then a scatter) does far less work.
  std::unique_ptr<Grid> grid;
  std::vector<PackedA<T>> wp;
  if (g.stride1() && g.Cg >= 4) {
    // dx = correlation of dy (padded by (K-1)*d - p) with w'[c][o][k] = w[o][c][KK-1-k] (the kernel
    // flipped in every dim); w2T[gi][(o, k)][c] is w' transposed, packed once per group.
    std::vector<T> w2T(static_cast<size_t>(g.G * g.OCg * g.KK * g.Cg));
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t o = 0; o < g.OCg; ++o)
        for (int64_t c = 0; c < g.Cg; ++c)
          for (int64_t kk = 0; kk < g.KK; ++kk)
            w2T[((gi * g.OCg + o) * g.KK + kk) * g.Cg + c] = w[((gi * g.OCg + o) * g.Cg + c) * g.KK + (g.KK - 1 - kk)];
    wp = pack_groups(w2T.data(), g.G, g.Cg, g.OCg * g.KK, 1, g.Cg);
    Dims3 lead;
    for (int i = 0; i < 3; ++i) lead[i] = (prm.kernel[i] - 1) * prm.dilation[i] - prm.pad[i];
    grid.reset(new Grid(g.OCg, prm.out, lead, prm.in, prm.kernel, prm.dilation));
  }
  for_each_image(prm.N, threads_for(prm.N), [&](int64_t n, int, bool par) {
    const T* dyi = dy_image(dy, pool, n, prm.OC, g.OL);
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* dyg = dyi + gi * g.OCg * g.OL;
      const T* wg = w + gi * g.OCg * g.Kg;
      T* dxg = dx + (n * prm.C + gi * g.Cg) * g.L;
      if (grid) {
        grid_conv(*grid, dyg, wp[gi], g.Cg, static_cast<const T*>(nullptr), dxg, par);
      } else if (g.pointwise()) {  // the col matrix is dx_g itself
        gemm<T>(true, false, g.Kg, g.OL, g.OCg, T(1), wg, g.Kg, dyg, g.OL, T(0), dxg, g.OL, par);
      } else {
        T* dcol = scratch<T>(kOutSlot, g.Kg * g.OL);
        gemm<T>(true, false, g.Kg, g.OL, g.OCg, T(1), wg, g.Kg, dyg, g.OL, T(0), dcol, g.OL, par);
        std::fill(dxg, dxg + g.Cg * g.L, T(0));
        col2im_add(dcol, g, dxg);
      }
    }
  });
}

// Adds the row sums of dy_g [rows, cols] to db[rows] (double accumulators).
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
                          const ConvParams& prm, const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* dy = pool ? nullptr : dyv.ptr<T>();
  const T* x = xv.ptr<T>();
  const bool want_db = dbv.data != nullptr;
  std::unique_ptr<Grid> grid;
  if (g.stride1()) grid.reset(new Grid(g.Cg, prm.in, prm.pad, prm.out, prm.kernel, prm.dilation));
  // Per thread: dw [OC, Kg] (dw_g += dy_g @ col_g^T for its images) and db [OC], summed at the end.
  // With few reduction rows (Kg < OCg, e.g. a 1-channel first layer) the transposed product
  // dw_g^T += col_g @ dy_g^T fills the register tiles better; the final sum then transposes back.
  const bool transposed = grid && g.Kg < g.OCg;
  const int64_t wsize = prm.OC * g.Kg;
  const int nt = threads_for(prm.N);
  std::vector<T> acc(static_cast<size_t>(nt * wsize), T(0));
  std::vector<double> dbacc(want_db ? static_cast<size_t>(nt * prm.OC) : 0, 0.0);
  for_each_image(prm.N, nt, [&](int64_t n, int t, bool par) {
    const T* dyi = dy_image(dy, pool, n, prm.OC, g.OL);
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* xg = x + (n * prm.C + gi * g.Cg) * g.L;
      const T* dyg = dyi + gi * g.OCg * g.OL;
      T* dwg = acc.data() + t * wsize + gi * g.OCg * g.Kg;
      if (want_db) add_row_sums(dyg, g.OCg, g.OL, dbacc.data() + t * prm.OC + gi * g.OCg);
      if (!grid) {
        T* col = scratch<T>(kInSlot, g.Kg * g.OL);
        Im2col<T>(xg, g).pack(col, static_cast<int>(g.OL), 0, g.Kg, 0, g.OL);
        gemm<T>(false, true, g.OCg, g.Kg, g.OL, T(1), dyg, g.OL, col, g.OL, T(1), dwg, g.Kg, par);
        continue;
      }
      const T* xp = grid->pad(xg, scratch<T>(kInSlot, grid->direct ? 0 : grid->size));
      const T* dyp = dyg;  // dy on the grid, junk columns zero
      if (grid->L != g.OL) {
        T* buf = scratch<T>(kOutSlot, g.OCg * grid->L);
        std::memset(buf, 0, sizeof(T) * g.OCg * grid->L);
        grid->slices(g.OCg, [&](int64_t go, int64_t vo, int64_t) {
          copy_block(buf + go, grid->pd[2], dyg + vo, prm.out[2], prm.out[1], prm.out[2], T(0));
        });
        dyp = buf;
      }
      const StridedOperand<T> dyop(dyp, grid->L, 1);
      if (transposed)
        gemm_ex<T>(g.Kg, g.OCg, grid->L, T(1), Shift<T, true>(xp, *grid), dyop, T(1), dwg, g.OCg, par);
      else
        gemm_ex<T>(g.OCg, g.Kg, grid->L, T(1), dyop, Shift<T, true>(xp, *grid), T(1), dwg, g.Kg, par);
    }
  });
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

// ---- registered kernels ------------------------------------------------------------------------------

constexpr ConvRole kIn = ConvRole::Input, kW = ConvRole::Weight, kB = ConvRole::Bias, kOut = ConvRole::Output,
                   kPooled = ConvRole::Pooled, kTap = ConvRole::Tap;

// The fused ops' pooling state for dtype T.
template <typename T>
PoolFuse<T> pool_fuse(const Pool2dParams& pp, const TensorView& tap) {
  PoolFuse<T> f;
  f.p = pp;
  f.tap = tap.ptr<uint8_t>();
  return f;
}

void conv_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                      const ConvParams& p) {
  check_conv("conv_forward", p, {{&x, kIn}, {&w, kW}, {&b, kB}, {&y, kOut}});
  dispatch_float("conv_forward", x.dtype, [&](auto z) { forward_impl<decltype(z)>(x, w, b, y, p); });
}
TL_REGISTER_KERNEL(conv_forward_op, CPU, conv_forward_cpu, kFloatTypes);

void conv_backward_input_cpu(const TensorView& dy, const TensorView& w, const TensorView& dx, const ConvParams& p) {
  check_conv("conv_backward_input", p, {{&dy, kOut}, {&w, kW}, {&dx, kIn}});
  dispatch_float("conv_backward_input", dy.dtype, [&](auto z) { backward_input_impl<decltype(z)>(dy, w, dx, p); });
}
TL_REGISTER_KERNEL(conv_backward_input_op, CPU, conv_backward_input_cpu, kFloatTypes);

void conv_backward_weight_cpu(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                              const ConvParams& p) {
  check_conv("conv_backward_weight", p, {{&dy, kOut}, {&x, kIn}, {&dw, kW}, {&db, kB}});
  dispatch_float("conv_backward_weight", dy.dtype,
                 [&](auto z) { backward_weight_impl<decltype(z)>(dy, x, dw, db, p); });
}
TL_REGISTER_KERNEL(conv_backward_weight_op, CPU, conv_backward_weight_cpu, kFloatTypes);

// The fused ops: the same impls, told to pool the conv output (forward) or to rebuild dy from the
// pooled gradient (backward).
void conv2d_relu_max_pool2d_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b,
                                        const TensorView& y, const TensorView& tap, const ConvParams& p,
                                        const Pool2dParams& pp) {
  check_conv("conv2d_relu_max_pool2d_forward", p, {{&x, kIn}, {&w, kW}, {&b, kB}, {&y, kPooled}, {&tap, kTap}}, &pp);
  dispatch_float("conv2d_relu_max_pool2d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    PoolFuse<T> f = pool_fuse<T>(pp, tap);
    f.y = y.ptr<T>();
    forward_impl<T>(x, w, b, y, p, &f);
  });
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_forward_op, CPU, conv2d_relu_max_pool2d_forward_cpu, kFloatTypes);

void conv2d_relu_max_pool2d_backward_input_cpu(const TensorView& g, const TensorView& y, const TensorView& tap,
                                               const TensorView& w, const TensorView& dx, const ConvParams& p,
                                               const Pool2dParams& pp) {
  check_conv("conv2d_relu_max_pool2d_backward_input", p,
             {{&g, kPooled}, {&y, kPooled}, {&tap, kTap}, {&w, kW}, {&dx, kIn}}, &pp);
  dispatch_float("conv2d_relu_max_pool2d_backward_input", g.dtype, [&](auto z) {
    using T = decltype(z);
    PoolFuse<T> f = pool_fuse<T>(pp, tap);
    f.yc = y.ptr<T>();
    f.g = g.ptr<T>();
    backward_input_impl<T>(g, w, dx, p, &f);
  });
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_input_op, CPU, conv2d_relu_max_pool2d_backward_input_cpu,
                   kFloatTypes);

void conv2d_relu_max_pool2d_backward_weight_cpu(const TensorView& g, const TensorView& y, const TensorView& tap,
                                                const TensorView& x, const TensorView& dw, const TensorView& db,
                                                const ConvParams& p, const Pool2dParams& pp) {
  check_conv("conv2d_relu_max_pool2d_backward_weight", p,
             {{&g, kPooled}, {&y, kPooled}, {&tap, kTap}, {&x, kIn}, {&dw, kW}, {&db, kB}}, &pp);
  dispatch_float("conv2d_relu_max_pool2d_backward_weight", g.dtype, [&](auto z) {
    using T = decltype(z);
    PoolFuse<T> f = pool_fuse<T>(pp, tap);
    f.yc = y.ptr<T>();
    f.g = g.ptr<T>();
    backward_weight_impl<T>(g, x, dw, db, p, &f);
  });
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_weight_op, CPU, conv2d_relu_max_pool2d_backward_weight_cpu,
                   kFloatTypes);

}  // namespace
}  // namespace cpu
}  // namespace tl
