// test/ops/sort.test.ts — the ordering ops and the new scans on every device, against PyTorch
// (test/fixtures/sort.json from gen_sort_fixtures.py: sort (stable, ascending / descending, ties,
// NaN), argsort, topk, kthvalue, unique (inverse, counts), cumprod (with zeros), cummax / cummin
// (ties, NaN) in float32, float64 and int64, negative dims, size-1 and empty dims; the float64
// gradients of sum(values * w)), each also on a non-contiguous input; float64 gradchecks; results
// destructure by name and as arrays; a long line (many merge passes on CUDA); argument errors.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, expectClose, randnT, toNumbers } from '../helpers';

interface FT {
  shape: number[];
  dtype: string;
  data: (number | string)[];
}
interface Case {
  name: string;
  op: string;
  x: FT;
  args: Record<string, unknown>;
  outs: FT[];
  w?: FT;
  grad?: FT;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'sort.json'), 'utf8')) as { cases: Case[] };
const num = (v: number | string): number => (v === 'nan' ? NaN : (v as number));

function mk(t: FT): Tensor {
  const n = t.data.map(num);
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(n, (v) => BigInt(v)), t.shape.slice());
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(n), t.shape.slice());
  return torch.fromBuffer(Float64Array.from(n), t.shape.slice());
}
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim < 2) return t;
  return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
}
function run(c: Case, x: Tensor): Tensor[] {
  const a = c.args;
  const dim = a.dim as number;
  switch (c.op) {
    case 'sort': {
      const [v, i] = a.descending ? x.sort(dim, { descending: true }) : torch.sort(x, { dim });
      return [v, i];
    }
    case 'argsort':
      return [torch.argsort(x, { dim, descending: a.descending as boolean })];
    case 'topk': {
      const { values, indices } = torch.topk(x, a.k as number, { dim, largest: a.largest as boolean });
      return [values, indices];
    }
    case 'kthvalue':
      return [...x.kthvalue(a.k as number, dim, a.keepdim as boolean)];
    case 'cumprod':
      return [torch.cumprod(x, dim)];
    case 'cummax':
      return [...torch.cummax(x, dim)];
    case 'cummin':
      return [...x.cummin(dim)];
    case 'unique':
      return torch.unique(x, { returnInverse: true, returnCounts: true }) as Tensor[];
  }
  throw new Error(`unknown op ${c.op}`);
}
function check(actual: Tensor, expected: FT, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const want = expected.data.map(num);
  if (expected.dtype === 'int64') expect(toNumbers(actual)).toEqual(want);
  else {
    const mag = Math.max(1, ...want.filter((v) => !Number.isNaN(v)).map(Math.abs));
    const tol = expected.dtype === 'float32' ? { atol: 1e-6 * mag, rtol: 1e-6 } : { atol: 1e-13 * mag, rtol: 1e-13 };
    expectClose(actual, want, { ...tol, label, ignoreShape: true });
  }
}

