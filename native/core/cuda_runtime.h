// native/core/cuda_runtime.h — what the rest of the addon may ask of the CUDA runtime.
// Implemented in native/cuda/runtime.cu when built with CUDA; otherwise the CPU-only stub in
// native/core/cuda_stub.cc answers "not compiled with CUDA".
#pragma once
#include <string>

namespace tl {
bool cuda_compiled();
// Number of usable devices; 0 with `why` set when there is no driver or no GPU.
int cuda_device_count(std::string* why);
}  // namespace tl
