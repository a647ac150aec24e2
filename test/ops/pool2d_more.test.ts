// avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d and max_unpool2d against PyTorch
// (test/fixtures/pool2d_more.json): outputs, indices (exact) and input grads in float64 and
// float32; float64 finite-difference gradchecks; the seed examples; modules; argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, fromFixture, expectClose, expectEqualInts, FixtureCase, T, tolFor, maxAbs, randnT, rng, toNumbers } from '../helpers';

const F = torch.F;
const nn = torch.nn;
const avgCases = casesOf('pool2d_more', ['avg_pool2d']);
const adaAvgCases = casesOf('pool2d_more', ['adaptive_avg_pool2d']);
const adaMaxCases = casesOf('pool2d_more', ['adaptive_max_pool2d']);
const unpoolCases = casesOf('pool2d_more', ['max_unpool2d']);

function avg(c: FixtureCase, x: Tensor): Tensor {
  const p = c.params;
  return F.avgPool2d(x, p.kernelSize, {
    stride: p.stride,
    padding: p.padding,
    ceilMode: p.ceilMode,
    countIncludePad: p.countIncludePad,
    divisorOverride: p.divisorOverride,
  });
}
function unpool(c: FixtureCase, x: Tensor, idx: Tensor): Tensor {
  const p = c.params;
  return F.maxUnpool2d(x, idx, p.kernelSize, { stride: p.stride, padding: p.padding, outputSize: p.outputSize });
}

/** Runs fwd on x (dtype), compares output and, after backward(gradOutput), x.grad. */
function checkCase(c: FixtureCase, dtype: 'float32' | 'float64', fwd: (x: Tensor) => Tensor, outName?: string): void {
  const x = fromFixture(c.inputs.x!, dtype).requiresGrad_();
  const y = fwd(x);
  const out = (outName ? c.outputs![outName] : c.output) as T;
  expect(y.dtype).toBe(dtype);
  expect(y.shape).toEqual(out.shape);
  expectClose(y, out, { ...tolFor(dtype, maxAbs(c.inputs.x!.data)), label: `${c.name} output` });
  y.backward(fromFixture(c.gradOutput!, dtype));
  expectClose(x.grad!, c.grads!.x, { ...tolFor(dtype, maxAbs(c.gradOutput!.data)), label: `${c.name} grad x` });
}

describe('pool2d_more vs PyTorch', () => {
  test('fixture has cases of every op', () => {
    expect(avgCases.length).toBeGreaterThanOrEqual(10);
    expect(adaAvgCases.length).toBeGreaterThanOrEqual(6);
    expect(adaMaxCases.length).toBeGreaterThanOrEqual(6);
    expect(unpoolCases.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(avgCases)('%s', (_n, c) => checkCase(c, dtype, (x) => avg(c, x)));
    test.each(adaAvgCases)('%s', (_n, c) => checkCase(c, dtype, (x) => F.adaptiveAvgPool2d(x, c.params.outputSize)));
    test.each(adaMaxCases)('%s', (_n, c) =>
      checkCase(
        c,
        dtype,
        (x) => {
          const [y, idx] = F.adaptiveMaxPool2d(x, c.params.outputSize, { returnIndices: true });
          expect(idx.dtype).toBe('int64');
          expectEqualInts(idx, c.outputs!.indices as T, `${c.name} indices`);
          return y;
        },
        'output',
      ),
    );
    test.each(unpoolCases)('%s', (_n, c) => checkCase(c, dtype, (x) => unpool(c, x, fromFixture(c.inputs.indices!))));
  });

  test.each(adaMaxCases)('%s: without returnIndices returns one tensor', (_n, c) => {
    const y = F.adaptiveMaxPool2d(fromFixture(c.inputs.x!), c.params.outputSize);
    expect(Array.isArray(y)).toBe(false);
    expectClose(y, c.outputs!.output as T, { atol: 0 });
  });
});

// ---- finite differences ------------------------------------------------------------------

function gradcheck(f: (x: Tensor) => Tensor, x0: Tensor, eps = 1e-6): void {
  const data = Float64Array.from(x0.toArray() as Float64Array);
  const x = torch.fromBuffer(Float64Array.from(data), x0.shape.slice()).requiresGrad_();
  const y = f(x);
  const g = randnT(y.shape, 777);
  const gArr = toNumbers(g);
  y.backward(g);
  const loss = (d: Float64Array): number =>
    torch.noGrad(() => {
      const out = toNumbers(f(torch.fromBuffer(d, x0.shape.slice())));
      return out.reduce((s, v, i) => s + v * gArr[i], 0);
    });
  const num = new Float64Array(data.length);
  for (let j = 0; j < data.length; j++) {
    const p = Float64Array.from(data);
    p[j] = data[j] + eps;
    const lp = loss(p);
    p[j] = data[j] - eps;
    num[j] = (lp - loss(p)) / (2 * eps);
  }
  expectClose(x.grad!, Array.from(num), { atol: 1e-6, rtol: 1e-6, label: 'analytic vs numeric' });
}
/** Distinct values (no max ties), shuffled. */
function distinctT(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 0.02 * r());
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return torch.fromBuffer(Float64Array.from(vals), shape);
}

