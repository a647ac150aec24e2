// lib/optim/optimizer.ts — the Optimizer base: parameter groups with per-group options,
// zeroGrad, per-parameter state, stateDict/loadStateDict in PyTorch's layout
// ({state: {index: {...}}, paramGroups: [{...options, params: [indices]}]}).
import { invalidArg, typeArg, shapeError, checkOptions, checkSameTensorKind, checkOptionKeys, noExtraArgs } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { zeros } from '../creation';
import { keep } from '../memory';
import { clearGrads } from '../nn/module';
import type { ZeroGradOptions } from '../nn/module';

export type ParamGroup<O> = O & { params: Tensor[] };
export type Params<O> = Tensor[] | Iterable<Tensor> | (Partial<O> & { params: Tensor[] })[];
export type StateValue = Tensor | number;
/** Entries the learning-rate schedulers add to parameter groups (lib/optim/lr_scheduler.ts); loadStateDict accepts them. */
const SCHEDULER_KEYS = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];

/** A parameter to step, with its gradient (see paramGradients). */
export interface ParamToStep<O> {
  group: ParamGroup<O>;
  gi: number;
  p: Tensor;
  j: number;
  grad: Tensor;
}
/**
 * @internal Every parameter with a gradient, with that gradient as the native step reads it, all
 * checked before any is stepped: a `.grad` that is not a tensor of its parameter's shape, dtype and
 * device (e.g. one assigned by hand) is an error naming it, and no parameter has changed yet.
 */
export function paramGradients<O>(paramGroups: ParamGroup<O>[]): ParamToStep<O>[] {
  const out: ParamToStep<O>[] = [];
  paramGroups.forEach((group, gi) =>
    group.params.forEach((p, j) => {
      const g = p.grad as unknown;
      if (g === null || g === undefined) return;
      const name = `paramGroups[${gi}].params[${j}].grad`;
      checkTensor(`paramGroups[${gi}].params[${j}]`, p);
      checkTensor(name, g);
      checkSameTensorKind(name, g as Tensor, p, 'its parameter');
      out.push({ group, gi, p, j, grad: g as Tensor });
    }),
  );
  return out;
}
/**
 * @internal Runs one native step that writes parameter p in place from its gradient: the gradient made
 * contiguous for the kernel (and freed again when that made a copy), and p's version counter bumped,
 * so that a graph that saved p refuses its backward (every optimizer's step goes through here).
 */
export function stepParam(p: Tensor, grad: Tensor, write: (contiguousGrad: Tensor) => void): void {
  const g = grad.contiguous();
  try {
    write(g);
  } finally {
    if (g !== grad) g.dispose();
  }
  p._storage.version++;
}
/** @internal Optimizer state tensor `key` of parameter p (group gi, index j), checked like its gradient. */
export function stateTensor(p: Tensor, s: Record<string, StateValue>, key: string, gi: number, j: number): Tensor {
  const name = `state of paramGroups[${gi}].params[${j}].${key}`;
  checkTensor(name, s[key]);
  checkSameTensorKind(name, s[key] as Tensor, p, 'its parameter');
  return s[key] as Tensor;
}

export abstract class Optimizer<O extends object> {
  paramGroups: ParamGroup<O>[];
  state = new Map<Tensor, Record<string, StateValue>>();

