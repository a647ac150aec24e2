// lib/creation.ts — functions that make new tensors: from data (tensor, fromBuffer), filled
// (empty, zeros, ones, full, *Like, arange) and random (randn, rand; the in-place uniform_/normal_
// of nn.init), plus the shape check they share.
// Contract: every function validates its arguments (TorchletTypeError / TorchletRangeError naming
// the argument), creates a new contiguous tensor on opts.device (default 'cpu'; CUDA checked to
// exist), and sets requiresGrad only when asked (floating dtypes only). Random draws come from the
// global generator (random.ts), so a seed fixes them.
import { native, enums } from './binding';
import type { RandomKindCode } from '../binding';
import { invalidArg, typeArg, dtypeError, shapeError, checkOptions, TorchletError, checkNumber } from './errors';
import { DeviceType, parseDevice } from './device';
import { Tensor, DType, TypedArray, NestedArray, ARRAY_OF, checkDType, checkTensor, isFloating, numelOf } from './tensor';
import { nextRandom } from './random';
import * as E from './ops/elementwise';

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
  const bytes = n * (dtype === 'float64' || dtype === 'int64' ? 8 : dtype === 'float32' || dtype === 'int32' ? 4 : 1);
  let buf: ArrayBuffer;
  try {
    buf = new ArrayBuffer(bytes);
  } catch {
    throw new TorchletError(`torchlet: out of host memory (cannot allocate ${bytes} bytes for ${n} ${dtype} elements)`, 'ERR_TORCHLET_OUT_OF_MEMORY');
  }
  return new ARRAY_OF[dtype](buf);
}
/** A fill value: a number (NaN and infinities included). */
function checkValue(name: string, v: unknown): void {
  if (typeof v !== 'number') typeArg(name, 'a number', v);
}

/** torch.tensor: from nested arrays, a number or a typed array (a copy). */
export function tensor(data: NestedArray | TypedArray, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
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
  opts = checkOptions('opts', opts);
  const device = parseDevice('device', opts.device);
  if (!ArrayBuffer.isView(data)) typeArg('data', 'a typed array', data);
  const dtype: DType =
    opts.dtype ??
    (data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64'
      : data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'uint8' : typeArg('data', 'a Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array', data));
  const s = shape ? checkShape('shape', shape) : [data.length];
  if (numelOf(s) !== data.length) shapeError('shape', `a shape with ${data.length} elements`, s);
  const t = Tensor.empty(s, dtype, device);
  if (data.length) t._storage.native.write(data, 0);
  return t;
}

export function empty(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  const device = parseDevice('device', opts.device);
  return finish(Tensor.empty(checkShape('shape', shape), checkDType('dtype', opts.dtype ?? 'float32'), device), opts);
}
export function zeros(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  const device = parseDevice('device', opts.device);
  return finish(Tensor.empty(checkShape('shape', shape), checkDType('dtype', opts.dtype ?? 'float32'), device, true), opts);
}
export function full(shape: number[] | number, value: number, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  checkValue('value', value);
  const t = empty(shape, { ...opts, requiresGrad: false });
  native.fill(t.arg(), { value });
  return finish(t, opts);
}
export function ones(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  checkTensor('input', t);
  opts = checkOptions('opts', opts);
  return zeros(t.shape, { dtype: t.dtype, ...opts, device: opts.device ?? t.device });
}
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  checkTensor('input', t);
  opts = checkOptions('opts', opts);
  return ones(t.shape, { dtype: t.dtype, ...opts, device: opts.device ?? t.device });
}
/**
 * Values from start (inclusive) to end (exclusive) by step, computed natively as start + i * step
 * (no JavaScript array, whatever the length); int64 when start, end and step are all integers, else
 * float32, unless opts.dtype says. A length that cannot be allocated is ERR_TORCHLET_OUT_OF_MEMORY.
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as [string, unknown][])
    if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(name, 'a finite number', v);
  if (step === 0) invalidArg('step', 'a non-zero number', step);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (!(n <= Number.MAX_SAFE_INTEGER)) invalidArg('end', `at most ${Number.MAX_SAFE_INTEGER} steps from start`, end);
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = checkDType('dtype', opts.dtype ?? (allInt ? 'int64' : 'float32'));
  const t = Tensor.empty([n], dtype, parseDevice('device', opts.device));
  native.arange(t.arg(), { start, step });
  return finish(t, opts);
}
function randomFill(kind: RandomKindCode, shape: number[] | number, a: number, b: number, opts: CreateOptions): Tensor {
  const dtype = opts.dtype ?? 'float32';
  if (!isFloating(dtype)) dtypeError('dtype', 'a floating-point dtype', dtype);
  const t = empty(shape, { dtype, device: opts.device });
  const [seed, off] = nextRandom(t.numel());
  native.random(t.arg(), { kind, a, b, seed, offset: off });
  return finish(t, opts);
}
/** Standard normal samples. */
export function randn(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  return randomFill(enums.RandomKind.Normal, shape, 0, 1, opts);
}
/** Uniform samples in [0, 1). */
export function rand(shape: number[] | number, opts: CreateOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  return randomFill(enums.RandomKind.Uniform, shape, 0, 1, opts);
}
/** Checks the target and parameters of an in-place random fill. */
function checkRandomFill(t: Tensor, a: unknown, aName: string, b: unknown, bName: string): void {
  checkTensor('tensor', t);
  if (!isFloating(t.dtype)) dtypeError('tensor', 'a floating-point tensor', t);
  checkNumber(aName, a);
  checkNumber(bName, b);
}
/** In-place fills used by nn.init. */
export function uniform_(t: Tensor, a: number, b: number): Tensor {
  checkRandomFill(t, a, 'a', b, 'b');
  const [seed, off] = nextRandom(t.numel());
  native.random(t.arg(), { kind: enums.RandomKind.Uniform, a, b, seed, offset: off });
  return t;
}
export function normal_(t: Tensor, mean: number, std: number): Tensor {
  checkRandomFill(t, mean, 'mean', std, 'std');
  const [seed, off] = nextRandom(t.numel());
  native.random(t.arg(), { kind: enums.RandomKind.Normal, a: mean, b: std, seed, offset: off });
  return t;
}

