// native/core/allocator.cc — see allocator.h.
#include "allocator.h"

#include <sys/mman.h>
#include <cstdlib>
#include <iterator>
#include <list>
#include <map>
#include <unordered_map>
#include <utility>
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

// Freed large blocks, by size class, plus their order of release (least recently freed first). When
// the cache is full, the blocks freed longest ago are returned to the kernel to make room: a loop
// frees and re-allocates the same sizes every step, so the block freed now is the one most likely
// to be wanted next, and blocks of sizes an earlier phase used (another model, another batch size)
// must not pin the cache and make every later step miss it.
struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_blocks;
  std::list<void*> lru;                                                            // front: freed longest ago
  std::unordered_map<void*, std::pair<size_t, std::list<void*>::iterator>> where;  // block -> class, lru node
  size_t cached = 0;
};
Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: safe during process exit
  return *c;
}

// Removes the least recently freed block from the cache (lock held) and returns it with its class.
std::pair<void*, size_t> evict_oldest(Cache& c) {
  void* p = c.lru.front();
  c.lru.pop_front();
  auto w = c.where.find(p);
  const size_t cls = w->second.first;
  c.where.erase(w);
  std::vector<void*>& v = c.free_blocks[cls];
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] == p) {
      v[i] = v.back();
      v.pop_back();
      break;
    }
  c.cached -= cls;
  return {p, cls};
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
      auto w = c.where.find(p);
      c.lru.erase(w->second.second);
      c.where.erase(w);
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
  if (cls > kMaxCached) {
    munmap(p, cls);
    return;
  }
  std::vector<std::pair<void*, size_t>> release;  // unmapped after the lock is dropped
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    while (c.cached + cls > kMaxCached) release.push_back(evict_oldest(c));
    c.free_blocks[cls].push_back(p);
    c.lru.push_back(p);
    c.where.emplace(p, std::make_pair(cls, std::prev(c.lru.end())));
    c.cached += cls;
  }
  for (auto& [q, n] : release) munmap(q, n);
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
  c.lru.clear();
  c.where.clear();
  c.cached = 0;
}
}  // namespace tl
