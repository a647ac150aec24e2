// lib/serialize_pytorch.ts — torch.load of PyTorch's own torch.save files (the zip format PyTorch has
// written since 1.6: `<name>/data.pkl`, `<name>/data/<key>`, stored uncompressed), read as PyTorch's
// `torch.load(f, weights_only=True)` reads them: the pickle is interpreted by a small stack machine
// that knows only the opcodes of plain data (dicts, lists, tuples, numbers, strings, bytes, None,
// booleans) and an allow-list of globals (collections.OrderedDict, torch._utils._rebuild_tensor_v2 /
// _rebuild_tensor / _rebuild_parameter(_with_state), torch._tensor._rebuild_from_type_v2 for plain
// tensors and Parameters, torch.Size, torch.device, torch.<Type>Storage, _codecs.encode). Nothing in
// the file is ever called, imported or evaluated: any other global, class instantiation (NEWOBJ,
// INST, OBJ) or extension code is ERR_TORCHLET_BAD_FILE naming it. So a file holding a state dict,
// an optimizer state dict, or a checkpoint dict of those with epochs, losses and strings loads;
// a whole pickled nn.Module does not (save its state_dict instead).
// Results: dicts become plain objects (integer keys as their decimal strings), lists and tuples
// arrays, torch.Size an array, ints numbers (BigInt beyond 2^53), bytes Uint8Arrays, tensors
// contiguous torchlet tensors with the saved values (a view is copied out of its storage; two
// tensors sharing a storage get their own copies). float16 / bfloat16 load as float32, int8 / int16
// as int32 (exact); complex and quantized storages are refused. The zip directory, the pickle and
// every tensor's size, strides and offset are checked against the file before anything is read
// past them; the file is read in pieces (the directory, the pickle, one storage at a time), through
// a generator of read requests that load() serves synchronously and loadAsync() with awaited reads.
import { TorchletError } from './errors';
import { Tensor, DType } from './tensor';
import { fromBuffer } from './creation';
import { HALF } from './serialize';

/** A read the parser needs: `len` bytes at byte `at` of the file. */
export interface ReadRequest {
  at: number;
  len: number;
}
/** The parser: yields reads, receives their bytes, returns the loaded object. */
export type CheckpointParser = Generator<ReadRequest, unknown, Uint8Array>;

const MAX_PICKLE_BYTES = 32 * 1024 * 1024;
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 1_000_000;
const MAX_MEMO = 1_000_000;
/** Values a pickle may make (a state dict of 1000 tensors makes about 30,000): bounds its memory. */
const MAX_VALUES = 1_000_000;
const MAX_DEPTH = 1000;

/** Storage types: torchlet dtype, bytes per element, and how a stored element converts. */
const STORAGES: Record<string, { dtype: DType; bytes: number; read: 'f32' | 'f64' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool' | 'f16' | 'bf16' }> = {
  FloatStorage: { dtype: 'float32', bytes: 4, read: 'f32' },
  DoubleStorage: { dtype: 'float64', bytes: 8, read: 'f64' },
  HalfStorage: { dtype: 'float32', bytes: 2, read: 'f16' },
  BFloat16Storage: { dtype: 'float32', bytes: 2, read: 'bf16' },
  LongStorage: { dtype: 'int64', bytes: 8, read: 'i64' },
  IntStorage: { dtype: 'int32', bytes: 4, read: 'i32' },
  ShortStorage: { dtype: 'int32', bytes: 2, read: 'i16' },
  CharStorage: { dtype: 'int32', bytes: 1, read: 'i8' },
  ByteStorage: { dtype: 'uint8', bytes: 1, read: 'u8' },
  BoolStorage: { dtype: 'bool', bytes: 1, read: 'bool' },
};

