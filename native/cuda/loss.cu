// native/cuda/loss.cu — CUDA softmax / log-softmax over the middle axis of x viewed as
// [outer, C, inner], their backward, and the per-sample NLL loss and its backward. Same signatures
// and semantics as native/cpu/loss.cc:
//  * softmax: max-subtracted (the max ignores NaNs, as the CPU's `x > m ? x : m` scan), the sum of
//    exp(double(x - max)) accumulated in double; log: y = T(double(x - max) - log(sum)), else
//    y = T(exp(double(x - max)) * (1 / sum));
//  * backward: log: dx = T(dy - exp(double(y)) * sum(dy)); else dx = T(y * (dy - sum(dy * y))),
//    sums in double;
//  * nll: out[n] = -logp[n, t_n] (0 where t_n == ignore_index); targets out of [0, C) throw the CPU's
//    error (this needs the flag read back, so nll_forward synchronises the stream when N > 0);
//    backward dlogp[n, c] = -dloss[n] at c == t_n, else 0 (a gather: every element written once).
// Differences from the CPU: the sums run in a fixed tree (deterministic, shape-determined) instead
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

// out[n] = -logp[n, t_n] or 0 (ignored); *bad = the smallest n with an out-of-range target
template <typename T>
__global__ void nll_forward_kernel(const T* __restrict__ lp, const int64_t* __restrict__ t, T* __restrict__ out,
                                   int64_t N, int64_t C, int64_t ignore_index, unsigned long long* bad) {
  for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < N; n += int64_t(gridDim.x) * blockDim.x) {
    const int64_t tn = t[n];
    if (tn == ignore_index) {
      out[n] = T(0);
    } else if (tn < 0 || tn >= C) {
      out[n] = T(0);
      atomicMin(bad, static_cast<unsigned long long>(n));  // integer min: order-independent
    } else {
      out[n] = -lp[n * C + tn];
    }
  }
}

void nll_forward_cuda(const TensorView& logp, const TensorView& target, const TensorView& out, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index;
  require_cuda("nll_loss", {&logp, &target, &out});
  const int64_t N = logp.shape[0], C = logp.shape[1];
  dispatch_float("nll_loss", logp.dtype, [&](auto z) {
    using T = decltype(z);
    if (N == 0) return;
    cudaStream_t st = cuda::stream();
    auto* bad = static_cast<unsigned long long*>(cuda::device_alloc(sizeof(unsigned long long)));
    unsigned long long first = ~0ULL;
    int64_t tv = 0;
    try {
      TL_CUDA_CHECK(cudaMemsetAsync(bad, 0xff, sizeof(unsigned long long), st));
      cuda::launch<nll_forward_kernel<T>>(cuda::blocks_for(N, 256), 256, 0, st, logp.ptr<T>(), target.ptr<int64_t>(),
                                          out.ptr<T>(), N, C, ignore_index, bad);
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

// dlogp[n, c] = (c == t_n != ignore_index) ? -dloss[n] : 0
template <typename T>
__global__ void nll_backward_kernel(const T* __restrict__ g, const int64_t* __restrict__ t, T* __restrict__ d,
                                    int64_t N, int64_t C, int64_t ignore_index) {
  const int64_t total = N * C;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total; k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = k / C, c = k - n * C;
    const int64_t tn = t[n];
    d[k] = (tn != ignore_index && tn == c) ? -g[n] : T(0);
  }
}

void nll_backward_cuda(const TensorView& dloss, const TensorView& target, const TensorView& dlogp, const NllParams& p) {
  const int64_t ignore_index = p.ignore_index;
  require_cuda("nll_loss_backward", {&dloss, &target, &dlogp});
  const int64_t N = dlogp.shape[0], C = dlogp.shape[1];
  dispatch_float("nll_loss_backward", dlogp.dtype, [&](auto z) {
    using T = decltype(z);
    if (N * C == 0) return;
    cuda::launch<nll_backward_kernel<T>>(cuda::blocks_for(N * C, 256), 256, 0, cuda::stream(), dloss.ptr<T>(),
                                         target.ptr<int64_t>(), dlogp.ptr<T>(), N, C, ignore_index);
    TL_CUDA_LAUNCH_CHECK("nll_loss_backward");
  });
}
TL_REGISTER_KERNEL(nll_backward_op, CUDA, nll_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
