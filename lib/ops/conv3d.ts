// lib/ops/conv3d.ts — 3-D convolution (stride, padding incl. 'same'/'valid', dilation, groups,
// optional bias) over [N, C, D, H, W] (or unbatched [C, D, H, W]), with gradients for input, weight
// and bias through the native conv3d kernels. Every argument is validated here with a named error.
import type { ConvParams } from '../../binding';
import { invalidArg, checkTuple, typeArg, dtypeError, shapeError, checkOptions } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { runConv, CONV_KERNELS } from './conv_common';

export interface Conv3dOptions {
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
  groups?: number;
}

export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv3dOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== 4 && input.ndim !== 5)
    shapeError('input', 'a 4-D [C, D, H, W] or 5-D [N, C, D, H, W] tensor', input);
  if (input.ndim === 4) {
    const y = conv3d(input.unsqueeze(0), weight, bias, opts);
    return y.squeeze(0);
  }
  if (weight.ndim !== 5) shapeError('weight', 'a 5-D tensor [outChannels, inChannels/groups, kD, kH, kW]', weight);
  if (weight.dtype !== input.dtype) dtypeError('weight', `a ${input.dtype} tensor (same dtype as input)`, weight);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) invalidArg('groups', 'a positive integer', groups);
  const [N, C, D, H, W] = input.shape;
  const [OC, Cg, KD, KH, KW] = weight.shape;
  if (KD < 1 || KH < 1 || KW < 1 || Cg < 1) shapeError('weight', 'a kernel of positive size', weight);
  if (C % groups !== 0) invalidArg('groups', `a divisor of the input channels (${C})`, groups);
  if (OC % groups !== 0) invalidArg('groups', `a divisor of the output channels (${OC})`, groups);
  if (Cg * groups !== C)
    invalidArg('input', `${Cg * groups} channels (weight expects ${Cg} per group x ${groups} groups)`, input);
  if (bias) {
    checkTensor('bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== OC) shapeError('bias', `a 1-D tensor of ${OC} elements`, bias);
    if (bias.dtype !== input.dtype) dtypeError('bias', `a ${input.dtype} tensor`, bias);
  }
  const [sd, sh, sw] = checkTuple('stride', opts.stride ?? 1, 3, 1);
  const [dd, dh, dw] = checkTuple('dilation', opts.dilation ?? 1, 3, 1);
  let pads: number[];
  // dims whose 'same' padding is odd in total: padded by ceil on both sides, first output dropped
  // (PyTorch puts the extra zero at the end, which is the same result).
  let trim = [false, false, false];
  const pad = opts.padding ?? 0;
  if (pad === 'valid') pads = [0, 0, 0];
  else if (pad === 'same') {
    if (sd !== 1 || sh !== 1 || sw !== 1) invalidArg('padding', "numeric padding ('same' requires stride 1)", pad);
    const tot = [dd * (KD - 1), dh * (KH - 1), dw * (KW - 1)];
    trim = tot.map((t) => t % 2 === 1);
    pads = tot.map((t) => Math.ceil(t / 2));
  } else if (typeof pad === 'string') return typeArg('padding', "a number, [d, h, w], 'same' or 'valid'", pad);
  else pads = checkTuple('padding', pad, 3, 0);
  const [pd, ph, pw] = pads;
  const OD = Math.floor((D + 2 * pd - dd * (KD - 1) - 1) / sd) + 1;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  if (OD < 1 || OH < 1 || OW < 1)
    shapeError('input', `a spatial size large enough for the kernel (output would be ${OD}x${OH}x${OW})`, input);
  const params: ConvParams = {
    N, C, OC, groups, in: [D, H, W], kernel: [KD, KH, KW], out: [OD, OH, OW], stride: [sd, sh, sw], pad: [pd, ph, pw],
    dilation: [dd, dh, dw],
  };
  let out = runConv(input, weight, bias, [N, OC, OD, OH, OW], params, CONV_KERNELS);
  trim.forEach((t, i) => {
    if (t) out = out.narrow(2 + i, 1, out.shape[2 + i] - 1);
  });
  return trim.some((t) => t) ? out.contiguous() : out;
}
