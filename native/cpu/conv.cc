// native/cpu/conv.cc — CPU kernels of the convolution ops declared in ops/conv.h: conv_forward,
// conv_backward_input and conv_backward_weight (1-D, 2-D and 3-D alike) and the fused
// conv2d_relu_max_pool2d_{forward,backward_input,backward_weight}; float32 and float64.
// Contract (ConvParams in ops/conv.h): x [N, C, D, H, W], w [OC, C/groups, KD, KH, KW],
// y [N, OC, OD, OH, OW], spatial dims right-aligned (2-D: D = KD = OD = 1; 1-D: H = KH = OH = 1 too),
// any stride / padding / dilation / groups; contiguous buffers; arguments checked by check_conv
// (core/conv_params.h) before any memory is touched. Every output (y, dx, dw, db) is overwritten,
// never accumulated into. b.data == nullptr: no bias; db.data == nullptr: no bias gradient. Results do
// not depend on scheduling (fixed-order reductions).
// Method, written once for three spatial dims. Kernel taps that only ever meet padding are dropped
// first (trim_taps). Then each pass runs the algorithm plan_for() picks from the shape and the
// preference ConvParams.algo (ConvAlgo in ops/conv.h; conv_algorithms reports the choice):
//  * Depthwise (one input channel per group): direct loops, no GEMM (by default for the input gradient).
//  * Batched (outputs under 64 pixels): the im2col matrices of a chunk of images side by side, so one
//    GEMM spans the chunk's whole output; the result is moved to y's layout afterwards. A chunk of at
//    most 24 output columns (batch-1 inference on small maps) writes no im2col matrix: the GEMM packs
//    its B operand straight from the zero-padded input (Gathered).
//  * Winograd F(2x2, 3x3) (3x3 stride 1 with enough channels and tiles): 16 GEMMs over the tiles of a chunk.
//    Strided 2-D convs whose kernel spans (2 s, 3 s] (AlexNet's 11x11 stride 4) run it on their space
//    to depth phase planes: a 3x3 stride-1 conv of C s_h s_w channels (wino_channels).
//  * Direct (small maps, strided convs): register tiles of pixels x output channels read straight from
//    the zero-padded input; on small padded maps the pixels are grouped by the taps that meet the
//    input, and a group's tiles run only those (direct_groups). Convs with at most one vector's lanes
//    of output channels per group take a narrow tile (twice the pixels, one vector of channels).
//    Short reductions (at most 256: a network's 3-channel stem) on rows at least a vector wide take
//    row tiles instead (forward_rows: the pixels of a row in the vector lanes, stored along y's rows).
//    The weight gradient runs the same tiles turned round (backward_weight_direct: reduction indices
//    x output channels, summed over the pixels where each tap meets the input).
//  * Otherwise the per-image algorithms: one GEMM (gemm.h) per image and group; threads split the
//    batch (with fewer images than threads the GEMMs are threaded instead).
// Per image: reduction index k = (c, kd, kh, kw), Kg = C/groups*KD*KH*KW; weights are packed once per
// call (into a buffer kept across calls) and shared by all images. The im2col matrix is formed in
// one of two shape-selected ways:
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
// gradient never exist in memory. Where the plain conv would run Winograd, the fused forward does
// too: a 2x2 pool straight from its output transform (each 2x2 output tile is one pooling window),
// other pools from a scratch that holds a chunk of images (about batched_elems() outputs).
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "core/conv_params.h"
#include "core/dispatch.h"
#include "avx512.h"
#include "core/parallel.h"
#include "gemm.h"
#include "pool2d.h"

