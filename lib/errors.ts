// lib/errors.ts — the one error family torchlet throws, and argument checking with one message
// format, as sharp does: "torchlet: Expected <what> for <name> but received <got>".
// Contract: every error torchlet throws (from lib/ or, through makeError, from the native addon)
// is `instanceof TorchletError` and carries a stable `code` from ERROR_CODES. Each code has a kind
// that fixes its class: 'Type' codes are TorchletTypeErrors (also TypeErrors), 'Range' codes are
// TorchletRangeErrors (also RangeErrors), 'Plain' codes are TorchletErrors. The codes shared with
// the native addon are listed in native/core/error.h in the same order with the same kinds
// (test/errors/codes.test.ts keeps the two in step); the codes after them are thrown by lib/ only.

/** The class an error code becomes: TorchletTypeError, TorchletRangeError or TorchletError. */
export type ErrorKind = 'Type' | 'Range' | 'Plain';

/** Every error code, with its kind; `native: true` for the codes native/core/error.h declares too. */
export const ERROR_CODES = {
  // ---- shared with native/core/error.h (same order, same kinds) ----
  /** An argument's value is out of its domain (a size, an index, an option's value). */
  ERR_TORCHLET_INVALID_ARG: { kind: 'Range', native: true },
  /** An argument of the wrong type (not a tensor, not a number, not an array of integers, ...). */
  ERR_TORCHLET_INVALID_ARG_TYPE: { kind: 'Type', native: true },
  /** A tensor whose shape does not fit the op (rank, sizes, broadcasting, element count). */
  ERR_TORCHLET_SHAPE: { kind: 'Range', native: true },
  /** A tensor or dtype argument of a dtype the op does not take (integers where floats are needed, mixed dtypes). */
  ERR_TORCHLET_DTYPE: { kind: 'Type', native: true },
  /** A device that is malformed or unusable here. */
  ERR_TORCHLET_DEVICE: { kind: 'Plain', native: true },
  /** An op given tensors on different devices. */
  ERR_TORCHLET_DEVICE_MISMATCH: { kind: 'Plain', native: true },
  /** CUDA asked for where this binary or machine has none (the message says why). */
  ERR_TORCHLET_NO_CUDA: { kind: 'Plain', native: true },
  /** Not supported (yet), e.g. an op with no kernel for a device, CUDA devices other than 0. */
  ERR_TORCHLET_NOT_IMPLEMENTED: { kind: 'Plain', native: true },
  /** Host or CUDA memory exhausted; after a CUDA one the process keeps working. */
  ERR_TORCHLET_OUT_OF_MEMORY: { kind: 'Plain', native: true },
  /** A tensor used after dispose(). */
  ERR_TORCHLET_DISPOSED: { kind: 'Plain', native: true },
  /** Reading or writing a file or the network failed, or the data read is not what it must be. */
  ERR_TORCHLET_IO: { kind: 'Plain', native: true },
  /** A bug in torchlet (or a CUDA failure, with CUDA's message); please report it. */
  ERR_TORCHLET_INTERNAL: { kind: 'Plain', native: true },
  // ---- thrown by lib/ only ----
  /** A file (or downloaded data) whose contents are not valid: safetensors, IDX, Fashion-MNIST. */
  ERR_TORCHLET_BAD_FILE: { kind: 'Plain', native: false },
  /** A training checkpoint that is missing, damaged or does not match the run. */
  ERR_TORCHLET_BAD_CHECKPOINT: { kind: 'Plain', native: false },
  /** A run that cannot be resumed as asked. */
  ERR_TORCHLET_RESUME: { kind: 'Plain', native: false },
  /** A bad command-line argument of the `torchlet` CLI (exit code 1). */
  ERR_TORCHLET_CLI: { kind: 'Plain', native: false },
  /** A DataLoader worker thread failed to load a batch (the message names the worker, the batch and the sample index). */
  ERR_TORCHLET_DATA_WORKER: { kind: 'Plain', native: false },
  /** The native addon could not be loaded (the message names what was tried, the cause and the fix). */
  ERR_TORCHLET_ADDON_LOAD: { kind: 'Plain', native: false },
  /**
   * Autograd misuse: backward through a freed graph (without retainGraph), a tensor saved for backward
   * modified in place or disposed, an in-place op on a leaf that requires grad.
   */
  ERR_TORCHLET_AUTOGRAD: { kind: 'Plain', native: false },
  /** An inference worker thread died while running a request (it is replaced), or the session is closed. */
  ERR_TORCHLET_WORKER: { kind: 'Plain', native: false },
} as const satisfies Record<string, { kind: ErrorKind; native: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;
type CodeOfKind<K extends ErrorKind> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never }[ErrorCode];
/** The codes of each kind: each class takes only its own (checked by TypeScript). */
export type PlainErrorCode = CodeOfKind<'Plain'>;
export type TypeErrorCode = CodeOfKind<'Type'>;
export type RangeErrorCode = CodeOfKind<'Range'>;

