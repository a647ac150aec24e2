// test/autograd/inplace_history.test.ts — gradients around in-place writes against PyTorch 1.13
// (test/fixtures/inplace_history.json from gen_inplace_history_fixtures.py): a tensor written in place
// after other ops used it (their gradients still reach the graph from before the write: the engine
// follows the node each input had when an op was recorded, lib/autograd.ts edgesOf); a tensor that did
// not require grad, used, then written with values that do (no gradient through the earlier use);
// copy_ (broadcast, dtype converted), fill_ and zero_ under autograd; writes through views (narrow,
// diagonal, transpose, a view of a view, a preallocated buffer filled column by column): the base
// takes the written values' graph (PyTorch's CopySlices), and a view made before a write into its
// base (or through an overlapping view) follows the values it now holds; and the writes refused: into a leaf that
// requires grad or a view of one (PyTorch's messages), into a view taken before its base required grad.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectArgError } from '../helpers';
import { collectGarbage } from '../../lib/memory';

interface Case {
  loss: number;
  grads: Record<string, number[] | number[][] | null>;
}
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'inplace_history.json'), 'utf8')) as { cases: Record<string, Case>; errors: Record<string, string> };
const X = [0.3, -0.7, 1.2];
const M = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]];
const M2 = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [0.3, 0.8, -1.2]];
const leaf = (v: number[] | number[][], dtype: 'float32' | 'float64' = 'float64') => torch.tensor(v, { dtype, requiresGrad: true });
const f64 = (v: number[] | number[][]) => torch.tensor(v, { dtype: 'float64' });

