// native/cuda/common.cuh — what every CUDA kernel file uses: the calling thread's current stream, the
// caching device allocator, and error checks that turn CUDA failures into tl::Error (never abort).
// Contract for kernels (native/cuda/<family>.cu, same names and signatures as native/cpu/):
//  * TensorView::data is a device pointer when TensorView::device == Device::CUDA;
//  * launches go on tl::cuda::stream() — the calling thread's current stream (runtime.cu: each
//    thread has its own, or the one torch.cuda.withStream made current) — and are asynchronous: no
//    cudaDeviceSynchronize in kernels; only copies back to the host synchronise (that stream);
//  * every launch goes through tl::cuda::launch<kernel>(grid, block, shmem, stream, args...) (no
//    <<<...>>> anywhere else), so the same sources run under the emulator (TORCHLET_CUDA=EMU,
//    native/emu/); every launch is followed by TL_CUDA_LAUNCH_CHECK, every runtime call wrapped in
//    TL_CUDA_CHECK;
//  * dynamic shared memory is dynamic_shared<T>() (at most 48 KiB, the launch's shmem bytes);
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
#include <utility>

#include "core/tensor.h"

// The emulator (TORCHLET_CUDA=EMU) bounds-checks every kernel access against the bytes each device
// block was handed out for (0: freed); the caching allocator tells it through this hook. A weak
// symbol that only the emulator defines: null, and never called, in real CUDA builds.
extern "C" void tl_cuda_emu_extent(const void* p, size_t bytes) __attribute__((weak));

namespace tl {
namespace cuda {

// The calling thread's current stream on the current device: the one set_current_stream() chose, else
// the thread's own non-blocking stream (created or taken from the idle ones on first use).
cudaStream_t stream();
// Throws tl::Error: OutOfMemory for allocation failures, Internal otherwise, with `what` and CUDA's
// message; clears CUDA's non-sticky error state so the process keeps working.
void check(cudaError_t e, const char* what);
void* device_alloc(size_t bytes);  // caching allocator; throws tl::Error(OutOfMemory)
void device_free(void* p, size_t bytes);

// The one kernel launch of the code base: kernel<<<grid, block, shmem, stream>>>(args...) under
// nvcc, the emulator's launch (native/emu/include/cuda_runtime.h) when the .cu files are compiled
// as host C++. Arguments convert to the kernel's parameter types as in a <<<...>>> launch.
template <auto Kernel, typename... Args>
inline void launch(dim3 grid, dim3 block, size_t shmem, cudaStream_t stream, Args&&... args) {
#if defined(TL_CUDA_EMU)
  ::emu::launch_kernel<Kernel>(grid, block, shmem, stream, std::forward<Args>(args)...);
#else
  // clang-format off
  Kernel<<<grid, block, shmem, stream>>>(std::forward<Args>(args)...);
  // clang-format on
#endif
}

// The launch's dynamic shared memory (its `shmem` bytes), as T*.
template <typename T>
__device__ __forceinline__ T* dynamic_shared() {
  extern __shared__ __align__(16) unsigned char tl_dynamic_smem[];
  return reinterpret_cast<T*>(tl_dynamic_smem);
}

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
