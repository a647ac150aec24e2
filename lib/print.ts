// lib/print.ts — tensors printed as PyTorch 1.13 prints them (torch/_tensor_str.py): `String(t)`,
// `t.toString()` and `console.log(t)` give `tensor([[ 0.1000, -2.0000], ...], dtype=torch.float64,
// requires_grad=True)` with PyTorch's choice of fixed, integer ("1.") or scientific notation, its
// column widths, line wrapping at `linewidth`, and summarisation ("...") of tensors of more than
// `threshold` elements to `edgeitems` rows and columns at each end. A summarised tensor is read only at
// the printed positions (nothing else is copied, from the CPU or a CUDA device).
// Numbers are formatted as Python's format() does: the exact binary value rounded half to even
// (0.03125 prints 0.0312), "nan", "inf", "-0.", two-digit exponents ("1.0000e-05").
// Suffixes as PyTorch's: device='cuda:0' off the CPU, dtype=torch.X unless float32, int64 or bool,
// grad_fn=<name> (torchlet's node names: MulBackward where PyTorch says MulBackward0) or
// requires_grad=True; an empty tensor shows its size (unless 1-D) and any dtype but float32. A
// nn.Parameter prints "Parameter containing:" first.
// torch.setPrintoptions({precision, threshold, edgeitems, linewidth, profile, sciMode}) sets the options
// for the process (profile 'default' | 'short' | 'full' first, then the others); as in PyTorch, a call
// without sciMode puts it back to automatic.
import type { Tensor, TypedArray } from './tensor';
import { ARRAY_OF } from './tensor';
import { checkOptionKeys, invalidArg, typeArg, noExtraArgs } from './errors';

interface PrintOpts {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sciMode: boolean | null;
}
const PROFILES: Record<'default' | 'short' | 'full', Omit<PrintOpts, 'sciMode'>> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};
const OPTS: PrintOpts = { ...PROFILES.default, sciMode: null };

export interface PrintOptions {
  /** digits after the decimal point (default 4) */
  precision?: number;
  /** tensors of more elements than this are summarised (default 1000; Infinity: never) */
  threshold?: number;
  /** rows / columns shown at each end of a summarised dim (default 3; at least 1) */
  edgeitems?: number;
  /** characters per line before a row wraps (default 80) */
  linewidth?: number;
  /** 'default', 'short' (precision 2, edgeitems 2) or 'full' (never summarise), applied first */
  profile?: 'default' | 'short' | 'full';
  /** true / false: always / never scientific notation; null or absent: chosen per tensor */
  sciMode?: boolean | null;
}

function nonNegInt(name: string, v: unknown, allowInf = false): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!Number.isInteger(v) && !(allowInf && v === Infinity)))
    invalidArg(name, allowInf ? 'a non-negative integer or Infinity' : 'a non-negative integer', v);
  return v as number;
}

/** torch.set_printoptions: the options of every tensor printed after the call (see the file comment). */
export function setPrintoptions(opts: PrintOptions = {}, ...rest: never[]): void {
  noExtraArgs('setPrintoptions', '{ precision, threshold, edgeitems, linewidth, profile, sciMode }', rest);
  if (opts === null || typeof opts !== 'object') typeArg('opts', 'an options object', opts);
  checkOptionKeys('setPrintoptions', opts, ['precision', 'threshold', 'edgeitems', 'linewidth', 'profile', 'sciMode']);
  const next: PrintOpts = { ...OPTS };
  if (opts.profile !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(PROFILES, opts.profile as string)) invalidArg('profile', "'default', 'short' or 'full'", opts.profile);
    Object.assign(next, PROFILES[opts.profile]);
  }
  if (opts.precision !== undefined) next.precision = nonNegInt('precision', opts.precision);
  if (next.precision > 100) invalidArg('precision', 'at most 100', next.precision);
  if (opts.threshold !== undefined) next.threshold = nonNegInt('threshold', opts.threshold, true);
  if (opts.edgeitems !== undefined) next.edgeitems = nonNegInt('edgeitems', opts.edgeitems);
  // PyTorch 1.13 prints a whole summarised vector after "..." with 0 and fails on more dims
  if (next.edgeitems < 1) invalidArg('edgeitems', 'a positive integer', next.edgeitems);
  if (opts.linewidth !== undefined) next.linewidth = nonNegInt('linewidth', opts.linewidth);
  if (opts.sciMode !== undefined && opts.sciMode !== null && typeof opts.sciMode !== 'boolean') typeArg('sciMode', 'a boolean or null', opts.sciMode);
  next.sciMode = opts.sciMode ?? null;
  Object.assign(OPTS, next);
}