const CASES: Record<string, () => [Tensor, Record<string, Tensor>]> = {
  use_then_mul_: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const z = y.mul(3);
    y.mul_(2);
    return [z.sum().add(y.sum()), { x }];
  },
  use_then_relu_: () => {
    const x = leaf(X);
    const y = x.sub(0.5);
    const z = y.exp();
    y.relu_();
    return [z.sum().add(y.mul(2).sum()), { x }];
  },
  use_then_masked_fill_: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const z = y.mul(2);
    y.maskedFill_(torch.tensor([true, false, true]), 0);
    return [z.mul(z).sum().add(y.mul(3).sum()), { x }];
  },
  use_then_index_put_: () => {
    const x = leaf(X);
    const v = leaf([4]);
    const y = x.mul(1);
    const z = y.exp();
    y.indexPut_([torch.tensor([1])], v);
    return [z.sum().add(y.mul(y).sum()), { x, v }];
  },
  two_writes: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const a = y.mul(1);
    y.add_(1);
    const b = y.mul(1);
    y.mul_(3);
    return [a.sum().add(b.mul(2).sum()).add(y.sum()), { x }];
  },
  buffer_used_then_written: () => {
    const w = leaf(X);
    const src = leaf([2, -1, 0.5]);
    const buf = torch.zeros([3], { dtype: 'float64' });
    const z = w.add(buf);
    buf.copy_(src);
    return [z.sum().add(buf.mul(buf).sum()), { w, src }];
  },
  copy_broadcast_dtype: () => {
    const x = leaf(M);
    const s = leaf([1, 2, 3], 'float32');
    const c = f64(M).mul(2).add(1);
    const y = x.mul(1);
    y.copy_(s);
    return [y.mul(c).sum().add(x.mul(x).sum()), { x, s }];
  },
  fill_: () => {
    const x = leaf(X);
    const y = x.mul(2);
    y.fill_(1.5);
    return [y.mul(x).sum(), { x }];
  },
  zero_after_use: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const z = y.exp();
    y.zero_();
    return [z.sum().add(y.add(x).sum()), { x }];
  },
  copy_into_non_requiring: () => {
    const s = leaf([1, -2, 0.5]);
    const y = torch.zeros([3], { dtype: 'float64' });
    y.copy_(s);
    return [y.mul(y).sum(), { s }];
  },
  view_narrow_mul_: () => {
    const x = leaf(M);
    const y = x.mul(1);
    y.narrow(1, 0, 2).mul_(3);
    return [y.mul(y).sum(), { x }];
  },
  view_diagonal_copy_: () => {
    const x = leaf([[1, 2], [3, 4]]);
    const s = leaf([10, 20]);
    const y = x.mul(2);
    y.diagonal().copy_(s);
    return [y.mul(f64([[1, 2], [3, 4]])).sum(), { x, s }];
  },
  view_buffer_loop: () => {
    const h = leaf([1, 2]);
    const out = torch.zeros([2, 3], { dtype: 'float64' });
    for (let t = 0; t < 3; t++) out.select(1, t).copy_(h.mul(t + 1));
    return [out.pow(2).sum(), { h }];
  },
  view_of_view_relu_: () => {
    const x = leaf([[-1, 2], [3, -4]]);
    const y = x.mul(1);
    const v = y.select(0, 1);
    v.narrow(0, 1, 1).relu_();
    return [y.mul(y).sum().add(v.sum()), { x }];
  },
  view_transpose_add_: () => {
    const x = leaf(M);
    const w = leaf([[1, 2], [3, 4], [5, 6]]);
    const y = x.mul(1);
    y.t().add_(w.mul(w));
    return [y.mul(y).sum(), { x, w }];
  },
  view_base_used_before: () => {
    const x = leaf(M);
    const y = x.mul(1);
    const z = y.mul(2);
    y.select(0, 0).mul_(5);
    return [z.mul(z).sum().add(y.mul(3).sum()), { x }];
  },
  view_sibling_disjoint: () => {
    const x = leaf(M);
    const y = x.mul(1);
    const a = y.narrow(0, 0, 1);
    const b = y.narrow(0, 1, 1);
    a.mul_(2);
    return [b.mul(3).sum().add(y.mul(y).sum()), { x }];
  },
  view_after_base_write: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const v = y.narrow(0, 0, 2);
    y.mul_(2);
    return [v.sum(), { x }];
  },
  view_overlapping_sibling: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const v = y.narrow(0, 0, 2);
    y.narrow(0, 1, 2).mul_(2);
    return [v.mul(1).sum(), { x }];
  },
  view_used_before_and_after: () => {
    const x = leaf(X);
    const y = x.mul(1);
    const v = y.narrow(0, 0, 2);
    const z = v.mul(5);
    y.mul_(2);
    return [z.sum().add(v.sum()), { x }];
  },
  scatter_self_view_then_view_write: () => {
    const m = leaf(M2);
    const y = m.mul(1);
    y.scatter_(1, torch.tensor([[2], [0], [1]], { dtype: 'int64' }), y.narrow(1, 0, 1));
    y.narrow(0, 0, 2).add_(1);
    return [y.mul(y).sum(), { m }];
  },
  masked_fill_after_inplace_and_view: () => {
    const m = leaf(M2);
    const y = m.mul(1);
    const v = y.narrow(0, 1, 2);
    y.mul_(1.5);
    y.maskedFill_(y.gt(0.4), 0.5);
    return [y.mul(2).sum().add(v.mul(v).sum()), { m }];
  },
  index_add_view_of_view: () => {
    const m = leaf(M2);
    const y = m.mul(1);
    const w = y.t().t();
    y.mul_(2);
    w.indexAdd_(0, torch.tensor([0, 2], { dtype: 'int64' }), torch.ones([2, 3], { dtype: 'float64' }));
    return [w.mul(w).sum(), { m }];
  },
};

test('the fixture and this file name the same cases', () => {
  expect(Object.keys(CASES).sort()).toEqual(Object.keys(FX.cases).sort());
});

test.each(Object.keys(FX.cases))('%s: loss and gradients as PyTorch', (name) => {
  const want = FX.cases[name];
  const [loss, leaves] = CASES[name]();
  expect(loss.item()).toBeCloseTo(want.loss, 10);
  loss.backward();
  for (const [k, t] of Object.entries(leaves)) {
    const g = want.grads[k];
    if (g === null) expect(t.grad).toBeNull();
    else {
      expect(t.grad).not.toBeNull();
      expect(t.grad!.dtype).toBe(t.dtype);
      const got = (t.grad!.tolist() as number[] | number[][]).flat();
      (g as number[] | number[][]).flat().forEach((v, i) => expect(got[i]).toBeCloseTo(v, t.dtype === 'float32' ? 5 : 10));
    }
  }
});

