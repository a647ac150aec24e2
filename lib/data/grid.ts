// lib/data/grid.ts — torchvision.utils.make_grid and save_image (torchvision 0.14), as
// torch.data.utils.makeGrid / saveImage.
//
// Contract:
//   makeGrid(tensor | tensor[], {nrow = 8, padding = 2, normalize = false, valueRange, scaleEach =
//   false, padValue = 0}) takes a batch [B, C, H, W] (or a list of [C, H, W] images, stacked; an
//   image [C, H, W] or [H, W] is a batch of one). One-channel images become three channels. With
//   normalize each value is clamped to valueRange ([min, max]; default the tensor's own min and
//   max, per image with scaleEach) and mapped to [0, 1] ((x - lo) / max(hi - lo, 1e-5)). A batch of
//   one is returned as that image [C, H, W] (torchvision does the same: no padding). Otherwise the
//   result is [C, ymaps * (H + padding) + padding, xmaps * (W + padding) + padding] with xmaps =
//   min(nrow, B), ymaps = ceil(B / xmaps), image k at row k / xmaps, column k % xmaps, everything
//   else padValue. It is built from differentiable ops (pad, cat, reshape, permute), so gradients
//   flow to the input as through torchvision's copy_.
//   saveImage(tensor | tensor[], file, {same options}) writes makeGrid's result as a PNG (8-bit;
//   RGB for 3 channels, RGBA for 4, LA for 2) with torchvision's conversion
//   trunc(clamp(x * 255 + 0.5, 0, 255)); the file is written atomically. Only .png files are
//   written (another extension is ERR_TORCHLET_INVALID_ARG).
//   Bad arguments: coded errors naming them; unknown option keys are refused.
import * as path from 'path';
import { typeArg, invalidArg, shapeError, checkInt, checkNumber, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, isFloating } from '../tensor';
import { full } from '../creation';
import { noGrad } from '../autograd';
import { cat, stack } from '../ops/shape';
import { pad } from '../ops/pad';
import { clamp } from '../ops/elementwise';
import { encodePng } from './png_encode';
import { writeFileAtomic } from './vision';
import type { ImageMode } from './image';

export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Padding in pixels around each image (default 2). */
  padding?: number;
  /** Shift the values to [0, 1] (default false). */
  normalize?: boolean;
  /** [min, max] used to normalize (default: the tensor's min and max). */
  valueRange?: [number, number] | null;
  /** Normalize each image on its own (default false). */
  scaleEach?: boolean;
  /** Value of the padding (default 0). */
  padValue?: number;
}
const GRID_KEYS = ['nrow', 'padding', 'normalize', 'valueRange', 'scaleEach', 'padValue'];

function normIp(t: Tensor, lo: number, hi: number): Tensor {
  return clamp(t, lo, hi).sub(lo).div(Math.max(hi - lo, 1e-5));
}
function normRange(t: Tensor, range: [number, number] | null): Tensor {
  if (range) return normIp(t, range[0], range[1]);
  const [lo, hi] = noGrad(() => [t.min().item(), t.max().item()]);
  return normIp(t, lo as number, hi as number);
}

function checkGridOptions(opts: unknown): Required<Omit<MakeGridOptions, 'valueRange'>> & { valueRange: [number, number] | null } {
  if (opts === undefined) opts = {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) typeArg('opts', 'an options object', opts);
  const o = checkOptionKeys('opts', opts as MakeGridOptions, GRID_KEYS);
  const nrow = o.nrow === undefined ? 8 : checkInt('opts.nrow', o.nrow, 1);
  const padding = o.padding === undefined ? 2 : checkInt('opts.padding', o.padding, 0);
  for (const k of ['normalize', 'scaleEach'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', o[k]);
  const padValue = o.padValue === undefined ? 0 : checkNumber('opts.padValue', o.padValue);
  let valueRange: [number, number] | null = null;
  if (o.valueRange !== undefined && o.valueRange !== null) {
    const r = o.valueRange as unknown;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && !Number.isNaN(v)))
      typeArg('opts.valueRange', 'a tuple [min, max] of numbers', r);
    valueRange = [r[0], r[1]];
  }
  return { nrow, padding, normalize: o.normalize ?? false, scaleEach: o.scaleEach ?? false, padValue, valueRange };
}

