// Broadcasting binary ops against PyTorch (test/fixtures/elementwise.json): add, sub, mul, div,
// pow over six broadcast patterns; output and grads of both operands (summed back to each
// operand's shape), float64 and float32; plus scalar operands and Tensor methods.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase, tolFor } from '../helpers';

const cases = casesOf('elementwise');
type Bin = (a: Tensor, b: Tensor) => Tensor;
const FN: Record<string, Bin> = {
  add: (a, b) => torch.add(a, b),
  sub: (a, b) => torch.sub(a, b),
  mul: (a, b) => torch.mul(a, b),
  div: (a, b) => torch.div(a, b),
  pow: (a, b) => torch.pow(a, b),
};

describe('elementwise vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_n, c: FixtureCase) => {
      checkDiffCase(c, dtype, (ins) => FN[c.op](ins.a!, ins.b!));
    });
  });

  test.each(cases)('%s: Tensor method equals the function', (_n, c) => {
    const a = fromFixture(c.inputs.a!);
    const b = fromFixture(c.inputs.b!);
    const m = (a as unknown as Record<string, (o: Tensor) => Tensor>)[c.op].call(a, b);
    expectClose(m, c.output!, tolFor('float64', 10));
  });

  test('scalar operands: add/sub/mul/div/pow with a number, and their grads', () => {
    const data = [0.5, -1.25, 2, 3.5];
    const x = torch.tensor(data, { dtype: 'float64' }).requiresGrad_();
    const y = torch.add(torch.mul(torch.sub(torch.div(torch.pow(x, 3), 2), 1), 4), 0.25); // ((x^3/2 - 1)*4 + 0.25)
    expectClose(y, data.map((v) => (v ** 3 / 2 - 1) * 4 + 0.25), { atol: 1e-12 });
    y.sum().backward();
    expectClose(x.grad!, data.map((v) => 6 * v * v), { atol: 1e-12 });
  });

  test('add with alpha and sub with alpha', () => {
    const a = torch.tensor([1, 2, 3], { dtype: 'float64' });
    const b = torch.tensor([10, 20, 30], { dtype: 'float64' });
    expectClose(torch.add(a, b, { alpha: 0.5 }), [6, 12, 18], { atol: 0 });
    expectClose(torch.sub(a, b, { alpha: 2 }), [-19, -38, -57], { atol: 0 });
  });

  test('type promotion: float32 + float64 -> float64, int64 / int64 -> float32', () => {
    const a = torch.tensor([1, 2], { dtype: 'float32' });
    const b = torch.tensor([0.5, 0.25], { dtype: 'float64' });
    expect(torch.add(a, b).dtype).toBe('float64');
    const i = torch.tensor([3, 4], { dtype: 'int64' });
    const j = torch.tensor([2, 8], { dtype: 'int64' });
    const q = torch.div(i, j);
    expect(q.dtype).toBe('float32');
    expectClose(q, [1.5, 0.5], { atol: 0 });
  });
});
