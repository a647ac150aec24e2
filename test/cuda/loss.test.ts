// CUDA softmax and losses (native/cuda/loss.cu: softmax, softmax_backward, nll_forward,
// nll_backward) against the CPU kernels through the public API: softmax / logSoftmax over every
// dim of awkward shapes (long rows, long columns with small and large inner sizes, size-1 axes,
// empty tensors), extreme logits (+-900, -inf, NaN), their gradients, nllLoss and crossEntropy with
// ignoreIndex and every reduction, and the out-of-range target error. Softmax sums run in a fixed
// tree (not the CPU's sequential order) and exp/log come from CUDA's libdevice, so values agree
// within a few ulp; NLL forward/backward are bit-identical. Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { CUDA_AVAILABLE, cudaSkipReason } from '../devices';
import { cu, expectSame, lcg } from './compare';

const F = torch.F;
const describeCuda = CUDA_AVAILABLE ? describe : describe.skip;
const TITLE = 'CUDA softmax / NLL vs CPU' + (CUDA_AVAILABLE ? '' : ` (skipped: ${cudaSkipReason()})`);
type FloatDType = 'float32' | 'float64';

// ---- helpers -------------------------------------------------------------------------------------
function rand(shape: number[], dtype: FloatDType, seed: number, lo: number, hi: number, pSpecial = 0, specials: number[] = []): Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = () => (pSpecial && r() < pSpecial ? specials[Math.floor(r() * specials.length)] : lo + (hi - lo) * r());
  const arr = dtype === 'float32' ? Float32Array.from({ length: n }, v) : Float64Array.from({ length: n }, v);
  return torch.fromBuffer(arr, shape, { dtype });
}
function targets(n: number, C: number, seed: number, ignore?: number): Tensor {
  const r = lcg(seed);
  return torch.fromBuffer(
    BigInt64Array.from({ length: n }, () => BigInt(ignore !== undefined && r() < 0.2 ? ignore : Math.floor(r() * C))),
    [n],
  );
}
/**
 * Softmax outputs are O(1) (log-softmax O(|x|)): a few ulp relative plus a small absolute slack.
 * float64 also carries the difference of summation orders over n terms (float32 sums in double).
 */
function tolFor(dtype: FloatDType, n = 1): { rtol: number; atol: number } {
  return dtype === 'float32' ? { rtol: 5e-7, atol: 1e-7 } : { rtol: 1e-15 * (20 + n / 10), atol: 1e-15 * (1 + n / 100) };
}

