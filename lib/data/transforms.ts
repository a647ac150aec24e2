// lib/data/transforms.ts — torchvision.transforms (0.14, beside PyTorch 1.13) as classes with
// forward(img): Compose, ToTensor, Normalize, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip,
// Resize, CenterCrop, RandomResizedCrop, RandomRotation, ColorJitter, RandomErasing. An image is an
// Image (HWC bytes, torchlet's PIL stand-in, lib/data/image.ts) or a tensor [..., C, H, W] (float32,
// float64 or uint8; [H, W] too where torchvision allows it); each transform returns the same kind it
// got. Arguments, defaults and formulas follow torchvision's tensor code paths (Resize: bilinear or
// nearest interpolation without antialiasing, uint8 results rounded half to even). Random transforms
// draw from torchlet's global generator (torch.manualSeed; in DataLoader workers the worker's seeded
// generator), so a seed reproduces them. The pixel work is done in JavaScript on typed arrays (one
// sample at a time, as in a data pipeline). Every transform has a JSON-able spec (toSpec /
// transformFromSpec) so that DataLoader workers can rebuild it.
import { checkInt, checkOptionKeys, invalidArg, typeArg, dtypeError, shapeError, noExtraArgs } from '../errors';
import { Tensor, DType } from '../tensor';
import { fromBuffer } from '../creation';
import { uniform, uniforms, randint, randpermJs } from '../random';
import { Image, ImageMode } from './image';
import { defaultFloat } from '../default_dtype';

/** What a transform takes and returns. */
export type ImageLike = Image | Tensor;
/** A transform object or a plain function of one argument. */
export type TransformLike = Transform | ((x: never) => unknown);
/** A transform's description for DataLoader workers: its class name and constructor arguments. */
export interface TransformSpec {
  type: string;
  args: unknown[];
}

/** Planes: `n` planes (leading dims x channels) of h x w values, planar (CHW) order. */
interface Planes {
  data: Float32Array | Float64Array | Uint8Array;
  lead: number[]; // the shape before [H, W] ([] for an [H, W] tensor)
  c: number; // channels (the last of lead, 1 if none)
  n: number; // planes
  h: number;
  w: number;
  dtype: DType;
  image?: ImageMode; // set when it came from an Image
}

const FLOAT_OR_BYTE = ['float32', 'float64', 'uint8'];

function toPlanes(img: unknown, name = 'img'): Planes {
  if (img instanceof Image) {
    const c = img.channels;
    const { width: w, height: h } = img;
    const data = new Uint8Array(c * h * w);
    const src = img.data;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[k * h * w + y * w + x] = src[(y * w + x) * c + k];
    return { data, lead: [c], c, n: c, h, w, dtype: 'uint8', image: img.mode };
  }
  if (!(img instanceof Tensor)) return typeArg(name, 'an Image or a tensor [..., C, H, W]', img);
  if (img.ndim < 2) shapeError(name, 'a tensor [..., C, H, W] or [H, W]', img);
  if (!FLOAT_OR_BYTE.includes(img.dtype)) dtypeError(name, 'a float32, float64 or uint8 tensor', img);
  const shape = img.shape;
  const lead = shape.slice(0, -2);
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  const data = img.toArray() as Float32Array | Float64Array | Uint8Array;
  return { data, lead, c: lead.length ? lead[lead.length - 1] : 1, n: lead.reduce((a, b) => a * b, 1), h, w, dtype: img.dtype };
}
function fromPlanes(p: Planes): ImageLike {
  if (p.image) {
    const { c, h, w } = p;
    const out = new Uint8Array(c * h * w);
    for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[i * c + k] = p.data[k * h * w + i];
    return new Image(out, w, h, p.image);
  }
  return fromBuffer(p.data, [...p.lead, p.h, p.w], { dtype: p.dtype });
}
function alloc(p: Planes, h: number, w: number): Planes {
  const C = p.data.constructor as new (n: number) => Planes['data'];
  return { ...p, data: new C(p.n * h * w), h, w };
}
function isFloat(p: Planes): boolean {
  return p.dtype !== 'uint8';
}
/** Python's round(): half to even (torch.round too). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
function store(p: Planes, v: number): number {
  return isFloat(p) ? v : Math.min(255, Math.max(0, roundHalfEven(v)));
}

// ---- geometric kernels ------------------------------------------------------------------------------
/** Crops rows [top, top + h) and columns [left, left + w); outside the image is 0 (as torchvision's crop). */
function crop(p: Planes, top: number, left: number, h: number, w: number): Planes {
  const o = alloc(p, h, w);
  for (let k = 0; k < p.n; k++)
    for (let y = 0; y < h; y++) {
      const sy = top + y;
      if (sy < 0 || sy >= p.h) continue;
      for (let x = 0; x < w; x++) {
        const sx = left + x;
        if (sx >= 0 && sx < p.w) o.data[(k * h + y) * w + x] = p.data[(k * p.h + sy) * p.w + sx];
      }
    }
  return o;
}
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
/** Maps an out-of-range index for the padding modes (constant: -1). */
function padIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  if (n === 1) return 0;
  if (mode === 'reflect') {
    const period = 2 * (n - 1);
    let m = ((i % period) + period) % period;
    if (m >= n) m = period - m;
    return m;
  }
  const period = 2 * n; // symmetric
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - 1 - m;
  return m;
}
function pad(p: Planes, [l, t, r, b]: number[], fill: number | number[], mode: PaddingMode): Planes {
  if (mode === 'reflect' && (l >= p.w || r >= p.w || t >= p.h || b >= p.h))
    invalidArg('padding', `values smaller than the image size ${p.h} x ${p.w} for reflect padding`, [l, t, r, b]);
  const h = p.h + t + b;
  const w = p.w + l + r;
  const o = alloc(p, h, w);
  for (let k = 0; k < p.n; k++) {
    const f = Array.isArray(fill) ? fill[(k % p.c) % fill.length] : fill;
    for (let y = 0; y < h; y++) {
      const sy = padIndex(y - t, p.h, mode);
      for (let x = 0; x < w; x++) {
        const sx = padIndex(x - l, p.w, mode);
        o.data[(k * h + y) * w + x] = sy < 0 || sx < 0 ? f : p.data[(k * p.h + sy) * p.w + sx];
      }
    }
  }
  return o;
}
function flip(p: Planes, horizontal: boolean): Planes {
  const o = alloc(p, p.h, p.w);
  const { h, w } = p;
  for (let k = 0; k < p.n; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        o.data[(k * h + y) * w + x] = horizontal ? p.data[(k * h + y) * w + (w - 1 - x)] : p.data[(k * h + (h - 1 - y)) * w + x];
  return o;
}
export type Interpolation = 'bilinear' | 'nearest';
/** F.interpolate(mode=bilinear, align_corners=False, antialias=False) / mode=nearest, as PyTorch computes the source indices. */
function resize(p: Planes, h: number, w: number, mode: Interpolation): Planes {
  const o = alloc(p, h, w);
  if (mode === 'nearest') {
    const idx = (n: number, inN: number) => {
      const scale = Math.fround(inN / n);
      return Array.from({ length: n }, (_, i) => Math.min(Math.floor(Math.fround(i * scale)), inN - 1));
    };
    const ys = idx(h, p.h);
    const xs = idx(w, p.w);
    for (let k = 0; k < p.n; k++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) o.data[(k * h + y) * w + x] = p.data[(k * p.h + ys[y]) * p.w + xs[x]];
    return o;
  }
  const lin = (n: number, inN: number) => {
    const scale = inN / n;
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const l1 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const src = Math.max((i + 0.5) * scale - 0.5, 0);
      const a = Math.min(Math.floor(src), inN - 1);
      i0[i] = a;
      i1[i] = a < inN - 1 ? a + 1 : a;
      l1[i] = src - a;
    }
    return { i0, i1, l1 };
  };
  const Y = lin(h, p.h);
  const X = lin(w, p.w);
  for (let k = 0; k < p.n; k++) {
    const base = k * p.h * p.w;
    for (let y = 0; y < h; y++) {
      const r0 = base + Y.i0[y] * p.w;
      const r1 = base + Y.i1[y] * p.w;
      const ly = Y.l1[y];
      for (let x = 0; x < w; x++) {
        const lx = X.l1[x];
        const a = p.data[r0 + X.i0[x]] * (1 - lx) + p.data[r0 + X.i1[x]] * lx;
        const b = p.data[r1 + X.i0[x]] * (1 - lx) + p.data[r1 + X.i1[x]] * lx;
        o.data[(k * h + y) * w + x] = store(p, a * (1 - ly) + b * ly);
      }
    }
  }
  return o;
}

