// native/ops/optim.h — declarations of the optimizer steps (kernels: native/cpu/optim.cc,
// native/cuda/optim.cu). In place on param and the state tensors; grad has param's shape and dtype.
#pragma once
#include <cmath>
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// step: the 1-based step count after increment; decoupled = AdamW; maxExpAvgSq used if amsgrad.
// clang-format off
#define TL_ADAM_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, beta1, 0, 1) X(double, beta2, 0, 1) \
  X(double, eps, 0, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(int64_t, step, 1, kMaxSize) X(bool, amsgrad, 0, 1) X(bool, decoupled, 0, 1) \
  X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(AdamParams, TL_ADAM_FIELDS)
TL_OP(adam_step, "param, grad, expAvg, expAvgSq, maxExpAvgSq?", AdamParams)
inline void check_adam_step(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                            const TensorView& vmax, const AdamParams& a) {
  check_like("adam_step", "grad", g, "param", p);
  check_like("adam_step", "expAvg", m, "param", p);
  check_like("adam_step", "expAvgSq", v, "param", p);
  if (a.amsgrad) {
    check_present("adam_step", "maxExpAvgSq", vmax);
    check_like("adam_step", "maxExpAvgSq", vmax, "param", p);
  }
}
TL_OP_CHECK(adam_step, check_adam_step)

// momentumBuffer may be absent when momentum is 0.
// clang-format off
#define TL_SGD_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, momentum, -kAnyNumber, kAnyNumber) \
  X(double, dampening, -kAnyNumber, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(bool, nesterov, 0, 1) X(bool, first_step, 0, 1) X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(SgdParams, TL_SGD_FIELDS)
TL_OP(sgd_step, "param, grad, momentumBuffer?", SgdParams)
inline void check_sgd_step(const TensorView& p, const TensorView& g, const TensorView& buf, const SgdParams& s) {
  check_like("sgd_step", "grad", g, "param", p);
  if (s.momentum != 0) {
    check_present("sgd_step", "momentumBuffer", buf);
    check_like("sgd_step", "momentumBuffer", buf, "param", p);
  }
}
TL_OP_CHECK(sgd_step, check_sgd_step)

// RMSprop; gradAvg used if centered, momentumBuffer if momentum > 0.
// clang-format off
#define TL_RMSPROP_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, alpha, -kAnyNumber, kAnyNumber) \
  X(double, eps, -kAnyNumber, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(double, momentum, -kAnyNumber, kAnyNumber) X(bool, centered, 0, 1) X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(RmspropParams, TL_RMSPROP_FIELDS)
TL_OP(rmsprop_step, "param, grad, squareAvg, gradAvg?, momentumBuffer?", RmspropParams)
inline void check_rmsprop_step(const TensorView& p, const TensorView& g, const TensorView& sq, const TensorView& ga,
                               const TensorView& buf, const RmspropParams& a) {
  check_like("rmsprop_step", "grad", g, "param", p);
  check_like("rmsprop_step", "squareAvg", sq, "param", p);
  if (a.centered) {
    check_present("rmsprop_step", "gradAvg", ga);
    check_like("rmsprop_step", "gradAvg", ga, "param", p);
  }
  if (a.momentum > 0) {
    check_present("rmsprop_step", "momentumBuffer", buf);
    check_like("rmsprop_step", "momentumBuffer", buf, "param", p);
  }
}
TL_OP_CHECK(rmsprop_step, check_rmsprop_step)

// Adagrad; step: the 1-based step count after increment (clr = lr / (1 + (step - 1) * lrDecay)).
// clang-format off
#define TL_ADAGRAD_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, lr_decay, -kAnyNumber, kAnyNumber) \
  X(double, eps, -kAnyNumber, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(int64_t, step, 1, kMaxSize) X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(AdagradParams, TL_ADAGRAD_FIELDS)
TL_OP(adagrad_step, "param, grad, sum", AdagradParams)
inline void check_adagrad_step(const TensorView& p, const TensorView& g, const TensorView& sum, const AdagradParams&) {
  check_like("adagrad_step", "grad", g, "param", p);
  check_like("adagrad_step", "sum", sum, "param", p);
}
TL_OP_CHECK(adagrad_step, check_adagrad_step)

// Adadelta.
// clang-format off
#define TL_ADADELTA_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, rho, -kAnyNumber, kAnyNumber) \
  X(double, eps, -kAnyNumber, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(AdadeltaParams, TL_ADADELTA_FIELDS)
TL_OP(adadelta_step, "param, grad, squareAvg, accDelta", AdadeltaParams)
inline void check_adadelta_step(const TensorView& p, const TensorView& g, const TensorView& sq, const TensorView& acc,
                                const AdadeltaParams&) {
  check_like("adadelta_step", "grad", g, "param", p);
  check_like("adadelta_step", "squareAvg", sq, "param", p);
  check_like("adadelta_step", "accDelta", acc, "param", p);
}
TL_OP_CHECK(adadelta_step, check_adadelta_step)

// Adamax; step: the 1-based step count after increment.
// clang-format off
#define TL_ADAMAX_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, beta1, -kAnyNumber, kAnyNumber) \
  X(double, beta2, -kAnyNumber, kAnyNumber) X(double, eps, -kAnyNumber, kAnyNumber) \
  X(double, weight_decay, -kAnyNumber, kAnyNumber) X(int64_t, step, 1, kMaxSize) X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(AdamaxParams, TL_ADAMAX_FIELDS)
TL_OP(adamax_step, "param, grad, expAvg, expInf", AdamaxParams)
inline void check_adamax_step(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& u,
                              const AdamaxParams&) {
  check_like("adamax_step", "grad", g, "param", p);
  check_like("adamax_step", "expAvg", m, "param", p);
  check_like("adamax_step", "expInf", u, "param", p);
}
TL_OP_CHECK(adamax_step, check_adamax_step)

// NAdam; step: the 1-based step count after increment; gradCoef = -lr (1 - mu) / (1 - muProduct) and
// avgCoef = -lr muNext / (1 - muProductNext), from the momentum schedule kept in JS (lib/optim/nadam.ts).
// clang-format off
#define TL_NADAM_FIELDS(X) \
  X(double, beta1, -kAnyNumber, kAnyNumber) X(double, beta2, -kAnyNumber, kAnyNumber) \
  X(double, eps, -kAnyNumber, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(int64_t, step, 1, kMaxSize) X(double, grad_coef, -kAnyNumber, kAnyNumber) \
  X(double, avg_coef, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(NadamParams, TL_NADAM_FIELDS)
TL_OP(nadam_step, "param, grad, expAvg, expAvgSq", NadamParams)
inline void check_nadam_step(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                             const NadamParams&) {
  check_like("nadam_step", "grad", g, "param", p);
  check_like("nadam_step", "expAvg", m, "param", p);
  check_like("nadam_step", "expAvgSq", v, "param", p);
}
TL_OP_CHECK(nadam_step, check_nadam_step)

// RAdam; step: the 1-based step count after increment.
// clang-format off
#define TL_RADAM_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, beta1, -kAnyNumber, kAnyNumber) \
  X(double, beta2, -kAnyNumber, kAnyNumber) X(double, eps, -kAnyNumber, kAnyNumber) \
  X(double, weight_decay, -kAnyNumber, kAnyNumber) X(int64_t, step, 1, kMaxSize)
// clang-format on
TL_PARAMS(RadamParams, TL_RADAM_FIELDS)
TL_OP(radam_step, "param, grad, expAvg, expAvgSq", RadamParams)
inline void check_radam_step(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                             const RadamParams&) {
  check_like("radam_step", "grad", g, "param", p);
  check_like("radam_step", "expAvg", m, "param", p);
  check_like("radam_step", "expAvgSq", v, "param", p);
}
TL_OP_CHECK(radam_step, check_radam_step)

// ---- step constants, computed on the host once per step by the CPU and the CUDA kernels alike (the
// same code, so both devices round them identically); T is the parameter's dtype. Scalars are
// rounded to T where PyTorch's tensor ops round their Python-float arguments.
template <typename T>
struct RmspropConsts {
  T neg_lr, alpha, one_minus_alpha, eps, wd, mom;
  bool has_wd, centered, has_mom, maximize;
};
template <typename T>
RmspropConsts<T> rmsprop_consts(const RmspropParams& a) {
  return {T(-a.lr),      T(a.alpha),          T(1.0 - a.alpha), T(a.eps),       T(a.weight_decay),
          T(a.momentum), a.weight_decay != 0, a.centered,       a.momentum > 0, a.maximize};
}
template <typename T>
struct AdagradConsts {
  T neg_clr, eps, wd;
  bool has_wd, maximize;
};
template <typename T>
AdagradConsts<T> adagrad_consts(const AdagradParams& a) {
  const double clr = a.lr / (1.0 + double(a.step - 1) * a.lr_decay);
  return {T(-clr), T(a.eps), T(a.weight_decay), a.weight_decay != 0, a.maximize};
}
template <typename T>
struct AdadeltaConsts {
  T neg_lr, rho, one_minus_rho, eps, wd;
  bool has_wd, maximize;
};
template <typename T>
AdadeltaConsts<T> adadelta_consts(const AdadeltaParams& a) {
  return {T(-a.lr), T(a.rho), T(1.0 - a.rho), T(a.eps), T(a.weight_decay), a.weight_decay != 0, a.maximize};
}
template <typename T>
struct AdamaxConsts {
  T neg_clr, b1, one_minus_b1, b2, eps, wd;
  bool has_wd, maximize;
};
template <typename T>
AdamaxConsts<T> adamax_consts(const AdamaxParams& a) {
  const double clr = a.lr / (1.0 - std::pow(a.beta1, double(a.step)));
  return {T(-clr),  T(a.beta1),        T(1.0 - a.beta1),    T(a.beta2),
          T(a.eps), T(a.weight_decay), a.weight_decay != 0, a.maximize};
}
template <typename T>
struct NadamConsts {
  T b1, one_minus_b1, b2, one_minus_b2, bc2, eps, wd, grad_coef, avg_coef;
  bool has_wd;
};
template <typename T>
NadamConsts<T> nadam_consts(const NadamParams& a) {
  const double bc2 = 1.0 - std::pow(a.beta2, double(a.step));
  return {T(a.beta1), T(1.0 - a.beta1),  T(a.beta2),     T(1.0 - a.beta2), T(bc2),
          T(a.eps),   T(a.weight_decay), T(a.grad_coef), T(a.avg_coef),    a.weight_decay != 0};
}
template <typename T>
struct RadamConsts {
  T lr, b1, one_minus_b1, b2, one_minus_b2, bc1, eps, wd, adapt_num, rect;
  bool has_wd, rectified;
};
// The variance rectification of RAdam: applied when rho_t > 5 (rect and sqrt(bc2) only then).
template <typename T>
RadamConsts<T> radam_consts(const RadamParams& a) {
  const double step = double(a.step);
  const double bc1 = 1.0 - std::pow(a.beta1, step);
  const double bc2 = 1.0 - std::pow(a.beta2, step);
  const double rho_inf = 2.0 / (1.0 - a.beta2) - 1.0;
  const double rho_t = rho_inf - 2.0 * step * std::pow(a.beta2, step) / bc2;
  const bool rectified = rho_t > 5.0;
  const double rect =
      rectified ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 1.0;
  return {T(a.lr),  T(a.beta1),        T(1.0 - a.beta1),  T(a.beta2), T(1.0 - a.beta2),    T(bc1),
          T(a.eps), T(a.weight_decay), T(std::sqrt(bc2)), T(rect),    a.weight_decay != 0, rectified};
}

// Rprop (no step count: the step sizes carry the state); etaminus/etaplus scale stepSize where
// grad * prev < 0 / > 0 (then clamped to [stepSizeMin, stepSizeMax]); where grad * prev < 0 the
// gradient counts as 0 (no move, prev = 0).
// clang-format off
#define TL_RPROP_FIELDS(X) \
  X(double, etaminus, -kAnyNumber, kAnyNumber) X(double, etaplus, -kAnyNumber, kAnyNumber) \
  X(double, step_size_min, -kAnyNumber, kAnyNumber) X(double, step_size_max, -kAnyNumber, kAnyNumber) \
  X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(RpropParams, TL_RPROP_FIELDS)
TL_OP(rprop_step, "param, grad, prev, stepSize", RpropParams)
inline void check_rprop_step(const TensorView& p, const TensorView& g, const TensorView& prev, const TensorView& ss,
                             const RpropParams&) {
  check_like("rprop_step", "grad", g, "param", p);
  check_like("rprop_step", "prev", prev, "param", p);
  check_like("rprop_step", "stepSize", ss, "param", p);
}
TL_OP_CHECK(rprop_step, check_rprop_step)

// ASGD; eta and mu: the values of the state before this step (PyTorch's float32 0-d tensors, kept in
// JS, lib/optim/rprop.ts); ax is averaged (ax += (param - ax) mu) when mu != 1, else set to param.
// clang-format off
#define TL_ASGD_FIELDS(X) \
  X(double, lambd, -kAnyNumber, kAnyNumber) X(double, eta, -kAnyNumber, kAnyNumber) \
  X(double, weight_decay, -kAnyNumber, kAnyNumber) X(double, mu, -kAnyNumber, kAnyNumber) X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(AsgdParams, TL_ASGD_FIELDS)
TL_OP(asgd_step, "param, grad, ax", AsgdParams)
inline void check_asgd_step(const TensorView& p, const TensorView& g, const TensorView& ax, const AsgdParams&) {
  check_like("asgd_step", "grad", g, "param", p);
  check_like("asgd_step", "ax", ax, "param", p);
}
TL_OP_CHECK(asgd_step, check_asgd_step)

template <typename T>
struct RpropConsts {
  T etaminus, etaplus, lo, hi;
  bool maximize;
};
template <typename T>
RpropConsts<T> rprop_consts(const RpropParams& a) {
  return {T(a.etaminus), T(a.etaplus), T(a.step_size_min), T(a.step_size_max), a.maximize};
}
template <typename T>
struct AsgdConsts {
  T decay, neg_eta, wd, mu;
  bool has_wd, average, maximize;
};
// PyTorch: param.mul_(1 - lambd * eta) (the factor in double, then rounded), param.add_(grad, alpha=-eta).
template <typename T>
AsgdConsts<T> asgd_consts(const AsgdParams& a) {
  return {T(1.0 - a.lambd * a.eta), T(-a.eta),   T(a.weight_decay), T(a.mu),
          a.weight_decay != 0,      a.mu != 1.0, a.maximize};
}

}  // namespace tl
