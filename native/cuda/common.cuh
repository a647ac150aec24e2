// native/cuda/common.cuh — what every CUDA kernel file uses: the per-device stream, the caching
// device allocator, and error checks that turn CUDA failures into tl::Error (never abort).
// Contract for kernels (native/cuda/<family>.cu, same names and signatures as native/cpu/):
//  * TensorView::data is a device pointer when TensorView::device == Device::CUDA;
//  * launches go on tl::cuda::stream() and are asynchronous — no cudaDeviceSynchronize in kernels;
//    only copies back to the host synchronise;
//  * every launch is followed by TL_CUDA_LAUNCH_CHECK, every runtime call wrapped in TL_CUDA_CHECK;
//  * temporaries come from device_alloc/device_free (cached; never cudaMalloc per op);
//  * results are deterministic (fixed-order reductions, no float atomics) and match the CPU kernels
//    within floating-point tolerance; random ops reproduce the CPU's counter-based stream exactly.
// Implemented in native/cuda/runtime.cu (stream, errors) and native/cuda/allocator.cu.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/tensor.h"

namespace tl {
namespace cuda {

cudaStream_t stream();  // the current device's stream (created on first use)
// Throws tl::Error: OutOfMemory for allocation failures, Internal otherwise, with `what` and CUDA's
// message; clears CUDA's non-sticky error state so the process keeps working.
void check(cudaError_t e, const char* what);
void* device_alloc(size_t bytes);  // caching allocator; throws tl::Error(OutOfMemory)
void device_free(void* p, size_t bytes);

// A grid for n elements processed with a grid-stride loop.
inline unsigned blocks_for(int64_t n, int threads = 256) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return static_cast<unsigned>(b);
}

}  // namespace cuda

// Throws tl::Error(Invalid) naming `op` when one of the tensors is not on the CUDA device.
inline void require_cuda(const char* op, std::initializer_list<const TensorView*> ts) {
  for (auto* t : ts)
    if (t->device != Device::CUDA)
      throw Error(ErrorCode::Device,
                  std::string("torchlet: CUDA kernel '") + op + "' got a tensor that is not on the CUDA device");
}
// The smallest power of two >= v (v >= 1).
inline int64_t next_pow2(int64_t v) {
  int64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}
}  // namespace tl

#define TL_CUDA_CHECK(expr) ::tl::cuda::check((expr), #expr)
#define TL_CUDA_LAUNCH_CHECK(name) ::tl::cuda::check(cudaGetLastError(), name)
