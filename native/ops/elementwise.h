// native/ops/elementwise.h — declarations of the elementwise ops (kernels: native/cpu/elementwise.cc,
// native/cuda/elementwise.cu): strided copy with dtype conversion, fill, broadcasting binary ops,
// unary ops and their backward. Buffers are contiguous unless the parameters carry strides; a strided
// operand is passed as [storage, offset, [span]] (span: the elements its strides reach).
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// out[out_strides] <- src[src_strides] with dtype conversion, over `shape`; empty out_strides: out is
// contiguous of that shape.
// clang-format off
#define TL_COPY_STRIDED_FIELDS(X) \
  X(std::vector<int64_t>, src_strides, -kMaxSize, kMaxSize) \
  X(std::vector<int64_t>, out_strides, -kMaxSize, kMaxSize) \
  X(std::vector<int64_t>, shape, 0, kMaxSize)
// clang-format on
TL_PARAMS(CopyStridedParams, TL_COPY_STRIDED_FIELDS)
TL_OP(copy_strided, "src, out", CopyStridedParams)
inline void check_copy_strided(const TensorView& src, const TensorView& out, const CopyStridedParams& p) {
  check_strided("copy_strided", "src", src, p.shape, p.src_strides);
  if (p.out_strides.empty())
    check_numel("copy_strided", "out", out, checked_numel("copy_strided", p.shape));
  else
    check_strided("copy_strided", "out", out, p.shape, p.out_strides);
}
TL_OP_CHECK(copy_strided, check_copy_strided)

// clang-format off
#define TL_FILL_FIELDS(X) \
  X(double, value, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(FillParams, TL_FILL_FIELDS)
TL_OP(fill, "out", FillParams)

// out[i] = start + i * step, computed in double (the product rounded, then the sum: never fused),
// then converted to out's dtype as a cast does: torch.arange without a JS array.
#define TL_ARANGE_FIELDS(X) X(double, start, -kAnyNumber, kAnyNumber) X(double, step, -kAnyNumber, kAnyNumber)
TL_PARAMS(ArangeParams, TL_ARANGE_FIELDS)
TL_OP(arange, "out", ArangeParams)

// clang-format off
#define TL_BINARY_OPS(E) \
  E(Add) E(Sub) E(Mul) E(Div) E(Pow) E(Eq) E(Ne) E(Lt) E(Le) E(Gt) E(Ge) E(Maximum) E(Minimum) E(AddRelu)
// clang-format on
TL_ENUM(BinaryOp, TL_BINARY_OPS)
// out[i] = input[ia] op other[ib] over out.shape with broadcast strides (0 on broadcast dims); AddRelu:
// relu(input + other) (a frozen residual block's add -> ReLU, lib/jit.ts).
// input and other share a dtype; out has that dtype, or uint8 for comparisons.
// clang-format off
#define TL_BINARY_FIELDS(X) \
  X(BinaryOp, op, 0, 0) X(std::vector<int64_t>, input_strides, -kMaxSize, kMaxSize) \
  X(std::vector<int64_t>, other_strides, -kMaxSize, kMaxSize)
// clang-format on
TL_PARAMS(BinaryParams, TL_BINARY_FIELDS)
TL_OP(binary, "input, other, out", BinaryParams)
// input and other are strided windows read over out's shape; out is contiguous (uint8 for comparisons).
inline void check_binary(const TensorView& a, const TensorView& b, const TensorView& out, const BinaryParams& p) {
  check_dtype("binary", "other", b, a.dtype);
  check_dtype("binary", "out", out, p.op >= BinaryOp::Eq && p.op <= BinaryOp::Ge ? DType::U8 : a.dtype);
  check_strided("binary", "input", a, out.shape, p.input_strides);
  check_strided("binary", "other", b, out.shape, p.other_strides);
}
TL_OP_CHECK(binary, check_binary)

// clang-format off
#define TL_UNARY_OPS(E) \
  E(Neg) E(Exp) E(Log) E(Sqrt) E(Abs) E(Relu) E(Sigmoid) E(Tanh) E(AddScalar) E(MulScalar) \
  E(PowScalar) E(RsubScalar) E(RdivScalar)
// clang-format on
TL_ENUM(UnaryOp, TL_UNARY_OPS)
// out = f(input, scalar) on contiguous buffers of one dtype.
// clang-format off
#define TL_UNARY_FIELDS(X) \
  X(UnaryOp, op, 0, 0) X(double, scalar, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(UnaryParams, TL_UNARY_FIELDS)
TL_OP(unary, "input, out", UnaryParams)
inline void check_unary(const TensorView& a, const TensorView& out, const UnaryParams&) {
  check_like("unary", "out", out, "input", a);
}
TL_OP_CHECK(unary, check_unary)

// clang-format off
#define TL_UNARY_BACKWARD_OPS(E) \
  E(Relu) E(Sigmoid) E(Tanh)
// clang-format on
TL_ENUM(UnaryBackwardOp, TL_UNARY_BACKWARD_OPS)
// gradInput = gradOutput * f'(input), where input is the op's input (Relu) or output (Sigmoid, Tanh).
// clang-format off
#define TL_UNARY_BACKWARD_FIELDS(X) \
  X(UnaryBackwardOp, op, 0, 0)
// clang-format on
TL_PARAMS(UnaryBackwardParams, TL_UNARY_BACKWARD_FIELDS)
TL_OP(unary_backward, "input, gradOutput, gradInput", UnaryBackwardParams)
inline void check_unary_backward(const TensorView& t, const TensorView& dy, const TensorView& dx,
                                 const UnaryBackwardParams&) {
  check_like("unary_backward", "gradOutput", dy, "input", t);
  check_like("unary_backward", "gradInput", dx, "input", t);
}
TL_OP_CHECK(unary_backward, check_unary_backward)

}  // namespace tl
