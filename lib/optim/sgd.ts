// lib/optim/sgd.ts — SGD with momentum, dampening, Nesterov, weight decay and maximize, as
// torch.optim.SGD (the momentum buffer starts as the first gradient), one native step per parameter.
import { native } from '../binding';
import { invalidArg, checkOptions, checkOptionKeys } from '../errors';
import { nonNegative, checkBool } from './rules';
import { Optimizer, Params, paramGradients, stateTensor, stepParam } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}
export class SGD extends Optimizer<SGDOptions> {
  /** loadStateDict: the constructor's rules for a group's options. */
  protected checkGroup(group: SGDOptions): void {
    const g = checkOptions('group', group) as SGDOptions;
    nonNegative('lr', g.lr, 'a learning rate >= 0');
    nonNegative('momentum', g.momentum);
    nonNegative('dampening', g.dampening);
    nonNegative('weightDecay', g.weightDecay);
    checkBool('nesterov', g.nesterov);
    checkBool('maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0))
      invalidArg('nesterov', 'momentum > 0 and zero dampening for Nesterov momentum', g.nesterov);
  }
  /** loadStateDict: a state entry is empty or {momentumBuffer} (a tensor). */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    for (const k of Object.keys(s)) if (k !== 'momentumBuffer') invalidArg(`${where}.${k}`, 'the SGD state entry momentumBuffer', k);
    if (typeof s.momentumBuffer === 'number') invalidArg(`${where}.momentumBuffer`, 'a tensor', s.momentumBuffer);
  }
  constructor(params: Params<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    const defaults: SGDOptions = {
      lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false,
      ...checkOptionKeys('opts', opts, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize']),
    };
    super(params, defaults);
    for (const g of this.paramGroups) this.checkGroup(g);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      let first = false;
      if (g.momentum !== 0 && !s.momentumBuffer) {
        s.momentumBuffer = this.zerosLikeKept(p);
        first = true;
      }
      const buf = g.momentum !== 0 ? stateTensor(p, s, 'momentumBuffer', gi, j) : null;
      stepParam(p, pg, (grad) => {
        native.sgdStep(p.arg(), grad.arg(), buf ? buf.arg() : null, {
          lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weightDecay, nesterov: g.nesterov,
          firstStep: first, maximize: g.maximize,
        });
      });
    }
  }
}
