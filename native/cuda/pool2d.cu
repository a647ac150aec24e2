// native/cuda/pool2d.cu — CUDA pooling kernels with the signatures and semantics of
// native/cpu/pool2d.cc (see ops/pool2d.h): max pooling (kernel, stride, padding, dilation; PyTorch's
// rule: a tap wins when greater than the running max or NaN, so the last NaN of a window wins and
// an all -inf window reports its first in-bounds tap; idx = flat h*W+w in the input plane), fused
// relu + max pooling (uint8 window-local taps), average pooling (PyTorch's divisor rules),
// adaptive average / max pooling, and max unpooling.
// Forward kernels: one thread per output element, the window scanned in the CPU's order, so the
// values, indices and taps are bit-identical to the CPU's.
// Backward kernels are gathers, one thread per input element (no atomics, deterministic): each
// input sums, over the windows that contain it in increasing output order, the gradient routed to
// it — the same terms in the same order as the CPU's scatter, so the results are bit-identical too.
// max_pool2d_backward finds the windows from the pooling parameters; called with the adaptive
// pool's parameters (kernel 1, stride 1, no padding, dilation 1: lib/ops/pool2d.ts), it uses the
// adaptive windows [floor(i*H/OH), ceil((i+1)*H/OH)), which for OH == H are the 1x1 windows. An
// index that is not inside its own window (never produced by the forward kernels) is ignored,
// where the CPU would scatter it.
// max_unpool2d_forward is deterministic as the CPU's sequential loop: for a position written by
// several inputs, the last one (highest input index in the plane) wins (integer atomicMax on a
// temporary winner map, then a gather); an index outside [0, OH*OW) throws the CPU's error, which
// needs a flag read back, so it synchronises the stream.
#include <cstdint>
#include <string>

#include <math_constants.h>

#include "core/dispatch.h"
#include "ops/pool2d.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

constexpr int kThreads = 256;

#define TL_GRID_STRIDE(k, total) \
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < (total); k += int64_t(gridDim.x) * blockDim.x)

template <typename T>
__device__ __forceinline__ T neg_inf() {
  return T(-CUDART_INF);
}
__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ __forceinline__ int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// Window taps along one axis, clipped to the input: taps k in [lo, hi) have
// 0 <= start + k*dil < size (as the CPU's taps()).
struct Taps {
  int64_t start, lo, hi;
};
__device__ __forceinline__ Taps taps(int64_t o, int64_t stride, int64_t pad, int64_t dil, int64_t k, int64_t size) {
  const int64_t s = o * stride - pad;
  const int64_t lo = s < 0 ? (-s + dil - 1) / dil : 0;
  const int64_t hi = s >= size ? 0 : min64(k, (size - s + dil - 1) / dil);
  return {s, lo, max64(lo, hi)};
}

__device__ __forceinline__ int64_t ad_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
__device__ __forceinline__ int64_t ad_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

// Output range [lo, hi) of the pooling windows (stride s, pad p, dilation d, k taps) that have
// input position h as a tap, clipped to [0, O). Candidates still need the dilation check.
__device__ __forceinline__ void pool_range(int64_t h, int64_t s, int64_t p, int64_t d, int64_t k, int64_t O,
                                           int64_t& lo, int64_t& hi) {
  const int64_t num = h + p - (k - 1) * d;  // oh*s >= num
  lo = num <= 0 ? 0 : (num + s - 1) / s;
  hi = min64(O, (h + p) / s + 1);
}
// Output range [lo, hi) of the adaptive windows containing position h (in -> out).
__device__ __forceinline__ void adaptive_range(int64_t h, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  lo = (h * out) / in;
  hi = min64(out, ((h + 1) * out + in - 1) / in);
}

unsigned grid(int64_t n) { return cuda::blocks_for(n, kThreads); }

