// lib/random.ts — the global random generator.
// Contract: one counter-based stream, (seed, offset). Every random op, initialiser and dropout mask
// reserves its counters with nextRandom(n) and passes [seed, offset] to the native kernel, so a
// seed fixes every draw on every device; manualSeed resets the stream, get/setRngState save and
// restore it (checkpoints).
import { typeArg, noExtraArgs } from './errors';

const generator = { seed: 67280421310721, offset: 0 };
/** Seeds the global generator (all random ops, initialisers and dropout draw from it). */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0)
    typeArg('seed', 'a non-negative integer', seed);
  generator.seed = seed % 2 ** 53;
  generator.offset = 0;
}
export function initialSeed(): number {
  return generator.seed;
}
/** Reserves n counters of the generator's stream and returns [seed, offset]. */
export function nextRandom(n: number): [number, number] {
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

/**
 * torch.Generator: a random stream of its own (seed, offset), for samplers, DataLoader shuffles,
 * randomSplit and data transforms that take a `generator` option (as PyTorch's). Without one, those
 * draw from the global generator (torch.manualSeed).
 */
export class Generator {
  private state = { seed: 67280421310721, offset: 0 };
  constructor(...rest: never[]) {
    noExtraArgs('Generator', 'none', rest);
  }
  /** Seeds this generator; returns it (as PyTorch's). */
  manualSeed(seed: number): this {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) typeArg('seed', 'a non-negative integer', seed);
    this.state = { seed: seed % 2 ** 53, offset: 0 };
    return this;
  }
  /** Seeds this generator with a seed drawn from the global generator, and returns the seed. */
  seed(): number {
    const s = Math.floor(uniforms(1)[0] * 2 ** 53);
    this.manualSeed(s);
    return s;
  }
  initialSeed(): number {
    return this.state.seed;
  }
  getState(): { seed: number; offset: number } {
    return { ...this.state };
  }
  setState(s: { seed: number; offset: number }): void {
    if (s === null || typeof s !== 'object' || !Number.isSafeInteger(s.seed) || !Number.isSafeInteger(s.offset) || s.seed < 0 || s.offset < 0)
      typeArg('state', 'a generator state {seed, offset} of integers >= 0', s);
    this.state = { seed: s.seed, offset: s.offset };
  }
  /** @internal Reserves n counters of this generator's stream. */
  reserve(n: number): [number, number] {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) typeArg('n', 'a count of draws (an integer >= 0)', n);
    const off = this.state.offset;
    this.state.offset += 2 * n + 2;
    if (this.state.offset > 2 ** 52) this.state.offset = 0;
    return [this.state.seed, off];
  }
}

/** A `generator` option: undefined (the global generator) or a torch.Generator. */
export function checkGenerator(name: string, g: unknown): Generator | undefined {
  if (g !== undefined && g !== null && !(g instanceof Generator)) typeArg(name, 'a torch.Generator', g);
  return (g ?? undefined) as Generator | undefined;
}
/** n uniform doubles in [0, 1) from `gen`, or from the global generator. */
export function uniforms(n: number, gen?: Generator): Float64Array {
  const [seed, off] = gen ? gen.reserve(n) : nextRandom(2 * n + 2);
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
