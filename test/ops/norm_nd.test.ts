// test/ops/norm_nd.test.ts — nn.InstanceNorm1d / nn.InstanceNorm3d and nn.LocalResponseNorm
// (lib/nn/normalization_nd.ts) and F.localResponseNorm (lib/ops/local_response_norm.ts) on every
// device: against PyTorch 1.13 (test/fixtures/pool_nd.json from gen_pool_nd_fixtures.py: outputs,
// input / weight / bias gradients and running statistics, float64 and float32; affine, running
// statistics in training and eval, unbatched inputs; LRN on 3-, 4- and 5-D inputs, window above C,
// size 1), float64 gradchecks, PyTorch's reprs and state-dict keys, and bad arguments.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp, TestDevice } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, checkPoolCase, expectClose, fromFixture, maxAbs, randnT, thrown, tolFor, FixtureCase, T } from '../helpers';

const F = torch.F;
const nn = torch.nn;
const normCases = casesOf('pool_nd', ['InstanceNorm1d', 'InstanceNorm3d']);
const lrnCases = casesOf('pool_nd', ['localResponseNorm']);
const reprCases = casesOf('pool_nd', ['repr']).filter(([, c]) => /^(InstanceNorm|LocalResponseNorm)/.test(c.params.cls));
/** A value the signatures refuse (the run-time checks under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const anyOf = (v: unknown): any => v;

/** Runs an InstanceNorm fixture case with the module on `device` and compares everything. */
function checkNormCase(c: FixtureCase, dtype: 'float32' | 'float64', device: TestDevice): void {
  const p = c.params;
  const Cls = c.op === 'InstanceNorm1d' ? nn.InstanceNorm1d : nn.InstanceNorm3d;
  const m = new Cls(p.numFeatures, { eps: p.eps, momentum: p.momentum, affine: p.affine, trackRunningStats: p.trackRunningStats });
  m.to(device);
  if (dtype === 'float64') m.to('float64');
  const on = (t: T) => fromFixture(t, dtype).to(device);
  torch.noGrad(() => {
    if (p.affine) {
      m.weight!.copy_(on(c.inputs.weight!));
      m.bias!.copy_(on(c.inputs.bias!));
    }
    if (p.trackRunningStats) {
      m.runningMean!.copy_(on(c.inputs.runningMean!));
      m.runningVar!.copy_(on(c.inputs.runningVar!));
    }
  });
  if (!p.training) m.eval();
  const x = on(c.inputs.x!).requiresGrad_();
  const y = m.forward(x);
  const tol = (e: T) => ({ ...tolFor(dtype, maxAbs(e.data)), label: c.name });
  expect(y.shape).toEqual(c.output!.shape);
  expectClose(y, c.output!, tol(c.output!));
  y.backward(on(c.gradOutput!));
  expectClose(x.grad!, c.grads!.x, tol(c.grads!.x));
  if (p.affine) {
    expectClose(m.weight!.grad!, c.grads!.weight, tol(c.grads!.weight));
    expectClose(m.bias!.grad!, c.grads!.bias, tol(c.grads!.bias));
  }
  if (p.trackRunningStats) {
    expectClose(m.runningMean!, c.outputs!.runningMean as T, tol(c.outputs!.runningMean as T));
    expectClose(m.runningVar!, c.outputs!.runningVar as T, tol(c.outputs!.runningVar as T));
  }
}

