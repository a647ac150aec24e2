// test/ops/index.test.ts — the indexing ops on every device (test/fixtures/index.json from
// gen_index_fixtures.py: gather, scatter (src, value, reduce), scatterAdd, indexSelect, indexAdd,
// maskedFill, maskedSelect, where, nonzero, x.index(...) and indexPut in float32, float64 and int64,
// negative dims, size-1 and empty cases, with the float64 gradients of sum(op * w)), each case also
// with a non-contiguous input; float64 gradchecks; the in-place forms against the out-of-place ones
// (also into non-contiguous targets, and under autograd); views from basic indexing; x.set; argument
// errors (coded TorchletErrors naming the argument).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, IndexSpec } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, expectClose, randnT, toNumbers } from '../helpers';

interface FT {
  shape: number[];
  dtype: string;
  data: (number | boolean)[];
}
interface Case {
  name: string;
  op: string;
  inputs: FT[];
  args: Record<string, unknown>;
  out: FT;
  w?: FT;
  grads?: Record<string, FT>;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'index.json'), 'utf8')) as { cases: Case[] };

function mk(t: FT): Tensor {
  const n = t.data.map(Number);
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(n, (v) => BigInt(v)), t.shape.slice());
  if (t.dtype === 'bool') return torch.tensor(n.length ? (n.map((v) => v !== 0) as boolean[]) : [], { dtype: 'bool' }).reshape(t.shape);
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(n), t.shape.slice());
  return torch.fromBuffer(Float64Array.from(n), t.shape.slice());
}
/** The same values in a non-contiguous layout (a transposed copy transposed back). */
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim < 2) return t;
  return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
}

function run(c: Case, ins: Tensor[]): Tensor {
  const a = c.args;
  const dim = a.dim as number;
  switch (c.op) {
    case 'gather':
      return torch.gather(ins[0], dim, ins[1]);
    case 'scatter':
      return torch.scatter(ins[0], dim, ins[1], ins[2]);
    case 'scatter_value':
      return ins[0].scatter(dim, ins[1], a.value as number);
    case 'scatter_reduce':
      return torch.scatter(ins[0], dim, ins[1], ins[2], { reduce: a.reduce as 'add' | 'multiply' });
    case 'scatter_add':
      return torch.scatterAdd(ins[0], dim, ins[1], ins[2]);
    case 'index_select':
      return torch.indexSelect(ins[0], dim, ins[1]);
    case 'index_add':
      return ins[0].indexAdd(dim, ins[1], ins[2], { alpha: a.alpha as number });
    case 'masked_fill':
      return ins[0].maskedFill(ins[1], a.value as number);
    case 'masked_select':
      return torch.maskedSelect(ins[0], ins[1]);
    case 'where':
      return torch.where(ins[0], ins[1], ins[2]);
    case 'where_scalar':
      return torch.where(ins[0], ins[1], a.value as number);
    case 'nonzero':
      return torch.nonzero(ins[0]);
    case 'index': {
      const names = a.tensors as string[];
      const specs = (a.specs as (string | number | null)[]).map((s) =>
        typeof s === 'string' && /^T\d$/.test(s) ? ins[1 + names.indexOf(s)] : s,
      ) as IndexSpec[];
      return ins[0].index(...specs);
    }
    case 'index_put': {
      const idx = (a.indices as string[]).map((s) =>
        s.startsWith('const:') ? torch.tensor(s.slice(6).split(',').map(Number)).to(ins[0].device) : ins[Number(s.slice(1))],
      );
      return torch.indexPut(ins[0], idx, ins[2], { accumulate: a.accumulate as boolean });
    }
  }
  throw new Error(`unknown op ${c.op}`);
}

function check(actual: Tensor, expected: FT, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  if (expected.dtype === 'int64' || expected.dtype === 'bool') {
    expect(actual.dtype).toBe(expected.dtype);
    expect(toNumbers(actual)).toEqual(expected.data.map(Number));
  } else {
    expect(actual.dtype).toBe(expected.dtype);
    const tol = expected.dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-12, rtol: 1e-12 };
    expectClose(actual, expected.data as number[], { ...tol, label, ignoreShape: true });
  }
}