/** Every code, in ERROR_CODES' order. */
export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ErrorCode[];
/** The kind of each code (the table to compare with native/core/error.h's). */
export const ERROR_KINDS: Readonly<Record<ErrorCode, ErrorKind>> = Object.freeze(
  Object.fromEntries(ALL_ERROR_CODES.map((c) => [c, ERROR_CODES[c].kind])) as Record<ErrorCode, ErrorKind>,
);
/** The codes native/core/error.h declares, in its order. */
export const NATIVE_ERROR_CODES: readonly ErrorCode[] = ALL_ERROR_CODES.filter((c) => ERROR_CODES[c].native);

// Set (non-enumerable) by the three constructors below: `x instanceof TorchletError` checks it, so
// TorchletTypeError and TorchletRangeError (which must extend TypeError / RangeError) count too.
const BRAND: unique symbol = Symbol('torchlet.error');
// Error() turns its message into a string, which throws for a symbol or an object without a
// primitive form: never let a constructor throw.
function messageOf(m: unknown): string | undefined {
  if (m === undefined || typeof m === 'string') return m;
  try {
    return String(m);
  } catch {
    return Object.prototype.toString.call(m); // an object without a primitive form (Object.create(null))
  }
}
/** The options of an error's constructor: undefined or ES2022's { cause } (anything else is refused, as every options object is). */
function checkErrorOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TorchletTypeError(expected('options', 'an options object ({ cause })', options), 'ERR_TORCHLET_INVALID_ARG_TYPE');
  for (const k of Object.keys(options))
    if (k !== 'cause') throw new TorchletRangeError(expected(`options.${k}`, 'only the option cause', k), 'ERR_TORCHLET_INVALID_ARG');
}
function brand(e: Error, code: ErrorCode): void {
  Object.defineProperty(e, BRAND, { value: true });
  (e as unknown as { code: ErrorCode }).code = code;
}

/** Every error torchlet throws; `code` says which (see ERROR_CODES). */
export class TorchletError extends Error {
  declare readonly code: ErrorCode;
  constructor(message: string, code: PlainErrorCode, options?: { cause?: unknown }) {
    checkErrorOptions(options);
    super(messageOf(message), options);
    brand(this, code);
  }
  /** True for every torchlet error, TorchletTypeError and TorchletRangeError included; subclasses check their own prototype chain. */
  static [Symbol.hasInstance](v: unknown): boolean {
    if (this === TorchletError) return typeof v === 'object' && v !== null && (v as { [BRAND]?: boolean })[BRAND] === true;
    return Function.prototype[Symbol.hasInstance].call(this, v);
  }
}
/** An argument of the wrong type: a TypeError and a TorchletError. */
export class TorchletTypeError extends TypeError {
  declare readonly code: ErrorCode;
  constructor(message: string, code: TypeErrorCode = 'ERR_TORCHLET_INVALID_ARG_TYPE', options?: { cause?: unknown }) {
    checkErrorOptions(options);
    super(messageOf(message), options);
    brand(this, code);
  }
}
/** An argument value out of its domain: a RangeError and a TorchletError. */
export class TorchletRangeError extends RangeError {
  declare readonly code: ErrorCode;
  constructor(message: string, code: RangeErrorCode = 'ERR_TORCHLET_INVALID_ARG', options?: { cause?: unknown }) {
    checkErrorOptions(options);
    super(messageOf(message), options);
    brand(this, code);
  }
}
// `name` on the prototypes (as the built-in errors have it); subclasses set their own.
for (const C of [TorchletError, TorchletTypeError, TorchletRangeError])
  Object.defineProperty(C.prototype, 'name', { value: C.name, writable: true, configurable: true, enumerable: false });

/**
 * The error for a code, of the class its kind says. The native addon gets this function, so its
 * errors are built here too. A code missing from ERROR_CODES (a native list out of step) still
 * gives a TorchletError with that code.
 */
