// native/core/allocator.cc — see allocator.h.
#include "allocator.h"

#include <sys/mman.h>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace tl {
namespace {

constexpr size_t kLarge = 16 * 1024;
constexpr size_t kMaxCached = size_t(2) << 30;  // keep at most 2 GiB of freed blocks
constexpr size_t kHuge = size_t(4) << 20;       // fresh blocks this large get huge pages (map_block)
constexpr size_t kHugeAlign = size_t(2) << 20;  // the x86-64 / arm64 huge page size
std::atomic<size_t> g_system_allocs{0};

// Size classes: 4 steps per power of two (at most ~19% slack), page multiples.
size_t size_class(size_t bytes) {
  size_t p = 1;
  while ((p << 1) <= bytes) p <<= 1;
  size_t step = p / 4;
  size_t c = (bytes + step - 1) / step * step;
  return (c + 4095) / 4096 * 4096;
}

// The cache of freed large blocks, best fit with splitting and coalescing (as a caching GPU allocator
// does): a request takes the smallest free block that holds its class and leaves the rest of it free,
// and a freed block merges with free neighbours in the address space. So memory a batch of 64 touched
// serves a batch of 13 next (a serving batcher's sizes vary with load; a loader's last batch is
// smaller): touching fresh pages costs far more than the kernel work on a VM (about 3 ms per MB on
// the development machine), and a cache of exact sizes missed on every new batch size. Ages give the
// order of release: when the cache is full, the blocks freed longest ago are returned to the kernel
// first, so sizes of an earlier phase cannot pin it and make every later step miss. Every address in a
// free block is mapped and owned here, so a merged block spanning two mmap calls unmaps as one range.
struct FreeBlock {
  size_t size;
  uint64_t age;  // when it was freed (larger: more recently)
};
struct Cache {
  std::mutex mu;
  std::map<uintptr_t, FreeBlock> by_addr;
  std::set<std::pair<size_t, uintptr_t>> by_size;
  std::set<std::pair<uint64_t, uintptr_t>> by_age;
  uint64_t clock = 0;
  size_t cached = 0;

  void insert(uintptr_t a, size_t size, uint64_t age) {
    by_addr.emplace(a, FreeBlock{size, age});
    by_size.emplace(size, a);
    by_age.emplace(age, a);
    cached += size;
  }
  void erase(std::map<uintptr_t, FreeBlock>::iterator it) {
    by_size.erase({it->second.size, it->first});
    by_age.erase({it->second.age, it->first});
    cached -= it->second.size;
    by_addr.erase(it);
  }
};
Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: safe during process exit
  return *c;
}

// A fresh block from the kernel. Blocks of kHuge and more start on a 2 MiB boundary and are marked
// for transparent huge pages (where the system leaves THP to madvise), so that their first touch
// faults 2 MiB at a time instead of 4 KiB.
void* map_block(size_t cls) {
  if (cls < kHuge) {
    void* p = mmap(nullptr, cls, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
  const size_t span = cls + kHugeAlign;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugeAlign - 1) & ~uintptr_t(kHugeAlign - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const size_t tail = start + span - (aligned + cls);
  if (tail) munmap(reinterpret_cast<void*>(aligned + cls), tail);
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, cls, MADV_HUGEPAGE);  // advice only: without THP the block keeps 4 KiB pages
#endif
  return p;
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
    auto fit = c.by_size.lower_bound({cls, 0});
    if (fit != c.by_size.end()) {
      const uintptr_t a = fit->second;
      auto it = c.by_addr.find(a);
      const FreeBlock b = it->second;
      c.erase(it);
      if (b.size > cls) c.insert(a + cls, b.size - cls, b.age);  // the rest stays free (page multiple)
      return reinterpret_cast<void*>(a);
    }
  }
  g_system_allocs.fetch_add(1, std::memory_order_relaxed);
  void* p = map_block(cls);
  if (!p) {
    host_empty_cache();  // give cached blocks back and try once more
    p = map_block(cls);
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
  std::vector<std::pair<uintptr_t, size_t>> release;  // unmapped after the lock is dropped
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    // make room from the blocks freed longest ago, unmapping only as much as is needed (a merged block
    // can be far larger than the room wanted: its front stays cached)
    while (c.cached + cls > kMaxCached) {
      auto it = c.by_addr.find(c.by_age.begin()->second);
      const size_t need = (c.cached + cls - kMaxCached + 4095) / 4096 * 4096;
      const uintptr_t a = it->first;
      const FreeBlock b = it->second;
      c.erase(it);
      if (b.size > need) {
        c.insert(a, b.size - need, b.age);
        release.emplace_back(a + b.size - need, need);
      } else {
        release.emplace_back(a, b.size);
      }
    }
    uintptr_t a = reinterpret_cast<uintptr_t>(p);
    size_t size = cls;
    auto next = c.by_addr.find(a + size);
    if (next != c.by_addr.end()) {
      size += next->second.size;
      c.erase(next);
    }
    auto after = c.by_addr.lower_bound(a);
    if (after != c.by_addr.begin()) {
      auto prev = std::prev(after);
      if (prev->first + prev->second.size == a) {
        a = prev->first;
        size += prev->second.size;
        c.erase(prev);
      }
    }
    c.insert(a, size, ++c.clock);
  }
  for (auto& [q, n] : release) munmap(reinterpret_cast<void*>(q), n);
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
  for (auto& [a, b] : c.by_addr) munmap(reinterpret_cast<void*>(a), b.size);
  c.by_addr.clear();
  c.by_size.clear();
  c.by_age.clear();
  c.cached = 0;
}
}  // namespace tl
