// test/ops/special.test.ts — torch.special and the elementwise functions of lib/ops/special.ts
// (entr, erfcx, ndtr, ndtri, logNdtr, i0, i0e, i1, i1e, sinc, xlog1py, polygamma, mvlgamma /
// multigammaln, zeta, gammainc / gammaincc (igamma / igammac), logaddexp, logaddexp2, ldexp, frexp, gcd,
// lcm, trapezoid / trapz, cumulativeTrapezoid) and the aliases of the torch.special namespace, on
// every device: values, result dtypes and gradients against PyTorch 1.13 (test/fixtures/special.json
// from gen_special_fixtures.py: wide ranges with the tails, poles, +-0, infinities, NaN and integer
// inputs) in float64 and (where float32 holds the values) float32, float64 finite-difference
// gradchecks, the gradients PyTorch refuses, the Tensor methods and the refusals (coded errors
// naming the argument).
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, ArgErrorRow, toNumbers, expectClose, loadFixture, maxAbs, thrown } from '../helpers';
import { tensorOf, expectFinite } from './stats_fixture';

interface FT {
  shape: number[];
  dtype: DType;
  data: (number | string)[];
}
interface SCase {
  name: string;
  op: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: Record<string, any>;
  f32: boolean;
  inputs: Record<string, FT>;
  outputs: { out: FT };
  gradOutputs?: { out: FT };
  grads?: Record<string, FT>;
}
const CASES = loadFixture('special').cases as unknown as SCase[];
const S = torch.special;
const numbers = (t: FT): number[] => t.data.map((v) => (typeof v === 'string' ? Number(v) : v));