// ---- argument helpers -------------------------------------------------------------------------------
/** A size: an int (square) or [h, w] (torchvision's _setup_size). */
function sizePair(name: string, v: unknown): [number, number] {
  if (typeof v === 'number') return [checkInt(name, v, 1), v];
  if (Array.isArray(v) && v.length === 1) return [checkInt(`${name}[0]`, v[0], 1), v[0]];
  if (!Array.isArray(v) || v.length !== 2) typeArg(name, 'an integer or [h, w]', v);
  return [checkInt(`${name}[0]`, (v as number[])[0], 1), checkInt(`${name}[1]`, (v as number[])[1], 1)];
}
/** Padding: an int, [left/right, top/bottom] or [left, top, right, bottom] -> [l, t, r, b]. */
function paddingLtrb(name: string, v: unknown): number[] {
  const arr = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(arr) || ![1, 2, 4].includes(arr.length)) typeArg(name, 'an integer, [left/right, top/bottom] or [left, top, right, bottom]', v);
  (arr as unknown[]).forEach((x, i) => checkInt(`${name}[${i}]`, x, 0));
  const a = arr as number[];
  return a.length === 1 ? [a[0], a[0], a[0], a[0]] : a.length === 2 ? [a[0], a[1], a[0], a[1]] : a.slice();
}
function checkFill(name: string, v: unknown): number | number[] {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
  return typeArg(name, 'a number or an array of numbers (one per channel)', v);
}
function checkMode(v: unknown): PaddingMode {
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(v as string)) invalidArg('paddingMode', "'constant', 'edge', 'reflect' or 'symmetric'", v);
  return v as PaddingMode;
}
function checkInterp(v: unknown): Interpolation {
  if (v !== 'bilinear' && v !== 'nearest') invalidArg('interpolation', "'bilinear' or 'nearest' (the modes implemented)", v);
  return v as Interpolation;
}
function checkP(v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) typeArg('p', 'a probability in [0, 1]', v);
  return v as number;
}
/** A [min, max] range of numbers, or a number v meaning [center - v, center + v] (clipped at `floor`). */
function range(name: string, v: unknown, center: number, floor: number | null, bounds?: [number, number]): [number, number] | null {
  let r: [number, number];
  if (typeof v === 'number') {
    if (!(v >= 0) || v === Infinity) invalidArg(name, 'a non-negative number', v);
    if (v === 0 && center !== 0) return null;
    r = [center - v, center + v];
    if (floor !== null) r[0] = Math.max(r[0], floor);
  } else if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) r = [v[0], v[1]];
  else return typeArg(name, 'a number or [min, max]', v);
  if (!(r[0] <= r[1]) || (bounds && (r[0] < bounds[0] || r[1] > bounds[1])))
    invalidArg(name, `a range [min, max]${bounds ? ` within [${bounds[0]}, ${bounds[1]}]` : ''}`, v);
  if (center === 0 && r[0] === 0 && r[1] === 0) return null;
  if (center !== 0 && r[0] === center && r[1] === center) return null;
  return r;
}
function between(lo: number, hi: number): number {
  return lo + (hi - lo) * uniform();
}

