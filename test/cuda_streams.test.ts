// test/cuda_streams.test.ts — CUDA streams (lib/cuda_stream.ts, native/cuda/runtime.cu, allocator.cu,
// binding.cc): each thread's own current stream (distinct per worker thread), torch.cuda.stream(s, fn)
// routing work to s and restoring the previous stream, the caching allocator never handing a block
// freed on one stream to another (per-stream free lists) nor reusing a block another stream used
// before that stream's work is done (events: held incomplete by the emulator to see it), reads
// (toArray, await data()) after work on another stream, an InferenceSession on CUDA with one stream
// per worker giving model.forward's answers, and the coded errors where CUDA is absent.
// On the emulated device streams run synchronously, so these check semantics and bookkeeping, not
// overlap (bench/gpu.sh times that on a real GPU). The emulator counts the work issued per stream
// (native.cudaStreamWork; -1 on a GPU, where those checks are skipped).
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';
import { Worker } from 'worker_threads';
import * as torch from '../lib';
import { native } from '../lib/binding';
import { collectGarbage } from '../lib/memory';
import { TorchletError } from '../lib/errors';
import { InferenceSession } from '../lib/serve/session';
import { serveMetadata } from '../lib/serve/model';
import { testCuda, testNoCuda, CUDA_AVAILABLE } from './devices';

