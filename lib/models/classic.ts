// lib/models/classic.ts — the seeds' classic networks (tutorial 003) as torchvision-style
// factories with the seeds' defaults: lenet5 (28x28 grey), alexnet / vgg16 / googlenet / resnet18
// (224x224 RGB, 1000 classes), and their building blocks vggBlock, Inception and Residual.
// Layer order, shapes and parameter counts are those of the seeds' PyTorch definitions.
import { checkInt, checkOptionKeys, typeArg, invalidArg } from '../errors';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { Linear, ReLU, Tanh, MaxPool2d, Dropout, Flatten, Sequential } from '../nn/layers';
import { Conv2d } from '../nn/conv';
import { AvgPool2d, AdaptiveAvgPool2d } from '../nn/pooling';
import { BatchNorm2d } from '../nn/normalization';
import { relu, add } from '../ops/elementwise';
import { cat } from '../ops/shape';

export interface ModelOptions {
  numClasses?: number;
  inChannels?: number;
}
/** The options, checked before anything is built (a bad numClasses must not wait for the last layer). */
export function checkModelOptions(opts: ModelOptions | undefined): ModelOptions {
  const o = checkOptionKeys('opts', opts, ['numClasses', 'inChannels']);
  if (o.numClasses !== undefined) checkInt('opts.numClasses', o.numClasses, 1);
  if (o.inChannels !== undefined) checkInt('opts.inChannels', o.inChannels, 1);
  return o;
}

/** LeNet-5 as in the seed: tanh activations, average pooling, 1x28x28 input. */
export function lenet5(opts: ModelOptions = {}): Sequential {
  opts = checkModelOptions(opts);
  return new Sequential(
    new Conv2d(opts.inChannels ?? 1, 6, 5, { padding: 2 }), new Tanh(), new AvgPool2d(2, { stride: 2 }),
    new Conv2d(6, 16, 5), new Tanh(), new AvgPool2d(2, { stride: 2 }),
    new Flatten(),
    new Linear(16 * 5 * 5, 120), new Tanh(),
    new Linear(120, 84), new Tanh(),
    new Linear(84, opts.numClasses ?? 10),
  );
}

