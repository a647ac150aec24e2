// native/cuda/conv.cu — CUDA kernels of the convolution ops declared in ops/conv.h: conv_forward,
// conv_backward_input and conv_backward_weight (1-D, 2-D and 3-D: one implicit-GEMM geometry over
// three spatial dims) and the fused conv2d_relu_max_pool2d_{forward,backward_input,backward_weight};
// float32 and float64; semantics of native/cpu/conv.cc.
// Contract (ConvParams in ops/conv.h): x [N, C, D, H, W], w [OC, C/groups, KD, KH, KW],
// y [N, OC, OD, OH, OW], spatial dims right-aligned, any stride / padding / dilation / groups;
// contiguous device buffers; arguments checked by check_conv (core/conv_params.h) and require_cuda.
// Every output (y, dx, dw, db) is overwritten. b.data == nullptr: no bias; db.data == nullptr: no
// bias gradient.
// Method: implicit GEMMs (gemm.cuh) — the im2col matrix is never stored; one GEMM per group (the
// group is the GEMM's z index), the batch folded into a GEMM dimension (L = D*H*W, OL = OD*OH*OW,
// k = (c, kd, kh, kw), Kg = C/groups*KD*KH*KW, as on the CPU):
//   forward      y_g  [OCg, N*OL] = w_g [OCg, Kg] @ col_g [Kg, N*OL]                (+ bias per row)
//   input grad   one GEMM per stride phase r (the inputs at r + i*stride in every dim):
//                dx_g,r [Cg, N*Lr] = w_g,r^T [Cg, OCg*Tr] @ dycol_g,r [OCg*Tr, N*Lr] over the Tr taps
//                that reach phase r from some output (a gather: dycol((o, tap), (n, input)) = dy[n, o,
//                input's output for that tap] or 0 at the border — no scatter, and no product with the
//                zeros a stride puts between outputs)
//   weight grad  dw_g [OCg, Kg]   = dy_g [OCg, N*OL] @ col_g^T [N*OL, Kg]
//                (K = N*OL is split in a shape-determined way, partials added in order)
//   bias grad    db[o] = sum over n and space of dy (double accumulation, fixed-order tree)
// The forward and input-gradient loaders read each reduction index's tap from a small per-call table
// (Tap) instead of dividing by the kernel's sizes for every element.
// A conv whose leading spatial dim is trivial (1-D, 2-D) runs the same loaders compiled without the
// depth arithmetic (Geo<false>). All deterministic; no atomics.
// Fused conv + relu + max pool (non-overlapping windows, Pool2dParams pp describes the pooling of the
// conv output): unlike the CPU kernel the full conv output (forward) and its gradient (backward) are
// materialised in a temporary device buffer; pooling / unpooling then follow relu_max_pool2d exactly
// (tap = window-local argmax, a greater value or a NaN wins; dx gets dy at the tap where !(y <= 0),
// zero elsewhere, including rows/columns no window covers).
#include <string>
#include <vector>

#include "core/conv_params.h"
#include "cuda/gemm.cuh"

