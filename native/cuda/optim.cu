// native/cuda/optim.cu — CUDA fused optimizer steps, in place, with exactly the formulas, options
// and operation order of native/cpu/optim.cc (torch.optim's single-tensor path): Adam/AdamW (L2 or
// decoupled weight decay, amsgrad, maximize) and SGD (momentum, dampening, Nesterov, weight decay,
// maximize). The step constants are computed on the host with the CPU's code; on the device every
// multiply and add is explicitly rounded (__f/__d{add,sub,mul}_rn: no FMA contraction, which the
// x86-64 CPU build does not do either) and sqrt/division are IEEE, so a CUDA step is bit-identical
// to a CPU step on the same float32/float64 inputs.
#include <cmath>
#include <cstdint>

#include "core/dispatch.h"
#include "ops/optim.h"
#include "cuda/common.cuh"

namespace tl {
namespace {

__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

template <typename T>
struct AdamConsts {
  T step_size, bc2_sqrt, b1, b2, eps, wd, decay, one_minus_b1, one_minus_b2;
  bool amsgrad, decoupled, maximize, has_wd;
};

// p, m, v, vmax [n] updated in place from g [n]
template <typename T>
__global__ void adam_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                            T* __restrict__ vmax, int64_t n, AdamConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    T pi = p[i];
    if (k.decoupled)
      pi = mul_rn(pi, k.decay);
    else if (k.has_wd)
      gi = add_rn(gi, mul_rn(k.wd, pi));
    const T mi = add_rn(m[i], mul_rn(sub_rn(gi, m[i]), k.one_minus_b1));  // lerp, as torch does
    m[i] = mi;
    T vv = add_rn(mul_rn(v[i], k.b2), mul_rn(mul_rn(k.one_minus_b2, gi), gi));
    v[i] = vv;
    if (k.amsgrad) {
      const T mx = vmax[i] > vv ? vmax[i] : vv;
      vmax[i] = mx;
      vv = mx;
    }
    const T denom = add_rn(sqrt(vv) / k.bc2_sqrt, k.eps);
    p[i] = sub_rn(pi, mul_rn(k.step_size, mi) / denom);
  }
}

void adam_step_cuda(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                    const TensorView& vmax, const AdamParams& a) {
  require_cuda("adam_step", {&p, &g, &m, &v});
  if (a.amsgrad) require_cuda("adam_step", {&vmax});
  dispatch_float("adam_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    // host constants, computed as the CPU kernel computes them
    const double bc1 = 1.0 - std::pow(a.beta1, double(a.step));
    const double bc2 = 1.0 - std::pow(a.beta2, double(a.step));
    AdamConsts<T> k;
    k.step_size = T(a.lr / bc1);
    k.bc2_sqrt = T(std::sqrt(bc2));
    k.b1 = T(a.beta1);
    k.b2 = T(a.beta2);
    k.eps = T(a.eps);
    k.wd = T(a.weight_decay);
    k.decay = T(1.0 - a.lr * a.weight_decay);
    k.one_minus_b1 = T(1) - k.b1;
    k.one_minus_b2 = T(1) - k.b2;
    k.amsgrad = a.amsgrad;
    k.decoupled = a.decoupled;
    k.maximize = a.maximize;
    k.has_wd = a.weight_decay != 0;
    cuda::launch<adam_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(), m.ptr<T>(),
                                 v.ptr<T>(), a.amsgrad ? vmax.ptr<T>() : nullptr, n, k);
    TL_CUDA_LAUNCH_CHECK("adam_step");
  });
}
TL_REGISTER_KERNEL(adam_step_op, CUDA, adam_step_cuda, kFloatTypes);

template <typename T>
struct SgdConsts {
  T lr, mom, damp, wd;
  bool has_wd, has_mom, nesterov, first_step, maximize;
};

// p, buf [n] updated in place from g [n]
template <typename T>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, int64_t n, SgdConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    const T pi = p[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, pi));
    if (k.has_mom) {
      const T b = k.first_step ? gi : add_rn(mul_rn(k.mom, buf[i]), mul_rn(k.damp, gi));
      buf[i] = b;
      gi = k.nesterov ? add_rn(gi, mul_rn(k.mom, b)) : b;
    }
    p[i] = sub_rn(pi, mul_rn(k.lr, gi));
  }
}

void sgd_step_cuda(const TensorView& p, const TensorView& g, const TensorView& buf, const SgdParams& s) {
  require_cuda("sgd_step", {&p, &g});
  if (s.momentum != 0) require_cuda("sgd_step", {&buf});
  dispatch_float("sgd_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    SgdConsts<T> k;
    k.lr = T(s.lr);
    k.mom = T(s.momentum);
    k.damp = T(1.0 - s.dampening);
    k.wd = T(s.weight_decay);
    k.has_wd = s.weight_decay != 0;
    k.has_mom = s.momentum != 0;
    k.nesterov = s.nesterov;
    k.first_step = s.first_step;
    k.maximize = s.maximize;
    cuda::launch<sgd_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(),
                                k.has_mom ? buf.ptr<T>() : nullptr, n, k);
    TL_CUDA_LAUNCH_CHECK("sgd_step");
  });
}
TL_REGISTER_KERNEL(sgd_step_op, CUDA, sgd_step_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
