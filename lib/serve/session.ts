// lib/serve/session.ts — InferenceSession: load a model once, then `await session.run(x)` without
// blocking the event loop. The forward passes run on a pool of worker threads (worker.ts), each
// holding the addon and a model whose weights are views of ONE shared copy (shared.ts: a
// SharedArrayBuffer, not a copy per worker). The pool is sized so that workers x threads fits the
// cores (os.availableParallelism()): by default max(1, min(4, floor(cores / 4))) workers (1 on
// CUDA) of floor(cores / workers) OpenMP threads each.
// Jobs queue in the session (FIFO) and each worker runs one at a time. Inputs are transferred to the
// worker (no copy), outputs transferred back. A worker that dies (an uncaught error, exit,
// terminate) fails its in-flight job with ERR_TORCHLET_WORKER and is replaced; the queued jobs wait
// for the replacement. run() after close() fails with ERR_TORCHLET_WORKER; close() waits for the
// jobs in flight and the queued ones, then ends the workers.
// What blocks the calling thread: create() loads and checks the weights and packs them into shared
// memory on it (synchronous file reads: about 1 ms per 10 MB), then waits asynchronously for the
// workers to build the model and warm up; run() only copies a Tensor input to a transferable buffer
// (a Float32Array input is transferred as is); runParts() (the batcher's) sends a batch as its
// requests' arrays, which the worker writes into the input tensor (no concatenation on the loop);
// a part over a SharedArrayBuffer (a server's pooled request bodies: bodies.ts) is neither copied nor
// transferred: each worker is sent the buffer once and keeps it by id (until the buffer is garbage
// collected here), then gets only its id, offset and length, so the steady state creates no
// ArrayBuffers on either thread (each one counted in V8's external memory and, at hundreds of MB/s
// of 3x224x224 images, started a garbage collection every few batches).
// On CUDA each worker queues its work on its own CUDA stream (its thread's: native/cuda/runtime.cu), so
// with workers > 1 the batches of different workers overlap on the GPU instead of waiting for each
// other; cudaStreams lists the workers' stream ids.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Tensor } from '../tensor';
import { fromBuffer } from '../creation';
import { parseDevice, Device } from '../device';
import { TorchletError, TorchletTypeError, checkOptionKeys, checkInt, typeArg, invalidArg, optBool } from '../errors';
import { resolveModel, ResolvedModel, ServeSpec } from './model';
import type { SampleData } from './batcher';

export interface InferenceSessionOptions {
  /** A weights file or training checkpoint (see `torchlet serve --checkpoint`). */
  checkpoint?: string;
  /** A module file exporting createModel() (see `torchlet serve --module`). */
  module?: string;
  /** Display name of the model. */
  name?: string;
  /** 'cpu' (default) or 'cuda'. */
  device?: string;
  /** Worker threads (default: see above). */
  workers?: number;
  /** OpenMP threads per worker (default floor(cores / workers)). */
  threads?: number;
  /** Run one forward pass per worker before create() resolves (default true). */
  warmup?: boolean;
  /**
   * Linux: the niceness (0..19) of each worker's threads, its OpenMP threads included (default 10 on
   * the CPU, 0 on CUDA): the event loop and the process's HTTP work get a core first when they need one,
   * and the forward passes take the rest. 0 leaves them at normal priority. Ignored on other systems.
   */
  nice?: number;
  /**
   * CPU, more than one thread per worker: batches of fewer samples than this run on one thread (0: every
   * batch on all threads), always. Default: timed by each worker at warm-up (threads.ts oneThreadBelow: a
   * small batch can be faster on one thread, since each parallel region wakes the others), and from
   * there chosen per batch size from the served batches' own times (threads.ts ThreadChooser: a batch
   * every 16 to 256 of a size runs on the other count), so that a threshold timed while the machine was
   * busy or idle does not hold for the server's life; a replacement worker starts from the value the
   * first worker measured.
   */
  singleThreadBelow?: number;
}