test('copy_ and fill_ into a leaf that requires grad: PyTorch refuses, so does torchlet', () => {
  const msg = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  };
  expect(msg(() => leaf(X).copy_(torch.ones([3])))).toContain(FX.errors.copy_leaf);
  expect(msg(() => leaf(X).fill_(1))).toContain(FX.errors.fill_leaf);
  // inside noGrad (how optimizers and initialisers write parameters) both work
  const p = leaf(X);
  torch.noGrad(() => p.copy_(torch.ones([3], { dtype: 'float64' })).mul_(2));
  expect(p.tolist()).toEqual([2, 2, 2]);
});

test("in place into a view of a leaf that requires grad: PyTorch's error; into a view taken before its base required grad: a coded refusal", () => {
  let err: { code?: string; message?: string } = {};
  try {
    leaf(M).select(0, 0).mul_(2);
  } catch (e) {
    err = e as typeof err;
  }
  expect(err.code).toBe('ERR_TORCHLET_AUTOGRAD');
  expect(err.message).toContain(FX.errors.view_of_leaf);
  // a and b viewed before buf required grad; writing a rebases buf, after which b no longer knows
  // its base's graph: refused rather than a gradient that misses buf (PyTorch rebases buf again)
  const buf = torch.zeros([2, 3], { dtype: 'float64' });
  const [a, b] = [buf.select(0, 0), buf.select(0, 1)];
  a.copy_(leaf([1, 2, 3]));
  expect(buf.requiresGrad).toBe(true);
  expect(() => b.copy_(leaf([4, 5, 6]))).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_NOT_IMPLEMENTED' }));
});

test('copy_ refuses a source that does not broadcast to the tensor, naming src', () => {
  expectArgError(() => torch.zeros([2, 3]).copy_(torch.ones([2])), 'src');
  expectArgError(() => torch.zeros([3]).copy_(torch.ones([2, 3])), 'src');
  const t = torch.zeros([2, 3]);
  t.copy_(torch.tensor([1, 2, 3]));
  expect(t.tolist()).toEqual([[1, 2, 3], [1, 2, 3]]);
});

test("a detach() alias of a graph's tensor (or of a view of it) does not keep that graph alive (live storages after full GCs)", async () => {
  // storages are counted down by their finalizers, which run after the collection: a few GCs and turns
  const live = async () => {
    for (let i = 0; i < 3; i++) {
      collectGarbage();
      await new Promise((r) => setImmediate(r));
    }
    return torch.memory().cpu.storages;
  };
  const x = leaf(X);
  const base = await live();
  let y: Tensor | null = x.mul(2).exp().mul(x).tanh().sin().mul(3); // its graph keeps what its backward reads
  expect((await live()) - base).toBeGreaterThan(2);
  const d = y.detach();
  const v = y.narrow(0, 0, 2).detach();
  y = null;
  expect((await live()) - base).toBe(1); // the one storage d and v share
  expect([d.shape, v.shape]).toEqual([[3], [2]]);
  // a differentiable view keeps its base's graph, as in PyTorch
  let w: Tensor | null = x.mul(2).exp().mul(x).tanh().sin().mul(3).narrow(0, 0, 2);
  expect((await live()) - base).toBeGreaterThan(3);
  w.sum().backward();
  w = null;
  expect((await live()) - base).toBe(2); // d / v's storage and x.grad
});

test('y.add_(y.t()) then a write through a view of y: the same values and gradients as the out-of-place program', () => {
  // PyTorch refuses the partial overlap; torchlet reads every operand before writing (y + y.t() as if
  // out of place). The in-place node's operand views y in another layout: a later write through a view
  // of y once took that operand for what y views and looped forever, taking the process down.
  const m = leaf(M2);
  const y = m.mul(1);
  y.add_(y.t());
  y.narrow(0, 1, 1).mul_(3);
  const [g] = torch.autograd.grad(y.mul(y).sum(), [m]);
  const m2 = leaf(M2);
  const s = m2.add(m2.t());
  const r = torch.cat([s.narrow(0, 0, 1), s.narrow(0, 1, 1).mul(3), s.narrow(0, 2, 1)], 0);
  const [g2] = torch.autograd.grad(r.mul(r).sum(), [m2]);
  expect(Array.from(y.detach().toArray() as Float64Array)).toEqual(Array.from(r.detach().toArray() as Float64Array));
  expect(Array.from(g!.toArray() as Float64Array)).toEqual(Array.from(g2!.toArray() as Float64Array));
});
