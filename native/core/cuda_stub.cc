// native/core/cuda_stub.cc — CPU-only builds: CUDA queries answer "not compiled with CUDA";
// every CUDA action throws tl::Error(NotImplemented) with that reason (never links against CUDA).
#ifndef TORCHLET_WITH_CUDA
#include "cuda_runtime.h"
namespace tl {
namespace {
const char* kWhy = "this torchlet binary was built without CUDA (TORCHLET_CUDA=OFF, or no nvcc at build time)";
[[noreturn]] void no_cuda() {
  throw Error(ErrorCode::NotImplemented, std::string("torchlet: CUDA is not available: ") + kWhy);
}
}  // namespace
bool cuda_compiled() { return false; }
int cuda_device_count(std::string* why) {
  if (why) *why = kWhy;
  return 0;
}
std::string cuda_device_name() { return ""; }
void* cuda_storage_alloc(size_t) { no_cuda(); }
void cuda_storage_free(void*, size_t) {}
void cuda_zero(void*, size_t) { no_cuda(); }
void cuda_copy(void*, Device, const void*, Device, size_t, int) { no_cuda(); }
void cuda_synchronize() { no_cuda(); }
int cuda_current_stream() { no_cuda(); }
int cuda_set_current_stream(int) { no_cuda(); }
int cuda_stream_acquire() { no_cuda(); }
void cuda_stream_release(int) {}
void cuda_stream_synchronize(int) { no_cuda(); }
bool cuda_stream_query(int) { no_cuda(); }
void cuda_stream_wait(int, int) { no_cuda(); }
int cuda_stream_count() { return 0; }
int cuda_stream_idle_count() { return 0; }
double cuda_stream_work(int) { return -1; }
void cuda_emu_hold_events(bool) { no_cuda(); }
void cuda_record_stream(void*, int) {}
CudaMemoryStats cuda_memory_stats() { return CudaMemoryStats{}; }
void cuda_empty_cache() {}
}  // namespace tl
#endif
