// test/jit.test.ts — torch.jit.freeze / optimizeForInference (lib/jit.ts): the frozen copy gives the
// plain module's eval-mode outputs (float32 within rounding, float64 to 1e-12) on the seeds' models
// and hand-written blocks; BatchNorm is folded only into a conv whose output it alone reads; ReLU is
// fused only where ReLUs alone read the conv's output; nothing is recorded for autograd; the original
// module is left as it was; pre-packed weights serve several input sizes; argument errors.
import * as torch from '../lib';
import type { Tensor } from '../lib';
import { expectArgError, maxAbs } from './helpers';
import { collectGarbage } from '../lib/memory';
import { native } from '../lib/binding';

const { nn, F } = torch;

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray() as Float32Array;
  const y = b.toArray() as Float32Array;
  return maxAbs(x.map((v, i) => v - y[i]));
}
/** Running statistics and affine parameters away from their initial values (a few training-mode passes). */
function warmBatchNorms(m: torch.nn.Module, x: Tensor): void {
  m.train();
  torch.noGrad(() => {
    for (const sub of m.modules())
      if (sub instanceof nn.BatchNorm2d || sub instanceof nn.BatchNorm1d) {
        sub.weight?.copy_(torch.rand([sub.numFeatures]).add(0.5));
        sub.bias?.copy_(torch.randn([sub.numFeatures]).mul(0.1));
      }
    for (let i = 0; i < 3; i++) m.forward(x.mul(i + 1));
  });
  m.eval();
}
function frozenConvs(m: torch.nn.Module): torch.jit.FrozenConv[] {
  return m.modules().filter((s): s is torch.jit.FrozenConv => s instanceof torch.jit.FrozenConv);
}
/** Frozen output vs plain eval output, relative to the output's magnitude. */
function expectSameOutputs(m: torch.nn.Module, f: torch.nn.Module, x: Tensor, rtol = 2e-5): void {
  const a = torch.noGrad(() => m.forward(x) as Tensor);
  const b = f.forward(x) as Tensor;
  expect(b.shape).toEqual(a.shape);
  expect(maxDiff(a, b)).toBeLessThanOrEqual(rtol * Math.max(1, maxAbs(a.toArray() as Float32Array)));
}

class ConvBnRelu extends nn.Module {
  conv = new nn.Conv2d(4, 8, 3, { padding: 1, bias: false });
  bn = new nn.BatchNorm2d(8);
  forward(x: Tensor): Tensor {
    return F.relu(this.bn.forward(this.conv.forward(x)));
  }
}
/** The conv's output feeds the BN and a skip connection: the BN must not be folded. */
class SharedConvOutput extends nn.Module {
  conv = new nn.Conv2d(4, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return F.relu(this.bn.forward(y)).add(y);
  }
}

/** A forward that passes its conv's weight to F.conv2dReluMaxPool2d itself, as FashionCNN's does. */
class FusedBlock extends nn.Module {
  conv: torch.nn.Conv2d;
  constructor(c: number, oc: number, k: number, readonly opts: torch.Conv2dOptions) {
    super();
    this.conv = new nn.Conv2d(c, oc, k, opts);
  }
  forward(x: Tensor): Tensor {
    return F.conv2dReluMaxPool2d(x, this.conv.weight, this.conv.bias, this.opts, 2);
  }
}

