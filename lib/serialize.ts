// lib/serialize.ts — torch.save / torch.load in the safetensors format (8-byte little-endian
// header length, JSON header {name: {dtype, shape, data_offsets}, __metadata__}, raw bytes),
// so weights move to and from PyTorch's safetensors. Writes are atomic: a temporary file in the
// same directory, fsync, rename, fsync of the directory, so a crash never damages the previous
// file; a save never replaces a symbolic link or a non-regular file, creates missing directories
// one plain mkdir at a time, and removes the temporaries of killed saves (writer process gone).
// Reads treat the file as untrusted: the header (at most MAX_HEADER_BYTES) is checked in full
// against the specification before any tensor is made (parseHeader), and only the header, then one
// tensor at a time, is held in memory. Every bad file is ERR_TORCHLET_BAD_FILE naming the problem.
//
// Keys are written and read exactly as given: the PyTorch naming of state dicts is the job of
// nn.Module.stateDict() (PyTorch's keys, e.g. `bn.running_mean`) and loadStateDict() (accepts
// those and torchlet's attribute paths). So `torch.save(model.stateDict(), 'w.safetensors')` is
// read by `safetensors.torch.load_file` + a strict `load_state_dict` in PyTorch, and a file from
// `safetensors.torch.save_file(model.state_dict(), ...)` by `model.loadStateDict(torch.load(f))`.
// Files from PyTorch in float16 / bfloat16 load as float32 (torchlet has no half types).
import * as fs from 'fs';
import * as path from 'path';
import { isUtf8 } from 'buffer';
import { invalidArg, typeArg, withIo, TorchletError, errorMessage, checkOptionKeys, noExtraArgs } from './errors';
import { Tensor, DType, parseDevice } from './tensor';
import { fromBuffer } from './creation';
import { CheckpointParser, isPickle, isZip, parseLegacyCheckpoint, parsePytorchCheckpoint } from './serialize_pytorch';

const TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', uint8: 'U8', bool: 'BOOL' };
const FROM_ST: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int64', U8: 'uint8', BOOL: 'bool' };

/** Half-precision files (PyTorch's float16 / bfloat16 checkpoints), read as float32. */
export const HALF: Record<string, (bits: number) => number> = {
  F16: (h) => {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) return s * f * 2 ** -24;
    if (e === 31) return f ? NaN : s * Infinity;
    return s * (1 + f / 1024) * 2 ** (e - 15);
  },
  BF16: (h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0],
};

export function serialize(dict: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  return Buffer.concat(serializeParts(dict, metadata));
}

/** serialize() as its parts (the 8-byte length, the header, one buffer per tensor), not concatenated. */
function serializeParts(dict: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer[] {
  if (!dict || typeof dict !== 'object') invalidArg('stateDict', 'an object of named tensors', dict);
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) typeArg('metadata', 'an object of strings', metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') typeArg(`metadata['${k}']`, 'a string (safetensors metadata maps strings to strings)', v);
    if (k === '__proto__') invalidArg('metadata', 'keys other than "__proto__"', k);
  }
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header.__metadata__ = { ...metadata };
  const chunks: Buffer[] = [];
  let off = 0;
  for (const [name, t] of Object.entries(dict)) {
    if (name === '__metadata__' || name === '__proto__') invalidArg('stateDict', `tensor names other than "${name}" (reserved)`, name);
    if (!(t instanceof Tensor)) invalidArg(`stateDict['${name}']`, 'a Tensor', t);
    const arr = t.toArray();
    const bytes = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [off, off + bytes.length] };
    chunks.push(bytes);
    off += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align data to 8 bytes, as the reference writer does
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return [head, Buffer.from(json, 'utf8'), ...chunks];
}

/** The largest header accepted, in bytes (the limit of the reference implementation, huggingface/safetensors). */
export const MAX_HEADER_BYTES = 100_000_000;
/** The most entries (tensors plus metadata keys) a header may hold. */
export const MAX_HEADER_ENTRIES = 100_000;
/** The most dimensions a tensor's shape may have. */
export const MAX_DIMS = 64;
/** Bytes per element of every safetensors dtype (the specification's list); torchlet reads those in FROM_ST and HALF. */
const ST_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8, C64: 8,
};

/** One tensor of a checked header: its dtype, shape and byte range in the data section. */
interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}
/** A checked header: the tensors in header order and the `__metadata__` strings (a null-prototype object). */
export interface SafetensorsHeader {
  entries: Entry[];
  metadata: Record<string, string>;
}

/**
 * A strict reader of the JSON header, straight from its bytes (no copy of the whole header as one
 * string, no generic JSON values): only the safetensors grammar {name: {dtype, shape, data_offsets}},
 * `__metadata__` {string: string} is accepted, each name once, with integer offsets and sizes.
 */
