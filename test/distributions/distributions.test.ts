// test/distributions/distributions.test.ts — torch.distributions (lib/distributions/*.ts) on every device:
// logProb, cdf, icdf, entropy, mean, variance, stddev, mode, probs/logits and the MultivariateNormal
// matrices, and klDivergence, values and gradients w.r.t. the parameters against PyTorch 1.13
// (test/fixtures/distributions.json from gen_distributions_fixtures.py: broadcast batch shapes, values
// with extra sample dims, probs / logits parameterisations, covariance / precision / scaleTril), float64
// finite-difference gradchecks; sampling checked statistically with fixed seeds (means and variances of
// 20k draws within bounds a wrong formula fails), reproducibility and the generator option, rsample's
// reparameterised gradients (Gamma, Beta, Dirichlet: the implicit gradient, in expectation and by its
// defining identity), shapes of sample / expand / enumerateSupport, reprs, and the refusals (bad
// probs, negative scale with validateArgs, values outside the support, unknown option keys, extra
// arguments, the unimplemented rsample and KL pairs).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { TorchletError } from '../../lib/errors';
import { describeDevices } from '../devices';
import type { TestDevice } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectClose, fromFixture, loadFixture, maxAbs, thrown, toNumbers } from '../helpers';
import type { T } from '../helpers';
import { refTol } from '../ops/tolerances';
import { standardGammaGrad } from '../../lib/distributions/continuous';

const D = torch.distributions;
type Dist = InstanceType<typeof D.Distribution>;

interface MethodEntry {
  value?: T;
  output: T;
  gradOutput?: T;
  grads?: Record<string, T>;
}
interface DistCase {
  name: string;
  family: string;
  params: Record<string, T>;
  n?: number;
  methods: Record<string, MethodEntry>;
  batchShape: number[];
  eventShape: number[];
}
interface Spec {
  family: string;
  params: Record<string, T>;
}
interface KlCase {
  name: string;
  p: Spec;
  q: Spec;
  output: T;
  gradOutput?: T;
  grads?: Record<string, T>;
}
const FIX = decodeNonFinite(loadFixture('distributions')) as unknown as { cases: DistCase[]; kl: KlCase[] };
/** The fixture with its "inf" / "-inf" / "nan" strings (JSON has no infinities) as numbers, in place. */
function decodeNonFinite<X>(x: X): X {
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach((v, i) => (typeof v === 'string' && /^-?inf$|^nan$/.test(v) ? (o[i] = v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity) : walk(v)));
    else if (o && typeof o === 'object') Object.values(o).forEach(walk);
  };
  walk(x);
  return x;
}
const CASES = FIX.cases.map((c) => [c.name, c] as [string, DistCase]);
const KLS = FIX.kl.map((c) => [c.name, c] as [string, KlCase]);

/** The distribution of a fixture spec, in the spellings users write (positional, {probs}, {logits}, ...). */
function build(family: string, p: Record<string, Tensor>, n?: number): Dist {
  switch (family) {
    case 'Normal':
      return new D.Normal(p.loc, p.scale);
    case 'Uniform':
      return new D.Uniform(p.low, p.high);
    case 'Exponential':
      return new D.Exponential(p.rate);
    case 'Laplace':
      return new D.Laplace(p.loc, p.scale);
    case 'LogNormal':
      return new D.LogNormal(p.loc, p.scale);
    case 'Gamma':
      return new D.Gamma(p.concentration, p.rate);
    case 'Beta':
      return new D.Beta(p.concentration1, p.concentration0);
    case 'Dirichlet':
      return new D.Dirichlet(p.concentration);
    case 'Bernoulli':
      return p.probs ? new D.Bernoulli(p.probs) : new D.Bernoulli({ logits: p.logits });
    case 'Categorical':
      return p.probs ? new D.Categorical({ probs: p.probs }) : new D.Categorical({ logits: p.logits });
    case 'OneHotCategorical':
      return p.probs ? new D.OneHotCategorical({ probs: p.probs }) : new D.OneHotCategorical({ logits: p.logits });
    case 'Poisson':
      return new D.Poisson(p.rate);
    case 'Binomial':
      return p.probs ? new D.Binomial(p.totalCount, p.probs) : new D.Binomial(p.totalCount, { logits: p.logits });
    case 'MultivariateNormal':
      if (p.covarianceMatrix) return new D.MultivariateNormal(p.loc, { covarianceMatrix: p.covarianceMatrix });
      if (p.scaleTril) return new D.MultivariateNormal(p.loc, { scaleTril: p.scaleTril });
      return new D.MultivariateNormal(p.loc, { precisionMatrix: p.precisionMatrix });
    case 'Independent':
      return new D.Independent(new D.Normal(p.loc, p.scale), n!);
    default:
      throw new Error(`unknown family ${family}`);
  }
}
function evaluate(d: Dist, m: string, value: Tensor | null): Tensor {
  const r = d as unknown as Record<string, unknown>;
  switch (m) {
    case 'logProb':
      return d.logProb(value!);
    case 'cdf':
      return d.cdf(value!);
    case 'icdf':
      return d.icdf(value!);
    case 'entropy':
      return d.entropy();
    default:
      return r[m] as Tensor;
  }
}
/** parameters that are not differentiable (Binomial's totalCount) */
const noGradParam = (_c: DistCase, k: string) => k === 'totalCount';
/** expectClose where the infinities of the expectation must be met exactly (same sign, same places). */
function expectCloseInf(actual: Tensor, expected: T, opts: Parameters<typeof expectClose>[2]): void {
  const act = toNumbers(actual);
  const fin = (v: number) => (Number.isFinite(v) || Number.isNaN(v) ? v : 0);
  expected.data.forEach((e, i) => {
    if (!Number.isFinite(e) && !Number.isNaN(e)) expect([opts?.label, i, act[i]]).toEqual([opts?.label, i, e]);
  });
  expectClose(torch.tensor(act.map(fin), { dtype: 'float64' }).reshape(actual.shape), { ...expected, data: expected.data.map(fin) }, opts);
}

