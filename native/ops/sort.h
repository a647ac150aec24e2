// native/ops/sort.h — declaration of the sort (kernels: native/cpu/sort.cc, native/cuda/sort.cu),
// behind torch.sort, argsort, topk, kthvalue, unique, randperm and multinomial's ordering.
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// input viewed as [lines, n] (contiguous): each line sorted stably into values (input's dtype) and
// indices (int64 positions in the line). Ascending puts NaN last, descending puts NaN first (as
// PyTorch); equal elements keep their order (NaNs count as equal to each other).
// k (topk, kthvalue): 0 sorts whole lines; 0 < k < n needs only each line's first k positions, which
// are those of the whole sort (the CPU selects them without sorting the rest and leaves positions k..n-1
// unwritten; CUDA sorts whole lines).
// clang-format off
#define TL_SORT_FIELDS(X) \
  X(int64_t, lines, 0, kMaxSize) \
  X(int64_t, n, 0, kMaxSize) \
  X(bool, descending, 0, 1) \
  X(int64_t, k, 0, kMaxSize)
// clang-format on
TL_PARAMS(SortParams, TL_SORT_FIELDS)
TL_OP(sort, "input, values, indices", SortParams)
inline void check_sort(const TensorView& x, const TensorView& v, const TensorView& i, const SortParams& p) {
  check_numel("sort", "input", x, checked_mul("sort", p.lines, p.n));
  check_like("sort", "values", v, "input", x);
  check_dtype("sort", "indices", i, DType::I64);
  check_numel("sort", "indices", i, x.numel());
  if (p.k > p.n) check_fail(ErrorCode::InvalidArg, "sort", "k larger than the line length n");
}
TL_OP_CHECK(sort, check_sort)

}  // namespace tl
