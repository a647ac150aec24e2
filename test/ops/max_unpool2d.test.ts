// test/ops/max_unpool2d.test.ts — F.maxUnpool2d / nn.MaxUnpool2d on every device: against PyTorch
// (test/fixtures/pool2d_more.json: output and input grad, float64 and float32, outputSize), a
// float64 finite-difference gradcheck, the inverse of maxPool2d on the seed example, unbatched
// input, extraRepr, argument errors (bad outputSize, indices dtype/shape, out-of-range index), and on
// CUDA bit-identical agreement with the CPU (incl. duplicate indices) and the CPU's error for an
// out-of-range index.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkPoolCase, distinctT, expectClose, fromFixture, randnT, FixtureCase, SEED_POOL } from '../helpers';
import { expectPoolVsCpu, expectSame, poolInput } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const nn = torch.nn;
const unpoolCases = casesOf('pool2d_more', ['max_unpool2d']);

function unpool(c: FixtureCase, x: Tensor, idx: Tensor): Tensor {
  const p = c.params;
  return F.maxUnpool2d(x, idx, p.kernelSize, { stride: p.stride, padding: p.padding, outputSize: p.outputSize });
}

describeOp('max_unpool2d', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases', () => {
      expect(unpoolCases.length).toBeGreaterThanOrEqual(4);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(unpoolCases)('%s', (_n, c) =>
        checkPoolCase(c, dtype, (x) => unpool(c, x, on(fromFixture(c.inputs.indices!))), { device, op: 'max_unpool2d' }));
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 finite differences)', () => {
      test('maxUnpool2d of maxPool2d indices (k2 s2, outputSize 7x7)', () => {
        const src = on(distinctT([1, 2, 7, 7], 6));
        const [, idx] = F.maxPool2d(src, 2, { returnIndices: true });
        gradcheck(([x]) => F.maxUnpool2d(x, idx, 2, { outputSize: [7, 7] }), [randnT([1, 2, 3, 3], 7)], { seed: 777, device });
      });
    });
  });

  describe('examples and modules', () => {
    const seedPool = SEED_POOL;
    test('maxUnpool2d inverts maxPool2d on the kept maxima (MaxUnpool2d module)', () => {
      const x = on(torch.tensor([[seedPool]], { dtype: 'float64' }));
      const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
      const u = new nn.MaxUnpool2d(2).forward(y, idx);
      expectClose(u, [0, 0, 0, 0, 0, 6, 8, 0, 0, 0, 0, 0, 9, 0, 3, 0], { atol: 0, ignoreShape: true });
      expect(u.shape).toEqual([1, 1, 4, 4]);
    });

    test('unbatched [C, H, W] input gives the unbatched output shape', () => {
      const x3 = on(randnT([1, 2, 7, 6], 11)).select(0, 0);
      const [p, idx] = F.maxPool2d(x3, 2, { returnIndices: true });
      expect(F.maxUnpool2d(p, idx, 2, { outputSize: [7, 6] }).shape).toEqual([2, 7, 6]);
    });

    test('extraRepr is PyTorch-like', () => {
      expect(new nn.MaxUnpool2d(2).extraRepr()).toBe('kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)');
    });
  });

  describe('argument errors name the argument', () => {
    test('kernel 0', () => {
      expect(() => new nn.MaxUnpool2d(0)).toThrow(/kernelSize/);
    });
    test('maxUnpool2d: bad outputSize, indices dtype/shape, out-of-range index', () => {
      const x = on(torch.zeros([1, 1, 6, 6], { dtype: 'float64' }));
      const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
      expect(() => F.maxUnpool2d(y, idx, 2, { outputSize: [10, 10] })).toThrow(/outputSize/);
      expect(() => F.maxUnpool2d(y, idx.to('float64'), 2)).toThrow(/indices/);
      expect(() => F.maxUnpool2d(y, idx.reshape([1, 1, 9]) as Tensor, 2)).toThrow(/indices/);
      const bad = on(torch.fromBuffer(BigInt64Array.from([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 99n]), [1, 1, 3, 3]));
      expect(() => F.maxUnpool2d(y, bad, 2)).toThrow(/indices/);
    });
  });

  // Bit-identical on CUDA; with duplicate indices (overlapping pooling windows) the last one wins, as on the CPU.
  vsCpu('CUDA vs CPU (values, gradient, errors)', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each([
        ['2x2 pool', [2, 3, 8, 10], 2, {}],
        ['3x3 stride 2 pad 1 pool, output size given', [1, 2, 9, 11], 3, { stride: 2, padding: 1 }],
        ['overlapping 3x3 stride 1 pool: duplicate indices (the last wins)', [1, 2, 6, 7], 3, { stride: 1, padding: 1 }],
      ] as [string, number[], number, { stride?: number; padding?: number }][])('max_unpool2d after %s', (name, shape, k, opts) => {
        const t = tol('max_unpool2d', dtype, device);
        const x = poolInput(shape, dtype, 41 + shape[3], 'ties');
        const [yc, ic] = F.maxPool2d(x, k, { ...opts, returnIndices: true });
        const [yg, ig] = F.maxPool2d(on(x), k, { ...opts, returnIndices: true });
        expectSame(yg, yc, `${name}: pooled values`, tol('max_pool2d', dtype, device));
        expectSame(ig, ic, `${name}: indices`);
        const outputSize = opts.padding ? [shape[2], shape[3]] : null;
        expectPoolVsCpu(device, yc.detach(), (v) => F.maxUnpool2d(v, v.device === 'cpu' ? ic : ig, k, { ...opts, outputSize }), name, t);
      });

      test('max_unpool2d with an index out of range throws the CPU error, and the device keeps working', () => {
        const x = poolInput([1, 2, 2, 2], dtype, 3);
        const idx = torch.fromBuffer(BigInt64Array.from([0n, 1n, 4n, 5n, 2n, 99n, 3n, 7n]), [1, 2, 2, 2]);
        let cpuMsg = '', gpuMsg = '';
        try { F.maxUnpool2d(x, idx, 2); } catch (e) { cpuMsg = (e as Error).message; }
        try { F.maxUnpool2d(on(x), on(idx), 2).toArray(); } catch (e) { gpuMsg = (e as Error).message; }
        expect(cpuMsg).toMatch(/Expected indices/);
        expect(gpuMsg).toBe(cpuMsg);
        const ok = torch.fromBuffer(BigInt64Array.from([0n, 1n, 4n, 5n, 2n, 15n, 3n, 7n]), [1, 2, 2, 2]);
        expectSame(F.maxUnpool2d(on(x), on(ok), 2), F.maxUnpool2d(x, ok, 2), 'after the error', tol('max_unpool2d', dtype, device));
      });
    });
  });
});
