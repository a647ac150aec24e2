// lib/cuda_stream.ts — CUDA streams, PyTorch's torch.cuda.Stream / current_stream / stream(s) spelled
// the TypeScript way: `new torch.cuda.Stream()`, `torch.cuda.currentStream()`, and
// `torch.cuda.stream(s, () => ...)` for `with torch.cuda.stream(s):` (fn runs with s current on this
// thread; the previous stream is current again when it returns or throws).
// Contract (the native side is native/cuda/runtime.cu, allocator.cu and binding.cc):
//  * every thread has its own current stream: the main thread one, each worker_threads Worker (so each
//    inference worker of lib/serve) another, made on the thread's first CUDA use; kernels, copies and
//    reads of a thread go on its current stream, so one thread's synchronising read (toArray, item)
//    waits only for its own stream, and `await t.data()` waits for it on a libuv thread;
//  * `new Stream()` takes an idle stream or makes one; it goes back to the idle ones when the Stream is
//    garbage-collected (work queued on it still runs in order). Stream ids are small integers,
//    unique among the streams in use in the process;
//  * ordering between streams (documented in the README's CUDA section): the first time a stream uses
//    a tensor made on another stream, it waits (on the device, not the host) for the work queued on
//    the tensor's stream so far, and reading a tensor back waits for every stream that used it; memory
//    freed on one stream is reused only on that stream, or after the other streams that used it have
//    finished (no recordStream call is needed). What is left to the user, as in PyTorch, is an in-place
//    change of a tensor on one stream while another still reads it: `s.waitStream(other)` orders that;
//  * fn must be synchronous (like tidy): the stream is current only until fn returns, not across an await;
//  * without CUDA every call throws ERR_TORCHLET_NO_CUDA, except `stream(null, fn)`, which just runs fn
//    (PyTorch's `torch.cuda.stream(None)`).
import { native } from './binding';
import { cudaAvailable, noCudaError, normalizeDevice, parseDevice, Device, DeviceType } from './device';
import { TorchletTypeError, typeArg, deviceError } from './errors';

/** Streams made by `new Stream()` go back to the idle ones when their object is collected. */
const owned = new FinalizationRegistry<number>((id) => {
  try {
    native.cudaStreamRelease(id);
  } catch {
    // nothing to report from a finalizer: the stream stays in use
  }
});

function needCuda(): void {
  if (!cudaAvailable()) throw noCudaError();
}
/** A CUDA device argument: undefined (the current device), 'cuda' or 'cuda:N'. */
function cudaDeviceArg(name: string, d: unknown): Device {
  if (d === undefined) return parseDevice(name, 'cuda');
  if (normalizeDevice(name, d) === 'cpu') deviceError(name, "a CUDA device ('cuda' or 'cuda:N')", d);
  return parseDevice(name, d);
}

/** A CUDA stream: work queued on one runs in order; different streams may run at the same time. */
export class Stream {
  /** The stream's id (a small integer, unique among the streams in use in this process). */
  declare readonly id: number;
  /** The device it belongs to ('cuda:0'). */
  declare readonly device: Device;

  /** A stream of `device` (default: the current CUDA device) for `torch.cuda.stream(s, fn)`. */
  constructor(device?: DeviceType) {
    needCuda();
    const dev = cudaDeviceArg('device', device);
    const id = native.cudaStreamNew();
    Object.defineProperty(this, 'id', { value: id, enumerable: true });
    Object.defineProperty(this, 'device', { value: dev, enumerable: true });
    owned.register(this, id);
  }

  /** Waits (blocking this thread) until every piece of work queued on this stream has finished. */
  synchronize(): void {
    native.cudaStreamSynchronize(this.id);
  }

  /** True when every piece of work queued on this stream has finished (does not wait). */
  query(): boolean {
    return native.cudaStreamQuery(this.id);
  }

  /** Work queued on this stream from now on runs after the work queued on `stream` so far (the host does not wait). */
  waitStream(stream: Stream): void {
    if (!(stream instanceof Stream)) typeArg('stream', 'a torch.cuda.Stream', stream);
    native.cudaStreamWait(this.id, stream.id);
  }

  toString(): string {
    return `<torch.cuda.Stream id=${this.id} device=${this.device}>`;
  }
}

/** A Stream object for an existing stream id (not released when collected: its owner keeps it). */
function wrap(id: number): Stream {
  const s = Object.create(Stream.prototype) as Stream;
  Object.defineProperty(s, 'id', { value: id, enumerable: true });
  Object.defineProperty(s, 'device', { value: 'cuda:0', enumerable: true });
  return s;
}

/** The Streams made current by the stream(s, fn) calls running on this thread, innermost last. */
const active: Stream[] = [];

/**
 * The calling thread's current stream on `device`: inside `stream(s, fn)` the Stream s itself, else a
 * Stream for the thread's own stream.
 */
export function currentStream(device?: DeviceType): Stream {
  needCuda();
  cudaDeviceArg('device', device);
  return active.length ? active[active.length - 1] : wrap(native.cudaCurrentStream());
}

/**
 * Runs fn with `s` as this thread's current stream (PyTorch's `with torch.cuda.stream(s):`): the
 * kernels, copies and tensors fn makes go on s. The previous stream is current again afterwards.
 * `null` runs fn on the current stream. fn must be synchronous.
 */
export function stream<T>(s: Stream | null, fn: () => T): T {
  if (s !== null && !(s instanceof Stream)) typeArg('stream', 'a torch.cuda.Stream or null', s);
  if (typeof fn !== 'function') typeArg('fn', 'a function', fn);
  if (s === null) return fn();
  const prev = native.cudaSetStream(s.id);
  active.push(s);
  let result: T;
  try {
    result = fn();
  } finally {
    active.pop();
    native.cudaSetStream(prev);
  }
  if (result instanceof Promise)
    throw new TorchletTypeError('torchlet: torch.cuda.stream() takes a synchronous function: the stream is current only until fn returns, not across an await');
  return result;
}
