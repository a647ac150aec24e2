// lib/nn/conv.ts — nn.Conv1d, nn.Conv2d and nn.Conv3d over one ConvNd base: argument checks with
// named errors, PyTorch's default initialisation (kaiming_uniform_(a=sqrt(5)) weight,
// uniform(+-1/sqrt(fan_in)) bias) and PyTorch's printed form (one-element tuples as "(3,)").
import { invalidArg, checkInt, checkTuple, checkOptionKeys, optBool } from '../errors';
import { Tensor } from '../tensor';
import { empty } from '../creation';
import { Module, Parameter } from './module';
import * as init from './init';
import { conv1d, conv2d, conv3d, convAlgorithms, ConvAlgorithms, ConvOptions as ConvFnOptions } from '../ops/conv';

const tuple = (v: number[]): string => (v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`);
type ConvOptions = ConvFnOptions & { bias?: boolean };

abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;
  constructor(dims: number, inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'groups', 'bias']);
    this.inChannels = checkInt('inChannels', inChannels, 1);
    this.outChannels = checkInt('outChannels', outChannels, 1);
    this.kernelSize = checkTuple('kernelSize', kernelSize, dims, 1);
    this.stride = checkTuple('stride', opts.stride ?? 1, dims, 1);
    const pad = opts.padding ?? 0;
    this.padding = pad === 'same' || pad === 'valid' ? pad : checkTuple('padding', pad, dims, 0);
    this.dilation = checkTuple('dilation', opts.dilation ?? 1, dims, 1);
    this.groups = checkInt('groups', opts.groups ?? 1, 1);
    if (inChannels % this.groups) invalidArg('groups', `a divisor of inChannels (${inChannels})`, this.groups);
    if (outChannels % this.groups) invalidArg('groups', `a divisor of outChannels (${outChannels})`, this.groups);
    if (pad === 'same' && this.stride.some((s) => s !== 1)) invalidArg('padding', "numeric padding ('same' requires stride 1)", pad);
    this.weight = new Parameter(empty([outChannels, inChannels / this.groups, ...this.kernelSize]));
    this.bias = optBool('opts.bias', opts.bias, true) ? new Parameter(empty([outChannels])) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  /** The input shape of the last forward pass (null before the first). */
  protected lastInputShape: number[] | null = null;
  /** The CPU algorithms this layer's convolution chose in its last forward pass (forward, input and
   * weight gradients), or null before the first (see torch.backends.conv). */
  get algorithms(): ConvAlgorithms | null {
    return this.lastInputShape ? convAlgorithms(this.lastInputShape, this.weight.shape, this.opts()) : null;
  }
  protected opts(): { stride: number[]; padding: number[] | 'same' | 'valid'; dilation: number[]; groups: number } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
  extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    const pad = this.padding;
    if (typeof pad === 'string') s += `, padding=${pad}`;
    else if (pad.some((p) => p !== 0)) s += `, padding=${tuple(pad)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    const y = conv1d(x, this.weight, this.bias, this.opts());
    this.lastInputShape = x.shape;
    return y;
  }
}

export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    const y = conv2d(x, this.weight, this.bias, this.opts());
    this.lastInputShape = x.shape;
    return y;
  }
}

export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    const y = conv3d(x, this.weight, this.bias, this.opts());
    this.lastInputShape = x.shape;
    return y;
  }
}
