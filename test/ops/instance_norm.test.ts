// test/ops/instance_norm.test.ts — F.instanceNorm on every device: against PyTorch
// (test/fixtures/norm.json, the instanceNorm cases: output, grads and running-statistics updates,
// float64 and float32) and a float64 finite-difference gradcheck.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkDiffCase, expectClose, randnT, T } from '../helpers';
import { refTol } from './tolerances';

const { F } = torch;
const cases = casesOf('norm', ['instanceNorm']);

describeOp('instance_norm', ({ device, dtypes }) => {
  describe('vs PyTorch', () => {
    test('fixture has instanceNorm cases', () => expect(cases.length).toBeGreaterThanOrEqual(1));
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_name, c) => {
        const p = c.params as Record<string, unknown>;
        let captured: Record<string, torch.Tensor | null> = {};
        checkDiffCase(
          c,
          dtype,
          (ins) => {
            captured = ins;
            return F.instanceNorm(ins.x!, { runningMean: ins.runningMean ?? null, runningVar: ins.runningVar ?? null, weight: ins.weight, bias: ins.bias, eps: p.eps as number });
          },
          { device, op: 'instance_norm' },
        );
        if (c.outputs) {
          expectClose(captured.runningMean!, c.outputs.runningMean as T, { ...refTol('instance_norm', dtype, device), label: `${c.name} runningMean` });
          expectClose(captured.runningVar!, c.outputs.runningVar as T, { ...refTol('instance_norm', dtype, device), label: `${c.name} runningVar` });
        }
      });
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences)', () => {
      gradcheck(([x, w, b]) => F.instanceNorm(x, { weight: w, bias: b }), [randnT([2, 3, 2, 3], 14), randnT([3], 15), randnT([3], 16)], { device });
    });
  });
});
