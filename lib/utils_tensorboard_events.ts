// lib/utils_tensorboard_events.ts — the formats under torch.utils.tensorboard (lib/utils_tensorboard.ts),
// internal: CRC32C and TFRecord framing, a tiny protobuf writer for TensorBoard's Event / Summary /
// HistogramProto / Summary.Image / TensorProto messages, the event-file writer (an in-memory queue
// written in the background at its own file offsets, rewritten synchronously at process exit),
// PyTorch's make_histogram over numpy's histogram (pairwise sums, linspace edges, the bin estimators)
// PyTorch's image conversion (convert_to_HWC, make_grid, scaling) before PNG encoding, its audio (WAV)
// and PR-curve (compute_curve) summaries, and the hparams plugin's messages.
// Contract: every encoder writes exactly the bytes Python's protobuf writes for the same message
// (fields in number order, proto3 defaults left out), so events with the same wall time and step
// are byte-identical to PyTorch's (test/utils/tensorboard.test.ts checks them against its fixture).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { TorchletError, checkInt, errorMessage, invalidArg, shapeError, typeArg, withIo } from './errors';
import { Tensor } from './tensor';
import { encodePng } from './data/png_encode';

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli) and TFRecord framing
// ---------------------------------------------------------------------------------------------
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of the bytes. */
export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** TFRecord's masked CRC: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, modulo 2^32. */
export function maskedCrc32c(buf: Uint8Array): number {
  const c = crc32c(buf);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
/** One TFRecord record: uint64 length (LE), masked CRC32C of those 8 bytes, the payload, its masked CRC32C. */
export function tfRecord(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(16 + payload.length);
  out.writeBigUInt64LE(BigInt(payload.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(payload, 12);
  out.writeUInt32LE(maskedCrc32c(payload), 12 + payload.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// A tiny protobuf writer (proto3: scalar fields at their default value are left out by the callers)
// ---------------------------------------------------------------------------------------------
function varint(v: bigint | number): Buffer {
  let x = BigInt.asUintN(64, BigInt(v));
  const bytes: number[] = [];
  while (x >= 0x80n) {
    bytes.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  bytes.push(Number(x));
  return Buffer.from(bytes);
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
export const pbVarint = (field: number, v: bigint | number) => Buffer.concat([key(field, 0), varint(v)]);
function pbDouble(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([key(field, 1), b]);
}
function pbFloat(field: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return Buffer.concat([key(field, 5), b]);
}
export const pbBytes = (field: number, b: Uint8Array) => Buffer.concat([key(field, 2), varint(b.length), b]);
export const pbString = (field: number, s: string) => pbBytes(field, Buffer.from(s, 'utf8'));
export function pbPackedDoubles(field: number, vs: readonly number[]): Buffer {
  const b = Buffer.alloc(8 * vs.length);
  vs.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return pbBytes(field, b);
}
export function pbPackedFloats(field: number, vs: readonly number[]): Buffer {
  const b = Buffer.alloc(4 * vs.length);
  vs.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return pbBytes(field, b);
}
/** proto3 leaves a double at 0 out (-0 is written: its bits are not zero). */
const optDouble = (field: number, v: number) => (v === 0 && !Object.is(v, -0) ? [] : [pbDouble(field, v)]);
export const cat = (parts: Buffer[]): Buffer => Buffer.concat(parts);

/** SummaryMetadata{plugin_data{plugin_name, content}}. */
export function pluginMetadata(pluginName: string, content?: Buffer): Buffer {
  return pbBytes(1, cat([pbString(1, pluginName), ...(content && content.length ? [pbBytes(2, content)] : [])]));
}
/** One Summary.Value: tag (1), simple_value (2), image (4), histo (5), audio (6), tensor (8), metadata (9). */
export function summaryValue(tag: string, v: { simpleValue?: number; image?: Buffer; histo?: Buffer; audio?: Buffer; tensor?: Buffer; metadata?: Buffer }): Buffer {
  const parts: Buffer[] = tag === '' ? [] : [pbString(1, tag)];
  if (v.simpleValue !== undefined) parts.push(pbFloat(2, v.simpleValue));
  if (v.image) parts.push(pbBytes(4, v.image));
  if (v.histo) parts.push(pbBytes(5, v.histo));
  if (v.audio) parts.push(pbBytes(6, v.audio));
  if (v.tensor) parts.push(pbBytes(8, v.tensor));
  if (v.metadata) parts.push(pbBytes(9, v.metadata));
  return cat(parts);
}
/** Summary{value: [one value]}. */
export const summaryOf = (value: Buffer) => pbBytes(1, value);

/** PyTorch's scalar(): Summary{tag, simple_value} (newStyle: a DT_FLOAT / DT_DOUBLE tensor with the scalars plugin). */
export function scalarSummary(tag: string, v: number, newStyle = false, doublePrecision = false): Buffer {
  if (!newStyle) return summaryOf(summaryValue(tag, { simpleValue: v }));
  // TensorProto: dtype (1) DT_FLOAT = 1 / DT_DOUBLE = 2, float_val (5) / double_val (6), packed
  const tensor = doublePrecision ? cat([pbVarint(1, 2), pbPackedDoubles(6, [v])]) : cat([pbVarint(1, 1), pbPackedFloats(5, [v])]);
  return summaryOf(summaryValue(tag, { tensor, metadata: pluginMetadata('scalars') }));
}
/** PyTorch's text(): a DT_STRING tensor of shape [1] tagged tag + '/text_summary', with the text plugin. */
export function textSummary(tag: string, text: string): Buffer {
  // TensorProto: dtype (1) DT_STRING = 7, tensor_shape (2) {dim (2) {size (1) = 1}}, string_val (8)
  const tensor = cat([pbVarint(1, 7), pbBytes(2, pbBytes(2, pbVarint(1, 1))), pbString(8, text)]);
  return summaryOf(summaryValue(`${tag}/text_summary`, { tensor, metadata: pluginMetadata('text') }));
}

/** Event: wall_time (1), step (2), file_version (3), summary (5), session_log (7). */
export function encodeEvent(e: { wallTime: number; step?: number; fileVersion?: string; summary?: Buffer; sessionLog?: Buffer }): Buffer {
  const parts: Buffer[] = [...optDouble(1, e.wallTime)];
  if (e.step) parts.push(pbVarint(2, e.step));
  if (e.fileVersion !== undefined) parts.push(pbString(3, e.fileVersion));
  if (e.summary) parts.push(pbBytes(5, e.summary));
  if (e.sessionLog) parts.push(pbBytes(7, e.sessionLog));
  return cat(parts);
}

// ---------------------------------------------------------------------------------------------
// Event files: the queue, the background writes, the exit hook
// ---------------------------------------------------------------------------------------------
let fileCounter = 0; // tensorboard's _global_uid: the event files this process opened
const live = new Set<EventFileWriter>();
let exitHooked = false;
/** Writes everything every open event file holds, synchronously; the process 'exit' hook also closes them. */
export function flushAllSync(andClose = false): void {
  for (const w of [...live]) w.flushSync(andClose);
}
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => flushAllSync(true));
}
export const wallNow = () => (performance.timeOrigin + performance.now()) / 1000;

interface Chunk {
  buf: Buffer;
  pos: number;
}

/**
 * One event file. Records queue in memory (`pending`); a flush makes them one chunk with its file offset
 * and hands it to libuv's thread pool at once (fs.write, positional), one chunk in flight at a time,
 * the next one started from the previous one's callback: the file only ever grows at its end, and the
 * training loop never waits for the disk.
 */
export class EventFileWriter {
  readonly logDir: string;
  readonly fileName: string;
  private fd: number | null;
  private readonly maxQueue: number;
  private pending: Buffer[] = [];
  /** chunks waiting for their write, in file order; the first one may be in flight (rewritten at exit: same bytes, same place) */
  private readonly chunks: Chunk[] = [];
  private writing = false;
  /** bytes given a place in the file / bytes written */
  private pos = 0;
  private written = 0;
  private waiters: { upTo: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null;
  error: TorchletError | null = null;
  closed = false;

  constructor(logDir: string, maxQueue: number, flushSecs: number, filenameSuffix: string) {
    this.logDir = logDir;
    this.maxQueue = maxQueue;
    withIo(`SummaryWriter: cannot create the log directory ${JSON.stringify(logDir)}`, () => fs.mkdirSync(logDir, { recursive: true }));
    const secs = String(Math.trunc(Date.now() / 1000)).padStart(10, '0');
    this.fileName = path.join(logDir, `events.out.tfevents.${secs}.${os.hostname()}.${process.pid}.${fileCounter++}`) + filenameSuffix;
    this.fd = withIo(`SummaryWriter: cannot create the event file ${JSON.stringify(this.fileName)}`, () => fs.openSync(this.fileName, 'w'));
    // the first record, at once (as tensorboard's writer flushes it): the file is valid from the start
    const first = tfRecord(encodeEvent({ wallTime: wallNow(), fileVersion: 'brain.Event:2' }));
    try {
      withIo(`SummaryWriter: cannot write the event file ${JSON.stringify(this.fileName)}`, () => fs.writeSync(this.fd!, first, 0, first.length, 0));
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
    this.pos = this.written = first.length;
    this.timer = setInterval(() => void this.flush(), flushSecs * 1000);
    this.timer.unref();
    hookExit();
    live.add(this);
  }

  /** The error of a failed background write (thrown by every later call). */
  check(): void {
    if (this.error) throw this.error;
  }
  /** Queues one event (its TFRecord bytes); a full queue starts a background write. */
  add(event: Buffer): void {
    this.check();
    this.pending.push(tfRecord(event));
    if (this.pending.length >= this.maxQueue) void this.flush();
  }
  /** The pending records as one chunk at the end of the file. */
  private take(): void {
    if (!this.pending.length) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.chunks.push({ buf, pos: this.pos });
    this.pos += buf.length;
  }
  private fail(e: unknown): void {
    if (!this.error)
      this.error = new TorchletError(`torchlet: SummaryWriter: writing the event file ${JSON.stringify(this.fileName)} failed: ${errorMessage(e)}`, 'ERR_TORCHLET_IO', { cause: e });
  }
  /** Settles the flush() promises whose bytes are written (all of them after an error). */
  private settle(): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.error) w.reject(this.error);
      else if (this.written >= w.upTo) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }
  /** Starts the write of the first chunk unless one is in flight. */
  private pump(): void {
    if (this.writing) return;
    const c = this.chunks[0];
    if (!c || this.fd === null || this.error) {
      this.settle();
      return;
    }
    this.writing = true;
    const fd = this.fd;
    const step = (off: number) => {
      fs.write(fd, c.buf, off, c.buf.length - off, c.pos + off, (err, n) => {
        if (!err && off + n < c.buf.length) return step(off + n);
        this.writing = false;
        if (this.chunks[0] === c) this.chunks.shift(); // (flushSync may have written it already)
        if (err) this.fail(err);
        else this.written = Math.max(this.written, c.pos + c.buf.length);
        this.settle();
        this.pump();
      });
    };
    step(0);
  }
  /** Hands the queue to a background write; resolves once it (and every earlier one) is written. */
  flush(): Promise<void> {
    this.take();
    const upTo = this.pos;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
    p.catch(() => undefined); // an un-awaited flush() is not an unhandled rejection; the error stays on the writer
    this.pump();
    return p;
  }
  /** Writes whatever is queued or in flight now, synchronously; with `andClose`, closes the file. */
  flushSync(andClose: boolean): void {
    this.take();
    if (this.fd !== null && !this.error) {
      try {
        // the chunk in flight is written again: the same bytes at the same place
        for (const ch of this.chunks) {
          let off = 0;
          while (off < ch.buf.length) off += fs.writeSync(this.fd, ch.buf, off, ch.buf.length - off, ch.pos + off);
          this.written = Math.max(this.written, ch.pos + ch.buf.length);
        }
        this.chunks.splice(this.writing ? 1 : 0);
      } catch (e) {
        this.fail(e);
      }
    }
    this.settle();
    if (andClose) this.release();
  }
  private release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    live.delete(this);
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch (e) {
        this.fail(e);
      }
      this.fd = null;
    }
  }
  /** Writes the queue, then closes the file (resolves when closed; rejects with a write error). */
  close(): Promise<void> {
    if (this.closed) return this.flush();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const done = (): void => {
      if (this.fd !== null) this.release(); // (the exit hook may have closed it already)
      if (this.error) throw this.error;
    };
    const p = this.flush().then(done, () => done());
    p.catch(() => undefined);
    return p;
  }
}

// ---------------------------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------------------------
export function checkTag(name: string, v: unknown): string {
  if (typeof v !== 'string') typeArg(name, 'a string', v);
  return v as string;
}
export function checkStep(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) typeArg('globalStep', 'an integer (a safe integer) or undefined', v);
  return v as number;
}
export function checkWalltime(v: unknown): number {
  if (v === undefined || v === null) return wallNow();
  if (typeof v !== 'number' || !Number.isFinite(v)) typeArg('walltime', 'a finite number (seconds since the epoch) or undefined', v);
  return v as number;
}
export function isTypedNumbers(v: unknown): v is Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}
/** The elements of a tensor as float64 numbers (a copy, flat, row-major). */
function tensorValues(name: string, t: Tensor): Float64Array {
  const a = t.detach().toArray();
  if (a instanceof BigInt64Array) return Float64Array.from(a, (x) => Number(x));
  return Float64Array.from(a as ArrayLike<number>);
}
/** One number from a number, a boolean or a one-element tensor (PyTorch's make_np(v).squeeze().ndim == 0). */
export function toScalar(name: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Tensor) {
    if (v.numel() !== 1) shapeError(name, 'a tensor with one element', v);
    return tensorValues(name, v)[0]!;
  }
  return typeArg(name, 'a number or a tensor with one element', v);
}
/** The flat values of a tensor, an array of numbers or a typed array, as float64. */
export function histogramValues(name: string, v: unknown): Float64Array {
  let out: Float64Array;
  if (v instanceof Tensor) out = tensorValues(name, v);
  else if (isTypedNumbers(v)) out = Float64Array.from(v as ArrayLike<number>);
  else if (Array.isArray(v)) {
    const flat = (v as unknown[]).flat(Infinity as 1) as unknown[];
    if (!flat.every((x) => typeof x === 'number' || typeof x === 'boolean')) typeArg(name, 'a tensor, a typed array or a (nested) array of numbers', v);
    out = Float64Array.from(flat as number[], (x) => Number(x));
  } else return typeArg(name, 'a tensor, a typed array or a (nested) array of numbers', v);
  if (out.length === 0) invalidArg(name, 'at least one value (PyTorch: "The input has no element.")', v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Histograms: numpy.histogram + PyTorch's make_histogram
// ---------------------------------------------------------------------------------------------
/** PyTorch's default ('tensorflow') bucket edges: ±1e-12 * 1.1^k up to 1e20, and 0. */
export const TENSORFLOW_BINS: readonly number[] = (() => {
  const pos: number[] = [];
  let v = 1e-12;
  while (v < 1e20) {
    pos.push(v);
    v *= 1.1;
  }
  return Object.freeze([...pos.map((x) => -x).reverse(), 0, ...pos]);
})();

/** numpy's pairwise summation (np.add.reduce over a contiguous float64 array). */
function pairwiseSum(a: Float64Array, lo: number, n: number): number {
  if (n < 8) {
    let r = 0;
    for (let i = 0; i < n; i++) r += a[lo + i]!;
    return r;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0].map((_, j) => a[lo + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[lo + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[lo + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}
const npSum = (a: Float64Array) => 0 + pairwiseSum(a, 0, a.length);

/** numpy.linspace(start, stop, num) (endpoint included). */
function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(step === 0 ? (i / div) * delta + start : i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}
/** numpy.percentile(sorted, q) with the default 'linear' method. */
function percentile(sorted: Float64Array, q: number): number {
  const idx = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = idx - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}
type BinEstimator = 'auto' | 'fd' | 'rice' | 'scott' | 'sqrt' | 'sturges';
const ESTIMATORS: readonly string[] = ['auto', 'fd', 'rice', 'scott', 'sqrt', 'sturges'];
/** numpy's bin width estimators (numpy/lib/histograms.py). */
function binWidth(est: BinEstimator, x: Float64Array): number {
  const n = x.length;
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of x) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const ptp = mx - mn;
  const sturges = () => ptp / (Math.log2(n) + 1.0);
  const fd = () => {
    const s = Float64Array.from(x).sort();
    return 2.0 * (percentile(s, 75) - percentile(s, 25)) * n ** (-1.0 / 3.0);
  };
  switch (est) {
    case 'sqrt':
      return ptp / n ** 0.5;
    case 'sturges':
      return sturges();
    case 'rice':
      return ptp / (2.0 * n ** (1.0 / 3));
    case 'scott': {
      const mean = npSum(x) / n;
      const dev = Float64Array.from(x, (v) => Math.abs(v - mean) ** 2);
      return ((24.0 * Math.PI ** 0.5) / n) ** (1.0 / 3.0) * Math.sqrt(npSum(dev) / n);
    }
    case 'fd':
      return fd();
    case 'auto': {
      const f = fd();
      const s = sturges();
      return f ? Math.min(f, s) : s;
    }
  }
}
/** numpy.histogram(values, bins): [counts, edges] (each bin [e_i, e_i+1), the last one closed). */
function npHistogram(values: Float64Array, bins: number | BinEstimator | readonly number[]): [number[], number[]] {
  let edges: number[];
  if (typeof bins === 'number' || typeof bins === 'string') {
    let first = Infinity;
    let last = -Infinity;
    for (const v of values) {
      if (v < first) first = v;
      if (v > last) last = v;
    }
    if (!Number.isFinite(first) || !Number.isFinite(last) || values.some((v) => Number.isNaN(v)))
      invalidArg('values', `finite values when bins is a number or an estimator (numpy: autodetected range is not finite)`, 'a non-finite value');
    if (first === last) {
      first -= 0.5;
      last += 0.5;
    }
    let n: number;
    if (typeof bins === 'number') n = bins;
    else {
      const w = binWidth(bins, values);
      n = w ? Math.ceil((last - first) / w) : 1;
    }
    edges = linspace(first, last, n + 1);
  } else edges = [...bins];
  const nb = edges.length - 1;
  const counts = new Array<number>(nb).fill(0);
  const lo = edges[0]!;
  const hi = edges[nb]!;
  for (const v of values) {
    if (!(v >= lo && v <= hi)) continue;
    // the last edge <= v (the last bin includes its right edge)
    let a = 0;
    let b = nb;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (edges[m]! <= v) a = m;
      else b = m;
    }
    counts[a]!++;
  }
  return [counts, edges];
}
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}
/** PyTorch's make_histogram: numpy's histogram, optionally merged to maxBins, trimmed to its support. */
export function makeHistogram(values: Float64Array, bins: number | BinEstimator | readonly number[], maxBins?: number): Histogram {
  let [counts, limits] = npHistogram(values, bins);
  const numBins = counts.length;
  if (maxBins !== undefined && numBins > maxBins) {
    const sub = Math.floor(numBins / maxBins);
    const rem = numBins % sub;
    if (rem !== 0) counts = [...counts, ...new Array<number>(sub - rem).fill(0)];
    const merged: number[] = [];
    for (let i = 0; i < counts.length; i += sub) merged.push(counts.slice(i, i + sub).reduce((s, c) => s + c, 0));
    const newLimits: number[] = [];
    for (let i = 0; i < limits.length - 1; i += sub) newLimits.push(limits[i]!);
    newLimits.length = merged.length;
    newLimits.push(limits[limits.length - 1]!);
    counts = merged;
    limits = newLimits;
  }
  const firstNonzero = counts.findIndex((c) => c > 0);
  let lastNonzero = -1;
  for (let i = counts.length - 1; i >= 0; i--)
    if (counts[i]! > 0) {
      lastNonzero = i;
      break;
    }
  if (firstNonzero < 0) invalidArg('values', 'values inside the range of the bins (PyTorch: "The histogram is empty")', 'none inside it');
  const start = firstNonzero;
  const end = lastNonzero + 1;
  const c = start > 0 ? counts.slice(start - 1, end) : [0, ...counts.slice(0, end)];
  const l = limits.slice(start, end + 1);
  let mn = Infinity;
  let mx = -Infinity;
  let ss = 0;
  for (const v of values) {
    mn = v < mn || Number.isNaN(v) ? v : mn;
    mx = v > mx || Number.isNaN(v) ? v : mx;
    ss += v * v;
  }
  return { min: mn, max: mx, num: values.length, sum: npSum(values), sumSquares: ss, bucketLimit: l, bucket: c };
}
export function encodeHistogram(h: Histogram): Buffer {
  return cat([
    ...optDouble(1, h.min), ...optDouble(2, h.max), ...optDouble(3, h.num), ...optDouble(4, h.sum), ...optDouble(5, h.sumSquares),
    ...(h.bucketLimit.length ? [pbPackedDoubles(6, h.bucketLimit)] : []),
    ...(h.bucket.length ? [pbPackedDoubles(7, h.bucket)] : []),
  ]);
}
export function checkBins(v: unknown): number | BinEstimator | readonly number[] {
  if (v === undefined || v === 'tensorflow') return TENSORFLOW_BINS;
  if (typeof v === 'number') return checkInt('bins', v, 1);
  if (typeof v === 'string') {
    if (!ESTIMATORS.includes(v)) invalidArg('bins', `'tensorflow', a number of bins, an array of edges or one of numpy's estimators ${ESTIMATORS.map((e) => `'${e}'`).join(', ')}`, v);
    return v as BinEstimator;
  }
  if (Array.isArray(v) || isTypedNumbers(v)) {
    const e = Array.from(v as ArrayLike<unknown>);
    if (!e.every((x) => typeof x === 'number' && Number.isFinite(x))) typeArg('bins', 'an array of finite numbers (the bin edges)', v);
    if (e.length < 2 || (e as number[]).some((x, i) => i > 0 && x < (e as number[])[i - 1]!)) invalidArg('bins', 'at least 2 edges, increasing monotonically', v);
    return e as number[];
  }
  return typeArg('bins', "'tensorflow', a number of bins, an array of edges or a numpy estimator name", v);
}

// ---------------------------------------------------------------------------------------------
// Images: PyTorch's convert_to_HWC, make_grid, scale and PNG
// ---------------------------------------------------------------------------------------------
/** PyTorch's image(): [height, width, channels, HWC bytes] of a tensor laid out as `dataformats`. */
export function imageToHWC(name: string, img: unknown, dataformats: string): { height: number; width: number; channels: number; data: Uint8Array } {
  if (!(img instanceof Tensor)) typeArg(name, 'a tensor', img);
  const t = img as Tensor;
  const fmt = dataformats.toUpperCase();
  if (new Set(fmt).size !== fmt.length || !/^([NCHW]{4}|[CHW]{3}|[HW]{2})$/.test(fmt))
    invalidArg('opts.dataformats', "a layout such as 'CHW', 'HWC', 'HW', 'NCHW' or 'NHWC' (each letter once)", dataformats);
  if (t.ndim !== fmt.length) shapeError(name, `a tensor with ${fmt.length} dimensions (dataformats '${dataformats}')`, t);
  const scale = t.dtype === 'uint8' ? 1 : 255;
  const raw = tensorValues(name, t);
  const shape = t.shape;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, s) => p * s, 1));
  const dim = (c: string) => fmt.indexOf(c);
  const size = (c: string) => (dim(c) >= 0 ? shape[dim(c)]! : 1);
  const stride = (c: string) => (dim(c) >= 0 ? strides[dim(c)]! : 0);
  const N = size('N');
  const C = size('C');
  const H = size('H');
  const W = size('W');
  if (fmt.length === 4 && C !== 1 && C !== 3) shapeError(name, 'images with 1 or 3 channels (dataformats with N)', t);
  if (N === 0 || H === 0 || W === 0 || C === 0) shapeError(name, 'a non-empty image', t);
  if (C > 4) shapeError(name, 'an image with 1 to 4 channels', t);
  const outC = C === 1 ? 3 : C;
  const ncols = Math.min(N, 8);
  const nrows = Math.ceil(N / ncols);
  const height = fmt.length === 4 ? H * nrows : H;
  const width = fmt.length === 4 ? W * ncols : W;
  const data = new Uint8Array(height * width * outC); // the canvas of make_grid starts at zero
  const px = (v: number) => {
    const f = Math.fround(Math.fround(v) * scale);
    return f > 0 ? (f >= 255 ? 255 : Math.trunc(f)) : 0; // clipped (NaN -> 0)
  };
  for (let n = 0; n < N; n++) {
    const oy = Math.floor(n / ncols) * H;
    const ox = (n % ncols) * W;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < outC; c++) {
          const src = n * stride('N') + (C === 1 ? 0 : c) * stride('C') + y * stride('H') + x * stride('W');
          data[((oy + y) * width + ox + x) * outC + c] = px(raw[src]!);
        }
  }
  return { height, width, channels: outC, data };
}
export function encodeImage(name: string, img: unknown, dataformats: string): Buffer {
  const { height, width, channels, data } = imageToHWC(name, img, dataformats);
  const mode = (['L', 'LA', 'RGB', 'RGBA'] as const)[channels - 1]!;
  const png = encodePng({ data, width, height, mode });
  return cat([pbVarint(1, height), pbVarint(2, width), pbVarint(3, channels), pbBytes(4, png)]);
}

