// lib/nn/activation_more.ts — nn.Softmin, nn.Softmax2d, nn.Tanhshrink, nn.Hardshrink, nn.Softshrink,
// nn.RReLU, nn.ChannelShuffle and nn.Bilinear over lib/ops/activation_more.ts, with PyTorch 1.13's
// constructor arguments and defaults (the numbers PyTorch users pass positionally may be given so;
// options in one object), validated at construction, PyTorch's toString() (`Hardshrink(0.5)`,
// `RReLU(lower=0.125, upper=0.3333333333333333)`, `Bilinear(in1_features=2, in2_features=3,
// out_features=4, bias=True)`) and, for Bilinear, PyTorch's parameters (`weight` [out, in1, in2],
// `bias` [out], both U(-1/sqrt(in1), 1/sqrt(in1)) at construction) and state-dict keys.
import { checkInt, checkNumber, checkOptionKeys, invalidArg, noExtraArgs, numberOrOpts, optBool, shapeError } from '../errors';
import type { Tensor } from '../tensor';
import { checkTensor } from '../tensor';
import { empty } from '../creation';
import { Module, Parameter } from './module';
import * as init from './init';
import { softmax } from '../ops/activation';
import * as A from '../ops/activation_more';

/** nn.Softmin(dim): softmin over dim (required, as torchlet's nn.Softmax). */
export class Softmin extends Module {
  readonly dim: number;
  constructor(dim: number, ...rest: never[]) {
    super();
    noExtraArgs('Softmin', 'dim', rest);
    this.dim = checkInt('dim', dim);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return A.softmin(input, this.dim);
  }
  extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** nn.Softmax2d(): softmax over the channels (dim -3) of a [C, H, W] or [N, C, H, W] input. */
export class Softmax2d extends Module {
  constructor(...rest: never[]) {
    super();
    noExtraArgs('Softmax2d', '', rest);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    const x = checkTensor('input', input);
    if (x.ndim !== 3 && x.ndim !== 4) shapeError('input', 'a 3-D [C, H, W] or 4-D [N, C, H, W] tensor (Softmax2d requires a 3D or 4D tensor)', x);
    return softmax(x, -3);
  }
}

/** nn.Tanhshrink(): x - tanh(x). */
export class Tanhshrink extends Module {
  constructor(...rest: never[]) {
    super();
    noExtraArgs('Tanhshrink', '', rest);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return A.tanhshrink(input);
  }
}

abstract class Shrink extends Module {
  readonly lambd: number;
  constructor(name: string, lambd: number | A.ShrinkOptions | undefined, rest: readonly unknown[], nonNegative: boolean) {
    super();
    const o = numberOrOpts<A.ShrinkOptions>(name, 'lambd', lambd, undefined, rest, ['lambd']);
    this.lambd = o.lambd === undefined ? 0.5 : checkNumber('lambd', o.lambd);
    if (nonNegative && !(this.lambd >= 0)) invalidArg('lambd', 'a number >= 0 (lambda must be greater or equal to 0)', this.lambd);
  }
  extraRepr(): string {
    return String(this.lambd);
  }
}
/** nn.Hardshrink(lambd = 0.5) (or `{lambd}`): 0 in [-lambd, lambd], x elsewhere. */
export class Hardshrink extends Shrink {
  constructor(lambd?: number | A.ShrinkOptions, ...rest: never[]) {
    super('Hardshrink', lambd, rest, false);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return A.hardshrink(input, this.lambd);
  }
}
/** nn.Softshrink(lambd = 0.5) (or `{lambd}`, lambd >= 0): x -+ lambd outside [-lambd, lambd], 0 inside. */
export class Softshrink extends Shrink {
  constructor(lambd?: number | A.ShrinkOptions, ...rest: never[]) {
    super('Softshrink', lambd, rest, true);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return A.softshrink(input, this.lambd);
  }
}

export interface RReLUOptions {
  lower?: number;
  upper?: number;
  inplace?: boolean;
}
/**
 * nn.RReLU(lower = 1/8, upper = 1/3, {inplace}) or nn.RReLU({lower, upper, inplace}): random slopes in
 * training mode, the mean slope (lower + upper) / 2 in eval mode (F.rrelu with training = this.training).
 * lower <= upper is checked here (PyTorch checks it at the first forward).
 */
export class RReLU extends Module {
  readonly lower: number;
  readonly upper: number;
  readonly inplace: boolean;
  constructor(lower?: number | RReLUOptions, upper?: number, opts?: { inplace?: boolean }, ...rest: never[]) {
    super();
    noExtraArgs('RReLU', 'lower | opts, upper, opts', rest);
    let o: RReLUOptions;
    if (typeof lower === 'object' && lower !== null && !Array.isArray(lower)) {
      if (upper !== undefined || opts !== undefined) invalidArg('RReLU()', 'at most the arguments (lower, upper, opts), or one options object', 'arguments after the options');
      o = checkOptionKeys('opts', lower, ['lower', 'upper', 'inplace']);
    } else {
      o = { ...checkOptionKeys('opts', opts, ['inplace']), lower: lower as number | undefined, upper };
    }
    [this.lower, this.upper] = A.rreluBounds(o.lower, o.upper, '');
    this.inplace = optBool('opts.inplace', o.inplace, false);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return A.rrelu(input, { lower: this.lower, upper: this.upper, training: this.training, inplace: this.inplace });
  }
  extraRepr(): string {
    return `lower=${this.lower}, upper=${this.upper}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** nn.ChannelShuffle(groups): F.channelShuffle(x, groups). */
export class ChannelShuffle extends Module {
  readonly groups: number;
  constructor(groups: number, ...rest: never[]) {
    super();
    noExtraArgs('ChannelShuffle', 'groups', rest);
    this.groups = checkInt('groups', groups);
    if (this.groups <= 0) invalidArg('groups', 'a positive number of groups to divide the channels in', this.groups);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return A.channelShuffle(input, this.groups);
  }
  extraRepr(): string {
    return `groups=${this.groups}`;
  }
}

/** nn.Bilinear(in1Features, in2Features, outFeatures, {bias=true}); forward(input1, input2). */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;
  constructor(in1Features: number, in2Features: number, outFeatures: number, opts: { bias?: boolean } = {}, ...rest: never[]) {
    super();
    noExtraArgs('Bilinear', 'in1Features, in2Features, outFeatures, opts', rest);
    const o = checkOptionKeys('opts', opts, ['bias']);
    this.in1Features = checkInt('in1Features', in1Features, 1);
    this.in2Features = checkInt('in2Features', in2Features, 0);
    this.outFeatures = checkInt('outFeatures', outFeatures, 0);
    this.weight = new Parameter(empty([this.outFeatures, this.in1Features, this.in2Features]));
    this.bias = optBool('opts.bias', o.bias, true) ? new Parameter(empty([this.outFeatures])) : null;
    this.resetParameters();
  }
  /** PyTorch's: weight and bias ~ U(-1/sqrt(in1Features), 1/sqrt(in1Features)). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }
  forward(input1: Tensor, input2: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input1, input2', rest);
    return A.bilinear(input1, input2, this.weight, this.bias);
  }
  extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}