namespace tl {
namespace cpu {
namespace {

// ---- scratch and threads ----------------------------------------------------------------------------

// Per-thread grow-only buffers, kept across calls (training calls these kernels with the same shapes
// every step, and allocating per image would page-fault every time): the padded input or im2col
// matrix, the GEMM's grid output or col matrix, one image's conv output or its gradient, and (on the
// calling thread) the packed weights, the weight-gradient accumulators, the trimmed weights and the
// Winograd input-gradient kernel, and the fused Winograd forward's chunk of conv outputs; kPaddedSlot
// is pad_images' alone (it keeps the zero borders of the last geometry padded there). The
// returned n elements start on a 64-byte boundary (GEMM output rows stay cache-line aligned).
enum Slot {
  kInSlot,
  kOutSlot,
  kImageSlot,
  kPackSlot,
  kAccSlot,
  kTrimSlot,
  kWinoSlot,
  kPadSlot,
  kFuseSlot,
  kPaddedSlot,
  kSlots
};
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

// Runs one(i, tid) for i in [0, n) on nt threads, with work stealing: the items are split into nt
// contiguous blocks as a static schedule splits them, each thread works through its own block from the
// front (so consecutive ops touch the same images on the same core), then takes the remaining items of
// the other blocks from their backs. So when another thread of the process (a server's event loop and
// HTTP work, the OS) takes a core for a while, the other threads finish its items instead of waiting for
// them at the region's end. Only for items that write disjoint outputs (which thread ran an item changes
// nothing). Each block's (front, back) pair is one atomic word.
template <typename F>
void stealing_for(int64_t n, int nt, F one) {
  struct alignas(64) Block {
    std::atomic<uint64_t> fb;
  };
  std::unique_ptr<Block[]> blocks(new Block[nt]);
  for (int t = 0; t < nt; ++t)
    blocks[t].fb.store((uint64_t(n * t / nt) << 32) | uint64_t(n * (t + 1) / nt), std::memory_order_relaxed);
#pragma omp parallel num_threads(nt)
  {
    // block tid first (its own), then the others; in a team smaller than nt, the blocks without an
    // owner are all stolen
    const int tid = omp_get_thread_num();
    for (int k = 0; k < nt; ++k) {
      const int b = (tid + k) % nt;
      std::atomic<uint64_t>& fb = blocks[b].fb;
      for (uint64_t v = fb.load(std::memory_order_relaxed);;) {
        const uint64_t f = v >> 32, e = v & 0xffffffffu;
        if (f >= e) break;
        const bool own = k == 0;  // the owner takes the front, thieves the back
        const uint64_t next = own ? ((f + 1) << 32) | e : (f << 32) | (e - 1);
        if (fb.compare_exchange_weak(v, next, std::memory_order_relaxed)) {
          one(static_cast<int64_t>(own ? f : e - 1), tid);
          v = fb.load(std::memory_order_relaxed);
        }
      }
    }
  }
}

// Runs body(i, tid, inner_parallel) for i in [0, n) on nt threads; with nt == 1 the images run
// serially, and the body may thread inside when threads would otherwise idle (fewer images than
// threads). Exceptions are rethrown on the caller. Static schedule (thread tid takes one contiguous
// block): bodies that accumulate into per-thread sums indexed by tid need it, so that which items a
// sum holds, and so its rounding, never changes between runs. `stealing` (for bodies whose items write
// disjoint outputs): stealing_for's schedule, the same blocks with idle threads taking the rest of
// a busy one's.
constexpr bool kStealing = true;  // for_each_image's schedule for items that write disjoint outputs
template <typename F>
void for_each_image(int64_t n, int nt, F body, bool stealing = false) {
  if (nt < 2) {
    const bool inner = !omp_in_parallel() && n < omp_get_max_threads();
    for (int64_t i = 0; i < n; ++i) body(i, 0, inner);
    return;
  }
  std::string err;
  ErrorCode code = ErrorCode::Internal;
  auto one = [&](int64_t i, int tid) {
    try {
      body(i, tid, false);
    } catch (const Error& e) {
#pragma omp critical(tl_conv_err)
      err = e.what(), code = e.code;
    } catch (const std::exception& e) {
#pragma omp critical(tl_conv_err)
      err = e.what();
    }
  };
  if (stealing) {
    stealing_for(n, nt, one);
  } else {
#pragma omp parallel num_threads(nt)
    {
      const int tid = omp_get_thread_num();
#pragma omp for schedule(static) nowait  // the region's end is the only barrier
      for (int64_t i = 0; i < n; ++i) one(i, tid);
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

// p[0, n) = max(p, 0) in place (NaN kept, as relu does): conv_forward's relu epilogue.
template <typename T>
TL_TARGET_CLONES void relu_inplace(T* __restrict p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {  // a select and an unconditional store: vectorises (a branch did not)
    const T v = p[i];
    p[i] = v <= T(0) ? T(0) : v;
  }
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

// dx_g [Cg, D, H, W] += col2im(dcol [Kg, OL], row stride ld); dx_g must be zeroed by the caller. Whole
// output rows share one valid column range per k.
template <typename T>
void col2im_add(const T* dcol, int64_t ld, const Geom& g, T* dx) {
  const ConvParams& p = g.p;
  const int64_t D = p.in[0], H = p.in[1], W = p.in[2], OH = p.out[1], OW = p.out[2], sw = p.stride[2];
  int64_t c = 0, kd = 0, kh = 0, kw = 0;
  for (int64_t k = 0; k < g.Kg; ++k, g.next_tap(c, kd, kh, kw)) {
    const int64_t iw0 = kw * p.dilation[2] - p.pad[2];
    int64_t lo, hi;
    valid_range(iw0, sw, W, OW, lo, hi);
    const T* from = dcol + k * ld;
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

// ---- batch-wide path: small outputs --------------------------------------------------------------------

// With small output volumes (ResNet's 8x8 down to 1x1 stages) one image's GEMM is too narrow to fill
// the micro-kernel's tiles. The batched path places the im2col matrices of a chunk of nb images side by
// side, col [Kg, nb * OL] (column i * OL + j = image i, output position j), so that every GEMM is as
// wide as the chunk's whole output; the GEMM's [OCg, nb * OL] result is then moved to y's layout.
// Chunks hold at most kBatchedElems im2col elements and are split evenly between the threads.
constexpr int64_t kBatchedElems = int64_t(1) << 20;
int64_t batched_elems() { return kBatchedElems; }

// One input channel volume zero-padded so that every tap's window can be read without bounds checks:
// input position (id, ih, iw) sits at ((id + pad0) * PH + ih + pad1) * PW + iw + pad2.
struct PaddedPlane {
  Dims3 ext;  // PD, PH, PW
  int64_t size;
  explicit PaddedPlane(const ConvParams& p) {
    for (int i = 0; i < 3; ++i)
      ext[i] = std::max(p.in[i] + p.pad[i], (p.out[i] - 1) * p.stride[i] + (p.kernel[i] - 1) * p.dilation[i] + 1);
    size = ext[0] * ext[1] * ext[2];
  }
  // buf = the channel volume xc [D, H, W] padded
  template <typename T>
  void fill(const ConvParams& p, const T* xc, T* buf) const {
    std::memset(buf, 0, sizeof(T) * size);
    fill_interior(p, xc, buf);
  }
  // the same into a buffer whose padding is already zero (only the input's positions are written)
  template <typename T>
  void fill_interior(const ConvParams& p, const T* xc, T* buf) const {
    for (int64_t d = 0; d < p.in[0]; ++d)
      for (int64_t h = 0; h < p.in[1]; ++h) {
        const T* src = xc + (d * p.in[1] + h) * p.in[2];
        T* dst = buf + ((d + p.pad[0]) * ext[1] + h + p.pad[1]) * ext[2] + p.pad[2];
        for (int64_t w = 0; w < p.in[2]; ++w) dst[w] = src[w];
      }
  }
  // Calls f(padded offset of output row (od, oh)'s first read for tap (kd, kh, kw), output row index)
  template <typename F>
  void rows(const ConvParams& p, int64_t kd, int64_t kh, int64_t kw, F f) const {
    for (int64_t od = 0; od < p.out[0]; ++od)
      for (int64_t oh = 0; oh < p.out[1]; ++oh)
        f(((od * p.stride[0] + kd * p.dilation[0]) * ext[1] + oh * p.stride[1] + kh * p.dilation[1]) * ext[2] +
              kw * p.dilation[2],
          od * p.out[1] + oh);
  }
};

// col[k][i * OL + j] (row stride ld) of nb images of one group, x_i = x + i * xs ([Cg, D, H, W]): each
// channel padded once, then every tap's window copied without bounds checks.
template <typename T>
void im2col_batch(const T* x, int64_t xs, int64_t nb, const Geom& g, T* col, int64_t ld) {
  const ConvParams& p = g.p;
  const PaddedPlane pp(p);
  T* buf = scratch<T>(kPadSlot, pp.size);
  const int64_t OW = p.out[2], sw = p.stride[2];
  for (int64_t i = 0; i < nb; ++i)
    for (int64_t c = 0; c < g.Cg; ++c) {
      pp.fill(p, x + i * xs + c * g.L, buf);
      int64_t k = c * g.KK;
      for (int64_t kd = 0; kd < p.kernel[0]; ++kd)
        for (int64_t kh = 0; kh < p.kernel[1]; ++kh)
          for (int64_t kw = 0; kw < p.kernel[2]; ++kw, ++k) {
            T* o = col + k * ld + i * g.OL;
            pp.rows(p, kd, kh, kw, [&](int64_t off, int64_t r) {
              const T* src = buf + off;
              T* dst = o + r * OW;
              if (sw == 1)
                for (int64_t t = 0; t < OW; ++t) dst[t] = src[t];
              else
                for (int64_t t = 0; t < OW; ++t) dst[t] = src[t * sw];
            });
          }
    }
}

// dx_g [Cg, D, H, W] = col2im(dcol [Kg, OL], row stride ld) for one image: each channel summed in a
// zero-padded volume (no bounds checks), then its interior copied out.
template <typename T>
void col2im_image(const T* dcol, int64_t ld, const Geom& g, T* dx) {
  const ConvParams& p = g.p;
  const PaddedPlane pp(p);
  T* buf = scratch<T>(kPadSlot, pp.size);
  const int64_t OW = p.out[2], sw = p.stride[2];
  for (int64_t c = 0; c < g.Cg; ++c) {
    std::memset(buf, 0, sizeof(T) * pp.size);
    int64_t k = c * g.KK;
    for (int64_t kd = 0; kd < p.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < p.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < p.kernel[2]; ++kw, ++k) {
          const T* s = dcol + k * ld;
          pp.rows(p, kd, kh, kw, [&](int64_t off, int64_t r) {
            T* dst = buf + off;
            const T* src = s + r * OW;
            if (sw == 1)
              for (int64_t t = 0; t < OW; ++t) dst[t] += src[t];
            else
              for (int64_t t = 0; t < OW; ++t) dst[t * sw] += src[t];
          });
        }
    T* xc = dx + c * g.L;
    for (int64_t d = 0; d < p.in[0]; ++d)
      for (int64_t h = 0; h < p.in[1]; ++h) {
        const T* src = buf + ((d + p.pad[0]) * pp.ext[1] + h + p.pad[1]) * pp.ext[2] + p.pad[2];
        T* dst = xc + (d * p.in[1] + h) * p.in[2];
        for (int64_t w = 0; w < p.in[2]; ++w) dst[w] = src[w];
      }
  }
}

// dst[m][i * OL + j] = src_i[m][j] for m < rows (src_i = src + i * ss, row stride OL): the chunk's
// rows of one group gathered side by side (and back with Scatter).
template <typename T, bool Scatter = false>
void gather_rows(T* dst, const T* src, int64_t ss, int64_t nb, int64_t rows, int64_t OL, const T* bias = nullptr) {
  const int64_t ld = nb * OL;
  for (int64_t i = 0; i < nb; ++i)
    for (int64_t m = 0; m < rows; ++m) {
      T* a = dst + m * ld + i * OL;
      const T* b = src + i * ss + m * OL;
      if (Scatter) {  // src_i[m][j] = dst[m][i * OL + j] + bias[m]
        const T add = bias ? bias[m] : T(0);
        T* out = const_cast<T*>(b);
        for (int64_t j = 0; j < OL; ++j) out[j] = a[j] + add;
      } else {
        std::copy(b, b + OL, a);
      }
    }
}

// The batch split into chunks of `per` images (count chunks), run on `threads` threads.
struct Chunks {
  int64_t per, count;
  int threads;
};
Chunks batch_chunks(const Geom& g, int64_t N) {
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t rows = std::max(g.Kg, g.OCg);
  int64_t per = std::max<int64_t>(1, batched_elems() / (rows * g.OL));
  int64_t count = (N + per - 1) / per;
  // Enough work for every thread (at least 64 columns each): whole chunks per thread, evenly split;
  // otherwise one chunk at a time with the GEMM threaded inside.
  if (nt > 1 && N >= nt && N * g.OL >= nt * 16) count = (count + nt - 1) / nt * nt;
  per = (N + count - 1) / count;
  count = (N + per - 1) / per;
  return {per, count, static_cast<int>(std::min<int64_t>(nt, count))};
}

// The im2col matrix of a chunk read straight from its zero-padded input planes (no matrix written):
// X(k, j) = xpad[base[j] + delta[k]] for reduction index k = (c, kd, kh, kw) and column j = (image,
// output position). For chunks of few columns (batch-1 inference on small maps), where writing the
// im2col matrix and then packing it cost as much as the GEMM: the skinny GEMM packs B once, from here.
template <typename T>
struct Gathered final : Packer<T> {
  const T* xpad;
  const int64_t* base;
  const int64_t* delta;
  Gathered(const T* x, const int64_t* b, const int64_t* d) : xpad(x), base(b), delta(d) {}
  void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t i0, int64_t n) const override {
    switch (w) {  // the skinny GEMM's widths and the micro-kernels' NR: rows of a constant length
      case 8: return rows<8>(dst, k0, kc, base + i0, n);
      case 16: return rows<16>(dst, k0, kc, base + i0, n);
      case 24: return rows<24>(dst, k0, kc, base + i0, n);
      case 32: return rows<32>(dst, k0, kc, base + i0, n);
      default:
        for (int64_t k = 0; k < kc; ++k, dst += w)
          for (int64_t r = 0; r < w; ++r) dst[r] = r < n ? xpad[delta[k0 + k] + base[i0 + r]] : T(0);
    }
  }
  template <int W>
  void rows(T* dst, int64_t k0, int64_t kc, const int64_t* bs, int64_t n) const {
    int64_t b[W];
    for (int r = 0; r < W; ++r) b[r] = r < n ? bs[r] : -1;
    for (int64_t k = 0; k < kc; ++k, dst += W) {
      const T* xk = xpad + delta[k0 + k];
#pragma GCC unroll 32
      for (int r = 0; r < W; ++r) dst[r] = b[r] >= 0 ? xk[b[r]] : T(0);
    }
  }
};
// Chunks of at most this many columns take Gathered (the skinny GEMM's widest B, gemm.cc's kSkinnyN).
constexpr int64_t kGatherMaxCols = 24;

// The input of nb images zero-padded for the direct and gathered paths (x itself when no window
// reaches outside it, unless `unalias` and its image stride is a multiple of 1 KiB): image i's channel c at xp + i *
// istride + c * vol (vol: one padded plane; each padded image is followed by a cache line of slack, so that reads of
// one position in many images, as in direct_groups' tiles, do not all fall in one L1 set: image sizes are often
// multiples of 4 KiB), and delta[k] for the Kg reduction indices k = (c, kd, kh, kw) of a group: the offset of k's read
// from a window's first read. The padded copy is in the calling thread's kPaddedSlot.
template <typename T>
struct PaddedInput {
  const T* xp;
  int64_t vol, istride;
  Dims3 ext;
};
// The padded copy itself, into a buffer of the calling thread (in.xp set there), unless `inside`.
// The zero borders of a geometry padded before into the same buffer are still there (nothing else
// writes these buffers): the same geometry again rewrites only the input's positions. Small copies (a
// batch-1 layer's) have a buffer per geometry, for the last 16 geometries this thread padded (the
// layers of a model's forward alternate); larger ones share kPaddedSlot, whose zero borders serve only
// the geometry it last held. Otherwise small planes: one memset for all (a memset call per plane
// costs more than its copy); large ones are zeroed plane by plane as they are filled, on every thread
// (the slack is never read).
template <typename T>
void pad_copy(const Geom& g, const T* x, int64_t nb, PaddedInput<T>& in) {
  const ConvParams& p = g.p;
  const PaddedPlane pp(p);
  const int64_t planes = nb * p.C, vol = in.vol, istride = in.istride;
  using Key = std::array<int64_t, 14>;
  Key key{nb,       p.C,       p.in[0],   p.in[1],   p.in[2], p.pad[0], p.pad[1],
          p.pad[2], pp.ext[0], pp.ext[1], pp.ext[2], vol,     istride,  0};
  struct Kept {
    Key key;
    std::vector<T> buf;
  };
  thread_local std::vector<Kept> kept;
  thread_local Key last{};  // kPaddedSlot's geometry (key[13]: the buffer's address)
  T* buf = nullptr;
  bool zeroed = false;
  if (nb * istride <= (int64_t(1) << 16)) {
    for (Kept& k : kept)
      if (k.key == key) buf = k.buf.data(), zeroed = true;
    if (!buf) {
      if (kept.size() >= 16) kept.clear();
      kept.push_back({key, std::vector<T>(static_cast<size_t>(nb * istride))});
      buf = kept.back().buf.data();
    }
  } else {
    buf = scratch<T>(kPaddedSlot, nb * istride);
    key[13] = reinterpret_cast<int64_t>(buf);
    zeroed = key == last;
    last = key;
  }
  const bool small = vol < 1024;
  if (small && !zeroed) std::memset(buf, 0, sizeof(T) * nb * istride);
  TL_PAR_FOR(
      planes * vol > (1 << 15), for (int64_t c = 0; c < planes; ++c) {
        T* dst = buf + (c / p.C) * istride + (c % p.C) * vol;
        if (small || zeroed)
          pp.fill_interior(p, x + c * g.L, dst);
        else
          pp.fill(p, x + c * g.L, dst);
      });
  in.xp = buf;
}
// pad_images without the copy (copy = false: in.xp is x when `inside`, else null until pad_copy).
template <typename T>
PaddedInput<T> pad_images(const Geom& g, const T* x, int64_t nb, int64_t* delta, bool unalias = false,
                          bool copy = true) {
  const ConvParams& p = g.p;
  const PaddedPlane pp(p);
  // (unalias: copied anyway when the image stride is a multiple of 1 KiB, for readers of one position in
  // many images at once, which would otherwise share a few L1 sets: ResNet's 256x2x2 = 4 KiB images)
  const bool inside = pp.ext == p.in && !(unalias && (p.C * g.L * int64_t(sizeof(T))) % 1024 == 0);
  PaddedInput<T> in{inside ? x : nullptr, inside ? g.L : pp.size, 0, inside ? p.in : pp.ext};
  in.istride = inside ? p.C * g.L : p.C * in.vol + 64 / int64_t(sizeof(T));
  if (!inside && copy) pad_copy(g, x, nb, in);
  int64_t t = 0;  // channel 0's taps, then every channel's as those plus c * vol
  for (int64_t kd = 0; kd < p.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < p.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < p.kernel[2]; ++kw)
        delta[t++] = ((kd * p.dilation[0]) * in.ext[1] + kh * p.dilation[1]) * in.ext[2] + kw * p.dilation[2];
  for (int64_t c = 1; c < g.Cg; ++c)
    for (int64_t k = 0; k < g.KK; ++k) delta[c * g.KK + k] = delta[k] + c * in.vol;
  return in;
}
// Output position (od, oh, ow)'s window: the padded offset of its first read within an image.
inline int64_t window_offset(const ConvParams& p, const Dims3& ext, int64_t od, int64_t oh, int64_t ow) {
  return ((od * p.stride[0]) * ext[1] + oh * p.stride[1]) * ext[2] + ow * p.stride[2];
}

// One image whose output has at most kGatherMaxCols pixels (batch-1 inference on small maps), on nt
// threads: every thread pads the input into its own buffer (kept per geometry), packs the whole B (the
// gathered im2col columns) from it into its own buffer, and multiplies its share of the weight panels
// straight into y's rows, bias and ReLU added there. Nothing is written by one thread and read by the
// other except x and y (see forward_direct's own copies), and no barrier separates packing from the
// products; the B packing is done twice (a few KB per thread).
template <typename T>
void forward_gathered_one(const Geom& g, const T* x, const std::vector<PackedA<T>>& wp, const T* b, T* y, int nt) {
  const ConvParams& p = g.p;
  const int64_t cols = g.OL;
  std::string err;
#pragma omp parallel num_threads(nt)
  {
    try {
      const int t = omp_get_thread_num(), n = omp_get_num_threads();
      thread_local std::vector<int64_t> delta, base;
      delta.resize(static_cast<size_t>(g.Kg));
      base.resize(static_cast<size_t>(cols));
      const PaddedInput<T> in = pad_images(g, x, 1, delta.data());
      int64_t j = 0;
      for (int64_t od = 0; od < p.out[0]; ++od)
        for (int64_t oh = 0; oh < p.out[1]; ++oh)
          for (int64_t ow = 0; ow < p.out[2]; ++ow) base[j++] = window_offset(p, in.ext, od, oh, ow);
      const int mr = wp[0].mr();
      const int64_t panels = (g.OCg + mr - 1) / mr, r0 = panels * t / n * mr,
                    r1 = std::min(g.OCg, panels * (t + 1) / n * mr);
      for (int64_t gi = 0; gi < g.G && r1 > r0; ++gi) {
        const Gathered<T> op(in.xp + gi * g.Cg * in.vol, base.data(), delta.data());
        const PackedA<T> rows(r1 - r0, g.Kg, wp[gi].packed_panel(mr, r0), typename PackedA<T>::Prepacked{});
        T* yr = y + (gi * g.OCg + r0) * g.OL;
        gemm_ex<T>(r1 - r0, cols, g.Kg, T(1), rows, op, T(0), yr, g.OL, false);
        for (int64_t o = 0; o < r1 - r0; ++o) {
          T* row = yr + o * g.OL;
          const T add = b ? b[gi * g.OCg + r0 + o] : T(0);
          for (int64_t q = 0; q < g.OL; ++q) {
            const T v = row[q] + add;
            row[q] = p.relu && v <= T(0) ? T(0) : v;  // NaN kept, as relu does
          }
        }
      }
    } catch (const std::exception& e) {
#pragma omp critical(tl_conv_err)
      err = e.what();
    }
  }
  if (!err.empty()) throw Error(ErrorCode::OutOfMemory, err);
}

template <typename T>
void forward_batched(const Geom& g, const T* x, const std::vector<PackedA<T>>& wp, const T* b, T* y) {
  const ConvParams& p = g.p;
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (p.N == 1 && g.OL <= kGatherMaxCols && nt > 1 && double(p.OC) * double(g.OL) * double(g.Kg) >= double(1 << 18)) {
    // (only when every thread's rows outnumber the columns: the GEMM then takes the skinny kernel, as
    // the threaded product of all rows does, and each value is the same whatever the threads)
    const int mr = wp[0].mr();
    const int64_t panels = (g.OCg + mr - 1) / mr;
    bool skinny = true;
    for (int t = 0; t < nt; ++t)
      skinny = skinny && std::min(g.OCg, panels * (t + 1) / nt * mr) - panels * t / nt * mr > g.OL;
    if (skinny) return forward_gathered_one(g, x, wp, b, y, nt);
  }
  const Chunks ch = batch_chunks(g, p.N);
  for_each_image(
      ch.count, ch.threads,
      [&](int64_t ci, int, bool par) {
        const int64_t n0 = ci * ch.per, nb = std::min(ch.per, p.N - n0), cols = nb * g.OL;
        const bool gather = cols <= kGatherMaxCols;
        std::vector<int64_t> base(gather ? cols : 0), delta(gather ? g.Kg : 0);
        PaddedInput<T> in{};
        if (gather) {
          in = pad_images(g, x + n0 * p.C * g.L, nb, delta.data());
          int64_t j = 0;  // column j = (image, output position)
          for (int64_t i = 0; i < nb; ++i)
            for (int64_t od = 0; od < p.out[0]; ++od)
              for (int64_t oh = 0; oh < p.out[1]; ++oh)
                for (int64_t ow = 0; ow < p.out[2]; ++ow)
                  base[j++] = i * in.istride + window_offset(p, in.ext, od, oh, ow);
        }
        for (int64_t gi = 0; gi < g.G; ++gi) {
          T* out = scratch<T>(kOutSlot, g.OCg * cols);
          if (gather) {
            const Gathered<T> op(in.xp + gi * g.Cg * in.vol, base.data(), delta.data());
            gemm_ex<T>(g.OCg, cols, g.Kg, T(1), wp[gi], op, T(0), out, cols, par);
          } else {
            T* col = scratch<T>(kInSlot, g.Kg * cols);
            im2col_batch(x + (n0 * p.C + gi * g.Cg) * g.L, p.C * g.L, nb, g, col, cols);
            gemm_ex<T>(g.OCg, cols, g.Kg, T(1), wp[gi], StridedOperand<T>(col, 1, cols), T(0), out, cols, par);
          }
          gather_rows<T, true>(out, y + (n0 * p.OC + gi * g.OCg) * g.OL, p.OC * g.OL, nb, g.OCg, g.OL,
                               b ? b + gi * g.OCg : nullptr);
        }
        if (p.relu) relu_inplace(y + n0 * p.OC * g.OL, nb * p.OC * g.OL);
      },
      kStealing);
}

template <typename T>
void backward_input_batched(const Geom& g, const T* dy, const T* w, T* dx) {
  const ConvParams& p = g.p;
  const Chunks ch = batch_chunks(g, p.N);
  for_each_image(
      ch.count, ch.threads,
      [&](int64_t ci, int, bool par) {
        const int64_t n0 = ci * ch.per, nb = std::min(ch.per, p.N - n0), cols = nb * g.OL;
        for (int64_t gi = 0; gi < g.G; ++gi) {
          T* dyc = scratch<T>(kImageSlot, g.OCg * cols);
          gather_rows(dyc, dy + (n0 * p.OC + gi * g.OCg) * g.OL, p.OC * g.OL, nb, g.OCg, g.OL);
          T* dcol = scratch<T>(kOutSlot, g.Kg * cols);
          gemm<T>(true, false, g.Kg, cols, g.OCg, T(1), w + gi * g.OCg * g.Kg, g.Kg, dyc, cols, T(0), dcol, cols, par);
          for (int64_t i = 0; i < nb; ++i)
            col2im_image(dcol + i * g.OL, cols, g, dx + ((n0 + i) * p.C + gi * g.Cg) * g.L);
        }
      },
      kStealing);
}

// dw (per-thread accumulators acc[t], [OC, Kg]) and db (dbacc[t], [OC], may be null) of the batch.
template <typename T>
void backward_weight_batched(const Geom& g, const Chunks& ch, const T* dy, const T* x, T* acc, double* dbacc) {
  const ConvParams& p = g.p;
  const int64_t wsize = p.OC * g.Kg;
  for_each_image(ch.count, ch.threads, [&](int64_t ci, int t, bool par) {
    const int64_t n0 = ci * ch.per, nb = std::min(ch.per, p.N - n0), cols = nb * g.OL;
    for (int64_t gi = 0; gi < g.G; ++gi) {
      T* dyc = scratch<T>(kImageSlot, g.OCg * cols);
      gather_rows(dyc, dy + (n0 * p.OC + gi * g.OCg) * g.OL, p.OC * g.OL, nb, g.OCg, g.OL);
      if (dbacc) add_row_sums(dyc, g.OCg, cols, dbacc + t * p.OC + gi * g.OCg);
      T* col = scratch<T>(kInSlot, g.Kg * cols);
      im2col_batch(x + (n0 * p.C + gi * g.Cg) * g.L, p.C * g.L, nb, g, col, cols);
      gemm<T>(false, true, g.OCg, g.Kg, cols, T(1), dyc, cols, col, cols, T(1), acc + t * wsize + gi * g.OCg * g.Kg,
              g.Kg, par);
    }
  });
}

// Output volumes below this take the batched path (measured on ResNet-18's shapes: per-image GEMMs win
// from 8x8 maps up, the batched ones below).
constexpr int64_t kBatchedMaxOL = 64;
// ---- direct (Direct): the forward pass without im2col -----------------------------------------------
// The GEMM turned round (gemm.h: DirectConv): each tile is `pixels` output pixels (of any images) by
// oc_w output channels, its broadcast operand read straight from the zero-padded input at base[pixel]
// + delta[k] for reduction index k = (c, kd, kh, kw), its weights a panel [Kg][oc_w] packed once.
// No im2col matrix is written and no B panel packed, which is most of the work for small maps.

// ---- row tiles: Direct for short reductions ----------------------------------------------------------
// A conv whose reduction is short (few input channels: a network's stem, 3 x 7 x 7) spends about as long
// storing direct_conv_kernel's [pixel][channel] tiles into NCHW, a value at a time, as computing them
// (a fifth of GoogLeNet's 7x7 stride-2 stem at batch 64 went to those stores). Row tiles (gemm.h:
// RowConv) put the pixels of an output row in the vector lanes instead: the input is copied with each
// row split into its stride phases (xq[n][c][ih][phase][j] = xpad[n][c][ih][j * sw + phase]), so that a
// row's pixels read contiguous runs at every tap, and the outputs go to y's rows as whole vectors.
// Each output value is one sum over the reduction in index order, as in the direct tiles: results do
// not depend on the threads. One group, 2-D, no dilation, rows at least one vector wide that use at
// least 3/4 of their vectors' lanes (a 20-pixel row would leave 12 of 32 idle).
constexpr int64_t kRowMaxK = 256;
template <typename T>
bool row_conv_fits(const Geom& g) {
  const ConvParams& p = g.p;
  const int64_t L = row_conv_kernel<T>().lanes, OW = p.out[2];
  return g.G == 1 && p.in[0] == 1 && p.kernel[0] == 1 && p.out[0] == 1 && p.dilation == Dims3{1, 1, 1} &&
         g.Kg <= kRowMaxK && p.stride[2] <= 4 && OW >= L && 4 * OW >= 3 * ((OW + L - 1) / L * L);
}

// The weights as direct_conv_kernel's tiles take them: per group, per panel of oc_w output channels,
// [Kg][oc_w] (channels past OCg zero); with row tiles, per block of their oc_w channels [Kg][oc_w].
template <typename T>
int64_t direct_weight_size(const Geom& g) {
  const int64_t W = row_conv_fits<T>(g) ? row_conv_kernel<T>().oc_w : direct_conv_kernel<T>(g.OCg).oc_w;
  return g.G * ((g.OCg + W - 1) / W) * g.Kg * W;
}
template <typename T>
void direct_pack(const Geom& g, const T* w, T* out) {
  if (row_conv_fits<T>(g)) {  // [block][k][o]: a plain transpose (the weights are few)
    const int64_t MO = row_conv_kernel<T>().oc_w, blocks = (g.OCg + MO - 1) / MO;
    for (int64_t ob = 0; ob < blocks; ++ob)
      for (int64_t k = 0; k < g.Kg; ++k)
        for (int64_t o = 0; o < MO; ++o) {
          const int64_t oc = ob * MO + o;
          out[(ob * g.Kg + k) * MO + o] = oc < g.OCg ? w[oc * g.Kg + k] : T(0);
        }
    return;
  }
  const int64_t W = direct_conv_kernel<T>(g.OCg).oc_w, panels = (g.OCg + W - 1) / W, n = g.G * panels;
  // each panel: its W weight rows transposed (pack_rows: in-register transposes where W is the GEMM's
  // NR), zeros past the last output channel
  TL_PAR_FOR(
      n * W * g.Kg > (int64_t(1) << 16), for (int64_t q = 0; q < n; ++q) {
        const int64_t gi = q / panels, pb = q % panels, m = std::min(W, g.OCg - pb * W);
        const T* rows[64];
        for (int64_t j = 0; j < m; ++j) rows[j] = w + (gi * g.OCg + pb * W + j) * g.Kg;
        pack_rows(out + q * g.Kg * W, static_cast<int>(W), rows, m, g.Kg);
      });
}

// Border classes: on small maps many output pixels have windows that partly lie in the padding (on a
// 2x2 map with padding 1, every pixel of a 3x3 conv meets only 4 of the 9 taps; on 4x4, 6.25 on
// average), and the taps that read padding only add zeros. The output positions are grouped by the box
// of taps that meet the input (the same for every image and channel), and the tiles of a group with
// enough pixels run only its taps (the tile's `wk` rows); the positions of smaller groups go together
// into one group that runs every tap. Used when that does at least 10% fewer tile steps.
struct DirectGroup {
  std::vector<int64_t> pos;    // output positions (od * OH + oh) * OW + ow, in increasing order (empty: all)
  std::vector<int64_t> off;    // each one's padded offset of its window's first read
  std::vector<int64_t> delta;  // its reduction indices' offsets (empty: every index, the shared delta)
  std::vector<int64_t> rows;   // and those indices (weight rows)
};
struct DirectTile {
  int32_t group;
  int64_t p0, n;  // pixels [p0, p0 + n) of the group: pixel q is image q / P, its P-th position q % P
};

// The groups and tiles of forward_direct for a geometry (ext: the padded input's extent, vol its
// size, delta the offsets of every reduction index, R the tile's pixels).
void direct_groups(const Geom& g, const Dims3& ext, int64_t R, const std::vector<int64_t>& delta,
                   std::vector<DirectGroup>& groups, std::vector<DirectTile>& tiles) {
  const ConvParams& p = g.p;
  // per dim: each output coordinate's live tap range [lo, hi), and a class id per distinct range
  std::vector<int64_t> lo[3], hi[3], cls[3];
  int64_t ncls[3];
  bool padded = false;
  for (int i = 0; i < 3; ++i) {
    padded = padded || p.pad[i] > 0;
    std::vector<std::pair<int64_t, int64_t>> seen;
    for (int64_t o = 0; o < p.out[i]; ++o) {
      int64_t a = 0, b = p.kernel[i];
      while (a < b && o * p.stride[i] + a * p.dilation[i] - p.pad[i] < 0) ++a;
      while (b > a && o * p.stride[i] + (b - 1) * p.dilation[i] - p.pad[i] > p.in[i] - 1) --b;
      const auto it = std::find(seen.begin(), seen.end(), std::make_pair(a, b));
      cls[i].push_back(it - seen.begin());
      if (it == seen.end()) seen.emplace_back(a, b), lo[i].push_back(a), hi[i].push_back(b);
    }
    ncls[i] = static_cast<int64_t>(seen.size());
  }
  const int64_t N = p.N, full_cost = (N * g.OL + R - 1) / R * g.Kg;
  groups.clear();
  tiles.clear();
  auto tile_group = [&](int32_t gi) {
    const int64_t n = N * (groups[gi].pos.empty() ? g.OL : static_cast<int64_t>(groups[gi].pos.size()));
    for (int64_t q = 0; q < n; q += R) tiles.push_back({gi, q, std::min(R, n - q)});
  };
  if (padded) {
    const int64_t nc = ncls[0] * ncls[1] * ncls[2];
    std::vector<DirectGroup> by(static_cast<size_t>(nc));
    for (int64_t od = 0; od < p.out[0]; ++od)
      for (int64_t oh = 0; oh < p.out[1]; ++oh)
        for (int64_t ow = 0; ow < p.out[2]; ++ow) {
          DirectGroup& d = by[(cls[0][od] * ncls[1] + cls[1][oh]) * ncls[2] + cls[2][ow]];
          d.pos.push_back((od * p.out[1] + oh) * p.out[2] + ow);
          d.off.push_back(window_offset(p, ext, od, oh, ow));
        }
    DirectGroup rest;
    int64_t cost = 0;
    for (int64_t c = 0; c < nc; ++c) {
      DirectGroup& d = by[c];
      if (d.pos.empty()) continue;
      const int64_t c2 = c % ncls[2], c1 = (c / ncls[2]) % ncls[1], c0 = c / (ncls[2] * ncls[1]);
      const int64_t taps = (hi[0][c0] - lo[0][c0]) * (hi[1][c1] - lo[1][c1]) * (hi[2][c2] - lo[2][c2]);
      if (N * static_cast<int64_t>(d.pos.size()) < R || taps == g.KK) {  // too few pixels, or nothing to skip
        rest.pos.insert(rest.pos.end(), d.pos.begin(), d.pos.end());
        rest.off.insert(rest.off.end(), d.off.begin(), d.off.end());
        continue;
      }
      for (int64_t ch = 0; ch < g.Cg; ++ch)
        for (int64_t kd = lo[0][c0]; kd < hi[0][c0]; ++kd)
          for (int64_t kh = lo[1][c1]; kh < hi[1][c1]; ++kh)
            for (int64_t kw = lo[2][c2]; kw < hi[2][c2]; ++kw) {
              const int64_t k = ch * g.KK + (kd * p.kernel[1] + kh) * p.kernel[2] + kw;
              d.rows.push_back(k);
              d.delta.push_back(delta[k]);
            }
      cost += (N * static_cast<int64_t>(d.pos.size()) + R - 1) / R * static_cast<int64_t>(d.rows.size());
      groups.push_back(std::move(d));
    }
    cost += (N * static_cast<int64_t>(rest.pos.size()) + R - 1) / R * g.Kg;
    if (!groups.empty() && 10 * cost <= 9 * full_cost) {
      if (!rest.pos.empty()) groups.push_back(std::move(rest));
      for (size_t i = 0; i < groups.size(); ++i) tile_group(static_cast<int32_t>(i));
      return;
    }
    groups.clear();
  }
  // one group: every position (in order, not listed), every tap
  groups.emplace_back();
  tile_group(0);
}

// forward_direct's reduction offsets, groups and tiles for one geometry, kept per thread for the last
// few geometries (a model's forward meets the same few every call; building them allocated a dozen
// vectors per call).
struct DirectLayout {
  std::vector<int64_t> key, delta;
  std::vector<DirectGroup> groups;
  std::vector<DirectTile> tiles;
};
const DirectLayout& direct_layout(const Geom& g, const PaddedInput<char>& in, int64_t R, const int64_t* delta) {
  const ConvParams& p = g.p;
  std::vector<int64_t> key{p.N, p.C, p.OC, p.groups, in.vol, in.istride, R};
  for (int i = 0; i < 3; ++i)
    for (const int64_t v : {p.in[i], p.kernel[i], p.out[i], p.stride[i], p.pad[i], p.dilation[i], in.ext[i]})
      key.push_back(v);
  thread_local std::vector<std::unique_ptr<DirectLayout>> cache;
  for (const auto& c : cache)
    if (c->key == key) return *c;
  if (cache.size() >= 16) cache.clear();
  cache.emplace_back(new DirectLayout);
  DirectLayout& d = *cache.back();
  d.key = std::move(key);
  d.delta.assign(delta, delta + g.Kg);
  direct_groups(g, in.ext, R, d.delta, d.groups, d.tiles);
  return d;
}

// forward_direct with row tiles (row_conv_fits): wd from direct_pack.
template <typename T>
void forward_rows(const Geom& g, const T* x, const T* wd, const T* b, T* y) {
  const ConvParams& p = g.p;
  const RowConv<T> rc = row_conv_kernel<T>();
  const int64_t MO = rc.oc_w, L = rc.lanes, TW = rc.max_nv * L;  // channels and pixels per tile
  const int64_t sh = p.stride[1], sw = p.stride[2], kh = p.kernel[1], kw = p.kernel[2];
  const int64_t H = p.in[1], W = p.in[2], OH = p.out[1], OW = p.out[2], C = p.C;
  const int64_t Hp = (OH - 1) * sh + kh, Wq = (OW + L - 1) / L * L + (kw - 1) / sw, plane = Hp * sw * Wq;
  const int64_t xs = C * plane;
  T* xq = scratch<T>(kPadSlot, p.N * xs);
  TL_PAR_FOR(
      p.N * xs > (int64_t(1) << 15), for (int64_t nc = 0; nc < p.N * C; ++nc) {
        const T* src = x + nc * g.L;
        T* dst = xq + nc * plane;
        for (int64_t ih = 0; ih < Hp; ++ih) {
          const int64_t r = ih - p.pad[1];
          for (int64_t ph = 0; ph < sw; ++ph) {
            T* d = dst + (ih * sw + ph) * Wq;
            if (r < 0 || r >= H) {
              std::fill(d, d + Wq, T(0));
              continue;
            }
            const T* row = src + r * W;
            for (int64_t j = 0; j < Wq; ++j) {
              const int64_t c = j * sw + ph - p.pad[2];
              d[j] = c >= 0 && c < W ? row[c] : T(0);
            }
          }
        }
      });
  thread_local std::vector<int64_t> off;
  off.resize(static_cast<size_t>(g.Kg));
  for (int64_t c = 0, k = 0; c < C; ++c)
    for (int64_t a = 0; a < kh; ++a)
      for (int64_t e = 0; e < kw; ++e) off[k++] = ((c * Hp + a) * sw + e % sw) * Wq + e / sw;
  const int64_t blocks = (p.OC + MO - 1) / MO, cols = (OW + TW - 1) / TW;
  // the bias padded to whole blocks (the tiles read MO values)
  thread_local std::vector<T> bias;
  if (b) {
    bias.assign(static_cast<size_t>(blocks * MO), T(0));
    std::copy(b, b + p.OC, bias.begin());
  }
  // (thread_local names resolve per thread: the tiles on the other threads get these pointers)
  const int64_t* const offs = off.data();
  const T* const bpad = b ? bias.data() : nullptr;
  const int64_t items = p.N * blocks * OH * cols;
  auto run = [&](int64_t it) {
    const int64_t ct = it % cols, oh = (it / cols) % OH, ob = (it / (cols * OH)) % blocks,
                  n = it / (cols * OH * blocks);
    const int64_t ow0 = ct * TW, np = std::min(TW, OW - ow0), oc0 = ob * MO, noc = std::min(MO, p.OC - oc0);
    const T* xt = xq + n * xs + oh * sh * sw * Wq + ow0;
    const T* bt = bpad ? bpad + oc0 : nullptr;
    T* yt = y + (n * p.OC + oc0) * g.OL + oh * OW + ow0;
    if (noc == MO) {
      rc.tile(g.Kg, wd + ob * g.Kg * MO, xt, offs, np, bt, p.relu, yt, g.OL);
      return;
    }
    alignas(64) T tmp[16 * 64];  // the last block's channels past OC land here
    rc.tile(g.Kg, wd + ob * g.Kg * MO, xt, offs, np, bt, p.relu, tmp, TW);
    for (int64_t o = 0; o < noc; ++o) std::copy(tmp + o * TW, tmp + o * TW + np, yt + o * g.OL);
  };
  const bool par = !omp_in_parallel() && omp_get_max_threads() > 1 && items > 1 &&
                   double(p.N * g.OL) * double(p.OC) * double(g.Kg) >= double(1 << 20);
  if (!par) {
    for (int64_t it = 0; it < items; ++it) run(it);
    return;
  }
  const int nt = omp_get_max_threads();
  const int64_t chunk = std::max<int64_t>(1, items / (nt * 16)), runs = (items + chunk - 1) / chunk;
  stealing_for(runs, nt, [&](int64_t c, int) {
    for (int64_t it = c * chunk, end = std::min(items, it + chunk); it < end; ++it) run(it);
  });
}

template <typename T>
void forward_direct(const Geom& g, const T* x, const T* wd, const T* b, T* y) {
  if (row_conv_fits<T>(g)) return forward_rows(g, x, wd, b, y);
  const ConvParams& p = g.p;
  const DirectConv<T> dc = direct_conv_kernel<T>(g.OCg);
  const int64_t R = dc.pixels, W = dc.oc_w;
  thread_local std::vector<int64_t> delta_buf;
  if (delta_buf.size() < static_cast<size_t>(g.Kg)) delta_buf.resize(static_cast<size_t>(g.Kg));
  PaddedInput<T> in = pad_images(g, x, p.N, delta_buf.data(), false, false);
  const int64_t vol = in.vol, istride = in.istride;
  const Dims3 ext = in.ext;
  const DirectLayout& lay = direct_layout(g, PaddedInput<char>{nullptr, vol, istride, ext}, R, delta_buf.data());
  const std::vector<int64_t>& delta = lay.delta;
  const std::vector<DirectGroup>& groups = lay.groups;
  const std::vector<DirectTile>& tl = lay.tiles;
  const int64_t tiles = static_cast<int64_t>(tl.size()), panels = (g.OCg + W - 1) / W;
  const int64_t items = g.G * panels * tiles;
  const bool par = !omp_in_parallel() && omp_get_max_threads() > 1 && items > 1 &&
                   double(p.N * g.OL) * double(p.OC) * double(g.Kg) >= double(1 << 20);
  // A small padded input is copied by every thread into its own buffer, as its first item starts:
  // rewriting a buffer that another core has read costs a cache-line transfer per line (on the 2-core
  // VM of bench/results/coherence-session30-2026-12-01.txt, bench/coherence.c: 9.3 us to rewrite 25 KB
  // that the other core had read, 0.24 us otherwise), and the padded copy of a batch-1 layer is
  // rewritten on every call. Larger inputs (a batch) are padded once, by the threads together, and shared.
  constexpr int kMaxThreads = 64;
  const bool own_copies =
      in.xp == nullptr && par && p.N * istride <= (int64_t(1) << 16) && omp_get_max_threads() <= kMaxThreads;
  if (in.xp == nullptr && !own_copies) pad_copy(g, x, p.N, in);
  // Threaded, with more input than weights, the items go to the threads by images: slab s (s < nt)
  // holds the tiles whose first pixel is in images [N s / nt, N (s + 1) / nt), and the items run slab
  // by slab (group, panel, then the slab's tiles within each), so stealing_for's contiguous blocks give
  // each thread the images that pad_copy (and the op before, splitting the batch the same way) wrote
  // on its core, and each thread reads half the input instead of all of it; the weights (fewer bytes)
  // are then read whole by both. Otherwise each thread takes whole panels (a share of the weights) for
  // every image. tv_resnet18's 128 -> 128 3x3 conv on 4x4 maps at batch 64 (input 1.2 MB padded,
  // weights 0.6 MB): 1.28 -> 1.24 ms, and 1.83 -> 1.53 ms in one of this VM's slow phases (scratch,
  // alternating builds); its 256 -> 256 conv on 2x2 maps (weights 2.4 MB) did not gain by images.
  const bool by_images =
      par && p.N > 1 && double(p.N) * double(istride) > double(g.G) * double(panels) * double(g.Kg) * double(W);
  const int nslab = by_images ? std::min<int>(omp_get_max_threads(), kMaxThreads) : 1;
  thread_local std::vector<int32_t> order;
  int64_t slab_lo[kMaxThreads + 1];
  order.resize(static_cast<size_t>(tiles));
  {
    int64_t count[kMaxThreads] = {};
    const auto slab_of = [&](int64_t t) {
      const DirectGroup& grp = groups[tl[t].group];
      const int64_t P = grp.pos.empty() ? g.OL : static_cast<int64_t>(grp.pos.size());
      return static_cast<int>(std::min<int64_t>(nslab - 1, tl[t].p0 / P * nslab / p.N));
    };
    for (int64_t t = 0; t < tiles; ++t) ++count[slab_of(t)];
    slab_lo[0] = 0;
    for (int s = 0; s < nslab; ++s) slab_lo[s + 1] = slab_lo[s] + count[s];
    int64_t at[kMaxThreads];
    for (int s = 0; s < nslab; ++s) at[s] = slab_lo[s];
    for (int64_t t = 0; t < tiles; ++t) order[at[slab_of(t)]++] = static_cast<int32_t>(t);
  }
  const int32_t* const ord = order.data();  // (the calling thread's: the other threads read it by pointer)
  std::array<const T*, kMaxThreads> xps{};
  auto run = [&](int64_t item, int tid) {
    const T* xp = in.xp;
    if (own_copies) {
      if (!xps[tid]) {
        PaddedInput<T> mine = in;
        pad_copy(g, x, p.N, mine);
        xps[tid] = mine.xp;
      }
      xp = xps[tid];
    }
    // tiles innermost: consecutive items (one thread's block) read the same weight panel, which stays
    // in L2 while the tiles stream the input (with panels innermost, every tile read all the panels:
    // 2.4 MB for 256 -> 256 channels, from L3)
    int sl = 0;
    while (sl + 1 < nslab && item >= g.G * panels * slab_lo[sl + 1]) ++sl;
    const int64_t len = slab_lo[sl + 1] - slab_lo[sl], it = item - g.G * panels * slab_lo[sl];
    const int64_t t = ord[slab_lo[sl] + it % len], pb = (it / len) % panels, gi = it / (len * panels);
    int64_t base[32], yoff[32];
    alignas(64) T tile[32 * 32];
    const DirectTile& tt = tl[t];
    const DirectGroup& grp = groups[tt.group];
    const bool listed = !grp.pos.empty();
    const int64_t P = listed ? static_cast<int64_t>(grp.pos.size()) : g.OL, nr = tt.n;
    // the tile's pixels: image q / P, position q % P (the first by division, the others by stepping;
    // the group of every position steps through (od, oh, ow) instead of a list)
    int64_t n = tt.p0 / P, j = tt.p0 % P, od = j / (p.out[1] * p.out[2]), oh = (j / p.out[2]) % p.out[1],
            ow = j % p.out[2];
    for (int64_t r = 0; r < nr; ++r) {
      base[r] = n * istride + (listed ? grp.off[j] : window_offset(p, ext, od, oh, ow));
      yoff[r] = n * p.OC * g.OL + (listed ? grp.pos[j] : j);
      if (++j == P) j = 0, ++n;
      if (listed || ++ow < p.out[2]) continue;
      ow = 0;
      if (++oh < p.out[1]) continue;
      oh = 0;
      if (++od == p.out[0]) od = 0;
    }
    for (int64_t r = nr; r < R; ++r) base[r] = base[nr - 1];  // past the last pixel: repeat it (dropped)
    const bool some = !grp.rows.empty();
    dc.tile(some ? static_cast<int64_t>(grp.rows.size()) : g.Kg, wd + (gi * panels + pb) * g.Kg * W,
            xp + gi * g.Cg * vol, base, some ? grp.delta.data() : delta.data(), some ? grp.rows.data() : nullptr, tile);
    const int64_t oc0 = pb * W, noc = std::min(W, g.OCg - oc0);
    // bias and relu on the tile first (contiguous rows: vectorised, no branch per value), then the
    // stores channel by channel, so that they run along y's rows (pixel by pixel, a store every OL
    // elements, all in one cache set when OL is a multiple of 1024)
    const T* bb = b ? b + gi * g.OCg + oc0 : nullptr;
    for (int64_t r = 0; r < nr; ++r) {
      T* __restrict row = tile + r * W;
      if (bb)
        for (int64_t q = 0; q < W; ++q) row[q] += q < noc ? bb[q] : T(0);
      if (p.relu)
        for (int64_t q = 0; q < W; ++q) row[q] = row[q] <= T(0) ? T(0) : row[q];  // NaN kept, as relu does
    }
    for (int64_t q = 0; q < noc; ++q) {
      T* yq = y + (gi * g.OCg + oc0 + q) * g.OL;
      for (int64_t r = 0; r < nr; ++r) yq[yoff[r]] = tile[r * W + q];
    }
  };
  if (!par) {
    for (int64_t it = 0; it < items; ++it) run(it, 0);
    return;
  }
  // stealing_for over runs of a few items: the items write disjoint outputs, and a thread that loses
  // its core for a while leaves its items to the others instead of stalling them
  const int nt = omp_get_max_threads();
  const int64_t chunk = std::max<int64_t>(1, items / (nt * 16)), runs = (items + chunk - 1) / chunk;
  stealing_for(runs, nt, [&](int64_t c, int tid) {
    for (int64_t it = c * chunk, end = std::min(items, it + chunk); it < end; ++it) run(it, tid);
  });
}

// The input gradient's kernel: w'[gi][c][(o, k)] = w[gi][o][c][KK - 1 - k] (flipped in every dim, the
// channel axes swapped), in a scratch buffer of the calling thread; both input-gradient convs
// (Shifted's GEMM and Direct) read it.
template <typename T>
const T* flipped_weights(const Geom& g, const T* w) {
  T* wt = scratch<T>(kWinoSlot, g.G * g.Cg * g.OCg * g.KK);
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t c = 0; c < g.Cg; ++c)
      for (int64_t o = 0; o < g.OCg; ++o)
        for (int64_t kk = 0; kk < g.KK; ++kk)
          wt[((gi * g.Cg + c) * g.OCg + o) * g.KK + kk] = w[((gi * g.OCg + o) * g.Cg + c) * g.KK + (g.KK - 1 - kk)];
  return wt;
}

// dx = the forward conv of dy with the kernel flipped in every dim and its channel axes swapped, padded
// by (K-1)*d - p (stride 1 only, and only where that padding is >= 0): Direct on that conv.
template <typename T>
void backward_input_direct(const Geom& g, const T* dy, const T* w, T* dx) {
  const ConvParams& p = g.p;
  ConvParams q = p;
  q.C = p.OC;
  q.OC = p.C;
  q.in = p.out;
  q.out = p.in;
  q.relu = q.packed = false;
  for (int i = 0; i < 3; ++i) q.pad[i] = (p.kernel[i] - 1) * p.dilation[i] - p.pad[i];
  const Geom t(q);
  const T* wt = flipped_weights(g, w);
  T* wd = scratch<T>(kPackSlot, direct_weight_size<T>(t));
  direct_pack(t, wt, wd);
  forward_direct(t, dy, wd, static_cast<const T*>(nullptr), dx);
}

int64_t batched_max_ol() { return kBatchedMaxOL; }

// ---- direct weight gradient -------------------------------------------------------------------------
// dw[oc][k] = sum over output pixels j (image, position) of dy[j][oc] * xpad[delta[k] + off[j]]: the
// direct tile (DirectConv) with its roles turned round. Its `pixels` are R reduction indices k (base =
// their offsets delta[k]); its reduction runs over output pixels (delta = the pixels' window offsets
// off[j]); its weights are dy transposed into panels [pixel][oc_w] (dyP). No im2col matrix is written
// and no GEMM operand packed. A pixel whose window meets only padding at tap k adds zero to dw[.][k]:
// per dim, tap t reaches the input from a range of output coordinates, so the pixels that matter to a
// tap form a box; the reduction indices are ordered by their tap's box, and each tile runs only the
// pixels of the box that bounds its indices' boxes (a listed subset of dyP's rows). Every dw value is
// one tile's sum over its pixels in a fixed order: the result does not depend on the threads.
struct BoxList {
  Dims3 lo, hi;   // output coordinates [lo, hi) per dim
  int64_t at, n;  // its pixels: rows/offs [at, at + n) of the lists (rows unused for the full box)
  bool full;
};
template <typename T>
void backward_weight_direct(const Geom& g, const T* dy, const T* x, T* dw, T* db) {
  const ConvParams& p = g.p;
  const DirectConv<T> dc = direct_conv_kernel<T>(g.OCg);
  const int64_t R = dc.pixels, W = dc.oc_w, panels = (g.OCg + W - 1) / W, NP = p.N * g.OL;
  std::vector<int64_t> delta(static_cast<size_t>(g.Kg));
  const PaddedInput<T> in = pad_images(g, x, p.N, delta.data(), true);
  // per dim: tap t's live output range (o * s + t * d - pad within [0, in))
  std::vector<int64_t> tlo[3], thi[3];
  for (int i = 0; i < 3; ++i)
    for (int64_t t = 0; t < p.kernel[i]; ++t) {
      const int64_t a = t * p.dilation[i] - p.pad[i], s = p.stride[i];
      const int64_t lo = a >= 0 ? 0 : (-a + s - 1) / s;
      const int64_t hi = p.in[i] - 1 - a < 0 ? 0 : std::min(p.out[i], (p.in[i] - 1 - a) / s + 1);
      tlo[i].push_back(std::min(lo, p.out[i]));
      thi[i].push_back(std::max(hi, std::min(lo, p.out[i])));
    }
  // taps ordered by their box (lexicographically by (lo, hi) per dim), then the reduction indices as
  // (box order, channel, tap): a tile's R indices mostly share one box
  std::vector<int64_t> taps(static_cast<size_t>(g.KK));
  const auto tap_box = [&](int64_t tap) {
    const int64_t kw = tap % p.kernel[2], kh = (tap / p.kernel[2]) % p.kernel[1],
                  kd = tap / (p.kernel[2] * p.kernel[1]);
    return std::array<int64_t, 6>{tlo[0][kd], thi[0][kd], tlo[1][kh], thi[1][kh], tlo[2][kw], thi[2][kw]};
  };
  for (int64_t t = 0; t < g.KK; ++t) taps[t] = t;
  std::stable_sort(taps.begin(), taps.end(), [&](int64_t a, int64_t b) { return tap_box(a) < tap_box(b); });
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(g.Kg));
  for (int64_t t0 = 0; t0 < g.KK;) {
    int64_t t1 = t0 + 1;
    while (t1 < g.KK && tap_box(taps[t1]) == tap_box(taps[t0])) ++t1;
    for (int64_t c = 0; c < g.Cg; ++c)
      for (int64_t t = t0; t < t1; ++t) order.push_back(c * g.KK + taps[t]);
    t0 = t1;
  }
  // tiles of R consecutive indices, each with the bounding box of its indices' boxes; one pixel list
  // per distinct box
  const int64_t tiles = (g.Kg + R - 1) / R;
  std::vector<int32_t> tile_box(static_cast<size_t>(tiles));
  std::vector<BoxList> boxes;
  int64_t listed = 0;
  for (int64_t ti = 0; ti < tiles; ++ti) {
    BoxList b{{0, 0, 0}, {0, 0, 0}, 0, 0, true};
    for (int i = 0; i < 3; ++i) b.lo[i] = p.out[i], b.hi[i] = 0;
    for (int64_t r = ti * R; r < std::min(g.Kg, (ti + 1) * R); ++r) {
      const auto bx = tap_box(order[r] % g.KK);
      for (int i = 0; i < 3; ++i)
        if (bx[2 * i] < bx[2 * i + 1])
          b.lo[i] = std::min(b.lo[i], bx[2 * i]), b.hi[i] = std::max(b.hi[i], bx[2 * i + 1]);
    }
    int64_t vol = 1;
    for (int i = 0; i < 3; ++i) {
      if (b.hi[i] <= b.lo[i]) b.lo[i] = b.hi[i] = 0;
      vol *= b.hi[i] - b.lo[i];
      b.full = b.full && b.lo[i] == 0 && b.hi[i] == p.out[i];
    }
    b.n = p.N * vol;
    size_t k = 0;
    while (k < boxes.size() && !(boxes[k].lo == b.lo && boxes[k].hi == b.hi)) ++k;
    if (k == boxes.size()) {
      b.at = listed;
      listed += b.n;
      boxes.push_back(b);
    }
    tile_box[ti] = static_cast<int32_t>(k);
  }
  thread_local std::vector<int64_t> lists;  // grow-only, like scratch(): rows, then offs
  if (lists.size() < static_cast<size_t>(2 * listed)) {
    std::vector<int64_t>().swap(lists);
    lists.resize(static_cast<size_t>(2 * listed));
  }
  int64_t* rows = lists.data();
  int64_t* offs = rows + listed;
  for (const BoxList& b : boxes) {
    int64_t j = b.at;
    for (int64_t n = 0; n < p.N; ++n)
      for (int64_t od = b.lo[0]; od < b.hi[0]; ++od)
        for (int64_t oh = b.lo[1]; oh < b.hi[1]; ++oh)
          for (int64_t ow = b.lo[2]; ow < b.hi[2]; ++ow, ++j) {
            rows[j] = n * g.OL + (od * p.out[1] + oh) * p.out[2] + ow;
            offs[j] = n * in.istride + window_offset(p, in.ext, od, oh, ow);
          }
  }
  // dyP[gi][pb]: [NP][W], the panel's output channels of every pixel (zeros past OCg)
  T* dyp = scratch<T>(kOutSlot, g.G * panels * NP * W);
  TL_PAR_FOR(
      g.G * panels * NP * W > (int64_t(1) << 15), for (int64_t q = 0; q < g.G * panels * p.N; ++q) {
        const int64_t n = q % p.N, pb = (q / p.N) % panels, gi = q / (p.N * panels);
        const int64_t oc0 = pb * W, m = std::min(W, g.OCg - oc0);
        const T* src = dy + (n * p.OC + gi * g.OCg + oc0) * g.OL;
        T* dst = dyp + ((gi * panels + pb) * NP + n * g.OL) * W;
        for (int64_t j = 0; j < g.OL; ++j) {
          T* d = dst + j * W;
          for (int64_t o = 0; o < m; ++o) d[o] = src[o * g.OL + j];
          for (int64_t o = m; o < W; ++o) d[o] = T(0);
        }
      });
  if (db)
    TL_PAR_FOR(
        p.OC * NP > (int64_t(1) << 15), for (int64_t o = 0; o < p.OC; ++o) {
          double s = 0;
          for (int64_t n = 0; n < p.N; ++n) {
            const T* r = dy + (n * p.OC + o) * g.OL;
            for (int64_t j = 0; j < g.OL; ++j) s += r[j];
          }
          db[o] = static_cast<T>(s);
        });
  // Work items: (group, panel, block of TB tiles), each the only writer of its dw values. Within an item
  // the batch runs in chunks of images (about kChunkPixels pixels: the chunk's dyP rows stay in L2 while
  // every tile of the block reads them), each tile's chunk sums added to its accumulator.
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  constexpr int64_t kMaxBlock = 16, kTileMax = 512;  // tiles per item; a tile's R x W values (at most 14 x 32)
  if (R * W > kTileMax) throw Error(ErrorCode::Internal, "conv: direct weight-gradient tile too large");
  const int64_t TB = std::max<int64_t>(1, std::min<int64_t>(kMaxBlock, tiles / (4 * nt)));
  const int64_t blocks = (tiles + TB - 1) / TB, items = g.G * panels * blocks;
  constexpr int64_t kChunkPixels = 1024;
  const int64_t per = std::max<int64_t>(1, kChunkPixels / std::max<int64_t>(1, g.OL)), chunks = (p.N + per - 1) / per;
  auto run = [&](int64_t it) {
    const int64_t bi = it % blocks, pb = (it / blocks) % panels, gi = it / (blocks * panels);
    const int64_t t0 = bi * TB, t1 = std::min(tiles, t0 + TB);
    const T* panel = dyp + (gi * panels + pb) * NP * W;
    const T* xg = in.xp + gi * g.Cg * in.vol;
    alignas(64) T acc[kMaxBlock][kTileMax];
    alignas(64) T part[kTileMax];
    int64_t base[32];
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t n0 = c * per, n1 = std::min(p.N, n0 + per);
      for (int64_t ti = t0; ti < t1; ++ti) {
        const BoxList& b = boxes[static_cast<size_t>(tile_box[ti])];
        const int64_t k0 = ti * R, nr = std::min(R, g.Kg - k0), bvol = b.n / p.N;
        for (int64_t r = 0; r < R; ++r) base[r] = delta[order[k0 + std::min(r, nr - 1)]];
        const int64_t at = b.at + n0 * bvol, K = (n1 - n0) * bvol;
        T* a = acc[ti - t0];
        if (b.full)
          dc.tile(K, panel + n0 * g.OL * W, xg, base, offs + at, nullptr, c ? part : a);
        else
          dc.tile(K, panel, xg, base, offs + at, rows + at, c ? part : a);
        if (c)
          for (int64_t q = 0; q < R * W; ++q) a[q] += part[q];
      }
    }
    const int64_t oc0 = pb * W, noc = std::min(W, g.OCg - oc0);
    for (int64_t ti = t0; ti < t1; ++ti) {
      const int64_t k0 = ti * R, nr = std::min(R, g.Kg - k0);
      const T* a = acc[ti - t0];
      for (int64_t o = 0; o < noc; ++o) {
        T* dwo = dw + (gi * g.OCg + oc0 + o) * g.Kg;
        for (int64_t r = 0; r < nr; ++r) dwo[order[k0 + r]] = a[r * W + o];
      }
    }
  };
  const bool par = nt > 1 && items > 1 && double(NP) * double(p.OC) * double(g.Kg) >= double(1 << 20);
  if (!par) {
    for (int64_t it = 0; it < items; ++it) run(it);
    return;
  }
  stealing_for(items, nt, [&](int64_t it, int) { run(it); });
}

// ---- depthwise: one input channel per group --------------------------------------------------------------

// Groups with a single input channel (depthwise convs, with any channel multiplier OCg) do too little
// work per group for a GEMM: direct loops instead. Output plane o (input channel o / OCg) is the sum
// over kernel taps of the tap's weight times the input shifted by the tap, one axpy per tap and valid
// output row (contiguous, vectorised, for stride 1). Calls f(output row, input row, lo, hi) for every
// valid row pair of tap (kd, kh, kw): output row index r of the plane and the input row's offset in
// the input plane (pointing at the element that output column 0 reads), and the tap's valid column
// range [lo, hi).
template <typename F>
void for_tap_rows(const ConvParams& p, int64_t kd, int64_t kh, int64_t kw, F f) {
  const int64_t D = p.in[0], H = p.in[1], W = p.in[2], OH = p.out[1], OW = p.out[2];
  const int64_t td = kd * p.dilation[0] - p.pad[0], th = kh * p.dilation[1] - p.pad[1];
  const int64_t tw = kw * p.dilation[2] - p.pad[2];
  int64_t lo, hi;
  valid_range(tw, p.stride[2], W, OW, lo, hi);
  if (hi <= lo) return;
  for (int64_t od = 0; od < p.out[0]; ++od) {
    const int64_t id = od * p.stride[0] + td;
    if (id < 0 || id >= D) continue;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t ih = oh * p.stride[1] + th;
      if (ih < 0 || ih >= H) continue;
      f(od * OH + oh, (id * H + ih) * W + tw, lo, hi);
    }
  }
}

// Calls f(k, kd, kh, kw) for every kernel tap.
template <typename F>
void for_taps(const ConvParams& p, F f) {
  int64_t k = 0;
  for (int64_t kd = 0; kd < p.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < p.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < p.kernel[2]; ++kw) f(k++, kd, kh, kw);
}

template <typename T>
void depthwise_forward(const Geom& g, const T* x, const T* w, const T* b, T* y) {
  const ConvParams& p = g.p;
  const int64_t planes = p.N * p.OC, OW = p.out[2], sw = p.stride[2];
#pragma omp parallel for schedule(static) if (!omp_in_parallel() && planes > 1)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int64_t n = pl / p.OC, o = pl % p.OC;
    const T* xp = x + (n * p.C + o / g.OCg) * g.L;
    T* yp = y + pl * g.OL;
    std::fill(yp, yp + g.OL, b ? b[o] : T(0));
    for_taps(p, [&](int64_t k, int64_t kd, int64_t kh, int64_t kw) {
      const T wv = w[o * g.KK + k];
      for_tap_rows(p, kd, kh, kw, [&](int64_t r, int64_t xo, int64_t lo, int64_t hi) {
        T* yr = yp + r * OW;
        const T* xr = xp + xo;
        if (sw == 1)
          for (int64_t t = lo; t < hi; ++t) yr[t] += wv * xr[t];
        else
          for (int64_t t = lo; t < hi; ++t) yr[t] += wv * xr[t * sw];
      });
    });
    if (p.relu) relu_inplace(yp, g.OL);
  }
}

template <typename T>
void depthwise_backward_input(const Geom& g, const T* dy, const T* w, T* dx) {
  const ConvParams& p = g.p;
  const int64_t planes = p.N * p.C, OW = p.out[2], sw = p.stride[2];
#pragma omp parallel for schedule(static) if (!omp_in_parallel() && planes > 1)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int64_t n = pl / p.C, c = pl % p.C;
    T* dxp = dx + pl * g.L;
    std::fill(dxp, dxp + g.L, T(0));
    for (int64_t o = c * g.OCg; o < (c + 1) * g.OCg; ++o) {
      const T* dyp = dy + (n * p.OC + o) * g.OL;
      for_taps(p, [&](int64_t k, int64_t kd, int64_t kh, int64_t kw) {
        const T wv = w[o * g.KK + k];
        for_tap_rows(p, kd, kh, kw, [&](int64_t r, int64_t xo, int64_t lo, int64_t hi) {
          const T* dyr = dyp + r * OW;
          T* dxr = dxp + xo;
          if (sw == 1)
            for (int64_t t = lo; t < hi; ++t) dxr[t] += wv * dyr[t];
          else
            for (int64_t t = lo; t < hi; ++t) dxr[t * sw] += wv * dyr[t];
        });
      });
    }
  }
}

// dw[o][k] and db[o] (db may be null), one output channel per iteration (images in order: the sums do
// not depend on the threads); products summed in 16 independent lanes per row, rows in double.
template <typename T>
void depthwise_backward_weight(const Geom& g, const T* dy, const T* x, T* dw, T* db) {
  const ConvParams& p = g.p;
  const int64_t OW = p.out[2], sw = p.stride[2];
#pragma omp parallel for schedule(static) if (!omp_in_parallel() && p.OC > 1)
  for (int64_t o = 0; o < p.OC; ++o) {
    double bsum = 0;
    for_taps(p, [&](int64_t k, int64_t kd, int64_t kh, int64_t kw) {
      double s = 0;
      for (int64_t n = 0; n < p.N; ++n) {
        const T* dyp = dy + (n * p.OC + o) * g.OL;
        const T* xp = x + (n * p.C + o / g.OCg) * g.L;
        for_tap_rows(p, kd, kh, kw, [&](int64_t r, int64_t xo, int64_t lo, int64_t hi) {
          const T* dyr = dyp + r * OW;
          const T* xr = xp + xo;
          T lanes[16] = {};
          int64_t t = lo;
          if (sw == 1)
            for (; t + 16 <= hi; t += 16)
              for (int l = 0; l < 16; ++l) lanes[l] += dyr[t + l] * xr[t + l];
          for (; t < hi; ++t) lanes[0] += dyr[t] * xr[t * sw];
          for (int l = 0; l < 16; ++l) s += lanes[l];
        });
      }
      dw[o * g.KK + k] = static_cast<T>(s);
    });
    if (db) {
      for (int64_t n = 0; n < p.N; ++n) {
        const T* d = dy + (n * p.OC + o) * g.OL;
        for (int64_t j = 0; j < g.OL; ++j) bsum += d[j];
      }
      db[o] = static_cast<T>(bsum);
    }
  }
}

// ---- Winograd F(2x2, 3x3): 3x3 stride-1 2-D convolutions ---------------------------------------------------

// The output in 2x2 tiles; each tile needs a 4x4 input patch. With U = G w G^T (per output and input
// channel), V = B^T d B (per input channel and tile) and M = A^T (sum_c U . V) A, a tile costs 16
// multiplies per channel pair instead of 36; the channel sums are 16 GEMMs M[e] = U[e] @ V[e]
// (e = one of the 16 transform positions) over all tiles of a chunk of images. Used for the forward
// pass and (as the forward conv of dy with the flipped, transposed kernel) for the input gradient.
// Each tile's outputs are summed in a fixed order: results do not depend on the threads.

// U[e][o][c] (row stride C) for w [O, C, 3, 3]: 16 matrices [O, C].
template <typename T>
void winograd_weights(const T* w, int64_t O, int64_t C, T* U) {
  const int64_t OC = O * C;
  for (int64_t i = 0; i < OC; ++i) {
    const T* g = w + i * 9;
    T t[4][3];  // G g
    for (int j = 0; j < 3; ++j) {
      t[0][j] = g[j];
      t[1][j] = (g[j] + g[3 + j] + g[6 + j]) * T(0.5);
      t[2][j] = (g[j] - g[3 + j] + g[6 + j]) * T(0.5);
      t[3][j] = g[6 + j];
    }
    for (int r = 0; r < 4; ++r) {  // (G g) G^T
      const T u[4] = {t[r][0], (t[r][0] + t[r][1] + t[r][2]) * T(0.5), (t[r][0] - t[r][1] + t[r][2]) * T(0.5), t[r][2]};
      for (int c = 0; c < 4; ++c) U[(r * 4 + c) * OC + i] = u[c];
    }
  }
}

// The geometry of one Winograd convolution: input [C, H, W] per image (image stride xs), output
// [O, OH, OW] (image stride ys), output (oh, ow) reading input (oh + kh - ph, ow + kw - pw).
// Strided (sh, sw > 1: space to depth): the 3x3 stride-1 conv, without padding, of the phase planes
// x'[c'][i][j] = x[c][sh i + u - ph][sw j + v - pw], c' = (c sh + u) sw + v (C counts the C / (sh sw)
// input channels' sh sw phases each; see wino_phase_weights).
struct WinoGeom {
  int64_t N, C, H, W, xs, O, OH, OW, ys, ph, pw;
  int64_t sh = 1, sw = 1;
  int64_t TH() const { return (OH + 1) / 2; }
  int64_t TW() const { return (OW + 1) / 2; }
  int64_t tiles() const { return N * TH() * TW(); }
};

// The work is split into chunks of whole tile rows (tile row r = (n, th), r < N * TH). A chunk's input
// rows are first copied channels-last and zero-padded (P: per image segment [rows][Wp][C], Wp = 2 TW
// + 2), so that both transforms are plain loops over a contiguous dimension, which the compiler
// vectorises (per ISA: GCC's target clones): the input transform runs over channels (V[e][t][c]),
// the output transform over tiles (M[e][o][t], the GEMMs' natural output).
#define TL_WINO_CLONES TL_TARGET_CLONES

#if defined(__x86_64__)
// dst[j * ld + i] = src[i][j] for i < 16 rows, j < n <= 16 columns (masked loads read only n columns).
__attribute__((target("avx512f"))) void transpose_rows16_avx512(const float* const* src, int64_t n, float* dst,
                                                                int64_t ld) {
  const __mmask16 m = first_lanes(n);
  __m512 v[16];
  for (int i = 0; i < 16; ++i) v[i] = _mm512_maskz_loadu_ps(m, src[i]);
  transpose16_avx512(v);
  for (int64_t j = 0; j < n; ++j) _mm512_storeu_ps(dst + j * ld, v[j]);
}
#endif

// P rows for tile rows th0 .. th1 of image plane set xn ([C][H][W], plane stride H*W): input rows
// 2 th0 - ph .. 2 th1 - ph + 1, columns -pw .. 2 TW + 1 - pw, zero outside the input.
template <typename T>
TL_WINO_CLONES void winograd_pad_rows(const WinoGeom& q, const T* xn, int64_t th0, int64_t th1, T* P) {
  const int64_t Wp = 2 * q.TW() + 2, rows = 2 * (th1 - th0) + 2, C = q.C;
  if (q.sh > 1 || q.sw > 1) {
    // phase planes: row i of x' reads input rows sh i + u - ph; its column j's sw phases are the sw
    // consecutive input values at sw j - pw, so each (channel, u, j) is one short contiguous copy
    const int64_t C0 = C / (q.sh * q.sw);
    for (int64_t rr = 0; rr < rows; ++rr) {
      T* dst = P + rr * Wp * C;
      std::fill(dst, dst + Wp * C, T(0));
      for (int64_t c0 = 0; c0 < C0; ++c0)
        for (int64_t u = 0; u < q.sh; ++u) {
          const int64_t ih = q.sh * (2 * th0 + rr) + u - q.ph;
          if (ih < 0 || ih >= q.H) continue;
          const T* src = xn + (c0 * q.H + ih) * q.W;
          T* d = dst + (c0 * q.sh + u) * q.sw;
          for (int64_t j = 0; j < Wp; ++j) {
            const int64_t iw0 = q.sw * j - q.pw;
            if (iw0 >= 0 && iw0 + q.sw <= q.W) {
              for (int64_t v = 0; v < q.sw; ++v) d[j * C + v] = src[iw0 + v];
            } else {
              for (int64_t v = 0; v < q.sw; ++v)
                if (iw0 + v >= 0 && iw0 + v < q.W) d[j * C + v] = src[iw0 + v];
            }
          }
        }
    }
    return;
  }
  for (int64_t rr = 0; rr < rows; ++rr) {
    T* dst = P + rr * Wp * C;
    const int64_t ih = 2 * th0 - q.ph + rr;
    if (ih < 0 || ih >= q.H) {
      std::fill(dst, dst + Wp * C, T(0));
      continue;
    }
    const int64_t lo = std::min(Wp, std::max<int64_t>(0, q.pw)), hi = std::max(lo, std::min(Wp, q.W + q.pw));
    std::fill(dst, dst + lo * C, T(0));
    std::fill(dst + hi * C, dst + Wp * C, T(0));
    // a transpose [C][W] -> [W][C]: 16 x 16 blocks in registers (float, AVX-512), else 8 channels at a
    // time so that each store run is contiguous
    int64_t c = 0;
#if defined(__x86_64__)
    if (std::is_same<T, float>::value && C >= 16 && has_avx512f())
      for (; c + 16 <= C; c += 16) {
        const float* src[16];
        for (int k = 0; k < 16; ++k)
          src[k] = reinterpret_cast<const float*>(xn) + (c + k) * q.H * q.W + ih * q.W - q.pw;
        for (int64_t cc = lo; cc < hi; cc += 16) {
          const float* at[16];
          for (int k = 0; k < 16; ++k) at[k] = src[k] + cc;
          transpose_rows16_avx512(at, std::min<int64_t>(16, hi - cc), reinterpret_cast<float*>(dst) + cc * C + c, C);
        }
      }
#endif
    for (; c + 8 <= C; c += 8) {
      const T* src[8];
      for (int k = 0; k < 8; ++k) src[k] = xn + (c + k) * q.H * q.W + ih * q.W - q.pw;
      for (int64_t cc = lo; cc < hi; ++cc)
        for (int k = 0; k < 8; ++k) dst[cc * C + c + k] = src[k][cc];
    }
    for (; c < C; ++c) {
      const T* src = xn + c * q.H * q.W + ih * q.W - q.pw;
      for (int64_t cc = lo; cc < hi; ++cc) dst[cc * C + c] = src[cc];
    }
  }
}

// One tile: its 4x4 patch at d (position (r, s) at d + (r * Wp + s) * C, channels contiguous) into
// V[e][c] (e = 4 r + s, row stride ld) for every channel: B^T d B.
template <typename T>
TL_WINO_CLONES void winograd_input_tile(const T* d, int64_t Wp, int64_t C, T* v, int64_t ld) {
  const T* __restrict in[16];
  T* __restrict out[16];
  for (int r = 0; r < 4; ++r)
    for (int s2 = 0; s2 < 4; ++s2) in[4 * r + s2] = d + (r * Wp + s2) * C, out[4 * r + s2] = v + (4 * r + s2) * ld;
#pragma GCC ivdep
  for (int64_t c = 0; c < C; ++c) {  // (in and out never overlap)
    T t[4][4];                       // B^T d
    for (int s2 = 0; s2 < 4; ++s2) {
      const T d0 = in[s2][c], d1 = in[4 + s2][c], d2 = in[8 + s2][c], d3 = in[12 + s2][c];
      t[0][s2] = d0 - d2, t[1][s2] = d1 + d2, t[2][s2] = d2 - d1, t[3][s2] = d1 - d3;
    }
    for (int r = 0; r < 4; ++r) {  // (B^T d) B
      out[4 * r][c] = t[r][0] - t[r][2];
      out[4 * r + 1][c] = t[r][1] + t[r][2];
      out[4 * r + 2][c] = t[r][2] - t[r][1];
      out[4 * r + 3][c] = t[r][1] - t[r][3];
    }
  }
}

// Output channel o of tiles 0 .. nt of a chunk: y = A^T M A + add from m[e][t] (row stride ld) into
// Y[k][t] (k = 2 r + s, row stride nt).
template <typename T>
TL_WINO_CLONES void winograd_output_rows(const T* m, int64_t ld, int64_t nt, T add, T* Y) {
  const T* __restrict in[16];
  for (int e = 0; e < 16; ++e) in[e] = m + e * ld;
  T* __restrict y0 = Y;
  T* __restrict y1 = Y + nt;
  T* __restrict y2 = Y + 2 * nt;
  T* __restrict y3 = Y + 3 * nt;
#pragma GCC ivdep
  for (int64_t t = 0; t < nt; ++t) {  // (m and Y never overlap)
    T a[2][4];
    for (int c = 0; c < 4; ++c) {
      const T m0 = in[c][t], m1 = in[4 + c][t], m2 = in[8 + c][t], m3 = in[12 + c][t];
      a[0][c] = m0 + m1 + m2, a[1][c] = m1 - m2 - m3;
    }
    y0[t] = a[0][0] + a[0][1] + a[0][2] + add;
    y1[t] = a[0][1] - a[0][2] - a[0][3] + add;
    y2[t] = a[1][0] + a[1][1] + a[1][2] + add;
    y3[t] = a[1][1] - a[1][2] - a[1][3] + add;
  }
}

// The same outputs, 2x2 max-pooled after a ReLU (each 2x2 tile is one pooling window): the pooled
// value into Y[t] and the window-local argmax into K[t], exactly as relu_max_pool_planes picks them
// (taps in (row, column) order, a later tap taken when greater or NaN; relu(max) = max(relu)).
template <typename T>
TL_WINO_CLONES void winograd_output_pool22(const T* m, int64_t ld, int64_t nt, T add, T* Y, uint8_t* K) {
  const T* __restrict in[16];
  for (int e = 0; e < 16; ++e) in[e] = m + e * ld;
  T* __restrict yo = Y;
  uint8_t* __restrict ko = K;
#pragma GCC ivdep
  for (int64_t t = 0; t < nt; ++t) {  // (m, Y and K never overlap)
    T a[2][4];
    for (int c = 0; c < 4; ++c) {
      const T m0 = in[c][t], m1 = in[4 + c][t], m2 = in[8 + c][t], m3 = in[12 + c][t];
      a[0][c] = m0 + m1 + m2, a[1][c] = m1 - m2 - m3;
    }
    const T v[4] = {a[0][0] + a[0][1] + a[0][2] + add, a[0][1] - a[0][2] - a[0][3] + add,
                    a[1][0] + a[1][1] + a[1][2] + add, a[1][1] - a[1][2] - a[1][3] + add};
    T best = v[0];
    int k = 0;
    for (int j = 1; j < 4; ++j) {
      const bool take = (v[j] > best) | (v[j] != v[j]);
      best = take ? v[j] : best;
      k = take ? j : k;
    }
    yo[t] = best <= T(0) ? T(0) : best;
    ko[t] = static_cast<uint8_t>(k);
  }
}

// winograd_conv's pooled epilogue: ReLU and 2x2 max pooling (stride 2, no padding) of the conv
// output, written as y [N, O, POH, POW] and tap (same layout); the conv output is never stored.
template <typename T>
struct WinoPool {
  T* y;
  uint8_t* tap;
  int64_t POH, POW;
};

// The 16 transformed weights U[e] = (G w G^T)[e] as [O, C] matrices packed for the GEMM: into
// `packed` (16 * PackedA::size(O, C) elements) and the PackedA views of it in `up`.
template <typename T>
void winograd_pack(const T* w, int64_t O, int64_t C, T* packed, std::vector<PackedA<T>>& up) {
  T* U = scratch<T>(kAccSlot, 16 * O * C);
  winograd_weights(w, O, C, U);
  const int64_t usz = PackedA<T>::size(O, C);
  up.clear();
  up.reserve(16);
  for (int e = 0; e < 16; ++e) up.emplace_back(O, C, StridedOperand<T>(U + e * O * C, C, 1), packed + e * usz);
}
template <typename T>
int64_t winograd_packed_size(int64_t O, int64_t C) {
  return 16 * PackedA<T>::size(O, C);
}

// y = conv3x3(x, w) + bias over the batch from the packed transformed weights up (winograd_pack); with
// `pool`, relu + 2x2 max pooling of that into pool->y and pool->tap instead (y unused).
template <typename T>
void winograd_conv(const WinoGeom& q, const T* x, const std::vector<PackedA<T>>& up, const T* bias, T* y,
                   const WinoPool<T>* pool = nullptr) {
  const int64_t TH = q.TH(), TW = q.TW(), Wp = 2 * TW + 2, rows = q.N * TH;
  // chunks of tile rows: V and M of a chunk hold at most ~kWinoElems elements (512 KiB in float32: they
  // stay in L2 from the input transform through the 16 GEMMs to the output transform; 4 MiB chunks
  // went through L3), but at least ~kWinoMinTiles tiles: the 16 GEMMs' N (with 64 + 192 channels a
  // 512 KiB chunk held 24 tiles, so each GEMM was a skinny product re-reading its 48 KiB of weights for
  // every 24 columns: GoogLeNet's 64 -> 192 conv on 24x24 took 2.2x as long as with 96 tiles)
  constexpr int64_t kWinoElems = int64_t(1) << 17, kWinoMinTiles = 96;
  const int nth = omp_in_parallel() ? 1 : omp_get_max_threads();
  int64_t per = std::max<int64_t>(1, kWinoElems / (16 * (q.C + q.O) * TW));
  per = std::max<int64_t>(per, (kWinoMinTiles + TW - 1) / TW);
  int64_t count = (rows + per - 1) / per;
  if (nth > 1 && rows >= nth) count = (count + nth - 1) / nth * nth;
  per = (rows + count - 1) / count;
  count = (rows + per - 1) / per;
  for_each_image(
      count, static_cast<int>(std::min<int64_t>(nth, count)),
      [&](int64_t ci, int, bool par) {
        const int64_t r0 = ci * per, r1 = std::min(rows, r0 + per), nt = (r1 - r0) * TW;
        // the chunk's image segments: tile rows r0 .. r1 split by image
        const int64_t prow = 2 * (r1 - r0) + 2 * ((r1 - 1) / TH - r0 / TH + 1);
        T* P = scratch<T>(kPadSlot, prow * Wp * q.C);
        T* V = scratch<T>(kInSlot, 16 * nt * q.C);
        T* M = scratch<T>(kOutSlot, 16 * q.O * nt);
        T* Y = scratch<T>(kImageSlot, 4 * nt);
        {
          T* pp = P;
          int64_t t = 0;
          for (int64_t r = r0; r < r1;) {
            const int64_t n = r / TH, th0 = r % TH, th1 = std::min(TH, th0 + (r1 - r));
            winograd_pad_rows(q, x + n * q.xs, th0, th1, pp);
            for (int64_t th = th0; th < th1; ++th)
              for (int64_t tw = 0; tw < TW; ++tw, ++t)
                winograd_input_tile(pp + ((2 * (th - th0)) * Wp + 2 * tw) * q.C, Wp, q.C, V + t * q.C, nt * q.C);
            pp += (2 * (th1 - th0) + 2) * Wp * q.C;
            r += th1 - th0;
          }
        }
        for (int e = 0; e < 16; ++e)
          gemm_ex<T>(q.O, nt, q.C, T(1), up[e], StridedOperand<T>(V + e * nt * q.C, q.C, 1), T(0), M + e * q.O * nt, nt,
                     par);
        if (pool) {
          uint8_t* K = reinterpret_cast<uint8_t*>(Y + nt);  // (Y holds 4 nt elements)
          const int64_t plane = pool->POH * pool->POW;
          // even output maps (every tile row pools into a whole row of pool->y): each image's run of
          // tile rows in the chunk is one contiguous run of pooled rows, written in place (copied row by
          // row from Y, FashionCNN's 14x14 maps made 57K memmove calls of 7 values per batch of 64)
          const bool in_place = pool->POW == TW && pool->POH == TH;
          for (int64_t o = 0; o < q.O; ++o) {
            if (in_place) {
              int64_t t = 0;
              for (int64_t r = r0; r < r1;) {
                const int64_t n = r / TH, th0 = r % TH, th1 = std::min(TH, th0 + (r1 - r)), cnt = (th1 - th0) * TW;
                const int64_t at = (n * q.O + o) * plane + th0 * pool->POW;
                winograd_output_pool22(M + o * nt + t, q.O * nt, cnt, bias ? bias[o] : T(0), pool->y + at,
                                       pool->tap + at);
                t += cnt;
                r += th1 - th0;
              }
              continue;
            }
            winograd_output_pool22(M + o * nt, q.O * nt, nt, bias ? bias[o] : T(0), Y, K);
            int64_t t = 0;
            for (int64_t r = r0; r < r1; ++r, t += TW) {
              const int64_t n = r / TH, th = r % TH;
              if (th >= pool->POH) continue;
              const int64_t at = (n * q.O + o) * plane + th * pool->POW;
              std::copy(Y + t, Y + t + pool->POW, pool->y + at);
              std::copy(K + t, K + t + pool->POW, pool->tap + at);
            }
          }
          return;
        }
        for (int64_t o = 0; o < q.O; ++o) {
          winograd_output_rows(M + o * nt, q.O * nt, nt, bias ? bias[o] : T(0), Y);
          int64_t t = 0;
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t n = r / TH, th = r % TH;
            T* yo = y + n * q.ys + o * q.OH * q.OW;
            for (int k = 0; k < 2; ++k) {
              const int64_t oh = 2 * th + k;
              if (oh >= q.OH) break;
              T* dst = yo + oh * q.OW;
              const T* a0 = Y + (2 * k) * nt + t;
              const T* a1 = Y + (2 * k + 1) * nt + t;
              const int64_t full = q.OW / 2;
              for (int64_t tw = 0; tw < full; ++tw) dst[2 * tw] = a0[tw], dst[2 * tw + 1] = a1[tw];
              if (q.OW & 1) dst[q.OW - 1] = a0[full];
            }
            t += TW;
          }
        }
      },
      kStealing);
}

// Strided convs (space to depth): one group, kernel kh x kw with 2 sh < kh <= 3 sh (the same across),
// stride 1 in depth. Their Winograd conv is the 3x3 one of the phase planes (WinoGeom), with Cg sh sw
// input channels and the weights w'[o][c'][a][b] = w[o][c][sh a + u][sw b + v] (c' = (c sh + u) sw +
// v; zero past the kernel): AlexNet's 11x11 stride-4 3 -> 96 conv is a 3x3 conv of 48 phase channels,
// 64 multiplies per output and input channel instead of 121 (and a reduction of 363 was the direct
// kernel's worst case).
int64_t wino_channels(const Geom& g) { return g.Cg * g.p.stride[1] * g.p.stride[2]; }

WinoGeom wino_geom(const Geom& g, int64_t N, int64_t ys) {
  const ConvParams& p = g.p;
  return WinoGeom{N,  wino_channels(g), p.in[1],  p.in[2],     p.C * g.L,  g.OCg, p.out[1], p.out[2],
                  ys, p.pad[1],         p.pad[2], p.stride[1], p.stride[2]};
}

// The weights of one group as the Winograd conv of g takes them: w itself (stride 1), or the phase
// weights w' in scratch (`slot`).
template <typename T>
const T* wino_phase_weights(const Geom& g, const T* w, Slot slot) {
  if (g.stride1()) return w;
  const ConvParams& p = g.p;
  const int64_t sh = p.stride[1], sw = p.stride[2], kh = p.kernel[1], kw = p.kernel[2], C2 = wino_channels(g);
  T* out = scratch<T>(slot, g.OCg * C2 * 9);
  for (int64_t o = 0; o < g.OCg; ++o)
    for (int64_t c = 0; c < g.Cg; ++c)
      for (int64_t u = 0; u < sh; ++u)
        for (int64_t v = 0; v < sw; ++v) {
          T* d = out + (o * C2 + (c * sh + u) * sw + v) * 9;
          for (int64_t a = 0; a < 3; ++a)
            for (int64_t b = 0; b < 3; ++b) {
              const int64_t r = sh * a + u, q = sw * b + v;
              d[a * 3 + b] = r < kh && q < kw ? w[((o * g.Cg + c) * kh + r) * kw + q] : T(0);
            }
        }
  return out;
}

// The transformed weights of every group of g packed into `packed` (g.G * winograd_packed_size(g.OCg,
// wino_channels(g)) elements); up: the last group's views.
template <typename T>
void winograd_pack_groups(const Geom& g, const T* w, T* packed, std::vector<PackedA<T>>& up) {
  const int64_t C2 = wino_channels(g);
  for (int64_t gi = 0; gi < g.G; ++gi)
    winograd_pack(wino_phase_weights(g, w + gi * g.OCg * g.Kg, kWinoSlot), g.OCg, C2,
                  packed + gi * winograd_packed_size<T>(g.OCg, C2), up);
}

// y = conv3x3(x, w) + bias with the weights transformed and packed for this call.
template <typename T>
void winograd_conv(const WinoGeom& q, const T* x, const T* w, const T* bias, T* y) {
  std::vector<PackedA<T>> up;
  winograd_pack(w, q.O, q.C, scratch<T>(kPackSlot, winograd_packed_size<T>(q.O, q.C)), up);
  winograd_conv(q, x, up, bias, y);
}

template <typename T>
void forward_winograd(const Geom& g, const T* x, const T* w, const T* b, T* y) {
  const ConvParams& p = g.p;
  const WinoGeom q = wino_geom(g, p.N, p.OC * g.OL);
  const int64_t usz = PackedA<T>::size(g.OCg, q.C);
  std::vector<PackedA<T>> up;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    if (p.packed) {  // conv_pack_weight's buffer: per group the 16 packed transformed matrices
      up.clear();
      for (int e = 0; e < 16; ++e)
        up.emplace_back(g.OCg, q.C, w + (gi * 16 + e) * usz, typename PackedA<T>::Prepacked{});
    } else {
      winograd_pack(wino_phase_weights(g, w + gi * g.OCg * g.Kg, kWinoSlot), g.OCg, q.C,
                    scratch<T>(kPackSlot, 16 * usz), up);
    }
    winograd_conv(q, x + gi * g.Cg * g.L, up, b ? b + gi * g.OCg : nullptr, y + gi * g.OCg * g.OL);
  }
  if (p.relu) relu_inplace(y, p.N * p.OC * g.OL);
}