class HeaderParser {
  pos = 0;
  constructor(
    private readonly h: Buffer,
    private readonly bad: (why: string) => never,
  ) {}
  ws(): void {
    const h = this.h;
    while (this.pos < h.length && (h[this.pos] === 0x20 || h[this.pos] === 0x0a || h[this.pos] === 0x0d || h[this.pos] === 0x09)) this.pos++;
  }
  peek(): number {
    this.ws();
    return this.pos < this.h.length ? this.h[this.pos] : -1;
  }
  expect(c: string, what: string): void {
    if (this.peek() !== c.charCodeAt(0)) this.bad(`${what} at header byte ${this.pos}`);
    this.pos++;
  }
  /** A JSON string (escapes checked by JSON.parse on this one token). */
  string(what: string): string {
    if (this.peek() !== 0x22) this.bad(`${what} at header byte ${this.pos}: expected a string`);
    const h = this.h;
    const start = this.pos;
    let escaped = false;
    let i = start + 1;
    for (; i < h.length && h[i] !== 0x22; i++) {
      if (h[i] < 0x20) this.bad(`${what} at header byte ${start}: control character in a string`);
      if (h[i] === 0x5c) {
        escaped = true;
        i++;
      }
    }
    if (i >= h.length) this.bad(`${what} at header byte ${start}: unterminated string`);
    this.pos = i + 1;
    if (!escaped) return h.toString('utf8', start + 1, i);
    try {
      return JSON.parse(h.toString('utf8', start, i + 1)) as string;
    } catch {
      return this.bad(`${what} at header byte ${start}: bad escape in a string`);
    }
  }
  /** A non-negative JSON integer that is a safe integer. */
  integer(what: string): number {
    const h = this.h;
    this.ws();
    const start = this.pos;
    while (this.pos < h.length && h[this.pos] >= 0x30 && h[this.pos] <= 0x39) this.pos++;
    const text = h.toString('latin1', start, this.pos);
    const next = this.pos < h.length ? h[this.pos] : -1;
    if (!text || (text.length > 1 && text[0] === '0') || next === 0x2e || next === 0x65 || next === 0x45 || next === 0x2d)
      this.bad(`${what} is not a non-negative integer (header byte ${start})`);
    const v = Number(text);
    if (!Number.isSafeInteger(v)) this.bad(`${what} ${text} is too large`);
    return v;
  }
  /** An array of integers, at most `max` long. */
  integers(what: string, max: number): number[] {
    if (this.peek() !== 0x5b) this.bad(`${what} is not an array of integers`);
    this.pos++;
    const out: number[] = [];
    if (this.peek() === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (out.length >= max) this.bad(`${what} has more than ${max} elements`);
      out.push(this.integer(`${what}[${out.length}]`));
      const c = this.peek();
      this.pos++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.bad(`${what} is not an array of integers`);
    }
  }
  /** Calls `member(key)` for each key of an object (the parser positioned on its value); keys must be unique. */
  object(what: string, member: (key: string) => void): void {
    if (this.peek() !== 0x7b) this.bad(`${what} is not a JSON object`);
    this.pos++;
    const seen = new Set<string>();
    if (this.peek() === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      const key = this.string(`a key of ${what}`);
      if (seen.has(key)) this.bad(`${what} has the key ${JSON.stringify(key)} twice`);
      if (key === '__proto__') this.bad(`${what} has the key "__proto__" (refused: it would replace the prototype of a plain object)`);
      seen.add(key);
      this.expect(':', `a ':' after ${JSON.stringify(key)} in ${what}`);
      member(key);
      const c = this.peek();
      this.pos++;
      if (c === 0x7d) return;
      if (c !== 0x2c) this.bad(`${what}: expected ',' or '}' at header byte ${this.pos - 1}`);
    }
  }
}

/**
 * Checks a safetensors header (the bytes after the 8-byte length) against its data section of
 * `dataBytes` bytes, as the specification and its reference implementation do: a JSON object of
 * tensors {dtype, shape, data_offsets} and an optional `__metadata__` of strings; every dtype known
 * and read by torchlet; each tensor's byte count = product(shape) x dtype size; the offsets, sorted,
 * tile the data section exactly (from 0, contiguous, no overlap, no bytes after the last tensor).
 * Throws ERR_TORCHLET_BAD_FILE naming the first problem.
 */
