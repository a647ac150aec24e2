// lib/creation.ts — functions that make new tensors: from data (tensor, fromBuffer), filled
// (empty, zeros, ones, full, eye, *Like, arange, linspace, logspace) and random (randn, rand,
// randint, randperm, normal, bernoulli, multinomial, rand/randn/randintLike; the in-place
// uniform_/normal_ of nn.init), plus the shape check they share.
// Contract: every function validates its arguments (TorchletTypeError / TorchletRangeError naming
// the argument), creates a new contiguous tensor on opts.device (default 'cpu'; CUDA checked to
// exist), and sets requiresGrad only when asked (floating dtypes only). Random draws come from the
// global generator (random.ts), so a seed fixes them, or from opts.generator (a torch.Generator).
import { native, enums } from './binding';
import type { RandomKindCode } from '../binding';
import { invalidArg, typeArg, dtypeError, shapeError, checkOptionKeys, TorchletError, checkNumber, checkInt, noExtraArgs } from './errors';
import { DeviceType, parseDevice } from './device';
import { Tensor, DType, TypedArray, NestedArray, ARRAY_OF, checkDType, checkTensor, isFloating, numelOf } from './tensor';
import { nextRandom, checkGenerator, Generator } from './random';
import * as E from './ops/elementwise';
import { flip } from './ops/shape';
import { argsort, topk } from './ops/sort';
import { cumsum } from './ops/scan';
import { defaultFloat } from './default_dtype';

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
  opts = checkOptionKeys('opts', opts, CREATE_KEYS);
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
    else dtype = defaultFloat();
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
  opts = checkOptionKeys('opts', opts, ['dtype', 'device']);
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

/**
 * The size arguments of empty/zeros/ones/rand/randn, as PyTorch takes them: a shape array (or one
 * number) then options, or the sizes as separate numbers, optionally followed by options
 * (`torch.ones(2, 1, 4)`, `torch.zeros(2, 3, { dtype: 'int64' })`).
 */
export type SizeArgs<O> = [shape: number[] | number, opts?: O] | [...sizes: number[]] | [...sizes: number[], opts: O];
function sizeArgs<O>(fn: string, args: unknown[]): [number[] | number, O] {
  if (typeof args[0] === 'number') {
    let k = 1;
    while (k < args.length && typeof args[k] === 'number') k++;
    const rest = args.slice(k);
    noExtraArgs(fn, 'sizes..., opts', rest.slice(1));
    return [k === 1 ? (args[0] as number) : (args.slice(0, k) as number[]), (rest[0] ?? {}) as O];
  }
  noExtraArgs(fn, 'shape, opts', args.slice(2));
  return [args[0] as number[], (args[1] ?? {}) as O];
}
export function empty(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, o] = sizeArgs<CreateOptions>('empty', args);
  const opts = checkOptionKeys('opts', o, CREATE_KEYS);
  const device = parseDevice('device', opts.device);
  return finish(Tensor.empty(checkShape('shape', shape), checkDType('dtype', opts.dtype ?? defaultFloat()), device), opts);
}
export function zeros(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, o] = sizeArgs<CreateOptions>('zeros', args);
  const opts = checkOptionKeys('opts', o, CREATE_KEYS);
  const device = parseDevice('device', opts.device);
  return finish(Tensor.empty(checkShape('shape', shape), checkDType('dtype', opts.dtype ?? defaultFloat()), device, true), opts);
}
export function full(shape: number[] | number, value: number, opts: CreateOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, CREATE_KEYS);
  checkValue('value', value);
  const t = empty(shape, { ...opts, requiresGrad: false });
  native.fill(t.arg(), { value: t.dtype === 'bool' ? Number(value !== 0) : value }); // bool: nonzero is true, as PyTorch
  return finish(t, opts);
}
export function ones(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, opts] = sizeArgs<CreateOptions>('ones', args);
  return full(shape, 1, opts);
}
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  checkTensor('input', t);
  opts = checkOptionKeys('opts', opts, CREATE_KEYS);
  return zeros(t.shape, { dtype: t.dtype, ...opts, device: opts.device ?? t.device });
}
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  checkTensor('input', t);
  opts = checkOptionKeys('opts', opts, CREATE_KEYS);
  return ones(t.shape, { dtype: t.dtype, ...opts, device: opts.device ?? t.device });
}
/**
 * Values from start (inclusive) to end (exclusive) by step, computed natively as start + i * step
 * (no JavaScript array, whatever the length); int64 when start, end and step are all integers, else
 * float32, unless opts.dtype says. A length that cannot be allocated is ERR_TORCHLET_OUT_OF_MEMORY.
 */
