// lib/nn/conv.ts — nn.Conv1d, nn.Conv2d and nn.Conv3d over one ConvNd base, and nn.ConvTranspose1d /
// 2d / 3d over ConvTransposeNd: argument checks with named errors, PyTorch's default
// initialisation (kaiming_uniform_(a=sqrt(5)) weight, uniform(+-1/sqrt(fan_in)) bias) and PyTorch's
// printed form (one-element tuples as "(3,)"). The convolutions take PyTorch's paddingMode: 'zeros'
// (default), or 'reflect' / 'replicate' / 'circular', where the input is padded by F.pad in that mode
// and then convolved without padding (PyTorch's _conv_forward; jit.freeze leaves such a layer as is).
import { invalidArg, checkInt, checkTuple, checkOptionKeys, noExtraArgs, typeArg, optBool } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { empty } from '../creation';
import { Module, Parameter } from './module';
import * as init from './init';
import { pad } from '../ops/pad';
import { conv1d, conv2d, conv3d, convAlgorithms, ConvAlgorithms, ConvOptions as ConvFnOptions, convTransposeNd, Nd } from '../ops/conv';

const tuple = (v: number[]): string => (v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`);
/** PyTorch's padding_mode: zeros (the convolution's own padding) or the padding F.pad makes first. */
export type ConvPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
type ConvOptions = ConvFnOptions & { bias?: boolean; paddingMode?: ConvPaddingMode };

abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  /** 'zeros' (default), or 'reflect' / 'replicate' / 'circular': the input padded by F.pad in that mode, then convolved without padding */
  readonly paddingMode: ConvPaddingMode;
  weight: Parameter;
  bias: Parameter | null;
  constructor(dims: number, inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode']);
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
    const mode = opts.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) invalidArg('opts.paddingMode', "'zeros', 'reflect', 'replicate' or 'circular'", mode);
    this.paddingMode = mode;
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
    return { stride: this.stride, padding: this.paddingMode === 'zeros' ? this.padding : this.kernelSize.map(() => 0), dilation: this.dilation, groups: this.groups };
  }
  /** The convolution's input: x, or x padded by F.pad in paddingMode (then the convolution pads nothing), as PyTorch's _conv_forward. */
  protected input(x: Tensor): Tensor {
    return this.paddingMode === 'zeros' ? x : pad(checkTensor('input', x), padAmounts(this.kernelSize, this.padding, this.dilation), { mode: this.paddingMode });
  }
  extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    const pad = this.padding;
    if (typeof pad === 'string') s += `, padding=${pad}`;
    else if (pad.some((p) => p !== 0)) s += `, padding=${tuple(pad)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/** F.pad's amounts for a paddingMode other than zeros, last dim first (PyTorch's _reversed_padding_repeated_twice). */
function padAmounts(kernel: number[], padding: number[] | 'same' | 'valid', dilation: number[]): number[] {
  const out: number[] = [];
  for (let d = kernel.length - 1; d >= 0; d--) {
    if (padding === 'valid') out.push(0, 0);
    else if (padding === 'same') {
      const total = dilation[d] * (kernel[d] - 1);
      out.push(Math.floor(total / 2), total - Math.floor(total / 2));
    } else out.push(padding[d], padding[d]);
  }
  return out;
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    const xin = this.input(x);
    const y = conv1d(xin, this.weight, this.bias, this.opts());
    this.lastInputShape = xin.shape;
    return y;
  }
}

export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    const xin = this.input(x);
    const y = conv2d(xin, this.weight, this.bias, this.opts());
    this.lastInputShape = xin.shape;
    return y;
  }
}

export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    const xin = this.input(x);
    const y = conv3d(xin, this.weight, this.bias, this.opts());
    this.lastInputShape = xin.shape;
    return y;
  }
}

/** nn.ConvTranspose1d / 2d / 3d options: F.convTranspose's and `bias`. */
export interface ConvTransposeOptions {
  stride?: number | number[];
  padding?: number | number[];
  outputPadding?: number | number[];
  groups?: number;
  dilation?: number | number[];
  bias?: boolean;
}

