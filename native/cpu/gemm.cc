// native/cpu/gemm.cc — internal blocked GEMM (see gemm.h) and the CPU kernels matmul_op and
// linear_forward_op.
// Contract: matmul_op / linear_forward_op accept F32 or F64 (all operands one dtype; anything else is
// tl::Error(Invalid)); buffers are contiguous; outputs are overwritten (matmul honours beta).
// Structure (BLIS style): loops jc (NC columns of C) > pc (KC of the K dim; pack a KCxNC block of B)
// > ic (MC rows; pack an MCxKC block of A) > jr (NR) > ir (MR) > micro-kernel, which keeps an
// MR x NR tile of C in vector registers. Micro-kernels are written once with GCC vector extensions and
// instantiated per ISA with __attribute__((target)): AVX-512 (12x32 float / 12x16 double),
// AVX2+FMA (6x16 / 6x8) and a baseline SSE2 (6x8 / 6x4); the ISA is picked at run time.
#include "gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "../core/ops.h"

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

template <typename T, int Bytes> struct VecT;
template <> struct VecT<float, 16> { typedef float type __attribute__((vector_size(16))); };
template <> struct VecT<double, 16> { typedef double type __attribute__((vector_size(16))); };
template <> struct VecT<float, 32> { typedef float type __attribute__((vector_size(32))); };
template <> struct VecT<double, 32> { typedef double type __attribute__((vector_size(32))); };
template <> struct VecT<float, 64> { typedef float type __attribute__((vector_size(64))); };
template <> struct VecT<double, 64> { typedef double type __attribute__((vector_size(64))); };

// Micro-kernel signature: C[MM x NV*L] = alpha * Ap @ Bp + beta * C (C not read when beta == 0).
// Ap: kc steps of MRP packed values (the first MM used); Bp: kc steps of NRP packed values (64-byte
// aligned; the first NV vectors used).
template <typename T>
using Ukr = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha, T beta);

