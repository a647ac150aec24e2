// native/core/tensor.h — the plain C++ view of a tensor that every kernel receives.
// Contract: kernels get contiguous (row-major) buffers unless a signature says otherwise;
// shapes and validity are checked in TypeScript before a kernel runs. Errors inside native
// code are thrown as tl::Error and turned into JS exceptions at the N-API boundary, never abort.
#pragma once
#include <cstdint>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "error.h"

namespace tl {

enum class DType : int32_t { F32 = 0, F64 = 1, I64 = 2, U8 = 3, I32 = 4 };
enum class Device : int32_t { CPU = 0, CUDA = 1 };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I64: return 8;
    case DType::U8: return 1;
    case DType::I32: return 4;
  }
  return 0;
}
const char* dtype_name(DType d);
const char* device_name(Device d);

// Non-owning view: pointer + dtype + device + shape (contiguous, row-major).
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::F32;
  Device device = Device::CPU;
  std::vector<int64_t> shape;
  int64_t numel() const {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
  template <typename T>
  T* ptr() const {
    return static_cast<T*>(data);
  }
};

}  // namespace tl
