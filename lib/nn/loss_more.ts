// lib/nn/loss_more.ts — nn.TripletMarginLoss, nn.TripletMarginWithDistanceLoss,
// nn.MultiLabelSoftMarginLoss, nn.MultiLabelMarginLoss, nn.MultiMarginLoss, nn.HingeEmbeddingLoss,
// nn.SoftMarginLoss and nn.PoissonNLLLoss: thin Modules over lib/ops/loss_more.ts with PyTorch 1.13's
// options and defaults in one object, checked at construction (unknown keys, bad values, extra
// arguments are errors), PyTorch's attributes (margin, p, eps, swap, reduction, ...), PyTorch's
// toString() (a loss prints no options: `TripletMarginLoss()`; TripletMarginWithDistanceLoss shows its
// default distance module, `(distanceFunction): PairwiseDistance()`), and `weight` a registered buffer
// (state-dict key `weight`, moved by to(device)) where PyTorch has one.
import { checkOptionKeys, noExtraArgs, typeArg } from '../errors';
import { Tensor } from '../tensor';
import { Module } from './module';
import { PairwiseDistance } from './distance';
import * as L from '../ops/loss_more';
import { checkReduction, checkLossFlag, checkLossScalar } from '../ops/loss';
import type { Reduction } from '../ops/loss';

abstract class LossBase extends Module {
  readonly reduction: Reduction;
  constructor(name: string, opts: object | undefined, keys: readonly string[], rest: readonly unknown[]) {
    super();
    noExtraArgs(name, 'opts', rest);
    const o = checkOptionKeys('opts', opts as Record<string, unknown> | undefined, keys);
    this.reduction = checkReduction(o.reduction ?? 'mean');
  }
}
/** The weight option of a loss module: a Tensor, or null / undefined (none), registered as a buffer. */
function weightOf(m: Module, v: unknown): void {
  if (v !== undefined && v !== null && !(v instanceof Tensor)) typeArg('weight', 'a Tensor or null', v);
  m.registerBuffer('weight', (v as Tensor | undefined) ?? null);
}

/** nn.TripletMarginLoss({margin=1, p=2, eps=1e-6, swap=false, reduction='mean'}); forward(anchor, positive, negative). */
export class TripletMarginLoss extends LossBase {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(opts: L.TripletMarginOptions = {}, ...rest: never[]) {
    super('TripletMarginLoss', opts, ['margin', 'p', 'eps', 'swap', 'reduction'], rest);
    this.margin = checkLossScalar('margin', opts.margin ?? 1, Number.isFinite, 'a finite number');
    this.p = checkLossScalar('p', opts.p ?? 2, () => true, 'a number');
    this.eps = checkLossScalar('eps', opts.eps ?? 1e-6, Number.isFinite, 'a finite number');
    this.swap = checkLossFlag('swap', opts.swap ?? false);
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'anchor, positive, negative', rest);
    return L.tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

export interface TripletMarginWithDistanceLossOptions {
  /** a function (x1, x2) => Tensor or a module with forward(x1, x2); default: an nn.PairwiseDistance() */
  distanceFunction?: L.DistanceFunction | Module | null;
  margin?: number;
  swap?: boolean;
  reduction?: Reduction;
}
/**
 * nn.TripletMarginWithDistanceLoss({distanceFunction, margin=1, swap=false, reduction='mean'});
 * forward(anchor, positive, negative). A module distance (the default nn.PairwiseDistance()) is a child.
 */
export class TripletMarginWithDistanceLoss extends LossBase {
  static readonly stateDictNames = { distanceFunction: 'distance_function' };
  readonly distanceFunction: L.DistanceFunction | Module;
  readonly margin: number;
  readonly swap: boolean;
  constructor(opts: TripletMarginWithDistanceLossOptions = {}, ...rest: never[]) {
    super('TripletMarginWithDistanceLoss', opts, ['distanceFunction', 'margin', 'swap', 'reduction'], rest);
    const d = opts.distanceFunction;
    if (d === undefined || d === null) this.distanceFunction = new PairwiseDistance();
    else if (d instanceof Module) this.distanceFunction = d;
    else this.distanceFunction = L.checkDistanceFunction(d) as L.DistanceFunction;
    this.margin = checkLossScalar('margin', opts.margin ?? 1, Number.isFinite, 'a finite number');
    this.swap = checkLossFlag('swap', opts.swap ?? false);
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'anchor, positive, negative', rest);
    const d = this.distanceFunction;
    const fn: L.DistanceFunction = d instanceof Module ? (x1, x2) => (d as unknown as { forward: L.DistanceFunction }).forward(x1, x2) : d;
    return L.tripletMarginWithDistanceLoss(anchor, positive, negative, { distanceFunction: fn, margin: this.margin, swap: this.swap, reduction: this.reduction });
  }
}

/** nn.MultiLabelSoftMarginLoss({weight, reduction='mean'}); forward(input, target). */
export class MultiLabelSoftMarginLoss extends LossBase {
  weight!: Tensor | null;
  constructor(opts: L.MultiLabelSoftMarginOptions = {}, ...rest: never[]) {
    super('MultiLabelSoftMarginLoss', opts, ['weight', 'reduction'], rest);
    weightOf(this, opts.weight);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.multiLabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** nn.MultiLabelMarginLoss({reduction='mean'}); forward(input, target) (int64 targets ending at -1). */
export class MultiLabelMarginLoss extends LossBase {
  constructor(opts: { reduction?: Reduction } = {}, ...rest: never[]) {
    super('MultiLabelMarginLoss', opts, ['reduction'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.multiLabelMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** nn.MultiMarginLoss({p=1, margin=1, weight, reduction='mean'}) (p 1 or 2); forward(input, target). */
export class MultiMarginLoss extends LossBase {
  readonly p: number;
  readonly margin: number;
  weight!: Tensor | null;
  constructor(opts: L.MultiMarginOptions = {}, ...rest: never[]) {
    super('MultiMarginLoss', opts, ['p', 'margin', 'weight', 'reduction'], rest);
    this.p = L.checkMultiMarginP(opts.p ?? 1);
    this.margin = checkLossScalar('margin', opts.margin ?? 1, Number.isFinite, 'a finite number');
    weightOf(this, opts.weight);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/** nn.HingeEmbeddingLoss({margin=1, reduction='mean'}); forward(input, target). */
export class HingeEmbeddingLoss extends LossBase {
  readonly margin: number;
  constructor(opts: L.HingeEmbeddingOptions = {}, ...rest: never[]) {
    super('HingeEmbeddingLoss', opts, ['margin', 'reduction'], rest);
    this.margin = checkLossScalar('margin', opts.margin ?? 1, Number.isFinite, 'a finite number');
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** nn.SoftMarginLoss({reduction='mean'}); forward(input, target). */
export class SoftMarginLoss extends LossBase {
  constructor(opts: { reduction?: Reduction } = {}, ...rest: never[]) {
    super('SoftMarginLoss', opts, ['reduction'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** nn.PoissonNLLLoss({logInput=true, full=false, eps=1e-8, reduction='mean'}); forward(input, target). */
export class PoissonNLLLoss extends LossBase {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(opts: L.PoissonNllOptions = {}, ...rest: never[]) {
    super('PoissonNLLLoss', opts, ['logInput', 'full', 'eps', 'reduction'], rest);
    this.logInput = checkLossFlag('logInput', opts.logInput ?? true);
    this.full = checkLossFlag('full', opts.full ?? false);
    this.eps = checkLossScalar('eps', opts.eps ?? 1e-8, Number.isFinite, 'a finite number');
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.poissonNllLoss(input, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}
