// test/native/kernels_check.cc — standalone check of the CPU gemm / matmul / linear / conv2d kernels
// (native/cpu/gemm.cc, native/cpu/conv2d.cc) against naive double-precision reference loops.
// Contract: `kernels_check` runs every check (float32 and float64, every micro-kernel ISA this CPU
// has), prints the worst normalised error per group and exits non-zero on any failure.
// `kernels_check bench` prints sgemm GFLOP/s and per-layer timings of the Fashion-MNIST CNN
// (batch 256). Build and run with test/native/run_kernels_check.sh.
// The error of an output element is |got - ref| / (sum of |terms| that formed it + 1e-30), so one
// tolerance fits every shape: 2e-6 for float32, 1e-14 for float64.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/conv_params.h"
#include "ops/gemm.h"
#include "cpu/gemm.h"

// dtype_name, device_name and the op registry come from native/core/registry.cc, linked in by the script.

using namespace tl;

namespace {

std::mt19937_64 rng(12345);
int failures = 0;

std::vector<double> randv(int64_t n) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

// A typed buffer the kernels see through a TensorView.
struct Buf {
  DType dt;
  std::vector<float> f;
  std::vector<double> d;
  std::vector<int64_t> shape;
  Buf(DType t, const std::vector<double>& v, std::vector<int64_t> s) : dt(t), shape(std::move(s)) {
    if (t == DType::F32)
      f.assign(v.begin(), v.end());
    else
      d = v;
  }
  TensorView view() {
    TensorView tv;
    tv.data = dt == DType::F32 ? static_cast<void*>(f.data()) : static_cast<void*>(d.data());
    tv.dtype = dt;
    tv.shape = shape;
    return tv;
  }
  double at(size_t i) const { return dt == DType::F32 ? f[i] : d[i]; }
  size_t size() const { return dt == DType::F32 ? f.size() : d.size(); }
};

TensorView null_view(DType dt) {
  TensorView tv;
  tv.dtype = dt;
  return tv;
}

// Worst normalised error, reported per named group.
struct Checker {
  std::string name;
  double worst = 0;
  int cases = 0;
  void compare(const Buf& got, const std::vector<double>& ref, const std::vector<double>& mag, const std::string& what) {
    const double tol = got.dt == DType::F32 ? 2e-6 : 1e-14;
    double e = 0;
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double g = got.at(i);
      const double err = std::isfinite(g) ? std::fabs(g - ref[i]) / (mag[i] + 1e-30) : INFINITY;
      if (!(err <= e)) e = err;
      if (!(err <= tol) && bad == SIZE_MAX) bad = i;
    }
    ++cases;
    worst = std::max(worst, e);
    if (bad != SIZE_MAX) {
      ++failures;
      std::printf("  FAIL %s [%s]: err %.3g at %zu (got %.9g, want %.9g)\n", name.c_str(), what.c_str(), e, bad,
                  got.at(bad), ref[bad]);
    }
  }
  void report() const { std::printf("  %-34s %4d cases  max err %.3g\n", name.c_str(), cases, worst); }
};

const char* dt_name(DType d) { return d == DType::F32 ? "f32" : "f64"; }