describeDevices('torch.distributions', (device: TestDevice) => {
  const on = (t: Tensor) => t.to(device);
  const f64 = (d: number[] | number[][]) => on(torch.tensor(d, { dtype: 'float64' }));

  describe('vs PyTorch', () => {
    test('the fixture covers every family and method', () => {
      const fams = new Set(FIX.cases.map((c) => c.family));
      for (const f of ['Normal', 'Uniform', 'Exponential', 'Laplace', 'LogNormal', 'Gamma', 'Beta', 'Dirichlet', 'Bernoulli', 'Categorical', 'OneHotCategorical', 'Poisson', 'Binomial', 'MultivariateNormal', 'Independent'])
        expect(fams.has(f)).toBe(true);
      expect(KLS.length).toBeGreaterThanOrEqual(18);
    });
    for (const dtype of ['float64', 'float32'] as const)
      describe(dtype, () => {
        test.each(CASES)('%s', (_n, c) => {
          for (const [m, e] of Object.entries(c.methods)) {
            const leaves: Record<string, Tensor> = {};
            for (const [k, t] of Object.entries(c.params)) {
              leaves[k] = on(fromFixture(t, dtype));
              if (!noGradParam(c, k)) leaves[k].requiresGrad_();
            }
            const d = build(c.family, leaves, c.n);
            expect(d.batchShape).toEqual(c.batchShape);
            expect(d.eventShape).toEqual(c.eventShape);
            const value = e.value ? on(fromFixture(e.value, e.value.dtype === 'int64' ? 'int64' : dtype)) : null;
            const y = evaluate(d, m, value);
            const label = `${c.name} [${dtype}] ${m}`;
            const mag = Math.max(1, maxAbs(e.output.data.filter(Number.isFinite)));
            expectCloseInf(y, e.output, { ...refTol('distributions', dtype, device, { magnitude: mag }), label });
            if (!e.grads || !y.requiresGrad) continue;
            y.backward(on(fromFixture(e.gradOutput!, dtype)));
            for (const [k, g] of Object.entries(e.grads)) {
              const gm = Math.max(mag, maxAbs(g.data), maxAbs(e.gradOutput!.data));
              const actual = leaves[k].grad ?? torch.zerosLike(leaves[k]);
              expectClose(actual, g, { ...refTol('distributions', dtype, device, { magnitude: gm }), label: `${label} grad ${k}` });
            }
          }
        });
        test.each(KLS)('%s', (_n, c) => {
          const leaves: Record<string, Tensor> = {};
          const make = (side: 'p' | 'q') => {
            const ps: Record<string, Tensor> = {};
            for (const [k, t] of Object.entries(c[side].params)) {
              ps[k] = on(fromFixture(t, dtype));
              if (c.grads) ps[k].requiresGrad_();
              leaves[`${side}.${k}`] = ps[k];
            }
            return build(c[side].family, ps);
          };
          const y = D.klDivergence(make('p'), make('q'));
          const mag = Math.max(1, maxAbs(c.output.data.filter(Number.isFinite)));
          expectCloseInf(y, c.output, { ...refTol('distributions', dtype, device, { magnitude: mag }), label: `${c.name} [${dtype}]` });
          if (!c.grads) return;
          y.backward(on(fromFixture(c.gradOutput!, dtype)));
          for (const [k, g] of Object.entries(c.grads)) {
            const actual = leaves[k].grad ?? torch.zerosLike(leaves[k]);
            const gm = Math.max(mag, maxAbs(g.data), maxAbs(c.gradOutput!.data));
            expectClose(actual, g, { ...refTol('distributions', dtype, device, { magnitude: gm }), label: `${c.name} [${dtype}] grad ${k}` });
          }
        });
      });
  });

  describe('float64 finite-difference gradients', () => {
    const x = () => f64([[0.3, -1.2, 2.0], [1.1, 0.4, -0.5]]);
    test('Normal, Laplace logProb and cdf', () => {
      gradcheck(([l, s, v]) => new D.Normal(l, s).logProb(v).add(new D.Normal(l, s).cdf(v)), [f64([0.1, -0.3, 0.5]), f64([0.7, 1.3, 2.0]), x()], { device });
      gradcheck(([l, s]) => new D.Laplace(l, s).logProb(x()), [f64([0.1, -0.3, 0.5]), f64([0.7, 1.3, 2.0])], { device });
    });
    test('Gamma logProb and entropy, Dirichlet entropy (Beta is a Dirichlet)', () => {
      gradcheck(([c, r]) => new D.Gamma(c, r).logProb(f64([0.5, 1.5])).add(new D.Gamma(c, r).entropy()), [f64([0.8, 2.5]), f64([1.2, 0.6])], { device, atol: 1e-5, rtol: 1e-5 });
      gradcheck(([c]) => new D.Dirichlet(c).entropy(), [f64([[0.8, 2.5, 1.0]])], { device, atol: 1e-5, rtol: 1e-5 });
    });
    test('Categorical logits, MultivariateNormal logProb, KL of MultivariateNormals', () => {
      gradcheck(([l]) => new D.Categorical({ logits: l }).logProb(on(torch.tensor([2, 0], { dtype: 'int64' }))), [f64([[0.1, -0.3, 0.5], [1, 2, 3]])], { device });
      const A = [[1.5, 0, 0], [0.3, 1.2, 0], [-0.2, 0.4, 0.9]];
      gradcheck(([l, L]) => new D.MultivariateNormal(l, { scaleTril: L.tril() }).logProb(x()), [f64([0.1, -0.3, 0.5]), f64(A)], { device, atol: 1e-5, rtol: 1e-5 });
      gradcheck(
        ([l, L]) => D.klDivergence(new D.MultivariateNormal(l, { scaleTril: L.tril() }), new D.MultivariateNormal(f64([0, 1, 0]), { covarianceMatrix: f64([[2, 0.3, 0], [0.3, 1, 0.1], [0, 0.1, 1.5]]) })),
        [f64([0.1, -0.3, 0.5]), f64(A)],
        { device, atol: 1e-5, rtol: 1e-5 },
      );
    });
  });

  describe('sampling', () => {
    const N = 20000;
    const stats = (s: Tensor) => ({ mean: toNumbers(s.mean(0)), variance: toNumbers(s.var(0)) });
    /** mean within 5 standard errors, variance within 8% (and within 5 s.e. of the mean of the expected variance) */
    const expectMoments = (s: Tensor, mean: number[], variance: number[], vtol = 0.08) => {
      const st = stats(s.to('float64'));
      mean.forEach((m, i) => expect(Math.abs(st.mean[i] - m)).toBeLessThan(5 * Math.sqrt(variance[i] / s.shape[0]) + 1e-12));
      variance.forEach((v, i) => expect(Math.abs(st.variance[i] - v)).toBeLessThanOrEqual(vtol * v + 1e-12));
    };
    test('continuous families: the moments of 20k draws', () => {
      torch.manualSeed(1234);
      expectMoments(new D.Normal(f64([1, -2]), f64([0.5, 2])).sample([N]), [1, -2], [0.25, 4]);
      expectMoments(new D.Uniform(f64([0, -1]), f64([1, 3])).sample([N]), [0.5, 1], [1 / 12, 16 / 12]);
      expectMoments(new D.Exponential(f64([0.5, 4])).sample([N]), [2, 0.25], [4, 1 / 16]);
      expectMoments(new D.Laplace(f64([1, 0]), f64([0.5, 2])).sample([N]), [1, 0], [0.5, 8]);
      const ln = new D.LogNormal(f64([0, 0.5]), f64([0.25, 0.1]));
      expectMoments(ln.sample([N]), toNumbers(ln.mean), toNumbers(ln.variance));
      const g = new D.Gamma(f64([0.5, 3]), f64([1, 2]));
      expectMoments(g.sample([N]), [0.5, 1.5], [0.5, 0.75], 0.1);
      const b = new D.Beta(f64([0.5, 2]), f64([2, 3]));
      expectMoments(b.sample([N]), toNumbers(b.mean), toNumbers(b.variance), 0.1);
      const dir = new D.Dirichlet(f64([1, 2, 3]));
      expectMoments(dir.sample([N]), [1 / 6, 2 / 6, 3 / 6], toNumbers(dir.variance), 0.1);
      const mvn = new D.MultivariateNormal(f64([1, -1]), { covarianceMatrix: f64([[2, 0.8], [0.8, 1]]) });
      const s = mvn.sample([N]);
      expectMoments(s, [1, -1], [2, 1]);
      const c = s.sub(s.mean(0)).to('float64');
      const cov01 = c.select(1, 0).mul(c.select(1, 1)).mean().item();
      expect(Math.abs(cov01 - 0.8)).toBeLessThan(0.06);
    });
    test('discrete families: the moments and frequencies of 20k draws', () => {
      torch.manualSeed(99);
      expectMoments(new D.Bernoulli(f64([0.1, 0.7])).sample([N]), [0.1, 0.7], [0.09, 0.21]);
      expectMoments(new D.Poisson(f64([3, 40])).sample([N]), [3, 40], [3, 40], 0.1);
      expectMoments(new D.Binomial(f64([5, 20]), f64([0.3, 0.6])).sample([N]), [1.5, 12], [1.05, 4.8], 0.1);
      const cat = new D.Categorical(f64([0.1, 0.2, 0.7]));
      const cs = cat.sample([N]);
      expect(cs.dtype).toBe('int64');
      const freq = [0, 1, 2].map((k) => cs.eq(k).to('float64').mean().item());
      [0.1, 0.2, 0.7].forEach((p, k) => expect(Math.abs(freq[k] - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N)));
      const oh = new D.OneHotCategorical({ probs: f64([[0.6, 0.4], [0.05, 0.95]]) }).sample([N]);
      expect(oh.shape).toEqual([N, 2, 2]);
      expectClose(oh.sum(-1), new Array(2 * N).fill(1), { atol: 0, ignoreShape: true });
      expectClose(oh.mean(0), [0.6, 0.4, 0.05, 0.95], { atol: 0.02 });
    });
    test('reproducible with torch.manualSeed, and the generator option leaves the global stream alone', () => {
      const d = new D.Normal(f64([0, 1, 2]), f64([1, 1, 1]));
      torch.manualSeed(7);
      const a = toNumbers(d.sample([4]));
      const g0 = toNumbers(new D.Gamma(f64([0.5, 2]), f64([1, 1])).sample([3]));
      torch.manualSeed(7);
      expect(toNumbers(d.sample([4]))).toEqual(a);
      expect(toNumbers(new D.Gamma(f64([0.5, 2]), f64([1, 1])).sample([3]))).toEqual(g0);
      torch.manualSeed(7);
      const gen = new torch.Generator().manualSeed(11);
      const withGen = toNumbers(d.sample([4], { generator: gen }));
      expect(toNumbers(d.sample([4]))).toEqual(a); // the global stream did not move
      expect(toNumbers(d.sample([4], { generator: new torch.Generator().manualSeed(11) }))).toEqual(withGen);
      expect(withGen).not.toEqual(a);
    });
    test('shapes: sampleShape + batchShape + eventShape; sample has no gradient, rsample has', () => {
      const loc = f64([[0, 1, 2]]).requiresGrad_();
      const d = new D.Normal(loc, 1);
      expect(d.batchShape).toEqual([1, 3]);
      expect(d.sample().shape).toEqual([1, 3]);
      expect(d.sample([2, 4]).shape).toEqual([2, 4, 1, 3]);
      expect(d.sample([5]).requiresGrad).toBe(false);
      expect(d.rsample([5]).requiresGrad).toBe(true);
      expect(d.sampleN(3).shape).toEqual([3, 1, 3]);
      expect(new D.Categorical({ logits: f64([[1, 2], [3, 4]]) }).sample([3]).shape).toEqual([3, 2]);
      expect(new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[1, 0], [0, 1]]) }).sample([3, 2]).shape).toEqual([3, 2, 2]);
      expect(new D.Dirichlet(f64([[1, 2, 3]])).sample([4]).shape).toEqual([4, 1, 3]);
      expect(new D.Independent(new D.Normal(f64([[0, 1, 2]]), 1), 2).sample([2]).shape).toEqual([2, 1, 3]);
    });
    test("rsample's reparameterised gradients: d x / d loc = 1, d x / d scale = eps, d x / d rate = -x / rate, Uniform and MVN", () => {
      torch.manualSeed(3);
      const loc = f64([0.5, -1]).requiresGrad_();
      const scale = f64([2, 0.5]).requiresGrad_();
      const x = new D.Normal(loc, scale).rsample([6]);
      x.sum().backward();
      expectClose(loc.grad!, [6, 6], { atol: 1e-12 });
      const eps = x.detach().sub(loc.detach()).div(scale.detach()).sum(0);
      expectClose(scale.grad!, eps, { atol: 1e-12 });
      const rate = f64([0.5, 3]).requiresGrad_();
      const e = new D.Exponential(rate).rsample([5]);
      e.sum().backward();
      expectClose(rate.grad!, e.detach().neg().div(rate.detach()).sum(0), { atol: 1e-12 });
      const low = f64([0, 1]).requiresGrad_();
      const high = f64([2, 5]).requiresGrad_();
      const u = new D.Uniform(low, high).rsample([4]);
      u.sum().backward();
      const frac = u.detach().sub(low.detach()).div(high.detach().sub(low.detach()));
      expectClose(high.grad!, frac.sum(0), { atol: 1e-12 });
      expectClose(low.grad!, frac.neg().add(1).sum(0), { atol: 1e-12 });
      const mloc = f64([1, 2]).requiresGrad_();
      new D.MultivariateNormal(mloc, { scaleTril: f64([[1, 0], [0.5, 2]]) }).rsample([3]).sum().backward();
      expectClose(mloc.grad!, [3, 3], { atol: 1e-12 });
      const ll = f64([0.1]).requiresGrad_();
      const z = new D.LogNormal(ll, 0.5).rsample([4]);
      z.sum().backward();
      expectClose(ll.grad!, [z.detach().sum().item()], { atol: 1e-12 }); // d exp(loc + s eps) / d loc = x
    });
  });

  describe('implicit reparameterisation (Gamma, Beta, Dirichlet rsample)', () => {
    test('mean of d x / d concentration over 5k draws = d E[x] / d concentration; d x / d rate = -x / rate exactly', () => {
      torch.manualSeed(5);
      const N = 5000;
      const conc = f64([0.5, 3]).requiresGrad_();
      const rate = f64([2, 0.5]).requiresGrad_();
      const x = new D.Gamma(conc, rate).rsample([N]);
      expect(x.requiresGrad).toBe(true);
      x.sum().backward();
      // E[x] = conc / rate: d/dconc = 1 / rate; the per-draw gradients x / conc have sd ~ sqrt(1 / conc) / rate
      const gc = toNumbers(conc.grad!).map((v) => v / N);
      [0.5, 2].forEach((e, i) => expect(Math.abs(gc[i] - e)).toBeLessThan(0.06 * e));
      expectClose(rate.grad!, x.detach().neg().div(rate.detach()).sum(0), { atol: 1e-9, rtol: 1e-9 });
      // Beta: d E[x] / d c1 = c0 / (c1 + c0)^2, d E[x] / d c0 = -c1 / (c1 + c0)^2
      const c1 = f64([0.7]).requiresGrad_();
      const c0 = f64([2]).requiresGrad_();
      new D.Beta(c1, c0).rsample([N]).sum().backward();
      expect(Math.abs(c1.grad!.item() / N - 2 / 2.7 ** 2)).toBeLessThan(0.08 * (2 / 2.7 ** 2));
      expect(Math.abs(c0.grad!.item() / N + 0.7 / 2.7 ** 2)).toBeLessThan(0.08 * (0.7 / 2.7 ** 2));
      // Dirichlet: d E[x_0] / d a_0 = (s - a_0) / s^2
      const a = f64([1, 2, 3]).requiresGrad_();
      new D.Dirichlet(a).rsample([N]).select(-1, 0).sum().backward();
      const ga = toNumbers(a.grad!).map((v) => v / N);
      [5 / 36, -1 / 36, -1 / 36].forEach((e, i) => expect(Math.abs(ga[i] - e)).toBeLessThan(0.01));
      expect(new D.Gamma(1, 1).hasRsample).toBe(true);
      expect(new D.Gamma(f64([1]), 1).sample([3]).requiresGrad).toBe(false);
    });
    test('the gradient of each draw keeps its CDF level: dP(a, x)/da + p(x; a) dx/da = 0', () => {
      // for integer a the regularised incomplete gamma function is a Poisson tail: P(n, x) = 1 - exp(-x) sum_{k<n} x^k / k!
      const P = (n: number, x: number) => {
        let s = 0;
        let t = 1;
        for (let k = 0; k < n; k++) {
          s += t;
          t *= x / (k + 1);
        }
        return 1 - Math.exp(-x) * s;
      };
      const pdf = (n: number, x: number) => Math.exp((n - 1) * Math.log(x) - x - lgammaOf(n));
      const lgammaOf = (n: number) => {
        let s = 0;
        for (let k = 2; k < n; k++) s += Math.log(k);
        return s;
      };
      // the implicit gradient's defining identity, with dP/da a finite difference of torch.igamma
      // (torchlet's special function, code independent of the sampler's), itself checked at integer a
      for (const [a, x] of [[3, 1.5], [3, 6], [1, 0.2]]) {
        const h = 1e-5;
        const ig = (s: number) => torch.igamma(torch.tensor([s], { dtype: 'float64' }), torch.tensor([x], { dtype: 'float64' })).item();
        expect(Math.abs(ig(a) - P(a, x))).toBeLessThan(1e-12);
        const dPda = (ig(a + h) - ig(a - h)) / (2 * h);
        // rsample's gradient at a draw x is standardGammaGrad(a, x)
        expect(Math.abs(dPda + pdf(a, x) * standardGammaGrad(a, x))).toBeLessThan(1e-7);
      }
    });
  });

  describe('structure', () => {
    test('expand: batch shape, parameters and values of the expanded distribution', () => {
      const d = new D.Normal(f64([0, 1, 2]), f64([1, 2, 3]));
      const e = d.expand([2, 3]);
      expect(e).toBeInstanceOf(D.Normal);
      expect(e.batchShape).toEqual([2, 3]);
      const v = f64([0.5, 0.5, 0.5]);
      expectClose(e.logProb(v), torch.cat([d.logProb(v), d.logProb(v)]), { atol: 1e-12, ignoreShape: true });
      expect(new D.Categorical({ logits: f64([1, 2, 3]) }).expand([4]).sample().shape).toEqual([4]);
      const m = new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[2, 0.5], [0.5, 1]]) }).expand([3]);
      expect(m.batchShape).toEqual([3]);
      expect(m.covarianceMatrix.shape).toEqual([3, 2, 2]);
      expect(new D.Independent(new D.Normal(f64([0, 1]), 1), 1).expand([5]).batchShape).toEqual([5]);
      expect(new D.Dirichlet(f64([1, 2])).expand([2]).sample().shape).toEqual([2, 2]);
      expect(() => d.expand([2, 4])).toThrow(/batchShape/);
    });
    test('enumerateSupport and the discrete supports', () => {
      const b = new D.Bernoulli(f64([[0.1, 0.2, 0.3]]));
      expect(b.hasEnumerateSupport).toBe(true);
      expect(b.enumerateSupport().shape).toEqual([2, 1, 3]);
      expect(b.enumerateSupport(false).shape).toEqual([2, 1, 1]);
      const c = new D.Categorical({ probs: f64([[0.2, 0.8], [0.5, 0.5], [1, 0]]) });
      const s = c.enumerateSupport();
      expect(s.shape).toEqual([2, 3]);
      expect(toNumbers(s)).toEqual([0, 0, 0, 1, 1, 1]);
      // the log-probabilities of all the values sum to 1 in probability
      expectClose(c.logProb(s).exp().sum(0), [1, 1, 1], { atol: 1e-12 });
      const oh = new D.OneHotCategorical({ probs: f64([0.3, 0.7]) }).enumerateSupport();
      expect(toNumbers(oh)).toEqual([1, 0, 0, 1]);
      expect(new D.Normal(0, 1).hasEnumerateSupport).toBe(false);
    });
    test('reprs, supports, argConstraints, hasRsample and number parameters', () => {
      expect(String(new D.Normal(0, 1))).toBe('Normal(loc: 0.0, scale: 1.0)');
      expect(String(new D.Normal(f64([0, 1]), 1))).toBe('Normal(loc: torch.Size([2]), scale: torch.Size([2]))');
      expect(String(new D.Independent(new D.Normal(f64([0, 1]), 1), 1))).toBe('Independent(Normal(loc: torch.Size([2]), scale: torch.Size([2])), 1)');
      expect(String(new D.Exponential(1).support)).toBe('GreaterThanEq(lower_bound=0.0)');
      expect(new D.Exponential(1).support.name).toBe('GreaterThanEq');
      expect(new D.Bernoulli(0.5).support.isDiscrete).toBe(true);
      expect(new D.Dirichlet(f64([1, 1])).support.eventDim).toBe(1);
      expectClose(D.constraints.positive.check(f64([-1, 0, 2])), [0, 0, 1], { atol: 0 });
      expect(String(new D.Normal(0, 1).argConstraints.scale)).toBe('GreaterThan(lower_bound=0.0)');
      expect(String(new D.Categorical({ probs: f64([0.5, 0.5]) }).argConstraints.logits)).toBe('IndependentConstraint(Real(), 1)');
      expect(String(new D.Beta(1, 2).support)).toBe('Interval(lower_bound=0.0, upper_bound=1.0)');
      expect(String(new D.Dirichlet(f64([1, 2])).support)).toBe('Simplex()');
      expect(String(new D.Poisson(1).support)).toBe('IntegerGreaterThan(lower_bound=0)');
      expect(new D.Normal(0, 1).hasRsample).toBe(true);
      expect(new D.Bernoulli(0.5).hasRsample).toBe(false);
      expect(new D.Poisson(1).hasRsample).toBe(false);
      expect(new D.Independent(new D.Normal(f64([0]), 1), 1).hasRsample).toBe(true);
      // numbers are tensors of the default dtype (float32), or of the tensor parameters' dtype
      const n = new D.Normal(0, 2);
      expect(n.loc.dtype).toBe('float32');
      expect(n.batchShape).toEqual([]);
      expect(n.logProb(torch.tensor(1)).item()).toBeCloseTo(-0.125 - Math.log(2) - 0.5 * Math.log(2 * Math.PI), 6);
      expect(new D.Normal(f64([0]), 2).scale.dtype).toBe('float64');
      expect(n.stddev.item()).toBe(2);
      expectClose(new D.Normal(0, 2).perplexity(), [Math.exp(0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(2))], { atol: 1e-5 });
      // Bernoulli's logits from probs and probs from logits
      expectClose(new D.Bernoulli({ logits: f64([0]) }).probs, [0.5], { atol: 1e-15 });
      expect(new D.Categorical({ logits: f64([1, 1, 1, 1]) }).numEvents).toBe(4);
    });
    test('validateArgs: false skips the checks; setDefaultValidateArgs changes the default', () => {
      expect(() => new D.Normal(0, -1, { validateArgs: false })).not.toThrow();
      expect(new D.Exponential(f64([1]), { validateArgs: false }).logProb(f64([-1])).item()).toBe(1); // log 1 - 1 * (-1), no support check
      D.setDefaultValidateArgs(false);
      try {
        expect(() => new D.Normal(0, -1)).not.toThrow();
        expect(() => new D.Normal(0, -1, { validateArgs: true })).toThrow(/scale/);
      } finally {
        D.setDefaultValidateArgs(true);
      }
      expect(() => new D.Normal(0, -1)).toThrow(/scale/);
      D.Distribution.setDefaultValidateArgs(false);
      try {
        expect(() => new D.Bernoulli(2)).not.toThrow();
      } finally {
        D.Distribution.setDefaultValidateArgs(true);
      }
      expect(() => new D.Bernoulli(2)).toThrow(/probs/);
      expect(thrown(() => D.setDefaultValidateArgs(1 as unknown as boolean)).code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    });
    test('registerKl: a subclass gets its own KL, the nearest registration wins', () => {
      class MyNormal extends D.Normal {}
      const p = new MyNormal(f64([0]), f64([1]));
      const q = new D.Normal(f64([1]), f64([1]));
      expectClose(D.klDivergence(p, q), [0.5], { atol: 1e-12 }); // Normal's, inherited
      const fn = (a: Dist, b: Dist) => a.mean.sub(b.mean).abs();
      const back = D.registerKl(MyNormal, D.Normal, fn);
      expect(back).toBe(fn);
      expectClose(D.klDivergence(p, q), [1], { atol: 1e-12 });
      expectClose(D.klDivergence(q, new D.Normal(f64([1]), f64([1]))), [0], { atol: 1e-12 }); // Normal-Normal unchanged
      // the decorator form
      (D.registerKl(MyNormal, MyNormal) as (f: typeof fn) => typeof fn)(() => f64([42]));
      expectClose(D.klDivergence(p, new MyNormal(f64([0]), f64([1]))), [42], { atol: 0 });
    });
  });

  describe('refusals', () => {
    // a sweep of the namespace with bad arguments (test/api_surface.ts does not list torch.distributions):
    // whatever is thrown must be a coded TorchletError, never a plain JS error
    const BAD: [string, () => unknown][] = [
      ['undefined', () => undefined],
      ['null', () => null],
      ['NaN', () => NaN],
      ["'bogus'", () => 'bogus'],
      ['{bogus: 1}', () => ({ bogus: 1 })],
      ['[]', () => []],
      ['a disposed tensor', () => {
        const t = torch.zeros([2], { dtype: 'float64' });
        t.dispose();
        return t;
      }],
      ['an int64 tensor', () => torch.zeros([2], { dtype: 'int64' })],
      ['a symbol', () => Symbol('bad')],
      ['true', () => true],
    ];
    const GOOD: Record<string, () => unknown[]> = {
      Normal: () => [f64([0, 1]), f64([1, 2])],
      Uniform: () => [f64([0, 1]), f64([1, 2])],
      Exponential: () => [f64([1, 2])],
      Laplace: () => [f64([0, 1]), f64([1, 2])],
      LogNormal: () => [f64([0, 1]), f64([1, 2])],
      Gamma: () => [f64([1, 2]), f64([1, 2])],
      Beta: () => [f64([1, 2]), f64([1, 2])],
      Dirichlet: () => [f64([1, 2])],
      Bernoulli: () => [f64([0.3, 0.6])],
      Categorical: () => [f64([0.3, 0.7])],
      OneHotCategorical: () => [f64([0.3, 0.7])],
      Poisson: () => [f64([1, 2])],
      Binomial: () => [f64([3, 3]), f64([0.3, 0.6])],
      MultivariateNormal: () => [f64([0, 1]), { covarianceMatrix: f64([[1, 0], [0, 1]]) }],
      Independent: () => [new D.Normal(f64([0, 1]), 1), 1],
    };
    const plainErrors = (fn: () => unknown, what: string, out: string[]) => {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof TorchletError) || !/^ERR_TORCHLET_[A-Z_]+$/.test(String((e as { code?: unknown }).code))) out.push(`${what}: ${String(e)}`);
      }
    };
    test.each(Object.keys(GOOD))('%s: constructor and methods with bad arguments throw coded errors', (name) => {
      const C = (D as unknown as Record<string, new (...a: unknown[]) => Dist>)[name];
      const out: string[] = [];
      const good = GOOD[name]();
      for (const [label, bad] of BAD)
        for (let i = 0; i <= good.length; i++) {
          const args = good.slice();
          args[i] = bad();
          plainErrors(() => new C(...args.slice(0, Math.max(i + 1, good.length))), `new ${name}(arg ${i} = ${label})`, out);
        }
      for (const validateArgs of [true, false]) {
        const g = GOOD[name]();
        const last = g[g.length - 1];
        const withOpts = last && typeof last === 'object' && !(last instanceof torch.Tensor) && !(last instanceof D.Distribution) ? [...g.slice(0, -1), { ...last, validateArgs }] : [...g, { validateArgs }];
        const d = name === 'Independent' ? new D.Independent(new D.Normal(f64([0, 1]), 1, { validateArgs }), 1, { validateArgs }) : new C(...withOpts);
        for (const m of ['logProb', 'cdf', 'icdf', 'sample', 'rsample', 'expand', 'enumerateSupport', 'sampleN'])
          for (const [label, bad] of BAD) plainErrors(() => (d as unknown as Record<string, (...a: unknown[]) => unknown>)[m](bad()), `${name}#${m}(${label}) [validateArgs ${validateArgs}]`, out);
      }
      expect(out).toEqual([]);
    });
    const code = (fn: () => unknown): string | undefined => {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(TorchletError);
      return e.code;
    };
    const names = (fn: () => unknown, re: RegExp, c = 'ERR_TORCHLET_INVALID_ARG') => {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(TorchletError);
      expect(e.code).toBe(c);
      expect(e.message).toMatch(re);
    };
    test('bad parameters: probs outside [0, 1] or off the simplex, negative scale, low >= high, not positive-definite', () => {
      names(() => new D.Bernoulli(f64([0.5, 1.5])), /Interval\(lower_bound=0\.0, upper_bound=1\.0\)[\s\S]*for probs\b/);
      names(() => new D.Categorical(f64([0.5, -0.1])), /Simplex\(\)[\s\S]*for probs\b/);
      names(() => new D.Normal(f64([0, 1]), f64([1, -1])), /GreaterThan\(lower_bound=0\.0\)[\s\S]*for scale\b/);
      names(() => new D.Gamma(1, 0), /for rate/);
      names(() => new D.Beta(-1, 1), /for concentration1/);
      names(() => new D.Dirichlet(f64([1, 0])), /for concentration/);
      names(() => new D.Poisson(-1), /for rate/);
      names(() => new D.Uniform(1, 1), /for low/);
      names(() => new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[1, 2], [2, 1]]) }), /PositiveDefinite[\s\S]*for covarianceMatrix\b/);
      names(() => new D.MultivariateNormal(f64([0, 0]), { scaleTril: f64([[1, 1], [0, 1]]) }), /LowerCholesky[\s\S]*for scaleTril\b/);
      names(() => new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[1, 0.5], [0.4, 1]]) }), /PositiveDefinite[\s\S]*for covarianceMatrix\b/); // not symmetric
      expect(() => new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[1, 0.5], [0.5 + 1e-9, 1]]) })).not.toThrow(); // symmetric to isclose's tolerance
      names(() => new D.Binomial(f64([2.5]), { probs: f64([0.5]) }), /for totalCount/);
    });
    test('parameter forms: both or neither of probs and logits, wrong types, shapes and dtypes', () => {
      names(() => new D.Bernoulli({ probs: f64([0.5]), logits: f64([0]) }), /exactly one of probs and logits/);
      names(() => new D.Categorical({}), /exactly one of probs and logits/);
      names(() => new D.Categorical(f64([0.5, 0.5]).sum()), /for probs/, 'ERR_TORCHLET_SHAPE');
      names(() => new D.Normal('a' as unknown as number, 1), /for loc/, 'ERR_TORCHLET_INVALID_ARG_TYPE');
      names(() => new D.Normal(on(torch.tensor([1, 2])), 1), /for loc/, 'ERR_TORCHLET_DTYPE');
      names(() => new D.Normal(f64([0, 1]), f64([1, 1, 1])), /scale/, 'ERR_TORCHLET_SHAPE');
      names(() => new D.MultivariateNormal(f64([0, 0]), {}), /exactly one of covarianceMatrix/);
      names(() => new D.MultivariateNormal(f64([0, 0]), { covarianceMatrix: f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]) }), /for covarianceMatrix/, 'ERR_TORCHLET_SHAPE');
      names(() => new D.Independent(new D.Normal(f64([0, 1]), 1), 2), /for reinterpretedBatchNdims/);
      names(() => new D.Independent({} as Dist, 1), /for baseDistribution/, 'ERR_TORCHLET_INVALID_ARG_TYPE');
      names(() => new D.Normal(0, 1).sample([-1]), /for sampleShape/, 'ERR_TORCHLET_INVALID_ARG_TYPE');
      names(() => new D.Normal(0, 1).sample([2], { generator: 5 as unknown as torch.Generator }), /for opts.generator/, 'ERR_TORCHLET_INVALID_ARG_TYPE');
    });
    test('unknown option keys (the camelCase spelling suggested) and extra positional arguments', () => {
      names(() => new D.Normal(0, 1, { zzUnknown: 1 } as never), /zzUnknown/);
      names(() => new D.Normal(0, 1, { validate_args: false } as never), /did you mean 'validateArgs'/);
      names(() => new D.Categorical({ probs: f64([0.5, 0.5]), foo: 1 } as never), /foo/);
      names(() => new D.MultivariateNormal(f64([0, 0]), { covariance_matrix: f64([[1, 0], [0, 1]]) } as never), /did you mean 'covarianceMatrix'/);
      names(() => new D.Normal(0, 1).sample([2], { seed: 1 } as never), /seed/);
      names(() => new (D.Normal as unknown as new (...a: unknown[]) => Dist)(0, 1, {}, 5), /at most the arguments/);
      names(() => (D.klDivergence as unknown as (...a: unknown[]) => Tensor)(new D.Normal(0, 1), new D.Normal(0, 1), 3), /at most the arguments/);
    });
    test('values outside the support, or of a shape that does not fit, with validateArgs', () => {
      names(() => new D.Normal(0, 1).logProb(f64([NaN])), /Real\(\)[\s\S]*for value\b/);
      names(() => new D.Exponential(1).logProb(f64([-1])), /GreaterThanEq[\s\S]*for value\b/);
      names(() => new D.Bernoulli(0.3).logProb(torch.tensor([0.5])), /Boolean[\s\S]*for value\b/);
      names(() => new D.Categorical({ probs: f64([0.5, 0.5]) }).logProb(on(torch.tensor([2], { dtype: 'int64' }))), /IntegerInterval\(lower_bound=0, upper_bound=1\)[\s\S]*for value\b/);
      names(() => new D.Beta(1, 1).logProb(torch.tensor([1.5])), /for value/);
      names(() => new D.Dirichlet(f64([1, 1])).logProb(f64([0.5, 0.6])), /Simplex[\s\S]*for value\b/);
      names(() => new D.Uniform(0, 1).cdf(torch.tensor([2])), /for value/);
      names(() => new D.Normal(f64([0, 1, 2]), 1).logProb(f64([0, 1])), /for value/, 'ERR_TORCHLET_SHAPE');
      names(() => new D.MultivariateNormal(f64([0, 0]), { scaleTril: f64([[1, 0], [0, 1]]) }).logProb(f64([0, 0, 0])), /for value/, 'ERR_TORCHLET_SHAPE');
    });
    test('what PyTorch leaves unimplemented: ERR_TORCHLET_NOT_IMPLEMENTED', () => {
      expect(code(() => new D.Bernoulli(0.5).rsample())).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(code(() => new D.Gamma(1, 1).cdf(torch.tensor(1)))).toBe('ERR_TORCHLET_NOT_IMPLEMENTED'); // PyTorch 1.13 has none
      expect(code(() => new D.Beta(1, 1).cdf(torch.tensor(0.5)))).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(code(() => new D.Poisson(1).entropy())).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(code(() => new D.Binomial(f64([2, 3]), f64([0.5, 0.5])).entropy())).toBe('ERR_TORCHLET_NOT_IMPLEMENTED'); // inhomogeneous totalCount
      expect(code(() => D.klDivergence(new D.Normal(0, 1), new D.Laplace(0, 1)))).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(code(() => D.klDivergence(new D.Independent(new D.Normal(f64([[0]]), 1), 1), new D.Independent(new D.Normal(f64([[0]]), 1), 2)))).toBe(
        'ERR_TORCHLET_NOT_IMPLEMENTED',
      );
      names(() => D.klDivergence({} as Dist, new D.Normal(0, 1)), /for p/, 'ERR_TORCHLET_INVALID_ARG_TYPE');
      names(() => D.registerKl(Object as never, D.Normal), /for typeP/, 'ERR_TORCHLET_INVALID_ARG_TYPE');
    });
  });
});
