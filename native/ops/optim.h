// native/ops/optim.h — declarations of the optimizer steps (kernels: native/cpu/optim.cc,
// native/cuda/optim.cu). In place on param and the state tensors; grad has param's shape and dtype.
#pragma once
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

}  // namespace tl
