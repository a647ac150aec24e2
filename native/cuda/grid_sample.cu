// native/cuda/grid_sample.cu — CUDA kernels of F.grid_sample on 4-D and 5-D inputs (native/ops/grid_sample.h):
// one thread per sampling point (n, output position), its taps computed once for all channels. The
// backward zeroes gradInput, then each thread adds its point's contributions with atomics (correct;
// the order of the additions is not fixed) and writes its point's gradGrid (a sum over the channels).
#include <cstdint>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/grid_sample.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// total = N * outD * outH * outW sampling points, K = 2 or 3 grid coordinates each
template <typename T>
__global__ void grid_sample_kernel(const T* __restrict__ in, const T* __restrict__ grid, T* __restrict__ out,
                                   gs::Geom g, int64_t C, int64_t P, int64_t total) {
  const int64_t K = g.vol ? 3 : 2;
  for (int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; q < total; q += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = q / P, pt = q % P, plane = g.D * g.H * g.W;
    int64_t idx[16];
    T w[16];
    const int k = gs::point_taps(g, grid + K * q, idx, w);
    for (int64_t c = 0; c < C; ++c) {
      const T* pl = in + (n * C + c) * plane;
      T acc = T(0);
      for (int t = 0; t < k; ++t) acc += pl[idx[t]] * w[t];
      out[(n * C + c) * P + pt] = acc;
    }
  }
}
template <typename T>
__global__ void grid_sample_backward_kernel(const T* __restrict__ gout, const T* __restrict__ in,
                                            const T* __restrict__ grid, T* __restrict__ gin, T* __restrict__ ggrid,
                                            gs::Geom g, int64_t C, int64_t P, int64_t total) {
  const int64_t K = g.vol ? 3 : 2;
  for (int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; q < total; q += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = q / P, pt = q % P, plane = g.D * g.H * g.W;
    int64_t idx[16];
    T w[16];
    const int k = gs::point_taps(g, grid + K * q, idx, w);
    for (int64_t c = 0; c < C; ++c) {
      const T v = gout[(n * C + c) * P + pt];
      T* pl = gin + (n * C + c) * plane;
      for (int t = 0; t < k; ++t) atomicAdd(pl + idx[t], w[t] * v);
    }
    gs::point_grid_grad(g, grid + K * q, in + n * C * plane, C, plane, gout + n * C * P + pt, P, ggrid + K * q);
  }
}

void grid_sample_cuda(const TensorView& x, const TensorView& grid, const TensorView& out, const GridSampleParams& p) {
  require_cuda("grid_sample", {&x, &grid, &out});
  const int64_t P = p.out_d * p.out_h * p.out_w, total = p.N * P;
  if (total == 0 || p.C == 0) return;
  dispatch_float("grid_sample", x.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<grid_sample_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), x.ptr<T>(),
                                        grid.ptr<T>(), out.ptr<T>(), gs::geom(p), p.C, P, total);
    TL_CUDA_LAUNCH_CHECK("grid_sample");
  });
}
TL_REGISTER_KERNEL(grid_sample_op, CUDA, grid_sample_cuda, kFloatTypes);

void grid_sample_backward_cuda(const TensorView& gout, const TensorView& x, const TensorView& grid,
                               const TensorView& gin, const TensorView& ggrid, const GridSampleParams& p) {
  require_cuda("grid_sample_backward", {&gout, &x, &grid, &gin, &ggrid});
  const int64_t P = p.out_d * p.out_h * p.out_w, total = p.N * P;
  dispatch_float("grid_sample_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t nin = gin.numel();
    if (nin > 0) TL_CUDA_CHECK(cudaMemsetAsync(gin.data, 0, size_t(nin) * sizeof(T), cuda::stream()));
    if (total == 0) return;
    cuda::launch<grid_sample_backward_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(),
                                                 gout.ptr<T>(), x.ptr<T>(), grid.ptr<T>(), gin.ptr<T>(), ggrid.ptr<T>(),
                                                 gs::geom(p), p.C, P, total);
    TL_CUDA_LAUNCH_CHECK("grid_sample_backward");
  });
}
TL_REGISTER_KERNEL(grid_sample_backward_op, CUDA, grid_sample_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
