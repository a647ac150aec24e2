// native/napi/binding.cc — the only file that includes napi.h.
// Turns JS values into plain tl:: structs, looks the kernel up in its OpTable (op x device) and
// runs it. Every C++ exception becomes a JS exception carrying a `code`; nothing aborts.
// A tensor argument is a JS array [storage: Storage, offset: number (elements), shape: number[]],
// or null for "absent" (e.g. no bias). Shapes, dtypes and devices were validated in lib/.
// A Storage lives on the CPU (host allocator) or on a CUDA device (the caching device allocator in
// native/cuda/allocator.cu); kernels are looked up by the device of their operands, and every
// operand of one call must be on the same device (checked in lib/ with a readable message, and
// again here as a safety net: a host pointer must never reach a CUDA kernel).
#include <napi.h>
#include <omp.h>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/allocator.h"
#include "core/cuda_runtime.h"
#include "core/ops.h"

namespace {
using namespace tl;

const char* code_of(ErrorCode c) {
  switch (c) {
    case ErrorCode::Invalid: return "ERR_TORCHLET_INVALID";
    case ErrorCode::NotImplemented: return "ERR_TORCHLET_NOT_IMPLEMENTED";
    case ErrorCode::OutOfMemory: return "ERR_TORCHLET_OUT_OF_MEMORY";
    case ErrorCode::Internal: return "ERR_TORCHLET_INTERNAL";
  }
  return "ERR_TORCHLET_INTERNAL";
}

[[noreturn]] void throw_js(Napi::Env env, const char* code, const std::string& msg, bool type_error = false) {
  Napi::Error e = type_error ? Napi::TypeError::New(env, msg) : Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

// Wraps a binding so every native failure reaches JS as an exception with a code.
// The device of the tensor operands seen so far in the current call (-1: none yet).
thread_local int g_call_device = -1;

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    g_call_device = -1;
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw_js(info.Env(), code_of(e.code), e.what());
  } catch (const std::bad_alloc&) {
    throw_js(info.Env(), "ERR_TORCHLET_OUT_OF_MEMORY", "torchlet: out of host memory");
  } catch (const std::exception& e) {
    throw_js(info.Env(), "ERR_TORCHLET_INTERNAL", std::string("torchlet: internal error: ") + e.what());
  } catch (...) {
    throw_js(info.Env(), "ERR_TORCHLET_INTERNAL", "torchlet: unknown internal error");
  }
}

