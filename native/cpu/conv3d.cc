// native/cpu/conv3d.cc — CPU kernels conv3d_forward_op, conv3d_backward_input_op and
// conv3d_backward_weight_op (float32 and float64; other dtypes throw tl::Error(Invalid)).
// Contract (see Conv3dParams in core/ops.h): x [N, C, D, H, W], w [OC, C/groups, KD, KH, KW],
// y [N, OC, OD, OH, OW], any stride / padding / dilation / groups; contiguous buffers. Every output
// (y, dx, dw, db) is overwritten. b.data == nullptr: no bias; db.data == nullptr: no bias gradient.
// Method: vol2col / col2vol + one GEMM (gemm.h) per image and group. Reduction index
// k = (c, kd, kh, kw), Kg = C/groups*KD*KH*KW; col is [Kg, OD*OH*OW] per group.
//   forward      y_g  = w_g [OCg, Kg] @ col_g
//   input grad   col_g = w_g^T @ dy_g, then col2vol scatters (adds) into dx
//   weight grad  dw_g += dy_g @ col_g^T, into per-thread accumulators summed in a fixed order;
//                db is summed alongside.
// Threads split the batch (per-thread scratch); with a single image the GEMMs are threaded instead.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/conv_params.h"
#include "core/dispatch.h"
#include "cpu/gemm.h"

namespace tl {
namespace cpu {
namespace {

struct Geom3 {
  Conv3dParams p;
  int64_t G, Cg, OCg, KK, Kg, DHW, OL;
  explicit Geom3(const Conv3dParams& q) : p(q) {
    G = q.groups;
    Cg = q.C / G;
    OCg = q.OC / G;
    KK = q.KD * q.KH * q.KW;
    Kg = Cg * KK;
    DHW = q.D * q.H * q.W;
    OL = q.OD * q.OH * q.OW;
  }
  // 1x1x1 kernel, stride 1, no padding: col is the input itself.
  bool identity_col() const {
    return p.KD == 1 && p.KH == 1 && p.KW == 1 && p.sd == 1 && p.sh == 1 && p.sw == 1 && p.pd == 0 && p.ph == 0 &&
           p.pw == 0;
  }
};

// col[Kg, OL] <- x ([Cg, D, H, W]) with zero padding.
template <typename T>
void vol2col(const Geom3& g, const T* x, T* col) {
  const Conv3dParams& p = g.p;
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t kd = 0; kd < p.KD; ++kd)
      for (int64_t kh = 0; kh < p.KH; ++kh)
        for (int64_t kw = 0; kw < p.KW; ++kw) {
          const int64_t row = ((c * p.KD + kd) * p.KH + kh) * p.KW + kw;
          T* dst = col + row * g.OL;
          const T* xc = x + c * g.DHW;
          for (int64_t od = 0; od < p.OD; ++od) {
            const int64_t id = od * p.sd - p.pd + kd * p.dd;
            for (int64_t oh = 0; oh < p.OH; ++oh) {
              T* d = dst + (od * p.OH + oh) * p.OW;
              const int64_t ih = oh * p.sh - p.ph + kh * p.dh;
              if (id < 0 || id >= p.D || ih < 0 || ih >= p.H) {
                std::fill(d, d + p.OW, T(0));
                continue;
              }
              const T* xr = xc + (id * p.H + ih) * p.W;
              for (int64_t ow = 0; ow < p.OW; ++ow) {
                const int64_t iw = ow * p.sw - p.pw + kw * p.dw;
                d[ow] = (iw >= 0 && iw < p.W) ? xr[iw] : T(0);
              }
            }
          }
        }
}

// dx ([Cg, D, H, W]) += scatter of col[Kg, OL] (fixed order, serial per image).
template <typename T>
void col2vol_add(const Geom3& g, const T* col, T* dx) {
  const Conv3dParams& p = g.p;
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t kd = 0; kd < p.KD; ++kd)
      for (int64_t kh = 0; kh < p.KH; ++kh)
        for (int64_t kw = 0; kw < p.KW; ++kw) {
          const int64_t row = ((c * p.KD + kd) * p.KH + kh) * p.KW + kw;
          const T* src = col + row * g.OL;
          T* xc = dx + c * g.DHW;
          for (int64_t od = 0; od < p.OD; ++od) {
            const int64_t id = od * p.sd - p.pd + kd * p.dd;
            if (id < 0 || id >= p.D) continue;
            for (int64_t oh = 0; oh < p.OH; ++oh) {
              const int64_t ih = oh * p.sh - p.ph + kh * p.dh;
              if (ih < 0 || ih >= p.H) continue;
              const T* s = src + (od * p.OH + oh) * p.OW;
              T* xr = xc + (id * p.H + ih) * p.W;
              for (int64_t ow = 0; ow < p.OW; ++ow) {
                const int64_t iw = ow * p.sw - p.pw + kw * p.dw;
                if (iw >= 0 && iw < p.W) xr[iw] += s[ow];
              }
            }
          }
        }
}

// Runs body(i, tid, inner_parallel) for i in [0, n); threads split i (static schedule) when there
// is more than one image, otherwise the body may thread inside. Exceptions are rethrown here.
template <typename F>
void for_each_image3(int64_t n, int nt, F body) {
  if (n < 2 || nt < 2 || omp_in_parallel()) {
    for (int64_t i = 0; i < n; ++i) body(i, 0, n < nt);
    return;
  }
  std::string err;
  ErrorCode code = ErrorCode::Internal;
#pragma omp parallel num_threads(nt)
  {
    const int tid = omp_get_thread_num();
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      try {
        body(i, tid, false);
      } catch (const Error& e) {
#pragma omp critical(tl_conv3d_err)
        err = e.what(), code = e.code;
      } catch (const std::exception& e) {
#pragma omp critical(tl_conv3d_err)
        err = e.what();
      }
    }
  }
  if (!err.empty()) throw Error(code, err);
}

