// lib/ops/pool2d.ts — 2-D max pooling (kernel, stride, padding, dilation, ceilMode, indices)
// over [N, C, H, W] or [C, H, W], with gradient through the kept indices. Output size follows
// PyTorch, including ceil mode's rule that the last window may not start in the right padding.
// Also reluMaxPool2d = maxPool2d(relu(x)) fused in one native pass (same values and gradients).
import type { TensorArg } from '../../binding';
import { native } from '../binding';
import type { Pool2dParams, AvgPool2dParams, Plane2dParams } from '../../binding';
import { invalidArg, checkTuple, checkInt, typeArg, dtypeError, shapeError, checkOptionKeys, optBool } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, GradOp, isGradEnabled, noGrad, linearGrad } from '../autograd';
import { relu, mul, cast, compare } from './elementwise';
import { gather } from './index';

export interface MaxPool2dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/** PyTorch's pooling output size for one dimension. */
export function poolOutputSize(inSize: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const eff = d * (k - 1) + 1;
  let out = Math.floor((inSize + 2 * p - eff + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= inSize + p) out--;
  return out;
}

function checkPoolInput(input: Tensor): void {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== 3 && input.ndim !== 4) shapeError('input', 'a 3-D [C, H, W] or 4-D [N, C, H, W] tensor', input);
}

/** kernel, stride (default: the kernel), padding and dilation of max pooling, checked. */
function maxPoolWindow(kernelSize: number | number[], opts: MaxPool2dOptions) {
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  const [sh, sw] = checkTuple('stride', opts.stride ?? [kh, kw], 2, 1);
  const [ph, pw] = checkTuple('padding', opts.padding ?? 0, 2, 0);
  const [dh, dw] = checkTuple('dilation', opts.dilation ?? 1, 2, 1);
  return { kh, kw, sh, sw, ph, pw, dh, dw };
}

/**
 * The common run of a pooling op on [N, C, H, W] input: `forward(x, y)` with x the contiguous input
 * and y a new [N, C, OH, OW] output; the gradient, recorded for `target` (the input unless given;
 * same shape), is `backward(g, dx)` with g contiguous and dx a new tensor of the input's shape.
 * Extra outputs (indices, taps) are the caller's, captured by the two functions.
 */
function runPool(
  input: Tensor, OH: number, OW: number, op: GradOp,
  forward: (x: TensorArg, y: TensorArg) => void, backward: (g: TensorArg, dx: TensorArg, y: Tensor) => void, target: Tensor = input,
  twice?: PoolAdjoint,
): Tensor {
  const [N, C] = input.shape;
  const x = input.contiguous();
  const y = Tensor.empty([N, C, OH, OW], input.dtype, input.device);
  forward(x.arg(), y.arg());
  if (x !== input) x.dispose();
  const grad = (g: Tensor): Tensor => {
    const gc = g.contiguous();
    const dx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    backward(gc.arg(), dx.arg(), y);
    if (gc !== g) gc.dispose();
    // the gradient is linear in g: under createGraph its node's backward is the adjoint map
    return twice ? linearGrad(dx, g, twice.op, (gg) => twice.adjoint(gg, y), [target]) : dx;
  };
  return record(y, [target], op, (g) => [grad(g)]);
}
/** Double backward of a pooling op: the node recorded for its gradient and the adjoint of g -> dx. */
interface PoolAdjoint {
  op: GradOp;
  adjoint: (gg: Tensor, y: Tensor) => Tensor;
}
/** gg [N, C, H, W] picked at max-pool indices idx [N, C, OH, OW] (flat in H * W): the adjoint of the max-pool scatter, recorded. */
export function poolGather(gg: Tensor, idx: Tensor): Tensor {
  const [N, C, H, W] = gg.shape;
  const [OH, OW] = idx.shape.slice(2);
  return gather(gg.reshape([N, C, H * W]), 2, idx.reshape([N, C, OH * OW])).reshape([N, C, OH, OW]);
}
const maxPoolTwice = (idx: Tensor, op: GradOp = 'MaxPool2DWithIndicesBackwardBackward'): PoolAdjoint => ({ op, adjoint: (gg) => poolGather(gg, idx) });

