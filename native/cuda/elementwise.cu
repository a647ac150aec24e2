// native/cuda/elementwise.cu — CUDA kernels for copy_strided (strided copy with dtype conversion),
// fill, arange, broadcasting binary ops (arithmetic, pow, maximum/minimum, comparisons -> uint8), unary ops
// and their backward. Same op names, signatures and semantics as native/cpu/elementwise.cc:
//  * dtypes as the CPU: copy/fill/binary on all five storage dtypes, unary on f32/f64 (and the
//    integer dtypes for the ops of unary_int_ok), unary_backward on f32/f64; the same "does not
//    support dtype" errors;
//  * maximum/minimum propagate NaN from either side (torch.maximum), else `a > b ? a : b` / `a < b ? a : b`,
//    relu passes NaN, relu_backward passes the gradient at NaN (PyTorch's threshold_backward);
//  * add/sub/mul/div, abs/neg/relu, the scalar ops and the casts are bit-identical to the CPU;
//    exp/log/tanh/sigmoid/pow use CUDA's libdevice (<= 2 ulp for float, <= 2 ulp for double; glibc
//    is almost always correctly rounded), so those differ from the CPU by a few ulp at most;
//  * float -> integer casts follow the x86 scalar conversion the CPU build uses (truncation; NaN or
//    out-of-range gives INT_MIN of the 32/64-bit conversion, uint8 takes the low byte of the 32-bit
//    conversion) — C++ leaves those cases undefined, this keeps the two devices in step;
//  * integer division by zero gives an unspecified value on the GPU (the CPU traps).
// All tensors are on the current CUDA device; launches are asynchronous on tl::cuda::stream().
// Dims are coalesced on the host (size-1 dims dropped, contiguous runs merged) before indexing.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/dispatch.h"
#include "ops/elementwise.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxDims = 16;  // after coalescing

// ---- conversions matching the CPU build ------------------------------------------------------
template <typename D>
struct Conv {
  template <typename S>
  __device__ __forceinline__ static D from(S v) {
    return static_cast<D>(v);
  }
};
__device__ __forceinline__ int32_t f2i32(double x) {  // cvttsd2si (32-bit)
  return (x > -2147483649.0 && x < 2147483648.0) ? static_cast<int32_t>(x) : INT32_MIN;
}
__device__ __forceinline__ int64_t f2i64(double x) {  // cvttsd2si (64-bit)
  return (x >= -9223372036854775808.0 && x < 9223372036854775808.0) ? static_cast<int64_t>(x) : INT64_MIN;
}
template <>
struct Conv<int32_t> {
  template <typename S>
  __device__ __forceinline__ static int32_t from(S v) {
    if constexpr (std::is_floating_point<S>::value)
      return f2i32(double(v));
    else
      return static_cast<int32_t>(v);
  }
};
template <>
struct Conv<int64_t> {
  template <typename S>
  __device__ __forceinline__ static int64_t from(S v) {
    if constexpr (std::is_floating_point<S>::value)
      return f2i64(double(v));
    else
      return static_cast<int64_t>(v);
  }
};
template <>
struct Conv<uint8_t> {
  template <typename S>
  __device__ __forceinline__ static uint8_t from(S v) {
    if constexpr (std::is_floating_point<S>::value)
      return static_cast<uint8_t>(f2i32(double(v)));
    else
      return static_cast<uint8_t>(v);
  }
};

// ---- strided geometry --------------------------------------------------------------------------
// Up to K strided operands over one shape, dims ordered outer -> inner.
template <int K>
struct Geom {
  int nd;
  int64_t shape[kMaxDims];
  int64_t st[K][kMaxDims];
};

