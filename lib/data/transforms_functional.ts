// lib/data/transforms_functional.ts — torch.data.transforms.functional: torchvision 0.14's
// torchvision.transforms.functional, the deterministic kernels with their names in camelCase and
// their keyword arguments in a trailing options object: hflip, vflip, crop, centerCrop, resize,
// resizedCrop (resize: bilinear, nearest or bicubic, antialias optional, resize_filters.ts), pad,
// rotate, affine, adjustBrightness, adjustContrast, adjustSaturation, adjustHue, adjustGamma,
// adjustSharpness, gaussianBlur, invert, posterize, solarize, autocontrast, equalize, rgbToGrayscale,
// normalize, toTensor, erase, and the conversions convertImageDtype, toPilImage, pilToTensor,
// fiveCrop, tenCrop (transforms_functional_api.ts lists these public names; the rest is internal).
// Each takes an Image (torchlet's PIL stand-in) or a tensor [..., C, H, W] (float32, float64 or
// uint8) where torchvision takes a PIL image or a tensor, and returns the same kind; the formulas
// are torchvision's tensor code paths (an Image is treated as a uint8 tensor, except rgbToGrayscale,
// which converts it as PIL does). Where torchvision computes a uint8 or float32 image in float32, so
// do these (each step rounded to float32), so uint8 results match torchvision's exactly; float64
// images are computed in float64. rotate and affine build torchvision's inverse affine matrix and
// sampling grid and sample as grid_sample(align_corners=False) (nearest: round half to even;
// bilinear), with a fill as torchvision applies it (through a mask channel).
import { checkInt, checkOptionKeys, invalidArg, typeArg, dtypeError, shapeError, noExtraArgs } from '../errors';
import { Tensor, DType } from '../tensor';
import { fromBuffer } from '../creation';
import { defaultFloat } from '../default_dtype';
import { Image, ImageMode } from './image';
import {
  Planes, Interpolation, PaddingMode, toPlanes, fromPlanes, alloc, isFloat, roundHalfEven, crop as cropPlanes, pad as padPlanes, flip,
  sizePair, paddingLtrb, checkFill, checkMode, checkInterp, resizedSize, centerCrop as centerCropPlanes, adjustHue as adjustHuePlanes,
} from './pixels';
import type { ImageLike } from './transform_base';
import { ResizeInterpolation, checkResizeInterp, checkAntialias, resizeFiltered } from './resize_filters';

// ---- helpers (internal) ------------------------------------------------------------------------------
/** float32 rounding where torchvision computes in float32 (uint8 and float32 images), none for float64. */
export function r32Of(p: Planes): (v: number) => number {
  return p.dtype === 'float64' ? (v: number) => v : Math.fround;
}
function checkNumber(name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(name, 'a finite number', v);
  if ((v as number) < min) invalidArg(name, `a number >= ${min}`, v);
  return v as number;
}
function checkChannels(p: Planes, allowed: number[], img: unknown): void {
  if (p.lead.length === 0 || !allowed.includes(p.c)) shapeError('img', `an image of ${allowed.join(' or ')} channels [..., C, H, W]`, img);
}
function bound(p: Planes): number {
  return isFloat(p) ? 1 : 255;
}
/** Stores v as the image's dtype: float as is, uint8 truncated after clamping to [0, 255] (torch's .to(uint8) of a clamped value). */
function castBack(p: Planes, v: number): number {
  return isFloat(p) ? v : Math.trunc(Math.min(255, Math.max(0, v)));
}
/** torchvision's _blend in the image's compute precision: (ratio * a + (1 - ratio) * b).clamp(0, bound).to(dtype). */
export function blend32(p: Planes, ratio: number, other: (k: number, px: number) => number): void {
  const r = r32Of(p);
  const hw = p.h * p.w;
  const ra = r(ratio);
  const rb = r(1 - ratio);
  const b = bound(p);
  for (let k = 0; k < p.n; k++)
    for (let px = 0; px < hw; px++) {
      const i = k * hw + px;
      const v = r(r(ra * p.data[i]) + r(rb * other(k, px)));
      p.data[i] = castBack(p, Math.min(b, Math.max(0, v)));
    }
}
/** torchvision's rgb_to_grayscale kernel (0.2989 R + 0.587 G + 0.114 B in float32, cast to the dtype), one plane per image. */
export function gray32(p: Planes): Float64Array {
  const hw = p.h * p.w;
  const imgs = p.n / p.c;
  const r = r32Of(p);
  const [a, b, c] = [r(0.2989), r(0.587), r(0.114)];
  const g = new Float64Array(imgs * hw);
  for (let m = 0; m < imgs; m++)
    for (let px = 0; px < hw; px++) {
      const o = m * p.c * hw + px;
      const v = p.c === 1 ? p.data[o] : r(r(r(a * p.data[o]) + r(b * p.data[o + hw])) + r(c * p.data[o + 2 * hw]));
      g[m * hw + px] = isFloat(p) ? v : Math.trunc(v);
    }
  return g;
}

/**
 * torch.linspace(start, end, n) in float32 as ATen's CPU kernel computes it (PyTorch 1.13, AVX2):
 * the step in float32; element i = start + step * i below n / 2, end - step * (n - 1 - i) from there,
 * each one rounding (the compiler fuses the multiply-add); whole blocks of 16 go through the vector
 * path (two 8-lane arange(base, step) vectors, base + (k * step) rounded twice, whose base follows the
 * scalar rule at the index of the vector).
 */
