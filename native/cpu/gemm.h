// native/cpu/gemm.h — torchlet's internal CPU GEMM (float and double), used by matmul, linear and conv.
// Contract: row-major, BLAS-like  C = alpha * op(A) @ op(B) + beta * C  with
//   op(A) = trans_a ? A^T : A   of shape [M, K]   (A is [M, K] with row stride lda, or [K, M] if trans_a)
//   op(B) = trans_b ? B^T : B   of shape [K, N]   (B is [K, N] with row stride ldb, or [N, K] if trans_b)
//   C is [M, N] with row stride ldc.
// When beta == 0, C is write-only (never read: NaN or garbage in C does not propagate); K == 0 or
// alpha == 0 gives C = beta * C. `parallel` lets the call use OpenMP threads; inside an active parallel
// region it always runs serially, so callers may parallelise over independent GEMMs themselves.
// Implementation: BLIS-style blocking (packed A/B panels, register-blocked micro-kernels); the ISA
// (AVX-512 / AVX2+FMA / baseline SSE2) is chosen at run time, no -march flags needed.
#pragma once
#include <cstdint>
#include <vector>

namespace tl {
namespace cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc, bool parallel);

extern template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                                 int64_t, float, float*, int64_t, bool);
extern template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                                  int64_t, double, double*, int64_t, bool);

// ---- extension point: operands produced by the caller (implicit im2col in conv.cc) ----------
// An operand is seen as X(k, i): k runs over the reduction dimension K and i over the operand's outer
// dimension (M for A: X(k, i) = op(A)[i][k]; N for B: X(k, i) = op(B)[k][i]).
// pack() writes one panel: dst[k * w + r] = X(k0 + k, i0 + r) for k < kc, r < n, and zeros for
// n <= r < w. With a parallel gemm_ex it is called from several threads at once (disjoint panels).
// packed_panel() may return data already in that layout for the whole K range (X(k, i0 + r) at
// [k * w + r]), which the gemm then reads in place instead of calling pack(); nullptr = not available.
template <typename T>
struct Packer {
  virtual void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t i0, int64_t n) const = 0;
  virtual const T* packed_panel(int /*w*/, int64_t /*i0*/) const { return nullptr; }
  virtual ~Packer() = default;
};

// Fast panel packers for Packer implementations (SIMD transposes, run-time ISA); w is the gemm's
// MR or NR (other widths take a scalar path):
//   pack_strided: X(k, i) = src[i * i_stride + k * k_stride]
//   pack_rows:    X(k, i) = rows[i][k]          (n row pointers, each with kc readable elements)
//   pack_offsets: X(k, i) = base[offs[k] + i]   (kc offsets, each with n readable elements)
template <typename T>
void pack_strided(T* dst, int w, const T* src, int64_t i_stride, int64_t k_stride, int64_t n, int64_t kc);
template <typename T>
void pack_rows(T* dst, int w, const T* const* rows, int64_t n, int64_t kc);
template <typename T>
void pack_offsets(T* dst, int w, const T* base, const int64_t* offs, int64_t n, int64_t kc);

// An operand stored as a strided matrix: X(k, i) = src[i * i_stride + k * k_stride].
template <typename T>
struct StridedOperand final : Packer<T> {
  const T* src;
  int64_t is, ks;
  StridedOperand(const T* s, int64_t i_stride, int64_t k_stride) : src(s), is(i_stride), ks(k_stride) {}
  void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t i0, int64_t n) const override {
    pack_strided(dst, w, src + i0 * is + k0 * ks, is, ks, n, kc);
  }
};

