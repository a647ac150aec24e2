// lib/data/workers.ts — the DataLoader's worker threads (main-thread side). Each worker builds its
// own dataset from a WorkerDatasetSpec (a module export, or a built-in dataset's shared-memory
// description), seeds its global generator with baseSeed + workerId at every epoch (as PyTorch's
// workers), and answers batch requests in the order it gets them. Results come back through one
// MessagePort per worker, tensors as transferred typed arrays. The main thread waits for them
// synchronously (receiveMessageOnPort + Atomics.wait on a shared counter the worker bumps after each
// post), so `for (const batch of loader)` stays a plain synchronous loop. A worker's error is re-thrown
// in the main thread as ERR_TORCHLET_DATA_WORKER naming the worker, the batch and the sample index; a
// worker that exits or (with a timeout) does not answer in time is an error too. Workers are unref()'d
// and terminated when an epoch ends (or at shutdown() for persistent ones), so they never keep the
// process alive. With an iterable-style dataset (PoolOptions.iterable) each worker iterates its own
// copy: a 'next' request gets the worker's next batch of its stream, or `end` once it is exhausted
// (receive() returns END). receiveAsync() waits without blocking the event loop (for await loops).
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';
import { TorchletError, typeArg, invalidArg } from '../errors';
import { Tensor, DType } from '../tensor';
import { fromBuffer } from '../creation';
import type { WorkerDatasetSpec } from './dataset';
import { defaultFloat } from '../default_dtype';

/** A function exported by a module, named so that a worker thread can load it: `require(module)[export]`. */
export interface WorkerModuleSpec {
  module: string;
  export?: string;
  args?: unknown[];
}
export function checkModuleSpec(name: string, v: unknown): WorkerModuleSpec {
  const o = v as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || typeof o.module !== 'string' || !o.module)
    typeArg(name, 'a module spec {module: an absolute path or package name, export?: string, args?: array}', v);
  for (const k of Object.keys(o as object)) if (!['module', 'export', 'args'].includes(k)) invalidArg(`${name}.${k}`, 'one of the keys module, export, args', k);
  if (o!.export !== undefined && typeof o!.export !== 'string') typeArg(`${name}.export`, 'the name of an export', o!.export);
  if (o!.args !== undefined && !Array.isArray(o!.args)) typeArg(`${name}.args`, 'an array of arguments', o!.args);
  const m = o!.module as string;
  if (m.startsWith('.')) invalidArg(`${name}.module`, 'an absolute path or a package name (a worker resolves relative paths from elsewhere; use require.resolve)', m);
  return o as unknown as WorkerModuleSpec;
}

/** The key that marks an encoded tensor in a message. */
export const TENSOR_KEY = '__torchletTensor__';
interface EncodedTensor {
  [TENSOR_KEY]: true;
  data: ArrayBufferView;
  dtype: DType;
  shape: number[];
}

/** A batch (any structure of tensors, arrays, plain objects and clonable values) for postMessage; fills `transfer`. */
export function encodeValue(v: unknown, transfer: ArrayBuffer[]): unknown {
  if (v instanceof Tensor) {
    const data = v.toArray();
    transfer.push(data.buffer as ArrayBuffer);
    return { [TENSOR_KEY]: true, data, dtype: v.dtype, shape: v.shape.slice() } satisfies EncodedTensor;
  }
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, transfer));
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x, transfer);
    return out;
  }
  return v;
}
export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const o = v as Record<string, unknown>;
    if (o[TENSOR_KEY] === true) {
      const e = o as unknown as EncodedTensor;
      return fromBuffer(e.data as Float32Array, e.shape, { dtype: e.dtype });
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x);
    return out;
  }
  return v;
}

/** What a worker posts for one request. */
export interface WorkerReply {
  epoch: number;
  batch: number;
  value?: unknown;
  error?: { message: string; code?: string; stack?: string; sampleIndex?: number | number[] };
  /** An iterable-style dataset's worker has no more batches this epoch. */
  end?: boolean;
  /** The worker could not load its script. */
  fatal?: string;
}

/**
 * The code a worker runs (eval): first the exit hook (sets this worker's exited flag and wakes the main
 * thread, however the thread ends), then worker_main beside this file; when torchlet runs from its
 * TypeScript sources, a loader for them first. A failure to load worker_main is posted as a fatal reply.
 */
function workerScript(): string {
  const ext = path.extname(__filename);
  const main = path.join(__dirname, `worker_main${ext}`);
  const register = path.join(__dirname, '..', '..', 'test', 'child', 'register.js');
  const tsLoader =
    ext !== '.ts'
      ? ''
      : fs.existsSync(register)
        ? `require(${JSON.stringify(register)});`
        : `require.extensions['.ts'] = (m, f) => m._compile(require('typescript').transpileModule(require('fs').readFileSync(f, 'utf8'),
            { fileName: f, compilerOptions: { module: 1, target: 9, esModuleInterop: true } }).outputText, f);`;
  return `const { workerData: d } = require('worker_threads');
process.on('exit', () => { Atomics.store(d.signal, d.numWorkers + d.workerId, 1); Atomics.notify(d.signal, d.workerId); });
try { ${tsLoader} require(${JSON.stringify(main)}); }
catch (e) { d.port.postMessage({ epoch: -1, batch: -1, fatal: String(e && e.stack || e) }); Atomics.add(d.signal, d.workerId, 1); Atomics.notify(d.signal, d.workerId); }`;
}

