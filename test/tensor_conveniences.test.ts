// test/tensor_conveniences.test.ts — the PyTorch conveniences ported scripts call on tensors, modules
// and optimizers (lib/tensor.ts, lib/nn/module.ts, lib/nn/layers.ts Sequential, lib/optim/optimizer.ts):
// x.int() / x.bool() / x.byte() (and x.to('bool'), which truncated 0.4 to false before) against PyTorch (test/fixtures/tensor_conveniences.json from
// gen_tensor_conveniences_fixtures.py), x.dim(), x.typeAs(y), x.to(y) (y's device and dtype),
// x.newZeros / newOnes / newEmpty / newFull / newTensor (x's dtype and device unless given),
// x.uniform_ / x.normal_ (seeded, the asked-for mean and spread, through strides; nn.init.uniform_ /
// normal_ are these under noGrad; a leaf that requires grad refused under autograd), module.buffers(), Sequential.append / extend, and zeroGrad({setToNone}) on modules and
// optimizers (false zeroes in place: under Adam with weight decay the parameter keeps moving, as
// PyTorch's numbers in the fixture show; true, the default, sets .grad to null).
import * as torch from '../lib';
import type { Tensor } from '../lib';
import { loadFixture } from './helpers';

const { nn, optim } = torch;
interface Casts { x: number[]; int: number[]; bool: boolean[]; byte: number[]; byte_x: number[]; int_x: number[]; int_bool: boolean[] }
interface AdamCase { w0: number[]; g: number[]; lr: number; weight_decay: number; set_to_none_false: number[]; set_to_none_true: number[] }
const fx = loadFixture('tensor_conveniences') as unknown as { cases: ({ name: string } & Record<string, unknown>)[] };
const casts = fx.cases.find((c) => c.name === 'casts') as unknown as Casts;
const adamCase = fx.cases.find((c) => c.name === 'adam_zero_grad') as unknown as AdamCase;
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;

