// native/ops/pool2d.h — declarations of the 2-D pooling ops (kernels: native/cpu/pool2d.cc,
// native/cuda/pool2d.cu).
#pragma once
#include "core/check.h"
#include "core/registry.h"

namespace tl {

// Input planes [N, C, H, W] and output planes [N, C, OH, OW] (adaptive pooling, unpooling, and the
// first fields of the window pooling parameters).
// clang-format off
#define TL_PLANE2D_FIELDS(X) \
  X(int64_t, N, 0, kMaxSize) X(int64_t, C, 0, kMaxSize) X(int64_t, H, 0, kMaxSize) \
  X(int64_t, W, 0, kMaxSize) X(int64_t, OH, 0, kMaxSize) X(int64_t, OW, 0, kMaxSize)
// A window: kernel, stride, padding.
#define TL_WINDOW2D_FIELDS(X) \
  X(int64_t, kh, 1, kMaxSize) X(int64_t, kw, 1, kMaxSize) X(int64_t, sh, 1, kMaxSize) \
  X(int64_t, sw, 1, kMaxSize) X(int64_t, ph, 0, kMaxSize) X(int64_t, pw, 0, kMaxSize)
// Max pooling: input [N, C, H, W] -> out [N, C, OH, OW], windows with dilation.
#define TL_POOL2D_FIELDS(X) \
  TL_PLANE2D_FIELDS(X) TL_WINDOW2D_FIELDS(X) X(int64_t, dh, 1, kMaxSize) X(int64_t, dw, 1, kMaxSize)
// clang-format on
TL_PARAMS(Plane2dParams, TL_PLANE2D_FIELDS)
TL_PARAMS(Pool2dParams, TL_POOL2D_FIELDS)

// Checker helpers: t holds N*C planes of h x w elements; an index (or tap) tensor of dtype d has as
// many elements as the planes it indexes for.
inline void check_planes(const char* op, const char* name, const TensorView& t, int64_t N, int64_t C, int64_t h,
                         int64_t w) {
  check_numel(op, name, t, checked_mul(op, checked_mul(op, N, C), checked_mul(op, h, w)));
}
template <class P>
inline void check_in_out(const char* op, const TensorView& in, const char* in_name, const TensorView& out,
                         const char* out_name, const P& p) {
  check_planes(op, in_name, in, p.N, p.C, p.H, p.W);
  check_planes(op, out_name, out, p.N, p.C, p.OH, p.OW);
  check_dtype(op, out_name, out, in.dtype);
}
inline void check_index_planes(const char* op, const char* name, const TensorView& t, DType d, const TensorView& like) {
  check_dtype(op, name, t, d);
  check_numel(op, name, t, like.numel());
}
// out = max over each window; indices (int64) = flat h*W+w index of the max in its input plane
// (optional on the CPU, for inference; required on CUDA).
TL_OP(max_pool2d_forward, "input, out, indices?", Pool2dParams)
inline void check_max_pool2d_forward(const TensorView& x, const TensorView& y, const TensorView& idx,
                                     const Pool2dParams& p) {
  check_in_out("max_pool2d_forward", x, "input", y, "out", p);
  if (idx.data) check_index_planes("max_pool2d_forward", "indices", idx, DType::I64, y);
}
TL_OP_CHECK(max_pool2d_forward, check_max_pool2d_forward)
// gradInput (zeroed by the kernel) += gradOutput scattered through indices.
TL_OP(max_pool2d_backward, "gradOutput, indices, gradInput", Pool2dParams)
inline void check_max_pool2d_backward(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                      const Pool2dParams& p) {
  check_in_out("max_pool2d_backward", dx, "gradInput", dy, "gradOutput", p);
  check_index_planes("max_pool2d_backward", "indices", idx, DType::I64, dy);
}
TL_OP_CHECK(max_pool2d_backward, check_max_pool2d_backward)

// Fused relu + max pooling over non-overlapping windows (kh == sh, kw == sw, no padding, dilation 1;
// windows cover rows [0, OH*kh) and columns [0, OW*kw)): out = max_pool2d(relu(x)) =
// relu(max_pool2d(x)), tap (uint8) = window-local index i*kw + j of the max (PyTorch's rule: greater
// or NaN wins, so the last NaN). Backward: gradInput (every element overwritten) = gradOutput at the
// tap of windows where !(out <= 0), else 0 — exactly the gradient of max_pool2d(relu(x)).
TL_OP(relu_max_pool2d_forward, "input, out, tap", Pool2dParams)
TL_OP(relu_max_pool2d_backward, "gradOutput, output, tap, gradInput", Pool2dParams)
inline void check_relu_pool_windows(const char* op, const Pool2dParams& p) {
  if (p.kh != p.sh || p.kw != p.sw || p.ph || p.pw || p.dh != 1 || p.dw != 1 || checked_mul(op, p.OH, p.kh) > p.H ||
      checked_mul(op, p.OW, p.kw) > p.W)
    check_fail(ErrorCode::InvalidArg, op, "needs non-overlapping, unpadded windows inside the input");
}
inline void check_relu_max_pool2d_forward(const TensorView& x, const TensorView& y, const TensorView& tap,
                                          const Pool2dParams& p) {
  check_relu_pool_windows("relu_max_pool2d_forward", p);
  check_in_out("relu_max_pool2d_forward", x, "input", y, "out", p);
  check_index_planes("relu_max_pool2d_forward", "tap", tap, DType::U8, y);
}
TL_OP_CHECK(relu_max_pool2d_forward, check_relu_max_pool2d_forward)
inline void check_relu_max_pool2d_backward(const TensorView& dy, const TensorView& y, const TensorView& tap,
                                           const TensorView& dx, const Pool2dParams& p) {
  check_relu_pool_windows("relu_max_pool2d_backward", p);
  check_in_out("relu_max_pool2d_backward", dx, "gradInput", dy, "gradOutput", p);
  check_like("relu_max_pool2d_backward", "output", y, "gradOutput", dy);
  check_index_planes("relu_max_pool2d_backward", "tap", tap, DType::U8, dy);
}
TL_OP_CHECK(relu_max_pool2d_backward, check_relu_max_pool2d_backward)

// Average pooling: the window cropped to input+padding gives pool_size; the divisor is
// divisor_override if > 0, else pool_size (count_include_pad) or the in-input element count.
// Windows wholly in padding give 0. Backward: gradInput (overwritten) += gradOutput / divisor.
// clang-format off
#define TL_AVG_POOL2D_FIELDS(X) \
  TL_PLANE2D_FIELDS(X) TL_WINDOW2D_FIELDS(X) X(bool, count_include_pad, 0, 1) X(int64_t, divisor_override, 0, kMaxSize)
// clang-format on
TL_PARAMS(AvgPool2dParams, TL_AVG_POOL2D_FIELDS)
TL_OP(avg_pool2d_forward, "input, out", AvgPool2dParams)
TL_OP(avg_pool2d_backward, "gradOutput, gradInput", AvgPool2dParams)
inline void check_avg_pool2d_forward(const TensorView& x, const TensorView& y, const AvgPool2dParams& p) {
  check_in_out("avg_pool2d_forward", x, "input", y, "out", p);
}
TL_OP_CHECK(avg_pool2d_forward, check_avg_pool2d_forward)
inline void check_avg_pool2d_backward(const TensorView& dy, const TensorView& dx, const AvgPool2dParams& p) {
  check_in_out("avg_pool2d_backward", dx, "gradInput", dy, "gradOutput", p);
}
TL_OP_CHECK(avg_pool2d_backward, check_avg_pool2d_backward)

// Adaptive pooling: output row i covers [floor(i*H/OH), ceil((i+1)*H/OH)) (same for columns).
TL_OP(adaptive_avg_pool2d_forward, "input, out", Plane2dParams)
TL_OP(adaptive_avg_pool2d_backward, "gradOutput, gradInput", Plane2dParams)
inline void check_adaptive_avg_pool2d_forward(const TensorView& x, const TensorView& y, const Plane2dParams& p) {
  check_in_out("adaptive_avg_pool2d_forward", x, "input", y, "out", p);
}
TL_OP_CHECK(adaptive_avg_pool2d_forward, check_adaptive_avg_pool2d_forward)
inline void check_adaptive_avg_pool2d_backward(const TensorView& dy, const TensorView& dx, const Plane2dParams& p) {
  check_in_out("adaptive_avg_pool2d_backward", dx, "gradInput", dy, "gradOutput", p);
}
TL_OP_CHECK(adaptive_avg_pool2d_backward, check_adaptive_avg_pool2d_backward)
// indices (int64) = flat h*W+w of the max (a NaN wins); the backward is max_pool2d_backward's scatter.
TL_OP(adaptive_max_pool2d_forward, "input, out, indices", Plane2dParams)
inline void check_adaptive_max_pool2d_forward(const TensorView& x, const TensorView& y, const TensorView& idx,
                                              const Plane2dParams& p) {
  check_in_out("adaptive_max_pool2d_forward", x, "input", y, "out", p);
  check_index_planes("adaptive_max_pool2d_forward", "indices", idx, DType::I64, y);
}
TL_OP_CHECK(adaptive_max_pool2d_forward, check_adaptive_max_pool2d_forward)
// Max unpooling: input, indices are [N, C, H, W]; out [N, C, OH, OW] zeroed, then
// out[plane][indices] = input (indices outside [0, OH*OW) throw). Backward gathers.
TL_OP(max_unpool2d_forward, "input, indices, out", Plane2dParams)
TL_OP(max_unpool2d_backward, "gradOutput, indices, gradInput", Plane2dParams)
inline void check_max_unpool2d_forward(const TensorView& x, const TensorView& idx, const TensorView& y,
                                       const Plane2dParams& p) {
  check_in_out("max_unpool2d_forward", x, "input", y, "out", p);
  check_index_planes("max_unpool2d_forward", "indices", idx, DType::I64, x);
}
TL_OP_CHECK(max_unpool2d_forward, check_max_unpool2d_forward)
inline void check_max_unpool2d_backward(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                        const Plane2dParams& p) {
  check_in_out("max_unpool2d_backward", dx, "gradInput", dy, "gradOutput", p);
  check_index_planes("max_unpool2d_backward", "indices", idx, DType::I64, dx);
}
TL_OP_CHECK(max_unpool2d_backward, check_max_unpool2d_backward)

// ---- shared by the CPU and CUDA kernels (host and device) ---------------------------------------
#if defined(__CUDACC__)
#define TL_POOL_FN __host__ __device__ __forceinline__
#else
#define TL_POOL_FN inline
#endif
// The sum of one plane of L elements for a global average pool (adaptive pooling to 1x1): 16 partial
// sums (lane l takes elements l, l + 16, ...), then added pairwise (lanes 8 apart, 4, 2, 1). The same
// order on every device, and a loop the CPU vectorises (a running sum is a chain of dependent adds).
template <typename T>
TL_POOL_FN T plane_sum(const T* x, int64_t L) {
  T s[16];
  for (int l = 0; l < 16; ++l) s[l] = T(0);
  int64_t k = 0;
  for (; k + 16 <= L; k += 16)
    for (int l = 0; l < 16; ++l) s[l] += x[k + l];
  for (int l = 0; k + l < L; ++l) s[l] += x[k + l];
  for (int w = 8; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) s[l] += s[l + w];
  return s[0];
}

}  // namespace tl
