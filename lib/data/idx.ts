// IDX reader (the MNIST / Fashion-MNIST file format).
//
// Contract:
//   readIdx(buf, source?) parses one IDX file held in memory and returns
//   {shape, data}. A buffer that starts with the gzip magic (1f 8b) is
//   gunzipped first. Only unsigned-byte data is accepted: magic 00 00 08 NN,
//   where NN (1..255) is the number of dimensions, followed by NN big-endian
//   uint32 sizes and exactly prod(sizes) data bytes. Anything else throws an
//   Error whose message starts with "torchlet: " and names `source`:
//     "torchlet: <source> is not an IDX file (magic 0x........)"
//     "torchlet: <source> is truncated: expected N bytes, got M"
//     "torchlet: <source> has trailing data: expected N bytes, got M"
//   `data` is a Uint8Array of length prod(shape) (row-major); it may share
//   memory with `buf` when `buf` was not compressed.
//   readIdxFile(path) reads the file synchronously and calls readIdx with
//   the path as source; I/O errors are rethrown with the same prefix.

import * as fs from 'fs';
import * as zlib from 'zlib';

export interface IdxData {
  /** Dimension sizes, outermost first (e.g. [60000, 28, 28]). */
  shape: number[];
  /** prod(shape) bytes, row-major. */
  data: Uint8Array;
}

/** IDX type byte for unsigned 8-bit data, the only one supported. */
export const IDX_UBYTE = 0x08;

function hex32(buf: Buffer): string {
  const bytes = buf.subarray(0, 4);
  return '0x' + Buffer.from(bytes).toString('hex').padEnd(8, '.');
}

function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function errMessage(e: unknown): string {
  // Not `instanceof Error`: errors from node's modules may come from another realm (e.g. under jest).
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

export function readIdx(buf: Buffer | Uint8Array, source = 'buffer'): IdxData {
  let b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isGzip(b)) {
    try {
      b = zlib.gunzipSync(b);
    } catch (e) {
      throw new Error(`torchlet: ${source} is not valid gzip data (${errMessage(e)})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0 || b[3] === 0) {
    throw new Error(`torchlet: ${source} is not an IDX file (magic ${hex32(b)})`);
  }
  if (b[2] !== IDX_UBYTE) {
    throw new Error(
      `torchlet: ${source} is not an IDX file of unsigned bytes (magic ${hex32(b)}: ` +
        `type byte 0x${b.readUInt8(2).toString(16).padStart(2, '0')}, only 0x08 is supported)`,
    );
  }
  const ndim = b.readUInt8(3);
  const headerLen = 4 + 4 * ndim;
  if (b.length < headerLen) {
    throw new Error(`torchlet: ${source} is truncated: expected ${headerLen} header bytes, got ${b.length}`);
  }
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = b.readUInt32BE(4 + 4 * i);
    shape.push(d);
    count *= d;
  }
  if (!Number.isSafeInteger(count) || count > 0x7fffffff) {
    throw new Error(`torchlet: ${source} has an impossible shape [${shape.join(', ')}]`);
  }
  const expected = headerLen + count;
  if (b.length < expected) {
    throw new Error(`torchlet: ${source} is truncated: expected ${expected} bytes, got ${b.length}`);
  }
  if (b.length > expected) {
    throw new Error(`torchlet: ${source} has trailing data: expected ${expected} bytes, got ${b.length}`);
  }
  const data = new Uint8Array(b.buffer, b.byteOffset + headerLen, count);
  return { shape, data };
}

export function readIdxFile(path: string): IdxData {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`torchlet: cannot read ${path}: ${errMessage(e)}`);
  }
  return readIdx(buf, path);
}

/** Encodes an unsigned-byte IDX file (uncompressed); used by tests and tools. */
export function writeIdx(shape: number[], data: Uint8Array): Buffer {
  const count = shape.reduce((a, d) => a * d, 1);
  if (shape.length < 1 || shape.length > 255) {
    throw new Error(`torchlet: writeIdx: need 1..255 dimensions, got ${shape.length}`);
  }
  if (data.length !== count) {
    throw new Error(`torchlet: writeIdx: shape [${shape.join(', ')}] needs ${count} bytes, got ${data.length}`);
  }
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = IDX_UBYTE;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
