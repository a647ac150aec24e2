// Tests for lib/data/idx.ts: parsing plain and gzipped IDX buffers/files and
// rejecting bad magic, unsupported types, truncation and trailing data.

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
