// lib/models/mobilenet.ts — torchvision 0.14's MobileNetV2 (torchvision.models.mobilenet_v2) with its
// building blocks Conv2dNormActivation (torchvision.ops.misc: a Sequential of conv, norm, activation)
// and InvertedResidual (expand 1x1 - depthwise 3x3 - project 1x1, residual when stride 1 and
// inp == oup). Attribute names and order are torchvision's, so stateDict() keys are PyTorch's
// (`features.0.0.weight`, `features.1.conv.0.0.weight`, `features.18.1.running_var`,
// `classifier.1.weight`, ...) and a torchvision state_dict loads with a strict loadStateDict.
// Options are torchvision's: numClasses, widthMult, invertedResidualSetting ([t, c, n, s] rows),
// roundNearest, normLayer, dropout (plus torchlet's inChannels, default 3). Initialisation is
// torchvision's: conv kaiming_normal_(fan_out), bias 0; BatchNorm2d / GroupNorm 1 / 0; Linear
// normal(0, 0.01), bias 0. Activations are ReLU6(inplace=True), as torchvision prints them.
import { checkInt, checkNumber, checkOptionKeys, invalidArg, typeArg, optBool } from '../errors';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { Linear, Dropout, Sequential } from '../nn/layers';
import { ReLU6 } from '../nn/activation';
import { Conv2d } from '../nn/conv';
import { BatchNorm2d, GroupNorm } from '../nn/normalization';
import * as init from '../nn/init';
import { add } from '../ops/elementwise';
import { adaptiveAvgPool2d } from '../ops/pool2d';
import { checkP } from '../ops/dropout';
import { NormLayer, checkNormLayer, makeNorm } from './resnet';

/** torchvision's activation_layer: a Module class built with `new A({ inplace })`, or a function (inplace) => Module. */
export type ActivationLayer = (new (opts: { inplace: boolean }) => Module) | ((inplace: boolean) => Module);

/** Conv2dNormActivation's options (torchvision.ops.misc.Conv2dNormActivation's keyword arguments). */
export interface Conv2dNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  padding?: number | null;
  groups?: number;
  /** default BatchNorm2d; null: no norm layer (and a conv bias) */
  normLayer?: NormLayer | null;
  /** default nn.ReLU; null: none */
  activationLayer?: ActivationLayer | null;
  dilation?: number;
  inplace?: boolean;
  /** default: a bias only without a norm layer */
  bias?: boolean | null;
}

/** torchvision.ops.misc.Conv2dNormActivation: Conv2d (padding (k - 1) / 2 * dilation), norm, activation, as a Sequential. */
export class Conv2dNormActivation extends Sequential {
  readonly outChannels: number;
  constructor(inChannels: number, outChannels: number, opts: Conv2dNormActivationOptions = {}) {
    const o = checkOptionKeys('opts', opts, ['kernelSize', 'stride', 'padding', 'groups', 'normLayer', 'activationLayer', 'dilation', 'inplace', 'bias']);
    checkInt('inChannels', inChannels, 1);
    checkInt('outChannels', outChannels, 1);
    const k = checkInt('opts.kernelSize', o.kernelSize === undefined ? 3 : o.kernelSize, 1);
    const dilation = checkInt('opts.dilation', o.dilation === undefined ? 1 : o.dilation, 1);
    const padding = o.padding === undefined || o.padding === null ? Math.floor((k - 1) / 2) * dilation : checkInt('opts.padding', o.padding, 0);
    const normLayer = o.normLayer === null ? null : (checkNormLayer('opts.normLayer', o.normLayer) ?? BatchNorm2d);
    const act = o.activationLayer;
    if (act !== undefined && act !== null && typeof act !== 'function') typeArg('opts.activationLayer', 'an nn.Module class, a function (inplace) => nn.Module or null', act);
    const inplace = optBool('opts.inplace', o.inplace, true);
    const bias = o.bias === undefined || o.bias === null ? normLayer === null : optBool('opts.bias', o.bias, false);
    const layers: Module[] = [new Conv2d(inChannels, outChannels, k, { stride: o.stride === undefined ? 1 : o.stride, padding, dilation, groups: o.groups === undefined ? 1 : o.groups, bias })];
    if (normLayer) layers.push(makeNorm('opts.normLayer', normLayer, outChannels));
    if (act !== null) {
      const A = act ?? ReLU6;
      const m = A.prototype instanceof Module ? new (A as new (o: { inplace: boolean }) => Module)({ inplace }) : (A as (inplace: boolean) => Module)(inplace);
      if (!(m instanceof Module)) typeArg('opts.activationLayer', 'a function returning an nn.Module', m);
      layers.push(m);
    }
    super(...layers);
    this.outChannels = outChannels;
  }
}

