// lib/nn/module.ts — nn.Module: parameters, buffers and submodules discovered from the instance's
// own fields in assignment order (as PyTorch registers them), train/eval, apply, zeroGrad,
// stateDict/loadStateDict, requiresGrad_, float/double (parameters and floating buffers converted in
// place), forward pre-hooks and forward hooks (PyTorch's semantics: a hook's non-undefined return
// replaces the inputs / the output; each registration returns a handle whose remove() drops it), and a
// PyTorch-style toString().
//
// State-dict names are PyTorch's, so `torch.save(model.stateDict(), f)` loads in PyTorch with a
// strict `model.load_state_dict(load_file(f))` and PyTorch's files load here unchanged: a key is the
// dotted path of attribute names, except that a class may spell some of its own attributes the
// PyTorch way through `static stateDictNames` (BatchNorm's `runningMean` attribute is the
// `running_mean` key, as in PyTorch). loadStateDict accepts both spellings of every key (the
// PyTorch key and the torchlet attribute path), so checkpoints written with torchlet's attribute
// names also load. namedParameters/namedBuffers/namedModules keep torchlet's attribute paths.
// loadStateDict is all or nothing: every tensor is checked (type, live, shape) and brought to its
// target device before any parameter or buffer is written.
import { invalidArg, shapeError, typeArg, TorchletRangeError, checkOptionKeys, noExtraArgs, optBool } from '../errors';
import { Tensor, checkTensor, DTYPES, DType } from '../tensor';
import { noGrad, record, isGradEnabled } from '../autograd';
import { StorageRef, keep } from '../memory';
import { parseDevice, DeviceType } from '../device';
import { formatTensor } from '../print';

/** A forward pre-hook: called with the module and the forward's arguments before forward runs. */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;
/** A forward hook: called with the module, the arguments forward ran with, and its output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/**
 * A full backward hook: called during backward with the module, the gradients w.r.t. its forward's
 * arguments (null for an argument that is not a tensor requiring grad) and w.r.t. its output; an
 * array returned replaces gradInput.
 */
export type FullBackwardHook = (module: Module, gradInput: (Tensor | null)[], gradOutput: Tensor[]) => (Tensor | null)[] | undefined | void;

let nextHookId = 0;
/** What registerForwardHook & co. return: remove() unregisters the hook (idempotent), as torch.utils.hooks.RemovableHandle. */
export class RemovableHandle {
  readonly id: number;
  private readonly hooks: Map<number, unknown> | null;
  constructor(hooks?: Map<number, unknown>) {
    this.hooks = hooks instanceof Map ? hooks : null;
    this.id = nextHookId++;
  }
  remove(): void {
    this.hooks?.delete(this.id);
  }
}
interface HookTables {
  pre: Map<number, ForwardPreHook>;
  post: Map<number, ForwardHook>;
  back: Map<number, FullBackwardHook>;
}
/** A view of t with the same shape and strides whose backward is `backward` (PyTorch's BackwardHookFunction). */
function hookIdentity(t: Tensor, backward: (g: Tensor) => Tensor | null): Tensor {
  const alias = new Tensor((t as unknown as { _storage: StorageRef })._storage, t.shape.slice(), t.dtype, t.device, t.strides.slice(), t.offset);
  return record(alias, [t], 'BackwardHookFunctionBackward', (g) => [backward(g)]);
}
/**
 * Wraps a forward call for the full backward hooks (PyTorch 1.13's semantics, for modules whose
 * forward takes at most one tensor that requires grad and returns one tensor): the input and the
 * output pass through identity nodes; the output's records gradOutput, the input's calls the hooks
 * with gradInput and returns what they make of it. With no input requiring grad the hooks are called
 * when gradOutput is known, with gradInput all null, and must return nothing.
 */
