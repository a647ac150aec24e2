// test/serve/batcher.test.ts — the dynamic batcher (lib/serve/batcher.ts) against fake runners: batches
// are assembled in reusable buffers where the runner gives them back (runBatch), each request gets its
// own rows, a runner that throws fails the batch's requests without stopping the batcher, and uint8
// (pixel) requests never share a batch with float32 ones of the same sample shape.
import { Batcher, BatchRunner } from '../../lib/serve/batcher';
import type { RawOutput } from '../../lib/serve/session';

const opts = { maxBatch: 8, maxDelayMs: 1, maxQueue: 100, timeoutMs: 10000 };
const sample = (v: number) => Float32Array.from([v, v + 0.5]);

// rows of out = each sample's sum; resolves after a macrotask, so later requests queue behind it
function runner(withBatch: boolean, seen: Float32Array[]): BatchRunner {
  const answer = (buf: Float32Array, shape: number[]): RawOutput => {
    const out = new Float32Array(shape[0]);
    for (let i = 0; i < shape[0]; i++) out[i] = buf[2 * i] + buf[2 * i + 1];
    return { data: out, shape: [shape[0], 1], input: buf };
  };
  const later = <T>(f: () => T) => new Promise<T>((res) => setTimeout(() => res(f()), 5));
  const r: BatchRunner = { workers: 1, runRaw: (data, shape) => later(() => ({ ...answer(data as Float32Array, shape), input: undefined })) };
  if (withBatch)
    r.runBatch = (buf, shape) => {
      seen.push(buf);
      return later(() => answer(buf, shape));
    };
  return r;
}

async function rounds(b: Batcher, n: number, per: number) {
  for (let k = 0; k < n; k++) {
    const outs = await Promise.all(Array.from({ length: per }, (_, i) => b.submit(sample(10 * k + i), [1, 2])));
    outs.forEach((o, i) => expect(Array.from(o.data)).toEqual([2 * (10 * k + i) + 0.5]));
  }
}

test('multi-request batches reuse the buffer the runner gave back (maxBatch samples long)', async () => {
  const seen: Float32Array[] = [];
  const b = new Batcher(runner(true, seen), opts);
  await rounds(b, 4, 5); // each round: the first request alone, the other four batched behind it
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.every((buf) => buf.length === 8 * 2)).toBe(true);
  expect(new Set(seen).size).toBe(1); // one buffer for every batch (a mutation allocating per batch fails)
});

test('runners without runBatch get exactly-sized batches through runRaw', async () => {
  const sizes: number[] = [];
  const r = runner(false, []);
  const raw = r.runRaw;
  r.runRaw = (data, shape) => {
    sizes.push(data.length);
    expect(data.length).toBe(shape[0] * 2);
    return raw(data, shape);
  };
  await rounds(new Batcher(r, opts), 3, 5);
  expect(Math.max(...sizes)).toBe(8);
});

test('a runner with runParts gets the requests\' own arrays, in order, and no concatenation (runParts over runBatch)', async () => {
  const r = runner(true, []);
  const submitted: Float32Array[] = [];
  const batches: Float32Array[][] = [];
  r.runBatch = () => {
    throw new Error('runBatch must not be used when runParts exists');
  };
  r.runParts = (parts, shape) => {
    batches.push(parts as Float32Array[]);
    expect(parts.reduce((a, q) => a + q.length, 0)).toBe(shape[0] * 2);
    const joined = new Float32Array(shape[0] * 2);
    let at = 0;
    for (const q of parts) {
      joined.set(q, at);
      at += q.length;
    }
    return r.runRaw(joined, shape);
  };
  const b = new Batcher(r, opts);
  for (let k = 0; k < 3; k++) {
    const data = Array.from({ length: 5 }, (_, i) => sample(10 * k + i));
    submitted.push(...data);
    const outs = await Promise.all(data.map((d) => b.submit(d, [1, 2])));
    outs.forEach((o, i) => expect(Array.from(o.data)).toEqual([2 * (10 * k + i) + 0.5]));
  }
  expect(batches.length).toBeGreaterThanOrEqual(3);
  for (const parts of batches) {
    expect(parts.length).toBeGreaterThan(1);
    for (const q of parts) expect(submitted).toContain(q); // the very arrays submitted (identity, not copies)
    const order = parts.map((q) => submitted.indexOf(q));
    expect(order).toEqual([...order].sort((x, y) => x - y));
  }
});

