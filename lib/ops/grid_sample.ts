// lib/ops/grid_sample.ts — F.gridSample(input, grid, {mode='bilinear', paddingMode='zeros',
// alignCorners=false}) and F.affineGrid(theta, size, {alignCorners=false}), PyTorch 1.13's.
// gridSample samples a 4-D input [N, C, H, W] at grid [N, Ho, Wo, 2] (x, y normalised to [-1, 1];
// beyond it the padding mode decides) into [N, C, Ho, Wo], or a 5-D input [N, C, D, H, W] at grid
// [N, Do, Ho, Wo, 3] (x, y, z) into [N, C, Do, Ho, Wo] ('bilinear' is then trilinear; 'bicubic' is 4-D
// only, as PyTorch's), with gradients for input and grid, through the native grid_sample kernels
// (native/ops/grid_sample.h: PyTorch's unnormalisation, reflection and clipping; the CPU input gradient
// is deterministic, CUDA's adds with atomics). affineGrid makes the sampling grid
// of a batch of affine maps: theta [N, 2, 3] with size [N, C, H, W] gives [N, H, W, 2], theta [N, 3, 4]
// with size [N, C, D, H, W] gives [N, D, H, W, 3]; composed of a constant base grid and a batched
// matmul, so theta gets its gradient from the matmul's.
import { native, enums } from '../binding';
import { checkOptionKeys, dtypeError, invalidArg, noExtraArgs, shapeError, typeArg, deviceMismatch } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record } from '../autograd';
import type { GradOp } from '../autograd';
import { matmul } from './matmul';
import { fromBuffer } from '../creation';
import type { GridSampleParams } from '../../binding';

export type GridSampleMode = 'bilinear' | 'nearest' | 'bicubic';
export type GridSamplePaddingMode = 'zeros' | 'border' | 'reflection';
export interface GridSampleOptions {
  /** how a sampling point reads the input (default 'bilinear') */
  mode?: GridSampleMode;
  /** what points outside the input read (default 'zeros') */
  paddingMode?: GridSamplePaddingMode;
  /** -1 and 1 are the centres of the corner pixels (true) or their outer edges (default false; null: the default) */
  alignCorners?: boolean | null;
}
export interface AffineGridOptions {
  /** as gridSample's (default false; null: the default) */
  alignCorners?: boolean | null;
}
const MODES: Record<GridSampleMode, keyof typeof enums.GridSampleMode> = { bilinear: 'Bilinear', nearest: 'Nearest', bicubic: 'Bicubic' };
const PADDINGS: Record<GridSamplePaddingMode, keyof typeof enums.GridSamplePadding> = {
  zeros: 'Zeros', border: 'Border', reflection: 'Reflection',
};
// PyTorch's grad_fn names (in lib/autograd.ts's GRAD_OPS; first-order only)
const GRID_SAMPLER_2D_BACKWARD: GradOp = 'GridSampler2DBackward';
const GRID_SAMPLER_3D_BACKWARD: GradOp = 'GridSampler3DBackward';

function alignOpt(v: unknown): boolean {
  if (v != null && typeof v !== 'boolean') typeArg('opts.alignCorners', 'a boolean or null', v);
  return v === true;
}

/**
 * Samples input [N, C, H, W] at grid [N, Ho, Wo, 2] (normalised x, y): [N, C, Ho, Wo], or input
 * [N, C, D, H, W] at grid [N, Do, Ho, Wo, 3] (x, y, z): [N, C, Do, Ho, Wo] (PyTorch's F.grid_sample).
 */
