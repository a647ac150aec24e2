// native/cpu/gemm.cc — internal blocked GEMM (see gemm.h) and the CPU kernels matmul_op and
// linear_forward_op.
// Contract: matmul_op / linear_forward_op accept F32 or F64 (all operands one dtype; anything else is
// tl::Error(Invalid)); buffers are contiguous; outputs are overwritten (matmul honours beta).
// Structure (BLIS style): loops jc (NC columns of C) > pc (KC of the K dim) > ic (MC rows; pack an
// MC x KC block of A unless it is prepacked) > jr (pack a KC x NR micro-panel of B) > ir > micro-kernel,
// which keeps an MR x NR tile of C in vector registers (broadcast A, vector loads of B, FMA).
// Micro-kernels and packers are written once with GCC vector extensions and compiled per ISA with
// __attribute__((target)): AVX-512 (14x32 float / 14x16 double), AVX2+FMA (6x16 / 6x8) and a baseline
// SSE2 (6x8 / 6x4, also the portable fallback); the ISA is picked at run time with
// __builtin_cpu_supports. Transposing packs use in-register L x L transposes. Threads split M or N.
#include "gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/gemm.h"

namespace tl {
namespace cpu {
namespace {

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define TL_GEMM_X86 1
#define TL_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TL_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#else
#define TL_GEMM_X86 0
#endif
#define TL_INLINE inline __attribute__((always_inline))

template <typename T, int Bytes>
struct VecT;
template <>
struct VecT<float, 16> {
  typedef float type __attribute__((vector_size(16)));
};
template <>
struct VecT<double, 16> {
  typedef double type __attribute__((vector_size(16)));
};
template <>
struct VecT<float, 32> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct VecT<double, 32> {
  typedef double type __attribute__((vector_size(32)));
};
template <>
struct VecT<float, 64> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct VecT<double, 64> {
  typedef double type __attribute__((vector_size(64)));
};
// Shuffle masks: integers of the element's width.
template <typename T, int Bytes>
struct MaskT;
template <int Bytes>
struct MaskT<float, Bytes> {
  typedef int32_t type __attribute__((vector_size(Bytes)));
};
template <int Bytes>
struct MaskT<double, Bytes> {
  typedef int64_t type __attribute__((vector_size(Bytes)));
};

// ---- micro-kernel ------------------------------------------------------------------------------
// C[MM x NV*L] = alpha * Ap @ Bp + beta * C (C not read when beta == 0). Ap holds kc steps of MRP
// values (the first MM used), Bp kc steps of NRP values (64-byte aligned, the first NV vectors used).
template <typename T>
using Ukr = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha, T beta);

template <typename T, typename V, int MRP, int NRP, int MM, int NV>
TL_INLINE void ukr_body(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c, int64_t ldc, T alpha,
                        T beta) {
  constexpr int L = sizeof(V) / sizeof(T);
  V acc[MM][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MM; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = V{};
  for (int64_t k = 0; k < kc; ++k, a += MRP, b += NRP) {
    V bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = *reinterpret_cast<const V*>(b + j * L);
#pragma GCC unroll 16
    for (int i = 0; i < MM; ++i) {
      const T ai = a[i];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] += ai * bv[j];
    }
  }
  if (beta == T(0)) {
#pragma GCC unroll 16
    for (int i = 0; i < MM; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        V r = acc[i][j] * alpha;
        __builtin_memcpy(c + i * ldc + j * L, &r, sizeof(V));
      }
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MM; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        V old;
        __builtin_memcpy(&old, c + i * ldc + j * L, sizeof(V));
        V r = acc[i][j] * alpha + old * beta;
        __builtin_memcpy(c + i * ldc + j * L, &r, sizeof(V));
      }
  }
}

// ---- panel packing (see Packer in gemm.h): dst[k * W + r] = X(k, r) ----------------------------

// In-register transpose of an L x L block (v[i] = row i  ->  v[j] = column j): log2(L) rounds of
// interleaving row i with row i + L/2 (zip_lo / zip_hi interleave the low / high halves of a, b).
#if defined(__clang__)
#define TL_ZIP_LO(a, b) __builtin_shufflevector(a, b, (Is / 2 + (Is % 2) * L)...)
#define TL_ZIP_HI(a, b) __builtin_shufflevector(a, b, (Is / 2 + (Is % 2) * L + L / 2)...)
#else
#define TL_ZIP_LO(a, b) __builtin_shuffle(a, b, lo)
#define TL_ZIP_HI(a, b) __builtin_shuffle(a, b, hi)
#endif
template <typename T, typename V, typename I, int... Is>
TL_INLINE void transpose(V* v, std::integer_sequence<int, Is...>) {
  constexpr int L = sizeof(V) / sizeof(T);
  [[maybe_unused]] const I lo = {(Is / 2 + (Is % 2) * L)...};
  [[maybe_unused]] const I hi = {(Is / 2 + (Is % 2) * L + L / 2)...};
#pragma GCC unroll 4
  for (int round = 1; round < L; round *= 2) {
    V t[L];
#pragma GCC unroll 16
    for (int i = 0; i < L / 2; ++i) {
      t[2 * i] = TL_ZIP_LO(v[i], v[i + L / 2]);
      t[2 * i + 1] = TL_ZIP_HI(v[i], v[i + L / 2]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < L; ++i) v[i] = t[i];
  }
}
#undef TL_ZIP_LO
#undef TL_ZIP_HI

// X(k, r) = rows[r][k] (r < n <= W): L x L blocks transposed in registers, scalar k tail.
template <typename T, typename V, typename I, int W, int Blk>
TL_INLINE void pack_rows_block(T* __restrict dst, const T* const* rows, int64_t n, int64_t k) {
  constexpr int L = sizeof(V) / sizeof(T);
  constexpr int cnt = W - Blk * L < L ? W - Blk * L : L;  // columns of this block inside the panel
  V v[L];
#pragma GCC unroll 16
  for (int i = 0; i < L; ++i) {
    if (Blk * L + i < n)
      __builtin_memcpy(&v[i], rows[Blk * L + i] + k, sizeof(V));
    else
      v[i] = V{};
  }
  transpose<T, V, I>(v, std::make_integer_sequence<int, L>{});
#pragma GCC unroll 16
  for (int t = 0; t < L; ++t) __builtin_memcpy(dst + (k + t) * W + Blk * L, &v[t], cnt * sizeof(T));
}
template <typename T, typename V, typename I, int W, int... Blks>
TL_INLINE void pack_rows_body(T* __restrict dst, const T* const* rows, int64_t n, int64_t kc,
                              std::integer_sequence<int, Blks...>) {
  constexpr int L = sizeof(V) / sizeof(T);
  int64_t k = 0;
  for (; k + L <= kc; k += L) (pack_rows_block<T, V, I, W, Blks>(dst, rows, n, k), ...);
  for (; k < kc; ++k)
    for (int r = 0; r < W; ++r) dst[k * W + r] = r < n ? rows[r][k] : T(0);
}

// X(k, r) = src[k * ks + r]: one contiguous run per k.
template <typename T, int W>
TL_INLINE void pack_cont_body(T* __restrict dst, const T* __restrict src, int64_t ks, int64_t n, int64_t kc) {
  if (n == W) {
    for (int64_t k = 0; k < kc; ++k) __builtin_memcpy(dst + k * W, src + k * ks, W * sizeof(T));
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t r = 0; r < n; ++r) dst[k * W + r] = src[k * ks + r];
      for (int64_t r = n; r < W; ++r) dst[k * W + r] = T(0);
    }
  }
}

