// lib/replay.ts — recorded native-call plans: the inference fast path of torch.jit.freeze (jit.ts).
// Contract: record(fn, inputs) runs fn() once for real and, alongside, records every native op it
// calls (lib/binding.ts's op exports: name, tensor arguments, parameter structs). When the run was
// replayable it returns a Plan; plan.run(inputs) then repeats those native calls, and only those,
// for new inputs of the same shapes, strides, dtypes and devices: no JS forward code, no module
// dispatch, no Tensor objects for intermediates, no argument checks beyond the op exports' own.
// What a plan holds:
//   * external storages (weights, packed weights, anything that existed before the run) by reference;
//   * the inputs' storages, swapped for the new inputs' at each run (offsets shifted alike);
//   * the storages of the returned tensors: a fresh storage each run (outputs never alias a plan);
//   * every other storage the run allocated: assigned to a few pooled buffers the plan owns, by
//     liveness (a buffer is reused once the last op that touched its previous tenant has run), so a
//     plan needs about the peak of live intermediates, and its buffers stay warm across runs.
//     Storages allocated zeroed are zeroed again (a fill op) where the run allocated them.
// A run is not replayable (record() returns plan null; the caller keeps running fn) when, during it,
// anything read or wrote tensor data on the host (toArray, item, tensor creation from JS arrays,
// device copies), an op drew random numbers (dropout in training mode, torch.rand*: a replay would
// repeat the same draws), a native op returned a value, a returned tensor is not one the run created, or an
// input's storage is returned or shared by two inputs. Like torch.jit.trace, a plan fixes what the
// forward did for that input signature: JS-side control flow and state are not re-evaluated
// (branches on tensor values cannot happen unnoticed: reading a value is a host read).
// Results are bit-identical to fn()'s: the same kernels run with the same parameters in the same order.
import type { Storage, TensorArg } from '../binding';
import { native } from './binding';
import { allocStorage, setAllocHook, StorageRef } from './memory';
import { Tensor, DType } from './tensor';
import { Device } from './device';
import { disposedError, internalError } from './errors';

type OpFn = (...a: unknown[]) => unknown;
/** The addon's schema, read once (native.schema() builds it afresh on every call). */
const SCHEMA = native.schema();
const OP_NAMES: string[] = SCHEMA.ops.map((o) => o.name);
/** The op exports as lib/binding.ts made them (what plans call; recording wraps native's for a while). */
const BASE = new Map<string, OpFn>(OP_NAMES.map((n) => [n, (native as unknown as Record<string, OpFn>)[n]]));
/** Recordings in progress: a plan run inside one (a frozen module called by another's forward) goes
 * through native's op exports, so that the outer recording sees its calls. */
let recordings = 0;
const OP_TENSORS = new Map<string, number>(SCHEMA.ops.map((o) => [o.name, o.tensors.length]));
/** Ops that draw random numbers (a `seed` field: the generator's state, advanced by JS per call). */
const RANDOM_OPS = new Set<string>(
  SCHEMA.ops.filter((o) => o.params.some((st) => SCHEMA.structs[st].some((f) => f.name === 'seed'))).map((o) => o.name),
);

/** A storage a plan refers to: external (kept), an input, an output, or a pooled intermediate. */
interface Slot {
  kind: 'external' | 'input' | 'output' | 'pooled';
  native: Storage;
  /** input: which input; output: index into the output storages */
  index: number;
  /** allocated by the run: dtype code, elements, device code */
  dtype: number;
  numel: number;
  device: number;
  /** the first and last step that touch it */
  first: number;
  last: number;
}

interface Call {
  fn: OpFn;
  name: string;
  /** how many of args are tensor arguments (they come first) */
  nt: number;
  args: unknown[];
}

interface Step {
  fn: OpFn;
  name: string;
  args: unknown[];
  /** tensor arguments whose storage changes per run: [argument position, input index, offset from the input's offset] */
  inputs: [number, number, number][];
  /** [argument position, output storage index] */
  outputs: [number, number][];
}

interface OutputSpec {
  storage: number;
  shape: number[];
  strides: number[];
  offset: number;
  dtype: DType;
  device: Device;
}

/** The signature a plan is valid for: every input's shape, strides, dtype and device. */
export function signature(inputs: Tensor[]): string {
  let s = '';
  for (const t of inputs) s += `${t.shape.join(',')}/${t.strides.join(',')}/${t.dtype}/${t.device};`;
  return s;
}

