// test/ops/index_reduce.test.ts — indexReduce / indexReduce_ against PyTorch 1.13's index_reduce
// (test/fixtures/index_reduce.json from gen_index_reduce_fixtures.py: ~150 seeded cases, every reduce
// ('prod', 'mean', 'amax', 'amin') x includeSelf x dtype (float64, float32, int64) over inputs of 1-3
// dims with negative and positive dims and repeated indices, plus hand cases (NaN, zeros for prod,
// int32 and 0-d indices, empty indices, 0-d inputs, integer floor means) and refusals: indices out of
// range, negative, 2-D or float; a source of another dtype, rank or shape; reduce 'sum' or unknown; a
// dim out of range; 'TorchletRefuses': a 0-d input with a 1-D source, which PyTorch 1.13 takes and
// torchlet refuses as indexAdd / indexCopy do).
// Contract: where PyTorch computed, torchlet gives the same shape, dtype and values (exact for
// integers; 1e-12 for float64, 1e-6 for float32) with contiguous and with transposed operands, by
// the function, the method and the in-place form (written into x, and returning it); for float64 the
// same gradients of sum(out * w) with respect to x and source (PyTorch's autograd values), through
// the functional and the in-place form. Where PyTorch raised, torchlet throws a coded TorchletError
// and an in-place form leaves x as it was. A float64 central-difference gradcheck of each reduce, and
// the refusal of bad option keys and argument types.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { toNumbers, expectCodedError, randnT } from '../helpers';
import { gradcheck } from '../gradcheck';
import { FT, Layout, check, layout, mk } from './fixture_tensors';

type Reduce = 'prod' | 'mean' | 'amax' | 'amin';
interface Case {
  name: string;
  kind: 'random' | 'hand' | 'refusal';
  x: FT;
  dim: number;
  index: FT;
  source: FT;
  reduce: Reduce;
  includeSelf: boolean;
  out?: FT;
  error?: { type: string; msg: string };
  w?: FT;
  grads?: { x: FT; source: FT };
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'index_reduce.json'), 'utf8')) as { cases: Case[] };

const run = (c: Case, x: Tensor, index: Tensor, source: Tensor): Tensor => torch.indexReduce(x, c.dim, index, source, c.reduce, { includeSelf: c.includeSelf });
const runMethod = (c: Case, x: Tensor, index: Tensor, source: Tensor): Tensor => x.indexReduce(c.dim, index, source, c.reduce, { includeSelf: c.includeSelf });
const runInplace = (c: Case, x: Tensor, index: Tensor, source: Tensor): Tensor => x.indexReduce_(c.dim, index, source, c.reduce, { includeSelf: c.includeSelf });

