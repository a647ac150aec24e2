// test/ops/scatter_more.test.ts — scatterReduce, indexCopy, indexFill, maskedScatter and put against PyTorch 1.13
// (test/fixtures/scatter_more.json from gen_scatter_more_fixtures.py: ~650 seeded cases of
// scatter_reduce with every reduce ('sum', 'prod', 'mean', 'amax', 'amin') and includeSelf true /
// false, index_copy, index_fill (a number or a 0-d tensor value), masked_scatter (broadcast masks,
// sources larger than needed) and put (flat indices of any shape, negative ones, accumulate) over inputs of 0-3 dims in
// float64, float32, int64 and int32, with repeated indices, ties, zeros, NaN and integer means (floor
// division), plus refusals: indices out of range or of another dtype, rank / shape mismatches, a src
// of another dtype, an unknown reduce, a dim out of range, a value that is not 0-d, a source too small;
// 'TorchletRefuses': an int64 mask, which PyTorch 1.13 takes and torchlet refuses as maskedFill does).
// Contract: where PyTorch computed, torchlet gives the same shape, dtype and values (exact for
// integers; 1e-12 for float64, 1e-6 for float32) with contiguous and with transposed operands, by the
// functional form and by the in-place form (written into x, and returning it; not where PyTorch's
// functional maskedScatter broadcasts x up); for float64 the same
// gradients of sum(out * w) with respect to x and src (PyTorch's autograd values), through the
// functional and the in-place form. Where PyTorch raised, torchlet throws a coded TorchletError and
// an in-place form leaves x as it was. A float64 central-difference gradcheck of each op, and the
// refusal of bad option keys and argument types.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { toNumbers, expectCodedError, randnT } from '../helpers';
import { gradcheck } from '../gradcheck';
import { FT, Layout, check, layout, mk } from './fixture_tensors';

type Op = 'scatter_reduce' | 'index_copy' | 'index_fill' | 'masked_scatter' | 'put';
type Reduce = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';
interface Case {
  name: string;
  op: Op;
  x: FT;
  dim: number;
  index: FT;
  src: number | FT;
  reduce?: Reduce;
  includeSelf?: boolean;
  accumulate?: boolean;
  out?: FT;
  error?: { type: string; msg: string };
  hand?: boolean;
  w?: FT;
  grads?: { x: FT; src?: FT };
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'scatter_more.json'), 'utf8')) as { cases: Case[] };

function run(c: Case, x: Tensor, index: Tensor, src: Tensor | number): Tensor {
  if (c.op === 'scatter_reduce') return torch.scatterReduce(x, c.dim, index, src as Tensor, c.reduce!, { includeSelf: c.includeSelf });
  if (c.op === 'index_copy') return torch.indexCopy(x, c.dim, index, src as Tensor);
  if (c.op === 'masked_scatter') return torch.maskedScatter(x, index, src as Tensor);
  if (c.op === 'put') return torch.put(x, index, src as Tensor, { accumulate: c.accumulate });
  return torch.indexFill(x, c.dim, index, src);
}
function runInplace(c: Case, x: Tensor, index: Tensor, src: Tensor | number): Tensor {
  if (c.op === 'scatter_reduce') return x.scatterReduce_(c.dim, index, src as Tensor, c.reduce!, { includeSelf: c.includeSelf });
  if (c.op === 'index_copy') return x.indexCopy_(c.dim, index, src as Tensor);
  if (c.op === 'masked_scatter') return x.maskedScatter_(index, src as Tensor);
  if (c.op === 'put') return x.put_(index, src as Tensor, { accumulate: c.accumulate });
  return x.indexFill_(c.dim, index, src);
}

