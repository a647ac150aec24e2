// native/ops/elementwise.h — declarations of the elementwise ops (kernels: native/cpu/elementwise.cc,
// native/cuda/elementwise.cu): strided copy with dtype conversion, fill, broadcasting binary ops,
// unary ops and their backward. Buffers are contiguous unless the parameters carry strides; a strided
// operand is passed as [storage, offset, [span]] (span: the elements its strides reach).
#pragma once
#include <cmath>
#include <type_traits>
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
  E(Add) E(Sub) E(Mul) E(Div) E(Pow) E(Eq) E(Ne) E(Lt) E(Le) E(Gt) E(Ge) E(Maximum) E(Minimum) E(AddRelu) \
  E(Atan2) E(Remainder) E(Fmod) E(DivTrunc) E(DivFloor) E(BitwiseAnd) E(BitwiseOr) E(BitwiseXor) E(LogicalAnd) E(LogicalOr) E(LogicalXor)
// clang-format on
TL_ENUM(BinaryOp, TL_BINARY_OPS)
// Ops whose result is a truth value (uint8 0/1, any input dtype): the comparisons and the logical ops.
inline bool binary_is_predicate(BinaryOp op) {
  return (op >= BinaryOp::Eq && op <= BinaryOp::Ge) || op >= BinaryOp::LogicalAnd;
}
// Ops defined on integer operands only (the TS layer refuses floating ones; a kernel computes 0 there).
inline bool binary_is_bitwise(BinaryOp op) { return op >= BinaryOp::BitwiseAnd && op <= BinaryOp::BitwiseXor; }
// out[i] = input[ia] op other[ib] over out.shape with broadcast strides (0 on broadcast dims); AddRelu:
// relu(input + other) (a frozen residual block's add -> ReLU, lib/jit.ts). Atan2: atan2(input, other);
// Remainder: the remainder with the divisor's sign (Python's %, torch.remainder); Fmod: with the
// dividend's sign (C's fmod / %); an integer divisor of 0 gives 0 (the TS layer refuses it first, as
// PyTorch raises), and INT_MIN % -1 gives 0 (no trap). Bitwise*: on integer dtypes; Logical*: the
// operands' truth (!= 0) combined, uint8 0/1.
// input and other share a dtype; out has that dtype, or uint8 for predicates (binary_is_predicate).
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
  check_dtype("binary", "out", out, binary_is_predicate(p.op) ? DType::U8 : a.dtype);
  check_strided("binary", "input", a, out.shape, p.input_strides);
  check_strided("binary", "other", b, out.shape, p.other_strides);
}
TL_OP_CHECK(binary, check_binary)

// clang-format off
#define TL_UNARY_OPS(E) \
  E(Neg) E(Exp) E(Log) E(Sqrt) E(Abs) E(Relu) E(Sigmoid) E(Tanh) E(AddScalar) E(MulScalar) \
  E(PowScalar) E(RsubScalar) E(RdivScalar) \
  E(Sign) E(Floor) E(Ceil) E(Round) E(Trunc) E(Sin) E(Cos) E(Tan) E(Asin) E(Acos) E(Atan) E(Sinh) E(Cosh) \
  E(Exp2) E(Expm1) E(Log1p) E(Log2) E(Log10) E(Erf) E(Erfinv) E(Rsqrt) E(Reciprocal) \
  E(ClampMin) E(ClampMax) E(BitwiseNot) E(NanTo) E(PosInfTo) E(NegInfTo)
// clang-format on
TL_ENUM(UnaryOp, TL_UNARY_OPS)
// Ops an integer input (int64, int32, uint8) takes; the others need float32/float64.
inline bool unary_int_ok(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Relu:
    case UnaryOp::AddScalar:
    case UnaryOp::MulScalar:
    case UnaryOp::RsubScalar:
    case UnaryOp::Sign:
    case UnaryOp::ClampMin:
    case UnaryOp::ClampMax:
    case UnaryOp::BitwiseNot: return true;
    default: return false;
  }
}
// out = f(input, scalar) on contiguous buffers of one dtype (out may be input: in place). Sign: -1, 0, 1
// (NaN gives 0, as PyTorch's sgn); Round: half to even (nearbyint); Erfinv: PyTorch's rational
// approximation refined by two Newton steps; ClampMin/ClampMax: max(x, s) / min(x, s) with NaN in x
// kept; NanTo/PosInfTo/NegInfTo: NaN / +inf / -inf replaced by s (torch.nan_to_num); BitwiseNot: ~x.
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

