// test/ops/isclose.test.ts — torch.isclose / torch.allclose (lib/ops/elementwise.ts) on every device:
// against PyTorch 1.13 (test/fixtures/isclose.json from gen_isclose_fixtures.py: float64 and float32
// with inf, -inf, NaN (equalNan off and on), -0.0, mixed magnitudes, values at the tolerance's edge,
// zero tolerances, rtol = inf, broadcasting and empty tensors; int64 / int32 / uint8 / bool inputs,
// compared exactly, then in float32 as PyTorch 1.13 does), the result's kind (bool, no graph, inputs
// untouched) and the argument errors (coded, naming the argument: unknown or snake_case option keys,
// negative or non-number tolerances, mixed dtypes, a number for other, unbroadcastable shapes, extra
// positional arguments).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { isclose, allclose } from '../../lib/ops/elementwise';
import type { IscloseOptions } from '../../lib/ops/elementwise';
import { describeDevices } from '../devices';
import { expectArgError, thrown, toNumbers } from '../helpers';

/** A fixture tensor: NaN and the infinities spelled as strings, int64 as decimal strings, bool as 0/1. */
interface FT {
  shape: number[];
  data: (number | string)[];
}
interface IscloseCase {
  name: string;
  dtype: DType;
  params: Record<string, number | boolean | string>;
  a: FT;
  b: FT;
  output: { shape: number[]; data: number[] };
  allclose: boolean;
  pytorchError?: string;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'isclose.json'), 'utf8')) as { torch: string; cases: IscloseCase[] };
