// native/cpu/conv2d.cc — CPU kernels conv2d_forward_op, conv2d_backward_input_op and
// conv2d_backward_weight_op (float32 and float64; other dtypes throw tl::Error(Invalid)).
// Contract (see Conv2dParams in core/ops.h): x [N, C, H, W], w [OC, C/groups, KH, KW],
// y [N, OC, OH, OW], any stride / padding / dilation / groups; contiguous buffers. Every output
// (y, dx, dw, db) is overwritten, never accumulated into. b.data == nullptr: no bias;
// db.data == nullptr: no bias gradient.
// Method: per image and group, a GEMM against the im2col matrix col [Cg*KH*KW, OH*OW]:
//   forward      y_g   = w_g @ col            (col packed straight from x: implicit im2col)
//   input grad   dcol  = w_g^T @ dy_g, then col2im scatter-add into dx
//   weight grad  dw_g^T += col @ dy_g^T       (per-thread accumulators, reduced in a fixed order)
// 1x1 / stride 1 / no padding skips im2col. Threads split the batch; with fewer images than
// threads the GEMMs themselves run in parallel instead.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../core/ops.h"
#include "gemm.h"

namespace tl {
namespace cpu {
namespace {

// Per-thread grow-only buffer (kept across calls: the training loop calls these kernels with the
// same shapes every step).
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
thread_local ConvScratch t_col;

// Shapes derived once from Conv2dParams.
struct Geom {
  Conv2dParams p;
  int64_t G, Cg, OCg, KK, Kg, HW, OHW;
  bool pointwise;  // 1x1, stride 1, no padding: col == x
  explicit Geom(const Conv2dParams& q) : p(q) {
    G = q.groups;
    Cg = q.C / G;
    OCg = q.OC / G;
    KK = q.KH * q.KW;
    Kg = Cg * KK;
    HW = q.H * q.W;
    OHW = q.OH * q.OW;
    pointwise = q.KH == 1 && q.KW == 1 && q.sh == 1 && q.sw == 1 && q.ph == 0 && q.pw == 0 && q.OH == q.H &&
                q.OW == q.W;
  }
};

// Range of output columns t in [0, n) whose input column iw0 + t * s lies in [0, W).
inline void valid_range(int64_t iw0, int64_t s, int64_t W, int64_t n, int64_t& lo, int64_t& hi) {
  lo = iw0 >= 0 ? 0 : (-iw0 + s - 1) / s;
  hi = iw0 >= W ? 0 : (W - iw0 + s - 1) / s;
  lo = std::min(lo, n);
  hi = std::max(lo, std::min(hi, n));
}

// Implicit im2col of one image-group x_g [Cg, H, W]: op(B)[k][j] = col[k][j] with k = (c, kh, kw)
// and j = (oh, ow). Also used with nr = OHW to write a whole explicit col matrix.
template <typename T>
struct Im2colPack final : PackB<T> {
  const T* x;
  const Geom& g;
  Im2colPack(const T* x_, const Geom& g_) : x(x_), g(g_) {}
  void pack(T* dst, int64_t k0, int64_t kc, int64_t j0, int64_t n, int nr) const override {
    const Conv2dParams& p = g.p;
    for (int64_t kk = 0; kk < kc; ++kk) {
      const int64_t k = k0 + kk, c = k / g.KK, kh = (k % g.KK) / p.KW, kw = k % p.KW;
      const T* xc = x + c * g.HW;
      T* d = dst + kk * nr;
      int64_t oh = j0 / p.OW, ow = j0 % p.OW, j = 0;
      while (j < n) {
        const int64_t seg = std::min(n - j, p.OW - ow);
        const int64_t ih = oh * p.sh - p.ph + kh * p.dh;
        if (ih < 0 || ih >= p.H) {
          std::fill(d + j, d + j + seg, T(0));
        } else {
          const T* row = xc + ih * p.W;
          const int64_t iw0 = ow * p.sw - p.pw + kw * p.dw;
          int64_t lo, hi;
          valid_range(iw0, p.sw, p.W, seg, lo, hi);
          T* o = d + j;
          std::fill(o, o + lo, T(0));
          if (p.sw == 1)
            std::memcpy(o + lo, row + iw0 + lo, sizeof(T) * (hi - lo));
          else
            for (int64_t t = lo; t < hi; ++t) o[t] = row[iw0 + t * p.sw];
          std::fill(o + hi, o + seg, T(0));
        }
        j += seg;
        ow = 0;
        ++oh;
      }
      std::fill(d + n, d + nr, T(0));
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
      if (p.sw == 1)
        for (int64_t t = lo; t < hi; ++t) row[t] += s[t];
      else
        for (int64_t t = lo; t < hi; ++t) row[t * p.sw] += s[t];
    }
  }
}

// Runs body(i, inner_parallel) for i in [0, n): threads split i when there is enough of it,
// otherwise i runs serially and body may parallelise inside. Exceptions are rethrown here.
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

template <typename T>
void forward_impl(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& yv,
                  const Conv2dParams& prm) {
  const Geom g(prm);
  const T* x = xv.ptr<T>();
  const T* w = wv.ptr<T>();
  const T* b = bv.data ? bv.ptr<T>() : nullptr;
  T* y = yv.ptr<T>();
  for_each_image(prm.N, [&](int64_t n, bool par) {
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* xg = x + (n * prm.C + gi * g.Cg) * g.HW;
      const T* wg = w + gi * g.OCg * g.Kg;
      T* yg = y + (n * prm.OC + gi * g.OCg) * g.OHW;
      T beta = T(0);
      if (b) {
        for (int64_t o = 0; o < g.OCg; ++o) std::fill(yg + o * g.OHW, yg + (o + 1) * g.OHW, b[gi * g.OCg + o]);
        beta = T(1);
      }
      if (g.pointwise) {
        gemm<T>(false, false, g.OCg, g.OHW, g.Kg, T(1), wg, g.Kg, xg, g.HW, beta, yg, g.OHW, par);
      } else {
        Im2colPack<T> pk(xg, g);
        gemm_packed_b<T>(false, g.OCg, g.OHW, g.Kg, T(1), wg, g.Kg, pk, beta, yg, g.OHW, par);
      }
    }
  });
}

template <typename T>
void backward_input_impl(const TensorView& dyv, const TensorView& wv, const TensorView& dxv, const Conv2dParams& prm) {
  const Geom g(prm);
  const T* dy = dyv.ptr<T>();
  const T* w = wv.ptr<T>();
  T* dx = dxv.ptr<T>();
  for_each_image(prm.N, [&](int64_t n, bool par) {
    for (int64_t gi = 0; gi < g.G; ++gi) {
      const T* dyg = dy + (n * prm.OC + gi * g.OCg) * g.OHW;
      const T* wg = w + gi * g.OCg * g.Kg;
      T* dxg = dx + (n * prm.C + gi * g.Cg) * g.HW;
      if (g.pointwise) {
        gemm<T>(true, false, g.Cg, g.HW, g.OCg, T(1), wg, g.Kg, dyg, g.OHW, T(0), dxg, g.HW, par);
      } else {
        T* dcol = t_col.get<T>(g.Kg * g.OHW);
        gemm<T>(true, false, g.Kg, g.OHW, g.OCg, T(1), wg, g.Kg, dyg, g.OHW, T(0), dcol, g.OHW, par);
        std::fill(dxg, dxg + g.Cg * g.HW, T(0));
        col2im_add(dcol, g, dxg);
      }
    }
  });
}

template <typename T>
void backward_weight_impl(const TensorView& dyv, const TensorView& xv, const TensorView& dwv, const TensorView& dbv,
                          const Conv2dParams& prm) {
  const Geom g(prm);
  const T* dy = dyv.ptr<T>();
  const T* x = xv.ptr<T>();
  T* dw = dwv.ptr<T>();
  const int64_t wsize = g.G * g.Kg * g.OCg;  // per group: dw_g^T [Kg, OCg]
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  nt = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, prm.N)));
  const bool inner_par = nt == 1;
  std::vector<T> acc(static_cast<size_t>(nt) * wsize, T(0));
  std::string err;
  ErrorCode code = ErrorCode::Internal;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int t = omp_get_thread_num();
    const int64_t lo = prm.N * t / nt, hi = prm.N * (t + 1) / nt;
    T* a = acc.data() + t * wsize;
    try {
      for (int64_t n = lo; n < hi; ++n)
        for (int64_t gi = 0; gi < g.G; ++gi) {
          const T* xg = x + (n * prm.C + gi * g.Cg) * g.HW;
          const T* dyg = dy + (n * prm.OC + gi * g.OCg) * g.OHW;
          const T* col = xg;
          if (!g.pointwise) {
            T* buf = t_col.get<T>(g.Kg * g.OHW);
            Im2colPack<T>(xg, g).pack(buf, 0, g.Kg, 0, g.OHW, static_cast<int>(g.OHW));
            col = buf;
          }
          gemm<T>(false, true, g.Kg, g.OCg, g.OHW, T(1), col, g.OHW, dyg, g.OHW, T(1), a + gi * g.Kg * g.OCg, g.OCg,
                  inner_par);
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
  // dw[gi*OCg + o][k] = sum over threads of acc_t[gi][k][o]
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t o = 0; o < g.OCg; ++o) {
      T* d = dw + (gi * g.OCg + o) * g.Kg;
      for (int64_t k = 0; k < g.Kg; ++k) {
        T s = T(0);
        for (int t = 0; t < nt; ++t) s += acc[t * wsize + (gi * g.Kg + k) * g.OCg + o];
        d[k] = s;
      }
    }
  if (dbv.data) {
    T* db = dbv.ptr<T>();
#pragma omp parallel for schedule(static) if (prm.N * prm.OC * g.OHW > (1 << 16))
    for (int64_t o = 0; o < prm.OC; ++o) {
      double s = 0;
      for (int64_t n = 0; n < prm.N; ++n) {
        const T* d = dy + (n * prm.OC + o) * g.OHW;
        T part = T(0);
        for (int64_t j = 0; j < g.OHW; ++j) part += d[j];
        s += part;
      }
      db[o] = static_cast<T>(s);
    }
  }
}

void check_dtypes(const char* op, std::initializer_list<const TensorView*> ts) {
  const DType d = (*ts.begin())->dtype;
  if (d != DType::F32 && d != DType::F64)
    throw Error(ErrorCode::Invalid, std::string("torchlet: ") + op + " supports float32 and float64, got " +
                                        dtype_name(d));
  for (const TensorView* t : ts)
    if (t->data && t->dtype != d)
      throw Error(ErrorCode::Invalid, std::string("torchlet: ") + op + " operands must share one dtype");
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

}  // namespace
}  // namespace cpu
}  // namespace tl

TL_REGISTER_KERNEL(conv2d_forward_op, CPU, &tl::cpu::conv2d_forward_cpu);
TL_REGISTER_KERNEL(conv2d_backward_input_op, CPU, &tl::cpu::conv2d_backward_input_cpu);
TL_REGISTER_KERNEL(conv2d_backward_weight_op, CPU, &tl::cpu::conv2d_backward_weight_cpu);
