// native/cuda/scan.cu — CUDA kernel of cumsum_op (ops/scan.h), the semantics of native/cpu/scan.cc:
// one thread scans one line of n elements in order (floating types accumulate in double, each
// output rounded once), so CUDA and CPU results are identical.
#include <type_traits>

#include "core/dispatch.h"
#include "ops/scan.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

template <typename T>
__global__ void cumsum_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t lines, int64_t n, int64_t inner,
                              bool reverse) {
  using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;
  for (int64_t l = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; l < lines; l += int64_t(gridDim.x) * blockDim.x) {
    const int64_t base = (l / inner) * n * inner + l % inner;
    Acc s = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = base + (reverse ? n - 1 - k : k) * inner;
      s += static_cast<Acc>(x[i]);
      out[i] = static_cast<T>(s);
    }
  }
}

void cumsum_cuda(const TensorView& x, const TensorView& out, const CumsumParams& p) {
  require_cuda("cumsum", {&x, &out});
  if (out.dtype != x.dtype) throw Error(ErrorCode::DType, "torchlet: cumsum: input and out must share one dtype");
  const int64_t lines = p.outer * p.inner;
  if (lines == 0 || p.n == 0) return;
  dispatch_all("cumsum", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<cumsum_kernel<T>>(cuda::blocks_for(lines, 128), 128, 0, cuda::stream(), x.ptr<T>(), out.ptr<T>(),
                                   lines, p.n, p.inner, p.reverse);
    TL_CUDA_LAUNCH_CHECK("cumsum");
  });
}
TL_REGISTER_KERNEL(cumsum_op, CUDA, cumsum_cuda, kFloatTypes | dtype_bit(DType::I64));

template <typename T>
__global__ void scan_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t* __restrict__ idx, int64_t lines,
                            int64_t n, int64_t inner, int op) {
  using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;
  for (int64_t l = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; l < lines; l += int64_t(gridDim.x) * blockDim.x) {
    const int64_t base = (l / inner) * n * inner + l % inner;
    if (op == 0) {
      Acc s = 1;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = base + k * inner;
        s *= static_cast<Acc>(x[i]);
        out[i] = static_cast<T>(s);
      }
    } else {
      T best = T(0);
      int64_t bi = 0;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = base + k * inner;
        const T v = x[i];
        if (k == 0 || v != v || (best == best && (op == 1 ? v >= best : v <= best))) {
          best = v;
          bi = k;
        }
        out[i] = best;
        idx[i] = bi;
      }
    }
  }
}

void scan_cuda(const TensorView& x, const TensorView& out, const TensorView& idx, const ScanParams& p) {
  require_cuda("scan", {&x, &out});
  if (p.op != ScanOp::Prod) require_cuda("scan", {&idx});
  const int64_t lines = p.outer * p.inner;
  if (lines == 0 || p.n == 0) return;
  dispatch_all("scan", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<scan_kernel<T>>(cuda::blocks_for(lines, 128), 128, 0, cuda::stream(), x.ptr<T>(), out.ptr<T>(),
                                 idx.data ? idx.ptr<int64_t>() : nullptr, lines, p.n, p.inner, int(p.op));
    TL_CUDA_LAUNCH_CHECK("scan");
  });
}
TL_REGISTER_KERNEL(scan_op, CUDA, scan_cuda, kFloatTypes | dtype_bit(DType::I64));

}  // namespace
}  // namespace tl
