// lib/nn/padding.ts — the padding modules over F.pad (lib/ops/pad.ts), PyTorch 1.13's:
// ZeroPad2d, ConstantPad1d/2d/3d (padding, value), ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d.
// `padding` is a number (every side) or PyTorch's tuple (left, right[, top, bottom[, front, back]]),
// checked at construction; the modules print as PyTorch's.
import { checkNumber, invalidArg, noExtraArgs, typeArg } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { pad } from '../ops/pad';
import type { PadMode } from '../ops/pad';

const tuple = (v: number[]): string => `(${v.join(', ')})`;

abstract class PadNd extends Module {
  readonly padding: number[];
  constructor(name: string, dims: number, padding: number | number[], readonly mode: PadMode, readonly value = 0) {
    super();
    const arr = typeof padding === 'number' ? new Array<number>(2 * dims).fill(padding) : padding;
    if (!Array.isArray(arr) || !arr.every((v) => typeof v === 'number' && Number.isInteger(v)))
      typeArg('padding', `an integer or an array of ${2 * dims} integers`, padding);
    if (arr.length !== 2 * dims) invalidArg('padding', `${2 * dims} integers (${name}: before and after for ${dims} dim${dims > 1 ? 's' : ''})`, padding);
    this.padding = arr.slice();
  }
  forward(x: Tensor): Tensor {
    return this.mode === 'constant' ? pad(x, this.padding, { value: this.value }) : pad(x, this.padding, this.mode);
  }
  extraRepr(): string {
    return tuple(this.padding);
  }
}
abstract class ConstantPadNd extends PadNd {
  constructor(name: string, dims: number, padding: number | number[], value: number, rest: readonly unknown[]) {
    noExtraArgs(name, 'padding, value', rest);
    super(name, dims, padding, 'constant', checkNumber('value', value));
  }
  extraRepr(): string {
    return `padding=${tuple(this.padding)}, value=${this.value}`;
  }
}

/** Pads the last 2 dims with zeros. */
export class ZeroPad2d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ZeroPad2d', 'padding', rest);
    super('ZeroPad2d', 2, padding, 'constant', 0);
  }
}
export class ConstantPad1d extends ConstantPadNd {
  constructor(padding: number | number[], value: number, ...rest: never[]) {
    super('ConstantPad1d', 1, padding, value, rest);
  }
}
export class ConstantPad2d extends ConstantPadNd {
  constructor(padding: number | number[], value: number, ...rest: never[]) {
    super('ConstantPad2d', 2, padding, value, rest);
  }
}
export class ConstantPad3d extends ConstantPadNd {
  constructor(padding: number | number[], value: number, ...rest: never[]) {
    super('ConstantPad3d', 3, padding, value, rest);
  }
}
export class ReflectionPad1d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ReflectionPad1d', 'padding', rest);
    super('ReflectionPad1d', 1, padding, 'reflect');
  }
}
export class ReflectionPad2d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ReflectionPad2d', 'padding', rest);
    super('ReflectionPad2d', 2, padding, 'reflect');
  }
}
export class ReflectionPad3d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ReflectionPad3d', 'padding', rest);
    super('ReflectionPad3d', 3, padding, 'reflect');
  }
}
export class ReplicationPad1d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ReplicationPad1d', 'padding', rest);
    super('ReplicationPad1d', 1, padding, 'replicate');
  }
}
export class ReplicationPad2d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ReplicationPad2d', 'padding', rest);
    super('ReplicationPad2d', 2, padding, 'replicate');
  }
}
export class ReplicationPad3d extends PadNd {
  constructor(padding: number | number[], ...rest: never[]) {
    noExtraArgs('ReplicationPad3d', 'padding', rest);
    super('ReplicationPad3d', 3, padding, 'replicate');
  }
}