export function gridSample(input: Tensor, grid: Tensor, opts?: GridSampleOptions, ...rest: never[]): Tensor {
  noExtraArgs('gridSample', 'input, grid, opts', rest);
  checkTensor('input', input);
  checkTensor('grid', grid);
  const o = checkOptionKeys('opts', opts, ['mode', 'paddingMode', 'alignCorners']);
  const mode = o.mode ?? 'bilinear';
  if (!Object.hasOwn(MODES, mode)) invalidArg('opts.mode', "one of 'bilinear', 'nearest', 'bicubic'", mode);
  const padding = o.paddingMode ?? 'zeros';
  if (!Object.hasOwn(PADDINGS, padding)) invalidArg('opts.paddingMode', "one of 'zeros', 'border', 'reflection'", padding);
  const align = alignOpt(o.alignCorners);
  if (input.ndim !== 4 && input.ndim !== 5) shapeError('input', 'a 4-D [N, C, H, W] or 5-D [N, C, D, H, W] tensor', input);
  if (grid.ndim !== input.ndim) shapeError('grid', `a ${input.ndim}-D tensor, as input (${input.ndim === 4 ? '[N, Ho, Wo, 2]' : '[N, Do, Ho, Wo, 3]'})`, grid);
  if (!isFloating(input.dtype)) dtypeError('input', 'a float32 or float64 tensor', input);
  if (grid.dtype !== input.dtype) dtypeError('grid', `a ${input.dtype} tensor (the dtype of input)`, grid);
  if (grid.device !== input.device) deviceMismatch('grid', `a tensor on ${input.device} (the device of input)`, grid.device);
  if (grid.shape[0] !== input.shape[0]) shapeError('grid', `a tensor of batch size ${input.shape[0]} (input's)`, grid);
  const sd = input.ndim - 2;
  if (grid.shape[input.ndim - 1] !== sd) shapeError('grid', `a tensor of size ${sd} in its last dimension`, grid);
  if (input.shape.slice(2).some((s) => s === 0)) shapeError('input', 'non-empty spatial dimensions', input);
  const vol = input.ndim === 5;
  if (vol && mode === 'bicubic') invalidArg('opts.mode', "'bilinear' or 'nearest' for a 5-D input ('bicubic' is 4-D only, as PyTorch's)", mode);
  const [N, C, D, H, W] = vol ? input.shape : [input.shape[0], input.shape[1], 1, input.shape[2], input.shape[3]];
  const [Do, Ho, Wo] = vol ? grid.shape.slice(1, 4) : [1, grid.shape[1], grid.shape[2]];
  const p: GridSampleParams = {
    mode: enums.GridSampleMode[MODES[mode]], padding: enums.GridSamplePadding[PADDINGS[padding]], alignCorners: align,
    N, C, inH: H, inW: W, outH: Ho, outW: Wo, volumetric: vol, inD: D, outD: Do,
  };
  const x = input.contiguous();
  const gc = grid.contiguous();
  const out = Tensor.empty(vol ? [N, C, Do, Ho, Wo] : [N, C, Ho, Wo], input.dtype, input.device);
  native.gridSample(x.arg(), gc.arg(), out.arg(), p);
  if (x !== input) x.dispose();
  if (gc !== grid) gc.dispose();
  return record(out, [input, grid], vol ? GRID_SAMPLER_3D_BACKWARD : GRID_SAMPLER_2D_BACKWARD, (g) => {
    const go = g.contiguous();
    const xi = input.contiguous();
    const gr = grid.contiguous();
    const gi = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    const gg = Tensor.empty(grid.shape.slice(), grid.dtype, grid.device);
    native.gridSampleBackward(go.arg(), xi.arg(), gr.arg(), gi.arg(), gg.arg(), p);
    if (go !== g) go.dispose();
    if (xi !== input) xi.dispose();
    if (gr !== grid) gr.dispose();
    const res: (Tensor | null)[] = [input.requiresGrad ? gi : null, grid.requiresGrad ? gg : null];
    if (!input.requiresGrad) gi.dispose();
    if (!grid.requiresGrad) gg.dispose();
    return res;
  }, [input, grid]);
}

/** PyTorch's linspace_from_neg_one: n points over [-1, 1] (scaled by (n - 1) / n without alignCorners), in dtype's rounding. */
function linspaceFromNegOne(n: number, align: boolean, f32: boolean): number[] {
  if (n <= 1) return [0];
  const r = f32 ? Math.fround : (v: number) => v;
  const step = r(2 / (n - 1));
  const half = Math.floor(n / 2);
  return Array.from({ length: n }, (_, i) => {
    const v = i < half ? r(-1 + r(step * i)) : r(1 - r(step * (n - i - 1)));
    return align ? v : r(r(v * (n - 1)) / n);
  });
}

/**
 * The sampling grid of affine maps theta: [N, 2, 3] with size [N, C, H, W] -> [N, H, W, 2], or
 * [N, 3, 4] with size [N, C, D, H, W] -> [N, D, H, W, 3] (PyTorch's F.affine_grid).
 */
export function affineGrid(theta: Tensor, size: number[], opts?: AffineGridOptions, ...rest: never[]): Tensor {
  noExtraArgs('affineGrid', 'theta, size, opts', rest);
  checkTensor('theta', theta);
  const o = checkOptionKeys('opts', opts, ['alignCorners']);
  const align = alignOpt(o.alignCorners);
  if (!Array.isArray(size) || !size.every((s) => typeof s === 'number' && Number.isInteger(s)))
    typeArg('size', 'an array of integers [N, C, H, W] or [N, C, D, H, W]', size);
  if (size.length !== 4 && size.length !== 5)
    invalidArg('size', 'a 4-D size [N, C, H, W] (2-D affine maps) or a 5-D size [N, C, D, H, W] (3-D affine maps)', size);
  if (size.some((s) => s <= 0)) invalidArg('size', 'positive sizes', size);
  if (!isFloating(theta.dtype)) dtypeError('theta', 'a float32 or float64 tensor', theta);
  const sd = size.length - 2;
  const N = size[0];
  if (theta.ndim !== 3 || theta.shape[0] !== N || theta.shape[1] !== sd || theta.shape[2] !== sd + 1)
    shapeError('theta', `a batch of ${sd}-D affine matrices [${N}, ${sd}, ${sd + 1}] for size [${size.join(', ')}]`, theta);
  const sp = size.slice(2); // [H, W] or [D, H, W]
  const f32 = theta.dtype === 'float32';
  // base grid [1, prod(sp), sd + 1] of (x, y[, z], 1), x along the last dim
  const axes = sp.map((n) => linspaceFromNegOne(n, align, f32)).reverse(); // x, y[, z]
  const P = sp.reduce((a, b) => a * b, 1);
  const base = new Float64Array(P * (sd + 1));
  for (let q = 0; q < P; q++) {
    let rem = q;
    for (let k = 0; k < sd; k++) {
      const n = sp[sd - 1 - k];
      base[q * (sd + 1) + k] = axes[k][rem % n];
      rem = Math.floor(rem / n);
    }
    base[q * (sd + 1) + sd] = 1;
  }
  const b = fromBuffer(f32 ? Float32Array.from(base) : base, [1, P, sd + 1], { device: theta.device });
  const out = matmul(b, theta.transpose(1, 2));
  if (!out.requiresGrad) b.dispose(); // else the matmul's node keeps it for the backward
  return out.view([N, ...sp, sd]);
}
