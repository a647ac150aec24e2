// lib/ops/pool1d.ts — 1-D pooling over [N, C, L] or [C, L], as torch.nn.functional's max_pool1d,
// avg_pool1d, adaptive_avg_pool1d and adaptive_max_pool1d: the input gets a height of 1 and runs
// through the 2-D kernels of lib/ops/pool2d.ts (as PyTorch does), so the ops exist on every device
// those do, with their gradients (and double backward). Arguments are checked here, in 1-D terms
// (errors name kernelSize, stride, padding, dilation, outputSize); max-pool indices are positions
// along L. Output lengths follow PyTorch, ceil mode included.
import { invalidArg, checkTuple, checkOptionKeys, optBool, shapeError, dtypeError, typeArg } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, poolOutputSize } from './pool2d';

export interface MaxPool1dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
  returnIndices?: boolean;
}

export interface AvgPool1dOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  ceilMode?: boolean;
  /** count padding positions in the divisor (default true) */
  countIncludePad?: boolean;
}

export interface AdaptiveMaxPool1dOptions {
  returnIndices?: boolean;
}

/** Checks a 1-D pooling input: floating, [C, L] or [N, C, L]. */
export function checkPool1dInput(input: Tensor): void {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== 2 && input.ndim !== 3) shapeError('input', 'a 2-D [C, L] or 3-D [N, C, L] tensor', input);
}

/** input as [N, C, 1, L] (a [C, L] input gets N = 1), and the inverse for the results. */
function lift(input: Tensor): [Tensor, (t: Tensor) => Tensor] {
  const x = input.ndim === 2 ? input.unsqueeze(0) : input;
  const back = (t: Tensor): Tensor => (input.ndim === 2 ? t.squeeze(2).squeeze(0) : t.squeeze(2));
  return [x.unsqueeze(2), back];
}

/** The checked 1-D window: kernel, stride (default the kernel), padding, dilation. */
export function window1d(kernelSize: unknown, opts: { stride?: unknown; padding?: unknown; dilation?: unknown }) {
  const [k] = checkTuple('kernelSize', kernelSize, 1, 1);
  const [s] = checkTuple('stride', opts.stride ?? k, 1, 1);
  const [p] = checkTuple('padding', opts.padding ?? 0, 1, 0);
  const [d] = checkTuple('dilation', opts.dilation ?? 1, 1, 1);
  if (p * 2 > k) invalidArg('padding', `at most half the kernel size (${k})`, opts.padding);
  return { k, s, p, d };
}

function checkLength(input: Tensor, out: number): void {
  if (out < 1) shapeError('input', `a length large enough for the kernel (output length would be ${out})`, input);
}

/** 1-D max pooling, as torch.nn.functional.max_pool1d; with returnIndices, [values, indices along L]. */
export function maxPool1d(input: Tensor, kernelSize: number | number[], opts: MaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: number | number[], opts?: MaxPool1dOptions): Tensor;
export function maxPool1d(input: Tensor, kernelSize: number | number[], opts: MaxPool1dOptions = {}): Tensor | [Tensor, Tensor] {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
  const ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  const returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  checkPool1dInput(input);
  const { k, s, p, d } = window1d(kernelSize, opts);
  checkLength(input, poolOutputSize(input.shape[input.ndim - 1], k, s, p, d, ceilMode));
  const [x, back] = lift(input);
  const o2 = { stride: [1, s], padding: [0, p], dilation: [1, d], ceilMode };
  if (!returnIndices) return back(maxPool2d(x, [1, k], o2));
  const [y, idx] = maxPool2d(x, [1, k], { ...o2, returnIndices: true });
  return [back(y), back(idx)];
}

/** 1-D average pooling, as torch.nn.functional.avg_pool1d. */
export function avgPool1d(input: Tensor, kernelSize: number | number[], opts: AvgPool1dOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
  const ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  const countIncludePad = optBool('opts.countIncludePad', opts.countIncludePad ?? undefined, true);
  checkPool1dInput(input);
  const { k, s, p } = window1d(kernelSize, { stride: opts.stride, padding: opts.padding });
  checkLength(input, poolOutputSize(input.shape[input.ndim - 1], k, s, p, 1, ceilMode));
  const [x, back] = lift(input);
  return back(avgPool2d(x, [1, k], { stride: [1, s], padding: [0, p], ceilMode, countIncludePad }));
}

/** The output length of 1-D adaptive pooling: an integer >= 1, or [one]. */
export function adaptiveOutputSize1d(outputSize: unknown): number {
  const v = Array.isArray(outputSize) && outputSize.length === 1 ? outputSize[0] : outputSize;
  if (typeof v !== 'number' || !Number.isInteger(v)) typeArg('outputSize', 'an integer or an array of 1 integer', outputSize);
  if ((v as number) < 1) invalidArg('outputSize', 'an integer >= 1', outputSize);
  return v as number;
}

function checkNonEmpty(input: Tensor): void {
  if (input.shape[input.ndim - 1] < 1) shapeError('input', 'a non-empty length', input);
}

/** Adaptive 1-D average pooling to outputSize, as torch.nn.functional.adaptive_avg_pool1d. */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | number[]): Tensor {
  checkPool1dInput(input);
  const L = adaptiveOutputSize1d(outputSize);
  checkNonEmpty(input);
  const [x, back] = lift(input);
  return back(adaptiveAvgPool2d(x, [1, L]));
}

/** Adaptive 1-D max pooling, as torch.nn.functional.adaptive_max_pool1d (indices along L). */
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | number[], opts: AdaptiveMaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | number[], opts?: AdaptiveMaxPool1dOptions): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | number[], opts: AdaptiveMaxPool1dOptions = {}): Tensor | [Tensor, Tensor] {
  opts = checkOptionKeys('opts', opts, ['returnIndices']);
  const returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  checkPool1dInput(input);
  const L = adaptiveOutputSize1d(outputSize);
  checkNonEmpty(input);
  const [x, back] = lift(input);
  if (!returnIndices) return back(adaptiveMaxPool2d(x, [1, L]));
  const [y, idx] = adaptiveMaxPool2d(x, [1, L], { returnIndices: true });
  return [back(y), back(idx)];
}
