// test/data/augment.test.ts — AutoAugment, RandAugment and TrivialAugmentWide (lib/data/augment.ts)
// against torchvision 0.14 (the "augment" part of test/fixtures/transforms_more.json): the policy
// tables and magnitude bins equal torchvision's; every op of _apply_op at fixed magnitudes (signed,
// nearest / bilinear, with and without a fill) equals torchvision's on a uint8 image, exactly; the
// transforms draw reproducibly under a seed, keep shapes and kinds, draw their ops as torchvision
// does (every op reachable), rebuild from their specs, and refuse bad arguments.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { applyOp, augmentationSpace, policyTable } from '../../lib/data/augment';

const T = data.transforms;
interface Fx {
  shape: number[];
  dtype: string;
  data: number[];
}
interface Augment {
  policies: Record<string, [string, number, number | null][][]>;
  spaces: Record<string, [string, number[] | null, boolean][]>;
  ops: { op: string; magnitude: number; interpolation: 'nearest' | 'bilinear'; fill: number[] | null; output: Fx }[];
  input: Fx;
}
const fx = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'transforms_more.json'), 'utf8')) as { augment: Augment }).augment;
const u8 = torch.fromBuffer(Uint8Array.from(fx.input.data), fx.input.shape, { dtype: 'uint8' });
const values = (x: unknown): number[] => Array.from(((x instanceof data.Image ? x.data : (x as torch.Tensor).toArray()) as ArrayLike<number>), Number);

describe('tables equal torchvision', () => {
  test.each(['imagenet', 'cifar10', 'svhn'] as const)('policy %s', (p) => {
    expect(policyTable(p)).toEqual(fx.policies[p]);
  });
  test.each([
    ['auto_10_7x9', 'auto', 10, 7, 9],
    ['rand_31_7x9', 'rand', 31, 7, 9],
    ['rand_13_40x50', 'rand', 13, 40, 50],
    ['trivial_31', 'trivial', 31, 0, 0],
  ] as const)('augmentation space %s', (key, kind, bins, h, w) => {
    const got = augmentationSpace(kind, bins, h, w);
    const want = fx.spaces[key];
    expect(got.map((e) => [e[0], e[2]])).toEqual(want.map((e) => [e[0], e[2]]));
    // bins: float32 linspace, compared exactly as float32 values
    got.forEach((e, i) => expect(e[1] && e[1].map(Math.fround)).toEqual(want[i][1] && want[i][1]!.map(Math.fround)));
  });
});

describe('applyOp equals torchvision _apply_op (uint8, exact)', () => {
  test.each(fx.ops.map((o) => [`${o.op} ${o.magnitude} ${o.interpolation} fill ${o.fill ? 'rgb' : 'none'}`, o] as const))('%s', (_n, o) => {
    const y = applyOp(u8, o.op, o.magnitude, o.interpolation, o.fill) as torch.Tensor;
    expect(y.shape).toEqual(o.output.shape);
    expect(values(y)).toEqual(o.output.data);
  });
});

describe('the transforms', () => {
  const img = new data.Image(Uint8Array.from({ length: 6 * 8 * 3 }, (_, i) => (i * 41 + 7) % 256), 8, 6, 'RGB');
  const all: [string, data.transforms.Transform][] = [
    ['AutoAugment imagenet', new T.AutoAugment()],
    ['AutoAugment cifar10 bilinear fill', new T.AutoAugment('cifar10', { interpolation: 'bilinear', fill: [1, 2, 3] })],
    ['AutoAugment svhn', new T.AutoAugment('svhn', { fill: 128 })],
    ['RandAugment', new T.RandAugment()],
    ['RandAugment 3 ops magnitude 20', new T.RandAugment(3, 20, 31, { fill: 0 })],
    ['TrivialAugmentWide', new T.TrivialAugmentWide()],
  ];
  test.each(all)('%s: kind and shape kept, a seed reproduces, seeds vary, the spec rebuilds it', (_n, t) => {
    for (const x of [u8, img, u8.unsqueeze(0).expand([2, 3, 7, 9]).contiguous()]) {
      const at = (s: number) => {
        torch.manualSeed(s);
        return t.forward(x);
      };
      const y = at(11);
      if (x instanceof data.Image) {
        expect(y).toBeInstanceOf(data.Image);
        expect([(y as data.Image).width, (y as data.Image).height, (y as data.Image).mode]).toEqual([8, 6, 'RGB']);
      } else expect((y as torch.Tensor).shape).toEqual(x.shape);
      expect(values(at(11))).toEqual(values(y));
      expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => JSON.stringify(values(at(s))))).size).toBeGreaterThan(1);
    }
    const back = T.transformFromSpec(JSON.parse(JSON.stringify(t.toSpec())))!;
    expect(back.toSpec()).toEqual(t.toSpec());
    torch.manualSeed(4);
    const a = values(t.forward(u8));
    torch.manualSeed(4);
    expect(values(back.forward(u8))).toEqual(a);
  });

  test('RandAugment with magnitude 0 bins leaves the geometry alone; ops are drawn across the space', () => {
    // magnitude bin 0 is 0 for every signed op, Posterize 8 bits, Solarize 255: only AutoContrast / Equalize change u8
    const ra = new T.RandAugment(1, 0, 31);
    const allowed = new Set([JSON.stringify(values(u8)), JSON.stringify(values(data.transforms.functional.autocontrast(u8))),
      JSON.stringify(values(data.transforms.functional.equalize(u8)))]);
    torch.manualSeed(0);
    const seen = new Set<string>();
    for (let k = 0; k < 60; k++) {
      const v = JSON.stringify(values(ra.forward(u8)));
      expect(allowed.has(v)).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
    // TrivialAugmentWide: over many draws, many different results (14 ops x 31 bins x sign)
    const tw = new T.TrivialAugmentWide();
    const outs = new Set<string>();
    for (let k = 0; k < 80; k++) outs.add(JSON.stringify(values(tw.forward(u8))));
    expect(outs.size).toBeGreaterThan(20);
  });

  test('bad arguments are refused with coded errors naming the argument', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new T.AutoAugment('cifar100' as never), /policy/],
      [() => new T.AutoAugment('imagenet', { interpolation: 'bicubic' as never }), /interpolation/],
      [() => new T.AutoAugment('imagenet', { fill: 'x' as never }), /fill/],
      [() => new T.AutoAugment('imagenet', { fil: 0 } as never), /fil/],
      [() => new T.RandAugment(2, 31, 31), /magnitude/],
      [() => new T.RandAugment(-1), /numOps/],
      [() => new T.RandAugment(2, 9, 1), /numMagnitudeBins/],
      [() => new T.TrivialAugmentWide(1.5), /numMagnitudeBins/],
      [() => new T.TrivialAugmentWide(31, {}, 1 as never), /TrivialAugmentWide/],
      [() => new T.AutoAugment().forward(torch.rand([3, 4, 4])), /uint8/],
      [() => new T.RandAugment().forward(torch.zeros([2, 4, 4], { dtype: 'uint8' })), /channels/],
    ];
    for (const [f, re] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      if (!(err instanceof Error) || !(err as { code?: string }).code) throw new Error(`${f.toString()}: ${String(err)}`);
      expect((err as Error).message).toMatch(re);
    }
  });
});
