// lib/optim/lr_scheduler.ts — learning-rate schedulers, `torch.optim.lrScheduler`, with PyTorch
// 1.13's torch.optim.lr_scheduler semantics exactly: the same chainable (recursive) formulas, the
// same initial step at construction (so the optimizer's lr is the first value of the schedule), the
// `initialLr` (and OneCycleLR's `maxLr`, `minLr`, `maxMomentum`, `baseMomentum`) entries added to the
// optimizer's parameter groups, momentum / betas[0] cycling (CyclicLR, OneCycleLR), `step()`,
// `getLastLr()`, `lastEpoch`, and `stateDict()` / `loadStateDict()` holding every field but the
// optimizer and functions (lambdas and custom scale functions are not saved, as in PyTorch).
// Options are PyTorch's keyword arguments in camelCase (T_max -> TMax); unknown keys are errors.
import { invalidArg, typeArg, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor } from '../tensor';
import { Optimizer } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;
/** A parameter group as the schedulers read and write it (lr, and the entries they add). */
type Group = Record<string, unknown> & { lr: number; params: Tensor[] };

function groupsOf(o: AnyOptimizer): Group[] {
  return o.paramGroups as unknown as Group[];
}
function checkOptimizer(o: unknown): AnyOptimizer {
  if (!(o instanceof Optimizer)) typeArg('optimizer', 'an optimizer (a torch.optim.Optimizer)', o);
  return o as AnyOptimizer;
}
function num(name: string, v: unknown, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(name, 'a finite number', v);
  return v as number;
}
function int(name: string, v: unknown, min: number, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) invalidArg(name, `an integer >= ${min}`, v);
  return v as number;
}
function bool(name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v;
}
function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!allowed.includes(v as T)) invalidArg(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}
/** PyTorch's _format_param: one value per parameter group (a single number is repeated). */
function perGroup(name: string, o: AnyOptimizer, v: unknown, def?: number): number[] {
  const n = o.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) invalidArg(name, `${n} values (one per parameter group)`, v);
    return v.map((x, i) => num(`${name}[${i}]`, x));
  }
  const x = num(name, v, def);
  return new Array(n).fill(x);
}
function lastEpochOf(v: unknown): number {
  return int('opts.lastEpoch', v, -1, -1);
}
function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)])) as T;
  return v;
}
function plainObject(name: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) typeArg(name, 'a scheduler state dict (an object)', v);
  return v as Record<string, unknown>;
}
/** A loaded state value, checked against the kind of the current one (arrays: same length unless `anyLength`). */
function likeCurrent(name: string, v: unknown, cur: unknown, anyLength: boolean): void {
  if (Array.isArray(cur)) {
    if (!Array.isArray(v) || (!anyLength && v.length !== cur.length))
      typeArg(name, anyLength ? 'an array' : `an array of ${cur.length} values`, v);
    const proto = cur.length ? cur[0] : 0;
    (v as unknown[]).forEach((x, i) => likeCurrent(`${name}[${i}]`, x, anyLength ? proto : cur[i], false));
    return;
  }
  if (cur !== null && typeof cur === 'object') {
    const o = plainObject(name, v);
    const keys = Object.keys(cur);
    if (Object.keys(o).length !== keys.length || !keys.every((k) => k in o)) invalidArg(name, `an object with the entries ${keys.join(', ')}`, v);
    for (const k of keys) likeCurrent(`${name}.${k}`, o[k], (cur as Record<string, unknown>)[k], false);
    return;
  }
  if (typeof cur === 'number') {
    if (typeof v !== 'number' || Number.isNaN(v)) typeArg(name, 'a number', v);
    return;
  }
  if (cur === null) {
    if (v !== null && typeof v !== 'number') typeArg(name, 'null or a number', v);
    return;
  }
  if (typeof v !== typeof cur) typeArg(name, `a ${typeof cur}`, v);
}

/**
 * The state and its (de)serialisation, shared by every scheduler: `stateDict()` is every field but
 * the optimizer and functions (and, for SequentialLR / ChainedScheduler, the schedulers' own state
 * dicts under `_schedulers`); `loadStateDict(sd)` checks every entry against the current one (known
 * key, same kind, per-group arrays of the same length) and the scheduler's own rules, then replaces
 * them all (a failed load changes nothing).
 */
export abstract class SchedulerBase {
  readonly optimizer!: AnyOptimizer;
  protected _lastLr: number[] = [];

  /** The learning rates of the parameter groups after the last step (PyTorch's get_last_lr()). */
  getLastLr(...rest: never[]): number[] {
    noExtraArgs('getLastLr', '', rest);
    return this._lastLr.slice();
  }
  /** Arrays whose length may change on load (e.g. milestones). */
  protected anyLengthKeys(): string[] {
    return [];
  }
  /** The scheduler's own rules for a loaded state (the constructor's checks). */
  protected checkLoaded(_s: Record<string, unknown>): void {}

