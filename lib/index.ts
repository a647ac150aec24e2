// lib/index.ts — the public entry point: `import * as torch from 'torchlet'`.
import { native } from './binding';
import { cudaAvailable, cudaInfo, noCudaError } from './device';
import { checkInt, invalidArg, noExtraArgs } from './errors';

export { Tensor, isTensor } from './tensor';
export { tensor, fromBuffer, zeros, ones, full, empty, zerosLike, onesLike, arange, randn, rand } from './creation';
export { fullLike, emptyLike, randLike, randnLike, randintLike, eye, linspace, logspace, randint, randperm, normal, bernoulli, multinomial } from './creation';
export type { RandomOptions } from './creation';
export { noGrad, enableGrad, isGradEnabled, isAnomalyEnabled } from './autograd';
import { grad as autogradGrad, autogradBackward, detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd';
import type { BackwardOptions as BackwardOpts } from './autograd';
/**
 * torch.autograd: `grad(outputs, inputs, {gradOutputs, retainGraph, createGraph, allowUnused})`
 * (gradients as an array, no `.grad` touched; createGraph for second derivatives),
 * `backward(tensors, gradTensors?, {retainGraph, createGraph, inputs})`, and anomaly detection:
 * `detectAnomaly(fn)` runs fn with it on, `setDetectAnomaly(mode)`, `isAnomalyEnabled()`.
 */
export const autograd = {
  grad: autogradGrad,
  /** Back-propagates from each tensor with its gradient (null for a scalar: ones), in one pass. */
  backward(tensors: TensorT | TensorT[], gradTensors?: TensorT | (TensorT | null)[] | null, opts?: BackwardOpts, ...rest: never[]): void {
    noExtraArgs('backward', 'tensors, gradTensors, { retainGraph, createGraph, inputs }', rest);
    autogradBackward(tensors, gradTensors, opts);
  },
  detectAnomaly,
  setDetectAnomaly,
  isAnomalyEnabled,
};
export { tidy, keep, memory } from './memory';
export { manualSeed, initialSeed, seed, Generator } from './random';
export type { DType, DeviceType, Device, TypedArray, NestedArray } from './tensor';
export type { CreateOptions } from './creation';
export type { CpuMemory, CudaMemory } from './memory';
export { add, sub, mul, div, pow, neg, exp, log, sqrt, relu, sigmoid, tanh, maximum, minimum } from './ops/elementwise';
export {
  abs, sign, floor, ceil, round, trunc, sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, exp2, expm1, log1p, log2, log10,
  erf, erfinv, rsqrt, reciprocal, remainder, fmod, lerp, clamp, clampMin, clampMax, nanToNum, isnan, isinf, isfinite,
  logicalAnd, logicalOr, logicalXor, logicalNot, bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot, eq, ne, lt, le, gt, ge,
} from './ops/elementwise';
export { clamp as clip } from './ops/elementwise';
export type { ClampBound, NanToNumOptions } from './ops/elementwise';
export type { BackwardOptions, GradOptions, TensorHook, RemovableHandle, GradFn, GradOp } from './autograd';
export { sum, mean, max, min, amax, amin, prod, norm, logsumexp, all, any } from './ops/reduce';
export type { VarOptions } from './ops/reduce';
import { varStd } from './ops/reduce';
import type { VarOptions } from './ops/reduce';
import type { Tensor as TensorT } from './tensor';
/** Standard deviation over dims (all by default): `torch.std(x, dim?, {correction=1, keepdim})` (or `unbiased`). */
export function std(x: TensorT, dim?: number | number[] | null | boolean, opts?: VarOptions | boolean): TensorT {
  return varStd('std', x, dim, opts);
}
/** Variance over dims (all by default): `torch.var(x, dim?, {correction=1, keepdim})` (or `unbiased`). */
function variance(x: TensorT, dim?: number | number[] | null | boolean, opts?: VarOptions | boolean): TensorT {
  return varStd('var', x, dim, opts);
}
export { variance as var };
export { cumsum, cumprod, cummax, cummin } from './ops/scan';
export { sort, argsort, msort, topk, kthvalue, unique, ValuesIndices } from './ops/sort';
export type { SortOptions, TopkOptions, UniqueOptions } from './ops/sort';
export type { CumsumOptions } from './ops/scan';
export { matmul, bmm } from './ops/matmul';
export { cat, stack, movedim, movedim as moveaxis, chunk, split, unbind, diagonal, tile, flip, roll, tril, triu } from './ops/shape';
export { einsum } from './ops/einsum';
export { flatten, transpose, permute, reshape, squeeze, unsqueeze, narrow, select, t, argmax, argmin } from './forms';
export { gather, scatter, scatter_, scatterAdd, scatterAdd_, indexSelect, indexAdd, indexAdd_, maskedFill, maskedFill_, maskedSelect, where, nonzero, indexPut, indexPut_ } from './ops/index';
export type { IndexSpec, ScatterOptions, NonzeroOptions } from './ops/index';
export { softmax, logSoftmax } from './ops/activation';
export { save, load, saveAsync, loadAsync } from './serialize';
export { InferenceSession } from './serve/session';
export type { InferenceSessionOptions, SessionMemory, WorkerMemory, RawOutput } from './serve/session';
export { TorchletError, TorchletTypeError, TorchletRangeError, ERROR_CODES } from './errors';
export type { ErrorCode, ErrorKind } from './errors';
export * as nn from './nn';
export * as F from './nn/functional';
export * as optim from './optim';
export * as data from './data';
export * as models from './models';
export * as jit from './jit';
import { convBackend } from './ops/conv';
export type { ConvAlgorithm, ConvAlgorithmPreference, ConvAlgorithms } from './ops/conv';

/** Backend settings, as torch.backends: `torch.backends.conv.algorithm` is the CPU convolution
 * algorithm preference ('auto', 'perImage', 'batched', 'depthwise', 'winograd' or 'direct'; see
 * F.convAlgorithms and nn.Conv2d#algorithms for what runs). */
export const backends = { conv: convBackend };

/** A native op of this binary: whether each device has a kernel, and the dtypes it takes. */
export interface KernelInfo {
  name: string;
  cpu: boolean;
  cuda: boolean;
  /** dtypes of the first tensor argument each device's kernel accepts ([] where there is none) */
  dtypes: { cpu: string[]; cuda: string[] };
}
/** Every native op compiled into this binary (each registers itself), per device, sorted by name. */
export function kernels(): KernelInfo[] {
  return native
    .schema()
    .ops.map((o) => ({ name: o.name, cpu: o.dtypes.cpu.length > 0, cuda: o.dtypes.cuda.length > 0, dtypes: o.dtypes }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
/** The number of threads the CPU kernels use (OpenMP). */
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** The most threads setNumThreads accepts: 4 per processor available to this process, and at most 1024. */
export function getMaxNumThreads(): number {
  return native.maxNumThreads();
}
/**
 * Sets the number of threads the CPU kernels use: an integer from 1 to getMaxNumThreads() (4 per
 * processor available, at most 1024); anything else is an error, so no later op can fail to start
 * its threads.
 */
export function setNumThreads(n: number, ...rest: never[]): void {
  noExtraArgs('setNumThreads', 'n', rest);
  checkInt('n', n, 1);
  const max = native.maxNumThreads();
  if (n > max) invalidArg('n', `an integer in [1, ${max}] (4 threads per available processor, at most 1024)`, n);
  native.setNumThreads(n);
}
/**
 * CUDA: what is available and the caching device allocator's counters. Tensors move with
 * `t.to('cuda')` / `t.cuda()` and are created there with `{ device: 'cuda' }`; modules with
 * `model.to('cuda')` (before creating the optimizer, as in PyTorch). Launches are asynchronous:
 * reading a tensor back (toArray, item, ...) or `synchronize()` waits for them.
 */
export const cuda = {
  /** True when this binary was built with CUDA and a driver and a GPU are present. */
  isAvailable(): boolean {
    return cudaAvailable();
  },
  deviceCount(): number {
    return cudaInfo().deviceCount;
  },
  /** The CUDA device's name; the CPU emulator's (a TORCHLET_CUDA=EMU build) contains "emulated". ERR_TORCHLET_NO_CUDA without CUDA. */
  getDeviceName(): string {
    if (!cudaAvailable()) throw noCudaError();
    return cudaInfo().name;
  },
  /** Waits for all queued CUDA work; throws the error of a failed asynchronous launch, or ERR_TORCHLET_NO_CUDA. */
  synchronize(): void {
    if (!cudaAvailable()) throw noCudaError();
    native.cudaSynchronize();
  },
  /** Bytes in live device blocks (tensors and kernel temporaries, rounded to the allocator's size classes); 0 without CUDA. */
  memoryAllocated(): number {
    return native.cudaMemory().allocated;
  },
  /** Bytes held from the driver: live blocks plus the allocator's cache. */
  memoryReserved(): number {
    const m = native.cudaMemory();
    return m.allocated + m.cached;
  },
  /** Highest memoryAllocated() so far. */
  maxMemoryAllocated(): number {
    return native.cudaMemory().peak;
  },
  /** Returns the allocator's cached (freed) blocks to the driver; live tensors are untouched. */
  emptyCache(): void {
    native.cudaMemory(true);
  },
  /** All counters of the caching allocator (see binding.d.ts cudaMemory). */
  memoryStats(): ReturnType<typeof native.cudaMemory> {
    return native.cudaMemory();
  },
};
