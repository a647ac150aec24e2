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

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <set>

#include "core/allocator.h"
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

struct AddonData {
  Napi::FunctionReference storage_ctor;
  Napi::FunctionReference error_factory;
  std::vector<std::unique_ptr<OpExport>> ops;
};

[[noreturn]] void throw_js(Napi::Env env, ErrorCode code, const std::string& msg) {
  const ErrorCodeInfo& ci = error_info(code);
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data && !data->error_factory.IsEmpty()) {
    Napi::Value e = data->error_factory.Call({Napi::String::New(env, ci.code), Napi::String::New(env, msg)});
    if (e.IsObject()) throw Napi::Error(env, e);
  }
  Napi::Error e = ci.kind == ErrorKind::Type    ? Napi::TypeError::New(env, msg)
                  : ci.kind == ErrorKind::Range ? Napi::RangeError::New(env, msg)
                                                : Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, ci.code));
  throw e;
}

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
class Storage : public Napi::ObjectWrap<Storage> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(
        env, "Storage",
        {InstanceMethod<&Storage::Free>("free"), InstanceMethod<&Storage::Read>("read"),
         InstanceMethod<&Storage::Write>("write"), InstanceAccessor<&Storage::Nbytes>("nbytes"),
         InstanceAccessor<&Storage::Disposed>("disposed"), InstanceAccessor<&Storage::DeviceCode>("device")});
  }
  // new Storage(dtype, numel, device, zero)
  explicit Storage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Storage>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
      throw_js(env, ErrorCode::ArgType, "torchlet: Storage(dtype, numel, device, zero) expects numbers");
    const int32_t dt = info[0].As<Napi::Number>().Int32Value(), dev = info[2].As<Napi::Number>().Int32Value();
    if (dt < 0 || dt > 4) throw_js(env, ErrorCode::ArgType, "torchlet: internal: invalid dtype code");
    if (dev != 0 && dev != 1) throw_js(env, ErrorCode::ArgType, "torchlet: internal: invalid device code");
    dtype_ = static_cast<DType>(dt);
    device_ = static_cast<Device>(dev);
    double n = info[1].As<Napi::Number>().DoubleValue();
    if (!(n >= 0) || n > 9.0e15) throw_js(env, ErrorCode::ArgType, "torchlet: invalid element count");
    bytes_ = static_cast<size_t>(n) * dtype_size(dtype_);
    const bool zero = info[3].ToBoolean();
    if (device_ == Device::CUDA) {
      std::string why;
      if (cuda_device_count(&why) == 0) throw_js(env, ErrorCode::NoCuda, "torchlet: CUDA is not available: " + why);
      // The constructor is not wrapped by guarded(): turn tl::Error into a JS error here.
      try {
        data_ = cuda_storage_alloc(bytes_);
        if (zero) cuda_zero(data_, bytes_);
      } catch (const Error& e) {
        if (data_) cuda_storage_free(data_, bytes_);
        data_ = nullptr;
        throw_js(env, e.code, e.what());
      }
    } else {
      data_ = host_alloc(bytes_);
      if (!data_)
        throw_js(env, ErrorCode::OutOfMemory,
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
  Napi::Value DeviceCode(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<int>(device_));
  }
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
      throw_js(env, e.code, e.what());
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
      throw_js(env, e.code, e.what());
    }
  }
  // read(offsetElems, count) -> ArrayBuffer copy
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!data_) throw_js(env, ErrorCode::Disposed, "torchlet: tensor was disposed");
    size_t es = dtype_size(dtype_);
    size_t off = static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue());
    size_t cnt = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue());
    if ((off + cnt) * es > bytes_) throw_js(env, ErrorCode::InvalidArg, "torchlet: read out of bounds");
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, cnt * es);
    if (cnt) CopyOut(env, ab.Data(), off * es, cnt * es);
    return ab;
  }
  // write(typedArray, offsetElems)
  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!data_) throw_js(env, ErrorCode::Disposed, "torchlet: tensor was disposed");
    if (!info[0].IsTypedArray()) throw_js(env, ErrorCode::ArgType, "torchlet: write expects a typed array");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    size_t off = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue()) * dtype_size(dtype_);
    size_t n = ta.ByteLength();
    if (off + n > bytes_) throw_js(env, ErrorCode::InvalidArg, "torchlet: write out of bounds");
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
  AddonData* data = v.Env().GetInstanceData<AddonData>();
  if (a.Length() != 3 || !sv.IsObject() || !sv.As<Napi::Object>().InstanceOf(data->storage_ctor.Value()) ||
      !ov.IsNumber() || !shv.IsArray())
    fail(ErrorCode::ArgType, "expects [storage, offset, shape]");
  Storage* s = Storage::Unwrap(sv.As<Napi::Object>());
  if (!s->data()) fail(ErrorCode::Disposed, "was given a tensor that was already disposed");
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
// between storages of the same dtype on any two devices (H2D, D2H, D2D on the device's stream;
// D2H synchronises; H2D and D2D are asynchronous).
Napi::Value CopyDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsObject() || !info[2].IsObject())
    throw_js(env, ErrorCode::ArgType, "torchlet: internal: copyDevice(src, srcOffset, dst, dstOffset, count)");
  Storage* src = Storage::Unwrap(info[0].As<Napi::Object>());
  Storage* dst = Storage::Unwrap(info[2].As<Napi::Object>());
  if (!src->data() || !dst->data())
    throw_js(env, ErrorCode::Disposed, "torchlet: a tensor passed to a copy was already disposed");
  if (src->dtype() != dst->dtype())
    throw_js(env, ErrorCode::InvalidArg, "torchlet: internal: copyDevice needs equal dtypes");
  const size_t es = dtype_size(src->dtype());
  const double so = info[1].As<Napi::Number>().DoubleValue(), dof = info[3].As<Napi::Number>().DoubleValue(),
               cnt = info[4].As<Napi::Number>().DoubleValue();
  if (!(so >= 0) || !(dof >= 0) || !(cnt >= 0))
    throw_js(env, ErrorCode::InvalidArg, "torchlet: internal: copyDevice: negative offset or count");
  const size_t sb = static_cast<size_t>(so) * es, db = static_cast<size_t>(dof) * es, n = static_cast<size_t>(cnt) * es;
  if (sb + n > src->bytes() || db + n > dst->bytes())
    throw_js(env, ErrorCode::InvalidArg, "torchlet: internal: copyDevice out of bounds");
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
  Napi::Env env = info.Env();
  std::string why;
  if (cuda_device_count(&why) == 0) throw_js(env, ErrorCode::NoCuda, "torchlet: CUDA is not available: " + why);
  cuda_synchronize();
  return env.Undefined();
}
// cudaMemory(emptyCache?) -> { allocated, requested, cached, peak, mallocs, frees, oomRetries }
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
  return o;
}
Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsNumber())
    throw_js(info.Env(), ErrorCode::ArgType, "torchlet: setNumThreads(n) expects a number");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1024) || n != std::floor(n))
    throw_js(info.Env(), ErrorCode::InvalidArg,
             "torchlet: Expected an integer in [1, 1024] for numThreads but received " + std::to_string(n));
  omp_set_num_threads(static_cast<int>(n));
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
  Napi::Function storage = Storage::Init(env);
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
  EXPORT("setErrorFactory", SetErrorFactory);
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
