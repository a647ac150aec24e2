// lib/onnx.ts — torch.onnx.export: a module written as an ONNX model file (onnxruntime, TensorRT,
// Triton...), as PyTorch 1.13's torch.onnx.export does by tracing.
// Contract: export(model, args, f, {inputNames, outputNames, dynamicAxes, opsetVersion = 14,
// exportParams = true, doConstantFolding = true, training = 'eval'}) runs model.forward(...args) once
// (in eval mode, without autograd; the model's mode is restored afterwards) while recording every native
// op it calls (as lib/replay.ts records torch.jit.freeze's plans), maps each op to ONNX nodes and writes
// the ModelProto (lib/onnx_proto.ts) to `f` atomically (a temporary file in the same folder, renamed;
// on any error nothing is left). Like PyTorch's tracer, the graph fixes what the forward did for that
// input: JS control flow is not re-evaluated.
// How the recording becomes a graph: the exporter models each storage's content (the value an op
// wrote there, from which offset). A tensor argument an op reads is a view of a storage (offset,
// shape, strides): a plain re-shape of what was written becomes Reshape, a permuted, sliced or
// broadcast view Reshape/Slice/Transpose/Expand, copies into windows of one storage (torch.cat) a
// Concat. A storage the run did not write (parameters, buffers, anything that existed before) is
// read as a constant: an initializer named by its state-dict key when the view is the whole
// parameter; with exportParams false, parameters and buffers become graph inputs instead. Ops whose inputs are
// all constants are folded (doConstantFolding; sources such as fill and arange always are).
// Dynamic axes: the forward is traced a second time with every dynamic axis of the inputs doubled
// (the examples repeated along it); sizes that differ between the two traces are symbolic in the value
// infos, and Reshape shapes use 0 (copy the input's) or -1 for them. A forward whose ops differ between
// the traces, a constant or slice whose size follows a dynamic axis, or a model that cannot run with
// the doubled size is an error naming the axis.
// Refused with coded errors: a native op without an ONNX mapping (ERR_TORCHLET_NOT_IMPLEMENTED, naming
// it), training-mode ops (batch norm batch statistics, dropout, random draws), frozen (pre-packed)
// weights, unknown options or option values, a model that is not an nn.Module, outputs that are not
// tensors, a path that cannot be written (ERR_TORCHLET_IO).
import * as fs from 'fs';
import * as path from 'path';
import type { Storage, TensorArg } from '../binding';
import { native, enums } from './binding';
import { setAllocHook } from './memory';
import { Tensor } from './tensor';
import { Module } from './nn/module';
import { noGrad } from './autograd';
import { cat } from './ops/shape';
import { FrozenConv, FrozenLinear } from './jit';
import { TorchletError, TorchletRangeError, checkOptionKeys, invalidArg, typeArg, noExtraArgs, optBool, withIo, describe } from './errors';
import { encodeModel, NodeDef, TensorDef, AttrValue, ValueInfoDef, OnnxDType } from './onnx_proto';

/** Options of torch.onnx.export (PyTorch's keyword arguments). */
export interface ExportOptions {
  /** names of the graph inputs, in order (default input_0, input_1, ...) */
  inputNames?: string[];
  /** names of the graph outputs, in order (default output_0, output_1, ...) */
  outputNames?: string[];
  /**
   * symbolic axes per input or output name: `{ input_0: { 0: 'batch' } }` or `{ input_0: [0] }` (then
   * named `<name>_dynamic_axes_<k>`)
   */
  dynamicAxes?: Record<string, Record<number, string> | number[]>;
  /** the ai.onnx opset: 13 to 17 (default 14, PyTorch 1.13's) */
  opsetVersion?: number;
  /** parameters and buffers as initializers (default true); false: as graph inputs */
  exportParams?: boolean;
  /** fold ops whose inputs are all constants into initializers (default true) */
  doConstantFolding?: boolean;
  /** 'eval' (default: exported in eval mode), 'preserve' (in the model's current mode); 'training' is refused */
  training?: 'eval' | 'preserve' | 'training';
}

const MIN_OPSET = 13;
const MAX_OPSET = 17;
const DEFAULT_OPSET = 14;
/** the IR version each opset came with */
const IR_VERSION: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8 };