// ---- Storage: an owned block of device memory -----------------------------------------------
class Storage : public Napi::ObjectWrap<Storage> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Storage",
                       {InstanceMethod<&Storage::Free>("free"), InstanceMethod<&Storage::Read>("read"),
                        InstanceMethod<&Storage::Write>("write"),
                        InstanceAccessor<&Storage::Nbytes>("nbytes"), InstanceAccessor<&Storage::Disposed>("disposed"),
                        InstanceAccessor<&Storage::DeviceCode>("device")});
  }
  // new Storage(dtype, numel, device, zero)
  explicit Storage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Storage>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
      throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: Storage(dtype, numel, device, zero) expects numbers", true);
    const int32_t dt = info[0].As<Napi::Number>().Int32Value(), dev = info[2].As<Napi::Number>().Int32Value();
    if (dt < 0 || dt > 4) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: invalid dtype code", true);
    if (dev != 0 && dev != 1) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: invalid device code", true);
    dtype_ = static_cast<DType>(dt);
    device_ = static_cast<Device>(dev);
    double n = info[1].As<Napi::Number>().DoubleValue();
    if (!(n >= 0) || n > 9.0e15) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: invalid element count", true);
    bytes_ = static_cast<size_t>(n) * dtype_size(dtype_);
    const bool zero = info[3].ToBoolean();
    if (device_ == Device::CUDA) {
      std::string why;
      if (cuda_device_count(&why) == 0) throw_js(env, "ERR_TORCHLET_NO_CUDA", "torchlet: CUDA is not available: " + why);
      // The constructor is not wrapped by guarded(): turn tl::Error into a JS error here.
      try {
        data_ = cuda_storage_alloc(bytes_);
        if (zero) cuda_zero(data_, bytes_);
      } catch (const Error& e) {
        if (data_) cuda_storage_free(data_, bytes_);
        data_ = nullptr;
        throw_js(env, code_of(e.code), e.what());
      }
    } else {
      data_ = host_alloc(bytes_);
      if (!data_)
        throw_js(env, "ERR_TORCHLET_OUT_OF_MEMORY",
                 "torchlet: out of host memory allocating " + std::to_string(bytes_) + " bytes");
      if (zero && bytes_) std::memset(data_, 0, bytes_);
    }
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes_));
    env_ = env;
  }
  ~Storage() override { Release(); }

  void* data() const { return data_; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  size_t bytes() const { return bytes_; }

 private:
  void Release() {
    if (data_) {
      if (device_ == Device::CUDA)
        cuda_storage_free(data_, bytes_);  // back to the cache; later work on the stream is ordered after
      else
        host_free(data_, bytes_);
      data_ = nullptr;
      if (env_) Napi::MemoryManagement::AdjustExternalMemory(env_, -static_cast<int64_t>(bytes_));
    }
  }
  Napi::Value Free(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }
  Napi::Value Nbytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(bytes_)); }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), data_ == nullptr); }
  Napi::Value DeviceCode(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<int>(device_)); }
  // Copies bytes between this storage's memory and host memory, whichever device it is on;
  // tl::Error becomes a JS error (these methods are not wrapped by guarded()).
  void CopyOut(Napi::Env env, void* host, size_t from, size_t n) const {
    if (device_ == Device::CPU) {
      std::memcpy(host, static_cast<const char*>(data_) + from, n);
      return;
    }
    try {
      cuda_copy(host, Device::CPU, static_cast<const char*>(data_) + from, Device::CUDA, n);  // synchronises
    } catch (const Error& e) {
      throw_js(env, code_of(e.code), e.what());
    }
  }
  void CopyIn(Napi::Env env, size_t to, const void* host, size_t n) {
    if (device_ == Device::CPU) {
      std::memcpy(static_cast<char*>(data_) + to, host, n);
      return;
    }
    try {
      cuda_copy(static_cast<char*>(data_) + to, Device::CUDA, host, Device::CPU, n);  // host bytes staged on return
    } catch (const Error& e) {
      throw_js(env, code_of(e.code), e.what());
    }
  }
  // read(offsetElems, count) -> ArrayBuffer copy
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!data_) throw_js(env, "ERR_TORCHLET_DISPOSED", "torchlet: tensor was disposed");
    size_t es = dtype_size(dtype_);
    size_t off = static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue());
    size_t cnt = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue());
    if ((off + cnt) * es > bytes_) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: read out of bounds");
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, cnt * es);
    if (cnt) CopyOut(env, ab.Data(), off * es, cnt * es);
    return ab;
  }
  // write(typedArray, offsetElems)
  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!data_) throw_js(env, "ERR_TORCHLET_DISPOSED", "torchlet: tensor was disposed");
    if (!info[0].IsTypedArray()) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: write expects a typed array", true);
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    size_t off = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue()) * dtype_size(dtype_);
    size_t n = ta.ByteLength();
    if (off + n > bytes_) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: write out of bounds");
    const char* src = static_cast<const char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    if (n) CopyIn(env, off, src, n);
    return env.Undefined();
  }

  void* data_ = nullptr;
  size_t bytes_ = 0;
  DType dtype_ = DType::F32;
  Device device_ = Device::CPU;
  napi_env env_ = nullptr;
};

struct AddonData {
  Napi::FunctionReference storage_ctor;
};

