// lib/serve/inputs.ts — request bodies of `POST /predict` to a float32 batch [N, ...sample shape],
// chosen by Content-Type; every bad input is a BadInput (HTTP status + message naming the problem).
//   application/json          {"inputs": nested arrays}: one sample (the model's sample rank) or a
//                             batch (one more dimension); or {"data": base64 of little-endian
//                             float32, "shape": [...], "dtype": "float32"}, or of uint8 pixels with
//                             "dtype": "uint8" (below). Optional "topk".
//   application/octet-stream  raw little-endian float32; the shape in the X-Shape header (or the
//                             `shape` query parameter), e.g. "2,1,28,28"; X-Dtype float32 (the
//                             default) or uint8.
//   uint8 (X-Dtype or "dtype")  pixels 0..255 of samples already at the model's [C, H, W] (torchvision's
//                             read_image / PILToTensor layout), for a model with an image input (InputSpec):
//                             a quarter of float32's bytes. The batch stays uint8 up to the worker,
//                             which applies the model's normalisation there, on its device:
//                             (pixel * scale - mean[c]) / std[c], as for a PNG of that size.
//                             X-Layout: hwc (or "layout": "hwc"): the pixels interleaved, [N,] H, W, C
//                             (what image decoders give: sharp's raw(), a canvas without its alpha); the
//                             shape is then given in that order, and the worker transposes on its device.
//   image/png, image/jpeg     one image, preprocessed as in training (InputSpec): gray = luma
//                             0.299 R + 0.587 G + 0.114 B (or the gray value itself), alpha composited
//                             over black, area-averaged (box filter) to the model's H x W, then
//                             (pixel * scale - mean[c]) / std[c].
// A sample shape that differs from the model's (when known) is a 400 naming both shapes.
import { decodePng, MAX_PNG_PIXELS } from '../cli/png';
import type { InputSpec } from './model';
import { native } from '../binding';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jpeg = require('jpeg-js') as { decode(b: Buffer, o: Record<string, unknown>): { width: number; height: number; data: Uint8Array } };

export class BadInput extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly code = 'BAD_INPUT',
  ) {
    super(message);
  }
}

export interface Batch {
  /** float32 model inputs, or uint8 pixels (normalised by the worker: see the file comment) */
  data: Float32Array | Uint8Array;
  /** [N, ...sample shape]; [N, H, W, C] for hwc pixels */
  shape: number[];
  /** uint8 pixels interleaved: [N, H, W, C] */
  hwc?: boolean;
}

function layoutOf(v: unknown, what: string, dtype: InputDtype): boolean {
  if (v === undefined) return false;
  const l = typeof v === 'string' ? v.trim().toLowerCase() : v;
  if (l !== 'chw' && l !== 'hwc') bad(`${what} must be "chw" (the default) or "hwc"; got ${JSON.stringify(v)}`);
  if (l === 'hwc' && dtype !== 'uint8') bad(`${what} "hwc" goes with uint8 pixels; float32 inputs are the model's own layout`);
  return l === 'hwc';
}

/** The input dtypes a request may send. */
export type InputDtype = 'float32' | 'uint8';

function dtypeOf(v: unknown, what: string): InputDtype {
  if (v === undefined) return 'float32';
  const d = String(v).toLowerCase();
  if (d === 'float32' || d === 'uint8') return d;
  return bad(`${what} ${JSON.stringify(v)} is not served: send float32 (or uint8 pixels to an image model)`, 400, 'BAD_DTYPE');
}

/** uint8 bytes as [data, shape] (a view where the body is its own buffer, else a copy). */
function pixels(bytes: Uint8Array, shape: number[], what: string): Uint8Array {
  const n = shape.reduce((x, y) => x * y, 1);
  if (bytes.length !== n) bad(`${what} holds ${bytes.length} bytes; shape [${shape.join(', ')}] of uint8 needs ${n}`, 400, 'BAD_SHAPE');
  return bytes;
}

