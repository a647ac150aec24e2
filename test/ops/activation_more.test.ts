// test/ops/activation_more.test.ts — F.softmin, F.tanhshrink, F.hardshrink, F.softshrink, F.rrelu,
// F.channelShuffle and F.bilinear (lib/ops/activation_more.ts) and nn.Softmin, nn.Softmax2d,
// nn.Tanhshrink, nn.Hardshrink, nn.Softshrink, nn.RReLU, nn.ChannelShuffle, nn.Bilinear
// (lib/nn/activation_more.ts), on every device: against PyTorch 1.13 (test/fixtures/activation_more.json
// from gen_activation_more_fixtures.py: outputs and input gradients, float64 and float32; the shrinks at
// exactly +-lambd and 0; rrelu in eval mode; channel shuffle; bilinear with and without bias, batch dims,
// unbatched), float64 finite-difference gradchecks, rrelu's random slopes in training (bounds, seeding,
// gradient = slope, inplace), the modules (defaults, PyTorch's print, Bilinear's init and state-dict
// keys) and bad arguments (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { softmin, tanhshrink, hardshrink, softshrink, rrelu, channelShuffle, bilinear } from '../../lib/ops/activation_more';
import { Softmin, Softmax2d, Tanhshrink, Hardshrink, Softshrink, RReLU, ChannelShuffle, Bilinear } from '../../lib/nn/activation_more';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, fromFixture, expectClose, randnT, argErrorTests, ArgErrorRow, FixtureCase, thrown, toNumbers } from '../helpers';

const cases = casesOf('activation_more');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

