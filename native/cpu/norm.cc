// native/cpu/norm.cc — CPU kernels of the normalisation ops (ops/norm.h): batch norm forward /
// backward and the row norm (group, layer, instance norm) forward / backward, float32 and float64.
// Statistics: per fixed-size chunk in double (row norms: two passes over the cache-resident chunk,
// sum then squared deviations; batch norm: one pass of Welford's update), the chunks' partial
// results merged in chunk order with Chan's formula; batch norm runs its Welford updates down the
// samples with one accumulator per plane column (vectorised across columns; planes under 64
// elements along the C * L columns of each sample). Backward sums are double, per chunk and column,
// merged in order. Chunk and column boundaries depend only on the shapes, never on the thread count,
// so results are identical for any OpenMP schedule. Element loops are compiled per instruction set
// (TL_NORM_LOOP: no fused multiply-adds), with the relu masks as selects of one width (branch-free, vectorised).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/dispatch.h"
#include "ops/norm.h"
#include "core/parallel.h"

namespace tl {
namespace {

// The element loops compiled per instruction set, without contracting a * b + c into one fused
// multiply-add: each result rounds as in the baseline build and in PyTorch's kernels, on every CPU
// (a CIFAR ResNet-18's gradient norm moved 1.4e-3 relative off PyTorch's after two steps when the
// batch norm's x * scale + shift was fused).
#define TL_NORM_LOOP __attribute__((optimize("fp-contract=off"))) TL_TARGET_CLONES

constexpr int kLanes = 8;
constexpr int64_t kChunk = 16384;  // elements per partial result
constexpr int64_t kPiece = 2048;   // plane columns per accumulator array

struct Welford {
  double n = 0, mean = 0, m2 = 0;
};
// a := a merged with b (Chan et al.), b after a.
inline void merge(Welford& a, const Welford& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  const double n = a.n + b.n, d = b.mean - a.mean, f = b.n / n;
  a.mean += d * f;
  a.m2 += b.m2 + d * d * a.n * f;
  a.n = n;
}
// Welford over x[0, len) merged into acc: lane j takes elements j, j + kLanes, ... (all full lanes
// share one count, so 1/count is one division per kLanes elements), then the tail one by one.
template <typename T>
void welford_segment(const T* x, int64_t len, Welford& acc) {
  const int64_t full = len / kLanes;
  if (full > 0) {
    double mean[kLanes] = {}, m2[kLanes] = {};
    for (int64_t k = 0; k < full; ++k) {
      const double inv = 1.0 / double(k + 1);
      const T* p = x + k * kLanes;
#pragma omp simd
      for (int j = 0; j < kLanes; ++j) {
        const double v = double(p[j]);
        const double d = v - mean[j];
        mean[j] += d * inv;
        m2[j] += d * (v - mean[j]);
      }
    }
    Welford s;
    for (int j = 0; j < kLanes; ++j) merge(s, Welford{double(full), mean[j], m2[j]});
    merge(acc, s);
  }
  for (int64_t i = full * kLanes; i < len; ++i) merge(acc, Welford{1, double(x[i]), 0});
}
// Welford over columns: x[n * stride + j] for n in [0, rows), j in [0, cols); col[j] accumulates
// column j (same count for every column, so the update vectorises across columns).
template <typename T>
TL_NORM_LOOP void welford_columns(const T* x, int64_t rows, int64_t cols, int64_t stride, double* mean, double* m2) {
  for (int64_t j = 0; j < cols; ++j) mean[j] = m2[j] = 0;
  for (int64_t n = 0; n < rows; ++n) {
    const double inv = 1.0 / double(n + 1);
    const T* p = x + n * stride;
#pragma omp simd
    for (int64_t j = 0; j < cols; ++j) {
      const double v = double(p[j]);
      const double d = v - mean[j];
      mean[j] += d * inv;
      m2[j] += d * (v - mean[j]);
    }
  }
}

inline bool present(const TensorView& t) { return t.data != nullptr; }

void check_same(const char* op, const TensorView& x, std::initializer_list<const TensorView*> ts) {
  for (auto* t : ts)
    if (present(*t) && t->dtype != x.dtype)
      throw Error(ErrorCode::DType, std::string("torchlet: ") + op + ": every tensor must have the input's dtype");
}

// ---- batch norm ------------------------------------------------------------------------------------

// Units of the per-channel reductions: channel c, block b of nb samples (nb * L ~ kChunk elements).
struct BnBlocks {
  int64_t nb, B;
  BnBlocks(int64_t N, int64_t L) {
    nb = L >= kChunk ? 1 : kChunk / (L > 0 ? L : 1);
    B = N > 0 ? (N + nb - 1) / nb : 0;
  }
};

template <typename T>
void bn_stats(const T* x, const BatchNormParams& p, double* mean, double* var) {
  const int64_t N = p.N, C = p.C, L = p.L;
  if (L < kLanes && C * L <= 4096) {
    // small planes ([N, C] or [N, C, tiny]): Welford down the N rows of the C*L columns, then the L
    // columns of a channel merged in order
    std::vector<double> cm(C * L), c2(C * L);
    welford_columns(x, N, C * L, C * L, cm.data(), c2.data());
    for (int64_t c = 0; c < C; ++c) {
      Welford w;
      for (int64_t l = 0; l < L; ++l) merge(w, Welford{double(N), cm[c * L + l], c2[c * L + l]});
      mean[c] = w.mean;
      var[c] = w.n > 0 ? w.m2 / w.n : 0;
    }
    return;
  }
  const BnBlocks bl(N, L);
  const int64_t units = C * bl.B;
  std::vector<Welford> part(units);
  TL_PAR_FOR(
      N * C * L > kParallelGrain && units > 1, for (int64_t u = 0; u < units; ++u) {
        const int64_t c = u / bl.B, b = u % bl.B;
        const int64_t n0 = b * bl.nb, n1 = std::min(N, n0 + bl.nb);
        thread_local std::vector<double> acc;  // (the running thread's)
        if (acc.size() < size_t(2 * kPiece)) acc.resize(2 * kPiece);
        Welford w;
        if (n1 - n0 >= kLanes) {
          for (int64_t l0 = 0; l0 < L; l0 += kPiece) {  // per column of the piece down the block's samples
            const int64_t cols = std::min(kPiece, L - l0);
            welford_columns(x + (n0 * C + c) * L + l0, n1 - n0, cols, C * L, acc.data(), acc.data() + kPiece);
            for (int64_t l = 0; l < cols; ++l) merge(w, Welford{double(n1 - n0), acc[l], acc[kPiece + l]});
          }
        } else {  // few samples of large planes: each plane as rows of kPiece columns, then its tail
          for (int64_t n = n0; n < n1; ++n) {
            const T* xp = x + (n * C + c) * L;
            const int64_t rows = L / kPiece;
            if (rows > 0) {
              welford_columns(xp, rows, kPiece, kPiece, acc.data(), acc.data() + kPiece);
              for (int64_t l = 0; l < kPiece; ++l) merge(w, Welford{double(rows), acc[l], acc[kPiece + l]});
            }
            welford_segment(xp + rows * kPiece, L - rows * kPiece, w);
          }
        }
        part[u] = w;
      });
  for (int64_t c = 0; c < C; ++c) {
    Welford w;
    for (int64_t b = 0; b < bl.B; ++b) merge(w, part[c * bl.B + b]);
    mean[c] = w.mean;
    var[c] = w.n > 0 ? w.m2 / w.n : 0;
  }
}

// Small planes (L < kSmallPlane: [N, C] or the maps of 4x4 and smaller): the per-channel loops run
// along the C * L columns of each sample instead of plane by plane (a plane of 1-16 elements leaves
// no room to vectorise, and its setup costs more than its work), with per-column copies of the
// per-channel values.
constexpr int64_t kSmallPlane = 64;
template <typename T, typename V>
std::vector<T> per_column(const V* v, int64_t C, int64_t L) {
  std::vector<T> out(C * L);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t l = 0; l < L; ++l) out[c * L + l] = T(v[c]);
  return out;
}

// The element loops, compiled per instruction set (TL_NORM_LOOP); the relu selects read both
// operands first, so that they vectorise as blends instead of branching on every element. Per-column
// coefficient arrays (the small-plane paths) or one plane's constants.
template <typename T>
TL_NORM_LOOP void bn_apply_cols(const T* __restrict x, T* __restrict y, const T* s, const T* h, int64_t n, bool relu) {
  if (relu) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const T v = x[j] * s[j] + h[j];
      y[j] = v <= T(0) ? T(0) : v;
    }
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = x[j] * s[j] + h[j];
  }
}
template <typename T>
TL_NORM_LOOP void bn_apply_plane(const T* __restrict x, T* __restrict y, T s, T h, int64_t n, bool relu) {
  if (relu) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const T v = x[j] * s + h;
      y[j] = v <= T(0) ? T(0) : v;
    }
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = x[j] * s + h;
  }
}
// dx = a * g' + k * (x - mu) + c0, g' = (y && y <= 0) ? 0 : g
template <typename T>
TL_NORM_LOOP void bn_dx_cols(const T* g, const T* x, const T* y, const T* a, const T* k, const T* c0, const T* mu,
                             T* __restrict dx, int64_t n) {
  if (y) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const T gv = g[j], gg = y[j] <= T(0) ? T(0) : gv;
      dx[j] = a[j] * gg + k[j] * (x[j] - mu[j]) + c0[j];
    }
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) dx[j] = a[j] * g[j] + k[j] * (x[j] - mu[j]) + c0[j];
  }
}
template <typename T>
TL_NORM_LOOP void bn_dx_plane(const T* g, const T* x, const T* y, T a, T k, T c0, T mu, T* __restrict dx, int64_t n) {
  if (y) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const T gv = g[j], gg = y[j] <= T(0) ? T(0) : gv;
      dx[j] = a * gg + k * (x[j] - mu) + c0;
    }
  } else {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) dx[j] = a * g[j] + k * (x[j] - mu) + c0;
  }
}
// g'[j] = (y[j] <= 0) ? 0 : g[j] for j < n (n <= kReluStep), a select of one width (vectorises; the
// accumulating loops below mix float loads with double sums, where GCC leaves a select as a branch).
constexpr int64_t kReluStep = 256;
template <typename T>
inline void relu_masked(const T* g, const T* y, T* __restrict out, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const T gv = g[j];
    out[j] = y[j] <= T(0) ? T(0) : gv;
  }
}
// sa[j] += g', sb[j] += g' * (x - mu) in double: one channel's plane (MuArr false, mu[0]) or per column
// (MuArr true, mu[j]).
template <typename T, bool MuArr>
TL_NORM_LOOP void bn_sums(const T* g, const T* x, const T* y, const double* mu, double* __restrict sa,
                          double* __restrict sb, int64_t n) {
  alignas(64) T gm[kReluStep];
  for (int64_t j0 = 0; j0 < n; j0 += kReluStep) {
    const int64_t m = std::min(kReluStep, n - j0);
    const T* gp = g + j0;
    if (y) {
      relu_masked(gp, y + j0, gm, m);
      gp = gm;
    }
    const T* xp = x + j0;
    double* a = sa + j0;
    double* b = sb + j0;
    const double* mp = MuArr ? mu + j0 : mu;
#pragma omp simd
    for (int64_t j = 0; j < m; ++j) {
      const double gv = double(gp[j]);
      a[j] += gv;
      b[j] += gv * (double(xp[j]) - mp[MuArr ? j : 0]);
    }
  }
}

