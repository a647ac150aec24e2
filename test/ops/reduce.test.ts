// Reductions against PyTorch (test/fixtures/reduce.json): sum/mean over all/one/several dims with
// keepdim (output and grad), max/min along a dim (values, indices, grad) and argmax.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, expectEqualInts, T, tolFor, maxAbs } from '../helpers';

const sumMean = casesOf('reduce', ['sum', 'mean']);
const maxMin = casesOf('reduce', ['max', 'min']);
const argmaxCases = casesOf('reduce', ['argmax']);

describe('sum / mean vs PyTorch', () => {
  test('fixture has cases', () => expect(sumMean.length).toBeGreaterThanOrEqual(20));
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(sumMean)('%s', (_n, c) => {
      const { dim, keepdim } = c.params;
      checkDiffCase(c, dtype, (ins) => (c.op === 'sum' ? ins.x!.sum(dim, keepdim) : ins.x!.mean(dim, keepdim)));
    });
  });
  test.each(sumMean)('%s: torch.sum / torch.mean functions equal the methods', (_n, c) => {
    const x = fromFixture(c.inputs.x!);
    const { dim, keepdim } = c.params;
    const y = c.op === 'sum' ? torch.sum(x, dim, keepdim) : torch.mean(x, dim, keepdim);
    expectClose(y, c.output!, tolFor('float64', 10));
  });
});

describe('max / min along a dim vs PyTorch', () => {
  test('fixture has cases', () => expect(maxMin.length).toBeGreaterThanOrEqual(12));

  describe.each(['float64', 'float32'] as const)('%s values and indices', (dtype) => {
    test.each(maxMin)('%s', (_n, c) => {
      const x = fromFixture(c.inputs.x!, dtype);
      const { dim, keepdim } = c.params;
      const r = c.op === 'max' ? x.max(dim, keepdim) : x.min(dim, keepdim);
      expectClose(r.values, c.outputs!.values as T, { ...tolFor(dtype, maxAbs(c.inputs.x!.data)), label: 'values' });
      expect(r.indices.dtype).toBe('int64');
      expectEqualInts(r.indices, c.outputs!.indices as T, `${c.name} indices`);
    });
  });

  // PyTorch's max(dim)/min(dim) values are differentiable: the gradient goes to the arg-max element.
  describe.each(['float64', 'float32'] as const)('%s gradient', (dtype) => {
    test.each(maxMin)('%s', (_n, c) => {
      const x = fromFixture(c.inputs.x!, dtype).requiresGrad_();
      const { dim, keepdim } = c.params;
      const r = c.op === 'max' ? x.max(dim, keepdim) : x.min(dim, keepdim);
      if (!r.values.requiresGrad || !r.values.gradFn)
        throw new Error(`${c.name} [${dtype}]: ${c.op}(dim).values of an input that requires grad has requiresGrad=${r.values.requiresGrad} and no gradFn (PyTorch records MaxBackward0/MinBackward0)`);
      r.values.backward(fromFixture(c.gradOutput!, dtype));
      expect(x.grad).not.toBeNull();
      expectClose(x.grad!, c.grads!.x, { ...tolFor(dtype, maxAbs(c.gradOutput!.data)), label: `${c.name} grad x` });
    });
  });

  test('max()/min() over all elements', () => {
    const c = maxMin[0][1];
    const x = fromFixture(c.inputs.x!);
    expect(x.max().item()).toBe(Math.max(...c.inputs.x!.data));
    expect(x.min().item()).toBe(Math.min(...c.inputs.x!.data));
  });
});

describe('argmax vs PyTorch', () => {
  test('fixture has cases', () => expect(argmaxCases.length).toBeGreaterThanOrEqual(6));
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(argmaxCases)('%s', (_n, c) => {
      const x: Tensor = fromFixture(c.inputs.x!, dtype);
      const { dim, keepdim } = c.params;
      const y = x.argmax(dim === null ? undefined : dim, keepdim);
      expect(y.dtype).toBe('int64');
      expectEqualInts(y, c.output!, c.name);
    });
  });
});
