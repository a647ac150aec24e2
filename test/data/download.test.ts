// Tests for lib/data/download.ts and lib/data/fashion_mnist.ts against a local
// HTTP server on 127.0.0.1 that serves a tiny fake Fashion-MNIST (10 train /
// 5 test images) plus broken variants (404, truncated, reset, corrupted,
// redirects, hang), and a symbolic link or directory at dest (never replaced).
// After every failure nothing may be left in the target
// directory (neither the file nor a .part temp file). The last block reads
// the real files of Debian's dataset-fashion-mnist when they are installed.

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { downloadFile } from '../../lib/data/download';
import {
  FashionMNIST,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_MD5,
  FASHION_MNIST_RAW_MD5,
  FASHION_MNIST_SYSTEM_DIR,
  fashionMnistCacheDir,
  fashionMnistRoot,
} from '../../lib/data/fashion_mnist';
import { readIdx, writeIdx } from '../../lib/data/idx';

const md5 = (b: Uint8Array) => crypto.createHash('md5').update(b).digest('hex');

function fakeImages(n: number, seed: number): Buffer {
  const data = new Uint8Array(n * 28 * 28).map((_, i) => (i * 31 + seed) & 0xff);
  return zlib.gzipSync(writeIdx([n, 28, 28], data));
}
function fakeLabels(labels: number[]): Buffer {
  return zlib.gzipSync(writeIdx([labels.length], Uint8Array.from(labels)));
}

const TRAIN_LABELS = [9, 0, 0, 3, 0, 2, 7, 2, 5, 5];
const TEST_LABELS = [9, 2, 1, 1, 6];
const FILES = {
  'train-images-idx3-ubyte.gz': fakeImages(10, 1),
  'train-labels-idx1-ubyte.gz': fakeLabels(TRAIN_LABELS),
  't10k-images-idx3-ubyte.gz': fakeImages(5, 2),
  't10k-labels-idx1-ubyte.gz': fakeLabels(TEST_LABELS),
};
const served = (name: string): Buffer | undefined => (FILES as Record<string, Buffer>)[name];