/** AlexNet as in the seed (no LRN), for 224x224 input. */
export function alexnet(opts: ModelOptions = {}): Sequential {
  opts = checkModelOptions(opts);
  return new Sequential(
    new Conv2d(opts.inChannels ?? 3, 96, 11, { stride: 4, padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(96, 256, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(256, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Flatten(),
    new Linear(6400, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, opts.numClasses ?? 1000),
  );
}

/** numConvs 3x3 conv + ReLU layers, then 2x2 max pooling. */
export function vggBlock(numConvs: number, inChannels: number, outChannels: number): Sequential {
  checkInt('numConvs', numConvs, 0);
  // a bound, so that a wrong number is an error, not a process killed by V8 running out of heap
  if (numConvs > 4096) invalidArg('numConvs', 'an integer in [0, 4096]', numConvs);
  const layers: Module[] = [];
  for (let i = 0; i < numConvs; i++) {
    layers.push(new Conv2d(inChannels, outChannels, 3, { padding: 1 }), new ReLU());
    inChannels = outChannels;
  }
  layers.push(new MaxPool2d(2, { stride: 2 }));
  return new Sequential(...layers);
}
/** VGG-16 from the seed's conv_arch ((2,64),(2,128),(3,256),(3,512),(3,512)). */
export function vgg16(opts: ModelOptions = {}): Sequential {
  opts = checkModelOptions(opts);
  const arch: [number, number][] = [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]];
  let inC = opts.inChannels ?? 3;
  const blocks = arch.map(([n, c]) => {
    const b = vggBlock(n, inC, c);
    inC = c;
    return b;
  });
  return new Sequential(
    ...blocks, new Flatten(),
    new Linear(inC * 7 * 7, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, 4096), new ReLU(), new Dropout(0.5),
    new Linear(4096, opts.numClasses ?? 1000),
  );
}

/** GoogLeNet's Inception block: four parallel paths concatenated on channels. */
export class Inception extends Module {
  p1_1: Conv2d;
  p2_1: Conv2d;
  p2_2: Conv2d;
  p3_1: Conv2d;
  p3_2: Conv2d;
  p4_1: MaxPool2d;
  p4_2: Conv2d;
  constructor(inChannels: number, c1: number, c2: [number, number], c3: [number, number], c4: number) {
    super();
    if (!Array.isArray(c2)) typeArg('c2', 'an array of 2 integers', c2);
    if (!Array.isArray(c3)) typeArg('c3', 'an array of 2 integers', c3);
    this.p1_1 = new Conv2d(inChannels, c1, 1);
    this.p2_1 = new Conv2d(inChannels, c2[0], 1);
    this.p2_2 = new Conv2d(c2[0], c2[1], 3, { padding: 1 });
    this.p3_1 = new Conv2d(inChannels, c3[0], 1);
    this.p3_2 = new Conv2d(c3[0], c3[1], 5, { padding: 2 });
    this.p4_1 = new MaxPool2d(3, { stride: 1, padding: 1 });
    this.p4_2 = new Conv2d(inChannels, c4, 1);
  }
  forward(x: Tensor): Tensor {
    const p1 = relu(this.p1_1.forward(x));
    const p2 = relu(this.p2_2.forward(relu(this.p2_1.forward(x))));
    const p3 = relu(this.p3_2.forward(relu(this.p3_1.forward(x))));
    const p4 = relu(this.p4_2.forward(this.p4_1.forward(x)));
    return cat([p1, p2, p3, p4], 1);
  }
}
export function googlenet(opts: ModelOptions = {}): Sequential {
  opts = checkModelOptions(opts);
  const b1 = new Sequential(new Conv2d(opts.inChannels ?? 3, 64, 7, { stride: 2, padding: 3 }), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 }));
  const b2 = new Sequential(
    new Conv2d(64, 64, 1), new ReLU(), new Conv2d(64, 192, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b3 = new Sequential(
    new Inception(192, 64, [96, 128], [16, 32], 32), new Inception(256, 128, [128, 192], [32, 96], 64),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b4 = new Sequential(
    new Inception(480, 192, [96, 208], [16, 48], 64), new Inception(512, 160, [112, 224], [24, 64], 64),
    new Inception(512, 128, [128, 256], [24, 64], 64), new Inception(512, 112, [144, 288], [32, 64], 64),
    new Inception(528, 256, [160, 320], [32, 128], 128), new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  const b5 = new Sequential(
    new Inception(832, 256, [160, 320], [32, 128], 128), new Inception(832, 384, [192, 384], [48, 128], 128),
    new AdaptiveAvgPool2d([1, 1]), new Flatten(),
  );
  return new Sequential(b1, b2, b3, b4, b5, new Linear(1024, opts.numClasses ?? 1000));
}

/** ResNet's residual block (the seed's Residual): two 3x3 conv + BN, optional 1x1 projection. */
export class Residual extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  conv3: Conv2d | null;
  bn1: BatchNorm2d;
  bn2: BatchNorm2d;
  constructor(inputChannels: number, numChannels: number, opts: { use1x1conv?: boolean; strides?: number } = {}) {
    super();
    opts = checkOptionKeys('opts', opts, ['use1x1conv', 'strides']);
    const s = opts.strides ?? 1;
    this.conv1 = new Conv2d(inputChannels, numChannels, 3, { padding: 1, stride: s });
    this.conv2 = new Conv2d(numChannels, numChannels, 3, { padding: 1 });
    this.conv3 = opts.use1x1conv ? new Conv2d(inputChannels, numChannels, 1, { stride: s }) : null;
    this.bn1 = new BatchNorm2d(numChannels);
    this.bn2 = new BatchNorm2d(numChannels);
  }
  forward(x: Tensor): Tensor {
    let y = relu(this.bn1.forward(this.conv1.forward(x)));
    y = this.bn2.forward(this.conv2.forward(y));
    const skip = this.conv3 ? this.conv3.forward(x) : x;
    return relu(add(y, skip));
  }
}
function resnetBlock(inputChannels: number, numChannels: number, numResiduals: number, firstBlock = false): Residual[] {
  const blk: Residual[] = [];
  for (let i = 0; i < numResiduals; i++) {
    if (i === 0 && !firstBlock) blk.push(new Residual(inputChannels, numChannels, { use1x1conv: true, strides: 2 }));
    else blk.push(new Residual(numChannels, numChannels));
  }
  return blk;
}
export function resnet18(opts: ModelOptions = {}): Sequential {
  opts = checkModelOptions(opts);
  const b1 = new Sequential(
    new Conv2d(opts.inChannels ?? 3, 64, 7, { stride: 2, padding: 3 }), new BatchNorm2d(64), new ReLU(),
    new MaxPool2d(3, { stride: 2, padding: 1 }),
  );
  return new Sequential(
    b1,
    new Sequential(...resnetBlock(64, 64, 2, true)),
    new Sequential(...resnetBlock(64, 128, 2)),
    new Sequential(...resnetBlock(128, 256, 2)),
    new Sequential(...resnetBlock(256, 512, 2)),
    new AdaptiveAvgPool2d([1, 1]), new Flatten(), new Linear(512, opts.numClasses ?? 1000),
  );
}
