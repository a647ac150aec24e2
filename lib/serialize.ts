// lib/serialize.ts — torch.save / torch.load in the safetensors format (8-byte little-endian
// header length, JSON header {name: {dtype, shape, data_offsets}, __metadata__}, raw bytes),
// so weights move to and from PyTorch's safetensors. Writes are atomic: a temporary file in the
// same directory, fsync, then rename, so a crash never damages the previous file.
//
// Keys are written and read exactly as given: the PyTorch naming of state dicts is the job of
// nn.Module.stateDict() (PyTorch's keys, e.g. `bn.running_mean`) and loadStateDict() (accepts
// those and torchlet's attribute paths). So `torch.save(model.stateDict(), 'w.safetensors')` is
// read by `safetensors.torch.load_file` + a strict `load_state_dict` in PyTorch, and a file from
// `safetensors.torch.save_file(model.state_dict(), ...)` by `model.loadStateDict(torch.load(f))`.
// Files from PyTorch in float16 / bfloat16 load as float32 (torchlet has no half types).
import * as fs from 'fs';
import * as path from 'path';
import { invalidArg, typeArg, withIo, TorchletError } from './errors';
import { Tensor, DType } from './tensor';
import { fromBuffer } from './creation';

const TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', uint8: 'U8', bool: 'BOOL' };
const FROM_ST: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int64', U8: 'uint8', BOOL: 'bool' };
const SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, bool: 1 };

/** Half-precision files (PyTorch's float16 / bfloat16 checkpoints), read as float32. */
const HALF: Record<string, (bits: number) => number> = {
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
  if (!dict || typeof dict !== 'object') invalidArg('stateDict', 'an object of named tensors', dict);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Buffer[] = [];
  let off = 0;
  for (const [name, t] of Object.entries(dict)) {
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
  return Buffer.concat([head, Buffer.from(json, 'utf8'), ...chunks]);
}

export function deserialize(buf: Buffer, source = 'buffer'): Record<string, Tensor> {
  const bad = (why: string): never => {
    throw new TorchletError(`torchlet: ${source} is not a valid safetensors file: ${why}`, 'ERR_TORCHLET_BAD_FILE');
  };
  if (buf.length < 8) bad('shorter than its 8-byte header length');
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) bad(`header length ${n} exceeds the file size`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch (e) {
    return bad(`header is not JSON (${(e as Error).message})`);
  }
  const data = buf.subarray(8 + n);
  const out: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!info || !Array.isArray(info.shape) || !Array.isArray(info.data_offsets)) bad(`tensor '${name}' has no shape or data_offsets`);
    const [b, e] = info.data_offsets;
    const count = info.shape.reduce((x, y) => x * y, 1);
    const half = HALF[info.dtype];
    if (half) {
      if (!(b >= 0 && e <= data.length && e - b === count * 2)) bad(`tensor '${name}' has bad data offsets [${b}, ${e}]`);
      const f = new Float32Array(count);
      for (let i = 0; i < count; i++) f[i] = half(data.readUInt16LE(b + 2 * i));
      out[name] = fromBuffer(f, info.shape);
      continue;
    }
    const dtype = FROM_ST[info.dtype];
    if (!dtype) bad(`tensor '${name}' has unsupported dtype ${info.dtype}`);
    if (!(b >= 0 && e <= data.length && e - b === count * SIZE[dtype])) bad(`tensor '${name}' has bad data offsets [${b}, ${e}]`);
    const copy = new Uint8Array(e - b);
    copy.set(data.subarray(b, e));
    const arr =
      dtype === 'float32' ? new Float32Array(copy.buffer) : dtype === 'float64' ? new Float64Array(copy.buffer)
        : dtype === 'int64' ? new BigInt64Array(copy.buffer) : dtype === 'int32' ? new Int32Array(copy.buffer) : copy;
    out[name] = fromBuffer(arr, info.shape, { dtype });
  }
  return out;
}

/**
 * torch.save: writes named tensors to `file` in the safetensors format, atomically (a crash never
 * damages the previous file). Keys are kept as given; `opts.metadata` becomes `__metadata__`.
 * @example torch.save(model.stateDict(), 'model.safetensors') // PyTorch: model.load_state_dict(load_file('model.safetensors'))
 */
export function save(dict: Record<string, Tensor>, file: string, opts: { metadata?: Record<string, string> } = {}): void {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  if (opts === null || typeof opts !== 'object') typeArg('opts', 'an options object', opts);
  const buf = serialize(dict, opts.metadata);
  const dir = path.dirname(path.resolve(file));
  withIo(`cannot write ${file}`, () => {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, buf);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  });
}

/**
 * torch.load: reads a safetensors file (written by torchlet or by PyTorch's
 * `safetensors.torch.save_file`) into named CPU tensors; F16/BF16 become float32.
 * @example model.loadStateDict(torch.load('model.safetensors'))
 */
export function load(file: string): Record<string, Tensor> {
  if (typeof file !== 'string' || !file) typeArg('path', 'a file path', file);
  return deserialize(withIo(`cannot read ${file}`, () => fs.readFileSync(file)), file);
}
