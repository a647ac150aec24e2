// test/nn/weight_norm.test.ts — nn.utils.weightNorm / removeWeightNorm and spectralNorm /
// removeSpectralNorm (lib/nn/weight_norm.ts) against PyTorch 1.13 (test/fixtures/weight_norm.json from
// gen_weight_norm_fixtures.py): g and v at registration, outputs and the gradients of g, v and the bias
// (Linear with dim 0, null and 1, Conv2d), state-dict keys; for spectral norm, PyTorch's state after
// registration loaded, then three training forwards (u and v updated in place by 1 or 3 power
// iterations), outputs, u, v and weight_orig's gradient after each, and an eval forward without
// updates (Linear, Conv2d, ConvTranspose2d with its default dim 1, Linear with dim 1); removing them;
// float64 finite-difference gradients; the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectArgError } from '../helpers';
import { gradcheck } from '../gradcheck';

const { nn } = torch;
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'weight_norm.json'), 'utf8')) as { cases: Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
const f64 = (v: number[], shape: number[]) => torch.tensor(v, { dtype: 'float64' }).reshape(shape);
const close = (t: Tensor, want: number[], digits = 10) => {
  const got = Array.from(t.toArray() as Float64Array);
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], digits));
};
const MAKERS: Record<string, (c: Record<string, unknown>) => torch.nn.Module> = {
  'Linear dim 0': () => new nn.Linear(4, 3),
  'Linear dim None': () => new nn.Linear(4, 3),
  'Linear dim 1': () => new nn.Linear(4, 3),
  'Conv2d dim 0': () => new nn.Conv2d(2, 3, 3),
  Linear: () => new nn.Linear(5, 4),
  Conv2d: () => new nn.Conv2d(2, 3, 3),
  ConvTranspose2d: () => new nn.ConvTranspose2d(3, 2, 3),
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const build = (c: Record<string, any>) => MAKERS[c.kind === 'spectral' ? c.name.replace(/ (dim 1|3 iterations)$/, '') : c.name](c).double();
const weightOf = (m: torch.nn.Module) => (m as unknown as { weight: Tensor }).weight;
const param = (m: torch.nn.Module, k: string) => (m as unknown as Record<string, Tensor>)[k];

describe('nn.utils.weightNorm against PyTorch', () => {
  for (const c of FIX.cases.filter((k) => k.kind === 'weight'))
    it(c.name, () => {
      const m = build(c);
      torch.noGrad(() => weightOf(m).copy_(f64(c.w0, c.wshape)));
      torch.noGrad(() => param(m, 'bias').copy_(f64(c.bias, [c.bias.length])));
      nn.utils.weightNorm(m, { dim: c.dim });
      expect(param(m, 'weight_g').shape).toEqual(c.gshape);
      close(param(m, 'weight_g'), c.g);
      close(param(m, 'weight_v'), c.v);
      expect(Object.keys(m.stateDict())).toEqual(c.keys);
      const y = m.forward(f64(c.x, c.xshape)) as Tensor;
      close(y, c.y);
      y.mul(torch.linspace(-1, 1, y.numel(), { dtype: 'float64' }).reshape(y.shape)).sum().backward();
      close(param(m, 'weight_g').grad!, c.gradG);
      close(param(m, 'weight_v').grad!, c.gradV);
      close(param(m, 'bias').grad!, c.gradB);
      // removing it: one parameter again, the same outputs
      nn.utils.removeWeightNorm(m);
      expect(Object.keys(m.stateDict()).sort()).toEqual(['bias', 'weight']);
      expect(weightOf(m)).toBeInstanceOf(nn.Parameter);
      close(torch.noGrad(() => m.forward(f64(c.x, c.xshape)) as Tensor), c.y);
    });
  it('finite-difference gradients of g and v in float64', () => {
    const m = nn.utils.weightNorm(new nn.Linear(3, 2).double(), { dim: 1 });
    const x = torch.randn([4, 3], { dtype: 'float64' });
    gradcheck(([g, v]) => {
      (m as unknown as Record<string, Tensor>).weight_g = g;
      (m as unknown as Record<string, Tensor>).weight_v = v;
      return m.forward(x) as Tensor;
    }, [param(m, 'weight_g').detach().clone().requiresGrad_(true), param(m, 'weight_v').detach().clone().requiresGrad_(true)]);
  });
});

describe('nn.utils.spectralNorm against PyTorch', () => {
  for (const c of FIX.cases.filter((k) => k.kind === 'spectral'))
    it(c.name, () => {
      const m = build(c);
      nn.utils.spectralNorm(m, { nPowerIterations: c.iters, ...(c.dim === null ? {} : { dim: c.dim }) });
      expect(Object.keys(m.stateDict())).toEqual(c.keys);
      m.loadStateDict(Object.fromEntries(Object.entries(c.start as Record<string, number[]>).map(([k, v]) => [k, f64(v, c.shapes[k])])));
      for (const s of c.steps) {
        param(m, 'weight_orig').grad = null;
        const y = m.forward(f64(s.x, c.xshape)) as Tensor;
        close(y, s.y);
        close(param(m, 'weight_u'), s.u);
        close(param(m, 'weight_v'), s.v);
        y.mul(torch.linspace(-1, 1, y.numel(), { dtype: 'float64' }).reshape(y.shape)).sum().backward();
        close(param(m, 'weight_orig').grad!, s.gradW, 9);
      }
      m.eval();
      close(m.forward(f64(c.eval.x, c.xshape)) as Tensor, c.eval.y);
      close(param(m, 'weight_u'), c.eval.u);
      const w = torch.noGrad(() => weightOf(m).clone());
      nn.utils.removeSpectralNorm(m);
      expect(Object.keys(m.stateDict()).sort()).toEqual(['bias', 'weight']);
      close(weightOf(m), Array.from(w.toArray() as Float64Array));
    });
});

describe('nn.utils weight / spectral norm refusals', () => {
  it('names the bad argument', () => {
    const lin = () => new nn.Linear(3, 2);
    expectArgError(() => nn.utils.weightNorm(lin(), { name: 'nope' }), 'opts.name');
    expectArgError(() => nn.utils.weightNorm(lin(), { dim: 2 }), 'opts.dim');
    expectArgError(() => nn.utils.weightNorm({} as never), 'module');
    const m = nn.utils.weightNorm(lin());
    expectArgError(() => nn.utils.weightNorm(m), 'opts.name');
    expectArgError(() => nn.utils.removeSpectralNorm(m), 'opts.name');
    expectArgError(() => nn.utils.removeWeightNorm(lin()), 'opts.name');
    expectArgError(() => nn.utils.spectralNorm(lin(), { nPowerIterations: -1 }), 'opts.nPowerIterations');
    expectArgError(() => nn.utils.spectralNorm(lin(), { eps: -1 }), 'opts.eps');
    expect(() => nn.utils.spectralNorm(lin(), { n_power_iterations: 2 } as never)).toThrow(/n_power_iterations/);
  });
});