  stateDict(...rest: never[]): Record<string, unknown> {
    noExtraArgs('stateDict', '', rest);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || k === 'lrLambdas' || k === 'scaleFnCustom') continue; // functions are not saved
      if (k === '_schedulers') out[k] = (v as SchedulerBase[]).map((s) => s.stateDict());
      else out[k] = deepCopy(v);
    }
    return out;
  }
  loadStateDict(stateDict: Record<string, unknown>, ...rest: never[]): void {
    noExtraArgs('loadStateDict', 'stateDict', rest);
    this.checkStateDict('stateDict', stateDict);
    for (const [k, v] of Object.entries(stateDict)) {
      if (k === '_schedulers') (v as Record<string, unknown>[]).forEach((s, i) => (this as unknown as { _schedulers: SchedulerBase[] })._schedulers[i].loadStateDict(s));
      else (this as unknown as Record<string, unknown>)[k] = deepCopy(v);
    }
  }
  /** @internal Checks a state dict for loadStateDict (recursively for nested schedulers). */
  checkStateDict(name: string, stateDict: unknown): void {
    if (typeof name !== 'string') typeArg('name', 'a string', name);
    const sd = plainObject(name, stateDict);
    const current = this.stateDict();
    const anyLength = this.anyLengthKeys();
    for (const [k, v] of Object.entries(sd)) {
      if (!(k in current)) invalidArg(`${name}.${k}`, `one of the entries ${Object.keys(current).join(', ')}`, k);
      if (k === '_schedulers') {
        const subs = (this as unknown as { _schedulers: SchedulerBase[] })._schedulers;
        if (!Array.isArray(v) || v.length !== subs.length) typeArg(`${name}._schedulers`, `an array of ${subs.length} scheduler state dicts`, v);
        subs.forEach((s, i) => s.checkStateDict(`${name}._schedulers[${i}]`, (v as unknown[])[i]));
      } else likeCurrent(`${name}.${k}`, v, current[k], anyLength.includes(k));
    }
    this.checkLoaded({ ...current, ...sd });
  }
}

/**
 * The base of the epoch-based schedulers (PyTorch's _LRScheduler): sets each group's `initialLr`
 * (kept if a scheduler set it before), `baseLrs`, and steps once at construction.
 */
export abstract class LRScheduler extends SchedulerBase {
  baseLrs: number[] = [];
  lastEpoch = -1;
  protected _stepCount = 0;

  constructor(optimizer: AnyOptimizer, lastEpoch: number) {
    super();
    (this as { optimizer: AnyOptimizer }).optimizer = checkOptimizer(optimizer);
    lastEpoch = lastEpochOf(lastEpoch);
    const groups = groupsOf(optimizer);
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else
      groups.forEach((g, i) => {
        if (typeof g.initialLr !== 'number')
          invalidArg(`optimizer.paramGroups[${i}].initialLr`, 'the initial lr a scheduler sets, when resuming with lastEpoch >= 0', g.initialLr);
      });
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }
  /** PyTorch's _initial_step: run by each constructor once its fields are set. */
  protected initialStep(): void {
    this._stepCount = 0;
    this.step();
  }
  protected abstract getLr(): number[];
  /** The closed form at lastEpoch (step(epoch)), where the scheduler has one. */
  protected closedFormLr(): number[] | null {
    return null;
  }
  /**
   * Advances the schedule by one epoch (or, deprecated as in PyTorch, jumps to `epoch`, using the
   * closed form where there is one) and writes the new lr into every parameter group.
   */
  step(epoch?: number, ...rest: never[]): void {
    noExtraArgs('step', 'epoch?', rest);
    if (epoch !== undefined) int('epoch', epoch, 0);
    this._stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = groupsOf(this.optimizer);
    groups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = groups.map((g) => g.lr);
  }
  protected lrs(): number[] {
    return groupsOf(this.optimizer).map((g) => g.lr);
  }
}

type LrLambda = (epoch: number) => number;
function lambdasOf(o: AnyOptimizer, v: unknown): LrLambda[] {
  const n = o.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) invalidArg('lrLambda', `${n} functions (one per parameter group)`, v);
    v.forEach((f, i) => typeof f !== 'function' && typeArg(`lrLambda[${i}]`, 'a function of the epoch', f));
    return v.slice();
  }
  if (typeof v !== 'function') typeArg('lrLambda', 'a function of the epoch (or one per parameter group)', v);
  return new Array(n).fill(v);
}
function lambdaArgs(o: unknown, fn: unknown, opts: unknown): [LrLambda[], number] {
  const optimizer = checkOptimizer(o);
  let given = fn;
  let rest = opts as Record<string, unknown> | undefined;
  if (typeof fn !== 'function' && !Array.isArray(fn)) {
    // (optimizer, {lrLambda, lastEpoch})
    if (opts !== undefined) invalidArg('lrLambda', 'a function (or an array of them) before the options', fn);
    rest = checkOptionKeys('opts', fn as Record<string, unknown>, ['lrLambda', 'lastEpoch']);
    given = rest.lrLambda;
  } else rest = checkOptionKeys('opts', rest, ['lastEpoch']);
  return [lambdasOf(optimizer, given), lastEpochOf(rest.lastEpoch)];
}
function callLambda(f: LrLambda, epoch: number, i: number): number {
  const v = f(epoch);
  if (typeof v !== 'number' || Number.isNaN(v)) typeArg(`lrLambda[${i}](${epoch})`, 'a number', v);
  return v;
}