export function parseHeader(header: Buffer, dataBytes: number, source = 'buffer'): SafetensorsHeader {
  const bad = (why: string): never => {
    throw new TorchletError(`torchlet: ${source} is not a valid safetensors file: ${why}`, 'ERR_TORCHLET_BAD_FILE');
  };
  if (!isUtf8(header)) bad('header is not UTF-8 text');
  const p = new HeaderParser(header, bad);
  const entries: Entry[] = [];
  const metadata: Record<string, string> = Object.create(null);
  let count = 0;
  p.object('the header', (name) => {
    if (++count > MAX_HEADER_ENTRIES) bad(`header has more than ${MAX_HEADER_ENTRIES} entries`);
    if (name === '__metadata__') {
      p.object('__metadata__', (k) => {
        if (++count > MAX_HEADER_ENTRIES) bad(`header has more than ${MAX_HEADER_ENTRIES} entries`);
        if (p.peek() !== 0x22) bad(`__metadata__[${JSON.stringify(k)}] is not a string (metadata maps strings to strings)`);
        metadata[k] = p.string(`__metadata__[${JSON.stringify(k)}]`);
      });
      return;
    }
    const what = `tensor ${JSON.stringify(name)}`;
    let dtype: string | undefined;
    let shape: number[] | undefined;
    let offsets: number[] | undefined;
    p.object(what, (field) => {
      if (field === 'dtype') dtype = p.string(`${what} dtype`);
      else if (field === 'shape') shape = p.integers(`${what} shape`, MAX_DIMS);
      else if (field === 'data_offsets') offsets = p.integers(`${what} data_offsets`, 2);
      else bad(`${what} has the unknown field ${JSON.stringify(field)} (expected dtype, shape, data_offsets)`);
    });
    if (dtype === undefined || shape === undefined || offsets === undefined)
      bad(`${what} lacks ${[dtype === undefined && 'dtype', shape === undefined && 'shape', offsets === undefined && 'data_offsets'].filter(Boolean).join(', ')}`);
    if (offsets!.length !== 2) bad(`${what} data_offsets is not [begin, end]`);
    const [begin, end] = offsets!;
    if (begin > end) bad(`${what} has data_offsets [${begin}, ${end}] with begin > end`);
    if (end > dataBytes) bad(`${what} has data_offsets [${begin}, ${end}] past the end of the data (${dataBytes} bytes)`);
    const size = ST_BYTES[dtype!];
    if (size === undefined) bad(`${what} has the unknown dtype ${JSON.stringify(dtype)}`);
    if (!FROM_ST[dtype!] && !HALF[dtype!]) bad(`${what} has dtype ${dtype}, which torchlet cannot read (it reads ${[...Object.keys(FROM_ST), ...Object.keys(HALF)].join(', ')})`);
    let bytes = size;
    for (const d of shape!) bytes *= d;
    if (!Number.isSafeInteger(bytes) || bytes !== end - begin)
      bad(`${what} of dtype ${dtype} and shape [${shape!.join(', ')}] needs ${bytes} bytes, but its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    entries.push({ name, dtype: dtype!, shape: shape!, begin, end });
  });
  if (p.peek() !== -1) bad(`trailing characters after the header's JSON object at header byte ${p.pos}`);
  // the reference implementation's rule: sorted by offsets, the tensors tile the data section
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at)
      bad(e.begin < at ? `tensor ${JSON.stringify(e.name)} at [${e.begin}, ${e.end}] overlaps the tensor before it (which ends at ${at})`
        : `the data section has a gap of unused bytes [${at}, ${e.begin}) before tensor ${JSON.stringify(e.name)}`);
    at = e.end;
  }
  if (at !== dataBytes) bad(`${dataBytes - at} trailing bytes after the last tensor (the tensors cover ${at} of ${dataBytes} data bytes)`);
  return { entries, metadata };
}

/** Splits a whole file held in memory into its checked header and data section. */
function splitFile(buf: Buffer, source: string): { header: SafetensorsHeader; data: Buffer } {
  const n = headerLength(buf, buf.length, source);
  return { header: parseHeader(buf.subarray(8, 8 + n), buf.length - 8 - n, source), data: buf.subarray(8 + n) };
}

/** The error for a PyTorch pickle checkpoint (.pt / .pth) where only safetensors is read (the zip format: torch.load reads it). */
function pytorchPickle(source: string, what: string): TorchletError {
  return new TorchletError(
    `torchlet: ${source} is ${what}, not a safetensors file: a PyTorch pickle checkpoint (.pt / .pth), which ` +
      'torch.load and torch.loadAsync read (weights only, as torch.load(f, weights_only=True)); this function reads safetensors only. Or convert it on the PyTorch side: ' +
      '`from safetensors.torch import save_file; save_file(model.state_dict(), "model.safetensors")` ' +
      `(or \`save_file(torch.load("${source}"), "model.safetensors")\` for a file that holds a state dict), then torch.load the .safetensors file.`,
    'ERR_TORCHLET_BAD_FILE',
  );
}

/** The header length of a file of `fileBytes` bytes whose first 8 bytes are `head`, checked. */
function headerLength(head: Buffer, fileBytes: number, source: string): number {
  const bad = (why: string): never => {
    throw new TorchletError(`torchlet: ${source} is not a valid safetensors file: ${why}`, 'ERR_TORCHLET_BAD_FILE');
  };
  if (fileBytes >= 4 && head.readUInt32BE(0) === 0x504b0304) throw pytorchPickle(source, 'a zip archive (the format of PyTorch\'s torch.save since 1.6)');
  if (fileBytes >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) throw pytorchPickle(source, `a Python pickle (protocol ${head[1]}; PyTorch's legacy torch.save format)`);
  if (fileBytes < 8) bad('shorter than its 8-byte header length');
  const n = head.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) bad(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (Number(n) > fileBytes - 8) bad(`header length ${n} exceeds the file size (${fileBytes} bytes)`);
  return Number(n);
}

/** The tensors of a checked header; `read(dst, begin)` fills `dst` with the data bytes from `begin`. */
function makeTensors(header: SafetensorsHeader, read: (dst: Uint8Array, begin: number) => void, source: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  try {
    for (const { name, dtype: st, shape, begin, end } of header.entries) {
      const bytes = new Uint8Array(end - begin);
      read(bytes, begin);
      const half = HALF[st];
      if (half) {
        const u16 = new Uint16Array(bytes.buffer, 0, bytes.length / 2);
        const f = new Float32Array(u16.length);
        for (let i = 0; i < f.length; i++) f[i] = half(u16[i]); // little-endian hosts (as the addon requires)
        out[name] = fromBuffer(f, shape);
        continue;
      }
      const dtype = FROM_ST[st];
      if (dtype === 'bool' && bytes.some((b) => b > 1))
        throw new TorchletError(`torchlet: ${source} is not a valid safetensors file: BOOL tensor ${JSON.stringify(name)} holds a byte other than 0 or 1`, 'ERR_TORCHLET_BAD_FILE');
      const arr =
        dtype === 'float32' ? new Float32Array(bytes.buffer) : dtype === 'float64' ? new Float64Array(bytes.buffer)
          : dtype === 'int64' ? new BigInt64Array(bytes.buffer) : dtype === 'int32' ? new Int32Array(bytes.buffer) : bytes;
      out[name] = fromBuffer(arr, shape, { dtype });
    }
  } catch (e) {
    Object.values(out).forEach((t) => t.dispose());
    throw e;
  }
  return out;
}

/** The tensors of a safetensors file held in memory (checked as parseHeader says). */
export function deserialize(buf: Buffer, source = 'buffer'): Record<string, Tensor> {
  return deserializeWithMetadata(buf, source).tensors;
}

/** The tensors and the `__metadata__` strings (a null-prototype object) of a safetensors file held in memory. */
export function deserializeWithMetadata(buf: Buffer, source = 'buffer'): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (!Buffer.isBuffer(buf)) typeArg('buf', 'a Buffer', buf);
  const { header, data } = splitFile(buf, source);
  return { tensors: makeTensors(header, (dst, b) => dst.set(data.subarray(b, b + dst.length)), source), metadata: header.metadata };
}

