// test/data/image_folder.test.ts — ImageFolder on a small class-per-directory tree written to a
// temporary directory (PNG through pngjs, JPEG through jpeg-js, nested subdirectories, upper-case
// extensions, files that are not images, an empty directory that is not a class): classes,
// classToIdx and samples equal torchvision's ImageFolder on the same tree (run with /usr/bin/python3
// when it has torchvision; skipped with the reason otherwise), the decoded pixels equal PIL's (PNG
// exactly, JPEG within a few levels: two decoders), transforms and targetTransform, batches through a
// DataLoader (also with workers), and the errors for a missing root, no class folder, an empty class.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import * as torch from '../../lib';
import { data } from '../../lib';

const T = data.transforms;
let root: string;

function rgb(w: number, h: number, seed: number): Uint8Array {
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    px[4 * i] = (i * 13 + seed * 40) % 256;
    px[4 * i + 1] = (i * 7 + seed * 90) % 256;
    px[4 * i + 2] = (i * 3 + seed * 17) % 256;
    px[4 * i + 3] = 255;
  }
  return px;
}
function writePng(file: string, w: number, h: number, seed: number, gray = false): void {
  const png = new PNG({ width: w, height: h, colorType: gray ? 0 : 6, inputColorType: 6 });
  png.data = Buffer.from(rgb(w, h, seed));
  if (gray) for (let i = 0; i < w * h; i++) png.data[4 * i + 1] = png.data[4 * i + 2] = png.data[4 * i];
  fs.writeFileSync(file, PNG.sync.write(png, gray ? { colorType: 0 } : {}));
}
function writeJpeg(file: string, w: number, h: number, seed: number): void {
  // smooth content so that two JPEG decoders agree closely
  const px = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      px[4 * i] = 40 + 8 * x + seed;
      px[4 * i + 1] = 60 + 6 * y;
      px[4 * i + 2] = 120;
      px[4 * i + 3] = 255;
    }
  fs.writeFileSync(file, jpeg.encode({ data: Buffer.from(px), width: w, height: h }, 95).data);
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-imagefolder-'));
  const mk = (...p: string[]) => fs.mkdirSync(path.join(root, ...p), { recursive: true });
  mk('dog', 'puppies');
  mk('cat');
  mk('Bird');
  writePng(path.join(root, 'dog', 'b.png'), 6, 5, 1);
  writePng(path.join(root, 'dog', 'a.PNG'), 6, 5, 2, true);
  writeJpeg(path.join(root, 'dog', 'puppies', 'z.jpg'), 16, 16, 3);
  fs.writeFileSync(path.join(root, 'dog', 'notes.txt'), 'not an image');
  writePng(path.join(root, 'cat', 'x.png'), 7, 4, 4);
  writeJpeg(path.join(root, 'cat', 'y.jpeg'), 8, 8, 5);
  writePng(path.join(root, 'Bird', 'q.png'), 3, 3, 6);
  fs.writeFileSync(path.join(root, 'README'), 'a file beside the classes');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('classes, classToIdx, samples, targets (sorted as torchvision)', () => {
  const ds = new data.ImageFolder(root);
  expect(ds.classes).toEqual(['Bird', 'cat', 'dog']);
  expect(ds.classToIdx).toEqual({ Bird: 0, cat: 1, dog: 2 });
  const rel = ds.samples.map(([p, c]) => [path.relative(root, p), c]);
  expect(rel).toEqual([['Bird/q.png', 0], ['cat/x.png', 1], ['cat/y.jpeg', 1], ['dog/a.PNG', 2], ['dog/b.png', 2], ['dog/puppies/z.jpg', 2]]);
  expect(ds.targets).toEqual([0, 1, 1, 2, 2, 2]);
  expect(ds.imgs).toBe(ds.samples);
  expect(ds.length).toBe(6);
});

