// lib/data/transforms.ts — torchvision.transforms (0.14, beside PyTorch 1.13) as classes with
// forward(img): Compose, ToTensor, Normalize, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip,
// Resize, CenterCrop, RandomResizedCrop, RandomRotation, ColorJitter, RandomErasing. An image is an
// Image (HWC bytes, torchlet's PIL stand-in, lib/data/image.ts) or a tensor [..., C, H, W] (float32,
// float64 or uint8; [H, W] too where torchvision allows it); each transform returns the same kind it
// got. Arguments, defaults and formulas follow torchvision's tensor code paths (Resize: bilinear,
// nearest or bicubic interpolation, antialias optional (default off, as torchvision 0.14's tensors),
// resize_filters.ts; uint8 results rounded half to even). Random transforms
// draw from torchlet's global generator (torch.manualSeed; in DataLoader workers the worker's seeded
// generator), so a seed reproduces them. The pixel work is done in JavaScript on typed arrays (one
// sample at a time, as in a data pipeline). Every transform has a JSON-able spec (toSpec /
// transformFromSpec) so that DataLoader workers can rebuild it. The pixel kernels live in pixels.ts,
// the base class and spec registry in transform_base.ts; this module also re-exports the further
// transforms of transforms_more.ts and augment.ts and the namespace `functional`
// (torchvision.transforms.functional, transforms_functional.ts).
import { checkInt, checkOptionKeys, invalidArg, typeArg, dtypeError, shapeError, noExtraArgs } from '../errors';
import { Tensor } from '../tensor';
import { uniform, randint, randpermJs } from '../random';
import {
  PaddingMode, Interpolation, toPlanes, fromPlanes, store, roundHalfEven, crop, pad, flip, sizePair, paddingLtrb, checkFill, checkMode,
  checkInterp, checkP, range, between, resizedSize, centerCrop, blend, grayPlanes, planeGrayMeans, adjustHue, normals,
} from './pixels';
import { Transform, ImageLike, TransformLike, TransformSpec, apply, registerTransforms, specOfImpl, fromSpecImpl } from './transform_base';
import { toTensor as toTensorImage, rotate as rotateImage } from './transforms_functional';
import { ResizeInterpolation, checkResizeInterp, checkAntialias, resizeFiltered } from './resize_filters';

export { Transform } from './transform_base';
export type { ImageLike, TransformLike, TransformSpec } from './transform_base';
export type { PaddingMode, Interpolation } from './pixels';
export type { ResizeInterpolation } from './resize_filters';

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
    return toTensorImage(pic as ImageLike);
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