describe('torch.jit.freeze', () => {
  beforeAll(() => torch.manualSeed(5));

  test('conv -> BatchNorm -> F.relu in hand-written forward code: folded and fused, same outputs', () => {
    const m = new ConvBnRelu();
    const x = torch.randn([3, 4, 9, 7]);
    warmBatchNorms(m, x);
    const f = torch.jit.freeze(m, x);
    expect(f.bn).toBeInstanceOf(nn.Identity);
    const [c] = frozenConvs(f);
    expect(c.relu).toBe(true);
    expect(String(f)).toMatch(/FrozenConv\(Conv2d\(4, 8, .*\) \+ BatchNorm2d\(8, .*\), relu=True\)/);
    expectSameOutputs(m, f, x);
    expectSameOutputs(m, f, torch.randn([1, 4, 5, 5])); // another size: its own packed weights
    // the original is untouched
    expect(m.bn).toBeInstanceOf(nn.BatchNorm2d);
    expect(m.conv).toBeInstanceOf(nn.Conv2d);
  });

  test('a conv output read by more than the BatchNorm keeps the BatchNorm (and no ReLU epilogue)', () => {
    const m = new SharedConvOutput();
    const x = torch.randn([2, 4, 6, 6]);
    warmBatchNorms(m, x);
    const f = torch.jit.freeze(m, x);
    expect(f.bn).toBeInstanceOf(nn.BatchNorm2d);
    expect(frozenConvs(f)[0].relu).toBe(false);
    expectSameOutputs(m, f, x);
  });

  test('Sequential conv -> ReLU fuses; the last conv (nothing after it) keeps its output', () => {
    const seq = new nn.Sequential(new nn.Conv2d(3, 5, 3), new nn.ReLU(), new nn.Conv2d(5, 2, 1));
    const x = torch.randn([2, 3, 8, 8]);
    const f = torch.jit.freeze(seq, x);
    expect(frozenConvs(f).map((c) => c.relu)).toEqual([true, false]);
    expectSameOutputs(seq, f, x);
  });

  test('residual add -> ReLU: fused into the add where only ReLUs read the sum, same outputs', () => {
    const tv = torch.models.torchvisionResnet18({ numClasses: 10 });
    const x = torch.randn([2, 3, 32, 32]);
    warmBatchNorms(tv, x);
    const f = torch.jit.freeze(tv, x);
    // stem conv: ReLU epilogue; per block: conv1 ReLU, conv2 takes the residual add -> ReLU, downsample plain
    const flags = frozenConvs(f).map((c) => `${c.relu ? 'R' : ''}${c.residualRelu ? 'A' : ''}` || '-');
    expect(flags.join(' ')).toBe('R R A R A R A - R A R A - R A R A - R A');
    expectSameOutputs(tv, f, x);
    expectSameOutputs(tv, f, torch.randn([1, 3, 32, 32]));
    // the sum read by something besides a ReLU: no fusion, and the plain add's sum is returned intact
    class Block extends nn.Module {
      conv = new nn.Conv2d(4, 4, 3, { padding: 1 });
      forward(t: Tensor): Tensor {
        const s = torch.add(this.conv.forward(t), t);
        return torch.add(F.relu(s), s.mul(2));
      }
    }
    const blk = new Block();
    const xb = torch.randn([2, 4, 5, 5]);
    const fb = torch.jit.freeze(blk, xb);
    expect(frozenConvs(fb).map((c) => c.residualRelu)).toEqual([false]);
    expectSameOutputs(blk, fb, xb);
    // a hand-written block whose sum only a ReLU reads: fused, NaN passed through as relu does
    class Res extends nn.Module {
      conv = new nn.Conv2d(4, 4, 3, { padding: 1 });
      forward(t: Tensor): Tensor {
        return F.relu(torch.add(t, this.conv.forward(t)));
      }
    }
    const res = new Res();
    const fr = torch.jit.freeze(res, xb);
    expect(frozenConvs(fr).map((c) => c.residualRelu)).toEqual([true]);
    expectSameOutputs(res, fr, xb);
    const xn = xb.clone();
    xn.view([-1]).narrow(0, 7, 1).fill_(NaN);
    const yn = fr.forward(xn).toArray() as Float32Array;
    const yp = torch.noGrad(() => res.forward(xn)).toArray() as Float32Array;
    expect(Array.from(yn).map(Number.isNaN)).toEqual(Array.from(yp).map(Number.isNaN));
  });

  test("in-place forms (torchvision's ReLU(inplace=True), `out += identity`) fuse as the out-of-place ones, with the same outputs", () => {
    // torchvision's BasicBlock as written there: in-place ReLUs, the identity added in place
    class InplaceBlock extends nn.Module {
      conv1 = new nn.Conv2d(4, 8, 3, { padding: 1, stride: 2, bias: false });
      bn1 = new nn.BatchNorm2d(8);
      relu = new nn.ReLU({ inplace: true });
      conv2 = new nn.Conv2d(8, 8, 3, { padding: 1, bias: false });
      bn2 = new nn.BatchNorm2d(8);
      down = new nn.Sequential(new nn.Conv2d(4, 8, 1, { stride: 2, bias: false }), new nn.BatchNorm2d(8));
      lin = new nn.Linear(8, 6);
      forward(x: Tensor): Tensor {
        let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)) as Tensor);
        out = this.bn2.forward(this.conv2.forward(out)) as Tensor;
        out.add_(this.down.forward(x) as Tensor);
        out = this.relu.forward(out);
        const h = this.lin.forward(out.mean([2, 3]));
        return F.relu(h, { inplace: true });
      }
    }
    const m = new InplaceBlock();
    const x = torch.randn([2, 4, 8, 8]);
    warmBatchNorms(m, x);
    const f = torch.jit.freeze(m, x);
    expect(frozenConvs(f).map((c) => `${c.relu ? 'R' : ''}${c.residualRelu ? 'A' : ''}` || '-')).toEqual(['R', 'A', '-']);
    expect(f.bn1).toBeInstanceOf(nn.Identity);
    expect(String(f)).toMatch(/FrozenLinear\(Linear\(.*\), relu=True\)/);
    for (const xi of [x, torch.randn([1, 4, 6, 10])]) {
      expectSameOutputs(m, f, xi);
      expectSameOutputs(m, f, xi); // (the second call of a signature replays)
    }
  });

  test('a conv output the forward also returns, reads before an in-place write, or gives a functional batch norm keeps its values', () => {
    // returned and read by a ReLU: no epilogue (it used to write the ReLU into the returned output)
    class Both extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      forward(x: Tensor): Tensor[] {
        const y = this.conv.forward(x);
        return [y, F.relu(y)];
      }
    }
    // returned and read by its BatchNorm: the BatchNorm stays
    class BnBoth extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      bn = new nn.BatchNorm2d(4);
      forward(x: Tensor): Tensor[] {
        const y = this.conv.forward(x);
        return [y, this.bn.forward(y) as Tensor];
      }
    }
    // read (by a mul) before it is written in place by a sub, then by a ReLU: neither fuses
    class Before extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      forward(x: Tensor): Tensor {
        const y = this.conv.forward(x);
        const z = y.mul(2);
        return F.relu(y.sub_(0.5)).add(z);
      }
    }
    // read by a functional batch norm (no BatchNorm module to fold) and then a ReLU: no ReLU epilogue
    // (its fused BatchNormReluBackward node used to count as the ReLU)
    class FnBn extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      stats = [torch.randn([4]), torch.rand([4]).add(0.5), torch.randn([4]), torch.randn([4])];
      forward(x: Tensor): Tensor {
        const [rm, rv, weight, bias] = this.stats;
        return F.relu(F.batchNorm(this.conv.forward(x), rm, rv, { weight, bias, training: false }));
      }
    }
    // read by its BatchNorm module without affine parameters and by a functional batch norm without
    // them either: the module's BatchNorm stays
    class TwoBn extends nn.Module {
      conv = new nn.Conv2d(3, 4, 3);
      bn = new nn.BatchNorm2d(4, { affine: false });
      stats = [torch.randn([4]), torch.rand([4]).add(0.5)];
      forward(x: Tensor): Tensor {
        const y = this.conv.forward(x);
        return torch.add(this.bn.forward(y) as Tensor, F.batchNorm(y, this.stats[0], this.stats[1], { training: false }));
      }
    }
    const x = torch.randn([2, 3, 7, 7]);
    for (const m of [new Both(), new BnBoth(), new Before(), new FnBn(), new TwoBn()]) {
      warmBatchNorms(m, x);
      const f = torch.jit.freeze(m, x);
      expect(frozenConvs(f).map((c) => c.relu || c.residualRelu)).toEqual([false]);
      for (let i = 0; i < 3; i++) {
        const a = [torch.noGrad(() => m.forward(x) as Tensor | Tensor[])].flat();
        const b = [f.forward(x) as Tensor | Tensor[]].flat();
        a.forEach((t, k) => expect(maxDiff(t, b[k])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(t.toArray() as Float32Array))));
      }
    }
    expect(torch.jit.freeze(new BnBoth(), x).bn).toBeInstanceOf(nn.BatchNorm2d);
    expect(torch.jit.freeze(new TwoBn(), x).bn).toBeInstanceOf(nn.BatchNorm2d);
  });

  test('readers no output reaches still count; an in-place write drops a residual mark; a returned input survives', () => {
    // nets a random search over in-place forms found wrong (frozen vs eval output relative difference 1)
    class DeadRelu extends nn.Module {
      // conv -> bn -> add_ into the BN output, then an in-place ReLU on the conv output that nothing
      // reads afterwards: folding the BN made both outputs one tensor, and the ReLU wrote the result
      conv = new nn.Conv2d(4, 4, 3, { padding: 1 });
      bn = new nn.BatchNorm2d(4);
      forward(x: Tensor): Tensor {
        const y = this.conv.forward(x);
        const z = (this.bn.forward(y) as Tensor).add_(x);
        y.relu_();
        return z;
      }
    }
    class StaleMark extends nn.Module {
      // sub_ (an add of -0.3) whose sum only an in-place ReLU reads marked the conv for the residual
      // fusion; the mark, never used by the sub_, was then taken by a later add of the same tensor
      conv = new nn.Conv2d(4, 4, 3, { padding: 1 });
      conv2 = new nn.Conv2d(4, 4, 3, { padding: 1 });
      forward(x: Tensor): Tensor[] {
        const y = this.conv.forward(x);
        y.sub_(0.3).relu_();
        const w = this.conv2.forward(y);
        return [torch.add(y, y), w];
      }
    }
    class DeadAdd extends nn.Module {
      // an add nothing reads, before the residual add -> ReLU: not fused
      conv = new nn.Conv2d(4, 4, 3, { padding: 1 });
      forward(x: Tensor): Tensor {
        const y = this.conv.forward(x);
        torch.add(y, x.mul(3));
        return F.relu(torch.add(y, x));
      }
    }
    const x = torch.randn([2, 4, 5, 5]);
    for (const m of [new DeadRelu(), new StaleMark(), new DeadAdd()]) {
      warmBatchNorms(m, x);
      const f = torch.jit.freeze(m, x);
      for (let i = 0; i < 3; i++) {
        const a = [torch.noGrad(() => m.forward(x.clone()) as Tensor | Tensor[])].flat();
        const b = [f.forward(x.clone()) as Tensor | Tensor[]].flat();
        a.forEach((t, k) => expect(maxDiff(t, b[k])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(t.toArray() as Float32Array))));
      }
    }
    // freeze disposes the trace's outputs, but not the example input (or a parameter) the forward returns
    class Passes extends nn.Module {
      conv = new nn.Conv2d(4, 2, 1);
      forward(t: Tensor): Tensor[] {
        return [this.conv.forward(t), t, t.view([-1]), this.conv.weight];
      }
    }
    const p = new Passes();
    const before = x.sum().item();
    torch.jit.freeze(p, x);
    expect(x.sum().item()).toBe(before);
    expect(p.conv.weight.disposed).toBe(false);
  });

  test('batch sizes whose forward algorithms pack the weights differently (batched at batch 1, direct at 16)', () => {
    const seq = new nn.Sequential(new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(32, 8, 3, { padding: 1, stride: 2 }));
    const f = torch.jit.freeze(seq, torch.randn([1, 16, 2, 2]));
    expect(F.convAlgorithms([1, 16, 2, 2], [32, 16, 3, 3], { padding: 1 }).forward).toBe('batched');
    expect(F.convAlgorithms([16, 16, 2, 2], [32, 16, 3, 3], { padding: 1 }).forward).toBe('direct');
    for (const n of [1, 16, 1, 3, 16]) expectSameOutputs(seq, f, torch.randn([n, 16, 2, 2]));
  });

  test('Winograd convs take their 16 transformed matrices pre-packed (batch 16 on 8x8 maps), direct ones at batch 1', () => {
    const seq = new nn.Sequential(new nn.Conv2d(16, 24, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(24, 16, 3, { padding: 1 }));
    const f = torch.jit.freeze(seq, torch.randn([16, 16, 8, 8]));
    expect(F.convAlgorithms([16, 16, 8, 8], [24, 16, 3, 3], { padding: 1 }).forward).toBe('winograd');
    expect(F.convAlgorithms([1, 16, 8, 8], [24, 16, 3, 3], { padding: 1 }).forward).toBe('direct');
    for (const n of [16, 1, 16, 9]) expectSameOutputs(seq, f, torch.randn([n, 16, 8, 8]));
  });

  test('frozen weights take Winograd on small even maps (ResNet-18 at 32x32: 4x4 and 2x2 layers at batch 64), where nn.Conv2d runs direct', () => {
    // [input, conv (in, out), the unfrozen forward, the frozen forward]
    const cases: [number[], number, number, string, string][] = [
      [[64, 128, 4, 4], 128, 128, 'direct', 'winograd'],
      [[64, 256, 2, 2], 256, 256, 'direct', 'winograd'],
      [[8, 256, 2, 2], 256, 256, 'direct', 'winograd'], // 8 tiles in a batch of 8
      [[2, 64, 8, 8], 64, 64, 'direct', 'winograd'], // 32 tiles x 64 x 64 = 2^17
      [[4, 128, 4, 4], 128, 128, 'direct', 'winograd'], // 16 tiles
      [[1, 64, 8, 8], 64, 64, 'direct', 'direct'], // 16 tiles x 64 x 64
      [[2, 128, 4, 4], 128, 128, 'direct', 'direct'], // 8 tiles in a batch of 2
      [[1, 32, 14, 14], 32, 64, 'shifted', 'shifted'], // 49 tiles x 32 x 64
      [[4, 128, 2, 2], 128, 128, 'batched', 'batched'], // 4 tiles
      [[64, 16, 4, 4], 16, 16, 'direct', 'direct'], // 256 tiles x 16 x 16
      [[64, 32, 5, 5], 32, 32, 'direct', 'direct'], // odd map below 6x6: a third of its tiles' outputs wasted
      [[64, 8, 4, 4], 8, 16, 'direct', 'direct'], // 8 input channels
    ];
    for (const [xs, c, oc, plainAlgo, frozenAlgo] of cases) {
      expect(F.convAlgorithms(xs, [oc, c, 3, 3], { padding: 1 }).forward).toBe(plainAlgo);
      for (const dtype of ['float32', 'float64'] as const) {
        const seq = new nn.Sequential(new nn.Conv2d(c, oc, 3, { padding: 1 }), new nn.ReLU());
        const s0 = seq[0] as torch.nn.Conv2d;
        if (dtype === 'float64') for (const k of ['weight', 'bias'] as const) s0[k] = new nn.Parameter(s0[k]!.to('float64'));
        seq.eval();
        const x = torch.randn(xs, { dtype });
        const f = torch.jit.freeze(seq, x);
        const conv = frozenConvs(f)[0];
        expect(conv.algorithm).toBeNull(); // (freeze traces the plain module)
        const a = torch.noGrad(() => seq.forward(x) as Tensor).toArray() as Float64Array;
        for (let i = 0; i < 2; i++) {
          const b = (f.forward(x) as Tensor).toArray() as Float64Array;
          expect(maxAbs(a.map((v, j) => v - b[j]))).toBeLessThanOrEqual((dtype === 'float32' ? 2e-5 : 1e-12) * Math.max(1, maxAbs(a)));
        }
        expect(conv.algorithm).toBe(frozenAlgo);
      }
    }
  });

  test.each([
    // [input, conv (in, out, kernel, opts), the forward algorithm, whether the fused op takes it pre-packed]
    ['Winograd, one group', [16, 16, 14, 14], [16, 32, 3, { padding: 1 }], 'winograd', true],
    ['a GEMM layout (batched)', [1, 8, 5, 5], [8, 12, 3, { padding: 1 }], 'batched', true],
    ['a GEMM layout (shifted)', [2, 8, 14, 14], [8, 12, 3, { padding: 1 }], 'shifted', true],
    ['a GEMM layout (pointwise)', [1, 8, 6, 6], [8, 12, 1, {}], 'pointwise', true],
    ['Direct: not pre-packed', [2, 8, 6, 6], [8, 12, 1, {}], 'direct', false],
    ['Winograd, two groups: not pre-packed', [16, 32, 14, 14], [32, 64, 3, { padding: 1, groups: 2 }], 'winograd', false],
  ] as [string, number[], [number, number, number, torch.Conv2dOptions], string, boolean][])(
    "a frozen conv's weight passed to F.conv2dReluMaxPool2d by the forward: %s",
    (_n, xs, [c, oc, k, opts], algo, packed) => {
      const m = new FusedBlock(c, oc, k, opts);
      m.eval();
      const x = torch.randn(xs);
      expect(F.convAlgorithms(xs, [oc, c / (opts.groups ?? 1), k, k], opts).forward).toBe(algo);
      const plain = torch.noGrad(() => m.forward(x)).toArray();
      const spy = jest.spyOn(native, 'conv2dReluMaxPool2dForward');
      try {
        for (const replay of [true, false]) {
          const f = torch.jit.freeze(m, x, { replay });
          spy.mockClear(); // (freeze's own trace records for autograd: unpacked)
          for (let i = 0; i < 3; i++) expect(f.forward(x).toArray()).toEqual(plain); // the same kernels: bit for bit
          expect(spy.mock.calls.every((call) => call[5].packed === packed)).toBe(true);
          spy.mockClear();
          if (!replay && packed) {
            // the frozen weight written in place (it should not be: freeze again instead): repacked
            const w = (f as FusedBlock).conv.weight;
            torch.noGrad(() => w.mul_(-1));
            const flipped = F.conv2dReluMaxPool2d(x, w, (f as FusedBlock).conv.bias, opts, 2).toArray();
            expect(f.forward(x).toArray()).toEqual(flipped);
            expect(flipped).not.toEqual(plain);
          }
        }
      } finally {
        spy.mockRestore();
      }
    },
  );

  test('Linear layers: weight packed once, ReLU epilogue only where ReLUs alone read the output, same outputs', () => {
    class Mlp extends nn.Module {
      fc1 = new nn.Linear(40, 24);
      act = new nn.ReLU();
      fc2 = new nn.Linear(24, 16, { bias: false });
      fc3 = new nn.Linear(16, 5);
      forward(x: Tensor): Tensor {
        const h = this.act.forward(this.fc1.forward(x)); // nn.ReLU: fused
        const g = this.fc2.forward(h);
        return this.fc3.forward(F.relu(g).add(g)); // read by a ReLU and by the add: not fused
      }
    }
    const m = new Mlp();
    const spy = jest.spyOn(native, 'linearPackedForward');
    try {
      for (const shape of [[1, 40], [7, 40], [64, 40], [4, 9, 40]]) {
        const x = torch.randn(shape);
        const f = torch.jit.freeze(m, x);
        const lin = f.modules().filter((s): s is torch.jit.FrozenLinear => s instanceof torch.jit.FrozenLinear);
        expect(lin.map((l) => l.relu)).toEqual([true, false, false]);
        spy.mockClear();
        for (let i = 0; i < 3; i++) expectSameOutputs(m, f, x);
        // up to 24 rows the plain linear runs (faster there), from 25 the packed weight
        expect(spy.mock.calls.length > 0).toBe(x.numel() / 40 > 24);
        expect(f.parameters().length).toBe(0); // the weights are private
      }
    } finally {
      spy.mockRestore();
    }
    // float64, and an input the packed path does not take (another dtype): the plain linear's error
    const m64 = new nn.Sequential(new nn.Linear(6, 4), new nn.ReLU(), new nn.Linear(4, 3));
    m64.apply((s) => {
      for (const [k, v] of Object.entries(s)) if (v instanceof nn.Parameter) (s as unknown as Record<string, unknown>)[k] = new nn.Parameter(v.to('float64'));
    });
    const x64 = torch.randn([30, 6], { dtype: 'float64' });
    const f64 = torch.jit.freeze(m64, x64);
    expectSameOutputs(m64, f64, x64, 1e-12);
    expect(() => f64.forward(torch.randn([30, 6]))).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DTYPE' }));
  });

  test('linear_packed_forward: native argument errors name the sizes', () => {
    const w = torch.randn([4, 6]);
    const info = torch.empty([2], { dtype: 'int64' });
    native.linearPackInfo(info.arg(), { N: 4, K: 6, relu: false });
    const size = Number((info.toArray() as BigInt64Array)[0]);
    expect(size).toBeGreaterThanOrEqual(24);
    const packed = torch.empty([size]);
    native.linearPackWeight(w.arg(), packed.arg(), { N: 4, K: 6, relu: false });
    const x = torch.randn([3, 6]);
    const y = torch.empty([3, 4]);
    native.linearPackedForward(x.arg(), packed.arg(), null, y.arg(), { N: 4, K: 6, relu: false });
    expect(maxDiff(y, torch.matmul(x, w.t()))).toBeLessThan(1e-5);
    expect(() => native.linearPackedForward(x.arg(), w.arg(), null, y.arg(), { N: 4, K: 6, relu: false })).toThrow(/the packed weight has 24 elements where/);
    expect(() => native.linearPackedForward(x.arg(), packed.arg(), null, torch.empty([3, 5]).arg(), { N: 4, K: 6, relu: false })).toThrow(/out has 15 elements where 12 are needed/);
    expect(() => native.linearPackedForward(torch.randn([3, 5]).arg(), packed.arg(), null, y.arg(), { N: 4, K: 6, relu: false })).toThrow(/not a multiple of K = 6/);
    expect(() => native.linearPackWeight(torch.randn([4, 5]).arg(), packed.arg(), { N: 4, K: 6, relu: false })).toThrow(/the weight has 20 elements, not N \* K = 24/);
    expect(() => native.linearPackInfo(torch.empty([3], { dtype: 'int64' }).arg(), { N: 4, K: 6, relu: false })).toThrow(/int64 tensor of 2 elements/);
  });

  test("the seeds' models: ResNet-18 (BatchNorm, residual adds), GoogLeNet, FashionCNN, LeNet-5", () => {
    const cases: [torch.nn.Module, number[]][] = [
      [torch.models.resnet18({ numClasses: 10 }), [2, 3, 32, 32]],
      [torch.models.googlenet({ numClasses: 10 }), [1, 3, 64, 64]],
      [torch.models.fashionCnn(), [3, 1, 28, 28]],
      [torch.models.lenet5(), [2, 1, 28, 28]],
    ];
    for (const [m, shape] of cases) {
      const x = torch.randn(shape);
      warmBatchNorms(m, x);
      const f = torch.jit.freeze(m, x);
      expectSameOutputs(m, f, x, 1e-4);
      if (m.modules().some((s) => s instanceof nn.BatchNorm2d)) expect(f.modules().some((s) => s instanceof nn.BatchNorm2d)).toBe(false);
    }
  });

  test('depthwise conv + BatchNorm, Conv1d + BatchNorm1d, float64', () => {
    const dw = new nn.Sequential(new nn.Conv2d(6, 6, 3, { padding: 1, groups: 6 }), new nn.BatchNorm2d(6), new nn.ReLU());
    const x = torch.randn([2, 6, 7, 7]);
    warmBatchNorms(dw, x);
    expectSameOutputs(dw, torch.jit.freeze(dw, x), x);
    const c1 = new nn.Sequential(new nn.Conv1d(3, 4, 5, { padding: 2 }), new nn.BatchNorm1d(4));
    const x1 = torch.randn([2, 3, 11]);
    warmBatchNorms(c1, x1);
    expectSameOutputs(c1, torch.jit.freeze(c1, x1), x1);
    const m64 = new ConvBnRelu();
    m64.apply((s) => {
      for (const [k, v] of Object.entries(s)) if (v instanceof nn.Parameter) (s as unknown as Record<string, unknown>)[k] = new nn.Parameter(v.to('float64'));
    });
    m64.bn.runningMean = m64.bn.runningMean!.to('float64');
    m64.bn.runningVar = m64.bn.runningVar!.to('float64');
    const x64 = torch.randn([2, 4, 5, 6], { dtype: 'float64' });
    warmBatchNorms(m64, x64);
    expectSameOutputs(m64, torch.jit.freeze(m64, x64), x64, 1e-12);
  });

  test('the frozen module records nothing for autograd, even inside enableGrad', () => {
    const m = new ConvBnRelu();
    const x = torch.randn([1, 4, 5, 5]).requiresGrad_();
    const f = torch.jit.freeze(m, x);
    const y = torch.enableGrad(() => f.forward(x));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(f.parameters().length).toBe(0); // the conv's weights are private, the BN is gone
    expect(torch.jit.optimizeForInference).toBe(torch.jit.freeze);
  });

  test.each([false, true])('its forward frees the tensors it creates, except what it returns (replay %s)', async (replay) => {
    const m = torch.models.resnet18({ numClasses: 5 });
    const x = torch.randn([2, 3, 32, 32]);
    const f = torch.jit.freeze(m, x, { replay });
    (f.forward(x) as Tensor).dispose(); // the first call packs the weights (kept)
    (f.forward(x) as Tensor).dispose(); // with replay, the second records a plan (its pooled buffers are kept)
    // earlier tests' garbage freed first, so that a collection during the call cannot hide a leak
    collectGarbage();
    await new Promise((r) => setImmediate(r));
    const before = torch.memory().cpu.storages;
    for (let i = 0; i < 3; i++) {
      const y = f.forward(x) as Tensor;
      expect(torch.memory().cpu.storages).toBe(before + 1); // the output only
      expect(Array.from(y.toArray() as Float32Array).every(Number.isFinite)).toBe(true);
      y.dispose();
      expect(torch.memory().cpu.storages).toBe(before);
    }
  });

  test('argument errors', () => {
    const m = new ConvBnRelu();
    expectArgError(() => torch.jit.freeze({} as torch.nn.Module, torch.randn([1, 4, 3, 3])), 'module');
    expectArgError(() => torch.jit.freeze(m, 3 as unknown as Tensor), 'exampleInput');
    expectArgError(() => torch.jit.freeze(m, torch.randn([1, 4, 3, 3]), { inplace: true } as unknown as Record<string, never>), 'opts.inplace');
  });
});
