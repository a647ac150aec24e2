// test/data/grid.test.ts — torch.data.utils.makeGrid / saveImage (lib/data/grid.ts) and the PNG
// encoder (lib/data/png_encode.ts): makeGrid against torchvision 0.14's make_grid
// (test/fixtures/datasets_utils.json from gen_datasets_utils_fixtures.py: defaults, nrow, padding,
// padValue, normalize with and without valueRange / scaleEach, lists, one-channel, 2-d and single
// images, 4 channels) on every device; float64 finite-difference gradchecks (torchvision's is
// no_grad; torchlet's composes differentiable ops); saveImage's pixels against torchvision's
// save_image conversion, read back through decodeImage; PNG round trips for L, LA, RGB and RGBA;
// and the refusals (coded errors naming the argument).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../lib';
import { makeGrid, saveImage } from '../../lib/data/grid';
import { encodePng } from '../../lib/data/png_encode';
import { Image, decodeImage, readImage } from '../../lib/data/image';
import { describeDevices } from '../devices';
import { gradcheck } from '../gradcheck';

interface GridCase {
  name: string;
  shape: number[];
  x: number[];
  asList: boolean;
  opts: Record<string, unknown>;
  outShape: number[];
  out: number[];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'datasets_utils.json'), 'utf8')) as {
  makeGrid: GridCase[];
  saveImage: { shape: number[]; x: number[]; opts: Record<string, unknown>; height: number; width: number; pixels: number[] };
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

function expectClose(got: ArrayLike<number>, want: number[], tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(Number(got[i]) - want[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-grid-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeDevices('makeGrid', (device) => {
  for (const dtype of ['float32', 'float64'] as const) {
    test.each(FIX.makeGrid.map((c) => [c.name, c] as [string, GridCase]))(`%s (${dtype})`, (_n, c) => {
      const x = torch.tensor(c.x, { dtype }).reshape(c.shape).to(device);
      const input = c.asList ? Array.from({ length: c.shape[0]! }, (_, k) => x.index(k)) : x;
      const g = makeGrid(input, c.opts);
      expect(g.shape).toEqual(c.outShape);
      expect(g.device).toBe(x.device);
      expect(g.dtype).toBe(dtype);
      expectClose(g.to('cpu').toArray() as Float32Array, c.out, dtype === 'float32' ? 1e-6 : 1e-12);
    });
  }

  test('gradients flow to the input (float64 finite differences)', () => {
    const x = torch.rand([3, 2, 3, 4], { dtype: 'float64' });
    gradcheck(([a]) => makeGrid(a!, { nrow: 2, padding: 1, padValue: 0.3 }), [x], { device });
    const y = torch.randn([2, 1, 3, 3], { dtype: 'float64' });
    gradcheck(([a]) => makeGrid(a!, { normalize: true, valueRange: [-0.5, 0.5] }), [y], { device });
    gradcheck(([a]) => makeGrid([a!.index(0), a!.index(1)], { padding: 0 }), [y], { device });
  });
});

describe('saveImage', () => {
  test("writes torchvision's save_image pixels as a PNG (read back through decodeImage)", () => {
    const s = FIX.saveImage;
    const x = torch.tensor(s.x).reshape(s.shape);
    const file = path.join(dir, 'grid.png');
    saveImage(x, file, s.opts);
    const img = readImage(file);
    expect([img.width, img.height, img.mode]).toEqual([s.width, s.height, 'RGB']);
    expect(Array.from(img.data)).toEqual(s.pixels);
    expect(fs.readdirSync(dir)).toEqual(['grid.png']); // no temporary left
  });

  test('4 channels are written as RGBA; a tensor that requires grad is accepted', () => {
    const x = torch.rand([2, 4, 3, 3], { requiresGrad: true });
    const file = path.join(dir, 'rgba.png');
    saveImage(x, file, { padding: 0 });
    const back = decodeImage(fs.readFileSync(file), file, { mode: 'RGBA' });
    expect([back.width, back.height]).toEqual([6, 3]);
    const want = makeGrid(x.detach(), { padding: 0 }).permute([1, 2, 0]).contiguous().toArray() as Float32Array;
    expect(Array.from(back.data)).toEqual(Array.from(want, (v) => Math.trunc(Math.min(255, Math.max(0, v * 255 + 0.5)))));
  });

  test('refusals: not .png, bad file, bad options, extra arguments', () => {
    const x = torch.rand([2, 3, 2, 2]);
    expect(() => saveImage(x, path.join(dir, 'a.jpg'))).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/\.png path.*for file/) }));
    expect(() => loose(saveImage)(x, 3)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE', message: expect.stringMatching(/file/) }));
    expect(() => loose(saveImage)(x, path.join(dir, 'b.png'), { format: 'png' })).toThrow(/format/);
    expect(() => loose(saveImage)(x, path.join(dir, 'b.png'), {}, 1)).toThrow(/saveImage\(\)/);
    expect(() => saveImage(torch.rand([2, 5, 2, 2]), path.join(dir, 'c.png'))).toThrow(expect.objectContaining({ message: expect.stringMatching(/1 to 4 channels.*for grid/) }));
    expect(fs.readdirSync(dir).filter((f) => /^[abc]\.png/.test(f))).toEqual([]);
  });
});

describe('makeGrid refusals', () => {
  const x = () => torch.rand([2, 3, 2, 2]);
  test.each([
    ['nrow 0', () => makeGrid(x(), { nrow: 0 }), /opts\.nrow/],
    ['nrow 1.5', () => makeGrid(x(), { nrow: 1.5 }), /opts\.nrow/],
    ['padding -1', () => makeGrid(x(), { padding: -1 }), /opts\.padding/],
    ['normalize "yes"', () => loose(makeGrid)(x(), { normalize: 'yes' }), /opts\.normalize/],
    ['valueRange [0]', () => loose(makeGrid)(x(), { normalize: true, valueRange: [0] }), /opts\.valueRange/],
    ['padValue "a"', () => loose(makeGrid)(x(), { padValue: 'a' }), /opts\.padValue/],
    ['unknown key', () => loose(makeGrid)(x(), { value_range: [0, 1] }), /value_range/],
    ['extra argument', () => loose(makeGrid)(x(), {}, 3), /makeGrid\(\)/],
    ['not a tensor', () => loose(makeGrid)([[1, 2]]), /tensor\[0\]/],
    ['empty list', () => makeGrid([]), /tensor/],
    ['mismatched list', () => makeGrid([torch.rand([3, 2, 2]), torch.rand([3, 2, 3])]), /tensor\[1\]/],
    ['5-d', () => makeGrid(torch.rand([1, 1, 1, 2, 2])), /tensor/],
    ['integer dtype', () => makeGrid(torch.zeros([2, 3, 2, 2], { dtype: 'int64' })), /floating/],
  ] as [string, () => unknown, RegExp][])('%s', (_n, f, re) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toMatch(/^ERR_TORCHLET_/);
    expect((err as Error).message).toMatch(re);
  });
  test('torch.data.utils is the public namespace', () => {
    expect(torch.data.utils.makeGrid(x(), { padding: 0 }).shape).toEqual([3, 2, 4]);
    expect(typeof torch.data.utils.saveImage).toBe('function');
    expect(typeof torch.data.utils.encodePng).toBe('function');
  });
});

