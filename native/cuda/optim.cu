// native/cuda/optim.cu — CUDA fused optimizer steps, in place, with exactly the formulas, options
// and operation order of native/cpu/optim.cc (torch.optim's single-tensor path): Adam/AdamW (L2 or
// decoupled weight decay, amsgrad, maximize), SGD (momentum, dampening, Nesterov, weight decay,
// maximize), RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam (their step constants come from the
// host code in native/ops/optim.h that the CPU kernels use too). The step constants are computed on the host with the
// CPU's code; on the device every multiply and add is explicitly rounded (__f/__d{add,sub,mul}_rn: no FMA contraction,
// which the x86-64 CPU build does not do either) and sqrt/division are IEEE, so a CUDA step is bit-identical to a CPU
// step on the same float32/float64 inputs.
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

// p, sq, ga?, buf? [n] updated in place from g [n]
template <typename T>
__global__ void rmsprop_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sq, T* __restrict__ ga,
                               T* __restrict__ buf, int64_t n, RmspropConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    const T s = add_rn(mul_rn(sq[i], k.alpha), mul_rn(mul_rn(k.one_minus_alpha, gi), gi));
    sq[i] = s;
    T avg;
    if (k.centered) {
      const T a = add_rn(mul_rn(ga[i], k.alpha), mul_rn(k.one_minus_alpha, gi));
      ga[i] = a;
      avg = sqrt(sub_rn(s, mul_rn(a, a)));
    } else {
      avg = sqrt(s);
    }
    avg = add_rn(avg, k.eps);
    if (k.has_mom) {
      const T b = add_rn(mul_rn(buf[i], k.mom), gi / avg);
      buf[i] = b;
      p[i] = add_rn(p[i], mul_rn(k.neg_lr, b));
    } else {
      p[i] = add_rn(p[i], mul_rn(k.neg_lr, gi) / avg);
    }
  }
}
void rmsprop_step_cuda(const TensorView& p, const TensorView& g, const TensorView& sq, const TensorView& ga,
                       const TensorView& buf, const RmspropParams& a) {
  require_cuda("rmsprop_step", {&p, &g, &sq});
  if (a.centered) require_cuda("rmsprop_step", {&ga});
  if (a.momentum > 0) require_cuda("rmsprop_step", {&buf});
  dispatch_float("rmsprop_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<rmsprop_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(),
                                    sq.ptr<T>(), a.centered ? ga.ptr<T>() : nullptr,
                                    a.momentum > 0 ? buf.ptr<T>() : nullptr, n, rmsprop_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("rmsprop_step");
  });
}
TL_REGISTER_KERNEL(rmsprop_step_op, CUDA, rmsprop_step_cuda, kFloatTypes);

// p, sum [n] updated in place from g [n]
template <typename T>
__global__ void adagrad_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sum, int64_t n,
                               AdagradConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    const T s = add_rn(sum[i], mul_rn(gi, gi));
    sum[i] = s;
    const T std_ = add_rn(sqrt(s), k.eps);
    p[i] = add_rn(p[i], mul_rn(k.neg_clr, gi) / std_);
  }
}
void adagrad_step_cuda(const TensorView& p, const TensorView& g, const TensorView& sum, const AdagradParams& a) {
  require_cuda("adagrad_step", {&p, &g, &sum});
  dispatch_float("adagrad_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<adagrad_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(),
                                    sum.ptr<T>(), n, adagrad_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("adagrad_step");
  });
}
TL_REGISTER_KERNEL(adagrad_step_op, CUDA, adagrad_step_cuda, kFloatTypes);

// p, sq, acc [n] updated in place from g [n]
template <typename T>
__global__ void adadelta_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sq, T* __restrict__ acc,
                                int64_t n, AdadeltaConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    const T s = add_rn(mul_rn(sq[i], k.rho), mul_rn(mul_rn(k.one_minus_rho, gi), gi));
    sq[i] = s;
    const T std_ = sqrt(add_rn(s, k.eps));
    const T delta = mul_rn(sqrt(add_rn(acc[i], k.eps)) / std_, gi);
    acc[i] = add_rn(mul_rn(acc[i], k.rho), mul_rn(mul_rn(k.one_minus_rho, delta), delta));
    p[i] = add_rn(p[i], mul_rn(k.neg_lr, delta));
  }
}
void adadelta_step_cuda(const TensorView& p, const TensorView& g, const TensorView& sq, const TensorView& acc,
                        const AdadeltaParams& a) {
  require_cuda("adadelta_step", {&p, &g, &sq, &acc});
  dispatch_float("adadelta_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<adadelta_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(),
                                     sq.ptr<T>(), acc.ptr<T>(), n, adadelta_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("adadelta_step");
  });
}
TL_REGISTER_KERNEL(adadelta_step_op, CUDA, adadelta_step_cuda, kFloatTypes);

// p, m, u [n] updated in place from g [n]; u = max(u * beta2, |g| + eps), NaN propagated (torch.amax)
template <typename T>
__global__ void adamax_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ u,
                              int64_t n, AdamaxConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    const T mi = add_rn(mul_rn(m[i], k.b1), mul_rn(k.one_minus_b1, gi));
    m[i] = mi;
    const T a = mul_rn(u[i], k.b2);
    const T b = add_rn(gi < T(0) ? -gi : gi, k.eps);
    const T ui = (a > b || a != a) ? a : b;
    u[i] = ui;
    p[i] = add_rn(p[i], mul_rn(k.neg_clr, mi) / ui);
  }
}
void adamax_step_cuda(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& u,
                      const AdamaxParams& a) {
  require_cuda("adamax_step", {&p, &g, &m, &u});
  dispatch_float("adamax_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<adamax_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(), m.ptr<T>(),
                                   u.ptr<T>(), n, adamax_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("adamax_step");
  });
}
TL_REGISTER_KERNEL(adamax_step_op, CUDA, adamax_step_cuda, kFloatTypes);

