// lib/data/dataloader.ts — torch.utils.data.DataLoader: batches of a map-style dataset (length +
// get(i)), in the order of a sampler, collated by `collateFn` (default: defaultCollate with the
// dataset's declared `dtypes`, or the dataset's getBatch fast path). Options and their defaults are
// PyTorch 1.13's, camelCased; `batchSampler` excludes batchSize/shuffle/sampler/dropLast, `sampler`
// excludes shuffle, `batchSize: null` yields single samples. numWorkers > 0 loads batches on
// worker_threads (lib/data/workers.ts): batch i is fetched by worker i % numWorkers, at most
// prefetchFactor batches ahead per worker, and yielded in sampler order whatever the workers' timing.
// Every iteration of the loader is one epoch. Unknown or unimplemented options are coded errors.
// An iterable-style dataset (lib/data/iterable.ts) is read as PyTorch reads one: batches of batchSize
// consecutive samples of its stream, collated (the last shorter unless dropLast; batchSize null: the
// samples, through collateFn if given); sampler, shuffle, batchSampler (and seed) are refused;
// `length` follows the dataset's own length when it has one (NaN otherwise). With numWorkers > 0 each
// worker rebuilds the dataset from its workerSpec (or workerDataset) and iterates its own full copy,
// forming its batches itself; batches come round robin over the workers, an exhausted worker dropping
// out (PyTorch's order). The loader is also async-iterable (`for await`): the only way to read an
// async-only iterable dataset in the main thread, and with workers it waits without blocking.
import { checkInt, checkOptionKeys, invalidArg, typeArg, noExtraArgs } from '../errors';
import { Tensor } from '../tensor';
import { Generator, checkGenerator, uniform } from '../random';
import { defaultCollate } from './collate';
import { Dataset, WorkerDatasetSpec, checkDataset, randperm, seededRandom, workerSpecOf } from './dataset';
import { BatchSampler, RandomSampler, SequentialSampler } from './sampler';
import { END, WorkerModuleSpec, WorkerPool, checkModuleSpec } from './workers';
import { IterableDatasetLike, IterableFetcher, isIterableDataset, checkIterableDataset, iterableLength, iterableWorkerSpecOf } from './iterable';

export interface DataLoaderOptions {
  /** Samples per batch (default 1); null: no batching, the loader yields the samples themselves. */
  batchSize?: number | null;
  /** Reshuffle every epoch (a RandomSampler over the dataset); default false. */
  shuffle?: boolean;
  /** The order of the indices (an iterable of indices, e.g. a torch.data sampler); excludes shuffle. */
  sampler?: Iterable<number>;
  /** Yields the indices of whole batches; excludes batchSize, shuffle, sampler and dropLast. */
  batchSampler?: Iterable<number[]>;
  /** Worker threads that load batches ahead of the training loop (default 0: load in the loop). */
  numWorkers?: number;
  /** Turns a list of samples into a batch (default: defaultCollate). With workers, it runs in the main thread. */
  collateFn?: (samples: unknown[]) => unknown;
  /** Only false (pinned host memory is not implemented). */
  pinMemory?: boolean;
  /** Drop the last batch when it is short (default false). */
  dropLast?: boolean;
  /** Seconds to wait for a worker's batch before an error (default 0: no limit). */
  timeout?: number;
  /** A module export `{module, export}` each worker calls with its worker id after building the dataset. */
  workerInitFn?: WorkerModuleSpec;
  /** The shuffle's and the workers' base seed's generator (default: the global one). */
  generator?: Generator;
  /** Batches each worker loads ahead (default 2; only with numWorkers > 0). */
  prefetchFactor?: number;
  /** Keep the workers (and their dataset) between epochs (default false). */
  persistentWorkers?: boolean;
  /** torchlet: a seed for the shuffle order of each epoch (epoch e uses seed + 7919 e); see stateDict. */
  seed?: number;
  /** torchlet: how each worker builds the dataset, overriding dataset.workerSpec() (see WorkerDatasetSpec). */
  workerDataset?: WorkerDatasetSpec;
}

