// test/ops/random_ops.test.ts — the random creation functions of issue 14 on every device: randint,
// randperm, normal, bernoulli, multinomial, rand/randn/randintLike and torch.Generator. PyTorch's
// generator is another algorithm, so no draw can match its numbers: checked instead are ranges,
// dtypes and shapes, distributions (means, variances and frequencies within several standard errors
// of large samples), that a seed fixes every draw, that a Generator with a seed draws what the global
// stream draws after manualSeed with it and leaves the global stream alone, getState/setState, the
// same draws on CUDA as on the CPU, normal's gradient in mean and std, and argument errors.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { expectArgError, toNumbers } from '../helpers';

function stats(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(v) };
}

describeOp('random_ops', ({ device, on }) => {
  test('randint: range, dtype, both signatures, roughly uniform', () => {
    torch.manualSeed(1);
    const a = torch.randint(-3, 4, [20000], { device });
    expect(a.dtype).toBe('int64');
    expect(a.device).toBe(on(torch.zeros([1])).device);
    const v = toNumbers(a);
    expect(Math.min(...v)).toBe(-3);
    expect(Math.max(...v)).toBe(3);
    for (let k = -3; k <= 3; k++) {
      const f = v.filter((x) => x === k).length / v.length;
      expect(Math.abs(f - 1 / 7)).toBeLessThan(5 * Math.sqrt((1 / 7) * (6 / 7) / v.length));
    }
    const b = torch.randint(10, [3, 4], { dtype: 'int32', device });
    expect(b.shape).toEqual([3, 4]);
    expect(b.dtype).toBe('int32');
    expect(toNumbers(b).every((x) => x >= 0 && x < 10)).toBe(true);
    const c = torch.randintLike(b, 5, 6);
    expect(toNumbers(c)).toEqual(new Array(12).fill(5));
    expect(c.dtype).toBe('int32');
  });
  test('randperm is a permutation, different for different draws, fixed by the seed', () => {
    torch.manualSeed(7);
    const p = torch.randperm(1000, { device });
    const q = torch.randperm(1000, { device });
    torch.manualSeed(7);
    const p2 = torch.randperm(1000, { device });
    expect(p.dtype).toBe('int64');
    expect(toNumbers(p).slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(toNumbers(p)).not.toEqual(toNumbers(q));
    expect(toNumbers(p2)).toEqual(toNumbers(p));
    expect(torch.randperm(0, { device }).shape).toEqual([0]);
  });
  test('normal: numbers with a shape, tensors (broadcast), moments, gradient in mean and std', () => {
    torch.manualSeed(3);
    const x = torch.normal(2, 3, [40000], { device, dtype: 'float64' });
    const { mean, std } = stats(toNumbers(x));
    expect(Math.abs(mean - 2)).toBeLessThan(5 * 3 / Math.sqrt(40000));
    expect(Math.abs(std - 3)).toBeLessThan(0.05);
    const m = on(torch.tensor([[0], [10]], { dtype: 'float64' })).requiresGrad_();
    const s = on(torch.tensor([1, 2, 3], { dtype: 'float64' })).requiresGrad_();
    const y = torch.normal(m, s);
    expect(y.shape).toEqual([2, 3]);
    y.sum().backward();
    expect(m.grad!.tolist()).toEqual([[3], [3]]);
    // d/dstd of mean + std * z is z = (y - mean) / std
    const z = toNumbers(y.detach()).map((v, i) => (v - (i < 3 ? 0 : 10)) / [1, 2, 3][i % 3]);
    const gs = toNumbers(s.grad!);
    gs.forEach((g, j) => expect(g).toBeCloseTo(z[j] + z[j + 3], 10));
  });
  test('bernoulli: probabilities from the input (or p), the input dtype', () => {
    torch.manualSeed(5);
    const p = on(torch.full([50000], 0.3, { dtype: 'float64' }));
    const b = torch.bernoulli(p);
    expect(b.dtype).toBe('float64');
    const v = toNumbers(b);
    expect(v.every((x) => x === 0 || x === 1)).toBe(true);
    expect(Math.abs(v.reduce((a, c) => a + c, 0) / v.length - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / v.length));
    expect(toNumbers(on(torch.tensor([0, 1, 1, 0], { dtype: 'float32' })).bernoulli())).toEqual([0, 1, 1, 0]);
    expect(toNumbers(p.bernoulli({ p: 1 })).every((x) => x === 1)).toBe(true);
  });
  test('multinomial: frequencies with replacement; distinct draws of positive weight without', () => {
    torch.manualSeed(9);
    const w = on(torch.tensor([1, 0, 3, 6], { dtype: 'float32' }));
    const s = toNumbers(torch.multinomial(w, 20000, { replacement: true }));
    const want = [0.1, 0, 0.3, 0.6];
    want.forEach((f, k) => {
      const got = s.filter((x) => x === k).length / s.length;
      expect(Math.abs(got - f)).toBeLessThan(5 * Math.sqrt((f * (1 - f)) / s.length) + 1e-12);
    });
    const rows = on(torch.tensor([[1, 1, 0, 1], [0, 2, 2, 0]], { dtype: 'float64' }));
    for (let r = 0; r < 20; r++) {
      const d = torch.multinomial(rows, 2).tolist() as number[][];
      expect(new Set(d[0]).size).toBe(2);
      expect(d[0].every((k) => k !== 2)).toBe(true);
      expect(d[1].slice().sort()).toEqual([1, 2]);
    }
    // without replacement, the first draw follows the weights
    const first = Array.from({ length: 4000 }, () => 0);
    const many = torch.multinomial(on(torch.tensor([1, 3], { dtype: 'float64' })).expand([4000, 2]).contiguous(), 1);
    toNumbers(many).forEach((k, i) => (first[i] = k));
    const f1 = first.filter((k) => k === 1).length / first.length;
    expect(Math.abs(f1 - 0.75)).toBeLessThan(5 * Math.sqrt(0.1875 / 4000));
  });
  test('a Generator draws what the global stream draws after manualSeed, and leaves the global stream alone', () => {
    torch.manualSeed(11);
    const ref = toNumbers(torch.rand([5], { device }));
    const ref2 = toNumbers(torch.randn([3], { device }));
    torch.manualSeed(42);
    const g = new torch.Generator().manualSeed(11);
    expect(toNumbers(torch.rand([5], { device, generator: g }))).toEqual(ref);
    const state = g.getState();
    expect(toNumbers(torch.randn([3], { device, generator: g }))).toEqual(ref2);
    g.setState(state);
    expect(toNumbers(torch.randn([3], { device, generator: g }))).toEqual(ref2);
    // the global stream did not move
    const after = toNumbers(torch.rand([4], { device }));
    torch.manualSeed(42);
    expect(toNumbers(torch.rand([4], { device }))).toEqual(after);
    expect(g.initialSeed()).toBe(11);
    const s = g.seed();
    expect(g.initialSeed()).toBe(s);
    for (const f of [
      () => torch.randint(0, 5, [4], { generator: g, device }),
      () => torch.randperm(6, { generator: g, device }),
      () => torch.normal(0, 1, [4], { generator: g, device }),
      () => torch.randLike(on(torch.zeros([4])), { generator: g }),
      () => torch.randnLike(on(torch.zeros([4])), { generator: g }),
      () => torch.multinomial(on(torch.ones([5])), 3, { generator: g }),
      () => torch.bernoulli(on(torch.full([4], 0.5)), { generator: g }),
    ]) {
      g.manualSeed(123);
      const a = toNumbers(f());
      g.manualSeed(123);
      expect(toNumbers(f())).toEqual(a);
    }
  });
  if (device !== 'cpu')
    test('the same draws on the CPU and on CUDA', () => {
      for (const f of [
        (d: string) => torch.randint(0, 100, [1001], { device: d }),
        (d: string) => torch.randperm(777, { device: d }),
        (d: string) => torch.multinomial(torch.tensor([1, 2, 3, 4], { dtype: 'float64' }).to(d as 'cpu'), 50, { replacement: true }),
      ]) {
        torch.manualSeed(2);
        const c = toNumbers(f('cpu'));
        torch.manualSeed(2);
        expect(toNumbers(f(device))).toEqual(c);
      }
    });

  describe('argument errors', () => {
    test.each([
      ['randint high <= low', () => torch.randint(3, 3, [2]), 'high'],
      ['randint no shape', () => (torch.randint as (...a: unknown[]) => unknown)(5), 'shape'],
      ['randint unknown option', () => torch.randint(3, [2], { generatr: 1 } as never), 'opts.generatr'],
      ['randperm negative', () => torch.randperm(-1), 'n'],
      ['rand with a bad generator', () => torch.rand([2], { generator: {} as never }), 'opts.generator'],
      ['normal negative std', () => torch.normal(0, -1, [2]), 'std'],
      ['normal numbers without a shape', () => torch.normal(0, 1), 'shape'],
      ['bernoulli of integers', () => torch.bernoulli(torch.zeros([2], { dtype: 'int64' })), 'input'],
      ['bernoulli p out of range', () => torch.bernoulli(torch.zeros([2]), { p: 2 }), 'opts.p'],
      ['multinomial negative weights', () => torch.multinomial(torch.tensor([1, -1], { dtype: 'float32' }), 1), 'input'],
      ['multinomial too many without replacement', () => torch.multinomial(torch.tensor([1, 0, 1], { dtype: 'float32' }), 3), 'numSamples'],
      ['multinomial 3-D', () => torch.multinomial(torch.ones([1, 1, 2]), 1), 'input'],
      ['Generator.setState bad offset', () => new torch.Generator().setState({ seed: 1, offset: -1 }), 'state.offset'],
      ['Generator.manualSeed negative', () => new torch.Generator().manualSeed(-2), 'seed'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_t, fn, name) => {
      expectArgError(fn, name);
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(torch.TorchletError);
      }
    });
  });
});
