// lib/tensor.ts — Tensor: a typed view (shape, strides, offset, dtype, device) of native storage,
// with the autograd tape (gradFn), creation functions, memory ownership (dispose / tidy / keep,
// native finalisers as the safety net) and the global random generator.
// Ops live in lib/ops/*; the methods here forward to them.
// Devices: a tensor lives on 'cpu' or 'cuda:0' (see device.ts); ops run on their operands' device
// and create their outputs there; `to(device)` / `cuda()` / `cpu()` copy (differentiably), and
// reading (`toArray`, `tolist`, `item`, `data`) copies back from the device, waiting for its work.
import type { Storage, TensorArg, RandomKindCode } from '../binding';
import { native, enableDeviceChecks, enums } from './binding';
import { invalidArg, typeArg, TorchletError, describe } from './errors';
import { Device, DeviceType, parseDevice, normalizeDevice, deviceCode, noCudaError, cudaAvailable } from './device';
import * as E from './ops/elementwise';
import * as R from './ops/reduce';
import * as S from './ops/shape';
import * as M from './ops/matmul';

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type { Device, DeviceType } from './device';
export { parseDevice } from './device';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
export type NestedArray = number | boolean | NestedArray[];

export const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int64: 2, uint8: 3, int32: 4, bool: 3 };
export const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];
const ARRAY_OF: Record<DType, { new (b: ArrayBuffer): TypedArray }> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};
export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}
export function checkDType(name: string, d: unknown): DType {
  if (typeof d !== 'string' || !DTYPES.includes(d as DType)) typeArg(name, `one of ${DTYPES.join(', ')}`, d);
  return d as DType;
}

// ---- memory accounting --------------------------------------------------------------------------
// Live storages per device kind (index: native device code, 0 CPU, 1 CUDA).
const live = [
  { tensors: 0, bytes: 0 },
  { tensors: 0, bytes: 0 },
];
const storageRegistry = new FinalizationRegistry<[number, number]>(([dev, bytes]) => {
  live[dev].tensors--;
  live[dev].bytes -= bytes;
});

/** A native storage shared by every view of it; freed when the last view is disposed. */
export class StorageRef {
  refs = 0;
  freed = false;
  private readonly dev: number;
  constructor(public readonly native: Storage, public readonly bytes: number) {
    this.dev = native.device === 1 ? 1 : 0;
    live[this.dev].tensors++;
    live[this.dev].bytes += bytes;
    storageRegistry.register(this, [this.dev, bytes], this);
  }
  release(): void {
    if (--this.refs <= 0 && !this.freed) {
      this.freed = true;
      this.native.free();
      storageRegistry.unregister(this);
      live[this.dev].tensors--;
      live[this.dev].bytes -= this.bytes;
    }
  }
}
export interface CpuMemory {
  storages: number;
  bytes: number;
  cachedBytes: number;
  systemAllocs: number;
}
export interface CudaMemory {
  /** Live tensor storages on CUDA devices and their bytes (as requested). */
  storages: number;
  bytes: number;
  /** Bytes in live device blocks, tensors and kernel temporaries (size-class rounded): torch.cuda.memoryAllocated(). */
  allocatedBytes: number;
  /** Freed device blocks the caching allocator keeps for reuse. */
  cachedBytes: number;
  /** Highest allocatedBytes so far. */
  peakBytes: number;
  /** cudaMalloc calls so far (cache misses: constant across steady-state training steps). */
  systemAllocs: number;
}
/**
 * Live tensor storages and their bytes per device; for the CPU also the freed large blocks the
 * allocator keeps for reuse (`cachedBytes`) and how many large blocks it has had to request from
 * the operating system so far (`systemAllocs`: constant across steady-state training steps); the
 * same for CUDA's caching device allocator (all zero where there is no CUDA).
 */
