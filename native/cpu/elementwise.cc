// native/cpu/elementwise.cc — CPU kernels: strided copy/cast, fill, arange, broadcasting binary ops,
// unary ops and their backward. Contiguous fast paths; general N-d strided iteration otherwise.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include "core/dispatch.h"
#include "ops/elementwise.h"
#include "core/parallel.h"
#include "fast_math.h"

namespace tl {
namespace {

// Calls f(out_index, a_offset, b_offset) for every element of shape, in row-major order,
// splitting the outermost work across threads.
template <typename F>
void for_each_strided(const std::vector<int64_t>& shape, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb,
                      F&& f) {
  const int nd = static_cast<int>(shape.size());
  int64_t total = 1;
  for (auto s : shape) total *= s;
  if (total == 0) return;
  if (nd == 0) {
    f(0, 0, 0);
    return;
  }
  const int64_t inner = shape[nd - 1];
  const int64_t rows = total / inner;
  const int64_t ia = sa[nd - 1], ib = sb[nd - 1];
  TL_PAR_FOR(
      total > kParallelGrain, for (int64_t r = 0; r < rows; ++r) {
        // decompose r over dims [0, nd-1)
        int64_t rem = r, oa = 0, ob = 0;
        for (int d = nd - 2; d >= 0; --d) {
          int64_t idx = rem % shape[d];
          rem /= shape[d];
          oa += idx * sa[d];
          ob += idx * sb[d];
        }
        int64_t o = r * inner;
        for (int64_t j = 0; j < inner; ++j) f(o + j, oa + j * ia, ob + j * ib);
      });
}

// Drops size-1 dims and merges neighbours that are contiguous with each other in both stride sets, so
// that e.g. a copy into a channel slice of a concatenation ([N, C, H, W] into [N, Ctot, H, W]) becomes N
// rows of C*H*W contiguous elements.
void coalesce(std::vector<int64_t>& shape, std::vector<int64_t>& sa, std::vector<int64_t>& sb) {
  std::vector<int64_t> sh, a, b;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sh.empty() && a.back() == sa[d] * shape[d] && b.back() == sb[d] * shape[d]) {
      sh.back() *= shape[d];
      a.back() = sa[d];
      b.back() = sb[d];
      continue;
    }
    sh.push_back(shape[d]);
    a.push_back(sa[d]);
    b.push_back(sb[d]);
  }
  shape.swap(sh);
  sa.swap(a);
  sb.swap(b);
}

