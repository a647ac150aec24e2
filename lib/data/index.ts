// lib/data/index.ts — the `data` namespace.
export { readIdx, readIdxFile } from './idx';
export { downloadFile } from './download';
export { FashionMNIST, FASHION_MNIST_CLASSES } from './fashion_mnist';
export {
  Dataset, TensorDataset, ImageDataset, Subset, randomSplit, DataLoader, toTensor, normalize, compose, seededRandom,
} from './dataset';
export type { DataLoaderOptions, ImageTransform } from './dataset';
export { stack } from './collate';
