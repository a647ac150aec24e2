// test/ops/activation.test.ts — the activations of lib/ops/activation.ts (F.gelu, leakyRelu, elu,
// celu, silu, mish, hardswish, hardsigmoid, softplus, softsign, hardtanh, relu6, logsigmoid,
// threshold, glu) and their nn modules, on every device: against PyTorch (test/fixtures/
// activations.json from gen_activations_fixtures.py: output and input gradient, float64 and float32,
// inputs holding the kinks, non-contiguous inputs), float64 finite-difference gradchecks, the
// modules' forward and PyTorch's print, `inplace` (the input written, autograd's in-place rules)
// and bad arguments.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT, expectArgError, loadFixture, toNumbers, FixtureCase } from '../helpers';

const { nn } = torch;
const F = torch.nn.functional;
const cases = casesOf('activations');
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;

/** The torchlet call of a fixture case on x (x.t() for the transpose cases). */
function apply(c: FixtureCase, x: Tensor): Tensor {
  const { transpose, ...p } = c.params as Record<string, unknown>;
  const xin = transpose ? x.t() : x;
  switch (c.op) {
    case 'threshold':
      return F.threshold(xin, p.threshold as number, p.value as number);
    case 'glu':
      return F.glu(xin, p.dim as number);
    case 'softsign':
      return F.softsign(xin);
    case 'logsigmoid':
      return F.logsigmoid(xin);
    default:
      return loose((F as unknown as Record<string, unknown>)[c.op])(xin, p) as Tensor;
  }
}

const OPS: [string, (x: Tensor) => Tensor][] = [
  ['gelu', (x) => F.gelu(x)],
  ['gelu tanh', (x) => F.gelu(x, { approximate: 'tanh' })],
  ['leakyRelu 0.2', (x) => F.leakyRelu(x, 0.2)],
  ['elu 0.7', (x) => F.elu(x, { alpha: 0.7 })],
  ['celu 1.5', (x) => F.celu(x, { alpha: 1.5 })],
  ['silu', (x) => F.silu(x)],
  ['mish', (x) => F.mish(x)],
  ['hardswish', (x) => F.hardswish(x)],
  ['hardsigmoid', (x) => F.hardsigmoid(x)],
  ['softplus beta 2 threshold 3', (x) => F.softplus(x, { beta: 2, threshold: 3 })],
  ['softsign', (x) => F.softsign(x)],
  ['hardtanh', (x) => F.hardtanh(x, { minVal: -0.5, maxVal: 1.5 })],
  ['relu6', (x) => F.relu6(x)],
  ['logsigmoid', (x) => F.logsigmoid(x)],
  ['threshold', (x) => F.threshold(x, 0.3, -2)],
  ['glu', (x) => F.glu(x, 1)],
];

