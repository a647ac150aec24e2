// native/cpu/reduce.cc — reductions over the middle axis of x viewed as [outer, r, inner]:
// sum, mean, prod, max, min (values) and argmax/argmin (int64 indices, first occurrence wins, NaN wins
// as in PyTorch). Accumulates in double for float32 so sums over large r stay accurate; integer sums
// accumulate in int64 and are written as int64 (the declaration in native/ops/reduce.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>
#include "core/dispatch.h"
#include "ops/reduce.h"
#include "core/parallel.h"

namespace tl {
namespace {

template <typename T>
using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;

// ---- vectorised paths: sum / mean, and max / min values -------------------------------------------
// Contiguous runs (inner == 1) of at least 64 elements in 32 independent accumulators (the compiler's
// vectors; float32 sums in double lanes), folded pairwise in a fixed order; runs of at least 64K are
// split into fixed 32K-element chunks on the threads, their partials combined in chunk order. Which
// path a run takes depends on its length only, so the result does not depend on the thread count. Strided runs (inner >
// 1) add whole rows of outputs at a time (contiguous along inner), in blocks of 64. A full sum of 1M floats 900 -> 60
// us, max 900 -> 40 (bench/reduce.js: bench/results/reduce-cpu-2026-12-01.txt).
constexpr int64_t kChunk = int64_t(1) << 15;
template <typename T>
struct Part {
  Acc<T> sum = 0;
  T best{};
  bool nan = false;
};
// (kLanes independent accumulators: four vectors' worth of AVX-512 double lanes, so that the adds'
// latency does not chain; the function cloned per instruction set, the build's baseline being SSE2)
constexpr int kLanes = 32;
template <typename T>
TL_TARGET_CLONES Part<T> run_part(ReduceOp op, const T* x, int64_t n) {
  Part<T> p;
  if (op == ReduceOp::Sum || op == ReduceOp::Mean) {
    Acc<T> a[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes)
      for (int j = 0; j < kLanes; ++j) a[j] += x[k + j];
    for (int w = kLanes / 2; w >= 1; w /= 2)  // pairwise, in a fixed order
      for (int j = 0; j < w; ++j) a[j] += a[j + w];
    p.sum = a[0];
    for (; k < n; ++k) p.sum += x[k];
    return p;
  }
  const bool mx = op == ReduceOp::Max;
  T b[kLanes];
  int32_t nan[kLanes] = {};  // (counts, not bools: the loops vectorise)
  for (int j = 0; j < kLanes; ++j) b[j] = x[0];
  int64_t k = 0;
  if (mx)
    for (; k + kLanes <= n; k += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const T v = x[k + j];
        nan[j] += v != v;
        b[j] = v > b[j] ? v : b[j];
      }
  else
    for (; k + kLanes <= n; k += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const T v = x[k + j];
        nan[j] += v != v;
        b[j] = v < b[j] ? v : b[j];
      }
  for (; k < n; ++k) {
    const T v = x[k];
    nan[0] += v != v;
    b[0] = (mx ? v > b[0] : v < b[0]) ? v : b[0];
  }
  p.best = b[0];
  p.nan = nan[0] != 0;
  for (int j = 1; j < kLanes; ++j) {
    p.best = (mx ? b[j] > p.best : b[j] < p.best) ? b[j] : p.best;
    p.nan |= nan[j] != 0;
  }
  return p;
}
// acc[i] = sum over k < r of base[k * inner + i], i < n <= kColBlock (in k order)
constexpr int64_t kColBlock = 64;
template <typename T>
TL_TARGET_CLONES void col_sums(const T* base, int64_t r, int64_t inner, int64_t n, Acc<T>* acc) {
  for (int64_t i = 0; i < n; ++i) acc[i] = 0;
  if (n == kColBlock) {  // (a constant trip count: the compiler keeps the row in vectors)
    for (int64_t k = 0; k < r; ++k)
      for (int64_t i = 0; i < kColBlock; ++i) acc[i] += base[k * inner + i];
    return;
  }
  for (int64_t k = 0; k < r; ++k)
    for (int64_t i = 0; i < n; ++i) acc[i] += base[k * inner + i];
}
template <typename T>
void write_out(ReduceOp op, const Part<T>& p, int64_t r, void* outp, int64_t oi) {
  if (op == ReduceOp::Sum || op == ReduceOp::Mean) {
    Acc<T> acc = p.sum;
    if (op == ReduceOp::Mean) acc = r ? acc / Acc<T>(r) : Acc<T>(0);
    if constexpr (std::is_floating_point<T>::value)
      static_cast<T*>(outp)[oi] = static_cast<T>(acc);
    else
      static_cast<int64_t*>(outp)[oi] = acc;
    return;
  }
  static_cast<T*>(outp)[oi] = p.nan ? std::numeric_limits<T>::quiet_NaN() : p.best;
}
template <typename T>
bool reduce_fast(ReduceOp op, const T* x, int64_t outer, int64_t r, int64_t inner, void* outp) {
  const bool sum = op == ReduceOp::Sum || op == ReduceOp::Mean;
  if (!sum && op != ReduceOp::Max && op != ReduceOp::Min) return false;
  if (r < 1) return false;
  const int64_t total = outer * inner;
  if (inner == 1) {
    if (r < 2 * kLanes) return false;  // short rows: the plain loop (no accumulators to set up and fold)
    if (r >= 2 * kChunk) {             // long runs: chunks of each on the threads
      const int64_t chunks = (r + kChunk - 1) / kChunk;
      std::vector<Part<T>> parts(static_cast<size_t>(total * chunks));
      TL_PAR_FOR(
          true, for (int64_t u = 0; u < total * chunks; ++u) {
            const int64_t o = u / chunks, c = u % chunks, k0 = c * kChunk;
            parts[u] = run_part(op, x + o * r + k0, std::min(kChunk, r - k0));
          });
      for (int64_t o = 0; o < total; ++o) {
        Part<T> p = parts[o * chunks];
        for (int64_t c = 1; c < chunks; ++c) {
          const Part<T>& q = parts[o * chunks + c];
          p.sum += q.sum;
          p.best = (op == ReduceOp::Max ? q.best > p.best : q.best < p.best) ? q.best : p.best;
          p.nan |= q.nan;
        }
        write_out(op, p, r, outp, o);
      }
      return true;
    }
    TL_PAR_FOR(total * r > kParallelGrain,
               for (int64_t o = 0; o < total; ++o) write_out(op, run_part(op, x + o * r, r), r, outp, o););
    return true;
  }
  if (!sum) return false;
  // strided: per (outer, block of 64 inner positions), rows of x added into double accumulators
  const int64_t blocks = (inner + kColBlock - 1) / kColBlock;
  TL_PAR_FOR(
      total * r > kParallelGrain, for (int64_t u = 0; u < outer * blocks; ++u) {
        const int64_t o = u / blocks, i0 = (u % blocks) * kColBlock, n = std::min(kColBlock, inner - i0);
        Acc<T> acc[kColBlock];
        col_sums(x + o * r * inner + i0, r, inner, n, acc);
        for (int64_t i = 0; i < n; ++i) {
          Part<T> p;
          p.sum = acc[i];
          write_out(op, p, r, outp, o * inner + i0 + i);
        }
      });
  return true;
}

// ---- argmax / argmin of contiguous runs -------------------------------------------------------------
// kLanes lanes, lane j the best of x[j], x[j + kLanes], ... with its first position (a NaN replaces any
// number, then stays); the lanes, the tail and (runs of 64K and more, split in kChunk chunks on the
// threads) the chunks are combined by the same rule, ties to the lower position: the scalar loop's
// answer (the first occurrence; the first NaN), on any number of threads.
template <typename T>
struct ArgBest {
  T v;
  int64_t i;
};
// v at position i goes before b at bi
template <typename T>
inline bool arg_first(bool mx, T v, int64_t i, T b, int64_t bi) {
  const bool vn = v != v, bn = b != b;
  if (vn || bn) return vn && (!bn || i < bi);
  if (v != b) return mx ? v > b : v < b;
  return i < bi;
}
template <typename T>
TL_TARGET_CLONES ArgBest<T> run_arg(bool mx, const T* x, int64_t n) {
  // n >= 1; short runs (a chunked run's last chunk may be) one by one
  if (n < kLanes) {
    ArgBest<T> best{x[0], 0};
    for (int64_t k = 1; k < n; ++k)
      if (arg_first(mx, x[k], k, best.v, best.i)) best = {x[k], k};
    return best;
  }
  T b[kLanes];
  int64_t bi[kLanes];
  for (int j = 0; j < kLanes; ++j) {
    b[j] = x[j];
    bi[j] = j;
  }
  int64_t k = kLanes;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      const T v = x[k + j];
      const bool take = (mx ? v > b[j] : v < b[j]) || (v != v && b[j] == b[j]);
      b[j] = take ? v : b[j];
      bi[j] = take ? k + j : bi[j];
    }
  ArgBest<T> best{b[0], bi[0]};
  for (int j = 1; j < kLanes; ++j)
    if (arg_first(mx, b[j], bi[j], best.v, best.i)) best = {b[j], bi[j]};
  for (; k < n; ++k)
    if (arg_first(mx, x[k], k, best.v, best.i)) best = {x[k], k};
  return best;
}
template <typename T>
void arg_runs(bool mx, const T* x, int64_t outer, int64_t r, int64_t* out) {
  if (r >= 2 * kChunk) {
    const int64_t chunks = (r + kChunk - 1) / kChunk;
    std::vector<ArgBest<T>> parts(static_cast<size_t>(outer * chunks));
    TL_PAR_FOR(
        true, for (int64_t u = 0; u < outer * chunks; ++u) {
          const int64_t o = u / chunks, k0 = u % chunks * kChunk;
          ArgBest<T> a = run_arg(mx, x + o * r + k0, std::min(kChunk, r - k0));
          a.i += k0;
          parts[u] = a;
        });
    for (int64_t o = 0; o < outer; ++o) {
      ArgBest<T> best = parts[o * chunks];
      for (int64_t c = 1; c < chunks; ++c) {
        const ArgBest<T>& q = parts[o * chunks + c];
        if (arg_first(mx, q.v, q.i, best.v, best.i)) best = q;
      }
      out[o] = best.i;
    }
    return;
  }
  TL_PAR_FOR(outer * r > kParallelGrain, for (int64_t o = 0; o < outer; ++o) out[o] = run_arg(mx, x + o * r, r).i;);
}

template <typename T>
void reduce_typed(ReduceOp op, const T* x, int64_t outer, int64_t r, int64_t inner, void* outp) {
  if (reduce_fast(op, x, outer, r, inner, outp)) return;
  if ((op == ReduceOp::Argmax || op == ReduceOp::Argmin) && inner == 1 && r >= 64) {
    arg_runs(op == ReduceOp::Argmax, x, outer, r, static_cast<int64_t*>(outp));
    return;
  }
  const int64_t total = outer * inner;
  TL_PAR_FOR(
      total * r > kParallelGrain, for (int64_t oi = 0; oi < total; ++oi) {
        const int64_t o = oi / inner, i = oi % inner;
        const T* base = x + o * r * inner + i;
        switch (op) {
          case ReduceOp::Sum:
          case ReduceOp::Mean: {
            Acc<T> acc = 0;
            for (int64_t k = 0; k < r; ++k) acc += base[k * inner];
            if (op == ReduceOp::Mean) acc = r ? acc / Acc<T>(r) : Acc<T>(0);
            if constexpr (std::is_floating_point<T>::value)
              static_cast<T*>(outp)[oi] = static_cast<T>(acc);
            else
              static_cast<int64_t*>(outp)[oi] = acc;  // integer sums are int64
            break;
          }
          case ReduceOp::Prod: {
            Acc<T> acc = 1;
            for (int64_t k = 0; k < r; ++k) acc *= base[k * inner];
            if constexpr (std::is_floating_point<T>::value)
              static_cast<T*>(outp)[oi] = static_cast<T>(acc);
            else
              static_cast<int64_t*>(outp)[oi] = acc;  // integer products are int64
            break;
          }
          case ReduceOp::Max:
          case ReduceOp::Min:
          case ReduceOp::Argmax:
          case ReduceOp::Argmin: {
            const bool is_max = op == ReduceOp::Max || op == ReduceOp::Argmax;
            T best = base[0];
            int64_t bi = 0;
            for (int64_t k = 1; k < r; ++k) {
              T v = base[k * inner];
              if (best != best) break;  // NaN already chosen
              if (v != v || (is_max ? v > best : v < best)) {
                best = v;
                bi = k;
              }
            }
            if (op == ReduceOp::Max || op == ReduceOp::Min)
              static_cast<T*>(outp)[oi] = best;
            else
              static_cast<int64_t*>(outp)[oi] = bi;
            break;
          }
        }
      });
}

void reduce_cpu(const TensorView& x, const TensorView& out, const ReduceParams& p) {
  const ReduceOp op = p.op;
  const int64_t outer = p.outer, r = p.r, inner = p.inner;
  dispatch_all("reduce", x.dtype, [&](auto z) {
    using T = decltype(z);
    reduce_typed<T>(op, x.ptr<T>(), outer, r, inner, out.data);
  });
}
TL_REGISTER_KERNEL(reduce_op, CPU, reduce_cpu, kAllTypes);

}  // namespace
}  // namespace tl
