// lib/ops/pool2d.ts — 2-D max pooling (kernel, stride, padding, dilation, ceilMode, indices)
// over [N, C, H, W] or [C, H, W], with gradient through the kept indices. Output size follows
// PyTorch, including ceil mode's rule that the last window may not start in the right padding.
import { native } from '../binding';
import { invalidArg, checkTuple } from '../errors';
import { Tensor, record, checkTensor, isFloating } from '../tensor';

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

export function maxPool2d(input: Tensor, kernelSize: number | number[], opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts?: MaxPool2dOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) invalidArg('input', 'a floating-point tensor', input);
  if (input.ndim !== 3 && input.ndim !== 4) invalidArg('input', 'a 3-D [C, H, W] or 4-D [N, C, H, W] tensor', input);
  if (input.ndim === 3) {
    const r = maxPool2d(input.unsqueeze(0), kernelSize, opts) as Tensor | [Tensor, Tensor];
    return Array.isArray(r) ? [r[0].squeeze(0), r[1].squeeze(0)] : r.squeeze(0);
  }
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  const [sh, sw] = checkTuple('stride', opts.stride ?? [kh, kw], 2, 1);
  const [ph, pw] = checkTuple('padding', opts.padding ?? 0, 2, 0);
  const [dh, dw] = checkTuple('dilation', opts.dilation ?? 1, 2, 1);
  if (ph * 2 > kh || pw * 2 > kw) invalidArg('padding', `at most half the kernel size (${kh}x${kw})`, opts.padding);
  const [N, C, H, W] = input.shape;
  const ceil = !!opts.ceilMode;
  const OH = poolOutputSize(H, kh, sh, ph, dh, ceil);
  const OW = poolOutputSize(W, kw, sw, pw, dw, ceil);
  if (OH < 1 || OW < 1) invalidArg('input', `a spatial size large enough for the kernel (output would be ${OH}x${OW})`, input);
  const params = [N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw];
  const x = input.contiguous();
  const y = Tensor.empty([N, C, OH, OW], input.dtype, input.device);
  const idx = Tensor.empty([N, C, OH, OW], 'int64', input.device);
  native.maxPool2dForward(x.arg(), y.arg(), idx.arg(), params);
  if (x !== input) x.dispose();
  record(y, [input], 'MaxPool2DWithIndicesBackward', (g) => {
    const gc = g.contiguous();
    const dx = Tensor.empty([N, C, H, W], input.dtype, input.device);
    native.maxPool2dBackward(gc.arg(), idx.arg(), dx.arg(), params);
    if (gc !== g) gc.dispose();
    return [dx];
  });
  if (opts.returnIndices) return [y, idx];
  return y;
}
