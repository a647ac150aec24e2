// lib/index.ts — the public entry point: `import * as torch from 'torchlet'`.
import { native } from './binding';
import { TorchletError } from './errors';

export {
  Tensor, tensor, fromBuffer, zeros, ones, full, empty, zerosLike, onesLike, arange, randn, rand,
  manualSeed, initialSeed, noGrad, enableGrad, isGradEnabled, tidy, keep, memory, isTensor,
} from './tensor';
export type { DType, DeviceType, TypedArray, NestedArray, CreateOptions } from './tensor';
export { add, sub, mul, div, pow, neg, exp, log, sqrt, relu, sigmoid, tanh, maximum, minimum } from './ops/elementwise';
export { sum, mean } from './ops/reduce';
export { matmul, bmm } from './ops/matmul';
export { cat, stack } from './ops/shape';
export { softmax, logSoftmax } from './ops/activation';
export { save, load } from './serialize';
export { TorchletError } from './errors';
export * as nn from './nn';
export * as F from './nn/functional';
export * as optim from './optim';
export * as data from './data';
export * as models from './models';

/** Kernels compiled into this binary, per device. */
export function kernels(): { name: string; cpu: boolean; cuda: boolean }[] {
  return native.listOps();
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`torchlet: Expected a positive integer for n but received ${n}`);
  native.setNumThreads(n);
}
export const cuda = {
  /** True when this binary has CUDA and a driver and GPU are present (CUDA tensors come later). */
  isAvailable(): boolean {
    return native.cudaInfo().deviceCount > 0;
  },
  deviceCount(): number {
    return native.cudaInfo().deviceCount;
  },
  synchronize(): void {
    const info = native.cudaInfo();
    if (info.deviceCount === 0) throw new TorchletError(`torchlet: CUDA is not available: ${info.reason}`, 'ERR_TORCHLET_NO_CUDA');
  },
  memoryAllocated(): number {
    return 0;
  },
};
