// test/serve/session.test.ts — InferenceSession (lib/serve/session.ts), shared weights
// (lib/serve/shared.ts) and torch.saveAsync / torch.loadAsync:
//  - session.run equals model.forward; runParts / runRaw of SharedArrayBuffer views (read in place);
//    concurrent runs on several workers; the event loop keeps
//    turning while a worker computes; a killed worker fails its job (ERR_TORCHLET_WORKER) and is
//    replaced; close() finishes queued work, later runs fail; bad arguments are coded errors.
//  - the weights exist once: the workers' parameters are borrowed views of one SharedArrayBuffer
//    (a worker holds only working buffers: replay plans, packed conv weights), and in a child process the memory of 4 workers of a
//    64 MB model grows by far less than 4 copies.
//  - saveAsync / loadAsync round-trip every dtype with metadata, write atomically (no temporary
//    left, a symbolic link refused), refuse a damaged file with the same errors as load.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../lib';
import { InferenceSession } from '../../lib/serve/session';
import { formatOutput, predictionsJson } from '../../lib/serve/answer';
import { serveMetadata } from '../../lib/serve/model';
import { shareStateDict, bindSharedWeights } from '../../lib/serve/shared';
import { saveAsync, loadWithMetadataAsync } from '../../lib/serialize';
import { runChild, describeChild, lastJson, TORCH } from '../child';
import { expectArgError } from '../helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-session-'));
const ckpt = path.join(dir, 'fashion.safetensors');
let model: torch.models.FashionCNN;