export function maxPool2d(input: Tensor, kernelSize: number | number[], opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts?: MaxPool2dOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
  checkPoolInput(input);
  if (input.ndim === 3) {
    const r = maxPool2d(input.unsqueeze(0), kernelSize, opts) as Tensor | [Tensor, Tensor];
    return Array.isArray(r) ? [r[0].squeeze(0), r[1].squeeze(0)] : r.squeeze(0);
  }
  const win = maxPoolWindow(kernelSize, opts);
  const { kh, kw, sh, sw, ph, pw, dh, dw } = win;
  if (ph * 2 > kh || pw * 2 > kw) invalidArg('padding', `at most half the kernel size (${kh}x${kw})`, opts.padding);
  const [N, C, H, W] = input.shape;
  const ceil = !!opts.ceilMode;
  const OH = poolOutputSize(H, kh, sh, ph, dh, ceil);
  const OW = poolOutputSize(W, kw, sw, pw, dw, ceil);
  if (OH < 1 || OW < 1) shapeError('input', `a spatial size large enough for the kernel (output would be ${OH}x${OW})`, input);
  const params: Pool2dParams = { N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw };
  // maxPool2d(relu(a)) as user code writes it: pool relu's output with the fused kernel (relu of a
  // relu output changes nothing) and send the gradient straight to a, past ReluBackward — one pass
  // instead of the pool's scatter and relu's mask, the same values (see reluMaxPool2d).
  const gf = input.gradFn;
  if (!opts.returnIndices && gf && gf.op === 'ReluBackward' && gf.inputs[0] && fusablePool(H, W, win, ceil))
    return fusedReluPool(input, gf.inputs[0], kh, kw);
  // Inference on the CPU (no indices returned, no gradient to route): the values-only kernel.
  if (!opts.returnIndices && input.device === 'cpu' && !(input.requiresGrad && isGradEnabled())) {
    const y = Tensor.empty([N, C, OH, OW], input.dtype, input.device);
    const x = input.contiguous();
    native.maxPool2dForward(x.arg(), y.arg(), null, params);
    if (x !== input) x.dispose();
    return y;
  }
  const idx = Tensor.empty([N, C, OH, OW], 'int64', input.device);
  const y = runPool(input, OH, OW, 'MaxPool2DWithIndicesBackward',
    (x, out) => native.maxPool2dForward(x, out, idx.arg(), params),
    (g, dx) => native.maxPool2dBackward(g, idx.arg(), dx, params), input, maxPoolTwice(idx));
  if (opts.returnIndices) return [y, idx];
  return y;
}

/**
 * maxPool2d(relu(input), kernelSize, opts) — the conv -> ReLU -> pool pattern of most CNNs — in one
 * native pass when the windows do not overlap (stride = kernel, no padding, dilation 1, every window
 * whole): the full-size ReLU output is never written, the backward pass writes each input gradient
 * once, and the values and gradients are exactly those of the unfused pair (ReLU and max commute;
 * ties and NaNs follow PyTorch's max-pool rule). Other settings run the two ops one after the other.
 */
export function reluMaxPool2d(input: Tensor, kernelSize: number | number[], opts: Omit<MaxPool2dOptions, 'returnIndices'> = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'ceilMode']);
  checkPoolInput(input);
  if ((opts as MaxPool2dOptions).returnIndices) invalidArg('opts.returnIndices', 'false (use maxPool2d(relu(x)) for indices)', true);
  const win = maxPoolWindow(kernelSize, opts);
  const [H, W] = input.shape.slice(-2);
  if (input.ndim === 3 || !fusablePool(H, W, win, !!opts.ceilMode)) return maxPool2d(relu(input), kernelSize, opts);
  return fusedReluPool(input, input, win.kh, win.kw);
}

/** Whether reluMaxPool2d's kernel covers these settings: windows side by side, every one whole. */
function fusablePool(H: number, W: number, win: ReturnType<typeof maxPoolWindow>, ceil: boolean): boolean {
  const { kh, kw, sh, sw, ph, pw, dh, dw } = win;
  const whole = !ceil || (H % kh === 0 && W % kw === 0);
  return sh === kh && sw === kw && !ph && !pw && dh === 1 && dw === 1 && whole && kh * kw <= 256 && H >= kh && W >= kw;
}

/** y = maxPool2d(relu(x)) with the fused kernel, its gradient recorded for `target` (x itself, or the
 * input of the relu that produced x), which has x's shape. */
function fusedReluPool(x0: Tensor, target: Tensor, kh: number, kw: number): Tensor {
  const [N, C, H, W] = x0.shape;
  const OH = Math.floor(H / kh);
  const OW = Math.floor(W / kw);
  const params: Pool2dParams = { N, C, H, W, OH, OW, kh, kw, sh: kh, sw: kw, ph: 0, pw: 0, dh: 1, dw: 1 };
  const tap = Tensor.empty([N, C, OH, OW], 'uint8', x0.device);
  return runPool(x0, OH, OW, 'ReluMaxPool2dBackward',
    (x, y) => native.reluMaxPool2dForward(x, y, tap.arg(), params),
    (g, dx, y) => native.reluMaxPool2dBackward(g, y.arg(), tap.arg(), dx, params), target, reluPoolTwice(x0, kh, kw));
}
/**
 * Double backward of maxPool2d(relu(x)) with windows side by side: the gradient is g scattered to
 * each window's maximum where that maximum is > 0, so the adjoint picks gg there (indices from the
 * max pooling with indices of relu(x), computed when first needed) times the mask y > 0.
 */
