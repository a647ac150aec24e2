// native/core/registry.h — one declaration per op, kernels registered per (op, device).
// An op is declared once, in its family's header under native/ops/, with
//
//   TL_OP(max_pool2d_forward, "input, out, indices", Pool2dParams)
//
// naming its tensor arguments in order (a trailing '?' marks one that may be absent, e.g. "bias?")
// and its parameter structs (declared with TL_PARAMS, see schema.h). That declaration defines the
// op's table `max_pool2d_forward_op`, whose kernel type is
//   void (*)(const TensorView& input, const TensorView& out, const TensorView& indices, const Pool2dParams&)
// and registers the op, so the addon exports it as `maxPool2dForward(input, out, indices, params)`,
// lists it in torch.kernels() and describes it in its schema — no other list names it. Kernels
// register themselves from their own translation unit, beside their definition:
//
//   TL_REGISTER_KERNEL(max_pool2d_forward_op, CPU, max_pool2d_forward_cpu, kFloatTypes);
//
// with the dtypes the kernel accepts for its first tensor argument. Calling an op on a device
// without a kernel, or with a dtype its kernel does not take, is a coded tl::Error naming both,
// never a crash. An op's header may also register a checker with the kernel's signature,
//
//   TL_OP_CHECK(max_pool2d_forward, check_max_pool2d_forward);
//
// which runs before the kernel on every device and throws when the tensors do not match the sizes
// and dtypes the kernels index with (helpers in core/check.h).
#pragma once
#include <tuple>
#include <utility>

#include "schema.h"
#include "tensor.h"

namespace tl {

// dtype masks
constexpr uint32_t dtype_bit(DType d) { return 1u << static_cast<int>(d); }
constexpr uint32_t kFloatTypes = dtype_bit(DType::F32) | dtype_bit(DType::F64);
constexpr uint32_t kAllTypes = kFloatTypes | dtype_bit(DType::I64) | dtype_bit(DType::U8) | dtype_bit(DType::I32);
constexpr int kNumDevices = 2;

// Number of comma-separated names in a tensor list ("" has none).
constexpr int count_names(const char* s) {
  int n = 1;
  bool any = false;
  for (; *s; ++s) {
    if (*s == ',')
      ++n;
    else if (*s != ' ')
      any = true;
  }
  return any ? n : 0;
}

struct OpBase;
using Invoker = void (*)(const OpBase& op, Device d, const TensorView* tensors, ParamSource* const* params);
using ParamsInfoFn = const ParamsInfo& (*)();

// What every op table holds apart from its typed kernels (constant-initialised: registrations from
// other translation units always find it ready).
struct OpBase {
  const char* name;     // snake_case; exported to JS in camelCase
  const char* tensors;  // "input, weight, bias?, out"
  int n_tensors;
  int n_params;
  const ParamsInfoFn* params;  // n_params describers
  Invoker invoke;
  bool has[kNumDevices];
  uint32_t dtypes[kNumDevices];  // accepted dtypes of the first tensor argument, per device

  [[noreturn]] void not_implemented(Device d) const;
  // Throws unless a kernel for d exists and takes dtype t for the first tensor argument.
  void check(Device d, DType t) const;
};

template <size_t, class T>
using Repeat_ = T;
template <class Seq, class... P>
struct KernelFnOf_;
template <size_t... I, class... P>
struct KernelFnOf_<std::index_sequence<I...>, P...> {
  using type = void (*)(Repeat_<I, const TensorView&>..., const P&...);
};
template <int N, class... P>
using KernelFn = typename KernelFnOf_<std::make_index_sequence<N>, P...>::type;

template <int N, class... P>
struct OpTable : OpBase {
  using Fn = KernelFn<N, P...>;
  static constexpr ParamsInfoFn kParams[sizeof...(P) + 1] = {&P::info..., nullptr};
  Fn impl[kNumDevices];
  Fn checker;  // TL_OP_CHECK: run before the kernel of any device (nullptr: none)

  constexpr OpTable(const char* n, const char* t)
      : OpBase{n, t, N, int(sizeof...(P)), kParams, &invoke_, {false, false}, {0, 0}},
        impl{nullptr, nullptr},
        checker(nullptr) {}

  Fn get(Device d) const {
    Fn f = impl[static_cast<int>(d)];
    if (!f) not_implemented(d);
    return f;
  }

 private:
  template <size_t... I, size_t... J>
  static void call_(Fn check, Fn f, const TensorView* t, ParamSource* const* src, std::index_sequence<I...>,
                    std::index_sequence<J...>) {
    const std::tuple<P...> ps{P::read(*src[J])...};  // braced: read in declaration order
    if (check) check(t[I]..., std::get<J>(ps)...);
    f(t[I]..., std::get<J>(ps)...);
  }
  static void invoke_(const OpBase& op, Device d, const TensorView* t, ParamSource* const* src) {
    const auto& self = static_cast<const OpTable&>(op);
    call_(self.checker, self.get(d), t, src, std::make_index_sequence<N>{}, std::index_sequence_for<P...>{});
  }
};

// Every declared op, in declaration order (the N-API layer exports them all).
std::vector<const OpBase*>& op_registry();
struct OpRegistrar {
  explicit OpRegistrar(const OpBase& op) { op_registry().push_back(&op); }
};

struct KernelRegistrar {
  template <int N, class... P>
  KernelRegistrar(OpTable<N, P...>& table, Device d, typename OpTable<N, P...>::Fn f, uint32_t dtypes) {
    table.impl[static_cast<int>(d)] = f;
    table.has[static_cast<int>(d)] = true;
    table.dtypes[static_cast<int>(d)] = dtypes;
  }
};

struct CheckRegistrar {
  template <int N, class... P>
  CheckRegistrar(OpTable<N, P...>& table, typename OpTable<N, P...>::Fn f) {
    table.checker = f;
  }
};

#define TL_CAT_(a, b) a##b
#define TL_CAT(a, b) TL_CAT_(a, b)

#define TL_OP(op, tensor_names, ...)                                                               \
  inline ::tl::OpTable<::tl::count_names(tensor_names), ##__VA_ARGS__> op##_op{#op, tensor_names}; \
  inline const ::tl::OpRegistrar op##_op_registrar_{op##_op};

#define TL_OP_CHECK(op, fn) inline const ::tl::CheckRegistrar op##_check_registrar_{op##_op, fn};

#define TL_REGISTER_KERNEL(table, device, fn, dtypes) \
  static const ::tl::KernelRegistrar TL_CAT(tl_kernel_reg_, __LINE__)(::tl::table, ::tl::Device::device, fn, dtypes)

}  // namespace tl
