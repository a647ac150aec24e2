// test/ops/avg_pool2d.test.ts — F.avgPool2d / nn.AvgPool2d on every device: against PyTorch
// (test/fixtures/pool2d_more.json: output and input grad, float64 and float32, padding, ceil mode,
// countIncludePad, divisorOverride), float64 finite-difference gradchecks, the seed example,
// unbatched input, extraRepr, argument errors, and on CUDA bit-identical agreement with the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkPoolCase, expectClose, randnT, FixtureCase } from '../helpers';
import { expectPoolVsCpu, poolInput } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const nn = torch.nn;
const avgCases = casesOf('pool2d_more', ['avg_pool2d']);

function avg(c: FixtureCase, x: Tensor): Tensor {
  const p = c.params;
  return F.avgPool2d(x, p.kernelSize, {
    stride: p.stride,
    padding: p.padding,
    ceilMode: p.ceilMode,
    countIncludePad: p.countIncludePad,
    divisorOverride: p.divisorOverride,
  });
}

describeOp('avg_pool2d', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases', () => {
      expect(avgCases.length).toBeGreaterThanOrEqual(10);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(avgCases)('%s', (_n, c) => checkPoolCase(c, dtype, (x) => avg(c, x), { device, op: 'avg_pool2d' }));
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 finite differences)', () => {
      test('avgPool2d k3 s2 p1 ceil, countIncludePad false', () =>
        gradcheck(([x]) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [randnT([2, 2, 6, 7], 1)], { seed: 777, device }));
      test('avgPool2d k2x3 s1x2 p1, divisorOverride 4', () =>
        gradcheck(([x]) => F.avgPool2d(x, [2, 3], { stride: [1, 2], padding: 1, divisorOverride: 4 }), [randnT([1, 2, 5, 6], 2)], { seed: 777, device }));
    });
  });

  describe('examples and modules', () => {
    test('avg pooling of 1..16 (1x1x4x4) with kernel 2 is [[3.5, 5.5], [11.5, 13.5]]', () => {
      const x = on(torch.tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]], { dtype: 'float64' }));
      const y = F.avgPool2d(x, 2);
      expect(y.shape).toEqual([1, 1, 2, 2]);
      expectClose(y, [3.5, 5.5, 11.5, 13.5], { atol: 0, ignoreShape: true });
      expectClose(new nn.AvgPool2d(2).forward(x), [3.5, 5.5, 11.5, 13.5], { atol: 0, ignoreShape: true });
    });

    test('windows inside the input (the vectorised path): 40 seeded random shapes equal a direct reference', () => {
      let seed = 12345;
      const rand = (lo: number, hi: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return lo + (seed % (hi - lo + 1));
      };
      for (let c = 0; c < 40; c++) {
        const [kh, kw, sh, sw] = [rand(1, 4), rand(1, 4), rand(1, 3), rand(1, 3)];
        const [H, W] = [rand(kh, kh + 9), rand(kw, kw + 9)];
        const div = rand(0, 3) === 0 ? rand(1, 7) : undefined;
        const x = on(randnT([2, 3, H, W], 100 + c));
        const y = F.avgPool2d(x, [kh, kw], { stride: [sh, sw], divisorOverride: div });
        const OH = Math.floor((H - kh) / sh) + 1;
        const OW = Math.floor((W - kw) / sw) + 1;
        expect(y.shape).toEqual([2, 3, OH, OW]);
        const xv = x.toArray() as Float64Array;
        const want: number[] = [];
        for (let pl = 0; pl < 6; pl++)
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let sum = 0;
              for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) sum += xv[pl * H * W + (oh * sh + i) * W + ow * sw + j];
              want.push(sum / (div ?? kh * kw));
            }
        expect(Array.from(y.toArray() as Float64Array)).toEqual(want);
      }
    });

    test('windows inside the input, float32, rows of up to 40 outputs (the AVX-512 path: steps of 16 and tails): equal a float32 reference summed in the same order', () => {
      let seed = 777;
      const rand = (lo: number, hi: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return lo + (seed % (hi - lo + 1));
      };
      const f = Math.fround;
      for (let c = 0; c < 40; c++) {
        const [kh, kw, sh, sw] = [rand(1, 3), rand(1, 3), rand(1, 2), c % 2 === 0 ? 2 : rand(1, 3)];
        const [H, W] = [rand(kh, kh + 5), rand(kw, kw + 80)];
        const x = on(torch.randn([2, 3, H, W]));
        const y = F.avgPool2d(x, [kh, kw], { stride: [sh, sw] });
        const OH = Math.floor((H - kh) / sh) + 1;
        const OW = Math.floor((W - kw) / sw) + 1;
        expect(y.shape).toEqual([2, 3, OH, OW]);
        const xv = x.toArray() as Float32Array;
        const want = new Float32Array(6 * OH * OW);
        let q = 0;
        for (let pl = 0; pl < 6; pl++)
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let sum = 0;
              for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) sum = f(sum + xv[pl * H * W + (oh * sh + i) * W + ow * sw + j]);
              want[q++] = f(sum / (kh * kw));
            }
        expect(y.toArray()).toEqual(want);
      }
    });

    test('unbatched [C, H, W] input equals the batched result', () => {
      const x = on(randnT([1, 2, 7, 6], 11));
      const x3 = x.select(0, 0);
      expectClose(F.avgPool2d(x3, 3, { stride: 2, padding: 1 }), F.avgPool2d(x, 3, { stride: 2, padding: 1 }).select(0, 0), { atol: 0 });
    });

    test('extraRepr is PyTorch-like', () => {
      expect(new nn.AvgPool2d(2).extraRepr()).toBe('kernel_size=2, stride=2, padding=0');
      expect(new nn.AvgPool2d([3, 2], { stride: 1, padding: [1, 0] }).extraRepr()).toBe('kernel_size=(3, 2), stride=1, padding=(1, 0)');
    });
  });

  describe('argument errors name the argument', () => {
    const x = () => on(torch.zeros([1, 1, 6, 6], { dtype: 'float64' }));
    test('kernel 0', () => {
      expect(() => F.avgPool2d(x(), 0)).toThrow(/kernelSize/);
      expect(() => new nn.AvgPool2d(0)).toThrow(/kernelSize/);
    });
    test('padding > half kernel', () => {
      expect(() => F.avgPool2d(x(), 2, { padding: 2 })).toThrow(/padding/);
      expect(() => new nn.AvgPool2d(3, { padding: 2 })).toThrow(/padding/);
    });
    test('divisorOverride 0', () => expect(() => F.avgPool2d(x(), 2, { divisorOverride: 0 })).toThrow(/divisorOverride/));
    test('integer input', () => expect(() => F.avgPool2d(on(torch.zeros([1, 1, 4, 4], { dtype: 'int64' })), 2)).toThrow(/input/));
  });

  // Bit-identical on CUDA: windows summed in the CPU's order, gradients gathered in the same order.
  vsCpu('CUDA vs CPU (values, gradient)', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each([
        ['3x3 stride 2 pad 1', [2, 3, 9, 11], 3, { stride: 2, padding: 1 }],
        ['3x3 stride 2 pad 1, count_include_pad false', [2, 3, 9, 11], 3, { stride: 2, padding: 1, countIncludePad: false }],
        ['2x2', [1, 2, 10, 7], 2, {}],
        ['3x2 stride [1,2] pad [1,1] ceil', [1, 2, 8, 9], [3, 2], { stride: [1, 2], padding: [1, 1], ceilMode: true }],
        ['divisor override', [2, 1, 7, 7], 3, { stride: 2, padding: 1, divisorOverride: 5 }],
        ['ceil, count_include_pad false', [1, 1, 10, 10], 3, { stride: 3, ceilMode: true, countIncludePad: false }],
        ['overlapping 4x4 stride 1', [1, 3, 12, 13], 4, { stride: 1 }],
        ['empty batch', [0, 2, 5, 5], 2, {}],
      ] as [string, number[], number | number[], object][])('avg_pool2d %s', (name, shape, k, opts) => {
        const x = poolInput(shape, dtype, 3 + shape[3]);
        expectPoolVsCpu(device, x, (t) => F.avgPool2d(t, k, opts), name, tol('avg_pool2d', dtype, device));
      });
    });
  });
});