// [storage, offset, shape] or null -> TensorView
TensorView view(Napi::Env env, const Napi::Value& v) {
  TensorView t;
  if (v.IsNull() || v.IsUndefined()) return t;
  if (!v.IsArray()) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: tensor argument must be an array", true);
  Napi::Array a = v.As<Napi::Array>();
  Napi::Object so = a.Get(0u).As<Napi::Object>();
  Storage* s = Storage::Unwrap(so);
  if (!s->data()) throw_js(env, "ERR_TORCHLET_DISPOSED", "torchlet: a tensor passed to an op was already disposed");
  int64_t off = static_cast<int64_t>(a.Get(1u).As<Napi::Number>().DoubleValue());
  t.dtype = s->dtype();
  t.device = s->device();
  const int dev = static_cast<int>(t.device);
  if (g_call_device < 0)
    g_call_device = dev;
  else if (g_call_device != dev)
    throw_js(env, "ERR_TORCHLET_DEVICE_MISMATCH",
             std::string("torchlet: Expected all tensors of one op to be on the same device, but found ") +
                 device_name(static_cast<Device>(g_call_device)) + " and " + device_name(t.device));
  t.data = static_cast<char*>(s->data()) + off * static_cast<int64_t>(dtype_size(t.dtype));
  Napi::Array sh = a.Get(2u).As<Napi::Array>();
  t.shape.resize(sh.Length());
  int64_t numel = 1;
  for (uint32_t i = 0; i < sh.Length(); ++i) {
    t.shape[i] = static_cast<int64_t>(sh.Get(i).As<Napi::Number>().DoubleValue());
    numel *= t.shape[i];
  }
  if (numel > 0 && (off + numel) * static_cast<int64_t>(dtype_size(t.dtype)) > static_cast<int64_t>(s->bytes()))
    throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: tensor view exceeds its storage");
  return t;
}

std::vector<int64_t> ints(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) r[i] = static_cast<int64_t>(a.Get(i).As<Napi::Number>().DoubleValue());
  return r;
}
std::vector<double> nums(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<double> r(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) r[i] = a.Get(i).As<Napi::Number>().DoubleValue();
  return r;
}
int32_t i32(const Napi::Value& v) { return v.As<Napi::Number>().Int32Value(); }
int64_t i64(const Napi::Value& v) { return static_cast<int64_t>(v.As<Napi::Number>().DoubleValue()); }
double f64(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }

#define ENV Napi::Env env = info.Env()
#define V(i) view(env, info[i])