template <typename T, typename V, int MRP, int NRP, int MM, int NV>
TL_INLINE void ukr_body(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c, int64_t ldc,
                        T alpha, T beta) {
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

// One struct per ISA; ukr<> is the micro-kernel instantiated for that ISA.
struct IsaGeneric {
  static constexpr int bytes = 16;
  template <typename T, int MRP, int NRP, int MM, int NV>
  static void ukr(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha, T beta) {
    ukr_body<T, typename VecT<T, 16>::type, MRP, NRP, MM, NV>(kc, a, b, c, ldc, alpha, beta);
  }
};
#if TL_GEMM_X86
struct IsaAvx2 {
  static constexpr int bytes = 32;
  template <typename T, int MRP, int NRP, int MM, int NV>
  TL_TARGET_AVX2 static void ukr(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha, T beta) {
    ukr_body<T, typename VecT<T, 32>::type, MRP, NRP, MM, NV>(kc, a, b, c, ldc, alpha, beta);
  }
};
struct IsaAvx512 {
  static constexpr int bytes = 64;
  template <typename T, int MRP, int NRP, int MM, int NV>
  TL_TARGET_AVX512 static void ukr(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, T alpha, T beta) {
    ukr_body<T, typename VecT<T, 64>::type, MRP, NRP, MM, NV>(kc, a, b, c, ldc, alpha, beta);
  }
};
#endif

constexpr int kMaxMR = 12, kMaxNV = 2;

// Everything the driver needs to know about one (ISA, dtype): register tile, cache blocking and a
// table of micro-kernels for every edge tile: ukr[m-1][nv-1] computes m rows and nv vectors.
template <typename T>
struct Kernel {
  const char* name;
  int mr, nr, lanes;  // tile MR x NR, NR = NV * lanes
  int64_t kc, mc, nc;
  Ukr<T> ukr[kMaxMR][kMaxNV];
};

template <typename Isa, typename T, int MR, int NV, int... Ms>
void fill_ukr_table(Kernel<T>& k, std::integer_sequence<int, Ms...>) {
  constexpr int NR = NV * Isa::bytes / int(sizeof(T));
  ((k.ukr[Ms][0] = &Isa::template ukr<T, MR, NR, Ms + 1, 1>), ...);
  if constexpr (NV >= 2) ((k.ukr[Ms][1] = &Isa::template ukr<T, MR, NR, Ms + 1, 2>), ...);
}

template <typename Isa, typename T, int MR, int NV>
Kernel<T> make_kernel(const char* name, int64_t kc, int64_t mc, int64_t nc) {
  static_assert(MR <= kMaxMR && NV <= kMaxNV, "tile too large");
  Kernel<T> k{};
  k.name = name;
  k.lanes = Isa::bytes / int(sizeof(T));
  k.mr = MR;
  k.nr = NV * k.lanes;
  k.kc = kc;
  k.mc = mc / MR * MR;
  k.nc = nc / k.nr * k.nr;
  fill_ukr_table<Isa, T, MR, NV>(k, std::make_integer_sequence<int, MR>{});
  return k;
}

// Blocking: the KC x NR micro-panel of B (32 KiB) stays in L1 while MR x KC slivers of the MC x KC
// block of A stream from L2.
template <typename T>
struct Kernels {
  Kernel<T> generic = make_kernel<IsaGeneric, T, 6, 2>("generic", 256, 120, 4096);
#if TL_GEMM_X86
  Kernel<T> avx2 = make_kernel<IsaAvx2, T, 6, 2>("avx2", 256, 144, 4096);
  Kernel<T> avx512 = make_kernel<IsaAvx512, T, 12, 2>("avx512", 256, 192, 4096);
#endif
};

GemmIsa g_forced = GemmIsa::Auto;

GemmIsa detect_isa() {
#if TL_GEMM_X86
  static const GemmIsa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma"))
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

// dst[k * w + r] = src[r * rs + k * ks] for r < n, k < kc; rows n..w-1 zero.
template <typename T>
void pack_panel(T* __restrict dst, const T* __restrict src, int64_t rs, int64_t ks, int64_t n, int w, int64_t kc) {
  if (rs == 1) {
    for (int64_t k = 0; k < kc; ++k) {
      const T* s = src + k * ks;
      T* d = dst + k * w;
      for (int64_t r = 0; r < n; ++r) d[r] = s[r];
      for (int64_t r = n; r < w; ++r) d[r] = T(0);
    }
  } else {
    for (int64_t r = 0; r < n; ++r) {
      const T* s = src + r * rs;
      for (int64_t k = 0; k < kc; ++k) dst[k * w + r] = s[k * ks];
    }
    if (n < w)
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t r = n; r < w; ++r) dst[k * w + r] = T(0);
  }
}

// op(B) given as a strided matrix.
template <typename T>
struct StridedPackB final : PackB<T> {
  const T* B;
  int64_t ldb;
  bool trans;
  StridedPackB(const T* b, int64_t ld, bool t) : B(b), ldb(ld), trans(t) {}
  void pack(T* dst, int64_t k0, int64_t kc, int64_t j0, int64_t n, int nr) const override {
    if (!trans)
      pack_panel(dst, B + k0 * ldb + j0, 1, ldb, n, nr, kc);
    else
      pack_panel(dst, B + j0 * ldb + k0, ldb, 1, n, nr, kc);
  }
};

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

// Serial blocked GEMM on C[0:M, 0:N]; op(B) columns are offset by j_ofs in the packer's coordinates.
template <typename T>
void gemm_serial(const Kernel<T>& kn, bool trans_a, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const PackB<T>& pb, int64_t j_ofs, T beta, T* C, int64_t ldc) {
  const int MR = kn.mr, NR = kn.nr, L = kn.lanes;
  const int64_t KC = kn.kc;
  const int64_t MC = std::min<int64_t>(kn.mc, (M + MR - 1) / MR * MR);
  const int64_t NC = std::min<int64_t>(kn.nc, (N + NR - 1) / NR * NR);
  T* ap = static_cast<T*>(t_pack_a.get(sizeof(T) * MC * std::min(KC, K)));
  T* bp = static_cast<T*>(t_pack_b.get(sizeof(T) * NC * std::min(KC, K)));
  alignas(64) T tile[kMaxMR * kMaxNV * 64 / sizeof(T)];
  // A element (i, k) lives at A[i * a_rs + k * a_ks].
  const int64_t a_rs = trans_a ? 1 : lda, a_ks = trans_a ? lda : 1;

  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      for (int64_t jr = 0; jr < nc; jr += NR) pb.pack(bp + jr * kc, pc, kc, j_ofs + jc + jr, std::min<int64_t>(NR, nc - jr), NR);
      const T b_eff = pc == 0 ? beta : T(1);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        for (int64_t ir = 0; ir < mc; ir += MR)
          pack_panel(ap + ir * kc, A + (ic + ir) * a_rs + pc * a_ks, a_rs, a_ks, std::min<int64_t>(MR, mc - ir), MR, kc);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t n = std::min<int64_t>(NR, nc - jr);
          const int nv = static_cast<int>((n + L - 1) / L);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int m = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            T* c = C + (ic + ir) * ldc + jc + jr;
            Ukr<T> f = kn.ukr[m - 1][nv - 1];
            if (n == nv * L) {
              f(kc, ap + ir * kc, bp + jr * kc, c, ldc, alpha, b_eff);
            } else {  // ragged right edge: compute into a tile, then merge
              f(kc, ap + ir * kc, bp + jr * kc, tile, NR, alpha, T(0));
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

template <typename T>
void gemm_dispatch(bool trans_a, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                   const PackB<T>& pb, T beta, T* C, int64_t ldc, bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const Kernel<T>& kn = kernel_for<T>();
  int nt = 1;
  if (parallel && !omp_in_parallel() && double(M) * double(N) * double(K) >= double(1 << 19))
    nt = omp_get_max_threads();
  // Split the dimension with more micro-tiles into nt contiguous ranges of whole tiles.
  const int64_t mt = (M + kn.mr - 1) / kn.mr, ntl = (N + kn.nr - 1) / kn.nr;
  const bool split_n = ntl >= mt;
  nt = static_cast<int>(std::min<int64_t>(nt, split_n ? ntl : mt));
  if (nt <= 1) {
    gemm_serial(kn, trans_a, M, N, K, alpha, A, lda, pb, 0, beta, C, ldc);
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
          gemm_serial(kn, trans_a, M, hi - lo, K, alpha, A, lda, pb, lo, beta, C + lo, ldc);
        else
          gemm_serial(kn, trans_a, hi - lo, N, K, alpha, A + lo * (trans_a ? 1 : lda), lda, pb, 0, beta,
                      C + lo * ldc, ldc);
      }
    } catch (const std::exception& e) {
#pragma omp critical(tl_gemm_err)
      err = e.what();
    }
  }
  if (!err.empty()) throw Error(ErrorCode::OutOfMemory, err);
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc, bool parallel) {
  StridedPackB<T> pb(B, ldb, trans_b);
  gemm_dispatch<T>(trans_a, M, N, K, alpha, A, lda, pb, beta, C, ldc, parallel);
}

template <typename T>
void gemm_packed_b(bool trans_a, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                   const PackB<T>& packer, T beta, T* C, int64_t ldc, bool parallel) {
  gemm_dispatch<T>(trans_a, M, N, K, alpha, A, lda, packer, beta, C, ldc, parallel);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                          int64_t, float, float*, int64_t, bool);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t, bool);
