// test/ops/outer.test.ts — torch.outer / torch.ger (lib/ops/matmul.ts) on every device: values
// (each element the rounded product input[i] * vec2[j], as PyTorch computes it; NaN / inf propagate),
// PyTorch 1.13's dtype promotion (float32 x float64 -> float64, int64 x float32 -> float32, int64 x
// int64 -> int64), strided inputs, gradients (float64 central finite differences, the closed forms
// g @ vec2 and g^T @ input, one side requiring grad) and second derivatives (gradgradcheck), and
// PyTorch's errors as coded errors naming the argument (a 0-D or 2-D input or vec2, a non-tensor,
// an extra positional argument).
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { outer, ger } from '../../lib/ops/matmul';
import { describeDevices } from '../devices';
import { gradcheck, gradgradcheck } from '../gradcheck';
import { expectArgError, expectClose, randnT, thrown, toNumbers } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;
/** input[i] * vec2[j] in double precision, row-major (exact for float64 inputs: one rounding, as PyTorch's). */
function products(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (const x of a) for (const y of b) out.push(x * y);
  return out;
}

describeDevices('outer / ger', (device) => {
  const on = (t: Tensor): Tensor => t.to(device);
  const f64 = (d: number[]): Tensor => on(torch.tensor(d, { dtype: 'float64' }));

  test('values: [n] x [m] -> [n, m], each element input[i] * vec2[j]; ger is the same', () => {
    const a = [1.5, -2, 0, 3.25, 1e-300];
    const b = [2, -0.5, 7, 1e300];
    for (const f of [outer, ger]) {
      const y = f(f64(a), f64(b));
      expect(y.shape).toEqual([5, 4]);
      expect(y.dtype).toBe('float64');
      expect(toNumbers(y)).toEqual(products(a, b));
    }
    const ra = Array.from(randnT([7], 3).toArray() as Float64Array);
    const rb = Array.from(randnT([9], 4).toArray() as Float64Array);
    expect(toNumbers(outer(f64(ra), f64(rb)))).toEqual(products(ra, rb));
  });

  test('NaN and infinities propagate as in a product (inf * 0 is NaN)', () => {
    const y = outer(f64([Infinity, NaN, 2]), f64([0, 1, -Infinity]));
    expect(toNumbers(y)).toEqual([NaN, Infinity, -Infinity, NaN, NaN, NaN, 0, 2, -Infinity]);
  });

  test('empty vectors give [0, m] and [n, 0]', () => {
    expect(outer(f64([]), f64([1, 2])).shape).toEqual([0, 2]);
    expect(outer(f64([1, 2, 3]), f64([])).shape).toEqual([3, 0]);
  });

  test("dtypes promote as PyTorch 1.13's outer: float32 x float64 -> float64, int64 x float32 -> float32, int64 x int64 -> int64", () => {
    const rows: [DType, DType, DType][] = [
      ['float32', 'float32', 'float32'],
      ['float32', 'float64', 'float64'],
      ['int64', 'float32', 'float32'],
      ['int64', 'int64', 'int64'],
      ['int32', 'int32', 'int32'],
    ];
    for (const [da, db, dout] of rows) {
      const y = outer(on(torch.tensor([1, 2], { dtype: da })), on(torch.tensor([3, -1, 4], { dtype: db })));
      expect(y.dtype).toBe(dout);
      expect(toNumbers(y)).toEqual([3, -1, 4, 6, -2, 8]);
    }
  });

  test('strided inputs (a column of a matrix, a row of a transpose) read their own elements', () => {
    const m = f64([1, 2, 3, 4, 5, 6]).reshape([3, 2]);
    const col = m.select(1, 1); // [2, 4, 6], stride 2
    expect(col.isContiguous()).toBe(false);
    expect(toNumbers(outer(col, f64([1, 10])))).toEqual([2, 20, 4, 40, 6, 60]);
    expect(toNumbers(outer(f64([1, -1]), m.t().select(0, 0)))).toEqual([1, 3, 5, -1, -3, -5]);
  });

  test('gradients: float64 finite differences, both inputs and each alone', () => {
    gradcheck(([a, b]) => outer(a, b), [randnT([4], 1), randnT([5], 2)], { device });
    gradcheck(([a, b]) => ger(a, b), [randnT([1], 5), randnT([3], 6)], { device });
    // b a constant (not float64, so gradcheck passes it through as data)
    const c = on(torch.tensor([1, -2, 3], { dtype: 'int64' }));
    gradcheck(([a]) => outer(a, c), [randnT([4], 7)], { device });
  });

  test('gradients: the closed forms g @ vec2 and g^T @ input; a constant side gets none', () => {
    const a = f64([1, 2, 3]).requiresGrad_();
    const b = f64([0.5, -1]).requiresGrad_();
    const y = outer(a, b);
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn).not.toBeNull();
    const g = f64([1, 2, 3, 4, 5, 6]).reshape([3, 2]);
    y.backward(g);
    expectClose(a.grad!, [1 * 0.5 - 2, 3 * 0.5 - 4, 5 * 0.5 - 6]);
    expectClose(b.grad!, [1 + 2 * 3 + 3 * 5, 2 + 2 * 4 + 3 * 6]);
    const a2 = f64([1, 2]).requiresGrad_();
    const k = f64([3, 4, 5]);
    outer(a2, k).sum().backward();
    expectClose(a2.grad!, [12, 12]);
    expect(k.grad).toBeNull();
    expect(outer(f64([1]), f64([2])).requiresGrad).toBe(false);
  });

  test('second derivatives (gradgradcheck)', () => {
    gradgradcheck(([a, b]) => outer(a, b), [randnT([3], 8), randnT([4], 9)], { device });
  });

  describe('argument errors', () => {
    test('a 0-D or 2-D input or vec2: a shape error naming it (PyTorch: "Expected 1-D argument ...")', () => {
      const v = () => f64([1, 2]);
      const m = () => on(torch.ones([2, 2], { dtype: 'float64' }));
      const s = () => on(torch.tensor(1, { dtype: 'float64' }));
      for (const f of [outer, ger]) {
        for (const [x, y, name] of [[m, v, 'input'], [s, v, 'input'], [v, m, 'vec2'], [v, s, 'vec2'], [m, m, 'input']] as const) {
          const e = thrown(() => f(x(), y()));
          expect(e).toBeInstanceOf(torch.TorchletRangeError);
          expect(e.code).toBe('ERR_TORCHLET_SHAPE');
          expect(e.message).toMatch(new RegExp(`^torchlet: Expected a 1-D tensor .*for ${name} but received a float64 tensor of shape`));
        }
      }
    });
    test('a non-tensor input or vec2', () => {
      expectArgError(() => loose(outer)([1, 2], f64([1])), 'input');
      expectArgError(() => loose(ger)(f64([1]), 3), 'vec2');
      expect(thrown(() => loose(outer)(f64([1]), null)).code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    });
    test('an extra positional argument', () => {
      for (const [f, name] of [[outer, 'outer'], [ger, 'ger']] as const) {
        const e = thrown(() => loose(f)(f64([1]), f64([2]), f64([3])));
        expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
        expect(e.message).toMatch(new RegExp(`for ${name}\\(\\) but received "1 more"`));
      }
    });
  });
});
