// test/ops/mse_loss.test.ts — F.mseLoss on every device: against PyTorch (test/fixtures/loss.json:
// reductions; output and input grad, float64 and float32), float64 finite-difference gradchecks of
// both inputs, and argument errors. (mseLoss is composed of element-wise ops and a reduction, whose
// CUDA kernels are compared with the CPU in binary.test.ts and reduce.test.ts.)
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkDiffCase, expectArgError, randnT, ArgErrorRow } from '../helpers';

const F = torch.F;
const cases = casesOf('loss', ['mseLoss']);

describeOp('mse_loss', ({ device, on, dtypes }) => {
  describe('vs PyTorch', () => {
    test('fixture has mseLoss cases', () => expect(cases.length).toBeGreaterThanOrEqual(1));

    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) => {
        const { reduction } = c.params;
        checkDiffCase(c, dtype, (i) => F.mseLoss(i.input!, i.target!, { reduction }), { device, op: 'mse_loss' });
      });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test.each(['mean', 'sum', 'none'] as const)('mseLoss reduction %s (both inputs)', (reduction) => {
        gradcheck(([x, y]) => F.mseLoss(x, y, { reduction }), [randnT([3, 4], 76), randnT([3, 4], 77)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const rows: ArgErrorRow[] = [
      ['mseLoss: shape mismatch', () => F.mseLoss(f64([3, 4]), f64([4, 3])), 'target'],
      ['mseLoss: broadcastable but different shape', () => F.mseLoss(f64([3, 4]), f64([4])), 'target'],
      ["mseLoss: reduction 'avg'", () => F.mseLoss(f64([3]), f64([3]), { reduction: 'avg' as 'mean' }), 'reduction'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });
});
