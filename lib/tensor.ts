// lib/tensor.ts — Tensor: a typed view (shape, strides, offset, dtype, device) of native storage.
// Contract: a Tensor holds one reference to a StorageRef (memory.ts) and never owns more; views
// (view, permute, narrow, expand, ...) share it. Its methods forward to the ops in lib/ops/*, which
// validate arguments and record gradients (autograd.ts); creation functions live in creation.ts,
// the generator in random.ts. Devices: a tensor lives on 'cpu' or 'cuda:0' (see device.ts); ops run
// on their operands' device and create their outputs there; `to(device)` / `cuda()` / `cpu()` copy
// (differentiably), and reading (`toArray`, `tolist`, `item`, `data`) copies back from the device,
// waiting for its work. Also here: dtypes and the shape/stride helpers the ops share.
import type { TensorArg } from '../binding';
import { native } from './binding';
import { invalidArg, typeArg, shapeError, dtypeError, deviceError, disposedError, internalError, TorchletRangeError, TorchletError, describe, noExtraArgs, checkOptionKeys } from './errors';
import { Device, DeviceType, parseDevice, normalizeDevice, deviceCode, noCudaError, cudaAvailable } from './device';
import { StorageRef, allocStorage, keep, trackTensor } from './memory';
import { GradFn, BackwardOptions, backward, noGrad, record, retainTensorGrad, tensorRetainsGrad, registerTensorHook, isGradEnabled, autogradError } from './autograd';
import type { TensorHook, RemovableHandle } from './autograd';
import { full, zeros, ones, empty, tensor as makeTensor, uniform_ as uniformFill, normal_ as normalFill } from './creation';
import type { CreateOptions } from './creation';
import * as E from './ops/elementwise';
import * as R from './ops/reduce';
import * as S from './ops/shape';
import * as M from './ops/matmul';
import * as P5_MM from './ops/matmul_more';
import * as P5_LA from './ops/linalg';
import * as Scan from './ops/scan';
import { inplace, reluInplace } from './ops/inplace';
import * as I from './ops/index';
import * as O from './ops/sort';
import { softmax as softmaxOp, logSoftmax as logSoftmaxOp } from './ops/activation';
import { bernoulli as bernoulliOp, multinomial as multinomialOp } from './creation';
import type { Generator } from './random';
import { formatTensor } from './print';
import * as SM from './ops/shape_more';
import * as P6S from './ops/stats';
import * as P6E from './ops/elementwise_more';
import * as SPC from './ops/special';

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type { Device, DeviceType } from './device';
export { parseDevice } from './device';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
export type NestedArray = number | boolean | NestedArray[];

export const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int64: 2, uint8: 3, int32: 4, bool: 3 };
/** The most elements toArray() returns: V8's longest typed array (2^32 elements on 64-bit Node 20). */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;
/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Record<DType, number> = { float32: 4, float64: 8, int64: 8, uint8: 1, int32: 4, bool: 1 };
export const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];
/** @internal the typed array class of each dtype. */
export const ARRAY_OF: Record<DType, { new (b: ArrayBuffer): TypedArray }> = {
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
  if (typeof d !== 'string' || !DTYPES.includes(d as DType)) dtypeError(name, `one of ${DTYPES.join(', ')}`, d);
  return d as DType;
}
// ---- helpers ----------------------------------------------------------------------------------
/**
 * Whether two elements of t may share a memory location: an expanded dim (stride 0), or windows that
 * overlap (Tensor.unfold with step < size). Dims sorted by stride, each stride must exceed the span of
 * the smaller ones, else it counts as overlapping (strides only asStrided could make are refused too).
 * In-place writes refuse such tensors: PyTorch refuses the stride-0 case and writes overlapping windows
 * in its kernels' order (x.unfold(0, 2, 1).mul_(2) multiplies the shared elements twice there).
 */
export function hasInternalOverlap(t: { shape: readonly number[]; strides: readonly number[] }): boolean {
  const { shape, strides } = t;
  for (const n of shape) if (n === 0) return false;
  // every in-place op asks: the usual layouts (strides growing from the last dim) are walked without
  // allocating; other orders are sorted first
  let span = 0;
  let prev = 0;
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] <= 1) continue;
    const st = Math.abs(strides[k]);
    if (st < prev) return overlapSorted(shape, strides);
    if (st <= span) return true;
    span += st * (shape[k] - 1);
    prev = st;
  }
  return false;
}
function overlapSorted(shape: readonly number[], strides: readonly number[]): boolean {
  const dims = shape.map((n, k) => [n, Math.abs(strides[k])]).filter(([n]) => n > 1);
  dims.sort((a, b) => a[1] - b[1]);
  let span = 0;
  for (const [n, st] of dims) {
    if (st <= span) return true;
    span += st * (n - 1);
  }
  return false;
}
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

/**
 * Checks a view of a storage before any native code can touch it: sizes non-negative integers, one
 * non-negative integer stride per dimension (negative strides are refused, as PyTorch's as_strided
 * does), a non-negative integer offset, the storage's dtype, and every element the view can reach
 * (offset + sum of index * stride) inside the storage.
 */
function checkView(storage: StorageRef, shape: unknown, dtype: DType, strides: unknown, offset: unknown): void {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0))
    typeArg('shape', 'an array of non-negative integer sizes', shape);
  if (!DTYPES.includes(dtype) || DTYPE_CODE[dtype] !== storage.dtypeCode)
    dtypeError('dtype', `the dtype of the storage (code ${storage.dtypeCode})`, dtype);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) invalidArg('offset', 'a non-negative integer storage offset', offset);
  if (strides === undefined) strides = contiguousStrides(shape);
  if (!Array.isArray(strides) || strides.length !== shape.length || !strides.every((s) => Number.isSafeInteger(s) && s >= 0))
    invalidArg('strides', `an array of ${shape.length} non-negative integer strides`, strides);
  const capacity = Math.floor(storage.bytes / DTYPE_SIZE[dtype]);
  let last = offset as number;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return; // an empty view reaches nothing
    last += (shape[i] - 1) * (strides as number[])[i];
  }
  if (last >= capacity)
    invalidArg('strides', `a view inside its storage of ${capacity} elements (this one reaches element ${last}, offset ${offset})`, strides);
}

/**
 * The sizes (or dims) of a PyTorch-style varargs method: x.view(2, -1) or x.view([2, -1]); one array
 * followed by more arguments, or an array among numbers, is refused (it used to be flattened).
 */