// dx = the stride-1 conv of dy (padded by 2 - pad) with w'[c][o] = w[o][c] flipped.
template <typename T>
void backward_input_winograd(const Geom& g, const T* dy, const T* w, T* dx) {
  const ConvParams& p = g.p;
  T* wf = scratch<T>(kWinoSlot, g.G * g.OCg * g.Kg);
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t o = 0; o < g.OCg; ++o)
      for (int64_t c = 0; c < g.Cg; ++c)
        for (int k = 0; k < 9; ++k)
          wf[((gi * g.Cg + c) * g.OCg + o) * 9 + k] = w[((gi * g.OCg + o) * g.Cg + c) * 9 + 8 - k];
  const WinoGeom q{p.N,     g.OCg,   p.out[1],  p.out[2],     p.OC * g.OL, g.Cg,
                   p.in[1], p.in[2], p.C * g.L, 2 - p.pad[1], 2 - p.pad[2]};
  for (int64_t gi = 0; gi < g.G; ++gi)
    winograd_conv(q, dy + gi * g.OCg * g.OL, wf + gi * g.Cg * g.OCg * 9, static_cast<const T*>(nullptr),
                  dx + gi * g.Cg * g.L);
}

// ---- the algorithm for a shape ---------------------------------------------------------------------------

// A 2-D 3x3 convolution with stride 1 and dilation 1; or a strided 2-D one that space to depth turns
// into one (wino_channels), where the direct conv would do at least 7/4 as many multiplies.
bool winograd_fits(const Geom& g) {
  const ConvParams& p = g.p;
  // (2-D: one input and output slice; a 3-D conv of one slice padded in depth has more outputs)
  if (p.in[0] != 1 || p.kernel[0] != 1 || p.out[0] != 1 || p.dilation != Dims3{1, 1, 1}) return false;
  if (g.stride1()) return p.kernel == Dims3{1, 3, 3};
  const int64_t sh = p.stride[1], sw = p.stride[2], kh = p.kernel[1], kw = p.kernel[2];
  return g.G == 1 && p.stride[0] == 1 && kh > 2 * sh && kh <= 3 * sh && kw > 2 * sw && kw <= 3 * sw &&
         kh * kw >= 7 * sh * sw;
}