describe('gradcheck (float64 finite differences)', () => {
  test('avgPool2d k3 s2 p1 ceil, countIncludePad false', () =>
    gradcheck((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), randnT([2, 2, 6, 7], 1)));
  test('avgPool2d k2x3 s1x2 p1, divisorOverride 4', () =>
    gradcheck((x) => F.avgPool2d(x, [2, 3], { stride: [1, 2], padding: 1, divisorOverride: 4 }), randnT([1, 2, 5, 6], 2)));
  test('adaptiveAvgPool2d [3, null] on 7x5', () => gradcheck((x) => F.adaptiveAvgPool2d(x, [3, null]), randnT([2, 2, 7, 5], 3)));
  test('adaptiveAvgPool2d upsampling 3x4 -> 5x6', () => gradcheck((x) => F.adaptiveAvgPool2d(x, [5, 6]), randnT([1, 2, 3, 4], 4)));
  test('adaptiveMaxPool2d 7x9 -> 3x4', () => gradcheck((x) => F.adaptiveMaxPool2d(x, [3, 4]), distinctT([2, 2, 7, 9], 5)));
  test('maxUnpool2d of maxPool2d indices (k2 s2, outputSize 7x7)', () => {
    const src = distinctT([1, 2, 7, 7], 6);
    const [, idx] = F.maxPool2d(src, 2, { returnIndices: true });
    gradcheck((x) => F.maxUnpool2d(x, idx, 2, { outputSize: [7, 7] }), randnT([1, 2, 3, 3], 7));
  });
});

// ---- seed examples, modules -----------------------------------------------------------------

describe('examples and modules', () => {
  const seedPool = [
    [1, 3, 2, 4],
    [5, 6, 8, 7],
    [4, 2, 1, 0],
    [9, 7, 3, 2],
  ];

  test('avg pooling of 1..16 (1x1x4x4) with kernel 2 is [[3.5, 5.5], [11.5, 13.5]]', () => {
    const x = torch.tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]], { dtype: 'float64' });
    const y = F.avgPool2d(x, 2);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expectClose(y, [3.5, 5.5, 11.5, 13.5], { atol: 0, ignoreShape: true });
    expectClose(new nn.AvgPool2d(2).forward(x), [3.5, 5.5, 11.5, 13.5], { atol: 0, ignoreShape: true });
  });

  // The global average is 64 / 16 = 4 (PyTorch 1.13: AdaptiveAvgPool2d(1) gives 4.), not 4.25.
  test('global average 4 and global max 9 (index 12) of the max-pool example', () => {
    const x = torch.tensor([[seedPool]], { dtype: 'float32' });
    const a = new nn.AdaptiveAvgPool2d(1).forward(x);
    expect(a.shape).toEqual([1, 1, 1, 1]);
    expectClose(a, [4], { atol: 0, ignoreShape: true });
    const m = new nn.AdaptiveMaxPool2d(1).forward(x) as Tensor;
    expect(m.shape).toEqual([1, 1, 1, 1]);
    expectClose(m, [9], { atol: 0, ignoreShape: true });
    const [, idx] = new nn.AdaptiveMaxPool2d(1, { returnIndices: true }).forward(x) as [Tensor, Tensor];
    expectEqualInts(idx, [12], 'global max index');
  });

  test('AdaptiveAvgPool2d output shapes', () => {
    const x = torch.zeros([2, 3, 10, 7], { dtype: 'float64' });
    expect(new nn.AdaptiveAvgPool2d(1).forward(x).shape).toEqual([2, 3, 1, 1]);
    expect(new nn.AdaptiveAvgPool2d([5, 7]).forward(x).shape).toEqual([2, 3, 5, 7]);
    expect(new nn.AdaptiveAvgPool2d([null, 3]).forward(x).shape).toEqual([2, 3, 10, 3]);
    expect(new nn.AdaptiveAvgPool2d([4, null]).forward(x).shape).toEqual([2, 3, 4, 7]);
    expect(new nn.AdaptiveAvgPool2d([20, 14]).forward(x).shape).toEqual([2, 3, 20, 14]);
    expect(new nn.AdaptiveAvgPool2d(2).forward(x.select(0, 0)).shape).toEqual([3, 2, 2]);
  });

  test('maxUnpool2d inverts maxPool2d on the kept maxima (MaxUnpool2d module)', () => {
    const x = torch.tensor([[seedPool]], { dtype: 'float64' });
    const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    const u = new nn.MaxUnpool2d(2).forward(y, idx);
    expectClose(u, [0, 0, 0, 0, 0, 6, 8, 0, 0, 0, 0, 0, 9, 0, 3, 0], { atol: 0, ignoreShape: true });
    expect(u.shape).toEqual([1, 1, 4, 4]);
  });

  test('unbatched [C, H, W] input equals the batched result', () => {
    const x = randnT([1, 2, 7, 6], 11);
    const x3 = x.select(0, 0);
    expectClose(F.avgPool2d(x3, 3, { stride: 2, padding: 1 }), F.avgPool2d(x, 3, { stride: 2, padding: 1 }).select(0, 0), { atol: 0 });
    expectClose(F.adaptiveAvgPool2d(x3, [3, 4]), F.adaptiveAvgPool2d(x, [3, 4]).select(0, 0), { atol: 0 });
    expectClose(F.adaptiveMaxPool2d(x3, [3, 4]), F.adaptiveMaxPool2d(x, [3, 4]).select(0, 0), { atol: 0 });
    const [p, idx] = F.maxPool2d(x3, 2, { returnIndices: true });
    expect(F.maxUnpool2d(p, idx, 2, { outputSize: [7, 6] }).shape).toEqual([2, 7, 6]);
  });

  test('extraRepr is PyTorch-like', () => {
    expect(new nn.AvgPool2d(2).extraRepr()).toBe('kernel_size=2, stride=2, padding=0');
    expect(new nn.AvgPool2d([3, 2], { stride: 1, padding: [1, 0] }).extraRepr()).toBe('kernel_size=(3, 2), stride=1, padding=(1, 0)');
    expect(new nn.AdaptiveAvgPool2d(1).extraRepr()).toBe('output_size=1');
    expect(new nn.AdaptiveAvgPool2d([null, 7]).extraRepr()).toBe('output_size=(None, 7)');
    expect(new nn.AdaptiveMaxPool2d([5, 7]).extraRepr()).toBe('output_size=(5, 7)');
    expect(new nn.MaxUnpool2d(2).extraRepr()).toBe('kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)');
  });
});

