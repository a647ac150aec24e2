// test/ops/autograd.test.ts — the autograd machinery on every device: argument errors of
// requiresGrad_ and backward(), the finite-difference checker itself (it catches a wrong gradient),
// and a float64 gradcheck of a small CNN end to end (conv -> relu -> maxPool -> flatten -> linear ->
// crossEntropy), i.e. gradients through a chain of ops. (Each op's own gradcheck is in its file.)
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, randnArray, randnT, targets, ArgErrorRow } from '../helpers';

const F = torch.F;

describeOp('autograd', ({ device, on, dtypes }) => {
  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const i64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'int64' }));
    const leaf = (shape: number[]): Tensor => f64(shape).requiresGrad_();
    const rows: ArgErrorRow[] = [
      ['requiresGrad_ on an int64 tensor', () => i64([2]).requiresGrad_(), 'requiresGrad'],
      ['backward() of a non-scalar without gradient', () => leaf([3]).mul(2).backward(), 'gradient'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test('the checker itself catches a wrong gradient (detach() hides half of d(x*x)/dx)', () => {
        expect(() => gradcheck(([x]) => x.detach().mul(x), [randnT([3], 140)], { device })).toThrow(/analytic vs numeric/);
        expect(() => gradcheck(([x]) => x.detach().mul(x), [randnT([3], 140)], { before: () => undefined, device })).toThrow(/max abs error/);
      });

      test('a small CNN end to end: conv -> relu -> maxPool -> flatten -> linear -> crossEntropy', () => {
        const xs = randnArray(2 * 1 * 6 * 6, 130);
        const x = torch.fromBuffer(xs, [2, 1, 6, 6]);
        gradcheck(
          ([xx, w, b, lw, lb, t]) => {
            const h = F.maxPool2d(F.relu(F.conv2d(xx, w, b, { padding: 1 })), 2);
            return F.crossEntropy(F.linear(h.flatten(1), lw, lb), t);
          },
          [x, randnT([2, 1, 3, 3], 131, 0.5), randnT([2], 132, 0.1), randnT([3, 18], 133, 0.3), randnT([3], 134), targets(2, 3, 135)],
          { atol: 1e-5, device },
        );
      });
    });
  });
});
