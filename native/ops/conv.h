// native/ops/conv.h — declarations of convolution, one N-dimensional op for 1-D, 2-D and 3-D
// (kernels: native/cpu/conv.cc, native/cuda/conv.cu), and the fused conv2d + relu + max pooling.
// Spatial sizes are given as three dims, right-aligned: 3-D [D, H, W]; 2-D [1, H, W] (kernel,
// stride, dilation 1 and padding 0 in the leading dim); 1-D [1, 1, L].
#pragma once
#include "ops/pool2d.h"

namespace tl {

// The CPU convolution algorithms (native/cpu/conv.cc picks one per pass from the shape):
//   Shifted    stride 1: one GEMM per image over the zero-padded input shifted per kernel tap
//   Im2col     one GEMM per image over an implicit im2col matrix (other strides)
//   Col2im     input gradient: one GEMM per image, then col2im
//   Pointwise  1x1 kernel, stride 1, no padding: the input itself is the GEMM operand
//   Batched    small outputs: the im2col matrices of several images side by side, one wide GEMM
//   Depthwise  one input channel per group: direct loops, no GEMM
//   Winograd   3x3 stride 1 (dilation 1): Winograd F(2x2, 3x3) tiles, 16 GEMMs over the batch
//   Direct     register tiles of pixels (of any images) x output channels read straight from the
//              zero-padded input (no im2col matrix, no packing of it): the forward pass, and the input
//              gradient of a stride-1 conv (the forward conv of dy with the flipped kernel)
// As a preference (ConvParams.algo): Auto chooses by shape; PerImage keeps to the per-image
// algorithms (Shifted / Im2col / Col2im / Pointwise); Batched, Depthwise and Winograd are used
// wherever they apply (Auto elsewhere). Other devices ignore the preference.
// clang-format off
#define TL_CONV_ALGOS(E) \
  E(Auto) E(PerImage) E(Shifted) E(Im2col) E(Col2im) E(Pointwise) E(Batched) E(Depthwise) E(Winograd) E(Direct)
// clang-format on
TL_ENUM(ConvAlgo, TL_CONV_ALGOS)

// input [N, C, *in], weight [OC, C/groups, *kernel], out [N, OC, *out]; algo: the preferred CPU
// algorithm (ConvAlgo); relu: conv_forward applies ReLU to its output (an epilogue; the backward ops
// and the fused conv + pool ops require false); packed: conv_forward's weight is the CPU buffer that
// conv_pack_weight made for these params (CPU only; false everywhere else); frozen: the weight stays
// the same from call to call (torch.jit.freeze's convs), so the CPU's choice of algorithm counts
// the weight's transform and packing as paid once (Winograd then pays on smaller maps and batches):
// conv_algorithms, conv_pack_weight and the packed forward must be given the same value (forward
// ops only).
// clang-format off
#define TL_CONV_FIELDS(X) \
  X(int64_t, N, 0, kMaxSize) X(int64_t, C, 1, kMaxSize) X(int64_t, OC, 1, kMaxSize) \
  X(int64_t, groups, 1, kMaxSize) X(Dims3, in, 0, kMaxSize) X(Dims3, kernel, 1, kMaxSize) \
  X(Dims3, out, 0, kMaxSize) X(Dims3, stride, 1, kMaxSize) X(Dims3, pad, 0, kMaxSize) \
  X(Dims3, dilation, 1, kMaxSize) X(ConvAlgo, algo, 0, 0) X(bool, relu, 0, 1) X(bool, packed, 0, 1) \
  X(bool, frozen, 0, 1)
// clang-format on
TL_PARAMS(ConvParams, TL_CONV_FIELDS)

// out[0..2] (int64) = the ConvAlgo that conv_forward, conv_backward_input and conv_backward_weight
// run on the CPU for these params (CPU only: what a user sees as the layer's algorithms); out[3] and
// out[4] = the element count of conv_pack_weight's buffer for them in float32 and in float64.
TL_OP(conv_algorithms, "out", ConvParams)
// out = weight [OC, C/groups, *kernel] laid out for conv_forward's algorithm (live taps only, packed
// for the CPU's GEMM micro-kernel): conv_forward with packed = true then skips that work (inference).
// The layout belongs to this process (it depends on the CPU's instruction set): never save it.
TL_OP(conv_pack_weight, "weight, out", ConvParams)

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
