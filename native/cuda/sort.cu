// native/cuda/sort.cu — CUDA kernel of sort_op (ops/sort.h), the order of native/cpu/sort.cc: a
// stable bottom-up merge sort of every line at once, one launch per pass (run width 1, 2, 4, ...),
// one thread per pair of runs (the left run wins ties, so equal elements keep their order), keys and
// positions ping-ponging between the outputs and a temporary buffer. Same results as the CPU.
#include <cstdint>
#include <utility>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/sort.h"

namespace tl {
namespace {

template <typename T>
__device__ __forceinline__ bool before(T u, T v, bool desc) {  // u strictly before v
  const bool nu = u != u, nv = v != v;
  if (desc) return nu ? !nv : (!nv && u > v);
  return nu ? false : (nv || u < v);
}

template <typename T>
__global__ void sort_init_kernel(const T* __restrict__ x, T* __restrict__ v, int64_t* __restrict__ i, int64_t total,
                                 int64_t n) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total; k += int64_t(gridDim.x) * blockDim.x) {
    v[k] = x[k];
    i[k] = k % n;
  }
}

// merges runs [s, s + w) and [s + w, s + 2w) of each line from (sv, si) into (dv, di)
template <typename T>
__global__ void sort_merge_kernel(const T* __restrict__ sv, const int64_t* __restrict__ si, T* __restrict__ dv,
                                  int64_t* __restrict__ di, int64_t lines, int64_t n, int64_t w, bool desc) {
  const int64_t pairs = (n + 2 * w - 1) / (2 * w);
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < lines * pairs;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t l = t / pairs, s = (t % pairs) * 2 * w;
    const int64_t base = l * n;
    const int64_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n;
    int64_t a = s, b = m, o = s;
    while (a < m && b < e) {
      if (before(sv[base + b], sv[base + a], desc)) {
        dv[base + o] = sv[base + b];
        di[base + o++] = si[base + b++];
      } else {
        dv[base + o] = sv[base + a];
        di[base + o++] = si[base + a++];
      }
    }
    while (a < m) {
      dv[base + o] = sv[base + a];
      di[base + o++] = si[base + a++];
    }
    while (b < e) {
      dv[base + o] = sv[base + b];
      di[base + o++] = si[base + b++];
    }
  }
}

template <typename T>
__global__ void sort_copy_kernel(const T* __restrict__ sv, const int64_t* __restrict__ si, T* __restrict__ dv,
                                 int64_t* __restrict__ di, int64_t total) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total; k += int64_t(gridDim.x) * blockDim.x) {
    dv[k] = sv[k];
    di[k] = si[k];
  }
}

void sort_cuda(const TensorView& x, const TensorView& v, const TensorView& i, const SortParams& p) {
  require_cuda("sort", {&x, &v, &i});
  const int64_t total = p.lines * p.n;
  if (total == 0) return;
  dispatch_all("sort", x.dtype, [&](auto z) {
    using T = decltype(z);
    const size_t vb = size_t(total) * sizeof(T), ib = size_t(total) * sizeof(int64_t);
    auto* tv = static_cast<T*>(cuda::device_alloc(vb));
    int64_t* ti = nullptr;
    try {
      ti = static_cast<int64_t*>(cuda::device_alloc(ib));
      cuda::launch<sort_init_kernel<T>>(cuda::blocks_for(total), 256, 0, cuda::stream(), x.ptr<T>(), v.ptr<T>(),
                                        i.ptr<int64_t>(), total, p.n);
      TL_CUDA_LAUNCH_CHECK("sort");
      T* sv = v.ptr<T>();
      int64_t* si = i.ptr<int64_t>();
      T* dv = tv;
      int64_t* di = ti;
      for (int64_t w = 1; w < p.n; w *= 2) {
        const int64_t work = p.lines * ((p.n + 2 * w - 1) / (2 * w));
        cuda::launch<sort_merge_kernel<T>>(cuda::blocks_for(work, 128), 128, 0, cuda::stream(), sv, si, dv, di, p.lines,
                                           p.n, w, p.descending);
        TL_CUDA_LAUNCH_CHECK("sort");
        std::swap(sv, dv);
        std::swap(si, di);
      }
      if (sv != v.ptr<T>()) {
        cuda::launch<sort_copy_kernel<T>>(cuda::blocks_for(total), 256, 0, cuda::stream(), sv, si, v.ptr<T>(),
                                          i.ptr<int64_t>(), total);
        TL_CUDA_LAUNCH_CHECK("sort");
      }
    } catch (...) {
      cuda::device_free(tv, vb);
      if (ti) cuda::device_free(ti, ib);
      throw;
    }
    cuda::device_free(tv, vb);
    cuda::device_free(ti, ib);
  });
}
TL_REGISTER_KERNEL(sort_op, CUDA, sort_cuda, kAllTypes);

}  // namespace
}  // namespace tl
