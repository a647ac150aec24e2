// Activations against PyTorch (test/fixtures/activation.json): relu, sigmoid, tanh, exp, log,
// sqrt, neg, softmax and logSoftmax over dims 0/1/-1 (incl. +-900 logits), float64 and float32.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase } from '../helpers';

const F = torch.F;
const cases = casesOf('activation');

function forward(c: FixtureCase): (ins: Record<string, Tensor | null>) => Tensor {
  const d = c.params.dim as number;
  switch (c.op) {
    case 'relu': return (i) => F.relu(i.x!);
    case 'sigmoid': return (i) => F.sigmoid(i.x!);
    case 'tanh': return (i) => F.tanh(i.x!);
    case 'exp': return (i) => torch.exp(i.x!);
    case 'log': return (i) => torch.log(i.x!);
    case 'sqrt': return (i) => torch.sqrt(i.x!);
    case 'neg': return (i) => torch.neg(i.x!);
    case 'softmax': return (i) => F.softmax(i.x!, d);
    case 'logSoftmax': return (i) => F.logSoftmax(i.x!, d);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

describe('activations vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_n, c) => {
      // large-logit softmax: the outputs are O(1) but float32 rounding of the inputs scales with |x|
      checkDiffCase(c, dtype, forward(c));
    });
  });

  test.each(['relu', 'sigmoid', 'tanh', 'exp', 'neg'])('%s: Tensor method equals the function', (op) => {
    const c = cases.find(([, k]) => k.op === op)![1];
    const x = fromFixture(c.inputs.x!);
    const m = (x as unknown as Record<string, () => Tensor>)[op].call(x);
    expectClose(m, c.output!, { atol: 1e-12, rtol: 1e-12 });
  });

  test('softmax rows sum to 1 and logSoftmax = log(softmax)', () => {
    const c = cases.find(([n]) => n === 'softmax_2x3x4_dim1')![1];
    const x = fromFixture(c.inputs.x!);
    const s = F.softmax(x, 1);
    expectClose(s.sum(1), new Array(8).fill(1), { atol: 1e-12 });
    expectClose(F.logSoftmax(x, 1), torch.log(s), { atol: 1e-12 });
  });

  test('nn modules ReLU/Sigmoid/Tanh/Softmax/LogSoftmax', () => {
    const x = fromFixture(cases.find(([n]) => n === 'softmax_3x5_dim1')![1].inputs.x!);
    const nn = torch.nn;
    expectClose(new nn.ReLU().forward(x), F.relu(x), { atol: 0 });
    expectClose(new nn.Sigmoid().forward(x), F.sigmoid(x), { atol: 0 });
    expectClose(new nn.Tanh().forward(x), F.tanh(x), { atol: 0 });
    expectClose(new nn.Softmax(1).forward(x), F.softmax(x, 1), { atol: 0 });
    expectClose(new nn.LogSoftmax(0).forward(x), F.logSoftmax(x, 0), { atol: 0 });
  });
});