// ---- the transforms ---------------------------------------------------------------------------------
/** The base class: forward(img) transforms one image (or tensor); toSpec() describes it for workers. */
export abstract class Transform {
  abstract forward(img: unknown): unknown;
  /** @internal The constructor arguments (JSON-able) that rebuild this transform. */
  protected abstract specArgs(): unknown[];
  toSpec(): TransformSpec {
    return { type: this.constructor.name, args: this.specArgs() };
  }
  toString(): string {
    try {
      return `${this.constructor.name}(${this.specArgs().map((a) => JSON.stringify(a)).join(', ')})`;
    } catch {
      return `${this.constructor.name}()`;
    }
  }
}
function apply(t: TransformLike, x: unknown): unknown {
  return t instanceof Transform ? t.forward(x) : (t as (y: unknown) => unknown)(x);
}

/** Applies the transforms in order. */
export class Compose extends Transform {
  readonly transforms: TransformLike[];
  constructor(transforms: TransformLike[], ...rest: never[]) {
    super();
    noExtraArgs('Compose', 'transforms', rest);
    if (!Array.isArray(transforms)) typeArg('transforms', 'an array of transforms', transforms);
    transforms.forEach((t, i) => {
      if (!(t instanceof Transform) && typeof t !== 'function') typeArg(`transforms[${i}]`, 'a transform or a function', t);
    });
    this.transforms = transforms.slice();
  }
  forward(img: unknown): unknown {
    return this.transforms.reduce((x, t) => apply(t, x), img);
  }
  protected specArgs(): unknown[] {
    return [this.transforms.map((t, i) => specOf(t, `transforms[${i}]`))];
  }
}

/**
 * An Image (or a uint8 tensor [H, W, C] or [H, W], as a numpy array) to a tensor [C, H, W] of the
 * default dtype (float32 unless torch.setDefaultDtype) with values / 255 in [0, 1]. A float tensor is refused (it is already converted).
 */
export class ToTensor extends Transform {
  constructor(...rest: never[]) {
    super();
    noExtraArgs('ToTensor', '', rest);
  }
  forward(pic: unknown): Tensor {
    let p: Planes;
    if (pic instanceof Image) p = toPlanes(pic);
    else if (pic instanceof Tensor) {
      if (pic.dtype !== 'uint8') dtypeError('pic', 'an Image or a uint8 tensor [H, W, C] or [H, W] (ToTensor converts 8-bit pixels; this tensor is converted already)', pic);
      if (pic.ndim !== 2 && pic.ndim !== 3) shapeError('pic', 'a uint8 tensor [H, W, C] or [H, W]', pic);
      const [h, w, c = 1] = pic.shape;
      const src = pic.toArray() as Uint8Array;
      const data = new Uint8Array(c * h * w);
      for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) data[k * h * w + i] = src[i * c + k];
      p = { data, lead: [c], c, n: c, h, w, dtype: 'uint8' };
    } else return typeArg('pic', 'an Image or a uint8 tensor [H, W, C] or [H, W]', pic);
    const out = defaultFloat() === 'float64' ? new Float64Array(p.data.length) : new Float32Array(p.data.length);
    for (let i = 0; i < out.length; i++) out[i] = p.data[i] / 255;
    return fromBuffer(out, [p.c, p.h, p.w]);
  }
  protected specArgs(): unknown[] {
    return [];
  }
}

/** (x - mean[c]) / std[c] per channel of a float tensor [..., C, H, W]. */
export class Normalize extends Transform {
  readonly mean: number[];
  readonly std: number[];
  readonly inplace: boolean;
  constructor(mean: number[] | number, std: number[] | number, opts: { inplace?: boolean } = {}, ...rest: never[]) {
    super();
    noExtraArgs('Normalize', 'mean, std, opts', rest);
    const list = (name: string, v: unknown) => {
      const a = typeof v === 'number' ? [v] : v;
      if (!Array.isArray(a) || !a.length || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) typeArg(name, 'a number or an array of numbers (one per channel)', v);
      return (a as number[]).slice();
    };
    this.mean = list('mean', mean);
    this.std = list('std', std);
    if (this.std.some((s) => s === 0)) invalidArg('std', 'non-zero values (std evaluated to zero, leading to division by zero)', std);
    opts = checkOptionKeys('opts', opts, ['inplace']);
    if (opts.inplace !== undefined && typeof opts.inplace !== 'boolean') typeArg('inplace', 'a boolean', opts.inplace);
    this.inplace = !!opts.inplace;
  }
  forward(tensor: unknown): Tensor {
    if (!(tensor instanceof Tensor)) return typeArg('tensor', 'a float tensor [..., C, H, W] (Normalize comes after ToTensor)', tensor);
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') dtypeError('tensor', 'a float tensor [..., C, H, W]', tensor);
    if (tensor.ndim < 3) shapeError('tensor', 'a tensor [..., C, H, W]', tensor);
    const p = toPlanes(tensor, 'tensor');
    for (const [name, v] of [['mean', this.mean], ['std', this.std]] as const)
      if (v.length !== 1 && v.length !== p.c) shapeError(name, `1 or ${p.c} values (the channels)`, v);
    const hw = p.h * p.w;
    for (let k = 0; k < p.n; k++) {
      const c = k % p.c;
      const m = this.mean[this.mean.length === 1 ? 0 : c];
      const s = this.std[this.std.length === 1 ? 0 : c];
      for (let i = k * hw; i < (k + 1) * hw; i++) p.data[i] = (p.data[i] - m) / s;
    }
    const out = fromPlanes(p) as Tensor;
    if (!this.inplace) return out;
    tensor.copy_(out);
    return tensor;
  }
  protected specArgs(): unknown[] {
    return [this.mean, this.std, { inplace: this.inplace }];
  }
}

