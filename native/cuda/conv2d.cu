// native/cuda/conv2d.cu — CUDA kernels conv2d_forward_op, conv2d_backward_input_op,
// conv2d_backward_weight_op and the fused conv2d_relu_max_pool2d_{forward,backward_input,backward_weight}_op
// (float32 and float64; other or mixed dtypes throw tl::Error(Invalid)); semantics of native/cpu/conv2d.cc.
// Contract (Conv2dParams in core/ops.h): x [N, C, H, W], w [OC, C/groups, KH, KW], y [N, OC, OH, OW],
// any stride / padding / dilation / groups; contiguous device buffers. Every output (y, dx, dw, db)
// is overwritten. b.data == nullptr: no bias; db.data == nullptr: no bias gradient.
// Method: implicit GEMMs (gemm.cuh) — the im2col matrix is never stored; one GEMM per group (the
// group is the GEMM's z index), the batch folded into a GEMM dimension:
//   forward      y_g  [OCg, N*OHW] = w_g [OCg, Kg] @ col_g [Kg, N*OHW]          (+ bias per row)
//   input grad   dx_g [Cg, N*HW]   = w_g^T [Cg, OCg*KK] @ dycol_g [OCg*KK, N*HW]
//                (a gather: dycol(k = (o, kh, kw), (n, ih, iw)) = dy[n, o, oh, ow] where
//                 oh*sh = ih + ph - kh*dh exactly, else 0 — no scatter, no atomics)
//   weight grad  dw_g [OCg, Kg]    = dy_g [OCg, N*OHW] @ col_g^T [N*OHW, Kg]
//                (K = N*OHW is split in a shape-determined way, partials added in order)
//   bias grad    db[o] = sum over n, oh, ow of dy (double accumulation, fixed-order tree)
// k = (c, kh, kw) with Kg = C/groups*KH*KW, as on the CPU. All deterministic.
// Fused conv + relu + max pool (non-overlapping windows, Pool2dParams pp describes the pooling of
// the conv output): unlike the CPU kernel the full conv output (forward) and its gradient (backward)
// are materialised in a temporary device buffer; pooling / unpooling then follow relu_max_pool2d
// exactly (tap = window-local argmax, a greater value or a NaN wins; dx gets dy at the tap where
// !(y <= 0), zero elsewhere, including rows/columns no window covers).
#include <string>

#include "core/conv_params.h"
#include "core/dispatch.h"
#include "cuda/gemm.cuh"

