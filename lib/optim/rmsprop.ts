// lib/optim/rmsprop.ts — RMSprop as torch.optim.RMSprop (PyTorch 1.13): square-average decay alpha,
// eps added after the square root, L2 weightDecay, momentum buffer, centered (variance estimate),
// maximize; one fused native step per parameter (native/cpu/optim.cc, native/cuda/optim.cu).
// State per parameter: step, squareAvg, momentumBuffer (momentum > 0), gradAvg (centered).
import { native } from '../binding';
import { checkOptions } from '../errors';
import { Optimizer, Params, paramGradients, stateTensor, stepParam } from './optimizer';
import { nonNegative, checkBool, optionsOf, checkStateEntry, stepOf } from './rules';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}
const KEYS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'];
function check(o: RMSpropOptions): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  nonNegative('eps', o.eps, 'an epsilon >= 0');
  nonNegative('momentum', o.momentum);
  nonNegative('weightDecay', o.weightDecay);
  nonNegative('alpha', o.alpha);
  checkBool('centered', o.centered);
  checkBool('maximize', o.maximize);
}

export class RMSprop extends Optimizer<RMSpropOptions> {
  /** loadStateDict: the constructor's rules for a group's options. */
  protected checkGroup(group: RMSpropOptions): void {
    check(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, squareAvg, momentumBuffer with momentum, gradAvg when centered}. */
  protected checkState(where: string, s: Record<string, unknown>, g: RMSpropOptions): void {
    this.checkStateArgs(where, s);
    g = checkOptions('group', g);
    const need = ['squareAvg', ...(g.momentum > 0 ? ['momentumBuffer'] : []), ...(g.centered ? ['gradAvg'] : [])];
    checkStateEntry(where, s, 'RMSprop', ['step', 'squareAvg', 'momentumBuffer', 'gradAvg'], need);
  }
  /** `new RMSprop(params, {lr=1e-2, alpha=0.99, eps=1e-8, weightDecay=0, momentum=0, centered=false, maximize=false})` */
  constructor(params: Params<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    const defaults: RMSpropOptions = {
      lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...optionsOf(opts, KEYS),
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
        s.squareAvg = this.zerosLikeKept(p);
      }
      // a buffer switched on after the first step (e.g. momentum cycled by CyclicLR) starts at zero
      if (g.momentum > 0 && s.momentumBuffer === undefined) s.momentumBuffer = this.zerosLikeKept(p);
      if (g.centered && s.gradAvg === undefined) s.gradAvg = this.zerosLikeKept(p);
      const step = stepOf(s, gi, j);
      const sq = stateTensor(p, s, 'squareAvg', gi, j);
      const buf = g.momentum > 0 ? stateTensor(p, s, 'momentumBuffer', gi, j) : null;
      const ga = g.centered ? stateTensor(p, s, 'gradAvg', gi, j) : null;
      s.step = step + 1;
      stepParam(p, pg, (grad) => {
        native.rmspropStep(p.arg(), grad.arg(), sq.arg(), ga ? ga.arg() : null, buf ? buf.arg() : null, {
          lr: g.lr, alpha: g.alpha, eps: g.eps, weightDecay: g.weightDecay, momentum: g.momentum, centered: g.centered, maximize: g.maximize,
        });
      });
    }
  }
}
