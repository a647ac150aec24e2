// binding.d.ts — the one declaration of everything the native addon (torchlet.node) exports.
// A tensor argument is [storage, offsetInElements, shape] (contiguous row-major from the offset),
// or null where the op allows an absent tensor. Codes: dtype F32=0 F64=1 I64=2 U8=3 I32=4;
// device CPU=0 CUDA=1. Native failures throw Error with `code` ERR_TORCHLET_*.

export declare class Storage {
  constructor(dtype: number, numel: number, device: number, zero: boolean);
  readonly nbytes: number;
  readonly disposed: boolean;
  /** Where the bytes live: 0 CPU (host allocator), 1 CUDA (the caching device allocator). */
  readonly device: number;
  free(): void;
  /** Copies `count` elements from `offset` into a new ArrayBuffer (from a CUDA storage: waits for the
   * device's queued work, then copies device to host). */
  read(offset: number, count: number): ArrayBuffer;
  /** Copies a typed array's bytes in at element `offset` (to a CUDA storage: host to device, ordered
   * after the queued work; the typed array may be reused at once). */
  write(data: ArrayBufferView, offset: number): void;
}
export type TensorArg = [Storage, number, number[]];
export type OptTensorArg = TensorArg | null;

export interface Binding {
  Storage: typeof Storage;
  /** out <- src at srcStrides, with dtype conversion, over `shape` (default out's shape); out written at
   * outStrides (default contiguous). Strided operands pass [storage, offset, [span]]. */
  copyStrided(src: TensorArg, srcStrides: number[], out: TensorArg, outStrides?: number[] | null, shape?: number[] | null): void;
  /** Binary ops read a and b through broadcast strides over out's shape; a and b pass [storage, offset, [span]]. */
  fill(out: TensorArg, value: number): void;
  binary(op: number, a: TensorArg, aStrides: number[], b: TensorArg, bStrides: number[], out: TensorArg): void;
  unary(op: number, a: TensorArg, scalar: number, out: TensorArg): void;
  unaryBackward(op: number, t: TensorArg, dy: TensorArg, dx: TensorArg): void;
  reduce(op: number, x: TensorArg, outer: number, r: number, inner: number, out: TensorArg): void;
  /** params: [batch, M, N, K, transA, transB, strideA, strideB, strideC, alpha, beta] */
  matmul(a: TensorArg, b: TensorArg, c: TensorArg, params: number[]): void;
  linearForward(x: TensorArg, w: TensorArg, bias: OptTensorArg, y: TensorArg): void;
  /** params: [N, C, H, W, OC, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, groups] */
  conv2dForward(x: TensorArg, w: TensorArg, b: OptTensorArg, y: TensorArg, params: number[]): void;
  conv2dBackwardInput(dy: TensorArg, w: TensorArg, dx: TensorArg, params: number[]): void;
  conv2dBackwardWeight(dy: TensorArg, x: TensorArg, dw: TensorArg, db: OptTensorArg, params: number[]): void;
  conv3dForward(x: TensorArg, w: TensorArg, b: OptTensorArg, y: TensorArg, params: number[]): void;
  conv3dBackwardInput(dy: TensorArg, w: TensorArg, dx: TensorArg, params: number[]): void;
  conv3dBackwardWeight(dy: TensorArg, x: TensorArg, dw: TensorArg, db: OptTensorArg, params: number[]): void;
  /** params: [N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw] */
  maxPool2dForward(x: TensorArg, y: TensorArg, indices: TensorArg, params: number[]): void;
  maxPool2dBackward(dy: TensorArg, indices: TensorArg, dx: TensorArg, params: number[]): void;
  /** y = maxPool2d(relu(x)) over non-overlapping windows; tap (uint8) = window-local argmax; same params as maxPool2dForward */
  reluMaxPool2dForward(x: TensorArg, y: TensorArg, tap: TensorArg, params: number[]): void;
  /** dx (overwritten) = dy routed to the tap where !(y <= 0), zero elsewhere */
  reluMaxPool2dBackward(dy: TensorArg, y: TensorArg, tap: TensorArg, dx: TensorArg, params: number[]): void;
  /** conv2d (+ bias) then reluMaxPool2d in one pass: y, tap pooled; convParams as conv2dForward, poolParams as maxPool2dForward over the conv output */
  conv2dReluMaxPool2dForward(x: TensorArg, w: TensorArg, b: OptTensorArg, y: TensorArg, tap: TensorArg, convParams: number[], poolParams: number[]): void;
  /** conv2dBackwardInput with dy rebuilt from the pooled gradient g (and y, tap) image by image */
  conv2dReluMaxPool2dBackwardInput(g: TensorArg, y: TensorArg, tap: TensorArg, w: TensorArg, dx: TensorArg, convParams: number[], poolParams: number[]): void;
  /** conv2dBackwardWeight with dy rebuilt from the pooled gradient g (and y, tap) image by image */
  conv2dReluMaxPool2dBackwardWeight(g: TensorArg, y: TensorArg, tap: TensorArg, x: TensorArg, dw: TensorArg, db: OptTensorArg, convParams: number[], poolParams: number[]): void;
  /** params: [N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, countIncludePad, divisorOverride (0 = none)] */
  avgPool2dForward(x: TensorArg, y: TensorArg, params: number[]): void;
  avgPool2dBackward(dy: TensorArg, dx: TensorArg, params: number[]): void;
  /** params: [N, C, H, W, OH, OW] (input [N, C, H, W], output [N, C, OH, OW]) */
  adaptiveAvgPool2dForward(x: TensorArg, y: TensorArg, params: number[]): void;
  adaptiveAvgPool2dBackward(dy: TensorArg, dx: TensorArg, params: number[]): void;
  /** backward: maxPool2dBackward with the same [N, C, H, W, OH, OW, ...] leading params */
  adaptiveMaxPool2dForward(x: TensorArg, y: TensorArg, indices: TensorArg, params: number[]): void;
  /** params: [N, C, H, W, OH, OW]: x and indices [N, C, H, W] into y [N, C, OH, OW] */
  maxUnpool2dForward(x: TensorArg, indices: TensorArg, y: TensorArg, params: number[]): void;
  maxUnpool2dBackward(dy: TensorArg, indices: TensorArg, dx: TensorArg, params: number[]): void;
  /** kind: 0 uniform [a,b), 1 normal (mean a, std b), 2 bernoulli (keep prob a, value b) */
  random(kind: number, out: TensorArg, a: number, b: number, seed: number, offset: number): void;
  softmax(x: TensorArg, y: TensorArg, outer: number, C: number, inner: number, log: boolean): void;
  softmaxBackward(y: TensorArg, dy: TensorArg, dx: TensorArg, outer: number, C: number, inner: number, log: boolean): void;
  nllForward(logp: TensorArg, target: TensorArg, out: TensorArg, ignoreIndex: number): void;
  nllBackward(dloss: TensorArg, target: TensorArg, dlogp: TensorArg, ignoreIndex: number): void;
  /** params: [lr, beta1, beta2, eps, weightDecay, step, amsgrad, decoupled, maximize] */
  adamStep(param: TensorArg, grad: TensorArg, m: TensorArg, v: TensorArg, vmax: OptTensorArg, params: number[]): void;
  /** params: [lr, momentum, dampening, weightDecay, nesterov, firstStep, maximize] */
  sgdStep(param: TensorArg, grad: TensorArg, buf: OptTensorArg, params: number[]): void;
  listOps(): { name: string; cpu: boolean; cuda: boolean }[];
  getNumThreads(): number;
  setNumThreads(n: number): void;
  /** Bytes of freed host blocks kept for reuse; with release=true, gives them back first. */
  hostCache(release?: boolean): number;
  /** Large host blocks obtained from the kernel (mmap) since start, i.e. allocator-cache misses. */
  hostSystemAllocs(): number;
  cudaInfo(): { compiled: boolean; deviceCount: number; reason: string };
  /** `count` contiguous elements from src (at element srcOffset) to dst (at dstOffset); same dtype, any two
   * devices: host to device, device to host (waits), device to device (asynchronous on the stream). */
  copyDevice(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, count: number): void;
  /** Waits for every queued CUDA launch and copy; throws ERR_TORCHLET_NO_CUDA without CUDA, or the
   * asynchronous error of an earlier launch. */
  cudaSynchronize(): void;
  /** The caching device allocator's counters (all zero without CUDA); emptyCache=true first returns
   * the cached blocks to the driver. allocated: bytes in live blocks (size-class rounded); requested:
   * the bytes asked for; cached: freed blocks kept for reuse; peak: highest allocated; mallocs/frees:
   * cudaMalloc/cudaFree calls; oomRetries: allocations retried after freeing the cache. */
  cudaMemory(emptyCache?: boolean): {
    allocated: number; requested: number; cached: number; peak: number; mallocs: number; frees: number; oomRetries: number;
  };
}