// ---- values of the pickle machine ------------------------------------------------------------
class PyDict {
  readonly entries = new Map<string, unknown>();
}
class PyTuple {
  constructor(readonly items: unknown[]) {}
}
class PyGlobal {
  constructor(readonly name: string) {}
}
class PyStorage {
  constructor(
    readonly type: string,
    readonly key: string,
    readonly numel: number,
  ) {}
}
class PyTensor {
  requiresGrad = false;
  constructor(
    readonly storage: PyStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}
/** The globals a weights-only load accepts (PyTorch 1.13's _weights_only_unpickler list, data only). */
const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter',
  'torch.Tensor',
  'torch.Size',
  'torch.device',
  '_codecs.encode',
  ...Object.keys(STORAGES).map((s) => `torch.${s}`),
]);

function badFile(source: string, why: string): never {
  throw new TorchletError(`torchlet: ${source} is not a PyTorch checkpoint torchlet can load: ${why}`, 'ERR_TORCHLET_BAD_FILE');
}

// ---- the zip directory ---------------------------------------------------------------------------
interface ZipEntry {
  name: string;
  method: number;
  compressed: number;
  size: number;
  localOffset: number;
}

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
const u64 = (b: Uint8Array, at: number, source: string) => {
  const v = u32(b, at) + u32(b, at + 4) * 2 ** 32;
  if (!Number.isSafeInteger(v)) badFile(source, 'a zip64 size or offset beyond 2^53');
  return v;
};

