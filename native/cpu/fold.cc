// native/cpu/fold.cc — CPU kernels of im2col / col2im (native/ops/fold.h): im2col writes one
// (plane, ki, kj) row of blocks per iteration; col2im gathers per image element (fold::gather), so
// both split over threads with no write conflicts and give the same bits at any thread count.
#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/fold.h"

namespace tl {
namespace {

void im2col_cpu(const TensorView& x, const TensorView& out, const FoldParams& p) {
  const int64_t H = p.in_h, W = p.in_w, oH = p.out_h, oW = p.out_w, kh = p.kh, kw = p.kw;
  const int64_t rows = p.planes * kh * kw;  // one (plane, ki, kj) per iteration
  dispatch_float("im2col", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* in = x.ptr<T>();
    T* o = out.ptr<T>();
    TL_PAR_FOR(
        rows * oH * oW > kParallelGrain, for (int64_t r = 0; r < rows; ++r) {
          const int64_t kj = r % kw, ki = (r / kw) % kh, pl = r / (kw * kh);
          const T* plane = in + pl * H * W;
          T* dst = o + r * oH * oW;
          for (int64_t oy = 0; oy < oH; ++oy) {
            const int64_t y = oy * p.sh - p.ph + ki * p.dh;
            T* drow = dst + oy * oW;
            if (y < 0 || y >= H) {
              for (int64_t ox = 0; ox < oW; ++ox) drow[ox] = T(0);
              continue;
            }
            const T* srow = plane + y * W;
            for (int64_t ox = 0; ox < oW; ++ox) {
              const int64_t xx = ox * p.sw - p.pw + kj * p.dw;
              drow[ox] = xx >= 0 && xx < W ? srow[xx] : T(0);
            }
          }
        });
  });
}
TL_REGISTER_KERNEL(im2col_op, CPU, im2col_cpu, kFloatTypes);

void col2im_cpu(const TensorView& x, const TensorView& out, const FoldParams& p) {
  const int64_t H = p.in_h, W = p.in_w;
  const int64_t rows = p.planes * H;  // one image row per iteration
  dispatch_float("col2im", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* cols = x.ptr<T>();
    T* o = out.ptr<T>();
    TL_PAR_FOR(
        rows * W * p.kh * p.kw > kParallelGrain, for (int64_t r = 0; r < rows; ++r) {
          const int64_t y = r % H, pl = r / H;
          for (int64_t xx = 0; xx < W; ++xx)
            o[r * W + xx] =
                fold::gather(cols, pl, y, xx, p.kh, p.kw, p.dh, p.dw, p.ph, p.pw, p.sh, p.sw, p.out_h, p.out_w);
        });
  });
}
TL_REGISTER_KERNEL(col2im_op, CPU, col2im_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
