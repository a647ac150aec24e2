// native/emu/include/cuda_runtime.h — the CUDA emulator's <cuda_runtime.h> (TORCHLET_CUDA=EMU).
// The build compiles native/cuda/*.cu as host C++ with this directory first on the include path and
// this file force-included, so the kernels compile unchanged and run on the CPU (native/emu/runtime.cc).
// It implements exactly what our kernels use, with CUDA's meaning:
//  * qualifiers (__global__, __device__, __host__, __forceinline__, __launch_bounds__, __align__);
//  * __shared__ memory: per block (a block's threads run as fibers on one CPU thread, so a
//    thread_local is shared by exactly the threads of one block); dynamic shared memory is
//    tl::cuda::dynamic_shared<T>() (native/cuda/common.cuh), here a 48 KiB thread_local array;
//  * threadIdx / blockIdx / blockDim / gridDim / warpSize;
//  * __syncthreads (a switch point: every thread of the block arrives before any continues);
//  * warp intrinsics __shfl_sync / _up / _down / _xor, __ballot_sync, __any_sync, __all_sync,
//    __activemask, __syncwarp: switch points where the lanes of the mask meet (lockstep meaning);
//  * atomics (atomicAdd/Sub/Exch/Min/Max/CAS/And/Or/Xor/Inc/Dec on the CUDA types): real CPU
//    atomics, since blocks run in parallel;
//  * math: the explicitly rounded __f*_rn / __d*_rn intrinsics are the plain IEEE operations
//    (.cu files are compiled with -ffp-contract=off, so nothing is fused that nvcc would keep
//    separate); exp, log, sqrt, ... are the host libm's float / double overloads (libdevice may
//    differ by an ulp or two, which the device tests' tolerances allow); min / max overloads;
//  * the runtime API: allocation, memcpy / memset (async too: the emulator runs every operation at
//    once, in issue order), streams, events, device queries, error codes, cudaGetLastError.
// The launch itself is tl::cuda::launch<kernel>(grid, block, shmem, stream, args...) in common.cuh,
// which calls emu::launch_kernel below; no kernel source has an #ifdef for the emulator.
// Checks (native/emu/runtime.cc): every global and shared access of a kernel is instrumented (the
// .cu files are compiled with GCC's -fsanitize=thread instrumentation, whose __tsan_* hooks are the
// emulator's own): global accesses are bounds-checked against live allocations, shared memory is
// poisoned at block start and reads of never-written shared memory are reported, and so are
// shared-memory races (two threads, at least one write, no barrier between).
#pragma once
#define TL_CUDA_EMU 1

#include <math.h>  // libstdc++'s <math.h>: the float overloads (expf for exp(float), ...) in ::

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

// ---- qualifiers --------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ thread_local

// ---- built-in types and variables ----------------------------------------------------------------
struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};

namespace emu {
// The calling fiber's coordinates (constant for the life of a fiber, hence `const`).
uint3 thread_idx() __attribute__((const));
uint3 block_idx() __attribute__((const));
dim3 block_dim() __attribute__((const));
dim3 grid_dim() __attribute__((const));

void syncthreads();
enum WarpOp : int { kShflIdx = 0, kShflUp, kShflDown, kShflXor, kBallot, kAny, kAll, kSyncwarp };
// Warp rendezvous: every lane of `mask` that exists and has not exited meets here; `v` (n <= 8
// bytes) is replaced by the lane's result. Returns the vote for ballot / any / all.
unsigned warp_op(unsigned mask, WarpOp op, void* v, size_t n, int arg, int width);
unsigned active_mask();
}  // namespace emu

#define threadIdx (::emu::thread_idx())
#define blockIdx (::emu::block_idx())
#define blockDim (::emu::block_dim())
#define gridDim (::emu::grid_dim())

constexpr int warpSize = 32;

