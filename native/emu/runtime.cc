// native/emu/runtime.cc — the CUDA emulator (TORCHLET_CUDA=EMU): runs the kernels of
// native/cuda/*.cu, compiled as host C++ against native/emu/include/cuda_runtime.h, on the CPU.
//
// Execution. A launch runs at once, in issue order (launches are serialised process-wide, so every
// stream is trivially ordered and streams never overlap). Streams count the launches, copies and
// memsets issued on them (tl_cuda_emu_stream_work: tests check which stream work went to). Events
// complete when recorded, unless tl_cuda_emu_hold_events(1) holds them: then an event recorded on a
// stream stays incomplete (cudaEventQuery / cudaStreamQuery: cudaErrorNotReady) until that stream,
// the event or the device is synchronised, as on a GPU still busy with the stream's work.
// Blocks are spread over the OpenMP threads; on each, a block's threads are fibers (own stacks, a
// hand-written x86-64 context switch, ucontext elsewhere) run round-robin: a fiber runs until it
// exits or reaches a switch point
// (__syncthreads, a warp intrinsic). A barrier opens when every live thread of the block has
// reached it (threads that exited count as arrived, as on the hardware); a warp op resolves when
// every lane of its mask that has not exited is there, all with the same op. Anything else is a
// deadlock and is reported. A thread that never reaches a switch point runs start to end on a
// reused stack (two context switches per thread: the fast path of elementwise kernels).
// __shared__ variables are thread_locals: one instance per CPU thread, used by one block at a time.
//
// Checks (TORCHLET_CUDA_EMU_CHECKS=0 turns them off). The .cu files are compiled with GCC's
// -fsanitize=thread instrumentation, but no TSan runtime is linked: the __tsan_* hooks below are
// ours, so every load and store of kernel code reaches check_access() with its address and size:
//  * global memory: the access must lie inside a live device block, within the bytes it was handed
//    out for (the caching allocator reports them through tl_cuda_emu_extent; 0 once freed);
//    kernel arguments and the thread's own stack are the only other memory a kernel may touch;
//  * shared memory (this thread's instance of the module's TLS block): poisoned (0xff bytes: NaN
//    for floats) at block start wherever an earlier block wrote; a read of a word not written in
//    this block is reported; a race detector keeps per 4-byte word the last writer and reader(s)
//    with the barrier epoch of the access, and reports two threads touching one word, at least
//    one writing, with no __syncthreads (or __syncwarp, within a warp) between them.
// The first failure of a launch stops it; it becomes the launch's error (cudaErrorIllegalAddress
// for bounds, cudaErrorAssert for shared-memory reports, cudaErrorLaunchFailure for deadlocks), and
// cudaGetErrorString returns the report: the kernel, the block, the thread(s), the address.
//
// Device memory: TORCHLET_CUDA_EMU_MEMORY_MB (default 4096, at most half the host's); fresh blocks
// up to 64 MiB are filled with 0xff bytes, as garbage would be on a GPU.
// Coverage: with TORCHLET_CUDA_EMU_STATS=<file>, the first launch of every kernel instance in a
// process appends its name to <file> (scripts/emu_coverage.js counts them against the sources).
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <link.h>
#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

// Dynamic shared memory: tl::cuda::dynamic_shared<T>() (common.cuh) declares this array extern.
namespace tl {
namespace cuda {
thread_local __attribute__((aligned(16))) unsigned char tl_dynamic_smem[48 * 1024];
}  // namespace cuda
}  // namespace tl
// Its "TLS init function" (there is nothing to initialise): the extern declaration's users call it,
// and in a PIE executable GCC drops the null check of the weak reference.
extern "C" __attribute__((visibility("hidden"))) void _ZTHN2tl4cuda15tl_dynamic_smemE() {}