// Drops size-1 dims and merges dims that are contiguous with respect to each other in every operand.
// Throws if more than kMaxDims dims remain.
template <int K>
Geom<K> coalesce(const std::vector<int64_t>& shape, const std::vector<int64_t>* strides[K]) {
  std::vector<int64_t> sh;
  std::vector<std::vector<int64_t>> st(K);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sh.empty()) {
      bool merge = true;
      for (int k = 0; k < K; ++k)
        if (st[k].back() != (*strides[k])[d] * shape[d]) merge = false;
      if (merge) {
        sh.back() *= shape[d];
        for (int k = 0; k < K; ++k) st[k].back() = (*strides[k])[d];
        continue;
      }
    }
    sh.push_back(shape[d]);
    for (int k = 0; k < K; ++k) st[k].push_back((*strides[k])[d]);
  }
  if (sh.size() > size_t(kMaxDims))
    throw Error(ErrorCode::NotImplemented, "torchlet: CUDA strided kernels support at most " +
                                               std::to_string(kMaxDims) + " non-mergeable dimensions");
  Geom<K> g{};
  g.nd = int(sh.size());
  for (int d = 0; d < g.nd; ++d) {
    g.shape[d] = sh[d];
    for (int k = 0; k < K; ++k) g.st[k][d] = st[k][d];
  }
  return g;
}
template <int K>
bool is_contiguous(const Geom<K>& g, int k) {
  return g.nd == 0 || (g.nd == 1 && g.st[k][0] == 1);
}
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t e = 1;
  for (int d = int(shape.size()) - 1; d >= 0; --d) {
    s[d] = e;
    e *= shape[d];
  }
  return s;
}

// Offsets of linear (row-major) index j into each operand. I is the index type for the div/mod
// (32-bit when the element count allows it: GPU 64-bit division is slow). ND > 0 fixes nd.
template <int K, typename I, int ND>
__device__ __forceinline__ void offsets(const Geom<K>& g, I j, int64_t (&off)[K]) {
  if constexpr (ND == 1) {
    for (int k = 0; k < K; ++k) off[k] = int64_t(j) * g.st[k][0];
  } else {
    for (int k = 0; k < K; ++k) off[k] = 0;
    const int nd = ND > 0 ? ND : g.nd;
#pragma unroll
    for (int d = (ND > 0 ? ND : kMaxDims) - 1; d >= 0; --d) {
      if (d >= nd) continue;
      const I s = I(g.shape[d]);
      const I q = j / s;
      const int64_t i = int64_t(j - q * s);
      j = q;
      for (int k = 0; k < K; ++k) off[k] += i * g.st[k][d];
    }
  }
}

// ---- copy ----------------------------------------------------------------------------------------
// out[n] (contiguous) <- src[n] (contiguous), converted
template <typename S, typename D>
__global__ void cast_contig_kernel(const S* __restrict__ s, D* __restrict__ o, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = Conv<D>::template from<S>(s[i]);
}
// over shape: out[g.st[1]] <- src[g.st[0]]
template <typename S, typename D, typename I, int ND>
__global__ void copy_strided_kernel(const S* __restrict__ s, D* __restrict__ o, Geom<2> g, I n) {
  for (I j = blockIdx.x * I(blockDim.x) + threadIdx.x; j < n; j += I(gridDim.x) * blockDim.x) {
    int64_t off[2];
    offsets<2, I, ND>(g, j, off);
    o[off[1]] = Conv<D>::template from<S>(s[off[0]]);
  }
}