function runWithBackwardHooks(m: Module, tables: HookTables, args: unknown[], run: (args: unknown[]) => unknown): unknown {
  const wanting = args.map((a, i) => (a instanceof Tensor && a.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (wanting.length > 1)
    invalidArg('registerFullBackwardHook', 'a module whose forward takes at most one tensor that requires grad (several are not supported yet)', `${wanting.length} such tensors`);
  const state: { gradOutput: Tensor[] } = { gradOutput: [] };
  const hooks = () => [...tables.back.values()];
  const n = args.length;
  if (wanting.length) {
    const i = wanting[0];
    args = args.slice();
    args[i] = hookIdentity(args[i] as Tensor, (g) => {
      let gi: (Tensor | null)[] = Array.from({ length: n }, (_, k) => (k === i ? g : null));
      for (const hook of hooks()) {
        const r = hook(m, gi, state.gradOutput);
        if (r === undefined) continue;
        if (!Array.isArray(r) || r.length !== n || !r.every((x) => x === null || x instanceof Tensor))
          invalidArg('the backward hook\'s result', `undefined or an array of ${n} gradients (tensors or null), one per forward argument`, r);
        gi = r;
      }
      state.gradOutput.forEach((t) => t.dispose());
      state.gradOutput = [];
      const out = gi[i];
      if (out && out.shape.join() !== g.shape.join()) shapeError('the backward hook\'s gradInput', `a gradient of shape [${g.shape.join(', ')}]`, out);
      return out;
    });
  }
  const out = run(args);
  if (!(out instanceof Tensor)) typeArg('registerFullBackwardHook', 'a module whose forward returns one tensor (other outputs are not supported yet)', out);
  if (!out.requiresGrad) return out;
  return hookIdentity(out, (g) => {
    if (!wanting.length) {
      for (const hook of hooks()) {
        const r = hook(m, Array.from({ length: n }, () => null), [g]);
        if (r !== undefined && !(Array.isArray(r) && r.every((x) => x === null)))
          invalidArg('the backward hook\'s result', 'undefined (no input of this module requires grad)', r);
      }
    } else state.gradOutput = [g.clone()]; // backward frees g once the module's nodes have used it; the input's node needs it later
    return g;
  });
}
const HOOKS = new WeakMap<Module, HookTables>();
/** The module's hook tables; on first use its forward is wrapped (a non-enumerable own property) to run them. */
function hookTables(m: Module): HookTables {
  let t = HOOKS.get(m);
  if (t) return t;
  const tables: HookTables = { pre: new Map(), post: new Map(), back: new Map() };
  t = tables;
  HOOKS.set(m, t);
  const inner = m.forward;
  Object.defineProperty(m, 'forward', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: function hookedForward(...args: unknown[]): unknown {
      for (const hook of [...tables.pre.values()]) {
        const r = hook(m, args);
        if (r !== undefined) args = Array.isArray(r) ? r : [r];
      }
      let out = tables.back.size && isGradEnabled() ? runWithBackwardHooks(m, tables, args, (a) => inner.apply(m, a)) : inner.apply(m, args);
      for (const hook of [...tables.post.values()]) {
        const r = hook(m, args, out);
        if (r !== undefined) out = r;
      }
      return out;
    },
  });
  return t;
}

/** A tensor registered as a module parameter (requires grad, survives tidy()). */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    checkTensor('data', data);
    const d = data as Tensor & { _storage: StorageRef };
    super(d._storage, data.shape.slice(), data.dtype, data.device, data.strides.slice(), data.offset);
    this.kept = true;
    if (requiresGrad) this.requiresGrad_(true);
  }
  /** PyTorch's repr of a parameter: "Parameter containing:" and the tensor. */
  toString(): string {
    return formatTensor(this, true);
  }
}

/** Converts every floating-point parameter and buffer (and gradient) of m to `dtype` in place; the Parameter objects stay the same. */
function castFloating(m: Module, dtype: 'float32' | 'float64'): void {
  const seen = new Set<Tensor>();
  for (const t of [...m.parameters(), ...m.namedBuffers().map(([, b]) => b)]) {
    if (seen.has(t) || (t.dtype !== 'float32' && t.dtype !== 'float64')) continue;
    seen.add(t);
    t._castTo(dtype);
  }
}

export abstract class Module {
  training = true;
  private _buffers = new Set<string>();

  abstract forward(...args: unknown[]): unknown;

  /** Registers a named buffer (saved in stateDict, not a parameter). */
  registerBuffer(name: string, t: Tensor | null): void {
    if (typeof name !== 'string' || !name) typeArg('name', 'a non-empty string', name);
    if (t !== null && !(t instanceof Tensor)) typeArg('tensor', 'a Tensor or null', t);
    this._buffers.add(name);
    if (t) keep(t);
    (this as unknown as Record<string, unknown>)[name] = t;
  }

