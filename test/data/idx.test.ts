// Tests for lib/data/idx.ts: parsing plain and gzipped IDX buffers/files and
// rejecting bad magic, unsupported types, truncation and trailing data; gunzip bounded by the
// size the header declares (gzip bombs) and by maxBytes.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { readIdx, readIdxFile, writeIdx } from '../../lib/data/idx';

function idx3(n: number, h: number, w: number): Buffer {
  const data = new Uint8Array(n * h * w).map((_, i) => (i * 7 + 3) & 0xff);
  return writeIdx([n, h, w], data);
}

describe('readIdx', () => {
  test('parses a hand-built 3-D uint8 IDX', () => {
    const header = Buffer.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
    const body = Buffer.from(Array.from({ length: 24 }, (_, i) => i));
    const { shape, data } = readIdx(Buffer.concat([header, body]));
    expect(shape).toEqual([2, 3, 4]);
    expect(data).toBeInstanceOf(Uint8Array);
    expect(Array.from(data)).toEqual(Array.from(body));
  });

  test('parses a 1-D label file (magic 0x00000801)', () => {
    const buf = Buffer.from([0, 0, 8, 1, 0, 0, 0, 5, 9, 0, 0, 3, 0]);
    const { shape, data } = readIdx(buf);
    expect(shape).toEqual([5]);
    expect(Array.from(data)).toEqual([9, 0, 0, 3, 0]);
  });

  test('gunzips a gzipped buffer', () => {
    const raw = idx3(4, 28, 28);
    const { shape, data } = readIdx(zlib.gzipSync(raw));
    expect(shape).toEqual([4, 28, 28]);
    expect(Buffer.from(data).equals(raw.subarray(16))).toBe(true);
  });

  test('writeIdx round-trips', () => {
    const raw = idx3(3, 2, 5);
    expect(raw.readUInt32BE(0)).toBe(0x00000803);
    const { shape, data } = readIdx(raw);
    expect(writeIdx(shape, data).equals(raw)).toBe(true);
  });

  test('rejects a bad magic', () => {
    const buf = idx3(1, 2, 2);
    buf[0] = 0x12;
    expect(() => readIdx(buf, 'x.idx')).toThrow('torchlet: x.idx is not an IDX file (magic 0x12000803)');
    expect(() => readIdx(Buffer.from('hello world'), 'x.idx')).toThrow(/^torchlet: x\.idx is not an IDX file \(magic 0x68656c6c\)/);
    expect(() => readIdx(Buffer.from([0, 0, 8, 0]), 'x.idx')).toThrow(/is not an IDX file/);
    expect(() => readIdx(Buffer.alloc(0), 'x.idx')).toThrow(/is not an IDX file/);
  });

  test('rejects non-uint8 data types', () => {
    const buf = Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]); // float32
    expect(() => readIdx(buf, 'f.idx')).toThrow(/torchlet: f\.idx is not an IDX file of unsigned bytes \(magic 0x00000d01.*only 0x08/);
  });

  test('rejects truncated data and header', () => {
    const buf = idx3(2, 3, 3); // 16 + 18 bytes
    expect(() => readIdx(buf.subarray(0, buf.length - 5), 'short.idx')).toThrow(
      'torchlet: short.idx is truncated: expected 34 bytes, got 29',
    );
    expect(() => readIdx(buf.subarray(0, 10), 'short.idx')).toThrow(
      'torchlet: short.idx is truncated: expected 16 header bytes, got 10',
    );
    // Truncated inside gzip: either the gzip stream or the IDX is reported broken.
    const gz = zlib.gzipSync(idx3(50, 28, 28));
    expect(() => readIdx(gz.subarray(0, gz.length - 20), 'short.gz')).toThrow(/^torchlet: short\.gz is (not valid gzip|truncated)/);
  });

  test('rejects trailing data', () => {
    const buf = Buffer.concat([idx3(1, 2, 2), Buffer.from([1])]);
    expect(() => readIdx(buf, 'long.idx')).toThrow('torchlet: long.idx has trailing data: expected 20 bytes, got 21');
  });
});

