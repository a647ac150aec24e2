// test/ops/linalg.test.ts — torch.linalg (lib/ops/linalg.ts, the namespace lib/linalg.ts): vectorNorm,
// matrixNorm, norm, svdvals, det, slogdet, logdet, inv / inverse, solve, cholesky, matmul, diagonal, on every
// device: values and input gradients against PyTorch 1.13 (test/fixtures/linalg.json from
// gen_linalg_fixtures.py, float64 and float32: orders, dims, keepdim, batched and broadcast shapes,
// singular matrices (det 0 with gradient 0), 1x1 and 0x0 matrices, vector and batched-vector right-hand
// sides, left=false, upper), float64 finite-difference gradchecks, and PyTorch's refusals: singular
// matrices for inv and solve, matrices that are not positive-definite for cholesky (coded errors with
// PyTorch's explanation), non-square and integer inputs, narrowing dtypes, unknown options, and a
// sweep of the namespace with bad arguments. svdvals and the SVD matrix norms ('nuc', 2, -2) likewise.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { TorchletError } from '../../lib/errors';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, fixtureTests, expectClose, fromFixture, randnT, argErrorTests, thrown, maxAbs } from '../helpers';
import type { FixtureCase, T } from '../helpers';
import { refTol } from './tolerances';

const all = casesOf('linalg');
const single = all.filter(([, c]) => c.op !== 'slogdet');
const slog = all.filter(([, c]) => c.op === 'slogdet');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => any;
/** A fixture's order: a number, 'inf' / '-inf' (JSON has no Infinity), 'fro', or null. */
const ordOf = (v: unknown): number | string | null => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number | string | null));