describeOp('activation', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins, c) => apply(c, ins.x!), { title: 'fixture has the cases of 15 activations', min: 100 });

  dtypes(['float64'] as const, () => {
    test.each(OPS)('gradcheck %s (float64 central differences)', (_n, f) => {
      gradcheck(([x]) => f(x), [randnT([3, 4], 31, 3)], { device });
    });
  });

  test('the modules compute their F function, and print as PyTorch', () => {
    const fx = loadFixture('activations') as unknown as { reprs: [string, unknown[], string][] };
    expect(fx.reprs.length).toBeGreaterThan(20);
    for (const [cls, args, repr] of fx.reprs) {
      const C = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[cls];
      expect(new C(...args).toString()).toBe(repr);
    }
    const x = on(randnT([2, 6], 5, 4));
    const same = (m: torch.nn.Module, y: Tensor) => expect(toNumbers(m.forward(x) as Tensor)).toEqual(toNumbers(y));
    same(new nn.GELU({ approximate: 'tanh' }), F.gelu(x, { approximate: 'tanh' }));
    same(new nn.LeakyReLU(0.3), F.leakyRelu(x, { negativeSlope: 0.3 }));
    same(new nn.ELU(0.5), F.elu(x, 0.5));
    same(new nn.CELU({ alpha: 2 }), F.celu(x, 2));
    same(new nn.SiLU(), F.silu(x));
    same(new nn.Mish(), F.mish(x));
    same(new nn.Hardswish(), F.hardswish(x));
    same(new nn.Hardsigmoid(), F.hardsigmoid(x));
    same(new nn.Softplus({ beta: 3 }), F.softplus(x, { beta: 3 }));
    same(new nn.Softsign(), F.softsign(x));
    same(new nn.Hardtanh(-2, 2), F.hardtanh(x, { minVal: -2, maxVal: 2 }));
    same(new nn.ReLU6(), F.relu6(x));
    same(new nn.LogSigmoid(), F.logsigmoid(x));
    same(new nn.Threshold(0.5, 7), F.threshold(x, 0.5, 7));
    same(new nn.GLU(), F.glu(x));
  });

  test('relu6 is hardtanh(0, 6) and threshold(x, 0, 0) is relu, on the same inputs', () => {
    const x = on(randnT([5, 7], 8, 5));
    expect(toNumbers(F.relu6(x))).toEqual(toNumbers(F.hardtanh(x, { minVal: 0, maxVal: 6 })));
    expect(toNumbers(F.threshold(x, 0, 0))).toEqual(toNumbers(F.relu(x)));
  });

  describe('inplace', () => {
    test.each([
      ['leakyRelu', (x: Tensor) => F.leakyRelu(x, { negativeSlope: 0.2, inplace: true }), (x: Tensor) => F.leakyRelu(x, 0.2)],
      ['elu', (x: Tensor) => F.elu(x, { inplace: true }), (x: Tensor) => F.elu(x)],
      ['celu', (x: Tensor) => F.celu(x, { alpha: 2, inplace: true }), (x: Tensor) => F.celu(x, 2)],
      ['silu', (x: Tensor) => F.silu(x, { inplace: true }), (x: Tensor) => F.silu(x)],
      ['mish', (x: Tensor) => F.mish(x, { inplace: true }), (x: Tensor) => F.mish(x)],
      ['hardswish', (x: Tensor) => F.hardswish(x, { inplace: true }), (x: Tensor) => F.hardswish(x)],
      ['hardsigmoid', (x: Tensor) => F.hardsigmoid(x, { inplace: true }), (x: Tensor) => F.hardsigmoid(x)],
      ['hardtanh', (x: Tensor) => F.hardtanh(x, { inplace: true }), (x: Tensor) => F.hardtanh(x)],
      ['relu6', (x: Tensor) => F.relu6(x, { inplace: true }), (x: Tensor) => F.relu6(x)],
      ['threshold', (x: Tensor) => F.threshold(x, 0.1, 5, { inplace: true }), (x: Tensor) => F.threshold(x, 0.1, 5)],
      ['nn.LeakyReLU', (x: Tensor) => new nn.LeakyReLU(0.2, { inplace: true }).forward(x), (x: Tensor) => F.leakyRelu(x, 0.2)],
    ] as [string, (x: Tensor) => Tensor, (x: Tensor) => Tensor][])('%s: writes into the input, same values and gradients', (_n, inpl, ref) => {
      const data = randnT([3, 5], 41, 4);
      // values: the returned tensor is the input, holding the result
      const t = on(data.clone());
      const v0 = t._version;
      const r = inpl(t);
      expect(r).toBe(t);
      expect(t._version).toBeGreaterThan(v0);
      const want = ref(on(data));
      expect(toNumbers(t)).toEqual(toNumbers(want));
      // gradients through a non-leaf written in place match the out-of-place op's
      const a = on(data.clone()).requiresGrad_();
      const y = inpl(a.mul(1));
      const g = on(randnT([3, 5], 42));
      y.backward(g);
      const b = on(data.clone()).requiresGrad_();
      ref(b.mul(1)).backward(g);
      expect(toNumbers(a.grad!)).toEqual(toNumbers(b.grad!));
    });
    test('a leaf that requires grad may not be written in place (ERR_TORCHLET_AUTOGRAD)', () => {
      const x = on(randnT([4], 3)).requiresGrad_();
      expect(() => F.leakyRelu(x, { inplace: true })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_AUTOGRAD' }));
    });
  });

  describe('bad arguments', () => {
    const x = () => on(randnT([2, 4], 1));
    test.each([
      ['gelu approximate', () => F.gelu(x(), { approximate: 'exact' as 'none' }), 'opts.approximate'],
      ['gelu unknown key', () => loose(F.gelu)(x(), { approx: 'tanh' }), 'opts.approx'],
      ['leakyRelu snake_case key', () => loose(F.leakyRelu)(x(), { negative_slope: 0.1 }), /'negativeSlope'/],
      ['leakyRelu extra positional', () => loose(F.leakyRelu)(x(), 0.1, true), /leakyRelu\(\)/],
      ['leakyRelu NaN slope', () => F.leakyRelu(x(), NaN), 'opts.negativeSlope'],
      ['elu inplace not boolean', () => loose(F.elu)(x(), { inplace: 1 }), 'opts.inplace'],
      ['celu alpha 0', () => F.celu(x(), { alpha: 0 }), 'opts.alpha'],
      ['softplus unknown key', () => loose(F.softplus)(x(), { beta: 1, inplace: true }), 'opts.inplace'],
      ['softsign extra positional', () => loose(F.softsign)(x(), {}), /softsign\(\)/],
      ['hardtanh min_val', () => loose(F.hardtanh)(x(), { min_val: 0 }), /'minVal'/],
      ['threshold without value', () => loose(F.threshold)(x(), 0.5), 'value'],
      ['threshold extra positional', () => loose(F.threshold)(x(), 0.5, 1, {}, 2), /threshold\(\)/],
      ['glu odd dim', () => F.glu(on(randnT([2, 3], 1)), 1), 'input'],
      ['glu 0-d', () => F.glu(on(torch.tensor(1.5))), 'input'],
      ['glu dim out of range', () => F.glu(x(), 2), 'dim'],
      ['int64 input', () => F.silu(on(torch.zeros([3], { dtype: 'int64' }))), 'input'],
      ['nn.LeakyReLU unknown key', () => new (nn.LeakyReLU as unknown as new (...a: unknown[]) => unknown)({ slope: 0.1 }), 'opts.slope'],
      ['nn.Hardtanh max <= min', () => new nn.Hardtanh(1, 1), 'maxVal'],
      ['nn.CELU alpha 0', () => new nn.CELU(0), 'alpha'],
      ['nn.GELU approximate', () => new nn.GELU({ approximate: 'fast' as 'none' }), 'opts.approximate'],
      ['nn.Threshold missing value', () => new (nn.Threshold as unknown as new (...a: unknown[]) => unknown)(0.1), 'value'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_n, f, name) => {
      expectArgError(f, name);
      try {
        f();
      } catch (e) {
        expect((e as { code: string }).code).toMatch(/^ERR_TORCHLET_/);
      }
    });
  });
});

