// lib/data/augment.ts — torchvision 0.14's automatic augmentation policies as transforms:
// AutoAugment(policy 'imagenet' | 'cifar10' | 'svhn'), RandAugment(numOps = 2, magnitude = 9,
// numMagnitudeBins = 31) and TrivialAugmentWide(numMagnitudeBins = 31), each with a last {interpolation
// ('nearest' default, or 'bilinear'), fill} options. They take an Image or a uint8 tensor
// [..., 1 or 3, H, W] (as torchvision: posterize / equalize / solarize work on 8-bit pixels) and
// return the same kind. The policy tables, the magnitude bins (float32 linspace, as torch) and the
// ops (applyOp: torchvision's _apply_op over torch.data.transforms.functional) are torchvision's;
// the draws (which sub-policy / op, the probabilities, signs and magnitude bins) are made in
// torchvision's order from torchlet's global generator, so torch.manualSeed reproduces them.
// transforms.ts re-exports the three classes; applyOp and augmentationSpace are internal.
import { checkInt, invalidArg, checkOptionKeys, dtypeError, noExtraArgs } from '../errors';
import { uniforms, randint } from '../random';
import { toPlanes, checkFill, checkInterp, Interpolation, roundHalfEven } from './pixels';
import { Transform, ImageLike, registerTransforms } from './transform_base';
import * as F from './transforms_functional';

export type AutoAugmentPolicy = 'imagenet' | 'cifar10' | 'svhn';
type Op = [string, number, number | null];

/** torchvision's _apply_op: one named op at a magnitude (fill: per channel, or null). */
export function applyOp(img: ImageLike, op: string, magnitude: number, interpolation: Interpolation, fill: number[] | null): ImageLike {
  const o = { interpolation, fill: fill ?? undefined };
  const deg = (v: number) => (Math.atan(v) * 180) / Math.PI;
  switch (op) {
    case 'ShearX':
      return F.affine(img, 0, [0, 0], 1, [deg(magnitude), 0], { ...o, center: [0, 0] });
    case 'ShearY':
      return F.affine(img, 0, [0, 0], 1, [0, deg(magnitude)], { ...o, center: [0, 0] });
    case 'TranslateX':
      return F.affine(img, 0, [Math.trunc(magnitude), 0], 1, [0, 0], o);
    case 'TranslateY':
      return F.affine(img, 0, [0, Math.trunc(magnitude)], 1, [0, 0], o);
    case 'Rotate':
      return F.rotate(img, magnitude, o);
    case 'Brightness':
      return F.adjustBrightness(img, 1 + magnitude);
    case 'Color':
      return F.adjustSaturation(img, 1 + magnitude);
    case 'Contrast':
      return F.adjustContrast(img, 1 + magnitude);
    case 'Sharpness':
      return F.adjustSharpness(img, 1 + magnitude);
    case 'Posterize':
      return F.posterize(img, Math.trunc(magnitude));
    case 'Solarize':
      return F.solarize(img, magnitude);
    case 'AutoContrast':
      return F.autocontrast(img);
    case 'Equalize':
      return F.equalize(img);
    case 'Invert':
      return F.invert(img);
    case 'Identity':
      return img;
  }
  return invalidArg('op', 'a known augmentation op', op);
}

