// test/data/cifar.test.ts — torch.data.CIFAR10 / CIFAR100 (lib/data/cifar.ts) and the tar reader
// (lib/data/archive.ts) against a local HTTP server on 127.0.0.1 serving small synthetic archives
// built here in the official binary record format (label byte(s), then 1024 R, 1024 G, 1024 B):
// download, extraction into root/cifar-10-batches-bin (cifar-100-binary), items [Image RGB 32x32,
// label], data / targets / classes (CIFAR-100 fine targets, coarse targets and superclasses), the
// official md5 enforced by default, truncated or incomplete archives refused with nothing left
// behind, corrupt .bin files and bad arguments as coded errors.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as torch from '../../lib';
import { CIFAR10, CIFAR100, CIFAR10_CLASSES, CIFAR100_CLASSES, CIFAR100_COARSE_CLASSES, CIFAR10_SPEC } from '../../lib/data/cifar';
import { readTar } from '../../lib/data/archive';
import { Image } from '../../lib/data/image';
import { ToTensor } from '../../lib/data/transforms';
import { TorchletError } from '../../lib/errors';

/** A ustar archive of regular files. */
function tar(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h[156] = 0x30;
    h.write('ustar\0' + '00', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** n records; record i: labels, then pixel p of plane c = (i * 13 + c * 71 + p) & 255. */
function records(labels: number[][]): Buffer {
  const out: Buffer[] = [];
  labels.forEach((ls, i) => {
    const px = Buffer.alloc(3072);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) px[c * 1024 + p] = (i * 13 + c * 71 + p) & 255;
    out.push(Buffer.from(ls), px);
  });
  return Buffer.concat(out);
}

const C10_TRAIN = [[3], [8], [0], [9], [1], [2], [4], [5], [6], [7]];
const C10_TEST = [[1], [0], [9]];
const c10Files: [string, Buffer][] = [
  ...[1, 2, 3, 4, 5].map((k) => [`cifar-10-batches-bin/data_batch_${k}.bin`, records(C10_TRAIN.slice(2 * k - 2, 2 * k))] as [string, Buffer]),
  ['cifar-10-batches-bin/test_batch.bin', records(C10_TEST)],
  ['cifar-10-batches-bin/batches.meta.txt', Buffer.from(CIFAR10_CLASSES.join('\n') + '\n')],
];
const C10 = zlib.gzipSync(tar(c10Files));
const C100_TRAIN = [[4, 30], [1, 1], [19, 99]];
const C100 = zlib.gzipSync(
  tar([
    ['cifar-100-binary/train.bin', records(C100_TRAIN)],
    ['cifar-100-binary/test.bin', records([[17, 47]])],
    ['cifar-100-binary/fine_label_names.txt', Buffer.from(CIFAR100_CLASSES.join('\n'))],
  ]),
);
const SERVED: Record<string, Buffer> = {
  '/ok/cifar-10-binary.tar.gz': C10,
  '/ok/cifar-100-binary.tar.gz': C100,
  '/trunc/cifar-10-binary.tar.gz': C10.subarray(0, Math.floor(C10.length / 2)),
  '/partial/cifar-10-binary.tar.gz': zlib.gzipSync(tar(c10Files.slice(0, 5))),
  '/badsize/cifar-10-binary.tar.gz': zlib.gzipSync(tar([...c10Files.slice(0, 5), ['cifar-10-batches-bin/test_batch.bin', Buffer.alloc(3074)]])),
};

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = SERVED[req.url ?? ''];
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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-cifar-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const tree = (): string[] => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
function thrown(f: () => unknown): TorchletError {
  try {
    f();
  } catch (e) {
    return e as TorchletError;
  }
  throw new Error('did not throw');
}

describe('CIFAR10', () => {
  test('create() downloads and extracts the binary archive; items, data, targets and classes', async () => {
    const ds = await CIFAR10.create(dir, { baseUrl: `${base}/ok/`, verifyMd5: false });
    expect(tree()).toEqual([
      'cifar-10-batches-bin/batches.meta.txt',
      ...[1, 2, 3, 4, 5].map((k) => `cifar-10-batches-bin/data_batch_${k}.bin`),
      'cifar-10-batches-bin/test_batch.bin',
      'cifar-10-binary.tar.gz',
    ]);
    expect(ds.length).toBe(10);
    expect(ds.targets).toEqual(C10_TRAIN.map((l) => l[0]));
    expect(ds.classes).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    const [img, y] = ds.get(3) as [Image, number];
    expect(img).toBeInstanceOf(Image);
    expect([img.width, img.height, img.mode]).toEqual([32, 32, 'RGB']);
    expect(y).toBe(9);
    // record 1 of data_batch_2; pixel (row 1, col 2) = plane index 34: R, G, B interleaved (HWC)
    const p = (1 * 32 + 2) * 3;
    expect(Array.from(img.data.subarray(p, p + 3))).toEqual([(13 + 34) & 255, (13 + 71 + 34) & 255, (13 + 142 + 34) & 255]);
    expect(ds.data.shape).toEqual([10, 32, 32, 3]);
    expect(ds.data.dtype).toBe('uint8');
    expect(ds.data.index(3).index(1).index(2).index(1).item()).toBe((13 + 71 + 34) & 255);
    expect(ds.classToIdx.truck).toBe(9);
    expect(String(ds)).toBe(`Dataset CIFAR10\n    Number of datapoints: 10\n    Root location: ${dir}\n    Split: Train`);

    const test = new torch.data.CIFAR10(dir, { train: false, verifyMd5: false, transform: new ToTensor() });
    const [x] = test.get(2) as [torch.Tensor, number];
    expect(x.shape).toEqual([3, 32, 32]);
    expect(x.index(2).index(0).index(5).item()).toBeCloseTo(((2 * 13 + 142 + 5) & 255) / 255, 6);
    expect(test.targets).toEqual([1, 0, 9]);
  });

  test('an archive already in root is extracted without the network', async () => {
    fs.writeFileSync(path.join(dir, 'cifar-10-binary.tar.gz'), C10);
    const ds = await CIFAR10.create({ root: dir, train: false, baseUrl: `${base}/none/`, verifyMd5: false });
    expect(ds.length).toBe(3);
    await expect(CIFAR10.create(path.join(dir, 'x'), { download: false })).rejects.toThrow(/CIFAR-10 train files missing/);
  });

  test('the official md5 is enforced by default; nothing is left behind', async () => {
    const got = crypto.createHash('md5').update(C10).digest('hex');
    await expect(CIFAR10.create(dir, { baseUrl: `${base}/ok/` })).rejects.toThrow(
      new RegExp(`^torchlet: failed to download ${base}/ok/cifar-10-binary\\.tar\\.gz: invalid content: md5 mismatch: expected ${CIFAR10_SPEC.md5}, got ${got}$`),
    );
    expect(tree()).toEqual([]);
  });

  test.each([
    ['truncated', /invalid content: .* is not a valid archive: bad gzip data \(unexpected end of file\)/],
    ['partial', /invalid content: .* lacks cifar-10-batches-bin\/test_batch\.bin$/],
    ['badsize', /invalid content: .*test_batch\.bin has 3074 bytes, not a whole number of 3073-byte records/],
    ['none', /HTTP 404/],
  ])('a %s archive is refused and nothing is left', async (kind, re) => {
    await expect(CIFAR10.create(dir, { baseUrl: `${base}/${kind === 'truncated' ? 'trunc' : kind}/`, verifyMd5: false })).rejects.toThrow(re);
    expect(tree()).toEqual([]);
  });

  test('corrupt .bin files are coded errors', () => {
    const d = path.join(dir, 'cifar-10-batches-bin');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'test_batch.bin'), records(C10_TEST).subarray(0, 5000));
    const e = thrown(() => new CIFAR10(dir, { train: false, verifyMd5: false }));
    expect([e.code, e.message]).toEqual(['ERR_TORCHLET_BAD_FILE', expect.stringMatching(/test_batch\.bin has 5000 bytes, not a whole number of 3073-byte CIFAR-10 records/)]);
    fs.writeFileSync(path.join(d, 'test_batch.bin'), records([[1], [10]]));
    expect(thrown(() => new CIFAR10(dir, { train: false, verifyMd5: false })).message).toMatch(/label 10 of record 1 is not a class index 0\.\.9/);
    fs.writeFileSync(path.join(d, 'test_batch.bin'), records(C10_TEST));
    expect(thrown(() => new CIFAR10(dir, { train: false })).message).toMatch(/has 3 records, the official file has 10000/);
  });

  test.each([
    ['unknown key', () => new CIFAR10('a', { download: true, targetTransfrom: null } as never), /targetTransfrom/],
    ['root twice', () => new CIFAR10('a', { root: 'b' }), /opts\.root/],
    ['bad train', () => new CIFAR10({ train: 'no' } as never), /opts\.train/],
    ['extra argument', () => new (CIFAR10 as never as new (...a: unknown[]) => CIFAR10)('a', {}, 1), /CIFAR10\(\)/],
  ] as [string, () => unknown, RegExp][])('refuses %s', (_n, f, re) => {
    const e = thrown(f);
    expect(e.code).toMatch(/^ERR_TORCHLET_INVALID_ARG/);
    expect(e.message).toMatch(re);
  });
});

