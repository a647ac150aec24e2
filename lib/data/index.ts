// lib/data/index.ts — the `data` namespace (torch.utils.data and torchvision's datasets/transforms).
export { readIdx, readIdxFile } from './idx';
export { downloadFile } from './download';
export { FashionMNIST, FASHION_MNIST_CLASSES } from './fashion_mnist';
export {
  TensorDataset, ImageDataset, ConcatDataset, Subset, randomSplit, toTensor, normalize, compose, seededRandom,
} from './dataset';
export type { Dataset, ImageTransform, WorkerDatasetSpec } from './dataset';
export { DataLoader } from './dataloader';
export { IterableDataset, ChainDataset, getWorkerInfo } from './iterable';
export type { IterableDatasetLike, WorkerInfo } from './iterable';
export type { DataLoaderOptions } from './dataloader';
export type { WorkerModuleSpec } from './workers';
export { SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler } from './sampler';
export type { Sampler, RandomSamplerOptions } from './sampler';
export { defaultCollate, stack } from './collate';
export type { SampleDtypes } from './collate';
export * as transforms from './transforms';
export { Image, readImage, decodeImage } from './image';
export type { ImageMode } from './image';
export { ImageFolder, IMG_EXTENSIONS } from './folder';
export type { ImageFolderOptions } from './folder';
export { MNIST, KMNIST, EMNIST, MNIST_CLASSES, KMNIST_CLASSES, EMNIST_CLASSES, EMNIST_SPLITS } from './mnist';
export type { MNISTOptions, EMNISTOptions, EMNISTSplit } from './mnist';
export { QMNIST, QMNIST_WHATS } from './qmnist';
export type { QMNISTOptions, QMNISTWhat } from './qmnist';
export { CIFAR10, CIFAR100, CIFAR10_CLASSES, CIFAR100_CLASSES, CIFAR100_COARSE_CLASSES } from './cifar';
export type { CIFAROptions } from './cifar';
export type { VisionDatasetOptions } from './vision';
export * as utils from './utils';
