// native/napi/binding.cc — the only file that includes napi.h.
// Exports every op declared with TL_OP (native/core/registry.h) as one generic function that reads
// its arguments by the op's declaration: exactly the declared number of arguments; each tensor
// argument a JS array [storage: Storage, offset: number (elements), shape: number[]] (or null where
// the declaration marks it optional); each parameter struct a plain object whose keys are the
// struct's fields (schema.h), every one present, of the right kind and in range, and no other key.
// Any mismatch, a device or dtype with no kernel, and operands on different devices are coded errors
// that name the op and the argument. The addon also exports its schema (ops, parameter structs,
// enums: what binding.d.ts is generated from), the enum codes, the error codes, and the runtime
// functions (storage, copies, CUDA and thread controls).
// Errors: every C++ exception becomes a JS exception; once lib/ has handed its factory over
// (setErrorFactory), it is an instance of torchlet's own error classes (lib/errors.ts) for its code.
// Nothing aborts.
#include <napi.h>
#include <omp.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <new>
#include <set>

#include "core/allocator.h"
#include "core/answer.h"
#include "core/cuda_runtime.h"
#include "core/registry.h"

namespace {
using namespace tl;

// One exported op: its declaration and its parsed tensor argument names.
struct OpExport {
  const OpBase* op;
  std::string js_name;
  std::vector<std::string> tensors;
  std::vector<bool> optional;
  std::string signature;  // "maxPool2dForward(input, out, indices, Pool2dParams)"
};

// Live storages and their bytes per device (0 CPU, 1 CUDA) in one environment: torch.memory().
// Shared with every storage, so one finalized after its environment's data is gone still counts.
struct LiveCounters {
  std::atomic<int64_t> count[2] = {{0}, {0}};
  std::atomic<int64_t> bytes[2] = {{0}, {0}};
};

struct AddonData {
  Napi::FunctionReference storage_ctor;
  std::shared_ptr<LiveCounters> live = std::make_shared<LiveCounters>();
  Napi::FunctionReference error_factory;
  std::vector<std::unique_ptr<OpExport>> ops;
  // streams this environment took for torch.cuda.Stream objects and has not released: handed back
  // when the environment goes away (a worker thread's FinalizationRegistry never runs at its end)
  std::vector<int> streams;
  ~AddonData() {
    for (int id : streams) cuda_stream_release(id);
  }
};

// The coded JS error (a TorchletError from lib/errors.ts when the factory is registered).
Napi::Error js_error(Napi::Env env, ErrorCode code, const std::string& msg) {
  const ErrorCodeInfo& ci = error_info(code);
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data && !data->error_factory.IsEmpty()) {
    Napi::Value e = data->error_factory.Call({Napi::String::New(env, ci.code), Napi::String::New(env, msg)});
    if (e.IsObject()) return Napi::Error(env, e);
  }
  Napi::Error e = ci.kind == ErrorKind::Type    ? Napi::TypeError::New(env, msg)
                  : ci.kind == ErrorKind::Range ? Napi::RangeError::New(env, msg)
                                                : Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ci.code));
  return e;
}
[[noreturn]] void throw_js(Napi::Env env, ErrorCode code, const std::string& msg) { throw js_error(env, code, msg); }

// Runs a binding so that every native failure reaches JS as a coded exception.
template <typename F>
Napi::Value guard(Napi::Env env, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw_js(env, e.code, e.what());
  } catch (const std::bad_alloc&) {
    throw_js(env, ErrorCode::OutOfMemory, "torchlet: out of host memory");
  } catch (const std::exception& e) {
    throw_js(env, ErrorCode::Internal, std::string("torchlet: internal error: ") + e.what());
  } catch (...) {
    throw_js(env, ErrorCode::Internal, "torchlet: unknown internal error");
  }
}
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&] { return F(info); });
}

// ---- Storage: an owned block of device memory -----------------------------------------------
// A JS `Storage` object wraps one Storage (napi_wrap, runtime-owned reference). Its memory is freed
// by free() (dispose) or, for a storage nobody disposed, by a basic finalizer that runs during
// garbage collection itself: the addon is built with NAPI_EXPERIMENTAL, under which Node-API calls
// finalizers synchronously from the collector instead of on a later event-loop turn, so a
// synchronous loop that drops its tensors gets their memory back at the next GC. Every byte is
// reported to V8 (napi_adjust_external_memory) while it is held, so native memory drives GC — except
// a storage made with report = false (lib/memory.ts: one made inside a torch.tidy() scope, which
// frees it when the scope ends unless a tensor of it escapes; report() then counts it): a training
// step's hundreds of MB of short-lived activations would otherwise start a full, concurrent
// garbage collection nearly every step, whose marking threads take the cores from the kernels.
// Live storages and bytes are counted per environment (LiveCounters: torch.memory()).
// A borrowed storage (new Storage(dtype, typedArray, 0, false)) views the bytes of a typed array,
// typically over a SharedArrayBuffer that several worker threads map (one copy of a model's weights
// for a pool of inference workers): the JS Storage object holds the array in a hidden, read-only
// property (so the bytes live as long as the object: a finalizer cannot release references), never
// frees them, and adds nothing to V8's external-memory count (V8 already counts the buffer).
class Storage {
 public:
  Storage(DType dt, Device dev, void* data, size_t bytes, std::shared_ptr<LiveCounters> live, bool borrowed = false,
          int stream = 0, bool reported = false)
      : reported_(reported),
        data_(data),
        bytes_(bytes),
        dtype_(dt),
        device_(dev),
        live_(std::move(live)),
        borrowed_(borrowed),
        stream_(stream),
        last_(stream) {
    live_->count[static_cast<int>(device_)]++;
    live_->bytes[static_cast<int>(device_)] += static_cast<int64_t>(bytes_);
  }
  ~Storage() { Release(nullptr); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  size_t bytes() const { return bytes_; }

  // CUDA streams (runtime.cu). A CUDA storage belongs to the stream it was allocated on (stream_, the
  // allocating thread's current stream then). Every op, copy and read calls UseOnCurrentStream() for
  // each CUDA storage it touches. The first time another stream S uses the storage: S waits (on the
  // device, not the host) for the work queued so far on the storage's own stream — so a tensor made on
  // one stream is complete before another stream reads it — and the allocator records S
  // (cuda_record_stream: the block is not reused after its free until S's work so far has finished).
  // A storage lives in one JS environment, so one thread: no lock.
  void UseOnCurrentStream() {
    if (device_ != Device::CUDA || !data_) return;
    const int cur = cuda_current_stream();
    if (cur == last_) return;  // the common case: every use on one stream
    last_ = cur;
    if (cur == stream_ || std::find(uses_.begin(), uses_.end(), cur) != uses_.end()) return;
    cuda_record_stream(data_, cur);
    cuda_stream_wait(cur, stream_);
    uses_.push_back(cur);
  }
  // Before reading the bytes back on the current stream: it waits for every other stream that used them.
  void OrderReadOnCurrentStream() {
    if (device_ != Device::CUDA || !data_) return;
    UseOnCurrentStream();
    const int cur = last_;
    cuda_stream_wait(cur, stream_);
    for (int u : uses_) cuda_stream_wait(cur, u);
  }

  // Frees the memory (once) and gives its bytes back in V8's external-memory count (when env is
  // given: allowed during GC, napi_adjust_external_memory takes a basic env). Never throws.
  void Release(node_api_basic_env env) noexcept {
    if (!data_) return;
    if (borrowed_) {
      data_ = nullptr;
      live_->count[static_cast<int>(device_)]--;
      live_->bytes[static_cast<int>(device_)] -= static_cast<int64_t>(bytes_);
      return;
    }
    if (device_ == Device::CUDA) {
      try {
        cuda_storage_free(data_, bytes_);  // back to the cache; later work on the stream is ordered after
      } catch (...) {}
    } else {
      host_free(data_, bytes_);
    }
    data_ = nullptr;
    live_->count[static_cast<int>(device_)]--;
    live_->bytes[static_cast<int>(device_)] -= static_cast<int64_t>(bytes_);
    int64_t unused;
    if (env && reported_) napi_adjust_external_memory(env, -static_cast<int64_t>(bytes_), &unused);
  }
  // Counts the bytes in V8's external memory from now on (once; nothing for a freed or borrowed one).
  void Report(Napi::Env env) {
    if (reported_ || !data_ || borrowed_) return;
    reported_ = true;
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes_));
  }
  // The basic finalizer: runs during GC (or at environment teardown); touches no JS.
  static void Finalize(node_api_basic_env env, void* data, void*) {
    Storage* s = static_cast<Storage*>(data);
    s->Release(env);
    delete s;
  }

 private:
  bool reported_;  // its bytes are in V8's external-memory count
  void* data_;
  size_t bytes_;
  DType dtype_;
  Device device_;
  std::shared_ptr<LiveCounters> live_;
  bool borrowed_;
  int stream_;             // CUDA: the stream it was allocated on
  int last_;               // CUDA: the stream of its latest use
  std::vector<int> uses_;  // CUDA: the other streams that used it
};

