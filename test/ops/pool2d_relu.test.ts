// Max pooling's tie and NaN rules against PyTorch (test/fixtures/pool_nan.json, generator
// gen_pool_nan_fixtures.py), and the fused reluMaxPool2d (native relu + max pooling in one pass)
// against the unfused maxPool2d(relu(x)) on awkward sizes, float32 and float64: the values and
// input gradients must be identical, bit for bit.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { gradcheck } from '../gradcheck';
import { randnT } from '../helpers';

const F = torch.F;
type Enc = { shape: number[]; data: (number | string)[] };
interface NanCase { name: string; kernel: number | number[]; relu: boolean; x: Enc; y: Enc; indices: Enc; gy: Enc; gx: Enc }
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'pool_nan.json'), 'utf8')) as { cases: NanCase[] };
const dec = (e: Enc): number[] => e.data.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i] === 0 ? 0 : a[i], b[i] === 0 ? 0 : b[i])) throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
};

describe('max pooling NaN / tie rules vs PyTorch', () => {
  test('fixture has plain and relu cases', () => {
    expect(fixture.cases.filter((c) => c.relu).length).toBeGreaterThanOrEqual(4);
    expect(fixture.cases.filter((c) => !c.relu).length).toBeGreaterThanOrEqual(4);
  });
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
      const x = torch.tensor(dec(c.x), { dtype }).view(c.x.shape).requiresGrad_();
      const [y, idx] = F.maxPool2d(c.relu ? F.relu(x) : x, c.kernel, { returnIndices: true });
      same(y.toArray() as Float64Array, dec(c.y));
      same(Array.from(idx.toArray() as BigInt64Array, Number), dec(c.indices));
      y.backward(torch.tensor(dec(c.gy), { dtype }).view(c.gy.shape));
      same(x.grad!.toArray() as Float64Array, dec(c.gx));
      if (c.relu) {
        const x2 = torch.tensor(dec(c.x), { dtype }).view(c.x.shape).requiresGrad_();
        const y2 = F.reluMaxPool2d(x2, c.kernel);
        same(y2.toArray() as Float64Array, dec(c.y));
        y2.backward(torch.tensor(dec(c.gy), { dtype }).view(c.gy.shape));
        same(x2.grad!.toArray() as Float64Array, dec(c.gx));
      }
    });
  });
});

describe('reluMaxPool2d, and maxPool2d(relu(x)) as users write it, equal the unfused kernels', () => {
  test('maxPool2d(relu(x)) runs fused (gradient straight to x) and gives the unfused values and gradient', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x0 = torch.randn([3, 4, 10, 9], { dtype });
      const a = x0.detach().requiresGrad_();
      const b = x0.detach().requiresGrad_();
      const ya = F.maxPool2d(F.relu(a), 2);
      expect(ya.gradFn?.name).toBe('ReluMaxPool2dBackward');
      expect(ya.gradFn?.inputs[0]).toBe(a);
      const yb = F.maxPool2d(F.relu(b), 2, { returnIndices: true })[0];
      expect(yb.gradFn?.name).toBe('MaxPool2DWithIndicesBackward');
      same(ya.toArray() as Float32Array, yb.toArray() as Float32Array);
      const g = torch.randn(ya.shape, { dtype });
      ya.backward(g);
      yb.backward(g);
      same(a.grad!.toArray() as Float32Array, b.grad!.toArray() as Float32Array);
    }
  });
  test('a relu output used twice still gets both gradients', () => {
    const x0 = torch.randn([2, 3, 8, 8], { dtype: 'float64' });
    const a = x0.detach().requiresGrad_();
    const b = x0.detach().requiresGrad_();
    const ra = F.relu(a);
    F.maxPool2d(ra, 2).sum().add(ra.mul(ra).sum()).backward();
    const rb = F.relu(b);
    F.maxPool2d(rb, 2, { returnIndices: true })[0].sum().add(rb.mul(rb).sum()).backward();
    same(a.grad!.toArray() as Float64Array, b.grad!.toArray() as Float64Array);
  });

  function both(x0: Tensor, k: number | number[], opts: Parameters<typeof F.reluMaxPool2d>[2] = {}) {
    const a = x0.detach().requiresGrad_();
    const b = x0.detach().requiresGrad_();
    const ya = F.reluMaxPool2d(a, k, opts);
    const yb = F.maxPool2d(F.relu(b), k, { ...opts, returnIndices: true })[0]; // returnIndices: the unfused kernels
    expect(ya.shape).toEqual(yb.shape);
    same(ya.toArray() as Float32Array, yb.toArray() as Float32Array);
    const g = torch.randn(ya.shape, { dtype: x0.dtype });
    ya.backward(g);
    yb.backward(g);
    same(a.grad!.toArray() as Float32Array, b.grad!.toArray() as Float32Array);
  }
  beforeAll(() => torch.manualSeed(7));
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    test.each([
      ['2x2 even', [2, 3, 8, 12], 2],
      ['2x2 odd sizes (floor drops the last row/column)', [3, 5, 9, 11], 2],
      ['2x2 width not a multiple of 8', [1, 2, 6, 10], 2],
      ['3x3', [2, 4, 10, 7], 3],
      ['2x3', [2, 3, 7, 9], [2, 3]],
      ['1x1', [1, 2, 3, 5], 1],
      ['large batch', [17, 8, 14, 14], 2],
    ] as const)('%s', (_n, shape, k) => {
      const x = torch.randn(shape as unknown as number[], { dtype });
      both(x, k as number | number[]);
    });
    test('ties, zeros and negative-only windows', () => {
      const x = torch.tensor([1, 1, -2, -2, 0, 0, 3, -1, 1, 1, -2, -2, 0, 0, 3, 3], { dtype }).view([1, 1, 4, 4]);
      both(x, 2);
    });
    test('non-contiguous input', () => {
      const x = torch.randn([2, 6, 8, 3], { dtype }).permute(0, 3, 1, 2);
      both(x, 2);
    });
    test('3-D input and settings without a fused kernel run unfused', () => {
      both(torch.randn([3, 8, 8], { dtype }), 2);
      both(torch.randn([2, 3, 9, 9], { dtype }), 3, { stride: 2 });
      both(torch.randn([2, 3, 8, 8], { dtype }), 2, { padding: 1 });
      both(torch.randn([2, 3, 9, 9], { dtype }), 2, { ceilMode: true });
      both(torch.randn([2, 3, 9, 9], { dtype }), 2, { dilation: 2, stride: 2 });
    });
  });
  test('bad arguments name the argument', () => {
    expect(() => F.reluMaxPool2d(torch.randn([2, 3, 8, 8]), 0)).toThrow(/kernelSize/);
    expect(() => F.reluMaxPool2d(torch.randn([8, 8]), 2)).toThrow(/input/);
    expect(() => F.reluMaxPool2d(torch.zeros([1, 1, 4, 4], { dtype: 'int64' }), 2)).toThrow(/input/);
  });
});

test('float64 finite-difference gradients: reluMaxPool2d and the fused maxPool2d(relu(x))', () => {
  gradcheck(([x]) => F.reluMaxPool2d(x, 2), [randnT([2, 3, 6, 7], 31)]);
  gradcheck(([x]) => F.reluMaxPool2d(x, [2, 3]), [randnT([1, 2, 5, 9], 32)]);
  gradcheck(([x]) => F.maxPool2d(F.relu(x), 2), [randnT([2, 2, 8, 6], 33)]);
});
