// test/data/resize_filters.test.ts — the resize transforms' bicubic and antialiased filters
// (lib/data/resize_filters.ts) against torchvision 0.14 (test/fixtures/resize_filters.json from
// gen_resize_filters_fixtures.py: transforms.Resize and functional.resized_crop on float32, float64 and
// uint8 tensors, bilinear / bicubic, antialias on and off, down and up), RandomResizedCrop with
// antialias (a full-image crop equals Resize), Image inputs as their tensors, the specs DataLoader
// workers rebuild from, the pretrained weights' transforms() and the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { Fx, tensorOf } from './fixture_tensors';

const T = data.transforms;
const TF = data.transforms.functional;
interface Case {
  name: string;
  op: string;
  params: { size: number | number[]; interpolation: 'bilinear' | 'bicubic'; antialias: boolean; box?: [number, number, number, number] };
  input: Fx;
  output: Fx;
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'resize_filters.json'), 'utf8')) as { cases: Case[] };

function run(c: Case, x: unknown): torch.Tensor {
  const { size, interpolation, antialias, box } = c.params;
  if (c.op === 'Resize') return new T.Resize(size, { interpolation, antialias }).forward(x) as torch.Tensor;
  const [top, left, h, w] = box!;
  return TF.resizedCrop(x as torch.Tensor, top, left, h, w, size, { interpolation, antialias }) as torch.Tensor;
}

describe('resize filters equal torchvision', () => {
  test('the fixture has Resize and resizedCrop cases with antialias and bicubic', () => {
    expect(fixtures.cases.filter((c) => c.params.antialias).length).toBeGreaterThan(10);
    expect(fixtures.cases.filter((c) => c.op === 'resizedCrop').length).toBeGreaterThan(3);
  });
  test.each(fixtures.cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => {
    const y = run(c, tensorOf(c.input));
    expect(y.shape).toEqual(c.output.shape);
    expect(y.dtype).toBe(c.output.dtype);
    const got = Array.from(y.toArray() as Float32Array);
    if (c.output.dtype === 'uint8') {
      // torchvision filters the two dims in two float32 passes, torchlet in one: a value within
      // float32 rounding of a half level may round one level apart (rarely)
      let off = 0;
      got.forEach((v, i) => {
        expect(Math.abs(v - c.output.data[i])).toBeLessThanOrEqual(1);
        if (v !== c.output.data[i]) off++;
      });
      expect(off).toBeLessThanOrEqual(Math.max(1, got.length / 50));
    } else {
      const tol = c.output.dtype === 'float64' ? 1e-12 : 2e-6;
      got.forEach((v, i) => expect(Math.abs(v - c.output.data[i])).toBeLessThanOrEqual(tol));
    }
  });
  test('an Image resizes as its uint8 CHW tensor', () => {
    const c = fixtures.cases.find((x) => x.op === 'Resize' && x.input.dtype === 'uint8' && x.input.shape[0] === 3 && x.params.antialias)!;
    const [ch, h, w] = c.input.shape;
    const hwc = new Uint8Array(ch * h * w);
    for (let k = 0; k < ch; k++) for (let i = 0; i < h * w; i++) hwc[i * ch + k] = c.input.data[k * h * w + i];
    const img = new T.Resize(c.params.size, { interpolation: c.params.interpolation, antialias: true }).forward(new data.Image(hwc, w, h, 'RGB'));
    const chw = Array.from(new T.PILToTensor().forward(img).toArray() as Uint8Array);
    expect(chw).toEqual(Array.from(run(c, tensorOf(c.input)).toArray() as Uint8Array));
  });
});

describe('RandomResizedCrop, specs and pretrained transforms', () => {
  test('RandomResizedCrop with antialias: a full-image crop is Resize with antialias', () => {
    const x = torch.rand([3, 12, 16]);
    const rrc = new T.RandomResizedCrop([5, 4], { scale: [1, 1], ratio: [16 / 12, 16 / 12], interpolation: 'bicubic', antialias: true });
    const want = new T.Resize([5, 4], { interpolation: 'bicubic', antialias: true }).forward(x) as torch.Tensor;
    const plain = new T.Resize([5, 4], { interpolation: 'bicubic' }).forward(x) as torch.Tensor;
    const got = rrc.forward(x) as torch.Tensor;
    expect(Array.from(got.toArray() as Float32Array)).toEqual(Array.from(want.toArray() as Float32Array));
    expect(Array.from(got.toArray() as Float32Array)).not.toEqual(Array.from(plain.toArray() as Float32Array));
    expect([rrc.interpolation, rrc.antialias]).toEqual(['bicubic', true]);
  });
  test('the specs carry interpolation and antialias', () => {
    const x = torch.rand([1, 9, 10]);
    for (const t of [new T.Resize(4, { interpolation: 'bicubic', antialias: true }), new T.RandomResizedCrop(4, { scale: [1, 1], ratio: [10 / 9, 10 / 9], antialias: true })]) {
      const back = T.transformFromSpec(t.toSpec())!;
      expect(Array.from((back.forward(x) as torch.Tensor).toArray() as Float32Array)).toEqual(Array.from((t.forward(x) as torch.Tensor).toArray() as Float32Array));
    }
  });
  test("the pretrained weights' transforms() resize with antialias", () => {
    const tf = torch.models.getWeights('resnet18').transforms();
    expect((tf.transforms[0] as InstanceType<typeof T.Resize>).antialias).toBe(true);
  });
  test('refusals: antialias with nearest, a non-boolean antialias, unknown interpolations and keys', () => {
    const x = torch.rand([1, 4, 4]);
    expect(() => new T.Resize(2, { interpolation: 'nearest', antialias: true })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/antialias/) }));
    expect(() => new T.RandomResizedCrop(2, { interpolation: 'nearest', antialias: true })).toThrow(/antialias/);
    expect(() => TF.resize(x, 2, { interpolation: 'nearest', antialias: true })).toThrow(/antialias/);
    expect(() => TF.resizedCrop(x, 0, 0, 2, 2, 2, { interpolation: 'nearest', antialias: true })).toThrow(/antialias/);
    expect(() => new T.Resize(2, { antialias: 1 as never })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' }));
    expect(() => new T.Resize(2, { interpolation: 'lanczos' as never })).toThrow(/interpolation/);
    expect(() => TF.resizedCrop(x, 0, 0, 2, 2, 2, { mode: 'bilinear' } as never)).toThrow(/mode/);
    expect(() => TF.resizedCrop(x, 0, 0, 0, 2, 2)).toThrow(/height/);
    expect(() => (TF.resizedCrop as unknown as (...a: unknown[]) => unknown)(x, 0, 0, 2, 2, 2, {}, 1)).toThrow(/resizedCrop/);
  });
});
