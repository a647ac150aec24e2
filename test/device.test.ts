// test/device.test.ts — devices: names and their normalisation, creation on a device, moving
// tensors (to / cuda / cpu, differentiable), modules moved in place, reading back, memory stats,
// the clear errors where CUDA is absent, mixed-device errors and out-of-memory recovery (CUDA only).
// Blocks per device come from test/devices.ts (TORCHLET_TEST_DEVICES=cpu,cuda overrides).
import * as torch from '../lib';
import { collectGarbage } from '../lib/memory';
import type { Tensor, DType } from '../lib';
import { native } from '../lib/binding';
import { trainFashionMnist } from '../lib/train/fashion';
import { describeDevices, testCuda, testNoCuda, CUDA_AVAILABLE, DEVICES } from './devices';

const { nn, F, optim } = torch;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
}
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('device names', () => {
  test('cpu is the default and stays cpu', () => {
    expect(torch.zeros([2]).device).toBe('cpu');
    expect(torch.zeros([2], { device: 'cpu' }).device).toBe('cpu');
    expect(torch.tensor([1, 2], { device: 'cpu' }).device).toBe('cpu');
  });
  test.each([['tpu'], ['CUDA'], ['cuda:'], ['cuda:-1'], ['cuda:x'], ['cpu:1'], [' cuda'], [3], [{}]])(
    'invalid device %p is an error naming the argument',
    (d) => {
      expect(() => torch.zeros([2], { device: d as never })).toThrow(/for device\b/);
      expect(() => torch.tensor([1], { device: d as never })).toThrow(/for device\b/);
    },
  );
  test('to() with neither a dtype nor a device names what it expects', () => {
    expect(() => torch.zeros([2]).to('gpu' as never)).toThrow(/dtype .* or a device/);
    expect(() => torch.zeros([2]).cuda('cpu')).toThrow(/CUDA device/);
  });
  testCuda("'cuda' and 'cuda:0' normalise to 'cuda:0'; an index past the last device is an error", () => {
    expect(torch.zeros([2], { device: 'cuda' }).device).toBe('cuda:0');
    expect(torch.zeros([2], { device: 'cuda:0' }).device).toBe('cuda:0');
    expect(torch.zeros([2]).cuda().device).toBe('cuda:0');
    expect(() => torch.zeros([2], { device: 'cuda:99' })).toThrow(/cuda:99|device index/);
  });
});

describe('torch.cuda', () => {
  test('isAvailable and deviceCount agree with the native report', () => {
    const info = native.cudaInfo();
    expect(torch.cuda.isAvailable()).toBe(info.deviceCount > 0);
    expect(torch.cuda.deviceCount()).toBe(info.deviceCount);
    if (!info.compiled) expect(info.deviceCount).toBe(0);
    if (info.deviceCount === 0) expect(info.reason.length).toBeGreaterThan(0);
  });
  test('the device name: empty without CUDA; "emulated" in the CPU emulator\'s (TORCHLET_CUDA=EMU)', () => {
    const info = native.cudaInfo();
    if (info.deviceCount === 0) {
      expect(info.name).toBe('');
      expect(() => torch.cuda.getDeviceName()).toThrow(/CUDA is not available/);
    } else {
      expect(torch.cuda.getDeviceName()).toBe(info.name);
      expect(info.name.length).toBeGreaterThan(0);
      if (process.env.TORCHLET_ADDON && /build-emu/.test(process.env.TORCHLET_ADDON)) expect(info.name).toMatch(/emulated/);
    }
  });
  test('memory counters are numbers (zero without CUDA) and memory() reports both devices', () => {
    const m = torch.memory();
    expect(Object.keys(m).sort()).toEqual(['cpu', 'cuda']);
    for (const v of Object.values(m.cuda)) expect(Number.isFinite(v)).toBe(true);
    expect(torch.cuda.memoryAllocated()).toBeGreaterThanOrEqual(0);
    expect(torch.cuda.memoryReserved()).toBeGreaterThanOrEqual(torch.cuda.memoryAllocated());
    if (!CUDA_AVAILABLE) {
      expect(torch.cuda.memoryAllocated()).toBe(0);
      expect(m.cuda).toEqual({ storages: 0, bytes: 0, allocatedBytes: 0, cachedBytes: 0, peakBytes: 0, systemAllocs: 0 });
      expect(() => torch.cuda.emptyCache()).not.toThrow();
    }
  });
  test('the native copy between CPU storages copies the elements asked for', () => {
    const a = torch.tensor([1, 2, 3, 4, 5], { dtype: 'float64' });
    const b = torch.zeros([5], { dtype: 'float64' });
    native.copyDevice(a._storage.native, 1, b._storage.native, 2, 3);
    expect(b.tolist()).toEqual([0, 0, 2, 3, 4]);
    expect(() => native.copyDevice(a._storage.native, 3, b._storage.native, 0, 3)).toThrow(/out of bounds/);
    expect(native.Storage.prototype).toBeDefined();
    expect(a._storage.native.device).toBe(0);
  });
});