// An A operand [M, K] packed once (for the current ISA) and reused by many gemm_ex calls, e.g. conv
// weights shared by every image of a batch. The packed data lives in `buf` when given (at least
// PackedA::size(M, K) elements, kept alive by the caller: callers reuse one buffer across calls, so
// that big weights cost no fresh pages per call), else in the object.
template <typename T>
class PackedA final : public Packer<T> {
 public:
  PackedA(int64_t M, int64_t K, const Packer<T>& src, T* buf = nullptr);
  struct Prepacked {};
  // A view of data that an earlier PackedA(M, K, src, data) wrote (size(M, K) elements, same process).
  PackedA(int64_t M, int64_t K, const T* data, Prepacked);
  static int64_t size(int64_t M, int64_t K);
  void pack(T* dst, int w, int64_t k0, int64_t kc, int64_t i0, int64_t n) const override;
  const T* packed_panel(int w, int64_t i0) const override;
  int mr() const { return mr_; }  // rows per panel

 private:
  int64_t K_;
  int mr_;
  std::vector<T> own_;
  const T* data_;
};

// C = alpha * A @ B + beta * C with both operands given by packers (same semantics as gemm()).
template <typename T>
void gemm_ex(int64_t M, int64_t N, int64_t K, T alpha, const Packer<T>& a, const Packer<T>& b, T beta, T* C,
             int64_t ldc, bool parallel);

// dst[r * dst_stride + c] = src[r * src_stride + c] + add for r < rows, c < cols (no overlap between
// dst and src): vectorised layout moves for conv (padding, dropping junk columns, adding bias).
template <typename T>
void copy_block(T* dst, int64_t dst_stride, const T* src, int64_t src_stride, int64_t rows, int64_t cols, T add);

// ---- direct convolution tiles (conv.cc's Direct algorithm) -------------------------------------------
// tile(K, w, x, base, delta, wk, out): out[r * oc_w + o] = sum_{k < K} w[row(k) * oc_w + o] * x[base[r] +
// delta[k]] for r < pixels, o < oc_w, row(k) = wk ? wk[k] : k: `pixels` output pixels times `oc_w` output
// channels of a convolution read straight from the (zero-padded) input, base[r] locating pixel r's
// window and delta[k] reduction index k (channel, tap) within it; w is 64-byte aligned, [rows][oc_w]
// (wk: a subset of the reduction, e.g. the taps that meet the input for a tile of border pixels). For
// the current ISA (see below); oc = output channels per group: at most one vector's lanes of them take
// a narrow tile (twice the pixels, oc_w = one vector), so that no lanes compute padding channels.
template <typename T>
struct DirectConv {
  int pixels, oc_w;
  void (*tile)(int64_t K, const T* w, const T* x, const int64_t* base, const int64_t* delta, const int64_t* wk, T* out);
};
template <typename T>
DirectConv<T> direct_conv_kernel(int64_t oc);

// ---- row tiles of a direct convolution with a short reduction (conv.cc's Direct, few input channels) ----
// tile(K, w, x, off, n, bias, relu, y, ys): for o < oc_w output channels and p < n <= max_nv * lanes
// output pixels along one output row, y[o * ys + p] = act(sum_{k < K} w[k * oc_w + o] * x[off[k] + p] +
// bias[o]) (bias may be null; act = ReLU when relu, NaN kept): the pixels are the vector lanes, read as
// contiguous runs of the (stride-phase split, zero-padded) input and stored as contiguous runs of y's
// rows, so that no tile is transposed into NCHW. Reads up to off[k] + ceil(n / lanes) * lanes.
template <typename T>
struct RowConv {
  int oc_w, lanes, max_nv;
  void (*tile)(int64_t K, const T* w, const T* x, const int64_t* off, int64_t n, const T* bias, bool relu, T* y,
               int64_t ys);
};
template <typename T>
RowConv<T> row_conv_kernel();

// Micro-kernel instruction set. Auto picks the best the CPU supports; forcing one the CPU lacks
// falls back to Auto. For tests and benchmarks; not thread-safe against concurrent gemm calls.
enum class GemmIsa { Auto = 0, Generic = 1, Avx2 = 2, Avx512 = 3 };
void gemm_set_isa(GemmIsa isa);
const char* gemm_isa_name();  // the ISA in use now: "avx512", "avx2" or "generic"

}  // namespace cpu
}  // namespace tl