const EMULATED = CUDA_AVAILABLE && native.cudaStreamWork(native.cudaCurrentStream()) >= 0;
/** test() on the emulated CUDA device only (its per-stream counters and held events), else skipped with the reason. */
function testEmu(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (EMULATED) test(name, fn, timeout);
  else test.skip(`${name} (skipped: needs the CUDA emulator's counters; ${CUDA_AVAILABLE ? 'this is a real GPU' : 'no CUDA here'})`, fn);
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${String(e)}`;
  }
  return 'no error';
}
const work = (s: torch.cuda.Stream) => native.cudaStreamWork(s.id);
const mallocs = () => torch.cuda.memoryStats().mallocs;

describe('torch.cuda streams', () => {
  testNoCuda('without CUDA: Stream and currentStream throw ERR_TORCHLET_NO_CUDA; stream(null, fn) runs fn', () => {
    expect(codeOf(() => new torch.cuda.Stream())).toBe('ERR_TORCHLET_NO_CUDA');
    expect(codeOf(() => torch.cuda.currentStream())).toBe('ERR_TORCHLET_NO_CUDA');
    expect(torch.cuda.stream(null, () => 42)).toBe(42);
    expect(codeOf(() => torch.cuda.stream({} as never, () => 1))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
  });

  testCuda('the thread keeps one current stream; new Streams are distinct; stream(s, fn) makes s current and restores', () => {
    const main = torch.cuda.currentStream();
    expect(torch.cuda.currentStream().id).toBe(main.id);
    expect(main.device).toBe('cuda:0');
    const a = new torch.cuda.Stream();
    const b = new torch.cuda.Stream('cuda');
    expect(new Set([main.id, a.id, b.id]).size).toBe(3);
    const seen: number[] = [];
    const r = torch.cuda.stream(a, () => {
      expect(torch.cuda.currentStream()).toBe(a); // the Stream itself (which keeps it alive)
      seen.push(torch.cuda.currentStream().id);
      torch.cuda.stream(b, () => seen.push(torch.cuda.currentStream().id));
      seen.push(torch.cuda.currentStream().id);
      return 'done';
    });
    expect(r).toBe('done');
    expect(seen).toEqual([a.id, b.id, a.id]);
    expect(torch.cuda.currentStream().id).toBe(main.id);
    // restored after a throw, and after an async fn (refused: the stream does not follow an await)
    expect(() => torch.cuda.stream(a, () => {
      throw new Error('inside');
    })).toThrow('inside');
    expect(torch.cuda.currentStream().id).toBe(main.id);
    expect(codeOf(() => torch.cuda.stream(a, async () => 1))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(torch.cuda.currentStream().id).toBe(main.id);
    expect(torch.cuda.stream(null, () => torch.cuda.currentStream().id)).toBe(main.id);
    expect(String(a)).toBe(`<torch.cuda.Stream id=${a.id} device=cuda:0>`);
  });

  testCuda('bad arguments are coded errors', () => {
    const s = new torch.cuda.Stream();
    expect(codeOf(() => torch.cuda.stream('x' as never, () => 1))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(codeOf(() => torch.cuda.stream(s, 5 as never))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(codeOf(() => new torch.cuda.Stream('cpu'))).toBe('ERR_TORCHLET_DEVICE');
    expect(codeOf(() => s.waitStream(3 as never))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(codeOf(() => torch.cuda.currentStream('cpu'))).toBe('ERR_TORCHLET_DEVICE');
  });

  testEmu('kernels, copies and fills inside stream(s, fn) go on s, and nothing on the thread\'s own stream', () => {
    const s = new torch.cuda.Stream();
    const main = torch.cuda.currentStream();
    const x = torch.randn([5, 7]).cuda(); // on the main stream
    const s0 = work(s), m0 = work(main);
    const y = torch.cuda.stream(s, () => x.mul(2).add(torch.ones([5, 7], { device: 'cuda' })));
    expect(work(s)).toBeGreaterThanOrEqual(s0 + 3); // mul, fill, add
    expect(work(main)).toBe(m0);
    const m1 = work(main), s1 = work(s);
    const z = x.sub(1);
    expect(work(main)).toBeGreaterThan(m1);
    expect(work(s)).toBe(s1);
    // the values: made on s, read back on the main stream (after waiting for s)
    const want = (x.cpu().toArray() as Float32Array).map((v) => v * 2 + 1);
    expect(Array.from(y.toArray() as Float32Array)).toEqual(Array.from(want));
    expect(z.shape).toEqual([5, 7]);
  });

  testCuda('await data() and toArray() after work on another stream give the values', async () => {
    const s = new torch.cuda.Stream();
    const xc = torch.randn([3, 11]);
    const want = Array.from(xc.toArray() as Float32Array).map((v) => Math.fround(Math.fround(v * 3) - 0.5));
    const y = torch.cuda.stream(s, () => xc.cuda().mul(3).sub(0.5));
    expect(Array.from((await y.data()) as Float32Array)).toEqual(want);
    // read inside the stream too, and a tensor of the main stream read inside s
    const w = torch.cuda.stream(s, () => y.toArray());
    expect(Array.from(w as Float32Array)).toEqual(want);
    const onMain = xc.cuda();
    // (a promise inside an object: stream() refuses fn returning one, as the stream would not follow an await)
    const got = await torch.cuda.stream(s, () => ({ pending: onMain.data() })).pending;
    expect(Array.from(got as Float32Array)).toEqual(Array.from(xc.toArray() as Float32Array));
    s.synchronize();
    expect(s.query()).toBe(true);
    torch.cuda.synchronize();
  });

  testEmu('a block freed on one stream is never handed to another stream; on its own stream it is reused', () => {
    const a = new torch.cuda.Stream();
    const b = new torch.cuda.Stream();
    const n = 12345; // 49,380 bytes: a size class nothing else in this file uses
    const x = torch.cuda.stream(a, () => torch.empty([n], { device: 'cuda' }));
    x.dispose();
    let m = mallocs();
    const y = torch.cuda.stream(b, () => torch.empty([n], { device: 'cuda' }));
    expect(mallocs()).toBe(m + 1); // a's freed block is not b's
    m = mallocs();
    const z = torch.cuda.stream(a, () => torch.empty([n], { device: 'cuda' }));
    expect(mallocs()).toBe(m); // a reuses its own
    y.dispose();
    z.dispose();
  });

  testEmu('a block another stream used is reused only after that stream\'s work is done (events), and query() sees the work', () => {
    const a = new torch.cuda.Stream();
    const b = new torch.cuda.Stream();
    const n = 23457; // 93,828 bytes: its own size class
    const x = torch.cuda.stream(a, () => torch.randn([n], { device: 'cuda' }));
    const before = torch.cuda.memoryStats();
    native.cudaEmuHoldEvents(true);
    try {
      // b reads x (made on a): b waits for a (an event on a), and x's block is recorded as used by b
      const s = torch.cuda.stream(b, () => x.sum());
      expect(a.query()).toBe(false); // the event b waits for is still "running" on a
      a.synchronize();
      expect(a.query()).toBe(true);
      x.dispose();
      const freed = torch.cuda.memoryStats();
      expect(freed.crossStreamFrees).toBe(before.crossStreamFrees + 1);
      expect(freed.pendingFrees).toBe(before.pendingFrees + 1);
      expect(b.query()).toBe(false);
      // a allocates the same size while b's work may still read x: a fresh block
      let m = mallocs();
      const y = torch.cuda.stream(a, () => torch.empty([n], { device: 'cuda' }));
      expect(mallocs()).toBe(m + 1);
      expect(torch.cuda.memoryStats().pendingFrees).toBe(before.pendingFrees + 1);
      // once b's work is done, x's block goes back to a: the next allocation on a takes it
      b.synchronize();
      m = mallocs();
      const z = torch.cuda.stream(a, () => torch.empty([n], { device: 'cuda' }));
      expect(mallocs()).toBe(m);
      expect(torch.cuda.memoryStats().pendingFrees).toBe(before.pendingFrees);
      expect(Number.isFinite(s.item())).toBe(true);
      y.dispose();
      z.dispose();
    } finally {
      native.cudaEmuHoldEvents(false);
    }
  });

  testCuda('each worker thread has its own stream, distinct from the main thread\'s and from each other', async () => {
    const register = path.join(__dirname, 'child', 'register.js');
    const lib = path.join(__dirname, '..', 'lib', 'index.ts');
    const code = `
      require(${JSON.stringify(register)});
      const { parentPort } = require('worker_threads');
      const torch = require(${JSON.stringify(lib)});
      const id = torch.cuda.currentStream().id;
      const x = torch.arange(0, 6).cuda().mul(2);
      parentPort.on('message', () => {}); // stays alive (and keeps its stream) until terminated
      parentPort.postMessage({ id, again: torch.cuda.currentStream().id, values: Array.from(x.toArray(), Number) });`;
    // both workers are alive together (a thread that ended hands its stream back, and the next takes it)
    const workers: Worker[] = [];
    const run = () =>
      new Promise<{ id: number; again: number; values: number[] }>((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        workers.push(w);
        w.once('message', resolve);
        w.once('error', reject);
      });
    let r1, r2;
    try {
      [r1, r2] = await Promise.all([run(), run()]);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    const main = torch.cuda.currentStream().id;
    expect(r1.id).toBe(r1.again);
    expect(r2.id).toBe(r2.again);
    expect(new Set([main, r1.id, r2.id]).size).toBe(3);
    expect(r1.values).toEqual([0, 2, 4, 6, 8, 10]);
    expect(r2.values).toEqual([0, 2, 4, 6, 8, 10]);
  }, 60_000);
});

testCuda('streams of ended worker threads (their own and their torch.cuda.Streams) are reused, not leaked', async () => {
  const register = path.join(__dirname, 'child', 'register.js');
  const lib = path.join(__dirname, '..', 'lib', 'index.ts');
  const code = `
    require(${JSON.stringify(register)});
    const { parentPort } = require('worker_threads');
    const torch = require(${JSON.stringify(lib)});
    const s = new torch.cuda.Stream();
    const own = torch.cuda.currentStream().id;
    torch.cuda.stream(s, () => torch.ones([3], { device: 'cuda' }).toArray());
    parentPort.postMessage({ own, s: s.id });`;
  const run = () =>
    new Promise<{ own: number; s: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      let got: { own: number; s: number } | null = null;
      w.once('message', (m) => (got = m));
      w.once('error', reject);
      w.once('exit', () => (got ? resolve(got) : reject(new Error('the worker ended without an answer'))));
    });
  const first = await run();
  expect(first.own).not.toBe(first.s);
  // streams in use: made less idle (a collected main-thread Stream may only lower it)
  const inUse = () => {
    const m = torch.cuda.memoryStats();
    return m.streams - m.idleStreams;
  };
  collectGarbage();
  await new Promise((r) => setTimeout(r, 10));
  const before = inUse();
  for (let i = 0; i < 3; i++) await run();
  expect(inUse()).toBeLessThanOrEqual(before);
}, 60_000);

describe('InferenceSession on CUDA', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-streams-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  testCuda('each worker runs on its own stream and the answers equal model.forward', async () => {
    torch.manualSeed(5);
    const model = torch.models.fashionCnn();
    model.eval();
    const ckpt = path.join(dir, 'fashion.safetensors');
    torch.save(model.stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
    const s = await InferenceSession.create({ checkpoint: ckpt, device: 'cuda', workers: 2, threads: 1, warmup: false });
    try {
      const ids = s.cudaStreams;
      expect(ids.length).toBe(2);
      expect(new Set([...ids, torch.cuda.currentStream().id]).size).toBe(3);
      const xs = [2, 3].map((n) => torch.randn([n, 1, 28, 28]));
      const ys = await Promise.all(xs.map((x) => s.run(x)));
      ys.forEach((y, i) => {
        const want = torch.noGrad(() => model.forward(xs[i])).toArray() as Float32Array;
        const got = y.toArray() as Float32Array;
        expect(got.length).toBe(want.length);
        got.forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-4));
      });
    } finally {
      await s.close();
    }
  }, 120_000);
});

test('TorchletError is what the stream API throws', () => {
  expect(() => torch.cuda.stream(null, null as never)).toThrow(TorchletError);
});