/** The entries of the zip's central directory. */
function* readDirectory(size: number, source: string): Generator<ReadRequest, ZipEntry[], Uint8Array> {
  if (size < 22) badFile(source, 'shorter than a zip end-of-directory record');
  const tailLen = Math.min(size, 22 + 0xffff + 20);
  const tailAt = size - tailLen;
  const tail = yield { at: tailAt, len: tailLen };
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (u32(tail, i) === 0x06054b50 && i + 22 + u16(tail, i + 20) === tail.length) {
      eocd = i;
      break;
    }
  if (eocd < 0) badFile(source, 'no zip end-of-central-directory record (a damaged or truncated file)');
  let count = u16(tail, eocd + 10);
  let dirLen = u32(tail, eocd + 12);
  let dirAt = u32(tail, eocd + 16);
  if (count === 0xffff || dirLen === 0xffffffff || dirAt === 0xffffffff) {
    // zip64: the locator sits just before the end record and points at the zip64 end record
    if (eocd < 20 || u32(tail, eocd - 20) !== 0x07064b50) badFile(source, 'a zip64 archive without its zip64 locator');
    const recAt = u64(tail, eocd - 12, source);
    if (recAt + 56 > size) badFile(source, 'the zip64 end record lies outside the file');
    const rec = yield { at: recAt, len: 56 };
    if (u32(rec, 0) !== 0x06064b50) badFile(source, 'a bad zip64 end-of-central-directory record');
    count = u64(rec, 32, source);
    dirLen = u64(rec, 40, source);
    dirAt = u64(rec, 48, source);
  }
  if (count > MAX_ENTRIES) badFile(source, `${count} zip entries (the limit is ${MAX_ENTRIES})`);
  if (dirLen > MAX_DIRECTORY_BYTES) badFile(source, `a zip directory of ${dirLen} bytes (the limit is ${MAX_DIRECTORY_BYTES})`);
  if (dirAt + dirLen > size) badFile(source, 'the zip directory lies outside the file (a truncated file)');
  const dir = yield { at: dirAt, len: dirLen };
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > dir.length || u32(dir, p) !== 0x02014b50) badFile(source, `zip directory entry ${k} is damaged`);
    const nameLen = u16(dir, p + 28);
    const extraLen = u16(dir, p + 30);
    const commentLen = u16(dir, p + 32);
    if (p + 46 + nameLen + extraLen + commentLen > dir.length) badFile(source, `zip directory entry ${k} runs past the directory`);
    const name = Buffer.from(dir.subarray(p + 46, p + 46 + nameLen)).toString('utf8');
    let compressed = u32(dir, p + 20);
    let sz = u32(dir, p + 24);
    let localOffset = u32(dir, p + 42);
    // zip64 extra field (id 1): the 64-bit values of the fields that read 0xffffffff, in this order
    for (let e = p + 46 + nameLen, end = e + extraLen; e + 4 <= end; ) {
      const id = u16(dir, e);
      const len = u16(dir, e + 2);
      if (e + 4 + len > end) badFile(source, `zip directory entry ${JSON.stringify(name)} has a damaged extra field`);
      if (id === 1) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) badFile(source, `zip directory entry ${JSON.stringify(name)} has a short zip64 field`);
          const v = u64(dir, q, source);
          q += 8;
          return v;
        };
        if (sz === 0xffffffff) sz = take();
        if (compressed === 0xffffffff) compressed = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    entries.push({ name, method: u16(dir, p + 10), compressed, size: sz, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The bytes of one stored (uncompressed) entry. */
function* readEntry(e: ZipEntry, size: number, source: string): Generator<ReadRequest, Uint8Array, Uint8Array> {
  if (e.method !== 0 || e.compressed !== e.size)
    badFile(source, `zip entry ${JSON.stringify(e.name)} is compressed (method ${e.method}); torch.save stores its entries uncompressed`);
  if (e.localOffset + 30 > size) badFile(source, `zip entry ${JSON.stringify(e.name)} lies outside the file`);
  const head = yield { at: e.localOffset, len: 30 };
  if (u32(head, 0) !== 0x04034b50) badFile(source, `zip entry ${JSON.stringify(e.name)} has no local header`);
  const at = e.localOffset + 30 + u16(head, 26) + u16(head, 28);
  if (at + e.size > size) badFile(source, `zip entry ${JSON.stringify(e.name)} runs past the end of the file (a truncated file)`);
  if (e.size === 0) return new Uint8Array(0);
  return yield { at, len: e.size };
}

// ---- the pickle machine --------------------------------------------------------------------------
/** A pickle that runs past the bytes read so far (the legacy format reads more and tries again). */
class Truncated extends Error {}

/**
 * Runs the pickle at byte `start` of `pkl` with the weights-only rules; returns its value (PyDict,
 * PyTuple, arrays, PyTensor, ...) and the byte after its STOP.
 */
function unpickle(pkl: Uint8Array, source: string, start = 0): { value: unknown; end: number } {
  const bad = (why: string): never => badFile(source, `its pickle ${why}`);
  const view = new DataView(pkl.buffer, pkl.byteOffset, pkl.byteLength);
  const stack: unknown[] = [];
  let pushed = 0;
  const push = (v: unknown) => {
    if (++pushed > MAX_VALUES) bad(`makes more than ${MAX_VALUES} values (the limit of a weights-only load)`);
    stack.push(v);
  };
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  const need = (n: number) => {
    if (p + n > pkl.length) throw new Truncated(`its pickle is truncated (an opcode at byte ${p} needs ${n} more bytes)`);
  };
  const byte = () => {
    need(1);
    return pkl[p++];
  };
  const int32 = () => {
    need(4);
    const v = view.getInt32(p, true);
    p += 4;
    return v;
  };
  const uint32 = () => {
    need(4);
    const v = view.getUint32(p, true);
    p += 4;
    return v;
  };
  const bytes = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) bad(`has a bad length ${n}`);
    need(n);
    const b = pkl.subarray(p, p + n);
    p += n;
    return b;
  };
  const text = (n: number) => Buffer.from(bytes(n)).toString('utf8');
  const line = () => {
    const end = pkl.indexOf(0x0a, p);
    if (end < 0) throw new Truncated('its pickle has an unterminated GLOBAL name');
    const s = Buffer.from(pkl.subarray(p, end)).toString('utf8');
    p = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) bad(`pops an empty stack at byte ${p}`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) bad(`reads an empty stack at byte ${p}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) bad(`has no MARK for the opcode at byte ${p - 1}`);
    return stack.splice(m!);
  };
  const put = (k: number) => {
    if (memo.size >= MAX_MEMO && !memo.has(k)) bad(`memoizes more than ${MAX_MEMO} values`);
    memo.set(k, top());
  };
  const get = (k: number) => {
    if (!memo.has(k)) bad(`reads memo slot ${k}, never written`);
    return memo.get(k);
  };
  const global = (name: string): PyGlobal => {
    if (!ALLOWED.has(name))
      bad(
        `needs the Python global ${name}, which a weights-only load never runs (PyTorch's torch.load(f, weights_only=True) refuses it too). ` +
          'Only tensors, numbers, strings, lists, tuples and dicts load: save model.state_dict() rather than the model',
      );
    return new PyGlobal(name);
  };
  const dictOf = (d: unknown, op: string): PyDict => (d instanceof PyDict ? d : bad(`applies ${op} to something other than a dict`));
  const listOf = (l: unknown, op: string): unknown[] => (Array.isArray(l) ? l : bad(`applies ${op} to something other than a list`));
  const setItem = (d: PyDict, k: unknown, v: unknown) => d.entries.set(keyOf(k, source), v);

  for (;;) {
    const op = byte();
    switch (op) {
      case 0x80: // PROTO
        if (byte() > 5) bad('uses a pickle protocol above 5');
        break;
      case 0x95: // FRAME (protocol 4): an 8-byte length, then the frame's opcodes inline
        bytes(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) bad('ends with a malformed stack');
        return { value: stack[0], end: p };
      case 0x28: // MARK
        if (++pushed > MAX_VALUES) bad(`makes more than ${MAX_VALUES} values (the limit of a weights-only load)`);
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) bad('builds a dict from an odd number of items');
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        listOf(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = listOf(top(), 'APPENDS');
        for (const v of items) list.push(v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(dictOf(top(), 'SETITEM'), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) bad('sets an odd number of dict items');
        const d = dictOf(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x71: // BINPUT
        put(byte());
        break;
      case 0x72: // LONG_BINPUT
        put(uint32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        push(get(byte()));
        break;
      case 0x6a: // LONG_BINGET
        push(get(uint32()));
        break;
      case 0x4a: // BININT
        push(int32());
        break;
      case 0x4b: // BININT1
        push(byte());
        break;
      case 0x4d: {
        // BININT2
        const lo = byte();
        push(lo | (byte() << 8));
        break;
      }
      case 0x8a: {
        // LONG1: a little-endian two's-complement integer of n bytes
        const n = byte();
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: {
        // BINFLOAT: big-endian float64
        need(8);
        push(view.getFloat64(p, false));
        p += 8;
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x58: // BINUNICODE
        push(text(uint32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(byte()));
        break;
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = Number(view.getBigUint64(p, true));
        p += 8;
        push(text(n));
        break;
      }
      case 0x54: // BINSTRING (Python 2 str): text
        push(text(int32()));
        break;
      case 0x55: // SHORT_BINSTRING
        push(text(byte()));
        break;
      case 0x42: // BINBYTES
        push(Uint8Array.from(bytes(uint32())));
        break;
      case 0x43: // SHORT_BINBYTES
        push(Uint8Array.from(bytes(byte())));
        break;
      case 0x8e: {
        // BINBYTES8
        need(8);
        const n = Number(view.getBigUint64(p, true));
        p += 8;
        push(Uint8Array.from(bytes(n)));
        break;
      }
      case 0x63: {
        // GLOBAL 'module\nname\n'
        const mod = line();
        push(global(`${mod}.${line()}`));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof mod !== 'string' || typeof name !== 'string') bad('names a global with something other than strings');
        push(global(`${mod}.${name}`));
        break;
      }
      case 0x51: {
        // BINPERSID: torch.save's storage reference ('storage', type, key, location, numel), and in the
        // legacy format a sixth item, the view metadata (null unless the storage is a view of another)
        const pid = pop();
        const t = pid instanceof PyTuple ? pid.items : [];
        if ((t.length !== 5 && t.length !== 6) || t[0] !== 'storage' || !(t[1] instanceof PyGlobal) || typeof t[2] !== 'string' || typeof t[4] !== 'number')
          bad('has a persistent id that is not a torch.save storage reference');
        if (t.length === 6 && t[5] !== null) bad('references a view of a storage (legacy format); re-save the file with a current torch.save');
        const type = (t[1] as PyGlobal).name.replace(/^torch\./, '');
        if (!STORAGES[type]) bad(`references a storage of type ${(t[1] as PyGlobal).name}, which torchlet cannot hold`);
        const numel = t[4] as number;
        if (!Number.isSafeInteger(numel) || numel < 0) bad(`gives storage ${t[2]} a bad size ${numel}`);
        push(new PyStorage(type, t[2] as string, numel));
        break;
      }
      case 0x52: {
        // REDUCE: call an allowed global
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) bad('calls something other than an allowed global');
        push(call((fn as PyGlobal).name, (args as PyTuple).items, source));
        break;
      }
      case 0x62: {
        // BUILD: state set on an OrderedDict (its _metadata) or a rebuilt tensor: kept out of the result
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict || obj instanceof PyTensor)) bad('sets state on something other than a dict or a tensor');
        if (obj instanceof PyDict && !(state instanceof PyDict || state === null)) bad('sets non-dict state on a dict');
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      default:
        bad(`has opcode 0x${op.toString(16).padStart(2, '0')} at byte ${p - 1}, which a weights-only load does not run (objects, classes and extensions are refused)`);
    }
  }
}

/** A dict key: a string, or an integer (optimizer state keys) as its decimal string. */
function keyOf(k: unknown, source: string): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' && Number.isInteger(k)) return String(k);
  if (typeof k === 'bigint') return k.toString();
  return badFile(source, `its pickle has a dict key that is not a string or an integer (${k instanceof PyTuple ? 'a tuple' : typeof k})`);
}

const intsOf = (v: unknown, what: string, source: string): number[] => {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || !items.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) badFile(source, `a tensor's ${what} is not a tuple of non-negative integers`);
  return items as number[];
};

