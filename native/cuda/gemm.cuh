// native/cuda/gemm.cuh — torchlet's internal CUDA GEMM (float32 and float64; no cuBLAS, no tensor
// cores, so never TF32), shared by gemm.cu (matmul, linear), conv.cu.
// Contract: gemm::run computes, for every z in [0, Z) ("batch" / group index),
//     C_z[i][j] = alpha * sum_k A_z(i, k) * B_z(k, j) + beta * C_z[i][j] + rbias(z, i) + cbias(z, j)
// for i < M, j < N, k < K, on tl::cuda::stream(), asynchronously. The operands are *loaders*, so a
// convolution's im2col matrix is never stored (implicit GEMM):
//   Loader::kContig   true when memory is contiguous along k (picks the coalescing thread mapping)
//   Loader::Ctx       per-thread context for one outer index (i for A, j for B), computed once
//   ctx(z, outer)     that context (outer may be out of range: no memory access allowed here)
//   load(ctx, z, k)   the element for in-range outer and k (the kernel never asks for others)
// and the output is a *store*: element (z, i, j) lives at c[row(z, i) + col(z, j)].
// beta == 0: C is never read (NaN or garbage in C does not propagate). alpha == 0 or K == 0:
// C = beta * C (+ biases), A and B are not read.
// Determinism: each output element is summed by one thread in increasing k; when K is split
// (few output tiles, long K: e.g. conv weight gradients), the split depends only on the shapes, the
// partial sums go to a workspace and are added in split order. No atomics.
// Plan (plan_for): the tile size and the number of K splits with the least time under a model of a
// reference GPU (132 SMs, two blocks each), so that a grid does not end with SMs half idle.
// Kernel: block tile BM x BN x BK in shared memory (double-buffered, with register prefetch of the
// next k-slice), each thread a TM x TN register tile made of two (TM/2) x (TN/2) halves so that the
// shared-memory reads are conflict-free 8/16-byte vector loads:
//   float32 128x128x8, 8x8 per thread, or 64x64x8, 4x4 per thread (whichever plan_for finds faster);
//   float64 64x64x8, 4x4 per thread. 256 threads in every case.
#pragma once
#include <algorithm>
#include <climits>
#include <cstdint>
#include <type_traits>

#include "cuda/common.cuh"

// Operand loaders and output stores are host+device, so their index arithmetic can be unit-tested
// on a machine without a GPU.
#define TL_HD __host__ __device__ __forceinline__

