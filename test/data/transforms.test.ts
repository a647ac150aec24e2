// test/data/transforms.test.ts — torch.data.transforms: exact values against torchvision 0.14 for the
// deterministic transforms (test/fixtures/transforms.json from gen_transforms_fixtures.py: ToTensor,
// Normalize, CenterCrop, the padding modes, flips, Resize bilinear / nearest on float and uint8
// tensors, ColorJitter with one-point ranges = adjust_brightness / contrast / saturation / hue),
// the same results on Image inputs as on tensors, and for the random ones shapes, value
// ranges, reproducibility under torch.manualSeed and their argument checks; the functional toTensor().
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { Fx, tensorOf } from './fixture_tensors';

const T = data.transforms;
interface Case {
  name: string;
  op: string;
  params: Record<string, unknown>;
  input: Fx;
  output: Fx;
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'transforms.json'), 'utf8')) as { cases: Case[] };

function make(c: Case): data.transforms.Transform {
  const p = c.params as Record<string, never>;
  switch (c.op) {
    case 'ToTensor':
      return new T.ToTensor();
    case 'Normalize':
      return new T.Normalize(p.mean, p.std);
    case 'CenterCrop':
      return new T.CenterCrop(p.size);
    case 'Pad':
      return new T.Pad(p.padding, { fill: p.fill, paddingMode: p.paddingMode });
    case 'RandomHorizontalFlip':
      return new T.RandomHorizontalFlip(p.p);
    case 'RandomVerticalFlip':
      return new T.RandomVerticalFlip(p.p);
    case 'Resize':
      return new T.Resize(p.size, { interpolation: p.interpolation });
    case 'ColorJitter':
      return new T.ColorJitter(c.params as never);
  }
  throw new Error(`unknown op ${c.op}`);
}

describe('deterministic transforms equal torchvision', () => {
  test.each(fixtures.cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => {
    const y = make(c).forward(tensorOf(c.input)) as torch.Tensor;
    expect(y.shape).toEqual(c.output.shape);
    expect(y.dtype).toBe(c.output.dtype);
    const got = Array.from(y.toArray() as Float32Array);
    if (c.op === 'ColorJitter') {
      // torchvision computes in float32, torchlet in float64: a uint8 result may land one level apart after truncation
      const tol = c.output.dtype === 'uint8' ? 1 : 2e-6;
      got.forEach((v, i) => expect(Math.abs(v - c.output.data[i])).toBeLessThanOrEqual(tol));
    } else if (c.output.dtype === 'uint8' || c.op !== 'Resize') {
      // exact: float32 results computed in float64 then rounded once, as torchvision's float32 ops
      got.forEach((v, i) => expect(Math.abs(v - c.output.data[i])).toBeLessThanOrEqual(c.op === 'Normalize' ? 2e-7 * Math.max(1, Math.abs(c.output.data[i])) : 0));
    } else got.forEach((v, i) => expect(Math.abs(v - c.output.data[i])).toBeLessThan(1e-6));
  });

  test('an Image gives the same pixels as the CHW tensor (HWC in, HWC out)', () => {
    const c = fixtures.cases.find((x) => x.name === 'toTensor_5x7x3')!;
    const hwc = Uint8Array.from(c.input.data);
    const img = new data.Image(hwc, 7, 5, 'RGB');
    const chw = new T.ToTensor().forward(torch.fromBuffer(hwc, [5, 7, 3], { dtype: 'uint8' }));
    expect(Array.from(new T.ToTensor().forward(img).toArray() as Float32Array)).toEqual(Array.from(chw.toArray() as Float32Array));
    for (const t of [new T.CenterCrop([3, 4]), new T.Pad([1, 2], { paddingMode: 'reflect' }), new T.Resize([9, 4]), new T.RandomHorizontalFlip(1)]) {
      const viaImage = t.forward(img) as data.Image; // HWC bytes
      const u8 = torch.fromBuffer(hwc, [5, 7, 3], { dtype: 'uint8' }).permute([2, 0, 1]).contiguous(); // CHW bytes
      const viaTensor = (t.forward(u8) as torch.Tensor).permute([1, 2, 0]).contiguous();
      expect(viaImage).toBeInstanceOf(data.Image);
      expect(Array.from(viaImage.data)).toEqual(Array.from(viaTensor.toArray() as Uint8Array));
    }
  });

  test('ToTensor (class and the functional toTensor()) converts uint8 HWC/HW and refuses floats', () => {
    const u8 = torch.fromBuffer(Uint8Array.from([0, 51, 255, 102]), [2, 2], { dtype: 'uint8' });
    for (const f of [(x: torch.Tensor) => new T.ToTensor().forward(x), data.toTensor()]) {
      const y = f(u8);
      expect(y.shape).toEqual([1, 2, 2]);
      expect(y.dtype).toBe('float32');
      expect(Array.from(y.toArray() as Float32Array)).toEqual([0, 0.2, 1, 0.4].map(Math.fround));
      expect(() => f(torch.zeros([2, 2]))).toThrow(/uint8/);
    }
  });
});