struct Plan {
  ConvAlgo forward, backward_input, backward_weight;
};
// The algorithms the kernels below run for g (fused: the conv + relu + pool ops, which take the
// per-image paths, except that forward_impl gives their forward Winograd wherever plan_for(g, false)
// picks it), from the shape and the preference g.p.algo (see ops/conv.h):
//  * one input channel per group (depthwise): Depthwise for the input gradient;
//  * output volumes under batched_max_ol(): Batched, else the per-image algorithms.
// Winograd (forward, and the input gradient when the padding is at most 2: the gradient is then a
// forward conv with padding 2 - p) for 3x3 stride-1 convs with enough channels, map and tiles (below).
Plan plan_for(const Geom& g, bool fused) {
  const bool pw = g.pointwise(), s1 = g.stride1();
  const Plan per_image{pw   ? ConvAlgo::Pointwise
                       : s1 ? ConvAlgo::Shifted
                            : ConvAlgo::Im2col,
                       pw                ? ConvAlgo::Pointwise
                       : s1 && g.Cg >= 4 ? ConvAlgo::Shifted
                                         : ConvAlgo::Col2im,
                       pw   ? ConvAlgo::Pointwise
                       : s1 ? ConvAlgo::Shifted
                            : ConvAlgo::Im2col};
  if (fused) return per_image;
  const bool depthwise = g.G > 1 && g.Cg == 1;
  const bool wino = winograd_fits(g), wino_in = wino && s1 && g.p.pad[1] <= 2 && g.p.pad[2] <= 2;
  const Plan batched{ConvAlgo::Batched, ConvAlgo::Batched, ConvAlgo::Batched};
  // (one image of a 1x1 conv: its input already is the GEMM operand, nothing to gather)
  const Plan by_size = g.OL < batched_max_ol() && !(pw && g.p.N == 1) ? batched : per_image;
  // the input gradient as a forward conv (stride 1, padding at most the kernel's extent - 1)
  bool direct_in = s1;
  for (int i = 0; i < 3; ++i) direct_in = direct_in && g.p.pad[i] <= (g.p.kernel[i] - 1) * g.p.dilation[i];
  switch (g.p.algo) {
    case ConvAlgo::Auto: break;
    case ConvAlgo::Batched: return batched;
    case ConvAlgo::Direct:
      return {ConvAlgo::Direct, direct_in ? ConvAlgo::Direct : by_size.backward_input, ConvAlgo::Direct};
    case ConvAlgo::Depthwise:
      if (depthwise) return {ConvAlgo::Depthwise, ConvAlgo::Depthwise, ConvAlgo::Depthwise};
      break;
    case ConvAlgo::Winograd:
      if (wino)
        return {ConvAlgo::Winograd, wino_in ? ConvAlgo::Winograd : by_size.backward_input, by_size.backward_weight};
      break;
    default:  // PerImage, or one of the per-image algorithms
      return per_image;
  }
  // depthwise: the direct input gradient; the GEMM paths were faster for the forward pass and about
  // as fast for the weight gradient (bench/results/conv-algorithms-cpu-2026-11-29.txt)
  if (depthwise) return {by_size.forward, ConvAlgo::Depthwise, by_size.backward_weight};
  // The forward pass of what would write an im2col matrix (batched, or strided per image), and of
  // stride-1 convs on maps of up to ~11x11 (where the shifted GEMM's junk columns cost most), runs
  // direct, unless there are too few pixels to fill its register tiles (batch 1 on tiny maps).
  // (bench/results/conv-direct-cpu-2026-11-29.txt)
  // Larger maps too when the reduction is long and the junk columns are at least 10% of the grid
  // (5x5 'same' convs on 12x12 to 24x24 maps: 14-25% faster direct; bench/results/conv-direct-cpu-2026-11-30.txt).
  Plan pl = by_size;
  const bool im2col = pl.forward == ConvAlgo::Batched || pl.forward == ConvAlgo::Im2col;
  const int64_t grid_w = g.p.out[2] + (g.p.kernel[2] - 1) * g.p.dilation[2];
  const bool junky = g.Kg >= 384 && 10 * (grid_w - g.p.out[2]) >= grid_w;
  if ((im2col || (pl.forward == ConvAlgo::Shifted && (g.OL < 128 || junky))) && g.p.N * g.OL >= 32)
    pl.forward = ConvAlgo::Direct;
  // Short reductions from 3 channels x 3x3 up, on rows that Direct's row tiles take (row_conv_fits; with
  // float32's lanes), with at least two of their blocks of output channels: Direct (forward_rows) beats
  // the GEMMs' packing there (VGG's first conv, 3 -> 64 3x3 on 32x32 at batch 64, 1.3x; 3 x 224 x 224,
  // 2.4x). One input channel (Kg 9 or 25: FashionCNN's and LeNet's first convs) and 8 or fewer output
  // channels stay on the shifted GEMM, which was as fast or faster there.
  if (!pw && g.Kg >= 27 && g.OCg >= 2 * row_conv_kernel<float>().oc_w && row_conv_fits<float>(g))
    pl.forward = ConvAlgo::Direct;
  // the same for the input gradient, a stride-1 conv whose output is the input (col2im otherwise), with
  // its own reduction (OCg * taps) and grid (the input's width plus the kernel's extent); there the
  // junk rule also needs a vector of channels in its output (AlexNet's 5x5 96->256 conv on 12x12 runs
  // direct; LeNet's 6->16 5x5 stays shifted)
  const int64_t in_grid_w = g.p.in[2] + (g.p.kernel[2] - 1) * g.p.dilation[2];
  const bool in_junky = g.OCg * g.KK >= 384 && g.Cg >= 16 && 10 * (in_grid_w - g.p.in[2]) >= in_grid_w;
  const bool in_gemm =
      pl.backward_input == ConvAlgo::Batched || (pl.backward_input == ConvAlgo::Shifted && (g.L < 128 || in_junky));
  if (direct_in && in_gemm && g.p.N * g.L >= 32) pl.backward_input = ConvAlgo::Direct;
  // The weight gradient direct (backward_weight_direct: no im2col matrix, no packing, the taps' padding
  // skipped) on maps of up to 16x16 (1x1 convs: where they would take the batched GEMM) when the
  // reduction and the output channels fill its tiles (AlexNet's layers: bench/results/
  // zoo-alexnet-layers-*-session29-2026-12-01.txt); the GEMMs stay ahead on larger maps and with 1-3
  // input channels.
  if (g.Kg >= 32 && g.OCg >= 8 && (pw ? g.OL < batched_max_ol() : g.OL <= 256)) pl.backward_weight = ConvAlgo::Direct;
  // 3x3 stride-1 convs with at least 16 channels in and out on maps of at least 6x6 and 128 tiles in
  // the batch: Winograd F(2x2, 3x3), 2.25x fewer multiplies (its transforms cost less than that saves
  // from there on: bench/results/conv-winograd-cpu-2026-11-29.txt); the input gradient too (a
  // forward conv of dy with the channels swapped, on the input's map).
  // Frozen weights (transformed once, not per call): from 2^17 tile x channel x channel products (the
  // transforms' fixed costs against the multiplies saved) and 16 tiles (8 in batches of 8 or more: the
  // multiplies per transformed weight read), and on even maps below 6x6 too, whose tiles waste
  // nothing: ResNet's 4x4 and 2x2 layers at batch 64 run 1.1-1.4x faster than direct, batch 2 on 8x8
  // with 64 channels 1.5x. Less (batch 1 on 8x8 with 64 channels; FashionCNN's 32 -> 64 on 14x14 at
  // batch 1; 2x2 maps at batch 4) stays direct, shifted or batched; odd maps below 6x6 (3x3, 5x5)
  // direct: up to half their tiles' outputs are wasted (bench/conv_frozen.js:
  // bench/results/conv-frozen-cpu-2026-12-01.txt).
  const auto wino_pays = [&](int64_t cin, int64_t cout, int64_t h, int64_t w) {
    const int64_t tiles = g.p.N * ((h + 1) / 2) * ((w + 1) / 2);
    if (cin < 16 || cout < 16) return false;
    if (!g.p.frozen) return h >= 6 && w >= 6 && tiles >= 128;
    const bool map = (h >= 6 || h % 2 == 0) && (w >= 6 || w % 2 == 0);
    return map && tiles * cin * cout >= (int64_t(1) << 17) && (tiles >= 16 || (g.p.N >= 8 && tiles >= 8));
  };
  if (wino && wino_pays(wino_channels(g), g.OCg, g.p.out[1], g.p.out[2])) pl.forward = ConvAlgo::Winograd;
  if (wino_in && wino_pays(g.OCg, g.Cg, g.p.in[1], g.p.in[2])) pl.backward_input = ConvAlgo::Winograd;
  return pl;
}

