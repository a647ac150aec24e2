// lib/nn/init.ts — parameter initialisers with PyTorch's formulas (fan computation, gains);
// all in place, without autograd, drawing from torch's seeded generator.
import { invalidArg, checkOptions } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { uniform_ as uni, normal_ as nor } from '../creation';
import { noGrad } from '../autograd';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu': return 3 / 4;
    default: return invalidArg('nonlinearity', 'a known nonlinearity', nonlinearity);
  }
}
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  checkTensor('tensor', t);
  if (t.ndim < 2) invalidArg('tensor', 'a tensor with at least 2 dimensions to compute fans', t);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}
function fan(t: Tensor, mode: 'fan_in' | 'fan_out'): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') invalidArg('mode', "'fan_in' or 'fan_out'", mode);
  const [fi, fo] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fi : fo;
}
function inPlace(t: Tensor, fn: (c: Tensor) => void): Tensor {
  checkTensor('tensor', t);
  noGrad(() => {
    if (t.isContiguous()) fn(t);
    else {
      const c = t.contiguous();
      fn(c);
      t.copy_(c);
      c.dispose();
    }
  });
  return t;
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return inPlace(t, (c) => uni(c, a, b));
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return inPlace(t, (c) => nor(c, mean, std));
}
export function constant_(t: Tensor, v: number): Tensor {
  return inPlace(t, (c) => c.fill_(v));
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}
export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan(t, opts.mode ?? 'fan_in')));
  return uniform_(t, -bound, bound);
}
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  opts = checkOptions('opts', opts);
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan(t, opts.mode ?? 'fan_in')));
}
export function xavierUniform_(t: Tensor, opts: { gain?: number } = {}): Tensor {
  opts = checkOptions('opts', opts);
  const [fi, fo] = calculateFanInAndFanOut(t);
  const a = (opts.gain ?? 1) * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a);
}
export function xavierNormal_(t: Tensor, opts: { gain?: number } = {}): Tensor {
  opts = checkOptions('opts', opts);
  const [fi, fo] = calculateFanInAndFanOut(t);
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fi + fo)));
}