/** The allowed globals' calls. */
function call(name: string, args: unknown[], source: string): unknown {
  const bad = (why: string): never => badFile(source, `its pickle calls ${name} ${why}`);
  switch (name) {
    case 'collections.OrderedDict': {
      const d = new PyDict();
      if (args.length === 0) return d;
      const items = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : bad('with arguments other than () or a list of pairs');
      for (const it of items) {
        if (!(it instanceof PyTuple) || it.items.length !== 2) bad('with an item that is not a pair');
        d.entries.set(keyOf((it as PyTuple).items[0], source), (it as PyTuple).items[1]);
      }
      return d;
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride, requiresGrad] = args;
      if (!(storage instanceof PyStorage) || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) bad('without a storage and an offset');
      const sz = intsOf(size, 'size', source);
      const st = intsOf(stride, 'stride', source);
      if (sz.length !== st.length) bad(`with ${sz.length} sizes but ${st.length} strides`);
      const s = storage as PyStorage;
      const numel = sz.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(numel)) bad(`with a size of more than 2^53 elements`);
      if (numel > 0) {
        const last = (offset as number) + sz.reduce((a, n, i) => a + (n - 1) * st[i], 0);
        if (last >= s.numel) bad(`with a view reaching element ${last} of a storage of ${s.numel}`);
      }
      const t = new PyTensor(s, offset as number, sz, st);
      t.requiresGrad = requiresGrad === true;
      return t;
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state': {
      const [data, requiresGrad] = args;
      if (!(data instanceof PyTensor)) bad('without a tensor');
      (data as PyTensor).requiresGrad = requiresGrad === true;
      return data;
    }
    case 'torch._tensor._rebuild_from_type_v2': {
      const [fn, type, fnArgs] = args;
      if (!(fn instanceof PyGlobal) || !(type instanceof PyGlobal) || !(fnArgs instanceof PyTuple)) bad('with malformed arguments');
      const tn = (type as PyGlobal).name;
      if (tn !== 'torch.Tensor' && tn !== 'torch.nn.parameter.Parameter') bad(`for the tensor subclass ${tn}`);
      const t = call((fn as PyGlobal).name, (fnArgs as PyTuple).items, source);
      if (!(t instanceof PyTensor)) bad('with a function that does not make a tensor');
      return t;
    }
    case 'torch.Size':
      return intsOf(args[0] ?? new PyTuple([]), 'size', source).slice();
    case 'torch.device':
      if (!args.every((a) => typeof a === 'string' || typeof a === 'number')) bad('with arguments other than a name and an index');
      return args.join(':');
    case '_codecs.encode': {
      // protocol 2's bytes: _codecs.encode(str, 'latin1')
      const [s, enc] = args;
      if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) bad('with arguments other than a string and latin1');
      return Uint8Array.from(Buffer.from(s as string, 'latin1'));
    }
    default:
      return bad('as a function (it is a type, not a constructor torchlet runs)');
  }
}

