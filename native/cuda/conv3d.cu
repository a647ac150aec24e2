// native/cuda/conv3d.cu — CUDA kernels conv3d_forward_op, conv3d_backward_input_op and
// conv3d_backward_weight_op (float32 and float64; other or mixed dtypes throw tl::Error(Invalid));
// semantics of native/cpu/conv3d.cc.
// Contract (Conv3dParams in core/ops.h): x [N, C, D, H, W], w [OC, C/groups, KD, KH, KW],
// y [N, OC, OD, OH, OW], any stride / padding / dilation / groups; contiguous device buffers. Every
// output (y, dx, dw, db) is overwritten. b.data == nullptr: no bias; db.data == nullptr: no bias grad.
// Method: implicit GEMMs (gemm.cuh), exactly as conv2d.cu with one more spatial dim; the group is the
// GEMM's z index and the batch is folded into a GEMM dimension (OL = OD*OH*OW, L = D*H*W,
// k = (c, kd, kh, kw), Kg = C/groups*KD*KH*KW):
//   forward      y_g  [OCg, N*OL] = w_g [OCg, Kg] @ vol2col_g [Kg, N*OL]           (+ bias per row)
//   input grad   dx_g [Cg, N*L]   = w_g^T [Cg, OCg*KK] @ gather(dy) [OCg*KK, N*L]   (no scatter)
//   weight grad  dw_g [OCg, Kg]   = dy_g [OCg, N*OL] @ vol2col_g^T [N*OL, Kg]      (shape-determined
//                K split, partials added in order); db = per-channel sums in double, fixed order.
// Deterministic; no atomics.
#include <string>

#include "core/conv_params.h"
#include "core/dispatch.h"
#include "cuda/gemm.cuh"