template <typename S, typename D>
void copy_typed(const TensorView& src, const std::vector<int64_t>& strides, const TensorView& out,
                const std::vector<int64_t>& out_strides) {
  const S* s = src.ptr<S>();
  D* o = out.ptr<D>();
  std::vector<int64_t> shape = out.shape, sa = strides, sb = out_strides;
  if (sb.empty()) {  // a contiguous output
    sb.resize(shape.size());
    int64_t expect = 1;
    for (int d = int(shape.size()) - 1; d >= 0; --d) sb[d] = expect, expect *= shape[d];
  }
  const int64_t n = out.numel();
  if (n == 0) return;
  coalesce(shape, sa, sb);
  if (shape.empty()) {  // one element
    o[0] = static_cast<D>(s[0]);
    return;
  }
  const int nd = int(shape.size());
  if (nd == 1 && sa[0] == 1 && sb[0] == 1) {
    if (std::is_same<S, D>::value) {
      std::memcpy(o, s, n * sizeof(D));
      return;
    }
    TL_PAR_FOR(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = static_cast<D>(s[i]););
    return;
  }
  if (sa[nd - 1] == 1 && sb[nd - 1] == 1) {  // rows contiguous on both sides: row copies
    const int64_t inner = shape[nd - 1], rows = n / inner;
    TL_PAR_FOR(
        n > kParallelGrain, for (int64_t r = 0; r < rows; ++r) {
          int64_t rem = r, oa = 0, ob = 0;
          for (int d = nd - 2; d >= 0; --d) {
            const int64_t idx = rem % shape[d];
            rem /= shape[d];
            oa += idx * sa[d];
            ob += idx * sb[d];
          }
          if (std::is_same<S, D>::value)
            std::memcpy(o + ob, s + oa, inner * sizeof(D));
          else
            for (int64_t j = 0; j < inner; ++j) o[ob + j] = static_cast<D>(s[oa + j]);
        });
    return;
  }
  if (sb[nd - 1] == 1) {
    // a transposing copy: the source's unit-stride dim t is another than the output's last; copied in
    // 32 x 32 tiles of (t, last) (element by element down the source's columns: 2.9x PyTorch's time
    // for a [256, 4096] transpose)
    int t = -1;
    for (int d = 0; d < nd - 1; ++d)
      if (sa[d] == 1) t = d;
    if (t >= 0) {
      constexpr int64_t kTile = 32;
      const int64_t R = shape[t], C = shape[nd - 1], rt = (R + kTile - 1) / kTile, ct = (C + kTile - 1) / kTile;
      const int64_t outer = n / (R * C), items = outer * rt * ct;
      const int64_t sc = sa[nd - 1], orow = sb[t];
      TL_PAR_FOR(
          n > kParallelGrain, for (int64_t it = 0; it < items; ++it) {
            const int64_t tj = it % ct, ti = it / ct % rt, q = it / (ct * rt);
            int64_t rem = q, oa = 0, ob = 0;  // q over the dims other than t and the last
            for (int d = nd - 2; d >= 0; --d) {
              if (d == t) continue;
              const int64_t idx = rem % shape[d];
              rem /= shape[d];
              oa += idx * sa[d];
              ob += idx * sb[d];
            }
            const int64_t i0 = ti * kTile, i1 = std::min(R, i0 + kTile), j0 = tj * kTile, j1 = std::min(C, j0 + kTile);
            // through a tile buffer: the source read along its contiguous dim, the output along its
            // rows (reading the source down a column directly thrashed one L1 set when sc is a
            // multiple of 4 KiB: every row of the tile mapped to the same set)
            S buf[kTile][kTile];
            for (int64_t j = j0; j < j1; ++j) {
              const S* sj = s + oa + j * sc;
              for (int64_t i = i0; i < i1; ++i) buf[j - j0][i - i0] = sj[i];
            }
            for (int64_t i = i0; i < i1; ++i) {
              D* oi = o + ob + i * orow;
              for (int64_t j = j0; j < j1; ++j) oi[j] = static_cast<D>(buf[j - j0][i - i0]);
            }
          });
      return;
    }
  }
  for_each_strided(shape, sa, sb, [&](int64_t, int64_t ia, int64_t ib) { o[ib] = static_cast<D>(s[ia]); });
}

void copy_strided_cpu(const TensorView& src, const TensorView& out_arg, const CopyStridedParams& p) {
  const std::vector<int64_t>&strides = p.src_strides, &out_strides = p.out_strides;
  TensorView out = out_arg;
  out.shape = p.shape;
  dispatch_all("copy", src.dtype, [&](auto s) {
    using S = decltype(s);
    dispatch_all("copy", out.dtype, [&](auto d) { copy_typed<S, decltype(d)>(src, strides, out, out_strides); });
  });
}
TL_REGISTER_KERNEL(copy_strided_op, CPU, copy_strided_cpu, kAllTypes);

void fill_cpu(const TensorView& out, const FillParams& p) {
  const double value = p.value;
  dispatch_all("fill", out.dtype, [&](auto z) {
    using T = decltype(z);
    T* o = out.ptr<T>();
    T v = static_cast<T>(value);
    int64_t n = out.numel();
    TL_PAR_FOR(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = v;);
  });
}

TL_REGISTER_KERNEL(fill_op, CPU, fill_cpu, kAllTypes);

// start + i * step with the product rounded before the sum (no fused multiply-add, whatever
// -ffp-contract says): the values JavaScript's start + i * step gives, on both devices.
template <typename T>
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void arange_typed(T* o, int64_t n, double start, double step) {
  TL_PAR_FOR(
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {
        const double prod = static_cast<double>(i) * step;
        o[i] = static_cast<T>(start + prod);
      });
}
void arange_cpu(const TensorView& out, const ArangeParams& p) {
  dispatch_all("arange", out.dtype, [&](auto z) {
    using T = decltype(z);
    arange_typed<T>(out.ptr<T>(), out.numel(), p.start, p.step);
  });
}
TL_REGISTER_KERNEL(arange_op, CPU, arange_cpu, kAllTypes);

