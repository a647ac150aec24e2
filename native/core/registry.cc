// native/core/registry.cc — the op registry, and the names used in messages and the schema.
#include <cctype>

#include "registry.h"

namespace tl {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
    case DType::U8: return "uint8";
    case DType::I32: return "int32";
  }
  return "unknown";
}
const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

std::string camel_case(const char* s) {
  std::string r;
  bool up = false;
  for (; *s; ++s) {
    if (*s == '_') {
      up = !r.empty();
      continue;
    }
    r += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(*s))) : *s;
    up = false;
  }
  return r;
}

std::vector<const OpBase*>& op_registry() {
  static std::vector<const OpBase*> ops;
  return ops;
}

void OpBase::not_implemented(Device d) const {
  throw Error(ErrorCode::NotImplemented, std::string("torchlet: op '") + camel_case(name) +
                                             "' is not implemented for device '" + device_name(d) + "'");
}

void OpBase::check(Device d, DType t) const {
  const int i = static_cast<int>(d);
  if (!has[i]) not_implemented(d);
  if (!(dtypes[i] & dtype_bit(t))) {
    std::string list;
    for (int k = 0; k <= static_cast<int>(DType::I32); ++k)
      if (dtypes[i] & (1u << k)) list += std::string(list.empty() ? "" : ", ") + dtype_name(static_cast<DType>(k));
    const std::string first(tensors, std::string(tensors).find_first_of(",?") == std::string::npos
                                         ? std::string(tensors).size()
                                         : std::string(tensors).find_first_of(",?"));
    throw Error(ErrorCode::DType, std::string("torchlet: op '") + camel_case(name) + "' on " + device_name(d) +
                                      " does not support dtype " + dtype_name(t) + " for '" + first +
                                      "' (supported: " + list + ")");
  }
}

}  // namespace tl
