// lib/ops/conv2d.ts — 2-D convolution (stride, padding incl. 'same'/'valid', dilation, groups,
// optional bias) over [N, C, H, W] (or unbatched [C, H, W]), with gradients for input, weight and
// bias through the native conv2d kernels. Every argument is validated here with a named error.
// Also conv2dReluMaxPool2d: conv2d -> ReLU -> max pooling (non-overlapping windows) in one native
// pass whose full-size conv output and gradient are never stored (same values and gradients).
import { native } from '../binding';
import type { ConvParams, Pool2dParams } from '../../binding';
import { invalidArg, checkTuple, typeArg, dtypeError, shapeError, checkOptions } from '../errors';
import { Tensor, checkTensor, isFloating } from '../tensor';
import { record } from '../autograd';
import { runConv, CONV_KERNELS } from './conv_common';
import { reluMaxPool2d } from './pool2d';

export interface Conv2dOptions {
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
  groups?: number;
}

export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  const prep = prepareConv2d(input, weight, bias, opts);
  if (prep instanceof Tensor) return prep;
  return runConv(input, weight, bias, prep.outShape, prep.params, CONV_KERNELS);
}

/**
 * Checks conv2d's arguments and returns the native kernel's params and the output shape — or the
 * finished result where the call is handled by another conv2d call (unbatched input, asymmetric
 * 'same' padding).
 */
function prepareConv2d(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions): Tensor | { params: ConvParams; outShape: number[] } {
  checkTensor('input', input);
  checkTensor('weight', weight);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor', input);
  if (input.ndim !== 3 && input.ndim !== 4) shapeError('input', 'a 3-D [C, H, W] or 4-D [N, C, H, W] tensor', input);
  if (input.ndim === 3) {
    const y = conv2d(input.unsqueeze(0), weight, bias, opts);
    return y.squeeze(0);
  }
  if (weight.ndim !== 4) shapeError('weight', 'a 4-D tensor [outChannels, inChannels/groups, kH, kW]', weight);
  if (weight.dtype !== input.dtype) dtypeError('weight', `a ${input.dtype} tensor (same dtype as input)`, weight);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) invalidArg('groups', 'a positive integer', groups);
  const [N, C, H, W] = input.shape;
  const [OC, Cg, KH, KW] = weight.shape;
  if (KH < 1 || KW < 1) shapeError('weight', 'a kernel of positive size', weight);
  if (C % groups !== 0) invalidArg('groups', `a divisor of the input channels (${C})`, groups);
  if (OC % groups !== 0) invalidArg('groups', `a divisor of the output channels (${OC})`, groups);
  if (Cg * groups !== C)
    invalidArg('input', `${Cg * groups} channels (weight expects ${Cg} per group x ${groups} groups)`, input);
  if (bias) {
    checkTensor('bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== OC) shapeError('bias', `a 1-D tensor of ${OC} elements`, bias);
    if (bias.dtype !== input.dtype) dtypeError('bias', `a ${input.dtype} tensor`, bias);
  }
  const [sh, sw] = checkTuple('stride', opts.stride ?? 1, 2, 1);
  const [dh, dw] = checkTuple('dilation', opts.dilation ?? 1, 2, 1);
  let ph: number;
  let pw: number;
  const pad = opts.padding ?? 0;
  if (pad === 'valid') [ph, pw] = [0, 0];
  else if (pad === 'same') {
    if (sh !== 1 || sw !== 1) invalidArg('padding', "numeric padding ('same' requires stride 1)", pad);
    const th = dh * (KH - 1);
    const tw = dw * (KW - 1);
    if (th % 2 || tw % 2) {
      // PyTorch pads the extra row/column at the bottom/right: pad, then convolve 'valid'
      const padded = padAsym(input, th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1));
      return conv2d(padded, weight, bias, { stride: 1, padding: 0, dilation: [dh, dw], groups });
    }
    [ph, pw] = [th / 2, tw / 2];
  } else if (typeof pad === 'string') return typeArg('padding', "a number, [h, w], 'same' or 'valid'", pad);
  else [ph, pw] = checkTuple('padding', pad, 2, 0);
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  if (OH < 1 || OW < 1)
    shapeError('input', `a spatial size large enough for the kernel (output would be ${OH}x${OW})`, input);
  const params: ConvParams = {
    N, C, OC, groups, in: [1, H, W], kernel: [1, KH, KW], out: [1, OH, OW], stride: [1, sh, sw], pad: [0, ph, pw], dilation: [1, dh, dw],
  };
  return { params, outShape: [N, OC, OH, OW] };
}