describe('CIFAR100', () => {
  test('fine targets (as torchvision), coarse targets and both class lists', async () => {
    const ds = await CIFAR100.create(dir, { baseUrl: `${base}/ok/`, verifyMd5: false });
    expect(tree()).toEqual(['cifar-100-binary.tar.gz', 'cifar-100-binary/fine_label_names.txt', 'cifar-100-binary/test.bin', 'cifar-100-binary/train.bin']);
    expect(ds.targets).toEqual([30, 1, 99]);
    expect(ds.coarseTargets).toEqual([4, 1, 19]);
    expect(ds.classes.length).toBe(100);
    expect(ds.classes[30]).toBe('dolphin');
    expect(ds.classes[99]).toBe('worm');
    expect(ds.coarseClasses).toEqual([...CIFAR100_COARSE_CLASSES]);
    expect(ds.coarseClasses.length).toBe(20);
    expect(ds.coarseClasses[4]).toBe('fruit_and_vegetables');
    expect(ds.get(2)[1]).toBe(99);
    const test = new CIFAR100(dir, { train: false, verifyMd5: false });
    expect([test.length, test.targets, test.coarseTargets]).toEqual([1, [47], [17]]);
  });
});

describe('readTar', () => {
  test('members, and refusals as coded errors', () => {
    const t = tar([['a/b.txt', Buffer.from('hello')], ['c', Buffer.alloc(600, 1)]]);
    const m = readTar(t, 't');
    expect(m.map((x) => [x.name, x.data.length])).toEqual([['a/b.txt', 5], ['c', 600]]);
    expect(readTar(zlib.gzipSync(t), 't.gz')[0]!.data.toString()).toBe('hello');
    const bad = Buffer.from(t);
    bad[0] = 0x41;
    expect(thrown(() => readTar(bad, 'bad')).message).toMatch(/bad is not a valid archive: header checksum mismatch at offset 0/);
    expect(thrown(() => readTar(t.subarray(0, 1600), 'cut')).message).toMatch(/truncated: c needs 600 bytes/);
    expect(thrown(() => readTar(t.subarray(0, 1024), 'cut')).message).toMatch(/cut is not a valid archive: truncated: no end-of-archive blocks/);
    expect(thrown(() => readTar(t.subarray(0, 1200), 'cut')).message).toMatch(/cut is not a valid archive: truncated: a partial header at offset 1024/);
    expect(thrown(() => readTar(Buffer.from([0x1f, 0x8b, 1, 2]), 'gz')).code).toBe('ERR_TORCHLET_BAD_FILE');
  });
});
