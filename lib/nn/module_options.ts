// lib/nn/module_options.ts — internal (not exported from torchlet.nn): the constructor-argument helpers
// the activation and dropout modules share: an optional boolean option, the base class of the modules
// whose only option is `inplace`, and (from lib/errors.ts) numberOrOpts.
import { checkOptionKeys, noExtraArgs, typeArg } from '../errors';
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
