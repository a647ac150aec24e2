// test/ops/instance_norm.test.ts — F.instanceNorm on every device: against PyTorch
// (test/fixtures/norm.json, the instanceNorm cases: output, grads and running-statistics updates,
// float64 and float32) and a float64 finite-difference gradcheck.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';

const { F } = torch;
const cases = casesOf('norm', ['instanceNorm']);

describeOp('instance_norm', (run) => {
  const { device, dtypes } = run;
  fixtureCases(
    run,
    cases,
    (ins, { params: p }) =>
      F.instanceNorm(ins.x!, { runningMean: ins.runningMean ?? null, runningVar: ins.runningVar ?? null, weight: ins.weight, bias: ins.bias, eps: p.eps as number }),
    { title: 'fixture has instanceNorm cases', runningStats: true },
  );

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences)', () => {
      gradcheck(([x, w, b]) => F.instanceNorm(x, { weight: w, bias: b }), [randnT([2, 3, 2, 3], 14), randnT([3], 15), randnT([3], 16)], { device });
    });
  });
});
