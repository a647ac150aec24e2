// native/core/cuda_stub.cc — CPU-only builds: CUDA queries answer "not compiled with CUDA".
#ifndef TORCHLET_WITH_CUDA
#include "cuda_runtime.h"
namespace tl {
bool cuda_compiled() { return false; }
int cuda_device_count(std::string* why) {
  if (why) *why = "this torchlet binary was built without CUDA (TORCHLET_CUDA=OFF, or no nvcc at build time)";
  return 0;
}
}  // namespace tl
#endif