// ---------------------------------------------------------------------------------------------
// PR curves: PyTorch's compute_curve / pr_curve (the pr_curves plugin)
// ---------------------------------------------------------------------------------------------
/** The values of a tensor or an array, and whether they are float32 (PyTorch computes in their precision). */
function curveInput(name: string, v: unknown): { a: Float64Array; f32: boolean } {
  if (v instanceof Tensor) return { a: tensorValues(name, v), f32: v.dtype === 'float32' };
  return { a: histogramValues(name, v), f32: v instanceof Float32Array };
}
/**
 * The pr_curves summary: rows TP, FP, TN, FN, precision, recall over numThresholds (at most 127)
 * thresholds, as float32, computed as numpy does (weighted histogram of floor(p * (n - 1)), reverse cumsums).
 */
export function prCurveSummary(tag: string, labels: unknown, predictions: unknown, numThresholds: number, weights: unknown): Buffer {
  const nt = Math.min(numThresholds, 127);
  const L = curveInput('labels', labels).a;
  const P = curveInput('predictions', predictions);
  if (L.length !== P.a.length) shapeError('labels', `as many labels as predictions (${P.a.length})`, labels);
  let W: Float64Array | null = null;
  if (weights !== undefined && weights !== null) {
    if (typeof weights === 'number') W = new Float64Array(L.length).fill(weights);
    else {
      W = curveInput('weights', weights).a;
      if (W.length !== L.length) shapeError('weights', `as many weights as labels (${L.length})`, weights);
    }
  }
  const edges = linspace(0, nt - 1, nt + 1);
  const tpB = new Array<number>(nt).fill(0);
  const fpB = new Array<number>(nt).fill(0);
  const BLOCK = 65536; // numpy sums each block's weights, then adds the blocks
  for (let lo = 0; lo < L.length; lo += BLOCK) {
    const tb = new Array<number>(nt).fill(0);
    const fb = new Array<number>(nt).fill(0);
    for (let i = lo; i < Math.min(L.length, lo + BLOCK); i++) {
      const x = P.f32 ? Math.fround(Math.fround(P.a[i]!) * (nt - 1)) : P.a[i]! * (nt - 1);
      const fl = Math.floor(x);
      const idx = Number.isFinite(fl) && fl >= -2147483648 && fl <= 2147483647 ? fl : -2147483648; // np.int32
      if (!(idx >= 0 && idx <= nt - 1)) continue;
      let a = 0;
      let b = nt;
      while (b - a > 1) {
        const m = (a + b) >> 1;
        if (edges[m]! <= idx) a = m;
        else b = m;
      }
      const w = W ? W[i]! : 1.0;
      tb[a]! += L[i]! * w;
      fb[a]! += (1.0 - L[i]!) * w;
    }
    for (let k = 0; k < nt; k++) {
      tpB[k]! += tb[k]!;
      fpB[k]! += fb[k]!;
    }
  }
  const tp = new Array<number>(nt);
  const fp = new Array<number>(nt);
  let st = 0;
  let sf = 0;
  for (let k = nt - 1; k >= 0; k--) {
    tp[k] = st += tpB[k]!;
    fp[k] = sf += fpB[k]!;
  }
  const tn = fp.map((x) => fp[0]! - x);
  const fn = tp.map((x) => tp[0]! - x);
  const precision = tp.map((x, k) => x / Math.max(1e-7, x + fp[k]!));
  const recall = tp.map((x, k) => x / Math.max(1e-7, x + fn[k]!));
  const data = [...tp, ...fp, ...tn, ...fn, ...precision, ...recall];
  // TensorProto: dtype (1) DT_FLOAT, tensor_shape (2) [6, nt], float_val (5); PrCurvePluginData{num_thresholds (2)}
  const shape = cat([pbBytes(2, pbVarint(1, 6)), pbBytes(2, pbVarint(1, nt))]);
  const tensor = cat([pbVarint(1, 1), pbBytes(2, shape), pbPackedFloats(5, data)]);
  return summaryOf(summaryValue(tag, { tensor, metadata: pluginMetadata('pr_curves', pbVarint(2, nt)) }));
}

