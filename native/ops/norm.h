// native/ops/norm.h — declarations of the normalisation ops (kernels: native/cpu/norm.cc,
// native/cuda/norm.cu). Contract shared by both devices:
//  * every tensor is contiguous and of the input's dtype (float32 or float64); statistics are
//    accumulated in double, one-pass Welford per fixed-size chunk merged in a fixed order (Chan), so
//    results do not depend on the thread count or scheduling;
//  * saveMean / saveInvstd hold the mean and 1 / sqrt(biased var + eps) the backward kernels reuse.
#pragma once
#include "core/registry.h"

namespace tl {

// Batch normalisation of input [N, C, L] (any [N, C, *] flattened), per channel c.
//  training: mean / biased var over the N*L values of each channel (N*L > 1 is the caller's check);
//    runningMean = (1 - momentum) * runningMean + momentum * mean and runningVar likewise with the
//    UNBIASED var (count / (count - 1)), in place, when given.
//  eval: mean = runningMean, var = runningVar (both required).
//  out = x * scale + shift (scale = weight * invstd, shift = bias - mean * scale; weight 1 / bias 0
//  when absent), then max(0, .) when relu.
// clang-format off
#define TL_BATCH_NORM_FIELDS(X) \
  X(int64_t, N, 0, kMaxSize) \
  X(int64_t, C, 0, kMaxSize) \
  X(int64_t, L, 0, kMaxSize) \
  X(bool, training, 0, 1) \
  X(bool, relu, 0, 1) \
  X(double, momentum, 0, 1) \
  X(double, eps, 0, kAnyNumber)
// clang-format on
TL_PARAMS(BatchNormParams, TL_BATCH_NORM_FIELDS)
TL_OP(batch_norm_forward, "input, weight?, bias?, runningMean?, runningVar?, out, saveMean, saveInvstd",
      BatchNormParams)
// Backward of batch_norm_forward (same params; momentum and eps are not used). g' = gradOutput, or
// (output <= 0 ? 0 : gradOutput) when relu (output is then the forward's out, required).
//  gradBias[c] = sum g', gradWeight[c] = sum g' * xhat (xhat = (x - mean) * invstd);
//  gradInput = weight * invstd * (g' - mean(g') - xhat * mean(g' * xhat)) in training,
//              weight * invstd * g' in eval. Each of gradInput / gradWeight / gradBias is optional.
TL_OP(batch_norm_backward,
      "gradOutput, input, weight?, saveMean, saveInvstd, output?, gradInput?, gradWeight?, gradBias?", BatchNormParams)

// Row normalisation, the kernel of group, layer and instance norm: input viewed as [rows, R], one
// mean / invstd per row (rows = N * G). Row k's element r uses the affine parameters at index
// ((k % G) * R + r) / L: group norm over [N, C, L] with G groups: R = C / G * L (channel g*Cg + r/L);
// instance norm: G = C, R = L; layer norm: G = 1, L = 1, R = the normalised size (index r).
//  out = (x - mean) * invstd * weight[i] + bias[i].
// clang-format off
#define TL_ROW_NORM_FIELDS(X) \
  X(int64_t, rows, 0, kMaxSize) \
  X(int64_t, R, 1, kMaxSize) \
  X(int64_t, G, 1, kMaxSize) \
  X(int64_t, L, 1, kMaxSize) \
  X(double, eps, 0, kAnyNumber)
// clang-format on
TL_PARAMS(RowNormParams, TL_ROW_NORM_FIELDS)
TL_OP(row_norm_forward, "input, weight?, bias?, out, saveMean, saveInvstd", RowNormParams)
// Backward: with gw = weight[i] * gradOutput per element, per row
//  gradInput = invstd * (gw - mean_row(gw) - xhat * mean_row(gw * xhat));
//  gradWeight[i] = sum of gradOutput * xhat and gradBias[i] = sum of gradOutput over every element
//  mapped to parameter i (rows in order). gradInput / gradWeight / gradBias optional.
TL_OP(row_norm_backward, "gradOutput, input, weight?, saveMean, saveInvstd, gradInput?, gradWeight?, gradBias?",
      RowNormParams)

}  // namespace tl