namespace tl {
namespace cuda {
// The 3-D kernels (conv3d.cu).
void conv3d_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y, const Conv3dParams& p);
void conv3d_backward_input_cuda(const TensorView& dy, const TensorView& w, const TensorView& dx, const Conv3dParams& p);
void conv3d_backward_weight_cuda(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                                const Conv3dParams& p);

namespace {

using gemm::PlaneC;
using gemm::Strided;

struct Geo2 {
  int64_t N, C, OC, G, Cg, OCg, HW, OHW, Kg;
  int H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, KK;
  explicit Geo2(const Conv2dParams& p) {
    N = p.N;
    C = p.C;
    OC = p.OC;
    G = p.groups;
    Cg = p.C / p.groups;
    OCg = p.OC / p.groups;
    HW = p.H * p.W;
    OHW = p.OH * p.OW;
    Kg = Cg * p.KH * p.KW;
    H = int(p.H), W = int(p.W), KH = int(p.KH), KW = int(p.KW), OH = int(p.OH), OW = int(p.OW);
    sh = int(p.sh), sw = int(p.sw), ph = int(p.ph), pw = int(p.pw), dh = int(p.dh), dw = int(p.dw);
    KK = int(p.KH * p.KW);
    if (Kg > INT32_MAX || OCg * KK > INT32_MAX || p.H > INT32_MAX || p.W > INT32_MAX || HW > INT32_MAX ||
        OHW > INT32_MAX)
      throw Error(ErrorCode::InvalidArg, "torchlet: conv2d on CUDA: sizes too large");
  }
};

// ---- GEMM operands --------------------------------------------------------------------------------

// Forward B: X(j, k) = col_g[k][j] = x[n, z*Cg + c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw] (0 in the
// padding), j = (n, oh, ow), k = (c, kh, kw).
template <typename T>
struct FwdCol {
  static constexpr bool kContig = false;
  struct Ctx {
    int64_t base;
    int ih0, iw0;
  };
  const T* x;
  Geo2 g;
  TL_HD Ctx ctx(int64_t z, int64_t j) const {
    int64_t n, q;
    divmod64(j, g.OHW, n, q);
    const int oh = int(q) / g.OW, ow = int(q) - oh * g.OW;
    return {(n * g.C + z * g.Cg) * g.HW, oh * g.sh - g.ph, ow * g.sw - g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t k) const {
    const int kk = int(k), ci = kk / g.KK, r = kk - ci * g.KK, kh = r / g.KW, kw = r - kh * g.KW;
    const int ih = c.ih0 + kh * g.dh, iw = c.iw0 + kw * g.dw;
    return (unsigned(ih) < unsigned(g.H) && unsigned(iw) < unsigned(g.W))
               ? x[c.base + ci * g.HW + int64_t(ih) * g.W + iw]
               : T(0);
  }
};

// Input-gradient A: X(c, k) = w[z*OCg + o, c, kh, kw], k = (o, kh, kw).
template <typename T>
struct BinW {
  static constexpr bool kContig = true;
  using Ctx = const T*;
  const T* w;
  int64_t OCg, Cg;
  int KK;
  TL_HD Ctx ctx(int64_t z, int64_t c) const { return w + (z * OCg * Cg + c) * KK; }
  TL_HD T load(Ctx c, int64_t, int64_t k) const {
    const int kk = int(k), o = kk / KK, r = kk - o * KK;
    return c[int64_t(o) * Cg * KK + r];
  }
};

// Input-gradient B: X(j, k) = dy[n, z*OCg + o, oh, ow] with ih = oh*sh - ph + kh*dh and
// iw = ow*sw - pw + kw*dw exactly (else 0), j = (n, ih, iw), k = (o, kh, kw).
template <typename T>
struct BinDy {
  static constexpr bool kContig = false;
  struct Ctx {
    int64_t base;
    int th, tw;
  };
  const T* dy;
  Geo2 g;
  TL_HD Ctx ctx(int64_t z, int64_t j) const {
    int64_t n, q;
    divmod64(j, g.HW, n, q);
    const int ih = int(q) / g.W, iw = int(q) - ih * g.W;
    return {(n * g.OC + z * g.OCg) * g.OHW, ih + g.ph, iw + g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t k) const {
    const int kk = int(k), o = kk / g.KK, r = kk - o * g.KK, kh = r / g.KW, kw = r - kh * g.KW;
    const int hh = c.th - kh * g.dh, ww = c.tw - kw * g.dw;
    if (hh < 0 || ww < 0) return T(0);
    const int oh = hh / g.sh, ow = ww / g.sw;
    if (oh * g.sh != hh || ow * g.sw != ww || oh >= g.OH || ow >= g.OW) return T(0);
    return dy[c.base + o * g.OHW + int64_t(oh) * g.OW + ow];
  }
};

// Weight-gradient A: X(o, j) = dy[n, z*OCg + o, q], j = (n, q).
template <typename T>
struct BwDy {
  static constexpr bool kContig = true;
  using Ctx = const T*;
  const T* dy;
  int64_t OC, OCg, OHW;
  TL_HD Ctx ctx(int64_t z, int64_t o) const { return dy + (z * OCg + o) * OHW; }
  TL_HD T load(Ctx c, int64_t, int64_t j) const {
    int64_t n, q;
    divmod64(j, OHW, n, q);
    return c[n * OC * OHW + q];
  }
};

// Weight-gradient B: X(k, j) = col_g[k][j] (as FwdCol), outer index k = (c, kh, kw), reduction j.
template <typename T>
struct BwCol {
  static constexpr bool kContig = true;
  struct Ctx {
    int64_t base;
    int offh, offw;
  };
  const T* x;
  Geo2 g;
  TL_HD Ctx ctx(int64_t z, int64_t k) const {
    const int kk = int(k), ci = kk / g.KK, r = kk - ci * g.KK, kh = r / g.KW, kw = r - kh * g.KW;
    return {(z * g.Cg + ci) * g.HW, kh * g.dh - g.ph, kw * g.dw - g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t j) const {
    int64_t n, q;
    divmod64(j, g.OHW, n, q);
    const int oh = int(q) / g.OW, ow = int(q) - oh * g.OW;
    const int ih = oh * g.sh + c.offh, iw = ow * g.sw + c.offw;
    return (unsigned(ih) < unsigned(g.H) && unsigned(iw) < unsigned(g.W))
               ? x[n * g.C * g.HW + c.base + int64_t(ih) * g.W + iw]
               : T(0);
  }
};

// ---- the three convolutions -----------------------------------------------------------------------

template <typename T>
void forward_t(const T* x, const T* w, const T* b, T* y, const Geo2& g) {
  const Strided<T, true> A{w, g.OCg * g.Kg, g.Kg, 1};
  const FwdCol<T> B{x, g};
  const PlaneC<T> Cs{y, b, g.OCg, g.OHW, g.OC * g.OHW};
  gemm::run<T>(g.G, g.OCg, g.N * g.OHW, g.Kg, T(1), T(0), A, B, Cs, "conv2d_forward");
}

template <typename T>
void backward_input_t(const T* dy, const T* w, T* dx, const Geo2& g) {
  const BinW<T> A{w, g.OCg, g.Cg, g.KK};
  const BinDy<T> B{dy, g};
  const PlaneC<T> Cs{dx, nullptr, g.Cg, g.HW, g.C * g.HW};
  gemm::run<T>(g.G, g.Cg, g.N * g.HW, g.OCg * g.KK, T(1), T(0), A, B, Cs, "conv2d_backward_input");
}

template <typename T>
void backward_weight_t(const T* dy, const T* x, T* dw, T* db, const Geo2& g) {
  const BwDy<T> A{dy, g.OC, g.OCg, g.OHW};
  const BwCol<T> B{x, g};
  const PlaneC<T> Cs{dw, nullptr, g.OCg, g.Kg, 0};
  gemm::run<T>(g.G, g.OCg, g.Kg, g.N * g.OHW, T(1), T(0), A, B, Cs, "conv2d_backward_weight");
  if (db) gemm::channel_sum<T>(dy, g.N, g.OC, g.OHW, db, "conv2d_backward_weight (bias)");
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
  relu_max_unpool_kernel<T><<<blocks_for(total), 256, 0, stream()>>>(g, y, tap, dyc, total, pp.H, pp.W, pp.OH, pp.OW,
                                                                      int(pp.kh), int(pp.kw));
  TL_CUDA_LAUNCH_CHECK("conv2d_relu_max_pool2d (unpool)");
}

// ---- registered entry points --------------------------------------------------------------------------

void check_dtypes(const char* op, std::initializer_list<const TensorView*> ts) {
  const DType d = (*ts.begin())->dtype;
  if (d != DType::F32 && d != DType::F64)
    throw Error(ErrorCode::DType, std::string("torchlet: ") + op + " supports float32 and float64, got " +
                                        dtype_name(d));
  for (const TensorView* t : ts)
    if (t->data && t->dtype != d)
      throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + op + " operands must share one dtype");
}

template <typename F>
void dispatch(DType d, F f) {
  if (d == DType::F32)
    f(float(0));
  else
    f(double(0));
}

template <typename T>
const T* opt(const TensorView& v) {
  return v.data ? v.ptr<T>() : nullptr;
}

void conv2d_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                         const Conv2dParams& p) {
  check_dtypes("conv2d", {&x, &w, &b, &y});
  dispatch(x.dtype, [&](auto z) {
    using T = decltype(z);
    forward_t<T>(x.ptr<T>(), w.ptr<T>(), opt<T>(b), y.ptr<T>(), Geo2(p));
  });
}

void conv2d_backward_input_cuda(const TensorView& dy, const TensorView& w, const TensorView& dx,
                                const Conv2dParams& p) {
  check_dtypes("conv2d backward", {&dy, &w, &dx});
  dispatch(dy.dtype, [&](auto z) {
    using T = decltype(z);
    backward_input_t<T>(dy.ptr<T>(), w.ptr<T>(), dx.ptr<T>(), Geo2(p));
  });
}

void conv2d_backward_weight_cuda(const TensorView& dy, const TensorView& x, const TensorView& dw,
                                 const TensorView& db, const Conv2dParams& p) {
  check_dtypes("conv2d backward", {&dy, &x, &dw, &db});
  dispatch(dy.dtype, [&](auto z) {
    using T = decltype(z);
    backward_weight_t<T>(dy.ptr<T>(), x.ptr<T>(), dw.ptr<T>(), const_cast<T*>(opt<T>(db)), Geo2(p));
  });
}

void conv2d_relu_max_pool2d_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b,
                                         const TensorView& y, const TensorView& tap, const Conv2dParams& p,
                                         const Pool2dParams& pp) {
  check_dtypes("conv2d", {&x, &w, &b, &y});
  dispatch(x.dtype, [&](auto z) {
    using T = decltype(z);
    const Geo2 g(p);
    DeviceBuffer yc(size_t(g.N * g.OC * g.OHW) * sizeof(T));
    forward_t<T>(x.ptr<T>(), w.ptr<T>(), opt<T>(b), yc.as<T>(), g);
    const int64_t total = pp.N * pp.C * pp.OH * pp.OW;
    if (total <= 0) return;
    relu_max_pool_kernel<T><<<blocks_for(total), 256, 0, stream()>>>(yc.as<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), total,
                                                                      pp.H, pp.W, pp.OH, pp.OW, int(pp.kh), int(pp.kw));
    TL_CUDA_LAUNCH_CHECK("conv2d_relu_max_pool2d_forward (pool)");
  });
}

void conv2d_relu_max_pool2d_backward_input_cuda(const TensorView& gv, const TensorView& y, const TensorView& tap,
                                                const TensorView& w, const TensorView& dx, const Conv2dParams& p,
                                                const Pool2dParams& pp) {
  check_dtypes("conv2d backward", {&gv, &y, &w, &dx});
  dispatch(gv.dtype, [&](auto z) {
    using T = decltype(z);
    const Geo2 g(p);
    DeviceBuffer dyc(size_t(g.N * g.OC * g.OHW) * sizeof(T));
    unpool_into<T>(gv.ptr<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), dyc.as<T>(), pp);
    backward_input_t<T>(dyc.as<T>(), w.ptr<T>(), dx.ptr<T>(), g);
  });
}

