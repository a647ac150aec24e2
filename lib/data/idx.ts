// IDX reader (the MNIST / Fashion-MNIST file format).
//
// Contract:
//   readIdx(buf, source?, {maxBytes?}) parses one IDX file held in memory and
//   returns {shape, data}. A buffer that starts with the gzip magic (1f 8b) is
//   gunzipped first, bounded: the header is read from a prefix (at most a few
//   KB decompressed), then the whole stream is decompressed with its output
//   capped at the size that header declares, so a gzip bomb stops there
//   ("has trailing data") instead of filling memory. The declared size (header
//   included) must not exceed `maxBytes` (default IDX_MAX_BYTES), checked
//   before any data is decompressed. Only unsigned-byte data is accepted: magic 00 00 08 NN,
//   where NN (1..255) is the number of dimensions, followed by NN big-endian
//   uint32 sizes and exactly prod(sizes) data bytes. Anything else throws a
//   TorchletError (ERR_TORCHLET_BAD_FILE) whose message starts with
//   "torchlet: " and names `source`:
//     "torchlet: <source> is not an IDX file (magic 0x........)"
//     "torchlet: <source> is truncated: expected N bytes, got M"
//     "torchlet: <source> has trailing data: expected N bytes, got M"
//     "torchlet: <source> has trailing data: it decompresses to more than the N bytes its header declares"
//     "torchlet: <source> declares N bytes, more than the limit of M"
//   `data` is a Uint8Array of length prod(shape) (row-major); it may share
//   memory with `buf` when `buf` was not compressed.
//   readIdxFile(path, {maxBytes?}) reads the file synchronously (a regular
//   file no larger than the limit allows) and calls readIdx with the path as
//   source; I/O errors are rethrown with the same prefix (ERR_TORCHLET_IO).

import * as fs from 'fs';
import * as zlib from 'zlib';
import { TorchletError, typeArg, invalidArg, checkInt, withIo, errorMessage, checkOptionKeys } from '../errors';

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

/** The largest IDX file readIdx accepts by default, header included (2^31 - 1 data bytes). */
export const IDX_MAX_BYTES = 0x7fffffff + 4 + 4 * 255;

export interface IdxReadOptions {
  /** The most bytes the (decompressed) file may declare, header included (default IDX_MAX_BYTES). */
  maxBytes?: number;
}

/** The largest IDX header: magic and 255 dimensions. */
const MAX_HEADER = 4 + 4 * 255;
/** Decompressed bytes kept while looking for the header (one compressed byte yields at most ~1 KB). */
const PREFIX_CAP = MAX_HEADER + 4096;

/**
 * The start of a gzip stream's output: at least MAX_HEADER bytes (or all there is), at most
 * PREFIX_CAP, found by decompressing growing prefixes of the compressed bytes (never the whole
 * stream at once: a bomb would fill memory).
 */
function gunzipPrefix(b: Buffer): Buffer {
  const out = (k: number): Buffer | null => {
    try {
      return zlib.gunzipSync(b.subarray(0, k), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: PREFIX_CAP });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
      throw e;
    }
  };
  let lo = 0;
  let hi = b.length;
  for (let k = Math.min(64, b.length); ; k = Math.min(b.length, k * 4)) {
    const o = out(k);
    if (o && (o.length >= MAX_HEADER || k === b.length)) return o;
    if (!o) {
      hi = k;
      break;
    }
    lo = k;
  }
  // out(lo) is shorter than a header, out(hi) longer than PREFIX_CAP: bisect for a prefix in between
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const o = out(mid);
    if (!o) hi = mid;
    else if (o.length >= MAX_HEADER) return o;
    else lo = mid;
  }
  return out(lo) ?? Buffer.alloc(0);
}

/** The header of IDX bytes `b` (possibly only a prefix of the file): shape, header and total length. */
function parseHeader(b: Buffer, source: string, maxBytes: number, complete: boolean): { shape: number[]; headerLen: number; expected: number } {
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
    throw badFile(`torchlet: ${source} is truncated: expected ${headerLen} header bytes, got ${complete ? b.length : `${b.length} or fewer`}`);
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
  if (expected > maxBytes) {
    throw badFile(`torchlet: ${source} declares ${expected} bytes (shape [${shape.join(', ')}]), more than the limit of ${maxBytes}`);
  }
  return { shape, headerLen, expected };
}

export function readIdx(buf: Buffer | Uint8Array, source = 'buffer', opts: IdxReadOptions = {}): IdxData {
  if (!isBytes(buf)) typeArg('buf', 'a Buffer or Uint8Array', buf);
  if (typeof source !== 'string') typeArg('source', 'a string', source);
  checkOptionKeys('opts', opts, ['maxBytes']);
  const maxBytes = opts.maxBytes ?? IDX_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) typeArg('opts.maxBytes', 'a number of bytes >= 0', maxBytes);
  let b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isGzip(b)) {
    let declared: number;
    try {
      declared = parseHeader(gunzipPrefix(b), source, maxBytes, false).expected;
    } catch (e) {
      if (e instanceof TorchletError) throw e;
      throw badFile(`torchlet: ${source} is not valid gzip data (${errorMessage(e)})`);
    }
    try {
      b = zlib.gunzipSync(b, { maxOutputLength: Math.max(declared, 1) });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw badFile(`torchlet: ${source} has trailing data: it decompresses to more than the ${declared} bytes its header declares`);
      throw badFile(`torchlet: ${source} is not valid gzip data (${errorMessage(e)})`);
    }
  }
  const { shape, headerLen, expected } = parseHeader(b, source, maxBytes, true);
  if (b.length < expected) {
    throw badFile(`torchlet: ${source} is truncated: expected ${expected} bytes, got ${b.length}`);
  }
  if (b.length > expected) {
    throw badFile(`torchlet: ${source} has trailing data: expected ${expected} bytes, got ${b.length}`);
  }
  const data = new Uint8Array(b.buffer, b.byteOffset + headerLen, expected - headerLen);
  return { shape, data };
}

export function readIdxFile(path: string, opts: IdxReadOptions = {}): IdxData {
  if (typeof path !== 'string' || !path) typeArg('path', 'a file path', path);
  checkOptionKeys('opts', opts, ['maxBytes']);
  const limit = opts?.maxBytes ?? IDX_MAX_BYTES;
  const buf = withIo(`cannot read ${path}`, () => {
    const st = fs.statSync(path);
    if (!st.isFile()) throw new TorchletError(`torchlet: cannot read ${path}: not a regular file`, 'ERR_TORCHLET_IO');
    // gzip adds a few bytes per 16 KB to data it cannot compress: allow that much over the limit
    if (st.size > limit + limit / 1000 + 1024) throw badFile(`torchlet: ${path} has ${st.size} bytes, more than the limit of ${limit}`);
    return fs.readFileSync(path);
  });
  return readIdx(buf, path, opts);
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