/** Resizes to size ([h, w], or an int: the smaller edge, keeping the aspect ratio); bilinear (default), nearest or bicubic, antialias optional. */
export class Resize extends Transform {
  readonly size: number | number[];
  readonly interpolation: ResizeInterpolation;
  readonly maxSize?: number;
  readonly antialias: boolean;
  constructor(size: number | number[], opts: { interpolation?: ResizeInterpolation; maxSize?: number; antialias?: boolean | null } = {}, ...rest: never[]) {
    super();
    noExtraArgs('Resize', 'size, opts', rest);
    if (typeof size === 'number') checkInt('size', size, 1);
    else if (Array.isArray(size) && (size.length === 1 || size.length === 2)) size.forEach((s, i) => checkInt(`size[${i}]`, s, 1));
    else typeArg('size', 'an integer or [h, w]', size);
    this.size = Array.isArray(size) ? size.slice() : size;
    opts = checkOptionKeys('opts', opts, ['interpolation', 'maxSize', 'antialias']);
    this.interpolation = checkResizeInterp(opts.interpolation ?? 'bilinear');
    if (opts.maxSize !== undefined) {
      checkInt('maxSize', opts.maxSize, 1);
      if (Array.isArray(size) && size.length === 2) invalidArg('maxSize', 'no value when size is [h, w]', opts.maxSize);
    }
    this.maxSize = opts.maxSize;
    this.antialias = checkAntialias(opts.antialias, this.interpolation);
  }
  forward(img: unknown): ImageLike {
    const p = toPlanes(img);
    const [h, w] = resizedSize(p.h, p.w, this.size, this.maxSize);
    return fromPlanes(resizeFiltered(p, h, w, this.interpolation, this.antialias));
  }
  protected specArgs(): unknown[] {
    return [this.size, { interpolation: this.interpolation, maxSize: this.maxSize, antialias: this.antialias }];
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
/** A random crop of random area (scale) and aspect ratio (ratio), resized to size. */
export class RandomResizedCrop extends Transform {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: ResizeInterpolation;
  readonly antialias: boolean;
  constructor(size: number | number[], opts: { scale?: [number, number]; ratio?: [number, number]; interpolation?: ResizeInterpolation; antialias?: boolean | null } = {}, ...rest: never[]) {
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
    this.interpolation = checkResizeInterp(opts.interpolation ?? 'bilinear');
    this.antialias = checkAntialias(opts.antialias, this.interpolation);
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
    return fromPlanes(resizeFiltered(crop(p, i, j, h, w), this.size[0], this.size[1], this.interpolation, this.antialias));
  }
  protected specArgs(): unknown[] {
    return [this.size, { scale: this.scale, ratio: this.ratio, interpolation: this.interpolation, antialias: this.antialias }];
  }
}

/**
 * Rotates by an angle drawn from degrees ([-d, d] or [min, max]; getParams, a float32 uniform draw as
 * torchvision's), counter-clockwise about center (default the image center), then exactly
 * torchvision's tensor path: functional.rotate with the fill made one value per channel.
 */
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
  /** The angle (torchvision's get_params: torch.empty(1).uniform_(d0, d1), a float32 value). */
  static getParams(degrees: [number, number]): number {
    if (!Array.isArray(degrees) || degrees.length !== 2 || !degrees.every((d) => typeof d === 'number' && Number.isFinite(d)) || degrees[0] > degrees[1])
      invalidArg('degrees', 'a range [min, max] of numbers', degrees);
    return Math.fround(between(degrees[0], degrees[1]));
  }
  forward(img: unknown): ImageLike {
    const c = toPlanes(img).c;
    const fill = Array.isArray(this.fill) ? this.fill.slice() : new Array<number>(c).fill(this.fill);
    const angle = RandomRotation.getParams(this.degrees);
    const opts = { interpolation: this.interpolation, expand: this.expand, fill, ...(this.center ? { center: this.center } : {}) };
    return rotateImage(img as ImageLike, angle, opts);
  }
  protected specArgs(): unknown[] {
    return [this.degrees, { interpolation: this.interpolation, expand: this.expand, center: this.center ?? undefined, fill: this.fill }];
  }
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

registerTransforms([ToTensor, Normalize, RandomCrop, Pad, RandomHorizontalFlip, RandomVerticalFlip, Resize, CenterCrop, RandomResizedCrop, RandomRotation, ColorJitter, RandomErasing]);
registerTransforms([Compose], true);
/** The spec of a transform (or null for none); a plain function cannot cross to a worker: coded error. */
export function specOf(t: unknown, name = 'transform'): TransformSpec | null {
  return specOfImpl(t, name);
}
/** Rebuilds a transform from its spec (in a DataLoader worker). */
export function transformFromSpec(spec: TransformSpec | null): Transform | undefined {
  return fromSpecImpl(spec);
}

// the further transforms (torchvision 0.14's), and torchvision.transforms.functional as `functional`
export * from './transforms_more';
export { AutoAugment, RandAugment, TrivialAugmentWide } from './augment';
export type { AutoAugmentPolicy, AugmentOptions } from './augment';
export { AugMix } from './augment';
export type { AugMixOptions } from './augment';
export * as functional from './transforms_functional_api';