/** torchvision.utils.make_grid (see the contract above). */
export function makeGrid(tensor: Tensor | Tensor[], opts: MakeGridOptions = {}, ...rest: never[]): Tensor {
  noExtraArgs('makeGrid', 'tensor, opts', rest);
  const o = checkGridOptions(opts);
  let t: Tensor;
  if (Array.isArray(tensor)) {
    if (!tensor.length) invalidArg('tensor', 'a non-empty list of images', tensor);
    tensor.forEach((x, i) => {
      if (!(x instanceof Tensor)) typeArg(`tensor[${i}]`, 'a Tensor', x);
      if (x.shape.join() !== tensor[0]!.shape.join()) shapeError(`tensor[${i}]`, `an image of the same shape as tensor[0] [${tensor[0]!.shape.join(', ')}]`, x);
    });
    t = stack(tensor, 0);
  } else {
    if (!(tensor instanceof Tensor)) typeArg('tensor', 'a Tensor or a list of Tensors', tensor);
    t = tensor;
  }
  if (!isFloating(t.dtype)) typeArg('tensor', 'a floating-point tensor', t.dtype);
  if (t.ndim === 2) t = t.unsqueeze(0);
  if (t.ndim === 3) {
    if (t.shape[0] === 1) t = cat([t, t, t], 0);
    t = t.unsqueeze(0);
  }
  if (t.ndim !== 4) shapeError('tensor', 'an image [H, W] or [C, H, W] or a batch [B, C, H, W]', t);
  if (t.shape[1] === 1) t = cat([t, t, t], 1);
  const [B, C, H, W] = t.shape as [number, number, number, number];
  if (B === 0) invalidArg('tensor', 'at least one image', t);
  if (o.normalize) {
    if (o.scaleEach) t = stack(Array.from({ length: B }, (_, k) => normRange(t.index(k), o.valueRange)), 0);
    else t = normRange(t, o.valueRange);
  }
  if (B === 1) return t.squeeze(0);
  const p = o.padding;
  const xmaps = Math.min(o.nrow, B);
  const ymaps = Math.ceil(B / xmaps);
  let tiles = pad(t, [p, 0, p, 0], { value: o.padValue }); // [B, C, H + p, W + p], the image at (p, p)
  const missing = xmaps * ymaps - B;
  if (missing) tiles = cat([tiles, full([missing, C, H + p, W + p], o.padValue, { dtype: t.dtype, device: t.device })], 0);
  const grid = tiles
    .reshape([ymaps, xmaps, C, H + p, W + p])
    .permute([2, 0, 3, 1, 4])
    .reshape([C, ymaps * (H + p), xmaps * (W + p)]);
  return p ? pad(grid, [0, p, 0, p], { value: o.padValue }) : grid;
}

const MODES: Record<number, ImageMode> = { 1: 'L', 2: 'LA', 3: 'RGB', 4: 'RGBA' };

/** The 8-bit HWC pixels torchvision's save_image writes for a grid [C, H, W]. */
export function gridToPixels(grid: Tensor): { data: Uint8Array; width: number; height: number; mode: ImageMode } {
  if (!(grid instanceof Tensor)) typeArg('grid', 'a Tensor', grid);
  if (grid.ndim !== 3 || !MODES[grid.shape[0]!]) shapeError('grid', 'an image [C, H, W] with 1 to 4 channels', grid);
  const [C, H, W] = grid.shape as [number, number, number];
  const src = noGrad(() => grid.detach().to('cpu').permute([1, 2, 0]).contiguous().toArray()) as Float32Array | Float64Array;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! * 255 + 0.5;
    data[i] = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0; // NaN -> 0
  }
  return { data, width: W, height: H, mode: MODES[C]! };
}

/** torchvision.utils.save_image: makeGrid(tensor, opts) written as a PNG file (see the contract above). */
export function saveImage(tensor: Tensor | Tensor[], file: string, opts: MakeGridOptions = {}, ...rest: never[]): void {
  noExtraArgs('saveImage', 'tensor, file, opts', rest);
  if (typeof file !== 'string' || !file) typeArg('file', 'a file path', file);
  if (path.extname(file).toLowerCase() !== '.png') invalidArg('file', 'a .png path (saveImage writes PNG only)', file);
  const grid = noGrad(() => makeGrid(Array.isArray(tensor) ? tensor.map((x) => (x instanceof Tensor ? x.detach() : x)) : tensor instanceof Tensor ? tensor.detach() : tensor, opts));
  writeFileAtomic(path.resolve(file), encodePng(gridToPixels(grid)));
}
