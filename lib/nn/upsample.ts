// lib/nn/upsample.ts — nn.Upsample, nn.UpsamplingNearest2d and nn.UpsamplingBilinear2d over
// F.interpolate (lib/ops/upsample.ts), with PyTorch 1.13's arguments (one options object) and
// toString(); the options' types are checked at construction, and, as PyTorch, that exactly one of
// size and scaleFactor is given at forward. 3-D, 4-D and 5-D inputs (every mode F.interpolate has
// for them, 'trilinear' included; no antialias option, as PyTorch's modules).
import { checkOptionKeys, noExtraArgs, typeArg } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { pyFloat } from './normalization';
import { interpolate } from '../ops/upsample';
import type { InterpolateMode } from '../ops/upsample';

export interface UpsampleOptions {
  size?: number | number[];
  scaleFactor?: number | number[];
  /** default 'nearest' */
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}
const tuple = (v: number[], f: (x: number) => string): string => `(${v.map(f).join(', ')}${v.length === 1 ? ',' : ''})`;

function checkSizeOrScale(o: UpsampleOptions): void {
  const ok = (v: unknown, int: boolean): boolean => {
    const good = (x: unknown): boolean => typeof x === 'number' && (int ? Number.isInteger(x) && x >= 1 : Number.isFinite(x) && x > 0);
    return Array.isArray(v) ? v.length > 0 && v.every(good) : good(v);
  };
  if (o.size != null && !ok(o.size, true)) typeArg('opts.size', 'an integer >= 1 or an array of them', o.size);
  if (o.scaleFactor != null && !ok(o.scaleFactor, false)) typeArg('opts.scaleFactor', 'a number > 0 or an array of them', o.scaleFactor);
}

/** Resamples [N, C, W], [N, C, H, W] or [N, C, D, H, W] inputs: F.interpolate with these options. */
export class Upsample extends Module {
  readonly size: number | number[] | null;
  readonly scaleFactor: number | number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;
  constructor(opts: UpsampleOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('Upsample', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor']);
    checkSizeOrScale(o);
    const modes = ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'];
    if (o.mode !== undefined && !modes.includes(o.mode)) typeArg('opts.mode', `one of ${modes.map((m) => `'${m}'`).join(', ')}`, o.mode);
    if (o.alignCorners != null && typeof o.alignCorners !== 'boolean') typeArg('opts.alignCorners', 'a boolean or null', o.alignCorners);
    if (o.recomputeScaleFactor != null && typeof o.recomputeScaleFactor !== 'boolean')
      typeArg('opts.recomputeScaleFactor', 'a boolean or null', o.recomputeScaleFactor);
    this.size = o.size == null ? null : Array.isArray(o.size) ? o.size.slice() : o.size;
    this.scaleFactor = o.scaleFactor == null ? null : Array.isArray(o.scaleFactor) ? o.scaleFactor.slice() : o.scaleFactor;
    this.mode = o.mode ?? 'nearest';
    this.alignCorners = o.alignCorners ?? null;
    this.recomputeScaleFactor = o.recomputeScaleFactor ?? null;
  }
  /** F.interpolate with the module's options (as PyTorch, a module without size or scaleFactor, or with both, fails here). */
  forward(x: Tensor): Tensor {
    return interpolate(x, {
      ...(this.size != null ? { size: this.size } : {}),
      ...(this.scaleFactor != null ? { scaleFactor: this.scaleFactor } : {}),
      mode: this.mode, alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }
  extraRepr(): string {
    const info = this.scaleFactor != null
      ? `scale_factor=${Array.isArray(this.scaleFactor) ? tuple(this.scaleFactor, pyFloat) : pyFloat(this.scaleFactor)}`
      : `size=${Array.isArray(this.size) ? tuple(this.size, String) : this.size == null ? 'None' : String(this.size)}`;
    return `${info}, mode=${this.mode}`;
  }
}
/** Upsample with mode 'nearest' (any input F.interpolate's 'nearest' takes, as PyTorch). */
export class UpsamplingNearest2d extends Upsample {
  constructor(opts: { size?: number | number[]; scaleFactor?: number | number[] } = {}, ...rest: never[]) {
    noExtraArgs('UpsamplingNearest2d', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['size', 'scaleFactor']);
    super({ ...o, mode: 'nearest' });
  }
}
/** Upsample with mode 'bilinear' and alignCorners true (4-D inputs), as PyTorch's. */
export class UpsamplingBilinear2d extends Upsample {
  constructor(opts: { size?: number | number[]; scaleFactor?: number | number[] } = {}, ...rest: never[]) {
    noExtraArgs('UpsamplingBilinear2d', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['size', 'scaleFactor']);
    super({ ...o, mode: 'bilinear', alignCorners: true });
  }
}
