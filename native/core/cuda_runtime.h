// native/core/cuda_runtime.h — what the rest of the addon (compiled by the host C++ compiler, without
// CUDA headers) may ask of the CUDA runtime: discovery, device storage, copies, sync, memory stats.
// Implemented in native/cuda/runtime.cu + allocator.cu when built with CUDA; otherwise the CPU-only
// stub in native/core/cuda_stub.cc answers "not compiled with CUDA" (queries return 0 / false, every
// action throws tl::Error(NotImplemented)). Everything here throws tl::Error, never aborts:
// OutOfMemory for allocation failures (after the cache was freed and the allocation retried once),
// Internal for other CUDA failures. Only the current device (0) is used for now; the stream, the
// allocator cache and the stats are kept per device.
#pragma once
#include <cstddef>
#include <string>

#include "tensor.h"

namespace tl {
bool cuda_compiled();
// Number of usable devices; 0 with `why` set when there is no driver or no GPU. Cached after the
// first call (the count cannot change within a process).
int cuda_device_count(std::string* why);
// The current device's name ("" without CUDA); the emulator's (TORCHLET_CUDA=EMU) says "emulated".
std::string cuda_device_name();

// Device storage through the caching allocator (the same one kernels use via device_alloc).
void* cuda_storage_alloc(size_t bytes);
void cuda_storage_free(void* p, size_t bytes);
// Zeroes `bytes` at device pointer p, asynchronously on the device's stream.
void cuda_zero(void* p, size_t bytes);
// Copies `bytes` between devices (CPU<->CUDA or CUDA<->CUDA; CPU<->CPU is the caller's memcpy), ordered on the
// device's stream. Host->device returns once the host bytes are staged (the host buffer may be
// reused at once); device->host synchronises the stream (the host bytes are ready on return);
// device->device is asynchronous.
void cuda_copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes);
// Waits for all work queued on every device stream; throws the first asynchronous error.
void cuda_synchronize();

struct CudaMemoryStats {
  size_t allocated = 0;    // bytes in live blocks (size-class rounded), all devices
  size_t requested = 0;    // bytes asked for by live blocks (before rounding)
  size_t cached = 0;       // bytes in freed blocks kept for reuse
  size_t peak = 0;         // highest `allocated` since start
  size_t mallocs = 0;      // cudaMalloc calls since start (cache misses)
  size_t frees = 0;        // cudaFree calls since start (empty_cache, OOM retries)
  size_t oom_retries = 0;  // allocations that failed, freed the cache and were retried
};
CudaMemoryStats cuda_memory_stats();  // all zero without CUDA
void cuda_empty_cache();              // returns cached blocks to the driver (no-op without CUDA)
}  // namespace tl
