// lib/serve/shared.ts — one copy of a model's weights for every inference worker thread.
// shareStateDict() packs a state dict into one SharedArrayBuffer (each tensor at a 64-byte aligned
// offset, as the host allocator aligns) described by a plain, structured-clonable SharedWeights;
// posting it to a worker shares the bytes (no copy). bindSharedWeights() makes a model's parameters
// and buffers views of those bytes: each one's storage becomes a *borrowed* native storage over the
// shared memory (native/napi/binding.cc), which never frees it and which the addon's kernels read
// like any other CPU storage. The weights are read-only by contract: an inference worker never
// writes them (eval mode, no gradients, no optimizer); a write would be seen by every worker.
import { native } from '../binding';
import { StorageRef } from '../memory';
import { Tensor, DType, DTYPE_CODE } from '../tensor';
import { Module } from '../nn/module';
import { TorchletError } from '../errors';

/** A state dict laid out in one SharedArrayBuffer. */
export interface SharedWeights {
  buffer: SharedArrayBuffer;
  tensors: { name: string; dtype: DType; shape: number[]; byteOffset: number; byteLength: number }[];
}

const ALIGN = 64;
const VIEW: Record<DType, new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array,
};
const SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, bool: 1 };

/** Copies every tensor of `dict` (any device) into one new SharedArrayBuffer. */
export function shareStateDict(dict: Record<string, Tensor>): SharedWeights {
  const tensors: SharedWeights['tensors'] = [];
  let at = 0;
  for (const [name, t] of Object.entries(dict)) {
    const byteLength = t.numel() * SIZE[t.dtype];
    tensors.push({ name, dtype: t.dtype, shape: t.shape.slice(), byteOffset: at, byteLength });
    at += Math.ceil(byteLength / ALIGN) * ALIGN;
  }
  const buffer = new SharedArrayBuffer(Math.max(at, ALIGN));
  const bytes = new Uint8Array(buffer);
  for (const e of tensors) {
    const arr = dict[e.name].toArray() as ArrayBufferView;
    bytes.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), e.byteOffset);
  }
  return { buffer, tensors };
}

/** A CPU tensor viewing one entry of shared weights (no copy). */
export function sharedTensor(w: SharedWeights, e: SharedWeights['tensors'][number]): Tensor {
  const view = new VIEW[e.dtype](w.buffer, e.byteOffset, e.byteLength / SIZE[e.dtype]);
  const code = DTYPE_CODE[e.dtype];
  const st = new native.Storage(code, view, 0, false);
  return new Tensor(new StorageRef(st, e.byteLength, code), e.shape.slice(), e.dtype, 'cpu');
}

/**
 * Makes every parameter and buffer of `model` a view of the shared weights (matched by state-dict
 * key, as loadStateDict matches them; every key must match both ways and every shape and dtype be
 * equal). The model's own storages are released. Then `model.to('cuda')` copies them to a device.
 */
export function bindSharedWeights(model: Module, w: SharedWeights, what = 'weights'): void {
  const own = model.stateDict(); // detached views of the parameters and buffers
  const byName = new Map(w.tensors.map((e) => [e.name, e]));
  const missing = Object.keys(own).filter((k) => !byName.has(k));
  const unexpected = w.tensors.map((e) => e.name).filter((k) => !(k in own));
  if (missing.length || unexpected.length)
    throw new TorchletError(
      `torchlet: ${what} do not match the model ${model.constructor.name}: ` +
        (missing.length ? `missing keys: ${missing.join(', ')}. ` : '') +
        (unexpected.length ? `unexpected keys: ${unexpected.join(', ')}.` : ''),
      'ERR_TORCHLET_BAD_CHECKPOINT',
    );
  for (const [k, v] of Object.entries(own)) {
    const e = byName.get(k)!;
    if (e.dtype !== v.dtype || e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i]))
      throw new TorchletError(
        `torchlet: ${what}: ${k} has dtype ${e.dtype} and shape [${e.shape.join(', ')}], the model expects ${v.dtype} [${v.shape.join(', ')}]`,
        'ERR_TORCHLET_BAD_CHECKPOINT',
      );
  }
  // the tensors themselves (not the detached views): parameters and registered buffers
  const targets = new Map<string, Tensor>();
  const entries = (model as unknown as { stateEntries(): [string, string, Tensor][] }).stateEntries();
  for (const [k, , t] of entries) if (!targets.has(k)) targets.set(k, t);
  for (const [k, view] of Object.entries(own)) {
    view.dispose();
    const t = targets.get(k);
    if (!t) throw new TorchletError(`torchlet: ${what}: cannot find the tensor ${k} in the model`, 'ERR_TORCHLET_INTERNAL');
    if (t.device !== 'cpu') throw new TorchletError(`torchlet: ${what}: bind shared weights before moving the model to a device`, 'ERR_TORCHLET_INTERNAL');
    const src = sharedTensor(w, byName.get(k)!);
    rebind(t, src);
    src.dispose();
  }
}

/** Points `t` at `src`'s storage (contiguous, offset 0), releasing its own. */
function rebind(t: Tensor, src: Tensor): void {
  const a = t as unknown as { _storage: StorageRef; strides: number[]; offset: number };
  const b = src as unknown as { _storage: StorageRef };
  a._storage.release();
  a._storage = b._storage;
  a._storage.refs++;
  a.strides = src.strides.slice();
  a.offset = 0;
}
