// native/cuda/loss.cu — CUDA softmax / log-softmax over the middle axis of x viewed as
// [outer, C, inner], their backward, and the per-sample NLL loss and its backward. Same signatures
// and semantics as native/cpu/loss.cc:
//  * softmax: max-subtracted (the max ignores NaNs, as the CPU's `x > m ? x : m` scan), the sum of
//    exp(double(x - max)) accumulated in double; log: y = T(double(x - max) - log(sum)), else
//    y = T(exp(double(x - max)) * (1 / sum));
//  * backward: log: dx = T(dy - exp(double(y)) * sum(dy)); else dx = T(y * (dy - sum(dy * y))),
//    sums in double;
//  * nll over [N, C, inner] with class weights: out[n, i] = -w[t] * logp[n, t, i], wout = w[t] (0 where
//    t == ignore_index); targets out of [0, C) throw the CPU's error (this needs the flag read back,
//    so nll_forward synchronises the stream when N * inner > 0); backward dlogp[n, c, i] = -w[c] *
//    dloss[n, i] at c == t, else 0 (a gather: every element written once);
//  * the pointwise losses (ops/loss.h's shared math, in double): one element per thread.
// Differences from the CPU (softmax): the sums run in a fixed tree (deterministic, shape-determined) instead
// of sequentially, and exp/log come from CUDA's libdevice (<= 1 ulp in double): float64 results
// differ by a few ulp, float32 results are almost always identical. NLL is bit-identical.
#include <cstdint>
#include <math_constants.h>
#include <string>

#include "core/dispatch.h"
#include "ops/loss.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

constexpr int kThreads = 256;

// Block shape for columns of length C with stride inner: ty runs along C when rows are contiguous
// (inner == 1), tx runs along inner (coalesced) otherwise. TX * TY == 256, both powers of two.
dim3 tile_shape(int64_t inner, int64_t C) {
  int ty;
  if (inner == 1)
    ty = int(C >= kThreads ? kThreads : next_pow2(C < 1 ? 1 : C));
  else
    ty = int(C >= 8 ? 8 : next_pow2(C < 1 ? 1 : C));
  return dim3(kThreads / ty, ty);
}

// Fixed-tree combine of v over ty (per tx) through sh[256]; every thread gets the result.
template <typename V, typename F>
__device__ __forceinline__ V tile_allreduce(V v, V* sh, F f) {
  const int TX = blockDim.x, TY = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
  sh[ty * TX + tx] = v;
  __syncthreads();
  for (int st = TY / 2; st > 0; st >>= 1) {
    if (ty < st) sh[ty * TX + tx] = f(sh[ty * TX + tx], sh[(ty + st) * TX + tx]);
    __syncthreads();
  }
  const V r = sh[tx];
  __syncthreads();
  return r;
}

struct MaxF {
  __device__ __forceinline__ double operator()(double a, double b) const { return a > b ? a : b; }
};
struct SumF {
  __device__ __forceinline__ double operator()(double a, double b) const { return __dadd_rn(a, b); }
};

// y[o, c, i] = softmax / log_softmax over c of x[o, c, i]; column q = o*inner + i, block tiles of
// TX columns, ty strides over c.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    softmax_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t Q, int64_t C, int64_t inner, bool log_) {
  __shared__ double sh[kThreads];
  const int TX = blockDim.x, TY = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles = (Q + TX - 1) / TX;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t q = t * TX + tx;
    const bool live = q < Q;
    int64_t base = 0;
    if (live) {
      const int64_t o = q / inner, i = q - o * inner;
      base = o * C * inner + i;
    }
    T m = T(-CUDART_INF);
    if (live)
      for (int64_t c = ty; c < C; c += TY) {
        const T v = x[base + c * inner];
        m = v > m ? v : m;
      }
    const T mx = T(tile_allreduce<double>(double(m), sh, MaxF{}));  // exact round trip
    double s = 0;
    if (live)
      for (int64_t c = ty; c < C; c += TY) s = __dadd_rn(s, exp(double(x[base + c * inner] - mx)));
    s = tile_allreduce<double>(s, sh, SumF{});
    if (live) {
      if (log_) {
        const double lse = log(s);
        for (int64_t c = ty; c < C; c += TY)
          y[base + c * inner] = static_cast<T>(__dsub_rn(double(x[base + c * inner] - mx), lse));
      } else {
        const double inv = 1.0 / s;
        for (int64_t c = ty; c < C; c += TY)
          y[base + c * inner] = static_cast<T>(__dmul_rn(exp(double(x[base + c * inner] - mx)), inv));
      }
    }
  }
}

