// native/cuda/dropout.cu — CUDA kernels of dropout_forward / dropout_backward (ops/dropout.h), the
// semantics of native/cpu/dropout.cc bit for bit: the keep decision of unit u = i / L is random.cu's
// Bernoulli draw for counter offset + u (integer hashing, exact u01), and every product and sum is
// rounded in T with explicitly rounded intrinsics (no FMA contraction), as on the CPU.
#include <cmath>
#include <cstdint>

#include "core/counter_rng.h"
#include "core/dispatch.h"
#include "ops/dropout.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

// random.cu's Bernoulli draw of counter c (lane 0) under a hoisted key (core/counter_rng.h).
__device__ __forceinline__ bool keep_unit(uint64_t key, uint64_t c, double q) { return rng_u01(rng_bits(key, c)) < q; }
__device__ __forceinline__ float rmul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double rmul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float radd(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double radd(double a, double b) { return __dadd_rn(a, b); }

constexpr double kSeluAlpha = 1.7580993408473766;

// y = x * (keep ? S : 0) + (alpha ? (keep ? Bk : Bd) : nothing)
template <typename T>
__global__ void dropout_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, int64_t L, uint64_t key,
                               uint64_t off, double q, T S, bool alpha, T Bk, T Bd) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const bool k = keep_unit(key, off + uint64_t(i / L), q);
    const T v = rmul(x[i], k ? S : T(0));
    y[i] = alpha ? radd(v, k ? Bk : Bd) : v;
  }
}

void run(const char* op, const TensorView& x, const TensorView& out, const DropoutParams& p, bool backward) {
  require_cuda(op, {&x, &out});
  if (out.dtype != x.dtype) throw Error(ErrorCode::DType, std::string("torchlet: ") + op + ": dtypes differ");
  if (out.numel() != x.numel()) throw Error(ErrorCode::Shape, std::string("torchlet: ") + op + ": sizes differ");
  if (p.p >= 1) throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + op + ": p must be below 1");
  const int64_t n = x.numel();
  if (n == 0) return;
  const uint64_t key = rng_key(static_cast<uint64_t>(p.seed), 0);
  const bool alpha = p.kind == DropoutKind::Alpha;
  const double a = alpha ? 1.0 / std::sqrt((kSeluAlpha * kSeluAlpha * p.p + 1) * (1 - p.p)) : 1.0 / (1.0 - p.p);
  dispatch_float(op, x.dtype, [&](auto z) {
    using T = decltype(z);
    const T Aa = T(kSeluAlpha * a), Aap = T(kSeluAlpha * a * p.p);
    const T Bk = T(T(0) * Aa) + Aap, Bd = T(T(-1) * Aa) + Aap;  // host: plain IEEE operations, as the CPU
    cuda::launch<dropout_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), x.ptr<T>(), out.ptr<T>(), n, p.L,
                                    key, static_cast<uint64_t>(p.offset), 1.0 - p.p, T(a), alpha && !backward, Bk, Bd);
    TL_CUDA_LAUNCH_CHECK(op);
  });
}
void dropout_forward_cuda(const TensorView& x, const TensorView& out, const DropoutParams& p) {
  run("dropout_forward", x, out, p, false);
}
void dropout_backward_cuda(const TensorView& g, const TensorView& dx, const DropoutParams& p) {
  run("dropout_backward", g, dx, p, true);
}
TL_REGISTER_KERNEL(dropout_forward_op, CUDA, dropout_forward_cuda, kFloatTypes);
TL_REGISTER_KERNEL(dropout_backward_op, CUDA, dropout_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
