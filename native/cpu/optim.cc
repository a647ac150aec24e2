// native/cpu/optim.cc — fused optimizer steps, in place, following torch.optim's formulas
// (single-tensor "foreach=False" path) and their operation order: Adam/AdamW with L2 or decoupled
// weight decay, amsgrad, maximize; SGD with momentum, dampening, Nesterov, weight decay, maximize;
// RMSprop (centered, momentum), Adagrad (lr decay), Adadelta, Adamax, NAdam, RAdam (step constants
// from native/ops/optim.h, shared with the CUDA kernels).
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

// p, sq, ga?, buf? [n] updated in place from g [n]
template <typename T>
void rmsprop_typed(T* p, const T* g, T* sq, T* ga, T* buf, int64_t n, const RmspropConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = k.maximize ? -g[i] : g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        const T s = sq[i] * k.alpha + k.one_minus_alpha * gi * gi;
        sq[i] = s;
        T avg;
        if (k.centered) {
          const T a = ga[i] * k.alpha + k.one_minus_alpha * gi;
          ga[i] = a;
          avg = std::sqrt(s - a * a);
        } else {
          avg = std::sqrt(s);
        }
        avg = avg + k.eps;
        if (k.has_mom) {
          const T b = buf[i] * k.mom + gi / avg;
          buf[i] = b;
          p[i] = p[i] + k.neg_lr * b;
        } else {
          p[i] = p[i] + k.neg_lr * gi / avg;
        }
      });
}
void rmsprop_step_cpu(const TensorView& p, const TensorView& g, const TensorView& sq, const TensorView& ga,
                      const TensorView& buf, const RmspropParams& a) {
  dispatch_float("rmsprop_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    rmsprop_typed<T>(p.ptr<T>(), g.ptr<T>(), sq.ptr<T>(), a.centered ? ga.ptr<T>() : nullptr,
                     a.momentum > 0 ? buf.ptr<T>() : nullptr, p.numel(), rmsprop_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(rmsprop_step_op, CPU, rmsprop_step_cpu, kFloatTypes);

// p, sum [n] updated in place from g [n]
template <typename T>
void adagrad_typed(T* p, const T* g, T* sum, int64_t n, const AdagradConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = k.maximize ? -g[i] : g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        const T s = sum[i] + gi * gi;
        sum[i] = s;
        const T std_ = std::sqrt(s) + k.eps;
        p[i] = p[i] + k.neg_clr * gi / std_;
      });
}
void adagrad_step_cpu(const TensorView& p, const TensorView& g, const TensorView& sum, const AdagradParams& a) {
  dispatch_float("adagrad_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    adagrad_typed<T>(p.ptr<T>(), g.ptr<T>(), sum.ptr<T>(), p.numel(), adagrad_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(adagrad_step_op, CPU, adagrad_step_cpu, kFloatTypes);

// p, sq, acc [n] updated in place from g [n]
template <typename T>
void adadelta_typed(T* p, const T* g, T* sq, T* acc, int64_t n, const AdadeltaConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = k.maximize ? -g[i] : g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        const T s = sq[i] * k.rho + k.one_minus_rho * gi * gi;
        sq[i] = s;
        const T std_ = std::sqrt(s + k.eps);
        const T delta = std::sqrt(acc[i] + k.eps) / std_ * gi;
        acc[i] = acc[i] * k.rho + k.one_minus_rho * delta * delta;
        p[i] = p[i] + k.neg_lr * delta;
      });
}
void adadelta_step_cpu(const TensorView& p, const TensorView& g, const TensorView& sq, const TensorView& acc,
                       const AdadeltaParams& a) {
  dispatch_float("adadelta_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    adadelta_typed<T>(p.ptr<T>(), g.ptr<T>(), sq.ptr<T>(), acc.ptr<T>(), p.numel(), adadelta_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(adadelta_step_op, CPU, adadelta_step_cpu, kFloatTypes);

// p, m, u [n] updated in place from g [n]; u = max(u * beta2, |g| + eps), NaN propagated (torch.amax)
template <typename T>
void adamax_typed(T* p, const T* g, T* m, T* u, int64_t n, const AdamaxConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = k.maximize ? -g[i] : g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        const T mi = m[i] * k.b1 + k.one_minus_b1 * gi;
        m[i] = mi;
        const T a = u[i] * k.b2;
        const T b = std::fabs(gi) + k.eps;
        const T ui = (a > b || a != a) ? a : b;
        u[i] = ui;
        p[i] = p[i] + k.neg_clr * mi / ui;
      });
}
void adamax_step_cpu(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& u,
                     const AdamaxParams& a) {
  dispatch_float("adamax_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    adamax_typed<T>(p.ptr<T>(), g.ptr<T>(), m.ptr<T>(), u.ptr<T>(), p.numel(), adamax_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(adamax_step_op, CPU, adamax_step_cpu, kFloatTypes);

// p, m, v [n] updated in place from g [n]
template <typename T>
void nadam_typed(T* p, const T* g, T* m, T* v, int64_t n, const NadamConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        const T mi = m[i] * k.b1 + k.one_minus_b1 * gi;
        m[i] = mi;
        const T vi = v[i] * k.b2 + k.one_minus_b2 * gi * gi;
        v[i] = vi;
        const T denom = std::sqrt(vi / k.bc2) + k.eps;
        const T pi = p[i] + k.grad_coef * gi / denom;
        p[i] = pi + k.avg_coef * mi / denom;
      });
}
void nadam_step_cpu(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                    const NadamParams& a) {
  dispatch_float("nadam_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    nadam_typed<T>(p.ptr<T>(), g.ptr<T>(), m.ptr<T>(), v.ptr<T>(), p.numel(), nadam_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(nadam_step_op, CPU, nadam_step_cpu, kFloatTypes);

// p, m, v [n] updated in place from g [n]
template <typename T>
void radam_typed(T* p, const T* g, T* m, T* v, int64_t n, const RadamConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        const T mi = m[i] * k.b1 + k.one_minus_b1 * gi;
        m[i] = mi;
        const T vi = v[i] * k.b2 + k.one_minus_b2 * gi * gi;
        v[i] = vi;
        const T bcm = mi / k.bc1;
        T upd;
        if (k.rectified) {
          const T adaptive = k.adapt_num / (std::sqrt(vi) + k.eps);
          upd = bcm * k.lr * adaptive * k.rect;
        } else {
          upd = bcm * k.lr;
        }
        p[i] = p[i] - upd;
      });
}
void radam_step_cpu(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                    const RadamParams& a) {
  dispatch_float("radam_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    radam_typed<T>(p.ptr<T>(), g.ptr<T>(), m.ptr<T>(), v.ptr<T>(), p.numel(), radam_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(radam_step_op, CPU, radam_step_cpu, kFloatTypes);

// p, prev, ss [n] updated in place from g [n]. PyTorch: sign = sign(g * prev) mapped to etaplus /
// etaminus / 1 (sign(NaN) is 0 there: a NaN product keeps the step size), stepSize *= that, clamped
// (NaN kept); g = 0 where the product is < 0; p -= sign(g) * stepSize (sign(NaN) = 0); prev = g.
template <typename T>
void rprop_typed(T* p, const T* g, T* prev, T* ss, int64_t n, const RpropConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = k.maximize ? -g[i] : g[i];
        const T prod = gi * prev[i];
        T s = ss[i];
        if (prod > T(0)) {
          s = s * k.etaplus;
        } else if (prod < T(0)) {
          s = s * k.etaminus;
          gi = T(0);
        }
        s = s < k.lo ? k.lo : s;
        s = k.hi < s ? k.hi : s;
        ss[i] = s;
        const T sg = T(int(T(0) < gi) - int(gi < T(0)));
        p[i] = p[i] + (-sg) * s;
        prev[i] = gi;
      });
}
void rprop_step_cpu(const TensorView& p, const TensorView& g, const TensorView& prev, const TensorView& ss,
                    const RpropParams& a) {
  dispatch_float("rprop_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    rprop_typed<T>(p.ptr<T>(), g.ptr<T>(), prev.ptr<T>(), ss.ptr<T>(), p.numel(), rprop_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(rprop_step_op, CPU, rprop_step_cpu, kFloatTypes);

// p, ax [n] updated in place from g [n]
template <typename T>
void asgd_typed(T* p, const T* g, T* ax, int64_t n, const AsgdConsts<T> k) {
  TL_PAR_FOR_SIMD(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        T gi = k.maximize ? -g[i] : g[i];
        if (k.has_wd) gi = gi + k.wd * p[i];
        T pi = p[i] * k.decay;
        pi = pi + k.neg_eta * gi;
        p[i] = pi;
        ax[i] = k.average ? ax[i] + (pi - ax[i]) * k.mu : pi;
      });
}
void asgd_step_cpu(const TensorView& p, const TensorView& g, const TensorView& ax, const AsgdParams& a) {
  dispatch_float("asgd_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    asgd_typed<T>(p.ptr<T>(), g.ptr<T>(), ax.ptr<T>(), p.numel(), asgd_consts<T>(a));
  });
}
TL_REGISTER_KERNEL(asgd_step_op, CPU, asgd_step_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
