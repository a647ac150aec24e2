// lib/nn/normalization_nd.ts — nn.InstanceNorm1d ([N, C, L] or unbatched [C, L]), nn.InstanceNorm2d
// ([N, C, H, W] or [C, H, W]) and nn.InstanceNorm3d ([N, C, D, H, W] or [C, D, H, W]), one class in three
// ranks (PyTorch's defaults
// affine=false, trackRunningStats=false; weight/bias parameters and running_mean / running_var /
// num_batches_tracked buffers under PyTorch's state-dict names), and nn.LocalResponseNorm
// (lib/ops/local_response_norm.ts), with PyTorch's reprs.
import { invalidArg, checkInt, shapeError, checkOptionKeys, optBool, checkNumber } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { ones, zeros, tensor } from '../creation';
import { Module, Parameter } from './module';
import { instanceNorm } from '../ops/norm';
import { localResponseNorm, LocalResponseNormOptions } from '../ops/local_response_norm';
import { pyFloat } from './normalization';

export interface InstanceNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** PyTorch's _InstanceNorm for inputs of `rank` dims (rank - 1 when unbatched). */
abstract class InstanceNormNd extends Module {
  static readonly stateDictNames: Readonly<Record<string, string>> = Object.freeze({
    runningMean: 'running_mean',
    runningVar: 'running_var',
    numBatchesTracked: 'num_batches_tracked',
  });
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean!: Tensor | null;
  runningVar!: Tensor | null;
  /** Registered (and never incremented) when tracking running stats, as in PyTorch's state dict. */
  numBatchesTracked!: Tensor | null;
  protected abstract readonly rank: number;
  protected abstract readonly layout: string;
  constructor(readonly numFeatures: number, opts: InstanceNormOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    checkInt('numFeatures', numFeatures, 1);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum; // null: PyTorch's forward refuses it
    if (typeof this.eps !== 'number' || !(this.eps > 0) || !Number.isFinite(this.eps)) invalidArg('opts.eps', 'a positive number', this.eps);
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) invalidArg('opts.momentum', 'a number in [0, 1]', this.momentum);
    this.affine = optBool('opts.affine', opts.affine ?? undefined, false);
    this.trackRunningStats = optBool('opts.trackRunningStats', opts.trackRunningStats ?? undefined, false);
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    this.registerBuffer('runningMean', this.trackRunningStats ? zeros([numFeatures]) : null);
    this.registerBuffer('runningVar', this.trackRunningStats ? ones([numFeatures]) : null);
    this.registerBuffer('numBatchesTracked', this.trackRunningStats ? tensor(0, { dtype: 'int64' }) : null);
  }
  forward(x: Tensor): Tensor {
    checkTensor('input', x);
    if (x.ndim !== this.rank - 1 && x.ndim !== this.rank) shapeError('input', this.layout, x);
    if (x.ndim === this.rank - 1) return this.forward(x.unsqueeze(0)).squeeze(0);
    if (x.shape[1] !== this.numFeatures) shapeError('input', `${this.numFeatures} channels (dimension 1)`, x);
    const useInput = this.training || !this.trackRunningStats;
    return instanceNorm(x, {
      runningMean: this.training ? this.runningMean : useInput ? null : this.runningMean,
      runningVar: this.training ? this.runningVar : useInput ? null : this.runningVar,
      weight: this.weight, bias: this.bias, useInputStats: useInput, momentum: this.momentum, eps: this.eps,
    });
  }
  extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

export class InstanceNorm1d extends InstanceNormNd {
  protected readonly rank = 3;
  protected readonly layout = 'a 2-D [C, L] or 3-D [N, C, L] tensor';
}

export class InstanceNorm2d extends InstanceNormNd {
  protected readonly rank = 4;
  protected readonly layout = 'a 3-D [C, H, W] or 4-D [N, C, H, W] tensor';
}

export class InstanceNorm3d extends InstanceNormNd {
  protected readonly rank = 5;
  protected readonly layout = 'a 4-D [C, D, H, W] or 5-D [N, C, D, H, W] tensor';
}

export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  constructor(readonly size: number, opts: LocalResponseNormOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['alpha', 'beta', 'k']);
    checkInt('size', size, 1);
    this.alpha = checkNumber('opts.alpha', opts.alpha ?? 1e-4);
    this.beta = checkNumber('opts.beta', opts.beta ?? 0.75);
    this.k = checkNumber('opts.k', opts.k ?? 1);
  }
  forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }
  extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
