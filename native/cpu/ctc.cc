// native/cpu/ctc.cc — CPU kernels of the CTC loss (native/ops/ctc.h): the batch items split over
// OpenMP threads, each item's alpha (forward) and beta (backward) recursions run in order over t, as
// PyTorch 1.13's CPU kernel (same steps, same order, in the input's precision), so results depend
// only on the item, never on the threads.
#include <vector>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "ops/ctc.h"

namespace tl {
namespace {

void ctc_loss_cpu(const TensorView& lp, const TensorView& tg, const TensorView& out, const TensorView& la,
                  const CtcParams& p) {
  dispatch_float("ctc_loss", lp.dtype, [&](auto z) {
    using T = decltype(z);
    const T* x = lp.ptr<T>();
    const int64_t* labels_all = tg.ptr<int64_t>();
    T* o = out.ptr<T>();
    T* alpha_all = la.ptr<T>();
    const int64_t N = p.N, C = p.C, W = 2 * p.S + 1, nT = p.T, blank = p.blank;
    const int64_t rs = N * C;  // the stride of t in logProbs
    TL_PAR_FOR(
        N > 1 && nT * W > 64, for (int64_t b = 0; b < N; ++b) {
          const int64_t il = p.input_lengths[b], tl = p.target_lengths[b];
          const int64_t* labels = labels_all + p.target_offsets[b];
          T* a = alpha_all + b * nT * W;
          const T* xb = x + b * C;
          if (il > 0) {
            for (int64_t s = 0; s <= 2 * tl; ++s) a[s] = ctc::neg_inf<T>();
            a[0] = xb[blank];
            if (tl > 0) a[1] = ctc::lp_at(xb, labels[0], C);
            for (int64_t t = 1; t < il; ++t)
              for (int64_t s = 0; s <= 2 * tl; ++s)
                a[t * W + s] = ctc::alpha_step(a + (t - 1) * W, xb + t * rs, labels, s, blank, C);
          }
          const T nll = ctc::nll(a + (il > 0 ? il - 1 : 0) * W, il, tl);
          o[b] = p.zero_infinity && nll == -ctc::neg_inf<T>() ? T(0) : nll;
        });
  });
}
TL_REGISTER_KERNEL(ctc_loss_op, CPU, ctc_loss_cpu, kFloatTypes);

void ctc_loss_backward_cpu(const TensorView& g, const TensorView& lp, const TensorView& tg, const TensorView& la,
                           const TensorView& gi, const CtcParams& p) {
  dispatch_float("ctc_loss_backward", lp.dtype, [&](auto z) {
    using T = decltype(z);
    const T* x = lp.ptr<T>();
    const T* gout = g.ptr<T>();
    const int64_t* labels_all = tg.ptr<int64_t>();
    const T* alpha_all = la.ptr<T>();
    T* gx = gi.ptr<T>();
    const int64_t N = p.N, C = p.C, W = 2 * p.S + 1, nT = p.T, blank = p.blank;
    const int64_t rs = N * C;
    TL_PAR_FOR(
        N > 1 && nT * W > 64, for (int64_t b = 0; b < N; ++b) {
          const int64_t il = p.input_lengths[b], tl = p.target_lengths[b], last = 2 * tl;
          const int64_t* labels = labels_all + p.target_offsets[b];
          const T* a = alpha_all + b * nT * W;
          const T* xb = x + b * C;
          T* gb = gx + b * C;
          const T nll = ctc::nll(a + (il > 0 ? il - 1 : 0) * W, il, tl);
          const bool zero = p.zero_infinity && nll == -ctc::neg_inf<T>();
          // steps past the input length get no gradient (nor any with zero_infinity and an infinite loss)
          for (int64_t t = zero ? 0 : il; t < nT; ++t)
            for (int64_t c = 0; c < C; ++c) gb[t * rs + c] = T(0);
          if (zero || il == 0) continue;
          // gradInput holds lcab (log space) until the last pass; beta is kept for two steps only
          for (int64_t t = 0; t < il; ++t)
            for (int64_t c = 0; c < C; ++c) gb[t * rs + c] = ctc::neg_inf<T>();
          std::vector<T> beta(size_t(2 * W), ctc::neg_inf<T>());
          T* cur = beta.data();
          T* nxt = beta.data() + W;
          {
            const int64_t t = il - 1;
            const T* row = xb + t * rs;
            cur[last] = row[blank];
            gb[t * rs + blank] = a[t * W + last] + cur[last];
            if (tl > 0) {
              const int64_t c = ctc::prime(labels, last - 1, blank);
              cur[last - 1] = ctc::lp_at(row, c, C);
              if (c >= 0 && c < C) gb[t * rs + c] = a[t * W + last - 1] + cur[last - 1];
            }
          }
          for (int64_t t = il - 2; t >= 0; --t) {
            T* tmp = nxt;
            nxt = cur;
            cur = tmp;
            const T* row = xb + t * rs;
            for (int64_t s = last; s >= 0; --s) {
              cur[s] = ctc::beta_step(nxt, row, labels, s, last, blank, C);
              const int64_t c = ctc::prime(labels, s, blank);
              if (c >= 0 && c < C) gb[t * rs + c] = ctc::log_add(gb[t * rs + c], a[t * W + s] + cur[s]);
            }
          }
          const T gr = gout[b];
          for (int64_t t = 0; t < il; ++t)
            for (int64_t c = 0; c < C; ++c) {
              T& r = gb[t * rs + c];
              r = ctc::grad_of(xb[t * rs + c], r, nll, gr);
            }
        });
  });
}
TL_REGISTER_KERNEL(ctc_loss_backward_op, CPU, ctc_loss_backward_cpu, kFloatTypes);

}  // namespace
}  // namespace tl
