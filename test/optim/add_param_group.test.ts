// test/optim/add_param_group.test.ts — Optimizer.addParamGroup (lib/optim/optimizer.ts) against PyTorch
// 1.13's add_param_group mid-training (test/fixtures/add_param_group.json from
// gen_add_param_group_fixtures.py: SGD with momentum, Adam with the new group's own weight decay,
// RMSprop with the defaults; the parameters after every step and the groups' options), the state dict
// after it, and the refusals (a parameter in two groups, here or at construction; unknown or bad
// options; not a leaf), which leave the optimizer unchanged.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectArgError, thrown } from '../helpers';

interface Case {
  name: 'SGD' | 'Adam' | 'RMSprop';
  base: Record<string, number>;
  extra: Record<string, number>;
  steps: { w1: number[]; w2: number[] }[];
  groups: Record<string, number>[];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'add_param_group.json'), 'utf8')) as { x: number[]; w1: number[]; w2: number[]; cases: Case[] };
const f64 = (v: number[]) => torch.tensor(v, { dtype: 'float64' });
const close = (t: Tensor, want: number[]) => Array.from(t.toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));

describe('Optimizer.addParamGroup against PyTorch', () => {
  for (const c of FIX.cases)
    it(c.name, () => {
      const x = f64(FIX.x);
      const w1 = f64(FIX.w1).requiresGrad_(true);
      const w2 = f64(FIX.w2).requiresGrad_(true);
      const Opt = torch.optim[c.name] as unknown as new (p: Tensor[], o: object) => torch.optim.Optimizer<object>;
      const opt = new Opt([w1], c.base);
      c.steps.forEach((want, k) => {
        if (k === 2) opt.addParamGroup({ params: w2, ...c.extra });
        opt.zeroGrad();
        w1.mul(x).pow(2).sum().add(w2.mul(x).sin().sum()).backward();
        opt.step();
        close(w1, want.w1);
        close(w2, want.w2);
      });
      expect(opt.paramGroups).toHaveLength(2);
      c.groups.forEach((g, i) => {
        for (const [k, v] of Object.entries(g)) expect([k, (opt.paramGroups[i] as Record<string, unknown>)[k]]).toEqual([k, v]);
      });
      const sd = opt.stateDict();
      expect(sd.paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
      expect(Object.keys(sd.state)).toEqual(['0', '1']);
    });
});

describe('Optimizer.addParamGroup: refusals', () => {
  const w = () => torch.randn([2]).requiresGrad_(true);
  it('refuses a parameter that is in a group already, or twice in one', () => {
    const a = w();
    const opt = new torch.optim.SGD([a], { lr: 0.1 });
    expectArgError(() => opt.addParamGroup({ params: [a] }), /paramGroup\.params\[0\]/);
    const b = w();
    expectArgError(() => opt.addParamGroup({ params: [b, b] }), /paramGroup\.params\[1\]/);
    expect(opt.paramGroups).toHaveLength(1);
    expectArgError(() => new torch.optim.SGD([{ params: [a] }, { params: [a] }]), /params\[1\]\.params\[0\]/);
    expectArgError(() => new torch.optim.SGD([a, a]), /params\[0\]\.params\[1\]/);
  });
  it('refuses bad options and bad parameters, and changes nothing', () => {
    const opt = new torch.optim.Adam([w()], { lr: 0.1 });
    expect(thrown(() => opt.addParamGroup({ params: [w()], learningRate: 1 } as never)).message).toMatch(/learningRate/);
    expectArgError(() => opt.addParamGroup({ params: [w()], lr: -1 }), 'lr');
    expectArgError(() => opt.addParamGroup({ params: [torch.randn([2])] }), /paramGroup\.params\[0\]/);
    expectArgError(() => opt.addParamGroup({ params: [w().mul(2)] }), /paramGroup\.params\[0\]/);
    expectArgError(() => opt.addParamGroup({ params: [] }), 'paramGroup.params');
    expectArgError(() => opt.addParamGroup({ params: 3 } as never), 'paramGroup.params');
    expectArgError(() => opt.addParamGroup(null as never), 'paramGroup');
    expect(thrown(() => (opt.addParamGroup as (...a: unknown[]) => void)({ params: [w()] }, 1)).code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(opt.paramGroups).toHaveLength(1);
  });
  it('a new group takes the defaults for the options it does not give', () => {
    const a = w();
    const opt = new torch.optim.SGD([a], { lr: 0.5, momentum: 0.9 });
    opt.addParamGroup({ params: [w()] });
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].momentum).toBe(0.9);
  });
});
