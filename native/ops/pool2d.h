// native/ops/pool2d.h — declarations of the 2-D pooling ops (kernels: native/cpu/pool2d.cc,
// native/cuda/pool2d.cu).
#pragma once
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
// out = max over each window; indices (int64) = flat h*W+w index of the max in its input plane
// (optional on the CPU, for inference; required on CUDA).
TL_OP(max_pool2d_forward, "input, out, indices?", Pool2dParams)
// gradInput (zeroed by the kernel) += gradOutput scattered through indices.
TL_OP(max_pool2d_backward, "gradOutput, indices, gradInput", Pool2dParams)

// Fused relu + max pooling over non-overlapping windows (kh == sh, kw == sw, no padding, dilation 1;
// windows cover rows [0, OH*kh) and columns [0, OW*kw)): out = max_pool2d(relu(x)) =
// relu(max_pool2d(x)), tap (uint8) = window-local index i*kw + j of the max (PyTorch's rule: greater
// or NaN wins, so the last NaN). Backward: gradInput (every element overwritten) = gradOutput at the
// tap of windows where !(out <= 0), else 0 — exactly the gradient of max_pool2d(relu(x)).
TL_OP(relu_max_pool2d_forward, "input, out, tap", Pool2dParams)
TL_OP(relu_max_pool2d_backward, "gradOutput, output, tap, gradInput", Pool2dParams)

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

// Adaptive pooling: output row i covers [floor(i*H/OH), ceil((i+1)*H/OH)) (same for columns).
TL_OP(adaptive_avg_pool2d_forward, "input, out", Plane2dParams)
TL_OP(adaptive_avg_pool2d_backward, "gradOutput, gradInput", Plane2dParams)
// indices (int64) = flat h*W+w of the max (a NaN wins); the backward is max_pool2d_backward's scatter.
TL_OP(adaptive_max_pool2d_forward, "input, out, indices", Plane2dParams)
// Max unpooling: input, indices are [N, C, H, W]; out [N, C, OH, OW] zeroed, then
// out[plane][indices] = input (indices outside [0, OH*OW) throw). Backward gathers.
TL_OP(max_unpool2d_forward, "input, indices, out", Plane2dParams)
TL_OP(max_unpool2d_backward, "gradOutput, indices, gradInput", Plane2dParams)

}  // namespace tl
