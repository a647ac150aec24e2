// lib/serve/worker.ts — one inference worker thread of an InferenceSession (session.ts).
// workerData: { spec, weights, device, threads, warmup, nice, singleThreadBelow?, adapt }. The worker builds the
// architecture, makes its parameters views of the shared weights (shared.ts: no copy on the CPU;
// `model.to(device)` copies them to a CUDA device), switches to eval mode, freezes it in place
// (torch.jit.freeze's optimisations, lib/jit.ts) when the input shape is known, sets its OpenMP
// threads, runs one warm-up forward pass, on the CPU with several threads times from which batch size
// all threads pay (threads.ts; smaller batches then run on one thread; with `adapt`, a ThreadChooser
// then revisits that choice from the served batches' own times), and posts {type:'ready',
// memory, stream, singleThreadBelow}. On CUDA, everything the worker queues goes on
// this thread's own CUDA stream (native/cuda/runtime.cu: one per thread), never on another worker's or
// the main thread's, so sessions' batches can overlap on the GPU and a worker's synchronising read
// (toArray below) waits only for its own work; `stream` is that stream's id (null on the CPU). Then
// each {type:'run', id, data, shape} (data a
// transferred Float32Array holding the batch in its first numel(shape) elements) or {type:'run', id,
// parts, shape, topk?} (the batch as pieces, each a transferred array or a view of a SharedArrayBuffer
// kept here by id: session.ts WirePart, forgotten on {type:'forget', id}; all float32, or all uint8
// pixels, written into a uint8 tensor on the device (hwc: [N, H, W, C], transposed there) and
// normalised there as the model's image input: (pixel * scale - mean[c]) / std[c]; with topk, one per piece,
// each piece's answer is written here: answer.ts) is answered with {type:'result', id, data, shape, input, answers?, threads} (output and
// input buffer transferred back; threads: the CPU threads the batch ran on)
// or {type:'error', id, message, code}. {type:'memory', id} answers this thread's memory.
import { parentPort, workerData } from 'worker_threads';
import * as v8 from 'v8';
import { setNumThreads } from '../index';
import { native } from '../binding';
import { empty, fromBuffer, tensor, zeros } from '../creation';
import { noGrad } from '../autograd';
import { tidy, memory, collectGarbage } from '../memory';
import { Tensor } from '../tensor';
import { createModel, ServeSpec } from './model';
import { predictionsJson } from './answer';
import { oneThreadBelow, ThreadChooser } from './threads';
import { bindSharedWeights, SharedWeights } from './shared';
import type { WirePart } from './session';
import '../jit'; // sets jitInternal.freezeModule
import { jitInternal } from '../jit_internal';
import type { Module } from '../nn/module';

interface Init {
  spec: ServeSpec;
  weights: SharedWeights;
  device: 'cpu' | `cuda:${number}`;
  threads: number;
  warmup: boolean;
  nice: number;
  /** set: batches of fewer samples run on one thread; undefined: timed at warm-up (threads.ts) */
  singleThreadBelow?: number;
  /** the threshold is where choosing starts: each batch's thread count is then chosen from the served batches' times (ThreadChooser) */
  adapt: boolean;
}

function threadMemory(sharedBytes: number) {
  const h = v8.getHeapStatistics();
  const m = memory();
  return {
    heapUsedBytes: h.used_heap_size,
    heapTotalBytes: h.total_heap_size,
    /** native CPU storages of this thread, less the shared weights it views */
    privateNativeBytes: m.cpu.bytes - sharedBytes,
    cudaBytes: m.cuda.bytes,
  };
}

