// lib/nn/layers.ts — nn modules: Linear, activations (ReLU ... SELU, PReLU), MaxPool2d,
// Dropout variants, Flatten, Identity, Sequential, ModuleList (the losses: nn/loss.ts). Constructors validate their arguments
// (errors name them); default initialisation is PyTorch's (kaiming_uniform_(a=sqrt(5)) weights,
// uniform(+-1/sqrt(fan_in)) biases).
import { invalidArg, checkInt, checkTuple, typeArg, TorchletError, checkOptionKeys, optBool, noExtraArgs } from '../errors';
import { Tensor } from '../tensor';
import { empty, full } from '../creation';
import { Module, Parameter } from './module';
import * as init from './init';
import * as E from '../ops/elementwise';
import { linear } from '../ops/matmul';
import { maxPool2d, MaxPool2dOptions } from '../ops/pool2d';
import { dropout, dropout2d, dropout3d, alphaDropout, checkP } from '../ops/dropout';
import { softmax, logSoftmax, selu, prelu } from '../ops/activation';
import type { InplaceOption } from '../ops/activation';
import { reluInplace } from '../ops/inplace';
import { InplaceActivation, numberOrOpts } from './module_options';
import { flatten } from '../ops/shape';

const tuple = (v: number[]): string => `(${v.join(', ')})`;

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['bias']);
    checkInt('inFeatures', inFeatures, 0);
    checkInt('outFeatures', outFeatures, 0);
    this.weight = new Parameter(empty([outFeatures, inFeatures]));
    this.bias = optBool('opts.bias', opts.bias, true) ? new Parameter(empty([outFeatures])) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}

