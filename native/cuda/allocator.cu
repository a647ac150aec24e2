// native/cuda/allocator.cu — the caching device allocator behind tl::cuda::device_alloc/device_free
// (common.cuh) and tl::cuda_storage_alloc/free (core/cuda_runtime.h): tensor storages and kernel
// temporaries alike come from here, so a training step that frees and re-allocates the same
// activations every iteration calls cudaMalloc only during the first step.
//
// Blocks are rounded up to size classes (512 B steps below 4 KiB, then 4 steps per power of two:
// at most ~19% slack, as native/core/allocator.cc) and kept per device.
//
// Streams (PyTorch's design, simplest form). Each block belongs to the stream it was allocated on (the
// calling thread's current stream, runtime.cu). A freed block goes back to the free list of its
// (stream, class) and is handed out again only to an allocation on that same stream: work queued on
// the block before its free runs before any work queued after its reuse, with no event. A block that
// was also used on other streams (recorded by cuda_record_stream — PyTorch's tensor.record_stream,
// which the addon calls itself for every op whose stream is not the tensor's, binding.cc) is, when
// freed, held as pending with an event recorded on each of those streams, and joins its stream's free
// list only once every event has completed (polled at each allocation; waited for before an OOM
// retry). So no block is reused while any stream may still read or write it, and no user call is
// needed for that. Blocks never move between streams except through the driver (empty_cache, the
// OOM retry: the device is synchronised, then the cached blocks are cudaFree'd).
// Free lists are never cudaFree'd during normal work (cudaFree would synchronise the device).
// On a cudaMalloc failure the device's cache is released and the allocation retried once; if it fails
// again, tl::Error(OutOfMemory) names the size and the device's memory state, and the process keeps
// working (the CUDA error is cleared).
// Stats (allocated, cached — free lists and pending blocks, peak, cudaMalloc/cudaFree calls, pending
// blocks, cross-stream frees) are kept per device and summed.
#include <cuda_runtime.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cuda_runtime.h"
#include "cuda/common.cuh"

