// native/cuda/norm.cu — CUDA kernels of the normalisation ops (ops/norm.h), the numeric semantics of
// native/cpu/norm.cc: statistics in double by Welford's update (each thread over a fixed strided
// subset, in order), the threads' partial results merged by a fixed tree with Chan's formula;
// backward sums in double by a fixed tree; no atomics, so results are deterministic. The
// elementwise passes compute the CPU's formulas (x * scale + shift, a * g' + k * (x - mean) + c0).
// One block reduces one channel (batch norm) or one row / one parameter (row norm).
#include <cmath>

#include "core/dispatch.h"
#include "ops/norm.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

constexpr int kThreads = 256;

struct Welford {
  double n, mean, m2;
};
__device__ __forceinline__ Welford merge(Welford a, const Welford& b) {
  if (b.n == 0) return a;
  if (a.n == 0) return b;
  const double n = a.n + b.n, d = b.mean - a.mean, f = b.n / n;
  a.mean += d * f;
  a.m2 += b.m2 + d * d * a.n * f;
  a.n = n;
  return a;
}
__device__ __forceinline__ Welford push(Welford a, double v) {
  a.n += 1;
  const double d = v - a.mean;
  a.mean += d / a.n;
  a.m2 += d * (v - a.mean);
  return a;
}
// Block-wide merge in a fixed tree; the result is valid in thread 0.
__device__ Welford block_merge(Welford w) {
  __shared__ double sn[kThreads], sm[kThreads], s2[kThreads];
  const int t = threadIdx.x;
  sn[t] = w.n;
  sm[t] = w.mean;
  s2[t] = w.m2;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (t < s) {
      const Welford r = merge(Welford{sn[t], sm[t], s2[t]}, Welford{sn[t + s], sm[t + s], s2[t + s]});
      sn[t] = r.n;
      sm[t] = r.mean;
      s2[t] = r.m2;
    }
    __syncthreads();
  }
  return Welford{sn[0], sm[0], s2[0]};
}
// Block-wide sums of two values in a fixed tree; valid in thread 0.
__device__ void block_sum2(double& a, double& b) {
  __shared__ double sa[kThreads], sb[kThreads];
  const int t = threadIdx.x;
  sa[t] = a;
  sb[t] = b;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (t < s) {
      sa[t] += sa[t + s];
      sb[t] += sb[t + s];
    }
    __syncthreads();
  }
  a = sa[0];
  b = sb[0];
  __syncthreads();
}

inline bool present(const TensorView& t) { return t.data != nullptr; }
template <typename T>
const T* cptr(const TensorView& t) {
  return present(t) ? t.ptr<T>() : nullptr;
}
void check_same(const char* op, const TensorView& x, std::initializer_list<const TensorView*> ts) {
  for (auto* t : ts) {
    if (!present(*t)) continue;
    if (t->dtype != x.dtype)
      throw Error(ErrorCode::DType, std::string("torchlet: ") + op + ": every tensor must have the input's dtype");
    require_cuda(op, {t});
  }
}

// ---- batch norm ------------------------------------------------------------------------------------

// one block per channel: statistics, running update, saved mean / invstd, scale and shift (double)
template <typename T>
__global__ void bn_stats_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b,
                                T* __restrict__ rm, T* __restrict__ rv, T* __restrict__ sm, T* __restrict__ si,
                                double* __restrict__ scale, double* __restrict__ shift, BatchNormParams p) {
  const int64_t c = blockIdx.x, M = p.N * p.L;
  double mean, var;
  if (p.training) {
    Welford acc{0, 0, 0};
    for (int64_t k = threadIdx.x; k < M; k += kThreads) {
      const int64_t n = k / p.L, l = k % p.L;
      acc = push(acc, double(x[(n * p.C + c) * p.L + l]));
    }
    const Welford r = block_merge(acc);
    if (threadIdx.x != 0) return;
    mean = r.mean;
    var = r.n > 0 ? r.m2 / r.n : 0;
    const double m = p.momentum, unbias = M > 1 ? double(M) / double(M - 1) : 1.0;
    if (rm) rm[c] = T((1 - m) * double(rm[c]) + m * mean);
    if (rv) rv[c] = T((1 - m) * double(rv[c]) + m * var * unbias);
  } else {
    if (threadIdx.x != 0) return;
    mean = double(rm[c]);
    var = double(rv[c]);
  }
  const double invstd = 1.0 / sqrt(var + p.eps);
  sm[c] = T(mean);
  si[c] = T(invstd);
  scale[c] = (w ? double(w[c]) : 1.0) * invstd;
  shift[c] = (b ? double(b[c]) : 0.0) - mean * scale[c];
}

