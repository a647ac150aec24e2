// lib/models/resnet.ts — torchvision's ResNet-18 layout (torchvision.models.resnet18), as opposed
// to the seed's `resnet18` in classic.ts: conv1 7x7/2 (no bias) + bn1 + relu + maxpool 3/2, four
// stages layer1..layer4 of two BasicBlocks each (64, 128, 256, 512 channels; stride 2 and a
// conv1x1 + BatchNorm `downsample` on the first block of stages 2-4), avgpool (adaptive 1x1), fc.
// Attribute names and order are torchvision's, so stateDict() keys are PyTorch's
// (`layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `layer2.0.downsample.1.running_mean`,
// `fc.weight`, ...) and a torchvision state_dict loads with a strict loadStateDict.
// Initialisation is torchvision's: kaiming_normal_(fan_out, relu) for conv weights, BatchNorm
// weight 1 / bias 0, Linear left at its default (PyTorch's); no zero_init_residual.
import { checkInt, checkOptionKeys, typeArg } from '../errors';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { Linear, ReLU, MaxPool2d, Sequential } from '../nn/layers';
import { Conv2d } from '../nn/conv';
import { AdaptiveAvgPool2d } from '../nn/pooling';
import { BatchNorm2d } from '../nn/normalization';
import * as init from '../nn/init';
import { add } from '../ops/elementwise';
import { checkModelOptions, ModelOptions } from './classic';

/** torchvision's conv3x3: 3x3, padding 1, no bias. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}
/** torchvision's conv1x1: 1x1, no bias. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** torchvision's BasicBlock (expansion 1): conv3x3-bn-relu-conv3x3-bn, plus identity or downsample, relu. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;
  stride: number;
  constructor(inPlanes: number, planes: number, opts: { stride?: number; downsample?: Sequential | null } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['stride', 'downsample']);
    checkInt('inPlanes', inPlanes, 1);
    checkInt('planes', planes, 1);
    const stride = opts.stride ?? 1;
    checkInt('opts.stride', stride, 1);
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    if (opts.downsample !== undefined && opts.downsample !== null && !(opts.downsample instanceof Module))
      typeArg('opts.downsample', 'a Module (nn.Sequential) or null', opts.downsample);
    this.downsample = opts.downsample ?? null;
    this.stride = stride;
  }
  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample ? (this.downsample.forward(x) as Tensor) : x;
    return this.relu.forward(add(out, identity));
  }
}

/** torchvision's ResNet with BasicBlocks; `layers` = blocks per stage ([2, 2, 2, 2] for ResNet-18). */
export class TorchvisionResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  maxpool: MaxPool2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;
  private inPlanes = 64;
  constructor(layers: [number, number, number, number], opts: ModelOptions = {}) {
    super();
    opts = checkModelOptions(opts);
    if (!Array.isArray(layers) || layers.length !== 4) typeArg('layers', 'an array of 4 block counts', layers);
    layers.forEach((n, i) => checkInt(`layers[${i}]`, n, 1));
    this.conv1 = new Conv2d(opts.inChannels ?? 3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(64, layers[0]);
    this.layer2 = this.makeLayer(128, layers[1], 2);
    this.layer3 = this.makeLayer(256, layers[2], 2);
    this.layer4 = this.makeLayer(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * BasicBlock.expansion, opts.numClasses ?? 1000);
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      else if (m instanceof BatchNorm2d) {
        init.constant_(m.weight!, 1);
        init.constant_(m.bias!, 0);
      }
    }
  }
  private makeLayer(planes: number, blocks: number, stride = 1): Sequential {
    let downsample: Sequential | null = null;
    if (stride !== 1 || this.inPlanes !== planes * BasicBlock.expansion)
      downsample = new Sequential(conv1x1(this.inPlanes, planes * BasicBlock.expansion, stride), new BatchNorm2d(planes * BasicBlock.expansion));
    const out: Module[] = [new BasicBlock(this.inPlanes, planes, { stride, downsample })];
    this.inPlanes = planes * BasicBlock.expansion;
    for (let i = 1; i < blocks; i++) out.push(new BasicBlock(this.inPlanes, planes));
    return new Sequential(...out);
  }
  forward(x: Tensor): Tensor {
    x = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))) as Tensor;
    x = this.layer1.forward(x) as Tensor;
    x = this.layer2.forward(x) as Tensor;
    x = this.layer3.forward(x) as Tensor;
    x = this.layer4.forward(x) as Tensor;
    x = this.avgpool.forward(x) as Tensor;
    x = x.flatten(1);
    return this.fc.forward(x);
  }
}

/** torchvision.models.resnet18(num_classes=...) without pretrained weights: ResNet [2, 2, 2, 2]. */
export function torchvisionResnet18(opts: ModelOptions = {}): TorchvisionResNet {
  return new TorchvisionResNet([2, 2, 2, 2], opts);
}
