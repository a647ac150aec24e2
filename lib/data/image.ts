// lib/data/image.ts — Image: a decoded 8-bit picture, height x width x channels bytes row-major (HWC),
// mode 'L' (1 channel), 'LA' (2), 'RGB' (3) or 'RGBA' (4): torchlet's stand-in for the PIL images that
// torchvision's datasets yield. The transforms take an Image or a tensor ([..., C, H, W]) and return the
// same kind; ToTensor turns an Image into a float CHW tensor. readImage(path, {mode}) decodes PNG
// (pngjs, through the checked reader of lib/cli/png.ts) and JPEG (jpeg-js) files, as PIL.Image.open +
// convert(mode); a file that is neither, or damaged, is ERR_TORCHLET_BAD_FILE.
import * as fs from 'fs';
import { TorchletError, invalidArg, typeArg, withIo, errorMessage, checkInt, checkOptionKeys } from '../errors';
import { decodePng } from '../cli/png';

export type ImageMode = 'L' | 'LA' | 'RGB' | 'RGBA';
const CHANNELS: Record<ImageMode, number> = { L: 1, LA: 2, RGB: 3, RGBA: 4 };

export class Image {
  readonly mode: ImageMode;
  /**
   * @param data height x width x channels bytes (HWC, row-major); kept, not copied
   * @param mode 'L', 'LA', 'RGB' or 'RGBA' (the number of channels)
   */
  constructor(
    readonly data: Uint8Array,
    readonly width: number,
    readonly height: number,
    mode: ImageMode = 'RGB',
  ) {
    if (!(data instanceof Uint8Array)) typeArg('data', 'a Uint8Array of HWC pixels', data);
    checkInt('width', width, 1);
    checkInt('height', height, 1);
    if (typeof mode !== 'string' || !(mode in CHANNELS)) invalidArg('mode', "one of 'L', 'LA', 'RGB', 'RGBA'", mode);
    this.mode = mode;
    if (data.length !== width * height * CHANNELS[mode]) invalidArg('data', `${width * height * CHANNELS[mode]} bytes (${height} x ${width} x ${CHANNELS[mode]})`, `${data.length} bytes`);
  }
  get channels(): number {
    return CHANNELS[this.mode];
  }
  /** [width, height], as PIL's Image.size. */
  get size(): [number, number] {
    return [this.width, this.height];
  }
  /** A copy in another mode, with PIL's conversions (L = (299 R + 587 G + 114 B) / 1000, rounded; alpha dropped, or 255 added). */
  convert(mode: ImageMode): Image {
    if (typeof mode !== 'string' || !(mode in CHANNELS)) invalidArg('mode', "one of 'L', 'LA', 'RGB', 'RGBA'", mode);
    if (mode === this.mode) return new Image(this.data.slice(), this.width, this.height, mode);
    const n = this.width * this.height;
    const c = this.channels;
    const oc = CHANNELS[mode];
    const out = new Uint8Array(n * oc);
    const src = this.data;
    for (let p = 0; p < n; p++) {
      const s = p * c;
      const gray = c < 3;
      const r = src[s];
      const g = gray ? r : src[s + 1];
      const b = gray ? r : src[s + 2];
      const a = c === 2 ? src[s + 1] : c === 4 ? src[s + 3] : 255;
      const o = p * oc;
      if (oc <= 2) {
        out[o] = gray ? r : Math.floor((r * 19595 + g * 38470 + b * 7471 + 0x8000) / 65536); // PIL's L conversion
        if (oc === 2) out[o + 1] = a;
      } else {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
        if (oc === 4) out[o + 3] = a;
      }
    }
    return new Image(out, this.width, this.height, mode);
  }
}

/** An 8-bit image from PNG or JPEG bytes, converted to `mode` (default RGB, as torchvision's loader). */
export function decodeImage(buf: Buffer, source = 'buffer', opts: { mode?: ImageMode } = {}): Image {
  if (!Buffer.isBuffer(buf)) typeArg('buf', 'a Buffer', buf);
  checkOptionKeys('opts', opts, ['mode']);
  const mode = opts.mode ?? 'RGB';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) {
    const png = decodePng(buf, source);
    return new Image(Uint8Array.from(png.data), png.width, png.height, 'RGBA').convert(mode);
  }
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jpeg = require('jpeg-js') as typeof import('jpeg-js');
    let d: { width: number; height: number; data: Uint8Array };
    try {
      d = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64, maxMemoryUsageInMB: 512 });
    } catch (e) {
      throw new TorchletError(`torchlet: ${source} is not a valid JPEG file: ${errorMessage(e)}`, 'ERR_TORCHLET_BAD_FILE');
    }
    return new Image(d.data, d.width, d.height, 'RGBA').convert(mode);
  }
  throw new TorchletError(`torchlet: ${source} is neither a PNG nor a JPEG file`, 'ERR_TORCHLET_BAD_FILE');
}

/** Reads and decodes a PNG or JPEG file (PIL.Image.open(path).convert(mode); default mode RGB). */
export function readImage(file: string, opts: { mode?: ImageMode } = {}): Image {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  if (opts === null || typeof opts !== 'object') typeArg('opts', 'an options object', opts);
  for (const k of Object.keys(opts)) if (k !== 'mode') invalidArg(`opts.${k}`, 'the option mode', k);
  if (opts.mode !== undefined && !(opts.mode in CHANNELS)) invalidArg('mode', "one of 'L', 'LA', 'RGB', 'RGBA'", opts.mode);
  const buf = withIo(`cannot read ${file}`, () => fs.readFileSync(file));
  return decodeImage(buf, file, opts);
}
