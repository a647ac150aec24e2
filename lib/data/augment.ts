// lib/data/augment.ts — torchvision 0.14's automatic augmentation policies as transforms:
// AutoAugment(policy 'imagenet' | 'cifar10' | 'svhn'), RandAugment(numOps = 2, magnitude = 9,
// numMagnitudeBins = 31) and TrivialAugmentWide(numMagnitudeBins = 31), each with a last {interpolation
// ('nearest' default, or 'bilinear'), fill} options. They take an Image or a uint8 tensor
// [..., 1 or 3, H, W] (as torchvision: posterize / equalize / solarize work on 8-bit pixels) and
// return the same kind. The policy tables, the magnitude bins (float32 linspace, as torch) and the
// ops (applyOp: torchvision's _apply_op over torch.data.transforms.functional) are torchvision's;
// the draws (which sub-policy / op, the probabilities, signs and magnitude bins) are made in
// torchvision's order from torchlet's global generator, so torch.manualSeed reproduces them.
// AugMix({severity = 3, mixtureWidth = 3, chainDepth = -1, alpha = 1, allOps = true, interpolation
// ('bilinear' default), fill}) is torchvision 0.14's AugMix: mixing weights drawn from Dirichlet
// distributions (JavaScript Gamma draws from the global generator, not PyTorch's sampler), chains of
// ops from its own space (AutoAugment's ops, 10 bins, severity bins drawn), the mix computed in
// float32 (float64 for float64 images) and cast back to the image's dtype; augMixApply is that
// computation for given draws (internal, so tests can pin them). AugMix takes float images too, as
// torchvision's code does: the ops that need 8-bit pixels (Posterize, Equalize; Solarize's thresholds
// exceed a float image's bound) then refuse them with their coded errors.
// transforms.ts re-exports the classes; applyOp, augmentationSpace and augMixApply are internal.
import { checkInt, invalidArg, checkOptionKeys, dtypeError, noExtraArgs, typeArg } from '../errors';
import { uniforms, uniform, randint } from '../random';
import { toPlanes, fromPlanes, checkFill, checkInterp, Interpolation, roundHalfEven, normals, Planes } from './pixels';
import { Transform, ImageLike, registerTransforms } from './transform_base';
import { Tensor } from '../tensor';
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

