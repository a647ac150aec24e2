// native/cuda/allocator.cu — the caching device allocator behind tl::cuda::device_alloc/device_free
// (common.cuh) and tl::cuda_storage_alloc/free (core/cuda_runtime.h): tensor storages and kernel
// temporaries alike come from here, so a training step that frees and re-allocates the same
// activations every iteration calls cudaMalloc only during the first step.
//
// Blocks are rounded up to size classes (512 B steps below 4 KiB, then 4 steps per power of two:
// at most ~19% slack, as native/core/allocator.cc) and kept per device. A freed block goes back to
// its class's free list (never cudaFree'd during normal work; cudaFree would synchronise the
// device). Reuse is safe without events because every device has one stream (runtime.cu): work
// queued on a block before its free runs before any work queued after its reuse.
// On a cudaMalloc failure the device's cache is released (cudaFree'd) and the allocation retried
// once; if it fails again, tl::Error(OutOfMemory) names the size and the device's memory state,
// and the process keeps working (the CUDA error is cleared).
// Stats (allocated, cached, peak, cudaMalloc/cudaFree calls) are kept per device and summed.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cuda_runtime.h"
#include "cuda/common.cuh"

namespace tl {
namespace cuda {
int current_device();  // runtime.cu

namespace {

constexpr int kMaxDevices = 64;

size_t size_class(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes <= 4096) return (bytes + 511) / 512 * 512;
  size_t p = 1;
  while ((p << 1) <= bytes) p <<= 1;
  const size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

struct DeviceCache {
  std::map<size_t, std::vector<void*>> free_blocks;           // class -> freed blocks
  std::unordered_map<void*, std::pair<size_t, size_t>> live;  // block -> (class, requested bytes)
  size_t allocated = 0, requested = 0, cached = 0, peak = 0;
  size_t mallocs = 0, frees = 0, oom_retries = 0;
};

struct Allocator {
  std::mutex mu;
  DeviceCache dev[kMaxDevices];
};
Allocator& allocator() {
  static Allocator* a = new Allocator();  // never destroyed: blocks die with the context at exit
  return *a;
}

std::string mib(size_t b) { return std::to_string((b + (1 << 19)) >> 20) + " MiB"; }

// Releases every cached block of one device (caller holds the lock and has that device current).
void release_cached(DeviceCache& c) {
  for (auto& [cls, blocks] : c.free_blocks) {
    for (void* p : blocks) {
      cudaError_t e = cudaFree(p);
      if (e != cudaSuccess) (void)cudaGetLastError();  // a failed free only loses the block
      ++c.frees;
    }
  }
  c.free_blocks.clear();
  c.cached = 0;
}

int checked_device() {
  const int d = current_device();
  if (d < 0 || d >= kMaxDevices) throw Error(ErrorCode::Internal, "torchlet: CUDA device index out of range");
  return d;
}

}  // namespace

void* device_alloc(size_t bytes) {
  const int d = checked_device();
  const size_t cls = size_class(bytes);
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  DeviceCache& c = a.dev[d];
  void* p = nullptr;
  auto it = c.free_blocks.find(cls);
  if (it != c.free_blocks.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    c.cached -= cls;
  } else {
    cudaError_t e = cudaMalloc(&p, cls);
    ++c.mallocs;
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      ++c.oom_retries;
      release_cached(c);
      p = nullptr;
      e = cudaMalloc(&p, cls);
      ++c.mallocs;
    }
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      if (e != cudaErrorMemoryAllocation) check(e, "cudaMalloc");
      size_t free_b = 0, total_b = 0;
      if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) (void)cudaGetLastError();
      throw Error(ErrorCode::OutOfMemory, "torchlet: CUDA out of memory: tried to allocate " + mib(cls) + " (" +
                                              std::to_string(bytes) + " bytes) on cuda:" + std::to_string(d) + "; " +
                                              mib(c.allocated) + " held by torchlet tensors, " + mib(free_b) +
                                              " free of " + mib(total_b) +
                                              ". Free tensors (dispose(), tidy()) or use a smaller batch.");
    }
  }
  c.live.emplace(p, std::make_pair(cls, bytes));
  if (tl_cuda_emu_extent) tl_cuda_emu_extent(p, bytes);  // the emulator's bounds checks (common.cuh)
  c.allocated += cls;
  c.requested += bytes;
  if (c.allocated > c.peak) c.peak = c.allocated;
  return p;
}

void device_free(void* p, size_t bytes) {
  (void)bytes;  // the block's own size class is recorded at allocation
  if (!p) return;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  // The block may belong to any device: find its owner (one device in practice).
  for (int d = 0; d < kMaxDevices; ++d) {
    DeviceCache& c = a.dev[d];
    if (c.live.empty()) continue;
    auto it = c.live.find(p);
    if (it == c.live.end()) continue;
    const size_t cls = it->second.first;
    c.allocated -= cls;
    c.requested -= it->second.second;
    c.live.erase(it);
    c.free_blocks[cls].push_back(p);
    c.cached += cls;
    if (tl_cuda_emu_extent) tl_cuda_emu_extent(p, 0);  // a kernel touching it now is a use after free
    return;
  }
  // Not ours: never hand a foreign pointer to cudaFree or the cache. Freeing happens from
  // destructors, so report nothing (cannot throw) — this is a caller bug caught in debug runs.
}

}  // namespace cuda

void* cuda_storage_alloc(size_t bytes) { return cuda::device_alloc(bytes); }
void cuda_storage_free(void* p, size_t bytes) { cuda::device_free(p, bytes); }

CudaMemoryStats cuda_memory_stats() {
  CudaMemoryStats s;
  cuda::Allocator& a = cuda::allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  for (int d = 0; d < cuda::kMaxDevices; ++d) {
    const cuda::DeviceCache& c = a.dev[d];
    s.allocated += c.allocated;
    s.requested += c.requested;
    s.cached += c.cached;
    s.peak += c.peak;
    s.mallocs += c.mallocs;
    s.frees += c.frees;
    s.oom_retries += c.oom_retries;
  }
  return s;
}

void cuda_empty_cache() {
  std::string why;
  if (cuda_device_count(&why) == 0) return;
  const int cur = cuda::current_device();
  cuda::Allocator& a = cuda::allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  for (int d = 0; d < cuda::kMaxDevices; ++d) {
    cuda::DeviceCache& c = a.dev[d];
    if (c.free_blocks.empty()) continue;
    if (d != cur) TL_CUDA_CHECK(cudaSetDevice(d));
    cuda::release_cached(c);
    if (d != cur) TL_CUDA_CHECK(cudaSetDevice(cur));
  }
}

}  // namespace tl