/** 8 - round(arange(n) / ((n - 1) / levels)) (torch, float32, round half to even). */
function posterizeBins(n: number, levels: number): number[] {
  const d = Math.fround((n - 1) / levels);
  return Array.from({ length: n }, (_, i) => 8 - roundHalfEven(Math.fround(i / d)));
}
/** The ops and their magnitudes ([bins] or null for none) and whether they are signed, in torchvision's order. */
export function augmentationSpace(kind: 'auto' | 'rand' | 'trivial', numBins: number, height: number, width: number): [string, number[] | null, boolean][] {
  const wide = kind === 'trivial';
  const m = wide ? 0.99 : 0.9;
  const space: [string, number[] | null, boolean][] = [
    ['ShearX', F.linspace32(0, wide ? 0.99 : 0.3, numBins), true],
    ['ShearY', F.linspace32(0, wide ? 0.99 : 0.3, numBins), true],
    ['TranslateX', F.linspace32(0, wide ? 32 : (150 / 331) * width, numBins), true],
    ['TranslateY', F.linspace32(0, wide ? 32 : (150 / 331) * height, numBins), true],
    ['Rotate', F.linspace32(0, wide ? 135 : 30, numBins), true],
    ['Brightness', F.linspace32(0, m, numBins), true],
    ['Color', F.linspace32(0, m, numBins), true],
    ['Contrast', F.linspace32(0, m, numBins), true],
    ['Sharpness', F.linspace32(0, m, numBins), true],
    ['Posterize', posterizeBins(numBins, wide ? 6 : 4), false],
    ['Solarize', F.linspace32(255, 0, numBins), false],
    ['AutoContrast', null, false],
    ['Equalize', null, false],
  ];
  if (kind === 'auto') space.push(['Invert', null, false]);
  else space.unshift(['Identity', null, false]);
  return space;
}