export interface PoolOptions {
  spec: WorkerDatasetSpec;
  numWorkers: number;
  initFn?: WorkerModuleSpec;
  /** Collate in the worker (the default collation) or send the list of samples (a custom collateFn runs in the main thread). */
  collateInWorker: boolean;
  /** 0: wait for ever. */
  timeoutMs: number;
  /** An iterable-style dataset: each worker batches its own stream (batchSize null: single samples). */
  iterable?: { batchSize: number | null; dropLast: boolean };
  /** The first epoch's base seed (getWorkerInfo().seed while the dataset is built). */
  baseSeed?: number;
}

/** What receive() returns for an iterable-style dataset's worker that has run out. */
export const END: unique symbol = Symbol('torchlet.data.workerEnd');

const SKIP = Symbol('skip');

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** [posts of worker w ..., exited flag of worker w ...] */
  private readonly signal: Int32Array;
  private epoch = 0;
  private closed = false;
  constructor(private readonly opts: PoolOptions) {
    const W = opts.numWorkers;
    this.signal = new Int32Array(new SharedArrayBuffer(8 * W));
    const script = workerScript();
    for (let w = 0; w < W; w++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(script, {
        eval: true,
        workerData: {
          workerId: w, numWorkers: W, defaultDtype: defaultFloat(), spec: opts.spec, initFn: opts.initFn, collateInWorker: opts.collateInWorker,
          iterable: opts.iterable, baseSeed: opts.baseSeed ?? 0, port: port2, signal: this.signal,
        },
        transferList: [port2],
        stdout: false,
        stderr: false,
      });
      worker.unref();
      worker.on('error', () => {
        /* reported through the exited flag (the worker posts its error first when it can) */
      });
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }
  /** Starts an epoch: every worker reseeds with baseSeed + its id. Returns the epoch's id. */
  startEpoch(baseSeed: number): number {
    this.epoch++;
    this.workers.forEach((w) => w.postMessage({ type: 'epoch', epoch: this.epoch, seed: baseSeed }));
    return this.epoch;
  }
  request(w: number, epoch: number, batch: number, indices: number[] | number): void {
    this.workers[w].postMessage({ type: 'batch', epoch, batch, indices });
  }
  /** Asks worker w for the next batch of its stream (an iterable-style dataset). */
  requestNext(w: number, epoch: number, batch: number): void {
    this.workers[w].postMessage({ type: 'next', epoch, batch });
  }
  /** One look at worker w's port: its reply decoded (END for an exhausted stream), SKIP when none is due yet; throws its error. */
  private poll(w: number, epoch: number, batch: number, deadline: number): unknown {
    const W = this.opts.numWorkers;
    for (;;) {
      const m = receiveMessageOnPort(this.ports[w]);
      if (m) {
        const r = m.message as WorkerReply;
        if (r.fatal) throw new TorchletError(`torchlet: DataLoader worker ${w} could not start: ${r.fatal}`, 'ERR_TORCHLET_DATA_WORKER');
        if (r.epoch !== epoch) continue; // a reply of an abandoned epoch
        if (r.batch !== batch) throw new TorchletError(`torchlet: internal: DataLoader worker ${w} answered batch ${r.batch} where ${batch} was due`, 'ERR_TORCHLET_INTERNAL');
        if (r.error) {
          const at = r.error.sampleIndex === undefined ? '' : Array.isArray(r.error.sampleIndex) ? ` (samples ${r.error.sampleIndex.join(', ')})` : ` at sample index ${r.error.sampleIndex}`;
          const e = new TorchletError(`torchlet: DataLoader worker ${w} failed on batch ${batch}${at}: ${r.error.message}`, 'ERR_TORCHLET_DATA_WORKER', { cause: r.error });
          Object.assign(e, { workerId: w, batchIndex: batch, sampleIndex: r.error.sampleIndex, workerCode: r.error.code, workerStack: r.error.stack });
          throw e;
        }
        return r.end ? END : decodeValue(r.value);
      }
      if (Atomics.load(this.signal, W + w))
        throw new TorchletError(`torchlet: DataLoader worker ${w} exited unexpectedly while batch ${batch} was due`, 'ERR_TORCHLET_DATA_WORKER');
      if (Date.now() >= deadline)
        throw new TorchletError(`torchlet: DataLoader worker ${w} did not deliver batch ${batch} within the timeout (${this.opts.timeoutMs / 1000} s)`, 'ERR_TORCHLET_DATA_WORKER');
      return SKIP;
    }
  }
  private deadline(): number {
    return this.opts.timeoutMs > 0 ? Date.now() + this.opts.timeoutMs : Infinity;
  }
  /** The next reply of worker w (for `batch` of `epoch`), waiting for it; re-throws the worker's error. */
  receive(w: number, epoch: number, batch: number): unknown {
    const deadline = this.deadline();
    for (;;) {
      const seen = Atomics.load(this.signal, w);
      const r = this.poll(w, epoch, batch, deadline);
      if (r !== SKIP) return r;
      Atomics.wait(this.signal, w, seen, Math.max(1, Math.min(deadline - Date.now(), 250)));
    }
  }
  /** receive() without blocking the event loop (Atomics.waitAsync; a referenced timer keeps the process alive meanwhile). */
  async receiveAsync(w: number, epoch: number, batch: number): Promise<unknown> {
    const deadline = this.deadline();
    let keep: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const seen = Atomics.load(this.signal, w);
        const r = this.poll(w, epoch, batch, deadline);
        if (r !== SKIP) return r;
        keep ??= setInterval(() => undefined, 1 << 30);
        const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } }).waitAsync(
          this.signal, w, seen, Math.max(1, Math.min(deadline - Date.now(), 250)));
        if (wait.async) await wait.value;
      }
    } finally {
      if (keep) clearInterval(keep);
    }
  }
  /** Terminates the workers (asynchronously; nothing waits for them). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) void w.terminate().catch(() => undefined);
    for (const p of this.ports) p.close();
  }
}
