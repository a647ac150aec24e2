// lib/ops/pool3d.ts — 3-D pooling over [N, C, D, H, W] or [C, D, H, W], as torch.nn.functional's
// max_pool3d (kernel, stride, padding, dilation, ceilMode; indices = flat d*H*W + h*W + w in the input
// volume), avg_pool3d (ceilMode, countIncludePad, divisorOverride), adaptive_avg_pool3d and
// adaptive_max_pool3d, on the native kernels of native/ops/pool3d.h (CPU and CUDA), with gradients
// and double backward (the gradient is linear in the output gradient: its adjoint is recorded).
// Output sizes follow PyTorch, including ceil mode's rule that the last window may not start in
// the right padding.
import { native } from '../binding';
import type { TensorArg, Pool3dParams, AvgPool3dParams, Plane3dParams } from '../../binding';
import { invalidArg, checkTuple, checkInt, typeArg, dtypeError, shapeError, checkOptionKeys, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, linearGrad, GradOp } from '../autograd';
import { gather } from './index';
import { poolOutputSize } from './pool2d';

export interface MaxPool3dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
  returnIndices?: boolean;
}

export interface AvgPool3dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  ceilMode?: boolean;
  /** count padding positions in the divisor (default true) */
  countIncludePad?: boolean;
  /** divide every window's sum by this (an integer >= 1) instead */
  divisorOverride?: number | null;
}

export interface AdaptiveMaxPool3dOptions {
  returnIndices?: boolean;
}

/** Each output's size: a number, or [d, h, w] where any may be null (keep that input size). */
export type AdaptiveOutputSize3d = number | null | (number | null)[];

// The autograd node names (PyTorch's; in lib/autograd.ts's GRAD_OPS and DOUBLE_BACKWARD_OPS).
const OP: Record<string, GradOp> = {
  max: 'MaxPool3DWithIndicesBackward',
  maxTwice: 'MaxPool3DWithIndicesBackwardBackward',
  avg: 'AvgPool3DBackward',
  avgTwice: 'AvgPool3DBackwardBackward',
  aavg: 'AdaptiveAvgPool3DBackward',
  aavgTwice: 'AdaptiveAvgPool3DBackwardBackward',
  amax: 'AdaptiveMaxPool3DBackward',
  amaxTwice: 'AdaptiveMaxPool3DBackwardBackward',
};

function checkPool3dInput(input: Tensor): void {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== 4 && input.ndim !== 5) shapeError('input', 'a 4-D [C, D, H, W] or 5-D [N, C, D, H, W] tensor', input);
}

/** Runs f on the input made 5-D ([C, D, H, W] gets N = 1) and takes that batch dim off its results. */
function batched<R extends Tensor | [Tensor, Tensor]>(input: Tensor, f: (x: Tensor) => R): R {
  if (input.ndim === 5) return f(input);
  const r = f(input.unsqueeze(0));
  return (Array.isArray(r) ? [r[0].squeeze(0), r[1].squeeze(0)] : r.squeeze(0)) as R;
}

/**
 * A pooling op on contiguous [N, C, D, H, W]: forward(x, y) fills y [N, C, OD, OH, OW]; the gradient
 * backward(g, dx) fills dx (the input's shape); the gradient of the gradient is adjoint(gg).
 */
function runPool3d(
  input: Tensor, out: number[], op: GradOp, twiceOp: GradOp,
  forward: (x: TensorArg, y: TensorArg) => void, backward: (g: TensorArg, dx: TensorArg) => void, adjoint: (gg: Tensor) => Tensor,
): Tensor {
  const x = input.contiguous();
  const y = Tensor.empty([input.shape[0], input.shape[1], ...out], input.dtype, input.device);
  forward(x.arg(), y.arg());
  if (x !== input) x.dispose();
  const grad = (g: Tensor): Tensor => {
    const gc = g.contiguous();
    const dx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    backward(gc.arg(), dx.arg());
    if (gc !== g) gc.dispose();
    return linearGrad(dx, g, twiceOp, adjoint, [input]);
  };
  return record(y, [input], op, (g) => [grad(g)]);
}