// prettier-ignore
const POLICIES: Record<AutoAugmentPolicy, [Op, Op][]> = {
  imagenet: [
    [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]], [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]], [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
    [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]], [['Equalize', 0.4, null], ['Solarize', 0.2, 4]], [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
    [['Solarize', 0.6, 3], ['Equalize', 0.6, null]], [['Posterize', 0.8, 5], ['Equalize', 1.0, null]], [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]],
    [['Equalize', 0.6, null], ['Posterize', 0.4, 6]], [['Rotate', 0.8, 8], ['Color', 0.4, 0]], [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
    [['Equalize', 0.0, null], ['Equalize', 0.8, null]], [['Invert', 0.6, null], ['Equalize', 1.0, null]], [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Rotate', 0.8, 8], ['Color', 1.0, 2]], [['Color', 0.8, 8], ['Solarize', 0.8, 7]], [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
    [['ShearX', 0.6, 5], ['Equalize', 1.0, null]], [['Color', 0.4, 0], ['Equalize', 0.6, null]], [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
    [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]], [['Invert', 0.6, null], ['Equalize', 1.0, null]], [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  ],
  cifar10: [
    [['Invert', 0.1, null], ['Contrast', 0.2, 6]], [['Rotate', 0.7, 2], ['TranslateX', 0.3, 9]], [['Sharpness', 0.8, 1], ['Sharpness', 0.9, 3]],
    [['ShearY', 0.5, 8], ['TranslateY', 0.7, 9]], [['AutoContrast', 0.5, null], ['Equalize', 0.9, null]], [['ShearY', 0.2, 7], ['Posterize', 0.3, 7]],
    [['Color', 0.4, 3], ['Brightness', 0.6, 7]], [['Sharpness', 0.3, 9], ['Brightness', 0.7, 9]], [['Equalize', 0.6, null], ['Equalize', 0.5, null]],
    [['Contrast', 0.6, 7], ['Sharpness', 0.6, 5]], [['Color', 0.7, 7], ['TranslateX', 0.5, 8]], [['Equalize', 0.3, null], ['AutoContrast', 0.4, null]],
    [['TranslateY', 0.4, 3], ['Sharpness', 0.2, 6]], [['Brightness', 0.9, 6], ['Color', 0.2, 8]], [['Solarize', 0.5, 2], ['Invert', 0.0, null]],
    [['Equalize', 0.2, null], ['AutoContrast', 0.6, null]], [['Equalize', 0.2, null], ['Equalize', 0.6, null]], [['Color', 0.9, 9], ['Equalize', 0.6, null]],
    [['AutoContrast', 0.8, null], ['Solarize', 0.2, 8]], [['Brightness', 0.1, 3], ['Color', 0.7, 0]], [['Solarize', 0.4, 5], ['AutoContrast', 0.9, null]],
    [['TranslateY', 0.9, 9], ['TranslateY', 0.7, 9]], [['AutoContrast', 0.9, null], ['Solarize', 0.8, 3]], [['Equalize', 0.8, null], ['Invert', 0.1, null]],
    [['TranslateY', 0.7, 9], ['AutoContrast', 0.9, null]],
  ],
  svhn: [
    [['ShearX', 0.9, 4], ['Invert', 0.2, null]], [['ShearY', 0.9, 8], ['Invert', 0.7, null]], [['Equalize', 0.6, null], ['Solarize', 0.6, 6]],
    [['Invert', 0.9, null], ['Equalize', 0.6, null]], [['Equalize', 0.6, null], ['Rotate', 0.9, 3]], [['ShearX', 0.9, 4], ['AutoContrast', 0.8, null]],
    [['ShearY', 0.9, 8], ['Invert', 0.4, null]], [['ShearY', 0.9, 5], ['Solarize', 0.2, 6]], [['Invert', 0.9, null], ['AutoContrast', 0.8, null]],
    [['Equalize', 0.6, null], ['Rotate', 0.9, 3]], [['ShearX', 0.9, 4], ['Solarize', 0.3, 3]], [['ShearY', 0.8, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.9, null], ['TranslateY', 0.6, 6]], [['Invert', 0.9, null], ['Equalize', 0.6, null]], [['Contrast', 0.3, 3], ['Rotate', 0.8, 4]],
    [['Invert', 0.8, null], ['TranslateY', 0.0, 2]], [['ShearY', 0.7, 6], ['Solarize', 0.4, 8]], [['Invert', 0.6, null], ['Rotate', 0.8, 4]],
    [['ShearY', 0.3, 7], ['TranslateX', 0.9, 3]], [['ShearX', 0.1, 6], ['Invert', 0.6, null]], [['Solarize', 0.7, 2], ['TranslateY', 0.6, 7]],
    [['ShearY', 0.8, 4], ['Invert', 0.8, null]], [['ShearX', 0.7, 9], ['TranslateY', 0.8, 3]], [['ShearY', 0.8, 5], ['AutoContrast', 0.7, null]],
    [['ShearX', 0.7, 2], ['Invert', 0.1, null]],
  ],
};
/** The sub-policies of an AutoAugment policy: [[op, probability, magnitude bin | null] x 2]. */
export function policyTable(policy: AutoAugmentPolicy): [Op, Op][] {
  return POLICIES[policy];
}

export interface AugmentOptions {
  interpolation?: Interpolation;
  fill?: number | number[] | null;
}
/** The shared part: options, the image checks and the per-channel fill. */
abstract class AugmentBase extends Transform {
  readonly interpolation: Interpolation;
  readonly fill: number | number[] | null;
  constructor(opts: AugmentOptions | undefined) {
    super();
    opts = checkOptionKeys('opts', opts, ['interpolation', 'fill']);
    this.interpolation = checkInterp(opts.interpolation ?? 'nearest');
    this.fill = opts.fill === undefined || opts.fill === null ? null : checkFill('fill', opts.fill);
  }
  /** [channels, height, width, fill per channel | null], refusing what torchvision's ops cannot take. */
  protected prepare(img: unknown): [number, number, number[] | null] {
    const p = toPlanes(img);
    if (p.dtype !== 'uint8') dtypeError('img', 'an Image or a uint8 tensor [..., 1 or 3, H, W] (the policies work on 8-bit pixels)', img);
    if (p.lead.length === 0 || (p.c !== 1 && p.c !== 3)) invalidArg('img', 'an image of 1 or 3 channels [..., C, H, W]', img);
    const fill = this.fill === null ? null : Array.isArray(this.fill) ? this.fill.slice() : new Array<number>(p.c).fill(this.fill);
    return [p.h, p.w, fill];
  }
  protected optsSpec(): AugmentOptions {
    return { interpolation: this.interpolation, fill: this.fill };
  }
}

/** AutoAugment: one of the policy's 25 sub-policies, each of two ops applied with its probability and magnitude. */
export class AutoAugment extends AugmentBase {
  readonly policy: AutoAugmentPolicy;
  constructor(policy: AutoAugmentPolicy = 'imagenet', opts: AugmentOptions = {}, ...rest: never[]) {
    super(opts);
    noExtraArgs('AutoAugment', 'policy, opts', rest);
    if (!(policy in POLICIES)) invalidArg('policy', "'imagenet', 'cifar10' or 'svhn'", policy);
    this.policy = policy;
  }
  forward(img: unknown): ImageLike {
    const [h, w, fill] = this.prepare(img);
    const id = randint(0, POLICIES[this.policy].length);
    const probs = uniforms(2);
    const signs = [randint(0, 2), randint(0, 2)];
    const space = new Map(augmentationSpace('auto', 10, h, w).map(([n, m, s]) => [n, [m, s] as const]));
    let out = img as ImageLike;
    POLICIES[this.policy][id].forEach(([op, p, bin], i) => {
      if (!(probs[i] <= p)) return;
      const [mags, signed] = space.get(op)!;
      let magnitude = bin !== null && mags ? mags[bin] : 0;
      if (signed && signs[i] === 0) magnitude = -magnitude;
      out = applyOp(out, op, magnitude, this.interpolation, fill);
    });
    return out;
  }
  protected specArgs(): unknown[] {
    return [this.policy, this.optsSpec()];
  }
}

/** RandAugment: numOps ops drawn uniformly, each at the magnitude bin `magnitude` of numMagnitudeBins (sign drawn). */
export class RandAugment extends AugmentBase {
  readonly numOps: number;
  readonly magnitude: number;
  readonly numMagnitudeBins: number;
  constructor(numOps = 2, magnitude = 9, numMagnitudeBins = 31, opts: AugmentOptions = {}, ...rest: never[]) {
    super(opts);
    noExtraArgs('RandAugment', 'numOps, magnitude, numMagnitudeBins, opts', rest);
    this.numOps = checkInt('numOps', numOps, 0);
    this.numMagnitudeBins = checkInt('numMagnitudeBins', numMagnitudeBins, 2);
    this.magnitude = checkInt('magnitude', magnitude, 0);
    if (this.magnitude >= this.numMagnitudeBins) invalidArg('magnitude', `a bin below numMagnitudeBins (${this.numMagnitudeBins})`, this.magnitude);
  }
  forward(img: unknown): ImageLike {
    const [h, w, fill] = this.prepare(img);
    const space = augmentationSpace('rand', this.numMagnitudeBins, h, w);
    let out = img as ImageLike;
    for (let k = 0; k < this.numOps; k++) {
      const [op, mags, signed] = space[randint(0, space.length)];
      let magnitude = mags ? mags[this.magnitude] : 0;
      if (signed && randint(0, 2)) magnitude = -magnitude;
      out = applyOp(out, op, magnitude, this.interpolation, fill);
    }
    return out;
  }
  protected specArgs(): unknown[] {
    return [this.numOps, this.magnitude, this.numMagnitudeBins, this.optsSpec()];
  }
}

/** TrivialAugmentWide: one op drawn uniformly at a magnitude bin drawn uniformly (sign drawn). */
export class TrivialAugmentWide extends AugmentBase {
  readonly numMagnitudeBins: number;
  constructor(numMagnitudeBins = 31, opts: AugmentOptions = {}, ...rest: never[]) {
    super(opts);
    noExtraArgs('TrivialAugmentWide', 'numMagnitudeBins, opts', rest);
    this.numMagnitudeBins = checkInt('numMagnitudeBins', numMagnitudeBins, 2);
  }
  forward(img: unknown): ImageLike {
    const [, , fill] = this.prepare(img);
    const space = augmentationSpace('trivial', this.numMagnitudeBins, 0, 0);
    const [op, mags, signed] = space[randint(0, space.length)];
    let magnitude = mags ? mags[randint(0, mags.length)] : 0;
    if (signed && randint(0, 2)) magnitude = -magnitude;
    return applyOp(img as ImageLike, op, magnitude, this.interpolation, fill);
  }
  protected specArgs(): unknown[] {
    return [this.numMagnitudeBins, this.optsSpec()];
  }
}

registerTransforms([AutoAugment, RandAugment, TrivialAugmentWide]);