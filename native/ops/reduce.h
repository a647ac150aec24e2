// native/ops/reduce.h — declaration of the reduction op (kernels: native/cpu/reduce.cc,
// native/cuda/reduce.cu).
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// clang-format off
#define TL_REDUCE_OPS(E) \
  E(Sum) E(Mean) E(Max) E(Min) E(Argmax) E(Argmin) E(Prod)
// clang-format on
TL_ENUM(ReduceOp, TL_REDUCE_OPS)
// input viewed as [outer, r, inner]; out is [outer, inner]: int64 for Argmax/Argmin; for Sum (and Mean)
// of an integer input (uint8, int32, int64) int64 too, accumulated and written without a widened copy of
// the input; otherwise the input's dtype. Prod: the product (accumulated as Sum is, in double or int64;
// 1 over an empty axis), of the same output dtype as Sum. Max/Min/Argmax/Argmin need r >= 1 (when there
// are outputs).
// clang-format off
#define TL_REDUCE_FIELDS(X) \
  X(ReduceOp, op, 0, 0) X(int64_t, outer, 0, kMaxSize) X(int64_t, r, 0, kMaxSize) \
  X(int64_t, inner, 0, kMaxSize)
// clang-format on
TL_PARAMS(ReduceParams, TL_REDUCE_FIELDS)
TL_OP(reduce, "input, out", ReduceParams)
inline void check_reduce(const TensorView& x, const TensorView& out, const ReduceParams& p) {
  const int64_t outputs = checked_mul("reduce", p.outer, p.inner);
  check_numel("reduce", "input", x, checked_mul("reduce", outputs, p.r));
  check_numel("reduce", "out", out, outputs);
  const bool index = p.op == ReduceOp::Argmax || p.op == ReduceOp::Argmin;
  const bool integer = x.dtype != DType::F32 && x.dtype != DType::F64;
  const bool sum = p.op == ReduceOp::Sum || p.op == ReduceOp::Mean || p.op == ReduceOp::Prod;
  check_dtype("reduce", "out", out, index || (sum && integer) ? DType::I64 : x.dtype);
  if (!sum && p.r == 0 && outputs > 0)
    check_fail(ErrorCode::InvalidArg, "reduce", "max, min, argmax and argmin need a non-empty reduced dimension");
}
TL_OP_CHECK(reduce, check_reduce)

}  // namespace tl
