// test/ops/group_norm.test.ts — F.groupNorm / nn.GroupNorm on every device: against PyTorch
// (test/fixtures/norm.json, the groupNorm cases: output and grads, float64 and float32), a float64
// finite-difference gradcheck, the module's repr and the numGroups errors.
// The native row-norm kernel against the composed reference (test/ops/norm_reference.ts) on awkward
// shapes (1x1 spatial, odd sizes, one group, a group per channel), float64 and float32.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';
import type { Tensor } from '../../lib';
import * as ref from './norm_reference';

const { F, nn } = torch;
const cases = casesOf('norm', ['groupNorm']);

describeOp('group_norm', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins, { params: p }) => F.groupNorm(ins.x!, p.numGroups as number, { weight: ins.weight, bias: ins.bias, eps: p.eps as number }), {
    title: 'fixture has groupNorm cases',
  });

  dtypes(['float64', 'float32'] as const, (dtype) => {
    const TOL = { float64: { atol: 1e-10, rtol: 1e-9 }, float32: { atol: 2e-4, rtol: 2e-4 } };
    const rows: [number[], number][] = [[[2, 6, 4, 4], 3], [[3, 6, 1, 1], 3], [[2, 9, 5, 7], 3], [[1, 4, 3], 4], [[2, 6], 2], [[3, 4, 5], 1], [[2, 8, 33, 33], 2]];
    test.each(rows.map(([s, G], i) => [`${s.join('x')} G=${G}`, s, G, i]))('%s: = composed reference', (_n, shape, G, i) => {
      const sh = shape as number[];
      const k = i as number;
      const ins = [on(randnT(sh, 50 + k, 2).add(5).to(dtype)), on(randnT([sh[1]], 60 + k).to(dtype)), on(randnT([sh[1]], 70 + k).to(dtype))];
      const f = (gn: typeof F.groupNorm) => (xs: Tensor[]) => gn(xs[0], G as number, { weight: xs[1], bias: xs[2] });
      ref.expectLikeReference(`${dtype} ${sh}`, ins, f(F.groupNorm), f(ref.groupNorm), TOL[dtype]);
      ref.expectLikeReference(`${dtype} ${sh} no affine`, ins.slice(0, 1), (xs) => F.groupNorm(xs[0], G as number), (xs) => ref.groupNorm(xs[0], G as number), TOL[dtype]);
    });
    test('non-contiguous input', () => {
      const ins = [on(randnT([3, 5, 4, 6], 80).to(dtype)), on(randnT([4], 81).to(dtype)), on(randnT([4], 82).to(dtype))];
      const f = (gn: typeof F.groupNorm) => (xs: Tensor[]) => gn(xs[0].permute([0, 2, 1, 3]), 2, { weight: xs[1], bias: xs[2] });
      ref.expectLikeReference(`${dtype} permuted`, ins, f(F.groupNorm), f(ref.groupNorm), TOL[dtype]);
    });
  });

  test('coded errors: eps, weight size and dtype', () => {
    const x = on(torch.zeros([2, 4, 3]));
    expect(() => F.groupNorm(x, 2, { eps: -1 })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
    expect(() => F.groupNorm(x, 2, { weight: on(torch.ones([3])) })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_SHAPE' }));
    expect(() => F.groupNorm(x, 2, { weight: on(torch.ones([4], { dtype: 'float64' })) })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DTYPE' }));
    expect(() => F.layerNorm(x, [3], { eps: 0 })).toThrow(/eps/);
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences)', () => {
      gradcheck(([x, w, b]) => F.groupNorm(x, 2, { weight: w, bias: b }), [randnT([2, 4, 3], 11), randnT([4], 12), randnT([4], 13)], { device });
    });
  });

  test('GroupNorm repr, and errors name the argument', () => {
    expect(new nn.GroupNorm(2, 6).toString()).toBe('GroupNorm(2, 6, eps=1e-05, affine=True)');
    expect(() => new nn.GroupNorm(4, 6)).toThrow(/numGroups/);
    expect(() => F.groupNorm(on(torch.zeros([2, 6, 2])), 4)).toThrow(/numGroups/);
  });
});