describe('without CUDA: clear errors, nothing changed', () => {
  const reason = () => native.cudaInfo().reason;
  const cases: [string, () => unknown][] = [
    ["zeros({device: 'cuda'})", () => torch.zeros([2], { device: 'cuda' })],
    ["ones({device: 'cuda:0'})", () => torch.ones([2], { device: 'cuda:0' })],
    ["tensor({device: 'cuda'})", () => torch.tensor([[1, 2]], { device: 'cuda' })],
    ["fromBuffer({device: 'cuda'})", () => torch.fromBuffer(new Float32Array(2), [2], { device: 'cuda' })],
    ["randn({device: 'cuda'})", () => torch.randn([2], { device: 'cuda' })],
    ["arange({device: 'cuda'})", () => torch.arange(0, 4, 1, { device: 'cuda' })],
    ["t.to('cuda')", () => torch.zeros([2]).to('cuda')],
    ['t.cuda()', () => torch.zeros([2]).cuda()],
    ['torch.cuda.synchronize()', () => torch.cuda.synchronize()],
    ['native Storage on CUDA', () => new native.Storage(0, 4, 1, true)],
  ];
  for (const [name, fn] of cases) {
    testNoCuda(`${name} throws ERR_TORCHLET_NO_CUDA with the reason`, () => {
      expect(codeOf(fn)).toBe('ERR_TORCHLET_NO_CUDA');
      const msg = messageOf(fn);
      expect(msg).toMatch(/^torchlet: CUDA is not available: /);
      expect(msg).toContain(reason());
    });
  }
  testNoCuda("module.to('cuda') throws before moving anything", () => {
    const m = new nn.Linear(3, 2);
    expect(codeOf(() => m.to('cuda'))).toBe('ERR_TORCHLET_NO_CUDA');
    for (const p of m.parameters()) expect(p.device).toBe('cpu');
    expect(m.forward(torch.ones([1, 3])).shape).toEqual([1, 2]);
  });
  testNoCuda("trainFashionMnist({device: 'cuda'}) fails before reading any data", async () => {
    await expect(trainFashionMnist({ device: 'cuda', data: '/nonexistent/torchlet-data', download: false, out: '/nonexistent/out' }))
      .rejects.toThrow(/CUDA is not available/);
  });
  testNoCuda('a CPU-only run reports cuda as skipped, not run', () => {
    expect(DEVICES).toEqual(process.env.TORCHLET_TEST_DEVICES === 'cuda' ? [] : ['cpu']);
  });
});

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];
const sample = (dt: DType): number[] | boolean[] =>
  dt === 'bool' ? [true, false, true, true, false, false] : dt === 'uint8' ? [0, 1, 2, 250, 7, 9] : [-3, 0, 1, 2, 100, -7];