let server: http.Server;
let base: string;
const hits: string[] = [];

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  hits.push(url);
  const m = /^\/([a-z0-9]+)\/(.*)$/.exec(url);
  const kind = m?.[1] ?? '';
  const name = m?.[2] ?? '';
  const body = served(name);
  switch (kind) {
    case 'ok':
      if (!body) break;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
      return;
    case 'chunked': // no Content-Length
      if (!body) break;
      res.writeHead(200);
      res.write(body.subarray(0, 10));
      res.end(body.subarray(10));
      return;
    case 'redir': // relative redirect to the good file
      res.writeHead(302, { location: `/ok/${name}` });
      res.end();
      return;
    case 'redir2': // absolute redirect to a relative redirect
      res.writeHead(301, { location: `${base}/redir/${name}` });
      res.end();
      return;
    case 'loop':
      res.writeHead(307, { location: `/loop/${name}1` });
      res.end();
      return;
    case 'trunc': // promises more than it sends, then closes the connection
      if (!body) break;
      res.writeHead(200, { 'content-length': body.length + 100 });
      res.write(body, () => res.socket?.destroy());
      return;
    case 'reset': // connection dropped before any response
      req.socket.destroy();
      return;
    case 'corrupt': // right length, garbage content
      if (!body) break;
      res.writeHead(200, { 'content-length': body.length });
      res.end(Buffer.alloc(body.length, 0x41));
      return;
    case 'endless': {
      // no Content-Length and a body that does not stop (cut at 64 MiB in case the client does not)
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 16, 7);
      let sent = 0;
      const pump = () => {
        while (sent < 64 << 20 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    case 'hang': // headers, then silence
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10));
      return;
    case 'mismatch': // labels file with one label too few
      if (name === 'train-labels-idx1-ubyte.gz') {
        const b = fakeLabels(TRAIN_LABELS.slice(0, 9));
        res.writeHead(200, { 'content-length': b.length });
        res.end(b);
        return;
      }
      if (!body) break;
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
      return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

beforeAll(async () => {
  server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-dl-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const ls = () => fs.readdirSync(dir).sort();

async function expectFailure(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await expect(p).rejects.toThrow(pattern);
  expect(ls()).toEqual([]);
}

describe('downloadFile', () => {
  const name = 'train-labels-idx1-ubyte.gz';
  const body = FILES[name];

  test('downloads, verifies md5 and renames into place', async () => {
    const dest = path.join(dir, 'sub', name);
    const r = await downloadFile(`${base}/ok/${name}`, dest, { expectedMd5: md5(body).toUpperCase() });
    expect(r).toEqual({ path: dest, bytes: body.length, md5: md5(body), finalUrl: `${base}/ok/${name}` });
    expect(fs.readFileSync(dest).equals(body)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual([name]);
  });

  test('never replaces a symbolic link or a non-regular file at dest', async () => {
    const name = 't10k-labels-idx1-ubyte.gz';
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'precious');
    const link = path.join(dir, name);
    fs.symlinkSync(target, link);
    await expect(downloadFile(`${base}/ok/${name}`, link)).rejects.toThrow(/is a symbolic link \(never replaced/);
    expect(fs.readlinkSync(link)).toBe(target);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    await expect(downloadFile(`${base}/ok/${name}`, sub)).rejects.toThrow(/exists and is not a regular file/);
    expect(ls()).toEqual(['sub', name, 'target'].sort()); // no temporary left
  });

  test('accepts a body without Content-Length', async () => {
    const dest = path.join(dir, name);
    await downloadFile(`${base}/chunked/${name}`, dest, { expectedMd5: md5(body) });
    expect(fs.readFileSync(dest).equals(body)).toBe(true);
    expect(ls()).toEqual([name]);
  });

  test('follows redirects (relative and absolute)', async () => {
    const dest = path.join(dir, name);
    const r = await downloadFile(`${base}/redir2/${name}`, dest);
    expect(r.finalUrl).toBe(`${base}/ok/${name}`);
    expect(fs.readFileSync(dest).equals(body)).toBe(true);
    expect(ls()).toEqual([name]);
  });

  test('maxBytes: a larger Content-Length fails before anything is written; an endless body is cut off', async () => {
    const url = `${base}/ok/${name}`;
    await expectFailure(
      downloadFile(url, path.join(dir, name), { maxBytes: body.length - 1 }),
      new RegExp(`^torchlet: failed to download ${url}: too large: Content-Length ${body.length} bytes is more than maxBytes ${body.length - 1}$`),
    );
    const endless = `${base}/endless/${name}`;
    await expectFailure(downloadFile(endless, path.join(dir, name), { maxBytes: 1 << 20 }), /too large: the body passed maxBytes 1048576 bytes$/);
    await expect(downloadFile(url, path.join(dir, name), { maxBytes: 0 })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' });
    await expect(downloadFile(url, path.join(dir, name), { max_bytes: 10 } as never)).rejects.toThrow(/max_bytes/);
    expect(ls()).toEqual([]);
  });

  test('HTTP 404', async () => {
    const url = `${base}/nothing/${name}`;
    await expectFailure(downloadFile(url, path.join(dir, name)), new RegExp(`^torchlet: failed to download ${url}: HTTP 404 Not Found$`));
  });

  test('truncated body (Content-Length larger than the body, then close)', async () => {
    const url = `${base}/trunc/${name}`;
    await expectFailure(
      downloadFile(url, path.join(dir, name)),
      new RegExp(`^torchlet: failed to download ${url}: truncated: expected ${body.length + 100} bytes, got \\d+`),
    );
  });

  test('connection reset before the response', async () => {
    const url = `${base}/reset/${name}`;
    await expectFailure(downloadFile(url, path.join(dir, name)), new RegExp(`^torchlet: failed to download ${url}: connection failed: socket hang up$`));
  });

  test('connection refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise<void>((r) => closed.close(() => r()));
    await expectFailure(downloadFile(url, path.join(dir, 'x')), new RegExp(`^torchlet: failed to download ${url}: connection failed: connect ECONNREFUSED`));
  });

  test('md5 mismatch', async () => {
    const url = `${base}/ok/${name}`;
    await expectFailure(
      downloadFile(url, path.join(dir, name), { expectedMd5: '0'.repeat(32) }),
      new RegExp(`^torchlet: failed to download ${url}: md5 mismatch: expected 0{32}, got ${md5(body)}$`),
    );
  });

  test('corrupted body rejected by the validate callback', async () => {
    const url = `${base}/corrupt/${name}`;
    await expectFailure(
      downloadFile(url, path.join(dir, name), { validate: (tmp, u) => void readIdx(fs.readFileSync(tmp), u) }),
      new RegExp(`^torchlet: failed to download ${url}: invalid content: ${url} is not an IDX file \\(magic 0x41414141\\)$`),
    );
  });

  test('too many redirects', async () => {
    const url = `${base}/loop/x`;
    await expectFailure(
      downloadFile(url, path.join(dir, 'x'), { maxRedirects: 3 }),
      new RegExp(`^torchlet: failed to download ${url} \\(redirected to ${base}/loop/x111\\): too many redirects \\(more than 3\\)$`),
    );
  });

  test('redirect to a 404 names both URLs', async () => {
    const url = `${base}/redir/nope`;
    await expectFailure(
      downloadFile(url, path.join(dir, 'nope')),
      new RegExp(`^torchlet: failed to download ${url} \\(redirected to ${base}/ok/nope\\): HTTP 404`),
    );
  });

  test('inactivity timeout', async () => {
    const url = `${base}/hang/x`;
    await expectFailure(
      downloadFile(url, path.join(dir, 'x'), { timeoutMs: 300 }),
      new RegExp(`^torchlet: failed to download ${url}: timed out: no data for 300 ms`),
    );
  });

  test('unsupported protocol and bad URL', async () => {
    await expectFailure(downloadFile('ftp://127.0.0.1/x', path.join(dir, 'x')), /^torchlet: failed to download ftp:\/\/127\.0\.0\.1\/x: unsupported protocol ftp:/);
    await expectFailure(downloadFile('not a url', path.join(dir, 'x')), /^torchlet: failed to download not a url: invalid URL$/);
  });

  test('a failed download leaves an existing dest untouched', async () => {
    const dest = path.join(dir, name);
    fs.writeFileSync(dest, 'old');
    await expect(downloadFile(`${base}/trunc/${name}`, dest)).rejects.toThrow(/truncated/);
    expect(ls()).toEqual([name]);
    expect(fs.readFileSync(dest, 'utf8')).toBe('old');
  });
});

describe('FashionMNIST.create from a local server', () => {
  test('downloads the train split into the root and loads it', async () => {
    const ds = await FashionMNIST.create({ root: dir, baseUrl: `${base}/ok/`, verifyMd5: false });
    expect(ds.root).toBe(dir);
    expect(ds.train).toBe(true);
    expect(ds.length).toBe(10);
    expect(ds.images.length).toBe(10 * 28 * 28);
    expect(Array.from(ds.labels)).toEqual(TRAIN_LABELS);
    expect(Buffer.from(ds.images).equals(zlib.gunzipSync(FILES['train-images-idx3-ubyte.gz']).subarray(16))).toBe(true);
    expect(ds.classes).toEqual([...FASHION_MNIST_CLASSES]);
    expect(ds.classes[ds.get(0).label]).toBe('Ankle boot');
    expect(ds.get(3).image.length).toBe(784);
    expect(() => ds.get(10)).toThrow(RangeError);
    expect(ls()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);

    // Already there: the sync constructor and create() read them without the network.
    const n = hits.length;
    expect(new FashionMNIST({ root: dir, verifyMd5: false }).length).toBe(10);
    expect((await FashionMNIST.create({ root: dir, baseUrl: `${base}/nothing/`, verifyMd5: false })).length).toBe(10);
    expect(hits.length).toBe(n);
  });

  test('test split, base URL without trailing slash, through redirects', async () => {
    const ds = await FashionMNIST.create({ root: dir, train: false, baseUrl: `${base}/redir`, verifyMd5: false });
    expect(ds.length).toBe(5);
    expect(Array.from(ds.labels)).toEqual(TEST_LABELS);
    expect(ls()).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
  });

  test('TORCHLET_FASHION_MNIST_URL sets the default base URL', async () => {
    const old = process.env.TORCHLET_FASHION_MNIST_URL;
    process.env.TORCHLET_FASHION_MNIST_URL = `${base}/ok/`;
    try {
      const ds = await FashionMNIST.create({ root: dir, train: false, verifyMd5: false });
      expect(ds.length).toBe(5);
    } finally {
      if (old === undefined) delete process.env.TORCHLET_FASHION_MNIST_URL;
      else process.env.TORCHLET_FASHION_MNIST_URL = old;
    }
  });

  test('official md5s are enforced by default', async () => {
    const url = `${base}/ok/train-images-idx3-ubyte.gz`;
    await expectFailure(
      FashionMNIST.create({ root: dir, baseUrl: `${base}/ok/` }),
      new RegExp(
        `^torchlet: failed to download ${url}: invalid content: md5 mismatch: expected ${FASHION_MNIST_MD5['train-images-idx3-ubyte.gz']} ` +
          `\\(or uncompressed content ${FASHION_MNIST_RAW_MD5['train-images-idx3-ubyte.gz']}\\), got ${md5(FILES['train-images-idx3-ubyte.gz'])}`,
      ),
    );
  });

  test('HTTP 404', async () => {
    await expectFailure(
      FashionMNIST.create({ root: dir, baseUrl: `${base}/nothing/`, verifyMd5: false }),
      new RegExp(`^torchlet: failed to download ${base}/nothing/train-images-idx3-ubyte.gz: HTTP 404 Not Found$`),
    );
  });

  test('truncated response', async () => {
    await expectFailure(
      FashionMNIST.create({ root: dir, baseUrl: `${base}/trunc/`, verifyMd5: false }),
      new RegExp(`^torchlet: failed to download ${base}/trunc/train-images-idx3-ubyte.gz: truncated: expected \\d+ bytes, got \\d+`),
    );
  });

  test('corrupted body (right length, bad magic)', async () => {
    const url = `${base}/corrupt/train-images-idx3-ubyte.gz`;
    await expectFailure(
      FashionMNIST.create({ root: dir, baseUrl: `${base}/corrupt/`, verifyMd5: false }),
      new RegExp(`^torchlet: failed to download ${url}: invalid content: ${url} is not an IDX file \\(magic 0x41414141\\)$`),
    );
  });

  test('a file of the wrong kind is refused', async () => {
    // Serve the labels file where the images file is expected.
    const server2 = http.createServer((_req, res) => res.end(FILES['train-labels-idx1-ubyte.gz']));
    await new Promise<void>((r) => server2.listen(0, '127.0.0.1', r));
    const url2 = `http://127.0.0.1:${(server2.address() as AddressInfo).port}/`;
    try {
      await expectFailure(
        FashionMNIST.create({ root: dir, baseUrl: url2, verifyMd5: false }),
        /invalid content: http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz has shape \[10\], expected \[N, 28, 28\]$/,
      );
    } finally {
      server2.closeAllConnections();
      await new Promise<void>((r) => server2.close(() => r()));
    }
  });

  test('image/label count mismatch', async () => {
    await expect(FashionMNIST.create({ root: dir, baseUrl: `${base}/mismatch/`, verifyMd5: false })).rejects.toThrow(
      /^torchlet: Fashion-MNIST count mismatch: .*train-images-idx3-ubyte\.gz has 10 images, .*train-labels-idx1-ubyte\.gz has 9 labels$/,
    );
    expect(ls()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    expect(() => new FashionMNIST({ root: dir, verifyMd5: false })).toThrow(/count mismatch/);
  });

  test('non-official counts are refused unless verifyMd5 is false', () => {
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), FILES['t10k-images-idx3-ubyte.gz']);
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), FILES['t10k-labels-idx1-ubyte.gz']);
    expect(() => new FashionMNIST({ root: dir, train: false })).toThrow(
      /has 5 images, the official Fashion-MNIST test split has 10000 \(pass verifyMd5: false/,
    );
    expect(new FashionMNIST({ root: dir, train: false, verifyMd5: false }).length).toBe(5);
  });

  test('uncompressed files are accepted too', () => {
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), zlib.gunzipSync(FILES['t10k-images-idx3-ubyte.gz']));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), zlib.gunzipSync(FILES['t10k-labels-idx1-ubyte.gz']));
    expect(Array.from(new FashionMNIST({ root: dir, train: false, verifyMd5: false }).labels)).toEqual(TEST_LABELS);
  });

  test('missing files without download: a clear error', async () => {
    const expected = new RegExp(
      `^torchlet: Fashion-MNIST train files missing in ${dir}: train-images-idx3-ubyte\\.gz, train-labels-idx1-ubyte\\.gz\\. ` +
        `Get them with .*FashionMNIST\\.create.*dataset-fashion-mnist`,
    );
    await expectFailure(FashionMNIST.create({ root: dir, download: false }), expected);
    expect(() => new FashionMNIST({ root: dir })).toThrow(expected);
  });

  test('cache directory', () => {
    expect(fashionMnistCacheDir({ TORCHLET_HOME: '/x/th' })).toBe('/x/th/datasets/fashion-mnist');
    expect(fashionMnistCacheDir({ HOME: os.homedir() })).toBe(path.join(os.homedir(), '.cache/torchlet/datasets/fashion-mnist'));
    expect(fashionMnistRoot({ root: 'rel' })).toBe(path.resolve('rel'));
  });
});

