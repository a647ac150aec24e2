// test/data/qmnist.test.ts — torch.data.QMNIST (lib/data/qmnist.ts) against a local HTTP server on
// 127.0.0.1 serving small synthetic QMNIST files: the 'train' / 'test' items, targets and repr as
// torchvision reads the same files (test/fixtures/qmnist.json from gen_qmnist_fixtures.py, with
// torchvision 0.15's int32 byte-order fix), compat true / false, test10k / test50k, the md5s
// enforced (patched resources pass, official md5s refuse the synthetic files, nothing left behind),
// extracted files, 'nist' refused for download (xz) but read when extracted, corrupt files and bad
// arguments as coded errors, the DataLoader-worker spec.
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as crypto from 'crypto';
import * as torch from '../../lib';
import { QMNIST, QMNIST_RESOURCES, QmnistSubset, downloadQmnistFiles, readIdxInt32 } from '../../lib/data/qmnist';
import { visionDatasetFromSpec } from '../../lib/data/vision';
import { writeIdx } from '../../lib/data/idx';
import { Image } from '../../lib/data/image';
import { ToTensor } from '../../lib/data/transforms';
import { TorchletError } from '../../lib/errors';

interface FxCase {
  what: string;
  compat: boolean;
  length: number;
  targets: number[][];
  items: (number | number[])[];
  first_pixels: number[];
  repr_split: string;
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'qmnist.json'), 'utf8')) as { files: Record<string, string>; cases: FxCase[] };
const FILES: Record<string, Buffer> = Object.fromEntries(Object.entries(fixtures.files).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

/** An int32 IDX file (big-endian). */
function idxInt32(shape: number[], values: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * shape.length + 4 * values.length);
  b[2] = 0x0c;
  b[3] = shape.length;
  shape.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  values.forEach((v, i) => b.writeInt32BE(v, 4 + 4 * shape.length + 4 * i));
  return b;
}
const labelRows = (classes: number[]) => classes.flatMap((c, i) => [c, 0, i, 0, c, 0, 0, 0]);
const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const [, kind, name] = /^\/([a-z]+)\/(.*)$/.exec(req.url ?? '') ?? [];
    const body = kind === 'ok' ? FILES[name!] : undefined;
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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-qmnist-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const tree = (d = dir): string[] => (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(d, f)).isFile()).sort();
function thrown(f: () => unknown): TorchletError {
  try {
    f();
  } catch (e) {
    return e as TorchletError;
  }
  throw new Error('did not throw');
}
const ints = (t: torch.Tensor) => Array.from(t.toArray() as BigInt64Array, Number);

describe('QMNIST against torchvision', () => {
  test.each(fixtures.cases.map((c) => [`${c.what} compat ${c.compat}`, c] as [string, FxCase]))('%s', async (_n, c) => {
    const ds = await QMNIST.create(dir, { what: c.what as never, compat: c.compat, baseUrl: `${base}/ok/`, verifyMd5: false });
    expect(ds.length).toBe(c.length);
    expect(ds.targets.dtype).toBe('int64');
    expect(ds.targets.shape).toEqual([c.length, 8]);
    expect(ints(ds.targets)).toEqual(c.targets.flat());
    c.items.forEach((want, i) => {
      const [img, target] = ds.get(i);
      expect(img).toBeInstanceOf(Image);
      if (c.compat) expect(target).toBe(want);
      else {
        expect((target as torch.Tensor).dtype).toBe('int64');
        expect((target as torch.Tensor).shape).toEqual([8]);
        expect(ints(target as torch.Tensor)).toEqual(want);
      }
    });
    expect(Array.from((ds.get(1)[0] as Image).data.subarray(0, 5))).toEqual(c.first_pixels);
    expect(String(ds).split('\n').pop()!.trim()).toBe(c.repr_split);
  });
});