/** gg [N, C, D, H, W] picked at the flat indices idx [N, C, OD, OH, OW]: the adjoint of the max scatter. */
function pick(gg: Tensor, idx: Tensor): Tensor {
  const [N, C, D, H, W] = gg.shape;
  return gather(gg.reshape([N, C, D * H * W]), 2, idx.reshape([N, C, idx.numel() / Math.max(N * C, 1)])).reshape(idx.shape.slice());
}

/** The checked window: kernel, stride (default the kernel), padding, dilation; padding at most half the kernel. */
function window3d(kernelSize: unknown, opts: { stride?: unknown; padding?: unknown; dilation?: unknown }) {
  const k = checkTuple('kernelSize', kernelSize, 3, 1);
  const s = checkTuple('stride', opts.stride ?? k, 3, 1);
  const p = checkTuple('padding', opts.padding ?? 0, 3, 0);
  const d = checkTuple('dilation', opts.dilation ?? 1, 3, 1);
  if (p.some((v, i) => v * 2 > k[i])) invalidArg('padding', `at most half the kernel size (${k.join('x')})`, opts.padding);
  return { k, s, p, d };
}

function outSizes(input: Tensor, w: ReturnType<typeof window3d>, ceil: boolean): number[] {
  const out = input.shape.slice(-3).map((n, i) => poolOutputSize(n, w.k[i], w.s[i], w.p[i], w.d[i], ceil));
  if (out.some((o) => o < 1)) shapeError('input', `a spatial size large enough for the kernel (output would be ${out.join('x')})`, input);
  return out;
}

/** 3-D max pooling, as torch.nn.functional.max_pool3d; with returnIndices, [values, flat indices]. */
export function maxPool3d(input: Tensor, kernelSize: number | number[], opts: MaxPool3dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool3d(input: Tensor, kernelSize: number | number[], opts?: MaxPool3dOptions): Tensor;
export function maxPool3d(input: Tensor, kernelSize: number | number[], opts: MaxPool3dOptions = {}): Tensor | [Tensor, Tensor] {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
  const ceil = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  const returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  checkPool3dInput(input);
  const w = window3d(kernelSize, opts);
  const out = outSizes(input, w, ceil);
  return batched(input, (x) => {
    const [N, C, D, H, W] = x.shape;
    const [OD, OH, OW] = out;
    const params: Pool3dParams = {
      N, C, D, H, W, OD, OH, OW, kd: w.k[0], kh: w.k[1], kw: w.k[2], sd: w.s[0], sh: w.s[1], sw: w.s[2],
      pd: w.p[0], ph: w.p[1], pw: w.p[2], dd: w.d[0], dh: w.d[1], dw: w.d[2],
    };
    const idx = Tensor.empty([N, C, OD, OH, OW], 'int64', x.device);
    const y = runPool3d(x, out, OP.max, OP.maxTwice,
      (xa, ya) => native.maxPool3dForward(xa, ya, idx.arg(), params),
      (g, dx) => native.maxPool3dBackward(g, idx.arg(), dx, params), (gg) => pick(gg, idx));
    return returnIndices ? ([y, idx] as [Tensor, Tensor]) : y;
  });
}

/** 3-D average pooling, as torch.nn.functional.avg_pool3d. */
export function avgPool3d(input: Tensor, kernelSize: number | number[], opts: AvgPool3dOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
  const ceil = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  const countIncludePad = optBool('opts.countIncludePad', opts.countIncludePad ?? undefined, true);
  const div = opts.divisorOverride == null ? 0 : checkInt('divisorOverride', opts.divisorOverride, 1);
  checkPool3dInput(input);
  const w = window3d(kernelSize, { stride: opts.stride, padding: opts.padding });
  // PyTorch's avg_pool3d (not max_pool3d) also wants each input size at least the kernel's, padding aside
  if (input.shape.slice(-3).some((n, i) => n < w.k[i]))
    shapeError('input', `a spatial size at least the kernel size (${w.k.join('x')})`, input);
  const out = outSizes(input, w, ceil);
  return batched(input, (x) => {
    const [N, C, D, H, W] = x.shape;
    const [OD, OH, OW] = out;
    const params: AvgPool3dParams = {
      N, C, D, H, W, OD, OH, OW, kd: w.k[0], kh: w.k[1], kw: w.k[2], sd: w.s[0], sh: w.s[1], sw: w.s[2],
      pd: w.p[0], ph: w.p[1], pw: w.p[2], countIncludePad, divisorOverride: div,
    };
    return runPool3d(x, out, OP.avg, OP.avgTwice,
      (xa, ya) => native.avgPool3dForward(xa, ya, params),
      (g, dx) => native.avgPool3dBackward(g, dx, params), (gg) => avgPool3d(gg, kernelSize, opts));
  });
}

/** [OD, OH, OW] from an adaptive outputSize (null keeps that input size). */
export function adaptiveOutputSize3d(outputSize: AdaptiveOutputSize3d, sizes: number[]): number[] {
  const arr = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize, outputSize];
  if (arr.length !== 3 || !arr.every((v) => v === null || (typeof v === 'number' && Number.isInteger(v))))
    typeArg('outputSize', 'an integer or an array of 3 integers (or nulls)', outputSize);
  if (!arr.every((v) => v === null || (v as number) >= 1)) invalidArg('outputSize', 'integers >= 1 (or null)', outputSize);
  return arr.map((v, i) => v ?? sizes[i]);
}

