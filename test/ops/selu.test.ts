// test/ops/selu.test.ts — F.selu / nn.SELU on every device: against PyTorch (test/fixtures/act2.json,
// the selu cases: output and grad, float64 and float32), a float64 finite-difference gradcheck, and
// the seed's self-normalising network (Linear, SELU, AlphaDropout) running and training.
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';

const { nn } = torch;
const F = torch.nn.functional;
const cases = casesOf('act2', ['selu']);

describeOp('selu', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins) => F.selu(ins.x!), { title: 'fixture has selu cases' });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64 central differences, eps 1e-6)', () => {
      gradcheck(([x]) => F.selu(x), [randnT([4, 5], 17, 2)], { device });
    });
  });

  test('SELU network from the seed (SelfNormalizingNet) runs and trains', () => {
    torch.manualSeed(0);
    const net = new nn.Sequential(new nn.Linear(20, 32), new nn.SELU(), new nn.AlphaDropout(0.1), new nn.Linear(32, 3)).to(device);
    const x = on(torch.randn([64, 20]));
    const t = on(torch.tensor(Array.from({ length: 64 }, (_, i) => i % 3)));
    const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
    const first = torch.nn.functional.crossEntropy(net.forward(x) as torch.Tensor, t).item();
    for (let i = 0; i < 50; i++) {
      torch.tidy(() => {
        const loss = torch.nn.functional.crossEntropy(net.forward(x) as torch.Tensor, t);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    net.eval();
    expect(torch.nn.functional.crossEntropy(net.forward(x) as torch.Tensor, t).item()).toBeLessThan(first);
  });
});
