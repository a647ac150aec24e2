// lib/nn/loss.ts — the loss modules of torch.nn (PyTorch 1.13's names, options and defaults), each
// a thin Module over its F function in lib/ops/loss.ts: options are checked when the module is
// built (unknown keys, bad values, extra positional arguments are errors); `weight` / `posWeight`
// are registered buffers (they move with `to(device)` and appear in the state dict, as PyTorch's).
import { checkOptionKeys, noExtraArgs, invalidArg } from '../errors';
import { Tensor } from '../tensor';
import { Module } from './module';
import * as L from '../ops/loss';
import type { Reduction } from '../ops/loss';

type Opts = Record<string, unknown>;
function extraRepr(o: Opts): string {
  return Object.entries(o)
    .filter(([k, v]) => v !== undefined && k !== 'weight' && k !== 'posWeight')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v}'` : String(v)}`)
    .join(', ');
}

abstract class Loss<O extends object> extends Module {
  readonly opts: O;
  constructor(name: string, opts: O | undefined, keys: readonly string[], rest: unknown[]) {
    super();
    noExtraArgs(name, 'opts', rest);
    this.opts = { ...checkOptionKeys('opts', opts, keys) };
    const o = this.opts as Opts;
    L.checkReduction(o.reduction ?? 'mean', name === 'KLDivLoss');
    // checked here, not first at forward (the fuzzer found NaN / out-of-range values accepted)
    if (o.ignoreIndex !== undefined) L.checkIgnoreIndex(o.ignoreIndex);
    const ls = o.labelSmoothing;
    if (ls !== undefined && (typeof ls !== 'number' || !(ls >= 0 && ls <= 1))) invalidArg('labelSmoothing', 'a number in [0, 1]', ls);
  }
  extraRepr(): string {
    return extraRepr(this.opts as Opts);
  }
}
/** A loss with a `weight` buffer (and BCEWithLogitsLoss's `posWeight`). */
abstract class WeightedLoss<O extends { weight?: Tensor | null }> extends Loss<O> {
  weight!: Tensor | null;
  constructor(name: string, opts: O | undefined, keys: readonly string[], rest: unknown[]) {
    super(name, opts, keys, rest);
    const w = this.opts.weight ?? null;
    if (w !== null && !(w instanceof Tensor)) L.checkLossWeight('weight', w);
    this.registerBuffer('weight', w);
    delete this.opts.weight;
  }
}