/** [0, end) or [start, end) by step; the options object may follow any of the numbers, as PyTorch's keywords (arange(10, {dtype})). */
export function arange(end: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end?: number, step?: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end?: number | CreateOptions, step: number | CreateOptions = 1, opts: CreateOptions = {}): Tensor {
  const isOpts = (v: unknown): v is CreateOptions => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isOpts(end)) {
    if (arguments.length > 2) invalidArg('opts', 'the last argument (arange(end, opts) or arange(start, end, step, opts))', end);
    [opts, end, step] = [end, undefined, 1];
  } else if (isOpts(step)) {
    if (arguments.length > 3) invalidArg('opts', 'the last argument (arange(start, end, opts) or arange(start, end, step, opts))', step);
    [opts, step] = [step, 1];
  }
  opts = checkOptionKeys('opts', opts, CREATE_KEYS);
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as [string, unknown][])
    if (typeof v !== 'number' || !Number.isFinite(v)) typeArg(name, 'a finite number', v);
  if (step === 0) invalidArg('step', 'a non-zero number', step);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (!(n <= Number.MAX_SAFE_INTEGER)) invalidArg('end', `at most ${Number.MAX_SAFE_INTEGER} steps from start`, end);
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = checkDType('dtype', opts.dtype ?? (allInt ? 'int64' : defaultFloat()));
  const t = Tensor.empty([n], dtype, parseDevice('device', opts.device));
  native.arange(t.arg(), { start, step });
  return finish(t, opts);
}
export interface RandomOptions extends CreateOptions {
  /** draw from this generator instead of the global one */
  generator?: Generator;
}
function randomFill(kind: RandomKindCode, shape: number[] | number, a: number, b: number, opts: RandomOptions): Tensor {
  const dtype = opts.dtype ?? defaultFloat();
  if (!isFloating(dtype)) dtypeError('dtype', 'a floating-point dtype', dtype);
  const gen = checkGenerator(opts.generator);
  const t = empty(shape, { dtype, device: opts.device });
  const [seed, off] = nextRandom(t.numel(), gen);
  native.random(t.arg(), { kind, a, b, seed, offset: off });
  return finish(t, opts);
}
/** Standard normal samples. */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, o] = sizeArgs<RandomOptions>('randn', args);
  const opts = checkOptionKeys('opts', o, RANDOM_KEYS);
  return randomFill(enums.RandomKind.Normal, shape, 0, 1, opts);
}
/** Uniform samples in [0, 1). */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, o] = sizeArgs<RandomOptions>('rand', args);
  const opts = checkOptionKeys('opts', o, RANDOM_KEYS);
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