export interface RandomCropOptions {
  padding?: number | number[];
  padIfNeeded?: boolean;
  fill?: number | number[];
  paddingMode?: PaddingMode;
}
/** Pads (optionally), then crops a random size[0] x size[1] window. */
export class RandomCrop extends Transform {
  readonly size: [number, number];
  readonly padding: number[] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  constructor(size: number | number[], opts: RandomCropOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('RandomCrop', 'size, opts', rest);
    this.size = sizePair('size', size);
    opts = checkOptionKeys('opts', opts, ['padding', 'padIfNeeded', 'fill', 'paddingMode']);
    this.padding = opts.padding === undefined || opts.padding === null ? null : paddingLtrb('padding', opts.padding);
    if (opts.padIfNeeded !== undefined && typeof opts.padIfNeeded !== 'boolean') typeArg('padIfNeeded', 'a boolean', opts.padIfNeeded);
    this.padIfNeeded = !!opts.padIfNeeded;
    this.fill = checkFill('fill', opts.fill ?? 0);
    this.paddingMode = checkMode(opts.paddingMode ?? 'constant');
  }
  /** The crop window [top, left, h, w] for an image of h x w (torchvision's get_params). */
  static getParams(h: number, w: number, [th, tw]: [number, number]): [number, number, number, number] {
    if (h < th || w < tw) invalidArg('size', `a crop size [${th}, ${tw}] no larger than the image (${h} x ${w})`, [th, tw]);
    if (w === tw && h === th) return [0, 0, h, w];
    const i = randint(0, h - th + 1);
    const j = randint(0, w - tw + 1);
    return [i, j, th, tw];
  }
  forward(img: unknown): ImageLike {
    let p = toPlanes(img);
    if (this.padding) p = pad(p, this.padding, this.fill, this.paddingMode);
    if (this.padIfNeeded && p.w < this.size[1]) p = pad(p, [this.size[1] - p.w, 0, this.size[1] - p.w, 0], this.fill, this.paddingMode);
    if (this.padIfNeeded && p.h < this.size[0]) p = pad(p, [0, this.size[0] - p.h, 0, this.size[0] - p.h], this.fill, this.paddingMode);
    const [i, j, h, w] = RandomCrop.getParams(p.h, p.w, this.size);
    return fromPlanes(crop(p, i, j, h, w));
  }
  protected specArgs(): unknown[] {
    return [this.size, { padding: this.padding ?? undefined, padIfNeeded: this.padIfNeeded, fill: this.fill, paddingMode: this.paddingMode }];
  }
}

/** Pads an image: padding as torchvision's (int, [lr, tb] or [l, t, r, b]), fill, paddingMode. */
export class Pad extends Transform {
  readonly padding: number[];
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  constructor(padding: number | number[], opts: { fill?: number | number[]; paddingMode?: PaddingMode } = {}, ...rest: never[]) {
    super();
    noExtraArgs('Pad', 'padding, opts', rest);
    this.padding = paddingLtrb('padding', padding);
    opts = checkOptionKeys('opts', opts, ['fill', 'paddingMode']);
    this.fill = checkFill('fill', opts.fill ?? 0);
    this.paddingMode = checkMode(opts.paddingMode ?? 'constant');
  }
  forward(img: unknown): ImageLike {
    return fromPlanes(pad(toPlanes(img), this.padding, this.fill, this.paddingMode));
  }
  protected specArgs(): unknown[] {
    return [this.padding, { fill: this.fill, paddingMode: this.paddingMode }];
  }
}

/** Mirrors left-right with probability p (default 0.5). */
export class RandomHorizontalFlip extends Transform {
  readonly p: number;
  constructor(p = 0.5, ...rest: never[]) {
    super();
    noExtraArgs('RandomHorizontalFlip', 'p', rest);
    this.p = checkP(p);
  }
  forward(img: unknown): ImageLike {
    const pl = toPlanes(img);
    return uniform() < this.p ? fromPlanes(flip(pl, true)) : fromPlanes(pl);
  }
  protected specArgs(): unknown[] {
    return [this.p];
  }
}
/** Mirrors top-bottom with probability p (default 0.5). */
export class RandomVerticalFlip extends Transform {
  readonly p: number;
  constructor(p = 0.5, ...rest: never[]) {
    super();
    noExtraArgs('RandomVerticalFlip', 'p', rest);
    this.p = checkP(p);
  }
  forward(img: unknown): ImageLike {
    const pl = toPlanes(img);
    return uniform() < this.p ? fromPlanes(flip(pl, false)) : fromPlanes(pl);
  }
  protected specArgs(): unknown[] {
    return [this.p];
  }
}