template <typename S, typename D>
void copy_typed(const TensorView& src, const TensorView& out, const Geom<2>& g, int64_t n) {
  const S* s = src.ptr<S>();
  D* o = out.ptr<D>();
  if (is_contiguous(g, 0) && is_contiguous(g, 1)) {
    if (std::is_same<S, D>::value) {
      TL_CUDA_CHECK(cudaMemcpyAsync(o, s, size_t(n) * sizeof(D), cudaMemcpyDeviceToDevice, cuda::stream()));
      return;
    }
    cuda::launch<cast_contig_kernel<S, D>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), s, o, n);
    TL_CUDA_LAUNCH_CHECK("copy_strided (cast)");
    return;
  }
  const unsigned blocks = cuda::blocks_for(n, kThreads);
  if (n < (int64_t(1) << 31)) {
    if (g.nd == 1)
      cuda::launch<copy_strided_kernel<S, D, uint32_t, 1>>(blocks, kThreads, 0, cuda::stream(), s, o, g, uint32_t(n));
    else if (g.nd == 2)
      cuda::launch<copy_strided_kernel<S, D, uint32_t, 2>>(blocks, kThreads, 0, cuda::stream(), s, o, g, uint32_t(n));
    else
      cuda::launch<copy_strided_kernel<S, D, uint32_t, 0>>(blocks, kThreads, 0, cuda::stream(), s, o, g, uint32_t(n));
  } else {
    cuda::launch<copy_strided_kernel<S, D, int64_t, 0>>(blocks, kThreads, 0, cuda::stream(), s, o, g, n);
  }
  TL_CUDA_LAUNCH_CHECK("copy_strided");
}

void copy_strided_cuda(const TensorView& src, const TensorView& out_arg, const CopyStridedParams& p) {
  const std::vector<int64_t>&strides = p.src_strides, &out_strides = p.out_strides;
  TensorView out = out_arg;
  out.shape = p.shape;
  require_cuda("copy_strided", {&src, &out});
  const int64_t n = out.numel();
  if (n == 0) return;
  const std::vector<int64_t> ost = out_strides.empty() ? contiguous_strides(out.shape) : out_strides;
  const std::vector<int64_t>* sts[2] = {&strides, &ost};
  const Geom<2> g = coalesce<2>(out.shape, sts);
  dispatch_all("copy", src.dtype, [&](auto s) {
    using S = decltype(s);
    dispatch_all("copy", out.dtype, [&](auto d) { copy_typed<S, decltype(d)>(src, out, g, n); });
  });
}
TL_REGISTER_KERNEL(copy_strided_op, CUDA, copy_strided_cuda, kAllTypes);

// ---- fill ----------------------------------------------------------------------------------------
template <typename T>
__global__ void fill_kernel(T* __restrict__ o, T v, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = v;
}

void fill_cuda(const TensorView& out, const FillParams& p) {
  const double value = p.value;
  require_cuda("fill", {&out});
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_all("fill", out.dtype, [&](auto z) {
    using T = decltype(z);
    const T v = static_cast<T>(value);  // host conversion, exactly as the CPU kernel
    T zero{};
    if (std::memcmp(&v, &zero, sizeof(T)) == 0) {  // all-zero bits (not -0.0): memset
      TL_CUDA_CHECK(cudaMemsetAsync(out.data, 0, size_t(n) * sizeof(T), cuda::stream()));
      return;
    }
    cuda::launch<fill_kernel<T>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), out.ptr<T>(), v, n);
    TL_CUDA_LAUNCH_CHECK("fill");
  });
}
TL_REGISTER_KERNEL(fill_op, CUDA, fill_cuda, kAllTypes);

// ---- arange --------------------------------------------------------------------------------------
// start + i * step with the product rounded before the sum (__dmul_rn / __dadd_rn are never fused),
// converted as the CPU converts: the CPU kernel's values exactly.
template <typename T>
__global__ void arange_kernel(T* __restrict__ o, int64_t n, double start, double step) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
    o[i] = Conv<T>::from(__dadd_rn(start, __dmul_rn(static_cast<double>(i), step)));
}
void arange_cuda(const TensorView& out, const ArangeParams& p) {
  require_cuda("arange", {&out});
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_all("arange", out.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<arange_kernel<T>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), out.ptr<T>(), n, p.start,
                                   p.step);
    TL_CUDA_LAUNCH_CHECK("arange");
  });
}
TL_REGISTER_KERNEL(arange_op, CUDA, arange_cuda, kAllTypes);