// ---- max pooling -------------------------------------------------------------------------------
// y, idx [planes, OH, OW] from x [planes, H, W]
template <typename T>
__global__ void max_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ idx,
                                    Pool2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t ow = k % p.OW, r = k / p.OW, oh = r % p.OH, pl = r / p.OH;
    const T* xp = x + pl * p.H * p.W;
    const Taps a = taps(oh, p.sh, p.ph, p.dh, p.kh, p.H);
    const Taps b = taps(ow, p.sw, p.pw, p.dw, p.kw, p.W);
    T best = neg_inf<T>();
    int64_t bi = (a.start + a.lo * p.dh) * p.W + b.start + b.lo * p.dw;
    for (int64_t i = a.lo; i < a.hi; ++i) {
      const int64_t row = (a.start + i * p.dh) * p.W + b.start;
      for (int64_t j = b.lo; j < b.hi; ++j) {
        const int64_t off = row + j * p.dw;
        const T v = xp[off];
        const bool take = (v > best) | (v != v);
        best = take ? v : best;
        bi = take ? off : bi;
      }
    }
    y[k] = best;
    idx[k] = bi;
  }
}

// dx [planes, H, W] = sum of dy over the windows whose idx is this element, in output order.
// adaptive: windows are adaptive_range's (see the file comment), else the pooling windows.
template <typename T>
__global__ void max_pool_bwd_kernel(const T* __restrict__ dy, const int64_t* __restrict__ idx, T* __restrict__ dx,
                                    Pool2dParams p, bool adaptive, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t w = k % p.W, r = k / p.W, h = r % p.H, pl = r / p.H;
    const int64_t self = h * p.W + w;
    const T* dyp = dy + pl * p.OH * p.OW;
    const int64_t* ip = idx + pl * p.OH * p.OW;
    int64_t oh0, oh1, ow0, ow1;
    if (adaptive) {
      adaptive_range(h, p.H, p.OH, oh0, oh1);
      adaptive_range(w, p.W, p.OW, ow0, ow1);
    } else {
      pool_range(h, p.sh, p.ph, p.dh, p.kh, p.OH, oh0, oh1);
      pool_range(w, p.sw, p.pw, p.dw, p.kw, p.OW, ow0, ow1);
    }
    T acc = T(0);
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      if (!adaptive && (h + p.ph - oh * p.sh) % p.dh != 0) continue;
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        if (!adaptive && (w + p.pw - ow * p.sw) % p.dw != 0) continue;
        const int64_t o = oh * p.OW + ow;
        if (ip[o] == self) acc += dyp[o];
      }
    }
    dx[k] = acc;
  }
}

void max_pool2d_forward_cuda(const TensorView& x, const TensorView& y, const TensorView& idx, const Pool2dParams& p) {
  if (!idx.data) throw Error(ErrorCode::InvalidArg, "torchlet: max_pool2d_forward on CUDA needs its indices");
  require_cuda("max_pool2d", {&x, &y, &idx});
  dispatch_float("max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.OH * p.OW;
    if (total == 0) return;
    cuda::launch<max_pool_fwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(),
                                         idx.ptr<int64_t>(), p, total);
    TL_CUDA_LAUNCH_CHECK("max_pool2d");
  });
}
TL_REGISTER_KERNEL(max_pool2d_forward_op, CUDA, max_pool2d_forward_cuda, kFloatTypes);
void max_pool2d_backward_cuda(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                              const Pool2dParams& p) {
  require_cuda("max_pool2d_backward", {&dy, &idx, &dx});
  dispatch_float("max_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.H * p.W;
    if (total == 0) return;
    const bool adaptive =
        p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && p.ph == 0 && p.pw == 0 && p.dh == 1 && p.dw == 1;
    cuda::launch<max_pool_bwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), dy.ptr<T>(), idx.ptr<int64_t>(),
                                         dx.ptr<T>(), p, adaptive, total);
    TL_CUDA_LAUNCH_CHECK("max_pool2d_backward");
  });
}
TL_REGISTER_KERNEL(max_pool2d_backward_op, CUDA, max_pool2d_backward_cuda, kFloatTypes);

