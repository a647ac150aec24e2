// lib/index.ts — the public entry point: `import * as torch from 'torchlet'`.
import { native } from './binding';
import { cudaAvailable, cudaInfo, noCudaError } from './device';
import * as cudaStreams from './cuda_stream';
import { checkInt, invalidArg, noExtraArgs } from './errors';

export { Tensor, isTensor } from './tensor';
export { tensor, fromBuffer, zeros, ones, full, empty, zerosLike, onesLike, arange, randn, rand } from './creation';
export { fullLike, emptyLike, randLike, randnLike, randintLike, eye, linspace, logspace, randint, randperm, normal, bernoulli, multinomial } from './creation';
export type { RandomOptions } from './creation';
export { noGrad, enableGrad, isGradEnabled, isAnomalyEnabled, setGradEnabled, inferenceMode, isInferenceModeEnabled } from './autograd';
import { grad as autogradGrad, autogradBackward, detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd';
import type { BackwardOptions as BackwardOpts } from './autograd';
import * as fn_autograd_functional from './autograd_functional';
import * as fn_utils_checkpoint from './utils_checkpoint';
import * as TB_tensorboard from './utils_tensorboard';
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
  functional: fn_autograd_functional,
};
export { tidy, keep, memory } from './memory';
export { manualSeed, initialSeed, seed, Generator } from './random';
export type { DType, DeviceType, Device, TypedArray, NestedArray } from './tensor';
export type { CreateOptions } from './creation';
export type { CpuMemory, CudaMemory } from './memory';
export { add, sub, mul, div, floorDivide, pow, neg, exp, log, sqrt, relu, sigmoid, tanh, maximum, minimum } from './ops/elementwise';
export type { DivOptions } from './ops/elementwise';
export {
  abs, sign, floor, ceil, round, trunc, sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, exp2, expm1, log1p, log2, log10,
  erf, erfinv, rsqrt, reciprocal, remainder, fmod, lerp, clamp, clampMin, clampMax, nanToNum, isnan, isinf, isfinite,
  logicalAnd, logicalOr, logicalXor, logicalNot, bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot, eq, ne, lt, le, gt, ge,
  isclose, allclose,
} from './ops/elementwise';
export { clamp as clip } from './ops/elementwise';
export type { ClampBound, NanToNumOptions, IscloseOptions } from './ops/elementwise';
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
export { matmul, bmm, outer, ger } from './ops/matmul';
export { mm, mv, dot, vdot, addmm, addmv, addbmm, baddbmm, addr, chainMatmul, tensordot, kron, trace, diag, diagEmbed, diagflat, cross } from './ops/matmul_more';
export { det, inverse, slogdet, logdet } from './ops/linalg';
export { cat, stack, movedim, movedim as moveaxis, chunk, split, unbind, diagonal, tile, flip, roll, tril, triu, asStrided } from './ops/shape';
export { einsum } from './ops/einsum';
export { median, nanmedian, mode, quantile, nanquantile, nansum, nanmean, countNonzero, stdMean, varMean, logcumsumexp, diff, cdist, histc, bincount, searchsorted, bucketize, aminmax, MinMax } from './ops/stats';
export type { QuantileOptions, QuantileInterpolation, DiffOptions, CdistOptions, HistcOptions, BincountOptions, SearchsortedOptions, BucketizeOptions, AminmaxOptions } from './ops/stats';
export { square, logit, hypot, frac, signbit, copysign, heaviside, xlogy, erfc, floatPower, deg2rad, rad2deg, sgn, positive, negative, fix, addcmul, addcdiv, lgamma, digamma, rsub, renorm } from './ops/elementwise_more';
export type { AddcOptions } from './ops/elementwise_more';
export { logaddexp, logaddexp2, sinc, ldexp, gcd, lcm, trapezoid, trapz, cumulativeTrapezoid, polygamma, mvlgamma, i0, igamma, igammac, frexp, Frexp } from './ops/special';
export type { TrapezoidOptions } from './ops/special';
export { flatten, transpose, permute, reshape, squeeze, unsqueeze, narrow, select, t, argmax, argmin } from './forms';
export { gather, scatter, scatter_, scatterAdd, scatterAdd_, scatterReduce, scatterReduce_, indexReduce, indexReduce_, indexSelect, indexAdd, indexAdd_, indexCopy, indexCopy_, indexFill, indexFill_, maskedScatter, maskedScatter_, put, put_, maskedFill, maskedFill_, maskedSelect, where, nonzero, indexPut, indexPut_ } from './ops/index';
export type { IndexSpec, ScatterOptions, ScatterReduceMode, ScatterReduceOptions, IndexReduceMode, PutOptions, NonzeroOptions } from './ops/index';
export { softmax, logSoftmax, celu, threshold, relu_ } from './ops/activation';
export { hardshrink, rrelu, channelShuffle, bilinear } from './ops/activation_more';
export { save, load, saveAsync, loadAsync } from './serialize';
export {
  numel, clone, meshgrid, cartesianProd, broadcastShapes, broadcastTo, broadcastTensors, swapaxes, swapdims, atleast1d, atleast2d, atleast3d,
  hstack, vstack, rowStack, dstack, columnStack, flipud, fliplr, rot90, take, takeAlongDim, repeatInterleave, blockDiag, triuIndices, trilIndices,
  isFloatingPoint, isComplex, isNonzero, asTensor, unflatten, narrowCopy,
} from './ops/shape_more';
export type { MeshgridOptions, RepeatInterleaveOptions } from './ops/shape_more';
export { finfo, iinfo, device } from './dtype_info';
export type { FInfo, IInfo } from './dtype_info';
export { getDefaultDtype, setDefaultDtype } from './default_dtype';
export { setPrintoptions } from './print';
export type { PrintOptions } from './print';
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
export * as onnx from './onnx';
export * as linalg from './linalg';
export * as special from './special';
export * as distributions from './distributions';
export * as func from './func';
export * as hub from './hub';
import * as HUB_hub from './hub';
import * as HUB_pretrained from './models/pretrained';
import * as TX_transforms_functional from './data/transforms_functional';
export const utils = { checkpoint: fn_utils_checkpoint, tensorboard: TB_tensorboard };
import { convBackend } from './ops/conv';
export type { ConvAlgorithm, ConvAlgorithmPreference, ConvAlgorithms, ConvOptions, Conv1dOptions, Conv2dOptions, Conv3dOptions, ConvTransposeOptions } from './ops/conv';

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
  /**
   * The operations this one kernel computes, when it is a family chosen by an enum parameter (e.g.
   * `unary`: `abs`, `sin`, `erfinv`, ...; `binary`: `add`, `atan2`, ...; `reduce`: `sum`, `amax`, ...),
   * camelCased from the addon's enum; [] for a kernel that computes one thing.
   */
  variants: string[];
}
/**
 * Every native op compiled into this binary (each registers itself), per device, sorted by name,
 * with the operations of each kernel family (`variants`).
 */