// ---- tensors and the result ---------------------------------------------------------------------
/** The elements of `t` (strided over its storage's bytes `raw`), contiguous, in the result dtype. */
function gather(t: PyTensor, raw: Uint8Array, source: string): Tensor {
  const info = STORAGES[t.storage.type];
  const n = t.size.reduce((a, b) => a * b, 1);
  // a contiguous tensor of a type torchlet holds as is: one copy of its bytes
  let contiguous = true;
  for (let d = t.size.length - 1, want = 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== want) contiguous = false;
    want *= t.size[d];
  }
  if (contiguous && ['f32', 'f64', 'i64', 'i32', 'u8'].includes(info.read)) {
    const bytes = raw.slice(t.offset * info.bytes, (t.offset + n) * info.bytes);
    const arr =
      info.read === 'f32' ? new Float32Array(bytes.buffer) : info.read === 'f64' ? new Float64Array(bytes.buffer)
        : info.read === 'i64' ? new BigInt64Array(bytes.buffer) : info.read === 'i32' ? new Int32Array(bytes.buffer) : bytes;
    const tensor = fromBuffer(arr, t.size.slice(), { dtype: info.dtype });
    if (t.requiresGrad && (info.dtype === 'float32' || info.dtype === 'float64')) tensor.requiresGrad_(true);
    return tensor;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const readAt = (i: number): number | bigint => {
    const b = i * info.bytes;
    switch (info.read) {
      case 'f32': return dv.getFloat32(b, true);
      case 'f64': return dv.getFloat64(b, true);
      case 'i64': return dv.getBigInt64(b, true);
      case 'i32': return dv.getInt32(b, true);
      case 'i16': return dv.getInt16(b, true);
      case 'i8': return dv.getInt8(b);
      case 'u8': return raw[b];
      case 'bool': return raw[b];
      case 'f16': return HALF.F16(dv.getUint16(b, true));
      case 'bf16': return HALF.BF16(dv.getUint16(b, true));
    }
  };
  const out =
    info.dtype === 'float32' ? new Float32Array(n) : info.dtype === 'float64' ? new Float64Array(n)
      : info.dtype === 'int64' ? new BigInt64Array(n) : info.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  const nd = t.size.length;
  const idx = new Array<number>(nd).fill(0);
  let at = t.offset;
  for (let k = 0; k < n; k++) {
    const v = readAt(at);
    if (info.read === 'bool' && (v as number) > 1) badFile(source, `bool storage ${t.storage.key} holds a byte other than 0 or 1`);
    (out as unknown as (number | bigint)[])[k] = v;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < t.size[d]) {
        at += t.stride[d];
        break;
      }
      at -= (t.size[d] - 1) * t.stride[d];
      idx[d] = 0;
    }
  }
  const tensor = fromBuffer(out, t.size.slice(), { dtype: info.dtype });
  if (t.requiresGrad && (info.dtype === 'float32' || info.dtype === 'float64')) tensor.requiresGrad_(true);
  return tensor;
}

