// test/ops/pool1d.test.ts — F.maxPool1d, F.avgPool1d, F.adaptiveAvgPool1d, F.adaptiveMaxPool1d
// (lib/ops/pool1d.ts) and nn.MaxPool1d / AvgPool1d / AdaptiveAvgPool1d / AdaptiveMaxPool1d
// (lib/nn/pooling_nd.ts) on every device: against PyTorch 1.13 (test/fixtures/pool_nd.json from
// gen_pool_nd_fixtures.py: outputs, indices (exact) and input gradients in float64 and float32;
// stride, padding, dilation, ceil mode incl. the last-window rule, countIncludePad, non-divisible and
// enlarging adaptive sizes, unbatched inputs), float64 gradchecks (and gradgradchecks), the modules
// (PyTorch's reprs, forward), and bad arguments (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck, gradgradcheck } from '../gradcheck';
import { argErrorTests, casesOf, checkPoolCase, distinctT, expectClose, expectEqualInts, randnT, thrown, FixtureCase, T } from '../helpers';

const F = torch.F;
const nn = torch.nn;
const OPS = ['maxPool1d', 'avgPool1d', 'adaptiveAvgPool1d', 'adaptiveMaxPool1d'];
const cases = casesOf('pool_nd', OPS);
const reprCases = casesOf('pool_nd', ['repr']).filter(([, c]) => /1d$/.test(c.params.cls) && !c.params.cls.startsWith('LP') && !c.params.cls.startsWith('Instance'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => any;
/** A value the signatures refuse (the run-time checks under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const anyOf = (v: unknown): any => v;

/** The torchlet call of a case: [values, indices or null]. */
function run1d(c: FixtureCase, x: Tensor): [Tensor, Tensor | null] {
  const { kernelSize, outputSize, ...o } = c.params;
  const r = (() => {
    switch (c.op) {
      case 'maxPool1d':
        return F.maxPool1d(x, kernelSize, o);
      case 'avgPool1d':
        return F.avgPool1d(x, kernelSize, o);
      case 'adaptiveAvgPool1d':
        return F.adaptiveAvgPool1d(x, outputSize);
      case 'adaptiveMaxPool1d':
        return F.adaptiveMaxPool1d(x, outputSize, o);
      default:
        throw new Error(`unknown op ${c.op}`);
    }
  })() as Tensor | [Tensor, Tensor];
  return Array.isArray(r) ? r : [r, null];
}

describeOp('pool1d', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases of every op, with the edge cases', () => {
      for (const op of OPS) expect(cases.filter(([, c]) => c.op === op).length).toBeGreaterThanOrEqual(6);
      const names = cases.map(([n]) => n);
      for (const n of ['max_pool1d_k2_s2_p1_ceil_last_window_rule', 'max_pool1d_k3_s2_p1_d2', 'avg_pool1d_k2_s2_p1_ceil_nopad',
        'adaptive_avg_pool1d_7_to_4', 'adaptive_max_pool1d_3_to_5', 'max_pool1d_unbatched_k2_s1'])
        expect(names).toContain(n);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) =>
        checkPoolCase(c, dtype, (x) => {
          const [y, idx] = run1d(c, x);
          if (c.outputs?.indices) {
            expect(idx).not.toBeNull();
            expect(idx!.dtype).toBe('int64');
            expectEqualInts(idx!, c.outputs.indices as T, `${c.name} indices`);
          } else expect(idx).toBeNull();
          return y;
        }, { device }));
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 finite differences)', () => {
      test('maxPool1d k3 s2 p1 d2 ceil', () =>
        gradcheck(([x]) => F.maxPool1d(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }), [distinctT([2, 2, 10], 1)], { device }));
      test('avgPool1d k3 s2 p1 countIncludePad false, ceil', () =>
        gradcheck(([x]) => F.avgPool1d(x, 3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), [randnT([2, 2, 8], 2)], { device }));
      test('adaptiveAvgPool1d 7 -> 3 and adaptiveMaxPool1d 7 -> 4 (unbatched)', () => {
        gradcheck(([x]) => F.adaptiveAvgPool1d(x, 3), [randnT([2, 3, 7], 3)], { device });
        gradcheck(([x]) => F.adaptiveMaxPool1d(x, 4), [distinctT([3, 7], 4)], { device });
      });
      test('double backward of maxPool1d and avgPool1d', () => {
        gradgradcheck(([x]) => F.maxPool1d(x, 2, { stride: 1 }), [distinctT([1, 2, 6], 5)], { device, allowZero: true });
        gradgradcheck(([x]) => F.avgPool1d(x, 3, { stride: 2, padding: 1 }), [randnT([1, 2, 7], 6)], { device, allowZero: true });
      });
    });
  });

  test('shapes: defaults (stride = kernel), unbatched inputs, [n] sizes; one tensor without returnIndices', () => {
    const x = on(randnT([2, 3, 10], 7));
    expect(F.maxPool1d(x, 3).shape).toEqual([2, 3, 3]);
    expect(F.maxPool1d(x, [3], { stride: [1] }).shape).toEqual([2, 3, 8]);
    expect(F.avgPool1d(x, 4, { ceilMode: true }).shape).toEqual([2, 3, 3]);
    expect(F.adaptiveAvgPool1d(x, [4]).shape).toEqual([2, 3, 4]);
    const u = on(randnT([3, 10], 8));
    expect(F.maxPool1d(u, 2).shape).toEqual([3, 5]);
    const [v, i] = F.adaptiveMaxPool1d(u, 3, { returnIndices: true });
    expect(v.shape).toEqual([3, 3]);
    expect(i.shape).toEqual([3, 3]);
    expect(Array.isArray(F.adaptiveMaxPool1d(u, 3))).toBe(false);
    expect(F.maxPool1d(u, 2).device).toBe(u.device);
  });

  test('a max-pool index reads its value back along L', () => {
    const x = on(distinctT([2, 3, 11], 9));
    const [y, idx] = F.maxPool1d(x, 3, { stride: 2, padding: 1, returnIndices: true });
    expectClose(torch.gather(x, 2, idx), y, { atol: 0 });
  });

  describe('modules', () => {
    test.each(reprCases)('%s', (_n, c) => {
      const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[c.params.cls];
      const opts = Object.keys(c.params.opts).length ? [c.params.opts] : [];
      const m = new Cls(...(c.params.args as unknown[]), ...opts);
      expect(m.toString()).toBe(c.expected!.repr);
    });
    test('forward as the functions; returnIndices on the module; no parameters', () => {
      const x = on(randnT([2, 3, 9], 10));
      const mp = new nn.MaxPool1d(3, { stride: 2, padding: 1 });
      expectClose(mp.forward(x) as Tensor, F.maxPool1d(x, 3, { stride: 2, padding: 1 }), { atol: 0 });
      const [y, idx] = new nn.MaxPool1d(2, { returnIndices: true }).forward(x) as [Tensor, Tensor];
      expect(y.shape).toEqual([2, 3, 4]);
      expect(idx.dtype).toBe('int64');
      expectClose(new nn.AvgPool1d(3, { countIncludePad: false, padding: 1 }).forward(x), F.avgPool1d(x, 3, { countIncludePad: false, padding: 1 }), { atol: 0 });
      expectClose(new nn.AdaptiveAvgPool1d(4).forward(x), F.adaptiveAvgPool1d(x, 4), { atol: 0 });
      expect((new nn.AdaptiveMaxPool1d(4, { returnIndices: true }).forward(x) as Tensor[]).length).toBe(2);
      expect([...new nn.MaxPool1d(2).parameters()]).toHaveLength(0);
      expect(new nn.AvgPool1d(3).kernelSize).toEqual([3]);
    });
  });

  describe('bad arguments', () => {
    const x = () => on(torch.zeros([2, 3, 8], { dtype: 'float64' }));
    argErrorTests([
      ['maxPool1d: a 4-D input', () => F.maxPool1d(on(torch.zeros([1, 2, 3, 8])), 2), 'input'],
      ['maxPool1d: an integer input', () => F.maxPool1d(on(torch.zeros([2, 8], { dtype: 'int64' })), 2), 'input'],
      ['maxPool1d: kernel 0', () => F.maxPool1d(x(), 0), 'kernelSize'],
      ['maxPool1d: kernel [2, 2]', () => F.maxPool1d(x(), [2, 2]), 'kernelSize'],
      ['maxPool1d: padding above half the kernel', () => F.maxPool1d(x(), 2, { padding: 2 }), 'padding'],
      ['maxPool1d: stride 0', () => F.maxPool1d(x(), 2, { stride: 0 }), 'stride'],
      ['maxPool1d: dilation 0', () => F.maxPool1d(x(), 2, { dilation: 0 }), 'dilation'],
      ['maxPool1d: a kernel longer than the input', () => F.maxPool1d(x(), 9), 'input'],
      ['maxPool1d: unknown option', () => F.maxPool1d(x(), 2, anyOf({ ceil_mode: true })), /ceilMode|ceil_mode/],
      ['maxPool1d: ceilMode not a boolean', () => F.maxPool1d(x(), 2, anyOf({ ceilMode: 1 })), 'opts.ceilMode'],
      ['avgPool1d: divisorOverride is not an avg_pool1d option', () => loose(F.avgPool1d)(x(), 2, { divisorOverride: 2 }), /divisorOverride/],
      ['avgPool1d: dilation is not an option', () => loose(F.avgPool1d)(x(), 2, { dilation: 2 }), /dilation/],
      ['avgPool1d: countIncludePad not a boolean', () => F.avgPool1d(x(), 2, anyOf({ countIncludePad: 'yes' })), 'opts.countIncludePad'],
      ['adaptiveAvgPool1d: output size 0', () => F.adaptiveAvgPool1d(x(), 0), 'outputSize'],
      ['adaptiveAvgPool1d: output size [2, 2]', () => F.adaptiveAvgPool1d(x(), [2, 2]), 'outputSize'],
      ['adaptiveAvgPool1d: output size 1.5', () => F.adaptiveAvgPool1d(x(), 1.5), 'outputSize'],
      ['adaptiveMaxPool1d: empty length', () => F.adaptiveMaxPool1d(on(torch.zeros([2, 3, 0])), 2), 'input'],
      ['adaptiveMaxPool1d: unknown option', () => F.adaptiveMaxPool1d(x(), 2, anyOf({ indices: true })), /indices/],
      ['nn.MaxPool1d: padding above half the kernel', () => new nn.MaxPool1d(3, { padding: 2 }), 'padding'],
      ['nn.AvgPool1d: kernel -1', () => new nn.AvgPool1d(-1), 'kernelSize'],
      ['nn.AdaptiveMaxPool1d: output size null', () => new nn.AdaptiveMaxPool1d(anyOf(null)), 'outputSize'],
      ['nn.MaxPool1d: unknown option', () => new nn.MaxPool1d(2, anyOf({ strides: 2 })), /strides/],
    ]);
    test('errors are coded TorchletErrors', () => {
      expect(thrown(() => F.maxPool1d(x(), 0)).code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(thrown(() => F.maxPool1d(on(torch.zeros([1, 2, 3, 8])), 2)).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => F.maxPool1d(on(torch.zeros([2, 8], { dtype: 'int64' })), 2)).code).toBe('ERR_TORCHLET_DTYPE');
    });
  });

  vsCpu('agrees with the CPU', () => {
    test('maxPool1d, avgPool1d, adaptive pools: values, indices and gradients', () => {
      const x0 = randnT([2, 3, 13], 11);
      for (const f of [
        (x: Tensor) => F.maxPool1d(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }),
        (x: Tensor) => F.avgPool1d(x, 4, { stride: 3, padding: 2, ceilMode: true, countIncludePad: false }),
        (x: Tensor) => F.adaptiveAvgPool1d(x, 5),
        (x: Tensor) => F.adaptiveMaxPool1d(x, 6),
      ]) {
        const xc = x0.clone().requiresGrad_();
        const xd = on(x0).requiresGrad_();
        const yc = f(xc);
        const yd = f(xd);
        expectClose(yd, yc, { atol: 1e-12 });
        const g = randnT(yc.shape, 12);
        yc.backward(g);
        yd.backward(on(g));
        expectClose(xd.grad!, xc.grad!, { atol: 1e-12 });
      }
      const [, ic] = F.maxPool1d(x0, 3, { stride: 2, returnIndices: true });
      const [, id] = F.maxPool1d(on(x0), 3, { stride: 2, returnIndices: true });
      expectEqualInts(id, Array.from(ic.toArray() as BigInt64Array, Number));
    });
  });
});
