// test/replay.test.ts — recorded native-call plans (lib/replay.ts) and torch.jit.freeze's replaying
// forward (lib/jit.ts): a replayed call gives bit-identical results to the frozen forward's code on
// new inputs of the recorded signature (the seeds' models, on every device); another signature gets
// its own plan; outputs never alias a plan's buffers; pooled buffers are reused by liveness; zeroed
// allocations are zeroed again; a forward that reads values on the host (a data-dependent branch)
// or creates tensors from JS data or draws random numbers is never replayed and stays correct; disposed inputs and freed
// weights are handled; freeze's replay option.
import * as torch from '../lib';
import type { Tensor } from '../lib';
import { record } from '../lib/replay';
import { describeDevices } from './devices';
import { expectArgError } from './helpers';

const { nn, F } = torch;

const same = (a: Tensor, b: Tensor) => {
  expect(b.shape).toEqual(a.shape);
  expect(Array.from(b.toArray() as Float32Array)).toEqual(Array.from(a.toArray() as Float32Array));
};
/** A frozen module's output against the plain module's: equal within float32 rounding (a frozen
 * Linear multiplies from its packed weight, in another order than linear()). */
const close = (a: Tensor, b: Tensor) => {
  expect(b.shape).toEqual(a.shape);
  const x = a.toArray() as Float32Array;
  const y = b.toArray() as Float32Array;
  x.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
};

/** A plain module forward run with noGrad + tidy, as freeze runs it. */
const runner = (m: torch.nn.Module) => (x: Tensor) => torch.noGrad(() => torch.tidy(() => m.forward(x) as Tensor));

