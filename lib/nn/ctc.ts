// lib/nn/ctc.ts — nn.CTCLoss({blank=0, reduction='mean', zeroInfinity=false}): a thin Module over
// F.ctcLoss (lib/ops/ctc.ts) with PyTorch 1.13's options and defaults in one object, checked at
// construction (unknown keys, bad values, extra arguments are errors), PyTorch's attributes (blank,
// reduction, zeroInfinity), no parameters or buffers (an empty state dict), and PyTorch's toString()
// (a loss prints no options: `CTCLoss()`). forward(logProbs, targets, inputLengths, targetLengths).
import { checkOptionKeys, checkInt, invalidArg, noExtraArgs, optBool } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { ctcLoss, CTC_KEYS } from '../ops/ctc';
import type { CtcLossOptions, CtcLengths } from '../ops/ctc';
import { checkReduction } from '../ops/loss';
import type { Reduction } from '../ops/loss';

/** nn.CTCLoss({blank=0, reduction='mean', zeroInfinity=false}); forward(logProbs, targets, inputLengths, targetLengths). */
export class CTCLoss extends Module {
  readonly blank: number;
  readonly reduction: Reduction;
  readonly zeroInfinity: boolean;
  constructor(opts: CtcLossOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('CTCLoss', 'opts', rest);
    const o = checkOptionKeys('opts', opts, CTC_KEYS);
    this.blank = checkInt('opts.blank', o.blank ?? 0);
    if (this.blank < 0) invalidArg('opts.blank', 'a class index >= 0', this.blank);
    this.reduction = checkReduction(o.reduction ?? 'mean');
    this.zeroInfinity = optBool('opts.zeroInfinity', o.zeroInfinity, false);
  }
  forward(logProbs: Tensor, targets: Tensor, inputLengths: CtcLengths, targetLengths: CtcLengths, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'logProbs, targets, inputLengths, targetLengths', rest);
    return ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity });
  }
}