/** Parses a PyTorch zip checkpoint of `size` bytes; yields the reads it needs, returns the loaded object. */
export function* parsePytorchCheckpoint(size: number, source: string): CheckpointParser {
  const entries = yield* readDirectory(size, source);
  const pkls = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pkls.length !== 1) badFile(source, pkls.length ? 'more than one data.pkl in the archive' : 'no <name>/data.pkl in the archive (a zip file, but not one torch.save wrote)');
  const prefix = pkls[0].name.slice(0, -'data.pkl'.length);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const order = byName.get(`${prefix}byteorder`);
  if (order) {
    const b = Buffer.from(yield* readEntry(order, size, source)).toString('latin1');
    if (b !== 'little') badFile(source, `its byte order is ${JSON.stringify(b)}; torchlet reads little-endian checkpoints`);
  }
  if (pkls[0].size > MAX_PICKLE_BYTES) badFile(source, `a pickle of ${pkls[0].size} bytes (the limit is ${MAX_PICKLE_BYTES})`);
  const pkl = yield* readEntry(pkls[0], size, source);
  let root: unknown;
  try {
    root = unpickle(pkl, source).value;
  } catch (e) {
    if (e instanceof Truncated) badFile(source, e.message);
    throw e;
  }
  return yield* materialize(root, source, function* (key: string, want: number) {
    const entry = byName.get(`${prefix}data/${key}`);
    if (!entry) badFile(source, `storage ${key} is missing from the archive`);
    if (entry!.size !== want) badFile(source, `storage ${key} holds ${entry!.size} bytes; its elements need ${want}`);
    return yield* readEntry(entry!, size, source);
  });
}

