// lib/models/index.ts — `torch.models`: the seeds' networks as factories.
export { FashionCNN, fashionCnn, initWeights } from './fashion_cnn';
export { lenet5, alexnet, vgg16, vggBlock, googlenet, Inception, resnet18, Residual } from './classic';
export type { ModelOptions } from './classic';
export { torchvisionResnet18, TorchvisionResNet, BasicBlock } from './resnet';
export {
  torchvisionResnet34, torchvisionResnet50, torchvisionResnet101, torchvisionResnet152,
  torchvisionResnext50_32x4d, torchvisionResnext101_32x8d, torchvisionResnext101_64x4d,
  torchvisionWideResnet50_2, torchvisionWideResnet101_2, Bottleneck,
} from './resnet';
export type { ResNetOptions, ResNetBlock, BlockOptions, NormLayer } from './resnet';
export { torchvisionMobilenetV2, MobileNetV2, InvertedResidual, Conv2dNormActivation } from './mobilenet';
export type { MobileNetV2Options, Conv2dNormActivationOptions, ActivationLayer } from './mobilenet';
export {
  torchvisionVgg11, torchvisionVgg11Bn, torchvisionVgg13, torchvisionVgg13Bn,
  torchvisionVgg16, torchvisionVgg16Bn, torchvisionVgg19, torchvisionVgg19Bn, VGG, vggMakeLayers,
} from './vgg';
export type { VGGOptions, TorchvisionVGGOptions } from './vgg';
export { pretrained, getWeights, listPretrained } from './pretrained';
export type { PretrainedName, WeightsInfo, PretrainedOptions } from './pretrained';
export { IMAGENET_CATEGORIES } from './pretrained_table';
