// test/native/kernels_check.cc — standalone check of the CPU gemm / matmul / linear / conv kernels
// (native/cpu/gemm.cc, native/cpu/conv.cc: 2-D, 3-D and 1-D convolutions) against naive
// double-precision reference loops, and of the kernels' argument errors.
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

#include "ops/conv.h"
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
  void compare(const Buf& got, const std::vector<double>& ref, const std::vector<double>& mag,
               const std::string& what) {
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
  void report() const { std::printf("  %-38s %4d cases  max err %.3g\n", name.c_str(), cases, worst); }
};

const char* dt_name(DType d) { return d == DType::F32 ? "f32" : "f64"; }

// ---------------------------------------------------------------- gemm
// Every combination of the given M, N, K (default: small and odd sizes; see main for the narrow set
// that reaches the skinny kernel up to 24 columns and the dot-product path of 1-4 rows).
void check_gemm(DType dt, Checker& ck, const std::vector<int64_t>& Ms = {1, 4, 7, 17, 33, 100},
                const std::vector<int64_t>& Ns = {1, 4, 7, 17, 33, 100},
                const std::vector<int64_t>& Ks = {1, 4, 7, 17, 33, 100}) {
  for (int64_t M : Ms)
    for (int64_t N : Ns)
      for (int64_t K : Ks)
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
  struct S {
    int64_t M, N, K;
    bool ta, tb;
    double beta;
  };
  const S shapes[] = {{300, 290, 600, false, false, 0.0}, {257, 513, 260, true, false, 1.0},
                      {5, 4500, 70, false, true, 0.25},   {400, 9, 531, true, true, 0.0},
                      {1, 1000, 1000, false, false, 0.0}, {1000, 1, 1000, false, true, 0.0}};
  for (const S& s : shapes) {
    const int64_t lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    Buf A(dt, randv(s.M * s.K), {s.M * s.K}), B(dt, randv(s.K * s.N), {s.K * s.N}),
        C(dt, randv(s.M * s.N), {s.M * s.N});
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
      cpu::gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.f, A.f.data(), lda, B.f.data(), ldb, float(s.beta), C.f.data(), s.N,
                       true);
    else
      cpu::gemm<double>(s.ta, s.tb, s.M, s.N, s.K, 1.0, A.d.data(), lda, B.d.data(), ldb, s.beta, C.d.data(), s.N,
                        true);
    char what[128];
    std::snprintf(what, sizeof what, "M=%ld N=%ld K=%ld ta=%d tb=%d", long(s.M), long(s.N), long(s.K), s.ta, s.tb);
    ck.compare(C, ref, mag, what);
  }
}

