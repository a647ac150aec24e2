// test/cli/png.test.ts — lib/cli/png.ts (the PNG reader of `torchlet predict`): valid files of each
// kind decode to RGBA matching their IHDR; oversized dimensions are refused from the IHDR alone,
// before anything is decompressed (as the 69-byte file that took 6.9 GB); image data of the wrong
// size, bad CRCs, truncation, missing or misplaced chunks and trailing bytes are refused
// (ERR_TORCHLET_BAD_FILE), and readImage turns each into a CLI error naming the file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { PNG } from 'pngjs';
import { decodePng, pngDataBytes, MAX_PNG_PIXELS } from '../../lib/cli/png';
import { readImage } from '../../lib/cli/predict';
import { TorchletError } from '../../lib/errors';

const SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
/** One chunk with its length and CRC (a wrong CRC when `crc` is given). */
function chunk(type: string, data: Buffer = Buffer.alloc(0), crc?: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc ?? crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}
function ihdr(w: number, h: number, depth = 8, color = 0, interlace = 0): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(w, 0);
  b.writeUInt32BE(h, 4);
  b[8] = depth;
  b[9] = color;
  b[12] = interlace;
  return chunk('IHDR', b);
}
/** Filtered scanlines of a w x h 8-bit gray image (filter 0), compressed. */
const gray = (w: number, h: number, v = 100) => zlib.deflateSync(Buffer.concat(Array.from({ length: h }, () => Buffer.from([0, ...new Array(w).fill(v)]))));
const png = (...chunks: Buffer[]) => Buffer.concat([SIG, ...chunks]);
const good = () => png(ihdr(4, 3), chunk('IDAT', gray(4, 3)), chunk('IEND'));

function refusal(buf: Buffer): TorchletError {
  try {
    decodePng(buf, 'x.png');
  } catch (e) {
    return e as TorchletError;
  }
  throw new Error('decoded');
}

describe('valid PNGs decode to RGBA of their IHDR size', () => {
  test('hand-built 8-bit gray, split IDAT, ancillary chunks', () => {
    const { width, height, data } = decodePng(good());
    expect([width, height, data.length]).toEqual([4, 3, 48]);
    expect(Array.from(data.subarray(0, 4))).toEqual([100, 100, 100, 255]);
    const z = gray(4, 3);
    const split = png(ihdr(4, 3), chunk('tEXt', Buffer.from('a\0b')), chunk('IDAT', z.subarray(0, 5)), chunk('IDAT', z.subarray(5)), chunk('IEND'));
    expect(Buffer.from(decodePng(split).data).equals(Buffer.from(data))).toBe(true);
  });

  test('pngjs-written RGBA and RGB, 8 and 16 bits', () => {
    for (const [colorType, bitDepth] of [[6, 8], [2, 8], [6, 16], [0, 8]] as const) {
      const p = new PNG({ width: 5, height: 7, colorType, bitDepth, inputColorType: 6, inputHasAlpha: true } as never);
      for (let i = 0; i < p.data.length; i++) p.data[i] = i % 4 === 3 ? 255 : (i * 37) & 0xff;
      const buf = PNG.sync.write(p, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true } as never);
      const d = decodePng(buf);
      expect([d.width, d.height, d.data.length]).toEqual([5, 7, 140]);
      expect(Buffer.from(d.data).equals(Buffer.from(PNG.sync.read(buf).data))).toBe(true);
    }
  });

  test('Adam7-interlaced images (data size summed over the seven passes)', () => {
    expect(pngDataBytes(1, 1, 8, true)).toBe(2);
    // 3 x 3: pass 1 is 1x1 (2 bytes), 2 and 3 empty, 4 is 1x1 (2), 5 is 2x1 (3), 6 is 1x2 (4), 7 is 3x1 (4)
    expect(pngDataBytes(3, 3, 8, true)).toBe(2 + 0 + 0 + 2 + 3 + 4 + 4);
    const one = decodePng(png(ihdr(1, 1, 8, 0, 1), chunk('IDAT', zlib.deflateSync(Buffer.from([0, 200]))), chunk('IEND')));
    expect(Array.from(one.data)).toEqual([200, 200, 200, 255]);
    const n = pngDataBytes(9, 5, 8, true);
    const nine = decodePng(png(ihdr(9, 5, 8, 0, 1), chunk('IDAT', zlib.deflateSync(Buffer.alloc(n))), chunk('IEND')));
    expect([nine.width, nine.height, nine.data.length]).toEqual([9, 5, 180]);
  });
});