export class Plan {
  constructor(
    private readonly steps: Step[],
    private readonly outputStorages: { dtype: number; numel: number; device: number }[],
    private readonly outputs: OutputSpec[],
    /** how the forward's result is rebuilt: a Tensor (index) or an array of them */
    private readonly shape: number | number[],
    private readonly externals: Storage[],
    /** the pooled buffers, kept alive by the plan */
    readonly buffers: StorageRef[],
  ) {}
  /** Bytes of the pooled buffers the plan keeps. */
  get bytes(): number {
    return this.buffers.reduce((n, b) => n + b.bytes, 0);
  }
  /** Number of native calls a run makes. */
  get length(): number {
    return this.steps.length;
  }
  /** Frees the pooled buffers now (the plan must not run again). */
  dispose(): void {
    for (const b of this.buffers) b.release();
    this.buffers.length = 0;
    this.steps.length = 0;
  }
  /** false once a weight the plan reads has been freed (the caller records again). */
  valid(): boolean {
    if (!this.steps.length) return false;
    for (const s of this.externals) if (s.disposed) return false;
    return true;
  }
  run(inputs: Tensor[]): Tensor | Tensor[] {
    if (!this.steps.length) throw internalError('a disposed replay plan was run');
    for (const t of inputs) if (t.disposed) throw disposedError();
    const outs = this.outputStorages.map((o) => allocStorage(o.dtype, o.numel, o.device, false));
    try {
      for (const st of this.steps) {
        const a = st.args;
        for (const [pos, k, rel] of st.inputs) {
          const arg = a[pos] as TensorArg;
          arg[0] = inputs[k]._storage.native;
          arg[1] = inputs[k].offset + rel;
        }
        for (const [pos, k] of st.outputs) (a[pos] as TensorArg)[0] = outs[k].native;
        if (recordings > 0) (native as unknown as Record<string, OpFn>)[st.name](...a);
        else st.fn(...a);
      }
    } catch (e) {
      for (const o of outs) if (o.refs === 0) o.release();
      throw e;
    }
    const made = this.outputs.map((o) => new Tensor(outs[o.storage], o.shape.slice(), o.dtype, o.device, o.strides.slice(), o.offset));
    return typeof this.shape === 'number' ? made[this.shape] : this.shape.map((i) => made[i]);
  }
}

/** The tensors of a forward's result: one Tensor or an array of Tensors (else null: not replayable). */
function resultTensors(r: unknown): { list: Tensor[]; shape: number | number[] } | null {
  if (r instanceof Tensor) return { list: [r], shape: 0 };
  if (Array.isArray(r) && r.length > 0 && r.every((t) => t instanceof Tensor)) return { list: r as Tensor[], shape: r.map((_, i) => i) };
  return null;
}

/**
 * Runs fn() (which must use only `inputs` and storages that exist now) and records its native calls.
 * Returns fn's result and the plan (null when the run was not replayable; see the file comment).
 */
