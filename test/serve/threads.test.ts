// test/serve/threads.test.ts — oneThreadBelow (lib/serve/threads.ts): from which batch size an
// inference worker runs on all its threads, from timings. Here with made-up costs (a fake clock that
// each timed pass advances), so the rule itself is checked: the first size where all threads take at
// most 90% of one thread's time, or one thread takes 4 ms or more; medians absorb an outlier; a size
// is never skipped; a time budget; a forward pass that throws.
import { oneThreadBelow } from '../../lib/serve/threads';

/** A timing function from a cost model, and the calls it saw; each call advances the fake clock. */
function fake(cost: (batch: number, threads: number, call: number) => number) {
  const calls: [number, number][] = [];
  let clock = 0;
  const time = (batch: number, threads: number) => {
    const ms = cost(batch, threads, calls.length);
    calls.push([batch, threads]);
    clock += ms;
    return ms;
  };
  return { time, calls, now: () => clock };
}

describe('oneThreadBelow', () => {
  test('the first size where all threads are 10% faster: one thread below it', () => {
    // one thread 0.1 ms per sample; all threads 0.15 ms of wake-ups plus 0.05 per sample: 4 samples
    // are the first size to pay (0.35 <= 0.36)
    const f = fake((b, t) => (t === 1 ? 0.1 * b : 0.15 + 0.05 * b));
    expect(oneThreadBelow(f.time, 4, { now: f.now })).toBe(4);
    expect(new Set(f.calls.map(([b]) => b))).toEqual(new Set([1, 2, 4])); // sizes 1, 2, 4 timed, then stop
    expect(f.calls.every(([, t]) => t === 1 || t === 4)).toBe(true);
    // the two thread counts alternate
    f.calls.forEach(([, t], i) => expect(t).toBe(i % 2 === 0 ? 1 : 4));
  });

  test('5% faster is not enough; 10% is', () => {
    const f5 = fake((b, t) => (t === 1 ? 0.5 : 0.475));
    expect(oneThreadBelow(f5.time, 2, { now: f5.now, maxBatch: 8 })).toBe(9); // never pays up to 8
    const f10 = fake((b, t) => (t === 1 ? 0.5 : 0.45));
    expect(oneThreadBelow(f10.time, 2, { now: f10.now })).toBe(1);
  });

  test('medians: one slow outlier per size (the first pass at a new batch size records a plan) does not decide', () => {
    const f = fake((b, t, call) => {
      const first = call % 30 === 0; // every size's first one-thread pass is slow (15 runs of each per size)
      return first ? 50 : t === 1 ? 0.2 * b : 0.1 + 0.1 * b;
    });
    // without the outlier: all threads pay from 2 samples (0.3 <= 0.36)
    expect(oneThreadBelow(f.time, 2, { now: f.now })).toBe(2);
  });

  test('a one-thread pass of 4 ms or more ends the timing: all threads from there', () => {
    const f = fake((b, t) => (t === 1 ? 1 * b : 1.2 * b)); // all threads never faster (a noisy spell)
    expect(oneThreadBelow(f.time, 2, { now: f.now })).toBe(4); // 4 x 1 = 4 ms
  });

  test('sizes 1, 2, 4, ... and maxBatch itself; past maxBatch without a win: maxBatch + 1', () => {
    const f = fake((b, t) => (t === 1 ? 0.01 : 0.02));
    expect(oneThreadBelow(f.time, 2, { now: f.now, maxBatch: 12 })).toBe(13);
    expect([...new Set(f.calls.map(([b]) => b))]).toEqual([1, 2, 4, 8, 12]);
  });

  test('the time budget: sizes not yet timed run on all threads', () => {
    const f = fake((b, t) => (t === 1 ? 0.9 : 1.0)); // 15 runs of each (the most): 28.5 ms per size
    const below = oneThreadBelow(f.time, 2, { now: f.now, budgetMs: 40 });
    expect(below).toBe(4); // sizes 1 and 2 took 57 ms: past the budget before size 4
    expect(f.now()).toBeCloseTo(2 * 15 * 1.9, 6);
  });

  test('one thread, or a forward pass that throws: 0 (every batch on all threads)', () => {
    const f = fake(() => 1);
    expect(oneThreadBelow(f.time, 1, { now: f.now })).toBe(0);
    expect(f.calls).toHaveLength(0);
    const bad = fake((b) => {
      if (b === 4) throw new Error('no');
      return 0.1;
    });
    expect(oneThreadBelow(bad.time, 2, { now: bad.now })).toBe(0);
  });
});