int threads_for(int64_t n) {
  if (omp_in_parallel()) return 1;
  const int nt = omp_get_max_threads();
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, n)));
}

template <typename T>
void forward_impl(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& yv,
                  const Conv3dParams& prm) {
  const Geom3 g(prm);
  const T* x = xv.ptr<T>();
  const T* w = wv.ptr<T>();
  const T* b = bv.data ? bv.ptr<T>() : nullptr;
  T* y = yv.ptr<T>();
  if (prm.N == 0 || prm.OC == 0 || g.OL == 0) return;
  const bool ident = g.identity_col();
  const int nt = threads_for(prm.N);
  std::vector<std::vector<T>> scratch(static_cast<size_t>(nt));
  for_each_image3(prm.N, nt, [&](int64_t n, int tid, bool par) {
    std::vector<T>& col = scratch[static_cast<size_t>(tid)];
    if (!ident && col.empty()) col.resize(static_cast<size_t>(g.Kg * g.OL));
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* xg = x + (n * prm.C + gi * g.Cg) * g.DHW;
      const T* cg = xg;
      if (!ident) {
        vol2col(g, xg, col.data());
        cg = col.data();
      }
      T* yg = y + (n * prm.OC + gi * g.OCg) * g.OL;
      gemm<T>(false, false, g.OCg, g.OL, g.Kg, T(1), w + gi * g.OCg * g.Kg, g.Kg, cg, g.OL, T(0), yg, g.OL, par);
    }
    if (b)
      for (int64_t o = 0; o < prm.OC; ++o) {
        T* yo = y + (n * prm.OC + o) * g.OL;
        const T bo = b[o];
        for (int64_t j = 0; j < g.OL; ++j) yo[j] += bo;
      }
  });
}

template <typename T>
void backward_input_impl(const TensorView& dyv, const TensorView& wv, const TensorView& dxv, const Conv3dParams& prm) {
  const Geom3 g(prm);
  const T* dy = dyv.ptr<T>();
  const T* w = wv.ptr<T>();
  T* dx = dxv.ptr<T>();
  if (prm.N == 0) return;
  const bool ident = g.identity_col();
  const int nt = threads_for(prm.N);
  std::vector<std::vector<T>> scratch(static_cast<size_t>(nt));
  for_each_image3(prm.N, nt, [&](int64_t n, int tid, bool par) {
    T* dxn = dx + n * prm.C * g.DHW;
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* dyg = dy + (n * prm.OC + gi * g.OCg) * g.OL;
      const T* wg = w + gi * g.OCg * g.Kg;
      T* dxg = dxn + gi * g.Cg * g.DHW;
      if (ident) {  // dx_g = w_g^T @ dy_g directly
        gemm<T>(true, false, g.Kg, g.OL, g.OCg, T(1), wg, g.Kg, dyg, g.OL, T(0), dxg, g.OL, par);
        continue;
      }
      std::vector<T>& col = scratch[static_cast<size_t>(tid)];
      if (col.empty()) col.resize(static_cast<size_t>(g.Kg * g.OL));
      std::fill(dxg, dxg + g.Cg * g.DHW, T(0));
      if (g.OL == 0 || g.OCg == 0) continue;
      gemm<T>(true, false, g.Kg, g.OL, g.OCg, T(1), wg, g.Kg, dyg, g.OL, T(0), col.data(), g.OL, par);
      col2vol_add(g, col.data(), dxg);
    }
  });
}