// ---------------------------------------------------------------------------------------------
// Custom scalars: PyTorch's custom_scalars (the custom_scalars plugin's Layout)
// ---------------------------------------------------------------------------------------------
export type ChartKind = 'Multiline' | 'Margin';
export type CustomScalarsLayout = Record<string, Record<string, [ChartKind, string[]]>>;
/** Checks a layout {category: {chartTitle: ['Multiline', tags] | ['Margin', [value, lower, upper]]}}. */
export function checkLayout(name: string, layout: unknown): CustomScalarsLayout {
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
  if (!isObj(layout)) typeArg(name, "an object {category: {chartTitle: ['Multiline', tags] or ['Margin', [value, lower, upper]]}}", layout);
  for (const [cat_, charts] of Object.entries(layout as object)) {
    if (!isObj(charts)) typeArg(`${name}.${cat_}`, "an object {chartTitle: ['Multiline', tags] or ['Margin', [value, lower, upper]]}", charts);
    for (const [title, chart] of Object.entries(charts as object)) {
      const at = `${name}.${cat_}.${title}`;
      if (!Array.isArray(chart) || chart.length !== 2 || !Array.isArray(chart[1]) || !(chart[1] as unknown[]).every((t) => typeof t === 'string'))
        typeArg(at, "['Multiline', tags] or ['Margin', [value, lower, upper]] (tags: strings)", chart);
      const [kind, tags] = chart as [unknown, string[]];
      if (kind !== 'Multiline' && kind !== 'Margin') invalidArg(`${at}[0]`, "'Multiline' or 'Margin'", kind);
      if (kind === 'Margin' && tags.length !== 3) invalidArg(`${at}[1]`, 'three tags (value, lower, upper) for a Margin chart', tags);
    }
  }
  return layout as CustomScalarsLayout;
}
/** The custom_scalars__config__ summary: the Layout as a DT_STRING tensor (of empty shape). */
export function customScalarsSummary(layout: CustomScalarsLayout): Buffer {
  // Layout{category (2)}, Category{title (1), chart (2)}, Chart{title (1), multiline (2) {tag (1)} | margin (3) {series (1) {value, lower, upper}}}
  const categories = Object.entries(layout).map(([title, charts]) => {
    const cs = Object.entries(charts).map(([ct, [kind, tags]]) => {
      const content = kind === 'Margin'
        ? pbBytes(3, pbBytes(1, cat(tags.map((t, i) => (t === '' ? Buffer.alloc(0) : pbString(i + 1, t))))))
        : pbBytes(2, cat(tags.map((t) => pbString(1, t))));
      return pbBytes(2, cat([...(ct === '' ? [] : [pbString(1, ct)]), content]));
    });
    return pbBytes(2, cat([...(title === '' ? [] : [pbString(1, title)]), ...cs]));
  });
  const tensor = cat([pbVarint(1, 7), pbBytes(2, Buffer.alloc(0)), pbBytes(8, cat(categories))]);
  return summaryOf(summaryValue('custom_scalars__config__', { tensor, metadata: pluginMetadata('custom_scalars') }));
}

