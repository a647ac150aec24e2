// test/ops/reduce.test.ts — reductions on every device: sum / mean over all, one or several dims with
// keepdim (output and grad), max / min along a dim (values, indices, grad) and argmax, against
// PyTorch (test/fixtures/reduce.json, float64 and float32); float64 finite-difference gradchecks;
// argument errors; and on CUDA agreement with the CPU: float sums within rounding (another summation
// order; long vectors, long rows, many tiny rows, middle axes, several dims, keepdim, empty tensors,
// NaN / inf), integer sums exact, max / min / argmax / argmin exact incl. NaN and tie rules, and
// deterministic repeats.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { TORCH, runChild, describeChild, lastJson } from '../child';
import { gradcheck } from '../gradcheck';
import {
  casesOf, checkDiffCase, expectArgError, expectClose, expectEqualInts, fromFixture, maxAbs, randnT, ArgErrorRow, T,
} from '../helpers';
import { expectSame, lcg } from './compare';
import { refTol, tol } from './tolerances';

const sumMean = casesOf('reduce', ['sum', 'mean']);
const maxMin = casesOf('reduce', ['max', 'min']);
const argmaxCases = casesOf('reduce', ['argmax']);

// ---- CUDA-vs-CPU inputs ----------------------------------------------------------------------------
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