/** Save's temporary files: `.<target name>.<writer pid>.<random>.tmp`, beside the target. */
const TMP_RE = /^\.(.+)\.(\d{1,10})\.([0-9a-z]{1,16})\.tmp$/;

function ioError(message: string): never {
  throw new TorchletError(`torchlet: ${message}`, 'ERR_TORCHLET_IO');
}

/** True unless the process `pid` is known to be gone (signal 0 answers ESRCH). */
function processAlive(pid: number): boolean {
  if (!(pid >= 1 && pid <= 0x3fffffff)) return true; // not a pid we can ask about: keep its file
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the temporary files that killed saves left in `dir`: only names of save's own pattern,
 * only regular files, only those whose writer process has exited (never this process's own, which
 * another thread may be writing). Best effort: a file that cannot be removed stays.
 */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TMP_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    const f = path.join(dir, name);
    try {
      if (!fs.lstatSync(f).isFile()) continue;
      fs.unlinkSync(f);
      removed.push(f);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/**
 * Creates `dir` and its missing parents one component at a time with a plain mkdir (no recursive
 * mkdir, which can spin forever where mkdir fails oddly, as inside /proc): the first failure is an
 * error naming the component.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st) {
      if (!st.isDirectory()) ioError(`cannot create ${dir}: ${d} is not a directory`);
      break;
    }
    missing.push(d);
    if (path.dirname(d) === d) break; // a root that does not exist: mkdir below reports it
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // another writer may have made it meanwhile; anything else is the answer
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw e;
    }
  }
}

/** fsync of a directory (the rename in it made durable); skipped where directories cannot be synced. */
function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (e) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) return; // e.g. Windows
    throw e;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `bytes` to `file` atomically: a temporary file beside it, fsync, rename, fsync of the
 * directory. Refuses to replace anything but a regular file (a symbolic link, a device, a FIFO, a
 * directory): ERR_TORCHLET_IO. Creates missing directories (makeDirs) and first removes the stale
 * temporaries of killed saves in the directory (removeStaleTemporaries).
 */
export function writeFileAtomic(file: string, bytes: Uint8Array | Uint8Array[]): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  withIo(`cannot write ${file}`, () => {
    makeDirs(dir);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st?.isSymbolicLink()) ioError(`cannot write ${file}: it is a symbolic link (torchlet never replaces a link; remove it or write to its target)`);
    if (st && !st.isFile()) ioError(`cannot write ${file}: it exists and is not a regular file (torchlet replaces regular files only)`);
    removeStaleTemporaries(dir);
    const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 14) || '0'}.tmp`);
    try {
      const fd = fs.openSync(tmp, 'wx');
      try {
        for (const b of Array.isArray(bytes) ? bytes : [bytes]) {
          for (let done = 0; done < b.length; ) done += fs.writeSync(fd, b, done, b.length - done);
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, target);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    syncDir(dir);
  });
}

/** The metadata key that holds the structure of a saved object (torch.save of anything but a flat dict of tensors). */
export const OBJECT_KEY = 'torchlet.object';

/** A value torch.save stores: tensors, numbers, strings, booleans, null, and arrays and plain objects of them. */
export type Saveable = Tensor | number | string | boolean | null | Saveable[] | { [key: string]: Saveable | undefined };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
function isFlatTensorDict(v: unknown): v is Record<string, Tensor> {
  return isPlainObject(v) && Object.values(v).every((t) => t instanceof Tensor);
}

/**
 * The JSON structure of a saved object: tensors become {"$tensor": name} (one name per tensor object,
 * its first path), non-finite numbers and -0 {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}, and a
 * plain object with a key starting with "$" is wrapped as {"$object": {...}}, so no user key is ever
 * read as a marker. Object properties whose value is undefined are left out (as JSON does).
 */
function encodeObject(root: unknown): { json: string; tensors: Record<string, Tensor> } {
  const tensors: Record<string, Tensor> = {};
  const names = new Map<Tensor, string>();
  const active = new Set<object>();
  const enc = (v: unknown, where: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $num: Object.is(v, -0) ? '-0' : String(v) };
    if (v instanceof Tensor) {
      let name = names.get(v);
      if (name === undefined) {
        name = where || 'tensor';
        for (let k = 1; name in tensors || name === '__metadata__'; k++) name = `${where || 'tensor'}#${k}`;
        names.set(v, name);
        tensors[name] = v;
      }
      return { $tensor: name };
    }
    const at = where || 'obj';
    if (Array.isArray(v) || isPlainObject(v)) {
      if (active.has(v)) invalidArg(at, 'a value without cycles (torch.save stores trees)', 'a reference to an enclosing object');
      active.add(v);
      try {
        if (Array.isArray(v))
          return v.map((x, i) => {
            if (x === undefined) typeArg(`${at}[${i}]`, 'a saveable value (undefined in an array cannot be stored)', x);
            return enc(x, where ? `${where}.${i}` : String(i));
          });
        const out: Record<string, unknown> = {};
        let marked = false;
        for (const [k, x] of Object.entries(v)) {
          if (k === '__proto__') invalidArg(at, 'keys other than "__proto__"', k);
          if (x === undefined) continue;
          if (k.startsWith('$')) marked = true;
          out[k] = enc(x, where ? `${where}.${k}` : k);
        }
        return marked ? { $object: out } : out;
      } finally {
        active.delete(v);
      }
    }
    return typeArg(at, 'a tensor, number, string, boolean, null, or an array or plain object of them', v);
  };
  const structure = enc(root, '');
  return { json: JSON.stringify({ format: 'torchlet-object', version: 1, root: structure }), tensors };
}