export function linspace32(start: number, end: number, n: number): number[] {
  const f = Math.fround;
  const s = f(start);
  const e = f(end);
  const step = n > 1 ? f((e - s) / (n - 1)) : 0;
  const half = Math.floor(n / 2);
  const scalar = (i: number) => (i < half ? f(s + step * i) : f(e - step * (n - 1 - i)));
  const out = new Array<number>(n);
  const vec = Math.floor(n / 16) * 16;
  for (let idx = 0; idx < vec; idx += 8) {
    const base = scalar(idx);
    for (let k = 0; k < 8; k++) out[idx + k] = k === 0 ? base : f(base + f(k * step)); // the vector lanes: not fused
  }
  for (let i = vec; i < n; i++) out[i] = scalar(i);
  return out;
}

// ---- flips, crops, sizes ------------------------------------------------------------------------------
/** Mirrors left-right. */
export function hflip(img: ImageLike, ...rest: never[]): ImageLike {
  noExtraArgs('hflip', 'img', rest);
  return fromPlanes(flip(toPlanes(img), true));
}
/** Mirrors top-bottom. */
export function vflip(img: ImageLike, ...rest: never[]): ImageLike {
  noExtraArgs('vflip', 'img', rest);
  return fromPlanes(flip(toPlanes(img), false));
}
/** Rows [top, top + height), columns [left, left + width); outside the image is 0. */
export function crop(img: ImageLike, top: number, left: number, height: number, width: number, ...rest: never[]): ImageLike {
  noExtraArgs('crop', 'img, top, left, height, width', rest);
  const p = toPlanes(img);
  checkInt('top', top);
  checkInt('left', left);
  checkInt('height', height, 1);
  checkInt('width', width, 1);
  return fromPlanes(cropPlanes(p, top, left, height, width));
}
/** The center outputSize (an int or [h, w]) crop, zero-padded where the image is smaller. */
export function centerCrop(img: ImageLike, outputSize: number | number[], ...rest: never[]): ImageLike {
  noExtraArgs('centerCrop', 'img, outputSize', rest);
  const p = toPlanes(img);
  return fromPlanes(centerCropPlanes(p, sizePair('outputSize', outputSize)));
}
/** Resizes to size ([h, w], or an int: the smaller edge); bilinear (default), nearest or bicubic; antialias (bilinear, bicubic) optional, default off. */
export function resize(img: ImageLike, size: number | number[], opts: { interpolation?: ResizeInterpolation; maxSize?: number; antialias?: boolean | null } = {}, ...rest: never[]): ImageLike {
  noExtraArgs('resize', 'img, size, opts', rest);
  const p = toPlanes(img);
  if (typeof size === 'number') checkInt('size', size, 1);
  else if (Array.isArray(size) && (size.length === 1 || size.length === 2)) size.forEach((s, i) => checkInt(`size[${i}]`, s, 1));
  else typeArg('size', 'an integer or [h, w]', size);
  opts = checkOptionKeys('opts', opts, ['interpolation', 'maxSize', 'antialias']);
  const mode = checkResizeInterp(opts.interpolation ?? 'bilinear');
  if (opts.maxSize !== undefined) {
    checkInt('maxSize', opts.maxSize, 1);
    if (Array.isArray(size) && size.length === 2) invalidArg('maxSize', 'no value when size is [h, w]', opts.maxSize);
  }
  const antialias = checkAntialias(opts.antialias, mode);
  const [h, w] = resizedSize(p.h, p.w, size, opts.maxSize);
  return fromPlanes(resizeFiltered(p, h, w, mode, antialias));
}
/** Crops [top, top + height) x [left, left + width) and resizes the crop to size (an int or [h, w], as resize); torchvision's resized_crop. */
export function resizedCrop(
  img: ImageLike, top: number, left: number, height: number, width: number, size: number | number[],
  opts: { interpolation?: ResizeInterpolation; antialias?: boolean | null } = {}, ...rest: never[]
): ImageLike {
  noExtraArgs('resizedCrop', 'img, top, left, height, width, size, opts', rest);
  opts = checkOptionKeys('opts', opts, ['interpolation', 'antialias']);
  return resize(crop(img, top, left, height, width), size, opts);
}
/** Pads: padding an int, [left/right, top/bottom] or [left, top, right, bottom]; fill; paddingMode. */
export function pad(img: ImageLike, padding: number | number[], opts: { fill?: number | number[]; paddingMode?: PaddingMode } = {}, ...rest: never[]): ImageLike {
  noExtraArgs('pad', 'img, padding, opts', rest);
  const p = toPlanes(img);
  const ltrb = paddingLtrb('padding', padding);
  opts = checkOptionKeys('opts', opts, ['fill', 'paddingMode']);
  return fromPlanes(padPlanes(p, ltrb, checkFill('fill', opts.fill ?? 0), checkMode(opts.paddingMode ?? 'constant')));
}

// ---- affine transforms --------------------------------------------------------------------------------
/** torchvision's _get_inverse_affine_matrix (center and translation in pixels relative to the image center, angles in degrees). */
export function inverseAffineMatrix(center: number[], angle: number, translate: number[], scale: number, shear: number[]): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((x) => x / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}
/**
 * torchvision's _gen_affine_grid + _apply_grid_transform: samples the image at the grid of theta (in
 * the image's float precision) as grid_sample(align_corners=False, padding zeros); with a fill, the
 * out-of-image part is filled as torchvision does (nearest: where the mask < 0.5; bilinear:
 * img * mask + (1 - mask) * fill); uint8 results rounded half to even.
 */
