// test/ops/index_fuzz.test.ts — random differential tests of indexing against PyTorch 1.13
// (test/fixtures/index_fuzz.json from gen_index_fuzz_fixtures.py: ~600 seeded cases of x[specs],
// x[specs] = value and index_put_ over inputs of 0-4 dims with sizes 0-5 in float64, float32, int64
// and bool; specs mixing integers, slices with out-of-range bounds and steps, None, '...', int64
// index tensors of 0-2 dims (negative, broadcast, empty), bool masks over several dims, Python lists
// and bool scalars, plus hand-written cases of PyTorch's placement rules and of values that view x).
// Contract: where PyTorch computed, torchlet gives the same shape, dtype and values (exact for
// int64 / bool; 1e-12 for float64, 1e-6 for float32) with contiguous and with non-contiguous x, index
// tensors, masks and values, and for float64 the same gradients of sum(out * w) (set / put also into
// a non-leaf that a live view shares); pure-basic indexing (integers, slices, None, '...', 0-d int
// tensors) returns a view that writes through to x, other indexing a copy that does not. Where
// PyTorch raised, torchlet throws a coded TorchletError (err.code starts with 'ERR_TORCHLET') and
// leaves x as it was: never a crash, never a silent result. The fixture's deliberate departures
// from PyTorch 1.13 (see the generator: `torchQuirk`, `torchRefuses`, errors of type
// 'TorchletRefuses') already hold torchlet's expected outcome.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, IndexSpec } from '../../lib';
import { describeOp } from '../devices';
import { expectClose, toNumbers, expectCodedError } from '../helpers';

interface FT {
  shape: number[];
  dtype: 'float64' | 'float32' | 'int64' | 'bool';
  data: (number | boolean)[];
}
type Spec = null | '...' | { int: number } | { slice: string } | { bool: boolean } | { list: unknown[] } | { t: FT };
interface Case {
  name: string;
  op: 'get' | 'set' | 'put';
  x: FT;
  specs?: Spec[];
  /** a number, a tensor, or the view x.index(...alias) (read as it was before the write) */
  value?: number | FT | { alias: Spec[] };
  indices?: FT[];
  values?: FT;
  accumulate?: boolean;
  out?: FT;
  error?: { type: string; msg: string };
  /** PyTorch 1.13's own outcome where it breaks its documented rule (out holds the rule's result) */
  torchQuirk?: string;
  /** PyTorch 1.13 refused a value of another dtype; out holds the result with the value converted */
  torchRefuses?: string;
  viewWrite?: FT;
  w?: FT;
  grads?: Record<string, FT>;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'index_fuzz.json'), 'utf8')) as { cases: Case[] };

function mk(t: FT): Tensor {
  const n = t.data.map(Number);
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(n, (v) => BigInt(v)), t.shape.slice());
  if (t.dtype === 'bool') return torch.tensor(n.map((v) => v !== 0), { dtype: 'bool' }).reshape(t.shape);
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(n), t.shape.slice());
  return torch.fromBuffer(Float64Array.from(n), t.shape.slice());
}
/** The same values in a non-contiguous layout (a transposed copy transposed back). */
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim < 2) return t;
  return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
}
/** A fixture index entry as torchlet's: Python True / False become 0-d bool tensors; `mkT` makes index tensors. */
function spec(s: Spec, mkT: (t: FT) => Tensor): IndexSpec {
  if (s === null || s === '...') return s;
  if ('int' in s) return s.int;
  if ('slice' in s) return s.slice;
  if ('bool' in s) return mkT({ shape: [], dtype: 'bool', data: [s.bool] });
  if ('list' in s) return s.list as IndexSpec;
  return mkT(s.t);
}
/** Advanced indexing (a copy in PyTorch): a list, a bool, a mask or an index tensor of 1+ dims. */
function isAdvanced(specs: Spec[]): boolean {
  return specs.some((s) => s !== null && s !== '...' && ('list' in s || 'bool' in s || ('t' in s && (s.t.dtype === 'bool' || s.t.shape.length > 0))));
}

function check(actual: Tensor, expected: FT, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  if (expected.dtype === 'int64' || expected.dtype === 'bool') expect(toNumbers(actual)).toEqual(expected.data.map(Number));
  else {
    const tol = expected.dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-12, rtol: 1e-12 };
    expectClose(actual, expected.data as number[], { ...tol, label, ignoreShape: true });
  }
}

