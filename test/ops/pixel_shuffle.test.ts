// test/ops/pixel_shuffle.test.ts — F.pixelShuffle / F.pixelUnshuffle, nn.PixelShuffle /
// nn.PixelUnshuffle and nn.Unflatten on every device: against PyTorch (test/fixtures/pixel_shuffle.json,
// from test/fixtures/gen_pixel_shuffle_fixtures.py): outputs and input gradients in float64 and float32
// (factors 1-3, unbatched and two batch dims), the inverse pair round trip, a float64 gradcheck on a
// non-contiguous input, printed forms, and argument errors that name the argument.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, expectClose, FixtureCase, randnT } from '../helpers';
import { gradcheck } from '../gradcheck';
import { describeOp } from '../devices';

const F = torch.F;
const nn = torch.nn;
const shuffleCases = casesOf('pixel_shuffle', ['pixel_shuffle', 'pixel_unshuffle']);
const unflattenCases = casesOf('pixel_shuffle', ['unflatten']);
const both = (cs: [string, FixtureCase][]) => cs.flatMap(([name, c]) => (['float64', 'float32'] as const).map((d) => [`${name} ${d}`, c, d] as const));
const reprs = casesOf('pixel_shuffle', ['containers'])[0][1] as unknown as { repr: { shuffle: string[] } };

describeOp('pixel_shuffle', ({ device, on }) => {
  describe('vs PyTorch', () => {
    test.each(both(shuffleCases))('%s', (_name, c: FixtureCase, dtype) => {
      const r = c.params.factor;
      checkDiffCase(c, dtype, (ins) => (c.op === 'pixel_shuffle' ? F.pixelShuffle(ins.x!, r) : F.pixelUnshuffle(ins.x!, r)), { device, op: 'pixel_shuffle' });
    });
    test.each(both(unflattenCases))('nn.Unflatten %s', (_name, c: FixtureCase, dtype) => {
      const m = new nn.Unflatten(c.params.dim, c.params.sizes);
      expect(String(m)).toBe((c as unknown as { repr: string }).repr);
      checkDiffCase(c, dtype, (ins) => m.forward(ins.x!), { device, op: 'pixel_shuffle' });
    });
    test('modules: forward equals F, printed like PyTorch; unshuffle inverts shuffle', () => {
      const s = new nn.PixelShuffle(3);
      const u = new nn.PixelUnshuffle(2);
      expect([String(s), String(u)]).toEqual(reprs.repr.shuffle);
      const x = on(randnT([2, 18, 3, 4], 1));
      expectClose(s.forward(x), F.pixelShuffle(x, 3), { atol: 0 });
      expect(s.forward(x).shape).toEqual([2, 2, 9, 12]);
      expectClose(new nn.PixelUnshuffle(3).forward(s.forward(x)), x, { atol: 0 });
      expectClose(u.forward(x.narrow(2, 0, 2)), F.pixelUnshuffle(x.narrow(2, 0, 2), 2), { atol: 0 });
    });
    test('gradcheck (float64) through a non-contiguous input', () => {
      gradcheck(([x]) => F.pixelShuffle(x.transpose(2, 3), 2), [randnT([1, 4, 3, 2], 2)], { device });
      gradcheck(([x]) => F.pixelUnshuffle(x, 2), [randnT([2, 1, 2, 4], 3)], { device });
    });
  });

  describe('argument errors name the argument', () => {
    const z = (shape: number[]): Tensor => torch.zeros(shape, { device });
    const rows: [string, () => unknown, RegExp][] = [
      ['shuffle: 2-D input', () => F.pixelShuffle(z([4, 4]), 2), /for input\b/],
      ['shuffle: channels not divisible by r^2', () => F.pixelShuffle(z([1, 6, 2, 2]), 2), /for input\b/],
      ['shuffle: factor 0', () => F.pixelShuffle(z([1, 4, 2, 2]), 0), /for upscaleFactor\b/],
      ['shuffle: factor 1.5', () => F.pixelShuffle(z([1, 4, 2, 2]), 1.5), /for upscaleFactor\b/],
      ['unshuffle: size not divisible', () => F.pixelUnshuffle(z([1, 1, 3, 4]), 2), /for input\b/],
      ['unshuffle: extra positional argument', () => (F.pixelUnshuffle as (...a: unknown[]) => Tensor)(z([1, 1, 4, 4]), 2, 1), /for pixelUnshuffle\(\)/],
      ['nn.PixelShuffle factor', () => new nn.PixelShuffle(-1), /for upscaleFactor\b/],
      ['nn.Unflatten sizes not an array', () => new nn.Unflatten(1, 4 as never), /for unflattenedSize\b/],
      ['nn.Unflatten two -1', () => new nn.Unflatten(1, [-1, -1]), /for unflattenedSize\b/],
      ['nn.Unflatten product mismatch', () => new nn.Unflatten(1, [2, 3]).forward(z([2, 5])), /for input\b/],
      ['nn.Unflatten dim out of range', () => new nn.Unflatten(3, [1]).forward(z([2, 5])), /for dim\b/],
    ];
    test.each(rows)('%s', (_name, fn, re) => {
      expect(fn).toThrow(re);
    });
  });
});