beforeAll(() => {
  torch.manualSeed(3);
  model = torch.models.fashionCnn();
  model.eval();
  torch.save(model.stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('InferenceSession', () => {
  let s: InferenceSession;
  beforeAll(async () => {
    s = await InferenceSession.create({ checkpoint: ckpt, workers: 2, threads: 1 });
  });
  afterAll(() => s.close());

  test('run() equals model.forward, for odd batch sizes, concurrently', async () => {
    const xs = [1, 3, 7].map((n) => torch.randn([n, 1, 28, 28]));
    const ys = await Promise.all(xs.map((x) => s.run(x)));
    ys.forEach((y, i) => {
      const want = torch.noGrad(() => model.forward(xs[i]));
      expect(y.shape).toEqual(want.shape);
      const a = y.toArray() as Float32Array;
      const b = want.toArray() as Float32Array;
      a.forEach((v, j) => expect(Math.abs(v - b[j])).toBeLessThan(1e-5));
    });
    expect(s.workers).toBe(2);
    expect(s.threads).toBe(1);
  });

  test('runBatch(): the batch in the first elements of a longer buffer; the buffer comes back for reuse', async () => {
    const x = torch.randn([3, 1, 28, 28]);
    const buf = new Float32Array(5 * 784).fill(1e6); // room for 5 samples; the tail must be ignored
    buf.set(x.toArray() as Float32Array);
    const out = await s.runBatch(buf, [3, 1, 28, 28]);
    expect(buf.length).toBe(0); // transferred to the worker
    expect(out.input!.length).toBe(5 * 784);
    expect(out.input![3 * 784]).toBe(1e6);
    expect(out.shape).toEqual([3, 10]);
    const want = torch.noGrad(() => model.forward(x)).toArray() as Float32Array;
    out.data.forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-5));
    const loose = s as unknown as { runBatch(...a: unknown[]): Promise<unknown> };
    expectArgError(() => loose.runBatch(new Float32Array(784), [2, 1, 28, 28]), 'shape');
    expectArgError(() => loose.runBatch(new Float32Array(2 * 784).subarray(784), [1, 1, 28, 28]), 'buf');
    expectArgError(() => loose.runBatch(new Float32Array(new SharedArrayBuffer(4 * 784)), [1, 1, 28, 28]), 'buf');
  });

  test('runParts(): a batch given as pieces equals the same batch in one buffer; whole-buffer pieces are transferred, views copied', async () => {
    const x = torch.randn([4, 1, 28, 28]);
    const all = x.toArray() as Float32Array;
    const whole = new Float32Array(all.subarray(0, 784)); // owns its buffer: transferred
    const big = new Float32Array(5 * 784).fill(7);
    big.set(all.subarray(784, 3 * 784), 784);
    const view = big.subarray(784, 3 * 784); // two samples in the middle of a larger buffer: copied
    const last = new Float32Array(all.subarray(3 * 784));
    const shared = new Float32Array(new SharedArrayBuffer(4 * 784));
    const out = await s.runParts([whole, view, last], [4, 1, 28, 28]);
    await s.runParts([shared, new Float32Array(784)], [2, 1, 28, 28]); // a shared buffer is never transferred
    expect(shared.length).toBe(784);
    expect(whole.length).toBe(0); // detached
    expect(last.length).toBe(0);
    expect(view.length).toBe(2 * 784); // untouched
    expect(big[0]).toBe(7);
    expect(out.shape).toEqual([4, 10]);
    const want = torch.noGrad(() => model.forward(x)).toArray() as Float32Array;
    out.data.forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-5));
    const loose = s as unknown as { runParts(...a: unknown[]): Promise<unknown> };
    expectArgError(() => loose.runParts([new Float32Array(784)], [2, 1, 28, 28]), 'shape');
    expectArgError(() => loose.runParts([new Float64Array(784)], [1, 1, 28, 28]), 'parts');
    expectArgError(() => loose.runParts(new Float32Array(784), [1, 1, 28, 28]), 'parts');
  });

  test('runParts() / runRaw() read SharedArrayBuffer views where they are: each worker gets a buffer once, then its id; rewritten buffers give new answers', async () => {
    const want = (x: Float32Array, n: number) => torch.noGrad(() => model.forward(torch.fromBuffer(new Float32Array(x), [n, 1, 28, 28]))).toArray() as Float32Array;
    const close = (got: Float32Array, w: Float32Array) => {
      expect(got.length).toBe(w.length);
      got.forEach((v, j) => expect(Math.abs(v - w[j])).toBeLessThan(1e-5));
    };
    // one shared buffer holding three samples, read as views at offsets (two parts of it in one batch)
    const sab = new SharedArrayBuffer(4 * 3 * 784);
    const all = new Float32Array(sab);
    for (let round = 0; round < 6; round++) {
      // more rounds than workers: every worker sees the buffer first with it, then by id only
      all.set(torch.randn([3 * 784]).toArray() as Float32Array);
      const a = all.subarray(0, 784);
      const b = all.subarray(784, 3 * 784);
      const [both, lone] = await Promise.all([s.runParts([b, a], [3, 1, 28, 28]), s.runRaw(all.subarray(2 * 784), [1, 1, 28, 28])]);
      close(both.data, want(new Float32Array([...b, ...a]), 3));
      close(lone.data, want(all.subarray(2 * 784), 1));
      expect(all.length).toBe(3 * 784); // never detached
    }
  });

  test('runParts() with top-k per part: the worker answers each part, the text predictionsJson gives for its rows (formatOutput values as float32)', async () => {
    const x = torch.randn([4, 1, 28, 28]);
    const all = x.toArray() as Float32Array;
    const parts = [new Float32Array(all.subarray(0, 784)), new Float32Array(all.subarray(784, 3 * 784)), new Float32Array(all.subarray(3 * 784))];
    const out = await s.runParts(parts, [4, 1, 28, 28], [1, 3, 10]);
    expect(out.answers).toHaveLength(3);
    const rows: [number, number, number][] = [[0, 1, 1], [1, 2, 3], [3, 1, 10]]; // first row, rows, top-k
    rows.forEach(([r0, n, k], i) => {
      const mine = { data: out.data.slice(r0 * 10, (r0 + n) * 10), shape: [n, 10] };
      expect(out.answers![i]).toBe(predictionsJson(out.data, 10, r0, n, s.spec.classes, k));
      const want = formatOutput('m', mine, s.spec.classes, k) as { predictions: { index: number; probs: number[] }[] };
      const got = JSON.parse(out.answers![i]) as { class: string; index: number; probs: number[]; topk: unknown[] }[];
      got.forEach((g, r) => {
        expect(g.index).toBe(want.predictions[r].index);
        // the same float32 values (within an ulp: the C library's exp against V8's)
        g.probs.forEach((v, c) => expect(Math.abs(Math.fround(v) - want.predictions[r].probs[c])).toBeLessThanOrEqual(Math.abs(want.predictions[r].probs[c]) * 2 ** -23));
      });
      expect(got).toHaveLength(n);
      expect(got[0].topk).toHaveLength(k);
      expect(s.spec.classes).toContain(got[0].class); // FashionCNN's class names, from the worker's spec
    });
    const plain = await s.runParts([new Float32Array(784)], [1, 1, 28, 28]);
    expect(plain.answers).toBeUndefined();
    const loose = s as unknown as { runParts(...a: unknown[]): Promise<unknown> };
    expectArgError(() => loose.runParts([new Float32Array(784)], [1, 1, 28, 28], [1, 2]), 'topk');
    expectArgError(() => loose.runParts([new Float32Array(784)], [1, 1, 28, 28], [0]), 'topk');
    expectArgError(() => loose.runParts([new Float32Array(392), new Float32Array(392)], [1, 1, 28, 28], [1, 1]), 'parts');
  });

  test('the event loop keeps turning while the workers compute', async () => {
    const x = torch.randn([64, 1, 28, 28]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = Date.now();
    await Promise.all([s.run(x), s.run(x), s.run(x), s.run(x)]);
    const ms = Date.now() - t0;
    clearInterval(timer);
    // a blocked loop would tick about once; a free one about once per ms (loosely: a loaded machine)
    expect(ticks).toBeGreaterThan(Math.min(10, ms / 10));
  });

  test('the weights exist once: a worker holds only working buffers; memory() reports them', async () => {
    const m = await s.memory();
    const weights = Object.values(model.stateDict()).reduce((a, t) => a + t.numel() * 4, 0);
    expect(m.sharedWeightBytes).toBeGreaterThanOrEqual(weights);
    expect(m.sharedWeightBytes).toBeLessThan(weights + 64 * 20);
    expect(m.workers).toHaveLength(2);
    for (const w of m.workers) {
      // the frozen model's replay buffers (the batch-64 plan of the test above: about 2.8 MB) and
      // pre-packed conv weights; the weights themselves are the shared ones (see the 64 MB test below)
      expect(w.privateNativeBytes).toBeLessThan(4 * 2 ** 20);
      expect(w.heapTotalBytes).toBeGreaterThan(0);
    }
    expect(m.rssBytes).toBeGreaterThan(0);
  });

  test('a killed worker fails its job with ERR_TORCHLET_WORKER and is replaced', async () => {
    const x = torch.randn([256, 1, 28, 28]);
    const jobs = [s.run(x), s.run(x)];
    await new Promise((r) => setTimeout(r, 5));
    await s.killWorker(0);
    const res = await Promise.allSettled(jobs);
    const failed = res.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    for (const f of failed) expect((f.reason as { code: string }).code).toBe('ERR_TORCHLET_WORKER');
    expect(s.restarts).toBe(1);
    const y = await s.run(torch.randn([2, 1, 28, 28]));
    expect(y.shape).toEqual([2, 10]);
    for (let i = 0; i < 200 && s.readyWorkers < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(s.readyWorkers).toBe(2);
  });

  (process.platform === 'linux' ? test : test.skip)('opts.nice: the workers and their OpenMP threads run at that niceness, the main thread at 0', async () => {
    const niceOf = () =>
      fs.readdirSync('/proc/self/task').map((t) => {
        const st = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        return { tid: Number(t), nice: Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]) };
      });
    const before = new Set(niceOf().map((t) => t.tid));
    const n = await InferenceSession.create({ checkpoint: ckpt, workers: 1, threads: 2, nice: 7 });
    try {
      await n.run(torch.randn([8, 1, 28, 28]));
      const fresh = niceOf().filter((t) => !before.has(t.tid) && t.nice === 7);
      expect(fresh.length).toBeGreaterThanOrEqual(2); // the worker thread and its second OpenMP thread
      expect(niceOf().find((t) => t.tid === process.pid)!.nice).toBe(0);
      expect(n.nice).toBe(7);
    } finally {
      await n.close();
    }
    expect(s.nice).toBe(10); // the CPU default
    const loose = InferenceSession.create as unknown as (o: unknown) => Promise<unknown>;
    await expect(loose({ checkpoint: ckpt, nice: 20 })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/opts\.nice/) });
    await expect(loose({ checkpoint: ckpt, nice: 1.5 })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE', message: expect.stringMatching(/opts\.nice/) });
  });

  test('opts.singleThreadBelow: smaller batches give the same results on one thread as on all; timed at warm-up by default', async () => {
    const x = torch.randn([9, 1, 28, 28]);
    const sizes = [1, 3, 4, 9]; // below and from the mixed session's 4
    const sessions = await Promise.all(
      [100, 0, 4, undefined].map((below) => InferenceSession.create({ checkpoint: ckpt, workers: 1, threads: 2, singleThreadBelow: below })),
    );
    try {
      const [one, all, mixed, timed] = sessions;
      expect([one, all, mixed].map((q) => q.singleThreadBelow)).toEqual([100, 0, 4]);
      expect(Number.isInteger(timed.singleThreadBelow)).toBe(true); // timed: 0 (never timed), or 1 to 65
      expect(timed.singleThreadBelow).toBeGreaterThanOrEqual(0);
      expect(timed.singleThreadBelow).toBeLessThanOrEqual(65);
      for (const n of sizes) {
        const xn = x.narrow(0, 0, n);
        const ys = await Promise.all(sessions.map((q) => q.run(xn)));
        const want = ys[1].toArray() as Float32Array; // all threads
        for (const y of ys) expect(Buffer.from((y.toArray() as Float32Array).buffer).equals(Buffer.from(want.buffer))).toBe(true);
        const ref = torch.noGrad(() => model.forward(xn)).toArray() as Float32Array;
        want.forEach((v, j) => expect(Math.abs(v - ref[j])).toBeLessThan(1e-5));
      }
    } finally {
      await Promise.all(sessions.map((q) => q.close()));
    }
    expect(s.singleThreadBelow).toBe(0); // one thread per worker: nothing to choose
    const loose = InferenceSession.create as unknown as (o: unknown) => Promise<unknown>;
    await expect(loose({ checkpoint: ckpt, singleThreadBelow: -1 })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/opts\.singleThreadBelow/) });
    await expect(loose({ checkpoint: ckpt, singleThreadBelow: 2.5 })).rejects.toMatchObject({ message: expect.stringMatching(/opts\.singleThreadBelow/) });
    await expect(loose({ checkpoint: ckpt, singleThreadBelow: '4' })).rejects.toMatchObject({ message: expect.stringMatching(/opts\.singleThreadBelow/) });
  });

  test('by default each worker keeps choosing per batch size (ThreadChooser): a batch in 16 runs on the other count at first; a fixed singleThreadBelow never changes', async () => {
    const x = torch.randn([16, 1, 28, 28]);
    const [adaptive, fixed] = await Promise.all([undefined, 100].map((below) => InferenceSession.create({ checkpoint: ckpt, workers: 1, threads: 2, singleThreadBelow: below })));
    try {
      const outs: Buffer[] = [];
      for (let i = 0; i < 40; i++) {
        const [a, f] = await Promise.all([adaptive.run(x), fixed.run(x)]);
        outs.push(Buffer.from((a.toArray() as Float32Array).buffer), Buffer.from((f.toArray() as Float32Array).buffer));
      }
      // the adaptive worker ran some of its 40 batches on each count (the warm-up's choice for 16 samples,
      // then its 16th batch on the other); the fixed one all 40 on one thread
      const a = adaptive.batchesByThreads;
      expect([...a.keys()].sort()).toEqual([1, 2]);
      expect((a.get(1) ?? 0) + (a.get(2) ?? 0)).toBe(40);
      expect([...fixed.batchesByThreads]).toEqual([[1, 40]]);
      // and the same bits whichever count ran a batch
      for (const o of outs) expect(o.equals(outs[0])).toBe(true);
    } finally {
      await Promise.all([adaptive.close(), fixed.close()]);
    }
  });

  (process.platform === 'linux' ? test : test.skip)('opts.singleThreadBelow: a batch below it leaves the worker\'s other OpenMP thread idle, one from it does not', async () => {
    // each session's threads are found by a niceness no other thread has; their CPU time (schedstat, ns)
    // over 40 batches of 16 samples: one thread works, or two do
    const threadsAt = (nice: number) =>
      fs.readdirSync('/proc/self/task').filter((t) => {
        const st = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]) === nice;
      });
    const cpuNs = (tids: string[]) => tids.map((t) => Number(fs.readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]));
    const busy = async (below: number, nice: number) => {
      const q = await InferenceSession.create({ checkpoint: ckpt, workers: 1, threads: 2, singleThreadBelow: below, nice });
      try {
        const x = torch.randn([16, 1, 28, 28]);
        await q.run(x);
        const tids = threadsAt(nice);
        expect(tids.length).toBeGreaterThanOrEqual(2); // the worker thread and its second OpenMP thread
        const c0 = cpuNs(tids);
        for (let i = 0; i < 40; i++) await q.run(x);
        const used = cpuNs(tids).map((c, i) => (c - c0[i]) / 1e6);
        return used.filter((ms) => ms > 3).length; // threads that did real work (the batches: about 0.5-2 ms each)
      } finally {
        await q.close();
      }
    };
    expect(await busy(17, 3)).toBe(1);
    expect(await busy(16, 4)).toBe(2);
  });

  test('bad arguments are coded errors naming them', async () => {
    const loose = s as unknown as { run(...a: unknown[]): Promise<unknown>; runRaw(...a: unknown[]): Promise<unknown> };
    await expect(loose.run([1, 2])).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE', message: expect.stringMatching(/\bx\b/) });
    await expect(loose.run(torch.zeros([1], { dtype: 'int64' }))).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' });
    await expect(loose.run(torch.zeros([1, 1, 28, 28]), 2)).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG' });
    expectArgError(() => loose.runRaw(new Float32Array(3), [2, 2]), 'shape');
    // a shape the model cannot take: the worker's error comes back, coded
    await expect(loose.run(torch.zeros([1, 3, 5, 5]))).rejects.toMatchObject({ message: expect.stringMatching(/inference failed/) });
    await expect(InferenceSession.create({ checkpoint: ckpt, workers: 0 })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG' });
    await expect(InferenceSession.create({ checkpoint: ckpt, worker: 2 } as never)).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/opts\.worker/) });
    await expect(InferenceSession.create({})).rejects.toMatchObject({ code: 'ERR_TORCHLET_BAD_CHECKPOINT', message: expect.stringMatching(/--checkpoint/) });
    await expect(InferenceSession.create({ checkpoint: path.join(dir, 'none.safetensors') })).rejects.toMatchObject({ code: 'ERR_TORCHLET_BAD_CHECKPOINT' });
    await expect(InferenceSession.create({ checkpoint: ckpt, device: 'tpu' })).rejects.toMatchObject({ code: 'ERR_TORCHLET_DEVICE' });
  });

  test('close() finishes the queued runs; later runs fail', async () => {
    const s2 = await InferenceSession.create({ checkpoint: ckpt, workers: 1, threads: 1 });
    const jobs = [1, 2, 3].map((n) => s2.run(torch.randn([n, 1, 28, 28])));
    await s2.close();
    const ys = await Promise.all(jobs);
    expect(ys.map((y) => y.shape[0])).toEqual([1, 2, 3]);
    await expect(s2.run(torch.randn([1, 1, 28, 28]))).rejects.toMatchObject({ code: 'ERR_TORCHLET_WORKER', message: expect.stringMatching(/closed/) });
  });
});