/** The output size of Resize for an h x w image (torchvision's _compute_resized_output_size). */
function resizedSize(h: number, w: number, size: number | number[], maxSize?: number): [number, number] {
  if (Array.isArray(size) && size.length === 2) return [size[0], size[1]];
  const s = Array.isArray(size) ? size[0] : size;
  const [short, long] = w <= h ? [w, h] : [h, w];
  let newShort = s;
  let newLong = Math.floor((s * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= s) invalidArg('maxSize', `a value larger than size (${s})`, maxSize);
    if (newLong > maxSize) {
      newShort = Math.floor((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/** Resizes to size ([h, w], or an int: the smaller edge, keeping the aspect ratio). */
export class Resize extends Transform {
  readonly size: number | number[];
  readonly interpolation: Interpolation;
  readonly maxSize?: number;
  constructor(size: number | number[], opts: { interpolation?: Interpolation; maxSize?: number; antialias?: boolean } = {}, ...rest: never[]) {
    super();
    noExtraArgs('Resize', 'size, opts', rest);
    if (typeof size === 'number') checkInt('size', size, 1);
    else if (Array.isArray(size) && (size.length === 1 || size.length === 2)) size.forEach((s, i) => checkInt(`size[${i}]`, s, 1));
    else typeArg('size', 'an integer or [h, w]', size);
    this.size = Array.isArray(size) ? size.slice() : size;
    opts = checkOptionKeys('opts', opts, ['interpolation', 'maxSize', 'antialias']);
    this.interpolation = checkInterp(opts.interpolation ?? 'bilinear');
    if (opts.maxSize !== undefined) {
      checkInt('maxSize', opts.maxSize, 1);
      if (Array.isArray(size) && size.length === 2) invalidArg('maxSize', 'no value when size is [h, w]', opts.maxSize);
    }
    this.maxSize = opts.maxSize;
    if (opts.antialias) invalidArg('antialias', 'false (antialiased resizing is not implemented; tensors are resized without it, as torchvision 0.14 does by default)', true);
  }
  forward(img: unknown): ImageLike {
    const p = toPlanes(img);
    const [h, w] = resizedSize(p.h, p.w, this.size, this.maxSize);
    return fromPlanes(resize(p, h, w, this.interpolation));
  }
  protected specArgs(): unknown[] {
    return [this.size, { interpolation: this.interpolation, maxSize: this.maxSize }];
  }
}

/** Crops the center size[0] x size[1] (padding with 0 first where the image is smaller). */
export class CenterCrop extends Transform {
  readonly size: [number, number];
  constructor(size: number | number[], ...rest: never[]) {
    super();
    noExtraArgs('CenterCrop', 'size', rest);
    this.size = sizePair('size', size);
  }
  forward(img: unknown): ImageLike {
    return fromPlanes(centerCrop(toPlanes(img), this.size));
  }
  protected specArgs(): unknown[] {
    return [this.size];
  }
}
function centerCrop(p: Planes, [th, tw]: [number, number]): Planes {
  if (tw > p.w || th > p.h) {
    const l = tw > p.w ? (tw - p.w) >> 1 : 0;
    const t = th > p.h ? (th - p.h) >> 1 : 0;
    const r = tw > p.w ? (tw - p.w + 1) >> 1 : 0;
    const b = th > p.h ? (th - p.h + 1) >> 1 : 0;
    p = pad(p, [l, t, r, b], 0, 'constant');
    if (p.w === tw && p.h === th) return p;
  }
  const top = roundHalfEven((p.h - th) / 2);
  const left = roundHalfEven((p.w - tw) / 2);
  return crop(p, top, left, th, tw);
}

/** A random crop of random area (scale) and aspect ratio (ratio), resized to size. */
export class RandomResizedCrop extends Transform {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: Interpolation;
  constructor(size: number | number[], opts: { scale?: [number, number]; ratio?: [number, number]; interpolation?: Interpolation; antialias?: boolean } = {}, ...rest: never[]) {
    super();
    noExtraArgs('RandomResizedCrop', 'size, opts', rest);
    this.size = sizePair('size', size);
    opts = checkOptionKeys('opts', opts, ['scale', 'ratio', 'interpolation', 'antialias']);
    const pair = (name: string, v: unknown, d: [number, number]): [number, number] => {
      if (v === undefined) return d;
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x)) || v[0] > v[1])
        invalidArg(name, 'a range [min, max] of positive numbers', v);
      return [(v as number[])[0], (v as number[])[1]];
    };
    this.scale = pair('scale', opts.scale, [0.08, 1]);
    this.ratio = pair('ratio', opts.ratio, [3 / 4, 4 / 3]);
    this.interpolation = checkInterp(opts.interpolation ?? 'bilinear');
    if (opts.antialias) invalidArg('antialias', 'false (not implemented)', true);
  }
  /** [top, left, h, w] (torchvision's get_params: 10 tries, then a center crop of the ratio's bounds). */
  static getParams(height: number, width: number, scale: [number, number], ratio: [number, number]): [number, number, number, number] {
    const area = height * width;
    const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let k = 0; k < 10; k++) {
      const targetArea = area * between(scale[0], scale[1]);
      const aspect = Math.exp(between(logRatio[0], logRatio[1]));
      const w = roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) return [randint(0, height - h + 1), randint(0, width - w + 1), h, w];
    }
    const inRatio = width / height;
    let w = width;
    let h = height;
    if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
    else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }
  forward(img: unknown): ImageLike {
    const p = toPlanes(img);
    const [i, j, h, w] = RandomResizedCrop.getParams(p.h, p.w, this.scale, this.ratio);
    return fromPlanes(resize(crop(p, i, j, h, w), this.size[0], this.size[1], this.interpolation));
  }
  protected specArgs(): unknown[] {
    return [this.size, { scale: this.scale, ratio: this.ratio, interpolation: this.interpolation }];
  }
}

