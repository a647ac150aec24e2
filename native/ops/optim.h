// native/ops/optim.h — declarations of the optimizer steps (kernels: native/cpu/optim.cc,
// native/cuda/optim.cu). In place on param and the state tensors; grad has param's shape and dtype.
#pragma once
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

// momentumBuffer may be absent when momentum is 0.
// clang-format off
#define TL_SGD_FIELDS(X) \
  X(double, lr, -kAnyNumber, kAnyNumber) X(double, momentum, -kAnyNumber, kAnyNumber) \
  X(double, dampening, -kAnyNumber, kAnyNumber) X(double, weight_decay, -kAnyNumber, kAnyNumber) \
  X(bool, nesterov, 0, 1) X(bool, first_step, 0, 1) X(bool, maximize, 0, 1)
// clang-format on
TL_PARAMS(SgdParams, TL_SGD_FIELDS)
TL_OP(sgd_step, "param, grad, momentumBuffer?", SgdParams)

}  // namespace tl
