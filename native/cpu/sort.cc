// native/cpu/sort.cc — CPU kernel of sort_op (ops/sort.h): OpenMP over lines, each line a stable
// sort of its positions (std::stable_sort with NaN ordered as PyTorch), then values gathered; with k,
// only each line's first k positions, selected (select_line).
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

// The first k positions of a line in the stable sort's order (0 < k < n): a strict total order,
// ascending / descending as the sort (NaN last / first), ties by the lower position, so the k selected
// are the whole sort's first k. Small k: one pass keeping the best k in a sorted buffer (an element
// worse than the buffer's last costs one comparison); else nth_element, then the k sorted.
template <typename T>
void select_line(const T* xl, T* vl, int64_t* il, int64_t n, int64_t k, bool desc) {
  // a before b: a's value goes first, or the values tie (NaNs tie) and a's position is lower
  auto first = [xl, desc](int64_t a, int64_t b) {
    const T u = xl[a], v = xl[b];
    const bool un = is_nan(u), vn = is_nan(v);
    if (un || vn) {
      if (un && vn) return a < b;
      return desc ? un : vn;  // NaN first descending, last ascending
    }
    if (u != v) return desc ? u > v : u < v;
    return a < b;
  };
  if (k <= 32) {
    int64_t m = 0;  // il[0..m) sorted, the best so far
    for (int64_t j = 0; j < n; ++j) {
      if (m == k && !first(j, il[k - 1])) continue;
      int64_t at = m < k ? m++ : k - 1;
      while (at > 0 && first(j, il[at - 1])) {
        il[at] = il[at - 1];
        --at;
      }
      il[at] = j;
    }
  } else {
    std::vector<int64_t> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), int64_t(0));
    std::nth_element(all.begin(), all.begin() + (k - 1), all.end(), first);
    std::sort(all.begin(), all.begin() + k, first);
    std::copy(all.begin(), all.begin() + k, il);
  }
  for (int64_t j = 0; j < k; ++j) vl[j] = xl[il[j]];
}

template <typename T>
void sort_typed(const T* x, T* vals, int64_t* idx, const SortParams& p) {
  const int64_t lines = p.lines, n = p.n;
  const bool desc = p.descending;
  if (p.k > 0 && p.k < n) {
    const int64_t k = p.k;
    TL_PAR_FOR(lines * n > kParallelGrain && lines > 1,
               for (int64_t l = 0; l < lines; ++l) select_line(x + l * n, vals + l * n, idx + l * n, n, k, desc););
    return;
  }
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
