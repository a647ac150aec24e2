// lib/optim/adam.ts — Adam (L2 weightDecay added to the gradient, as torch.optim.Adam; amsgrad;
// maximize) and AdamW (decoupled weight decay), one fused native step per parameter.
import { native } from '../binding';
import { invalidArg, checkOptions, checkOptionKeys } from '../errors';
import { Tensor } from '../tensor';
import { Optimizer, Params, paramGradients, stateTensor, stepParam } from './optimizer';
import { nonNegative, checkBool } from './rules';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}
const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;
function check(o: AdamOptions): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  nonNegative('eps', o.eps, 'an epsilon >= 0');
  if (!Array.isArray(o.betas) || !(o.betas[0] >= 0 && o.betas[0] < 1)) invalidArg('betas[0]', 'a number in [0, 1)', o.betas?.[0]);
  if (!(o.betas[1] >= 0 && o.betas[1] < 1)) invalidArg('betas[1]', 'a number in [0, 1)', o.betas[1]);
  nonNegative('weightDecay', o.weightDecay);
  checkBool('amsgrad', o.amsgrad);
  checkBool('maximize', o.maximize);
}

export class Adam extends Optimizer<AdamOptions> {
  protected decoupled = false;
  /** loadStateDict: the constructor's rules for a group's options. */
  protected checkGroup(group: AdamOptions): void {
    const g = checkOptions('group', group) as AdamOptions;
    check(g);
  }
  /** loadStateDict: a state entry is empty or {step (an integer >= 0), expAvg, expAvgSq, and maxExpAvgSq with amsgrad}. */
  protected checkState(where: string, s: Record<string, unknown>, g: AdamOptions): void {
    this.checkStateArgs(where, s);
    g = checkOptions('group', g);
    const allowed = ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq'];
    const keys = Object.keys(s);
    for (const k of keys) if (!allowed.includes(k)) invalidArg(`${where}.${k}`, `one of the Adam state entries ${allowed.join(', ')}`, k);
    if (!keys.length) return;
    if (typeof s.step !== 'number' || !Number.isInteger(s.step) || s.step < 0) invalidArg(`${where}.step`, 'an integer step count >= 0', s.step);
    for (const k of g.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'])
      if (!(s[k] instanceof Tensor)) invalidArg(`${where}.${k}`, 'a tensor', s[k]);
  }
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    const defaults: AdamOptions = {
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...checkOptionKeys('opts', opts, KEYS),
    };
    check(defaults);
    super(params, defaults);
    this.paramGroups.forEach(check);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.expAvg = this.zerosLikeKept(p);
        s.expAvgSq = this.zerosLikeKept(p);
      }
      if (g.amsgrad && s.maxExpAvgSq === undefined) s.maxExpAvgSq = this.zerosLikeKept(p);
      if (!Number.isSafeInteger(s.step) || (s.step as number) < 0)
        invalidArg(`state of paramGroups[${gi}].params[${j}].step`, 'a non-negative integer step count', s.step);
      const m = stateTensor(p, s, 'expAvg', gi, j);
      const v = stateTensor(p, s, 'expAvgSq', gi, j);
      const vmax = g.amsgrad ? stateTensor(p, s, 'maxExpAvgSq', gi, j) : null;
      s.step = (s.step as number) + 1;
      stepParam(p, pg, (grad) => {
        native.adamStep(p.arg(), grad.arg(), m.arg(), v.arg(), vmax ? vmax.arg() : null, {
          lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay, step: s.step as number,
          amsgrad: g.amsgrad, decoupled: this.decoupled, maximize: g.maximize,
        });
      });
    }
  }
}

export class AdamW extends Adam {
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...checkOptionKeys('opts', opts, KEYS) });
    this.decoupled = true;
  }
}
export type { Tensor };
