// test/ops/init.test.ts — parameter initialisation (torch.nn.init) on every device, against
// PyTorch's formulas (test/fixtures/init.json): nn.Conv2d / nn.Linear default init
// (kaiming_uniform_(a=sqrt(5)) weights, U(+-1/sqrt(fan_in)) biases) checked by sampling big tensors
// with the same fan-in (all within the bound, std ~ bound/sqrt(3)); kaimingNormal_(fan_out, relu) std
// within a few %; FashionCNN's parameter count, init and forward shape; argument errors; and on CUDA
// nn.init.uniform_ of a device tensor bit-identical to the CPU (the same generator stream).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { casesOf, expectArgError, loadFixture, toNumbers, ArgErrorRow } from '../helpers';
import { expectSame, sameStream } from './compare';
import { tol } from './tolerances';

const init = torch.nn.init;
const defaults = casesOf('init', ['defaultInit']);
const kaiming = casesOf('init', ['kaimingNormal']);

function stats(t: Tensor): { mean: number; std: number; absMax: number; n: number } {
  const a = toNumbers(t);
  let s = 0;
  let m = 0;
  for (const v of a) {
    s += v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / a.length;
  let q = 0;
  for (const v of a) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / (a.length - 1)), absMax: m, n: a.length };
}

