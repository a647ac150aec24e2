// lib/serve/batcher.ts — dynamic batching in front of an InferenceSession.
// Requests (each a batch of n >= 1 samples of one sample shape) wait in a FIFO queue. A batch is sent
// when a worker is free and either no batch is running (then waiting would only add latency), or the
// queue holds maxBatch samples, or its oldest request has waited maxDelayMs; it takes requests in order while their samples fit in maxBatch (always at least one;
// only requests of the first one's sample shape). Its input is the requests' data concatenated, its
// output is split back by sample counts. A runner with runParts (InferenceSession) is given the
// requests' data as pieces and assembles the batch itself, off the event loop, and, given the
// requests' top-k, writes their answers there as well (a lone request goes through runRaw and is
// answered here: without batching the worker, taking one request at a time, is what limits, and
// the event loop has time to spare); else the batch is
// concatenated here (in a reusable buffer of maxBatch samples where the runner gives buffers back:
// runBatch). A request's data is float32 model inputs or uint8 pixels (inputs.ts: the runner
// normalises those; hwc ones, [n, H, W, C], it also transposes); a batch holds one kind, never two
// (dtype and layout are part of the sample key), and a uint8 batch is never pooled. Batches in flight are limited to the session's workers, so
// requests arriving while every worker is busy gather into the next batch. maxBatch 1 turns batching
// off. Limits: more than maxQueue waiting requests -> QueueFull (HTTP 503 + Retry-After); a request
// not answered within timeoutMs -> Timeout (504) (if its batch is running, the result is dropped);
// a failed batch fails each of its requests with the error.
import type { RawOutput } from './session';

/** A request's samples: float32 model inputs, or uint8 pixels the runner normalises (inputs.ts). */
export type SampleData = Float32Array | Uint8Array;

/** What runs the batches: an InferenceSession, or any backend with a number of workers and runRaw. */
export interface BatchRunner {
  readonly workers: number;
  /** hwc: uint8 pixels [N, H, W, C] (given only when true) */
  runRaw(data: SampleData, shape: number[], hwc?: boolean): Promise<RawOutput>;
  /** Optional (InferenceSession's): runs a batch held in the first elements of a reusable buffer and gives the buffer back as `input`. */
  runBatch?(buf: Float32Array, shape: number[]): Promise<RawOutput>;
  /**
   * Optional (InferenceSession's): runs a batch given as its pieces in order; the runner assembles it
   * (off the event loop). With topk (one per piece) it may also answer each piece (RawOutput.answers).
   */
  runParts?(parts: SampleData[], shape: number[], topk?: number[], hwc?: boolean): Promise<RawOutput>;
}

/** Requests answered per event-loop turn when a batch returns. */
const SETTLE_CHUNK = 8;

export class QueueFull extends Error {}
export class Timeout extends Error {}

interface Pending {
  data: SampleData;
  shape: number[];
  n: number;
  key: string;
  /** the request's top-k, when its answer may be written by the runner (runParts) */
  topk?: number;
  hwc: boolean;
  t0: number;
  done: boolean;
  timer: NodeJS.Timeout | null;
  resolve(o: RawOutput): void;
  reject(e: Error): void;
}

export interface BatcherOptions {
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
  timeoutMs: number;
  onBatch?: (size: number) => void;
}