Napi::Value CopyStrided(const Napi::CallbackInfo& info) {
  ENV;
  TensorView src = V(0), out = V(2);
  std::vector<int64_t> out_strides;
  if (info.Length() > 3 && info[3].IsArray()) out_strides = ints(info[3]);
  // Strided operands are passed as [storage, offset, [span]]; the iteration shape comes apart.
  if (info.Length() > 4 && info[4].IsArray()) out.shape = ints(info[4]);
  copy_strided_op.get(src.device)(src, ints(info[1]), out, out_strides);
  return env.Undefined();
}
Napi::Value Fill(const Napi::CallbackInfo& info) {
  ENV;
  TensorView out = V(0);
  fill_op.get(out.device)(out, f64(info[1]));
  return env.Undefined();
}
Napi::Value Binary(const Napi::CallbackInfo& info) {
  ENV;
  TensorView a = V(1), b = V(3), out = V(5);
  binary_op.get(out.device)(static_cast<BinaryOp>(i32(info[0])), a, ints(info[2]), b, ints(info[4]), out);
  return env.Undefined();
}
Napi::Value Unary(const Napi::CallbackInfo& info) {
  ENV;
  TensorView a = V(1), out = V(3);
  unary_op.get(out.device)(static_cast<UnaryOp>(i32(info[0])), a, f64(info[2]), out);
  return env.Undefined();
}
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView t = V(1), dy = V(2), dx = V(3);
  unary_backward_op.get(dx.device)(static_cast<UnaryBackwardOp>(i32(info[0])), t, dy, dx);
  return env.Undefined();
}
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(1), out = V(5);
  reduce_op.get(x.device)(static_cast<ReduceOp>(i32(info[0])), x, i64(info[2]), i64(info[3]), i64(info[4]), out);
  return env.Undefined();
}
// matmul(a, b, c, [batch, M, N, K, transA, transB, strideA, strideB, strideC, alpha, beta])
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  ENV;
  TensorView a = V(0), b = V(1), c = V(2);
  auto p = nums(info[3]);
  MatmulParams mp{int64_t(p[0]), int64_t(p[1]), int64_t(p[2]), int64_t(p[3]), p[4] != 0, p[5] != 0,
                  int64_t(p[6]), int64_t(p[7]), int64_t(p[8]), p[9], p[10]};
  matmul_op.get(c.device)(a, b, c, mp);
  return env.Undefined();
}
Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), w = V(1), b = V(2), y = V(3);
  linear_forward_op.get(y.device)(x, w, b, y);
  return env.Undefined();
}
Conv2dParams conv_params(const Napi::Value& v) {
  auto p = ints(v);
  return Conv2dParams{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]};
}
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), w = V(1), b = V(2), y = V(3);
  conv2d_forward_op.get(y.device)(x, w, b, y, conv_params(info[4]));
  return env.Undefined();
}
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), w = V(1), dx = V(2);
  conv2d_backward_input_op.get(dx.device)(dy, w, dx, conv_params(info[3]));
  return env.Undefined();
}
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), x = V(1), dw = V(2), db = V(3);
  conv2d_backward_weight_op.get(dw.device)(dy, x, dw, db, conv_params(info[4]));
  return env.Undefined();
}
Conv3dParams conv3_params(const Napi::Value& v) {
  auto p = ints(v);
  if (p.size() != 22) throw Error(ErrorCode::Invalid, "torchlet: conv3d expects 22 parameters");
  return Conv3dParams{p[0],  p[1],  p[2],  p[3],  p[4],  p[5],  p[6],  p[7],  p[8],  p[9],  p[10],
                      p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20], p[21]};
}
Napi::Value Conv3dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), w = V(1), b = V(2), y = V(3);
  conv3d_forward_op.get(y.device)(x, w, b, y, conv3_params(info[4]));
  return env.Undefined();
}
Napi::Value Conv3dBackwardInput(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), w = V(1), dx = V(2);
  conv3d_backward_input_op.get(dx.device)(dy, w, dx, conv3_params(info[3]));
  return env.Undefined();
}
Napi::Value Conv3dBackwardWeight(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), x = V(1), dw = V(2), db = V(3);
  conv3d_backward_weight_op.get(dw.device)(dy, x, dw, db, conv3_params(info[4]));
  return env.Undefined();
}
Pool2dParams pool_params(const Napi::Value& v) {
  auto p = ints(v);
  return Pool2dParams{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]};
}
Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), y = V(1), idx = V(2);
  max_pool2d_forward_op.get(y.device)(x, y, idx, pool_params(info[3]));
  return env.Undefined();
}
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), idx = V(1), dx = V(2);
  max_pool2d_backward_op.get(dx.device)(dy, idx, dx, pool_params(info[3]));
  return env.Undefined();
}
Napi::Value ReluMaxPool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), y = V(1), tap = V(2);
  relu_max_pool2d_forward_op.get(y.device)(x, y, tap, pool_params(info[3]));
  return env.Undefined();
}
Napi::Value ReluMaxPool2dBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), y = V(1), tap = V(2), dx = V(3);
  relu_max_pool2d_backward_op.get(dx.device)(dy, y, tap, dx, pool_params(info[4]));
  return env.Undefined();
}
Napi::Value Conv2dReluMaxPool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), w = V(1), b = V(2), y = V(3), tap = V(4);
  conv2d_relu_max_pool2d_forward_op.get(y.device)(x, w, b, y, tap, conv_params(info[5]), pool_params(info[6]));
  return env.Undefined();
}
Napi::Value Conv2dReluMaxPool2dBackwardInput(const Napi::CallbackInfo& info) {
  ENV;
  TensorView g = V(0), y = V(1), tap = V(2), w = V(3), dx = V(4);
  conv2d_relu_max_pool2d_backward_input_op.get(dx.device)(g, y, tap, w, dx, conv_params(info[5]), pool_params(info[6]));
  return env.Undefined();
}
Napi::Value Conv2dReluMaxPool2dBackwardWeight(const Napi::CallbackInfo& info) {
  ENV;
  TensorView g = V(0), y = V(1), tap = V(2), x = V(3), dw = V(4), db = V(5);
  conv2d_relu_max_pool2d_backward_weight_op.get(dw.device)(g, y, tap, x, dw, db, conv_params(info[6]), pool_params(info[7]));
  return env.Undefined();
}
AvgPool2dParams avg_pool_params(const Napi::Value& v) {
  auto p = ints(v);
  return AvgPool2dParams{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12] != 0, p[13]};
}
Plane2dParams plane_params(const Napi::Value& v) {
  auto p = ints(v);
  return Plane2dParams{p[0], p[1], p[2], p[3], p[4], p[5]};
}
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), y = V(1);
  avg_pool2d_forward_op.get(y.device)(x, y, avg_pool_params(info[2]));
  return env.Undefined();
}
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), dx = V(1);
  avg_pool2d_backward_op.get(dx.device)(dy, dx, avg_pool_params(info[2]));
  return env.Undefined();
}
Napi::Value AdaptiveAvgPool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), y = V(1);
  adaptive_avg_pool2d_forward_op.get(y.device)(x, y, plane_params(info[2]));
  return env.Undefined();
}
Napi::Value AdaptiveAvgPool2dBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), dx = V(1);
  adaptive_avg_pool2d_backward_op.get(dx.device)(dy, dx, plane_params(info[2]));
  return env.Undefined();
}
Napi::Value AdaptiveMaxPool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), y = V(1), idx = V(2);
  adaptive_max_pool2d_forward_op.get(y.device)(x, y, idx, plane_params(info[3]));
  return env.Undefined();
}
Napi::Value MaxUnpool2dForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), idx = V(1), y = V(2);
  max_unpool2d_forward_op.get(y.device)(x, idx, y, plane_params(info[3]));
  return env.Undefined();
}
Napi::Value MaxUnpool2dBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dy = V(0), idx = V(1), dx = V(2);
  max_unpool2d_backward_op.get(dx.device)(dy, idx, dx, plane_params(info[3]));
  return env.Undefined();
}
// random(kind, out, a, b, seed, offset)
Napi::Value Random(const Napi::CallbackInfo& info) {
  ENV;
  TensorView out = V(1);
  random_op.get(out.device)(static_cast<RandomKind>(i32(info[0])), out, f64(info[2]), f64(info[3]),
                            static_cast<uint64_t>(f64(info[4])), static_cast<uint64_t>(f64(info[5])));
  return env.Undefined();
}
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  ENV;
  TensorView x = V(0), y = V(1);
  softmax_op.get(y.device)(x, y, i64(info[2]), i64(info[3]), i64(info[4]), info[5].ToBoolean());
  return env.Undefined();
}
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView y = V(0), dy = V(1), dx = V(2);
  softmax_backward_op.get(dx.device)(y, dy, dx, i64(info[3]), i64(info[4]), i64(info[5]), info[6].ToBoolean());
  return env.Undefined();
}
Napi::Value NllForward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView logp = V(0), target = V(1), out = V(2);
  nll_forward_op.get(out.device)(logp, target, out, i64(info[3]));
  return env.Undefined();
}
Napi::Value NllBackward(const Napi::CallbackInfo& info) {
  ENV;
  TensorView dloss = V(0), target = V(1), dlogp = V(2);
  nll_backward_op.get(dlogp.device)(dloss, target, dlogp, i64(info[3]));
  return env.Undefined();
}
// adamStep(param, grad, m, v, vmax, [lr, b1, b2, eps, wd, step, amsgrad, decoupled, maximize])
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  ENV;
  TensorView p = V(0), g = V(1), m = V(2), v = V(3), vmax = V(4);
  auto a = nums(info[5]);
  AdamParams ap{a[0], a[1], a[2], a[3], a[4], int64_t(a[5]), a[6] != 0, a[7] != 0, a[8] != 0};
  adam_step_op.get(p.device)(p, g, m, v, vmax, ap);
  return env.Undefined();
}
// sgdStep(param, grad, buf, [lr, momentum, dampening, wd, nesterov, firstStep, maximize])
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  ENV;
  TensorView p = V(0), g = V(1), buf = V(2);
  auto a = nums(info[3]);
  SgdParams sp{a[0], a[1], a[2], a[3], a[4] != 0, a[5] != 0, a[6] != 0};
  sgd_step_op.get(p.device)(p, g, buf, sp);
  return env.Undefined();
}
// copyDevice(src: Storage, srcOffset, dst: Storage, dstOffset, count): count contiguous elements
// between storages of the same dtype on any two devices (H2D, D2H, D2D on the device's stream;
// D2H synchronises; H2D and D2D are asynchronous).
Napi::Value CopyDevice(const Napi::CallbackInfo& info) {
  ENV;
  if (info.Length() < 5 || !info[0].IsObject() || !info[2].IsObject())
    throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: copyDevice(src, srcOffset, dst, dstOffset, count)", true);
  Storage* src = Storage::Unwrap(info[0].As<Napi::Object>());
  Storage* dst = Storage::Unwrap(info[2].As<Napi::Object>());
  if (!src->data() || !dst->data()) throw_js(env, "ERR_TORCHLET_DISPOSED", "torchlet: a tensor passed to a copy was already disposed");
  if (src->dtype() != dst->dtype()) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: copyDevice needs equal dtypes");
  const size_t es = dtype_size(src->dtype());
  const double so = f64(info[1]), dof = f64(info[3]), cnt = f64(info[4]);
  if (!(so >= 0) || !(dof >= 0) || !(cnt >= 0)) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: copyDevice: negative offset or count");
  const size_t sb = static_cast<size_t>(so) * es, db = static_cast<size_t>(dof) * es, n = static_cast<size_t>(cnt) * es;
  if (sb + n > src->bytes() || db + n > dst->bytes()) throw_js(env, "ERR_TORCHLET_INVALID", "torchlet: internal: copyDevice out of bounds");
  if (!n) return env.Undefined();
  char* d = static_cast<char*>(dst->data()) + db;
  const char* s = static_cast<const char*>(src->data()) + sb;
  if (src->device() == Device::CPU && dst->device() == Device::CPU)
    std::memmove(d, s, n);
  else
    cuda_copy(d, dst->device(), s, src->device(), n);
  return env.Undefined();
}
Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  ENV;
  std::string why;
  if (cuda_device_count(&why) == 0) throw_js(env, "ERR_TORCHLET_NO_CUDA", "torchlet: CUDA is not available: " + why);
  cuda_synchronize();
  return env.Undefined();
}
// cudaMemory(emptyCache?) -> { allocated, requested, cached, peak, mallocs, frees, oomRetries }
Napi::Value CudaMemory(const Napi::CallbackInfo& info) {
  ENV;
  if (info.Length() > 0 && info[0].ToBoolean()) cuda_empty_cache();
  CudaMemoryStats s = cuda_memory_stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("allocated", double(s.allocated));
  o.Set("requested", double(s.requested));
  o.Set("cached", double(s.cached));
  o.Set("peak", double(s.peak));
  o.Set("mallocs", double(s.mallocs));
  o.Set("frees", double(s.frees));
  o.Set("oomRetries", double(s.oom_retries));
  return o;
}
Napi::Value ListOps(const Napi::CallbackInfo& info) {
  ENV;
  auto ops = list_ops();
  Napi::Array arr = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", ops[i].name);
    o.Set("cpu", ops[i].cpu);
    o.Set("cuda", ops[i].cuda);
    arr.Set(uint32_t(i), o);
  }
  return arr;
}
Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_max_threads()); }
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = i32(info[0]);
  if (n >= 1) omp_set_num_threads(n);
  return info.Env().Undefined();
}
Napi::Value HostCache(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].ToBoolean()) host_empty_cache();
  return Napi::Number::New(info.Env(), double(host_cached_bytes()));
}
Napi::Value HostSystemAllocs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(host_system_allocs()));
}
Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  ENV;
  std::string why;
  int n = cuda_device_count(&why);
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiled", cuda_compiled());
  o.Set("deviceCount", n);
  o.Set("reason", why);
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function storage = Storage::Init(env);
  auto* data = new AddonData();
  data->storage_ctor = Napi::Persistent(storage);
  env.SetInstanceData<AddonData>(data);  // freed by Node when this environment goes away
  exports.Set("Storage", storage);
