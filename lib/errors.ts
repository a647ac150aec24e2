// lib/errors.ts — argument checking with one message format, as sharp does:
// "torchlet: Expected <what> for <name> but received <got>". Errors carry a `code`.
// Codes of native and device failures: ERR_TORCHLET_INVALID, ERR_TORCHLET_NOT_IMPLEMENTED (e.g. an op
// with no kernel for the device), ERR_TORCHLET_OUT_OF_MEMORY (host or CUDA; after a CUDA one the
// process keeps working), ERR_TORCHLET_INTERNAL (other CUDA failures, with CUDA's message),
// ERR_TORCHLET_NO_CUDA (CUDA asked for where this binary or machine has none, with the reason),
// ERR_TORCHLET_DEVICE_MISMATCH (an op given tensors on different devices), ERR_TORCHLET_DISPOSED.
export class TorchletError extends Error {
  constructor(message: string, public code = 'ERR_TORCHLET_INVALID') {
    super(message);
    this.name = 'TorchletError';
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'object' && v && 'shape' in v && 'dtype' in v) {
    const t = v as { shape: number[]; dtype: string };
    return `a ${t.dtype} tensor of shape [${t.shape.join(', ')}]`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export function invalidArg(name: string, expected: string, got: unknown): never {
  throw new RangeError(`torchlet: Expected ${expected} for ${name} but received ${describe(got)}`);
}
export function typeArg(name: string, expected: string, got: unknown): never {
  throw new TypeError(`torchlet: Expected ${expected} for ${name} but received ${describe(got)}`);
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

/** A number or a tuple of `n` numbers, each an integer >= min. */
export function checkTuple(name: string, v: unknown, n: number, min: number): number[] {
  const arr = typeof v === 'number' ? new Array(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n || !arr.every((x) => typeof x === 'number' && Number.isInteger(x)))
    typeArg(name, `an integer or an array of ${n} integers`, v);
  if (!(arr as number[]).every((x) => x >= min)) invalidArg(name, `integers >= ${min}`, v);
  return arr as number[];
}

/** @internal placeholder until the error family lands: an Error with a code. */
export function makeError(code: string, message: string): Error {
  const e = new TorchletError(message, code);
  return e;
}