describe('random transforms', () => {
  const img = new data.Image(Uint8Array.from({ length: 9 * 8 * 3 }, (_, i) => (i * 29) % 256), 8, 9, 'RGB');
  const x = torch.rand([3, 9, 8]);
  const bytes = (v: unknown) => Array.from((v instanceof data.Image ? v.data : (v as torch.Tensor).toArray()) as ArrayLike<number>);
  const seeded = (f: () => unknown, seed: number) => {
    torch.manualSeed(seed);
    return bytes(f());
  };
  const all: [string, data.transforms.Transform, [number, number] | null][] = [
    ['RandomCrop padding 2 reflect', new T.RandomCrop([6, 5], { padding: 2, paddingMode: 'reflect' }), [6, 5]],
    ['RandomCrop padIfNeeded', new T.RandomCrop(11, { padIfNeeded: true, fill: 7 }), [11, 11]],
    ['RandomHorizontalFlip', new T.RandomHorizontalFlip(), [9, 8]],
    ['RandomVerticalFlip', new T.RandomVerticalFlip(), [9, 8]],
    ['RandomResizedCrop', new T.RandomResizedCrop([5, 7]), [5, 7]],
    ['RandomRotation', new T.RandomRotation(40), [9, 8]],
    // torchvision's tensor path: float32 cos(90 deg) is not 0, so 9 x 8 expands to 9 x 10 (random_rotation.json)
    ['RandomRotation expand', new T.RandomRotation([90, 90], { expand: true }), [9, 10]],
    ['ColorJitter', new T.ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 }), [9, 8]],
  ];
  test.each(all)('%s: shape, range, reproducible under a seed, varies across seeds', (_n, t, hw) => {
    for (const input of [img, x]) {
      const a = seeded(() => t.forward(input), 5);
      expect(seeded(() => t.forward(input), 5)).toEqual(a);
      const outs = [1, 2, 3, 4, 6, 7].map((s) => JSON.stringify(seeded(() => t.forward(input), s)));
      if (!(t instanceof T.RandomRotation && t.degrees[0] === t.degrees[1])) expect(new Set([...outs, JSON.stringify(a)]).size).toBeGreaterThan(1);
      const y = t.forward(input);
      if (input instanceof data.Image) {
        expect(y).toBeInstanceOf(data.Image);
        expect([(y as data.Image).height, (y as data.Image).width]).toEqual(hw);
      } else {
        const yt = y as torch.Tensor;
        expect(yt.shape).toEqual([3, ...hw!]);
        const v = bytes(yt);
        expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...v)).toBeLessThanOrEqual(t instanceof T.RandomCrop ? 7 : 1);
      }
    }
  });

  test('RandomCrop windows lie inside the padded image; a flip with p = 0.5 flips about half the time', () => {
    const ramp = torch.fromBuffer(Float32Array.from({ length: 20 }, (_, i) => i), [1, 4, 5]);
    const crop = new T.RandomCrop([2, 3], { padding: 1 });
    const tops = new Set<number>();
    torch.manualSeed(0);
    for (let k = 0; k < 200; k++) {
      const v = crop.forward(ramp) as torch.Tensor;
      expect(v.shape).toEqual([1, 2, 3]);
      const arr = Array.from(v.toArray() as Float32Array);
      const nz = arr.find((q) => q > 0);
      if (nz !== undefined) tops.add(Math.floor(nz / 5));
    }
    expect(tops.size).toBeGreaterThanOrEqual(3);
    let flipped = 0;
    const fl = new T.RandomHorizontalFlip();
    for (let k = 0; k < 400; k++) if ((fl.forward(ramp) as torch.Tensor).toArray()[0] === 4) flipped++;
    expect(flipped).toBeGreaterThan(150);
    expect(flipped).toBeLessThan(250);
  });

  test('RandomErasing erases one rectangle of the value (p = 1) and nothing with p = 0', () => {
    const ones = torch.ones([3, 20, 20]);
    torch.manualSeed(1);
    const y = new T.RandomErasing({ p: 1, value: [2, 3, 4] }).forward(ones);
    const v = Array.from(y.toArray() as Float32Array);
    for (let c = 0; c < 3; c++) {
      const plane = v.slice(c * 400, (c + 1) * 400);
      const erased = plane.filter((q) => q !== 1);
      expect(erased.length).toBeGreaterThan(0);
      expect(new Set(erased)).toEqual(new Set([c + 2]));
      expect(erased.length / 400).toBeLessThanOrEqual(0.34);
    }
    expect(new T.RandomErasing({ p: 0 }).forward(ones)).toBe(ones);
    expect(() => new T.RandomErasing({ p: 1 }).forward(img as never)).toThrow(/tensor/);
  });

  test('ColorJitter brightness only scales (uint8 truncated and clamped); hue keeps gray pixels gray', () => {
    const gray = new data.Image(new Uint8Array(12).fill(100), 2, 2, 'RGB');
    torch.manualSeed(0);
    const b = new T.ColorJitter({ brightness: [2, 2] }).forward(gray) as data.Image;
    expect(Array.from(b.data)).toEqual(new Array(12).fill(200));
    const c = new T.ColorJitter({ brightness: [3, 3] }).forward(gray) as data.Image;
    expect(Array.from(c.data)).toEqual(new Array(12).fill(255));
    expect(Array.from((new T.ColorJitter({ hue: 0.5 }).forward(gray) as data.Image).data)).toEqual(new Array(12).fill(100));
  });

  test('Compose, the transforms inside an ImageDataset, and argument checks', () => {
    const pipeline = new T.Compose([new T.RandomCrop(28, { padding: 4 }), new T.RandomHorizontalFlip(), new T.ToTensor(), new T.Normalize([0.5], [0.5])]);
    const px = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 256);
    const ds = new data.ImageDataset(px, Uint8Array.from([1, 2, 3]), [28, 28], pipeline);
    const [xi, yi] = ds.get(1);
    expect(xi.shape).toEqual([1, 28, 28]);
    expect(yi.dtype).toBe('int64');
    const vals = Array.from(xi.toArray() as Float32Array);
    expect(Math.min(...vals)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...vals)).toBeLessThanOrEqual(1);
    const [xb] = ds.getBatch([0, 2]);
    expect(xb.shape).toEqual([2, 1, 28, 28]);
    expect(() => new T.RandomCrop(0)).toThrow(/size/);
    expect(() => new T.RandomCrop(3, { padding_mode: 'edge' } as never)).toThrow(/paddingMode/);
    expect(() => new T.RandomCrop(3, { paddingMode: 'wrap' as never })).toThrow(/paddingMode/);
    expect(() => new T.RandomCrop(30).forward(img)).toThrow(/crop size/);
    expect(() => new T.Pad(8, { paddingMode: 'reflect' }).forward(img)).toThrow(/reflect/);
    expect(() => new T.Resize(4, { interpolation: 'lanczos' as never })).toThrow(/interpolation/);
    expect(() => new T.Normalize([0.5], [0])).toThrow(/std/);
    expect(() => new T.Normalize([0.5, 0.5], [0.5, 0.5]).forward(torch.rand([3, 2, 2]))).toThrow(/mean/);
    expect(() => new T.ColorJitter({ hue: 0.7 })).toThrow(/hue/);
    expect(() => new T.RandomHorizontalFlip(2)).toThrow(/p/);
    expect(() => new T.ToTensor().forward('x' as never)).toThrow(/Image/);
    expect(() => new T.Compose([3 as never])).toThrow(/transforms\[0\]/);
    expect(T.transformFromSpec(pipeline.toSpec())!.toSpec()).toEqual(pipeline.toSpec());
  });
});