export function memory(): { cpu: CpuMemory; cuda: CudaMemory } {
  const c = native.cudaMemory();
  return {
    cpu: { storages: live[0].tensors, bytes: live[0].bytes, cachedBytes: native.hostCache(), systemAllocs: native.hostSystemAllocs() },
    cuda: {
      storages: live[1].tensors, bytes: live[1].bytes, allocatedBytes: c.allocated, cachedBytes: c.cached, peakBytes: c.peak,
      systemAllocs: c.mallocs,
    },
  };
}

// tidy scopes
type Scope = Tensor[];
const scopes: Scope[] = [];
type Returned = Tensor | Returned[] | { [k: string]: Returned } | unknown;
function collect(v: Returned, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || v === null || v === undefined) return;
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => collect(x, out, depth + 1));
  else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    Object.values(v as object).forEach((x) => collect(x, out, depth + 1));
}
/** Runs fn; disposes every tensor created inside except those returned (or kept). */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new TorchletError('torchlet: tidy() does not accept an async function');
  const keepSet = new Set<Tensor>();
  collect(result as Returned, keepSet);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) {
      if (parent) parent.push(t);
    } else if (!t.kept) t.dispose();
  }
  return result;
}
/** Marks a tensor as outliving any tidy() scope it was created in. */
export function keep<T extends Tensor | null | undefined>(t: T): T {
  if (t) t.kept = true;
  return t;
}

// ---- grad mode and the tape -------------------------------------------------------------------
let gradEnabled = true;
export function isGradEnabled(): boolean {
  return gradEnabled;
}
/** Runs fn with gradient recording off (like `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export interface GradFn {
  name: string;
  inputs: (Tensor | null)[];
  /** Gradients w.r.t. inputs (null where an input needs none), given the output gradient. */
  backward(grad: Tensor): (Tensor | null)[];
}

/** Attaches a gradient function to `out` when recording and some input requires grad. */
export function record<T extends Tensor>(
  out: T,
  inputs: (Tensor | null)[],
  name: string,
  backward: (g: Tensor) => (Tensor | null)[],
): T {
  if (gradEnabled && inputs.some((t) => t && t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward };
  }
  return out;
}

// ---- random generator -------------------------------------------------------------------------
const generator = { seed: 67280421310721, offset: 0 };
/** Seeds the global generator (all random ops, initialisers and dropout draw from it). */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0)
    typeArg('seed', 'a non-negative integer', seed);
  generator.seed = seed % 2 ** 53;
  generator.offset = 0;
}
export function initialSeed(): number {
  return generator.seed;
}
/** Reserves n counters of the generator's stream and returns [seed, offset]. */
export function nextRandom(n: number): [number, number] {
  const off = generator.offset;
  generator.offset += Math.ceil(n / 4) * 4 + 4;
  if (generator.offset > 2 ** 52) generator.offset = 0;
  return [generator.seed, off];
}
export function getRngState(): { seed: number; offset: number } {
  return { ...generator };
}
export function setRngState(s: { seed: number; offset: number }): void {
  generator.seed = s.seed;
  generator.offset = s.offset;
}

// ---- helpers ----------------------------------------------------------------------------------
export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
export function normDim(dim: number, ndim: number, name = 'dim'): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) typeArg(name, 'an integer', dim);
  const n = Math.max(ndim, 1);
  if (dim < -n || dim >= n) invalidArg(name, `a dimension in [${-n}, ${n - 1}]`, dim);
  return dim < 0 ? dim + n : dim;
}

// ---- Tensor -----------------------------------------------------------------------------------
export class Tensor {
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly dtype: DType;
  /** 'cpu' or 'cuda:N' (normalised). */
  readonly device: Device;
  requiresGrad = false;
  grad: Tensor | null = null;
  gradFn: GradFn | null = null;
  /** true once this tensor should outlive tidy() scopes (parameters, grads, optimizer state). */
  kept = false;
  /** @internal */ _storage: StorageRef;
  private _disposed = false;

