// test/ops/binary.test.ts — broadcasting binary element-wise ops on every device: add, sub, mul,
// div, pow against PyTorch (test/fixtures/elementwise.json: six broadcast patterns, output and the
// grads of both operands summed back to each operand's shape, float64 and float32), Tensor methods,
// scalar operands, alpha, type promotion, float64 finite-difference gradchecks (broadcasting, an
// input used twice), argument errors, and on CUDA agreement with the CPU for add/sub/mul/div,
// maximum/minimum and the comparisons (bit-identical, NaN / +-0 / +-inf operands, broadcasting incl.
// 0-d and empty tensors, non-contiguous operands, integer dtypes) and pow (within libm ulps).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { native, enums } from '../../lib/binding';
import { gradcheck } from '../gradcheck';
import {
  awayFromZero, casesOf, checkDiffCase, expectArgError, expectClose, fromFixture, positive, randnT, ArgErrorRow, FixtureCase,
} from '../helpers';
import { expectSame, randTensor } from './compare';
import { refTol, tol } from './tolerances';

const cases = casesOf('elementwise');
type Bin = (a: Tensor, b: Tensor) => Tensor;
const FN: Record<string, Bin> = {
  add: (a, b) => torch.add(a, b),
  sub: (a, b) => torch.sub(a, b),
  mul: (a, b) => torch.mul(a, b),
  div: (a, b) => torch.div(a, b),
  pow: (a, b) => torch.pow(a, b),
};