describe('encodePng', () => {
  test.each([
    ['L', 1],
    ['LA', 2],
    ['RGB', 3],
    ['RGBA', 4],
  ] as ['L' | 'LA' | 'RGB' | 'RGBA', number][])('%s round trip through decodeImage', (mode, c) => {
    const [w, h] = [7, 5];
    const data = Uint8Array.from({ length: w * h * c }, (_, i) => (i * 37 + 11) & 0xff);
    const png = encodePng(new Image(data, w, h, mode));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png[25]).toBe({ L: 0, LA: 4, RGB: 2, RGBA: 6 }[mode]); // IHDR colour type
    const back = decodeImage(png, 'x.png', { mode });
    expect([back.width, back.height, back.mode]).toEqual([w, h, mode]);
    expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
  });
  test('refusals', () => {
    expect(() => encodePng({ data: new Uint8Array(5), width: 2, height: 1, mode: 'RGB' })).toThrow(/6 bytes.*for image\.data/);
    expect(() => loose(encodePng)({ data: new Uint8Array(2), width: 2, height: 1, mode: 'P' })).toThrow(/image\.mode/);
    expect(() => loose(encodePng)({ data: [1, 2], width: 2, height: 1, mode: 'L' })).toThrow(/image\.data/);
    expect(() => loose(encodePng)({ data: new Uint8Array(0), width: 0, height: 1, mode: 'L' })).toThrow(/image\.width/);
  });
});