// Raw Node-API callback around a node-addon-api style function: C++ exceptions become JS ones.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
napi_value raw_callback(napi_env env, napi_callback_info cbinfo) {
  try {
    Napi::CallbackInfo info(env, cbinfo);
    return guard(info.Env(), [&] { return F(info); });
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
    return nullptr;
  }
}

// The Storage wrapped by v, or nullptr when v is not a (constructed) Storage object.
Storage* storage_of(const Napi::Value& v) {
  if (!v.IsObject()) return nullptr;
  AddonData* data = v.Env().GetInstanceData<AddonData>();
  if (!v.As<Napi::Object>().InstanceOf(data->storage_ctor.Value())) return nullptr;
  void* p = nullptr;
  if (napi_unwrap(v.Env(), v, &p) != napi_ok) return nullptr;
  return static_cast<Storage*>(p);
}
Storage& this_storage(const Napi::CallbackInfo& info) {
  Storage* s = storage_of(info.This());
  if (!s) throw Error(ErrorCode::ArgType, "torchlet: internal: a Storage method called on something else");
  return *s;
}

// new Storage(dtype, numel, device, zero)
Napi::Value StorageNew(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throw Error(ErrorCode::ArgType, "torchlet: internal: Storage must be called with new");
  if (info.Length() < 4 || !info[0].IsNumber() || !(info[1].IsNumber() || info[1].IsTypedArray()) ||
      !info[2].IsNumber())
    throw Error(ErrorCode::ArgType, "torchlet: Storage(dtype, numel, device, zero) expects numbers");
  const int32_t dt = info[0].As<Napi::Number>().Int32Value(), dev = info[2].As<Napi::Number>().Int32Value();
  if (dt < 0 || dt > 4) throw Error(ErrorCode::ArgType, "torchlet: internal: invalid dtype code");
  if (info[1].IsTypedArray()) {
    // new Storage(dtype, view, 0, false): a borrowed CPU storage over the view's bytes (no copy)
    if (dev != 0) throw Error(ErrorCode::InvalidArg, "torchlet: internal: a borrowed storage is a CPU storage");
    // napi_get_typedarray_info's data pointer (napi_get_arraybuffer_info refuses a SharedArrayBuffer)
    napi_typedarray_type tat;
    size_t length = 0, offset = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, info[1], &tat, &length, &data, nullptr, &offset) != napi_ok)
      throw Error(ErrorCode::Internal, "torchlet: internal: napi_get_typedarray_info failed");
    const size_t bytes = Napi::TypedArray(env, info[1]).ByteLength();
    const size_t es = dtype_size(static_cast<DType>(dt));
    if (bytes % es != 0)
      throw Error(ErrorCode::InvalidArg,
                  "torchlet: internal: a borrowed view's length is not a whole number of elements");
    if (!bytes) data = nullptr;
    if (!data) {
      static char empty_borrowed;  // a zero-byte view: a non-null pointer nobody reads
      data = &empty_borrowed;
    }
    info.This().As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value("__view", info[1], napi_default));
    AddonData* ad = env.GetInstanceData<AddonData>();
    auto* s = new Storage(static_cast<DType>(dt), Device::CPU, data, bytes, ad->live, true);
    if (napi_wrap(env, info.This(), s, Storage::Finalize, nullptr, nullptr) != napi_ok) {
      s->Release(env);
      delete s;
      throw Error(ErrorCode::Internal, "torchlet: internal: napi_wrap failed");
    }
    return info.This();
  }
  if (dev != 0 && dev != 1) throw Error(ErrorCode::ArgType, "torchlet: internal: invalid device code");
  const DType dtype = static_cast<DType>(dt);
  const Device device = static_cast<Device>(dev);
  const double n = info[1].As<Napi::Number>().DoubleValue();
  if (!(n >= 0) || n != std::floor(n) || n > static_cast<double>(kMaxSize))
    throw Error(ErrorCode::InvalidArg, "torchlet: invalid element count " + std::to_string(n));
  const size_t bytes = static_cast<size_t>(n) * dtype_size(dtype);
  const bool zero = info[3].ToBoolean();
  void* data = nullptr;
  int stream = 0;
  if (device == Device::CUDA) {
    std::string why;
    if (cuda_device_count(&why) == 0) throw Error(ErrorCode::NoCuda, "torchlet: CUDA is not available: " + why);
    stream = cuda_current_stream();
    data = cuda_storage_alloc(bytes);  // tl::Error(OutOfMemory) when the device is full, on `stream`
    if (zero) {
      try {
        cuda_zero(data, bytes);
      } catch (...) {
        cuda_storage_free(data, bytes);
        throw;
      }
    }
  } else {
    data = host_alloc(bytes);
    if (!data)
      throw Error(ErrorCode::OutOfMemory,
                  "torchlet: out of host memory allocating " + std::to_string(bytes) + " bytes");
    if (zero && bytes) std::memset(data, 0, bytes);
  }
  AddonData* ad = env.GetInstanceData<AddonData>();
  const bool report = info.Length() < 5 || info[4].ToBoolean();  // (absent: reported)
  auto* s = new Storage(dtype, device, data, bytes, ad->live, false, stream);
  // result nullptr: the reference is the runtime's, deleted with the object (nothing left per storage)
  if (napi_wrap(env, info.This(), s, Storage::Finalize, nullptr, nullptr) != napi_ok) {
    delete s;
    throw Error(ErrorCode::Internal, "torchlet: internal: napi_wrap failed");
  }
  if (report) s->Report(env);
  return info.This();
}
Napi::Value StorageReport(const Napi::CallbackInfo& info) {
  this_storage(info).Report(info.Env());
  return info.Env().Undefined();
}
Napi::Value StorageFree(const Napi::CallbackInfo& info) {
  this_storage(info).Release(info.Env());
  return info.Env().Undefined();
}
Napi::Value StorageNbytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(this_storage(info).bytes()));
}
Napi::Value StorageDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), this_storage(info).data() == nullptr);
}
Napi::Value StorageDevice(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(this_storage(info).device()));
}
// A number as JS prints it (integers without a fraction).
std::string fmt_number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e16) return std::to_string(static_cast<long long>(d));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}
// A non-negative integer element count or offset argument (a finite double below 2^53).
size_t count_arg(const Napi::Value& v, const char* what) {
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0) || d != std::floor(d) || d > static_cast<double>(kMaxSize))
    throw Error(ErrorCode::InvalidArg, std::string("torchlet: internal: invalid ") + what);
  return static_cast<size_t>(d);
}
// An ArrayBuffer of `bytes` bytes, or a coded error when it cannot be had: V8 treats a failed
// ArrayBuffer allocation as a fatal error, so the bytes are allocated here and handed over as an
// external buffer (freed by its finalizer); where Node refuses external buffers, a plain one.
constexpr size_t kMaxArrayBufferBytes = size_t(8) << 32;  // a typed array of 2^32 8-byte elements
void free_external(node_api_basic_env, void* data, void*) { std::free(data); }
Napi::ArrayBuffer new_array_buffer(Napi::Env env, size_t bytes, void** data) {
  if (bytes > kMaxArrayBufferBytes)
    throw Error(ErrorCode::OutOfMemory, "torchlet: cannot return " + std::to_string(bytes) +
                                            " bytes in one ArrayBuffer (the largest JavaScript allows here is " +
                                            std::to_string(kMaxArrayBufferBytes) + ")");
  if (bytes >= (size_t(1) << 20)) {
    void* p = std::malloc(bytes);
    if (!p)
      throw Error(ErrorCode::OutOfMemory,
                  "torchlet: out of host memory allocating " + std::to_string(bytes) + " bytes for an ArrayBuffer");
    napi_value ab;
    const napi_status st = napi_create_external_arraybuffer(env, p, bytes, free_external, nullptr, &ab);
    if (st == napi_ok) {
      *data = p;
      return Napi::ArrayBuffer(env, ab);
    }
    std::free(p);
    if (st == napi_pending_exception) throw Napi::Error::New(env);  // e.g. the environment is terminating
  }
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
  *data = ab.Data();
  return ab;
}
// read(offsetElems, count) -> ArrayBuffer copy (from a CUDA storage: device to host, synchronising)
Napi::Value StorageRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage& s = this_storage(info);
  if (!s.data()) throw Error(ErrorCode::Disposed, "torchlet: tensor was disposed");
  const size_t es = dtype_size(s.dtype());
  const size_t off = count_arg(info[0], "read offset"), cnt = count_arg(info[1], "read count");
  if (off > s.bytes() / es || cnt > s.bytes() / es - off)
    throw Error(ErrorCode::InvalidArg, "torchlet: read out of bounds");
  void* dst = nullptr;
  Napi::ArrayBuffer ab = new_array_buffer(env, cnt * es, &dst);
  if (!cnt) return ab;
  const char* src = static_cast<const char*>(s.data()) + off * es;
  if (s.device() == Device::CPU) {
    std::memcpy(dst, src, cnt * es);
  } else {
    s.OrderReadOnCurrentStream();
    cuda_copy(dst, Device::CPU, src, Device::CUDA, cnt * es);  // synchronises the current stream
  }
  return ab;
}
// readAsync(offsetElems, count) -> Promise<ArrayBuffer>. From a CPU storage: read()'s copy, resolved.
// From a CUDA storage the event loop is not held while the device works: the bytes are first copied
// on the device into a private staging block, on the calling thread's current stream after it waited
// (on the device) for every stream that used the storage — so the copy follows the work that produced
// the bytes, later writes to the storage cannot leak into the result, and the storage may be disposed
// at once. Then a libuv worker thread copies staging -> host on that same stream (by id: the worker
// thread's own current stream would be another), which waits for it there, not on the JS thread.
class DeviceReadWorker : public Napi::AsyncWorker {
 public:
  DeviceReadWorker(Napi::Env env, void* staging, size_t bytes, int stream)
      : Napi::AsyncWorker(env, "torchlet.readAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        staging_(staging),
        bytes_(bytes),
        stream_(stream) {}
  ~DeviceReadWorker() override { std::free(host_); }
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override {
    try {
      host_ = std::malloc(bytes_);
      if (!host_)
        throw Error(ErrorCode::OutOfMemory,
                    "torchlet: out of host memory reading " + std::to_string(bytes_) + " bytes back from the device");
      cuda_copy(host_, Device::CPU, staging_, Device::CUDA, bytes_, stream_);  // waits for the stream, here
    } catch (const Error& e) {
      code_ = e.code;
      message_ = e.what();
    } catch (const std::exception& e) {
      code_ = ErrorCode::Internal;
      message_ = std::string("torchlet: internal error: ") + e.what();
    }
    try {
      cuda_storage_free(staging_, bytes_);
    } catch (...) {}
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!message_.empty()) {
      deferred_.Reject(js_error(env, code_, message_).Value());
      return;
    }
    napi_value ab;
    if (napi_create_external_arraybuffer(env, host_, bytes_, free_external, nullptr, &ab) != napi_ok) {
      deferred_.Reject(js_error(env, ErrorCode::OutOfMemory,
                                "torchlet: could not create an ArrayBuffer of " + std::to_string(bytes_) + " bytes")
                           .Value());
      return;
    }
    host_ = nullptr;  // owned by the ArrayBuffer now
    deferred_.Resolve(Napi::Value(env, ab));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  void* staging_;
  size_t bytes_;
  int stream_;
  void* host_ = nullptr;
  ErrorCode code_ = ErrorCode::Internal;
  std::string message_;
};
Napi::Value StorageReadAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage& s = this_storage(info);
  if (!s.data()) throw Error(ErrorCode::Disposed, "torchlet: tensor was disposed");
  if (s.device() == Device::CPU || !count_arg(info[1], "read count")) {
    Napi::Value ab = StorageRead(info);
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Resolve(ab);
    return d.Promise();
  }
  const size_t es = dtype_size(s.dtype());
  const size_t off = count_arg(info[0], "read offset"), cnt = count_arg(info[1], "read count");
  if (off > s.bytes() / es || cnt > s.bytes() / es - off)
    throw Error(ErrorCode::InvalidArg, "torchlet: read out of bounds");
  if (cnt * es > kMaxArrayBufferBytes)
    throw Error(ErrorCode::InvalidArg, "torchlet: read of " + std::to_string(cnt * es) +
                                           " bytes: more than the largest ArrayBuffer (" +
                                           std::to_string(kMaxArrayBufferBytes) + ")");
  s.OrderReadOnCurrentStream();
  const int stream = cuda_current_stream();
  void* staging = cuda_storage_alloc(cnt * es);  // on `stream`: freed (by the worker) back to its list
  try {
    cuda_copy(staging, Device::CUDA, static_cast<const char*>(s.data()) + off * es, Device::CUDA, cnt * es);
  } catch (...) {
    cuda_storage_free(staging, cnt * es);
    throw;
  }
  DeviceReadWorker* w = new DeviceReadWorker(env, staging, cnt * es, stream);
  Napi::Promise p = w->Promise();
  w->Queue();  // deletes itself after OnOK/OnError
  return p;
}
// A typed array's first byte, its ArrayBuffer's or SharedArrayBuffer's (node-addon-api's
// TypedArray::ArrayBuffer().Data() goes through napi_get_arraybuffer_info, which refuses a shared one).
uint8_t* typed_bytes(napi_env env, napi_value v) {
  napi_typedarray_type t;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &t, &length, &data, nullptr, &offset) != napi_ok)
    throw Error(ErrorCode::Internal, "torchlet: internal: napi_get_typedarray_info failed");
  return static_cast<uint8_t*>(data);  // already at the view's first element
}
// write(typedArray, offsetElems)
Napi::Value StorageWrite(const Napi::CallbackInfo& info) {
  Storage& s = this_storage(info);
  if (!s.data()) throw Error(ErrorCode::Disposed, "torchlet: tensor was disposed");
  if (!info[0].IsTypedArray()) throw Error(ErrorCode::ArgType, "torchlet: write expects a typed array");
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  const size_t off = count_arg(info[1], "write offset");
  const size_t n = ta.ByteLength();
  if (off > s.bytes() / dtype_size(s.dtype()) || n > s.bytes() - off * dtype_size(s.dtype()))
    throw Error(ErrorCode::InvalidArg, "torchlet: write out of bounds");
  const char* src = reinterpret_cast<const char*>(typed_bytes(info.Env(), info[0]));
  char* dst = static_cast<char*>(s.data()) + off * dtype_size(s.dtype());
  if (!n) return info.Env().Undefined();
  if (s.device() == Device::CPU) {
    std::memcpy(dst, src, n);
  } else {
    s.UseOnCurrentStream();
    cuda_copy(dst, Device::CUDA, src, Device::CPU, n);  // host bytes staged on return
  }
  return info.Env().Undefined();
}
Napi::Function DefineStorage(Napi::Env env) {
  const napi_property_attributes m = napi_default_method;
  const napi_property_descriptor props[] = {
      {"free", nullptr, raw_callback<StorageFree>, nullptr, nullptr, nullptr, m, nullptr},
      {"report", nullptr, raw_callback<StorageReport>, nullptr, nullptr, nullptr, m, nullptr},
      {"read", nullptr, raw_callback<StorageRead>, nullptr, nullptr, nullptr, m, nullptr},
      {"readAsync", nullptr, raw_callback<StorageReadAsync>, nullptr, nullptr, nullptr, m, nullptr},
      {"write", nullptr, raw_callback<StorageWrite>, nullptr, nullptr, nullptr, m, nullptr},
      {"nbytes", nullptr, nullptr, raw_callback<StorageNbytes>, nullptr, nullptr, napi_default, nullptr},
      {"disposed", nullptr, nullptr, raw_callback<StorageDisposed>, nullptr, nullptr, napi_default, nullptr},
      {"device", nullptr, nullptr, raw_callback<StorageDevice>, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cls;
  if (napi_define_class(env, "Storage", NAPI_AUTO_LENGTH, raw_callback<StorageNew>, nullptr,
                        sizeof(props) / sizeof(props[0]), props, &cls) != napi_ok)
    throw Napi::Error::New(env, "torchlet: internal: napi_define_class(Storage) failed");
  return Napi::Function(env, cls);
}

// ---- the generic op call -----------------------------------------------------------------------
// A parameter struct read from one JS object (see schema.h's ParamSource).
class ObjectSource : public ParamSource {
 public:
  ObjectSource(const OpExport& op, const ParamsInfo& p, Napi::Value v) : op_(op), p_(p) {
    if (!v.IsObject() || v.IsArray())
      fail(ErrorCode::ArgType, "expects an object of " + std::string(p.name) + " for its parameters");
    obj_ = v.As<Napi::Object>();
  }
  int64_t get_int(const FieldInfo& f) override {
    const double d = number(f, get(f), "an integer");
    check_int(f, d, "");
    return static_cast<int64_t>(d);
  }
  double get_number(const FieldInfo& f) override {
    const double d = number(f, get(f), "a number");
    // NaN passes only an unbounded field (a fill value, a scalar operand), as in PyTorch
    const bool unbounded = std::isinf(f.lo) && std::isinf(f.hi);
    if (std::isnan(d) ? !unbounded : (d < f.lo || d > f.hi))
      range(f, d, "a number in [" + fmt(f.lo) + ", " + fmt(f.hi) + "]");
    return d;
  }
  bool get_bool(const FieldInfo& f) override {
    Napi::Value v = get(f);
    if (!v.IsBoolean()) fail(ErrorCode::ArgType, "expects a boolean for " + where(f));
    return v.As<Napi::Boolean>().Value();
  }
  std::vector<int64_t> get_ints(const FieldInfo& f, int exact) override {
    Napi::Value v = get(f);
    if (!v.IsArray()) fail(ErrorCode::ArgType, "expects an array of integers for " + where(f));
    Napi::Array a = v.As<Napi::Array>();
    if (exact >= 0 && a.Length() != static_cast<uint32_t>(exact))
      fail(ErrorCode::InvalidArg,
           "expects " + std::to_string(exact) + " integers for " + where(f) + ", got " + std::to_string(a.Length()));
    std::vector<int64_t> r(a.Length());
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const double d = number(f, a.Get(i), "an array of integers");
      check_int(f, d, "[" + std::to_string(i) + "]");
      r[i] = static_cast<int64_t>(d);
    }
    return r;
  }
  void finish(const ParamsInfo& p) override {
    Napi::Array keys = obj_.GetPropertyNames();
    if (keys.Length() == p.fields.size()) return;
    std::set<std::string> known;
    for (const auto& f : p.fields) known.insert(f.name);
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      const std::string k = keys.Get(i).ToString().Utf8Value();
      if (!known.count(k)) fail(ErrorCode::InvalidArg, "got an unknown key '" + k + "' in its " + p.name);
    }
  }

 private:
  [[noreturn]] void fail(ErrorCode c, const std::string& what) const {
    throw Error(c, "torchlet: native op " + op_.signature + " " + what);
  }
  std::string where(const FieldInfo& f) const { return std::string(p_.name) + "." + f.name; }
  static std::string fmt(double d) {
    if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
    if (d == std::floor(d) && std::fabs(d) < 1e16) return std::to_string(static_cast<long long>(d));
    return std::to_string(d);
  }
  Napi::Value get(const FieldInfo& f) {
    Napi::Value v = obj_.Get(f.name);
    if (v.IsUndefined()) fail(ErrorCode::InvalidArg, "is missing " + where(f));
    return v;
  }
  double number(const FieldInfo& f, Napi::Value v, const char* expected) const {
    if (!v.IsNumber()) fail(ErrorCode::ArgType, std::string("expects ") + expected + " for " + where(f));
    return v.As<Napi::Number>().DoubleValue();
  }
  void check_int(const FieldInfo& f, double d, const std::string& index) const {
    if (!(d == std::floor(d)) || d < f.lo || d > f.hi) {
      std::string expected = "an integer in [" + fmt(f.lo) + ", " + fmt(f.hi) + "]";
      if (f.en) expected += " (a " + std::string(f.en->name) + " code)";
      range(f, d, expected, index);
    }
  }
  [[noreturn]] void range(const FieldInfo& f, double d, const std::string& expected,
                          const std::string& index = "") const {
    fail(ErrorCode::InvalidArg, "expects " + expected + " for " + where(f) + index + ", got " + fmt(d));
  }
  const OpExport& op_;
  const ParamsInfo& p_;
  Napi::Object obj_;
};

