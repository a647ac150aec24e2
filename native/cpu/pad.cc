// native/cpu/pad.cc — CPU kernels of reflect / replicate / circular padding (native/ops/pad.h):
// forward reads each output element's source; backward gathers, for each input element, the output
// gradients of every position that reads it (the ranges of padmap::sources_of): no write conflicts,
// so the loops split over threads freely.
#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/pad.h"

namespace tl {
namespace {

void pad_cpu(const TensorView& x, const TensorView& out, const PadParams& p) {
  const int64_t D = p.in_size[0], H = p.in_size[1], W = p.in_size[2];
  const int64_t oD = D + p.pads[0] + p.pads[1], oH = H + p.pads[2] + p.pads[3], oW = W + p.pads[4] + p.pads[5];
  const int64_t rows = p.outer * oD * oH;  // one output row (along W) per iteration
  const PadMode mode = p.mode;
  dispatch_float("pad", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* in = x.ptr<T>();
    T* o = out.ptr<T>();
    TL_PAR_FOR(
        rows * oW > kParallelGrain, for (int64_t r = 0; r < rows; ++r) {
          const int64_t h = r % oH, d = (r / oH) % oD, n = r / (oH * oD);
          const int64_t sd = padmap::source(mode, d, D, p.pads[0]), sh = padmap::source(mode, h, H, p.pads[2]);
          const T* src = in + ((n * D + sd) * H + sh) * W;
          T* dst = o + r * oW;
          for (int64_t w = 0; w < oW; ++w) dst[w] = src[padmap::source(mode, w, W, p.pads[4])];
        });
  });
}
TL_REGISTER_KERNEL(pad_op, CPU, pad_cpu, kFloatTypes);

void pad_backward_cpu(const TensorView& dy, const TensorView& dx, const PadParams& p) {
  const int64_t D = p.in_size[0], H = p.in_size[1], W = p.in_size[2];
  const int64_t oD = D + p.pads[0] + p.pads[1], oH = H + p.pads[2] + p.pads[3], oW = W + p.pads[4] + p.pads[5];
  const int64_t total = dx.numel();
  const PadMode mode = p.mode;
  dispatch_float("pad_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dy.ptr<T>();
    T* o = dx.ptr<T>();
    TL_PAR_FOR(
        total > kParallelGrain, for (int64_t e = 0; e < total; ++e) {
          const int64_t w = e % W, h = (e / W) % H, d = (e / (W * H)) % D, n = e / (W * H * D);
          int64_t dlo[3], dhi[3], hlo[3], hhi[3], wlo[3], whi[3];
          const int nd = padmap::sources_of(mode, d, D, p.pads[0], p.pads[1], dlo, dhi);
          const int nh = padmap::sources_of(mode, h, H, p.pads[2], p.pads[3], hlo, hhi);
          const int nw = padmap::sources_of(mode, w, W, p.pads[4], p.pads[5], wlo, whi);
          T acc = T(0);
          for (int a = 0; a < nd; ++a)
            for (int64_t jd = dlo[a]; jd <= dhi[a]; ++jd)
              for (int b = 0; b < nh; ++b)
                for (int64_t jh = hlo[b]; jh <= hhi[b]; ++jh) {
                  const T* row = g + ((n * oD + jd) * oH + jh) * oW;
                  for (int c = 0; c < nw; ++c)
                    for (int64_t jw = wlo[c]; jw <= whi[c]; ++jw) acc += row[jw];
                }
          o[e] = acc;
        });
  });
}
TL_REGISTER_KERNEL(pad_backward_op, CPU, pad_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