describeOp('sort', ({ device, on }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every op', () => {
    const ops = new Set(fixture.cases.map((c) => c.op));
    for (const op of ['sort', 'argsort', 'topk', 'kthvalue', 'cumprod', 'cummax', 'cummin', 'unique']) expect(ops).toContain(op);
  });
  describe.each([['contiguous', false], ['non-contiguous', true]] as [string, boolean][])('vs PyTorch (%s input)', (_l, nc) => {
    test.each(cases)('%s', (_n, c) => {
      const x0 = on(mk(c.x));
      const x = nc ? nonContiguous(x0) : x0;
      const outs = run(c, x);
      expect(outs.length).toBe(c.outs.length);
      outs.forEach((o, k) => check(o, c.outs[k], `${c.name} output ${k}`));
    });
  });
  test.each(cases.filter(([, c]) => c.grad))('gradient %s', (_n, c) => {
    const x = on(mk(c.x)).requiresGrad_();
    run(c, x)[0].mul(on(mk(c.w!))).sum().backward();
    expectClose(x.grad!, c.grad!.data.map(num), { atol: 1e-12, rtol: 1e-12, ignoreShape: true });
  });

  describe('gradcheck (float64 central differences)', () => {
    test('sort, topk, kthvalue along every dim', () => {
      for (const d of [0, 1, -1]) {
        gradcheck(([x]) => torch.sort(x, d).values, [randnT([3, 4, 5], 40 + d)], { device });
        gradcheck(([x]) => torch.topk(x, 2, { dim: d, largest: false }).values, [randnT([3, 4, 5], 44 + d)], { device });
        gradcheck(([x]) => torch.kthvalue(x, 2, d, true).values, [randnT([3, 4, 5], 48 + d)], { device });
      }
    });
    test('cumprod (also with zeros: one and two per line), cummax, cummin', () => {
      gradcheck(([x]) => torch.cumprod(x, 1), [randnT([3, 5], 52)], { device });
      const z = torch.tensor([[1.5, 0, 2, -1, 0.5], [0, 1.2, 0, 3, 2], [0.7, 2, 1.1, -0.5, 0]], { dtype: 'float64' });
      gradcheck(([x]) => torch.cumprod(x, 1), [z], { device });
      gradcheck(([x]) => torch.cumprod(x, 0), [z], { device });
      gradcheck(([x]) => torch.cummax(x, 1).values, [randnT([3, 6], 53)], { device });
      gradcheck(([x]) => torch.cummin(x, 0).values, [randnT([4, 3], 54)], { device });
    });
  });

  test('results destructure by name and as an array; argsort and msort', () => {
    const x = on(torch.tensor([[3, 1, 2], [0, 5, 4]], { dtype: 'float32' }));
    const r = x.topk(2);
    const [v, i] = r;
    expect(v).toBe(r.values);
    expect(i).toBe(r.indices);
    expect(r[0]).toBe(r.values);
    expect(r.length).toBe(2);
    expect(v.tolist()).toEqual([[3, 2], [5, 4]]);
    expect(i.tolist()).toEqual([[0, 2], [1, 2]]);
    expect(x.argsort().tolist()).toEqual([[1, 2, 0], [0, 2, 1]]);
    expect(x.argsort(0, { descending: true }).tolist()).toEqual([[0, 1, 1], [1, 0, 0]]);
    expect(torch.msort(x).tolist()).toEqual([[0, 1, 2], [3, 5, 4]]);
    expect(torch.unique(on(torch.tensor([3, 1, 3, 2, 1]))).tolist()).toEqual([1, 2, 3]);
  });
  test('a long line and many short lines (stable, NaN last) agree with a reference', () => {
    for (const [lines, n] of [[1, 5000], [300, 17]]) {
      const data = Float64Array.from({ length: lines * n }, (_, k) => ((k * 7919) % 101 === 3 ? NaN : ((k * 104729) % 997) / 7));
      const x = on(torch.fromBuffer(data, [lines, n]));
      const { values, indices } = torch.sort(x);
      const want: number[] = [];
      const wantI: number[] = [];
      for (let l = 0; l < lines; l++) {
        const idx = Array.from({ length: n }, (_, k) => k);
        const key = (k: number) => data[l * n + k];
        idx.sort((a, b) => {
          const u = key(a);
          const w = key(b);
          if (Number.isNaN(u) || Number.isNaN(w)) return Number.isNaN(u) ? (Number.isNaN(w) ? a - b : 1) : -1;
          return u - w || a - b;
        });
        idx.forEach((k) => {
          want.push(key(k));
          wantI.push(k);
        });
      }
      expect(toNumbers(indices)).toEqual(wantI);
      expect(toNumbers(values)).toEqual(want);
    }
  });
  test('topk and kthvalue select what a whole sort puts first (ties by position, NaN first largest / last smallest), for small and large k', () => {
    // the CPU selects only the first k (a buffer up to k = 32, nth_element past it); ties and NaNs
    // must come out as the stable sort orders them
    for (const dtype of ['float64', 'float32'] as const) {
      const lines = 6, n = 700;
      const vals = Array.from({ length: lines * n }, (_, k) => ((k * 7919) % 53 === 3 ? NaN : ((k * 104729) % 37) / 4));
      const x = on(torch.tensor(vals, { dtype }).reshape([lines, n]));
      for (const largest of [true, false]) {
        const full = torch.sort(x, -1, { descending: largest });
        for (const k of [1, 5, 32, 33, 100, n - 1, n]) {
          const t = torch.topk(x, k, { dim: -1, largest });
          expect(toNumbers(t.indices)).toEqual(toNumbers(full.indices.narrow(1, 0, k)));
          expect(toNumbers(t.values)).toEqual(toNumbers(full.values.narrow(1, 0, k)));
        }
      }
      const asc = torch.sort(x, -1);
      for (const k of [1, 32, 33, 350, n]) {
        const kv = torch.kthvalue(x, k, -1);
        expect(toNumbers(kv.indices)).toEqual(toNumbers(asc.indices.narrow(1, k - 1, 1).reshape([lines])));
        expect(toNumbers(kv.values)).toEqual(toNumbers(asc.values.narrow(1, k - 1, 1).reshape([lines])));
      }
      // along dim 0 (the lines are columns) too
      const t0 = torch.topk(x, 3, { dim: 0 });
      const s0 = torch.sort(x, 0, { descending: true });
      expect(toNumbers(t0.indices)).toEqual(toNumbers(s0.indices.narrow(0, 0, 3)));
    }
  });

  test('0-d inputs', () => {
    const x = on(torch.tensor(2.5));
    const [v, i] = torch.sort(x);
    expect(v.item()).toBe(2.5);
    expect(i.item()).toBe(0);
    expect(torch.cumprod(x, 0).item()).toBe(2.5);
    expect(torch.cummax(x, 0).indices.item()).toBe(0);
  });

  describe('argument errors', () => {
    const x = torch.zeros([2, 3]);
    test.each([
      ['sort dim out of range', () => torch.sort(x, 2), 'dim'],
      ['sort unknown option', () => torch.sort(x, { descend: true } as never), 'opts.descend'],
      ['sort descending not a boolean', () => torch.sort(x, { descending: 1 as never }), 'opts.descending'],
      ['sort extra argument', () => (torch.sort as (...a: unknown[]) => unknown)(x, 1, {}, 2), /sort\(\)/],
      ['topk k too large', () => torch.topk(x, 4), 'k'],
      ['topk k negative', () => torch.topk(x, -1), 'k'],
      ['topk k not an integer', () => torch.topk(x, 1.5), 'k'],
      ['topk unknown option', () => torch.topk(x, 1, { largest: true, axis: 0 } as never), 'opts.axis'],
      ['kthvalue k = 0', () => torch.kthvalue(x, 0), 'k'],
      ['kthvalue dim', () => torch.kthvalue(x, 1, 3), 'dim'],
      ['unique unknown option', () => torch.unique(x, { return_inverse: true } as never), /'returnInverse'/],
      ['cumprod dim', () => torch.cumprod(x, 5), 'dim'],
      ['cummax dim missing', () => (torch.cummax as (t: Tensor) => unknown)(x), 'dim'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_t, fn, name) => {
      expectArgError(fn, name);
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(torch.TorchletError);
      }
    });
    test('unique with a dim is a coded not-implemented error', () => {
      expect(() => torch.unique(x, { dim: 0 } as never)).toThrow(/not implemented/);
    });
  });
});