/** The torchlet call of a fixture case (options at PyTorch's defaults left out, so the defaults are tested). */
function apply(c: FixtureCase, ins: Record<string, Tensor | null>): Tensor {
  const p = c.params;
  const x = ins.x!;
  switch (c.op) {
    case 'softmin':
      return softmin(x, p.dim);
    case 'softmax2d':
      return new Softmax2d().forward(x);
    case 'tanhshrink':
      return tanhshrink(x);
    case 'hardshrink':
      return p.lambd === undefined ? hardshrink(x) : hardshrink(x, p.lambd);
    case 'softshrink':
      return p.lambd === undefined ? softshrink(x) : softshrink(x, { lambd: p.lambd });
    case 'rrelu':
      return p.lower === undefined ? rrelu(x) : rrelu(x, { lower: p.lower, upper: p.upper, training: false });
    case 'channelShuffle':
      return channelShuffle(x, p.groups);
    case 'bilinear':
      return bilinear(ins.x1!, ins.x2!, ins.weight!, ins.bias ?? null);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

describeOp('activation_more', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const f64 = (data: number[], shape?: number[]): Tensor => {
    const t = torch.tensor(data, { dtype: 'float64' });
    return on(shape ? t.reshape(shape) : t);
  };

  fixtureCases(run, cases, (ins, c) => apply(c, ins), {
    title: 'fixture has the cases of every op',
    min: 26,
    more: () => {
      test('every op and the edge cases are in the fixture', () => {
        const names = cases.map(([n]) => n);
        for (const op of ['softmin', 'softmax2d', 'tanhshrink', 'hardshrink', 'softshrink', 'rrelu', 'channelShuffle', 'bilinear'])
          expect(cases.some(([, c]) => c.op === op)).toBe(true);
        for (const n of ['hardshrink_default', 'softshrink_lambd0', 'rrelu_eval_default', 'bilinear_4x3_4x2_o5_nobias', 'bilinear_unbatched_3_2_o2', 'channel_shuffle_2x6x3x2_g3'])
          expect(names).toContain(n);
      });
    },
  });

  test('hardshrink / softshrink at exactly +-lambd: output 0 and gradient 0 (PyTorch)', () => {
    for (const fn of [hardshrink, softshrink]) {
      const x = f64([0.5, -0.5, 0.5000001, -0.5000001, 0]).requiresGrad_();
      const y = fn(x);
      y.sum().backward();
      expect(toNumbers(y).slice(0, 2)).toEqual([0, 0]);
      expect(toNumbers(x.grad!)).toEqual([0, 0, 1, 1, 0]);
    }
    expectClose(hardshrink(f64([0.5000001, -0.7])), [0.5000001, -0.7], { atol: 0 });
    expectClose(softshrink(f64([0.75, -0.7])), [0.25, -0.2], { atol: 1e-15 });
    // a negative lambd: hardshrink is the identity (nothing is in [-lambd, lambd]), softshrink refuses it
    expectClose(hardshrink(f64([0.1, -0.2, 0]), -1), [0.1, -0.2, 0], { atol: 0 });
    // NaN: hardshrink passes it, softshrink gives 0 (PyTorch's kernels)
    const n = on(torch.tensor([NaN, 1], { dtype: 'float64' }));
    expect(Number.isNaN(toNumbers(hardshrink(n))[0])).toBe(true);
    expect(toNumbers(softshrink(n))).toEqual([0, 0.5]);
  });

  test('softmin(x, dim) = softmax(-x, dim); Softmax2d = softmax over dim -3', () => {
    const x = on(randnT([2, 3, 4, 5], 11));
    expectClose(softmin(x, 1), torch.softmax(x.neg(), 1), { atol: 1e-15 });
    expectClose(new Softmax2d().forward(x), torch.softmax(x, 1), { atol: 0 });
    const x3 = on(randnT([3, 4, 5], 12));
    expectClose(new Softmax2d().forward(x3), torch.softmax(x3, 0), { atol: 0 });
  });

  describe('rrelu', () => {
    test('eval (the default): leakyRelu with slope (lower + upper) / 2', () => {
      const x = on(randnT([4, 5], 21));
      expectClose(rrelu(x), torch.F.leakyRelu(x, { negativeSlope: (1 / 8 + 1 / 3) / 2 }), { atol: 0 });
      expectClose(rrelu(x, { lower: 0.1, upper: 0.5 }), torch.F.leakyRelu(x, { negativeSlope: 0.3 }), { atol: 0 });
    });
    test('training: a slope per element in [lower, upper] from the seeded generator; the gradient is the slope', () => {
      const data = randnT([40, 50], 22);
      const x = on(data).requiresGrad_();
      torch.manualSeed(5);
      const y = rrelu(x, { training: true, lower: 0.1, upper: 0.3 });
      y.sum().backward();
      const xs = toNumbers(data);
      const ys = toNumbers(y);
      const gs = toNumbers(x.grad!);
      const slopes: number[] = [];
      xs.forEach((v, i) => {
        if (v > 0) {
          expect(ys[i]).toBe(v);
          expect(gs[i]).toBe(1);
        } else {
          const a = ys[i] / v;
          expect(a).toBeGreaterThanOrEqual(0.1 - 1e-12);
          expect(a).toBeLessThanOrEqual(0.3 + 1e-12);
          expect(gs[i]).toBeCloseTo(a, 12);
          slopes.push(a);
        }
      });
      // uniform on [0.1, 0.3]: mean 0.2, spread over the interval
      const m = slopes.reduce((s, v) => s + v, 0) / slopes.length;
      expect(Math.abs(m - 0.2)).toBeLessThan(0.01);
      expect(Math.min(...slopes)).toBeLessThan(0.11);
      expect(Math.max(...slopes)).toBeGreaterThan(0.29);
      // the same seed, the same slopes; another draw, others
      torch.manualSeed(5);
      expect(toNumbers(rrelu(on(data), { training: true, lower: 0.1, upper: 0.3 }))).toEqual(ys);
      expect(toNumbers(rrelu(on(data), { training: true, lower: 0.1, upper: 0.3 }))).not.toEqual(ys);
      // lower == upper: that slope exactly
      expectClose(rrelu(on(data), { training: true, lower: 0.2, upper: 0.2 }), torch.F.leakyRelu(on(data), { negativeSlope: 0.2 }), { atol: 1e-15 });
    });
    test('inplace writes the result into the input', () => {
      const x = f64([-2, 3, -1, 0]);
      const y = rrelu(x, { inplace: true, lower: 0.5, upper: 0.5 });
      expect(toNumbers(x)).toEqual([-1, 3, -0.5, 0]);
      expect(toNumbers(y)).toEqual([-1, 3, -0.5, 0]);
      const x2 = f64([-2, 3]);
      rrelu(x2, { inplace: true, training: true, lower: 0.25, upper: 0.25 });
      expect(toNumbers(x2)).toEqual([-0.5, 3]);
    });
    test('nn.RReLU: random in training mode, the mean slope in eval mode', () => {
      const m = new RReLU();
      expect([m.lower, m.upper, m.inplace]).toEqual([0.125, 1 / 3, false]);
      expect(m.toString()).toBe('RReLU(lower=0.125, upper=0.3333333333333333)');
      expect(new RReLU(0.1, 0.3, { inplace: true }).toString()).toBe('RReLU(lower=0.1, upper=0.3, inplace=True)');
      expect(new RReLU({ lower: 0.2, upper: 0.4 }).toString()).toBe('RReLU(lower=0.2, upper=0.4)');
      const x = on(randnT([30, 30], 23));
      expect(m.training).toBe(true);
      const neg = toNumbers(x).map((v, i) => [v, i] as const).filter(([v]) => v < 0);
      const yt = toNumbers(m.forward(x));
      const ratios = new Set(neg.map(([v, i]) => (yt[i] / v).toFixed(12)));
      expect(ratios.size).toBeGreaterThan(neg.length / 2); // a slope per element
      m.eval();
      expectClose(m.forward(x), torch.F.leakyRelu(x, { negativeSlope: (0.125 + 1 / 3) / 2 }), { atol: 0 });
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck softmin, tanhshrink, hardshrink, softshrink, rrelu (eval), channelShuffle', () => {
      gradcheck(([x]) => softmin(x, 1), [randnT([3, 4], 101)], { device });
      gradcheck(([x]) => softmin(x, -1), [randnT([2, 3, 4], 102)], { device });
      gradcheck(([x]) => tanhshrink(x), [randnT([3, 4], 103, 2)], { device });
      gradcheck(([x]) => hardshrink(x), [randnT([4, 5], 104)], { device });
      gradcheck(([x]) => softshrink(x, 0.3), [randnT([4, 5], 105)], { device });
      gradcheck(([x]) => rrelu(x, { lower: 0.1, upper: 0.4 }), [randnT([4, 5], 106)], { device });
      gradcheck(([x]) => channelShuffle(x, 2), [randnT([2, 4, 3], 107)], { device });
      gradcheck(([x]) => new Softmax2d().forward(x), [randnT([2, 3, 2, 2], 108)], { device });
    });
    test('gradcheck bilinear: inputs, weight and bias; batch dims; no bias', () => {
      gradcheck(([a, b, w, bias]) => bilinear(a, b, w, bias), [randnT([3, 2], 111), randnT([3, 4], 112), randnT([5, 2, 4], 113), randnT([5], 114)], { device });
      gradcheck(([a, b, w]) => bilinear(a, b, w), [randnT([2, 3, 2], 115), randnT([2, 3, 3], 116), randnT([2, 2, 3], 117)], { device });
      gradcheck(([a, b, w, bias]) => bilinear(a, b, w, bias), [randnT([2], 118), randnT([3], 119), randnT([4, 2, 3], 120), randnT([4], 121)], { device });
    });
    test('gradcheck rrelu in training (the slopes re-drawn from the same seed each evaluation)', () => {
      gradcheck(([x]) => rrelu(x, { training: true }), [randnT([4, 5], 122)], { device, before: () => torch.manualSeed(7) });
    });
  });

  test('the public names: torch.F.*, torch.nn.*, and torch.* where PyTorch has them', () => {
    const x = on(randnT([2, 4, 3], 41));
    expectClose(torch.F.hardshrink(x, 0.3), hardshrink(x, 0.3), { atol: 0 });
    expectClose(torch.hardshrink(x), hardshrink(x), { atol: 0 });
    expectClose(torch.F.softshrink(x), softshrink(x), { atol: 0 });
    expectClose(torch.F.softmin(x, 1), softmin(x, 1), { atol: 0 });
    expectClose(torch.F.tanhshrink(x), tanhshrink(x), { atol: 0 });
    expectClose(torch.F.rrelu(x), rrelu(x), { atol: 0 });
    expectClose(torch.rrelu(x), rrelu(x), { atol: 0 });
    expectClose(torch.channelShuffle(x, 2), channelShuffle(x, 2), { atol: 0 });
    expectClose(torch.F.channelShuffle(x, 4), channelShuffle(x, 4), { atol: 0 });
    const w = on(randnT([2, 3, 3], 42));
    expectClose(torch.bilinear(x, x, w), bilinear(x, x, w), { atol: 0 });
    expectClose(torch.F.bilinear(x, x, w), bilinear(x, x, w), { atol: 0 });
    for (const C of [torch.nn.Softmin, torch.nn.Softmax2d, torch.nn.Tanhshrink, torch.nn.Hardshrink, torch.nn.Softshrink, torch.nn.RReLU, torch.nn.ChannelShuffle, torch.nn.Bilinear])
      expect(typeof C).toBe('function');
    expect(new torch.nn.Hardshrink().toString()).toBe('Hardshrink(0.5)');
    // PyTorch has no torch.softmin / torch.softshrink / torch.tanhshrink
    for (const n of ['softmin', 'softshrink', 'tanhshrink']) expect((torch as unknown as Record<string, unknown>)[n]).toBeUndefined();
  });

  describe('modules', () => {
    test('PyTorch print, defaults and forward = F', () => {
      const x = on(randnT([2, 4, 3], 201));
      const sm = new Softmin(1);
      expect(sm.toString()).toBe('Softmin(dim=1)');
      expectClose(sm.forward(x), softmin(x, 1), { atol: 0 });
      expect(new Softmax2d().toString()).toBe('Softmax2d()');
      expect(new Tanhshrink().toString()).toBe('Tanhshrink()');
      expectClose(new Tanhshrink().forward(x), tanhshrink(x), { atol: 0 });
      const hs = new Hardshrink();
      expect(hs.lambd).toBe(0.5);
      expect(hs.toString()).toBe('Hardshrink(0.5)');
      expect(new Hardshrink(1.5).toString()).toBe('Hardshrink(1.5)');
      expectClose(new Hardshrink({ lambd: 0.8 }).forward(x), hardshrink(x, 0.8), { atol: 0 });
      const ss = new Softshrink(0.3);
      expect(ss.toString()).toBe('Softshrink(0.3)');
      expect(new Softshrink().toString()).toBe('Softshrink(0.5)');
      expectClose(ss.forward(x), softshrink(x, 0.3), { atol: 0 });
      const cs = new ChannelShuffle(2);
      expect(cs.groups).toBe(2);
      expect(cs.toString()).toBe('ChannelShuffle(groups=2)');
      expectClose(cs.forward(x), channelShuffle(x, 2), { atol: 0 });
      for (const m of [sm, hs, ss, cs, new RReLU(), new Softmax2d(), new Tanhshrink()]) expect(Object.keys(m.stateDict())).toHaveLength(0);
    });
    test('channelShuffle moves channel g * (C / g) + k to k * g + g (PyTorch order)', () => {
      const x = on(torch.arange(0, 6, 1, { dtype: 'float64' }).reshape([1, 6, 1]));
      expect(toNumbers(channelShuffle(x, 3))).toEqual([0, 2, 4, 1, 3, 5]);
      expect(toNumbers(channelShuffle(x, 2))).toEqual([0, 3, 1, 4, 2, 5]);
    });
    test('Bilinear: PyTorch print, parameters, state-dict keys, init bound 1/sqrt(in1), forward = F.bilinear', () => {
      torch.manualSeed(3);
      const m = new Bilinear(4, 3, 5);
      expect(m.toString()).toBe('Bilinear(in1_features=4, in2_features=3, out_features=5, bias=True)');
      expect(Object.keys(m.stateDict())).toEqual(['weight', 'bias']);
      expect(m.weight.shape).toEqual([5, 4, 3]);
      expect(m.bias!.shape).toEqual([5]);
      const ws = toNumbers(m.weight);
      const bs = toNumbers(m.bias!);
      for (const v of [...ws, ...bs]) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
      expect(Math.max(...ws.map(Math.abs))).toBeGreaterThan(0.4); // U(-1/2, 1/2), not a narrower range
      const nb = new Bilinear(2, 3, 4, { bias: false });
      expect(nb.toString()).toBe('Bilinear(in1_features=2, in2_features=3, out_features=4, bias=False)');
      expect(Object.keys(nb.stateDict())).toEqual(['weight']);
      expect(nb.bias).toBeNull();
      const mm = m.to(device);
      const a = on(randnT([6, 4], 211)).to('float32');
      const b = on(randnT([6, 3], 212)).to('float32');
      const y = mm.forward(a, b);
      expect(y.shape).toEqual([6, 5]);
      expectClose(y, bilinear(a, b, mm.weight, mm.bias), { atol: 0 });
      // against the formula: y[n, o] = sum_ij a[n, i] W[o, i, j] b[n, j] + bias[o]
      const A = toNumbers(a), B = toNumbers(b), W = toNumbers(mm.weight), bias = toNumbers(mm.bias!);
      const want: number[] = [];
      for (let n = 0; n < 6; n++)
        for (let o = 0; o < 5; o++) {
          let s = bias[o];
          for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) s += A[n * 4 + i] * W[o * 12 + i * 3 + j] * B[n * 3 + j];
          want.push(s);
        }
      expectClose(y, want, { atol: 1e-5 });
    });
    test('the modules run the fixture cases', () => {
      for (const [, c] of cases.filter(([, cc]) => ['hardshrink', 'softshrink', 'channelShuffle', 'softmin'].includes(cc.op))) {
        const x = on(fromFixture(c.inputs.x!));
        const p = c.params;
        const m = c.op === 'hardshrink' ? new Hardshrink(p.lambd) : c.op === 'softshrink' ? new Softshrink(p.lambd) : c.op === 'softmin' ? new Softmin(p.dim) : new ChannelShuffle(p.groups);
        expectClose(m.forward(x), c.output!, { atol: 1e-12, rtol: 1e-12, label: c.name });
      }
    });
  });

  describe('bad arguments', () => {
    const x = () => on(torch.zeros([2, 4, 3], { dtype: 'float64' }));
    const i64 = () => on(torch.zeros([2, 3], { dtype: 'int64' }));
    const t = (shape: number[]) => on(torch.zeros(shape, { dtype: 'float64' }));
    const rows: ArgErrorRow[] = [
      ['softmin: int64 input', () => softmin(i64(), 1), 'input'],
      ['softmin: dim missing', () => loose(softmin)(x()), 'dim'],
      ['softmin: dim out of range', () => softmin(x(), 3), /dim/],
      ['softmin: extra argument', () => loose(softmin)(x(), 1, 2), /for softmin\(\)/],
      ['tanhshrink: int64 input', () => tanhshrink(i64()), 'input'],
      ['tanhshrink: extra argument', () => loose(tanhshrink)(x(), 1), /for tanhshrink\(\)/],
      ['hardshrink: lambd a string', () => loose(hardshrink)(x(), '0.5'), /lambd|opts/],
      ['hardshrink: unknown option', () => loose(hardshrink)(x(), { lambda: 1 }), 'opts.lambda'],
      ['hardshrink: int64 input', () => hardshrink(i64()), 'input'],
      ['softshrink: negative lambd', () => softshrink(x(), -1), 'lambd'],
      ['softshrink: NaN lambd', () => softshrink(x(), NaN), 'lambd'],
      ['softshrink: extra argument', () => loose(softshrink)(x(), 0.5, {}), /for softshrink\(\)/],
      ['rrelu: lower > upper', () => rrelu(x(), { lower: 0.5, upper: 0.1 }), 'opts.upper'],
      ['rrelu: lower > upper in training', () => rrelu(x(), { lower: 0.5, upper: 0.1, training: true }), 'opts.upper'],
      ['rrelu: positional lower (PyTorch keywords go in the options)', () => loose(rrelu)(x(), 0.1, 0.3), /rrelu\(\)|opts/],
      ['rrelu: training not a boolean', () => loose(rrelu)(x(), { training: 1 }), 'opts.training'],
      ['rrelu: snake_case option', () => loose(rrelu)(x(), { negative_slope: 1 }), 'opts.negative_slope'],
      ['rrelu: int64 input', () => rrelu(i64()), 'input'],
      ['channelShuffle: 2-D input', () => channelShuffle(t([2, 4]), 2), 'input'],
      ['channelShuffle: groups not dividing the channels', () => channelShuffle(x(), 3), 'groups'],
      ['channelShuffle: groups 0', () => channelShuffle(x(), 0), 'groups'],
      ['channelShuffle: groups negative', () => channelShuffle(x(), -2), 'groups'],
      ['channelShuffle: groups a fraction', () => channelShuffle(x(), 1.5), 'groups'],
      ['bilinear: ranks differ', () => bilinear(t([2, 7, 3]), t([14, 4]), t([5, 3, 4])), 'input2'],
      ['bilinear: batch dims differ', () => bilinear(t([2, 3]), t([3, 4]), t([5, 3, 4])), 'input2'],
      ['bilinear: input2 size vs weight', () => bilinear(t([2, 3]), t([2, 5]), t([5, 3, 4])), 'input2'],
      ['bilinear: input1 size vs weight', () => bilinear(t([2, 2]), t([2, 4]), t([5, 3, 4])), 'input1'],
      ['bilinear: bias size', () => bilinear(t([2, 3]), t([2, 4]), t([5, 3, 4]), t([4])), 'bias'],
      ['bilinear: 2-D weight', () => bilinear(t([2, 3]), t([2, 4]), t([3, 4])), 'weight'],
      ['bilinear: float32 weight', () => bilinear(t([2, 3]), t([2, 4]), on(torch.zeros([5, 3, 4]))), 'weight'],
      ['bilinear: 0-d input1', () => bilinear(t([]), t([]), t([5, 1, 1])), 'input1'],
      ['bilinear: extra argument', () => loose(bilinear)(t([2, 3]), t([2, 4]), t([5, 3, 4]), null, 1), /for bilinear\(\)/],
      ['Softmin: dim missing', () => loose((...a: never[]) => new (Softmin as never as new (...b: never[]) => unknown)(...a))(), 'dim'],
      ['Softmax2d: a 2-D input', () => new Softmax2d().forward(t([2, 3])), 'input'],
      ['Softmax2d: a 5-D input', () => new Softmax2d().forward(t([1, 2, 3, 1, 1])), 'input'],
      ['Hardshrink: lambd a string', () => loose((v: unknown) => new Hardshrink(v as never))('1'), /lambd|opts/],
      ['Softshrink: negative lambd', () => new Softshrink(-0.5), 'lambd'],
      ['RReLU: lower > upper', () => new RReLU(0.5, 0.1), 'upper'],
      ['RReLU: unknown option', () => loose((o: unknown) => new RReLU(o as never))({ slope: 1 }), 'opts.slope'],
      ['RReLU: options then more arguments', () => loose((a: unknown, b: unknown) => new RReLU(a as never, b as never))({ lower: 0.1 }, 0.2), /RReLU\(\)/],
      ['RReLU: inplace not a boolean', () => new RReLU(0.1, 0.2, loose(Object)({ inplace: 1 }) as never), 'opts.inplace'],
      ['ChannelShuffle: groups 0', () => new ChannelShuffle(0), 'groups'],
      ['Bilinear: in1Features 0', () => new Bilinear(0, 2, 3), 'in1Features'],
      ['Bilinear: outFeatures a fraction', () => new Bilinear(2, 2, 1.5), 'outFeatures'],
      ['Bilinear: bias not a boolean', () => new Bilinear(2, 2, 2, loose(Object)({ bias: 1 }) as never), 'opts.bias'],
      ['Bilinear: unknown option', () => new Bilinear(2, 2, 2, loose(Object)({ device: 'cpu' }) as never), 'opts.device'],
      ['Bilinear.forward: one input', () => loose(new Bilinear(2, 2, 2).forward.bind(new Bilinear(2, 2, 2)))(t([1, 2])), 'input2'],
    ];
    argErrorTests(rows);

    test('the errors are coded TorchletErrors', () => {
      const e = thrown(() => channelShuffle(x(), 3));
      expect(e).toBeInstanceOf(torch.TorchletError);
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(thrown(() => channelShuffle(t([2, 4]), 2)).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => softmin(i64(), 1)).code).toBe('ERR_TORCHLET_DTYPE');
      const r = thrown(() => rrelu(x(), { lower: 0.5, upper: 0.1 }));
      expect(r).toBeInstanceOf(RangeError);
      expect(r.message).toMatch(/lower bound should be less than or equal to the upper bound/);
    });
  });

  vsCpu('on this device vs the CPU', () => {
    test('bilinear operands on two devices are an error naming the operand', () => {
      const e = thrown(() => bilinear(on(randnT([2, 3], 301)), randnT([2, 4], 302), on(randnT([5, 3, 4], 303))));
      expect(e.code).toBe('ERR_TORCHLET_DEVICE_MISMATCH');
      expect(e.message).toMatch(/for input2\b/);
    });
  });
});