// y[n, c, :] = x * scale[c] + shift[c] (then relu)
template <typename T>
void bn_apply(const T* x, T* y, const double* scale, const double* shift, const BatchNormParams& p) {
  const int64_t N = p.N, C = p.C, L = p.L, planes = N * C;
  const bool relu = p.relu;
  if (L < kSmallPlane) {
    const int64_t cols = C * L;
    const std::vector<T> s = per_column<T>(scale, C, L), h = per_column<T>(shift, C, L);
    const T* sp = s.data();
    const T* hp = h.data();
    TL_PAR_FOR(N * cols > kParallelGrain && N > 1,
               for (int64_t n = 0; n < N; ++n) bn_apply_cols(x + n * cols, y + n * cols, sp, hp, cols, relu););
    return;
  }
  TL_PAR_FOR(
      planes * L > kParallelGrain && planes > 1, for (int64_t k = 0; k < planes; ++k) {
        const int64_t c = k % C;
        bn_apply_plane(x + k * L, y + k * L, T(scale[c]), T(shift[c]), L, relu);
      });
}

template <typename T>
void bn_forward_typed(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& rmv,
                      const TensorView& rvv, const TensorView& outv, const TensorView& smv, const TensorView& siv,
                      const BatchNormParams& p) {
  const int64_t C = p.C, M = p.N * p.L;
  std::vector<double> mean(C), var(C), scale(C), shift(C);
  T* rm = present(rmv) ? rmv.ptr<T>() : nullptr;
  T* rv = present(rvv) ? rvv.ptr<T>() : nullptr;
  if (p.training) {
    bn_stats(xv.ptr<T>(), p, mean.data(), var.data());
    const double m = p.momentum, unbias = M > 1 ? double(M) / double(M - 1) : 1.0;
    for (int64_t c = 0; c < C; ++c) {
      if (rm) rm[c] = T((1 - m) * double(rm[c]) + m * mean[c]);
      if (rv) rv[c] = T((1 - m) * double(rv[c]) + m * var[c] * unbias);
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      mean[c] = double(rm[c]);
      var[c] = double(rv[c]);
    }
  }
  const T* w = present(wv) ? wv.ptr<T>() : nullptr;
  const T* b = present(bv) ? bv.ptr<T>() : nullptr;
  T* sm = smv.ptr<T>();
  T* si = siv.ptr<T>();
  for (int64_t c = 0; c < C; ++c) {
    const double invstd = 1.0 / std::sqrt(var[c] + p.eps);
    sm[c] = T(mean[c]);
    si[c] = T(invstd);
    scale[c] = (w ? double(w[c]) : 1.0) * invstd;
    shift[c] = (b ? double(b[c]) : 0.0) - mean[c] * scale[c];
  }
  bn_apply(xv.ptr<T>(), outv.ptr<T>(), scale.data(), shift.data(), p);
}

