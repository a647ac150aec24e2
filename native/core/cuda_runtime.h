// native/core/cuda_runtime.h — what the rest of the addon (compiled by the host C++ compiler, without
// CUDA headers) may ask of the CUDA runtime: discovery, device storage, copies, sync, memory stats.
// Implemented in native/cuda/runtime.cu + allocator.cu when built with CUDA; otherwise the CPU-only
// stub in native/core/cuda_stub.cc answers "not compiled with CUDA" (queries return 0 / false, every
// action throws tl::Error(NotImplemented)). Everything here throws tl::Error, never aborts:
// OutOfMemory for allocation failures (after the cache was freed and the allocation retried once),
// Internal for other CUDA failures. Only the current device (0) is used for now; the streams, the
// allocator cache and the stats are kept per device.
// Streams (runtime.cu): every thread has a current stream per device — its own non-blocking stream
// (made, or taken from the idle ones, on the thread's first use and handed back to the idle ones when
// the thread ends), unless cuda_set_current_stream chose another. Streams are named by small ids
// (>= 1) and never destroyed (an idle one is reused), so an id stays valid for the process.
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
// Zeroes `bytes` at device pointer p, asynchronously on the calling thread's current stream.
void cuda_zero(void* p, size_t bytes);
// Copies `bytes` between devices (CPU<->CUDA or CUDA<->CUDA; CPU<->CPU is the caller's memcpy), ordered on
// stream `stream_id` (0: the calling thread's current stream). Host->device returns once the host bytes
// are staged (the host buffer may be reused at once); device->host synchronises that stream (the host
// bytes are ready on return); device->device is asynchronous.
void cuda_copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes, int stream_id = 0);
// Waits for all work queued on the device (every stream); throws the first asynchronous error.
void cuda_synchronize();

// ---- streams ----
int cuda_current_stream();             // the calling thread's current stream id (current device)
int cuda_set_current_stream(int id);   // makes `id` current on this thread; returns the previous one
int cuda_stream_acquire();             // a stream for torch.cuda.Stream: an idle one or a new one
void cuda_stream_release(int id);      // back to the idle ones (work queued on it still runs)
void cuda_stream_synchronize(int id);  // waits for the work queued on `id`
bool cuda_stream_query(int id);        // true when all work queued on `id` has finished
// Work queued on `waiter` from now on runs after the work queued on `waitee` so far (an event; the host
// does not wait). No-op when they are the same stream.
void cuda_stream_wait(int waiter, int waitee);
int cuda_stream_count();       // streams made so far (live and idle)
int cuda_stream_idle_count();  // of which idle (no thread, no torch.cuda.Stream holds them)
// Kernel launches, copies and memsets issued on stream `id` so far, counted by the CUDA emulator; -1 on a
// real GPU (which has no such counter).
double cuda_stream_work(int id);
// The emulator only (tl::Error(NotImplemented) otherwise): while held, events recorded on a stream stay
// incomplete (cudaEventQuery says not ready) until that stream or the device is synchronised, as a
// GPU's would while its stream had work queued; lets tests see the allocator wait for events.
void cuda_emu_hold_events(bool on);
// PyTorch's recordStream, done by the addon for every op (binding.cc): the device block at `p` (from
// cuda_storage_alloc) is used by work on stream `id`; when it is freed, it is reused only once the work
// queued on `id` until then has finished (allocator.cu).
void cuda_record_stream(void* p, int id);

struct CudaMemoryStats {
  size_t allocated = 0;           // bytes in live blocks (size-class rounded), all devices
  size_t requested = 0;           // bytes asked for by live blocks (before rounding)
  size_t cached = 0;              // bytes in freed blocks kept for reuse
  size_t peak = 0;                // highest `allocated` since start
  size_t mallocs = 0;             // cudaMalloc calls since start (cache misses)
  size_t frees = 0;               // cudaFree calls since start (empty_cache, OOM retries)
  size_t oom_retries = 0;         // allocations that failed, freed the cache and were retried
  size_t pending = 0;             // freed blocks waiting for other streams' work (events) before reuse
  size_t cross_stream_frees = 0;  // blocks freed after use on a stream other than their own
};
CudaMemoryStats cuda_memory_stats();  // all zero without CUDA
void cuda_empty_cache();              // returns cached blocks to the driver (no-op without CUDA)
}  // namespace tl
