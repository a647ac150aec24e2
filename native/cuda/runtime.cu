// native/cuda/runtime.cu — the CUDA runtime side of common.cuh and core/cuda_runtime.h:
// device discovery, streams, error checking that turns every CUDA failure into tl::Error (never
// abort), storage zeroing, copies between devices and synchronisation.
// The caching allocator lives in allocator.cu.
//
// Streams. Every thread has a current stream per device: by default its own non-blocking stream (never
// serialised against the legacy default stream), made on the thread's first use — so the main thread
// and every Node worker thread (each inference worker of lib/serve) queue their work on different
// streams, and a synchronising read in one waits only for its own stream's work.
// cuda_set_current_stream (torch.cuda.stream(s, fn)) makes another stream current on the calling
// thread. Streams are named by ids (>= 1, an index into a process-wide table) and never destroyed:
// a thread that ends and a torch.cuda.Stream that is collected hand theirs back to the idle ones,
// which the next thread or Stream takes (work still queued on it keeps its order), so the number of
// streams is the most ever in use at once, and an id (or handle) stays valid for the process.
//
// Ordering model: work on one stream runs in issue order; streams are unordered with each other
// except through events (cuda_stream_wait: the waiter's later work runs after the waitee's work
// queued so far, without blocking the host). The host waits only where it reads data back
// (device->host copies, which synchronise the stream they run on) and in the synchronize calls.
// The addon (binding.cc) adds the waits a tensor used on several streams needs; the allocator keeps
// freed blocks per stream (allocator.cu).
#include <cuda_runtime.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "core/cuda_runtime.h"
#include "cuda/common.cuh"

// The emulator's counters (native/emu/runtime.cc defines them; null, never called, on a real GPU).
extern "C" unsigned long long tl_cuda_emu_stream_work(cudaStream_t s) __attribute__((weak));
extern "C" void tl_cuda_emu_hold_events(int on) __attribute__((weak));

namespace tl {
namespace cuda {
int current_device();

namespace {

constexpr int kMaxDevices = 64;
constexpr int kMaxStreams = 4096;  // streams in use at once (idle ones are reused)

struct Registry {
  std::mutex mu;
  std::atomic<cudaStream_t> handle[kMaxStreams] = {};  // id - 1 -> stream
  int device[kMaxStreams] = {};
  bool in_use[kMaxStreams] = {};
  std::atomic<int> count{0};  // ids made so far: 1..count
  std::vector<int> idle[kMaxDevices];
  std::vector<cudaEvent_t> events;  // spare events (cudaEventDisableTiming)
};
Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: streams die with the CUDA context at exit
  return *r;
}

int checked_device() {
  const int d = current_device();
  if (d < 0 || d >= kMaxDevices) throw Error(ErrorCode::Internal, "torchlet: CUDA device index out of range");
  return d;
}

// An idle stream of device d, or a new one (d is the current device).
int acquire(int d) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.idle[d].empty()) {
    const int id = r.idle[d].back();
    r.idle[d].pop_back();
    r.in_use[id - 1] = true;
    return id;
  }
  const int n = r.count.load();
  if (n >= kMaxStreams)
    throw Error(ErrorCode::Internal, "torchlet: more than " + std::to_string(kMaxStreams) +
                                         " CUDA streams in use at once (threads and live torch.cuda.Stream objects)");
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  r.handle[n].store(s);
  r.device[n] = d;
  r.in_use[n] = true;
  r.count.store(n + 1);
  return n + 1;
}
void release(int id) noexcept {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (id < 1 || id > r.count.load() || !r.in_use[id - 1]) return;
  r.in_use[id - 1] = false;
  r.idle[r.device[id - 1]].push_back(id);
}

// The calling thread's streams: its own per device (0: none yet) and the one made current (0: its own).
struct ThreadStreams {
  int own[kMaxDevices] = {};
  int current[kMaxDevices] = {};
  ~ThreadStreams() {
    for (int d = 0; d < kMaxDevices; ++d)
      if (own[d]) release(own[d]);
  }
};
thread_local ThreadStreams t_streams;

int own_stream(int d) {
  int& id = t_streams.own[d];
  if (!id) id = acquire(d);
  return id;
}

// Errors after which the CUDA context is unusable (CUDA's "sticky" errors): say so in the message.
bool is_sticky(cudaError_t e) {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorHardwareStackError:
    case cudaErrorAssert:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable: return true;
    default: return false;
  }
}

}  // namespace

int current_device() {
  int d = 0;
  check(cudaGetDevice(&d), "cudaGetDevice");
  return d;
}

int stream_id() {
  const int d = checked_device();
  const int cur = t_streams.current[d];
  return cur ? cur : own_stream(d);
}

// The stream with id `id` (a tl::Error for an id never handed out).
cudaStream_t stream_handle(int id) {
  Registry& r = registry();
  if (id < 1 || id > r.count.load())
    throw Error(ErrorCode::InvalidArg, "torchlet: unknown CUDA stream id " + std::to_string(id));
  return r.handle[id - 1].load();
}

cudaStream_t stream() { return stream_handle(stream_id()); }

// A spare event (cudaEventDisableTiming) and its return.
cudaEvent_t event_acquire() {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mu);
    if (!r.events.empty()) {
      cudaEvent_t e = r.events.back();
      r.events.pop_back();
      return e;
    }
  }
  cudaEvent_t e = nullptr;
  check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  return e;
}
void event_release(cudaEvent_t e) noexcept {
  if (!e) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.events.push_back(e);
}

