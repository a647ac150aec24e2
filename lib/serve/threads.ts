// lib/serve/threads.ts — how many samples a batch needs before an inference worker runs it on all of
// its CPU threads (worker.ts; InferenceSession's singleThreadBelow). Each OpenMP parallel region wakes
// the worker's other threads: under the server's OMP_WAIT_POLICY=passive that costs tens of
// microseconds on a loaded machine, more than a small batch's share of the work saves (bench/
// serve_threads.js: FashionCNN at batch 1 0.18-0.25 ms on two threads, 0.15 on one; at batch 32 1.3
// against 2.3). The kernels give the same results on any number of threads, so the choice changes
// only speed.

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
  const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
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