namespace emu {
namespace {

constexpr size_t kMaxDynamicShared = sizeof(tl::cuda::tl_dynamic_smem);
constexpr size_t kStackBytes = 256 * 1024;
constexpr uint16_t kManyReaders = 0xffff;

bool env_flag(const char* name, bool dflt) {
  const char* v = std::getenv(name);
  if (!v || !*v) return dflt;
  return !(v[0] == '0' || v[0] == 'n' || v[0] == 'N' || v[0] == 'f' || v[0] == 'F');
}
const bool g_checks = env_flag("TORCHLET_CUDA_EMU_CHECKS", true);

// ---- context switch ---------------------------------------------------------------------------------
#if defined(__x86_64__)
extern "C" void tl_emu_switch(void** save_sp, void* to_sp);
extern "C" void tl_emu_fiber_start();
asm(R"(
  .text
  .globl tl_emu_switch
  .hidden tl_emu_switch
  .type tl_emu_switch,@function
tl_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size tl_emu_switch,.-tl_emu_switch
  .globl tl_emu_fiber_start
  .hidden tl_emu_fiber_start
  .type tl_emu_fiber_start,@function
tl_emu_fiber_start:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size tl_emu_fiber_start,.-tl_emu_fiber_start
)");
#endif

struct Stack {
  char* lo = nullptr;
  char* hi = nullptr;
#if !defined(__x86_64__)
  ucontext_t uc;
#endif
};

enum class St : uint8_t { New, Ready, Barrier, Warp, Done, Fault };

struct Thread {
  St st = St::New;
  int stack = -1;
  void* sp = nullptr;
  uint32_t block_sync = 0, warp_sync = 0;  // epochs of the last barrier / warp sync this thread passed
  // a pending warp op
  int wop = 0, warg = 0, wwidth = 32;
  unsigned wmask = 0, wresult = 0;
  void* wptr = nullptr;
  size_t wbytes = 0;
  uint64_t wval = 0;
};

struct Shadow {  // one 4-byte word of shared memory
  uint32_t w_epoch, r_epoch;
  uint16_t w_tid, r_tid;
};

struct Launch {
  LaunchDesc d;
  uintptr_t rec_lo, rec_hi;
  unsigned nthreads;
  std::atomic<bool> abort{false};
  std::mutex mu;
  cudaError_t code = cudaSuccess;
  std::string report;
  void fail(cudaError_t c, const std::string& msg) {
    std::lock_guard<std::mutex> lock(mu);
    if (code == cudaSuccess) {
      code = c;
      report = msg;
    }
    abort.store(true, std::memory_order_relaxed);
  }
};

struct Cached {
  uintptr_t lo = 0, hi = 0;
};

struct Worker {
  uintptr_t tls_lo = 0, tls_hi = 0;  // this OS thread's instance of the module's TLS block
  bool shared_ok = false;            // the TLS block was found (else shared checks are off)
  std::vector<Shadow> shadow;        // per word of [tls_lo, tls_hi)
  size_t shadow_words = 0;
  std::vector<uint32_t> touched;  // words written since the last poisoning
  uint32_t epoch = 1, block_start = 1;
  std::vector<Stack> stacks;
  std::vector<int> free_stacks;
  std::vector<Thread> threads;
  void* sched_sp = nullptr;
#if !defined(__x86_64__)
  ucontext_t sched_uc;
#endif
  int cur = -1;
  unsigned next_new = 0;  // the block's next thread to start
  bool in_kernel = false;
  bool faulted = false;
  Launch* L = nullptr;
  uint3 bidx{0, 0, 0};
  unsigned nthreads = 0;
  Cached cache[4];
  unsigned cache_next = 0;
  uint64_t cache_gen = ~0ull;
};

thread_local Worker* t_worker = nullptr;

// ---- device allocations -------------------------------------------------------------------------------
struct Alloc {
  size_t cap, extent;
};
std::shared_mutex g_alloc_mu;
std::map<uintptr_t, Alloc>& allocs() {
  static auto* m = new std::map<uintptr_t, Alloc>();
  return *m;
}
std::atomic<uint64_t> g_alloc_gen{0};
std::atomic<size_t> g_alloc_bytes{0};

std::string hex(uintptr_t p) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%lx", (unsigned long)p);
  return b;
}
std::string dims(uint3 v) {
  return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}

// Where [p, p+n) lies with respect to the device blocks: "" when inside a live one's extent, else why not.
std::string locate(uintptr_t p, size_t n, uintptr_t* lo = nullptr, uintptr_t* hi = nullptr) {
  std::shared_lock<std::shared_mutex> lock(g_alloc_mu);
  auto& m = allocs();
  auto it = m.upper_bound(p);
  if (it != m.begin()) {
    --it;
    const uintptr_t base = it->first;
    if (p < base + it->second.cap) {
      if (p + n <= base + it->second.extent) {
        if (lo) *lo = base, *hi = base + it->second.extent;
        return "";
      }
      if (it->second.extent == 0) return "inside a freed device block at " + hex(base) + " (use after free)";
      return "offset " + std::to_string(p - base) + " of the " + std::to_string(it->second.extent) +
             "-byte device block at " + hex(base) + " (" + std::to_string(p + n - (base + it->second.extent)) +
             " byte(s) past its end)";
    }
    if (p - (base + it->second.cap) < 4096)
      return "offset " + std::to_string(p - base) + " of the " + std::to_string(it->second.extent) +
             "-byte device block at " + hex(base) + " (" + std::to_string(p - base - it->second.extent) +
             " bytes past its end)";
  }
  return "not in any device allocation (a host pointer, a freed block or a wild pointer)";
}

// ---- workers, fibers, blocks ------------------------------------------------------------------------------
int find_tls(struct dl_phdr_info* info, size_t, void* data) {
  auto* w = static_cast<Worker*>(data);
  const uintptr_t fn = reinterpret_cast<uintptr_t>(&find_tls);
  bool mine = false;
  size_t tls_size = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD) {
      const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
      if (fn >= lo && fn < lo + ph.p_memsz) mine = true;
    } else if (ph.p_type == PT_TLS) {
      tls_size = ph.p_memsz;
    }
  }
  if (!mine) return 0;
  if (info->dlpi_tls_data && tls_size) {
    w->tls_lo = reinterpret_cast<uintptr_t>(info->dlpi_tls_data);
    w->tls_hi = w->tls_lo + tls_size;
  }
  return 1;
}

Worker& worker() {
  if (t_worker) return *t_worker;
  auto* w = new Worker();                                       // kept for the thread's life (OpenMP threads persist)
  volatile unsigned char touch = tl::cuda::tl_dynamic_smem[0];  // allocates this thread's TLS block
  (void)touch;
  dl_iterate_phdr(find_tls, w);
  const uintptr_t dyn = reinterpret_cast<uintptr_t>(&tl::cuda::tl_dynamic_smem[0]);
  w->shared_ok = w->tls_hi > w->tls_lo && dyn >= w->tls_lo && dyn + kMaxDynamicShared <= w->tls_hi;
  if (!w->shared_ok) {
    static std::once_flag warned;
    std::call_once(warned, [] {
      std::fprintf(stderr, "torchlet CUDA emulator: the module's TLS block was not found: checks are off\n");
    });
  } else {
    w->shadow.assign((w->tls_hi - w->tls_lo + 3) / 4, Shadow{0, 0, 0, 0});
    w->shadow_words = w->shadow.size();
  }
  t_worker = w;
  return *w;
}

void fiber_main(void* arg);

int take_stack(Worker& w) {
  if (!w.free_stacks.empty()) {
    const int s = w.free_stacks.back();
    w.free_stacks.pop_back();
    return s;
  }
  void* m = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return -1;
  Stack s;
  s.lo = static_cast<char*>(m);
  s.hi = s.lo + kStackBytes;
  w.stacks.push_back(s);
  return int(w.stacks.size()) - 1;
}

// Prepares thread i to start on a stack of its own.
bool start_frame(Worker& w, int i) {
  const int s = take_stack(w);
  if (s < 0) return false;
  Thread& t = w.threads[i];
  t.stack = s;
#if defined(__x86_64__)
  // the frame tl_emu_switch pops: r15, r14, r13 (entry), r12 (its argument), rbx, rbp, return address
  uintptr_t top = reinterpret_cast<uintptr_t>(w.stacks[s].hi) & ~uintptr_t(15);
  uint64_t* f = reinterpret_cast<uint64_t*>(top - 56);
  f[0] = 0;
  f[1] = 0;
  f[2] = reinterpret_cast<uint64_t>(&fiber_main);
  f[3] = reinterpret_cast<uint64_t>(&w);
  f[4] = 0;
  f[5] = 0;
  f[6] = reinterpret_cast<uint64_t>(&tl_emu_fiber_start);
  t.sp = f;
#else
  Stack& st = w.stacks[s];
  getcontext(&st.uc);
  st.uc.uc_stack.ss_sp = st.lo;
  st.uc.uc_stack.ss_size = kStackBytes;
  st.uc.uc_link = nullptr;
  makecontext(&st.uc, reinterpret_cast<void (*)()>(&fiber_main), 0);
#endif
  return true;
}

