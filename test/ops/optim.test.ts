// Optimizers against PyTorch (test/fixtures/optim.json): Adam (weight decay, amsgrad), AdamW and
// SGD (momentum, dampening, Nesterov, weight decay), 5 steps each with the fixture's gradients;
// the parameter after every step is compared, in float64 (tight) and float32 (~1e-4).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, fromFixture, expectClose, FixtureCase, T } from '../helpers';

const cases = casesOf('optim');

function makeOpt(c: FixtureCase, p: Tensor): { step(): void; zeroGrad(): void } {
  const pr = c.params;
  if (c.op === 'adam' || c.op === 'adamw') {
    const Cls = c.op === 'adam' ? torch.optim.Adam : torch.optim.AdamW;
    return new Cls([p], { lr: pr.lr, betas: pr.betas, eps: pr.eps, weightDecay: pr.weightDecay, amsgrad: pr.amsgrad });
  }
  return new torch.optim.SGD([p], {
    lr: pr.lr, momentum: pr.momentum, dampening: pr.dampening, weightDecay: pr.weightDecay, nesterov: pr.nesterov,
  });
}

describe('optimizers vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(13));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_n, c) => {
      const p = fromFixture(c.inputs.param!, dtype).requiresGrad_();
      const opt = makeOpt(c, p);
      const after = c.outputs!.paramAfter as T[];
      expect(c.gradsSequence!.length).toBe(after.length);
      c.gradsSequence!.forEach((g, k) => {
        opt.zeroGrad();
        p.grad = fromFixture(g, dtype);
        opt.step();
        const tol = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-10 } : { atol: 1e-5, rtol: 1e-5 };
        expectClose(p, after[k], { ...tol, label: `${c.name} [${dtype}] after step ${k + 1}` });
      });
    });
  });

  test('AdamW defaults weightDecay to 1e-2 and Adam to 0', () => {
    const p = torch.zeros([2], { dtype: 'float64' }).requiresGrad_();
    expect(new torch.optim.AdamW([p]).paramGroups[0].weightDecay).toBe(1e-2);
    expect(new torch.optim.Adam([p]).paramGroups[0].weightDecay).toBe(0);
  });

  test('a parameter with no grad is skipped by step()', () => {
    const p = torch.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const opt = new torch.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    opt.step();
    expectClose(p, [1, 2], { atol: 0 });
  });

  test('zeroGrad sets grads to null', () => {
    const p = torch.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    p.grad = torch.tensor([1, 1], { dtype: 'float64' });
    const opt = new torch.optim.Adam([p]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  // maximize is not in the fixtures; reference values from PyTorch 1.13 (float64): p0 = [0.5, -1, 2],
  // grads [[0.1,-0.2,0.3],[-0.4,0.5,0.6],[0.7,-0.8,0.9]], three steps.
  test.each([
    ['Adam lr 0.1 weightDecay 0.1', () => ({ lr: 0.1, maximize: true, weightDecay: 0.1 }), 'adam', [0.5552084298142199, -1.0530648797318949, 2.278602244702018]],
    ['AdamW lr 0.1 weightDecay 0.1 amsgrad', () => ({ lr: 0.1, maximize: true, weightDecay: 0.1, amsgrad: true }), 'adamw', [0.5608774506268753, -1.058451547563862, 2.2299611362072445]],
    ['SGD lr 0.1 momentum 0.9 nesterov weightDecay 0.1', () => ({ lr: 0.1, momentum: 0.9, maximize: true, weightDecay: 0.1, nesterov: true }), 'sgd', [0.5198580294999999, -1.005933059, 2.273323059]],
  ] as [string, () => Record<string, unknown>, string, number[]][])('maximize: %s', (_n, o, kind, expected) => {
    const p = torch.tensor([0.5, -1.0, 2.0], { dtype: 'float64' }).requiresGrad_();
    const opt = kind === 'adam' ? new torch.optim.Adam([p], o()) : kind === 'adamw' ? new torch.optim.AdamW([p], o()) : new torch.optim.SGD([p], o());
    for (const g of [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.6], [0.7, -0.8, 0.9]]) {
      p.grad = torch.tensor(g, { dtype: 'float64' });
      opt.step();
    }
    expectClose(p, expected, { atol: 1e-12, rtol: 1e-12 });
  });

  test('a non-contiguous grad is used with its logical layout', () => {
    const p = torch.tensor([[1, 2], [3, 4]], { dtype: 'float64' }).requiresGrad_();
    p.grad = torch.tensor([[1, 2], [3, 4]], { dtype: 'float64' }).t(); // [[1,3],[2,4]]
    new torch.optim.SGD([p], { lr: 1 }).step();
    expectClose(p, [0, -1, 1, 0], { atol: 0 });
  });
});

