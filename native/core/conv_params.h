// native/core/conv_params.h — the 2-D and 3-D views of ConvParams (ops/conv.h) that the current
// conv2d and conv3d kernels (CPU and CUDA) take: a ConvParams whose leading spatial dim is trivial is
// 2-D (1-D being 2-D with H = 1), otherwise 3-D.
#pragma once
#include "ops/conv.h"

namespace tl {

struct Conv2dParams {
  int64_t N, C, H, W;      // input  [N, C, H, W]
  int64_t OC, KH, KW;      // weight [OC, C/groups, KH, KW]
  int64_t OH, OW;          // output [N, OC, OH, OW]
  int64_t sh, sw, ph, pw, dh, dw, groups;
};
struct Conv3dParams {
  int64_t N, C, D, H, W;   // input  [N, C, D, H, W]
  int64_t OC, KD, KH, KW;  // weight [OC, C/groups, KD, KH, KW]
  int64_t OD, OH, OW;      // output [N, OC, OD, OH, OW]
  int64_t sd, sh, sw, pd, ph, pw, dd, dh, dw, groups;
};

inline bool conv_is_2d(const ConvParams& p) {
  return p.in[0] == 1 && p.kernel[0] == 1 && p.out[0] == 1 && p.stride[0] == 1 && p.pad[0] == 0 && p.dilation[0] == 1;
}
inline Conv2dParams conv_as_2d(const ConvParams& p) {
  return Conv2dParams{p.N,         p.C,         p.in[1],     p.in[2],       p.OC,          p.kernel[1],
                      p.kernel[2], p.out[1],    p.out[2],    p.stride[1],   p.stride[2],   p.pad[1],
                      p.pad[2],    p.dilation[1], p.dilation[2], p.groups};
}
inline Conv3dParams conv_as_3d(const ConvParams& p) {
  return Conv3dParams{p.N,           p.C,           p.in[0],       p.in[1],     p.in[2],     p.OC,
                      p.kernel[0],   p.kernel[1],   p.kernel[2],   p.out[0],    p.out[1],    p.out[2],
                      p.stride[0],   p.stride[1],   p.stride[2],   p.pad[0],    p.pad[1],    p.pad[2],
                      p.dilation[0], p.dilation[1], p.dilation[2], p.groups};
}

}  // namespace tl
