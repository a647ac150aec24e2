// native/cpu/pool3d.cc — CPU kernels of the 3-D pooling ops (native/ops/pool3d.h): one output element
// (forward) or input element (backward, a gather: deterministic) per loop step with the shared
// per-element functions of p3::, the elements split over OpenMP threads.
#include <cstdint>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/pool3d.h"

namespace tl {
namespace {

// Runs f(e) for every e in [0, n), over threads when the work is large enough.
template <class F>
void each(int64_t n, F f) {
  TL_PAR_FOR(n > kParallelGrain / 8, for (int64_t e = 0; e < n; ++e) f(e););
}

void max_pool3d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& idx, const Pool3dParams& p) {
  dispatch_float("max_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* xp = x.ptr<T>();
    T* yp = y.ptr<T>();
    int64_t* ip = idx.ptr<int64_t>();
    each(y.numel(), [&](int64_t e) { p3::max_fwd(xp, yp, ip, p, e); });
  });
}
TL_REGISTER_KERNEL(max_pool3d_forward_op, CPU, max_pool3d_forward_cpu, kFloatTypes);

void max_pool3d_backward_cpu(const TensorView& dy, const TensorView& idx, const TensorView& dx, const Pool3dParams& p) {
  dispatch_float("max_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dy.ptr<T>();
    const int64_t* ip = idx.ptr<int64_t>();
    T* o = dx.ptr<T>();
    each(dx.numel(), [&](int64_t e) { p3::max_bwd(g, ip, o, p, e); });
  });
}
TL_REGISTER_KERNEL(max_pool3d_backward_op, CPU, max_pool3d_backward_cpu, kFloatTypes);

void avg_pool3d_forward_cpu(const TensorView& x, const TensorView& y, const AvgPool3dParams& p) {
  dispatch_float("avg_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* xp = x.ptr<T>();
    T* yp = y.ptr<T>();
    each(y.numel(), [&](int64_t e) { p3::avg_fwd(xp, yp, p, e); });
  });
}
TL_REGISTER_KERNEL(avg_pool3d_forward_op, CPU, avg_pool3d_forward_cpu, kFloatTypes);

void avg_pool3d_backward_cpu(const TensorView& dy, const TensorView& dx, const AvgPool3dParams& p) {
  dispatch_float("avg_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dy.ptr<T>();
    T* o = dx.ptr<T>();
    each(dx.numel(), [&](int64_t e) { p3::avg_bwd(g, o, p, e); });
  });
}
TL_REGISTER_KERNEL(avg_pool3d_backward_op, CPU, avg_pool3d_backward_cpu, kFloatTypes);

void adaptive_avg_pool3d_forward_cpu(const TensorView& x, const TensorView& y, const Plane3dParams& p) {
  dispatch_float("adaptive_avg_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* xp = x.ptr<T>();
    T* yp = y.ptr<T>();
    each(y.numel(), [&](int64_t e) { p3::aavg_fwd(xp, yp, p, e); });
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool3d_forward_op, CPU, adaptive_avg_pool3d_forward_cpu, kFloatTypes);

void adaptive_avg_pool3d_backward_cpu(const TensorView& dy, const TensorView& dx, const Plane3dParams& p) {
  dispatch_float("adaptive_avg_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dy.ptr<T>();
    T* o = dx.ptr<T>();
    each(dx.numel(), [&](int64_t e) { p3::aavg_bwd(g, o, p, e); });
  });
}
TL_REGISTER_KERNEL(adaptive_avg_pool3d_backward_op, CPU, adaptive_avg_pool3d_backward_cpu, kFloatTypes);

void adaptive_max_pool3d_forward_cpu(const TensorView& x, const TensorView& y, const TensorView& idx,
                                     const Plane3dParams& p) {
  dispatch_float("adaptive_max_pool3d_forward", x.dtype, [&](auto z) {
    using T = decltype(z);
    const T* xp = x.ptr<T>();
    T* yp = y.ptr<T>();
    int64_t* ip = idx.ptr<int64_t>();
    each(y.numel(), [&](int64_t e) { p3::amax_fwd(xp, yp, ip, p, e); });
  });
}
TL_REGISTER_KERNEL(adaptive_max_pool3d_forward_op, CPU, adaptive_max_pool3d_forward_cpu, kFloatTypes);

void adaptive_max_pool3d_backward_cpu(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                      const Plane3dParams& p) {
  dispatch_float("adaptive_max_pool3d_backward", dy.dtype, [&](auto z) {
    using T = decltype(z);
    const T* g = dy.ptr<T>();
    const int64_t* ip = idx.ptr<int64_t>();
    T* o = dx.ptr<T>();
    each(dx.numel(), [&](int64_t e) { p3::amax_bwd(g, ip, o, p, e); });
  });
}
TL_REGISTER_KERNEL(adaptive_max_pool3d_backward_op, CPU, adaptive_max_pool3d_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
