// test/ops/scatter_fuzz.test.ts — random differential tests of the gather / scatter / index family
// against PyTorch 1.13 (test/fixtures/scatter_fuzz.json from gen_scatter_fuzz_fixtures.py: ~660
// seeded cases of gather, scatter (a src tensor or a number; reduce absent, 'add', 'multiply'),
// scatterAdd, indexSelect, indexAdd (alpha), take, takeAlongDim (dim or flattened), maskedSelect and
// maskedFill (a number or a 0-d tensor) over inputs of 1-4 dims with sizes 1-5 in float64, float32,
// int64 and int32; int64 / int32 index tensors with repeats (unique targets where PyTorch's result
// would be nondeterministic), smaller than the input off `dim`, some empty; negative and positive
// dims; broadcasting masks; plus hand-written cases of repeated indices, empty indices and refusals).
// Contract: where PyTorch computed, torchlet gives the same shape, dtype and values (exact for
// integers; 1e-12 for float64, 1e-6 for float32) with contiguous operands and with non-contiguous
// ones (x, index, src and mask each a transposed view, then each a strided slice of a larger
// tensor), by the functional form and by the in-place form where there is one (written into the
// non-contiguous x in place, and returning it); for float64 the same gradients of sum(out * w) with
// respect to x and src, through contiguous and non-contiguous inputs. Where PyTorch raised, torchlet
// throws a coded TorchletError (err.code starts with 'ERR_TORCHLET') and an in-place form leaves x as
// it was: never a crash, never a silent result. Errors of type 'TorchletRefuses' are the fixture's
// deliberate departures (PyTorch 1.13 computed; torchlet refuses: an empty index of another dtype,
// an empty source of another shape, a floating-point alpha for an integer indexAdd, a mask that is
// not bool, a mask that would broadcast x up). `torchQuirk` marks a case whose src gradient PyTorch
// 1.13 refuses (scatter / scatterAdd with src larger than index: its backward gives the gradient
// index's shape); `grads.src` is then the gradient of the corner of src that the op reads.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { expectClose, toNumbers, expectCodedError } from '../helpers';

interface FT {
  shape: number[];
  dtype: 'float64' | 'float32' | 'int64' | 'int32' | 'bool';
  data: (number | boolean)[];
}
type Op = 'gather' | 'scatter' | 'scatter_add' | 'index_select' | 'index_add' | 'take' | 'take_along_dim' | 'masked_select' | 'masked_fill';
interface Case {
  name: string;
  op: Op;
  x: FT;
  dim: number | null;
  /** the index tensor (the mask of masked_select / masked_fill) */
  index: FT;
  /** scatter's src (a tensor or a number), scatterAdd's src, indexAdd's source, maskedFill's value */
  src?: number | FT;
  reduce?: 'add' | 'multiply';
  alpha?: number;
  out?: FT;
  error?: { type: string; msg: string };
  torchQuirk?: string;
  hand?: boolean;
  w?: FT;
  grads?: { x: FT; src?: FT };
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'scatter_fuzz.json'), 'utf8')) as { cases: Case[] };

function mk(t: FT): Tensor {
  const n = t.data.map(Number);
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(n, (v) => BigInt(v)), t.shape.slice());
  if (t.dtype === 'int32') return torch.fromBuffer(Int32Array.from(n), t.shape.slice());
  if (t.dtype === 'bool') return torch.tensor(n.map((v) => v !== 0), { dtype: 'bool' }).reshape(t.shape);
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(n), t.shape.slice());
  return torch.fromBuffer(Float64Array.from(n), t.shape.slice());
}

type Layout = 'contiguous' | 'transposed' | 'sliced';
/**
 * The same values in another layout, by differentiable ops (so a leaf's gradient flows back):
 * 'transposed': a transposed copy transposed back (1-D and 0-d: as 'sliced'); 'sliced': every
 * other element of a tensor twice as large along a new last dim (strides doubled, offset 0).
 */
function layout(t: Tensor, l: Layout): Tensor {
  if (l === 'contiguous') return t;
  if (l === 'transposed' && t.ndim >= 2) return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
  return torch.stack([t, t], t.ndim).index('...', 0);
}

function check(actual: Tensor, expected: FT, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  if (expected.dtype !== 'float64' && expected.dtype !== 'float32') expect(toNumbers(actual)).toEqual(expected.data.map(Number));
  else {
    const tol = expected.dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-12, rtol: 1e-12 };
    expectClose(actual, expected.data as number[], { ...tol, label, ignoreShape: true });
  }
}