void batch_norm_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& rm,
                            const TensorView& rv, const TensorView& out, const TensorView& sm, const TensorView& si,
                            const BatchNormParams& p) {
  check_same("batch_norm_forward", x, {&w, &b, &rm, &rv, &out, &sm, &si});
  if (p.training && p.N * p.L <= 1)
    throw Error(ErrorCode::Shape, "torchlet: batch_norm_forward: training needs more than 1 value per channel");
  if (!p.training && (!present(rm) || !present(rv)))
    throw Error(ErrorCode::InvalidArg, "torchlet: batch_norm_forward: eval mode needs runningMean and runningVar");
  dispatch_float("batch_norm_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    bn_forward_typed<T>(x, w, b, rm, rv, out, sm, si, p);
  });
}
TL_REGISTER_KERNEL(batch_norm_forward_op, CPU, batch_norm_forward_cpu, kFloatTypes);

// g' = relu ? (y <= 0 ? 0 : g) : g
template <typename T>
inline T masked(bool relu, const T* y, const T* g, int64_t i) {
  return relu && y[i] <= T(0) ? T(0) : g[i];
}

// per channel: sg = sum g', sgx = sum g' * (x - mean), in double
// bn_grad_sums for small planes: channels in groups of about kChunk / N columns, each group's column
// sums accumulated down the N samples (double, one accumulator per column), then each channel's L
// columns summed in order. Groups depend only on the shapes, not on the threads.
template <typename T>
void bn_grad_sums_columns(const T* g, const T* x, const T* y, const T* sm, const BatchNormParams& p, double* sg,
                          double* sgx) {
  const int64_t N = p.N, C = p.C, L = p.L, cols = C * L;
  const int64_t cg = std::max<int64_t>(1, std::min(C, kChunk / std::max<int64_t>(1, N * L))),
                groups = (C + cg - 1) / cg;
  const bool relu = p.relu;
  TL_PAR_FOR(
      N * cols > kParallelGrain && groups > 1, for (int64_t gi = 0; gi < groups; ++gi) {
        const int64_t c0 = gi * cg, c1 = std::min(C, c0 + cg), w = (c1 - c0) * L, j0 = c0 * L;
        std::vector<double> acc(3 * w, 0.0);
        double* a = acc.data();
        double* b = a + w;
        double* mu = b + w;
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t l = 0; l < L; ++l) mu[(c - c0) * L + l] = double(sm[c]);
        for (int64_t n = 0; n < N; ++n)
          bn_sums<T, true>(g + n * cols + j0, x + n * cols + j0, relu ? y + n * cols + j0 : nullptr, mu, a, b, w);
        for (int64_t c = c0; c < c1; ++c) {
          double sa = 0, sb = 0;
          for (int64_t l = 0; l < L; ++l) sa += a[(c - c0) * L + l], sb += b[(c - c0) * L + l];
          sg[c] = sa;
          sgx[c] = sb;
        }
      });
}