/** nn.CrossEntropyLoss({weight, ignoreIndex=-100, reduction='mean', labelSmoothing=0}) */
export class CrossEntropyLoss extends WeightedLoss<L.CrossEntropyOptions> {
  constructor(opts: L.CrossEntropyOptions = {}, ...rest: never[]) {
    super('CrossEntropyLoss', opts, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.crossEntropy(input, target, { ...this.opts, weight: this.weight });
  }
}
/** nn.NLLLoss({weight, ignoreIndex=-100, reduction='mean'}) */
export class NLLLoss extends WeightedLoss<L.NllOptions> {
  constructor(opts: L.NllOptions = {}, ...rest: never[]) {
    super('NLLLoss', opts, ['weight', 'ignoreIndex', 'reduction'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.nllLoss(input, target, { ...this.opts, weight: this.weight });
  }
}
/** nn.MSELoss({reduction='mean'}) */
export class MSELoss extends Loss<{ reduction?: Reduction }> {
  constructor(opts: { reduction?: Reduction } = {}, ...rest: never[]) {
    super('MSELoss', opts, ['reduction'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.mseLoss(input, target, this.opts);
  }
}
/** nn.L1Loss({reduction='mean'}) */
export class L1Loss extends Loss<{ reduction?: Reduction }> {
  constructor(opts: { reduction?: Reduction } = {}, ...rest: never[]) {
    super('L1Loss', opts, ['reduction'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.l1Loss(input, target, this.opts);
  }
}
/** nn.BCELoss({weight, reduction='mean'}) */
export class BCELoss extends WeightedLoss<L.BceOptions> {
  constructor(opts: L.BceOptions = {}, ...rest: never[]) {
    super('BCELoss', opts, ['weight', 'reduction'], rest);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.binaryCrossEntropy(input, target, { ...this.opts, weight: this.weight });
  }
}
/** nn.BCEWithLogitsLoss({weight, posWeight, reduction='mean'}) */
export class BCEWithLogitsLoss extends WeightedLoss<L.BceWithLogitsOptions> {
  posWeight!: Tensor | null;
  constructor(opts: L.BceWithLogitsOptions = {}, ...rest: never[]) {
    super('BCEWithLogitsLoss', opts, ['weight', 'posWeight', 'reduction'], rest);
    const pw = this.opts.posWeight ?? null;
    if (pw !== null && !(pw instanceof Tensor)) L.checkLossWeight('posWeight', pw);
    this.registerBuffer('posWeight', pw);
    delete this.opts.posWeight;
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.binaryCrossEntropyWithLogits(input, target, { ...this.opts, weight: this.weight, posWeight: this.posWeight });
  }
}
/** nn.SmoothL1Loss({reduction='mean', beta=1}) */
export class SmoothL1Loss extends Loss<L.SmoothL1Options> {
  constructor(opts: L.SmoothL1Options = {}, ...rest: never[]) {
    super('SmoothL1Loss', opts, ['reduction', 'beta'], rest);
    L.checkLossScalar('beta', this.opts.beta ?? 1, (b) => b >= 0 && b < Infinity, 'a finite number >= 0');
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.smoothL1Loss(input, target, this.opts);
  }
}
/** nn.HuberLoss({reduction='mean', delta=1}) */
export class HuberLoss extends Loss<L.HuberOptions> {
  constructor(opts: L.HuberOptions = {}, ...rest: never[]) {
    super('HuberLoss', opts, ['reduction', 'delta'], rest);
    L.checkLossScalar('delta', this.opts.delta ?? 1, (d) => d > 0 && d < Infinity, 'a finite number > 0');
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.huberLoss(input, target, this.opts);
  }
}
/** nn.KLDivLoss({reduction='mean', logTarget=false}); reduction also 'batchmean' */
export class KLDivLoss extends Loss<L.KlDivOptions> {
  constructor(opts: L.KlDivOptions = {}, ...rest: never[]) {
    super('KLDivLoss', opts, ['reduction', 'logTarget'], rest);
    if (this.opts.logTarget !== undefined && typeof this.opts.logTarget !== 'boolean') L.checkLossFlag('logTarget', this.opts.logTarget);
  }
  forward(input: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target', rest);
    return L.klDiv(input, target, this.opts);
  }
}
/** nn.GaussianNLLLoss({full=false, eps=1e-6, reduction='mean'}); forward(input, target, var) */
export class GaussianNLLLoss extends Loss<L.GaussianNllOptions> {
  constructor(opts: L.GaussianNllOptions = {}, ...rest: never[]) {
    super('GaussianNLLLoss', opts, ['full', 'eps', 'reduction'], rest);
    if (this.opts.full !== undefined && typeof this.opts.full !== 'boolean') L.checkLossFlag('full', this.opts.full);
    L.checkLossScalar('eps', this.opts.eps ?? 1e-6, (e) => e >= 0 && e < Infinity, 'a finite number >= 0');
  }
  forward(input: Tensor, target: Tensor, variance: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input, target, var', rest);
    return L.gaussianNllLoss(input, target, variance, this.opts);
  }
}
/** nn.MarginRankingLoss({margin=0, reduction='mean'}); forward(input1, input2, target) */
export class MarginRankingLoss extends Loss<L.MarginOptions> {
  constructor(opts: L.MarginOptions = {}, ...rest: never[]) {
    super('MarginRankingLoss', opts, ['margin', 'reduction'], rest);
    L.checkLossScalar('margin', this.opts.margin ?? 0, Number.isFinite, 'a finite number');
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input1, input2, target', rest);
    return L.marginRankingLoss(input1, input2, target, this.opts);
  }
}
/** nn.CosineEmbeddingLoss({margin=0, reduction='mean'}); forward(input1, input2, target) */
export class CosineEmbeddingLoss extends Loss<L.MarginOptions> {
  constructor(opts: L.MarginOptions = {}, ...rest: never[]) {
    super('CosineEmbeddingLoss', opts, ['margin', 'reduction'], rest);
    L.checkLossScalar('margin', this.opts.margin ?? 0, Number.isFinite, 'a finite number');
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input1, input2, target', rest);
    return L.cosineEmbeddingLoss(input1, input2, target, this.opts);
  }
}