/**
 * Checks that a uint8 batch goes to a model with an image input (its normalisation is applied by the
 * worker); float32 batches pass.
 */
export function checkPixels(batch: Batch, input: InputSpec | null): void {
  if (!(batch.data instanceof Uint8Array)) return;
  if (!input || input.shape.length !== 3 || input.shape[0] !== (input.color === 'rgb' ? 3 : 1))
    bad('uint8 pixels go to a model with an image input ([C, H, W] with an image preprocessing); this one takes float32 tensors', 400, 'BAD_DTYPE');
}

const bad = (m: string, status = 400, code = 'BAD_INPUT'): never => {
  throw new BadInput(status, m, code);
};

/** Parses "2,1,28,28" (or a JSON array) into a shape of non-negative integers. */
export function parseShape(v: unknown, what: string): number[] {
  let arr: unknown = v;
  if (typeof v === 'string') arr = v.trim().replace(/^\[|\]$/g, '').split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (!Array.isArray(arr) || !arr.length || arr.length > 8 || !arr.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1))
    bad(`${what} must be a list of 1 to 8 positive integers, e.g. "1,1,28,28"; got ${JSON.stringify(v)}`);
  return arr as number[];
}

/**
 * fitShape for a batch in either layout: hwc pixels ([N,] H, W, C) are checked as [N,] C, H, W and keep
 * their own order.
 */
export function fitBatch(b: Batch, sample: number[] | null, maxBatch: number): number[] {
  if (!b.hwc) return fitShape(b.shape, sample, maxBatch);
  const s = b.shape.length === 3 ? [1, ...b.shape] : b.shape;
  const want = sample && sample.length === 3 ? [sample[1], sample[2], sample[0]] : null; // H, W, C
  if (s.length !== 4 || (want && s.slice(1).some((d, i) => d !== want[i])))
    bad(`wrong shape [${b.shape.join(', ')}] for hwc pixels: the model takes [N, H, W, C] = [N, ${(want ?? ['H', 'W', 'C']).join(', ')}] (or one sample [${(want ?? ['H', 'W', 'C']).join(', ')}])`, 400, 'BAD_SHAPE');
  fitShape([s[0], s[3], s[1], s[2]], sample, maxBatch); // the batch size against maxBatch
  return s;
}

/** Checks a batch's shape against the model's sample shape (a missing batch dimension is added). */
export function fitShape(shape: number[], sample: number[] | null, maxBatch: number): number[] {
  if (sample) {
    if (shape.length === sample.length) shape = [1, ...shape];
    const s = shape.slice(1);
    if (shape.length !== sample.length + 1 || s.some((d, i) => d !== sample[i]))
      bad(`wrong shape [${shape.join(', ')}]: the model takes [N, ${sample.join(', ')}] (or one sample [${sample.join(', ')}])`, 400, 'BAD_SHAPE');
  }
  if (shape[0] > maxBatch) bad(`a batch of ${shape[0]} samples exceeds the server's --max-batch ${maxBatch}`, 413, 'BATCH_TOO_LARGE');
  return shape;
}

/** Nested arrays of finite numbers to [data, shape]. */
function fromNested(v: unknown): Batch {
  const shape: number[] = [];
  for (let a: unknown = v; Array.isArray(a); a = a[0]) {
    if (shape.length >= 9) bad('"inputs" nests too deeply (at most 9 dimensions)');
    shape.push(a.length);
  }
  if (!shape.length) bad('"inputs" must be a (nested) array of numbers');
  if (shape.includes(0)) bad('"inputs" holds an empty array');
  const n = shape.reduce((x, y) => x * y, 1);
  if (n > 1 << 26) bad('"inputs" is too large');
  const data = new Float32Array(n);
  let k = 0;
  const walk = (a: unknown, d: number, where: string): void => {
    if (d === shape.length) {
      if (typeof a !== 'number' || !Number.isFinite(a)) bad(`"inputs"${where} is ${JSON.stringify(a) ?? String(a)}, not a finite number`, 400, 'BAD_DTYPE');
      data[k++] = a as number;
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[d]) bad(`"inputs"${where} is not an array of ${shape[d]} elements (the nested arrays must be rectangular)`);
    for (let i = 0; i < shape[d]; i++) walk((a as unknown[])[i], d + 1, `${where}[${i}]`);
  };
  walk(v, 0, '');
  return { data, shape };
}