/** Rebuilds a saved object from its structure; every problem is ERR_TORCHLET_BAD_FILE naming it. */
function decodeObject(json: string, tensors: Record<string, Tensor>, source: string): unknown {
  const bad = (why: string): never => {
    throw new TorchletError(`torchlet: ${source} has malformed ${OBJECT_KEY} metadata: ${why}`, 'ERR_TORCHLET_BAD_FILE');
  };
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    bad(`not JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(doc) || doc.format !== 'torchlet-object' || !('root' in doc)) bad('expected {"format": "torchlet-object", "version": 1, "root": ...}');
  const d = doc as { version: unknown; root: unknown };
  if (d.version !== 1) bad(`version ${JSON.stringify(d.version)} (this torchlet reads version 1)`);
  const used = new Set<string>();
  const dec = (v: unknown, where: string, depth: number): unknown => {
    if (depth > 1000) bad(`nested more than 1000 levels deep at ${where}`);
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
    if (Array.isArray(v)) return v.map((x, i) => dec(x, `${where}[${i}]`, depth + 1));
    if (!isPlainObject(v)) return bad(`unexpected value at ${where}`);
    const keys = Object.keys(v);
    if (keys.includes('__proto__')) bad(`the key "__proto__" at ${where}`);
    if (keys.length === 1 && keys[0] === '$tensor') {
      const name = v.$tensor;
      if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(tensors, name)) bad(`${where} refers to the tensor ${JSON.stringify(name)}, which the file does not hold`);
      used.add(name as string);
      return tensors[name as string];
    }
    if (keys.length === 1 && keys[0] === '$num') {
      const n = v.$num;
      if (n === 'NaN' || n === 'Infinity' || n === '-Infinity' || n === '-0') return n === '-0' ? -0 : Number(n);
      return bad(`${where} holds the number marker ${JSON.stringify(n)} (expected NaN, Infinity, -Infinity or -0)`);
    }
    let body = v;
    if (keys.length === 1 && keys[0] === '$object') {
      if (!isPlainObject(v.$object)) bad(`${where}.$object is not an object`);
      body = v.$object as Record<string, unknown>;
      if (Object.keys(body).includes('__proto__')) bad(`the key "__proto__" at ${where}`);
    } else if (keys.some((k) => k.startsWith('$'))) bad(`${where} has a key starting with "$" outside an $object wrapper`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(body)) out[k] = dec(x, `${where}.${k}`, depth + 1);
    return out;
  };
  const root = dec(d.root, 'root', 0);
  const unused = Object.keys(tensors).filter((n) => !used.has(n));
  if (unused.length) bad(`the tensors ${unused.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${unused.length > 5 ? ', ...' : ''} are not part of the saved object`);
  return root;
}

/**
 * torch.save: writes `obj` to `file` as ONE safetensors file, atomically (a crash never damages the
 * previous file; see writeFileAtomic). A flat object of named tensors (a state dict) is written as
 * before: its keys are the tensor names, readable by PyTorch's `safetensors.torch.load_file`. Any other
 * object (nested objects and arrays of tensors, numbers, strings, booleans and null: a training
 * checkpoint `{model: model.stateDict(), optimizer: opt.stateDict(), epoch}`) stores its tensors by
 * path (`model.conv1.weight`, `optimizer.state.0.expAvg`) and its structure as JSON in the metadata key
 * `torchlet.object`, so loading it never runs code. `opts.metadata` adds `__metadata__` strings.
 * Refuses to replace a symbolic link or a non-regular file (ERR_TORCHLET_IO).
 * @example torch.save(model.stateDict(), 'model.safetensors') // PyTorch: model.load_state_dict(load_file('model.safetensors'))
 * @example torch.save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 3 }, 'ckpt.safetensors')
 */
export function save(obj: Saveable, file: string, opts: { metadata?: Record<string, string> } = {}): void {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  if (opts === null || typeof opts !== 'object') typeArg('opts', 'an options object', opts);
  for (const k of Object.keys(opts)) if (k !== 'metadata') invalidArg(`opts.${k}`, 'the option metadata', k);
  if (isFlatTensorDict(obj)) {
    writeFileAtomic(file, serialize(obj, opts.metadata));
    return;
  }
  if (opts.metadata !== undefined && (opts.metadata === null || typeof opts.metadata !== 'object' || Array.isArray(opts.metadata))) typeArg('metadata', 'an object of strings', opts.metadata);
  if (opts.metadata && Object.prototype.hasOwnProperty.call(opts.metadata, OBJECT_KEY)) invalidArg('metadata', `keys other than "${OBJECT_KEY}" (torchlet's own)`, OBJECT_KEY);
  const { json, tensors } = encodeObject(obj);
  const metadata = { ...(opts.metadata ?? {}) };
  metadata[OBJECT_KEY] = json;
  writeFileAtomic(file, serialize(tensors, metadata));
}

/** torch.load's options: PyTorch's map_location (a device) and weights_only. */
export interface LoadOptions {
  /** The device the tensors go to ('cpu', 'cuda', 'cuda:1'; default: the CPU, where a file's tensors are read). */
  mapLocation?: string;
  /**
   * PyTorch's weights_only. torchlet always loads weights only (nothing in a file is ever run), so
   * `false` loads the same: a PyTorch file that needs other Python objects is refused with the reason.
   */
  weightsOnly?: boolean;
}

function loadOptions(opts: unknown): { device: string | null } {
  const o = checkOptionKeys('opts', opts as LoadOptions, ['mapLocation', 'weightsOnly']);
  if (o.weightsOnly !== undefined && typeof o.weightsOnly !== 'boolean') typeArg('opts.weightsOnly', 'a boolean', o.weightsOnly);
  if (o.mapLocation === undefined || o.mapLocation === null) return { device: null };
  if (typeof o.mapLocation !== 'string')
    typeArg('opts.mapLocation', "a device string ('cpu', 'cuda', 'cuda:1'; PyTorch's dict and function forms are not supported)", o.mapLocation);
  parseDevice('opts.mapLocation', o.mapLocation); // a coded error for a malformed or unavailable device
  return { device: o.mapLocation };
}

/** Moves every tensor of a loaded object to `device` (the CPU originals disposed). */
function place<T>(obj: T, device: string | null): T {
  if (device === null) return obj;
  const seen = new Map<unknown, unknown>();
  const walk = (v: unknown): unknown => {
    if (v instanceof Tensor) {
      if (seen.has(v)) return seen.get(v);
      const moved = v.to(device);
      if (moved !== v) v.dispose();
      seen.set(v, moved);
      return moved;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
      return v;
    }
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = walk((v as Record<string, unknown>)[k]);
      return v;
    }
    return v;
  };
  return walk(obj) as T;
}

/** What a safetensors file holds: its flat tensors, or the nested object torch.save wrote (its tensors freed if that fails to decode). */
function objectOf({ tensors, metadata }: { tensors: Record<string, Tensor>; metadata: Record<string, string> }, file: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(metadata, OBJECT_KEY)) return tensors;
  try {
    return decodeObject(metadata[OBJECT_KEY], tensors, file);
  } catch (e) {
    Object.values(tensors).forEach((t) => t.dispose());
    throw e;
  }
}

/** A loaded object on `device` (null: where it was read); its tensors freed if moving fails. */
function placed<T>(obj: unknown, device: string | null): T {
  try {
    return place(obj, device) as T;
  } catch (e) {
    disposeAll(obj);
    throw e;
  }
}

/** The tensors of a loaded object (to free them when placing fails). */
function disposeAll(obj: unknown): void {
  const walk = (v: unknown): void => {
    if (v instanceof Tensor) v.dispose();
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) Object.values(v).forEach(walk);
  };
  walk(obj);
}

