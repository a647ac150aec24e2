// test/ops/lp_pool.test.ts — F.lpPool1d / F.lpPool2d (lib/ops/lp_pool.ts) and nn.LPPool1d / nn.LPPool2d
// (lib/nn/pooling_nd.ts) on every device: against PyTorch 1.13 (test/fixtures/pool_nd.json from
// gen_pool_nd_fixtures.py: outputs and input gradients in float64 and float32 for p = 1, 1.5, 2, 3, 4,
// per-dim kernels and strides, ceil mode, unbatched inputs), float64 gradchecks, the formula's limits
// (p = 1 is sum pooling), the modules (PyTorch's reprs, forward) and bad arguments.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, checkPoolCase, expectClose, randnT, thrown, FixtureCase } from '../helpers';

const F = torch.F;
const nn = torch.nn;
const cases = casesOf('pool_nd', ['lpPool1d', 'lpPool2d']);
const reprCases = casesOf('pool_nd', ['repr']).filter(([, c]) => c.params.cls.startsWith('LPPool'));
/** A value the signatures refuse (the run-time checks under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const anyOf = (v: unknown): any => v;
/** A positive input (fractional and odd p need x >= 0 to stay real). */
const positive = (shape: number[], seed: number): Tensor => randnT(shape, seed).abs().add(0.1);

function runLp(c: FixtureCase, x: Tensor): Tensor {
  const { normType, kernelSize, ...o } = c.params;
  return c.op === 'lpPool1d' ? F.lpPool1d(x, normType, kernelSize, o) : F.lpPool2d(x, normType, kernelSize, o);
}