// ---- math shared by the CPU and CUDA kernels (host and device) -----------------------------------
#if defined(__CUDACC__)
#define TL_EW_FN __host__ __device__ __forceinline__
#else
#define TL_EW_FN inline
#endif
namespace ew {
// x ** s for a scalar exponent, as PyTorch's pow(Tensor, Scalar) on both its devices: 0 -> 1,
// 1 -> x, 2 -> x * x, 3 -> x * x * x, -2 -> 1 / (x * x), 0.5 -> sqrt, -0.5 -> 1 / sqrt, -1 -> 1 / x,
// else pow. Besides PyTorch's numbers, the CPU and CUDA agree bit for bit on these exponents (CUDA's
// pow is within 2 ulp, glibc's within 1: on the H200 the gradient of x^2, 2 * x.pow(1), was
// 5.999999999999999 for x = 3). pow_kind picks the formula once per call (the CPU kernel runs one
// loop per kind, so each vectorises); pow_by applies it.
enum class PowKind { One, Copy, Square, Cube, Recip, RecipSquare, Sqrt, Rsqrt, General };
// a ** b for integer (and bool) tensors, as PyTorch's powi: exact, wrapping around as the integer type
// does; a negative exponent gives 1 for a = 1, +-1 for a = -1 and 0 otherwise (a = 0 included).
// a / b rounded toward zero and down, as PyTorch's div(rounding_mode='trunc' / 'floor'): integers
// exactly (a zero divisor gives 0, the TS layer refuses it first; INT_MIN / -1 wraps), floating point
// as PyTorch computes it (floor from fmod, so that 7.0 // 0.7 is 9, as in Python; b = 0 gives a / b).
template <typename T>
TL_EW_FN T div_trunc(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    return std::trunc(a / b);
  } else if constexpr (std::is_same<T, bool>::value) {
    return a && b;
  } else {
    if (b == T(0)) return T(0);
    using U = typename std::make_unsigned<T>::type;
    if constexpr (std::is_signed<T>::value)
      if (b == T(-1)) return T(U(0) - U(a));
    return T(a / b);
  }
}
template <typename T>
TL_EW_FN T div_floor(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    if (b == T(0)) return a / b;
    const T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != T(0) && (b < T(0)) != (mod < T(0))) div -= T(1);
    if (div == T(0)) return std::copysign(T(0), a / b);
    T floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
    return floordiv;
  } else {
    T q = div_trunc(a, b);
    if constexpr (std::is_signed<T>::value)
      if (b != T(0) && b != T(-1) && a % b != T(0) && ((a < T(0)) != (b < T(0)))) q = T(q - T(1));
    return q;
  }
}
template <typename T>
TL_EW_FN T powi(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) {
    return a || !b;
  } else {
    if constexpr (std::is_signed<T>::value)
      if (b < T(0)) return a == T(1) ? T(1) : a == T(-1) ? ((b & T(1)) ? T(-1) : T(1)) : T(0);
    using U = typename std::make_unsigned<T>::type;
    U base = U(a), acc = U(1);
    for (uint64_t e = uint64_t(b); e; e >>= 1) {
      if (e & 1) acc = U(acc * base);
      base = U(base * base);
    }
    return T(acc);
  }
}
template <typename T>
TL_EW_FN PowKind pow_kind(T s) {
  if (s == T(0)) return PowKind::One;
  if (s == T(1)) return PowKind::Copy;
  if (s == T(2)) return PowKind::Square;
  if (s == T(3)) return PowKind::Cube;
  if (s == T(-1)) return PowKind::Recip;
  if (s == T(-2)) return PowKind::RecipSquare;
  if (s == T(0.5)) return PowKind::Sqrt;
  if (s == T(-0.5)) return PowKind::Rsqrt;
  return PowKind::General;
}
template <PowKind K, typename T>
TL_EW_FN T pow_by(T x, T s) {
  if constexpr (K == PowKind::One) return T(1);
  if constexpr (K == PowKind::Copy) return x;
  if constexpr (K == PowKind::Square) return x * x;
  if constexpr (K == PowKind::Cube) return x * x * x;
  if constexpr (K == PowKind::Recip) return T(1) / x;
  if constexpr (K == PowKind::RecipSquare) return T(1) / (x * x);
  if constexpr (K == PowKind::Sqrt) return std::sqrt(x);
  if constexpr (K == PowKind::Rsqrt) return T(1) / std::sqrt(x);
  if constexpr (K == PowKind::General) return std::pow(x, s);
}
template <typename T>
TL_EW_FN T pow_scalar(T x, T s) {
  switch (pow_kind(s)) {
    case PowKind::One: return pow_by<PowKind::One>(x, s);
    case PowKind::Copy: return pow_by<PowKind::Copy>(x, s);
    case PowKind::Square: return pow_by<PowKind::Square>(x, s);
    case PowKind::Cube: return pow_by<PowKind::Cube>(x, s);
    case PowKind::Recip: return pow_by<PowKind::Recip>(x, s);
    case PowKind::RecipSquare: return pow_by<PowKind::RecipSquare>(x, s);
    case PowKind::Sqrt: return pow_by<PowKind::Sqrt>(x, s);
    case PowKind::Rsqrt: return pow_by<PowKind::Rsqrt>(x, s);
    default: return pow_by<PowKind::General>(x, s);
  }
}
}  // namespace ew

}  // namespace tl