// ---------------------------------------------------------------------------------------------
// Audio: PyTorch's audio(), a mono 16-bit PCM WAV file
// ---------------------------------------------------------------------------------------------
/** Summary.Audio of a 1-D (after squeezing) signal: clipped to [-1, 1] when it leaves it, * 32767 truncated to int16. */
export function encodeAudio(name: string, snd: unknown, sampleRate: number): Buffer {
  if (!(snd instanceof Tensor)) typeArg(name, 'a tensor', snd);
  const t = snd as Tensor;
  if (t.shape.filter((s) => s !== 1).length !== 1) shapeError(name, 'a tensor with one dimension of size > 1 (after squeezing)', t);
  const a = tensorValues(name, t);
  let peak = 0;
  for (const v of a) peak = Math.max(peak, Math.abs(v));
  const clip = peak > 1;
  // PyTorch multiplies in the tensor's precision (float32 stays float32)
  const mul = t.dtype === 'float64' ? (v: number) => v * 32767 : (v: number) => Math.fround(Math.fround(v) * 32767);
  const n = a.length;
  const wav = Buffer.alloc(44 + 2 * n);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + 2 * n, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  // Python's wave module: int(round(rate)), halves to even
  const fl = Math.floor(sampleRate);
  const rate = sampleRate - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(sampleRate);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) {
    let v = a[i]!;
    if (clip) v = Math.min(1, Math.max(-1, v));
    const x = mul(v);
    wav.writeInt16LE(Number.isNaN(x) ? 0 : Math.trunc(x), 44 + 2 * i);
  }
  // Summary.Audio: sample_rate (1, float), num_channels (2), length_frames (3), encoded_audio_string (4), content_type (5)
  return cat([...(sampleRate ? [pbFloat(1, sampleRate)] : []), pbVarint(2, 1), ...(n ? [pbVarint(3, n)] : []), pbBytes(4, wav), pbString(5, 'audio/wav')]);
}

