// lib/models/resnet.ts — torchvision's ResNet family (torchvision.models.resnet, 0.14), as opposed
// to the seed's `resnet18` in classic.ts: conv1 7x7/2 (no bias) + bn1 + relu + maxpool 3/2, four
// stages layer1..layer4 of BasicBlocks (ResNet-18/34) or Bottlenecks (ResNet-50/101/152, ResNeXt,
// Wide ResNet) with 64, 128, 256, 512 planes (stride 2, or dilation with replaceStrideWithDilation,
// and a conv1x1 + norm `downsample` on the first block of a stage that changes shape), avgpool
// (adaptive 1x1), fc. Attribute names and order are torchvision's, so stateDict() keys are PyTorch's
// (`layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `layer2.0.downsample.1.running_mean`,
// `fc.weight`, ...) and a torchvision state_dict loads with a strict loadStateDict.
// Options are torchvision's constructor arguments: numClasses, zeroInitResidual, groups,
// widthPerGroup, replaceStrideWithDilation ([bool, bool, bool]), normLayer (a function or a Module
// class called with the number of channels; default BatchNorm2d), plus torchlet's inChannels.
// Initialisation is torchvision's: kaiming_normal_(fan_out, relu) for conv weights, BatchNorm2d /
// GroupNorm weight 1 / bias 0 (zeroInitResidual: the last norm of each block 0), Linear left at its
// default (PyTorch's). The blocks' ReLUs are not in-place (repr `ReLU()`, torchvision prints
// `ReLU(inplace=True)`); the numbers are the same.
import { checkInt, checkOptionKeys, typeArg, invalidArg, optBool } from '../errors';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { Linear, ReLU, MaxPool2d, Sequential } from '../nn/layers';
import { Conv2d } from '../nn/conv';
import { AdaptiveAvgPool2d } from '../nn/pooling';
import { BatchNorm2d, GroupNorm } from '../nn/normalization';
import * as init from '../nn/init';
import { add } from '../ops/elementwise';
import type { ModelOptions } from './classic';

/** torchvision's norm_layer: called with the number of channels (a function, or a Module class such as nn.BatchNorm2d, constructed with `new`). */
export type NormLayer = ((numFeatures: number) => Module) | (new (numFeatures: number) => Module);

/** Checks a normLayer option (undefined / null: BatchNorm2d). */
export function checkNormLayer(name: string, v: unknown): NormLayer | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'function') typeArg(name, 'a function (numFeatures) => nn.Module or an nn.Module class', v);
  return v as NormLayer;
}
/** normLayer(n), or new BatchNorm2d(n) without one; the result must be an nn.Module. */
export function makeNorm(name: string, normLayer: NormLayer | undefined, n: number): Module {
  if (!normLayer) return new BatchNorm2d(n);
  const m = normLayer.prototype instanceof Module ? new (normLayer as new (n: number) => Module)(n) : (normLayer as (n: number) => Module)(n);
  if (!(m instanceof Module)) typeArg(name, 'a function returning an nn.Module', m);
  return m;
}

/** torchvision's conv3x3: 3x3, padding = dilation, no bias. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, dilation, bias: false });
}
/** torchvision's conv1x1: 1x1, no bias. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** A residual block's options (torchvision's positional arguments after inplanes, planes). */
export interface BlockOptions {
  stride?: number;
  downsample?: Module | null;
  groups?: number;
  baseWidth?: number;
  dilation?: number;
  normLayer?: NormLayer | null;
}
const BLOCK_KEYS = ['stride', 'downsample', 'groups', 'baseWidth', 'dilation', 'normLayer'];
function checkBlockOptions(inPlanes: number, planes: number, opts: BlockOptions | undefined): Required<Omit<BlockOptions, 'normLayer'>> & { normLayer?: NormLayer } {
  const o = checkOptionKeys('opts', opts, BLOCK_KEYS);
  checkInt('inPlanes', inPlanes, 1);
  checkInt('planes', planes, 1);
  const stride = checkInt('opts.stride', o.stride === undefined ? 1 : o.stride, 1);
  const groups = checkInt('opts.groups', o.groups === undefined ? 1 : o.groups, 1);
  const baseWidth = checkInt('opts.baseWidth', o.baseWidth === undefined ? 64 : o.baseWidth, 1);
  const dilation = checkInt('opts.dilation', o.dilation === undefined ? 1 : o.dilation, 1);
  if (o.downsample !== undefined && o.downsample !== null && !(o.downsample instanceof Module))
    typeArg('opts.downsample', 'a Module (nn.Sequential) or null', o.downsample);
  return { stride, groups, baseWidth, dilation, downsample: o.downsample ?? null, normLayer: checkNormLayer('opts.normLayer', o.normLayer) };
}