export function affineGrid(p: Planes, matrix: number[], oh: number, ow: number, mode: Interpolation, fill: number[] | null): Planes {
  const r = r32Of(p);
  const o = alloc(p, oh, ow);
  const th = matrix.map(r);
  const hw2 = [r(0.5 * p.w), r(0.5 * p.h)];
  // rescaled theta columns: theta^T / [0.5 w, 0.5 h]
  const rt = [r(th[0] / hw2[0]), r(th[3] / hw2[1]), r(th[1] / hw2[0]), r(th[4] / hw2[1]), r(th[2] / hw2[0]), r(th[5] / hw2[1])];
  const xs = linspace32(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow); // float32 whatever the image dtype, as torchvision's
  const ys = linspace32(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh);
  const hw = p.h * p.w;
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      // the grid is base_grid.bmm(rescaled theta): BLAS accumulates x, y, 1 with fused multiply-adds
      const gx = r(r(ys[y] * rt[2] + r(xs[x] * rt[0])) + rt[4]);
      const gy = r(r(ys[y] * rt[3] + r(xs[x] * rt[1])) + rt[5]);
      const ix = r(r(r(r(gx + 1) * p.w) - 1) / 2);
      const iy = r(r(r(r(gy + 1) * p.h) - 1) / 2);
      const inb = (yy: number, xx: number) => xx >= 0 && xx < p.w && yy >= 0 && yy < p.h;
      if (mode === 'nearest') {
        const nx = roundHalfEven(ix);
        const ny = roundHalfEven(iy);
        const ok = inb(ny, nx);
        for (let k = 0; k < p.n; k++) {
          const v = ok ? p.data[k * hw + ny * p.w + nx] : fill ? fill[(k % p.c) % fill.length] : 0;
          o.data[(k * oh + y) * ow + x] = isFloat(p) ? v : Math.min(255, Math.max(0, roundHalfEven(v)));
        }
      } else {
        const x0 = Math.floor(ix);
        const y0 = Math.floor(iy);
        const wx1 = r(ix - x0);
        const wx0 = r(x0 + 1 - ix);
        const wy1 = r(iy - y0);
        const wy0 = r(y0 + 1 - iy);
        const corners: [number, number, number][] = [
          [y0, x0, r(wx0 * wy0)],
          [y0, x0 + 1, r(wx1 * wy0)],
          [y0 + 1, x0, r(wx0 * wy1)],
          [y0 + 1, x0 + 1, r(wx1 * wy1)],
        ];
        let mask = 0;
        for (const [yy, xx, wt] of corners) if (inb(yy, xx)) mask = r(mask + wt);
        for (let k = 0; k < p.n; k++) {
          let v = 0;
          // torch's AVX2 grid_sample kernel fuses each product into the sum (one rounding per corner)
          for (const [yy, xx, wt] of corners) if (inb(yy, xx)) v = r(v + p.data[k * hw + yy * p.w + xx] * wt);
          if (fill) v = r(r(v * mask) + r(r(1 - mask) * fill[(k % p.c) % fill.length]));
          o.data[(k * oh + y) * ow + x] = isFloat(p) ? v : Math.min(255, Math.max(0, roundHalfEven(v)));
        }
      }
    }
  return o;
}
function fillList(p: Planes, fill: unknown): number[] | null {
  if (fill === undefined || fill === null) return null;
  const f = checkFill('fill', fill);
  if (Array.isArray(f) && f.length !== 1 && f.length !== p.c) shapeError('fill', `1 or ${p.c} values (the channels)`, f);
  return Array.isArray(f) ? f.slice() : [f];
}
function checkPoint(name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) typeArg(name, 'a point [x, y]', v);
  return [(v as number[])[0], (v as number[])[1]];
}
function checkAffineInterp(v: unknown): Interpolation {
  return checkInterp(v ?? 'nearest');
}
export interface RotateOptions {
  interpolation?: Interpolation;
  expand?: boolean;
  center?: [number, number];
  fill?: number | number[];
}
/** Rotates by angle degrees counter-clockwise about center (default the image center); expand enlarges the output to hold it all. */
export function rotate(img: ImageLike, angle: number, opts: RotateOptions = {}, ...rest: never[]): ImageLike {
  noExtraArgs('rotate', 'img, angle, opts', rest);
  const p = toPlanes(img);
  checkNumber('angle', angle);
  opts = checkOptionKeys('opts', opts, ['interpolation', 'expand', 'center', 'fill']);
  const mode = checkAffineInterp(opts.interpolation);
  if (opts.expand !== undefined && typeof opts.expand !== 'boolean') typeArg('expand', 'a boolean', opts.expand);
  const c = opts.center === undefined || opts.center === null ? null : checkPoint('center', opts.center);
  const fill = fillList(p, opts.fill);
  const centerF = c ? [c[0] - p.w * 0.5, c[1] - p.h * 0.5] : [0, 0];
  const m = inverseAffineMatrix(centerF, -angle, [0, 0], 1, [0, 0]);
  let [ow, oh] = [p.w, p.h];
  if (opts.expand) [ow, oh] = affineOutputSize(m, p.w, p.h);
  return fromPlanes(affineGrid(p, m, oh, ow, mode, fill));
}
/** torchvision's _compute_affine_output_size (float32, precision truncated to 1e-4): [w, h]. */
function affineOutputSize(m: number[], w: number, h: number): [number, number] {
  const f = Math.fround;
  const th = m.map(f);
  const pts = [[-0.5 * w, -0.5 * h], [-0.5 * w, 0.5 * h], [0.5 * w, 0.5 * h], [0.5 * w, -0.5 * h]];
  const out: number[] = [];
  for (const d of [0, 1]) {
    const vals = pts.map(([x, y]) => f(f(f(x * th[3 * d]) + f(y * th[3 * d + 1])) + th[3 * d + 2]));
    const half = f((d === 0 ? w : h) * 0.5);
    const mx = f(Math.max(...vals) + half);
    const mn = f(Math.min(...vals) + half);
    const cmax = Math.ceil(f(Math.trunc(f(mx / f(1e-4))) * f(1e-4)));
    const cmin = Math.floor(f(Math.trunc(f(mn / f(1e-4))) * f(1e-4)));
    out.push(cmax - cmin);
  }
  return [out[0], out[1]];
}
export interface AffineOptions {
  interpolation?: Interpolation;
  fill?: number | number[];
  center?: [number, number];
}
/** Rotation (degrees), translation [tx, ty] (pixels), scale and shear (degrees: a number or [x, y]) about center, keeping the size. */
export function affine(img: ImageLike, angle: number, translate: number[], scale: number, shear: number | number[], opts: AffineOptions = {}, ...rest: never[]): ImageLike {
  noExtraArgs('affine', 'img, angle, translate, scale, shear, opts', rest);
  const p = toPlanes(img);
  checkNumber('angle', angle);
  if (!Array.isArray(translate) || translate.length !== 2 || !translate.every((v) => typeof v === 'number' && Number.isFinite(v))) typeArg('translate', 'a pair [tx, ty] of numbers', translate);
  checkNumber('scale', scale);
  if (!(scale > 0)) invalidArg('scale', 'a positive number', scale);
  let sh: number[];
  if (typeof shear === 'number' && Number.isFinite(shear)) sh = [shear, 0];
  else if (Array.isArray(shear) && (shear.length === 1 || shear.length === 2) && shear.every((v) => typeof v === 'number' && Number.isFinite(v))) sh = shear.length === 1 ? [shear[0], shear[0]] : shear.slice();
  else return typeArg('shear', 'a number or [x, y] of numbers (degrees)', shear);
  opts = checkOptionKeys('opts', opts, ['interpolation', 'fill', 'center']);
  const mode = checkAffineInterp(opts.interpolation);
  const c = opts.center === undefined || opts.center === null ? null : checkPoint('center', opts.center);
  const fill = fillList(p, opts.fill);
  const centerF = c ? [c[0] - p.w * 0.5, c[1] - p.h * 0.5] : [0, 0];
  const m = inverseAffineMatrix(centerF, angle, translate, scale, sh);
  return fromPlanes(affineGrid(p, m, p.h, p.w, mode, fill));
}