// X(k, r) = base[offs[k] + r]: one contiguous run per k at an arbitrary offset.
template <typename T, int W>
TL_INLINE void pack_offs_body(T* __restrict dst, const T* __restrict base, const int64_t* offs, int64_t n, int64_t kc) {
  if (n == W) {
    for (int64_t k = 0; k < kc; ++k) __builtin_memcpy(dst + k * W, base + offs[k], W * sizeof(T));
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t r = 0; r < n; ++r) dst[k * W + r] = base[offs[k] + r];
      for (int64_t r = n; r < W; ++r) dst[k * W + r] = T(0);
    }
  }
}

// ---- block copy (layout moves in conv): dst[r * ds + c] = src[r * ss + c] + add ------------------
// Each row is covered with the widest vectors that fit (the last one overlapping), so short rows
// (e.g. 14 floats) still take a couple of vector moves.
template <typename T, int Bytes>
TL_INLINE void copy_block_body(T* __restrict dst, int64_t ds, const T* __restrict src, int64_t ss, int64_t rows,
                               int64_t cols, T add) {
  typedef typename VecT<T, Bytes>::type V;
  constexpr int L = Bytes / sizeof(T);
  if constexpr (Bytes > 16) {
    if (cols < L) return copy_block_body<T, Bytes / 2>(dst, ds, src, ss, rows, cols, add);
  } else {
    if (cols < L) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) dst[r * ds + c] = src[r * ss + c] + add;
      return;
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    const T* s = src + r * ss;
    T* d = dst + r * ds;
    for (int64_t c = 0;; c += L) {
      if (c + L > cols) c = cols - L;  // overlapping last vector
      V v;
      __builtin_memcpy(&v, s + c, sizeof(V));
      v += add;
      __builtin_memcpy(d + c, &v, sizeof(V));
      if (c + L >= cols) break;
    }
  }
}

// ---- skinny products: few columns ------------------------------------------------------------------
// acc[j * MR + r] += sum_k a[k * MR + r] * b[k * ldb + j] for r < MR, j < N: one packed A sliver times
// N (<= kSkinnyN) columns of B. Vectorised along the sliver's MR rows, so each multiply-add does MR
// useful products where the NR-wide micro-kernel would do only N (batch-1 inference: a conv on a
// 1x1 to 4x4 map, a Linear on one sample). Which N take it is decided per ISA and dtype from the two
// kernels' lane use and the register file (Kernel::skinny_upto in make_kernel).
constexpr int kSkinnyN = 24;
// Explicit vectors: the MR-row sliver is NA = ceil(MR / L) vectors per k step, loaded whole from the
// packed panel (the lanes past MR read the next step's values and are dropped at the end; the last
// steps, whose loads would run past the panel, read a zero-padded copy). U interleaved accumulator
// sets hide the multiply-add latency when N * NA is small (N = 1: a matrix-vector product).
template <typename T, typename V, int MR, int N>
TL_INLINE void skinny_body(int64_t kc, const T* __restrict a, const T* __restrict b, int64_t ldb, T* __restrict acc) {
  constexpr int L = sizeof(V) / sizeof(T);
  constexpr int NA = (MR + L - 1) / L;
  constexpr int U = N * NA >= 8 ? 1 : (N * NA >= 4 ? 2 : 4);
  constexpr int64_t kTail = (NA * L - MR + MR - 1) / MR;  // steps whose whole-vector load passes the end
  V c[U][N][NA];
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j)
#pragma GCC unroll 4
      for (int v = 0; v < NA; ++v) c[u][j][v] = V{};
  auto step = [&](int u, const T* ak, const T* bk) __attribute__((always_inline)) {
    V av[NA];
#pragma GCC unroll 4
    for (int v = 0; v < NA; ++v) __builtin_memcpy(&av[v], ak + v * L, sizeof(V));
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
      const T bj = bk[j];
#pragma GCC unroll 4
      for (int v = 0; v < NA; ++v) c[u][j][v] += av[v] * bj;
    }
  };
  const int64_t safe = std::max<int64_t>(0, kc - kTail);
  int64_t k = 0;
  for (; k + U <= safe; k += U)
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) step(u, a + (k + u) * MR, b + (k + u) * ldb);
  for (; k < safe; ++k) step(0, a + k * MR, b + k * ldb);
  for (; k < kc; ++k) {
    alignas(64) T pad[NA * L] = {};
    for (int r = 0; r < MR; ++r) pad[r] = a[k * MR + r];
    step(0, pad, b + k * ldb);
  }
  alignas(64) T out[NA * L];
#pragma GCC unroll 8
  for (int j = 0; j < N; ++j) {
    V s[NA];
#pragma GCC unroll 4
    for (int v = 0; v < NA; ++v) {
      s[v] = c[0][j][v];
#pragma GCC unroll 4
      for (int u = 1; u < U; ++u) s[v] += c[u][j][v];
    }
    __builtin_memcpy(out, s, sizeof(s));
    for (int r = 0; r < MR; ++r) acc[j * MR + r] += out[r];
  }
}
// ---- few rows times a transposed matrix: dot products ----------------------------------------------
// c[i * ldc + n] = alpha * sum_k a[i * lda + k] * b[n * ldb + k] + beta * c[...] for i < MM, n0 <= n < n1:
// both operands are read along k as they lie (no packing), NB rows of b at a time, so b (Linear's
// weight at batch 1-4, [N, K]) streams through once at memory speed instead of being packed per call.
// Each result is one vector dot product (lanes summed at the end, then the k tail).
template <typename T, typename V, int MM>
TL_INLINE void dots_body(int64_t n0, int64_t n1, int64_t K, T alpha, const T* __restrict a, int64_t lda,
                         const T* __restrict b, int64_t ldb, T beta, T* __restrict c, int64_t ldc) {
  constexpr int L = sizeof(V) / sizeof(T);
  // MM x NB accumulators: 16 with 32 vector registers (AVX-512), 8 with 16; 2 to 8 rows of b at a time
  constexpr int NB = std::clamp((sizeof(V) == 64 ? 16 : 8) / MM, 2, 8);
  const int64_t Kv = K / L * L;
  for (int64_t n = n0; n < n1; n += NB) {
    const int nb = static_cast<int>(std::min<int64_t>(NB, n1 - n));
    const T* br[NB];
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) br[j] = b + (n + (j < nb ? j : 0)) * ldb;
    V acc[MM][NB];
#pragma GCC unroll 8
    for (int m = 0; m < MM; ++m)
#pragma GCC unroll 8
      for (int j = 0; j < NB; ++j) acc[m][j] = V{};
    for (int64_t k = 0; k < Kv; k += L) {
      V av[MM];
#pragma GCC unroll 8
      for (int m = 0; m < MM; ++m) __builtin_memcpy(&av[m], a + m * lda + k, sizeof(V));
#pragma GCC unroll 8
      for (int j = 0; j < NB; ++j) {
        V bv;
        __builtin_memcpy(&bv, br[j] + k, sizeof(V));
#pragma GCC unroll 8
        for (int m = 0; m < MM; ++m) acc[m][j] += av[m] * bv;
      }
    }
    for (int m = 0; m < MM; ++m)
      for (int j = 0; j < nb; ++j) {
        T s = T(0);
        for (int l = 0; l < L; ++l) s += acc[m][j][l];
        for (int64_t k = Kv; k < K; ++k) s += a[m * lda + k] * br[j][k];
        T* cp = c + m * ldc + n + j;
        *cp = alpha * s + (beta == T(0) ? T(0) : beta * *cp);
      }
  }
}

