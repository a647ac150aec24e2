// lib/data/sampler.ts — torch.utils.data's samplers: iterables of dataset indices (or, for
// BatchSampler, of index arrays) that a DataLoader draws its batches from. Semantics and defaults as
// PyTorch 1.13; random ones draw from their `generator` (a torch.Generator) or, without one, from
// the global generator (torch.manualSeed), one fresh draw per pass. Arguments and options are checked
// (unknown option keys are errors).
import { checkInt, checkOptionKeys, invalidArg, typeArg, noExtraArgs, optBool } from '../errors';
import { Generator, checkGenerator, randpermJs, uniforms } from '../random';
import { Tensor } from '../tensor';

/** Anything a DataLoader accepts as `sampler`: iterable indices, optionally with a length. */
export interface Sampler<T = number> extends Iterable<T> {
  readonly length?: number;
}

function checkSizedSource(name: string, d: unknown): number {
  const n = (d as { length?: unknown } | null)?.length;
  if (d === null || (typeof d !== 'object' && typeof d !== 'function') || typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    typeArg(name, 'a dataset (an object with an integer length)', d);
  return n as number;
}

/** Yields 0, 1, ..., length - 1. */
export class SequentialSampler implements Sampler<number> {
  private readonly source: { length: number };
  constructor(dataSource: { length: number }, ...rest: never[]) {
    noExtraArgs('SequentialSampler', 'dataSource', rest);
    checkSizedSource('dataSource', dataSource);
    this.source = dataSource;
  }
  get length(): number {
    return this.source.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.source.length; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (default false). */
  replacement?: boolean;
  /** How many indices per pass (default: the dataset's length). */
  numSamples?: number;
  generator?: Generator;
}
/**
 * Random indices: without replacement, whole permutations (numSamples may exceed the length: then
 * several permutations, the last cut short); with replacement, independent uniform draws.
 */
export class RandomSampler implements Sampler<number> {
  readonly replacement: boolean;
  readonly generator?: Generator;
  private readonly source: { length: number };
  private readonly nSamples?: number;
  constructor(dataSource: { length: number }, opts: RandomSamplerOptions = {}, ...rest: never[]) {
    noExtraArgs('RandomSampler', 'dataSource, opts', rest);
    checkSizedSource('dataSource', dataSource);
    opts = checkOptionKeys('opts', opts, ['replacement', 'numSamples', 'generator']);
    if (opts.replacement !== undefined && typeof opts.replacement !== 'boolean') typeArg('replacement', 'a boolean', opts.replacement);
    if (opts.numSamples !== undefined) checkInt('numSamples', opts.numSamples, 1);
    this.source = dataSource;
    this.replacement = !!opts.replacement;
    this.nSamples = opts.numSamples;
    this.generator = checkGenerator('generator', opts.generator);
  }
  get numSamples(): number {
    return this.nSamples ?? this.source.length;
  }
  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.source.length;
    const m = this.numSamples;
    if (n === 0) return;
    if (this.replacement) {
      for (let done = 0; done < m; done += 32) {
        const u = uniforms(Math.min(32, m - done), this.generator);
        for (const v of u) yield Math.min(n - 1, Math.floor(v * n));
      }
      return;
    }
    for (let k = 0; k < Math.floor(m / n); k++) yield* randpermJs(n, this.generator);
    if (m % n) yield* randpermJs(n, this.generator).slice(0, m % n);
  }
}

function checkIndexList(name: string, v: unknown): number[] {
  if (!Array.isArray(v)) typeArg(name, 'an array of integer indices', v);
  (v as unknown[]).forEach((i, k) => checkInt(`${name}[${k}]`, i, 0));
  return v as number[];
}

/** The given indices in a random order, a new order each pass. */
export class SubsetRandomSampler implements Sampler<number> {
  readonly indices: number[];
  readonly generator?: Generator;
  constructor(indices: number[], opts: { generator?: Generator } = {}, ...rest: never[]) {
    noExtraArgs('SubsetRandomSampler', 'indices, opts', rest);
    this.indices = checkIndexList('indices', indices).slice();
    opts = checkOptionKeys('opts', opts, ['generator']);
    this.generator = checkGenerator('generator', opts.generator);
  }
  get length(): number {
    return this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (const i of randpermJs(this.indices.length, this.generator)) yield this.indices[i];
  }
}

/**
 * Indices 0..weights.length-1 drawn with probabilities proportional to `weights` (torch.multinomial):
 * `numSamples` per pass, with replacement by default; without replacement numSamples may not exceed
 * the number of non-zero weights.
 */
export class WeightedRandomSampler implements Sampler<number> {
  readonly weights: Float64Array;
  readonly numSamples: number;
  readonly replacement: boolean;
  readonly generator?: Generator;
  constructor(weights: number[] | Tensor, numSamples: number, opts: { replacement?: boolean; generator?: Generator } = {}, ...rest: never[]) {
    noExtraArgs('WeightedRandomSampler', 'weights, numSamples, opts', rest);
    let w: number[];
    if (weights instanceof Tensor) {
      if (weights.ndim !== 1) invalidArg('weights', 'a 1-D tensor or an array of numbers', weights);
      w = Array.from(weights.toArray() as ArrayLike<number | bigint>, Number);
    } else if (Array.isArray(weights)) w = weights;
    else w = typeArg('weights', 'an array of numbers or a 1-D tensor', weights);
    if (!w.length) invalidArg('weights', 'at least one weight', weights);
    w.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) invalidArg(`weights[${i}]`, 'a finite number >= 0', v);
    });
    if (!w.some((v) => v > 0)) invalidArg('weights', 'at least one positive weight', weights);
    this.numSamples = checkInt('numSamples', numSamples, 1);
    opts = checkOptionKeys('opts', opts, ['replacement', 'generator']);
    if (opts.replacement !== undefined && typeof opts.replacement !== 'boolean') typeArg('replacement', 'a boolean', opts.replacement);
    this.replacement = optBool('opts.replacement', opts.replacement ?? undefined, true);
    const positive = w.filter((v) => v > 0).length;
    if (!this.replacement && this.numSamples > positive)
      invalidArg('numSamples', `at most ${positive} (the non-zero weights) without replacement`, numSamples);
    this.weights = Float64Array.from(w);
    this.generator = checkGenerator('generator', opts.generator);
  }
  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const w = Float64Array.from(this.weights);
    const n = w.length;
    const u = uniforms(this.numSamples, this.generator);
    if (this.replacement) {
      const cum = new Float64Array(n);
      let s = 0;
      for (let i = 0; i < n; i++) cum[i] = s += w[i];
      for (const v of u) {
        const x = v * s;
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cum[mid] > x) hi = mid;
          else lo = mid + 1;
        }
        while (w[lo] === 0 && lo > 0) lo--; // x at the end of the range of a zero weight: the previous one
        yield lo;
      }
      return;
    }
    for (const v of u) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i];
      let x = v * s;
      let pick = -1;
      for (let i = 0; i < n; i++) {
        if (w[i] === 0) continue;
        pick = i;
        if (x < w[i]) break;
        x -= w[i];
      }
      w[pick] = 0;
      yield pick;
    }
  }
}

/** Groups the indices of `sampler` into arrays of `batchSize` (the last one shorter unless dropLast). */
export class BatchSampler implements Sampler<number[]> {
  readonly sampler: Iterable<number>;
  readonly batchSize: number;
  readonly dropLast: boolean;
  constructor(sampler: Iterable<number>, batchSize: number, dropLast: boolean, ...rest: never[]) {
    noExtraArgs('BatchSampler', 'sampler, batchSize, dropLast', rest);
    if (sampler === null || typeof sampler !== 'object' || typeof (sampler as Iterable<number>)[Symbol.iterator] !== 'function')
      typeArg('sampler', 'a sampler (an iterable of indices)', sampler);
    this.sampler = sampler;
    this.batchSize = checkInt('batchSize', batchSize, 1);
    if (typeof dropLast !== 'boolean') typeArg('dropLast', 'a boolean', dropLast);
    this.dropLast = dropLast;
  }
  get length(): number {
    const n = (this.sampler as { length?: unknown }).length;
    if (typeof n !== 'number') return NaN;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length && !this.dropLast) yield batch;
  }
}
