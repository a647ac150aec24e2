// lib/nn/activation.ts — the activation modules over lib/ops/activation.ts: GELU, LeakyReLU, ELU,
// CELU, SiLU, Mish, Hardswish, Hardsigmoid, Softplus, Softsign, Hardtanh, ReLU6, LogSigmoid,
// Threshold, GLU, with PyTorch 1.13's constructor arguments and defaults (options in one object;
// the one number PyTorch users pass positionally, e.g. `new nn.LeakyReLU(0.2)`, may be given so),
// validated at construction, and PyTorch's toString().
import { checkOptionKeys, checkNumber, checkInt, invalidArg, noExtraArgs } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { pyFloat } from './normalization';
import * as A from '../ops/activation';
import { numberOrOpts, InplaceActivation, bool } from './module_options';

const inplaceStr = (v: boolean): string => (v ? ', inplace=True' : '');
function finite(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = checkNumber(name, v);
  if (!Number.isFinite(n)) invalidArg(name, 'a finite number', v);
  return n;
}
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(opts: A.GeluOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('GELU', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['approximate']);
    const a = o.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') invalidArg('opts.approximate', "'none' or 'tanh'", a);
    this.approximate = a;
  }
  forward(x: Tensor): Tensor {
    return A.gelu(x, { approximate: this.approximate });
  }
  extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  /** `new nn.LeakyReLU(negativeSlope = 0.01, {inplace})` or `new nn.LeakyReLU({negativeSlope, inplace})` */
  constructor(negativeSlope?: number | A.LeakyReluOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super();
    const o = numberOrOpts<A.LeakyReluOptions>('LeakyReLU', 'negativeSlope', negativeSlope, opts, rest, ['negativeSlope', 'inplace']);
    this.negativeSlope = finite('negativeSlope', o.negativeSlope, 0.01);
    this.inplace = bool('opts.inplace', o.inplace);
  }
  forward(x: Tensor): Tensor {
    return A.leakyRelu(x, { negativeSlope: this.negativeSlope, inplace: this.inplace });
  }
  extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${inplaceStr(this.inplace)}`;
  }
}

abstract class AlphaActivation extends Module {
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(name: string, alpha: number | A.EluOptions | undefined, opts: { inplace?: boolean } | undefined, rest: readonly unknown[]) {
    super();
    const o = numberOrOpts<A.EluOptions>(name, 'alpha', alpha, opts, rest, ['alpha', 'inplace']);
    this.alpha = finite('alpha', o.alpha, 1);
    this.inplace = bool('opts.inplace', o.inplace);
  }
  extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceStr(this.inplace)}`;
  }
}
export class ELU extends AlphaActivation {
  /** `new nn.ELU(alpha = 1, {inplace})` or `new nn.ELU({alpha, inplace})` */
  constructor(alpha?: number | A.EluOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super('ELU', alpha, opts, rest);
  }
  forward(x: Tensor): Tensor {
    return A.elu(x, { alpha: this.alpha, inplace: this.inplace });
  }
}
export class CELU extends AlphaActivation {
  /** `new nn.CELU(alpha = 1, {inplace})` or `new nn.CELU({alpha, inplace})` */
  constructor(alpha?: number | A.EluOptions, opts?: { inplace?: boolean }, ...rest: never[]) {
    super('CELU', alpha, opts, rest);
    if (this.alpha === 0) invalidArg('alpha', 'a non-zero number (alpha cannot be 0 for CELU)', 0);
  }
  forward(x: Tensor): Tensor {
    return A.celu(x, { alpha: this.alpha, inplace: this.inplace });
  }
}

export class SiLU extends InplaceActivation {
  constructor(opts?: boolean | A.InplaceOption, ...rest: never[]) {
    super('SiLU', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return A.silu(x, { inplace: this.inplace });
  }
}
export class Mish extends InplaceActivation {
  constructor(opts?: boolean | A.InplaceOption, ...rest: never[]) {
    super('Mish', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return A.mish(x, { inplace: this.inplace });
  }
}
export class Hardswish extends InplaceActivation {
  constructor(opts?: boolean | A.InplaceOption, ...rest: never[]) {
    super('Hardswish', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return A.hardswish(x, { inplace: this.inplace });
  }
}
export class Hardsigmoid extends InplaceActivation {
  constructor(opts?: boolean | A.InplaceOption, ...rest: never[]) {
    super('Hardsigmoid', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return A.hardsigmoid(x, { inplace: this.inplace });
  }
}
export class ReLU6 extends InplaceActivation {
  constructor(opts?: boolean | A.InplaceOption, ...rest: never[]) {
    super('ReLU6', opts, rest);
  }
  forward(x: Tensor): Tensor {
    return A.relu6(x, { inplace: this.inplace });
  }
}

export class Softsign extends Module {
  constructor(...rest: never[]) {
    super();
    noExtraArgs('Softsign', '', rest);
  }
  forward(x: Tensor): Tensor {
    return A.softsign(x);
  }
}
export class LogSigmoid extends Module {
  constructor(...rest: never[]) {
    super();
    noExtraArgs('LogSigmoid', '', rest);
  }
  forward(x: Tensor): Tensor {
    return A.logsigmoid(x);
  }
}

export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(opts: A.SoftplusOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('Softplus', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['beta', 'threshold']);
    this.beta = finite('opts.beta', o.beta, 1);
    this.threshold = checkNumber('opts.threshold', o.threshold ?? 20);
  }
  forward(x: Tensor): Tensor {
    return A.softplus(x, { beta: this.beta, threshold: this.threshold });
  }
  extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;
  /** `new nn.Hardtanh(minVal = -1, maxVal = 1, {inplace})`; maxVal must exceed minVal, as PyTorch asserts. */
  constructor(minVal = -1, maxVal = 1, opts?: A.InplaceOption, ...rest: never[]) {
    super();
    noExtraArgs('Hardtanh', 'minVal, maxVal, opts', rest);
    this.minVal = checkNumber('minVal', minVal);
    this.maxVal = checkNumber('maxVal', maxVal);
    if (!(this.maxVal > this.minVal)) invalidArg('maxVal', `a number > minVal (${this.minVal})`, maxVal);
    this.inplace = bool('opts.inplace', checkOptionKeys('opts', opts, ['inplace']).inplace);
  }
  forward(x: Tensor): Tensor {
    return A.hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal, inplace: this.inplace });
  }
  extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceStr(this.inplace)}`;
  }
}

export class Threshold extends Module {
  readonly threshold: number;
  readonly value: number;
  readonly inplace: boolean;
  /** `new nn.Threshold(threshold, value, {inplace})`: x where x > threshold, value otherwise. */
  constructor(threshold: number, value: number, opts?: A.InplaceOption, ...rest: never[]) {
    super();
    noExtraArgs('Threshold', 'threshold, value, opts', rest);
    this.threshold = checkNumber('threshold', threshold);
    this.value = checkNumber('value', value);
    this.inplace = bool('opts.inplace', checkOptionKeys('opts', opts, ['inplace']).inplace);
  }
  forward(x: Tensor): Tensor {
    return A.threshold(x, this.threshold, this.value, { inplace: this.inplace });
  }
  extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}${inplaceStr(this.inplace)}`;
  }
}

export class GLU extends Module {
  readonly dim: number;
  constructor(dim = -1, ...rest: never[]) {
    super();
    noExtraArgs('GLU', 'dim', rest);
    this.dim = checkInt('dim', dim);
  }
  forward(x: Tensor): Tensor {
    return A.glu(x, this.dim);
  }
  extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