namespace tl {
namespace cuda {
namespace {

using gemm::PlaneC;
using gemm::Strided;

// The sizes the loaders use, in 32 bits where the indexing allows (checked).
template <bool Deep>
struct Geo {
  static constexpr bool kDeep = Deep;
  int64_t N, C, OC, G, Cg, OCg, L, OL, Kg;
  int D, H, W, KD, KH, KW, OD, OH, OW, sd, sh, sw, pd, ph, pw, dd, dh, dw, KK, KHW, OHW;
  explicit Geo(const ConvParams& p) {
    for (int i = 0; i < 3; ++i)
      if (p.in[i] > INT32_MAX || p.kernel[i] > INT32_MAX || p.out[i] > INT32_MAX || p.stride[i] > INT32_MAX ||
          p.pad[i] > INT32_MAX || p.dilation[i] > INT32_MAX)
        throw Error(ErrorCode::InvalidArg, "torchlet: conv on CUDA: sizes too large");
    N = p.N, C = p.C, OC = p.OC, G = p.groups, Cg = p.C / p.groups, OCg = p.OC / p.groups;
    L = conv_volume(p.in), OL = conv_volume(p.out);
    D = int(p.in[0]), H = int(p.in[1]), W = int(p.in[2]);
    KD = int(p.kernel[0]), KH = int(p.kernel[1]), KW = int(p.kernel[2]);
    OD = int(p.out[0]), OH = int(p.out[1]), OW = int(p.out[2]);
    sd = int(p.stride[0]), sh = int(p.stride[1]), sw = int(p.stride[2]);
    pd = int(p.pad[0]), ph = int(p.pad[1]), pw = int(p.pad[2]);
    dd = int(p.dilation[0]), dh = int(p.dilation[1]), dw = int(p.dilation[2]);
    const int64_t kk = conv_volume(p.kernel);
    Kg = Cg * kk;
    if (Kg > INT32_MAX || OCg * kk > INT32_MAX || L > INT32_MAX || OL > INT32_MAX)
      throw Error(ErrorCode::InvalidArg, "torchlet: conv on CUDA: sizes too large");
    KK = int(kk), KHW = KH * KW, OHW = OH * OW;
    for (int i = 0; i < 3; ++i)  // tap offsets (k - 1) * dilation + padding, and in + padding, fit 32 bits
      if ((p.kernel[i] - 1) * p.dilation[i] + p.pad[i] > INT32_MAX || p.in[i] + p.pad[i] > INT32_MAX)
        throw Error(ErrorCode::InvalidArg, "torchlet: conv on CUDA: sizes too large");
    if (OCg * Cg * kk > INT32_MAX) throw Error(ErrorCode::InvalidArg, "torchlet: conv on CUDA: sizes too large");
  }
  // q -> (a, b, c) in a volume with planes of `plane` and rows of `row` elements (a = 0 unless Deep)
  TL_HD void split3(int q, int plane, int row, int& a, int& b, int& c) const {
    a = 0;
    if (Deep) a = q / plane, q -= a * plane;
    b = q / row;
    c = q - b * row;
  }
  // j = (n, a, b, c) over images of `vol` elements: returns n
  TL_HD int64_t split_image(int64_t j, int64_t vol, int plane, int row, int& a, int& b, int& c) const {
    int64_t n, q;
    divmod64(j, vol, n, q);
    split3(int(q), plane, row, a, b, c);
    return n;
  }
  // reduction index k = (ch, kd, kh, kw): returns ch (the channel, or the output channel for dy)
  TL_HD int split_k(int64_t k, int& kd, int& kh, int& kw) const {
    const int ch = int(k) / KK;
    split3(int(k) - ch * KK, KHW, KW, kd, kh, kw);
    return ch;
  }
  // x[base + (id, ih, iw)] of a [D, H, W] volume, 0 outside it
  template <typename T>
  TL_HD T input_at(const T* x, int64_t base, int id, int ih, int iw) const {
    const bool inside =
        (!Deep || unsigned(id) < unsigned(D)) && unsigned(ih) < unsigned(H) && unsigned(iw) < unsigned(W);
    return inside ? x[base + ((Deep ? int64_t(id) * H : 0) + ih) * W + iw] : T(0);
  }
};

// ---- GEMM operands --------------------------------------------------------------------------------

// A loader's context for one outer index: a base offset and a position share (d, h, w).
struct Pos {
  int64_t base;
  int d, h, w;
};

// A tap of the kernel as a GEMM reduction index sees it, precomputed per call in a small device table
// so that the operand loaders do no division by the kernel's sizes:
//   forward (k = (c, kd, kh, kw)):  a = c, b unused, d/h/w = kd*dd - pd, kh*dh - ph, kw*dw - pw
//   input gradient, one phase (k = (o, valid tap)): a = o, b = the tap's weight offset o*Cg*KK + kk,
//                                   d/h/w = the output offset of the tap (see DyPhase)
struct alignas(16) Tap {
  int a, b, h, w;
  int d, pad0, pad1, pad2;
};

// forward taps: tab[k] for k < Kg
template <class Geom>
__global__ void forward_taps_kernel(Tap* __restrict tab, Geom g) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < g.Kg; k += int64_t(gridDim.x) * blockDim.x) {
    int kd, kh, kw;
    const int c = g.split_k(k, kd, kh, kw);
    tab[k] = Tap{c, 0, kh * g.dh - g.ph, kw * g.dw - g.pw, kd * g.dd - g.pd, 0, 0, 0};
  }
}

// Forward B, the im2col matrix of group z: X(j, k) = x[n, z*Cg + c, od*sd - pd + kd*dd, oh*sh - ph +
// kh*dh, ow*sw - pw + kw*dw] (0 in the padding), j = (n, od, oh, ow) (outer), k = (c, kd, kh, kw) from
// the tap table.
template <typename T, class Geom>
struct ColTab {
  static constexpr bool kContig = false;
  using Ctx = Pos;
  const T* x;
  const Tap* tab;
  Geom g;
  TL_HD Ctx ctx(int64_t z, int64_t j) const {
    int od, oh, ow;
    const int64_t n = g.split_image(j, g.OL, g.OHW, g.OW, od, oh, ow);
    return {(n * g.C + z * g.Cg) * g.L, od * g.sd, oh * g.sh, ow * g.sw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t k) const {
    const Tap e = tab[k];
    return g.input_at(x, c.base + int64_t(e.a) * g.L, c.d + e.d, c.h + e.h, c.w + e.w);
  }
};

// Weight-gradient B, the im2col matrix of group z transposed: X(k, j) (outer k = (c, kd, kh, kw),
// reduction j = (n, od, oh, ow)), the same elements as ColTab's.
template <typename T, class Geom>
struct Col {
  static constexpr bool kContig = true;
  using Ctx = Pos;
  const T* x;
  Geom g;
  TL_HD Ctx ctx(int64_t z, int64_t k) const {
    int kd, kh, kw;
    const int c = g.split_k(k, kd, kh, kw);
    return {(z * g.Cg + c) * g.L, kd * g.dd - g.pd, kh * g.dh - g.ph, kw * g.dw - g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t j) const {
    int od, oh, ow;
    const int64_t n = g.split_image(j, g.OL, g.OHW, g.OW, od, oh, ow);
    return g.input_at(x, c.base + n * g.C * g.L, c.d + od * g.sd, c.h + oh * g.sh, c.w + ow * g.sw);
  }
};

// X(i, k) = p[z*zs + i*is + (k / B)*bs + k % B]: a matrix whose reduction index runs over blocks of B
// contiguous elements —
//   input-gradient A:  X(c, (o, kk)) = w[z*OCg + o, c, kk]      (is = B = KK, bs = Cg*KK)
//   weight-gradient A: X(o, (n, q))  = dy[n, z*OCg + o, q]      (is = B = OL, bs = OC*OL)
template <typename T>
struct Blocked {
  static constexpr bool kContig = true;
  using Ctx = const T*;
  const T* p;
  int64_t zs, is, B, bs;
  TL_HD Ctx ctx(int64_t z, int64_t i) const { return p + z * zs + i * is; }
  TL_HD T load(Ctx c, int64_t, int64_t k) const {
    int64_t b, r;
    divmod64(k, B, b, r);
    return c[b * bs + r];
  }
};

// The input gradient, one stride phase at a time. The inputs of phase r = (rd, rh, rw) are those at
// (rd + a*sd, rh + b*sh, rw + c*sw); a tap (kd, kh, kw) reaches one of them from an output exactly when
// rh + ph - kh*dh is a multiple of sh (and the same for d, w): the phase's valid taps, a product of
// three arithmetic progressions (Phase1). Its output is then oh = b + (rh + ph - kh*dh) / sh: the tap's
// offset q, so the GEMM over the phase's inputs and valid taps does no division and multiplies no
// zero that the stride puts in (a stride-1 conv is one phase with every tap valid).
struct Phase1 {  // one dimension of a phase: inputs r + i*s for i < len; taps first + t*step for t < count
  int r, len, first, step, count;
};
inline Phase1 phase1(int r, int in, int k, int s, int p, int dil) {
  Phase1 f{r, r < in ? (in - r + s - 1) / s : 0, 0, 1, 0};
  for (int t = 0; t < k; ++t)
    if ((r + p - int64_t(t) * dil) % s == 0) {
      if (f.count == 0)
        f.first = t;
      else if (f.count == 1)
        f.step = t - f.first;
      ++f.count;
    }
  return f;
}
struct PhaseG {
  Phase1 d, h, w;
  int64_t len() const { return int64_t(d.len) * h.len * w.len; }
  int64_t taps() const { return int64_t(d.count) * h.count * w.count; }
};

// the phase's taps: tab[k] for k = (o, t) < OCg * taps, t = (td, th, tw)
template <class Geom>
__global__ void phase_taps_kernel(Tap* __restrict tab, Geom g, PhaseG ph) {
  const int64_t nt = int64_t(ph.d.count) * ph.h.count * ph.w.count, total = g.OCg * nt;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total; k += int64_t(gridDim.x) * blockDim.x) {
    const int o = int(k / nt);
    int t = int(k - o * nt);
    const int tw = t % ph.w.count;
    t /= ph.w.count;
    const int th = t % ph.h.count, td = t / ph.h.count;
    const int kd = ph.d.first + td * ph.d.step, kh = ph.h.first + th * ph.h.step, kw = ph.w.first + tw * ph.w.step;
    const int kk = (kd * g.KH + kh) * g.KW + kw;
    tab[k] = Tap{o,
                 o * int(g.Cg) * g.KK + kk,
                 (ph.h.r + g.ph - kh * g.dh) / g.sh,
                 (ph.w.r + g.pw - kw * g.dw) / g.sw,
                 (ph.d.r + g.pd - kd * g.dd) / g.sd,
                 0,
                 0,
                 0};
  }
}

// Input-gradient A for one phase: X(c, k) = w[z*OCg + o, c, kk] for the phase's tap k = (o, kk).
template <typename T>
struct WPhase {
  static constexpr bool kContig = true;
  using Ctx = const T*;
  const T* w;
  const Tap* tab;
  int64_t zs, KK;
  TL_HD Ctx ctx(int64_t z, int64_t c) const { return w + z * zs + c * KK; }
  TL_HD T load(Ctx c, int64_t, int64_t k) const { return c[tab[k].b]; }
};

// Input-gradient B for one phase: X(j, k) = dy[n, z*OCg + o, a + qd, b + qh, c + qw] (0 outside dy),
// j = (n, a, b, c) over the phase's inputs, k = (o, tap) from the table (q: the tap's offsets).
template <typename T, class Geom>
struct DyPhase {
  static constexpr bool kContig = false;
  using Ctx = Pos;  // the image's dy base, (a, b, c)
  const T* dy;
  const Tap* tab;
  Geom g;
  int64_t Lp;
  int HWp, Wp;
  TL_HD Ctx ctx(int64_t z, int64_t j) const {
    int a, b, c;
    const int64_t n = g.split_image(j, Lp, HWp, Wp, a, b, c);
    return {(n * g.OC + z * g.OCg) * g.OL, a, b, c};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t k) const {
    const Tap e = tab[k];
    const int od = Geom::kDeep ? c.d + e.d : 0, oh = c.h + e.h, ow = c.w + e.w;
    const bool inside = (!Geom::kDeep || unsigned(od) < unsigned(g.OD)) && unsigned(oh) < unsigned(g.OH) &&
                        unsigned(ow) < unsigned(g.OW);
    return inside ? dy[c.base + int64_t(e.a) * g.OL + (int64_t(od) * g.OH + oh) * g.OW + ow] : T(0);
  }
};

// The input gradient's store for one phase: row i of group z is channel z*Cg + i, column j = (n, a, b, c)
// is the input (rd + a*sd, rh + b*sh, rw + c*sw) of image n.
template <typename T>
struct PhaseC {
  T* c;
  int64_t Cg, L, CL, Lp;
  int HWp, Wp, H, W, rd, rh, rw, sd, sh, sw;
  TL_HD int64_t row(int64_t z, int64_t i) const { return (z * Cg + i) * L; }
  TL_HD int64_t col(int64_t, int64_t j) const {
    int64_t n, q;
    divmod64(j, Lp, n, q);
    const int a = int(q) / HWp, r = int(q) - a * HWp, b = r / Wp, cc = r - b * Wp;
    return n * CL + (int64_t(rd + a * sd) * H + rh + b * sh) * W + rw + cc * sw;
  }
  TL_HD T rbias(int64_t, int64_t) const { return T(0); }
  TL_HD T cbias(int64_t, int64_t) const { return T(0); }
};

// ---- the three convolutions -----------------------------------------------------------------------

template <typename T, class Geom>
void forward_t(const T* x, const T* w, const T* b, T* y, const Geom& g) {
  DeviceBuffer tab(size_t(g.Kg) * sizeof(Tap));
  cuda::launch<forward_taps_kernel<Geom>>(blocks_for(g.Kg), 256, 0, stream(), tab.as<Tap>(), g);
  TL_CUDA_LAUNCH_CHECK("conv_forward (taps)");
  const Strided<T, true> A{w, g.OCg * g.Kg, g.Kg, 1};
  const ColTab<T, Geom> B{x, tab.as<Tap>(), g};
  const PlaneC<T> Cs{y, b, g.OCg, g.OL, g.OC * g.OL};
  gemm::run<T>(g.G, g.OCg, g.N * g.OL, g.Kg, T(1), T(0), A, B, Cs, "conv_forward");
}

template <typename T, class Geom>
void backward_input_t(const T* dy, const T* w, T* dx, const Geom& g) {
  std::vector<PhaseG> phases;
  int64_t entries = 0;
  // phases r >= the input size hold no input: a stride far above the input (legal) costs nothing
  for (int rd = 0; rd < (Geom::kDeep ? std::min(g.sd, g.D) : 1); ++rd)
    for (int rh = 0; rh < std::min(g.sh, g.H); ++rh)
      for (int rw = 0; rw < std::min(g.sw, g.W); ++rw) {
        const PhaseG ph{phase1(rd, g.D, g.KD, g.sd, g.pd, g.dd), phase1(rh, g.H, g.KH, g.sh, g.ph, g.dh),
                        phase1(rw, g.W, g.KW, g.sw, g.pw, g.dw)};
        if (ph.len() == 0) continue;  // no input in this phase (input smaller than the stride)
        phases.push_back(ph);
        entries += g.OCg * ph.taps();
      }
  DeviceBuffer tab(size_t(entries) * sizeof(Tap));
  int64_t off = 0;
  for (const PhaseG& ph : phases) {
    Tap* t = tab.as<Tap>() + off;
    const int64_t K = g.OCg * ph.taps();
    off += K;
    if (K > 0) {
      cuda::launch<phase_taps_kernel<Geom>>(blocks_for(K), 256, 0, stream(), t, g, ph);
      TL_CUDA_LAUNCH_CHECK("conv_backward_input (taps)");
    }
    const int HWp = ph.h.len * ph.w.len;
    const WPhase<T> A{w, t, g.OCg * g.Cg * g.KK, g.KK};
    const DyPhase<T, Geom> B{dy, t, g, ph.len(), HWp, ph.w.len};
    const PhaseC<T> Cs{dx,  g.Cg,   g.L,    g.C * g.L, ph.len(), HWp,  ph.w.len, g.H,
                       g.W, ph.d.r, ph.h.r, ph.w.r,    g.sd,     g.sh, g.sw};
    // K == 0 (no tap reaches this phase): the GEMM writes zeros
    gemm::run<T>(g.G, g.Cg, g.N * ph.len(), K, T(1), T(0), A, B, Cs, "conv_backward_input");
  }
}

template <typename T, class Geom>
void backward_weight_t(const T* dy, const T* x, T* dw, T* db, const Geom& g) {
  const Blocked<T> A{dy, g.OCg * g.OL, g.OL, g.OL, g.OC * g.OL};
  const Col<T, Geom> B{x, g};
  const PlaneC<T> Cs{dw, nullptr, g.OCg, g.Kg, 0};
  gemm::run<T>(g.G, g.OCg, g.Kg, g.N * g.OL, T(1), T(0), A, B, Cs, "conv_backward_weight");
  if (db) gemm::channel_sum<T>(dy, g.N, g.OC, g.OL, db, "conv_backward_weight (bias)");
}

// ---- fused relu + max pooling of the conv output ----------------------------------------------------

// yc [planes, H, W] -> y, tap [planes, OH, OW]: window (kh x kw, stride = window) max, greater or NaN
// wins (so the last NaN), then relu (a NaN stays NaN); tap = i*kw + j of the max.
template <typename T>
__global__ void relu_max_pool_kernel(const T* __restrict yc, T* __restrict y, uint8_t* __restrict tap, int64_t total,
                                     int64_t H, int64_t W, int64_t OH, int64_t OW, int kh, int kw) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    int64_t t, pw, plane, ph;
    divmod64(e, OW, t, pw);
    divmod64(t, OH, plane, ph);
    const T* w0 = yc + plane * H * W + ph * kh * W + pw * kw;
    T best = w0[0];
    int bt = 0;
    for (int i = 0; i < kh; ++i)
      for (int j = 0; j < kw; ++j) {
        const T v = w0[i * W + j];
        const bool take = (v > best) | (v != v);
        best = take ? v : best;
        bt = take ? i * kw + j : bt;
      }
    y[e] = best <= T(0) ? T(0) : best;
    tap[e] = static_cast<uint8_t>(bt);
  }
}

