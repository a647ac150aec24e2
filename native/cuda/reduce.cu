// native/cuda/reduce.cu — CUDA reduce_op over the middle axis of x viewed as [outer, r, inner]:
// sum, mean, prod (float64 accumulation for float32/float64, int64 for the integer dtypes, as the CPU),
// max, min and argmax/argmin (int64; the first NaN wins, else the first occurrence of the extreme —
// exactly the CPU's rule). Same signature and semantics as native/cpu/reduce.cc.
// Determinism: each output is reduced by a fixed tree that depends only on the shape (never on the
// GPU model, timing or atomics): every thread folds a fixed strided slice of the axis in order,
// then the block combines the threads in a fixed shared-memory / warp-shuffle tree; when r is long
// and there are few outputs, the axis is split into a shape-determined number of chunks whose
// partial states go to a temporary (device_alloc) and are combined by a second pass in chunk order.
// argmax/argmin combine (value, index) pairs with an order-independent rule (NaN first, then the
// extreme value, ties -> lower index), so they equal the CPU's sequential scan exactly; max/min
// values and integer sums are therefore bit-identical to the CPU, floating sums differ from the
// CPU's sequential order only by rounding (float32 results are almost always identical, since both
// accumulate in double).
// Integer sums accumulate in int64 and are written as int64 (kWriteSum on an integer T), as the CPU.
// r == 0: sum/mean give 0 as the CPU; max/min/argmax/argmin are refused by the op's checker.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/dispatch.h"
#include "ops/reduce.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

enum Kind : int { kSum = 0, kMax = 1, kMin = 2, kProd = 3 };
enum Mode : int { kWriteSum = 0, kWriteMean, kWriteValue, kWriteIndex, kWritePartial };

template <typename T>
using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;

template <typename T>
__device__ __forceinline__ bool is_nan(T v) {
  if constexpr (std::is_floating_point<T>::value)
    return v != v;
  else
    return false;
}

// Per-thread / partial state. Sum: running sum. Max/Min: best value and its index (-1 = empty).
template <typename T, int KIND>
struct State {
  T v;
  int64_t i;
  __device__ __forceinline__ static State identity() { return {T(0), -1}; }
  __device__ __forceinline__ static State combine(const State& a, const State& b) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    const bool an = is_nan(a.v), bn = is_nan(b.v);
    if (an || bn) {
      if (an && bn) return a.i <= b.i ? a : b;
      return an ? a : b;
    }
    const bool b_better = KIND == kMax ? b.v > a.v : b.v < a.v;
    const bool a_better = KIND == kMax ? a.v > b.v : a.v < b.v;
    if (b_better) return b;
    if (a_better) return a;
    return a.i <= b.i ? a : b;  // equal values (incl. +0 / -0): the first occurrence
  }
  __device__ __forceinline__ static State of(T x, int64_t k) { return {x, k}; }
};
template <typename T>
struct State<T, kSum> {
  Acc<T> v;
  __device__ __forceinline__ static State identity() { return {Acc<T>(0)}; }
  __device__ __forceinline__ static State combine(const State& a, const State& b) { return {a.v + b.v}; }
  __device__ __forceinline__ static State of(T x, int64_t) { return {Acc<T>(x)}; }
};

template <typename T>
struct State<T, kProd> {
  Acc<T> v;
  __device__ __forceinline__ static State identity() { return {Acc<T>(1)}; }
  __device__ __forceinline__ static State combine(const State& a, const State& b) { return {a.v * b.v}; }
  __device__ __forceinline__ static State of(T x, int64_t) { return {Acc<T>(x)}; }
};

template <typename V>
__device__ __forceinline__ V shfl_down(V v, int off) {
  if constexpr (sizeof(V) < 4)
    return V(__shfl_down_sync(0xffffffffu, int(v), off));
  else
    return __shfl_down_sync(0xffffffffu, v, off);
}
template <typename T, int KIND>
__device__ __forceinline__ State<T, KIND> shfl_state(const State<T, KIND>& s, int off) {
  State<T, KIND> r;
  r.v = shfl_down(s.v, off);
  if constexpr (KIND != kSum && KIND != kProd) r.i = shfl_down(static_cast<long long>(s.i), off);
  return r;
}

constexpr int kThreads = 256;