function notImplemented(what: string): never {
  throw new TorchletError(`torchlet: torch.onnx.export: ${what}`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}

// ---- recording -------------------------------------------------------------------------------------

type OpFn = (...a: unknown[]) => unknown;
const SCHEMA = native.schema();
const OP_NAMES: string[] = SCHEMA.ops.map((o) => o.name);
const OP_TENSORS = new Map<string, string[]>(SCHEMA.ops.map((o) => [o.name, o.tensors.map((t) => t.name)]));
/** tensor arguments an op writes (by name); every other tensor argument is read */
// gradInput: convBackwardInput's output, a transposed convolution's forward
const WRITTEN = new Set(['out', 'gradInput', 'indices', 'tap', 'values', 'saveMean', 'saveInvstd', 'workspace', 'logAlpha', 'weightOut', 'hy']);
const ELEM_BYTES = [4, 8, 8, 1, 4, 1];

interface Call {
  name: string;
  args: unknown[];
  /** tensor argument positions read / written */
  reads: number[];
  writes: number[];
}
/** An event of a run: an op call, or a storage allocated (its content starts unknown / zero). */
type Event = { call: Call } | { alloc: Storage; numel: number; dtype: number };

interface Trace {
  events: Event[];
  result: unknown;
  /** trace A only: the data a call read from a storage the run had not written (key `${call}:${pos}`) */
  snapshots: Map<string, Snapshot>;
  /** trace A only: the outputs of folded calls (key `${call}:${pos}`) */
  folded: Map<string, Snapshot>;
  dtypes: Map<Storage, number>;
  /** the element count of each storage the run allocated */
  numels: Map<Storage, number>;
}
interface Snapshot {
  dtype: number;
  shape: number[];
  data: Uint8Array;
}

function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let k = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = k;
    k *= shape[i];
  }
  return s;
}
const numelOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A strided view (offset, shape, strides) of a storage read into contiguous bytes. */
function readView(st: Storage, dtype: number, offset: number, shape: number[], strides: number[]): Uint8Array {
  const eb = ELEM_BYTES[dtype];
  const n = numelOf(shape);
  if (n === 0) return new Uint8Array(0);
  const cs = contiguousStrides(shape);
  if (shape.every((s, i) => s === 1 || strides[i] === cs[i])) return new Uint8Array(st.read(offset, n));
  let lo = offset;
  let hi = offset;
  shape.forEach((s, i) => {
    if (strides[i] >= 0) hi += (s - 1) * strides[i];
    else lo += (s - 1) * strides[i];
  });
  const src = new Uint8Array(st.read(lo, hi - lo + 1));
  const out = new Uint8Array(n * eb);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let o = offset - lo;
    for (let i = 0; i < shape.length; i++) o += idx[i] * strides[i];
    out.set(src.subarray(o * eb, o * eb + eb), k * eb);
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** The view a tensor argument reads or writes: offset, shape and strides (from the op's parameters for a strided argument). */
interface View {
  st: Storage;
  offset: number;
  shape: number[];
  strides: number[];
}
function viewOf(call: Call, p: number): View | null {
  const a = call.args[p] as TensorArg | null;
  if (!a) return null;
  const prm = call.args[OP_TENSORS.get(call.name)!.length] as Record<string, unknown>;
  if (call.name === 'binary' && p < 2) {
    const out = call.args[2] as TensorArg;
    return { st: a[0], offset: a[1], shape: out[2].slice(), strides: (prm[p === 0 ? 'inputStrides' : 'otherStrides'] as number[]).slice() };
  }
  if (call.name === 'where' && p < 3) {
    const out = call.args[3] as TensorArg;
    const key = ['inputStrides', 'otherStrides', 'conditionStrides'][p];
    return { st: a[0], offset: a[1], shape: out[2].slice(), strides: (prm[key] as number[]).slice() };
  }
  if (call.name === 'gather' && p < 2) {
    // a flat span (stridedArg) read through the params' strides: the input over the output's shape with
    // dim's full size, the index over the output's shape (0 strides where it is broadcast)
    const shape = (prm.shape as number[]).slice();
    if (p === 0 && shape.length) shape[prm.dim as number] = prm.size as number;
    return { st: a[0], offset: a[1], shape, strides: (prm[p === 0 ? 'inputStrides' : 'indexStrides'] as number[]).slice() };
  }
  if (call.name === 'copyStrided') {
    const shape = (prm.shape as number[]).slice();
    const strides = prm[p === 0 ? 'srcStrides' : 'outStrides'] as number[];
    return { st: a[0], offset: a[1], shape, strides: strides.length ? strides.slice() : contiguousStrides(shape) };
  }
  return { st: a[0], offset: a[1], shape: a[2].slice(), strides: contiguousStrides(a[2]) };
}

/**
 * Runs model.forward(...inputs) under noGrad, recording its native calls; in trace A (snap true) also
 * the data read from storages the run did not write, and (fold) the outputs of calls all of whose
 * inputs are such constants.
 */
function trace(model: Module, inputs: Tensor[], dtypes: Map<Storage, number>, dynamicStorages: Set<Storage>, snap: boolean, fold: boolean): Trace {
  const ops = native as unknown as Record<string, OpFn>;
  const events: Event[] = [];
  const snapshots = new Map<string, Snapshot>();
  const folded = new Map<string, Snapshot>();
  const myDtypes = new Map(dtypes);
  const numels = new Map<Storage, number>();
  let index = 0;
  const dynamic = new Set<Storage>(dynamicStorages);
  for (const t of inputs) dynamic.add(t._storage.native);
  const written = new Set<Storage>();
  const saved = new Map<string, OpFn>();
  for (const name of OP_NAMES) {
    const f = ops[name];
    saved.set(name, f);
    const names = OP_TENSORS.get(name)!;
    const reads: number[] = [];
    const writes: number[] = [];
    names.forEach((n, i) => ((WRITTEN.has(n) || (name === 'scatter' && n === 'out')) ? writes : reads).push(i));
    ops[name] = function recorded(...a: unknown[]) {
      const args = a.map((v, i) => {
        if (i < names.length) return v ? [(v as TensorArg)[0], (v as TensorArg)[1], (v as TensorArg)[2].slice()] : v;
        return structuredClone(v);
      });
      const call: Call = { name, args, reads, writes };
      let allConst = true;
      for (const p of reads) {
        const v = viewOf(call, p);
        if (!v) continue;
        if (dynamic.has(v.st)) allConst = false;
        else if (snap && !written.has(v.st)) {
          const dt = myDtypes.get(v.st) ?? argDtype(call, p, myDtypes);
          const shape1 = v.shape.map((s, k) => (v.strides[k] === 0 ? 1 : s));
          snapshots.set(`${index}:${p}`, { dtype: dt, shape: shape1, data: readView(v.st, dt, v.offset, shape1, v.strides) });
        }
      }
      // sources (fill, arange) always fold; other all-constant calls when folding
      const doFold = allConst && (reads.length === 0 || fold) && name !== 'random' && name !== 'dropoutForward';
      const r = f(...a);
      events.push({ call });
      for (const p of writes) {
        const v = viewOf(call, p);
        if (!v) continue;
        written.add(v.st);
        if (!doFold) dynamic.add(v.st);
        else if (snap) {
          const dt = myDtypes.get(v.st) ?? argDtype(call, p, myDtypes);
          folded.set(`${index}:${p}`, { dtype: dt, shape: v.shape, data: readView(v.st, dt, v.offset, v.shape, v.strides) });
        }
      }
      if (doFold) (call as Call & { folded?: boolean }).folded = true;
      index++;
      return r;
    };
  }
  const outerHook = setAllocHook((st, dtype, numel, device, zero) => {
    myDtypes.set(st, dtype);
    numels.set(st, numel);
    events.push({ alloc: st, numel, dtype });
    outerHook?.(st, dtype, numel, device, zero);
  });
  let result: unknown;
  try {
    result = noGrad(() => (model.forward as (...a: unknown[]) => unknown)(...inputs));
  } finally {
    for (const [name, f] of saved) ops[name] = f;
    setAllocHook(outerHook);
  }
  return { events, result, snapshots, folded, dtypes: myDtypes, numels };
}

/** A storage's dtype where the run did not allocate it: an index argument is int64, a condition bool (uint8), others take the op's first known dtype. */
function argDtype(call: Call, p: number, dtypes: Map<Storage, number>): number {
  const name = OP_TENSORS.get(call.name)![p];
  if (name === 'index' || name === 'indices') return 2;
  return name === 'condition' ? 3 : firstDtype(call, dtypes);
}
function firstDtype(call: Call, dtypes: Map<Storage, number>): number {
  for (let p = 0; p < OP_TENSORS.get(call.name)!.length; p++) {
    const a = call.args[p] as TensorArg | null;
    if (a && dtypes.has(a[0])) return dtypes.get(a[0])!;
  }
  return 0;
}

// ---- the graph -------------------------------------------------------------------------------------

/** A value of the graph: its shapes in the two traces (they differ on dynamic axes). */
interface Val {
  name: string;
  a: number[];
  b: number[];
  dtype: number;
}
/** A window of a storage written by a copy: its offset and strides in this trace, its shapes in both. */
interface Piece {
  offset: number;
  shape: [number[], number[]];
  strides: number[];
  val: Val;
}
/** A storage filled with one value (torch.zeros, a constant pad's border): a constant made when read whole. */
interface Fill {
  fill: number;
  offset: number;
  /** the filled shape in trace A and B, and which trace this map entry belongs to */
  full: [number[], number[]];
  t: 0 | 1;
  make: () => Val;
}
/**
 * What a storage holds: a value laid out contiguously from `offset`, a fill, or windows written by
 * copies (over a fill: a constant pad).
 */
type Content = { val: Val; offset: number } | Fill | { pieces: Piece[]; background?: Fill };

/** The exporter's own dtype code of a value ONNX holds as bool (a comparison's result); torchlet keeps bools as uint8 (3). */
const BOOL = 5;
const ONNX_OF: Record<number, OnnxDType> = { 0: 'float32', 1: 'float64', 2: 'int64', 3: 'uint8', 4: 'int32', [BOOL]: 'bool' };
const INT64_MAX = 9223372036854775807n;

class Builder {
  nodes: NodeDef[] = [];
  inits: TensorDef[] = [];
  private names = new Set<string>();
  private counter = 0;
  constructor(readonly opset: number) {}
  fresh(base: string): string {
    let n = base;
    while (this.names.has(n)) n = `${base}_${++this.counter}`;
    this.names.add(n);
    return n;
  }
  claim(name: string): void {
    this.names.add(name);
  }
  init(base: string, dtype: number, dims: number[], raw: Uint8Array, bShape?: number[]): Val {
    const name = this.fresh(base);
    this.inits.push({ name, dtype: ONNX_OF[dtype], dims: dims.slice(), raw });
    return { name, a: dims.slice(), b: (bShape ?? dims).slice(), dtype };
  }
  ints(values: (number | bigint)[]): Val {
    const raw = new Uint8Array(values.length * 8);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
    return this.init('const', 2, [values.length], raw);
  }
  scalar(v: number, dtype: number): Val {
    const raw = new Uint8Array(ELEM_BYTES[dtype]);
    const dv = new DataView(raw.buffer);
    if (dtype === 0) dv.setFloat32(0, v, true);
    else if (dtype === 1) dv.setFloat64(0, v, true);
    else if (dtype === 2) dv.setBigInt64(0, BigInt(v), true);
    else if (dtype === 4) dv.setInt32(0, v, true);
    else dv.setUint8(0, v);
    return this.init('const', dtype, [], raw);
  }
  node(opType: string, inputs: (Val | string)[], attrs: [string, AttrValue][], a: number[], b: number[], dtype: number): Val {
    const out = this.fresh(`${opType}_${this.nodes.length}`);
    this.nodes.push({ opType, name: `${opType}_${this.nodes.length}`, inputs: inputs.map((v) => (typeof v === 'string' ? v : v.name)), outputs: [out], attrs });
    return { name: out, a: a.slice(), b: b.slice(), dtype };
  }
  /** x reshaped to target (shapes in both traces): 0 copies the input's dim, -1 takes one dynamic rest. */
  reshape(x: Val, ta: number[], tb: number[], what: string): Val {
    if (numelOf(ta) !== numelOf(x.a) || numelOf(tb) !== numelOf(x.b)) throw new TorchletError(`torchlet: internal: torch.onnx.export: reshape of ${what} changes the element count`, 'ERR_TORCHLET_INTERNAL');
    if (same(x.a, ta) && same(x.b, tb)) return x;
    let minus = false;
    const dims = ta.map((d, i) => {
      if (d === tb[i]) return d;
      if (i < x.a.length && x.a[i] === d && x.b[i] === tb[i]) return 0;
      if (minus) dynamicError(`${what} is reshaped to [${ta.join(', ')}] with more than one size following the dynamic axes`);
      minus = true;
      return -1;
    });
    return this.node('Reshape', [x, this.ints(dims)], [], ta, tb, x.dtype);
  }
}

function dynamicError(what: string): never {
  throw new TorchletError(`torchlet: torch.onnx.export: dynamicAxes: ${what} (not expressible with symbolic sizes)`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}

const ints = (v: number[]): AttrValue => ({ kind: 'ints', v });
const int = (v: number): AttrValue => ({ kind: 'int', v });
const float = (v: number): AttrValue => ({ kind: 'float', v });

/** How a strided view is taken from a contiguous value of n elements: reshape to base, slice, transpose, reshape, expand. */
interface ViewPlan {
  base: number[];
  starts: number[];
  ends: number[];
  perm: number[];
  /** the view's shape with broadcast dims as 1 */
  shape1: number[];
  shape: number[];
}
function planView(rel: number, shape: number[], strides: number[], n: number, mode: 'fast' | 'incl' | 'excl'): ViewPlan | null {
  if (mode === 'fast') {
    // the whole value, in order (the strides of size-1 dims do not matter)
    const cs = contiguousStrides(shape);
    if (rel !== 0 || numelOf(shape) !== n || shape.some((s, i) => s > 1 && strides[i] !== cs[i])) return null;
    return { base: shape.slice(), starts: shape.map(() => 0), ends: shape.slice(), perm: shape.map((_, i) => i), shape1: shape.slice(), shape };
  }
  // the dims that move through memory (stride != 0 and size > 1; 'incl': size-1 dims too, where
  // their stride is no other dim's: a traced batch of 1 then lays out as a larger one does)
  const moving = shape.map((s, i) => i).filter((i) => strides[i] !== 0 && (shape[i] > 1 ||
    (mode === 'incl' && strides[i] > 0 && !strides.some((t, j) => j !== i && t === strides[i]))));
  if (moving.some((i) => strides[i] < 0)) return null;
  const ts = [...new Set([...moving.map((i) => strides[i]), 1])].sort((x, y) => y - x);
  if (n % ts[0] !== 0) return null;
  for (let k = 1; k < ts.length; k++) if (ts[k - 1] % ts[k] !== 0) return null;
  const base = ts.map((t, k) => (k === 0 ? n / t : ts[k - 1] / t));
  // the offset in mixed radix
  let r = rel;
  const idx = ts.map((t) => {
    const q = Math.floor(r / t);
    r -= q * t;
    return q;
  });
  if (r !== 0 || idx[0] >= base[0]) return null;
  const starts = idx.slice();
  const ends = idx.map((q) => q + 1);
  const used = new Set<number>();
  const order: number[] = []; // base dims in view order
  for (const i of moving) {
    const k = ts.indexOf(strides[i]);
    if (used.has(k)) return null; // two view dims on one memory dim (a diagonal)
    used.add(k);
    ends[k] = starts[k] + shape[i];
    if (ends[k] > base[k]) return null;
    order.push(k);
  }
  const perm = [...order, ...base.map((_, k) => k).filter((k) => !used.has(k))];
  return { base, starts, ends, perm, shape1: shape.map((s, i) => (strides[i] === 0 ? 1 : s)), shape };
}

/** The whole exporter state over the two traces. */
class Exporter {
  readonly g: Builder;
  private contentA = new Map<Storage, Content>();
  private contentB = new Map<Storage, Content>();
  private constCache = new Map<string, Val>();
  constructor(
    opset: number,
    private readonly A: Trace,
    private readonly B: Trace,
    /** parameter/buffer storages: [name, tensor] (trace A's objects; B shares them) */
    private readonly params: Map<Storage, [string, Tensor][]>,
    private readonly paramInputs: Map<string, Val> | null,
  ) {
    this.g = new Builder(opset);
  }
  setInput(stA: Storage, stB: Storage, val: Val): void {
    this.contentA.set(stA, { val, offset: 0 });
    this.contentB.set(stB, { val, offset: 0 });
  }

  // -- reading views ------------------------------------------------------------------------------
  /** The value a call's argument reads, in the view's shape (broadcast dims kept at 1 when keep1). */
  read(i: number, ca: Call, cb: Call, p: number, keep1 = false): Val {
    const va = viewOf(ca, p)!;
    const vb = viewOf(cb, p)!;
    const con = this.contentA.get(va.st);
    if (!con) return this.constant(i, ca, cb, p, va, vb, keep1);
    const conB = this.contentB.get(vb.st);
    if (!conB) throw new TorchletError('torchlet: internal: torch.onnx.export: the two traces disagree', 'ERR_TORCHLET_INTERNAL');
    const ra = this.resolve(va.st, con, this.contentA);
    const rb = this.resolve(vb.st, conB, this.contentB);
    return this.view(ra.val, va.offset - ra.offset, vb.offset - rb.offset, va, vb, keep1, `${ca.name}'s ${OP_TENSORS.get(ca.name)![p]}`);
  }
  /** A storage's content as one value (windows assembled by Concat). */
  private resolve(st: Storage, c: Content, map: Map<Storage, Content>): { val: Val; offset: number } {
    if ('val' in c) return c;
    if ('fill' in c) {
      const r = { val: c.make(), offset: c.offset };
      map.set(st, r);
      return r;
    }
    const v = c.background ? this.padded(c.pieces, c.background) : this.concat(c.pieces);
    const r = { val: v, offset: 0 };
    map.set(st, r);
    // the other trace's map gets the same value when it resolves its own pieces (same structure)
    return r;
  }
  private concatCache = new Map<string, Val>();
  private concat(pieces: Extract<Content, { pieces: unknown }>['pieces']): Val {
    const key = pieces.map((q) => q.val.name).join('|');
    const hit = this.concatCache.get(key);
    if (hit) return hit;
    const sorted = pieces.slice().sort((x, y) => x.offset - y.offset);
    const nd = sorted[0].shape[0].length;
    for (let d = 0; d < nd; d++) {
      const full = [0, 1].map((t) => {
        const f = sorted[0].shape[t].slice();
        f[d] = sorted.reduce((s, q) => s + q.shape[t][d], 0);
        return f;
      });
      let start = 0;
      const ok = sorted[0].offset === 0 && sorted.every((q) => {
        const good = same(q.strides, contiguousStrides(full[0])) && q.offset === start * q.strides[d] &&
          q.shape[0].every((s, k) => k === d || s === full[0][k]);
        start += q.shape[0][d];
        return good;
      });
      if (!ok) continue;
      const v = sorted.length === 1 ? sorted[0].val : this.g.node('Concat', sorted.map((q) => q.val), [['axis', int(d)]], full[0], full[1], sorted[0].val.dtype);
      this.concatCache.set(key, v);
      return v;
    }
    return notImplemented('a tensor written in parts other than a concatenation (e.g. a slice assignment) has no ONNX mapping');
  }
  /**
   * One window copied into a filled storage (F.pad's constant mode: fill, then the input copied into
   * the middle): Pad with that constant. Other copies over a fill have no mapping.
   */
  private padded(pieces: Piece[], bg: Fill): Val {
    const [q] = pieces;
    const full = bg.full[bg.t];
    const cs = contiguousStrides(full);
    const win = q.shape[bg.t];
    if (pieces.length !== 1 || win.length !== full.length || win.some((s, k) => s > 1 && q.strides[k] !== cs[k]))
      return notImplemented('a tensor written in parts over a constant fill other than one padded window has no ONNX mapping');
    let r = q.offset - bg.offset;
    const starts = cs.map((st) => {
      const k = Math.floor(r / st);
      r -= k * st;
      return k;
    });
    if (r !== 0 || starts.some((st, k) => st + win[k] > full[k])) return notImplemented('a window copied into a filled tensor across its rows has no ONNX mapping');
    const pads = [...starts, ...starts.map((st, k) => full[k] - st - win[k])];
    // the other trace resolves the same copy (same window and fill) to the same node
    const key = `pad|${q.val.name}|${pads.join(',')}|${bg.fill}`;
    const hit = this.concatCache.get(key);
    if (hit) return hit;
    const v = this.g.node('Pad', [q.val, this.g.ints(pads), this.g.scalar(bg.fill, q.val.dtype)], [], bg.full[0], bg.full[1], q.val.dtype);
    this.concatCache.set(key, v);
    return v;
  }
  private view(x: Val, relA: number, relB: number, va: View, vb: View, keep1: boolean, what: string): Val {
    const na = numelOf(x.a);
    const nb = numelOf(x.b);
    let pa: ViewPlan | null = null;
    let pb: ViewPlan | null = null;
    let mismatch = false;
    for (const mode of ['fast', 'incl', 'excl'] as const) {
      const qa = planView(relA, va.shape, va.strides, na, mode);
      const qb = planView(relB, vb.shape, vb.strides, nb, mode);
      if (!qa || !qb) continue;
      if (qa.base.length !== qb.base.length || !same(qa.perm, qb.perm) || !same(qa.starts, qb.starts)) {
        mismatch = true;
        continue;
      }
      [pa, pb] = [qa, qb];
      break;
    }
    if (mismatch && (!pa || !pb)) dynamicError(`${what} is a view whose layout follows the dynamic axes`);
    if (!pa || !pb) return notImplemented(`${what} is a strided view (offset ${relA}, shape [${va.shape.join(', ')}], strides [${va.strides.join(', ')}]) with no ONNX mapping`);
    let v = this.g.reshape(x, pa.base, pb.base, what);
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: (number | bigint)[] = [];
    pa.base.forEach((_, k) => {
      const full = [pa.base[k], pb.base[k]];
      if (pa.starts[k] === 0 && pa.ends[k] === full[0] && pb.ends[k] === full[1]) return;
      axes.push(k);
      starts.push(pa.starts[k]);
      if (pa.ends[k] === pb.ends[k]) ends.push(pa.ends[k]);
      else if (pa.ends[k] === full[0] && pb.ends[k] === full[1]) ends.push(INT64_MAX);
      else dynamicError(`${what} slices a size following the dynamic axes`);
    });
    if (axes.length) {
      const sa = pa.base.map((s, k) => pa.ends[k] - pa.starts[k]);
      const sb = pb.base.map((s, k) => pb.ends[k] - pb.starts[k]);
      v = this.g.node('Slice', [v, this.g.ints(starts), this.g.ints(ends), this.g.ints(axes)], [], sa, sb, x.dtype);
    }
    if (!pa.perm.every((k, i) => k === i)) {
      v = this.g.node('Transpose', [v], [['perm', ints(pa.perm)]], pa.perm.map((k) => v.a[k]), pa.perm.map((k) => v.b[k]), x.dtype);
    }
    v = this.g.reshape(v, pa.shape1, pb.shape1, what);
    if (!keep1 && !same(pa.shape1, pa.shape)) {
      if (!same(pa.shape, pb.shape) && pa.shape.some((s, i) => s !== pb.shape[i] && pa.shape1[i] === 1 && s !== 1))
        dynamicError(`${what} broadcasts to a size following the dynamic axes`);
      v = this.g.node('Expand', [v, this.g.ints(pa.shape.map((s, i) => (pa.shape1[i] === 1 ? s : 1)))], [], pa.shape, pb.shape, x.dtype);
    }
    return v;
  }
  /** A read of a storage the run did not write: a parameter (initializer or graph input) or a snapshot. */
  private constant(i: number, ca: Call, cb: Call, p: number, va: View, vb: View, keep1: boolean): Val {
    const shape1 = (v: View) => v.shape.map((s, k) => (v.strides[k] === 0 ? 1 : s));
    if (!same(shape1(va), shape1(vb))) dynamicError(`${ca.name} reads a constant whose size follows the dynamic axes`);
    const owners = this.params.get(va.st);
    const exact = owners?.find(([, t]) => t.offset === va.offset && same(t.shape, va.shape) && same(t.strides, va.strides));
    const key = `${exact ? exact[0] : `${i}:${p}`}`;
    let v = this.constCache.get(key);
    if (!v) {
      if (exact && this.paramInputs) v = this.paramInputs.get(exact[0])!;
      else if (owners && this.paramInputs) return notImplemented(`${ca.name} reads a part of parameter ${owners[0][0]} (use exportParams: true)`);
      else {
        const s = this.A.snapshots.get(`${i}:${p}`);
        if (!s) throw new TorchletError(`torchlet: internal: torch.onnx.export: no data for ${ca.name}'s argument ${p}`, 'ERR_TORCHLET_INTERNAL');
        v = this.g.init(exact ? exact[0] : 'const', s.dtype, s.shape, s.data);
      }
      this.constCache.set(key, v);
    }
    if (!keep1 && !same(v.a, va.shape)) {
      if (!same(va.shape, vb.shape)) dynamicError(`${ca.name} broadcasts a constant to a size following the dynamic axes`);
      v = this.g.node('Expand', [v, this.g.ints(va.shape)], [], va.shape, vb.shape, v.dtype);
    }
    return v;
  }

  // -- writing ------------------------------------------------------------------------------------
  write(ca: Call, cb: Call, p: number, val: Val): void {
    for (const [c, map, shape, numels] of [[ca, this.contentA, val.a, this.A.numels], [cb, this.contentB, val.b, this.B.numels]] as const) {
      const v = viewOf(c, p)!;
      if (numelOf(shape) !== numelOf(v.shape))
        throw new TorchletError(`torchlet: internal: torch.onnx.export: ${c.name} writes ${numelOf(shape)} elements into [${v.shape.join(', ')}]`, 'ERR_TORCHLET_INTERNAL');
      const total = numels.get(v.st);
      const whole = c.name !== 'copyStrided' || (same(v.strides, contiguousStrides(v.shape)) && (total === undefined || (v.offset === 0 && total === numelOf(v.shape))));
      if (whole) {
        map.set(v.st, { val, offset: v.offset });
        continue;
      }
      const prev = map.get(v.st);
      const piece = { offset: v.offset, shape: [val.a, val.b] as [number[], number[]], strides: v.strides, val };
      if (prev && 'pieces' in prev) prev.pieces.push(piece);
      else map.set(v.st, { pieces: [piece], background: prev && 'fill' in prev ? prev : undefined });
    }
  }
  /** A fresh allocation: nothing known about it yet (reads before a write are constants). */
  alloc(trace: 'A' | 'B', st: Storage): void {
    (trace === 'A' ? this.contentA : this.contentB).delete(st);
  }
  foldedWrite(i: number, ca: Call, cb: Call, p: number): void {
    const s = this.A.folded.get(`${i}:${p}`)!;
    const vb = viewOf(cb, p)!;
    let made: Val | null = null;
    const make = () => {
      if (!same(s.shape, vb.shape)) dynamicError(`${ca.name} makes a constant whose size follows the dynamic axes`);
      return (made ??= this.g.init('const', s.dtype, s.shape, s.data));
    };
    const va = viewOf(ca, p)!;
    const whole = (v: View, n: number | undefined) => same(v.strides, contiguousStrides(v.shape)) && (n === undefined || n === numelOf(v.shape));
    if (ca.name === 'fill' && whole(va, this.A.numels.get(va.st)) && whole(vb, this.B.numels.get(vb.st))) {
      // made only if read as a whole: a constant pad's border needs no initializer
      const value = (ca.args[1] as { value: number }).value;
      this.contentA.set(va.st, { fill: value, offset: va.offset, full: [va.shape, vb.shape], t: 0, make });
      this.contentB.set(vb.st, { fill: value, offset: vb.offset, full: [va.shape, vb.shape], t: 1, make });
      return;
    }
    this.write(ca, cb, p, make());
  }
  /** The value a returned tensor holds. */
  output(ta: Tensor, tb: Tensor): Val {
    const ca = this.contentA.get(ta._storage.native);
    const cb = this.contentB.get(tb._storage.native);
    if (!ca || !cb) return notImplemented('the forward returns a tensor it did not compute (an input or a parameter)');
    const ra = this.resolve(ta._storage.native, ca, this.contentA);
    const rb = this.resolve(tb._storage.native, cb, this.contentB);
    const va: View = { st: ta._storage.native, offset: ta.offset, shape: ta.shape.slice(), strides: ta.strides.slice() };
    const vb: View = { st: tb._storage.native, offset: tb.offset, shape: tb.shape.slice(), strides: tb.strides.slice() };
    return this.view(ra.val, ta.offset - ra.offset, tb.offset - rb.offset, va, vb, false, 'an output');
  }

  // -- ops ----------------------------------------------------------------------------------------
  /** the value an argument reads, reshaped to the given shapes (trace A, trace B) */
  readAs(i: number, ca: Call, cb: Call, p: number, sa: number[], sb: number[]): Val {
    return this.g.reshape(this.read(i, ca, cb, p), sa, sb, `${ca.name}'s ${OP_TENSORS.get(ca.name)![p]}`);
  }
  call(i: number, ca: Call, cb: Call): void {
    const g = this.g;
    const P = ca.args[OP_TENSORS.get(ca.name)!.length] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const Q = cb.args[OP_TENSORS.get(cb.name)!.length] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const outShape = (c: Call, p: number) => (c.args[p] as TensorArg)[2];
    const dt = (v: Val) => v.dtype;
    const unaryNode = (op: string, x: Val, attrs: [string, AttrValue][] = []) => g.node(op, [x], attrs, x.a, x.b, x.dtype);
    const binNode = (op: string, x: Val, y: Val, a: number[], b: number[]) => g.node(op, [x, y], [], a, b, x.dtype);
    switch (ca.name) {
      case 'convForward':
      case 'conv2dReluMaxPool2dForward': {
        if (P.packed) return notImplemented(`${ca.name} with pre-packed weights (a torch.jit.freeze'd module): export the module before freezing it`);
        const nd = (ca.args[1] as TensorArg)[2].length - 2;
        const sp = (v: number[]) => v.slice(3 - nd);
        const x = this.readAs(i, ca, cb, 0, [P.N, P.C, ...sp(P.in)], [Q.N, Q.C, ...sp(Q.in)]);
        const w = this.read(i, ca, cb, 1);
        const ins = [x, w];
        if (ca.args[2]) ins.push(this.read(i, ca, cb, 2));
        let y = g.node('Conv', ins, [
          ['dilations', ints(sp(P.dilation))], ['group', int(P.groups)], ['kernel_shape', ints(sp(P.kernel))],
          ['pads', ints([...sp(P.pad), ...sp(P.pad)])], ['strides', ints(sp(P.stride))],
        ], [P.N, P.OC, ...sp(P.out)], [Q.N, Q.OC, ...sp(Q.out)], dt(x));
        if (P.relu || ca.name === 'conv2dReluMaxPool2dForward') y = unaryNode('Relu', y);
        if (ca.name === 'conv2dReluMaxPool2dForward') y = this.maxPool(y, ca.args[6] as Record<string, number>, cb.args[6] as Record<string, number>);
        this.write(ca, cb, 3, y);
        return;
      }
      case 'maxPool2dForward':
      case 'reluMaxPool2dForward': {
        let x = this.readAs(i, ca, cb, 0, [P.N, P.C, P.H, P.W], [Q.N, Q.C, Q.H, Q.W]);
        if (ca.name === 'reluMaxPool2dForward') x = unaryNode('Relu', x);
        this.write(ca, cb, 1, this.maxPool(x, P, Q));
        return;
      }
      case 'avgPool2dForward': {
        if (P.divisorOverride) return notImplemented('avgPool2d with divisorOverride has no ONNX mapping');
        const x = this.readAs(i, ca, cb, 0, [P.N, P.C, P.H, P.W], [Q.N, Q.C, Q.H, Q.W]);
        const ceil = P.OH > poolOut(P.H, P.kh, P.sh, P.ph, 1) || P.OW > poolOut(P.W, P.kw, P.sw, P.pw, 1);
        const y = g.node('AveragePool', [x], [
          ['ceil_mode', int(ceil ? 1 : 0)], ['count_include_pad', int(P.countIncludePad ? 1 : 0)], ['kernel_shape', ints([P.kh, P.kw])],
          ['pads', ints([P.ph, P.pw, P.ph, P.pw])], ['strides', ints([P.sh, P.sw])],
        ], [P.N, P.C, P.OH, P.OW], [Q.N, Q.C, Q.OH, Q.OW], dt(x));
        this.write(ca, cb, 1, y);
        return;
      }
      case 'adaptiveAvgPool2dForward':
      case 'adaptiveMaxPool2dForward': {
        const max = ca.name === 'adaptiveMaxPool2dForward';
        const x = this.readAs(i, ca, cb, 0, [P.N, P.C, P.H, P.W], [Q.N, Q.C, Q.H, Q.W]);
        let y: Val;
        if (P.OH === 1 && P.OW === 1 && Q.OH === 1 && Q.OW === 1) y = g.node(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [x], [], [P.N, P.C, 1, 1], [Q.N, Q.C, 1, 1], dt(x));
        else if (P.H % P.OH === 0 && P.W % P.OW === 0 && P.H === Q.H && P.W === Q.W) {
          const k = [P.H / P.OH, P.W / P.OW];
          y = g.node(max ? 'MaxPool' : 'AveragePool', [x], [['kernel_shape', ints(k)], ['strides', ints(k)]], [P.N, P.C, P.OH, P.OW], [Q.N, Q.C, Q.OH, Q.OW], dt(x));
        } else return notImplemented(`${ca.name} from ${P.H}x${P.W} to ${P.OH}x${P.OW} (not a whole-window pooling) has no ONNX mapping`);
        this.write(ca, cb, 1, y);
        return;
      }
      case 'batchNormForward': {
        if (P.training) return notImplemented('batchNorm in training mode (batch statistics) has no ONNX mapping: export in eval mode');
        if (!ca.args[3] || !ca.args[4]) return notImplemented('batchNorm without running statistics has no ONNX mapping');
        const shp = outShape(ca, 0);
        const x0 = this.read(i, ca, cb, 0);
        const x = shp.length >= 2 && shp[1] === P.C ? x0 : g.reshape(x0, [P.N, P.C, P.L], [Q.N, Q.C, Q.L], 'batchNorm input');
        const ones = (v: number) => {
          const raw = new Uint8Array(P.C * ELEM_BYTES[x.dtype]);
          const dv = new DataView(raw.buffer);
          for (let k = 0; k < P.C; k++) {
            if (x.dtype === 1) dv.setFloat64(k * 8, v, true);
            else dv.setFloat32(k * 4, v, true);
          }
          return g.init('const', x.dtype, [P.C], raw);
        };
        const w = ca.args[1] ? this.read(i, ca, cb, 1) : ones(1);
        const b = ca.args[2] ? this.read(i, ca, cb, 2) : ones(0);
        let y = g.node('BatchNormalization', [x, w, b, this.read(i, ca, cb, 3), this.read(i, ca, cb, 4)], [['epsilon', float(P.eps)]], x.a, x.b, dt(x));
        if (P.relu) y = unaryNode('Relu', y);
        this.write(ca, cb, 5, y);
        return;
      }
      case 'linearForward': {
        const x = this.read(i, ca, cb, 0);
        const ins = [x, this.read(i, ca, cb, 1)];
        if (ca.args[2]) ins.push(this.read(i, ca, cb, 2));
        const oa = outShape(ca, 3);
        const ob = outShape(cb, 3);
        this.write(ca, cb, 3, g.node('Gemm', ins, [['transB', int(1)]], oa, ob, dt(x)));
        return;
      }
      case 'matmul': {
        if (P.beta !== 0) return notImplemented('matmul accumulating into its output (beta != 0) has no ONNX mapping');
        const shp = (R: Record<string, number>, rows: number, cols: number, stride: number, tr: boolean) =>
          stride === 0 || R.batch === 1 ? (tr ? [cols, rows] : [rows, cols]) : (tr ? [R.batch, cols, rows] : [R.batch, rows, cols]);
        if ((P.strideA !== 0 && P.strideA !== P.M * P.K) || (P.strideB !== 0 && P.strideB !== P.K * P.N))
          return notImplemented('matmul with overlapping batches has no ONNX mapping');
        const side = (p: number, rows: string, cols: string, stride: string, tr: string) => {
          let v = this.readAs(i, ca, cb, p, shp(P, P[rows], P[cols], P[stride], P[tr]), shp(Q, Q[rows], Q[cols], Q[stride], Q[tr]));
          if (P[tr]) {
            const n = v.a.length;
            const perm = [...v.a.map((_, k) => k).slice(0, n - 2), n - 1, n - 2];
            v = g.node('Transpose', [v], [['perm', ints(perm)]], perm.map((k) => v.a[k]), perm.map((k) => v.b[k]), v.dtype);
          }
          return v;
        };
        const a = side(0, 'M', 'K', 'strideA', 'transA');
        const b = side(1, 'K', 'N', 'strideB', 'transB');
        const oa = P.batch === 1 || (P.strideA === 0 && P.strideB === 0) ? [P.M, P.N] : [P.batch, P.M, P.N];
        const ob = Q.batch === 1 || (Q.strideA === 0 && Q.strideB === 0) ? [Q.M, Q.N] : [Q.batch, Q.M, Q.N];
        let y = binNode('MatMul', a, b, oa, ob);
        if (P.alpha !== 1) y = binNode('Mul', y, g.scalar(P.alpha, y.dtype), oa, ob);
        this.write(ca, cb, 2, y);
        return;
      }
      case 'binary': {
        const x = this.read(i, ca, cb, 0, true);
        const y = this.read(i, ca, cb, 1, true);
        const oa = outShape(ca, 2);
        const ob = outShape(cb, 2);
        const B = enums.BinaryOp;
        // comparisons give ONNX bools; the logical ops read bools
        const cmp: Record<number, string> = { [B.Eq]: 'Equal', [B.Ne]: 'Equal', [B.Lt]: 'Less', [B.Le]: 'LessOrEqual', [B.Gt]: 'Greater', [B.Ge]: 'GreaterOrEqual' };
        if (cmp[P.op]) {
          let r = g.node(cmp[P.op], [x, y], [], oa, ob, BOOL);
          if (P.op === B.Ne) r = g.node('Not', [r], [], oa, ob, BOOL);
          this.write(ca, cb, 2, r);
          return;
        }
        const logical: Record<number, string> = { [B.LogicalAnd]: 'And', [B.LogicalOr]: 'Or', [B.LogicalXor]: 'Xor' };
        if (logical[P.op]) {
          this.write(ca, cb, 2, g.node(logical[P.op], [this.asBool(x), this.asBool(y)], [], oa, ob, BOOL));
          return;
        }
        const map: Record<number, string> = { [B.Add]: 'Add', [B.Sub]: 'Sub', [B.Mul]: 'Mul', [B.Div]: 'Div', [B.Pow]: 'Pow', [B.Maximum]: 'Max', [B.Minimum]: 'Min', [B.AddRelu]: 'Add' };
        const op = map[P.op];
        if (!op) return notImplemented(`binary op ${SCHEMA.enums.BinaryOp[P.op]} has no ONNX mapping`);
        let r = binNode(op, x, y, oa, ob);
        if (P.op === B.AddRelu) r = unaryNode('Relu', r);
        this.write(ca, cb, 2, r);
        return;
      }
      case 'unary': {
        const x = this.read(i, ca, cb, 0);
        if (x.dtype === BOOL && P.op === enums.UnaryOp.BitwiseNot) {
          this.write(ca, cb, 1, unaryNode('Not', x));
          return;
        }
        this.write(ca, cb, 1, this.unary(P.op, P.scalar, x));
        return;
      }
      case 'activation': {
        const x = this.read(i, ca, cb, 0);
        this.write(ca, cb, 1, this.activation(P.op, P.a, P.b, x));
        return;
      }
      case 'softmax': {
        const shp = outShape(ca, 0);
        let axis = -1;
        for (let k = 0; k < shp.length && axis < 0; k++)
          if (numelOf(shp.slice(0, k)) === P.outer && shp[k] === P.C && numelOf(shp.slice(k + 1)) === P.inner) axis = k;
        let x = this.read(i, ca, cb, 0);
        if (axis < 0) {
          x = g.reshape(x, [P.outer, P.C, P.inner], [Q.outer, Q.C, Q.inner], 'softmax input');
          axis = 1;
        }
        this.write(ca, cb, 1, unaryNode(P.log ? 'LogSoftmax' : 'Softmax', x, [['axis', int(axis)]]));
        return;
      }
      case 'reduce': {
        const R = enums.ReduceOp;
        const names: Record<number, string> = { [R.Sum]: 'ReduceSum', [R.Mean]: 'ReduceMean', [R.Max]: 'ReduceMax', [R.Min]: 'ReduceMin', [R.Prod]: 'ReduceProd' };
        const op = names[P.op];
        if (!op) return notImplemented(`reduce op ${SCHEMA.enums.ReduceOp[P.op]} has no ONNX mapping`);
        const x = this.readAs(i, ca, cb, 0, [P.outer, P.r, P.inner], [Q.outer, Q.r, Q.inner]);
        const oa = [P.outer, P.inner];
        const ob = [Q.outer, Q.inner];
        const y = op === 'ReduceSum'
          ? g.node(op, [x, g.ints([1])], [['keepdims', int(0)]], oa, ob, x.dtype)
          : g.node(op, [x], [['axes', ints([1])], ['keepdims', int(0)]], oa, ob, x.dtype);
        this.write(ca, cb, 1, y);
        return;
      }
      case 'copyStrided': {
        let x = this.read(i, ca, cb, 0);
        const to = this.A.dtypes.get((ca.args[1] as TensorArg)[0]);
        if (to !== undefined && to !== x.dtype && !(x.dtype === BOOL && to === 3)) {
          if (to === 3) return notImplemented('a cast to uint8/bool has no ONNX mapping here');
          x = g.node('Cast', [x], [['to', int(({ 0: 1, 1: 11, 2: 7, 4: 6 } as Record<number, number>)[to])]], x.a, x.b, to);
        }
        this.write(ca, cb, 1, x);
        return;
      }
      case 'rowNormForward': {
        // layer / group / instance norm: x as [rows, R], each row normalised; the affine weight has
        // G * K entries (K = R / L channels per row, each spanning L elements), row r's group r % G
        const x = this.readAs(i, ca, cb, 0, [P.rows, P.R], [Q.rows, Q.R]);
        const col = (r: number) => [r, 1];
        const mean = g.node('ReduceMean', [x], [['axes', ints([1])], ['keepdims', int(1)]], col(P.rows), col(Q.rows), dt(x));
        const d = binNode('Sub', x, mean, x.a, x.b);
        const v = g.node('ReduceMean', [binNode('Mul', d, d, x.a, x.b)], [['axes', ints([1])], ['keepdims', int(1)]], col(P.rows), col(Q.rows), dt(x));
        const sd = unaryNode('Sqrt', binNode('Add', v, g.scalar(P.eps, dt(x)), col(P.rows), col(Q.rows)));
        let y = binNode('Div', d, sd, x.a, x.b);
        if (ca.args[1] || ca.args[2]) {
          const four = (R: Record<string, number>) => [R.rows / R.G, R.G, R.R / R.L, R.L];
          const wShape = (R: Record<string, number>) => [1, R.G, R.R / R.L, 1];
          y = g.reshape(y, four(P), four(Q), 'a normalised row');
          if (ca.args[1]) y = binNode('Mul', y, this.readAs(i, ca, cb, 1, wShape(P), wShape(Q)), y.a, y.b);
          if (ca.args[2]) y = binNode('Add', y, this.readAs(i, ca, cb, 2, wShape(P), wShape(Q)), y.a, y.b);
        }
        this.write(ca, cb, 3, y);
        return;
      }
      case 'gather': {
        // out[pos] = input[pos with pos[dim] = index[pos]]: an index read along dim alone (index_select,
        // embedding) is Gather, an index of the output's own shape (torch.gather) GatherElements
        const d = P.dim as number;
        const sa = P.shape as number[];
        const sb = Q.shape as number[];
        if (!sa.length) return notImplemented('gather on a 0-dim tensor has no ONNX mapping');
        const line = (R: Record<string, number[] | number>) => (R.indexStrides as number[]).every((x, k) => k === d || x === 0);
        const x = this.read(i, ca, cb, 0);
        if (line(P) && line(Q)) {
          const idx = g.reshape(this.read(i, ca, cb, 1, true), [sa[d]], [sb[d]], 'an index');
          this.write(ca, cb, 2, g.node('Gather', [x, idx], [['axis', int(d)]], sa, sb, dt(x)));
        } else this.write(ca, cb, 2, g.node('GatherElements', [x, this.read(i, ca, cb, 1)], [['axis', int(d)]], sa, sb, dt(x)));
        return;
      }
      case 'upsample': {
        // Resize with PyTorch's source indices: nearest floor(j * scale) (asymmetric, floor),
        // nearest-exact floor((j + 0.5) * scale) (half_pixel, round_prefer_ceil), linear and cubic
        // (A = -0.75) at half pixels or align_corners; the user's scale factor as Resize's scales
        if (P.antialias) return notImplemented('interpolate with antialias has no ONNX mapping before opset 18');
        const U = enums.UpsampleMode;
        const x = this.read(i, ca, cb, 0);
        const nsp = x.a.length - 2;
        const sp = (R: Record<string, number>, k: 'in' | 'out') => (k === 'in' ? [R.inD, R.inH, R.inW] : [R.outD, R.outH, R.outW]).slice(3 - nsp);
        const outA = [...x.a.slice(0, 2), ...sp(P, 'out')];
        const outB = [...x.b.slice(0, 2), ...sp(Q, 'out')];
        const user = [P.scaleD, P.scaleH, P.scaleW].slice(3 - nsp);
        const attrs: [string, AttrValue][] = [];
        const mode = P.mode === U.Linear ? 'linear' : P.mode === U.Cubic ? 'cubic' : 'nearest';
        attrs.push(['mode', { kind: 'string', v: mode }]);
        if (P.mode === U.Nearest) attrs.push(['coordinate_transformation_mode', { kind: 'string', v: 'asymmetric' }], ['nearest_mode', { kind: 'string', v: 'floor' }]);
        else if (P.mode === U.NearestExact) attrs.push(['coordinate_transformation_mode', { kind: 'string', v: 'half_pixel' }], ['nearest_mode', { kind: 'string', v: 'round_prefer_ceil' }]);
        else attrs.push(['coordinate_transformation_mode', { kind: 'string', v: P.alignCorners ? 'align_corners' : 'half_pixel' }]);
        if (P.mode === U.Cubic) attrs.push(['cubic_coeff_a', float(-0.75)]);
        const empty = g.init('const', 0, [0], new Uint8Array(0));
        let y: Val;
        if (user.every((u) => u > 0)) {
          const raw = new Uint8Array((nsp + 2) * 4);
          const dv = new DataView(raw.buffer);
          [1, 1, ...user].forEach((u, k) => dv.setFloat32(k * 4, u, true));
          y = g.node('Resize', [x, empty, g.init('const', 0, [nsp + 2], raw)], attrs, outA, outB, dt(x));
        } else {
          // sizes: [N, C] of the input (Shape, Slice: they may follow a dynamic axis), then the output's spatial sizes
          const nc = g.node('Slice', [g.node('Shape', [x], [], [x.a.length], [x.b.length], 2), g.ints([0]), g.ints([2])], [], [2], [2], 2);
          const sizes = g.node('Concat', [nc, g.ints(sp(P, 'out'))], [['axis', int(0)]], [nsp + 2], [nsp + 2], 2);
          y = g.node('Resize', [x, empty, '', sizes], attrs, outA, outB, dt(x));
        }
        this.write(ca, cb, 1, y);
        return;
      }
      case 'convBackwardInput': {
        // in a forward pass: a transposed convolution (ConvTranspose), params those of the convolution
        // it is the input gradient of; output_padding gives its exact output size
        const nd = (ca.args[1] as TensorArg)[2].length - 2;
        const sp = (v: number[]) => v.slice(3 - nd);
        const x = this.readAs(i, ca, cb, 0, [P.N, P.OC, ...sp(P.out)], [Q.N, Q.OC, ...sp(Q.out)]);
        const w = this.read(i, ca, cb, 1);
        const outPad = sp(P.in).map((o, k) => o - ((sp(P.out)[k] - 1) * sp(P.stride)[k] + (sp(P.kernel)[k] - 1) * sp(P.dilation)[k] + 1 - 2 * sp(P.pad)[k]));
        if (outPad.some((o, k) => o < 0 || (o >= sp(P.stride)[k] && o >= sp(P.dilation)[k])))
          return notImplemented(`a transposed convolution with output padding ${outPad.join(', ')} has no ONNX mapping`);
        const y = g.node('ConvTranspose', [x, w], [
          ['dilations', ints(sp(P.dilation))], ['group', int(P.groups)], ['kernel_shape', ints(sp(P.kernel))],
          ['output_padding', ints(outPad)], ['pads', ints([...sp(P.pad), ...sp(P.pad)])], ['strides', ints(sp(P.stride))],
        ], [P.N, P.C, ...sp(P.in)], [Q.N, Q.C, ...sp(Q.in)], dt(x));
        this.write(ca, cb, 2, y);
        return;
      }
      case 'pad': {
        // reflect / replicate padding of the last 1-3 dims, x as [outer, D, H, W]
        const M = enums.PadMode;
        if (P.mode === M.Circular) return notImplemented("pad mode 'circular' has no ONNX mapping before opset 19");
        const four = (R: Record<string, number | number[]>, out: boolean) => {
          const n = R.inSize as number[];
          const q = R.pads as number[];
          return [R.outer as number, ...n.map((v, k) => (out ? v + q[2 * k] + q[2 * k + 1] : v))];
        };
        const x = this.readAs(i, ca, cb, 0, four(P, false), four(Q, false));
        const q = P.pads as number[];
        const pads = [0, q[0], q[2], q[4], 0, q[1], q[3], q[5]];
        const y = g.node('Pad', [x, g.ints(pads)], [['mode', { kind: 'string', v: P.mode === M.Reflect ? 'reflect' : 'edge' }]], four(P, true), four(Q, true), dt(x));
        this.write(ca, cb, 1, y);
        return;
      }
      case 'cumsum': {
        const x = this.readAs(i, ca, cb, 0, [P.outer, P.n, P.inner], [Q.outer, Q.n, Q.inner]);
        this.write(ca, cb, 1, g.node('CumSum', [x, g.scalar(1, 2)], [['reverse', int(P.reverse ? 1 : 0)]], x.a, x.b, dt(x)));
        return;
      }
      case 'where': {
        // torch.where / maskedFill: Where(condition as bool, input, other)
        const x = this.read(i, ca, cb, 0, true);
        const y = this.read(i, ca, cb, 1, true);
        const c = this.asBool(this.read(i, ca, cb, 2, true));
        this.write(ca, cb, 3, g.node('Where', [c, x, y], [], outShape(ca, 3), outShape(cb, 3), dt(x)));
        return;
      }
      case 'dropoutForward':
        return notImplemented('dropout in training mode has no deterministic ONNX mapping: export in eval mode');
      case 'random':
        return notImplemented('the forward draws random numbers (torch.rand*, dropout in training): nothing to export deterministically');
      default:
        return notImplemented(`the native op ${ca.name} has no ONNX mapping`);
    }
  }
  /** A condition as ONNX bool: torchlet's bools (uint8 storages: masks kept as constants) cast. */
  private asBool(v: Val): Val {
    return v.dtype === BOOL ? v : this.g.node('Cast', [v], [['to', int(9)]], v.a, v.b, BOOL);
  }
  private maxPool(x: Val, P: Record<string, number>, Q: Record<string, number>): Val {
    const ceil = P.OH > poolOut(P.H, P.kh, P.sh, P.ph, P.dh) || P.OW > poolOut(P.W, P.kw, P.sw, P.pw, P.dw);
    return this.g.node('MaxPool', [x], [
      ['ceil_mode', int(ceil ? 1 : 0)], ['dilations', ints([P.dh, P.dw])], ['kernel_shape', ints([P.kh, P.kw])],
      ['pads', ints([P.ph, P.pw, P.ph, P.pw])], ['strides', ints([P.sh, P.sw])],
    ], [P.N, P.C, P.OH, P.OW], [Q.N, Q.C, Q.OH, Q.OW], x.dtype);
  }
  private unary(op: number, s: number, x: Val): Val {
    const g = this.g;
    const U = enums.UnaryOp;
    const n1 = (t: string, v: Val = x) => g.node(t, [v], [], x.a, x.b, x.dtype);
    const n2 = (t: string, u: Val, v: Val) => g.node(t, [u, v], [], x.a, x.b, x.dtype);
    const c = (v: number) => g.scalar(v, x.dtype);
    const simple: Record<number, string> = {
      [U.Neg]: 'Neg', [U.Exp]: 'Exp', [U.Log]: 'Log', [U.Sqrt]: 'Sqrt', [U.Abs]: 'Abs', [U.Relu]: 'Relu', [U.Sigmoid]: 'Sigmoid', [U.Tanh]: 'Tanh',
      [U.Sign]: 'Sign', [U.Floor]: 'Floor', [U.Ceil]: 'Ceil', [U.Round]: 'Round', [U.Sin]: 'Sin', [U.Cos]: 'Cos', [U.Tan]: 'Tan', [U.Asin]: 'Asin',
      [U.Acos]: 'Acos', [U.Atan]: 'Atan', [U.Sinh]: 'Sinh', [U.Cosh]: 'Cosh', [U.Erf]: 'Erf', [U.Reciprocal]: 'Reciprocal',
    };
    if (simple[op]) return n1(simple[op]);
    switch (op) {
      case U.AddScalar: return n2('Add', x, c(s));
      case U.MulScalar: return n2('Mul', x, c(s));
      case U.PowScalar: return n2('Pow', x, c(s));
      case U.RsubScalar: return n2('Sub', c(s), x);
      case U.RdivScalar: return n2('Div', c(s), x);
      case U.ClampMin: return n2('Max', x, c(s));
      case U.ClampMax: return n2('Min', x, c(s));
      case U.Rsqrt: return n1('Reciprocal', n1('Sqrt'));
      case U.Exp2: return n2('Pow', c(2), x);
      case U.Expm1: return n2('Sub', n1('Exp'), c(1));
      case U.Log1p: return n1('Log', n2('Add', x, c(1)));
      case U.Log2: return n2('Div', n1('Log'), c(Math.LN2));
      case U.Log10: return n2('Div', n1('Log'), c(Math.LN10));
      case U.Trunc: return n2('Mul', n1('Floor', n1('Abs')), n1('Sign'));
      default: return notImplemented(`unary op ${SCHEMA.enums.UnaryOp[op]} has no ONNX mapping`);
    }
  }
  private activation(op: number, a: number, b: number, x: Val): Val {
    const g = this.g;
    const A = enums.ActivationOp;
    const n1 = (t: string, v: Val = x, attrs: [string, AttrValue][] = []) => g.node(t, [v], attrs, x.a, x.b, x.dtype);
    const n2 = (t: string, u: Val, v: Val) => g.node(t, [u, v], [], x.a, x.b, x.dtype);
    const c = (v: number) => g.scalar(v, x.dtype);
    switch (op) {
      case A.Gelu: // 0.5 x (1 + erf(x / sqrt 2)); ONNX's Gelu op is opset 20
        return n2('Mul', n2('Mul', x, c(0.5)), n2('Add', n1('Erf', n2('Mul', x, c(Math.SQRT1_2))), c(1)));
      case A.GeluTanh: { // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        const inner = n2('Mul', n2('Add', x, n2('Mul', n2('Pow', x, c(3)), c(0.044715))), c(Math.sqrt(2 / Math.PI)));
        return n2('Mul', n2('Mul', x, c(0.5)), n2('Add', n1('Tanh', inner), c(1)));
      }
      case A.LeakyRelu: return n1('LeakyRelu', x, [['alpha', float(a)]]);
      case A.Elu:
        if (b === 1) return n1('Elu', x, [['alpha', float(a)]]);
        if (Math.abs(b * a - 1) < 1e-12) return n1('Celu', x, [['alpha', float(a)]]);
        return notImplemented('elu with an input scale has no ONNX mapping');
      case A.Silu: return n2('Mul', x, n1('Sigmoid'));
      case A.Mish: return n2('Mul', x, n1('Tanh', n1('Softplus')));
      case A.Hardswish: return this.g.opset >= 14 ? n1('HardSwish') : n2('Mul', x, n1('HardSigmoid', x, [['alpha', float(1 / 6)], ['beta', float(0.5)]]));
      case A.Hardsigmoid: return n1('HardSigmoid', x, [['alpha', float(1 / 6)], ['beta', float(0.5)]]);
      case A.Softplus:
        if (a !== 1) return notImplemented('softplus with beta != 1 has no ONNX mapping');
        return n1('Softplus');
      case A.Softsign: return n1('Softsign');
      case A.Hardtanh: return g.node('Clip', [x, c(a), c(b)], [], x.a, x.b, x.dtype);
      case A.LogSigmoid: return n1('Neg', n1('Softplus', n1('Neg')));
      default: return notImplemented(`activation ${SCHEMA.enums.ActivationOp[op]} has no ONNX mapping`);
    }
  }
}

function poolOut(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

// ---- options ---------------------------------------------------------------------------------------

function checkNames(name: string, v: unknown, n: number | null): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || !s)) typeArg(name, 'an array of non-empty strings', v);
  if (new Set(v).size !== v.length) invalidArg(name, 'distinct names', v);
  if (n !== null && v.length !== n) invalidArg(name, `${n} name${n === 1 ? '' : 's'} (one per ${name === 'opts.inputNames' ? 'input' : 'output'})`, v);
  return v as string[];
}

/** dynamicAxes normalized: name -> axis -> label */
function checkDynamicAxes(v: unknown): Map<string, Map<number, string>> {
  const out = new Map<string, Map<number, string>>();
  if (v === undefined) return out;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) typeArg('opts.dynamicAxes', 'an object { name: { axis: label } | [axes] }', v);
  for (const [name, axes] of Object.entries(v as object)) {
    const m = new Map<number, string>();
    const what = `opts.dynamicAxes.${name}`;
    if (Array.isArray(axes)) {
      for (const a of axes) {
        if (!Number.isInteger(a) || a < 0) typeArg(what, 'an array of non-negative integer axes', axes);
        m.set(a as number, `${name}_dynamic_axes_${m.size + 1}`);
      }
    } else if (typeof axes === 'object' && axes !== null) {
      for (const [k, label] of Object.entries(axes)) {
        if (!/^\d+$/.test(k)) invalidArg(what, 'non-negative integer axes as keys', k);
        if (typeof label !== 'string' || !label) typeArg(`${what}.${k}`, 'a non-empty string label', label);
        m.set(Number(k), label as string);
      }
    } else typeArg(what, 'an object { axis: label } or an array of axes', axes);
    out.set(name, m);
  }
  return out;
}