  /**
   * Registers a parameter under `name` (PyTorch's register_parameter): a Parameter, or null for an
   * optional one that is absent (then not in parameters() or the state dict). A name taken by a
   * submodule, a buffer or another attribute is refused.
   */
  registerParameter(name: string, param: Parameter | null, ...rest: never[]): void {
    noExtraArgs('registerParameter', 'name, param', rest);
    this.checkNewName('registerParameter', name, (v) => v instanceof Parameter || v === null || v === undefined);
    if (param !== null && !(param instanceof Parameter)) typeArg('param', 'an nn.Parameter or null (wrap a tensor: new nn.Parameter(t))', param);
    (this as unknown as Record<string, unknown>)[name] = param;
  }
  /** Registers a submodule under `name` (PyTorch's register_module / add_module); null for an absent one. */
  registerModule(name: string, module: Module | null, ...rest: never[]): void {
    noExtraArgs('registerModule', 'name, module', rest);
    this.checkNewName('registerModule', name, (v) => v instanceof Module || v === null || v === undefined);
    if (module !== null && !(module instanceof Module)) typeArg('module', 'an nn.Module or null', module);
    (this as unknown as Record<string, unknown>)[name] = module;
  }
  /** registerModule under PyTorch's other name. */
  addModule(name: string, module: Module | null, ...rest: never[]): void {
    noExtraArgs('addModule', 'name, module', rest);
    this.registerModule(name, module);
  }
  private checkNewName(fn: string, name: unknown, replaceable: (v: unknown) => boolean): void {
    if (typeof name !== 'string' || !name) typeArg('name', 'a non-empty string', name);
    if ((name as string).includes('.')) invalidArg('name', `a name without "." (${fn})`, name);
    const self = this as unknown as Record<string, unknown>;
    if (name in self && (!Object.prototype.hasOwnProperty.call(self, name as string) || !replaceable(self[name as string]) || this._buffers.has(name as string)))
      invalidArg('name', `a name that is not already an attribute of the module (${fn} would replace it)`, name);
  }
  /** The submodule at a dotted attribute path ('' is the module itself), as PyTorch's get_submodule. */
  getSubmodule(target: string, ...rest: never[]): Module {
    noExtraArgs('getSubmodule', 'target', rest);
    if (typeof target !== 'string') typeArg('target', 'a dotted path of attribute names', target);
    if (target === '') return this;
    const parts = target.split('.');
    return parts.reduce<Module>((m, part, i) => {
      const v = (m as unknown as Record<string, unknown>)[part];
      if (!Object.prototype.hasOwnProperty.call(m, part) || !(v instanceof Module))
        invalidArg('target', `a path of submodules (${m.constructor.name} has no submodule ${JSON.stringify(part)} at ${JSON.stringify(parts.slice(0, i + 1).join('.'))})`, target);
      return v as Module;
    }, this);
  }
  private attrAt(fn: string, target: unknown, what: string, ok: (m: Module, name: string, v: unknown) => boolean): unknown {
    if (typeof target !== 'string' || !target) typeArg('target', 'a dotted path of attribute names', target);
    const i = (target as string).lastIndexOf('.');
    const mod = this.getSubmodule(i < 0 ? '' : (target as string).slice(0, i));
    const name = (target as string).slice(i + 1);
    const v = (mod as unknown as Record<string, unknown>)[name];
    if (!Object.prototype.hasOwnProperty.call(mod, name) || !ok(mod, name, v))
      invalidArg('target', `the path of ${what} (${mod.constructor.name} has no ${what} ${JSON.stringify(name)}; ${fn})`, target);
    return v;
  }
  /** The parameter at a dotted attribute path ('fc.weight'), as PyTorch's get_parameter. */
  getParameter(target: string, ...rest: never[]): Parameter {
    noExtraArgs('getParameter', 'target', rest);
    return this.attrAt('getParameter', target, 'a parameter', (_m, _n, v) => v instanceof Parameter) as Parameter;
  }
  /** The registered buffer at a dotted attribute path ('bn.runningMean'), as PyTorch's get_buffer. */
  getBuffer(target: string, ...rest: never[]): Tensor {
    noExtraArgs('getBuffer', 'target', rest);
    return this.attrAt('getBuffer', target, 'a buffer', (m, n, v) => m._buffers.has(n) && v instanceof Tensor) as Tensor;
  }

