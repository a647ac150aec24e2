// lib/data/iterable.ts — iterable-style datasets (torch.utils.data.IterableDataset of PyTorch 1.13):
// an object whose [Symbol.iterator]() or [Symbol.asyncIterator]() yields the samples (a stream: lines
// of a file, records from a socket, a generator), with an optional `length`, `dtypes` (for the default
// collation) and `workerSpec()` (how DataLoader worker threads rebuild it). IterableDataset is the base
// class (subclass it and define one of the iterators), ChainDataset chains datasets one after the
// other, getWorkerInfo() tells the code running in a DataLoader worker which worker it is (null in the
// main thread), so that a dataset can shard itself. IterableFetcher is the DataLoader's batching of a
// stream (PyTorch's _IterableDatasetFetcher): batchSize consecutive samples per batch, the last one
// shorter unless dropLast; used in the main thread and in each worker.
import { invalidArg, typeArg, noExtraArgs } from '../errors';
import type { SampleDtypes } from './collate';
import { WorkerDatasetSpec, buildFromSpec, workerSpecOf } from './dataset';

/** What a DataLoader accepts as an iterable-style dataset. */
export type IterableDatasetLike<T = unknown> = (Iterable<T> | AsyncIterable<T> | IterableDataset<T>) & {
  /** Optional: the number of samples (the DataLoader's length follows from it; PyTorch's __len__). */
  readonly length?: number;
  /** Optional: the dtypes of a sample's number fields for the default collation (see defaultCollate). */
  readonly dtypes?: SampleDtypes;
  /** Optional: how DataLoader worker threads build their own copy (numWorkers > 0). */
  workerSpec?(): WorkerDatasetSpec;
};

/**
 * The base class of iterable-style datasets (PyTorch's IterableDataset): a subclass defines
 * `*[Symbol.iterator]()` or `async *[Symbol.asyncIterator]()` yielding samples, and optionally
 * `length`, `dtypes` and `workerSpec()`. A DataLoader iterates it as it is (no sampler, no shuffle);
 * with numWorkers > 0 every worker iterates its own full copy, so shard it with getWorkerInfo().
 */
export class IterableDataset<T = unknown> {
  /** (type only: the sample type) */
  declare readonly __sample?: T;
  /** The chain of this dataset and `other` (PyTorch's `dataset + other`). */
  concat(other: IterableDatasetLike<T>): ChainDataset<T> {
    return new ChainDataset<T>([this as unknown as IterableDatasetLike<T>, other]);
  }
}