// Python's % (the divisor's sign) and C's fmod / % (the dividend's sign); integer divisor 0 and
// INT_MIN % -1 give 0 instead of trapping (the TS layer refuses a zero integer divisor first).
template <typename T>
inline T fmod_op(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    return std::fmod(a, b);
  } else {
    if (b == T(0)) return T(0);
    if constexpr (std::is_signed<T>::value)
      if (b == T(-1)) return T(0);
    return T(a % b);
  }
}
template <typename T>
inline T remainder_op(T a, T b) {
  T m = fmod_op(a, b);
  if constexpr (std::is_signed<T>::value || std::is_floating_point<T>::value)
    if (m != T(0) && ((b < T(0)) != (m < T(0)))) m += b;
  return m;
}
template <typename T>
inline T apply_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow:
      if constexpr (std::is_floating_point<T>::value)
        return static_cast<T>(std::pow(a, b));
      else
        return ew::powi(a, b);
    case BinaryOp::Maximum: return (a != a || a > b) ? a : b;  // NaN propagates, as torch.maximum
    case BinaryOp::Minimum: return (a != a || a < b) ? a : b;
    case BinaryOp::AddRelu: return a + b <= T(0) ? T(0) : a + b;  // NaN kept, as relu does
    case BinaryOp::Atan2: return static_cast<T>(std::atan2(a, b));
    case BinaryOp::Remainder: return remainder_op(a, b);
    case BinaryOp::Fmod: return fmod_op(a, b);
    case BinaryOp::DivTrunc: return ew::div_trunc(a, b);
    case BinaryOp::DivFloor: return ew::div_floor(a, b);
    default: break;
  }
  if constexpr (!std::is_floating_point<T>::value) {
    switch (op) {
      case BinaryOp::BitwiseAnd: return T(a & b);
      case BinaryOp::BitwiseOr: return T(a | b);
      case BinaryOp::BitwiseXor: return T(a ^ b);
      default: break;
    }
  }
  return T(0);
}
template <typename T>
inline uint8_t apply_compare(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    case BinaryOp::Ge: return a >= b;
    case BinaryOp::LogicalAnd: return (a != T(0)) && (b != T(0));
    case BinaryOp::LogicalOr: return (a != T(0)) || (b != T(0));
    case BinaryOp::LogicalXor: return (a != T(0)) != (b != T(0));
    default: return 0;
  }
}

template <typename T, typename F>
void binary_loop(const TensorView& a, const std::vector<int64_t>& sa, const TensorView& b,
                 const std::vector<int64_t>& sb, const TensorView& out, F&& f) {
  const T* pa = a.ptr<T>();
  const T* pb = b.ptr<T>();
  const int64_t n = out.numel();
  // fast paths: both contiguous with out's shape, or b a scalar
  bool ca = true, cb = true, sb0 = true;
  int64_t expect = 1;
  for (int d = int(out.shape.size()) - 1; d >= 0; --d) {
    if (out.shape[d] != 1) {
      if (sa[d] != expect) ca = false;
      if (sb[d] != expect) cb = false;
      if (sb[d] != 0) sb0 = false;
    }
    expect *= out.shape[d];
  }
  if (ca && cb) {
    TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) f(i, pa[i], pb[i]););
    return;
  }
  if (ca && sb0) {
    const T bv = pb[0];
    TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) f(i, pa[i], bv););
    return;
  }
  for_each_strided(out.shape, sa, sb, [&](int64_t i, int64_t ia, int64_t ib) { f(i, pa[ia], pb[ib]); });
}

void binary_cpu(const TensorView& a, const TensorView& b, const TensorView& out, const BinaryParams& p) {
  const BinaryOp op = p.op;
  const std::vector<int64_t>&sa = p.input_strides, &sb = p.other_strides;
  const bool cmp = binary_is_predicate(op);
  dispatch_all("binary", a.dtype, [&](auto z) {
    using T = decltype(z);
    if (cmp) {
      uint8_t* o = out.ptr<uint8_t>();
      binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) { o[i] = apply_compare(op, x, y); });
    } else {
      T* o = out.ptr<T>();
      switch (op) {  // hoist the common ops out of the loop so they vectorise
        case BinaryOp::Add: binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) { o[i] = x + y; }); break;
        case BinaryOp::Sub: binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) { o[i] = x - y; }); break;
        case BinaryOp::Mul: binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) { o[i] = x * y; }); break;
        case BinaryOp::Div: binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) { o[i] = x / y; }); break;
        case BinaryOp::AddRelu:
          binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) {
            const T v = x + y;
            o[i] = v <= T(0) ? T(0) : v;
          });
          break;
        default: binary_loop<T>(a, sa, b, sb, out, [&](int64_t i, T x, T y) { o[i] = apply_binary(op, x, y); });
      }
    }
  });
}

TL_REGISTER_KERNEL(binary_op, CPU, binary_cpu, kAllTypes);

// tanh_fast, exp_fast, sigmoid_fast: fast_math.h (vectorisable float32 forms).