/** Little-endian float32 bytes to a Float32Array (copied: aligned, owned, transferable). */
function floats(bytes: Uint8Array, shape: number[], what: string): Float32Array {
  const n = shape.reduce((x, y) => x * y, 1);
  if (bytes.length !== n * 4)
    bad(`${what} holds ${bytes.length} bytes; shape [${shape.join(', ')}] of float32 needs ${n * 4}`, 400, 'BAD_SHAPE');
  // a view of the body where it is 4-byte aligned (a large body owns its buffer: nothing is copied
  // until the batch is assembled), else a copy
  let out: Float32Array;
  if (bytes.byteOffset % 4 === 0) out = new Float32Array(bytes.buffer, bytes.byteOffset, n);
  else {
    out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes);
  }
  // non-finite values, found natively (a JS loop over a 3x224x224 image took 0.35 ms of the event loop)
  const i = native.firstNonFinite(out);
  if (i >= 0) bad(`${what} holds a non-finite value at element ${i}`, 400, 'BAD_DTYPE');
  return out;
}

const JSON_KEYS = ['inputs', 'data', 'shape', 'dtype', 'layout', 'topk'];

/** A parsed JSON body. */
export function fromJson(body: unknown): Batch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('the JSON body must be an object: {"inputs": [...]} or {"data": "<base64>", "shape": [...]}');
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!JSON_KEYS.includes(k)) bad(`unknown field "${k}" in the JSON body (expected ${JSON_KEYS.join(', ')})`);
  if (o.inputs !== undefined && o.data !== undefined) bad('give either "inputs" or "data", not both');
  if (o.inputs !== undefined) {
    if (o.shape !== undefined || o.dtype !== undefined || o.layout !== undefined) bad('"shape", "dtype" and "layout" go with "data" (base64), not with "inputs"');
    return fromNested(o.inputs);
  }
  if (o.data === undefined) return bad('the JSON body has neither "inputs" (nested arrays) nor "data" (base64 float32 with "shape")');
  if (typeof o.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.data) || o.data.length % 4 !== 0) bad('"data" must be base64 (standard alphabet, padded)', 400, 'BAD_DTYPE');
  if (o.dtype !== undefined && typeof o.dtype !== 'string') bad(`"dtype" must be "float32" or "uint8"; got ${JSON.stringify(o.dtype)}`, 400, 'BAD_DTYPE');
  const dtype = dtypeOf(o.dtype, '"dtype"');
  if (o.shape === undefined) bad('"data" needs "shape"');
  const shape = parseShape(o.shape, '"shape"');
  const hwc = layoutOf(o.layout, '"layout"', dtype);
  const bytes = Buffer.from(o.data as string, 'base64');
  return { data: dtype === 'uint8' ? pixels(bytes, shape, '"data"') : floats(bytes, shape, '"data"'), shape, hwc };
}

/** A raw body (application/octet-stream). */
export function fromOctets(body: Buffer, shapeHeader: unknown, dtypeHeader: unknown, layoutHeader?: unknown): Batch {
  if (shapeHeader === undefined) bad('an application/octet-stream body needs its shape: the X-Shape header (e.g. "1,1,28,28") or ?shape=');
  const dtype = dtypeOf(dtypeHeader, 'X-Dtype');
  const hwc = layoutOf(layoutHeader, 'X-Layout', dtype);
  const shape = parseShape(shapeHeader, 'the shape (X-Shape)');
  return { data: dtype === 'uint8' ? pixels(body, shape, 'the body') : floats(body, shape, 'the body'), shape, hwc };
}

