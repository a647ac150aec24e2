// native/core/ops.h — every op's native signature and its OpTable (one per op, per device).
// Contract: arguments are already validated in TypeScript (lib/); buffers are contiguous and
// row-major unless the signature carries strides; outputs are preallocated by the caller.
// Each CPU kernel lives in native/cpu/<family>.cc, the CUDA one in native/cuda/<family>.cu.
#pragma once
#include "registry.h"

namespace tl {

// ---- memory / elementwise (native/cpu/elementwise.cc) ----------------------------------
// Strided copy with dtype conversion over out.shape: out[out_strides] <- src[strides], both
// starting at their data pointers (offsets applied). Empty out_strides = out contiguous.
using CopyStridedFn = void (*)(const TensorView& src, const std::vector<int64_t>& strides, const TensorView& out,
                               const std::vector<int64_t>& out_strides);
extern OpTable<CopyStridedFn> copy_strided_op;
using FillFn = void (*)(const TensorView& out, double value);
extern OpTable<FillFn> fill_op;

enum class BinaryOp : int32_t { Add = 0, Sub, Mul, Div, Pow, Eq, Ne, Lt, Le, Gt, Ge, Maximum, Minimum };
// out[i] = a[ia] op b[ib] over out.shape with broadcast strides (0 on broadcast dims).
// a and b share a dtype; out has that dtype, or U8 for comparisons.
using BinaryFn = void (*)(BinaryOp op, const TensorView& a, const std::vector<int64_t>& a_strides,
                          const TensorView& b, const std::vector<int64_t>& b_strides, const TensorView& out);
extern OpTable<BinaryFn> binary_op;

enum class UnaryOp : int32_t {
  Neg = 0, Exp, Log, Sqrt, Abs, Relu, Sigmoid, Tanh, AddScalar, MulScalar, PowScalar, RsubScalar, RdivScalar
};
// out = f(a, scalar) on contiguous buffers of one dtype.
using UnaryFn = void (*)(UnaryOp op, const TensorView& a, double scalar, const TensorView& out);
extern OpTable<UnaryFn> unary_op;

enum class UnaryBackwardOp : int32_t { Relu = 0, Sigmoid, Tanh };
// dx = dy * f'(t), where t is the op's input (Relu) or output (Sigmoid, Tanh).
using UnaryBackwardFn = void (*)(UnaryBackwardOp op, const TensorView& t, const TensorView& dy, const TensorView& dx);
extern OpTable<UnaryBackwardFn> unary_backward_op;

// ---- reductions (native/cpu/reduce.cc) ---------------------------------------------------
enum class ReduceOp : int32_t { Sum = 0, Mean, Max, Min, Argmax, Argmin };
// x viewed as [outer, r, inner]; out is [outer, inner] (I64 for Argmax/Argmin).
using ReduceFn = void (*)(ReduceOp op, const TensorView& x, int64_t outer, int64_t r, int64_t inner, const TensorView& out);
extern OpTable<ReduceFn> reduce_op;

// ---- matrix products (native/cpu/gemm.cc) -----------------------------------------------
// Batched: C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b]; A is [batch, M, K] (or [batch, K, M]
// if trans_a), B is [batch, K, N] (or [batch, N, K] if trans_b), C is [batch, M, N].
// A batch stride of 0 broadcasts that operand.
struct MatmulParams {
  int64_t batch, M, N, K;
  bool trans_a, trans_b;
  int64_t stride_a, stride_b, stride_c;  // elements between batch entries
  double alpha, beta;
};
using MatmulFn = void (*)(const TensorView& a, const TensorView& b, const TensorView& c, const MatmulParams& p);
extern OpTable<MatmulFn> matmul_op;

// y[M,N] = x[M,K] @ w[N,K]^T + bias[N] (bias may have data == nullptr).
using LinearFn = void (*)(const TensorView& x, const TensorView& w, const TensorView& bias, const TensorView& y);
extern OpTable<LinearFn> linear_forward_op;

// ---- convolution (native/cpu/conv2d.cc) --------------------------------------------------
struct Conv2dParams {
  int64_t N, C, H, W;      // input  [N, C, H, W]
  int64_t OC, KH, KW;      // weight [OC, C/groups, KH, KW]
  int64_t OH, OW;          // output [N, OC, OH, OW]
  int64_t sh, sw, ph, pw, dh, dw, groups;
};
// y = conv(x, w) + b (b.data may be nullptr)
using Conv2dForwardFn = void (*)(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                                 const Conv2dParams& p);
// dx = conv_transpose(dy, w)  (dx is overwritten)
using Conv2dBackwardInputFn = void (*)(const TensorView& dy, const TensorView& w, const TensorView& dx,
                                       const Conv2dParams& p);
// dw = corr(x, dy) (overwritten); db = sum(dy) over N,OH,OW (overwritten; skipped if db.data == nullptr)
using Conv2dBackwardWeightFn = void (*)(const TensorView& dy, const TensorView& x, const TensorView& dw,
                                        const TensorView& db, const Conv2dParams& p);
extern OpTable<Conv2dForwardFn> conv2d_forward_op;
extern OpTable<Conv2dBackwardInputFn> conv2d_backward_input_op;
extern OpTable<Conv2dBackwardWeightFn> conv2d_backward_weight_op;

// ---- 3-D convolution (native/cpu/conv3d.cc) -----------------------------------------------
struct Conv3dParams {
  int64_t N, C, D, H, W;       // input  [N, C, D, H, W]
  int64_t OC, KD, KH, KW;      // weight [OC, C/groups, KD, KH, KW]
  int64_t OD, OH, OW;          // output [N, OC, OD, OH, OW]
  int64_t sd, sh, sw, pd, ph, pw, dd, dh, dw, groups;
};
// Same contracts as the conv2d functions above, one more spatial dim.
using Conv3dForwardFn = void (*)(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                                 const Conv3dParams& p);
using Conv3dBackwardInputFn = void (*)(const TensorView& dy, const TensorView& w, const TensorView& dx,
                                       const Conv3dParams& p);
using Conv3dBackwardWeightFn = void (*)(const TensorView& dy, const TensorView& x, const TensorView& dw,
                                        const TensorView& db, const Conv3dParams& p);
extern OpTable<Conv3dForwardFn> conv3d_forward_op;
extern OpTable<Conv3dBackwardInputFn> conv3d_backward_input_op;
extern OpTable<Conv3dBackwardWeightFn> conv3d_backward_weight_op;

// ---- pooling (native/cpu/pool2d.cc) ------------------------------------------------------
struct Pool2dParams {
  int64_t N, C, H, W, OH, OW;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};
// y[N,C,OH,OW] = max over window; idx (I64) = flat h*W+w index of the max in its input plane.
using MaxPool2dForwardFn = void (*)(const TensorView& x, const TensorView& y, const TensorView& idx, const Pool2dParams& p);
// dx (zeroed by the kernel) += dy scattered through idx.
using MaxPool2dBackwardFn = void (*)(const TensorView& dy, const TensorView& idx, const TensorView& dx, const Pool2dParams& p);
extern OpTable<MaxPool2dForwardFn> max_pool2d_forward_op;
extern OpTable<MaxPool2dBackwardFn> max_pool2d_backward_op;
// Fused relu + max pooling over non-overlapping windows (kh == sh, kw == sw, no padding, dilation 1;
// windows cover rows [0, OH*kh) and columns [0, OW*kw)): y = max_pool2d(relu(x)) = relu(max_pool2d(x)),
// tap (U8) = window-local index i*kw + j of the max (PyTorch's rule: greater or NaN wins, so the last
// NaN). Backward: dx (every element overwritten) = dy at the tap of windows where !(y <= 0), else 0 —
// exactly the gradient of max_pool2d(relu(x)).
using ReluMaxPool2dForwardFn = void (*)(const TensorView& x, const TensorView& y, const TensorView& tap, const Pool2dParams& p);
using ReluMaxPool2dBackwardFn = void (*)(const TensorView& dy, const TensorView& y, const TensorView& tap, const TensorView& dx,
                                         const Pool2dParams& p);
extern OpTable<ReluMaxPool2dForwardFn> relu_max_pool2d_forward_op;
extern OpTable<ReluMaxPool2dBackwardFn> relu_max_pool2d_backward_op;
// conv2d (+ bias) followed by relu_max_pool2d in one pass (native/cpu/conv2d.cc): y, tap are the pooled
// output and taps (pp: pooling of the conv output, C = OC, H = OH, W = OW); the full-size conv
// output is never stored. The backward ops take the pooled gradient g with y and tap, rebuild the
// conv-output gradient image by image, and otherwise follow conv2d_backward_input/weight.
using Conv2dReluMaxPool2dForwardFn = void (*)(const TensorView& x, const TensorView& w, const TensorView& b, const TensorView& y,
                                              const TensorView& tap, const Conv2dParams& p, const Pool2dParams& pp);
using Conv2dReluMaxPool2dBackwardInputFn = void (*)(const TensorView& g, const TensorView& y, const TensorView& tap,
                                                    const TensorView& w, const TensorView& dx, const Conv2dParams& p,
                                                    const Pool2dParams& pp);
using Conv2dReluMaxPool2dBackwardWeightFn = void (*)(const TensorView& g, const TensorView& y, const TensorView& tap,
                                                     const TensorView& x, const TensorView& dw, const TensorView& db,
                                                     const Conv2dParams& p, const Pool2dParams& pp);
extern OpTable<Conv2dReluMaxPool2dForwardFn> conv2d_relu_max_pool2d_forward_op;
extern OpTable<Conv2dReluMaxPool2dBackwardInputFn> conv2d_relu_max_pool2d_backward_input_op;
extern OpTable<Conv2dReluMaxPool2dBackwardWeightFn> conv2d_relu_max_pool2d_backward_weight_op;
// Average pooling: window cropped to input+padding gives pool_size; the divisor is
// divisor_override if > 0, else pool_size (count_include_pad) or the in-input element count.
// Windows wholly in padding give 0. Backward: dx (overwritten) += dy / divisor over the window.
struct AvgPool2dParams {
  int64_t N, C, H, W, OH, OW;
  int64_t kh, kw, sh, sw, ph, pw;
  bool count_include_pad;
  int64_t divisor_override;  // 0 = none
};
using AvgPool2dForwardFn = void (*)(const TensorView& x, const TensorView& y, const AvgPool2dParams& p);
using AvgPool2dBackwardFn = void (*)(const TensorView& dy, const TensorView& dx, const AvgPool2dParams& p);
extern OpTable<AvgPool2dForwardFn> avg_pool2d_forward_op;
extern OpTable<AvgPool2dBackwardFn> avg_pool2d_backward_op;
// Input planes [N, C, H, W] and output planes [N, C, OH, OW] (adaptive pooling, unpooling).
struct Plane2dParams {
  int64_t N, C, H, W, OH, OW;
};
// Adaptive pooling: output row i covers [floor(i*H/OH), ceil((i+1)*H/OH)) (same for columns).
using AdaptiveAvgPool2dForwardFn = void (*)(const TensorView& x, const TensorView& y, const Plane2dParams& p);
using AdaptiveAvgPool2dBackwardFn = void (*)(const TensorView& dy, const TensorView& dx, const Plane2dParams& p);
// idx (I64) = flat h*W+w of the max (a NaN wins); backward is max_pool2d_backward's scatter.
using AdaptiveMaxPool2dForwardFn = void (*)(const TensorView& x, const TensorView& y, const TensorView& idx,
                                            const Plane2dParams& p);
extern OpTable<AdaptiveAvgPool2dForwardFn> adaptive_avg_pool2d_forward_op;
extern OpTable<AdaptiveAvgPool2dBackwardFn> adaptive_avg_pool2d_backward_op;
extern OpTable<AdaptiveMaxPool2dForwardFn> adaptive_max_pool2d_forward_op;
// Max unpooling: x, idx are [N, C, H, W]; y [N, C, OH, OW] zeroed, then y[plane][idx] = x
// (indices outside [0, OH*OW) throw). Backward gathers: dx = dy[plane][idx].
using MaxUnpool2dForwardFn = void (*)(const TensorView& x, const TensorView& idx, const TensorView& y,
                                      const Plane2dParams& p);
using MaxUnpool2dBackwardFn = void (*)(const TensorView& dy, const TensorView& idx, const TensorView& dx,
                                       const Plane2dParams& p);
extern OpTable<MaxUnpool2dForwardFn> max_unpool2d_forward_op;
extern OpTable<MaxUnpool2dBackwardFn> max_unpool2d_backward_op;

// ---- random (native/cpu/random.cc) -------------------------------------------------------
// Counter-based generator: element i draws from (seed, offset + i), so CPU and CUDA agree and
// results do not depend on thread count.
enum class RandomKind : int32_t { Uniform = 0, Normal, Bernoulli };
// Uniform: [a, b); Normal: mean a, std b; Bernoulli: out = (u < a) ? b : 0 (keep prob a, scale b).
using RandomFn = void (*)(RandomKind kind, const TensorView& out, double a, double b, uint64_t seed, uint64_t offset);
extern OpTable<RandomFn> random_op;

// ---- softmax and losses (native/cpu/loss.cc) ----------------------------------------------
// x viewed as [outer, C, inner]; softmax over C.
using SoftmaxFn = void (*)(const TensorView& x, const TensorView& y, int64_t outer, int64_t C, int64_t inner, bool log);
// dx from y (the forward output) and dy.
using SoftmaxBackwardFn = void (*)(const TensorView& y, const TensorView& dy, const TensorView& dx, int64_t outer,
                                   int64_t C, int64_t inner, bool log);
extern OpTable<SoftmaxFn> softmax_op;
extern OpTable<SoftmaxBackwardFn> softmax_backward_op;
// NLL over logp [N, C] with target I64 [N]; out: [N] per-sample losses (reduction done in TS);
// ignore_index entries give 0. Backward: dlogp[n, t_n] = -dloss[n], others 0.
using NllFn = void (*)(const TensorView& logp, const TensorView& target, const TensorView& out, int64_t ignore_index);
using NllBackwardFn = void (*)(const TensorView& dloss, const TensorView& target, const TensorView& dlogp,
                               int64_t ignore_index);
extern OpTable<NllFn> nll_forward_op;
extern OpTable<NllBackwardFn> nll_backward_op;

// ---- optimizer steps (native/cpu/optim.cc) --------------------------------------------------
struct AdamParams {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;  // 1-based step count after increment
  bool amsgrad, decoupled;  // decoupled = AdamW
  bool maximize;
};
// In place on param, exp_avg, exp_avg_sq, max_exp_avg_sq (used if amsgrad).
using AdamFn = void (*)(const TensorView& param, const TensorView& grad, const TensorView& m, const TensorView& v,
                        const TensorView& vmax, const AdamParams& p);
extern OpTable<AdamFn> adam_step_op;
struct SgdParams {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first_step, maximize;
};
using SgdFn = void (*)(const TensorView& param, const TensorView& grad, const TensorView& buf, const SgdParams& p);
extern OpTable<SgdFn> sgd_step_op;

}  // namespace tl