// dx[o, c, i] from y and dy (see the file comment), same tiling as softmax_kernel.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    softmax_backward_kernel(const T* __restrict__ y, const T* __restrict__ dy, T* __restrict__ dx, int64_t Q, int64_t C,
                            int64_t inner, bool log_) {
  __shared__ double sh[kThreads];
  const int TX = blockDim.x, TY = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles = (Q + TX - 1) / TX;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t q = t * TX + tx;
    const bool live = q < Q;
    int64_t base = 0;
    if (live) {
      const int64_t o = q / inner, i = q - o * inner;
      base = o * C * inner + i;
    }
    double s = 0;
    if (live) {
      if (log_)
        for (int64_t c = ty; c < C; c += TY) s = __dadd_rn(s, double(dy[base + c * inner]));
      else
        for (int64_t c = ty; c < C; c += TY)
          s = __dadd_rn(s, __dmul_rn(double(dy[base + c * inner]), double(y[base + c * inner])));
    }
    s = tile_allreduce<double>(s, sh, SumF{});
    if (live) {
      if (log_)
        for (int64_t c = ty; c < C; c += TY) {
          const int64_t k = base + c * inner;
          dx[k] = static_cast<T>(__dsub_rn(double(dy[k]), __dmul_rn(exp(double(y[k])), s)));
        }
      else
        for (int64_t c = ty; c < C; c += TY) {
          const int64_t k = base + c * inner;
          dx[k] = static_cast<T>(__dmul_rn(double(y[k]), __dsub_rn(double(dy[k]), s)));
        }
    }
  }
}

unsigned grid_for_tiles(int64_t Q, unsigned TX) {
  const int64_t tiles = (Q + TX - 1) / TX;
  return unsigned(tiles < 65535 * 8 ? (tiles < 1 ? 1 : tiles) : 65535 * 8);
}

void softmax_cuda(const TensorView& x, const TensorView& y, const SoftmaxParams& p) {
  const int64_t outer = p.outer, C = p.C, inner = p.inner;
  const bool log = p.log;
  require_cuda("softmax", {&x, &y});
  dispatch_float("softmax", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t Q = outer * inner;
    if (Q == 0 || C == 0) return;
    const dim3 b = tile_shape(inner, C);
    cuda::launch<softmax_kernel<T>>(grid_for_tiles(Q, b.x), b, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(), Q, C, inner,
                                    log);
    TL_CUDA_LAUNCH_CHECK("softmax");
  });
}
TL_REGISTER_KERNEL(softmax_op, CUDA, softmax_cuda, kFloatTypes);
void softmax_backward_cuda(const TensorView& y, const TensorView& dy, const TensorView& dx, const SoftmaxParams& p) {
  const int64_t outer = p.outer, C = p.C, inner = p.inner;
  const bool log = p.log;
  require_cuda("softmax_backward", {&y, &dy, &dx});
  dispatch_float("softmax_backward", y.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t Q = outer * inner;
    if (Q == 0 || C == 0) return;
    const dim3 b = tile_shape(inner, C);
    cuda::launch<softmax_backward_kernel<T>>(grid_for_tiles(Q, b.x), b, 0, cuda::stream(), y.ptr<T>(), dy.ptr<T>(),
                                             dx.ptr<T>(), Q, C, inner, log);
    TL_CUDA_LAUNCH_CHECK("softmax_backward");
  });
}
TL_REGISTER_KERNEL(softmax_backward_op, CUDA, softmax_backward_cuda, kFloatTypes);