  /** @internal use the creation functions (torch.tensor, torch.zeros, ...) instead. */
  constructor(storage: StorageRef, shape: number[], dtype: DType, device: DeviceType, strides?: number[], offset = 0) {
    this._storage = storage;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtype;
    this.device = device === 'cpu' ? 'cpu' : device === 'cuda' ? 'cuda:0' : device;
    storage.refs++;
    const scope = scopes[scopes.length - 1];
    if (scope) scope.push(this);
  }

  /** A new, uninitialised (or zeroed) contiguous tensor. */
  static empty(shape: number[], dtype: DType = 'float32', device: DeviceType = 'cpu', zero = false): Tensor {
    const n = numelOf(shape);
    const code = deviceCode(device);
    if (code !== 0) {
      if (!cudaAvailable()) throw noCudaError(device);
      enableDeviceChecks();
    }
    const st = new native.Storage(DTYPE_CODE[dtype], n, code, zero);
    return new Tensor(new StorageRef(st, st.nbytes), shape, dtype, device);
  }

  get ndim(): number {
    return this.shape.length;
  }
  numel(): number {
    return numelOf(this.shape);
  }
  size(dim?: number): number | number[] {
    return dim === undefined ? this.shape.slice() : this.shape[normDim(dim, this.ndim)];
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get disposed(): boolean {
    return this._disposed || this._storage.freed;
  }
  isContiguous(): boolean {
    let s = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== s) return false;
      s *= this.shape[i];
    }
    return true;
  }
  /** @internal the native argument for a contiguous tensor. */
  arg(): TensorArg {
    if (this.disposed) throw new TorchletError('torchlet: this tensor was disposed', 'ERR_TORCHLET_DISPOSED');
    if (!this.isContiguous()) throw new TorchletError('torchlet: internal: kernel given a non-contiguous tensor');
    return [this._storage.native, this.offset, this.shape];
  }
  /** @internal the native argument for a strided read: [storage, offset, [span]]. */
  stridedArg(): TensorArg {
    if (this.disposed) throw new TorchletError('torchlet: this tensor was disposed', 'ERR_TORCHLET_DISPOSED');
    let span = 1;
    for (let i = 0; i < this.shape.length; i++) {
      if (this.shape[i] === 0) return [this._storage.native, this.offset, [0]];
      span += (this.shape[i] - 1) * Math.abs(this.strides[i]);
    }
    return [this._storage.native, this.offset, [span]];
  }

  /** Frees the storage now (once no other view uses it). Safe to call twice. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._storage.release();
    this.gradFn = null;
  }

  toString(): string {
    const dev = this.device === 'cpu' ? '' : `, device=${this.device}`;
    return `tensor(${JSON.stringify(this.disposed ? '<disposed>' : this.tolist())}, dtype=${this.dtype}${dev})`;
  }

  // ---- reading ----
  /** A contiguous copy of the data as a typed array (BigInt64Array for int64). */
  toArray(): TypedArray {
    const c = this.isContiguous() ? this : this.contiguous();
    const buf = c._storage.native.read(c.offset, c.numel());
    if (c !== this) c.dispose();
    return new ARRAY_OF[this.dtype](buf);
  }
  async data(): Promise<TypedArray> {
    return this.toArray();
  }
  /** Nested arrays of numbers (int64 converted to number, bool to boolean). */
  tolist(): NestedArray {
    const flat = this.toArray();
    const conv = (i: number): number | boolean =>
      this.dtype === 'int64' ? Number((flat as BigInt64Array)[i]) : this.dtype === 'bool' ? flat[i] !== 0 : (flat[i] as number);
    if (this.ndim === 0) return conv(0);
    let idx = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(d === this.ndim - 1 ? conv(idx++) : build(d + 1));
      return out;
    };
    return build(0);
  }
  item(): number {
    if (this.numel() !== 1) invalidArg('item()', 'a tensor with one element', this);
    const v = this.toArray()[0];
    return typeof v === 'bigint' ? Number(v) : v;
  }

  // ---- autograd ----
  /** Back-propagates from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor): void {
    backward(this, gradient);
  }
  detach(): Tensor {
    return new Tensor(this._storage, this.shape.slice(), this.dtype, this.device, this.strides.slice(), this.offset);
  }
  requiresGrad_(flag = true): this {
    if (flag && !isFloating(this.dtype))
      invalidArg('requiresGrad', 'a floating-point tensor (only those can require gradients)', this);
    if (!flag && this.gradFn) throw new TorchletError('torchlet: requiresGrad_(false) is only allowed on leaf tensors');
    this.requiresGrad = flag;
    return this;
  }

  // ---- moving / converting ----
  /**
   * A copy on another device ('cpu', 'cuda', 'cuda:0') or of another dtype; `this` itself when
   * nothing changes (as PyTorch). Differentiable: the gradient flows back to this tensor's device
   * and dtype. `to(device, dtype)` does both.
   */
  to(target: DType | DeviceType | string, dtype?: DType): Tensor {
    if (DTYPES.includes(target as DType)) return E.cast(this, target as DType);
    if (typeof target !== 'string' || !/^(cpu|cuda)(:\d+)?$/.test(target))
      typeArg('to()', `a dtype (${DTYPES.join(', ')}) or a device ('cpu', 'cuda', 'cuda:N')`, target);
    const dev = parseDevice('device', target);
    const moved = dev === this.device ? this : toDevice(this, dev);
    if (dtype === undefined || dtype === moved.dtype) return moved;
    const cast = E.cast(moved, checkDType('dtype', dtype));
    if (moved !== this) moved.dispose();
    return cast;
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(device: DeviceType = 'cuda'): Tensor {
    if (normalizeDevice('device', device) === 'cpu') typeArg('device', "a CUDA device ('cuda' or 'cuda:N')", device);
    return this.to(device);
  }
  /** @internal Moves this tensor's data to `dev` in place (new contiguous storage; identity kept): Module.to. */
  _moveTo(dev: Device): void {
    if (dev === this.device) return;
    const moved = noGrad(() => toDevice(this, dev));
    const self = this as unknown as { device: Device; strides: number[]; offset: number };
    this._storage.release();
    this._storage = moved._storage;
    this._storage.refs++;
    self.device = dev;
    self.strides = contiguousStrides(this.shape);
    self.offset = 0;
    moved.dispose();
    if (this.grad) {
      const g = this.grad;
      this.grad = keep(noGrad(() => toDevice(g, dev)));
      g.dispose();
    }
  }
  float(): Tensor {
    return E.cast(this, 'float32');
  }
  double(): Tensor {
    return E.cast(this, 'float64');
  }
  long(): Tensor {
    return E.cast(this, 'int64');
  }
  clone(): Tensor {
    return E.clone(this);
  }

  // ---- shape ----
  contiguous(): Tensor {
    return this.isContiguous() ? this : E.clone(this);
  }
  view(...shape: (number | number[])[]): Tensor {
    return S.view(this, shape.flat());
  }
  reshape(...shape: (number | number[])[]): Tensor {
    return S.reshape(this, shape.flat());
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }
  permute(...dims: (number | number[])[]): Tensor {
    return S.permute(this, dims.flat());
  }
  transpose(d0: number, d1: number): Tensor {
    return S.transpose(this, d0, d1);
  }
  t(): Tensor {
    return S.transpose(this, 0, 1);
  }
  unsqueeze(dim: number): Tensor {
    return S.unsqueeze(this, dim);
  }
  squeeze(dim?: number): Tensor {
    return S.squeeze(this, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return S.narrow(this, dim, start, length);
  }
  index(i: number): Tensor {
    return S.select(this, 0, i);
  }
  select(dim: number, i: number): Tensor {
    return S.select(this, dim, i);
  }
  expand(...shape: (number | number[])[]): Tensor {
    return S.expand(this, shape.flat());
  }

  // ---- math ----
  add(o: Tensor | number, opts?: { alpha?: number }): Tensor {
    return E.add(this, o, opts);
  }
  sub(o: Tensor | number, opts?: { alpha?: number }): Tensor {
    return E.sub(this, o, opts);
  }
  mul(o: Tensor | number): Tensor {
    return E.mul(this, o);
  }
  div(o: Tensor | number): Tensor {
    return E.div(this, o);
  }
  pow(o: Tensor | number): Tensor {
    return E.pow(this, o);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  eq(o: Tensor | number): Tensor {
    return E.compare('eq', this, o);
  }
  ne(o: Tensor | number): Tensor {
    return E.compare('ne', this, o);
  }
  lt(o: Tensor | number): Tensor {
    return E.compare('lt', this, o);
  }
  le(o: Tensor | number): Tensor {
    return E.compare('le', this, o);
  }
  gt(o: Tensor | number): Tensor {
    return E.compare('gt', this, o);
  }
  ge(o: Tensor | number): Tensor {
    return E.compare('ge', this, o);
  }
  matmul(o: Tensor): Tensor {
    return M.matmul(this, o);
  }
  sum(dim?: number | number[] | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[] | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.maxAll(this, 'max') : R.maxDim(this, dim, keepdim, 'max');
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.maxAll(this, 'min') : R.maxDim(this, dim, keepdim, 'min');
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim, 'argmax');
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim, 'argmin');
  }

  // ---- in place (no autograd; for initialisers and optimizers) ----
  /** Copies src's values into this tensor (shapes must match; dtype converted). */
  copy_(src: Tensor): this {
    if (src.shape.join() !== this.shape.join())
      invalidArg('src', `a tensor of shape [${this.shape.join(', ')}]`, src);
    // from another device: bring src over first (contiguous), then convert/scatter on this device
    const s = src.device === this.device ? src : noGrad(() => toDevice(src, this.device));
    native.copyStrided(s.stridedArg(), this.stridedArg(), { srcStrides: s.strides, outStrides: this.strides, shape: this.shape });
    if (s !== src) s.dispose();
    return this;
  }
  fill_(v: number): this {
    if (this.isContiguous()) native.fill(this.arg(), { value: v });
    else {
      const t = full(this.shape, v, { dtype: this.dtype, device: this.device });
      this.copy_(t);
      t.dispose();
    }
    return this;
  }
  zero_(): this {
    return this.fill_(0);
  }
}

