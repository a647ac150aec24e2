// native/ops/index.h — declarations of the indexing ops (kernels: native/cpu/index.cc,
// native/cuda/index.cu): gather (gather, index_select, advanced indexing), scatter (scatter,
// scatter_add, index_add, index_put, in place), where (broadcasting select) and nonzero.
// Tensors other than `out` of gather/where/nonzero are strided windows ([storage, offset, [span]])
// read with the strides the parameters carry, over at most 16 dimensions. Indices are int64; one
// outside [-size, size) is never dereferenced (gather writes 0 there, scatter skips it): lib/
// rejects such indices before the kernel runs, as PyTorch does; negative ones count from the end.
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

constexpr int64_t kIndexMaxDims = 16;

// out[p] = input[p with its coordinate `dim` replaced by index[p]] over `shape` (out contiguous of
// that shape; input read with input_strides, index with index_strides, both over `shape`; `size` is
// the input's extent along dim).
// clang-format off
#define TL_GATHER_FIELDS(X) \
  X(std::vector<int64_t>, shape, 0, kMaxSize) \
  X(std::vector<int64_t>, input_strides, 0, kMaxSize) \
  X(std::vector<int64_t>, index_strides, 0, kMaxSize) \
  X(int64_t, dim, 0, 15) \
  X(int64_t, size, 0, kMaxSize)
// clang-format on
TL_PARAMS(GatherParams, TL_GATHER_FIELDS)
TL_OP(gather, "input, index, out", GatherParams)
inline void check_gather(const TensorView& x, const TensorView& idx, const TensorView& out, const GatherParams& p) {
  if (int64_t(p.shape.size()) > kIndexMaxDims || (p.dim >= int64_t(p.shape.size()) && !p.shape.empty()))
    check_fail(ErrorCode::InvalidArg, "gather", "dim or rank out of range");
  check_dtype("gather", "index", idx, DType::I64);
  check_dtype("gather", "out", out, x.dtype);
  check_numel("gather", "out", out, checked_numel("gather", p.shape));
  check_strided("gather", "index", idx, p.shape, p.index_strides);
  std::vector<int64_t> reach = p.shape;  // the input is read over [0, size) along dim
  if (!reach.empty()) reach[p.dim] = p.size;
  if (checked_numel("gather", p.shape) > 0) check_strided("gather", "input", x, reach, p.input_strides);
}
TL_OP_CHECK(gather, check_gather)

// clang-format off
#define TL_SCATTER_OPS(E) \
  E(Assign) E(Add) E(Multiply) E(Max) E(Min)
// clang-format on
TL_ENUM(ScatterOp, TL_SCATTER_OPS)
// out[p with coordinate `dim` replaced by index[p]] (=, +=, *=, max=, min=; max / min propagate NaN) src[p] (or `value`
// when src is absent), over `shape` (the index's); out, index and src read with their strides over `shape` (out's
// extent along dim is `size`). Each line along dim is applied by one thread in order, so repeated indices resolve
// deterministically (the last write wins for Assign), on every device.
// clang-format off
#define TL_SCATTER_FIELDS(X) \
  X(ScatterOp, op, 0, 0) \
  X(std::vector<int64_t>, shape, 0, kMaxSize) \
  X(std::vector<int64_t>, out_strides, 0, kMaxSize) \
  X(std::vector<int64_t>, index_strides, 0, kMaxSize) \
  X(std::vector<int64_t>, src_strides, 0, kMaxSize) \
  X(int64_t, dim, 0, 15) \
  X(int64_t, size, 0, kMaxSize) \
  X(double, value, -kAnyNumber, kAnyNumber)
// clang-format on
TL_PARAMS(ScatterParams, TL_SCATTER_FIELDS)
TL_OP(scatter, "out, index, src?", ScatterParams)
inline void check_scatter(const TensorView& out, const TensorView& idx, const TensorView& src, const ScatterParams& p) {
  if (int64_t(p.shape.size()) > kIndexMaxDims || (p.dim >= int64_t(p.shape.size()) && !p.shape.empty()))
    check_fail(ErrorCode::InvalidArg, "scatter", "dim or rank out of range");
  check_dtype("scatter", "index", idx, DType::I64);
  check_strided("scatter", "index", idx, p.shape, p.index_strides);
  if (src.data || !src.shape.empty()) {
    check_dtype("scatter", "src", src, out.dtype);
    check_strided("scatter", "src", src, p.shape, p.src_strides);
  }
  std::vector<int64_t> reach = p.shape;
  if (!reach.empty()) reach[p.dim] = p.size;
  if (checked_numel("scatter", p.shape) > 0) check_strided("scatter", "out", out, reach, p.out_strides);
}
TL_OP_CHECK(scatter, check_scatter)

// out[p] = condition[p] ? input[p] : other[p] over out's shape (out contiguous; condition uint8;
// input and other of out's dtype; each read with its broadcast strides).
// clang-format off
#define TL_WHERE_FIELDS(X) \
  X(std::vector<int64_t>, input_strides, 0, kMaxSize) \
  X(std::vector<int64_t>, other_strides, 0, kMaxSize) \
  X(std::vector<int64_t>, condition_strides, 0, kMaxSize)
// clang-format on
TL_PARAMS(WhereParams, TL_WHERE_FIELDS)
TL_OP(where, "input, other, condition, out", WhereParams)
inline void check_where(const TensorView& a, const TensorView& b, const TensorView& c, const TensorView& out,
                        const WhereParams& p) {
  if (int64_t(out.shape.size()) > kIndexMaxDims) check_fail(ErrorCode::InvalidArg, "where", "more than 16 dimensions");
  check_dtype("where", "other", b, a.dtype);
  check_dtype("where", "out", out, a.dtype);
  check_dtype("where", "condition", c, DType::U8);
  check_strided("where", "input", a, out.shape, p.input_strides);
  check_strided("where", "other", b, out.shape, p.other_strides);
  check_strided("where", "condition", c, out.shape, p.condition_strides);
}
TL_OP_CHECK(where, check_where)

// The positions of input's non-zero elements (input contiguous of `shape`), in row-major order:
// coords: out is int64 [count, ndim] of coordinates; else out is int64 [count] of flat positions.
// out must hold exactly the count of non-zero elements (lib/ counts them first); the kernel never
// writes past it.
// clang-format off
#define TL_NONZERO_FIELDS(X) \
  X(std::vector<int64_t>, shape, 0, kMaxSize) \
  X(bool, coords, 0, 1)
// clang-format on
TL_PARAMS(NonzeroParams, TL_NONZERO_FIELDS)
TL_OP(nonzero, "input, out", NonzeroParams)
inline void check_nonzero(const TensorView& x, const TensorView& out, const NonzeroParams& p) {
  if (int64_t(p.shape.size()) > kIndexMaxDims) check_fail(ErrorCode::InvalidArg, "nonzero", "more than 16 dimensions");
  check_numel("nonzero", "input", x, checked_numel("nonzero", p.shape));
  check_dtype("nonzero", "out", out, DType::I64);
}
TL_OP_CHECK(nonzero, check_nonzero)

}  // namespace tl