describeOp('lp_pool', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases of both ops', () => {
      expect(cases.filter(([, c]) => c.op === 'lpPool1d').length).toBeGreaterThanOrEqual(5);
      expect(cases.filter(([, c]) => c.op === 'lpPool2d').length).toBeGreaterThanOrEqual(4);
      expect(cases.some(([, c]) => c.params.ceilMode)).toBe(true);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) => checkPoolCase(c, dtype, (x) => runLp(c, x), { device }));
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 finite differences)', () => {
      test('lpPool1d p=2 (signed input), p=1.5 ceil', () => {
        gradcheck(([x]) => F.lpPool1d(x, 2, 3), [randnT([2, 2, 9], 1)], { device });
        gradcheck(([x]) => F.lpPool1d(x, 1.5, 3, { stride: 2, ceilMode: true }), [positive([2, 2, 8], 2)], { device });
      });
      test('lpPool2d p=3 k[2,3] s[1,2], unbatched p=2', () => {
        gradcheck(([x]) => F.lpPool2d(x, 3, [2, 3], { stride: [1, 2] }), [positive([1, 2, 4, 7], 3)], { device });
        gradcheck(([x]) => F.lpPool2d(x, 2, 2), [randnT([2, 4, 4], 4)], { device });
      });
    });
  });

  test('p = 1 on positive input is sum pooling; p = 2 is the window L2 norm', () => {
    const x = on(positive([2, 3, 8], 5));
    expectClose(F.lpPool1d(x, 1, 2), F.avgPool1d(x, 2).mul(2), { atol: 1e-12 });
    const x2 = on(randnT([1, 2, 4, 6], 6));
    expectClose(F.lpPool2d(x2, 2, 2), F.avgPool2d(x2.mul(x2), 2).mul(4).sqrt(), { atol: 1e-12 });
    expect(F.lpPool2d(x2, 2, [2, 3], { stride: 1 }).shape).toEqual([1, 2, 3, 4]);
    expect(F.lpPool1d(on(randnT([3, 7], 7)), 2, 3, { ceilMode: true }).shape).toEqual([3, 3]);
  });

  describe('modules', () => {
    test.each(reprCases)('%s', (_n, c) => {
      const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[c.params.cls];
      const opts = Object.keys(c.params.opts).length ? [c.params.opts] : [];
      const m = new Cls(...(c.params.args as unknown[]), ...opts);
      expect(m.toString()).toBe(c.expected!.repr);
    });
    test('forward as the functions', () => {
      const x = on(positive([2, 3, 6, 7], 8));
      expectClose(new nn.LPPool2d(3, [2, 3], { stride: [1, 2] }).forward(x), F.lpPool2d(x, 3, [2, 3], { stride: [1, 2] }), { atol: 0 });
      const x1 = on(positive([2, 3, 9], 9));
      expectClose(new nn.LPPool1d(1.5, 3, { ceilMode: true, stride: 2 }).forward(x1), F.lpPool1d(x1, 1.5, 3, { ceilMode: true, stride: 2 }), { atol: 0 });
      expect(new nn.LPPool1d(2, 3).stride).toBeNull();
    });
  });

  describe('bad arguments', () => {
    const x1 = () => on(torch.zeros([2, 3, 8], { dtype: 'float64' }));
    const x2 = () => on(torch.zeros([2, 3, 8, 8], { dtype: 'float64' }));
    argErrorTests([
      ['lpPool1d: normType 0', () => F.lpPool1d(x1(), 0, 2), 'normType'],
      ['lpPool1d: normType Infinity', () => F.lpPool1d(x1(), Infinity, 2), 'normType'],
      ['lpPool1d: normType a string', () => F.lpPool1d(x1(), anyOf('2'), 2), 'normType'],
      ['lpPool1d: kernel [2, 2]', () => F.lpPool1d(x1(), 2, [2, 2]), 'kernelSize'],
      ['lpPool1d: a 4-D input', () => F.lpPool1d(x2(), 2, 2), 'input'],
      ['lpPool1d: padding is not an option', () => F.lpPool1d(x1(), 2, 2, anyOf({ padding: 1 })), /padding/],
      ['lpPool2d: kernel 0', () => F.lpPool2d(x2(), 2, 0), 'kernelSize'],
      ['lpPool2d: stride [1, 0]', () => F.lpPool2d(x2(), 2, 2, { stride: [1, 0] }), 'stride'],
      ['lpPool2d: a 2-D input', () => F.lpPool2d(on(torch.zeros([8, 8], { dtype: 'float64' })), 2, 2), 'input'],
      ['lpPool2d: ceilMode not a boolean', () => F.lpPool2d(x2(), 2, 2, anyOf({ ceilMode: 1 })), 'opts.ceilMode'],
      ['nn.LPPool1d: normType 0', () => new nn.LPPool1d(0, 2), 'normType'],
      ['nn.LPPool2d: kernel [1, 2, 3]', () => new nn.LPPool2d(2, [1, 2, 3]), 'kernelSize'],
      ['nn.LPPool2d: unknown option', () => new nn.LPPool2d(2, 2, anyOf({ ceil_mode: true })), /ceilMode|ceil_mode/],
    ]);
    test('errors are coded TorchletErrors', () => {
      expect(thrown(() => F.lpPool1d(x1(), 0, 2)).code).toBe('ERR_TORCHLET_INVALID_ARG');
    });
  });

  vsCpu('agrees with the CPU', () => {
    test('lpPool1d and lpPool2d values and gradients', () => {
      const x1 = positive([2, 3, 11], 10);
      const x2 = positive([2, 3, 7, 6], 11);
      for (const [x0, f] of [
        [x1, (x: Tensor) => F.lpPool1d(x, 1.5, 3, { stride: 2, ceilMode: true })],
        [x2, (x: Tensor) => F.lpPool2d(x, 3, [2, 3], { stride: [2, 1] })],
      ] as [Tensor, (x: Tensor) => Tensor][]) {
        const xc = x0.clone().requiresGrad_();
        const xd = on(x0).requiresGrad_();
        const yc = f(xc);
        const yd = f(xd);
        expectClose(yd, yc, { atol: 1e-12 });
        yc.sum().backward();
        yd.sum().backward();
        expectClose(xd.grad!, xc.grad!, { atol: 1e-12 });
      }
    });
  });
});
