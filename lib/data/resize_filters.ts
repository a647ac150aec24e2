// lib/data/resize_filters.ts — the resampling of the resize transforms (transforms.Resize,
// RandomResizedCrop, functional.resize / resizedCrop) with torchvision 0.14's tensor semantics
// (F_t.resize): 'nearest' and 'bilinear' without antialias by pixels.ts's JavaScript kernels;
// 'bicubic', and antialiased 'bilinear' / 'bicubic', through F.interpolate (alignCorners false) in
// float32 (uint8 and float32 images: torchvision casts uint8 to float32) or float64; uint8 results are
// clamped to [0, 255] and rounded half to even (torchvision's clamp for bicubic and _cast_squeeze_out).
// antialias is refused with 'nearest', as torchvision refuses it. Internal: nothing here is public API.
import { invalidArg, typeArg } from '../errors';
import { fromBuffer } from '../creation';
import { interpolate } from '../ops/upsample';
import { Planes, Interpolation, alloc, store, resize, checkInterp } from './pixels';

/** The interpolations of the resize transforms: the other transforms' plus 'bicubic'. */
export type ResizeInterpolation = Interpolation | 'bicubic';

export function checkResizeInterp(v: unknown): ResizeInterpolation {
  return v === 'bicubic' ? 'bicubic' : checkInterp(v);
}
/** The antialias option (undefined or null: false, torchvision 0.14's tensor default). */
export function checkAntialias(v: unknown, mode: ResizeInterpolation): boolean {
  if (v == null) return false;
  if (typeof v !== 'boolean') typeArg('antialias', 'a boolean', v);
  if (v && mode === 'nearest') invalidArg('antialias', "false with interpolation 'nearest' (antialias applies to 'bilinear' and 'bicubic' only, as in torchvision)", v);
  return v as boolean;
}
/** Resamples every plane to h x w. */
export function resizeFiltered(p: Planes, h: number, w: number, mode: ResizeInterpolation, antialias: boolean): Planes {
  if (mode !== 'bicubic' && !antialias) return resize(p, h, w, mode);
  const dtype = p.dtype === 'float64' ? 'float64' : 'float32';
  const src = p.data instanceof Uint8Array ? Float32Array.from(p.data) : p.data;
  const x = fromBuffer(src, [1, p.n, p.h, p.w], { dtype });
  const y = interpolate(x, { size: [h, w], mode: mode === 'nearest' ? 'bilinear' : mode, alignCorners: false, antialias });
  const vals = y.toArray() as Float32Array | Float64Array;
  x.dispose();
  y.dispose();
  const o = alloc(p, h, w);
  for (let i = 0; i < vals.length; i++) o.data[i] = store(p, vals[i]);
  return o;
}