// erfinv as PyTorch's calc_erfinv: a rational approximation (central or tail), then two Newton steps.
template <typename T>
inline T erfinv_impl(T y) {
  const T a[4] = {T(0.886226899), T(-1.645349621), T(0.914624893), T(-0.140543331)};
  const T b[4] = {T(-2.118377725), T(1.442710462), T(-0.329097515), T(0.012229801)};
  const T c[4] = {T(-1.970840454), T(-1.624906493), T(3.429567803), T(1.641345311)};
  const T d[2] = {T(3.543889200), T(1.637067800)};
  const T ya = y < T(0) ? -y : y;
  if (!(ya <= T(1))) return std::numeric_limits<T>::quiet_NaN();  // |y| > 1 or NaN
  if (ya == T(1)) return std::copysign(std::numeric_limits<T>::infinity(), y);
  T x;
  if (ya <= T(0.7)) {
    const T z = y * y;
    const T num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0];
    const T dem = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + T(1);
    x = y * num / dem;
  } else {
    const T z = std::sqrt(-std::log((T(1) - ya) / T(2)));
    const T num = ((c[3] * z + c[2]) * z + c[1]) * z + c[0];
    const T dem = (d[1] * z + d[0]) * z + T(1);
    x = std::copysign(num, y) / dem;
  }
  const T k = T(1.1283791670955126);  // 2 / sqrt(pi)
  x = x - (std::erf(x) - y) / (k * std::exp(-x * x));
  x = x - (std::erf(x) - y) / (k * std::exp(-x * x));
  return x;
}
template <typename T>
inline T round_decimals(T x, T s) {
  if (s == T(0)) return std::nearbyint(x);
  if (s > T(0)) {
    const T ten = static_cast<T>(std::pow(10.0, double(s)));
    return std::nearbyint(x * ten) / ten;
  }
  const T ten = static_cast<T>(std::pow(10.0, -double(s)));
  return std::nearbyint(x / ten) * ten;
}

// Compiled for AVX-512, AVX2 and the baseline (chosen at load time): the math loops vectorise wider.
// Integer T takes only the ops of unary_int_ok (the caller checks), the float-only ones compile to 0.
template <typename T>
TL_TARGET_CLONES void unary_typed(UnaryOp op, const T* a, T s, T* o, int64_t n) {
#define TL_LOOP(expr)                                       \
  TL_PAR_FOR_SIMD(                                          \
      n > kParallelGrain, for (int64_t i = 0; i < n; ++i) { \
        T x = a[i];                                         \
        o[i] = (expr);                                      \
      });                                                   \
  return;
  constexpr bool fp = std::is_floating_point<T>::value;
  switch (op) {
    case UnaryOp::Neg: TL_LOOP(T(-x))
    case UnaryOp::Abs: TL_LOOP(x < T(0) ? T(-x) : x)
    case UnaryOp::Relu: TL_LOOP(x <= T(0) ? T(0) : x)  // NaN passes, as in PyTorch
    case UnaryOp::AddScalar: TL_LOOP(T(x + s))
    case UnaryOp::MulScalar: TL_LOOP(T(x * s))
    case UnaryOp::RsubScalar: TL_LOOP(T(s - x))
    case UnaryOp::Sign: TL_LOOP(T(int(T(0) < x) - int(x < T(0))))
    case UnaryOp::ClampMin: TL_LOOP(x < s ? s : x)  // NaN in x kept
    case UnaryOp::ClampMax: TL_LOOP(x > s ? s : x)
    default: break;
  }
  if constexpr (!fp) {
    if (op == UnaryOp::BitwiseNot) {
      if constexpr (std::is_same<T, uint8_t>::value) {
        TL_LOOP(T(~x))
      } else {
        TL_LOOP(~x)
      }
    }
    TL_PAR_FOR(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = T(0););
    return;
  } else {
    switch (op) {
      case UnaryOp::Exp: TL_LOOP(exp_fast(x))
      case UnaryOp::Log: TL_LOOP(std::log(x))
      case UnaryOp::Sqrt: TL_LOOP(std::sqrt(x))
      case UnaryOp::Sigmoid: TL_LOOP(sigmoid_fast(x))
      case UnaryOp::Tanh: TL_LOOP(tanh_fast(x))
      case UnaryOp::PowScalar:  // one loop per formula (ew::pow_kind), each vectorised
        switch (ew::pow_kind(s)) {
#define TL_POW(K) \
  case ew::PowKind::K: TL_LOOP(ew::pow_by<ew::PowKind::K>(x, s))
          TL_POW(One)
          TL_POW(Copy)
          TL_POW(Square) TL_POW(Cube) TL_POW(Recip) TL_POW(RecipSquare) TL_POW(Sqrt) TL_POW(Rsqrt) TL_POW(General)
#undef TL_POW
        }
        break;
      case UnaryOp::RdivScalar: TL_LOOP(s / x)
      case UnaryOp::Floor: TL_LOOP(std::floor(x))
      case UnaryOp::Ceil: TL_LOOP(std::ceil(x))
      case UnaryOp::Round: TL_LOOP(round_decimals(x, s))
      case UnaryOp::Trunc: TL_LOOP(std::trunc(x))
      case UnaryOp::Sin: TL_LOOP(std::sin(x))
      case UnaryOp::Cos: TL_LOOP(std::cos(x))
      case UnaryOp::Tan: TL_LOOP(std::tan(x))
      case UnaryOp::Asin: TL_LOOP(std::asin(x))
      case UnaryOp::Acos: TL_LOOP(std::acos(x))
      case UnaryOp::Atan: TL_LOOP(std::atan(x))
      case UnaryOp::Sinh: TL_LOOP(std::sinh(x))
      case UnaryOp::Cosh: TL_LOOP(std::cosh(x))
      case UnaryOp::Exp2: TL_LOOP(std::exp2(x))
      case UnaryOp::Expm1: TL_LOOP(std::expm1(x))
      case UnaryOp::Log1p: TL_LOOP(std::log1p(x))
      case UnaryOp::Log2: TL_LOOP(std::log2(x))
      case UnaryOp::Log10: TL_LOOP(std::log10(x))
      case UnaryOp::Erf: TL_LOOP(std::erf(x))
      case UnaryOp::Erfinv: TL_LOOP(erfinv_impl(x))
      case UnaryOp::Rsqrt: TL_LOOP(T(1) / std::sqrt(x))
      case UnaryOp::Reciprocal: TL_LOOP(T(1) / x)
      case UnaryOp::NanTo: TL_LOOP(x != x ? s : x)
      case UnaryOp::PosInfTo: TL_LOOP(x == std::numeric_limits<T>::infinity() ? s : x)
      case UnaryOp::NegInfTo: TL_LOOP(x == -std::numeric_limits<T>::infinity() ? s : x)
      default: break;
    }
  }
#undef TL_LOOP
}

