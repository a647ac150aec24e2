// test/ops/promotion.test.ts — binary ops between tensors of every dtype, numbers and zero-dim tensors
// against PyTorch 1.13 (test/fixtures/promotion.json, 900 random cases from gen_promotion_fixtures.py):
// the result's dtype (PyTorch's result_type: a zero-dim tensor or a number counts only when its
// category, bool < integer < floating, is above the other operand's; bool + 3 is int64, int32 +
// tensor(5) int32, int32 + 2.5 float32), its values (integer pow exact with wrap-around, a negative
// power of an integer 0 except for +-1; div with roundingMode 'trunc' / 'floor' and floorDivide, as
// Python's // for floats), or a refusal where PyTorch refuses (subtraction with a bool tensor, a
// negative integer power of an integer tensor, an integer division by zero, rounding division of bools).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';

interface Operand {
  t?: (number | boolean)[];
  dtype?: DType;
  s?: number;
}
interface Case {
  op: string;
  a: Operand;
  b: Operand;
  out: { dtype?: DType; data?: (number | boolean | string)[]; error?: string };
}
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'promotion.json'), 'utf8')) as { cases: Case[] };
const number = (v: number | boolean | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

function run(op: string, A: Tensor, B: Tensor | number, on: (t: Tensor) => Tensor): Tensor {
  const T = (x: Tensor | number) => (typeof x === 'number' ? on(torch.tensor(x)) : x); // ops taking tensors only: a zero-dim one
  switch (op) {
    case 'add': return torch.add(A, B);
    case 'sub': return torch.sub(A, B);
    case 'mul': return torch.mul(A, B);
    case 'div': return torch.div(A, B);
    case 'div_floor': return torch.div(A, B, { roundingMode: 'floor' });
    case 'div_trunc': return torch.div(A, B, { roundingMode: 'trunc' });
    case 'remainder': return torch.remainder(A, B);
    case 'fmod': return torch.fmod(A, B);
    case 'pow': return torch.pow(A, B);
    case 'maximum': return torch.maximum(A, T(B));
    case 'minimum': return torch.minimum(A, T(B));
    case 'eq': return torch.eq(A, B);
    case 'lt': return torch.lt(A, B);
    case 'floor_divide': return torch.floorDivide(A, B);
    case 'atan2': return torch.atan2(A, T(B));
    default: throw new Error(`unknown op ${op}`);
  }
}

describeOp('binary', ({ device, on }) => {
  test(`result dtypes, values and refusals as PyTorch's (${FX.cases.length} cases)`, () => {
    expect(FX.cases.length).toBe(900);
    const wrong: string[] = [];
    for (const c of FX.cases) {
      const A = on(torch.tensor(c.a.t!, { dtype: c.a.dtype })).view([2, 3]);
      const B = c.b.t !== undefined ? on(torch.tensor(c.b.t, { dtype: c.b.dtype })) : c.b.s!;
      const what = `${c.op}(${c.a.dtype}, ${c.b.dtype ?? c.b.s})`;
      let r: Tensor;
      try {
        r = run(c.op, A, B, on);
      } catch (e) {
        if (!c.out.error) wrong.push(`${what}: torchlet refused it (${(e as Error).message}); PyTorch gave ${c.out.dtype}`);
        continue;
      }
      if (c.out.error) {
        wrong.push(`${what}: torchlet gave ${r.dtype}; PyTorch refused it: ${c.out.error}`);
        continue;
      }
      expect(r.device).toBe(device === 'cpu' ? 'cpu' : r.device);
      const got = Array.from(r.toArray() as ArrayLike<number | bigint | boolean>, (v) => Number(v));
      const want = c.out.data!.map(number);
      const same = got.every((g, i) => (Number.isNaN(want[i]) ? Number.isNaN(g) : g === want[i] || Math.abs(g - want[i]) <= 1e-6 * (1 + Math.abs(want[i]))));
      if (r.dtype !== c.out.dtype || !same) wrong.push(`${what}: ${r.dtype} [${got}] vs PyTorch's ${c.out.dtype} [${want}]`);
    }
    expect(wrong).toEqual([]);
  });

  test('integer pow is exact and wraps around as the integer type; rounded division of large int64 values is exact', () => {
    const p = torch.pow(on(torch.tensor([2, 3, -3], { dtype: 'int64' })), on(torch.tensor([62, 40, 3], { dtype: 'int64' })));
    // 2^62; 3^40 mod 2^64 as a signed value; -27 (values PyTorch 1.13 gives)
    expect(Array.from(p.toArray() as BigInt64Array)).toEqual([4611686018427387904n, -6289078614652622815n, -27n]);
    const big = on(torch.fromBuffer(BigInt64Array.from([9007199254740993n, -9007199254740993n]), [2], { dtype: 'int64' })); // 2^53 + 1: not a float64
    expect(Array.from(torch.div(big, 2, { roundingMode: 'floor' }).toArray() as BigInt64Array)).toEqual([4503599627370496n, -4503599627370497n]);
    expect(Array.from(torch.div(big, 2, { roundingMode: 'trunc' }).toArray() as BigInt64Array)).toEqual([4503599627370496n, -4503599627370496n]);
  });
});

test("negation of a bool tensor is refused as PyTorch refuses it (it gave a 'bool' tensor holding 255)", () => {
  const b = torch.tensor([true, false]);
  expect(() => b.neg()).toThrow(/bool/);
  expect(Array.from(b.logicalNot().toArray() as Uint8Array)).toEqual([0, 1]);
});

test('div roundingMode: argument errors name the option; the rounded quotient of floats has a zero gradient, as PyTorch', () => {
  const x = torch.tensor([1.5, -2.5], { requiresGrad: true });
  expect(() => torch.div(x, 2, { roundingMode: 'round' as never })).toThrow(/opts\.roundingMode/);
  expect(() => torch.div(x, 2, { roundingmode: 'floor' } as never)).toThrow(/roundingmode/);
  torch.div(x, 2, { roundingMode: 'floor' }).sum().backward();
  expect(Array.from(x.grad!.toArray() as Float32Array)).toEqual([0, 0]);
  expect(Array.from(x.detach().floorDivide(2).toArray() as Float32Array)).toEqual([0, -2]);
  expect(Array.from(x.detach().div(2, { roundingMode: 'trunc' }).toArray() as Float32Array)).toEqual([0, -1]);
});