describe('damaged or hostile PNGs are refused', () => {
  const z = gray(4, 3);
  const cases: [string, Buffer, RegExp][] = [
    ['dimensions over the limit (a 65-byte file)', png(ihdr(100000, 100000), chunk('IDAT', zlib.deflateSync(Buffer.alloc(0))), chunk('IEND')), /IHDR declares 100000 x 100000 pixels, more than the limit/],
    ['one side over the limit', png(ihdr(20000, 1), chunk('IDAT', z), chunk('IEND')), /20000 x 1 pixels, more than the limit/],
    ['zero width', png(ihdr(0, 3), chunk('IDAT', z), chunk('IEND')), /IHDR declares 0 x 3 pixels/],
    ['more image data than the IHDR needs', png(ihdr(4, 3), chunk('IDAT', gray(4, 300)), chunk('IEND')), /inflates to more than the 15 bytes 4 x 3 pixels need/],
    ['less image data than the IHDR needs', png(ihdr(4, 3), chunk('IDAT', gray(4, 2)), chunk('IEND')), /inflates to 10 bytes, 4 x 3 pixels need 15/],
    ['image data that is not zlib', png(ihdr(4, 3), chunk('IDAT', Buffer.from('not zlib data')), chunk('IEND')), /image data is damaged/],
    ['a bad CRC in IDAT', png(ihdr(4, 3), chunk('IDAT', z, 1234), chunk('IEND')), /chunk IDAT at byte 33 has a bad CRC/],
    ['a bad CRC in an ancillary chunk', png(ihdr(4, 3), chunk('tEXt', Buffer.from('a\0b'), 5), chunk('IDAT', z), chunk('IEND')), /chunk tEXt .* bad CRC/],
    ['a truncated file', good().subarray(0, 40), /truncated/],
    ['no IEND', png(ihdr(4, 3), chunk('IDAT', z)), /no IEND chunk/],
    ['bytes after IEND', Buffer.concat([good(), Buffer.from('junk')]), /4 bytes after the IEND chunk/],
    ['IDAT before IHDR', png(chunk('IDAT', z), ihdr(4, 3), chunk('IEND')), /the first chunk is IDAT, not IHDR/],
    ['two IHDR', png(ihdr(4, 3), ihdr(4, 3), chunk('IDAT', z), chunk('IEND')), /a second IHDR/],
    ['no IDAT', png(ihdr(4, 3), chunk('IEND')), /no image data/],
    ['IDAT not consecutive', png(ihdr(4, 3), chunk('IDAT', z.subarray(0, 5)), chunk('tEXt', Buffer.from('a\0b')), chunk('IDAT', z.subarray(5)), chunk('IEND')), /not consecutive/],
    ['an unknown critical chunk', png(ihdr(4, 3), chunk('ABCD', Buffer.from('x')), chunk('IDAT', z), chunk('IEND')), /unknown critical chunk ABCD/],
    ['a bit depth not allowed for the colour type', png(ihdr(4, 3, 4, 2), chunk('IDAT', z), chunk('IEND')), /bit depth 4 for colour type 2/],
    ['a palette image without PLTE', png(ihdr(4, 3, 8, 3), chunk('IDAT', z), chunk('IEND')), /palette image without a PLTE/],
    ['a chunk length over 2^31', Buffer.concat([SIG, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x49, 0x48, 0x44, 0x52]), Buffer.alloc(8)]), /over 2\^31/],
    ['no signature', Buffer.from('GIF89a....'), /no PNG signature/],
  ];
  test.each(cases)('%s', (_what, buf, message) => {
    const e = refusal(buf);
    expect(e).toBeInstanceOf(TorchletError);
    expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
    expect(e.message).toMatch(/^torchlet: x\.png is not a valid PNG file: /);
    expect(e.message).toMatch(message);
  });

  test('the pixel limit is an option; the default allows 2048 x 2048', () => {
    expect(MAX_PNG_PIXELS).toBe(2048 * 2048);
    expect(() => decodePng(good(), 'x.png', { maxPixels: 11 })).toThrow(/4 x 3 pixels, more than the limit \(each side <= 16384, at most 11 pixels\)/);
    expect(decodePng(good(), 'x.png', { maxPixels: 12 }).width).toBe(4);
  });

  test('readImage (torchlet predict) refuses them with a CLI error naming the file, and non-regular files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-png-'));
    try {
      const f = path.join(dir, 'bomb.png');
      fs.writeFileSync(f, cases[0][1]);
      expect(cases[0][1].length).toBe(65);
      expect(() => readImage(f)).toThrow(new RegExp(`^torchlet: image ${f}: damaged PNG file \\(IHDR declares 100000 x 100000 pixels`));
      fs.writeFileSync(f, good());
      expect(readImage(f).shape).toEqual([1, 1, 28, 28]);
      expect(() => readImage('/dev/zero')).toThrow('torchlet: image /dev/zero: not a regular file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