template <typename T>
void bn_grad_sums(const T* g, const T* x, const T* y, const T* sm, const BatchNormParams& p, double* sg, double* sgx) {
  const int64_t N = p.N, C = p.C, L = p.L;
  if (L < kSmallPlane) return bn_grad_sums_columns(g, x, y, sm, p, sg, sgx);
  const bool relu = p.relu;
  const BnBlocks bl(N, L);
  const int64_t units = C * bl.B;
  std::vector<double> pa(units), pb(units);
  TL_PAR_FOR(
      N * C * L > kParallelGrain && units > 1, for (int64_t u = 0; u < units; ++u) {
        const int64_t c = u / bl.B, blk = u % bl.B;
        const int64_t n1 = std::min(N, (blk + 1) * bl.nb);
        const double mu = double(sm[c]);
        thread_local std::vector<double> acc;  // (the running thread's)
        if (acc.size() < size_t(2 * kPiece)) acc.resize(2 * kPiece);
        double* sa = acc.data();
        double* sb = sa + kPiece;
        double a = 0, b = 0;
        for (int64_t l0 = 0; l0 < L; l0 += kPiece) {  // per column of the piece down the block's samples
          const int64_t cols = std::min(kPiece, L - l0);
          std::fill(sa, sa + cols, 0.0);
          std::fill(sb, sb + cols, 0.0);
          for (int64_t n = blk * bl.nb; n < n1; ++n) {
            const int64_t o = (n * C + c) * L + l0;
            bn_sums<T, false>(g + o, x + o, relu ? y + o : nullptr, &mu, sa, sb, cols);
          }
          for (int64_t l = 0; l < cols; ++l) a += sa[l], b += sb[l];
        }
        pa[u] = a;
        pb[u] = b;
      });
  for (int64_t c = 0; c < C; ++c) {
    double a = 0, b = 0;
    for (int64_t blk = 0; blk < bl.B; ++blk) {
      a += pa[c * bl.B + blk];
      b += pb[c * bl.B + blk];
    }
    sg[c] = a;
    sgx[c] = b;
  }
}

