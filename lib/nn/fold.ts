// lib/nn/fold.ts — nn.Unfold(kernelSize, {dilation=1, padding=0, stride=1}) and
// nn.Fold(outputSize, kernelSize, {dilation, padding, stride}) over F.unfold / F.fold
// (lib/ops/fold.ts), PyTorch 1.13's: sizes positional or in the options (not both), checked at
// construction and kept as given (a number or a pair) for PyTorch's print,
// `Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)`; no parameters, no state.
import { checkTuple, noExtraArgs } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { fold, unfold, splitArgs, UNFOLD_KEYS, FOLD_KEYS } from '../ops/fold';
import type { IntPair, UnfoldOptions, FoldOptions } from '../ops/fold';

const keep = (v: IntPair): IntPair => (Array.isArray(v) ? v.slice() : v);
const show = (v: IntPair): string => (Array.isArray(v) ? `(${v.join(', ')})` : String(v));

/** Extracts sliding blocks: forward(x) = F.unfold(x, kernelSize, {dilation, padding, stride}). */
export class Unfold extends Module {
  readonly kernelSize: IntPair;
  readonly dilation: IntPair;
  readonly padding: IntPair;
  readonly stride: IntPair;
  constructor(kernelSize?: IntPair | UnfoldOptions, opts?: UnfoldOptions, ...rest: never[]) {
    super();
    noExtraArgs('Unfold', 'kernelSize, opts', rest);
    const o = splitArgs('Unfold', ['kernelSize'], UNFOLD_KEYS, [kernelSize, opts]);
    checkTuple('kernelSize', o.kernelSize, 2, 1);
    checkTuple('opts.dilation', o.dilation ?? 1, 2, 1);
    checkTuple('opts.padding', o.padding ?? 0, 2, 0);
    checkTuple('opts.stride', o.stride ?? 1, 2, 1);
    this.kernelSize = keep(o.kernelSize as IntPair);
    this.dilation = keep((o.dilation ?? 1) as IntPair);
    this.padding = keep((o.padding ?? 0) as IntPair);
    this.stride = keep((o.stride ?? 1) as IntPair);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return unfold(input, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, dilation=${show(this.dilation)}, padding=${show(this.padding)}, stride=${show(this.stride)}`;
  }
}

/** Combines sliding blocks: forward(x) = F.fold(x, outputSize, kernelSize, {dilation, padding, stride}). */
export class Fold extends Module {
  readonly outputSize: IntPair;
  readonly kernelSize: IntPair;
  readonly dilation: IntPair;
  readonly padding: IntPair;
  readonly stride: IntPair;
  constructor(outputSize?: IntPair | FoldOptions, kernelSize?: IntPair | FoldOptions, opts?: FoldOptions, ...rest: never[]) {
    super();
    noExtraArgs('Fold', 'outputSize, kernelSize, opts', rest);
    const o = splitArgs('Fold', ['outputSize', 'kernelSize'], FOLD_KEYS, [outputSize, kernelSize, opts]);
    checkTuple('outputSize', o.outputSize, 2, 1);
    checkTuple('kernelSize', o.kernelSize, 2, 1);
    checkTuple('opts.dilation', o.dilation ?? 1, 2, 1);
    checkTuple('opts.padding', o.padding ?? 0, 2, 0);
    checkTuple('opts.stride', o.stride ?? 1, 2, 1);
    this.outputSize = keep(o.outputSize as IntPair);
    this.kernelSize = keep(o.kernelSize as IntPair);
    this.dilation = keep((o.dilation ?? 1) as IntPair);
    this.padding = keep((o.padding ?? 0) as IntPair);
    this.stride = keep((o.stride ?? 1) as IntPair);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'input', rest);
    return fold(input, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  extraRepr(): string {
    return `output_size=${show(this.outputSize)}, kernel_size=${show(this.kernelSize)}, dilation=${show(this.dilation)}, padding=${show(this.padding)}, stride=${show(this.stride)}`;
  }
}