// ---- export ----------------------------------------------------------------------------------------

/**
 * torch.onnx.export(model, args, f, opts): writes `model` (an nn.Module) traced on `args` (a Tensor or
 * an array of Tensors: the forward's arguments) as an ONNX model file at path `f`. See the file comment.
 */
function exportModel(model: Module, args: Tensor | Tensor[], f: string, opts: ExportOptions = {}, ...rest: never[]): void {
  noExtraArgs('export', 'model, args, f, opts', rest);
  if (!(model instanceof Module)) typeArg('model', 'an nn.Module', model);
  const inputs = Array.isArray(args) ? args : [args];
  if (!inputs.length) invalidArg('args', 'a Tensor or a non-empty array of Tensors', args);
  inputs.forEach((t, k) => {
    if (!(t instanceof Tensor)) typeArg(Array.isArray(args) ? `args[${k}]` : 'args', 'a Tensor', t);
    if (t.disposed) invalidArg(Array.isArray(args) ? `args[${k}]` : 'args', 'a live tensor', 'a disposed tensor');
    if (t.dtype !== 'float32' && t.dtype !== 'float64' && t.dtype !== 'int64' && t.dtype !== 'int32')
      invalidArg(Array.isArray(args) ? `args[${k}]` : 'args', 'a float32, float64, int32 or int64 tensor', t);
  });
  if (typeof f !== 'string' || !f) typeArg('f', 'a file path (a non-empty string)', f);
  const o = checkOptionKeys('opts', opts, ['inputNames', 'outputNames', 'dynamicAxes', 'opsetVersion', 'exportParams', 'doConstantFolding', 'training']);
  const opset = o.opsetVersion ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset)) typeArg('opts.opsetVersion', 'an integer', opset);
  if (opset < MIN_OPSET || opset > MAX_OPSET) invalidArg('opts.opsetVersion', `an opset from ${MIN_OPSET} to ${MAX_OPSET}`, opset);
  const exportParams = optBool('opts.exportParams', o.exportParams, true);
  const fold = optBool('opts.doConstantFolding', o.doConstantFolding, true);
  const training = o.training ?? 'eval';
  if (training !== 'eval' && training !== 'preserve' && training !== 'training') invalidArg('opts.training', "'eval', 'preserve' or 'training'", training);
  if (training === 'training') notImplemented("training: 'training' (a training-mode graph) is not supported: export with 'eval'");
  const inputNames = checkNames('opts.inputNames', o.inputNames, inputs.length) ?? inputs.map((_, k) => `input_${k}`);
  const outputNamesOpt = checkNames('opts.outputNames', o.outputNames, null);
  const dyn = checkDynamicAxes(o.dynamicAxes);
  for (const [name, axes] of dyn) {
    const k = inputNames.indexOf(name);
    if (k < 0) {
      if (outputNamesOpt ? !outputNamesOpt.includes(name) : !/^output_\d+$/.test(name)) invalidArg(`opts.dynamicAxes.${name}`, `the name of an input (${inputNames.join(', ')}) or output (${(outputNamesOpt ?? []).join(', ')})`, name);
      continue;
    }
    for (const a of axes.keys()) if (a >= inputs[k].ndim) invalidArg(`opts.dynamicAxes.${name}`, `axes of a ${inputs[k].ndim}-D input`, a);
  }
  const dir = path.dirname(path.resolve(f));
  withIo(`cannot write ${f}`, () => {
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    if (fs.existsSync(f) && fs.statSync(f).isDirectory()) throw new Error(`${f} is a directory`);
  });

  if (model.modules().some((m) => m instanceof FrozenConv || m instanceof FrozenLinear))
    notImplemented("a torch.jit.freeze'd module (pre-packed weights, a replayed forward) cannot be traced: export the module before freezing it");
  const modes = model.modules().map((m) => [m, m.training] as const);
  if (training === 'eval') model.eval();
  const examples: Tensor[] = [];
  try {
    // the example inputs (contiguous copies, so a graph input is one storage from offset 0)
    const exA = noGrad(() => inputs.map((t) => t.detach().contiguous().clone()));
    const dynIn = inputs.map((_, k) => dyn.get(inputNames[k]) ?? new Map<number, string>());
    const exB = noGrad(() => exA.map((t, k) => [...dynIn[k].keys()].reduce((x, a) => cat([x, x], a), t)));
    examples.push(...exA, ...exB.filter((t, k) => t !== exA[k]));
    // parameters and buffers: their storages, names and dtypes
    const params = new Map<Storage, [string, Tensor][]>();
    const dtypes = new Map<Storage, number>();
    // by state-dict key (PyTorch's names), then by attribute path (non-persistent buffers); one name per view
    const named: [string, Tensor][] = [];
    for (const [n, t] of [...Object.entries(model.stateDict()), ...model.namedParameters(), ...model.namedBuffers()] as [string, Tensor][]) {
      const st = t._storage.native;
      const list = params.get(st) ?? params.set(st, []).get(st)!;
      if (list.some(([, u]) => u.offset === t.offset && same(u.shape, t.shape) && same(u.strides, t.strides))) continue;
      list.push([n, t]);
      named.push([n, t]);
      dtypes.set(st, t._storage.dtypeCode);
    }
    for (const t of [...exA, ...exB]) dtypes.set(t._storage.native, t._storage.dtypeCode);
    // tensors kept as plain attributes of the modules (not registered): their dtypes, for the constants
    for (const m of model.modules())
      for (const v of Object.values(m)) if (v instanceof Tensor && !v.disposed && !dtypes.has(v._storage.native)) dtypes.set(v._storage.native, v._storage.dtypeCode);
    const paramStorages = new Set<Storage>(exportParams ? [] : params.keys());
    const A = trace(model, exA, dtypes, paramStorages, true, fold);
    let B = A;
    if (dyn.size && exB.some((t, k) => t !== exA[k])) {
      try {
        B = trace(model, exB, dtypes, paramStorages, false, fold);
      } catch (e) {
        if (e instanceof TorchletError && e.code === 'ERR_TORCHLET_NOT_IMPLEMENTED') throw e;
        throw new TorchletRangeError(`torchlet: torch.onnx.export: dynamicAxes: the model does not run when the dynamic axes change size (${(e as Error).message})`,
          'ERR_TORCHLET_INVALID_ARG');
      }
    }
    const callsA = A.events.filter((e): e is { call: Call } => 'call' in e).map((e) => e.call);
    const callsB = B.events.filter((e): e is { call: Call } => 'call' in e).map((e) => e.call);
    if (callsA.length !== callsB.length || callsA.some((c, k) => c.name !== callsB[k].name))
      dynamicError('the forward runs different ops when the dynamic axes change size (a dynamic axis of size 1 can make a transposed view contiguous, so a copy is skipped: trace with an example of size 2 or more there)');
    // outputs
    const outsA = outputTensors(A.result);
    const outsB = outputTensors(B.result);
    const outputNames = outputNamesOpt ?? outsA.map((_, k) => `output_${k}`);
    if (outputNames.length !== outsA.length) invalidArg('opts.outputNames', `${outsA.length} names (one per output)`, outputNames);
    for (const name of dyn.keys())
      if (!inputNames.includes(name) && !outputNames.includes(name)) invalidArg(`opts.dynamicAxes.${name}`, `the name of an input or output (${[...inputNames, ...outputNames].join(', ')})`, name);

    const paramInputs = exportParams ? null : new Map<string, Val>();
    const ex = new Exporter(opset, A, B, params, paramInputs);
    const graphInputs: ValueInfoDef[] = [];
    const graphOutputs: ValueInfoDef[] = [];
    inputNames.forEach((name, k) => {
      ex.g.claim(name);
      const val: Val = { name, a: exA[k].shape.slice(), b: exB[k].shape.slice(), dtype: exA[k]._storage.dtypeCode };
      ex.setInput(exA[k]._storage.native, exB[k]._storage.native, val);
      graphInputs.push({ name, dtype: ONNX_OF[val.dtype], dims: val.a.map((d, i) => dynIn[k].get(i) ?? d) });
    });
    if (paramInputs) {
      for (const [n, t] of named) {
        ex.g.claim(n);
        paramInputs.set(n, { name: n, a: t.shape.slice(), b: t.shape.slice(), dtype: t._storage.dtypeCode });
      }
    }
    outputNames.forEach((n) => ex.g.claim(n));
    // replay the events in order
    let ib = 0;
    let ci = 0;
    const eventsB = B.events;
    for (const e of A.events) {
      if ('alloc' in e) {
        ex.alloc('A', e.alloc);
        continue;
      }
      while (ib < eventsB.length && 'alloc' in eventsB[ib]) ex.alloc('B', (eventsB[ib++] as { alloc: Storage }).alloc);
      const cb = (eventsB[ib++] as { call: Call }).call;
      const ca = e.call;
      if ((ca as Call & { folded?: boolean }).folded) {
        for (const p of ca.writes) if (ca.args[p]) ex.foldedWrite(ci, ca, cb, p);
      } else ex.call(ci, ca, cb);
      ci++;
    }
    const used = new Set<string>();
    outsA.forEach((t, k) => {
      let v = ex.output(t, outsB[k]);
      const name = outputNames[k];
      const producer = ex.g.nodes.find((nd) => nd.outputs[0] === v.name);
      if (producer && !used.has(v.name) && !inputNames.includes(v.name)) {
        // rename the producing node's output (and its other readers) to the output name
        for (const nd of ex.g.nodes) nd.inputs = nd.inputs.map((s) => (s === v.name ? name : s));
        producer.outputs[0] = name;
        used.add(name);
      } else {
        ex.g.nodes.push({ opType: 'Identity', name: `Identity_${name}`, inputs: [v.name], outputs: [name], attrs: [] });
      }
      v = { ...v, name };
      const labels = dyn.get(name);
      graphOutputs.push({
        name, dtype: ONNX_OF[v.dtype],
        dims: v.a.map((d, i) => labels?.get(i) ?? (d === v.b[i] ? d : `${name}_dim_${i}`)),
      });
    });
    if (paramInputs) for (const v of paramInputs.values()) graphInputs.push({ name: v.name, dtype: ONNX_OF[v.dtype], dims: v.a });
    prune(ex.g, graphOutputs.map((o) => o.name));
    const bytes = encodeModel({
      irVersion: IR_VERSION[opset], opset, producerName: 'torchlet', producerVersion: '1.13', graphName: model.constructor.name || 'graph',
      nodes: ex.g.nodes, initializers: ex.g.inits, inputs: graphInputs, outputs: graphOutputs,
    });
    writeAtomic(f, bytes);
  } finally {
    for (const [m, mode] of modes) m.training = mode;
    for (const t of examples) t.dispose();
  }
}