// ---- moving between devices ---------------------------------------------------------------------
/** A contiguous copy of t on `dev` (same dtype); records the gradient back to t's device. */
function toDevice(t: Tensor, dev: Device): Tensor {
  if (t.disposed) throw new TorchletError('torchlet: this tensor was disposed', 'ERR_TORCHLET_DISPOSED');
  const src = t.isContiguous() ? t : E.clone(t);
  const out = Tensor.empty(t.shape.slice(), t.dtype, dev);
  native.copyDevice(src._storage.native, src.offset, out._storage.native, 0, t.numel());
  if (src !== t) src.dispose();
  return record(out, [t], 'ToCopyBackward', (g) => [g.device === t.device ? g : toDevice(g, t.device)]);
}

// ---- backward engine --------------------------------------------------------------------------
function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad)
    throw new TorchletError('torchlet: backward() on a tensor that does not require grad and has no grad_fn');
  if (!gradient && root.numel() !== 1)
    invalidArg('gradient', 'a gradient tensor (backward() without one needs a scalar output)', root);
  // topological order by iterative DFS
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c && c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  // Every gradient in `grads` is owned by the engine (never aliased), so it can be disposed once used —
  // except the caller's `gradient`, which is used in place (no copy) and never disposed: it is copied
  // only if it (or a view of it) would become a leaf's .grad.
  const borrowed = gradient ?? null;
  const drop = (x: Tensor) => {
    if (x !== borrowed) x.dispose();
  };
  const own = (x: Tensor) => (borrowed && x._storage === borrowed._storage ? E.clone(x) : x); // views of it too
  const grads = new Map<Tensor, Tensor>();
  noGrad(() => {
    grads.set(root, gradient ?? onesLike(root));
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.gradFn) {
        if (t.requiresGrad) {
          if (t.grad) {
            const total = E.add(t.grad, g);
            t.grad.dispose();
            drop(g);
            t.grad = keep(total);
          } else t.grad = keep(own(g));
        } else drop(g);
        continue;
      }
      const fn = t.gradFn;
      const ins = fn.backward(g);
      t.gradFn = null; // free the graph (retain_graph=false)
      const used = new Set<Tensor>();
      fn.inputs.forEach((inp, j) => {
        let gi = ins[j];
        if (!inp || !gi || !inp.requiresGrad) return;
        if (used.has(gi)) gi = E.clone(gi); // the same tensor returned for two inputs
        used.add(gi);
        const prev = grads.get(inp);
        if (prev) {
          grads.set(inp, E.add(prev, gi));
          drop(prev);
          drop(gi);
        } else grads.set(inp, gi);
      });
      for (const gi of ins) if (gi && !used.has(gi) && gi !== g) drop(gi);
      if (!used.has(g)) drop(g);
    }
  });
}