void resume(Worker& w, int i) {
  w.cur = i;
#if defined(__x86_64__)
  tl_emu_switch(&w.sched_sp, w.threads[i].sp);
#else
  swapcontext(&w.sched_uc, &w.stacks[w.threads[i].stack].uc);
#endif
  w.cur = -1;
}

// From a fiber: back to the scheduler with the running thread in state st.
void yield(Worker& w, St st) {
  Thread& t = w.threads[w.cur];
  t.st = st;
#if defined(__x86_64__)
  tl_emu_switch(&t.sp, w.sched_sp);
#else
  swapcontext(&w.stacks[t.stack].uc, &w.sched_uc);
#endif
}

// A fiber runs its thread; when the thread exits without having waited anywhere, the same fiber
// goes on with the block's next unstarted thread (no context switch per thread: the fast path of
// kernels without barriers).
void fiber_main(void* arg) {
#if defined(__x86_64__)
  Worker& w = *static_cast<Worker*>(arg);
#else
  (void)arg;
  Worker& w = *t_worker;
#endif
  for (;;) {
    w.in_kernel = true;
    w.L->d.run(w.L->d.rec);
    w.in_kernel = false;
    Thread& t = w.threads[w.cur];
    t.st = St::Done;
    if (w.next_new < w.nthreads && !w.L->abort.load(std::memory_order_relaxed)) {
      const int j = int(w.next_new++);
      w.threads[j].stack = t.stack;
      w.threads[j].st = St::Ready;
      w.cur = j;
      continue;
    }
    w.free_stacks.push_back(t.stack);  // reused only after this fiber has switched away for good
    yield(w, St::Done);
    __builtin_trap();
  }
}

uint3 idx_of(const Worker& w, unsigned i) {
  const dim3 bd = w.L->d.block;
  if (bd.y == 1 && bd.z == 1) return uint3{i, 0, 0};
  return uint3{i % bd.x, (i / bd.x) % bd.y, i / (bd.x * bd.y)};
}

std::string where(const Worker& w, int tid) {
  return "kernel " + std::string(w.L->d.name) + ", block " + dims(w.bidx) + ", thread " +
         dims(idx_of(w, unsigned(tid)));
}

// From a fiber: the launch fails with this report; the fiber is abandoned.
[[noreturn]] void fault(Worker& w, cudaError_t code, const std::string& msg) {
  w.in_kernel = false;
  w.faulted = true;
  w.L->fail(code, "torchlet CUDA emulator: " + msg);
  yield(w, St::Fault);
  __builtin_trap();
}

void poison_shared(Worker& w) {
  if (!w.shared_ok) return;
  for (uint32_t i : w.touched) std::memset(reinterpret_cast<void*>(w.tls_lo + uintptr_t(i) * 4), 0xff, 4);
  w.touched.clear();
}

bool resolve_warp(Worker& w, unsigned warp);

// Runs block b of the launch on this CPU thread; false if the launch failed.
bool run_block(Worker& w, Launch& L, uint64_t b) {
  const dim3 g = L.d.grid;
  w.L = &L;
  w.bidx = uint3{unsigned(b % g.x), unsigned((b / g.x) % g.y), unsigned(b / (uint64_t(g.x) * g.y))};
  const unsigned n = L.nthreads;
  w.nthreads = n;
  if (w.threads.size() < n) w.threads.resize(n);
  if (!w.touched.empty()) poison_shared(w);
  w.block_start = ++w.epoch;
  w.faulted = false;
  for (unsigned i = 0; i < n; ++i) {
    Thread& t = w.threads[i];
    t.st = St::New;
    t.stack = -1;
  }  // block_sync / warp_sync from an earlier block are below block_start: as if set to it
  if (w.free_stacks.size() != w.stacks.size()) {
    w.free_stacks.clear();
    for (int s = int(w.stacks.size()) - 1; s >= 0; --s) w.free_stacks.push_back(s);
  }
  w.next_new = 0;
  for (;;) {
    while (w.next_new < n) {
      const int i = int(w.next_new++);
      if (!start_frame(w, i)) {
        L.fail(cudaErrorLaunchOutOfResources, "torchlet CUDA emulator: out of memory for fiber stacks");
        return false;
      }
      resume(w, i);
      if (w.faulted) return false;
    }
    for (unsigned i = 0; i < n; ++i) {
      if (w.threads[i].st != St::Ready) continue;
      resume(w, int(i));
      if (w.faulted) return false;
    }
    if (w.next_new < n) continue;  // a resumed fiber finished its thread before all had started
    bool any_live = false;
    for (unsigned i = 0; i < n && !any_live; ++i) any_live = w.threads[i].st != St::Done;
    if (!any_live) return true;
    if (L.abort.load(std::memory_order_relaxed)) return false;
    bool progressed = false;
    for (unsigned warp = 0; warp * 32 < n; ++warp) progressed |= resolve_warp(w, warp);
    if (progressed) continue;
    unsigned live = 0, waiting = 0;
    for (unsigned i = 0; i < n; ++i) {
      if (w.threads[i].st != St::Done) ++live;
      if (w.threads[i].st == St::Barrier) ++waiting;
    }
    if (waiting == live) {
      ++w.epoch;
      for (unsigned i = 0; i < n; ++i) {
        Thread& t = w.threads[i];
        if (t.st == St::Barrier) {
          t.st = St::Ready;
          t.block_sync = t.warp_sync = w.epoch;
        }
      }
      continue;
    }
    std::string who;
    for (unsigned i = 0; i < n && who.size() < 400; ++i) {
      const Thread& t = w.threads[i];
      if (t.st == St::Barrier || t.st == St::Warp)
        who += " " + dims(idx_of(w, i)) + (t.st == St::Barrier ? ":__syncthreads" : ":warp-op");
    }
    L.fail(cudaErrorLaunchFailure, "torchlet CUDA emulator: deadlock in kernel " + std::string(L.d.name) + ", block " +
                                       dims(w.bidx) + ": threads wait at different barriers:" + who);
    return false;
  }
}
bool resolve_warp(Worker& w, unsigned warp) {
  const unsigned lo = warp * 32, hi = std::min(w.nthreads, lo + 32);
  unsigned waiting = 0, needed = 0;
  int op = -1;
  for (unsigned i = lo; i < hi; ++i) {
    const Thread& t = w.threads[i];
    if (t.st != St::Warp) continue;
    if (op >= 0 && t.wop != op) {
      w.L->fail(cudaErrorLaunchFailure, "torchlet CUDA emulator: divergent warp ops in kernel " +
                                            std::string(w.L->d.name) + ", block " + dims(w.bidx) + ", warp " +
                                            std::to_string(warp));
      return false;
    }
    op = t.wop;
    waiting |= 1u << (i - lo);
    needed |= t.wmask;
  }
  if (!waiting) return false;
  for (unsigned l = 0; l < 32; ++l) {
    if (!(needed >> l & 1)) continue;
    const unsigned i = lo + l;
    if (i >= hi) continue;  // a lane that does not exist
    const St s = w.threads[i].st;
    if (s != St::Warp && s != St::Done) return false;  // not there yet (or at a barrier: a deadlock)
  }
  uint64_t vals[32];
  unsigned preds = 0;
  for (unsigned i = lo; i < hi; ++i) {
    vals[i - lo] = w.threads[i].wval;
    if ((waiting >> (i - lo) & 1) && w.threads[i].warg) preds |= 1u << (i - lo);
  }
  const uint32_t sync_epoch = ++w.epoch;
  for (unsigned i = lo; i < hi; ++i) {
    Thread& t = w.threads[i];
    if (!(waiting >> (i - lo) & 1)) continue;
    const unsigned lane = i - lo, width = unsigned(t.wwidth), base = lane & ~(width - 1);
    const unsigned part = waiting & t.wmask;
    int src = -1;
    switch (t.wop) {
      case kShflIdx: src = int(base + (unsigned(t.warg) & (width - 1))); break;
      case kShflUp: src = int(lane) - t.warg < int(base) ? int(lane) : int(lane) - t.warg; break;
      case kShflDown: src = lane + unsigned(t.warg) >= base + width ? int(lane) : int(lane + unsigned(t.warg)); break;
      case kShflXor: src = (lane ^ unsigned(t.warg)) >= base + width ? int(lane) : int(lane ^ unsigned(t.warg)); break;
      case kBallot: t.wresult = preds & part; break;
      case kAny: t.wresult = (preds & part) != 0; break;
      case kAll: t.wresult = (preds & part) == part; break;
      case kSyncwarp: t.warp_sync = sync_epoch; break;
    }
    if (src >= 0) {
      if (!(part >> src & 1)) src = int(lane);  // an absent source lane: undefined on the GPU; own value
      std::memcpy(t.wptr, &vals[src], t.wbytes);
    }
    t.st = St::Ready;
  }
  return true;
}