void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  // Reset the per-thread last error so the next call does not see this one again (a sticky error
  // stays in the context regardless; the message says so).
  (void)cudaGetLastError();
  const std::string where = what ? what : "CUDA call";
  const std::string msg = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation)
    throw Error(ErrorCode::OutOfMemory, "torchlet: CUDA out of memory in " + where + " (" + msg + ")");
  std::string text = "torchlet: CUDA error in " + where + ": " + msg;
  if (is_sticky(e))
    text +=
        " (this error leaves the CUDA context unusable: restart the process; run with "
        "CUDA_LAUNCH_BLOCKING=1 to find the failing kernel)";
  throw Error(ErrorCode::Internal, text);
}

// Waits for all work on the device (every stream, any thread's), then reports any asynchronous error.
void synchronize_all() {
  if (registry().count.load() == 0) return;  // nothing was ever queued
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  check(cudaGetLastError(), "an earlier kernel launch");
}

}  // namespace cuda

// ---- core/cuda_runtime.h --------------------------------------------------------------------
bool cuda_compiled() { return true; }

int cuda_device_count(std::string* why) {
  static std::once_flag once;
  static int count = 0;
  static std::string reason;
  std::call_once(once, [] {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
      reason = std::string("CUDA runtime: ") + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")";
      (void)cudaGetLastError();  // clear the error state
      n = 0;
    } else if (n == 0) {
      reason = "no CUDA device found";
    }
    count = n;
  });
  if (why) *why = reason;
  return count;
}

std::string cuda_device_name() {
  if (cuda_device_count(nullptr) == 0) return "";
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, cuda::current_device()) != cudaSuccess) {
    (void)cudaGetLastError();
    return "";
  }
  return prop.name;
}

void cuda_zero(void* p, size_t bytes) {
  if (!bytes) return;
  TL_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, cuda::stream()));
}

void cuda_copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes, int stream_id) {
  if (!bytes) return;
  cudaStream_t s = stream_id ? cuda::stream_handle(stream_id) : cuda::stream();
  if (dst_dev == Device::CUDA && src_dev == Device::CUDA) {
    TL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s));
  } else if (dst_dev == Device::CUDA) {
    // From pageable host memory the runtime stages the bytes before returning, so the caller may
    // free or reuse `src` at once; the transfer itself is ordered on the stream.
    TL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s));
  } else if (src_dev == Device::CUDA) {
    TL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s));
    TL_CUDA_CHECK(cudaStreamSynchronize(s));  // the host reads dst next
  } else {
    throw Error(ErrorCode::Internal, "torchlet: internal: cuda_copy called for a host-to-host copy");
  }
}

void cuda_synchronize() { cuda::synchronize_all(); }

int cuda_current_stream() { return cuda::stream_id(); }
int cuda_set_current_stream(int id) {
  const int d = cuda::checked_device();
  const int prev = cuda::stream_id();
  cuda::Registry& r = cuda::registry();
  {
    std::lock_guard<std::mutex> lock(r.mu);
    if (id < 1 || id > r.count.load() || !r.in_use[id - 1])
      throw Error(ErrorCode::InvalidArg, "torchlet: CUDA stream " + std::to_string(id) + " is not in use");
    if (r.device[id - 1] != d)
      throw Error(ErrorCode::DeviceMismatch, "torchlet: CUDA stream " + std::to_string(id) + " belongs to cuda:" +
                                                 std::to_string(r.device[id - 1]) + ", not the current device");
  }
  cuda::t_streams.current[d] = id == cuda::t_streams.own[d] ? 0 : id;
  return prev;
}
int cuda_stream_acquire() { return cuda::acquire(cuda::checked_device()); }
void cuda_stream_release(int id) { cuda::release(id); }
void cuda_stream_synchronize(int id) {
  TL_CUDA_CHECK(cudaStreamSynchronize(cuda::stream_handle(id)));
  TL_CUDA_LAUNCH_CHECK("an earlier kernel launch");
}
bool cuda_stream_query(int id) {
  const cudaError_t e = cudaStreamQuery(cuda::stream_handle(id));
  if (e == cudaErrorNotReady) {
    (void)cudaGetLastError();  // not an error: clear it
    return false;
  }
  TL_CUDA_CHECK(e);
  return true;
}
void cuda_stream_wait(int waiter, int waitee) {
  if (waiter == waitee) return;
  cudaStream_t a = cuda::stream_handle(waiter), b = cuda::stream_handle(waitee);
  cudaEvent_t e = cuda::event_acquire();
  cudaError_t err = cudaEventRecord(e, b);
  if (err == cudaSuccess) err = cudaStreamWaitEvent(a, e, 0);
  // the wait binds the event's record at this call: the event may be recorded again at once
  cuda::event_release(e);
  TL_CUDA_CHECK(err);
}
int cuda_stream_count() { return cuda::registry().count.load(); }
int cuda_stream_idle_count() {
  cuda::Registry& r = cuda::registry();
  std::lock_guard<std::mutex> lock(r.mu);
  size_t n = 0;
  for (const auto& v : r.idle) n += v.size();
  return static_cast<int>(n);
}
double cuda_stream_work(int id) {
  cudaStream_t s = cuda::stream_handle(id);
  return tl_cuda_emu_stream_work ? static_cast<double>(tl_cuda_emu_stream_work(s)) : -1.0;
}
void cuda_emu_hold_events(bool on) {
  if (!tl_cuda_emu_hold_events)
    throw Error(ErrorCode::NotImplemented, "torchlet: holding events is a CUDA emulator feature (TORCHLET_CUDA=EMU)");
  tl_cuda_emu_hold_events(on ? 1 : 0);
}

}  // namespace tl