// ---- fused relu + max pooling (non-overlapping windows) -----------------------------------------
// y, tap [planes, OH, OW] from x [planes, H, W]
template <typename T>
__global__ void relu_max_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, uint8_t* __restrict__ tap,
                                         Pool2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t ow = k % p.OW, r = k / p.OW, oh = r % p.OH, pl = r / p.OH;
    const T* w0 = x + pl * p.H * p.W + oh * p.kh * p.W + ow * p.kw;
    T best = w0[0];
    int t = 0;
    for (int64_t i = 0; i < p.kh; ++i)
      for (int64_t j = 0; j < p.kw; ++j) {
        const T v = w0[i * p.W + j];
        const bool take = (v > best) | (v != v);
        best = take ? v : best;
        t = take ? int(i * p.kw + j) : t;
      }
    y[k] = best <= T(0) ? T(0) : best;  // relu: a NaN is kept
    tap[k] = static_cast<uint8_t>(t);
  }
}
// dx [planes, H, W]: dy at the window's tap where !(y <= 0), else 0; 0 outside every window
template <typename T>
__global__ void relu_max_pool_bwd_kernel(const T* __restrict__ dy, const T* __restrict__ y,
                                         const uint8_t* __restrict__ tap, T* __restrict__ dx, Pool2dParams p,
                                         int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t w = k % p.W, r = k / p.W, h = r % p.H, pl = r / p.H;
    const int64_t oh = h / p.kh, ow = w / p.kw;
    T v = T(0);
    if (oh < p.OH && ow < p.OW) {
      const int64_t o = (pl * p.OH + oh) * p.OW + ow;
      const int64_t t = (h - oh * p.kh) * p.kw + (w - ow * p.kw);
      if (int64_t(tap[o]) == t) {
        const T yo = y[o];
        v = yo <= T(0) ? T(0) : dy[o];
      }
    }
    dx[k] = v;
  }
}

void relu_max_pool2d_forward_cuda(const TensorView& x, const TensorView& y, const TensorView& tap,
                                  const Pool2dParams& p) {
  require_cuda("relu_max_pool2d", {&x, &y, &tap});
  dispatch_float("relu_max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.OH * p.OW;
    if (total == 0) return;
    cuda::launch<relu_max_pool_fwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(),
                                              tap.ptr<uint8_t>(), p, total);
    TL_CUDA_LAUNCH_CHECK("relu_max_pool2d");
  });
}
TL_REGISTER_KERNEL(relu_max_pool2d_forward_op, CUDA, relu_max_pool2d_forward_cuda, kFloatTypes);
void relu_max_pool2d_backward_cuda(const TensorView& dy, const TensorView& y, const TensorView& tap,
                                   const TensorView& dx, const Pool2dParams& p) {
  require_cuda("relu_max_pool2d_backward", {&dy, &y, &tap, &dx});
  dispatch_float("relu_max_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.H * p.W;
    if (total == 0) return;
    cuda::launch<relu_max_pool_bwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), dy.ptr<T>(), y.ptr<T>(),
                                              tap.ptr<uint8_t>(), dx.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("relu_max_pool2d_backward");
  });
}
TL_REGISTER_KERNEL(relu_max_pool2d_backward_op, CUDA, relu_max_pool2d_backward_cuda, kFloatTypes);

// ---- average pooling -----------------------------------------------------------------------------
struct AvgWin {
  int64_t a0, a1, b0, b1, div;  // in-input rows [a0, a1), columns [b0, b1); the divisor
};
__device__ __forceinline__ AvgWin avg_window(int64_t oh, int64_t ow, const AvgPool2dParams& p) {
  const int64_t h0 = oh * p.sh - p.ph, h1 = min64(h0 + p.kh, p.H + p.ph);
  const int64_t w0 = ow * p.sw - p.pw, w1 = min64(w0 + p.kw, p.W + p.pw);
  const int64_t pool_size = (h1 - h0) * (w1 - w0);
  AvgWin r;
  r.a0 = max64(h0, 0);
  r.a1 = min64(h1, p.H);
  r.b0 = max64(w0, 0);
  r.b1 = min64(w1, p.W);
  r.div = p.divisor_override > 0 ? p.divisor_override : p.count_include_pad ? pool_size : (r.a1 - r.a0) * (r.b1 - r.b0);
  return r;
}