// ---------------------------------------------------------------- gemm
void check_gemm(DType dt, Checker& ck) {
  const int64_t sizes[] = {1, 7, 17, 33, 100};
  for (int64_t M : sizes)
    for (int64_t N : sizes)
      for (int64_t K : sizes)
        for (int tr = 0; tr < 4; ++tr) {
          const bool ta = tr & 1, tb = tr & 2;
          // Rotate through alpha/beta/padded-leading-dimension variants rather than all products.
          const int v = static_cast<int>((M + 3 * N + 5 * K + tr) % 4);
          const double alpha = v == 1 ? -0.75 : 1.0, beta = v == 0 ? 0.0 : v == 1 ? 0.5 : v == 2 ? 1.0 : -2.0;
          const int64_t pad = v >= 2 ? 3 : 0;
          const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
          const int64_t arows = ta ? K : M, brows = tb ? N : K;
          auto a = randv(arows * lda), b = randv(brows * ldb), c0 = randv(M * ldc);
          if (beta == 0)
            for (auto& x : c0) x = NAN;  // must never be read
          Buf A(dt, a, {arows, lda}), B(dt, b, {brows, ldb}), C(dt, c0, {M, ldc});
          std::vector<double> ref(M * ldc), mag(M * ldc);
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < ldc; ++j) {
              if (j >= N) {  // padding columns must be untouched
                ref[i * ldc + j] = C.at(i * ldc + j);
                mag[i * ldc + j] = 1;
                continue;
              }
              double s = 0, m = 0;
              for (int64_t k = 0; k < K; ++k) {
                const double x = A.at(ta ? k * lda + i : i * lda + k), y = B.at(tb ? j * ldb + k : k * ldb + j);
                s += x * y;
                m += std::fabs(x * y);
              }
              const double cv = beta == 0 ? 0 : C.at(i * ldc + j);
              ref[i * ldc + j] = alpha * s + beta * cv;
              mag[i * ldc + j] = std::fabs(alpha) * m + std::fabs(beta * cv);
            }
          const bool par = (M + N + K) % 2 == 0;
          if (dt == DType::F32)
            cpu::gemm<float>(ta, tb, M, N, K, float(alpha), A.f.data(), lda, B.f.data(), ldb, float(beta), C.f.data(),
                             ldc, par);
          else
            cpu::gemm<double>(ta, tb, M, N, K, alpha, A.d.data(), lda, B.d.data(), ldb, beta, C.d.data(), ldc, par);
          char what[160];
          std::snprintf(what, sizeof what, "M=%ld N=%ld K=%ld ta=%d tb=%d alpha=%g beta=%g pad=%ld", long(M), long(N),
                        long(K), ta, tb, alpha, beta, long(pad));
          ck.compare(C, ref, mag, what);
        }
}

// Larger shapes that cross the cache blocks (KC, MC, NC) and trigger the threaded split.
void check_gemm_large(DType dt, Checker& ck) {
  struct S { int64_t M, N, K; bool ta, tb; double beta; };
  const S shapes[] = {{300, 290, 600, false, false, 0.0}, {257, 513, 260, true, false, 1.0},
                      {5, 4500, 70, false, true, 0.25},   {400, 9, 531, true, true, 0.0},
                      {1, 1000, 1000, false, false, 0.0}, {1000, 1, 1000, false, true, 0.0}};
  for (const S& s : shapes) {
    const int64_t lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    Buf A(dt, randv(s.M * s.K), {s.M * s.K}), B(dt, randv(s.K * s.N), {s.K * s.N}), C(dt, randv(s.M * s.N), {s.M * s.N});
    std::vector<double> ref(s.M * s.N), mag(s.M * s.N);
    for (int64_t i = 0; i < s.M; ++i)
      for (int64_t j = 0; j < s.N; ++j) {
        double acc = 0, m = 0;
        for (int64_t k = 0; k < s.K; ++k) {
          const double x = A.at(s.ta ? k * lda + i : i * lda + k), y = B.at(s.tb ? j * ldb + k : k * ldb + j);
          acc += x * y;
          m += std::fabs(x * y);
        }
        ref[i * s.N + j] = acc + s.beta * C.at(i * s.N + j);
        mag[i * s.N + j] = m + std::fabs(s.beta * C.at(i * s.N + j));
      }
    if (dt == DType::F32)
      cpu::gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.f.data(), lda, B.f.data(), ldb, float(s.beta), C.f.data(),
                       s.N, true);
    else
      cpu::gemm<double>(s.ta, s.tb, s.M, s.N, s.K, 1.0, A.d.data(), lda, B.d.data(), ldb, s.beta, C.d.data(), s.N, true);
    char what[128];
    std::snprintf(what, sizeof what, "M=%ld N=%ld K=%ld ta=%d tb=%d", long(s.M), long(s.N), long(s.K), s.ta, s.tb);
    ck.compare(C, ref, mag, what);
  }
}