// One pass. Outputs q in [0, Q) (q = o*inner + i) reduce src[o, k, i] over k in chunk c of the axis
// (src is [outer, r, inner], raw T values or, with FROM_STATE, partial states carrying their own
// indices). Block (TX, TY), TX*TY = 256: tx picks the output, ty splits the chunk (thread ty folds
// k = k0+ty, k0+ty+TY, ... in order), then a fixed tree over ty. Tiles are (TX outputs, one chunk).
// Writes partial states to dst[o, c, i] (kWritePartial, dst is [outer, chunks, inner]) or the final
// value/index to dst[q].
template <typename T, int KIND, bool FROM_STATE>
__global__ void __launch_bounds__(kThreads)
    reduce_kernel(const void* __restrict__ src, void* __restrict__ dst, int64_t Q, int64_t inner, int64_t r,
                  int64_t chunks, int64_t L, int mode, int64_t r_total) {
  using S = State<T, KIND>;
  __shared__ S sh[kThreads];
  const int TX = blockDim.x, TY = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles = (Q + TX - 1) / TX * chunks;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t qt = t / chunks, c = t - qt * chunks;
    const int64_t q = qt * TX + tx;
    int64_t o = 0, i = 0;
    S s = S::identity();
    if (q < Q) {
      o = q / inner;
      i = q - o * inner;
      const int64_t base = o * r * inner + i;
      const int64_t k0 = c * L, k1 = k0 + L < r ? k0 + L : r;
      for (int64_t k = k0 + ty; k < k1; k += TY) {
        if constexpr (FROM_STATE)
          s = S::combine(s, static_cast<const S*>(src)[base + k * inner]);
        else
          s = S::combine(s, S::of(static_cast<const T*>(src)[base + k * inner], k));
      }
    }
    // combine over ty in a fixed tree
    if (TX == 1) {  // ty is the lane: warp shuffles, then the 8 warp results in shared memory
      const int lane = ty & 31, warp = ty >> 5;
      for (int off = 16; off > 0; off >>= 1) {
        const S other = shfl_state<T, KIND>(s, off);
        if (lane + off < 32) s = S::combine(s, other);
      }
      if (lane == 0) sh[warp] = s;
      __syncthreads();
      if (ty == 0) {
        for (int w = 1; w < TY / 32; ++w) s = S::combine(s, sh[w]);
      }
    } else {
      sh[ty * TX + tx] = s;
      __syncthreads();
      for (int st = TY / 2; st > 0; st >>= 1) {
        if (ty < st) sh[ty * TX + tx] = S::combine(sh[ty * TX + tx], sh[(ty + st) * TX + tx]);
        __syncthreads();
      }
      s = sh[tx];
    }
    if (ty == 0 && q < Q) {
      switch (mode) {
        case kWritePartial: static_cast<S*>(dst)[(o * chunks + c) * inner + i] = s; break;
        case kWriteSum:
        case kWriteMean:
          if constexpr (KIND == kSum || KIND == kProd) {
            Acc<T> a = s.v;
            if (mode == kWriteMean) a = r_total ? a / Acc<T>(r_total) : Acc<T>(0);
            if constexpr (std::is_floating_point<T>::value)
              static_cast<T*>(dst)[q] = static_cast<T>(a);
            else
              static_cast<int64_t*>(dst)[q] = a;  // integer sums are int64
          }
          break;
        case kWriteValue:
          if constexpr (KIND != kSum && KIND != kProd) static_cast<T*>(dst)[q] = s.i < 0 ? T(0) : s.v;
          break;
        case kWriteIndex:
          if constexpr (KIND != kSum && KIND != kProd) static_cast<int64_t*>(dst)[q] = s.i < 0 ? 0 : s.i;
          break;
      }
    }
    __syncthreads();  // sh is reused by the next tile
  }
}

