// lib/ops/pad.ts — F.pad(input, pad, {mode, value}) with PyTorch 1.13's semantics: `pad` lists
// (before, after) pairs starting from the last dim; 'constant' pads any dims with `value` (negative
// padding crops), by copies; 'reflect', 'replicate' and 'circular' pad the last 1, 2 or 3 dims of a
// (k+1)- or (k+2)-D input with the native pad kernels (native/ops/pad.h), forward and backward.
import { native, enums } from '../binding';
import { invalidArg, typeArg, shapeError, checkOptionKeys, checkNumber, noExtraArgs } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record, noGrad } from '../autograd';
import type { GradOp } from '../autograd';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
export interface PadOptions {
  /** 'constant' (default), 'reflect', 'replicate' or 'circular' */
  mode?: PadMode;
  /** the fill value of 'constant' mode (default 0); other modes take none (as PyTorch) */
  value?: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];
const NATIVE: Record<Exclude<PadMode, 'constant'>, [keyof typeof enums.PadMode, GradOp]> = {
  reflect: ['Reflect', 'ReflectionPadBackward'],
  replicate: ['Replicate', 'ReplicationPadBackward'],
  circular: ['Circular', 'CircularPadBackward'],
};

/**
 * Pads `input`: `pad` is [left, right] for the last dim, then [top, bottom] for the one before, ...
 * (PyTorch's order). `F.pad(x, pad, 'reflect')` is `{mode: 'reflect'}`.
 */
export function pad(input: Tensor, pad: number[], opts?: PadOptions | PadMode, ...rest: never[]): Tensor {
  noExtraArgs('pad', 'input, pad, opts', rest);
  const o = checkOptionKeys('opts', typeof opts === 'string' ? { mode: opts } : opts, ['mode', 'value']);
  checkTensor('input', input);
  if (!Array.isArray(pad) || !pad.every((v) => typeof v === 'number' && Number.isInteger(v))) typeArg('pad', 'an array of integers', pad);
  if (pad.length % 2 !== 0) invalidArg('pad', 'an even number of entries (padding length must be divisible by 2)', pad);
  if (pad.length > 2 * input.ndim) invalidArg('pad', `at most ${2 * input.ndim} entries (2 per dim of the input)`, pad);
  const mode = o.mode ?? 'constant';
  if (!MODES.includes(mode)) invalidArg('opts.mode', `one of ${MODES.map((m) => `'${m}'`).join(', ')}`, mode);
  if (mode === 'constant') {
    const value = o.value === undefined ? 0 : checkNumber('opts.value', o.value);
    return constantPad(input, pad, value);
  }
  if (o.value !== undefined && o.value !== 0) invalidArg('opts.value', `no value for mode '${mode}' (only 'constant' takes one)`, o.value);
  return nativePad(input, pad, mode);
}

/** before/after per dim of the input, from PyTorch's last-dim-first pad list. */
function perDim(input: Tensor, pad: number[]): [number[], number[]] {
  const before = new Array<number>(input.ndim).fill(0);
  const after = new Array<number>(input.ndim).fill(0);
  for (let k = 0; k < pad.length / 2; k++) {
    const d = input.ndim - 1 - k;
    before[d] = pad[2 * k];
    after[d] = pad[2 * k + 1];
  }
  return [before, after];
}

function constantPad(input: Tensor, pad: number[], value: number): Tensor {
  const [before, after] = perDim(input, pad);
  const outShape = input.shape.map((s, d) => s + before[d] + after[d]);
  outShape.forEach((s, d) => {
    if (s < 0)
      invalidArg('pad', `paddings that leave every dim a size >= 0 (dim ${d} of size ${input.shape[d]} would become ${s})`, pad);
  });
  // the part of the input that survives (negative pads crop) and where it lands
  const len = input.shape.map((s, d) => s + Math.min(before[d], 0) + Math.min(after[d], 0));
  len.forEach((l, d) => {
    // PyTorch crops with narrow(): negative pads may not remove more than the dim holds
    if (l < 0) invalidArg('pad', `negative paddings that crop at most the size of the dim (dim ${d} of size ${input.shape[d]})`, pad);
  });
  const copies = len.every((l) => l > 0);
  const region = (t: Tensor, starts: number[]): Tensor => starts.reduce((v, st, d) => v.narrow(d, st, len[d]), t);
  const inStart = before.map((b) => Math.max(-b, 0));
  const outStart = before.map((b) => Math.max(b, 0));
  const out = Tensor.empty(outShape, input.dtype, input.device);
  noGrad(() => {
    if (out.numel()) native.fill(out.arg(), { value });
    if (copies) region(out, outStart).copy_(region(input, inStart));
  });
  return record(out, [input], 'ConstantPadNdBackward', (g) => {
    const gi = Tensor.empty(input.shape.slice(), g.dtype, g.device, true);
    if (copies) noGrad(() => region(gi, inStart).copy_(region(g, outStart)));
    return [gi];
  });
}

function nativePad(input: Tensor, pad: number[], mode: Exclude<PadMode, 'constant'>): Tensor {
  const k = pad.length / 2;
  const nd = input.ndim;
  if (!(k >= 1 && k <= 3 && (nd === k + 1 || nd === k + 2)))
    shapeError('input', `a ${k + 1}-D or ${k + 2}-D input for ${pad.length} padding entries in mode '${mode}' (it pads the last 1, 2 or 3 dims)`, input);
  if (!isFloating(input.dtype)) typeArg('input', `a floating-point tensor (mode '${mode}')`, input);
  if (pad.some((v) => v < 0)) invalidArg('pad', `non-negative paddings for mode '${mode}' (negative padding is implemented for 'constant' only)`, pad);
  const [before, after] = perDim(input, pad);
  const spatial = input.shape.slice(nd - k);
  for (let j = 0; j < k; j++) {
    const d = nd - k + j;
    const n = input.shape[d];
    if (n < 1) shapeError('input', `a non-empty dim ${d} (mode '${mode}')`, input);
    if (mode === 'reflect' && (before[d] >= n || after[d] >= n))
      invalidArg('pad', `paddings smaller than the padded dim (reflect: dim ${d} has size ${n})`, pad);
    if (mode === 'circular' && (before[d] > n || after[d] > n))
      invalidArg('pad', `paddings at most the padded dim's size (circular: dim ${d} has size ${n}; padding may not wrap around more than once)`, pad);
  }
  const inSize: [number, number, number] = [1, 1, 1];
  const pads = [0, 0, 0, 0, 0, 0];
  for (let j = 0; j < k; j++) {
    const slot = 3 - k + j;
    const d = nd - k + j;
    inSize[slot] = spatial[j];
    pads[2 * slot] = before[d];
    pads[2 * slot + 1] = after[d];
  }
  const outer = input.shape.slice(0, nd - k).reduce((a, b) => a * b, 1);
  const outShape = input.shape.map((s, d) => s + before[d] + after[d]);
  const [opName, gradOp] = NATIVE[mode];
  const params = { mode: enums.PadMode[opName], outer, inSize, pads };
  const x = input.contiguous();
  const out = Tensor.empty(outShape, input.dtype, input.device);
  native.pad(x.arg(), out.arg(), params);
  if (x !== input) x.dispose();
  return record(out, [input], gradOp, (g) => {
    const gc = g.contiguous();
    const gi = Tensor.empty(input.shape.slice(), input.dtype, input.device);
    native.padBackward(gc.arg(), gi.arg(), params);
    if (gc !== g) gc.dispose();
    return [gi];
  });
}
