// test/ops/random.test.ts — the random number generator on every device: argument errors of
// manualSeed and of randn's dtype, and on CUDA agreement with the CPU generator (the random kernel):
// the same seed and stream position give the same numbers on both devices — uniform (rand,
// nn.init.uniform_) bit-identical, normal (randn) within the libm rounding of log/cos ('randn'
// tolerance) — on awkward sizes (1, odd, more than one grid) with the stream advanced between draws,
// and different seeds / offsets give different streams. (Dropout masks: dropout.test.ts.)
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { expectArgError, ArgErrorRow } from '../helpers';
import { expectSame, sameStream } from './compare';
import { tol } from './tolerances';

function nums(t: Tensor): number[] {
  return Array.from(t.toArray() as ArrayLike<number>);
}

describeOp('random', ({ device, dtypes, vsCpu }) => {
  describe('argument errors name the argument', () => {
    const rows: ArgErrorRow[] = [
      ['randn: int64 dtype', () => torch.randn([2], { dtype: 'int64' }), 'dtype'],
      ['manualSeed(-1)', () => torch.manualSeed(-1), 'seed'],
      ['manualSeed(1.5)', () => torch.manualSeed(1.5), 'seed'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  vsCpu('CUDA vs CPU: the same stream', () => {
    const SIZES = [[1], [7], [1001], [33, 65], [0], [1 << 20, 3]];

    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each(SIZES)('rand %p is bit-identical', (...shape) => {
        const [g, c] = sameStream(device, 1234, (d) => {
          torch.rand([5], { dtype, device: d }); // advance the stream: a non-zero offset
          return torch.rand(shape, { dtype, device: d });
        });
        expectSame(g, c, 'rand', tol('rand', dtype, device));
        for (const v of nums(g)) if (!(v >= 0 && v < 1)) throw new Error(`rand out of [0, 1): ${v}`);
      });

      test.each(SIZES)('randn %p agrees within libm rounding', (...shape) => {
        const [g, c] = sameStream(device, 99, (d) => {
          torch.randn([3], { dtype, device: d });
          return torch.randn(shape, { dtype, device: d });
        });
        const a = nums(g), b = nums(c);
        const t = tol('randn', dtype, device);
        let differ = 0;
        for (let i = 0; i < a.length; i++) {
          if (Object.is(a[i], b[i])) continue;
          differ++;
          if (!(Math.abs(a[i] - b[i]) <= t.rtol * Math.abs(b[i]) + t.atol)) throw new Error(`randn element ${i}: cuda ${a[i]} vs cpu ${b[i]}`);
        }
        // float32: rounding double -> float hides the libm differences almost always
        if (dtype === 'float32') expect(differ).toBeLessThanOrEqual(Math.max(2, a.length * 1e-4));
      });
    });

    test('different seeds and offsets give different CUDA streams, the same seed the same one', () => {
      torch.manualSeed(5);
      const a = nums(torch.rand([64], { device }));
      const b = nums(torch.rand([64], { device }));
      torch.manualSeed(5);
      const a2 = nums(torch.rand([64], { device }));
      expect(a2).toEqual(a);
      expect(b).not.toEqual(a);
    });
  });
});