describeOp('index', ({ device, on }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every op', () => {
    const ops = new Set(fixture.cases.map((c) => c.op));
    for (const op of ['gather', 'scatter', 'scatter_value', 'scatter_reduce', 'scatter_add', 'index_select', 'index_add', 'masked_fill',
      'masked_select', 'where', 'where_scalar', 'nonzero', 'index', 'index_put'])
      expect(ops).toContain(op);
  });
  describe.each([['contiguous', false], ['non-contiguous', true]] as [string, boolean][])('vs PyTorch (%s input)', (_l, nc) => {
    test.each(cases)('%s', (_n, c) => {
      const ins = c.inputs.map((t, k) => {
        const x = on(mk(t));
        return nc && k === (c.op === 'where' || c.op === 'where_scalar' ? 1 : 0) ? nonContiguous(x) : x;
      });
      const x0 = ins[c.op === 'where' || c.op === 'where_scalar' ? 1 : 0];
      if (nc && x0.ndim >= 2 && x0.shape.every((s) => s > 1)) expect(x0.isContiguous()).toBe(false);
      const out = run(c, ins);
      expect(out.device).toBe(on(torch.zeros([1])).device);
      check(out, c.out, c.name);
    });
  });
  test.each(cases.filter(([, c]) => c.grads))('gradient %s', (_n, c) => {
    const ins = c.inputs.map((t, k) => {
      const x = on(mk(t));
      return c.grads && String(k) in c.grads ? x.requiresGrad_() : x;
    });
    run(c, ins).mul(on(mk(c.w!))).sum().backward();
    for (const [k, g] of Object.entries(c.grads!)) {
      expect(ins[Number(k)].grad).not.toBeNull();
      expectClose(ins[Number(k)].grad!, g.data as number[], { atol: 1e-12, rtol: 1e-12, ignoreShape: true, label: `grad ${k}` });
    }
  });

  describe('gradcheck (float64 central differences)', () => {
    const idx = () => torch.tensor([[2, 0, 1, 2], [1, 1, 0, 0], [0, 2, 2, 1]]);
    test('gather', () => gradcheck(([x]) => torch.gather(x, 0, on(idx())), [randnT([3, 4], 1)], { device }));
    test('scatter (input and src)', () =>
      gradcheck(([x, s]) => torch.scatter(x, 1, on(torch.tensor([[3, 0], [1, 2], [0, 3]])), s), [randnT([3, 4], 2), randnT([3, 2], 3)], { device }));
    test('scatterAdd with repeated indices', () =>
      gradcheck(([x, s]) => torch.scatterAdd(x, 0, on(idx()), s), [randnT([3, 4], 4), randnT([3, 4], 5)], { device }));
    test('indexSelect and indexAdd', () => {
      const i = on(torch.tensor([2, 0, 2]));
      gradcheck(([x]) => torch.indexSelect(x, 1, i), [randnT([2, 3, 2], 6)], { device });
      gradcheck(([x, s]) => torch.indexAdd(x, 1, i, s, { alpha: 1.5 }), [randnT([2, 3, 2], 7), randnT([2, 3, 2], 8)], { device });
    });
    test('maskedFill (tensor value), maskedSelect and where', () => {
      const m = on(torch.tensor([[true, false, true], [false, false, true]]));
      gradcheck(([x, v]) => torch.maskedFill(x, m, v), [randnT([2, 3], 9), randnT([], 10)], { device });
      gradcheck(([x]) => torch.maskedSelect(x, on(torch.tensor([true, false, true]))), [randnT([2, 3], 11)], { device });
      gradcheck(([a, b]) => torch.where(m, a, b), [randnT([2, 3], 12), randnT([3], 13)], { device });
    });
    test('advanced, mask and basic indexing', () => {
      gradcheck(([x]) => x.index(on(torch.tensor([1, 0, 1])), '::2', on(torch.tensor([2, 0, 1]))), [randnT([2, 3, 3], 14)], { device });
      gradcheck(([x]) => x.index('...', on(torch.tensor([true, false, true]))), [randnT([2, 3], 15)], { device });
      gradcheck(([x]) => x.index(1, null, '1:-1'), [randnT([2, 4], 16)], { device });
    });
    test('indexPut (values and input) and set on a non-leaf', () => {
      const i = on(torch.tensor([2, 0]));
      gradcheck(([x, v]) => torch.indexPut(x, [i], v), [randnT([3, 2], 17), randnT([2, 2], 18)], { device });
      gradcheck(([x, v]) => torch.indexPut(x, [i, on(torch.tensor([1, 1]))], v, { accumulate: true }), [randnT([3, 2], 19), randnT([2], 20)], { device });
      gradcheck(([x, v]) => x.mul(1).set(v, ':', '1:'), [randnT([3, 3], 21), randnT([2], 22)], { device });
      gradcheck(([x, v]) => x.mul(1).scatter_(0, on(torch.tensor([[1, 0, 2]])), v), [randnT([3, 3], 23), randnT([1, 3], 24)], { device });
    });
  });

  describe('in place and views', () => {
    test('scatter_, scatterAdd_, indexAdd_, maskedFill_ equal the out-of-place ops, also into non-contiguous targets', () => {
      const x0 = on(randnT([4, 5], 30));
      const i = on(torch.tensor([[1, 3, 0, 0, 2]]));
      const s = on(randnT([1, 5], 31));
      const m = on(torch.tensor([true, false, false, true, true]));
      for (const nc of [false, true]) {
        const t = () => (nc ? nonContiguous(x0.clone()) : x0.clone());
        expectClose(t().scatter_(0, i, s), torch.scatter(x0, 0, i, s));
        expectClose(t().scatter_(0, i, 4.5), torch.scatter(x0, 0, i, 4.5));
        expectClose(t().scatterAdd_(0, i, s), torch.scatterAdd(x0, 0, i, s));
        expectClose(t().indexAdd_(1, on(torch.tensor([4, 4])), on(randnT([4, 2], 32)), { alpha: 2 }), x0.indexAdd(1, on(torch.tensor([4, 4])), on(randnT([4, 2], 32)), { alpha: 2 }));
        expectClose(t().maskedFill_(m, -1), torch.maskedFill(x0, m, -1));
        const y = t();
        expect(y.maskedFill_(m, 0)).toBe(y);
      }
    });
    test('basic indexing is a view; set writes through it; index tensors copy', () => {
      const x = on(torch.arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]));
      const v = x.index(':', '::2', '1:-1');
      expect(v.shape).toEqual([2, 2, 2]);
      expect(v.tolist()).toEqual([[[1, 2], [9, 10]], [[13, 14], [21, 22]]]);
      x.set(-1, 1, 0, 1);
      expect(v.tolist()).toEqual([[[1, 2], [9, 10]], [[-1, 14], [21, 22]]]);
      const c = x.index(on(torch.tensor([1])));
      x.set(0, 1);
      expect(c.index(0, 0, 0).item()).toBe(12);
      expect(x.index(1).sum().item()).toBe(0);
      expect(x.index(-1, -1, -1).item()).toBe(0);
      expect(x.index('...').shape).toEqual([2, 3, 4]);
      expect(x.index(null, '...', null).shape).toEqual([1, 2, 3, 4, 1]);
      expect(x.index('5:').shape).toEqual([0, 3, 4]);
      expect(x.index(':', '-2:', '::3').tolist()).toEqual([[[4, 7], [8, 11]], [[0, 0], [0, 0]]]);
    });
    test('set with a tensor value broadcasts; set with index tensors and masks', () => {
      const x = on(torch.zeros([3, 4], { dtype: 'int64' }));
      x.set(on(torch.tensor([1, 2, 3, 4])), '1:');
      expect(x.tolist()).toEqual([[0, 0, 0, 0], [1, 2, 3, 4], [1, 2, 3, 4]]);
      x.set(9, on(torch.tensor([0, 2])), on(torch.tensor([3, 0])));
      expect(x.tolist()).toEqual([[0, 0, 0, 9], [1, 2, 3, 4], [9, 2, 3, 4]]);
      x.set(7, x.gt(3));
      expect(x.tolist()).toEqual([[0, 0, 0, 7], [1, 2, 3, 7], [7, 2, 3, 7]]);
      const y = on(torch.zeros([2, 3]));
      y.indexPut_([on(torch.tensor([1, 1, 0]))], on(torch.ones([3, 3])), { accumulate: true });
      expect(y.tolist()).toEqual([[1, 1, 1], [2, 2, 2]]);
      const z = on(torch.zeros([3, 2])).t();
      z.set(5, ':', [true, false, true]);
      expect(z.tolist()).toEqual([[5, 0, 5], [5, 0, 5]]);
    });
    test('where(cond) and nonzero({asTuple}) give one index tensor per dimension', () => {
      const c = on(torch.tensor([[true, false], [true, true]]));
      const [r, k] = torch.where(c);
      expect(r.tolist()).toEqual([1, 1, 1].map((_, j) => [0, 1, 1][j]));
      expect(k.tolist()).toEqual([0, 0, 1]);
      expect(torch.nonzero(c, { asTuple: true }).map((t) => t.tolist())).toEqual([[0, 1, 1], [0, 0, 1]]);
      expect(c.nonzero().tolist()).toEqual([[0, 0], [1, 0], [1, 1]]);
      expect(on(torch.zeros([0, 3])).nonzero().shape).toEqual([0, 2]);
      expect(torch.where(on(torch.tensor([0, 2, 0, -1]))).map((t) => t.tolist())).toEqual([[1, 3]]);
      expect(on(torch.tensor(5)).nonzero().shape).toEqual([1, 0]);
    });
    test('a large nonzero (many blocks) and a large gather agree with a CPU reference', () => {
      const n = 100003;
      const data = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 13 < 5 ? 0 : i % 97));
      const x = on(torch.fromBuffer(data));
      const nz = torch.nonzero(x);
      const want: number[] = [];
      data.forEach((v, i) => v !== 0 && want.push(i));
      expect(toNumbers(nz)).toEqual(want);
      const back = torch.gather(x, 0, nz.reshape([-1]));
      expect(toNumbers(back)).toEqual(want.map((i) => data[i]));
    });
    test('index tensors and masks made on the CPU index a tensor on any device', () => {
      const x = on(torch.arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]));
      expect(x.index(':', torch.tensor([2, 0])).tolist()).toEqual([[2, 0], [5, 3]]);
      expect(x.index(torch.tensor([false, true])).tolist()).toEqual([[3, 4, 5]]);
      expect(x.index(':', torch.tensor([-1], { dtype: 'int32' })).tolist()).toEqual([[2], [5]]);
      expect(x.index([[1, 0], [0, 0]], [2, 1]).tolist()).toEqual([[5, 1], [2, 1]]);
      expect(x.index([[true, false, true], [false, false, true]]).tolist()).toEqual([0, 2, 5]);
    });
    test('in-place ops on a leaf that requires grad are refused with a coded error', () => {
      const x = on(torch.zeros([3])).requiresGrad_();
      expect(() => x.maskedFill_(on(torch.tensor([true, false, true])), 1)).toThrow(torch.TorchletError);
      expect(() => x.set(1, 0)).toThrow(/leaf/);
      torch.noGrad(() => x.set(1, 0));
      expect(x.tolist()).toEqual([1, 0, 0]);
    });
  });

  describe('argument errors', () => {
    const x = torch.zeros([2, 3]);
    const i = torch.tensor([[0, 1, 2]]);
    test.each([
      ['gather index out of range', () => torch.gather(x, 0, torch.tensor([[0, 2, 0]])), 'index'],
      ['gather negative index', () => torch.gather(x, 1, torch.tensor([[-1]])), 'index'],
      ['gather int32 index', () => torch.gather(x, 1, torch.tensor([[0]], { dtype: 'int32' })), 'index'],
      ['gather rank mismatch', () => torch.gather(x, 1, torch.tensor([0])), 'index'],
      ['gather dim out of range', () => torch.gather(x, 2, i), 'dim'],
      ['gather unknown option', () => torch.gather(x, 1, i, { sparse_grad: true } as never), 'opts.sparse_grad'],
      ['scatter src dtype', () => torch.scatter(x, 1, i, torch.zeros([1, 3], { dtype: 'float64' })), 'src'],
      ['scatter bad reduce', () => torch.scatter(x, 1, i, 1, { reduce: 'mean' as never }), 'opts.reduce'],
      ['scatter extra argument', () => (torch.scatter as (...a: unknown[]) => unknown)(x, 1, i, 1, {}, 2), /scatter\(\)/],
      ['indexSelect 2-D index', () => torch.indexSelect(x, 0, i), 'index'],
      ['indexSelect out of range', () => torch.indexSelect(x, 1, torch.tensor([3])), 'index'],
      ['indexAdd source shape', () => torch.indexAdd(x, 0, torch.tensor([0]), torch.zeros([2, 3])), 'source'],
      ['maskedFill non-bool mask', () => torch.maskedFill(x, torch.zeros([3]), 1), 'mask'],
      ['maskedFill mask not broadcastable to input', () => torch.maskedFill(x, torch.tensor([[[true]], [[false]]]), 1), 'mask'],
      ['maskedFill value not a 0-d tensor', () => torch.maskedFill(x, torch.tensor([true, false, true]), torch.zeros([1])), 'value'],
      ['where shapes', () => torch.where(torch.tensor([true, false]), x, 0), /for (other|input)/],
      ['nonzero unknown option', () => torch.nonzero(x, { as_tuple: true } as never), 'opts.as_tuple'],
      ['index out of range integer', () => x.index(2), 'index'],
      ['index too many dims', () => x.index(0, 0, 0), 'index'],
      ['index bad slice', () => x.index('1:2:0'), 'index'],
      ['index bad slice text', () => x.index('a:b'), 'index'],
      ['index two ellipses', () => x.index('...', '...'), 'index'],
      ['index tensor out of range', () => x.index(torch.tensor([0, 2])), 'index'],
      ['index float tensor', () => x.index(torch.zeros([1])), 'index'],
      ['index mask shape', () => x.index(torch.tensor([true, false, true])), 'index'],
      ['set value shape', () => x.clone().set(torch.zeros([4]), 0), 'value'],
      ['indexPut_ no indices', () => x.clone().indexPut_([], torch.zeros([1])), 'indices'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_t, fn, name) => {
      expectArgError(fn, name);
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(torch.TorchletError);
      }
    });
  });
});