export function makeError(code: string, message: string): Error {
  const kind = (ERROR_KINDS as Record<string, ErrorKind | undefined>)[code];
  if (kind === 'Type') return new TorchletTypeError(message, code as TypeErrorCode);
  if (kind === 'Range') return new TorchletRangeError(message, code as RangeErrorCode);
  return new TorchletError(message, code as PlainErrorCode);
}

export function describe(v: unknown, depth = 0): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'object' && v && 'shape' in v && 'dtype' in v) {
    const t = v as { shape: number[]; dtype: string };
    return `a ${t.dtype} tensor of shape [${t.shape.join(', ')}]`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (typeof v === 'object') {
    try {
      // a plain options object: {dim: 1, keepdim: true}, the first keys, one level deep
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        if (depth > 0) return '{...}';
        const keys = Object.keys(v as object);
        const shown = keys.slice(0, 6).map((k) => `${k}: ${describe((v as Record<string, unknown>)[k], depth + 1)}`);
        return `{${shown.join(', ')}${keys.length > 6 ? ', ...' : ''}}`;
      }
      return String(v);
    } catch {
      return 'an object';
    }
  }
  return String(v);
}

function expected(name: string, what: string, got: unknown): string {
  return `torchlet: Expected ${what} for ${name} but received ${describe(got)}${positionalHint(name, got)}`;
}
/** PyTorch's dim=1 keyword passed as {dim: 1} where torchlet takes dim positionally (the API contract). */
function positionalHint(name: string, got: unknown): string {
  if (!/(^|\.)dims?$/.test(name) || typeof got !== 'object' || got === null) return '';
  try {
    if (!Object.prototype.hasOwnProperty.call(got, 'dim')) return '';
  } catch {
    return '';
  }
  return " (dim is positional in torchlet: x.sum(1, {keepdim: true}), F.softmax(x, 1), torch.cat(xs, 1); the options object holds PyTorch's other keywords)";
}
/** A bad argument value: TorchletRangeError, ERR_TORCHLET_INVALID_ARG. */
export function invalidArg(name: string, what: string, got: unknown): never {
  throw new TorchletRangeError(expected(name, what, got), 'ERR_TORCHLET_INVALID_ARG');
}
/** An argument of the wrong type: TorchletTypeError, ERR_TORCHLET_INVALID_ARG_TYPE. */
export function typeArg(name: string, what: string, got: unknown): never {
  throw new TorchletTypeError(expected(name, what, got), 'ERR_TORCHLET_INVALID_ARG_TYPE');
}
/** A tensor of a shape the op cannot take: TorchletRangeError, ERR_TORCHLET_SHAPE. */
export function shapeError(name: string, what: string, got: unknown): never {
  throw new TorchletRangeError(expected(name, what, got), 'ERR_TORCHLET_SHAPE');
}
/** A tensor (or dtype) of a dtype the op cannot take: TorchletTypeError, ERR_TORCHLET_DTYPE. */
export function dtypeError(name: string, what: string, got: unknown): never {
  throw new TorchletTypeError(expected(name, what, got), 'ERR_TORCHLET_DTYPE');
}
/** A malformed or unusable device: TorchletError, ERR_TORCHLET_DEVICE. */
export function deviceError(name: string, what: string, got: unknown): never {
  throw new TorchletError(expected(name, what, got), 'ERR_TORCHLET_DEVICE');
}
/** A tensor on another device than the one it must share: TorchletError, ERR_TORCHLET_DEVICE_MISMATCH. */
export function deviceMismatch(name: string, what: string, gotDevice: string): never {
  throw new TorchletError(`torchlet: Expected ${what} for ${name} but received a tensor on ${gotDevice}`, 'ERR_TORCHLET_DEVICE_MISMATCH');
}
/**
 * Checks that `t` (already known to be a tensor) matches `like` in shape, dtype and device, as the
 * tensor called `likeName` it must stand in for: ERR_TORCHLET_SHAPE, ERR_TORCHLET_DTYPE or
 * ERR_TORCHLET_DEVICE_MISMATCH naming `name`.
 */