/**
 * maxPool2d(relu(conv2d(input, weight, bias, opts)), kernelSize) with stride = kernelSize — the
 * conv block of most small CNNs. For 4-D input the three run as one native pass: each image's conv
 * output lives only in a per-thread scratch buffer, is pooled from there, and the backward pass
 * rebuilds each image's conv-output gradient the same way. Values and gradients equal the unfused
 * ops'. Other inputs run the ops one after the other.
 */
export function conv2dReluMaxPool2d(
  input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions, kernelSize: number | number[],
): Tensor {
    opts = checkOptions('opts', opts);
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  if (input instanceof Tensor && input.ndim !== 4) return reluMaxPool2d(conv2d(input, weight, bias, opts), kernelSize);
  const prep = prepareConv2d(input, weight, bias, opts);
  if (prep instanceof Tensor) return reluMaxPool2d(prep, kernelSize);
  const [N, OC, OH, OW] = prep.outShape;
  if (kh * kw > 256 || OH < kh || OW < kw) return reluMaxPool2d(conv2d(input, weight, bias, opts), kernelSize);
  const [POH, POW] = [Math.floor(OH / kh), Math.floor(OW / kw)];
  const poolParams: Pool2dParams = { N, C: OC, H: OH, W: OW, OH: POH, OW: POW, kh, kw, sh: kh, sw: kw, ph: 0, pw: 0, dh: 1, dw: 1 };
  const tap = Tensor.empty([N, OC, POH, POW], 'uint8', input.device);
  // runConv's kernels, with the pooled output y and the taps standing in for the conv output
  const y: Tensor = runConv(input, weight, bias, [N, OC, POH, POW], prep.params, {
    forward: (x, w, b, out, prm) => native.conv2dReluMaxPool2dForward(x, w, b, out, tap.arg(), prm, poolParams),
    backwardInput: (g, w, dx, prm) => native.conv2dReluMaxPool2dBackwardInput(g, y.arg(), tap.arg(), w, dx, prm, poolParams),
    backwardWeight: (g, x, dw, db, prm) => native.conv2dReluMaxPool2dBackwardWeight(g, y.arg(), tap.arg(), x, dw, db, prm, poolParams),
  }, 'ConvReluMaxPoolBackward');
  return y;
}

/** Zero padding of the last two dims by (top, bottom, left, right), with gradient. */
function padAsym(x: Tensor, top: number, bottom: number, left: number, right: number): Tensor {
  const [N, C, H, W] = x.shape;
  const shape = [N, C, H + top + bottom, W + left + right];
  const out = Tensor.empty(shape, x.dtype, x.device, true);
  const st = out.strides;
  const win = new Tensor(out._storage, x.shape.slice(), x.dtype, x.device, st.slice(), top * st[2] + left * st[3]);
  native.copyStrided(x.stridedArg(), win.stridedArg(), { srcStrides: x.strides, outStrides: win.strides, shape: win.shape });
  win.dispose();
  return record(out, [x], 'ConstantPadNdBackward', (g) => {
    const gw = new Tensor(g._storage, x.shape.slice(), g.dtype, g.device, g.strides.slice(), g.offset + top * g.strides[2] + left * g.strides[3]);
    const r = Tensor.empty(x.shape.slice(), g.dtype, g.device);
    native.copyStrided(gw.stridedArg(), r.arg(), { srcStrides: gw.strides, outStrides: [], shape: r.shape });
    gw.dispose();
    return [r];
  });
}
