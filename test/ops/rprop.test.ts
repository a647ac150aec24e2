// test/ops/rprop.test.ts — torch.optim.Rprop and torch.optim.ASGD (lib/optim/rprop.ts, the fused
// native steps rprop_step / asgd_step) on every device: against PyTorch 1.13
// (test/fixtures/rprop_asgd.json from gen_rprop_asgd_fixtures.py: two parameters of shapes [3, 5] and
// [7] in two parameter groups with different options, 8 steps with fixed gradients incl. gradient sign
// changes, step sizes clamped at both ends, a zero, a product underflowing in float32 and a NaN for
// Rprop, weight decay / averaging (t0 small) / maximize for ASGD; the parameters and every state entry
// after every step, float64 and float32), the second group also added with addParamGroup, defaults, a
// stateDict round trip mid-trajectory, the refusals (each naming the option), and on CUDA whole
// trajectories bit-identical to the CPU's. (Under test/ops, so that `npm run test:cuda-emu` runs it.)
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { argErrorTests, zerosOn, ArgErrorRow } from '../helpers';
import { expectSame, randFloat } from './compare';

type Num = number | null; // null: NaN (JSON has no NaN)
interface Traj {
  params: Num[][];
  state: Record<string, number | Num[]>[];
}
interface Case {
  name: string;
  optimizer: 'Rprop' | 'ASGD';
  opts: Record<string, unknown>;
  group2: Record<string, unknown> | null;
  shapes: number[][];
  params: number[][];
  grads: Num[][][];
  out: Record<'float64' | 'float32', Traj[]>;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'rprop_asgd.json'), 'utf8')) as { steps: number; cases: Case[] };
type Opt = torch.optim.Optimizer<object>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const O = torch.optim as unknown as Record<string, new (params: any, opts?: any) => Opt>;
const nums = (xs: Num[]): number[] => xs.map((x) => (x === null ? NaN : x));

// Rprop: PyTorch's operations are ours (a product, a multiply by an eta, a clamp, an exact +-stepSize):
// bit-identical. ASGD: PyTorch's vectorised add(alpha=) is a fused multiply-add where ours rounds twice.
const TOL = {
  Rprop: { float64: { rtol: 0, atol: 0 }, float32: { rtol: 0, atol: 0 } },
  ASGD: { float64: { rtol: 1e-12, atol: 1e-14 }, float32: { rtol: 2e-6, atol: 2e-7 } },
};

function close(actual: ArrayLike<number>, expected: Num[], tol: { rtol: number; atol: number }, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = e === null ? Number.isNaN(a) : Object.is(a, e) || Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) throw new Error(`${what}[${i}]: ${a} vs PyTorch ${e}`);
  }
}