function sizeArgs(fn: string, args: (number | number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0];
  if (args.some((a) => Array.isArray(a)))
    invalidArg(`${fn}()`, 'either one array of sizes or the sizes as separate numbers', args);
  return args as number[];
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
  constructor(storage: StorageRef, shape: number[], dtype: DType, device: DeviceType, strides?: number[], offset = 0, ...rest: never[]) {
    // (not wrapped by lib/strict.ts: tensors are created on every op, so the check is this one test)
    if (rest.length) noExtraArgs('Tensor', 'storage, shape, dtype, device, strides, offset', rest);
    if (!(storage instanceof StorageRef))
      typeArg('storage', 'a StorageRef (create tensors with torch.tensor, torch.zeros, ...)', storage);
    checkView(storage, shape, dtype, strides, offset);
    this._storage = storage;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtype;
    this.device = device === 'cpu' ? 'cpu' : device === 'cuda' ? 'cuda:0' : device;
    if (storage.refs === 0 && storage.owner === null) storage.owner = this;
    storage.refs++;
    trackTensor(this);
  }

  /** A new, uninitialised (or zeroed) contiguous tensor. */
  static empty(shape: number[], dtype: DType = 'float32', device: DeviceType = 'cpu', zero = false): Tensor {
    const n = numelOf(shape);
    const code = deviceCode(device);
    if (code !== 0 && !cudaAvailable()) throw noCudaError(device);
    return new Tensor(allocStorage(DTYPE_CODE[dtype], n, code, zero), shape, dtype, device);
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
    if (this.disposed) throw disposedError();
    if (!this.isContiguous()) throw internalError('kernel given a non-contiguous tensor');
    return [this._storage.native, this.offset, this.shape];
  }
  /** @internal the native argument for a strided read: [storage, offset, [span]]. */
  stridedArg(): TensorArg {
    if (this.disposed) throw disposedError();
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

  /** PyTorch's repr: `tensor([[ 0.1000, -2.0000], ...], dtype=torch.float64)` (lib/print.ts; torch.setPrintoptions). */
  toString(): string {
    return formatTensor(this);
  }
  /** console.log(t) and util.inspect print toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- reading ----
  /**
   * A contiguous copy of the data as a typed array (BigInt64Array for int64). A tensor of more
   * elements than a typed array can hold (2^32) is an error (ERR_TORCHLET_INVALID_ARG) before anything
   * is copied; memory that cannot be had for the copy is ERR_TORCHLET_OUT_OF_MEMORY.
   */
  toArray(): TypedArray {
    if (this.disposed) throw disposedError();
    if (this.numel() > MAX_TYPED_ARRAY_LENGTH)
      invalidArg('toArray()', `a tensor of at most ${MAX_TYPED_ARRAY_LENGTH} elements (the longest typed array)`, this);
    const c = this.isContiguous() ? this : this.contiguous();
    const buf = c._storage.native.read(c.offset, c.numel());
    if (c !== this) c.dispose();
    return new ARRAY_OF[this.dtype](buf);
  }
  /**
   * The elements as a typed array, like toArray(), as a promise. On a CUDA device the event loop is
   * not held while the device finishes its queued work: the values are snapshotted on the device at
   * the call (later in-place changes do not reach the result; the tensor may be disposed at once) and
   * read back on a worker thread.
   */
  async data(): Promise<TypedArray> {
    if (this.disposed) throw disposedError();
    if (this.device === 'cpu') return this.toArray();
    if (this.numel() > MAX_TYPED_ARRAY_LENGTH)
      invalidArg('data()', `a tensor of at most ${MAX_TYPED_ARRAY_LENGTH} elements (the longest typed array)`, this);
    const c = this.isContiguous() ? this : this.contiguous();
    const pending = c._storage.native.readAsync(c.offset, c.numel());
    if (c !== this) c.dispose();
    return new ARRAY_OF[this.dtype](await pending);
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
    if (this.numel() !== 1) shapeError('item()', 'a tensor with one element', this);
    const v = this.toArray()[0];
    return typeof v === 'bigint' ? Number(v) : v;
  }

  // ---- autograd ----
  /**
   * Back-propagates from this tensor (a scalar unless `gradient` is given). Options (as the second
   * argument, or the first when there is no gradient): `retainGraph` keeps the graph for another
   * backward; `createGraph` records the backward pass so that the gradients can be differentiated again
   * (retainGraph then defaults to true); `inputs` accumulates only into those tensors' .grad.
   */
  backward(gradient?: Tensor | BackwardOptions | null, opts?: BackwardOptions): void {
    const plain = typeof gradient === 'object' && gradient !== null && Object.getPrototypeOf(gradient) === Object.prototype;
    if (plain && opts === undefined)
      backward(this, undefined, gradient as BackwardOptions);
    else backward(this, gradient as Tensor | null | undefined, opts);
  }
  /**
   * Keeps this non-leaf tensor's gradient in `.grad` after backward (leaves always keep theirs), as
   * PyTorch's retain_grad(); an error on a tensor that does not require grad.
   */
  retainGrad(...rest: never[]): void {
    noExtraArgs('retainGrad', '', rest);
    retainTensorGrad(this);
  }
  /** Whether backward stores this tensor's gradient in `.grad` though it is not a leaf (retainGrad()). */
  get retainsGrad(): boolean {
    return tensorRetainsGrad(this);
  }
  /**
   * Registers `hook(grad)`, called with this tensor's gradient each time backward (or autograd.grad)
   * computes it, before it is used or accumulated; a returned tensor (same shape, dtype and device)
   * replaces the gradient. Returns a handle whose remove() unregisters it.
   */
  registerHook(hook: TensorHook, ...rest: never[]): RemovableHandle {
    noExtraArgs('registerHook', 'hook', rest);
    return registerTensorHook(this, hook);
  }
  /** The version counter of this tensor's storage: bumped by every in-place write (shared by its views). */
  get _version(): number {
    return this._storage.version;
  }
  detach(): Tensor {
    return new Tensor(this._storage, this.shape.slice(), this.dtype, this.device, this.strides.slice(), this.offset);
  }
  requiresGrad_(flag = true): this {
    if (flag && !isFloating(this.dtype))
      dtypeError('requiresGrad', 'a floating-point tensor (only those can require gradients)', this);
    if (!flag && this.gradFn) throw new TorchletRangeError('torchlet: requiresGrad_(false) is only allowed on leaf tensors');
    this.requiresGrad = flag;
    return this;
  }

  // ---- moving / converting ----
  /**
   * A copy on another device ('cpu', 'cuda', 'cuda:0') or of another dtype; `this` itself when
   * nothing changes (as PyTorch). Differentiable: the gradient flows back to this tensor's device
   * and dtype. `to(device, dtype)` does both.
   */
  to(target: DType | DeviceType | string | Tensor, dtype?: DType): Tensor {
    // x.to(other): other's device and dtype (PyTorch's Tensor.to(other))
    if (target instanceof Tensor) {
      if (dtype !== undefined) invalidArg('to()', 'no dtype after a tensor (its dtype is the one taken)', dtype);
      return this.to(target.device, target.dtype);
    }
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
    if (normalizeDevice('device', device) === 'cpu') deviceError('device', "a CUDA device ('cuda' or 'cuda:N')", device);
    return this.to(device);
  }
  /** @internal Moves this tensor's data to `dev` in place (new contiguous storage; identity kept): Module.to. */
  _moveTo(dev: Device): void {
    dev = normalizeDevice('device', dev);
    if (dev === this.device) return;
    const moved = noGrad(() => toDevice(this, dev));
    const self = this as unknown as { device: Device; strides: number[]; offset: number };
    this._storage.release();
    this._storage = moved._storage;
    this._storage.refs++;
    this._storage.owner = this;
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
  /** @internal Converts this tensor's data to `dtype` in place (new contiguous storage; identity kept), its .grad too: Module.float/double. */
  _castTo(dtype: DType): void {
    if (typeof dtype !== 'string' || !(dtype in DTYPE_CODE)) typeArg('dtype', `one of ${Object.keys(DTYPE_CODE).join(', ')}`, dtype);
    if (dtype === this.dtype) return;
    const cast = noGrad(() => E.cast(this, dtype));
    const self = this as unknown as { dtype: DType; strides: number[]; offset: number };
    this._storage.release();
    this._storage = cast._storage;
    this._storage.refs++;
    this._storage.owner = this;
    self.dtype = dtype;
    self.strides = contiguousStrides(this.shape);
    self.offset = 0;
    cast.dispose();
    if (this.grad) {
      const g = this.grad;
      this.grad = keep(noGrad(() => E.cast(g, dtype)));
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
  int(): Tensor {
    return E.cast(this, 'int32');
  }
  byte(): Tensor {
    return E.cast(this, 'uint8');
  }
  /** true where nonzero (PyTorch's x.bool()) */
  bool(): Tensor {
    return E.cast(this, 'bool');
  }
  /** A copy in other's dtype (this itself when it already has it): PyTorch's x.type_as(other). */
  typeAs(other: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('typeAs', 'other', rest);
    checkTensor('other', other);
    return this.dtype === other.dtype ? this : E.cast(this, other.dtype);
  }
  /** The number of dimensions (PyTorch's x.dim(); also `ndim`). */
  dim(): number {
    return this.ndim;
  }
  /** New tensors with this tensor's dtype and device unless `opts` says otherwise (PyTorch's x.new_zeros, ...). */
  newZeros(shape: number[], opts?: CreateOptions, ...rest: never[]): Tensor {
    noExtraArgs('newZeros', 'shape, opts', rest);
    return zeros(shape, newOpts(this, opts));
  }
  newOnes(shape: number[], opts?: CreateOptions, ...rest: never[]): Tensor {
    noExtraArgs('newOnes', 'shape, opts', rest);
    return ones(shape, newOpts(this, opts));
  }
  newEmpty(shape: number[], opts?: CreateOptions, ...rest: never[]): Tensor {
    noExtraArgs('newEmpty', 'shape, opts', rest);
    return empty(shape, newOpts(this, opts));
  }
  newFull(shape: number[], value: number, opts?: CreateOptions, ...rest: never[]): Tensor {
    noExtraArgs('newFull', 'shape, value, opts', rest);
    return full(shape, value, newOpts(this, opts));
  }
  /** torch.tensor(data) with this tensor's dtype and device unless `opts` says otherwise (PyTorch's x.new_tensor). */
  newTensor(data: NestedArray | TypedArray | number | boolean, opts?: CreateOptions, ...rest: never[]): Tensor {
    noExtraArgs('newTensor', 'data, opts', rest);
    return makeTensor(data, newOpts(this, opts));
  }
  /**
   * Fills this tensor in place with samples of U(from, to) from torch's generator: the values
   * nn.init.uniform_ gives (PyTorch's x.uniform_). Under autograd a leaf that requires grad is refused
   * as PyTorch refuses it (fill it inside torch.noGrad, or with nn.init).
   */
  uniform_(from = 0, to = 1, ...rest: never[]): this {
    noExtraArgs('uniform_', 'from, to', rest);
    return randomFill(this, 'uniform_', (c) => uniformFill(c, from, to));
  }
  /** Fills this tensor in place with samples of N(mean, std^2) (PyTorch's x.normal_; nn.init.normal_'s values). */
  normal_(mean = 0, std = 1, ...rest: never[]): this {
    noExtraArgs('normal_', 'mean, std', rest);
    return randomFill(this, 'normal_', (c) => normalFill(c, mean, std));
  }
  clone(): Tensor {
    return E.clone(this);
  }

  // ---- shape ----
  contiguous(): Tensor {
    return this.isContiguous() ? this : E.clone(this);
  }
  view(...shape: (number | number[])[]): Tensor {
    return S.view(this, sizeArgs('view', shape));
  }
  reshape(...shape: (number | number[])[]): Tensor {
    return S.reshape(this, sizeArgs('reshape', shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }
  permute(...dims: (number | number[])[]): Tensor {
    return S.permute(this, sizeArgs('permute', dims));
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
  /**
   * PyTorch's `x[...]`: one entry per indexed dimension — an integer (selects, removing the
   * dimension; negative counts from the end), a slice string (`':'`, `'1:5'`, `'::2'`, `'1:-1'`,
   * `'-3:'`; start:stop:step with PyTorch's clamping, positive steps), `null` (a new axis of size 1,
   * None), `'...'` (Ellipsis: as many `':'` as needed), an integer index tensor or array (advanced
   * indexing; several broadcast together) or a bool mask (tensor or array) over the next dimensions.
   * `x.index(':', '::2', '1:-1', null, '...')` is `x[:, ::2, 1:-1, None, ...]`. Integers, slices,
   * null and '...' alone give a view; index tensors and masks give a copy. Differentiable.
   */
  index(...indices: I.IndexSpec[]): Tensor {
    return I.index(this, indices);
  }
  /** PyTorch's `x[...] = value` in place: the same index entries as index(); value is a number or a tensor broadcast to the indexed shape. Returns this tensor. */
  set(value: Tensor | number, ...indices: I.IndexSpec[]): this {
    I.setIndex(this, value, indices);
    return this;
  }
  /** x[indices] = values in place (index tensors for the leading dimensions; accumulate adds). */
  indexPut_(indices: (Tensor | null)[], values: Tensor, opts?: { accumulate?: boolean }, ...rest: never[]): this {
    I.indexPut_(this, indices, values, opts, ...rest);
    return this;
  }
  indexPut(indices: (Tensor | null)[], values: Tensor, opts?: { accumulate?: boolean }, ...rest: never[]): Tensor {
    return I.indexPut(this, indices, values, opts, ...rest);
  }
  gather(dim: number, index: Tensor, opts?: Record<string, never>, ...rest: never[]): Tensor {
    return I.gather(this, dim, index, opts, ...rest);
  }
  scatter(dim: number, index: Tensor, src: Tensor | number, opts?: I.ScatterOptions, ...rest: never[]): Tensor {
    return I.scatter(this, dim, index, src, opts, ...rest);
  }
  scatter_(dim: number, index: Tensor, src: Tensor | number, opts?: I.ScatterOptions, ...rest: never[]): this {
    I.scatter_(this, dim, index, src, opts, ...rest);
    return this;
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor, ...rest: never[]): Tensor {
    return I.scatterAdd(this, dim, index, src, ...rest);
  }
  scatterAdd_(dim: number, index: Tensor, src: Tensor, ...rest: never[]): this {
    I.scatterAdd_(this, dim, index, src, ...rest);
    return this;
  }
  indexSelect(dim: number, index: Tensor, ...rest: never[]): Tensor {
    return I.indexSelect(this, dim, index, ...rest);
  }
  indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }, ...rest: never[]): Tensor {
    return I.indexAdd(this, dim, index, source, opts, ...rest);
  }
  indexAdd_(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }, ...rest: never[]): this {
    I.indexAdd_(this, dim, index, source, opts, ...rest);
    return this;
  }
  scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: I.ScatterReduceMode, opts?: I.ScatterReduceOptions, ...rest: never[]): Tensor {
    return I.scatterReduce(this, dim, index, src, reduce, opts, ...rest);
  }
  scatterReduce_(dim: number, index: Tensor, src: Tensor, reduce: I.ScatterReduceMode, opts?: I.ScatterReduceOptions, ...rest: never[]): this {
    I.scatterReduce_(this, dim, index, src, reduce, opts, ...rest);
    return this;
  }
  indexReduce(dim: number, index: Tensor, source: Tensor, reduce: I.IndexReduceMode, opts?: I.ScatterReduceOptions, ...rest: never[]): Tensor {
    return I.indexReduce(this, dim, index, source, reduce, opts, ...rest);
  }
  indexReduce_(dim: number, index: Tensor, source: Tensor, reduce: I.IndexReduceMode, opts?: I.ScatterReduceOptions, ...rest: never[]): this {
    I.indexReduce_(this, dim, index, source, reduce, opts, ...rest);
    return this;
  }
  indexCopy(dim: number, index: Tensor, source: Tensor, ...rest: never[]): Tensor {
    return I.indexCopy(this, dim, index, source, ...rest);
  }
  indexCopy_(dim: number, index: Tensor, source: Tensor, ...rest: never[]): this {
    I.indexCopy_(this, dim, index, source, ...rest);
    return this;
  }
  indexFill(dim: number, index: Tensor, value: number | Tensor, ...rest: never[]): Tensor {
    return I.indexFill(this, dim, index, value, ...rest);
  }
  indexFill_(dim: number, index: Tensor, value: number | Tensor, ...rest: never[]): this {
    I.indexFill_(this, dim, index, value, ...rest);
    return this;
  }
  maskedScatter(mask: Tensor, source: Tensor, ...rest: never[]): Tensor {
    return I.maskedScatter(this, mask, source, ...rest);
  }
  maskedScatter_(mask: Tensor, source: Tensor, ...rest: never[]): this {
    I.maskedScatter_(this, mask, source, ...rest);
    return this;
  }
  put(index: Tensor, source: Tensor, opts?: I.PutOptions, ...rest: never[]): Tensor {
    return I.put(this, index, source, opts, ...rest);
  }
  put_(index: Tensor, source: Tensor, opts?: I.PutOptions, ...rest: never[]): this {
    I.put_(this, index, source, opts, ...rest);
    return this;
  }
  maskedFill(mask: Tensor, value: number | Tensor, ...rest: never[]): Tensor {
    return I.maskedFill(this, mask, value, ...rest);
  }
  maskedFill_(mask: Tensor, value: number | Tensor, ...rest: never[]): this {
    I.maskedFill_(this, mask, value, ...rest);
    return this;
  }
  maskedSelect(mask: Tensor, ...rest: never[]): Tensor {
    return I.maskedSelect(this, mask, ...rest);
  }
  /** PyTorch's x.where(condition, other): torch.where(condition, x, other). */
  where(condition: Tensor, other: Tensor | number, ...rest: never[]): Tensor {
    noExtraArgs('where', 'condition, other', rest);
    return I.where(condition, this, other);
  }
  nonzero(opts: I.NonzeroOptions & { asTuple: true }): Tensor[];
  nonzero(opts?: I.NonzeroOptions & { asTuple?: false }): Tensor;
  nonzero(opts?: I.NonzeroOptions, ...rest: never[]): Tensor | Tensor[] {
    return I.nonzero(this, opts, ...rest);
  }
  select(dim: number, i: number): Tensor {
    return S.select(this, dim, i);
  }
  expand(...shape: (number | number[])[]): Tensor {
    return S.expand(this, sizeArgs('expand', shape));
  }
  /** expand(other.shape) */
  expandAs(other: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('expandAs', 'other', rest);
    return S.expand(this, checkTensor('other', other).shape);
  }
  /** The strides (in elements) of every dim, or of dim `dim` (lib/ops/shape_more.ts has the methods below). */
  stride(dim?: number, ...rest: never[]): number[] | number {
    noExtraArgs('stride', 'dim', rest);
    return dim === undefined ? this.strides.slice() : this.strides[normDim(dim, this.ndim)];
  }
  /** The offset (in elements) of the first element in the storage. */
  storageOffset(): number {
    return this.offset;
  }
  /** Bytes per element. */
  elementSize(): number {
    return DTYPE_SIZE[this.dtype];
  }
  /** numel() */
  nelement(): number {
    return this.numel();
  }
  /** Every window of `size` elements of `dimension`, `step` apart, as a new last dim: a view (PyTorch's Tensor.unfold; torch.nn.functional.unfold is im2col). */
  unfold(dimension: number, size: number, step: number, ...rest: never[]): Tensor {
    noExtraArgs('unfold', 'dimension, size, step', rest);
    return S.unfoldDim(this, dimension, size, step);
  }
  /** torch.asStrided(this, size, stride, storageOffset): a view of this storage with that geometry. */
  asStrided(size: number[], stride: number[], storageOffset?: number | null, ...rest: never[]): Tensor {
    noExtraArgs('asStrided', 'size, stride, storageOffset', rest);
    return S.asStrided(this, size, stride, storageOffset);
  }
  /** torch.unflatten(this, dim, sizes): a view. */
  unflatten(dim: number, sizes: number[], ...rest: never[]): Tensor {
    return SM.unflatten(this, dim, sizes, ...rest);
  }
  /** torch.narrowCopy(this, dim, start, length): a contiguous copy. */
  narrowCopy(dim: number, start: number, length: number, ...rest: never[]): Tensor {
    return SM.narrowCopy(this, dim, start, length, ...rest);
  }
  /** torch.renorm(this, p, dim, maxnorm). */
  renorm(p: number, dim: number, maxnorm: number, ...rest: never[]): Tensor {
    return P6E.renorm(this, p, dim, maxnorm, ...rest);
  }
  /** torch.broadcastTo(this, shape): a view. */
  broadcastTo(shape: number[], ...rest: never[]): Tensor {
    noExtraArgs('broadcastTo', 'shape', rest);
    return SM.broadcastTo(this, shape);
  }
  swapaxes(axis0: number, axis1: number, ...rest: never[]): Tensor {
    noExtraArgs('swapaxes', 'axis0, axis1', rest);
    return SM.swapaxes(this, axis0, axis1);
  }
  swapdims(dim0: number, dim1: number, ...rest: never[]): Tensor {
    noExtraArgs('swapdims', 'dim0, dim1', rest);
    return SM.swapdims(this, dim0, dim1);
  }
  flipud(): Tensor {
    return SM.flipud(this);
  }
  fliplr(): Tensor {
    return SM.fliplr(this);
  }
  rot90(k = 1, dims: number[] = [0, 1], ...rest: never[]): Tensor {
    noExtraArgs('rot90', 'k, dims', rest);
    return SM.rot90(this, k, dims);
  }
  take(index: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('take', 'index', rest);
    return SM.take(this, index);
  }
  takeAlongDim(indices: Tensor, dim?: number | null, ...rest: never[]): Tensor {
    noExtraArgs('takeAlongDim', 'indices, dim', rest);
    return SM.takeAlongDim(this, indices, dim);
  }
  repeatInterleave(repeats: number | Tensor, dim?: number | null, opts: SM.RepeatInterleaveOptions = {}, ...rest: never[]): Tensor {
    noExtraArgs('repeatInterleave', 'repeats, dim, { outputSize }', rest);
    if (repeats === undefined) invalidArg('repeats', 'a number or an int64 tensor', repeats);
    return SM.repeatInterleave(this, repeats, dim, opts);
  }
  isFloatingPoint(): boolean {
    return SM.isFloatingPoint(this);
  }
  isComplex(): boolean {
    return false;
  }
  isNonzero(): boolean {
    return SM.isNonzero(this);
  }
  /** view(other.shape) */
  viewAs(other: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('viewAs', 'other', rest);
    return S.view(this, checkTensor('other', other).shape);
  }
  /** reshape(other.shape) */
  reshapeAs(other: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('reshapeAs', 'other', rest);
    return S.reshape(this, checkTensor('other', other).shape);
  }
  /** All dims reversed (PyTorch's x.T; for a matrix its transpose): a view. */
  get T(): Tensor {
    return S.permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  }
  /** The last two dims swapped (x.mT): a view. */
  get mT(): Tensor {
    if (this.ndim < 2) shapeError('input', 'a tensor of at least 2 dimensions for mT', this);
    return S.transpose(this, -2, -1);
  }
  movedim(source: number | number[], destination: number | number[], ...rest: never[]): Tensor {
    noExtraArgs('movedim', 'source, destination', rest);
    return S.movedim(this, source, destination);
  }
  moveaxis(source: number | number[], destination: number | number[], ...rest: never[]): Tensor {
    noExtraArgs('moveaxis', 'source, destination', rest);
    return S.movedim(this, source, destination);
  }
  /** Repeats along each dim: x.repeat(2, 3) or x.repeat([2, 3]) (a copy). */
  repeat(...sizes: (number | number[])[]): Tensor {
    return S.repeat(this, sizeArgs('repeat', sizes));
  }
  tile(...dims: (number | number[])[]): Tensor {
    return S.tile(this, sizeArgs('tile', dims));
  }
  flip(...dims: (number | number[])[]): Tensor {
    return S.flip(this, sizeArgs('flip', dims));
  }
  roll(shifts: number | number[], dims?: number | number[], ...rest: never[]): Tensor {
    noExtraArgs('roll', 'shifts, dims', rest);
    return S.roll(this, shifts, dims);
  }
  chunk(chunks: number, dim = 0, ...rest: never[]): Tensor[] {
    noExtraArgs('chunk', 'chunks, dim', rest);
    return S.chunk(this, chunks, dim);
  }
  split(splitSizeOrSections: number | number[], dim = 0, ...rest: never[]): Tensor[] {
    noExtraArgs('split', 'splitSizeOrSections, dim', rest);
    return S.split(this, splitSizeOrSections, dim);
  }
  unbind(dim = 0, ...rest: never[]): Tensor[] {
    noExtraArgs('unbind', 'dim', rest);
    return S.unbind(this, dim);
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1, ...rest: never[]): Tensor {
    noExtraArgs('diagonal', 'offset, dim1, dim2', rest);
    return S.diagonal(this, offset, dim1, dim2);
  }
  tril(diagonal = 0, ...rest: never[]): Tensor {
    noExtraArgs('tril', 'diagonal', rest);
    return S.tril(this, diagonal);
  }
  triu(diagonal = 0, ...rest: never[]): Tensor {
    noExtraArgs('triu', 'diagonal', rest);
    return S.triu(this, diagonal);
  }
  softmax(dim: number, ...rest: never[]): Tensor {
    noExtraArgs('softmax', 'dim', rest);
    return softmaxOp(this, dim);
  }
  logSoftmax(dim: number, ...rest: never[]): Tensor {
    noExtraArgs('logSoftmax', 'dim', rest);
    return logSoftmaxOp(this, dim);
  }
  /** torch.bernoulli(this): 1 with probability this[i]. */
  bernoulli(opts?: { generator?: Generator; p?: number }, ...rest: never[]): Tensor {
    noExtraArgs('bernoulli', '{ generator, p }', rest);
    return bernoulliOp(this, opts);
  }
  multinomial(numSamples: number, opts?: { replacement?: boolean; generator?: Generator }, ...rest: never[]): Tensor {
    noExtraArgs('multinomial', 'numSamples, { replacement, generator }', rest);
    return multinomialOp(this, numSamples, opts);
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
  div(o: Tensor | number, opts?: E.DivOptions): Tensor {
    return E.div(this, o, opts);
  }
  /** this // o (torch.floor_divide). */
  floorDivide(o: Tensor | number): Tensor {
    return E.floorDivide(this, o);
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
  /** The outer product with the 1-D vec2 (this must be 1-D too): PyTorch's x.outer(vec2), differentiable. */
  outer(vec2: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('outer', 'vec2', rest);
    return M.outer(this, vec2);
  }
  /** PyTorch's older name of x.outer(vec2). */
  ger(vec2: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('ger', 'vec2', rest);
    return M.ger(this, vec2);
  }
  // ---- the matrix products and linear algebra of lib/ops/matmul_more.ts and lib/ops/linalg.ts (torch.mm, ...)
  /** PyTorch's x.mm(mat2): torch.mm. */
  mm(mat2: Tensor, ...rest: never[]): Tensor {
    return P5_MM.mm(this, mat2, ...rest);
  }
  /** PyTorch's x.mv(vec): torch.mv. */
  mv(vec: Tensor, ...rest: never[]): Tensor {
    return P5_MM.mv(this, vec, ...rest);
  }
  /** PyTorch's x.dot(other): torch.dot. */
  dot(other: Tensor, ...rest: never[]): Tensor {
    return P5_MM.dot(this, other, ...rest);
  }
  /** PyTorch's x.vdot(other): torch.vdot. */
  vdot(other: Tensor, ...rest: never[]): Tensor {
    return P5_MM.vdot(this, other, ...rest);
  }
  /** PyTorch's x.addmm(mat1, mat2, {beta, alpha}): torch.addmm with x as input. */
  addmm(mat1: Tensor, mat2: Tensor, opts?: P5_MM.AddProductOptions, ...rest: never[]): Tensor {
    return P5_MM.addmm(this, mat1, mat2, opts, ...rest);
  }
  /** PyTorch's x.addmv(mat, vec, {beta, alpha}). */
  addmv(mat: Tensor, vec: Tensor, opts?: P5_MM.AddProductOptions, ...rest: never[]): Tensor {
    return P5_MM.addmv(this, mat, vec, opts, ...rest);
  }
  /** PyTorch's x.addbmm(batch1, batch2, {beta, alpha}). */
  addbmm(batch1: Tensor, batch2: Tensor, opts?: P5_MM.AddProductOptions, ...rest: never[]): Tensor {
    return P5_MM.addbmm(this, batch1, batch2, opts, ...rest);
  }
  /** PyTorch's x.baddbmm(batch1, batch2, {beta, alpha}). */
  baddbmm(batch1: Tensor, batch2: Tensor, opts?: P5_MM.AddProductOptions, ...rest: never[]): Tensor {
    return P5_MM.baddbmm(this, batch1, batch2, opts, ...rest);
  }
  /** PyTorch's x.addr(vec1, vec2, {beta, alpha}). */
  addr(vec1: Tensor, vec2: Tensor, opts?: P5_MM.AddProductOptions, ...rest: never[]): Tensor {
    return P5_MM.addr(this, vec1, vec2, opts, ...rest);
  }
  /** PyTorch's x.kron(other): torch.kron. */
  kron(other: Tensor, ...rest: never[]): Tensor {
    return P5_MM.kron(this, other, ...rest);
  }
  /** PyTorch's x.trace(): torch.trace (x 2-D). */
  trace(...rest: never[]): Tensor {
    return P5_MM.trace(this, ...rest);
  }
  /** PyTorch's x.diag(diagonal=0): torch.diag. */
  diag(diagonal = 0, ...rest: never[]): Tensor {
    return P5_MM.diag(this, diagonal, ...rest);
  }
  /** PyTorch's x.diagEmbed({offset, dim1, dim2}): torch.diag_embed. */
  diagEmbed(opts?: P5_MM.DiagEmbedOptions, ...rest: never[]): Tensor {
    return P5_MM.diagEmbed(this, opts, ...rest);
  }
  /** PyTorch's x.diagflat(offset=0): torch.diagflat. */
  diagflat(offset = 0, ...rest: never[]): Tensor {
    return P5_MM.diagflat(this, offset, ...rest);
  }
  /** PyTorch's x.cross(other, dim?): torch.cross. */
  cross(other: Tensor, dim?: number | P5_MM.CrossOptions | null, ...rest: never[]): Tensor {
    return P5_MM.cross(this, other, dim, ...rest);
  }
  /** PyTorch's x.det(): torch.linalg.det. */
  det(...rest: never[]): Tensor {
    return P5_LA.det(this, ...rest);
  }
  /** PyTorch's x.logdet(): torch.logdet. */
  logdet(...rest: never[]): Tensor {
    return P5_LA.logdet(this, ...rest);
  }
  /** PyTorch's x.slogdet(): {sign, logabsdet}. */
  slogdet(...rest: never[]): P5_LA.SignLogAbsDet {
    return P5_LA.slogdet(this, ...rest);
  }
  /** PyTorch's x.inverse(): torch.linalg.inv. */
  inverse(...rest: never[]): Tensor {
    return P5_LA.inverse(this, ...rest);
  }
  /** Where this is close to other (|this - other| <= atol + rtol * |other|): a bool tensor; PyTorch's x.isclose(other, ...). */
  isclose(other: Tensor, opts?: E.IscloseOptions, ...rest: never[]): Tensor {
    noExtraArgs('isclose', 'other, { rtol, atol, equalNan }', rest);
    return E.isclose(this, other, opts);
  }
  /** Whether every element is close to other's (see isclose), as a boolean; PyTorch's x.allclose(other, ...). */
  allclose(other: Tensor, opts?: E.IscloseOptions, ...rest: never[]): boolean {
    noExtraArgs('allclose', 'other, { rtol, atol, equalNan }', rest);
    return E.allclose(this, other, opts);
  }
  sum(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  /** The largest element; along `dim` its values and indices (destructure as `[values, indices]`); with a tensor, the elementwise maximum. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, keepdim = false): Tensor | R.ValuesIndices {
    return R.maxMin('max', this, dim, keepdim);
  }
  /** The smallest element; along `dim` its values and indices (destructure as `[values, indices]`); with a tensor, the elementwise minimum. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, keepdim = false): Tensor | R.ValuesIndices {
    return R.maxMin('min', this, dim, keepdim);
  }
  amax(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  prod(dim?: number | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  /** Standard deviation over dims (all by default), `{correction=1, keepdim}` (or PyTorch 1.13's `unbiased`). */
  std(dim?: number | number[] | null | boolean, opts?: R.VarOptions | boolean): Tensor {
    return R.varStd('std', this, dim, opts);
  }
  /** Variance over dims (all by default), `{correction=1, keepdim}` (or PyTorch 1.13's `unbiased`). */
  var(dim?: number | number[] | null | boolean, opts?: R.VarOptions | boolean): Tensor {
    return R.varStd('var', this, dim, opts);
  }
  /** The p-norm (p a number, Infinity, -Infinity or 'fro') over dims (all by default). */
  norm(p: number | 'fro' | 'nuc' = 2, dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.norm(this, p, dim, keepdim);
  }
  logsumexp(dim: number | number[], keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  all(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.all(this, dim, keepdim);
  }
  any(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false): Tensor {
    return R.any(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim, 'argmax');
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim, 'argmin');
  }
  cumsum(dim: number, opts?: Scan.CumsumOptions, ...rest: never[]): Tensor {
    return Scan.cumsum(this, dim, opts, ...rest);
  }
  cumprod(dim: number, opts?: Scan.CumsumOptions, ...rest: never[]): Tensor {
    return Scan.cumprod(this, dim, opts, ...rest);
  }
  cummax(dim: number, ...rest: never[]): O.ValuesIndices {
    return Scan.cummax(this, dim, ...rest);
  }
  cummin(dim: number, ...rest: never[]): O.ValuesIndices {
    return Scan.cummin(this, dim, ...rest);
  }
  sort(dimOrOpts?: number | O.SortOptions, opts?: O.SortOptions, ...rest: never[]): O.ValuesIndices {
    return O.sort(this, dimOrOpts, opts, ...rest);
  }
  argsort(dimOrOpts?: number | O.SortOptions, opts?: O.SortOptions, ...rest: never[]): Tensor {
    return O.argsort(this, dimOrOpts, opts, ...rest);
  }
  msort(...rest: never[]): Tensor {
    return O.msort(this, ...rest);
  }
  topk(k: number, opts?: O.TopkOptions, ...rest: never[]): O.ValuesIndices {
    return O.topk(this, k, opts, ...rest);
  }
  kthvalue(k: number, dim = -1, keepdim = false, ...rest: never[]): O.ValuesIndices {
    return O.kthvalue(this, k, dim, keepdim, ...rest);
  }
  unique(opts?: O.UniqueOptions, ...rest: never[]): Tensor | Tensor[] {
    return O.unique(this, opts, ...rest);
  }

  // ---- elementwise math (lib/ops/elementwise.ts) ----
  abs(): Tensor {
    return E.abs(this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  floor(): Tensor {
    return E.floor(this);
  }
  ceil(): Tensor {
    return E.ceil(this);
  }
  trunc(): Tensor {
    return E.trunc(this);
  }
  sin(): Tensor {
    return E.sin(this);
  }
  cos(): Tensor {
    return E.cos(this);
  }
  tan(): Tensor {
    return E.tan(this);
  }
  asin(): Tensor {
    return E.asin(this);
  }
  acos(): Tensor {
    return E.acos(this);
  }
  atan(): Tensor {
    return E.atan(this);
  }
  sinh(): Tensor {
    return E.sinh(this);
  }
  cosh(): Tensor {
    return E.cosh(this);
  }
  exp2(): Tensor {
    return E.exp2(this);
  }
  expm1(): Tensor {
    return E.expm1(this);
  }
  log1p(): Tensor {
    return E.log1p(this);
  }
  log2(): Tensor {
    return E.log2(this);
  }
  log10(): Tensor {
    return E.log10(this);
  }
  erf(): Tensor {
    return E.erf(this);
  }
  erfinv(): Tensor {
    return E.erfinv(this);
  }
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  isnan(): Tensor {
    return E.isnan(this);
  }
  isinf(): Tensor {
    return E.isinf(this);
  }
  isfinite(): Tensor {
    return E.isfinite(this);
  }
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  bitwiseNot(): Tensor {
    return E.bitwiseNot(this);
  }
  round(opts?: { decimals?: number }): Tensor {
    return E.round(this, opts);
  }
  atan2(other: Tensor): Tensor {
    return E.atan2(this, other as Tensor);
  }
  remainder(other: Tensor | number): Tensor {
    return E.remainder(this, other as Tensor);
  }
  fmod(other: Tensor | number): Tensor {
    return E.fmod(this, other as Tensor);
  }
  logicalAnd(other: Tensor | number): Tensor {
    return E.logicalAnd(this, other as Tensor);
  }
  logicalOr(other: Tensor | number): Tensor {
    return E.logicalOr(this, other as Tensor);
  }
  logicalXor(other: Tensor | number): Tensor {
    return E.logicalXor(this, other as Tensor);
  }
  bitwiseAnd(other: Tensor | number): Tensor {
    return E.bitwiseAnd(this, other as Tensor);
  }
  bitwiseOr(other: Tensor | number): Tensor {
    return E.bitwiseOr(this, other as Tensor);
  }
  bitwiseXor(other: Tensor | number): Tensor {
    return E.bitwiseXor(this, other as Tensor);
  }
  maximum(other: Tensor): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: Tensor): Tensor {
    return E.minimum(this, other);
  }
  lerp(end: Tensor, weight: Tensor | number): Tensor {
    return E.lerp(this, end, weight);
  }
  clamp(min?: E.ClampBound, max?: E.ClampBound): Tensor {
    return E.clamp(this, min, max);
  }
  clip(min?: E.ClampBound, max?: E.ClampBound): Tensor {
    return E.clamp(this, min, max);
  }
  clampMin(min: Tensor | number): Tensor {
    return E.clampMin(this, min);
  }
  clampMax(max: Tensor | number): Tensor {
    return E.clampMax(this, max);
  }
  nanToNum(nanOrOpts?: E.NanToNumOptions | number): Tensor {
    return E.nanToNum(this, nanOrOpts);
  }

  // ---- statistics and more elementwise functions (lib/ops/stats.ts, lib/ops/elementwise_more.ts) ----
  /** The lower median: of all elements, or along dim its values and indices (`const [values, indices] = x.median(1)`). */
  median(): Tensor;
  median(dim: number, keepdim?: boolean | { keepdim?: boolean }): O.ValuesIndices;
  median(dim?: number | null, keepdim: boolean | { keepdim?: boolean } = false, ...rest: never[]): Tensor | O.ValuesIndices {
    return P6S.median(this, dim, keepdim, ...rest);
  }
  /** The lower median ignoring NaN: of all elements, or along dim its values and indices (`const [values, indices] = x.nanmedian(1)`). */
  nanmedian(): Tensor;
  nanmedian(dim: number, keepdim?: boolean | { keepdim?: boolean }): O.ValuesIndices;
  nanmedian(dim?: number | null, keepdim: boolean | { keepdim?: boolean } = false, ...rest: never[]): Tensor | O.ValuesIndices {
    return P6S.nanmedian(this, dim, keepdim, ...rest);
  }
  mode(dim = -1, keepdim: boolean | { keepdim?: boolean } = false, ...rest: never[]): O.ValuesIndices {
    return P6S.mode(this, dim, keepdim, ...rest);
  }
  quantile(q: Tensor | number, dimOrOpts?: number | null | P6S.QuantileOptions, opts?: P6S.QuantileOptions, ...rest: never[]): Tensor {
    return P6S.quantile(this, q, dimOrOpts, opts, ...rest);
  }
  nanquantile(q: Tensor | number, dimOrOpts?: number | null | P6S.QuantileOptions, opts?: P6S.QuantileOptions, ...rest: never[]): Tensor {
    return P6S.nanquantile(this, q, dimOrOpts, opts, ...rest);
  }
  nansum(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false, ...rest: never[]): Tensor {
    return P6S.nansum(this, dim, keepdim, ...rest);
  }
  nanmean(dim?: number | number[] | null, keepdim: boolean | { keepdim?: boolean } = false, ...rest: never[]): Tensor {
    return P6S.nanmean(this, dim, keepdim, ...rest);
  }
  countNonzero(dim?: number | number[] | null, ...rest: never[]): Tensor {
    return P6S.countNonzero(this, dim, ...rest);
  }
  logcumsumexp(dim: number, ...rest: never[]): Tensor {
    return P6S.logcumsumexp(this, dim, ...rest);
  }
  diff(nOrOpts?: number | P6S.DiffOptions, dim?: number, opts?: P6S.DiffOptions, ...rest: never[]): Tensor {
    return P6S.diff(this, nOrOpts, dim, opts, ...rest);
  }
  histc(binsOrOpts?: number | P6S.HistcOptions, opts?: P6S.HistcOptions, ...rest: never[]): Tensor {
    return P6S.histc(this, binsOrOpts, opts, ...rest);
  }
  bincount(opts?: P6S.BincountOptions, ...rest: never[]): Tensor {
    return P6S.bincount(this, opts, ...rest);
  }
  aminmax(opts?: P6S.AminmaxOptions, ...rest: never[]): P6S.MinMax {
    return P6S.aminmax(this, opts, ...rest);
  }
  square(...rest: never[]): Tensor {
    return P6E.square(this, ...rest);
  }
  logit(eps?: number | null | { eps?: number | null }, ...rest: never[]): Tensor {
    return P6E.logit(this, eps, ...rest);
  }
  hypot(other: Tensor, ...rest: never[]): Tensor {
    return P6E.hypot(this, other, ...rest);
  }
  frac(...rest: never[]): Tensor {
    return P6E.frac(this, ...rest);
  }
  signbit(...rest: never[]): Tensor {
    return P6E.signbit(this, ...rest);
  }
  copysign(other: Tensor | number, ...rest: never[]): Tensor {
    return P6E.copysign(this, other, ...rest);
  }
  heaviside(values: Tensor, ...rest: never[]): Tensor {
    return P6E.heaviside(this, values, ...rest);
  }
  xlogy(other: Tensor | number, ...rest: never[]): Tensor {
    return P6E.xlogy(this, other, ...rest);
  }
  erfc(...rest: never[]): Tensor {
    return P6E.erfc(this, ...rest);
  }
  floatPower(exponent: Tensor | number, ...rest: never[]): Tensor {
    return P6E.floatPower(this, exponent, ...rest);
  }
  deg2rad(...rest: never[]): Tensor {
    return P6E.deg2rad(this, ...rest);
  }
  rad2deg(...rest: never[]): Tensor {
    return P6E.rad2deg(this, ...rest);
  }
  sgn(...rest: never[]): Tensor {
    return P6E.sgn(this, ...rest);
  }
  positive(...rest: never[]): Tensor {
    return P6E.positive(this, ...rest);
  }
  negative(...rest: never[]): Tensor {
    return P6E.negative(this, ...rest);
  }
  fix(...rest: never[]): Tensor {
    return P6E.fix(this, ...rest);
  }
  lgamma(...rest: never[]): Tensor {
    return P6E.lgamma(this, ...rest);
  }
  digamma(...rest: never[]): Tensor {
    return P6E.digamma(this, ...rest);
  }
  logaddexp(other: Tensor, ...rest: never[]): Tensor { return SPC.logaddexp(this, other, ...rest); }
  logaddexp2(other: Tensor, ...rest: never[]): Tensor { return SPC.logaddexp2(this, other, ...rest); }
  sinc(...rest: never[]): Tensor { return SPC.sinc(this, ...rest); }
  ldexp(other: Tensor, ...rest: never[]): Tensor { return SPC.ldexp(this, other, ...rest); }
  i0(...rest: never[]): Tensor { return SPC.i0(this, ...rest); }
  polygamma(n: number, ...rest: never[]): Tensor { return SPC.polygamma(n, this, ...rest); }
  mvlgamma(p: number | { p?: number }, ...rest: never[]): Tensor { return SPC.mvlgamma(this, p, ...rest); }
  igamma(other: Tensor, ...rest: never[]): Tensor { return SPC.igamma(this, other, ...rest); }
  igammac(other: Tensor, ...rest: never[]): Tensor { return SPC.igammac(this, other, ...rest); }
  gcd(other: Tensor, ...rest: never[]): Tensor { return SPC.gcd(this, other, ...rest); }
  lcm(other: Tensor, ...rest: never[]): Tensor { return SPC.lcm(this, other, ...rest); }
  frexp(...rest: never[]): SPC.Frexp { return SPC.frexp(this, ...rest); }
  addcmul(tensor1: Tensor, tensor2: Tensor, opts?: P6E.AddcOptions, ...rest: never[]): Tensor {
    return P6E.addcmul(this, tensor1, tensor2, opts, ...rest);
  }
  addcdiv(tensor1: Tensor, tensor2: Tensor, opts?: P6E.AddcOptions, ...rest: never[]): Tensor {
    return P6E.addcdiv(this, tensor1, tensor2, opts, ...rest);
  }
  /** In place: this + value * tensor1 * tensor2 written into this tensor (PyTorch's autograd rules, lib/ops/inplace.ts). */
  addcmul_(tensor1: Tensor, tensor2: Tensor, opts?: P6E.AddcOptions, ...rest: never[]): this {
    noExtraArgs('addcmul_', 'tensor1, tensor2, { value }', rest);
    return inplace(this, 'addcmul_', (x) => P6E.addcmul(x, tensor1, tensor2, opts), [tensor1, tensor2]) as this;
  }
  /** In place: this + value * tensor1 / tensor2 written into this tensor. */
  addcdiv_(tensor1: Tensor, tensor2: Tensor, opts?: P6E.AddcOptions, ...rest: never[]): this {
    noExtraArgs('addcdiv_', 'tensor1, tensor2, { value }', rest);
    return inplace(this, 'addcdiv_', (x) => P6E.addcdiv(x, tensor1, tensor2, opts), [tensor1, tensor2]) as this;
  }

  // ---- in place, with autograd (lib/ops/inplace.ts): the result written into this tensor ----
  abs_(): this {
    return inplace(this, 'abs_', (x) => E.abs(x)) as this;
  }
  sign_(): this {
    return inplace(this, 'sign_', (x) => E.sign(x)) as this;
  }
  floor_(): this {
    return inplace(this, 'floor_', (x) => E.floor(x)) as this;
  }
  ceil_(): this {
    return inplace(this, 'ceil_', (x) => E.ceil(x)) as this;
  }
  trunc_(): this {
    return inplace(this, 'trunc_', (x) => E.trunc(x)) as this;
  }
  sin_(): this {
    return inplace(this, 'sin_', (x) => E.sin(x)) as this;
  }
  cos_(): this {
    return inplace(this, 'cos_', (x) => E.cos(x)) as this;
  }
  tan_(): this {
    return inplace(this, 'tan_', (x) => E.tan(x)) as this;
  }
  asin_(): this {
    return inplace(this, 'asin_', (x) => E.asin(x)) as this;
  }
  acos_(): this {
    return inplace(this, 'acos_', (x) => E.acos(x)) as this;
  }
  atan_(): this {
    return inplace(this, 'atan_', (x) => E.atan(x)) as this;
  }
  sinh_(): this {
    return inplace(this, 'sinh_', (x) => E.sinh(x)) as this;
  }
  cosh_(): this {
    return inplace(this, 'cosh_', (x) => E.cosh(x)) as this;
  }
  exp2_(): this {
    return inplace(this, 'exp2_', (x) => E.exp2(x)) as this;
  }
  expm1_(): this {
    return inplace(this, 'expm1_', (x) => E.expm1(x)) as this;
  }
  log1p_(): this {
    return inplace(this, 'log1p_', (x) => E.log1p(x)) as this;
  }
  log2_(): this {
    return inplace(this, 'log2_', (x) => E.log2(x)) as this;
  }
  log10_(): this {
    return inplace(this, 'log10_', (x) => E.log10(x)) as this;
  }
  erf_(): this {
    return inplace(this, 'erf_', (x) => E.erf(x)) as this;
  }
  erfinv_(): this {
    return inplace(this, 'erfinv_', (x) => E.erfinv(x)) as this;
  }
  rsqrt_(): this {
    return inplace(this, 'rsqrt_', (x) => E.rsqrt(x)) as this;
  }
  reciprocal_(): this {
    return inplace(this, 'reciprocal_', (x) => E.reciprocal(x)) as this;
  }
  logicalNot_(): this {
    return inplace(this, 'logicalNot_', (x) => E.logicalNot(x)) as this;
  }
  bitwiseNot_(): this {
    return inplace(this, 'bitwiseNot_', (x) => E.bitwiseNot(x)) as this;
  }
  neg_(): this {
    return inplace(this, 'neg_', (x) => E.neg(x)) as this;
  }
  exp_(): this {
    return inplace(this, 'exp_', (x) => E.exp(x)) as this;
  }
  log_(): this {
    return inplace(this, 'log_', (x) => E.log(x)) as this;
  }
  sqrt_(): this {
    return inplace(this, 'sqrt_', (x) => E.sqrt(x)) as this;
  }
  relu_(): this {
    return reluInplace(this) as this;
  }
  sigmoid_(): this {
    return inplace(this, 'sigmoid_', (x) => E.sigmoid(x)) as this;
  }
  tanh_(): this {
    return inplace(this, 'tanh_', (x) => E.tanh(x)) as this;
  }
  round_(opts?: { decimals?: number }): this {
    return inplace(this, 'round_', (x) => E.round(x, opts)) as this;
  }
  add_(other: Tensor | number, opts?: { alpha?: number }): this {
    return inplace(this, 'add_', (x) => E.add(x, other, opts), [other]) as this;
  }
  sub_(other: Tensor | number, opts?: { alpha?: number }): this {
    return inplace(this, 'sub_', (x) => E.sub(x, other, opts), [other]) as this;
  }
  mul_(other: Tensor | number): this {
    return inplace(this, 'mul_', (x) => E.mul(x, other), [other]) as this;
  }
  div_(other: Tensor | number, opts?: E.DivOptions): this {
    return inplace(this, 'div_', (x) => E.div(x, other, opts), [other]) as this;
  }
  pow_(other: Tensor | number): this {
    return inplace(this, 'pow_', (x) => E.pow(x, other), [other]) as this;
  }
  remainder_(other: Tensor | number): this {
    return inplace(this, 'remainder_', (x) => E.remainder(x, other), [other]) as this;
  }
  fmod_(other: Tensor | number): this {
    return inplace(this, 'fmod_', (x) => E.fmod(x, other), [other]) as this;
  }
  logicalAnd_(other: Tensor | number): this {
    return inplace(this, 'logicalAnd_', (x) => E.logicalAnd(x, other), [other]) as this;
  }
  logicalOr_(other: Tensor | number): this {
    return inplace(this, 'logicalOr_', (x) => E.logicalOr(x, other), [other]) as this;
  }
  logicalXor_(other: Tensor | number): this {
    return inplace(this, 'logicalXor_', (x) => E.logicalXor(x, other), [other]) as this;
  }
  bitwiseAnd_(other: Tensor | number): this {
    return inplace(this, 'bitwiseAnd_', (x) => E.bitwiseAnd(x, other), [other]) as this;
  }
  bitwiseOr_(other: Tensor | number): this {
    return inplace(this, 'bitwiseOr_', (x) => E.bitwiseOr(x, other), [other]) as this;
  }
  bitwiseXor_(other: Tensor | number): this {
    return inplace(this, 'bitwiseXor_', (x) => E.bitwiseXor(x, other), [other]) as this;
  }
  atan2_(other: Tensor): this {
    return inplace(this, 'atan2_', (x) => E.atan2(x, other), [other]) as this;
  }
  lerp_(end: Tensor, weight: Tensor | number): this {
    return inplace(this, 'lerp_', (x) => E.lerp(x, end, weight), [end, weight]) as this;
  }
  clamp_(min?: E.ClampBound, max?: E.ClampBound): this {
    return inplace(this, 'clamp_', (x) => E.clamp(x, min, max), [min, max]) as this;
  }
  clip_(min?: E.ClampBound, max?: E.ClampBound): this {
    return inplace(this, 'clip_', (x) => E.clamp(x, min, max), [min, max]) as this;
  }
  clampMin_(min: Tensor | number): this {
    return inplace(this, 'clampMin_', (x) => E.clampMin(x, min), [min]) as this;
  }
  clampMax_(max: Tensor | number): this {
    return inplace(this, 'clampMax_', (x) => E.clampMax(x, max), [max]) as this;
  }
  nanToNum_(nanOrOpts?: E.NanToNumOptions | number): this {
    return inplace(this, 'nanToNum_', (x) => E.nanToNum(x, nanOrOpts)) as this;
  }

  // ---- copy_ / fill_ / zero_ ----
  /**
   * Copies src's values into this tensor: src broadcast to this tensor's shape, converted to its dtype,
   * from any device. Recorded by autograd as PyTorch's copy_ when grad mode is on, this tensor is
   * floating-point and it or src requires grad: the gradient goes to src (summed over the broadcast
   * dimensions, back in src's dtype and on its device) and zeros to this tensor's old values; refused,
   * as the other in-place ops, on a leaf that requires grad and on a view of a tensor in a graph.
   * Optimizers, initialisers and loadStateDict write parameters inside torch.noGrad.
   */
  copy_(src: Tensor): this {
    checkTensor('src', src);
    const same = src.shape.length === this.shape.length && src.shape.every((d, i) => d === this.shape[i]);
    if (!same && !broadcastsTo(src.shape, this.shape))
      shapeError('src', `a tensor broadcastable to this tensor's shape [${this.shape.join(', ')}]`, src);
    if (isGradEnabled() && isFloating(this.dtype) && (this.requiresGrad || src.requiresGrad)) {
      const [dtype, device, shape] = [this.dtype, this.device, this.shape];
      return inplace(this, 'copy_', (old) => {
        let v = src.device === device ? src : toDevice(src, device);
        if (v.dtype !== dtype) v = E.cast(v, dtype);
        if (!same) v = S.expand(v, shape);
        const out = noGrad(() => E.clone(v));
        return record(out, [old, v], 'CopyBackward', (g) => [zeros(g.shape, { dtype: g.dtype, device: g.device }), g]);
      }, [src]) as this;
    }
    // as PyTorch (and the recorded path, lib/ops/inplace.ts): no write into overlapping elements
    if (hasInternalOverlap(this))
      throw new TorchletRangeError(
        'torchlet: copy_: unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.',
        'ERR_TORCHLET_INVALID_ARG',
      );
    // from another device: bring src over first (contiguous), then convert/scatter on this device
    let s = src.device === this.device ? src : noGrad(() => toDevice(src, this.device));
    if (!same) {
      const e = S.expand(s, this.shape);
      if (s !== src) s.dispose();
      s = e;
    }
    native.copyStrided(s.stridedArg(), this.stridedArg(), { srcStrides: s.strides, outStrides: this.strides, shape: this.shape });
    this._storage.version++;
    if (s !== src) s.dispose();
    return this;
  }
  /**
   * Writes v into every element. Recorded by autograd when grad mode is on and this tensor requires
   * grad (zeros flow to its old values, as PyTorch's fill_); refused on a leaf that requires grad and
   * on a view of a tensor in a graph.
   */
  fill_(v: number): this {
    if (typeof v !== 'number') typeArg('value', 'a number', v);
    if (isGradEnabled() && this.requiresGrad) {
      const [dtype, device, shape] = [this.dtype, this.device, this.shape];
      return inplace(this, 'fill_', (old) =>
        record(full(shape, v, { dtype, device }), [old], 'FillBackward', (g) => [zeros(g.shape, { dtype: g.dtype, device: g.device })]),
      ) as this;
    }
    if (this.isContiguous()) {
      native.fill(this.arg(), { value: this.dtype === 'bool' ? Number(v !== 0) : v }); // bool: nonzero is true, as PyTorch
      this._storage.version++;
    } else {
      // (one value: written also where elements overlap, e.g. an expanded view, as PyTorch's fill_)
      const t = full(this.shape, v, { dtype: this.dtype, device: this.device });
      native.copyStrided(t.stridedArg(), this.stridedArg(), { srcStrides: t.strides, outStrides: this.strides, shape: this.shape });
      this._storage.version++;
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
  if (t.disposed) throw disposedError();
  const src = t.isContiguous() ? t : E.clone(t);
  const out = Tensor.empty(t.shape.slice(), t.dtype, dev);
  native.copyDevice(src._storage.native, src.offset, out._storage.native, 0, t.numel());
  if (src !== t) src.dispose();
  return record(out, [t], 'ToCopyBackward', (g) => [g.device === t.device ? g : toDevice(g, t.device)]);
}

/** Whether a tensor of shape `from` broadcasts to `to` (trailing dimensions equal or 1, none extra). */
function broadcastsTo(from: number[], to: number[]): boolean {
  if (from.length > to.length) return false;
  return from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
export function checkTensor(name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) typeArg(name, 'a Tensor', x);
  if ((x as Tensor).disposed) throw disposedError(name);
  return x as Tensor;
}
export { describe };

/** x.uniform_ / x.normal_: `fill` writes fresh samples into a contiguous tensor; written into t (its version bumped). */
function randomFill<T extends Tensor>(t: T, name: string, fill: (c: Tensor) => void): T {
  if (isGradEnabled() && t.requiresGrad) {
    if (t.gradFn === null) throw autogradError(`${name}: a leaf Variable that requires grad is being used in an in-place operation.`);
    throw new TorchletError(`torchlet: ${name}: filling a tensor that is part of an autograd graph is not supported (detach() it, or fill inside torch.noGrad)`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
  }
  noGrad(() => {
    if (t.isContiguous()) {
      fill(t);
      t._storage.version++;
    } else {
      const c = t.contiguous();
      fill(c);
      t.copy_(c);
      c.dispose();
    }
  });
  return t;
}

/** x.newZeros / newOnes / ...: x's dtype and device unless the options give theirs. */
function newOpts(t: Tensor, opts: CreateOptions | undefined): CreateOptions {
  const o = checkOptionKeys('opts', opts, ['dtype', 'device', 'requiresGrad']);
  return { dtype: t.dtype, device: t.device, ...o };
}
