// native/cuda/index.cu — CUDA kernels of the indexing ops (ops/index.h), the semantics of
// native/cpu/index.cc: gather and where one thread per output element; scatter one thread per line
// along dim, applying the line in order (no atomics: repeated indices resolve deterministically, as
// on the CPU); nonzero in three launches (per-block counts, one prefix over the blocks, then each
// block writes its positions in order with a shared-memory scan of each tile).
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/index.h"

namespace tl {
namespace {

constexpr int kThreads = 256;
constexpr int kMax = 16;

// shape and up to three stride arrays, by value (kernel parameters)
struct Geo {
  int nd;
  int64_t shape[kMax];
  int64_t st[3][kMax];
};
Geo make_geo(const std::vector<int64_t>& shape, std::initializer_list<const std::vector<int64_t>*> st) {
  Geo g{};
  g.nd = int(shape.size());
  for (int d = 0; d < g.nd; ++d) g.shape[d] = shape[d];
  int j = 0;
  for (auto* s : st) {
    for (int d = 0; d < g.nd; ++d) g.st[j][d] = (*s)[d];
    ++j;
  }
  return g;
}
__device__ __forceinline__ void geo_at(const Geo& g, int64_t i, int64_t* off, int k) {
  for (int j = 0; j < k; ++j) off[j] = 0;
  for (int d = g.nd - 1; d >= 0; --d) {
    const int64_t c = i % g.shape[d];
    i /= g.shape[d];
    for (int j = 0; j < k; ++j) off[j] += c * g.st[j][d];
  }
}

template <typename T>
__global__ void gather_kernel(const T* __restrict__ x, const int64_t* __restrict__ idx, T* __restrict__ out, Geo g,
                              int64_t n, int64_t dstride, int64_t size) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    geo_at(g, i, off, 2);
    int64_t k = idx[off[1]];
    if (k < 0) k += size;
    out[i] = k >= 0 && k < size ? x[off[0] + k * dstride] : T(0);
  }
}

void gather_cuda(const TensorView& x, const TensorView& idx, const TensorView& out, const GatherParams& p) {
  require_cuda("gather", {&x, &idx, &out});
  const int64_t n = out.numel();
  if (n == 0) return;
  std::vector<int64_t> in_st = p.input_strides;
  int64_t dstride = 0;
  if (!in_st.empty()) {
    dstride = in_st[p.dim];
    in_st[p.dim] = 0;
  }
  const Geo g = make_geo(p.shape, {&in_st, &p.index_strides});
  dispatch_all("gather", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<gather_kernel<T>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                   idx.ptr<int64_t>(), out.ptr<T>(), g, n, dstride, p.size);
    TL_CUDA_LAUNCH_CHECK("gather");
  });
}
TL_REGISTER_KERNEL(gather_op, CUDA, gather_cuda, kAllTypes);

template <typename T>
__global__ void scatter_kernel(T* __restrict__ out, const int64_t* __restrict__ idx, const T* __restrict__ src, Geo g,
                               int64_t lines, int64_t len, int64_t ostep, int64_t istep, int64_t sstep, int64_t size,
                               int op, T value) {
  for (int64_t l = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; l < lines; l += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[3];
    geo_at(g, l, off, 3);
    for (int64_t j = 0; j < len; ++j) {
      int64_t k = idx[off[1] + j * istep];
      if (k < 0) k += size;
      if (k < 0 || k >= size) continue;
      const T v = src ? src[off[2] + j * sstep] : value;
      T& o = out[off[0] + k * ostep];
      if (op == 0)
        o = v;
      else if (op == 1)
        o = static_cast<T>(o + v);
      else if (op == 2)
        o = static_cast<T>(o * v);
      else if (op == 3) {
        if (v != v || v > o) o = v;  // max; NaN propagates (a NaN o is never replaced)
      } else if (v != v || v < o)
        o = v;  // min
    }
  }
}

void scatter_cuda(const TensorView& out, const TensorView& idx, const TensorView& src, const ScatterParams& p) {
  require_cuda("scatter", {&out, &idx});
  if (src.data) require_cuda("scatter", {&src});
  const int64_t n = checked_numel("scatter", p.shape);
  if (n == 0) return;
  std::vector<int64_t> lshape = p.shape, ost = p.out_strides, ist = p.index_strides, sst = p.src_strides;
  int64_t len = 1, ostep = 0, istep = 0, sstep = 0;
  if (!lshape.empty()) {
    len = lshape[p.dim];
    ostep = ost[p.dim];
    istep = ist[p.dim];
    sstep = sst.empty() ? 0 : sst[p.dim];
    lshape[p.dim] = 1;
    ost[p.dim] = 0;
  }
  if (sst.size() != lshape.size()) sst.assign(lshape.size(), 0);
  const Geo g = make_geo(lshape, {&ost, &ist, &sst});
  const int64_t lines = n / len;
  dispatch_all("scatter", out.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<scatter_kernel<T>>(cuda::blocks_for(lines, 128), 128, 0, cuda::stream(), out.ptr<T>(),
                                    idx.ptr<int64_t>(), src.data ? src.ptr<T>() : nullptr, g, lines, len, ostep, istep,
                                    sstep, p.size, int(p.op), static_cast<T>(p.value));
    TL_CUDA_LAUNCH_CHECK("scatter");
  });
}
TL_REGISTER_KERNEL(scatter_op, CUDA, scatter_cuda, kAllTypes);