function hasFn(o: unknown, key: symbol): boolean {
  return typeof (o as Record<symbol, unknown>)[key] === 'function';
}
/** Whether `d` is an iterable-style dataset: an IterableDataset, or an iterable object that is not a map-style dataset (length + get) nor an array. */
export function isIterableDataset(d: unknown): boolean {
  if (d === null || typeof d !== 'object' || Array.isArray(d) || ArrayBuffer.isView(d)) return false;
  if (d instanceof IterableDataset) return true;
  if (typeof (d as { get?: unknown }).get === 'function' && typeof (d as { length?: unknown }).length === 'number') return false;
  return hasFn(d, Symbol.iterator) || hasFn(d, Symbol.asyncIterator);
}
/** An iterable-style dataset argument (with one of the iterators). */
export function checkIterableDataset(name: string, d: unknown): void {
  if (!isIterableDataset(d) || !(hasFn(d, Symbol.iterator) || hasFn(d, Symbol.asyncIterator)))
    typeArg(name, 'an iterable-style dataset (an object with [Symbol.iterator]() or [Symbol.asyncIterator]() yielding samples)', d);
}
/** The dataset's length when it declares a usable one, else undefined. */
export function iterableLength(d: unknown): number | undefined {
  const n = (d as { length?: unknown }).length;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The worker spec of an iterable-style dataset, or a coded error saying what to provide. */
export function iterableWorkerSpecOf(d: unknown, name = 'dataset'): WorkerDatasetSpec {
  if (typeof (d as { workerSpec?: unknown }).workerSpec !== 'function')
    invalidArg(
      name,
      'an iterable-style dataset that worker threads can rebuild (numWorkers > 0): give it a workerSpec() method returning ' +
        '{module, export, args} (a module export that builds the dataset in each worker, where it shards itself with torch.data.getWorkerInfo()), ' +
        'or give the DataLoader option workerDataset: {module, export, args}',
      d,
    );
  return workerSpecOf(d, name);
}
/** @internal Builds an iterable-style dataset from a worker spec (what each DataLoader worker does). */
export async function iterableFromSpec(spec: WorkerDatasetSpec): Promise<IterableDatasetLike<unknown>> {
  const d = await buildFromSpec(spec);
  checkIterableDataset(`the dataset built by ${spec.module}#${spec.export ?? 'createDataset'}`, d);
  return d as IterableDatasetLike<unknown>;
}

/**
 * Datasets one after the other (PyTorch's ChainDataset): iterates the first to its end, then the
 * second, ... Its length is the sum of theirs (NaN when one has none). Synchronous iteration needs
 * every part to be synchronously iterable; asynchronous iteration takes any.
 */
export class ChainDataset<T = unknown> extends IterableDataset<T> implements Iterable<T>, AsyncIterable<T> {
  readonly datasets: IterableDatasetLike<T>[];
  constructor(datasets: Iterable<IterableDatasetLike<T>>, ...rest: never[]) {
    super();
    noExtraArgs('ChainDataset', 'datasets', rest);
    if (datasets === null || typeof datasets !== 'object' || !hasFn(datasets, Symbol.iterator))
      typeArg('datasets', 'an array of iterable-style datasets', datasets);
    const list = Array.from(datasets);
    list.forEach((d, i) => {
      if (!isIterableDataset(d))
        typeArg(`datasets[${i}]`, 'an iterable-style dataset (ChainDataset only supports iterable-style datasets, as PyTorch)', d);
    });
    this.datasets = list;
  }
  /** The sum of the parts' lengths; NaN when one of them has no length. */
  get length(): number {
    let s = 0;
    for (const d of this.datasets) {
      const n = iterableLength(d);
      if (n === undefined) return NaN;
      s += n;
    }
    return s;
  }
  /** The first part's dtypes (for the default collation). */
  get dtypes(): SampleDtypes {
    return this.datasets[0]?.dtypes;
  }
  *[Symbol.iterator](): Iterator<T> {
    this.datasets.forEach((d, i) => {
      if (!hasFn(d, Symbol.iterator))
        typeArg(`datasets[${i}]`, 'a synchronously iterable dataset (iterate the chain with for await, e.g. a DataLoader in for await, to chain asynchronous ones)', d);
    });
    for (const d of this.datasets) yield* d as Iterable<T>;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (const d of this.datasets) yield* d as AsyncIterable<T>;
  }
  /** Workers rebuild every part from its own workerSpec(). */
  workerSpec(): WorkerDatasetSpec {
    return { module: __filename, export: 'chainFromSpecs', args: [this.datasets.map((d, i) => iterableWorkerSpecOf(d, `datasets[${i}]`))] };
  }
}
/** @internal The worker side of ChainDataset.workerSpec. */
export async function chainFromSpecs(specs: WorkerDatasetSpec[]): Promise<ChainDataset> {
  return new ChainDataset(await Promise.all(specs.map(iterableFromSpec)));
}

/** What getWorkerInfo() returns in a DataLoader worker thread. */
export interface WorkerInfo {
  /** This worker's id, 0 .. numWorkers - 1. */
  readonly id: number;
  readonly numWorkers: number;
  /** The seed of this worker's global generator this epoch (the loader's base seed + id). */
  readonly seed: number;
  /** This worker's copy of the dataset (null while its factory is still building it). */
  readonly dataset: unknown;
}
// On globalThis (per thread), so that a second copy of torchlet loaded by a dataset module sees it too.
const INFO = Symbol.for('torchlet.data.workerInfo');
/**
 * In a DataLoader worker thread, which worker this is: `{id, numWorkers, seed, dataset}`; null in the
 * main thread (PyTorch's torch.utils.data.get_worker_info). Iterable-style datasets use it to shard
 * themselves, e.g. `for (let i = start + info.id; i < end; i += info.numWorkers) yield i`.
 */
export function getWorkerInfo(...rest: never[]): WorkerInfo | null {
  noExtraArgs('getWorkerInfo', '', rest);
  return ((globalThis as Record<symbol, unknown>)[INFO] as WorkerInfo | undefined) ?? null;
}
/** @internal Set by the worker thread (worker_main.ts). */
export function setWorkerInfo(info: WorkerInfo): void {
  (globalThis as Record<symbol, unknown>)[INFO] = Object.freeze({ ...info });
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;
/**
 * The batching of a stream (PyTorch's _IterableDatasetFetcher): next() gives the next batch of
 * batchSize samples, collated (the last one shorter unless dropLast), or the next sample when
 * batchSize is null, or done. After a short batch or the end, the stream is not pulled again.
 * `collate` null gives the list of samples (a custom collateFn runs elsewhere).
 */
export class IterableFetcher {
  private it: AnyIterator | null = null;
  private ended = false;
  constructor(
    private readonly dataset: IterableDatasetLike<unknown>,
    private readonly batchSize: number | null,
    private readonly dropLast: boolean,
    private readonly collate: ((samples: unknown[]) => unknown) | null,
    private readonly sync: boolean,
  ) {}
  private iterator(): AnyIterator {
    if (this.it) return this.it;
    const d = this.dataset as unknown as Record<symbol, () => AnyIterator>;
    if (this.sync) {
      if (!hasFn(d, Symbol.iterator))
        typeArg('dataset', 'a synchronously iterable dataset for a for...of loop over a loader without workers (this one is async-iterable only: ' +
          'iterate the loader with `for await (const batch of loader)`, or use numWorkers > 0)', d);
      this.it = d[Symbol.iterator]();
    } else this.it = hasFn(d, Symbol.asyncIterator) ? d[Symbol.asyncIterator]() : d[Symbol.iterator]();
    if (this.it === null || typeof this.it !== 'object' || typeof this.it.next !== 'function')
      typeArg('dataset', 'an iterable whose iterator has a next() method', this.it);
    return this.it;
  }
  private finish(samples: unknown[]): { done: true } | { done: false; value: unknown } {
    const bs = this.batchSize as number;
    if (!samples.length || (this.dropLast && samples.length < bs)) {
      this.ended = true;
      return { done: true };
    }
    return { done: false, value: this.collate ? this.collate(samples) : samples };
  }
  /** The next batch, pulling a synchronous iterator. */
  nextSync(): { done: true } | { done: false; value: unknown } {
    if (this.ended) return { done: true };
    const it = this.iterator() as Iterator<unknown>;
    if (this.batchSize === null) {
      const r = it.next();
      if (r.done) this.ended = true;
      return r.done ? { done: true } : { done: false, value: r.value };
    }
    const samples: unknown[] = [];
    while (samples.length < this.batchSize) {
      const r = it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      samples.push(r.value);
    }
    return this.finish(samples);
  }
  /** The next batch, awaiting an asynchronous (or synchronous) iterator. */
  async next(): Promise<{ done: true } | { done: false; value: unknown }> {
    if (this.ended) return { done: true };
    const it = this.iterator();
    if (this.batchSize === null) {
      const r = await it.next();
      if (r.done) this.ended = true;
      return r.done ? { done: true } : { done: false, value: r.value };
    }
    const samples: unknown[] = [];
    while (samples.length < this.batchSize) {
      const r = await it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      samples.push(r.value);
    }
    return this.finish(samples);
  }
  /** Ends the stream early (the iterator's return(), e.g. a generator's finally blocks); idempotent. */
  close(): unknown {
    const it = this.it;
    this.it = null;
    this.ended = true;
    if (it && typeof it.return === 'function') return it.return();
    return undefined;
  }
}