// ---- color --------------------------------------------------------------------------------------------
function colorPlanes(img: unknown, fn: string, allowed = [1, 3]): Planes {
  const p = toPlanes(img);
  if (p.lead.length === 0) shapeError('img', `an image [..., C, H, W] (${fn})`, img);
  checkChannels(p, allowed, img);
  return p;
}
/** Multiplies by brightnessFactor (>= 0), clamped. */
export function adjustBrightness(img: ImageLike, brightnessFactor: number, ...rest: never[]): ImageLike {
  noExtraArgs('adjustBrightness', 'img, brightnessFactor', rest);
  const p = colorPlanes(img, 'adjustBrightness');
  checkNumber('brightnessFactor', brightnessFactor, 0);
  blend32(p, brightnessFactor, () => 0);
  return fromPlanes(p);
}
/** Blends with the mean of the grayscale image by contrastFactor (>= 0). */
export function adjustContrast(img: ImageLike, contrastFactor: number, ...rest: never[]): ImageLike {
  noExtraArgs('adjustContrast', 'img, contrastFactor', rest);
  const p = colorPlanes(img, 'adjustContrast');
  checkNumber('contrastFactor', contrastFactor, 0);
  const r = r32Of(p);
  const g = gray32(p); // one plane per image (the image itself for 1 channel)
  const hw = p.h * p.w;
  const means = Array.from({ length: p.n / p.c }, (_, m) => {
    let s = 0;
    for (let i = m * hw; i < (m + 1) * hw; i++) s += g[i];
    return r(s / hw);
  });
  blend32(p, contrastFactor, (k) => means[Math.floor(k / p.c)]);
  return fromPlanes(p);
}
/** Blends with the grayscale image by saturationFactor (>= 0); a 1-channel image is returned as is. */
export function adjustSaturation(img: ImageLike, saturationFactor: number, ...rest: never[]): ImageLike {
  noExtraArgs('adjustSaturation', 'img, saturationFactor', rest);
  const p = colorPlanes(img, 'adjustSaturation');
  checkNumber('saturationFactor', saturationFactor, 0);
  if (p.c === 1) return fromPlanes(p);
  const gray = gray32(p);
  blend32(p, saturationFactor, (k, px) => gray[Math.floor(k / 3) * p.h * p.w + px]);
  return fromPlanes(p);
}
/** Shifts the hue by hueFactor in [-0.5, 0.5] (through HSV); a 1-channel image is returned as is. */
export function adjustHue(img: ImageLike, hueFactor: number, ...rest: never[]): ImageLike {
  noExtraArgs('adjustHue', 'img, hueFactor', rest);
  const p = colorPlanes(img, 'adjustHue');
  checkNumber('hueFactor', hueFactor);
  if (!(hueFactor >= -0.5 && hueFactor <= 0.5)) invalidArg('hueFactor', 'a number in [-0.5, 0.5]', hueFactor);
  if (p.c === 1) return fromPlanes(p);
  adjustHuePlanes(p, hueFactor);
  return fromPlanes(p);
}
/** gain * img^gamma on [0, 1] (a uint8 image through convert_image_dtype to float32 and back). */
export function adjustGamma(img: ImageLike, gamma: number, gain = 1, ...rest: never[]): ImageLike {
  noExtraArgs('adjustGamma', 'img, gamma, gain', rest);
  const p = toPlanes(img);
  checkNumber('gamma', gamma, 0);
  checkNumber('gain', gain);
  const r = r32Of(p);
  for (let i = 0; i < p.data.length; i++) {
    const x = isFloat(p) ? p.data[i] : r(p.data[i] / 255);
    const v = Math.min(1, Math.max(0, r(r(gain) * r(Math.pow(x, gamma)))));
    p.data[i] = isFloat(p) ? v : Math.trunc(r(v * r(255.999)));
  }
  return fromPlanes(p);
}
/** torchvision's _blurred_degenerate_image: the 3 x 3 smoothing (center 5, others 1, / 13) inside a 1-pixel border kept as is. */
export function blurredDegenerate(p: Planes): Planes {
  const r = r32Of(p);
  const o = alloc(p, p.h, p.w);
  o.data.set(p.data);
  const hw = p.h * p.w;
  const wc = r(5 / 13);
  const we = r(1 / 13);
  for (let k = 0; k < p.n; k++)
    for (let y = 1; y < p.h - 1; y++)
      for (let x = 1; x < p.w - 1; x++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s = r(s + r(p.data[k * hw + (y + dy) * p.w + x + dx] * (dx === 0 && dy === 0 ? wc : we)));
        o.data[k * hw + y * p.w + x] = isFloat(p) ? s : Math.min(255, Math.max(0, roundHalfEven(s)));
      }
  return o;
}
/** Blends with a smoothed image by sharpnessFactor (>= 0); images of 2 pixels or less in a side are returned as is. */
export function adjustSharpness(img: ImageLike, sharpnessFactor: number, ...rest: never[]): ImageLike {
  noExtraArgs('adjustSharpness', 'img, sharpnessFactor', rest);
  const p = colorPlanes(img, 'adjustSharpness');
  checkNumber('sharpnessFactor', sharpnessFactor, 0);
  if (p.w <= 2 || p.h <= 2) return fromPlanes(p);
  const deg = blurredDegenerate(p);
  blend32(p, sharpnessFactor, (k, px) => deg.data[k * p.h * p.w + px]);
  return fromPlanes(p);
}
/** torchvision's _get_gaussian_kernel1d in float32. */
function gaussianKernel1d(size: number, sigma: number): number[] {
  const f = Math.fround;
  const half = (size - 1) * 0.5;
  const xs = linspace32(-half, half, size);
  const pdf = xs.map((x) => f(Math.exp(f(-0.5 * f(f(x / f(sigma)) ** 2)))));
  const sum = pdf.reduce((a, b) => f(a + b), 0);
  return pdf.map((v) => f(v / sum));
}
/** Blurs with a Gaussian kernel kernelSize ([kx, ky], odd) and sigma ([sx, sy]; default 0.3 ((k - 1) / 2 - 1) + 0.8, as torchvision), reflect-padded. */
export function gaussianBlur(img: ImageLike, kernelSize: number | number[], sigma?: number | number[], ...rest: never[]): ImageLike {
  noExtraArgs('gaussianBlur', 'img, kernelSize, sigma', rest);
  const p = toPlanes(img);
  const ks = checkKernelSize(kernelSize);
  let sg: number[];
  if (sigma === undefined || sigma === null) sg = ks.map((k) => k * 0.15 + 0.35);
  else if (typeof sigma === 'number') sg = [sigma, sigma];
  else if (Array.isArray(sigma) && (sigma.length === 1 || sigma.length === 2)) sg = sigma.length === 1 ? [sigma[0], sigma[0]] : sigma.slice();
  else return typeArg('sigma', 'a number or [sx, sy]', sigma);
  sg.forEach((s, i) => {
    if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(s)) invalidArg(`sigma[${i}]`, 'a positive number', s);
  });
  if (p.lead.length === 0) shapeError('img', 'an image [..., C, H, W]', img);
  return fromPlanes(gaussianBlurPlanes(p, ks, sg));
}
/** kernelSize: an odd positive int or [kx, ky] of them. */
export function checkKernelSize(v: unknown): [number, number] {
  const a = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 1 ? [v[0], v[0]] : v;
  if (!Array.isArray(a) || a.length !== 2) typeArg('kernelSize', 'an odd positive integer or [kx, ky]', v);
  (a as unknown[]).forEach((k, i) => {
    checkInt(`kernelSize[${i}]`, k, 1);
    if ((k as number) % 2 === 0) invalidArg(`kernelSize[${i}]`, 'an odd positive integer', k);
  });
  return [(a as number[])[0], (a as number[])[1]];
}
export function gaussianBlurPlanes(p: Planes, [kx, ky]: number[], [sx, sy]: number[]): Planes {
  const r = r32Of(p);
  const kxs = gaussianKernel1d(kx, sx);
  const kys = gaussianKernel1d(ky, sy);
  const k2 = kys.map((a) => kxs.map((b) => r(a * b))); // the 1-d kernels in float32, .to(dtype), then torch.mm
  const padded = padPlanes(p, [kx >> 1, ky >> 1, kx >> 1, ky >> 1], 0, 'reflect');
  const o = alloc(p, p.h, p.w);
  const pw = padded.w;
  const phw = padded.h * pw;
  for (let k = 0; k < p.n; k++)
    for (let y = 0; y < p.h; y++)
      for (let x = 0; x < p.w; x++) {
        let s = 0;
        for (let i = 0; i < ky; i++) for (let j = 0; j < kx; j++) s = r(s + r(padded.data[k * phw + (y + i) * pw + x + j] * k2[i][j]));
        o.data[(k * p.h + y) * p.w + x] = isFloat(p) ? s : Math.min(255, Math.max(0, roundHalfEven(s)));
      }
  return o;
}
/** bound - img (255 - img for uint8, 1 - img for floats). */
export function invert(img: ImageLike, ...rest: never[]): ImageLike {
  noExtraArgs('invert', 'img', rest);
  const p = colorPlanes(img, 'invert');
  const b = bound(p);
  for (let i = 0; i < p.data.length; i++) p.data[i] = b - p.data[i];
  return fromPlanes(p);
}
function uint8Planes(img: unknown, fn: string): Planes {
  const p = colorPlanes(img, fn);
  if (p.dtype !== 'uint8') dtypeError('img', `a uint8 image (${fn} works on 8-bit pixels, as torchvision's)`, img);
  return p;
}
/** Keeps the top `bits` bits (0 to 8) of each uint8 value. */
export function posterize(img: ImageLike, bits: number, ...rest: never[]): ImageLike {
  noExtraArgs('posterize', 'img, bits', rest);
  const p = uint8Planes(img, 'posterize');
  checkInt('bits', bits, 0);
  if (bits > 8) invalidArg('bits', 'an integer in [0, 8]', bits);
  const mask = (0xff << (8 - bits)) & 0xff;
  for (let i = 0; i < p.data.length; i++) p.data[i] &= mask;
  return fromPlanes(p);
}
/** Inverts the values >= threshold (threshold at most the bound: 1 for floats, 255 for uint8). */
export function solarize(img: ImageLike, threshold: number, ...rest: never[]): ImageLike {
  noExtraArgs('solarize', 'img, threshold', rest);
  const p = colorPlanes(img, 'solarize');
  checkNumber('threshold', threshold);
  const b = bound(p);
  if (threshold > b) invalidArg('threshold', `a value at most the bound of the image (${b})`, threshold);
  for (let i = 0; i < p.data.length; i++) if (p.data[i] >= threshold) p.data[i] = b - p.data[i];
  return fromPlanes(p);
}
/** Stretches each channel of each image to the full range [0, bound] (a constant channel is kept). */
export function autocontrast(img: ImageLike, ...rest: never[]): ImageLike {
  noExtraArgs('autocontrast', 'img', rest);
  const p = colorPlanes(img, 'autocontrast');
  const r = r32Of(p);
  const b = bound(p);
  const hw = p.h * p.w;
  for (let k = 0; k < p.n; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = k * hw; i < (k + 1) * hw; i++) {
      lo = Math.min(lo, p.data[i]);
      hi = Math.max(hi, p.data[i]);
    }
    let scale = r(r(1 / r(hi - lo)) * b); // bound / t is t.reciprocal() * bound in torch
    if (!Number.isFinite(scale)) {
      lo = 0;
      scale = 1;
    }
    for (let i = k * hw; i < (k + 1) * hw; i++) p.data[i] = castBack(p, Math.min(b, Math.max(0, r(r(p.data[i] - lo) * scale))));
  }
  return fromPlanes(p);
}
/** Histogram equalization of each channel of a uint8 image (torchvision's lookup table). */
export function equalize(img: ImageLike, ...rest: never[]): ImageLike {
  noExtraArgs('equalize', 'img', rest);
  const p = uint8Planes(img, 'equalize');
  const hw = p.h * p.w;
  for (let k = 0; k < p.n; k++) {
    const hist = new Array<number>(256).fill(0);
    for (let i = k * hw; i < (k + 1) * hw; i++) hist[p.data[i]]++;
    const nonzero = hist.filter((v) => v !== 0);
    const step = Math.floor(nonzero.slice(0, -1).reduce((a, b) => a + b, 0) / 255);
    if (step === 0) continue;
    const lut = new Array<number>(256);
    let cum = 0;
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.min(255, Math.floor((cum + (step >> 1)) / step)); // cumsum shifted right by one, as torchvision's pad([1, 0])
      cum += hist[v];
    }
    for (let i = k * hw; i < (k + 1) * hw; i++) p.data[i] = lut[p.data[i]];
  }
  return fromPlanes(p);
}
/** Grayscale (0.2989 R + 0.587 G + 0.114 B) with numOutputChannels 1 or 3; an Image converts as PIL's convert('L'). */
export function rgbToGrayscale(img: ImageLike, numOutputChannels = 1, ...rest: never[]): ImageLike {
  noExtraArgs('rgbToGrayscale', 'img, numOutputChannels', rest);
  if (numOutputChannels !== 1 && numOutputChannels !== 3) invalidArg('numOutputChannels', '1 or 3', numOutputChannels);
  if (img instanceof Image) {
    if (img.mode !== 'RGB' && img.mode !== 'L') invalidArg('img', "an Image of mode 'L' or 'RGB'", img.mode);
    const l = img.convert('L');
    return numOutputChannels === 3 ? l.convert('RGB') : l;
  }
  const p = colorPlanes(img, 'rgbToGrayscale');
  const g = gray32(p);
  const hw = p.h * p.w;
  const lead = p.lead.slice();
  lead[lead.length - 1] = numOutputChannels;
  const o: Planes = { ...alloc({ ...p, n: (p.n / p.c) * numOutputChannels, c: numOutputChannels, lead }, p.h, p.w) };
  for (let m = 0; m < p.n / p.c; m++) for (let c = 0; c < numOutputChannels; c++) o.data.set(g.subarray(m * hw, (m + 1) * hw), (m * numOutputChannels + c) * hw);
  return fromPlanes(o);
}

