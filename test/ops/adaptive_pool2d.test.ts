// test/ops/adaptive_pool2d.test.ts — F.adaptiveAvgPool2d / F.adaptiveMaxPool2d and their modules on
// every device: against PyTorch (test/fixtures/pool2d_more.json: outputs, indices (exact) and input
// grads, float64 and float32, sizes below, equal to and above the input, None sizes), float64
// finite-difference gradchecks, the seed's global pooling example, output shapes, unbatched input,
// extraRepr, argument errors, and on CUDA bit-identical agreement with the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkPoolCase, distinctT, expectClose, expectEqualInts, fromFixture, randnT, SEED_POOL, T } from '../helpers';
import { expectPoolVsCpu, poolInput } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const nn = torch.nn;
const adaAvgCases = casesOf('pool2d_more', ['adaptive_avg_pool2d']);
const adaMaxCases = casesOf('pool2d_more', ['adaptive_max_pool2d']);

describeOp('adaptive_pool2d', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases of both ops', () => {
      expect(adaAvgCases.length).toBeGreaterThanOrEqual(6);
      expect(adaMaxCases.length).toBeGreaterThanOrEqual(6);
    });

    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(adaAvgCases)('%s', (_n, c) =>
        checkPoolCase(c, dtype, (x) => F.adaptiveAvgPool2d(x, c.params.outputSize), { device, op: 'adaptive_avg_pool2d' }));
      test.each(adaMaxCases)('%s', (_n, c) =>
        checkPoolCase(
          c,
          dtype,
          (x) => {
            const [y, idx] = F.adaptiveMaxPool2d(x, c.params.outputSize, { returnIndices: true });
            expect(idx.dtype).toBe('int64');
            expectEqualInts(idx, c.outputs!.indices as T, `${c.name} indices`);
            return y;
          },
          { device, op: 'adaptive_max_pool2d', outName: 'output' },
        ),
      );
    });

    test.each(adaMaxCases)('%s: without returnIndices returns one tensor', (_n, c) => {
      const y = F.adaptiveMaxPool2d(on(fromFixture(c.inputs.x!)), c.params.outputSize);
      expect(Array.isArray(y)).toBe(false);
      expectClose(y, c.outputs!.output as T, { atol: 0 });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 finite differences)', () => {
      test('adaptiveAvgPool2d [3, null] on 7x5', () =>
        gradcheck(([x]) => F.adaptiveAvgPool2d(x, [3, null]), [randnT([2, 2, 7, 5], 3)], { seed: 777, device }));
      test('adaptiveAvgPool2d upsampling 3x4 -> 5x6', () =>
        gradcheck(([x]) => F.adaptiveAvgPool2d(x, [5, 6]), [randnT([1, 2, 3, 4], 4)], { seed: 777, device }));
      test('adaptiveMaxPool2d 7x9 -> 3x4', () =>
        gradcheck(([x]) => F.adaptiveMaxPool2d(x, [3, 4]), [distinctT([2, 2, 7, 9], 5)], { seed: 777, device }));
    });
  });

  describe('examples and modules', () => {
    const seedPool = SEED_POOL;

    // The global average is 64 / 16 = 4 (PyTorch 1.13: AdaptiveAvgPool2d(1) gives 4.), not 4.25.
    test('global average 4 and global max 9 (index 12) of the max-pool example', () => {
      const x = on(torch.tensor([[seedPool]], { dtype: 'float32' }));
      const a = new nn.AdaptiveAvgPool2d(1).forward(x);
      expect(a.shape).toEqual([1, 1, 1, 1]);
      expectClose(a, [4], { atol: 0, ignoreShape: true });
      const m = new nn.AdaptiveMaxPool2d(1).forward(x) as Tensor;
      expect(m.shape).toEqual([1, 1, 1, 1]);
      expectClose(m, [9], { atol: 0, ignoreShape: true });
      const [, idx] = new nn.AdaptiveMaxPool2d(1, { returnIndices: true }).forward(x) as [Tensor, Tensor];
      expectEqualInts(idx, [12], 'global max index');
    });

    test('AdaptiveAvgPool2d output shapes', () => {
      const x = on(torch.zeros([2, 3, 10, 7], { dtype: 'float64' }));
      expect(new nn.AdaptiveAvgPool2d(1).forward(x).shape).toEqual([2, 3, 1, 1]);
      expect(new nn.AdaptiveAvgPool2d([5, 7]).forward(x).shape).toEqual([2, 3, 5, 7]);
      expect(new nn.AdaptiveAvgPool2d([null, 3]).forward(x).shape).toEqual([2, 3, 10, 3]);
      expect(new nn.AdaptiveAvgPool2d([4, null]).forward(x).shape).toEqual([2, 3, 4, 7]);
      expect(new nn.AdaptiveAvgPool2d([20, 14]).forward(x).shape).toEqual([2, 3, 20, 14]);
      expect(new nn.AdaptiveAvgPool2d(2).forward(x.select(0, 0)).shape).toEqual([3, 2, 2]);
    });

    test('unbatched [C, H, W] input equals the batched result', () => {
      const x = on(randnT([1, 2, 7, 6], 11));
      const x3 = x.select(0, 0);
      expectClose(F.adaptiveAvgPool2d(x3, [3, 4]), F.adaptiveAvgPool2d(x, [3, 4]).select(0, 0), { atol: 0 });
      expectClose(F.adaptiveMaxPool2d(x3, [3, 4]), F.adaptiveMaxPool2d(x, [3, 4]).select(0, 0), { atol: 0 });
    });

    test('extraRepr is PyTorch-like', () => {
      expect(new nn.AdaptiveAvgPool2d(1).extraRepr()).toBe('output_size=1');
      expect(new nn.AdaptiveAvgPool2d([null, 7]).extraRepr()).toBe('output_size=(None, 7)');
      expect(new nn.AdaptiveMaxPool2d([5, 7]).extraRepr()).toBe('output_size=(5, 7)');
    });
  });

  describe('argument errors name the argument', () => {
    test('outputSize <= 0', () => {
      const x = on(torch.zeros([1, 1, 6, 6], { dtype: 'float64' }));
      expect(() => F.adaptiveAvgPool2d(x, 0)).toThrow(/outputSize/);
      expect(() => F.adaptiveMaxPool2d(x, [2, -1])).toThrow(/outputSize/);
      expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow(/outputSize/);
      expect(() => new nn.AdaptiveMaxPool2d([0, 2])).toThrow(/outputSize/);
    });
  });

  // Bit-identical on CUDA: each output cell scans its window in the CPU's order.
  vsCpu('CUDA vs CPU (values, indices, gradient)', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      describe.each(['smooth', 'ties'] as const)('%s inputs', (kind) => {
        test.each([
          ['adaptive 7x9 -> 3x4', [2, 3, 7, 9], [3, 4]],
          ['adaptive identity', [1, 2, 7, 9], [7, 9]],
          ['adaptive global', [2, 2, 5, 6], [1, 1]],
          ['adaptive upsampling 5x6 -> 10x13', [1, 2, 5, 6], [10, 13]],
          ['adaptive mixed 9x4 -> 5x7', [1, 1, 9, 4], [5, 7]],
          ['adaptive keep width', [1, 3, 11, 5], [4, null]],
        ] as [string, number[], (number | null)[]][])('%s: max (values, indices, grad) and avg', (name, shape, size) => {
          const x = poolInput(shape, dtype, 31 + shape[2], kind);
          expectPoolVsCpu(device, x, (t) => F.adaptiveMaxPool2d(t, size, { returnIndices: true }), `adaptive max ${name}`, tol('adaptive_max_pool2d', dtype, device));
          if (kind === 'smooth') expectPoolVsCpu(device, x, (t) => F.adaptiveAvgPool2d(t, size), `adaptive avg ${name}`, tol('adaptive_avg_pool2d', dtype, device));
        });
      });
    });
  });
});

