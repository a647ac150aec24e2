// test/ops/unary.test.ts — unary element-wise ops on every device: relu, sigmoid, tanh, exp, log,
// sqrt, neg against PyTorch (test/fixtures/activation.json: output and grad, float64 and float32),
// Tensor methods, the nn.ReLU / Sigmoid / Tanh modules, float32 tanh / exp / sigmoid on dense grids, float64 finite-difference gradchecks (also of
// the scalar ops add/sub/mul/div/pow with a number), and on CUDA agreement with the CPU: neg, relu,
// sqrt and the scalar ops bit-identical, exp/log/sigmoid/tanh/pow within libm ulps (NaN / +-0 /
// +-inf, empty, 0-d, long and non-contiguous inputs), int64 ops, and the backward kernels.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { rdiv, rsub } from '../../lib/ops/elementwise';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { awayFromZero, casesOf, checkDiffCase, expectClose, fromFixture, positive, randnT, FixtureCase } from '../helpers';
import { expectSame, randTensor } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const UNARY = ['relu', 'sigmoid', 'tanh', 'exp', 'log', 'sqrt', 'neg'];
const cases = casesOf('activation', UNARY);

function forward(c: FixtureCase): (ins: Record<string, Tensor | null>) => Tensor {
  switch (c.op) {
    case 'relu': return (i) => F.relu(i.x!);
    case 'sigmoid': return (i) => F.sigmoid(i.x!);
    case 'tanh': return (i) => F.tanh(i.x!);
    case 'exp': return (i) => torch.exp(i.x!);
    case 'log': return (i) => torch.log(i.x!);
    case 'sqrt': return (i) => torch.sqrt(i.x!);
    case 'neg': return (i) => torch.neg(i.x!);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

describeOp('unary', ({ device, on, dtypes, vsCpu }) => {
  dtypes(['float32'] as const, () => {
    test('float32 tanh within 5e-7 of the exact value on a dense grid of [-12, 12], exact sign and limits', () => {
      const n = 1 << 20;
      const xs = new Float32Array(n);
      for (let i = 0; i < n; i++) xs[i] = -12 + (24 * i) / (n - 1);
      xs.set([0, -0, 1e-30, -1e-30, 3e-4, 5e-4, 1e-3, 7.9, 8, 30, -30, Infinity, -Infinity, NaN], 0);
      const y = on(torch.fromBuffer(xs, [n])).tanh().toArray() as Float32Array;
      // one expect per property over the whole grid (a million expect() calls took two minutes)
      let worst = 0;
      const badNaN: number[] = [];
      const badSign: number[] = [];
      const badRange: number[] = [];
      for (let i = 0; i < n; i++) {
        const want = Math.tanh(xs[i]);
        if (Number.isNaN(want)) {
          if (!Number.isNaN(y[i])) badNaN.push(i);
          continue;
        }
        worst = Math.max(worst, Math.abs(y[i] - want));
        if (want !== 0 && Math.sign(y[i]) !== Math.sign(want)) badSign.push(i);
        if (!(Math.abs(y[i]) <= 1)) badRange.push(i);
      }
      expect({ badNaN, badSign, badRange }).toEqual({ badNaN: [], badSign: [], badRange: [] });
      expect(worst).toBeLessThanOrEqual(5e-7);
      expect(Object.is(y[1], -0)).toBe(true);
      expect([y[10], y[11], y[12]]).toEqual([-1, 1, -1]);
    });
  });

  dtypes(['float32'] as const, () => {
    // (the CPU's branch-free exp: native/cpu/fast_math.h; CUDA: its libm)
    test('float32 exp and sigmoid within 2 ulp of the exact value on dense grids, denormal results, limits, NaN', () => {
      const n = 1 << 20;
      const xs = new Float32Array(n);
      for (let i = 0; i < n; i++) xs[i] = -110 + (200 * i) / (n - 1);
      xs.set([0, -0, 1e-30, -1e-30, 88.72, 88.73, 89, -87.3, -100, -103.9, -104, -200, Infinity, -Infinity, NaN], 0);
      const x = on(torch.fromBuffer(xs, [n]));
      const e = x.exp().toArray() as Float32Array;
      const s = x.sigmoid().toArray() as Float32Array;
      const ulp = (v: number) => Math.max(2 ** -149, Math.abs(Math.fround(v)) * 2 ** -23);
      let worstE = 0;
      let worstS = 0;
      for (let i = 0; i < n; i++) {
        const v = xs[i];
        if (Number.isNaN(v)) {
          expect(e[i]).toBeNaN();
          expect(s[i]).toBeNaN();
          continue;
        }
        const want = Math.exp(v);
        if (Math.fround(want) === Infinity) expect(e[i]).toBe(Infinity);
        else worstE = Math.max(worstE, Math.abs(e[i] - want) / ulp(want));
        // sigmoid below -88.7: 1 / (1 + inf) = 0, as PyTorch's float32 sigmoid gives
        if (v > -88) worstS = Math.max(worstS, Math.abs(s[i] - 1 / (1 + Math.exp(-v))) / ulp(1 / (1 + Math.exp(-v))));
      }
      expect(worstE).toBeLessThanOrEqual(2);
      expect(worstS).toBeLessThanOrEqual(2);
      expect([e[0], e[1], e[13], s[12], s[13]]).toEqual([1, 1, 0, 1, 0]);
    });
  });

  describe('vs PyTorch', () => {
    test('fixture has cases', () => expect(casesOf('activation').length).toBeGreaterThanOrEqual(30));
    test('fixture has cases of every unary op', () => {
      for (const op of UNARY) expect(cases.filter(([, c]) => c.op === op).length).toBeGreaterThanOrEqual(1);
    });

    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) => {
        checkDiffCase(c, dtype, forward(c), { device, op: c.op });
      });
    });

    test.each(['relu', 'sigmoid', 'tanh', 'exp', 'neg'])('%s: Tensor method equals the function', (op) => {
      const c = cases.find(([, k]) => k.op === op)![1];
      const x = on(fromFixture(c.inputs.x!));
      const m = (x as unknown as Record<string, () => Tensor>)[op].call(x);
      expectClose(m, c.output!, { atol: 1e-12, rtol: 1e-12 });
    });

    test('nn modules ReLU/Sigmoid/Tanh', () => {
      const x = on(fromFixture(casesOf('activation').find(([n]) => n === 'softmax_3x5_dim1')![1].inputs.x!));
      const nn = torch.nn;
      expectClose(new nn.ReLU().forward(x), F.relu(x), { atol: 0 });
      expectClose(new nn.Sigmoid().forward(x), F.sigmoid(x), { atol: 0 });
      expectClose(new nn.Tanh().forward(x), F.tanh(x), { atol: 0 });
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck: scalar ops and unary math: exp, log, sqrt, tanh, sigmoid, relu, neg', () => {
      gradcheck(([x]) => torch.add(torch.mul(torch.pow(x, 3), 0.5), 2).div(3).sub(1), [randnT([3, 4], 90)], { device });
      gradcheck(([x]) => torch.log(x).add(torch.sqrt(x)).add(torch.exp(x)), [positive([3, 4], 91)], { device });
      gradcheck(([x]) => torch.tanh(x).mul(torch.sigmoid(x)).add(torch.neg(x)), [randnT([3, 4], 92)], { device });
      gradcheck(([x]) => torch.relu(x), [awayFromZero([3, 4], 93)], { device });
    });
  });

  // The unary and unary_backward kernels on CUDA: neg, relu, sqrt and the scalar ops are
  // bit-identical; exp/log/tanh/sigmoid/pow use CUDA's libdevice and may differ by a few ulp (the
  // tolerances of 'exp', 'log', 'sigmoid', 'tanh', 'pow'; 'sigmoid.grad', 'tanh.grad').
  vsCpu('CUDA vs CPU', () => {
    const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2];
    dtypes(['float32', 'float64'] as const, (dtype) => {
      const exact: [string, (x: Tensor) => Tensor][] = [
        ['neg', (x) => torch.neg(x)],
        ['relu (NaN passes)', (x) => torch.relu(x)],
        ['sqrt', (x) => torch.sqrt(x)],
        ['add scalar', (x) => x.add(2.5)],
        ['sub scalar', (x) => x.sub(0.75)],
        ['mul scalar', (x) => x.mul(-1.5)],
        ['square (pow 2)', (x) => x.pow(2)],
        ['rsub', (x) => rsub(3, x)],
        ['rdiv', (x) => rdiv(2, x)],
      ];
      const approx: [string, string, (x: Tensor) => Tensor][] = [
        ['exp', 'exp', (x) => torch.exp(x)],
        ['log', 'log', (x) => torch.log(x)],
        ['sigmoid', 'sigmoid', (x) => torch.sigmoid(x)],
        ['tanh', 'tanh', (x) => torch.tanh(x)],
        ['pow 3', 'pow', (x) => x.pow(3)],
        ['pow 0.5', 'pow', (x) => x.pow(0.5)],
      ];
      const shapes = [[1], [1027], [3, 5, 7], [0, 2], [], [1 << 18]];
      test.each(exact)('%s (bit-identical)', (_n, f) => {
        for (const s of shapes) {
          const x = randTensor(s, dtype, 41, -5, 5, SPECIALS);
          expectSame(f(on(x)), f(x), `${_n} ${JSON.stringify(s)}`);
        }
      });
      test.each(approx)('%s (within a few ulp)', (_n, key, f) => {
        for (const s of shapes) {
          const x = randTensor(s, dtype, 42, -20, 20, SPECIALS);
          expectSame(f(on(x)), f(x), `${_n} ${JSON.stringify(s)}`, tol(key, dtype, device));
        }
      });
      test('a non-contiguous input', () => {
        const x = randTensor([33, 17], dtype, 43, 0.5, 4);
        expectSame(torch.exp(on(x).t()), torch.exp(x.t()), 'exp of a transpose', tol('exp', dtype, device));
        expectSame(torch.neg(on(x).t()), torch.neg(x.t()), 'neg of a transpose');
      });
    });

    test('int64 unary ops: neg, relu, add/mul scalar', () => {
      const x = randTensor([1001], 'int64', 44, -1e6, 1e6);
      expectSame(torch.neg(on(x)), torch.neg(x), 'neg');
      expectSame(torch.relu(on(x)), torch.relu(x), 'relu');
      expectSame(on(x).add(7), x.add(7), 'add');
      expectSame(on(x).mul(-3), x.mul(-3), 'mul');
    });

    describe('unary backward', () => {
      dtypes(['float32', 'float64'] as const, (dtype) => {
        test.each([
          ['relu', (x: Tensor) => F.relu(x)],
          ['sigmoid', (x: Tensor) => F.sigmoid(x)],
          ['tanh', (x: Tensor) => F.tanh(x)],
        ] as [string, (x: Tensor) => Tensor][])('%s', (_n, f) => {
          for (const s of [[1], [515], [4, 33, 3], [0]]) {
            const x0 = randTensor(s, dtype, 51, -4, 4, [0, -0, NaN]);
            const g = randTensor(s, dtype, 52, -2, 2);
            const xc = x0.detach().requiresGrad_();
            const xg = on(x0).detach().requiresGrad_();
            f(xc).backward(g);
            f(xg).backward(on(g));
            expectSame(xg.grad!, xc.grad!, `${_n} grad ${JSON.stringify(s)}`, tol(`${_n}.grad`, dtype, device));
          }
        });
      });
    });
  });
});
