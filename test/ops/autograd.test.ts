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
      // the gradient must match the output: before, a [1] gradient for a [3] output reached the
      // optimizer's native step, which read past its end
      ['backward(gradient) of another shape', () => leaf([3]).mul(2).backward(f64([1])), 'gradient'],
      ['backward(gradient) of a broadcastable shape', () => leaf([2, 3]).mul(2).backward(f64([3])), 'gradient'],
      ['backward(gradient) of another dtype', () => leaf([3]).mul(2).backward(on(torch.zeros([3]))), 'gradient'],
      ['backward(gradient) not a tensor', () => leaf([3]).mul(2).backward([1, 1, 1] as unknown as Tensor), 'gradient'],
      [
        'backward(gradient) disposed',
        () => {
          const g = f64([3]);
          g.dispose();
          leaf([3]).mul(2).backward(g);
        },
        /gradient was disposed/,
      ],
      ...(device === 'cpu'
        ? []
        : ([['backward(gradient) on another device', () => leaf([3]).mul(2).backward(torch.ones([3], { dtype: 'float64' })), 'gradient']] as ArgErrorRow[])),
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
    test('the codes: ERR_TORCHLET_SHAPE and ERR_TORCHLET_DTYPE; nothing was accumulated', () => {
      const x = leaf([3]);
      expect(() => x.mul(2).backward(f64([1]))).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_SHAPE' }));
      expect(() => x.mul(2).backward(on(torch.zeros([3])))).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DTYPE' }));
      expect(x.grad).toBeNull();
      x.mul(2).backward(on(torch.ones([3], { dtype: 'float64' })));
      expect(x.grad!.tolist()).toEqual([2, 2, 2]);
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
