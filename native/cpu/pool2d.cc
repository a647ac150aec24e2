// native/cpu/pool2d.cc — max pooling over [N, C, H, W] with kernel, stride, padding, dilation.
// Forward writes the max and, per output, the flat index h*W+w of its argmax in the input plane
// (as PyTorch's indices); windows cropped to the input; a NaN wins. Backward scatters dy to dx
// through the indices (dx overwritten). Output size (incl. ceil mode) is computed in lib/.
// Also average pooling (PyTorch's divisor rules), adaptive average/max pooling and max unpooling.
#include <cmath>
#include <limits>
#include <string>
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


template <typename T>
void avg_pool_fwd(const T* x, T* y, const AvgPool2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.OH * p.OW > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * p.H * p.W;
    T* yp = y + pl * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      int64_t h0 = oh * p.sh - p.ph, h1 = std::min(h0 + p.kh, p.H + p.ph);
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        int64_t w0 = ow * p.sw - p.pw, w1 = std::min(w0 + p.kw, p.W + p.pw);
        const int64_t pool_size = (h1 - h0) * (w1 - w0);
        const int64_t a0 = std::max<int64_t>(h0, 0), a1 = std::min(h1, p.H);
        const int64_t b0 = std::max<int64_t>(w0, 0), b1 = std::min(w1, p.W);
        if (a0 >= a1 || b0 >= b1) {
          yp[oh * p.OW + ow] = T(0);
          continue;
        }
        T sum = T(0);
        for (int64_t h = a0; h < a1; ++h)
          for (int64_t w = b0; w < b1; ++w) sum += xp[h * p.W + w];
        const int64_t div = p.divisor_override > 0 ? p.divisor_override
                            : p.count_include_pad  ? pool_size
                                                   : (a1 - a0) * (b1 - b0);
        yp[oh * p.OW + ow] = sum / T(div);
      }
    }
  }
}

template <typename T>
void avg_pool_bwd(const T* dy, T* dx, const AvgPool2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.H * p.W > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* dxp = dx + pl * p.H * p.W;
    const T* dyp = dy + pl * p.OH * p.OW;
    for (int64_t k = 0; k < p.H * p.W; ++k) dxp[k] = T(0);
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      int64_t h0 = oh * p.sh - p.ph, h1 = std::min(h0 + p.kh, p.H + p.ph);
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        int64_t w0 = ow * p.sw - p.pw, w1 = std::min(w0 + p.kw, p.W + p.pw);
        const int64_t pool_size = (h1 - h0) * (w1 - w0);
        const int64_t a0 = std::max<int64_t>(h0, 0), a1 = std::min(h1, p.H);
        const int64_t b0 = std::max<int64_t>(w0, 0), b1 = std::min(w1, p.W);
        if (a0 >= a1 || b0 >= b1) continue;
        const int64_t div = p.divisor_override > 0 ? p.divisor_override
                            : p.count_include_pad  ? pool_size
                                                   : (a1 - a0) * (b1 - b0);
        const T g = dyp[oh * p.OW + ow] / T(div);
        for (int64_t h = a0; h < a1; ++h)
          for (int64_t w = b0; w < b1; ++w) dxp[h * p.W + w] += g;
      }
    }
  }
}

inline int64_t ad_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t ad_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

template <typename T>
void adaptive_avg_fwd(const T* x, T* y, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.OH * p.OW > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * p.H * p.W;
    T* yp = y + pl * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
        T sum = T(0);
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) sum += xp[h * p.W + w];
        yp[oh * p.OW + ow] = sum / T((h1 - h0) * (w1 - w0));
      }
    }
  }
}

template <typename T>
void adaptive_avg_bwd(const T* dy, T* dx, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.H * p.W > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    T* dxp = dx + pl * p.H * p.W;
    const T* dyp = dy + pl * p.OH * p.OW;
    for (int64_t k = 0; k < p.H * p.W; ++k) dxp[k] = T(0);
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
        const T g = dyp[oh * p.OW + ow] / T((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) dxp[h * p.W + w] += g;
      }
    }
  }
}

template <typename T>
void adaptive_max_fwd(const T* x, T* y, int64_t* idx, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C;
#pragma omp parallel for schedule(static) if (planes * p.OH * p.OW > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * p.H * p.W;
    T* yp = y + pl * p.OH * p.OW;
    int64_t* ip = idx + pl * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      const int64_t h0 = ad_start(oh, p.H, p.OH), h1 = ad_end(oh, p.H, p.OH);
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        const int64_t w0 = ad_start(ow, p.W, p.OW), w1 = ad_end(ow, p.W, p.OW);
        T best = -std::numeric_limits<T>::infinity();
        int64_t bi = h0 * p.W + w0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const T v = xp[h * p.W + w];
            if (v > best || v != v) {
              best = v;
              bi = h * p.W + w;
            }
          }
        yp[oh * p.OW + ow] = best;
        ip[oh * p.OW + ow] = bi;
      }
    }
  }
}

