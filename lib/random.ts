// lib/random.ts — the global random generator.
// Contract: one counter-based stream, (seed, offset). Every random op, initialiser and dropout mask
// reserves its counters with nextRandom(n) and passes [seed, offset] to the native kernel, so a
// seed fixes every draw on every device; manualSeed resets the stream, get/setRngState save and
// restore it (checkpoints).
import { typeArg } from './errors';

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
