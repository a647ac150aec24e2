// test/ops/matmul.test.ts — torch.matmul and torch.bmm on every device: against PyTorch
// (test/fixtures/linear.json, the matmul cases: outputs and grads, float64 and float32, incl. 1-D
// operands and broadcast batch dims), bmm = matmul, a transposed operand, float64 finite-difference
// gradchecks (broadcast batches, 1-D operands), argument errors, and on CUDA agreement with the CPU
// (odd sizes, vectors, tile edges, long K, broadcast batches, transposed operands, bmm, empty
// reduction, NaN / Inf) and deterministic results.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, expectClose, fixtureCases, fromFixture, randnT, toNumbers, zerosOn, ArgErrorRow } from '../helpers';
import { bitsEqual, checkBothVsCpu } from './compare';
import { refTol, FloatDType } from './tolerances';

const matmulCases = casesOf('linear', ['matmul']);

describeOp('matmul', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureCases(run, matmulCases, (ins) => torch.matmul(ins.a!, ins.b!), { min: 9, more: () => {
    test('bmm equals matmul for 3-D operands', () => {
      const c = matmulCases.find(([n]) => n === 'matmul_batched_3d_3d')![1];
      const a = on(fromFixture(c.inputs.a!));
      const b = on(fromFixture(c.inputs.b!));
      expectClose(torch.bmm(a, b), c.output!, refTol('matmul', 'float64', device, { magnitude: 10 }));
    });

    test('transposed views (2-D, batched, broadcast, 1-D; read through the GEMM transpose flags): values and gradients of contiguous copies', () => {
      const cases: [number[], number[], (a: Tensor, b: Tensor) => [Tensor, Tensor]][] = [
        [[5, 7], [9, 7], (a, b) => [a, b.t()]],
        [[7, 5], [7, 9], (a, b) => [a.t(), b]],
        [[3, 6, 4], [3, 5, 6], (a, b) => [a.transpose(1, 2), b.transpose(-1, -2)]],
        [[2, 3, 4, 6], [3, 5, 6], (a, b) => [a, b.transpose(-1, -2)]], // b broadcast over the leading 2
        [[7], [9, 7], (a, b) => [a, b.t()]],
      ];
      for (const [as, bs, views] of cases) {
        const a = on(randnT(as, 11)).requiresGrad_();
        const b = on(randnT(bs, 12)).requiresGrad_();
        const [av, bv] = views(a, b);
        const y = torch.matmul(av, bv);
        const [ac, bc] = [av.detach().contiguous().requiresGrad_(), bv.detach().contiguous().requiresGrad_()];
        const want = torch.matmul(ac, bc);
        expect(toNumbers(y)).toEqual(toNumbers(want)); // the same products in the same order
        const g = on(randnT(y.shape, 13));
        y.backward(g);
        want.backward(g);
        expectClose(views(a.grad!, b.grad!)[0], toNumbers(ac.grad!), { atol: 1e-10 });
        expectClose(views(a.grad!, b.grad!)[1], toNumbers(bc.grad!), { atol: 1e-10 });
      }
    });

    test('matmul of a transposed (non-contiguous) view', () => {
      const c = matmulCases.find(([n]) => n === 'matmul_2d_2d')![1];
      const a = on(fromFixture(c.inputs.a!));
      const bT = on(fromFixture(c.inputs.b!).t().contiguous()); // [5, 4]
      const y = torch.matmul(a, bT.t());
      expectClose(y, c.output!, refTol('matmul', 'float64', device, { magnitude: 10 }));
    });
  } });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test('matmul batched broadcast [2,1,3,4] @ [3,4,2]', () => {
        gradcheck(([a, b]) => torch.matmul(a, b), [randnT([2, 1, 3, 4], 25), randnT([3, 4, 2], 26)], { device });
      });
      test('matmul [3,4] @ [2,4,5] (2-D broadcast against 3-D)', () => {
        gradcheck(([a, b]) => torch.matmul(a, b), [randnT([3, 4], 27), randnT([2, 4, 5], 28)], { device });
      });
      test('matmul 1-D @ 3-D and 3-D @ 1-D', () => {
        gradcheck(([a, b]) => torch.matmul(a, b), [randnT([4], 29), randnT([2, 4, 3], 30)], { device });
        gradcheck(([a, b]) => torch.matmul(a, b), [randnT([2, 3, 4], 31), randnT([4], 32)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const { f64, f32, i64 } = zerosOn(on);
    const rows: ArgErrorRow[] = [
      ['matmul: inner dims differ', () => torch.matmul(f64([2, 3]), f64([4, 5])), 'other'],
      ['matmul: batch dims do not broadcast', () => torch.matmul(f64([2, 3, 4]), f64([3, 4, 5])), 'other'],
      ['matmul: 0-D operand', () => torch.matmul(f64([]), f64([3])), 'input'],
      ['matmul: int64 operands', () => torch.matmul(i64([2, 2]), i64([2, 2])), 'input'],
      ['matmul: dtype mismatch', () => torch.matmul(f64([2, 2]), f32([2, 2])), 'other'],
      ['bmm: 2-D input', () => torch.bmm(f64([2, 3]), f64([2, 3, 4])), 'input'],
      ['bmm: 2-D mat2', () => torch.bmm(f64([2, 2, 3]), f64([3, 4])), 'mat2'],
      ['bmm: batch sizes differ', () => torch.bmm(f64([2, 2, 3]), f64([3, 3, 4])), 'mat2'],
    ];
    argErrorTests(rows);
  });

  // The tiled CUDA GEMM sums in another order than the CPU (and splits long K): agreement within the
  // 'matmul' tolerance for the reduction length K; results repeat bit for bit.
  vsCpu('CUDA vs CPU (output and all gradients)', () => {
    beforeAll(() => torch.manualSeed(20261201));

    /** f on CPU leaves and on device copies of them; compares the output and every input's gradient. */
    const checkBoth = (shapes: number[][], dtype: FloatDType, f: (ts: Tensor[]) => Tensor, K: number) => checkBothVsCpu(on, 'matmul', shapes, dtype, f, K);

    dtypes(['float32', 'float64'] as const, (dtype) => {
      const mm = (ts: Tensor[]) => torch.matmul(ts[0], ts[1]);
      test.each([
        ['odd sizes', [37, 53], [53, 29]],
        ['1x1', [1, 1], [1, 1]],
        ['row times matrix', [1, 17], [17, 130]],
        ['matrix times column', [131, 9], [9, 1]],
        ['vector @ matrix (1-D promotion)', [19], [19, 7]],
        ['matrix @ vector', [7, 19], [19]],
        ['vector @ vector', [33], [33]],
        ['exact tile multiple 128x128x8', [128, 8], [8, 128]],
        ['one past the tile edges', [129, 9], [9, 257]],
        ['large square (big tiles)', [300, 260], [260, 310]],
        ['long K (split reduction)', [5, 4100], [4100, 3]],
        ['long K, medium output', [70, 2500], [2500, 90]],
      ])('%s', (_n, sa, sb) => checkBoth([sa as number[], sb as number[]], dtype, mm, (sa as number[])[(sa as number[]).length - 1]));

      test('batched with broadcast batch dims', () => {
        checkBoth([[3, 1, 13, 21], [2, 21, 11]], dtype, mm, 21);
        checkBoth([[4, 9, 5], [5, 6]], dtype, mm, 5);
        checkBoth([[9, 5], [4, 5, 6]], dtype, mm, 5);
      });

      test('transposed (non-contiguous) operands', () => {
        checkBoth([[23, 31], [17, 23]], dtype, (ts) => torch.matmul(ts[0].transpose(0, 1), ts[1].transpose(0, 1)), 23);
      });

      test('bmm, many small products', () => {
        checkBoth([[200, 3, 5], [200, 5, 4]], dtype, (ts) => torch.bmm(ts[0], ts[1]), 5);
        checkBoth([[2, 65, 67], [2, 67, 66]], dtype, (ts) => torch.bmm(ts[0], ts[1]), 67);
      });

      test('empty reduction dimension gives zeros', () => {
        const a = on(torch.zeros([3, 0], { dtype }));
        const b = on(torch.zeros([0, 4], { dtype }));
        expectClose(torch.matmul(a, b).cpu(), new Array(12).fill(0), { ignoreShape: true });
      });

      test('results repeat bit for bit', () => {
        const a = on(torch.randn([70, 3000], { dtype }));
        const b = on(torch.randn([3000, 50], { dtype }));
        bitsEqual(torch.matmul(a, b), torch.matmul(a, b), 'matmul (split K)');
      });
    });

    test('NaN and Inf propagate as on the CPU', () => {
      const a = torch.randn([9, 12]);
      const b = torch.randn([12, 10]);
      const av = a.toArray() as Float32Array;
      av[5] = NaN;
      av[30] = Infinity;
      const a2 = torch.fromBuffer(Float32Array.from(av), [9, 12]);
      const yc = torch.matmul(a2, b);
      const yg = torch.matmul(on(a2), on(b)).cpu();
      const c = toNumbers(yc);
      const g = toNumbers(yg);
      for (let i = 0; i < c.length; i++) {
        if (Number.isNaN(c[i])) expect(Number.isNaN(g[i])).toBe(true);
        else if (!Number.isFinite(c[i])) expect(g[i]).toBe(c[i]);
        else expect(Math.abs(g[i] - c[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(c[i])));
      }
    });
  });
});
