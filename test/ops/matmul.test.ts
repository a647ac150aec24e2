// linear and matmul against PyTorch (test/fixtures/linear.json): outputs and grads in float64
// (tight) and float32 (~1e-4 relative), including 1-D operands and broadcast batch dims.
import * as torch from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, tolFor } from '../helpers';

const F = torch.F;
const linearCases = casesOf('linear', ['linear']);
const matmulCases = casesOf('linear', ['matmul']);

describe('linear vs PyTorch', () => {
  test('fixture has cases', () => expect(linearCases.length).toBeGreaterThanOrEqual(5));
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(linearCases)('%s', (_n, c) => {
      checkDiffCase(c, dtype, (ins) => F.linear(ins.x!, ins.weight!, ins.bias));
    });
  });
});

describe('matmul vs PyTorch', () => {
  test('fixture has cases', () => expect(matmulCases.length).toBeGreaterThanOrEqual(9));
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(matmulCases)('%s', (_n, c) => {
      checkDiffCase(c, dtype, (ins) => torch.matmul(ins.a!, ins.b!));
    });
  });

  test('bmm equals matmul for 3-D operands', () => {
    const c = matmulCases.find(([n]) => n === 'matmul_batched_3d_3d')![1];
    const a = fromFixture(c.inputs.a!);
    const b = fromFixture(c.inputs.b!);
    expectClose(torch.bmm(a, b), c.output!, tolFor('float64', 10));
  });

  test('matmul of a transposed (non-contiguous) view', () => {
    const c = matmulCases.find(([n]) => n === 'matmul_2d_2d')![1];
    const a = fromFixture(c.inputs.a!);
    const bT = fromFixture(c.inputs.b!).t().contiguous(); // [5, 4]
    const y = torch.matmul(a, bT.t());
    expectClose(y, c.output!, tolFor('float64', 10));
  });
});