const py = spawnSync('/usr/bin/python3', ['-c', 'import torchvision'], { encoding: 'utf8' });
const havePy = py.status === 0;
(havePy ? test : test.skip)('the same tree read by torchvision: the same classes, samples and pixels (skipped without /usr/bin/python3 + torchvision)', () => {
  const script = `
import json, sys, numpy as np, torchvision
ds = torchvision.datasets.ImageFolder(sys.argv[1])
print(json.dumps({"classes": ds.classes, "class_to_idx": ds.class_to_idx, "samples": ds.samples,
  "pixels": [np.asarray(ds[i][0]).flatten().tolist() for i in range(len(ds))], "sizes": [list(ds[i][0].size) for i in range(len(ds))]}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, root], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.stderr).not.toMatch(/Error/);
  const ref = JSON.parse(r.stdout) as { classes: string[]; class_to_idx: Record<string, number>; samples: [string, number][]; pixels: number[][]; sizes: number[][] };
  const ds = new data.ImageFolder(root);
  expect(ds.classes).toEqual(ref.classes);
  expect(ds.classToIdx).toEqual(ref.class_to_idx);
  expect(ds.samples).toEqual(ref.samples);
  ds.samples.forEach(([p], i) => {
    const img = ds.get(i)[0] as data.Image;
    expect(img.mode).toBe('RGB');
    expect(img.size).toEqual(ref.sizes[i]);
    const tol = /\.jpe?g$/i.test(p) ? 4 : 0;
    const diff = Math.max(...Array.from(img.data).map((v, k) => Math.abs(v - ref.pixels[i][k])));
    expect(diff).toBeLessThanOrEqual(tol);
  });
});

test('transform, targetTransform and batches through a DataLoader (in the loop and on workers)', () => {
  const transform = new T.Compose([new T.Resize([8, 8]), new T.ToTensor()]);
  const ds = new data.ImageFolder(root, { transform, targetTransform: (t: number) => t * 10 });
  const [x, y] = ds.get(5) as [torch.Tensor, number];
  expect(x.shape).toEqual([3, 8, 8]);
  expect(y).toBe(20);
  const plain = new data.ImageFolder(root, { transform });
  const batches = [...new data.DataLoader(plain, { batchSize: 4 })] as unknown as [torch.Tensor, torch.Tensor][];
  expect(batches.map(([b]) => b.shape)).toEqual([[4, 3, 8, 8], [2, 3, 8, 8]]);
  expect(batches[0][1].dtype).toBe('int64'); // declared by the dataset, whatever the values
  expect(batches.flatMap(([, t]) => t.tolist())).toEqual([0, 1, 1, 2, 2, 2]);
  const viaWorkers = [...new data.DataLoader(plain, { batchSize: 4, numWorkers: 2 })] as unknown as [torch.Tensor, torch.Tensor][];
  viaWorkers.forEach(([b, t], i) => {
    expect(Array.from(b.toArray() as Float32Array)).toEqual(Array.from(batches[i][0].toArray() as Float32Array));
    expect(t.tolist()).toEqual(batches[i][1].tolist());
  });
  // a plain-function targetTransform cannot be rebuilt in a worker
  expect(() => new data.DataLoader(ds, { numWorkers: 1 })).toThrow(/targetTransform/);
  // a custom loader and isValidFile
  const only = new data.ImageFolder(root, { isValidFile: (p) => p.endsWith('.png'), loader: (p) => path.basename(p) });
  expect(only.samples.length).toBe(3); // a.PNG is not '.png' for this isValidFile
  expect(only.get(0)[0]).toBe('q.png');
});

test('errors: missing root, no class folder, an empty class, a damaged image', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return `${(e as { code: string }).code} ${(e as Error).message}`;
    }
    return 'no error';
  };
  expect(code(() => new data.ImageFolder(path.join(root, 'nope')))).toMatch(/^ERR_TORCHLET_IO .*nope/);
  const flat = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-imagefolder-flat-'));
  try {
    fs.writeFileSync(path.join(flat, 'a.png'), 'x');
    expect(code(() => new data.ImageFolder(flat))).toMatch(/^ERR_TORCHLET_IO .*Couldn't find any class folder/);
    fs.mkdirSync(path.join(flat, 'k'));
    fs.mkdirSync(path.join(flat, 'empty'));
    fs.writeFileSync(path.join(flat, 'k', 'broken.png'), 'not a png');
    expect(code(() => new data.ImageFolder(flat))).toMatch(/Found no valid file for the classes empty/);
    fs.rmdirSync(path.join(flat, 'empty'));
    const ds = new data.ImageFolder(flat);
    expect(code(() => ds.get(0))).toMatch(/^ERR_TORCHLET_BAD_FILE .*broken\.png/);
  } finally {
    fs.rmSync(flat, { recursive: true, force: true });
  }
  expect(() => new data.ImageFolder(root, { transfrom: 1 } as never)).toThrow(/opts\.transfrom/);
});
