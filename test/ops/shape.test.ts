// test/ops/shape.test.ts — torch.cat and torch.stack: values (incl. non-contiguous inputs),
// gradients split back to each input (finite differences in float64), and argument errors.
import * as torch from '../../lib';

function numericGrad(f: (x: torch.Tensor) => number, x: torch.Tensor): number[] {
  const base = Array.from(x.toArray() as Float64Array);
  return base.map((_, i) => {
    const e = 1e-6;
    const p = base.slice();
    p[i] += e;
    const m = base.slice();
    m[i] -= e;
    return (f(torch.fromBuffer(Float64Array.from(p), x.shape)) - f(torch.fromBuffer(Float64Array.from(m), x.shape))) / (2 * e);
  });
}

test('cat along each dim, including transposed inputs', () => {
  const a = torch.arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 3]);
  const b = torch.arange(6, 12, 1, { dtype: 'float32' }).reshape([2, 3]);
  expect(torch.cat([a, b], 0).tolist()).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
  expect(torch.cat([a, b], -1).tolist()).toEqual([[0, 1, 2, 6, 7, 8], [3, 4, 5, 9, 10, 11]]);
  expect(torch.cat([a.t(), b.t()], 1).tolist()).toEqual([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]);
  expect(torch.stack([a, b]).shape).toEqual([2, 2, 3]);
  expect(torch.stack([a, b], 2).tolist()).toEqual([[[0, 6], [1, 7], [2, 8]], [[3, 9], [4, 10], [5, 11]]]);
});

test('cat gradients match finite differences', () => {
  torch.manualSeed(2);
  const a = torch.randn([2, 3, 2], { dtype: 'float64' });
  const b = torch.randn([2, 1, 2], { dtype: 'float64' });
  const w = torch.randn([2, 4, 2], { dtype: 'float64' });
  const fa = (x: torch.Tensor) => torch.cat([x, b], 1).mul(w).pow(2).sum().item();
  const fb = (x: torch.Tensor) => torch.cat([a, x], 1).mul(w).pow(2).sum().item();
  const ag = a.clone().requiresGrad_();
  const bg = b.clone().requiresGrad_();
  torch.cat([ag, bg], 1).mul(w).pow(2).sum().backward();
  const na = numericGrad(fa, a);
  const nb = numericGrad(fb, b);
  Array.from(ag.grad!.toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(na[i], 6));
  Array.from(bg.grad!.toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(nb[i], 6));
});

test('cat and stack errors name the argument', () => {
  expect(() => torch.cat([], 0)).toThrow(/tensors/);
  expect(() => torch.cat([torch.zeros([2, 3]), torch.zeros([3, 2])], 0)).toThrow(/tensors\[1\]/);
  expect(() => torch.cat([torch.zeros([2]), torch.zeros([2], { dtype: 'float64' })])).toThrow(/tensors\[1\]/);
  expect(() => torch.cat([torch.zeros([2])], 3)).toThrow(/dim/);
  expect(() => torch.stack([torch.zeros([2]), torch.zeros([3])])).toThrow(/tensors\[1\]/);
});
