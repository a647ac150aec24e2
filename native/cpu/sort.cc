// native/cpu/sort.cc — CPU kernel of sort_op (ops/sort.h): OpenMP over lines, each line a stable
// sort of its positions (std::stable_sort with NaN ordered as PyTorch), then values gathered.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/sort.h"

namespace tl {
namespace {

template <typename T>
inline bool is_nan(T v) {
  return v != v;
}

template <typename T>
void sort_typed(const T* x, T* vals, int64_t* idx, const SortParams& p) {
  const int64_t lines = p.lines, n = p.n;
  const bool desc = p.descending;
  TL_PAR_FOR(
      lines * n > kParallelGrain && lines > 1, for (int64_t l = 0; l < lines; ++l) {
        const T* xl = x + l * n;
        int64_t* il = idx + l * n;
        std::iota(il, il + n, int64_t(0));
        // a strict weak order: NaN after everything ascending, before everything descending
        if (desc)
          std::stable_sort(il, il + n, [xl](int64_t a, int64_t b) {
            const T u = xl[a], v = xl[b];
            if (is_nan(u)) return !is_nan(v);
            return !is_nan(v) && u > v;
          });
        else
          std::stable_sort(il, il + n, [xl](int64_t a, int64_t b) {
            const T u = xl[a], v = xl[b];
            if (is_nan(u)) return false;
            return is_nan(v) || u < v;
          });
        for (int64_t k = 0; k < n; ++k) vals[l * n + k] = xl[il[k]];
      });
}

void sort_cpu(const TensorView& x, const TensorView& v, const TensorView& i, const SortParams& p) {
  dispatch_all("sort", x.dtype, [&](auto z) {
    using T = decltype(z);
    sort_typed<T>(x.ptr<T>(), v.ptr<T>(), i.ptr<int64_t>(), p);
  });
}
TL_REGISTER_KERNEL(sort_op, CPU, sort_cpu, kAllTypes);

}  // namespace
}  // namespace tl