/** Runs a PyTorch checkpoint parser over an open file, synchronously. */
function runParserSync(parser: CheckpointParser, fd: number, file: string): unknown {
  let r = parser.next();
  while (!r.done) {
    const { at, len } = r.value;
    const buf = new Uint8Array(len);
    withIo(`cannot read ${file}`, () => {
      for (let done = 0; done < buf.length; ) {
        const got = fs.readSync(fd, buf, done, buf.length - done, at + done);
        if (got === 0) throw new TorchletError(`torchlet: ${file} changed while it was read (shorter than its directory says)`, 'ERR_TORCHLET_IO');
        done += got;
      }
    });
    r = parser.next(buf);
  }
  return r.value;
}

/** A PyTorch zip checkpoint's object, or undefined when the file is not a zip archive. */
function loadPytorchSync(file: string): { value: unknown } | undefined {
  const fd = withIo(`cannot read ${file}`, () => fs.openSync(file, 'r'));
  try {
    const st = withIo(`cannot read ${file}`, () => fs.fstatSync(fd));
    if (!st.isFile()) throw new TorchletError(`torchlet: cannot read ${file}: not a regular file`, 'ERR_TORCHLET_IO');
    const head = Buffer.alloc(4);
    if (st.size < 4 || withIo(`cannot read ${file}`, () => fs.readSync(fd, head, 0, 4, 0)) < 4) return undefined;
    if (isZip(head)) return { value: runParserSync(parsePytorchCheckpoint(st.size, file), fd, file) };
    if (isPickle(head)) return { value: runParserSync(parseLegacyCheckpoint(st.size, file), fd, file) };
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * torch.load: reads a safetensors file (written by torchlet or by PyTorch's
 * `safetensors.torch.save_file`): a flat file gives its named CPU tensors; a file torch.save wrote from
 * a nested object gives that object back (tensors, numbers, strings, booleans, null, arrays, plain
 * objects). F16/BF16 become float32. The file is checked before any tensor is made (see parseHeader),
 * and only its header and then one tensor at a time are read into memory; malformed `torchlet.object`
 * metadata is ERR_TORCHLET_BAD_FILE. A PyTorch `torch.save` file (`.pt` / `.pth`, the zip format of
 * PyTorch >= 1.6, and the legacy format before it) is read weights-only (lib/serialize_pytorch.ts:
 * data and tensors, nothing run).
 * `opts.mapLocation` puts the tensors on a device.
 * @example model.loadStateDict(torch.load('model.safetensors'))
 * @example model.loadStateDict(torch.load('resnet18-f37072fd.pth', {mapLocation: 'cpu'}))
 */
export function load<T = Record<string, Tensor>>(file: string, opts: LoadOptions = {}, ...rest: never[]): T {
  noExtraArgs('load', 'path, opts', rest);
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  const { device } = loadOptions(opts);
  const pt = loadPytorchSync(file);
  return placed<T>(pt ? pt.value : objectOf(loadWithMetadata(file), file), device);
}
/** torch.load with the file's `__metadata__` strings (a null-prototype object). */
export function loadWithMetadata(file: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  const fd = withIo(`cannot read ${file}`, () => fs.openSync(file, 'r'));
  try {
    const read = (dst: Uint8Array, at: number) =>
      withIo(`cannot read ${file}`, () => {
        for (let done = 0; done < dst.length; ) {
          const got = fs.readSync(fd, dst, done, dst.length - done, at + done);
          if (got === 0) throw new TorchletError(`torchlet: ${file} changed while it was read (shorter than its header says)`, 'ERR_TORCHLET_IO');
          done += got;
        }
      });
    const st = withIo(`cannot read ${file}`, () => fs.fstatSync(fd));
    if (!st.isFile()) throw new TorchletError(`torchlet: cannot read ${file}: not a regular file`, 'ERR_TORCHLET_IO');
    const head = Buffer.alloc(8);
    if (st.size >= 8) read(head, 0);
    const n = headerLength(head, st.size, file);
    const hbuf = Buffer.alloc(n);
    read(hbuf, 8);
    const header = parseHeader(hbuf, st.size - 8 - n, file);
    return { tensors: makeTensors(header, (dst, b) => read(dst, 8 + n + b), file), metadata: header.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

// ---- asynchronous forms: the file I/O runs on libuv's thread pool, off the event loop ------------

async function withIoAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TorchletError) throw e;
    throw new TorchletError(`torchlet: ${what}: ${errorMessage(e)}`, 'ERR_TORCHLET_IO', { cause: e });
  }
}

/** fsync of a directory, asynchronously (skipped where directories cannot be synced). */
async function syncDirAsync(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(dir, 'r');
  } catch (e) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    await fh.sync();
  } catch (e) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh.close();
  }
}