template <typename T>
__global__ void bn_apply_kernel(const T* __restrict__ x, T* __restrict__ y, const double* __restrict__ scale,
                                const double* __restrict__ shift, int64_t C, int64_t L, bool relu, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / L) % C;
    const T v = x[i] * T(scale[c]) + T(shift[c]);
    y[i] = relu && v <= T(0) ? T(0) : v;
  }
}

// device scratch of n doubles, freed at scope exit
struct Scratch {
  double* p = nullptr;
  size_t bytes = 0;
  explicit Scratch(int64_t n) : bytes(size_t(n > 0 ? n : 1) * sizeof(double)) {
    p = static_cast<double*>(cuda::device_alloc(bytes));
  }
  ~Scratch() { cuda::device_free(p, bytes); }
};

void batch_norm_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& rm,
                             const TensorView& rv, const TensorView& out, const TensorView& sm, const TensorView& si,
                             const BatchNormParams& p) {
  require_cuda("batch_norm_forward", {&x, &out, &sm, &si});
  check_same("batch_norm_forward", x, {&w, &b, &rm, &rv, &out, &sm, &si});
  if (p.training && p.N * p.L <= 1)
    throw Error(ErrorCode::Shape, "torchlet: batch_norm_forward: training needs more than 1 value per channel");
  if (!p.training && (!present(rm) || !present(rv)))
    throw Error(ErrorCode::InvalidArg, "torchlet: batch_norm_forward: eval mode needs runningMean and runningVar");
  if (p.C == 0) return;
  Scratch ss(2 * p.C);
  dispatch_float("batch_norm_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<bn_stats_kernel<T>>(unsigned(p.C), kThreads, 0, cuda::stream(), x.ptr<T>(), cptr<T>(w), cptr<T>(b),
                                     present(rm) ? rm.ptr<T>() : nullptr, present(rv) ? rv.ptr<T>() : nullptr,
                                     sm.ptr<T>(), si.ptr<T>(), ss.p, ss.p + p.C, p);
    TL_CUDA_LAUNCH_CHECK("batch_norm_forward");
    const int64_t total = p.N * p.C * p.L;
    if (total == 0) return;
    cuda::launch<bn_apply_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                     out.ptr<T>(), ss.p, ss.p + p.C, p.C, p.L, p.relu, total);
    TL_CUDA_LAUNCH_CHECK("batch_norm_forward");
  });
}
TL_REGISTER_KERNEL(batch_norm_forward_op, CUDA, batch_norm_forward_cuda, kFloatTypes);

// one block per channel: sg = sum g', sgx = sum g' (x - mean); gradWeight / gradBias; the dx
// coefficients A, K, C0 (double)
template <typename T>
__global__ void bn_grad_sums_kernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ y,
                                    const T* __restrict__ w, const T* __restrict__ sm, const T* __restrict__ si,
                                    T* __restrict__ dw, T* __restrict__ db, double* __restrict__ coef, bool sums,
                                    BatchNormParams p) {
  const int64_t c = blockIdx.x, M = p.N * p.L;
  const double mu = double(sm[c]);
  double a = 0, s = 0;
  if (sums) {
    for (int64_t k = threadIdx.x; k < M; k += kThreads) {
      const int64_t i = ((k / p.L) * p.C + c) * p.L + k % p.L;
      const double gv = p.relu && y[i] <= T(0) ? 0.0 : double(g[i]);
      a += gv;
      s += gv * (double(x[i]) - mu);
    }
    block_sum2(a, s);
  }
  if (threadIdx.x != 0) return;
  const double is = double(si[c]);
  if (dw) dw[c] = T(s * is);
  if (db) db[c] = T(a);
  const double A = (w ? double(w[c]) : 1.0) * is;
  coef[c] = A;
  coef[p.C + c] = p.training && M > 0 ? -A * is * is * s / double(M) : 0.0;
  coef[2 * p.C + c] = p.training && M > 0 ? -A * a / double(M) : 0.0;
}

