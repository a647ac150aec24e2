// native/cpu/index.cc — CPU kernels of the indexing ops (ops/index.h): gather, scatter, where and
// nonzero, OpenMP over independent elements (gather, where), over independent lines along dim
// (scatter: each line applied in order by one thread, so repeated indices resolve as on CUDA) and
// over chunks of the input (nonzero: per-chunk counts, then each chunk writes from its prefix).
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/index.h"

namespace tl {
namespace {

// Offsets of linear position i over `shape` for up to three stride arrays.
struct Walker {
  int nd;
  const int64_t* shape;
  const int64_t* st[3];
  inline void at(int64_t i, int64_t* off, int k) const {
    for (int j = 0; j < k; ++j) off[j] = 0;
    for (int d = nd - 1; d >= 0; --d) {
      const int64_t c = i % shape[d];
      i /= shape[d];
      for (int j = 0; j < k; ++j) off[j] += c * st[j][d];
    }
  }
};

// Runs f(i0, j0, j1, off) over [0, n) in runs along the last dimension (at most kRun long, never
// across a line): the Walker's divisions once per run, and f steps through positions j0..j1-1 of the
// line (linear position i0 + j - j0) with the last dimension's strides. Runs on the threads when n
// is large; each output position belongs to one run.
constexpr int64_t kRun = 4096;
template <int K, typename F>
void for_each_run(const Walker& w, int64_t n, F f) {
  const int64_t L = w.shape[w.nd - 1];
  if (n == 0 || L == 0) return;
  const int64_t per = (L + kRun - 1) / kRun, runs = n / L * per;
  TL_PAR_FOR(
      n > kParallelGrain && runs > 1, for (int64_t r = 0; r < runs; ++r) {
        const int64_t line = r / per, j0 = r % per * kRun, j1 = std::min(L, j0 + kRun);
        int64_t off[K];
        w.at(line * L + j0, off, K);
        f(line * L + j0, j0, j1, off);
      });
}

template <typename T>
void gather_typed(const T* x, const int64_t* idx, T* out, const GatherParams& p) {
  const int nd = int(p.shape.size());
  const int64_t n = checked_numel("gather", p.shape);
  if (nd == 0) {  // a 0-d gather reads input[index]
    if (n) {
      const int64_t k = idx[0] < 0 ? idx[0] + p.size : idx[0];
      out[0] = k >= 0 && k < p.size ? x[0] : T(0);
    }
    return;
  }
  std::vector<int64_t> in_st = p.input_strides;
  const int64_t dstride = in_st[p.dim];
  in_st[p.dim] = 0;  // the coordinate along dim comes from the index
  Walker w{nd, p.shape.data(), {in_st.data(), p.index_strides.data(), nullptr}};
  const int64_t size = p.size;
  const int64_t xs = in_st[nd - 1], is = p.index_strides[nd - 1];
  for_each_run<2>(w, n, [&](int64_t i0, int64_t j0, int64_t j1, const int64_t* off) {
    T* o = out + i0;
    const int64_t m = j1 - j0;
    if (is == 0) {  // one index for the whole run (index_select, embedding: whole slices)
      int64_t k = idx[off[1]];
      if (k < 0) k += size;
      if (k < 0 || k >= size) {
        std::fill(o, o + m, T(0));
      } else if (xs == 1) {
        std::memcpy(o, x + off[0] + k * dstride, sizeof(T) * size_t(m));
      } else {
        const T* src = x + off[0] + k * dstride;
        for (int64_t j = 0; j < m; ++j) o[j] = src[j * xs];
      }
      return;
    }
    for (int64_t j = 0; j < m; ++j) {
      int64_t k = idx[off[1] + j * is];
      if (k < 0) k += size;
      o[j] = k >= 0 && k < size ? x[off[0] + j * xs + k * dstride] : T(0);
    }
  });
}

void gather_cpu(const TensorView& x, const TensorView& idx, const TensorView& out, const GatherParams& p) {
  dispatch_all("gather", x.dtype, [&](auto z) {
    using T = decltype(z);
    gather_typed<T>(x.ptr<T>(), idx.ptr<int64_t>(), out.ptr<T>(), p);
  });
}
TL_REGISTER_KERNEL(gather_op, CPU, gather_cpu, kAllTypes);

template <typename T>
void scatter_typed(T* out, const int64_t* idx, const T* src, const ScatterParams& p) {
  const int nd = int(p.shape.size());
  const int64_t n = checked_numel("scatter", p.shape);
  if (n == 0) return;
  const T value = static_cast<T>(p.value);
  const ScatterOp op = p.op;
  auto apply = [op](T& o, T v) {
    if (op == ScatterOp::Assign)
      o = v;
    else if (op == ScatterOp::Add)
      o = static_cast<T>(o + v);
    else if (op == ScatterOp::Multiply)
      o = static_cast<T>(o * v);
    else if (op == ScatterOp::Max) {
      if (v != v || v > o) o = v;  // NaN propagates (a NaN o is never replaced)
    } else if (v != v || v < o)
      o = v;
  };
  if (nd == 0) {
    const int64_t k = idx[0] < 0 ? idx[0] + p.size : idx[0];
    if (k >= 0 && k < p.size) apply(out[0], src ? src[0] : value);
    return;
  }
  // lines: every coordinate but dim; the line's elements along dim in order
  std::vector<int64_t> lshape = p.shape, ost = p.out_strides, ist = p.index_strides, sst = p.src_strides;
  const int64_t len = lshape[p.dim], ostep = ost[p.dim], istep = ist[p.dim], sstep = sst[p.dim];
  lshape[p.dim] = 1;
  ost[p.dim] = 0;
  Walker w{nd, lshape.data(), {ost.data(), ist.data(), sst.data()}};
  const int64_t lines = n / len, size = p.size;
  // lines neighbouring along the last dimension (when it is not dim) go in groups of up to 16, stepped
  // through together (j outer): the group's elements of one j are adjacent in memory, where one line
  // alone strides through it. Each line still applies its elements in order, by one thread.
  const int64_t last = lshape[nd - 1], G = p.dim != nd - 1 && last > 1 ? 16 : 1;
  const int64_t per = (last + G - 1) / G, groups = lines / last * per;
  const int64_t og = ost[nd - 1], ig = ist[nd - 1], sg = sst[nd - 1];
  TL_PAR_FOR(
      n > kParallelGrain && groups > 1, for (int64_t q = 0; q < groups; ++q) {
        const int64_t g0 = q % per * G, gn = std::min(G, last - g0);
        int64_t off[3];
        w.at(q / per * last + g0, off, 3);
        for (int64_t j = 0; j < len; ++j)
          for (int64_t g = 0; g < gn; ++g) {
            int64_t k = idx[off[1] + g * ig + j * istep];
            if (k < 0) k += size;
            if (k < 0 || k >= size) continue;
            apply(out[off[0] + g * og + k * ostep], src ? src[off[2] + g * sg + j * sstep] : value);
          }
      });
}

void scatter_cpu(const TensorView& out, const TensorView& idx, const TensorView& src, const ScatterParams& p) {
  dispatch_all("scatter", out.dtype, [&](auto z) {
    using T = decltype(z);
    scatter_typed<T>(out.ptr<T>(), idx.ptr<int64_t>(), src.data ? src.ptr<T>() : nullptr, p);
  });
}
TL_REGISTER_KERNEL(scatter_op, CPU, scatter_cpu, kAllTypes);

template <typename T>
void where_typed(const T* a, const T* b, const uint8_t* c, T* out, const std::vector<int64_t>& shape,
                 const WhereParams& p) {
  const int64_t n = checked_numel("where", shape);
  Walker w{
      int(shape.size()), shape.data(), {p.input_strides.data(), p.other_strides.data(), p.condition_strides.data()}};
  const int last = int(shape.size()) - 1;
  if (last < 0) {
    if (n) out[0] = c[0] ? a[0] : b[0];
    return;
  }
  const int64_t as = p.input_strides[last], bs = p.other_strides[last], cs = p.condition_strides[last];
  for_each_run<3>(w, n, [&](int64_t i0, int64_t j0, int64_t j1, const int64_t* off) {
    T* o = out + i0;
    const T* ap = a + off[0];
    const T* bp = b + off[1];
    const uint8_t* cp = c + off[2];
    const int64_t m = j1 - j0;
    if (as == 1 && bs == 1 && cs == 1) {
      for (int64_t j = 0; j < m; ++j) o[j] = cp[j] ? ap[j] : bp[j];
    } else {
      for (int64_t j = 0; j < m; ++j) o[j] = cp[j * cs] ? ap[j * as] : bp[j * bs];
    }
  });
}

void where_cpu(const TensorView& a, const TensorView& b, const TensorView& c, const TensorView& out,
               const WhereParams& p) {
  dispatch_all("where", a.dtype, [&](auto z) {
    using T = decltype(z);
    where_typed<T>(a.ptr<T>(), b.ptr<T>(), c.ptr<uint8_t>(), out.ptr<T>(), out.shape, p);
  });
}
TL_REGISTER_KERNEL(where_op, CPU, where_cpu, kAllTypes);

template <typename T>
void nonzero_typed(const T* x, int64_t* out, int64_t cap, const NonzeroParams& p) {
  const int64_t n = checked_numel("nonzero", p.shape);
  const int nd = int(p.shape.size());
  const int64_t chunk = 65536, chunks = (n + chunk - 1) / chunk;
  std::vector<int64_t> start(size_t(chunks) + 1, 0);
  TL_PAR_FOR(
      n > kParallelGrain, for (int64_t c = 0; c < chunks; ++c) {
        int64_t cnt = 0;
        const int64_t e = std::min(n, (c + 1) * chunk);
        for (int64_t i = c * chunk; i < e; ++i) cnt += x[i] != T(0);
        start[size_t(c) + 1] = cnt;
      });
  for (int64_t c = 0; c < chunks; ++c) start[size_t(c) + 1] += start[size_t(c)];
  if (start[size_t(chunks)] != cap)
    throw Error(ErrorCode::Internal, "torchlet: nonzero: the output does not hold the count of non-zero elements");
  const int64_t width = p.coords ? nd : 1;
  TL_PAR_FOR(
      n > kParallelGrain, for (int64_t c = 0; c < chunks; ++c) {
        int64_t pos = start[size_t(c)];
        const int64_t e = std::min(n, (c + 1) * chunk);
        for (int64_t i = c * chunk; i < e; ++i) {
          if (x[i] == T(0)) continue;
          int64_t* o = out + pos * width;
          if (!p.coords) {
            o[0] = i;
          } else {
            int64_t r = i;
            for (int d = nd - 1; d >= 0; --d) {
              o[d] = r % p.shape[d];
              r /= p.shape[d];
            }
          }
          ++pos;
        }
      });
}

void nonzero_cpu(const TensorView& x, const TensorView& out, const NonzeroParams& p) {
  if (p.coords && p.shape.empty()) return;  // a 0-d input: [count, 0] coordinates, nothing to write
  const int64_t width = p.coords ? int64_t(p.shape.size()) : 1;
  const int64_t cap = out.numel() / width;
  dispatch_all("nonzero", x.dtype, [&](auto z) {
    using T = decltype(z);
    nonzero_typed<T>(x.ptr<T>(), out.ptr<int64_t>(), cap, p);
  });
}
TL_REGISTER_KERNEL(nonzero_op, CPU, nonzero_cpu, kAllTypes);

}  // namespace
}  // namespace tl