// ---- more creation (issue 14) --------------------------------------------------------------------
const CREATE_KEYS = ['dtype', 'device', 'requiresGrad'];
const RANDOM_KEYS = [...CREATE_KEYS, 'generator'];
function likeOpts(t: Tensor, opts: CreateOptions | undefined, keys = CREATE_KEYS): CreateOptions {
  checkTensor('input', t);
  const o = checkOptionKeys('opts', opts, keys);
  return { dtype: t.dtype, ...o, device: o.device ?? t.device };
}
/** A tensor of input's shape (and dtype and device, unless opts say) filled with value. */
export function fullLike(t: Tensor, value: number, opts?: CreateOptions): Tensor {
  const o = likeOpts(t, opts);
  return full(t.shape, value, o);
}
/** An uninitialised tensor of input's shape, dtype and device (unless opts say). */
export function emptyLike(t: Tensor, opts?: CreateOptions): Tensor {
  const o = likeOpts(t, opts);
  return empty(t.shape, o);
}
/** Uniform samples in [0, 1) of input's shape (floating dtypes). */
export function randLike(t: Tensor, opts?: RandomOptions): Tensor {
  const o = likeOpts(t, opts, RANDOM_KEYS);
  return rand(t.shape, o);
}
/** Standard normal samples of input's shape (floating dtypes). */
export function randnLike(t: Tensor, opts?: RandomOptions): Tensor {
  const o = likeOpts(t, opts, RANDOM_KEYS);
  return randn(t.shape, o);
}
/** The identity matrix [n, m] (m defaults to n). */
export function eye(n: number, m?: number | CreateOptions, opts?: CreateOptions): Tensor {
  if (typeof m === 'object' || m === undefined) {
    if (opts !== undefined) invalidArg('eye()', 'at most the arguments (n, m?, opts?)', 'two options objects');
    opts = m as CreateOptions | undefined;
    m = n;
  }
  checkInt('n', n, 0);
  checkInt('m', m, 0);
  const o = checkOptionKeys('opts', opts, CREATE_KEYS);
  const t = zeros([n, m], { ...o, requiresGrad: false });
  const k = Math.min(n, m);
  if (k) {
    const one = full([], 1, { dtype: t.dtype, device: t.device });
    native.copyStrided(one.stridedArg(), t.stridedArg(), { srcStrides: [0], outStrides: [m + 1], shape: [k] });
    one.dispose();
  }
  return finish(t, o);
}
/**
 * `steps` evenly spaced values from start to end inclusive (PyTorch's formula: start + i * step for
 * the first half, end - (steps - 1 - i) * step for the second, so both ends are exact).
 */
export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  checkNumber('start', start);
  checkNumber('end', end);
  checkInt('steps', steps, 0);
  const o = checkOptionKeys('opts', opts, CREATE_KEYS);
  const dtype = checkDType('dtype', o.dtype ?? defaultFloat());
  const device = parseDevice('device', o.device);
  const t = Tensor.empty([steps], dtype, device);
  if (steps === 1) native.fill(t.arg(), { value: start });
  else if (steps > 1) {
    const step = (end - start) / (steps - 1);
    const half = Math.floor(steps / 2);
    const a = new Tensor(t._storage, [half], dtype, device, [1], 0);
    native.arange(a.arg(), { start, step });
    a.dispose();
    // the second half, from the end backwards, reversed into place
    const rev = Tensor.empty([steps - half], dtype, device);
    native.arange(rev.arg(), { start: end, step: -step });
    const b = new Tensor(t._storage, [steps - half], dtype, device, [1], half);
    const f = flip(rev, 0);
    b.copy_(f);
    [rev, b, f].forEach((x) => x.dispose());
  }
  return finish(t, o);
}
/** base ** linspace(start, end, steps). */
export function logspace(start: number, end: number, steps: number, base: number | CreateOptions = 10, opts?: CreateOptions): Tensor {
  if (typeof base === 'object') {
    if (opts !== undefined) invalidArg('logspace()', 'at most the arguments (start, end, steps, base?, opts?)', 'two options objects');
    opts = base;
    base = 10;
  }
  checkNumber('base', base);
  const o = checkOptionKeys('opts', opts, CREATE_KEYS);
  const dtype = checkDType('dtype', o.dtype ?? defaultFloat());
  const lin = linspace(start, end, steps, { dtype: isFloating(dtype) ? dtype : 'float64', device: o.device });
  const b = full([], base as number, { dtype: lin.dtype, device: lin.device });
  const p = E.pow(b, lin);
  [lin, b].forEach((x) => x.dispose());
  const r = p.dtype === dtype ? p : E.cast(p, dtype);
  if (r !== p) p.dispose();
  return finish(r, o);
}
/**
 * Uniform random integers in [low, high) (int64 unless opts.dtype says): randint(high, shape) or
 * randint(low, high, shape).
 */
