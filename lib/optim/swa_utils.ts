// lib/optim/swa_utils.ts — torch.optim.swaUtils: Stochastic Weight Averaging, as PyTorch 1.13's
// torch.optim.swa_utils.
// Contract: `new AveragedModel(model, {device, avgFn, useBuffers=false})` holds a deep copy of model
// (`module`, moved to device if given) and an int64 buffer `nAveraged` (state-dict keys 'n_averaged'
// and 'module.…', PyTorch's); updateParameters(model) copies model's parameters (and buffers with
// useBuffers) in at the first call and averages them in afterwards with
// avgFn(averaged, modelValue, numAveraged) (default: the running equal-weight mean
// averaged + (modelValue - averaged) / (numAveraged + 1); numAveraged is a number here, PyTorch's is
// a 0-d long tensor), without gradients; forward delegates to the copy. The deep copy copies
// parameters, buffers, submodules and plain fields; forward hooks and weight-norm reparametrisations
// of the model are not copied. `new SWALR(optimizer, {swaLr, annealEpochs=10, annealStrategy='cos',
// lastEpoch=-1})` anneals each group's lr to its `swaLr` (stored in the group, PyTorch's 'swa_lr') over
// annealEpochs epochs, with PyTorch's recursive formula (the same lr sequence). updateBn(loader, model,
// device?) recomputes the BatchNorm running statistics with one pass over loader (each batch a tensor
// or an array whose first entry is the input): running stats reset, a cumulative average (PyTorch's
// momentum=None), then the momenta and the model's train/eval mode restored, even on a throw.
import { checkOptionKeys, invalidArg, noExtraArgs, shapeError, typeArg, checkInt } from '../errors';
import { Tensor } from '../tensor';
import { tensor } from '../creation';
import { noGrad } from '../autograd';
import { Module, Parameter } from '../nn/module';
import { BatchNorm1d, BatchNorm2d, BatchNorm3d } from '../nn/normalization';
import { parseDevice } from '../device';
import { Optimizer } from './optimizer';
import { LRScheduler } from './lr_scheduler';

// ---- deep copy of a module ---------------------------------------------------------------------------
function copyValue(v: unknown, memo: Map<unknown, unknown>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (memo.has(v)) return memo.get(v);
  let out: unknown;
  if (v instanceof Parameter) out = new Parameter(v.detach().clone(), v.requiresGrad);
  else if (v instanceof Tensor) out = v.detach().clone();
  else if (v instanceof Module) out = copyModule(v, memo);
  else if (Array.isArray(v)) {
    const a: unknown[] = [];
    memo.set(v, a);
    v.forEach((x) => a.push(copyValue(x, memo)));
    return a;
  } else if (v instanceof Set) out = new Set([...v].map((x) => copyValue(x, memo)));
  else if (v instanceof Map) out = new Map([...v].map(([k, x]) => [k, copyValue(x, memo)]));
  else return v; // other objects (typed arrays, options) are shared, as constants
  memo.set(v, out);
  return out;
}
/** A new module of m's class with copies of its parameters, buffers and submodules (PyTorch's copy.deepcopy). */
function copyModule(m: Module, memo: Map<unknown, unknown>): Module {
  const out = Object.create(Object.getPrototypeOf(m)) as Module;
  memo.set(m, out);
  for (const k of Object.getOwnPropertyNames(m)) {
    const d = Object.getOwnPropertyDescriptor(m, k)!;
    if (k === 'forward' && typeof d.value === 'function') continue; // a hook wrapper bound to m
    if ('value' in d) Object.defineProperty(out, k, { ...d, value: copyValue(d.value, memo) });
    else Object.defineProperty(out, k, d);
  }
  return out;
}
/** A deep copy of a module: new parameters and buffers with the same values (PyTorch's copy.deepcopy(model)). */
function deepcopyModule(model: Module): Module {
  if (!(model instanceof Module)) typeArg('model', 'an nn.Module', model);
  return noGrad(() => copyModule(model, new Map()));
}

// ---- AveragedModel -----------------------------------------------------------------------------------
/** The averaging function: the new value of an averaged tensor from it, the model's and how many models were averaged. */
export type AvgFn = (averaged: Tensor, model: Tensor, numAveraged: number) => Tensor;
export interface AveragedModelOptions {
  /** where the averaged copy lives (default: the model's device) */
  device?: string;
  /** the averaging function (default: the equal-weight running mean) */
  avgFn?: AvgFn | null;
  /** average the buffers too (BatchNorm running statistics), not only the parameters (default false) */
  useBuffers?: boolean;
}
const defaultAvg: AvgFn = (a, m, n) => a.add(m.sub(a).div(n + 1));

