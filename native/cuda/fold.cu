// native/cuda/fold.cu — CUDA kernels of im2col / col2im (native/ops/fold.h): one thread per column
// entry (im2col) or per image element (col2im, a gather over fold::gather: deterministic, no atomics).
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/fold.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// out: [planes, kh, kw, oH, oW]; total = its numel
template <typename T>
__global__ void im2col_kernel(const T* __restrict__ in, T* __restrict__ out, FoldParams p, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ox = e % p.out_w, oy = (e / p.out_w) % p.out_h;
    const int64_t r = e / (p.out_w * p.out_h);
    const int64_t kj = r % p.kw, ki = (r / p.kw) % p.kh, pl = r / (p.kw * p.kh);
    const int64_t y = oy * p.sh - p.ph + ki * p.dh, x = ox * p.sw - p.pw + kj * p.dw;
    out[e] = y >= 0 && y < p.in_h && x >= 0 && x < p.in_w ? in[(pl * p.in_h + y) * p.in_w + x] : T(0);
  }
}
// out: [planes, inH, inW]; total = its numel
template <typename T>
__global__ void col2im_kernel(const T* __restrict__ cols, T* __restrict__ out, FoldParams p, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t x = e % p.in_w, y = (e / p.in_w) % p.in_h, pl = e / (p.in_w * p.in_h);
    out[e] = fold::gather(cols, pl, y, x, p.kh, p.kw, p.dh, p.dw, p.ph, p.pw, p.sh, p.sw, p.out_h, p.out_w);
  }
}

void im2col_cuda(const TensorView& x, const TensorView& out, const FoldParams& p) {
  require_cuda("im2col", {&x, &out});
  const int64_t total = out.numel();
  if (total == 0) return;
  dispatch_float("im2col", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<im2col_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                   out.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("im2col");
  });
}
TL_REGISTER_KERNEL(im2col_op, CUDA, im2col_cuda, kFloatTypes);

void col2im_cuda(const TensorView& x, const TensorView& out, const FoldParams& p) {
  require_cuda("col2im", {&x, &out});
  const int64_t total = out.numel();
  if (total == 0) return;
  dispatch_float("col2im", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<col2im_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                   out.ptr<T>(), p, total);
    TL_CUDA_LAUNCH_CHECK("col2im");
  });
}
TL_REGISTER_KERNEL(col2im_op, CUDA, col2im_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
