// CUDA reductions (native/cuda/reduce.cu: reduce_op sum/mean/max/min/argmax/argmin) against the CPU
// kernel through the public API: long vectors (the split two-pass path), long rows, many tiny rows,
// middle axes with small and large inner sizes, several dims, keepdim, empty tensors, every dtype
// sum (integer sums exact), NaN and tie rules of max/min/argmax/argmin (first NaN, else first
// occurrence — must equal the CPU exactly). Float sums run in a different (fixed) order than the
// CPU's, so they are compared within rounding; repeated CUDA runs must be bit-identical. Skipped
// without a CUDA device.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { CUDA_AVAILABLE, cudaSkipReason } from '../devices';
import { cu, expectSame, lcg } from './compare';

const describeCuda = CUDA_AVAILABLE ? describe : describe.skip;
const TITLE = 'CUDA reductions vs CPU' + (CUDA_AVAILABLE ? '' : ` (skipped: ${cudaSkipReason()})`);

// ---- helpers -------------------------------------------------------------------------------------
function make(shape: number[], dtype: DType, vals: (i: number) => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let arr;
  switch (dtype) {
    case 'float32': arr = Float32Array.from({ length: n }, (_, i) => vals(i)); break;
    case 'float64': arr = Float64Array.from({ length: n }, (_, i) => vals(i)); break;
    case 'int32': arr = Int32Array.from({ length: n }, (_, i) => vals(i)); break;
    case 'int64': arr = BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.trunc(vals(i)))); break;
    default: arr = Uint8Array.from({ length: n }, (_, i) => vals(i)); break;
  }
  return torch.fromBuffer(arr, shape, { dtype });
}
function rand(shape: number[], dtype: DType, seed: number, lo: number, hi: number, pSpecial = 0, specials: number[] = []): Tensor {
  const r = lcg(seed);
  const isInt = dtype !== 'float32' && dtype !== 'float64';
  return make(shape, dtype, () => {
    if (pSpecial && r() < pSpecial) return specials[Math.floor(r() * specials.length)];
    const x = lo + (hi - lo) * r();
    return isInt ? Math.floor(x) : x;
  });
}
/** Tolerance for a float sum of r terms of magnitude <= m (different summation orders). */
function sumTol(dtype: DType, r: number, m: number): { rtol: number; atol: number } {
  return dtype === 'float32' ? { rtol: 2.5e-7, atol: r * m * 1e-15 + 1e-30 } : { rtol: 1e-14, atol: r * m * 3e-16 + 1e-300 };
}

type Dims = number | number[] | null;
const CASES: [string, number[], Dims][] = [
  ['everything, long vector (split into chunks)', [1000003], null],
  ['everything, 1 element', [1], null],
  ['everything, 3-D', [5, 7, 11], null],
  ['rows', [37, 129], 1],
  ['columns', [37, 129], 0],
  ['middle axis, inner 2, long (split)', [3, 100003, 2], 1],
  ['middle axis', [5, 7, 11], 1],
  ['last axis of 3-D', [5, 7, 11], -1],
  ['two long rows (split)', [2, 300001], 1],
  ['many tiny rows', [70001, 3], 1],
  ['many rows of 1', [4099, 1], 1],
  ['dims 0 and 2', [4, 5, 6, 7], [0, 2]],
  ['leading axis, wide inner', [300, 2000], 0],
];