/** A model whose parameters are a running average of another's (Stochastic Weight Averaging, EMA). */
export class AveragedModel extends Module {
  static readonly stateDictNames = { nAveraged: 'n_averaged' };
  module: Module;
  nAveraged!: Tensor;
  readonly avgFn: AvgFn;
  readonly useBuffers: boolean;
  constructor(model: Module, opts: AveragedModelOptions = {}) {
    super();
    if (!(model instanceof Module)) typeArg('model', 'an nn.Module', model);
    opts = checkOptionKeys('opts', opts, ['device', 'avgFn', 'useBuffers']);
    if (opts.avgFn !== undefined && opts.avgFn !== null && typeof opts.avgFn !== 'function')
      typeArg('opts.avgFn', 'a function (averaged, model, numAveraged) => Tensor', opts.avgFn);
    if (opts.useBuffers !== undefined && typeof opts.useBuffers !== 'boolean') typeArg('opts.useBuffers', 'a boolean', opts.useBuffers);
    const device = opts.device === undefined || opts.device === null ? null : parseDevice('opts.device', opts.device);
    this.module = deepcopyModule(model);
    if (device !== null) this.module.to(opts.device as string);
    this.registerBuffer('nAveraged', tensor(0, { dtype: 'int64', ...(device !== null ? { device: opts.device as string } : {}) }));
    this.avgFn = opts.avgFn ?? defaultAvg;
    this.useBuffers = opts.useBuffers ?? false;
  }
  /** Runs the averaged copy's forward. */
  forward(...args: unknown[]): unknown {
    return (this.module.forward as (...a: unknown[]) => unknown).apply(this.module, args);
  }
  /** The number of models averaged so far (nAveraged as a number). */
  get numAveraged(): number {
    return Number(this.nAveraged.item());
  }
  /** Averages model's parameters (and buffers with useBuffers) into this copy (the first call copies them). */
  updateParameters(model: Module, ...rest: never[]): void {
    noExtraArgs('updateParameters', 'model', rest);
    if (!(model instanceof Module)) typeArg('model', 'an nn.Module', model);
    const mine = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : this.parameters();
    const theirs = this.useBuffers ? [...model.parameters(), ...model.buffers()] : model.parameters();
    const what = this.useBuffers ? 'parameters and buffers' : 'parameters';
    if (mine.length !== theirs.length) invalidArg('model', `a model with ${mine.length} ${what} (as the averaged one)`, `one with ${theirs.length}`);
    theirs.forEach((t, i) => {
      if (t.shape.join() !== mine[i].shape.join()) shapeError(`model's ${what}[${i}]`, `a tensor of shape [${mine[i].shape.join(', ')}] (as the averaged model's)`, t);
    });
    const n = this.numAveraged;
    noGrad(() => {
      mine.forEach((pSwa, i) => {
        const pModel = theirs[i].detach();
        const moved = pModel.device === pSwa.device ? pModel : pModel.to(pSwa.device);
        if (n === 0) pSwa.copy_(moved);
        else {
          const v = this.avgFn(pSwa.detach(), moved, n);
          if (!(v instanceof Tensor)) typeArg('the result of avgFn', 'a Tensor', v);
          if (v.shape.join() !== pSwa.shape.join()) shapeError('the result of avgFn', `a tensor of shape [${pSwa.shape.join(', ')}]`, v);
          pSwa.copy_(v);
          if (v !== pSwa) v.dispose();
        }
        if (moved !== pModel) moved.dispose();
      });
      const next = this.nAveraged.add(1);
      this.nAveraged.copy_(next);
      next.dispose();
    });
  }
}