// ---- creation ---------------------------------------------------------------------------------
export interface CreateOptions {
  dtype?: DType;
  /** 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: DeviceType | string;
  requiresGrad?: boolean;
}
function finish(t: Tensor, opts?: CreateOptions): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}
export function checkShape(name: string, shape: unknown): number[] {
  const s = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(s) || !s.every((x) => typeof x === 'number' && Number.isInteger(x)))
    typeArg(name, 'an array of integers', shape);
  if (!(s as number[]).every((x) => x >= 0)) invalidArg(name, 'non-negative sizes', shape);
  return (s as number[]).slice();
}
function typedFor(dtype: DType, n: number): TypedArray {
  return new ARRAY_OF[dtype](new ArrayBuffer(n * (dtype === 'float64' || dtype === 'int64' ? 8 : dtype === 'float32' || dtype === 'int32' ? 4 : 1)));
}

/** torch.tensor: from nested arrays, a number or a typed array (a copy). */
export function tensor(data: NestedArray | TypedArray, opts: CreateOptions = {}): Tensor {
  const device = parseDevice('device', opts.device);
  if (ArrayBuffer.isView(data)) {
    const inferred: DType =
      data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64'
        : data instanceof Int32Array ? 'int32' : 'uint8';
    const t = fromBuffer(data as TypedArray, [(data as TypedArray).length], { device });
    if (opts.dtype && opts.dtype !== inferred) {
      const c = E.cast(t, opts.dtype);
      t.dispose();
      return finish(c, opts);
    }
    return finish(t, opts);
  }
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  const flat: (number | boolean)[] = [];
  const walk = (x: NestedArray, depth: number): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number' && typeof x !== 'boolean') typeArg('data', 'numbers or booleans', x);
      flat.push(x as number | boolean);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth])
      invalidArg('data', `a rectangular nested array (length ${shape[depth]} at depth ${depth})`, x);
    for (const y of x as NestedArray[]) walk(y, depth + 1);
  };
  walk(data, 0);
  let dtype: DType | undefined = opts.dtype;
  if (!dtype) {
    if (flat.length && flat.every((x) => typeof x === 'boolean')) dtype = 'bool';
    else if (flat.length && flat.every((x) => typeof x === 'number' && Number.isInteger(x))) dtype = 'int64';
    else dtype = 'float32';
  }
  checkDType('dtype', dtype);
  const arr = typedFor(dtype, flat.length);
  if (dtype === 'int64') flat.forEach((x, i) => ((arr as BigInt64Array)[i] = BigInt(Math.trunc(Number(x)))));
  else flat.forEach((x, i) => ((arr as Float32Array)[i] = Number(x)));
  const t = Tensor.empty(shape, dtype, device);
  if (flat.length) t._storage.native.write(arr, 0);
  return finish(t, opts);
}

