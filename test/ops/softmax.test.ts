// test/ops/softmax.test.ts — F.softmax and F.logSoftmax (and nn.Softmax / nn.LogSoftmax) on every
// device: against PyTorch (test/fixtures/activation.json: dims 0/1/-1, +-900 logits, output and grad,
// float64 and float32), rows summing to 1 and logSoftmax = log(softmax), the modules, float64
// finite-difference gradchecks, argument errors, and on CUDA agreement with the CPU (every dim of
// awkward shapes: long rows, long columns, size-1 axes, empty tensors; extreme logits +-900, +-inf,
// NaN; gradients; deterministic repeats).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkDiffCase, expectArgError, expectClose, fromFixture, randnT, ArgErrorRow } from '../helpers';
import { expectSame, randFloat as rand } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const cases = casesOf('activation', ['softmax', 'logSoftmax']);
const key = (op: string) => (op === 'softmax' ? 'softmax' : 'log_softmax');

describeOp('softmax', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has softmax and logSoftmax cases', () => expect(cases.length).toBeGreaterThanOrEqual(16));

    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) => {
        // large-logit softmax: the outputs are O(1) but float32 rounding of the inputs scales with |x|
        const d = c.params.dim as number;
        checkDiffCase(c, dtype, (i) => (c.op === 'softmax' ? F.softmax(i.x!, d) : F.logSoftmax(i.x!, d)), { device, op: key(c.op) });
      });
    });

    test('softmax rows sum to 1 and logSoftmax = log(softmax)', () => {
      const c = cases.find(([n]) => n === 'softmax_2x3x4_dim1')![1];
      const x = on(fromFixture(c.inputs.x!));
      const s = F.softmax(x, 1);
      expectClose(s.sum(1), new Array(8).fill(1), { atol: 1e-12 });
      expectClose(F.logSoftmax(x, 1), torch.log(s), { atol: 1e-12 });
    });

    test('nn modules Softmax/LogSoftmax', () => {
      const x = on(fromFixture(cases.find(([n]) => n === 'softmax_3x5_dim1')![1].inputs.x!));
      const nn = torch.nn;
      expectClose(new nn.Softmax(1).forward(x), F.softmax(x, 1), { atol: 0 });
      expectClose(new nn.LogSoftmax(0).forward(x), F.logSoftmax(x, 0), { atol: 0 });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test.each([0, 1, -1])('softmax dim %d', (d) => {
        gradcheck(([x]) => F.softmax(x, d), [randnT([4, 5], 50 + d, 2)], { device });
      });
      test.each([0, 1, -1])('logSoftmax dim %d', (d) => {
        gradcheck(([x]) => F.logSoftmax(x, d), [randnT([4, 5], 60 + d, 2)], { device });
      });
      test('softmax over the middle dim of a 3-D tensor', () => {
        gradcheck(([x]) => F.softmax(x, 1), [randnT([2, 3, 4], 65)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const i64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'int64' }));
    const rows: ArgErrorRow[] = [
      ['softmax: dim 2 on a 2-D tensor', () => F.softmax(f64([2, 3]), 2), 'dim'],
      ['softmax: dim -3 on a 2-D tensor', () => F.softmax(f64([2, 3]), -3), 'dim'],
      ['softmax: no dim', () => (F.softmax as (x: Tensor) => Tensor)(f64([2, 3])), 'dim'],
      ['logSoftmax: dim 1.5', () => F.logSoftmax(f64([2, 3]), 1.5), 'dim'],
      ['softmax: int64 input', () => F.softmax(i64([2, 3]), 1), 'input'],
      ['nn.Softmax dim 0.5', () => new torch.nn.Softmax(0.5), 'dim'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  // The softmax / softmax_backward kernels on CUDA sum in a fixed tree (not the CPU's sequential
  // order) and take exp/log from libdevice: values agree within the 'softmax' / 'log_softmax'
  // tolerances for the softmax axis length, gradients within '<op>.grad'; repeats are bit-identical.
  vsCpu('CUDA vs CPU', () => {
    const SHAPES: [string, number[], number[]][] = [
      ['2-D rows and columns', [7, 13], [0, 1, -1]],
      ['3-D every dim', [6, 5, 9], [0, 1, 2]],
      ['one long row', [3, 5001], [1]],
      ['long column, inner 3', [4100, 3], [0]],
      ['size-1 softmax axis', [5, 1, 4], [1]],
      ['many tiny rows', [20011, 2], [1]],
      ['wide inner', [3, 2, 1030], [1]],
      ['1-D', [257], [0]],
      ['empty batch', [0, 4], [1]],
    ];
    dtypes(['float32', 'float64'] as const, (dtype) => {
      describe.each([false, true])('log = %p', (log) => {
        const sm = (x: Tensor, d: number) => (log ? F.logSoftmax(x, d) : F.softmax(x, d));
        const op = log ? 'log_softmax' : 'softmax';
        test.each(SHAPES)('%s: forward and backward', (_n, shape, dims) => {
          for (const d of dims) {
            const x0 = rand(shape, dtype, 3 + d, -6, 6);
            const g = rand(shape, dtype, 5 + d, -1, 1);
            const xc = x0.detach().requiresGrad_();
            const xg = on(x0).detach().requiresGrad_();
            const yc = sm(xc, d), yg = sm(xg, d);
            const C = shape[d < 0 ? shape.length + d : d] ?? 1;
            expectSame(yg, yc, `forward dim ${d}`, tol(op, dtype, device, { terms: C }));
            yc.backward(g);
            yg.backward(on(g));
            expectSame(xg.grad!, xc.grad!, `grad dim ${d}`, tol(`${op}.grad`, dtype, device, { terms: C }));
            // deterministic
            expectSame(sm(on(x0), d), sm(on(x0), d).cpu(), 'repeat');
          }
        });
      });
      test('extreme logits: +-900, -inf entries, all -inf and NaN rows', () => {
        const x = rand([9, 31], dtype, 77, -900, 900, 0.1, [-Infinity, Infinity, NaN]);
        const rows = x.toArray() as Float32Array | Float64Array;
        for (let c = 0; c < 31; c++) rows[3 * 31 + c] = -Infinity; // row 3 all -inf
        const t = torch.fromBuffer(rows, [9, 31], { dtype });
        for (const d of [0, 1]) {
          expectSame(F.softmax(on(t), d), F.softmax(t, d), `softmax dim ${d}`, tol('softmax', dtype, device, { terms: 31 }));
          expectSame(F.logSoftmax(on(t), d), F.logSoftmax(t, d), `logSoftmax dim ${d}`, tol('log_softmax.extreme_logits', dtype, device, { terms: 31 }));
        }
      });
    });
  });
});

// The CPU's float32 path (native/cpu/loss.cc): exp_fast (fast_math.h, 2 float ulp), vectorised loops,
// the sum of the exponentials in double lanes. Held to the float64 softmax of the same float32
// inputs, over row lengths around the lane count and its tails, softmax over a middle axis with inner
// sizes around its block of 64, logits from -120 to 120 (exponentials underflowing to denormals and
// 0), and gradients; results do not depend on the thread count; NaN and infinities as PyTorch.
describe('float32 softmax on the CPU: within a few ulp of float64, the same on any number of threads', () => {
  const SHAPES: [number[], number][] = [
    [[5, 1], 1], [[9, 7], 1], [[17, 10], 1], [[40, 15], 1], [[6, 16], 1], [[6, 17], 1], [[3, 33], 1], [[4, 1000], 1], [[2, 4099], 1],
    [[3, 5, 1], 1], [[2, 7, 3], 1], [[2, 9, 64], 1], [[2, 5, 65], 1], [[1, 11, 130], 1], [[300, 4], 0],
  ];
  const exact = (x: Tensor, d: number, log: boolean) => {
    const x64 = x.to('float64');
    return (log ? F.logSoftmax(x64, d) : F.softmax(x64, d)).toArray() as Float64Array;
  };
  test.each(SHAPES)('%j over dim %d: forward and backward', (shape, d) => {
    for (const spread of [6, 120]) {
      const x = rand(shape, 'float32', 11 + spread, -spread, spread);
      const g = rand(shape, 'float32', 13, -1, 1);
      for (const log of [false, true]) {
        const xg = x.detach().requiresGrad_();
        const y = log ? F.logSoftmax(xg, d) : F.softmax(xg, d);
        const got = y.toArray() as Float32Array;
        const want = exact(x, d, log);
        got.forEach((v, i) => {
          const w = want[i];
          // softmax: exp 2 ulp, the scale and the output rounded once each, and x - max rounded to float
          // (as in PyTorch): half an ulp of |x - max| <= |ln y| + ln C in the exponent, relative in y;
          // log-softmax: x - max, log(sum) and the difference rounded
          const C = shape[d];
          const bound = log ? 2.5e-7 * Math.abs(w) + 1.5e-7 : (4.5e-7 + 6e-8 * (Math.abs(Math.log(w)) + Math.log(C))) * w + 1e-44;
          if (!(Math.abs(v - w) <= bound)) throw new Error(`${log ? 'logSoftmax' : 'softmax'} ${JSON.stringify(shape)} dim ${d} spread ${spread} [${i}]: ${v} vs ${w}`);
        });
        y.backward(g);
        const x64 = x.to('float64').requiresGrad_();
        (log ? F.logSoftmax(x64, d) : F.softmax(x64, d)).backward(g.to('float64'));
        const gw = x64.grad!.toArray() as Float64Array;
        const gmax = gw.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        (xg.grad!.toArray() as Float32Array).forEach((v, i) => {
          if (!(Math.abs(v - gw[i]) <= 1e-6 * Math.abs(gw[i]) + 2e-7 * Math.max(1, gmax))) throw new Error(`grad ${JSON.stringify(shape)} [${i}]: ${v} vs ${gw[i]}`);
        });
      }
    }
  });

  test('the same bits on 1 and 2 threads (rows and columns past the parallel grain)', () => {
    const before = torch.getNumThreads();
    try {
      for (const [shape, d] of [[[300, 1000], 1], [[40, 900, 3], 1], [[5000, 10], 1]] as [number[], number][]) {
        const x = rand(shape, 'float32', 21, -8, 8);
        const runs = [1, 2].map((n) => {
          torch.setNumThreads(n);
          return [F.softmax(x, d), F.logSoftmax(x, d)].map((t) => Buffer.from((t.toArray() as Float32Array).buffer));
        });
        expect(runs[0][0].equals(runs[1][0])).toBe(true);
        expect(runs[0][1].equals(runs[1][1])).toBe(true);
      }
    } finally {
      torch.setNumThreads(before);
    }
  });

  test('rows shorter than 16 (run 16 rows at a time through the column kernel) give the bits of the same softmax taken over columns', () => {
    for (const [N, C] of [[1, 10], [15, 10], [16, 10], [17, 10], [100, 3], [33, 15], [50, 1]]) {
      const x = rand([N, C], 'float32', 31 + N, -30, 30);
      const xt = x.t().contiguous(); // [C, N]: softmax over dim 0 is the column kernel's (inner N)
      for (const log of [false, true]) {
        const rows = (log ? F.logSoftmax(x, 1) : F.softmax(x, 1)).toArray() as Float32Array;
        const cols = (log ? F.logSoftmax(xt, 0) : F.softmax(xt, 0)).t().contiguous().toArray() as Float32Array;
        expect(Buffer.from(rows.buffer).equals(Buffer.from(cols.buffer))).toBe(true);
      }
    }
  });

  test('NaN and infinities: a NaN or +inf makes its row NaN, -inf entries give 0 (log: -inf), an all -inf row NaN', () => {
    const x = torch.tensor([[-Infinity, 0, Math.log(3)], [1, NaN, 2], [Infinity, 0, 1], [-Infinity, -Infinity, -Infinity]]);
    const s = F.softmax(x, 1).toArray() as Float32Array;
    const l = F.logSoftmax(x, 1).toArray() as Float32Array;
    expect(Array.from(s.subarray(0, 3))).toEqual([0, expect.closeTo(0.25, 6), expect.closeTo(0.75, 6)]);
    expect(l[0]).toBe(-Infinity);
    expect(l[1]).toBeCloseTo(Math.log(0.25), 6);
    for (let i = 3; i < 12; i++) {
      expect(Number.isNaN(s[i])).toBe(true);
      expect(Number.isNaN(l[i])).toBe(true);
    }
  });
});