#define EXPORT(name, fn) exports.Set(name, Napi::Function::New<guarded<fn>>(env, name))
  EXPORT("copyStrided", CopyStrided);
  EXPORT("fill", Fill);
  EXPORT("binary", Binary);
  EXPORT("unary", Unary);
  EXPORT("unaryBackward", UnaryBackward);
  EXPORT("reduce", Reduce);
  EXPORT("matmul", Matmul);
  EXPORT("linearForward", LinearForward);
  EXPORT("conv2dForward", Conv2dForward);
  EXPORT("conv2dBackwardInput", Conv2dBackwardInput);
  EXPORT("conv2dBackwardWeight", Conv2dBackwardWeight);
  EXPORT("conv3dForward", Conv3dForward);
  EXPORT("conv3dBackwardInput", Conv3dBackwardInput);
  EXPORT("conv3dBackwardWeight", Conv3dBackwardWeight);
  EXPORT("maxPool2dForward", MaxPool2dForward);
  EXPORT("maxPool2dBackward", MaxPool2dBackward);
  EXPORT("reluMaxPool2dForward", ReluMaxPool2dForward);
  EXPORT("reluMaxPool2dBackward", ReluMaxPool2dBackward);
  EXPORT("conv2dReluMaxPool2dForward", Conv2dReluMaxPool2dForward);
  EXPORT("conv2dReluMaxPool2dBackwardInput", Conv2dReluMaxPool2dBackwardInput);
  EXPORT("conv2dReluMaxPool2dBackwardWeight", Conv2dReluMaxPool2dBackwardWeight);
  EXPORT("avgPool2dForward", AvgPool2dForward);
  EXPORT("avgPool2dBackward", AvgPool2dBackward);
  EXPORT("adaptiveAvgPool2dForward", AdaptiveAvgPool2dForward);
  EXPORT("adaptiveAvgPool2dBackward", AdaptiveAvgPool2dBackward);
  EXPORT("adaptiveMaxPool2dForward", AdaptiveMaxPool2dForward);
  EXPORT("maxUnpool2dForward", MaxUnpool2dForward);
  EXPORT("maxUnpool2dBackward", MaxUnpool2dBackward);
  EXPORT("random", Random);
  EXPORT("softmax", Softmax);
  EXPORT("softmaxBackward", SoftmaxBackward);
  EXPORT("nllForward", NllForward);
  EXPORT("nllBackward", NllBackward);
  EXPORT("adamStep", AdamStep);
  EXPORT("sgdStep", SgdStep);
  EXPORT("listOps", ListOps);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("cudaInfo", CudaInfo);
  EXPORT("hostCache", HostCache);
  EXPORT("hostSystemAllocs", HostSystemAllocs);
  EXPORT("copyDevice", CopyDevice);
  EXPORT("cudaSynchronize", CudaSynchronize);
  EXPORT("cudaMemory", CudaMemory);
#undef EXPORT
  return exports;
}

NODE_API_MODULE(torchlet, Init)