// ---- direct convolution tiles ----------------------------------------------------------------------
// out[r * NV * L + o] = sum_j w[row(j) * NV * L + o] * x[base[r] + delta[j]] for r < R pixels and NV
// vectors of output channels, j < K, row(j) = wk ? wk[j] : j (see DirectConv in gemm.h): the GEMM
// micro-kernel with the roles turned round, so that the broadcast operand is read straight from the
// input (no im2col, no packing).
template <typename T, typename V, int R, int NV, bool Rows>
TL_INLINE void dconv_steps(int64_t K, const T* __restrict w, const T* __restrict x, const int64_t* __restrict base,
                           const int64_t* __restrict delta, const int64_t* __restrict wk, T* __restrict out) {
  constexpr int L = sizeof(V) / sizeof(T);
  V acc[R][NV];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[r][j] = V{};
  const T* px[R];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) px[r] = x + base[r];
  for (int64_t k = 0; k < K; ++k) {
    const T* wr = w + (Rows ? wk[k] : k) * (NV * L);
    V wv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) __builtin_memcpy(&wv[j], wr + j * L, sizeof(V));
    const int64_t d = delta[k];
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      const T xv = px[r][d];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[r][j] += xv * wv[j];
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) __builtin_memcpy(out + (r * NV + j) * L, &acc[r][j], sizeof(V));
}
template <typename T, typename V, int R, int NV>
TL_INLINE void dconv_body(int64_t K, const T* w, const T* x, const int64_t* base, const int64_t* delta,
                          const int64_t* wk, T* out) {
  if (wk)
    dconv_steps<T, V, R, NV, true>(K, w, x, base, delta, wk, out);
  else
    dconv_steps<T, V, R, NV, false>(K, w, x, base, delta, wk, out);
}
template <typename T>
using DconvFn = void (*)(int64_t K, const T* w, const T* x, const int64_t* base, const int64_t* delta,
                         const int64_t* wk, T* out);

// ---- row tiles (RowConv in gemm.h) -------------------------------------------------------------------
// MO output channels x NV vectors of pixels along a row: per reduction index, NV contiguous loads of
// the input and MO broadcast weights; the sums get the bias, then ReLU, and go to y's rows as whole
// vectors (the last one's lanes past n through a small buffer).
template <typename T, typename V, int MO, int NV>
TL_INLINE void rowconv_body(int64_t K, const T* __restrict w, const T* __restrict x, const int64_t* __restrict off,
                            int64_t n, const T* bias, bool relu, T* __restrict y, int64_t ys) {
  constexpr int L = sizeof(V) / sizeof(T);
  V acc[MO][NV];
#pragma GCC unroll 16
  for (int o = 0; o < MO; ++o)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[o][v] = V{};
  for (int64_t k = 0; k < K; ++k) {
    const T* xr = x + off[k];
    V xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) __builtin_memcpy(&xv[v], xr + v * L, sizeof(V));
    const T* wk = w + k * MO;
#pragma GCC unroll 16
    for (int o = 0; o < MO; ++o) {
      const T s = wk[o];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[o][v] += s * xv[v];
    }
  }
  const V zero{};
#pragma GCC unroll 16
  for (int o = 0; o < MO; ++o) {
    const T add = bias ? bias[o] : T(0);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      V a = acc[o][v] + add;
      if (relu) a = a <= zero ? zero : a;  // NaN kept, as relu does
      T* dst = y + o * ys + v * L;
      if ((v + 1) * L <= n) {
        __builtin_memcpy(dst, &a, sizeof(V));
      } else {
        T lanes[L];
        __builtin_memcpy(lanes, &a, sizeof(V));
        for (int64_t l = 0; l < n - v * L; ++l) dst[l] = lanes[l];
      }
    }
  }
}
template <typename T>
using RowConvFn = void (*)(int64_t K, const T* w, const T* x, const int64_t* off, int64_t n, const T* bias, bool relu,
                           T* y, int64_t ys);

template <typename T>
using DotsFn = void (*)(int64_t n0, int64_t n1, int64_t K, T alpha, const T* a, int64_t lda, const T* b, int64_t ldb,
                        T beta, T* c, int64_t ldc);
constexpr int kDotsM = 4;  // gemm() takes the dot-product path for at most this many rows
template <typename T>
using SkinnyFn = void (*)(int64_t kc, const T* a, const T* b, int64_t ldb, T* acc);

template <typename T>
using CopyBlockFn = void (*)(T* dst, int64_t ds, const T* src, int64_t ss, int64_t rows, int64_t cols, T add);
template <typename T>
using PackRowsFn = void (*)(T* dst, const T* const* rows, int64_t n, int64_t kc);
template <typename T>
using PackOffsFn = void (*)(T* dst, const T* base, const int64_t* offs, int64_t n, int64_t kc);
template <typename T>
using PackContFn = void (*)(T* dst, const T* src, int64_t ks, int64_t n, int64_t kc);