export interface WorkerMemory {
  heapUsedBytes: number;
  heapTotalBytes: number;
  privateNativeBytes: number;
  cudaBytes: number;
}
export interface SessionMemory {
  /** Bytes of the one shared copy of the weights (SharedArrayBuffer). */
  sharedWeightBytes: number;
  /** Each worker's own memory: its V8 heap and its native storages other than the shared weights. */
  workers: WorkerMemory[];
  /** The process's resident set (all threads together). */
  rssBytes: number;
}
export interface RawOutput {
  data: Float32Array;
  shape: number[];
  /** runBatch(): its input buffer, transferred back from the worker for reuse */
  input?: Float32Array;
  /** runParts() with topk, for an output [N, classes]: each part's answer, the JSON text of its predictions (answer.ts), written by the worker */
  answers?: string[];
  /** Batcher.submit() with topk: this request's answer (from answers) */
  answer?: string;
}

interface Job {
  id: number;
  data: Float32Array;
  /** runParts(): the batch's pieces, in order (data is then empty), and the buffers they transfer */
  parts?: SampleData[];
  transfer?: ArrayBuffer[];
  /** runParts(): top-k per part, when the worker is to write the parts' answers */
  topk?: number[];
  /** uint8 pixels [N, H, W, C], transposed by the worker */
  hwc?: boolean;
  shape: number[];
  resolve(o: RawOutput): void;
  reject(e: Error): void;
}
interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  memory: WorkerMemory | null;
  pendingMemory: Map<number, (m: WorkerMemory) => void>;
  /** the worker's CUDA stream id (null on the CPU or before it is ready) */
  stream: number | null;
  /** ids of the SharedArrayBuffers this worker has been sent (runParts) */
  sent: Set<number>;
}
/**
 * A runParts piece as posted: a transferred array, or a view of a SharedArrayBuffer the worker keeps by
 * id (sab: sent the first time; length in elements; u8: uint8 pixels, else float32).
 */
export type WirePart = SampleData | { id: number; sab?: SharedArrayBuffer; offset: number; length: number; u8?: boolean };

const tag = (v: unknown) => Object.prototype.toString.call(v);
const isU8 = (v: unknown) => tag(v) === '[object Uint8Array]';

const CREATE = Symbol('InferenceSession.create');
const OPTION_KEYS = ['checkpoint', 'module', 'name', 'device', 'workers', 'threads', 'warmup', 'nice', 'singleThreadBelow'] as const;

/** The default pool for `cores` processors: [workers, threads per worker]. */
export function defaultPool(cores: number, device: Device, workers?: number, threads?: number): [number, number] {
  const w = workers ?? (device === 'cpu' ? Math.max(1, Math.min(4, Math.floor(cores / 4))) : 1);
  const t = threads ?? Math.max(1, Math.floor(cores / w));
  return [w, t];
}

/** How a worker is started: the compiled worker.js, or (a source checkout under ts-jest / register.js) worker.ts through the test loader. */
function workerEntry(): { file: string; eval: boolean } {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return { file: js, eval: false };
  const ts = path.join(__dirname, 'worker.ts');
  const register = path.join(__dirname, '..', '..', 'test', 'child', 'register.js');
  return { file: `require(${JSON.stringify(register)}); require(${JSON.stringify(ts)});`, eval: true };
}

function workerError(m: string): TorchletError {
  return new TorchletError(`torchlet: ${m}`, 'ERR_TORCHLET_WORKER');
}

/** A model served by a pool of worker threads; see the file comment. */
export class InferenceSession {
  readonly spec: ServeSpec;
  readonly device: Device;
  readonly workers: number;
  readonly threads: number;
  /** Workers replaced after dying. */
  restarts = 0;
  /** Batches run, by the number of CPU threads they ran on (a worker's per-batch choice; see singleThreadBelow). */
  readonly batchesByThreads = new Map<number, number>();
  /**
   * Batches of fewer samples than this run on one thread (the option, or what the first ready worker
   * timed, where the workers' per-batch choice starts; 0: all on all threads, always so on CUDA or with
   * one thread); null before a worker is ready.
   */
  singleThreadBelow: number | null = null;
  private readonly resolved: ResolvedModel;
  private readonly slots: Slot[] = [];
  /** ids of the SharedArrayBuffers runParts has posted; when one is collected, the workers forget it */
  private readonly sabIds = new WeakMap<SharedArrayBuffer, number>();
  private nextSab = 1;
  private readonly sabGone = new FinalizationRegistry<number>((id) => {
    for (const slot of this.slots)
      if (slot?.sent.delete(id)) {
        try {
          slot.worker.postMessage({ type: 'forget', id });
        } catch {
          // the worker has ended
        }
      }
  });
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly warmup: boolean;
  private fixedBelow: number | undefined;
  /** Called when a worker dies (before it is replaced). */
  onWorkerExit: ((index: number, why: string) => void) | null = null;