namespace tl {
namespace cuda {
// runtime.cu
int current_device();
int stream_id();
cudaStream_t stream_handle(int id);
cudaEvent_t event_acquire();
void event_release(cudaEvent_t e) noexcept;

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

struct Block {
  size_t cls, bytes;      // size class, requested bytes
  int stream;             // the stream it was allocated on (its free list's)
  std::vector<int> uses;  // other streams that used it (cuda_record_stream)
};
struct Pending {
  void* p;
  size_t cls;
  int stream;
  std::vector<cudaEvent_t> events;  // one per other stream that used it; reusable when all completed
};
struct DeviceCache {
  std::map<std::pair<int, size_t>, std::vector<void*>> free_blocks;  // (stream, class) -> freed blocks
  std::unordered_map<void*, Block> live;
  std::vector<Pending> pending;
  size_t allocated = 0, requested = 0, cached = 0, peak = 0;
  size_t mallocs = 0, frees = 0, oom_retries = 0, cross_stream_frees = 0;
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

// Moves pending blocks whose events have all completed to their stream's free list; with `wait`, waits
// for the events first (caller holds the lock).
void collect_pending(DeviceCache& c, bool wait) {
  for (size_t i = 0; i < c.pending.size();) {
    Pending& q = c.pending[i];
    bool done = true;
    for (cudaEvent_t e : q.events) {
      const cudaError_t r = wait ? cudaEventSynchronize(e) : cudaEventQuery(e);
      if (r == cudaErrorNotReady) {  // not an error: clear it, as PyTorch's allocator does
        (void)cudaGetLastError();
        done = false;
        break;
      }
      if (r != cudaSuccess) (void)cudaGetLastError();  // a failed event: treat as completed after a device sync
      if (r != cudaSuccess && cudaDeviceSynchronize() != cudaSuccess) (void)cudaGetLastError();
    }
    if (!done) {
      ++i;
      continue;
    }
    for (cudaEvent_t e : q.events) event_release(e);
    c.free_blocks[{q.stream, q.cls}].push_back(q.p);
    if (i + 1 != c.pending.size()) q = std::move(c.pending.back());
    c.pending.pop_back();
  }
}

// Releases every cached block of one device (caller holds the lock and has that device current).
void release_cached(DeviceCache& c) {
  collect_pending(c, true);
  // cudaFree synchronises the device, but say so: no stream may still use a block handed back
  if (cudaDeviceSynchronize() != cudaSuccess) (void)cudaGetLastError();
  for (auto& [key, blocks] : c.free_blocks) {
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
  const int sid = stream_id();  // before the lock (it may take the stream registry's)
  const size_t cls = size_class(bytes);
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  DeviceCache& c = a.dev[d];
  if (!c.pending.empty()) collect_pending(c, false);
  void* p = nullptr;
  auto it = c.free_blocks.find({sid, cls});
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
  c.live.emplace(p, Block{cls, bytes, sid, {}});
  if (tl_cuda_emu_extent) tl_cuda_emu_extent(p, bytes);  // the emulator's bounds checks (common.cuh)
  c.allocated += cls;
  c.requested += bytes;
  if (c.allocated > c.peak) c.peak = c.allocated;
  return p;
}

// The live block at p: its device's cache in `owner` (nullptr when p is no live block of ours: a
// foreign or already freed pointer). A block may belong to any device (one in practice). a.mu held.
static auto find_live(Allocator& a, void* p, DeviceCache*& owner) -> decltype(a.dev[0].live.begin()) {
  for (int d = 0; d < kMaxDevices; ++d) {
    DeviceCache& c = a.dev[d];
    if (c.live.empty()) continue;
    auto it = c.live.find(p);
    if (it == c.live.end()) continue;
    owner = &c;
    return it;
  }
  owner = nullptr;
  return a.dev[0].live.end();
}

void device_free(void* p, size_t bytes) {
  (void)bytes;  // the block's own size class is recorded at allocation
  if (!p) return;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  DeviceCache* owner = nullptr;
  auto it = find_live(a, p, owner);
  if (owner) {
    DeviceCache& c = *owner;
    Block b = std::move(it->second);
    c.allocated -= b.cls;
    c.requested -= b.bytes;
    c.live.erase(it);
    c.cached += b.cls;
    if (tl_cuda_emu_extent) tl_cuda_emu_extent(p, 0);  // a kernel touching it now is a use after free
    if (b.uses.empty()) {
      c.free_blocks[{b.stream, b.cls}].push_back(p);
      return;
    }
    ++c.cross_stream_frees;
    Pending q{p, b.cls, b.stream, {}};
    for (int u : b.uses) {
      cudaEvent_t e = nullptr;
      cudaError_t r = cudaErrorUnknown;
      try {
        e = event_acquire();
        r = cudaEventRecord(e, stream_handle(u));
      } catch (...) {}
      if (r == cudaSuccess) {
        q.events.push_back(e);
        continue;
      }
      (void)cudaGetLastError();
      event_release(e);
      // no event: wait for that stream here instead (this runs in destructors: nothing may throw)
      cudaStream_t s = nullptr;
      try {
        s = stream_handle(u);
      } catch (...) {}
      if (!s || cudaStreamSynchronize(s) != cudaSuccess) {
        (void)cudaGetLastError();
        for (cudaEvent_t ev : q.events) event_release(ev);
        c.cached -= b.cls;  // cannot tell when it is free: never reuse it (the driver gets it back at exit)
        return;
      }
    }
    if (q.events.empty())
      c.free_blocks[{b.stream, b.cls}].push_back(p);
    else
      c.pending.push_back(std::move(q));
    return;
  }
  // Not ours: never hand a foreign pointer to cudaFree or the cache. Freeing happens from
  // destructors, so report nothing (cannot throw) — this is a caller bug caught in debug runs.
}

// Notes that stream `sid` uses the live block p (nothing for its own stream, or an unknown pointer).
void record_stream(void* p, int sid) {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  DeviceCache* owner = nullptr;
  auto it = find_live(a, p, owner);
  if (!owner) return;
  Block& b = it->second;
  if (b.stream != sid && std::find(b.uses.begin(), b.uses.end(), sid) == b.uses.end()) b.uses.push_back(sid);
}

}  // namespace cuda

void cuda_record_stream(void* p, int id) { cuda::record_stream(p, id); }
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
    s.pending += c.pending.size();
    s.cross_stream_frees += c.cross_stream_frees;
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
    if (c.free_blocks.empty() && c.pending.empty()) continue;
    if (d != cur) TL_CUDA_CHECK(cudaSetDevice(d));
    cuda::release_cached(c);
    if (d != cur) TL_CUDA_CHECK(cudaSetDevice(cur));
  }
}

}  // namespace tl
