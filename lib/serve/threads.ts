// lib/serve/threads.ts — how many samples a batch needs before an inference worker runs it on all of
// its CPU threads (worker.ts; InferenceSession's singleThreadBelow). Each OpenMP parallel region wakes
// the worker's other threads: under the server's OMP_WAIT_POLICY=passive that costs tens of
// microseconds on a loaded machine, more than a small batch's share of the work saves (bench/
// serve_threads.js: FashionCNN at batch 1 0.18-0.25 ms on two threads, 0.15 on one; at batch 32 1.3
// against 2.3). The kernels give the same results on any number of threads, so the choice changes
// only speed. oneThreadBelow times it once, at warm-up; ThreadChooser then keeps choosing batch by
// batch from the batches' own times, so that a choice timed while the machine was busy (or idle) does
// not hold for the server's whole life.

export interface OneThreadBelowOptions {
  /** Largest batch size timed (default 64); when all threads never win up to it, the result is maxBatch + 1. */
  maxBatch?: number;
  /** Stop after about this much timing (default 1000 ms): the sizes not yet timed run on all threads. */
  budgetMs?: number;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
}

/**
 * The smallest batch size to run on all `threads`: smaller batches run on one. `time(batch, threads)`
 * runs one forward pass of that many samples on that many threads and returns its milliseconds.
 * Batches of 1, 2, 4, ... and maxBatch samples are timed on one thread and on all in turn (the median of
 * 3 to 15 runs of each, about 60 ms per size), up to the first size at which all threads take at most
 * 90% of one thread's time, or one thread 4 ms or more. A forward pass that throws gives 0 (every
 * batch on all threads).
 */
export function oneThreadBelow(time: (batch: number, threads: number) => number, threads: number, opts: OneThreadBelowOptions = {}): number {
  const maxBatch = opts.maxBatch ?? 64;
  const budget = opts.budgetMs ?? 1000;
  const now = opts.now ?? (() => performance.now());
  if (threads <= 1) return 0;
  const sizes: number[] = [];
  for (let b = 1; b < maxBatch; b *= 2) sizes.push(b);
  sizes.push(maxBatch);
  const start = now();
  try {
    for (const b of sizes) {
      if (now() - start > budget) return b;
      const one = [time(b, 1)];
      const all = [time(b, threads)];
      const reps = Math.min(15, Math.max(3, Math.round(60 / Math.max(1e-3, one[0] + all[0])) | 1));
      for (let r = 1; r < reps; r++) {
        one.push(time(b, 1));
        all.push(time(b, threads));
      }
      // past 4 ms on one thread a batch repays the wake-ups whatever a noisy timing says (torchvision's
      // ResNet-18 at 32x32, about 60 regions a pass: one thread still 22% faster at batch 1, 1.7 ms;
      // bench/serve_threads.js)
      if (median(all) <= 0.9 * median(one) || median(one) >= 4) return b;
    }
    return maxBatch + 1;
  } catch {
    return 0;
  }
}

export interface ThreadChooserOptions {
  /** Batches of one size class between two runs on the other thread count, at first and after a change of choice (default 16). */
  explore?: number;
  /** The most batches between two such runs: the interval doubles each time a run confirms the choice (default 256). */
  maxExplore?: number;
  /** Timings kept per size class and thread count (default 8): their mean without the slowest one counts. */
  keep?: number;
  /** A batch whose one-thread time is this many milliseconds or more runs on all threads, whatever the times on all say (default 4: oneThreadBelow's rule). */
  allFromMs?: number;
}

interface SizeClass {
  /** the last `keep` timings, in milliseconds per sample, on one thread ([0]) and on all ([1]) */
  times: [number[], number[]];
  /** batches since the last run on the other count, and the current interval */
  since: number;
  every: number;
}