// ---- SWALR -------------------------------------------------------------------------------------------
export interface SWALROptions {
  /** the lr to anneal to: one for all parameter groups or one per group (PyTorch's swa_lr; required) */
  swaLr: number | number[];
  /** epochs of annealing (default 10) */
  annealEpochs?: number;
  /** 'cos' (default) or 'linear' */
  annealStrategy?: 'cos' | 'linear';
  lastEpoch?: number;
}
type Group = Record<string, unknown> & { lr: number };
const STRATEGIES = ['cos', 'linear'] as const;
/** PyTorch's _cosine_anneal / _linear_anneal: the weight of swaLr at annealing progress t in [0, 1]. */
function anneal(strategy: 'cos' | 'linear', t: number): number {
  return strategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
}
/** Anneals each group's lr to its swaLr over annealEpochs epochs, then keeps it there (PyTorch's SWALR). */
export class SWALR extends LRScheduler {
  annealEpochs!: number;
  annealStrategy!: 'cos' | 'linear';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(optimizer: Optimizer<any>, opts: SWALROptions, ...rest: never[]) {
    noExtraArgs('SWALR', 'optimizer, opts', rest);
    if (!(optimizer instanceof Optimizer)) typeArg('optimizer', 'an optimizer (a torch.optim.Optimizer)', optimizer);
    const o = checkOptionKeys('opts', opts, ['swaLr', 'annealEpochs', 'annealStrategy', 'lastEpoch']);
    const groups = optimizer.paramGroups as unknown as Group[];
    let lrs: number[];
    if (Array.isArray(o.swaLr)) {
      if (o.swaLr.length !== groups.length) invalidArg('opts.swaLr', `${groups.length} values (one per parameter group)`, o.swaLr);
      lrs = o.swaLr.slice();
    } else {
      if (o.swaLr === undefined) typeArg('opts.swaLr', 'a number or one per parameter group (required)', o.swaLr);
      lrs = groups.map(() => o.swaLr as number);
    }
    lrs.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(Array.isArray(o.swaLr) ? `opts.swaLr[${i}]` : 'opts.swaLr', 'a finite number', v);
    });
    const strategy = o.annealStrategy ?? 'cos';
    if (!STRATEGIES.includes(strategy)) invalidArg('opts.annealStrategy', "'cos' or 'linear'", strategy);
    const annealEpochs = o.annealEpochs ?? 10;
    checkInt('opts.annealEpochs', annealEpochs, 0);
    super(optimizer, o.lastEpoch as number);
    groups.forEach((g, i) => (g.swaLr = lrs[i]));
    this.annealEpochs = annealEpochs;
    this.annealStrategy = strategy;
    this.initialStep();
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    if (typeof st !== 'object' || st === null || Array.isArray(st)) typeArg('stateDict', 'a scheduler state dict (an object)', st);
    checkInt('stateDict.annealEpochs', st.annealEpochs, 0);
    if (!STRATEGIES.includes(st.annealStrategy as 'cos')) invalidArg('stateDict.annealStrategy', "'cos' or 'linear'", st.annealStrategy);
  }
  protected getLr(): number[] {
    let step = this._stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const groups = this.optimizer.paramGroups as unknown as Group[];
    const prevT = Math.max(0, Math.min(1, (step - 1) / Math.max(1, this.annealEpochs)));
    const prevAlpha = anneal(this.annealStrategy, prevT);
    const prevLrs = groups.map((g) => (prevAlpha === 1 ? (g.swaLr as number) : (g.lr - prevAlpha * (g.swaLr as number)) / (1 - prevAlpha)));
    const t = Math.max(0, Math.min(1, step / Math.max(1, this.annealEpochs)));
    const alpha = anneal(this.annealStrategy, t);
    return groups.map((g, i) => (g.swaLr as number) * alpha + prevLrs[i] * (1 - alpha));
  }
}

// ---- updateBn ----------------------------------------------------------------------------------------
type BN = BatchNorm1d | BatchNorm2d | BatchNorm3d;
/**
 * Recomputes the running mean and variance of every BatchNorm of model from one pass over loader
 * (PyTorch's torch.optim.swa_utils.update_bn): each batch is a tensor or an array whose first entry
 * is the input (moved to device when given); model runs in training mode without gradients.
 */
export function updateBn(loader: Iterable<unknown>, model: Module, device?: string | null, ...rest: never[]): void {
  noExtraArgs('updateBn', 'loader, model, device', rest);
  if (loader === null || typeof loader !== 'object' || typeof (loader as Iterable<unknown>)[Symbol.iterator] !== 'function')
    typeArg('loader', 'an iterable of batches (a DataLoader, an array)', loader);
  if (!(model instanceof Module)) typeArg('model', 'an nn.Module', model);
  if (device !== undefined && device !== null) parseDevice('device', device);
  const bns = model.modules().filter((m): m is BN => (m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof BatchNorm3d) && m.runningMean !== null);
  if (!bns.length) return;
  noGrad(() => {
    const saved = bns.map((m) => Object.getOwnPropertyDescriptor(m, 'momentum'));
    const wasTraining = model.training;
    try {
      for (const m of bns) {
        m.runningMean!.fill_(0);
        m.runningVar!.fill_(1);
        if (m.numBatchesTracked) m.numBatchesTracked.fill_(0);
        // PyTorch's momentum=None: the factor of batch k is 1/k (a cumulative average); forward counts
        // the batch in numBatchesTracked before it reads the momentum
        let k = 0;
        const counted = m.numBatchesTracked;
        Object.defineProperty(m, 'momentum', {
          configurable: true,
          enumerable: true,
          get: () => (counted ? 1 / Number(counted.item()) : 1 / ++k),
        });
      }
      model.train();
      let i = 0;
      for (const batch of loader as Iterable<unknown>) {
        let input = Array.isArray(batch) ? batch[0] : batch;
        if (!(input instanceof Tensor)) typeArg(`loader's batch ${i}`, 'a tensor, or an array whose first entry is the input tensor', batch);
        if (device !== undefined && device !== null) input = (input as Tensor).to(device);
        (model.forward as (x: unknown) => unknown).call(model, input);
        i++;
      }
    } finally {
      bns.forEach((m, j) => {
        const d = saved[j];
        if (d) Object.defineProperty(m, 'momentum', d);
        else delete (m as unknown as Record<string, unknown>).momentum;
      });
      model.train(wasTraining);
    }
  });
}