// ---------------------------------------------------------------- matmul_op / linear_forward_op
void check_matmul(DType dt, Checker& ck) {
  struct S { int64_t batch, M, N, K; bool ta, tb; bool bcast_a, bcast_b; double alpha, beta; };
  const S shapes[] = {{3, 7, 17, 33, false, false, false, false, 1, 0},  {4, 33, 1, 7, true, false, false, true, 1, 0},
                      {5, 17, 100, 9, false, true, true, false, 2, 0.5}, {2, 100, 33, 17, true, true, false, false, 1, 1},
                      {1, 65, 70, 300, false, false, false, false, 1, 0}, {8, 1, 1, 1, false, false, false, false, 1, 0},
                      {6, 12, 40, 64, false, true, false, false, -1, 0}};
  for (const S& s : shapes) {
    const int64_t sa = s.bcast_a ? 0 : s.M * s.K, sb = s.bcast_b ? 0 : s.K * s.N, sc = s.M * s.N;
    Buf A(dt, randv(s.bcast_a ? s.M * s.K : s.batch * sa), {s.batch, s.M, s.K});
    Buf B(dt, randv(s.bcast_b ? s.K * s.N : s.batch * sb), {s.batch, s.K, s.N});
    Buf C(dt, randv(s.batch * sc), {s.batch, s.M, s.N});
    if (s.beta == 0)
      for (size_t i = 0; i < C.size(); ++i) (dt == DType::F32 ? (void)(C.f[i] = NAN) : (void)(C.d[i] = NAN));
    const int64_t lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    std::vector<double> ref(s.batch * sc), mag(s.batch * sc);
    for (int64_t b = 0; b < s.batch; ++b)
      for (int64_t i = 0; i < s.M; ++i)
        for (int64_t j = 0; j < s.N; ++j) {
          double acc = 0, m = 0;
          for (int64_t k = 0; k < s.K; ++k) {
            const double x = A.at(b * sa + (s.ta ? k * lda + i : i * lda + k));
            const double y = B.at(b * sb + (s.tb ? j * ldb + k : k * ldb + j));
            acc += x * y;
            m += std::fabs(x * y);
          }
          const double cv = s.beta == 0 ? 0 : C.at(b * sc + i * s.N + j);
          ref[b * sc + i * s.N + j] = s.alpha * acc + s.beta * cv;
          mag[b * sc + i * s.N + j] = std::fabs(s.alpha) * m + std::fabs(s.beta * cv);
        }
    MatmulParams p{s.batch, s.M, s.N, s.K, s.ta, s.tb, sa, sb, sc, s.alpha, s.beta};
    matmul_op.get(Device::CPU)(A.view(), B.view(), C.view(), p);
    char what[128];
    std::snprintf(what, sizeof what, "batch=%ld M=%ld N=%ld K=%ld ta=%d tb=%d", long(s.batch), long(s.M), long(s.N),
                  long(s.K), s.ta, s.tb);
    ck.compare(C, ref, mag, what);
  }
}

void check_linear(DType dt, Checker& ck) {
  struct S { std::vector<int64_t> xshape; int64_t N; bool bias; };
  const S shapes[] = {{{7, 33}, 17, true}, {{1, 5}, 1, false}, {{2, 3, 100}, 10, true}, {{256, 130}, 40, false}};
  for (const S& s : shapes) {
    const int64_t K = s.xshape.back();
    int64_t M = 1;
    for (size_t i = 0; i + 1 < s.xshape.size(); ++i) M *= s.xshape[i];
    Buf X(dt, randv(M * K), s.xshape), Wt(dt, randv(s.N * K), {s.N, K}), Bi(dt, randv(s.N), {s.N});
    std::vector<int64_t> yshape(s.xshape.begin(), s.xshape.end() - 1);
    yshape.push_back(s.N);
    Buf Y(dt, std::vector<double>(M * s.N, NAN), yshape);
    std::vector<double> ref(M * s.N), mag(M * s.N);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < s.N; ++j) {
        double acc = s.bias ? Bi.at(j) : 0, m = std::fabs(acc);
        for (int64_t k = 0; k < K; ++k) {
          acc += X.at(i * K + k) * Wt.at(j * K + k);
          m += std::fabs(X.at(i * K + k) * Wt.at(j * K + k));
        }
        ref[i * s.N + j] = acc;
        mag[i * s.N + j] = m;
      }
    linear_forward_op.get(Device::CPU)(X.view(), Wt.view(), s.bias ? Bi.view() : null_view(dt), Y.view());
    char what[96];
    std::snprintf(what, sizeof what, "M=%ld N=%ld K=%ld bias=%d", long(M), long(s.N), long(K), s.bias);
    ck.compare(Y, ref, mag, what);
  }
}

