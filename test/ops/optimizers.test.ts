// test/ops/optimizers.test.ts — torch.optim.RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam on
// every device: against PyTorch 1.13 (test/fixtures/optim2.json from gen_optim2_fixtures.py: two
// parameters of shapes [3, 5] and [7] in two parameter groups with different options, 8 steps with
// fixed gradients incl. a zero and a tiny entry; the parameters and every state entry after every
// step, float64 and float32), defaults, a stateDict round trip mid-trajectory, the hyperparameter
// errors PyTorch raises as ValueErrors (each naming the option), and on CUDA whole trajectories
// bit-identical to the CPU's (the kernels round every operation as the CPU does).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { argErrorTests, zerosOn, ArgErrorRow } from '../helpers';
import { expectSame, randFloat } from './compare';

interface Traj {
  params: number[][];
  state: Record<string, number | number[]>[];
}
interface Case {
  name: string;
  optimizer: string;
  opts: Record<string, unknown>;
  group2: Record<string, unknown> | null;
  shapes: number[][];
  params: number[][];
  grads: number[][][];
  out: Record<'float64' | 'float32', Traj[]>;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'optim2.json'), 'utf8')) as { steps: number; cases: Case[] };
type Opt = torch.optim.Optimizer<object>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const O = torch.optim as unknown as Record<string, new (params: any, opts?: any) => Opt>;
const NAMES = ['RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'];

// float64: PyTorch's CPU kernels may fuse a multiply-add (vectorised) where ours round twice;
// float32: the same, at float32's precision, over 8 steps.
const TOL = { float64: { rtol: 1e-10, atol: 1e-13 }, float32: { rtol: 2e-5, atol: 2e-6 } };

function close(actual: ArrayLike<number>, expected: number[], dtype: 'float32' | 'float64', what: string): void {
  expect(actual.length).toBe(expected.length);
  const { rtol, atol } = TOL[dtype];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) throw new Error(`${what}[${i}]: ${a} vs PyTorch ${e}`);
  }
}