describeOp('norm_nd', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has the InstanceNorm1d / 3d and localResponseNorm cases', () => {
      expect(normCases.filter(([, c]) => c.op === 'InstanceNorm1d').length).toBeGreaterThanOrEqual(4);
      expect(normCases.filter(([, c]) => c.op === 'InstanceNorm3d').length).toBeGreaterThanOrEqual(4);
      expect(normCases.some(([, c]) => c.params.trackRunningStats && !c.params.training)).toBe(true);
      expect(lrnCases.length).toBeGreaterThanOrEqual(5);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(normCases)('%s', (_n, c) => checkNormCase(c, dtype, device));
      test.each(lrnCases)('%s', (_n, c) => {
        const { size, ...o } = c.params;
        checkPoolCase(c, dtype, (x) => F.localResponseNorm(x, size, o), { device });
      });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 finite differences)', () => {
      test('localResponseNorm on 3-, 4- and 5-D inputs', () => {
        gradcheck(([x]) => F.localResponseNorm(x, 3, { alpha: 0.5, beta: 0.75, k: 1.5 }), [randnT([2, 5, 4], 1)], { device });
        gradcheck(([x]) => F.localResponseNorm(x, 4, { alpha: 0.3 }), [randnT([1, 6, 2, 3], 2)], { device });
        gradcheck(([x]) => F.localResponseNorm(x, 2, { alpha: 0.2, k: 2 }), [randnT([1, 3, 2, 2, 2], 3)], { device });
      });
      test('InstanceNorm1d (affine) and InstanceNorm3d', () => {
        const m1 = new nn.InstanceNorm1d(3, { affine: true }).to('float64').to(device);
        gradcheck(([x]) => m1.forward(x), [randnT([2, 3, 5], 4)], { device });
        const m3 = new nn.InstanceNorm3d(2).to(device);
        gradcheck(([x]) => m3.forward(x), [randnT([2, 2, 2, 3, 2], 5)], { device });
      });
    });
  });

  test('LRN: size 1 with k = 0, beta = 0.5 normalises by |x| * sqrt(alpha); an empty input comes back', () => {
    const x = on(randnT([2, 3, 4], 6));
    expectClose(F.localResponseNorm(x, 1, { alpha: 1, beta: 0.5, k: 0 }), x.div(x.abs()), { atol: 1e-12 });
    const e = on(torch.zeros([0, 3, 4]));
    expect(F.localResponseNorm(e, 2).shape).toEqual([0, 3, 4]);
  });

  test('InstanceNorm: unbatched input = the batched one; state-dict keys as PyTorch', () => {
    const m = new nn.InstanceNorm1d(3, { affine: true, trackRunningStats: true }).to(device);
    const x = on(randnT([3, 6], 7).to('float32'));
    m.eval();
    expectClose(m.forward(x), m.forward(x.unsqueeze(0)).squeeze(0), { atol: 0 });
    expect(Object.keys(m.stateDict()).sort()).toEqual(['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']);
    expect(Object.keys(new nn.InstanceNorm3d(2).stateDict())).toEqual([]);
    const m3 = new nn.InstanceNorm3d(2).to(device);
    const u = on(randnT([2, 3, 2, 4], 8).to('float32'));
    expectClose(m3.forward(u), m3.forward(u.unsqueeze(0)).squeeze(0), { atol: 0 });
  });

  describe('modules', () => {
    test.each(reprCases)('%s', (_n, c) => {
      const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[c.params.cls];
      const opts = Object.keys(c.params.opts).length ? [c.params.opts] : [];
      const m = new Cls(...(c.params.args as unknown[]), ...opts);
      expect(m.toString()).toBe(c.expected!.repr);
    });
    test('LocalResponseNorm forward as the function', () => {
      const x = on(randnT([2, 7, 3, 3], 9));
      expectClose(new nn.LocalResponseNorm(5, { k: 2 }).forward(x), F.localResponseNorm(x, 5, { k: 2 }), { atol: 0 });
    });
  });

  describe('bad arguments', () => {
    const x3 = () => on(torch.zeros([2, 3, 4], { dtype: 'float64' }));
    argErrorTests([
      ['localResponseNorm: a 2-D input', () => F.localResponseNorm(on(torch.zeros([3, 4])), 2), 'input'],
      ['localResponseNorm: an integer input', () => F.localResponseNorm(on(torch.zeros([2, 3, 4], { dtype: 'int64' })), 2), 'input'],
      ['localResponseNorm: size 0', () => F.localResponseNorm(x3(), 0), 'size'],
      ['localResponseNorm: size 1.5', () => F.localResponseNorm(x3(), 1.5), 'size'],
      ['localResponseNorm: alpha a string', () => F.localResponseNorm(x3(), 2, anyOf({ alpha: '1' })), 'opts.alpha'],
      ['localResponseNorm: unknown option', () => F.localResponseNorm(x3(), 2, anyOf({ bias: 1 })), /bias/],
      ['nn.LocalResponseNorm: size -1', () => new nn.LocalResponseNorm(-1), 'size'],
      ['nn.LocalResponseNorm: beta NaN', () => new nn.LocalResponseNorm(2, { beta: NaN }), 'opts.beta'],
      ['nn.InstanceNorm1d: numFeatures 0', () => new nn.InstanceNorm1d(0), 'numFeatures'],
      ['nn.InstanceNorm3d: eps 0', () => new nn.InstanceNorm3d(2, { eps: 0 }), 'opts.eps'],
      ['nn.InstanceNorm3d: momentum 2', () => new nn.InstanceNorm3d(2, { momentum: 2 }), 'opts.momentum'],
      ['nn.InstanceNorm1d: unknown option', () => new nn.InstanceNorm1d(2, anyOf({ track_running_stats: true })), /trackRunningStats|track_running_stats/],
      ['InstanceNorm1d: a 4-D input', () => new nn.InstanceNorm1d(3).forward(on(torch.zeros([1, 3, 2, 2]))), 'input'],
      ['InstanceNorm3d: a 3-D input', () => new nn.InstanceNorm3d(3).forward(on(torch.zeros([3, 2, 2]))), 'input'],
      ['InstanceNorm1d: wrong channel count', () => new nn.InstanceNorm1d(4).forward(on(torch.zeros([2, 3, 5]))), 'input'],
    ]);
    test('errors are coded TorchletErrors', () => {
      expect(thrown(() => F.localResponseNorm(x3(), 0)).code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(thrown(() => new nn.InstanceNorm1d(3).forward(on(torch.zeros([1, 3, 2, 2])))).code).toBe('ERR_TORCHLET_SHAPE');
    });
  });

  vsCpu('agrees with the CPU', () => {
    test('localResponseNorm and InstanceNorm3d values and gradients', () => {
      const x0 = randnT([2, 6, 3, 4, 2], 10);
      const fs: ((x: Tensor) => Tensor)[] = [
        (x) => F.localResponseNorm(x, 3, { alpha: 0.1 }),
        (x) => new nn.InstanceNorm3d(6).to(x.device).forward(x),
      ];
      for (const f of fs) {
        const xc = x0.clone().requiresGrad_();
        const xd = on(x0).requiresGrad_();
        const yc = f(xc);
        const yd = f(xd);
        expectClose(yd, yc, { atol: 1e-10 });
        yc.mul(x0).sum().backward();
        yd.mul(on(x0)).sum().backward();
        expectClose(xd.grad!, xc.grad!, { atol: 1e-10 });
      }
    });
  });
});