template <typename T>
__global__ void where_kernel(const T* __restrict__ a, const T* __restrict__ b, const uint8_t* __restrict__ c,
                             T* __restrict__ out, Geo g, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[3];
    geo_at(g, i, off, 3);
    out[i] = c[off[2]] ? a[off[0]] : b[off[1]];
  }
}

void where_cuda(const TensorView& a, const TensorView& b, const TensorView& c, const TensorView& out,
                const WhereParams& p) {
  require_cuda("where", {&a, &b, &c, &out});
  const int64_t n = out.numel();
  if (n == 0) return;
  const Geo g = make_geo(out.shape, {&p.input_strides, &p.other_strides, &p.condition_strides});
  dispatch_all("where", a.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<where_kernel<T>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), a.ptr<T>(), b.ptr<T>(),
                                  c.ptr<uint8_t>(), out.ptr<T>(), g, n);
    TL_CUDA_LAUNCH_CHECK("where");
  });
}
TL_REGISTER_KERNEL(where_op, CUDA, where_cuda, kAllTypes);

// nonzero: each block owns the chunk [b * chunk, (b + 1) * chunk) of the input
constexpr int kNzThreads = 256;

template <typename T>
__global__ void nonzero_count_kernel(const T* __restrict__ x, int64_t n, int64_t chunk, int64_t* __restrict__ counts) {
  __shared__ int64_t part[kNzThreads];
  const int64_t s = blockIdx.x * chunk, e = s + chunk < n ? s + chunk : n;
  int64_t c = 0;
  for (int64_t i = s + threadIdx.x; i < e; i += blockDim.x) c += x[i] != T(0);
  part[threadIdx.x] = c;
  __syncthreads();
  for (int w = kNzThreads / 2; w > 0; w >>= 1) {
    if (int(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) counts[blockIdx.x] = part[0];
}

__global__ void nonzero_prefix_kernel(int64_t* counts, int64_t blocks) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  int64_t s = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t c = counts[b];
    counts[b] = s;
    s += c;
  }
}

template <typename T>
__global__ void nonzero_write_kernel(const T* __restrict__ x, int64_t n, int64_t chunk,
                                     const int64_t* __restrict__ starts, int64_t* __restrict__ out, int64_t cap, Geo g,
                                     bool coords) {
  __shared__ int64_t scan[kNzThreads];
  const int64_t s = blockIdx.x * chunk, e = s + chunk < n ? s + chunk : n;
  int64_t pos = starts[blockIdx.x];
  for (int64_t t0 = s; t0 < e; t0 += blockDim.x) {
    const int64_t i = t0 + threadIdx.x;
    const int flag = i < e && x[i] != T(0);
    scan[threadIdx.x] = flag;
    __syncthreads();
    for (int w = 1; w < kNzThreads; w <<= 1) {  // inclusive Hillis-Steele scan
      const int64_t add = int(threadIdx.x) >= w ? scan[threadIdx.x - w] : 0;
      __syncthreads();
      scan[threadIdx.x] += add;
      __syncthreads();
    }
    if (flag) {
      const int64_t q = pos + scan[threadIdx.x] - 1;
      if (q < cap) {
        if (!coords) {
          out[q] = i;
        } else {
          int64_t r = i;
          for (int d = g.nd - 1; d >= 0; --d) {
            out[q * g.nd + d] = r % g.shape[d];
            r /= g.shape[d];
          }
        }
      }
    }
    pos += scan[kNzThreads - 1];
    __syncthreads();  // scan is rewritten by the next tile
  }
}

void nonzero_cuda(const TensorView& x, const TensorView& out, const NonzeroParams& p) {
  require_cuda("nonzero", {&x, &out});
  const int64_t n = checked_numel("nonzero", p.shape);
  if (n == 0 || (p.coords && p.shape.empty())) return;
  const int64_t width = p.coords ? int64_t(p.shape.size()) : 1;
  const int64_t cap = out.numel() / width;
  const int64_t chunk = 8192;
  const int64_t blocks = (n + chunk - 1) / chunk;
  const Geo g = make_geo(p.shape, {});
  auto* starts = static_cast<int64_t*>(cuda::device_alloc(size_t(blocks) * sizeof(int64_t)));
  try {
    dispatch_all("nonzero", x.dtype, [&](auto z) {
      using T = decltype(z);
      cuda::launch<nonzero_count_kernel<T>>(unsigned(blocks), kNzThreads, 0, cuda::stream(), x.ptr<T>(), n, chunk,
                                            starts);
      TL_CUDA_LAUNCH_CHECK("nonzero");
      cuda::launch<nonzero_prefix_kernel>(1, 1, 0, cuda::stream(), starts, blocks);
      TL_CUDA_LAUNCH_CHECK("nonzero");
      cuda::launch<nonzero_write_kernel<T>>(unsigned(blocks), kNzThreads, 0, cuda::stream(), x.ptr<T>(), n, chunk,
                                            starts, out.ptr<int64_t>(), cap, g, p.coords);
      TL_CUDA_LAUNCH_CHECK("nonzero");
    });
  } catch (...) {
    cuda::device_free(starts, size_t(blocks) * sizeof(int64_t));
    throw;
  }
  cuda::device_free(starts, size_t(blocks) * sizeof(int64_t));
}
TL_REGISTER_KERNEL(nonzero_op, CUDA, nonzero_cuda, kAllTypes);

}  // namespace
}  // namespace tl
