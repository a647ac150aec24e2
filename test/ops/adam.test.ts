// test/ops/adam.test.ts — torch.optim.Adam and AdamW on every device: against PyTorch
// (test/fixtures/optim.json: weight decay, amsgrad; 5 steps with the fixture's gradients, the
// parameter after every step compared, float64 and float32), maximize (PyTorch 1.13 reference
// values), defaults, zeroGrad, argument errors, and on CUDA whole trajectories bit-identical to the
// CPU (the kernels round every operation as the CPU does).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { argErrorTests, casesOf, checkOptimCase, expectClose, fixtureTests, zerosOn, ArgErrorRow, FixtureCase } from '../helpers';
import { expectSame, randFloat } from './compare';
import { tol } from './tolerances';

const cases = casesOf('optim', ['adam', 'adamw']);

function makeOpt(c: FixtureCase, p: Tensor): { step(): void; zeroGrad(): void } {
  const pr = c.params;
  const Cls = c.op === 'adam' ? torch.optim.Adam : torch.optim.AdamW;
  return new Cls([p], { lr: pr.lr, betas: pr.betas, eps: pr.eps, weightDecay: pr.weightDecay, amsgrad: pr.amsgrad });
}

describeOp('adam', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureTests(run, cases, (c, dtype) => checkOptimCase(c, dtype, makeOpt, run), { min: 13, count: () => casesOf('optim').length, more: () => {

    test('AdamW defaults weightDecay to 1e-2 and Adam to 0', () => {
      const p = on(torch.zeros([2], { dtype: 'float64' })).requiresGrad_();
      expect(new torch.optim.AdamW([p]).paramGroups[0].weightDecay).toBe(1e-2);
      expect(new torch.optim.Adam([p]).paramGroups[0].weightDecay).toBe(0);
    });

    test('zeroGrad sets grads to null', () => {
      const p = on(torch.tensor([1, 2], { dtype: 'float64' })).requiresGrad_();
      p.grad = on(torch.tensor([1, 1], { dtype: 'float64' }));
      const opt = new torch.optim.Adam([p]);
      opt.zeroGrad();
      expect(p.grad).toBeNull();
    });

    // maximize is not in the fixtures; reference values from PyTorch 1.13 (float64): p0 = [0.5, -1, 2],
    // grads [[0.1,-0.2,0.3],[-0.4,0.5,0.6],[0.7,-0.8,0.9]], three steps.
    test.each([
      ['Adam lr 0.1 weightDecay 0.1', () => ({ lr: 0.1, maximize: true, weightDecay: 0.1 }), 'adam', [0.5552084298142199, -1.0530648797318949, 2.278602244702018]],
      ['AdamW lr 0.1 weightDecay 0.1 amsgrad', () => ({ lr: 0.1, maximize: true, weightDecay: 0.1, amsgrad: true }), 'adamw', [0.5608774506268753, -1.058451547563862, 2.2299611362072445]],
    ] as [string, () => Record<string, unknown>, string, number[]][])('maximize: %s', (_n, o, kind, expected) => {
      const p = on(torch.tensor([0.5, -1.0, 2.0], { dtype: 'float64' })).requiresGrad_();
      const opt = kind === 'adam' ? new torch.optim.Adam([p], o()) : new torch.optim.AdamW([p], o());
      for (const g of [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.6], [0.7, -0.8, 0.9]]) {
        p.grad = on(torch.tensor(g, { dtype: 'float64' }));
        opt.step();
      }
      expectClose(p, expected, { atol: 1e-12, rtol: 1e-12 });
    });
  } });

  describe('argument errors name the argument', () => {
    const { f64 } = zerosOn(on);
    const leaf = (shape: number[]): Tensor => f64(shape).requiresGrad_();
    const rows: ArgErrorRow[] = [
      ['Adam lr -1', () => new torch.optim.Adam([leaf([2])], { lr: -1 }), 'lr'],
      ['Adam lr NaN', () => new torch.optim.Adam([leaf([2])], { lr: NaN }), 'lr'],
      ['Adam betas[0] = 1', () => new torch.optim.Adam([leaf([2])], { betas: [1, 0.999] }), /for betas\[0\]/],
      ['Adam betas[1] = 1', () => new torch.optim.Adam([leaf([2])], { betas: [0.9, 1] }), /for betas\[1\]/],
      ['Adam betas[1] = -0.1', () => new torch.optim.Adam([leaf([2])], { betas: [0.9, -0.1] }), /for betas\[1\]/],
      ['Adam eps -1', () => new torch.optim.Adam([leaf([2])], { eps: -1 }), 'eps'],
      ['Adam weightDecay -1', () => new torch.optim.Adam([leaf([2])], { weightDecay: -1 }), 'weightDecay'],
      ['AdamW lr -1', () => new torch.optim.AdamW([leaf([2])], { lr: -1 }), 'lr'],
      ['Adam group with lr -1', () => new torch.optim.Adam([{ params: [leaf([2])], lr: -1 }]), 'lr'],
      ['a non-leaf param', () => new torch.optim.Adam([leaf([2]).mul(2)]), /for params\[0\]/],
    ];
    argErrorTests(rows);
  });

  // The adam_step kernel on CUDA rounds every operation as the CPU does (no FMA contraction): the
  // parameters after every step must be bit-identical ('adam' tolerance: exact).
  vsCpu('CUDA vs CPU: 5 steps', () => {
    type Opt = { step(): void; zeroGrad(): void };
    const O = torch.optim;
    const OPTIMIZERS: [string, (ps: Tensor[]) => Opt][] = [
      ['Adam defaults', (ps) => new O.Adam(ps, { lr: 1e-2 })],
      ['Adam weight decay + amsgrad', (ps) => new O.Adam(ps, { lr: 3e-3, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1, amsgrad: true })],
      ['Adam maximize', (ps) => new O.Adam(ps, { lr: 1e-3, maximize: true })],
      ['AdamW', (ps) => new O.AdamW(ps, { lr: 1e-2, weightDecay: 0.05 })],
      ['AdamW amsgrad maximize', (ps) => new O.AdamW(ps, { lr: 5e-3, amsgrad: true, maximize: true })],
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
          pg.forEach((p, i) => expectSame(p, pc[i], `${_n} step ${k + 1} param ${i}`, tol('adam', dtype, device)));
        }
      });
    });
  });
});
