// lib/nn/container.ts — nn.ModuleDict, nn.ParameterList and nn.ParameterDict (PyTorch's
// torch/nn/modules/container.py). Contract: entries are the instance's own fields (ModuleDict's
// modules, ParameterList's '0', '1', ..., ParameterDict's keys), so parameters(), namedParameters(),
// stateDict() (keys 'list.0', 'dict.key', 'modules.key.weight' as in PyTorch), loadStateDict(),
// to(device), double() and zeroGrad() see them like any submodule or parameter. Keys are non-empty
// strings without '.', and not the name of a member of the container (e.g. 'training', 'keys');
// a tensor stored in a ParameterList / ParameterDict that is not an nn.Parameter is wrapped in one
// (sharing its storage, requiring grad), as PyTorch does. Iteration order is insertion order,
// except that keys that look like array indices ('0', '12') come first in numeric order (JavaScript
// property order). None of them has a forward().
import { typeArg, invalidArg, checkInt, noExtraArgs, TorchletError } from '../errors';
import { Tensor } from '../tensor';
import { Module, Parameter } from './module';

type Entries<T> = Record<string, T> | [string, T][];

function checkKey(owner: object, key: unknown, has: boolean): string {
  if (typeof key !== 'string') typeArg('key', 'a string', key);
  if (key === '' || key.includes('.')) invalidArg('key', "a non-empty name without '.'", key);
  if (!has && key in owner) invalidArg('key', `a name that is not a member of ${owner.constructor.name} (such as training or keys)`, key);
  return key;
}
function entriesOf<T>(name: string, v: unknown, sortPlain: boolean): [string, T][] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    v.forEach((e, i) => {
      if (!Array.isArray(e) || e.length !== 2) typeArg(`${name}[${i}]`, 'a [key, value] pair', e);
    });
    return v as [string, T][];
  }
  if (typeof v !== 'object' || v instanceof Tensor || v instanceof Module || v instanceof Map)
    typeArg(name, 'an object of named entries or an array of [key, value] pairs', v);
  const e = Object.entries(v as Record<string, T>);
  return sortPlain ? e.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : e;
}
function noForward(name: string): never {
  throw new TorchletError(`torchlet: ${name} has no forward(); use its entries`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}
function asParameter(name: string, v: unknown): Parameter {
  if (v instanceof Parameter) return v;
  if (v instanceof Tensor) return new Parameter(v);
  return typeArg(name, 'an nn.Parameter or a Tensor', v);
}
const TYPE_NAMES: Record<string, string> = {
  float32: 'FloatTensor', float64: 'DoubleTensor', int64: 'LongTensor', int32: 'IntTensor', uint8: 'ByteTensor', bool: 'BoolTensor',
};
/** PyTorch's line for a parameter in ParameterList / ParameterDict's printed form. */
function paramLine(key: string, p: Tensor, typeName: string): string {
  const dev = p.device === 'cpu' ? '' : ` (GPU ${p.device.split(':')[1] ?? 0})`;
  return `  (${key}): Parameter containing: [${typeName} of size ${p.shape.join('x')}${dev}]`;
}
function printed(name: string, lines: string[]): string {
  return lines.length ? `${name}(\n${lines.map((l) => `  ${l}`).join('\n')}\n)` : `${name}()`;
}

/** Submodules by name, registered so that the parent's parameters and stateDict include them. */
export class ModuleDict extends Module {
  constructor(modules?: Entries<Module>, ...rest: never[]) {
    super();
    noExtraArgs('ModuleDict', 'modules', rest);
    this.update(modules ?? []);
  }
  private own(): Record<string, unknown> {
    return this as unknown as Record<string, unknown>;
  }
  /** Adds or replaces the module under key (PyTorch's module_dict[key] = module). */
  set(key: string, module: Module, ...rest: never[]): this {
    noExtraArgs('ModuleDict.set', 'key, module', rest);
    checkKey(this, key, this.has(key));
    if (!(module instanceof Module)) typeArg('module', 'an nn.Module', module);
    this.own()[key] = module;
    return this;
  }
  /** The module under key (an error naming it when absent, as PyTorch's KeyError). */
  get(key: string, ...rest: never[]): Module {
    noExtraArgs('ModuleDict.get', 'key', rest);
    if (!this.has(key)) invalidArg('key', `one of the keys ${this.keys().join(', ') || '(none)'}`, key);
    return this.own()[key] as Module;
  }
  has(key: string): boolean {
    return typeof key === 'string' && Object.prototype.hasOwnProperty.call(this, key) && this.own()[key] instanceof Module;
  }
  /** Removes the module under key and returns it. */
  pop(key: string, ...rest: never[]): Module {
    noExtraArgs('ModuleDict.pop', 'key', rest);
    const m = this.get(key);
    delete this.own()[key];
    return m;
  }
  /** Removes the module under key (PyTorch's del module_dict[key]). */
  delete(key: string): void {
    this.pop(key);
  }
  clear(): void {
    for (const k of this.keys()) delete this.own()[k];
  }
  /** Adds the entries (an object or [key, module] pairs), replacing modules of the same key. */
  update(modules: Entries<Module> | ModuleDict, ...rest: never[]): this {
    noExtraArgs('ModuleDict.update', 'modules', rest);
    const e = modules instanceof ModuleDict ? modules.items() : entriesOf<Module>('modules', modules, false);
    e.forEach(([k, m]) => this.set(k, m));
    return this;
  }
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  values(): Module[] {
    return this.children();
  }
  items(): [string, Module][] {
    return this.namedChildren();
  }
  get length(): number {
    return this.namedChildren().length;
  }
  /** Iterates over the keys, as PyTorch's. */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
  forward(): never {
    return noForward('ModuleDict');
  }
}

/** Parameters in a list (registered as '0', '1', ...), indexable (list[0]) and iterable. */
export class ParameterList extends Module {
  [index: number]: Parameter;
  constructor(values?: Tensor[], ...rest: never[]) {
    super();
    noExtraArgs('ParameterList', 'values', rest);
    if (values !== undefined && values !== null && !Array.isArray(values)) typeArg('values', 'an array of nn.Parameters or Tensors', values);
    (values ?? []).forEach((v, i) => this.append(asParameter(`values[${i}]`, v)));
  }
  private params(): Parameter[] {
    return Object.entries(this).filter(([k, v]) => /^\d+$/.test(k) && v instanceof Parameter).map(([, v]) => v as Parameter);
  }
  /** Adds a parameter at the end (a Tensor is wrapped in an nn.Parameter). */
  append(value: Tensor, ...rest: never[]): this {
    noExtraArgs('ParameterList.append', 'value', rest);
    (this as unknown as Record<string, Parameter>)[String(this.length)] = asParameter('value', value);
    return this;
  }
  extend(values: Tensor[], ...rest: never[]): this {
    noExtraArgs('ParameterList.extend', 'values', rest);
    if (!Array.isArray(values)) typeArg('values', 'an array of nn.Parameters or Tensors', values);
    values.forEach((v, i) => asParameter(`values[${i}]`, v));
    values.forEach((v) => this.append(v));
    return this;
  }
  /** The parameter at index i (negative counts from the end). */
  at(i: number, ...rest: never[]): Parameter {
    noExtraArgs('ParameterList.at', 'index', rest);
    checkInt('index', i);
    const ps = this.params();
    const k = i < 0 ? i + ps.length : i;
    if (!(k >= 0 && k < ps.length)) invalidArg('index', `an index in [${-ps.length}, ${ps.length - 1}]`, i);
    return ps[k];
  }
  get length(): number {
    return this.params().length;
  }
  [Symbol.iterator](): Iterator<Parameter> {
    return this.params()[Symbol.iterator]();
  }
  toString(): string {
    return printed('ParameterList', this.params().map((p, i) => paramLine(String(i), p, `torch.${p.dtype}`)));
  }
  forward(): never {
    return noForward('ParameterList');
  }
}

/** Parameters by name, registered so that the parent's parameters and stateDict include them. */
export class ParameterDict extends Module {
  /** parameters: an object (its keys sorted, as PyTorch does for a plain dict) or [key, value] pairs (in order). */
  constructor(parameters?: Entries<Tensor>, ...rest: never[]) {
    super();
    noExtraArgs('ParameterDict', 'parameters', rest);
    this.update(parameters ?? []);
  }
  private own(): Record<string, unknown> {
    return this as unknown as Record<string, unknown>;
  }
  /** Adds or replaces the parameter under key (a Tensor is wrapped in an nn.Parameter). */
  set(key: string, value: Tensor, ...rest: never[]): this {
    noExtraArgs('ParameterDict.set', 'key, value', rest);
    checkKey(this, key, this.has(key));
    this.own()[key] = asParameter('value', value);
    return this;
  }
  get(key: string, ...rest: never[]): Parameter {
    noExtraArgs('ParameterDict.get', 'key', rest);
    if (!this.has(key)) invalidArg('key', `one of the keys ${this.keys().join(', ') || '(none)'}`, key);
    return this.own()[key] as Parameter;
  }
  has(key: string): boolean {
    return typeof key === 'string' && Object.prototype.hasOwnProperty.call(this, key) && this.own()[key] instanceof Parameter;
  }
  pop(key: string, ...rest: never[]): Parameter {
    noExtraArgs('ParameterDict.pop', 'key', rest);
    const p = this.get(key);
    delete this.own()[key];
    return p;
  }
  delete(key: string): void {
    this.pop(key);
  }
  clear(): void {
    for (const k of this.keys()) delete this.own()[k];
  }
  /** Adds the entries (an object, sorted by key, or [key, value] pairs, in order), replacing those of the same key. */
  update(parameters: Entries<Tensor> | ParameterDict, ...rest: never[]): this {
    noExtraArgs('ParameterDict.update', 'parameters', rest);
    const e = parameters instanceof ParameterDict ? parameters.items() : entriesOf<Tensor>('parameters', parameters, true);
    for (const [k, v] of e) {
      checkKey(this, k, this.has(k));
      asParameter(`parameters.${k}`, v);
    }
    e.forEach(([k, v]) => this.set(k, v));
    return this;
  }
  keys(): string[] {
    return this.items().map(([k]) => k);
  }
  values(): Parameter[] {
    return this.items().map(([, v]) => v);
  }
  items(): [string, Parameter][] {
    return Object.entries(this).filter(([, v]) => v instanceof Parameter) as [string, Parameter][];
  }
  get length(): number {
    return this.items().length;
  }
  /** Iterates over the keys, as PyTorch's. */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
  toString(): string {
    return printed(
      'ParameterDict',
      this.items().map(([k, p]) => paramLine(k, p, `torch.${p.device === 'cpu' ? '' : 'cuda.'}${TYPE_NAMES[p.dtype] ?? p.dtype}`)),
    );
  }
  forward(): never {
    return noForward('ParameterDict');
  }
}