// ---- access checks --------------------------------------------------------------------------------------
bool ordered(const Thread& t, unsigned tid, uint32_t ea, uint16_t ta) {
  if (ea < t.block_sync) return true;
  return ta != kManyReaders && (ta >> 5) == (tid >> 5) && ea < t.warp_sync;
}

__attribute__((noinline)) void shared_access(Worker& w, uintptr_t p, size_t n, bool write) {
  const unsigned tid = unsigned(w.cur);
  Thread& t = w.threads[tid];
  const size_t w0 = (p - w.tls_lo) >> 2, w1 = (p + n - 1 - w.tls_lo) >> 2;
  const size_t words = w.shadow_words;
  for (size_t i = w0; i <= w1 && i < words; ++i) {
    Shadow& s = w.shadow[i];
    const uintptr_t addr = w.tls_lo + i * 4;
    const bool written = s.w_epoch >= w.block_start;
    if (!write) {
      if (written && s.r_tid == kManyReaders && s.r_epoch == w.epoch && s.w_epoch < t.block_sync)
        continue;  // the common case of a tile read by many threads after a barrier: nothing new to record
      if (!written)
        fault(w, cudaErrorAssert,
              "read of uninitialised shared memory in " + where(w, int(tid)) + ": " + std::to_string(n) +
                  " byte(s) at " + hex(p) + " (the word at " + hex(addr) + " was not written in this block)");
      if (s.w_tid != tid && !ordered(t, tid, s.w_epoch, s.w_tid))
        fault(w, cudaErrorAssert,
              "shared-memory race in kernel " + std::string(w.L->d.name) + ", block " + dims(w.bidx) + ": thread " +
                  dims(idx_of(w, s.w_tid)) + " wrote and thread " + dims(idx_of(w, tid)) + " read the word at " +
                  hex(addr) + " with no __syncthreads between");
      if (s.r_epoch < w.block_start || s.r_tid == tid || ordered(t, tid, s.r_epoch, s.r_tid))
        s.r_tid = uint16_t(tid);
      else
        s.r_tid = kManyReaders;
      s.r_epoch = w.epoch;
    } else {
      if (written && s.w_tid != tid && !ordered(t, tid, s.w_epoch, s.w_tid))
        fault(w, cudaErrorAssert,
              "shared-memory race in kernel " + std::string(w.L->d.name) + ", block " + dims(w.bidx) + ": threads " +
                  dims(idx_of(w, s.w_tid)) + " and " + dims(idx_of(w, tid)) + " both wrote the word at " + hex(addr) +
                  " with no __syncthreads between");
      if (s.r_epoch >= w.block_start && s.r_tid != tid && !ordered(t, tid, s.r_epoch, s.r_tid))
        fault(w, cudaErrorAssert,
              "shared-memory race in kernel " + std::string(w.L->d.name) + ", block " + dims(w.bidx) + ": thread " +
                  (s.r_tid == kManyReaders ? std::string("(several)") : dims(idx_of(w, s.r_tid))) +
                  " read and thread " + dims(idx_of(w, tid)) + " wrote the word at " + hex(addr) +
                  " with no __syncthreads between");
      if (!written) w.touched.push_back(uint32_t(i));
      s.w_epoch = w.epoch;
      s.w_tid = uint16_t(tid);
      s.r_epoch = 0;
    }
  }
}

// A global access that missed the worker's cache of recently used blocks.
__attribute__((noinline)) void global_access(Worker& w, uintptr_t p, size_t n, bool write) {
  const uint64_t gen = g_alloc_gen.load(std::memory_order_acquire);
  if (gen != w.cache_gen) {
    for (Cached& c : w.cache) c = Cached{};
    w.cache_gen = gen;
  }
  const Thread& t = w.threads[w.cur];
  const Stack& s = w.stacks[t.stack];
  if (p >= uintptr_t(s.lo) && p + n <= uintptr_t(s.hi)) return;    // the thread's own stack
  if (p >= w.L->rec_lo && p + n <= w.L->rec_hi && !write) return;  // the kernel's arguments
  uintptr_t lo = 0, hi = 0;
  const std::string why = locate(p, n, &lo, &hi);
  if (why.empty()) {
    w.cache[w.cache_next++ & 3] = Cached{lo, hi};
    return;
  }
  fault(w, cudaErrorIllegalAddress,
        std::string("out-of-bounds global ") + (write ? "store" : "load") + " of " + std::to_string(n) +
            " byte(s) at " + hex(p) + " in " + where(w, w.cur) + ": " + why);
}

