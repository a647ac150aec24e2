// test/data/random_rotation.test.ts — torch.data.transforms.RandomRotation (lib/data/transforms.ts)
// against torchvision 0.14's tensor path with the angle pinned (degrees [a, a]; fixtures
// test/fixtures/random_rotation.json from gen_random_rotation_fixtures.py): uint8 / float32 / float64
// images and a uint8 batch, nearest and bilinear, expand, center and fills, exactly (uint8) or to the
// last float bits; the result equals functional.rotate at the drawn angle (one implementation);
// getParams draws a float32 angle in [min, max] reproducibly under torch.manualSeed; Image inputs;
// the spec round trip; refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { Fx, tensorOf, values, expectFixture } from './fixture_tensors';

const T = data.transforms;
const F = data.transforms.functional;
interface Case {
  name: string;
  degrees: [number, number];
  opts: Record<string, unknown>;
  input: Fx;
  output: Fx;
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'random_rotation.json'), 'utf8')) as { cases: Case[] };

describe('RandomRotation against torchvision (angle pinned)', () => {
  test.each(fixtures.cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => {
    const t = new T.RandomRotation(c.degrees, c.opts as never);
    const y = t.forward(tensorOf(c.input)) as torch.Tensor;
    expectFixture(y, c.output);
  });

  test('the fixed-angle cases cover uint8 and float, expand true and false', () => {
    const names = fixtures.cases.map((c) => c.name);
    for (const d of ['uint8', 'float32', 'float64'])
      for (const interp of ['nearest', 'bilinear']) {
        expect(names).toContain(`${d}_${interp}_30_[]`);
        expect(names).toContain(`${d}_${interp}_30_['expand']`);
      }
    // expand changes the size as torchvision's _compute_affine_output_size (9 x 8 at 30 degrees: 13 x 12, where PIL gives 12 x 12)
    const c = fixtures.cases.find((k) => k.name === "uint8_nearest_30_['expand']")!;
    expect(c.output.shape).toEqual([3, 13, 12]);
  });
});

describe('RandomRotation draws', () => {
  const x = torch.fromBuffer(Uint8Array.from({ length: 3 * 9 * 8 }, (_, i) => (i * 37 + 11) % 251), [3, 9, 8], { dtype: 'uint8' });
  test('the output is functional.rotate at the drawn angle (fill per channel), reproducible under a seed', () => {
    const t = new T.RandomRotation([-40, 25], { interpolation: 'bilinear', expand: true, fill: 7 });
    for (const seed of [3, 11]) {
      torch.manualSeed(seed);
      const angle = T.RandomRotation.getParams([-40, 25]);
      torch.manualSeed(seed);
      const y = t.forward(x);
      expect(values(y)).toEqual(values(F.rotate(x, angle, { interpolation: 'bilinear', expand: true, fill: [7, 7, 7] })));
    }
    torch.manualSeed(5);
    const a = values(t.forward(x));
    torch.manualSeed(5);
    expect(values(t.forward(x))).toEqual(a);
  });

  test('getParams: a float32 angle within [min, max]; a one-point range is that point', () => {
    torch.manualSeed(1);
    const angles = Array.from({ length: 200 }, () => T.RandomRotation.getParams([-30.3, 12.1]));
    for (const a of angles) {
      expect(a).toBe(Math.fround(a));
      expect(a).toBeGreaterThanOrEqual(Math.fround(-30.3));
      expect(a).toBeLessThanOrEqual(Math.fround(12.1));
    }
    expect(Math.min(...angles)).toBeLessThan(-20);
    expect(Math.max(...angles)).toBeGreaterThan(2);
    expect(T.RandomRotation.getParams([12.5, 12.5])).toBe(12.5);
    expect(() => T.RandomRotation.getParams([3, -3])).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
  });

  test('an Image is rotated as its uint8 tensor and stays an Image', () => {
    const img = new data.Image(Uint8Array.from({ length: 9 * 8 * 3 }, (_, i) => (i * 29) % 256), 8, 9, 'RGB');
    const t = new T.RandomRotation([30, 30], { expand: true, fill: [1, 2, 3] });
    const y = t.forward(img) as data.Image;
    expect(y).toBeInstanceOf(data.Image);
    expect(values(y)).toEqual(values(F.rotate(img, 30, { expand: true, fill: [1, 2, 3] })));
  });

  test('spec round trip and refusals', () => {
    const t = new T.RandomRotation([10, 20], { interpolation: 'bilinear', expand: true, center: [1, 2], fill: [1, 2, 3] });
    const u = T.transformFromSpec(T.specOf(t))!;
    torch.manualSeed(9);
    const a = values(t.forward(x));
    torch.manualSeed(9);
    expect(values(u.forward(x))).toEqual(a);
    expect(() => new T.RandomRotation([20, 10])).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
    expect(() => new T.RandomRotation(-1)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
    expect(() => new T.RandomRotation(10, { expnad: true } as never)).toThrow(/expnad/);
    expect(() => new T.RandomRotation(10, { fill: [1, 2] }).forward(x)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_SHAPE' }));
  });
});