/** Rotates by an angle drawn from degrees ([-d, d] or [min, max]), counter-clockwise, about the center. */
export class RandomRotation extends Transform {
  readonly degrees: [number, number];
  readonly interpolation: Interpolation;
  readonly expand: boolean;
  readonly center: [number, number] | null;
  readonly fill: number | number[];
  constructor(degrees: number | [number, number], opts: { interpolation?: Interpolation; expand?: boolean; center?: [number, number]; fill?: number | number[] } = {}, ...rest: never[]) {
    super();
    noExtraArgs('RandomRotation', 'degrees, opts', rest);
    this.degrees = range('degrees', degrees, 0, null) ?? [0, 0];
    opts = checkOptionKeys('opts', opts, ['interpolation', 'expand', 'center', 'fill']);
    this.interpolation = checkInterp(opts.interpolation ?? 'nearest');
    if (opts.expand !== undefined && typeof opts.expand !== 'boolean') typeArg('expand', 'a boolean', opts.expand);
    this.expand = !!opts.expand;
    if (opts.center !== undefined && (!Array.isArray(opts.center) || opts.center.length !== 2 || !opts.center.every((x) => typeof x === 'number' && Number.isFinite(x))))
      typeArg('center', 'a point [x, y]', opts.center);
    this.center = opts.center ?? null;
    this.fill = checkFill('fill', opts.fill ?? 0);
  }
  forward(img: unknown): ImageLike {
    const p = toPlanes(img);
    const angle = between(this.degrees[0], this.degrees[1]);
    return fromPlanes(rotate(p, angle, this.interpolation, this.expand, this.center, this.fill));
  }
  protected specArgs(): unknown[] {
    return [this.degrees, { interpolation: this.interpolation, expand: this.expand, center: this.center ?? undefined, fill: this.fill }];
  }
}
function rotate(p: Planes, angle: number, interp: Interpolation, expand: boolean, center: [number, number] | null, fill: number | number[]): Planes {
  const a = (angle * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  // the rotation center, relative to the image center (pixel-center coordinates)
  const cx = center ? center[0] - (p.w - 1) / 2 : 0;
  const cy = center ? center[1] - (p.h - 1) / 2 : 0;
  let h = p.h;
  let w = p.w;
  if (expand) {
    const xs = [-p.w / 2, p.w / 2].flatMap((x) => [-p.h / 2, p.h / 2].map((y) => x * cos + y * sin));
    const ys = [-p.w / 2, p.w / 2].flatMap((x) => [-p.h / 2, p.h / 2].map((y) => -x * sin + y * cos));
    w = Math.ceil(Math.max(...xs) - Math.min(...xs) - 1e-4);
    h = Math.ceil(Math.max(...ys) - Math.min(...ys) - 1e-4);
  }
  const o = alloc(p, h, w);
  for (let k = 0; k < p.n; k++) {
    const f = Array.isArray(fill) ? fill[(k % p.c) % fill.length] : fill;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        // output point relative to the center of rotation; its source is the inverse rotation
        const qx = x + 0.5 - w / 2 - cx;
        const qy = y + 0.5 - h / 2 - cy;
        const sx = qx * cos - qy * sin + cx + p.w / 2 - 0.5;
        const sy = qx * sin + qy * cos + cy + p.h / 2 - 0.5;
        let v: number;
        if (interp === 'nearest') {
          const ix = roundHalfEven(sx);
          const iy = roundHalfEven(sy);
          v = ix >= 0 && ix < p.w && iy >= 0 && iy < p.h ? p.data[(k * p.h + iy) * p.w + ix] : f;
        } else {
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const lx = sx - x0;
          const ly = sy - y0;
          const at = (yy: number, xx: number) => (xx >= 0 && xx < p.w && yy >= 0 && yy < p.h ? p.data[(k * p.h + yy) * p.w + xx] : f);
          v = (at(y0, x0) * (1 - lx) + at(y0, x0 + 1) * lx) * (1 - ly) + (at(y0 + 1, x0) * (1 - lx) + at(y0 + 1, x0 + 1) * lx) * ly;
        }
        o.data[(k * h + y) * w + x] = store(p, v);
      }
  }
  return o;
}