/** writeFileAtomic with the writes, fsyncs and rename asynchronous (same guarantees and refusals). */
export async function writeFileAtomicAsync(file: string, bytes: Uint8Array | Uint8Array[]): Promise<void> {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  await withIoAsync(`cannot write ${file}`, async () => {
    makeDirs(dir);
    let st: fs.Stats | undefined;
    try {
      st = await fs.promises.lstat(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st?.isSymbolicLink()) ioError(`cannot write ${file}: it is a symbolic link (torchlet never replaces a link; remove it or write to its target)`);
    if (st && !st.isFile()) ioError(`cannot write ${file}: it exists and is not a regular file (torchlet replaces regular files only)`);
    removeStaleTemporaries(dir);
    const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 14) || '0'}.tmp`);
    try {
      const fh = await fs.promises.open(tmp, 'wx');
      try {
        for (const b of Array.isArray(bytes) ? bytes : [bytes]) {
          for (let done = 0; done < b.length; ) done += (await fh.write(b, done, b.length - done)).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
    await syncDirAsync(dir);
  });
}

/**
 * torch.save, asynchronously: the tensors' bytes are copied out on the calling thread (a snapshot:
 * later changes to the tensors do not reach the file; a memory copy, a few ms per 10 MB; CUDA
 * tensors wait for their device), then written off the event loop, atomically as save()
 * (temporary file, fsync, rename, fsync of the directory).
 * @example await torch.saveAsync(model.stateDict(), 'model.safetensors')
 */
export async function saveAsync(dict: Record<string, Tensor>, file: string, opts: { metadata?: Record<string, string> } = {}): Promise<void> {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  checkOptionKeys('opts', opts, ['metadata']);
  await writeFileAtomicAsync(file, serializeParts(dict, opts.metadata));
}

/**
 * torch.load, asynchronously: the file is read off the event loop (the header, then one tensor at a
 * time; for a PyTorch checkpoint its directory, pickle, then one storage at a time) and checked as
 * load() checks it; each tensor is made on the calling thread (a memory copy). Same options as load().
 * @example model.loadStateDict(await torch.loadAsync('model.safetensors'))
 */
export async function loadAsync<T = Record<string, Tensor>>(file: string, opts: LoadOptions = {}, ...rest: never[]): Promise<T> {
  noExtraArgs('loadAsync', 'path, opts', rest);
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  const { device } = loadOptions(opts);
  const pt = await loadPytorchAsync(file);
  return placed<T>(pt ? pt.value : objectOf(await loadWithMetadataAsync(file), file), device);
}

/** loadPytorchSync with the reads awaited. */
async function loadPytorchAsync(file: string): Promise<{ value: unknown } | undefined> {
  const fh = await withIoAsync(`cannot read ${file}`, () => fs.promises.open(file, 'r'));
  try {
    const st = await withIoAsync(`cannot read ${file}`, () => fh.stat());
    if (!st.isFile()) throw new TorchletError(`torchlet: cannot read ${file}: not a regular file`, 'ERR_TORCHLET_IO');
    const head = Buffer.alloc(4);
    if (st.size < 4 || (await withIoAsync(`cannot read ${file}`, () => fh.read(head, 0, 4, 0))).bytesRead < 4) return undefined;
    if (!isZip(head) && !isPickle(head)) return undefined;
    const parser = isZip(head) ? parsePytorchCheckpoint(st.size, file) : parseLegacyCheckpoint(st.size, file);
    let r = parser.next();
    while (!r.done) {
      const { at, len } = r.value;
      const buf = new Uint8Array(len);
      await withIoAsync(`cannot read ${file}`, async () => {
        for (let done = 0; done < len; ) {
          const { bytesRead } = await fh.read(buf, done, len - done, at + done);
          if (bytesRead === 0) throw new TorchletError(`torchlet: ${file} changed while it was read (shorter than its directory says)`, 'ERR_TORCHLET_IO');
          done += bytesRead;
        }
      });
      r = parser.next(buf);
    }
    return { value: r.value };
  } finally {
    await fh.close();
  }
}

/** loadAsync with the file's `__metadata__` strings. */
export async function loadWithMetadataAsync(file: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  const fh = await withIoAsync(`cannot read ${file}`, () => fs.promises.open(file, 'r'));
  const out: Record<string, Tensor> = {};
  try {
    const read = (dst: Uint8Array, at: number) =>
      withIoAsync(`cannot read ${file}`, async () => {
        for (let done = 0; done < dst.length; ) {
          const { bytesRead } = await fh.read(dst, done, dst.length - done, at + done);
          if (bytesRead === 0) throw new TorchletError(`torchlet: ${file} changed while it was read (shorter than its header says)`, 'ERR_TORCHLET_IO');
          done += bytesRead;
        }
      });
    const st = await withIoAsync(`cannot read ${file}`, () => fh.stat());
    if (!st.isFile()) throw new TorchletError(`torchlet: cannot read ${file}: not a regular file`, 'ERR_TORCHLET_IO');
    const head = Buffer.alloc(8);
    if (st.size >= 8) await read(head, 0);
    const n = headerLength(head, st.size, file);
    const hbuf = Buffer.alloc(n);
    await read(hbuf, 8);
    const header = parseHeader(hbuf, st.size - 8 - n, file);
    for (const e of header.entries) {
      const bytes = new Uint8Array(e.end - e.begin);
      await read(bytes, 8 + n + e.begin);
      Object.assign(out, makeTensors({ entries: [e], metadata: header.metadata }, (dst) => dst.set(bytes), file));
    }
    return { tensors: out, metadata: header.metadata };
  } catch (e) {
    Object.values(out).forEach((t) => t.dispose());
    throw e;
  } finally {
    await fh.close();
  }
}
