// lib/models/index.ts — `torch.models`: the seeds' networks as factories.
export { FashionCNN, fashionCnn, initWeights } from './fashion_cnn';