// r over N * inner: out[r] = -w[t] * logp[n, t, i] and wout[r] = w[t] (0 and 0 where ignored);
// *bad = the smallest r with an out-of-range target
template <typename T>
__global__ void nll_forward_kernel(const T* __restrict__ lp, const int64_t* __restrict__ t, const T* __restrict__ w,
                                   T* __restrict__ out, T* __restrict__ wout, int64_t R, int64_t C, int64_t inner,
                                   int64_t ignore_index, unsigned long long* bad) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < R; r += int64_t(gridDim.x) * blockDim.x) {
    const int64_t tr = t[r];
    if (tr == ignore_index) {
      out[r] = T(0);
      wout[r] = T(0);
    } else if (tr < 0 || tr >= C) {
      out[r] = T(0);
      wout[r] = T(0);
      atomicMin(bad, static_cast<unsigned long long>(r));  // integer min: order-independent
    } else {
      const int64_t n = r / inner, i = r - n * inner;
      const T wt = w ? w[tr] : T(1);
      out[r] = -wt * lp[(n * C + tr) * inner + i];
      wout[r] = wt;
    }
  }
}

void nll_forward_cuda(const TensorView& logp, const TensorView& target, const TensorView& weight, const TensorView& out,
                      const TensorView& wout, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index, C = p.C, inner = p.inner;
  const int64_t R = p.N * p.inner;
  require_cuda("nll_loss", {&logp, &target, &out, &wout});
  if (loss_present(weight)) require_cuda("nll_loss", {&weight});
  dispatch_float("nll_loss", logp.dtype, [&](auto z) {
    using T = decltype(z);
    if (R == 0) return;
    cudaStream_t st = cuda::stream();
    auto* bad = static_cast<unsigned long long*>(cuda::device_alloc(sizeof(unsigned long long)));
    unsigned long long first = ~0ULL;
    int64_t tv = 0;
    try {
      TL_CUDA_CHECK(cudaMemsetAsync(bad, 0xff, sizeof(unsigned long long), st));
      cuda::launch<nll_forward_kernel<T>>(cuda::blocks_for(R, 256), 256, 0, st, logp.ptr<T>(), target.ptr<int64_t>(),
                                          loss_present(weight) ? weight.ptr<T>() : nullptr, out.ptr<T>(), wout.ptr<T>(),
                                          R, C, inner, ignore_index, bad);
      TL_CUDA_LAUNCH_CHECK("nll_loss");
      TL_CUDA_CHECK(cudaMemcpyAsync(&first, bad, sizeof(first), cudaMemcpyDeviceToHost, st));
      TL_CUDA_CHECK(cudaStreamSynchronize(st));
      if (first != ~0ULL) {
        TL_CUDA_CHECK(cudaMemcpyAsync(&tv, target.ptr<int64_t>() + first, sizeof(tv), cudaMemcpyDeviceToHost, st));
        TL_CUDA_CHECK(cudaStreamSynchronize(st));
      }
    } catch (...) {
      cuda::device_free(bad, sizeof(unsigned long long));
      throw;
    }
    cuda::device_free(bad, sizeof(unsigned long long));
    if (first != ~0ULL)
      throw Error(ErrorCode::InvalidArg, "torchlet: target " + std::to_string(tv) + " is out of bounds for " +
                                             std::to_string(C) + " classes (at index " + std::to_string(first) + ")");
  });
}
TL_REGISTER_KERNEL(nll_forward_op, CUDA, nll_forward_cuda, kFloatTypes);

// dlogp[n, c, i] = (c == t[n, i] != ignore_index) ? -w[c] * dloss[n, i] : 0
template <typename T>
__global__ void nll_backward_kernel(const T* __restrict__ g, const int64_t* __restrict__ t, const T* __restrict__ w,
                                    T* __restrict__ d, int64_t total, int64_t C, int64_t inner, int64_t ignore_index) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total; k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = k % inner, c = (k / inner) % C, n = k / (inner * C);
    const int64_t tr = t[n * inner + i];
    d[k] = (tr != ignore_index && tr == c) ? -(w ? w[tr] : T(1)) * g[n * inner + i] : T(0);
  }
}

