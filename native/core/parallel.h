// native/core/parallel.h — OpenMP loops that stay out of libgomp when they run serially, and
// TL_TARGET_CLONES for loops worth compiling per instruction set.
// TL_PAR_FOR(cond, loop) runs `loop` (a for statement) as `omp parallel for schedule(static)` when
// cond holds and plainly otherwise; TL_PAR_FOR_SIMD the same with `simd`. An `if (cond)` clause alone
// still enters libgomp, which sets up a team for every region even when it runs on one thread: a
// fixed cost (allocation, locking) on every small op, measurable per call from JS (bench/call_overhead.js).
// Inside a parallel region (omp_in_parallel) the loop runs serially on the calling thread.
#pragma once
#include <omp.h>

#define TL_PAR_FOR(cond, ...)                                  \
  do {                                                         \
    if ((cond) && !omp_in_parallel()) {                        \
      _Pragma("omp parallel for schedule(static)") __VA_ARGS__ \
    } else {                                                   \
      __VA_ARGS__                                              \
    }                                                          \
  } while (0)

#define TL_PAR_FOR_SIMD(cond, ...)                                  \
  do {                                                              \
    if ((cond) && !omp_in_parallel()) {                             \
      _Pragma("omp parallel for simd schedule(static)") __VA_ARGS__ \
    } else {                                                        \
      _Pragma("omp simd") __VA_ARGS__                               \
    }                                                               \
  } while (0)

// Function multiversioning for vectorised loops: GCC compiles the function for AVX-512, AVX2 and the
// baseline and picks one when the addon loads (no -march flags: the binary runs on any x86-64).
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define TL_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TL_TARGET_CLONES
#endif
