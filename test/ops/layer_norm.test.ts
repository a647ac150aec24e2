// test/ops/layer_norm.test.ts — F.layerNorm / nn.LayerNorm on every device: against PyTorch
// (test/fixtures/norm.json, the layerNorm cases: output and grads, float64 and float32), a float64
// finite-difference gradcheck, the module's repr and its normalizedShape error.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';

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