// One struct per ISA: the micro-kernel and packers compiled for it.
#define TL_ISA_MEMBERS(TARGET, BYTES)                                                                              \
  static constexpr int bytes = BYTES;                                                                              \
  template <typename T, int MRP, int NRP, int MM, int NV>                                                          \
  TARGET static void ukr(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha, T beta) {                 \
    ukr_body<T, typename VecT<T, BYTES>::type, MRP, NRP, MM, NV>(kc, a, b, c, ldc, alpha, beta);                   \
  }                                                                                                                \
  template <typename T, int W>                                                                                     \
  TARGET static void pack_rows(T* dst, const T* const* rows, int64_t n, int64_t kc) {                              \
    constexpr int L = BYTES / sizeof(T);                                                                           \
    pack_rows_body<T, typename VecT<T, BYTES>::type, typename MaskT<T, BYTES>::type, W>(                           \
        dst, rows, n, kc, std::make_integer_sequence<int, (W + L - 1) / L>{});                                     \
  }                                                                                                                \
  template <typename T, int W>                                                                                     \
  TARGET static void pack_cont(T* dst, const T* src, int64_t ks, int64_t n, int64_t kc) {                          \
    pack_cont_body<T, W>(dst, src, ks, n, kc);                                                                     \
  }                                                                                                                \
  template <typename T>                                                                                            \
  TARGET static void copy_block(T* dst, int64_t ds, const T* src, int64_t ss, int64_t rows, int64_t cols, T add) { \
    copy_block_body<T, BYTES>(dst, ds, src, ss, rows, cols, add);                                                  \
  }                                                                                                                \
  template <typename T, int W>                                                                                     \
  TARGET static void pack_offs(T* dst, const T* base, const int64_t* offs, int64_t n, int64_t kc) {                \
    pack_offs_body<T, W>(dst, base, offs, n, kc);                                                                  \
  }                                                                                                                \
  template <typename T, int MR, int N>                                                                             \
  TARGET static void skinny(int64_t kc, const T* a, const T* b, int64_t ldb, T* acc) {                             \
    skinny_body<T, typename VecT<T, BYTES>::type, MR, N>(kc, a, b, ldb, acc);                                      \
  }                                                                                                                \
  template <typename T, int MM>                                                                                    \
  TARGET static void dots(int64_t n0, int64_t n1, int64_t K, T alpha, const T* a, int64_t lda, const T* b,         \
                          int64_t ldb, T beta, T* c, int64_t ldc) {                                                \
    dots_body<T, typename VecT<T, BYTES>::type, MM>(n0, n1, K, alpha, a, lda, b, ldb, beta, c, ldc);               \
  }                                                                                                                \
  template <typename T, int R, int NV>                                                                             \
  TARGET static void dconv(int64_t K, const T* w, const T* x, const int64_t* base, const int64_t* delta,           \
                           const int64_t* wk, T* out) {                                                            \
    dconv_body<T, typename VecT<T, BYTES>::type, R, NV>(K, w, x, base, delta, wk, out);                            \
  }                                                                                                                \
  template <typename T, int MO>                                                                                    \
  TARGET static void rowconv(int64_t K, const T* w, const T* x, const int64_t* off, int64_t n, const T* bias,      \
                             bool relu, T* y, int64_t ys) {                                                        \
    using V = typename VecT<T, BYTES>::type;                                                                       \
    constexpr int64_t L = BYTES / sizeof(T);                                                                       \
    if (n > 2 * L)                                                                                                 \
      rowconv_body<T, V, MO, 3>(K, w, x, off, n, bias, relu, y, ys);                                               \
    else if (n > L)                                                                                                \
      rowconv_body<T, V, MO, 2>(K, w, x, off, n, bias, relu, y, ys);                                               \
    else                                                                                                           \
      rowconv_body<T, V, MO, 1>(K, w, x, off, n, bias, relu, y, ys);                                               \
  }

#define TL_NO_TARGET
struct IsaGeneric {
  TL_ISA_MEMBERS(TL_NO_TARGET, 16)
};
#if TL_GEMM_X86
struct IsaAvx2 {
  TL_ISA_MEMBERS(TL_TARGET_AVX2, 32)
};
struct IsaAvx512 {
  TL_ISA_MEMBERS(TL_TARGET_AVX512, 64)
};
#endif

constexpr int kMaxMR = 14, kMaxNV = 2, kMaxW = 32;
constexpr int64_t kMaxPanels = 64;  // MC / MR bound

// Everything the driver needs for one (ISA, dtype): register tile, cache blocking, a micro-kernel for
// every edge tile (ukr[m-1][nv-1] computes m rows and nv vectors) and the panel packers.
template <typename T>
struct Kernel {
  const char* name;
  int mr, nr, lanes;  // tile MR x NR, NR = NV * lanes
  int64_t kc, mc, nc;
  Ukr<T> ukr[kMaxMR][kMaxNV];
  PackRowsFn<T> pack_rows_mr, pack_rows_nr;
  PackContFn<T> pack_cont_mr, pack_cont_nr;
  PackOffsFn<T> pack_offs_mr, pack_offs_nr;
  CopyBlockFn<T> copy_block;
  SkinnyFn<T> skinny[kSkinnyN];   // skinny[n - 1]: n columns
  bool use_skinny[kSkinnyN + 1];  // use_skinny[n]: n columns go to the skinny kernel
  DconvFn<T> dconv;               // MR pixels x NR output channels
  DconvFn<T> dconv_narrow;        // 2 * MR pixels x one vector of output channels (few output channels)
  RowConvFn<T> rowconv;           // rowconv_mo output channels x up to 3 vectors of pixels along a row
  int rowconv_mo;
  DotsFn<T> dots[kDotsM];  // dots[m - 1]: m rows of A times rows of B
};

template <typename Isa, typename T, int MR, int NV, int... Ms>
void fill_ukr_table(Kernel<T>& k, std::integer_sequence<int, Ms...>) {
  constexpr int NR = NV * Isa::bytes / int(sizeof(T));
  ((k.ukr[Ms][0] = &Isa::template ukr<T, MR, NR, Ms + 1, 1>), ...);
  if constexpr (NV >= 2) ((k.ukr[Ms][1] = &Isa::template ukr<T, MR, NR, Ms + 1, 2>), ...);
}

template <typename Isa, typename T, int MR, int... Ns>
void fill_skinny_table(Kernel<T>& k, std::integer_sequence<int, Ns...>) {
  ((k.skinny[Ns] = &Isa::template skinny<T, MR, Ns + 1>), ...);
}

template <typename Isa, typename T, int MR, int NV>
Kernel<T> make_kernel(const char* name, int64_t kc, int64_t mc, int64_t nc) {
  constexpr int NR = NV * Isa::bytes / int(sizeof(T));
  static_assert(MR <= kMaxMR && NV <= kMaxNV && NR <= kMaxW, "tile too large");
  Kernel<T> k{};
  k.name = name;
  k.lanes = Isa::bytes / int(sizeof(T));
  k.mr = MR;
  k.nr = NR;
  k.kc = kc;
  k.mc = std::min<int64_t>(mc, kMaxPanels * MR) / MR * MR;
  k.nc = nc / NR * NR;
  fill_ukr_table<Isa, T, MR, NV>(k, std::make_integer_sequence<int, MR>{});
  k.pack_rows_mr = &Isa::template pack_rows<T, MR>;
  k.pack_rows_nr = &Isa::template pack_rows<T, NR>;
  k.pack_cont_mr = &Isa::template pack_cont<T, MR>;
  k.pack_cont_nr = &Isa::template pack_cont<T, NR>;
  k.pack_offs_mr = &Isa::template pack_offs<T, MR>;
  k.pack_offs_nr = &Isa::template pack_offs<T, NR>;
  k.copy_block = &Isa::template copy_block<T>;
  fill_skinny_table<Isa, T, MR>(k, std::make_integer_sequence<int, kSkinnyN>{});
  // n columns take the skinny kernel when its lanes do more useful work (MR of NA * L per multiply-add)
  // than the micro-kernel's edge tile (n of ceil(n / L) * L), and its accumulators (n * NA vectors, plus
  // the A sliver and a broadcast) fit in the vector registers (32 with AVX-512, else 16).
  constexpr int L = Isa::bytes / int(sizeof(T)), NA = (MR + L - 1) / L, regs = Isa::bytes == 64 ? 32 : 16;
  for (int n = 1; n <= kSkinnyN; ++n) {
    const double skinny_use = double(MR) / (NA * L), micro_use = double(n) / (((n + L - 1) / L) * L);
    k.use_skinny[n] = n <= 8 || (n * NA + NA + 1 <= regs && skinny_use > micro_use);
  }
  k.dconv = &Isa::template dconv<T, MR, NV>;
  k.dconv_narrow = &Isa::template dconv<T, 2 * MR, 1>;
  // 3 * MO accumulators, 3 input vectors and a broadcast in the registers (8 x 3 of 32, 4 x 3 of 16)
  constexpr int MO = Isa::bytes == 64 ? 8 : 4;
  k.rowconv = &Isa::template rowconv<T, MO>;
  k.rowconv_mo = MO;
  k.dots[0] = &Isa::template dots<T, 1>;
  k.dots[1] = &Isa::template dots<T, 2>;
  k.dots[2] = &Isa::template dots<T, 3>;
  k.dots[3] = &Isa::template dots<T, 4>;
  return k;
}