function apply(c: FixtureCase, i: Record<string, Tensor | null>): Tensor {
  const p = c.params;
  switch (c.op) {
    case 'vectorNorm':
      // positional (ord, dim) then {keepdim}; the default call where the case has the defaults
      if (p.ord === 2 && p.dim === null && !p.keepdim) return torch.linalg.vectorNorm(i.x!);
      return torch.linalg.vectorNorm(i.x!, ordOf(p.ord) as number, p.dim, { keepdim: p.keepdim });
    case 'matrixNorm':
      if (p.ord === 'fro' && !p.keepdim) return torch.linalg.matrixNorm(i.A!);
      // the options-object spelling
      return torch.linalg.matrixNorm(i.A!, { ord: ordOf(p.ord) as number, dim: p.dim, keepdim: p.keepdim });
    case 'norm':
      if (p.ord === null && p.dim === null) return torch.linalg.norm(i.A!);
      return torch.linalg.norm(i.A!, ordOf(p.ord) as number, p.dim);
    case 'svdvals':
      return torch.linalg.svdvals(i.A!);
    case 'det':
      return torch.linalg.det(i.A!);
    case 'logdet':
      return torch.logdet(i.A!);
    case 'inv':
      return torch.linalg.inv(i.A!);
    case 'inverse':
      return torch.inverse(i.A!);
    case 'solve':
      return p.left === false ? torch.linalg.solve(i.A!, i.B!, { left: false }) : torch.linalg.solve(i.A!, i.B!);
    case 'cholesky':
      return p.upper ? torch.linalg.cholesky(i.A!, { upper: true }) : torch.linalg.cholesky(i.A!);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

describeOp('linalg', (run) => {
  const { on, dtypes, device } = run;
  const f64 = (d: number[][] | number[][][]) => on(torch.tensor(d, { dtype: 'float64' }));

  fixtureCases(run, single, (ins, c) => apply(c, ins), {
    title: 'the fixture has the norms, det, logdet, inv, solve and cholesky cases',
    min: 40,
    more: () => {
      test('every function and the edge cases are covered', () => {
        for (const op of ['vectorNorm', 'matrixNorm', 'norm', 'svdvals', 'det', 'logdet', 'inv', 'inverse', 'solve', 'cholesky'])
          expect(single.some(([, c]) => c.op === op)).toBe(true);
        const names = all.map(([n]) => n);
        for (const n of ['det_singular_rank1_3x3', 'det_batch_with_singular_2x2x2', 'det_0x0', 'solve_1x3x3_broadcast_2x3x4', 'solve_2x3x3_batched_vec_2x3',
          'solve_right_3x3_2x3', 'cholesky_3x3_upper', 'slogdet_negative_3x3', 'vnorm_3x4_ord0_dim0', 'mnorm_2x3x4_inf_dims20_keepdim',
          'mnorm_3x4_nuc', 'mnorm_2x4x3_2', 'mnorm_2x3x4_m2_dims20_keepdim', 'mnorm_3x2x4_nuc_dims02_keepdim', 'svdvals_3x5'])
          expect(names).toContain(n);
      });
    },
  });

  fixtureTests(run, slog, (c, dtype) => {
    const A = on(fromFixture(c.inputs.A!, dtype)).requiresGrad_();
    const r = torch.linalg.slogdet(A);
    const [sign, lad] = r;
    expect(sign).toBe(r.sign);
    expect(lad).toBe(r.logabsdet);
    const outs = c.outputs as Record<string, T>;
    const tol = refTol('linalg', dtype, device, { magnitude: maxAbs(outs.logabsdet.data) });
    expectClose(sign, outs.sign, { atol: 0 });
    expectClose(lad, outs.logabsdet, { ...tol, label: 'logabsdet' });
    // sign requires grad as PyTorch's, with gradient 0
    expect(sign.requiresGrad).toBe(true);
    const [gs] = torch.autograd.grad(sign.sum(), [A]);
    expectClose(gs!, new Array(A.numel()).fill(0), { atol: 0 });
    lad.backward(on(fromFixture(c.gradOutput!, dtype)));
    expectClose(A.grad!, c.grads!.A, { ...refTol('linalg', dtype, device, { magnitude: maxAbs(c.grads!.A.data) }), label: 'grad A' });
  }, { block: 'slogdet vs PyTorch', min: 2 });

  test('Tensor methods: det, logdet, slogdet, inverse', () => {
    const A = f64([[2, 1], [1, 3]]);
    expect(A.det().item()).toBeCloseTo(5, 12);
    expect(A.logdet().item()).toBeCloseTo(Math.log(5), 12);
    expect(A.slogdet().logabsdet.item()).toBeCloseTo(Math.log(5), 12);
    expectClose(A.inverse().matmul(A), [1, 0, 0, 1], { atol: 1e-12 });
  });

  test('singular and special matrices as PyTorch: det 0, slogdet (0, -inf), logdet NaN / -inf, empty', () => {
    const S = f64([[1, 2], [2, 4]]);
    expect(Math.abs(torch.linalg.det(S).item())).toBe(0); // -0 here, as PyTorch's
    const { sign, logabsdet } = torch.linalg.slogdet(S);
    expect(Math.abs(sign.item())).toBe(0);
    expect(logabsdet.item()).toBe(-Infinity);
    expect(Number.isNaN(torch.logdet(f64([[0, 1], [1, 0]])).item())).toBe(true);
    expect(torch.logdet(S).item()).toBe(-Infinity);
    const E = on(torch.zeros([2, 0, 0], { dtype: 'float64' }));
    expectClose(torch.linalg.det(E), [1, 1]);
    expect(torch.linalg.inv(E).shape).toEqual([2, 0, 0]);
    expect(torch.linalg.cholesky(E).shape).toEqual([2, 0, 0]);
    expectClose(torch.linalg.slogdet(E).sign, [1, 1]);
    expect(torch.linalg.solve(E, on(torch.zeros([2, 0, 3], { dtype: 'float64' }))).shape).toEqual([2, 0, 3]);
    // a permutation needing a pivot: det -1
    expect(torch.linalg.det(f64([[0, 1], [1, 0]])).item()).toBe(-1);
  });

  test('inv, solve and cholesky refuse singular / indefinite matrices with a coded error (PyTorch: LinAlgError)', () => {
    const e1 = thrown(() => torch.linalg.inv(f64([[1, 2], [2, 4]])));
    expect(e1).toBeInstanceOf(TorchletError);
    expect(e1.code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(e1.message).toMatch(/for A\b.*The diagonal element 2 is zero|The diagonal element 2 is zero.*for A\b/);
    const e2 = thrown(() => torch.linalg.inv(f64([[[1, 0], [0, 1]], [[1, 2], [2, 4]]])));
    expect(e2.message).toMatch(/Batch element 1/);
    const e3 = thrown(() => torch.linalg.solve(f64([[1, 2], [2, 4]]), on(torch.ones([2], { dtype: 'float64' }))));
    expect(e3.code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(e3.message).toMatch(/singular/);
    const e4 = thrown(() => torch.linalg.cholesky(f64([[1, 2], [2, 1]])));
    expect(e4.code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(e4.message).toMatch(/leading minor of order 2 is not positive-definite/);
    expect(thrown(() => torch.inverse(f64([[0, 0], [0, 0]]))).message).toMatch(/The diagonal element 1 is zero/);
  });

  test('the SVD orders and svdvals by hand: a rank-1 matrix, a diagonal one, empty matrices', () => {
    // ones(2, 3): one singular value sqrt(6), the other 0
    const A = on(torch.ones([2, 3], { dtype: 'float64' }));
    expectClose(torch.linalg.svdvals(A), [Math.sqrt(6), 0], { atol: 1e-12 });
    expect(torch.linalg.matrixNorm(A, 2).item()).toBeCloseTo(Math.sqrt(6), 12);
    expect(torch.linalg.matrixNorm(A, -2).item()).toBeCloseTo(0, 12);
    expect(torch.linalg.norm(A, 'nuc').item()).toBeCloseTo(Math.sqrt(6), 12);
    const D = f64([[0, -3], [2, 0]]);
    expectClose(torch.linalg.svdvals(D), [3, 2], { atol: 1e-12 });
    expect(torch.linalg.svdvals(on(torch.zeros([2, 0, 3]))).shape).toEqual([2, 0]);
    expectClose(torch.linalg.matrixNorm(on(torch.zeros([2, 0, 3])), 'nuc'), [0, 0], { atol: 0 });
    expect(thrown(() => torch.linalg.matrixNorm(on(torch.zeros([0, 3])), 2)).code).toBe('ERR_TORCHLET_INVALID_ARG');
  });

  test('vectorNorm dtype option (cast first, never narrowing), keepdim of all dims, 0-d input', () => {
    const x = on(torch.tensor([3, 4], { dtype: 'float32' }));
    const y = torch.linalg.vectorNorm(x, 2, null, { dtype: 'float64' });
    // integers are refused even with a dtype (PyTorch 1.13: Expected a floating point tensor as input)
    expect(thrown(() => torch.linalg.vectorNorm(on(torch.tensor([3, 4])), 2, null, { dtype: 'float64' })).code).toBe('ERR_TORCHLET_DTYPE');
    expect(y.dtype).toBe('float64');
    expect(y.item()).toBe(5);
    expect(torch.linalg.vectorNorm(on(torch.ones([2, 3])), { keepdim: true }).shape).toEqual([1, 1]);
    // dim=[]: all dims, as PyTorch 1.13
    expect(torch.linalg.vectorNorm(on(torch.ones([2, 2])), 2, []).item()).toBe(2);
    expect(torch.linalg.vectorNorm(on(torch.tensor(-3, { dtype: 'float64' }))).item()).toBe(3);
    expect(thrown(() => torch.linalg.vectorNorm(on(torch.ones([2], { dtype: 'float64' })), 2, null, { dtype: 'float32' })).code).toBe('ERR_TORCHLET_DTYPE');
    // the norm of an empty tensor: 0 for ord >= 0 over a non-empty reduction set, an error for inf / negative orders
    expect(torch.linalg.vectorNorm(on(torch.ones([0, 3]))).item()).toBe(0);
    expect(torch.linalg.vectorNorm(on(torch.ones([0, 3])), Infinity, 1).shape).toEqual([0]);
    expect(thrown(() => torch.linalg.vectorNorm(on(torch.ones([0, 3])), Infinity)).code).toBe('ERR_TORCHLET_INVALID_ARG');
    // linalg.matmul and linalg.diagonal
    const a = on(randnT([2, 3, 3], 5));
    expectClose(torch.linalg.matmul(a, a), torch.matmul(a, a));
    expectClose(torch.linalg.diagonal(a), torch.diagonal(a, 0, -2, -1));
    expectClose(torch.linalg.diagonal(a, { offset: 1, dim1: 0, dim2: 2 }), torch.diagonal(a, 1, 0, 2));
  });

  test('a second derivative through det / inv is refused with a coded error (first-order nodes)', () => {
    const A = on(randnT([2, 2], 9).add(torch.eye(2, { dtype: 'float64' }).mul(3))).requiresGrad_();
    const [g] = torch.autograd.grad(torch.linalg.det(A), [A], { createGraph: true });
    expect(() => g!.sum().backward()).toThrow(TorchletError);
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences): det, slogdet, logdet, inv, solve, cholesky, norms', () => {
      const wc = (n: number, seed: number, b: number[] = []) => randnT([...b, n, n], seed).add(torch.eye(n, { dtype: 'float64' }).mul(3));
      const opts = { device };
      gradcheck(([A]) => torch.linalg.det(A), [wc(3, 1, [2])], opts);
      gradcheck(([A]) => torch.linalg.det(A), [randnT([4, 4], 2)], opts);
      gradcheck(([A]) => torch.linalg.slogdet(A).logabsdet, [wc(3, 3)], opts);
      gradcheck(([A]) => torch.logdet(A), [wc(3, 4)], opts);
      gradcheck(([A]) => torch.linalg.inv(A), [wc(3, 5, [2])], opts);
      gradcheck(([A, B]) => torch.linalg.solve(A, B), [wc(3, 6, [2, 1]), randnT([3, 2], 7)], opts);
      gradcheck(([A, B]) => torch.linalg.solve(A, B), [wc(3, 8, [2]), randnT([2, 3], 9)], opts);
      gradcheck(([A, B]) => torch.linalg.solve(A, B, { left: false }), [wc(3, 10), randnT([4, 3], 11)], opts);
      // cholesky reads one triangle: checked through a symmetric positive-definite function of X
      const spd = (X: Tensor) => X.matmul(X.transpose(-1, -2)).add(on(torch.eye(3, { dtype: 'float64' }).mul(3)));
      gradcheck(([X]) => torch.linalg.cholesky(spd(X)), [randnT([2, 3, 3], 12)], opts);
      gradcheck(([X]) => torch.linalg.cholesky(spd(X), { upper: true }), [randnT([3, 3], 13)], opts);
      gradcheck(([x]) => torch.linalg.vectorNorm(x, 3, [0, 1]), [randnT([2, 3, 2], 14)], opts);
      gradcheck(([A]) => torch.linalg.matrixNorm(A, Infinity), [randnT([2, 3, 4], 15)], opts);
      gradcheck(([A]) => torch.linalg.matrixNorm(A, -1, [0, 2], { keepdim: true }), [randnT([3, 2, 4], 16)], opts);
      gradcheck(([A]) => torch.linalg.norm(A), [randnT([3, 4], 17)], opts);
      gradcheck(([A]) => torch.linalg.svdvals(A), [randnT([2, 3, 4], 18)], opts);
      gradcheck(([A]) => torch.linalg.svdvals(A), [randnT([4, 2], 19)], opts);
      gradcheck(([A]) => torch.linalg.matrixNorm(A, 'nuc', [0, 2]), [randnT([3, 2, 4], 20)], opts);
      gradcheck(([A]) => torch.linalg.matrixNorm(A, -2), [randnT([3, 3], 21)], opts);
    });
  });

  describe('refusals', () => {
    const z = (shape: number[], dtype: 'float32' | 'float64' | 'int64' = 'float32') => on(torch.zeros(shape, { dtype }));
    argErrorTests([
      ['det: not square', () => torch.linalg.det(z([2, 3])), 'A'],
      ['det: 1-D', () => torch.linalg.det(z([3])), 'A'],
      ['det: integers', () => torch.linalg.det(z([2, 2], 'int64')), 'A'],
      ['det: an extra argument', () => loose(torch.linalg.det)(z([2, 2]), 1), /for det\(\)/],
      ['slogdet: not square', () => torch.linalg.slogdet(z([2, 3])), 'A'],
      ['svdvals: 1-D', () => torch.linalg.svdvals(z([3])), 'A'],
      ['svdvals: integers', () => torch.linalg.svdvals(z([2, 2], 'int64')), 'A'],
      ['inv: not square', () => torch.linalg.inv(z([3, 2])), 'A'],
      ['inv: not a tensor', () => loose(torch.linalg.inv)([[1, 0], [0, 1]]), 'A'],
      ['solve: dtypes differ', () => torch.linalg.solve(z([2, 2]), z([2], 'float64')), 'B'],
      ['solve: rows differ', () => torch.linalg.solve(z([2, 2]), z([3])), 'B'],
      ['solve: batch dims do not broadcast', () => torch.linalg.solve(z([2, 3, 3]), z([4, 3, 1])), 'B'],
      ['solve: unknown option', () => loose(torch.linalg.solve)(z([2, 2]), z([2]), { right: true }), 'opts.right'],
      ['solve: left not a boolean', () => loose(torch.linalg.solve)(z([2, 2]), z([2]), { left: 0 }), 'opts.left'],
      ['cholesky: not square', () => torch.linalg.cholesky(z([2, 3])), 'A'],
      ['cholesky: upper not a boolean', () => loose(torch.linalg.cholesky)(z([2, 2]), { upper: 'yes' }), 'opts.upper'],
      ['vectorNorm: integers', () => torch.linalg.vectorNorm(z([3], 'int64')), 'x'],
      ['vectorNorm: ord a string', () => loose(torch.linalg.vectorNorm)(z([3]), 'fro'), 'ord'],
      ['vectorNorm: dim out of range', () => torch.linalg.vectorNorm(z([3]), 2, 1), 'dim'],
      ['vectorNorm: repeated dims', () => torch.linalg.vectorNorm(z([3, 3]), 2, [0, 0]), 'dim'],
      ['vectorNorm: unknown option', () => loose(torch.linalg.vectorNorm)(z([3]), 2, null, { keepDim: true }), 'opts.keepDim'],
      ['vectorNorm: dtype not floating', () => loose(torch.linalg.vectorNorm)(z([3]), 2, null, { dtype: 'int64' }), 'opts.dtype'],
      ['matrixNorm: 1-D', () => torch.linalg.matrixNorm(z([3])), 'A'],
      ['matrixNorm: a bad order', () => torch.linalg.matrixNorm(z([2, 2]), 3), 'ord'],
      ['matrixNorm: one dim', () => loose(torch.linalg.matrixNorm)(z([2, 2]), 'fro', [0]), 'dim'],
      ['matrixNorm: equal dims', () => torch.linalg.matrixNorm(z([2, 2]), 'fro', [0, 0]), 'dim'],
      ['matrixNorm: inf norm reducing an empty dim', () => torch.linalg.matrixNorm(z([0, 3]), Infinity), 'A'],
      ['norm: an ord without dim on a 3-D tensor', () => torch.linalg.norm(z([2, 2, 2]), 1), 'A'],
      ['norm: three dims', () => torch.linalg.norm(z([2, 2, 2]), null, [0, 1, 2]), 'dim'],
      ['norm: a string ord with one dim', () => torch.linalg.norm(z([2, 2]), 'fro', 0), 'ord'],
      ['diagonal: unknown option', () => loose(torch.linalg.diagonal)(z([2, 2]), { diag: 1 }), 'opts.diag'],
      ['matmul: an extra argument', () => loose(torch.linalg.matmul)(z([2, 2]), z([2, 2]), z([2, 2])), /for matmul\(\)/],
    ]);

    test('every torch.linalg function answers bad arguments with coded TorchletErrors (a sweep)', () => {
      const bad: unknown[] = [undefined, null, NaN, 'bogus', -1, 1.5, [], { bogus: 1 }, z([2, 3], 'int64'), Symbol('s'), true];
      const good: unknown[] = [z([2, 2]), z([3, 3]), 2];
      const fns = Object.entries(torch.linalg).filter(([, f]) => typeof f === 'function') as [string, (...a: unknown[]) => unknown][];
      expect(fns.map(([n]) => n).sort()).toEqual(
        ['cholesky', 'cross', 'det', 'diagonal', 'inv', 'matmul', 'matrixNorm', 'multiDot', 'norm', 'slogdet', 'solve', 'svdvals', 'vectorNorm'].sort());
      for (const [name, f] of fns)
        for (const b of bad)
          for (const args of [[b], [good[0], b], [good[0], good[0], b], [good[1], good[2], b], [b, good[0]]]) {
            try {
              torch.tidy(() => {
                f(...args);
              });
            } catch (e) {
              if (!(e instanceof TorchletError) || !/^ERR_TORCHLET_[A-Z_]+$/.test(String((e as TorchletError).code)))
                throw new Error(`torch.linalg.${name}(${args.map(String).join(', ')}): ${String(e)}`);
            }
          }
    });
  });
});