template <typename T>
void bn_backward_typed(const TensorView& gv, const TensorView& xv, const TensorView& wv, const TensorView& smv,
                       const TensorView& siv, const TensorView& yv, const TensorView& dxv, const TensorView& dwv,
                       const TensorView& dbv, const BatchNormParams& p) {
  const int64_t N = p.N, C = p.C, L = p.L, M = N * L;
  const T* g = gv.ptr<T>();
  const T* x = xv.ptr<T>();
  const T* y = p.relu ? yv.ptr<T>() : nullptr;
  const T* w = present(wv) ? wv.ptr<T>() : nullptr;
  const T* sm = smv.ptr<T>();
  const T* si = siv.ptr<T>();
  const bool need_sums = present(dwv) || present(dbv) || (present(dxv) && p.training);
  std::vector<double> sg(C), sgx(C);
  if (need_sums) bn_grad_sums(g, x, y, sm, p, sg.data(), sgx.data());
  for (int64_t c = 0; c < C; ++c) {
    if (present(dwv)) dwv.ptr<T>()[c] = T(sgx[c] * double(si[c]));
    if (present(dbv)) dbv.ptr<T>()[c] = T(sg[c]);
  }
  if (!present(dxv)) return;
  // dx = a * g' + k * (x - mean) + c0 (training), a * g' (eval); a = w * invstd
  std::vector<double> A(C), K(C), C0(C);
  for (int64_t c = 0; c < C; ++c) {
    const double is = double(si[c]);
    A[c] = (w ? double(w[c]) : 1.0) * is;
    K[c] = p.training && M > 0 ? -A[c] * is * is * sgx[c] / double(M) : 0.0;
    C0[c] = p.training && M > 0 ? -A[c] * sg[c] / double(M) : 0.0;
  }
  T* dx = dxv.ptr<T>();
  const int64_t planes = N * C;
  const bool relu = p.relu;
  if (L < kSmallPlane) {
    const int64_t cols = C * L;
    const std::vector<T> a = per_column<T>(A.data(), C, L), kk = per_column<T>(K.data(), C, L),
                         c0 = per_column<T>(C0.data(), C, L), mu = per_column<T>(sm, C, L);
    const T *ap = a.data(), *kp = kk.data(), *cp = c0.data(), *mp = mu.data();
    TL_PAR_FOR(
        N * cols > kParallelGrain && N > 1, for (int64_t n = 0; n < N; ++n) {
          const int64_t o = n * cols;
          bn_dx_cols(g + o, x + o, relu ? y + o : nullptr, ap, kp, cp, mp, dx + o, cols);
        });
    return;
  }
  TL_PAR_FOR(
      planes * L > kParallelGrain && planes > 1, for (int64_t k = 0; k < planes; ++k) {
        const int64_t c = k % C, o = k * L;
        bn_dx_plane(g + o, x + o, relu ? y + o : nullptr, T(A[c]), T(K[c]), T(C0[c]), sm[c], dx + o, L);
      });
}