// The CPU's float32 GELU (exact and tanh) and SiLU (native/cpu/activation.cc with fast_math.h's
// vectorised exp / tanh / normal CDF): held to the float64 function of the same float32 inputs on a
// dense grid over [-20, 20] (and the special values), forward and gradient. Bounds: a few float ulp,
// plus, for GELU, what PyTorch's float32 formula also loses: x / sqrt 2 rounded to float moves
// erfc(z) by about 2 z^2 ulp relatively.
describe('float32 GELU and SiLU on the CPU: within a few ulp of float64 on a dense grid', () => {
  const n = 40001;
  const grid = Float32Array.from({ length: n + 6 }, (_, i) => (i < n ? -20 + (40 * i) / (n - 1) : [0, -0, 1e-30, -1e-30, 3.4e38, -3.4e38][i - n]));
  const phi = (x: number) => 0.5 * erfcRef(-x / Math.SQRT2);
  // erfc in float64 (W. J. Cody's rational approximations would do; here a continued fraction / series accurate to ~1e-15)
  function erfcRef(z: number): number {
    if (z < 0) return 2 - erfcRef(-z);
    if (z < 2) {
      // erf series: sum (-1)^k z^(2k+1) / (k! (2k+1)) * 2 / sqrt(pi)
      let term = z, sum = z;
      for (let k = 1; k < 80; k++) {
        term *= (-z * z) / k;
        sum += term / (2 * k + 1);
      }
      return 1 - (2 / Math.sqrt(Math.PI)) * sum;
    }
    // continued fraction (Lentz) for erfc, z >= 2
    let f = z, c = z, d = 0;
    for (let k = 1; k < 200; k++) {
      const a = k / 2;
      d = z + a * d;
      d = 1 / d;
      c = z + a / c;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    return Math.exp(-z * z) / (f * Math.sqrt(Math.PI));
  }
  const check = (name: string, got: Float32Array, want: (x: number) => number, bound: (x: number, w: number) => number) => {
    got.forEach((v, i) => {
      const x = grid[i];
      const w = want(x);
      if (Number.isNaN(w) ? !Number.isNaN(v) : !(Math.abs(v - w) <= bound(x, w))) throw new Error(`${name}(${x}) = ${v}, float64 ${w}`);
    });
  };
  test('the float64 erfc reference is itself accurate (erfc(0.5), erfc(3), erfc(8))', () => {
    expect(erfcRef(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfcRef(3) / 2.209049699858544e-5).toBeCloseTo(1, 12);
    expect(erfcRef(8) / 1.1224297172982927e-29).toBeCloseTo(1, 11);
  });
  test('gelu (exact): forward and gradient', () => {
    const x = torch.fromBuffer(grid.slice(), [grid.length]).requiresGrad_();
    const y = F.gelu(x);
    const tail = (v: number) => (2e-7 * (v * v)) / 2; // 2 z^2 times (half an ulp of z, and 1/sqrt 2 rounded to float), z = x / sqrt 2
    check('gelu', y.toArray() as Float32Array, (v) => (Math.abs(v) > 3e38 ? (v > 0 ? v : -0) : v * phi(v)), (v, w) => (1.5e-6 + tail(v)) * Math.abs(w) + 2e-44);
    y.backward(torch.onesLike(y));
    const pdf = (v: number) => Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
    check('gelu grad', x.grad!.toArray() as Float32Array, (v) => (Math.abs(v) > 3e38 ? (v > 0 ? 1 : 0) : phi(v) + v * pdf(v)), (v, w) => (2e-6 + 2 * tail(v)) * (phi(v) + Math.abs(v) * pdf(v)) + 3e-44 + 0 * w);
  });
  test('gelu (tanh approximation) and silu: forward and gradient', () => {
    const th = (v: number) => 0.7978845608028654 * (v + 0.044715 * v * v * v);
    const x = torch.fromBuffer(grid.slice(0, n), [n]).requiresGrad_();
    const y = F.gelu(x, { approximate: 'tanh' });
    check('gelu tanh', y.toArray() as Float32Array, (v) => 0.5 * v * (1 + Math.tanh(th(v))), (v, w) => 3e-7 * Math.abs(v) + 2e-7 * Math.abs(w) + 1e-44);
    const xs = torch.fromBuffer(grid.slice(), [grid.length]).requiresGrad_();
    const s = F.silu(xs);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    check('silu', s.toArray() as Float32Array, (v) => (v < -3e38 ? -0 : v * sig(v)), (_v, w) => 6e-7 * Math.abs(w) + 1e-44);
    s.backward(torch.onesLike(s));
    check('silu grad', xs.grad!.toArray() as Float32Array, (v) => (Math.abs(v) > 3e38 ? (v > 0 ? 1 : 0) : sig(v) * (1 + v * (1 - sig(v)))), (v, w) => 1e-6 * (Math.abs(w) + Math.abs(v) * sig(v) * (1 - sig(v))) + 1e-44);
  });
  test('NaN passes through gelu and silu', () => {
    const x = torch.tensor([NaN, 1]);
    for (const y of [F.gelu(x), F.gelu(x, { approximate: 'tanh' }), F.silu(x)]) expect(Number.isNaN((y.toArray() as Float32Array)[0])).toBe(true);
  });
});