// [storage, offset, shape] -> TensorView (an empty view for an absent optional tensor).
TensorView tensor_arg(const OpExport& op, size_t i, const Napi::Value& v) {
  TensorView t;
  auto fail = [&](ErrorCode c, const std::string& what) {
    throw Error(
        c, "torchlet: native op " + op.signature + " " + what + " for its tensor argument '" + op.tensors[i] + "'");
  };
  if (v.IsNull() || v.IsUndefined()) {
    if (!op.optional[i]) fail(ErrorCode::InvalidArg, "expects a tensor (not optional)");
    return t;
  }
  if (!v.IsArray()) fail(ErrorCode::ArgType, "expects [storage, offset, shape]");
  Napi::Array a = v.As<Napi::Array>();
  Napi::Value sv = a.Get(0u), ov = a.Get(1u), shv = a.Get(2u);
  Storage* s = storage_of(sv);
  if (a.Length() != 3 || !s || !ov.IsNumber() || !shv.IsArray())
    fail(ErrorCode::ArgType, "expects [storage, offset, shape]");
  if (!s->data()) fail(ErrorCode::Disposed, "was given a tensor that was already disposed");
  s->UseOnCurrentStream();
  const double off = ov.As<Napi::Number>().DoubleValue();
  if (!(off >= 0) || off != std::floor(off)) fail(ErrorCode::InvalidArg, "expects a non-negative integer offset");
  t.dtype = s->dtype();
  t.device = s->device();
  Napi::Array sh = shv.As<Napi::Array>();
  t.shape.resize(sh.Length());
  double numel = 1;
  for (uint32_t k = 0; k < sh.Length(); ++k) {
    Napi::Value e = sh.Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0) || d != std::floor(d) || d > kMaxSize)
      fail(ErrorCode::InvalidArg, "expects non-negative integer sizes");
    t.shape[k] = static_cast<int64_t>(d);
    numel *= d;
  }
  const double es = static_cast<double>(dtype_size(t.dtype));
  if (numel > 0 && (off + numel) * es > static_cast<double>(s->bytes()))
    fail(ErrorCode::InvalidArg, "was given a view that exceeds its storage");
  t.data = static_cast<char*>(s->data()) + static_cast<int64_t>(off) * static_cast<int64_t>(es);
  return t;
}

