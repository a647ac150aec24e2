// IDX reader (the MNIST / Fashion-MNIST file format).
//
// Contract:
//   readIdx(buf, source?) parses one IDX file held in memory and returns
//   {shape, data}. A buffer that starts with the gzip magic (1f 8b) is
//   gunzipped first. Only unsigned-byte data is accepted: magic 00 00 08 NN,
//   where NN (1..255) is the number of dimensions, followed by NN big-endian
//   uint32 sizes and exactly prod(sizes) data bytes. Anything else throws a
//   TorchletError (ERR_TORCHLET_BAD_FILE) whose message starts with
//   "torchlet: " and names `source`:
//     "torchlet: <source> is not an IDX file (magic 0x........)"
//     "torchlet: <source> is truncated: expected N bytes, got M"
//     "torchlet: <source> has trailing data: expected N bytes, got M"
//   `data` is a Uint8Array of length prod(shape) (row-major); it may share
//   memory with `buf` when `buf` was not compressed.
//   readIdxFile(path) reads the file synchronously and calls readIdx with
//   the path as source; I/O errors are rethrown with the same prefix
//   (ERR_TORCHLET_IO).

import * as fs from 'fs';
import * as zlib from 'zlib';
import { TorchletError, typeArg, invalidArg, checkInt, withIo, errorMessage } from '../errors';

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


// Not `instanceof Uint8Array`: Buffers from node's modules may come from another realm (e.g. under jest).
function isBytes(v: unknown): v is Uint8Array {
  return Buffer.isBuffer(v) || Object.prototype.toString.call(v) === '[object Uint8Array]';
}

function badFile(message: string): TorchletError {
  return new TorchletError(message, 'ERR_TORCHLET_BAD_FILE');
}

export function readIdx(buf: Buffer | Uint8Array, source = 'buffer'): IdxData {
  if (!isBytes(buf)) typeArg('buf', 'a Buffer or Uint8Array', buf);
  if (typeof source !== 'string') typeArg('source', 'a string', source);
  let b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isGzip(b)) {
    try {
      b = zlib.gunzipSync(b);
    } catch (e) {
      throw badFile(`torchlet: ${source} is not valid gzip data (${errorMessage(e)})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0 || b[3] === 0) {
    throw badFile(`torchlet: ${source} is not an IDX file (magic ${hex32(b)})`);
  }
  if (b[2] !== IDX_UBYTE) {
    throw badFile(
      `torchlet: ${source} is not an IDX file of unsigned bytes (magic ${hex32(b)}: ` +
        `type byte 0x${b.readUInt8(2).toString(16).padStart(2, '0')}, only 0x08 is supported)`,
    );
  }
  const ndim = b.readUInt8(3);
  const headerLen = 4 + 4 * ndim;
  if (b.length < headerLen) {
    throw badFile(`torchlet: ${source} is truncated: expected ${headerLen} header bytes, got ${b.length}`);
  }
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = b.readUInt32BE(4 + 4 * i);
    shape.push(d);
    count *= d;
  }
  if (!Number.isSafeInteger(count) || count > 0x7fffffff) {
    throw badFile(`torchlet: ${source} has an impossible shape [${shape.join(', ')}]`);
  }
  const expected = headerLen + count;
  if (b.length < expected) {
    throw badFile(`torchlet: ${source} is truncated: expected ${expected} bytes, got ${b.length}`);
  }
  if (b.length > expected) {
    throw badFile(`torchlet: ${source} has trailing data: expected ${expected} bytes, got ${b.length}`);
  }
  const data = new Uint8Array(b.buffer, b.byteOffset + headerLen, count);
  return { shape, data };
}

export function readIdxFile(path: string): IdxData {
  if (typeof path !== 'string' || !path) typeArg('path', 'a file path', path);
  return readIdx(withIo(`cannot read ${path}`, () => fs.readFileSync(path)), path);
}

/** Encodes an unsigned-byte IDX file (uncompressed); used by tests and tools. */
export function writeIdx(shape: number[], data: Uint8Array): Buffer {
  if (!Array.isArray(shape)) typeArg('shape', 'an array of 1..255 sizes', shape);
  shape.forEach((d, i) => checkInt(`shape[${i}]`, d, 0));
  if (!isBytes(data)) typeArg('data', 'a Uint8Array', data);
  const count = shape.reduce((a, d) => a * d, 1);
  if (shape.length < 1 || shape.length > 255) {
    invalidArg('shape', '1..255 dimensions', shape);
  }
  if (data.length !== count) {
    invalidArg('data', `${count} bytes (shape [${shape.join(', ')}])`, `${data.length} bytes`);
  }
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = IDX_UBYTE;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