describeCuda(TITLE, () => {
  const SHAPES: [string, number[], number[]][] = [
    ['2-D rows and columns', [7, 13], [0, 1, -1]],
    ['3-D every dim', [6, 5, 9], [0, 1, 2]],
    ['one long row', [3, 5001], [1]],
    ['long column, inner 3', [4100, 3], [0]],
    ['size-1 softmax axis', [5, 1, 4], [1]],
    ['many tiny rows', [20011, 2], [1]],
    ['wide inner', [3, 2, 1030], [1]],
    ['1-D', [257], [0]],
    ['empty batch', [0, 4], [1]],
  ];
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    describe.each([false, true])('log = %p', (log) => {
      const sm = (x: Tensor, d: number) => (log ? F.logSoftmax(x, d) : F.softmax(x, d));
      test.each(SHAPES)('%s: forward and backward', (_n, shape, dims) => {
        for (const d of dims) {
          const x0 = rand(shape, dtype, 3 + d, -6, 6);
          const g = rand(shape, dtype, 5 + d, -1, 1);
          const xc = x0.detach().requiresGrad_();
          const xg = cu(x0).detach().requiresGrad_();
          const yc = sm(xc, d), yg = sm(xg, d);
          const C = shape[d < 0 ? shape.length + d : d] ?? 1;
          expectSame(yg, yc, `forward dim ${d}`, tolFor(dtype, C));
          yc.backward(g);
          yg.backward(cu(g));
          const gt = { rtol: tolFor(dtype, C).rtol * 4, atol: tolFor(dtype, C).atol * Math.sqrt(C) * 8 };
          expectSame(xg.grad!, xc.grad!, `grad dim ${d}`, gt);
          // deterministic
          expectSame(sm(cu(x0), d), sm(cu(x0), d).cpu(), 'repeat');
        }
      });
    });
    test('extreme logits: +-900, -inf entries, all -inf and NaN rows', () => {
      const x = rand([9, 31], dtype, 77, -900, 900, 0.1, [-Infinity, Infinity, NaN]);
      const rows = x.toArray() as Float32Array | Float64Array;
      for (let c = 0; c < 31; c++) rows[3 * 31 + c] = -Infinity; // row 3 all -inf
      const t = torch.fromBuffer(rows, [9, 31], { dtype });
      for (const d of [0, 1]) {
        expectSame(F.softmax(cu(t), d), F.softmax(t, d), `softmax dim ${d}`, tolFor(dtype, 31));
        expectSame(F.logSoftmax(cu(t), d), F.logSoftmax(t, d), `logSoftmax dim ${d}`, { rtol: tolFor(dtype, 31).rtol, atol: 1e-12 });
      }
    });

    describe.each(['none', 'sum', 'mean'] as const)('nllLoss / crossEntropy, reduction %s', (reduction) => {
      test.each([
        [1, 3], [37, 10], [1000, 7], [5, 1], [0, 4],
      ])('N=%p C=%p', (N, C) => {
        const lp0 = rand([N, C], dtype, N + C, -5, 0);
        const t = targets(N, C, 3 * N + C, -100);
        const g = reduction === 'none' ? rand([N], dtype, 9, -1, 1) : null;
        const run = (dev: 'cpu' | 'cuda') => {
          const lp = (dev === 'cpu' ? lp0 : cu(lp0)).detach().requiresGrad_();
          const tt = dev === 'cpu' ? t : cu(t);
          const y = F.nllLoss(lp, tt, { reduction, ignoreIndex: -100 });
          y.backward(g ? (dev === 'cpu' ? g : cu(g)) : undefined);
          return [y, lp.grad!];
        };
        if (N === 0 && reduction !== 'none') return; // nothing to differentiate the mean of
        const [yc, gc] = run('cpu');
        const [yg, gg] = run('cuda');
        const tol = reduction === 'none' ? {} : tolFor(dtype, N);
        expectSame(yg, yc, 'nll', tol);
        expectSame(gg, gc, 'nll grad', tol);
        // crossEntropy = logSoftmax + nll, with label smoothing too
        for (const labelSmoothing of [0, 0.1]) {
          const x = rand([N, C], dtype, N * 7 + C, -4, 4);
          expectSame(
            F.crossEntropy(cu(x), cu(t), { reduction, ignoreIndex: -100, labelSmoothing }),
            F.crossEntropy(x, t, { reduction, ignoreIndex: -100, labelSmoothing }),
            `crossEntropy ls=${labelSmoothing}`,
            tolFor(dtype, N * C),
          );
        }
      });
    });

    test('an out-of-range target throws the CPU error', () => {
      const lp = rand([6, 4], dtype, 1, -3, 0);
      const t = torch.fromBuffer(BigInt64Array.from([0n, 1n, 7n, 2n, -3n, 3n]), [6]);
      let cpuMsg = '', gpuMsg = '';
      try { F.nllLoss(lp, t); } catch (e) { cpuMsg = (e as Error).message; }
      try { F.nllLoss(cu(lp), cu(t)).toArray(); } catch (e) { gpuMsg = (e as Error).message; }
      expect(cpuMsg).toMatch(/out of bounds/);
      expect(gpuMsg).toBe(cpuMsg);
      // the device keeps working
      expectSame(F.nllLoss(cu(lp), cu(torch.fromBuffer(BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n]), [6]))),
        F.nllLoss(lp, torch.fromBuffer(BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n]), [6])), 'after the error', tolFor(dtype, 6));
    });
  });
});
