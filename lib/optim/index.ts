// lib/optim/index.ts — the `optim` namespace.
export { Optimizer } from './optimizer';
export { Adam, AdamW } from './adam';
export { SGD } from './sgd';
export * as lrScheduler from './lr_scheduler';
