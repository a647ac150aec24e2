// lib/data/pixels.ts — the pixel kernels and argument checks shared by torch.data.transforms
// (lib/data/transforms.ts, transforms_more.ts, transforms_functional.ts, augment.ts): an image (an
// Image or a tensor [..., C, H, W]) is unpacked to planar Planes, worked on in JavaScript typed arrays
// and packed back to the kind it came as. Formulas follow torchvision 0.14's tensor code paths.
// Internal: nothing here is public API.
import { checkInt, invalidArg, typeArg, dtypeError, shapeError } from '../errors';
import { Tensor, DType } from '../tensor';
import { fromBuffer } from '../creation';
import { uniform, uniforms } from '../random';
import { Image, ImageMode } from './image';
import type { ImageLike } from './transform_base';

/** Planes: `n` planes (leading dims x channels) of h x w values, planar (CHW) order. */
export interface Planes {
  data: Float32Array | Float64Array | Uint8Array;
  lead: number[]; // the shape before [H, W] ([] for an [H, W] tensor)
  c: number; // channels (the last of lead, 1 if none)
  n: number; // planes
  h: number;
  w: number;
  dtype: DType;
  image?: ImageMode; // set when it came from an Image
}

export const FLOAT_OR_BYTE = ['float32', 'float64', 'uint8'];

export function toPlanes(img: unknown, name = 'img'): Planes {
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
export function fromPlanes(p: Planes): ImageLike {
  if (p.image) {
    const { c, h, w } = p;
    const out = new Uint8Array(c * h * w);
    for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[i * c + k] = p.data[k * h * w + i];
    return new Image(out, w, h, p.image);
  }
  return fromBuffer(p.data, [...p.lead, p.h, p.w], { dtype: p.dtype });
}
export function alloc(p: Planes, h: number, w: number): Planes {
  const C = p.data.constructor as new (n: number) => Planes['data'];
  return { ...p, data: new C(p.n * h * w), h, w };
}
export function isFloat(p: Planes): boolean {
  return p.dtype !== 'uint8';
}
/** Python's round(): half to even (torch.round too). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
export function store(p: Planes, v: number): number {
  return isFloat(p) ? v : Math.min(255, Math.max(0, roundHalfEven(v)));
}

// ---- geometric kernels ------------------------------------------------------------------------------
/** Crops rows [top, top + h) and columns [left, left + w); outside the image is 0 (as torchvision's crop). */
export function crop(p: Planes, top: number, left: number, h: number, w: number): Planes {
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
export function padIndex(i: number, n: number, mode: PaddingMode): number {
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
export function pad(p: Planes, [l, t, r, b]: number[], fill: number | number[], mode: PaddingMode): Planes {
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
export function flip(p: Planes, horizontal: boolean): Planes {
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
export function resize(p: Planes, h: number, w: number, mode: Interpolation): Planes {
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
export function sizePair(name: string, v: unknown): [number, number] {
  if (typeof v === 'number') return [checkInt(name, v, 1), v];
  if (Array.isArray(v) && v.length === 1) return [checkInt(`${name}[0]`, v[0], 1), v[0]];
  if (!Array.isArray(v) || v.length !== 2) typeArg(name, 'an integer or [h, w]', v);
  return [checkInt(`${name}[0]`, (v as number[])[0], 1), checkInt(`${name}[1]`, (v as number[])[1], 1)];
}
/** Padding: an int, [left/right, top/bottom] or [left, top, right, bottom] -> [l, t, r, b]. */
export function paddingLtrb(name: string, v: unknown): number[] {
  const arr = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(arr) || ![1, 2, 4].includes(arr.length)) typeArg(name, 'an integer, [left/right, top/bottom] or [left, top, right, bottom]', v);
  (arr as unknown[]).forEach((x, i) => checkInt(`${name}[${i}]`, x, 0));
  const a = arr as number[];
  return a.length === 1 ? [a[0], a[0], a[0], a[0]] : a.length === 2 ? [a[0], a[1], a[0], a[1]] : a.slice();
}
export function checkFill(name: string, v: unknown): number | number[] {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
  return typeArg(name, 'a number or an array of numbers (one per channel)', v);
}
export function checkMode(v: unknown): PaddingMode {
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(v as string)) invalidArg('paddingMode', "'constant', 'edge', 'reflect' or 'symmetric'", v);
  return v as PaddingMode;
}
export function checkInterp(v: unknown): Interpolation {
  if (v !== 'bilinear' && v !== 'nearest') invalidArg('interpolation', "'bilinear' or 'nearest' (the modes implemented)", v);
  return v as Interpolation;
}
export function checkP(v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) typeArg('p', 'a probability in [0, 1]', v);
  return v as number;
}
/** A [min, max] range of numbers, or a number v meaning [center - v, center + v] (clipped at `floor`). */
export function range(name: string, v: unknown, center: number, floor: number | null, bounds?: [number, number]): [number, number] | null {
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
export function between(lo: number, hi: number): number {
  return lo + (hi - lo) * uniform();
}

/** The output size of Resize for an h x w image (torchvision's _compute_resized_output_size). */
export function resizedSize(h: number, w: number, size: number | number[], maxSize?: number): [number, number] {
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

export function centerCrop(p: Planes, [th, tw]: [number, number]): Planes {
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

/** torchvision's _blend: ratio * img + (1 - ratio) * other, clamped to [0, bound], cast (truncated) back to uint8. */
export function blend(p: Planes, ratio: number, other: (img: number, px: number) => number): void {
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
export function grayPlanes(p: Planes): Float64Array {
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
export function planeGrayMeans(p: Planes): number[] {
  const hw = p.h * p.w;
  const g = grayPlanes(p);
  return Array.from({ length: p.n / p.c }, (_, m) => {
    let s = 0;
    for (let i = 0; i < hw; i++) s += g[m * hw + i];
    return s / hw;
  });
}
/** torchvision's adjust_hue: RGB -> HSV, h = (h + factor) mod 1, back to RGB (uint8 via [0, 1] and truncation). */
export function adjustHue(p: Planes, factor: number): void {
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

/** Standard normal draws (Box-Muller over the generator's uniforms). */
export function normals(n: number): Float64Array {
  const u = uniforms(2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - u[2 * i])) * Math.cos(2 * Math.PI * u[2 * i + 1]);
  return out;
}