describeOp('rprop', (run) => {
  const { on, dtypes, vsCpu } = run;
  const setup = (c: Case, dtype: 'float32' | 'float64', viaAddParamGroup = false) => {
    const ps = c.shapes.map((s, i) => on(torch.tensor(c.params[i], { dtype }).reshape(s)).requiresGrad_());
    let opt: Opt;
    if (viaAddParamGroup) {
      opt = new O[c.optimizer]([ps[0]], c.opts);
      opt.addParamGroup({ params: [ps[1]], ...(c.group2 ?? {}) });
    } else opt = new O[c.optimizer]([{ params: [ps[0]] }, { params: [ps[1]], ...(c.group2 ?? {}) }], c.opts);
    const stepK = (k: number) => {
      ps.forEach((p, i) => (p.grad = on(torch.tensor(nums(c.grads[k][i]), { dtype }).reshape(c.shapes[i]))));
      opt.step();
    };
    const check = (k: number) => {
      const want = c.out[dtype][k];
      const tol = TOL[c.optimizer][dtype];
      ps.forEach((p, i) => {
        const at = `${c.name} [${dtype}] step ${k + 1}`;
        close(p.toArray() as Float64Array, want.params[i], tol, `${at} param ${i}`);
        const st = opt.state.get(p)!;
        expect(Object.keys(st).sort()).toEqual(Object.keys(want.state[i]).sort());
        for (const [key, v] of Object.entries(want.state[i])) {
          const got = st[key];
          if (Array.isArray(v)) close((got as Tensor).toArray() as Float64Array, v, tol, `${at} state ${i}.${key}`);
          else expect(got).toBe(v); // step, and ASGD's eta and mu: float32 values, as PyTorch's 0-d tensors
        }
      });
    };
    return { ps, opt, stepK, check };
  };

  describe('vs PyTorch 1.13', () => {
    test('the fixture covers both optimizers, with clamping at both ends, NaN, and averaging', () => {
      for (const n of ['Rprop', 'ASGD']) expect(fixture.cases.filter((c) => c.optimizer === n).length).toBeGreaterThanOrEqual(3);
      expect(fixture.steps).toBe(8);
      const all = fixture.cases.find((c) => c.name === 'rprop_all')!;
      const ss = all.out.float64[7].state[0].stepSize as number[];
      expect(ss).toContain(0.1); // stepSizes[1]
      expect(ss).toContain(0.001); // stepSizes[0]
      expect(all.grads.some((gs) => gs[1].includes(null))).toBe(true);
      const avg = fixture.cases.find((c) => c.name === 'asgd_all')!.out.float64[7].state[0];
      expect(avg.mu).toBeLessThan(1);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: parameters and state after each of 8 steps', (_n, c) => {
        const { stepK, check } = setup(c, dtype);
        for (let k = 0; k < fixture.steps; k++) {
          stepK(k);
          check(k);
        }
      });
      test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: the second group added with addParamGroup', (_n, c) => {
        const { stepK, check } = setup(c, dtype, true);
        for (let k = 0; k < 4; k++) {
          stepK(k);
          check(k);
        }
      });
      test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: stateDict after step 3 continues identically in a new optimizer', (_n, c) => {
        const a = setup(c, dtype);
        for (let k = 0; k < 3; k++) a.stepK(k);
        const sd = a.opt.stateDict();
        expect(Object.keys(sd.state[0]).sort()).toEqual(c.optimizer === 'Rprop' ? ['prev', 'step', 'stepSize'] : ['ax', 'eta', 'mu', 'step']);
        const b = setup(c, dtype);
        b.ps.forEach((p, i) => torch.noGrad(() => p.copy_(a.ps[i])));
        b.opt.loadStateDict(sd as never);
        for (let k = 3; k < fixture.steps; k++) {
          a.stepK(k);
          b.stepK(k);
          b.check(k);
          b.ps.forEach((p, i) => expect(Array.from(p.toArray() as Float64Array)).toEqual(Array.from(a.ps[i].toArray() as Float64Array)));
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
    expect(d('Rprop')).toEqual({ lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false });
    expect(d('ASGD')).toEqual({ lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false });
  });

  test.each(['Rprop', 'ASGD'])("%s.step() bumps each parameter's version: a graph that saved it refuses its backward", (n) => {
    const w = on(torch.randn([4])).requiresGrad_();
    w.mul(w).sum().backward();
    const y = w.mul(w).sum(); // MulBackward saves w
    const v = w._version;
    new O[n]([w]).step();
    expect(w._version).toBe(v + 1);
    expect(() => y.backward()).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_AUTOGRAD' }));
  });

  describe('argument errors name the argument', () => {
    const { f64 } = zerosOn(on);
    const leaf = (): Tensor => f64([2]).requiresGrad_();
    const loose = (n: string) => O[n] as unknown as new (...a: unknown[]) => unknown;
    const rows: ArgErrorRow[] = [
      ['Rprop lr -1', () => new torch.optim.Rprop([leaf()], { lr: -1 }), /for lr /],
      ['Rprop etas in the wrong order', () => new torch.optim.Rprop([leaf()], { etas: [1.2, 0.5] }), /for etas\[0\]/],
      ['Rprop etas[0] 0', () => new torch.optim.Rprop([leaf()], { etas: [0, 1.2] }), /for etas\[0\]/],
      ['Rprop etas[0] 1', () => new torch.optim.Rprop([leaf()], { etas: [1, 1.2] }), /for etas\[0\]/],
      ['Rprop etas[1] 1', () => new torch.optim.Rprop([leaf()], { etas: [0.5, 1] }), /for etas\[1\]/],
      ['Rprop etas[1] Infinity', () => new torch.optim.Rprop([leaf()], { etas: [0.5, Infinity] }), /for etas\[1\]/],
      ['Rprop etas not a pair', () => new (loose('Rprop'))([leaf()], { etas: [0.5] }), /for etas /],
      ['Rprop stepSizes reversed', () => new torch.optim.Rprop([leaf()], { stepSizes: [1, 0.1] }), /for stepSizes\[1\]/],
      ['Rprop stepSizes[0] -1', () => new torch.optim.Rprop([leaf()], { stepSizes: [-1, 1] }), /for stepSizes\[0\]/],
      ['Rprop stepSizes[1] NaN', () => new torch.optim.Rprop([leaf()], { stepSizes: [0, NaN] }), /for stepSizes\[1\]/],
      ['Rprop maximize 1', () => new (loose('Rprop'))([leaf()], { maximize: 1 }), /for maximize /],
      ['Rprop step_sizes (snake_case)', () => new (loose('Rprop'))([leaf()], { step_sizes: [1e-6, 50] }), /'stepSizes'/],
      ['Rprop foreach (unknown option)', () => new (loose('Rprop'))([leaf()], { foreach: false }), /opts\.foreach/],
      ['Rprop weightDecay (not an Rprop option)', () => new (loose('Rprop'))([leaf()], { weightDecay: 0.1 }), /opts\.weightDecay/],
      ['Rprop group etas[1] 0.9', () => new torch.optim.Rprop([{ params: [leaf()], etas: [0.5, 0.9] }]), /for etas\[1\]/],
      ['Rprop addParamGroup etas reversed', () => new torch.optim.Rprop([leaf()]).addParamGroup({ params: [leaf()], etas: [2, 0.5] }), /for etas\[0\]/],
      ['ASGD lr -1', () => new torch.optim.ASGD([leaf()], { lr: -1 }), /for lr /],
      ['ASGD weightDecay -1', () => new torch.optim.ASGD([leaf()], { weightDecay: -1 }), /for weightDecay /],
      ['ASGD lambd NaN', () => new torch.optim.ASGD([leaf()], { lambd: NaN }), /for lambd /],
      ['ASGD alpha "1"', () => new (loose('ASGD'))([leaf()], { alpha: '1' }), /for alpha /],
      ['ASGD t0 Infinity', () => new torch.optim.ASGD([leaf()], { t0: Infinity }), /for t0 /],
      ['ASGD weight_decay (snake_case)', () => new (loose('ASGD'))([leaf()], { weight_decay: 0.1 }), /'weightDecay'/],
      ['ASGD group maximize "yes"', () => new (loose('ASGD'))([{ params: [leaf()], maximize: 'yes' }]), /for maximize /],
      ['a non-leaf param', () => new torch.optim.ASGD([leaf().mul(2)]), /for params\[0\]/],
    ];
    argErrorTests(rows);

    test.each(['Rprop', 'ASGD'])('%s.loadStateDict refuses a state entry of another optimizer, and a bad option', (n) => {
      const p = leaf();
      const opt = new O[n]([p]);
      p.grad = f64([2]);
      opt.step();
      const sd = opt.stateDict();
      const bad = { ...sd, state: { 0: { ...(sd.state as Record<number, object>)[0], bogus: f64([2]) } } };
      expect(() => opt.loadStateDict(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringContaining('bogus') }));
      const badGroup = { ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: -1 }] };
      expect(() => opt.loadStateDict(badGroup as never)).toThrow(/for lr /);
    });
    test('ASGD.loadStateDict refuses a non-number eta, and a state without ax', () => {
      const p = leaf();
      const opt = new torch.optim.ASGD([p]);
      p.grad = f64([2]);
      opt.step();
      const sd = opt.stateDict();
      const s0 = (sd.state as Record<number, Record<string, unknown>>)[0];
      expect(() => opt.loadStateDict({ ...sd, state: { 0: { ...s0, eta: f64([2]) } } } as never)).toThrow(/eta/);
      const { ax: _ax, ...noAx } = s0;
      expect(() => opt.loadStateDict({ ...sd, state: { 0: noAx } } as never)).toThrow(/ax/);
      // and the optimizer is as it was: it still steps
      opt.step();
      expect(opt.state.get(p)!.step).toBe(2);
    });
  });

  // On CUDA, each step rounds every operation as the CPU does: trajectories are bit-identical.
  vsCpu('CUDA vs CPU: 7 steps, bit-identical', () => {
    const MAKERS: [string, (ps: Tensor[]) => Opt][] = [
      ['Rprop clamped both ends', (ps) => new torch.optim.Rprop(ps, { lr: 0.02, etas: [0.3, 2], stepSizes: [1e-3, 0.05] }) as unknown as Opt],
      ['Rprop maximize', (ps) => new torch.optim.Rprop(ps, { maximize: true }) as unknown as Opt],
      ['ASGD averaging weightDecay', (ps) => new torch.optim.ASGD(ps, { lr: 0.05, lambd: 0.01, t0: 2, weightDecay: 0.1 }) as unknown as Opt],
      ['ASGD maximize', (ps) => new torch.optim.ASGD(ps, { maximize: true }) as unknown as Opt],
    ];
    const SHAPES = [[1], [1001], [33, 17], [2049, 3]];
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each(MAKERS)('%s', (name, make) => {
        const p0 = SHAPES.map((s, i) => randFloat(s, dtype, 10 + i, -1, 1));
        const pc = p0.map((t) => t.detach().requiresGrad_());
        const pg = p0.map((t) => on(t).detach().requiresGrad_());
        const oc = make(pc), og = make(pg);
        for (let k = 0; k < 7; k++) {
          // about 1 in 50 gradient entries 0 or NaN
          const grads = SHAPES.map((s, i) => randFloat(s, dtype, 100 * k + i, -2, 2, 0.02, [0, NaN]));
          pc.forEach((p, i) => (p.grad = grads[i]));
          pg.forEach((p, i) => (p.grad = on(grads[i])));
          oc.step();
          og.step();
          pg.forEach((p, i) => {
            expectSame(p, pc[i], `${name} step ${k + 1} param ${i}`);
            const sg = og.state.get(p)!, sc = oc.state.get(pc[i])!;
            for (const key of Object.keys(sc)) {
              if (sc[key] instanceof torch.Tensor) expectSame(sg[key] as Tensor, sc[key] as Tensor, `${name} step ${k + 1} state ${i}.${key}`);
              else expect(sg[key]).toBe(sc[key]);
            }
          });
        }
      });
    });
  });
});
