// lib/optim/lbfgs.ts — torch.optim.LBFGS (PyTorch 1.13's torch/optim/lbfgs.py, after minFunc): L-BFGS
// with an optional strong-Wolfe line search, for full-batch problems where each step may evaluate the
// loss several times. `step(closure)`: closure() zeroes the gradients, computes the loss, calls
// backward() and returns the loss (a tensor or a number); step returns the closure's first loss.
// Options (PyTorch's, camelCased): lr=1, maxIter=20, maxEval=floor(maxIter * 5 / 4), toleranceGrad=1e-7,
// toleranceChange=1e-9, historySize=100, lineSearchFn=null | 'strong_wolfe'. One parameter group only
// (PyTorch's rule). The vectors (direction, gradient history) stay on the parameters' device and in
// their dtype; the scalar products are read back as JS numbers (doubles), where PyTorch keeps them as
// tensors of the parameters' dtype, so float32 runs agree with PyTorch's to float32 rounding.
// stateDict() holds the counters funcEvals and nIter; the history of directions is not saved (a
// loaded optimizer starts a new history, as a fresh L-BFGS would).
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, isTensor } from '../tensor';
import { noGrad, enableGrad } from '../autograd';
import { keep } from '../memory';
import { cat } from '../ops/shape';
import { nonNegative } from './rules';
import { Optimizer, Params, StateValue } from './optimizer';

export interface LBFGSOptions {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: 'strong_wolfe' | null;
}
type Closure = () => Tensor | number;

/** The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), within bounds (PyTorch's _cubic_interpolate). */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}
const dot = (a: Tensor, b: Tensor): number => a.mul(b).sum().item() as number;
const absMax = (a: Tensor): number => a.abs().max().item() as number;
const lossValue = (v: unknown): number => {
  if (isTensor(v)) return (v as Tensor).item() as number;
  if (typeof v === 'number') return v;
  return typeArg('closure()', 'a loss (a one-element tensor or a number)', v);
};

export class LBFGS extends Optimizer<LBFGSOptions> {
  private hist: {
    d: Tensor | null;
    t: number;
    oldDirs: Tensor[];
    oldStps: Tensor[];
    ro: number[];
    hDiag: number;
    prevFlatGrad: Tensor | null;
    prevLoss: number;
  } = { d: null, t: 0, oldDirs: [], oldStps: [], ro: [], hDiag: 1, prevFlatGrad: null, prevLoss: 0 };

  protected checkGroup(g: LBFGSOptions): void {
    nonNegative('lr', g.lr, 'a learning rate >= 0');
    for (const k of ['maxIter', 'maxEval', 'historySize'] as const)
      if (!Number.isInteger(g[k]) || g[k] < 1) invalidArg(k, 'an integer >= 1', g[k]);
    nonNegative('toleranceGrad', g.toleranceGrad);
    nonNegative('toleranceChange', g.toleranceChange);
    if (g.lineSearchFn !== null && g.lineSearchFn !== 'strong_wolfe') invalidArg('lineSearchFn', "null or 'strong_wolfe' (the one PyTorch has)", g.lineSearchFn);
  }
  protected checkState(where: string, s: Record<string, unknown>): void {
    this.checkStateArgs(where, s);
    for (const k of Object.keys(s)) if (k !== 'funcEvals' && k !== 'nIter') invalidArg(`${where}.${k}`, 'the LBFGS state entries funcEvals, nIter', k);
    for (const k of ['funcEvals', 'nIter']) if (s[k] !== undefined && !Number.isSafeInteger(s[k])) invalidArg(`${where}.${k}`, 'an integer count', s[k]);
  }