// ---- errors ------------------------------------------------------------------------------------

describe('argument errors name the argument', () => {
  const x = torch.zeros([1, 1, 6, 6], { dtype: 'float64' });
  test('kernel 0', () => {
    expect(() => F.avgPool2d(x, 0)).toThrow(/kernelSize/);
    expect(() => new nn.AvgPool2d(0)).toThrow(/kernelSize/);
    expect(() => new nn.MaxUnpool2d(0)).toThrow(/kernelSize/);
  });
  test('padding > half kernel', () => {
    expect(() => F.avgPool2d(x, 2, { padding: 2 })).toThrow(/padding/);
    expect(() => new nn.AvgPool2d(3, { padding: 2 })).toThrow(/padding/);
  });
  test('outputSize <= 0', () => {
    expect(() => F.adaptiveAvgPool2d(x, 0)).toThrow(/outputSize/);
    expect(() => F.adaptiveMaxPool2d(x, [2, -1])).toThrow(/outputSize/);
    expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow(/outputSize/);
    expect(() => new nn.AdaptiveMaxPool2d([0, 2])).toThrow(/outputSize/);
  });
  test('divisorOverride 0', () => expect(() => F.avgPool2d(x, 2, { divisorOverride: 0 })).toThrow(/divisorOverride/));
  test('maxUnpool2d: bad outputSize, indices dtype/shape, out-of-range index', () => {
    const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    expect(() => F.maxUnpool2d(y, idx, 2, { outputSize: [10, 10] })).toThrow(/outputSize/);
    expect(() => F.maxUnpool2d(y, idx.to('float64'), 2)).toThrow(/indices/);
    expect(() => F.maxUnpool2d(y, idx.reshape([1, 1, 9]) as Tensor, 2)).toThrow(/indices/);
    const bad = torch.fromBuffer(BigInt64Array.from([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 99n]), [1, 1, 3, 3]);
    expect(() => F.maxUnpool2d(y, bad, 2)).toThrow(/indices/);
  });
  test('integer input', () => expect(() => F.avgPool2d(torch.zeros([1, 1, 4, 4], { dtype: 'int64' }), 2)).toThrow(/input/));
});