// ---- kernel taps that only meet padding ------------------------------------------------------------------

// A tap whose every output position reads padding adds nothing (ResNet's 3x3 convs on 1x1 maps use
// only the centre tap): such taps at the edges of the kernel are dropped before any algorithm runs,
// the kernel shrunk to its live box and the padding reduced to match (when it stays >= 0); their
// weight gradients are zero. The live taps of a dim form a range, found by checking each tap's span
// of input positions [k*d - pad, (out-1)*s + k*d - pad] against [0, in) (conservative with strides).
struct Trimmed {
  ConvParams p;  // the params of the live box
  Dims3 lo;      // its first tap per dim
  bool active;
};
Trimmed trim_taps(const ConvParams& p) {
  Trimmed t{p, {0, 0, 0}, false};
  for (int i = 0; i < 3; ++i) {
    const auto live = [&](int64_t k) {
      const int64_t a = k * p.dilation[i] - p.pad[i];
      return a <= p.in[i] - 1 && (p.out[i] - 1) * p.stride[i] + a >= 0;
    };
    int64_t lo = 0, hi = p.kernel[i];
    while (lo < hi && !live(lo)) ++lo;
    while (hi > lo && !live(hi - 1)) --hi;
    if (hi <= lo || lo * p.dilation[i] > p.pad[i] || (lo == 0 && hi == p.kernel[i])) continue;
    t.p.kernel[i] = hi - lo;
    t.p.pad[i] = p.pad[i] - lo * p.dilation[i];
    t.lo[i] = lo;
    t.active = true;
  }
  return t;
}

