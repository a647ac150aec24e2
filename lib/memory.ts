// lib/memory.ts — who owns native storage and when it is freed.
// Contract: a StorageRef wraps one native Storage shared by every view (Tensor) of it; each view
// holds one reference and the storage is freed when the last view is disposed. tidy(fn) disposes
// every tensor created inside fn except those returned (or marked with keep()). Neither is required:
// a storage no tensor refers to any more is freed by the garbage collection that finds it unreachable
// (a native finalizer that runs during GC, native/napi/binding.cc), in a synchronous loop too, and
// its bytes count towards V8's external memory while it lives, so native memory triggers GC.
// The safety net: when an allocation fails for lack of memory, a full GC is forced (which frees every
// unreachable storage) and the allocation tried once more. memory() reports live storages per device
// (counted natively, so they are exact at any moment) and the native allocators' counters.
import * as v8 from 'v8';
import * as vm from 'vm';
import type { Storage } from '../binding';
import { native } from './binding';
import { TorchletError, TorchletTypeError, typeArg } from './errors';
import { Tensor } from './tensor';

// ---- ownership ----------------------------------------------------------------------------------
/** A native storage shared by every view of it; freed when the last view is disposed (or collected). */
export class StorageRef {
  refs = 0;
  freed = false;
  /** Bumped by every in-place write through any view (PyTorch's version counter; Tensor._version). */
  version = 0;
  /**
   * The first tensor made on this storage (the others are its views), while it is outside any graph:
   * the base an in-place write through a view that requires no grad rebases. Dropped (and ownerInGraph
   * set) once that tensor gets an autograd node, so that a view or detach() alias never keeps a graph alive.
   */
  owner: Tensor | null = null;
  ownerInGraph = false;
  constructor(
    public readonly native: Storage,
    public readonly bytes: number,
    /** The native dtype code of its elements (lib/tensor.ts DTYPE_CODE). */
    public readonly dtypeCode: number,
  ) {}
  /** Counts its bytes in V8's external memory (a storage made inside a tidy() scope that outlives it). */
  report(): void {
    if (!this.freed) this.native.report();
  }
  release(): void {
    if (--this.refs <= 0 && !this.freed) {
      this.freed = true;
      this.native.free();
    }
  }
}

let fullGc: (() => void) | null = null;
/** @internal Runs a full, synchronous garbage collection (global.gc when exposed, else V8's own, enabled once). */
export function collectGarbage(): void {
  if (!fullGc) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') fullGc = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      fullGc = vm.runInNewContext('gc') as () => void;
    }
  }
  fullGc();
}
/**
 * @internal A new native storage; when memory is exhausted, forces a full GC (freeing every storage
 * nothing refers to any more) and tries once more, so an out-of-memory error means the live tensors
 * really do not leave room. Inside a tidy() scope its bytes are not counted in V8's external memory
 * (which starts garbage collections) until a tensor of it outlives the scope: the scope frees the
 * rest itself, and counting a training step's short-lived activations would start a full collection
 * nearly every step.
 */
export function allocStorage(dtype: number, numel: number, device: number, zero: boolean): StorageRef {
  const report = scopes.length === 0;
  let st: Storage;
  try {
    st = new native.Storage(dtype, numel, device, zero, report);
  } catch (e) {
    if (!(e instanceof TorchletError) || e.code !== 'ERR_TORCHLET_OUT_OF_MEMORY') throw e;
    collectGarbage();
    st = new native.Storage(dtype, numel, device, zero, report);
  }
  if (allocHook) allocHook(st, dtype, numel, device, zero);
  return new StorageRef(st, st.nbytes, dtype);
}

type AllocHook = (st: Storage, dtype: number, numel: number, device: number, zero: boolean) => void;
let allocHook: AllocHook | null = null;
/** @internal Sees every storage allocStorage makes (lib/replay.ts records a run's allocations); null:
 * none. Returns the hook it replaces (a nested recording chains to it and puts it back). */
export function setAllocHook(hook: AllocHook | null): AllocHook | null {
  const prev = allocHook;
  allocHook = hook;
  return prev;
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
  const [cpuStorages, cpuBytes, cudaStorages, cudaBytes] = native.storageStats();
  return {
    cpu: { storages: cpuStorages, bytes: cpuBytes, cachedBytes: native.hostCache(), systemAllocs: native.hostSystemAllocs() },
    cuda: {
      storages: cudaStorages, bytes: cudaBytes, allocatedBytes: c.allocated, cachedBytes: c.cached, peakBytes: c.peak,
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
      else t._storage.report();
    } else if (t.kept) t._storage.report();
    else t.dispose();
  }
  return result;
}
/** Marks a tensor as outliving any tidy() scope it was created in. */
export function keep<T extends Tensor | null | undefined>(t: T): T {
  if (t !== null && t !== undefined && !(t instanceof Tensor)) typeArg('tensor', 'a Tensor (or null)', t);
  if (t) t.kept = true;
  return t;
}