template <typename T>
void max_unpool_fwd(const T* x, const int64_t* idx, T* y, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
  for (int64_t k = 0; k < planes * out; ++k) y[k] = T(0);
  int64_t bad = -1;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* xp = x + pl * in;
    const int64_t* ip = idx + pl * in;
    T* yp = y + pl * out;
    for (int64_t k = 0; k < in; ++k) {
      const int64_t i = ip[k];
      if (i < 0 || i >= out) {
        bad = i;
        break;
      }
      yp[i] = xp[k];
    }
    if (bad != -1) break;
  }
  if (bad != -1)
    throw Error(ErrorCode::Invalid, "torchlet: Expected indices in [0, " + std::to_string(out) +
                                        ") for indices but received " + std::to_string(bad));
}

template <typename T>
void max_unpool_bwd(const T* dy, const int64_t* idx, T* dx, const Plane2dParams& p) {
  const int64_t planes = p.N * p.C, in = p.H * p.W, out = p.OH * p.OW;
#pragma omp parallel for schedule(static) if (planes * in > 4096)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const T* dyp = dy + pl * out;
    const int64_t* ip = idx + pl * in;
    T* dxp = dx + pl * in;
    for (int64_t k = 0; k < in; ++k) {
      const int64_t i = ip[k];
      dxp[k] = (i >= 0 && i < out) ? dyp[i] : T(0);
    }
  }
}

void avg_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const AvgPool2dParams& p) {
  dispatch_float("avg_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    avg_pool_fwd<T>(x.ptr<T>(), y.ptr<T>(), p);
  });
}
void avg_pool2d_backward_cpu(const TensorView& dy, const TensorView& dx, const AvgPool2dParams& p) {
  dispatch_float("avg_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    avg_pool_bwd<T>(dy.ptr<T>(), dx.ptr<T>(), p);
  });
}
void adaptive_avg_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const Plane2dParams& p) {
  dispatch_float("adaptive_avg_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    adaptive_avg_fwd<T>(x.ptr<T>(), y.ptr<T>(), p);
  });
}
void adaptive_avg_pool2d_backward_cpu(const TensorView& dy, const TensorView& dx, const Plane2dParams& p) {
  dispatch_float("adaptive_avg_pool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    adaptive_avg_bwd<T>(dy.ptr<T>(), dx.ptr<T>(), p);
  });
}
void adaptive_max_pool2d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& idx,
                                     const Plane2dParams& p) {
  dispatch_float("adaptive_max_pool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    adaptive_max_fwd<T>(x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>(), p);
  });
}
void max_unpool2d_forward_cpu(const TensorView& x, const TensorView& idx, const TensorView& y, const Plane2dParams& p) {
  dispatch_float("max_unpool2d", x.dtype, [&](auto z) {
    using T = decltype(z);
    max_unpool_fwd<T>(x.ptr<T>(), idx.ptr<int64_t>(), y.ptr<T>(), p);
  });
}
void max_unpool2d_backward_cpu(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                               const Plane2dParams& p) {
  dispatch_float("max_unpool2d_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    max_unpool_bwd<T>(dy.ptr<T>(), idx.ptr<int64_t>(), dx.ptr<T>(), p);
  });
}

}  // namespace
}  // namespace tl

TL_REGISTER_KERNEL(max_pool2d_forward_op, CPU, &tl::max_pool2d_forward_cpu);
TL_REGISTER_KERNEL(max_pool2d_backward_op, CPU, &tl::max_pool2d_backward_cpu);
TL_REGISTER_KERNEL(avg_pool2d_forward_op, CPU, &tl::avg_pool2d_forward_cpu);
TL_REGISTER_KERNEL(avg_pool2d_backward_op, CPU, &tl::avg_pool2d_backward_cpu);
TL_REGISTER_KERNEL(adaptive_avg_pool2d_forward_op, CPU, &tl::adaptive_avg_pool2d_forward_cpu);
TL_REGISTER_KERNEL(adaptive_avg_pool2d_backward_op, CPU, &tl::adaptive_avg_pool2d_backward_cpu);
TL_REGISTER_KERNEL(adaptive_max_pool2d_forward_op, CPU, &tl::adaptive_max_pool2d_forward_cpu);
TL_REGISTER_KERNEL(max_unpool2d_forward_op, CPU, &tl::max_unpool2d_forward_cpu);
TL_REGISTER_KERNEL(max_unpool2d_backward_op, CPU, &tl::max_unpool2d_backward_cpu);