export interface LambdaLROptions {
  lrLambda?: LrLambda | LrLambda[];
  lastEpoch?: number;
}
/** lr = initialLr * lrLambda(epoch); `new LambdaLR(optimizer, fn | fns, {lastEpoch})` or `(optimizer, {lrLambda})`. */
export class LambdaLR extends LRScheduler {
  lrLambdas!: LrLambda[];
  constructor(optimizer: AnyOptimizer, lrLambda: LrLambda | LrLambda[] | LambdaLROptions, opts?: { lastEpoch?: number }, ...rest: never[]) {
    noExtraArgs('LambdaLR', 'optimizer, lrLambda, opts', rest);
    const [fns, lastEpoch] = lambdaArgs(optimizer, lrLambda, opts);
    super(optimizer, lastEpoch);
    this.lrLambdas = fns;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * callLambda(this.lrLambdas[i], this.lastEpoch, i));
  }
}

/** lr = lr * lrLambda(epoch) from the second epoch on; the same arguments as LambdaLR. */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas!: LrLambda[];
  constructor(optimizer: AnyOptimizer, lrLambda: LrLambda | LrLambda[] | LambdaLROptions, opts?: { lastEpoch?: number }, ...rest: never[]) {
    noExtraArgs('MultiplicativeLR', 'optimizer, lrLambda, opts', rest);
    const [fns, lastEpoch] = lambdaArgs(optimizer, lrLambda, opts);
    super(optimizer, lastEpoch);
    this.lrLambdas = fns;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch > 0) return this.lrs().map((lr, i) => lr * callLambda(this.lrLambdas[i], this.lastEpoch, i));
    return this.lrs();
  }
}

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
  lastEpoch?: number;
}
/** lr multiplied by gamma (0.1) every stepSize epochs. */
export class StepLR extends LRScheduler {
  stepSize!: number;
  gamma!: number;
  constructor(optimizer: AnyOptimizer, opts: StepLROptions, ...rest: never[]) {
    noExtraArgs('StepLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['stepSize', 'gamma', 'lastEpoch']);
    const stepSize = int('opts.stepSize', o.stepSize, 1);
    const gamma = num('opts.gamma', o.gamma, 0.1);
    super(optimizer, o.lastEpoch as number);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    const s = plainObject('stateDict', st);
    int('stateDict.stepSize', s.stepSize, 1);
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.lrs();
    return this.lrs().map((lr) => lr * this.gamma);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

export interface MultiStepLROptions {
  milestones: number[];
  gamma?: number;
  lastEpoch?: number;
}
/** lr multiplied by gamma (0.1) at each milestone (a repeated milestone multiplies once per repeat). */
export class MultiStepLR extends LRScheduler {
  /** sorted, with repeats (PyTorch keeps a Counter) */
  milestones!: number[];
  gamma!: number;
  constructor(optimizer: AnyOptimizer, opts: MultiStepLROptions, ...rest: never[]) {
    noExtraArgs('MultiStepLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['milestones', 'gamma', 'lastEpoch']);
    if (!Array.isArray(o.milestones)) typeArg('opts.milestones', 'an array of epochs', o.milestones);
    const milestones = o.milestones.map((m, i) => int(`opts.milestones[${i}]`, m, 0)).sort((a, b) => a - b);
    const gamma = num('opts.gamma', o.gamma, 0.1);
    super(optimizer, o.lastEpoch as number);
    this.milestones = milestones;
    this.gamma = gamma;
    this.initialStep();
  }
  protected anyLengthKeys(): string[] {
    return ['milestones'];
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (!count) return this.lrs();
    return this.lrs().map((lr) => lr * this.gamma ** count);
  }
  protected closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

function factor(name: string, v: unknown, def: number, what: string): number {
  const f = num(name, v, def);
  if (f > 1 || f < 0) invalidArg(name, `${what} between 0 and 1`, f);
  return f;
}

export interface ConstantLROptions {
  factor?: number;
  totalIters?: number;
  lastEpoch?: number;
}
/** lr multiplied by factor (1/3) until epoch totalIters (5). */
export class ConstantLR extends LRScheduler {
  factor!: number;
  totalIters!: number;
  constructor(optimizer: AnyOptimizer, opts: ConstantLROptions = {}, ...rest: never[]) {
    noExtraArgs('ConstantLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['factor', 'totalIters', 'lastEpoch']);
    const f = factor('opts.factor', o.factor, 1 / 3, 'a constant multiplicative factor');
    const totalIters = int('opts.totalIters', o.totalIters, 0, 5);
    super(optimizer, o.lastEpoch as number);
    this.factor = f;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs().map((lr) => lr * this.factor);
    if (this.lastEpoch > this.totalIters || this.lastEpoch !== this.totalIters) return this.lrs();
    return this.lrs().map((lr) => lr * (1.0 / this.factor));
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + Number(this.lastEpoch >= this.totalIters) * (1 - this.factor)));
  }
}

export interface LinearLROptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
  lastEpoch?: number;
}
/** lr multiplied by a factor going linearly from startFactor (1/3) to endFactor (1) over totalIters (5) epochs. */
export class LinearLR extends LRScheduler {
  startFactor!: number;
  endFactor!: number;
  totalIters!: number;
  constructor(optimizer: AnyOptimizer, opts: LinearLROptions = {}, ...rest: never[]) {
    noExtraArgs('LinearLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    const s = factor('opts.startFactor', o.startFactor, 1 / 3, 'a starting multiplicative factor');
    const e = factor('opts.endFactor', o.endFactor, 1, 'an ending multiplicative factor');
    const totalIters = int('opts.totalIters', o.totalIters, 1, 5);
    super(optimizer, o.lastEpoch as number);
    this.startFactor = s;
    this.endFactor = e;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs().map((lr) => lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.lrs();
    const d = this.endFactor - this.startFactor;
    return this.lrs().map((lr) => lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }
  protected closedFormLr(): number[] {
    const d = this.endFactor - this.startFactor;
    return this.baseLrs.map((b) => b * (this.startFactor + (d * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters));
  }
}

export interface ExponentialLROptions {
  gamma: number;
  lastEpoch?: number;
}
/** lr multiplied by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma!: number;
  constructor(optimizer: AnyOptimizer, opts: ExponentialLROptions, ...rest: never[]) {
    noExtraArgs('ExponentialLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['gamma', 'lastEpoch']);
    const gamma = num('opts.gamma', o.gamma);
    super(optimizer, o.lastEpoch as number);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs();
    return this.lrs().map((lr) => lr * this.gamma);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

export interface PolynomialLROptions {
  totalIters?: number;
  power?: number;
  lastEpoch?: number;
}
/** lr decayed by (1 - epoch / totalIters (5)) ** power (1). */
export class PolynomialLR extends LRScheduler {
  totalIters!: number;
  power!: number;
  constructor(optimizer: AnyOptimizer, opts: PolynomialLROptions = {}, ...rest: never[]) {
    noExtraArgs('PolynomialLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['totalIters', 'power', 'lastEpoch']);
    const totalIters = int('opts.totalIters', o.totalIters, 1, 5);
    const power = num('opts.power', o.power, 1);
    super(optimizer, o.lastEpoch as number);
    this.totalIters = totalIters;
    this.power = power;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.lrs();
    const decay = ((1.0 - this.lastEpoch / this.totalIters) / (1.0 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return this.lrs().map((lr) => lr * decay);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

export interface CosineAnnealingLROptions {
  TMax: number;
  etaMin?: number;
  lastEpoch?: number;
}
/** Cosine annealing from the initial lr to etaMin (0) over TMax epochs (SGDR without restarts), PyTorch's recursive form. */
export class CosineAnnealingLR extends LRScheduler {
  TMax!: number;
  etaMin!: number;
  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingLROptions, ...rest: never[]) {
    noExtraArgs('CosineAnnealingLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['TMax', 'etaMin', 'lastEpoch']);
    const TMax = int('opts.TMax', o.TMax, 1);
    const etaMin = num('opts.etaMin', o.etaMin, 0);
    super(optimizer, o.lastEpoch as number);
    this.TMax = TMax;
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    const s = plainObject('stateDict', st);
    int('stateDict.TMax', s.TMax, 1);
  }
  protected getLr(): number[] {
    const { lastEpoch: e, TMax: T, etaMin } = this;
    if (e === 0) return this.lrs();
    if (this._stepCount === 1 && e > 0) return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0)
      return this.lrs().map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.lrs().map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }
}

export interface CosineAnnealingWarmRestartsOptions {
  T0: number;
  TMult?: number;
  etaMin?: number;
  lastEpoch?: number;
}
/** SGDR: cosine annealing restarted every T0 epochs, the period multiplied by TMult (1) at each restart. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0!: number;
  Ti!: number;
  TMult!: number;
  etaMin!: number;
  TCur!: number;
  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingWarmRestartsOptions, ...rest: never[]) {
    noExtraArgs('CosineAnnealingWarmRestarts', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['T0', 'TMult', 'etaMin', 'lastEpoch']);
    const T0 = int('opts.T0', o.T0, 1);
    const TMult = int('opts.TMult', o.TMult, 1, 1);
    const etaMin = num('opts.etaMin', o.etaMin, 0);
    super(optimizer, o.lastEpoch as number);
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = etaMin;
    this.TCur = this.lastEpoch;
    this.initialStep();
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    const s = plainObject('stateDict', st);
    int('stateDict.T0', s.T0, 1);
    int('stateDict.TMult', s.TMult, 1);
    if (!((s.Ti as number) > 0)) invalidArg('stateDict.Ti', 'a period > 0', s.Ti);
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.TCur) / this.Ti))) / 2);
  }
  /** One epoch on, or (as PyTorch) to `epoch`, which may be fractional (e.g. epoch + i / iters). */
  step(epoch?: number, ...rest: never[]): void {
    noExtraArgs('step', 'epoch?', rest);
    if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isFinite(epoch) || epoch < 0))
      invalidArg('epoch', 'a non-negative epoch', epoch);
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) {
        this.TCur = this.TCur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else if (epoch >= this.T0) {
      if (this.TMult === 1) this.TCur = epoch % this.T0;
      else {
        const n = Math.trunc(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
        this.TCur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
        this.Ti = this.T0 * this.TMult ** n;
      }
    } else {
      this.Ti = this.T0;
      this.TCur = epoch;
    }
    this.lastEpoch = Math.floor(epoch);
    const values = this.getLr();
    const groups = groupsOf(this.optimizer);
    groups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = groups.map((g) => g.lr);
  }
}

export interface SequentialLROptions {
  schedulers: LRScheduler[];
  milestones: number[];
  lastEpoch?: number;
}
/** Runs schedulers one after another, switching at the milestones (each switch restarts the next one at epoch 0). */
export class SequentialLR extends SchedulerBase {
  lastEpoch!: number;
  protected _schedulers!: LRScheduler[];
  protected _milestones!: number[];
  constructor(optimizer: AnyOptimizer, opts: SequentialLROptions, ...rest: never[]) {
    noExtraArgs('SequentialLR', 'optimizer, opts', rest);
    super();
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['schedulers', 'milestones', 'lastEpoch']);
    if (!Array.isArray(o.schedulers) || !o.schedulers.length) typeArg('opts.schedulers', 'a non-empty array of schedulers', o.schedulers);
    o.schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) typeArg(`opts.schedulers[${i}]`, 'an epoch-based scheduler (not ReduceLROnPlateau)', s);
      if (s.optimizer !== optimizer) invalidArg(`opts.schedulers[${i}]`, 'a scheduler of the optimizer passed in', 'a scheduler of another optimizer');
    });
    if (!Array.isArray(o.milestones)) typeArg('opts.milestones', 'an array of epochs', o.milestones);
    if (o.milestones.length !== o.schedulers.length - 1)
      invalidArg('opts.milestones', `${o.schedulers.length - 1} milestones (one fewer than the schedulers)`, o.milestones);
    const milestones = o.milestones.map((m, i) => int(`opts.milestones[${i}]`, m, 0));
    const lastEpoch = lastEpochOf(o.lastEpoch);
    (this as { optimizer: AnyOptimizer }).optimizer = optimizer;
    this._schedulers = o.schedulers.slice();
    this._milestones = milestones;
    this.lastEpoch = lastEpoch + 1;
    for (const g of groupsOf(optimizer)) g.lr = g.initialLr as number;
    for (const s of this._schedulers) s.lastEpoch -= 1;
    (this._schedulers[0] as unknown as { initialStep(): void }).initialStep();
    this._lastLr = this._schedulers[0].getLastLr();
  }
  protected anyLengthKeys(): string[] {
    return ['_milestones'];
  }
  step(...rest: never[]): void {
    noExtraArgs('step', '', rest);
    this.lastEpoch += 1;
    const idx = this._milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this._lastLr = s.getLastLr();
  }
}

/** Steps every scheduler of the list at each step (their factors multiply). */
export class ChainedScheduler extends SchedulerBase {
  protected _schedulers!: LRScheduler[];
  constructor(schedulers: LRScheduler[], ...rest: never[]) {
    noExtraArgs('ChainedScheduler', 'schedulers', rest);
    super();
    if (!Array.isArray(schedulers) || !schedulers.length) typeArg('schedulers', 'a non-empty array of schedulers', schedulers);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) typeArg(`schedulers[${i}]`, 'an epoch-based scheduler (not ReduceLROnPlateau)', s);
      if (s.optimizer !== schedulers[0].optimizer) invalidArg(`schedulers[${i}]`, 'a scheduler of the same optimizer as schedulers[0]', 'a scheduler of another optimizer');
    });
    (this as { optimizer: AnyOptimizer }).optimizer = schedulers[0].optimizer;
    this._schedulers = schedulers.slice();
    this._lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }
  step(...rest: never[]): void {
    noExtraArgs('step', '', rest);
    for (const s of this._schedulers) s.step();
    this._lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}
/**
 * Multiplies the lr by factor (0.1) when the metric passed to step(metric) has not improved (by
 * threshold, relative or absolute) for more than patience (10) epochs, then waits cooldown epochs;
 * never below minLr, and changes smaller than eps are skipped.
 */
export class ReduceLROnPlateau extends SchedulerBase {
  factor!: number;
  minLrs!: number[];
  patience!: number;
  cooldown!: number;
  cooldownCounter = 0;
  mode!: 'min' | 'max';
  threshold!: number;
  thresholdMode!: 'rel' | 'abs';
  best = Infinity;
  numBadEpochs = 0;
  modeWorse = Infinity;
  eps!: number;
  lastEpoch = 0;
  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}, ...rest: never[]) {
    noExtraArgs('ReduceLROnPlateau', 'optimizer, opts', rest);
    super();
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    const f = num('opts.factor', o.factor, 0.1);
    if (f >= 1) invalidArg('opts.factor', 'a factor < 1.0', f);
    (this as { optimizer: AnyOptimizer }).optimizer = optimizer;
    this.factor = f;
    this.minLrs = perGroup('opts.minLr', optimizer, o.minLr, 0);
    this.patience = int('opts.patience', o.patience, 0, 10);
    this.cooldown = int('opts.cooldown', o.cooldown, 0, 0);
    this.mode = oneOf('opts.mode', o.mode, ['min', 'max'] as const, 'min');
    this.threshold = num('opts.threshold', o.threshold, 1e-4);
    this.thresholdMode = oneOf('opts.thresholdMode', o.thresholdMode, ['rel', 'abs'] as const, 'rel');
    this.eps = num('opts.eps', o.eps, 1e-8);
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this._lastLr = groupsOf(optimizer).map((g) => g.lr);
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    const s = plainObject('stateDict', st);
    oneOf('stateDict.mode', s.mode, ['min', 'max'] as const, 'min');
    oneOf('stateDict.thresholdMode', s.thresholdMode, ['rel', 'abs'] as const, 'rel');
  }
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }
  /** Whether metric a is better than best, by the mode and threshold. */
  isBetter(a: number, best: number): boolean {
    if (typeof a !== 'number' || Number.isNaN(a)) typeArg('a', 'a number', a);
    if (typeof best !== 'number' || Number.isNaN(best)) typeArg('best', 'a number', best);
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }
  /** One epoch with its validation metric (a number or a one-element tensor). */
  step(metrics: number | Tensor, ...rest: never[]): void {
    noExtraArgs('step', 'metrics', rest);
    let current: number;
    if (metrics instanceof Tensor) {
      if (metrics.numel() !== 1) invalidArg('metrics', 'a number or a one-element tensor', metrics);
      current = metrics.item();
    } else if (typeof metrics === 'number') current = metrics;
    else typeArg('metrics', 'a number or a one-element tensor', metrics);
    this.lastEpoch += 1;
    if (this.isBetter(current!, this.best)) {
      this.best = current!;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      groupsOf(this.optimizer).forEach((g, i) => {
        const old = g.lr;
        const lr = Math.max(old * this.factor, this.minLrs[i]);
        if (old - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }
}

export interface CyclicLROptions {
  baseLr: number | number[];
  maxLr: number | number[];
  stepSizeUp?: number;
  stepSizeDown?: number;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  gamma?: number;
  scaleFn?: (x: number) => number;
  scaleMode?: 'cycle' | 'iterations';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  lastEpoch?: number;
}
/**
 * Cyclical learning rates (Smith 2017) between baseLr and maxLr, stepSizeUp (2000) iterations up and
 * stepSizeDown (= up) down, 'triangular', 'triangular2' or 'exp_range' (gamma ** iteration), or a
 * custom scaleFn; with cycleMomentum (true) the optimizer's momentum cycles inversely between
 * maxMomentum (0.9) and baseMomentum (0.8) (the optimizer needs a momentum option, e.g. SGD, RMSprop).
 * Step it after every batch.
 */
export class CyclicLR extends LRScheduler {
  maxLrs!: number[];
  totalSize!: number;
  stepRatio!: number;
  mode!: string;
  gamma!: number;
  scaleMode!: 'cycle' | 'iterations';
  cycleMomentum!: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  scaleFnCustom: ((x: number) => number) | null = null;
  constructor(optimizer: AnyOptimizer, opts: CyclicLROptions, ...rest: never[]) {
    noExtraArgs('CyclicLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode',
      'cycleMomentum', 'baseMomentum', 'maxMomentum', 'lastEpoch']);
    const lastEpoch = lastEpochOf(o.lastEpoch);
    if (o.baseLr === undefined) typeArg('opts.baseLr', 'the lower learning rate (a number or one per group)', o.baseLr);
    if (o.maxLr === undefined) typeArg('opts.maxLr', 'the upper learning rate (a number or one per group)', o.maxLr);
    const baseLrs = perGroup('opts.baseLr', optimizer, o.baseLr);
    const maxLrs = perGroup('opts.maxLr', optimizer, o.maxLr);
    const up = num('opts.stepSizeUp', o.stepSizeUp, 2000);
    const down = o.stepSizeDown === undefined ? up : num('opts.stepSizeDown', o.stepSizeDown);
    if (!(up + down > 0)) invalidArg('opts.stepSizeUp', 'step sizes whose sum is > 0', up);
    if (o.scaleFn !== undefined && typeof o.scaleFn !== 'function') typeArg('opts.scaleFn', 'a function', o.scaleFn);
    const modes = ['triangular', 'triangular2', 'exp_range'];
    if (o.mode !== undefined && typeof o.mode !== 'string') typeArg('opts.mode', `one of ${modes.join(', ')}`, o.mode);
    const mode = o.mode ?? 'triangular';
    if (!modes.includes(mode) && o.scaleFn === undefined) invalidArg('opts.mode', `one of ${modes.join(', ')} (or a scaleFn)`, mode);
    const gamma = num('opts.gamma', o.gamma, 1);
    const scaleMode = oneOf('opts.scaleMode', o.scaleMode, ['cycle', 'iterations'] as const, 'cycle');
    const cycleMomentum = bool('opts.cycleMomentum', o.cycleMomentum, true);
    let baseMomentums: number[] = [];
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults))
        invalidArg('opts.cycleMomentum', 'false for an optimizer without a momentum option (cycleMomentum needs one)', true);
      baseMomentums = perGroup('opts.baseMomentum', optimizer, o.baseMomentum, 0.8);
      maxMomentums = perGroup('opts.maxMomentum', optimizer, o.maxMomentum, 0.9);
    }
    // all checked: now change the optimizer, in PyTorch's order
    if (lastEpoch === -1) groupsOf(optimizer).forEach((g, i) => (g.lr = baseLrs[i]));
    if (cycleMomentum) {
      if (lastEpoch === -1) groupsOf(optimizer).forEach((g, i) => (g.momentum = baseMomentums[i]));
      baseMomentums = groupsOf(optimizer).map((g) => g.momentum as number);
    }
    super(optimizer, lastEpoch);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    if (o.scaleFn === undefined) this.scaleMode = mode === 'exp_range' ? 'iterations' : 'cycle';
    else {
      this.scaleFnCustom = o.scaleFn;
      this.scaleMode = scaleMode;
    }
    this.cycleMomentum = cycleMomentum;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.initialStep();
    this.baseLrs = baseLrs;
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    const s = plainObject('stateDict', st);
    if (!((s.totalSize as number) > 0)) invalidArg('stateDict.totalSize', 'a cycle length > 0', s.totalSize);
    oneOf('stateDict.scaleMode', s.scaleMode, ['cycle', 'iterations'] as const, 'cycle');
  }
  /** The amplitude scale at x (the cycle number or the iteration, by scaleMode). */
  scaleFn(x: number): number {
    if (this.scaleFnCustom) return this.scaleFnCustom(x);
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1.0;
  }
  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const at = this.scaleMode === 'cycle' ? cycle : this.lastEpoch;
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scale * this.scaleFn(at));
    if (this.cycleMomentum) {
      const groups = groupsOf(this.optimizer);
      this.baseMomentums.forEach((b, i) => {
        const mx = this.maxMomentums[i];
        groups[i].momentum = mx - (mx - b) * scale * this.scaleFn(at);
      });
    }
    return lrs;
  }
}

