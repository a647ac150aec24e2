// native/cuda/runtime.cu — the CUDA runtime side of common.cuh and core/cuda_runtime.h:
// device discovery, one stream per device (created on first use, non-blocking so it never
// serialises against the legacy default stream), error checking that turns every CUDA failure into
// tl::Error (never abort), storage zeroing, copies between devices and synchronisation.
// The caching allocator lives in allocator.cu.
//
// Ordering model: every kernel, memset and copy of a device goes on that device's one stream, so
// they run in issue order; the host waits only where it reads data back (device->host copies,
// synchronize()). Freed device blocks go back to the allocator's cache and are reused by later
// work on the same stream, which is therefore ordered after any earlier use of the block.
#include <cuda_runtime.h>

#include <mutex>
#include <string>

#include "core/cuda_runtime.h"
#include "cuda/common.cuh"

namespace tl {
namespace cuda {
namespace {

constexpr int kMaxDevices = 64;

struct Streams {
  std::mutex mu;
  cudaStream_t s[kMaxDevices] = {};
  bool created[kMaxDevices] = {};
};
Streams& streams() {
  static Streams* s = new Streams();  // never destroyed: streams die with the CUDA context at exit
  return *s;
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

cudaStream_t stream() {
  const int d = current_device();
  if (d < 0 || d >= kMaxDevices) throw Error(ErrorCode::Internal, "torchlet: CUDA device index out of range");
  Streams& st = streams();
  std::lock_guard<std::mutex> lock(st.mu);
  if (!st.created[d]) {
    cudaStream_t s = nullptr;
    check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    st.s[d] = s;
    st.created[d] = true;
  }
  return st.s[d];
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

// Synchronises every stream created so far (and the device, so work on other streams such as the
// legacy default stream is included), then reports any asynchronous error.
void synchronize_all() {
  Streams& st = streams();
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return;
  }
  int cur = current_device();
  for (int d = 0; d < count && d < kMaxDevices; ++d) {
    bool created;
    {
      std::lock_guard<std::mutex> lock(st.mu);
      created = st.created[d];
    }
    if (!created) continue;
    if (d != cur) check(cudaSetDevice(d), "cudaSetDevice");
    cudaError_t e = cudaStreamSynchronize(st.s[d]);
    if (d != cur) (void)cudaSetDevice(cur);
    check(e, "cudaStreamSynchronize");
  }
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

void cuda_copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes) {
  if (!bytes) return;
  cudaStream_t s = cuda::stream();
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

}  // namespace tl
