// native/cuda/random.cu — CUDA random_op: the counter-based generator of native/cpu/random.cc, so
// element i of a draw depends only on (seed, offset + i) and CPU and CUDA give the same stream.
//  * the integer hashing (mix64 / draw) and the [0, 1) conversion u01 = (h >> 11) * 2^-53 are the
//    CPU's, bit for bit;
//  * Uniform: a + (b - a) * u and its float32 [a, b) fix-up, computed in double with explicitly
//    rounded operations (__dadd_rn/__dmul_rn: no FMA contraction, which the x86-64 CPU build does
//    not do either) — bit-identical to the CPU;
//  * Bernoulli: (u < a) ? b : 0 — bit-identical;
//  * Normal (Box-Muller, as the CPU: a + b * sqrt(-2 log u1) * cos(2 pi u2), u1 = 1 - u in (0, 1]),
//    with the same operation order and rounding of every step; only log and cos come from CUDA's
//    libdevice (max error 1 ulp for log, 2 ulp for cos in double) instead of glibc (correctly
//    rounded in practice), so a float64 normal may differ from the CPU's by a few ulp of its value
//    (relative ~1e-15) and a float32 one is almost always identical, else 1 float ulp apart.
// Launches are asynchronous on tl::cuda::stream().
#include <cstdint>

#include "core/counter_rng.h"
#include "core/dispatch.h"
#include "ops/random.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

// Two independent 64-bit words for counter c under key seed (core/counter_rng.h, shared with the CPU).
__device__ __forceinline__ uint64_t draw(uint64_t seed, uint64_t c, uint64_t lane) {
  return rng_bits(rng_key(seed, lane), c);
}
__device__ __forceinline__ double u01(uint64_t h) { return rng_u01(h); }  // exact

// out[n]: element i from counter offset + i
template <typename T>
__global__ void random_kernel(RandomKind kind, T* __restrict__ o, int64_t n, double a, double b, uint64_t seed,
                              uint64_t offset) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t c = offset + uint64_t(i);
    switch (kind) {
      case RandomKind::Uniform: {
        const double u = u01(draw(seed, c, 0));
        T v = static_cast<T>(__dadd_rn(a, __dmul_rn(__dsub_rn(b, a), u)));
        if (v >= static_cast<T>(b) && b > a) v = static_cast<T>(a);  // rounding in float32: keep [a, b)
        o[i] = v;
        break;
      }
      case RandomKind::Normal: {
        const double u1 = __dsub_rn(1.0, u01(draw(seed, c, 0)));  // (0, 1]
        const double u2 = u01(draw(seed, c, 1));
        const double r = sqrt(__dmul_rn(-2.0, log(u1)));  // sqrt is IEEE-exact
        const double t = cos(__dmul_rn(6.283185307179586, u2));
        o[i] = static_cast<T>(__dadd_rn(a, __dmul_rn(__dmul_rn(b, r), t)));
        break;
      }
      case RandomKind::Bernoulli: o[i] = u01(draw(seed, c, 0)) < a ? static_cast<T>(b) : T(0); break;
    }
  }
}

void random_cuda(const TensorView& out, const RandomParams& p) {
  const RandomKind kind = p.kind;
  const double a = p.a, b = p.b;
  const uint64_t seed = static_cast<uint64_t>(p.seed), offset = static_cast<uint64_t>(p.offset);
  if (out.device != Device::CUDA)
    throw Error(ErrorCode::Device, "torchlet: CUDA kernel 'random' got a tensor that is not on the CUDA device");
  dispatch_float("random", out.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = out.numel();
    if (n == 0) return;
    cuda::launch<random_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), kind, out.ptr<T>(), n, a, b, seed,
                                   offset);
    TL_CUDA_LAUNCH_CHECK("random");
  });
}
TL_REGISTER_KERNEL(random_op, CUDA, random_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