describeOp('index_reduce', ({ on, device }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every reduce, includeSelf and dtype, with gradients and refusals', () => {
    for (const r of ['prod', 'mean', 'amax', 'amin'])
      for (const inc of [true, false]) {
        expect(fixture.cases.some((c) => c.reduce === r && c.includeSelf === inc && c.grads)).toBe(true);
        for (const dt of ['float64', 'float32', 'int64']) expect(fixture.cases.filter((c) => c.reduce === r && c.includeSelf === inc && c.out && c.x.dtype === dt).length).toBeGreaterThanOrEqual(5);
      }
    for (const nd of [0, 1, 2, 3]) expect(fixture.cases.some((c) => c.out && c.x.shape.length === nd)).toBe(true);
    expect(fixture.cases.some((c) => c.out && c.dim < 0)).toBe(true);
    expect(fixture.cases.some((c) => c.out && new Set(c.index.data).size < c.index.data.length)).toBe(true);
    expect(fixture.cases.filter((c) => c.error).length).toBeGreaterThanOrEqual(15);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(150);
  });

  describe.each([['contiguous'], ['transposed']] as [Layout][])('vs PyTorch (%s operands)', (l) => {
    const mkT = (t: FT): Tensor => layout(on(mk(t)), l);
    test.each(cases)('%s', (name, c) => {
      const x = mkT(c.x);
      const index = mkT(c.index);
      const source = mkT(c.source);
      if (c.error) {
        expectCodedError(() => run(c, x, index, source), name);
        expectCodedError(() => runMethod(c, x, index, source), `${name} (method)`);
        expectCodedError(() => runInplace(c, x, index, source), `${name} (in place)`);
        check(x, c.x, `${name}: x after the refused in-place op`);
        return;
      }
      check(run(c, x, index, source), c.out!, name);
      check(runMethod(c, x, index, source), c.out!, `${name} (method)`);
      check(x, c.x, `${name}: x after the functional forms`);
      const r = runInplace(c, x, index, source);
      expect(r).toBe(x);
      check(x, c.out!, `${name}: in place`);
    });
  });

  const gradRuns = cases.filter(([, c]) => c.grads).flatMap(([n, c]) => (['contiguous', 'transposed'] as Layout[]).map((l) => [`${n} (${l})`, c, l] as [string, Case, Layout]));
  test.each(gradRuns)('gradient %s', (name, c, l) => {
    for (const inplace of [false, true]) {
      const x = on(mk(c.x)).requiresGrad_();
      const src = on(mk(c.source)).requiresGrad_();
      const index = layout(on(mk(c.index)), l);
      // (in place: into a non-leaf copy of x)
      const out = inplace ? runInplace(c, layout(x, l).mul(1), index, layout(src, l)) : run(c, layout(x, l), index, layout(src, l));
      check(out, c.out!, name);
      out.mul(on(mk(c.w!))).sum().backward();
      const how = inplace ? 'in place' : 'functional';
      expect(x.grad).not.toBeNull();
      check(x.grad!, c.grads!.x, `${name}: grad x (${how})`);
      expect(src.grad).not.toBeNull();
      check(src.grad!, c.grads!.source, `${name}: grad source (${how})`);
    }
  });

  describe('gradcheck (float64 central differences)', () => {
    // distinct values: no ties, no zeros (where the op is not differentiable)
    const distinct = (shape: number[], seed: number, off: number): Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      const perm = toNumbers(torch.randperm(n, { generator: new torch.Generator().manualSeed(seed) }));
      return torch.tensor(perm.map((p) => off + 0.37 * (p + 1)), { dtype: 'float64' }).reshape(shape);
    };
    for (const reduce of ['prod', 'mean', 'amax', 'amin'] as Reduce[])
      for (const includeSelf of [true, false]) {
        test(`indexReduce ${reduce} includeSelf=${includeSelf} (dim 1 of 3)`, () =>
          gradcheck(([x, s]) => torch.indexReduce(x, 1, on(torch.tensor([2, 0, 2, 3, 2])), s, reduce, { includeSelf }), [distinct([2, 4, 3], 1, 0.1), distinct([2, 5, 3], 2, 0.2)], { device }));
        test(`indexReduce_ ${reduce} includeSelf=${includeSelf} (dim -1, into a non-leaf)`, () =>
          gradcheck(([x, s]) => x.mul(1).indexReduce_(-1, on(torch.tensor([1, 1, 0])), s, reduce, { includeSelf }), [distinct([3, 2], 3, 0.3), distinct([3, 3], 4, 0.1)], { device }));
      }
    test('indexReduce prod with zeros in source and input', () =>
      gradcheck(([x, s]) => torch.indexReduce(x, 0, on(torch.tensor([0, 0, 1, 2])), s, 'prod'), [torch.tensor([[0, 1.5], [0.7, 0.3], [2, -1]], { dtype: 'float64' }), randnT([4, 2], 5).mul(torch.tensor([[1, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float64' }))], { device }));
  });

  describe('refusals', () => {
    const x = (): Tensor => on(torch.zeros([3, 4], { dtype: 'float64' }));
    const i = (): Tensor => on(torch.tensor([0, 2]));
    const s = (): Tensor => on(torch.ones([2, 4], { dtype: 'float64' }));
    test.each([
      ["reduce 'sum' (indexAdd's)", () => torch.indexReduce(x(), 0, i(), s(), 'sum' as Reduce)],
      ['an unknown reduce', () => torch.indexReduce(x(), 0, i(), s(), 'max' as Reduce)],
      ["the prototype's name as reduce", () => torch.indexReduce(x(), 0, i(), s(), 'toString' as Reduce)],
      ['a missing reduce', () => (torch.indexReduce as (...a: unknown[]) => Tensor)(x(), 0, i(), s())],
      ['an unknown option key', () => torch.indexReduce(x(), 0, i(), s(), 'prod', { include_self: false } as never)],
      ['a non-boolean includeSelf', () => torch.indexReduce(x(), 0, i(), s(), 'prod', { includeSelf: 1 as never })],
      ['a number source', () => torch.indexReduce(x(), 0, i(), 2 as never, 'prod')],
      ['an array index', () => torch.indexReduce(x(), 0, [0, 2] as never, s(), 'prod')],
      ['a string dim', () => torch.indexReduce(x(), '0' as never, i(), s(), 'prod')],
      ['an extra argument', () => (torch.indexReduce as (...a: unknown[]) => Tensor)(x(), 0, i(), s(), 'prod', {}, 1)],
      ['an extra argument (in place)', () => (torch.indexReduce_ as (...a: unknown[]) => Tensor)(x(), 0, i(), s(), 'prod', {}, 1)],
      ['an extra argument (method)', () => (x().indexReduce as (...a: unknown[]) => Tensor)(0, i(), s(), 'prod', {}, 1)],
      ['indexReduce_ on a leaf that requires grad', () => x().requiresGrad_().indexReduce_(0, i(), s(), 'amax')],
      ['indexReduce_ on an expanded view', () => on(torch.zeros([1, 4], { dtype: 'float64' })).expand([3, 4]).indexReduce_(0, i(), s(), 'amin')],
    ] as [string, () => unknown][])('%s', (name, fn) => expectCodedError(fn, name));
    test('errors name the argument', () => {
      expect(() => torch.indexReduce(x(), 0, on(torch.tensor([0, 3])), s(), 'prod')).toThrow(/index/);
      expect(() => torch.indexReduce(x(), 0, i(), on(torch.ones([2, 3], { dtype: 'float64' })), 'prod')).toThrow(/source/);
      expect(() => torch.indexReduce(x(), 0, i(), s(), 'sum' as Reduce)).toThrow(/reduce/);
      expect(() => torch.indexReduce(x(), 0, i(), s(), 'prod', { includeSelf: 'no' as never })).toThrow(/includeSelf/);
    });
  });

  test("PyTorch's documented example", () => {
    const x = on(torch.full([5, 3], 2));
    const t = on(torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], { dtype: 'float32' }));
    expect(x.indexReduce_(0, on(torch.tensor([0, 4, 2, 0])), t, 'prod').tolist()).toEqual([[20, 44, 72], [2, 2, 2], [14, 16, 18], [2, 2, 2], [8, 10, 12]]);
  });
  test('the in-place form bumps the version and chains gradients through a non-leaf', () => {
    const a = on(torch.tensor([1.0, 2.0, 3.0], { dtype: 'float64' })).requiresGrad_();
    const b = a.mul(2);
    const v0 = b._version;
    b.indexReduce_(0, on(torch.tensor([0, 0])), on(torch.tensor([4.0, 1.0], { dtype: 'float64' })), 'amax');
    expect(b._version).toBeGreaterThan(v0);
    expect(b.tolist()).toEqual([4, 4, 6]);
    b.sum().backward();
    expect(a.grad!.tolist()).toEqual([0, 2, 2]);
  });
  test('an in-place write into a view reaches its base', () => {
    const base = on(torch.ones([2, 3], { dtype: 'float64' }));
    base.select(0, 1).indexReduce_(0, on(torch.tensor([2, 2])), on(torch.tensor([3.0, 5.0], { dtype: 'float64' })), 'mean', { includeSelf: false });
    expect(base.tolist()).toEqual([[1, 1, 1], [1, 1, 4]]);
  });
});
