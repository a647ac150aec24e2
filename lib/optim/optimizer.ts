// lib/optim/optimizer.ts — the Optimizer base: parameter groups with per-group options,
// zeroGrad, per-parameter state, stateDict/loadStateDict in PyTorch's layout
// ({state: {index: {...}}, paramGroups: [{...options, params: [indices]}]}).
import { invalidArg, typeArg, shapeError, checkOptions, checkSameTensorKind } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { zeros } from '../creation';
import { keep } from '../memory';

export type ParamGroup<O> = O & { params: Tensor[] };
export type Params<O> = Tensor[] | Iterable<Tensor> | (Partial<O> & { params: Tensor[] })[];
export type StateValue = Tensor | number;

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
  }

  /** Sets every parameter's grad to null (PyTorch's default set_to_none=True). */
  zeroGrad(): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        if (p.grad) p.grad.dispose();
        p.grad = null;
      }
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
  loadStateDict(sd: { state: Record<number, Record<string, StateValue>>; paramGroups: (O & { params: number[] })[] }): void {
    if (!sd || !Array.isArray(sd.paramGroups) || sd.paramGroups.length !== this.paramGroups.length)
      invalidArg('stateDict.paramGroups', `${this.paramGroups.length} parameter groups`, sd?.paramGroups);
    if (sd.state !== undefined && (typeof sd.state !== 'object' || sd.state === null)) typeArg('stateDict.state', 'an object', sd.state);
    const byIndex = new Map<number, Tensor>();
    sd.paramGroups.forEach((g, gi) => {
      const own = this.paramGroups[gi];
      if (typeof g !== 'object' || g === null || !Array.isArray(g.params))
        typeArg(`stateDict.paramGroups[${gi}]`, 'a parameter group with a params array', g);
      if (g.params.length !== own.params.length)
        invalidArg(`stateDict.paramGroups[${gi}].params`, `${own.params.length} parameters`, g.params.length);
      g.params.forEach((id, j) => byIndex.set(id, own.params[j]));
      const { params: _p, ...opts } = g;
      Object.assign(own, opts);
    });
    this.state.clear();
    for (const [k, s] of Object.entries(sd.state ?? {})) {
      const p = byIndex.get(Number(k));
      if (!p) continue;
      if (typeof s !== 'object' || s === null) typeArg(`stateDict.state[${k}]`, 'an object of state values', s);
      const copy: Record<string, StateValue> = {};
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (v.shape.join() !== p.shape.join()) shapeError(`stateDict.state[${k}].${name}`, `shape [${p.shape.join(', ')}]`, v);
          const m = v.to(p.device).to(p.dtype); // the parameter's device and dtype
          copy[name] = keep(m === v ? v.clone() : m);
        } else copy[name] = v;
      }
      this.state.set(p, copy);
    }
  }
}
