// test/ops/upsample.test.ts — F.interpolate and nn.Upsample / UpsamplingNearest2d /
// UpsamplingBilinear2d on every device: against PyTorch (test/fixtures/upsample.json from
// gen_upsample_fixtures.py: nearest and nearest-exact on 3-D, 4-D and 5-D inputs, linear, bilinear,
// bicubic (with and without antialias), trilinear and area, size or scaleFactor, alignCorners,
// recomputeScaleFactor, up and down, non-contiguous inputs; output and input gradient in float64 and
// float32, and nearest's and nearest-exact's float32 output exactly), float64 finite-difference
// gradchecks, the modules (PyTorch's print) and bad arguments (the native tap-table bound included).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { native, enums } from '../../lib/binding';
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
  fixtureCases(run, cases, (ins, c) => apply(c, ins.x!), { title: 'fixture has the cases of every mode, antialias and 5-D', min: 55 });

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
      ['bilinear antialias, down', [1, 2, 7, 6], { size: [3, 2], mode: 'bilinear', antialias: true }],
      ['bilinear antialias, up and down', [1, 1, 3, 8], { size: [5, 3], mode: 'bilinear', antialias: true, alignCorners: true }],
      ['bicubic antialias, down', [1, 1, 9, 7], { scaleFactor: [0.4, 0.6], mode: 'bicubic', antialias: true }],
      ['bicubic antialias, up, alignCorners', [1, 1, 3, 4], { size: [5, 6], mode: 'bicubic', antialias: true, alignCorners: true }],
      ['trilinear', [1, 2, 2, 3, 3], { size: [3, 2, 4], mode: 'trilinear' }],
      ['trilinear, alignCorners', [1, 1, 3, 2, 3], { scaleFactor: [0.7, 1.5, 1], mode: 'trilinear', alignCorners: true }],
      ['nearest 5-D', [1, 2, 2, 3, 2], { scaleFactor: [1.5, 0.7, 2] }],
      ['nearest-exact 5-D', [1, 1, 3, 2, 3], { size: [2, 3, 4], mode: 'nearest-exact' }],
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
    const v = on(randnT([1, 2, 2, 3, 2], 5));
    const tri = new nn.Upsample({ size: [3, 4, 5], mode: 'trilinear', alignCorners: true });
    expect(tri.toString()).toBe('Upsample(size=(3, 4, 5), mode=trilinear)');
    expect(tri.forward(v).shape).toEqual([1, 2, 3, 4, 5]);
    expect(toNumbers(tri.forward(v))).toEqual(toNumbers(F.interpolate(v, { size: [3, 4, 5], mode: 'trilinear', alignCorners: true })));
    expect(toNumbers(new nn.UpsamplingNearest2d({ scaleFactor: 2 }).forward(v))).toEqual(toNumbers(F.interpolate(v, { scaleFactor: 2 })));
  });

  test('antialias: upscaling bilinear is plain bilinear; a large downscale averages (a box of the scale)', () => {
    const x = on(randnT([1, 2, 4, 5], 6));
    const up = (aa: boolean) => toNumbers(F.interpolate(x, { size: [7, 9], mode: 'bilinear', antialias: aa }));
    up(true).forEach((v, i) => expect(v).toBeCloseTo(up(false)[i], 5));
    // 8 -> 1 with a triangle filter of half-width 8 centred at 4: weights 1 - |j + 0.5 - 4| / 8
    const ramp = on(torch.arange(0, 8, 1, { dtype: 'float64' }).reshape([1, 1, 1, 8]));
    const w = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => 1 - Math.abs(j + 0.5 - 4) / 8);
    const expected = w.reduce((a, wj, j) => a + wj * j, 0) / w.reduce((a, b) => a + b, 0);
    expect(toNumbers(F.interpolate(ramp, { size: [1, 1], mode: 'bilinear', antialias: true }))[0]).toBeCloseTo(expected, 12);
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
      ['bilinear on 5-D', () => F.interpolate(on(randnT([1, 1, 2, 2, 2], 1)), { size: 3, mode: 'bilinear' }), 'input'],
      ['trilinear on 4-D', () => F.interpolate(x(), { size: 3, mode: 'trilinear' }), 'input'],
      ['6-D input', () => F.interpolate(on(randnT([1, 1, 1, 2, 2, 2], 1)), { size: 3 }), 'input'],
      ['5-D size of the wrong length', () => F.interpolate(on(randnT([1, 1, 2, 2, 2], 1)), { size: [3, 3] }), 'opts.size'],
      ['antialias with nearest (PyTorch refuses it)', () => F.interpolate(x(), { size: 3, antialias: true }), 'opts.antialias'],
      ['antialias with area', () => F.interpolate(x(), { size: 3, mode: 'area', antialias: true }), 'opts.antialias'],
      ['antialias with trilinear', () => F.interpolate(on(randnT([1, 1, 2, 2, 2], 1)), { size: 3, mode: 'trilinear', antialias: true }), 'opts.antialias'],
      ['antialias not a boolean', () => F.interpolate(x(), { size: 3, mode: 'bilinear', antialias: 1 as unknown as boolean }), 'opts.antialias'],
      ['alignCorners with area', () => F.interpolate(x(), { size: 3, mode: 'area', alignCorners: false }), 'opts.alignCorners'],
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
    test('the native op refuses antialias tap tables past 2^28 entries, and antialias with nearest, before touching memory', () => {
      const t = on(torch.zeros([1, 1, 1, 1]));
      const p = { mode: enums.UpsampleMode.Linear, planes: 1, inD: 1, inH: 1, inW: 2 ** 40, outD: 1, outH: 1, outW: 1,
        alignCorners: false, antialias: true, scaleD: 0, scaleH: 0, scaleW: 0 };
      code(() => native.upsample(t.arg(), t.arg(), p), 'ERR_TORCHLET_INVALID_ARG');
      code(() => native.upsampleBackward(t.arg(), t.arg(), p), 'ERR_TORCHLET_INVALID_ARG');
      code(() => native.upsample(t.arg(), t.arg(), { ...p, inW: 1, mode: enums.UpsampleMode.Nearest }), 'ERR_TORCHLET_INVALID_ARG');
      // and the same sizes without antialias are only refused for the element count
      code(() => native.upsample(t.arg(), t.arg(), { ...p, antialias: false }), 'ERR_TORCHLET_SHAPE');
    });
  });
});
