// test/ops/layer_norm.test.ts — F.layerNorm / nn.LayerNorm on every device: against PyTorch
// (test/fixtures/norm.json, the layerNorm cases: output and grads, float64 and float32), a float64
// finite-difference gradcheck, the module's repr and its normalizedShape error.
// The native row-norm kernel against the composed reference (test/ops/norm_reference.ts) on awkward
// shapes, with and without affine parameters, contiguous or not, float64 and float32.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';
import type { Tensor } from '../../lib';
import * as ref from './norm_reference';

const { F, nn } = torch;
const cases = casesOf('norm', ['layerNorm']);

describeOp('layer_norm', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(
    run,
    cases,
    (ins, { params: p }) => {
      const ns = p.normalizedShape as number[];
      return F.layerNorm(ins.x!, ns, { weight: ins.weight && ins.weight.reshape(ns), bias: ins.bias && ins.bias.reshape(ns), eps: p.eps as number });
    },
    { title: 'fixture has layerNorm cases' },
  );

  dtypes(['float64', 'float32'] as const, (dtype) => {
    const TOL = { float64: { atol: 1e-10, rtol: 1e-9 }, float32: { atol: 2e-4, rtol: 2e-4 } };
    const rows: [number[], number[]][] = [[[3, 4, 5], [5]], [[1, 7], [7]], [[5, 3, 1], [3, 1]], [[2, 3, 37], [37]], [[4, 20000], [20000]], [[2, 2], [2]], [[3, 6, 4], [6, 4]]];
    test.each(rows.map(([s, ns], i) => [`${s.join('x')} over ${ns.join('x')}`, s, ns, i]))('%s: = composed reference', (_n, shape, ns, i) => {
      const sh = shape as number[];
      const n = ns as number[];
      const k = i as number;
      const ins = [on(randnT(sh, 50 + k, 2).add(5).to(dtype)), on(randnT(n, 60 + k).to(dtype)), on(randnT(n, 70 + k).to(dtype))];
      const f = (ln: typeof F.layerNorm) => (xs: Tensor[]) => ln(xs[0], n, { weight: xs[1], bias: xs[2] });
      ref.expectLikeReference(`${dtype} ${sh}`, ins, f(F.layerNorm), f(ref.layerNorm), TOL[dtype]);
      ref.expectLikeReference(`${dtype} ${sh} no affine`, ins.slice(0, 1), (xs) => F.layerNorm(xs[0], n), (xs) => ref.layerNorm(xs[0], n), TOL[dtype]);
      // a weight without a bias and a bias without a weight (the kernel's other element loops)
      const fw = (ln: typeof F.layerNorm) => (xs: Tensor[]) => ln(xs[0], n, { weight: xs[1] });
      ref.expectLikeReference(`${dtype} ${sh} weight only`, ins.slice(0, 2), fw(F.layerNorm), fw(ref.layerNorm), TOL[dtype]);
      const fb = (ln: typeof F.layerNorm) => (xs: Tensor[]) => ln(xs[0], n, { bias: xs[1] });
      ref.expectLikeReference(`${dtype} ${sh} bias only`, [ins[0], ins[2]], fb(F.layerNorm), fb(ref.layerNorm), TOL[dtype]);
    });
    test('non-contiguous input and weight', () => {
      const ins = [on(randnT([4, 6, 3], 80).to(dtype)), on(randnT([6], 81).to(dtype)), on(randnT([3], 82).to(dtype))];
      const f = (ln: typeof F.layerNorm) => (xs: Tensor[]) => ln(xs[0].permute([0, 2, 1]), [6], { weight: xs[1], bias: xs[2].expand([2, 3]).reshape([6]) });
      ref.expectLikeReference(`${dtype} permuted`, ins, f(F.layerNorm), f(ref.layerNorm), TOL[dtype]);
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences)', () => {
      gradcheck(([x, w, b]) => F.layerNorm(x, [3, 2], { weight: w, bias: b }), [randnT([2, 3, 2], 8), randnT([3, 2], 9), randnT([3, 2], 10)], { device });
    });
  });

  test('LayerNorm repr, and errors name the argument', () => {
    expect(new nn.LayerNorm(10).toString()).toBe('LayerNorm((10,), eps=1e-05, elementwise_affine=True)');
    expect(() => new nn.LayerNorm([4, 5]).to(device).forward(on(torch.zeros([2, 5, 4])))).toThrow(/normalizedShape/);
  });
});