describe('tensor conveniences', () => {
  test('int(), bool(), byte(): PyTorch\'s casts', () => {
    const x = torch.tensor(casts.x);
    expect(x.int().dtype).toBe('int32');
    expect(x.int().tolist()).toEqual(casts.int);
    expect(x.bool().dtype).toBe('bool');
    expect(x.bool().tolist()).toEqual(casts.bool);
    expect(torch.tensor(casts.byte_x).byte().tolist()).toEqual(casts.byte);
    expect(torch.tensor(casts.int_x, { dtype: 'int64' }).bool().tolist()).toEqual(casts.int_bool);
    expect(torch.tensor(casts.int_x, { dtype: 'int64' }).to('bool').tolist()).toEqual(casts.int_bool);
    expect(x.to('bool').tolist()).toEqual(casts.bool); // the same cast through to()
    expect(torch.tensor([NaN]).bool().tolist()).toEqual([true]);
  });

  test('dim(), typeAs, to(other)', () => {
    const x = torch.zeros([2, 3, 4]);
    expect(x.dim()).toBe(3);
    expect(torch.tensor(1).dim()).toBe(0);
    const i = torch.tensor([1, 2], { dtype: 'int64' });
    const d = torch.zeros([1], { dtype: 'float64' });
    expect(i.typeAs(d).dtype).toBe('float64');
    expect(i.typeAs(d).tolist()).toEqual([1, 2]);
    expect(d.typeAs(d)).toBe(d); // already that dtype: itself, as PyTorch
    const y = i.to(d);
    expect([y.dtype, y.device]).toEqual(['float64', 'cpu']);
    expect(() => loose(i.to.bind(i))(d, 'float32')).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
    expect(() => loose(i.typeAs.bind(i))([1])).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' }));
  });

  test('newZeros / newOnes / newEmpty / newFull / newTensor: the dtype and device of x unless given', () => {
    const x = torch.zeros([2], { dtype: 'float64' });
    const z = x.newZeros([2, 3]);
    expect([z.dtype, z.shape, z.tolist()]).toEqual(['float64', [2, 3], [[0, 0, 0], [0, 0, 0]]]);
    expect(x.newOnes([2], { dtype: 'int64' }).tolist()).toEqual([1, 1]);
    expect(x.newOnes([2], { dtype: 'int64' }).dtype).toBe('int64');
    expect(x.newEmpty([4]).shape).toEqual([4]);
    expect(x.newEmpty([4]).dtype).toBe('float64');
    const f = x.newFull([3], 2.5);
    expect([f.dtype, f.tolist()]).toEqual(['float64', [2.5, 2.5, 2.5]]);
    const t = x.newTensor([[1, 2]]);
    expect([t.dtype, t.tolist()]).toEqual(['float64', [[1, 2]]]);
    expect(x.newZeros([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => loose(x.newZeros.bind(x))([1], { dtpye: 'int64' })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
  });

  test('uniform_ / normal_: in place, seeded, the distribution asked for, through strides; a leaf that requires grad refused under autograd', () => {
    for (const [method, args, mean, sd] of [
      ['uniform_', [-0.5, 2], 0.75, 2.5 / Math.sqrt(12)],
      ['normal_', [1, 0.1], 1, 0.1],
    ] as const) {
      const fill = (t: Tensor) => (t[method] as (x: number, y: number) => Tensor)(args[0], args[1]);
      torch.manualSeed(7);
      const a = torch.empty([200, 100]);
      const v = a._version;
      expect(fill(a)).toBe(a);
      expect(a._version).toBe(v + 1);
      // 20000 samples: the mean within 5 standard errors, the spread within 3%
      expect(Math.abs(a.mean().item() - mean)).toBeLessThan((5 * sd) / Math.sqrt(20000));
      expect(Math.abs(a.std().item() / sd - 1)).toBeLessThan(0.03);
      // the same seed, the same values; a non-contiguous tensor gets them through its strides
      torch.manualSeed(7);
      const b = fill(torch.empty([200, 100]));
      expect(b.tolist()).toEqual(a.tolist());
      torch.manualSeed(7);
      const c = torch.empty([100, 200]).t();
      fill(c);
      expect(c.contiguous().tolist()).toEqual(a.tolist());
    }
    const u = torch.rand([1000]).uniform_(2, 3);
    expect(u.min().item()).toBeGreaterThanOrEqual(2);
    expect(u.max().item()).toBeLessThan(3);
    const w = torch.zeros([3], { requiresGrad: true });
    expect(() => w.uniform_()).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_AUTOGRAD' }));
    expect(() => w.mul(2).normal_()).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_NOT_IMPLEMENTED' }));
    torch.noGrad(() => w.uniform_(-1, 1)); // as nn.init does it
    expect(w.abs().max().item()).toBeLessThanOrEqual(1);
    expect(w.abs().sum().item()).toBeGreaterThan(0);
  });

  test('module.buffers(): namedBuffers\' tensors, submodules included', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2));
    const bufs = m.buffers();
    expect(bufs).toHaveLength(3); // runningMean, runningVar, numBatchesTracked
    expect(bufs).toEqual(m.namedBuffers().map(([, b]) => b));
    expect(new nn.Linear(2, 2).buffers()).toEqual([]);
  });

  test('Sequential.append / extend', () => {
    const s = new nn.Sequential(new nn.Linear(3, 4));
    const relu = new nn.ReLU();
    expect(s.append(relu)).toBe(s);
    expect(s.length).toBe(2);
    expect(s.at(1)).toBe(relu);
    s.extend([new nn.Linear(4, 2), new nn.Sigmoid()]);
    expect([...s].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear', 'Sigmoid']);
    expect(s.parameters()).toHaveLength(4);
    expect((s.forward(torch.zeros([5, 3])) as Tensor).shape).toEqual([5, 2]);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    s.extend(new nn.Sequential(new nn.Tanh()));
    expect(s.length).toBe(5);
    expect(() => loose(s.append.bind(s))({})).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' }));
    expect(() => loose(s.extend.bind(s))([new nn.ReLU(), 3])).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE', message: expect.stringMatching(/modules\[1\]/) }));
    expect(s.length).toBe(5); // nothing appended from a list with a bad entry
  });

  test('zeroGrad({setToNone}): null (the default) or zeroed in place; under Adam, PyTorch\'s parameters', () => {
    const run = (setToNone: boolean | undefined) => {
      const w = new nn.Parameter(torch.tensor(adamCase.w0));
      const opt = new optim.Adam([w], { lr: adamCase.lr, weightDecay: adamCase.weight_decay });
      w.mul(torch.tensor(adamCase.g)).sum().backward();
      opt.step();
      for (let i = 0; i < 2; i++) {
        const g = w.grad;
        opt.zeroGrad(setToNone === undefined ? undefined : { setToNone });
        if (setToNone === false) {
          expect(w.grad).toBe(g); // the same tensor, zeroed
          expect(w.grad!.tolist()).toEqual([0, 0, 0]);
        } else expect(w.grad).toBeNull();
        opt.step();
      }
      return w.tolist() as number[];
    };
    const close = (got: number[], want: number[]) => got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5)); // float32 Adam; the two answers differ by 0.1
    close(run(false), adamCase.set_to_none_false);
    close(run(true), adamCase.set_to_none_true);
    close(run(undefined), adamCase.set_to_none_true);
    // the module form
    const m = new nn.Linear(2, 1);
    (m.forward(torch.ones([1, 2])) as Tensor).sum().backward();
    const g = m.weight.grad!;
    m.zeroGrad({ setToNone: false });
    expect(m.weight.grad).toBe(g);
    expect(g.tolist()).toEqual([[0, 0]]);
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
    expect(() => loose(m.zeroGrad.bind(m))({ set_to_none: false })).toThrow(expect.objectContaining({ message: expect.stringMatching(/setToNone/) }));
    expect(() => loose(m.zeroGrad.bind(m))({ setToNone: 0 })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE' }));
  });
});