// ---- binary --------------------------------------------------------------------------------------
// pow as the CPU: pow for floating point, PyTorch's exact integer power (ew::powi) for integers.
template <typename T>
__device__ __forceinline__ T pow_op(T a, T b) {
  if constexpr (std::is_floating_point<T>::value)
    return static_cast<T>(::pow(a, b));
  else
    return ew::powi(a, b);
}

struct AddF {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a + b;
  }
};
struct SubF {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a - b;
  }
};
struct MulF {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a * b;
  }
};
struct DivF {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a / b;
  }
};
// Python's % (the divisor's sign) and C's fmod / % (the dividend's sign), as the CPU: an integer
// divisor 0 and INT_MIN % -1 give 0.
template <typename T>
__device__ __forceinline__ T fmod_op(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    return fmod(a, b);
  } else {
    if (b == T(0)) return T(0);
    if constexpr (std::is_signed<T>::value)
      if (b == T(-1)) return T(0);
    return T(a % b);
  }
}
template <typename T>
__device__ __forceinline__ T remainder_op(T a, T b) {
  T m = fmod_op<T>(a, b);
  if constexpr (std::is_signed<T>::value || std::is_floating_point<T>::value)
    if (m != T(0) && ((b < T(0)) != (m < T(0)))) m += b;
  return m;
}
// the rest of the arithmetic ops, chosen at run time (a uniform branch)
struct OtherF {
  BinaryOp op;
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    switch (op) {
      case BinaryOp::Pow: return pow_op<T>(a, b);
      case BinaryOp::Maximum: return (a != a || a > b) ? a : b;  // NaN propagates, as torch.maximum
      case BinaryOp::Minimum: return (a != a || a < b) ? a : b;
      case BinaryOp::AddRelu: return a + b <= T(0) ? T(0) : a + b;  // NaN kept, as relu does
      case BinaryOp::Remainder: return remainder_op<T>(a, b);
      case BinaryOp::Fmod: return fmod_op<T>(a, b);
      case BinaryOp::DivTrunc: return ew::div_trunc(a, b);
      case BinaryOp::DivFloor: return ew::div_floor(a, b);
      default: break;
    }
    if constexpr (std::is_floating_point<T>::value) {
      if (op == BinaryOp::Atan2) return atan2(a, b);
    } else {
      switch (op) {
        case BinaryOp::BitwiseAnd: return T(a & b);
        case BinaryOp::BitwiseOr: return T(a | b);
        case BinaryOp::BitwiseXor: return T(a ^ b);
        default: break;
      }
    }
    return T(0);
  }
};
struct CmpF {
  BinaryOp op;
  template <typename T>
  __device__ __forceinline__ uint8_t operator()(T a, T b) const {
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
};

// out[n] = f(a[n], b[n]), all contiguous
template <typename T, typename O, typename F>
__global__ void binary_contig_kernel(const T* __restrict__ a, const T* __restrict__ b, O* __restrict__ o, int64_t n,
                                     F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = f(a[i], b[i]);
}
// out[j] (contiguous over the coalesced shape) = f(a[g.st[0]], b[g.st[1]])
template <typename T, typename O, typename F, typename I, int ND>
__global__ void binary_strided_kernel(const T* __restrict__ a, const T* __restrict__ b, O* __restrict__ o, Geom<2> g,
                                      I n, F f) {
  for (I j = blockIdx.x * I(blockDim.x) + threadIdx.x; j < n; j += I(gridDim.x) * blockDim.x) {
    int64_t off[2];
    offsets<2, I, ND>(g, j, off);
    o[j] = f(a[off[0]], b[off[1]]);
  }
}

template <typename T, typename O, typename F>
void binary_launch(const T* a, const T* b, O* o, const Geom<3>& g3, int64_t n, F f) {
  const unsigned blocks = cuda::blocks_for(n, kThreads);
  if (is_contiguous(g3, 0) && is_contiguous(g3, 1)) {
    cuda::launch<binary_contig_kernel<T, O, F>>(blocks, kThreads, 0, cuda::stream(), a, b, o, n, f);
    TL_CUDA_LAUNCH_CHECK("binary");
    return;
  }
  Geom<2> g{};
  g.nd = g3.nd;
  for (int d = 0; d < g.nd; ++d) {
    g.shape[d] = g3.shape[d];
    g.st[0][d] = g3.st[0][d];
    g.st[1][d] = g3.st[1][d];
  }
  if (n < (int64_t(1) << 31)) {
    if (g.nd == 1)
      cuda::launch<binary_strided_kernel<T, O, F, uint32_t, 1>>(blocks, kThreads, 0, cuda::stream(), a, b, o, g,
                                                                uint32_t(n), f);
    else if (g.nd == 2)
      cuda::launch<binary_strided_kernel<T, O, F, uint32_t, 2>>(blocks, kThreads, 0, cuda::stream(), a, b, o, g,
                                                                uint32_t(n), f);
    else
      cuda::launch<binary_strided_kernel<T, O, F, uint32_t, 0>>(blocks, kThreads, 0, cuda::stream(), a, b, o, g,
                                                                uint32_t(n), f);
  } else {
    cuda::launch<binary_strided_kernel<T, O, F, int64_t, 0>>(blocks, kThreads, 0, cuda::stream(), a, b, o, g, n, f);
  }
  TL_CUDA_LAUNCH_CHECK("binary");
}

void binary_cuda(const TensorView& a, const TensorView& b, const TensorView& out, const BinaryParams& p) {
  const BinaryOp op = p.op;
  const std::vector<int64_t>&sa = p.input_strides, &sb = p.other_strides;
  require_cuda("binary", {&a, &b, &out});
  const int64_t n = out.numel();
  if (n == 0) return;
  const std::vector<int64_t> so = contiguous_strides(out.shape);
  const std::vector<int64_t>* sts[3] = {&sa, &sb, &so};  // out's strides keep the coalescing honest
  const Geom<3> g = coalesce<3>(out.shape, sts);
  const bool cmp = binary_is_predicate(op);
  dispatch_all("binary", a.dtype, [&](auto z) {
    using T = decltype(z);
    const T* pa = a.ptr<T>();
    const T* pb = b.ptr<T>();
    if (cmp) {
      binary_launch<T, uint8_t>(pa, pb, out.ptr<uint8_t>(), g, n, CmpF{op});
      return;
    }
    T* o = out.ptr<T>();
    switch (op) {
      case BinaryOp::Add: binary_launch<T, T>(pa, pb, o, g, n, AddF{}); break;
      case BinaryOp::Sub: binary_launch<T, T>(pa, pb, o, g, n, SubF{}); break;
      case BinaryOp::Mul: binary_launch<T, T>(pa, pb, o, g, n, MulF{}); break;
      case BinaryOp::Div: binary_launch<T, T>(pa, pb, o, g, n, DivF{}); break;
      default: binary_launch<T, T>(pa, pb, o, g, n, OtherF{op}); break;
    }
  });
}
TL_REGISTER_KERNEL(binary_op, CUDA, binary_cuda, kAllTypes);

// ---- unary ---------------------------------------------------------------------------------------
// erfinv as the CPU (PyTorch's calc_erfinv): a rational approximation, then two Newton steps. The
// float kernel runs it in double: near |y| = 1 a Newton step divides erf(x) - y by erf' (1/110 at
// y = 0.998), so erff's 2 ulp become 30 ulp of the result (the CPU's float path, PyTorch's, carries
// glibc's erff error the same way; the H200 differed from it by 27 ulp there).
template <typename T>
__device__ __forceinline__ T erfinv_impl(T y) {
  const T ya = y < T(0) ? -y : y;
  if (!(ya <= T(1))) return T(NAN);  // |y| > 1 or NaN
  if (ya == T(1)) return copysign(T(INFINITY), y);
  T x;
  if (ya <= T(0.7)) {
    const T z = y * y;
    const T num = ((T(-0.140543331) * z + T(0.914624893)) * z + T(-1.645349621)) * z + T(0.886226899);
    const T dem = (((T(0.012229801) * z + T(-0.329097515)) * z + T(1.442710462)) * z + T(-2.118377725)) * z + T(1);
    x = y * num / dem;
  } else {
    const T z = sqrt(-log((T(1) - ya) / T(2)));
    const T num = ((T(1.641345311) * z + T(3.429567803)) * z + T(-1.624906493)) * z + T(-1.970840454);
    const T dem = (T(1.637067800) * z + T(3.543889200)) * z + T(1);
    x = copysign(num, y) / dem;
  }
  const T k = T(1.1283791670955126);  // 2 / sqrt(pi)
  x = x - (erf(x) - y) / (k * exp(-x * x));
  x = x - (erf(x) - y) / (k * exp(-x * x));
  return x;
}
template <typename T>
__device__ __forceinline__ T round_decimals(T x, T s) {
  if (s == T(0)) return rint(x);
  if (s > T(0)) {
    const T ten = T(pow(10.0, double(s)));
    return rint(x * ten) / ten;
  }
  const T ten = T(pow(10.0, -double(s)));
  return rint(x / ten) * ten;
}
// x < 0, without comparing an unsigned value with zero (nvcc warns)
template <typename T>
__device__ __forceinline__ bool below_zero(T x) {
  if constexpr (std::is_unsigned<T>::value)
    return false;
  else
    return x < T(0);
}
template <typename T>
__device__ __forceinline__ T unary_apply(UnaryOp op, T x, T s) {
  switch (op) {
    case UnaryOp::Neg: return T(-x);
    case UnaryOp::Abs: return below_zero(x) ? T(-x) : x;
    case UnaryOp::Relu: return x <= T(0) ? T(0) : x;  // NaN passes, as in PyTorch
    case UnaryOp::AddScalar: return T(x + s);
    case UnaryOp::MulScalar: return T(x * s);
    case UnaryOp::RsubScalar: return T(s - x);
    case UnaryOp::Sign: return T(int(T(0) < x) - int(below_zero(x)));
    case UnaryOp::ClampMin: return x < s ? s : x;  // NaN in x kept
    case UnaryOp::ClampMax: return x > s ? s : x;
    default: break;
  }
  if constexpr (std::is_floating_point<T>::value) {
    switch (op) {
      case UnaryOp::Exp: return exp(x);
      case UnaryOp::Log: return log(x);
      case UnaryOp::Sqrt: return sqrt(x);  // IEEE (correctly rounded) without fast-math
      case UnaryOp::Sigmoid: return T(1) / (T(1) + exp(-x));
      case UnaryOp::Tanh: return tanh(x);
      case UnaryOp::PowScalar: return ew::pow_scalar<T>(x, s);
      case UnaryOp::RdivScalar: return s / x;
      case UnaryOp::Floor: return floor(x);
      case UnaryOp::Ceil: return ceil(x);
      case UnaryOp::Round: return round_decimals<T>(x, s);
      case UnaryOp::Trunc: return trunc(x);
      case UnaryOp::Sin: return sin(x);
      case UnaryOp::Cos: return cos(x);
      case UnaryOp::Tan: return tan(x);
      case UnaryOp::Asin: return asin(x);
      case UnaryOp::Acos: return acos(x);
      case UnaryOp::Atan: return atan(x);
      case UnaryOp::Sinh: return sinh(x);
      case UnaryOp::Cosh: return cosh(x);
      case UnaryOp::Exp2: return exp2(x);
      case UnaryOp::Expm1: return expm1(x);
      case UnaryOp::Log1p: return log1p(x);
      case UnaryOp::Log2: return log2(x);
      case UnaryOp::Log10: return log10(x);
      case UnaryOp::Erf: return erf(x);
      case UnaryOp::Erfinv:
        if constexpr (std::is_same<T, float>::value)
          return float(erfinv_impl<double>(double(x)));
        else
          return erfinv_impl<T>(x);
      case UnaryOp::Rsqrt: return T(1) / sqrt(x);  // as the CPU (not CUDA's rsqrt approximation)
      case UnaryOp::Reciprocal: return T(1) / x;
      case UnaryOp::NanTo: return x != x ? s : x;
      case UnaryOp::PosInfTo: return x == T(INFINITY) ? s : x;
      case UnaryOp::NegInfTo: return x == -T(INFINITY) ? s : x;
      default: break;
    }
  } else {
    if (op == UnaryOp::BitwiseNot) return T(~x);
  }
  return T(0);
}

// out[n] = f(a[n], s) (out may be a: in place)
template <typename T>
__global__ void unary_kernel(UnaryOp op, const T* a, T s, T* o, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = unary_apply<T>(op, a[i], s);
}

template <typename T>
void unary_launch(UnaryOp op, const TensorView& a, T s, const TensorView& out, int64_t n) {
  cuda::launch<unary_kernel<T>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), op, a.ptr<T>(), s,
                                out.ptr<T>(), n);
  TL_CUDA_LAUNCH_CHECK("unary");
}

