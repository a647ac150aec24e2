// test/data/augmix.test.ts — torch.data.transforms.AugMix (lib/data/augment.ts) against torchvision
// 0.14 with the randomness pinned: test/fixtures/augmix.json (gen_augmix_fixtures.py) runs
// torchvision's AugMix.forward with fixed Dirichlet weights and randint draws and records them; the
// same draws go through AugMix.applyDraws here (the path forward takes after drawing): uint8 images
// over every op, bilinear / nearest, fills, a 1-channel image, a batch, float32 / float64 images;
// exact for uint8. Also the op space, the draws (Dirichlet weights, depths, bins, ops) from the
// global generator, reproducibility under torch.manualSeed, Image inputs, specs and refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { augMixSpace, AugMixDraws } from '../../lib/data/augment';
import { Fx, tensorOf, values, expectFixture } from './fixture_tensors';

const T = data.transforms;
interface Case {
  name: string;
  opts: Record<string, unknown>;
  draws: AugMixDraws;
  input: Fx;
  output: Fx;
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'augmix.json'), 'utf8')) as {
  cases: Case[];
  space: Record<string, [number[] | null, boolean]>;
};

describe('AugMix against torchvision (draws pinned)', () => {
  test.each(fixtures.cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => {
    const t = new T.AugMix(c.opts as never);
    const y = t.applyDraws(tensorOf(c.input), c.draws) as torch.Tensor;
    expectFixture(y, c.output);
  });

  test('the cases cover every op, uint8 and float inputs', () => {
    const ops = new Set(fixtures.cases.flatMap((c) => c.draws.chains.flat().map((s) => s.op)));
    expect([...ops].sort()).toEqual(Object.keys(fixtures.space).sort());
    expect(new Set(fixtures.cases.map((c) => c.input.dtype))).toEqual(new Set(['uint8', 'float32', 'float64']));
  });

  test("the op space: torchvision's names, order, magnitudes and signs", () => {
    const ours = augMixSpace(true, 10, 12);
    expect(ours.map(([n]) => n)).toEqual(Object.keys(fixtures.space));
    for (const [n, mags, signed] of ours) {
      const [want, wantSigned] = fixtures.space[n];
      expect(signed).toBe(wantSigned);
      if (want === null) expect(mags).toBeNull();
      else mags!.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want[i]))));
    }
    expect(augMixSpace(false, 10, 12).map(([n]) => n)).toEqual(Object.keys(fixtures.space).slice(0, 9));
  });
});

