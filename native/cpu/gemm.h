// native/cpu/gemm.h — torchlet's internal CPU GEMM (float and double), used by matmul, linear and conv.
// Contract: row-major, BLAS-like  C = alpha * op(A) @ op(B) + beta * C  with
//   op(A) = trans_a ? A^T : A   of shape [M, K]   (A is [M, K] with row stride lda, or [K, M] if trans_a)
//   op(B) = trans_b ? B^T : B   of shape [K, N]   (B is [K, N] with row stride ldb, or [N, K] if trans_b)
//   C is [M, N] with row stride ldc.
// When beta == 0, C is write-only (never read, so NaN/garbage in C does not propagate); K == 0 gives
// C = beta * C. `parallel` allows OpenMP threads; it is ignored (serial) inside an active parallel region.
// Implementation: BLIS-style blocking (packed A/B panels, register-blocked micro-kernels); the
// micro-kernel ISA (AVX-512 / AVX2+FMA / SSE2) is chosen at run time, no -march flags needed.
#pragma once
#include <cstdint>

namespace tl {
namespace cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc, bool parallel);

extern template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                 const float*, int64_t, float, float*, int64_t, bool);
extern template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                  const double*, int64_t, double, double*, int64_t, bool);

// Packs a [kc x nr] panel of op(B) for the gemm: dst[k * nr + j] = op(B)[k0 + k][j0 + j] for j < n
// (n <= nr); columns n..nr-1 must be zero-filled. Lets callers (conv) pack straight from their own
// layout (implicit im2col) instead of materialising op(B).
template <typename T>
struct PackB {
  virtual void pack(T* dst, int64_t k0, int64_t kc, int64_t j0, int64_t n, int nr) const = 0;
  virtual ~PackB() = default;
};

// Same as gemm() but op(B) is produced by `packer` (no trans_b / ldb). With `parallel`, pack() is
// called from several threads at once (on disjoint panels), so it must be thread-safe.
template <typename T>
void gemm_packed_b(bool trans_a, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                   const PackB<T>& packer, T beta, T* C, int64_t ldc, bool parallel);

extern template void gemm_packed_b<float>(bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                          const PackB<float>&, float, float*, int64_t, bool);
extern template void gemm_packed_b<double>(bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                           const PackB<double>&, double, double*, int64_t, bool);

// Micro-kernel instruction set: Auto picks the best the CPU supports. Forcing one the CPU lacks
// falls back to Auto. For tests and benchmarks; not thread-safe against concurrent gemm calls.
enum class GemmIsa { Auto = 0, Generic = 1, Avx2 = 2, Avx512 = 3 };
void gemm_set_isa(GemmIsa isa);
const char* gemm_isa_name();  // the ISA in use now: "avx512", "avx2" or "generic"

}  // namespace cpu
}  // namespace tl
