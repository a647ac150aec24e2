// lib/models/vgg.ts — torchvision 0.14's VGG (torchvision.models.vgg11 ... vgg19_bn), as opposed to the
// seed's `vgg16` in classic.ts: `features` (torchvision's make_layers of a cfg: 3x3 convs with bias,
// [BatchNorm2d,] ReLU(inplace=True), MaxPool2d(2, 2) at 'M'), avgpool AdaptiveAvgPool2d((7, 7)),
// classifier Linear(512*7*7, 4096), ReLU, Dropout, Linear(4096, 4096), ReLU, Dropout, Linear(4096,
// numClasses). stateDict() keys are torchvision's (`features.0.weight`, `features.1.running_mean`
// with batch norm, `classifier.6.bias`, ...), so a torchvision state_dict loads with a strict
// loadStateDict. Options: numClasses, initWeights, dropout (torchvision's), inChannels (torchlet's,
// default 3). Initialisation (initWeights, default true) is torchvision's: conv kaiming_normal_(fan_out,
// relu), bias 0; BatchNorm 1 / 0; Linear normal(0, 0.01), bias 0.
import { checkInt, checkOptionKeys, invalidArg, optBool, typeArg } from '../errors';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { Linear, ReLU, MaxPool2d, Dropout, Sequential } from '../nn/layers';
import { Conv2d } from '../nn/conv';
import { AdaptiveAvgPool2d } from '../nn/pooling';
import { BatchNorm2d } from '../nn/normalization';
import * as init from '../nn/init';
import { checkP } from '../ops/dropout';

/** torchvision's VGG configurations: 'A' (VGG-11), 'B' (13), 'D' (16), 'E' (19); numbers are conv widths, 'M' a max pool. */
export const VGG_CFGS: Readonly<Record<'A' | 'B' | 'D' | 'E', readonly (number | 'M')[]>> = Object.freeze({
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
});

/** torchvision's make_layers: the `features` Sequential of a cfg (conv widths and 'M'), with or without BatchNorm2d. */
export function vggMakeLayers(cfg: readonly (number | 'M')[], opts: { batchNorm?: boolean; inChannels?: number } = {}): Sequential {
  const o = checkOptionKeys('opts', opts, ['batchNorm', 'inChannels']);
  const bn = optBool('opts.batchNorm', o.batchNorm, false);
  let inC = checkInt('opts.inChannels', o.inChannels === undefined ? 3 : o.inChannels, 1);
  if (!Array.isArray(cfg)) typeArg('cfg', "an array of conv widths and 'M'", cfg);
  if (cfg.length > 4096) invalidArg('cfg', 'at most 4096 entries', cfg.length);
  const layers: Module[] = [];
  cfg.forEach((v, i) => {
    if (v === 'M') layers.push(new MaxPool2d(2, { stride: 2 }));
    else {
      checkInt(`cfg[${i}]`, v, 1);
      layers.push(new Conv2d(inC, v, 3, { padding: 1 }));
      if (bn) layers.push(new BatchNorm2d(v));
      layers.push(new ReLU({ inplace: true }));
      inC = v;
    }
  });
  return new Sequential(...layers);
}

export interface VGGOptions {
  numClasses?: number;
  initWeights?: boolean;
  dropout?: number;
}
/** torchvision's VGG(features, num_classes, init_weights, dropout); features must end with 512 channels. */
export class VGG extends Module {
  features: Module;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor(features: Module, opts: VGGOptions = {}) {
    super();
    if (!(features instanceof Module)) typeArg('features', 'an nn.Module (vggMakeLayers(cfg))', features);
    const o = checkOptionKeys('opts', opts, ['numClasses', 'initWeights', 'dropout']);
    const numClasses = checkInt('opts.numClasses', o.numClasses === undefined ? 1000 : o.numClasses, 1);
    const initWeights = optBool('opts.initWeights', o.initWeights, true);
    const p = checkP(o.dropout === undefined ? 0.5 : o.dropout, 'opts.dropout');
    this.features = features;
    this.avgpool = new AdaptiveAvgPool2d([7, 7]);
    this.classifier = new Sequential(
      new Linear(512 * 7 * 7, 4096), new ReLU({ inplace: true }), new Dropout(p),
      new Linear(4096, 4096), new ReLU({ inplace: true }), new Dropout(p),
      new Linear(4096, numClasses),
    );
    if (initWeights) {
      for (const m of this.modules()) {
        if (m instanceof Conv2d) {
          init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
          if (m.bias) init.constant_(m.bias, 0);
        } else if (m instanceof BatchNorm2d) {
          if (m.weight) init.constant_(m.weight, 1);
          if (m.bias) init.constant_(m.bias, 0);
        } else if (m instanceof Linear) {
          init.normal_(m.weight, 0, 0.01);
          if (m.bias) init.constant_(m.bias, 0);
        }
      }
    }
  }
  forward(x: Tensor): Tensor {
    x = this.features.forward(x) as Tensor;
    x = this.avgpool.forward(x) as Tensor;
    return this.classifier.forward(x.flatten(1)) as Tensor;
  }
}

/** The factories' options: VGG's and torchlet's inChannels (default 3). */
export interface TorchvisionVGGOptions extends VGGOptions {
  inChannels?: number;
}
function vgg(cfg: 'A' | 'B' | 'D' | 'E', batchNorm: boolean, opts: TorchvisionVGGOptions | undefined): VGG {
  const o = checkOptionKeys('opts', opts, ['numClasses', 'initWeights', 'dropout', 'inChannels']);
  const { inChannels, ...rest } = o;
  if (rest.numClasses !== undefined) checkInt('opts.numClasses', rest.numClasses, 1);
  if (rest.dropout !== undefined) checkP(rest.dropout, 'opts.dropout');
  optBool('opts.initWeights', rest.initWeights, true);
  return new VGG(vggMakeLayers(VGG_CFGS[cfg], { batchNorm, inChannels }), rest);
}
/** torchvision.models.vgg11(...) without pretrained weights (cfg 'A'). */
export function torchvisionVgg11(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('A', false, opts);
}
/** torchvision.models.vgg11_bn(...): cfg 'A' with BatchNorm2d. */
export function torchvisionVgg11Bn(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('A', true, opts);
}
/** torchvision.models.vgg13(...) (cfg 'B'). */
export function torchvisionVgg13(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('B', false, opts);
}
/** torchvision.models.vgg13_bn(...). */
export function torchvisionVgg13Bn(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('B', true, opts);
}
/** torchvision.models.vgg16(...) (cfg 'D'). */
export function torchvisionVgg16(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('D', false, opts);
}
/** torchvision.models.vgg16_bn(...). */
export function torchvisionVgg16Bn(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('D', true, opts);
}
/** torchvision.models.vgg19(...) (cfg 'E'). */
export function torchvisionVgg19(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('E', false, opts);
}
/** torchvision.models.vgg19_bn(...). */
export function torchvisionVgg19Bn(opts: TorchvisionVGGOptions = {}): VGG {
  return vgg('E', true, opts);
}