/** torchvision's BasicBlock (expansion 1): conv3x3-bn-relu-conv3x3-bn, plus identity or downsample, relu. groups 1 and baseWidth 64 only, no dilation (as torchvision). */
export class BasicBlock extends Module {
  static readonly expansion: number = 1;
  conv1: Conv2d;
  bn1: Module;
  relu: ReLU;
  conv2: Conv2d;
  bn2: Module;
  downsample: Module | null;
  stride: number;
  constructor(inPlanes: number, planes: number, opts: BlockOptions = {}) {
    super();
    const o = checkBlockOptions(inPlanes, planes, opts);
    if (o.groups !== 1) invalidArg('opts.groups', '1 (BasicBlock only supports groups=1 and baseWidth=64)', o.groups);
    if (o.baseWidth !== 64) invalidArg('opts.baseWidth', '64 (BasicBlock only supports groups=1 and baseWidth=64)', o.baseWidth);
    if (o.dilation > 1) invalidArg('opts.dilation', '1 (dilation > 1 is not supported in BasicBlock)', o.dilation);
    this.conv1 = conv3x3(inPlanes, planes, o.stride);
    this.bn1 = makeNorm('opts.normLayer', o.normLayer, planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = makeNorm('opts.normLayer', o.normLayer, planes);
    this.downsample = o.downsample;
    this.stride = o.stride;
  }
  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)) as Tensor);
    out = this.bn2.forward(this.conv2.forward(out)) as Tensor;
    const identity = this.downsample ? (this.downsample.forward(x) as Tensor) : x;
    return this.relu.forward(add(out, identity));
  }
}

/** torchvision's Bottleneck (expansion 4, ResNet V1.5: the stride on the 3x3): conv1x1-bn-relu, conv3x3 (groups, dilation)-bn-relu, conv1x1-bn, plus identity or downsample, relu; width = floor(planes * baseWidth / 64) * groups. */
export class Bottleneck extends Module {
  static readonly expansion: number = 4;
  conv1: Conv2d;
  bn1: Module;
  conv2: Conv2d;
  bn2: Module;
  conv3: Conv2d;
  bn3: Module;
  relu: ReLU;
  downsample: Module | null;
  stride: number;
  constructor(inPlanes: number, planes: number, opts: BlockOptions = {}) {
    super();
    const o = checkBlockOptions(inPlanes, planes, opts);
    const width = Math.floor(planes * (o.baseWidth / 64)) * o.groups;
    if (width < 1) invalidArg('opts.baseWidth', `a width with floor(planes * baseWidth / 64) >= 1 (planes ${planes})`, o.baseWidth);
    this.conv1 = conv1x1(inPlanes, width);
    this.bn1 = makeNorm('opts.normLayer', o.normLayer, width);
    this.conv2 = conv3x3(width, width, o.stride, o.groups, o.dilation);
    this.bn2 = makeNorm('opts.normLayer', o.normLayer, width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = makeNorm('opts.normLayer', o.normLayer, planes * Bottleneck.expansion);
    this.relu = new ReLU();
    this.downsample = o.downsample;
    this.stride = o.stride;
  }
  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)) as Tensor);
    out = this.relu.forward(this.bn2.forward(this.conv2.forward(out)) as Tensor);
    out = this.bn3.forward(this.conv3.forward(out)) as Tensor;
    const identity = this.downsample ? (this.downsample.forward(x) as Tensor) : x;
    return this.relu.forward(add(out, identity));
  }
}

/** The block classes TorchvisionResNet builds from (BasicBlock, Bottleneck or a subclass). */
export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