// Blocking: the KC x NR micro-panel of B (32 KiB with AVX-512) stays in L1 while MR x KC slivers of
// the MC x KC block of A stream from L2; the KC x NC block of B sits in L2/L3. (Tuned on a 2-core
// AVX-512 Xeon: 1024^3 sgemm is within a few % for KC 192..384, MC 96..384, NC 1024..4096.)
template <typename T>
struct Kernels {
  Kernel<T> generic = make_kernel<IsaGeneric, T, 6, 2>("generic", 256, 120, 2048);
#if TL_GEMM_X86
  Kernel<T> avx2 = make_kernel<IsaAvx2, T, 6, 2>("avx2", 256, 144, 2048);
  Kernel<T> avx512 = make_kernel<IsaAvx512, T, 14, 2>("avx512", 256, 196, 2048);
#endif
};

GemmIsa g_forced = GemmIsa::Auto;

GemmIsa detect_isa() {
#if TL_GEMM_X86
  static const GemmIsa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma"))
      return GemmIsa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GemmIsa::Avx2;
    return GemmIsa::Generic;
  }();
  return best;
#else
  return GemmIsa::Generic;
#endif
}

GemmIsa current_isa() {
  GemmIsa best = detect_isa();
  if (g_forced != GemmIsa::Auto && static_cast<int>(g_forced) <= static_cast<int>(best)) return g_forced;
  return best;
}

template <typename T>
const Kernel<T>& kernel_for() {
  static const Kernels<T> ks;
  switch (current_isa()) {
#if TL_GEMM_X86
    case GemmIsa::Avx512: return ks.avx512;
    case GemmIsa::Avx2: return ks.avx2;
#endif
    default: return ks.generic;
  }
}

// Per-thread, 64-byte aligned, grow-only packing buffers (the conv kernels call gemm once per image,
// so allocating per call would cost page faults every time).
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  void* get(size_t need) {
    if (need > bytes) {
      std::free(p);
      bytes = (need + 4095) / 4096 * 4096;
      p = std::aligned_alloc(64, bytes);
      if (!p) {
        bytes = 0;
        throw Error(ErrorCode::OutOfMemory, "torchlet: gemm could not allocate its packing buffer");
      }
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};
thread_local Scratch t_pack_a, t_pack_b;

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    if (beta == T(0))
      std::fill(c, c + N, T(0));
    else if (beta != T(1))
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
}

// Splits `total` into the fewest blocks of at most `max_blk`, balanced and rounded up to `unit`.
int64_t balanced_block(int64_t total, int64_t max_blk, int64_t unit) {
  const int64_t nb = (total + max_blk - 1) / max_blk;
  const int64_t blk = (total + nb - 1) / nb;
  return std::min(max_blk, (blk + unit - 1) / unit * unit);
}

// Serial blocked GEMM on C[0:M, 0:N]; the packers see rows i_ofs.. of A and columns j_ofs.. of B.
template <typename T>
void gemm_serial(const Kernel<T>& kn, int64_t M, int64_t N, int64_t K, T alpha, const Packer<T>& pa, int64_t i_ofs,
                 const Packer<T>& pb, int64_t j_ofs, T beta, T* C, int64_t ldc) {
  const int MR = kn.mr, NR = kn.nr, L = kn.lanes;
  const int64_t KC = balanced_block(K, kn.kc, 16);
  const int64_t MC = balanced_block(M, kn.mc, MR);
  const int64_t NC = balanced_block(N, kn.nc, NR);
  T* ap = static_cast<T*>(t_pack_a.get(sizeof(T) * MC * KC));
  // With a single block of A rows, each B micro-panel is packed right before its use, so it is still
  // in L1 when the micro-kernels read it; otherwise the whole KC x NC block of B is packed up front.
  const bool jit_b = M <= MC;
  T* bp = static_cast<T*>(t_pack_b.get(sizeof(T) * (jit_b ? NR : NC) * KC));
  alignas(64) T tile[kMaxMR * kMaxW];

  const T* a_panel[kMaxPanels];  // per MR-row panel of the current A block: packed here or prepacked
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      if (!jit_b)
        for (int64_t jr = 0; jr < nc; jr += NR)
          pb.pack(bp + jr * kc, NR, pc, kc, j_ofs + jc + jr, std::min<int64_t>(NR, nc - jr));
      const T b_eff = pc == 0 ? beta : T(1);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        for (int64_t ir = 0; ir < mc; ir += MR) {
          const T* pre = pa.packed_panel(MR, i_ofs + ic + ir);
          if (pre) {
            a_panel[ir / MR] = pre + pc * MR;
          } else {
            pa.pack(ap + ir * kc, MR, pc, kc, i_ofs + ic + ir, std::min<int64_t>(MR, mc - ir));
            a_panel[ir / MR] = ap + ir * kc;
          }
        }
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t n = std::min<int64_t>(NR, nc - jr);
          const int nv = static_cast<int>((n + L - 1) / L);
          const T* b = jit_b ? bp : bp + jr * kc;
          if (jit_b) pb.pack(bp, NR, pc, kc, j_ofs + jc + jr, n);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int m = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            T* c = C + (ic + ir) * ldc + jc + jr;
            Ukr<T> f = kn.ukr[m - 1][nv - 1];
            if (n == nv * L) {
              f(kc, a_panel[ir / MR], b, c, ldc, alpha, b_eff);
            } else {  // ragged right edge: compute into a tile, then merge
              f(kc, a_panel[ir / MR], b, tile, NR, alpha, T(0));
              for (int i = 0; i < m; ++i)
                for (int64_t j = 0; j < n; ++j)
                  c[i * ldc + j] = tile[i * NR + j] + (b_eff == T(0) ? T(0) : b_eff * c[i * ldc + j]);
            }
          }
        }
      }
    }
  }
}