describeCuda(TITLE, () => {
  describe.each(['float32', 'float64'] as const)('sum / mean %s', (dtype) => {
    test.each(CASES)('%s', (_n, shape, dims) => {
      const x = rand(shape, dtype, 7, -2, 2);
      const r = shape.length ? shape.reduce((a, b) => a * b, 1) : 1;
      const tol = sumTol(dtype, r, 2);
      expectSame(torch.sum(cu(x), dims), torch.sum(x, dims), 'sum', tol);
      expectSame(torch.sum(cu(x), dims, true), torch.sum(x, dims, true), 'sum keepdim', tol);
      expectSame(torch.mean(cu(x), dims), torch.mean(x, dims), 'mean', tol);
      // deterministic: the same bits again
      expectSame(torch.sum(cu(x), dims), torch.sum(cu(x), dims).cpu(), 'repeat', {});
    });
    test('NaN and infinities propagate as on the CPU', () => {
      const x = rand([33, 257], dtype, 8, -2, 2, 0.01, [NaN, Infinity, -Infinity]);
      expectSame(torch.sum(cu(x), 1), torch.sum(x, 1), 'sum', sumTol(dtype, 257, 2));
      expectSame(torch.sum(cu(x), 0), torch.sum(x, 0), 'sum', sumTol(dtype, 33, 2));
    });
  });

  describe.each(['int64', 'int32', 'uint8', 'bool'] as DType[])('integer sum %s (exact)', (dtype) => {
    test.each(CASES)('%s', (_n, shape, dims) => {
      const big = dtype === 'int64' ? 1e12 : dtype === 'int32' ? 1e9 : 256;
      const x = rand(shape, dtype, 9, dtype === 'uint8' || dtype === 'bool' ? 0 : -big, dtype === 'bool' ? 2 : big);
      expectSame(torch.sum(cu(x), dims), torch.sum(x, dims), 'sum');
    });
  });

  test('empty tensors', () => {
    for (const dt of ['float32', 'float64', 'int64'] as DType[]) {
      const x = torch.zeros([0, 5], { dtype: dt });
      expectSame(torch.sum(cu(x), 0), torch.sum(x, 0), 'sum over an empty axis');
      expectSame(torch.sum(cu(x), 1), torch.sum(x, 1), 'sum of no rows');
      expectSame(torch.sum(cu(x)), torch.sum(x), 'sum of nothing');
    }
    const f = torch.zeros([4, 0]);
    expectSame(torch.mean(cu(f), 1), torch.mean(f, 1), 'mean over an empty axis');
  });

  const MAXCASES: [string, number[], number | undefined][] = [
    ['everything, long vector', [1000003], undefined],
    ['everything, 2-D', [37, 129], undefined],
    ['rows', [37, 129], 1],
    ['columns', [37, 129], 0],
    ['middle axis, inner 2, long', [3, 100003, 2], 1],
    ['two long rows', [2, 300001], 1],
    ['many tiny rows', [70001, 3], 1],
    ['last axis of 3-D', [5, 7, 11], 2],
    ['size-1 axis', [6, 1, 4], 1],
  ];
  describe.each([
    ['float32', 0.02], ['float64', 0.02], ['float32', 0], ['float64', 0], ['int64', 0], ['int32', 0], ['uint8', 0],
  ] as [DType, number][])('max / min / argmax / argmin %s (NaN probability %p)', (dtype, pNaN) => {
    test.each(MAXCASES)('%s', (_n, shape, dim) => {
      // few distinct values: many ties, so the first-occurrence rule matters
      const x = rand(shape, dtype, 13, dtype === 'uint8' ? 0 : -4, 4, pNaN, [NaN]);
      if (dim === undefined) {
        expectSame(cu(x).max(), x.max(), 'max');
        expectSame(cu(x).min(), x.min(), 'min');
        expectSame(cu(x).argmax(), x.argmax(), 'argmax');
        expectSame(cu(x).argmin(), x.argmin(), 'argmin');
        return;
      }
      const g = cu(x).max(dim), c = x.max(dim);
      expectSame(g.values, c.values, 'max values');
      expectSame(g.indices, c.indices, 'max indices');
      const gm = cu(x).min(dim, true), cm = x.min(dim, true);
      expectSame(gm.values, cm.values, 'min values');
      expectSame(gm.indices, cm.indices, 'min indices');
      expectSame(cu(x).argmax(dim), x.argmax(dim), 'argmax');
      expectSame(cu(x).argmin(dim), x.argmin(dim), 'argmin');
    });
  });

  test('max over +-0, infinities and all -inf rows', () => {
    const x = make([4, 6], 'float32', (i) => [-0, 0, -Infinity, -Infinity, Infinity, 0][i % 6] * (i >= 12 && i < 18 ? 0 : 1));
    const y = torch.fromBuffer(Float32Array.from([-Infinity, -Infinity, -Infinity, 0, -0, 0]), [2, 3]);
    for (const t of [x, y]) {
      for (const d of [0, 1]) {
        expectSame(cu(t).max(d).values, t.max(d).values, 'values');
        expectSame(cu(t).max(d).indices, t.max(d).indices, 'indices');
        expectSame(cu(t).argmin(d), t.argmin(d), 'argmin');
      }
    }
  });
});
