// lib/nn/pooling.ts — the pooling modules beyond MaxPool2d: AvgPool2d, AdaptiveAvgPool2d,
// AdaptiveMaxPool2d and MaxUnpool2d. Constructors validate their arguments (errors name them);
// extraRepr follows PyTorch's.
import { invalidArg, checkInt, checkTuple, checkOptionKeys, optBool } from '../errors';
import { Tensor } from '../tensor';
import { Module } from './module';
import {
  avgPool2d,
  AvgPool2dOptions,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  adaptiveOutputSize,
  AdaptiveOutputSize,
  maxUnpool2d,
} from '../ops/pool2d';

const tuple = (v: unknown[]): string => `(${v.map((x) => (x === null ? 'None' : String(x))).join(', ')})`;
const fmt = (v: unknown): string => (Array.isArray(v) ? tuple(v) : v === null ? 'None' : String(v));

export class AvgPool2d extends Module {
  readonly kernelSize: number | number[];
  readonly opts: AvgPool2dOptions;
  constructor(kernelSize: number | number[], opts: AvgPool2dOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
    optBool('opts.countIncludePad', opts.countIncludePad ?? undefined, true);
    optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
    const k = checkTuple('kernelSize', kernelSize, 2, 1);
    if (opts.stride != null) checkTuple('stride', opts.stride, 2, 1);
    const p = checkTuple('padding', opts.padding ?? 0, 2, 0);
    if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) invalidArg('padding', 'at most half the kernel size', opts.padding);
    if (opts.divisorOverride != null) checkInt('divisorOverride', opts.divisorOverride, 1);
    this.kernelSize = kernelSize;
    this.opts = { ...opts };
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.opts);
  }
  extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${fmt(this.kernelSize)}, stride=${fmt(o.stride ?? this.kernelSize)}, padding=${fmt(o.padding ?? 0)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: AdaptiveOutputSize;
  constructor(outputSize: AdaptiveOutputSize) {
    super();
    adaptiveOutputSize(outputSize, 1, 1);
    this.outputSize = Array.isArray(outputSize) ? outputSize.slice() : outputSize;
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  extraRepr(): string {
    return `output_size=${fmt(this.outputSize)}`;
  }
}

export class AdaptiveMaxPool2d extends Module {
  readonly outputSize: AdaptiveOutputSize;
  readonly returnIndices: boolean;
  constructor(outputSize: AdaptiveOutputSize, opts: { returnIndices?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['returnIndices']);
    adaptiveOutputSize(outputSize, 1, 1);
    this.outputSize = Array.isArray(outputSize) ? outputSize.slice() : outputSize;
    this.returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return adaptiveMaxPool2d(x, this.outputSize, { returnIndices: this.returnIndices });
  }
  extraRepr(): string {
    return `output_size=${fmt(this.outputSize)}`;
  }
}

export class MaxUnpool2d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  constructor(kernelSize: number | number[], opts: { stride?: number | number[] | null; padding?: number | number[] } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding']);
    this.kernelSize = checkTuple('kernelSize', kernelSize, 2, 1);
    this.stride = checkTuple('stride', opts.stride ?? this.kernelSize, 2, 1);
    this.padding = checkTuple('padding', opts.padding ?? 0, 2, 0);
  }
  forward(x: Tensor, indices: Tensor, outputSize?: number[] | null): Tensor {
    return maxUnpool2d(x, indices, this.kernelSize, { stride: this.stride, padding: this.padding, outputSize });
  }
  extraRepr(): string {
    return `kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}, padding=${tuple(this.padding)}`;
  }
}