template <typename T>
__global__ void bn_dx_kernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ y,
                             const T* __restrict__ sm, const double* __restrict__ coef, T* __restrict__ dx, int64_t C,
                             int64_t L, bool relu, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / L) % C;
    const T gg = relu && y[i] <= T(0) ? T(0) : g[i];
    dx[i] = T(coef[c]) * gg + T(coef[C + c]) * (x[i] - sm[c]) + T(coef[2 * C + c]);
  }
}

void batch_norm_backward_cuda(const TensorView& g, const TensorView& x, const TensorView& w, const TensorView& sm,
                              const TensorView& si, const TensorView& y, const TensorView& dx, const TensorView& dw,
                              const TensorView& db, const BatchNormParams& p) {
  require_cuda("batch_norm_backward", {&g, &x, &sm, &si});
  check_same("batch_norm_backward", x, {&g, &w, &sm, &si, &y, &dx, &dw, &db});
  if (p.relu && !present(y))
    throw Error(ErrorCode::InvalidArg, "torchlet: batch_norm_backward: relu needs the forward output");
  if (p.C == 0) return;
  const bool sums = present(dw) || present(db) || (present(dx) && p.training);
  Scratch coef(3 * p.C);
  dispatch_float("batch_norm_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<bn_grad_sums_kernel<T>>(unsigned(p.C), kThreads, 0, cuda::stream(), g.ptr<T>(), x.ptr<T>(), cptr<T>(y),
                                         cptr<T>(w), sm.ptr<T>(), si.ptr<T>(), present(dw) ? dw.ptr<T>() : nullptr,
                                         present(db) ? db.ptr<T>() : nullptr, coef.p, sums, p);
    TL_CUDA_LAUNCH_CHECK("batch_norm_backward");
    const int64_t total = p.N * p.C * p.L;
    if (!present(dx) || total == 0) return;
    cuda::launch<bn_dx_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), g.ptr<T>(),
                                  x.ptr<T>(), cptr<T>(y), sm.ptr<T>(), coef.p, dx.ptr<T>(), p.C, p.L, p.relu, total);
    TL_CUDA_LAUNCH_CHECK("batch_norm_backward");
  });
}
TL_REGISTER_KERNEL(batch_norm_backward_op, CUDA, batch_norm_backward_cuda, kFloatTypes);

// ---- row norm --------------------------------------------------------------------------------------

// one block per row: mean and invstd
template <typename T>
__global__ void row_stats_kernel(const T* __restrict__ x, T* __restrict__ sm, T* __restrict__ si, RowNormParams p) {
  const int64_t k = blockIdx.x;
  const T* xp = x + k * p.R;
  Welford acc{0, 0, 0};
  for (int64_t r = threadIdx.x; r < p.R; r += kThreads) acc = push(acc, double(xp[r]));
  const Welford w = block_merge(acc);
  if (threadIdx.x != 0) return;
  sm[k] = T(w.mean);
  si[k] = T(1.0 / sqrt((w.n > 0 ? w.m2 / w.n : 0.0) + p.eps));
}
template <typename T>
__global__ void row_apply_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b,
                                 const T* __restrict__ sm, const T* __restrict__ si, T* __restrict__ y, RowNormParams p,
                                 int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i / p.R, r = i % p.R, pi = ((k % p.G) * p.R + r) / p.L;
    y[i] = (x[i] - sm[k]) * (si[k] * (w ? w[pi] : T(1))) + (b ? b[pi] : T(0));
  }
}

void row_norm_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& out,
                           const TensorView& sm, const TensorView& si, const RowNormParams& p) {
  require_cuda("row_norm_forward", {&x, &out, &sm, &si});
  check_same("row_norm_forward", x, {&w, &b, &out, &sm, &si});
  if ((p.L > 1 && p.R % p.L) || p.rows % p.G)
    throw Error(ErrorCode::InvalidArg, "torchlet: row_norm_forward: R must be a multiple of L and rows of G");
  if (p.rows == 0) return;
  dispatch_float("row_norm_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<row_stats_kernel<T>>(unsigned(p.rows), kThreads, 0, cuda::stream(), x.ptr<T>(), sm.ptr<T>(),
                                      si.ptr<T>(), p);
    TL_CUDA_LAUNCH_CHECK("row_norm_forward");
    const int64_t total = p.rows * p.R;
    cuda::launch<row_apply_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                      cptr<T>(w), cptr<T>(b), sm.ptr<T>(), si.ptr<T>(), out.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("row_norm_forward");
  });
}
TL_REGISTER_KERNEL(row_norm_forward_op, CUDA, row_norm_forward_cuda, kFloatTypes);