// ---------------------------------------------------------------- conv2d
struct ConvCase { int64_t N, C, H, W, OC, KH, KW, sh, sw, ph, pw, dh, dw, groups; };

// The N-d ConvParams the conv ops take, for a 2-D case.
ConvParams as_nd(const Conv2dParams& p) {
  return ConvParams{p.N,     p.C,         p.OC,        p.groups,    {1, p.H, p.W},   {1, p.KH, p.KW},
                    {1, p.OH, p.OW}, {1, p.sh, p.sw}, {0, p.ph, p.pw}, {1, p.dh, p.dw}};
}
Conv2dParams make_params(const ConvCase& c) {
  Conv2dParams p{};
  p.N = c.N, p.C = c.C, p.H = c.H, p.W = c.W, p.OC = c.OC, p.KH = c.KH, p.KW = c.KW;
  p.sh = c.sh, p.sw = c.sw, p.ph = c.ph, p.pw = c.pw, p.dh = c.dh, p.dw = c.dw, p.groups = c.groups;
  p.OH = (c.H + 2 * c.ph - c.dh * (c.KH - 1) - 1) / c.sh + 1;
  p.OW = (c.W + 2 * c.pw - c.dw * (c.KW - 1) - 1) / c.sw + 1;
  return p;
}

// Visits every (n, oc, oh, ow, c, kh, kw) term of the convolution with flat indices.
template <typename F>
void conv_terms(const Conv2dParams& p, F f) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups;
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t oc = 0; oc < p.OC; ++oc) {
      const int64_t g = oc / OCg;
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const int64_t yi = ((n * p.OC + oc) * p.OH + oh) * p.OW + ow;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < p.KH; ++kh)
              for (int64_t kw = 0; kw < p.KW; ++kw) {
                const int64_t ih = oh * p.sh - p.ph + kh * p.dh, iw = ow * p.sw - p.pw + kw * p.dw;
                if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                const int64_t xi = ((n * p.C + g * Cg + c) * p.H + ih) * p.W + iw;
                const int64_t wi = ((oc * Cg + c) * p.KH + kh) * p.KW + kw;
                f(yi, xi, wi);
              }
        }
    }
}

void check_conv(DType dt, const ConvCase& cc, bool bias, Checker& fwd, Checker& bin, Checker& bw) {
  const Conv2dParams p = make_params(cc);
  const int64_t Cg = p.C / p.groups;
  const int64_t xn = p.N * p.C * p.H * p.W, wn = p.OC * Cg * p.KH * p.KW, yn = p.N * p.OC * p.OH * p.OW;
  Buf X(dt, randv(xn), {p.N, p.C, p.H, p.W}), Wt(dt, randv(wn), {p.OC, Cg, p.KH, p.KW}), B(dt, randv(p.OC), {p.OC});
  Buf DY(dt, randv(yn), {p.N, p.OC, p.OH, p.OW});
  char what[200];
  std::snprintf(what, sizeof what,
                "N=%ld C=%ld %ldx%ld OC=%ld k=%ldx%ld s=%ld,%ld p=%ld,%ld d=%ld,%ld g=%ld bias=%d", long(p.N),
                long(p.C), long(p.H), long(p.W), long(p.OC), long(p.KH), long(p.KW), long(p.sh), long(p.sw),
                long(p.ph), long(p.pw), long(p.dh), long(p.dw), long(p.groups), bias);

  // forward
  std::vector<double> ref(yn, 0), mag(yn, 0);
  if (bias)
    for (int64_t i = 0; i < yn; ++i) ref[i] = B.at((i / (p.OH * p.OW)) % p.OC), mag[i] = std::fabs(ref[i]);
  conv_terms(p, [&](int64_t yi, int64_t xi, int64_t wi) {
    ref[yi] += X.at(xi) * Wt.at(wi);
    mag[yi] += std::fabs(X.at(xi) * Wt.at(wi));
  });
  Buf Y(dt, std::vector<double>(yn, NAN), {p.N, p.OC, p.OH, p.OW});
  conv_forward_op.get(Device::CPU)(X.view(), Wt.view(), bias ? B.view() : null_view(dt), Y.view(), as_nd(p));
  fwd.compare(Y, ref, mag, what);

  // input gradient (dx prefilled with garbage: must be overwritten)
  std::vector<double> rdx(xn, 0), mdx(xn, 0);
  conv_terms(p, [&](int64_t yi, int64_t xi, int64_t wi) {
    rdx[xi] += DY.at(yi) * Wt.at(wi);
    mdx[xi] += std::fabs(DY.at(yi) * Wt.at(wi));
  });
  Buf DX(dt, std::vector<double>(xn, 7.0), {p.N, p.C, p.H, p.W});
  conv_backward_input_op.get(Device::CPU)(DY.view(), Wt.view(), DX.view(), as_nd(p));
  bin.compare(DX, rdx, mdx, what);

  // weight (and bias) gradient
  std::vector<double> rdw(wn, 0), mdw(wn, 0);
  conv_terms(p, [&](int64_t yi, int64_t xi, int64_t wi) {
    rdw[wi] += DY.at(yi) * X.at(xi);
    mdw[wi] += std::fabs(DY.at(yi) * X.at(xi));
  });
  Buf DW(dt, std::vector<double>(wn, 7.0), {p.OC, Cg, p.KH, p.KW});
  Buf DB(dt, std::vector<double>(p.OC, 7.0), {p.OC});
  conv_backward_weight_op.get(Device::CPU)(DY.view(), X.view(), DW.view(), bias ? DB.view() : null_view(dt), as_nd(p));
  bw.compare(DW, rdw, mdw, what);
  if (bias) {
    std::vector<double> rdb(p.OC, 0), mdb(p.OC, 0);
    for (int64_t i = 0; i < yn; ++i) {
      rdb[(i / (p.OH * p.OW)) % p.OC] += DY.at(i);
      mdb[(i / (p.OH * p.OW)) % p.OC] += std::fabs(DY.at(i));
    }
    bw.compare(DB, rdb, mdb, std::string(what) + " (db)");
  }
}