// y [planes, OH, OW] = window sum (row-major order, in T) / divisor; 0 for windows wholly in padding
template <typename T>
__global__ void avg_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, AvgPool2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t ow = k % p.OW, r = k / p.OW, oh = r % p.OH, pl = r / p.OH;
    const T* xp = x + pl * p.H * p.W;
    const AvgWin a = avg_window(oh, ow, p);
    if (a.a0 >= a.a1 || a.b0 >= a.b1) {
      y[k] = T(0);
      continue;
    }
    T sum = T(0);
    for (int64_t h = a.a0; h < a.a1; ++h)
      for (int64_t w = a.b0; w < a.b1; ++w) sum += xp[h * p.W + w];
    y[k] = sum / T(a.div);
  }
}
// dx [planes, H, W] = sum over the windows containing it (output order) of dy / divisor
template <typename T>
__global__ void avg_pool_bwd_kernel(const T* __restrict__ dy, T* __restrict__ dx, AvgPool2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t w = k % p.W, r = k / p.W, h = r % p.H, pl = r / p.H;
    const T* dyp = dy + pl * p.OH * p.OW;
    int64_t oh0, oh1, ow0, ow1;
    pool_range(h, p.sh, p.ph, 1, p.kh, p.OH, oh0, oh1);
    pool_range(w, p.sw, p.pw, 1, p.kw, p.OW, ow0, ow1);
    T acc = T(0);
    for (int64_t oh = oh0; oh < oh1; ++oh)
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const AvgWin a = avg_window(oh, ow, p);
        if (h < a.a0 || h >= a.a1 || w < a.b0 || w >= a.b1) continue;  // (never: the window holds (h, w))
        acc += dyp[oh * p.OW + ow] / T(a.div);
      }
    dx[k] = acc;
  }
}

void avg_pool2d_forward_cuda(const TensorView& x, const TensorView& y, const AvgPool2dParams& p) {
  require_cuda("avg_pool2d", {&x, &y});
  dispatch_float("avg_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.OH * p.OW;
    if (total == 0) return;
    cuda::launch<avg_pool_fwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("avg_pool2d");
  });
}
TL_REGISTER_KERNEL(avg_pool2d_forward_op, CUDA, avg_pool2d_forward_cuda, kFloatTypes);
void avg_pool2d_backward_cuda(const TensorView& dy, const TensorView& dx, const AvgPool2dParams& p) {
  require_cuda("avg_pool2d_backward", {&dy, &dx});
  dispatch_float("avg_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.H * p.W;
    if (total == 0) return;
    cuda::launch<avg_pool_bwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), dy.ptr<T>(), dx.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("avg_pool2d_backward");
  });
}
TL_REGISTER_KERNEL(avg_pool2d_backward_op, CUDA, avg_pool2d_backward_cuda, kFloatTypes);

// ---- adaptive pooling ----------------------------------------------------------------------------
// y [planes, OH, OW] = mean over the adaptive window (row-major sum in T; global: plane_sum's lanes)
template <typename T>
__global__ void adaptive_avg_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, Plane2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t ow = k % p.OW, r = k / p.OW, oh = r % p.OH, pl = r / p.OH;
    const T* xp = x + pl * p.H * p.W;
    if (p.OH == 1 && p.OW == 1) {  // global: the CPU's lane order (ops/pool2d.h)
      y[k] = plane_sum(xp, p.H * p.W) / T(p.H * p.W);
      continue;
    }
    const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
    const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
    T sum = T(0);
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t w = w0; w < w1; ++w) sum += xp[h * p.W + w];
    y[k] = sum / T((h1 - h0) * (w1 - w0));
  }
}
// dx [planes, H, W] = sum over the adaptive windows containing it (output order) of dy / count
template <typename T>
__global__ void adaptive_avg_bwd_kernel(const T* __restrict__ dy, T* __restrict__ dx, Plane2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t w = k % p.W, r = k / p.W, h = r % p.H, pl = r / p.H;
    const T* dyp = dy + pl * p.OH * p.OW;
    int64_t oh0, oh1, ow0, ow1;
    adaptive_range(h, p.H, p.OH, oh0, oh1);
    adaptive_range(w, p.W, p.OW, ow0, ow1);
    T acc = T(0);
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
      if (h < h0 || h >= h1) continue;
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
        if (w < w0 || w >= w1) continue;
        acc += dyp[oh * p.OW + ow] / T((h1 - h0) * (w1 - w0));
      }
    }
    dx[k] = acc;
  }
}
// y, idx [planes, OH, OW]: max over the adaptive window (a NaN wins: the last one)
template <typename T>
__global__ void adaptive_max_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ idx,
                                        Plane2dParams p, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t ow = k % p.OW, r = k / p.OW, oh = r % p.OH, pl = r / p.OH;
    const T* xp = x + pl * p.H * p.W;
    const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
    const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
    T best = neg_inf<T>();
    int64_t bi = h0 * p.W + w0;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t w = w0; w < w1; ++w) {
        const T v = xp[h * p.W + w];
        if (v > best || v != v) {
          best = v;
          bi = h * p.W + w;
        }
      }
    y[k] = best;
    idx[k] = bi;
  }
}