/** Random brightness, contrast, saturation and hue changes, applied in a random order. */
export class ColorJitter extends Transform {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;
  constructor(opts: { brightness?: number | [number, number]; contrast?: number | [number, number]; saturation?: number | [number, number]; hue?: number | [number, number] } = {}, ...rest: never[]) {
    super();
    noExtraArgs('ColorJitter', 'opts', rest);
    opts = checkOptionKeys('opts', opts, ['brightness', 'contrast', 'saturation', 'hue']);
    this.brightness = range('brightness', opts.brightness ?? 0, 1, 0);
    this.contrast = range('contrast', opts.contrast ?? 0, 1, 0);
    this.saturation = range('saturation', opts.saturation ?? 0, 1, 0);
    this.hue = range('hue', opts.hue ?? 0, 0, null, [-0.5, 0.5]);
  }
  forward(img: unknown): ImageLike {
    const p = toPlanes(img);
    if (p.c !== 1 && p.c !== 3) shapeError('img', 'an image of 1 or 3 channels', img);
    const order = randpermJs(4);
    const f = [this.brightness, this.contrast, this.saturation, this.hue].map((r) => (r ? between(r[0], r[1]) : null));
    for (const i of order) {
      const v = f[i];
      if (v === null) continue;
      if (i === 0) blend(p, v, () => 0);
      else if (i === 1) {
        const means = planeGrayMeans(p);
        blend(p, v, (img) => means[img]);
      } else if (i === 2 && p.c === 3) {
        const gray = grayPlanes(p);
        blend(p, v, (img, px) => gray[img * p.h * p.w + px]);
      } else if (i === 3 && p.c === 3) adjustHue(p, v);
    }
    return fromPlanes(p);
  }
  protected specArgs(): unknown[] {
    return [{ brightness: this.brightness ?? 0, contrast: this.contrast ?? 0, saturation: this.saturation ?? 0, hue: this.hue ?? 0 }];
  }
}
/** torchvision's _blend: ratio * img + (1 - ratio) * other, clamped to [0, bound], cast (truncated) back to uint8. */
function blend(p: Planes, ratio: number, other: (img: number, px: number) => number): void {
  const hw = p.h * p.w;
  const bound = isFloat(p) ? 1 : 255;
  for (let k = 0; k < p.n; k++) {
    const img = Math.floor(k / p.c);
    for (let px = 0; px < hw; px++) {
      const i = k * hw + px;
      const v = Math.min(bound, Math.max(0, ratio * p.data[i] + (1 - ratio) * other(img, px)));
      p.data[i] = isFloat(p) ? v : Math.trunc(v);
    }
  }
}
/** Grayscale (0.2989 R + 0.587 G + 0.114 B; truncated for uint8) of each image, [images][h * w]. */
function grayPlanes(p: Planes): Float64Array {
  const hw = p.h * p.w;
  const imgs = p.n / p.c;
  const g = new Float64Array(imgs * hw);
  for (let m = 0; m < imgs; m++)
    for (let px = 0; px < hw; px++) {
      const b = m * p.c * hw + px;
      const v = p.c === 1 ? p.data[b] : 0.2989 * p.data[b] + 0.587 * p.data[b + hw] + 0.114 * p.data[b + 2 * hw];
      g[m * hw + px] = isFloat(p) ? v : Math.trunc(v);
    }
  return g;
}
function planeGrayMeans(p: Planes): number[] {
  const hw = p.h * p.w;
  const g = grayPlanes(p);
  return Array.from({ length: p.n / p.c }, (_, m) => {
    let s = 0;
    for (let i = 0; i < hw; i++) s += g[m * hw + i];
    return s / hw;
  });
}
/** torchvision's adjust_hue: RGB -> HSV, h = (h + factor) mod 1, back to RGB (uint8 via [0, 1] and truncation). */
function adjustHue(p: Planes, factor: number): void {
  const hw = p.h * p.w;
  const scale = isFloat(p) ? 1 : 255;
  for (let m = 0; m < p.n / 3; m++)
    for (let px = 0; px < hw; px++) {
      const b = m * 3 * hw + px;
      const r = p.data[b] / scale;
      const g = p.data[b + hw] / scale;
      const bl = p.data[b + 2 * hw] / scale;
      const maxc = Math.max(r, g, bl);
      const minc = Math.min(r, g, bl);
      const cr = maxc - minc;
      const s = cr / (maxc === 0 ? 1 : maxc);
      const crd = cr === 0 ? 1 : cr;
      const rc = (maxc - r) / crd;
      const gc = (maxc - g) / crd;
      const bc = (maxc - bl) / crd;
      const hr = maxc === r ? bc - gc : 0;
      const hg = maxc === g && maxc !== r ? 2 + rc - bc : 0;
      const hb = maxc !== g && maxc !== r ? 4 + gc - rc : 0;
      let h = (((hr + hg + hb) / 6 + 1) % 1 + factor) % 1;
      if (h < 0) h += 1;
      const v = maxc;
      const i = Math.floor(h * 6) % 6;
      const f = h * 6 - Math.floor(h * 6);
      const pp = Math.min(1, Math.max(0, v * (1 - s)));
      const q = Math.min(1, Math.max(0, v * (1 - s * f)));
      const t = Math.min(1, Math.max(0, v * (1 - s * (1 - f))));
      const rgb = [[v, q, pp, pp, t, v][i], [t, v, v, q, pp, pp][i], [pp, pp, t, v, v, q][i]];
      for (let c = 0; c < 3; c++) p.data[b + c * hw] = isFloat(p) ? rgb[c] : Math.trunc(rgb[c] * 255);
    }
}