/** The functional form of the case's op. */
function run(c: Case, x: Tensor, index: Tensor, src: Tensor | number | undefined): Tensor {
  const dim = c.dim as number;
  switch (c.op) {
    case 'gather':
      return torch.gather(x, dim, index);
    case 'scatter':
      return torch.scatter(x, dim, index, src!, c.reduce ? { reduce: c.reduce } : undefined);
    case 'scatter_add':
      return torch.scatterAdd(x, dim, index, src as Tensor);
    case 'index_select':
      return torch.indexSelect(x, dim, index);
    case 'index_add':
      return torch.indexAdd(x, dim, index, src as Tensor, c.alpha === undefined ? undefined : { alpha: c.alpha });
    case 'take':
      return torch.take(x, index);
    case 'take_along_dim':
      return c.dim === null ? torch.takeAlongDim(x, index) : torch.takeAlongDim(x, index, c.dim);
    case 'masked_select':
      return torch.maskedSelect(x, index);
    case 'masked_fill':
      return torch.maskedFill(x, index, src!);
  }
}
/** The in-place form (x.op_(...)), or null where the op has none. */
function runInplace(c: Case, x: Tensor, index: Tensor, src: Tensor | number | undefined): Tensor | null {
  const dim = c.dim as number;
  if (c.op === 'scatter') return x.scatter_(dim, index, src!, c.reduce ? { reduce: c.reduce } : undefined);
  if (c.op === 'scatter_add') return x.scatterAdd_(dim, index, src as Tensor);
  if (c.op === 'index_add') return x.indexAdd_(dim, index, src as Tensor, c.alpha === undefined ? undefined : { alpha: c.alpha });
  if (c.op === 'masked_fill') return x.maskedFill_(index, src!);
  return null;
}
const HAS_INPLACE = new Set<Op>(['scatter', 'scatter_add', 'index_add', 'masked_fill']);
const OPS: Op[] = ['gather', 'scatter', 'scatter_add', 'index_select', 'index_add', 'take', 'take_along_dim', 'masked_select', 'masked_fill'];

describeOp('scatter_fuzz', ({ on }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every op, its refusals and its gradients', () => {
    for (const op of OPS) {
      expect(fixture.cases.some((c) => c.op === op && c.out)).toBe(true);
      expect(fixture.cases.some((c) => c.op === op && c.error)).toBe(true);
      expect(fixture.cases.some((c) => c.op === op && c.grads)).toBe(true);
    }
    for (const dt of ['float64', 'float32', 'int64', 'int32']) expect(fixture.cases.some((c) => c.out && c.x.dtype === dt)).toBe(true);
    expect(fixture.cases.filter((c) => c.error).length).toBeGreaterThan(60);
    expect(fixture.cases.filter((c) => c.grads).length).toBeGreaterThan(200);
    expect(fixture.cases.some((c) => c.out && c.index.data.length === 0)).toBe(true);
    expect(fixture.cases.some((c) => c.out && c.index.dtype === 'int32')).toBe(true);
    expect(fixture.cases.some((c) => c.out && c.dim !== null && c.dim < 0)).toBe(true);
    for (const r of ['add', 'multiply']) expect(fixture.cases.some((c) => c.out && c.reduce === r)).toBe(true);
  });

  // every operand (x, index / mask, src) in the same layout
  describe.each([['contiguous'], ['transposed'], ['sliced']] as [Layout][])('vs PyTorch (%s operands)', (l) => {
    const mkT = (t: FT): Tensor => layout(on(mk(t)), l);
    const mkSrc = (c: Case): Tensor | number | undefined => (c.src === undefined || typeof c.src === 'number' ? c.src : mkT(c.src));
    test.each(cases)('%s', (name, c) => {
      const x = mkT(c.x);
      const index = mkT(c.index);
      const src = mkSrc(c);
      if (c.error) {
        expectCodedError(() => run(c, x, index, src), name);
        if (HAS_INPLACE.has(c.op)) {
          expectCodedError(() => runInplace(c, x, index, src), `${name} (in place)`);
          check(x, c.x, `${name}: x after the refused in-place op`);
        }
        return;
      }
      const out = run(c, x, index, src);
      check(out, c.out!, name);
      check(x, c.x, `${name}: x after the functional form`);
      // (PyTorch's functional maskedFill broadcasts x up to the mask; the in-place form cannot)
      if (HAS_INPLACE.has(c.op) && c.out!.shape.join() === c.x.shape.join()) {
        const r = runInplace(c, x, index, src);
        expect(r).toBe(x);
        check(x, c.out!, `${name}: in place`);
      }
    });
  });

  const gradRuns = cases.filter(([, c]) => c.grads).flatMap(([n, c]) => (['contiguous', 'transposed', 'sliced'] as Layout[]).map((l) => [`${n} (${l})`, c, l] as [string, Case, Layout]));
  test.each(gradRuns)('gradient %s', (name, c, l) => {
    const x = on(mk(c.x)).requiresGrad_();
    const w = on(mk(c.w!));
    const srcLeaf = c.src !== undefined && typeof c.src !== 'number' ? on(mk(c.src)).requiresGrad_() : null;
    const src = srcLeaf ? layout(srcLeaf, l) : (c.src as number | undefined);
    const out = run(c, layout(x, l), layout(on(mk(c.index)), l), src);
    check(out, c.out!, name);
    out.mul(w).sum().backward();
    expect(x.grad).not.toBeNull();
    check(x.grad!, c.grads!.x, `${name}: grad x`);
    if (c.grads!.src) {
      expect(srcLeaf!.grad).not.toBeNull();
      check(srcLeaf!.grad!, c.grads!.src, `${name}: grad src`);
    }
  });
});