namespace tl {
namespace cuda {
namespace {

using gemm::PlaneC;
using gemm::Strided;

struct Geo3 {
  int64_t N, C, OC, G, Cg, OCg, L, OL, HW, OHW, Kg;
  int D, H, W, KD, KH, KW, OD, OH, OW, sd, sh, sw, pd, ph, pw, dd, dh, dw, KK, KHW;
  explicit Geo3(const Conv3dParams& p) {
    N = p.N;
    C = p.C;
    OC = p.OC;
    G = p.groups;
    Cg = p.C / p.groups;
    OCg = p.OC / p.groups;
    HW = p.H * p.W;
    L = p.D * HW;
    OHW = p.OH * p.OW;
    OL = p.OD * OHW;
    Kg = Cg * p.KD * p.KH * p.KW;
    D = int(p.D), H = int(p.H), W = int(p.W), KD = int(p.KD), KH = int(p.KH), KW = int(p.KW);
    OD = int(p.OD), OH = int(p.OH), OW = int(p.OW);
    sd = int(p.sd), sh = int(p.sh), sw = int(p.sw), pd = int(p.pd), ph = int(p.ph), pw = int(p.pw);
    dd = int(p.dd), dh = int(p.dh), dw = int(p.dw);
    KK = int(p.KD * p.KH * p.KW);
    KHW = int(p.KH * p.KW);
    if (Kg > INT32_MAX || OCg * KK > INT32_MAX || L > INT32_MAX || OL > INT32_MAX)
      throw Error(ErrorCode::InvalidArg, "torchlet: conv3d on CUDA: sizes too large");
  }
  // k = (c, kd, kh, kw) -> c and the kernel offsets
  TL_HD void split_k(int k, int& c, int& kd, int& kh, int& kw) const {
    c = k / KK;
    int r = k - c * KK;
    kd = r / KHW;
    r -= kd * KHW;
    kh = r / KW;
    kw = r - kh * KW;
  }
};

// Forward B: X(j, k) = vol2col_g[k][j], j = (n, od, oh, ow), k = (c, kd, kh, kw); 0 in the padding.
template <typename T>
struct FwdCol3 {
  static constexpr bool kContig = false;
  struct Ctx {
    int64_t base;
    int id0, ih0, iw0;
  };
  const T* x;
  Geo3 g;
  TL_HD Ctx ctx(int64_t z, int64_t j) const {
    int64_t n, q;
    divmod64(j, g.OL, n, q);
    const int od = int(q) / int(g.OHW), r = int(q) - od * int(g.OHW), oh = r / g.OW, ow = r - oh * g.OW;
    return {(n * g.C + z * g.Cg) * g.L, od * g.sd - g.pd, oh * g.sh - g.ph, ow * g.sw - g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t k) const {
    int ci, kd, kh, kw;
    g.split_k(int(k), ci, kd, kh, kw);
    const int id = c.id0 + kd * g.dd, ih = c.ih0 + kh * g.dh, iw = c.iw0 + kw * g.dw;
    return (unsigned(id) < unsigned(g.D) && unsigned(ih) < unsigned(g.H) && unsigned(iw) < unsigned(g.W))
               ? x[c.base + ci * g.L + (int64_t(id) * g.H + ih) * g.W + iw]
               : T(0);
  }
};

// Input-gradient A: X(c, k) = w[z*OCg + o, c, kd, kh, kw], k = (o, kd, kh, kw).
template <typename T>
struct BinW3 {
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

// Input-gradient B: X(j, k) = dy[n, z*OCg + o, od, oh, ow] where id = od*sd - pd + kd*dd (and the
// same for h, w) holds exactly, else 0; j = (n, id, ih, iw), k = (o, kd, kh, kw).
template <typename T>
struct BinDy3 {
  static constexpr bool kContig = false;
  struct Ctx {
    int64_t base;
    int td, th, tw;
  };
  const T* dy;
  Geo3 g;
  TL_HD Ctx ctx(int64_t z, int64_t j) const {
    int64_t n, q;
    divmod64(j, g.L, n, q);
    const int id = int(q) / int(g.HW), r = int(q) - id * int(g.HW), ih = r / g.W, iw = r - ih * g.W;
    return {(n * g.OC + z * g.OCg) * g.OL, id + g.pd, ih + g.ph, iw + g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t k) const {
    int o, kd, kh, kw;
    g.split_k(int(k), o, kd, kh, kw);
    const int dd = c.td - kd * g.dd, hh = c.th - kh * g.dh, ww = c.tw - kw * g.dw;
    if (dd < 0 || hh < 0 || ww < 0) return T(0);
    const int od = dd / g.sd, oh = hh / g.sh, ow = ww / g.sw;
    if (od * g.sd != dd || oh * g.sh != hh || ow * g.sw != ww || od >= g.OD || oh >= g.OH || ow >= g.OW) return T(0);
    return dy[c.base + o * g.OL + (int64_t(od) * g.OH + oh) * g.OW + ow];
  }
};

// Weight-gradient A: X(o, j) = dy[n, z*OCg + o, q], j = (n, q).
template <typename T>
struct BwDy3 {
  static constexpr bool kContig = true;
  using Ctx = const T*;
  const T* dy;
  int64_t OC, OCg, OL;
  TL_HD Ctx ctx(int64_t z, int64_t o) const { return dy + (z * OCg + o) * OL; }
  TL_HD T load(Ctx c, int64_t, int64_t j) const {
    int64_t n, q;
    divmod64(j, OL, n, q);
    return c[n * OC * OL + q];
  }
};

// Weight-gradient B: X(k, j) = vol2col_g[k][j] (as FwdCol3), outer index k, reduction index j.
template <typename T>
struct BwCol3 {
  static constexpr bool kContig = true;
  struct Ctx {
    int64_t base;
    int offd, offh, offw;
  };
  const T* x;
  Geo3 g;
  TL_HD Ctx ctx(int64_t z, int64_t k) const {
    int ci, kd, kh, kw;
    g.split_k(int(k), ci, kd, kh, kw);
    return {(z * g.Cg + ci) * g.L, kd * g.dd - g.pd, kh * g.dh - g.ph, kw * g.dw - g.pw};
  }
  TL_HD T load(const Ctx& c, int64_t, int64_t j) const {
    int64_t n, q;
    divmod64(j, g.OL, n, q);
    const int od = int(q) / int(g.OHW), r = int(q) - od * int(g.OHW), oh = r / g.OW, ow = r - oh * g.OW;
    const int id = od * g.sd + c.offd, ih = oh * g.sh + c.offh, iw = ow * g.sw + c.offw;
    return (unsigned(id) < unsigned(g.D) && unsigned(ih) < unsigned(g.H) && unsigned(iw) < unsigned(g.W))
               ? x[n * g.C * g.L + c.base + (int64_t(id) * g.H + ih) * g.W + iw]
               : T(0);
  }
};

template <typename T>
void forward_t(const T* x, const T* w, const T* b, T* y, const Geo3& g) {
  const Strided<T, true> A{w, g.OCg * g.Kg, g.Kg, 1};
  const FwdCol3<T> B{x, g};
  const PlaneC<T> Cs{y, b, g.OCg, g.OL, g.OC * g.OL};
  gemm::run<T>(g.G, g.OCg, g.N * g.OL, g.Kg, T(1), T(0), A, B, Cs, "conv3d_forward");
}

template <typename T>
void backward_input_t(const T* dy, const T* w, T* dx, const Geo3& g) {
  const BinW3<T> A{w, g.OCg, g.Cg, g.KK};
  const BinDy3<T> B{dy, g};
  const PlaneC<T> Cs{dx, nullptr, g.Cg, g.L, g.C * g.L};
  gemm::run<T>(g.G, g.Cg, g.N * g.L, g.OCg * g.KK, T(1), T(0), A, B, Cs, "conv3d_backward_input");
}

template <typename T>
void backward_weight_t(const T* dy, const T* x, T* dw, T* db, const Geo3& g) {
  const BwDy3<T> A{dy, g.OC, g.OCg, g.OL};
  const BwCol3<T> B{x, g};
  const PlaneC<T> Cs{dw, nullptr, g.OCg, g.Kg, 0};
  gemm::run<T>(g.G, g.OCg, g.Kg, g.N * g.OL, T(1), T(0), A, B, Cs, "conv3d_backward_weight");
  if (db) gemm::channel_sum<T>(dy, g.N, g.OC, g.OL, db, "conv3d_backward_weight (bias)");
}

}  // namespace

void check_dtypes3(const char* op, std::initializer_list<const TensorView*> ts) {
  const DType d = (*ts.begin())->dtype;
  if (d != DType::F32 && d != DType::F64)
    throw Error(ErrorCode::DType, std::string("torchlet: ") + op + " supports float32 and float64, got " +
                                        dtype_name(d));
  for (const TensorView* t : ts)
    if (t->data && t->dtype != d)
      throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + op + " operands must share one dtype");
}

template <typename F>
void dispatch3(DType d, F f) {
  if (d == DType::F32)
    f(float(0));
  else
    f(double(0));
}

template <typename T>
T* opt3(const TensorView& v) {
  return v.data ? v.ptr<T>() : nullptr;
}

void conv3d_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                         const Conv3dParams& p) {
  check_dtypes3("conv3d", {&x, &w, &b, &y});
  dispatch3(x.dtype, [&](auto z) {
    using T = decltype(z);
    forward_t<T>(x.ptr<T>(), w.ptr<T>(), opt3<T>(b), y.ptr<T>(), Geo3(p));
  });
}

void conv3d_backward_input_cuda(const TensorView& dy, const TensorView& w, const TensorView& dx,
                                const Conv3dParams& p) {
  check_dtypes3("conv3d backward", {&dy, &w, &dx});
  dispatch3(dy.dtype, [&](auto z) {
    using T = decltype(z);
    backward_input_t<T>(dy.ptr<T>(), w.ptr<T>(), dx.ptr<T>(), Geo3(p));
  });
}

void conv3d_backward_weight_cuda(const TensorView& dy, const TensorView& x, const TensorView& dw,
                                 const TensorView& db, const Conv3dParams& p) {
  check_dtypes3("conv3d backward", {&dy, &x, &dw, &db});
  dispatch3(dy.dtype, [&](auto z) {
    using T = decltype(z);
    backward_weight_t<T>(dy.ptr<T>(), x.ptr<T>(), dw.ptr<T>(), opt3<T>(db), Geo3(p));
  });
}

}  // namespace cuda
}  // namespace tl