/** torchvision's ResNet constructor options (and torchlet's inChannels, default 3). */
export interface ResNetOptions extends ModelOptions {
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  replaceStrideWithDilation?: [boolean, boolean, boolean] | boolean[] | null;
  normLayer?: NormLayer | null;
}
const RESNET_KEYS = ['numClasses', 'inChannels', 'zeroInitResidual', 'groups', 'widthPerGroup', 'replaceStrideWithDilation', 'normLayer'];
function checkResNetOptions(opts: ResNetOptions | undefined): ResNetOptions {
  const o = checkOptionKeys('opts', opts, RESNET_KEYS);
  if (o.numClasses !== undefined) checkInt('opts.numClasses', o.numClasses, 1);
  if (o.inChannels !== undefined) checkInt('opts.inChannels', o.inChannels, 1);
  optBool('opts.zeroInitResidual', o.zeroInitResidual, false);
  if (o.groups !== undefined) checkInt('opts.groups', o.groups, 1);
  if (o.widthPerGroup !== undefined) checkInt('opts.widthPerGroup', o.widthPerGroup, 1);
  const r = o.replaceStrideWithDilation;
  if (r !== undefined && r !== null && (!Array.isArray(r) || r.length !== 3 || r.some((b) => typeof b !== 'boolean')))
    invalidArg('opts.replaceStrideWithDilation', 'null or an array of 3 booleans', r);
  checkNormLayer('opts.normLayer', o.normLayer);
  return o;
}
function isBlock(b: unknown): b is ResNetBlock {
  // by prototype: torch.models.BasicBlock is a strict-arity proxy of the class, with its prototype
  if (typeof b !== 'function') return false;
  const p: unknown = b.prototype;
  return p === BasicBlock.prototype || p === Bottleneck.prototype || p instanceof BasicBlock || p instanceof Bottleneck;
}

/**
 * torchvision's ResNet: `new TorchvisionResNet(block, layers, opts)` with block BasicBlock or
 * Bottleneck and layers the blocks per stage ([3, 4, 6, 3] for ResNet-50), or
 * `new TorchvisionResNet(layers, opts)` with BasicBlocks ([2, 2, 2, 2]: ResNet-18).
 */
export class TorchvisionResNet extends Module {
  conv1: Conv2d;
  bn1: Module;
  relu: ReLU;
  maxpool: MaxPool2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;
  private inPlanes = 64;
  private dilation = 1;
  private readonly groups: number;
  private readonly baseWidth: number;
  private readonly normLayer: NormLayer | undefined;
  constructor(layers: number[], opts?: ResNetOptions);
  constructor(block: ResNetBlock, layers: number[], opts?: ResNetOptions);
  constructor(blockOrLayers: ResNetBlock | number[], layersOrOpts?: number[] | ResNetOptions, maybeOpts?: ResNetOptions) {
    super();
    let block: ResNetBlock;
    let layers: unknown;
    let opts: ResNetOptions | undefined;
    if (Array.isArray(blockOrLayers)) {
      block = BasicBlock;
      layers = blockOrLayers;
      if (maybeOpts !== undefined) typeArg('opts', 'the last argument (TorchvisionResNet(layers, opts))', maybeOpts);
      opts = layersOrOpts as ResNetOptions | undefined;
    } else {
      if (!isBlock(blockOrLayers)) typeArg('block', 'BasicBlock or Bottleneck (or an array of 4 block counts)', blockOrLayers);
      block = blockOrLayers;
      layers = layersOrOpts;
      opts = maybeOpts;
    }
    opts = checkResNetOptions(opts);
    if (!Array.isArray(layers) || layers.length !== 4) typeArg('layers', 'an array of 4 block counts', layers);
    const counts = layers as number[];
    counts.forEach((n, i) => checkInt(`layers[${i}]`, n, 1));
    this.groups = opts.groups ?? 1;
    this.baseWidth = opts.widthPerGroup ?? 64;
    this.normLayer = opts.normLayer ?? undefined;
    const dilate = opts.replaceStrideWithDilation ?? [false, false, false];
    this.conv1 = new Conv2d(opts.inChannels ?? 3, this.inPlanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = makeNorm('opts.normLayer', this.normLayer, this.inPlanes);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, counts[0]);
    this.layer2 = this.makeLayer(block, 128, counts[1], 2, dilate[0]);
    this.layer3 = this.makeLayer(block, 256, counts[2], 2, dilate[1]);
    this.layer4 = this.makeLayer(block, 512, counts[3], 2, dilate[2]);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * block.expansion, opts.numClasses ?? 1000);
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      else if (m instanceof BatchNorm2d || m instanceof GroupNorm) {
        if (m.weight) init.constant_(m.weight, 1);
        if (m.bias) init.constant_(m.bias, 0);
      }
    }
    if (opts.zeroInitResidual) {
      for (const m of this.modules()) {
        const last = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        const w = last ? (last as unknown as { weight?: unknown }).weight : null;
        if (w instanceof Tensor) init.constant_(w, 0);
      }
    }
  }
  private makeLayer(block: ResNetBlock, planes: number, blocks: number, stride = 1, dilate = false): Sequential {
    let downsample: Sequential | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    const outPlanes = planes * block.expansion;
    if (stride !== 1 || this.inPlanes !== outPlanes)
      downsample = new Sequential(conv1x1(this.inPlanes, outPlanes, stride), makeNorm('opts.normLayer', this.normLayer, outPlanes));
    const common = { groups: this.groups, baseWidth: this.baseWidth, normLayer: this.normLayer };
    const out: Module[] = [new block(this.inPlanes, planes, { stride, downsample, dilation: previousDilation, ...common })];
    this.inPlanes = outPlanes;
    for (let i = 1; i < blocks; i++) out.push(new block(this.inPlanes, planes, { dilation: this.dilation, ...common }));
    return new Sequential(...out);
  }
  forward(x: Tensor): Tensor {
    x = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)) as Tensor)) as Tensor;
    x = this.layer1.forward(x) as Tensor;
    x = this.layer2.forward(x) as Tensor;
    x = this.layer3.forward(x) as Tensor;
    x = this.layer4.forward(x) as Tensor;
    x = this.avgpool.forward(x) as Tensor;
    x = x.flatten(1);
    return this.fc.forward(x);
  }
}

