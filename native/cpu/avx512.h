// native/cpu/avx512.h — small AVX-512 helpers shared by the CPU kernels (x86-64 only; callers check
// has_avx512f() before calling anything marked target("avx512f")): whether the CPU has AVX-512F, the
// mask of the first n lanes, and an in-register 16 x 16 float transpose.
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>

namespace tl {
namespace cpu {

inline bool has_avx512f() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}

// The first n lanes (n clamped to [0, 16]).
inline __mmask16 first_lanes(int64_t n) {
  return static_cast<__mmask16>(n >= 16 ? 0xFFFFu : n <= 0 ? 0u : (1u << n) - 1);
}

// v[i] = row i  ->  v[j] = column j: four rounds of interleaving row i with row i + 8.
__attribute__((target("avx512f"))) inline void transpose16_avx512(__m512* v) {
  const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  __m512 t[16];
#pragma GCC unroll 4
  for (int round = 0; round < 4; ++round) {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_permutex2var_ps(v[i], lo, v[i + 8]);
      t[2 * i + 1] = _mm512_permutex2var_ps(v[i], hi, v[i + 8]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) v[i] = t[i];
  }
}

}  // namespace cpu
}  // namespace tl
#endif