describeOp('scatter_more', ({ on, device }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every op, reduce, its refusals and its gradients', () => {
    for (const op of ['scatter_reduce', 'index_copy', 'index_fill', 'masked_scatter', 'put'] as Op[]) {
      expect(fixture.cases.some((c) => c.op === op && c.out)).toBe(true);
      expect(fixture.cases.some((c) => c.op === op && c.error)).toBe(true);
      expect(fixture.cases.some((c) => c.op === op && c.grads)).toBe(true);
    }
    for (const r of ['sum', 'prod', 'mean', 'amax', 'amin'])
      for (const inc of [true, false]) {
        expect(fixture.cases.some((c) => c.reduce === r && c.includeSelf === inc && c.grads)).toBe(true);
        for (const dt of ['float32', 'int64', 'int32']) expect(fixture.cases.some((c) => c.reduce === r && c.includeSelf === inc && c.out && c.x.dtype === dt)).toBe(true);
      }
    expect(fixture.cases.filter((c) => c.error).length).toBeGreaterThan(40);
  });

  describe.each([['contiguous'], ['transposed']] as [Layout][])('vs PyTorch (%s operands)', (l) => {
    const mkT = (t: FT): Tensor => layout(on(mk(t)), l);
    test.each(cases)('%s', (name, c) => {
      const x = mkT(c.x);
      const index = mkT(c.index);
      const src = typeof c.src === 'number' ? c.src : mkT(c.src);
      if (c.error) {
        expectCodedError(() => run(c, x, index, src), name);
        expectCodedError(() => runInplace(c, x, index, src), `${name} (in place)`);
        check(x, c.x, `${name}: x after the refused in-place op`);
        return;
      }
      check(run(c, x, index, src), c.out!, name);
      check(x, c.x, `${name}: x after the functional form`);
      // (PyTorch's functional maskedScatter broadcasts x up to the mask; the in-place form cannot)
      if (c.out!.shape.join() !== c.x.shape.join()) return;
      const r = runInplace(c, x, index, src);
      expect(r).toBe(x);
      check(x, c.out!, `${name}: in place`);
    });
  });

  const gradRuns = cases.filter(([, c]) => c.grads).flatMap(([n, c]) => (['contiguous', 'transposed'] as Layout[]).map((l) => [`${n} (${l})`, c, l] as [string, Case, Layout]));
  test.each(gradRuns)('gradient %s', (name, c, l) => {
    for (const inplace of [false, true]) {
      const x = on(mk(c.x)).requiresGrad_();
      const srcLeaf = typeof c.src !== 'number' && c.grads!.src ? on(mk(c.src)).requiresGrad_() : null;
      const src = srcLeaf ? layout(srcLeaf, l) : typeof c.src === 'number' ? c.src : on(mk(c.src));
      const index = layout(on(mk(c.index)), l);
      // (in place: into a non-leaf copy of x)
      if (inplace && c.out!.shape.join() !== c.x.shape.join()) continue;
      const out = inplace ? runInplace(c, layout(x, l).mul(1), index, src) : run(c, layout(x, l), index, src);
      check(out, c.out!, name);
      out.mul(on(mk(c.w!))).sum().backward();
      const how = inplace ? 'in place' : 'functional';
      expect(x.grad).not.toBeNull();
      check(x.grad!, c.grads!.x, `${name}: grad x (${how})`);
      if (c.grads!.src) {
        expect(srcLeaf!.grad).not.toBeNull();
        check(srcLeaf!.grad!, c.grads!.src, `${name}: grad src (${how})`);
      }
    }
  });

  describe('gradcheck (float64 central differences)', () => {
    const idx = (): Tensor => on(torch.tensor([[2, 0, 1, 2], [1, 1, 0, 0], [0, 2, 2, 1]]));
    // distinct values: no ties, no zeros (where the op is not differentiable)
    const distinct = (shape: number[], seed: number, off: number): Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      const perm = toNumbers(torch.randperm(n, { generator: new torch.Generator().manualSeed(seed) }));
      return torch.tensor(perm.map((p) => off + 0.37 * (p + 1)), { dtype: 'float64' }).reshape(shape);
    };
    for (const reduce of ['sum', 'prod', 'mean', 'amax', 'amin'] as Reduce[])
      for (const includeSelf of [true, false])
        test(`scatterReduce ${reduce} includeSelf=${includeSelf}`, () =>
          gradcheck(([x, s]) => torch.scatterReduce(x, 0, idx(), s, reduce, { includeSelf }), [distinct([3, 4], 1, 0.1), distinct([3, 4], 2, 0.2)], { device }));
    test('scatterReduce prod with a zero in src', () =>
      gradcheck(([x, s]) => torch.scatterReduce(x, 1, on(torch.tensor([[0, 0, 1], [2, 1, 1]])), s, 'prod'), [randnT([2, 3], 3), torch.tensor([[0, 1.5, 0.7], [0.3, 0, 2]], { dtype: 'float64' })], { device }));
    test('indexCopy', () =>
      gradcheck(([x, s]) => torch.indexCopy(x, 1, on(torch.tensor([3, 0])), s), [randnT([3, 4], 4), randnT([3, 2], 5)], { device }));
    test('indexFill (0-d tensor value)', () =>
      gradcheck(([x, v]) => torch.indexFill(x, 0, on(torch.tensor([2, 0, 2])), v), [randnT([3, 4], 6), randnT([], 7)], { device }));
    test('indexFill (number value)', () => gradcheck(([x]) => x.indexFill(-1, on(torch.tensor([1])), 2.5), [randnT([3, 4], 8)], { device }));
    test('maskedScatter (mask broadcast, source larger than needed)', () =>
      gradcheck(([x, s]) => torch.maskedScatter(x, on(torch.tensor([true, false, true, true])), s), [randnT([3, 4], 9), randnT([3, 4], 10)], { device }));
    for (const accumulate of [false, true])
      test(`put accumulate=${accumulate}`, () =>
        gradcheck(([x, s]) => torch.put(x, on(torch.tensor(accumulate ? [[0, -1], [5, 0]] : [[0, -1], [5, 2]])), s, { accumulate }), [randnT([3, 4], 11), randnT([2, 2], 12)], { device }));
  });

  describe('refusals', () => {
    const x = (): Tensor => on(torch.zeros([3, 4], { dtype: 'float64' }));
    const i = (): Tensor => on(torch.tensor([[0, 1], [2, 0]]));
    const s = (): Tensor => on(torch.ones([2, 2], { dtype: 'float64' }));
    test.each([
      ['an unknown reduce', () => torch.scatterReduce(x(), 0, i(), s(), 'max' as Reduce)],
      ["the prototype's name as reduce", () => torch.scatterReduce(x(), 0, i(), s(), 'toString' as Reduce)],
      ['a missing reduce', () => (torch.scatterReduce as (...a: unknown[]) => Tensor)(x(), 0, i(), s())],
      ['an unknown option key', () => torch.scatterReduce(x(), 0, i(), s(), 'sum', { include_self: false } as never)],
      ['a non-boolean includeSelf', () => torch.scatterReduce(x(), 0, i(), s(), 'sum', { includeSelf: 1 as never })],
      ['a number src', () => torch.scatterReduce(x(), 0, i(), 2 as never, 'sum')],
      ['an extra argument', () => (torch.scatterReduce as (...a: unknown[]) => Tensor)(x(), 0, i(), s(), 'sum', {}, 1)],
      ['indexCopy: a 2-D index', () => torch.indexCopy(x(), 0, i(), s())],
      ['indexCopy: a float index', () => torch.indexCopy(x(), 0, on(torch.tensor([0], { dtype: 'float32' })), on(torch.ones([1, 4], { dtype: 'float64' })))],
      ['indexFill: a 1-D value', () => torch.indexFill(x(), 0, on(torch.tensor([0])), on(torch.ones([1], { dtype: 'float64' })))],
      ['indexFill: a string value', () => torch.indexFill(x(), 0, on(torch.tensor([0])), '1' as never)],
      ['indexFill: an index out of range', () => torch.indexFill(x(), 1, on(torch.tensor([4])), 1)],
      ['scatterReduce_ on a leaf that requires grad', () => x().requiresGrad_().scatterReduce_(0, i(), s(), 'sum')],
      ['indexCopy_ on a leaf that requires grad', () => x().requiresGrad_().indexCopy_(0, on(torch.tensor([0])), on(torch.ones([1, 4], { dtype: 'float64' })))],
      ['maskedScatter: a source too small', () => torch.maskedScatter(x(), on(torch.ones([3, 4], { dtype: 'bool' })), on(torch.ones([11], { dtype: 'float64' })))],
      ['maskedScatter_: a mask that would broadcast x up', () => on(torch.zeros([4], { dtype: 'float64' })).maskedScatter_(on(torch.ones([2, 4], { dtype: 'bool' })), on(torch.ones([8], { dtype: 'float64' })))],
      ['maskedScatter: an int64 mask', () => torch.maskedScatter(x(), on(torch.ones([3, 4], { dtype: 'int64' })), on(torch.ones([12], { dtype: 'float64' })))],
      ['put: an index out of range', () => torch.put(x(), on(torch.tensor([12])), on(torch.ones([1], { dtype: 'float64' })))],
      ['put: an index below -numel', () => torch.put(x(), on(torch.tensor([-13])), on(torch.ones([1], { dtype: 'float64' })))],
      ['put: a source of another numel', () => torch.put(x(), on(torch.tensor([0, 1])), on(torch.ones([3], { dtype: 'float64' })))],
      ['put: an unknown option key', () => torch.put(x(), on(torch.tensor([0])), on(torch.ones([1], { dtype: 'float64' })), { accumulat: true } as never)],
      ['put: a non-boolean accumulate', () => torch.put(x(), on(torch.tensor([0])), on(torch.ones([1], { dtype: 'float64' })), { accumulate: 1 as never })],
      ['put_ on a leaf that requires grad', () => x().requiresGrad_().put_(on(torch.tensor([0])), on(torch.ones([1], { dtype: 'float64' })))],
      ['indexFill_ on an expanded view', () => on(torch.zeros([1, 4])).expand([3, 4]).indexFill_(0, on(torch.tensor([0])), 1)],
    ] as [string, () => unknown][])('%s', (name, fn) => expectCodedError(fn, name));
  });

  test('repeated indexCopy indices: the last write wins', () => {
    const out = torch.indexCopy(on(torch.zeros([3])), 0, on(torch.tensor([1, 1])), on(torch.tensor([5, 7], { dtype: 'float32' })));
    expect(out.tolist()).toEqual([0, 7, 0]);
  });
  test('the in-place forms bump the version and chain gradients through a non-leaf', () => {
    const a = on(torch.tensor([1.0, 2.0, 3.0], { dtype: 'float64' })).requiresGrad_();
    const b = a.mul(2);
    const v0 = b._version;
    b.indexFill_(0, on(torch.tensor([1])), 0).scatterReduce_(0, on(torch.tensor([0, 0])), on(torch.tensor([4.0, 1.0], { dtype: 'float64' })), 'amax');
    expect(b._version).toBeGreaterThan(v0);
    expect(b.tolist()).toEqual([4, 0, 6]);
    b.sum().backward();
    expect(a.grad!.tolist()).toEqual([0, 0, 2]);
  });
});
