// lib/data/png_encode.ts — a small PNG encoder (node's zlib): 8-bit grayscale (L), grayscale+alpha
// (LA), RGB and RGBA, non-interlaced, every row with filter 0 (None).
//
// Contract:
//   encodePng(image) takes an Image (lib/data/image.ts) or {data, width, height, mode} with
//   height x width x channels bytes (HWC) and returns the PNG file bytes: the signature, IHDR,
//   one IDAT (zlib level 6), IEND, each chunk with its CRC-32. decodeImage/readImage read it back
//   unchanged (the round trip is tested). Bad arguments: ERR_TORCHLET_INVALID_ARG(_TYPE).
import * as zlib from 'zlib';
import { typeArg, invalidArg, checkInt } from '../errors';
import type { ImageMode } from './image';

const COLOR_TYPE: Record<ImageMode, [number, number]> = { L: [0, 1], LA: [4, 2], RGB: [2, 3], RGBA: [6, 4] };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses). */
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The PNG file of an 8-bit image (HWC bytes, mode L, LA, RGB or RGBA). */
export function encodePng(image: { data: Uint8Array; width: number; height: number; mode: ImageMode }): Buffer {
  if (typeof image !== 'object' || image === null) typeArg('image', 'an Image (or {data, width, height, mode})', image);
  const { data, width, height, mode } = image;
  if (Object.prototype.toString.call(data) !== '[object Uint8Array]') typeArg('image.data', 'a Uint8Array of HWC pixels', data);
  checkInt('image.width', width, 1);
  checkInt('image.height', height, 1);
  if (typeof mode !== 'string' || !(mode in COLOR_TYPE)) invalidArg('image.mode', "one of 'L', 'LA', 'RGB', 'RGBA'", mode);
  const [colorType, channels] = COLOR_TYPE[mode];
  const stride = width * channels;
  if (data.length !== stride * height) invalidArg('image.data', `${stride * height} bytes (${height} x ${width} x ${channels})`, `${data.length} bytes`);
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1); // filter byte 0
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
