// lib/nn/module_options.ts — internal (not exported from torchlet.nn): the constructor-argument helpers
// the activation and dropout modules share: a number PyTorch users pass positionally or an options
// object (numberOrOpts), and the base class of the modules whose only option is `inplace`.
import { checkOptionKeys, invalidArg, noExtraArgs, typeArg } from '../errors';
import type { InplaceOption } from '../ops/activation';
import { Module } from './module';

/** An optional boolean option (undefined: false). */
export function bool(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
  return v as boolean;
}

/** (number | opts, opts?) -> the options, the number under `key`. */
export function numberOrOpts<O extends object>(fn: string, key: string, first: unknown, second: unknown, rest: readonly unknown[], allowed: string[]): O {
  noExtraArgs(fn, `${key} | opts, opts`, rest);
  if (typeof first === 'number') {
    const o = checkOptionKeys('opts', second as O | undefined, allowed.filter((k) => k !== key));
    return { ...o, [key]: first } as O;
  }
  // the default for the number, then options: `new nn.LeakyReLU(undefined, {inplace: true})`
  if (first === undefined && second !== undefined) return checkOptionKeys('opts', second as O, allowed.filter((k) => k !== key));
  if (second !== undefined) invalidArg(`${fn}()`, `at most the arguments (${key} | opts, opts) with a number first`, 'a second argument');
  return checkOptionKeys('opts', first as O | undefined, allowed);
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
