// Losses against PyTorch (test/fixtures/loss.json): crossEntropy (reductions, label smoothing,
// large logits), nllLoss and mseLoss; output and input grads, float64 and float32.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase, tolFor } from '../helpers';

const F = torch.F;
const cases = casesOf('loss');

function forward(c: FixtureCase): (ins: Record<string, Tensor | null>) => Tensor {
  const { reduction, labelSmoothing } = c.params;
  switch (c.op) {
    case 'crossEntropy': return (i) => F.crossEntropy(i.input!, i.target!, { reduction, labelSmoothing });
    case 'nllLoss': return (i) => F.nllLoss(i.input!, i.target!, { reduction });
    case 'mseLoss': return (i) => F.mseLoss(i.input!, i.target!, { reduction });
    default: throw new Error(`unknown op ${c.op}`);
  }
}

describe('losses vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(21));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_n, c) => {
      checkDiffCase(c, dtype, forward(c));
    });
  });

  test.each(cases.filter(([, c]) => c.op === 'crossEntropy'))('%s: equals nllLoss(logSoftmax) when unsmoothed, via nn.CrossEntropyLoss', (_n, c) => {
    const x = fromFixture(c.inputs.input!);
    const t = fromFixture(c.inputs.target!);
    const { reduction, labelSmoothing } = c.params;
    const m = new torch.nn.CrossEntropyLoss({ reduction, labelSmoothing });
    expectClose(m.forward(x, t), c.output!, tolFor('float64', 1000));
    if (labelSmoothing === 0) expectClose(F.nllLoss(F.logSoftmax(x, 1), t, { reduction }), c.output!, tolFor('float64', 1000));
  });

  test('crossEntropy on unbatched [C] logits with a [] target', () => {
    const c = cases.find(([n]) => n === 'crossEntropy_batch1_mean')![1];
    const x = fromFixture(c.inputs.input!).select(0, 0);
    const t = fromFixture(c.inputs.target!).select(0, 0);
    const y = F.crossEntropy(x, t);
    expect(y.shape).toEqual([]);
    expectClose(y, c.output!, tolFor('float64', 10));
  });

  test('crossEntropy accepts int32 targets like int64', () => {
    const c = cases.find(([n]) => n === 'crossEntropy_mean')![1];
    const x = fromFixture(c.inputs.input!);
    const t = fromFixture(c.inputs.target!).to('int32');
    expectClose(F.crossEntropy(x, t), c.output!, tolFor('float64', 10));
  });

  test('nllLoss mean with ignoreIndex averages over the kept targets only', () => {
    const logp = torch.tensor([[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]], { dtype: 'float64' }).requiresGrad_();
    const t = torch.tensor([0, 1, 2], { dtype: 'int64' });
    const y = F.nllLoss(logp, t, { ignoreIndex: 1 });
    expectClose(y, [(1 + 9) / 2], { atol: 1e-12 });
    y.backward();
    expectClose(logp.grad!, [-0.5, 0, 0, 0, 0, 0, 0, 0, -0.5], { atol: 1e-12 });
  });
});

// ignoreIndex is not in the fixtures; these reference values were computed with PyTorch 1.13
// (/usr/bin/python3, float64) for x below, targets [0, 1, 2, 1] (ignoreIndex 1) or
// [0, -1, 2, 1] (ignoreIndex -1): F.cross_entropy(x, t, ignore_index=ii, label_smoothing=ls,
// reduction=r), and the grad of y.sum() w.r.t. x.
describe('crossEntropy / nllLoss with ignoreIndex vs PyTorch 1.13', () => {
  const X = [[0.1, 0.5, -0.3], [1.0, -1.0, 0.2], [0.3, 0.3, 0.9], [-0.5, 0.7, 0.1]];
  type Ref = [number, number, 'mean' | 'sum' | 'none', number[], number[]];
  const G_IGN1 = [-0.6837589417753185, 0.4717762210677908, 0.2119827207075278, 0, 0, 0, 0.2616349863059801, 0.2616349863059801, -0.5232699726119603, 0, 0, 0];
  const G_IGNM1 = [...G_IGN1.slice(0, 9), 0.16280716746749874, -0.45946116814835436, 0.2966540006808555];
  const G_LS_IGN1 = [-0.5504256084419852, 0.4051095544011242, 0.14531605404086112, 0, 0, 0, 0.19496831963931344, 0.19496831963931344, -0.38993663927862693, 0, 0, 0];
  const G_LS_IGNM1 = [...G_LS_IGN1.slice(0, 9), 0.09614050080083207, -0.32612783481502106, 0.22998733401418886];
  const refs: Ref[] = [
    [0, 1, 'mean', [0.9460277211840926], G_IGN1.map((v) => v / 2)],
    [0, 1, 'sum', [1.8920554423681852], G_IGN1],
    [0, 1, 'none', [1.151250513728494, 0, 0.7408049286396912, 0], G_IGN1],
    [0, -1, 'mean', [0.8357480808459568], G_IGNM1.map((v) => v / 3)],
    [0, -1, 'sum', [2.5072442425378703], G_IGNM1],
    [0, -1, 'none', [1.151250513728494, 0, 0.7408049286396912, 0.6151888001696851], G_IGNM1],
    [0.2, 1, 'mean', [0.9860277211840927], G_LS_IGN1.map((v) => v / 2)],
    [0.2, 1, 'sum', [1.9720554423681853], G_LS_IGN1],
    [0.2, 1, 'none', [1.151250513728494, 0, 0.8208049286396912, 0], G_LS_IGN1],
    [0.2, -1, 'mean', [0.9024147475126234], G_LS_IGNM1.map((v) => v / 3)],
    [0.2, -1, 'sum', [2.7072442425378704], G_LS_IGNM1],
    [0.2, -1, 'none', [1.151250513728494, 0, 0.8208049286396912, 0.7351888001696851], G_LS_IGNM1],
  ];
  test.each(refs)('crossEntropy labelSmoothing %p ignoreIndex %p reduction %s', (ls, ii, reduction, out, grad) => {
    const x = torch.tensor(X, { dtype: 'float64' }).requiresGrad_();
    const t = torch.tensor(ii === 1 ? [0, 1, 2, 1] : [0, -1, 2, 1], { dtype: 'int64' });
    const y = F.crossEntropy(x, t, { ignoreIndex: ii, labelSmoothing: ls, reduction });
    expectClose(y, out, { atol: 1e-12, rtol: 1e-12, label: 'output', ignoreShape: true });
    y.sum().backward();
    expectClose(x.grad!, grad, { atol: 1e-12, rtol: 1e-12, label: 'grad input', ignoreShape: true });
  });
  test('nllLoss mean with ignoreIndex -1 divides by the number of kept targets', () => {
    const x = torch.tensor(X, { dtype: 'float64' });
    const t = torch.tensor([0, -1, 2, 1], { dtype: 'int64' });
    const y = F.nllLoss(F.logSoftmax(x, 1), t, { ignoreIndex: -1 });
    expectClose(y, [0.8357480808459568], { atol: 1e-12, rtol: 1e-12 });
  });
});
