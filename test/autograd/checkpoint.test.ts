// test/autograd/checkpoint.test.ts — torch.utils.checkpoint (lib/utils_checkpoint.ts) on every device:
// the gradients of checkpoint(fn, ...) and checkpointSequential equal the un-checkpointed ones exactly
// (dropout included: the RNG stream is replayed, then put back), the intermediate activations are not
// kept (live storages after a full GC), several outputs, useReentrant's PyTorch 1.13 semantics,
// torch.autograd.grad through a checkpoint, an input modified in place before backward, a float64
// gradcheck, and the refusals.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { collectGarbage } from '../../lib/memory';
import { describeDevices } from '../devices';
import { expectArgError, thrown } from '../helpers';
import { gradcheck } from '../gradcheck';

const { nn } = torch;
const { checkpoint, checkpointSequential } = torch.utils.checkpoint;
const arr = (t: Tensor | null) => Array.from(t!.toArray() as Float32Array);

describeDevices('torch.utils.checkpoint', (device) => {
  const block = () => {
    torch.manualSeed(7);
    return new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Dropout(0.5), new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 3)).to(device);
  };
  const input = () => {
    torch.manualSeed(11);
    return torch.randn([5, 4]).to(device).requiresGrad_();
  };
  /** loss and gradients of (x, params), with `run` computing the block's output. */
  const gradsOf = (run: (m: InstanceType<typeof nn.Sequential>, x: Tensor) => Tensor) => {
    const m = block();
    const x = input();
    torch.manualSeed(3);
    const y = run(m, x);
    y.mul(y).sum().backward();
    const next = torch.rand([4]); // the RNG stream after backward
    return { y: arr(y), gx: arr(x.grad), gp: m.parameters().map((p) => arr(p.grad)), next: arr(next) };
  };

  test('gradients equal the un-checkpointed ones exactly (dropout replayed), RNG stream put back', () => {
    const plain = gradsOf((m, x) => m.forward(x) as Tensor);
    for (const useReentrant of [true, false]) {
      const ck = gradsOf((m, x) => checkpoint((a: Tensor) => m.forward(a) as Tensor, x, { useReentrant }) as Tensor);
      expect(ck).toEqual(plain);
    }
    const seq = gradsOf((m, x) => checkpointSequential(m, 3, x) as Tensor);
    expect(seq).toEqual(plain);
    const fns = gradsOf((m, x) => checkpointSequential(m.children().map((c) => (a: unknown) => c.forward(a as Tensor)), 2, x, { useReentrant: false }) as Tensor);
    expect(fns).toEqual(plain);
    // without preserveRngState the recomputed dropout draws other masks: the gradients differ
    const noRng = gradsOf((m, x) => checkpoint((a: Tensor) => m.forward(a) as Tensor, x, { preserveRngState: false }) as Tensor);
    expect(noRng.gx).not.toEqual(plain.gx);
  });

  test('the intermediate activations are not kept (live storages after a full GC)', () => {
    const m = block();
    m.eval();
    const x = input();
    const live = () => {
      collectGarbage();
      const s = torch.memory();
      return device === 'cpu' ? s.cpu.storages : s.cuda.storages;
    };
    const fn = (a: Tensor) => a.mul(2).exp().mul(a).tanh().sin().mul(3) as Tensor;
    const base = live();
    let y: Tensor | null = checkpoint(fn, x) as Tensor;
    expect(live() - base).toBe(1); // the output only
    expect(y.gradFn!.op).toBe('CheckpointFunctionBackward');
    y.sum().backward();
    const g1 = arr(x.grad);
    y = null;
    x.grad = null;
    const base2 = live();
    let z: Tensor | null = fn(x);
    const kept = live() - base2;
    expect(kept).toBeGreaterThan(2); // the plain graph keeps what its backward reads
    z.sum().backward();
    expect(arr(x.grad)).toEqual(g1);
    z = null;
  });

  test('several outputs share one recomputation', () => {
    const w = torch.randn([3, 3]).to(device).requiresGrad_();
    const x = torch.randn([2, 3]).to(device).requiresGrad_();
    let calls = 0;
    const fn = (a: Tensor) => {
      calls++;
      const h = a.matmul(w);
      return [h.tanh(), h.sum(1), 'tag'];
    };
    const [p1, p2] = fn(x) as Tensor[];
    p1.sum().add(p2.mul(p2).sum()).backward();
    const gx = arr(x.grad);
    const gw = arr(w.grad);
    x.grad = null;
    w.grad = null;
    calls = 0;
    const out = checkpoint(fn, x) as [Tensor, Tensor, string];
    expect(calls).toBe(1);
    expect(out[2]).toBe('tag');
    expect(out[0].shape).toEqual([2, 3]);
    expect(out[1].shape).toEqual([2]);
    out[0].sum().add(out[1].mul(out[1]).sum()).backward();
    expect(calls).toBe(2);
    expect(arr(x.grad)).toEqual(gx);
    expect(arr(w.grad)).toEqual(gw);
  });

  test('useReentrant (the default): no input requiring grad records nothing; useReentrant false reaches the parameters', () => {
    const w = torch.randn([3, 2]).to(device).requiresGrad_();
    const x = torch.randn([4, 3]).to(device);
    const fn = (a: Tensor) => a.matmul(w).relu();
    const y = checkpoint(fn, x) as Tensor;
    expect(y.requiresGrad).toBe(false);
    const y2 = checkpoint(fn, x, { useReentrant: false }) as Tensor;
    expect(y2.requiresGrad).toBe(true);
    y2.sum().backward();
    const ref = torch.autograd.grad(fn(x).sum(), [w])[0]!;
    expect(arr(w.grad)).toEqual(arr(ref));
  });

  test('torch.autograd.grad through a checkpoint; outside grad mode fn just runs', () => {
    const x = torch.randn([3]).to(device).requiresGrad_();
    const fn = (a: Tensor) => a.sin().mul(a);
    const [g] = torch.autograd.grad((checkpoint(fn, x) as Tensor).sum(), [x]);
    const [r] = torch.autograd.grad(fn(x).sum(), [x]);
    expect(arr(g)).toEqual(arr(r));
    const n = torch.noGrad(() => checkpoint(fn, x) as Tensor);
    expect(n.requiresGrad).toBe(false);
  });

  test('an input modified in place before backward is an ERR_TORCHLET_AUTOGRAD error', () => {
    const x = torch.randn([3]).to(device).requiresGrad_();
    const h = x.mul(1);
    const y = checkpoint((a: Tensor) => a.exp(), h) as Tensor;
    torch.noGrad(() => h.add_(1));
    expect(thrown(() => y.sum().backward()).code).toBe('ERR_TORCHLET_AUTOGRAD');
  });

  test('gradcheck (float64 finite differences) through checkpoint', () => {
    const x = torch.tensor([[0.3, -0.8], [1.1, 0.2]], { dtype: 'float64' });
    const w = torch.tensor([[0.5, -0.1], [0.4, 0.9]], { dtype: 'float64' });
    gradcheck((xs) => checkpoint((a: Tensor, b: Tensor) => a.matmul(b).tanh().mul(a), xs[0], xs[1]) as Tensor, [x, w], { device });
  });

  test('refusals: coded errors naming the argument', () => {
    const x = torch.randn([2]).to(device).requiresGrad_();
    const loose = checkpoint as unknown as (...a: unknown[]) => unknown;
    const looseSeq = checkpointSequential as unknown as (...a: unknown[]) => unknown;
    expectArgError(() => loose(3, x), 'fn');
    expectArgError(() => loose((a: Tensor) => a, x, { zzUnknown: 1 }), 'opts.zzUnknown');
    expectArgError(() => loose((a: Tensor) => a, x, { use_reentrant: false }), /did you mean 'useReentrant'/);
    expectArgError(() => loose((a: Tensor) => a, x, { preserveRngState: 1 }), 'opts.preserveRngState');
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh());
    expectArgError(() => looseSeq(m, 0, x), 'segments');
    expectArgError(() => looseSeq(m, 3, x), 'segments');
    expectArgError(() => looseSeq(m, 1.5, x), 'segments');
    expectArgError(() => looseSeq(3, 1, x), 'functions');
    expectArgError(() => looseSeq([m, 4], 1, x), /for functions\[1\] /);
    expectArgError(() => looseSeq(m, 1, x, { zz: 1 }), 'opts.zz');
    expectArgError(() => looseSeq(m, 1, x, {}, 7), /checkpointSequential\(\)/);
  });
});