void batch_norm_backward_cpu(const TensorView& g, const TensorView& x, const TensorView& w, const TensorView& sm,
                             const TensorView& si, const TensorView& y, const TensorView& dx, const TensorView& dw,
                             const TensorView& db, const BatchNormParams& p) {
  check_same("batch_norm_backward", x, {&g, &w, &sm, &si, &y, &dx, &dw, &db});
  if (p.relu && !present(y))
    throw Error(ErrorCode::InvalidArg, "torchlet: batch_norm_backward: relu needs the forward output");
  dispatch_float("batch_norm_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    bn_backward_typed<T>(g, x, w, sm, si, y, dx, dw, db, p);
  });
}
TL_REGISTER_KERNEL(batch_norm_backward_op, CPU, batch_norm_backward_cpu, kFloatTypes);

// ---- row norm (group / layer / instance) --------------------------------------------------------------

// The row norm's element loops, compiled per instruction set. A unit's statistics in two passes over
// its (cache-resident) elements: the double sum, then the squared deviations from that mean.
template <typename T>
TL_NORM_LOOP Welford segment_stats(const T* x, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += double(x[i]);
  const double mean = n > 0 ? s / double(n) : 0.0;
  double m2 = 0;
#pragma omp simd reduction(+ : m2)
  for (int64_t i = 0; i < n; ++i) {
    const double d = double(x[i]) - mean;
    m2 += d * d;
  }
  return Welford{double(n), mean, m2};
}
// y = (x - mu) * (is * w) + b with per-element w and b (either may be absent)
template <typename T>
TL_NORM_LOOP void row_apply_elementwise(const T* x, T* __restrict y, const T* w, const T* b, T mu, T is, int64_t n) {
  if (w && b) {
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) y[r] = (x[r] - mu) * (is * w[r]) + b[r];
  } else if (w) {
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) y[r] = (x[r] - mu) * (is * w[r]);
  } else if (b) {
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) y[r] = (x[r] - mu) * is + b[r];
  } else {
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) y[r] = (x[r] - mu) * is;
  }
}
template <typename T>
TL_NORM_LOOP void row_apply_scale(const T* x, T* __restrict y, T sc, T sh, int64_t n) {
#pragma omp simd
  for (int64_t r = 0; r < n; ++r) y[r] = x[r] * sc + sh;
}
// e = sum g * w', f = sum g * w' * (x - mu) in double (w' = w[r], or 1 without w)
template <typename T>
TL_NORM_LOOP void row_grad_sums(const T* g, const T* x, const T* w, double mu, int64_t n, double& e, double& f) {
  double a = 0, c = 0;
  if (w) {
#pragma omp simd reduction(+ : a, c)
    for (int64_t r = 0; r < n; ++r) {
      const double gw = double(g[r]) * double(w[r]);
      a += gw;
      c += gw * (double(x[r]) - mu);
    }
  } else {
#pragma omp simd reduction(+ : a, c)
    for (int64_t r = 0; r < n; ++r) {
      const double gg = double(g[r]);
      a += gg;
      c += gg * (double(x[r]) - mu);
    }
  }
  e = a;
  f = c;
}
// dx = (is * w') * g + kk * (x - mu) + c0 (w' = w[r], or the constant a without w)
template <typename T>
TL_NORM_LOOP void row_dx(const T* g, const T* x, const T* w, T a, T kk, T mu, T c0, T* __restrict dx, int64_t n) {
  if (w) {
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) dx[r] = (a * w[r]) * g[r] + kk * (x[r] - mu) + c0;
  } else {
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) dx[r] = a * g[r] + kk * (x[r] - mu) + c0;
  }
}
// A[i] += g, B[i] += g * (x - mu) * is (one group's run of columns)
template <typename T>
TL_NORM_LOOP void row_param_sums(const T* g, const T* x, double mu, double is, double* __restrict A,
                                 double* __restrict B, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const double gg = double(g[i]);
    A[i] += gg;
    B[i] += gg * (double(x[i]) - mu) * is;
  }
}

// Units of a row: with L > 1 one unit per parameter segment of L elements (r in [j*L, (j+1)*L)); with
// L == 1 chunks of kChunk elements.
struct RowUnits {
  int64_t len, per_row;
  explicit RowUnits(const RowNormParams& p) {
    len = p.L > 1 ? p.L : std::min<int64_t>(p.R, kChunk);
    per_row = (p.R + len - 1) / len;
  }
};