/**
 * Chooses for each batch between one thread and all `threads`, from how long the server's own recent
 * batches took. Batch sizes fall into classes (1, 2, 3-4, 5-8, ... samples); each class keeps its last
 * eight times per sample on one thread and on all, and runs on all threads when their mean (without the
 * slowest: typical()) is at most 90% of one thread's, or one thread's takes 4 ms or more a batch
 * (oneThreadBelow's rules: past 4 ms the wake-ups are repaid whatever noisy times say; bench/serve.js on
 * ResNet-18 at 224x224, 23 ms a batch on one thread, lost 23% of its throughput to a chooser without it). A class without times on both counts follows the warm-up's
 * threshold `below` (batches of fewer samples on one thread). Every `explore` batches a class runs one
 * batch on the other count, which keeps its times current; while those runs confirm the choice the
 * interval doubles, up to `maxExplore` batches (then about 0.4% of batches run on the slower count), and
 * a run that changes the choice, or would have alone, sets it back. Usage: `const t = c.choose(n)`, run the batch on t
 * threads, `c.record(n, t, ms)`.
 */
export class ThreadChooser {
  private readonly classes = new Map<number, SizeClass>();
  private readonly explore: number;
  private readonly maxExplore: number;
  private readonly keep: number;
  private readonly allFromMs: number;

  constructor(
    readonly threads: number,
    readonly below: number,
    opts: ThreadChooserOptions = {},
  ) {
    this.explore = opts.explore ?? 16;
    this.maxExplore = Math.max(this.explore, opts.maxExplore ?? 256);
    this.keep = opts.keep ?? 8;
    this.allFromMs = opts.allFromMs ?? 4;
  }

  private sizeClass(batch: number): SizeClass {
    const k = batch <= 1 ? 0 : 32 - Math.clz32(batch - 1);
    let c = this.classes.get(k);
    if (!c) this.classes.set(k, (c = { times: [[], []], since: 0, every: this.explore }));
    return c;
  }

  /** The thread count a batch of this size runs best on, by the times so far (without exploring). */
  best(batch: number): number {
    if (this.threads <= 1) return 1;
    const c = this.sizeClass(batch);
    const [one, all] = c.times;
    if (!one.length || !all.length) return batch < this.below ? 1 : this.threads;
    return this.decide(batch, typical(one), typical(all));
  }
  /** oneThreadBelow's rule on per-sample times: all threads past allFromMs on one, or when at most 90% of one's time. */
  private decide(batch: number, one: number, all: number): number {
    return one * batch >= this.allFromMs || all <= 0.9 * one ? this.threads : 1;
  }

  /** The thread count to run a batch of `batch` samples on: usually best(), every so often the other. */
  choose(batch: number): number {
    const b = this.best(batch);
    if (this.threads <= 1) return b;
    const c = this.sizeClass(batch);
    if (++c.since < c.every) return b;
    c.since = 0;
    return b === 1 ? this.threads : 1;
  }

  /** Records that a batch of `batch` samples took `ms` milliseconds on `threads` threads. */
  record(batch: number, threads: number, ms: number): void {
    if (this.threads <= 1 || !(batch > 0) || !(ms >= 0)) return;
    const c = this.sizeClass(batch);
    const before = this.best(batch);
    const list = c.times[threads === 1 ? 0 : 1];
    list.push(ms / batch);
    if (list.length > this.keep) list.shift();
    if (threads !== before && c.times[0].length && c.times[1].length) {
      // a run on the other count: when it confirms the choice, explore half as often; when it changed the
      // choice, or alone would have (the averages still hold older times), again soon
      const [one, all] = c.times;
      const alone = threads === 1 ? this.decide(batch, ms / batch, typical(all)) : this.decide(batch, typical(one), ms / batch);
      const agrees = this.best(batch) === before && alone === before;
      c.every = agrees ? Math.min(this.maxExplore, c.every * 2) : this.explore;
    }
  }
}

/**
 * The mean of a count's kept times without the slowest one: throughput follows the mean (on a VM, passes
 * on several threads are often bimodal: a wake-up of the other threads' virtual CPUs costs 0.1-1 ms at
 * times, and a median of them follows whichever mode has the majority), the slowest dropped so that one
 * GC pause or preemption does not decide.
 */
function typical(a: number[]): number {
  if (a.length < 3) return a.reduce((p, q) => p + q, 0) / a.length;
  return (a.reduce((p, q) => p + q, 0) - Math.max(...a)) / (a.length - 1);
}

function median(a: number[]): number {
  const s = a.slice().sort((p, q) => p - q);
  return s[s.length >> 1];
}
