// lib/optim/rprop.ts — torch.optim.Rprop and torch.optim.ASGD (PyTorch 1.13, single-tensor path), one
// fused native step per parameter (native/cpu/optim.cc, native/cuda/optim.cu):
// Rprop (resilient backpropagation: per-element step sizes, multiplied by etas[1] where the gradient
// kept its sign and by etas[0] where it changed sign (the gradient then counts as 0), clamped to
// stepSizes; the parameter moves by -sign(grad) * stepSize; lr 1e-2 (the initial step size), etas
// [0.5, 1.2], stepSizes [1e-6, 50], maximize; state step, prev, stepSize) and ASGD (averaged SGD:
// param *= 1 - lambd eta, param -= eta grad, ax averages the parameters once step > t0; eta = lr /
// (1 + lambd lr step)^alpha and mu = 1 / max(1, step - t0) after each step, kept as PyTorch's float32
// 0-d tensors (numbers rounded to float32); lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6, L2 weightDecay
// 0, maximize; state step, eta, mu, ax).
import { native } from '../binding';
import { checkOptions, invalidArg, typeArg } from '../errors';
import { full } from '../creation';
import { keep } from '../memory';
import { Optimizer, Params, paramGradients, stateTensor, stepParam } from './optimizer';
import { nonNegative, checkBool, optionsOf, checkStateEntry, stepOf } from './rules';

function finiteNumber(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(name, 'a finite number', v);
}
function pair(name: string, v: unknown): [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) typeArg(name, 'an array of two numbers', v);
  return v as [unknown, unknown];
}

export interface RpropOptions {
  lr: number;
  /** [etaminus, etaplus]: 0 < etaminus < 1 < etaplus */
  etas: [number, number];
  /** [minimum, maximum] step size */
  stepSizes: [number, number];
  maximize: boolean;
}
function checkRprop(o: RpropOptions): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  const [em, ep] = pair('etas', o.etas);
  if (typeof em !== 'number' || !(em > 0 && em < 1)) invalidArg('etas[0]', 'a number in (0, 1) (PyTorch: "Invalid eta values")', em);
  if (typeof ep !== 'number' || !(ep > 1) || !Number.isFinite(ep)) invalidArg('etas[1]', 'a finite number > 1 (PyTorch: "Invalid eta values")', ep);
  const [lo, hi] = pair('stepSizes', o.stepSizes);
  nonNegative('stepSizes[0]', lo, 'a minimum step size >= 0');
  finiteNumber('stepSizes[1]', hi);
  if ((hi as number) < (lo as number)) invalidArg('stepSizes[1]', `a maximum step size >= stepSizes[0] (${lo as number})`, hi);
  checkBool('maximize', o.maximize);
}
export class Rprop extends Optimizer<RpropOptions> {
  protected checkGroup(group: RpropOptions): void {
    checkRprop(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, prev, stepSize}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'Rprop', ['step', 'prev', 'stepSize'], ['prev', 'stepSize']);
  }
  /** `new Rprop(params, {lr=1e-2, etas=[0.5, 1.2], stepSizes=[1e-6, 50], maximize=false})` */
  constructor(params: Params<RpropOptions>, opts: Partial<RpropOptions> = {}) {
    const defaults: RpropOptions = { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false, ...optionsOf(opts, ['lr', 'etas', 'stepSizes', 'maximize']) };
    checkRprop(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkRprop);
  }
  step(): void {
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.prev = this.zerosLikeKept(p);
        s.stepSize = keep(full(p.shape, g.lr, { dtype: p.dtype, device: p.device }));
      }
      const step = stepOf(s, gi, j);
      const prev = stateTensor(p, s, 'prev', gi, j);
      const ss = stateTensor(p, s, 'stepSize', gi, j);
      s.step = step + 1;
      stepParam(p, pg, (grad) => {
        native.rpropStep(p.arg(), grad.arg(), prev.arg(), ss.arg(), {
          etaminus: g.etas[0], etaplus: g.etas[1], stepSizeMin: g.stepSizes[0], stepSizeMax: g.stepSizes[1], maximize: g.maximize,
        });
      });
    }
  }
}

export interface ASGDOptions {
  lr: number;
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
  maximize: boolean;
}
function checkASGD(o: ASGDOptions): void {
  nonNegative('lr', o.lr, 'a learning rate >= 0');
  finiteNumber('lambd', o.lambd);
  finiteNumber('alpha', o.alpha);
  finiteNumber('t0', o.t0);
  nonNegative('weightDecay', o.weightDecay);
  checkBool('maximize', o.maximize);
}
export class ASGD extends Optimizer<ASGDOptions> {
  protected checkGroup(group: ASGDOptions): void {
    checkASGD(checkOptions('group', group));
  }
  /** loadStateDict: a state entry is empty or {step, eta, mu, ax}. */
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    checkStateEntry(where, s, 'ASGD', ['step', 'eta', 'mu', 'ax'], ['ax'], ['eta', 'mu']);
  }
  /** `new ASGD(params, {lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weightDecay=0, maximize=false})` */
  constructor(params: Params<ASGDOptions>, opts: Partial<ASGDOptions> = {}) {
    const defaults: ASGDOptions = {
      lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false, ...optionsOf(opts, ['lr', 'lambd', 'alpha', 't0', 'weightDecay', 'maximize']),
    };
    checkASGD(defaults);
    super(params, defaults);
    this.paramGroups.forEach(checkASGD);
  }
  step(): void {
    const f = Math.fround; // PyTorch keeps eta and mu in float32 0-d tensors
    for (const { group: g, gi, p, j, grad: pg } of paramGradients(this.paramGroups)) {
      const s = this.stateFor(p);
      if (s.step === undefined) {
        s.step = 0;
        s.eta = f(g.lr);
        s.mu = 1;
        s.ax = this.zerosLikeKept(p);
      }
      const step = stepOf(s, gi, j) + 1;
      const ax = stateTensor(p, s, 'ax', gi, j);
      const eta = s.eta as number, mu = s.mu as number;
      if (typeof eta !== 'number' || !Number.isFinite(eta)) invalidArg(`state of paramGroups[${gi}].params[${j}].eta`, 'a finite number', eta);
      if (typeof mu !== 'number' || !Number.isFinite(mu)) invalidArg(`state of paramGroups[${gi}].params[${j}].mu`, 'a finite number', mu);
      s.step = step;
      stepParam(p, pg, (grad) => {
        native.asgdStep(p.arg(), grad.arg(), ax.arg(), { lambd: g.lambd, eta, weightDecay: g.weightDecay, mu, maximize: g.maximize });
      });
      s.eta = f(g.lr / Math.pow(1 + g.lambd * g.lr * step, g.alpha));
      s.mu = f(1 / Math.max(1, step - g.t0));
    }
  }
}