template <typename T>
void row_forward_typed(const TensorView& xv, const TensorView& wv, const TensorView& bv, const TensorView& outv,
                       const TensorView& smv, const TensorView& siv, const RowNormParams& p) {
  const int64_t rows = p.rows, R = p.R, G = p.G, L = p.L;
  const T* x = xv.ptr<T>();
  T* y = outv.ptr<T>();
  const T* w = present(wv) ? wv.ptr<T>() : nullptr;
  const T* b = present(bv) ? bv.ptr<T>() : nullptr;
  const RowUnits ru(p);
  const int64_t units = rows * ru.per_row;
  const bool par = rows * R > kParallelGrain && units > 1;
  std::vector<Welford> part(units);
  TL_PAR_FOR(
      par, for (int64_t u = 0; u < units; ++u) {
        const int64_t k = u / ru.per_row, r0 = (u % ru.per_row) * ru.len, r1 = std::min(R, r0 + ru.len);
        part[u] = segment_stats(x + k * R + r0, r1 - r0);
      });
  std::vector<double> mean(rows), invstd(rows);
  for (int64_t k = 0; k < rows; ++k) {
    Welford acc;
    for (int64_t j = 0; j < ru.per_row; ++j) merge(acc, part[k * ru.per_row + j]);
    mean[k] = acc.mean;
    invstd[k] = 1.0 / std::sqrt((acc.n > 0 ? acc.m2 / acc.n : 0.0) + p.eps);
    smv.ptr<T>()[k] = T(mean[k]);
    siv.ptr<T>()[k] = T(invstd[k]);
  }
  TL_PAR_FOR(
      par, for (int64_t u = 0; u < units; ++u) {
        const int64_t k = u / ru.per_row, r0 = (u % ru.per_row) * ru.len, r1 = std::min(R, r0 + ru.len);
        const T* xp = x + k * R;
        T* yp = y + k * R;
        const int64_t base = (k % G) * R;  // parameter index = (base + r) / L
        if (L == 1) {
          row_apply_elementwise(xp + r0, yp + r0, w ? w + base + r0 : nullptr, b ? b + base + r0 : nullptr, T(mean[k]),
                                T(invstd[k]), r1 - r0);
        } else {
          const int64_t i = (base + r0) / L;
          const double s = (w ? double(w[i]) : 1.0) * invstd[k];
          row_apply_scale(xp + r0, yp + r0, T(s), T((b ? double(b[i]) : 0.0) - mean[k] * s), r1 - r0);
        }
      });
}

void row_norm_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& out,
                          const TensorView& sm, const TensorView& si, const RowNormParams& p) {
  check_same("row_norm_forward", x, {&w, &b, &out, &sm, &si});
  if ((p.L > 1 && p.R % p.L) || p.rows % p.G)
    throw Error(ErrorCode::InvalidArg, "torchlet: row_norm_forward: R must be a multiple of L and rows of G");
  dispatch_float("row_norm_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    row_forward_typed<T>(x, w, b, out, sm, si, p);
  });
}
TL_REGISTER_KERNEL(row_norm_forward_op, CPU, row_norm_forward_cpu, kFloatTypes);

