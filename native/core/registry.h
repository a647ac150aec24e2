// native/core/registry.h — kernels registered per (op, device).
// Each op has one OpTable<Fn> holding a function pointer per device. A missing entry is an
// explicit tl::Error(NotImplemented) naming the op and the device, never a crash.
// Kernels register themselves from their own translation unit with TL_REGISTER_KERNEL.
#pragma once
#include "tensor.h"

namespace tl {

template <typename Fn>
struct OpTable {
  const char* name;
  Fn impl[2];
  // constexpr: tables are constant-initialised, so registrations from other translation units
  // (dynamic initialisation) always find them ready.
  constexpr explicit OpTable(const char* n) : name(n), impl{nullptr, nullptr} {}
  Fn get(Device d) const {
    Fn f = impl[static_cast<int>(d)];
    if (!f)
      throw Error(ErrorCode::NotImplemented, std::string("torchlet: op '") + name +
                                                 "' is not implemented for device '" + device_name(d) + "'");
    return f;
  }
};

struct KernelRegistrar {
  template <typename Fn>
  KernelRegistrar(OpTable<Fn>& table, Device d, Fn f) { table.impl[static_cast<int>(d)] = f; }
};

#define TL_CAT_(a, b) a##b
#define TL_CAT(a, b) TL_CAT_(a, b)
#define TL_REGISTER_KERNEL(table, device, fn) \
  static ::tl::KernelRegistrar TL_CAT(tl_reg_, __LINE__)(::tl::table, ::tl::Device::device, fn)

// Lists every registered op: used by torchlet's `kernels()` report.
struct OpInfo { const char* name; bool cpu; bool cuda; };
std::vector<OpInfo> list_ops();

}  // namespace tl