inline void check_access(const void* a, size_t n, bool write) {
  Worker* w = t_worker;
  if (!w || !w->in_kernel || !g_checks) return;
  const uintptr_t p = reinterpret_cast<uintptr_t>(a);
  if (p >= w->tls_lo && p < w->tls_hi) {
    shared_access(*w, p, n, write);
    return;
  }
  if (p >= w->L->rec_lo && p + n <= w->L->rec_hi && !write) return;  // the kernel's arguments
  if (w->cache_gen == g_alloc_gen.load(std::memory_order_relaxed)) {
    const Cached* c = w->cache;
    if ((p >= c[0].lo && p + n <= c[0].hi) || (p >= c[1].lo && p + n <= c[1].hi) ||
        (p >= c[2].lo && p + n <= c[2].hi) || (p >= c[3].lo && p + n <= c[3].hi))
      return;
  }
  global_access(*w, p, n, write);
}

// ---- errors ---------------------------------------------------------------------------------------------
thread_local cudaError_t t_last = cudaSuccess;
thread_local cudaError_t t_report_code = cudaSuccess;
thread_local std::string* t_report = nullptr;

cudaError_t fail(cudaError_t e, const std::string& report = std::string()) {
  t_last = e;
  if (!report.empty()) {
    if (!t_report) t_report = new std::string();
    *t_report = report;
    t_report_code = e;
  }
  return e;
}

// ---- coverage --------------------------------------------------------------------------------------------
void note_launch(const char* name) {
  static std::mutex mu;
  static std::set<const char*>* seen = new std::set<const char*>();
  static const char* path = std::getenv("TORCHLET_CUDA_EMU_STATS");
  if (!path || !*path) return;
  std::lock_guard<std::mutex> lock(mu);
  if (!seen->insert(name).second) return;
  if (FILE* f = std::fopen(path, "a")) {
    std::fprintf(f, "%s\n", name);
    std::fclose(f);
  }
}

std::mutex g_launch_mu;

}  // namespace

// ---- kernel-side entry points (cuda_runtime.h) --------------------------------------------------------------
uint3 thread_idx() { return idx_of(*t_worker, unsigned(t_worker->cur)); }
uint3 block_idx() { return t_worker->bidx; }
dim3 block_dim() { return t_worker->L->d.block; }
dim3 grid_dim() { return t_worker->L->d.grid; }

void syncthreads() {
  Worker* w = t_worker;
  if (!w || w->cur < 0) return;
  const bool k = w->in_kernel;
  w->in_kernel = false;
  yield(*w, St::Barrier);
  w->in_kernel = k;
}

unsigned active_mask() {
  Worker* w = t_worker;
  if (!w || w->cur < 0) return 0;
  const unsigned lo = unsigned(w->cur) & ~31u, hi = std::min(w->nthreads, lo + 32);
  unsigned m = 0;
  for (unsigned i = lo; i < hi; ++i)
    if (w->threads[i].st != St::Done) m |= 1u << (i - lo);
  return m;
}

unsigned warp_op(unsigned mask, WarpOp op, void* v, size_t n, int arg, int width) {
  Worker* w = t_worker;
  if (!w || w->cur < 0) return 0;
  Thread& t = w->threads[w->cur];
  const unsigned lane = unsigned(w->cur) & 31u;
  if (!(mask >> lane & 1))
    fault(*w, cudaErrorLaunchFailure, "warp op with a mask that leaves out the calling lane in " + where(*w, w->cur));
  if (width <= 0 || width > 32 || (width & (width - 1)))
    fault(*w, cudaErrorLaunchFailure, "shuffle width " + std::to_string(width) + " in " + where(*w, w->cur));
  t.wop = op;
  t.wmask = mask;
  t.warg = arg;
  t.wwidth = width;
  t.wptr = v;
  t.wbytes = n;
  t.wval = 0;
  if (v) std::memcpy(&t.wval, v, n);
  const bool k = w->in_kernel;
  w->in_kernel = false;
  yield(*w, St::Warp);
  w->in_kernel = k;
  return t.wresult;
}

const char* kernel_name(const char* pretty) {
  std::string s(pretty);
  const char* key = "Kernel = ";
  size_t a = s.find(key);
  if (a == std::string::npos) return strdup(pretty);
  a += std::strlen(key);
  int depth = 0;
  size_t e = a;
  for (; e < s.size(); ++e) {
    const char c = s[e];
    if (c == '<' || c == '(' || c == '[') ++depth;
    if (c == '>' || c == ')' || c == ']') {
      if (depth == 0) break;
      --depth;
    }
    if (c == ';' && depth == 0) break;
  }
  std::string name = s.substr(a, e - a);
  if (!name.empty() && name[0] == '&') name.erase(0, 1);
  return strdup(name.c_str());
}

void count_work(cudaStream_t s);  // below, with the streams

void launch(const LaunchDesc& d) {
  const dim3 g = d.grid, b = d.block;
  const uint64_t nthreads = uint64_t(b.x) * b.y * b.z;
  if (nthreads == 0 || nthreads > 1024 || b.x > 1024 || b.y > 1024 || b.z > 64 || g.x == 0 || g.y == 0 || g.z == 0 ||
      g.x > 2147483647u || g.y > 65535 || g.z > 65535) {
    fail(cudaErrorInvalidConfiguration, "torchlet CUDA emulator: invalid configuration for kernel " +
                                            std::string(d.name) + ": grid " + dims(g) + ", block " + dims(b));
    return;
  }
  if (d.shmem > kMaxDynamicShared) {
    fail(cudaErrorInvalidValue, "torchlet CUDA emulator: kernel " + std::string(d.name) + " asks for " +
                                    std::to_string(d.shmem) + " bytes of dynamic shared memory (at most " +
                                    std::to_string(kMaxDynamicShared) + ")");
    return;
  }
  note_launch(d.name);
  count_work(d.stream);
  std::lock_guard<std::mutex> serial(g_launch_mu);
  Launch L;
  L.d = d;
  L.rec_lo = reinterpret_cast<uintptr_t>(d.rec);
  L.rec_hi = L.rec_lo + d.rec_bytes;
  L.nthreads = unsigned(nthreads);
  const int64_t blocks = int64_t(g.x) * g.y * g.z;
  const int nt = blocks >= 4 ? std::min<int64_t>(omp_get_max_threads(), blocks / 2) : 1;  // small grids: no team
  const int64_t chunk = std::max<int64_t>(1, blocks / (int64_t(nt) * 8));
#pragma omp parallel for num_threads(nt) schedule(dynamic, chunk) if (nt > 1)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    if (L.abort.load(std::memory_order_relaxed)) continue;
    Worker& w = worker();
    run_block(w, L, uint64_t(blk));
    w.L = nullptr;
  }
  if (L.code != cudaSuccess) fail(L.code, L.report);
}

}  // namespace emu

