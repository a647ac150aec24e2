// test/autograd/double_backward.test.ts — second derivatives (torch.autograd.grad with createGraph) on
// every device: WGAN-GP gradient penalties on the seeds' networks (LeNet-5-like through nn modules,
// FashionCNN-like through the fused conv -> relu -> max-pool op, a conv -> batch norm (eval) -> sigmoid
// -> max-pool net with log-softmax / softmax / NLL) against PyTorch 1.13 (test/fixtures/autograd.json,
// gen_autograd_fixtures.py) in float64 and float32; each op's double backward against float64 finite
// differences of its first gradient (gradgradcheck); and the coded error of a node without one.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices, TestDevice } from '../devices';
import { gradgradcheck } from '../gradcheck';
import { expectClose, fromFixture, randnT, distinctT, positive, targets, T, toNumbers } from '../helpers';
import * as fs from 'fs';
import * as path from 'path';

const { nn, F } = torch;

interface PenaltyCase {
  name: string;
  stateDict: Record<string, T>;
  x: T;
  target?: T;
  loss: number;
  gradX: T;
  penalty: number;
  paramGrads: Record<string, T | null>;
  xGrad: T;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'autograd.json'), 'utf8')) as { cases: PenaltyCase[] };

type Net = { params: Record<string, Tensor>; loss: (x: Tensor) => Tensor };

/** The case's network with the fixture's weights (as `dtype`, on `device`), and its loss of x. */
function buildNet(c: PenaltyCase, dtype: 'float32' | 'float64', device: TestDevice): Net {
  const p = (k: string): Tensor => fromFixture(c.stateDict[k], dtype).to(device);
  const target = c.target ? fromFixture(c.target).to(device) : null;
  if (c.name === 'lenet5_like') {
    // the seed's LeNet-5 layers (nn modules), narrower
    const m = new nn.Sequential(
      new nn.Conv2d(1, 3, 5, { padding: 2 }), new nn.Tanh(), new nn.AvgPool2d(2, { stride: 2 }),
      new nn.Conv2d(3, 4, 5), new nn.Tanh(), new nn.AvgPool2d(2, { stride: 2 }), new nn.Flatten(),
      new nn.Linear(16, 12), new nn.Tanh(), new nn.Linear(12, 8), new nn.Tanh(), new nn.Linear(8, 10),
    );
    if (dtype === 'float64') m.double();
    m.loadStateDict(Object.fromEntries(Object.keys(c.stateDict).map((k) => [k, p(k)])));
    m.to(device);
    return { params: Object.fromEntries(m.namedParameters()), loss: (x) => (m.forward(x) as Tensor).sum() };
  }
  const params: Record<string, Tensor> = {};
  for (const k of Object.keys(c.stateDict)) {
    const t = p(k);
    params[k] = /running|num_batches/.test(k) ? t : t.requiresGrad_();
  }
  if (c.name === 'fashion_cnn_like') {
    // FashionCNN's forward: block 1 as models.FashionCNN runs it (the fused op), block 2 as user code
    // writes it (maxPool2d(relu(conv)), which takes the fused relu-pool backward)
    return {
      params,
      loss: (x) => {
        let h = F.conv2dReluMaxPool2d(x, params['conv1.weight'], params['conv1.bias'], { padding: 1 }, 2);
        h = F.maxPool2d(F.relu(F.conv2d(h, params['conv2.weight'], params['conv2.bias'], { padding: 1 })), 2);
        h = h.view(h.shape[0], -1);
        h = F.dropout(F.relu(F.linear(h, params['fc1.weight'], params['fc1.bias'])), { p: 0.5, training: false });
        return F.crossEntropy(F.linear(h, params['fc2.weight'], params['fc2.bias']), target as Tensor);
      },
    };
  }
  return {
    params,
    loss: (x) => {
      let h = F.conv2d(x, params['conv.weight'], params['conv.bias'], { stride: 2, padding: 1 });
      h = F.batchNorm(h, params['bn.running_mean'], params['bn.running_var'], { weight: params['bn.weight'], bias: params['bn.bias'], training: false });
      h = F.maxPool2d(F.sigmoid(h), 3, { stride: 1, padding: 1 });
      const y = F.linear(h.flatten(1), params['fc.weight'], params['fc.bias']);
      const nll = F.nllLoss(F.logSoftmax(y, 1), target as Tensor);
      return nll.add(F.softmax(y, 1).pow(2).sum().div(3)).sub(y.mean().div(y.std()));
    },
  };
}

