// native/core/allocator.h — host memory for tensor storage.
// Small blocks come from malloc; larger ones (>= 16 KiB) from mmap, rounded to size classes and
// cached on free for reuse, so a training loop that frees and re-allocates the same activations
// every step neither returns to the kernel each time nor fragments the malloc heap (glibc's heap
// grew without bound on that pattern). The cache is best fit: a request takes the smallest cached
// block that holds it and leaves the rest cached, and freed neighbours merge, so memory touched by a
// large batch serves smaller ones. Fresh blocks of 4 MiB and more ask for transparent huge pages.
// Thread-safe. The cache is bounded (2 GiB): when full, the blocks freed longest ago are unmapped
// first (LRU), so stale sizes from an earlier phase cannot pin it. empty_cache() releases it all.
#pragma once
#include <cstddef>

namespace tl {
void* host_alloc(size_t bytes);         // 64-byte aligned; nullptr when out of memory
void host_free(void* p, size_t bytes);  // bytes must be the size passed to host_alloc
size_t host_cached_bytes();
size_t host_system_allocs();  // large blocks obtained from the kernel (mmap) since start: cache misses
void host_empty_cache();
}  // namespace tl