template void gemm_packed_b<float>(bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                   const PackB<float>&, float, float*, int64_t, bool);
template void gemm_packed_b<double>(bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                    const PackB<double>&, double, double*, int64_t, bool);

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
    throw Error(ErrorCode::Invalid, std::string("torchlet: ") + op + " supports float32 and float64, got " +
                                        dtype_name(d));
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
  const bool by_batch = p.batch >= nt && nt > 1 && p.stride_c != 0 &&
                        double(p.M) * double(p.N) * double(p.K) < double(1 << 21);
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
    throw Error(ErrorCode::Invalid, "torchlet: matmul operands must share one dtype");
  if (a.dtype == DType::F32)
    matmul_impl<float>(a, b, c, p);
  else
    matmul_impl<double>(a, b, c, p);
}

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
    throw Error(ErrorCode::Invalid, "torchlet: linear operands must share one dtype");
  if (x.dtype == DType::F32)
    linear_impl<float>(x, w, bias, y);
  else
    linear_impl<double>(x, w, bias, y);
}

}  // namespace
}  // namespace cpu
}  // namespace tl

TL_REGISTER_KERNEL(matmul_op, CPU, &tl::cpu::matmul_cpu);
TL_REGISTER_KERNEL(linear_forward_op, CPU, &tl::cpu::linear_forward_cpu);