// The one function every op is exported as (its OpExport is the function's data).
Napi::Value CallOp(const Napi::CallbackInfo& info) {
  const OpExport& op = *static_cast<const OpExport*>(info.Data());
  // devices as Tensor.device spells them (only CUDA device 0 is used so far)
  auto js_device = [](Device d) { return std::string(d == Device::CPU ? "cpu" : "cuda:0"); };
  return guard(info.Env(), [&]() -> Napi::Value {
    const size_t nt = op.tensors.size(), np = static_cast<size_t>(op.op->n_params);
    if (info.Length() != nt + np)
      throw Error(ErrorCode::InvalidArg, "torchlet: native op " + op.signature + " expects " + std::to_string(nt + np) +
                                             " arguments, got " + std::to_string(info.Length()));
    TensorView ts[16];
    int first = -1;
    for (size_t i = 0; i < nt; ++i) {
      ts[i] = tensor_arg(op, i, info[i]);
      if (!ts[i].data && ts[i].shape.empty() && (info[i].IsNull() || info[i].IsUndefined())) continue;
      if (first < 0)
        first = static_cast<int>(i);
      else if (ts[i].device != ts[first].device)
        throw Error(ErrorCode::DeviceMismatch, "torchlet: Expected all tensors to be on the same device, but found " +
                                                   op.tensors[first] + " on " + js_device(ts[first].device) + " and " +
                                                   op.tensors[i] + " on " + js_device(ts[i].device) + " (in " +
                                                   op.js_name + "); move them with .to(device) first");
    }
    const Device dev = first >= 0 ? ts[first].device : Device::CPU;
    if (first >= 0) op.op->check(dev, ts[first].dtype);
    std::vector<std::unique_ptr<ObjectSource>> sources;
    ParamSource* srcs[8];
    for (size_t j = 0; j < np; ++j) {
      sources.emplace_back(new ObjectSource(op, op.op->params[j](), info[nt + j]));
      srcs[j] = sources.back().get();
    }
    op.op->invoke(*op.op, dev, ts, srcs);
    return info.Env().Undefined();
  });
}

