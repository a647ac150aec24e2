// test/data/mnist.test.ts — torch.data.MNIST / KMNIST / EMNIST (lib/data/mnist.ts) against a local
// HTTP server on 127.0.0.1 serving tiny synthetic IDX files (and an EMNIST gzip.zip built here):
// torchvision's layout root/<ClassName>/raw, positional or {root} options, items [Image 'L', label]
// or transformed, `data` / `targets` / `classes` / classToIdx / repr, the mirrors tried in order,
// official md5s enforced by default (a refused download leaves nothing behind), torchvision's
// extracted (uncompressed) files accepted, corrupt files and bad arguments as coded errors, and the
// DataLoader-worker spec.
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as torch from '../../lib';
import { MNIST, KMNIST, EMNIST, MNIST_SPEC, KMNIST_CLASSES, EMNIST_CLASSES, downloadIdxFiles } from '../../lib/data/mnist';
import { visionDatasetFromSpec } from '../../lib/data/vision';
import { writeIdx } from '../../lib/data/idx';
import { Image } from '../../lib/data/image';
import { ToTensor } from '../../lib/data/transforms';
import { defaultCollate } from '../../lib/data/collate';
import { TorchletError } from '../../lib/errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => any;

const images = (n: number, seed: number) => writeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7 + seed) & 0xff));
const labels = (l: number[]) => writeIdx([l.length], Uint8Array.from(l));
const TRAIN = [5, 0, 4, 1, 9, 2];
const TEST = [7, 2, 1];
const FILES: Record<string, Buffer> = {
  'train-images-idx3-ubyte.gz': zlib.gzipSync(images(6, 1)),
  'train-labels-idx1-ubyte.gz': zlib.gzipSync(labels(TRAIN)),
  't10k-images-idx3-ubyte.gz': zlib.gzipSync(images(3, 2)),
  't10k-labels-idx1-ubyte.gz': zlib.gzipSync(labels(TEST)),
};
const LETTERS = [1, 26, 3, 4];

/** A zip archive (deflated members) as EMNIST's gzip.zip (test/fixtures/zip_stored.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { zip: zipOf } = require('../fixtures/zip_stored.js') as { zip: (files: [string, Buffer][], opts?: { method?: number }) => Buffer };
const zip = (members: [string, Buffer][]) => zipOf(members, { method: 8 });
const EMNIST_ZIP = zip([
  ['gzip/emnist-letters-train-images-idx3-ubyte.gz', zlib.gzipSync(images(4, 3))],
  ['gzip/emnist-letters-train-labels-idx1-ubyte.gz', zlib.gzipSync(labels(LETTERS))],
  ['gzip/emnist-letters-test-images-idx3-ubyte.gz', zlib.gzipSync(images(2, 4))],
  ['gzip/emnist-letters-test-labels-idx1-ubyte.gz', zlib.gzipSync(labels([2, 2]))],
]);

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const [, kind, name] = /^\/([a-z]+)\/(.*)$/.exec(req.url ?? '') ?? [];
    const body = kind === 'emnist' && name === 'gzip.zip' ? EMNIST_ZIP : kind === 'trunczip' && name === 'gzip.zip' ? EMNIST_ZIP.subarray(0, 100) : kind === 'ok' ? FILES[name!] : undefined;
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-mnist-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
/** Every file under dir, relative. */
const tree = (d = dir): string[] => (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(d, f)).isFile()).sort();

function thrown(f: () => unknown): TorchletError {
  try {
    f();
  } catch (e) {
    return e as TorchletError;
  }
  throw new Error('did not throw');
}

