// native/cuda/gemm.cu — CUDA kernels matmul_op and linear_forward_op (float32 and float64; other
// dtypes or mixed dtypes throw tl::Error(Invalid)), same semantics as native/cpu/gemm.cc:
//   matmul: C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b] for b < batch, A [batch, M, K] (or
//           [batch, K, M] if trans_a), B [batch, K, N] (or [batch, N, K] if trans_b), C [batch, M, N];
//           a batch stride of 0 broadcasts that operand; beta == 0 never reads C.
//   linear: y [M, N] = x [M, K] @ w [N, K]^T + bias [N] (bias.data may be nullptr).
// Both run the internal tiled GEMM of gemm.cuh (own kernels, no cuBLAS, no TF32; deterministic).
#include <string>

#include "core/dispatch.h"
#include "ops/gemm.h"
#include "cuda/gemm.cuh"

namespace tl {
namespace cuda {
namespace {

void check_float(const char* op, DType d) {
  if (d != DType::F32 && d != DType::F64)
    throw Error(ErrorCode::DType,
                std::string("torchlet: ") + op + " supports float32 and float64, got " + dtype_name(d));
}

template <typename T, bool TA, bool TB>
void matmul_t(const TensorView& a, const TensorView& b, const TensorView& c, const MatmulParams& p) {
  // op(A)[i][k]: A[i*K + k], or A[k*M + i] if trans_a; op(B)[k][j]: B[k*N + j], or B[j*K + k] if trans_b.
  const gemm::Strided<T, !TA> la{a.ptr<T>(), p.stride_a, TA ? 1 : p.K, TA ? p.M : 1};
  const gemm::Strided<T, TB> lb{b.ptr<T>(), p.stride_b, TB ? p.K : 1, TB ? 1 : p.N};
  const gemm::DenseC<T> cs{c.ptr<T>(), p.stride_c, p.N, nullptr};
  gemm::run<T>(p.batch, p.M, p.N, p.K, static_cast<T>(p.alpha), static_cast<T>(p.beta), la, lb, cs, "matmul");
}

template <typename T>
void matmul_impl(const TensorView& a, const TensorView& b, const TensorView& c, const MatmulParams& p) {
  if (p.trans_a) {
    if (p.trans_b)
      matmul_t<T, true, true>(a, b, c, p);
    else
      matmul_t<T, true, false>(a, b, c, p);
  } else {
    if (p.trans_b)
      matmul_t<T, false, true>(a, b, c, p);
    else
      matmul_t<T, false, false>(a, b, c, p);
  }
}

void matmul_cuda(const TensorView& a, const TensorView& b, const TensorView& c, const MatmulParams& p) {
  check_float("matmul", a.dtype);
  if (b.dtype != a.dtype || c.dtype != a.dtype)
    throw Error(ErrorCode::DType, "torchlet: matmul operands must share one dtype");
  if (a.dtype == DType::F32)
    matmul_impl<float>(a, b, c, p);
  else
    matmul_impl<double>(a, b, c, p);
}
TL_REGISTER_KERNEL(matmul_op, CUDA, matmul_cuda, kFloatTypes);

template <typename T>
void linear_impl(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y) {
  const int64_t N = w.shape.at(0), K = w.shape.at(1);
  const int64_t M = K > 0 ? x.numel() / K : y.numel() / std::max<int64_t>(N, 1);
  const gemm::Strided<T, true> la{x.ptr<T>(), 0, K, 1};
  const gemm::Strided<T, true> lb{w.ptr<T>(), 0, K, 1};
  const gemm::DenseC<T> cs{y.ptr<T>(), 0, N, bias.data ? bias.ptr<T>() : nullptr};
  gemm::run<T>(1, M, N, K, T(1), T(0), la, lb, cs, "linear");
}

void linear_forward_cuda(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y) {
  check_float("linear", x.dtype);
  if (w.dtype != x.dtype || y.dtype != x.dtype || (bias.data && bias.dtype != x.dtype))
    throw Error(ErrorCode::DType, "torchlet: linear operands must share one dtype");
  if (x.dtype == DType::F32)
    linear_impl<float>(x, w, bias, y);
  else
    linear_impl<double>(x, w, bias, y);
}
TL_REGISTER_KERNEL(linear_forward_op, CUDA, linear_forward_cuda, kFloatTypes);

}  // namespace
}  // namespace cuda
}  // namespace tl
