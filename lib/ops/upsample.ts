// lib/ops/upsample.ts — F.interpolate(input, {size, scaleFactor, mode, alignCorners,
// recomputeScaleFactor, antialias}) with PyTorch 1.13's output sizes, source indices and weights:
// 'nearest' and 'nearest-exact' (source index floor((j + 0.5) * scale)) on 3-D, 4-D and 5-D inputs,
// 'linear' on 3-D, 'bilinear' and 'bicubic' (A = -0.75) on 4-D, 'trilinear' on 5-D; antialias (4-D
// 'bilinear' and 'bicubic' only, as PyTorch's _upsample_bilinear2d_aa / _upsample_bicubic2d_aa:
// triangle / Keys a = -0.5 filters whose support grows with the downscale factor, weights normalized
// per output pixel); the native upsample kernels (native/ops/upsample.h) forward and backward; 'area'
// on 3-D, 4-D and 5-D inputs is adaptive average pooling to the output size (PyTorch's definition).
import { native, enums } from '../binding';
import { invalidArg, typeArg, shapeError, checkOptionKeys, noExtraArgs, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record } from '../autograd';
import type { GradOp } from '../autograd';
import { adaptiveAvgPool2d } from './pool2d';
import { adaptiveAvgPool3d } from './pool3d';

export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area' | 'nearest-exact';
export interface InterpolateOptions {
  /** the output's spatial size: a number (every spatial dim) or one per spatial dim */
  size?: number | number[];
  /** the multiplier of each spatial size: a number or one per spatial dim (output size floor(in * s)) */
  scaleFactor?: number | number[];
  /** default 'nearest' */
  mode?: InterpolateMode;
  /** 'linear', 'bilinear', 'bicubic', 'trilinear' only: corner pixels' centres aligned (default false) */
  alignCorners?: boolean | null;
  /** with scaleFactor: compute the scale from the output size (true) or use the given one (default) */
  recomputeScaleFactor?: boolean | null;
  /** 'bilinear' and 'bicubic' on 4-D inputs only: low-pass filter when downscaling (default false) */
  antialias?: boolean;
}
const KEYS = ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor', 'antialias'];
const MODES: readonly InterpolateMode[] = ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'];
const NATIVE: Partial<Record<InterpolateMode, [keyof typeof enums.UpsampleMode, GradOp, number]>> = {
  nearest: ['Nearest', 'UpsampleNearestBackward', 0],
  'nearest-exact': ['NearestExact', 'UpsampleNearestExactBackward', 0],
  linear: ['Linear', 'UpsampleLinearBackward', 3],
  bilinear: ['Linear', 'UpsampleLinearBackward', 4],
  bicubic: ['Cubic', 'UpsampleBicubicBackward', 4],
  trilinear: ['Linear', 'UpsampleLinearBackward', 5],
};

function perDim(name: string, v: unknown, dims: number, check: (x: number) => boolean, what: string): number[] {
  const arr = typeof v === 'number' ? new Array<number>(dims).fill(v) : v;
  if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'number')) typeArg(name, `a number or an array of ${dims} numbers`, v);
  if (arr.length !== dims)
    invalidArg(name, `${dims} entries, one per spatial dim of the input (input [N, C, ...spatial])`, v);
  if (!(arr as number[]).every(check)) invalidArg(name, what, v);
  return arr as number[];
}