// dyc [planes, H, W] (every element written) = g at the tap of windows where !(y <= 0), else 0.
template <typename T>
__global__ void relu_max_unpool_kernel(const T* __restrict g, const T* __restrict y, const uint8_t* __restrict tap,
                                       T* __restrict dyc, int64_t total, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                       int kh, int kw) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    int64_t t, w, plane, h;
    divmod64(e, W, t, w);
    divmod64(t, H, plane, h);
    T v = T(0);
    if (h < OH * kh && w < OW * kw) {
      const int64_t ph = h / kh, pw = w / kw;
      const int i = int(h - ph * kh), j = int(w - pw * kw);
      const int64_t o = (plane * OH + ph) * OW + pw;
      if (int(tap[o]) == i * kw + j && !(y[o] <= T(0))) v = g[o];
    }
    dyc[e] = v;
  }
}

// The conv-output gradient [N, OC, OH, OW] rebuilt from the pooled gradient, in a device temporary.
template <typename T>
void unpool_into(const T* g, const T* y, const uint8_t* tap, T* dyc, const Pool2dParams& pp) {
  const int64_t total = pp.N * pp.C * pp.H * pp.W;
  if (total <= 0) return;
  cuda::launch<relu_max_unpool_kernel<T>>(blocks_for(total), 256, 0, stream(), g, y, tap, dyc, total, pp.H, pp.W, pp.OH,
                                          pp.OW, int(pp.kh), int(pp.kw));
  TL_CUDA_LAUNCH_CHECK("conv2d_relu_max_pool2d (unpool)");
}

