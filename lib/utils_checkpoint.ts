// lib/utils_checkpoint.ts — torch.utils.checkpoint: activation checkpointing (trading compute for memory).
// Contract: checkpoint(fn, ...args, {useReentrant=true, preserveRngState=true}) returns fn(...args)
// (a tensor, or an array holding tensors) without keeping fn's intermediate activations: fn runs on
// detached copies of the tensor arguments, the tensors it read that require grad (the parameters it
// closes over, found by walking the graph it built) are noted, and that graph is dropped; each output
// is a copy carrying one 'CheckpointFunctionBackward' node whose backward runs fn again (with grad
// mode on, the global RNG stream restored to where the forward found it when preserveRngState, so
// dropout draws the same masks; the stream is put back afterwards) and back-propagates through the
// recomputed graph into the arguments and those parameters (the outputs are copies of fn's, so nothing
// of the first graph stays reachable). The gradients are exactly the un-checkpointed ones. The node keeps only the arguments (in-place changes to them before backward
// are an ERR_TORCHLET_AUTOGRAD error). Several outputs share one node (they are views of one flat
// tensor, so fn is recomputed once; they must share dtype and device). With useReentrant (PyTorch
// 1.13's default) nothing is recorded when no tensor argument requires grad — as PyTorch's reentrant
// variant, whose parameters then get no gradient; with useReentrant: false the parameters get theirs.
// Unlike PyTorch's reentrant variant, torch.autograd.grad and backward({inputs}) work in both modes.
// The options object is the last argument when it is a plain object (pass {} after a plain-object argument).
// Outside grad mode fn just runs. checkpointSequential(functions, segments, input, opts?) runs an
// nn.Sequential (or an array of modules / functions) in `segments` chunks, each but the last checkpointed.
import { TorchletError, checkInt, checkOptionKeys, invalidArg, optBool, typeArg } from './errors';
import { Tensor } from './tensor';
import { enableGrad, grad as autogradGrad, isGradEnabled, noGrad, record } from './autograd';
import { getRngState, setRngState } from './random';
import { cat } from './ops/shape';
import { Module } from './nn/module';

export interface CheckpointOptions {
  /** PyTorch 1.13's default true: record nothing when no tensor argument requires grad */
  useReentrant?: boolean;
  /** replay the forward's random draws in the recomputation (default true) */
  preserveRngState?: boolean;
}
const OPTION_KEYS = ['useReentrant', 'preserveRngState'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
/** Fresh leaves for the tensor arguments (requiring grad where the originals do). */
function detachedArgs(args: unknown[]): unknown[] {
  return args.map((a) => {
    if (!(a instanceof Tensor)) return a;
    const d = a.detach();
    if (a.requiresGrad) d.requiresGrad_(true);
    return d;
  });
}
/** The tensors of fn's result that carry a gradient, in order (a tensor, or an array's entries). */
function outputTensors(out: unknown): Tensor[] {
  if (out instanceof Tensor) return out.requiresGrad ? [out] : [];
  if (Array.isArray(out)) return out.filter((t): t is Tensor => t instanceof Tensor && t.requiresGrad);
  return [];
}
function checkResult(out: unknown): void {
  if (out instanceof Tensor) return;
  if (Array.isArray(out)) return;
  if (out === undefined || out === null || typeof out !== 'object') return;
  typeArg('the result of fn', 'a tensor, an array (of tensors and other values) or a non-tensor value', out);
}
/** The leaves fn's graph reads that require grad, other than its own arguments. */
function leavesOf(outs: Tensor[], args: Set<Tensor>): Tensor[] {
  const seen = new Set<Tensor>();
  const leaves: Tensor[] = [];
  const stack = [...outs];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.gradFn) {
      for (const c of t.gradFn.inputs) if (c && c.requiresGrad && !seen.has(c)) stack.push(c);
    } else if (t.requiresGrad && !args.has(t)) leaves.push(t);
  }
  return leaves;
}

/**
 * The backward of a checkpoint node: fn run again on fresh leaves (the RNG stream replayed from `rng`),
 * then back-propagated into its tensor arguments requiring grad and the `leaves` it read.
 */
function recompute(
  call: (...a: unknown[]) => unknown, args: unknown[], rng: { seed: number; offset: number } | null, preserve: boolean,
  shapes: number[][], sizes: number[], leaves: Tensor[],
): (g: Tensor) => (Tensor | null)[] {
  return (g: Tensor): (Tensor | null)[] => {
    const after = preserve ? getRngState() : null;
    if (rng) setRngState(rng);
    try {
      const again = detachedArgs(args);
      const againWanting = again.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);
      const out2 = enableGrad(() => call(...again));
      const outs2 = outputTensors(out2);
      if (outs2.length !== shapes.length || outs2.some((t, i) => t.shape.join() !== shapes[i].join()))
        throw new TorchletError('torchlet: checkpoint: the recomputed outputs of fn differ from the forward pass (fn must be deterministic given its inputs and the RNG state)', 'ERR_TORCHLET_AUTOGRAD');
      let off = 0;
      const gos = outs2.map((_t, i) => {
        const piece = outs2.length === 1 ? g : g.narrow(0, off, sizes[i]).reshape(shapes[i]);
        off += sizes[i];
        return piece;
      });
      return noGrad(() => autogradGrad(outs2, [...againWanting, ...leaves], { gradOutputs: gos, allowUnused: true }));
    } finally {
      if (after) setRngState(after);
    }
  };
}