/** Resamples the spatial dims of a [N, C, W], [N, C, H, W] or [N, C, D, H, W] input (PyTorch's F.interpolate). */
export function interpolate(input: Tensor, opts?: InterpolateOptions, ...rest: never[]): Tensor {
  noExtraArgs('interpolate', 'input, opts', rest);
  const o = checkOptionKeys('opts', opts, KEYS);
  checkTensor('input', input);
  const mode = o.mode ?? 'nearest';
  if (!MODES.includes(mode)) invalidArg('opts.mode', `one of ${MODES.map((m) => `'${m}'`).join(', ')}`, mode);
  if (o.alignCorners != null && typeof o.alignCorners !== 'boolean') typeArg('opts.alignCorners', 'a boolean or null', o.alignCorners);
  if (o.recomputeScaleFactor != null && typeof o.recomputeScaleFactor !== 'boolean')
    typeArg('opts.recomputeScaleFactor', 'a boolean or null', o.recomputeScaleFactor);
  if (o.antialias !== undefined && typeof o.antialias !== 'boolean') typeArg('opts.antialias', 'a boolean', o.antialias);
  const nat = NATIVE[mode];
  const area = mode === 'area';
  const interpolating = mode !== 'nearest' && mode !== 'nearest-exact' && !area;
  if (!interpolating && o.alignCorners != null)
    invalidArg('opts.alignCorners', "no value: it can only be set with the interpolating modes (linear, bilinear, bicubic, trilinear)", o.alignCorners);
  const align = optBool('opts.alignCorners', o.alignCorners ?? undefined, false);
  const nd = input.ndim;
  if (nd !== 3 && nd !== 4 && nd !== 5) shapeError('input', 'a 3-D [N, C, W], 4-D [N, C, H, W] or 5-D [N, C, D, H, W] tensor', input);
  const needs = nat ? nat[2] : 0;
  if (needs && nd !== needs) shapeError('input', `a ${needs}-D input for mode '${mode}'`, input);
  const antialias = o.antialias ?? false;
  if (antialias && mode !== 'bilinear' && mode !== 'bicubic')
    invalidArg('opts.antialias', "false: antialias is only supported for the 'bilinear' and 'bicubic' modes (4-D inputs), as in PyTorch", true);
  if (!isFloating(input.dtype)) typeArg('input', 'a floating-point tensor', input);
  const dims = nd - 2;
  const inSp = input.shape.slice(2);
  if (inSp.some((s) => s < 1)) shapeError('input', 'non-empty spatial dims', input);
  if ((o.size == null) === (o.scaleFactor == null))
    invalidArg('opts', 'exactly one of size and scaleFactor', o.size == null ? 'neither' : 'both');
  let outSp: number[];
  let scales: number[] = [0, 0, 0];
  if (o.size != null) {
    if (o.recomputeScaleFactor) invalidArg('opts.recomputeScaleFactor', 'no value with an explicit size (it is not meaningful there)', true);
    outSp = perDim('opts.size', o.size, dims, (x) => Number.isInteger(x) && x >= 1, 'integers >= 1');
  } else {
    const sf = perDim('opts.scaleFactor', o.scaleFactor, dims, (x) => Number.isFinite(x) && x > 0, 'finite numbers > 0');
    outSp = inSp.map((s, i) => Math.floor(s * sf[i]));
    if (outSp.some((s) => s < 1))
      invalidArg('opts.scaleFactor', `factors giving output sizes >= 1 (input ${inSp.join('x')} gives ${outSp.join('x')})`, o.scaleFactor);
    if (!o.recomputeScaleFactor) scales = [...new Array<number>(3 - dims).fill(0), ...sf];
  }
  // 'area' is adaptive average pooling to the output size, as in PyTorch
  if (area) {
    if (dims === 3) return adaptiveAvgPool3d(input, outSp);
    return dims === 1 ? adaptiveAvgPool2d(input.unsqueeze(2), [1, outSp[0]]).squeeze(2) : adaptiveAvgPool2d(input, outSp);
  }
  const [opName, gradOp] = nat!;
  const ones = new Array<number>(3 - dims).fill(1);
  const [inD, inH, inW] = [...ones, ...inSp];
  const [outD, outH, outW] = [...ones, ...outSp];
  const params = {
    mode: enums.UpsampleMode[opName], planes: input.shape[0] * input.shape[1], inD, inH, inW, outD, outH, outW,
    alignCorners: interpolating && align, antialias, scaleD: scales[0], scaleH: scales[1], scaleW: scales[2],
  };
  const x = input.contiguous();
  const out = Tensor.empty([input.shape[0], input.shape[1], ...outSp], input.dtype, input.device);
  native.upsample(x.arg(), out.arg(), params);
  if (x !== input) x.dispose();
  return record(out, [input], gradOp, (g) => {
    const gc = g.contiguous();
    const gi = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.upsampleBackward(gc.arg(), gi.arg(), params);
    if (gc !== g) gc.dispose();
    return [gi];
  });
}