using emu::fail;

// ---- the allocator's extent hook (common.cuh) -------------------------------------------------------------
extern "C" void tl_cuda_emu_extent(const void* p, size_t bytes) {
  std::unique_lock<std::shared_mutex> lock(emu::g_alloc_mu);
  auto it = emu::allocs().find(reinterpret_cast<uintptr_t>(p));
  if (it == emu::allocs().end()) return;
  it->second.extent = std::min(bytes, it->second.cap);
  emu::g_alloc_gen.fetch_add(1, std::memory_order_release);
}

// ---- the instrumentation hooks (the .cu files are compiled with -fsanitize=thread) ---------------------------
#define TL_EMU_HOOK extern "C" __attribute__((visibility("hidden")))
#define TL_EMU_RW(N)                                                                              \
  TL_EMU_HOOK void __tsan_read##N(void* a) { emu::check_access(a, N, false); }                    \
  TL_EMU_HOOK void __tsan_write##N(void* a) { emu::check_access(a, N, true); }                    \
  TL_EMU_HOOK void __tsan_unaligned_read##N(void* a) { emu::check_access(a, N, false); }          \
  TL_EMU_HOOK void __tsan_unaligned_write##N(void* a) { emu::check_access(a, N, true); }          \
  TL_EMU_HOOK void __tsan_volatile_read##N(void* a) { emu::check_access(a, N, false); }           \
  TL_EMU_HOOK void __tsan_volatile_write##N(void* a) { emu::check_access(a, N, true); }           \
  TL_EMU_HOOK void __tsan_unaligned_volatile_read##N(void* a) { emu::check_access(a, N, false); } \
  TL_EMU_HOOK void __tsan_unaligned_volatile_write##N(void* a) { emu::check_access(a, N, true); }
