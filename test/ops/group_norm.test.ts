// test/ops/group_norm.test.ts — F.groupNorm / nn.GroupNorm on every device: against PyTorch
// (test/fixtures/norm.json, the groupNorm cases: output and grads, float64 and float32), a float64
// finite-difference gradcheck, the module's repr and the numGroups errors.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';

const { F, nn } = torch;
const cases = casesOf('norm', ['groupNorm']);

describeOp('group_norm', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins, { params: p }) => F.groupNorm(ins.x!, p.numGroups as number, { weight: ins.weight, bias: ins.bias, eps: p.eps as number }), {
    title: 'fixture has groupNorm cases',
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
