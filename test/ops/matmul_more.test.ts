// test/ops/matmul_more.test.ts — torch.mm, mv, dot, vdot, addmm, addmv, addbmm, baddbmm, addr,
// chainMatmul, linalg.multiDot, tensordot, kron, trace, diag, diagEmbed, diagflat, cross and
// linalg.cross (lib/ops/matmul_more.ts) and their Tensor methods, on every device: values and input
// gradients against PyTorch 1.13 (test/fixtures/matmul_more.json from gen_linalg_fixtures.py, float64 and
// float32: beta/alpha, broadcast inputs, beta = 0, vector ends, dim lists, rank padding, offsets, default
// cross dim), float64 finite-difference gradchecks, PyTorch's edge cases (beta = 0 ignores NaN, integer
// dot/kron/trace, empty diagonals) and refusals (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, expectClose, expectEqualInts, randnT, argErrorTests, thrown } from '../helpers';
import type { FixtureCase } from '../helpers';

const cases = casesOf('matmul_more');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => any;

/** The torchlet call of a fixture case (options left out where the case has none, so defaults are tested). */
function apply(c: FixtureCase, i: Record<string, Tensor | null>): Tensor {
  const p = c.params;
  const o = Object.keys(p).length ? p : undefined;
  switch (c.op) {
    case 'mm':
      return torch.mm(i.input!, i.mat2!);
    case 'mv':
      return torch.mv(i.input!, i.vec!);
    case 'dot':
      return torch.dot(i.input!, i.other!);
    case 'vdot':
      return torch.vdot(i.input!, i.other!);
    case 'addmm':
      return torch.addmm(i.input!, i.mat1!, i.mat2!, o);
    case 'addmv':
      return torch.addmv(i.input!, i.mat!, i.vec!, o);
    case 'addbmm':
      return torch.addbmm(i.input!, i.batch1!, i.batch2!, o);
    case 'baddbmm':
      return torch.baddbmm(i.input!, i.batch1!, i.batch2!, o);
    case 'addr':
      return torch.addr(i.input!, i.vec1!, i.vec2!, o);
    case 'chainMatmul':
      return torch.chainMatmul(...Object.keys(i).sort().map((k) => i[k]!));
    case 'multiDot':
      return torch.linalg.multiDot(Object.keys(i).sort().map((k) => i[k]!));
    case 'tensordot':
      return torch.tensordot(i.a!, i.b!, p.dims);
    case 'kron':
      return torch.kron(i.input!, i.other!);
    case 'trace':
      return torch.trace(i.input!);
    case 'diag':
      return p.diagonal === 0 ? torch.diag(i.input!) : torch.diag(i.input!, p.diagonal);
    case 'diagEmbed':
      return torch.diagEmbed(i.input!, o);
    case 'diagflat':
      return p.offset === undefined ? torch.diagflat(i.input!) : torch.diagflat(i.input!, p.offset);
    case 'cross':
      return p.dim === undefined ? torch.cross(i.input!, i.other!) : torch.cross(i.input!, i.other!, p.dim);
    case 'linalgCross':
      return torch.linalg.cross(i.input!, i.other!, o);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

describeOp('matmul_more', (run) => {
  const { on, dtypes, device } = run;
  const f64 = (shape: number[], seed: number): Tensor => on(randnT(shape, seed));

  fixtureCases(run, cases, (ins, c) => apply(c, ins), {
    title: 'the fixture has every op',
    min: 40,
    more: () => {
      test('every function is covered', () => {
        for (const op of ['mm', 'mv', 'dot', 'vdot', 'addmm', 'addmv', 'addbmm', 'baddbmm', 'addr', 'chainMatmul', 'multiDot', 'tensordot',
          'kron', 'trace', 'diag', 'diagEmbed', 'diagflat', 'cross', 'linalgCross'])
          expect(cases.some(([, c]) => c.op === op)).toBe(true);
      });
    },
  });

  test('Tensor methods are the functions', () => {
    const a = f64([3, 4], 1);
    const b = f64([4, 2], 2);
    const v = f64([4], 3);
    const w = f64([3], 4);
    expectClose(a.mm(b), torch.mm(a, b));
    expectClose(a.mv(v), torch.mv(a, v));
    expectClose(v.dot(v), torch.dot(v, v));
    expectClose(v.vdot(v), torch.vdot(v, v));
    const x = f64([3, 2], 5);
    expectClose(x.addmm(a, b, { beta: 2, alpha: 0.5 }), torch.addmm(x, a, b, { beta: 2, alpha: 0.5 }));
    expectClose(w.addmv(a, v), torch.addmv(w, a, v));
    const b1 = f64([2, 3, 4], 6);
    const b2 = f64([2, 4, 2], 7);
    expectClose(x.addbmm(b1, b2), torch.addbmm(x, b1, b2));
    expectClose(x.baddbmm(b1, b2), torch.baddbmm(x, b1, b2));
    expectClose(a.addr(w, v), torch.addr(a, w, v));
    expectClose(a.kron(b), torch.kron(a, b));
    expectClose(a.trace(), torch.trace(a));
    expectClose(w.diag(1), torch.diag(w, 1));
    expectClose(a.diag(-1), torch.diag(a, -1));
    expectClose(a.diagEmbed({ offset: 1 }), torch.diagEmbed(a, { offset: 1 }));
    expectClose(a.diagflat(2), torch.diagflat(a, 2));
    const c = f64([3, 5], 8);
    expectClose(c.cross(c.mul(2).add(1), 0), torch.cross(c, c.mul(2).add(1), { dim: 0 }));
  });

  test('beta = 0: input is ignored (NaN too) and its gradient is 0, as PyTorch', () => {
    const input = on(torch.full([2, 3], NaN, { dtype: 'float64' })).requiresGrad_();
    const m1 = f64([2, 4], 11);
    const m2 = f64([4, 3], 12);
    const y = torch.addmm(input, m1, m2, { beta: 0, alpha: 2 });
    expectClose(y, torch.mm(m1, m2).mul(2));
    y.sum().backward();
    expectClose(input.grad!, new Array(6).fill(0));
    const v = on(torch.tensor([NaN, Infinity], { dtype: 'float64' }));
    expectClose(torch.addmv(v, f64([2, 3], 13), f64([3], 14), { beta: 0 }), torch.mv(f64([2, 3], 13), f64([3], 14)));
  });

  test('integer dot, kron and trace (as PyTorch: integers in, integers out)', () => {
    const i = (d: number[] | number[][], dtype: 'int64' | 'int32' = 'int64') => on(torch.tensor(d, { dtype }));
    const d = torch.dot(i([1, 2, 3]), i([4, 5, 6]));
    expect(d.dtype).toBe('int64');
    expect(d.shape).toEqual([]);
    expect(d.item()).toBe(32);
    const k = torch.kron(i([[1, 2]]), i([[1], [10]]));
    expect(k.shape).toEqual([2, 2]);
    expectEqualInts(k, [1, 2, 10, 20]);
    const t = torch.trace(i([[1, 2, 3], [4, 5, 6]], 'int32'));
    expect(t.dtype).toBe('int64');
    expect(t.item()).toBe(6);
    // kron promotes as mul: float32 with int64 -> float32
    expect(torch.kron(on(torch.ones([2])), i([1, 2])).dtype).toBe('float32');
  });

  test('diag and diagEmbed by hand; empty diagonals; multiDot/chainMatmul shapes', () => {
    const v = on(torch.tensor([1, 2], { dtype: 'float64' }));
    expectClose(torch.diag(v, 1), [0, 1, 0, 0, 0, 2, 0, 0, 0]);
    expectClose(torch.diag(v, -1), [0, 0, 0, 1, 0, 0, 0, 2, 0]);
    const m = on(torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }));
    expectClose(torch.diag(m), [1, 5]);
    expect(torch.diag(m, 3).shape).toEqual([0]);
    expect(torch.diag(m, -2).shape).toEqual([0]);
    const e = torch.diagEmbed(m, { offset: 1, dim1: 0, dim2: 2 });
    expect(e.shape).toEqual([4, 2, 4]);
    expect(e.toArray()[0 * 8 + 1 * 4 + 1]).toBe(4); // out[i, b, i + 1] = m[b, i]: out[0, 1, 1] = m[1, 0]
    expect(torch.diag(on(torch.zeros([0], { dtype: 'float64' }))).shape).toEqual([0, 0]);
    // chainMatmul of one matrix: a copy of it; multiDot with vector ends: a 0-d result
    const a = f64([2, 3], 21);
    const c = torch.chainMatmul(a);
    expectClose(c, a);
    expect(c).not.toBe(a);
    expect(torch.linalg.multiDot([f64([3], 22), f64([3, 2], 23), f64([2], 24)]).shape).toEqual([]);
    expect(torch.linalg.multiDot([f64([3], 22), f64([3, 2], 23)]).shape).toEqual([2]);
    // empty contractions give zeros (and addbmm of no matrices: beta * input)
    expectClose(torch.mm(on(torch.ones([2, 0])), on(torch.ones([0, 3]))), new Array(6).fill(0), { atol: 0 });
    expectClose(torch.addbmm(on(torch.ones([2, 3])), on(torch.ones([0, 2, 4])), on(torch.ones([0, 4, 3])), { beta: 2 }), new Array(6).fill(2), { atol: 0 });
    // tensordot with the keyword spelling
    expectClose(torch.tensordot(f64([2, 3], 25), f64([3, 4], 26), { dims: 1 }), torch.mm(f64([2, 3], 25), f64([3, 4], 26)));
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences) of every differentiable function', () => {
      const g = (f: (xs: Tensor[]) => Tensor, shapes: number[][], seed: number) =>
        gradcheck(f, shapes.map((s, k) => randnT(s, seed + k)), { device });
      g(([a, b]) => torch.mm(a, b), [[3, 4], [4, 2]], 100);
      g(([a, v]) => torch.mv(a, v), [[3, 4], [4]], 110);
      g(([a, b]) => torch.dot(a, b), [[5], [5]], 120);
      g(([x, a, b]) => torch.addmm(x, a, b, { beta: 0.5, alpha: -2 }), [[3], [2, 4], [4, 3]], 130);
      g(([x, a, v]) => torch.addmv(x, a, v, { beta: 2 }), [[1], [3, 2], [2]], 140);
      g(([x, a, b]) => torch.addbmm(x, a, b, { alpha: 3 }), [[2, 1], [3, 2, 4], [3, 4, 1]], 150);
      g(([x, a, b]) => torch.baddbmm(x, a, b, { beta: -1 }), [[2, 2, 3], [2, 2, 4], [2, 4, 3]], 160);
      g(([x, a, b]) => torch.addr(x, a, b, { alpha: 0.5 }), [[3, 2], [3], [2]], 170);
      g(([a, b, c]) => torch.chainMatmul(a, b, c), [[2, 3], [3, 4], [4, 1]], 180);
      g(([a, b, c]) => torch.linalg.multiDot([a, b, c]), [[3], [3, 4], [4]], 190);
      g(([a, b]) => torch.tensordot(a, b, [[0, 2], [2, 0]]), [[2, 3, 4], [4, 5, 2]], 200);
      g(([a, b]) => torch.kron(a, b), [[2, 3], [2, 1, 2]], 210);
      g(([a]) => torch.trace(a), [[3, 4]], 220);
      g(([a]) => torch.diag(a, -1), [[3]], 230);
      g(([a]) => torch.diag(a, 1), [[3, 4]], 240);
      g(([a]) => torch.diagEmbed(a, { offset: -1, dim1: 0, dim2: 2 }), [[2, 3]], 250);
      g(([a]) => torch.diagflat(a, 1), [[2, 2]], 260);
      g(([a, b]) => torch.cross(a, b, 1), [[2, 3, 2], [2, 3, 2]], 270);
      g(([a, b]) => torch.linalg.cross(a, b), [[2, 1, 3], [4, 3]].map((s, k) => (k ? [1, ...s] : s)), 280);
    });
  });

  describe('refusals', () => {
    const z = (shape: number[], dtype: 'float32' | 'float64' | 'int64' = 'float32') => on(torch.zeros(shape, { dtype }));
    argErrorTests([
      ['mm: input not 2-D', () => torch.mm(z([3]), z([3, 2])), 'input'],
      ['mm: shapes cannot be multiplied', () => torch.mm(z([2, 3]), z([2, 3])), 'mat2'],
      ['mm: dtypes differ (PyTorch does not promote)', () => torch.mm(z([2, 3]), z([3, 2], 'float64')), 'mat2'],
      ['mm: integer matrices', () => torch.mm(z([2, 3], 'int64'), z([3, 2], 'int64')), 'input'],
      ['mm: an extra argument', () => loose(torch.mm)(z([2, 2]), z([2, 2]), 1), /for mm\(\)/],
      ['mv: vec not 1-D', () => torch.mv(z([2, 3]), z([3, 1])), 'vec'],
      ['mv: size mismatch', () => torch.mv(z([2, 3]), z([2])), 'vec'],
      ['dot: sizes differ', () => torch.dot(z([2]), z([3])), 'other'],
      ['dot: dtypes differ', () => torch.dot(z([3]), z([3], 'float64')), 'other'],
      ['dot: 2-D input', () => torch.dot(z([1, 3]), z([3])), 'input'],
      ['vdot: not a tensor', () => loose(torch.vdot)(z([3]), [1, 2, 3]), 'other'],
      ['addmm: input larger than the product', () => torch.addmm(z([3, 3]), z([2, 3]), z([3, 3])), 'input'],
      ['addmm: unknown option', () => loose(torch.addmm)(z([2, 2]), z([2, 2]), z([2, 2]), { gamma: 1 }), 'opts.gamma'],
      ['addmm: snake_case option spelled for the hint', () => loose(torch.addmm)(z([2, 2]), z([2, 2]), z([2, 2]), { Beta: 1 }), 'opts.Beta'],
      ['addmm: beta not a number', () => loose(torch.addmm)(z([2, 2]), z([2, 2]), z([2, 2]), { beta: '1' }), 'opts.beta'],
      ['addmm: input of another dtype', () => torch.addmm(z([2, 2], 'float64'), z([2, 2]), z([2, 2])), 'input'],
      ['addbmm: batch counts differ', () => torch.addbmm(z([2, 3]), z([2, 2, 3]), z([3, 3, 3])), 'batch2'],
      ['baddbmm: batch1 not 3-D', () => torch.baddbmm(z([2, 3]), z([2, 3]), z([3, 3])), 'batch1'],
      ['addr: vec2 not 1-D', () => torch.addr(z([2, 2]), z([2]), z([2, 1])), 'vec2'],
      ['chainMatmul: no matrices', () => torch.chainMatmul(), 'matrices'],
      ['chainMatmul: a vector', () => torch.chainMatmul(z([2, 3]), z([3])), /for matrices\[1\] /],
      ['chainMatmul: shapes do not chain', () => torch.chainMatmul(z([2, 3]), z([2, 3])), /for matrices\[1\] /],
      ['multiDot: one tensor', () => torch.linalg.multiDot([z([2, 2])]), 'tensors'],
      ['multiDot: a vector in the middle', () => torch.linalg.multiDot([z([2, 2]), z([2]), z([2, 2])]), /for tensors\[1\] /],
      ['multiDot: not an array', () => loose(torch.linalg.multiDot)(z([2, 2])), 'tensors'],
      ['tensordot: contracted sizes differ', () => torch.tensordot(z([2, 3]), z([2, 3]), [[0], [1]]), 'b'],
      ['tensordot: too many dims', () => torch.tensordot(z([2, 3]), z([3]), 2), 'dims'],
      ['tensordot: bad dims', () => loose(torch.tensordot)(z([2, 3]), z([3]), 'x'), 'dims'],
      ['tensordot: lists of different lengths', () => torch.tensordot(z([2, 3]), z([3, 2]), [[0, 1], [1]]), 'dims'],
      ['tensordot: unknown option', () => loose(torch.tensordot)(z([2, 3]), z([3]), { dim: 1 }), 'opts.dim'],
      ['kron: other not a tensor', () => loose(torch.kron)(z([2]), 2), 'other'],
      ['trace: 3-D input', () => torch.trace(z([2, 2, 2])), 'input'],
      ['diag: 3-D input', () => torch.diag(z([2, 2, 2])), 'input'],
      ['diag: fractional diagonal', () => torch.diag(z([2]), 0.5), 'diagonal'],
      ['diagEmbed: dim1 == dim2', () => torch.diagEmbed(z([2, 3]), { dim1: 0, dim2: 0 }), 'opts.dim2'],
      ['diagEmbed: dim out of range', () => torch.diagEmbed(z([2, 3]), { dim1: 3 }), 'opts.dim1'],
      ['diagEmbed: unknown option', () => loose(torch.diagEmbed)(z([2]), { diagonal: 1 }), 'opts.diagonal'],
      ['diagflat: offset not an integer', () => loose(torch.diagflat)(z([2]), '1'), 'offset'],
      ['cross: no dimension of size 3', () => torch.cross(z([2, 2]), z([2, 2])), 'input'],
      ['cross: dim not of size 3', () => torch.cross(z([3, 2]), z([3, 2]), 1), 'dim'],
      ['cross: ranks differ', () => torch.cross(z([2, 3, 3]), z([3, 3])), 'other'],
      ['cross: dtypes differ', () => torch.cross(z([3]), z([3], 'float64')), 'other'],
      ['linalg.cross: last dim not 3 (its default)', () => torch.linalg.cross(z([3, 2]), z([3, 2])), 'dim'],
      ['linalg.cross: unknown option', () => loose(torch.linalg.cross)(z([3]), z([3]), { axis: 0 }), 'opts.axis'],
    ]);
    test('errors are coded TorchletErrors', () => {
      expect(thrown(() => torch.mm(z([2, 3]), z([2, 3]))).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => torch.mm(z([2, 3]), z([3, 2], 'float64'))).code).toBe('ERR_TORCHLET_DTYPE');
      expect(thrown(() => loose(torch.addmm)(z([2, 2]), z([2, 2]), z([2, 2]), { gamma: 1 })).code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(thrown(() => loose(torch.mm)(z([2, 2]), z([2, 2]), 1)).code).toBe('ERR_TORCHLET_INVALID_ARG');
    });
  });
});
