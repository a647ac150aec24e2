// lib/ops/conv_common.ts — the part of conv2d and conv3d that does not depend on the number of
// spatial dims: run the native forward on contiguous operands and record the backward that calls
// the native input- and weight-gradient kernels (only for the inputs that need a gradient).
import type { TensorArg, OptTensorArg, ConvParams } from '../../binding';
import { native } from '../binding';
import { Tensor } from '../tensor';
import { record, GradOp } from '../autograd';

export interface ConvKernels {
  forward(x: TensorArg, w: TensorArg, b: OptTensorArg, y: TensorArg, params: ConvParams): void;
  backwardInput(dy: TensorArg, w: TensorArg, dx: TensorArg, params: ConvParams): void;
  backwardWeight(dy: TensorArg, x: TensorArg, dw: TensorArg, db: OptTensorArg, params: ConvParams): void;
}

/** The N-dimensional native convolution kernels (1-D, 2-D and 3-D share them). */
export const CONV_KERNELS: ConvKernels = {
  forward: (x, w, b, y, p) => native.convForward(x, w, b, y, p),
  backwardInput: (dy, w, dx, p) => native.convBackwardInput(dy, w, dx, p),
  backwardWeight: (dy, x, dw, db, p) => native.convBackwardWeight(dy, x, dw, db, p),
};

/** y = conv(input, weight) + bias with output shape outShape; params are the kernel's. */
export function runConv(
  input: Tensor, weight: Tensor, bias: Tensor | null | undefined, outShape: number[], params: ConvParams, k: ConvKernels,
  op: GradOp = 'ConvolutionBackward',
): Tensor {
  const x = input.contiguous();
  const w = weight.contiguous();
  const b = bias ? bias.contiguous() : null;
  const y = Tensor.empty(outShape, input.dtype, input.device);
  k.forward(x.arg(), w.arg(), b ? b.arg() : null, y.arg(), params);
  return record(y, [input, weight, bias ?? null], op, (g) => {
    const gc = g.contiguous();
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (input.requiresGrad) {
      gx = Tensor.empty(input.shape.slice(), input.dtype, input.device);
      k.backwardInput(gc.arg(), w.arg(), gx.arg(), params);
    }
    const needB = !!bias && bias.requiresGrad;
    if (weight.requiresGrad || needB) {
      gw = Tensor.empty(weight.shape.slice(), weight.dtype, weight.device);
      gb = needB ? Tensor.empty([outShape[1]], input.dtype, input.device) : null;
      k.backwardWeight(gc.arg(), x.arg(), gw.arg(), gb ? gb.arg() : null, params);
      if (!weight.requiresGrad) {
        gw.dispose();
        gw = null;
      }
    }
    if (gc !== g) gc.dispose();
    return [gx, gw, gb];
  });
}
