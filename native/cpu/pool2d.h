// native/cpu/pool2d.h — the fused relu + max-pool plane kernels of pool2d.cc, for other CPU kernels
// that apply them image by image (conv.cc's conv + relu + pool fusion). Serial; planes are
// contiguous [H, W] inputs and [OH, OW] outputs; semantics as relu_max_pool2d in ops/pool2d.h.
#pragma once
#include <cstdint>

#include "ops/pool2d.h"

namespace tl {
// y, tap [planes, OH, OW] = relu(max over each kh x kw window of x [planes, H, W])
template <typename T>
void relu_max_pool_planes(const T* x, T* y, uint8_t* tap, int64_t planes, const Pool2dParams& p);
// dx [planes, H, W] (every element written) = dy routed to the tap where !(y <= 0), else 0
template <typename T>
void relu_max_unpool_planes(const T* dy, const T* y, const uint8_t* tap, T* dx, int64_t planes, const Pool2dParams& p);
}  // namespace tl
