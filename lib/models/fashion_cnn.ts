// lib/models/fashion_cnn.ts — the seed tutorial's FashionCNN (003): conv 1->32 3x3 pad 1, relu,
// maxpool 2, conv 32->64 3x3 pad 1, relu, maxpool 2, flatten, fc 3136->128, relu, dropout 0.5,
// fc 128->10; and its Kaiming-normal (fan_out, relu) initialisation with zero biases.
// Each conv -> relu -> pool block runs as the fused conv2dReluMaxPool2d (the unfused values within
// float32 rounding, its gradients; the full-size conv output is never stored).
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { Linear, Dropout } from '../nn/layers';
import { Conv2d } from '../nn/conv';
import * as init from '../nn/init';
import { relu } from '../ops/elementwise';
import { conv2dReluMaxPool2d } from '../ops/conv';
import { checkModelOptions } from './classic';

/** maxPool2d(relu(conv.forward(x)), 2) as one fused op. */
function convBlock(conv: Conv2d, x: Tensor): Tensor {
  const o = { stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups };
  return conv2dReluMaxPool2d(x, conv.weight, conv.bias, o, 2);
}

export class FashionCNN extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  fc1: Linear;
  dropout: Dropout;
  fc2: Linear;
  constructor(opts: { numClasses?: number; inChannels?: number } = {}) {
    super();
    opts = checkModelOptions(opts);
    this.conv1 = new Conv2d(opts.inChannels ?? 1, 32, 3, { padding: 1 });
    this.conv2 = new Conv2d(32, 64, 3, { padding: 1 });
    this.fc1 = new Linear(64 * 7 * 7, 128);
    this.dropout = new Dropout(0.5);
    this.fc2 = new Linear(128, opts.numClasses ?? 10);
  }
  forward(x: Tensor): Tensor {
    // = maxPool2d(relu(this.conv1.forward(x)), 2), and the same for conv2
    let h = convBlock(this.conv1, x);
    h = convBlock(this.conv2, h);
    h = h.view(h.shape[0], -1);
    h = this.dropout.forward(relu(this.fc1.forward(h)));
    return this.fc2.forward(h);
  }
}

/** The seed's init_weights: kaiming_normal_(fan_out, relu) for conv/linear weights, zero biases. */
export function initWeights(m: Module): void {
  if (m instanceof Conv2d || m instanceof Linear) {
    init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    if (m.bias) init.constant_(m.bias, 0);
  }
}

/** FashionCNN with the seed's initialisation applied. */
export function fashionCnn(opts: { numClasses?: number; inChannels?: number } = {}): FashionCNN {
  const m = new FashionCNN(opts);
  m.apply(initWeights);
  return m;
}