describe('shared weights', () => {
  test('bindSharedWeights makes a model a view of the shared bytes (a write shows through), with equal outputs', () => {
    const src = torch.models.fashionCnn();
    src.eval();
    const w = shareStateDict(src.stateDict());
    const m = torch.models.fashionCnn();
    m.eval();
    bindSharedWeights(m, w);
    const x = torch.randn([2, 1, 28, 28]);
    expect(Array.from(torch.noGrad(() => m.forward(x)).toArray() as Float32Array)).toEqual(Array.from(torch.noGrad(() => src.forward(x)).toArray() as Float32Array));
    const e = w.tensors.find((t) => t.name === 'fc2.bias')!;
    new Float32Array(w.buffer, e.byteOffset, 10)[3] = 42;
    expect((m.fc2.bias!.toArray() as Float32Array)[3]).toBe(42);
  });
  test('weights of another architecture are refused, naming the keys', () => {
    const w = shareStateDict({ 'conv1.weight': torch.zeros([2]) });
    expect(() => bindSharedWeights(torch.models.fashionCnn(), w)).toThrow(/missing keys: conv1.bias/);
  });

  test('4 workers of a 64 MB model: RSS grows by far less than 4 copies of the weights', () => {
    const r = runChild(
      `
      const torch = require(${TORCH});
      const { InferenceSession } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'serve', 'session.ts'))});
      const file = ${JSON.stringify(path.join(dir, 'big.js'))};
      require('fs').writeFileSync(file, \`
        const torch = require(${TORCH});
        exports.input = { shape: [4096] };
        exports.createModel = () => new torch.nn.Sequential(new torch.nn.Linear(4096, 4096), new torch.nn.Linear(4096, 10));
      \`);
      (async () => {
        const out = {};
        for (const workers of [1, 4]) {
          global.gc(); const rss0 = process.memoryUsage().rss;
          const s = await InferenceSession.create({ module: file, workers, threads: 1 });
          await Promise.all(Array.from({ length: workers }, () => s.run(torch.randn([2, 4096]))));
          const m = await s.memory();
          out['w' + workers] = { grow: m.rssBytes - rss0, shared: m.sharedWeightBytes, private: m.workers.map((w) => w.privateNativeBytes), heap: m.workers.map((w) => w.heapTotalBytes) };
          await s.close();
        }
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(2); });
      `,
      { nodeArgs: ['--expose-gc'], timeoutMs: 180000 },
    );
    if (r.status !== 0) throw new Error(describeChild(r));
    console.log(`shared weights: ${r.stdout.trim()}`);
    const o = lastJson<Record<string, { grow: number; shared: number; private: number[] }>>(r);
    const weights = o.w4.shared;
    expect(weights).toBeGreaterThan(64e6);
    for (const p of o.w4.private) expect(p).toBeLessThan(0.01 * weights); // working buffers only
    // 3 more workers cost their V8 heaps and code, not 3 more copies of 64 MB
    expect(o.w4.grow - o.w1.grow).toBeLessThan(1.2 * weights);
  });
});

