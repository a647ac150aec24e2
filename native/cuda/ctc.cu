// native/cuda/ctc.cu — CUDA kernels of the CTC loss (native/ops/ctc.h), the CPU kernels' steps
// (ctc:: in ops/ctc.h): one block per batch item runs the alpha (forward) or beta (backward) recursion,
// its threads over s, one __syncthreads per step t (rows in global memory: logAlpha, and a scratch
// logBeta [N, T, 2S + 1]); the gradient is one thread per (t, b, c) gathering alpha * beta over the s
// of class c in the CPU's order (descending s): deterministic, no atomics. The per-item lengths and
// label offsets travel to the device in one scratch buffer.
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "cuda/common.cuh"
#include "ops/ctc.h"

namespace tl {
namespace {

constexpr int kThreads = 256;

// the threads of a recursion block: enough warps for the 2S + 1 states, at most kThreads
int recursion_threads(int64_t W) {
  const int64_t w = (W + 31) / 32 * 32;
  return int(w < kThreads ? w : kThreads);
}

// device scratch, freed at scope exit (stream-ordered: reused only by work queued later on this stream)
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  explicit Scratch(size_t n) : bytes(n ? n : 1) { p = cuda::device_alloc(bytes); }
  ~Scratch() { cuda::device_free(p, bytes); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// lens: [3, N] (input lengths, target lengths, label offsets) on the device
int64_t* upload_lengths(const CtcParams& p, Scratch& s) {
  std::vector<int64_t> h;
  h.reserve(size_t(3 * p.N));
  h.insert(h.end(), p.input_lengths.begin(), p.input_lengths.end());
  h.insert(h.end(), p.target_lengths.begin(), p.target_lengths.end());
  h.insert(h.end(), p.target_offsets.begin(), p.target_offsets.end());
  // from pageable host memory the runtime stages the bytes before returning: h may go at once
  TL_CUDA_CHECK(cudaMemcpyAsync(s.p, h.data(), h.size() * sizeof(int64_t), cudaMemcpyHostToDevice, cuda::stream()));
  return static_cast<int64_t*>(s.p);
}

struct Geom {
  int64_t T, N, C, W, blank;
  bool zero_infinity;
};

template <typename T>
__global__ void ctc_alpha_kernel(const T* __restrict__ lp, const int64_t* __restrict__ labels_all,
                                 const int64_t* __restrict__ lens, T* __restrict__ alpha_all, T* __restrict__ out,
                                 Geom g) {
  const int64_t b = blockIdx.x;
  const int64_t il = lens[b], tl = lens[g.N + b], last = 2 * tl, rs = g.N * g.C;
  const int64_t* labels = labels_all + lens[2 * g.N + b];
  T* a = alpha_all + b * g.T * g.W;
  const T* xb = lp + b * g.C;
  if (il > 0) {
    for (int64_t s = threadIdx.x; s <= last; s += blockDim.x)
      a[s] = s == 0 ? xb[g.blank] : s == 1 ? ctc::lp_at(xb, labels[0], g.C) : ctc::neg_inf<T>();
    __syncthreads();
    for (int64_t t = 1; t < il; ++t) {
      for (int64_t s = threadIdx.x; s <= last; s += blockDim.x)
        a[t * g.W + s] = ctc::alpha_step(a + (t - 1) * g.W, xb + t * rs, labels, s, g.blank, g.C);
      __syncthreads();
    }
  }
  if (threadIdx.x == 0) {
    const T nll = ctc::nll(a + (il > 0 ? il - 1 : 0) * g.W, il, tl);
    out[b] = g.zero_infinity && nll == -ctc::neg_inf<T>() ? T(0) : nll;
  }
}

template <typename T>
__global__ void ctc_beta_kernel(const T* __restrict__ lp, const int64_t* __restrict__ labels_all,
                                const int64_t* __restrict__ lens, T* __restrict__ beta_all, Geom g) {
  const int64_t b = blockIdx.x;
  const int64_t il = lens[b], tl = lens[g.N + b], last = 2 * tl, rs = g.N * g.C;
  const int64_t* labels = labels_all + lens[2 * g.N + b];
  T* be = beta_all + b * g.T * g.W;
  const T* xb = lp + b * g.C;
  if (il == 0) return;
  {
    const int64_t t = il - 1;
    const T* row = xb + t * rs;
    for (int64_t s = threadIdx.x; s <= last; s += blockDim.x)
      be[t * g.W + s] = s == last       ? row[g.blank]
                        : s == last - 1 ? ctc::lp_at(row, ctc::prime(labels, s, g.blank), g.C)
                                        : ctc::neg_inf<T>();
    __syncthreads();
  }
  for (int64_t t = il - 2; t >= 0; --t) {
    for (int64_t s = threadIdx.x; s <= last; s += blockDim.x)
      be[t * g.W + s] = ctc::beta_step(be + (t + 1) * g.W, xb + t * rs, labels, s, last, g.blank, g.C);
    __syncthreads();
  }
}

// gradInput [T, N, C]: one element per thread
template <typename T>
__global__ void ctc_grad_kernel(const T* __restrict__ gout, const T* __restrict__ lp,
                                const int64_t* __restrict__ labels_all, const int64_t* __restrict__ lens,
                                const T* __restrict__ alpha_all, const T* __restrict__ beta_all, T* __restrict__ gx,
                                Geom g, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % g.C, b = (e / g.C) % g.N, t = e / (g.C * g.N);
    const int64_t il = lens[b], tl = lens[g.N + b], last = 2 * tl;
    const T* a = alpha_all + b * g.T * g.W;
    const T nll = ctc::nll(a + (il > 0 ? il - 1 : 0) * g.W, il, tl);
    if (t >= il || (g.zero_infinity && nll == -ctc::neg_inf<T>())) {
      gx[e] = T(0);
      continue;
    }
    const int64_t* labels = labels_all + lens[2 * g.N + b];
    const T* at = a + t * g.W;
    const T* bt = beta_all + (b * g.T + t) * g.W;
    // the CPU's accumulation order: s from last down to 0
    T lcab = ctc::neg_inf<T>();
    for (int64_t s = last; s >= 0; --s)
      if (ctc::prime(labels, s, g.blank) == c) lcab = ctc::log_add(lcab, at[s] + bt[s]);
    gx[e] = ctc::grad_of(lp[e], lcab, nll, gout[b]);
  }
}

Geom geom_of(const CtcParams& p) { return Geom{p.T, p.N, p.C, 2 * p.S + 1, p.blank, p.zero_infinity}; }

void ctc_loss_cuda(const TensorView& lp, const TensorView& tg, const TensorView& out, const TensorView& la,
                   const CtcParams& p) {
  require_cuda("ctc_loss", {&lp, &tg, &out, &la});
  if (p.N == 0) return;
  const Geom g = geom_of(p);
  Scratch lens_buf(size_t(3 * p.N) * sizeof(int64_t));
  const int64_t* lens = upload_lengths(p, lens_buf);
  dispatch_float("ctc_loss", lp.dtype, [&](auto z) {
    using T = decltype(z);
    cuda::launch<ctc_alpha_kernel<T>>(unsigned(p.N), recursion_threads(g.W), 0, cuda::stream(), lp.ptr<T>(),
                                      tg.ptr<int64_t>(), lens, la.ptr<T>(), out.ptr<T>(), g);
    TL_CUDA_LAUNCH_CHECK("ctc_loss");
  });
}
TL_REGISTER_KERNEL(ctc_loss_op, CUDA, ctc_loss_cuda, kFloatTypes);

void ctc_loss_backward_cuda(const TensorView& gout, const TensorView& lp, const TensorView& tg, const TensorView& la,
                            const TensorView& gi, const CtcParams& p) {
  require_cuda("ctc_loss_backward", {&gout, &lp, &tg, &la, &gi});
  const int64_t total = gi.numel();
  if (total == 0) return;
  const Geom g = geom_of(p);
  Scratch lens_buf(size_t(3 * p.N) * sizeof(int64_t));
  const int64_t* lens = upload_lengths(p, lens_buf);
  dispatch_float("ctc_loss_backward", lp.dtype, [&](auto z) {
    using T = decltype(z);
    Scratch beta_buf(size_t(la.numel()) * sizeof(T));
    T* beta = static_cast<T*>(beta_buf.p);
    cuda::launch<ctc_beta_kernel<T>>(unsigned(p.N), recursion_threads(g.W), 0, cuda::stream(), lp.ptr<T>(),
                                     tg.ptr<int64_t>(), lens, beta, g);
    TL_CUDA_LAUNCH_CHECK("ctc_loss_backward");
    cuda::launch<ctc_grad_kernel<T>>(cuda::blocks_for(total, kThreads), kThreads, 0, cuda::stream(), gout.ptr<T>(),
                                     lp.ptr<T>(), tg.ptr<int64_t>(), lens, la.ptr<T>(), beta, gi.ptr<T>(), g, total);
    TL_CUDA_LAUNCH_CHECK("ctc_loss_backward");
  });
}
TL_REGISTER_KERNEL(ctc_loss_backward_op, CUDA, ctc_loss_backward_cuda, kFloatTypes);

}  // namespace
}  // namespace tl
