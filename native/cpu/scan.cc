// native/cpu/scan.cc — CPU kernel of cumsum_op (ops/scan.h): contiguous input and out of one dtype
// (float32, float64 or int64), viewed as [outer, n, inner]; every line of n elements is scanned by
// one thread, in order, so results do not depend on the thread count.
#include <type_traits>

#include "core/dispatch.h"
#include "ops/scan.h"
#include "core/parallel.h"

namespace tl {
namespace {

template <typename T>
void cumsum_typed(const T* x, T* out, const CumsumParams& p) {
  using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;
  const int64_t outer = p.outer, n = p.n, inner = p.inner, lines = outer * inner;
  TL_PAR_FOR(
      lines * n > kParallelGrain && lines > 1, for (int64_t l = 0; l < lines; ++l) {
        const int64_t base = (l / inner) * n * inner + l % inner;
        Acc s = 0;
        for (int64_t k = 0; k < n; ++k) {
          const int64_t i = base + (p.reverse ? n - 1 - k : k) * inner;
          s += static_cast<Acc>(x[i]);
          out[i] = static_cast<T>(s);
        }
      });
}

void cumsum_cpu(const TensorView& x, const TensorView& out, const CumsumParams& p) {
  if (out.dtype != x.dtype) throw Error(ErrorCode::DType, "torchlet: cumsum: input and out must share one dtype");
  dispatch_all("cumsum", x.dtype, [&](auto z) {
    using T = decltype(z);
    cumsum_typed<T>(x.ptr<T>(), out.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(cumsum_op, CPU, cumsum_cpu, kFloatTypes | dtype_bit(DType::I64));

template <typename T>
void scan_typed(const T* x, T* out, int64_t* idx, const ScanParams& p) {
  using Acc = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;
  const int64_t outer = p.outer, n = p.n, inner = p.inner, lines = outer * inner;
  const ScanOp op = p.op;
  TL_PAR_FOR(
      lines * n > kParallelGrain && lines > 1, for (int64_t l = 0; l < lines; ++l) {
        const int64_t base = (l / inner) * n * inner + l % inner;
        if (op == ScanOp::Prod) {
          Acc s = 1;
          for (int64_t k = 0; k < n; ++k) {
            const int64_t i = base + k * inner;
            s *= static_cast<Acc>(x[i]);
            out[i] = static_cast<T>(s);
          }
        } else {
          T best = T(0);
          int64_t bi = 0;
          for (int64_t k = 0; k < n; ++k) {
            const int64_t i = base + k * inner;
            const T v = x[i];
            if (k == 0 || v != v || (best == best && (op == ScanOp::Max ? v >= best : v <= best))) {
              best = v;
              bi = k;
            }
            out[i] = best;
            idx[i] = bi;
          }
        }
      });
}

void scan_cpu(const TensorView& x, const TensorView& out, const TensorView& idx, const ScanParams& p) {
  dispatch_all("scan", x.dtype, [&](auto z) {
    using T = decltype(z);
    scan_typed<T>(x.ptr<T>(), out.ptr<T>(), idx.data ? idx.ptr<int64_t>() : nullptr, p);
  });
}
TL_REGISTER_KERNEL(scan_op, CPU, scan_cpu, kFloatTypes | dtype_bit(DType::I64));

}  // namespace
}  // namespace tl