export function record<T>(fn: () => T, inputs: Tensor[]): { result: T; plan: Plan | null } {
  const ops = native as unknown as Record<string, OpFn>;
  const proto = native.Storage.prototype as unknown as Record<string, OpFn>;
  let replayable = true;
  const slots = new Map<Storage, Slot>();
  const allocated = new Map<Storage, { dtype: number; numel: number; device: number }>();
  const calls: Call[] = [];
  const fills: { storage: Storage; at: number }[] = [];
  const saved = new Map<string, OpFn>();
  for (const name of OP_NAMES) {
    const f = ops[name];
    saved.set(name, f);
    const nt = OP_TENSORS.get(name)!;
    const random = RANDOM_OPS.has(name);
    ops[name] = function recorded(...a: unknown[]) {
      const r = f(...a);
      if (r !== undefined || random) replayable = false;
      const args = a.map((v, i) => {
        if (i < nt) return v ? [(v as TensorArg)[0], (v as TensorArg)[1], (v as TensorArg)[2].slice()] : v;
        return structuredClone(v);
      });
      calls.push({ fn: BASE.get(name)!, name, nt, args });
      return r;
    };
  }
  const hostIo = ['read', 'write', 'readAsync'];
  const savedIo = hostIo.map((k) => proto[k]);
  hostIo.forEach((k, i) => {
    proto[k] = function (this: unknown, ...a: unknown[]) {
      replayable = false;
      return savedIo[i].apply(this, a);
    };
  });
  const copyDevice = native.copyDevice;
  native.copyDevice = (...a: Parameters<typeof copyDevice>) => {
    replayable = false;
    return copyDevice(...a);
  };
  const outerHook = setAllocHook((st, dtype, numel, device, zero) => {
    allocated.set(st, { dtype, numel, device });
    if (zero) fills.push({ storage: st, at: calls.length });
    outerHook?.(st, dtype, numel, device, zero); // a recording this one runs inside sees it too
  });
  let result: T;
  recordings++;
  try {
    result = fn();
  } finally {
    recordings--;
    for (const [name, f] of saved) ops[name] = f;
    hostIo.forEach((k, i) => (proto[k] = savedIo[i]));
    native.copyDevice = copyDevice;
    setAllocHook(outerHook);
  }
  const res = resultTensors(result);
  if (!replayable || !res || !calls.length) return { result, plan: null };

  // slots: inputs, outputs, pooled intermediates, externals
  const inputIndex = new Map<Storage, number>();
  inputs.forEach((t, i) => inputIndex.set(t._storage.native, i));
  if (inputIndex.size !== inputs.length) return { result, plan: null };
  const outIndex = new Map<Storage, number>();
  const outputStorages: { dtype: number; numel: number; device: number }[] = [];
  for (const t of res.list) {
    const st = t._storage.native;
    const a = allocated.get(st);
    if (!a) return { result, plan: null }; // an input, a weight, or nothing the run made
    if (!outIndex.has(st)) {
      outIndex.set(st, outputStorages.length);
      outputStorages.push({ dtype: a.dtype, numel: a.numel, device: a.device });
    }
  }
  // the zero fills become steps at their allocation points
  const fillFn = BASE.get('fill')!;
  const seq: Call[] = [];
  let fi = 0;
  for (let i = 0; i <= calls.length; i++) {
    while (fi < fills.length && fills[fi].at === i) {
      const st = fills[fi++].storage;
      const a = allocated.get(st)!;
      seq.push({ fn: fillFn, name: 'fill', nt: 1, args: [[st, 0, [a.numel]], { value: 0 }] });
    }
    if (i < calls.length) seq.push(calls[i]);
  }
  const slotOf = (st: Storage, at: number): Slot => {
    let s = slots.get(st);
    if (!s) {
      const a = allocated.get(st);
      const kind = inputIndex.has(st) ? 'input' : outIndex.has(st) ? 'output' : a ? 'pooled' : 'external';
      const index = kind === 'input' ? inputIndex.get(st)! : kind === 'output' ? outIndex.get(st)! : -1;
      s = { kind, native: st, index, dtype: a?.dtype ?? -1, numel: a?.numel ?? 0, device: a?.device ?? 0, first: at, last: at };
      slots.set(st, s);
    }
    s.last = at;
    return s;
  };
  seq.forEach((c, i) => {
    for (let p = 0; p < c.nt; p++) {
      const v = c.args[p] as TensorArg | null;
      if (v) slotOf(v[0], i);
    }
  });
  // pooled buffers by liveness: best fit among the free ones of the same dtype and device
  const buffers: StorageRef[] = [];
  const free: StorageRef[] = [];
  const bufferOf = new Map<Slot, StorageRef>();
  const byFirst = new Map<number, Slot[]>();
  const byLast = new Map<number, Slot[]>();
  for (const s of slots.values()) {
    if (s.kind !== 'pooled') continue;
    (byFirst.get(s.first) ?? byFirst.set(s.first, []).get(s.first)!).push(s);
    (byLast.get(s.last) ?? byLast.set(s.last, []).get(s.last)!).push(s);
  }
  const bufMeta = new Map<StorageRef, { dtype: number; device: number; numel: number }>();
  for (let i = 0; i < seq.length; i++) {
    for (const s of byFirst.get(i) ?? []) {
      let best = -1;
      for (let k = 0; k < free.length; k++) {
        const m = bufMeta.get(free[k])!;
        if (m.dtype === s.dtype && m.device === s.device && m.numel >= s.numel && (best < 0 || m.numel < bufMeta.get(free[best])!.numel)) best = k;
      }
      let b: StorageRef;
      if (best >= 0) b = free.splice(best, 1)[0];
      else {
        b = allocStorage(s.dtype, s.numel, s.device, false);
        b.refs++; // owned by the plan, never by a view
        buffers.push(b);
        bufMeta.set(b, { dtype: s.dtype, device: s.device, numel: s.numel });
      }
      bufferOf.set(s, b);
    }
    for (const s of byLast.get(i) ?? []) free.push(bufferOf.get(s)!);
  }
  // the steps, with storages swapped for buffers / marked for per-run substitution
  const externals = new Set<Storage>();
  const steps: Step[] = seq.map((c) => {
    const step: Step = { fn: c.fn, name: c.name, args: c.args.slice(), inputs: [], outputs: [] };
    for (let p = 0; p < c.nt; p++) {
      const v = c.args[p] as TensorArg | null;
      if (!v) continue;
      const s = slots.get(v[0])!;
      const arg: TensorArg = [v[0], v[1], v[2]];
      step.args[p] = arg;
      if (s.kind === 'pooled') arg[0] = bufferOf.get(s)!.native;
      else if (s.kind === 'input') step.inputs.push([p, s.index, v[1] - inputs[s.index].offset]);
      else if (s.kind === 'output') step.outputs.push([p, s.index]);
      else externals.add(v[0]);
    }
    return step;
  });
  const outputs: OutputSpec[] = res.list.map((t) => ({
    storage: outIndex.get(t._storage.native)!, shape: t.shape.slice(), strides: t.strides.slice(), offset: t.offset, dtype: t.dtype, device: t.device,
  }));
  const plan = new Plan(steps, outputStorages, outputs, res.shape, [...externals], buffers);
  return { result, plan };
}