// ---- registered entry points --------------------------------------------------------------------------

constexpr ConvRole kIn = ConvRole::Input, kW = ConvRole::Weight, kB = ConvRole::Bias, kOut = ConvRole::Output,
                   kPooled = ConvRole::Pooled, kTap = ConvRole::Tap;

// The checks of every entry point (check_conv, then require_cuda on the present tensors), then
// f(T{}, geometry) with T the operands' float type and the geometry of p (Geo<false> when the
// leading spatial dim is trivial).
template <typename F>
void run_conv(const char* op, const ConvParams& p, std::initializer_list<ConvArg> args, const Pool2dParams* pool, F f) {
  check_conv(op, p, args, pool);
  for (const ConvArg& a : args)
    if (a.t->data) require_cuda(op, {a.t});
  const bool deep = p.in[0] != 1 || p.kernel[0] != 1 || p.pad[0] != 0;
  auto with_geo = [&](auto z) {
    if (deep)
      f(z, Geo<true>(p));
    else
      f(z, Geo<false>(p));
  };
  if (args.begin()->t->dtype == DType::F32)
    with_geo(float(0));
  else
    with_geo(double(0));
}

template <typename T>
T* opt(const TensorView& v) {
  return v.data ? v.ptr<T>() : nullptr;
}

// y = max(y, 0) in place, NaN kept (the relu epilogue of conv_forward).
template <typename T>
__global__ void relu_inplace_kernel(T* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    if (y[i] <= T(0)) y[i] = T(0);
}