inline void __syncthreads() { ::emu::syncthreads(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::emu::warp_op(mask, ::emu::kSyncwarp, nullptr, 0, 0, 32); }
inline unsigned __activemask() { return ::emu::active_mask(); }
inline unsigned __ballot_sync(unsigned mask, int pred) {
  return ::emu::warp_op(mask, ::emu::kBallot, nullptr, 0, pred != 0, 32);
}
inline int __any_sync(unsigned mask, int pred) { return ::emu::warp_op(mask, ::emu::kAny, nullptr, 0, pred != 0, 32); }
inline int __all_sync(unsigned mask, int pred) { return ::emu::warp_op(mask, ::emu::kAll, nullptr, 0, pred != 0, 32); }
template <typename T>
inline T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffle of at most 8 bytes");
  ::emu::warp_op(mask, ::emu::kShflIdx, &v, sizeof(T), src, width);
  return v;
}
template <typename T>
inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffle of at most 8 bytes");
  ::emu::warp_op(mask, ::emu::kShflUp, &v, sizeof(T), int(delta), width);
  return v;
}
template <typename T>
inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffle of at most 8 bytes");
  ::emu::warp_op(mask, ::emu::kShflDown, &v, sizeof(T), int(delta), width);
  return v;
}
template <typename T>
inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffle of at most 8 bytes");
  ::emu::warp_op(mask, ::emu::kShflXor, &v, sizeof(T), lane_mask, width);
  return v;
}

// ---- atomics (native/emu/runtime.cc: bounds-checked, real CPU atomics) ---------------------------
#define TL_EMU_ATOMIC_DECL(T) \
  T atomicAdd(T* p, T v);     \
  T atomicExch(T* p, T v);    \
  T atomicCAS(T* p, T cmp, T v);
TL_EMU_ATOMIC_DECL(int)
TL_EMU_ATOMIC_DECL(unsigned)
TL_EMU_ATOMIC_DECL(unsigned long long)
#undef TL_EMU_ATOMIC_DECL
float atomicAdd(float* p, float v);
double atomicAdd(double* p, double v);
float atomicExch(float* p, float v);
int atomicSub(int* p, int v);
unsigned atomicSub(unsigned* p, unsigned v);
#define TL_EMU_ATOMIC_INT(T) \
  T atomicMin(T* p, T v);    \
  T atomicMax(T* p, T v);    \
  T atomicAnd(T* p, T v);    \
  T atomicOr(T* p, T v);     \
  T atomicXor(T* p, T v);
TL_EMU_ATOMIC_INT(int)
TL_EMU_ATOMIC_INT(unsigned)
TL_EMU_ATOMIC_INT(long long)
TL_EMU_ATOMIC_INT(unsigned long long)
#undef TL_EMU_ATOMIC_INT
unsigned atomicInc(unsigned* p, unsigned limit);
unsigned atomicDec(unsigned* p, unsigned limit);
void __threadfence();
void __threadfence_block();

// ---- math ------------------------------------------------------------------------------------------
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline float __fsqrt_rn(float a) { return ::sqrtf(a); }
inline float __fmaf_rn(float a, float b, float c) { return ::fmaf(a, b, c); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __drcp_rn(double a) { return 1.0 / a; }
inline double __dsqrt_rn(double a) { return ::sqrt(a); }
inline double __fma_rn(double a, double b, double c) { return ::fma(a, b, c); }
inline float __expf(float a) { return ::expf(a); }
inline float __logf(float a) { return ::logf(a); }
inline float __sinf(float a) { return ::sinf(a); }
inline float __cosf(float a) { return ::cosf(a); }
inline float __powf(float a, float b) { return ::powf(a, b); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float a) { return a != a ? 0.0f : (a < 0.0f ? 0.0f : (a > 1.0f ? 1.0f : a)); }
inline float rsqrtf(float a) { return 1.0f / ::sqrtf(a); }
inline double rsqrt(double a) { return 1.0 / ::sqrt(a); }
inline int __float_as_int(float f) {
  int i;
  std::memcpy(&i, &f, 4);
  return i;
}
inline float __int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}
inline long long __double_as_longlong(double d) {
  long long i;
  std::memcpy(&i, &d, 8);
  return i;
}
inline double __longlong_as_double(long long i) {
  double d;
  std::memcpy(&d, &i, 8);
  return d;
}
inline int __popc(unsigned v) { return __builtin_popcount(v); }
inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
inline int __clz(int v) { return v ? __builtin_clz(unsigned(v)) : 32; }
inline int __clzll(long long v) { return v ? __builtin_clzll((unsigned long long)v) : 64; }
inline int __ffs(int v) { return __builtin_ffs(v); }
inline int __ffsll(long long v) { return __builtin_ffsll(v); }
template <typename T>
inline T __ldg(const T* p) {
  return *p;
}
// CUDA's device min / max overloads
#define TL_EMU_MINMAX(T)                           \
  inline T min(T a, T b) { return a < b ? a : b; } \
  inline T max(T a, T b) { return a > b ? a : b; }
