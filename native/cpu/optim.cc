// native/cpu/optim.cc — fused optimizer steps, in place, following torch.optim's formulas
// (single-tensor "foreach=False" path): Adam/AdamW with L2 or decoupled weight decay, amsgrad,
// maximize; SGD with momentum, dampening, Nesterov, weight decay, maximize.
#include <cmath>
#include "core/dispatch.h"
#include "ops/optim.h"
#include "core/parallel.h"

namespace tl {
namespace {

template <typename T>
void adam_typed(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamParams& a) {
  const double bc1 = 1.0 - std::pow(a.beta1, double(a.step));
  const double bc2 = 1.0 - std::pow(a.beta2, double(a.step));
  const T step_size = T(a.lr / bc1);
  const T bc2_sqrt = T(std::sqrt(bc2));
  const T b1 = T(a.beta1), b2 = T(a.beta2), eps = T(a.eps), wd = T(a.weight_decay);
  const T decay = T(1.0 - a.lr * a.weight_decay);
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = a.maximize ? -g[i] : g[i];
        T pi = p[i];
        if (a.decoupled)
          pi *= decay;
        else if (a.weight_decay != 0)
          gi += wd * pi;
        m[i] += (gi - m[i]) * (T(1) - b1);  // lerp, as torch does
        v[i] = v[i] * b2 + (T(1) - b2) * gi * gi;
        T vv = v[i];
        if (a.amsgrad) {
          vmax[i] = vmax[i] > vv ? vmax[i] : vv;
          vv = vmax[i];
        }
        const T denom = std::sqrt(vv) / bc2_sqrt + eps;
        p[i] = pi - step_size * m[i] / denom;
      });
}

void adam_step_cpu(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                   const TensorView& vmax, const AdamParams& a) {
  dispatch_float("adam_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    adam_typed<T>(p.ptr<T>(), g.ptr<T>(), m.ptr<T>(), v.ptr<T>(), a.amsgrad ? vmax.ptr<T>() : nullptr, p.numel(), a);
  });
}

TL_REGISTER_KERNEL(adam_step_op, CPU, adam_step_cpu, kFloatTypes);

template <typename T>
void sgd_typed(T* p, const T* g, T* buf, int64_t n, const SgdParams& s) {
  const T lr = T(s.lr), mom = T(s.momentum), damp = T(1.0 - s.dampening), wd = T(s.weight_decay);
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = s.maximize ? -g[i] : g[i];
        if (s.weight_decay != 0) gi += wd * p[i];
        if (s.momentum != 0) {
          buf[i] = s.first_step ? gi : mom * buf[i] + damp * gi;
          gi = s.nesterov ? gi + mom * buf[i] : buf[i];
        }
        p[i] -= lr * gi;
      });
}

void sgd_step_cpu(const TensorView& p, const TensorView& g, const TensorView& buf, const SgdParams& s) {
  dispatch_float("sgd_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    sgd_typed<T>(p.ptr<T>(), g.ptr<T>(), s.momentum != 0 ? buf.ptr<T>() : nullptr, p.numel(), s);
  });
}
TL_REGISTER_KERNEL(sgd_step_op, CPU, sgd_step_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
