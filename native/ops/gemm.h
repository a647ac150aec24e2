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

// Linear for inference from a pre-packed weight (torch.jit.freeze's frozen Linear; CPU kernels only):
// linear_pack_info writes out[0], out[1] (int64) = the element counts of linear_pack_weight's buffer
// for float32 and float64; linear_pack_weight packs weight [N, K] into out (that many elements);
// linear_packed_forward: out[M, N] = input[M, K] @ weight^T + bias[N] (bias may be absent), then ReLU
// when relu, with weight that packed buffer (M = input's elements / K).
#define TL_LINEAR_PACKED_FIELDS(X) X(int64_t, N, 1, kMaxSize) X(int64_t, K, 1, kMaxSize) X(bool, relu, 0, 1)
TL_PARAMS(LinearPackedParams, TL_LINEAR_PACKED_FIELDS)
TL_OP(linear_pack_info, "out", LinearPackedParams)
TL_OP(linear_pack_weight, "weight, out", LinearPackedParams)
TL_OP(linear_packed_forward, "input, weight, bias?, out", LinearPackedParams)

}  // namespace tl