// wt [OC, Cg, live box] = the live taps of w [OC, Cg, kernel] (Back: w = wt there, zero elsewhere).
template <typename T, bool Back = false>
void trim_weights(const ConvParams& p, const Trimmed& t, const T* src, T* dst) {
  const Dims3 &k = p.kernel, &kt = t.p.kernel;
  const int64_t rows = p.OC * (p.C / p.groups), KK = conv_volume(k), KT = conv_volume(kt);
  std::vector<int64_t> at;  // the live taps' places in a full row, in live order
  at.reserve(KT);
  for (int64_t a = 0; a < kt[0]; ++a)
    for (int64_t b = 0; b < kt[1]; ++b)
      for (int64_t c = 0; c < kt[2]; ++c) at.push_back(((a + t.lo[0]) * k[1] + b + t.lo[1]) * k[2] + c + t.lo[2]);
  const int64_t* off = at.data();
  constexpr int64_t kBlock = 1024;  // rows per step: the zero fill and the taps meet in cache
  const int64_t blocks = (rows + kBlock - 1) / kBlock;
  TL_PAR_FOR(
      rows * KK > (int64_t(1) << 16), for (int64_t bi = 0; bi < blocks; ++bi) {
        const int64_t r0 = bi * kBlock, r1 = std::min(rows, r0 + kBlock);
        if (Back) std::fill(dst + r0 * KK, dst + r1 * KK, T(0));
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t j = 0; j < KT; ++j) {
            if (Back)
              dst[r * KK + off[j]] = src[r * KT + j];
            else
              dst[r * KT + j] = src[r * KK + off[j]];
          }
      });
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