/** top - round(arange(n) / ((n - 1) / levels)) (torch, float32, round half to even); top 8, AugMix's 4. */
function posterizeBins(n: number, levels: number, top = 8): number[] {
  const d = Math.fround((n - 1) / levels);
  return Array.from({ length: n }, (_, i) => top - roundHalfEven(Math.fround(i / d)));
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
  protected prepare(img: unknown, floats = false): [number, number, number[] | null] {
    const p = toPlanes(img);
    if (p.dtype !== 'uint8' && !floats) dtypeError('img', 'an Image or a uint8 tensor [..., 1 or 3, H, W] (the policies work on 8-bit pixels)', img);
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

/** AugMix's op space: [name, magnitudes (10 bins, float32) or null, signed], in torchvision's order. */
export function augMixSpace(allOps: boolean, height: number, width: number): [string, number[] | null, boolean][] {
  const n = 10; // torchvision's _PARAMETER_MAX
  const space: [string, number[] | null, boolean][] = [
    ['ShearX', F.linspace32(0, 0.3, n), true],
    ['ShearY', F.linspace32(0, 0.3, n), true],
    ['TranslateX', F.linspace32(0, width / 3, n), true],
    ['TranslateY', F.linspace32(0, height / 3, n), true],
    ['Rotate', F.linspace32(0, 30, n), true],
    ['Posterize', posterizeBins(n, 4, 4), false],
    ['Solarize', F.linspace32(255, 0, n), false],
    ['AutoContrast', null, false],
    ['Equalize', null, false],
  ];
  if (allOps) for (const op of ['Brightness', 'Color', 'Contrast', 'Sharpness']) space.push([op, F.linspace32(0, 0.9, n), true]);
  return space;
}
/** A Gamma(a, 1) draw (Marsaglia and Tsang; a < 1 through Gamma(a + 1) u^(1 / a)) from the global generator. */
function gammaDraw(a: number): number {
  if (a < 1) return gammaDraw(a + 1) * Math.pow(uniform(), 1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normals(1)[0];
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = uniform();
    if (Math.log(1 - u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
/** One Dirichlet([alpha] * k) draw in float32 (normalized Gamma draws, as torch._sample_dirichlet). */
function dirichletDraw(alpha: number, k: number): number[] {
  const g = Array.from({ length: k }, () => gammaDraw(alpha));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => Math.fround(s > 0 ? v / s : 1 / k));
}

/** One op of an AugMix chain: its name, its magnitude bin (ignored for ops without magnitudes) and whether the magnitude is negated. */
export interface AugMixStep {
  op: string;
  bin: number;
  negate: boolean;
}
/** What AugMix draws: per batch entry (the first dim of a 4-d or larger image, else 1) its Dirichlet([alpha, alpha]) `m` and Dirichlet([alpha] * mixtureWidth) `weights`; the chains' ops. */
export interface AugMixDraws {
  m: number[][];
  weights: number[][];
  chains: AugMixStep[][];
}
/**
 * torchvision's AugMix.forward after its draws: mix = m[0] * img + sum_i weights[i] * m[1] * chain_i(img),
 * in float32 (float64 for float64 images; the weights' products in float32, as torch's float32
 * Dirichlet tensors), cast back to the image's dtype (uint8 truncated). fill: per channel, or null.
 */
export function augMixApply(img: ImageLike, draws: AugMixDraws, allOps: boolean, interpolation: Interpolation, fill: number[] | null): ImageLike {
  const p = toPlanes(img);
  const space = new Map(augMixSpace(allOps, p.h, p.w).map(([n, m, s]) => [n, [m, s] as const]));
  const batch = p.lead.length >= 2 ? p.lead[0] : 1;
  const per = p.data.length / batch;
  const r = p.dtype === 'float64' ? (v: number) => v : Math.fround;
  const f = Math.fround;
  const width = draws.chains.length;
  if (draws.m.length !== batch || draws.weights.length !== batch || draws.weights.some((w) => w.length !== width))
    invalidArg('draws', `for each of ${batch} batch entries m and ${width} weights (one per chain)`, draws);
  const mix = new Float64Array(p.data.length);
  for (let i = 0; i < mix.length; i++) mix[i] = r(f(draws.m[Math.floor(i / per)][0]) * p.data[i]);
  draws.chains.forEach((chain, c) => {
    let aug: ImageLike = img;
    for (const { op, bin, negate } of chain) {
      const meta = space.get(op);
      if (!meta) invalidArg('op', `one of ${[...space.keys()].join(', ')}`, op);
      const [mags, signed] = meta!;
      if (mags && !(Number.isInteger(bin) && bin >= 0 && bin < mags.length)) invalidArg('bin', `a magnitude bin in [0, ${mags.length})`, bin);
      let magnitude = mags ? mags[bin] : 0;
      if (signed && negate) magnitude = -magnitude;
      aug = applyOp(aug, op, magnitude, interpolation, fill);
    }
    const a = toPlanes(aug).data;
    const w = Array.from({ length: batch }, (_, b) => f(f(draws.weights[b][c]) * f(draws.m[b][1])));
    for (let i = 0; i < mix.length; i++) mix[i] = r(mix[i] + r(w[Math.floor(i / per)] * a[i]));
  });
  const out: Planes = { ...p, data: p.dtype === 'uint8' ? Uint8Array.from(mix, (v) => Math.trunc(v)) : p.dtype === 'float64' ? Float64Array.from(mix) : Float32Array.from(mix) };
  return fromPlanes(out);
}

export interface AugMixOptions extends AugmentOptions {
  /** Severity of the ops: magnitude bins drawn from [0, severity), 1..10 (default 3). */
  severity?: number;
  /** Number of chains (default 3). */
  mixtureWidth?: number;
  /** Ops per chain; a value <= 0 draws it from [1, 3] per chain (default -1). */
  chainDepth?: number;
  /** Dirichlet / Beta concentration (default 1). */
  alpha?: number;
  /** Also the Brightness, Color, Contrast and Sharpness ops (default true). */
  allOps?: boolean;
}
/** AugMix: a mix of the image and mixtureWidth chains of random ops, with Dirichlet / Beta weights. */
export class AugMix extends AugmentBase {
  readonly severity: number;
  readonly mixtureWidth: number;
  readonly chainDepth: number;
  readonly alpha: number;
  readonly allOps: boolean;
  constructor(opts: AugMixOptions = {}, ...rest: never[]) {
    const o = checkOptionKeys('opts', opts, ['severity', 'mixtureWidth', 'chainDepth', 'alpha', 'allOps', 'interpolation', 'fill']);
    super({ interpolation: o.interpolation ?? 'bilinear', fill: o.fill });
    noExtraArgs('AugMix', 'opts', rest);
    this.severity = checkInt('severity', o.severity ?? 3, 1);
    if (this.severity > 10) invalidArg('severity', 'an integer in [1, 10]', this.severity);
    this.mixtureWidth = checkInt('mixtureWidth', o.mixtureWidth ?? 3, 1);
    this.chainDepth = checkInt('chainDepth', o.chainDepth ?? -1);
    const alpha = o.alpha ?? 1;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) typeArg('alpha', 'a positive number', alpha);
    if (!(alpha > 0)) invalidArg('alpha', 'a positive number', alpha);
    this.alpha = alpha;
    if (o.allOps !== undefined && typeof o.allOps !== 'boolean') typeArg('allOps', 'a boolean', o.allOps);
    this.allOps = o.allOps ?? true;
  }
  /** The draws of one forward for an image of `batch` entries, in torchvision's order. */
  drawParams(batch: number, height: number, width: number): AugMixDraws {
    checkInt('batch', batch, 1);
    checkInt('height', height, 1);
    checkInt('width', width, 1);
    const m = Array.from({ length: batch }, () => dirichletDraw(this.alpha, 2));
    const weights = Array.from({ length: batch }, () => dirichletDraw(this.alpha, this.mixtureWidth));
    const space = augMixSpace(this.allOps, height, width);
    const chains = Array.from({ length: this.mixtureWidth }, () => {
      const depth = this.chainDepth > 0 ? this.chainDepth : randint(1, 4);
      return Array.from({ length: depth }, () => {
        const [op, mags, signed] = space[randint(0, space.length)];
        const bin = mags ? randint(0, this.severity) : 0;
        return { op, bin, negate: signed ? randint(0, 2) === 1 : false };
      });
    });
    return { m, weights, chains };
  }
  forward(img: unknown): ImageLike {
    return this.applyDraws(img, null);
  }
  /** @internal forward with the given draws (null: drawn here), for tests that pin them. */
  applyDraws(img: unknown, draws: AugMixDraws | null): ImageLike {
    if (draws !== null && (typeof draws !== 'object' || !Array.isArray(draws.m) || !Array.isArray(draws.weights) || !Array.isArray(draws.chains)))
      typeArg('draws', 'null or the draws {m, weights, chains} (drawParams)', draws);
    const [h, w, fill] = this.prepare(img, true);
    const batch = img instanceof Tensor && img.ndim >= 4 ? img.shape[0] : 1;
    return augMixApply(img as ImageLike, draws ?? this.drawParams(batch, h, w), this.allOps, this.interpolation, fill);
  }
  protected specArgs(): unknown[] {
    return [{ severity: this.severity, mixtureWidth: this.mixtureWidth, chainDepth: this.chainDepth, alpha: this.alpha, allOps: this.allOps, ...this.optsSpec() }];
  }
}

registerTransforms([AutoAugment, RandAugment, TrivialAugmentWide, AugMix]);