export function randint(low: number, high: number | number[], shape?: number[] | RandomOptions, opts?: RandomOptions): Tensor {
  if (Array.isArray(high) || typeof high !== 'number') {
    if (opts !== undefined) invalidArg('randint()', 'at most the arguments (low?, high, shape, opts?)', 'an extra argument');
    opts = shape as RandomOptions | undefined;
    shape = high as number[];
    high = low;
    low = 0;
  }
  checkInt('low', low);
  checkInt('high', high);
  if (high <= low) invalidArg('high', `an integer > low (${low})`, high);
  const s = checkShape('shape', shape);
  const o = checkOptionKeys('opts', opts, RANDOM_KEYS);
  const dtype = checkDType('dtype', o.dtype ?? 'int64');
  const u = rand(s, { dtype: 'float64', device: o.device, generator: o.generator });
  const r = randomInts(u, low, high, dtype);
  u.dispose();
  return finish(r, o);
}
/** floor(low + u * (high - low)) (u in [0, 1)) as `dtype`, natively. */
function randomInts(u: Tensor, low: number, high: number, dtype: DType): Tensor {
  const scaled = E.mul(u, high - low);
  const i = E.cast(scaled, 'int64'); // truncation = floor for non-negative values
  scaled.dispose();
  const shifted = low === 0 ? i : E.add(i, low);
  if (shifted !== i) i.dispose();
  const out = shifted.dtype === dtype ? shifted : E.cast(shifted, dtype);
  if (out !== shifted) shifted.dispose();
  return out;
}
/** randint with input's shape (and device; int64 unless opts.dtype): randintLike(t, high) or randintLike(t, low, high). */
export function randintLike(t: Tensor, low: number, high?: number | RandomOptions, opts?: RandomOptions): Tensor {
  checkTensor('input', t);
  if (typeof high !== 'number') {
    if (opts !== undefined) invalidArg('randintLike()', 'at most the arguments (input, low?, high, opts?)', 'an extra argument');
    opts = high;
    high = low;
    low = 0;
  }
  const o = checkOptionKeys('opts', opts, RANDOM_KEYS);
  return randint(low, high, t.shape, { dtype: t.dtype, ...o, device: o.device ?? t.device });
}
/** A random permutation of 0 .. n-1 (int64 unless opts.dtype says). */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  checkInt('n', n, 0);
  const o = checkOptionKeys('opts', opts, RANDOM_KEYS);
  const dtype = checkDType('dtype', o.dtype ?? 'int64');
  const keys = rand([n], { dtype: 'float64', device: o.device, generator: o.generator });
  const p = argsort(keys);
  keys.dispose();
  const r = p.dtype === dtype ? p : E.cast(p, dtype);
  if (r !== p) p.dispose();
  return finish(r, o);
}
/**
 * Normal samples: normal(mean, std) with tensors (broadcast) or numbers and a shape:
 * normal(mean: Tensor | number, std: Tensor | number, shape?, opts?). Differentiable in a tensor
 * mean and std (the reparameterised draw mean + std * z).
 */