// C[i * cs_i + j * cs_j] = alpha * (A @ B)[i][j] + beta * C[...] for N <= kSkinnyN columns: B packed
// once (all of K), then each MR-row sliver of A (prepacked, or packed here) times B with the skinny
// kernel; slivers split between threads. Each element is summed by one thread in k order.
template <typename T>
void gemm_skinny(const Kernel<T>& kn, int64_t M, int64_t N, int64_t K, T alpha, const Packer<T>& pa,
                 const Packer<T>& pb, T beta, T* C, int64_t cs_i, int64_t cs_j, bool parallel) {
  const int MR = kn.mr, W = N <= 8 ? 8 : kSkinnyN;  // B packed this wide
  T* bp = static_cast<T*>(t_pack_b.get(sizeof(T) * W * K));
  const int64_t blocks = (K + kn.kc - 1) / kn.kc;
  auto pack_block = [&](int64_t q) {
    const int64_t pc = q * kn.kc;
    pb.pack(bp + pc * W, W, pc, std::min(kn.kc, K - pc), 0, N);
  };
  const int64_t panels = (M + MR - 1) / MR;
  const bool par = parallel && !omp_in_parallel() && panels > 1 && double(M) * double(N) * double(K) >= double(1 << 18);
  std::string err;
  auto run = [&](int64_t p) {
    const int64_t i0 = p * MR, m = std::min<int64_t>(MR, M - i0);
    const T* ap = pa.packed_panel(MR, i0);
    if (!ap) {
      T* buf = static_cast<T*>(t_pack_a.get(sizeof(T) * MR * K));
      pa.pack(buf, MR, 0, K, i0, m);
      ap = buf;
    }
    alignas(64) T acc[kSkinnyN * kMaxMR] = {};
    kn.skinny[N - 1](K, ap, bp, W, acc);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t j = 0; j < N; ++j) {
        T* c = C + (i0 + r) * cs_i + j * cs_j;
        *c = alpha * acc[j * MR + r] + (beta == T(0) ? T(0) : beta * *c);
      }
  };
  if (!par) {
    for (int64_t q = 0; q < blocks; ++q) pack_block(q);
    for (int64_t p = 0; p < panels; ++p) run(p);
    return;
  }
  // one region: B's K blocks packed by the threads together (its columns are few, but K may be long:
  // an implicit im2col gathers them from the input here), then the slivers split between them
  auto guarded = [&](auto f, int64_t i) {
    try {
      f(i);
    } catch (const std::exception& e) {
#pragma omp critical(tl_gemm_err)
      err = e.what();
    }
  };
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int64_t q = 0; q < blocks; ++q) guarded(pack_block, q);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < panels; ++p) guarded(run, p);
  }
  if (!err.empty()) throw Error(ErrorCode::OutOfMemory, err);
}

template <typename T>
void gemm_run(int64_t M, int64_t N, int64_t K, T alpha, const Packer<T>& pa, const Packer<T>& pb, T beta, T* C,
              int64_t ldc, bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const Kernel<T>& kn = kernel_for<T>();
  // Few columns: the skinny path (few rows need none: the micro-kernels have an edge kernel for every
  // row count, each of whose multiply-adds is still NR wide).
  if (N <= kSkinnyN && kn.use_skinny[N] && N < M)
    return gemm_skinny(kn, M, N, K, alpha, pa, pb, beta, C, ldc, 1, parallel);
  int nt = 1;
  if (parallel && !omp_in_parallel() && double(M) * double(N) * double(K) >= double(1 << 19))
    nt = omp_get_max_threads();
  // Split one dimension into nt contiguous ranges of whole micro-tiles: the one that costs the busiest
  // thread least, counting per unit of K its (padded) products plus kReadCost for each row of A and
  // column of B it reads (splitting M, a thread reads its share of A and all of B; splitting N, all of A
  // and its share of B). On a tie, the one with more tiles.
  // - Linear's 64 x 3136 -> 128: 5 row tiles split 3 + 2, or 4 column tiles 2 + 2: the columns, and no
  //   thread packs all of W.
  // - A frozen Linear's W^T x^T, 4096 x 64 (4096 -> 4096, batch 64): the products tie (147 row tiles
  //   against 1 of 2 column tiles each), and splitting the rows halves each thread's 64 MiB of weights
  //   streamed from memory.
  constexpr int64_t kReadCost = 8;
  const int64_t mt = (M + kn.mr - 1) / kn.mr, ntl = (N + kn.nr - 1) / kn.nr;
  const auto busiest = [&](int64_t tiles, int64_t unit, int64_t other) { return (tiles + nt - 1) / nt * unit * other; };
  const int64_t cost_m = busiest(mt, kn.mr, ntl * kn.nr) + kReadCost * ((M + nt - 1) / nt + N);
  const int64_t cost_n = busiest(ntl, kn.nr, mt * kn.mr) + kReadCost * (M + (N + nt - 1) / nt);
  const bool split_n = cost_n < cost_m || (cost_n == cost_m && ntl >= mt);
  nt = static_cast<int>(std::min<int64_t>(nt, split_n ? ntl : mt));
  if (nt <= 1) {
    gemm_serial(kn, M, N, K, alpha, pa, 0, pb, 0, beta, C, ldc);
    return;
  }
  std::string err;
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), tn = omp_get_num_threads();
    const int64_t tiles = split_n ? ntl : mt, unit = split_n ? kn.nr : kn.mr, dim = split_n ? N : M;
    const int64_t lo = std::min(dim, tiles * t / tn * unit), hi = std::min(dim, tiles * (t + 1) / tn * unit);
    try {
      if (hi > lo) {
        if (split_n)
          gemm_serial(kn, M, hi - lo, K, alpha, pa, 0, pb, lo, beta, C + lo, ldc);
        else
          gemm_serial(kn, hi - lo, N, K, alpha, pa, lo, pb, 0, beta, C + lo * ldc, ldc);
      }
    } catch (const std::exception& e) {
#pragma omp critical(tl_gemm_err)
      err = e.what();
    }
  }
  if (!err.empty()) throw Error(ErrorCode::OutOfMemory, err);
}

