// lib/random.ts — the global random generator and torch.Generator objects.
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
/** The generator option of a random function: undefined (the global stream) or a Generator. */
export function checkGenerator(g: unknown): Generator | undefined {
  if (g === undefined || g === null) return undefined;
  if (!(g instanceof Generator)) typeArg('opts.generator', 'a torch.Generator', g);
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