  constructor(params: Params<LBFGSOptions>, opts: Partial<LBFGSOptions> = {}, ...rest: never[]) {
    noExtraArgs('LBFGS', 'params, { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn }', rest);
    const o = checkOptionKeys('opts', opts, ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn']);
    const maxIter = o.maxIter ?? 20;
    const defaults: LBFGSOptions = {
      lr: 1, maxIter, maxEval: Math.floor((maxIter * 5) / 4), toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null,
      ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    };
    super(params, defaults);
    if (this.paramGroups.length !== 1) invalidArg('params', "one parameter group (PyTorch: LBFGS doesn't support per-parameter options)", `${this.paramGroups.length} groups`);
    this.checkGroup(this.paramGroups[0]);
  }

  /** One group only, as PyTorch's LBFGS. */
  addParamGroup(): void {
    invalidArg('paramGroup', "no parameter group: LBFGS has exactly one (PyTorch: LBFGS doesn't support per-parameter options)", 'a new group');
  }
  loadStateDict(sd: Parameters<Optimizer<LBFGSOptions>['loadStateDict']>[0]): void {
    super.loadStateDict(sd);
    this.resetHistory();
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }
  private resetHistory(): void {
    const h = this.hist;
    for (const t of [h.d, h.prevFlatGrad, ...h.oldDirs, ...h.oldStps]) t?.dispose();
    this.hist = { d: null, t: 0, oldDirs: [], oldStps: [], ro: [], hDiag: 1, prevFlatGrad: null, prevLoss: 0 };
  }
  private flatGrad(): Tensor {
    return cat(this.params.map((p) => (p.grad ? p.grad.reshape([p.numel()]) : p.newZeros([p.numel()]))), 0);
  }
  /** params += step * update (flat) */
  private addGrad(step: number, update: Tensor): void {
    let off = 0;
    for (const p of this.params) {
      const n = p.numel();
      p.add_(update.narrow(0, off, n).reshape(p.shape).mul(step));
      off += n;
    }
  }
  private evaluate(closure: Closure): number {
    return enableGrad(() => lossValue(closure()));
  }

  /** Runs up to maxIter L-BFGS iterations; closure re-evaluates the loss (see the file comment). */
  step(closure?: Closure, ...rest: never[]): Tensor | number {
    noExtraArgs('step', 'closure', rest);
    if (typeof closure !== 'function') typeArg('closure', 'a function that computes the loss, calls backward() and returns the loss (LBFGS needs one)', closure);
    const g = this.paramGroups[0];
    this.checkGroup(g);
    const st = this.stateFor(this.params[0]);
    st.funcEvals = ((st.funcEvals as number) ?? 0) as StateValue;
    st.nIter = ((st.nIter as number) ?? 0) as StateValue;
    const origLoss = enableGrad(() => closure!());
    let loss = lossValue(origLoss);
    let currentEvals = 1;
    (st.funcEvals as number)++;
    return noGrad(() => {
      let flatGrad = this.flatGrad();
      if (absMax(flatGrad) <= g.toleranceGrad) return origLoss;
      let nIter = 0;
      let optCond = false;
      while (nIter < g.maxIter) {
        nIter++;
        st.nIter = (st.nIter as number) + 1;
        // the first iteration ever (or after loadStateDict, which does not restore the history)
        const fresh = this.hist.d === null || this.hist.prevFlatGrad === null;
        if (fresh) {
          this.resetHistory();
          this.hist.d = keep(flatGrad.neg());
        } else {
          const y = flatGrad.sub(this.hist.prevFlatGrad!);
          const s = this.hist.d!.mul(this.hist.t);
          const ys = dot(y, s);
          if (ys > 1e-10) {
            if (this.hist.oldDirs.length === g.historySize) {
              this.hist.oldDirs.shift()!.dispose();
              this.hist.oldStps.shift()!.dispose();
              this.hist.ro.shift();
            }
            this.hist.oldDirs.push(keep(y));
            this.hist.oldStps.push(keep(s));
            this.hist.ro.push(1 / ys);
            this.hist.hDiag = ys / dot(y, y);
          }
          const { oldDirs, oldStps, ro } = this.hist;
          const al: number[] = new Array(oldDirs.length);
          let q = flatGrad.neg();
          for (let i = oldDirs.length - 1; i >= 0; i--) {
            al[i] = dot(oldStps[i], q) * ro[i];
            q = q.sub(oldDirs[i].mul(al[i]));
          }
          let r = q.mul(this.hist.hDiag);
          for (let i = 0; i < oldDirs.length; i++) {
            const be = dot(oldDirs[i], r) * ro[i];
            r = r.add(oldStps[i].mul(al[i] - be));
          }
          this.hist.d?.dispose();
          this.hist.d = keep(r);
        }
        this.hist.prevFlatGrad?.dispose();
        this.hist.prevFlatGrad = keep(flatGrad.clone());
        this.hist.prevLoss = loss;
        const d = this.hist.d!;
        let t = fresh ? Math.min(1, 1 / (flatGrad.abs().sum().item() as number)) * g.lr : g.lr;
        const gtd = dot(flatGrad, d);
        if (gtd > -g.toleranceChange) {
          this.hist.t = t;
          break;
        }
        let lsEvals = 0;
        if (g.lineSearchFn !== null) {
          const x0 = this.params.map((p) => p.clone());
          const obj = (x: Tensor[], step: number, dir: Tensor): [number, Tensor] => {
            this.addGrad(step, dir);
            const f = this.evaluate(closure!);
            const fg = this.flatGrad();
            this.params.forEach((p, i) => p.copy_(x[i]));
            return [f, fg];
          };
          [loss, flatGrad, t, lsEvals] = strongWolfe(obj, x0, t, d, loss, flatGrad, gtd, g.toleranceChange);
          x0.forEach((x) => x.dispose());
          this.addGrad(t, d);
          optCond = absMax(flatGrad) <= g.toleranceGrad;
        } else {
          this.addGrad(t, d);
          if (nIter !== g.maxIter) {
            loss = this.evaluate(closure!);
            flatGrad = this.flatGrad();
            optCond = absMax(flatGrad) <= g.toleranceGrad;
            lsEvals = 1;
          }
        }
        this.hist.t = t;
        currentEvals += lsEvals;
        st.funcEvals = (st.funcEvals as number) + lsEvals;
        if (nIter === g.maxIter || currentEvals >= g.maxEval || optCond) break;
        if (absMax(d.mul(t)) <= g.toleranceChange) break;
        if (Math.abs(loss - this.hist.prevLoss) < g.toleranceChange) break;
      }
      return origLoss;
    });
  }
}

/** PyTorch's _strong_wolfe line search along d from the parameters x: [loss, flat gradient, step, evaluations]. */
function strongWolfe(
  obj: (x: Tensor[], t: number, d: Tensor) => [number, Tensor],
  x: Tensor[],
  t: number,
  d: Tensor,
  f: number,
  g: Tensor,
  gtd: number,
  toleranceChange: number,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): [number, Tensor, number, number] {
  const dNorm = absMax(d);
  let [fNew, gNew] = obj(x, t, d);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bF: number[] = [];
  let bG: Tensor[] = [];
  let bGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bF, bG, bGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bF, bG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bF, bG, bGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = obj(x, t, d);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) [bracket, bF, bG] = [[0, t], [f, fNew], [g, gNew]];
  let insufProgress = false;
  let [low, high] = bF[0] <= bF[bF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bF[0], bGtd[0], bracket[1], bF[1], bGtd[1]);
    const bMax = Math.max(...bracket);
    const bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else insufProgress = true;
    } else insufProgress = false;
    [fNew, gNew] = obj(x, t, d);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bF[low]) {
      bracket[high] = t;
      bF[high] = fNew;
      bG[high] = gNew;
      bGtd[high] = gtdNew;
      [low, high] = bF[0] <= bF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bF[high] = bF[low];
        bG[high] = bG[low];
        bGtd[high] = bGtd[low];
      }
      bracket[low] = t;
      bF[low] = fNew;
      bG[low] = gNew;
      bGtd[low] = gtdNew;
    }
  }
  return [bF[low], bG[low], bracket[low], evals];
}