struct Plan {
  int TX, TY;
  int64_t chunks, L;
};
// Block shape and axis split for Q outputs of an axis of length r with stride inner. Depends only
// on the shape, so results are the same on every GPU.
Plan plan(int64_t Q, int64_t inner, int64_t r, bool allow_split) {
  Plan p;
  if (inner == 1) {  // rows are contiguous: ty runs along the row (coalesced)
    p.TY = int(r < 1 ? 1 : (r >= kThreads ? kThreads : next_pow2(r)));
  } else {  // tx runs along inner (coalesced), at least a warp wide
    p.TY = int(r >= 8 ? 8 : next_pow2(r < 1 ? 1 : r));
  }
  p.TX = kThreads / p.TY;
  p.chunks = 1;
  p.L = r;
  const int64_t tiles = (Q + p.TX - 1) / p.TX;
  const int64_t per_thread = 32;  // at least this many elements per thread in a chunk
  if (allow_split && r > 2 * per_thread * p.TY && tiles < 2048) {
    int64_t c = (r + per_thread * p.TY - 1) / (per_thread * p.TY);
    const int64_t want = (2048 + tiles - 1) / tiles;
    if (c > want) c = want;
    if (c > 1024) c = 1024;
    if (c > 1) {
      p.L = (r + c - 1) / c;
      p.chunks = (r + p.L - 1) / p.L;
    }
  }
  return p;
}

template <typename T, int KIND, bool FROM_STATE>
void launch(const void* src, void* dst, int64_t Q, int64_t inner, int64_t r, const Plan& p, int mode, int64_t r_total) {
  int64_t tiles = (Q + p.TX - 1) / p.TX * p.chunks;
  const unsigned grid = unsigned(tiles < 65535 * 8 ? tiles : 65535 * 8);
  cuda::launch<reduce_kernel<T, KIND, FROM_STATE>>(grid, dim3(p.TX, p.TY), 0, cuda::stream(), src, dst, Q, inner, r,
                                                   p.chunks, p.L, mode, r_total);
  TL_CUDA_LAUNCH_CHECK("reduce");
}

template <typename T, int KIND>
void reduce_typed(const T* x, int64_t outer, int64_t r, int64_t inner, void* out, int mode) {
  using S = State<T, KIND>;
  const int64_t Q = outer * inner;
  if (Q == 0) return;
  const Plan p = plan(Q, inner, r, true);
  if (p.chunks == 1) {
    launch<T, KIND, false>(x, out, Q, inner, r, p, mode, r);
    return;
  }
  // two passes: partial states [outer, chunks, inner], then their fold in chunk order
  const size_t bytes = size_t(outer) * size_t(p.chunks) * size_t(inner) * sizeof(S);
  void* tmp = cuda::device_alloc(bytes);
  try {
    launch<T, KIND, false>(x, tmp, Q, inner, r, p, kWritePartial, r);
    const Plan p2 = plan(Q, inner, p.chunks, false);
    launch<T, KIND, true>(tmp, out, Q, inner, p.chunks, p2, mode, r);
  } catch (...) {
    cuda::device_free(tmp, bytes);
    throw;
  }
  // stream-ordered: the caching allocator hands the block out again only to work queued later on
  // this same stream (its free lists are per stream), which runs after the second pass
  cuda::device_free(tmp, bytes);
}

void reduce_cuda(const TensorView& x, const TensorView& out, const ReduceParams& p) {
  const ReduceOp op = p.op;
  const int64_t outer = p.outer, r = p.r, inner = p.inner;
  if (x.device != Device::CUDA || out.device != Device::CUDA)
    throw Error(ErrorCode::Device, "torchlet: CUDA kernel 'reduce' got a tensor that is not on the CUDA device");
  dispatch_all("reduce", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* px = x.ptr<T>();
    switch (op) {
      case ReduceOp::Sum: reduce_typed<T, kSum>(px, outer, r, inner, out.data, kWriteSum); break;
      case ReduceOp::Mean: reduce_typed<T, kSum>(px, outer, r, inner, out.data, kWriteMean); break;
      case ReduceOp::Max: reduce_typed<T, kMax>(px, outer, r, inner, out.data, kWriteValue); break;
      case ReduceOp::Min: reduce_typed<T, kMin>(px, outer, r, inner, out.data, kWriteValue); break;
      case ReduceOp::Argmax: reduce_typed<T, kMax>(px, outer, r, inner, out.data, kWriteIndex); break;
      case ReduceOp::Argmin: reduce_typed<T, kMin>(px, outer, r, inner, out.data, kWriteIndex); break;
      case ReduceOp::Prod: reduce_typed<T, kProd>(px, outer, r, inner, out.data, kWriteSum); break;
    }
  });
}
TL_REGISTER_KERNEL(reduce_op, CUDA, reduce_cuda, kAllTypes);

}  // namespace
}  // namespace tl