// ---- the packed op call ----------------------------------------------------------------------------
// callPacked(opIndex, values, count, storage0, storage1, ...): the same call as the op's own export,
// with everything but the storages flattened by lib/binding.ts into one Float64Array (no property
// reads per field): per tensor argument -1 (absent) or its offset, rank and sizes; then every
// parameter field in declaration order (Dims3: three values; other integer arrays: length, then the
// values; bools 0/1). It returns true once the op ran. Whatever does not pass the checks (a bad
// offset or size, a value out of its field's range, a disposed storage, a short buffer) returns false
// before any kernel runs, and the caller repeats the call through the op's own export, which throws
// the error with its full message.
struct Repack {};  // thrown by the packed readers: "call the op's own export instead"

class PackedSource : public ParamSource {
 public:
  PackedSource(const double* v, size_t n, size_t& pos) : v_(v), n_(n), pos_(pos) {}
  int64_t get_int(const FieldInfo& f) override { return integer(f, next()); }
  double get_number(const FieldInfo& f) override {
    const double d = next();
    const bool unbounded = std::isinf(f.lo) && std::isinf(f.hi);
    if (std::isnan(d) ? !unbounded : (d < f.lo || d > f.hi)) throw Repack{};
    return d;
  }
  bool get_bool(const FieldInfo& f) override {
    const double d = next();
    if (d != 0 && d != 1) throw Repack{};
    return d == 1;
  }
  std::vector<int64_t> get_ints(const FieldInfo& f, int exact) override {
    const double len = exact >= 0 ? exact : next();
    if (!(len >= 0) || len > 4096) throw Repack{};
    std::vector<int64_t> r(static_cast<size_t>(len));
    for (auto& x : r) x = integer(f, next());
    return r;
  }
  void finish(const ParamsInfo&) override {}  // lib/binding.ts counted the object's keys

 private:
  double next() {
    if (pos_ >= n_) throw Repack{};
    return v_[pos_++];
  }
  static int64_t integer(const FieldInfo& f, double d) {
    if (!(d == std::floor(d)) || d < f.lo || d > f.hi) throw Repack{};
    return static_cast<int64_t>(d);
  }
  const double* v_;
  size_t n_;
  size_t& pos_;
};

Napi::Value CallPacked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData* data = env.GetInstanceData<AddonData>();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsNumber())
    return Napi::Boolean::New(env, false);
  const double oi = info[0].As<Napi::Number>().DoubleValue();
  if (!(oi >= 0) || oi >= static_cast<double>(data->ops.size())) return Napi::Boolean::New(env, false);
  const OpExport& op = *data->ops[static_cast<size_t>(oi)];
  Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
  const size_t nt = op.tensors.size(), np = static_cast<size_t>(op.op->n_params);
  if (ta.TypedArrayType() != napi_float64_array || info.Length() != 3 + nt) return Napi::Boolean::New(env, false);
  const double* v =
      reinterpret_cast<const double*>(static_cast<const char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
  const double cnt = info[2].As<Napi::Number>().DoubleValue();
  if (!(cnt >= 0) || cnt > static_cast<double>(ta.ElementLength())) return Napi::Boolean::New(env, false);
  const size_t n = static_cast<size_t>(cnt);
  bool ran = false;
  guard(env, [&]() -> Napi::Value {
    TensorView ts[16];
    int first = -1;
    size_t pos = 0;
    try {
      for (size_t i = 0; i < nt; ++i) {
        if (pos >= n) throw Repack{};
        const double off = v[pos++];
        Napi::Value sv = info[3 + i];
        if (off == -1) {  // absent
          if (!op.optional[i] || !(sv.IsNull() || sv.IsUndefined())) throw Repack{};
          continue;
        }
        if (!(off >= 0) || off != std::floor(off)) throw Repack{};
        Storage* st = storage_of(sv);
        if (!st || !st->data() || pos >= n) throw Repack{};
        st->UseOnCurrentStream();  // harmless if the call is repacked: the op's own export runs it next
        const double rank = v[pos++];
        if (!(rank >= 0) || rank > 16 || pos + static_cast<size_t>(rank) > n) throw Repack{};
        TensorView& t = ts[i];
        t.dtype = st->dtype();
        t.device = st->device();
        t.shape.resize(static_cast<size_t>(rank));
        double numel = 1;
        for (auto& d : t.shape) {
          const double x = v[pos++];
          if (!(x >= 0) || x != std::floor(x) || x > kMaxSize) throw Repack{};
          d = static_cast<int64_t>(x);
          numel *= x;
        }
        const double es = static_cast<double>(dtype_size(t.dtype));
        if (numel > 0 && (off + numel) * es > static_cast<double>(st->bytes())) throw Repack{};
        t.data = static_cast<char*>(st->data()) + static_cast<int64_t>(off) * static_cast<int64_t>(es);
        if (first < 0)
          first = static_cast<int>(i);
        else if (t.device != ts[first].device)
          throw Repack{};
      }
      const Device dev = first >= 0 ? ts[first].device : Device::CPU;
      if (first >= 0 &&
          (!op.op->has[static_cast<int>(dev)] || !(op.op->dtypes[static_cast<int>(dev)] & dtype_bit(ts[first].dtype))))
        throw Repack{};
      PackedSource src(v, n, pos);
      ParamSource* srcs[8];
      for (size_t j = 0; j < np; ++j) srcs[j] = &src;
      op.op->invoke(*op.op, dev, ts, srcs);  // reads every field before its kernel runs
      ran = true;
    } catch (const Repack&) {}
    return env.Undefined();
  });
  return Napi::Boolean::New(env, ran);
}