test('with every request\'s top-k, a runParts runner gets them per part, and each request gets its own part\'s answer', async () => {
  const r = runner(false, []);
  const seenTopk: (number[] | undefined)[] = [];
  const viaParts = new Set<number>();
  r.runParts = (parts, shape, topk) => {
    seenTopk.push(topk);
    const joined = new Float32Array(shape[0] * 2);
    let at = 0;
    for (const q of parts) {
      joined.set(q, at);
      at += q.length;
      viaParts.add(q[0]);
    }
    // each part's answer names its first sample and its top-k, so a request given another's fails
    return r.runRaw(joined, shape).then((o) => ({ ...o, answers: topk ? parts.map((q, i) => `${q[0]}:${topk[i]}`) : undefined }));
  };
  const b = new Batcher(r, opts);
  const outs = await Promise.all(Array.from({ length: 6 }, (_, i) => b.submit(sample(i), [1, 2], i + 1)));
  outs.forEach((o, i) => {
    expect(Array.from(o.data)).toEqual([2 * i + 0.5]);
    // a lone request (the first, sent at once to the idle worker) goes through runRaw, unanswered
    expect(o.answer).toBe(viaParts.has(i) ? `${i}:${i + 1}` : undefined);
  });
  expect(viaParts.size).toBeGreaterThanOrEqual(4);
  expect(seenTopk.every((t) => t !== undefined && t.length > 1)).toBe(true);
  // a batch with a request without top-k is run without (no answers; the caller formats)
  const before = seenTopk.length;
  const [, a, c] = await Promise.all([b.submit(sample(6), [1, 2], 1), b.submit(sample(7), [1, 2], 3), b.submit(sample(8), [1, 2])]);
  expect(seenTopk.length).toBe(before + 1); // 6 alone (runRaw), then 7 and 8 together
  expect(seenTopk[before]).toBeUndefined();
  expect(a.answer).toBeUndefined();
  expect(c.answer).toBeUndefined();
  expect(Array.from(c.data)).toEqual([16.5]);
});

test('a runner that throws fails that batch with its error; the next batches still run', async () => {
  const r = runner(true, []);
  let fail = true;
  const good = r.runBatch!;
  r.runBatch = (buf, shape) => {
    if (fail) {
      fail = false;
      throw new Error('boom');
    }
    return good(buf, shape);
  };
  const b = new Batcher(r, opts);
  const first = b.submit(sample(0), [1, 2]); // runs alone (runRaw)
  const queued = [b.submit(sample(1), [1, 2]), b.submit(sample(2), [1, 2])]; // one batch: runBatch throws
  await first;
  await expect(queued[0]).rejects.toThrow('boom');
  await expect(queued[1]).rejects.toThrow('boom');
  await rounds(b, 2, 3);
});

test('uint8 and float32 requests of one sample shape go in separate batches, each of one dtype (runParts and runRaw)', async () => {
  for (const withParts of [true, false]) {
    const kinds: string[][] = [];
    const rowsOf = (parts: (Float32Array | Uint8Array)[], shape: number[]): RawOutput => {
      kinds.push(parts.map((q) => Object.prototype.toString.call(q)));
      const out = new Float32Array(shape[0]);
      let r = 0;
      for (const q of parts) for (let i = 0; i < q.length; i += 2) out[r++] = q[i] + q[i + 1] + (q instanceof Uint8Array ? 1000 : 0);
      return { data: out, shape: [shape[0], 1] };
    };
    const later = <T>(f: () => T) => new Promise<T>((res) => setTimeout(() => res(f()), 5));
    const r: BatchRunner = { workers: 1, runRaw: (data, shape) => later(() => rowsOf([data], shape)) };
    if (withParts) r.runParts = (parts, shape) => later(() => rowsOf(parts, shape));
    const b = new Batcher(r, opts);
    const first = b.submit(sample(0), [1, 2]); // runs alone; the rest queue behind it
    const subs = Array.from({ length: 12 }, (_, i) => (i % 2 ? b.submit(Uint8Array.from([i, 2 * i]), [1, 2]) : b.submit(sample(i), [1, 2])));
    await first;
    const outs = await Promise.all(subs);
    outs.forEach((o, i) => expect(o.data[0]).toBe(i % 2 ? 1000 + 3 * i : 2 * i + 0.5));
    expect(kinds.length).toBeGreaterThan(2);
    for (const k of kinds) expect(new Set(k).size).toBe(1); // one dtype per batch
    expect(kinds.flat()).toContain('[object Uint8Array]');
  }
});

test('hwc pixel requests go in batches of their own, and the runner is told (runParts and runRaw)', async () => {
  for (const withParts of [true, false]) {
    const seen: { hwc: boolean; values: number[] }[] = [];
    const later = <T>(f: () => T) => new Promise<T>((res) => setTimeout(() => res(f()), 5));
    const answer = (parts: (Float32Array | Uint8Array)[], shape: number[], hwc?: boolean): RawOutput => {
      seen.push({ hwc: hwc === true, values: parts.flatMap((q) => Array.from(q)) });
      return { data: new Float32Array(shape[0]), shape: [shape[0], 1] };
    };
    const r: BatchRunner = { workers: 1, runRaw: (data, shape, hwc) => later(() => answer([data], shape, hwc)) };
    if (withParts) r.runParts = (parts, shape, _topk, hwc) => later(() => answer(parts, shape, hwc));
    const b = new Batcher(r, opts);
    const first = b.submit(Uint8Array.from([0, 0]), [1, 2]);
    // the same sample shape in both layouts: hwc ones carry 100+
    const subs = Array.from({ length: 10 }, (_, i) => b.submit(Uint8Array.from([i % 2 ? 100 + i : i, 0]), [1, 2], undefined, i % 2 === 1));
    await Promise.all([first, ...subs]);
    for (const batch of seen) expect(batch.values.filter((v, j) => j % 2 === 0).every((v) => v >= 100 === batch.hwc)).toBe(true);
    expect(seen.some((q) => q.hwc)).toBe(true);
  }
});