/**
 * The loaded object of an unpickled checkpoint: every tensor's storage read once through
 * `readStorage(key, bytes)` (which checks the bytes are there), the tensors gathered, the values converted.
 */
function* materialize(
  root: unknown,
  source: string,
  readStorage: (key: string, bytes: number) => Generator<ReadRequest, Uint8Array, Uint8Array>,
): CheckpointParser {
  // the tensors, grouped by storage: each storage is read once, checked against its declared size
  const tensors = new Map<PyTensor, Tensor>();
  const byStorage = new Map<string, PyTensor[]>();
  // each container visited once (memo references can share one many times), a cycle refused
  const open = new Set<unknown>();
  const done = new Set<unknown>();
  const collect = (v: unknown, depth: number) => {
    if (depth > MAX_DEPTH) badFile(source, `its object nests deeper than ${MAX_DEPTH} levels`);
    if (done.has(v)) return;
    if (v instanceof PyTensor) {
      const list = byStorage.get(v.storage.key) ?? [];
      list.push(v);
      byStorage.set(v.storage.key, list);
      done.add(v);
      return;
    }
    if (!(v instanceof PyDict || v instanceof PyTuple || Array.isArray(v))) return;
    if (open.has(v)) badFile(source, 'its object contains itself (a cycle)');
    open.add(v);
    const kids = v instanceof PyDict ? [...v.entries.values()] : v instanceof PyTuple ? v.items : v;
    for (const k of kids) collect(k, depth + 1);
    open.delete(v);
    done.add(v);
  };
  collect(root, 0);
  try {
    for (const [key, list] of byStorage) {
      const s = list[0].storage;
      if (list.some((t) => t.storage.type !== s.type || t.storage.numel !== s.numel)) badFile(source, `storage ${key} is referenced with two types or sizes`);
      const raw = yield* readStorage(key, s.numel * STORAGES[s.type].bytes);
      for (const t of list) tensors.set(t, gather(t, raw, source));
    }
  } catch (e) {
    tensors.forEach((t) => t.dispose());
    throw e;
  }

  // a container shared in the pickle stays one object (as in Python)
  const made = new Map<unknown, unknown>();
  const convert = (v: unknown): unknown => {
    if (v instanceof PyTensor) return tensors.get(v);
    if (made.has(v)) return made.get(v);
    if (v instanceof PyDict) {
      const o: Record<string, unknown> = {};
      made.set(v, o);
      for (const [k, x] of v.entries) Object.defineProperty(o, k, { value: convert(x), enumerable: true, writable: true, configurable: true });
      return o;
    }
    if (v instanceof PyTuple || Array.isArray(v)) {
      const a: unknown[] = [];
      made.set(v, a);
      for (const x of v instanceof PyTuple ? v.items : v) a.push(convert(x));
      return a;
    }
    if (v instanceof PyGlobal) return badFile(source, `its object holds the bare Python name ${v.name}`);
    if (v instanceof PyStorage) return badFile(source, 'its object holds a bare storage (torchlet loads tensors, not storages)');
    return v;
  };
  try {
    return convert(root);
  } catch (e) {
    tensors.forEach((t) => t.dispose());
    throw e;
  }
}