describeOp('optimizers', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const setup = (c: Case, dtype: 'float32' | 'float64') => {
    const ps = c.shapes.map((s, i) => on(torch.tensor(c.params[i], { dtype }).reshape(s)).requiresGrad_());
    const opt = new O[c.optimizer]([{ params: [ps[0]] }, { params: [ps[1]], ...(c.group2 ?? {}) }], c.opts);
    const stepK = (k: number) => {
      ps.forEach((p, i) => (p.grad = on(torch.tensor(c.grads[k][i], { dtype }).reshape(c.shapes[i]))));
      opt.step();
    };
    const check = (k: number) => {
      const want = c.out[dtype][k];
      ps.forEach((p, i) => {
        close(p.toArray() as Float64Array, want.params[i], dtype, `${c.name} [${dtype}] step ${k + 1} param ${i}`);
        const st = opt.state.get(p)!;
        expect(Object.keys(st).sort()).toEqual(Object.keys(want.state[i]).sort());
        for (const [key, v] of Object.entries(want.state[i])) {
          const got = st[key];
          if (Array.isArray(v)) close((got as Tensor).toArray() as Float64Array, v, dtype, `${c.name} [${dtype}] step ${k + 1} state ${i}.${key}`);
          else if (key === 'muProduct') expect(got).toBe(v); // float32 products, as PyTorch's 0-d tensor
          else expect(got).toBe(v);
        }
      });
    };
    return { ps, opt, stepK, check };
  };

  describe('vs PyTorch 1.13', () => {
    test('the fixture covers every optimizer with several option sets', () => {
      for (const n of NAMES) expect(fixture.cases.filter((c) => c.optimizer === n).length).toBeGreaterThanOrEqual(2);
      expect(fixture.steps).toBe(8);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: parameters and state after each of 8 steps', (_n, c) => {
        const { stepK, check } = setup(c, dtype);
        for (let k = 0; k < fixture.steps; k++) {
          stepK(k);
          check(k);
        }
      });
      test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: stateDict after step 3 continues identically in a new optimizer', (_n, c) => {
        const a = setup(c, dtype);
        for (let k = 0; k < 3; k++) a.stepK(k);
        const sd = a.opt.stateDict();
        const b = setup(c, dtype);
        // the parameters as A has them
        b.ps.forEach((p, i) => torch.noGrad(() => p.copy_(a.ps[i])));
        b.opt.loadStateDict(sd as never);
        for (let k = 3; k < fixture.steps; k++) {
          b.stepK(k);
          b.check(k);
        }
      });
    });
  });

  test('defaults as PyTorch 1.13', () => {
    const p = () => on(torch.zeros([2])).requiresGrad_();
    const d = (n: string) => {
      const { params: _p, ...rest } = new O[n]([p()]).paramGroups[0] as Record<string, unknown>;
      return rest;
    };
    expect(d('RMSprop')).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    expect(d('Adagrad')).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
    expect(d('Adadelta')).toEqual({ lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    expect(d('Adamax')).toEqual({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false });
    expect(d('NAdam')).toEqual({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 });
    expect(d('RAdam')).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  });

  test('Adagrad makes its state at construction (sum = initialAccumulatorValue), as PyTorch', () => {
    const p = on(torch.zeros([3], { dtype: 'float64' })).requiresGrad_();
    const opt = new torch.optim.Adagrad([p], { initialAccumulatorValue: 0.25 });
    const s = opt.state.get(p)!;
    expect(s.step).toBe(0);
    expect(Array.from((s.sum as Tensor).toArray() as Float64Array)).toEqual([0.25, 0.25, 0.25]);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
  });

  test('OneCycleLR cycles the betas of NAdam / RAdam / Adamax, and CyclicLR the momentum of RMSprop', () => {
    const p = on(torch.zeros([2])).requiresGrad_();
    for (const n of ['Adamax', 'NAdam', 'RAdam']) {
      const opt = new O[n]([p]);
      new torch.optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
      expect((opt.paramGroups[0] as unknown as { betas: number[] }).betas).toEqual([0.95, 0.999]);
    }
    const r = new torch.optim.RMSprop([p], { momentum: 0.5 });
    const s = new torch.optim.lrScheduler.CyclicLR(r, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2 });
    s.step();
    expect(r.paramGroups[0].momentum).toBeCloseTo(0.85, 12);
  });

  describe('argument errors name the argument', () => {
    const { f64 } = zerosOn(on);
    const leaf = (): Tensor => f64([2]).requiresGrad_();
    const loose = (n: string) => O[n] as unknown as new (...a: unknown[]) => unknown;
    const rows: ArgErrorRow[] = [
      ['RMSprop lr -1', () => new torch.optim.RMSprop([leaf()], { lr: -1 }), /for lr /],
      ['RMSprop eps -1', () => new torch.optim.RMSprop([leaf()], { eps: -1 }), /for eps /],
      ['RMSprop momentum -0.5', () => new torch.optim.RMSprop([leaf()], { momentum: -0.5 }), /for momentum /],
      ['RMSprop weightDecay -1', () => new torch.optim.RMSprop([leaf()], { weightDecay: -1 }), /for weightDecay /],
      ['RMSprop alpha -1', () => new torch.optim.RMSprop([leaf()], { alpha: -1 }), /for alpha /],
      ['RMSprop centered 1', () => new (loose('RMSprop'))([leaf()], { centered: 1 }), /for centered /],
      ['RMSprop weight_decay (snake_case)', () => new (loose('RMSprop'))([leaf()], { weight_decay: 1 }), /'weightDecay'/],
      ['Adagrad lr NaN', () => new torch.optim.Adagrad([leaf()], { lr: NaN }), /for lr /],
      ['Adagrad lrDecay -1', () => new torch.optim.Adagrad([leaf()], { lrDecay: -1 }), /for lrDecay /],
      ['Adagrad initialAccumulatorValue -1', () => new torch.optim.Adagrad([leaf()], { initialAccumulatorValue: -1 }), /for initialAccumulatorValue /],
      ['Adagrad eps -1', () => new torch.optim.Adagrad([leaf()], { eps: -1 }), /for eps /],
      ['Adadelta lr -1', () => new torch.optim.Adadelta([leaf()], { lr: -1 }), /for lr /],
      ['Adadelta rho 1.5', () => new torch.optim.Adadelta([leaf()], { rho: 1.5 }), /for rho /],
      ['Adadelta rho -0.1', () => new torch.optim.Adadelta([leaf()], { rho: -0.1 }), /for rho /],
      ['Adadelta group weightDecay -1', () => new torch.optim.Adadelta([{ params: [leaf()], weightDecay: -1 }]), /for weightDecay /],
      ['Adamax betas[0] 1', () => new torch.optim.Adamax([leaf()], { betas: [1, 0.9] }), /for betas\[0\]/],
      ['Adamax betas[1] -0.1', () => new torch.optim.Adamax([leaf()], { betas: [0.9, -0.1] }), /for betas\[1\]/],
      ['NAdam momentumDecay -1', () => new torch.optim.NAdam([leaf()], { momentumDecay: -1 }), /for momentumDecay /],
      ['NAdam maximize (not in PyTorch 1.13)', () => new (loose('NAdam'))([leaf()], { maximize: true }), /opts\.maximize/],
      ['NAdam lr -1', () => new torch.optim.NAdam([leaf()], { lr: -1 }), /for lr /],
      ['RAdam eps -1', () => new torch.optim.RAdam([leaf()], { eps: -1 }), /for eps /],
      ['RAdam betas not a pair', () => new (loose('RAdam'))([leaf()], { betas: [0.9] }), /for betas /],
      ['a non-leaf param', () => new torch.optim.RAdam([leaf().mul(2)]), /for params\[0\]/],
    ];
    argErrorTests(rows);

    test.each(NAMES)('%s.loadStateDict refuses a state entry of another optimizer', (n) => {
      const p = leaf();
      const opt = new O[n]([p]);
      p.grad = f64([2]);
      opt.step();
      const sd = opt.stateDict();
      const bad = { ...sd, state: { 0: { ...(sd.state as Record<number, object>)[0], bogus: f64([2]) } } };
      expect(() => opt.loadStateDict(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringContaining('bogus') }));
    });
  });

  // On CUDA, each step rounds every operation as the CPU does: trajectories are bit-identical.
  vsCpu('CUDA vs CPU: 5 steps, bit-identical', () => {
    const MAKERS: [string, (ps: Tensor[]) => Opt][] = [
      ['RMSprop centered momentum weightDecay', (ps) => new torch.optim.RMSprop(ps, { lr: 1e-2, centered: true, momentum: 0.9, weightDecay: 0.1 }) as unknown as Opt],
      ['RMSprop maximize', (ps) => new torch.optim.RMSprop(ps, { maximize: true }) as unknown as Opt],
      ['Adagrad lrDecay weightDecay', (ps) => new torch.optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.1, weightDecay: 0.01, initialAccumulatorValue: 0.1 }) as unknown as Opt],
      ['Adadelta', (ps) => new torch.optim.Adadelta(ps, { weightDecay: 0.1, maximize: true }) as unknown as Opt],
      ['Adamax', (ps) => new torch.optim.Adamax(ps, { weightDecay: 0.1 }) as unknown as Opt],
      ['NAdam', (ps) => new torch.optim.NAdam(ps, { weightDecay: 0.1 }) as unknown as Opt],
      ['RAdam (both branches)', (ps) => new torch.optim.RAdam(ps, { betas: [0.9, 0.9], weightDecay: 0.1 }) as unknown as Opt],
    ];
    const SHAPES = [[1], [1001], [33, 17], [1 << 16, 3]];
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each(MAKERS)('%s', (_n, make) => {
        const p0 = SHAPES.map((s, i) => randFloat(s, dtype, 10 + i, -1, 1));
        const pc = p0.map((t) => t.detach().requiresGrad_());
        const pg = p0.map((t) => on(t).detach().requiresGrad_());
        const oc = make(pc), og = make(pg);
        for (let k = 0; k < 7; k++) {
          const grads = SHAPES.map((s, i) => randFloat(s, dtype, 100 * k + i, -2, 2));
          pc.forEach((p, i) => (p.grad = grads[i]));
          pg.forEach((p, i) => (p.grad = on(grads[i])));
          oc.step();
          og.step();
          pg.forEach((p, i) => expectSame(p, pc[i], `${_n} step ${k + 1} param ${i}`));
        }
      });
    });
    void device;
  });
});
