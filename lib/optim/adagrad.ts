// lib/optim/adagrad.ts — Adagrad and Adadelta as torch.optim (PyTorch 1.13), one fused native step
// per parameter (native/cpu/optim.cc, native/cuda/optim.cu).
// Adagrad: lr / (1 + (step - 1) lrDecay), L2 weightDecay, the sum of squares starting at
// initialAccumulatorValue (its state is made at construction for every parameter, as PyTorch's),
// eps added after the square root, maximize. State: step, sum.
// Adadelta: lr (default 1.0) scaling the delta, rho, eps inside both square roots, L2 weightDecay,
// maximize. State: step, squareAvg, accDelta.
import { native } from '../binding';
import { checkOptions, invalidArg } from '../errors';
import { full } from '../creation';
import { keep } from '../memory';
import { Optimizer, Params, paramGradients, stateTensor, stepParam } from './optimizer';
import { nonNegative, checkBool, optionsOf, checkStateEntry, stepOf } from './rules';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}
const ADAGRAD_KEYS = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'];
function checkAdagrad(o: AdagradOptions): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  nonNegative('lrDecay', o.lrDecay);
  nonNegative('weightDecay', o.weightDecay);
  nonNegative('initialAccumulatorValue', o.initialAccumulatorValue);
  nonNegative('eps', o.eps, 'an epsilon >= 0');
  checkBool('maximize', o.maximize);
}

export class Adagrad extends Optimizer<AdagradOptions> {
  protected checkGroup(group: AdagradOptions): void {
    checkAdagrad(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, sum}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'Adagrad', ['step', 'sum'], ['sum']);
  }
  /** `new Adagrad(params, {lr=1e-2, lrDecay=0, weightDecay=0, initialAccumulatorValue=0, eps=1e-10, maximize=false})` */
  constructor(params: Params<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    const defaults: AdagradOptions = {
      lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...optionsOf(opts, ADAGRAD_KEYS),
    };
    checkAdagrad(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkAdagrad);
    for (const g of this.paramGroups)
      for (const p of g.params) {
        const s = this.stateFor(p);
        s.step = 0;
        s.sum = keep(full(p.shape, defaults.initialAccumulatorValue, { dtype: p.dtype, device: p.device }));
      }
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        // state dropped (e.g. by loading an empty one): start again from the accumulator value
        s.step = 0;
        if (!(g.initialAccumulatorValue >= 0)) invalidArg('initialAccumulatorValue', 'a number >= 0', g.initialAccumulatorValue);
        s.sum = keep(full(p.shape, g.initialAccumulatorValue, { dtype: p.dtype, device: p.device }));
      }
      const step = stepOf(s, gi, j);
      const sum = stateTensor(p, s, 'sum', gi, j);
      s.step = step + 1;
      stepParam(p, pg, (grad) => {
        native.adagradStep(p.arg(), grad.arg(), sum.arg(), {
          lr: g.lr, lrDecay: g.lrDecay, eps: g.eps, weightDecay: g.weightDecay, step: step + 1, maximize: g.maximize,
        });
      });
    }
  }
}

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}
const ADADELTA_KEYS = ['lr', 'rho', 'eps', 'weightDecay', 'maximize'];
function checkAdadelta(o: AdadeltaOptions): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  if (typeof o.rho !== 'number' || !(o.rho >= 0 && o.rho <= 1)) invalidArg('rho', 'a number in [0, 1]', o.rho);
  nonNegative('eps', o.eps, 'an epsilon >= 0');
  nonNegative('weightDecay', o.weightDecay);
  checkBool('maximize', o.maximize);
}

export class Adadelta extends Optimizer<AdadeltaOptions> {
  protected checkGroup(group: AdadeltaOptions): void {
    checkAdadelta(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, squareAvg, accDelta}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'Adadelta', ['step', 'squareAvg', 'accDelta'], ['squareAvg', 'accDelta']);
  }
  /** `new Adadelta(params, {lr=1.0, rho=0.9, eps=1e-6, weightDecay=0, maximize=false})` */
  constructor(params: Params<AdadeltaOptions>, opts: Partial<AdadeltaOptions> = {}) {
    const defaults: AdadeltaOptions = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...optionsOf(opts, ADADELTA_KEYS) };
    checkAdadelta(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkAdadelta);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.squareAvg = this.zerosLikeKept(p);
        s.accDelta = this.zerosLikeKept(p);
      }
      const step = stepOf(s, gi, j);
      const sq = stateTensor(p, s, 'squareAvg', gi, j);
      const acc = stateTensor(p, s, 'accDelta', gi, j);
      s.step = step + 1;
      stepParam(p, pg, (grad) => {
        native.adadeltaStep(p.arg(), grad.arg(), sq.arg(), acc.arg(), { lr: g.lr, rho: g.rho, eps: g.eps, weightDecay: g.weightDecay, maximize: g.maximize });
      });
    }
  }
}
