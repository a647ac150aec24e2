// lib/data/transforms_more.ts — more of torchvision 0.14's transforms, as classes with forward(img)
// and a JSON spec for DataLoader workers (re-exported by lib/data/transforms.ts): Grayscale,
// RandomGrayscale, RandomApply, RandomChoice, RandomOrder, ConvertImageDtype, PILToTensor,
// ToPILImage, GaussianBlur, RandomInvert, RandomPosterize, RandomSolarize, RandomAdjustSharpness,
// RandomAutocontrast, RandomEqualize, RandomAffine, FiveCrop, TenCrop. Images are Images or tensors
// [..., C, H, W] as in transforms.ts; the pixel work is torch.data.transforms.functional's
// (transforms_functional.ts). Random draws come from torchlet's global generator in torchvision's
// order (one uniform for each p test, then the parameters), so torch.manualSeed reproduces them.
import { checkInt, checkOptionKeys, invalidArg, typeArg, dtypeError, shapeError, noExtraArgs } from '../errors';
import { Tensor, DType } from '../tensor';
import { uniform, randpermJs } from '../random';
import { Image, ImageMode } from './image';
import { toPlanes, checkP, checkFill, between, roundHalfEven, sizePair, Interpolation, checkInterp } from './pixels';
import { Transform, TransformLike, ImageLike, apply, registerTransforms, specOfImpl } from './transform_base';
import * as F from './transforms_functional';

function checkTransforms(v: unknown): TransformLike[] {
  if (!Array.isArray(v)) typeArg('transforms', 'an array of transforms', v);
  (v as unknown[]).forEach((t, i) => {
    if (!(t instanceof Transform) && typeof t !== 'function') typeArg(`transforms[${i}]`, 'a transform or a function', t);
  });
  return (v as TransformLike[]).slice();
}
/** The channels of an image (an Image's, or the tensor's C = shape[-3]; 1 for [H, W]). */
function channelsOf(img: unknown): number {
  return toPlanes(img).c;
}