// The CPU kernels' layouts (native/cpu/index.cc): gather / indexSelect / where in runs along the last
// dimension (split every 4096 positions; a whole slice copied when the index is constant along the
// run), scatter in groups of up to 16 neighbouring lines stepped together. Checked against plain JS
// on shapes past those sizes, with transposed (strided) operands, broadcasting and repeated indices
// (scatterAdd sums each target's contributions in index order: exact in float64 against JS's sums).
describe('indexing kernels on larger, strided shapes (CPU) equal a plain JS reference', () => {
  const lcg = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const ints = (n: number, hi: number, seed: number) => {
    const r = lcg(seed);
    return BigInt64Array.from({ length: n }, () => BigInt(Math.floor(r() * hi)));
  };
  const f64 = (shape: number[], seed: number) => {
    const r = lcg(seed);
    return torch.fromBuffer(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), shape);
  };
  const arr = (t: Tensor) => Array.from(t.contiguous().toArray() as Float64Array);

  test('indexSelect rows and columns of a long, a transposed and a 3-D input', () => {
    for (const x of [f64([7, 9000], 1), f64([9000, 7], 2).t(), f64([3, 5, 4100], 3)]) {
      for (let d = 0; d < x.ndim; d++) {
        const idx = torch.fromBuffer(ints(11, x.shape[d], 4 + d), [11]);
        const got = arr(torch.indexSelect(x, d, idx));
        const xs = arr(x);
        const iv = Array.from(idx.toArray() as BigInt64Array, Number);
        const st = x.shape.map((_, k) => x.shape.slice(k + 1).reduce((a, b) => a * b, 1));
        const oshape = x.shape.slice();
        oshape[d] = 11;
        const ost = oshape.map((_, k) => oshape.slice(k + 1).reduce((a, b) => a * b, 1));
        const want = got.map((_, i) => {
          let src = 0;
          for (let k = 0; k < oshape.length; k++) {
            const c = Math.floor(i / ost[k]) % oshape[k];
            src += (k === d ? iv[c] : c) * st[k];
          }
          return xs[src];
        });
        expect(got).toEqual(want);
      }
    }
  });

  test('gather along the last dim of rows longer than a run, with a transposed index', () => {
    const x = f64([3, 9000], 5);
    const i1 = torch.fromBuffer(ints(3 * 8500, 9000, 6), [3, 8500]);
    const i2 = torch.fromBuffer(ints(8500 * 3, 9000, 7), [8500, 3]).t();
    for (const i of [i1, i2]) {
      const got = arr(torch.gather(x, 1, i));
      const xs = arr(x);
      const is = Array.from(i.contiguous().toArray() as BigInt64Array, Number);
      expect(got).toEqual(is.map((k, p) => xs[Math.floor(p / 8500) * 9000 + k]));
    }
  });

  test('where with a broadcast condition and a transposed input', () => {
    const a = f64([5000, 6], 8).t();
    const b = f64([6, 5000], 9);
    const cond = torch.fromBuffer(ints(5000, 2, 10), [1, 5000]).ne(0);
    const got = arr(torch.where(cond, a, b));
    const av = arr(a), bv = arr(b), cv = Array.from(cond.toArray() as Uint8Array);
    expect(got).toEqual(av.map((v, p) => (cv[p % 5000] ? v : bv[p])));
  });

  test('scatterAdd along dim 0 with many repeated indices, 37 columns (groups of 16 and a rest), sums in index order', () => {
    for (const src of [f64([300, 37], 11), f64([37, 300], 12).t()]) {
      const idx = torch.fromBuffer(ints(300 * 37, 50, 13), [300, 37]);
      const base = f64([50, 37], 14);
      const got = arr(torch.scatterAdd(base, 0, idx, src));
      const want = arr(base);
      const sv = arr(src), iv = Array.from(idx.toArray() as BigInt64Array, Number);
      for (let j = 0; j < 300; j++) for (let c = 0; c < 37; c++) want[iv[j * 37 + c] * 37 + c] += sv[j * 37 + c];
      expect(got).toEqual(want);
      // in place into a transposed target (its columns strided)
      const tgt = f64([37, 50], 14).t();
      const before = arr(tgt);
      tgt.scatterAdd_(0, idx, src);
      for (let j = 0; j < 300; j++) for (let c = 0; c < 37; c++) before[iv[j * 37 + c] * 37 + c] += sv[j * 37 + c];
      expect(arr(tgt)).toEqual(before);
    }
  });

  test('embedding rows and their gradient (scatter-add of repeated tokens)', () => {
    const w = f64([1000, 40], 15).requiresGrad_();
    const tok = torch.fromBuffer(ints(64 * 32, 1000, 16), [64, 32]);
    const y = torch.nn.functional.embedding(tok, w);
    const wv = arr(w.detach()), tv = Array.from(tok.toArray() as BigInt64Array, Number);
    expect(arr(y)).toEqual(tv.flatMap((t) => wv.slice(t * 40, t * 40 + 40)));
    const g = f64([64, 32, 40], 17);
    y.backward(g);
    const gv = arr(g);
    const want = new Array(1000 * 40).fill(0);
    tv.forEach((t, p) => {
      for (let c = 0; c < 40; c++) want[t * 40 + c] += gv[p * 40 + c];
    });
    expect(arr(w.grad!)).toEqual(want);
  });
});
