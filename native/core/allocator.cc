// native/core/allocator.cc — see allocator.h.
#include "allocator.h"

#include <sys/mman.h>
#include <cstdlib>
#include <map>
#include <atomic>
#include <mutex>
#include <vector>

namespace tl {
namespace {

constexpr size_t kLarge = 16 * 1024;
constexpr size_t kMaxCached = size_t(2) << 30;  // keep at most 2 GiB of freed blocks
std::atomic<size_t> g_system_allocs{0};

// Size classes: 4 steps per power of two (at most ~19% slack), page multiples.
size_t size_class(size_t bytes) {
  size_t p = 1;
  while ((p << 1) <= bytes) p <<= 1;
  size_t step = p / 4;
  size_t c = (bytes + step - 1) / step * step;
  return (c + 4095) / 4096 * 4096;
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_blocks;
  size_t cached = 0;
};
Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: safe during process exit
  return *c;
}

}  // namespace

void* host_alloc(size_t bytes) {
  if (bytes < kLarge) {
    size_t n = (bytes + 63) / 64 * 64;
    return std::aligned_alloc(64, n ? n : 64);
  }
  const size_t cls = size_class(bytes);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= cls;
      return p;
    }
  }
  g_system_allocs.fetch_add(1, std::memory_order_relaxed);
  void* p = mmap(nullptr, cls, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    host_empty_cache();  // give cached blocks back and try once more
    p = mmap(nullptr, cls, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
  }
  return p;
}

void host_free(void* p, size_t bytes) {
  if (!p) return;
  if (bytes < kLarge) {
    std::free(p);
    return;
  }
  const size_t cls = size_class(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached + cls <= kMaxCached) {
      c.free_blocks[cls].push_back(p);
      c.cached += cls;
      return;
    }
  }
  munmap(p, cls);
}

size_t host_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

size_t host_system_allocs() { return g_system_allocs.load(std::memory_order_relaxed); }

void host_empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [cls, v] : c.free_blocks)
    for (void* p : v) munmap(p, cls);
  c.free_blocks.clear();
  c.cached = 0;
}

}  // namespace tl