// ---------------------------------------------------------------- matmul_op / linear_forward_op
void check_matmul(DType dt, Checker& ck) {
  struct S {
    int64_t batch, M, N, K;
    bool ta, tb;
    bool bcast_a, bcast_b;
    double alpha, beta;
  };
  const S shapes[] = {
      {3, 7, 17, 33, false, false, false, false, 1, 0},   {4, 33, 1, 7, true, false, false, true, 1, 0},
      {5, 17, 100, 9, false, true, true, false, 2, 0.5},  {2, 100, 33, 17, true, true, false, false, 1, 1},
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
  struct S {
    std::vector<int64_t> xshape;
    int64_t N;
    bool bias;
  };
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

// ---------------------------------------------------------------- conv (1-D, 2-D, 3-D)
struct ConvCase {
  int64_t N, C, H, W, OC, KH, KW, sh, sw, ph, pw, dh, dw, groups;
};  // a 2-D case

// ConvParams with the output size of the convolution formula (spatial dims right-aligned).
ConvParams conv_params(int64_t N, int64_t C, int64_t OC, int64_t groups, Dims3 in, Dims3 k, Dims3 s, Dims3 pad,
                       Dims3 dil) {
  ConvParams p{N, C, OC, groups, in, k, {}, s, pad, dil};
  for (int i = 0; i < 3; ++i) p.out[i] = (in[i] + 2 * pad[i] - dil[i] * (k[i] - 1) - 1) / s[i] + 1;
  return p;
}
ConvParams make_params(const ConvCase& c) {
  return conv_params(c.N, c.C, c.OC, c.groups, {1, c.H, c.W}, {1, c.KH, c.KW}, {1, c.sh, c.sw}, {0, c.ph, c.pw},
                     {1, c.dh, c.dw});
}
std::vector<int64_t> dims(int64_t a, int64_t b, const Dims3& d) { return {a, b, d[0], d[1], d[2]}; }

// Visits every (n, oc, od, oh, ow, c, kd, kh, kw) term of the convolution with flat indices.
template <typename F>
void conv_terms(const ConvParams& p, F f) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups;
  const Dims3 &in = p.in, &k = p.kernel, &o = p.out;
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t oc = 0; oc < p.OC; ++oc)
      for (int64_t od = 0; od < o[0]; ++od)
        for (int64_t oh = 0; oh < o[1]; ++oh)
          for (int64_t ow = 0; ow < o[2]; ++ow) {
            const int64_t yi = (((n * p.OC + oc) * o[0] + od) * o[1] + oh) * o[2] + ow;
            for (int64_t c = 0; c < Cg; ++c)
              for (int64_t kd = 0; kd < k[0]; ++kd)
                for (int64_t kh = 0; kh < k[1]; ++kh)
                  for (int64_t kw = 0; kw < k[2]; ++kw) {
                    const int64_t id = od * p.stride[0] - p.pad[0] + kd * p.dilation[0];
                    const int64_t ih = oh * p.stride[1] - p.pad[1] + kh * p.dilation[1];
                    const int64_t iw = ow * p.stride[2] - p.pad[2] + kw * p.dilation[2];
                    if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2]) continue;
                    const int64_t xi = (((n * p.C + oc / OCg * Cg + c) * in[0] + id) * in[1] + ih) * in[2] + iw;
                    const int64_t wi = (((oc * Cg + c) * k[0] + kd) * k[1] + kh) * k[2] + kw;
                    f(yi, xi, wi);
                  }
          }
}

void check_conv_case(DType dt, const ConvParams& p, bool bias, Checker& fwd, Checker& bin, Checker& bw) {
  const int64_t Cg = p.C / p.groups;
  const int64_t L = p.in[0] * p.in[1] * p.in[2], KK = p.kernel[0] * p.kernel[1] * p.kernel[2];
  const int64_t OL = p.out[0] * p.out[1] * p.out[2];
  const int64_t xn = p.N * p.C * L, wn = p.OC * Cg * KK, yn = p.N * p.OC * OL;
  Buf X(dt, randv(xn), dims(p.N, p.C, p.in)), Wt(dt, randv(wn), dims(p.OC, Cg, p.kernel)), B(dt, randv(p.OC), {p.OC});
  Buf DY(dt, randv(yn), dims(p.N, p.OC, p.out));
  char what[240];
  std::snprintf(what, sizeof what,
                "N=%ld C=%ld %ldx%ldx%ld OC=%ld k=%ldx%ldx%ld s=%ld,%ld,%ld p=%ld,%ld,%ld d=%ld,%ld,%ld g=%ld bias=%d",
                long(p.N), long(p.C), long(p.in[0]), long(p.in[1]), long(p.in[2]), long(p.OC), long(p.kernel[0]),
                long(p.kernel[1]), long(p.kernel[2]), long(p.stride[0]), long(p.stride[1]), long(p.stride[2]),
                long(p.pad[0]), long(p.pad[1]), long(p.pad[2]), long(p.dilation[0]), long(p.dilation[1]),
                long(p.dilation[2]), long(p.groups), bias);

  // forward
  std::vector<double> ref(yn, 0), mag(yn, 0);
  if (bias)
    for (int64_t i = 0; i < yn; ++i) ref[i] = B.at((i / OL) % p.OC), mag[i] = std::fabs(ref[i]);
  conv_terms(p, [&](int64_t yi, int64_t xi, int64_t wi) {
    ref[yi] += X.at(xi) * Wt.at(wi);
    mag[yi] += std::fabs(X.at(xi) * Wt.at(wi));
  });
  Buf Y(dt, std::vector<double>(yn, NAN), dims(p.N, p.OC, p.out));
  conv_forward_op.get(Device::CPU)(X.view(), Wt.view(), bias ? B.view() : null_view(dt), Y.view(), p);
  fwd.compare(Y, ref, mag, what);

  // input gradient (dx prefilled with garbage: must be overwritten)
  std::vector<double> rdx(xn, 0), mdx(xn, 0);
  conv_terms(p, [&](int64_t yi, int64_t xi, int64_t wi) {
    rdx[xi] += DY.at(yi) * Wt.at(wi);
    mdx[xi] += std::fabs(DY.at(yi) * Wt.at(wi));
  });
  Buf DX(dt, std::vector<double>(xn, 7.0), dims(p.N, p.C, p.in));
  conv_backward_input_op.get(Device::CPU)(DY.view(), Wt.view(), DX.view(), p);
  bin.compare(DX, rdx, mdx, what);

  // weight (and bias) gradient
  std::vector<double> rdw(wn, 0), mdw(wn, 0);
  conv_terms(p, [&](int64_t yi, int64_t xi, int64_t wi) {
    rdw[wi] += DY.at(yi) * X.at(xi);
    mdw[wi] += std::fabs(DY.at(yi) * X.at(xi));
  });
  Buf DW(dt, std::vector<double>(wn, 7.0), dims(p.OC, Cg, p.kernel));
  Buf DB(dt, std::vector<double>(p.OC, 7.0), {p.OC});
  conv_backward_weight_op.get(Device::CPU)(DY.view(), X.view(), DW.view(), bias ? DB.view() : null_view(dt), p);
  bw.compare(DW, rdw, mdw, what);
  if (bias) {
    std::vector<double> rdb(p.OC, 0), mdb(p.OC, 0);
    for (int64_t i = 0; i < yn; ++i) {
      rdb[(i / OL) % p.OC] += DY.at(i);
      mdb[(i / OL) % p.OC] += std::fabs(DY.at(i));
    }
    bw.compare(DB, rdb, mdb, std::string(what) + " (db)");
  }
}