/** Python's round() (half to even), as torchvision's int(round(inp * expand_ratio)). */
function pyRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's InvertedResidual: [1x1 expand (if expandRatio != 1)] - 3x3 depthwise (stride) - 1x1 project + norm; x + conv(x) when stride 1 and inp == oup. */
export class InvertedResidual extends Module {
  readonly stride: number;
  readonly useResConnect: boolean;
  conv: Sequential;
  readonly outChannels: number;
  constructor(inp: number, oup: number, stride: number, expandRatio: number, opts: { normLayer?: NormLayer | null } = {}) {
    super();
    const o = checkOptionKeys('opts', opts, ['normLayer']);
    checkInt('inp', inp, 1);
    checkInt('oup', oup, 1);
    checkInt('stride', stride, 1);
    if (stride !== 1 && stride !== 2) invalidArg('stride', '1 or 2', stride);
    if (!(checkNumber('expandRatio', expandRatio) > 0)) invalidArg('expandRatio', 'a positive number', expandRatio);
    const normLayer = checkNormLayer('opts.normLayer', o.normLayer);
    this.stride = stride;
    const hidden = pyRound(inp * expandRatio);
    if (hidden < 1) invalidArg('expandRatio', `a ratio with round(inp * expandRatio) >= 1 (inp ${inp})`, expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1, normLayer, activationLayer: ReLU6 }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, normLayer, activationLayer: ReLU6 }),
      new Conv2d(hidden, oup, 1, { stride: 1, padding: 0, bias: false }),
      makeNorm('opts.normLayer', normLayer, oup),
    );
    this.conv = new Sequential(...layers);
    this.outChannels = oup;
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x) as Tensor;
    return this.useResConnect ? add(x, y) : y;
  }
}

/** torchvision's _make_divisible: v rounded to a multiple of divisor (at least divisor), never below 90% of v. */
export function makeDivisible(v: number, divisor: number): number {
  let nv = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

/** torchvision's MobileNetV2 constructor options (and torchlet's inChannels, default 3). */
export interface MobileNetV2Options {
  numClasses?: number;
  widthMult?: number;
  /** rows [t (expand ratio), c (channels), n (repeats), s (stride of the first)] */
  invertedResidualSetting?: number[][] | null;
  roundNearest?: number;
  normLayer?: NormLayer | null;
  dropout?: number;
  inChannels?: number;
}
const DEFAULT_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];

/** torchvision's MobileNetV2: features (Conv2dNormActivation, InvertedResiduals, 1x1 Conv2dNormActivation to lastChannel), global average pool, classifier (Dropout, Linear). */
export class MobileNetV2 extends Module {
  readonly lastChannel: number;
  features: Sequential;
  classifier: Sequential;
  constructor(opts: MobileNetV2Options = {}) {
    super();
    const o = checkOptionKeys('opts', opts, ['numClasses', 'widthMult', 'invertedResidualSetting', 'roundNearest', 'normLayer', 'dropout', 'inChannels']);
    const numClasses = checkInt('opts.numClasses', o.numClasses === undefined ? 1000 : o.numClasses, 1);
    const widthMult = checkNumber('opts.widthMult', o.widthMult === undefined ? 1 : o.widthMult);
    if (!(widthMult > 0 && Number.isFinite(widthMult))) invalidArg('opts.widthMult', 'a positive number', widthMult);
    const roundNearest = checkInt('opts.roundNearest', o.roundNearest === undefined ? 8 : o.roundNearest, 1);
    const dropout = checkP(o.dropout === undefined ? 0.2 : o.dropout, 'opts.dropout');
    const inChannels = checkInt('opts.inChannels', o.inChannels === undefined ? 3 : o.inChannels, 1);
    const normLayer = checkNormLayer('opts.normLayer', o.normLayer);
    const setting = o.invertedResidualSetting ?? DEFAULT_SETTING;
    if (!Array.isArray(setting) || setting.length === 0 || setting.some((r) => !Array.isArray(r) || r.length !== 4))
      invalidArg('opts.invertedResidualSetting', 'a non-empty array of [t, c, n, s] rows', setting);
    setting.forEach(([t, c, n, s], i) => {
      if (!(checkNumber(`opts.invertedResidualSetting[${i}][0]`, t) > 0)) invalidArg(`opts.invertedResidualSetting[${i}][0]`, 'a positive expand ratio', t);
      checkInt(`opts.invertedResidualSetting[${i}][1]`, c, 1);
      checkInt(`opts.invertedResidualSetting[${i}][2]`, n, 1);
      if (s !== 1 && s !== 2) invalidArg(`opts.invertedResidualSetting[${i}][3]`, 'a stride of 1 or 2', s);
    });
    let inputChannel = makeDivisible(32 * widthMult, roundNearest);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), roundNearest);
    const features: Module[] = [new Conv2dNormActivation(inChannels, inputChannel, { stride: 2, normLayer, activationLayer: ReLU6 })];
    for (const [t, c, n, s] of setting) {
      const outputChannel = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t, { normLayer }));
        inputChannel = outputChannel;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1, normLayer, activationLayer: ReLU6 }));
    this.features = new Sequential(...features);
    this.classifier = new Sequential(new Dropout(dropout), new Linear(this.lastChannel, numClasses));
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingNormal_(m.weight, { mode: 'fan_out' });
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof BatchNorm2d || m instanceof GroupNorm) {
        if (m.weight) init.ones_(m.weight);
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.01);
        if (m.bias) init.zeros_(m.bias);
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.features.forward(x) as Tensor;
    x = adaptiveAvgPool2d(x, [1, 1]).flatten(1);
    return this.classifier.forward(x) as Tensor;
  }
}

/** torchvision.models.mobilenet_v2(...) without pretrained weights. */
export function torchvisionMobilenetV2(opts: MobileNetV2Options = {}): MobileNetV2 {
  return new MobileNetV2(opts);
}
