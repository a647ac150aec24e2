// lib/data/worker_main.ts — the script of a DataLoader worker thread (see workers.ts): builds the
// dataset from its spec once, calls the init function, then answers each request in order: the
// collated batch (default collation, or the dataset's getBatch) or the list of samples (a custom
// collateFn runs in the main thread), posted with its tensors' buffers transferred; an error is posted
// with the index of the sample that failed. Every post bumps this worker's counter in the shared
// signal array (the main thread waits on it); the exit flag is set by the bootstrap (workers.ts).
// With an iterable-style dataset (init.iterable) the worker iterates its own copy: each 'next' request
// gets the next batch of its stream (formed here), or `end`; an 'epoch' message starts a new pass.
// Requests are handled strictly in order (one promise chain), as the dataset's iterator may be async.
// getWorkerInfo() gives {id, numWorkers, seed, dataset} here (dataset null while it is being built).
import { workerData, parentPort, MessagePort } from 'worker_threads';
import { manualSeed } from '../random';
import { setDefaultDtype, FloatDType } from '../default_dtype';
import { datasetFromSpec, Dataset, WorkerDatasetSpec } from './dataset';
import { defaultCollate } from './collate';
import { encodeValue, WorkerModuleSpec, WorkerReply } from './workers';
import { IterableDatasetLike, IterableFetcher, iterableFromSpec, setWorkerInfo } from './iterable';

interface Init {
  workerId: number;
  numWorkers: number;
  /** the main thread's default dtype when the pool started (torch.setDefaultDtype), as a forked worker inherits it */
  defaultDtype: FloatDType;
  spec: WorkerDatasetSpec;
  initFn?: WorkerModuleSpec;
  collateInWorker: boolean;
  iterable?: { batchSize: number | null; dropLast: boolean };
  baseSeed: number;
  port: MessagePort;
  signal: Int32Array;
}
const init = workerData as Init;
const { workerId, port, signal } = init;
setDefaultDtype(init.defaultDtype);
let info = { id: workerId, numWorkers: init.numWorkers, seed: init.baseSeed + workerId, dataset: null as unknown };
setWorkerInfo(info);

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
  Atomics.add(signal, workerId, 1);
  Atomics.notify(signal, workerId);
}

const ready: Promise<Dataset<unknown>> = (async () => {
  manualSeed(info.seed);
  const ds = init.iterable ? ((await iterableFromSpec(init.spec)) as unknown as Dataset<unknown>) : await datasetFromSpec(init.spec);
  setWorkerInfo((info = { ...info, dataset: ds }));
  if (init.initFn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require(init.initFn.module) as Record<string, unknown>;
    const f = m[init.initFn.export ?? 'default'] ?? m;
    if (typeof f !== 'function') throw new Error(`workerInitFn: ${init.initFn.module} has no function export ${init.initFn.export ?? 'default'}`);
    await (f as (...a: unknown[]) => unknown)(workerId, ...(init.initFn.args ?? []));
  }
  return ds;
})();
ready.catch(() => undefined); // reported with the first request

function errorOf(e: unknown, sampleIndex?: number | number[]): WorkerReply['error'] {
  const o = e as { message?: unknown; code?: unknown; stack?: unknown } | null;
  return {
    message: typeof o?.message === 'string' ? o.message : String(e),
    code: typeof o?.code === 'string' ? o.code : undefined,
    stack: typeof o?.stack === 'string' ? o.stack : undefined,
    sampleIndex,
  };
}

type Message = { type: string; epoch: number; seed?: number; batch?: number; indices?: number[] | number };

/** The iterable-style path: this epoch's stream, batched here. */
let fetcher: IterableFetcher | null = null;
let queue: Promise<void> = Promise.resolve();
async function onIterable(msg: Message): Promise<void> {
  if (msg.type === 'epoch') {
    manualSeed((msg.seed as number) + workerId);
    setWorkerInfo((info = { ...info, seed: (msg.seed as number) + workerId }));
    if (fetcher) await fetcher.close();
    fetcher = null;
    return;
  }
  if (msg.type !== 'next') return;
  const { epoch, batch } = msg as { epoch: number; batch: number };
  try {
    const ds = (await ready) as unknown as IterableDatasetLike<unknown>;
    const it = init.iterable as { batchSize: number | null; dropLast: boolean };
    fetcher ??= new IterableFetcher(ds, it.batchSize, it.dropLast, init.collateInWorker ? (s) => defaultCollate(s, ds.dtypes) : null, false);
    const r = await fetcher.next();
    if (r.done) {
      post({ epoch, batch, end: true });
      return;
    }
    const transfer: ArrayBuffer[] = [];
    const encoded = encodeValue(r.value, transfer);
    post({ epoch, batch, value: encoded }, transfer);
  } catch (e) {
    post({ epoch, batch, error: errorOf(e) });
  }
}

parentPort!.on('message', async (msg: Message) => {
  if (init.iterable) {
    queue = queue.then(() => onIterable(msg)).catch(() => undefined);
    return;
  }
  if (msg.type === 'epoch') {
    manualSeed((msg.seed as number) + workerId);
    setWorkerInfo((info = { ...info, seed: (msg.seed as number) + workerId }));
    return;
  }
  if (msg.type !== 'batch') return;
  const { epoch, batch } = msg as { epoch: number; batch: number };
  let ds: Dataset<unknown>;
  try {
    ds = await ready;
  } catch (e) {
    post({ epoch, batch, error: errorOf(e) });
    return;
  }
  const idx = msg.indices as number[] | number;
  let current: number | number[] | undefined;
  try {
    let value: unknown;
    if (typeof idx === 'number') {
      current = idx;
      value = ds.get(idx);
    } else if (init.collateInWorker && ds.getBatch) {
      current = idx;
      value = ds.getBatch(idx);
    } else {
      const samples = idx.map((i) => {
        current = i;
        return ds.get(i);
      });
      current = undefined;
      value = init.collateInWorker ? defaultCollate(samples, ds.dtypes) : samples;
    }
    const transfer: ArrayBuffer[] = [];
    const encoded = encodeValue(value, transfer);
    post({ epoch, batch, value: encoded }, transfer);
  } catch (e) {
    post({ epoch, batch, error: errorOf(e, current) });
  }
});
