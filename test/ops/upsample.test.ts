// test/ops/upsample.test.ts — F.interpolate and nn.Upsample / UpsamplingNearest2d /
// UpsamplingBilinear2d on every device: against PyTorch (test/fixtures/upsample.json from
// gen_upsample_fixtures.py: nearest and nearest-exact on 3-D and 4-D inputs, linear, bilinear, bicubic
// and area, size or
// scaleFactor, alignCorners, recomputeScaleFactor, up and down, non-contiguous inputs; output and
// input gradient in float64 and float32, and nearest's and nearest-exact's float32 output exactly), float64
// finite-difference gradchecks, the modules (PyTorch's print) and bad arguments.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT, expectArgError, toNumbers, fromFixture, FixtureCase, T } from '../helpers';

const { nn } = torch;
const F = torch.nn.functional;
const cases = casesOf('upsample');
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;

function apply(c: FixtureCase, x: Tensor): Tensor {
  const p = c.params as { opts: torch.F.InterpolateOptions; transpose: boolean };
  return F.interpolate(p.transpose ? x.transpose(-1, -2) : x, p.opts);
}

describeOp('upsample', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins, c) => apply(c, ins.x!), { title: 'fixture has the cases of the four modes', min: 20 });

  test.each(cases.filter(([, c]) => ['nearest', 'nearest-exact'].includes(c.params.opts.mode ?? 'nearest')))(
    'nearest(-exact) float32 picks the same source pixels as PyTorch: %s', (_n, c) => {
      const x = on(fromFixture(c.inputs.x!, 'float32'));
      expect(toNumbers(apply(c, x))).toEqual((c.outputs!.float32 as T).data);
    });

  dtypes(['float64'] as const, () => {
    test.each([
      ['nearest 3-D, scale 1.7', [1, 2, 5], { scaleFactor: 1.7 }],
      ['linear, size 7', [1, 2, 4], { size: 7, mode: 'linear' }],
      ['bilinear, alignCorners', [1, 2, 3, 4], { size: [5, 3], mode: 'bilinear', alignCorners: true }],
      ['bilinear, scale 0.6', [1, 1, 5, 5], { scaleFactor: 0.6, mode: 'bilinear' }],
      ['bicubic, size', [1, 2, 3, 4], { size: [6, 5], mode: 'bicubic' }],
      ['bicubic, alignCorners, down', [1, 1, 6, 5], { size: [4, 3], mode: 'bicubic', alignCorners: true }],
    ] as [string, number[], torch.F.InterpolateOptions][])('gradcheck %s (float64 central differences)', (_n, shape, opts) => {
      gradcheck(([x]) => F.interpolate(x, opts), [randnT(shape, 9)], { device });
    });
  });

  test('the modules: F.interpolate with their options, and PyTorch print', () => {
    const x = on(randnT([1, 2, 3, 4], 4));
    const up = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' });
    expect(up.toString()).toBe('Upsample(scale_factor=2.0, mode=bilinear)');
    expect(toNumbers(up.forward(x))).toEqual(toNumbers(F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })));
    expect(new nn.Upsample({ size: [5, 6] }).toString()).toBe('Upsample(size=(5, 6), mode=nearest)');
    expect(new nn.Upsample().toString()).toBe('Upsample(size=None, mode=nearest)');
    const nearest = new nn.UpsamplingNearest2d({ size: 5 });
    expect(nearest.toString()).toBe('UpsamplingNearest2d(size=5, mode=nearest)');
    expect(toNumbers(nearest.forward(x))).toEqual(toNumbers(F.interpolate(x, { size: 5 })));
    const bil = new nn.UpsamplingBilinear2d({ scaleFactor: 1.5 });
    expect(bil.toString()).toBe('UpsamplingBilinear2d(scale_factor=1.5, mode=bilinear)');
    expect(toNumbers(bil.forward(x))).toEqual(toNumbers(F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true })));
  });

  describe('bad arguments', () => {
    const x = () => on(randnT([1, 2, 3, 4], 1));
    const code = (f: () => unknown, c: string) => expect(f).toThrow(expect.objectContaining({ code: c }));
    test.each([
      ['neither size nor scaleFactor', () => F.interpolate(x(), {}), 'opts'],
      ['both', () => F.interpolate(x(), { size: 3, scaleFactor: 2 }), 'opts'],
      ['size of the wrong length', () => F.interpolate(x(), { size: [3, 3, 3] }), 'opts.size'],
      ['size 0', () => F.interpolate(x(), { size: [0, 3] }), 'opts.size'],
      ['scale giving size 0', () => F.interpolate(x(), { scaleFactor: 0.2 }), 'opts.scaleFactor'],
      ['negative scale', () => F.interpolate(x(), { scaleFactor: -2 }), 'opts.scaleFactor'],
      ['alignCorners with nearest', () => F.interpolate(x(), { size: 3, alignCorners: false }), 'opts.alignCorners'],
      ['recompute with size', () => F.interpolate(x(), { size: 3, mode: 'bilinear', recomputeScaleFactor: true }), 'opts.recomputeScaleFactor'],
      ['linear on 4-D', () => F.interpolate(x(), { size: 3, mode: 'linear' }), 'input'],
      ['bilinear on 3-D', () => F.interpolate(on(randnT([1, 2, 3], 1)), { size: 3, mode: 'bilinear' }), 'input'],
      ['unknown mode', () => F.interpolate(x(), { size: 3, mode: 'cubic' as 'bicubic' }), 'opts.mode'],
      ['unknown key', () => loose(F.interpolate)(x(), { size: 3, scale_factor: 2 }), /'scaleFactor'/],
      ['extra positional', () => loose(F.interpolate)(x(), { size: 3 }, 'nearest'), /interpolate\(\)/],
      ['int64 input', () => F.interpolate(on(torch.zeros([1, 1, 2, 2], { dtype: 'int64' })), { size: 3 }), 'input'],
      ['nn.Upsample unknown key', () => new (nn.Upsample as unknown as new (...a: unknown[]) => unknown)({ scale: 2 }), 'opts.scale'],
      ['nn.Upsample neither (at forward, as PyTorch)', () => new nn.Upsample().forward(x()), 'opts'],
      ['nn.Upsample both (at forward, as PyTorch)', () => new nn.Upsample({ size: 2, scaleFactor: 2 }).forward(x()), 'opts'],
      ['nn.Upsample bad size', () => new nn.Upsample({ size: 0 }), 'opts.size'],
      ['nn.UpsamplingBilinear2d mode', () => new (nn.UpsamplingBilinear2d as unknown as new (...a: unknown[]) => unknown)({ size: 2, mode: 'nearest' }), 'opts.mode'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_n, f, name) => expectArgError(f, name));
    test('modes and inputs PyTorch has but torchlet does not yet: ERR_TORCHLET_NOT_IMPLEMENTED', () => {
      code(() => F.interpolate(x(), { size: 3, mode: 'area', antialias: true }), 'ERR_TORCHLET_NOT_IMPLEMENTED');
      expectArgError(() => F.interpolate(x(), { size: 3, mode: 'area', alignCorners: false }), 'opts.alignCorners');
      code(() => F.interpolate(x(), { size: 3, mode: 'bilinear', antialias: true }), 'ERR_TORCHLET_NOT_IMPLEMENTED');
      code(() => F.interpolate(on(randnT([1, 1, 2, 2, 2], 1)), { size: 3, mode: 'trilinear' }), 'ERR_TORCHLET_NOT_IMPLEMENTED');
    });
  });
});