function reluPoolTwice(x0: Tensor, kh: number, kw: number, op: GradOp = 'MaxPool2DWithIndicesBackwardBackward'): PoolAdjoint {
  let idx: Tensor | null = null;
  return {
    op,
    adjoint: (gg, y) => {
      if (!idx) idx = noGrad(() => (maxPool2d(relu(x0.detach()), [kh, kw], { returnIndices: true }) as [Tensor, Tensor])[1]);
      return mul(poolGather(gg, idx), noGrad(() => cast(compare('gt', y, 0), y.dtype)));
    },
  };
}

// ---- average pooling ----------------------------------------------------------------------

export interface AvgPool2dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  ceilMode?: boolean;
  /** count padding positions in the divisor (default true) */
  countIncludePad?: boolean;
  /** divide every window's sum by this (an integer >= 1) instead */
  divisorOverride?: number | null;
}

/** Average pooling over [N, C, H, W] or [C, H, W], as torch.nn.functional.avg_pool2d. */
export function avgPool2d(input: Tensor, kernelSize: number | number[], opts: AvgPool2dOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
  optBool('opts.countIncludePad', opts.countIncludePad ?? undefined, true);
  optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  checkPoolInput(input);
  if (input.ndim === 3) return avgPool2d(input.unsqueeze(0), kernelSize, opts).squeeze(0);
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  const [sh, sw] = checkTuple('stride', opts.stride ?? [kh, kw], 2, 1);
  const [ph, pw] = checkTuple('padding', opts.padding ?? 0, 2, 0);
  if (ph * 2 > kh || pw * 2 > kw) invalidArg('padding', `at most half the kernel size (${kh}x${kw})`, opts.padding);
  const div = opts.divisorOverride ?? 0;
  if (opts.divisorOverride != null) checkInt('divisorOverride', opts.divisorOverride, 1);
  const [N, C, H, W] = input.shape;
  const ceil = !!opts.ceilMode;
  const OH = poolOutputSize(H, kh, sh, ph, 1, ceil);
  const OW = poolOutputSize(W, kw, sw, pw, 1, ceil);
  if (OH < 1 || OW < 1) shapeError('input', `a spatial size large enough for the kernel (output would be ${OH}x${OW})`, input);
  const params: AvgPool2dParams = {
    N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, countIncludePad: opts.countIncludePad !== false, divisorOverride: div,
  };
  return runPool(input, OH, OW, 'AvgPool2DBackward',
    (x, y) => native.avgPool2dForward(x, y, params),
    (g, dx) => native.avgPool2dBackward(g, dx, params), input,
    { op: 'AvgPool2DBackwardBackward', adjoint: (gg) => avgPool2d(gg, kernelSize, opts) });
}

// ---- adaptive pooling ---------------------------------------------------------------------

export type AdaptiveOutputSize = number | null | (number | null)[];

/** [OH, OW] from an adaptive outputSize (null keeps that input dimension). */
export function adaptiveOutputSize(outputSize: AdaptiveOutputSize, H: number, W: number): [number, number] {
  const arr = Array.isArray(outputSize) ? outputSize : [outputSize, outputSize];
  if (arr.length !== 2 || !arr.every((v) => v === null || (typeof v === 'number' && Number.isInteger(v))))
    typeArg('outputSize', 'an integer or an array of 2 integers (or nulls)', outputSize);
  if (!arr.every((v) => v === null || (v as number) >= 1)) invalidArg('outputSize', 'integers >= 1 (or null)', outputSize);
  return [arr[0] ?? H, arr[1] ?? W];
}

function checkAdaptiveSpatial(input: Tensor): void {
  if (input.shape[2] < 1 || input.shape[3] < 1) shapeError('input', 'a non-empty spatial size', input);
}