TL_EMU_RW(1)
TL_EMU_RW(2)
TL_EMU_RW(4)
TL_EMU_RW(8)
TL_EMU_RW(16)
TL_EMU_HOOK void __tsan_read_range(void* a, unsigned long n) {
  if (n) emu::check_access(a, n, false);
}
TL_EMU_HOOK void __tsan_write_range(void* a, unsigned long n) {
  if (n) emu::check_access(a, n, true);
}
TL_EMU_HOOK void __tsan_init() {}
TL_EMU_HOOK void __tsan_func_entry(void*) {}
TL_EMU_HOOK void __tsan_func_exit() {}
TL_EMU_HOOK void __tsan_vptr_update(void**, void*) {}
TL_EMU_HOOK void __tsan_vptr_read(void**) {}
TL_EMU_HOOK void __tsan_atomic_thread_fence(int) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
TL_EMU_HOOK void __tsan_atomic_signal_fence(int) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
#define TL_EMU_TSAN_ATOMIC(N, T)                                                                                   \
  TL_EMU_HOOK T __tsan_atomic##N##_load(const volatile T* a, int) { return __atomic_load_n(a, __ATOMIC_SEQ_CST); } \
  TL_EMU_HOOK void __tsan_atomic##N##_store(volatile T* a, T v, int) { __atomic_store_n(a, v, __ATOMIC_SEQ_CST); } \
  TL_EMU_HOOK T __tsan_atomic##N##_exchange(volatile T* a, T v, int) {                                             \
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                                            \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_fetch_add(volatile T* a, T v, int) {                                            \
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                             \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_fetch_sub(volatile T* a, T v, int) {                                            \
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                             \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_fetch_and(volatile T* a, T v, int) {                                            \
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                             \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_fetch_or(volatile T* a, T v, int) {                                             \
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                              \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_fetch_xor(volatile T* a, T v, int) {                                            \
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                             \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_fetch_nand(volatile T* a, T v, int) {                                           \
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                                            \
  }                                                                                                                \
  TL_EMU_HOOK int __tsan_atomic##N##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {                 \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                        \
  }                                                                                                                \
  TL_EMU_HOOK int __tsan_atomic##N##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {                   \
    return __atomic_compare_exchange_n(a, c, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                         \
  }                                                                                                                \
  TL_EMU_HOOK T __tsan_atomic##N##_compare_exchange_val(volatile T* a, T c, T v, int, int) {                       \
    __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                              \
    return c;                                                                                                      \
  }
TL_EMU_TSAN_ATOMIC(8, uint8_t)
TL_EMU_TSAN_ATOMIC(16, uint16_t)
TL_EMU_TSAN_ATOMIC(32, uint32_t)
TL_EMU_TSAN_ATOMIC(64, uint64_t)

// ---- atomics (blocks run in parallel: real CPU atomics, bounds-checked like any access) ---------------------
namespace {
template <typename T, typename F>
T atomic_update(T* p, F f) {
  emu::check_access(p, sizeof(T), true);
  T old;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  for (;;) {
    T next = f(old);
    if (__atomic_compare_exchange(p, &old, &next, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) return old;
  }
}
}  // namespace
#define TL_EMU_ATOMIC_DEF(T)                                                            \
  T atomicAdd(T* p, T v) {                                                              \
    return atomic_update(p, [v](T o) { return static_cast<T>(o + v); });                \
  }                                                                                     \
  T atomicExch(T* p, T v) {                                                             \
    return atomic_update(p, [v](T) { return v; });                                      \
  }                                                                                     \
  T atomicCAS(T* p, T cmp, T v) {                                                       \
    emu::check_access(p, sizeof(T), true);                                              \
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
    return cmp;                                                                         \
  }
TL_EMU_ATOMIC_DEF(int)
TL_EMU_ATOMIC_DEF(unsigned)
TL_EMU_ATOMIC_DEF(unsigned long long)
float atomicAdd(float* p, float v) {
  return atomic_update(p, [v](float o) { return o + v; });
}
double atomicAdd(double* p, double v) {
  return atomic_update(p, [v](double o) { return o + v; });
}
float atomicExch(float* p, float v) {
  return atomic_update(p, [v](float) { return v; });
}
int atomicSub(int* p, int v) {
  return atomic_update(p, [v](int o) { return int(unsigned(o) - unsigned(v)); });
}
unsigned atomicSub(unsigned* p, unsigned v) {
  return atomic_update(p, [v](unsigned o) { return o - v; });
}
#define TL_EMU_ATOMIC_INT_DEF(T)                                         \
  T atomicMin(T* p, T v) {                                               \
    return atomic_update(p, [v](T o) { return v < o ? v : o; });         \
  }                                                                      \
  T atomicMax(T* p, T v) {                                               \
    return atomic_update(p, [v](T o) { return v > o ? v : o; });         \
  }                                                                      \
  T atomicAnd(T* p, T v) {                                               \
    return atomic_update(p, [v](T o) { return static_cast<T>(o & v); }); \
  }                                                                      \
  T atomicOr(T* p, T v) {                                                \
    return atomic_update(p, [v](T o) { return static_cast<T>(o | v); }); \
  }                                                                      \
  T atomicXor(T* p, T v) {                                               \
    return atomic_update(p, [v](T o) { return static_cast<T>(o ^ v); }); \
  }
TL_EMU_ATOMIC_INT_DEF(int)
TL_EMU_ATOMIC_INT_DEF(unsigned)
TL_EMU_ATOMIC_INT_DEF(long long)
TL_EMU_ATOMIC_INT_DEF(unsigned long long)
unsigned atomicInc(unsigned* p, unsigned limit) {
  return atomic_update(p, [limit](unsigned o) { return o >= limit ? 0u : o + 1; });
}
unsigned atomicDec(unsigned* p, unsigned limit) {
  return atomic_update(p, [limit](unsigned o) { return (o == 0 || o > limit) ? limit : o - 1; });
}
void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// ---- the runtime API -------------------------------------------------------------------------------------------
struct CUstream_st {
  unsigned flags;
  std::atomic<unsigned long long> work{0};  // launches, copies and memsets issued on it
};
struct CUevent_st {
  std::chrono::steady_clock::time_point t;
  bool recorded;
  bool held = false;              // recorded while events were held: incomplete until a sync
  cudaStream_t stream = nullptr;  // where it was last recorded
};

namespace {
std::atomic<unsigned long long> g_null_stream_work{0};
std::mutex g_event_mu;  // guards g_hold and every event's held / stream
bool g_hold = false;
std::set<CUevent_st*>& held_events() {
  static std::set<CUevent_st*>* s = new std::set<CUevent_st*>();
  return *s;
}
// Completes the held events recorded on s (all of them when `all`).
void release_held(cudaStream_t s, bool all) {
  std::lock_guard<std::mutex> lock(g_event_mu);
  auto& h = held_events();
  for (auto it = h.begin(); it != h.end();) {
    if (all || (*it)->stream == s) {
      (*it)->held = false;
      it = h.erase(it);
    } else {
      ++it;
    }
  }
}
}  // namespace

namespace emu {
void count_work(cudaStream_t s) {
  if (s)
    s->work.fetch_add(1, std::memory_order_relaxed);
  else
    g_null_stream_work.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace emu

extern "C" unsigned long long tl_cuda_emu_stream_work(cudaStream_t s) {
  return s ? s->work.load() : g_null_stream_work.load();
}
extern "C" void tl_cuda_emu_hold_events(int on) {
  if (!on) release_held(nullptr, true);
  std::lock_guard<std::mutex> lock(g_event_mu);
  g_hold = on != 0;
}

namespace {
int t_device = 0;  // one emulated device

// "" when [p, p+n) is inside a live device block, else the reason.
std::string device_range(const void* p, size_t n) {
  if (!p) return "a null device pointer";
  return emu::locate(reinterpret_cast<uintptr_t>(p), n);
}
// The emulated device's memory: TORCHLET_CUDA_EMU_MEMORY_MB (default 4096), at most half the host's.
size_t total_memory() {
  static const size_t total = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    const size_t host = pages > 0 && page > 0 ? size_t(pages) * size_t(page) / 2 : size_t(8) << 30;
    const char* v = std::getenv("TORCHLET_CUDA_EMU_MEMORY_MB");
    const size_t want = (v && *v ? size_t(std::strtoull(v, nullptr, 10)) : size_t(4096)) << 20;
    return std::min(want, host);
  }();
  return total;
}
}  // namespace

cudaError_t cudaMalloc(void** p, size_t bytes) {
  if (!p) return fail(cudaErrorInvalidValue);
  *p = nullptr;
  const size_t cap = (std::max<size_t>(bytes, 1) + 255) / 256 * 256;
  if (emu::g_alloc_bytes.load() + cap > total_memory()) return fail(cudaErrorMemoryAllocation);
  void* m = std::aligned_alloc(256, cap);
  if (!m) return fail(cudaErrorMemoryAllocation);
  if (cap <= (size_t(64) << 20)) std::memset(m, 0xff, cap);  // fresh device memory is garbage: reads show (NaN)
  {
    std::unique_lock<std::shared_mutex> lock(emu::g_alloc_mu);
    emu::allocs()[reinterpret_cast<uintptr_t>(m)] = emu::Alloc{cap, bytes};
    emu::g_alloc_gen.fetch_add(1, std::memory_order_release);
  }
  emu::g_alloc_bytes += cap;
  *p = m;
  return cudaSuccess;
}
cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  {
    std::unique_lock<std::shared_mutex> lock(emu::g_alloc_mu);
    auto it = emu::allocs().find(reinterpret_cast<uintptr_t>(p));
    if (it == emu::allocs().end()) return fail(cudaErrorInvalidValue);
    emu::g_alloc_bytes -= it->second.cap;
    emu::allocs().erase(it);
    emu::g_alloc_gen.fetch_add(1, std::memory_order_release);
  }
  std::free(p);
  return cudaSuccess;
}
cudaError_t cudaMallocHost(void** p, size_t bytes) {
  if (!p) return fail(cudaErrorInvalidValue);
  *p = std::malloc(std::max<size_t>(bytes, 1));
  return *p ? cudaSuccess : fail(cudaErrorMemoryAllocation);
}
cudaError_t cudaFreeHost(void* p) {
  std::free(p);
  return cudaSuccess;
}
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  const size_t total = total_memory(), used = emu::g_alloc_bytes.load();
  if (free_bytes) *free_bytes = used < total ? total - used : 0;
  if (total_bytes) *total_bytes = total;
  return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  return cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s) {
  if (!bytes) return cudaSuccess;
  emu::count_work(s);
  const bool dst_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (kind > cudaMemcpyDefault) return fail(cudaErrorInvalidValue);
  if (dst_dev) {
    const std::string why = device_range(dst, bytes);
    if (!why.empty())
      return fail(cudaErrorInvalidValue, "torchlet CUDA emulator: cudaMemcpy destination " + emu::hex(uintptr_t(dst)) +
                                             " (" + std::to_string(bytes) + " bytes): " + why);
  }
  if (src_dev) {
    const std::string why = device_range(src, bytes);
    if (!why.empty())
      return fail(cudaErrorInvalidValue, "torchlet CUDA emulator: cudaMemcpy source " + emu::hex(uintptr_t(src)) +
                                             " (" + std::to_string(bytes) + " bytes): " + why);
  }
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) { return cudaMemsetAsync(p, value, bytes, nullptr); }
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t s) {
  if (!bytes) return cudaSuccess;
  emu::count_work(s);
  const std::string why = device_range(p, bytes);
  if (!why.empty())
    return fail(cudaErrorInvalidValue, "torchlet CUDA emulator: cudaMemset of " + std::to_string(bytes) + " bytes at " +
                                           emu::hex(uintptr_t(p)) + ": " + why);
  std::memset(p, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaGetDeviceCount(int* n) {
  if (!n) return fail(cudaErrorInvalidValue);
  *n = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* d) {
  if (!d) return fail(cudaErrorInvalidValue);
  *d = t_device;
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int d) {
  if (d != 0) return fail(cudaErrorInvalidDevice);
  t_device = d;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int d) {
  if (!prop || d != 0) return fail(d != 0 ? cudaErrorInvalidDevice : cudaErrorInvalidValue);
  std::memset(prop, 0, sizeof *prop);
  std::snprintf(prop->name, sizeof prop->name, "torchlet CUDA emulator (emulated on the CPU)");
  prop->totalGlobalMem = total_memory();
  prop->sharedMemPerBlock = 48 * 1024;
  prop->regsPerBlock = 65536;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 2147483647;
  prop->maxGridSize[1] = prop->maxGridSize[2] = 65535;
  prop->multiProcessorCount = omp_get_max_threads();
  prop->major = 9;
  prop->minor = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceSynchronize() {
  release_held(nullptr, true);
  return cudaSuccess;
}
cudaError_t cudaDeviceReset() { return cudaSuccess; }
cudaError_t cudaStreamCreate(cudaStream_t* s) { return cudaStreamCreateWithFlags(s, cudaStreamDefault); }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags) {
  if (!s) return fail(cudaErrorInvalidValue);
  *s = new CUstream_st();
  (*s)->flags = flags;
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  {
    std::lock_guard<std::mutex> lock(g_event_mu);
    for (CUevent_st* e : held_events())
      if (e->stream == s) e->stream = nullptr;
  }
  delete s;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  release_held(s, false);
  return cudaSuccess;
}
cudaError_t cudaStreamQuery(cudaStream_t s) {
  std::lock_guard<std::mutex> lock(g_event_mu);
  for (CUevent_st* e : held_events())
    if (e->stream == s) return cudaErrorNotReady;  // not recorded as the last error, as in CUDA
  return cudaSuccess;
}
cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t, unsigned) { return cudaSuccess; }
cudaError_t cudaEventCreate(cudaEvent_t* e) { return cudaEventCreateWithFlags(e, cudaEventDefault); }
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned) {
  if (!e) return fail(cudaErrorInvalidValue);
  *e = new CUevent_st{std::chrono::steady_clock::now(), false};
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  if (e) {
    std::lock_guard<std::mutex> lock(g_event_mu);
    held_events().erase(e);
  }
  delete e;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  if (!e) return fail(cudaErrorInvalidResourceHandle);
  e->t = std::chrono::steady_clock::now();
  e->recorded = true;
  std::lock_guard<std::mutex> lock(g_event_mu);
  e->stream = s;
  e->held = g_hold;
  if (g_hold)
    held_events().insert(e);
  else
    held_events().erase(e);
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  if (!e) return fail(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(g_event_mu);
  e->held = false;
  held_events().erase(e);
  return cudaSuccess;
}
cudaError_t cudaEventQuery(cudaEvent_t e) {
  if (!e) return fail(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(g_event_mu);
  return e->held ? cudaErrorNotReady : cudaSuccess;  // cudaErrorNotReady is not recorded as the last error
}
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  if (!ms || !a || !b) return fail(cudaErrorInvalidValue);
  if (!a->recorded || !b->recorded) return fail(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(b->t - a->t).count();
  return cudaSuccess;
}
cudaError_t cudaGetLastError() {
  const cudaError_t e = emu::t_last;
  emu::t_last = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return emu::t_last; }

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
#define TL_EMU_NAME(x) \
  case x: return #x;
    TL_EMU_NAME(cudaSuccess)
    TL_EMU_NAME(cudaErrorInvalidValue)
    TL_EMU_NAME(cudaErrorMemoryAllocation)
    TL_EMU_NAME(cudaErrorInitializationError)
    TL_EMU_NAME(cudaErrorInvalidConfiguration)
    TL_EMU_NAME(cudaErrorInvalidDeviceFunction)
    TL_EMU_NAME(cudaErrorNoDevice)
    TL_EMU_NAME(cudaErrorInvalidDevice)
    TL_EMU_NAME(cudaErrorECCUncorrectable)
    TL_EMU_NAME(cudaErrorInvalidResourceHandle)
    TL_EMU_NAME(cudaErrorNotReady)
    TL_EMU_NAME(cudaErrorIllegalAddress)
    TL_EMU_NAME(cudaErrorLaunchOutOfResources)
    TL_EMU_NAME(cudaErrorLaunchTimeout)
    TL_EMU_NAME(cudaErrorAssert)
    TL_EMU_NAME(cudaErrorHardwareStackError)
    TL_EMU_NAME(cudaErrorIllegalInstruction)
    TL_EMU_NAME(cudaErrorMisalignedAddress)
    TL_EMU_NAME(cudaErrorInvalidAddressSpace)
    TL_EMU_NAME(cudaErrorInvalidPc)
    TL_EMU_NAME(cudaErrorLaunchFailure)
    TL_EMU_NAME(cudaErrorUnknown)
#undef TL_EMU_NAME
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
  if (e != cudaSuccess && e == emu::t_report_code && emu::t_report) return emu::t_report->c_str();
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorAssert: return "device-side assert triggered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    default: return "unknown error";
  }
}