export function normal(mean: Tensor | number, std: Tensor | number, shape?: number[] | RandomOptions, opts?: RandomOptions): Tensor {
  if (shape !== undefined && !Array.isArray(shape)) {
    if (opts !== undefined) invalidArg('normal()', 'at most the arguments (mean, std, shape?, opts?)', 'an extra argument');
    opts = shape;
    shape = undefined;
  }
  const o = checkOptionKeys('opts', opts, RANDOM_KEYS);
  if (typeof mean !== 'number') checkTensor('mean', mean);
  else checkNumber('mean', mean);
  if (typeof std !== 'number') checkTensor('std', std);
  else checkNumber('std', std);
  const tm = typeof mean === 'number' ? null : mean;
  const ts = typeof std === 'number' ? null : std;
  let outShape: number[];
  if (tm || ts) {
    if (shape !== undefined) invalidArg('shape', 'no shape when mean or std is a tensor (the shape is theirs)', shape);
    outShape = tm && ts ? E.broadcastShapes(tm.shape, ts.shape, ['mean', 'std']) : (tm ?? ts)!.shape;
  } else {
    if (shape === undefined) invalidArg('shape', 'a shape when mean and std are numbers', shape);
    outShape = checkShape('shape', shape);
  }
  if (typeof std === 'number' && std < 0) invalidArg('std', 'a non-negative number', std);
  const like = tm ?? ts;
  const dtype = o.dtype ?? (like && isFloating(like.dtype) ? like.dtype : defaultFloat());
  const device = o.device ?? like?.device;
  const z = randn(outShape, { dtype, device, generator: o.generator });
  const scaled = E.mul(z, std as Tensor);
  const r = E.add(scaled, mean as Tensor);
  return finish(r, { requiresGrad: o.requiresGrad && !r.requiresGrad });
}
/** 1 with probability input[i] (each element of input a probability in [0, 1]), else 0; input's dtype. */
export function bernoulli(input: Tensor, opts?: { generator?: Generator; p?: number }): Tensor {
  checkTensor('input', input);
  const o = checkOptionKeys('opts', opts, ['generator', 'p']);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor of probabilities', input);
  const u = rand(input.shape, { dtype: input.dtype, device: input.device, generator: o.generator });
  let r: Tensor;
  if (o.p !== undefined) {
    checkNumber('opts.p', o.p);
    if (o.p < 0 || o.p > 1) invalidArg('opts.p', 'a probability in [0, 1]', o.p);
    r = E.compare('lt', u, o.p);
  } else r = E.compare('lt', u, input.detach());
  u.dispose();
  const out = E.cast(r, input.dtype);
  r.dispose();
  return out;
}
/**
 * numSamples indices drawn from the categories of input ([n] or [batch, n] non-negative weights,
 * normalised per row): without replacement (default) by the exponential race (the numSamples
 * smallest -log(u) / w), with replacement by inverting the cumulative weights.
 */
export function multinomial(input: Tensor, numSamples: number, opts?: { replacement?: boolean; generator?: Generator }): Tensor {
  checkTensor('input', input);
  if (!isFloating(input.dtype)) dtypeError('input', 'a floating-point tensor of weights', input);
  if (input.ndim !== 1 && input.ndim !== 2) shapeError('input', 'a 1-D or 2-D tensor of weights', input);
  const o = checkOptionKeys('opts', opts, ['replacement', 'generator']);
  if (o.replacement !== undefined && typeof o.replacement !== 'boolean') typeArg('opts.replacement', 'a boolean', o.replacement);
  checkInt('numSamples', numSamples, 1);
  const w = input.ndim === 1 ? input.detach().unsqueeze(0) : input.detach();
  const [rows, n] = w.shape;
  if (n === 0) invalidArg('input', 'at least one category', input);
  const mn = w.min();
  const bad = mn.item() < 0 || !Number.isFinite(w.sum().item());
  mn.dispose();
  if (bad) invalidArg('input', 'non-negative, finite weights', input);
  const pos = E.compare('gt', w, 0).sum(1);
  const minPos = pos.min().item();
  pos.dispose();
  if (minPos === 0) invalidArg('input', 'rows with a positive sum of weights', input);
  let out: Tensor;
  if (!o.replacement) {
    if (numSamples > n) invalidArg('numSamples', `at most ${n} samples without replacement`, numSamples);
    if (numSamples > minPos) invalidArg('numSamples', `at most ${minPos} samples without replacement (the fewest categories of non-zero weight in a row)`, numSamples);
    const u = rand([rows, n], { dtype: 'float64', device: input.device, generator: o.generator });
    const keys = E.div(E.neg(E.log(u)), E.cast(w, 'float64')); // Exp(w) arrival times; w = 0 never arrives
    out = topk(keys, numSamples, { dim: 1, largest: false }).indices;
  } else {
    const wf = E.cast(w, 'float64');
    const cdf = cumsum(wf, 1);
    const total = cdf.narrow(1, n - 1, 1);
    const u = rand([rows, numSamples], { dtype: 'float64', device: input.device, generator: o.generator });
    const target = E.mul(u, total); // in [0, total)
    // the first category whose cumulative weight exceeds the target: count of cdf <= target
    const le = E.compare('le', cdf.unsqueeze(1), target.unsqueeze(2));
    const cnt = le.sum(2);
    out = E.minimum(cnt, full([], n - 1, { dtype: 'int64', device: input.device }));
  }
  return input.ndim === 1 ? out.reshape([numSamples]) : out;
}