// ---- the schema: what binding.d.ts and torch.kernels() are made from ------------------------------
const char* kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::Int: return "int";
    case FieldKind::Number: return "number";
    case FieldKind::Bool: return "bool";
    case FieldKind::Enum: return "enum";
    case FieldKind::Ints: return "ints";
    case FieldKind::Dims3: return "dims3";
  }
  return "unknown";
}
Napi::Array dtype_list(Napi::Env env, const OpBase& op, Device d) {
  Napi::Array a = Napi::Array::New(env);
  if (!op.has[static_cast<int>(d)]) return a;
  uint32_t n = 0;
  for (int k = 0; k <= static_cast<int>(DType::I32); ++k)
    if (op.dtypes[static_cast<int>(d)] & (1u << k)) a.Set(n++, dtype_name(static_cast<DType>(k)));
  return a;
}
Napi::Value Schema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData* data = env.GetInstanceData<AddonData>();
  Napi::Object r = Napi::Object::New(env), structs = Napi::Object::New(env), enums = Napi::Object::New(env);
  Napi::Array ops = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto& e : data->ops) {
    Napi::Object o = Napi::Object::New(env), devices = Napi::Object::New(env);
    o.Set("name", e->js_name);
    Napi::Array ts = Napi::Array::New(env), ps = Napi::Array::New(env);
    for (size_t k = 0; k < e->tensors.size(); ++k) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("name", e->tensors[k]);
      t.Set("optional", static_cast<bool>(e->optional[k]));
      ts.Set(static_cast<uint32_t>(k), t);
    }
    for (int k = 0; k < e->op->n_params; ++k) {
      const ParamsInfo& p = e->op->params[k]();
      ps.Set(static_cast<uint32_t>(k), p.name);
      Napi::Array fs = Napi::Array::New(env);
      for (size_t f = 0; f < p.fields.size(); ++f) {
        const FieldInfo& fi = p.fields[f];
        Napi::Object fo = Napi::Object::New(env);
        fo.Set("name", fi.name);
        fo.Set("kind", kind_name(fi.kind));
        fo.Set("min", fi.lo);
        fo.Set("max", fi.hi);
        if (fi.en) {
          fo.Set("enum", fi.en->name);
          Napi::Array vs = Napi::Array::New(env);
          for (size_t v = 0; v < fi.en->values.size(); ++v) vs.Set(static_cast<uint32_t>(v), fi.en->values[v]);
          enums.Set(fi.en->name, vs);
        }
        fs.Set(static_cast<uint32_t>(f), fo);
      }
      structs.Set(p.name, fs);
    }
    o.Set("tensors", ts);
    o.Set("params", ps);
    devices.Set("cpu", dtype_list(env, *e->op, Device::CPU));
    devices.Set("cuda", dtype_list(env, *e->op, Device::CUDA));
    o.Set("dtypes", devices);
    ops.Set(i++, o);
  }
  r.Set("ops", ops);
  r.Set("structs", structs);
  r.Set("enums", enums);
  return r;
}
// { BinaryOp: { Add: 0, ... }, ... } for every enum some op's parameters use.
Napi::Object Enums(Napi::Env env, const AddonData& data) {
  Napi::Object r = Napi::Object::New(env);
  for (const auto& e : data.ops)
    for (int k = 0; k < e->op->n_params; ++k)
      for (const FieldInfo& f : e->op->params[k]().fields)
        if (f.en) {
          Napi::Object o = Napi::Object::New(env);
          for (size_t v = 0; v < f.en->values.size(); ++v) o.Set(f.en->values[v], static_cast<double>(v));
          o.Freeze();
          r.Set(f.en->name, o);
        }
  r.Freeze();
  return r;
}
Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsFunction())
    throw_js(env, ErrorCode::ArgType, "torchlet: setErrorFactory(fn) expects a function");
  env.GetInstanceData<AddonData>()->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