// A [M, K] of every group gi at w + gi * M * K (strides as StridedOperand's), packed once per call into
// the calling thread's pack buffer.
template <typename T>
std::vector<PackedA<T>> pack_groups(const T* w, int64_t G, int64_t M, int64_t K, int64_t i_stride, int64_t k_stride) {
  const int64_t sz = PackedA<T>::size(M, K);
  T* buf = scratch<T>(kPackSlot, G * sz);
  std::vector<PackedA<T>> a;
  a.reserve(static_cast<size_t>(G));
  for (int64_t gi = 0; gi < G; ++gi)
    a.emplace_back(M, K, StridedOperand<T>(w + gi * M * K, i_stride, k_stride), buf + gi * sz);
  return a;
}

// The weights as conv_forward's GEMM algorithms take them: packed per group into the pack buffer,
// or (prm.packed) views of conv_pack_weight's buffer w.
template <typename T>
std::vector<PackedA<T>> forward_weights(const Geom& g, const T* w) {
  if (!g.p.packed) return pack_groups(w, g.G, g.OCg, g.Kg, g.Kg, 1);
  const int64_t sz = PackedA<T>::size(g.OCg, g.Kg);
  std::vector<PackedA<T>> a;
  a.reserve(static_cast<size_t>(g.G));
  for (int64_t gi = 0; gi < g.G; ++gi) a.emplace_back(g.OCg, g.Kg, w + gi * sz, typename PackedA<T>::Prepacked{});
  return a;
}

// Whether conv_forward's algorithm for g takes its weights packed (the GEMM algorithms, Direct, and
// Winograd: its 16 transformed matrices) or as they are (Depthwise), and the element count of
// conv_pack_weight's buffer.
template <typename T>
int64_t packed_size(const Geom& g) {
  const ConvAlgo a = plan_for(g, false).forward;
  if (a == ConvAlgo::Depthwise) return g.p.OC * g.Kg;
  if (a == ConvAlgo::Winograd) return g.G * winograd_packed_size<T>(g.OCg, wino_channels(g));
  if (a == ConvAlgo::Direct) return direct_weight_size<T>(g);
  return g.G * PackedA<T>::size(g.OCg, g.Kg);
}

// The fused conv + relu + 2x2 pool forward of 3x3 stride-1 convs with few input channels (at most 8:
// a GEMM reduction of at most 72, which leaves the GEMMs' tiles mostly loads and stores), float32,
// AVX-512, one group, output channels a multiple of 16 (FashionCNN's first conv, 1 -> 32 on 28x28;
// RGB stems with 3x3 kernels). Per pooled pixel, its window's 2x2 conv outputs for 32 (or 16) output
// channels stay in registers, channels in the lanes, each input value broadcast for the tap products
// that read it (the 16 of a 4x4 patch held at once spilled registers: 1.3x slower). Then the window's max and tap as
// relu_max_pool_planes takes them (in window order, a later tap taken when greater or NaN; ReLU after
// the max), and 16 pooled pixels x 16 channels transposed into the planes: the conv output is never
// written. With the preference 'auto' or 'direct' (others keep their algorithms). Items: (image, pooled
// rows, 32 output channels), split until each thread has 4 (batch 1); each pads the input rows it
// reads into a thread buffer. The weights, re-laid out per call as [16-channel block][C * 9][16],
// come from the raw weight or the GEMM's packed panels alike, so packed and unpacked calls agree
// bit for bit.
#if defined(__x86_64__)
bool small_c_pool_fits(const Geom& g, const Pool2dParams& q) {
  const ConvParams& p = g.p;
  return has_avx512f() && (p.algo == ConvAlgo::Auto || p.algo == ConvAlgo::Direct) && g.G == 1 && p.in[0] == 1 &&
         p.kernel == Dims3{1, 3, 3} && g.stride1() && p.dilation == Dims3{1, 1, 1} && p.C <= 8 && p.OC % 16 == 0 &&
         q.kh == 2 && q.kw == 2 && q.OH >= 1 && q.OW >= 1;
}
// pooled rows [r0, r1) and output channels [o_lo, o_hi) of one image: xp [C][Hb][Wp] its padded rows
// from 2 * r0 (Hb = 2 * (r1 - r0) + 2), wt as above, y/tap [OC][OH][OW]
__attribute__((target("avx512f"))) void small_c_pool_rows_avx512(const float* xp, int64_t C, int64_t Hb, int64_t Wp,
                                                                 const float* wt, const float* bias, int64_t o_lo,
                                                                 int64_t o_hi, float* y, uint8_t* tap, int64_t OH,
                                                                 int64_t OW, int64_t r0, int64_t r1) {
  alignas(64) float tv[2][16][16] = {};
  alignas(64) int32_t tt[2][16][16] = {};
  const int64_t blk = C * 9 * 16;  // one 16-channel block's weights
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t o0 = o_lo; o0 < o_hi; o0 += 32) {
    const int nv = o_hi - o0 >= 32 ? 2 : 1;
    const float* wb = wt + (o0 / 16) * blk;
    for (int64_t ph = r0; ph < r1; ++ph)
      for (int64_t pw0 = 0; pw0 < OW; pw0 += 16) {
        const int64_t nw = std::min<int64_t>(16, OW - pw0);
        for (int64_t j = 0; j < nw; ++j) {
          const float* px0 = xp + 2 * (ph - r0) * Wp + 2 * (pw0 + j);
          __m512 acc[2][4];
          for (int v = 0; v < 2; ++v) {
            const __m512 b0 = bias && v < nv ? _mm512_loadu_ps(bias + o0 + 16 * v) : zero;
            for (int k = 0; k < 4; ++k) acc[v][k] = b0;
          }
          for (int64_t c = 0; c < C; ++c) {
            const float* px = px0 + c * Hb * Wp;
            const float* wc = wb + c * 9 * 16;
#pragma GCC unroll 9
            for (int t = 0; t < 9; ++t) {
              const int kh = t / 3, kw = t % 3;
              const __m512 w0 = _mm512_loadu_ps(wc + t * 16);
              const __m512 w1 = nv == 2 ? _mm512_loadu_ps(wc + blk + t * 16) : zero;
#pragma GCC unroll 4
              for (int k = 0; k < 4; ++k) {
                const __m512 xv = _mm512_set1_ps(px[(k / 2 + kh) * Wp + k % 2 + kw]);
                acc[0][k] = _mm512_fmadd_ps(xv, w0, acc[0][k]);
                if (nv == 2) acc[1][k] = _mm512_fmadd_ps(xv, w1, acc[1][k]);
              }
            }
          }
          for (int v = 0; v < nv; ++v) {
            __m512 best = acc[v][0];
            __m512i t = _mm512_setzero_si512();
            for (int k = 1; k < 4; ++k) {
              const __mmask16 m = _mm512_cmp_ps_mask(acc[v][k], best, _CMP_GT_OQ) |
                                  _mm512_cmp_ps_mask(acc[v][k], acc[v][k], _CMP_UNORD_Q);
              best = _mm512_mask_mov_ps(best, m, acc[v][k]);
              t = _mm512_mask_mov_epi32(t, m, _mm512_set1_epi32(k));
            }
            best = _mm512_mask_mov_ps(best, _mm512_cmp_ps_mask(best, zero, _CMP_LE_OQ), zero);
            _mm512_store_ps(tv[v][j], best);
            _mm512_store_si512(tt[v][j], t);
          }
        }
        const __mmask16 m = first_lanes(nw);
        for (int v = 0; v < nv; ++v) {
          __m512 rows[16], taps[16];
          for (int i = 0; i < 16; ++i) {
            rows[i] = _mm512_load_ps(tv[v][i]);
            taps[i] = _mm512_castsi512_ps(_mm512_load_si512(tt[v][i]));
          }
          transpose16_avx512(rows);
          transpose16_avx512(taps);
          for (int l = 0; l < 16; ++l) {
            const int64_t at = ((o0 + 16 * v + l) * OH + ph) * OW + pw0;
            _mm512_mask_storeu_ps(y + at, m, rows[l]);
            alignas(16) uint8_t tb[16];
            _mm_store_si128(reinterpret_cast<__m128i*>(tb), _mm512_cvtepi32_epi8(_mm512_castps_si512(taps[l])));
            std::memcpy(tap + at, tb, static_cast<size_t>(nw));
          }
        }
      }
  }
}
#endif
template <typename T>
bool fused_forward_small_c(const Geom& g, const T* x, const T* w, const T* b, const PoolFuse<T>& pool) {
#if defined(__x86_64__)
  if (!std::is_same<T, float>::value || !small_c_pool_fits(g, pool.p)) return false;
  const ConvParams& p = g.p;
  // the weights [16-channel block][Kg][16], from w [OC][Kg] or (packed) the GEMM's panels of mr rows
  const int64_t Kg = g.Kg, mr = p.packed ? PackedA<T>(p.OC, Kg, w, typename PackedA<T>::Prepacked{}).mr() : 1;
  T* wt = scratch<T>(kFuseSlot, p.OC * Kg);  // (kPackSlot may hold the packed weights)
  for (int64_t i = 0; i < p.OC; ++i) {
    const T* src = p.packed ? w + (i / mr) * mr * Kg + i % mr : w + i * Kg;
    T* dst = wt + (i / 16) * Kg * 16 + i % 16;
    for (int64_t k = 0; k < Kg; ++k) dst[k * 16] = src[k * mr];
  }
  const int64_t H = p.in[1], W = p.in[2], Wp = W + 2 * p.pad[2], OH = pool.p.OH, OW = pool.p.OW, plane = pool.plane();
  // items: (image, chunk of pooled rows, chunk of 32 output channels), at least 4 per thread where
  // the images are fewer
  const int nt = threads_for(p.N * OH * p.OC);
  const int64_t ocs = p.N >= 4 * nt ? 1 : (p.OC + 31) / 32, och = (p.OC / 16 + ocs - 1) / ocs * 16;
  const int64_t per = p.N * ocs >= 4 * nt ? 1 : std::min<int64_t>(OH, (4 * nt + p.N * ocs - 1) / (p.N * ocs));
  const int64_t rows = (OH + per - 1) / per;
  for_each_image(
      p.N * per * ocs, nt,
      [&](int64_t it, int, bool) {
        const int64_t n = it / (per * ocs), r0 = (it / ocs % per) * rows, r1 = std::min(OH, r0 + rows),
                      o_lo = it % ocs * och, o_hi = std::min(p.OC, o_lo + och);
        if (r0 >= r1 || o_lo >= o_hi) return;
        // the padded input rows [2 r0, 2 r1 + 2) of image n
        const int64_t Hb = 2 * (r1 - r0) + 2;
        T* xp = scratch<T>(kImageSlot, p.C * Hb * Wp);
        for (int64_t c = 0; c < p.C; ++c)
          for (int64_t j = 0; j < Hb; ++j) {
            T* row = xp + (c * Hb + j) * Wp;
            const int64_t h = 2 * r0 + j - p.pad[1];
            if (h < 0 || h >= H) {
              std::fill(row, row + Wp, T(0));
              continue;
            }
            std::fill(row, row + p.pad[2], T(0));
            std::copy(x + ((n * p.C + c) * H + h) * W, x + ((n * p.C + c) * H + h + 1) * W, row + p.pad[2]);
            std::fill(row + p.pad[2] + W, row + Wp, T(0));
          }
        small_c_pool_rows_avx512(reinterpret_cast<const float*>(xp), p.C, Hb, Wp, reinterpret_cast<const float*>(wt),
                                 reinterpret_cast<const float*>(b), o_lo, o_hi,
                                 reinterpret_cast<float*>(pool.y + n * p.OC * plane), pool.tap + n * p.OC * plane, OH,
                                 OW, r0, r1);
      },
      kStealing);
  return true;
#else
  (void)g, (void)x, (void)w, (void)b, (void)pool;
  return false;
#endif
}

