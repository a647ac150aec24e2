// lib/func.ts — torch.func.functionalCall (also torch.nn.utils.stateless.functionalCall): a module's
// forward run with some of its parameters and buffers replaced by the given tensors.
// Contract: functionalCall(module, parametersAndBuffers, args, kwargs?) looks each name up as
// stateDict() keys it (PyTorch's 'bn.running_mean') or as the attribute path ('bn.runningMean'); an
// unknown name, a non-tensor value or the same tensor slot named twice is an error before anything
// changes. The module's attributes are swapped for the given tensors, forward(...args, kwargs?) runs
// (args: one argument, or an array of them; kwargs, PyTorch's keyword arguments, is passed as
// forward's trailing options object), and the originals are put back when it returns or throws.
// Gradients flow to the given tensors (and not to the replaced parameters); in-place updates that
// forward makes (BatchNorm's running statistics in training mode) land in the given buffers.
import { typeArg, invalidArg, noExtraArgs } from './errors';
import { Tensor } from './tensor';
import { Module, Parameter } from './nn/module';

/** One slot of a module: the module owning it and its attribute name. */
interface Slot {
  owner: Module;
  attr: string;
}
/** Every parameter and buffer slot of `m`, by PyTorch's state-dict key and by torchlet's attribute path. */
function slotsOf(m: Module): Map<string, Slot> {
  const out = new Map<string, Slot>();
  const walk = (mod: Module, key: string, path: string, seen: Set<Module>) => {
    if (seen.has(mod)) return;
    seen.add(mod);
    const names = (mod.constructor as typeof Module).stateDictNames ?? {};
    const buffers = (mod as unknown as { _buffers: Set<string> })._buffers;
    const join = (p: string, n: string) => (p ? `${p}.${n}` : n);
    for (const [k, v] of Object.entries(mod)) {
      const sk = Object.prototype.hasOwnProperty.call(names, k) ? names[k] : k;
      if (v instanceof Parameter || (buffers && buffers.has(k) && v instanceof Tensor)) {
        const slot = { owner: mod, attr: k };
        if (!out.has(join(key, sk))) out.set(join(key, sk), slot);
        if (!out.has(join(path, k))) out.set(join(path, k), slot);
      } else if (v instanceof Module) walk(v, join(key, sk), join(path, k), seen);
    }
  };
  walk(m, '', '', new Set());
  return out;
}

/** The name -> tensor pairs of a Map or a plain object. */
function entriesOf(v: unknown): [string, unknown][] {
  if (v instanceof Map) {
    const out: [string, unknown][] = [];
    for (const [k, t] of v) {
      if (typeof k !== 'string') typeArg('parametersAndBuffers', 'a Map (or object) from names to tensors', k);
      out.push([k, t]);
    }
    return out;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Tensor)
    typeArg('parametersAndBuffers', 'a Map or a plain object from parameter and buffer names to tensors', v);
  return Object.entries(v as object);
}

/**
 * Runs `module.forward(...args, kwargs?)` with the parameters and buffers named in
 * `parametersAndBuffers` (a Map or an object: name -> tensor) replaced for the call only, and returns
 * its result (PyTorch's torch.func.functional_call). The module is unchanged afterwards, even when
 * forward throws.
 */
export function functionalCall(
  module: Module,
  parametersAndBuffers: Map<string, Tensor> | Record<string, Tensor>,
  args?: unknown,
  kwargs?: Record<string, unknown> | null,
  ...rest: never[]
): unknown {
  noExtraArgs('functionalCall', 'module, parametersAndBuffers, args, kwargs', rest);
  if (!(module instanceof Module)) typeArg('module', 'an nn.Module', module);
  const pairs = entriesOf(parametersAndBuffers);
  if (kwargs !== undefined && kwargs !== null && (typeof kwargs !== 'object' || Array.isArray(kwargs) || kwargs instanceof Tensor))
    typeArg('kwargs', "an object of forward's keyword options (or undefined)", kwargs);
  const slots = slotsOf(module);
  const swaps: { slot: Slot; value: Tensor; original: unknown }[] = [];
  const used = new Map<Slot, string>();
  for (const [name, t] of pairs) {
    const slot = slots.get(name);
    if (!slot) invalidArg(`parametersAndBuffers['${name}']`, `the name of a parameter or buffer of the module (one of ${[...slots.keys()].join(', ') || 'none'})`, name);
    if (!(t instanceof Tensor)) typeArg(`parametersAndBuffers['${name}']`, 'a Tensor', t);
    if (t.disposed) invalidArg(`parametersAndBuffers['${name}']`, 'a live tensor', 'a disposed tensor');
    if (used.has(slot)) invalidArg(`parametersAndBuffers['${name}']`, `a slot not already given (as '${used.get(slot)}')`, name);
    used.set(slot, name);
    swaps.push({ slot, value: t, original: (slot.owner as unknown as Record<string, unknown>)[slot.attr] });
  }
  const argList = args === undefined ? [] : Array.isArray(args) ? args.slice() : [args];
  if (kwargs !== undefined && kwargs !== null) argList.push(kwargs);
  const set = (s: Slot, v: unknown) => ((s.owner as unknown as Record<string, unknown>)[s.attr] = v);
  let done = 0;
  try {
    for (const s of swaps) {
      set(s.slot, s.value);
      done++;
    }
    return (module.forward as (...a: unknown[]) => unknown).apply(module, argList);
  } finally {
    for (let i = done - 1; i >= 0; i--) set(swaps[i].slot, swaps[i].original);
  }
}