describeDevices('tensors on a device', (device) => {
  test.each(DTYPES)('create on the device and read back (%s)', (dt) => {
    const data = sample(dt);
    const t = torch.tensor(data, { dtype: dt, device });
    expect(t.device).toBe(device === 'cpu' ? 'cpu' : 'cuda:0');
    expect(t.dtype).toBe(dt);
    expect(t.tolist()).toEqual(data);
    expect(Array.from(t.toArray() as ArrayLike<number | bigint>, Number)).toEqual(data.map(Number));
    expect(t.index(3).item()).toBe(Number(data[3]));
  });
  test('creation functions honour {device}', async () => {
    const dev = device === 'cpu' ? 'cpu' : 'cuda:0';
    expect(torch.zeros([2, 3], { device }).device).toBe(dev);
    expect(torch.zeros([2, 3], { device }).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(torch.ones([2], { device, dtype: 'float64' }).tolist()).toEqual([1, 1]);
    expect(torch.full([2], 2.5, { device }).tolist()).toEqual([2.5, 2.5]);
    expect(torch.empty([4], { device }).shape).toEqual([4]);
    expect(torch.arange(0, 5, 1, { device }).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(torch.fromBuffer(new Int32Array([4, 5, 6]), [3], { device }).tolist()).toEqual([4, 5, 6]);
    const z = torch.zeros([0, 3], { device });
    expect(z.tolist()).toEqual([]);
    expect(Array.from((await torch.tensor([1.5, 2.5], { device }).data()) as Float32Array)).toEqual([1.5, 2.5]);
    const x = torch.ones([3], { device });
    expect(torch.zerosLike(x).device).toBe(dev);
    expect(torch.onesLike(x).device).toBe(dev);
  });
  test('await t.data(): the values at the call (a snapshot), of views too; the tensor may be disposed at once', async () => {
    const x = torch.arange(0, 1000, 1, { device, dtype: 'float64' });
    const p = x.data();
    x.fill_(-1); // after the call: not in the result
    const v = x.reshape([10, 100]).transpose(0, 1); // a non-contiguous view
    const q = v.data();
    const w = torch.tensor([7, 8, 9], { device, dtype: 'int32' });
    const r = w.data();
    w.dispose();
    const [a, b, c] = await Promise.all([p, q, r]);
    expect(a).toBeInstanceOf(Float64Array);
    expect(Array.from(a as Float64Array)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(b as Float64Array)).toEqual(new Array(1000).fill(-1));
    expect(Array.from(c as Int32Array)).toEqual([7, 8, 9]);
    expect((await torch.zeros([0], { device }).data()).length).toBe(0);
    await expect(w.data()).rejects.toMatchObject({ code: 'ERR_TORCHLET_DISPOSED' });
    // many reads in flight at once, each its own values
    const xs = Array.from({ length: 16 }, (_, i) => torch.full([257], i, { device }));
    const got = await Promise.all(xs.map((t) => t.data()));
    got.forEach((g, i) => expect(Array.from(g as Float32Array)).toEqual(new Array(257).fill(i)));
  });
  test('random tensors on the device are the CPU stream (same seed, same numbers)', () => {
    torch.manualSeed(1234);
    const a = torch.randn([1001]);
    const u = torch.rand([77], { dtype: 'float64' });
    torch.manualSeed(1234);
    const b = torch.randn([1001], { device });
    const v = torch.rand([77], { dtype: 'float64', device });
    expect(b.device).toBe(device === 'cpu' ? 'cpu' : 'cuda:0');
    expect(Array.from(b.toArray() as Float32Array)).toEqual(Array.from(a.toArray() as Float32Array));
    expect(Array.from(v.toArray() as Float64Array)).toEqual(Array.from(u.toArray() as Float64Array));
  });
  test.each(DTYPES)('to(device) and back keeps values (%s), strided sources too', (dt) => {
    const data = sample(dt);
    const c = torch.tensor(data, { dtype: dt }).reshape([2, 3]);
    const d = c.to(device);
    expect(d.device).toBe(device === 'cpu' ? 'cpu' : 'cuda:0');
    expect(d.dtype).toBe(dt);
    const back = d.cpu();
    expect(back.device).toBe('cpu');
    expect(back.tolist()).toEqual(c.tolist());
    const tt = c.transpose(0, 1); // non-contiguous
    expect(tt.to(device).tolist()).toEqual(tt.tolist());
    expect(d.transpose(0, 1).cpu().tolist()).toEqual(tt.tolist());
    expect(d.narrow(1, 1, 2).cpu().tolist()).toEqual(c.narrow(1, 1, 2).tolist());
  });
  test('to() on the same device returns the tensor itself; to(device, dtype) does both', () => {
    const x = torch.ones([2], { device });
    expect(x.to(device)).toBe(x);
    const y = x.to(device, 'float64');
    expect(y.dtype).toBe('float64');
    expect(y.device).toBe(x.device);
    const z = torch.tensor([1, 2], { dtype: 'int64' }).to(device, 'float32');
    expect(z.dtype).toBe('float32');
    expect(z.tolist()).toEqual([1, 2]);
  });
  test('gradients flow back across to(): to the source device', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const y = x.to(device).mul(2).sum();
    expect(y.device).toBe(device === 'cpu' ? 'cpu' : 'cuda:0');
    y.backward();
    expect(x.grad!.device).toBe('cpu');
    expect(x.grad!.tolist()).toEqual([2, 2, 2]);
    // and from a device leaf back through cpu()
    const w = torch.tensor([1, -1], { dtype: 'float32', device, requiresGrad: true });
    const loss = w.cpu().mul(torch.tensor([3, 4])).sum();
    loss.backward();
    expect(w.grad!.device).toBe(w.device);
    expect(w.grad!.tolist()).toEqual([3, 4]);
  });
  test('copy_ between devices converts and copies in place', () => {
    const dst = torch.zeros([2, 2], { device, dtype: 'float64' });
    dst.copy_(torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }));
    expect(dst.tolist()).toEqual([[1, 2], [3, 4]]);
    const host = torch.zeros([2, 2]);
    host.copy_(dst.transpose(0, 1));
    expect(host.tolist()).toEqual([[1, 3], [2, 4]]);
  });
  test('memory() counts live storages per device', () => {
    const key = device === 'cpu' ? 'cpu' : 'cuda';
    collectGarbage(); // earlier tests' garbage first: a collection mid-test would lower the count
    const before = torch.memory()[key].storages;
    const t = torch.zeros([1000], { device });
    expect(torch.memory()[key].storages).toBe(before + 1);
    expect(torch.memory()[key].bytes).toBeGreaterThanOrEqual(4000);
    t.dispose();
    expect(torch.memory()[key].storages).toBe(before);
  });
  test('module.to(device) moves parameters and buffers in place, keeping Parameter identity', () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.Flatten(), new nn.Linear(2 * 4 * 4, 3));
    const params = model.parameters();
    const values = params.map((p) => p.tolist());
    expect(model.to(device)).toBe(model);
    const after = model.parameters();
    expect(after.length).toBe(params.length);
    after.forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.device).toBe(device === 'cpu' ? 'cpu' : 'cuda:0');
      expect(p.requiresGrad).toBe(true);
      expect(p.tolist()).toEqual(values[i]);
    });
    for (const [, b] of model.namedBuffers()) expect(b.device).toBe(device === 'cpu' ? 'cpu' : 'cuda:0');
    // the PyTorch rule: move first, then create the optimizer
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = torch.randn([4, 1, 4, 4], { device });
    const target = torch.tensor([0, 1, 2, 1], { device });
    for (let i = 0; i < 2; i++) {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x) as Tensor, target);
      loss.backward();
      opt.step();
    }
    for (const p of model.parameters()) expect(p.grad!.device).toBe(p.device);
    model.to('cpu');
    for (const p of model.parameters()) {
      expect(p.device).toBe('cpu');
      expect(p.grad!.device).toBe('cpu');
    }
    expect((model.forward(x.cpu()) as Tensor).shape).toEqual([4, 3]);
  });
  test('a small training step on the device matches the CPU', () => {
    const run = (dev: 'cpu' | 'cuda') => {
      torch.manualSeed(7);
      const m = new nn.Linear(5, 3).to(dev);
      const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
      torch.manualSeed(8);
      const x = torch.randn([6, 5]).to(dev);
      const y = torch.tensor([0, 1, 2, 0, 1, 2]).to(dev);
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        F.crossEntropy(m.forward(x), y).backward();
        opt.step();
      }
      return m.parameters().map((p) => Array.from(p.toArray() as Float32Array));
    };
    const a = run('cpu');
    const b = run(device);
    a.forEach((pa, i) => pa.forEach((v, j) => expect(b[i][j]).toBeCloseTo(v, 5)));
  });
});