// The dot-product path (dots_body): B's rows split between threads in blocks of 16 when the product
// is large enough; each result is computed by one thread, so results do not depend on the threads.
template <typename T>
void gemm_dots(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
               int64_t ldc, bool parallel) {
  const DotsFn<T> f = kernel_for<T>().dots[M - 1];
  const int64_t blocks = (N + 15) / 16;
  const bool par = parallel && !omp_in_parallel() && blocks > 1 && double(M) * double(N) * double(K) >= double(1 << 16);
  if (!par) {
    f(0, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < blocks; ++i)
    f(i * 16, std::min<int64_t>(N, i * 16 + 16), K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

template <typename T>
void pack_strided(T* dst, int w, const T* src, int64_t is, int64_t ks, int64_t n, int64_t kc) {
  const Kernel<T>& kn = kernel_for<T>();
  if (is == 1 && (w == kn.mr || w == kn.nr)) {
    (w == kn.mr ? kn.pack_cont_mr : kn.pack_cont_nr)(dst, src, ks, n, kc);
  } else if (ks == 1 && (w == kn.mr || w == kn.nr) && n <= w) {
    const T* rows[kMaxW];
    for (int64_t r = 0; r < n; ++r) rows[r] = src + r * is;
    (w == kn.mr ? kn.pack_rows_mr : kn.pack_rows_nr)(dst, rows, n, kc);
  } else {
    for (int64_t k = 0; k < kc; ++k)
      for (int r = 0; r < w; ++r) dst[k * w + r] = r < n ? src[r * is + k * ks] : T(0);
  }
}

template <typename T>
void pack_rows(T* dst, int w, const T* const* rows, int64_t n, int64_t kc) {
  const Kernel<T>& kn = kernel_for<T>();
  if ((w == kn.mr || w == kn.nr) && n <= w) {
    (w == kn.mr ? kn.pack_rows_mr : kn.pack_rows_nr)(dst, rows, n, kc);
  } else {
    for (int64_t k = 0; k < kc; ++k)
      for (int r = 0; r < w; ++r) dst[k * w + r] = r < n ? rows[r][k] : T(0);
  }
}

template <typename T>
void pack_offsets(T* dst, int w, const T* base, const int64_t* offs, int64_t n, int64_t kc) {
  const Kernel<T>& kn = kernel_for<T>();
  if ((w == kn.mr || w == kn.nr) && n <= w) {
    (w == kn.mr ? kn.pack_offs_mr : kn.pack_offs_nr)(dst, base, offs, n, kc);
  } else {
    for (int64_t k = 0; k < kc; ++k)
      for (int r = 0; r < w; ++r) dst[k * w + r] = r < n ? base[offs[k] + r] : T(0);
  }
}

template <typename T>
void copy_block(T* dst, int64_t dst_stride, const T* src, int64_t src_stride, int64_t rows, int64_t cols, T add) {
  if (rows > 0 && cols > 0) kernel_for<T>().copy_block(dst, dst_stride, src, src_stride, rows, cols, add);
}

template <typename T>
int64_t PackedA<T>::size(int64_t M, int64_t K) {
  const int mr = kernel_for<T>().mr;
  return (M + mr - 1) / mr * mr * K;
}

template <typename T>
PackedA<T>::PackedA(int64_t M, int64_t K, const Packer<T>& src, T* buf) : K_(K) {
  mr_ = kernel_for<T>().mr;
  const int64_t panels = (M + mr_ - 1) / mr_;
  if (!buf) {
    own_.resize(static_cast<size_t>(panels * mr_ * K));
    buf = own_.data();
  }
  data_ = buf;
  // the panels on the threads when there is enough to copy (a conv's weights packed per call at batch
  // 1: 256 x 2304 floats took one thread 1.2 ms while the other waited); each panel is a plain copy, so
  // the result does not depend on the threads
  TL_PAR_FOR(
      panels > 1 && M * K >= (int64_t(1) << 16), for (int64_t p = 0; p < panels; ++p) {
        src.pack(buf + p * mr_ * K, mr_, 0, K, p * mr_, std::min<int64_t>(mr_, M - p * mr_));
      });
}

template <typename T>
PackedA<T>::PackedA(int64_t, int64_t K, const T* data, Prepacked) : K_(K), mr_(kernel_for<T>().mr), data_(data) {}

template <typename T>
const T* PackedA<T>::packed_panel(int w, int64_t i0) const {
  return w == mr_ && i0 % mr_ == 0 ? data_ + (i0 / mr_) * mr_ * K_ : nullptr;
}

template <typename T>
void PackedA<T>::pack(T* dst, int w, int64_t k0, int64_t kc, int64_t i0, int64_t n) const {
  for (int64_t k = 0; k < kc; ++k)
    for (int r = 0; r < w; ++r) {
      const int64_t i = i0 + r;
      dst[k * w + r] = r < n ? data_[(i / mr_) * mr_ * K_ + (k0 + k) * mr_ + i % mr_] : T(0);
    }
}

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc, bool parallel) {
  // A few rows times a transposed B (Linear at batch 1-4): dot products along k, nothing packed.
  if (!trans_a && trans_b && M >= 1 && M <= kDotsM && N >= 4 && K >= 16 && alpha != T(0)) {
    gemm_dots<T>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, parallel);
    return;
  }
  // X(k, i): for A, op(A)[i][k]; for B, op(B)[k][i].
  StridedOperand<T> pa(A, trans_a ? 1 : lda, trans_a ? lda : 1);
  StridedOperand<T> pb(B, trans_b ? ldb : 1, trans_b ? 1 : ldb);
  gemm_run<T>(M, N, K, alpha, pa, pb, beta, C, ldc, parallel);
}

template <typename T>
void gemm_ex(int64_t M, int64_t N, int64_t K, T alpha, const Packer<T>& a, const Packer<T>& b, T beta, T* C,
             int64_t ldc, bool parallel) {
  gemm_run<T>(M, N, K, alpha, a, b, beta, C, ldc, parallel);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t, bool);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t, bool);
template void copy_block<float>(float*, int64_t, const float*, int64_t, int64_t, int64_t, float);
template void copy_block<double>(double*, int64_t, const double*, int64_t, int64_t, int64_t, double);
template class PackedA<float>;
template class PackedA<double>;
template void gemm_ex<float>(int64_t, int64_t, int64_t, float, const Packer<float>&, const Packer<float>&, float,
                             float*, int64_t, bool);
template void gemm_ex<double>(int64_t, int64_t, int64_t, double, const Packer<double>&, const Packer<double>&, double,
                              double*, int64_t, bool);
template void pack_strided<float>(float*, int, const float*, int64_t, int64_t, int64_t, int64_t);
template void pack_strided<double>(double*, int, const double*, int64_t, int64_t, int64_t, int64_t);
template void pack_rows<float>(float*, int, const float* const*, int64_t, int64_t);
template void pack_rows<double>(double*, int, const double* const*, int64_t, int64_t);
template void pack_offsets<float>(float*, int, const float*, const int64_t*, int64_t, int64_t);
template void pack_offsets<double>(double*, int, const double*, const int64_t*, int64_t, int64_t);

template <typename T>
DirectConv<T> direct_conv_kernel(int64_t oc) {
  const Kernel<T>& k = kernel_for<T>();
  if (oc <= k.lanes) return DirectConv<T>{2 * k.mr, k.lanes, k.dconv_narrow};
  return DirectConv<T>{k.mr, k.nr, k.dconv};
}
template DirectConv<float> direct_conv_kernel<float>(int64_t);
template DirectConv<double> direct_conv_kernel<double>(int64_t);

template <typename T>
RowConv<T> row_conv_kernel() {
  const Kernel<T>& k = kernel_for<T>();
  return RowConv<T>{k.rowconv_mo, k.lanes, 3, k.rowconv};
}
template RowConv<float> row_conv_kernel<float>();
template RowConv<double> row_conv_kernel<double>();

void gemm_set_isa(GemmIsa isa) { g_forced = isa; }

const char* gemm_isa_name() {
  switch (current_isa()) {
    case GemmIsa::Avx512: return "avx512";
    case GemmIsa::Avx2: return "avx2";
    default: return "generic";
  }
}

// ---- registered kernels ------------------------------------------------------------------------

namespace {

void check_float(const char* op, DType d) {
  if (d != DType::F32 && d != DType::F64)
    throw Error(ErrorCode::DType,
                std::string("torchlet: ") + op + " supports float32 and float64, got " + dtype_name(d));
}

template <typename T>
void matmul_impl(const TensorView& a, const TensorView& b, const TensorView& c, const MatmulParams& p) {
  const T* A = a.ptr<T>();
  const T* B = b.ptr<T>();
  T* C = c.ptr<T>();
  const int64_t lda = p.trans_a ? p.M : p.K, ldb = p.trans_b ? p.K : p.N, ldc = p.N;
  const T alpha = static_cast<T>(p.alpha), beta = static_cast<T>(p.beta);
  const int nt = omp_get_max_threads();
  // Many small products: one whole product per thread. Otherwise parallelise inside each product.
  const bool by_batch =
      p.batch >= nt && nt > 1 && p.stride_c != 0 && double(p.M) * double(p.N) * double(p.K) < double(1 << 21);
  if (by_batch) {
    std::string err;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i = 0; i < p.batch; ++i) {
      try {
        gemm<T>(p.trans_a, p.trans_b, p.M, p.N, p.K, alpha, A + i * p.stride_a, lda, B + i * p.stride_b, ldb, beta,
                C + i * p.stride_c, ldc, false);
      } catch (const std::exception& e) {
#pragma omp critical(tl_matmul_err)
        err = e.what();
      }
    }
    if (!err.empty()) throw Error(ErrorCode::OutOfMemory, err);
  } else {
    for (int64_t i = 0; i < p.batch; ++i)
      gemm<T>(p.trans_a, p.trans_b, p.M, p.N, p.K, alpha, A + i * p.stride_a, lda, B + i * p.stride_b, ldb, beta,
              C + i * p.stride_c, ldc, true);
  }
}