const ConvCase kConvCases[] = {
    // N  C   H   W  OC KH KW sh sw ph pw dh dw g
    {2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},      // plain 3x3, padding
    {1, 4, 10, 11, 6, 2, 3, 2, 3, 0, 1, 1, 1, 2},    // batch 1, non-square kernel, groups 2
    {3, 2, 9, 8, 5, 1, 2, 4, 3, 1, 0, 1, 1, 1},      // stride > kernel
    {2, 3, 12, 13, 3, 3, 3, 1, 2, 2, 1, 2, 3, 1},    // dilation
    {2, 6, 8, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 6},     // depthwise (multiplier 2)
    {3, 5, 9, 7, 5, 5, 3, 2, 1, 2, 1, 1, 1, 5},      // depthwise, stride 2, 5x3
    {2, 8, 5, 7, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1},     // 1x1 pointwise
    {2, 8, 5, 7, 12, 1, 1, 1, 1, 0, 0, 1, 1, 4},     // 1x1 grouped
    {2, 4, 9, 9, 6, 1, 1, 2, 2, 0, 0, 1, 1, 1},      // 1x1 stride 2
    {1, 2, 4, 5, 3, 2, 2, 1, 1, 3, 2, 1, 1, 1},      // padding larger than kernel
    {3, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // conv1 of the CNN
    {2, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // conv2 of the CNN
    {1, 40, 6, 5, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // Kg = 360 crosses the KC block, batch 1
    {2, 3, 9, 9, 200, 2, 2, 1, 1, 0, 0, 1, 1, 1},    // OC = 200 crosses the MC block
    {5, 3, 1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1},      // 1x1 images
    {2, 2, 3, 17, 3, 3, 5, 3, 2, 0, 2, 1, 2, 1},     // odd everything
    {2, 4, 5, 6, 3, 2, 3, 1, 1, 3, 3, 1, 1, 1},      // stride 1, padding > kernel extent (cropping)
    {1, 8, 9, 10, 4, 3, 3, 1, 1, 1, 2, 2, 1, 2},     // stride 1, dilation, groups, batch 1
    {2, 4, 6, 6, 40, 1, 2, 1, 1, 0, 1, 1, 1, 2},     // few reduction rows, many outputs, groups
    {3, 4, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4},      // depthwise stride 1
    {2, 3, 40, 50, 20, 7, 7, 2, 2, 3, 3, 1, 1, 1},   // a 7x7 stride-2 stem: Direct's row tiles
    {1, 2, 6, 94, 11, 3, 5, 1, 4, 1, 2, 1, 1, 1},    // row tiles: stride 4 across, a partial channel block
};

// 3-D and 1-D cases (the same code as 2-D, with depth / without height).
const ConvParams kConvNdCases[] = {
    //          N  C  OC g  in          kernel      stride      pad         dilation
    conv_params(2, 3, 4, 1, {5, 6, 4}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}),   // 3-D grid, few channels
    conv_params(2, 8, 6, 2, {4, 5, 6}, {2, 3, 3}, {1, 1, 1}, {1, 0, 2}, {1, 2, 1}),   // 3-D grid, groups, Cg >= 4
    conv_params(2, 4, 6, 2, {6, 7, 5}, {3, 2, 3}, {2, 1, 3}, {1, 1, 0}, {1, 2, 1}),   // 3-D strided, dilated
    conv_params(3, 2, 5, 1, {3, 4, 5}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}),   // 3-D pointwise
    conv_params(1, 4, 4, 4, {3, 4, 5}, {2, 2, 3}, {1, 1, 1}, {2, 3, 3}, {1, 1, 1}),   // 3-D depthwise, cropping pad
    conv_params(1, 5, 3, 1, {4, 4, 4}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {2, 1, 1}),   // 3-D batch 1, dilated depth
    conv_params(2, 3, 4, 1, {1, 1, 20}, {1, 1, 5}, {1, 1, 1}, {0, 0, 2}, {1, 1, 1}),  // 1-D
    conv_params(2, 8, 4, 2, {1, 1, 17}, {1, 1, 3}, {1, 1, 2}, {0, 0, 1}, {1, 1, 2}),  // 1-D strided, groups
    conv_params(3, 4, 8, 1, {1, 1, 9}, {1, 1, 4}, {1, 1, 1}, {0, 0, 3}, {1, 1, 3}),   // 1-D grid, Cg >= 4
};

void check_arg_errors(Checker& ck) {
  // Integer dtypes must be rejected with tl::Error(DType), and conv sizes that disagree with the
  // params with tl::Error(InvalidArg) — before any memory is touched, never a crash or garbage.
  std::vector<int64_t> buf(64, 1);
  TensorView t;
  t.data = buf.data();
  t.dtype = DType::I64;
  t.shape = {4, 4};
  int ok = 0, total = 0;
  auto expect = [&](ErrorCode code, const std::function<void()>& f) {
    ++total;
    try {
      f();
    } catch (const Error& e) {
      if (e.code == code)
        ++ok;
      else
        std::printf("  wrong error code: %s\n", e.what());
    }
  };
  const ErrorCode dt = ErrorCode::DType, bad = ErrorCode::InvalidArg;
  MatmulParams mp{1, 4, 4, 4, false, false, 16, 16, 16, 1.0, 0.0};
  expect(dt, [&] { matmul_op.get(Device::CPU)(t, t, t, mp); });
  expect(dt, [&] { linear_forward_op.get(Device::CPU)(t, t, null_view(DType::I64), t); });
  const ConvParams cp = make_params({1, 1, 4, 4, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1});
  expect(dt, [&] { conv_forward_op.get(Device::CPU)(t, t, null_view(DType::I64), t, cp); });
  expect(dt, [&] { conv_backward_input_op.get(Device::CPU)(t, t, t, cp); });
  expect(dt, [&] { conv_backward_weight_op.get(Device::CPU)(t, t, t, null_view(DType::I64), cp); });

  const DType f = DType::F32;
  const ConvParams p = make_params({1, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1});  // 3x3, padding 1: out 4x4
  Buf X(f, randv(32), {1, 2, 4, 4}), W(f, randv(54), {3, 2, 3, 3}), Y(f, randv(48), {1, 3, 4, 4}), S(f, randv(8), {8});
  ConvParams wrong_out = p, wrong_groups = p;
  wrong_out.out[2] = 5;
  wrong_groups.groups = 2;  // does not divide OC = 3
  expect(bad, [&] { conv_forward_op.get(Device::CPU)(X.view(), W.view(), null_view(f), Y.view(), wrong_out); });
  expect(bad, [&] { conv_forward_op.get(Device::CPU)(X.view(), W.view(), null_view(f), Y.view(), wrong_groups); });
  expect(bad, [&] { conv_forward_op.get(Device::CPU)(X.view(), W.view(), null_view(f), S.view(), p); });
  expect(bad, [&] { conv_forward_op.get(Device::CPU)(X.view(), W.view(), S.view(), Y.view(), p); });
  expect(bad, [&] { conv_backward_input_op.get(Device::CPU)(Y.view(), W.view(), S.view(), p); });
  expect(bad, [&] { conv_backward_weight_op.get(Device::CPU)(Y.view(), X.view(), S.view(), null_view(f), p); });
  Buf Xd(DType::F64, randv(32), {1, 2, 4, 4});
  expect(bad, [&] { conv_forward_op.get(Device::CPU)(X.view(), W.view(), null_view(f), Xd.view(), p); });
  ++ck.cases;
  if (ok != total) {
    ++failures;
    std::printf("  FAIL argument errors: %d of %d calls threw the expected tl::Error\n", ok, total);
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
      Checker g{"gemm small" + sfx}, gl{"gemm large/threaded" + sfx}, mm{"matmul_op" + sfx},
          li{"linear_forward_op" + sfx};
      Checker cf{"conv_forward 2-D" + sfx}, ci{"conv_backward_input 2-D" + sfx},
          cw{"conv_backward_weight+bias 2-D" + sfx};
      Checker nf{"conv_forward 1-D/3-D" + sfx}, ni{"conv_backward_input 1-D/3-D" + sfx};
      Checker nw{"conv_backward_weight+bias 1-D/3-D" + sfx};
      check_gemm(dt, g);
      check_gemm(dt, g, {1, 2, 3, 4, 30}, {9, 13, 14, 15, 16, 20, 24, 25}, {16, 19, 300});  // skinny / dots paths
      check_gemm_large(dt, gl);
      check_matmul(dt, mm);
      check_linear(dt, li);
      int i = 0;
      for (const ConvCase& cc : kConvCases) check_conv_case(dt, make_params(cc), (i++ % 2) == 0, cf, ci, cw);
      for (const ConvParams& p : kConvNdCases) check_conv_case(dt, p, (i++ % 2) == 0, nf, ni, nw);
      for (const Checker* c : {&g, &gl, &mm, &li, &cf, &ci, &cw, &nf, &ni, &nw}) c->report();
    }
  }
  cpu::gemm_set_isa(cpu::GemmIsa::Auto);
  Checker de{"argument errors"};
  check_arg_errors(de);
  de.report();
  std::printf(failures ? "FAILED: %d check(s)\n" : "all kernel checks passed\n", failures);
  return failures ? 1 : 0;
}

// ---------------------------------------------------------------- bench
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

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
    const ConvParams p = make_params(cc);
    const int64_t Cg = p.C / p.groups, L = p.in[1] * p.in[2], KK = p.kernel[1] * p.kernel[2], OL = p.out[1] * p.out[2];
    Buf X(dt, randv(p.N * p.C * L), dims(p.N, p.C, p.in)), Wt(dt, randv(p.OC * Cg * KK), dims(p.OC, Cg, p.kernel));
    Buf Bi(dt, randv(p.OC), {p.OC}), Y(dt, randv(p.N * p.OC * OL), dims(p.N, p.OC, p.out));
    Buf DY = Y, DX = X, DW = Wt, DB = Bi;
    const double flops = 2.0 * p.N * p.OC * OL * Cg * KK;
    const double f =
        time_ms([&] { conv_forward_op.get(Device::CPU)(X.view(), Wt.view(), Bi.view(), Y.view(), p); }, 10);
    const double bi = time_ms([&] { conv_backward_input_op.get(Device::CPU)(DY.view(), Wt.view(), DX.view(), p); }, 10);
    const double bw =
        time_ms([&] { conv_backward_weight_op.get(Device::CPU)(DY.view(), X.view(), DW.view(), DB.view(), p); }, 10);
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