/**
 * Drops the nodes no output depends on and the initializers no node reads: what the forward computed
 * only for itself (e.g. embedding's index range check, read back with item()).
 */
function prune(g: Builder, outputs: string[]): void {
  const need = new Set(outputs);
  const keep: NodeDef[] = [];
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const nd = g.nodes[k];
    if (!nd.outputs.some((o) => need.has(o))) continue;
    keep.push(nd);
    for (const x of nd.inputs) need.add(x);
  }
  g.nodes = keep.reverse();
  g.inits = g.inits.filter((t) => need.has(t.name));
}

function outputTensors(r: unknown): Tensor[] {
  if (r instanceof Tensor) return [r];
  if (Array.isArray(r) && r.length && r.every((t) => t instanceof Tensor)) return r as Tensor[];
  return typeArg('model', 'a module whose forward returns a Tensor or an array of Tensors', describe(r));
}

/** Writes bytes to a temporary file next to `f` and renames it to `f`; on failure the temporary file is removed. */
function writeAtomic(f: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(path.resolve(f)), `.${path.basename(f)}.${process.pid}.${Date.now()}.tmp`);
  withIo(`cannot write ${f}`, () => {
    try {
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, f);
    } catch (e) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing was written
      }
      throw e;
    }
  });
}

export { exportModel as export };