// The fused conv + relu + pool forward where the plain conv would run Winograd (one group, weights
// not packed): 2x2 pools in Winograd's output transform (winograd_output_pool22); other windows by
// Winograd over chunks of whole images into the calling thread's fuse buffer (at most
// ~batched_elems() conv outputs at a time), then the pooling epilogue image by image on the threads.
template <typename T>
void fused_forward_winograd(const Geom& g, const T* x, const T* w, const T* b, const PoolFuse<T>& pool) {
  const ConvParams& p = g.p;
  const int64_t per_image = p.OC * g.OL, chunk = std::max<int64_t>(1, batched_elems() / per_image);
  std::vector<PackedA<T>> up;
  const int64_t C2 = wino_channels(g);
  if (p.packed) {  // conv_pack_weight's buffer: the 16 packed transformed matrices
    const int64_t usz = PackedA<T>::size(p.OC, C2);
    for (int e = 0; e < 16; ++e) up.emplace_back(p.OC, C2, w + e * usz, typename PackedA<T>::Prepacked{});
  } else {
    winograd_pack_groups(g, w, scratch<T>(kPackSlot, winograd_packed_size<T>(p.OC, C2)), up);
  }
  if (pool.p.kh == 2 && pool.p.kw == 2) {  // each 2x2 output tile is one pooling window
    const WinoGeom q = wino_geom(g, p.N, per_image);
    const WinoPool<T> wp{pool.y, pool.tap, pool.p.OH, pool.p.OW};
    return winograd_conv(q, x, up, b, static_cast<T*>(nullptr), &wp);
  }
  T* buf = scratch<T>(kFuseSlot, std::min(chunk, p.N) * per_image);
  for (int64_t n0 = 0; n0 < p.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, p.N - n0);
    const WinoGeom q = wino_geom(g, nb, per_image);
    winograd_conv(q, x + n0 * p.C * g.L, up, b, buf);
    for_each_image(
        nb, threads_for(nb),
        [&](int64_t i, int, bool) {
          const int64_t po = (n0 + i) * p.OC * pool.plane();
          relu_max_pool_planes(buf + i * per_image, pool.y + po, pool.tap + po, p.OC, pool.p);
        },
        kStealing);
  }
}

template <typename T>
void forward_impl(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& yv,
                  const ConvParams& prm, const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* x = xv.ptr<T>();
  const T* b = bv.data ? bv.ptr<T>() : nullptr;
  if (pool && g.G == 1 && plan_for(g, false).forward == ConvAlgo::Winograd)
    return fused_forward_winograd(g, x, wv.ptr<T>(), b, *pool);
  if (pool && fused_forward_small_c(g, x, wv.ptr<T>(), b, *pool)) return;
  const Plan plan = plan_for(g, pool != nullptr);
  if (plan.forward == ConvAlgo::Depthwise) return depthwise_forward(g, x, wv.ptr<T>(), b, yv.ptr<T>());
  if (plan.forward == ConvAlgo::Winograd) return forward_winograd(g, x, wv.ptr<T>(), b, yv.ptr<T>());
  if (plan.forward == ConvAlgo::Direct) {
    const T* wd = wv.ptr<T>();
    if (!prm.packed) {
      T* buf = scratch<T>(kPackSlot, direct_weight_size<T>(g));
      direct_pack(g, wd, buf);
      wd = buf;
    }
    return forward_direct(g, x, wd, b, yv.ptr<T>());
  }
  const std::vector<PackedA<T>> wp = forward_weights(g, wv.ptr<T>());
  if (plan.forward == ConvAlgo::Batched) return forward_batched(g, x, wp, b, yv.ptr<T>());
  std::unique_ptr<Grid> grid;
  if (g.stride1()) grid.reset(new Grid(g.Cg, prm.in, prm.pad, prm.out, prm.kernel, prm.dilation));
  for_each_image(
      prm.N, threads_for(prm.N),
      [&](int64_t n, int, bool par) {
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
        } else if (prm.relu) {
          relu_inplace(yi, prm.OC * g.OL);
        }
      },
      kStealing);
}

template <typename T>
void backward_input_impl(const TensorView& dyv, const TensorView& wv, const TensorView& dxv, const ConvParams& prm,
                         const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* dy = pool ? nullptr : dyv.ptr<T>();
  const T* w = wv.ptr<T>();
  T* dx = dxv.ptr<T>();
  const Plan plan = plan_for(g, pool != nullptr);
  if (plan.backward_input == ConvAlgo::Depthwise) return depthwise_backward_input(g, dy, w, dx);
  if (plan.backward_input == ConvAlgo::Winograd) return backward_input_winograd(g, dy, w, dx);
  if (plan.backward_input == ConvAlgo::Batched) return backward_input_batched(g, dy, w, dx);
  if (plan.backward_input == ConvAlgo::Direct) return backward_input_direct(g, dy, w, dx);
  // The grid path packs OCg*KK x L of dy per image for a GEMM with only Cg rows: with very few input
  // channels the col2im path (GEMM with Kg rows, then a scatter) does far less work.
  std::unique_ptr<Grid> grid;
  std::vector<PackedA<T>> wp;
  if (plan.backward_input == ConvAlgo::Shifted) {
    // dx = correlation of dy (padded by (K-1)*d - p) with the flipped kernel w' [Cg, OCg*KK] per
    // group, packed once per group.
    wp = pack_groups(flipped_weights(g, w), g.G, g.Cg, g.OCg * g.KK, g.OCg * g.KK, 1);
    Dims3 lead;
    for (int i = 0; i < 3; ++i) lead[i] = (prm.kernel[i] - 1) * prm.dilation[i] - prm.pad[i];
    grid.reset(new Grid(g.OCg, prm.out, lead, prm.in, prm.kernel, prm.dilation));
  }
  for_each_image(
      prm.N, threads_for(prm.N),
      [&](int64_t n, int, bool par) {
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
            col2im_add(dcol, g.OL, g, dxg);
          }
        }
      },
      kStealing);
}

template <typename T>
void backward_weight_impl(const TensorView& dyv, const TensorView& xv, const TensorView& dwv, const TensorView& dbv,
                          const ConvParams& prm, const PoolFuse<T>* pool = nullptr) {
  const Geom g(prm);
  const T* dy = pool ? nullptr : dyv.ptr<T>();
  const T* x = xv.ptr<T>();
  const bool want_db = dbv.data != nullptr;
  const Plan plan = plan_for(g, pool != nullptr);
  if (plan.backward_weight == ConvAlgo::Depthwise)
    return depthwise_backward_weight(g, dy, x, dwv.ptr<T>(), want_db ? dbv.ptr<T>() : nullptr);
  if (plan.backward_weight == ConvAlgo::Direct)
    return backward_weight_direct(g, dy, x, dwv.ptr<T>(), want_db ? dbv.ptr<T>() : nullptr);
  const bool batched = plan.backward_weight == ConvAlgo::Batched;
  const Chunks chunks = batched ? batch_chunks(g, prm.N) : Chunks{1, prm.N, threads_for(prm.N)};
  std::unique_ptr<Grid> grid;
  if (g.stride1() && !batched) grid.reset(new Grid(g.Cg, prm.in, prm.pad, prm.out, prm.kernel, prm.dilation));
  // Per thread: dw [OC, Kg] (dw_g += dy_g @ col_g^T for its images) and db [OC], summed at the end.
  // With few reduction rows (Kg < OCg, e.g. a 1-channel first layer) the transposed product
  // dw_g^T += col_g @ dy_g^T fills the register tiles better; the final sum then transposes back.
  const bool transposed = grid && g.Kg < g.OCg;
  const int64_t wsize = prm.OC * g.Kg;
  const int nt = chunks.threads;
  T* acc = scratch<T>(kAccSlot, nt * wsize);
  TL_PAR_FOR(nt * wsize > (int64_t(1) << 16),
             for (int64_t t = 0; t < nt; ++t) std::fill(acc + t * wsize, acc + (t + 1) * wsize, T(0)););
  std::vector<double> dbacc(want_db ? static_cast<size_t>(nt * prm.OC) : 0, 0.0);
  if (batched)
    backward_weight_batched(g, chunks, dy, x, acc, want_db ? dbacc.data() : nullptr);
  else
    for_each_image(prm.N, nt, [&](int64_t n, int t, bool par) {
      const T* dyi = dy_image(dy, pool, n, prm.OC, g.OL);
      for (int64_t gi = 0; gi < g.G; ++gi) {
        const T* xg = x + (n * prm.C + gi * g.Cg) * g.L;
        const T* dyg = dyi + gi * g.OCg * g.OL;
        T* dwg = acc + t * wsize + gi * g.OCg * g.Kg;
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
  // the per-thread sums added in thread order (the same order whoever adds them)
  TL_PAR_FOR(
      wsize > (int64_t(1) << 16), for (int64_t row = 0; row < prm.OC; ++row) {
        const int64_t gi = row / g.OCg, o = row % g.OCg;
        for (int64_t k = 0; k < g.Kg; ++k) {
          const int64_t i = gi * g.OCg * g.Kg + (transposed ? k * g.OCg + o : o * g.Kg + k);
          T s = acc[i];
          for (int t = 1; t < nt; ++t) s += acc[t * wsize + i];
          dw[row * g.Kg + k] = s;
        }
      });
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
  dispatch_float("conv_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const Trimmed t = trim_taps(p);
    if (p.packed) {  // conv_pack_weight's buffer: live taps only, laid out for the algorithm
      const int64_t want = packed_size<T>(Geom(t.p));
      if (w.numel() != want)
        conv_fail("conv_forward", ErrorCode::InvalidArg,
                  "the packed weight has " + std::to_string(w.numel()) + " elements where " + std::to_string(want) +
                      " are needed (pack it with conv_pack_weight for these params)");
      return forward_impl<T>(x, w, b, y, t.p);
    }
    if (!t.active) return forward_impl<T>(x, w, b, y, p);
    TensorView wt = w;
    wt.data = scratch<T>(kTrimSlot, p.OC * (p.C / p.groups) * conv_volume(t.p.kernel));
    trim_weights(p, t, w.ptr<T>(), wt.ptr<T>());
    forward_impl<T>(x, wt, b, y, t.p);
  });
}
TL_REGISTER_KERNEL(conv_forward_op, CPU, conv_forward_cpu, kFloatTypes);

void conv_backward_input_cpu(const TensorView& dy, const TensorView& w, const TensorView& dx, const ConvParams& p) {
  check_conv("conv_backward_input", p, {{&dy, kOut}, {&w, kW}, {&dx, kIn}});
  dispatch_float("conv_backward_input", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const Trimmed t = trim_taps(p);
    if (!t.active) return backward_input_impl<T>(dy, w, dx, p);
    TensorView wt = w;
    wt.data = scratch<T>(kTrimSlot, p.OC * (p.C / p.groups) * conv_volume(t.p.kernel));
    trim_weights(p, t, w.ptr<T>(), wt.ptr<T>());
    backward_input_impl<T>(dy, wt, dx, t.p);
  });
}
TL_REGISTER_KERNEL(conv_backward_input_op, CPU, conv_backward_input_cpu, kFloatTypes);

void conv_backward_weight_cpu(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                              const ConvParams& p) {
  check_conv("conv_backward_weight", p, {{&dy, kOut}, {&x, kIn}, {&dw, kW}, {&db, kB}});
  dispatch_float("conv_backward_weight", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const Trimmed t = trim_taps(p);
    if (!t.active) return backward_weight_impl<T>(dy, x, dw, db, p);
    TensorView dwt = dw;
    dwt.data = scratch<T>(kTrimSlot, p.OC * (p.C / p.groups) * conv_volume(t.p.kernel));
    backward_weight_impl<T>(dy, x, dwt, db, t.p);
    trim_weights<T, true>(p, t, dwt.ptr<T>(), dw.ptr<T>());
  });
}
TL_REGISTER_KERNEL(conv_backward_weight_op, CPU, conv_backward_weight_cpu, kFloatTypes);

void conv_algorithms_cpu(const TensorView& out, const ConvParams& p) {
  if (p.C % p.groups || p.OC % p.groups)
    conv_fail("conv_algorithms", ErrorCode::InvalidArg, "groups must divide C and OC");
  if (out.dtype != DType::I64 || out.numel() != 5)
    conv_fail("conv_algorithms", ErrorCode::InvalidArg, "out must be an int64 tensor of 5 elements");
  const Geom g(trim_taps(p).p);
  const Plan pl = plan_for(g, false);
  int64_t* o = out.ptr<int64_t>();
  o[0] = static_cast<int64_t>(pl.forward);
  o[1] = static_cast<int64_t>(pl.backward_input);
  o[2] = static_cast<int64_t>(pl.backward_weight);
  o[3] = packed_size<float>(g);
  o[4] = packed_size<double>(g);
}
TL_REGISTER_KERNEL(conv_algorithms_op, CPU, conv_algorithms_cpu, dtype_bit(DType::I64));

void conv_pack_weight_cpu(const TensorView& w, const TensorView& out, const ConvParams& p) {
  check_conv("conv_pack_weight", p, {{&w, kW}});
  if (p.packed) conv_fail("conv_pack_weight", ErrorCode::InvalidArg, "the weight to pack must not be packed already");
  if (out.dtype != w.dtype) conv_fail("conv_pack_weight", ErrorCode::InvalidArg, "out must have the weight's dtype");
  dispatch_float("conv_pack_weight", w.dtype, [&](auto z) {
    using T = decltype(z);
    const Trimmed t = trim_taps(p);
    const Geom g(t.p);
    if (out.numel() != packed_size<T>(g))
      conv_fail("conv_pack_weight", ErrorCode::InvalidArg,
                "out has " + std::to_string(out.numel()) + " elements where " + std::to_string(packed_size<T>(g)) +
                    " are needed");
    const T* src = w.ptr<T>();
    T* live = out.ptr<T>();
    const ConvAlgo a = plan_for(g, false).forward;
    const bool raw = a == ConvAlgo::Depthwise;
    if (t.active) {
      live = raw ? out.ptr<T>() : scratch<T>(kTrimSlot, p.OC * g.Kg);
      trim_weights(p, t, src, live);
      src = live;
    }
    if (raw) {
      if (!t.active) std::copy(src, src + p.OC * g.Kg, out.ptr<T>());
      return;
    }
    if (a == ConvAlgo::Direct) return direct_pack(g, src, out.ptr<T>());
    if (a == ConvAlgo::Winograd) {
      std::vector<PackedA<T>> up;
      winograd_pack_groups(g, src, out.ptr<T>(), up);
      return;
    }
    const int64_t sz = PackedA<T>::size(g.OCg, g.Kg);
    for (int64_t gi = 0; gi < g.G; ++gi)
      PackedA<T>(g.OCg, g.Kg, StridedOperand<T>(src + gi * g.OCg * g.Kg, g.Kg, 1), out.ptr<T>() + gi * sz);
  });
}
TL_REGISTER_KERNEL(conv_pack_weight_op, CPU, conv_pack_weight_cpu, kFloatTypes);

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
    if (p.packed) {  // conv_pack_weight's buffer, in a layout that the fused forward reads
      const Trimmed t = trim_taps(p);
      const Geom g(t.p);
      const ConvAlgo a = plan_for(g, false).forward;
      if (a == ConvAlgo::Direct || a == ConvAlgo::Depthwise || (a == ConvAlgo::Winograd && g.G > 1))
        conv_fail("conv2d_relu_max_pool2d_forward", ErrorCode::InvalidArg,
                  "pre-packed weights need a GEMM or one-group Winograd layout; this shape packs for " +
                      std::string(enum_info(a).values.at(static_cast<size_t>(a))) + " (pass the weight unpacked)");
      if (w.numel() != packed_size<T>(g))
        conv_fail("conv2d_relu_max_pool2d_forward", ErrorCode::InvalidArg,
                  "the packed weight has " + std::to_string(w.numel()) + " elements where " +
                      std::to_string(packed_size<T>(g)) +
                      " are needed (pack it with conv_pack_weight for these params)");
      return forward_impl<T>(x, w, b, y, t.p, &f);
    }
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