export class Batcher {
  private readonly queue: Pending[] = [];
  private queuedSamples = 0;
  /** Batch buffers (maxBatch samples each) returned by the runner, by sample shape, for reuse. */
  private readonly spare = new Map<string, Float32Array[]>();
  inFlight = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly session: BatchRunner,
    readonly opts: BatcherOptions,
  ) {}

  get queueDepth(): number {
    return this.queue.length;
  }

  /**
   * Queues one request's samples ([n, ...sample] float32, or uint8 pixels); resolves to its rows of the output, and with
   * `topk`, when the runner answers pieces (runParts), to its answer too (RawOutput.answer). `hwc`:
   * uint8 pixels [n, H, W, C].
   */
  submit(data: SampleData, shape: number[], topk?: number, hwc = false): Promise<RawOutput> {
    if (this.queue.length >= this.opts.maxQueue) return Promise.reject(new QueueFull(`the queue is full (${this.opts.maxQueue} requests waiting)`));
    const u8 = Object.prototype.toString.call(data) === '[object Uint8Array]';
    return new Promise<RawOutput>((resolve, reject) => {
      const p: Pending = { data, shape, n: shape[0], key: (u8 ? (hwc ? 'uint8-hwc:' : 'uint8:') : '') + shape.slice(1).join(','), topk, hwc, t0: performance.now(), done: false, timer: null, resolve, reject };
      if (this.opts.timeoutMs > 0) {
        p.timer = setTimeout(() => {
          if (p.done) return;
          p.done = true;
          const i = this.queue.indexOf(p);
          if (i >= 0) {
            this.queue.splice(i, 1);
            this.queuedSamples -= p.n;
          }
          reject(new Timeout(`no answer within the per-request timeout of ${this.opts.timeoutMs} ms`));
        }, this.opts.timeoutMs);
      }
      this.queue.push(p);
      this.queuedSamples += p.n;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length && this.inFlight < this.session.workers) {
      const age = performance.now() - this.queue[0].t0;
      // every worker idle: waiting would only add latency; some busy: wait (up to maxDelayMs) for a fuller batch
      if (this.inFlight > 0 && this.queuedSamples < this.opts.maxBatch && age < this.opts.maxDelayMs) {
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, Math.max(0, this.opts.maxDelayMs - age));
        }
        return;
      }
      this.flush();
    }
  }

  private flush(): void {
    const first = this.queue[0];
    const take: Pending[] = [];
    let samples = 0;
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i];
      if (p.key === first.key && (take.length === 0 || samples + p.n <= this.opts.maxBatch)) {
        take.push(p);
        samples += p.n;
        this.queue.splice(i, 1);
        this.queuedSamples -= p.n;
        if (samples >= this.opts.maxBatch) break;
      } else i++;
    }
    const sample = first.shape.slice(1);
    const per = sample.reduce((a, b) => a * b, 1);
    const key = first.key;
    const parts = take.length > 1 && !!this.session.runParts;
    const u8 = key.startsWith('uint8');
    const pooled = take.length > 1 && !parts && !u8 && !!this.session.runBatch;
    let data: SampleData;
    if (take.length === 1 || parts) data = take[0].data;
    else {
      // a reusable buffer of maxBatch samples where the runner gives buffers back (one per batch in flight)
      data = (pooled && this.spare.get(key)?.pop()) || (u8 ? new Uint8Array(samples * per) : new Float32Array((pooled ? this.opts.maxBatch : samples) * per));
      let at = 0;
      for (const p of take) {
        data.set(p.data, at);
        at += p.data.length;
      }
    }
    this.inFlight++;
    this.opts.onBatch?.(samples);
    const shape = [samples, ...sample];
    let run: Promise<RawOutput>;
    try {
      const topk = take.every((p) => p.topk !== undefined) ? take.map((p) => p.topk!) : undefined;
      // hwc passed only when set: runners that know no layout are called as before
      const hwc: [boolean] | [] = first.hwc ? [true] : [];
      run = parts ? this.session.runParts!(take.map((p) => p.data), shape, topk, ...hwc) : pooled ? this.session.runBatch!(data as Float32Array, shape) : this.session.runRaw(data, shape, ...hwc);
    } catch (e) {
      run = Promise.reject(e); // a runner that throws fails this batch's requests, not the batcher
    }
    run.then(
      (out) => {
        this.inFlight--;
        if (pooled && out.input && out.input.length === this.opts.maxBatch * per) {
          const list = this.spare.get(key) ?? [];
          if (list.length < this.session.workers) list.push(out.input);
          this.spare.set(key, list);
        }
        const rowShape = out.shape.slice(1);
        const rowLen = rowShape.reduce((a, b) => a * b, 1);
        if (out.shape[0] !== samples) {
          const e = new Error(`the model returned ${out.shape[0]} rows for a batch of ${samples} samples (its output's first dimension must be the batch)`);
          for (const p of take) this.settle(p, null, e);
          this.pump();
        } else {
          // answered SETTLE_CHUNK requests per macrotask: sending each answer (and formatting it, where
          // the runner wrote none: softmax, top-k, JSON) runs on the event loop, and 64 of them at once
          // would hold it for milliseconds
          const rows: number[] = [];
          let at = 0;
          for (const p of take) {
            rows.push(at);
            at += p.n;
          }
          const settleFrom = (i: number) => {
            for (let j = i; j < Math.min(i + SETTLE_CHUNK, take.length); j++) {
              const p = take[j];
              this.settle(p, { data: out.data.subarray(rows[j] * rowLen, (rows[j] + p.n) * rowLen), shape: [p.n, ...rowShape], answer: out.answers?.[j] }, null);
            }
            if (i + SETTLE_CHUNK < take.length) setImmediate(() => settleFrom(i + SETTLE_CHUNK));
          };
          settleFrom(0);
          this.pump();
        }
      },
      (e: Error) => {
        this.inFlight--;
        for (const p of take) this.settle(p, null, e);
        this.pump();
      },
    );
  }

  private settle(p: Pending, out: RawOutput | null, e: Error | null): void {
    if (p.timer) clearTimeout(p.timer);
    if (p.done) return;
    p.done = true;
    if (e) p.reject(e);
    else p.resolve(out!);
  }

  /** Resolves when nothing is queued or running. */
  async drain(): Promise<void> {
    while (this.queue.length || this.inFlight) await new Promise((r) => setTimeout(r, 5));
  }
}