// copyDevice(src: Storage, srcOffset, dst: Storage, dstOffset, count): count contiguous elements
// between storages of the same dtype on any two devices (H2D, D2H, D2D on the current stream;
// D2H synchronises; H2D and D2D are asynchronous).
Napi::Value CopyDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage* src = info.Length() == 5 ? storage_of(info[0]) : nullptr;
  Storage* dst = info.Length() == 5 ? storage_of(info[2]) : nullptr;
  if (!src || !dst)
    throw_js(env, ErrorCode::ArgType, "torchlet: internal: copyDevice(src, srcOffset, dst, dstOffset, count)");
  if (!src->data() || !dst->data())
    throw_js(env, ErrorCode::Disposed, "torchlet: a tensor passed to a copy was already disposed");
  if (src->dtype() != dst->dtype())
    throw_js(env, ErrorCode::InvalidArg, "torchlet: internal: copyDevice needs equal dtypes");
  const size_t es = dtype_size(src->dtype());
  const size_t sb = count_arg(info[1], "copyDevice offset") * es, db = count_arg(info[3], "copyDevice offset") * es,
               n = count_arg(info[4], "copyDevice count") * es;
  if (sb + n > src->bytes() || db + n > dst->bytes())
    throw_js(env, ErrorCode::InvalidArg, "torchlet: internal: copyDevice out of bounds");
  if (!n) return env.Undefined();
  char* d = static_cast<char*>(dst->data()) + db;
  const char* s = static_cast<const char*>(src->data()) + sb;
  if (src->device() == Device::CPU && dst->device() == Device::CPU) {
    std::memmove(d, s, n);
  } else {
    if (dst->device() == Device::CPU)
      src->OrderReadOnCurrentStream();  // device -> host: after every stream that used the source
    else
      src->UseOnCurrentStream();
    dst->UseOnCurrentStream();
    cuda_copy(d, dst->device(), s, src->device(), n);
  }
  return env.Undefined();
}
Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string why;
  if (cuda_device_count(&why) == 0) throw_js(env, ErrorCode::NoCuda, "torchlet: CUDA is not available: " + why);
  cuda_synchronize();
  return env.Undefined();
}
// ---- streams (lib/cuda.ts): ids from runtime.cu; every call needs a usable CUDA device ----
void need_cuda(Napi::Env env) {
  std::string why;
  if (cuda_device_count(&why) == 0) throw_js(env, ErrorCode::NoCuda, "torchlet: CUDA is not available: " + why);
}
int stream_arg(const Napi::CallbackInfo& info, size_t i) {
  const double d = i < info.Length() && info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 1 && d <= 1e9) || d != std::floor(d))
    throw_js(info.Env(), ErrorCode::ArgType, "torchlet: internal: a CUDA stream id (a positive integer) expected");
  return static_cast<int>(d);
}
// cudaCurrentStream() -> this thread's current stream id
Napi::Value CudaCurrentStream(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  return Napi::Number::New(info.Env(), cuda_current_stream());
}
// cudaSetStream(id) -> the previous current stream id
Napi::Value CudaSetStream(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  return Napi::Number::New(info.Env(), cuda_set_current_stream(stream_arg(info, 0)));
}
// cudaStreamNew() -> the id of a stream for a torch.cuda.Stream (an idle one or a new one)
Napi::Value CudaStreamNew(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  const int id = cuda_stream_acquire();
  info.Env().GetInstanceData<AddonData>()->streams.push_back(id);
  return Napi::Number::New(info.Env(), id);
}
// cudaStreamRelease(id): a collected torch.cuda.Stream's stream goes back to the idle ones
Napi::Value CudaStreamRelease(const Napi::CallbackInfo& info) {
  const int id = stream_arg(info, 0);
  std::vector<int>& mine = info.Env().GetInstanceData<AddonData>()->streams;
  auto it = std::find(mine.begin(), mine.end(), id);
  if (it == mine.end()) return info.Env().Undefined();  // not this environment's: leave it alone
  mine.erase(it);
  cuda_stream_release(id);
  return info.Env().Undefined();
}
Napi::Value CudaStreamSynchronize(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  cuda_stream_synchronize(stream_arg(info, 0));
  return info.Env().Undefined();
}
// cudaStreamQuery(id) -> true when its queued work has finished
Napi::Value CudaStreamQuery(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  return Napi::Boolean::New(info.Env(), cuda_stream_query(stream_arg(info, 0)));
}
// cudaStreamWait(waiter, waitee): waiter's later work runs after waitee's work queued so far
Napi::Value CudaStreamWait(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  cuda_stream_wait(stream_arg(info, 0), stream_arg(info, 1));
  return info.Env().Undefined();
}
// cudaStreamWork(id) -> launches + copies + memsets issued on it (the emulator's count; -1 on a GPU)
Napi::Value CudaStreamWork(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  return Napi::Number::New(info.Env(), cuda_stream_work(stream_arg(info, 0)));
}
// cudaEmuHoldEvents(on): the emulator's events stay incomplete until a sync (tests of the allocator)
Napi::Value CudaEmuHoldEvents(const Napi::CallbackInfo& info) {
  need_cuda(info.Env());
  cuda_emu_hold_events(info.Length() > 0 && info[0].ToBoolean());
  return info.Env().Undefined();
}
// cudaMemory(emptyCache?) -> { allocated, requested, cached, peak, mallocs, frees, oomRetries,
//   pendingFrees, crossStreamFrees, streams, idleStreams }
Napi::Value CudaMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
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
  o.Set("pendingFrees", double(s.pending));
  o.Set("crossStreamFrees", double(s.cross_stream_frees));
  o.Set("streams", double(cuda_stream_count()));
  o.Set("idleStreams", double(cuda_stream_idle_count()));
  return o;
}
Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}
// The most OpenMP threads setNumThreads accepts: 4 per processor this process may run on, and 1024.
// More only costs memory and thread creation, which libgomp treats as fatal when it fails.
int max_num_threads() {
  const int procs = omp_get_num_procs();
  return procs > 0 && procs < 256 ? 4 * procs : 1024;
}
Napi::Value MaxNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), max_num_threads()); }
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsNumber())
    throw_js(info.Env(), ErrorCode::ArgType, "torchlet: setNumThreads(n) expects a number");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  const int max = max_num_threads();
  if (!(n >= 1 && n <= max) || n != std::floor(n))
    throw_js(info.Env(), ErrorCode::InvalidArg,
             "torchlet: Expected an integer in [1, " + std::to_string(max) + "] for n but received " + fmt_number(n));
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}
// threadNice(n) -> threads changed: on Linux, sets the scheduling niceness (0..19: 0 normal, higher
// yields more) of the calling thread and of the OpenMP threads its parallel regions use (one region of
// the current thread count, each thread changing itself: Linux keeps a niceness per thread; threads the
// team starts later inherit the caller's). An inference worker's threads run niced so that the event
// loop and the HTTP work of the process get a core when they need one. 0 elsewhere (other systems
// apply it to the whole process): a no-op there.
Napi::Value ThreadNice(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsNumber())
    throw_js(info.Env(), ErrorCode::ArgType, "torchlet: threadNice(n) expects a number");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 19) || n != std::floor(n))
    throw_js(info.Env(), ErrorCode::InvalidArg,
             "torchlet: Expected an integer in [0, 19] for n but received " + fmt_number(n));
  int changed = 0;
#ifdef __linux__
  const int nice = static_cast<int>(n);
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice) == 0) ++changed;
#pragma omp parallel reduction(+ : changed)
  if (omp_get_thread_num() != 0 && setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice) == 0)
    ++changed;