describeDevices('replayed frozen forward', (device) => {
  const models: [string, () => torch.nn.Module, number[]][] = [
    ['LeNet-5', () => torch.models.lenet5(), [1, 28, 28]],
    ['FashionCNN', () => torch.models.fashionCnn(), [1, 28, 28]],
    ['ResNet-18 (seed)', () => torch.models.resnet18({ numClasses: 7 }), [3, 16, 16]],
    ['GoogLeNet (seed)', () => torch.models.googlenet({ numClasses: 5 }), [3, 16, 16]],
  ];
  test.each(models)('%s: replays equal the frozen code bit for bit on new inputs, per batch size', (_, make, chw) => {
    torch.manualSeed(3);
    const m = make().to(device);
    m.eval();
    const ex = torch.randn([1, ...chw]).to(device);
    const plain = torch.jit.freeze(m, ex, { replay: false });
    const fast = torch.jit.freeze(m, ex);
    for (const n of [1, 2]) {
      for (let i = 0; i < 4; i++) {
        const x = torch.randn([n, ...chw]).to(device); // new values every call
        same(plain.forward(x) as Tensor, fast.forward(x) as Tensor);
      }
    }
  });

  test('outputs of successive replays are separate tensors; a disposed input is refused', () => {
    torch.manualSeed(4);
    const m = new nn.Sequential(new nn.Linear(6, 5), new nn.ReLU(), new nn.Linear(5, 3)).to(device);
    const x1 = torch.randn([2, 6]).to(device);
    const f = torch.jit.freeze(m, x1);
    for (let i = 0; i < 3; i++) f.forward(x1); // plain, record, replay
    const a = f.forward(x1) as Tensor;
    const want = Array.from(a.toArray() as Float32Array);
    const x2 = torch.randn([2, 6]).to(device);
    const b = f.forward(x2) as Tensor;
    expect(Array.from(a.toArray() as Float32Array)).toEqual(want); // not overwritten by the next call
    close(torch.noGrad(() => m.forward(x2) as Tensor), b);
    x2.dispose();
    expect(() => f.forward(x2)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DISPOSED' }));
  });
});

describe('record()', () => {
  test('records every native call and reuses buffers by liveness', () => {
    torch.manualSeed(1);
    const layers: torch.nn.Module[] = [];
    for (let i = 0; i < 8; i++) layers.push(new nn.Linear(16, 16), new nn.Tanh());
    const m = new nn.Sequential(...layers);
    const x = torch.randn([4, 16]);
    const { result, plan } = record(() => runner(m)(x), [x]);
    expect(plan).not.toBeNull();
    expect(plan!.length).toBe(16); // 8 linear + 8 tanh
    // 15 intermediates, but at most two are alive at any step
    expect(plan!.buffers.length).toBeLessThanOrEqual(2);
    const y = torch.randn([4, 16]);
    same(runner(m)(y), plan!.run([y]) as Tensor);
    same(result, plan!.run([x]) as Tensor);
  });

  test('a frozen module called inside another frozen module: the outer plan includes the inner calls', () => {
    torch.manualSeed(9);
    const innerNet = new nn.Sequential(new nn.Linear(6, 6), new nn.ReLU(), new nn.Linear(6, 6));
    const x0 = torch.randn([3, 6]);
    const inner = torch.jit.freeze(innerNet, x0);
    for (let i = 0; i < 3; i++) inner.forward(x0); // the inner module replays already
    class Outer extends nn.Module {
      head = new nn.Linear(6, 2);
      forward(x: Tensor): Tensor {
        return this.head.forward((inner.forward(x.mul(2)) as Tensor).tanh());
      }
    }
    const outerNet = new Outer();
    const outer = torch.jit.freeze(outerNet, x0);
    const ref = (x: Tensor) => torch.noGrad(() => outerNet.head.forward((innerNet.forward(x.mul(2)) as Tensor).tanh()));
    for (let i = 0; i < 5; i++) {
      const x = torch.randn([3, 6]);
      const got = outer.forward(x) as Tensor;
      const want = ref(x) as Tensor;
      const d = (got.toArray() as Float32Array).reduce((m, v, j) => Math.max(m, Math.abs(v - (want.toArray() as Float32Array)[j])), 0);
      expect(d).toBeLessThan(1e-6);
    }
  });

  test('zeroed allocations are zeroed again on every replay', () => {
    const f = (x: Tensor) =>
      torch.noGrad(() => torch.tidy(() => {
        const acc = torch.zeros([3, 4]); // allocated zeroed, then accumulated into in place
        acc.add_(x);
        acc.add_(x);
        return acc.mul(2);
      }));
    const x = torch.ones([3, 4]);
    const { plan } = record(() => f(x), [x]);
    expect(plan).not.toBeNull();
    for (let i = 0; i < 3; i++) expect(Array.from((plan!.run([x]) as Tensor).toArray() as Float32Array)).toEqual(new Array(12).fill(4));
  });

  test('a forward that reads a value on the host is not replayed (data-dependent branch stays correct)', () => {
    class Branchy extends nn.Module {
      a = new nn.Linear(4, 4);
      b = new nn.Linear(4, 4);
      forward(x: Tensor): Tensor {
        return x.sum().item() > 0 ? this.a.forward(x) : this.b.forward(x);
      }
    }
    torch.manualSeed(2);
    const m = new Branchy();
    const pos = torch.ones([2, 4]);
    const neg = pos.neg();
    expect(record(() => runner(m)(pos), [pos]).plan).toBeNull();
    const f = torch.jit.freeze(m, pos);
    for (let i = 0; i < 4; i++) {
      same(torch.noGrad(() => m.a.forward(pos)), f.forward(pos) as Tensor);
      same(torch.noGrad(() => m.b.forward(neg)), f.forward(neg) as Tensor);
    }
  });

  test('a forward that draws random numbers (dropout in training mode, randn) is not replayed: new draws every call', () => {
    class Noisy extends nn.Module {
      lin = new nn.Linear(8, 8);
      forward(x: Tensor): Tensor {
        return F.dropout(this.lin.forward(x), { p: 0.5, training: true }).add(torch.randn([8]));
      }
    }
    torch.manualSeed(8);
    const m = new Noisy();
    const x = torch.ones([4, 8]);
    expect(record(() => runner(m)(x), [x]).plan).toBeNull();
    const f = torch.jit.freeze(m, x);
    const outs = Array.from({ length: 4 }, () => Array.from((f.forward(x) as Tensor).toArray() as Float32Array));
    for (let i = 1; i < outs.length; i++) expect(outs[i]).not.toEqual(outs[i - 1]);
  });

  test('a forward that creates a tensor from JS data is not replayed', () => {
    const f = (x: Tensor) => torch.noGrad(() => torch.tidy(() => x.mul(torch.tensor([1, 2, 3]))));
    const x = torch.ones([2, 3]);
    expect(record(() => f(x), [x]).plan).toBeNull();
  });

  test('a result that is not a tensor the run created (the input itself) is not replayed', () => {
    const x = torch.ones([2, 3]);
    expect(record(() => x, [x]).plan).toBeNull();
    expect(record(() => ({ y: x.add(1) }), [x]).plan).toBeNull();
  });

  test('an array of outputs, and views of one storage, come back with their shapes and offsets', () => {
    const f = (x: Tensor) => torch.noGrad(() => torch.tidy(() => {
      const y = x.mul(3);
      return [y.narrow(1, 1, 2), y.view([-1]), x.add(1)];
    }));
    const x = torch.randn([2, 4]);
    const { plan } = record(() => f(x), [x]);
    expect(plan).not.toBeNull();
    const z = torch.randn([2, 4]);
    const want = f(z) as Tensor[];
    const got = plan!.run([z]) as Tensor[];
    expect(got.length).toBe(3);
    got.forEach((t, i) => same(want[i], t));
  });

  test('non-contiguous inputs get their own plan', () => {
    torch.manualSeed(6);
    const m = new nn.Sequential(new nn.Linear(5, 4));
    const x = torch.randn([3, 5]);
    const f = torch.jit.freeze(m, x);
    for (let i = 0; i < 3; i++) close(torch.noGrad(() => m.forward(x) as Tensor), f.forward(x) as Tensor);
    const xt = torch.randn([5, 3]).t(); // same shape, other strides
    for (let i = 0; i < 3; i++) close(torch.noGrad(() => m.forward(xt) as Tensor), f.forward(xt) as Tensor);
  });

  test('a plan whose weight was freed is no longer valid (and running it is an error, not a crash)', () => {
    const w = torch.randn([4, 5]);
    const x = torch.randn([3, 5]);
    const { plan } = record(() => torch.noGrad(() => torch.tidy(() => F.linear(x, w))), [x]);
    expect(plan!.valid()).toBe(true);
    w.dispose();
    expect(plan!.valid()).toBe(false);
    expect(() => plan!.run([x])).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DISPOSED' }));
  });

  test('a disposed plan is invalid and refuses to run (it would return unwritten outputs)', () => {
    const x = torch.randn([2, 3]);
    const { plan } = record(() => torch.noGrad(() => torch.tidy(() => x.mul(2).add(1))), [x]);
    plan!.dispose();
    expect(plan!.valid()).toBe(false);
    expect(() => plan!.run([x])).toThrow(/disposed replay plan/);
  });

  test('freeze option errors', () => {
    const m = new nn.Linear(2, 2);
    expectArgError(() => torch.jit.freeze(m, torch.ones([1, 2]), { replay: 1 as unknown as boolean }), 'opts.replay');
  });
});
