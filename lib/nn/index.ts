// lib/nn/index.ts — the `nn` namespace: modules, Parameter, init, functional.
export { Module, Parameter, RemovableHandle } from './module';
export type { ForwardHook, ForwardPreHook, FullBackwardHook } from './module';
export * from './layers';
export * from './conv';
export * from './sparse';
export * from './reshape';
export * from './container';
export * from './pooling';
export * from './normalization';
export * from './attention';
export * as init from './init';
export * as functional from './functional';
export * as utils from './utils';
