// test/optim/lbfgs.test.ts — optim.LBFGS (lib/optim/lbfgs.ts) against PyTorch 1.13
// (test/fixtures/lbfgs.json from gen_lbfgs_fixtures.py): the parameters, the returned loss and the
// counters funcEvals / nIter after each step(closure), on the Rosenbrock function of two parameter
// tensors and a least-squares fit, without and with the strong-Wolfe line search, a history shorter than
// the run, a maxEval cap, early stops on the tolerances, and float32; on every device. Then the state
// dict, a loaded optimizer starting a new history, and the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError, thrown } from '../helpers';

interface Step {
  loss: number;
  a: number[][] | number[];
  b: number[];
  funcEvals: number;
  nIter: number;
}
interface Case {
  name: string;
  problem: 'rosenbrock' | 'lsq';
  dtype: DType;
  opts: Partial<torch.optim.LBFGSOptions>;
  a0: number[][] | number[];
  b0: number[];
  data: { X?: number[]; y?: number[] };
  steps: Step[];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'lbfgs.json'), 'utf8')) as { cases: Case[] };
const flat = (v: number[][] | number[]): number[] => (v as unknown[]).flat() as number[];

function problem(c: Case, device: string): { ps: Tensor[]; f: () => Tensor } {
  const t = (v: number[][] | number[]) => torch.tensor(v as number[], { dtype: c.dtype, device });
  const a = t(c.a0).requiresGrad_(true);
  const b = t(c.b0).requiresGrad_(true);
  if (c.problem === 'rosenbrock')
    return {
      ps: [a, b],
      f: () => {
        const x = torch.cat([a, b]);
        const n = x.shape[0];
        const hi = x.narrow(0, 1, n - 1);
        const lo = x.narrow(0, 0, n - 1);
        return hi.sub(lo.pow(2)).pow(2).mul(100).add(lo.neg().add(1).pow(2)).sum();
      },
    };
  const X = t(c.data.X!).reshape([20, 3]);
  const y = t(c.data.y!).reshape([20, 1]);
  return { ps: [a, b], f: () => X.matmul(a.t()).add(b).sub(y).pow(2).mean() };
}

describeDevices('optim.LBFGS against PyTorch', (device) => {
  for (const c of FIX.cases)
    it(c.name, () => {
      const { ps, f } = problem(c, device);
      const opt = new torch.optim.LBFGS(ps, c.opts);
      const digits = c.dtype === 'float64' ? 9 : 3;
      for (const want of c.steps) {
        const loss = opt.step(() => {
          opt.zeroGrad();
          const l = f();
          l.backward();
          return l;
        }) as Tensor;
        expect(loss.item()).toBeCloseTo(want.loss, digits);
        Array.from(ps[0].toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(flat(want.a)[i], digits));
        Array.from(ps[1].toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(want.b[i], digits));
        const sd = opt.stateDict();
        expect(sd.state[0]).toEqual({ funcEvals: want.funcEvals, nIter: want.nIter });
      }
    });
});

describe('optim.LBFGS: state, closures and refusals', () => {
  const quad = () => {
    const w = torch.tensor([3, -2], { dtype: 'float64' }).requiresGrad_(true);
    const closure = () => {
      w.grad = null;
      const l = w.sub(torch.tensor([1, 1], { dtype: 'float64' })).pow(4).sum();
      l.backward();
      return l;
    };
    return { w, closure };
  };
  it('minimises a quartic, and a closure returning a number works too', () => {
    const { w, closure } = quad();
    const opt = new torch.optim.LBFGS([w], { lineSearchFn: 'strong_wolfe' });
    opt.step(closure);
    Array.from(w.toArray() as Float64Array).forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(0.05));
    const r = opt.step(() => (closure().item() as number));
    expect(typeof r).toBe('number');
  });
  it('a loaded optimizer keeps the counters and starts a new history', () => {
    const { w, closure } = quad();
    const opt = new torch.optim.LBFGS([w], { maxIter: 1 });
    opt.step(closure);
    opt.step(closure);
    const sd = opt.stateDict();
    const other = new torch.optim.LBFGS([w], { maxIter: 1 });
    other.loadStateDict(sd);
    expect(other.stateDict().state[0]).toEqual({ funcEvals: 2, nIter: 2 });
    other.step(closure);
    expect(other.stateDict().state[0]).toEqual({ funcEvals: 3, nIter: 3 });
    expectArgError(() => other.loadStateDict({ ...sd, state: { 0: { d: torch.zeros([2]) } } } as never), /state\[0\]\.d/);
  });
  it('refuses what PyTorch refuses, naming it', () => {
    const { w, closure } = quad();
    const v = torch.zeros([2]).requiresGrad_(true);
    expectArgError(() => new torch.optim.LBFGS([{ params: [w] }, { params: [v] }]), 'params');
    const opt = new torch.optim.LBFGS([w]);
    expectArgError(() => opt.addParamGroup(), 'paramGroup');
    expectArgError(() => opt.step(), 'closure');
    expectArgError(() => opt.step(() => 'x' as never), /closure\(\)/);
    expectArgError(() => new torch.optim.LBFGS([w], { lineSearchFn: 'backtracking' as never }), 'lineSearchFn');
    expectArgError(() => new torch.optim.LBFGS([w], { historySize: 0 }), 'historySize');
    expectArgError(() => new torch.optim.LBFGS([w], { maxIter: 1.5 }), 'maxIter');
    expectArgError(() => new torch.optim.LBFGS([w], { lr: -1 }), 'lr');
    expect(thrown(() => new torch.optim.LBFGS([w], { line_search_fn: 'strong_wolfe' } as never)).message).toMatch(/line_search_fn/);
    expect(opt.step(closure)).toBeDefined();
  });
});
