// lib/memory.ts — who owns native storage and when it is freed.
// Contract: a StorageRef wraps one native Storage shared by every view (Tensor) of it; each view
// holds one reference and the storage is freed when the last view is disposed. tidy(fn) disposes
// every tensor created inside fn except those returned (or marked with keep()); a
// FinalizationRegistry keeps the accounting right for storages that are never disposed (the
// native side frees their memory when the Storage object is collected). memory() reports live
// storages per device and the native allocators' counters.
import type { Storage } from '../binding';
import { native } from './binding';
import { TorchletTypeError, typeArg } from './errors';
import { Tensor } from './tensor';

// ---- accounting ---------------------------------------------------------------------------------
// Live storages per device kind (index: native device code, 0 CPU, 1 CUDA).
const live = [
  { tensors: 0, bytes: 0 },
  { tensors: 0, bytes: 0 },
];
const storageRegistry = new FinalizationRegistry<[number, number]>(([dev, bytes]) => {
  live[dev].tensors--;
  live[dev].bytes -= bytes;
});

/** A native storage shared by every view of it; freed when the last view is disposed. */
export class StorageRef {
  refs = 0;
  freed = false;
  private readonly dev: number;
  constructor(public readonly native: Storage, public readonly bytes: number) {
    this.dev = native.device === 1 ? 1 : 0;
    live[this.dev].tensors++;
    live[this.dev].bytes += bytes;
    storageRegistry.register(this, [this.dev, bytes], this);
  }
  release(): void {
    if (--this.refs <= 0 && !this.freed) {
      this.freed = true;
      this.native.free();
      storageRegistry.unregister(this);
      live[this.dev].tensors--;
      live[this.dev].bytes -= this.bytes;
    }
  }
}
export interface CpuMemory {
  storages: number;
  bytes: number;
  cachedBytes: number;
  systemAllocs: number;
}
export interface CudaMemory {
  /** Live tensor storages on CUDA devices and their bytes (as requested). */
  storages: number;
  bytes: number;
  /** Bytes in live device blocks, tensors and kernel temporaries (size-class rounded): torch.cuda.memoryAllocated(). */
  allocatedBytes: number;
  /** Freed device blocks the caching allocator keeps for reuse. */
  cachedBytes: number;
  /** Highest allocatedBytes so far. */
  peakBytes: number;
  /** cudaMalloc calls so far (cache misses: constant across steady-state training steps). */
  systemAllocs: number;
}
/**
 * Live tensor storages and their bytes per device; for the CPU also the freed large blocks the
 * allocator keeps for reuse (`cachedBytes`) and how many large blocks it has had to request from
 * the operating system so far (`systemAllocs`: constant across steady-state training steps); the
 * same for CUDA's caching device allocator (all zero where there is no CUDA).
 */
export function memory(): { cpu: CpuMemory; cuda: CudaMemory } {
  const c = native.cudaMemory();
  return {
    cpu: { storages: live[0].tensors, bytes: live[0].bytes, cachedBytes: native.hostCache(), systemAllocs: native.hostSystemAllocs() },
    cuda: {
      storages: live[1].tensors, bytes: live[1].bytes, allocatedBytes: c.allocated, cachedBytes: c.cached, peakBytes: c.peak,
      systemAllocs: c.mallocs,
    },
  };
}

// ---- tidy scopes --------------------------------------------------------------------------------
type Scope = Tensor[];
const scopes: Scope[] = [];
/** @internal Registers a new tensor with the innermost tidy() scope (called by the Tensor constructor). */
export function trackTensor(t: Tensor): void {
  const scope = scopes[scopes.length - 1];
  if (scope) scope.push(t);
}
type Returned = Tensor | Returned[] | { [k: string]: Returned } | unknown;
function collect(v: Returned, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || v === null || v === undefined) return;
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => collect(x, out, depth + 1));
  else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    Object.values(v as object).forEach((x) => collect(x, out, depth + 1));
}
/** Runs fn; disposes every tensor created inside except those returned (or kept). */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
  const scope: Scope = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new TorchletTypeError('torchlet: tidy() does not accept an async function');
  const keepSet = new Set<Tensor>();
  collect(result as Returned, keepSet);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) {
      if (parent) parent.push(t);
    } else if (!t.kept) t.dispose();
  }
  return result;
}
/** Marks a tensor as outliving any tidy() scope it was created in. */
export function keep<T extends Tensor | null | undefined>(t: T): T {
  if (t !== null && t !== undefined && !(t instanceof Tensor)) typeArg('tensor', 'a Tensor (or null)', t);
  if (t) t.kept = true;
  return t;
}
