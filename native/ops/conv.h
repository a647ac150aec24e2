// native/ops/conv.h — declarations of convolution, one N-dimensional op for 1-D, 2-D and 3-D
// (kernels: native/cpu/conv.cc, native/cuda/conv.cu), and the fused conv2d + relu + max pooling.
// Spatial sizes are given as three dims, right-aligned: 3-D [D, H, W]; 2-D [1, H, W] (kernel,
// stride, dilation 1 and padding 0 in the leading dim); 1-D [1, 1, L].
#pragma once
#include "ops/pool2d.h"

namespace tl {

// input [N, C, *in], weight [OC, C/groups, *kernel], out [N, OC, *out].
// clang-format off
#define TL_CONV_FIELDS(X) \
  X(int64_t, N, 0, kMaxSize) X(int64_t, C, 1, kMaxSize) X(int64_t, OC, 1, kMaxSize) \
  X(int64_t, groups, 1, kMaxSize) X(Dims3, in, 0, kMaxSize) X(Dims3, kernel, 1, kMaxSize) \
  X(Dims3, out, 0, kMaxSize) X(Dims3, stride, 1, kMaxSize) X(Dims3, pad, 0, kMaxSize) \
  X(Dims3, dilation, 1, kMaxSize)
// clang-format on
TL_PARAMS(ConvParams, TL_CONV_FIELDS)

// out = conv(input, weight) + bias (bias may be absent); every output is overwritten.
TL_OP(conv_forward, "input, weight, bias?, out", ConvParams)
// gradInput = conv_transpose(gradOutput, weight).
TL_OP(conv_backward_input, "gradOutput, weight, gradInput", ConvParams)
// gradWeight = corr(input, gradOutput); gradBias = sum of gradOutput over N and space (if present).
TL_OP(conv_backward_weight, "gradOutput, input, gradWeight, gradBias?", ConvParams)

// 2-D conv (+ bias) followed by relu_max_pool2d in one pass: out and tap are the pooled output and
// taps (Pool2dParams: the pooling of the conv output, C = OC, H, W = the conv output's size); the
// full-size conv output is never stored. The backward ops take the pooled gradient with out and tap,
// rebuild the conv-output gradient image by image, and otherwise follow conv_backward_input/weight.
TL_OP(conv2d_relu_max_pool2d_forward, "input, weight, bias?, out, tap", ConvParams, Pool2dParams)
TL_OP(conv2d_relu_max_pool2d_backward_input, "gradOutput, output, tap, weight, gradInput", ConvParams, Pool2dParams)
TL_OP(conv2d_relu_max_pool2d_backward_weight, "gradOutput, output, tap, input, gradWeight, gradBias?", ConvParams,
      Pool2dParams)

}  // namespace tl