function main(): void {
  const port = parentPort!;
  const init = workerData as Init;
  setNumThreads(init.threads);
  if (init.nice > 0) native.threadNice(init.nice); // this thread and its OpenMP team (Linux; see session.ts)
  const model = createModel(init.spec);
  bindSharedWeights(model, init.weights, `the weights of ${init.spec.name}`);
  collectGarbage(); // the factory's initial weights (now unreachable) are freed at once, not at some later GC
  native.hostCache(true); // and their blocks go back to the system (the host allocator would keep them cached)
  model.eval();
  if (init.device !== 'cpu') model.to(init.device);
  // frozen in place (lib/jit.ts): BatchNorm folded, conv + ReLU fused, weights pre-packed, and small
  // batches replayed without running the forward's JS code; the convs without a BatchNorm keep
  // viewing the shared weights. Without a known input shape there is no example to freeze with.
  let net: Module = model;
  if (init.spec.input) {
    const ex = zeros([1, ...init.spec.input.shape]);
    const exd = init.device === 'cpu' ? ex : ex.to(init.device);
    net = jitInternal.freezeModule!(model, exd, true, false);
    ex.dispose();
    exd.dispose();
    collectGarbage(); // the freezing trace's autograd graph and intermediates, at once
    native.hostCache(true); // and their blocks back to the system
  }
  const sharedBytes = init.device === 'cpu' ? init.weights.tensors.reduce((s, e) => s + e.byteLength, 0) : 0;
  const forward = (x: Tensor): { data: Float32Array; shape: number[] } =>
    noGrad(() =>
      tidy(() => {
        const xd = init.device === 'cpu' ? x : x.to(init.device);
        const y = net.forward(xd) as Tensor;
        if (!(y instanceof Tensor)) throw new Error(`the model's forward returned ${typeof y}, not a Tensor`);
        // a copy in an ordinary ArrayBuffer (transferable; the addon's may be external)
        const arr = y.toArray() as ArrayLike<number | bigint>;
        let data: Float32Array;
        if (arr instanceof Float32Array) data = new Float32Array(arr);
        else {
          data = new Float32Array(arr.length);
          for (let i = 0; i < arr.length; i++) data[i] = Number(arr[i]);
        }
        return { data, shape: y.shape.slice() };
      }),
    );
  if (init.warmup && init.spec.input) {
    const x = zeros([1, ...init.spec.input.shape]);
    forward(x);
    x.dispose();
  }
  // batches of fewer samples than this run on one thread (threads.ts), on the CPU with several threads
  let below = 0;
  if (init.device === 'cpu' && init.threads > 1) {
    if (init.singleThreadBelow !== undefined) below = init.singleThreadBelow;
    else if (init.warmup && init.spec.input) {
      const sample = init.spec.input.shape;
      const time = (batch: number, threads: number) => {
        const x = zeros([batch, ...sample]);
        try {
          setNumThreads(threads);
          const t0 = performance.now();
          forward(x);
          return performance.now() - t0;
        } finally {
          x.dispose();
        }
      };
      below = oneThreadBelow(time, init.threads);
      setNumThreads(init.threads);
    }
  }
  let current = init.threads;
  let lastThreads = init.threads; // the count the last batch ran on (reported with its result)
  const chooser = init.device === 'cpu' && init.threads > 1 && init.adapt ? new ThreadChooser(init.threads, below) : null;
  const run = (x: Tensor) => {
    const n = x.shape[0];
    const want = chooser ? chooser.choose(n) : n < below ? 1 : init.threads;
    if (want !== current) {
      setNumThreads(want);
      current = want;
    }
    lastThreads = want;
    const t0 = performance.now();
    const out = forward(x);
    chooser?.record(n, want, performance.now() - t0);
    return out;
  };
  const stream = init.device === 'cpu' ? null : native.cudaCurrentStream();
  port.postMessage({ type: 'ready', memory: threadMemory(sharedBytes), stream, singleThreadBelow: below });
  // Each part's answer (answer.ts) for a batch run from parts with top-k per part; undefined when the
  // output is not [rows of the batch, classes] (the caller then reports or formats it).
  const partAnswers = (out: { data: Float32Array; shape: number[] }, parts: (Float32Array | Uint8Array)[], shape: number[], topk: number[]): string[] | undefined => {
    const per = shape[0] ? shape.reduce((a, b) => a * b, 1) / shape[0] : 0;
    if (!per || out.shape.length !== 2 || out.shape[0] !== shape[0]) return undefined;
    const answers: string[] = [];
    let r0 = 0;
    parts.forEach((q, i) => {
      const n = q.length / per;
      answers.push(predictionsJson(out.data, out.shape[1], r0, n, init.spec.classes ?? null, topk[i]));
      r0 += n;
    });
    return answers;
  };
  const shared = new Map<number, SharedArrayBuffer>();
  const partArray = (q: WirePart): Float32Array | Uint8Array => {
    if (ArrayBuffer.isView(q)) return q;
    if (q.sab) shared.set(q.id, q.sab);
    const sab = shared.get(q.id);
    if (!sab) throw new Error(`internal: shared buffer ${q.id} was never sent to this worker`);
    return q.u8 ? new Uint8Array(sab, q.offset, q.length) : new Float32Array(sab, q.offset, q.length);
  };
  // uint8 pixels to the model's input, on its device: (pixel * scale - mean[c]) / std[c], as inputs.ts
  // preprocesses an image, computed as pixel * a[c] + b[c] (a = scale / std, b = -mean / std: two
  // passes over the batch, the first reading the uint8 pixels; cast, multiply, subtract and divide
  // in turn took 10-46 ms against 6.5 for 32 x 3 x 224 x 224 on one thread: bench/pixel_normalise.js);
  // within an ulp or two of inputs.ts's float64 arithmetic
  const img = init.spec.input;
  const norm =
    img && img.shape.length === 3
      ? { a: tensor(img.std.map((sd) => img.scale / sd), { device: init.device }).reshape([-1, 1, 1]), b: tensor(img.mean.map((m, c) => -m / img.std[c]), { device: init.device }).reshape([-1, 1, 1]) }
      : null;
  const normalise = (p: Tensor): Tensor => {
    if (!norm) throw new Error('uint8 pixels need a model with an image input');
    return p.mul(norm.a).add_(norm.b);
  };
  port.on('message', (msg: { type: string; id: number; data?: Float32Array; parts?: WirePart[]; shape?: number[]; topk?: number[]; hwc?: boolean }) => {
    if (msg.type === 'forget') {
      shared.delete(msg.id);
      return;
    }
    if (msg.type === 'memory') {
      port.postMessage({ type: 'memory', id: msg.id, memory: threadMemory(sharedBytes) });
      return;
    }
    if (msg.type !== 'run') return;
    try {
      const parts = msg.parts?.map(partArray);
      // the input tensor made inside a tidy() scope: its storage is freed when the scope ends and is not
      // counted in V8's external memory meanwhile (a 64 x 3 x 224 x 224 batch counted 38 MB a batch,
      // and started a full garbage collection every batch or two: a third of the worker's time)
      const out = tidy(() => {
        let x: Tensor;
        if (parts) {
          // runParts: the pieces written into the input tensor, on the session's device
          const u8 = parts.length > 0 && parts[0] instanceof Uint8Array;
          x = empty(msg.shape!, { device: init.device, dtype: u8 ? 'uint8' : 'float32' });
          let at = 0;
          for (const q of parts) {
            if (q instanceof Uint8Array !== u8) throw new Error('internal: a batch of float32 and uint8 parts');
            x._storage.native.write(q, at);
            at += q.length;
          }
          if (u8) x = normalise(msg.hwc ? x.permute([0, 3, 1, 2]) : x).contiguous();
        } else {
          // the batch is the first numel(shape) elements (a batcher's reusable buffer may be longer)
          const n = msg.shape!.reduce((a, b) => a * b, 1);
          x = fromBuffer(msg.data!.length === n ? msg.data! : msg.data!.subarray(0, n), msg.shape!);
        }
        return run(x);
      });
      const answers = parts && msg.topk ? partAnswers(out, parts, msg.shape!, msg.topk) : undefined;
      // runRaw / runBatch: the input buffer goes back too, for the caller to reuse
      const transfer = [out.data.buffer as ArrayBuffer];
      if (msg.data) transfer.push(msg.data.buffer as ArrayBuffer);
      port.postMessage({ type: 'result', id: msg.id, data: out.data, shape: out.shape, input: msg.data, answers, threads: lastThreads }, transfer);
    } catch (e) {
      const err = e as Error & { code?: string };
      port.postMessage({ type: 'error', id: msg.id, message: err.message ?? String(e), code: err.code ?? 'ERR_TORCHLET_INFERENCE' });
    }
  });
}

main();
