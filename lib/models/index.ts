// lib/models/index.ts — `torch.models`: the seeds' networks as factories.
export { FashionCNN, fashionCnn, initWeights } from './fashion_cnn';
export { lenet5, alexnet, vgg16, vggBlock, googlenet, Inception, resnet18, Residual } from './classic';
export type { ModelOptions } from './classic';
export { torchvisionResnet18, TorchvisionResNet, BasicBlock } from './resnet';