describe('CUDA only', () => {
  testCuda('an op mixing devices names both arguments and both devices', () => {
    const a = torch.ones([2], { device: 'cuda' });
    const b = torch.ones([2]);
    const msg = messageOf(() => a.add(b));
    expect(msg).toMatch(/same device/);
    expect(msg).toContain('input on cuda:0');
    expect(msg).toContain('other on cpu');
    expect(codeOf(() => a.add(b))).toBe('ERR_TORCHLET_DEVICE_MISMATCH');
    expect(messageOf(() => b.mul(a))).toMatch(/input on cpu and other on cuda:0/);
    const w = torch.randn([4, 3]);
    expect(messageOf(() => F.linear(torch.randn([2, 3], { device: 'cuda' }), w))).toMatch(/weight on cpu/);
    const conv = new nn.Conv2d(1, 1, 3); // parameters still on the CPU
    expect(messageOf(() => conv.forward(torch.randn([1, 1, 5, 5], { device: 'cuda' })))).toMatch(/weight on cpu|input on cuda:0/);
    // a scalar operand is fine: it is made on the tensor's device
    expect(a.add(1).tolist()).toEqual([2, 2]);
    expect(a.eq(1).tolist()).toEqual([true, true]);
  });
  testCuda('the allocator caches: steady-state allocation makes no new cudaMalloc', () => {
    torch.cuda.synchronize();
    const step = () => torch.tidy(() => torch.ones([256, 1024], { device: 'cuda' }).mul(2).sum().item());
    step();
    const m0 = torch.cuda.memoryStats();
    for (let i = 0; i < 10; i++) expect(step()).toBe(2 * 256 * 1024);
    const m1 = torch.cuda.memoryStats();
    expect(m1.mallocs).toBe(m0.mallocs);
    expect(m1.allocated).toBe(m0.allocated);
  });
  testCuda('memoryAllocated follows live tensors; emptyCache returns the cached blocks', () => {
    torch.cuda.synchronize();
    const base = torch.cuda.memoryAllocated();
    const t = torch.empty([1 << 20], { device: 'cuda' }); // 4 MiB
    expect(torch.cuda.memoryAllocated()).toBeGreaterThanOrEqual(base + 4 * 2 ** 20);
    expect(torch.memory().cuda.allocatedBytes).toBe(torch.cuda.memoryAllocated());
    t.dispose();
    expect(torch.cuda.memoryAllocated()).toBe(base);
    expect(torch.memory().cuda.cachedBytes).toBeGreaterThanOrEqual(4 * 2 ** 20);
    torch.cuda.emptyCache();
    expect(torch.memory().cuda.cachedBytes).toBe(0);
    expect(torch.cuda.maxMemoryAllocated()).toBeGreaterThanOrEqual(base + 4 * 2 ** 20);
  });
  testCuda('synchronize() waits for queued work; results read back right after launches', () => {
    let x = torch.ones([1000], { device: 'cuda' });
    for (let i = 0; i < 50; i++) {
      const y = x.add(1);
      x.dispose();
      x = y;
    }
    torch.cuda.synchronize();
    expect(x.sum().item()).toBe(51000);
  });
  testCuda(
    'out of memory is ERR_TORCHLET_OUT_OF_MEMORY, and the process keeps working afterwards',
    () => {
      const held: Tensor[] = [];
      let err: (Error & { code?: string }) | null = null;
      try {
        for (let i = 0; i < 4096 && !err; i++) {
          try {
            held.push(torch.empty([256 * 2 ** 20], { device: 'cuda' })); // 1 GiB each
          } catch (e) {
            err = e as Error & { code?: string };
          }
        }
      } finally {
        held.forEach((t) => t.dispose());
      }
      expect(err).not.toBeNull();
      expect(err!.code).toBe('ERR_TORCHLET_OUT_OF_MEMORY');
      expect(err!.message).toMatch(/CUDA out of memory/);
      expect(torch.cuda.memoryStats().oomRetries).toBeGreaterThan(0);
      // still working: allocate, compute, read back, synchronise
      torch.cuda.emptyCache();
      const a = torch.arange(0, 10, 1, { dtype: 'float32', device: 'cuda' });
      expect(a.mul(2).sum().item()).toBe(90);
      torch.cuda.synchronize();
      const big = torch.zeros([64 * 2 ** 20], { device: 'cuda' }); // 256 MiB again fits
      expect(big.sum().item()).toBe(0);
      big.dispose();
    },
    300000,
  );
});