function adaptiveSetup(input: Tensor, outputSize: AdaptiveOutputSize3d): number[] {
  checkPool3dInput(input);
  const sizes = input.shape.slice(-3);
  const out = adaptiveOutputSize3d(outputSize, sizes);
  if (sizes.some((n) => n < 1)) shapeError('input', 'a non-empty spatial size', input);
  return out;
}

function planeParams(x: Tensor, out: number[]): Plane3dParams {
  const [N, C, D, H, W] = x.shape;
  return { N, C, D, H, W, OD: out[0], OH: out[1], OW: out[2] };
}

/** Adaptive 3-D average pooling, as torch.nn.functional.adaptive_avg_pool3d. */
export function adaptiveAvgPool3d(input: Tensor, outputSize: AdaptiveOutputSize3d): Tensor {
  const out = adaptiveSetup(input, outputSize);
  return batched(input, (x) => {
    const params = planeParams(x, out);
    return runPool3d(x, out, OP.aavg, OP.aavgTwice,
      (xa, ya) => native.adaptiveAvgPool3dForward(xa, ya, params),
      (g, dx) => native.adaptiveAvgPool3dBackward(g, dx, params), (gg) => adaptiveAvgPool3d(gg, out));
  });
}

/** Adaptive 3-D max pooling, as torch.nn.functional.adaptive_max_pool3d (indices as maxPool3d's). */
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveOutputSize3d, opts: AdaptiveMaxPool3dOptions & { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveOutputSize3d, opts?: AdaptiveMaxPool3dOptions): Tensor;
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveOutputSize3d, opts: AdaptiveMaxPool3dOptions = {}): Tensor | [Tensor, Tensor] {
  opts = checkOptionKeys('opts', opts, ['returnIndices']);
  const returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  const out = adaptiveSetup(input, outputSize);
  return batched(input, (x) => {
    const params = planeParams(x, out);
    const idx = Tensor.empty([x.shape[0], x.shape[1], ...out], 'int64', x.device);
    const y = runPool3d(x, out, OP.amax, OP.amaxTwice,
      (xa, ya) => native.adaptiveMaxPool3dForward(xa, ya, idx.arg(), params),
      (g, dx) => native.adaptiveMaxPool3dBackward(g, idx.arg(), dx, params), (gg) => pick(gg, idx));
    return returnIndices ? ([y, idx] as [Tensor, Tensor]) : y;
  });
}