const CASES: [string, IscloseCase][] = fixture.cases.map((c) => [c.name, c]);

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
/** A fixture tensor as a torchlet tensor of `dtype` (made on the CPU). */
function fromFT(t: FT, dtype: DType): Tensor {
  const shape = t.shape.slice();
  switch (dtype) {
    case 'float64':
      return torch.fromBuffer(Float64Array.from(t.data, num), shape);
    case 'float32':
      return torch.fromBuffer(Float32Array.from(t.data, num), shape);
    case 'int64':
      return torch.fromBuffer(BigInt64Array.from(t.data, (v) => BigInt(v as string)), shape);
    case 'int32':
      return torch.fromBuffer(Int32Array.from(t.data, num), shape);
    case 'uint8':
      return torch.fromBuffer(Uint8Array.from(t.data, num), shape);
    case 'bool':
      return torch.fromBuffer(Uint8Array.from(t.data, num), shape).to('bool');
    default:
      throw new Error(`unknown dtype ${dtype as string}`);
  }
}
/** The torchlet options of a case ('inf' as Infinity). */
function optsOf(c: IscloseCase): IscloseOptions {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.params)) o[k] = typeof v === 'string' ? num(v) : v;
  return o as IscloseOptions;
}
/** Calls with arguments the signatures refuse (the run-time checks under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

describe('isclose fixture', () => {
  test('is PyTorch 1.13 and covers the edge cases', () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const dtypes = new Set(fixture.cases.map((c) => c.dtype));
    for (const d of ['float64', 'float32', 'int64', 'int32', 'uint8', 'bool']) expect(dtypes).toContain(d);
    const names = CASES.map(([n]) => n);
    for (const n of ['inf_nan_float64', 'inf_nan_float64_equalNan', 'inf_nan_float32_equalNan', 'zero_tolerances', 'rtol_inf',
      'broadcast_3x1_4', 'broadcast_0d_5', 'broadcast_2x3x1_1x4', 'empty_broadcast_0x3_3', 'int64_zero_tol', 'int64_atol0.5',
      'uint8_atol2', 'bool_rtol1', 'random_perturbed_float32'])
      expect(names).toContain(n);
    // both answers occur: the comparisons are not all true (or all false)
    expect(fixture.cases.some((c) => c.allclose)).toBe(true);
    expect(fixture.cases.filter((c) => !c.allclose).length).toBeGreaterThan(30);
    // the one case where PyTorch 1.13 itself fails is documented (its reference: the expanded inputs)
    expect(fixture.cases.filter((c) => c.pytorchError).map((c) => c.name)).toEqual(['broadcast_3x1_4']);
  });
});

describeDevices('isclose / allclose', (device) => {
  const on = (t: Tensor): Tensor => t.to(device);

  test.each(CASES)('%s matches PyTorch', (_name, c) => {
    const a = on(fromFT(c.a, c.dtype));
    const b = on(fromFT(c.b, c.dtype));
    const opts = optsOf(c);
    const r = Object.keys(opts).length ? isclose(a, b, opts) : isclose(a, b);
    expect(r.dtype).toBe('bool');
    expect(r.device).toBe(a.device);
    expect(r.shape).toEqual(c.output.shape);
    expect(toNumbers(r)).toEqual(c.output.data);
    const all = Object.keys(opts).length ? allclose(a, b, opts) : allclose(a, b);
    expect(typeof all).toBe('boolean');
    expect(all).toBe(c.allclose);
  });

  test('the defaults are rtol 1e-5, atol 1e-8, equalNan false', () => {
    const a = on(torch.tensor([1 + 9e-6, 1 + 1.1e-5, 5e-9, 2e-8, NaN], { dtype: 'float64' }));
    const b = on(torch.tensor([1, 1, 0, 0, NaN], { dtype: 'float64' }));
    expect(toNumbers(isclose(a, b))).toEqual([1, 0, 1, 0, 0]);
    expect(toNumbers(isclose(a, b, {}))).toEqual([1, 0, 1, 0, 0]);
    expect(toNumbers(isclose(a, b, { rtol: undefined, atol: undefined, equalNan: undefined }))).toEqual([1, 0, 1, 0, 0]);
    expect(toNumbers(isclose(a, b, { rtol: 2e-5, atol: 1e-7, equalNan: true }))).toEqual([1, 1, 1, 1, 1]);
  });

  test('no graph and no change to the inputs, even when they require grad', () => {
    const a = on(torch.tensor([1, 2, NaN], { dtype: 'float64' })).requiresGrad_();
    const b = on(torch.tensor([1, 2.5, NaN], { dtype: 'float64' }));
    const r = isclose(a, b, { equalNan: true });
    expect(r.requiresGrad).toBe(false);
    expect(r.gradFn).toBeNull();
    expect(toNumbers(r)).toEqual([1, 0, 1]);
    expect(a.disposed || b.disposed).toBe(false);
    expect(toNumbers(a)).toEqual([1, 2, NaN]);
    expect(toNumbers(b)).toEqual([1, 2.5, NaN]);
    expect(allclose(a, a)).toBe(false); // NaN is not close to itself without equalNan
    expect(allclose(a, a, { equalNan: true })).toBe(true);
  });

  test('a transposed (strided) input gives the same answer as its contiguous copy', () => {
    const a = on(torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' }));
    const b = on(torch.tensor([[1, 4.0001], [2.5, 5], [3, 6]], { dtype: 'float32' }));
    expect(toNumbers(isclose(a.t(), b, { atol: 1e-3 }))).toEqual([1, 1, 0, 1, 1, 1]);
    expect(toNumbers(isclose(a.t().contiguous(), b, { atol: 1e-3 }))).toEqual([1, 1, 0, 1, 1, 1]);
  });

  describe('argument errors', () => {
    const a = () => on(torch.tensor([1, 2], { dtype: 'float32' }));
    test('an unknown option key names it; a snake_case key gets the camelCase hint', () => {
      for (const f of [isclose, allclose]) {
        const e = thrown(() => loose(f)(a(), a(), { equal_nan: true }));
        expect(e).toBeInstanceOf(torch.TorchletRangeError);
        expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
        expect(e.message).toMatch(/did you mean 'equalNan'.*for options\.equal_nan\b/);
        expectArgError(() => loose(f)(a(), a(), { rtol: 1e-3, tolerance: 1 }), 'options.tolerance');
        expectArgError(() => loose(f)(a(), a(), 5), 'options');
      }
    });
    test('input and other of different dtypes: a dtype error naming other (PyTorch does not promote)', () => {
      for (const [da, db] of [['float32', 'float64'], ['float64', 'float32'], ['int64', 'float32'], ['int32', 'int64'], ['bool', 'uint8']] as [DType, DType][]) {
        for (const f of [isclose, allclose]) {
          const e = thrown(() => f(on(torch.ones([2], { dtype: da })), on(torch.ones([2], { dtype: db }))));
          expect(e).toBeInstanceOf(torch.TorchletTypeError);
          expect(e.code).toBe('ERR_TORCHLET_DTYPE');
          expect(e.message).toMatch(new RegExp(`^torchlet: Expected a ${da} tensor .*for other but received a ${db} tensor`));
        }
      }
    });
    test('negative, NaN or non-number tolerances; a non-boolean equalNan', () => {
      for (const k of ['rtol', 'atol']) {
        for (const v of [-1, -1e-12, NaN, -Infinity]) {
          const e = thrown(() => isclose(a(), a(), { [k]: v }));
          expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
          expect(e.message).toMatch(new RegExp(`greater than or equal to zero for options\\.${k} `));
        }
        const e = thrown(() => loose(allclose)(a(), a(), { [k]: '0.1' }));
        expect(e).toBeInstanceOf(torch.TorchletTypeError);
        expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
        expectArgError(() => loose(isclose)(a(), a(), { [k]: null }), `options.${k}`);
      }
      const e = thrown(() => loose(isclose)(a(), a(), { equalNan: 1 }));
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/for options\.equalNan\b/);
    });
    test('a number or a non-tensor for input or other (PyTorch: other must be Tensor)', () => {
      for (const f of [isclose, allclose]) {
        const e = thrown(() => loose(f)(a(), 1));
        expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
        expect(e.message).toMatch(/for other\b/);
        expectArgError(() => loose(f)([1, 2], a()), 'input');
      }
    });
    test('shapes that do not broadcast: a shape error naming other', () => {
      const e = thrown(() => isclose(a(), on(torch.ones([3]))));
      expect(e.code).toBe('ERR_TORCHLET_SHAPE');
      expect(e.message).toMatch(/for other\b/);
      expect(thrown(() => allclose(on(torch.ones([2, 3])), on(torch.ones([2])))).code).toBe('ERR_TORCHLET_SHAPE');
    });
    test('an extra positional argument', () => {
      for (const [f, name] of [[isclose, 'isclose'], [allclose, 'allclose']] as const) {
        const e = thrown(() => loose(f)(a(), a(), {}, { atol: 1 }));
        expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
        expect(e.message).toMatch(new RegExp(`for ${name}\\(\\) but received "1 more"`));
      }
    });
  });
});