describeOp('binary', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

    // test/fixtures/pow_scalar.json (gen_pow_scalar_fixtures.py): PyTorch computes these exponents
    // without pow, so both devices give its values bit for bit; other exponents go through the
    // device's pow (glibc / CUDA libdevice / PyTorch's Sleef), within 2 ulp of each other
    test("pow with a scalar exponent: PyTorch's values bit for bit for 0, 1, 2, 3, -1, -2, 0.5, -0.5, within 2 ulp for others", () => {
      const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'pow_scalar.json'), 'utf8')) as {
        cases: { dtype: 'float32' | 'float64'; exponent: number; x: string[]; out: string[] }[];
      };
      const num = (v: string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
      const special = [0, 1, 2, 3, -1, -2, 0.5, -0.5];
      expect(fx.cases.length).toBe(22);
      for (const c of fx.cases) {
        const got = Array.from(on(torch.tensor(c.x.map(num), { dtype: c.dtype })).pow(c.exponent).toArray() as Float64Array);
        const want = c.out.map(num);
        const ulp = c.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
        for (let i = 0; i < want.length; i++) {
          const ok = special.includes(c.exponent)
            ? Object.is(got[i], want[i])
            : Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= 2 * ulp * Math.abs(want[i]);
          if (!ok) throw new Error(`${c.dtype} (${c.x[i]}).pow(${c.exponent}): ${got[i]}, PyTorch ${c.out[i]}`);
        }
      }
    });

    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c: FixtureCase) => {
        checkDiffCase(c, dtype, (ins) => FN[c.op](ins.a!, ins.b!), { device, op: c.op });
      });
    });

    test.each(cases)('%s: Tensor method equals the function', (_n, c) => {
      const a = on(fromFixture(c.inputs.a!));
      const b = on(fromFixture(c.inputs.b!));
      const m = (a as unknown as Record<string, (o: Tensor) => Tensor>)[c.op].call(a, b);
      expectClose(m, c.output!, refTol(c.op, 'float64', device, { magnitude: 10 }));
    });

    test('AddRelu (the frozen residual add -> ReLU): relu(a + b) on this device, NaN kept, in place', () => {
      const a = on(torch.tensor([-3, -1, 0.5, 2, NaN, 1], { dtype: 'float32' }));
      const b = on(torch.tensor([1, 1, -1, 1, 0, Infinity], { dtype: 'float32' }));
      native.binary(a.stridedArg(), b.stridedArg(), a.arg(), { op: enums.BinaryOp.AddRelu, inputStrides: [1], otherStrides: [1] });
      expect(Array.from(a.toArray() as Float32Array)).toEqual([0, 0, 0, 3, NaN, Infinity]);
    });

    test('scalar operands: add/sub/mul/div/pow with a number, and their grads', () => {
      const data = [0.5, -1.25, 2, 3.5];
      const x = on(torch.tensor(data, { dtype: 'float64' })).requiresGrad_();
      const y = torch.add(torch.mul(torch.sub(torch.div(torch.pow(x, 3), 2), 1), 4), 0.25); // ((x^3/2 - 1)*4 + 0.25)
      expectClose(y, data.map((v) => (v ** 3 / 2 - 1) * 4 + 0.25), { atol: 1e-12 });
      y.sum().backward();
      expectClose(x.grad!, data.map((v) => 6 * v * v), { atol: 1e-12 });
    });

    test('add with alpha and sub with alpha', () => {
      const a = on(torch.tensor([1, 2, 3], { dtype: 'float64' }));
      const b = on(torch.tensor([10, 20, 30], { dtype: 'float64' }));
      expectClose(torch.add(a, b, { alpha: 0.5 }), [6, 12, 18], { atol: 0 });
      expectClose(torch.sub(a, b, { alpha: 2 }), [-19, -38, -57], { atol: 0 });
    });

    test('a fractional alpha needs a floating-point result, as PyTorch 1.13 (integer inputs refuse it; was a float result)', () => {
      const i = on(torch.tensor([1, 2], { dtype: 'int64' }));
      const f = on(torch.tensor([1, 2], { dtype: 'float32' }));
      const code = (fn: () => unknown) => {
        try {
          fn();
        } catch (e) {
          return (e as { code?: string }).code;
        }
        return 'no error';
      };
      for (const fn of [() => torch.add(i, i, { alpha: 0.5 }), () => torch.add(i, 3, { alpha: 0.5 }), () => torch.sub(i, i, { alpha: 0.5 }), () => i.add(i, { alpha: 0.5 }), () => torch.add(i.bool(), i.bool(), { alpha: 0.5 })])
        expect(code(fn)).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(code(() => torch.add(i, i, { alpha: 'x' as unknown as number }))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      // PyTorch's values where it computes: a floating result, or an integer alpha
      expectClose(torch.add(i, 1.5, { alpha: 2 }), [4, 5], { atol: 0 });
      expectClose(torch.add(i, f, { alpha: 0.5 }), [1.5, 3], { atol: 0 });
      expectClose(torch.add(f, i, { alpha: 0.5 }), [1.5, 3], { atol: 0 });
      expect(Array.from(torch.sub(i, i, { alpha: 3 }).toArray() as BigInt64Array)).toEqual([-2n, -4n]);
    });

    test('type promotion: float32 + float64 -> float64, int64 / int64 -> float32', () => {
      const a = on(torch.tensor([1, 2], { dtype: 'float32' }));
      const b = on(torch.tensor([0.5, 0.25], { dtype: 'float64' }));
      expect(torch.add(a, b).dtype).toBe('float64');
      const i = on(torch.tensor([3, 4], { dtype: 'int64' }));
      const j = on(torch.tensor([2, 8], { dtype: 'int64' }));
      const q = torch.div(i, j);
      expect(q.dtype).toBe('float32');
      expectClose(q, [1.5, 0.5], { atol: 0 });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck with broadcasting (float64 central differences, eps 1e-6)', () => {
      const shapes: [number[], number[]][] = [
        [[2, 1, 4], [3, 1]],
        [[3, 4], [2, 3, 4]],
        [[2, 3], [1]],
      ];
      test.each(shapes)('add/sub/mul %j with %j', (sa, sb) => {
        gradcheck(([a, b]) => torch.add(a, b), [randnT(sa, 80), randnT(sb, 81)], { device });
        gradcheck(([a, b]) => torch.sub(a, b, { alpha: 1.5 }), [randnT(sa, 82), randnT(sb, 83)], { device });
        gradcheck(([a, b]) => torch.mul(a, b), [randnT(sa, 84), randnT(sb, 85)], { device });
      });
      test.each(shapes)('div/pow %j with %j', (sa, sb) => {
        gradcheck(([a, b]) => torch.div(a, b), [randnT(sa, 86), awayFromZero(sb, 87)], { device });
        gradcheck(([a, b]) => torch.pow(a, b), [positive(sa, 88), randnT(sb, 89)], { device });
      });
      test('an input used twice (gradients accumulate)', () => {
        gradcheck(([a, b]) => torch.mul(a, a).add(torch.mul(a, b)), [randnT([2, 3], 94), randnT([3], 95)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const rows: ArgErrorRow[] = [
      ['add: [2,3] + [4]', () => torch.add(f64([2, 3]), f64([4])), 'other'],
      ['sub: [2,3] - [3,2]', () => torch.sub(f64([2, 3]), f64([3, 2])), 'other'],
      ['mul: [2,3,4] * [2,4]', () => torch.mul(f64([2, 3, 4]), f64([2, 4])), 'other'],
      ['div: [5] / [4]', () => torch.div(f64([5]), f64([4])), 'other'],
      ['pow: [2,3] ** [2]', () => torch.pow(f64([2, 3]), f64([2])), /for (exponent|other)\b/],
      ['Tensor.add: [2,3] + [3,3]', () => f64([2, 3]).add(f64([3, 3])), 'other'],
      ['add: other is a string', () => torch.add(f64([2]), 'a' as unknown as Tensor), 'other'],
      ['add: input is not a tensor', () => torch.add([1, 2] as unknown as Tensor, 1), 'input'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  // The binary kernel on CUDA: the arithmetic and comparisons must be bit-identical to the CPU
  // (tolerances 'add', 'maximum', 'eq', ...: exact), pow uses libdevice ('pow': a few ulp). Inputs are
  // made on the CPU and copied, so both devices see the same numbers.
  vsCpu('CUDA vs CPU', () => {
    const SHAPES: [string, number[], number[]][] = [
      ['same shape', [17], [17]],
      ['row broadcast', [5, 7], [7]],
      ['two-sided broadcast', [7, 1, 5], [1, 3, 1]],
      ['size-1 lhs', [1], [6, 5]],
      ['0-d lhs', [], [4, 3]],
      ['0-d rhs', [4, 3], []],
      ['empty', [0, 3], [1, 3]],
      ['5-D', [3, 1, 4, 1, 5], [2, 1, 1, 5]],
      ['column broadcast', [1025, 3], [1025, 1]],
      ['long, scalar rhs', [65537], [1]],
    ];
    const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2];
    const EXACT_OPS: [string, (a: Tensor, b: Tensor) => Tensor][] = [
      ['add', (a, b) => torch.add(a, b)],
      ['sub', (a, b) => torch.sub(a, b)],
      ['mul', (a, b) => torch.mul(a, b)],
      ['div', (a, b) => torch.div(a, b)],
      ['maximum', (a, b) => torch.maximum(a, b)],
      ['minimum', (a, b) => torch.minimum(a, b)],
      ['eq', (a, b) => a.eq(b)],
      ['ne', (a, b) => a.ne(b)],
      ['lt', (a, b) => a.lt(b)],
      ['le', (a, b) => a.le(b)],
      ['gt', (a, b) => a.gt(b)],
      ['ge', (a, b) => a.ge(b)],
    ];

    describe('binary float (NaN, +-0, +-inf operands)', () => {
      dtypes(['float32', 'float64'] as const, (dtype) => {
        describe.each(EXACT_OPS)('%s', (op, f) => {
          test.each(SHAPES)('%s', (_n, sa, sb) => {
            const a = randTensor(sa, dtype, 21, -3, 3, SPECIALS);
            const b = randTensor(sb, dtype, 22, -3, 3, SPECIALS);
            expectSame(f(on(a), on(b)), f(a, b), 'binary', tol(op, dtype, device));
          });
        });
        test.each(SHAPES)('pow: %s', (_n, sa, sb) => {
          const a = randTensor(sa, dtype, 23, 0.1, 4, [0, 1, Infinity, NaN]);
          const b = randTensor(sb, dtype, 24, -3, 3, [0, 2, -1, 0.5]);
          expectSame(torch.pow(on(a), on(b)), torch.pow(a, b), 'pow', tol('pow', dtype, device));
        });
        test('non-contiguous operands (transposed, narrowed, expanded)', () => {
          const a = randTensor([9, 14], dtype, 25);
          const b = randTensor([14, 9], dtype, 26);
          const c = randTensor([14, 1], dtype, 27);
          for (const [op, f] of EXACT_OPS) {
            const g = f(on(a).transpose(0, 1), on(b).narrow(1, 0, 9));
            expectSame(g, f(a.transpose(0, 1), b.narrow(1, 0, 9)), 'transposed', tol(op, dtype, device));
            expectSame(f(on(c).expand(14, 9), on(a).t()), f(c.expand(14, 9), a.t()), 'expanded', tol(op, dtype, device));
          }
        });
      });
    });

    describe('binary integer', () => {
      dtypes(['int64', 'int32', 'uint8'] as DType[], (dtype) => {
        const ops = EXACT_OPS.filter(([n]) => n !== 'div' && (dtype !== 'uint8' || n !== 'sub'));
        test.each(SHAPES)('%s', (_n, sa, sb) => {
          const lo = dtype === 'uint8' ? 0 : -50;
          const a = randTensor(sa, dtype, 31, lo, 50);
          const b = randTensor(sb, dtype, 32, lo, 50);
          for (const [name, f] of ops) expectSame(f(on(a), on(b)), f(a, b), name);
        });
        test('pow with small non-negative exponents is exact', () => {
          const a = randTensor([7, 13], dtype, 33, dtype === 'uint8' ? 0 : -6, 6);
          const b = randTensor([13], dtype, 34, 0, 5);
          expectSame(torch.pow(on(a), on(b)), torch.pow(a, b), 'int pow');
        });
        test('division by non-zero', () => {
          const a = randTensor([11, 3], dtype, 35, dtype === 'uint8' ? 0 : -40, 40);
          const b = randTensor([3], dtype, 36, 1, 9);
          expectSame(torch.div(on(a), on(b)), torch.div(a, b), 'int div');
        });
      });
    });
  });
});
