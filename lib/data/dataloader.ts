// lib/data/dataloader.ts — torch.utils.data.DataLoader: batches of a map-style dataset (length +
// get(i)), in the order of a sampler, collated by `collateFn` (default: defaultCollate with the
// dataset's declared `dtypes`, or the dataset's getBatch fast path). Options and their defaults are
// PyTorch 1.13's, camelCased; `batchSampler` excludes batchSize/shuffle/sampler/dropLast, `sampler`
// excludes shuffle, `batchSize: null` yields single samples. numWorkers > 0 loads batches on
// worker_threads (lib/data/workers.ts): batch i is fetched by worker i % numWorkers, at most
// prefetchFactor batches ahead per worker, and yielded in sampler order whatever the workers' timing.
// Every iteration of the loader is one epoch. Unknown or unimplemented options are coded errors.
import { checkInt, checkOptionKeys, invalidArg, typeArg, noExtraArgs } from '../errors';
import { Tensor } from '../tensor';
import { Generator, checkGenerator, uniform } from '../random';
import { defaultCollate } from './collate';
import { Dataset, WorkerDatasetSpec, checkDataset, randperm, seededRandom, workerSpecOf } from './dataset';
import { BatchSampler, RandomSampler, SequentialSampler } from './sampler';
import { WorkerModuleSpec, WorkerPool, checkModuleSpec } from './workers';

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

/** Iterates batches; each iteration is one epoch. */
export class DataLoader<T = [Tensor, Tensor]> implements Iterable<T> {
  readonly dataset: Dataset<unknown>;
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

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions = {}, ...rest: never[]) {
    noExtraArgs('DataLoader', 'dataset, opts', rest);
    checkDataset('dataset', dataset);
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
    } else if (this.numWorkers > 0) workerSpecOf(dataset); // fail now, not at the first batch
    if (opts.seed !== undefined) checkInt('seed', opts.seed, 0);
    if (opts.seed !== undefined && opts.generator) invalidArg('opts', 'either seed or generator, not both', opts);
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
    if (opts.sampler !== undefined) this.sampler = opts.sampler;
    else if (this.shuffle && opts.seed !== undefined) this.sampler = this.seeded = new SeededEpochSampler(() => this.dataset.length, opts.seed);
    else if (this.shuffle) this.sampler = new RandomSampler(dataset, { generator: this.generator });
    else this.sampler = new SequentialSampler(dataset);
    this.batchSampler = opts.batchSampler ?? (this.batchSize !== null ? new BatchSampler(this.sampler, this.batchSize, this.dropLast) : null);
  }

  /** Batches per epoch (samples per epoch when batchSize is null); NaN when the sampler has no length. */
  get length(): number {
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
    if (typeof idx === 'number') return ds.get(idx);
    if (!this.collateFn && ds.getBatch) return ds.getBatch(idx);
    const samples = idx.map((i) => ds.get(i));
    return this.collateFn ? this.collateFn(samples) : defaultCollate(samples, ds.dtypes);
  }

  /** Ends the worker threads of persistent workers now (they also end with the process; idempotent). */
  shutdown(): void {
    this.pool?.close();
    this.pool = null;
  }

  *[Symbol.iterator](): Iterator<T> {
    this.iterations++;
    const order = (this.batchSampler ?? this.sampler) as Iterable<number[] | number>;
    if (this.numWorkers === 0) {
      for (const idx of order) yield this.#fetch(idx) as T;
      return;
    }
    const baseSeed = Math.floor(uniform(this.generator) * 2 ** 31);
    if (!this.pool)
      this.pool = new WorkerPool({
        spec: this.workerDataset ?? workerSpecOf(this.dataset),
        numWorkers: this.numWorkers,
        initFn: this.workerInitFn,
        collateInWorker: !this.collateFn,
        timeoutMs: this.timeout * 1000,
      });
    const pool = this.pool;
    const epoch = pool.startEpoch(baseSeed);
    const W = this.numWorkers;
    const it = order[Symbol.iterator]();
    let sent = 0;
    let got = 0;
    const sendNext = (): boolean => {
      const r = it.next();
      if (r.done) return false;
      pool.request(sent % W, epoch, sent, r.value);
      sent++;
      return true;
    };
    try {
      for (let k = 0; k < (this.prefetchFactor as number) * W && sendNext(); k++);
      while (got < sent) {
        const value = pool.receive(got % W, epoch, got);
        got++;
        sendNext();
        yield (this.collateFn && this.batchSampler ? this.collateFn(value as unknown[]) : value) as T;
      }
    } finally {
      if (!this.persistentWorkers || got < sent) this.shutdown();
    }
  }
}