describe('torch.saveAsync / torch.loadAsync', () => {
  test('round trip of every dtype with metadata; the file equals save()', async () => {
    const d = {
      f: torch.randn([3, 5]), d: torch.randn([4], { dtype: 'float64' }), i: torch.tensor([1, -2, 3], { dtype: 'int32' }),
      l: torch.tensor([5, -6], { dtype: 'int64' }), u: torch.tensor([1, 255], { dtype: 'uint8' }), b: torch.tensor([true, false]),
    };
    const a = path.join(dir, 'a.safetensors');
    const b = path.join(dir, 'sub', 'b.safetensors');
    await saveAsync(d, a, { metadata: { k: 'v' } });
    torch.save(d, b, { metadata: { k: 'v' } });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    const back = await loadWithMetadataAsync(a);
    expect(back.metadata.k).toBe('v');
    for (const [k, t] of Object.entries(d)) {
      expect(back.tensors[k].dtype).toBe(t.dtype);
      expect(back.tensors[k].tolist()).toEqual(t.tolist());
    }
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const viaIndex = await torch.loadAsync(a);
    expect(Object.keys(viaIndex).sort()).toEqual(Object.keys(d).sort());
  });
  test('atomic replacement: an existing file is replaced whole; a symbolic link is refused', async () => {
    const f = path.join(dir, 'r.safetensors');
    await torch.saveAsync({ x: torch.zeros([1000]) }, f);
    await torch.saveAsync({ y: torch.ones([2]) }, f);
    expect(Object.keys(await torch.loadAsync(f))).toEqual(['y']);
    const link = path.join(dir, 'link.safetensors');
    fs.symlinkSync(f, link);
    await expect(torch.saveAsync({ y: torch.ones([2]) }, link)).rejects.toMatchObject({ code: 'ERR_TORCHLET_IO', message: expect.stringMatching(/symbolic link/) });
  });
  test('bad files and bad arguments: the same coded errors as load/save', async () => {
    const f = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(f, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    await expect(torch.loadAsync(f)).rejects.toMatchObject({ code: 'ERR_TORCHLET_BAD_FILE', message: expect.stringMatching(/header length 200 exceeds the file size/) });
    await expect(torch.loadAsync(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ERR_TORCHLET_IO' });
    await expect(torch.loadAsync(dir)).rejects.toMatchObject({ code: 'ERR_TORCHLET_IO' });
    await expect((torch.loadAsync as (...a: unknown[]) => Promise<unknown>)(3)).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' });
    await expect((torch.saveAsync as (...a: unknown[]) => Promise<unknown>)({ x: 1 }, path.join(dir, 'z.safetensors'))).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG' });
  });
});