export function checkSameTensorKind(
  name: string,
  t: { shape: number[]; dtype: string; device: string },
  like: { shape: number[]; dtype: string; device: string },
  likeName: string,
): void {
  if (t.shape.length !== like.shape.length || t.shape.some((s, i) => s !== like.shape[i]))
    shapeError(name, `a tensor of shape [${like.shape.join(', ')}] (the shape of ${likeName})`, t);
  if (t.dtype !== like.dtype) dtypeError(name, `a ${like.dtype} tensor (the dtype of ${likeName})`, t);
  if (t.device !== like.device) deviceMismatch(name, `a tensor on ${like.device} (the device of ${likeName})`, t.device);
}
/** A tensor used after dispose(): TorchletError, ERR_TORCHLET_DISPOSED. */
export function disposedError(what = 'this tensor'): TorchletError {
  return new TorchletError(`torchlet: ${what} was disposed`, 'ERR_TORCHLET_DISPOSED');
}
/** The message of any thrown value (node's errors may come from another realm under jest: no `instanceof Error`). */
export function errorMessage(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}
/**
 * Runs a file-system step; a failure that is not already a TorchletError becomes one with code
 * ERR_TORCHLET_IO, message "torchlet: <what>: <the system's message>" and the original as `cause`.
 */
export function withIo<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TorchletError) throw e;
    throw new TorchletError(`torchlet: ${what}: ${errorMessage(e)}`, 'ERR_TORCHLET_IO', { cause: e });
  }
}
/** A broken internal invariant (a bug): TorchletError, ERR_TORCHLET_INTERNAL. */
export function internalError(message: string): TorchletError {
  return new TorchletError(`torchlet: internal: ${message}`, 'ERR_TORCHLET_INTERNAL');
}

export function checkInt(name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) typeArg(name, 'an integer', v);
  if ((v as number) < min) invalidArg(name, `an integer >= ${min}`, v);
  return v as number;
}

export function checkNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) typeArg(name, 'a number', v);
  return v as number;
}

/** An options argument: undefined (all defaults) or an object (not null, not an array). */
export function checkOptions<T extends object>(name: string, v: T | undefined): T {
  if (v === undefined) return {} as T;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) typeArg(name, 'an options object', v);
  return v;
}

/**
 * An options object (as checkOptions) whose every key is one of `allowed`: an unknown key is an error
 * naming it, with the camelCase spelling as a hint when a snake_case key was given.
 */
export function checkOptionKeys<T extends object>(name: string, v: T | undefined, allowed: readonly string[]): T {
  const o = checkOptions(name, v);
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const camel = k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    const hint = camel !== k && allowed.includes(camel) ? ` (did you mean '${camel}'?)` : '';
    invalidArg(`${name}.${k}`, `one of the options ${allowed.join(', ')}${hint}`, k);
  }
  return o;
}

/** A boolean option: `def` when undefined, else it must be a boolean (no truthiness: `{ bias: 0 }` is an error). */
export function optBool(name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v as boolean;
}

/** Throws when a function got positional arguments after the ones it takes (`rest` holds them). */
export function noExtraArgs(fn: string, takes: string, rest: readonly unknown[]): void {
  if (rest.length) invalidArg(`${fn}()`, `at most the arguments (${takes})`, `${rest.length} more`);
}

/**
 * (number | opts, opts?) -> the options, the number under `key`: the one number PyTorch users pass
 * positionally (`new nn.LeakyReLU(0.2)`, `F.dropout(x, 0.2)`) or all in the options object; the number
 * given twice, or options after options, is an error.
 */
export function numberOrOpts<O extends object>(fn: string, key: string, first: unknown, second: unknown, rest: readonly unknown[], allowed: string[]): O {
  noExtraArgs(fn, `${key} | opts, opts`, rest);
  if (typeof first === 'number') {
    const o = checkOptionKeys('opts', second as O | undefined, allowed.filter((k) => k !== key));
    return { ...o, [key]: first } as O;
  }
  // the default for the number, then options: `new nn.LeakyReLU(undefined, {inplace: true})`
  if (first === undefined && second !== undefined) return checkOptionKeys('opts', second as O, allowed.filter((k) => k !== key));
  if (second !== undefined) invalidArg(`${fn}()`, `at most the arguments (${key} | opts, opts) with a number first`, 'a second argument');
  return checkOptionKeys('opts', first as O | undefined, allowed);
}

/** A number or a tuple of `n` numbers, each an integer >= min. */
export function checkTuple(name: string, v: unknown, n: number, min: number): number[] {
  const arr = typeof v === 'number' ? new Array(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n || !arr.every((x) => typeof x === 'number' && Number.isInteger(x)))
    typeArg(name, `an integer or an array of ${n} integers`, v);
  if (!(arr as number[]).every((x) => x >= min)) invalidArg(name, `integers >= ${min}`, v);
  return arr as number[];
}

