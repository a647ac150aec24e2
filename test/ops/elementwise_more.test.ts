// test/ops/elementwise_more.test.ts — the elementwise functions of lib/ops/elementwise_more.ts
// (square, logit, hypot, frac, signbit, copysign, heaviside, xlogy, erfc, floatPower, deg2rad,
// rad2deg, sgn, positive, negative, fix, addcmul, addcdiv, x.addcmul_ / x.addcdiv_, lgamma and
// digamma), on every
// device: values, dtypes and gradients against PyTorch 1.13 (test/fixtures/elementwise_more.json
// from gen_stats_fixtures.py: -0.0, zeros of both signs, x = 0 in xlogy, erfc's tail, integer and
// bool inputs) in float64 and float32, float64 finite-difference gradchecks, the Tensor methods and
// the refusals (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { randnT, argErrorTests, ArgErrorRow, toNumbers, expectClose } from '../helpers';
import { fixtureOf, checkCase, Case } from './stats_fixture';
/** The torchlet call of a case (alternating between torch.x and the Tensor method). */
function apply(c: Case, ins: Record<string, Tensor>): Record<string, Tensor> {
  const p = c.params;
  const { x, y } = ins;
  switch (c.op) {
    case 'square':
      return { out: c.name === 'square' ? x.square() : torch.square(x) };
    case 'logit':
      return { out: p.eps === undefined ? torch.logit(x) : c.name === 'logit_eps0.1' ? x.logit(p.eps) : torch.logit(x, { eps: p.eps }) };
    case 'hypot':
      return { out: c.name === 'hypot' ? torch.hypot(x, y) : x.hypot(y) };
    case 'frac':
      return { out: x.frac() };
    case 'signbit':
      return { out: c.name === 'signbit' ? torch.signbit(x) : x.signbit() };
    case 'copysign':
      return { out: p.other !== undefined ? x.copysign(p.other) : torch.copysign(x, y) };
    case 'heaviside':
      return { out: torch.heaviside(x, ins.v) };
    case 'xlogy':
      if (p.other !== undefined) return { out: x.xlogy(p.other) };
      if (p.input !== undefined) return { out: torch.xlogy(p.input, y) };
      return { out: torch.xlogy(x, y) };
    case 'erfc':
      return { out: c.name === 'erfc' ? x.erfc() : torch.erfc(x) };
    case 'floatPower':
      return { out: p.exponent !== undefined ? x.floatPower(p.exponent) : torch.floatPower(x, y) };
    case 'deg2rad':
      return { out: torch.deg2rad(x) };
    case 'rad2deg':
      return { out: x.rad2deg() };
    case 'sgn':
      return { out: x.sgn() };
    case 'positive':
      return { out: torch.positive(x) };
    case 'negative':
      return { out: c.name === 'negative' ? x.negative() : torch.negative(x) };
    case 'fix':
      return { out: torch.fix(x) };
    case 'lgamma':
      return { out: c.name === 'lgamma' ? x.lgamma() : torch.lgamma(x) };
    case 'digamma':
      return { out: c.name === 'digamma' ? torch.digamma(x) : x.digamma() };
    case 'addcmul':
      return { out: p.value === undefined ? torch.addcmul(x, ins.t1, ins.t2) : x.addcmul(ins.t1, ins.t2, { value: p.value }) };
    case 'addcdiv':
      return { out: p.value === undefined ? x.addcdiv(ins.t1, ins.t2) : torch.addcdiv(x, ins.t1, ins.t2, { value: p.value }) };
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

const CASES = fixtureOf('elementwise_more');
const floatCase = (c: Case) => Object.values(c.inputs).some((t) => t.dtype === 'float64');

describeOp('elementwise_more', (run) => {
  const { on, dtypes } = run;
  const f64 = (data: number[]) => on(torch.tensor(data, { dtype: 'float64' }));

  describe('vs PyTorch', () => {
    test('the fixture has every op', () => {
      const ops = new Set(CASES.map((c) => c.op));
      for (const op of ['square', 'logit', 'hypot', 'frac', 'signbit', 'copysign', 'heaviside', 'xlogy', 'erfc', 'floatPower', 'deg2rad',
        'rad2deg', 'sgn', 'positive', 'negative', 'fix', 'addcmul', 'addcdiv', 'lgamma', 'digamma'])
        expect(ops).toContain(op);
    });
    dtypes(['float64', 'float32'] as const, (fdt) => {
      const rows = CASES.filter((c) => fdt === 'float64' || floatCase(c)).map((c) => [c.name, c] as [string, Case]);
      test.each(rows)('%s', (_n, c) => checkCase(c, fdt, on, apply));
    });
  });

  describe('semantics', () => {
    test('erfc is accurate in the tail (relative), where 1 - erf(x) is 0', () => {
      // erfc(10), erfc(26) from mpmath
      const y = toNumbers(torch.erfc(f64([10, 26])));
      expect(Math.abs(y[0] / 2.088487583762545e-45 - 1)).toBeLessThan(1e-12);
      expect(Math.abs(y[1] / 5.663192408856143e-296 - 1)).toBeLessThan(1e-11);
    });
    test('signbit of -0 is true', () => {
      expect(toNumbers(torch.signbit(f64([-0, 0])))).toEqual([1, 0]);
    });
    test('floatPower computes in float64', () => {
      expect(torch.floatPower(on(torch.tensor([2], { dtype: 'int32' })), 0.5).dtype).toBe('float64');
    });
    test('addcmul_ / addcdiv_ write into the tensor, with autograd', () => {
      const a = f64([1, 2, 3]);
      const t1 = f64([1, 1, 2]).requiresGrad_();
      const t2 = f64([2, 4, 8]);
      const r = a.addcmul_(t1, t2, { value: 0.5 });
      expect(r).toBe(a);
      expect(toNumbers(a)).toEqual([2, 4, 11]);
      a.addcdiv_(t1, t2);
      expectClose(a, [2.5, 4.25, 11.25]);
      a.sum().backward();
      expectClose(t1.grad!, [1 + 0.5, 2 + 0.25, 4 + 0.125]);
      const leaf = f64([1]).requiresGrad_();
      expect(() => leaf.addcmul_(f64([1]), f64([1]))).toThrow(torch.TorchletError);
    });
    test('lgamma\'s gradient is digamma, and digamma\'s is trigamma', () => {
      const x = f64([-2.5, 0.3, 1, 4.2, 30]).requiresGrad_();
      const [g] = torch.autograd.grad(torch.lgamma(x).sum(), x);
      expectClose(g!, torch.digamma(x.detach()), { atol: 1e-12, rtol: 1e-12 });
      const [h] = torch.autograd.grad(torch.digamma(x).sum(), x);
      // trigamma at these points: PyTorch 1.13's torch.polygamma(1, x) (itself accurate to about 1e-8)
      expectClose(h!, [9.53924664493752, 12.245364544940365, 1.6449340676383375, 0.2686649407587021, 0.03389506035774027], { atol: 1e-7, rtol: 1e-7 });
    });
    test('heaviside and signbit are not differentiable', () => {
      const x = f64([-1, 0, 2]).requiresGrad_();
      expect(torch.heaviside(x, f64([0.5, 0.5, 0.5])).requiresGrad).toBe(false);
      expect(torch.signbit(x).requiresGrad).toBe(false);
    });
  });

  describe('gradcheck (float64)', () => {
    const x = () => randnT([2, 3], 21);
    const p = () => torch.tensor([[0.1, 0.4, 0.6], [0.9, 0.3, 0.75]], { dtype: 'float64' });
    const cases: [string, (xs: Tensor[]) => Tensor, () => Tensor[]][] = [
      ['square', ([a]) => torch.square(a), () => [x()]],
      ['logit', ([a]) => torch.logit(a), () => [p()]],
      ['logit eps', ([a]) => torch.logit(a, 0.2), () => [p()]],
      ['hypot', ([a, b]) => torch.hypot(a, b), () => [x(), randnT([3], 22)]],
      ['frac', ([a]) => torch.frac(a.mul(3)), () => [x()]],
      ['copysign', ([a]) => torch.copysign(a, -1), () => [x()]],
      ['xlogy', ([a, b]) => torch.xlogy(a, b), () => [x(), p()]],
      ['erfc', ([a]) => torch.erfc(a.mul(2)), () => [x()]],
      ['floatPower', ([a, b]) => torch.floatPower(a, b), () => [p(), x()]],
      ['deg2rad / rad2deg', ([a]) => torch.rad2deg(torch.deg2rad(a).mul(2)), () => [x()]],
      ['negative', ([a]) => torch.negative(a), () => [x()]],
      ['lgamma', ([a]) => torch.lgamma(a.mul(3)), () => [x()]],
      ['digamma', ([a]) => torch.digamma(a.mul(3)), () => [x()]],
      ['addcmul', ([a, b, c]) => torch.addcmul(a, b, c, { value: 0.7 }), () => [x(), randnT([3], 23), randnT([2, 1], 24)]],
      ['addcdiv', ([a, b, c]) => torch.addcdiv(a, b, c, { value: -2 }), () => [x(), randnT([3], 23), p()]],
    ];
    test.each(cases)('%s', (_n, f, inputs) => gradcheck(f, inputs(), { device: run.device, atol: 1e-5, rtol: 1e-4 }));
  });

  describe('bad arguments', () => {
    const x = () => on(torch.zeros([2, 3], { dtype: 'float64' }));
    const i = () => on(torch.tensor([0, 1], { dtype: 'int64' }));
    const b = () => on(torch.tensor([true, false]));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const loose = (f: unknown) => f as (...a: any[]) => unknown;
    const rows: ArgErrorRow[] = [
      ['logit: eps not a number', () => loose(torch.logit)(x(), 'small'), 'eps'],
      ['logit: unknown option', () => loose(torch.logit)(x(), { epsilon: 0.1 }), 'opts.epsilon'],
      ['hypot: integer input', () => torch.hypot(i(), i()), 'input'],
      ['hypot: shapes do not broadcast', () => torch.hypot(x(), on(torch.zeros([4], { dtype: 'float64' }))), 'other'],
      ['frac: integer input', () => torch.frac(i()), 'input'],
      ['heaviside: dtypes differ', () => torch.heaviside(x(), on(torch.zeros([1]))), 'values'],
      ['xlogy: two numbers', () => loose(torch.xlogy)(1, 2), 'input'],
      ['copysign: other not a tensor', () => loose(torch.copysign)(x(), 'neg'), 'other'],
      ['positive: bool', () => torch.positive(b()), 'input'],
      ['negative: bool', () => torch.negative(b()), 'input'],
      ['addcmul: value not a number', () => loose(torch.addcmul)(x(), x(), x(), { value: '2' }), 'opts.value'],
      ['addcmul: unknown option', () => loose(torch.addcmul)(x(), x(), x(), { scale: 2 }), 'opts.scale'],
      ['addcmul: fractional value with integers', () => torch.addcmul(i(), i(), i(), { value: 0.5 }), 'opts.value'],
      ['addcdiv: integer tensor1 and tensor2', () => torch.addcdiv(x().narrow(1, 0, 2), i(), i()), 'tensor2'],
      ['addcmul_: result does not fit self', () => on(torch.zeros([2], { dtype: 'float64' })).addcmul_(x(), x()), 'other'],
      ['erfc: input not a tensor', () => loose(torch.erfc)([1, 2]), 'input'],
    ];
    argErrorTests(rows);
  });
});