describe('readIdxFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-idx-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('reads plain and gzipped files', () => {
    const raw = idx3(2, 4, 4);
    fs.writeFileSync(path.join(dir, 'a-idx3-ubyte'), raw);
    fs.writeFileSync(path.join(dir, 'a-idx3-ubyte.gz'), zlib.gzipSync(raw));
    for (const name of ['a-idx3-ubyte', 'a-idx3-ubyte.gz']) {
      const { shape, data } = readIdxFile(path.join(dir, name));
      expect(shape).toEqual([2, 4, 4]);
      expect(Buffer.from(data).equals(raw.subarray(16))).toBe(true);
    }
  });

  test('names the path in errors', () => {
    const p = path.join(dir, 'bad.gz');
    fs.writeFileSync(p, Buffer.from('<html>not found</html>'));
    expect(() => readIdxFile(p)).toThrow(`torchlet: ${p} is not an IDX file (magic 0x3c68746d)`);
    const missing = path.join(dir, 'missing');
    expect(() => readIdxFile(missing)).toThrow(new RegExp(`^torchlet: cannot read ${missing}: ENOENT`));
  });
});

/** A gzip member written by hand: optional FNAME field (any length), raw deflate data, CRC32 and size. */
function gzipWithName(raw: Buffer, name: Buffer): Buffer {
  const head = Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(zlib.crc32(raw), 0);
  tail.writeUInt32LE(raw.length >>> 0, 4);
  return Buffer.concat([head, name, Buffer.from([0]), zlib.deflateRawSync(raw), tail]);
}
/** An IDX header declaring `shape`, without data. */
function idxHeader(shape: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = 8;
  h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

describe('gunzip is bounded by the size the IDX header declares', () => {
  // 1 GiB of zeros in 16 gzip members of 64 MiB (about 1 MB compressed), after a header declaring 10 bytes
  const zeros = zlib.gzipSync(Buffer.alloc(64 << 20));
  const bomb = (shape: number[]) => Buffer.concat([zlib.gzipSync(Buffer.concat([idxHeader(shape), Buffer.alloc(10)])), ...new Array(16).fill(zeros)]);

  test('a gzip bomb stops at the declared size: fast, without filling memory', () => {
    const before = process.resourceUsage().maxRSS;
    const t0 = Date.now();
    expect(() => readIdx(bomb([10]), 'bomb.gz')).toThrow('torchlet: bomb.gz has trailing data: it decompresses to more than the 18 bytes its header declares');
    expect(() => readIdx(bomb([100, 28, 28]), 'bomb.gz')).toThrow(/decompresses to more than the 78416 bytes its header declares/);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((process.resourceUsage().maxRSS - before) / 1024).toBeLessThan(256); // MB; all of it would be 1024+
  });

  test('a declared size over maxBytes is refused before the data is decompressed', () => {
    const gz = bomb([60000, 28, 28]);
    expect(() => readIdx(gz, 'big.gz', { maxBytes: 1000 })).toThrow('torchlet: big.gz declares 47040016 bytes (shape [60000, 28, 28]), more than the limit of 1000');
    expect(() => readIdx(idx3(2, 2, 2), 'plain', { maxBytes: 23 })).toThrow(/declares 24 bytes/);
    expect(readIdx(idx3(2, 2, 2), 'plain', { maxBytes: 24 }).shape).toEqual([2, 2, 2]);
    expect(() => readIdx(idx3(1, 1, 1), 'x', { maxBytes: -1 })).toThrow(/opts\.maxBytes/);
  });

  test('the header is found behind a long gzip file-name field; a bomb there is still stopped', () => {
    const raw = idx3(3, 5, 5);
    const name = Buffer.alloc(300000, 0x61);
    const { shape, data } = readIdx(gzipWithName(raw, name), 'named.gz');
    expect(shape).toEqual([3, 5, 5]);
    expect(Buffer.from(data).equals(raw.subarray(16))).toBe(true);
    const bad = gzipWithName(Buffer.concat([idxHeader([4]), Buffer.alloc(8 << 20)]), name);
    expect(() => readIdx(bad, 'named.gz')).toThrow('torchlet: named.gz has trailing data: it decompresses to more than the 12 bytes its header declares');
    // a tiny file whose whole output is shorter than the largest header
    expect(readIdx(zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])), 't.gz').shape).toEqual([2]);
  });

  test('readIdxFile refuses what is not a regular file, and files far over the limit without reading them', () => {
    expect(() => readIdxFile('/dev/zero')).toThrow('torchlet: cannot read /dev/zero: not a regular file');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-idx-'));
    const f = path.join(dir, 'big-idx1-ubyte');
    fs.writeFileSync(f, Buffer.alloc(1 << 20));
    expect(() => readIdxFile(f, { maxBytes: 1000 })).toThrow(`torchlet: ${f} has 1048576 bytes, more than the limit of 1000`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
