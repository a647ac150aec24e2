// test/ops/batch_norm.test.ts — F.batchNorm / nn.BatchNorm1d / BatchNorm2d on every device: against
// PyTorch (test/fixtures/norm.json from gen_norm_fixtures.py, the batchNorm cases: output, grads and
// running-statistics updates, training and eval, float64 and float32), the seed's BatchNorm computed
// by hand, module behaviour (train/eval, running stats, buffers and state-dict names, repr), float64
// finite-difference gradchecks, argument errors, and small networks with BatchNorm and GroupNorm
// that train (synthetic data, and Fashion-MNIST when the data set is installed).
import * as fs from 'fs';
import * as torch from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT } from '../helpers';

const { F, nn } = torch;
const cases = casesOf('norm', ['batchNorm']);
const FMNIST = '/usr/share/datasets/fashion-mnist';

describeOp('batch_norm', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(
    run,
    cases,
    (ins, { params: p }) =>
      F.batchNorm(ins.x!, ins.runningMean ?? null, ins.runningVar ?? null, {
        weight: ins.weight, bias: ins.bias, training: p.training as boolean, momentum: (p.momentum as number) ?? 0.1, eps: p.eps as number,
      }),
    { title: 'fixture has batchNorm cases', runningStats: true },
  );

  test('BatchNorm by hand: per channel (x - mean) / sqrt(biased var + eps)', () => {
    const x = on(torch.tensor([[1, 2], [3, 6], [5, 10]], { dtype: 'float32' }));
    const bn = new nn.BatchNorm1d(2).to(device);
    const y = bn.forward(x).tolist() as number[][];
    const col = (v: number[]) => {
      const m = v.reduce((a, b) => a + b) / v.length;
      const s = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
      return v.map((e) => (e - m) / Math.sqrt(s + 1e-5));
    };
    const c0 = col([1, 3, 5]);
    const c1 = col([2, 6, 10]);
    y.forEach((r, i) => {
      expect(r[0]).toBeCloseTo(c0[i], 5);
      expect(r[1]).toBeCloseTo(c1[i], 5);
    });
    // running stats: 0.9 * 0 + 0.1 * mean, 0.9 * 1 + 0.1 * unbiased var
    expect((bn.runningMean!.tolist() as number[])[0]).toBeCloseTo(0.3, 6);
    expect((bn.runningVar!.tolist() as number[])[1]).toBeCloseTo(0.9 + 0.1 * 16, 5);
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  test('BatchNorm2d: eval uses running stats; trackRunningStats false always uses the batch', () => {
    torch.manualSeed(1);
    const x = on(torch.randn([4, 3, 5, 5])).mul(3).add(2);
    const bn = new nn.BatchNorm2d(3).to(device);
    bn.forward(x);
    bn.eval();
    const e = bn.forward(x);
    expect(Math.abs(e.mean().item())).toBeGreaterThan(0.1); // running mean is only 10% of the way there
    const nt = new nn.BatchNorm2d(3, { trackRunningStats: false }).to(device).eval();
    expect(Math.abs(nt.forward(x).mean().item())).toBeLessThan(1e-5);
    expect(nt.runningMean).toBeNull();
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']); // PyTorch's state-dict names
    expect(bn.toString()).toBe('BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64): batchNorm training with affine, and eval with running stats', () => {
      gradcheck(([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [randnT([3, 2, 3, 2], 1), randnT([2], 2), randnT([2], 3)], { device });
      const rm = on(randnT([2], 4));
      const rv = on(randnT([2], 5).pow(2).add(0.5));
      gradcheck(([x, w]) => F.batchNorm(x, rm, rv, { weight: w, training: false }), [randnT([3, 2, 2], 6), randnT([2], 7)], { device });
    });
  });

  test('batch normalisation errors name the argument', () => {
    expect(() => new nn.BatchNorm2d(3).to(device).forward(on(torch.zeros([2, 4, 3, 3])))).toThrow(/input/);
    expect(() => new nn.BatchNorm1d(3).to(device).forward(on(torch.zeros([1, 3])))).toThrow(/more than 1 value/);
    expect(() => new nn.BatchNorm1d(0)).toThrow(/numFeatures/);
  });

  test('a small network with BatchNorm and GroupNorm trains (loss falls)', () => {
    torch.manualSeed(0);
    const net = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(),
      new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.GroupNorm(2, 8), new nn.ReLU(),
      new nn.Flatten(), new nn.Linear(8 * 8 * 8, 4),
    ).to(device);
    const x = on(torch.randn([32, 1, 8, 8]));
    const y = on(torch.tensor(Array.from({ length: 32 }, (_, i) => i % 4)));
    const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      losses.push(torch.tidy(() => {
        const loss = F.crossEntropy(net.forward(x) as torch.Tensor, y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      }));
    }
    expect(losses[29]).toBeLessThan(losses[0] * 0.5);
  });

  (fs.existsSync(`${FMNIST}/train-images-idx3-ubyte.gz`) ? test : test.skip)(
    'a small network with BatchNorm and GroupNorm trains on Fashion-MNIST (loss falls, accuracy rises)',
    () => {
      torch.manualSeed(0);
      const raw = new torch.data.FashionMNIST({ root: FMNIST, train: true });
      const ds = new torch.data.ImageDataset(raw.images.subarray(0, 2048 * 784), raw.labels.subarray(0, 2048), [28, 28], torch.data.normalize(0.5, 0.5));
      const net = new nn.Sequential(
        new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(16, 16, 3, { padding: 1 }), new nn.GroupNorm(4, 16), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Linear(16 * 7 * 7, 10),
      ).to(device);
      const opt = new torch.optim.Adam(net.parameters(), { lr: 3e-3 });
      const losses: number[] = [];
      for (let epoch = 0; epoch < 2; epoch++) {
        for (const [x, y] of new torch.data.DataLoader(ds, { batchSize: 128, shuffle: true, seed: epoch })) {
          losses.push(torch.tidy(() => {
            const loss = F.crossEntropy(net.forward(on(x)) as torch.Tensor, on(y));
            opt.zeroGrad();
            loss.backward();
            opt.step();
            return loss.item();
          }));
        }
      }
      const head = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
      const tail = losses.slice(-4).reduce((a, b) => a + b) / 4;
      expect(tail).toBeLessThan(head * 0.5);
      net.eval();
      const [x, y] = ds.getBatch(Array.from({ length: 512 }, (_, i) => i));
      const acc = torch.noGrad(() => (net.forward(on(x)) as torch.Tensor).argmax(1).eq(on(y)).sum().item() / 512);
      expect(acc).toBeGreaterThan(0.7);
    },
    60000,
  );
});
