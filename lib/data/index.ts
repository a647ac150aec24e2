// lib/data/index.ts — the `data` namespace.
export { readIdx, readIdxFile } from './idx';
export { downloadFile } from './download';
export { FashionMNIST, FASHION_MNIST_CLASSES } from './fashion_mnist';
export {
  TensorDataset, ImageDataset, Subset, randomSplit, DataLoader, toTensor, normalize, compose, seededRandom,
} from './dataset';
export type { Dataset, DataLoaderOptions, ImageTransform } from './dataset';
export { stack } from './collate';