/**
 * Runs fn(...args) without keeping its intermediate activations: the backward pass runs fn again
 * (PyTorch's torch.utils.checkpoint.checkpoint). The last argument is the options when it is a plain
 * object: {useReentrant=true, preserveRngState=true}.
 */
export function checkpoint(fn: (...args: never[]) => unknown, ...args: unknown[]): unknown {
  if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
  let given: unknown;
  if (args.length && isPlainObject(args[args.length - 1])) given = args.pop();
  const o = checkOptionKeys('opts', given as CheckpointOptions | undefined, OPTION_KEYS);
  const reentrant = optBool('opts.useReentrant', o.useReentrant, true);
  const preserve = optBool('opts.preserveRngState', o.preserveRngState, true);
  args.forEach((a, i) => {
    if (a instanceof Tensor && a.disposed) invalidArg(`args[${i}]`, 'a live tensor', 'a disposed tensor');
  });
  const call = fn as (...a: unknown[]) => unknown;
  if (!isGradEnabled()) return call(...args);
  const argTensors = args.filter((a): a is Tensor => a instanceof Tensor);
  const wanting = argTensors.filter((t) => t.requiresGrad);
  if (reentrant && !wanting.length) return noGrad(() => call(...args));
  const rng = preserve ? getRngState() : null;
  const fresh = detachedArgs(args);
  const freshWanting = fresh.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);
  const out = enableGrad(() => call(...fresh));
  checkResult(out);
  const outs = outputTensors(out);
  if (!outs.length) return out;
  const leaves = leavesOf(outs, new Set(freshWanting));
  const kinds = outs.map((t) => `${t.dtype}@${t.device}`);
  if (new Set(kinds).size > 1)
    throw new TorchletError(`torchlet: checkpoint: outputs of different dtypes or devices (${kinds.join(', ')}) are not supported`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
  const shapes = outs.map((t) => t.shape.slice());
  const sizes = outs.map((t) => t.numel());

  // made outside this scope: a closure here would keep fn's first graph (outs) alive with it
  const backward = recompute(call, args, rng, preserve, shapes, sizes, leaves);
  const inputs: Tensor[] = [...wanting, ...leaves];
  if (outs.length === 1) {
    // a copy, not an alias: a view of fn's output could keep fn's graph alive through its storage
    const alias = noGrad(() => outs[0].detach().clone());
    record(alias, inputs, 'CheckpointFunctionBackward', backward, argTensors);
    return out instanceof Tensor ? alias : (out as unknown[]).map((x) => (x === outs[0] ? alias : x));
  }
  const flat = noGrad(() => cat(outs.map((t) => t.reshape([-1])), 0));
  record(flat, inputs, 'CheckpointFunctionBackward', backward, argTensors);
  let off = 0;
  const views = new Map<Tensor, Tensor>();
  outs.forEach((t, i) => {
    views.set(t, flat.narrow(0, off, sizes[i]).reshape(shapes[i]));
    off += sizes[i];
  });
  return (out as unknown[]).map((x) => (x instanceof Tensor && views.has(x) ? views.get(x) : x));
}

type Step = Module | ((x: unknown) => unknown);
/**
 * Runs functions (an nn.Sequential, or an array of modules and functions of one argument) on input
 * in `segments` consecutive chunks, checkpointing every chunk but the last (PyTorch's
 * torch.utils.checkpoint.checkpoint_sequential).
 */
export function checkpointSequential(functions: Module | Step[], segments: number, input: unknown, opts?: CheckpointOptions, ...rest: never[]): unknown {
  if (rest.length) invalidArg('checkpointSequential()', 'at most the arguments (functions, segments, input, opts)', `${rest.length} more`);
  const o = checkOptionKeys('opts', opts, OPTION_KEYS);
  let steps: Step[];
  if (functions instanceof Module) steps = functions.children();
  else if (Array.isArray(functions)) steps = functions.slice();
  else typeArg('functions', 'an nn.Sequential or an array of modules and functions', functions);
  steps!.forEach((f, i) => {
    if (!(f instanceof Module) && typeof f !== 'function') typeArg(`functions[${i}]`, 'an nn.Module or a function', f);
  });
  checkInt('segments', segments, 1);
  if (segments > steps!.length) invalidArg('segments', `an integer in [1, ${steps!.length}] (the number of functions)`, segments);
  const run = (start: number, end: number) => (x: unknown) => {
    for (let j = start; j <= end; j++) {
      const f = steps[j];
      x = f instanceof Module ? (f.forward as (a: unknown) => unknown).call(f, x) : f(x);
    }
    return x;
  };
  const size = Math.floor(steps!.length / segments);
  let end = -1;
  for (let start = 0; start < size * (segments - 1); start += size) {
    end = start + size - 1;
    input = checkpoint(run(start, end) as (...a: never[]) => unknown, input, { ...o });
  }
  return run(end + 1, steps!.length - 1)(input);
}