TL_EMU_MINMAX(int)
TL_EMU_MINMAX(unsigned)
TL_EMU_MINMAX(long)
TL_EMU_MINMAX(unsigned long)
TL_EMU_MINMAX(long long)
TL_EMU_MINMAX(unsigned long long)
#undef TL_EMU_MINMAX
inline float min(float a, float b) { return ::fminf(a, b); }
inline float max(float a, float b) { return ::fmaxf(a, b); }
inline double min(double a, double b) { return ::fmin(a, b); }
inline double max(double a, double b) { return ::fmax(a, b); }

// ---- runtime API -----------------------------------------------------------------------------------
enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDeviceFunction = 98,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorECCUncorrectable = 214,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchOutOfResources = 701,
  cudaErrorLaunchTimeout = 702,
  cudaErrorAssert = 710,
  cudaErrorHardwareStackError = 714,
  cudaErrorIllegalInstruction = 715,
  cudaErrorMisalignedAddress = 716,
  cudaErrorInvalidAddressSpace = 717,
  cudaErrorInvalidPc = 718,
  cudaErrorLaunchFailure = 719,
  cudaErrorUnknown = 999,
};
typedef enum cudaError cudaError_t;
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};
struct CUstream_st;
struct CUevent_st;
typedef CUstream_st* cudaStream_t;
typedef CUevent_st* cudaEvent_t;
#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02
struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int regsPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int multiProcessorCount;
  int major, minor;
};

cudaError_t cudaMalloc(void** p, size_t bytes);
template <typename T>
inline cudaError_t cudaMalloc(T** p, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(p), bytes);
}
cudaError_t cudaFree(void* p);
cudaError_t cudaMallocHost(void** p, size_t bytes);
cudaError_t cudaFreeHost(void* p);
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s = nullptr);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t s = nullptr);
cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaGetDevice(int* d);
cudaError_t cudaSetDevice(int d);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int d);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaDeviceReset();
cudaError_t cudaStreamCreate(cudaStream_t* s);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaStreamQuery(cudaStream_t s);
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned flags = 0);
cudaError_t cudaEventCreate(cudaEvent_t* e);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventQuery(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorName(cudaError_t e);
// The emulator's own errors (bounds, shared memory, races) carry a report naming the kernel, the
// block, the threads and the address: cudaGetErrorString returns it for the last such error.
const char* cudaGetErrorString(cudaError_t e);

// ---- the launch (called by tl::cuda::launch in native/cuda/common.cuh) ------------------------------
namespace emu {
struct LaunchDesc {
  const char* name;  // the kernel, with its template arguments
  dim3 grid, block;
  size_t shmem;            // dynamic shared memory bytes
  void (*run)(void* rec);  // runs one thread: the kernel on the arguments in rec
  void* rec;               // the converted arguments (the only host memory a kernel may read)
  size_t rec_bytes;
  cudaStream_t stream;  // the launch's stream (counted per stream: tl_cuda_emu_stream_work)
};
void launch(const LaunchDesc& d);
// "void f() [with auto Kernel = ns::kernel<T>; ...]" -> "ns::kernel<T>" (kept for the process)
const char* kernel_name(const char* pretty);

template <typename F>
struct KernelArgs;
template <typename... P>
struct KernelArgs<void (*)(P...)> {
  using tuple = std::tuple<std::decay_t<P>...>;
};

template <auto Kernel, typename... Args>
inline void launch_kernel(dim3 grid, dim3 block, size_t shmem, cudaStream_t stream, Args&&... args) {
  using Tuple = typename KernelArgs<decltype(Kernel)>::tuple;
  static const char* const name = kernel_name(__PRETTY_FUNCTION__);
  Tuple rec(std::forward<Args>(args)...);  // the argument conversions of a real launch
  LaunchDesc d{name, grid,        block, shmem, [](void* r) { std::apply(Kernel, *static_cast<Tuple*>(r)); },
               &rec, sizeof(rec), stream};
  launch(d);
}
}  // namespace emu