void conv_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                       const ConvParams& p) {
  if (p.packed)
    throw Error(ErrorCode::NotImplemented,
                "torchlet: conv_forward: pre-packed weights (packed = true) are not implemented for device cuda");
  run_conv("conv_forward", p, {{&x, kIn}, {&w, kW}, {&b, kB}, {&y, kOut}}, nullptr, [&](auto z, const auto& g) {
    using T = decltype(z);
    forward_t<T>(x.ptr<T>(), w.ptr<T>(), opt<T>(b), y.ptr<T>(), g);
    if (p.relu) {
      const int64_t n = y.numel();
      cuda::launch<relu_inplace_kernel<T>>(blocks_for(n), 256, 0, stream(), y.ptr<T>(), n);
      TL_CUDA_LAUNCH_CHECK("conv_forward relu");
    }
  });
}
TL_REGISTER_KERNEL(conv_forward_op, CUDA, conv_forward_cuda, kFloatTypes);

void conv_backward_input_cuda(const TensorView& dy, const TensorView& w, const TensorView& dx, const ConvParams& p) {
  run_conv("conv_backward_input", p, {{&dy, kOut}, {&w, kW}, {&dx, kIn}}, nullptr, [&](auto z, const auto& g) {
    using T = decltype(z);
    backward_input_t<T>(dy.ptr<T>(), w.ptr<T>(), dx.ptr<T>(), g);
  });
}
TL_REGISTER_KERNEL(conv_backward_input_op, CUDA, conv_backward_input_cuda, kFloatTypes);

