// test/data/fashion_mnist.test.ts — FashionMNIST on untrusted files: with verifyMd5 (the default)
// a file declaring more than the official size is refused before it is decompressed, and a gzip
// bomb behind an official header stops at the official size.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { FashionMNIST } from '../../lib/data/fashion_mnist';
import { TorchletError } from '../../lib/errors';

function header(shape: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = 8;
  h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

function loadError(images: Buffer): TorchletError {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-fmnist-'));
  try {
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), images);
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(Buffer.concat([header([10000]), Buffer.alloc(10000)])));
    try {
      new FashionMNIST({ root: dir, train: false });
    } catch (e) {
      return e as TorchletError;
    }
    throw new Error('loaded');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a gzip bomb behind the official header stops at the official size', () => {
  const official = 16 + 10000 * 784;
  const zeros = zlib.gzipSync(Buffer.alloc(64 << 20));
  const bomb = Buffer.concat([zlib.gzipSync(header([10000, 28, 28])), ...new Array(8).fill(zeros)]);
  const before = process.resourceUsage().maxRSS;
  const e = loadError(bomb);
  expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
  expect(e.message).toMatch(new RegExp(`t10k-images-idx3-ubyte\\.gz has trailing data: it decompresses to more than the ${official} bytes its header declares`));
  expect((process.resourceUsage().maxRSS - before) / 1024).toBeLessThan(200); // MB; the whole bomb is 512
});

test('a header declaring more images than the official split is refused before decompression', () => {
  const e = loadError(zlib.gzipSync(header([10001, 28, 28])));
  expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
  expect(e.message).toMatch(/declares 7840800 bytes \(shape \[10001, 28, 28\]\), more than the limit of 7840016/);
  const wrong = loadError(zlib.gzipSync(header([10000, 29, 28])));
  expect(wrong.message).toMatch(/declares 8120016 bytes/);
});