void adaptive_avg_pool2d_forward_cuda(const TensorView& x, const TensorView& y, const Plane2dParams& p) {
  require_cuda("adaptive_avg_pool2d", {&x, &y});
  dispatch_float("adaptive_avg_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.OH * p.OW;
    if (total == 0) return;
    cuda::launch<adaptive_avg_fwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(), p,
                                             total);
    TL_CUDA_LAUNCH_CHECK("adaptive_avg_pool2d");
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool2d_forward_op, CUDA, adaptive_avg_pool2d_forward_cuda, kFloatTypes);
void adaptive_avg_pool2d_backward_cuda(const TensorView& dy, const TensorView& dx, const Plane2dParams& p) {
  require_cuda("adaptive_avg_pool2d_backward", {&dy, &dx});
  dispatch_float("adaptive_avg_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.H * p.W;
    if (total == 0) return;
    cuda::launch<adaptive_avg_bwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), dy.ptr<T>(), dx.ptr<T>(), p,
                                             total);
    TL_CUDA_LAUNCH_CHECK("adaptive_avg_pool2d_backward");
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool2d_backward_op, CUDA, adaptive_avg_pool2d_backward_cuda, kFloatTypes);
void adaptive_max_pool2d_forward_cuda(const TensorView& x, const TensorView& y, const TensorView& idx,
                                      const Plane2dParams& p) {
  require_cuda("adaptive_max_pool2d", {&x, &y, &idx});
  dispatch_float("adaptive_max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t total = p.N * p.C * p.OH * p.OW;
    if (total == 0) return;
    cuda::launch<adaptive_max_fwd_kernel<T>>(grid(total), kThreads, 0, cuda::stream(), x.ptr<T>(), y.ptr<T>(),
                                             idx.ptr<int64_t>(), p, total);
    TL_CUDA_LAUNCH_CHECK("adaptive_max_pool2d");
  });
}
TL_REGISTER_KERNEL(adaptive_max_pool2d_forward_op, CUDA, adaptive_max_pool2d_forward_cuda, kFloatTypes);

// ---- max unpooling -------------------------------------------------------------------------------
// win[pl, i] = max k with idx[pl, k] == i (win preset to -1); *bad = smallest flat position of an
// index outside [0, out)
__global__ void unpool_winners_kernel(const int64_t* __restrict__ idx, long long* __restrict__ win,
                                      unsigned long long* bad, int64_t in, int64_t out, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t i = idx[k];
    const int64_t pl = k / in;
    if (i < 0 || i >= out)
      atomicMin(bad, static_cast<unsigned long long>(k));
    else
      atomicMax(win + pl * out + i, static_cast<long long>(k - pl * in));  // integer: order-independent
  }
}
// y [planes, out] = x at the winning input, 0 where none
template <typename T>
__global__ void unpool_gather_kernel(const T* __restrict__ x, const long long* __restrict__ win, T* __restrict__ y,
                                     int64_t in, int64_t out, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const long long w = win[k];
    y[k] = w >= 0 ? x[(k / out) * in + w] : T(0);
  }
}
// dx [planes, in] = dy[pl, idx] (0 for an index outside [0, out))
template <typename T>
__global__ void unpool_bwd_kernel(const T* __restrict__ dy, const int64_t* __restrict__ idx, T* __restrict__ dx,
                                  int64_t in, int64_t out, int64_t total) {
  TL_GRID_STRIDE(k, total) {
    const int64_t i = idx[k];
    dx[k] = (i >= 0 && i < out) ? dy[(k / in) * out + i] : T(0);
  }
}