void unary_cpu(const TensorView& a, const TensorView& out, const UnaryParams& p) {
  const UnaryOp op = p.op;
  const double scalar = p.scalar;
  const int64_t n = out.numel();
  switch (a.dtype) {
    case DType::F32: unary_typed<float>(op, a.ptr<float>(), float(scalar), out.ptr<float>(), n); return;
    case DType::F64: unary_typed<double>(op, a.ptr<double>(), scalar, out.ptr<double>(), n); return;
    case DType::I64:
    case DType::I32:
    case DType::U8:
      if (!unary_int_ok(op)) bad_dtype("unary", a.dtype);
      dispatch_all("unary", a.dtype, [&](auto z) {
        using T = decltype(z);
        if constexpr (!std::is_floating_point<T>::value)
          unary_typed<T>(op, a.ptr<T>(), static_cast<T>(scalar), out.ptr<T>(), n);
      });
      return;
  }
  bad_dtype("unary", a.dtype);
}

TL_REGISTER_KERNEL(unary_op, CPU, unary_cpu, kAllTypes);

void unary_backward_cpu(const TensorView& t, const TensorView& dy, const TensorView& dx, const UnaryBackwardParams& p) {
  const UnaryBackwardOp op = p.op;
  const int64_t n = dx.numel();
  dispatch_float("unary_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    const T* pt = t.ptr<T>();
    const T* g = dy.ptr<T>();
    T* o = dx.ptr<T>();
    switch (op) {
      case UnaryBackwardOp::Relu:
        TL_PAR_FOR_SIMD(
            n > kParallelGrain, for (int64_t i = 0; i < n; ++i) {  // both loads unconditional, so the select vectorises
              const T a = pt[i], b = g[i];
              o[i] = a <= T(0) ? T(0) : b;  // PyTorch's threshold_backward: a NaN passes the gradient
            });
        break;
      case UnaryBackwardOp::Sigmoid:
        TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = g[i] * pt[i] * (T(1) - pt[i]););
        break;
      case UnaryBackwardOp::Tanh:
        TL_PAR_FOR_SIMD(n > kParallelGrain, for (int64_t i = 0; i < n; ++i) o[i] = g[i] * (T(1) - pt[i] * pt[i]););
        break;
    }
  });
}

TL_REGISTER_KERNEL(unary_backward_op, CPU, unary_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