const OPTION_KEYS = [
  'batchSize', 'shuffle', 'sampler', 'batchSampler', 'numWorkers', 'collateFn', 'pinMemory', 'dropLast', 'timeout', 'workerInitFn',
  'generator', 'prefetchFactor', 'persistentWorkers', 'seed', 'workerDataset',
];

function isIterable(v: unknown): boolean {
  return v !== null && typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** The shuffle of the `seed` option: one permutation per epoch from seed + 7919 epoch (torchlet's resumable shuffle). */
class SeededEpochSampler {
  epoch = 0;
  constructor(
    private readonly n: () => number,
    private readonly seed: number,
  ) {}
  get length(): number {
    return this.n();
  }
  *[Symbol.iterator](): Iterator<number> {
    const seed = (this.seed + this.epoch * 7919) >>> 0;
    this.epoch++;
    yield* randperm(this.n(), seededRandom(seed));
  }
}

/** The sampler of an iterable-style dataset's loader (PyTorch's _InfiniteConstantSampler): no indices, no end. */
class InfiniteConstantSampler implements Iterable<number> {
  *[Symbol.iterator](): Iterator<number> {
    for (;;) yield NaN;
  }
}

/** A step of an epoch's worker loop: wait for worker w's reply to `batch`, or yield a value. */
type Step = { wait: number; batch: number } | { out: unknown };

/** Iterates batches; each iteration is one epoch. */
export class DataLoader<T = [Tensor, Tensor]> implements Iterable<T>, AsyncIterable<T> {
  /** The dataset (an iterable-style one when `isIterable`; typed as map-style for existing code). */
  readonly dataset: Dataset<unknown>;
  /** Whether the dataset is iterable-style (see lib/data/iterable.ts). */
  readonly isIterable: boolean;
  /** null when batchSampler is given or batching is off. */
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly shuffle: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number | null;
  readonly persistentWorkers: boolean;
  readonly timeout: number;
  readonly generator?: Generator;
  readonly sampler: Iterable<number>;
  readonly batchSampler: Iterable<number[]> | null;
  readonly collateFn: ((samples: unknown[]) => unknown) | null;
  private readonly workerInitFn?: WorkerModuleSpec;
  private readonly workerDataset?: WorkerDatasetSpec;
  private readonly seeded?: SeededEpochSampler;
  private pool: WorkerPool | null = null;
  private iterations = 0;

  constructor(dataset: Dataset<T> | IterableDatasetLike<T>, opts: DataLoaderOptions = {}, ...rest: never[]) {
    noExtraArgs('DataLoader', 'dataset, opts', rest);
    this.isIterable = isIterableDataset(dataset);
    if (this.isIterable) checkIterableDataset('dataset', dataset);
    else checkDataset('dataset', dataset);
    opts = checkOptionKeys('opts', opts, OPTION_KEYS);
    this.dataset = dataset as Dataset<unknown>;
    const bool = (k: 'shuffle' | 'dropLast' | 'pinMemory' | 'persistentWorkers') => {
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') typeArg(k, 'a boolean', opts[k]);
      return !!opts[k];
    };
    this.shuffle = bool('shuffle');
    this.dropLast = bool('dropLast');
    if (bool('pinMemory')) invalidArg('pinMemory', 'false (pinned host memory is not implemented in torchlet)', true);
    this.persistentWorkers = bool('persistentWorkers');
    this.numWorkers = checkInt('numWorkers', opts.numWorkers ?? 0, 0);
    if (opts.prefetchFactor !== undefined) {
      if (this.numWorkers === 0) invalidArg('prefetchFactor', 'no value when numWorkers is 0 (it sets how far workers load ahead)', opts.prefetchFactor);
      checkInt('prefetchFactor', opts.prefetchFactor, 1);
    }
    this.prefetchFactor = this.numWorkers ? (opts.prefetchFactor ?? 2) : null;
    if (this.persistentWorkers && this.numWorkers === 0) invalidArg('persistentWorkers', 'false when numWorkers is 0 (there are no workers to keep)', true);
    if (opts.timeout !== undefined && (typeof opts.timeout !== 'number' || !(opts.timeout >= 0) || opts.timeout === Infinity))
      typeArg('timeout', 'a finite number of seconds >= 0', opts.timeout);
    this.timeout = opts.timeout ?? 0;
    if (opts.collateFn !== undefined && opts.collateFn !== null && typeof opts.collateFn !== 'function') typeArg('collateFn', 'a function of a list of samples', opts.collateFn);
    this.collateFn = opts.collateFn ?? null;
    this.generator = checkGenerator('generator', opts.generator);
    if (opts.workerInitFn !== undefined) {
      if (typeof opts.workerInitFn === 'function')
        typeArg('workerInitFn', 'a module export {module, export} (worker threads cannot receive a function; the export is called with the worker id)', opts.workerInitFn);
      this.workerInitFn = checkModuleSpec('workerInitFn', opts.workerInitFn);
      if (this.numWorkers === 0) invalidArg('workerInitFn', 'no value when numWorkers is 0', opts.workerInitFn);
    }
    if (opts.workerDataset !== undefined) {
      this.workerDataset = checkModuleSpec('workerDataset', opts.workerDataset) as WorkerDatasetSpec;
      if (this.numWorkers === 0) invalidArg('workerDataset', 'no value when numWorkers is 0', opts.workerDataset);
    } else if (this.numWorkers > 0) (this.isIterable ? iterableWorkerSpecOf : workerSpecOf)(dataset); // fail now, not at the first batch
    if (opts.seed !== undefined) checkInt('seed', opts.seed, 0);
    if (opts.seed !== undefined && opts.generator) invalidArg('opts', 'either seed or generator, not both', opts);
    if (this.isIterable) {
      // PyTorch: "DataLoader with IterableDataset: expected unspecified <option> option"
      const why = 'with an iterable-style dataset (its own iteration gives the order: shuffle or sample inside the dataset)';
      if (this.shuffle) invalidArg('shuffle', `false or unspecified ${why}`, opts.shuffle);
      if (opts.sampler !== undefined) invalidArg('sampler', `unspecified ${why}`, opts.sampler);
      if (opts.batchSampler !== undefined) invalidArg('batchSampler', `unspecified ${why}`, opts.batchSampler);
      if (opts.seed !== undefined) invalidArg('seed', `unspecified ${why}; it seeds the shuffle`, opts.seed);
    }
    if (opts.sampler !== undefined && !isIterable(opts.sampler)) typeArg('sampler', 'a sampler (an iterable of indices)', opts.sampler);
    if (opts.sampler !== undefined && this.shuffle) invalidArg('sampler', 'no sampler when shuffle is true (they are mutually exclusive)', opts.sampler);
    if (opts.batchSampler !== undefined) {
      if (!isIterable(opts.batchSampler)) typeArg('batchSampler', 'a batch sampler (an iterable of index arrays)', opts.batchSampler);
      if ((opts.batchSize !== undefined && opts.batchSize !== 1) || this.shuffle || opts.sampler !== undefined || this.dropLast)
        invalidArg('batchSampler', 'no batchSize, shuffle, sampler or dropLast beside it (they are mutually exclusive)', opts.batchSampler);
    }
    if (opts.batchSize === null) {
      if (this.dropLast) invalidArg('dropLast', 'false when batchSize is null (no batching)', true);
      this.batchSize = null;
    } else this.batchSize = opts.batchSampler !== undefined ? null : checkInt('batchSize', opts.batchSize ?? 1, 1);
    if (this.isIterable) this.sampler = new InfiniteConstantSampler();
    else if (opts.sampler !== undefined) this.sampler = opts.sampler;
    else if (this.shuffle && opts.seed !== undefined) this.sampler = this.seeded = new SeededEpochSampler(() => this.dataset.length, opts.seed);
    else if (this.shuffle) this.sampler = new RandomSampler(this.dataset, { generator: this.generator });
    else this.sampler = new SequentialSampler(this.dataset);
    this.batchSampler = this.isIterable ? null : (opts.batchSampler ?? (this.batchSize !== null ? new BatchSampler(this.sampler, this.batchSize, this.dropLast) : null));
  }

  /**
   * Batches per epoch (samples per epoch when batchSize is null); NaN when the sampler has no length.
   * For an iterable-style dataset, from the dataset's own length as PyTorch's len(loader) (NaN when it
   * has none); with workers that do not shard it, or with dropLast false, more batches may come.
   */
  get length(): number {
    if (this.isIterable) {
      const n = iterableLength(this.dataset);
      if (n === undefined) return NaN;
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    const s = (this.batchSampler ?? this.sampler) as { length?: unknown };
    return typeof s.length === 'number' ? s.length : NaN;
  }

  /** The seeded shuffle's state (epochs started so far), to resume training exactly. */
  stateDict(): { epoch: number } {
    return { epoch: this.seeded ? this.seeded.epoch : this.iterations };
  }
  loadStateDict(state: { epoch: number }): void {
    const e = checkInt('state.epoch', state?.epoch, 0);
    if (this.seeded) this.seeded.epoch = e;
    this.iterations = e;
  }

  /** The batch (or sample) for these indices, loaded in this thread. */
  #fetch(idx: number[] | number): unknown {
    const ds = this.dataset;
    // batchSize null: each sample, through collateFn when one is given (PyTorch applies it per sample)
    if (typeof idx === 'number') return this.collateFn ? this.collateFn(ds.get(idx) as never) : ds.get(idx);
    if (!this.collateFn && ds.getBatch) return ds.getBatch(idx);
    const samples = idx.map((i) => ds.get(i));
    return this.collateFn ? this.collateFn(samples) : defaultCollate(samples, ds.dtypes);
  }

  /** Ends the worker threads of persistent workers now (they also end with the process; idempotent). */
  shutdown(): void {
    this.pool?.close();
    this.pool = null;
  }

  /** The in-thread stream of an iterable-style dataset, batched. */
  #fetcher(sync: boolean): IterableFetcher {
    const ds = this.dataset as unknown as IterableDatasetLike<unknown>;
    const collate = this.batchSize === null ? null : (this.collateFn ?? ((s: unknown[]) => defaultCollate(s, ds.dtypes)));
    return new IterableFetcher(ds, this.batchSize, this.dropLast, collate, sync);
  }
  /** A batch that came from a worker, through a custom collateFn (which runs in this thread). */
  #fromWorker(value: unknown): unknown {
    if (!this.collateFn) return value;
    if (this.isIterable) return this.collateFn(value as unknown[]); // a list of samples, or one sample when batchSize is null (as PyTorch)
    return this.collateFn(value as unknown[]); // a list of samples, or one sample when batchSize is null (as PyTorch)
  }

  /** The pool for this epoch (kept between epochs with persistentWorkers) and the epoch's id. */
  #startWorkers(): { pool: WorkerPool; epoch: number } {
    const baseSeed = Math.floor(uniform(this.generator) * 2 ** 31);
    if (!this.pool)
      this.pool = new WorkerPool({
        spec: this.workerDataset ?? (this.isIterable ? iterableWorkerSpecOf : workerSpecOf)(this.dataset),
        numWorkers: this.numWorkers,
        initFn: this.workerInitFn,
        collateInWorker: !this.collateFn,
        timeoutMs: this.timeout * 1000,
        iterable: this.isIterable ? { batchSize: this.batchSize, dropLast: this.dropLast } : undefined,
        baseSeed,
      });
    return { pool: this.pool, epoch: this.pool.startEpoch(baseSeed) };
  }

  /**
   * One epoch with workers, as steps: `wait` asks the driver for worker w's reply to a batch (sent back
   * through next()), `out` is a value to yield. Returns whether the epoch ran to its end.
   */
  *#workerEpoch(pool: WorkerPool, epoch: number): Iterator<Step, boolean, unknown> {
    const W = this.numWorkers;
    const ahead = (this.prefetchFactor as number) * W;
    if (!this.isIterable) {
      // batch i from worker i % W, in sampler order
      const it = ((this.batchSampler ?? this.sampler) as Iterable<number[] | number>)[Symbol.iterator]();
      let sent = 0;
      const sendNext = (): boolean => {
        const r = it.next();
        if (r.done) return false;
        pool.request(sent % W, epoch, sent, r.value);
        sent++;
        return true;
      };
      for (let k = 0; k < ahead && sendNext(); k++);
      for (let got = 0; got < sent; got++) {
        const value = yield { wait: got % W, batch: got };
        sendNext();
        yield { out: this.#fromWorker(value) };
      }
      return true;
    }
    // iterable-style: tasks go round robin to the workers still active (PyTorch's _try_put_index);
    // a task whose worker has run out is skipped, so batches come worker by worker in turn
    const active = new Array<boolean>(W).fill(true);
    const owner: number[] = [];
    let next = 0;
    const put = (): void => {
      for (let k = 0; k < W; k++) {
        const w = next;
        next = (next + 1) % W;
        if (!active[w]) continue;
        pool.requestNext(w, epoch, owner.length);
        owner.push(w);
        return;
      }
    };
    for (let k = 0; k < ahead; k++) put();
    let rcvd = 0;
    for (;;) {
      while (rcvd < owner.length && !active[owner[rcvd]]) rcvd++;
      if (rcvd >= owner.length) return true;
      const value = yield { wait: owner[rcvd], batch: rcvd };
      if (value === END) {
        active[owner[rcvd]] = false;
        put();
        continue;
      }
      rcvd++;
      put();
      yield { out: this.#fromWorker(value) };
    }
  }

  *[Symbol.iterator](): Iterator<T> {
    this.iterations++;
    if (this.numWorkers === 0) {
      if (this.isIterable) {
        const f = this.#fetcher(true);
        try {
          for (let r = f.nextSync(); !r.done; r = f.nextSync()) yield (this.batchSize === null && this.collateFn ? this.collateFn(r.value as unknown[]) : r.value) as T;
        } finally {
          f.close();
        }
        return;
      }
      const order = (this.batchSampler ?? this.sampler) as Iterable<number[] | number>;
      for (const idx of order) yield this.#fetch(idx) as T;
      return;
    }
    const { pool, epoch } = this.#startWorkers();
    const steps = this.#workerEpoch(pool, epoch);
    let complete = false;
    try {
      let s = steps.next();
      while (!s.done) {
        const step = s.value;
        if ('wait' in step) s = steps.next(pool.receive(step.wait, epoch, step.batch));
        else {
          yield step.out as T;
          s = steps.next();
        }
      }
      complete = s.value;
    } finally {
      if (!this.persistentWorkers || !complete) this.shutdown();
    }
  }

  /**
   * `for await (const batch of loader)`: the same batches; an async-only iterable dataset is read here
   * in the main thread, and batches from workers are awaited without blocking the event loop.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.numWorkers === 0 && !this.isIterable) {
      for (const b of this) yield b;
      return;
    }
    this.iterations++;
    if (this.numWorkers === 0) {
      const f = this.#fetcher(false);
      try {
        for (let r = await f.next(); !r.done; r = await f.next()) yield (this.batchSize === null && this.collateFn ? this.collateFn(r.value as unknown[]) : r.value) as T;
      } finally {
        await f.close();
      }
      return;
    }
    const { pool, epoch } = this.#startWorkers();
    const steps = this.#workerEpoch(pool, epoch);
    let complete = false;
    try {
      let s = steps.next();
      while (!s.done) {
        const step = s.value;
        if ('wait' in step) s = steps.next(await pool.receiveAsync(step.wait, epoch, step.batch));
        else {
          yield step.out as T;
          s = steps.next();
        }
      }
      complete = s.value;
    } finally {
      if (!this.persistentWorkers || !complete) this.shutdown();
    }
  }
}
