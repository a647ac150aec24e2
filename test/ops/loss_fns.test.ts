// test/ops/loss_fns.test.ts — the losses of issue 15 on every device, against PyTorch 1.13
// (test/fixtures/loss_fns.json from gen_loss_fns_fixtures.py: output and the gradient of every
// differentiable input, float64 and float32): BCE (weight, log clamped at -100), BCE with logits
// (weight, posWeight, large logits), L1, smooth L1 (beta, 0 too), Huber (delta), KL divergence
// (batchmean, logTarget, a zero target), Gaussian NLL (full, eps clamp, homoscedastic var shapes),
// margin ranking, cosine embedding, and crossEntropy / nllLoss with class weights + ignoreIndex +
// label smoothing, [N, C, d1, ...] inputs and probability targets. Then: each nn module against its
// F function, float64 finite-difference gradchecks (the native loss_pointwise backward of every op),
// CUDA against the CPU, and argument errors (unknown options, extra positional arguments, shapes).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, expectClose, loadFixture, randnT, ArgErrorRow } from '../helpers';

const { F, nn } = torch;
type Num = number | string;
interface FT {
  shape: number[];
  dtype: 'float64' | 'int64';
  data: Num[];
}
interface Side {
  out: FT;
  gout: Num[];
  grads: Record<string, Num[]>;
}
interface LossCase {
  name: string;
  fn: string;
  inputs: Record<string, FT>;
  grads: string[];
  opts: Record<string, unknown>;
  tensorOpts: Record<string, FT>;
  f64: Side;
  f32: Side;
}
const CASES = (loadFixture('loss_fns') as unknown as { cases: LossCase[] }).cases;
const num = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
function make(t: FT, dtype: 'float32' | 'float64'): Tensor {
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(t.data.map((v) => BigInt(v as number))), t.shape.slice());
  const d = Float64Array.from(t.data.map(num));
  return dtype === 'float64' ? torch.fromBuffer(d, t.shape.slice()) : torch.fromBuffer(Float32Array.from(d), t.shape.slice());
}
const ARGS: Record<string, string[]> = {
  gaussianNllLoss: ['input', 'target', 'var'],
  marginRankingLoss: ['input1', 'input2', 'target'],
  cosineEmbeddingLoss: ['input1', 'input2', 'target'],
};
type LossFn = (...a: unknown[]) => Tensor;
function callF(c: LossCase, ins: Record<string, Tensor>, opts: Record<string, unknown>): Tensor {
  const names = ARGS[c.fn] ?? ['input', 'target'];
  return ((F as unknown as Record<string, LossFn>)[c.fn])(...names.map((n) => ins[n]), opts);
}
/** The nn module of each F function, built from the case's options. */
const MODULES: Record<string, (o: Record<string, unknown>) => { forward: LossFn }> = {
  binaryCrossEntropy: (o) => new nn.BCELoss(o) as never,
  binaryCrossEntropyWithLogits: (o) => new nn.BCEWithLogitsLoss(o) as never,
  l1Loss: (o) => new nn.L1Loss(o as never) as never,
  smoothL1Loss: (o) => new nn.SmoothL1Loss(o) as never,
  huberLoss: (o) => new nn.HuberLoss(o) as never,
  klDiv: (o) => new nn.KLDivLoss(o) as never,
  gaussianNllLoss: (o) => new nn.GaussianNLLLoss(o) as never,
  marginRankingLoss: (o) => new nn.MarginRankingLoss(o) as never,
  cosineEmbeddingLoss: (o) => new nn.CosineEmbeddingLoss(o) as never,
  crossEntropy: (o) => new nn.CrossEntropyLoss(o) as never,
  nllLoss: (o) => new nn.NLLLoss(o) as never,
};