void max_unpool2d_forward_cuda(const TensorView& x, const TensorView& idx, const TensorView& y,
                               const Plane2dParams& p) {
  require_cuda("max_unpool2d", {&x, &idx, &y});
  dispatch_float("max_unpool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
    if (planes * out == 0) return;
    cudaStream_t st = cuda::stream();
    if (planes * in == 0) {  // nothing to place: y is all zeros
      TL_CUDA_CHECK(cudaMemsetAsync(y.data, 0, size_t(planes * out) * sizeof(T), st));
      return;
    }
    const size_t win_bytes = size_t(planes * out) * sizeof(long long);
    long long* win = static_cast<long long*>(cuda::device_alloc(win_bytes));
    unsigned long long* bad = nullptr;
    unsigned long long first = ~0ULL;
    int64_t bad_value = 0;
    try {
      bad = static_cast<unsigned long long*>(cuda::device_alloc(sizeof(unsigned long long)));
      TL_CUDA_CHECK(cudaMemsetAsync(win, 0xff, win_bytes, st));  // -1
      TL_CUDA_CHECK(cudaMemsetAsync(bad, 0xff, sizeof(unsigned long long), st));
      cuda::launch<unpool_winners_kernel>(grid(planes * in), kThreads, 0, st, idx.ptr<int64_t>(), win, bad, in, out,
                                          planes * in);
      TL_CUDA_LAUNCH_CHECK("max_unpool2d");
      cuda::launch<unpool_gather_kernel<T>>(grid(planes * out), kThreads, 0, st, x.ptr<T>(), win, y.ptr<T>(), in, out,
                                            planes * out);
      TL_CUDA_LAUNCH_CHECK("max_unpool2d");
      TL_CUDA_CHECK(cudaMemcpyAsync(&first, bad, sizeof(first), cudaMemcpyDeviceToHost, st));
      TL_CUDA_CHECK(cudaStreamSynchronize(st));
      if (first != ~0ULL) {
        TL_CUDA_CHECK(
            cudaMemcpyAsync(&bad_value, idx.ptr<int64_t>() + first, sizeof(bad_value), cudaMemcpyDeviceToHost, st));
        TL_CUDA_CHECK(cudaStreamSynchronize(st));
      }
    } catch (...) {
      if (bad) cuda::device_free(bad, sizeof(unsigned long long));
      cuda::device_free(win, win_bytes);
      throw;
    }
    cuda::device_free(bad, sizeof(unsigned long long));
    cuda::device_free(win, win_bytes);
    if (first != ~0ULL)
      throw Error(ErrorCode::InvalidArg, "torchlet: Expected indices in [0, " + std::to_string(out) +
                                             ") for indices but received " + std::to_string(bad_value));
  });
}
TL_REGISTER_KERNEL(max_unpool2d_forward_op, CUDA, max_unpool2d_forward_cuda, kFloatTypes);
void max_unpool2d_backward_cuda(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                const Plane2dParams& p) {
  require_cuda("max_unpool2d_backward", {&dy, &idx, &dx});
  dispatch_float("max_unpool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
    if (planes * in == 0) return;
    cuda::launch<unpool_bwd_kernel<T>>(grid(planes * in), kThreads, 0, cuda::stream(), dy.ptr<T>(), idx.ptr<int64_t>(),
                                       dx.ptr<T>(), in, out, planes * in);
    TL_CUDA_LAUNCH_CHECK("max_unpool2d_backward");
  });
}
TL_REGISTER_KERNEL(max_unpool2d_backward_op, CUDA, max_unpool2d_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