/** Converts to grayscale with numOutputChannels (1 or 3) channels (torchvision's Grayscale). */
export class Grayscale extends Transform {
  readonly numOutputChannels: number;
  constructor(numOutputChannels = 1, ...rest: never[]) {
    super();
    noExtraArgs('Grayscale', 'numOutputChannels', rest);
    if (numOutputChannels !== 1 && numOutputChannels !== 3) invalidArg('numOutputChannels', '1 or 3', numOutputChannels);
    this.numOutputChannels = numOutputChannels;
  }
  forward(img: unknown): ImageLike {
    return F.rgbToGrayscale(img as ImageLike, this.numOutputChannels);
  }
  protected specArgs(): unknown[] {
    return [this.numOutputChannels];
  }
}
/** Converts to grayscale (keeping the number of channels) with probability p (default 0.1). */
export class RandomGrayscale extends Transform {
  readonly p: number;
  constructor(p = 0.1, ...rest: never[]) {
    super();
    noExtraArgs('RandomGrayscale', 'p', rest);
    this.p = checkP(p);
  }
  forward(img: unknown): ImageLike {
    const c = channelsOf(img);
    if (uniform() < this.p) {
      if (c !== 1 && c !== 3) shapeError('img', 'an image of 1 or 3 channels', img);
      return F.rgbToGrayscale(img as ImageLike, c);
    }
    return img as ImageLike;
  }
  protected specArgs(): unknown[] {
    return [this.p];
  }
}
/** Applies the transforms in order with probability p (default 0.5), else returns the input. */
export class RandomApply extends Transform {
  readonly transforms: TransformLike[];
  readonly p: number;
  constructor(transforms: TransformLike[], p = 0.5, ...rest: never[]) {
    super();
    noExtraArgs('RandomApply', 'transforms, p', rest);
    this.transforms = checkTransforms(transforms);
    this.p = checkP(p);
  }
  forward(img: unknown): unknown {
    if (this.p < uniform()) return img;
    return this.transforms.reduce((x, t) => apply(t, x), img);
  }
  protected specArgs(): unknown[] {
    return [this.transforms.map((t, i) => specOfImpl(t, `transforms[${i}]`)), this.p];
  }
}
/** Applies one of the transforms, picked uniformly or with the relative weights p. */
export class RandomChoice extends Transform {
  readonly transforms: TransformLike[];
  readonly p: number[] | null;
  constructor(transforms: TransformLike[], p?: number[] | null, ...rest: never[]) {
    super();
    noExtraArgs('RandomChoice', 'transforms, p', rest);
    this.transforms = checkTransforms(transforms);
    if (p !== undefined && p !== null) {
      if (!Array.isArray(p) || !p.every((x) => typeof x === 'number' && x >= 0 && Number.isFinite(x))) typeArg('p', 'an array of non-negative weights', p);
      if (p.length !== this.transforms.length) invalidArg('p', `${this.transforms.length} weights (one per transform)`, p);
      if (!(p.reduce((a, b) => a + b, 0) > 0)) invalidArg('p', 'weights with a positive sum', p);
    }
    if (!this.transforms.length) invalidArg('transforms', 'at least one transform', transforms);
    this.p = p ? p.slice() : null;
  }
  forward(img: unknown): unknown {
    const w = this.p ?? this.transforms.map(() => 1);
    const cum: number[] = [];
    w.reduce((a, b, i) => (cum[i] = a + b), 0);
    const u = uniform() * cum[cum.length - 1];
    let i = cum.findIndex((c) => u < c); // Python's random.choices: bisect_right(cum_weights, random() * total)
    if (i < 0) i = cum.length - 1;
    return apply(this.transforms[i], img);
  }
  protected specArgs(): unknown[] {
    return [this.transforms.map((t, i) => specOfImpl(t, `transforms[${i}]`)), this.p];
  }
}
/** Applies the transforms in a random order. */
export class RandomOrder extends Transform {
  readonly transforms: TransformLike[];
  constructor(transforms: TransformLike[], ...rest: never[]) {
    super();
    noExtraArgs('RandomOrder', 'transforms', rest);
    this.transforms = checkTransforms(transforms);
  }
  forward(img: unknown): unknown {
    const order = randpermJs(this.transforms.length);
    return order.reduce((x, i) => apply(this.transforms[i], x), img);
  }
  protected specArgs(): unknown[] {
    return [this.transforms.map((t, i) => specOfImpl(t, `transforms[${i}]`))];
  }
}

/** Converts a tensor image to dtype, rescaling values (torchvision's ConvertImageDtype; float to int32 / int64 is refused as unsafe). */
export class ConvertImageDtype extends Transform {
  readonly dtype: DType;
  constructor(dtype: DType, ...rest: never[]) {
    super();
    noExtraArgs('ConvertImageDtype', 'dtype', rest);
    if (!F.IMAGE_DTYPES.includes(dtype as string)) invalidArg('dtype', F.IMAGE_DTYPES.map((d) => `'${d}'`).join(', '), dtype);
    this.dtype = dtype;
  }
  forward(image: unknown): Tensor {
    if (!(image instanceof Tensor)) return typeArg('image', 'a tensor image', image);
    if (!F.IMAGE_DTYPES.includes(image.dtype)) dtypeError('image', `a tensor of ${F.IMAGE_DTYPES.join(', ')}`, image);
    return F.convertImageDtype(image, this.dtype);
  }
  protected specArgs(): unknown[] {
    return [this.dtype];
  }
}
/** An Image to a uint8 tensor [C, H, W] of its bytes (no scaling). */
export class PILToTensor extends Transform {
  constructor(...rest: never[]) {
    super();
    noExtraArgs('PILToTensor', '', rest);
  }
  forward(pic: unknown): Tensor {
    return F.pilToTensor(pic as Image);
  }
  protected specArgs(): unknown[] {
    return [];
  }
}
/** A tensor [C, H, W] / [H, W] (C <= 4) to an Image; mode as torchvision's rules (defaults by the channels). */
export class ToPILImage extends Transform {
  readonly mode: ImageMode | null;
  constructor(mode?: ImageMode | null, ...rest: never[]) {
    super();
    noExtraArgs('ToPILImage', 'mode', rest);
    if (mode !== undefined && mode !== null && !['L', 'LA', 'RGB', 'RGBA'].includes(mode as string)) invalidArg('mode', "'L', 'LA', 'RGB' or 'RGBA' (Image's modes)", mode);
    this.mode = mode ?? null;
  }
  forward(pic: unknown): Image {
    return F.toPilImage(pic as Tensor, this.mode);
  }
  protected specArgs(): unknown[] {
    return [this.mode];
  }
}

