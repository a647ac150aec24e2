// lib/ops/lp_pool.ts — power-average pooling, as torch.nn.functional.lp_pool1d / lp_pool2d (PyTorch
// 1.13's composition, so values, NaNs and gradients match it): out = avg_pool(x^p) over windows of
// the kernel (no padding; stride default the kernel; ceilMode), then
// (sign(out) * relu(|out|) * kernel_numel)^(1/p). Inputs [N, C, L] / [C, L] (1-D) and [N, C, H, W] /
// [C, H, W] (2-D); normType is any finite non-zero number (PyTorch's LPPool: 1 is sum pooling, large p
// tends to max pooling).
import { invalidArg, typeArg, checkTuple, checkOptionKeys, optBool } from '../errors';
import type { Tensor } from '../tensor';
import { pow, mul, sign, relu, abs } from './elementwise';
import { avgPool1d } from './pool1d';
import { avgPool2d } from './pool2d';

export interface LpPoolOptions {
  /** the window step (default: the kernel size) */
  stride?: number | number[] | null;
  ceilMode?: boolean;
}

/** Checks LP pooling's normType: a finite number other than 0. */
export function checkNormType(normType: unknown): number {
  if (typeof normType !== 'number' || Number.isNaN(normType)) typeArg('normType', 'a number', normType);
  if (normType === 0 || !Number.isFinite(normType)) invalidArg('normType', 'a finite number other than 0', normType);
  return normType as number;
}

/** (sign(out) * relu(|out|) * n)^(1/p), PyTorch's last step of lp_pool. */
function finish(out: Tensor, n: number, p: number): Tensor {
  return pow(mul(mul(sign(out), relu(abs(out))), n), 1 / p);
}

/** 1-D power-average pooling, as torch.nn.functional.lp_pool1d. */
export function lpPool1d(input: Tensor, normType: number, kernelSize: number | number[], opts: LpPoolOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'ceilMode']);
  const ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  const p = checkNormType(normType);
  const [k] = checkTuple('kernelSize', kernelSize, 1, 1);
  return finish(avgPool1d(pow(input, p), k, { stride: opts.stride ?? k, ceilMode }), k, p);
}

/** 2-D power-average pooling, as torch.nn.functional.lp_pool2d. */
export function lpPool2d(input: Tensor, normType: number, kernelSize: number | number[], opts: LpPoolOptions = {}): Tensor {
  opts = checkOptionKeys('opts', opts, ['stride', 'ceilMode']);
  const ceilMode = optBool('opts.ceilMode', opts.ceilMode ?? undefined, false);
  const p = checkNormType(normType);
  const [kh, kw] = checkTuple('kernelSize', kernelSize, 2, 1);
  return finish(avgPool2d(pow(input, p), [kh, kw], { stride: opts.stride ?? [kh, kw], ceilMode }), kh * kw, p);
}