describeOp('init', ({ device, on, dtypes, vsCpu }) => {
  describe('default init of nn.Conv2d / nn.Linear', () => {
    test('fixture has cases', () => expect(defaults.length).toBe(4));

    test.each(defaults)('%s: fans and shapes of the real module', (_n, c) => {
      torch.manualSeed(0);
      const p = c.params;
      const m = (p.module === 'Conv2d'
        ? new torch.nn.Conv2d(p.inChannels, p.outChannels, p.kernelSize)
        : new torch.nn.Linear(p.inFeatures, p.outFeatures)).to(device);
      expect(m.weight.shape).toEqual(c.expected!.weightShape);
      expect(init.calculateFanInAndFanOut(m.weight)).toEqual([c.expected!.fanIn, c.expected!.fanOut]);
      const w = stats(m.weight);
      const b = stats(m.bias!);
      expect(w.absMax).toBeLessThanOrEqual(c.expected!.weightBound);
      expect(b.absMax).toBeLessThanOrEqual(c.expected!.biasBound);
      expect(w.std).toBeGreaterThan(0);
    });

    // Same fan-in, many more output units: enough samples for a 2% std check.
    test.each(defaults)('%s: sampled over a big module with the same fan-in', (_n, c) => {
      torch.manualSeed(1234);
      const p = c.params;
      const e = c.expected!;
      const wantOut = Math.ceil(200000 / e.fanIn);
      const m = (p.module === 'Conv2d'
        ? new torch.nn.Conv2d(p.inChannels, Math.max(p.outChannels, wantOut), p.kernelSize)
        : new torch.nn.Linear(p.inFeatures, Math.max(p.outFeatures, wantOut))).to(device);
      expect(init.calculateFanInAndFanOut(m.weight)[0]).toBe(e.fanIn);
      const w = stats(m.weight);
      expect(w.n).toBeGreaterThanOrEqual(200000);
      expect(w.absMax).toBeLessThanOrEqual(e.weightBound);
      expect(w.absMax).toBeGreaterThan(0.99 * e.weightBound); // fills the whole interval
      expect(Math.abs(w.std / e.weightStd - 1)).toBeLessThan(0.02);
      expect(Math.abs(w.mean)).toBeLessThan(0.01 * e.weightBound);
      const b = stats(m.bias!);
      expect(b.absMax).toBeLessThanOrEqual(e.biasBound);
      if (b.n >= 10000) expect(Math.abs(b.std / (e.biasBound / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    });
  });

  describe('kaimingNormal_(fan_out, relu)', () => {
    test('fixture has cases', () => expect(kaiming.length).toBe(4));

    test.each(kaiming)('%s: std = gain/sqrt(fan_out) within 3%', (_n, c) => {
      torch.manualSeed(42);
      const shape = c.params.shape as number[];
      // grow dim 1 (which does not enter fan_out = shape[0] * receptive) to >= 200k samples
      const big = shape.slice();
      const per = big.reduce((a, b) => a * b, 1) / big[1];
      big[1] = Math.max(big[1], Math.ceil(200000 / per));
      const t = on(torch.empty(big, { dtype: 'float64' }));
      init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' });
      expect(init.calculateFanInAndFanOut(t)[1]).toBe(c.expected!.fanOut);
      const s = stats(t);
      expect(Math.abs(s.std / c.expected!.std - 1)).toBeLessThan(0.03);
      expect(Math.abs(s.mean)).toBeLessThan(0.02 * c.expected!.std);
      expect(init.calculateGain('relu')).toBeCloseTo(c.expected!.gain, 15);
    });

    test.each(kaiming)('%s: on the exact fixture shape, loose check against the formula', (_n, c) => {
      torch.manualSeed(7);
      const t = on(torch.empty(c.params.shape, { dtype: 'float32' }));
      init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' });
      const s = stats(t);
      // n >= 288 samples: std within ~4.2 standard errors (se of std ~ std/sqrt(2n))
      expect(Math.abs(s.std / c.expected!.std - 1)).toBeLessThan(4.2 / Math.sqrt(2 * s.n) + 0.01);
    });
  });

  describe('FashionCNN', () => {
    const pc = loadFixture('init').cases.find((c) => c.op === 'paramCount')!;
    test('parameter count matches PyTorch (421642)', () => {
      torch.manualSeed(0);
      const m = torch.models.fashionCnn().to(device);
      const total = m.parameters().reduce((a, p) => a + p.numel(), 0);
      expect(total).toBe(pc.expected!.numel);
      const per: Record<string, number> = {};
      for (const [k, p] of m.namedParameters()) per[k] = p.numel();
      expect(per).toEqual(pc.expected!.perParameter);
    });

    test('fashionCnn() applies kaimingNormal_(fan_out, relu) weights and zero biases', () => {
      torch.manualSeed(3);
      const m = torch.models.fashionCnn().to(device);
      const fc1 = stats(m.fc1.weight);
      expect(Math.abs(fc1.std / (Math.SQRT2 / Math.sqrt(128)) - 1)).toBeLessThan(0.03);
      for (const [k, p] of m.namedParameters()) if (k.endsWith('bias')) expect(stats(p).absMax).toBe(0);
    });

    test('forward on a [2, 1, 28, 28] batch gives [2, 10]', () => {
      torch.manualSeed(5);
      const m = torch.models.fashionCnn().to(device);
      m.eval();
      const y = m.forward(on(torch.randn([2, 1, 28, 28])));
      expect(y.shape).toEqual([2, 10]);
    });
  });

  describe('argument errors name the argument', () => {
    const f32 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float32' }));
    const rows: ArgErrorRow[] = [
      ['kaimingNormal_ of a 1-D tensor', () => torch.nn.init.kaimingNormal_(f32([5])), 'tensor'],
      ["kaimingUniform_ mode 'fan_avg'", () => torch.nn.init.kaimingUniform_(f32([3, 4]), { mode: 'fan_avg' as 'fan_in' }), 'mode'],
      ["calculateGain('swish')", () => torch.nn.init.calculateGain('swish' as 'relu'), 'nonlinearity'],
      ['xavierUniform_ of a 1-D tensor', () => torch.nn.init.xavierUniform_(f32([5])), 'tensor'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  // Uniform draws come from the counter-based generator, the same stream on both devices.
  vsCpu('CUDA vs CPU: the same stream', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test('nn.init.uniform_ on a device tensor is bit-identical', () => {
        const [g, c] = sameStream(device, 7, (d) => {
          const w = torch.empty([129, 67], { dtype, device: d });
          torch.nn.init.uniform_(w, -0.25, 0.75);
          return w;
        });
        expectSame(g, c, 'uniform_', tol('uniform', dtype, device));
      });
    });
  });
});
