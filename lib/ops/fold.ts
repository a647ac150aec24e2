// lib/ops/fold.ts — F.unfold(input, kernelSize, {dilation=1, padding=0, stride=1}) and
// F.fold(input, outputSize, kernelSize, {dilation, padding, stride}) with PyTorch 1.13's shapes and
// checks: unfold takes [N, C, H, W] (or unbatched [C, H, W]) to [N, C * kh * kw, L] (or [C * kh * kw, L]),
// L the number of block positions; fold takes [N, C * kh * kw, L] (or [C * kh * kw, L]) to
// [N, C, H, W] (or [C, H, W]) for outputSize [H, W], summing overlapping blocks. Each size is a number or
// a pair; kernelSize (and fold's outputSize) may be given positionally or in the options, not both.
// float32 / float64 on every device, through the native im2col / col2im kernels (native/ops/fold.h);
// each op's gradient is the other op (they are adjoint linear maps).
import { native } from '../binding';
import { checkOptionKeys, checkTuple, dtypeError, invalidArg, noExtraArgs, shapeError, typeArg } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record } from '../autograd';
import type { GradOp } from '../autograd';
import type { FoldParams } from '../../binding';

/** A size per spatial dim: one number for both, or [h, w]. */
export type IntPair = number | [number, number] | number[];
export interface UnfoldOptions {
  /** the block size (when not given positionally) */
  kernelSize?: IntPair;
  /** the spacing of a block's elements (default 1) */
  dilation?: IntPair;
  /** implicit zeros on both sides of each spatial dim (default 0) */
  padding?: IntPair;
  /** the step between blocks (default 1) */
  stride?: IntPair;
}
export interface FoldOptions extends UnfoldOptions {
  /** the output's spatial size [H, W] (when not given positionally) */
  outputSize?: IntPair;
}
/** @internal */
export const UNFOLD_KEYS = ['kernelSize', 'dilation', 'padding', 'stride'];
/** @internal */
export const FOLD_KEYS = ['outputSize', ...UNFOLD_KEYS];
// PyTorch's grad_fn names (in lib/autograd.ts's GRAD_OPS; first-order only)
const IM2COL_BACKWARD: GradOp = 'Im2ColBackward';
const COL2IM_BACKWARD: GradOp = 'Col2ImBackward';

const isOpts = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @internal Splits (positional..., opts) as PyTorch's keyword-or-positional arguments: the leading
 * entries of `args` that are not option objects fill `names` in order, then one options object (keys
 * `allowed`) may follow; a name given both ways, or a missing one, is an error. Also nn.Unfold / nn.Fold's.
 */
export function splitArgs(fn: string, names: string[], allowed: string[], args: unknown[]): Record<string, unknown> {
  const pos: Record<string, unknown> = {};
  let opts: unknown;
  let i = 0;
  let found = false;
  for (; i < names.length && !found; i++) {
    if (isOpts(args[i])) {
      opts = args[i];
      found = true;
    } else if (args[i] !== undefined) pos[names[i]] = args[i];
  }
  if (!found) opts = args[i++];
  const extra = args.slice(i).filter((v) => v !== undefined).length;
  if (extra) invalidArg(`${fn}()`, `at most the arguments (input, ${names.join(', ')}, opts) with the options last`, `${extra} more`);
  const o = checkOptionKeys('opts', opts as object | undefined, allowed) as Record<string, unknown>;
  for (const n of names) {
    if (n in pos && o[n] !== undefined) invalidArg(`opts.${n}`, `no value: ${n} is already given positionally`, o[n]);
  }
  const all = { ...o, ...pos };
  for (const n of names) if (all[n] === undefined) typeArg(n, `a number or a pair of numbers (the ${fn} argument ${n})`, all[n]);
  return all;
}

function sizes(o: Record<string, unknown>) {
  const [kh, kw] = checkTuple('kernelSize', o.kernelSize, 2, 1);
  const [dh, dw] = checkTuple('opts.dilation', o.dilation ?? 1, 2, 1);
  const [ph, pw] = checkTuple('opts.padding', o.padding ?? 0, 2, 0);
  const [sh, sw] = checkTuple('opts.stride', o.stride ?? 1, 2, 1);
  return { kh, kw, dh, dw, ph, pw, sh, sw };
}
type Sizes = ReturnType<typeof sizes>;
function blocks(H: number, W: number, s: Sizes): [number, number] {
  return [Math.floor((H + 2 * s.ph - s.dh * (s.kh - 1) - 1) / s.sh) + 1, Math.floor((W + 2 * s.pw - s.dw * (s.kw - 1) - 1) / s.sw) + 1];
}
const describeSizes = (H: number, W: number, s: Sizes): string =>
  `spatial size (${H}, ${W}), kernelSize (${s.kh}, ${s.kw}), dilation (${s.dh}, ${s.dw}), padding (${s.ph}, ${s.pw}), stride (${s.sh}, ${s.sw})`;

function checkFloat(name: string, x: Tensor): void {
  if (!isFloating(x.dtype)) dtypeError(name, 'a float32 or float64 tensor', x);
}