abstract class ConvTransposeNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;
  constructor(private readonly nd: Nd, inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvTransposeOptions) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'outputPadding', 'groups', 'dilation', 'bias']);
    this.inChannels = checkInt('inChannels', inChannels, 1);
    this.outChannels = checkInt('outChannels', outChannels, 1);
    this.kernelSize = checkTuple('kernelSize', kernelSize, nd, 1);
    this.stride = checkTuple('stride', opts.stride ?? 1, nd, 1);
    this.padding = checkTuple('padding', opts.padding ?? 0, nd, 0);
    this.outputPadding = checkTuple('outputPadding', opts.outputPadding ?? 0, nd, 0);
    this.dilation = checkTuple('dilation', opts.dilation ?? 1, nd, 1);
    this.groups = checkInt('groups', opts.groups ?? 1, 1);
    if (opts.bias !== undefined && typeof opts.bias !== 'boolean') typeArg('bias', 'a boolean', opts.bias);
    if (inChannels % this.groups) invalidArg('groups', `a divisor of inChannels (${inChannels})`, this.groups);
    if (outChannels % this.groups) invalidArg('groups', `a divisor of outChannels (${outChannels})`, this.groups);
    if (this.outputPadding.some((p, i) => p >= this.stride[i] && p >= this.dilation[i]))
      invalidArg('outputPadding', 'values smaller than either stride or dilation', opts.outputPadding);
    this.weight = new Parameter(empty([inChannels, outChannels / this.groups, ...this.kernelSize]));
    this.bias = opts.bias === false ? null : new Parameter(empty([outChannels]));
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
  /**
   * The output padding for an `outputSize` (the spatial sizes, or the whole shape with the batch and
   * channel dims) as PyTorch's _output_padding: each size must lie in [min, min + stride - 1] where
   * min is the output size without output padding. Without outputSize, the layer's outputPadding.
   */
  protected outputPaddingFor(x: Tensor, outputSize: number[] | undefined): number[] {
    if (outputSize === undefined || outputSize === null) return this.outputPadding;
    const nd = this.nd;
    if (!Array.isArray(outputSize) || !outputSize.every((v) => Number.isInteger(v) && v >= 0))
      typeArg('outputSize', 'an array of non-negative integers', outputSize);
    const nonSpatial = x.ndim === nd + 2 ? 2 : 1;
    let size = outputSize;
    if (size.length === nonSpatial + nd) size = size.slice(nonSpatial);
    if (size.length !== nd) invalidArg('outputSize', `${nd} or ${nd + nonSpatial} sizes`, outputSize);
    const inSize = x.shape.slice(x.ndim - nd);
    return size.map((s, i) => {
      const min = (inSize[i] - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      const max = min + this.stride[i] - 1;
      if (s < min || s > max) invalidArg('outputSize', `sizes between [${min}] and [${max}] in dim ${i} for this input`, outputSize);
      return s - min;
    });
  }
  protected run(x: Tensor, outputSize: number[] | undefined, rest: never[]): Tensor {
    noExtraArgs(`${this.constructor.name}.forward`, 'input, outputSize', rest);
    checkTensor('input', x);
    if (x.ndim !== this.nd + 1 && x.ndim !== this.nd + 2) convTransposeNd(this.nd, x, this.weight, this.bias, {});  // throws the shape error
    const outputPadding = this.outputPaddingFor(x, outputSize);
    return convTransposeNd(this.nd, x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }
  extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${tuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${tuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${tuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/** Transposed 1-D convolution: weight [inChannels, outChannels/groups, kL]; forward(x, outputSize?). */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvTransposeOptions = {}, ...rest: never[]) {
    noExtraArgs('ConvTranspose1d', 'inChannels, outChannels, kernelSize, { stride, padding, outputPadding, groups, dilation, bias }', rest);
    super(1, inChannels, outChannels, kernelSize, opts);
  }
  /** x [N, C, L] or [C, L]; outputSize picks the output length where several are possible (stride > 1). */
  forward(x: Tensor, outputSize?: number[], ...rest: never[]): Tensor {
    return this.run(x, outputSize, rest);
  }
}

/** Transposed 2-D convolution: weight [inChannels, outChannels/groups, kH, kW]; forward(x, outputSize?). */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvTransposeOptions = {}, ...rest: never[]) {
    noExtraArgs('ConvTranspose2d', 'inChannels, outChannels, kernelSize, { stride, padding, outputPadding, groups, dilation, bias }', rest);
    super(2, inChannels, outChannels, kernelSize, opts);
  }
  /** x [N, C, H, W] or [C, H, W]; outputSize ([H, W] or [N, C, H, W]) picks the output size where several are possible. */
  forward(x: Tensor, outputSize?: number[], ...rest: never[]): Tensor {
    return this.run(x, outputSize, rest);
  }
}

/** Transposed 3-D convolution: weight [inChannels, outChannels/groups, kD, kH, kW]; forward(x, outputSize?). */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvTransposeOptions = {}, ...rest: never[]) {
    noExtraArgs('ConvTranspose3d', 'inChannels, outChannels, kernelSize, { stride, padding, outputPadding, groups, dilation, bias }', rest);
    super(3, inChannels, outChannels, kernelSize, opts);
  }
  /** x [N, C, D, H, W] or [C, D, H, W]; outputSize ([D, H, W] or the whole shape) picks the output size where several are possible. */
  forward(x: Tensor, outputSize?: number[], ...rest: never[]): Tensor {
    return this.run(x, outputSize, rest);
  }
}