export function kernels(): KernelInfo[] {
  const schema = native.schema();
  const camel = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  return schema.ops
    .map((o) => {
      const variants: string[] = [];
      for (const st of o.params)
        for (const f of schema.structs[st] ?? [])
          if (f.kind === 'enum' && f.name === 'op' && f.enum) variants.push(...schema.enums[f.enum].map(camel));
      return { name: o.name, cpu: o.dtypes.cpu.length > 0, cuda: o.dtypes.cuda.length > 0, dtypes: o.dtypes, variants };
    })
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
 * CUDA: what is available, streams and the caching device allocator's counters. Tensors move with
 * `t.to('cuda')` / `t.cuda()` and are created there with `{ device: 'cuda' }`; modules with
 * `model.to('cuda')` (before creating the optimizer, as in PyTorch). Launches are asynchronous and go
 * on the calling thread's current stream (each thread, so each inference worker, has its own; see
 * lib/cuda_stream.ts): reading a tensor back (toArray, item, ...) waits for the streams that used
 * it; `synchronize()` waits for all of them.
 */
export const cuda = {
  /** A CUDA stream: `new torch.cuda.Stream()`; see lib/cuda_stream.ts. */
  Stream: cudaStreams.Stream,
  /** The calling thread's current stream. */
  currentStream: cudaStreams.currentStream,
  /** `torch.cuda.stream(s, () => ...)`: runs fn with s as this thread's current stream (PyTorch's `with torch.cuda.stream(s):`). */
  stream: cudaStreams.stream,
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
  /** Waits for all queued CUDA work, on every stream of every thread; throws the error of a failed asynchronous launch, or ERR_TORCHLET_NO_CUDA. */
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
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace cuda {
  /** The type of a CUDA stream, so that `torch.cuda.Stream` names the type as well as the class. */
  export type Stream = cudaStreams.Stream;
}

// ---- strict positional arguments (lib/strict.ts) -------------------------------------------------
// Every module that defines a public function or class: its exports are wrapped in place, so the
// re-exports above return the wrapper. A module that defines public API and is missing here leaves
// it unchecked; test/errors/strict_arity.test.ts (lib/strict.ts strictArityMissing() must be empty) names it.
import { applyStrictArity } from './strict';
import * as self from './index';
import * as m0 from './errors';
import * as m1 from './tensor';
import * as m2 from './memory';
import * as m3 from './autograd';
import * as m4 from './creation';
import * as m5 from './random';
import * as m6 from './ops/elementwise';
import * as m7 from './ops/reduce';
import * as m8 from './ops/shape';
import * as m9 from './ops/index';
import * as m10 from './ops/values_indices';
import * as m11 from './ops/sort';
import * as m12 from './ops/scan';
import * as m13 from './ops/matmul';
import * as m14 from './ops/activation';
import * as m15 from './ops/einsum';
import * as m16 from './forms';
import * as m17 from './serialize';
import * as m18 from './serve/session';
import * as m19 from './nn/module';
import * as m20 from './nn/layers';
import * as m21 from './nn/init';
import * as m22 from './ops/pool2d';
import * as m23 from './ops/dropout';
import * as m24 from './ops/loss';
import * as m25 from './nn/conv';
import * as m26 from './ops/conv';
import * as m27 from './nn/pooling';
import * as m28 from './nn/normalization';
import * as m29 from './ops/norm';
import * as m30 from './nn/attention';
import * as m31 from './nn/utils';
import * as m32 from './nn/functional';
import * as m33 from './models/fashion_cnn';
import * as m34 from './models/classic';
import * as m35 from './models/resnet';
import * as m36 from './data/fashion_mnist';
import * as m37 from './data/download';
import * as m38 from './data/idx';
import * as m39 from './data/dataset';
import * as m40 from './data/collate';
import * as m41 from './data/transforms';
import * as m42 from './data/image';
import * as m43 from './data/dataloader';
import * as m44 from './data/sampler';
import * as m45 from './data/folder';
import * as IT_iterable from './data/iterable';
import * as DS_mnist from './data/mnist';
import * as DS_cifar from './data/cifar';
import * as DS_grid from './data/grid';
import * as DS_png_encode from './data/png_encode';
import * as TX_transform_base from './data/transform_base';
import * as TX_transforms_more from './data/transforms_more';
import * as TX_augment from './data/augment';
import * as m46 from './optim/optimizer';
import * as m47 from './optim/adam';
import * as m48 from './optim/sgd';
import * as m49 from './optim/rmsprop';
import * as m50 from './optim/adagrad';
import * as m51 from './optim/adamax';
import * as m52 from './optim/lr_scheduler';
import * as m53 from './jit';
import * as m54 from './nn/activation';
import * as m55 from './nn/container';
import * as m56 from './nn/loss';
import * as m57 from './nn/padding';
import * as m58 from './nn/reshape';
import * as m59 from './nn/rnn';
import * as m60 from './nn/sparse';
import * as m61 from './nn/transformer';
import * as m62 from './nn/upsample';
import * as m63 from './ops/embedding';
import * as m64 from './ops/pad';
import * as m65 from './ops/pixel_shuffle';
import * as m66 from './ops/rnn';
import * as m67 from './ops/upsample';
import * as m68 from './cuda_stream';
import * as m69 from './ops/distance';
import * as m70 from './nn/distance';
import * as m71 from './nn/module_options';
import * as m72 from './print';
import * as m73 from './ops/shape_more';
import * as m74 from './dtype_info';
import * as m75 from './optim/lbfgs';
import * as m76 from './nn/weight_norm';
import * as m77 from './default_dtype';
import * as P4_transformer_decoder from './nn/transformer_decoder';
import * as P1_pool1d from './ops/pool1d';
import * as P1_pool3d from './ops/pool3d';
import * as P1_lp_pool from './ops/lp_pool';
import * as P1_lrn from './ops/local_response_norm';
import * as P1_pooling_nd from './nn/pooling_nd';
import * as P1_normalization_nd from './nn/normalization_nd';
import * as P3_activation_more from './ops/activation_more';
import * as P3_nn_activation_more from './nn/activation_more';
import * as P3_loss_more from './ops/loss_more';
import * as P3_nn_loss_more from './nn/loss_more';
import * as P2_fold from './ops/fold';
import * as P2_grid_sample from './ops/grid_sample';
import * as P2_nn_fold from './nn/fold';
import * as P5_matmul_more from './ops/matmul_more';
import * as P5_linalg from './ops/linalg';
import * as P4_rnn_utils from './nn/rnn_utils';
import * as P6_stats from './ops/stats';
import * as P6_elementwise_more from './ops/elementwise_more';
import * as spc_special from './ops/special';
import * as fn_func from './func';
import * as fn_swa_utils from './optim/swa_utils';
import * as opt_rprop from './optim/rprop';
import * as ctc_ops from './ops/ctc';
import * as ctc_nn from './nn/ctc';
import * as dist_distribution from './distributions/distribution';
import * as dist_continuous from './distributions/continuous';
import * as dist_discrete from './distributions/discrete';
import * as dist_multivariate from './distributions/multivariate';
import * as dist_kl from './distributions/kl';
import * as RN_mobilenet from './models/mobilenet';
import * as RN_vgg from './models/vgg';
import * as onnx_onnx from './onnx';
import * as tv_qmnist from './data/qmnist';
const STRICT_MODULES: object[] = [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20,
  m21, m22, m23, m24, m25, m26, m27, m28, m29, m30, m31, m32, m33, m34, m35, m36, m37, m38, m39, m40, m41, m42, m43, m44, m45,
  m46, m47, m48, m49, m50, m51, m52, m53,
  m54, m55, m56, m57, m58, m59, m60, m61, m62, m63, m64, m65, m66, m67, m68, m69, m70, m71, m72, m73, m74, m75, m76, m77, P4_transformer_decoder, P1_pool1d, P1_pool3d, P1_lp_pool, P1_lrn, P1_pooling_nd, P1_normalization_nd, P3_activation_more, P3_nn_activation_more, P3_loss_more, P3_nn_loss_more, P2_fold, P2_grid_sample, P2_nn_fold, P4_rnn_utils, P5_matmul_more, P5_linalg, P6_stats, P6_elementwise_more, opt_rprop, ctc_ops, ctc_nn, fn_autograd_functional, fn_func, fn_swa_utils, fn_utils_checkpoint, dist_distribution, dist_continuous, dist_discrete, dist_multivariate, dist_kl, spc_special, IT_iterable, DS_mnist, DS_cifar, DS_grid, DS_png_encode, RN_mobilenet, RN_vgg, TX_transform_base, TX_transforms_more, TX_augment, TB_tensorboard, HUB_hub, HUB_pretrained, TX_transforms_functional, onnx_onnx, tv_qmnist];
applyStrictArity(
  [
    ['torch', self],
    ['torch.F', self.F],
    ['torch.nn', self.nn],
    ['torch.nn.init', self.nn.init],
    ['torch.nn.utils', self.nn.utils],
    ['torch.nn.utils.rnn', self.nn.utils.rnn],
    ['torch.cuda', self.cuda],
    ['torch.autograd', self.autograd],
    ['torch.data', self.data],
    ['torch.data.transforms', self.data.transforms],
    ['torch.data.transforms.functional', self.data.transforms.functional],
    ['torch.data.utils', self.data.utils],
    ['torch.models', self.models],
    ['torch.optim', self.optim],
    ['torch.optim.lrScheduler', self.optim.lrScheduler],
    ['torch.jit', self.jit],
    ['torch.linalg', self.linalg],
    ['torch.special', self.special],
    ['torch.distributions', self.distributions],
    ['torch.autograd.functional', self.autograd.functional],
    ['torch.func', self.func],
    ['torch.optim.swaUtils', self.optim.swaUtils],
    ['torch.utils.checkpoint', self.utils.checkpoint],
    ['torch.utils.tensorboard', self.utils.tensorboard],
    ['torch.hub', self.hub],
    ['torch.onnx', self.onnx],
  ],
  STRICT_MODULES,
  new Set<unknown>([m1.Tensor]),
);