void unary_cuda(const TensorView& a, const TensorView& out, const UnaryParams& p) {
  const UnaryOp op = p.op;
  const double scalar = p.scalar;
  require_cuda("unary", {&a, &out});
  const int64_t n = out.numel();
  switch (a.dtype) {
    case DType::F32:
      if (n) unary_launch<float>(op, a, float(scalar), out, n);
      return;
    case DType::F64:
      if (n) unary_launch<double>(op, a, scalar, out, n);
      return;
    case DType::I64:
    case DType::I32:
    case DType::U8:
      if (!unary_int_ok(op)) bad_dtype("unary", a.dtype);
      dispatch_all("unary", a.dtype, [&](auto z) {
        using T = decltype(z);
        if constexpr (!std::is_floating_point<T>::value)
          if (n) unary_launch<T>(op, a, static_cast<T>(scalar), out, n);
      });
      return;
  }
  bad_dtype("unary", a.dtype);
}
TL_REGISTER_KERNEL(unary_op, CUDA, unary_cuda, kAllTypes);

// dx[n] = dy[n] * f'(t[n])
template <typename T>
__global__ void unary_backward_kernel(UnaryBackwardOp op, const T* __restrict__ t, const T* __restrict__ g,
                                      T* __restrict__ o, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const T a = t[i], d = g[i];
    switch (op) {
      case UnaryBackwardOp::Relu:
        o[i] = a <= T(0) ? T(0) : d;
        break;  // a NaN passes the gradient
      // (d * a) * (1 - a) and d * (1 - a*a), rounded step by step as the CPU (no FMA contraction)
      case UnaryBackwardOp::Sigmoid: o[i] = (d * a) * (T(1) - a); break;
      case UnaryBackwardOp::Tanh: {
        const T aa =
            std::is_same<T, float>::value ? T(__fmul_rn(float(a), float(a))) : T(__dmul_rn(double(a), double(a)));
        o[i] = d * (T(1) - aa);
        break;
      }
    }
  }
}

void unary_backward_cuda(const TensorView& t, const TensorView& dy, const TensorView& dx,
                         const UnaryBackwardParams& p) {
  const UnaryBackwardOp op = p.op;
  require_cuda("unary_backward", {&t, &dy, &dx});
  const int64_t n = dx.numel();
  dispatch_float("unary_backward", dx.dtype, [&](auto z) {
    using T = decltype(z);
    if (n == 0) return;
    cuda::launch<unary_backward_kernel<T>>(cuda::blocks_for(n, kThreads), kThreads, 0, cuda::stream(), op, t.ptr<T>(),
                                           dy.ptr<T>(), dx.ptr<T>(), n);
    TL_CUDA_LAUNCH_CHECK("unary_backward");
  });
}
TL_REGISTER_KERNEL(unary_backward_op, CUDA, unary_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
