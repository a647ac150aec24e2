// native/cpu/upsample.cc — CPU kernels of nearest / linear / bicubic resampling (native/ops/upsample.h):
// the forward with per-dim tap tables built once per call; the backward gathers per input element
// over the output positions that read it (ups::readers), so planes and rows split over threads freely.
#include <vector>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/upsample.h"

namespace tl {
namespace {

template <typename T>
struct TapTable {
  std::vector<int64_t> idx;
  std::vector<T> w;
  std::vector<int> n;
  TapTable(const ups::Dim<T>& d) : idx(size_t(d.out) * 4), w(size_t(d.out) * 4), n(size_t(d.out)) {
    for (int64_t j = 0; j < d.out; ++j) n[j] = ups::taps(d, j, &idx[j * 4], &w[j * 4]);
  }
};

void upsample_cpu(const TensorView& x, const TensorView& out, const UpsampleParams& p) {
  dispatch_float("upsample", x.dtype, [&](auto z) {
    using T = decltype(z);
    const auto dy = ups::make_dim<T>(p.mode, p.in_h, p.out_h, p.align_corners, p.scale_h);
    const auto dx = ups::make_dim<T>(p.mode, p.in_w, p.out_w, p.align_corners, p.scale_w);
    const TapTable<T> ty(dy), tx(dx);
    const T* in = x.ptr<T>();
    T* o = out.ptr<T>();
    const int64_t rows = p.planes * p.out_h, iH = p.in_h, iW = p.in_w, oH = p.out_h, oW = p.out_w;
    TL_PAR_FOR(
        rows * oW > kParallelGrain / 4, for (int64_t r = 0; r < rows; ++r) {
          const int64_t y = r % oH, pl = r / oH;
          const T* plane = in + pl * iH * iW;
          T* dst = o + r * oW;
          for (int64_t xo = 0; xo < oW; ++xo) {
            T acc = T(0);
            for (int a = 0; a < ty.n[y]; ++a) {
              const T* row = plane + ty.idx[y * 4 + a] * iW;
              T s = T(0);
              for (int b = 0; b < tx.n[xo]; ++b) s += tx.w[xo * 4 + b] * row[tx.idx[xo * 4 + b]];
              acc += ty.w[y * 4 + a] * s;
            }
            dst[xo] = acc;
          }
        });
  });
}
TL_REGISTER_KERNEL(upsample_op, CPU, upsample_cpu, kFloatTypes);

void upsample_backward_cpu(const TensorView& gout, const TensorView& gin, const UpsampleParams& p) {
  dispatch_float("upsample_backward", gout.dtype, [&](auto z) {
    using T = decltype(z);
    const auto dy = ups::make_dim<T>(p.mode, p.in_h, p.out_h, p.align_corners, p.scale_h);
    const auto dx = ups::make_dim<T>(p.mode, p.in_w, p.out_w, p.align_corners, p.scale_w);
    const int64_t iH = p.in_h, iW = p.in_w, oH = p.out_h, oW = p.out_w;
    // per input index: the output range that reads it, and each reader's weight
    std::vector<int64_t> ylo(iH), yhi(iH), xlo(iW), xhi(iW);
    for (int64_t i = 0; i < iH; ++i) ups::readers(dy, i, ylo[i], yhi[i]);
    for (int64_t i = 0; i < iW; ++i) ups::readers(dx, i, xlo[i], xhi[i]);
    const T* g = gout.ptr<T>();
    T* o = gin.ptr<T>();
    const int64_t rows = p.planes * iH;
    TL_PAR_FOR(
        rows * iW > kParallelGrain / 4, for (int64_t r = 0; r < rows; ++r) {
          const int64_t iy = r % iH, pl = r / iH;
          const T* plane = g + pl * oH * oW;
          for (int64_t ix = 0; ix < iW; ++ix) {
            T acc = T(0);
            for (int64_t y = ylo[iy]; y <= yhi[iy]; ++y) {
              const T wy = ups::weight_of(dy, y, iy);
              const T* row = plane + y * oW;
              T s = T(0);
              for (int64_t xo = xlo[ix]; xo <= xhi[ix]; ++xo) s += ups::weight_of(dx, xo, ix) * row[xo];
              acc += wy * s;
            }
            o[r * iW + ix] = acc;
          }
        });
  });
}
TL_REGISTER_KERNEL(upsample_backward_op, CPU, upsample_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