// ---- tensors ------------------------------------------------------------------------------------------
/** (x - mean[c]) / std[c] per channel of a float tensor [..., C, H, W]; inplace writes into it. */
export function normalize(tensor: Tensor, mean: number | number[], std: number | number[], opts: { inplace?: boolean } = {}, ...rest: never[]): Tensor {
  noExtraArgs('normalize', 'tensor, mean, std, opts', rest);
  if (!(tensor instanceof Tensor)) return typeArg('tensor', 'a float tensor [..., C, H, W]', tensor);
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') dtypeError('tensor', 'a float tensor [..., C, H, W]', tensor);
  if (tensor.ndim < 3) shapeError('tensor', 'a tensor [..., C, H, W]', tensor);
  const list = (name: string, v: unknown) => {
    const a = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(a) || !a.length || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) typeArg(name, 'a number or an array of numbers (one per channel)', v);
    return a as number[];
  };
  const m = list('mean', mean);
  const s = list('std', std);
  if (s.some((x) => x === 0)) invalidArg('std', 'non-zero values (std evaluated to zero, leading to division by zero)', std);
  opts = checkOptionKeys('opts', opts, ['inplace']);
  if (opts.inplace !== undefined && typeof opts.inplace !== 'boolean') typeArg('inplace', 'a boolean', opts.inplace);
  const p = toPlanes(tensor, 'tensor');
  for (const [name, v] of [['mean', m], ['std', s]] as const) if (v.length !== 1 && v.length !== p.c) shapeError(name, `1 or ${p.c} values (the channels)`, v);
  const hw = p.h * p.w;
  for (let k = 0; k < p.n; k++) {
    const c = k % p.c;
    const mk = m[m.length === 1 ? 0 : c];
    const sk = s[s.length === 1 ? 0 : c];
    for (let i = k * hw; i < (k + 1) * hw; i++) p.data[i] = (p.data[i] - mk) / sk;
  }
  const out = fromPlanes(p) as Tensor;
  if (!opts.inplace) return out;
  tensor.copy_(out);
  return tensor;
}
/** An Image (or a uint8 tensor [H, W, C] / [H, W]) to a float tensor [C, H, W] of the default dtype, / 255. */
export function toTensor(pic: ImageLike, ...rest: never[]): Tensor {
  noExtraArgs('toTensor', 'pic', rest);
  let p: Planes;
  if (pic instanceof Image) p = toPlanes(pic);
  else if (pic instanceof Tensor) {
    if (pic.dtype !== 'uint8') dtypeError('pic', 'an Image or a uint8 tensor [H, W, C] or [H, W] (toTensor converts 8-bit pixels; this tensor is converted already)', pic);
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
/** Sets img[..., i:i+h, j:j+w] to v (a number, one number per channel, or a tensor [C, h, w] / [C, 1, 1] / [1]); inplace writes into img. */
export function erase(img: Tensor, i: number, j: number, h: number, w: number, v: number | number[] | Tensor, opts: { inplace?: boolean } = {}, ...rest: never[]): Tensor {
  noExtraArgs('erase', 'img, i, j, h, w, v, opts', rest);
  if (!(img instanceof Tensor)) return typeArg('img', 'a tensor [..., C, H, W]', img);
  if (img.ndim < 3) shapeError('img', 'a tensor [..., C, H, W]', img);
  const p = toPlanes(img);
  checkInt('i', i, 0);
  checkInt('j', j, 0);
  checkInt('h', h, 0);
  checkInt('w', w, 0);
  if (i + h > p.h || j + w > p.w) invalidArg('h', `a region inside the image (${p.h} x ${p.w})`, [i, j, h, w]);
  let val: (c: number, y: number, x: number) => number;
  if (typeof v === 'number' && !Number.isNaN(v)) val = () => v;
  else if (Array.isArray(v) && (v.length === 1 || v.length === p.c) && v.every((x) => typeof x === 'number')) val = (c) => v[v.length === 1 ? 0 : c];
  else if (v instanceof Tensor) {
    const a = Array.from(v.toArray() as ArrayLike<number>, Number);
    const s = v.shape;
    if (a.length === 1) val = () => a[0];
    else if (a.length === p.c && (s.length === 1 || s.length === 3)) val = (c) => a[c];
    else if (a.length === p.c * h * w && s.length === 3) val = (c, y, x) => a[(c * h + y) * w + x];
    else return shapeError('v', `a tensor of 1, ${p.c} or ${p.c} x ${h} x ${w} values`, v);
  } else return typeArg('v', 'a number, one number per channel, or a tensor', v);
  opts = checkOptionKeys('opts', opts, ['inplace']);
  if (opts.inplace !== undefined && typeof opts.inplace !== 'boolean') typeArg('inplace', 'a boolean', opts.inplace);
  for (let k = 0; k < p.n; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const q = val(k % p.c, y, x);
        p.data[(k * p.h + i + y) * p.w + j + x] = isFloat(p) ? q : Math.trunc(q) & 255;
      }
  const out = fromPlanes(p) as Tensor;
  if (!opts.inplace) return out;
  img.copy_(out);
  return img;
}

// ---- conversions and multi-crops ------------------------------------------------------------------------
/** The dtypes convertImageDtype handles. */
export const IMAGE_DTYPES = ['float32', 'float64', 'uint8', 'int32', 'int64'];
const MAX_OF: Record<string, number> = { uint8: 255, int32: 2147483647, int64: 9223372036854775807 };
/** torchvision's convert_image_dtype: floats in [0, 1], integers in [0, max of the dtype], rescaled. */
export function convertImageDtype(image: Tensor, dtype: DType = 'float32', ...rest: never[]): Tensor {
  noExtraArgs('convertImageDtype', 'image, dtype', rest);
  if (!(image instanceof Tensor)) return typeArg('image', 'a tensor image', image);
  if (!IMAGE_DTYPES.includes(image.dtype)) dtypeError('image', `a tensor of ${IMAGE_DTYPES.join(', ')}`, image);
  if (!IMAGE_DTYPES.includes(dtype as string)) invalidArg('dtype', IMAGE_DTYPES.map((d) => `'${d}'`).join(', '), dtype);
  if (image.dtype === dtype) return image;
  const fromF = image.dtype === 'float32' || image.dtype === 'float64';
  const toF = dtype === 'float32' || dtype === 'float64';
  const src = Array.from(image.toArray() as ArrayLike<number | bigint>, Number);
  let out: number[];
  if (fromF && toF) out = src;
  else if (fromF) {
    if ((image.dtype === 'float32' && (dtype === 'int32' || dtype === 'int64')) || (image.dtype === 'float64' && dtype === 'int64'))
      invalidArg('dtype', `a dtype that ${image.dtype} can be converted to safely (not ${dtype})`, dtype);
    const f = image.dtype === 'float32' ? Math.fround : (v: number) => v;
    const m = f(MAX_OF[dtype] + 1 - 1e-3);
    out = src.map((v) => Math.trunc(f(v * m)));
  } else if (toF) {
    const f = dtype === 'float32' ? Math.fround : (v: number) => v;
    out = src.map((v) => f(f(v) / MAX_OF[image.dtype]));
  } else {
    const inMax = MAX_OF[image.dtype];
    const outMax = MAX_OF[dtype];
    if (inMax > outMax) {
      const factor = Math.floor((inMax + 1) / (outMax + 1));
      out = src.map((v) => Math.floor(v / factor));
    } else {
      const factor = Math.floor((outMax + 1) / (inMax + 1));
      out = src.map((v) => v * factor);
    }
  }
  const arr =
    dtype === 'float32' ? Float32Array.from(out) : dtype === 'float64' ? Float64Array.from(out) : dtype === 'uint8' ? Uint8Array.from(out, (v) => v & 255)
      : dtype === 'int32' ? Int32Array.from(out) : BigInt64Array.from(out, (v) => BigInt(Math.trunc(v)));
  return fromBuffer(arr, image.shape, { dtype });
}
const MODES_BY_CHANNELS: Record<number, ImageMode> = { 1: 'L', 2: 'LA', 3: 'RGB', 4: 'RGBA' };
/**
 * A tensor [C, H, W] or [H, W] (C <= 4) to an Image (torchvision's to_pil_image): a float tensor is
 * scaled by 255 and cast to bytes (truncated), mode defaults to L / LA / RGB / RGBA by the channels;
 * an explicit mode must fit the channels (modes beyond these four are refused: Image holds 8-bit L, LA, RGB, RGBA).
 */
export function toPilImage(pic: Tensor, mode?: ImageMode | null, ...rest: never[]): Image {
  noExtraArgs('toPilImage', 'pic, mode', rest);
  if (!(pic instanceof Tensor)) return typeArg('pic', 'a tensor [C, H, W] or [H, W]', pic);
  if (pic.ndim !== 2 && pic.ndim !== 3) shapeError('pic', 'a tensor [C, H, W] or [H, W]', pic);
  const shape = pic.ndim === 2 ? [1, ...pic.shape] : pic.shape;
  const [c, h, w] = shape;
  if (c > 4 || c < 1) shapeError('pic', `a tensor of at most 4 channels (got ${c} channels)`, pic);
  const float = pic.dtype === 'float32' || pic.dtype === 'float64';
  if (!float && pic.dtype !== 'uint8') dtypeError('pic', 'a float or uint8 tensor (Image holds 8-bit pixels)', pic);
  if (mode !== undefined && mode !== null && mode !== MODES_BY_CHANNELS[c]) {
    const known = ['L', 'LA', 'RGB', 'RGBA', 'F', 'I', 'I;16', 'YCbCr', 'HSV', 'CMYK', 'RGBX', 'P', '1'];
    if (!known.includes(mode as string)) typeArg('mode', 'an image mode', mode);
    invalidArg('mode', `'${MODES_BY_CHANNELS[c]}' for ${c}-channel input (the only mode of Image for ${c} 8-bit channels)`, mode);
  }
  const src = pic.toArray() as ArrayLike<number>;
  const hw = h * w;
  const out = new Uint8Array(c * hw);
  for (let k = 0; k < c; k++)
    for (let i = 0; i < hw; i++) {
      const v = src[k * hw + i];
      out[i * c + k] = float ? Math.trunc(pic.dtype === 'float32' ? Math.fround(v * 255) : v * 255) & 255 : v;
    }
  return new Image(out, w, h, MODES_BY_CHANNELS[c]);
}
/** The four corner crops and the center crop of size (an int or [h, w]): [tl, tr, bl, br, center]. */
export function fiveCrop(img: ImageLike, size: number | number[], ...rest: never[]): ImageLike[] {
  noExtraArgs('fiveCrop', 'img, size', rest);
  const p = toPlanes(img);
  const [ch, cw] = sizePair('size', size);
  if (cw > p.w || ch > p.h) invalidArg('size', `a crop size no larger than the image (${p.h} x ${p.w})`, size);
  return [
    crop(img, 0, 0, ch, cw),
    crop(img, 0, p.w - cw, ch, cw),
    crop(img, p.h - ch, 0, ch, cw),
    crop(img, p.h - ch, p.w - cw, ch, cw),
    centerCrop(img, [ch, cw]),
  ];
}
/** fiveCrop of the image and of its flip (horizontal, or vertical with verticalFlip): 10 images. */
export function tenCrop(img: ImageLike, size: number | number[], verticalFlip = false, ...rest: never[]): ImageLike[] {
  noExtraArgs('tenCrop', 'img, size, verticalFlip', rest);
  if (typeof verticalFlip !== 'boolean') typeArg('verticalFlip', 'a boolean', verticalFlip);
  const first = fiveCrop(img, size);
  return [...first, ...fiveCrop(verticalFlip ? vflip(img) : hflip(img), size)];
}
/** An Image to a uint8 tensor [C, H, W] of its bytes (no scaling). */
export function pilToTensor(pic: Image, ...rest: never[]): Tensor {
  noExtraArgs('pilToTensor', 'pic', rest);
  if (!(pic instanceof Image)) return typeArg('pic', 'an Image', pic);
  const p = toPlanes(pic);
  return fromBuffer(p.data as Uint8Array, [p.c, p.h, p.w], { dtype: 'uint8' });
}
