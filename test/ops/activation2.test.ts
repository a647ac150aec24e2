// test/ops/activation2.test.ts — SELU and PReLU against PyTorch (test/fixtures/act2.json), and
// the dropout variants (Dropout2d/3d zero whole channels, AlphaDropout keeps mean 0 / variance 1,
// all identity in eval mode, seeded), with argument errors.
import * as torch from '../../lib';
import { casesOf, checkDiffCase } from '../helpers';
const { nn } = torch;
const F = torch.nn.functional;

describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
  test.each(casesOf('act2'))('%s', (_name, c) => {
    checkDiffCase(c, dtype, (ins) => (c.op === 'selu' ? F.selu(ins.x!) : F.prelu(ins.x!, ins.weight!)));
  });
});

test('PReLU module: one or per-channel slopes, PyTorch defaults', () => {
  const p = new nn.PReLU();
  expect(p.weight.tolist()).toEqual([0.25]);
  expect(p.forward(torch.tensor([-4, 2], { dtype: 'float32' })).tolist()).toEqual([-1, 2]);
  const pc = new nn.PReLU({ numParameters: 3, init: 0.1 });
  expect(pc.toString()).toBe('PReLU(num_parameters=3)');
  expect(() => pc.forward(torch.zeros([2, 4, 5]))).toThrow(/weight/);
});

test('Dropout2d zeroes whole channels and scales the rest', () => {
  torch.manualSeed(3);
  const d = new nn.Dropout2d(0.5);
  const y = d.forward(torch.ones([8, 16, 4, 4]));
  const v = y.toArray() as Float32Array;
  let zeroCh = 0;
  for (let c = 0; c < 8 * 16; c++) {
    const ch = Array.from(v.subarray(c * 16, c * 16 + 16));
    expect(ch.every((e) => e === ch[0])).toBe(true);
    expect([0, 2]).toContain(ch[0]);
    if (ch[0] === 0) zeroCh++;
  }
  expect(zeroCh).toBeGreaterThan(40);
  expect(zeroCh).toBeLessThan(88);
  d.eval();
  expect((d.forward(torch.ones([2, 3, 2, 2])).toArray() as Float32Array).every((e) => e === 1)).toBe(true);
  const d3 = new nn.Dropout3d(0.5);
  const y3 = d3.forward(torch.ones([2, 4, 2, 2, 2])).reshape([8, 8]).tolist() as number[][];
  y3.forEach((r) => expect(new Set(r).size).toBe(1));
  expect(() => d3.forward(torch.ones([2, 4, 2]))).toThrow(/input/);
});

test('AlphaDropout keeps standardised inputs at mean 0, variance 1', () => {
  torch.manualSeed(5);
  const x = torch.randn([200000]);
  const y = new nn.AlphaDropout(0.2).forward(x);
  expect(Math.abs(y.mean().item())).toBeLessThan(0.01);
  const v = y.sub(y.mean()).pow(2).mean().item();
  expect(Math.abs(v - 1)).toBeLessThan(0.02);
  expect(() => new nn.AlphaDropout(-0.1)).toThrow(/p/);
});

test('SELU network from the seed (SelfNormalizingNet) runs and trains', () => {
  torch.manualSeed(0);
  const net = new nn.Sequential(new nn.Linear(20, 32), new nn.SELU(), new nn.AlphaDropout(0.1), new nn.Linear(32, 3));
  const x = torch.randn([64, 20]);
  const t = torch.tensor(Array.from({ length: 64 }, (_, i) => i % 3));
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

test('ModuleList registers its modules', () => {
  const l = new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]);
  l.append(new nn.Linear(2, 1));
  expect(l.length).toBe(3);
  expect(l.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  expect(() => l.forward()).toThrow(/ModuleList/);
});