// ---- tier 2 --------------------------------------------------------------------------------------------
/** Blurs with a Gaussian kernel of kernelSize (odd) and a sigma drawn uniformly from sigma ([min, max] or a number). */
export class GaussianBlur extends Transform {
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];
  constructor(kernelSize: number | number[], sigma: number | [number, number] = [0.1, 2.0], ...rest: never[]) {
    super();
    noExtraArgs('GaussianBlur', 'kernelSize, sigma', rest);
    this.kernelSize = F.checkKernelSize(kernelSize);
    if (typeof sigma === 'number') {
      if (!(sigma > 0) || !Number.isFinite(sigma)) invalidArg('sigma', 'a positive number', sigma);
      this.sigma = [sigma, sigma];
    } else if (Array.isArray(sigma) && sigma.length === 2 && sigma.every((s) => typeof s === 'number' && Number.isFinite(s))) {
      if (!(sigma[0] > 0 && sigma[0] <= sigma[1])) invalidArg('sigma', 'a range [min, max] with 0 < min <= max', sigma);
      this.sigma = [sigma[0], sigma[1]];
    } else typeArg('sigma', 'a positive number or a range [min, max]', sigma);
  }
  forward(img: unknown): ImageLike {
    const s = between(this.sigma[0], this.sigma[1]);
    return F.gaussianBlur(img as ImageLike, this.kernelSize, [s, s]);
  }
  protected specArgs(): unknown[] {
    return [this.kernelSize, this.sigma];
  }
}
/** The base of the transforms that apply one functional op with probability p. */
abstract class RandomOp extends Transform {
  readonly p: number;
  constructor(p: number) {
    super();
    this.p = checkP(p);
  }
  protected abstract op(img: ImageLike): ImageLike;
  forward(img: unknown): ImageLike {
    toPlanes(img); // checks the kind, whatever the draw
    return uniform() < this.p ? this.op(img as ImageLike) : (img as ImageLike);
  }
}
/** Inverts the colors with probability p (default 0.5). */
export class RandomInvert extends RandomOp {
  constructor(p = 0.5, ...rest: never[]) {
    super(p);
    noExtraArgs('RandomInvert', 'p', rest);
  }
  protected op(img: ImageLike): ImageLike {
    return F.invert(img);
  }
  protected specArgs(): unknown[] {
    return [this.p];
  }
}
/** Keeps the top `bits` bits of each uint8 value with probability p (default 0.5). */
export class RandomPosterize extends RandomOp {
  readonly bits: number;
  constructor(bits: number, p = 0.5, ...rest: never[]) {
    super(p);
    noExtraArgs('RandomPosterize', 'bits, p', rest);
    checkInt('bits', bits, 0);
    if (bits > 8) invalidArg('bits', 'an integer in [0, 8]', bits);
    this.bits = bits;
  }
  protected op(img: ImageLike): ImageLike {
    return F.posterize(img, this.bits);
  }
  protected specArgs(): unknown[] {
    return [this.bits, this.p];
  }
}
/** Inverts the values >= threshold with probability p (default 0.5). */
export class RandomSolarize extends RandomOp {
  readonly threshold: number;
  constructor(threshold: number, p = 0.5, ...rest: never[]) {
    super(p);
    noExtraArgs('RandomSolarize', 'threshold, p', rest);
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) typeArg('threshold', 'a finite number', threshold);
    this.threshold = threshold;
  }
  protected op(img: ImageLike): ImageLike {
    return F.solarize(img, this.threshold);
  }
  protected specArgs(): unknown[] {
    return [this.threshold, this.p];
  }
}
/** Adjusts the sharpness by sharpnessFactor (>= 0) with probability p (default 0.5). */
export class RandomAdjustSharpness extends RandomOp {
  readonly sharpnessFactor: number;
  constructor(sharpnessFactor: number, p = 0.5, ...rest: never[]) {
    super(p);
    noExtraArgs('RandomAdjustSharpness', 'sharpnessFactor, p', rest);
    if (typeof sharpnessFactor !== 'number' || !Number.isFinite(sharpnessFactor)) typeArg('sharpnessFactor', 'a finite number', sharpnessFactor);
    if (sharpnessFactor < 0) invalidArg('sharpnessFactor', 'a non-negative number', sharpnessFactor);
    this.sharpnessFactor = sharpnessFactor;
  }
  protected op(img: ImageLike): ImageLike {
    return F.adjustSharpness(img, this.sharpnessFactor);
  }
  protected specArgs(): unknown[] {
    return [this.sharpnessFactor, this.p];
  }
}
/** Autocontrasts (each channel stretched to the full range) with probability p (default 0.5). */
export class RandomAutocontrast extends RandomOp {
  constructor(p = 0.5, ...rest: never[]) {
    super(p);
    noExtraArgs('RandomAutocontrast', 'p', rest);
  }
  protected op(img: ImageLike): ImageLike {
    return F.autocontrast(img);
  }
  protected specArgs(): unknown[] {
    return [this.p];
  }
}
/** Equalizes the histogram (uint8 images) with probability p (default 0.5). */
export class RandomEqualize extends RandomOp {
  constructor(p = 0.5, ...rest: never[]) {
    super(p);
    noExtraArgs('RandomEqualize', 'p', rest);
  }
  protected op(img: ImageLike): ImageLike {
    return F.equalize(img);
  }
  protected specArgs(): unknown[] {
    return [this.p];
  }
}

