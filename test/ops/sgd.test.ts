// test/ops/sgd.test.ts — torch.optim.SGD on every device: against PyTorch (test/fixtures/optim.json:
// momentum, dampening, Nesterov, weight decay; 5 steps with the fixture's gradients, the parameter
// after every step compared, float64 and float32), maximize (a PyTorch 1.13 reference value), a
// parameter without grad, a non-contiguous grad, argument errors, and on CUDA whole trajectories
// bit-identical to the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { argErrorTests, casesOf, checkOptimCase, expectClose, fixtureTests, zerosOn, ArgErrorRow, FixtureCase } from '../helpers';
import { expectSame, randFloat } from './compare';
import { tol } from './tolerances';

const cases = casesOf('optim', ['sgd']);

function makeOpt(c: FixtureCase, p: Tensor): { step(): void; zeroGrad(): void } {
  const pr = c.params;
  return new torch.optim.SGD([p], {
    lr: pr.lr, momentum: pr.momentum, dampening: pr.dampening, weightDecay: pr.weightDecay, nesterov: pr.nesterov,
  });
}

describeOp('sgd', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureTests(run, cases, (c, dtype) => checkOptimCase(c, dtype, makeOpt, run), { title: 'fixture has sgd cases', more: () => {

    test('a parameter with no grad is skipped by step()', () => {
      const p = on(torch.tensor([1, 2], { dtype: 'float64' })).requiresGrad_();
      const opt = new torch.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
      opt.step();
      expectClose(p, [1, 2], { atol: 0 });
    });

    // maximize is not in the fixtures; reference value from PyTorch 1.13 (float64): p0 = [0.5, -1, 2],
    // grads [[0.1,-0.2,0.3],[-0.4,0.5,0.6],[0.7,-0.8,0.9]], three steps.
    test.each([
      ['SGD lr 0.1 momentum 0.9 nesterov weightDecay 0.1', () => ({ lr: 0.1, momentum: 0.9, maximize: true, weightDecay: 0.1, nesterov: true }), [0.5198580294999999, -1.005933059, 2.273323059]],
    ] as [string, () => Record<string, unknown>, number[]][])('maximize: %s', (_n, o, expected) => {
      const p = on(torch.tensor([0.5, -1.0, 2.0], { dtype: 'float64' })).requiresGrad_();
      const opt = new torch.optim.SGD([p], o());
      for (const g of [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.6], [0.7, -0.8, 0.9]]) {
        p.grad = on(torch.tensor(g, { dtype: 'float64' }));
        opt.step();
      }
      expectClose(p, expected, { atol: 1e-12, rtol: 1e-12 });
    });

    test('a non-contiguous grad is used with its logical layout', () => {
      const p = on(torch.tensor([[1, 2], [3, 4]], { dtype: 'float64' })).requiresGrad_();
      p.grad = on(torch.tensor([[1, 2], [3, 4]], { dtype: 'float64' })).t(); // [[1,3],[2,4]]
      new torch.optim.SGD([p], { lr: 1 }).step();
      expectClose(p, [0, -1, 1, 0], { atol: 0 });
    });
  } });

  describe('argument errors name the argument', () => {
    const { f64 } = zerosOn(on);
    const leaf = (shape: number[]): Tensor => f64(shape).requiresGrad_();
    const rows: ArgErrorRow[] = [
      ['SGD lr -0.1', () => new torch.optim.SGD([leaf([2])], { lr: -0.1 }), 'lr'],
      ['SGD momentum -1', () => new torch.optim.SGD([leaf([2])], { momentum: -1 }), 'momentum'],
      ['SGD weightDecay -1', () => new torch.optim.SGD([leaf([2])], { weightDecay: -1 }), 'weightDecay'],
      ['SGD nesterov without momentum', () => new torch.optim.SGD([leaf([2])], { nesterov: true }), 'nesterov'],
      ['SGD nesterov with dampening', () => new torch.optim.SGD([leaf([2])], { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'nesterov'],
      ['empty params', () => new torch.optim.SGD([], { lr: 0.1 }), 'params'],
      ['a param that does not require grad', () => new torch.optim.SGD([f64([2])], { lr: 0.1 }), /for params\[0\]/],
    ];
    argErrorTests(rows);
  });

  // The sgd_step kernel on CUDA rounds every operation as the CPU does: the parameters after every
  // step must be bit-identical ('sgd' tolerance: exact).
  vsCpu('CUDA vs CPU: 5 steps', () => {
    type Opt = { step(): void; zeroGrad(): void };
    const O = torch.optim;
    const OPTIMIZERS: [string, (ps: Tensor[]) => Opt][] = [
      ['SGD plain', (ps) => new O.SGD(ps, { lr: 0.1 })],
      ['SGD momentum + dampening', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.3 })],
      ['SGD Nesterov + weight decay', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 1e-2 })],
      ['SGD maximize + weight decay', (ps) => new O.SGD(ps, { lr: 0.01, weightDecay: 0.2, maximize: true })],
    ];
    const SHAPES = [[1], [1001], [33, 17], [1 << 18, 3]];
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each(OPTIMIZERS)('%s: 5 steps are bit-identical', (_n, make) => {
        const p0 = SHAPES.map((s, i) => randFloat(s, dtype, 10 + i, -1, 1));
        const pc = p0.map((t) => t.detach().requiresGrad_());
        const pg = p0.map((t) => on(t).detach().requiresGrad_());
        const oc = make(pc), og = make(pg);
        for (let k = 0; k < 5; k++) {
          const grads = SHAPES.map((s, i) => randFloat(s, dtype, 100 * k + i, -2, 2));
          oc.zeroGrad();
          og.zeroGrad();
          pc.forEach((p, i) => (p.grad = grads[i]));
          pg.forEach((p, i) => (p.grad = on(grads[i])));
          oc.step();
          og.step();
          pg.forEach((p, i) => expectSame(p, pc[i], `${_n} step ${k + 1} param ${i}`, tol('sgd', dtype, device)));
        }
      });
    });
  });
});
