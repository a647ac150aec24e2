// lib/nn/reshape.ts — modules that only rearrange elements: nn.PixelShuffle, nn.PixelUnshuffle
// (F.pixelShuffle / F.pixelUnshuffle) and nn.Unflatten (one dim expanded into several, PyTorch's
// x.unflatten(dim, sizes); one size may be -1). PyTorch's printed forms.
import { checkInt, invalidArg, typeArg, shapeError, noExtraArgs } from '../errors';
import { Tensor, checkTensor, normDim } from '../tensor';
import { Module } from './module';
import { pixelShuffle, pixelUnshuffle } from '../ops/pixel_shuffle';
import { reshape } from '../ops/shape';

/** [*, C*r*r, H, W] -> [*, C, H*r, W*r] (r = upscaleFactor). */
export class PixelShuffle extends Module {
  readonly upscaleFactor: number;
  constructor(upscaleFactor: number, ...rest: never[]) {
    super();
    noExtraArgs('PixelShuffle', 'upscaleFactor', rest);
    this.upscaleFactor = checkInt('upscaleFactor', upscaleFactor, 1);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('PixelShuffle.forward', 'input', rest);
    return pixelShuffle(input, this.upscaleFactor);
  }
  extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** [*, C, H*r, W*r] -> [*, C*r*r, H, W] (r = downscaleFactor). */
export class PixelUnshuffle extends Module {
  readonly downscaleFactor: number;
  constructor(downscaleFactor: number, ...rest: never[]) {
    super();
    noExtraArgs('PixelUnshuffle', 'downscaleFactor', rest);
    this.downscaleFactor = checkInt('downscaleFactor', downscaleFactor, 1);
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('PixelUnshuffle.forward', 'input', rest);
    return pixelUnshuffle(input, this.downscaleFactor);
  }
  extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

/** Expands dim `dim` of the input into `unflattenedSize` (its product must be that dim's size; one entry may be -1). */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: number[];
  constructor(dim: number, unflattenedSize: number[], ...rest: never[]) {
    super();
    noExtraArgs('Unflatten', 'dim, unflattenedSize', rest);
    this.dim = checkInt('dim', dim);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || !unflattenedSize.every((s) => Number.isInteger(s) && (s >= 0 || s === -1)))
      typeArg('unflattenedSize', 'a non-empty array of sizes (integers >= 0, or one -1)', unflattenedSize);
    if (unflattenedSize.filter((s) => s === -1).length > 1) invalidArg('unflattenedSize', 'at most one -1', unflattenedSize);
    this.unflattenedSize = unflattenedSize.slice();
  }
  forward(input: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('Unflatten.forward', 'input', rest);
    checkTensor('input', input);
    if (input.ndim === 0) shapeError('input', 'a tensor of at least 1 dim', input);
    const d = normDim(this.dim, input.ndim);
    const n = input.shape[d];
    const sizes = this.unflattenedSize.slice();
    const known = sizes.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    const free = sizes.indexOf(-1);
    if (free >= 0) {
      if (known === 0 || n % known !== 0) shapeError('input', `a dim ${this.dim} whose size can be unflattened into (${sizes.join(', ')})`, input);
      sizes[free] = n / known;
    } else if (known !== n) shapeError('input', `size ${known} at dim ${this.dim} (the product of unflattenedSize)`, input);
    return reshape(input, [...input.shape.slice(0, d), ...sizes, ...input.shape.slice(d + 1)]);
  }
  extraRepr(): string {
    const s = this.unflattenedSize;
    return `dim=${this.dim}, unflattened_size=(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
  }
}