void matmul_cpu(const TensorView& a, const TensorView& b, const TensorView& c, const MatmulParams& p) {
  check_float("matmul", a.dtype);
  if (b.dtype != a.dtype || c.dtype != a.dtype)
    throw Error(ErrorCode::DType, "torchlet: matmul operands must share one dtype");
  if (a.dtype == DType::F32)
    matmul_impl<float>(a, b, c, p);
  else
    matmul_impl<double>(a, b, c, p);
}
TL_REGISTER_KERNEL(matmul_op, CPU, matmul_cpu, kFloatTypes);

template <typename T>
void linear_impl(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y) {
  const int64_t N = w.shape.at(0), K = w.shape.at(1);
  const int64_t M = K > 0 ? x.numel() / K : y.numel() / std::max<int64_t>(N, 1);
  T* Y = y.ptr<T>();
  T beta = T(0);
  if (bias.data) {
    const T* b = bias.ptr<T>();
    for (int64_t i = 0; i < M; ++i) std::memcpy(Y + i * N, b, sizeof(T) * N);
    beta = T(1);
  }
  gemm<T>(false, true, M, N, K, T(1), x.ptr<T>(), K, w.ptr<T>(), K, beta, Y, N, true);
}

void linear_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y) {
  check_float("linear", x.dtype);
  if (w.dtype != x.dtype || y.dtype != x.dtype || (bias.data && bias.dtype != x.dtype))
    throw Error(ErrorCode::DType, "torchlet: linear operands must share one dtype");
  if (x.dtype == DType::F32)
    linear_impl<float>(x, w, bias, y);
  else
    linear_impl<double>(x, w, bias, y);
}
TL_REGISTER_KERNEL(linear_forward_op, CPU, linear_forward_cpu, kFloatTypes);

// ---- Linear from a pre-packed weight (inference) ----------------------------------------------------
// The weight is the GEMM's A operand, packed once (PackedA of [N, K]); the product runs transposed,
// out^T [N, M] = W @ input^T, into a scratch that is then transposed into out with the bias and ReLU.
// So no call packs the weight again (the plain linear_forward packs it as B on every call).

[[noreturn]] void linear_packed_fail(const char* op, const std::string& what) {
  throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + op + ": " + what);
}

void linear_pack_info_cpu(const TensorView& out, const LinearPackedParams& p) {
  if (out.dtype != DType::I64 || out.numel() != 2)
    linear_packed_fail("linear_pack_info", "out must be an int64 tensor of 2 elements");
  out.ptr<int64_t>()[0] = PackedA<float>::size(p.N, p.K);
  out.ptr<int64_t>()[1] = PackedA<double>::size(p.N, p.K);
}
TL_REGISTER_KERNEL(linear_pack_info_op, CPU, linear_pack_info_cpu, dtype_bit(DType::I64));

void linear_pack_weight_cpu(const TensorView& w, const TensorView& out, const LinearPackedParams& p) {
  check_float("linear_pack_weight", w.dtype);
  if (out.dtype != w.dtype) linear_packed_fail("linear_pack_weight", "out must have the weight's dtype");
  if (w.numel() != p.N * p.K)
    linear_packed_fail("linear_pack_weight", "the weight has " + std::to_string(w.numel()) +
                                                 " elements, not N * K = " + std::to_string(p.N * p.K));
  auto pack = [&](auto z) {
    using T = decltype(z);
    if (out.numel() != PackedA<T>::size(p.N, p.K))
      linear_packed_fail("linear_pack_weight", "out has " + std::to_string(out.numel()) + " elements where " +
                                                   std::to_string(PackedA<T>::size(p.N, p.K)) + " are needed");
    PackedA<T>(p.N, p.K, StridedOperand<T>(w.ptr<T>(), p.K, 1), out.ptr<T>());
  };
  if (w.dtype == DType::F32)
    pack(float());
  else
    pack(double());
}
TL_REGISTER_KERNEL(linear_pack_weight_op, CPU, linear_pack_weight_cpu, kFloatTypes);

template <typename T>
void linear_packed_impl(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y,
                        const LinearPackedParams& p) {
  const char* op = "linear_packed_forward";
  if (w.numel() != PackedA<T>::size(p.N, p.K))
    linear_packed_fail(op, "the packed weight has " + std::to_string(w.numel()) + " elements where " +
                               std::to_string(PackedA<T>::size(p.N, p.K)) +
                               " are needed (pack it with linear_pack_weight)");
  if (x.numel() % p.K) linear_packed_fail(op, "the input's elements are not a multiple of K = " + std::to_string(p.K));
  const int64_t M = x.numel() / p.K;
  if (y.numel() != M * p.N)
    linear_packed_fail(
        op, "out has " + std::to_string(y.numel()) + " elements where " + std::to_string(M * p.N) + " are needed");
  if (bias.data && bias.numel() != p.N)
    linear_packed_fail(op,
                       "the bias has " + std::to_string(bias.numel()) + " elements, not N = " + std::to_string(p.N));
  if (M == 0) return;
  const PackedA<T> a(p.N, p.K, w.ptr<T>(), typename PackedA<T>::Prepacked{});
  thread_local std::vector<T> ct;  // out^T
  if (ct.size() < static_cast<size_t>(p.N * M)) ct.resize(static_cast<size_t>(p.N * M));
  gemm_ex<T>(p.N, M, p.K, T(1), a, StridedOperand<T>(x.ptr<T>(), p.K, 1), T(0), ct.data(), M, true);
  const T* b = bias.data ? bias.ptr<T>() : nullptr;
  T* out = y.ptr<T>();
  const T* c = ct.data();
  TL_PAR_FOR(
      M * p.N > (1 << 15), for (int64_t i = 0; i < M; ++i) {
        T* row = out + i * p.N;
        for (int64_t j = 0; j < p.N; ++j) {
          const T v = c[j * M + i] + (b ? b[j] : T(0));
          row[j] = p.relu && v <= T(0) ? T(0) : v;  // NaN kept, as relu does
        }
      });
}

void linear_packed_forward_cpu(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y,
                               const LinearPackedParams& p) {
  check_float("linear_packed_forward", x.dtype);
  if (w.dtype != x.dtype || y.dtype != x.dtype || (bias.data && bias.dtype != x.dtype))
    throw Error(ErrorCode::DType, "torchlet: linear_packed_forward operands must share one dtype");
  if (x.dtype == DType::F32)
    linear_packed_impl<float>(x, w, bias, y, p);
  else
    linear_packed_impl<double>(x, w, bias, y, p);
}
TL_REGISTER_KERNEL(linear_packed_forward_op, CPU, linear_packed_forward_cpu, kFloatTypes);

}  // namespace
}  // namespace cpu
}  // namespace tl
