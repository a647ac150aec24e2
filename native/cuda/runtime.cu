// native/cuda/runtime.cu — device discovery through the (statically linked) CUDA runtime.
// With no driver or no GPU, cudaGetDeviceCount fails and we report 0 devices and why.
#include <cuda_runtime.h>
#include "core/cuda_runtime.h"

namespace tl {
bool cuda_compiled() { return true; }
int cuda_device_count(std::string* why) {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    if (why) *why = std::string("CUDA runtime: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error state
    return 0;
  }
  if (n == 0 && why) *why = "no CUDA device found";
  return n;
}
}  // namespace tl
