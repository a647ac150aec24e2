// test/tensor.test.ts — tensor creation, dtypes, views, reading, memory ownership (dispose, tidy),
// the seeded generator and the autograd tape (accumulation, noGrad, detach, graph release); views
// checked against their storage, toArray() beyond a typed array's length.
import * as torch from '../lib';
import { collectGarbage } from '../lib/memory';
import { native } from '../lib/binding';
import { testNoCuda } from './devices';
import { TORCH, runChild, describeChild, lastJson } from './child';

describe('creation and reading', () => {
  test('nested arrays infer shape and dtype like PyTorch', () => {
    const a = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('int64');
    expect(a.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const f = torch.tensor([0.5, 1]);
    expect(f.dtype).toBe('float32');
    expect(torch.tensor([true, false]).dtype).toBe('bool');
    expect(torch.tensor(3.5).shape).toEqual([]);
    expect(torch.tensor(3.5).item()).toBe(3.5);
  });
  test('typed arrays and fromBuffer', () => {
    const t = torch.fromBuffer(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.dtype).toBe('float64');
    expect(Array.from(t.toArray() as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => torch.fromBuffer(new Float32Array(5), [2, 3])).toThrow(/shape/);
  });
  test('zeros, ones, full, arange', () => {
    expect(Array.from(torch.zeros([2, 2]).toArray() as Float32Array)).toEqual([0, 0, 0, 0]);
    expect(torch.ones([3]).sum().item()).toBe(3);
    expect(torch.full([2], 7, { dtype: 'float64' }).tolist()).toEqual([7, 7]);
    expect(torch.arange(5).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(torch.arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
  });
  test('bad shapes and dtypes name the argument', () => {
    expect(() => torch.zeros([2, -1])).toThrow(/shape/);
    expect(() => torch.zeros([2], { dtype: 'float16' as never })).toThrow(/dtype/);
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(/data/);
    expect(() => torch.zeros([2], { device: 'tpu' })).toThrow(/device/);
  });
  testNoCuda("asking for 'cuda' without it is a clear error", () => {
    expect(() => torch.zeros([2], { device: 'cuda' })).toThrow(/cuda/i);
    expect(torch.cuda.isAvailable()).toBe(false);
  });
});

describe('views', () => {
  const base = () => torch.arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 4]);
  test('view, permute, transpose, narrow, select, unsqueeze, squeeze share storage', () => {
    const t = base();
    expect(t.view(6, 4).shape).toEqual([6, 4]);
    expect(t.view(-1).shape).toEqual([24]);
    const p = t.permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.isContiguous()).toBe(false);
    expect(p.contiguous().toArray()[1]).toBe(4);
    expect(t.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(t.narrow(2, 1, 2).tolist()).toEqual([[[1, 2], [5, 6], [9, 10]], [[13, 14], [17, 18], [21, 22]]]);
    expect(t.index(1).select(0, 2).tolist()).toEqual([20, 21, 22, 23]);
    expect(t.unsqueeze(0).shape).toEqual([1, 2, 3, 4]);
    expect(t.unsqueeze(0).squeeze().shape).toEqual([2, 3, 4]);
    expect(t.flatten(1).shape).toEqual([2, 12]);
    expect(() => t.view(5, 5)).toThrow(/shape/);
    expect(() => p.view(24)).toThrow(/contiguous/);
    expect(p.reshape(24).shape).toEqual([24]);
  });
  test('copy_ writes through a view', () => {
    const t = torch.zeros([3, 3]);
    t.narrow(1, 1, 1).copy_(torch.ones([3, 1]));
    expect(t.tolist()).toEqual([[0, 1, 0], [0, 1, 0], [0, 1, 0]]);
  });
});

describe('memory', () => {
  test('dispose frees once all views are gone; use after dispose is an error', () => {
    // (the storage's own state: the process-wide storage count also drops whenever a garbage
    // collection frees earlier tests' tensors, which made a count-based check flaky)
    const t = torch.zeros([1000]);
    const v = t.view(10, 100);
    const storage = t._storage;
    expect(v._storage).toBe(storage);
    t.dispose();
    expect(storage.freed).toBe(false);
    expect(v.sum().item()).toBe(0); // the view still reads it
    v.dispose();
    expect(storage.freed).toBe(true);
    expect(() => t.add(1)).toThrow(/disposed/);
    t.dispose(); // twice is fine
  });
  test('tidy frees everything made inside except what it returns', () => {
    collectGarbage(); // earlier tests' garbage first: a collection mid-test would lower the count
    const before = torch.memory().cpu.storages;
    const kept = torch.tidy(() => {
      const a = torch.ones([100]);
      const b = a.mul(2).add(1);
      return b.sum();
    });
    expect(kept.item()).toBe(300);
    expect(torch.memory().cpu.storages).toBe(before + 1);
    kept.dispose();
    expect(torch.memory().cpu.storages).toBe(before);
  });
});

describe('random', () => {
  test('manualSeed makes draws reproducible; statistics are right', () => {
    torch.manualSeed(123);
    const a = torch.randn([20000]);
    torch.manualSeed(123);
    const b = torch.randn([20000]);
    expect(Array.from(a.toArray() as Float32Array)).toEqual(Array.from(b.toArray() as Float32Array));
    expect(Math.abs(a.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(a.pow(2).mean().item() - 1)).toBeLessThan(0.03);
    const u = torch.rand([20000]);
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
    expect(u.max().item()).toBeLessThan(1);
    expect(Math.abs(u.mean().item() - 0.5)).toBeLessThan(0.01);
  });
});

describe('autograd', () => {
  test('gradients accumulate across backward calls; zeroGrad clears them', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.tolist()).toEqual([5, 7, 9]);
  });
  test('a tensor used twice sums its gradient paths', () => {
    const x = torch.tensor([2], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x).add(x.exp());
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(4 + Math.exp(2), 12);
  });
  test('noGrad records nothing; detach cuts the graph', () => {
    const x = torch.ones([2], { requiresGrad: true });
    const y = torch.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(x.mul(2).detach().requiresGrad).toBe(false);
    expect(() => y.sum().backward()).toThrow(/grad/);
  });
  test('backward of a non-scalar needs a gradient', () => {
    const x = torch.ones([2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/gradient/);
    x.mul(2).backward(torch.tensor([1, 10], { dtype: 'float32' }));
    expect(x.grad!.tolist()).toEqual([2, 20]);
  });
  test('only floating tensors can require grad', () => {
    expect(() => torch.tensor([1, 2]).requiresGrad_()).toThrow(/floating/);
  });
});

test('a steady-state training step of the seed CNN asks the OS for no new memory (allocator cache hits only)', () => {
  // from an empty cache: jest runs other files in this process first, and the blocks they left (up to
  // the 2 GiB bound) made one step of the full suite miss once (133 vs 132 system allocations), not
  // reproduced with this file alone, loaded or not
  native.hostCache(true);
  torch.manualSeed(0);
  const model = torch.models.fashionCnn();
  const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  const x = torch.randn([64, 1, 28, 28]);
  const y = torch.tensor(Array.from({ length: 64 }, (_, i) => i % 10), { dtype: 'int64' });
  const step = () =>
    torch.tidy(() => {
      const loss = torch.F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    });
  step();
  step(); // warm-up: activations, gradients and Adam's moments reach their sizes
  // storages from before the loop that only the garbage collector frees (the model's initialisation)
  // go back to the cache now, then one more step: freed mid-measurement, such a block can be split by
  // the allocator's best fit in place of one that a step reuses, and a later request of that step then
  // misses once (CI, 2026-12-01: 559 vs 558 system allocations)
  collectGarbage();
  step();
  const before = torch.memory().cpu;
  for (let i = 0; i < 4; i++) step();
  const after = torch.memory().cpu;
  expect(after.systemAllocs).toBe(before.systemAllocs);
  expect(after.storages).toBe(before.storages); // nothing leaks either
  expect(before.systemAllocs).toBeGreaterThan(0); // the counter does count (activations are > 256 KiB)
});

test('a loop keeps hitting the allocator cache after an earlier phase filled it with other sizes (oldest freed blocks are evicted first)', () => {
  // an earlier phase (another model, another batch size) leaves the 2 GiB cache full of sizes the loop
  // below never asks for; the pages are never touched, so this costs address space, not memory
  torch.tidy(() => {
    for (let i = 0; i < 70; i++) torch.empty([(30 << 20) / 4 + 12345 * i]);
  });
  expect(torch.memory().cpu.cachedBytes).toBeGreaterThan(1.9 * 2 ** 30);
  const sizes = [3000000, 2000000, 1000000, 500000, 8000]; // x4 floats: 110 MB, more than the room left
  const step = () =>
    torch.tidy(() => {
      for (const n of sizes) torch.empty([n, 4]);
    });
  step();
  const before = torch.memory().cpu.systemAllocs;
  for (let i = 0; i < 3; i++) step();
  // before the LRU eviction, every one of these frees found the cache full and unmapped its block
  expect(torch.memory().cpu.systemAllocs).toBe(before);
  native.hostCache(true);
  expect(torch.memory().cpu.cachedBytes).toBe(0);
});

test('a full cache unmaps only the room it needs, from the block freed longest ago', () => {
  native.hostCache(true);
  // untouched blocks: address space, not memory
  const a = torch.empty([(1536 << 20) / 4]);
  const b = torch.empty([(768 << 20) / 4]);
  a.dispose(); // 1.5 GiB cached
  b.dispose(); // 0.75 GiB more: 0.25 GiB over the 2 GiB bound
  // evicting a's whole block (as the cache did when blocks merge into large ones) would leave 0.75 GiB
  expect(torch.memory().cpu.cachedBytes).toBe(2 ** 31);
  native.hostCache(true);
});

test('memory freed by a large batch serves smaller batches (best-fit cache: split, then merged again)', () => {
  native.hostCache(true);
  // a forward-like pattern: one batch's activations of several sizes, then the same layers at other batch sizes
  const per = [200000, 150000, 100000, 50000, 30000]; // floats per sample: 0.8 MB ... 120 KB
  const batch = (n: number) =>
    torch.tidy(() => {
      for (const k of per) torch.empty([n, k]);
    });
  batch(64);
  const before = torch.memory().cpu.systemAllocs;
  for (const n of [13, 40, 1, 63, 27, 64, 5, 33]) batch(n);
  // an exact-size cache missed on every new batch size here (and each miss touched fresh pages)
  expect(torch.memory().cpu.systemAllocs).toBe(before);
  // pieces of one freed block merge back when freed: the whole block serves a request of its size again
  native.hostCache(true);
  torch.empty([4 << 20]).dispose(); // 16 MiB, cached
  const base = torch.memory().cpu.systemAllocs;
  torch.tidy(() => {
    for (let i = 0; i < 4; i++) torch.empty([1 << 20]); // four 4 MiB pieces of it
  });
  const t = torch.empty([4 << 20]);
  expect(torch.memory().cpu.systemAllocs).toBe(base);
  t.dispose();
  native.hostCache(true);
  expect(torch.memory().cpu.cachedBytes).toBe(0);
});

describe('views are checked against their storage before native code touches them', () => {
  const base = () => torch.arange(0, 8, 1, { dtype: 'float32' });
  const view = (t: torch.Tensor, shape: number[], strides: number[] | undefined, offset: number, dtype: torch.DType = 'float32') =>
    new torch.Tensor(t._storage, shape, dtype, 'cpu', strides, offset);
  test.each([
    ['a negative offset', [2], [1], -1, 'offset'],
    ['a fractional offset', [2], [1], 0.5, 'offset'],
    ['a negative stride (as PyTorch: not supported)', [2], [-1], 2, 'strides'],
    ['a negative stride reaching before the storage', [4], [-1], 2, 'strides'],
    ['a contiguous view past the end', [4], undefined, 5, 'strides'],
    ['strides reaching past the end', [3], [4], 0, 'strides'],
    ['an offset past the end', [1], [1], 8, 'strides'],
    ['one stride too few', [2, 2], [1], 0, 'strides'],
    ['a fractional stride', [2], [1.5], 0, 'strides'],
  ] as [string, number[], number[] | undefined, number, string][])('%s is refused, naming the argument', (_what, shape, strides, offset, name) => {
    const t = base();
    expect(() => view(t, shape, strides, offset)).toThrow(
      expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(new RegExp(`^torchlet: Expected .* for ${name} but`)) }),
    );
  });
  test('a view of another dtype than its storage is refused', () => {
    expect(() => view(base(), [2], [1], 0, 'int32')).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DTYPE' }));
  });
  test('views inside the storage are fine: strided, broadcast (stride 0), at the last element, empty anywhere', () => {
    const t = base();
    expect(view(t, [2, 2], [4, 3], 0).contiguous().tolist()).toEqual([[0, 3], [4, 7]]); // reaches the last element
    expect(view(t, [3], [0], 7).tolist()).toEqual([7, 7, 7]);
    expect(view(t, [0, 5], [100, 100], 0).numel()).toBe(0);
  });
  test('the crash repro, in a child process: a negative stride reaching 2 MB before a large storage', () => {
    const r = runChild(`
      const torch = require(${TORCH});
      const t = torch.zeros([1e6]);
      try { new torch.Tensor(t._storage, [2], 'float32', 'cpu', [-500000], 0).contiguous(); } catch (e) { console.log(JSON.stringify(e.code)); }
    `);
    if (r.status !== 0) throw new Error(describeChild(r));
    expect(lastJson<string>(r)).toBe('ERR_TORCHLET_INVALID_ARG');
  });
});

test('toArray() of more elements than a typed array holds is a coded error before anything is copied', () => {
  const t = torch.zeros([1]).expand([2 ** 33]); // 8 Gi elements over one stored float
  for (const read of [() => t.toArray(), () => t.tolist()])
    expect(read).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/for toArray\(\)/) }));
  expect(torch.memory().cpu.bytes).toBeLessThan(2 ** 30); // no 32 GiB contiguous copy was made
  // the native read refuses a count beyond its storage
  expect(() => t._storage.native.read(0, 2 ** 40)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
});