void conv_backward_weight_cuda(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                               const ConvParams& p) {
  run_conv("conv_backward_weight", p, {{&dy, kOut}, {&x, kIn}, {&dw, kW}, {&db, kB}}, nullptr,
           [&](auto z, const auto& g) {
             using T = decltype(z);
             backward_weight_t<T>(dy.ptr<T>(), x.ptr<T>(), dw.ptr<T>(), opt<T>(db), g);
           });
}
TL_REGISTER_KERNEL(conv_backward_weight_op, CUDA, conv_backward_weight_cuda, kFloatTypes);

void conv2d_relu_max_pool2d_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b,
                                         const TensorView& y, const TensorView& tap, const ConvParams& p,
                                         const Pool2dParams& pp) {
  if (p.packed)
    throw Error(ErrorCode::NotImplemented,
                "torchlet: conv2d_relu_max_pool2d_forward: pre-packed weights (packed = true) are not implemented for "
                "device cuda");
  run_conv("conv2d_relu_max_pool2d_forward", p, {{&x, kIn}, {&w, kW}, {&b, kB}, {&y, kPooled}, {&tap, kTap}}, &pp,
           [&](auto z, const auto& g) {
             using T = decltype(z);
             DeviceBuffer yc(size_t(g.N * g.OC * g.OL) * sizeof(T));
             forward_t<T>(x.ptr<T>(), w.ptr<T>(), opt<T>(b), yc.as<T>(), g);
             const int64_t total = pp.N * pp.C * pp.OH * pp.OW;
             if (total <= 0) return;
             cuda::launch<relu_max_pool_kernel<T>>(blocks_for(total), 256, 0, stream(), yc.as<T>(), y.ptr<T>(),
                                                   tap.ptr<uint8_t>(), total, pp.H, pp.W, pp.OH, pp.OW, int(pp.kh),
                                                   int(pp.kw));
             TL_CUDA_LAUNCH_CHECK("conv2d_relu_max_pool2d_forward (pool)");
           });
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_forward_op, CUDA, conv2d_relu_max_pool2d_forward_cuda, kFloatTypes);