const ConvCase kConvCases[] = {
    // N  C   H   W  OC KH KW sh sw ph pw dh dw g
    {2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},       // plain 3x3, padding
    {1, 4, 10, 11, 6, 2, 3, 2, 3, 0, 1, 1, 1, 2},     // batch 1, non-square kernel, groups 2
    {3, 2, 9, 8, 5, 1, 2, 4, 3, 1, 0, 1, 1, 1},       // stride > kernel
    {2, 3, 12, 13, 3, 3, 3, 1, 2, 2, 1, 2, 3, 1},     // dilation
    {2, 6, 8, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 6},      // depthwise (multiplier 2)
    {3, 5, 9, 7, 5, 5, 3, 2, 1, 2, 1, 1, 1, 5},       // depthwise, stride 2, 5x3
    {2, 8, 5, 7, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1},      // 1x1 pointwise
    {2, 8, 5, 7, 12, 1, 1, 1, 1, 0, 0, 1, 1, 4},      // 1x1 grouped
    {2, 4, 9, 9, 6, 1, 1, 2, 2, 0, 0, 1, 1, 1},       // 1x1 stride 2
    {1, 2, 4, 5, 3, 2, 2, 1, 1, 3, 2, 1, 1, 1},       // padding larger than kernel
    {3, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // conv1 of the CNN
    {2, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // conv2 of the CNN
    {1, 40, 6, 5, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},     // Kg = 360 crosses the KC block, batch 1
    {2, 3, 9, 9, 200, 2, 2, 1, 1, 0, 0, 1, 1, 1},     // OC = 200 crosses the MC block
    {5, 3, 1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1},       // 1x1 images
    {2, 2, 3, 17, 3, 3, 5, 3, 2, 0, 2, 1, 2, 1},      // odd everything
    {2, 4, 5, 6, 3, 2, 3, 1, 1, 3, 3, 1, 1, 1},       // stride 1, padding > kernel extent (cropping)
    {1, 8, 9, 10, 4, 3, 3, 1, 1, 1, 2, 2, 1, 2},      // stride 1, dilation, groups, batch 1
    {2, 4, 6, 6, 40, 1, 2, 1, 1, 0, 1, 1, 1, 2},      // few reduction rows, many outputs, groups
    {3, 4, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4},       // depthwise stride 1
};

void check_dtype_errors(Checker& ck) {
  // Integer dtypes must be rejected with tl::Error(DType), not crash or compute garbage.
  std::vector<int64_t> buf(64, 1);
  TensorView t;
  t.data = buf.data();
  t.dtype = DType::I64;
  t.shape = {4, 4};
  int ok = 0, total = 0;
  auto expect = [&](const std::function<void()>& f) {
    ++total;
    try {
      f();
    } catch (const Error& e) {
      if (e.code == ErrorCode::DType) ++ok;
    }
  };
  MatmulParams mp{1, 4, 4, 4, false, false, 16, 16, 16, 1.0, 0.0};
  expect([&] { matmul_op.get(Device::CPU)(t, t, t, mp); });
  expect([&] { linear_forward_op.get(Device::CPU)(t, t, null_view(DType::I64), t); });
  Conv2dParams cp = make_params({1, 1, 4, 4, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1});
  expect([&] { conv_forward_op.get(Device::CPU)(t, t, null_view(DType::I64), t, as_nd(cp)); });
  expect([&] { conv_backward_input_op.get(Device::CPU)(t, t, t, as_nd(cp)); });
  expect([&] { conv_backward_weight_op.get(Device::CPU)(t, t, t, null_view(DType::I64), as_nd(cp)); });
  ++ck.cases;
  if (ok != total) {
    ++failures;
    std::printf("  FAIL dtype errors: %d of %d ops threw tl::Error(DType)\n", ok, total);
  }
}

int run_checks() {
  const cpu::GemmIsa isas[] = {cpu::GemmIsa::Generic, cpu::GemmIsa::Avx2, cpu::GemmIsa::Avx512};
  std::vector<std::string> seen;
  for (cpu::GemmIsa isa : isas) {
    cpu::gemm_set_isa(isa);
    const std::string name = cpu::gemm_isa_name();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;  // not available on this CPU
    seen.push_back(name);
    std::printf("micro-kernel %s, %d threads\n", name.c_str(), omp_get_max_threads());
    for (DType dt : {DType::F32, DType::F64}) {
      const std::string sfx = std::string(" ") + dt_name(dt);
      Checker g{"gemm small" + sfx}, gl{"gemm large/threaded" + sfx}, mm{"matmul_op" + sfx}, li{"linear_forward_op" + sfx};
      Checker cf{"conv2d_forward" + sfx}, ci{"conv2d_backward_input" + sfx}, cw{"conv2d_backward_weight+bias" + sfx};
      check_gemm(dt, g);
      check_gemm_large(dt, gl);
      check_matmul(dt, mm);
      check_linear(dt, li);
      int i = 0;
      for (const ConvCase& cc : kConvCases) check_conv(dt, cc, (i++ % 2) == 0, cf, ci, cw);
      for (const Checker* c : {&g, &gl, &mm, &li, &cf, &ci, &cw}) c->report();
    }
  }
  cpu::gemm_set_isa(cpu::GemmIsa::Auto);
  Checker de{"dtype errors"};
  check_dtype_errors(de);
  de.report();
  std::printf(failures ? "FAILED: %d check(s)\n" : "all kernel checks passed\n", failures);
  return failures ? 1 : 0;
}

// ---------------------------------------------------------------- bench
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best wall time (ms) of `reps` runs after one warm-up: the minimum, not the median, so that other
// processes on a shared machine disturb the figure less.
double time_ms(const std::function<void()>& f, int reps) {
  f();
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now_s();
    f();
    best = std::min(best, (now_s() - t0) * 1e3);
  }
  return best;
}

int run_bench() {
  std::printf("micro-kernel %s, %d threads\n", cpu::gemm_isa_name(), omp_get_max_threads());
  for (int64_t n : {256, 1024, 2048}) {
    std::vector<float> A(n * n), B(n * n), C(n * n);
    auto r = randv(2 * n * n);
    std::copy(r.begin(), r.begin() + n * n, A.begin());
    std::copy(r.begin() + n * n, r.end(), B.begin());
    const int reps = n == 256 ? 50 : n == 1024 ? 10 : 5;
    const double ms = time_ms(
        [&] { cpu::gemm<float>(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n, true); }, reps);
    const double ms1 = time_ms(
        [&] { cpu::gemm<float>(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n, false); }, reps);
    std::printf("sgemm %5ld: %7.1f GFLOP/s (%d threads)  %7.1f GFLOP/s (1 thread)\n", long(n),
                2.0 * n * n * n / ms / 1e6, omp_get_max_threads(), 2.0 * n * n * n / ms1 / 1e6);
  }

  const int64_t Nb = 256;
  const DType dt = DType::F32;
  auto conv_bench = [&](const char* name, const ConvCase& cc, bool need_dx) {
    const Conv2dParams p = make_params(cc);
    const int64_t Cg = p.C / p.groups;
    Buf X(dt, randv(p.N * p.C * p.H * p.W), {p.N, p.C, p.H, p.W}), Wt(dt, randv(p.OC * Cg * p.KH * p.KW), {p.OC, Cg, p.KH, p.KW});
    Buf Bi(dt, randv(p.OC), {p.OC}), Y(dt, randv(p.N * p.OC * p.OH * p.OW), {p.N, p.OC, p.OH, p.OW});
    Buf DY = Y, DX = X, DW = Wt, DB = Bi;
    const double flops = 2.0 * p.N * p.OC * p.OH * p.OW * Cg * p.KH * p.KW;
    const double f = time_ms([&] { conv_forward_op.get(Device::CPU)(X.view(), Wt.view(), Bi.view(), Y.view(), as_nd(p)); }, 10);
    const double bi = time_ms([&] { conv_backward_input_op.get(Device::CPU)(DY.view(), Wt.view(), DX.view(), as_nd(p)); }, 10);
    const double bw = time_ms(
        [&] { conv_backward_weight_op.get(Device::CPU)(DY.view(), X.view(), DW.view(), DB.view(), as_nd(p)); }, 10);
    std::printf("%-6s fwd %7.2f ms (%5.1f GFLOP/s)  bwd_input %7.2f ms (%5.1f)%s  bwd_weight+bias %7.2f ms (%5.1f)\n",
                name, f, flops / f / 1e6, bi, flops / bi / 1e6, need_dx ? "" : " [unused in training]", bw,
                flops / bw / 1e6);
    return f + (need_dx ? bi : 0) + bw;
  };
  auto linear_bench = [&](const char* name, int64_t M, int64_t K, int64_t N, bool need_dx) {
    Buf X(dt, randv(M * K), {M, K}), Wt(dt, randv(N * K), {N, K}), Bi(dt, randv(N), {N}), Y(dt, randv(M * N), {M, N});
    Buf DX = X, DW = Wt;
    const double flops = 2.0 * M * N * K;
    const double f = time_ms([&] { linear_forward_op.get(Device::CPU)(X.view(), Wt.view(), Bi.view(), Y.view()); }, 20);
    // dx[M,K] = dy[M,N] @ w[N,K];  dw[N,K] = dy^T @ x
    MatmulParams pdx{1, M, K, N, false, false, 0, 0, 0, 1.0, 0.0};
    MatmulParams pdw{1, N, K, M, true, false, 0, 0, 0, 1.0, 0.0};
    const double bi = time_ms([&] { matmul_op.get(Device::CPU)(Y.view(), Wt.view(), DX.view(), pdx); }, 20);
    const double bw = time_ms([&] { matmul_op.get(Device::CPU)(Y.view(), X.view(), DW.view(), pdw); }, 20);
    std::printf("%-6s fwd %7.2f ms (%5.1f GFLOP/s)  bwd_input %7.2f ms (%5.1f)%s  bwd_weight      %7.2f ms (%5.1f)\n",
                name, f, flops / f / 1e6, bi, flops / bi / 1e6, need_dx ? "" : " [unused in training]", bw,
                flops / bw / 1e6);
    return f + (need_dx ? bi : 0) + bw;
  };
  std::printf("Fashion-MNIST CNN layers, batch %ld, float32 (best of 10-20 runs, ms):\n", long(Nb));
  double total = 0;
  total += conv_bench("conv1", {Nb, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1}, false);
  total += conv_bench("conv2", {Nb, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1}, true);
  total += linear_bench("fc1", Nb, 3136, 128, true);
  total += linear_bench("fc2", Nb, 128, 10, true);
  std::printf("total per training step (fwd + needed bwd of these layers): %.2f ms\n", total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "bench") == 0) return run_bench();
  return run_checks();
}
