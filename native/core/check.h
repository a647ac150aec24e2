// native/core/check.h — the second line of defence: the sizes a kernel indexes with are checked
// against the buffers it was handed. lib/ validates every argument first; an op's declaration
// (native/ops/*.h) may also register a checker with TL_OP_CHECK, which the registry runs before the
// kernel on every device, so a wrong call (a lib/ bug, or the raw binding used directly) is a coded
// tl::Error naming the op and the argument, never a read or write out of bounds. Each check is
// O(ndim): cheap next to any kernel.
#pragma once
#include <string>
#include <vector>

#include "registry.h"

namespace tl {

[[noreturn]] inline void check_fail(ErrorCode c, const char* op, const std::string& what) {
  throw Error(c, std::string("torchlet: native op ") + camel_case(op) + ": " + what);
}
inline std::string quoted(const char* name) { return std::string("'") + name + "'"; }

// a * b, or an error when it leaves [0, 2^62] (sizes from JS are below 2^53, products may not be).
inline int64_t checked_mul(const char* op, int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r) || r > (int64_t(1) << 62))
    check_fail(ErrorCode::InvalidArg, op, "sizes overflow (" + std::to_string(a) + " x " + std::to_string(b) + ")");
  return r;
}
inline int64_t checked_numel(const char* op, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n = checked_mul(op, n, s);
  return n;
}
inline void check_present(const char* op, const char* name, const TensorView& t) {
  if (!t.data && t.shape.empty()) check_fail(ErrorCode::InvalidArg, op, "needs the tensor " + quoted(name));
}
inline void check_numel(const char* op, const char* name, const TensorView& t, int64_t n) {
  if (t.numel() != n)
    check_fail(
        ErrorCode::Shape, op,
        quoted(name) + " has " + std::to_string(t.numel()) + " elements where " + std::to_string(n) + " are indexed");
}
inline void check_dtype(const char* op, const char* name, const TensorView& t, DType d) {
  if (t.dtype != d)
    check_fail(ErrorCode::DType, op,
               quoted(name) + " is " + dtype_name(t.dtype) + " where " + dtype_name(d) + " is read");
}
// t has ref's dtype and element count.
inline void check_like(const char* op, const char* name, const TensorView& t, const char* ref_name,
                       const TensorView& ref) {
  if (t.dtype != ref.dtype)
    check_fail(
        ErrorCode::DType, op,
        quoted(name) + " is " + dtype_name(t.dtype) + " but " + quoted(ref_name) + " is " + dtype_name(ref.dtype));
  check_numel(op, name, t, ref.numel());
}
inline void check_rank(const char* op, const char* name, const TensorView& t, size_t rank) {
  if (t.shape.size() != rank)
    check_fail(ErrorCode::Shape, op,
               quoted(name) + " has " + std::to_string(t.shape.size()) + " dimensions where " + std::to_string(rank) +
                   " are read");
}
// Every element index that `shape` walked with `strides` reaches, sum_d i_d * strides[d], lies in
// [0, t.numel()) (t is the [storage, offset, [span]] window of a strided read or write).
inline void check_strided(const char* op, const char* name, const TensorView& t, const std::vector<int64_t>& shape,
                          const std::vector<int64_t>& strides) {
  if (strides.size() != shape.size())
    check_fail(ErrorCode::InvalidArg, op,
               quoted(name) + ": " + std::to_string(strides.size()) + " strides for " + std::to_string(shape.size()) +
                   " dimensions");
  if (checked_numel(op, shape) == 0) return;
  int64_t lo = 0, hi = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t reach = checked_mul(op, shape[d] - 1, strides[d] < 0 ? -strides[d] : strides[d]);
    (strides[d] < 0 ? lo : hi) += reach;
    if (lo > (int64_t(1) << 62) || hi > (int64_t(1) << 62)) check_fail(ErrorCode::InvalidArg, op, "strides overflow");
  }
  if (lo > 0 || hi >= t.numel())
    check_fail(ErrorCode::InvalidArg, op,
               quoted(name) + ": its strides reach elements [" + std::to_string(-lo) + ", " + std::to_string(hi) +
                   "] of a window of " + std::to_string(t.numel()));
}

}  // namespace tl