template <typename T>
void row_backward_typed(const TensorView& gv, const TensorView& xv, const TensorView& wv, const TensorView& smv,
                        const TensorView& siv, const TensorView& dxv, const TensorView& dwv, const TensorView& dbv,
                        const RowNormParams& p) {
  const int64_t rows = p.rows, R = p.R, G = p.G, L = p.L;
  const T* g = gv.ptr<T>();
  const T* x = xv.ptr<T>();
  const T* w = present(wv) ? wv.ptr<T>() : nullptr;
  const T* sm = smv.ptr<T>();
  const T* si = siv.ptr<T>();
  const RowUnits ru(p);
  const int64_t units = rows * ru.per_row;
  const bool par = rows * R > kParallelGrain && units > 1;
  // per unit: sum g, sum g * (x - mean), sum w g, sum w g (x - mean)
  std::vector<double> pg(units), pgx(units), pwg(units), pwgx(units);
  TL_PAR_FOR(
      par, for (int64_t u = 0; u < units; ++u) {
        const int64_t k = u / ru.per_row, r0 = (u % ru.per_row) * ru.len, r1 = std::min(R, r0 + ru.len);
        const T* gp = g + k * R;
        const T* xp = x + k * R;
        const double mu = double(sm[k]);
        const int64_t base = (k % G) * R;
        double a = 0, c = 0;
        if (L == 1 && w) {
          double e = 0, f = 0;
          row_grad_sums(gp + r0, xp + r0, w + base + r0, mu, r1 - r0, e, f);
          pwg[u] = e;
          pwgx[u] = f;
        } else {
          row_grad_sums(gp + r0, xp + r0, static_cast<const T*>(nullptr), mu, r1 - r0, a, c);
          pg[u] = a;
          pgx[u] = c;
          const double wi = w ? double(w[(base + r0) / L]) : 1.0;  // one parameter per unit when L > 1
          pwg[u] = wi * a;
          pwgx[u] = wi * c;
        }
      });
  if (present(dxv)) {
    T* dx = dxv.ptr<T>();
    std::vector<double> s1(rows), s2(rows);
    for (int64_t k = 0; k < rows; ++k) {
      double a = 0, c = 0;
      for (int64_t j = 0; j < ru.per_row; ++j) {
        a += pwg[k * ru.per_row + j];
        c += pwgx[k * ru.per_row + j];
      }
      s1[k] = a;
      s2[k] = c;
    }
    TL_PAR_FOR(
        par, for (int64_t u = 0; u < units; ++u) {
          const int64_t k = u / ru.per_row, r0 = (u % ru.per_row) * ru.len, r1 = std::min(R, r0 + ru.len);
          const double is = double(si[k]);
          // dx = is * w g - is * s1 / R - (x - mean) * is^3 * s2 / R
          const T kk = T(-is * is * is * s2[k] / double(R)), c0 = T(-is * s1[k] / double(R)), mu = sm[k];
          const T* gp = g + k * R;
          const T* xp = x + k * R;
          T* dp = dx + k * R;
          const int64_t base = (k % G) * R;
          if (L == 1 && w)
            row_dx(gp + r0, xp + r0, w + base + r0, T(is), kk, mu, c0, dp + r0, r1 - r0);
          else
            row_dx(gp + r0, xp + r0, static_cast<const T*>(nullptr), T((w ? double(w[(base + r0) / L]) : 1.0) * is), kk,
                   mu, c0, dp + r0, r1 - r0);
        });
  }
  if (!present(dwv) && !present(dbv)) return;
  const int64_t P = G * R / L;  // parameters
  T* dw = present(dwv) ? dwv.ptr<T>() : nullptr;
  T* db = present(dbv) ? dbv.ptr<T>() : nullptr;
  const int64_t Nn = rows / G;
  if (L == 1) {
    // column sums over the Nn samples, for parameter i = g * R + r
    TL_PAR_FOR(
        rows * R > kParallelGrain && P > 1, for (int64_t i0 = 0; i0 < P; i0 += 1024) {
          const int64_t i1 = std::min(P, i0 + 1024);
          double A[1024], B[1024];
          for (int64_t i = i0; i < i1; ++i) A[i - i0] = B[i - i0] = 0;
          for (int64_t n = 0; n < Nn; ++n) {
            for (int64_t i = i0; i < i1;) {  // runs of one group: one row k, its mean and invstd
              const int64_t gi = i / R, e = std::min(i1, (gi + 1) * R), k = n * G + gi;
              const double mu = double(sm[k]), is = double(si[k]);
              const T* gp = g + k * R - gi * R;
              const T* xp = x + k * R - gi * R;
              row_param_sums(gp + i, xp + i, mu, is, A + (i - i0), B + (i - i0), e - i);
              i = e;
            }
          }
          for (int64_t i = i0; i < i1; ++i) {
            if (db) db[i] = T(A[i - i0]);
            if (dw) dw[i] = T(B[i - i0]);
          }
        });
    return;
  }
  // L > 1: unit (k, j) is parameter (k % G) * per_row + j; sum over samples in order
  TL_PAR_FOR(
      units > 4096, for (int64_t i = 0; i < P; ++i) {
        const int64_t gi = i / ru.per_row, j = i % ru.per_row;
        double a = 0, c = 0;
        for (int64_t n = 0; n < Nn; ++n) {
          const int64_t k = n * G + gi, u = k * ru.per_row + j;
          a += pg[u];
          c += pgx[u] * double(si[k]);
        }
        if (db) db[i] = T(a);
        if (dw) dw[i] = T(c);
      });
}

void row_norm_backward_cpu(const TensorView& g, const TensorView& x, const TensorView& w, const TensorView& sm,
                           const TensorView& si, const TensorView& dx, const TensorView& dw, const TensorView& db,
                           const RowNormParams& p) {
  check_same("row_norm_backward", x, {&g, &w, &sm, &si, &dx, &dw, &db});
  if ((p.L > 1 && p.R % p.L) || p.rows % p.G)
    throw Error(ErrorCode::InvalidArg, "torchlet: row_norm_backward: R must be a multiple of L and rows of G");
  dispatch_float("row_norm_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    row_backward_typed<T>(g, x, w, sm, si, dx, dw, db, p);
  });
}
TL_REGISTER_KERNEL(row_norm_backward_op, CPU, row_norm_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
