// test/serve/threads.test.ts — oneThreadBelow (lib/serve/threads.ts): from which batch size an
// inference worker runs on all its threads, from timings. Here with made-up costs (a fake clock that
// each timed pass advances), so the rule itself is checked: the first size where all threads take at
// most 90% of one thread's time, or one thread takes 4 ms or more; medians absorb an outlier; a size
// is never skipped; a time budget; a forward pass that throws.
import { oneThreadBelow, ThreadChooser } from '../../lib/serve/threads';

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

describe('ThreadChooser', () => {
  /** Runs `batches` batches of `n` samples through the chooser in a world of made-up costs; returns the thread counts used. */
  function serve(c: ThreadChooser, n: number, batches: number, cost: (threads: number) => number): number[] {
    const used: number[] = [];
    for (let i = 0; i < batches; i++) {
      const t = c.choose(n);
      used.push(t);
      c.record(n, t, cost(t));
    }
    return used;
  }
  const quiet = (t: number) => (t === 1 ? 2.0 : 1.1); // all threads 45% faster
  const busy = (t: number) => (t === 1 ? 2.0 : 3.0); // the other cores taken: all threads slower

  test('until a size class has times on both counts, the warm-up threshold decides', () => {
    const c = new ThreadChooser(4, 8);
    expect([1, 2, 7, 8, 9, 64].map((n) => c.best(n))).toEqual([1, 1, 1, 4, 4, 4]);
    // the first 15 batches of a class follow it, the 16th runs on the other count
    const used = serve(c, 32, 16, quiet);
    expect(used.slice(0, 15).every((t) => t === 4)).toBe(true);
    expect(used[15]).toBe(1);
  });

  test('a threshold timed while the machine was busy is revisited: all threads from the first run on them', () => {
    // warm-up timed nothing faster on all threads (65: every batch up to 64 on one)
    const c = new ThreadChooser(2, 65);
    const used = serve(c, 32, 2000, quiet);
    expect(used.slice(0, 15).every((t) => t === 1)).toBe(true);
    expect(used[15]).toBe(2); // the exploring run
    // from there on all threads, but for one run on one thread 16 batches later (the choice just changed)
    expect(used.slice(16, 48).filter((t) => t === 1)).toHaveLength(1);
    expect(used[31]).toBe(1);
    expect(c.best(32)).toBe(2);
    // once settled, runs on the slower count are rare: the interval doubled to 256 batches
    expect(used.slice(1000).filter((t) => t === 1).length).toBeLessThanOrEqual(4);
    // other size classes keep their own state: 8 samples still follows the threshold
    expect(c.best(8)).toBe(1);
    expect(c.best(33)).toBe(1); // 33-64 is another class than 17-32
    expect(c.best(17)).toBe(2); // the same class
  });

  test('the machine gets busy, then quiet again: the choice follows within a few exploring runs', () => {
    const c = new ThreadChooser(2, 0);
    serve(c, 16, 3000, quiet);
    expect(c.best(16)).toBe(2);
    // busy: the chosen count's own times show it within four batches (of the eight kept, four at 3.0 ms:
    // without the slowest, (4 x 1.1 + 3 x 3.0) / 7 = 1.91 > 0.9 x 2.0)
    const b = serve(c, 16, 10, busy);
    expect(b.slice(0, 3).every((t) => t === 2)).toBe(true);
    expect(b.slice(4).every((t) => t === 1)).toBe(true);
    serve(c, 16, 3000, busy);
    expect(c.best(16)).toBe(1);
    // quiet again: all threads' stored times are the busy ones; each exploring run that would choose
    // them alone brings the next one 16 batches later, and five such runs (of the eight kept) take under 100 batches
    const q = serve(c, 16, 400, quiet);
    const first = q.indexOf(2);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(256);
    const back = q.findIndex((t, i) => i > first && q.slice(i, i + 10).every((u) => u === 2));
    expect(back).toBeGreaterThan(first);
    expect(back - first).toBeLessThan(100);
    expect(c.best(16)).toBe(2);
  });

  test('one slow batch (a GC pause, a preemption) does not change the choice: the slowest of eight is left out', () => {
    const c = new ThreadChooser(2, 0);
    serve(c, 32, 500, quiet);
    c.record(32, 2, 500); // 450x the usual
    expect(c.best(32)).toBe(2);
    c.record(32, 2, 500); // a second one stays in the mean: now it is the machine, not an outlier
    expect(c.best(32)).toBe(1);
  });

  test('bimodal times on all threads (a VM waking the other virtual CPUs): the mean decides, not the majority mode', () => {
    // all threads 1.0 ms three batches in five and 2.6 ms in two: mean 1.64 ms, against one thread's 2.0
    // (a median would see 1.0 or 2.6 depending on the last five)
    let k = 0;
    const bimodal = (t: number) => (t === 1 ? 2.0 : [1.0, 2.6, 1.0, 1.0, 2.6][k++ % 5]);
    const c = new ThreadChooser(2, 0);
    const used = serve(c, 32, 4000, bimodal);
    expect(used.slice(2000).filter((t) => t === 2).length).toBeGreaterThan(1980);
    // and when the slow mode is the majority (mean 2.12), one thread
    let j = 0;
    const worse = (t: number) => (t === 1 ? 2.0 : [1.0, 2.6, 2.6, 1.0, 2.6][j++ % 5]);
    const d = new ThreadChooser(2, 0);
    const u = serve(d, 32, 4000, worse);
    // (the fast all-thread runs among the exploring ones keep the interval at 16: about 6% of batches)
    expect(u.slice(2000).filter((t) => t === 1).length).toBeGreaterThan(1800);
  });

  test('the rule is oneThreadBelow\'s: all threads only when at most 90% of one thread\'s time', () => {
    const c95 = new ThreadChooser(2, 0);
    serve(c95, 4, 200, (t) => (t === 1 ? 1 : 0.95));
    expect(c95.best(4)).toBe(1);
    const c90 = new ThreadChooser(2, 65);
    serve(c90, 4, 200, (t) => (t === 1 ? 1 : 0.89));
    expect(c90.best(4)).toBe(2);
  });

  test('oneThreadBelow\'s 4 ms rule: a batch taking 4 ms or more on one thread runs on all, whatever the times on all say', () => {
    // ResNet-18 at 224x224, batch 1: 23 ms on one thread; a spell where all threads measured slower
    const c = new ThreadChooser(2, 1);
    const used = serve(c, 1, 600, (t) => (t === 1 ? 23 : 30));
    expect(used.filter((t) => t === 2).length).toBeGreaterThan(590);
    expect(c.best(1)).toBe(2);
    // just under 4 ms a batch, the 90% rule decides; just over, all threads
    const under = new ThreadChooser(2, 0);
    serve(under, 64, 300, (t) => (t === 1 ? 3.9 : 3.6));
    expect(under.best(64)).toBe(1);
    const over = new ThreadChooser(2, 0);
    serve(over, 64, 300, (t) => (t === 1 ? 4.1 : 3.8));
    expect(over.best(64)).toBe(2);
    // the threshold is an option
    const lower = new ThreadChooser(2, 0, { allFromMs: 3 });
    serve(lower, 64, 300, (t) => (t === 1 ? 3.9 : 3.6));
    expect(lower.best(64)).toBe(2);
  });

  test('one thread: nothing to choose', () => {
    const c = new ThreadChooser(1, 0);
    expect(serve(c, 32, 100, quiet).every((t) => t === 1)).toBe(true);
  });
});