describe('QMNIST', () => {
  test("create() downloads the .gz files torchvision lists into root/QMNIST/raw; what defaults by train; the surface", async () => {
    const ds = await torch.data.QMNIST.create(dir, { train: false, baseUrl: `${base}/ok`, verifyMd5: false, transform: new ToTensor(), targetTransform: (y: number) => y * 10 });
    expect(tree()).toEqual(['QMNIST/raw/qmnist-test-images-idx3-ubyte.gz', 'QMNIST/raw/qmnist-test-labels-idx2-int.gz']);
    expect(ds).toBeInstanceOf(QMNIST);
    expect([ds.what, ds.compat, ds.train, ds.rawFolder]).toEqual(['test', true, false, path.join(dir, 'QMNIST', 'raw')]);
    const [x, y] = ds.get(0) as [torch.Tensor, number];
    expect(x.shape).toEqual([1, 28, 28]);
    expect(y).toBe(70);
    expect(ds.data.shape).toEqual([3, 28, 28]);
    expect(ds.classes).toEqual([...torch.data.MNIST_CLASSES]);
    expect(String(ds)).toMatch(/^Dataset QMNIST\n {4}Number of datapoints: 3\n {4}Root location: .*\n {4}Split: test\n {4}StandardTransform/);
    // already there: no network; the uncompressed (extracted) files are read as well
    const raw = path.join(dir, 'QMNIST', 'raw');
    for (const f of ['qmnist-test-images-idx3-ubyte.gz', 'qmnist-test-labels-idx2-int.gz']) {
      fs.writeFileSync(path.join(raw, f.replace(/\.gz$/, '')), zlib.gunzipSync(fs.readFileSync(path.join(raw, f))));
      fs.unlinkSync(path.join(raw, f));
    }
    const again = await QMNIST.create({ root: dir, what: 'test', compat: false, baseUrl: `${base}/none/`, verifyMd5: false });
    expect(ints(again.get(2)[1] as torch.Tensor)).toEqual(fixtures.cases[3].items[2]);
  });

  test('compat false: the target transform gets the int64 tensor [8]; the worker spec keeps what and compat', async () => {
    const ds = await QMNIST.create(dir, { compat: false, baseUrl: `${base}/ok/`, verifyMd5: false, targetTransform: (t: torch.Tensor) => t.index(2).item() });
    expect(ds.get(1)[1]).toBe(2038);
    const plain = new QMNIST(dir, { compat: false, verifyMd5: false });
    const spec = plain.workerSpec();
    const copy = visionDatasetFromSpec(...(spec.args as Parameters<typeof visionDatasetFromSpec>)) as QMNIST;
    expect(copy).toBeInstanceOf(QMNIST);
    expect([copy.what, copy.compat, copy.length]).toEqual(['train', false, 4]);
    expect(ints(copy.get(3)[1] as torch.Tensor)).toEqual(ints(plain.get(3)[1] as torch.Tensor));
    expect(ints(copy.targets)).toEqual(ints(ds.targets));
  });

  test('test10k and test50k: the first 10000 and the rest of the test files', () => {
    const raw = path.join(dir, 'QMNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    const n = 10003;
    const classes = Array.from({ length: n }, (_, i) => (i * 3) % 10);
    const pixels = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) pixels.fill(i & 0xff, i * 784, (i + 1) * 784);
    fs.writeFileSync(path.join(raw, 'qmnist-test-images-idx3-ubyte'), writeIdx([n, 28, 28], pixels));
    fs.writeFileSync(path.join(raw, 'qmnist-test-labels-idx2-int.gz'), zlib.gzipSync(idxInt32([n, 8], labelRows(classes))));
    const k10 = new QMNIST(dir, { what: 'test10k', verifyMd5: false });
    const k50 = new QMNIST(dir, { what: 'test50k', compat: false, verifyMd5: false });
    expect([k10.length, k50.length]).toEqual([10000, 3]);
    expect(k10.get(9999)[1]).toBe(classes[9999]);
    expect(ints(k50.get(0)[1] as torch.Tensor)).toEqual([classes[10000], 0, 10000, 0, classes[10000], 0, 0, 0]);
    expect((k50.get(2)[0] as Image).data[0]).toBe(10002 & 0xff);
    expect(ints(k50.targets.index(1))).toEqual([classes[10001], 0, 10001, 0, classes[10001], 0, 0, 0]);
    // with verifyMd5 the test files must have the official 60000 images
    expect(thrown(() => new QMNIST(dir, { what: 'test10k' })).message).toMatch(/has 10003 images, the official QMNIST file has 60000/);
  });

  test('md5s: patched resources pass, the official ones refuse the synthetic files and nothing is left', async () => {
    const sub: QmnistSubset = {
      images: { name: 'qmnist-train-images-idx3-ubyte.gz', md5: md5(FILES['qmnist-train-images-idx3-ubyte.gz']) },
      labels: { name: 'qmnist-train-labels-idx2-int.gz', md5: md5(FILES['qmnist-train-labels-idx2-int.gz']) },
      count: 4,
    };
    await downloadQmnistFiles(sub, dir, [sub.images, sub.labels], `${base}/ok/`, { verify: true });
    expect(tree()).toEqual(['qmnist-train-images-idx3-ubyte.gz', 'qmnist-train-labels-idx2-int.gz']);
    const wrong = { ...sub, labels: { ...sub.labels, name: 'qmnist-test-labels-idx2-int.gz' } };
    await expect(downloadQmnistFiles(wrong, dir, [wrong.labels], `${base}/ok/`, { verify: true })).rejects.toThrow(/invalid content: md5 mismatch/);
    const counted = { ...sub, count: 5 };
    await expect(downloadQmnistFiles(counted, path.join(dir, 'x'), [counted.labels], `${base}/ok/`, { verify: true })).rejects.toThrow(/has 4 items, expected 5|declares/);
    expect(tree()).toEqual(['qmnist-train-images-idx3-ubyte.gz', 'qmnist-train-labels-idx2-int.gz']);
    fs.rmSync(path.join(dir, 'qmnist-train-images-idx3-ubyte.gz'));
    fs.rmSync(path.join(dir, 'qmnist-train-labels-idx2-int.gz'));
    const url = `${base}/ok/qmnist-train-images-idx3-ubyte.gz`;
    await expect(QMNIST.create(dir, { baseUrl: `${base}/ok/` })).rejects.toThrow(
      new RegExp(`^torchlet: failed to download ${url}: invalid content: md5 mismatch: expected ${QMNIST_RESOURCES.train.images.md5}, got [0-9a-f]{32}$`),
    );
    expect(tree()).toEqual([]);
  });

  test("'nist' is xz: create() refuses to download it (nothing fetched); the extracted files load", async () => {
    await expect(QMNIST.create(dir, { what: 'nist', baseUrl: `${base}/ok/` })).rejects.toMatchObject({
      code: 'ERR_TORCHLET_NOT_IMPLEMENTED',
      message: expect.stringMatching(/xnist-images-idx3-ubyte\.xz: it is xz-compressed and torchlet has no xz decoder.*xz -dk/),
    });
    expect(tree()).toEqual([]);
    expect(thrown(() => new QMNIST(dir, { what: 'nist' })).message).toMatch(/QMNIST nist files missing in .*xnist-images-idx3-ubyte \(extracted from xnist-images-idx3-ubyte\.xz\)/);
    const raw = path.join(dir, 'QMNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    fs.writeFileSync(path.join(raw, 'xnist-images-idx3-ubyte'), writeIdx([2, 28, 28], new Uint8Array(2 * 784).fill(9)));
    fs.writeFileSync(path.join(raw, 'xnist-labels-idx2-int'), idxInt32([2, 8], labelRows([4, 8])));
    const ds = await QMNIST.create(dir, { what: 'nist', verifyMd5: false });
    expect([ds.length, ds.get(1)[1], String(ds).split('\n').pop()!.trim()]).toEqual([2, 8, 'Split: nist']);
  });

  test('corrupt files are coded errors', () => {
    const raw = path.join(dir, 'QMNIST', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    fs.writeFileSync(path.join(raw, 'qmnist-train-images-idx3-ubyte.gz'), FILES['qmnist-train-images-idx3-ubyte.gz']);
    const lbl = path.join(raw, 'qmnist-train-labels-idx2-int');
    const cases: [Buffer, RegExp][] = [
      [writeIdx([4, 8], new Uint8Array(32)), /not an IDX file of int32 values \(type byte 0x08, expected 0x0c\)/],
      [idxInt32([4, 7], new Array(28).fill(0)), /has shape \[4, 7\], expected \[N, 8\]/],
      [idxInt32([3, 8], labelRows([1, 2, 3])), /count mismatch: .* has 4 images, .* has 3 labels/],
      [idxInt32([4, 8], labelRows([1, 2, 12, 3])), /label 12 at index 2 is not a class index 0\.\.9/],
      [idxInt32([4, 8], labelRows([1, 2, 3, 4])).subarray(0, 50), /is truncated: expected 140 bytes, got 50/],
      [zlib.gzipSync(idxInt32([4, 8], labelRows([1, 2, 3, 4]))).subarray(0, 30), /is not valid gzip data/],
    ];
    for (const [bytes, re] of cases) {
      fs.writeFileSync(lbl, bytes);
      const e = thrown(() => new QMNIST(dir, { verifyMd5: false }));
      expect([e.code, e.message]).toEqual(['ERR_TORCHLET_BAD_FILE', expect.stringMatching(re)]);
    }
    // with verifyMd5 a file declaring more than the official size is refused before it is read whole
    expect(() => readIdxInt32(idxInt32([61000, 8], []), 'x', 4 + 8 + 60000 * 32)).toThrow(/declares 1952012 bytes .* more than the limit/);
  });

  test.each([
    ['what unknown', () => new QMNIST('a', { what: 'test60k' as never }), 'ERR_TORCHLET_INVALID_ARG', /opts\.what/],
    ['compat not boolean', () => new QMNIST('a', { compat: 1 } as never), 'ERR_TORCHLET_INVALID_ARG_TYPE', /opts\.compat/],
    ['unknown key', () => new QMNIST('a', { split: 'train' } as never), 'ERR_TORCHLET_INVALID_ARG', /split/],
    ['root twice', () => new QMNIST('a', { root: 'b' }), 'ERR_TORCHLET_INVALID_ARG', /opts\.root/],
    ['extra argument', () => new (QMNIST as never as new (...b: unknown[]) => QMNIST)('a', {}, 3), 'ERR_TORCHLET_INVALID_ARG', /QMNIST\(\)/],
  ] as [string, () => unknown, string, RegExp][])('refuses %s', (_n, f, code, re) => {
    const e = thrown(f);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(re);
  });
});
