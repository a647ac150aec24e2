// native/ops/reduce.h — declaration of the reduction op (kernels: native/cpu/reduce.cc,
// native/cuda/reduce.cu).
#pragma once
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_REDUCE_OPS(E) \
  E(Sum) E(Mean) E(Max) E(Min) E(Argmax) E(Argmin)
// clang-format on
TL_ENUM(ReduceOp, TL_REDUCE_OPS)
// input viewed as [outer, r, inner]; out is [outer, inner] (int64 for Argmax/Argmin).
// clang-format off
#define TL_REDUCE_FIELDS(X) \
  X(ReduceOp, op, 0, 0) X(int64_t, outer, 0, kMaxSize) X(int64_t, r, 0, kMaxSize) \
  X(int64_t, inner, 0, kMaxSize)
// clang-format on
TL_PARAMS(ReduceParams, TL_REDUCE_FIELDS)
TL_OP(reduce, "input, out", ReduceParams)

}  // namespace tl
