// native/cpu/pool2d.cc — max pooling over [N, C, H, W] with kernel, stride, padding, dilation.
// Forward writes the max and, per output, the flat index h*W+w of its argmax in the input plane
// (as PyTorch's indices); windows cropped to the input; a NaN wins. Backward scatters dy to dx
// through the indices (dx overwritten). Output size (incl. ceil mode) is computed in lib/.
#include <limits>
#include "dispatch.h"

namespace tl {
namespace {

template <typename T>
void max_pool_fwd(const T* x, T* y, int64_t* idx, const Pool2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.OH * p.OW > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * p.H * p.W;
    T* yp = y + pl * p.OH * p.OW;
    int64_t* ip = idx + pl * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t h0 = oh * p.sh - p.ph;
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        const int64_t w0 = ow * p.sw - p.pw;
        T best = -std::numeric_limits<T>::infinity();
        int64_t bi = -1;
        for (int64_t i = 0; i < p.kh; ++i) {
          const int64_t h = h0 + i * p.dh;
          if (h < 0 || h >= p.H) continue;
          for (int64_t j = 0; j < p.kw; ++j) {
            const int64_t w = w0 + j * p.dw;
            if (w < 0 || w >= p.W) continue;
            const T v = xp[h * p.W + w];
            if (v > best || v != v || bi < 0) {
              best = v;
              bi = h * p.W + w;
              if (v != v) goto done;
            }
          }
        }
      done:
        yp[oh * p.OW + ow] = best;
        ip[oh * p.OW + ow] = bi;
      }
    }
  }
}

template <typename T>
void max_pool_bwd(const T* dy, const int64_t* idx, T* dx, const Pool2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.H * p.W > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* dxp = dx + pl * p.H * p.W;
    const T* dyp = dy + pl * p.OH * p.OW;
    const int64_t* ip = idx + pl * p.OH * p.OW;
    for (int64_t k = 0; k < p.H * p.W; ++k) dxp[k] = T(0);
    for (int64_t k = 0; k < p.OH * p.OW; ++k)
      if (ip[k] >= 0) dxp[ip[k]] += dyp[k];
  }
}

void max_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& idx, const Pool2dParams& p) {
  dispatch_float("max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    max_pool_fwd<T>(x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>(), p);
  });
}
void max_pool2d_backward_cpu(const TensorView& dy, const TensorView& idx, const TensorView& dx, const Pool2dParams& p) {
  dispatch_float("max_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    max_pool_bwd<T>(dy.ptr<T>(), idx.ptr<int64_t>(), dx.ptr<T>(), p);
  });
}

}  // namespace
}  // namespace tl

TL_REGISTER_KERNEL(max_pool2d_forward_op, CPU, &tl::max_pool2d_forward_cpu);
TL_REGISTER_KERNEL(max_pool2d_backward_op, CPU, &tl::max_pool2d_backward_cpu);
