// test/ops/mse_loss.test.ts — F.mseLoss on every device: against PyTorch (test/fixtures/loss.json:
// reductions; output and input grad, float64 and float32), float64 finite-difference gradchecks of
// both inputs, and argument errors. (mseLoss is composed of element-wise ops and a reduction, whose
// CUDA kernels are compared with the CPU in binary.test.ts and reduce.test.ts.)
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, fixtureCases, randnT, zerosOn, ArgErrorRow } from '../helpers';

const F = torch.F;
const cases = casesOf('loss', ['mseLoss']);

describeOp('mse_loss', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (i, c) => F.mseLoss(i.input!, i.target!, { reduction: c.params.reduction }), { title: 'fixture has mseLoss cases' });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test.each(['mean', 'sum', 'none'] as const)('mseLoss reduction %s (both inputs)', (reduction) => {
        gradcheck(([x, y]) => F.mseLoss(x, y, { reduction }), [randnT([3, 4], 76), randnT([3, 4], 77)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const { f64 } = zerosOn(on);
    const rows: ArgErrorRow[] = [
      ['mseLoss: shape mismatch', () => F.mseLoss(f64([3, 4]), f64([4, 3])), 'target'],
      ['mseLoss: broadcastable but different shape', () => F.mseLoss(f64([3, 4]), f64([4])), 'target'],
      ["mseLoss: reduction 'avg'", () => F.mseLoss(f64([3]), f64([3]), { reduction: 'avg' as 'mean' }), 'reduction'],
    ];
    argErrorTests(rows);
  });
});
