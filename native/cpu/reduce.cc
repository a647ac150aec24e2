// native/cpu/reduce.cc — reductions over the middle axis of x viewed as [outer, r, inner]:
// sum, mean, prod, max, min (values) and argmax/argmin (int64 indices, first occurrence wins, NaN wins
// as in PyTorch). Accumulates in double for float32 so sums over large r stay accurate; integer sums
// accumulate in int64 and are written as int64 (the declaration in native/ops/reduce.h).
#include <cmath>
#include <limits>
#include <type_traits>
#include "core/dispatch.h"
#include "ops/reduce.h"
#include "core/parallel.h"

namespace tl {
namespace {

template <typename T>
using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;

template <typename T>
void reduce_typed(ReduceOp op, const T* x, int64_t outer, int64_t r, int64_t inner, void* outp) {
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