// Global average pooling (output 1x1) sums each plane in 16 lanes added pairwise (ops/pool2d.h
// plane_sum, the same order on CUDA): against a float64 sum of the same float32 values, for plane
// sizes around the lane count, and the same bits on 1 and 2 threads.
describe('global adaptive average pooling (CPU): lane sums', () => {
  test.each([[1, 1], [3, 5], [4, 4], [1, 17], [7, 7], [28, 28], [33, 31]])('planes of %d x %d', (h, w) => {
    const x = randnT([3, 5, h, w], h * 31 + w, 1).to('float32');
    const got = F.adaptiveAvgPool2d(x, 1).toArray() as Float32Array;
    const xs = x.toArray() as Float32Array;
    const L = h * w;
    for (let pl = 0; pl < 15; pl++) {
      let s = 0, a = 0;
      for (let k = 0; k < L; k++) {
        s += xs[pl * L + k];
        a += Math.abs(xs[pl * L + k]);
      }
      // float32 sums in a tree of depth about log2(16) + L / 16: bounded by that many roundings of the absolute sum
      expect(Math.abs(got[pl] - s / L)).toBeLessThanOrEqual((6e-8 * (4 + L / 16 + 1) * a) / L + 1e-7 * Math.abs(s / L));
    }
  });
  test('the same bits on 1 and 2 threads', () => {
    const before = torch.getNumThreads();
    try {
      const x = randnT([32, 64, 9, 9], 5, 1).to('float32');
      const runs = [1, 2].map((n) => {
        torch.setNumThreads(n);
        return Buffer.from((F.adaptiveAvgPool2d(x, 1).toArray() as Float32Array).buffer);
      });
      expect(runs[0].equals(runs[1])).toBe(true);
    } finally {
      torch.setNumThreads(before);
    }
  });
});
