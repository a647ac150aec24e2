// native/core/counter_rng.h — the counter-based generator every random kernel draws from, written
// once for the CPU and CUDA (host and device). Element c of a draw under `seed` is
//   h = mix64(rng_key(seed, lane) ^ (c * K1 + K2)),   u = rng_u01(h) in [0, 1), exact
// so it depends only on (seed, lane, c): results are independent of threads and equal on every
// device. Users: cpu/random.cc and cuda/random.cu (uniform, normal, Bernoulli), cpu/dropout.cc and
// cuda/dropout.cu (the keep decisions of dropout masks, the Bernoulli draw of lane 0).
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define TL_RNG_FN __host__ __device__ __forceinline__
#else
#define TL_RNG_FN inline
#endif

namespace tl {

// SplitMix64's finaliser.
TL_RNG_FN uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
// The per-(seed, lane) key: hoisted out of loops over counters.
TL_RNG_FN uint64_t rng_key(uint64_t seed, uint64_t lane) { return mix64(seed * 0x9e3779b97f4a7c15ULL + lane); }
// The 64-bit word for counter c under a key (unsigned arithmetic wraps alike everywhere).
TL_RNG_FN uint64_t rng_bits(uint64_t key, uint64_t c) {
  return mix64(key ^ (c * 0xd6e8feb86659fd93ULL + 0x632be59bd9b4e019ULL));
}
// [0, 1) from the top 53 bits: exact in double.
TL_RNG_FN double rng_u01(uint64_t h) { return double(h >> 11) * (1.0 / 9007199254740992.0); }

}  // namespace tl