template <typename T>
void backward_weight_impl(const TensorView& dyv, const TensorView& xv, const TensorView& dwv, const TensorView& dbv,
                          const Conv3dParams& prm) {
  const Geom3 g(prm);
  const T* dy = dyv.ptr<T>();
  const T* x = xv.ptr<T>();
  T* dw = dwv.ptr<T>();
  const bool want_db = dbv.data != nullptr;
  const int64_t WN = prm.OC * g.Kg;
  const bool ident = g.identity_col();
  const int nt = threads_for(prm.N);
  // Per-thread accumulators (thread t owns acc[t]); summed in thread order at the end.
  std::vector<std::vector<T>> acc(static_cast<size_t>(nt));
  std::vector<std::vector<double>> dbacc(static_cast<size_t>(nt));
  std::vector<std::vector<T>> scratch(static_cast<size_t>(nt));
  for_each_image3(prm.N, nt, [&](int64_t n, int tid, bool par) {
    std::vector<T>& a = acc[static_cast<size_t>(tid)];
    if (a.empty()) a.assign(static_cast<size_t>(WN), T(0));
    std::vector<T>& col = scratch[static_cast<size_t>(tid)];
    if (!ident && col.empty()) col.resize(static_cast<size_t>(g.Kg * g.OL));
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* xg = x + (n * prm.C + gi * g.Cg) * g.DHW;
      const T* cg = xg;
      if (!ident) {
        vol2col(g, xg, col.data());
        cg = col.data();
      }
      const T* dyg = dy + (n * prm.OC + gi * g.OCg) * g.OL;
      gemm<T>(false, true, g.OCg, g.Kg, g.OL, T(1), dyg, g.OL, cg, g.OL, T(1), a.data() + gi * g.OCg * g.Kg, g.Kg,
              par);
    }
    if (want_db) {
      std::vector<double>& d = dbacc[static_cast<size_t>(tid)];
      if (d.empty()) d.assign(static_cast<size_t>(prm.OC), 0.0);
      for (int64_t o = 0; o < prm.OC; ++o) {
        const T* r = dy + (n * prm.OC + o) * g.OL;
        double s = 0;
        for (int64_t j = 0; j < g.OL; ++j) s += r[j];
        d[static_cast<size_t>(o)] += s;
      }
    }
  });
  std::fill(dw, dw + WN, T(0));
  for (int t = 0; t < nt; ++t) {
    const std::vector<T>& a = acc[static_cast<size_t>(t)];
    if (a.empty()) continue;
    for (int64_t i = 0; i < WN; ++i) dw[i] += a[static_cast<size_t>(i)];
  }
  if (want_db) {
    T* db = dbv.ptr<T>();
    for (int64_t o = 0; o < prm.OC; ++o) {
      double s = 0;
      for (int t = 0; t < nt; ++t)
        if (!dbacc[static_cast<size_t>(t)].empty()) s += dbacc[static_cast<size_t>(t)][static_cast<size_t>(o)];
      db[o] = static_cast<T>(s);
    }
  }
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

void conv3d_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                        const Conv3dParams& p) {
  check_dtypes3("conv3d", {&x, &w, &b, &y});
  if (x.dtype == DType::F32)
    forward_impl<float>(x, w, b, y, p);
  else
    forward_impl<double>(x, w, b, y, p);
}

void conv3d_backward_input_cpu(const TensorView& dy, const TensorView& w, const TensorView& dx,
                               const Conv3dParams& p) {
  check_dtypes3("conv3d backward", {&dy, &w, &dx});
  if (dy.dtype == DType::F32)
    backward_input_impl<float>(dy, w, dx, p);
  else
    backward_input_impl<double>(dy, w, dx, p);
}

void conv3d_backward_weight_cpu(const TensorView& dy, const TensorView& x, const TensorView& dw, const TensorView& db,
                                const Conv3dParams& p) {
  check_dtypes3("conv3d backward", {&dy, &x, &dw, &db});
  if (dy.dtype == DType::F32)
    backward_weight_impl<float>(dy, x, dw, db, p);
  else
    backward_weight_impl<double>(dy, x, dw, db, p);
}

}  // namespace cpu
}  // namespace tl