/** The torchlet call of a case: torch.x, torch.special.x and the Tensor method in turn (by the case's index). */
function apply(c: SCase, ins: Record<string, Tensor>, k: number): Tensor {
  const p = c.params;
  const { x, y } = ins;
  const v = k % 3;
  switch (c.op) {
    case 'entr':
      return S.entr(x);
    case 'erfcx':
      return S.erfcx(x);
    case 'ndtr':
      return S.ndtr(x);
    case 'ndtri':
      return S.ndtri(x);
    case 'logNdtr':
      return S.logNdtr(x);
    case 'i0':
      return v === 0 ? torch.i0(x) : v === 1 ? S.i0(x) : x.i0();
    case 'i0e':
      return S.i0e(x);
    case 'i1':
      return S.i1(x);
    case 'i1e':
      return S.i1e(x);
    case 'sinc':
      return v === 0 ? torch.sinc(x) : v === 1 ? S.sinc(x) : x.sinc();
    case 'polygamma':
      return v === 0 ? torch.polygamma(p.n, x) : v === 1 ? S.polygamma(p.n, x) : x.polygamma(p.n);
    case 'mvlgamma':
      return v === 0 ? torch.mvlgamma(x, p.p) : v === 1 ? S.multigammaln(x, p.p) : x.mvlgamma({ p: p.p });
    case 'zeta':
      return S.zeta(x ?? p.x, ins.q ?? p.q);
    case 'xlog1py':
      return S.xlog1py(x ?? p.x, y ?? p.y);
    case 'logaddexp':
      return v === 1 ? x.logaddexp(y) : torch.logaddexp(x, y);
    case 'logaddexp2':
      return v === 1 ? x.logaddexp2(y) : torch.logaddexp2(x, y);
    case 'ldexp':
      return v === 1 ? x.ldexp(y) : torch.ldexp(x, y);
    case 'gammainc':
      return v === 0 ? S.gammainc(ins.a, x) : v === 1 ? torch.igamma(ins.a, x) : ins.a.igamma(x);
    case 'gammaincc':
      return v === 0 ? S.gammaincc(ins.a, x) : v === 1 ? torch.igammac(ins.a, x) : ins.a.igammac(x);
    case 'frexp':
      return v === 1 ? x.frexp().mantissa : torch.frexp(x)[0];
    case 'frexpExponent': {
      const { exponent } = v === 1 ? x.frexp() : torch.frexp(x);
      return exponent;
    }
    case 'gcd':
      return v === 1 ? x.gcd(y) : torch.gcd(x, y);
    case 'lcm':
      return v === 1 ? x.lcm(y) : torch.lcm(x, y);
    case 'trapezoid':
      return x ? torch.trapezoid(ins.y, x, p) : torch.trapezoid(ins.y, p);
    case 'trapz':
      return torch.trapz(ins.y, x);
    case 'cumulativeTrapezoid':
      return x ? torch.cumulativeTrapezoid(ins.y, x, p) : Object.keys(p).length ? torch.cumulativeTrapezoid(ins.y, p) : torch.cumulativeTrapezoid(ins.y);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

/** Tolerances against PyTorch's float64 values: [rtol, atol] per op (float64), float32 from its rounding. */
const TOL64: Record<string, [number, number]> = {
  default: [1e-12, 1e-15],
  erfcx: [1e-11, 1e-300], // another algorithm than PyTorch's Faddeeva package
  logNdtr: [1e-11, 1e-300],
  gammainc: [1e-10, 1e-14], // series and continued fraction (PyTorch: also the uniform asymptotic expansion)
  gammaincc: [1e-10, 1e-14],
  trapezoid: [1e-12, 1e-12],
  cumulativeTrapezoid: [1e-12, 1e-12],
  trapz: [1e-12, 1e-12],
};
/** Cases whose PyTorch values are less accurate than ours: [rtol, atol] (float64). */
const TOL64_CASE: Record<string, [number, number]> = {
  // PyTorch's uniform asymptotic expansion: P(1000, 1000) = 0.5042052441217048 (mpmath 0.50420524418021551,
  // ours 5e-13 off), P(1000, 900) = 0.000549902265429622 (mpmath 0.00054990226571178292, ours 6e-13 off)
  gammainc_edges: [1e-9, 1e-14],
  gammaincc_edges: [1e-9, 1e-14],
  // the gradient of polygamma(0) = digamma: PyTorch's trigamma series is good to ~1e-9, ours (the derivative of digamma) to 1e-15
  polygamma0: [1e-9, 1e-12],
  // sin(pi x) / (pi x) near 100.5: PyTorch's gradient formula rounds differently from the quotient rule
  sinc: [1e-9, 1e-14],
};
function tolOf(c: SCase, fdt: 'float32' | 'float64', grad: boolean): { rtol: number; atol: number } {
  const [r, a] = TOL64_CASE[c.name] ?? TOL64[c.op] ?? TOL64.default;
  if (fdt === 'float64') return grad ? { rtol: r * 10, atol: a * 10 } : { rtol: r, atol: a };
  return { rtol: 2e-5, atol: 1e-6 };
}

/** Compares the output (value and dtype), then back-propagates the fixture's upstream gradient and compares the grads. */
function checkCase(c: SCase, fdt: 'float32' | 'float64', on: (t: Tensor) => Tensor, k: number): void {
  const ins: Record<string, Tensor> = {};
  for (const [n, t] of Object.entries(c.inputs)) {
    ins[n] = on(tensorOf(t, fdt));
    if (c.grads && n in c.grads) ins[n].requiresGrad_();
  }
  const y = apply(c, ins, k);
  const e = c.outputs.out;
  const floatIn = Object.values(c.inputs).some((t) => t.dtype === 'float64');
  expect(y.dtype).toBe(e.dtype === 'float64' && floatIn ? fdt : e.dtype);
  const label = `${c.name} [${fdt}]`;
  if (e.dtype === 'float64' || e.dtype === 'float32') expectFinite(y, numbers(e), e.shape, { ...tolOf(c, fdt, false), label });
  else expect(toNumbers(y)).toEqual(numbers(e));
  if (!c.gradOutputs) return;
  y.backward(on(tensorOf(c.gradOutputs.out, fdt)));
  for (const [n, g] of Object.entries(c.grads ?? {})) {
    const grad = ins[n].grad;
    if (!grad) throw new Error(`${label}: ${n}.grad is null after backward()`);
    const exp = numbers(g);
    const tol = tolOf(c, fdt, true);
    // float32: the error of a gradient scales with its largest magnitude (sums of products)
    const scale = fdt === 'float32' ? Math.max(1, maxAbs(exp.filter(Number.isFinite))) : 1;
    expectFinite(grad, exp, g.shape, { rtol: tol.rtol, atol: tol.atol * scale, label: `${label} grad ${n}` });
  }
}

describeOp('special', (run) => {
  const { on, dtypes } = run;
  const f64 = (data: number[]) => on(torch.tensor(data, { dtype: 'float64' }));

  describe('vs PyTorch', () => {
    test('the fixture covers every function, with the tails and the edges', () => {
      const ops = new Set(CASES.map((c) => c.op));
      for (const op of ['entr', 'erfcx', 'ndtr', 'ndtri', 'logNdtr', 'i0', 'i0e', 'i1', 'i1e', 'sinc', 'polygamma', 'mvlgamma', 'zeta', 'xlog1py',
        'logaddexp', 'logaddexp2', 'ldexp', 'frexp', 'frexpExponent', 'gammainc', 'gammaincc', 'gcd', 'lcm', 'trapezoid', 'trapz', 'cumulativeTrapezoid'])
        expect(ops).toContain(op);
      const names = CASES.map((c) => c.name);
      for (const n of ['ndtri', 'logNdtr_tail', 'erfcx', 'i0e_edges', 'zeta_edges', 'gammainc_edges', 'polygamma5_edges']) expect(names).toContain(n);
      expect(CASES.length).toBeGreaterThanOrEqual(80);
    });
    dtypes(['float64', 'float32'] as const, (fdt) => {
      const rows = CASES.map((c, k) => [c.name, c, k] as [string, SCase, number]).filter(([, c]) => fdt === 'float64' || c.f32);
      test.each(rows)('%s', (_n, c, k) => checkCase(c, fdt, on, k));
    });
  });

  describe('semantics', () => {
    test('torch.special: each name is the function or its alias', () => {
      const x = f64([-1.5, 0.2, 0.7, 3]);
      const same = (a: Tensor, b: Tensor) => expect(toNumbers(a)).toEqual(toNumbers(b));
      same(S.expit(x), torch.sigmoid(x));
      same(S.gammaln(x), torch.lgamma(x));
      same(S.psi(x), torch.digamma(x));
      same(S.digamma(x), torch.digamma(x));
      same(S.multigammaln(x.add(3), 2), torch.mvlgamma(x.add(3), 2));
      same(S.erf(x), torch.erf(x));
      same(S.erfc(x), torch.erfc(x));
      same(S.erfinv(x.mul(0.2)), torch.erfinv(x.mul(0.2)));
      same(S.exp2(x), torch.exp2(x));
      same(S.expm1(x), torch.expm1(x));
      same(S.log1p(x.abs()), torch.log1p(x.abs()));
      same(S.round(x), torch.round(x));
      same(S.logit(x.sigmoid()), torch.logit(x.sigmoid()));
      same(S.xlogy(x, x.abs()), torch.xlogy(x, x.abs()));
      same(S.logsumexp(x, 0), torch.logsumexp(x, 0));
      same(S.softmax(x, 0), torch.softmax(x, 0));
      same(S.logSoftmax(x, 0), torch.logSoftmax(x, 0));
      same(S.i0(x), torch.i0(x));
      same(S.polygamma(2, x), torch.polygamma(2, x));
    });
    test('integer and bool inputs give float32, as PyTorch', () => {
      const i = on(torch.tensor([1, 2, 3], { dtype: 'int64' }));
      for (const f of [S.entr, S.erfcx, S.ndtr, S.ndtri, S.logNdtr, S.i0, S.i0e, S.i1, S.i1e, S.sinc]) expect(f(i).dtype).toBe('float32');
      expect(torch.polygamma(1, i).dtype).toBe('float32');
      expect(torch.mvlgamma(i, 2).dtype).toBe('float32');
      expect(S.zeta(i, i).dtype).toBe('float32');
      expect(S.xlog1py(i, i).dtype).toBe('float32');
      expect(torch.ldexp(on(torch.tensor([true, false])), on(torch.tensor([true, true]))).dtype).toBe('float32');
      // PyTorch: polygamma(1, [1, 2, 3]) = pi^2/6, pi^2/6 - 1, pi^2/6 - 5/4
      expectClose(torch.polygamma(1, i), [1.644934058189392, 0.6449340581893921, 0.3949340581893921], { rtol: 1e-6 });
    });
    test('the tails keep their relative accuracy', () => {
      // mpmath (50 digits): log(ncdf(-40)), the root of ncdf(t) = 1e-300, exp(1e30) erfc(1e15), besseli(0, 1e300) exp(-1e300), P(1000, 1000)
      const r = (t: Tensor, v: number) => expect(Math.abs(toNumbers(t)[0] / v - 1)).toBeLessThan(1e-12);
      r(S.logNdtr(f64([-40])), -804.6084420137538);
      r(S.ndtri(f64([1e-300])), -37.047096299361199);
      r(S.erfcx(f64([1e15])), 5.641895835477563e-16);
      r(S.i0e(f64([1e300])), 3.9894228040143268e-151);
      r(S.gammainc(f64([1000]), f64([1000])), 0.50420524418021551);
    });
    test('gammainc + gammaincc = 1 and their derivatives are the gamma density', () => {
      const a = f64([0.3, 1, 4.5, 20, 60]);
      const x = f64([0.2, 1.5, 3, 25, 58]).requiresGrad_();
      expectClose(S.gammainc(a, x).add(S.gammaincc(a, x)), [1, 1, 1, 1, 1], { atol: 1e-14 });
      const [g] = torch.autograd.grad(S.gammainc(a, x).sum(), x);
      const dens = toNumbers(a).map((ai, k) => {
        const xi = toNumbers(x.detach())[k];
        return Math.exp((ai - 1) * Math.log(xi) - xi - toNumbers(torch.lgamma(f64([ai])))[0]);
      });
      expectClose(g!, dens, { rtol: 1e-12 });
      const [h] = torch.autograd.grad(S.gammaincc(a, x).sum(), x);
      expectClose(h!, dens.map((d) => -d), { rtol: 1e-12 });
    });
    test('the gradients PyTorch does not define are refused when needed', () => {
      const x = f64([2, 3]).requiresGrad_();
      const q = f64([1, 2]).requiresGrad_();
      const e = thrown(() => S.zeta(x, q).sum().backward());
      expect(e.code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(e.message).toMatch(/zeta/);
      const a = f64([2, 3]).requiresGrad_();
      expect(thrown(() => S.gammainc(a, f64([1, 2])).sum().backward()).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(thrown(() => S.gammaincc(a, f64([1, 2])).sum().backward()).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      // their gradient to the other argument is there
      const q2 = f64([1, 2]).requiresGrad_();
      S.zeta(f64([2, 3]), q2).sum().backward();
      expectClose(q2.grad!, [-2 * 1.2020569031595942, -3 * (1.0823232337111381 - 1)], { rtol: 1e-12 });
    });
    test('second derivatives through the special nodes are refused, never wrong', () => {
      const x = f64([0.3, 1.2]).requiresGrad_();
      const [g] = torch.autograd.grad(S.erfcx(x).sum(), x, { createGraph: true });
      expect(thrown(() => g!.sum().backward()).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      const [h] = torch.autograd.grad(torch.polygamma(2, x).sum(), x, { createGraph: true });
      expect(thrown(() => torch.autograd.grad(h!.sum(), x)).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    });
    test('gcd and lcm keep the integer dtype; logaddexp does not overflow', () => {
      const a = on(torch.tensor([12, -18], { dtype: 'int32' }));
      expect(torch.gcd(a, on(torch.tensor([8, 12], { dtype: 'int32' }))).dtype).toBe('int32');
      expect(toNumbers(torch.logaddexp(f64([1000, -1000]), f64([1000, -1000])))).toEqual([1000 + Math.LN2, -1000 + Math.LN2]);
    });
    test('trapezoid: x or dx, an empty dimension gives zeros, and the spellings', () => {
      const y = f64([1, 2, 3, 4]);
      expectClose(torch.trapezoid(y), [7.5]);
      expectClose(torch.trapezoid(y, { dx: 2 }), [15]);
      expectClose(torch.trapezoid(y, f64([0, 1, 3, 6])), [1.5 + 5 + 10.5]);
      const z = torch.trapezoid(on(torch.zeros([2, 0], { dtype: 'int64' })));
      expect(z.shape).toEqual([2]);
      expect(z.dtype).toBe('int64');
      const c = torch.cumulativeTrapezoid(on(torch.ones([3, 1])));
      expect(c.shape).toEqual([3, 0]);
    });
  });

  describe('gradcheck (float64)', () => {
    const t = (d: number[]) => torch.tensor(d, { dtype: 'float64' });
    const cases: [string, (xs: Tensor[]) => Tensor, () => Tensor[]][] = [
      ['logaddexp', ([a, b]) => torch.logaddexp(a, b), () => [t([-1, 0.5, 3]), t([0.2, 0.5, -4])]],
      ['logaddexp2', ([a, b]) => torch.logaddexp2(a, b), () => [t([-1, 0.5, 3]), t([0.2, 0.7, -4])]],
      ['sinc', ([a]) => torch.sinc(a), () => [t([-1.3, 0.2, 0.9, 2.5])]],
      ['xlog1py', ([a, b]) => S.xlog1py(a, b), () => [t([-1.3, 0.2, 2.5]), t([0.3, -0.5, 4])]],
      ['ldexp', ([a, b]) => torch.ldexp(a, b), () => [t([-1.3, 0.2, 2.5]), t([0.3, -0.5, 2])]],
      ['entr', ([a]) => S.entr(a), () => [t([0.1, 0.5, 2])]],
      ['frexp (mantissa)', ([a]) => torch.frexp(a).mantissa, () => [t([-3.3, 0.7, 5])]],
      ['erfcx', ([a]) => S.erfcx(a), () => [t([-1.5, 1.99, 2.01, 6])]],
      ['ndtr', ([a]) => S.ndtr(a), () => [t([-3, 2])]],
      ['ndtri', ([a]) => S.ndtri(a), () => [t([1e-3, 0.5, 0.95])]],
      ['logNdtr', ([a]) => S.logNdtr(a), () => [t([-20, -0.8, 3])]],
      ['i0', ([a]) => torch.i0(a), () => [t([-9, 0.5, 8.5])]],
      ['i0e', ([a]) => S.i0e(a), () => [t([-9, 0.5, 8.5])]],
      ['i1', ([a]) => S.i1(a), () => [t([-9, 0.5, 8.5])]],
      ['i1e', ([a]) => S.i1e(a), () => [t([-9, 0.5, 8.5])]],
      ['polygamma 1', ([a]) => torch.polygamma(1, a), () => [t([-1.5, 0.3, 12])]],
      ['polygamma 3', ([a]) => torch.polygamma(3, a), () => [t([-1.5, 0.3, 12])]],
      ['mvlgamma', ([a]) => torch.mvlgamma(a, 3), () => [t([1.3, 2.5, 7])]],
      ['zeta (q)', ([q]) => S.zeta(3, q), () => [t([0.3, 2.5, 12])]],
      ['gammainc (x)', ([x]) => S.gammainc(t([0.5, 3, 20]).to(x.device), x), () => [t([0.4, 4.5, 18])]],
      ['gammaincc (x)', ([x]) => S.gammaincc(t([0.5, 3, 20]).to(x.device), x), () => [t([0.4, 4.5, 18])]],
      ['trapezoid', ([y, x]) => torch.trapezoid(y, x, { dim: 0 }), () => [t([1, 2, 3, 4, 5, 6]).reshape([3, 2]), t([0, 0.5, 2])]],
      ['cumulativeTrapezoid', ([y, x]) => torch.cumulativeTrapezoid(y, x), () => [t([1, 2, 3, 4, 5, 6]).reshape([2, 3]), t([0, 0.5, 2])]],
    ];
    test.each(cases)('%s', (_n, f, inputs) => gradcheck(f, inputs(), { device: run.device, atol: 1e-6, rtol: 1e-5 }));
  });

  describe('bad arguments', () => {
    const x = () => on(torch.zeros([2, 3], { dtype: 'float64' }));
    const i = () => on(torch.tensor([1, 2], { dtype: 'int64' }));
    const b = () => on(torch.tensor([true, false]));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const loose = (f: unknown) => f as (...a: any[]) => unknown;
    const rows: ArgErrorRow[] = [
      ['polygamma: negative n', () => torch.polygamma(-1, x()), 'n'],
      ['polygamma: fractional n', () => torch.polygamma(1.5, x()), 'n'],
      ['polygamma: input not a tensor', () => loose(torch.polygamma)(1, [1, 2]), 'input'],
      ['mvlgamma: p < 1', () => torch.mvlgamma(x(), 0), 'p'],
      ['mvlgamma: fractional p', () => torch.mvlgamma(x(), 2.5), 'p'],
      ['mvlgamma: bool input', () => torch.mvlgamma(b(), 2), 'input'],
      ['mvlgamma: unknown option', () => loose(torch.mvlgamma)(x(), { q: 2 }), 'opts.q'],
      ['logaddexp: integer inputs', () => torch.logaddexp(i(), i()), 'input'],
      ['logaddexp2: shapes do not broadcast', () => torch.logaddexp2(x(), on(torch.zeros([4], { dtype: 'float64' }))), 'other'],
      ['gammainc: integer inputs', () => S.gammainc(i(), i()), 'input'],
      ['gammainc: a number', () => loose(S.gammainc)(2, x()), 'input'],
      ['gammaincc: a number', () => loose(S.gammaincc)(x(), 2), 'other'],
      ['zeta: two numbers', () => loose(S.zeta)(2, 3), 'input'],
      ['xlog1py: other not a tensor', () => loose(S.xlog1py)(x(), 'one'), 'other'],
      ['gcd: float input', () => torch.gcd(x(), x()), 'input'],
      ['frexp: integer input', () => torch.frexp(i()), 'input'],
      ['lcm: bool input', () => torch.lcm(b(), b()), 'input'],
      ['gcd: float other', () => torch.gcd(i(), on(torch.tensor([1.5, 2]))), 'other'],
      ['ldexp: other not a tensor', () => loose(torch.ldexp)(x(), 2), 'other'],
      ['trapezoid: bool y', () => torch.trapezoid(b()), 'y'],
      ['trapezoid: x and dx', () => torch.trapezoid(x(), on(torch.zeros([3], { dtype: 'float64' })), { dx: 2 }), 'opts.dx'],
      ['trapezoid: x of the wrong length', () => torch.trapezoid(x(), on(torch.zeros([2], { dtype: 'float64' }))), 'x'],
      ['trapezoid: 0-d y', () => torch.trapezoid(on(torch.tensor(1, { dtype: 'float64' }))), 'opts.dim'],
      ['trapezoid: dim out of range', () => torch.trapezoid(x(), { dim: 2 }), 'opts.dim'],
      ['trapezoid: unknown option', () => loose(torch.trapezoid)(x(), { axis: 0 }), 'opts.axis'],
      ['trapezoid: dx not a number', () => loose(torch.trapezoid)(x(), { dx: '1' }), 'opts.dx'],
      ['cumulativeTrapezoid: bool x', () => torch.cumulativeTrapezoid(x(), on(torch.tensor([true, false, true]))), 'x'],
      ['entr: input not a tensor', () => loose(S.entr)([1, 2]), 'input'],
      ['erfcx: an extra argument', () => loose(S.erfcx)(x(), 1), /erfcx\(\)/],
    ];
    argErrorTests(rows);
    test('every torch.special function refuses a non-tensor input and an extra argument with a coded error', () => {
      for (const [name, f] of Object.entries(S) as [string, (...a: unknown[]) => unknown][]) {
        if (typeof f !== 'function') continue;
        const first = name === 'polygamma' ? [1, 'x'] : ['x'];
        const e = thrown(() => f(...first, x(), 0));
        expect([name, e.code]).toEqual([name, expect.stringMatching(/^ERR_TORCHLET_/)]);
        const extra = thrown(() => f(...(name === 'polygamma' ? [1, x()] : [x()]), ...(['zeta', 'xlog1py', 'gammainc', 'gammaincc', 'xlogy'].includes(name) ? [x()] : ['logsumexp', 'softmax', 'logSoftmax', 'multigammaln'].includes(name) ? [1] : []), {}, 3, 4));
        expect([name, extra.code]).toEqual([name, expect.stringMatching(/^ERR_TORCHLET_/)]);
      }
    });
  });
});