/** Box-filter resize of one plane (width x height) to W x H. */
function resizePlane(src: Float32Array, width: number, height: number, W: number, H: number, out: Float32Array, at: number): void {
  const weights = (s: number, d: number) => {
    const scale = s / d;
    return Array.from({ length: d }, (_, o) => {
      const a = o * scale;
      const b = (o + 1) * scale;
      const idx: number[] = [];
      const w: number[] = [];
      for (let i = Math.floor(a); i < Math.min(s, Math.ceil(b)); i++) {
        const cover = Math.min(b, i + 1) - Math.max(a, i);
        if (cover > 0) {
          idx.push(i);
          w.push(cover / scale);
        }
      }
      return { idx, w };
    });
  };
  if (width === W && height === H) {
    out.set(src, at);
    return;
  }
  const wx = weights(width, W);
  const wy = weights(height, H);
  for (let oy = 0; oy < H; oy++)
    for (let ox = 0; ox < W; ox++) {
      let acc = 0;
      const { idx: ys, w: wys } = wy[oy];
      const { idx: xs, w: wxs } = wx[ox];
      for (let i = 0; i < ys.length; i++) for (let j = 0; j < xs.length; j++) acc += wys[i] * wxs[j] * src[ys[i] * width + xs[j]];
      out[at + oy * W + ox] = acc;
    }
}

/** The largest image decoded, in pixels. */
export const MAX_IMAGE_PIXELS = MAX_PNG_PIXELS;

/** A PNG or JPEG image to one preprocessed sample [1, C, H, W]. */
export function fromImage(body: Buffer, type: 'png' | 'jpeg', input: InputSpec | null): Batch {
  const spec = input as InputSpec;
  if (!input || spec.shape.length !== 3 || spec.shape[0] !== (spec.color === 'rgb' ? 3 : 1))
    bad('this model does not take images (its input is not [C, H, W] with an image preprocessing); send a tensor', 415, 'UNSUPPORTED_MEDIA_TYPE');
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  if (type === 'png') {
    if (body.length < 8 || body.readUInt32BE(0) !== 0x89504e47 || body.readUInt32BE(4) !== 0x0d0a1a0a) bad('the body is not a PNG image (bad signature)', 400, 'BAD_IMAGE');
    try {
      const p = decodePng(body, 'the body', { maxPixels: MAX_IMAGE_PIXELS });
      ({ width, height } = p);
      rgba = p.data;
    } catch (e) {
      return bad(`undecodable PNG image: ${(e as Error).message.replace(/^torchlet: /, '')}`, 400, 'BAD_IMAGE');
    }
  } else {
    if (body.length < 3 || body[0] !== 0xff || body[1] !== 0xd8 || body[2] !== 0xff) bad('the body is not a JPEG image (bad signature)', 400, 'BAD_IMAGE');
    try {
      const j = jpeg.decode(body, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
      ({ width, height } = j);
      rgba = j.data;
    } catch (e) {
      return bad(`undecodable JPEG image: ${String((e as Error).message ?? e)}`, 400, 'BAD_IMAGE');
    }
  }
  const [C, H, W] = spec.shape;
  const n = width * height;
  const out = new Float32Array(C * H * W);
  const plane = new Float32Array(n);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < n; i++) {
      const r = rgba[4 * i];
      const g = rgba[4 * i + 1];
      const b = rgba[4 * i + 2];
      const a = rgba[4 * i + 3];
      const v = spec.color === 'rgb' ? rgba[4 * i + c] : r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
      plane[i] = a === 255 ? v : (v * a) / 255;
    }
    resizePlane(plane, width, height, W, H, out, c * H * W);
    const m = spec.mean[c];
    const s = spec.std[c];
    for (let i = c * H * W; i < (c + 1) * H * W; i++) out[i] = (out[i] * spec.scale - m) / s;
  }
  return { data: out, shape: [1, C, H, W] };
}