describe('AugMix draws', () => {
  const x = torch.fromBuffer(Uint8Array.from({ length: 3 * 10 * 12 }, (_, i) => (i * 37 + 11) % 251), [3, 10, 12], { dtype: 'uint8' });
  test('weights are Dirichlet draws; depths, ops and bins within their ranges', () => {
    torch.manualSeed(4);
    const t = new T.AugMix({ severity: 4, mixtureWidth: 4 });
    const m0: number[] = [];
    const depths = new Set<number>();
    const ops = new Set<string>();
    for (let k = 0; k < 200; k++) {
      const d = t.drawParams(1, 10, 12);
      expect(Math.abs(d.m[0][0] + d.m[0][1] - 1)).toBeLessThan(1e-6);
      expect(Math.abs(d.weights[0].reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      expect(d.weights[0].every((w) => w >= 0 && w === Math.fround(w))).toBe(true);
      m0.push(d.m[0][0]);
      expect(d.chains.length).toBe(4);
      for (const ch of d.chains) {
        depths.add(ch.length);
        for (const s of ch) {
          ops.add(s.op);
          expect(s.bin).toBeGreaterThanOrEqual(0);
          expect(s.bin).toBeLessThan(4);
        }
      }
    }
    // Beta(1, 1): mean 1/2, variance 1/12
    const mean = m0.reduce((a, b) => a + b, 0) / m0.length;
    const v = m0.reduce((a, b) => a + (b - mean) ** 2, 0) / m0.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(v - 1 / 12)).toBeLessThan(0.015);
    expect([...depths].sort()).toEqual([1, 2, 3]);
    expect(ops.size).toBe(13);
    // alpha 0.5: Beta(0.5, 0.5) has variance 1/8; a fixed chainDepth
    const u = new T.AugMix({ alpha: 0.5, chainDepth: 2, mixtureWidth: 2 });
    const a = Array.from({ length: 200 }, () => u.drawParams(2, 10, 12));
    expect(a.every((d) => d.m.length === 2 && d.chains.every((ch) => ch.length === 2))).toBe(true);
    const s = a.map((d) => d.m[1][0]);
    const ms = s.reduce((p, q) => p + q, 0) / s.length;
    expect(Math.abs(s.reduce((p, q) => p + (q - ms) ** 2, 0) / s.length - 1 / 8)).toBeLessThan(0.02);
  });

  test('forward = applyDraws of its draws; reproducible under a seed; varies across seeds', () => {
    const t = new T.AugMix();
    torch.manualSeed(8);
    const d = t.drawParams(1, 10, 12);
    torch.manualSeed(8);
    const y = t.forward(x);
    expect(values(y)).toEqual(values(t.applyDraws(x, d)));
    const outs = new Set([1, 2, 3, 4].map((s) => {
      torch.manualSeed(s);
      return JSON.stringify(values(t.forward(x)));
    }));
    expect(outs.size).toBeGreaterThan(1);
  });

  test('an Image gives the Image of the uint8 tensor path', () => {
    const img = new data.Image(Uint8Array.from({ length: 10 * 12 * 3 }, (_, i) => (i * 29) % 256), 12, 10, 'RGB');
    const t = new T.AugMix({ chainDepth: 2 });
    torch.manualSeed(3);
    const d = t.drawParams(1, 10, 12);
    const y = t.applyDraws(img, d) as data.Image;
    expect(y).toBeInstanceOf(data.Image);
    const asTensor = t.applyDraws(data.transforms.functional.pilToTensor(img), d) as torch.Tensor;
    expect(values(data.transforms.functional.pilToTensor(y))).toEqual(values(asTensor));
  });

  test('spec round trip, repr and refusals', () => {
    const t = new T.AugMix({ severity: 5, mixtureWidth: 2, chainDepth: 1, alpha: 0.7, allOps: false, interpolation: 'nearest', fill: [1, 2, 3] });
    const u = T.transformFromSpec(T.specOf(t))!;
    torch.manualSeed(2);
    const a = values(t.forward(x));
    torch.manualSeed(2);
    expect(values(u.forward(x))).toEqual(a);
    expect(String(new T.AugMix())).toBe('AugMix({"severity":3,"mixtureWidth":3,"chainDepth":-1,"alpha":1,"allOps":true,"interpolation":"bilinear","fill":null})');
    const code = (f: () => unknown, c: string, re: RegExp) => expect(f).toThrow(expect.objectContaining({ code: c, message: expect.stringMatching(re) }));
    code(() => new T.AugMix({ severity: 0 }), 'ERR_TORCHLET_INVALID_ARG', /severity/);
    code(() => new T.AugMix({ severity: 11 }), 'ERR_TORCHLET_INVALID_ARG', /severity/);
    code(() => new T.AugMix({ mixtureWidth: 0 }), 'ERR_TORCHLET_INVALID_ARG', /mixtureWidth/);
    code(() => new T.AugMix({ chainDepth: 1.5 }), 'ERR_TORCHLET_INVALID_ARG_TYPE', /chainDepth/);
    code(() => new T.AugMix({ alpha: 0 }), 'ERR_TORCHLET_INVALID_ARG', /alpha/);
    code(() => new T.AugMix({ allOps: 1 } as never), 'ERR_TORCHLET_INVALID_ARG_TYPE', /allOps/);
    code(() => new T.AugMix({ interpolation: 'bicubic' } as never), 'ERR_TORCHLET_INVALID_ARG', /interpolation/);
    code(() => new T.AugMix({ mixture_width: 2 } as never), 'ERR_TORCHLET_INVALID_ARG', /mixture_width/);
    code(() => new (T.AugMix as never as new (...a: unknown[]) => unknown)({}, 3), 'ERR_TORCHLET_INVALID_ARG', /AugMix/);
    code(() => new T.AugMix().forward(torch.zeros([2, 5, 5], { dtype: 'uint8' })), 'ERR_TORCHLET_INVALID_ARG', /1 or 3 channels/);
    // a float image: the 8-bit ops refuse it, as torchvision's
    const f = torch.rand([3, 10, 12]);
    const one = (op: string) => ({ m: [[0.5, 0.5]], weights: [[1]], chains: [[{ op, bin: 1, negate: false }]] });
    code(() => new T.AugMix({ mixtureWidth: 1 }).applyDraws(f, one('Posterize')), 'ERR_TORCHLET_DTYPE', /uint8/);
    code(() => new T.AugMix({ mixtureWidth: 1 }).applyDraws(f, one('Solarize')), 'ERR_TORCHLET_INVALID_ARG', /threshold/);
    code(() => new T.AugMix({ mixtureWidth: 1 }).applyDraws(x, { ...one('Rotate'), weights: [[0.5, 0.5]] }), 'ERR_TORCHLET_INVALID_ARG', /draws/);
  });
});