const haveReal = fs.existsSync(FASHION_MNIST_SYSTEM_DIR);

describe('real Fashion-MNIST files (Debian dataset-fashion-mnist)', () => {
  (haveReal ? test : test.skip)(
    'train: 60000 images, first label 9 = Ankle boot; test: 10000',
    () => {
      expect(fashionMnistRoot({})).toBe(FASHION_MNIST_SYSTEM_DIR);
      const train = new FashionMNIST();
      expect(train.root).toBe(FASHION_MNIST_SYSTEM_DIR);
      expect(train.length).toBe(60000);
      expect(train.images.length).toBe(60000 * 28 * 28);
      expect(train.labels.length).toBe(60000);
      expect(train.labels[0]).toBe(9);
      expect(train.classes[train.get(0).label]).toBe('Ankle boot');
      const counts = new Array(10).fill(0);
      for (const l of train.labels) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(6000));

      const test = new FashionMNIST({ train: false });
      expect(test.length).toBe(10000);
      expect(test.labels.length).toBe(10000);
      expect(test.labels[0]).toBe(9);
    },
    60000,
  );

  (haveReal ? test : test.skip)(
    'create() with md5 checks on accepts them served by a mirror (recompressed .gz, official content)',
    async () => {
      const srv = http.createServer((req, res) => {
        const name = path.basename(req.url ?? '');
        const p = path.join(FASHION_MNIST_SYSTEM_DIR, name);
        if (!name.startsWith('t10k-') || !fs.existsSync(p)) {
          res.writeHead(404);
          res.end();
          return;
        }
        res.writeHead(200, { 'content-length': fs.statSync(p).size });
        fs.createReadStream(p).pipe(res);
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      try {
        const mirror = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/mirror/`;
        const ds = await FashionMNIST.create({ root: dir, train: false, baseUrl: mirror });
        expect(ds.length).toBe(10000);
        expect(ds.labels[0]).toBe(9);
        expect(ls()).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
      } finally {
        srv.closeAllConnections();
        await new Promise<void>((r) => srv.close(() => r()));
      }
    },
    60000,
  );

  (haveReal ? test : test.skip)(
    'their uncompressed content has the official md5s',
    () => {
      for (const [name, sum] of Object.entries(FASHION_MNIST_RAW_MD5)) {
        expect([name, md5(zlib.gunzipSync(fs.readFileSync(path.join(FASHION_MNIST_SYSTEM_DIR, name))))]).toEqual([name, sum]);
      }
    },
    60000,
  );
});