// ---------------------------------------------------------------------------------------------
// Hyperparameters (the hparams plugin, as PyTorch's summary.hparams)
// ---------------------------------------------------------------------------------------------
/** google.protobuf.Value: number_value (2), string_value (3). */
function pbValue(v: number | string): Buffer {
  return typeof v === 'number' ? pbDouble(2, v) : pbString(3, v);
}
/**
 * PyTorch's hparams(): the experiment, session start and session end summaries. Booleans are numbers
 * there (Python's isinstance(True, int)): 1 or 0, DATA_TYPE_FLOAT64, as PyTorch 1.13 writes them.
 */
export function hparamsSummaries(
  hparams: Record<string, number | string | boolean>, metrics: Record<string, number>, domains: Record<string, (number | string | boolean)[]>,
): Buffer[] {
  const num = (v: number | string | boolean) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
  const infos: Buffer[] = [];
  const starts: Buffer[] = [];
  for (const [k, v] of Object.entries(hparams)) {
    // session_start_info.hparams: map<string, Value> entries {key (1), value (2)}
    starts.push(pbBytes(1, cat([pbString(1, k), pbBytes(2, pbValue(num(v)))])));
    // HParamInfo: name (1), type (4: DATA_TYPE_STRING 1, FLOAT64 3), domain_discrete (5: ListValue{values (1)})
    const dom = domains[k];
    const parts = [pbString(1, k), pbVarint(4, typeof v === 'string' ? 1 : 3)];
    if (dom) parts.push(pbBytes(5, cat(dom.map((d) => pbBytes(1, pbValue(num(d)))))));
    infos.push(pbBytes(4, cat(parts)));
  }
  // MetricInfo: name (1): MetricName{tag (2)}; Experiment.metric_infos (5)
  const metricInfos = Object.keys(metrics).map((m) => pbBytes(5, pbBytes(1, pbString(2, m))));
  // HParamsPluginData: version (1) = 0, experiment (2), session_start_info (3), session_end_info (4)
  const experiment = pbBytes(2, cat([...infos, ...metricInfos]));
  const sessionStart = pbBytes(3, cat(starts));
  const sessionEnd = pbBytes(4, pbVarint(1, 1)); // status: STATUS_SUCCESS
  return [
    ['_hparams_/experiment', experiment],
    ['_hparams_/session_start_info', sessionStart],
    ['_hparams_/session_end_info', sessionEnd],
  ].map(([tag, content]) => summaryOf(summaryValue(tag as string, { metadata: pluginMetadata('hparams', content as Buffer) })));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** PyTorch's default log directory: runs/<Mon>DD_HH-MM-SS_<hostname><comment>, local time. */
export function defaultLogDir(comment = '', now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[now.getMonth()]}${p(now.getDate())}_${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`;
  return path.join('runs', `${stamp}_${os.hostname()}${comment}`);
}