describeOp('index_fuzz', ({ on }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every op, errors, views and gradients', () => {
    for (const op of ['get', 'set', 'put']) expect(fixture.cases.some((c) => c.op === op && c.out)).toBe(true);
    expect(fixture.cases.filter((c) => c.error).length).toBeGreaterThan(40);
    expect(fixture.cases.filter((c) => c.viewWrite).length).toBeGreaterThan(40);
    expect(fixture.cases.filter((c) => c.grads).length).toBeGreaterThan(200);
    expect(fixture.cases.filter((c) => c.torchQuirk).length).toBeGreaterThan(5);
    expect(fixture.cases.some((c) => c.torchRefuses)).toBe(true);
    expect(fixture.cases.some((c) => c.error?.type === 'TorchletRefuses')).toBe(true);
  });

  /** Runs the case on x (in place for set / put); returns the result. Index tensors and values by `mkT`. */
  const run = (c: Case, x: Tensor, mkT: (t: FT) => Tensor): Tensor => {
    if (c.op === 'get') return x.index(...c.specs!.map((s) => spec(s, mkT)));
    if (c.op === 'set') {
      const cv = c.value!;
      const v = typeof cv === 'number' ? cv : 'alias' in cv ? x.index(...cv.alias.map((s) => spec(s, mkT))) : mkT(cv);
      return x.set(v, ...c.specs!.map((s) => spec(s, mkT)));
    }
    return x.indexPut_(c.indices!.map(mkT), mkT(c.values!), { accumulate: c.accumulate });
  };

  // the non-contiguous run has its index tensors, masks and values non-contiguous too
  describe.each([['contiguous', false], ['non-contiguous', true]] as [string, boolean][])('vs PyTorch (%s operands)', (_l, nc) => {
    const mkT = (t: FT): Tensor => (nc ? nonContiguous(on(mk(t))) : on(mk(t)));
    test.each(cases)('%s', (name, c) => {
      const x = mkT(c.x);
      if (c.error) {
        expectCodedError(() => run(c, x, mkT), name);
        check(x, c.x, `${name}: x after the refused op`);
        return;
      }
      const out = run(c, x, mkT);
      check(out, c.out!, name);
      if (c.op !== 'get') {
        expect(out).toBe(x);
        return;
      }
      if (c.viewWrite) {
        // basic indexing is a view: writing into it writes into x
        out.fill_(c.x.dtype === 'bool' ? 1 : 7);
        check(x, c.viewWrite, `${name}: x after writing into the view`);
      } else if (isAdvanced(c.specs!) && out.numel() > 0) {
        // advanced indexing copies
        out.fill_(c.x.dtype === 'bool' ? 1 : 7);
        check(x, c.x, `${name}: x after writing into the copy`);
      }
    });
  });

  // set / put also write into a non-leaf whose storage a live view shares (autograd's CopySlices path)
  const gradRuns = cases.filter(([, c]) => c.grads).flatMap(([n, c]) => (c.op === 'get' ? [[n, c, false]] : [[n, c, false], [`${n} (aliased)`, c, true]]) as [string, Case, boolean][]);
  test.each(gradRuns)('gradient %s', (name, c, aliased) => {
    const x = on(mk(c.x)).requiresGrad_();
    const w = on(mk(c.w!));
    const mkT = (t: FT): Tensor => on(mk(t));
    let v: Tensor | number | null = null;
    let out: Tensor;
    if (c.op === 'get') out = x.index(...c.specs!.map((s) => spec(s, mkT)));
    else {
      const target = x.mul(1);
      const alias = aliased ? target.index('...') : null;
      if (c.op === 'set') {
        v = typeof c.value === 'number' ? c.value : mkT(c.value as FT).requiresGrad_();
        out = target.set(v, ...c.specs!.map((s) => spec(s, mkT)));
      } else {
        v = mkT(c.values!).requiresGrad_();
        out = target.indexPut_(c.indices!.map(mkT), v, { accumulate: c.accumulate });
      }
      if (alias) check(alias, c.out!, `${name}: the alias sees the write`);
    }
    out.mul(w).sum().backward();
    for (const [k, g] of Object.entries(c.grads!)) {
      const t = k === 'x' ? x : (v as Tensor);
      expect(t.grad).not.toBeNull();
      check(t.grad!, g, `${name}: grad ${k}`);
    }
  });
});