export interface RandomAffineOptions {
  translate?: [number, number] | null;
  scale?: [number, number] | null;
  shear?: number | number[] | null;
  interpolation?: Interpolation;
  fill?: number | number[];
  center?: [number, number] | null;
}
function pairIn(name: string, v: unknown, lo: number, hi: number, what: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) typeArg(name, what, v);
  const a = v as number[];
  if (!a.every((x) => x >= lo && x <= hi)) invalidArg(name, what, v);
  return [a[0], a[1]];
}
/** A random affine transform: angle from degrees, translation (fractions of the size), scale, shear (torchvision's RandomAffine). */
export class RandomAffine extends Transform {
  readonly degrees: [number, number];
  readonly translate: [number, number] | null;
  readonly scale: [number, number] | null;
  readonly shear: number[] | null;
  readonly interpolation: Interpolation;
  readonly fill: number | number[];
  readonly center: [number, number] | null;
  constructor(degrees: number | [number, number], opts: RandomAffineOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('RandomAffine', 'degrees, opts', rest);
    this.degrees = angleRange('degrees', degrees);
    opts = checkOptionKeys('opts', opts, ['translate', 'scale', 'shear', 'interpolation', 'fill', 'center']);
    this.translate = opts.translate === undefined || opts.translate === null ? null : pairIn('translate', opts.translate, 0, 1, 'a pair [a, b] of fractions in [0, 1]');
    if (opts.scale === undefined || opts.scale === null) this.scale = null;
    else {
      this.scale = pairIn('scale', opts.scale, 0, Infinity, 'a range [min, max] of positive numbers');
      if (!(this.scale[0] > 0 && this.scale[0] <= this.scale[1])) invalidArg('scale', 'a range [min, max] of positive numbers', opts.scale);
    }
    const sh = opts.shear;
    if (sh === undefined || sh === null) this.shear = null;
    else if (typeof sh === 'number') this.shear = [...angleRange('shear', sh), 0, 0].slice(0, 2);
    else if (Array.isArray(sh) && (sh.length === 2 || sh.length === 4) && sh.every((x) => typeof x === 'number' && Number.isFinite(x))) this.shear = sh.slice();
    else typeArg('shear', 'a number, [min, max] or [xmin, xmax, ymin, ymax] (degrees)', sh);
    this.interpolation = checkInterp(opts.interpolation ?? 'nearest');
    this.fill = checkFill('fill', opts.fill ?? 0);
    if (opts.center === undefined || opts.center === null) this.center = null;
    else if (Array.isArray(opts.center) && opts.center.length === 2 && opts.center.every((x) => typeof x === 'number' && Number.isFinite(x))) this.center = [opts.center[0], opts.center[1]];
    else typeArg('center', 'a point [x, y]', opts.center);
  }
  /** [angle, [tx, ty], scale, [shearX, shearY]] for an image of width x height (torchvision's get_params, in its order of draws). */
  static getParams(degrees: [number, number], translate: [number, number] | null, scaleRanges: [number, number] | null, shears: number[] | null, imgSize: [number, number]): [number, [number, number], number, [number, number]] {
    const angle = between(degrees[0], degrees[1]);
    let t: [number, number] = [0, 0];
    if (translate) {
      const maxDx = translate[0] * imgSize[0];
      const maxDy = translate[1] * imgSize[1];
      t = [roundHalfEven(between(-maxDx, maxDx)), roundHalfEven(between(-maxDy, maxDy))];
    }
    const scale = scaleRanges ? between(scaleRanges[0], scaleRanges[1]) : 1;
    let shx = 0;
    let shy = 0;
    if (shears) {
      shx = between(shears[0], shears[1]);
      if (shears.length === 4) shy = between(shears[2], shears[3]);
    }
    return [angle, t, scale, [shx, shy]];
  }
  forward(img: unknown): ImageLike {
    const p = toPlanes(img);
    const fill = Array.isArray(this.fill) ? this.fill : new Array<number>(p.c).fill(this.fill);
    const [angle, t, scale, shear] = RandomAffine.getParams(this.degrees, this.translate, this.scale, this.shear, [p.w, p.h]);
    return F.affine(img as ImageLike, angle, t, scale, shear, { interpolation: this.interpolation, fill, center: this.center ?? undefined });
  }
  protected specArgs(): unknown[] {
    return [this.degrees, { translate: this.translate, scale: this.scale, shear: this.shear, interpolation: this.interpolation, fill: this.fill, center: this.center }];
  }
}
/** torchvision's _setup_angle: a number d >= 0 means [-d, d]; else [min, max]. */
function angleRange(name: string, v: unknown): [number, number] {
  if (typeof v === 'number') {
    if (!(v >= 0) || !Number.isFinite(v)) invalidArg(name, 'a non-negative number', v);
    return [-v, v];
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) typeArg(name, 'a number or [min, max]', v);
  return [(v as number[])[0], (v as number[])[1]];
}

