// test/ops/pow_base.test.ts — torch.pow(number, exponent) (lib/ops/elementwise.ts powNumberBase) on
// every device against PyTorch 1.13 (test/fixtures/pow_base.json from gen_pow_base_fixtures.py): values,
// result dtypes and the exponent's gradient for integer, fractional, negative and zero bases over
// int64 / float32 / float64 exponents with NaN and infinities; a float64 finite-difference gradient;
// the refusals. A JS number does not tell 2.0 from 2: an integer-valued float base with an int64
// exponent gives int64 here where PyTorch gives float32 (same values); that is the one difference.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { DType } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError } from '../helpers';
import { gradcheck } from '../gradcheck';

interface Case {
  base: number;
  intBase: boolean;
  dtype: DType;
  exponent: string[];
  outDtype: DType;
  out: string[];
  grad: string[] | null;
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'pow_base.json'), 'utf8')) as { cases: Case[] };
const num = (s: string) => (s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

function expectValues(got: ArrayLike<number | bigint>, want: string[], f32: boolean) {
  want.forEach((w, i) => {
    const v = Number(got[i]);
    const e = num(w);
    if (Number.isNaN(e)) expect(v).toBeNaN();
    else if (!Number.isFinite(e)) expect(v).toBe(e);
    else expect(Math.abs(v - e)).toBeLessThanOrEqual((f32 ? 2e-6 : 1e-12) * Math.max(1, Math.abs(e)));
  });
}

describeDevices('torch.pow(number, tensor)', (device) => {
  for (const c of FIX.cases)
    it(`${c.base} ** ${c.dtype}`, () => {
      const e = torch.tensor(c.exponent.map(num), { dtype: c.dtype, device });
      if (c.grad) e.requiresGrad_(true);
      const out = torch.pow(c.base, e);
      const intValuedFloat = !c.intBase && Number.isInteger(c.base) && c.dtype === 'int64';
      expect(out.dtype).toBe(intValuedFloat ? 'int64' : c.outDtype);
      expect(out.shape).toEqual([c.exponent.length]);
      expectValues(out.toArray() as ArrayLike<number>, c.out, out.dtype === 'float32');
      if (!c.grad) return;
      out.mul(torch.arange(1, out.numel() + 1, 1, { dtype: out.dtype, device })).sum().backward();
      expectValues(e.grad!.toArray() as Float32Array, c.grad, c.dtype === 'float32');
    });
  it('finite-difference gradient in float64', () => {
    const e = torch.tensor([0.3, -1.2, 2.5], { dtype: 'float64', device }).requiresGrad_(true);
    gradcheck(([x]) => torch.pow(1.7, x), [e], { device });
  });
  it('refuses a non-tensor exponent', () => {
    expectArgError(() => torch.pow(2, 3 as unknown as torch.Tensor), 'exponent');
  });
});
