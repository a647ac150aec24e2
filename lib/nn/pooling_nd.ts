// lib/nn/pooling_nd.ts — the 1-D and 3-D pooling modules (MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
// AdaptiveMaxPool1d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d) and the power-average
// ones (LPPool1d, LPPool2d), over lib/ops/pool1d.ts, pool3d.ts and lp_pool.ts. Constructors check
// their arguments as the functions do (errors name them); the attributes keep the values as given
// (stride null means the kernel size) and extraRepr prints them as PyTorch's does.
import { invalidArg, checkInt, checkTuple, checkOptionKeys, optBool } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import {
  maxPool1d, avgPool1d, adaptiveAvgPool1d, adaptiveMaxPool1d, adaptiveOutputSize1d, window1d,
  MaxPool1dOptions, AvgPool1dOptions,
} from '../ops/pool1d';
import {
  maxPool3d, avgPool3d, adaptiveAvgPool3d, adaptiveMaxPool3d, adaptiveOutputSize3d,
  MaxPool3dOptions, AvgPool3dOptions, AdaptiveOutputSize3d,
} from '../ops/pool3d';
import { lpPool1d, lpPool2d, checkNormType, LpPoolOptions } from '../ops/lp_pool';

/** A value as Python prints it: arrays as tuples ((3,) for one element), null as None, booleans as True/False. */
function py(v: unknown): string {
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(', ')})`;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}
const copy = <T>(v: T): T => (Array.isArray(v) ? (v.slice() as T) : v);

function check3d(kernelSize: unknown, opts: { stride?: unknown; padding?: unknown; dilation?: unknown }): void {
  const k = checkTuple('kernelSize', kernelSize, 3, 1);
  if (opts.stride != null) checkTuple('stride', opts.stride, 3, 1);
  const p = checkTuple('padding', opts.padding ?? 0, 3, 0);
  checkTuple('dilation', opts.dilation ?? 1, 3, 1);
  if (p.some((v, i) => v * 2 > k[i])) invalidArg('padding', 'at most half the kernel size', opts.padding);
}

/** MaxPool1d / MaxPool3d: the attributes and repr of PyTorch's _MaxPoolNd. */
abstract class MaxPoolNd extends Module {
  readonly kernelSize: number | number[];
  readonly stride: number | number[];
  readonly padding: number | number[];
  readonly dilation: number | number[];
  readonly ceilMode: boolean;
  readonly returnIndices: boolean;
  constructor(kernelSize: number | number[], opts: MaxPool1dOptions | MaxPool3dOptions, check: (k: unknown, o: MaxPool1dOptions) => void) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
    this.ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
    this.returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
    check(kernelSize, opts);
    this.kernelSize = copy(kernelSize);
    this.stride = copy(opts.stride ?? kernelSize);
    this.padding = copy(opts.padding ?? 0);
    this.dilation = copy(opts.dilation ?? 1);
  }
  protected get poolOpts() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices };
  }
  extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: number | number[], opts: MaxPool1dOptions = {}) {
    super(kernelSize, opts, (k, o) => window1d(k, o));
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return maxPool1d(x, this.kernelSize, this.poolOpts);
  }
}

export class MaxPool3d extends MaxPoolNd {
  constructor(kernelSize: number | number[], opts: MaxPool3dOptions = {}) {
    super(kernelSize, opts, check3d);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return maxPool3d(x, this.kernelSize, this.poolOpts);
  }
}

/** nn.AvgPool1d: PyTorch keeps its sizes as 1-tuples (kernel_size=(3,)). */
export class AvgPool1d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(kernelSize: number | number[], opts: AvgPool1dOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
    this.ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
    this.countIncludePad = optBool('opts.countIncludePad', opts.countIncludePad ?? undefined, true);
    const { k, s, p } = window1d(kernelSize, { stride: opts.stride, padding: opts.padding });
    this.kernelSize = [k];
    this.stride = [s];
    this.padding = [p];
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
  extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

export class AvgPool3d extends Module {
  readonly kernelSize: number | number[];
  readonly stride: number | number[];
  readonly padding: number | number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(kernelSize: number | number[], opts: AvgPool3dOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
    this.ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
    this.countIncludePad = optBool('opts.countIncludePad', opts.countIncludePad ?? undefined, true);
    this.divisorOverride = opts.divisorOverride == null ? null : checkInt('divisorOverride', opts.divisorOverride, 1);
    check3d(kernelSize, { stride: opts.stride, padding: opts.padding });
    this.kernelSize = copy(kernelSize);
    this.stride = copy(opts.stride ?? kernelSize);
    this.padding = copy(opts.padding ?? 0);
  }
  forward(x: Tensor): Tensor {
    return avgPool3d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }
  extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

export class AdaptiveAvgPool1d extends Module {
  readonly outputSize: number | number[];
  constructor(outputSize: number | number[]) {
    super();
    adaptiveOutputSize1d(outputSize);
    this.outputSize = copy(outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}

export class AdaptiveMaxPool1d extends Module {
  readonly outputSize: number | number[];
  readonly returnIndices: boolean;
  constructor(outputSize: number | number[], opts: { returnIndices?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['returnIndices']);
    adaptiveOutputSize1d(outputSize);
    this.outputSize = copy(outputSize);
    this.returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return adaptiveMaxPool1d(x, this.outputSize, { returnIndices: this.returnIndices });
  }
  extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}

export class AdaptiveAvgPool3d extends Module {
  readonly outputSize: AdaptiveOutputSize3d;
  constructor(outputSize: AdaptiveOutputSize3d) {
    super();
    adaptiveOutputSize3d(outputSize, [1, 1, 1]);
    this.outputSize = copy(outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool3d(x, this.outputSize);
  }
  extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}

export class AdaptiveMaxPool3d extends Module {
  readonly outputSize: AdaptiveOutputSize3d;
  readonly returnIndices: boolean;
  constructor(outputSize: AdaptiveOutputSize3d, opts: { returnIndices?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['returnIndices']);
    adaptiveOutputSize3d(outputSize, [1, 1, 1]);
    this.outputSize = copy(outputSize);
    this.returnIndices = optBool('opts.returnIndices', opts.returnIndices ?? undefined, false);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return adaptiveMaxPool3d(x, this.outputSize, { returnIndices: this.returnIndices });
  }
  extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}

/** LPPool1d / LPPool2d: PyTorch's _LPPoolNd (stride printed None when not given). */
abstract class LPPoolNd extends Module {
  readonly normType: number;
  readonly kernelSize: number | number[];
  readonly stride: number | number[] | null;
  readonly ceilMode: boolean;
  constructor(normType: number, kernelSize: number | number[], opts: LpPoolOptions, n: number) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'ceilMode']);
    this.normType = checkNormType(normType);
    checkTuple('kernelSize', kernelSize, n, 1);
    if (opts.stride != null) checkTuple('stride', opts.stride, n, 1);
    this.ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
    this.kernelSize = copy(kernelSize);
    this.stride = copy(opts.stride ?? null);
  }
  extraRepr(): string {
    return `norm_type=${this.normType}, kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

export class LPPool1d extends LPPoolNd {
  constructor(normType: number, kernelSize: number | number[], opts: LpPoolOptions = {}) {
    super(normType, kernelSize, opts, 1);
  }
  forward(x: Tensor): Tensor {
    return lpPool1d(x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode });
  }
}

export class LPPool2d extends LPPoolNd {
  constructor(normType: number, kernelSize: number | number[], opts: LpPoolOptions = {}) {
    super(normType, kernelSize, opts, 2);
  }
  forward(x: Tensor): Tensor {
    return lpPool2d(x, this.normType, this.kernelSize, { stride: this.stride, ceilMode: this.ceilMode });
  }
}
