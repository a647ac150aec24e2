// native/cpu/grid_sample.cc — CPU kernels of F.grid_sample on 4-D and 5-D inputs
// (native/ops/grid_sample.h). Forward: one (n, output row) per iteration, the taps of each point
// computed once for all channels. Backward: gradInput one (n, c) plane per iteration, the plane's owner
// scattering every point of its image into it (no two threads write one plane: deterministic at any
// thread count); gradGrid one (n, output row) per iteration, summing over the channels.
#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/grid_sample.h"

namespace tl {
namespace {

void grid_sample_cpu(const TensorView& x, const TensorView& grid, const TensorView& out, const GridSampleParams& p) {
  const gs::Geom g = gs::geom(p);
  const int64_t C = p.C, plane = p.in_d * p.in_h * p.in_w, P = p.out_d * p.out_h * p.out_w;
  const int64_t rows = p.N * p.out_d * p.out_h, K = p.volumetric ? 3 : 2;
  dispatch_float("grid_sample", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* in = x.ptr<T>();
    const T* gr = grid.ptr<T>();
    T* o = out.ptr<T>();
    TL_PAR_FOR(
        rows * p.out_w * (C + 1) > kParallelGrain / 4, for (int64_t r = 0; r < rows; ++r) {
          int64_t idx[16];
          T w[16];
          for (int64_t q = r * p.out_w; q < (r + 1) * p.out_w; ++q) {  // q = n * P + point
            const int64_t n = q / P, pt = q % P;
            const T* img = in + n * C * plane;
            const int k = gs::point_taps(g, gr + K * q, idx, w);
            for (int64_t c = 0; c < C; ++c) {
              const T* pl = img + c * plane;
              T acc = T(0);
              for (int t = 0; t < k; ++t) acc += pl[idx[t]] * w[t];
              o[(n * C + c) * P + pt] = acc;
            }
          }
        });
  });
}
TL_REGISTER_KERNEL(grid_sample_op, CPU, grid_sample_cpu, kFloatTypes);

void grid_sample_backward_cpu(const TensorView& gout, const TensorView& x, const TensorView& grid,
                              const TensorView& gin, const TensorView& ggrid, const GridSampleParams& p) {
  const gs::Geom g = gs::geom(p);
  const int64_t C = p.C, plane = p.in_d * p.in_h * p.in_w, P = p.out_d * p.out_h * p.out_w, planes = p.N * C;
  const int64_t rows = p.N * p.out_d * p.out_h, K = p.volumetric ? 3 : 2;
  dispatch_float("grid_sample_backward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* go = gout.ptr<T>();
    const T* in = x.ptr<T>();
    const T* gr = grid.ptr<T>();
    T* gi = gin.ptr<T>();
    T* gg = ggrid.ptr<T>();
    TL_PAR_FOR(
        planes * (P + plane) > kParallelGrain / 4, for (int64_t pc = 0; pc < planes; ++pc) {
          const int64_t n = pc / C;
          T* dst = gi + pc * plane;
          for (int64_t i = 0; i < plane; ++i) dst[i] = T(0);
          const T* src = go + pc * P;
          const T* pts = gr + n * P * K;
          int64_t idx[16];
          T w[16];
          for (int64_t pt = 0; pt < P; ++pt) {
            const int k = gs::point_taps(g, pts + K * pt, idx, w);
            const T v = src[pt];
            for (int t = 0; t < k; ++t) dst[idx[t]] += w[t] * v;
          }
        });
    TL_PAR_FOR(
        rows * p.out_w * (C + 1) > kParallelGrain / 4, for (int64_t r = 0; r < rows; ++r) {
          for (int64_t q = r * p.out_w; q < (r + 1) * p.out_w; ++q) {
            const int64_t n = q / P, pt = q % P;
            gs::point_grid_grad(g, gr + K * q, in + n * C * plane, C, plane, go + n * C * P + pt, P, gg + K * q);
          }
        });
  });
}
TL_REGISTER_KERNEL(grid_sample_backward_op, CPU, grid_sample_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
