// native/core/conv_params.h — the argument checks every convolution kernel (native/cpu/conv.cc and
// native/cuda/conv.cu) runs before touching memory, written once for both devices (host code).
// check_conv throws tl::Error unless: the first operand is float32 or float64 and every present
// operand has that dtype (DType / InvalidArg); groups divides C and OC; each spatial output size is
// the convolution formula's, at least 1 (InvalidArg); and every present tensor holds exactly the
// elements its role needs (input [N, C, *in], weight [OC, C/groups, *kernel], bias [OC], output
// [N, OC, *out]; InvalidArg) — so a kernel never reads or writes outside its buffers. The relu flag is
// conv_forward's only, the packed flag conv_forward's and the fused forward's (conv2d_relu_max_pool2d_forward;
// a packed weight's size is checked by the CPU kernel), the frozen flag theirs and conv_pack_weight's.
// check_conv_pool adds the fused conv + relu + max pooling's conditions: a 2-D conv (trivial leading
// dim) whose output is the pooling input, windows non-overlapping and inside it, at most 256 taps per
// window, and pooled tensors (the pooled output or its gradient, and the uint8 taps) of
// [N, OC, POH, POW] elements.
#pragma once
#include <initializer_list>
#include <string>

#include "ops/conv.h"

namespace tl {

// What a tensor argument of a conv op holds, for its expected element count.
enum class ConvRole { Input, Weight, Bias, Output, Pooled, Tap };
struct ConvArg {
  const TensorView* t;
  ConvRole role;
};

[[noreturn]] inline void conv_fail(const char* op, ErrorCode code, const std::string& what) {
  throw Error(code, std::string("torchlet: ") + op + ": " + what);
}

inline int64_t conv_volume(const Dims3& d) { return d[0] * d[1] * d[2]; }

inline void check_conv(const char* op, const ConvParams& p, std::initializer_list<ConvArg> args,
                       const Pool2dParams* pool = nullptr) {
  const DType dt = args.begin()->t->dtype;
  if (dt != DType::F32 && dt != DType::F64)
    conv_fail(op, ErrorCode::DType, std::string("supports float32 and float64, got ") + dtype_name(dt));
  if (p.C % p.groups || p.OC % p.groups) conv_fail(op, ErrorCode::InvalidArg, "groups must divide C and OC");
  for (int i = 0; i < 3; ++i) {
    const int64_t span = p.in[i] + 2 * p.pad[i] - p.dilation[i] * (p.kernel[i] - 1);  // >= 1 for a valid conv
    if (span < 1 || p.out[i] != (span - 1) / p.stride[i] + 1)
      conv_fail(op, ErrorCode::InvalidArg,
                "output size " + std::to_string(p.out[i]) + " of spatial dim " + std::to_string(i) +
                    " does not match the convolution");
  }
  if (p.relu && std::string(op) != "conv_forward")
    conv_fail(op, ErrorCode::InvalidArg, "relu applies to conv_forward only");
  if (p.packed && std::string(op) != "conv_forward" && std::string(op) != "conv2d_relu_max_pool2d_forward")
    conv_fail(op, ErrorCode::InvalidArg, "packed applies to conv_forward and conv2d_relu_max_pool2d_forward only");
  if (p.frozen && std::string(op) != "conv_forward" && std::string(op) != "conv2d_relu_max_pool2d_forward" &&
      std::string(op) != "conv_pack_weight")
    conv_fail(op, ErrorCode::InvalidArg,
              "frozen applies to conv_forward, conv2d_relu_max_pool2d_forward and conv_pack_weight only");
  const int64_t pooled = pool ? pool->N * pool->C * pool->OH * pool->OW : 0;
  if (pool) {
    const Pool2dParams& q = *pool;
    if (p.in[0] != 1 || p.kernel[0] != 1 || p.out[0] != 1 || q.N != p.N || q.C != p.OC || q.H != p.out[1] ||
        q.W != p.out[2] || q.sh != q.kh || q.sw != q.kw || q.ph || q.pw || q.dh != 1 || q.dw != 1 ||
        q.OH * q.kh > q.H || q.OW * q.kw > q.W || q.kh * q.kw > 256)
      conv_fail(op, ErrorCode::InvalidArg, "the pooling does not fit the 2-D conv output");
  }
  for (const ConvArg& a : args) {
    if (!a.t->data) continue;  // an absent optional tensor
    if (a.t->dtype != (a.role == ConvRole::Tap ? DType::U8 : dt))
      conv_fail(op, ErrorCode::InvalidArg,
                a.role == ConvRole::Tap ? "tap must be uint8" : "operands must share one dtype");
    int64_t want = 0;
    switch (a.role) {
      case ConvRole::Input: want = p.N * p.C * conv_volume(p.in); break;
      case ConvRole::Weight:
        if (p.packed) continue;  // a pre-packed buffer: its kernel checks its size
        want = p.OC * (p.C / p.groups) * conv_volume(p.kernel);
        break;
      case ConvRole::Bias: want = p.OC; break;
      case ConvRole::Output: want = p.N * p.OC * conv_volume(p.out); break;
      case ConvRole::Pooled:
      case ConvRole::Tap: want = pooled; break;
    }
    if (a.t->numel() != want)
      conv_fail(
          op, ErrorCode::InvalidArg,
          "a tensor has " + std::to_string(a.t->numel()) + " elements where " + std::to_string(want) + " are needed");
  }
}

}  // namespace tl