describe('MNIST', () => {
  test("create() downloads into root/MNIST/raw; items, data, targets, classes and repr as torchvision's", async () => {
    const ds = await MNIST.create(dir, { baseUrl: `${base}/ok/`, verifyMd5: false });
    expect(tree()).toEqual(['MNIST/raw/train-images-idx3-ubyte.gz', 'MNIST/raw/train-labels-idx1-ubyte.gz']);
    expect(ds.root).toBe(dir);
    expect(ds.rawFolder).toBe(path.join(dir, 'MNIST', 'raw'));
    expect(ds.length).toBe(6);
    const [img, label] = ds.get(1) as [Image, number];
    expect(img).toBeInstanceOf(Image);
    expect([img.width, img.height, img.mode]).toEqual([28, 28, 'L']);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([(784 * 7 + 1) & 0xff, (785 * 7 + 1) & 0xff, (786 * 7 + 1) & 0xff]);
    expect(label).toBe(0);
    expect(ds.data.shape).toEqual([6, 28, 28]);
    expect(ds.data.dtype).toBe('uint8');
    expect(ds.data.index(1).index(0).index(2).item()).toBe((786 * 7 + 1) & 0xff);
    expect(ds.targets.dtype).toBe('int64');
    expect(Array.from(ds.targets.toArray() as BigInt64Array, Number)).toEqual(TRAIN);
    expect(ds.classes).toEqual(['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine']);
    expect(ds.classToIdx['9 - nine']).toBe(9);
    expect(String(ds)).toBe(`Dataset MNIST\n    Number of datapoints: 6\n    Root location: ${dir}\n    Split: Train`);
    expect(() => ds.get(6)).toThrow(/index/);
    // already there: no network (the base URL 404s)
    const again = await MNIST.create({ root: dir, baseUrl: `${base}/none/`, verifyMd5: false });
    expect(again.length).toBe(6);
  });

  test('test split, transforms, collation, the public class and the worker spec', async () => {
    const ds = await torch.data.MNIST.create(dir, { train: false, baseUrl: `${base}/ok`, verifyMd5: false, transform: new ToTensor(), targetTransform: (y: number) => y * 10 });
    expect(ds).toBeInstanceOf(MNIST);
    const [x, y] = ds.get(0) as [torch.Tensor, number];
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.index(0).index(0).index(1).item()).toBeCloseTo(((1 * 7 + 2) & 0xff) / 255, 6);
    expect(y).toBe(70);
    const plain = new MNIST(dir, { train: false, verifyMd5: false, transform: new ToTensor() });
    expect(String(plain)).toMatch(/Split: Test\n {4}StandardTransform\n {4}Transform: ToTensor\(\)$/);
    const [bx, by] = defaultCollate([plain.get(0), plain.get(2)], plain.dtypes) as torch.Tensor[];
    expect(bx!.shape).toEqual([2, 1, 28, 28]);
    expect(by!.dtype).toBe('int64');
    expect(Array.from(by!.toArray() as BigInt64Array, Number)).toEqual([7, 1]);
    const spec = plain.workerSpec();
    const copy = visionDatasetFromSpec(...(spec.args as Parameters<typeof visionDatasetFromSpec>));
    expect(copy).toBeInstanceOf(MNIST);
    expect(copy.length).toBe(3);
    expect(Array.from((copy.get(2)[0] as torch.Tensor).toArray() as Float32Array)).toEqual(Array.from((plain.get(2)[0] as torch.Tensor).toArray() as Float32Array));
  });

  test("torchvision's extracted (uncompressed) files are read; the constructor never downloads", () => {
    expect(thrown(() => new MNIST(dir, { download: true })).message).toMatch(
      new RegExp(`^torchlet: MNIST train files missing in ${path.join(dir, 'MNIST', 'raw')}: train-images-idx3-ubyte\\.gz, train-labels-idx1-ubyte\\.gz\\. Get them with .*MNIST\\.create`),
    );
    const raw = path.join(dir, 'MNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    fs.writeFileSync(path.join(raw, 't10k-images-idx3-ubyte'), images(3, 2));
    fs.writeFileSync(path.join(raw, 't10k-labels-idx1-ubyte'), labels(TEST));
    expect(thrown(() => new MNIST(dir, { train: false })).message).toMatch(/has 3 images, the official MNIST test split has 10000 \(pass verifyMd5: false/);
    expect(Array.from(new MNIST({ root: dir, train: false, verifyMd5: false }).labels)).toEqual(TEST);
  });

  test('official md5s are enforced by default: nothing is left behind', async () => {
    const url = `${base}/ok/train-images-idx3-ubyte.gz`;
    await expect(MNIST.create(dir, { baseUrl: `${base}/ok/` })).rejects.toThrow(
      new RegExp(`^torchlet: failed to download ${url}: invalid content: md5 mismatch: expected ${MNIST_SPEC.md5['train-images-idx3-ubyte.gz']}, got [0-9a-f]{32}$`),
    );
    expect(tree()).toEqual([]);
  });

  test('the mirrors are tried in order; all failing names every one', async () => {
    await downloadIdxFiles(MNIST_SPEC, dir, false, ['t10k-labels-idx1-ubyte.gz'], [`${base}/none/`, `${base}/ok/`], { verify: false });
    expect(tree()).toEqual(['t10k-labels-idx1-ubyte.gz']);
    await expect(downloadIdxFiles(MNIST_SPEC, dir, false, ['t10k-images-idx3-ubyte.gz'], [`${base}/none/`, `${base}/gone/`], { verify: false })).rejects.toThrow(
      /^torchlet: every mirror failed: failed to download .*\/none\/t10k-images-idx3-ubyte\.gz: HTTP 404.*; failed to download .*\/gone\/t10k-images-idx3-ubyte\.gz: HTTP 404/,
    );
    expect(tree()).toEqual(['t10k-labels-idx1-ubyte.gz']);
  });

  test('corrupt files are coded errors', () => {
    const raw = path.join(dir, 'MNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    fs.writeFileSync(path.join(raw, 't10k-images-idx3-ubyte.gz'), FILES['t10k-images-idx3-ubyte.gz']!.subarray(0, 40));
    fs.writeFileSync(path.join(raw, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels([1, 2, 12])));
    const e = thrown(() => new MNIST(dir, { train: false, verifyMd5: false }));
    expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
    fs.writeFileSync(path.join(raw, 't10k-images-idx3-ubyte.gz'), FILES['t10k-images-idx3-ubyte.gz']!);
    const e2 = thrown(() => new MNIST(dir, { train: false, verifyMd5: false }));
    expect([e2.code, e2.message]).toEqual(['ERR_TORCHLET_BAD_FILE', expect.stringMatching(/label 12 at index 2 is not a class index 0\.\.9/)]);
  });

  test.each([
    ['root twice', () => new MNIST('a', { root: 'b' }), 'ERR_TORCHLET_INVALID_ARG', /opts\.root/],
    ['root a number', () => loose((r: unknown) => new MNIST(r as string))(3), 'ERR_TORCHLET_INVALID_ARG_TYPE', /root/],
    ['unknown key', () => new MNIST('a', { target_transform: null } as never), 'ERR_TORCHLET_INVALID_ARG', /target_transform/],
    ['train not boolean', () => new MNIST('a', { train: 1 } as never), 'ERR_TORCHLET_INVALID_ARG_TYPE', /opts\.train/],
    ['transform not callable', () => new MNIST('a', { transform: 3 } as never), 'ERR_TORCHLET_INVALID_ARG_TYPE', /opts\.transform/],
    ['timeoutMs 0', () => new MNIST('a', { timeoutMs: 0 }), 'ERR_TORCHLET_INVALID_ARG_TYPE', /opts\.timeoutMs/],
    ['extra argument', () => loose((...a: unknown[]) => new (MNIST as never as new (...b: unknown[]) => MNIST)(...a))('a', {}, 3), 'ERR_TORCHLET_INVALID_ARG', /MNIST\(\)/],
  ] as [string, () => unknown, string, RegExp][])('refuses %s', (_n, f, code, re) => {
    const e = thrown(f);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(re);
  });

  test('create() refuses bad options before any download', async () => {
    await expect(MNIST.create(dir, { download: 'yes' } as never)).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' });
    await expect(MNIST.create(dir, { baseURL: base } as never)).rejects.toThrow(/baseURL/);
    expect(tree()).toEqual([]);
  });
});

describe('KMNIST', () => {
  test('its own folder and classes', async () => {
    const ds = await KMNIST.create(dir, { train: false, baseUrl: `${base}/ok/`, verifyMd5: false });
    expect(tree()).toEqual(['KMNIST/raw/t10k-images-idx3-ubyte.gz', 'KMNIST/raw/t10k-labels-idx1-ubyte.gz']);
    expect(ds).toBeInstanceOf(KMNIST);
    expect(ds.classes).toEqual([...KMNIST_CLASSES]);
    expect(ds.classes).toEqual(['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo']);
    expect(String(ds)).toMatch(/^Dataset KMNIST\n/);
    expect(thrown(() => new KMNIST(dir)).message).toMatch(/KMNIST train files missing in .*KMNIST\/raw/);
  });
});

describe('EMNIST', () => {
  test('create() downloads gzip.zip into raw and extracts its .gz files; classes of the split', async () => {
    const ds = await EMNIST.create(dir, { split: 'letters', baseUrl: `${base}/emnist/`, verifyMd5: false });
    expect(tree()).toEqual([
      'EMNIST/raw/emnist-letters-test-images-idx3-ubyte.gz',
      'EMNIST/raw/emnist-letters-test-labels-idx1-ubyte.gz',
      'EMNIST/raw/emnist-letters-train-images-idx3-ubyte.gz',
      'EMNIST/raw/emnist-letters-train-labels-idx1-ubyte.gz',
      'EMNIST/raw/gzip.zip',
    ]);
    expect(ds.split).toBe('letters');
    expect(Array.from(ds.labels)).toEqual(LETTERS);
    expect(ds.classes.length).toBe(27);
    expect(ds.classes[0]).toBe('N/A');
    expect(ds.classes[ds.get(1)[1] as number]).toBe('z');
    expect(String(ds)).toMatch(/Split: letters$/);
    const test = new EMNIST(dir, { split: 'letters', train: false, verifyMd5: false });
    expect(test.length).toBe(2);
  });

  test("torchvision's class lists", () => {
    expect(EMNIST_CLASSES.byclass.length).toBe(62);
    expect(EMNIST_CLASSES.byclass.slice(0, 12).join('')).toBe('0123456789AB');
    expect(EMNIST_CLASSES.bymerge.length).toBe(47);
    expect(EMNIST_CLASSES.balanced.join('')).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt');
    expect(EMNIST_CLASSES.digits).toEqual(EMNIST_CLASSES.mnist);
  });

  test('split is required and checked; a truncated archive is refused and nothing is left', async () => {
    expect(thrown(() => new EMNIST(dir)).message).toMatch(/opts\.split/);
    expect(thrown(() => new EMNIST(dir, { split: 'Letters' as never })).code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(thrown(() => new MNIST(dir, { split: 'letters' } as never)).message).toMatch(/split/);
    await expect(EMNIST.create(dir, { split: 'digits', baseUrl: `${base}/trunczip/`, verifyMd5: false })).rejects.toThrow(
      /invalid content: .*gzip\.zip is not a valid archive: no zip end-of-central-directory record/,
    );
    expect(tree()).toEqual([]);
  });
});