/** The legacy format's first pickle (torch/serialization.py's MAGIC_NUMBER) and protocol version. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/**
 * Parses a checkpoint in torch.save's legacy format (before PyTorch 1.6, or
 * `_use_new_zipfile_serialization=False`): five pickles (the magic number, the protocol version, the
 * system info, the object, the sorted storage keys), then each storage as an int64 element count and
 * its bytes, in the keys' order. The pickles are read from the start in growing pieces.
 */
export function* parseLegacyCheckpoint(size: number, source: string): CheckpointParser {
  let len = Math.min(size, 1 << 20);
  let head: Uint8Array;
  const parts: unknown[] = [];
  let at = 0;
  for (;;) {
    head = yield { at: 0, len };
    parts.length = 0;
    at = 0;
    try {
      for (let k = 0; k < 5; k++) {
        const r = unpickle(head, source, at);
        parts.push(r.value);
        at = r.end;
        if (k === 0 && r.value !== LEGACY_MAGIC) badFile(source, "its first pickle is not the magic number of torch.save's legacy format");
      }
      break;
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      if (len >= size) badFile(source, e.message);
      if (len >= MAX_PICKLE_BYTES) badFile(source, `its pickles run past ${MAX_PICKLE_BYTES} bytes (the limit of a weights-only load)`);
      len = Math.min(size, len * 4, MAX_PICKLE_BYTES);
    }
  }
  const [, protocol, sysInfo, root, keys] = parts;
  if (protocol !== LEGACY_PROTOCOL) badFile(source, `its legacy protocol version is ${String(protocol)}; torchlet reads ${LEGACY_PROTOCOL}`);
  if (sysInfo instanceof PyDict && sysInfo.entries.get('little_endian') === false) badFile(source, 'it was written big-endian; torchlet reads little-endian checkpoints');
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) badFile(source, 'its storage key list is not a list of strings');
  // the storages the object references, by key (their element type and count come from the pickle)
  const storages = new Map<string, PyStorage>();
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof PyTensor) storages.set(v.storage.key, v.storage);
    else if (v instanceof PyDict) stack.push(...v.entries.values());
    else if (v instanceof PyTuple) stack.push(...v.items);
    else if (Array.isArray(v)) stack.push(...v);
  }
  // where each storage's bytes are: after its 8-byte element count, one after the other
  const offsets = new Map<string, number>();
  let pos = at;
  for (const key of keys as string[]) {
    const st = storages.get(key);
    if (!st) badFile(source, `storage ${key} is listed but no tensor uses it`);
    if (pos + 8 > size) badFile(source, `storage ${key} lies past the end of the file (a truncated file)`);
    const countBytes = pos + 8 <= head.length ? head.subarray(pos, pos + 8) : yield { at: pos, len: 8 };
    const count = u64(countBytes, 0, source);
    if (count !== st!.numel) badFile(source, `storage ${key} holds ${count} elements; the pickle says ${st!.numel}`);
    const bytes = count * STORAGES[st!.type].bytes;
    if (pos + 8 + bytes > size) badFile(source, `storage ${key} runs past the end of the file (a truncated file)`);
    offsets.set(key, pos + 8);
    pos += 8 + bytes;
  }
  return yield* materialize(root, source, function* (key: string, want: number) {
    const off = offsets.get(key);
    if (off === undefined) badFile(source, `storage ${key} is not in the file's storage list`);
    if (want === 0) return new Uint8Array(0);
    return yield { at: off!, len: want };
  });
}

/** Whether the first bytes are a pickle's (the legacy torch.save format starts with one). */
export function isPickle(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5;
}

/** Whether the first bytes are a zip archive's (torch.save's format since PyTorch 1.6). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}
