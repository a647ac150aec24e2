// native/core/error.h — the one list of torchlet's error codes, and tl::Error, the only exception
// native code throws. Each code has a kind: the JS class its errors become (lib/errors.ts holds the
// same list; test/errors/codes.test.ts keeps the two in step). The N-API boundary
// (native/napi/binding.cc) turns a tl::Error into an instance of the JS class for its code, so
// native errors are `TorchletError`s like every other error torchlet throws.
#pragma once
#include <stdexcept>
#include <string>

namespace tl {

// X(Enumerator, "JS code", kind) with kind: Type (a TorchletTypeError, also a TypeError), Range (a
// TorchletRangeError, also a RangeError) or Plain (a TorchletError).
#define TL_ERROR_CODES(X)                                  \
  X(InvalidArg, "ERR_TORCHLET_INVALID_ARG", Range)         \
  X(ArgType, "ERR_TORCHLET_INVALID_ARG_TYPE", Type)        \
  X(Shape, "ERR_TORCHLET_SHAPE", Range)                    \
  X(DType, "ERR_TORCHLET_DTYPE", Type)                     \
  X(Device, "ERR_TORCHLET_DEVICE", Plain)                  \
  X(DeviceMismatch, "ERR_TORCHLET_DEVICE_MISMATCH", Plain) \
  X(NoCuda, "ERR_TORCHLET_NO_CUDA", Plain)                 \
  X(NotImplemented, "ERR_TORCHLET_NOT_IMPLEMENTED", Plain) \
  X(OutOfMemory, "ERR_TORCHLET_OUT_OF_MEMORY", Plain)      \
  X(Disposed, "ERR_TORCHLET_DISPOSED", Plain)              \
  X(IO, "ERR_TORCHLET_IO", Plain)                          \
  X(Internal, "ERR_TORCHLET_INTERNAL", Plain)

#define TL_ERROR_ENUM_(name, code, kind) name,
enum class ErrorCode : int { TL_ERROR_CODES(TL_ERROR_ENUM_) };
#undef TL_ERROR_ENUM_

enum class ErrorKind : int { Plain, Type, Range };

struct ErrorCodeInfo {
  ErrorCode value;
  const char* code;
  ErrorKind kind;
};
#define TL_ERROR_INFO_(name, code, kind) {ErrorCode::name, code, ErrorKind::kind},
inline constexpr ErrorCodeInfo kErrorCodes[] = {TL_ERROR_CODES(TL_ERROR_INFO_)};
#undef TL_ERROR_INFO_

inline const ErrorCodeInfo& error_info(ErrorCode c) { return kErrorCodes[static_cast<int>(c)]; }

struct Error : std::runtime_error {
  ErrorCode code;
  Error(ErrorCode c, const std::string& m) : std::runtime_error(m), code(c) {}
};

}  // namespace tl
