// test/ops/batch_norm.test.ts — F.batchNorm / nn.BatchNorm1d / BatchNorm2d on every device: against
// PyTorch (test/fixtures/norm.json from gen_norm_fixtures.py, the batchNorm cases: output, grads and
// running-statistics updates, training and eval, float64 and float32), the seed's BatchNorm computed
// by hand, module behaviour (train/eval, running stats, buffers and state-dict names, repr), float64
// finite-difference gradchecks, argument errors, and small networks with BatchNorm and GroupNorm
// that train (synthetic data, and Fashion-MNIST when the data set is installed). The native kernels
// against the composed reference (test/ops/norm_reference.ts) on awkward shapes (odd sizes, 1x1
// spatial, batch 1, N*L = 2, non-contiguous input), float64 and float32; relu(batchNorm(x)), whose
// backward is fused (BatchNormReluBackward), equal to the unfused pair (also with a second consumer
// of the batch-norm output) and F.batchNormRelu; coded argument errors.
import * as fs from 'fs';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT, expectArgError, expectClose, ArgErrorRow } from '../helpers';
import * as ref from './norm_reference';

const { F, nn } = torch;
const cases = casesOf('norm', ['batchNorm']);
const reluCases = casesOf('norm', ['batchNormRelu']);
// (the CPU kernels' paths: planes under 64 elements run along the C * L columns; larger planes down
// the samples of blocks of at least 8 samples ([9, 2, 9, 9]), or, with fewer samples per block, as
// rows of 2048 columns plus a tail ([2, 2, 130, 130], [3, 2, 70, 70]))
const SHAPES = [[4, 3, 5, 5], [6, 4], [5, 3, 7], [2, 3, 1, 1], [1, 4, 3], [2, 1], [3, 5, 7, 9], [2, 3, 2, 3, 4], [64, 3, 40], [9, 2, 9, 9], [2, 2, 130, 130], [3, 2, 70, 70], [4, 64, 32, 32], [4, 512, 4, 4], [4, 256, 8, 8]];
const TOL = { float64: { atol: 1e-10, rtol: 1e-9 }, float32: { atol: 2e-4, rtol: 2e-4 } };
const sameBits = (a: Tensor | null, b: Tensor | null, what: string) => {
  expect(a && b).toBeTruthy();
  const x = Array.from(a!.toArray() as Float64Array);
  const y = Array.from(b!.toArray() as Float64Array);
  expect({ what, v: x }).toEqual({ what, v: y });
};
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

  fixtureCases(
    run,
    reluCases,
    (ins, { params: p }) =>
      F.relu(F.batchNorm(ins.x!, ins.runningMean ?? null, ins.runningVar ?? null, {
        weight: ins.weight, bias: ins.bias, training: p.training as boolean, momentum: p.momentum as number, eps: p.eps as number,
      })),
    { title: 'fixture has batchNormRelu cases (relu(batchNorm(x)), the fused backward)', runningStats: true },
  );
  fixtureCases(
    run,
    reluCases,
    (ins, { params: p }) =>
      F.batchNormRelu(ins.x!, ins.runningMean ?? null, ins.runningVar ?? null, {
        weight: ins.weight, bias: ins.bias, training: p.training as boolean, momentum: p.momentum as number, eps: p.eps as number,
      }),
    { title: 'fixture has batchNormRelu cases (F.batchNormRelu, fused forward and backward)', runningStats: true },
  );

  dtypes(['float64', 'float32'] as const, (dtype) => {
    const C = (shape: number[]) => shape[1];
    const inputs = (shape: number[], seed: number) => [
      on(randnT(shape, seed, 2).add(3).to(dtype)), on(randnT([C(shape)], seed + 1).to(dtype)), on(randnT([C(shape)], seed + 2).to(dtype)),
    ];
    const running = (shape: number[], seed: number) => ({
      make: () => [on(randnT([C(shape)], seed + 3, 0.1).to(dtype)), on(randnT([C(shape)], seed + 4).pow(2).add(0.5).to(dtype))],
    });
    test.each(SHAPES.map((s, i) => [s.join('x'), s, i]))('training %s: output, grads, running stats = composed reference', (_n, shape, i) => {
      const sh = shape as number[];
      const opts = (xs: Tensor[]) => ({ weight: xs[1], bias: xs[2], training: true, momentum: 0.3 });
      ref.expectLikeReference(`${dtype} ${sh}`, inputs(sh, 10 * (i as number)),
        (xs) => F.batchNorm(xs[0], xs[3], xs[4], opts(xs)), (xs) => ref.batchNorm(xs[0], xs[3], xs[4], opts(xs)),
        TOL[dtype], running(sh, 10 * (i as number)));
    });
    test.each(SHAPES.map((s, i) => [s.join('x'), s, i]))('eval %s and no affine: = composed reference', (_n, shape, i) => {
      const sh = shape as number[];
      const [rm, rv] = running(sh, 7 * (i as number)).make();
      ref.expectLikeReference(`${dtype} ${sh} eval`, inputs(sh, 7 * (i as number)),
        (xs) => F.batchNorm(xs[0], rm, rv, { weight: xs[1], bias: xs[2], eps: 1e-3 }), (xs) => ref.batchNorm(xs[0], rm, rv, { weight: xs[1], bias: xs[2], eps: 1e-3 }), TOL[dtype]);
      if (sh[0] * sh.slice(2).reduce((a, b) => a * b, 1) > 1)
        ref.expectLikeReference(`${dtype} ${sh} no affine`, inputs(sh, 7 * (i as number)).slice(0, 1),
          (xs) => F.batchNorm(xs[0], null, null, { training: true }), (xs) => ref.batchNorm(xs[0], null, null, { training: true }), TOL[dtype]);
    });
    test('a non-contiguous input (permuted) and non-contiguous affine parameters', () => {
      const [x, w, b] = inputs([5, 3, 4, 6], 77);
      const f = (bn: typeof F.batchNorm) => (xs: Tensor[]) =>
        bn(xs[0].permute([0, 1, 3, 2]), xs[3], xs[4], { weight: xs[1].reshape([3, 2]).permute([1, 0]).reshape([6]).narrow(0, 0, 3), bias: xs[2], training: true });
      const w6 = on(randnT([6], 78).to(dtype));
      ref.expectLikeReference(`${dtype} permuted`, [x, w6, b], f(F.batchNorm), f(ref.batchNorm), TOL[dtype], running([5, 3], 79));
      void w;
    });
    test('a large mean offset: one-pass statistics stay accurate', () => {
      const x = on(randnT([8, 2, 33], 5).add(1e4).to(dtype));
      const y = F.batchNorm(x, null, null, { training: true });
      const m = y.mean([0, 2]).toArray() as Float64Array;
      const v = y.pow(2).mean([0, 2]).toArray() as Float64Array;
      m.forEach((e) => expect(Math.abs(e)).toBeLessThan(dtype === 'float64' ? 1e-9 : 2e-3));
      v.forEach((e) => expect(Math.abs(e - 1)).toBeLessThan(dtype === 'float64' ? 1e-4 : 3e-3));
    });

    describe('relu(batchNorm(x)): one fused backward node, the values and gradients of the unfused pair', () => {
      const pair = (shape: number[], training: boolean, fused: boolean, second: boolean) => {
        const [x, w, b] = inputs(shape, 91).map((t) => t.clone().requiresGrad_());
        const [rm, rv] = running(shape, 91).make();
        const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training });
        const z = fused ? F.relu(y) : F.relu(y.mul(1)); // mul(.., 1): exact, and hides the batch norm from relu
        expect(z.gradFn!.op).toBe(fused ? 'BatchNormReluBackward' : 'ReluBackward');
        let loss = z.mul(on(randnT(shape, 92).to(dtype))).sum();
        if (second) loss = loss.add(y.mul(on(randnT(shape, 93).to(dtype))).sum()); // another consumer of y
        loss.backward();
        return { z, x, w, b, rm, rv };
      };
      test.each([[[4, 3, 5, 5], true], [[6, 4], true], [[2, 3, 1, 1], false], [[3, 5, 7], false], [[9, 2, 9, 9], true], [[3, 2, 70, 70], true]])('%j training=%p', (shape, training) => {
        for (const second of [false, true]) {
          const f = pair(shape as number[], training as boolean, true, second);
          const u = pair(shape as number[], training as boolean, false, second);
          sameBits(f.z, u.z, 'output');
          sameBits(f.rm, u.rm, 'runningMean');
          sameBits(f.rv, u.rv, 'runningVar');
          // alone, the fused node computes what the pair computes, bit for bit; with a second consumer
          // the gradients of the two paths are summed after the batch-norm backward instead of before
          const check = second ? (a: Tensor | null, b: Tensor | null, what: string) => expectClose(a!, b!, { ...TOL[dtype], label: what }) : sameBits;
          check(f.x.grad, u.x.grad, `grad x (second consumer: ${second})`);
          check(f.w.grad, u.w.grad, `grad weight (second consumer: ${second})`);
          check(f.b.grad, u.b.grad, `grad bias (second consumer: ${second})`);
        }
      });
      test('Tensor.relu(), nn.ReLU and F.batchNormRelu take the fused path too', () => {
        const [x, w, b] = inputs([3, 2, 4], 95);
        const bn = (t: Tensor) => F.batchNorm(t, null, null, { weight: w, bias: b, training: true });
        const xr = x.clone().requiresGrad_();
        expect(bn(xr).relu().gradFn!.op).toBe('BatchNormReluBackward');
        expect(new nn.ReLU().forward(bn(xr)).gradFn!.op).toBe('BatchNormReluBackward');
        const direct = F.batchNormRelu(xr, null, null, { weight: w, bias: b, training: true });
        expect(direct.gradFn!.op).toBe('BatchNormReluBackward');
        sameBits(direct, F.relu(bn(xr).mul(1)), 'F.batchNormRelu output');
        const g = on(randnT([3, 2, 4], 96).to(dtype));
        const x1 = x.clone().requiresGrad_();
        F.batchNormRelu(x1, null, null, { weight: w, bias: b, training: true }).backward(g);
        const x2 = x.clone().requiresGrad_();
        F.relu(bn(x2).mul(1)).backward(g);
        sameBits(x1.grad, x2.grad, 'F.batchNormRelu grad');
      });
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck (float64): relu(batchNorm) fused, awkward shapes, running stats updated in eval never', () => {
      gradcheck(([x, w, b]) => F.relu(F.batchNorm(x, null, null, { weight: w, bias: b, training: true })), [randnT([3, 2, 5], 31), randnT([2], 32), randnT([2], 33)], { device });
      gradcheck(([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [randnT([2, 3, 1, 1], 34), randnT([3], 35), randnT([3], 36)], { device });
      gradcheck(([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [randnT([1, 2, 3], 37), randnT([2], 38), randnT([2], 39)], { device });
      gradcheck(([x]) => F.batchNorm(x.permute([0, 2, 1]), null, null, { training: true }), [randnT([3, 4, 2], 40)], { device });
      const rm = on(randnT([2], 41));
      const rv = on(randnT([2], 42).pow(2).add(0.5));
      gradcheck(([x, w, b]) => F.relu(F.batchNorm(x, rm, rv, { weight: w, bias: b })), [randnT([3, 2, 3], 43), randnT([2], 44), randnT([2], 45)], { device });
    });
  });

  describe('coded argument errors name the argument', () => {
    const f64 = (shape: number[]) => on(torch.zeros(shape, { dtype: 'float64' }));
    const rows: ArgErrorRow[] = [
      ['eps 0', () => F.batchNorm(f64([2, 3, 4]), null, null, { training: true, eps: 0 }), 'eps'],
      ['momentum 1.5', () => F.batchNorm(f64([2, 3, 4]), null, null, { training: true, momentum: 1.5 }), 'momentum'],
      ['weight of 4 elements', () => F.batchNorm(f64([2, 3, 4]), null, null, { training: true, weight: f64([4]) }), 'weight'],
      ['float32 runningMean for a float64 input', () => F.batchNorm(f64([2, 3, 4]), on(torch.zeros([3])), f64([3]), { training: true }), 'runningMean'],
      ['an int64 input', () => F.batchNorm(on(torch.zeros([2, 3], { dtype: 'int64' })), null, null, { training: true }), 'input'],
      ['eval without running stats', () => F.batchNorm(f64([2, 3]), null, null, {}), 'runningMean'],
      ['a 1-D input', () => F.batchNorm(f64([3]), null, null, { training: true }), 'input'],
      ['one value per channel in training', () => F.batchNormRelu(f64([1, 3, 1]), null, null, { training: true }), 'input'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(torch.TorchletError);
        expect((e as torch.TorchletError).code).toMatch(/^ERR_TORCHLET_/);
      }
    });
  });

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