// p, m, v [n] updated in place from g [n]
template <typename T>
__global__ void nadam_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                             int64_t n, NadamConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    const T mi = add_rn(mul_rn(m[i], k.b1), mul_rn(k.one_minus_b1, gi));
    m[i] = mi;
    const T vi = add_rn(mul_rn(v[i], k.b2), mul_rn(mul_rn(k.one_minus_b2, gi), gi));
    v[i] = vi;
    const T denom = add_rn(sqrt(vi / k.bc2), k.eps);
    const T pi = add_rn(p[i], mul_rn(k.grad_coef, gi) / denom);
    p[i] = add_rn(pi, mul_rn(k.avg_coef, mi) / denom);
  }
}
void nadam_step_cuda(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                     const NadamParams& a) {
  require_cuda("nadam_step", {&p, &g, &m, &v});
  dispatch_float("nadam_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<nadam_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(), m.ptr<T>(),
                                  v.ptr<T>(), n, nadam_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("nadam_step");
  });
}
TL_REGISTER_KERNEL(nadam_step_op, CUDA, nadam_step_cuda, kFloatTypes);

// p, m, v [n] updated in place from g [n]
template <typename T>
__global__ void radam_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                             int64_t n, RadamConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    const T mi = add_rn(mul_rn(m[i], k.b1), mul_rn(k.one_minus_b1, gi));
    m[i] = mi;
    const T vi = add_rn(mul_rn(v[i], k.b2), mul_rn(mul_rn(k.one_minus_b2, gi), gi));
    v[i] = vi;
    const T bcm = mi / k.bc1;
    T upd;
    if (k.rectified) {
      const T adaptive = k.adapt_num / add_rn(sqrt(vi), k.eps);
      upd = mul_rn(mul_rn(mul_rn(bcm, k.lr), adaptive), k.rect);
    } else {
      upd = mul_rn(bcm, k.lr);
    }
    p[i] = sub_rn(p[i], upd);
  }
}
void radam_step_cuda(const TensorView& p, const TensorView& g, const TensorView& m, const TensorView& v,
                     const RadamParams& a) {
  require_cuda("radam_step", {&p, &g, &m, &v});
  dispatch_float("radam_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<radam_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(), m.ptr<T>(),
                                  v.ptr<T>(), n, radam_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("radam_step");
  });
}
TL_REGISTER_KERNEL(radam_step_op, CUDA, radam_step_cuda, kFloatTypes);

// p, prev, ss [n] updated in place from g [n]; as native/cpu/optim.cc's rprop_typed (sign(NaN) = 0,
// clamping keeps NaN)
template <typename T>
__global__ void rprop_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ prev, T* __restrict__ ss,
                             int64_t n, RpropConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    const T prod = mul_rn(gi, prev[i]);
    T s = ss[i];
    if (prod > T(0)) {
      s = mul_rn(s, k.etaplus);
    } else if (prod < T(0)) {
      s = mul_rn(s, k.etaminus);
      gi = T(0);
    }
    s = s < k.lo ? k.lo : s;
    s = k.hi < s ? k.hi : s;
    ss[i] = s;
    const T sg = T(int(T(0) < gi) - int(gi < T(0)));
    p[i] = add_rn(p[i], mul_rn(-sg, s));
    prev[i] = gi;
  }
}
void rprop_step_cuda(const TensorView& p, const TensorView& g, const TensorView& prev, const TensorView& ss,
                     const RpropParams& a) {
  require_cuda("rprop_step", {&p, &g, &prev, &ss});
  dispatch_float("rprop_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<rprop_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(),
                                  prev.ptr<T>(), ss.ptr<T>(), n, rprop_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("rprop_step");
  });
}
TL_REGISTER_KERNEL(rprop_step_op, CUDA, rprop_step_cuda, kFloatTypes);

// p, ax [n] updated in place from g [n]
template <typename T>
__global__ void asgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ ax, int64_t n,
                            AsgdConsts<T> k) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T gi = k.maximize ? -g[i] : g[i];
    if (k.has_wd) gi = add_rn(gi, mul_rn(k.wd, p[i]));
    T pi = mul_rn(p[i], k.decay);
    pi = add_rn(pi, mul_rn(k.neg_eta, gi));
    p[i] = pi;
    ax[i] = k.average ? add_rn(ax[i], mul_rn(sub_rn(pi, ax[i]), k.mu)) : pi;
  }
}
void asgd_step_cuda(const TensorView& p, const TensorView& g, const TensorView& ax, const AsgdParams& a) {
  require_cuda("asgd_step", {&p, &g, &ax});
  dispatch_float("asgd_step", p.dtype, [&](auto z) {
    using T = decltype(z);
    const int64_t n = p.numel();
    if (n == 0) return;
    cuda::launch<asgd_kernel<T>>(cuda::blocks_for(n, 256), 256, 0, cuda::stream(), p.ptr<T>(), g.ptr<T>(), ax.ptr<T>(),
                                 n, asgd_consts<T>(a));
    TL_CUDA_LAUNCH_CHECK("asgd_step");
  });
}
TL_REGISTER_KERNEL(asgd_step_op, CUDA, asgd_step_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