void conv2d_relu_max_pool2d_backward_input_cuda(const TensorView& gv, const TensorView& y, const TensorView& tap,
                                                const TensorView& w, const TensorView& dx, const ConvParams& p,
                                                const Pool2dParams& pp) {
  run_conv("conv2d_relu_max_pool2d_backward_input", p,
           {{&gv, kPooled}, {&y, kPooled}, {&tap, kTap}, {&w, kW}, {&dx, kIn}}, &pp, [&](auto z, const auto& g) {
             using T = decltype(z);
             DeviceBuffer dyc(size_t(g.N * g.OC * g.OL) * sizeof(T));
             unpool_into<T>(gv.ptr<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), dyc.as<T>(), pp);
             backward_input_t<T>(dyc.as<T>(), w.ptr<T>(), dx.ptr<T>(), g);
           });
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_input_op, CUDA, conv2d_relu_max_pool2d_backward_input_cuda,
                   kFloatTypes);

void conv2d_relu_max_pool2d_backward_weight_cuda(const TensorView& gv, const TensorView& y, const TensorView& tap,
                                                 const TensorView& x, const TensorView& dw, const TensorView& db,
                                                 const ConvParams& p, const Pool2dParams& pp) {
  run_conv("conv2d_relu_max_pool2d_backward_weight", p,
           {{&gv, kPooled}, {&y, kPooled}, {&tap, kTap}, {&x, kIn}, {&dw, kW}, {&db, kB}}, &pp,
           [&](auto z, const auto& g) {
             using T = decltype(z);
             DeviceBuffer dyc(size_t(g.N * g.OC * g.OL) * sizeof(T));
             unpool_into<T>(gv.ptr<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), dyc.as<T>(), pp);
             backward_weight_t<T>(dyc.as<T>(), x.ptr<T>(), dw.ptr<T>(), opt<T>(db), g);
           });
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_weight_op, CUDA, conv2d_relu_max_pool2d_backward_weight_cuda,
                   kFloatTypes);

}  // namespace
}  // namespace cuda
}  // namespace tl
