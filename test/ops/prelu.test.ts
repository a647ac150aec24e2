// test/ops/prelu.test.ts — F.prelu / nn.PReLU on every device: against PyTorch
// (test/fixtures/act2.json, the prelu cases: output and grads of input and weight, float64 and
// float32), float64 finite-difference gradchecks (one and per-channel slopes), and the module
// (PyTorch defaults, repr, a weight that does not fit the input).
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';

const { nn } = torch;
const F = torch.nn.functional;
const cases = casesOf('act2', ['prelu']);

describeOp('prelu', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins) => F.prelu(ins.x!, ins.weight!), { title: 'fixture has prelu cases' });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences): single and per-channel slopes', () => {
      gradcheck(([x, w]) => F.prelu(x, w), [randnT([2, 3, 4], 18), randnT([3], 19)], { device });
      gradcheck(([x, w]) => F.prelu(x, w), [randnT([5, 2], 20), randnT([1], 21)], { device });
    });
  });

  test('PReLU module: one or per-channel slopes, PyTorch defaults', () => {
    const p = new nn.PReLU().to(device);
    expect(p.weight.tolist()).toEqual([0.25]);
    expect(p.forward(on(torch.tensor([-4, 2], { dtype: 'float32' }))).tolist()).toEqual([-1, 2]);
    const pc = new nn.PReLU({ numParameters: 3, init: 0.1 }).to(device);
    expect(pc.toString()).toBe('PReLU(num_parameters=3)');
    expect(() => pc.forward(on(torch.zeros([2, 4, 5])))).toThrow(/weight/);
  });
});
