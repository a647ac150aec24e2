// test/ops/cross_entropy.test.ts — F.crossEntropy / nn.CrossEntropyLoss on every device: against
// PyTorch (test/fixtures/loss.json: reductions, label smoothing, large logits; output and input grad,
// float64 and float32), equality with nllLoss(logSoftmax) unsmoothed, unbatched logits, int32
// targets, ignoreIndex with and without smoothing (PyTorch 1.13 reference values), float64
// finite-difference gradchecks, argument errors, and on CUDA agreement with the CPU (every
// reduction, ignoreIndex, label smoothing, awkward N and C).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, expectClose, fixtureCases, fromFixture, randnT, targets, zerosOn, ArgErrorRow, FixtureCase } from '../helpers';
import { expectSame, randFloat, randTargets } from './compare';
import { refTol, tol } from './tolerances';

const F = torch.F;
const cases = casesOf('loss', ['crossEntropy']);

describeOp('cross_entropy', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const forward = (i: Record<string, Tensor | null>, { params: { reduction, labelSmoothing } }: FixtureCase) => F.crossEntropy(i.input!, i.target!, { reduction, labelSmoothing });
  fixtureCases(run, cases, forward, { min: 21, count: () => casesOf('loss').length, more: () => {
    test.each(cases)('%s: equals nllLoss(logSoftmax) when unsmoothed, via nn.CrossEntropyLoss', (_n, c) => {
      const x = on(fromFixture(c.inputs.input!));
      const t = on(fromFixture(c.inputs.target!));
      const { reduction, labelSmoothing } = c.params;
      const m = new torch.nn.CrossEntropyLoss({ reduction, labelSmoothing });
      const tl = refTol('cross_entropy', 'float64', device, { magnitude: 1000 });
      expectClose(m.forward(x, t), c.output!, tl);
      if (labelSmoothing === 0) expectClose(F.nllLoss(F.logSoftmax(x, 1), t, { reduction }), c.output!, tl);
    });

    test('crossEntropy on unbatched [C] logits with a [] target', () => {
      const c = cases.find(([n]) => n === 'crossEntropy_batch1_mean')![1];
      const x = on(fromFixture(c.inputs.input!)).select(0, 0);
      const t = on(fromFixture(c.inputs.target!)).select(0, 0);
      const y = F.crossEntropy(x, t);
      expect(y.shape).toEqual([]);
      expectClose(y, c.output!, refTol('cross_entropy', 'float64', device, { magnitude: 10 }));
    });

    test('crossEntropy accepts int32 targets like int64', () => {
      const c = cases.find(([n]) => n === 'crossEntropy_mean')![1];
      const x = on(fromFixture(c.inputs.input!));
      const t = on(fromFixture(c.inputs.target!).to('int32'));
      expectClose(F.crossEntropy(x, t), c.output!, refTol('cross_entropy', 'float64', device, { magnitude: 10 }));
    });
  } });

  // ignoreIndex is not in the fixtures; these reference values were computed with PyTorch 1.13
  // (/usr/bin/python3, float64) for x below, targets [0, 1, 2, 1] (ignoreIndex 1) or
  // [0, -1, 2, 1] (ignoreIndex -1): F.cross_entropy(x, t, ignore_index=ii, label_smoothing=ls,
  // reduction=r), and the grad of y.sum() w.r.t. x.
  describe('crossEntropy with ignoreIndex vs PyTorch 1.13', () => {
    const X = [[0.1, 0.5, -0.3], [1.0, -1.0, 0.2], [0.3, 0.3, 0.9], [-0.5, 0.7, 0.1]];
    type Ref = [number, number, 'mean' | 'sum' | 'none', number[], number[]];
    const G_IGN1 = [-0.6837589417753185, 0.4717762210677908, 0.2119827207075278, 0, 0, 0, 0.2616349863059801, 0.2616349863059801, -0.5232699726119603, 0, 0, 0];
    const G_IGNM1 = [...G_IGN1.slice(0, 9), 0.16280716746749874, -0.45946116814835436, 0.2966540006808555];
    const G_LS_IGN1 = [-0.5504256084419852, 0.4051095544011242, 0.14531605404086112, 0, 0, 0, 0.19496831963931344, 0.19496831963931344, -0.38993663927862693, 0, 0, 0];
    const G_LS_IGNM1 = [...G_LS_IGN1.slice(0, 9), 0.09614050080083207, -0.32612783481502106, 0.22998733401418886];
    /** The mean, sum and none rows of one (labelSmoothing, ignoreIndex): the mean's grad is the sum's over the kept targets. */
    const rowsOf = (ls: number, ii: number, kept: number, mean: number, sum: number, none: number[], g: number[]): Ref[] => [
      [ls, ii, 'mean', [mean], g.map((v) => v / kept)],
      [ls, ii, 'sum', [sum], g],
      [ls, ii, 'none', none, g],
    ];
    const refs: Ref[] = [
      ...rowsOf(0, 1, 2, 0.9460277211840926, 1.8920554423681852, [1.151250513728494, 0, 0.7408049286396912, 0], G_IGN1),
      ...rowsOf(0, -1, 3, 0.8357480808459568, 2.5072442425378703, [1.151250513728494, 0, 0.7408049286396912, 0.6151888001696851], G_IGNM1),
      ...rowsOf(0.2, 1, 2, 0.9860277211840927, 1.9720554423681853, [1.151250513728494, 0, 0.8208049286396912, 0], G_LS_IGN1),
      ...rowsOf(0.2, -1, 3, 0.9024147475126234, 2.7072442425378704, [1.151250513728494, 0, 0.8208049286396912, 0.7351888001696851], G_LS_IGNM1),
    ];
    test.each(refs)('crossEntropy labelSmoothing %p ignoreIndex %p reduction %s', (ls, ii, reduction, out, grad) => {
      const x = on(torch.tensor(X, { dtype: 'float64' })).requiresGrad_();
      const t = on(torch.tensor(ii === 1 ? [0, 1, 2, 1] : [0, -1, 2, 1], { dtype: 'int64' }));
      const y = F.crossEntropy(x, t, { ignoreIndex: ii, labelSmoothing: ls, reduction });
      expectClose(y, out, { atol: 1e-12, rtol: 1e-12, label: 'output', ignoreShape: true });
      y.sum().backward();
      expectClose(x.grad!, grad, { atol: 1e-12, rtol: 1e-12, label: 'grad input', ignoreShape: true });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test.each(['mean', 'sum', 'none'] as const)('crossEntropy reduction %s, labelSmoothing 0.1', (reduction) => {
        gradcheck(([x, t]) => F.crossEntropy(x, t, { reduction, labelSmoothing: 0.1 }), [randnT([5, 4], 70, 2), targets(5, 4, 71)], { device });
      });
      test('crossEntropy without smoothing', () => {
        gradcheck(([x, t]) => F.crossEntropy(x, t), [randnT([6, 3], 72, 2), targets(6, 3, 73)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const { f64, i64 } = zerosOn(on);
    const rows: ArgErrorRow[] = [
      ['crossEntropy: float target', () => F.crossEntropy(f64([3, 4]), f64([3])), 'target'],
      ['crossEntropy: float target of another shape than the input', () => F.crossEntropy(f64([3, 4]), f64([3, 5])), 'target'],
      ['crossEntropy: target of the wrong length', () => F.crossEntropy(f64([3, 4]), i64([2])), 'target'],
      ['crossEntropy: 2-D int target', () => F.crossEntropy(f64([3, 4]), i64([3, 1])), 'target'],
      ['crossEntropy: int64 input', () => F.crossEntropy(i64([3, 4]), i64([3])), 'input'],
      ['crossEntropy: labelSmoothing 1.5', () => F.crossEntropy(f64([3, 4]), i64([3]), { labelSmoothing: 1.5 }), 'labelSmoothing'],
      ['crossEntropy: labelSmoothing -0.1', () => F.crossEntropy(f64([3, 4]), i64([3]), { labelSmoothing: -0.1 }), 'labelSmoothing'],
      ["crossEntropy: reduction 'avg'", () => F.crossEntropy(f64([3, 4]), i64([3]), { reduction: 'avg' as 'mean' }), 'reduction'],
      ['crossEntropy: target is not a tensor', () => F.crossEntropy(f64([3, 4]), [0, 1, 2] as unknown as Tensor), 'target'],
    ];
    argErrorTests(rows);
  });

  // crossEntropy = logSoftmax + NLL on CUDA: agreement within the 'cross_entropy' tolerance for the
  // N*C summed terms, with label smoothing too.
  vsCpu('CUDA vs CPU', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      describe.each(['none', 'sum', 'mean'] as const)('crossEntropy, reduction %s', (reduction) => {
        test.each([
          [1, 3], [37, 10], [1000, 7], [5, 1], [0, 4],
        ])('N=%p C=%p', (N, C) => {
          const t = randTargets(N, C, 3 * N + C, -100);
          if (N === 0 && reduction !== 'none') return; // nothing to differentiate the mean of
          for (const labelSmoothing of [0, 0.1]) {
            const x = randFloat([N, C], dtype, N * 7 + C, -4, 4);
            expectSame(
              F.crossEntropy(on(x), on(t), { reduction, ignoreIndex: -100, labelSmoothing }),
              F.crossEntropy(x, t, { reduction, ignoreIndex: -100, labelSmoothing }),
              `crossEntropy ls=${labelSmoothing}`,
              tol('cross_entropy', dtype, device, { terms: N * C }),
            );
          }
        });
      });
    });
  });
});
