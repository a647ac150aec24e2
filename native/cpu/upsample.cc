// native/cpu/upsample.cc — CPU kernels of nearest / linear / bicubic (optionally antialiased)
// resampling of 1-3 spatial dims (native/ops/upsample.h): the forward with per-dim tap tables built
// once per call (width = the most taps of one output index); the backward gathers per input element
// over the output positions that read it (per-dim reader lists built from the same tables), so planes
// and rows split over threads freely and the result is deterministic.
#include <vector>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/upsample.h"

namespace tl {
namespace {

// One dim's taps: output j reads idx[j * width + k] with weight w[j * width + k], k < n[j].
template <typename T>
struct TapTable {
  int64_t width;
  std::vector<int64_t> idx;
  std::vector<T> w;
  std::vector<int64_t> n;
  explicit TapTable(const ups::Dim<T>& d)
      : width(d.width), idx(size_t(d.out * d.width)), w(size_t(d.out * d.width)), n(size_t(d.out)) {
    for (int64_t j = 0; j < d.out; ++j) {
      const ups::Taps<T> t = ups::taps(d, j);
      n[j] = t.n < width ? t.n : width;  // t.n <= width always (2 * ceil(support) + 1); never past the row
      for (int64_t k = 0; k < n[j]; ++k) {
        idx[j * width + k] = t.index(k);
        w[j * width + k] = t.weight(d, k);
      }
    }
  }
};
// One dim's readers: input i is read by out[k] with weight w[k], start[i] <= k < start[i + 1]
// (ascending output index; an output reading the same input twice has its weights summed).
template <typename T>
struct ReaderTable {
  std::vector<int64_t> start, out;
  std::vector<T> w;
  ReaderTable(const ups::Dim<T>& d, const TapTable<T>& t) : start(size_t(d.in + 1), 0) {
    std::vector<int64_t> last(size_t(d.in), -1), count(size_t(d.in), 0);
    for (int64_t j = 0; j < d.out; ++j)
      for (int64_t k = 0; k < t.n[j]; ++k) {
        const int64_t i = t.idx[j * t.width + k];
        if (last[i] != j) ++count[i], last[i] = j;
      }
    for (int64_t i = 0; i < d.in; ++i) start[i + 1] = start[i] + count[i];
    out.assign(size_t(start[d.in]), 0);
    w.assign(size_t(start[d.in]), T(0));
    std::vector<int64_t> pos(start.begin(), start.end() - 1);
    for (auto& v : last) v = -1;
    for (int64_t j = 0; j < d.out; ++j)
      for (int64_t k = 0; k < t.n[j]; ++k) {
        const int64_t i = t.idx[j * t.width + k];
        if (last[i] != j) {
          last[i] = j;
          out[pos[i]] = j;
          w[pos[i]++] = t.w[j * t.width + k];
        } else {
          w[pos[i] - 1] += t.w[j * t.width + k];
        }
      }
  }
};

void upsample_cpu(const TensorView& x, const TensorView& out, const UpsampleParams& p) {
  dispatch_float("upsample", x.dtype, [&](auto z) {
    using T = decltype(z);
    const ups::Dims<T> ds = ups::make_dims<T>(p);
    const TapTable<T> tz(ds.d), ty(ds.h), tx(ds.w);
    const T* in = x.ptr<T>();
    T* o = out.ptr<T>();
    const int64_t iD = p.in_d, iH = p.in_h, iW = p.in_w, oD = p.out_d, oH = p.out_h, oW = p.out_w;
    const int64_t rows = p.planes * oD * oH, Kz = tz.width, Ky = ty.width, Kx = tx.width;
    TL_PAR_FOR(
        rows * oW > kParallelGrain / 4, for (int64_t r = 0; r < rows; ++r) {
          const int64_t y = r % oH, zo = (r / oH) % oD, pl = r / (oH * oD);
          const T* vol = in + pl * iD * iH * iW;
          T* dst = o + r * oW;
          for (int64_t xo = 0; xo < oW; ++xo) {
            T acc = T(0);
            for (int64_t c = 0; c < tz.n[zo]; ++c) {
              const T* plane = vol + tz.idx[zo * Kz + c] * iH * iW;
              T sy = T(0);
              for (int64_t a = 0; a < ty.n[y]; ++a) {
                const T* row = plane + ty.idx[y * Ky + a] * iW;
                T s = T(0);
                for (int64_t b = 0; b < tx.n[xo]; ++b) s += tx.w[xo * Kx + b] * row[tx.idx[xo * Kx + b]];
                sy += ty.w[y * Ky + a] * s;
              }
              acc += tz.w[zo * Kz + c] * sy;
            }
            dst[xo] = acc;
          }
        });
  });
}
TL_REGISTER_KERNEL(upsample_op, CPU, upsample_cpu, kFloatTypes);

void upsample_backward_cpu(const TensorView& gout, const TensorView& gin, const UpsampleParams& p) {
  dispatch_float("upsample_backward", gout.dtype, [&](auto z) {
    using T = decltype(z);
    const ups::Dims<T> ds = ups::make_dims<T>(p);
    const TapTable<T> tz(ds.d), ty(ds.h), tx(ds.w);
    const ReaderTable<T> rz(ds.d, tz), ry(ds.h, ty), rx(ds.w, tx);
    const int64_t iD = p.in_d, iH = p.in_h, iW = p.in_w, oD = p.out_d, oH = p.out_h, oW = p.out_w;
    const T* g = gout.ptr<T>();
    T* o = gin.ptr<T>();
    const int64_t rows = p.planes * iD * iH;
    TL_PAR_FOR(
        rows * iW > kParallelGrain / 4, for (int64_t r = 0; r < rows; ++r) {
          const int64_t iy = r % iH, iz = (r / iH) % iD, pl = r / (iH * iD);
          const T* vol = g + pl * oD * oH * oW;
          for (int64_t ix = 0; ix < iW; ++ix) {
            T acc = T(0);
            for (int64_t c = rz.start[iz]; c < rz.start[iz + 1]; ++c) {
              const T* plane = vol + rz.out[c] * oH * oW;
              T sy = T(0);
              for (int64_t a = ry.start[iy]; a < ry.start[iy + 1]; ++a) {
                const T* row = plane + ry.out[a] * oW;
                T s = T(0);
                for (int64_t b = rx.start[ix]; b < rx.start[ix + 1]; ++b) s += rx.w[b] * row[rx.out[b]];
                sy += ry.w[a] * s;
              }
              acc += rz.w[c] * sy;
            }
            o[r * iW + ix] = acc;
          }
        });
  });
}
TL_REGISTER_KERNEL(upsample_backward_op, CPU, upsample_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