// one block per row: s1 = sum w g, s2 = sum w g (x - mean)
template <typename T>
__global__ void row_sums_kernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ w,
                                const T* __restrict__ sm, double* __restrict__ s, RowNormParams p) {
  const int64_t k = blockIdx.x, base = (k % p.G) * p.R;
  const double mu = double(sm[k]);
  double a = 0, c = 0;
  for (int64_t r = threadIdx.x; r < p.R; r += kThreads) {
    const double gw = double(g[k * p.R + r]) * (w ? double(w[(base + r) / p.L]) : 1.0);
    a += gw;
    c += gw * (double(x[k * p.R + r]) - mu);
  }
  block_sum2(a, c);
  if (threadIdx.x != 0) return;
  s[k] = a;
  s[p.rows + k] = c;
}
template <typename T>
__global__ void row_dx_kernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ w,
                              const T* __restrict__ sm, const T* __restrict__ si, const double* __restrict__ s,
                              T* __restrict__ dx, RowNormParams p, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i / p.R, r = i % p.R, pi = ((k % p.G) * p.R + r) / p.L;
    const double is = double(si[k]);
    const T kk = T(-is * is * is * s[p.rows + k] / double(p.R)), c0 = T(-is * s[k] / double(p.R));
    dx[i] = (T(is) * (w ? w[pi] : T(1))) * g[i] + kk * (x[i] - sm[k]) + c0;
  }
}
// one block per parameter i: sums over the samples n and the L elements of i in each
template <typename T>
__global__ void row_param_kernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ sm,
                                 const T* __restrict__ si, T* __restrict__ dw, T* __restrict__ db, RowNormParams p) {
  const int64_t i = blockIdx.x, per_group = p.R / p.L, gi = i / per_group, j = i % per_group;
  const int64_t Nn = p.rows / p.G, M = Nn * p.L;
  double a = 0, c = 0;
  for (int64_t q = threadIdx.x; q < M; q += kThreads) {
    const int64_t n = q / p.L, l = q % p.L, k = n * p.G + gi, e = k * p.R + j * p.L + l;
    const double gg = double(g[e]);
    a += gg;
    c += gg * (double(x[e]) - double(sm[k])) * double(si[k]);
  }
  block_sum2(a, c);
  if (threadIdx.x != 0) return;
  if (db) db[i] = T(a);
  if (dw) dw[i] = T(c);
}

void row_norm_backward_cuda(const TensorView& g, const TensorView& x, const TensorView& w, const TensorView& sm,
                            const TensorView& si, const TensorView& dx, const TensorView& dw, const TensorView& db,
                            const RowNormParams& p) {
  require_cuda("row_norm_backward", {&g, &x, &sm, &si});
  check_same("row_norm_backward", x, {&g, &w, &sm, &si, &dx, &dw, &db});
  if ((p.L > 1 && p.R % p.L) || p.rows % p.G)
    throw Error(ErrorCode::InvalidArg, "torchlet: row_norm_backward: R must be a multiple of L and rows of G");
  if (p.rows == 0) return;
  dispatch_float("row_norm_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    if (present(dx)) {
      Scratch s(2 * p.rows);
      cuda::launch<row_sums_kernel<T>>(unsigned(p.rows), kThreads, 0, cuda::stream(), g.ptr<T>(), x.ptr<T>(),
                                       cptr<T>(w), sm.ptr<T>(), s.p, p);
      TL_CUDA_LAUNCH_CHECK("row_norm_backward");
      const int64_t total = p.rows * p.R;
      cuda::launch<row_dx_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), g.ptr<T>(),
                                     x.ptr<T>(), cptr<T>(w), sm.ptr<T>(), si.ptr<T>(), s.p, dx.ptr<T>(), p, total);
      TL_CUDA_LAUNCH_CHECK("row_norm_backward");
    }
    if (present(dw) || present(db)) {
      const int64_t P = p.G * (p.R / p.L);
      cuda::launch<row_param_kernel<T>>(unsigned(P), kThreads, 0, cuda::stream(), g.ptr<T>(), x.ptr<T>(), sm.ptr<T>(),
                                        si.ptr<T>(), present(dw) ? dw.ptr<T>() : nullptr,
                                        present(db) ? db.ptr<T>() : nullptr, p);
      TL_CUDA_LAUNCH_CHECK("row_norm_backward");
    }
  });
}
TL_REGISTER_KERNEL(row_norm_backward_op, CUDA, row_norm_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