void conv2d_relu_max_pool2d_backward_weight_cuda(const TensorView& gv, const TensorView& y, const TensorView& tap,
                                                 const TensorView& x, const TensorView& dw, const TensorView& db,
                                                 const Conv2dParams& p, const Pool2dParams& pp) {
  check_dtypes("conv2d backward", {&gv, &y, &x, &dw, &db});
  dispatch(gv.dtype, [&](auto z) {
    using T = decltype(z);
    const Geo2 g(p);
    DeviceBuffer dyc(size_t(g.N * g.OC * g.OHW) * sizeof(T));
    unpool_into<T>(gv.ptr<T>(), y.ptr<T>(), tap.ptr<uint8_t>(), dyc.as<T>(), pp);
    backward_weight_t<T>(dyc.as<T>(), x.ptr<T>(), dw.ptr<T>(), const_cast<T*>(opt<T>(db)), g);
  });
}

// ConvParams entry points: 2-D (and 1-D) shapes take the 2-D kernels, others the 3-D ones.
void conv_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y, const ConvParams& p) {
  if (conv_is_2d(p)) conv2d_forward_cuda(x, w, b, y, conv_as_2d(p));
  else conv3d_forward_cuda(x, w, b, y, conv_as_3d(p));
}
TL_REGISTER_KERNEL(conv_forward_op, CUDA, conv_forward_cuda, kFloatTypes);
void conv_backward_input_cuda(const TensorView& dy, const TensorView& w, const TensorView& dx, const ConvParams& p) {
  if (conv_is_2d(p)) conv2d_backward_input_cuda(dy, w, dx, conv_as_2d(p));
  else conv3d_backward_input_cuda(dy, w, dx, conv_as_3d(p));
}
TL_REGISTER_KERNEL(conv_backward_input_op, CUDA, conv_backward_input_cuda, kFloatTypes);
void conv_backward_weight_cuda(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                            const ConvParams& p) {
  if (conv_is_2d(p)) conv2d_backward_weight_cuda(dy, x, dw, db, conv_as_2d(p));
  else conv3d_backward_weight_cuda(dy, x, dw, db, conv_as_3d(p));
}
TL_REGISTER_KERNEL(conv_backward_weight_op, CUDA, conv_backward_weight_cuda, kFloatTypes);
void conv2d_relu_max_pool2d_forward_cuda_(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                                        const TensorView& tap, const ConvParams& p, const Pool2dParams& pp) {
  conv2d_relu_max_pool2d_forward_cuda(x, w, b, y, tap, conv_as_2d(p), pp);
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_forward_op, CUDA, conv2d_relu_max_pool2d_forward_cuda_, kFloatTypes);
void conv2d_relu_max_pool2d_backward_input_cuda_(const TensorView& g, const TensorView& y, const TensorView& tap,
                                               const TensorView& w, const TensorView& dx, const ConvParams& p,
                                               const Pool2dParams& pp) {
  conv2d_relu_max_pool2d_backward_input_cuda(g, y, tap, w, dx, conv_as_2d(p), pp);
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_input_op, CUDA, conv2d_relu_max_pool2d_backward_input_cuda_, kFloatTypes);
void conv2d_relu_max_pool2d_backward_weight_cuda_(const TensorView& g, const TensorView& y, const TensorView& tap,
                                                const TensorView& x, const TensorView& dw, const TensorView& db,
                                                const ConvParams& p, const Pool2dParams& pp) {
  conv2d_relu_max_pool2d_backward_weight_cuda(g, y, tap, x, dw, db, conv_as_2d(p), pp);
}
TL_REGISTER_KERNEL(conv2d_relu_max_pool2d_backward_weight_op, CUDA, conv2d_relu_max_pool2d_backward_weight_cuda_, kFloatTypes);

}  // namespace
}  // namespace cuda
}  // namespace tl