namespace tl {
namespace cuda {

// A device temporary from the caching allocator, freed (stream-ordered) when it goes out of scope.
struct DeviceBuffer {
  void* p = nullptr;
  size_t bytes = 0;
  explicit DeviceBuffer(size_t b) : bytes(b) {
    if (b) p = device_alloc(b);
  }
  ~DeviceBuffer() {
    if (p) {
      try {
        device_free(p, bytes);
      } catch (...) {}
    }
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <typename T>
  T* as() const {
    return static_cast<T*>(p);
  }
};

// q = a / d, r = a % d for a >= 0, d > 0, with 32-bit division when both fit.
__host__ __device__ __forceinline__ void divmod64(int64_t a, int64_t d, int64_t& q, int64_t& r) {
  if (a <= INT32_MAX && d <= INT32_MAX) {
    const uint32_t qq = uint32_t(a) / uint32_t(d);
    q = qq;
    r = a - int64_t(qq) * d;
  } else {
    q = a / d;
    r = a - q * d;
  }
}

namespace gemm {

template <typename T, int BM_, int BN_, int BK_, int TM_, int TN_>
struct Tile {
  using type = T;
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int TX = BN / TN, TY = BM / TM, THREADS = TX * TY;
  static constexpr int PAD = int(16 / sizeof(T));                       // keeps rows 16-byte aligned, spreads banks
  static constexpr int LA = BM * BK / THREADS, LB = BN * BK / THREADS;  // global loads per thread
  static_assert(THREADS % BK == 0 && THREADS % BM == 0 && THREADS % BN == 0, "tile / thread mismatch");
  static_assert(LA * THREADS == BM * BK && LB * THREADS == BN * BK, "tile / thread mismatch");
  static_assert(TM % 2 == 0 && TN % 2 == 0, "register tile halves");
};
using TileF32 = Tile<float, 128, 128, 8, 8, 8>;
using TileF32Small = Tile<float, 64, 64, 8, 4, 4>;
using TileF64 = Tile<double, 64, 64, 8, 4, 4>;

// Which (outer, k) of the BO x BK operand tile this thread loads as its r-th element. k-contiguous
// operands: consecutive threads take consecutive k (the thread's k is fixed, its outer index varies
// with r); otherwise consecutive threads take consecutive outer indices (fixed outer index).
template <int BO, int BK, int THREADS, bool KC>
struct Map {
  TL_HD static int o(int tid, int r) { return KC ? tid / BK + r * (THREADS / BK) : tid % BO; }
  TL_HD static int k(int tid, int r) { return KC ? tid % BK : tid / BO + r * (THREADS / BO); }
};

template <typename T, int L>
struct alignas(sizeof(T) * L) Vec {
  T v[L];
};

template <typename T>
struct Params {
  int64_t M, N, K;
  int64_t tilesN;
  int64_t z0;  // first z of this launch (blockIdx.y = z - z0)
  int64_t kc;  // k range of one split (blockIdx.z)
  T alpha, beta;
  T* ws;       // split-K partials [S][Z][M][N], or nullptr: write C directly
  int64_t zc;  // number of z in this launch
};

// ---- operands and stores used by several files ----------------------------------------------------

// X(outer, k) = p[z * zs + outer * os + k * ks]
template <typename T, bool KC>
struct Strided {
  static constexpr bool kContig = KC;
  using Ctx = const T*;
  const T* p;
  int64_t zs, os, ks;
  TL_HD Ctx ctx(int64_t z, int64_t o) const { return p + z * zs + o * os; }
  TL_HD T load(Ctx c, int64_t, int64_t k) const { return c[k * ks]; }
};

// Dense C: c[z * zs + i * ldc + j], optional bias per column (linear).
template <typename T>
struct DenseC {
  T* c;
  int64_t zs, ldc;
  const T* cb;  // per column j, or nullptr
  TL_HD int64_t row(int64_t z, int64_t i) const { return z * zs + i * ldc; }
  TL_HD int64_t col(int64_t, int64_t j) const { return j; }
  TL_HD T rbias(int64_t, int64_t) const { return T(0); }
  TL_HD T cbias(int64_t, int64_t j) const { return cb ? cb[j] : T(0); }
};

// Channel planes: row i of group z is channel z*R + i, column j = (image n, position q) with
// q < P; element at c[(z*R + i) * P + n * NS + q]. Optional bias per channel. (Conv outputs
// [N, Ch, P] with NS = Ch*P; conv weight gradients [OC, Kg] with P = Kg, N = Kg columns.)
template <typename T>
struct PlaneC {
  T* c;
  const T* rb;  // per channel z*R + i, or nullptr
  int64_t R, P, NS;
  TL_HD int64_t row(int64_t z, int64_t i) const { return (z * R + i) * P; }
  TL_HD int64_t col(int64_t, int64_t j) const {
    int64_t n, q;
    divmod64(j, P, n, q);
    return n * NS + q;
  }
  TL_HD T rbias(int64_t z, int64_t i) const { return rb ? rb[z * R + i] : T(0); }
  TL_HD T cbias(int64_t, int64_t) const { return T(0); }
};

// Two blocks of the kernel resident per SM (__launch_bounds__), which caps it at 128 registers: the big
// tile spills a few, yet one block per SM without spills measured 1.2-1.5x slower (H200, session 28).
constexpr int kMinBlocks = 2;

// ---- the kernel ---------------------------------------------------------------------------------
// grid: x = tile index (tilesM * tilesN, row-major over tiles), y = z - z0, z = K split.
template <typename Cfg, typename LA, typename LB, typename CS>
__global__ void __launch_bounds__(Cfg::THREADS, kMinBlocks)
    gemm_kernel(Params<typename Cfg::type> p, LA la, LB lb, CS cs) {
  using T = typename Cfg::type;
  constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, TM = Cfg::TM, TN = Cfg::TN, TX = Cfg::TX;
  constexpr int HM = TM / 2, HN = TN / 2, PAD = Cfg::PAD, THREADS = Cfg::THREADS;
  constexpr int NA = Cfg::LA, NB = Cfg::LB;
  constexpr int NCA = LA::kContig ? NA : 1, NCB = LB::kContig ? NB : 1;  // distinct outer indices
  using MapA = Map<BM, BK, THREADS, LA::kContig>;
  using MapB = Map<BN, BK, THREADS, LB::kContig>;
  __shared__ __align__(16) T As[2][BK][BM + PAD];
  __shared__ __align__(16) T Bs[2][BK][BN + PAD];

  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
  const int64_t tile = blockIdx.x;
  const int64_t m0 = (tile / p.tilesN) * BM, n0 = (tile % p.tilesN) * BN;
  const int64_t zl = blockIdx.y, z = p.z0 + zl;
  const int64_t kbeg = int64_t(blockIdx.z) * p.kc, kend = min(p.K, kbeg + p.kc);

  typename LA::Ctx ca[NCA];
  typename LB::Ctx cb[NCB];
  bool va[NCA], vb[NCB];
#pragma unroll
  for (int r = 0; r < NCA; ++r) {
    const int64_t o = m0 + MapA::o(tid, r);
    va[r] = o < p.M;
    ca[r] = la.ctx(z, o);
  }
#pragma unroll
  for (int r = 0; r < NCB; ++r) {
    const int64_t o = n0 + MapB::o(tid, r);
    vb[r] = o < p.N;
    cb[r] = lb.ctx(z, o);
  }

  T ra[NA], rb[NB];
  auto fetch = [&](int64_t k0) {
#pragma unroll
    for (int r = 0; r < NA; ++r) {
      const int c = LA::kContig ? r : 0;
      const int64_t k = k0 + MapA::k(tid, r);
      ra[r] = (va[c] && k < kend) ? la.load(ca[c], z, k) : T(0);
    }
#pragma unroll
    for (int r = 0; r < NB; ++r) {
      const int c = LB::kContig ? r : 0;
      const int64_t k = k0 + MapB::k(tid, r);
      rb[r] = (vb[c] && k < kend) ? lb.load(cb[c], z, k) : T(0);
    }
  };
  auto stash = [&](int buf) {
#pragma unroll
    for (int r = 0; r < NA; ++r) As[buf][MapA::k(tid, r)][MapA::o(tid, r)] = ra[r];
#pragma unroll
    for (int r = 0; r < NB; ++r) Bs[buf][MapB::k(tid, r)][MapB::o(tid, r)] = rb[r];
  };

  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  fetch(kbeg);
  stash(0);
  __syncthreads();
  int buf = 0;
  for (int64_t k0 = kbeg; k0 < kend; k0 += BK) {
    const bool more = k0 + BK < kend;
    if (more) fetch(k0 + BK);  // global loads in flight while this slice is multiplied
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T a[TM], b[TN];
      const Vec<T, HM> a0 = *reinterpret_cast<const Vec<T, HM>*>(&As[buf][kk][ty * HM]);
      const Vec<T, HM> a1 = *reinterpret_cast<const Vec<T, HM>*>(&As[buf][kk][BM / 2 + ty * HM]);
      const Vec<T, HN> b0 = *reinterpret_cast<const Vec<T, HN>*>(&Bs[buf][kk][tx * HN]);
      const Vec<T, HN> b1 = *reinterpret_cast<const Vec<T, HN>*>(&Bs[buf][kk][BN / 2 + tx * HN]);
#pragma unroll
      for (int i = 0; i < HM; ++i) {
        a[i] = a0.v[i];
        a[HM + i] = a1.v[i];
      }
#pragma unroll
      for (int j = 0; j < HN; ++j) {
        b[j] = b0.v[j];
        b[HN + j] = b1.v[j];
      }
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
    if (more) stash(buf ^ 1);
    __syncthreads();
    buf ^= 1;
  }

  // epilogue
  int64_t coff[TN];
  T cbv[TN];
  bool cv[TN];
#pragma unroll
  for (int j = 0; j < TN; ++j) {
    const int64_t col = n0 + (j / HN) * (BN / 2) + tx * HN + (j % HN);
    cv[j] = col < p.N;
    coff[j] = cv[j] ? cs.col(z, col) : 0;
    cbv[j] = cv[j] ? cs.cbias(z, col) : T(0);
  }
#pragma unroll
  for (int i = 0; i < TM; ++i) {
    const int64_t row = m0 + (i / HM) * (BM / 2) + ty * HM + (i % HM);
    if (row >= p.M) continue;
    if (p.ws) {
      T* w = p.ws + ((int64_t(blockIdx.z) * p.zc + zl) * p.M + row) * p.N;
#pragma unroll
      for (int j = 0; j < TN; ++j)
        if (cv[j]) w[n0 + (j / HN) * (BN / 2) + tx * HN + (j % HN)] = acc[i][j];
    } else {
      const int64_t roff = cs.row(z, row);
      const T rbv = cs.rbias(z, row);
#pragma unroll
      for (int j = 0; j < TN; ++j) {
        if (!cv[j]) continue;
        T* dst = cs.c + roff + coff[j];
        T v = p.alpha * acc[i][j];
        if (p.beta != T(0)) v += p.beta * *dst;
        *dst = v + (rbv + cbv[j]);
      }
    }
  }
}

// C from the split-K partials ws [S][Z][M][N], added in split order; same epilogue as the kernel.
template <typename T, typename CS>
__global__ void splitk_reduce_kernel(const T* __restrict ws, int S, int64_t Z, int64_t M, int64_t N, T alpha, T beta,
                                     CS cs) {
  const int64_t MN = M * N, total = Z * MN;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    T s = T(0);
    for (int t = 0; t < S; ++t) s += ws[t * total + e];
    int64_t z, rem, i, j;
    divmod64(e, MN, z, rem);
    divmod64(rem, N, i, j);
    T* dst = cs.c + cs.row(z, i) + cs.col(z, j);
    T v = alpha * s;
    if (beta != T(0)) v += beta * *dst;
    *dst = v + (cs.rbias(z, i) + cs.cbias(z, j));
  }
}

// How a GEMM is launched: the tile and the number of K splits.
struct Plan {
  bool big;    // TileF32 (128x128) rather than TileF32Small (float32 only)
  int64_t S;   // K splits (1: no split)
  int64_t kc;  // k range of one split, a multiple of BK
};

// Split-K's partial-sum workspace stays under 256 MiB; at most 64 splits of at least 256 k each.
constexpr int64_t kMinSplitK = 256, kMaxSplits = 64, kMaxWs = int64_t(1) << 26;
// The reference device: 132 SMs (an H100 / H200), each running two blocks of 256 threads at once. The
// plan depends on the shapes only, never on the GPU, so results are the same on every device.
constexpr int64_t kSMs = 132;

// Time of `blocks` blocks of `work` multiply-adds each: the blocks spread over the SMs; an SM runs
// kMinBlocks = 2 at a time, and a block alone on its SM (the odd one left at the end) runs at 0.65 of
// the SM's full rate (on an H200, a split that fills the SMs beat a grid leaving SMs half idle).
inline double grid_time(int64_t blocks, double work) {
  const int64_t b = (blocks + kSMs - 1) / kSMs;  // blocks on the busiest SM
  return double(b / 2) * 2 * work + (b % 2 ? work / 0.65 : 0.0);
}

// The cheapest plan under that model: the small tile's multiply-adds count 1.7 times (its lower
// efficiency per multiply-add), a split adds its reduction pass (about 0.3 work units per element of
// the partials read). Ties keep fewer splits. Depends on the shapes only.
inline Plan plan_for(bool f32, int64_t Z, int64_t M, int64_t N, int64_t K) {
  Plan best{f32, 1, std::max<int64_t>(K, 1)};
  double best_cost = -1;
  for (int big = f32 ? 1 : 0; big >= 0; --big) {
    const int64_t BM = big ? 128 : 64;
    const double eff = (f32 && !big) ? 1.7 : 1.0;
    const int64_t tiles = ((M + BM - 1) / BM) * ((N + BM - 1) / BM) * Z;
    int64_t maxS = 1;
    if (K >= 2 * kMinSplitK && Z <= 65535) maxS = std::min<int64_t>(K / kMinSplitK, kMaxSplits);
    int64_t last = 0;
    for (int64_t s = 1; s <= maxS; ++s) {
      int64_t kc = std::max<int64_t>((K + s - 1) / s, 1);
      kc = (kc + 7) / 8 * 8;
      const int64_t S = std::max<int64_t>(1, (K + kc - 1) / kc);
      if (S == last) continue;
      last = S;
      if (S > 1 && S * Z * M * N > kMaxWs) break;
      double cost = grid_time(tiles * S, double(BM * BM) * double(kc) * eff);
      if (S > 1) cost += 0.3 * double(S + 1) * double(Z * M * N);
      if (best_cost < 0 || cost < best_cost * 0.999) {
        best_cost = cost;
        best = Plan{bool(big), S, S > 1 ? kc : std::max<int64_t>(K, 1)};
      }
    }
  }
  return best;
}

template <typename Cfg, typename LA, typename LB, typename CS>
void run_cfg(int64_t Z, int64_t M, int64_t N, int64_t K, typename Cfg::type alpha, typename Cfg::type beta,
             const LA& la, const LB& lb, const CS& cs, const Plan& plan, const char* name) {
  using T = typename Cfg::type;
  const int64_t tilesM = (M + Cfg::BM - 1) / Cfg::BM, tilesN = (N + Cfg::BN - 1) / Cfg::BN;
  const int64_t tiles = tilesM * tilesN;
  if (tiles > INT32_MAX)
    throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + name + ": matrix too large for the CUDA GEMM");
  Params<T> p{};
  p.M = M;
  p.N = N;
  p.K = K;
  p.tilesN = tilesN;
  p.alpha = alpha;
  p.beta = beta;
  if (plan.S > 1) {
    const int64_t S = plan.S;
    DeviceBuffer ws(size_t(S * Z * M * N) * sizeof(T));
    p.ws = ws.as<T>();
    p.z0 = 0;
    p.zc = Z;
    p.kc = plan.kc;
    const dim3 grid{unsigned(tiles), unsigned(Z), unsigned(S)};
    cuda::launch<gemm_kernel<Cfg, LA, LB, CS>>(grid, Cfg::THREADS, 0, stream(), p, la, lb, cs);
    TL_CUDA_LAUNCH_CHECK(name);
    cuda::launch<splitk_reduce_kernel<T, CS>>(blocks_for(Z * M * N), 256, 0, stream(), p.ws, int(S), Z, M, N, alpha,
                                              beta, cs);
    TL_CUDA_LAUNCH_CHECK(name);
    return;
  }
  p.ws = nullptr;
  p.kc = std::max<int64_t>(K, 1);
  for (int64_t z0 = 0; z0 < Z; z0 += 65535) {
    p.z0 = z0;
    p.zc = std::min<int64_t>(65535, Z - z0);
    const dim3 grid{unsigned(tiles), unsigned(p.zc), 1u};
    cuda::launch<gemm_kernel<Cfg, LA, LB, CS>>(grid, Cfg::THREADS, 0, stream(), p, la, lb, cs);
    TL_CUDA_LAUNCH_CHECK(name);
  }
}

// The entry point (see the file comment). T is float or double.
template <typename T, typename LA, typename LB, typename CS>
void run(int64_t Z, int64_t M, int64_t N, int64_t K, T alpha, T beta, const LA& la, const LB& lb, const CS& cs,
         const char* name) {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
  if (Z <= 0 || M <= 0 || N <= 0) return;
  if (K < 0 || alpha == T(0)) K = 0;
  constexpr bool f32 = std::is_same<T, float>::value;
  const Plan plan = plan_for(f32, Z, M, N, K);
  if constexpr (f32) {
    if (plan.big)
      run_cfg<TileF32>(Z, M, N, K, alpha, beta, la, lb, cs, plan, name);
    else
      run_cfg<TileF32Small>(Z, M, N, K, alpha, beta, la, lb, cs, plan, name);
  } else {
    run_cfg<TileF64>(Z, M, N, K, alpha, beta, la, lb, cs, plan, name);
  }
}

// ---- per-channel sums (conv bias gradients) -------------------------------------------------------
// db[o] = sum over n < N, q < P of dy[(n * OC + o) * P + q]: one block per channel, each thread a
// fixed strided subset in double, then a fixed tree — deterministic.
template <typename T>
__global__ void channel_sum_kernel(const T* __restrict dy, int64_t N, int64_t OC, int64_t P, T* __restrict db) {
  __shared__ double part[256];
  const int64_t o = blockIdx.x, total = N * P;
  double s = 0;
  for (int64_t e = threadIdx.x; e < total; e += blockDim.x) {
    int64_t n, q;
    divmod64(e, P, n, q);
    s += double(dy[(n * OC + o) * P + q]);
  }
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = 128; w > 0; w >>= 1) {
    if (int(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) db[o] = T(part[0]);
}

template <typename T>
void channel_sum(const T* dy, int64_t N, int64_t OC, int64_t P, T* db, const char* name) {
  if (OC <= 0) return;
  if (OC > INT32_MAX) throw Error(ErrorCode::InvalidArg, std::string("torchlet: ") + name + ": too many channels");
  cuda::launch<channel_sum_kernel<T>>(unsigned(OC), 256, 0, stream(), dy, N, OC, P, db);
  TL_CUDA_LAUNCH_CHECK(name);
}

}  // namespace gemm
}  // namespace cuda
}  // namespace tl