// ---- Python's format() of one float --------------------------------------------------------------

/** x (finite, >= 0) = m * 2^e exactly. */
function decompose(x: number): [bigint, number] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const bits = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(dv.getUint32(4));
  if (bits === 0) return [m, -1074];
  m |= 1n << 52n;
  return [m, bits - 1075];
}
/** x (finite, >= 0) * 10^k exactly, as num / den. */
function scaled(x: number, k: number): [bigint, bigint] {
  const [m, e] = decompose(x);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  return [num, den];
}
/** round(num / den) half to even. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}
/** digits of n, with `f` of them after a decimal point (zero-padded to fit) */
function withPoint(n: bigint, f: number): string {
  if (f === 0) return n.toString();
  const s = n.toString().padStart(f + 1, '0');
  return `${s.slice(0, s.length - f)}.${s.slice(s.length - f)}`;
}
function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}
const sign = (v: number) => (v < 0 || Object.is(v, -0) ? '-' : '');

/** Python's '{:.<f>f}'.format(v). */
export function pyFixed(v: number, f: number): string {
  const nf = nonFinite(v);
  if (nf !== null) return nf;
  const [num, den] = scaled(Math.abs(v), f);
  return sign(v) + withPoint(roundHalfEven(num, den), f);
}
/** Python's '{:.<p>e}'.format(v). */
export function pyExp(v: number, p: number): string {
  const nf = nonFinite(v);
  if (nf !== null) return nf;
  const a = Math.abs(v);
  let n = 0n;
  let exp = 0;
  if (a !== 0) {
    exp = Math.floor(Math.log10(a));
    for (;;) {
      const [num, den] = scaled(a, p - exp);
      n = roundHalfEven(num, den);
      const lim = 10n ** BigInt(p + 1);
      const low = 10n ** BigInt(p);
      if (n >= lim) exp += 1; // log10 a shade low, or rounded up to 10.000
      else if (n < low) exp -= 1; // log10 a shade high
      else break;
    }
  }
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign(v)}${withPoint(n, p)}e${exp < 0 ? '-' : '+'}${e}`;
}

// ---- PyTorch's _Formatter ----------------------------------------------------------------------

type Value = number | bigint | boolean;
class Formatter {
  floating: boolean;
  intMode = true;
  sciMode = false;
  width = 1;
  constructor(floating: boolean, values: Value[]) {
    this.floating = floating;
    if (!floating) {
      for (const v of values) this.width = Math.max(this.width, this.raw(v).length);
      return;
    }
    const vals = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
    if (vals.length === 0) return; // PyTorch returns here: sciMode stays off whatever the options say
    let lo = Infinity;
    let hi = 0;
    for (const v of vals) {
      const a = Math.abs(v);
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    if (hi / lo > 1000 || hi > 1e8 || (!this.intMode && lo < 1e-4)) {
      this.sciMode = true;
      for (const v of vals) this.width = Math.max(this.width, pyExp(v, OPTS.precision).length);
    } else if (this.intMode) for (const v of vals) this.width = Math.max(this.width, pyFixed(v, 0).length + 1);
    else for (const v of vals) this.width = Math.max(this.width, pyFixed(v, OPTS.precision).length);
    if (OPTS.sciMode !== null) this.sciMode = OPTS.sciMode;
  }
  raw(v: Value): string {
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (!this.floating) return String(v);
    const x = v as number;
    if (this.sciMode) return pyExp(x, OPTS.precision);
    if (this.intMode) return pyFixed(x, 0) + (Number.isFinite(x) ? '.' : '');
    return pyFixed(x, OPTS.precision);
  }
  format(v: Value): string {
    return this.raw(v).padStart(this.width, ' ');
  }
}

// ---- reading the printed elements ----------------------------------------------------------------

/** The indices printed along each dim: all, or the first and last edgeitems. */
function shownIndices(shape: number[], summarize: boolean): number[][] {
  const e = OPTS.edgeitems;
  return shape.map((n) => {
    if (summarize && n > 2 * e) return [...Array.from({ length: e }, (_, i) => i), ...Array.from({ length: e }, (_, i) => n - e + i)];
    return Array.from({ length: n }, (_, i) => i);
  });
}
function asValues(t: Tensor, a: TypedArray): Value[] {
  if (t.dtype === 'bool') return Array.from(a as Uint8Array, (v) => v !== 0);
  return Array.from(a as ArrayLike<number | bigint>);
}
/** The elements at the shown positions, in row-major order of those positions. */
function readShown(t: Tensor, shown: number[][]): Value[] {
  if (shown.every((ix, d) => ix.length === t.shape[d])) return asValues(t, t.toArray());
  const store = (t as unknown as { _storage: { native: { read(off: number, n: number): ArrayBuffer } } })._storage.native;
  const out: Value[] = [];
  const nd = t.shape.length;
  const last = shown[nd - 1];
  const lastStride = t.strides[nd - 1];
  // runs of consecutive indices along the last dim, each read at once when the dim is dense
  const runs: [number, number][] = [];
  for (const i of last) {
    const r = runs[runs.length - 1];
    if (r && lastStride === 1 && r[0] + r[1] === i) r[1] += 1;
    else runs.push([i, 1]);
  }
  const walk = (d: number, off: number) => {
    if (d === nd - 1) {
      for (const [i, n] of runs) out.push(...asValues(t, new ARRAY_OF[t.dtype](store.read(off + i * lastStride, n))));
      return;
    }
    for (const i of shown[d]) walk(d + 1, off + i * t.strides[d]);
  };
  walk(0, t.offset);
  return out;
}

// ---- layout ------------------------------------------------------------------------------------

function body(t: Tensor, indent: number): string {
  const summarize = t.numel() > OPTS.threshold;
  const shown = shownIndices(t.shape, summarize);
  const values = readShown(t, shown);
  const fmt = new Formatter(t.dtype === 'float32' || t.dtype === 'float64', values);
  const nd = t.shape.length;
  if (nd === 0) return fmt.format(values[0]);
  const e = OPTS.edgeitems;
  let pos = 0;
  const rec = (d: number, ind: number): string => {
    const cut = shown[d].length < t.shape[d]; // summarised here: "..." after the first edgeitems
    if (d === nd - 1) {
      const perLine = Math.max(1, Math.floor((OPTS.linewidth - ind) / (fmt.width + 2)));
      const items: string[] = [];
      for (let k = 0; k < shown[d].length; k++) {
        if (cut && k === e) items.push(' ...');
        items.push(fmt.format(values[pos++]));
      }
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(ind + 1)}`)}]`;
    }
    const slices: string[] = [];
    for (let k = 0; k < shown[d].length; k++) {
      if (cut && k === e) slices.push('...');
      slices.push(rec(d + 1, ind + 1));
    }
    return `[${slices.join(`,${'\n'.repeat(nd - d - 1)}${' '.repeat(ind + 1)}`)}]`;
  };
  return rec(0, indent);
}

function addSuffixes(s: string, suffixes: string[], indent: number): string {
  let lastLen = s.length - s.lastIndexOf('\n') + 1;
  const parts = [s];
  for (const suf of suffixes) {
    if (lastLen + suf.length + 2 > OPTS.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${suf}`);
      lastLen = indent + suf.length;
    } else {
      parts.push(`, ${suf}`);
      lastLen += suf.length + 2;
    }
  }
  return `${parts.join('')})`;
}

/** PyTorch's repr of a tensor (str(t)); see the file comment. */
export function formatTensor(t: Tensor, parameter = false): string {
  if (t.disposed) return 'tensor(<disposed>)';
  const prefix = 'tensor(';
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  let s: string;
  if (t.numel() === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(', ')})`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=torch.${t.dtype}`);
    s = '[]';
  } else {
    if (t.dtype !== 'float32' && t.dtype !== 'int64' && t.dtype !== 'bool') suffixes.push(`dtype=torch.${t.dtype}`);
    s = body(t, prefix.length);
  }
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  const repr = addSuffixes(prefix + s, suffixes, prefix.length);
  return parameter ? `Parameter containing:\n${repr}` : repr;
}
