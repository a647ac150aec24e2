// test/ops/instance_norm.test.ts — F.instanceNorm on every device: against PyTorch
// (test/fixtures/norm.json, the instanceNorm cases: output, grads and running-statistics updates,
// float64 and float32) and a float64 finite-difference gradcheck.
// The native row-norm kernel against the composed reference (test/ops/norm_reference.ts), running
// statistics included, float64 and float32.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';
import type { Tensor } from '../../lib';
import * as ref from './norm_reference';

const { F } = torch;
const cases = casesOf('norm', ['instanceNorm']);

describeOp('instance_norm', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(
    run,
    cases,
    (ins, { params: p }) =>
      F.instanceNorm(ins.x!, { runningMean: ins.runningMean ?? null, runningVar: ins.runningVar ?? null, weight: ins.weight, bias: ins.bias, eps: p.eps as number }),
    { title: 'fixture has instanceNorm cases', runningStats: true },
  );

  dtypes(['float64', 'float32'] as const, (dtype) => {
    const TOL = { float64: { atol: 1e-10, rtol: 1e-9 }, float32: { atol: 2e-4, rtol: 2e-4 } };
    const shapes = [[2, 3, 5, 5], [1, 3, 7, 5], [3, 2, 9], [2, 4, 1, 2], [2, 3, 64, 64]];
    test.each(shapes.map((s, i) => [s.join('x'), s, i]))('%s: = composed reference (running stats too)', (_n, shape, i) => {
      const sh = shape as number[];
      const k = i as number;
      const C = sh[1];
      const ins = [on(randnT(sh, 50 + k, 2).add(5).to(dtype)), on(randnT([C], 60 + k).to(dtype)), on(randnT([C], 70 + k).to(dtype))];
      const running = { make: () => [on(randnT([C], 80 + k, 0.1).to(dtype)), on(randnT([C], 90 + k).pow(2).add(0.5).to(dtype))] };
      const f = (inorm: typeof F.instanceNorm) => (xs: Tensor[]) => inorm(xs[0], { weight: xs[1], bias: xs[2], runningMean: xs[3], runningVar: xs[4], momentum: 0.2 });
      ref.expectLikeReference(`${dtype} ${sh}`, ins, f(F.instanceNorm), f(ref.instanceNorm), { float64: { atol: 1e-9, rtol: 1e-8 }, float32: TOL.float32 }[dtype], running);
      const [rm, rv] = running.make();
      const g = (inorm: typeof F.instanceNorm) => (xs: Tensor[]) => inorm(xs[0], { weight: xs[1], bias: xs[2], runningMean: rm, runningVar: rv, useInputStats: false });
      ref.expectLikeReference(`${dtype} ${sh} running stats`, ins, g(F.instanceNorm), g(ref.instanceNorm), TOL[dtype]);
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences)', () => {
      gradcheck(([x, w, b]) => F.instanceNorm(x, { weight: w, bias: b }), [randnT([2, 3, 2, 3], 14), randnT([3], 15), randnT([3], 16)], { device });
    });
  });
});