  /** Use `await InferenceSession.create(opts)`. */
  private constructor(token: symbol, resolved: ResolvedModel, device: Device, workers: number, threads: number, warmup: boolean, readonly nice: number) {
    if (token !== CREATE) throw new TorchletTypeError('torchlet: an InferenceSession is made with `await InferenceSession.create(opts)`, not `new`');
    this.resolved = resolved;
    this.spec = resolved.spec;
    this.device = device;
    this.workers = workers;
    this.threads = threads;
    this.warmup = warmup;
  }

  /** Loads the model once (checked on this thread), starts the workers and waits until each is warmed up. */
  static async create(opts: InferenceSessionOptions): Promise<InferenceSession> {
    const o = checkOptionKeys('opts', opts, OPTION_KEYS);
    if (o.checkpoint !== undefined && typeof o.checkpoint !== 'string') typeArg('opts.checkpoint', 'a file path', o.checkpoint);
    if (o.module !== undefined && typeof o.module !== 'string') typeArg('opts.module', 'a file path', o.module);
    if (o.name !== undefined && (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(o.name))) invalidArg('opts.name', 'a name of letters, digits, ".", "_" and "-"', o.name);
    if (o.workers !== undefined) checkInt('opts.workers', o.workers, 1);
    if (o.threads !== undefined) checkInt('opts.threads', o.threads, 1);
    if (o.warmup !== undefined && typeof o.warmup !== 'boolean') typeArg('opts.warmup', 'a boolean', o.warmup);
    if (o.nice !== undefined && checkInt('opts.nice', o.nice, 0) > 19) invalidArg('opts.nice', 'an integer in [0, 19]', o.nice);
    if (o.singleThreadBelow !== undefined) checkInt('opts.singleThreadBelow', o.singleThreadBelow, 0);
    const device = parseDevice('opts.device', o.device ?? 'cpu');
    const [workers, threads] = defaultPool(os.availableParallelism(), device, o.workers, o.threads);
    const resolved = resolveModel({ checkpoint: o.checkpoint, module: o.module, name: o.name });
    const s = new InferenceSession(CREATE, resolved, device, workers, threads, optBool('opts.warmup', o.warmup ?? undefined, true), o.nice ?? (device === 'cpu' ? 10 : 0));
    s.fixedBelow = o.singleThreadBelow;
    try {
      await Promise.all(Array.from({ length: workers }, (_, i) => s.start(i)));
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  /** Bytes of the shared weights. */
  get sharedWeightBytes(): number {
    return this.resolved.weights.buffer.byteLength;
  }

  /** Starts (or restarts) worker `i`; resolves when it is ready. */
  private start(i: number): Promise<void> {
    const entry = workerEntry();
    const worker = new Worker(entry.file, {
      eval: entry.eval,
      workerData: {
        spec: this.spec, weights: this.resolved.weights, device: this.device, threads: this.threads, warmup: this.warmup, nice: this.nice,
        singleThreadBelow: this.fixedBelow ?? this.singleThreadBelow ?? undefined,
        adapt: this.fixedBelow === undefined,
      },
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, job: null, memory: null, pendingMemory: new Map(), stream: null, sent: new Set() };
    this.slots[i] = slot;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: { type: string; id?: number; data?: Float32Array; input?: Float32Array; shape?: number[]; answers?: string[]; message?: string; code?: string; memory?: WorkerMemory; stream?: number | null; singleThreadBelow?: number; threads?: number }) => {
        if (m.type === 'ready') {
          slot.ready = true;
          this.singleThreadBelow ??= m.singleThreadBelow ?? 0;
          slot.memory = m.memory!;
          slot.stream = m.stream ?? null;
          settled = true;
          resolve();
          this.pump();
        } else if (m.type === 'memory') {
          slot.pendingMemory.get(m.id!)?.(m.memory!);
          slot.pendingMemory.delete(m.id!);
        } else if (m.type === 'result' || m.type === 'error') {
          const job = slot.job;
          if (!job || job.id !== m.id) return;
          slot.job = null;
          if (m.type === 'result') {
            if (m.threads !== undefined) this.batchesByThreads.set(m.threads, (this.batchesByThreads.get(m.threads) ?? 0) + 1);
            job.resolve({ data: m.data!, shape: m.shape!, input: m.input, answers: m.answers });
          }
          else job.reject(new TorchletError(`torchlet: inference failed: ${m.message!.replace(/^torchlet: /, '')}`, (m.code as 'ERR_TORCHLET_INTERNAL') ?? 'ERR_TORCHLET_INTERNAL'));
          this.pump();
        }
      });
      let why = '';
      worker.on('error', (e) => {
        why = e.message;
      });
      worker.on('exit', (code) => {
        if (this.slots[i] !== slot) return;
        const reason = why || `exit code ${code}`;
        slot.ready = false;
        const job = slot.job;
        slot.job = null;
        for (const cb of slot.pendingMemory.values()) cb({ heapUsedBytes: 0, heapTotalBytes: 0, privateNativeBytes: 0, cudaBytes: 0 });
        if (!settled) {
          settled = true;
          reject(workerError(`an inference worker failed to start: ${reason}`));
          return;
        }
        if (this.closed) return;
        job?.reject(workerError(`the inference worker running this request died (${reason}); it is being replaced`));
        this.onWorkerExit?.(i, reason);
        this.restarts++;
        this.start(i).catch(() => {
          // a replacement that cannot start: the queued jobs fail rather than wait forever
          if (this.slots.every((s) => !s.ready)) for (const j of this.queue.splice(0)) j.reject(workerError('no inference worker could be restarted'));
        });
        this.notifyIdle();
      });
    });
  }

  /** Hands queued jobs to idle workers. */
  private pump(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) break;
      if (!slot || !slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      try {
        if (job.parts) slot.worker.postMessage({ type: 'run', id: job.id, parts: job.parts.map((q) => this.wire(q, slot)), shape: job.shape, topk: job.topk, hwc: job.hwc }, job.transfer);
        else slot.worker.postMessage({ type: 'run', id: job.id, data: job.data, shape: job.shape }, [job.data.buffer as ArrayBuffer]);
      } catch (e) {
        slot.job = null;
        job.reject(e as Error);
      }
    }
    this.notifyIdle();
  }

  /** A part as posted to this slot's worker: a SharedArrayBuffer view by id (the buffer itself the first time), else the array (transferred). */
  private wire(q: SampleData, slot: Slot): WirePart {
    if (tag(q.buffer) !== '[object SharedArrayBuffer]') return q;
    const sab = q.buffer as unknown as SharedArrayBuffer;
    let id = this.sabIds.get(sab);
    if (id === undefined) {
      this.sabIds.set(sab, (id = this.nextSab++));
      this.sabGone.register(sab, id);
    }
    const first = !slot.sent.has(id);
    slot.sent.add(id);
    return { id, sab: first ? sab : undefined, offset: q.byteOffset, length: q.length, u8: isU8(q) || undefined };
  }

  private notifyIdle(): void {
    if (this.queue.length || this.slots.some((s) => s?.job)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }
  /** Workers running a job now. */
  get busy(): number {
    return this.slots.filter((s) => s?.job).length;
  }
  /** The CUDA stream id each ready worker queues its work on (each its own); [] on the CPU. */
  get cudaStreams(): number[] {
    return this.slots.filter((s) => s?.ready && s.stream !== null).map((s) => s.stream!);
  }
  /** Workers started and warmed up. */
  get readyWorkers(): number {
    return this.slots.filter((s) => s?.ready).length;
  }

  /** uint8 pixels need an image input: its normalisation is what makes them the model's input. */
  private checkPixels(what: string): void {
    const i = this.spec.input;
    if (!i || i.shape.length !== 3 || i.shape[0] !== (i.color === 'rgb' ? 3 : 1))
      invalidArg(what, 'float32 data: uint8 pixels need a model with an image input ([C, H, W] and its preprocessing)', 'a Uint8Array');
  }

  /** hwc (pixels [N, H, W, C]): uint8 data of rank 4. */
  private checkHwc(hwc: unknown, u8: boolean, shape: number[]): boolean {
    if (hwc === undefined || hwc === false) return false;
    if (hwc !== true) typeArg('hwc', 'a boolean', hwc);
    if (!u8) invalidArg('hwc', 'false for float32 data (hwc is a layout of uint8 pixels)', hwc);
    if (shape.length !== 4) invalidArg('shape', 'of 4 dimensions [N, H, W, C] with hwc', shape);
    return true;
  }

  /**
   * Runs the model on a float32 batch given as its data and shape (or on uint8 pixels, a Uint8Array,
   * for a model with an image input: the worker applies its normalisation, see inputs.ts); the array's
   * buffer is transferred to the worker (detached here) when the array spans the whole ArrayBuffer, read where it is
   * when it is a SharedArrayBuffer's (as runParts reads one: keep it unchanged until the promise
   * settles), else copied. Resolves to the output's data and shape. `hwc`: the pixels are interleaved,
   * shape [N, H, W, C] (the worker transposes them on its device).
   */
  runRaw(data: SampleData, shape: number[], hwc?: boolean): Promise<RawOutput> {
    if (tag(data) !== '[object Float32Array]' && !isU8(data)) typeArg('data', 'a Float32Array (or a Uint8Array of pixels)', data);
    if (isU8(data)) this.checkPixels('data');
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) typeArg('shape', 'an array of non-negative integers', shape);
    const layout = this.checkHwc(hwc, isU8(data), shape);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) invalidArg('shape', `a shape of ${data.length} elements (the data's length)`, shape);
    if (this.closed) return Promise.reject(workerError('the inference session is closed'));
    // a view of a SharedArrayBuffer goes as a part (read where it is, see runParts), not copied
    const shared = Object.prototype.toString.call(data.buffer) === '[object SharedArrayBuffer]';
    const whole = tag(data.buffer) === '[object ArrayBuffer]' && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const own = shared || whole ? data : isU8(data) ? new Uint8Array(data) : new Float32Array(data);
    return new Promise<RawOutput>((resolve, reject) => {
      // uint8 pixels always go as a part (the worker's only uint8 path)
      if (shared || isU8(own)) this.queue.push({ id: this.nextId++, data: new Float32Array(0), parts: [own], transfer: shared ? [] : [own.buffer as ArrayBuffer], shape: shape.slice(), hwc: layout, resolve, reject });
      else this.queue.push({ id: this.nextId++, data: own as Float32Array, shape: shape.slice(), resolve, reject });
      this.pump();
    });
  }

  /**
   * runRaw() for a batch assembled in a reusable buffer (the batcher's): `buf` (a whole ArrayBuffer,
   * not shared) holds the batch in its first numel(shape) elements and may be longer; it is
   * transferred to the worker and comes back as the result's `input` (a failed run loses it). So a
   * server's batches reuse a few buffers instead of allocating (and page-faulting, and leaving to the
   * garbage collector) one per batch.
   */
  runBatch(buf: Float32Array, shape: number[]): Promise<RawOutput> {
    // tags, not instanceof: a buffer made in another realm (a vm context, a test runner's) is fine too
    if (tag(buf) !== '[object Float32Array]' || tag(buf.buffer) !== '[object ArrayBuffer]' || buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength)
      typeArg('buf', 'a Float32Array spanning its own (not shared) ArrayBuffer', buf);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) typeArg('shape', 'an array of non-negative integers', shape);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > buf.length) invalidArg('shape', `a shape of at most ${buf.length} elements (the buffer's length)`, shape);
    if (this.closed) return Promise.reject(workerError('the inference session is closed'));
    return new Promise<RawOutput>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, data: buf, shape: shape.slice(), resolve, reject });
      this.pump();
    });
  }

  /**
   * runRaw() for a batch given as its pieces in order (a batcher's requests): nothing is concatenated
   * here; the worker writes each piece into the batch's input tensor (on a CUDA session, straight to
   * the device). A piece spanning its own ArrayBuffer is transferred (detached here); a view of a
   * SharedArrayBuffer is read by the worker where it is (see the file comment: keep such a buffer
   * unchanged until the promise settles); a view into a larger ArrayBuffer is copied into one of its own, which is transferred. So assembling a batch of 64 3x224x224 images
   * (38 MB) costs the event loop nothing (a concatenation there took several milliseconds).
   * With `topk` (one per part, each part whole samples) the worker also writes each part's answer
   * (answer.ts: the JSON text of its predictions, for an output [N, classes]) into `answers`, so that
   * a server's event loop only sends them (formatting 1000 class probabilities took it about 0.3 ms a
   * request).
   */
  runParts(parts: SampleData[], shape: number[], topk?: number[], hwc?: boolean): Promise<RawOutput> {
    if (!Array.isArray(parts) || !(parts.every((q) => tag(q) === '[object Float32Array]') || parts.every(isU8)))
      typeArg('parts', 'an array of Float32Array (or all Uint8Array: pixels)', parts);
    if (parts.length && isU8(parts[0])) this.checkPixels('parts');
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) typeArg('shape', 'an array of non-negative integers', shape);
    const layout = this.checkHwc(hwc, parts.length > 0 && isU8(parts[0]), shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const total = parts.reduce((a, q) => a + q.length, 0);
    if (n !== total) invalidArg('shape', `a shape of ${total} elements (the parts' lengths together)`, shape);
    if (topk !== undefined) {
      if (!Array.isArray(topk) || topk.length !== parts.length || !topk.every((k) => Number.isInteger(k) && k >= 1))
        invalidArg('topk', `an array of ${parts.length} positive integers (one per part)`, topk);
      const per = shape.length && shape[0] ? n / shape[0] : 0;
      if (parts.some((q) => per === 0 || q.length % per !== 0)) invalidArg('parts', 'whole samples each (a length that is a multiple of the sample size) when topk is given', parts.map((q) => q.length));
    }
    if (this.closed) return Promise.reject(workerError('the inference session is closed'));
    // every piece travels in a buffer of its own: a view into a larger or shared buffer is copied
    // first (posting the view would clone its whole buffer: a request body in Node's 8 KiB pool
    // slab, say), and so is a second view of a buffer already listed
    const transfer = new Set<ArrayBuffer>();
    const own = parts.map((q) => {
      if (tag(q.buffer) === '[object SharedArrayBuffer]') return q;
      const whole = tag(q.buffer) === '[object ArrayBuffer]' && q.byteOffset === 0 && q.byteLength === q.buffer.byteLength;
      const mine = whole && !transfer.has(q.buffer as ArrayBuffer) ? q : isU8(q) ? new Uint8Array(q) : new Float32Array(q as Float32Array);
      if (mine.byteLength) transfer.add(mine.buffer as ArrayBuffer);
      return mine;
    });
    return new Promise<RawOutput>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, data: new Float32Array(0), parts: own, transfer: [...transfer], shape: shape.slice(), topk: topk?.slice(), hwc: layout, resolve, reject });
      this.pump();
    });
  }

  /**
   * `await session.run(x)`: the model's output for the float32 CPU tensor x (a new CPU tensor); a uint8
   * tensor is pixels, normalised as the model's image input (see runRaw).
   */
  async run(x: Tensor, ...rest: never[]): Promise<Tensor> {
    if (rest.length) invalidArg('run()', 'one argument (x)', `${rest.length} more`);
    if (!(x instanceof Tensor)) typeArg('x', 'a Tensor', x);
    if (x.dtype !== 'float32' && x.dtype !== 'uint8') typeArg('x', 'a float32 tensor (or uint8 pixels)', x.dtype);
    const arr = x.toArray() as Float32Array | Uint8Array;
    const out = await this.runRaw(x.dtype === 'uint8' ? new Uint8Array(arr) : new Float32Array(arr), x.shape.slice());
    // a copy made by this realm's Float32Array (the worker's may come from another realm, e.g. under a test vm)
    return fromBuffer(new Float32Array(out.data), out.shape);
  }

  /** The shared weights' size, each worker's own memory, and the process's RSS. */
  async memory(): Promise<SessionMemory> {
    const workers = await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<WorkerMemory>((resolve) => {
            if (!s?.ready) return resolve(s?.memory ?? { heapUsedBytes: 0, heapTotalBytes: 0, privateNativeBytes: 0, cudaBytes: 0 });
            const id = this.nextId++;
            s.pendingMemory.set(id, resolve);
            s.worker.postMessage({ type: 'memory', id });
          }),
      ),
    );
    return { sharedWeightBytes: this.sharedWeightBytes, workers, rssBytes: process.memoryUsage().rss };
  }

  /** @internal Terminates worker `i` as if it had died (tests: its job fails, a replacement starts). */
  killWorker(i: number): Promise<number> {
    return this.slots[i].worker.terminate();
  }

  /** Resolves when no job is queued or running. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.notifyIdle();
    });
  }

  /** Finishes the queued and running jobs, then ends the workers; later runs fail. */
  async close(): Promise<void> {
    if (!this.closed && this.slots.some((s) => s?.ready)) await this.drain();
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(workerError('the inference session is closed'));
    await Promise.all(this.slots.map((s) => s?.worker.terminate()));
  }
}