/** torchvision's _ovewrite_named_param: a factory's fixed option may be passed only with its value. */
function fixed(opts: ResNetOptions | undefined, values: { groups?: number; widthPerGroup: number }, fn: string): ResNetOptions {
  const o = checkResNetOptions(opts);
  for (const k of ['groups', 'widthPerGroup'] as const)
    if (values[k] !== undefined && o[k] !== undefined && o[k] !== values[k]) invalidArg(`opts.${k}`, `${values[k]} (${fn} fixes it) or undefined`, o[k]);
  return { ...o, ...values };
}

/** torchvision.models.resnet18(...) without pretrained weights: BasicBlock [2, 2, 2, 2]. */
export function torchvisionResnet18(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(BasicBlock, [2, 2, 2, 2], opts);
}
/** torchvision.models.resnet34(...): BasicBlock [3, 4, 6, 3]. */
export function torchvisionResnet34(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(BasicBlock, [3, 4, 6, 3], opts);
}
/** torchvision.models.resnet50(...): Bottleneck [3, 4, 6, 3]. */
export function torchvisionResnet50(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 6, 3], opts);
}
/** torchvision.models.resnet101(...): Bottleneck [3, 4, 23, 3]. */
export function torchvisionResnet101(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 23, 3], opts);
}
/** torchvision.models.resnet152(...): Bottleneck [3, 8, 36, 3]. */
export function torchvisionResnet152(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 8, 36, 3], opts);
}
/** torchvision.models.resnext50_32x4d(...): Bottleneck [3, 4, 6, 3], groups 32, widthPerGroup 4. */
export function torchvisionResnext50_32x4d(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 6, 3], fixed(opts, { groups: 32, widthPerGroup: 4 }, 'torchvisionResnext50_32x4d'));
}
/** torchvision.models.resnext101_32x8d(...): Bottleneck [3, 4, 23, 3], groups 32, widthPerGroup 8. */
export function torchvisionResnext101_32x8d(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 23, 3], fixed(opts, { groups: 32, widthPerGroup: 8 }, 'torchvisionResnext101_32x8d'));
}
/** torchvision.models.resnext101_64x4d(...): Bottleneck [3, 4, 23, 3], groups 64, widthPerGroup 4. */
export function torchvisionResnext101_64x4d(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 23, 3], fixed(opts, { groups: 64, widthPerGroup: 4 }, 'torchvisionResnext101_64x4d'));
}
/** torchvision.models.wide_resnet50_2(...): Bottleneck [3, 4, 6, 3], widthPerGroup 128 (the 3x3 twice as wide). */
export function torchvisionWideResnet50_2(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 6, 3], fixed(opts, { widthPerGroup: 128 }, 'torchvisionWideResnet50_2'));
}
/** torchvision.models.wide_resnet101_2(...): Bottleneck [3, 4, 23, 3], widthPerGroup 128 (the 3x3 twice as wide). */
export function torchvisionWideResnet101_2(opts: ResNetOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet(Bottleneck, [3, 4, 23, 3], fixed(opts, { widthPerGroup: 128 }, 'torchvisionWideResnet101_2'));
}
