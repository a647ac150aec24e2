// test/ops/layer_norm.test.ts — F.layerNorm / nn.LayerNorm on every device: against PyTorch
// (test/fixtures/norm.json, the layerNorm cases: output and grads, float64 and float32), a float64
// finite-difference gradcheck, the module's repr and its normalizedShape error.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, checkDiffCase, randnT } from '../helpers';

const { F, nn } = torch;
const cases = casesOf('norm', ['layerNorm']);

describeOp('layer_norm', ({ device, on, dtypes }) => {
  describe('vs PyTorch', () => {
    test('fixture has layerNorm cases', () => expect(cases.length).toBeGreaterThanOrEqual(1));
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_name, c) => {
        const p = c.params as Record<string, unknown>;
        const ns = p.normalizedShape as number[];
        checkDiffCase(
          c,
          dtype,
          (ins) => F.layerNorm(ins.x!, ns, { weight: ins.weight && ins.weight.reshape(ns), bias: ins.bias && ins.bias.reshape(ns), eps: p.eps as number }),
          { device, op: 'layer_norm' },
        );
      });
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
