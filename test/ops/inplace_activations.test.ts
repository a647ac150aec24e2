// test/ops/inplace_activations.test.ts — PyTorch's inplace=True on the activations and dropouts that
// lacked it (lib/ops/inplace.ts reluInplace, lib/ops/activation.ts F.relu / F.relu_ / selu, lib/ops/dropout.ts,
// lib/nn/layers.ts nn.ReLU / nn.SELU / nn.Dropout*): the result is written into the input and the input
// itself is returned; values and gradients are the out-of-place op's, bit for bit (relu_ under
// autograd reads its mask from its output instead of a clone of the input, and keeps the fused
// batch-norm + ReLU backward); a training step of a conv -> batch norm -> ReLU(inplace) net equals the
// same net with ReLU(); a frozen net with in-place ReLUs gives the plain net's output; the misuses
// PyTorch refuses (in place on a leaf that requires grad, a relu_ output modified again before
// backward) are coded errors, as is what torchlet does not do yet (in place on a view of a tensor that
// requires grad: PyTorch rebases the base's graph); the modules print PyTorch's repr.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';

const { nn, F } = torch;
const bits = (t: Tensor) => Buffer.from((t.toArray() as Float32Array | Float64Array).buffer).toString('hex');

describeOp('inplace_activations', ({ on }) => {
  test('F.relu(x, {inplace}), F.relu_, torch.relu_, x.relu_(): relu written into x, x returned', () => {
    for (const f of [(x: Tensor) => F.relu(x, { inplace: true }), (x: Tensor) => F.relu_(x), (x: Tensor) => torch.relu_(x), (x: Tensor) => x.relu_()]) {
      torch.manualSeed(1);
      const x = on(torch.randn([3, 5]));
      const want = bits(torch.relu(x));
      const v = x._version;
      const y = f(x);
      expect(y).toBe(x);
      expect(bits(x)).toBe(want);
      expect(x._version).toBe(v + 1);
    }
    // without inplace, x is left alone
    const x = on(torch.tensor([-1, 2]));
    expect(F.relu(x).tolist()).toEqual([0, 2]);
    expect(x.tolist()).toEqual([-1, 2]);
  });

  test.each([
    ['linear -> relu_', false],
    ['batch norm -> relu_ (the fused backward)', true],
  ])('%s under autograd: the same gradients as relu, no clone', (_name, bn) => {
    const run = (inplace: boolean) => {
      torch.manualSeed(2);
      const x = on(torch.randn([6, 4], { dtype: 'float64' })).requiresGrad_();
      const w = on(torch.randn([4, 4], { dtype: 'float64' })).requiresGrad_();
      const b = on(torch.randn([4], { dtype: 'float64' })).requiresGrad_();
      let h = x.matmul(w);
      if (bn) h = F.batchNorm(h, null, null, { weight: w.select(0, 0), bias: b, training: true });
      const hBefore = h;
      const live = () => torch.memory().cpu.bytes + torch.memory().cuda.bytes;
      const before = live();
      const r = inplace ? F.relu(h, { inplace: true }) : F.relu(h);
      // no clone of the input kept for the backward (the general in-place path keeps one), no output
      // storage: in place, the live bytes do not change; out of place, relu's output adds 6 x 4 doubles
      if (inplace) expect(live() - before).toBe(0);
      else expect(live() - before).toBeGreaterThanOrEqual(6 * 4 * 8);
      if (inplace) expect(r).toBe(hBefore);
      expect(r.gradFn!.op).toBe(bn ? 'BatchNormReluBackward' : 'ReluBackward');
      r.mul(r).sum().backward();
      return [r, x.grad!, w.grad!, b.grad].map((t) => (t ? bits(t) : 'none'));
    };
    expect(run(true)).toEqual(run(false));
  });

  test('relu_ on a leaf that requires grad and a relu_ output modified again before backward: coded errors; relu_ on a view rebases its base', () => {
    const leaf = on(torch.randn([3])).requiresGrad_();
    expect(() => F.relu(leaf, { inplace: true })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_AUTOGRAD' }));
    expect(() => F.relu(leaf.flatten(), { inplace: true })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_AUTOGRAD', message: expect.stringMatching(/a view of a leaf Variable/) }));
    // on a view of a tensor in a graph: the base gets the written values' graph (PyTorch's CopySlices)
    const base = on(torch.tensor([[-1, 2, -3], [4, -5, 6]], { dtype: 'float64' })).requiresGrad_();
    const h = base.mul(2);
    F.relu(h.flatten(), { inplace: true });
    h.mul(h).sum().backward();
    expect(base.grad!.tolist()).toEqual([[0, 16, 0], [32, 0, 48]]); // 2 * 2h where 2 * base > 0
    const x = on(torch.randn([3])).requiresGrad_();
    const y = F.relu_(x.mul(2));
    y.mul_(3); // its backward reads y's values from before this write
    expect(() => y.sum().backward()).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_AUTOGRAD' }));
  });

  test('selu and the dropouts with inplace: written into the input, the out-of-place values and gradients', () => {
    const cases: [string, (x: Tensor, inplace: boolean) => Tensor][] = [
      ['selu', (x, inplace) => F.selu(x, { inplace })],
      ['dropout', (x, inplace) => F.dropout(x, { p: 0.4, inplace })],
      ['dropout2d', (x, inplace) => F.dropout2d(x, { p: 0.4, inplace })],
      ['dropout3d', (x, inplace) => F.dropout3d(x, { p: 0.4, inplace })],
      ['alphaDropout', (x, inplace) => F.alphaDropout(x, { p: 0.4, inplace })],
    ];
    for (const [name, f] of cases) {
      const run = (inplace: boolean) => {
        torch.manualSeed(3);
        const a = on(torch.randn(name === 'dropout3d' ? [2, 3, 2, 4, 4] : [2, 3, 4, 4], { dtype: 'float64' })).requiresGrad_();
        const h = a.mul(1.5); // not a leaf: in place is allowed under autograd
        const out = f(h, inplace);
        if (inplace) expect(out).toBe(h);
        out.mul(out).sum().backward();
        return [bits(out), bits(a.grad!)];
      };
      expect([name, ...run(true)]).toEqual([name, ...run(false)]);
    }
    // eval / p = 0: the input itself, unchanged
    const x = on(torch.randn([4]));
    const before = bits(x);
    expect(F.dropout(x, { p: 0.5, training: false, inplace: true })).toBe(x);
    expect(bits(x)).toBe(before);
    expect(F.dropout(x, { p: 0, inplace: true })).toBe(x);
    expect(bits(x)).toBe(before);
    // p = 1 in place: zeros
    F.dropout(x, { p: 1, inplace: true });
    expect(x.abs().sum().item()).toBe(0);
  });

  test('a training step of conv -> batch norm -> ReLU({inplace}) -> dropout(inplace) -> linear equals the out-of-place net', () => {
    const net = (inplace: boolean) => {
      torch.manualSeed(4);
      return new nn.Sequential(
        new nn.Conv2d(2, 4, 3, { padding: 1 }),
        new nn.BatchNorm2d(4),
        new nn.ReLU({ inplace }),
        new nn.Dropout(0.3, { inplace }),
        new nn.Flatten(),
        new nn.Linear(4 * 5 * 5, 3),
        new nn.SELU({ inplace }),
      ).to(on(torch.zeros([1])).device);
    };
    const train = (inplace: boolean) => {
      const m = net(inplace);
      const opt = new torch.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
      torch.manualSeed(5);
      const x = on(torch.randn([8, 2, 5, 5]));
      const y = on(torch.randint(0, 3, [8]));
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        F.crossEntropy(m.forward(x) as Tensor, y).backward();
        opt.step();
      }
      return m.parameters().map(bits);
    };
    expect(train(true)).toEqual(train(false));
  });

  test('jit.freeze of a net with in-place ReLUs: the plain net\'s output', () => {
    torch.manualSeed(6);
    const m = new nn.Sequential(
      new nn.Conv2d(3, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(8, 8, 3, { padding: 1 }),
      new nn.ReLU({ inplace: true }),
      new nn.Flatten(),
      new nn.Linear(8 * 6 * 6, 5),
      new nn.ReLU({ inplace: true }),
    ).to(on(torch.zeros([1])).device);
    m.eval();
    const x = on(torch.randn([2, 3, 6, 6]));
    const want = torch.noGrad(() => m.forward(x) as Tensor).toArray() as Float32Array;
    const frozen = torch.jit.freeze(m, x);
    for (let i = 0; i < 3; i++) {
      const got = torch.noGrad(() => frozen.forward(x) as Tensor).toArray() as Float32Array;
      got.forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-4));
    }
  });

  test('the modules: options, PyTorch\'s repr, strict arguments', () => {
    expect(String(new nn.ReLU({ inplace: true }))).toBe('ReLU(inplace=True)');
    expect(String(new nn.ReLU())).toBe('ReLU()');
    expect(String(new nn.ReLU(true))).toBe('ReLU(inplace=True)'); // nn.ReLU(True), as torchvision's VGG writes it
    expect(new nn.ReLU(false).inplace).toBe(false);
    expect(String(new nn.SELU({ inplace: true }))).toBe('SELU(inplace=True)');
    expect(String(new nn.Dropout(0.3, { inplace: true }))).toBe('Dropout(p=0.3, inplace=True)');
    expect(String(new nn.Dropout({ p: 0.2 }))).toBe('Dropout(p=0.2, inplace=False)');
    expect(String(new nn.Dropout2d())).toBe('Dropout2d(p=0.5, inplace=False)');
    expect(String(new nn.AlphaDropout(0.1, { inplace: true }))).toBe('AlphaDropout(p=0.1, inplace=True)');
    const loose = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ code: expect.stringMatching(/^ERR_TORCHLET_INVALID_ARG/) }));
    loose(() => new (nn.ReLU as unknown as new (o: unknown) => unknown)({ inPlace: true }));
    loose(() => new (nn.ReLU as unknown as new (o: unknown) => unknown)({ inplace: 1 }));
    loose(() => new (nn.Dropout as unknown as new (p: unknown, o: unknown) => unknown)(0.2, { p: 0.3 }));
    loose(() => new (nn.Dropout as unknown as new (p: unknown) => unknown)(1.5));
    loose(() => (F.relu as unknown as (x: Tensor, o: unknown) => Tensor)(torch.zeros([1]), { inplace: 'yes' }));
    loose(() => (F.dropout as unknown as (x: Tensor, o: unknown) => Tensor)(torch.zeros([1]), { inplce: true }));
  });
});