function anneal(strategy: 'cos' | 'linear', start: number, end: number, pct: number): number {
  if (strategy === 'cos') return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
  return (end - start) * pct + start;
}
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}
export interface OneCycleLROptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}
/**
 * The 1cycle policy (Smith & Topin 2018): the lr goes from maxLr / divFactor (25) up to maxLr over
 * pctStart (0.3) of totalSteps (or epochs * stepsPerEpoch), then down to initialLr / finalDivFactor
 * (1e4) (threePhase: back to the initial lr first), by cosine ('cos') or linear annealing; with
 * cycleMomentum (true) the momentum (or Adam's betas[0]) moves inversely between maxMomentum (0.95)
 * and baseMomentum (0.85). Step it after every batch; a step past totalSteps is an error.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps!: number;
  _schedulePhases!: Phase[];
  annealStrategy!: 'cos' | 'linear';
  cycleMomentum!: boolean;
  useBeta1 = false;
  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions, ...rest: never[]) {
    noExtraArgs('OneCycleLR', 'optimizer, opts', rest);
    checkOptimizer(optimizer);
    const o = checkOptionKeys('opts', opts, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum',
      'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch']);
    const lastEpoch = lastEpochOf(o.lastEpoch);
    let totalSteps: number;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined)
      invalidArg('opts.totalSteps', 'totalSteps, or epochs and stepsPerEpoch', undefined);
    if (o.totalSteps !== undefined) totalSteps = int('opts.totalSteps', o.totalSteps, 1);
    else totalSteps = int('opts.epochs', o.epochs, 1) * int('opts.stepsPerEpoch', o.stepsPerEpoch, 1);
    const pct = num('opts.pctStart', o.pctStart, 0.3);
    if (pct < 0 || pct > 1) invalidArg('opts.pctStart', 'a number between 0 and 1', pct);
    const annealStrategy = oneOf('opts.annealStrategy', o.annealStrategy, ['cos', 'linear'] as const, 'cos');
    const threePhase = bool('opts.threePhase', o.threePhase, false);
    if (o.maxLr === undefined) typeArg('opts.maxLr', 'the peak learning rate (a number or one per group)', o.maxLr);
    const maxLrs = perGroup('opts.maxLr', optimizer, o.maxLr);
    const divFactor = num('opts.divFactor', o.divFactor, 25);
    const finalDivFactor = num('opts.finalDivFactor', o.finalDivFactor, 1e4);
    const cycleMomentum = bool('opts.cycleMomentum', o.cycleMomentum, true);
    let useBeta1 = false;
    let maxM: number[] = [];
    let baseM: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults))
        invalidArg('opts.cycleMomentum', 'false for an optimizer without momentum or betas (cycleMomentum needs one)', true);
      useBeta1 = 'betas' in optimizer.defaults;
      maxM = perGroup('opts.maxMomentum', optimizer, o.maxMomentum, 0.95);
      baseM = perGroup('opts.baseMomentum', optimizer, o.baseMomentum, 0.85);
    }
    const groups = groupsOf(optimizer);
    if (lastEpoch !== -1)
      groups.forEach((g, i) => {
        for (const k of ['maxLr', 'minLr', ...(cycleMomentum ? ['maxMomentum', 'baseMomentum'] : [])])
          if (typeof g[k] !== 'number') invalidArg(`optimizer.paramGroups[${i}].${k}`, 'the value OneCycleLR sets, when resuming with lastEpoch >= 0', g[k]);
      });
    // all checked: now change the optimizer
    if (lastEpoch === -1)
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    if (cycleMomentum && lastEpoch === -1)
      groups.forEach((g, i) => {
        if (useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
        else g.momentum = maxM[i];
        g.maxMomentum = maxM[i];
        g.baseMomentum = baseM[i];
      });
    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    const T = totalSteps;
    this._schedulePhases = threePhase
      ? [
        { endStep: pct * T - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pct * T - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: T - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
      : [
        { endStep: pct * T - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: T - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }
  protected checkLoaded(st: Record<string, unknown>): void {
    const s = plainObject('stateDict', st);
    int('stateDict.totalSteps', s.totalSteps, 1);
    oneOf('stateDict.annealStrategy', s.annealStrategy, ['cos', 'linear'] as const, 'cos');
    const keys = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];
    (s._schedulePhases as Phase[]).forEach((p, i) => {
      for (const k of ['startLr', 'endLr', 'startMomentum', 'endMomentum'] as const)
        if (!keys.includes(p[k])) invalidArg(`stateDict._schedulePhases[${i}].${k}`, `one of ${keys.join(', ')}`, p[k]);
    });
  }
  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      invalidArg('step()', `at most totalSteps = ${this.totalSteps} steps (this is step ${stepNum + 1})`, stepNum + 1);
    const phases = this._schedulePhases;
    return groupsOf(this.optimizer).map((g) => {
      let start = 0;
      let lr = 0;
      let mom = 0;
      for (let i = 0; i < phases.length; i++) {
        const p = phases[i];
        if (stepNum <= p.endStep || i === phases.length - 1) {
          const pct = (stepNum - start) / (p.endStep - start);
          lr = anneal(this.annealStrategy, g[p.startLr] as number, g[p.endLr] as number, pct);
          if (this.cycleMomentum) mom = anneal(this.annealStrategy, g[p.startMomentum] as number, g[p.endMomentum] as number, pct);
          break;
        }
        start = p.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [mom, ...(g.betas as number[]).slice(1)];
        else g.momentum = mom;
      }
      return lr;
    });
  }
}