describeOp('loss_fns', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const build = (c: LossCase, dtype: 'float32' | 'float64', grad: boolean) => {
    const ins: Record<string, Tensor> = {};
    for (const [n, t] of Object.entries(c.inputs)) {
      ins[n] = on(make(t, dtype));
      if (grad && c.grads.includes(n)) ins[n].requiresGrad_();
    }
    const opts: Record<string, unknown> = { ...c.opts };
    for (const [n, t] of Object.entries(c.tensorOpts)) opts[n] = on(make(t, dtype));
    return { ins, opts };
  };

  test('the fixture covers every loss and option named in issue 15', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.fn))).toEqual(new Set(Object.keys(MODULES)));
  });

  dtypes(['float64', 'float32'] as const, (dtype) => {
    const tl = dtype === 'float64' ? { atol: 1e-10, rtol: 1e-9 } : { atol: 2e-5, rtol: 2e-5 };
    test.each(CASES.map((c) => [c.name, c] as [string, LossCase]))('%s: output and gradients match PyTorch', (_n, c) => {
      const side = dtype === 'float64' ? c.f64 : c.f32;
      const { ins, opts } = build(c, dtype, true);
      const y = callF(c, ins, opts);
      expect(y.dtype).toBe(dtype);
      expect(y.device).toBe(ins[Object.keys(ins)[0]].device);
      expectClose(y, { ...side.out, data: side.out.data.map(num) } as never, { ...tl, label: 'output' });
      if (!c.grads.length) return;
      const g = on(torch.tensor(side.gout.map(num), { dtype }).reshape(y.shape));
      y.mul(g).sum().backward();
      for (const n of c.grads) expectClose(ins[n].grad!, side.grads[n].map(num), { ...tl, label: `grad ${n}` });
    });
  });

  describe('each nn module equals its F function', () => {
    test.each(CASES.filter((_c, i) => i % 3 === 0).map((c) => [c.name, c] as [string, LossCase]))('%s', (_n, c) => {
      const { ins, opts } = build(c, 'float64', false);
      const m = MODULES[c.fn](opts);
      if (device === 'cuda') (m as unknown as torch.nn.Module).to('cuda');
      const names = ARGS[c.fn] ?? ['input', 'target'];
      expectClose(m.forward(...names.map((n) => ins[n])), { ...c.f64.out, data: c.f64.out.data.map(num) } as never, { atol: 1e-10, rtol: 1e-9 });
    });
    test('weight and posWeight are buffers: in the state dict, moved by to()', () => {
      const m = new nn.BCEWithLogitsLoss({ weight: torch.ones([3]), posWeight: torch.full([3], 2) });
      expect(Object.keys(m.stateDict()).sort()).toEqual(['posWeight', 'weight']);
      m.to(device);
      expect(m.weight!.device).toBe(on(torch.ones([1])).device);
      expect(m.toString()).toBe('BCEWithLogitsLoss()');
      expect(new nn.SmoothL1Loss({ beta: 0.5 }).toString()).toBe('SmoothL1Loss(beta=0.5)');
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences)', () => {
      const sig = (shape: number[], seed: number) => torch.sigmoid(randnT(shape, seed)).mul(0.8).add(0.1);
      const rows: [string, () => void][] = [
        ['binaryCrossEntropy with weight', () => {
          const w = on(torch.rand([4], { dtype: 'float64' }).add(0.5));
          gradcheck(([x, t]) => F.binaryCrossEntropy(x, t, { weight: w, reduction: 'sum' }), [sig([3, 4], 1), sig([3, 4], 2)], { device });
        }],
        ['binaryCrossEntropyWithLogits with weight and posWeight', () => {
          const w = on(torch.rand([3, 1], { dtype: 'float64' }).add(0.5));
          const pw = on(torch.rand([4], { dtype: 'float64' }).mul(3));
          gradcheck(([x, t]) => F.binaryCrossEntropyWithLogits(x, t, { weight: w, posWeight: pw }), [randnT([3, 4], 3, 3), sig([3, 4], 4)], { device });
        }],
        ['l1Loss (broadcast target)', () => gradcheck(([x, t]) => F.l1Loss(x, t, { reduction: 'none' }), [randnT([3, 4], 5), randnT([4], 6)], { device })],
        ['smoothL1Loss beta 0.7', () => gradcheck(([x, t]) => F.smoothL1Loss(x, t, { beta: 0.7 }), [randnT([5, 3], 7, 2), randnT([5, 3], 8)], { device })],
        ['huberLoss delta 0.4', () => gradcheck(([x, t]) => F.huberLoss(x, t, { delta: 0.4, reduction: 'sum' }), [randnT([4, 3], 9, 2), randnT([4, 3], 10)], { device })],
        ['klDiv batchmean', () => gradcheck(([x, t]) => F.klDiv(x, t, { reduction: 'batchmean' }), [randnT([3, 4], 11), sig([3, 4], 12)], { device })],
        ['klDiv logTarget', () => gradcheck(([x, t]) => F.klDiv(x, t, { logTarget: true, reduction: 'none' }), [randnT([3, 4], 13), randnT([3, 4], 14)], { device })],
        ['gaussianNllLoss full, var without the last dim', () => gradcheck(([x, t, v]) => F.gaussianNllLoss(x, t, v, { full: true }),
          [randnT([3, 2], 15), randnT([3, 2], 16), sig([3], 17)], { device })],
        ['marginRankingLoss margin 0.3 (target too)', () => gradcheck(([a, b, t]) => F.marginRankingLoss(a, b, t, { margin: 0.3, reduction: 'none' }),
          [randnT([6], 18), randnT([6], 19), randnT([6], 20)], { device })],
        ['cosineEmbeddingLoss margin 0.1', () => {
          const t = on(torch.tensor([1, -1, 1, -1, -1], { dtype: 'float64' }));
          gradcheck(([a, b]) => F.cosineEmbeddingLoss(a, b, t, { margin: -0.9 }), [randnT([5, 3], 21), randnT([5, 3], 22)], { device });
        }],
        ['crossEntropy [N, C, d] with weight, ignoreIndex and label smoothing', () => {
          const w = on(torch.tensor([0.5, 1.5, 1], { dtype: 'float64' }));
          const t = torch.tensor([[0, 2, -1], [1, 1, 2]], { dtype: 'int64' });
          gradcheck(([x, tt]) => F.crossEntropy(x, tt, { weight: w, ignoreIndex: -1, labelSmoothing: 0.15 }), [randnT([2, 3, 3], 23), t], { device });
        }],
        ['crossEntropy with probability targets and weight', () => {
          const w = on(torch.tensor([0.5, 1.5, 1], { dtype: 'float64' }));
          gradcheck(([x, p]) => F.crossEntropy(x, p, { weight: w, labelSmoothing: 0.2 }), [randnT([4, 3], 24), sig([4, 3], 25)], { device });
        }],
      ];
      test.each(rows)('%s', (_n, f) => f());
    });
  });

  vsCpu('CUDA vs CPU (awkward sizes, float32 and float64)', () => {
    test.each(['float32', 'float64'] as const)('%s: every pointwise loss and its gradients equal the CPU\'s', (dtype) => {
      for (const n of [1, 257, 1000]) {
        const x = torch.randn([n], { dtype }), t = torch.rand([n], { dtype });
        const s = torch.sigmoid(x), w = torch.rand([n], { dtype });
        const calls: [string, (a: Tensor, b: Tensor, w: Tensor) => Tensor][] = [
          ['bce', (a, b, ww) => F.binaryCrossEntropy(torch.sigmoid(a), b, { weight: ww, reduction: 'none' })],
          ['bcel', (a, b, ww) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: ww, reduction: 'none' })],
          ['l1', (a, b) => F.l1Loss(a, b, { reduction: 'none' })],
          ['sl1', (a, b) => F.smoothL1Loss(a, b, { beta: 0.3, reduction: 'none' })],
          ['huber', (a, b) => F.huberLoss(a, b, { delta: 0.3, reduction: 'none' })],
          ['kl', (a, b) => F.klDiv(a, b, { reduction: 'none' })],
          ['gnll', (a, b, ww) => F.gaussianNllLoss(a, b, ww, { reduction: 'none' })],
          ['mr', (a, b, ww) => F.marginRankingLoss(a, b, ww.sub(0.5), { reduction: 'none' })],
        ];
        void s;
        for (const [name, f] of calls) {
          const run1 = (dev: 'cpu' | 'cuda') => {
            const a = x.detach().to(dev).requiresGrad_(), b = t.detach().to(dev).requiresGrad_();
            const y = f(a, b, w.to(dev));
            y.sum().backward();
            return [y.cpu(), a.grad!.cpu(), b.grad!.cpu()];
          };
          const [c0, c1, c2] = run1('cpu');
          const [g0, g1, g2] = run1('cuda');
          const tl = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-6, rtol: 1e-6 };
          expectClose(g0, c0, { ...tl, label: `${name} n=${n} output` });
          expectClose(g1, c1, { ...tl, label: `${name} n=${n} grad input` });
          expectClose(g2, c2, { ...tl, label: `${name} n=${n} grad target` });
        }
      }
    });
    test('crossEntropy [N, C, d1, d2] with weight and ignoreIndex equals the CPU\'s', () => {
      const x = torch.randn([3, 5, 4, 7], { dtype: 'float64' });
      const t = torch.randint(-1, 5, [3, 4, 7]);
      const w = torch.rand([5], { dtype: 'float64' });
      const r = (dev: 'cpu' | 'cuda') => {
        const a = x.detach().to(dev).requiresGrad_();
        const y = F.crossEntropy(a, t.to(dev), { weight: w.to(dev), ignoreIndex: -1, labelSmoothing: 0.1 });
        y.backward();
        return [y.cpu(), a.grad!.cpu()];
      };
      const [c0, c1] = r('cpu');
      const [g0, g1] = r('cuda');
      expectClose(g0, c0, { atol: 1e-12, rtol: 1e-12 });
      expectClose(g1, c1, { atol: 1e-12, rtol: 1e-12 });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]) => on(torch.zeros(shape, { dtype: 'float64' }));
    const half = (shape: number[]) => on(torch.full(shape, 0.5, { dtype: 'float64' }));
    const i64 = (shape: number[]) => on(torch.zeros(shape, { dtype: 'int64' }));
    const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => Tensor;
    const rows: ArgErrorRow[] = [
      ['binaryCrossEntropy: input outside [0, 1]', () => F.binaryCrossEntropy(on(torch.tensor([0.5, 1.5], { dtype: 'float64' })), half([2])), 'input'],
      ['binaryCrossEntropy: target of another shape', () => F.binaryCrossEntropy(half([2, 3]), half([3])), 'target'],
      ['binaryCrossEntropy: weight not broadcastable', () => F.binaryCrossEntropy(half([2, 3]), half([2, 3]), { weight: half([2]) }), 'weight'],
      ['binaryCrossEntropy: weight that requires grad', () => F.binaryCrossEntropy(half([2]), half([2]), { weight: half([2]).requiresGrad_() }), 'weight'],
      ['binaryCrossEntropy: unknown option pos_weight', () => loose(F.binaryCrossEntropy)(half([2]), half([2]), { pos_weight: half([2]) }), 'opts.pos_weight'],
      ['binaryCrossEntropyWithLogits: snake_case pos_weight', () => loose(F.binaryCrossEntropyWithLogits)(f64([2]), f64([2]), { pos_weight: f64([2]) }), /posWeight/],
      ['binaryCrossEntropyWithLogits: float32 target for float64 input', () => F.binaryCrossEntropyWithLogits(f64([2]), on(torch.zeros([2]))), 'target'],
      ['binaryCrossEntropyWithLogits: extra positional argument', () => loose(F.binaryCrossEntropyWithLogits)(f64([2]), f64([2]), {}, 'mean'), /binaryCrossEntropyWithLogits\(\)/],
      ['l1Loss: shapes that do not broadcast', () => F.l1Loss(f64([2, 3]), f64([2])), 'target'],
      ['l1Loss: int64 input', () => F.l1Loss(i64([2]), i64([2])), 'input'],
      ["l1Loss: reduction 'batchmean'", () => F.l1Loss(f64([2]), f64([2]), { reduction: 'batchmean' as never }), 'reduction'],
      ['smoothL1Loss: negative beta', () => F.smoothL1Loss(f64([2]), f64([2]), { beta: -1 }), 'beta'],
      ['huberLoss: delta 0', () => F.huberLoss(f64([2]), f64([2]), { delta: 0 }), 'delta'],
      ['klDiv: logTarget not a boolean', () => F.klDiv(f64([2]), f64([2]), { logTarget: 1 as never }), 'logTarget'],
      ['klDiv: snake_case log_target', () => loose(F.klDiv)(f64([2]), f64([2]), { log_target: true }), /logTarget/],
      ['gaussianNllLoss: var of a wrong shape', () => F.gaussianNllLoss(f64([3, 2]), f64([3, 2]), f64([2])), 'var'],
      ['gaussianNllLoss: negative var', () => F.gaussianNllLoss(f64([2]), f64([2]), on(torch.tensor([1, -1], { dtype: 'float64' }))), 'var'],
      ['gaussianNllLoss: eps negative', () => F.gaussianNllLoss(f64([2]), f64([2]), half([2]), { eps: -1 }), 'eps'],
      ['marginRankingLoss: target of another rank', () => F.marginRankingLoss(f64([3]), f64([3]), f64([1, 3])), 'target'],
      ['marginRankingLoss: extra positional argument', () => loose(F.marginRankingLoss)(f64([3]), f64([3]), f64([3]), {}, 0.5), /marginRankingLoss\(\)/],
      ['cosineEmbeddingLoss: 2-D target', () => F.cosineEmbeddingLoss(f64([3, 2]), f64([3, 2]), f64([3, 1])), 'target'],
      ['cosineEmbeddingLoss: 3-D inputs', () => F.cosineEmbeddingLoss(f64([3, 2, 1]), f64([3, 2, 1]), f64([3])), 'input1'],
      ['crossEntropy: weight of the wrong length', () => F.crossEntropy(f64([3, 4]), i64([3]), { weight: f64([3]) }), 'weight'],
      ['crossEntropy: N-D target of the wrong shape', () => F.crossEntropy(f64([2, 3, 4]), i64([2, 5])), 'target'],
      ['crossEntropy: probability target with ignoreIndex >= 0', () => F.crossEntropy(f64([2, 3]), f64([2, 3]), { ignoreIndex: 1 }), 'ignoreIndex'],
      ['crossEntropy: probability target of another dtype', () => F.crossEntropy(f64([2, 3]), on(torch.zeros([2, 3]))), 'target'],
      ['crossEntropy: unknown option ignore_index', () => loose(F.crossEntropy)(f64([2, 3]), i64([2]), { ignore_index: 1 }), /ignoreIndex/],
      ['nllLoss: extra positional argument', () => loose(F.nllLoss)(f64([2, 3]), i64([2]), {}, 1), /nllLoss\(\)/],
      ['nllLoss: a target out of range', () => F.nllLoss(f64([2, 3, 2]), on(torch.tensor([[0, 3], [1, 1]], { dtype: 'int64' }))), /target/],
      ['nn.BCEWithLogitsLoss: unknown option', () => new (nn.BCEWithLogitsLoss as unknown as new (...a: unknown[]) => unknown)({ pos_weight: null }), /posWeight/],
      ['nn.HuberLoss: bad delta at construction', () => new nn.HuberLoss({ delta: -2 }), 'delta'],
      ['nn.KLDivLoss: bad reduction at construction', () => new nn.KLDivLoss({ reduction: 'avg' as never }), 'reduction'],
      ['nn.CrossEntropyLoss: extra positional argument', () => new (nn.CrossEntropyLoss as unknown as new (...a: unknown[]) => unknown)({}, 0.1), /CrossEntropyLoss\(\)/],
      ['nn.L1Loss forward: extra positional argument', () => loose(new nn.L1Loss().forward.bind(new nn.L1Loss()))(f64([2]), f64([2]), 'mean'), /forward\(\)/],
    ];
    argErrorTests(rows);
  });
});