function im2col(x: Tensor, p: FoldParams, outShape: number[]): Tensor {
  const xc = x.contiguous();
  const out = Tensor.empty(outShape, x.dtype, x.device);
  native.im2col(xc.arg(), out.arg(), p);
  if (xc !== x) xc.dispose();
  return record(out, [x], IM2COL_BACKWARD, (g) => [col2im(g, p, x.shape.slice())]);
}
function col2im(x: Tensor, p: FoldParams, outShape: number[]): Tensor {
  const xc = x.contiguous();
  const out = Tensor.empty(outShape, x.dtype, x.device);
  native.col2im(xc.arg(), out.arg(), p);
  if (xc !== x) xc.dispose();
  return record(out, [x], COL2IM_BACKWARD, (g) => [im2col(g, p, x.shape.slice())]);
}

/**
 * Extracts sliding blocks: [N, C, H, W] (or [C, H, W]) -> [N, C * kh * kw, L] (or [C * kh * kw, L]),
 * column l holding the block at position l (row-major over the block grid), channel-major rows.
 * `F.unfold(x, 3, {padding: 1})` or `F.unfold(x, {kernelSize: 3, padding: 1})`.
 */
export function unfold(input: Tensor, kernelSize?: IntPair | UnfoldOptions, opts?: UnfoldOptions, ...rest: never[]): Tensor {
  noExtraArgs('unfold', 'input, kernelSize, opts', rest);
  checkTensor('input', input);
  const o = splitArgs('unfold', ['kernelSize'], UNFOLD_KEYS, [kernelSize, opts]);
  const s = sizes(o);
  const nd = input.ndim;
  if (nd !== 3 && nd !== 4) shapeError('input', 'a 3-D [C, H, W] or 4-D [N, C, H, W] tensor', input);
  if (input.shape.slice(nd - 3).some((d) => d === 0))
    shapeError('input', 'non-zero channel and spatial dims (a 4-D input may have batch size 0)', input);
  checkFloat('input', input);
  const [N, C, H, W] = nd === 4 ? input.shape : [1, ...input.shape];
  const [oh, ow] = blocks(H, W, s);
  if (oh < 1 || ow < 1)
    invalidArg('kernelSize', `sizes giving at least one block per dim (${describeSizes(H, W, s)} give ${oh} x ${ow})`, o.kernelSize);
  const p: FoldParams = { planes: N * C, inH: H, inW: W, ...s, outH: oh, outW: ow };
  const rows = C * s.kh * s.kw;
  return im2col(input, p, nd === 4 ? [N, rows, oh * ow] : [rows, oh * ow]);
}

/**
 * Combines sliding blocks, summing where they overlap: [N, C * kh * kw, L] (or [C * kh * kw, L]) ->
 * [N, C, H, W] (or [C, H, W]) for outputSize [H, W]; the adjoint of unfold.
 * `F.fold(x, [4, 5], 2, {stride: 2})` or `F.fold(x, {outputSize: [4, 5], kernelSize: 2, stride: 2})`.
 */
export function fold(
  input: Tensor, outputSize?: IntPair | FoldOptions, kernelSize?: IntPair | FoldOptions, opts?: FoldOptions, ...rest: never[]
): Tensor {
  noExtraArgs('fold', 'input, outputSize, kernelSize, opts', rest);
  checkTensor('input', input);
  const o = splitArgs('fold', ['outputSize', 'kernelSize'], FOLD_KEYS, [outputSize, kernelSize, opts]);
  const [H, W] = checkTuple('outputSize', o.outputSize, 2, 1);
  const s = sizes(o);
  const nd = input.ndim;
  if (nd !== 2 && nd !== 3) shapeError('input', 'a 2-D [C * kh * kw, L] or 3-D [N, C * kh * kw, L] tensor', input);
  if (input.shape.slice(nd - 2).some((d) => d === 0))
    shapeError('input', 'non-zero sizes but for the batch dim (a 3-D input may have batch size 0)', input);
  checkFloat('input', input);
  const [N, rows, L] = nd === 3 ? input.shape : [1, ...input.shape];
  const k = s.kh * s.kw;
  if (rows % k !== 0)
    shapeError('input', `a size of dim ${nd - 2} divisible by the product of kernelSize (${s.kh} * ${s.kw} = ${k})`, input);
  const [oh, ow] = blocks(H, W, s);
  if (oh < 1 || ow < 1)
    invalidArg('kernelSize', `sizes giving at least one block per dim (${describeSizes(H, W, s)} give ${oh} x ${ow})`, o.kernelSize);
  if (L !== oh * ow)
    shapeError('input', `a size of dim ${nd - 1} equal to the number of blocks ${oh} * ${ow} = ${oh * ow} (${describeSizes(H, W, s)})`, input);
  const C = rows / k;
  const p: FoldParams = { planes: N * C, inH: H, inW: W, ...s, outH: oh, outW: ow };
  return col2im(input, p, nd === 3 ? [N, C, H, W] : [C, H, W]);
}