describeDevices('double backward', (device) => {
  describe('gradient penalty (WGAN-GP) parameter gradients against PyTorch', () => {
    const rows: [string, 'float32' | 'float64', PenaltyCase][] = [];
    for (const c of fixture.cases) for (const dt of ['float64', 'float32'] as const) rows.push([`${c.name} ${dt}`, dt, c]);
    test.each(rows)('%s', (_n, dtype, c) => {
      const tol = dtype === 'float64' ? { atol: 1e-9, rtol: 1e-7 } : { atol: 2e-4, rtol: 2e-3 };
      const net = buildNet(c, dtype, device);
      const x = fromFixture(c.x, dtype).to(device).requiresGrad_();
      const loss = net.loss(x);
      expectClose(loss, c.loss, { ...tol, label: 'loss' });
      const [g] = torch.autograd.grad(loss, x, { createGraph: true });
      const gx = g as Tensor;
      expect(gx.requiresGrad).toBe(true);
      expect(x.grad).toBeNull(); // grad() touches no .grad
      for (const p of Object.values(net.params)) expect(p.grad).toBeNull();
      expectClose(gx, c.gradX, { ...tol, label: 'dloss/dx' });
      const penalty = gx.flatten(1).norm(2, 1).sub(1).pow(2).mean();
      expectClose(penalty, c.penalty, { ...tol, label: 'penalty' });
      penalty.backward();
      for (const [k, want] of Object.entries(c.paramGrads)) {
        const got = net.params[k].grad;
        if (want === null) expect(got).toBeNull();
        else expectClose(got as Tensor, want, { ...tol, label: `d penalty / d ${k}` });
      }
      expectClose(x.grad as Tensor, c.xGrad, { ...tol, label: 'd penalty / dx' });
    });
  });

  describe('each op: autograd second derivatives against finite differences of the first (float64)', () => {
    const opts = { device };
    const sq = (t: Tensor): Tensor => t.mul(t);
    const rows: [string, () => void][] = [
      ['conv2d (groups, stride, padding, dilation, bias)', () =>
        gradgradcheck(([x, w, b]) => sq(F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 })),
          [randnT([1, 2, 4, 4], 1), randnT([4, 1, 3, 2], 2), randnT([4], 3)], opts)],
      ["conv2d padding 'same' (even kernel: output trimmed), no bias", () =>
        gradgradcheck(([x, w]) => F.conv2d(x, w, null, { padding: 'same' }).pow(3), [randnT([1, 2, 4, 3], 4), randnT([2, 2, 2, 2], 5)], opts)],
      ['conv1d (stride, padding) and conv3d', () =>
        gradgradcheck(([x, w, b, x3, w3]) => sq(F.conv1d(x, w, b, { stride: 2, padding: 1 })).sum().add(F.conv3d(x3, w3).pow(3).sum()),
          [randnT([1, 2, 5], 33), randnT([2, 2, 3], 34), randnT([2], 35), randnT([1, 1, 3, 3, 2], 36), randnT([1, 1, 2, 2, 2], 37)], opts)],
      ['conv2dReluMaxPool2d (fused conv -> relu -> max pool)', () =>
        gradgradcheck(([x, w, b]) => sq(F.conv2dReluMaxPool2d(x, w, b, { padding: 1 }, 2)),
          [distinctT([1, 2, 4, 4], 6), randnT([2, 2, 3, 3], 7), randnT([2], 8)], opts)],
      ['linear (3-D input) and matmul (batched, 1-D)', () =>
        gradgradcheck(([x, w, b, v]) => sq(torch.matmul(F.tanh(F.linear(x, w, b)), v)),
          [randnT([2, 1, 4], 9), randnT([3, 4], 10), randnT([3], 11), randnT([3], 12)], opts)],
      ['relu, tanh, sigmoid', () =>
        gradgradcheck(([x]) => F.relu(x).mul(x).add(F.tanh(x).mul(F.sigmoid(x))), [randnT([7], 13)], opts)],
      ['maxPool2d with indices (padding, overlapping windows)', () =>
        gradgradcheck(([x]) => sq(F.maxPool2d(x, 3, { stride: 2, padding: 1 })), [distinctT([1, 2, 5, 5], 14)], opts)],
      ['maxPool2d(relu(x)) and reluMaxPool2d (fused)', () =>
        gradgradcheck(([x]) => sq(F.maxPool2d(F.relu(x), 2)).add(F.reluMaxPool2d(x, 2).pow(3)), [distinctT([1, 2, 4, 6], 15)], opts)],
      ['avgPool2d (ceilMode, countIncludePad false, padding)', () =>
        gradgradcheck(([x]) => sq(F.avgPool2d(x, [3, 2], { stride: 2, padding: [1, 0], ceilMode: true, countIncludePad: false })),
          [randnT([1, 2, 5, 6], 16)], opts)],
      ['adaptiveAvgPool2d and adaptiveMaxPool2d', () =>
        gradgradcheck(([x]) => sq(F.adaptiveAvgPool2d(x, [2, 3])).sum().add(sq(F.adaptiveMaxPool2d(x, [2, 2])).sum()), [distinctT([1, 2, 5, 5], 17)], opts)],
      ['view, flatten, permute, unsqueeze, squeeze, expand', () =>
        gradgradcheck(([x]) => sq(x.flatten(1).permute([1, 0]).unsqueeze(0).squeeze(0).reshape(2, 6).unsqueeze(1).expand(2, 3, 6)).mul(x.view(1, 1, 12).narrow(2, 0, 6)), [randnT([2, 3, 2], 18)], opts)],
      ['cat, narrow, select, slice (index), gather, scatterAdd', () => {
        const idx = torch.tensor([[2, 0], [1, 1]], { dtype: 'int64' }).to(device);
        gradgradcheck(([x, s]) => {
          const c = torch.cat([x, x.mul(x)], 1).narrow(1, 1, 4).select(0, 1).index('1:4');
          return sq(c).sum().add(sq(torch.gather(x, 1, idx)).sum()).add(torch.scatterAdd(x, 1, idx, s.mul(s)).pow(3).sum());
        }, [randnT([2, 3], 38), randnT([2, 2], 39)], opts);
      }],
      ['add, sub, mul, div, pow (scalar and tensor exponents, broadcasting)', () =>
        gradgradcheck(([a, b, c]) => a.mul(b).div(b.add(3)).sub(a.pow(3)).add(torch.pow(c, b)).add(torch.reciprocal(c)).sub(c.sub(a)),
          [randnT([2, 3], 19), positive([3], 20), positive([2, 3], 21)], opts)],
      ['exp, log, sqrt, neg', () =>
        gradgradcheck(([x]) => torch.exp(x.mul(0.3)).add(torch.log(x)).mul(torch.sqrt(x)).neg(), [positive([5], 22)], opts)],
      ['sin cos tan asin acos atan sinh cosh exp2 expm1 log1p log2 log10 erf erfinv rsqrt reciprocal abs nanToNum', () =>
        gradgradcheck(([x]) => {
          const u = x.mul(0.4); // in (-1, 1) for asin, acos, erfinv
          const p = x.abs().add(0.5);
          return torch.sin(x).mul(torch.cos(x)).add(torch.tan(u)).add(torch.asin(u).mul(torch.acos(u))).add(torch.atan(x).mul(x))
            .add(torch.sinh(u).mul(torch.cosh(u))).add(torch.exp2(u).mul(torch.expm1(u))).add(torch.log1p(p).mul(torch.log2(p)))
            .add(torch.log10(p).mul(x)).add(torch.erf(x).mul(torch.erfinv(u))).add(torch.rsqrt(p).mul(torch.reciprocal(p)))
            .add(torch.nanToNum(x.mul(x)).mul(torch.sign(x)).mul(torch.floor(x).add(torch.round(x))));
        }, [torch.tensor([0.3, -1.2, 0.7, 1.6, -0.45], { dtype: 'float64' })], opts)],
      ['sum, mean (over dims, keepdim), norm(2, dim), std, var', () =>
        gradgradcheck(([x]) => sq(x.sum(1)).sum().add(sq(x.mean([0, 2], true)).sum()).add(sq(x.norm(2, 2)).sum()).add(x.std().mul(x.var(1).sum())),
          [randnT([2, 3, 4], 23)], opts)],
      ['softmax and logSoftmax (dims 1 and 0)', () =>
        gradgradcheck(([x]) => F.softmax(x, 1).mul(F.logSoftmax(x, 0)), [randnT([3, 4], 24)], opts)],
      ['crossEntropy and nllLoss (ignoreIndex, reductions)', () =>
        gradgradcheck(([x, t]) => F.crossEntropy(x.mul(x), t).add(F.nllLoss(F.logSoftmax(x, 1), t, { ignoreIndex: 1, reduction: 'sum' })),
          [randnT([4, 3], 25), targets(4, 3, 26)], opts)],
      ['batchNorm (eval: running statistics, affine) and relu(batchNorm) (fused backward)', () => {
        const rm = randnT([3], 30).to(device);
        const rv = positive([3], 31).to(device);
        gradgradcheck(([x, w, b]) => {
          const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false });
          const r = F.relu(F.batchNorm(x.mul(x), rm, rv, { weight: w, bias: b, training: false }));
          return sq(y).add(r).add(F.batchNormRelu(x, rm, rv, { weight: w, training: false }).pow(3));
        }, [randnT([2, 3, 2, 2], 27), randnT([3], 28), randnT([3], 29)], opts);
      }],
      ['dropout (training, seeded)', () =>
        gradgradcheck(([x]) => sq(F.dropout(x, { p: 0.3 })), [randnT([3, 4], 32)], { ...opts, before: () => torch.manualSeed(7) })],
    ];
    test.each(rows)('%s', (_n, check) => check());
  });

  describe('a node without double backward', () => {
    const on = (t: Tensor): Tensor => t.to(device);
    test('first derivatives are right under createGraph; differentiating them is ERR_TORCHLET_NOT_IMPLEMENTED naming the node', () => {
      const x0 = randnT([2, 3], 40);
      const x = on(x0.clone()).requiresGrad_();
      const y = F.layerNorm(x, [3]).mul(on(randnT([2, 3], 41))).sum();
      const [g] = torch.autograd.grad(y, x, { createGraph: true });
      const plain = on(x0.clone()).requiresGrad_();
      F.layerNorm(plain, [3]).mul(on(randnT([2, 3], 41))).sum().backward();
      expectClose(g as Tensor, plain.grad as Tensor, { atol: 1e-12, label: 'first derivative under createGraph' });
      expect((g as Tensor).requiresGrad).toBe(true);
      let err: unknown;
      try {
        (g as Tensor).pow(2).sum().backward();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(torch.TorchletError);
      expect((err as torch.TorchletError).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect((err as Error).message).toMatch(/LayerNormBackward/);
      expect(x.grad).toBeNull(); // checked before anything was computed
    });
    test('torch.autograd.grad through it (towards the inputs) is the same error', () => {
      const x = on(randnT([2, 3], 43)).requiresGrad_();
      const [g] = torch.autograd.grad(F.layerNorm(x, [3]).pow(3).sum(), x, { createGraph: true });
      expect(() => torch.autograd.grad((g as Tensor).sum(), x)).toThrow(/double backward.*LayerNormBackward/);
    });
    test('batchNorm in training mode: first-order only, named', () => {
      const x = on(randnT([4, 2], 42)).requiresGrad_();
      const [g] = torch.autograd.grad(F.batchNorm(x, null, null, { training: true }).pow(3).sum(), x, { createGraph: true });
      expect(() => (g as Tensor).sum().backward()).toThrow(/BatchNormBackward \(training mode\)/);
    });
    test('a gradient that is constant in x (relu, max pooling, nll) still requires grad and differentiates to zero, as in PyTorch', () => {
      const x = on(randnT([1, 1, 4, 4], 44)).requiresGrad_();
      const t = on(targets(4, 4, 45));
      const y = F.maxPool2d(F.relu(x), 2).sum().add(F.nllLoss(x.view(4, 4), t));
      const [g] = torch.autograd.grad(y, x, { createGraph: true });
      expect((g as Tensor).requiresGrad).toBe(true);
      (g as Tensor).pow(2).sum().backward();
      expect(toNumbers(x.grad as Tensor)).toEqual(new Array(16).fill(0));
    });
    test('x.backward({createGraph: true}) leaves .grad with a graph that differentiates again', () => {
      const x = on(torch.tensor([0.5, -1.5, 2], { dtype: 'float64' })).requiresGrad_();
      x.pow(3).sum().backward({ createGraph: true });
      const g = x.grad as Tensor;
      expect(toNumbers(g)).toEqual([0.75, 6.75, 12]); // 3x^2
      expect(g.requiresGrad).toBe(true);
      const [h] = torch.autograd.grad(g.sum(), x);
      expectClose(h as Tensor, [3, -9, 12], { atol: 1e-12, label: '6x' });
    });
  });
});