describeOp('reduce', ({ device, on, dtypes, vsCpu }) => {
  describe('sum / mean vs PyTorch', () => {
    test('fixture has cases', () => expect(sumMean.length).toBeGreaterThanOrEqual(20));
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(sumMean)('%s', (_n, c) => {
        const { dim, keepdim } = c.params;
        checkDiffCase(c, dtype, (ins) => (c.op === 'sum' ? ins.x!.sum(dim, keepdim) : ins.x!.mean(dim, keepdim)), { device, op: c.op });
      });
    });
    test.each(sumMean)('%s: torch.sum / torch.mean functions equal the methods', (_n, c) => {
      const x = on(fromFixture(c.inputs.x!));
      const { dim, keepdim } = c.params;
      const y = c.op === 'sum' ? torch.sum(x, dim, keepdim) : torch.mean(x, dim, keepdim);
      expectClose(y, c.output!, refTol(c.op, 'float64', device, { magnitude: 10 }));
    });
    // PyTorch 1.13: torch.zeros(0).mean() -> nan, torch.zeros(2, 0).mean() -> nan, .mean(1) -> [nan, nan],
    // .mean(0) -> [], F.mse_loss / F.l1_loss of empty tensors -> nan (0 / 0)
    test('the mean of no elements is NaN, over all dims or some, and in the mean-reduced losses', () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const z = on(torch.zeros([0], { dtype }));
        const z2 = on(torch.zeros([2, 0], { dtype }));
        expect(Array.from(z.mean().toArray() as Float32Array)).toEqual([NaN]);
        expect(Array.from(z2.mean().toArray() as Float32Array)).toEqual([NaN]);
        expect(Array.from(z2.mean(1).toArray() as Float32Array)).toEqual([NaN, NaN]);
        expect(z2.mean(0).shape).toEqual([0]);
        expect(Array.from(torch.F.mseLoss(z, z).toArray() as Float32Array)).toEqual([NaN]);
        expect(Array.from(torch.F.l1Loss(z2, z2).toArray() as Float32Array)).toEqual([NaN]);
      }
    });
  });

  describe('max / min along a dim vs PyTorch', () => {
    test('fixture has cases', () => expect(maxMin.length).toBeGreaterThanOrEqual(12));

    describe('values and indices', () => {
      dtypes(['float64', 'float32'] as const, (dtype) => {
        test.each(maxMin)('%s', (_n, c) => {
          const x = on(fromFixture(c.inputs.x!, dtype));
          const { dim, keepdim } = c.params;
          const r = c.op === 'max' ? x.max(dim, keepdim) : x.min(dim, keepdim);
          expectClose(r.values, c.outputs!.values as T, { ...refTol(c.op, dtype, device, { magnitude: maxAbs(c.inputs.x!.data) }), label: 'values' });
          expect(r.indices.dtype).toBe('int64');
          expectEqualInts(r.indices, c.outputs!.indices as T, `${c.name} indices`);
        });
      });
    });

    // PyTorch's max(dim)/min(dim) values are differentiable: the gradient goes to the arg-max element.
    describe('gradient', () => {
      dtypes(['float64', 'float32'] as const, (dtype) => {
        test.each(maxMin)('%s', (_n, c) => {
          const x = on(fromFixture(c.inputs.x!, dtype)).requiresGrad_();
          const { dim, keepdim } = c.params;
          const r = c.op === 'max' ? x.max(dim, keepdim) : x.min(dim, keepdim);
          if (!r.values.requiresGrad || !r.values.gradFn)
            throw new Error(`${c.name} [${dtype}]: ${c.op}(dim).values of an input that requires grad has requiresGrad=${r.values.requiresGrad} and no gradFn (PyTorch records MaxBackward0/MinBackward0)`);
          r.values.backward(on(fromFixture(c.gradOutput!, dtype)));
          expect(x.grad).not.toBeNull();
          expectClose(x.grad!, c.grads!.x, { ...refTol(c.op, dtype, device, { magnitude: maxAbs(c.gradOutput!.data) }), label: `${c.name} grad x` });
        });
      });
    });

    test('max()/min() over all elements', () => {
      const c = maxMin[0][1];
      const x = on(fromFixture(c.inputs.x!));
      expect(x.max().item()).toBe(Math.max(...c.inputs.x!.data));
      expect(x.min().item()).toBe(Math.min(...c.inputs.x!.data));
    });
  });

  describe('argmax vs PyTorch', () => {
    test('fixture has cases', () => expect(argmaxCases.length).toBeGreaterThanOrEqual(6));
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(argmaxCases)('%s', (_n, c) => {
        const x: Tensor = on(fromFixture(c.inputs.x!, dtype));
        const { dim, keepdim } = c.params;
        const y = x.argmax(dim === null ? undefined : dim, keepdim);
        expect(y.dtype).toBe('int64');
        expectEqualInts(y, c.output!, c.name);
      });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test.each([
        [null, false],
        [null, true],
        [0, false],
        [1, true],
        [-1, false],
        [[0, 2], false],
        [[0, 2], true],
      ] as [number | number[] | null, boolean][])('sum and mean dim %j keepdim %s', (dim, keepdim) => {
        gradcheck(([x]) => x.sum(dim, keepdim), [randnT([2, 3, 4], 100)], { device });
        gradcheck(([x]) => x.mean(dim, keepdim), [randnT([2, 3, 4], 101)], { device });
      });
      test('sum of a permuted (non-contiguous) input', () => {
        gradcheck(([x]) => x.permute(2, 0, 1).sum(1), [randnT([2, 3, 4], 102)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const i64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'int64' }));
    const rows: ArgErrorRow[] = [
      ['sum: dim 3 on a 3-D tensor', () => f64([2, 3, 4]).sum(3), 'dim'],
      ['sum: repeated dims', () => f64([2, 3, 4]).sum([0, -3]), 'dim'],
      ['mean: dim -4 on a 3-D tensor', () => f64([2, 3, 4]).mean(-4), 'dim'],
      ['mean of an int64 tensor', () => i64([2, 3]).mean(), 'input'],
      ['max: dim 2 on a 2-D tensor', () => f64([2, 3]).max(2), 'dim'],
      ['argmax: dim 5', () => f64([2, 3]).argmax(5), 'dim'],
      ['max of an empty tensor', () => f64([0]).max(), 'input'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  // Integer and bool sums accumulate in int64 inside the kernel, from the input as it is: before, the
  // input was first copied to int64 (8x a uint8 input: summing a 2 GB uint8 tensor peaked at 18.5 GB).
  if (device === 'cpu')
    describe('long runs (the vectorised and chunked CPU paths)', () => {
      // float64 references summed in JS, in order
      const ref = (v: ArrayLike<number>, lo: number, n: number, step = 1) => {
        let a = 0;
        for (let k = 0; k < n; k++) a += v[lo + k * step];
        return a;
      };
      test('sum / mean / max / min of 2^20 + 13 elements and of rows; the same for 1 and 2 threads', () => {
        const n = (1 << 20) + 13;
        const x = torch.randn([n]);
        const v = x.toArray() as Float32Array;
        const s = ref(v, 0, n);
        expect(Math.abs((x.sum().item() as number) - s)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(s)) + 1e-3);
        expect(Math.abs((x.mean().item() as number) - s / n)).toBeLessThanOrEqual(1e-7);
        let mx = -Infinity, mn = Infinity;
        for (const a of v) {
          mx = Math.max(mx, a);
          mn = Math.min(mn, a);
        }
        expect(x.max().item()).toBe(mx);
        expect(x.min().item()).toBe(mn);
        const x64 = x.to('float64');
        expect(Math.abs((x64.sum().item() as number) - s)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(s)));
        // rows (inner 1) and columns (inner > 1: whole rows of outputs at a time), odd sizes
        const m = torch.randn([37, 3001]);
        const mv = m.toArray() as Float32Array;
        const rows = m.sum(1).toArray() as Float32Array;
        const cols = m.sum(0).toArray() as Float32Array;
        for (let i = 0; i < 37; i++) expect(Math.abs(rows[i] - ref(mv, i * 3001, 3001))).toBeLessThanOrEqual(1e-4);
        for (let j = 0; j < 3001; j += 7) expect(Math.abs(cols[j] - ref(mv, j, 37, 3001))).toBeLessThanOrEqual(1e-5);
        const rowMax = m.amax(1).toArray() as Float32Array;
        for (let i = 0; i < 37; i++) expect(rowMax[i]).toBe(Math.max(...mv.subarray(i * 3001, (i + 1) * 3001)));
        // fixed chunks combined in order: the thread count does not change a bit
        const t0 = torch.getNumThreads();
        const few = torch.randn([3, 70001], { dtype: 'float64' }); // fewer long rows than 2 per thread at 2 threads, not at 1 (float64: every bit of the sum shows)
        const two = [x.sum().item(), x64.sum().item(), m.sum(1).toArray(), x.max().item(), few.sum(1).toArray()];
        try {
          torch.setNumThreads(1);
          expect([x.sum().item(), x64.sum().item(), m.sum(1).toArray(), x.max().item(), few.sum(1).toArray()]).toEqual(two);
        } finally {
          torch.setNumThreads(t0);
        }
      });
      test('a NaN anywhere in a long run makes max / min NaN; +-inf and ints', () => {
        const n = 200003;
        for (const at of [0, 7, 65536, n - 1]) {
          const v = new Float32Array(n).fill(1);
          v[at] = NaN;
          v[(at + 1000) % n] = Infinity;
          const x = torch.fromBuffer(v, [n]);
          expect(x.max().item()).toBeNaN();
          expect(x.min().item()).toBeNaN();
          expect(x.sum().item()).toBeNaN();
        }
        const v = new Float32Array(n).fill(-Infinity);
        v[123456] = -5;
        expect(torch.fromBuffer(v, [n]).max().item()).toBe(-5);
        const ints = torch.arange(0, n, 1, { dtype: 'int32' });
        expect(ints.sum().item()).toBe((n * (n - 1)) / 2);
        expect(ints.max().item()).toBe(n - 1);
        expect(ints.min().item()).toBe(0);
      });
    });

  describe('integer sums widen in the kernel', () => {
    test('uint8, int32 and bool sums are exact int64 over all, one and several dims', () => {
      const u = on(torch.tensor([[200, 255, 1], [100, 7, 0]], { dtype: 'uint8' }));
      expect(u.sum().dtype).toBe('int64');
      expect(u.sum().item()).toBe(563);
      expect(u.sum(0).tolist()).toEqual([300, 262, 1]);
      expect(u.sum(1, true).tolist()).toEqual([[456], [107]]);
      expect(u.sum([0, 1]).item()).toBe(563);
      expect(u.sum([]).dtype).toBe('int64');
      const i = on(torch.tensor([2 ** 31 - 1, 2 ** 31 - 1, 5], { dtype: 'int32' }));
      expect(i.sum().item()).toBe(2 * (2 ** 31 - 1) + 5);
      expect(on(torch.tensor([true, false, true])).sum().item()).toBe(2);
    });
    if (device === 'cpu')
      test('summing a 128 MiB uint8 tensor takes no memory beyond its result (in a child process)', () => {
        const r = runChild(`
          const torch = require(${TORCH});
          const x = torch.full([128 << 20], 200, { dtype: 'uint8' });
          const rss0 = process.memoryUsage().rss;
          const s = x.sum().item();
          const s0 = x.view(128, 1 << 20).sum(1).sum().item();
          console.log(JSON.stringify({ s, s0, grewMB: (process.memoryUsage().rss - rss0) / 1048576 }));
        `);
        if (r.status !== 0) throw new Error(describeChild(r));
        const m = lastJson<{ s: number; s0: number; grewMB: number }>(r);
        expect(m.s).toBe(200 * 2 ** 27);
        expect(m.s0).toBe(200 * 2 ** 27);
        expect(m.grewMB).toBeLessThan(64); // the int64 copy alone was 1024 MiB
      });
  });

  // The reduce kernel on CUDA: float sums run in a fixed order other than the CPU's ('sum' / 'mean'
  // tolerances per summed term); integer sums, max / min / argmax / argmin (first NaN, else first
  // occurrence) and repeated runs must be bit-identical.
  vsCpu('CUDA vs CPU', () => {
    describe('sum / mean', () => {
      dtypes(['float32', 'float64'] as const, (dtype) => {
        test.each(CASES)('%s', (_n, shape, dims) => {
          const x = rand(shape, dtype, 7, -2, 2);
          const r = shape.length ? shape.reduce((a, b) => a * b, 1) : 1;
          const ts = tol('sum', dtype, device, { terms: r });
          const tm = tol('mean', dtype, device, { terms: r });
          expectSame(torch.sum(on(x), dims), torch.sum(x, dims), 'sum', ts);
          expectSame(torch.sum(on(x), dims, true), torch.sum(x, dims, true), 'sum keepdim', ts);
          expectSame(torch.mean(on(x), dims), torch.mean(x, dims), 'mean', tm);
          // deterministic: the same bits again
          expectSame(torch.sum(on(x), dims), torch.sum(on(x), dims).cpu(), 'repeat', {});
        });
        test('NaN and infinities propagate as on the CPU', () => {
          const x = rand([33, 257], dtype, 8, -2, 2, 0.01, [NaN, Infinity, -Infinity]);
          expectSame(torch.sum(on(x), 1), torch.sum(x, 1), 'sum', tol('sum', dtype, device, { terms: 257 }));
          expectSame(torch.sum(on(x), 0), torch.sum(x, 0), 'sum', tol('sum', dtype, device, { terms: 33 }));
        });
      });
    });

    describe('integer sum (exact)', () => {
      dtypes(['int64', 'int32', 'uint8', 'bool'] as DType[], (dtype) => {
        test.each(CASES)('%s', (_n, shape, dims) => {
          const big = dtype === 'int64' ? 1e12 : dtype === 'int32' ? 1e9 : 256;
          const x = rand(shape, dtype, 9, dtype === 'uint8' || dtype === 'bool' ? 0 : -big, dtype === 'bool' ? 2 : big);
          expectSame(torch.sum(on(x), dims), torch.sum(x, dims), 'sum');
        });
      });
    });

    test('empty tensors', () => {
      for (const dt of ['float32', 'float64', 'int64'] as DType[]) {
        const x = torch.zeros([0, 5], { dtype: dt });
        expectSame(torch.sum(on(x), 0), torch.sum(x, 0), 'sum over an empty axis');
        expectSame(torch.sum(on(x), 1), torch.sum(x, 1), 'sum of no rows');
        expectSame(torch.sum(on(x)), torch.sum(x), 'sum of nothing');
      }
      const f = torch.zeros([4, 0]);
      expectSame(torch.mean(on(f), 1), torch.mean(f, 1), 'mean over an empty axis');
    });

    describe.each([0.02, 0])('max / min / argmax / argmin, NaN probability %p', (pNaN) => {
      const list: DType[] = pNaN ? ['float32', 'float64'] : ['float32', 'float64', 'int64', 'int32', 'uint8'];
      dtypes(list, (dtype) => {
        test.each(MAXCASES)('%s', (_n, shape, dim) => {
          // few distinct values: many ties, so the first-occurrence rule matters
          const x = rand(shape, dtype, 13, dtype === 'uint8' ? 0 : -4, 4, pNaN, [NaN]);
          if (dim === undefined) {
            expectSame(on(x).max(), x.max(), 'max');
            expectSame(on(x).min(), x.min(), 'min');
            expectSame(on(x).argmax(), x.argmax(), 'argmax');
            expectSame(on(x).argmin(), x.argmin(), 'argmin');
            return;
          }
          const g = on(x).max(dim), c = x.max(dim);
          expectSame(g.values, c.values, 'max values');
          expectSame(g.indices, c.indices, 'max indices');
          const gm = on(x).min(dim, true), cm = x.min(dim, true);
          expectSame(gm.values, cm.values, 'min values');
          expectSame(gm.indices, cm.indices, 'min indices');
          expectSame(on(x).argmax(dim), x.argmax(dim), 'argmax');
          expectSame(on(x).argmin(dim), x.argmin(dim), 'argmin');
        });
      });
    });

    test('max over +-0, infinities and all -inf rows', () => {
      const x = make([4, 6], 'float32', (i) => [-0, 0, -Infinity, -Infinity, Infinity, 0][i % 6] * (i >= 12 && i < 18 ? 0 : 1));
      const y = torch.fromBuffer(Float32Array.from([-Infinity, -Infinity, -Infinity, 0, -0, 0]), [2, 3]);
      for (const t of [x, y]) {
        for (const d of [0, 1]) {
          expectSame(on(t).max(d).values, t.max(d).values, 'values');
          expectSame(on(t).max(d).indices, t.max(d).indices, 'indices');
          expectSame(on(t).argmin(d), t.argmin(d), 'argmin');
        }
      }
    });
  });
});

// argmax / argmin (and max / min along a dim, whose indices they give) of contiguous runs of 64 or
// more (native/cpu/reduce.cc run_arg: 32 lanes, each with its first position; runs of 64K and more
// in chunks on the threads): the first occurrence of the extreme, the first NaN if any, as the scalar
// loop and PyTorch; the same on 1 and 2 threads.
describe('argmax / argmin of long rows: lanes and chunks give the first occurrence', () => {
  const ref = (a: ArrayLike<number | bigint>, n: number, row: number, mx: boolean) => {
    let bi = 0;
    for (let k = 1; k < n; k++) {
      const b = Number(a[row * n + bi]), v = Number(a[row * n + k]);
      if (Number.isNaN(b)) break;
      if (Number.isNaN(v) || (mx ? v > b : v < b)) bi = k;
    }
    return bi;
  };
  test.each([64, 65, 100, 1000, 2 * 32768 + 5])('rows of %d, with ties, NaNs and integers', (n) => {
    const rows = n > 5000 ? 2 : 7;
    // few distinct values (many ties); a NaN in some rows only, late in one
    const vals = Array.from({ length: rows * n }, (_, k) => ((k * 7919) % 13) - 6);
    const withNaN = vals.slice();
    withNaN[2 * n - 3] = NaN;
    withNaN[n + 3] = NaN; // early in row 1: a kernel reading past the end of row 0 would see it
    if (rows > 2) {
      withNaN[3 * n + 40] = NaN;
      withNaN[3 * n + 50] = NaN;
    }
    for (const [dtype, data] of [['float32', vals], ['float32', withNaN], ['float64', withNaN], ['int64', vals]] as const) {
      const x = dtype === 'int64' ? torch.tensor(data as number[], { dtype: 'int64' }).reshape([rows, n]) : torch.tensor(data as number[], { dtype }).reshape([rows, n]);
      const arr = x.toArray() as ArrayLike<number | bigint>;
      for (const mx of [true, false]) {
        const got = Array.from((mx ? x.argmax(1) : x.argmin(1)).toArray() as BigInt64Array, Number);
        const want = Array.from({ length: rows }, (_, r) => ref(arr, n, r, mx));
        expect(got).toEqual(want);
        const { indices } = mx ? x.max(1) : x.min(1);
        expect(Array.from(indices.toArray() as BigInt64Array, Number)).toEqual(want);
      }
    }
  });
  test('the same on 1 and 2 threads', () => {
    const before = torch.getNumThreads();
    try {
      const x = torch.randint(0, 50, [3, 2 * 32768 + 17]).to('float32');
      const runs = [1, 2].map((t) => {
        torch.setNumThreads(t);
        return Array.from(x.argmax(1).toArray() as BigInt64Array, Number).concat(Array.from(x.argmin(-1).toArray() as BigInt64Array, Number));
      });
      expect(runs[0]).toEqual(runs[1]);
    } finally {
      torch.setNumThreads(before);
    }
  });
});
