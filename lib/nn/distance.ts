// lib/nn/distance.ts — nn.CosineSimilarity and nn.PairwiseDistance over lib/ops/distance.ts, with
// PyTorch 1.13's options and defaults in one object, validated at construction (unknown keys, bad
// values, extra arguments are errors), forward(x1, x2), and PyTorch's toString() (which shows no
// options: `CosineSimilarity()`, `PairwiseDistance()`).
import { checkOptionKeys, checkInt, checkNumber, noExtraArgs, optBool } from '../errors';
import type { Tensor } from '../tensor';
import { Module } from './module';
import * as D from '../ops/distance';

/** nn.CosineSimilarity({dim=1, eps=1e-8}); forward(x1, x2) = F.cosineSimilarity(x1, x2, {dim, eps}). */
export class CosineSimilarity extends Module {
  readonly dim: number;
  readonly eps: number;
  constructor(opts: D.CosineSimilarityOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('CosineSimilarity', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['dim', 'eps']);
    this.dim = o.dim === undefined ? 1 : checkInt('opts.dim', o.dim);
    this.eps = o.eps === undefined ? 1e-8 : checkNumber('opts.eps', o.eps);
  }
  forward(x1: Tensor, x2: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'x1, x2', rest);
    return D.cosineSimilarity(x1, x2, { dim: this.dim, eps: this.eps });
  }
}

/**
 * nn.PairwiseDistance({p=2, eps=1e-6, keepdim=false}); forward(x1, x2) = F.pairwiseDistance(x1, x2,
 * {p, eps, keepdim}). The norm's exponent is `norm`, as PyTorch's attribute (and `p`).
 */
export class PairwiseDistance extends Module {
  readonly norm: number;
  readonly eps: number;
  readonly keepdim: boolean;
  constructor(opts: D.PairwiseDistanceOptions = {}, ...rest: never[]) {
    super();
    noExtraArgs('PairwiseDistance', 'opts', rest);
    const o = checkOptionKeys('opts', opts, ['p', 'eps', 'keepdim']);
    this.norm = o.p === undefined ? 2 : checkNumber('opts.p', o.p);
    this.eps = o.eps === undefined ? 1e-6 : checkNumber('opts.eps', o.eps);
    this.keepdim = optBool('opts.keepdim', o.keepdim, false);
  }
  /** The norm's exponent (PyTorch's `norm` attribute). */
  get p(): number {
    return this.norm;
  }
  forward(x1: Tensor, x2: Tensor, ...rest: never[]): Tensor {
    noExtraArgs('forward', 'x1, x2', rest);
    return D.pairwiseDistance(x1, x2, { p: this.norm, eps: this.eps, keepdim: this.keepdim });
  }
}
