// test/memory.test.ts — lib/memory.ts: memory follows the program. Storages nobody disposed are freed by
// the garbage collection that finds them unreachable, in a synchronous loop too (no event-loop turn),
// their bytes drive V8's GC (inside tidy(): once a tensor of them outlives the scope), torch.memory()
// counts them exactly at any moment, and an allocation that fails for lack of memory forces a full GC
// and is tried again. The loops run in child processes
// (test/child.ts), so their RSS is theirs alone.
import * as torch from '../lib';
import { native } from '../lib/binding';
import { allocStorage, collectGarbage } from '../lib/memory';
import { TorchletError } from '../lib/errors';
import { TORCH, runChild, describeChild, lastJson } from './child';

// A small conv net trained (or run) synchronously, the PyTorch way: no tidy, no dispose. Prints
// {rss0, rss1, storagesBase, storagesAfterGc} with RSS in MB: rss0 after `warm` steps, rss1 after
// `steps` more; storages counted after a synchronous global.gc() (no event-loop turn in between).
const loop = (mode: 'train' | 'infer', warm: number, steps: number): string => `
const torch = require(${TORCH});
const { nn, F, optim } = torch;
torch.manualSeed(0);
const model = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const x = torch.randn([${mode === 'train' ? 32 : 1}, 1, 28, 28]);
const y = torch.tensor(Array.from({ length: x.shape[0] }, (_, i) => i % 10));
const step = ${
  mode === 'train'
    ? `() => { const loss = F.crossEntropy(model.forward(x), y); opt.zeroGrad(); loss.backward(); opt.step(); }`
    : `() => { torch.noGrad(() => model.forward(x)).argmax(1); }`
};
const rss = () => process.memoryUsage().rss / 1048576;
for (let i = 0; i < ${warm}; i++) step();
// two synchronous GCs (still no event-loop turn): a wrapper freed by one GC's finalizers can be what
// kept another object alive, which the next GC then frees (seen once in CI under load: 7 storages left)
global.gc();
global.gc();
const storagesBase = torch.memory().cpu.storages;
const rss0 = rss();
for (let i = 0; i < ${steps}; i++) step();
const rss1 = rss();
global.gc();
global.gc();
console.log(JSON.stringify({ rss0, rss1, storagesBase, storagesAfterGc: torch.memory().cpu.storages }));
`;
interface LoopResult {
  rss0: number;
  rss1: number;
  storagesBase: number;
  storagesAfterGc: number;
}

