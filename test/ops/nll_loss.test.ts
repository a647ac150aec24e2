// test/ops/nll_loss.test.ts — F.nllLoss on every device: against PyTorch (test/fixtures/loss.json:
// reductions; output and input grad, float64 and float32), ignoreIndex (by hand, and a PyTorch 1.13
// reference value), a float64 finite-difference gradcheck, argument errors, and on CUDA agreement
// with the CPU (every reduction, ignoreIndex, awkward N and C: bit-identical for 'none') and the CPU's
// error for an out-of-range target.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, expectClose, fixtureCases, randnT, targets, zerosOn, ArgErrorRow } from '../helpers';
import { expectSame, randFloat, randTargets } from './compare';
import { tol } from './tolerances';

const F = torch.F;
const cases = casesOf('loss', ['nllLoss']);

describeOp('nll_loss', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureCases(run, cases, (i, c) => F.nllLoss(i.input!, i.target!, { reduction: c.params.reduction }), { title: 'fixture has nllLoss cases', more: () => {
    test('nllLoss mean with ignoreIndex averages over the kept targets only', () => {
      const logp = on(torch.tensor([[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]], { dtype: 'float64' })).requiresGrad_();
      const t = on(torch.tensor([0, 1, 2], { dtype: 'int64' }));
      const y = F.nllLoss(logp, t, { ignoreIndex: 1 });
      expectClose(y, [(1 + 9) / 2], { atol: 1e-12 });
      y.backward();
      expectClose(logp.grad!, [-0.5, 0, 0, 0, 0, 0, 0, 0, -0.5], { atol: 1e-12 });
    });

    // ignoreIndex is not in the fixtures; the reference value was computed with PyTorch 1.13
    // (/usr/bin/python3, float64): F.nll_loss(F.log_softmax(x, 1), [0, -1, 2, 1], ignore_index=-1).
    test('nllLoss mean with ignoreIndex -1 divides by the number of kept targets (PyTorch 1.13)', () => {
      const X = [[0.1, 0.5, -0.3], [1.0, -1.0, 0.2], [0.3, 0.3, 0.9], [-0.5, 0.7, 0.1]];
      const x = on(torch.tensor(X, { dtype: 'float64' }));
      const t = on(torch.tensor([0, -1, 2, 1], { dtype: 'int64' }));
      const y = F.nllLoss(F.logSoftmax(x, 1), t, { ignoreIndex: -1 });
      expectClose(y, [0.8357480808459568], { atol: 1e-12, rtol: 1e-12 });
    });
  } });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences, eps 1e-6)', () => {
      gradcheck(([x, t]) => F.nllLoss(x, t), [randnT([4, 5], 74), targets(4, 5, 75)], { device });
    });
  });

  describe('argument errors name the argument', () => {
    const { f64, i64 } = zerosOn(on);
    const rows: ArgErrorRow[] = [
      ['nllLoss: float target', () => F.nllLoss(f64([3, 4]), f64([3])), 'target'],
      ['nllLoss: target of the wrong length', () => F.nllLoss(f64([3, 4]), i64([4])), 'target'],
      ["nllLoss: reduction 'max'", () => F.nllLoss(f64([3, 4]), i64([3]), { reduction: 'max' as 'mean' }), 'reduction'],
    ];
    argErrorTests(rows);
  });

  // The nll_forward / nll_backward kernels on CUDA: reduction 'none' and the gradient are
  // bit-identical ('nll_loss.none'); 'sum' / 'mean' sum N terms ('nll_loss').
  vsCpu('CUDA vs CPU', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      describe.each(['none', 'sum', 'mean'] as const)('nllLoss, reduction %s', (reduction) => {
        test.each([
          [1, 3], [37, 10], [1000, 7], [5, 1], [0, 4],
        ])('N=%p C=%p', (N, C) => {
          const lp0 = randFloat([N, C], dtype, N + C, -5, 0);
          const t = randTargets(N, C, 3 * N + C, -100);
          const g = reduction === 'none' ? randFloat([N], dtype, 9, -1, 1) : null;
          const run = (dev: 'cpu' | 'device') => {
            const lp = (dev === 'cpu' ? lp0 : on(lp0)).detach().requiresGrad_();
            const tt = dev === 'cpu' ? t : on(t);
            const y = F.nllLoss(lp, tt, { reduction, ignoreIndex: -100 });
            y.backward(g ? (dev === 'cpu' ? g : on(g)) : undefined);
            return [y, lp.grad!];
          };
          if (N === 0 && reduction !== 'none') return; // nothing to differentiate the mean of
          const [yc, gc] = run('cpu');
          const [yg, gg] = run('device');
          const t2 = tol(reduction === 'none' ? 'nll_loss.none' : 'nll_loss', dtype, device, { terms: N });
          expectSame(yg, yc, 'nll', t2);
          expectSame(gg, gc, 'nll grad', t2);
        });
      });

      test('an out-of-range target throws the CPU error', () => {
        const lp = randFloat([6, 4], dtype, 1, -3, 0);
        const t = torch.fromBuffer(BigInt64Array.from([0n, 1n, 7n, 2n, -3n, 3n]), [6]);
        let cpuMsg = '', gpuMsg = '';
        try { F.nllLoss(lp, t); } catch (e) { cpuMsg = (e as Error).message; }
        try { F.nllLoss(on(lp), on(t)).toArray(); } catch (e) { gpuMsg = (e as Error).message; }
        expect(cpuMsg).toMatch(/out of bounds/);
        expect(gpuMsg).toBe(cpuMsg);
        // the device keeps working
        expectSame(F.nllLoss(on(lp), on(torch.fromBuffer(BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n]), [6]))),
          F.nllLoss(lp, torch.fromBuffer(BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n]), [6])), 'after the error', tol('nll_loss', dtype, device, { terms: 6 }));
      });
    });
  });
});