/** `new nn.ReLU()`, `new nn.ReLU({inplace: true})` (the result written into the input: x.relu_()). */
export class ReLU extends InplaceActivation {
  constructor(opts?: boolean | InplaceOption, ...rest: never[]) {
    super('ReLU', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return this.inplace ? reluInplace(x) : E.relu(x);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return E.sigmoid(x);
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return E.tanh(x);
  }
}
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    checkInt('dim', dim);
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    checkInt('dim', dim);
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
/** Returns its input. Like PyTorch's, it takes any constructor arguments and ignores them (`nn.Identity(54, unused=0.1)`), so that it can stand in for any layer. */
export class Identity extends Module {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  constructor(...args: unknown[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class MaxPool2d extends Module {
  readonly kernelSize: number | number[];
  readonly opts: MaxPool2dOptions;
  constructor(kernelSize: number | number[], opts: MaxPool2dOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
    const k = checkTuple('kernelSize', kernelSize, 2, 1);
    if (opts.stride != null) checkTuple('stride', opts.stride, 2, 1);
    const p = checkTuple('padding', opts.padding ?? 0, 2, 0);
    checkTuple('dilation', opts.dilation ?? 1, 2, 1);
    if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) invalidArg('padding', 'at most half the kernel size', opts.padding);
    this.kernelSize = kernelSize;
    this.opts = { ...opts };
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.opts) as Tensor;
  }
  extraRepr(): string {
    const o = this.opts;
    const f = (v: unknown): string => (Array.isArray(v) ? tuple(v) : String(v));
    return `kernel_size=${f(this.kernelSize)}, stride=${f(o.stride ?? this.kernelSize)}, padding=${f(o.padding ?? 0)}, dilation=${f(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

/** The dropout modules' constructor: `(p = 0.5, {inplace})`, or `({p, inplace})`. */
abstract class DropoutBase extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(name: string, p: number | DropoutModuleOptions | undefined, opts: { inplace?: boolean } | undefined, rest: readonly unknown[]) {
    super();
    const o = numberOrOpts<DropoutModuleOptions>(name, 'p', p, opts, rest, ['p', 'inplace']);
    this.p = checkP(o.p ?? 0.5);
    this.inplace = optBool('opts.inplace', o.inplace, false);
  }
  extraRepr(): string {
    return `p=${this.p}, inplace=${this.inplace ? 'True' : 'False'}`;
  }
}
export interface DropoutModuleOptions {
  p?: number;
  inplace?: boolean;
}
export class Dropout extends DropoutBase {
  /** `new nn.Dropout(p = 0.5, {inplace})` or `new nn.Dropout({p, inplace})` */
  constructor(p?: number | DropoutModuleOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super('Dropout', p, opts, rest);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, inplace: this.inplace });
  }
}
/** Zeroes whole channels of [N, C, H, W] inputs. */
export class Dropout2d extends DropoutBase {
  constructor(p?: number | DropoutModuleOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super('Dropout2d', p, opts, rest);
  }
  forward(x: Tensor): Tensor {
    return dropout2d(x, { p: this.p, training: this.training, inplace: this.inplace });
  }
}
/** Zeroes whole channels of [N, C, D, H, W] inputs. */
export class Dropout3d extends DropoutBase {
  constructor(p?: number | DropoutModuleOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super('Dropout3d', p, opts, rest);
  }
  forward(x: Tensor): Tensor {
    return dropout3d(x, { p: this.p, training: this.training, inplace: this.inplace });
  }
}
export class AlphaDropout extends DropoutBase {
  constructor(p?: number | DropoutModuleOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super('AlphaDropout', p, opts, rest);
  }
  forward(x: Tensor): Tensor {
    return alphaDropout(x, { p: this.p, training: this.training, inplace: this.inplace });
  }
}

export class SELU extends InplaceActivation {
  constructor(opts?: boolean | InplaceOption, ...rest: never[]) {
    super('SELU', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return selu(x, { inplace: this.inplace });
  }
}
/** PReLU with one learnable slope, or one per channel (numParameters = channels). */
export class PReLU extends Module {
  weight: Parameter;
  readonly numParameters: number;
  constructor(opts: { numParameters?: number; init?: number } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['numParameters', 'init']);
    this.numParameters = checkInt('numParameters', opts.numParameters ?? 1, 1);
    if (opts.init !== undefined && (typeof opts.init !== 'number' || !Number.isFinite(opts.init))) invalidArg('opts.init', 'a finite number', opts.init);
    this.weight = new Parameter(full([this.numParameters], opts.init ?? 0.25));
  }
  forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }
  extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/** Holds submodules in a list (registered as '0', '1', ...), without a forward of its own. */
export class ModuleList extends Module {
  [index: number]: Module;
  constructor(modules: Module[] = []) {
    super();
    if (!Array.isArray(modules)) typeArg('modules', 'an array of nn.Modules', modules);
    modules.forEach((m) => this.append(m));
  }
  append(m: Module): this {
    if (!(m instanceof Module)) typeArg('module', 'an nn.Module', m);
    (this as unknown as Record<string, Module>)[String(this.length)] = m;
    return this;
  }
  get length(): number {
    return this.children().length;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
  forward(): never {
    throw new TorchletError('torchlet: ModuleList has no forward(); call its modules', 'ERR_TORCHLET_NOT_IMPLEMENTED');
  }
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    checkInt('startDim', startDim);
    checkInt('endDim', endDim);
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Modules applied in order; indexable (seq[0]) and iterable. */
export class Sequential extends Module {
  [index: number]: Module;
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) typeArg(`modules[${i}]`, 'an nn.Module', m);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
  }
  get length(): number {
    return this.children().length;
  }
  at(i: number): Module {
    checkInt('index', i);
    const kids = this.children();
    const k = i < 0 ? i + kids.length : i;
    if (!(k >= 0 && k < kids.length)) invalidArg('index', `an index in [${-kids.length}, ${kids.length - 1}]`, i);
    return kids[k];
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
  /** Adds `module` at the end; returns this (PyTorch's Sequential.append). */
  append(module: Module, ...rest: never[]): this {
    noExtraArgs('append', 'module', rest);
    if (!(module instanceof Module)) typeArg('module', 'an nn.Module', module);
    (this as unknown as Record<string, Module>)[String(this.length)] = module;
    return this;
  }
  /** Adds each module of `modules` (an array, a Sequential or any iterable of modules) at the end; returns this. */
  extend(modules: Iterable<Module>, ...rest: never[]): this {
    noExtraArgs('extend', 'modules', rest);
    if (modules === null || typeof (modules as Iterable<Module>)?.[Symbol.iterator] !== 'function') typeArg('modules', 'an iterable of nn.Modules', modules);
    const list = [...modules];
    list.forEach((m, i) => {
      if (!(m instanceof Module)) typeArg(`modules[${i}]`, 'an nn.Module', m);
    });
    for (const m of list) this.append(m);
    return this;
  }
  forward(x: unknown): unknown {
    let y = x;
    for (const m of this.children()) y = m.forward(y);
    return y;
  }
}

