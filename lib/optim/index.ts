// lib/optim/index.ts — the `optim` namespace.
export { Optimizer } from './optimizer';
export { Adam, AdamW } from './adam';
export { SGD } from './sgd';
export { RMSprop } from './rmsprop';
export { Adagrad, Adadelta } from './adagrad';
export { Adamax, NAdam, RAdam } from './adamax';
export { LBFGS } from './lbfgs';
export { Rprop, ASGD } from './rprop';
export type { AdamOptions } from './adam';
export type { SGDOptions } from './sgd';
export type { RMSpropOptions } from './rmsprop';
export type { AdagradOptions, AdadeltaOptions } from './adagrad';
export type { AdamaxOptions, NAdamOptions, RAdamOptions } from './adamax';
export type { LBFGSOptions } from './lbfgs';
export type { RpropOptions, ASGDOptions } from './rprop';
export * as lrScheduler from './lr_scheduler';
export * as swaUtils from './swa_utils';