  constructor(params: Params<O>, readonly defaults: O) {
    if (typeof params !== 'object' || params === null || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
      typeArg('params', 'an array (or iterable) of tensors or of parameter groups', params);
    checkOptions('defaults', defaults);
    const list = Array.isArray(params) ? params : [...(params as Iterable<Tensor>)];
    if (!list.length) invalidArg('params', 'a non-empty list of parameters', params);
    const groups = (list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : list) as (Partial<O> & { params: Tensor[] })[];
    this.paramGroups = groups.map((g, i) => {
      if (!g || !Array.isArray(g.params)) typeArg(`params[${i}].params`, 'an array of tensors', g?.params);
      g.params.forEach((p, j) => {
        if (!(p instanceof Tensor)) typeArg(`params[${j}]`, 'a Tensor', p);
        if (!p.requiresGrad || !p.isLeaf) invalidArg(`params[${j}]`, 'a leaf tensor that requires grad', p);
      });
      return { ...defaults, ...g, params: g.params.slice() } as ParamGroup<O>;
    });
    const seen = new Set<Tensor>();
    this.paramGroups.forEach((g, i) =>
      g.params.forEach((p, j) => {
        if (seen.has(p)) invalidArg(`params[${i}].params[${j}]`, 'each parameter in one parameter group only (PyTorch: "some parameters appear in more than one parameter group")', p);
        seen.add(p);
      }),
    );
  }

  /**
   * Adds a parameter group (PyTorch's add_param_group), e.g. to train layers unfrozen later:
   * `{params, ...options}` with params a tensor or an array of them, the options this optimizer's
   * (the defaults fill the rest) checked by the constructor's rules. A parameter already in a group is
   * refused, and nothing changes on a refusal.
   */
  addParamGroup(paramGroup: Partial<O> & { params: Tensor[] | Tensor }, ...rest: never[]): void {
    noExtraArgs('addParamGroup', 'paramGroup', rest);
    if (typeof paramGroup !== 'object' || paramGroup === null || Array.isArray(paramGroup))
      typeArg('paramGroup', 'a parameter group {params, ...options}', paramGroup);
    const { params: given, ...opts } = paramGroup;
    const params = given instanceof Tensor ? [given] : given;
    if (!Array.isArray(params)) typeArg('paramGroup.params', 'a tensor or an array of tensors', given);
    if (!params.length) invalidArg('paramGroup.params', 'at least one parameter', params);
    checkOptionKeys('paramGroup', opts, Object.keys(this.defaults));
    const existing = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, j) => {
      if (!(p instanceof Tensor)) typeArg(`paramGroup.params[${j}]`, 'a Tensor', p);
      if (!p.requiresGrad || !p.isLeaf) invalidArg(`paramGroup.params[${j}]`, 'a leaf tensor that requires grad', p);
      if (existing.has(p) || params.indexOf(p) !== j)
        invalidArg(`paramGroup.params[${j}]`, 'a parameter in no other parameter group (PyTorch: "some parameters appear in more than one parameter group")', p);
    });
    const group = { ...this.defaults, ...opts, params: params.slice() } as ParamGroup<O>;
    this.checkGroup(group);
    this.paramGroups.push(group);
  }

  /** Sets every parameter's grad to null (PyTorch's default set_to_none=True). */
  /** `.grad = null` for every parameter (PyTorch 2's default), or `{setToNone: false}`: zeroed in place (PyTorch 1.13's). */
  zeroGrad(opts?: ZeroGradOptions, ...rest: never[]): void {
    clearGrads('zeroGrad', this.paramGroups.flatMap((g) => g.params), opts, rest);
  }
  abstract step(): void;

  protected stateFor(p: Tensor): Record<string, StateValue> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }
  protected zerosLikeKept(p: Tensor): Tensor {
    checkTensor('param', p);
    return keep(zeros(p.shape, { dtype: p.dtype, device: p.device }));
  }

  stateDict(): { state: Record<number, Record<string, StateValue>>; paramGroups: (Omit<O, never> & { params: number[] })[] } {
    let idx = 0;
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...opts } = g;
      return { ...(opts as O), params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, idx), idx++))) };
    });
    const state: Record<number, Record<string, StateValue>> = {};
    for (const [p, s] of this.state) if (index.has(p)) state[index.get(p)!] = { ...s };
    return { state, paramGroups };
  }
  /**
   * Loads a stateDict() of an optimizer of the same kind over the same parameters, all or nothing:
   * everything is checked first (group count and sizes, parameter indices, each option against the
   * type of its current value and the optimizer's own rules, each state entry against its
   * parameter's shape and the optimizer's state layout), then copies are made, and only then are the
   * options and the state replaced. A failed load leaves the optimizer exactly as it was.
   */
  loadStateDict(sd: { state: Record<number, Record<string, StateValue>>; paramGroups: (O & { params: number[] })[] }): void {
    if (typeof sd !== 'object' || sd === null || Array.isArray(sd)) typeArg('stateDict', 'an optimizer state dict {state, paramGroups}', sd);
    if (!Array.isArray(sd.paramGroups) || sd.paramGroups.length !== this.paramGroups.length)
      invalidArg('stateDict.paramGroups', `${this.paramGroups.length} parameter groups`, sd?.paramGroups);
    if (sd.state !== undefined && (typeof sd.state !== 'object' || sd.state === null || Array.isArray(sd.state))) typeArg('stateDict.state', 'an object', sd.state);
    // 1. check everything
    const byIndex = new Map<number, { p: Tensor; group: number }>();
    const groups = sd.paramGroups.map((g, gi) => {
      const own = this.paramGroups[gi];
      const where = `stateDict.paramGroups[${gi}]`;
      if (typeof g !== 'object' || g === null || !Array.isArray(g.params)) typeArg(where, 'a parameter group with a params array', g);
      if (g.params.length !== own.params.length) invalidArg(`${where}.params`, `${own.params.length} parameters`, g.params.length);
      g.params.forEach((id, j) => {
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) typeArg(`${where}.params[${j}]`, 'a parameter index (an integer >= 0)', id);
        if (byIndex.has(id)) invalidArg(`${where}.params[${j}]`, 'each parameter index once', id);
        byIndex.set(id, { p: own.params[j], group: gi });
      });
      const { params: _own, ...current } = own as ParamGroup<O> & Record<string, unknown>;
      const merged: Record<string, unknown> = { ...current };
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        if (SCHEDULER_KEYS.includes(k) && !Object.prototype.hasOwnProperty.call(current, k)) {
          if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(`${where}.${k}`, 'a finite number (an entry a learning-rate scheduler sets)', v);
          merged[k] = v;
          continue;
        }
        if (!Object.prototype.hasOwnProperty.call(current, k)) invalidArg(`${where}.${k}`, `one of the options ${Object.keys(current).join(', ')}`, k);
        merged[k] = likeCurrent(`${where}.${k}`, v, current[k]);
      }
      this.checkGroup(merged as O);
      return merged as O;
    });
    const entries: { p: Tensor; s: Record<string, StateValue> }[] = [];
    for (const [k, s] of Object.entries(sd.state ?? {})) {
      const where = `stateDict.state[${k}]`;
      const hit = /^\d+$/.test(k) ? byIndex.get(Number(k)) : undefined;
      if (!hit) invalidArg('stateDict.state', 'entries for the parameter indices its paramGroups list', k);
      const { p, group } = hit!;
      if (typeof s !== 'object' || s === null || Array.isArray(s)) typeArg(where, 'an object of state values', s);
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (v.disposed) invalidArg(`${where}.${name}`, 'a live tensor', 'a disposed tensor');
          if (v.shape.join() !== p.shape.join()) shapeError(`${where}.${name}`, `shape [${p.shape.join(', ')}]`, v);
        } else if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(`${where}.${name}`, 'a tensor or a finite number', v);
      }
      this.checkState(where, s, groups[group]);
      entries.push({ p, s });
    }
    // 2. copies (an allocation failure here still leaves everything as it was)
    const made: Tensor[] = [];
    const state = new Map<Tensor, Record<string, StateValue>>();
    try {
      for (const { p, s } of entries) {
        const copy: Record<string, StateValue> = {};
        for (const [name, v] of Object.entries(s)) {
          if (v instanceof Tensor) {
            const m = v.to(p.device).to(p.dtype); // the parameter's device and dtype
            copy[name] = keep(m === v ? v.clone() : m);
            made.push(copy[name] as Tensor);
          } else copy[name] = v;
        }
        state.set(p, copy);
      }
    } catch (e) {
      made.forEach((t) => t.dispose());
      throw e;
    }
    // 3. apply
    groups.forEach((g, gi) => Object.assign(this.paramGroups[gi], g));
    this.state = state;
  }

  /** Checks one parameter group's options (loadStateDict); optimizers with rules override it. */
  protected checkGroup(_group: O): void {}
  /** Checks one parameter's state entry against its group (loadStateDict); optimizers with a state layout override it. */
  protected checkState(_where: string, _state: Record<string, StateValue>, _group: O): void {}
  /** The arguments of a checkState hook, checked (the hooks are reachable from JS like any method). */
  protected checkStateArgs(where: unknown, s: unknown): void {
    if (typeof where !== 'string') typeArg('where', 'a string', where);
    if (typeof s !== 'object' || s === null || Array.isArray(s)) typeArg(where as string, 'an object of state values', s);
  }
}

/** A loaded option value, checked against the type of the current one (numbers finite, arrays of the same length). */
function likeCurrent(name: string, v: unknown, current: unknown): unknown {
  if (typeof current === 'number') {
    if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(name, 'a finite number', v);
    return v;
  }
  if (Array.isArray(current)) {
    if (!Array.isArray(v) || v.length !== current.length) typeArg(name, `an array of ${current.length} values`, v);
    return (v as unknown[]).map((x, i) => likeCurrent(`${name}[${i}]`, x, current[i]));
  }
  // an option that is null by default (LBFGS's lineSearchFn): null or a plain value, left to checkGroup
  if (current === null) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) typeArg(name, 'null or a string, number or boolean', v);
    return v;
  }
  if (typeof v !== typeof current || v === null) typeArg(name, `a ${typeof current}`, v);
  return v;
}
