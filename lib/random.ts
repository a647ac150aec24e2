// lib/random.ts — the global random generator, torch.Generator objects, and JavaScript-side draws
// from either (samplers, data transforms).
// Contract: one counter-based stream, (seed, offset). Every random op, initialiser and dropout mask
// reserves its counters with nextRandom(n) and passes [seed, offset] to the native kernel, so a
// seed fixes every draw on every device; manualSeed resets the stream, get/setRngState save and
// restore it (checkpoints). A Generator is a stream of its own, with the same draws for the same seed
// (`new Generator().manualSeed(s)` draws what the global stream draws after `manualSeed(s)`);
// the random functions take one as `{ generator }` and then leave the global stream untouched.
import { typeArg, invalidArg, checkOptionKeys } from './errors';

const DEFAULT_SEED = 67280421310721;
const generator = { seed: DEFAULT_SEED, offset: 0 };
function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) typeArg('seed', 'a non-negative integer', seed);
  return (seed as number) % 2 ** 53;
}
/** A fresh seed from the system's randomness (for seed()). */
function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32) * 2 ** 20 + Math.floor(Math.random() * 2 ** 20);
}
/** Seeds the global generator (all random ops, initialisers and dropout draw from it). */
export function manualSeed(seed: number): void {
  generator.seed = checkSeed(seed);
  generator.offset = 0;
}
/** Seeds the global generator from the system's randomness and returns the seed (torch.seed()). */
export function seed(): number {
  const s = randomSeed();
  manualSeed(s);
  return s;
}
export function initialSeed(): number {
  return generator.seed;
}

/** A random stream of its own (PyTorch's torch.Generator), for the `generator` option of the random functions. */
export class Generator {
  /** @internal */ _seed = DEFAULT_SEED;
  /** @internal */ _offset = 0;
  constructor(device: string = 'cpu') {
    if (typeof device !== 'string' || !/^(cpu|cuda)(:\d+)?$/.test(device)) typeArg('device', "'cpu' or 'cuda' (draws are the same on every device)", device);
  }
  /** Seeds this generator (its stream restarts); returns it, as PyTorch. */
  manualSeed(seed: number): this {
    this._seed = checkSeed(seed);
    this._offset = 0;
    return this;
  }
  /** Seeds this generator from the system's randomness and returns the seed. */
  seed(): number {
    const s = randomSeed();
    this.manualSeed(s);
    return s;
  }
  initialSeed(): number {
    return this._seed;
  }
  /** The stream's position: restore it with setState (an object here, where PyTorch has a byte tensor). */
  getState(): { seed: number; offset: number } {
    return { seed: this._seed, offset: this._offset };
  }
  setState(state: { seed: number; offset: number }): this {
    const s = checkOptionKeys('state', state, ['seed', 'offset']);
    checkSeed(s.seed);
    if (!Number.isSafeInteger(s.offset) || s.offset < 0) invalidArg('state.offset', 'a non-negative integer', s.offset);
    this._seed = s.seed;
    this._offset = s.offset;
    return this;
  }
}
/**
 * A `generator` option: undefined (the global stream) or a Generator; `checkGenerator(g)` names it
 * opts.generator in errors, `checkGenerator(name, g)` names it `name`.
 */
export function checkGenerator(...args: [unknown] | [string, unknown]): Generator | undefined {
  const [name, g] = args.length === 2 ? args : ['opts.generator', args[0]];
  if (g === undefined || g === null) return undefined;
  if (!(g instanceof Generator)) typeArg(name, 'a torch.Generator', g);
  return g as Generator;
}
/** Reserves n counters of the generator's stream (the global one unless `gen`) and returns [seed, offset]. */
export function nextRandom(n: number, gen?: Generator): [number, number] {
  if (gen) {
    const off = gen._offset;
    gen._offset += Math.ceil(n / 4) * 4 + 4;
    if (gen._offset > 2 ** 52) gen._offset = 0;
    return [gen._seed, off];
  }
  const off = generator.offset;
  generator.offset += Math.ceil(n / 4) * 4 + 4;
  if (generator.offset > 2 ** 52) generator.offset = 0;
  return [generator.seed, off];
}
export function getRngState(): { seed: number; offset: number } {
  return { ...generator };
}
export function setRngState(s: { seed: number; offset: number }): void {
  generator.seed = s.seed;
  generator.offset = s.offset;
}

// ---- JavaScript-side draws (samplers, data transforms) ----------------------------------------------
// The same counter-based idea in JavaScript: value k of a stream (seed, offset) is a hash of
// (seed, offset + k), so a reserved range of counters fixes the draws whatever runs in between.
// These draws are not bit-equal to the native kernels' (nor to PyTorch's); they are reproducible.

/** murmur3's 32-bit finaliser over the words of (seed, counter). */
function hashWords(s0: number, s1: number, c0: number, c1: number): number {
  let h = Math.imul(s0 ^ 0x9e3779b9, 0x85ebca6b) ^ s1;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ c0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ c1;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}
/** Uniform doubles in [0, 1) (53 bits) for counters [offset, offset + n) of the stream `seed`. */
function uniformsOf(seed: number, offset: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const s0 = seed >>> 0;
  const s1 = Math.floor(seed / 4294967296) >>> 0;
  for (let k = 0; k < n; k++) {
    const c = offset + 2 * k;
    const c0 = c >>> 0;
    const c1 = Math.floor(c / 4294967296) >>> 0;
    const hi = hashWords(s0, s1, c0, c1) >>> 5; // 27 bits
    const lo = hashWords(s1 ^ 0x5bd1e995, s0, c0 ^ 0x27d4eb2f, c1) >>> 6; // 26 bits
    out[k] = (hi * 67108864 + lo) / 9007199254740992;
  }
  return out;
}

/** n uniform doubles in [0, 1) from `gen`, or from the global generator. */
export function uniforms(n: number, gen?: Generator): Float64Array {
  const [seed, off] = nextRandom(2 * n + 2, gen);
  return uniformsOf(seed, off, n);
}
/** One uniform double in [0, 1). */
export function uniform(gen?: Generator): number {
  return uniforms(1, gen)[0];
}
/** An integer in [low, high) (PyTorch's torch.randint(low, high)). */
export function randint(low: number, high: number, gen?: Generator): number {
  return low + Math.min(high - low - 1, Math.floor(uniform(gen) * (high - low)));
}
/** A random permutation of 0..n-1 (Fisher-Yates over one reserved block of draws). */
export function randpermJs(n: number, gen?: Generator): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  if (n < 2) return p;
  const u = uniforms(n - 1, gen);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(u[n - 1 - i] * (i + 1)));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
