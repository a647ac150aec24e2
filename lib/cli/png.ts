// lib/cli/png.ts — PNG files from untrusted sources, checked before and after decoding (used by
// `torchlet predict`). decodePng(buf, source, {maxPixels}) first walks the chunk structure:
// the 8-byte signature; every chunk inside the file with a correct CRC; IHDR first (13 bytes, a
// valid bit depth / colour type pair, compression 0, filter 0, interlace 0 or 1); the dimensions
// checked against the limits (each side <= MAX_PNG_SIDE, width x height <= maxPixels, default
// MAX_PNG_PIXELS) BEFORE anything is decompressed; PLTE present for palette images; IDAT chunks
// consecutive; no unknown critical chunk; IEND last with nothing after it. Then the image data is
// inflated with its output capped at the exact size the IHDR implies, and must have exactly that
// size. Only then does pngjs decode it, and its result must match the IHDR (width, height, RGBA
// bytes). Every refusal is a TorchletError ERR_TORCHLET_BAD_FILE:
//   "torchlet: <source> is not a valid PNG file: <what is wrong>"
import * as zlib from 'zlib';
import { PNG } from 'pngjs';
import { TorchletError, typeArg, errorMessage } from '../errors';

/** Default limit on width x height (2048 x 2048): decoding needs about 16 bytes per pixel. */
export const MAX_PNG_PIXELS = 2048 * 2048;
/** Limit on each side. */
export const MAX_PNG_SIDE = 16384;

export interface DecodedPng {
  width: number;
  height: number;
  /** width x height x 4 bytes, RGBA 8-bit, row-major. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Channels of each colour type and the bit depths it allows. */
const COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

let crcTable: Uint32Array | undefined;
function crc32(b: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bytes of filtered scanlines (a filter byte per row) an image of these dimensions decompresses to. */
export function pngDataBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w && h ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  let total = 0;
  for (const [xs, ys, dx, dy] of ADAM7) total += rows(Math.max(0, Math.ceil((width - xs) / dx)), Math.max(0, Math.ceil((height - ys) / dy)));
  return total;
}

/** Decodes a PNG held in memory after checking it as the file comment says. */
export function decodePng(buf: Buffer, source = 'buffer', opts: { maxPixels?: number } = {}): DecodedPng {
  if (!Buffer.isBuffer(buf)) typeArg('buf', 'a Buffer', buf);
  const maxPixels = opts.maxPixels ?? MAX_PNG_PIXELS;
  if (typeof maxPixels !== 'number' || !(maxPixels >= 1)) typeArg('opts.maxPixels', 'a number >= 1', maxPixels);
  const bad = (why: string): never => {
    throw new TorchletError(`torchlet: ${source} is not a valid PNG file: ${why}`, 'ERR_TORCHLET_BAD_FILE');
  };
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) bad('no PNG signature');
  let pos = 8;
  let ihdr: { width: number; height: number; depth: number; color: number; interlace: number } | undefined;
  let palette = false;
  let ended = false;
  let idatDone = false;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    if (pos + 12 > buf.length) bad(`truncated chunk header at byte ${pos}`);
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (len > 0x7fffffff) bad(`chunk ${JSON.stringify(type)} at byte ${pos} has length ${len} (over 2^31 - 1)`);
    if (!/^[A-Za-z]{4}$/.test(type)) bad(`bad chunk type at byte ${pos}`);
    if (pos + 12 + len > buf.length) bad(`chunk ${type} at byte ${pos} is truncated (${len} data bytes declared, ${buf.length - pos - 12} present)`);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len)) bad(`chunk ${type} at byte ${pos} has a bad CRC`);
    if (!ihdr && type !== 'IHDR') bad(`the first chunk is ${type}, not IHDR`);
    if (idat.length && type !== 'IDAT') idatDone = true;
    switch (type) {
      case 'IHDR': {
        if (ihdr) bad('a second IHDR chunk');
        if (len !== 13) bad(`IHDR has ${len} bytes, not 13`);
        const width = body.readUInt32BE(0);
        const height = body.readUInt32BE(4);
        const [depth, color, compression, filter, interlace] = [body[8], body[9], body[10], body[11], body[12]];
        if (!width || !height || width > 0x7fffffff || height > 0x7fffffff) bad(`IHDR declares ${width} x ${height} pixels`);
        if (width > MAX_PNG_SIDE || height > MAX_PNG_SIDE || width * height > maxPixels)
          bad(`IHDR declares ${width} x ${height} pixels, more than the limit (each side <= ${MAX_PNG_SIDE}, at most ${maxPixels} pixels)`);
        const ct = COLOR_TYPES[color];
        if (!ct) bad(`IHDR has colour type ${color}`);
        if (!ct.depths.includes(depth)) bad(`IHDR has bit depth ${depth} for colour type ${color} (allowed: ${ct.depths.join(', ')})`);
        if (compression !== 0 || filter !== 0) bad(`IHDR has compression method ${compression}, filter method ${filter} (both must be 0)`);
        if (interlace > 1) bad(`IHDR has interlace method ${interlace}`);
        ihdr = { width, height, depth, color, interlace };
        break;
      }
      case 'PLTE':
        if (idat.length) bad('PLTE after the image data');
        if (len === 0 || len % 3 || len / 3 > 256) bad(`PLTE has ${len} bytes`);
        palette = true;
        break;
      case 'IDAT':
        if (idatDone) bad('IDAT chunks are not consecutive');
        if (ihdr!.color === 3 && !palette) bad('a palette image without a PLTE chunk');
        idat.push(body);
        break;
      case 'IEND':
        if (len !== 0) bad(`IEND has ${len} data bytes`);
        ended = true;
        break;
      default:
        if (type.charCodeAt(0) < 0x61) bad(`unknown critical chunk ${type}`);
    }
    pos += 12 + len;
    if (ended) break;
  }
  if (!ihdr) bad('no IHDR chunk');
  if (!idat.length) bad('no image data (IDAT)');
  if (!ended) bad('no IEND chunk (the file is truncated)');
  if (pos !== buf.length) bad(`${buf.length - pos} bytes after the IEND chunk`);
  const { width, height, depth, color, interlace } = ihdr!;
  const expected = pngDataBytes(width, height, depth * COLOR_TYPES[color].channels, interlace === 1);
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') bad(`the image data inflates to more than the ${expected} bytes ${width} x ${height} pixels need`);
    return bad(`the image data is damaged (${errorMessage(e)})`);
  }
  if (raw.length !== expected) bad(`the image data inflates to ${raw.length} bytes, ${width} x ${height} pixels need ${expected}`);
  let png: PNG;
  try {
    png = PNG.sync.read(buf);
  } catch (e) {
    return bad(`damaged (${errorMessage(e)})`);
  }
  if (png.width !== width || png.height !== height || png.data.length !== width * height * 4)
    bad(`decoded to ${png.width} x ${png.height} pixels (${png.data.length} bytes), not the ${width} x ${height} its IHDR declares`);
  return { width, height, data: png.data };
}