/** Crops the four corners and the center (an array of 5 images, as torchvision's tuple). */
export class FiveCrop extends Transform {
  readonly size: [number, number];
  constructor(size: number | number[], ...rest: never[]) {
    super();
    noExtraArgs('FiveCrop', 'size', rest);
    this.size = sizePair('size', size);
  }
  forward(img: unknown): ImageLike[] {
    return F.fiveCrop(img as ImageLike, this.size);
  }
  protected specArgs(): unknown[] {
    return [this.size];
  }
}
/** FiveCrop of the image and of its flip (horizontal, or vertical with verticalFlip): an array of 10 images. */
export class TenCrop extends Transform {
  readonly size: [number, number];
  readonly verticalFlip: boolean;
  constructor(size: number | number[], verticalFlip = false, ...rest: never[]) {
    super();
    noExtraArgs('TenCrop', 'size, verticalFlip', rest);
    this.size = sizePair('size', size);
    if (typeof verticalFlip !== 'boolean') typeArg('verticalFlip', 'a boolean', verticalFlip);
    this.verticalFlip = verticalFlip;
  }
  forward(img: unknown): ImageLike[] {
    return F.tenCrop(img as ImageLike, this.size, this.verticalFlip);
  }
  protected specArgs(): unknown[] {
    return [this.size, this.verticalFlip];
  }
}

registerTransforms([Grayscale, RandomGrayscale, ConvertImageDtype, PILToTensor, ToPILImage, GaussianBlur, RandomInvert, RandomPosterize, RandomSolarize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize, RandomAffine, FiveCrop, TenCrop]);
registerTransforms([RandomApply, RandomChoice, RandomOrder], true);