#endif
  return Napi::Number::New(info.Env(), changed);
}
// firstNonFinite(a: Float32Array) -> the index of a's first NaN or infinity (exponent bits all ones), -1
// when there is none. The serving path checks every request body with it on the event loop: a JS
// loop over a 3x224x224 image took 0.35 ms there (18% of the main thread under load), this ~0.02 ms.
// Blocks of 1024 are OR-reduced first (vectorised), a block is searched only when it holds one.
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw_js(info.Env(), ErrorCode::ArgType, "torchlet: firstNonFinite(a) expects a Float32Array");
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  const size_t n = ta.ElementLength();
  const uint8_t* base = typed_bytes(info.Env(), info[0]);
  constexpr uint32_t kExp = 0x7f800000u;
  constexpr size_t kBlock = 1024;
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = std::min(n, b + kBlock);
    uint32_t any = 0;
    for (size_t i = b; i < e; ++i) {
      uint32_t u;
      std::memcpy(&u, base + 4 * i, 4);  // a view need not be 4-byte aligned in its buffer
      any |= uint32_t((u & kExp) == kExp);
    }
    if (any)
      for (size_t i = b; i < e; ++i) {
        uint32_t u;
        std::memcpy(&u, base + 4 * i, 4);
        if ((u & kExp) == kExp) return Napi::Number::New(info.Env(), double(i));
      }
  }
  return Napi::Number::New(info.Env(), -1);
}
// predictionsJson(logits: Float32Array, k, r0, n, classJson: string[] | null, topk) -> the JSON text of
// a classifier's answer for rows [r0, r0 + n) of logits [*, k] (core/answer.h); classJson holds each
// class's name as JSON text (k of them), null for the index as the name. lib/serve/answer.ts calls it
// for every served request: JSON.stringify of 1000 probabilities and the softmax and top-k around it
// took about 0.3 ms in JavaScript.
Napi::Value PredictionsJson(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "torchlet: predictionsJson(logits, k, r0, n, classJson, topk)";
  if (info.Length() != 6) throw_js(env, ErrorCode::InvalidArg, std::string(usage) + " takes 6 arguments");
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw_js(env, ErrorCode::ArgType, std::string(usage) + ": logits must be a Float32Array");
  auto count = [&](int i, const char* name, double lo) {
    const double d = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : NAN;
    if (!(d >= lo && d <= 9007199254740991.0 && d == std::floor(d)))
      throw_js(env, ErrorCode::InvalidArg,
               std::string(usage) + ": " + name + " must be an integer >= " + std::to_string(int(lo)));
    return static_cast<int64_t>(d);
  };
  const int64_t k = count(1, "k", 1), r0 = count(2, "r0", 0), n = count(3, "n", 0), topk = count(5, "topk", 1);
  Napi::Float32Array a = info[0].As<Napi::Float32Array>();
  const int64_t len = static_cast<int64_t>(a.ElementLength());
  if (r0 > len / k || n > len / k - r0)
    throw_js(env, ErrorCode::InvalidArg,
             std::string(usage) + ": rows [" + std::to_string(r0) + ", " + std::to_string(r0 + n) + ") of " +
                 std::to_string(k) + " exceed the " + std::to_string(len) + " logits");
  bool ascii = true;
  Napi::Array arr;
  if (!info[4].IsNull()) {
    if (!info[4].IsArray() || info[4].As<Napi::Array>().Length() != static_cast<uint32_t>(k))
      throw_js(env, ErrorCode::ArgType, std::string(usage) + ": classJson must be null or an array of k strings");
    arr = info[4].As<Napi::Array>();
  }
  // only the top-k classes' names are read
  auto put_class = [&](std::string& out, int64_t i) {
    Napi::Value v = arr.Get(static_cast<uint32_t>(i));
    if (!v.IsString())
      throw_js(env, ErrorCode::ArgType, std::string(usage) + ": classJson[" + std::to_string(i) + "] must be a string");
    const std::string name = v.As<Napi::String>().Utf8Value();
    for (unsigned char ch : name) ascii = ascii && ch < 0x80;
    out += name;
  };
  // the rows, copied: a float view need not be 4-byte aligned in its buffer
  std::vector<float> rows(static_cast<size_t>(n * k));
  if (n) std::memcpy(rows.data(), typed_bytes(env, info[0]) + 4 * r0 * k, rows.size() * 4);
  std::string out;
  predictions_json(out, rows.data(), k, n, topk, info[4].IsNull() ? PutClass() : PutClass(put_class));
  napi_value s;
  const napi_status st = ascii ? napi_create_string_latin1(env, out.data(), out.size(), &s)
                               : napi_create_string_utf8(env, out.data(), out.size(), &s);
  if (st != napi_ok)
    throw_js(env, ErrorCode::OutOfMemory, "torchlet: predictionsJson: the answer is too large for a string");
  return Napi::Value(env, s);
}
// copyBytes(dst: TypedArray, at: number, src: TypedArray): src's bytes into dst's from byte `at`, by
// memcpy. For a destination over a SharedArrayBuffer (the server's pooled request bodies: lib/serve/
// bodies.ts), Buffer.prototype.copy / TypedArray.prototype.set copy with relaxed atomics, about 3x
// slower than this.
Napi::Value CopyBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsTypedArray() || !info[2].IsTypedArray())
    throw_js(env, ErrorCode::ArgType, "torchlet: copyBytes(dst, at, src) expects two typed arrays");
  const double at = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : NAN;
  const size_t dn = info[0].As<Napi::TypedArray>().ByteLength(), sn = info[2].As<Napi::TypedArray>().ByteLength();
  if (!(at >= 0 && at == std::floor(at) && at <= static_cast<double>(dn) && sn <= dn - static_cast<size_t>(at)))
    throw_js(env, ErrorCode::InvalidArg,
             "torchlet: copyBytes: at must be an integer with at + src.byteLength <= dst.byteLength (" +
                 std::to_string(dn) + ")");
  if (sn) std::memmove(typed_bytes(env, info[0]) + static_cast<size_t>(at), typed_bytes(env, info[2]), sn);
  return env.Undefined();
}
// storageStats() -> [cpuStorages, cpuBytes, cudaStorages, cudaBytes]: live storages in this environment
Napi::Value StorageStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const LiveCounters& c = *env.GetInstanceData<AddonData>()->live;
  Napi::Array a = Napi::Array::New(env, 4);
  for (uint32_t d = 0; d < 2; ++d) {
    a.Set(2 * d, double(c.count[d].load()));
    a.Set(2 * d + 1, double(c.bytes[d].load()));
  }
  return a;
}
Napi::Value HostCache(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].ToBoolean()) host_empty_cache();
  return Napi::Number::New(info.Env(), double(host_cached_bytes()));
}
Napi::Value HostSystemAllocs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(host_system_allocs()));
}
Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string why;
  int n = cuda_device_count(&why);
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiled", cuda_compiled());
  o.Set("deviceCount", n);
  o.Set("reason", why);
  o.Set("name", cuda_device_name());
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function storage = DefineStorage(env);
  auto* data = new AddonData();
  data->storage_ctor = Napi::Persistent(storage);
  env.SetInstanceData<AddonData>(data);  // freed by Node when this environment goes away
  exports.Set("Storage", storage);
  // every declared op, in camelCase
  for (const OpBase* op : op_registry()) {
    auto e = std::make_unique<OpExport>();
    e->op = op;
    e->js_name = camel_case(op->name);
    std::string names(op->tensors), sig;
    size_t pos = 0;
    while (pos < names.size()) {
      size_t end = names.find(',', pos);
      if (end == std::string::npos) end = names.size();
      std::string n = names.substr(pos, end - pos);
      n.erase(0, n.find_first_not_of(' '));
      n.erase(n.find_last_not_of(' ') + 1);
      const bool opt = !n.empty() && n.back() == '?';
      if (opt) n.pop_back();
      e->tensors.push_back(n);
      e->optional.push_back(opt);
      sig += (sig.empty() ? "" : ", ") + n + (opt ? "?" : "");
      pos = end + 1;
    }
    for (int k = 0; k < op->n_params; ++k) sig += (sig.empty() ? "" : ", ") + std::string(op->params[k]().name);
    e->signature = e->js_name + "(" + sig + ")";
    exports.Set(e->js_name, Napi::Function::New(env, CallOp, e->js_name, e.get()));
    data->ops.push_back(std::move(e));
  }
  exports.Set("enums", Enums(env, *data));
  Napi::Array codes = Napi::Array::New(env);
  uint32_t i = 0;
  for (const ErrorCodeInfo& c : kErrorCodes) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("code", c.code);
    o.Set("kind", c.kind == ErrorKind::Type ? "type" : c.kind == ErrorKind::Range ? "range" : "plain");
    codes.Set(i++, o);
  }
  exports.Set("errorCodes", codes);
#define EXPORT(name, fn) exports.Set(name, Napi::Function::New<guarded<fn>>(env, name))
  EXPORT("schema", Schema);
  exports.Set("callPacked", Napi::Function::New(env, CallPacked, "callPacked"));
  EXPORT("setErrorFactory", SetErrorFactory);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("threadNice", ThreadNice);
  EXPORT("firstNonFinite", FirstNonFinite);
  EXPORT("predictionsJson", PredictionsJson);
  EXPORT("copyBytes", CopyBytes);
  EXPORT("maxNumThreads", MaxNumThreads);
  EXPORT("cudaInfo", CudaInfo);
  EXPORT("hostCache", HostCache);
  EXPORT("storageStats", StorageStats);
  EXPORT("hostSystemAllocs", HostSystemAllocs);
  EXPORT("copyDevice", CopyDevice);
  EXPORT("cudaSynchronize", CudaSynchronize);
  EXPORT("cudaMemory", CudaMemory);
  EXPORT("cudaCurrentStream", CudaCurrentStream);
  EXPORT("cudaSetStream", CudaSetStream);
  EXPORT("cudaStreamNew", CudaStreamNew);
  EXPORT("cudaStreamRelease", CudaStreamRelease);
  EXPORT("cudaStreamSynchronize", CudaStreamSynchronize);
  EXPORT("cudaStreamQuery", CudaStreamQuery);
  EXPORT("cudaStreamWait", CudaStreamWait);
  EXPORT("cudaStreamWork", CudaStreamWork);
  EXPORT("cudaEmuHoldEvents", CudaEmuHoldEvents);
#undef EXPORT
  return exports;
}

NODE_API_MODULE(torchlet, Init)
