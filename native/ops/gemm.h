// native/ops/gemm.h — declarations of the matrix products (kernels: native/cpu/gemm.cc,
// native/cuda/gemm.cu).
#pragma once
#include "core/registry.h"

namespace tl {

// Batched: out[b] = alpha * op(input[b]) @ op(other[b]) + beta * out[b]; input is [batch, M, K] (or
// [batch, K, M] if trans_a), other is [batch, K, N] (or [batch, N, K] if trans_b), out is
// [batch, M, N]. A batch stride (elements between batch entries) of 0 broadcasts that operand.
// clang-format off
#define TL_MATMUL_FIELDS(X) \
  X(int64_t, batch, 0, kMaxSize) X(int64_t, M, 0, kMaxSize) X(int64_t, N, 0, kMaxSize) \
  X(int64_t, K, 0, kMaxSize) X(bool, trans_a, 0, 1) X(bool, trans_b, 0, 1) \
  X(int64_t, stride_a, 0, kMaxSize) X(int64_t, stride_b, 0, kMaxSize) \
  X(int64_t, stride_c, 0, kMaxSize) X(double, alpha, -kAnyNumber, kAnyNumber) \
  X(double, beta, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(MatmulParams, TL_MATMUL_FIELDS)
TL_OP(matmul, "input, other, out", MatmulParams)

// out[M,N] = input[M,K] @ weight[N,K]^T + bias[N] (bias may be absent).
TL_OP(linear_forward, "input, weight, bias?, out")

}  // namespace tl