void nll_backward_cuda(const TensorView& dloss, const TensorView& target, const TensorView& weight,
                       const TensorView& dlogp, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index, C = p.C, inner = p.inner;
  const int64_t total = p.N * p.C * p.inner;
  require_cuda("nll_loss_backward", {&dloss, &target, &dlogp});
  if (loss_present(weight)) require_cuda("nll_loss_backward", {&weight});
  dispatch_float("nll_loss_backward", dlogp.dtype, [&](auto z) {
    using T = decltype(z);
    if (total == 0) return;
    cuda::launch<nll_backward_kernel<T>>(cuda::blocks_for(total, 256), 256, 0, cuda::stream(), dloss.ptr<T>(),
                                         target.ptr<int64_t>(), loss_present(weight) ? weight.ptr<T>() : nullptr,
                                         dlogp.ptr<T>(), total, C, inner, ignore_index);
    TL_CUDA_LAUNCH_CHECK("nll_loss_backward");
  });
}
TL_REGISTER_KERNEL(nll_backward_op, CUDA, nll_backward_cuda, kFloatTypes);

// The pointwise losses, one element per thread (grid-stride), the math of ops/loss.h in double.
template <typename T>
__global__ void loss_pointwise_kernel(const T* __restrict__ x, const T* __restrict__ y, const T* __restrict__ w,
                                      const T* __restrict__ pw, T* __restrict__ out, int64_t n, LossOp op, double s) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x)
    out[k] =
        static_cast<T>(loss_value(op, s, double(x[k]), double(y[k]), w ? double(w[k]) : 1.0, pw ? double(pw[k]) : 1.0));
}

template <typename T>
__global__ void loss_pointwise_backward_kernel(const T* __restrict__ g, const T* __restrict__ x,
                                               const T* __restrict__ y, const T* __restrict__ w,
                                               const T* __restrict__ pw, T* __restrict__ gx, T* __restrict__ gy,
                                               int64_t n, LossOp op, double s) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x) {
    const double xv = double(x[k]), yv = double(y[k]), wv = w ? double(w[k]) : 1.0, pwv = pw ? double(pw[k]) : 1.0;
    const double gv = double(g[k]);
    if (gx) gx[k] = static_cast<T>(gv * loss_grad(op, 0, s, xv, yv, wv, pwv));
    if (gy) gy[k] = static_cast<T>(gv * loss_grad(op, 1, s, xv, yv, wv, pwv));
  }
}

void loss_pointwise_cuda(const TensorView& x, const TensorView& y, const TensorView& w, const TensorView& pw,
                         const TensorView& out, const LossPointwiseParams& p) {
  require_cuda("loss_pointwise", {&x, &y, &out});
  if (loss_present(w)) require_cuda("loss_pointwise", {&w});
  if (loss_present(pw)) require_cuda("loss_pointwise", {&pw});
  const int64_t n = x.numel();
  dispatch_float("loss_pointwise", x.dtype, [&](auto z) {
    using T = decltype(z);
    if (n == 0) return;
    cuda::launch<loss_pointwise_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(),
                                           loss_present(w) ? w.ptr<T>() : nullptr,
                                           loss_present(pw) ? pw.ptr<T>() : nullptr, out.ptr<T>(), n, p.op, p.p);
    TL_CUDA_LAUNCH_CHECK("loss_pointwise");
  });
}
TL_REGISTER_KERNEL(loss_pointwise_op, CUDA, loss_pointwise_cuda, kFloatTypes);

void loss_pointwise_backward_cuda(const TensorView& g, const TensorView& x, const TensorView& y, const TensorView& w,
                                  const TensorView& pw, const TensorView& gx, const TensorView& gy,
                                  const LossPointwiseParams& p) {
  require_cuda("loss_pointwise_backward", {&g, &x, &y});
  for (const TensorView* t : {&w, &pw, &gx, &gy})
    if (loss_present(*t)) require_cuda("loss_pointwise_backward", {t});
  const int64_t n = x.numel();
  dispatch_float("loss_pointwise_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    if (n == 0) return;
    cuda::launch<loss_pointwise_backward_kernel<T>>(
        cuda::blocks_for(n, 256), 256, 0, cuda::stream(), g.ptr<T>(), x.ptr<T>(), y.ptr<T>(),
        loss_present(w) ? w.ptr<T>() : nullptr, loss_present(pw) ? pw.ptr<T>() : nullptr,
        loss_present(gx) ? gx.ptr<T>() : nullptr, loss_present(gy) ? gy.ptr<T>() : nullptr, n, p.op, p.p);
    TL_CUDA_LAUNCH_CHECK("loss_pointwise_backward");
  });
}
TL_REGISTER_KERNEL(loss_pointwise_backward_op, CUDA, loss_pointwise_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
