// native/core/dispatch.h — dtype dispatch helpers shared by the CPU and CUDA kernels (host code).
#pragma once
#include "core/registry.h"

namespace tl {

[[noreturn]] inline void bad_dtype(const char* op, DType d) {
  throw Error(ErrorCode::DType, std::string("torchlet: op '") + op + "' does not support dtype " + dtype_name(d));
}

// Calls f(T{}) with T = float or double.
template <typename F>
void dispatch_float(const char* op, DType d, F&& f) {
  switch (d) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    default: bad_dtype(op, d);
  }
}
// Calls f(T{}) for every storage dtype.
template <typename F>
void dispatch_all(const char* op, DType d, F&& f) {
  switch (d) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    case DType::I64: f(int64_t{}); return;
    case DType::I32: f(int32_t{}); return;
    case DType::U8: f(uint8_t{}); return;
  }
  bad_dtype(op, d);
}

// Element count above which loops go parallel (below it, thread start-up costs more).
constexpr int64_t kParallelGrain = 32768;

}  // namespace tl