/** Adaptive average pooling to outputSize, as torch.nn.functional.adaptive_avg_pool2d. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  checkPoolInput(input);
  if (input.ndim === 3) return adaptiveAvgPool2d(input.unsqueeze(0), outputSize).squeeze(0);
  const [N, C, H, W] = input.shape;
  const [OH, OW] = adaptiveOutputSize(outputSize, H, W);
  checkAdaptiveSpatial(input);
  const params: Plane2dParams = { N, C, H, W, OH, OW };
  return runPool(input, OH, OW, 'AdaptiveAvgPool2DBackward',
    (x, y) => native.adaptiveAvgPool2dForward(x, y, params),
    (g, dx) => native.adaptiveAvgPool2dBackward(g, dx, params), input,
    { op: 'AdaptiveAvgPool2DBackwardBackward', adjoint: (gg) => adaptiveAvgPool2d(gg, [OH, OW]) });
}

export interface AdaptiveMaxPool2dOptions {
  returnIndices?: boolean;
}

/** Adaptive max pooling to outputSize, as torch.nn.functional.adaptive_max_pool2d (indices as max_pool2d's). */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveOutputSize, opts: AdaptiveMaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveOutputSize, opts?: AdaptiveMaxPool2dOptions): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveOutputSize, opts: AdaptiveMaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  opts = checkOptionKeys('opts', opts, ['returnIndices']);
  checkPoolInput(input);
  if (input.ndim === 3) {
    const r = adaptiveMaxPool2d(input.unsqueeze(0), outputSize, opts) as Tensor | [Tensor, Tensor];
    return Array.isArray(r) ? [r[0].squeeze(0), r[1].squeeze(0)] : r.squeeze(0);
  }
  const [N, C, H, W] = input.shape;
  const [OH, OW] = adaptiveOutputSize(outputSize, H, W);
  checkAdaptiveSpatial(input);
  const params: Plane2dParams = { N, C, H, W, OH, OW };
  const idx = Tensor.empty([N, C, OH, OW], 'int64', input.device);
  const y = runPool(input, OH, OW, 'AdaptiveMaxPool2DBackward',
    (x, out) => native.adaptiveMaxPool2dForward(x, out, idx.arg(), params),
    (g, dx) => native.maxPool2dBackward(g, idx.arg(), dx, { ...params, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 }),
    input, maxPoolTwice(idx, 'AdaptiveMaxPool2DBackwardBackward'));
  if (opts.returnIndices) return [y, idx];
  return y;
}

// ---- max unpooling ------------------------------------------------------------------------

export interface MaxUnpool2dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  /** [H, W] or [N, C, H, W] of the output; default (in - 1) * stride - 2 * padding + kernel */
  outputSize?: number[] | null;
}

/** Inverse of maxPool2d through its indices, as torch.nn.functional.max_unpool2d. */
export function maxUnpool2d(input: Tensor, indices: Tensor, kernelSize: number | number[], opts: MaxUnpool2dOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'outputSize']);
  checkPoolInput(input);
  checkTensor('indices', indices);
  if (indices.dtype !== 'int64') dtypeError('indices', 'an int64 tensor', indices);
  if (indices.shape.join(',') !== input.shape.join(','))
    shapeError('indices', `a tensor of the input's shape [${input.shape.join(', ')}]`, indices);
  if (input.ndim === 3) return maxUnpool2d(input.unsqueeze(0), indices.unsqueeze(0), kernelSize, opts).squeeze(0);
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  const [sh, sw] = checkTuple('stride', opts.stride ?? [kh, kw], 2, 1);
  const [ph, pw] = checkTuple('padding', opts.padding ?? 0, 2, 0);
  const [N, C, H, W] = input.shape;
  const defH = (H - 1) * sh - 2 * ph + kh;
  const defW = (W - 1) * sw - 2 * pw + kw;
  let OH = defH;
  let OW = defW;
  if (opts.outputSize != null) {
    const os = opts.outputSize;
    if (!Array.isArray(os) || (os.length !== 2 && os.length !== 4) || !os.every((v) => typeof v === 'number' && Number.isInteger(v)))
      typeArg('outputSize', 'an array of 2 or 4 integers', os);
    [OH, OW] = os.slice(-2);
    if (!(OH > defH - sh && OH < defH + sh && OW > defW - sw && OW < defW + sw))
      invalidArg('outputSize', `a size between [${defH - sh + 1}, ${defW - sw + 1}] and [${defH + sh - 1}, ${defW + sw - 1}]`, os);
  }
  if (OH < 1 || OW < 1) invalidArg('outputSize', 'a positive output size', opts.outputSize ?? [OH, OW]);
  const params: Plane2dParams = { N, C, H, W, OH, OW };
  const ic = indices.contiguous();
  return runPool(input, OH, OW, 'MaxUnpool2DBackward',
    (x, y) => native.maxUnpool2dForward(x, ic.arg(), y, params),
    (g, dx) => native.maxUnpool2dBackward(g, ic.arg(), dx, params));
}