/** Erases a random rectangle of a tensor [..., C, H, W] with probability p (value: a number, per-channel numbers, or 'random' normal noise). */
export class RandomErasing extends Transform {
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: number | number[] | 'random';
  readonly inplace: boolean;
  constructor(opts: { p?: number; scale?: [number, number]; ratio?: [number, number]; value?: number | number[] | 'random'; inplace?: boolean } = {}, ...rest: never[]) {
    super();
    noExtraArgs('RandomErasing', 'opts', rest);
    opts = checkOptionKeys('opts', opts, ['p', 'scale', 'ratio', 'value', 'inplace']);
    this.p = checkP(opts.p ?? 0.5);
    const pair = (name: string, v: unknown, d: [number, number]): [number, number] => {
      if (v === undefined) return d;
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && x >= 0 && Number.isFinite(x)) || v[0] > v[1])
        invalidArg(name, 'a range [min, max] of non-negative numbers', v);
      return [(v as number[])[0], (v as number[])[1]];
    };
    this.scale = pair('scale', opts.scale, [0.02, 0.33]);
    if (this.scale[1] > 1) invalidArg('scale', 'a range within [0, 1]', opts.scale);
    this.ratio = pair('ratio', opts.ratio, [0.3, 3.3]);
    this.value = opts.value === 'random' ? 'random' : checkFill('value', opts.value ?? 0);
    if (opts.inplace !== undefined && typeof opts.inplace !== 'boolean') typeArg('inplace', 'a boolean', opts.inplace);
    this.inplace = !!opts.inplace;
  }
  forward(img: unknown): Tensor {
    if (!(img instanceof Tensor)) return typeArg('img', 'a tensor [..., C, H, W] (RandomErasing comes after ToTensor)', img);
    if (img.ndim < 3) shapeError('img', 'a tensor [..., C, H, W]', img);
    if (uniform() >= this.p) return img;
    const p = toPlanes(img);
    if (Array.isArray(this.value) && this.value.length !== 1 && this.value.length !== p.c) shapeError('value', `1 or ${p.c} values (the channels)`, this.value);
    const area = p.h * p.w;
    const logRatio = [Math.log(this.ratio[0]), Math.log(this.ratio[1])];
    for (let k = 0; k < 10; k++) {
      const eraseArea = area * between(this.scale[0], this.scale[1]);
      const aspect = Math.exp(between(logRatio[0], logRatio[1]));
      const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
      const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
      if (!(h < p.h && w < p.w)) continue;
      const noise = this.value === 'random' ? normals(p.c * h * w) : null;
      const i = randint(0, p.h - h + 1);
      const j = randint(0, p.w - w + 1);
      for (let q = 0; q < p.n; q++) {
        const c = q % p.c;
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const v = noise ? noise[(c * h + y) * w + x] : Array.isArray(this.value) ? this.value[this.value.length === 1 ? 0 : c] : (this.value as number);
            p.data[(q * p.h + i + y) * p.w + j + x] = store(p, v);
          }
      }
      const out = fromPlanes(p) as Tensor;
      if (!this.inplace) return out;
      img.copy_(out);
      return img;
    }
    return img;
  }
  protected specArgs(): unknown[] {
    return [{ p: this.p, scale: this.scale, ratio: this.ratio, value: this.value, inplace: this.inplace }];
  }
}
/** Standard normal draws (Box-Muller over the generator's uniforms). */
function normals(n: number): Float64Array {
  const u = uniforms(2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - u[2 * i])) * Math.cos(2 * Math.PI * u[2 * i + 1]);
  return out;
}

/** A transform of a function (torchvision's Lambda); not rebuildable in DataLoader workers. */
export class Lambda extends Transform {
  constructor(
    readonly lambd: (x: never) => unknown,
    ...rest: never[]
  ) {
    super();
    noExtraArgs('Lambda', 'lambd', rest);
    if (typeof lambd !== 'function') typeArg('lambd', 'a function', lambd);
  }
  forward(img: unknown): unknown {
    return (this.lambd as (x: unknown) => unknown)(img);
  }
  protected specArgs(): unknown[] {
    return invalidArg('transform', 'a transform that worker threads can rebuild (a Lambda holds a function; build the dataset in the worker with the DataLoader option workerDataset)', 'Lambda');
  }
}

const CLASSES: Record<string, new (...a: never[]) => Transform> = {
  Compose, ToTensor, Normalize, RandomCrop, Pad, RandomHorizontalFlip, RandomVerticalFlip, Resize, CenterCrop, RandomResizedCrop, RandomRotation, ColorJitter, RandomErasing,
};
/** The spec of a transform (or null for none); a plain function cannot cross to a worker: coded error. */
export function specOf(t: unknown, name = 'transform'): TransformSpec | null {
  if (typeof name !== 'string') typeArg('name', 'a string', name);
  if (t === undefined || t === null) return null;
  if (t instanceof Transform) return t.toSpec();
  const legacy = t as { kind?: string; mean?: number[]; std?: number[]; parts?: unknown[] };
  if (typeof t === 'function' && legacy.kind === 'toTensor' && !legacy.parts) return { type: 'ToTensor', args: [] };
  if (typeof t === 'function' && legacy.kind === 'normalize' && !legacy.parts) return { type: 'Normalize', args: [legacy.mean, legacy.std] };
  if (typeof t === 'function' && legacy.parts) return { type: 'Compose', args: [legacy.parts.map((x, i) => specOf(x, `${name}[${i}]`))] };
  return invalidArg(name, 'a torch.data.transforms transform (a plain function cannot be sent to DataLoader worker threads; use the option workerDataset)', t);
}
/** Rebuilds a transform from its spec (in a DataLoader worker). */
export function transformFromSpec(spec: TransformSpec | null): Transform | undefined {
  if (spec === null) return undefined;
  if (typeof spec !== 'object' || typeof spec.type !== 'string' || !Array.isArray(spec.args)) typeArg('spec', 'a transform spec {type, args} (from toSpec())', spec);
  const C = CLASSES[spec.type];
  if (!C) invalidArg('spec.type', `one of ${Object.keys(CLASSES).join(', ')}`, spec.type);
  const args = spec.type === 'Compose' ? [(spec.args[0] as TransformSpec[]).map(transformFromSpec)] : spec.args;
  return new (C as unknown as new (...a: unknown[]) => Transform)(...args);
}
