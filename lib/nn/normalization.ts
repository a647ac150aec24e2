// lib/nn/normalization.ts — BatchNorm1d/2d/3d, LayerNorm, GroupNorm modules (the instance norms are in
// normalization_nd.ts) with
// PyTorch's parameters, buffers (runningMean, runningVar, numBatchesTracked) and defaults.
// The buffers are camelCase attributes here and PyTorch's running_mean / running_var /
// num_batches_tracked (int64, shape []) in stateDict() keys (see RUNNING_STATS_NAMES and
// Module.stateDictNames), so state dicts move to and from PyTorch without renaming.
import { invalidArg, checkInt, shapeError, checkOptionKeys, typeArg, optBool } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { ones, zeros, tensor } from '../creation';
import { Module, Parameter } from './module';
import { batchNorm, layerNorm, groupNorm } from '../ops/norm';

/** A float as Python's repr writes it (1e-05, 0.1), for PyTorch-like toString(). */
export function pyFloat(v: number): string {
  if (typeof v !== 'number') typeArg('v', 'a number', v);
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e16)) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** PyTorch's state-dict names of the running-statistics buffers (nn.Module.stateDictNames). */
const RUNNING_STATS_NAMES: Readonly<Record<string, string>> = Object.freeze({
  runningMean: 'running_mean',
  runningVar: 'running_var',
  numBatchesTracked: 'num_batches_tracked',
});

interface BNOptions {
  eps?: number;
  /** null: a cumulative moving average (momentum 1 / numBatchesTracked), as PyTorch's momentum=None */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}
abstract class BatchNormBase extends Module {
  static readonly stateDictNames = RUNNING_STATS_NAMES;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean!: Tensor | null;
  runningVar!: Tensor | null;
  numBatchesTracked!: Tensor | null;
  protected abstract readonly ranks: number[];
  constructor(readonly numFeatures: number, opts: BNOptions = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    checkInt('numFeatures', numFeatures, 1);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (!(this.eps > 0)) invalidArg('eps', 'a positive number', this.eps);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) invalidArg('momentum', 'a number in [0, 1] or null', this.momentum);
    this.affine = optBool('opts.affine', opts.affine ?? undefined, true);
    this.trackRunningStats = optBool('opts.trackRunningStats', opts.trackRunningStats ?? undefined, true);
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    this.registerBuffer('runningMean', this.trackRunningStats ? zeros([numFeatures]) : null);
    this.registerBuffer('runningVar', this.trackRunningStats ? ones([numFeatures]) : null);
    this.registerBuffer('numBatchesTracked', this.trackRunningStats ? tensor(0, { dtype: 'int64' }) : null);
  }
  forward(x: Tensor): Tensor {
    checkTensor('input', x);
    if (!this.ranks.includes(x.ndim)) shapeError('input', `a ${this.ranks.join('-D or ')}-D tensor`, x);
    if (x.shape[1] !== this.numFeatures) shapeError('input', `${this.numFeatures} channels (dimension 1)`, x);
    const useBatch = this.training || !this.trackRunningStats;
    const counting = this.training && this.trackRunningStats && this.numBatchesTracked;
    if (counting) this.numBatchesTracked!.copy_(this.numBatchesTracked!.add(1));
    // momentum null: the cumulative average, factor 1 / numBatchesTracked (PyTorch's exponential_average_factor)
    const momentum = this.momentum;
    const factor = momentum !== null ? momentum : counting ? 1 / Number(this.numBatchesTracked!.item()) : 0;
    return batchNorm(x, useBatch && !this.training ? null : this.runningMean, useBatch && !this.training ? null : this.runningVar, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps,
    });
  }
  extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
}
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
}
export class BatchNorm3d extends BatchNormBase {
  protected readonly ranks = [5];
}

export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  constructor(normalizedShape: number | number[], opts: { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['eps', 'elementwiseAffine']);
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(ns) || !ns.length || !ns.every((s) => Number.isInteger(s) && s > 0))
      invalidArg('normalizedShape', 'a positive integer or a non-empty array of them', normalizedShape);
    this.normalizedShape = ns.slice();
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = optBool('opts.elementwiseAffine', opts.elementwiseAffine ?? undefined, true);
    this.weight = this.elementwiseAffine ? new Parameter(ones(ns)) : null;
    this.bias = this.elementwiseAffine ? new Parameter(zeros(ns)) : null;
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'}`;
  }
}

export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  constructor(readonly numGroups: number, readonly numChannels: number, opts: { eps?: number; affine?: boolean } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['eps', 'affine']);
    checkInt('numGroups', numGroups, 1);
    checkInt('numChannels', numChannels, 1);
    if (numChannels % numGroups) invalidArg('numGroups', `a divisor of numChannels (${numChannels})`, numGroups);
    this.eps = opts.eps ?? 1e-5;
    this.affine = optBool('opts.affine', opts.affine ?? undefined, true);
    this.weight = this.affine ? new Parameter(ones([numChannels])) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels])) : null;
  }
  forward(x: Tensor): Tensor {
    checkTensor('input', x);
    if (x.ndim >= 2 && x.shape[1] !== this.numChannels) shapeError('input', `${this.numChannels} channels (dimension 1)`, x);
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${this.affine ? 'True' : 'False'}`;
  }
}