describe('memory follows the program', () => {
  test('a synchronous training loop without tidy or dispose keeps flat memory; GC frees at once', () => {
    const r = runChild(loop('train', 40, 300), { nodeArgs: ['--expose-gc'] });
    if (r.status !== 0) throw new Error(describeChild(r));
    const m = lastJson<LoopResult>(r);
    // every storage of the 300 steps is unreachable once they are done: a GC frees them then and
    // there (before: only on a later event-loop turn, so the count and the RSS grew ~1.8 MB a step)
    expect(m.storagesAfterGc).toBe(m.storagesBase);
    expect(m.rss1 - m.rss0).toBeLessThan(96);
  });

  test('batch-1 inference without tidy does not grow', () => {
    const r = runChild(loop('infer', 200, 2000), { nodeArgs: ['--expose-gc'] });
    if (r.status !== 0) throw new Error(describeChild(r));
    const m = lastJson<LoopResult>(r);
    expect(m.storagesAfterGc).toBe(m.storagesBase);
    expect(m.rss1 - m.rss0).toBeLessThan(48);
  });

  test('native bytes drive V8 garbage collection (no gc() call): 800 MB dropped in a loop never live at once', () => {
    const r = runChild(`
      const torch = require(${TORCH});
      let max = 0;
      for (let i = 0; i < 400; i++) { torch.zeros([512 * 1024]); max = Math.max(max, torch.memory().cpu.bytes); }
      console.log(JSON.stringify({ maxMB: max / 1048576 }));
    `);
    if (r.status !== 0) throw new Error(describeChild(r));
    // V8 collects when the external memory it is told about grows by its limit (64 MB); before, it was
    // never told, and nothing was freed before the loop ended: 800 MB
    expect(lastJson<{ maxMB: number }>(r).maxMB).toBeLessThan(400);
  });

  // Inside tidy() a storage is counted in V8's external memory only once a tensor of it outlives the
  // scope (returned or kept): what the scope frees itself must not start collections (a training
  // step's activations did, nearly every step), what escapes must still drive them.
  test('tidy(): tensors that outlive the scope drive GC; the scope\'s own never start a full collection', () => {
    const r = runChild(`
      const torch = require(${TORCH});
      const { PerformanceObserver, constants } = require('perf_hooks');
      let majors = 0;
      new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
      let maxReturned = 0, maxKept = 0;
      for (let i = 0; i < 400; i++) { torch.tidy(() => torch.zeros([512 * 1024])); maxReturned = Math.max(maxReturned, torch.memory().cpu.bytes); }
      for (let i = 0; i < 400; i++) { torch.tidy(() => { torch.keep(torch.zeros([512 * 1024])); }); maxKept = Math.max(maxKept, torch.memory().cpu.bytes); }
      setTimeout(() => {
        const before = majors;
        // 40 scopes of 128 MB each, all freed by the scope: 5 GB through V8's 64 MB limit if counted
        for (let i = 0; i < 40; i++) torch.tidy(() => { for (let j = 0; j < 8; j++) torch.zeros([4 * 1024 * 1024]); });
        setTimeout(() => console.log(JSON.stringify({ maxReturnedMB: maxReturned / 1048576, maxKeptMB: maxKept / 1048576, majors: majors - before })), 50);
      }, 50);
    `);
    if (r.status !== 0) throw new Error(describeChild(r));
    const m = lastJson<{ maxReturnedMB: number; maxKeptMB: number; majors: number }>(r);
    expect(m.maxReturnedMB).toBeLessThan(400);
    expect(m.maxKeptMB).toBeLessThan(400);
    expect(m.majors).toBeLessThanOrEqual(2);
  });

  test('torch.memory() is exact after a synchronous collection', () => {
    collectGarbage(); // what earlier tests left unreachable goes first
    const before = torch.memory().cpu;
    (() => {
      for (let i = 0; i < 50; i++) torch.ones([1000]).add(1);
    })();
    collectGarbage();
    const after = torch.memory().cpu;
    expect(after.storages).toBe(before.storages);
    expect(after.bytes).toBe(before.bytes);
  });
});

describe('the out-of-memory safety net', () => {
  test('an allocation that fails for lack of memory forces a full GC and is tried once more', () => {
    const Real = native.Storage;
    let calls = 0;
    let storagesAtRetry = -1;
    // garbage: storages nothing refers to any more
    (() => {
      for (let i = 0; i < 20; i++) torch.zeros([100]);
    })();
    const withGarbage = torch.memory().cpu.storages;
    const Fake = function (this: unknown, ...a: ConstructorParameters<typeof Real>) {
      if (calls++ === 0) throw new TorchletError('torchlet: out of host memory (simulated)', 'ERR_TORCHLET_OUT_OF_MEMORY');
      storagesAtRetry = torch.memory().cpu.storages;
      return new Real(...a);
    } as unknown as typeof Real;
    (native as { Storage: typeof Real }).Storage = Fake;
    try {
      const s = allocStorage(0, 16, 0, true);
      expect(s.native.nbytes).toBe(64);
      s.refs++;
      s.release();
    } finally {
      (native as { Storage: typeof Real }).Storage = Real;
    }
    expect(calls).toBe(2);
    expect(storagesAtRetry).toBeLessThanOrEqual(withGarbage - 20); // the GC ran before the retry
  });
  test('other errors are not retried', () => {
    expect(() => allocStorage(0, -1, 0, false)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
  });
});