/** Wraps a copy of a typed array as a tensor of the given shape (default 1-D). */
export function fromBuffer(data: TypedArray, shape?: number[], opts: { dtype?: DType; device?: DeviceType | string } = {}): Tensor {
  const device = parseDevice('device', opts.device);
  if (!ArrayBuffer.isView(data)) typeArg('data', 'a typed array', data);
  const dtype: DType =
    opts.dtype ??
    (data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64'
      : data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'uint8' : typeArg('data', 'a Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array', data));
  const s = shape ? checkShape('shape', shape) : [data.length];
  if (numelOf(s) !== data.length) invalidArg('shape', `a shape with ${data.length} elements`, s);
  const t = Tensor.empty(s, dtype, device);
  if (data.length) t._storage.native.write(data, 0);
  return t;
}

export function empty(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  const device = parseDevice('device', opts.device);
  return finish(Tensor.empty(checkShape('shape', shape), checkDType('dtype', opts.dtype ?? 'float32'), device), opts);
}
export function zeros(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  const device = parseDevice('device', opts.device);
  return finish(Tensor.empty(checkShape('shape', shape), checkDType('dtype', opts.dtype ?? 'float32'), device, true), opts);
}
export function full(shape: number[] | number, value: number, opts: CreateOptions = {}): Tensor {
  const t = empty(shape, { ...opts, requiresGrad: false });
  native.fill(t.arg(), { value });
  return finish(t, opts);
}
export function ones(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts, device: opts.device ?? t.device });
}
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts, device: opts.device ?? t.device });
}
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) invalidArg('step', 'a non-zero number', step);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = opts.dtype ?? (allInt ? 'int64' : 'float32');
  const arr = typedFor(dtype, n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'int64') (arr as BigInt64Array)[i] = BigInt(start + i * step);
    else (arr as Float32Array)[i] = start + i * step;
  }
  return finish(fromBuffer(arr, [n], { dtype, device: opts.device }), opts);
}
function randomFill(kind: RandomKindCode, shape: number[] | number, a: number, b: number, opts: CreateOptions): Tensor {
  const dtype = opts.dtype ?? 'float32';
  if (!isFloating(dtype)) invalidArg('dtype', 'a floating-point dtype', dtype);
  const t = empty(shape, { dtype, device: opts.device });
  const [seed, off] = nextRandom(t.numel());
  native.random(t.arg(), { kind, a, b, seed, offset: off });
  return finish(t, opts);
}
/** Standard normal samples. */
export function randn(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  return randomFill(enums.RandomKind.Normal, shape, 0, 1, opts);
}
/** Uniform samples in [0, 1). */
export function rand(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  return randomFill(enums.RandomKind.Uniform, shape, 0, 1, opts);
}
/** In-place fills used by nn.init. */
export function uniform_(t: Tensor, a: number, b: number): Tensor {
  const [seed, off] = nextRandom(t.numel());
  native.random(t.arg(), { kind: enums.RandomKind.Uniform, a, b, seed, offset: off });
  return t;
}
export function normal_(t: Tensor, mean: number, std: number): Tensor {
  const [seed, off] = nextRandom(t.numel());
  native.random(t.arg(), { kind: enums.RandomKind.Normal, a: mean, b: std, seed, offset: off });
  return t;
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
export function checkTensor(name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) typeArg(name, 'a Tensor', x);
  if ((x as Tensor).disposed) throw new TorchletError(`torchlet: ${name} was disposed`, 'ERR_TORCHLET_DISPOSED');
  return x as Tensor;
}
export { describe };
