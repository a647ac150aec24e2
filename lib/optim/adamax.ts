// lib/optim/adamax.ts — the Adam variants of torch.optim (PyTorch 1.13), one fused native step per
// parameter (native/cpu/optim.cc, native/cuda/optim.cu), L2 weightDecay added to the gradient:
// Adamax (infinity norm: expInf = max(beta2 expInf, |g| + eps); lr 2e-3; maximize; state step,
// expAvg, expInf), NAdam (Nesterov momentum with the momentumDecay (4e-3) schedule mu_t, lr 2e-3;
// state step, muProduct, expAvg, expAvgSq; muProduct is kept in float32 as PyTorch's 0-d tensor) and
// RAdam (variance rectification once rho_t > 5, lr 1e-3; state step, expAvg, expAvgSq).
import { native } from '../binding';
import { checkOptions } from '../errors';
import { Optimizer, Params, paramGradients, stateTensor, stepParam } from './optimizer';
import { nonNegative, checkBetas, checkBool, optionsOf, checkStateEntry, stepOf } from './rules';

interface AdamLike {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}
function checkAdamLike(o: AdamLike): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  nonNegative('eps', o.eps, 'an epsilon >= 0');
  checkBetas(o.betas);
  nonNegative('weightDecay', o.weightDecay);
}

export interface AdamaxOptions extends AdamLike {
  maximize: boolean;
}
function checkAdamax(o: AdamaxOptions): void {
  checkAdamLike(o);
  checkBool('maximize', o.maximize);
}
export class Adamax extends Optimizer<AdamaxOptions> {
  protected checkGroup(group: AdamaxOptions): void {
    checkAdamax(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, expAvg, expInf}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'Adamax', ['step', 'expAvg', 'expInf'], ['expAvg', 'expInf']);
  }
  /** `new Adamax(params, {lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0, maximize=false})` */
  constructor(params: Params<AdamaxOptions>, opts: Partial<AdamaxOptions> = {}) {
    const defaults: AdamaxOptions = {
      lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, ...optionsOf(opts, ['lr', 'betas', 'eps', 'weightDecay', 'maximize']),
    };
    checkAdamax(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkAdamax);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.expAvg = this.zerosLikeKept(p);
        s.expInf = this.zerosLikeKept(p);
      }
      const step = stepOf(s, gi, j);
      const m = stateTensor(p, s, 'expAvg', gi, j);
      const u = stateTensor(p, s, 'expInf', gi, j);
      s.step = step + 1;
      stepParam(p, pg, (grad) => {
        native.adamaxStep(p.arg(), grad.arg(), m.arg(), u.arg(), {
          lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay, step: step + 1, maximize: g.maximize,
        });
      });
    }
  }
}

export interface NAdamOptions extends AdamLike {
  momentumDecay: number;
}
function checkNAdam(o: NAdamOptions): void {
  checkAdamLike(o);
  nonNegative('momentumDecay', o.momentumDecay);
}
export class NAdam extends Optimizer<NAdamOptions> {
  protected checkGroup(group: NAdamOptions): void {
    checkNAdam(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, muProduct, expAvg, expAvgSq}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'NAdam', ['step', 'muProduct', 'expAvg', 'expAvgSq'], ['expAvg', 'expAvgSq'], ['muProduct']);
  }
  /** `new NAdam(params, {lr=2e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0, momentumDecay=4e-3})` */
  constructor(params: Params<NAdamOptions>, opts: Partial<NAdamOptions> = {}) {
    const defaults: NAdamOptions = {
      lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, ...optionsOf(opts, ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay']),
    };
    checkNAdam(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkNAdam);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.muProduct = 1;
        s.expAvg = this.zerosLikeKept(p);
        s.expAvgSq = this.zerosLikeKept(p);
      }
      const step = stepOf(s, gi, j) + 1;
      const m = stateTensor(p, s, 'expAvg', gi, j);
      const v = stateTensor(p, s, 'expAvgSq', gi, j);
      const [beta1, beta2] = g.betas;
      const mu = beta1 * (1 - 0.5 * 0.96 ** (step * g.momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * g.momentumDecay));
      // PyTorch keeps mu_product in a float32 0-d tensor: every product is rounded to float32
      const f = Math.fround;
      const muProduct = f(f(s.muProduct as number) * f(mu));
      const muProductNext = f(f(muProduct * f(mu)) * f(muNext));
      s.step = step;
      s.muProduct = muProduct;
      stepParam(p, pg, (grad) => {
        native.nadamStep(p.arg(), grad.arg(), m.arg(), v.arg(), {
          beta1, beta2, eps: g.eps, weightDecay: g.weightDecay, step,
          gradCoef: (-g.lr * (1 - mu)) / (1 - muProduct), avgCoef: (-g.lr * muNext) / (1 - muProductNext),
        });
      });
    }
  }
}

export type RAdamOptions = AdamLike;
export class RAdam extends Optimizer<RAdamOptions> {
  protected checkGroup(group: RAdamOptions): void {
    checkAdamLike(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, expAvg, expAvgSq}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'RAdam', ['step', 'expAvg', 'expAvgSq'], ['expAvg', 'expAvgSq']);
  }
  /** `new RAdam(params, {lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0})` */
  constructor(params: Params<RAdamOptions>, opts: Partial<RAdamOptions> = {}) {
    const defaults: RAdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...optionsOf(opts, ['lr', 'betas', 'eps', 'weightDecay']) };
    checkAdamLike(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkAdamLike);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.expAvg = this.zerosLikeKept(p);
        s.expAvgSq = this.zerosLikeKept(p);
      }
      const step = stepOf(s, gi, j);
      const m = stateTensor(p, s, 'expAvg', gi, j);
      const v = stateTensor(p, s, 'expAvgSq', gi, j);
      s.step = step + 1;
      stepParam(p, pg, (grad) => {
        native.radamStep(p.arg(), grad.arg(), m.arg(), v.arg(), {
          lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay, step: step + 1,
        });
      });
    }
  }
}
