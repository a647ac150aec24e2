// lib/nn/module_options.ts — internal (not exported from torchlet.nn): the constructor-argument helpers
// the activation and dropout modules share: an optional boolean option, the base class of the modules
// whose only option is `inplace`, (from lib/errors.ts) numberOrOpts, and the options of the transformer
// encoder and decoder layers (transformerLayerOptions).
import { checkOptionKeys, noExtraArgs, typeArg, invalidArg, checkInt, optBool } from '../errors';
import type { Tensor } from '../tensor';
import { checkP } from '../ops/dropout';
export { numberOrOpts } from '../errors';
import type { InplaceOption } from '../ops/activation';
import { Module } from './module';

/** An optional boolean option (undefined: false). */
export function bool(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v as boolean;
}

/**
 * A module whose one option is PyTorch's `inplace` (repr `inplace=True` when set): `new nn.ReLU({inplace: true})`,
 * or positionally as PyTorch users write it (`nn.ReLU(True)` in torchvision's VGG): `new nn.ReLU(true)`.
 */
export abstract class InplaceActivation extends Module {
  readonly inplace: boolean;
  constructor(name: string, opts: boolean | InplaceOption | undefined, rest: readonly unknown[]) {
    super();
    noExtraArgs(name, 'inplace | opts', rest);
    this.inplace = typeof opts === 'boolean' ? opts : bool('opts.inplace', checkOptionKeys('opts', opts, ['inplace']).inplace);
  }
  extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** The options every transformer layer takes (PyTorch's keyword arguments, camelCased). */
export const TRANSFORMER_LAYER_KEYS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst'] as const;
export interface TransformerLayerConfig {
  dimFeedforward: number;
  dropoutP: number;
  activation: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  act: (x: Tensor) => Tensor;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
}
/**
 * A transformer encoder / decoder layer's (dModel, nhead, opts), checked as PyTorch's constructors
 * check them, with its defaults (dimFeedforward 2048, dropout 0.1, relu, layerNormEps 1e-5); `relu` and
 * `gelu` are the activation functions for the names.
 */
export function transformerLayerOptions(
  dModel: number, nhead: number, opts: object, relu: (x: Tensor) => Tensor, gelu: (x: Tensor) => Tensor,
): TransformerLayerConfig {
  const o = checkOptionKeys('opts', opts as Record<string, unknown>, TRANSFORMER_LAYER_KEYS) as Record<string, unknown>;
  checkInt('dModel', dModel, 1);
  checkInt('nhead', nhead, 1);
  if (dModel % nhead) invalidArg('nhead', `a divisor of dModel (${dModel})`, nhead);
  const dimFeedforward = (o.dimFeedforward as number | undefined) ?? 2048;
  checkInt('opts.dimFeedforward', dimFeedforward, 1);
  const dropoutP = checkP((o.dropout as number | undefined) ?? 0.1, 'opts.dropout');
  const activation = (o.activation ?? 'relu') as TransformerLayerConfig['activation'];
  let act: (x: Tensor) => Tensor;
  if (activation === 'relu') act = relu;
  else if (activation === 'gelu') act = (x) => gelu(x);
  else if (typeof activation === 'function') act = activation;
  else return invalidArg('opts.activation', "'relu', 'gelu' or a function of one tensor", activation);
  const layerNormEps = (o.layerNormEps as number | undefined) ?? 1e-5;
  if (typeof layerNormEps !== 'number' || !(layerNormEps >= 0) || !Number.isFinite(layerNormEps))
    invalidArg('opts.layerNormEps', 'a finite number >= 0', o.layerNormEps);
  for (const k of ['batchFirst', 'normFirst']) if (o[k] !== undefined && typeof o[k] !== 'boolean') typeArg(`opts.${k}`, 'a boolean', o[k]);
  return {
    dimFeedforward, dropoutP, activation, act, layerNormEps,
    batchFirst: optBool('opts.batchFirst', o.batchFirst as boolean | undefined, false),
    normFirst: optBool('opts.normFirst', o.normFirst as boolean | undefined, false),
  };
}
