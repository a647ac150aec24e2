// test/ops/inplace_versions.test.ts — every kind of in-place write bumps the version counter, so a
// backward that saved the written tensor refuses to run (PyTorch's rule; lib/ops/inplace.ts has the
// elementwise ops): the indexing ops' in-place forms (lib/ops/index.ts) and every optimizer's step.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('version counters across the in-place writers', () => {
  const writers: [string, (y: Tensor) => unknown][] = [
    ['scatter_', (y) => y.scatter_(0, torch.tensor([0], { dtype: 'int64' }), 5)],
    ['scatterAdd_', (y) => y.scatterAdd_(0, torch.tensor([1], { dtype: 'int64' }), torch.ones([1]))],
    ['indexAdd_', (y) => y.indexAdd_(0, torch.tensor([2], { dtype: 'int64' }), torch.ones([1]))],
    ['maskedFill_', (y) => y.maskedFill_(torch.tensor([true, false, true]), 0)],
    ['set', (y) => y.set(7, '1:')],
    ['indexPut_', (y) => y.indexPut_([torch.tensor([0], { dtype: 'int64' })], torch.ones([1]))],
  ];
  for (const [name, write] of writers)
    test(`${name} after the tensor was saved for backward: backward refuses (ERR_TORCHLET_AUTOGRAD)`, () => {
      const x = torch.randn([3]).requiresGrad_();
      const y = x.exp(); // ExpBackward saves its output y
      const v = y._version;
      write(y);
      expect(y._version).toBeGreaterThan(v);
      expect(codeOf(() => y.sum().backward())).toBe('ERR_TORCHLET_AUTOGRAD');
    });

  const optimizers: [string, (p: Tensor[]) => { step(): void }][] = [
    ['SGD', (p) => new torch.optim.SGD(p, { lr: 0.1 })],
    ['Adam', (p) => new torch.optim.Adam(p)],
    ['RMSprop', (p) => new torch.optim.RMSprop(p)],
    ['Adagrad', (p) => new torch.optim.Adagrad(p)],
    ['Adadelta', (p) => new torch.optim.Adadelta(p)],
    ['Adamax', (p) => new torch.optim.Adamax(p)],
    ['NAdam', (p) => new torch.optim.NAdam(p)],
    ['RAdam', (p) => new torch.optim.RAdam(p)],
  ];
  for (const [name, make] of optimizers)
    test(`${name}.step() bumps each parameter's version: a graph that saved it refuses its backward`, () => {
      const w = torch.randn([4]).requiresGrad_();
      w.mul(w).sum().backward();
      const y = w.mul(w).sum(); // MulBackward saves w
      const v = w._version;
      make([w]).step();
      expect(w._version).toBe(v + 1);
      expect(codeOf(() => y.backward())).toBe('ERR_TORCHLET_AUTOGRAD');
    });
});

describe('optimizer options: an unknown or snake_case key is an error naming it (no silent drop)', () => {
  const cases: [string, () => unknown][] = [
    ['SGD weight_decay', () => new torch.optim.SGD([torch.zeros([1]).requiresGrad_()], { lr: 0.1, weight_decay: 1e-4 } as never)],
    ['Adam weight_decay', () => new torch.optim.Adam([torch.zeros([1]).requiresGrad_()], { weight_decay: 1e-4 } as never)],
    ['AdamW betas1', () => new torch.optim.AdamW([torch.zeros([1]).requiresGrad_()], { betas1: 0.9 } as never)],
  ];
  for (const [name, make] of cases)
    test(name, () => {
      expect(make).toThrow(/opts\.\w+/);
      expect(codeOf(make)).toBe('ERR_TORCHLET_INVALID_ARG');
    });
  test("the hint names the camelCase spelling ('weight_decay' -> 'weightDecay')", () => {
    expect(() => new torch.optim.SGD([torch.zeros([1]).requiresGrad_()], { weight_decay: 1 } as never)).toThrow(/did you mean 'weightDecay'/);
  });
});