  namedChildren(): [string, Module][] {
    return Object.entries(this).filter(([, v]) => v instanceof Module) as [string, Module][];
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  namedModules(prefix = ''): [string, Module][] {
    if (typeof prefix !== 'string') typeArg('prefix', 'a string', prefix);
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  namedParameters(prefix = ''): [string, Parameter][] {
    if (typeof prefix !== 'string') typeArg('prefix', 'a string', prefix);
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          out.push([mp ? `${mp}.${k}` : k, v]);
        }
      }
    }
    return out;
  }
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }
  /** The buffers of this module and its submodules (PyTorch's module.buffers()): namedBuffers' tensors. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [mp, m] of this.namedModules()) {
      for (const b of m._buffers) {
        const v = (m as unknown as Record<string, unknown>)[b];
        if (v instanceof Tensor) out.push([mp ? `${mp}.${b}` : b, v]);
      }
    }
    return out;
  }

  /**
   * Registers hook(module, inputs) to run before every forward call; a non-undefined return replaces
   * the arguments (an array is the new argument list, anything else the single argument), as
   * PyTorch's register_forward_pre_hook. Hooks run in registration order.
   */
  registerForwardPreHook(hook: ForwardPreHook, ...rest: never[]): RemovableHandle {
    noExtraArgs('registerForwardPreHook', 'hook', rest);
    if (typeof hook !== 'function') typeArg('hook', 'a function (module, inputs) => inputs | undefined', hook);
    const t = hookTables(this);
    const h = new RemovableHandle(t.pre as Map<number, unknown>);
    t.pre.set(h.id, hook);
    return h;
  }
  /**
   * Registers hook(module, inputs, output) to run after every forward call; a non-undefined return
   * replaces the output, as PyTorch's register_forward_hook. Hooks run in registration order.
   */
  registerForwardHook(hook: ForwardHook, ...rest: never[]): RemovableHandle {
    noExtraArgs('registerForwardHook', 'hook', rest);
    if (typeof hook !== 'function') typeArg('hook', 'a function (module, inputs, output) => output | undefined', hook);
    const t = hookTables(this);
    const h = new RemovableHandle(t.post as Map<number, unknown>);
    t.post.set(h.id, hook);
    return h;
  }
  /**
   * Registers hook(module, gradInput, gradOutput), called during backward once the gradient w.r.t.
   * the module's input is computed; an array returned replaces gradInput (PyTorch's
   * register_full_backward_hook). gradInput has one entry per forward argument (null where it is not
   * a tensor requiring grad). The gradients are valid during the call (backward frees its
   * intermediate gradients afterwards: clone what you keep). Supported for modules whose forward takes at most one tensor that
   * requires grad and returns one tensor (others are an error at the forward call).
   */
  registerFullBackwardHook(hook: FullBackwardHook, ...rest: never[]): RemovableHandle {
    noExtraArgs('registerFullBackwardHook', 'hook', rest);
    if (typeof hook !== 'function') typeArg('hook', 'a function (module, gradInput, gradOutput) => gradInput | undefined', hook);
    const t = hookTables(this);
    const h = new RemovableHandle(t.back as Map<number, unknown>);
    t.back.set(h.id, hook);
    return h;
  }
  /** Sets requiresGrad on every parameter (true by default: fine-tuning / freezing), as PyTorch's requires_grad_. */
  requiresGrad_(requiresGrad = true, ...rest: never[]): this {
    noExtraArgs('requiresGrad_', 'requiresGrad', rest);
    if (typeof requiresGrad !== 'boolean') typeArg('requiresGrad', 'a boolean', requiresGrad);
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /** Casts all floating-point parameters and buffers to float64 in place, as PyTorch's module.double(). */
  double(...rest: never[]): this {
    noExtraArgs('double', '', rest);
    castFloating(this, 'float64');
    return this;
  }
  /** Casts all floating-point parameters and buffers to float32 in place, as PyTorch's module.float(). */
  float(...rest: never[]): this {
    noExtraArgs('float', '', rest);
    castFloating(this, 'float32');
    return this;
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Calls fn on every submodule (children first) and then on this module, as PyTorch. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }
  /**
   * Clears the parameters' gradients: `.grad = null` (PyTorch 2's default, set_to_none=True), or with
   * `{setToNone: false}` zeroes them in place (PyTorch 1.13's default, zero_grad(set_to_none=False)).
   */
  zeroGrad(opts?: ZeroGradOptions, ...rest: never[]): void {
    clearGrads('zeroGrad', this.parameters(), opts, rest);
  }
  /**
   * Moves every parameter and buffer (and any parameter's .grad) to `device` ('cpu', 'cuda',
   * 'cuda:0') in place, as PyTorch's `module.to(device)`: the Parameter objects stay the same, so
   * references to them stay valid. As in PyTorch, move the model BEFORE creating its optimizer:
   * optimizer state (Adam's moments, SGD's momentum) is created on the parameters' device at the
   * first step, and state that already exists is not moved.
   * `to('float64')` / `to('float32')` (PyTorch's `module.to(torch.float64)`) casts the floating-point
   * parameters and buffers in place as double() / float() do, and `to(device, dtype)` does both;
   * other dtypes are refused, as in PyTorch (integer buffers such as a BatchNorm's step count stay).
   */
  to(device: DeviceType | string, dtype?: 'float32' | 'float64', ...rest: never[]): this {
    noExtraArgs('to', 'device, dtype', rest);
    const floating = (name: string, v: unknown): v is 'float32' | 'float64' => {
      if (v === 'float32' || v === 'float64') return true;
      if (DTYPES.includes(v as DType)) invalidArg(name, "a floating-point dtype ('float32' or 'float64'): nn.Module.to casts only those", v);
      return false;
    };
    if (floating('dtype', device)) {
      if (dtype !== undefined) typeArg('to()', 'a device before the dtype (to(device, dtype))', dtype);
      castFloating(this, device);
      return this;
    }
    if (dtype !== undefined && !floating('dtype', dtype)) typeArg('dtype', "'float32' or 'float64'", dtype);
    this.moveTo(device);
    if (dtype !== undefined) castFloating(this, dtype);
    return this;
  }
  private moveTo(device: DeviceType | string): void {
    const dev = parseDevice('device', device);
    const seen = new Set<Tensor>();
    for (const m of this.modules()) {
      for (const v of Object.values(m)) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          v._moveTo(dev);
        }
      }
    }
    for (const [, b] of this.namedBuffers()) {
      if (!seen.has(b)) {
        seen.add(b);
        b._moveTo(dev);
      }
    }
  }
  /** Same as `to('cuda')`. */
  cuda(): this {
    return this.to('cuda');
  }
  /** Same as `to('cpu')`. */
  cpu(): this {
    return this.to('cpu');
  }

  /**
   * PyTorch's name for those attributes of this class (parameters, buffers or submodules) whose
   * torchlet (camelCase) name differs from it, used for the keys of stateDict(): e.g. BatchNorm
   * declares `{ runningMean: 'running_mean', runningVar: 'running_var', numBatchesTracked:
   * 'num_batches_tracked' }`. Attributes not listed are keyed by their own names. Subclasses
   * override it with a `static readonly stateDictNames = {...}`.
   */
  static readonly stateDictNames: Readonly<Record<string, string>> = {};

  /** Every parameter and registered (non-null) buffer as [PyTorch-style key, torchlet path, tensor]. */
  private stateEntries(key = '', attrPath = ''): [string, string, Tensor][] {
    if (typeof key !== 'string' || typeof attrPath !== 'string') typeArg('prefix', 'a string', typeof key !== 'string' ? key : attrPath);
    const out: [string, string, Tensor][] = [];
    const names = (this.constructor as typeof Module).stateDictNames;
    const join = (p: string, n: string) => (p ? `${p}.${n}` : n);
    const kids: [string, string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      const sk = Object.prototype.hasOwnProperty.call(names, k) ? names[k] : k;
      if (v instanceof Parameter || (this._buffers.has(k) && v instanceof Tensor)) out.push([join(key, sk), join(attrPath, k), v]);
      else if (v instanceof Module) kids.push([join(key, sk), join(attrPath, k), v]);
    }
    for (const [sk, ap, m] of kids) out.push(...m.stateEntries(sk, ap));
    return out;
  }

  /**
   * Parameters and buffers by dotted name, as PyTorch's `state_dict()` names them (see
   * `stateDictNames`): views sharing the module's storage, in PyTorch's order (a module's own
   * tensors, then its submodules'). `torch.save(model.stateDict(), 'w.safetensors')` writes a file
   * that PyTorch's `model.load_state_dict(safetensors.torch.load_file('w.safetensors'))` loads.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, , t] of this.stateEntries()) if (!(k in out)) out[k] = t.detach();
    return out;
  }
  /**
   * Copies values in (shapes must match; dtypes are converted, as PyTorch's `copy_`). Keys may be
   * PyTorch's (`bn.running_mean`, what stateDict() and PyTorch write) or torchlet's attribute paths
   * (`bn.runningMean`). strict (default true): every key must match both ways, else nothing is
   * copied and the error lists the missing and unexpected keys. Returns the keys that did not match.
   */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    opts = checkOptionKeys('opts', opts, ['strict']);
    if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) typeArg('stateDict', 'an object of named tensors', dict);
    const strict = optBool('opts.strict', opts.strict ?? undefined, true);
    if (!dict || typeof dict !== 'object') invalidArg('stateDict', 'an object of named tensors', dict);
    const own = new Map<string, Tensor>();
    const alias = new Map<string, string>();
    for (const [k, ap, t] of this.stateEntries()) {
      if (own.has(k)) continue;
      own.set(k, t);
      if (ap !== k) alias.set(ap, k);
    }
    const given = new Map<string, [string, Tensor]>(); // own key -> [key as given, tensor]
    const unexpectedKeys: string[] = [];
    for (const [k, src] of Object.entries(dict)) {
      const key = own.has(k) ? k : alias.get(k);
      if (key === undefined || given.has(key)) unexpectedKeys.push(k); // unknown, or the same tensor under both names
      else given.set(key, [k, src]);
    }
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length))
      throw new TorchletRangeError(
        `torchlet: Error(s) in loading stateDict for ${this.constructor.name}: ` +
          (missingKeys.length ? `missing keys: ${missingKeys.join(', ')}. ` : '') +
          (unexpectedKeys.length ? `unexpected keys: ${unexpectedKeys.join(', ')}.` : ''),
      );
    // all or nothing: every tensor checked, and brought to its target's device, before any is written
    for (const [key, [k, src]] of given) {
      const t = own.get(key)!;
      if (!(src instanceof Tensor)) invalidArg(`stateDict['${k}']`, 'a Tensor', src);
      if (src.disposed) invalidArg(`stateDict['${k}']`, 'a live tensor', 'a disposed tensor');
      if (src.shape.join() !== t.shape.join())
        shapeError(`stateDict['${k}']`, `a tensor of shape [${t.shape.join(', ')}]`, src);
    }
    const moved: Tensor[] = [];
    try {
      const staged = [...given].map(([key, [, src]]) => {
        const t = own.get(key)!;
        if (src.device === t.device) return [t, src] as const;
        const m = noGrad(() => src.to(t.device));
        moved.push(m);
        return [t, m] as const;
      });
      for (const [t, src] of staged) noGrad(() => t.copy_(src));
    } finally {
      moved.forEach((m) => m.dispose());
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text inside this module's parentheses in toString(). */
  extraRepr(): string {
    return '';
  }
  toString(): string {
    const kids = this.namedChildren();
    const extra = this.extraRepr();
    if (!kids.length) return `${this.constructor.name}(${extra})`;
    const lines = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${this.constructor.name}(${extra ? `${extra}\n` : '\n'}${lines.join('\n')}\n)`;
  }
}

export interface ZeroGradOptions {
  /** true (default): each .grad becomes null; false: each .grad is zeroed in place */
  setToNone?: boolean;
}
/** Module.zeroGrad / Optimizer.zeroGrad: the gradients of `params` set to null, or zeroed in place. */
export function clearGrads(fn: string, params: Iterable<Tensor>, opts: ZeroGradOptions | undefined, rest: readonly unknown[]): void {
  noExtraArgs(fn, 'opts', rest);
  const toNone = optBool('opts.setToNone', checkOptionKeys('opts', opts, ['setToNone']).setToNone, true);
  for (const p of params) {
    if (!p.grad) continue;
    if (toNone) {
      p.grad.dispose();
      p.grad = null;
    } else noGrad(() => p.grad!.zero_());
  }
}
