// native/core/schema.h — declaring an op's parameters once.
// A parameter struct is declared with TL_PARAMS from an X-macro list of its fields:
//
//   #define TL_POOL_FIELDS(X) X(int64_t, N, 0, kMaxSize) X(bool, ceil_mode, 0, 1) ...
//   TL_PARAMS(Pool2dParams, TL_POOL_FIELDS)
//
// which gives the plain struct the kernels take (an aggregate: `Pool2dParams{...}` still works), its
// description (ParamsInfo: the fields' camelCase JS names, kinds and ranges; exported by the addon as
// its schema, from which binding.d.ts is generated) and its reader (`Pool2dParams::read(src)`: every
// field by name from a ParamSource, each checked for kind and range). Enums crossing the boundary are
// declared with TL_ENUM, which gives the enum class and its value names (exported to JS, so no code
// is copied by hand).
// Field kinds follow the member's C++ type: int64_t (an integer in [lo, hi]), double (a number in
// [lo, hi]), bool, an enum declared with TL_ENUM, std::vector<int64_t> (an integer array) and Dims3
// (an array of exactly three integers, each in [lo, hi]).
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace tl {

constexpr double kMaxSize = 9007199254740991.0;  // 2^53 - 1: any size or count JS can hold exactly
constexpr double kAnyNumber = std::numeric_limits<double>::infinity();

using Dims3 = std::array<int64_t, 3>;

enum class FieldKind : int32_t { Int, Number, Bool, Enum, Ints, Dims3 };

struct EnumInfo {
  const char* name;
  std::vector<const char*> values;
};

struct FieldInfo {
  std::string name;  // camelCase, as JS passes it
  FieldKind kind;
  double lo, hi;       // range of the value (of each element for Ints and Dims3)
  const EnumInfo* en;  // for Enum
};

struct ParamsInfo {
  const char* name;
  std::vector<FieldInfo> fields;
};

// snake_case -> camelCase (count_include_pad -> countIncludePad; names without '_' unchanged).
std::string camel_case(const char* snake);

// Where a parameter struct's values come from: native/napi/binding.cc implements it over one JS
// object, checking that every field is present with the right kind and range and that no other
// key is there; every failure throws tl::Error naming the op, the struct and the field.
class ParamSource {
 public:
  virtual ~ParamSource() = default;
  virtual int64_t get_int(const FieldInfo& f) = 0;
  virtual double get_number(const FieldInfo& f) = 0;
  virtual bool get_bool(const FieldInfo& f) = 0;
  virtual std::vector<int64_t> get_ints(const FieldInfo& f, int exact_length) = 0;  // -1: any length
  // Called after the last field: rejects keys the struct does not declare.
  virtual void finish(const ParamsInfo& p) = 0;
};

// ---- field descriptions and readers, chosen by the member's type ----------------------------
template <typename T, typename = void>
struct FieldTraits;
template <>
struct FieldTraits<int64_t> {
  static constexpr FieldKind kind = FieldKind::Int;
  static const EnumInfo* en() { return nullptr; }
  static int64_t read(ParamSource& s, const FieldInfo& f) { return s.get_int(f); }
};
template <>
struct FieldTraits<double> {
  static constexpr FieldKind kind = FieldKind::Number;
  static const EnumInfo* en() { return nullptr; }
  static double read(ParamSource& s, const FieldInfo& f) { return s.get_number(f); }
};
template <>
struct FieldTraits<bool> {
  static constexpr FieldKind kind = FieldKind::Bool;
  static const EnumInfo* en() { return nullptr; }
  static bool read(ParamSource& s, const FieldInfo& f) { return s.get_bool(f); }
};
template <>
struct FieldTraits<std::vector<int64_t>> {
  static constexpr FieldKind kind = FieldKind::Ints;
  static const EnumInfo* en() { return nullptr; }
  static std::vector<int64_t> read(ParamSource& s, const FieldInfo& f) { return s.get_ints(f, -1); }
};
template <>
struct FieldTraits<Dims3> {
  static constexpr FieldKind kind = FieldKind::Dims3;
  static const EnumInfo* en() { return nullptr; }
  static Dims3 read(ParamSource& s, const FieldInfo& f) {
    const std::vector<int64_t> v = s.get_ints(f, 3);
    return Dims3{v[0], v[1], v[2]};
  }
};
template <typename E>
struct FieldTraits<E, std::enable_if_t<std::is_enum<E>::value>> {
  static constexpr FieldKind kind = FieldKind::Enum;
  static const EnumInfo* en() { return &enum_info(E{}); }  // found by ADL: declared by TL_ENUM
  static E read(ParamSource& s, const FieldInfo& f) { return static_cast<E>(s.get_int(f)); }
};

template <typename T>
FieldInfo field_info(const char* name, double lo, double hi) {
  const EnumInfo* en = FieldTraits<T>::en();
  if (en) lo = 0, hi = static_cast<double>(en->values.size()) - 1;
  if (FieldTraits<T>::kind == FieldKind::Bool) lo = 0, hi = 1;
  return FieldInfo{camel_case(name), FieldTraits<T>::kind, lo, hi, en};
}

// ---- the declaration macros -------------------------------------------------------------------
#define TL_PARAM_MEMBER_(type, name, lo, hi) type name;
#define TL_PARAM_INFO_(type, name, lo, hi) ::tl::field_info<type>(#name, lo, hi),
#define TL_PARAM_READ_(type, name, lo, hi) p.name = ::tl::FieldTraits<type>::read(src, f[i++]);

#define TL_PARAMS(Name, FIELDS)                                         \
  struct Name {                                                         \
    FIELDS(TL_PARAM_MEMBER_)                                            \
    static const ::tl::ParamsInfo& info() {                             \
      static const ::tl::ParamsInfo i{#Name, {FIELDS(TL_PARAM_INFO_)}}; \
      return i;                                                         \
    }                                                                   \
    static Name read(::tl::ParamSource& src) {                          \
      Name p{};                                                         \
      const auto& f = info().fields;                                    \
      size_t i = 0;                                                     \
      FIELDS(TL_PARAM_READ_)                                            \
      src.finish(info());                                               \
      return p;                                                         \
    }                                                                   \
  };

#define TL_ENUM_MEMBER_(n) n,
#define TL_ENUM_NAME_(n) #n,
#define TL_ENUM(Name, VALUES)                                      \
  enum class Name : int32_t { VALUES(TL_ENUM_MEMBER_) };           \
  inline const ::tl::EnumInfo& enum_info(Name) {                   \
    static const ::tl::EnumInfo i{#Name, {VALUES(TL_ENUM_NAME_)}}; \
    return i;                                                      \
  }

}  // namespace tl
