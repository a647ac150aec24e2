// test/ops/conv2d.test.ts — F.conv2d / nn.Conv2d on every device: against PyTorch
// (test/fixtures/conv2d.json: output and grads for x, weight and bias, float64 and float32), unbatched
// input, non-contiguous input and weight, the module, float64 finite-difference gradchecks (stride,
// padding incl. 'same', dilation, groups, depthwise, unbatched), argument errors that name the
// argument (TypeError / RangeError, and the library stays usable after one), and on CUDA agreement
// with the CPU (output and all gradients, awkward sizes, float32 and float64) and deterministic
// gradients.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, convOpts, expectClose, fixtureCases, fromFixture, randnT, zerosOn, ArgErrorRow } from '../helpers';
import { convCaseVsCpu, convGradsRepeat, expectCloseToCpu, ConvVsCpuCase } from './compare';
import { refTol } from './tolerances';
import { convInference } from '../../lib/ops/conv';
import { native } from '../../lib/binding';
import type { ConvParams } from '../../binding';

const F = torch.F;
const cases = casesOf('conv2d');
type ConvOpts = NonNullable<Parameters<typeof F.conv2d>[3]>;

type Case = ConvVsCpuCase<ConvOpts>;

const cudaCases: Case[] = [
  { name: '3x3 pad 1, odd sizes', x: [2, 3, 7, 9], w: [4, 3, 3, 3], opts: { padding: 1 } },
  { name: 'stride 2, asymmetric padding, groups 2, batch 1', x: [1, 4, 8, 7], w: [6, 2, 3, 2], opts: { stride: 2, padding: [1, 0], groups: 2 } },
  { name: 'depthwise, dilation 2', x: [3, 6, 9, 9], w: [6, 1, 3, 3], opts: { padding: 2, dilation: 2, groups: 6 } },
  { name: 'depthwise multiplier 2, stride 2', x: [2, 3, 10, 11], w: [6, 1, 3, 3], opts: { stride: 2, padding: 1, groups: 3 } },
  { name: '1x1', x: [2, 5, 11, 10], w: [7, 5, 1, 1], opts: {} },
  { name: '1x1 stride 2, no bias', x: [3, 8, 9, 9], w: [16, 8, 1, 1], opts: { stride: 2 }, bias: false },
  { name: "'same' padding, 3x5 kernel", x: [2, 4, 10, 12], w: [5, 4, 3, 5], opts: { padding: 'same' } },
  { name: "'same' padding, even kernel (asymmetric)", x: [2, 3, 8, 9], w: [4, 3, 2, 4], opts: { padding: 'same' } },
  { name: 'mixed stride/padding/dilation, groups 4', x: [2, 4, 12, 13], w: [8, 1, 5, 3], opts: { stride: [3, 2], padding: [2, 1], dilation: [1, 2], groups: 4 } },
  { name: 'kernel covers the whole input', x: [2, 2, 5, 5], w: [3, 2, 5, 5], opts: {} },
  { name: 'single channel in and out', x: [4, 1, 13, 13], w: [1, 1, 3, 3], opts: { padding: 1 } },
  { name: 'batch 1, large output (big GEMM tiles)', x: [1, 3, 64, 64], w: [16, 3, 5, 5], opts: { stride: 2, padding: 2 } },
  { name: 'long reductions (32 -> 64 channels, split weight gradient)', x: [4, 32, 20, 20], w: [64, 32, 3, 3], opts: { padding: 1 } },
  { name: 'seed CNN first layer', x: [8, 1, 28, 28], w: [32, 1, 3, 3], opts: { padding: 1 } },
  // the input gradient runs one GEMM per stride phase over the taps that reach it:
  { name: 'stride 3, 1x1: phases no tap reaches get zero gradient', x: [2, 3, 8, 7], w: [4, 3, 1, 1], opts: { stride: 3 } },
  { name: 'input smaller than the stride in one dim (empty phases)', x: [2, 2, 2, 9], w: [3, 2, 1, 3], opts: { stride: [3, 2] } },
  { name: 'stride 2 with dilation 3 (taps of a phase step by 2)', x: [2, 3, 15, 14], w: [4, 3, 5, 4], opts: { stride: 2, padding: [3, 2], dilation: 3 } },
  { name: 'stride 4 with padding larger than the stride, groups 3', x: [2, 6, 13, 12], w: [6, 2, 7, 6], opts: { stride: 4, padding: 5, groups: 3 } },
  { name: 'stem-like 7x7 stride 2 from 3 channels', x: [2, 3, 31, 30], w: [16, 3, 7, 7], opts: { stride: 2, padding: 3 } },
  { name: 'strides far above the input (1 output; the phases past the input are skipped)', x: [2, 3, 5, 4], w: [2, 3, 3, 2], opts: { stride: [1000000, 2000000] } },
  { name: 'many taps and channels (long K, wide N)', x: [3, 40, 17, 17], w: [72, 40, 3, 3], opts: { stride: 2, padding: 1 } },
];

describeOp('conv2d', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureCases(run, cases, (ins, c) => F.conv2d(ins.x!, ins.weight!, ins.bias, convOpts(c)), { min: 16, more: () => {
    test('unbatched [C, H, W] input gives the batched result without the batch dim', () => {
      const c = cases.find(([n]) => n === 'conv2d_basic_3x3_pad1')![1];
      const x = on(fromFixture(c.inputs.x!));
      const w = on(fromFixture(c.inputs.weight!));
      const b = on(fromFixture(c.inputs.bias!));
      const y = F.conv2d(x.select(0, 1), w, b, { padding: 1 });
      const full = F.conv2d(x, w, b, { padding: 1 });
      expect(y.shape).toEqual(full.shape.slice(1));
      expectClose(y, full.select(0, 1), { atol: 1e-12 });
    });

    test('non-contiguous (permuted) input gives the same output and grads', () => {
      const c = cases.find(([n]) => n === 'conv2d_stride2_pad1_groups2')![1];
      const xc = fromFixture(c.inputs.x!);
      // make a non-contiguous view with the same values: [N,C,W,H] contiguous, then transpose back
      const xt = on(xc.transpose(2, 3).contiguous()).requiresGrad_();
      const x = xt.transpose(2, 3);
      expect(x.isContiguous()).toBe(false);
      const w = on(fromFixture(c.inputs.weight!)).requiresGrad_();
      const b = on(fromFixture(c.inputs.bias!)).requiresGrad_();
      const y = F.conv2d(x, w, b, convOpts(c));
      const t = refTol('conv2d', 'float64', device, { magnitude: 10 });
      expectClose(y, c.output!, { ...t, label: 'output' });
      y.backward(on(fromFixture(c.gradOutput!)));
      expectClose(xt.grad!.transpose(2, 3), c.grads!.x, { ...t, label: 'grad x' });
      expectClose(w.grad!, c.grads!.weight, { ...t, label: 'grad weight' });
    });

    test('nn.Conv2d module forward equals F.conv2d with its parameters', () => {
      torch.manualSeed(1);
      const m = new torch.nn.Conv2d(3, 4, 3, { padding: 1, stride: 2 }).to(device);
      const x = on(torch.randn([2, 3, 7, 7]));
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 4, 4, 4]);
      expectClose(y, F.conv2d(x, m.weight, m.bias, { padding: 1, stride: 2 }), { atol: 1e-6 });
    });

    test('non-contiguous (transposed) weight gives the same output and weight grad', () => {
      const c = cases.find(([n]) => n === 'conv2d_nonsquare_kernel_2x5_stride1x2_pad1x2')![1];
      const x = on(fromFixture(c.inputs.x!));
      const wt = on(fromFixture(c.inputs.weight!).transpose(2, 3).contiguous()).requiresGrad_();
      const w = wt.transpose(2, 3);
      expect(w.isContiguous()).toBe(false);
      const y = F.conv2d(x, w, on(fromFixture(c.inputs.bias!)), convOpts(c));
      const t = refTol('conv2d', 'float64', device, { magnitude: 10 });
      expectClose(y, c.output!, { ...t, label: 'output' });
      y.backward(on(fromFixture(c.gradOutput!)));
      expectClose(wt.grad!.transpose(2, 3), c.grads!.weight, { ...t, label: 'grad weight' });
    });
  } });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test('stride [2,1], padding [1,2], dilation [2,1], groups 2, bias', () => {
        gradcheck(
          ([x, w, b]) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }),
          [randnT([2, 4, 6, 5], 1), randnT([6, 2, 3, 2], 2, 0.4), randnT([6], 3)],
          { device },
        );
      });
      test('stride 2, padding 1, groups 1, no bias', () => {
        gradcheck(([x, w]) => F.conv2d(x, w, null, { stride: 2, padding: 1 }), [randnT([1, 3, 7, 6], 4), randnT([4, 3, 3, 3], 5, 0.3)], { device });
      });
      test('depthwise (groups = channels) with channel multiplier 2, dilation 2', () => {
        gradcheck(
          ([x, w, b]) => F.conv2d(x, w, b, { padding: 2, dilation: 2, groups: 3 }),
          [randnT([2, 3, 5, 5], 6), randnT([6, 1, 3, 3], 7, 0.4), randnT([6], 8)],
          { device },
        );
      });
      test("padding 'same' with an even kernel (asymmetric zero padding)", () => {
        gradcheck(
          ([x, w, b]) => F.conv2d(x, w, b, { padding: 'same', dilation: [1, 2] }),
          [randnT([1, 2, 5, 6], 9), randnT([3, 2, 2, 4], 10, 0.4), randnT([3], 11)],
          { device },
        );
      });
      test('unbatched [C, H, W] input', () => {
        gradcheck(([x, w, b]) => F.conv2d(x, w, b, { padding: 1 }), [randnT([2, 4, 4], 12), randnT([3, 2, 3, 3], 13, 0.4), randnT([3], 14)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const { f64, f32, i64 } = zerosOn(on);
    const rows: ArgErrorRow[] = [
      ['2-D input (wrong rank)', () => F.conv2d(f64([3, 5]), f64([4, 3, 3, 3])), 'input'],
      ['5-D input (wrong rank)', () => F.conv2d(f64([1, 1, 3, 5, 5]), f64([4, 3, 3, 3])), 'input'],
      ['3-D weight (wrong rank)', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3])), 'weight'],
      ['input channels != weight in-channels x groups', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 2, 3, 3])), /for input\b[^]*|channels/],
      ['groups does not divide input channels', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 1, 3, 3]), null, { groups: 2 }), 'groups'],
      ['groups does not divide output channels', () => F.conv2d(f64([1, 4, 5, 5]), f64([3, 2, 3, 3]), null, { groups: 2 }), 'groups'],
      ['groups 0', () => F.conv2d(f64([1, 4, 5, 5]), f64([4, 4, 3, 3]), null, { groups: 0 }), 'groups'],
      ['groups -2', () => F.conv2d(f64([1, 4, 5, 5]), f64([4, 4, 3, 3]), null, { groups: -2 }), 'groups'],
      ['groups 1.5', () => F.conv2d(f64([1, 4, 5, 5]), f64([4, 4, 3, 3]), null, { groups: 1.5 }), 'groups'],
      ['zero kernel height', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 0, 3])), 'weight'],
      ['zero kernel width', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 0])), 'weight'],
      ['stride 0', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: 0 }), 'stride'],
      ['stride [1, 0]', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: [1, 0] }), 'stride'],
      ['stride -1', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: -1 }), 'stride'],
      ['stride of 3 numbers', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: [1, 1, 1] }), 'stride'],
      ['padding -1', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { padding: -1 }), 'padding'],
      ["padding 'same' with stride 2", () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { padding: 'same', stride: 2 }), 'padding'],
      ["padding 'full' (unknown string)", () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { padding: 'full' as 'same' }), 'padding'],
      ['dilation 0', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { dilation: 0 }), 'dilation'],
      ['output size 0 (input smaller than kernel)', () => F.conv2d(f64([1, 3, 2, 2]), f64([4, 3, 3, 3])), 'input'],
      ['output size <= 0 through dilation', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { dilation: 3 }), 'input'],
      ['output size 0 in one dim only', () => F.conv2d(f64([1, 3, 5, 2]), f64([4, 3, 3, 3])), 'input'],
      ['int64 input', () => F.conv2d(i64([1, 3, 5, 5]), i64([4, 3, 3, 3])), 'input'],
      ['float32 input with float64 weight', () => F.conv2d(f32([1, 3, 5, 5]), f64([4, 3, 3, 3])), 'weight'],
      ['bias of the wrong length', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), f64([3])), 'bias'],
      ['2-D bias', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), f64([4, 1])), 'bias'],
      ['float32 bias with float64 input', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), f32([4])), 'bias'],
      ['input is not a tensor', () => F.conv2d([1, 2, 3] as unknown as Tensor, f64([4, 3, 3, 3])), 'input'],
      ['nn.Conv2d kernelSize 0', () => new torch.nn.Conv2d(3, 4, 0), 'kernelSize'],
      ['nn.Conv2d kernelSize -1', () => new torch.nn.Conv2d(3, 4, -1), 'kernelSize'],
      ['nn.Conv2d kernelSize [3, 0]', () => new torch.nn.Conv2d(3, 4, [3, 0]), 'kernelSize'],
      ['nn.Conv2d stride 0', () => new torch.nn.Conv2d(3, 4, 3, { stride: 0 }), 'stride'],
      ['nn.Conv2d groups not dividing inChannels', () => new torch.nn.Conv2d(3, 4, 3, { groups: 2 }), 'groups'],
      ['nn.Conv2d groups not dividing outChannels', () => new torch.nn.Conv2d(4, 3, 3, { groups: 2 }), 'groups'],
      ['nn.Conv2d groups 0', () => new torch.nn.Conv2d(4, 4, 3, { groups: 0 }), 'groups'],
      ['nn.Conv2d inChannels 0', () => new torch.nn.Conv2d(0, 4, 3), 'inChannels'],
      ['nn.Conv2d outChannels 2.5', () => new torch.nn.Conv2d(3, 2.5, 3), 'outChannels'],
      ["nn.Conv2d padding 'same' with stride 2", () => new torch.nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), 'padding'],
      ['nn.Conv2d forward with the wrong channel count', () => new torch.nn.Conv2d(3, 4, 3).to(device).forward(f32([1, 2, 5, 5])), /for input\b/],
    ];
    argErrorTests(rows);

    test('errors are TypeError for a wrong type and RangeError for a bad value', () => {
      expect(() => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: 'x' as unknown as number })).toThrow(TypeError);
      expect(() => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: 0 })).toThrow(RangeError);
    });

    test('a failed op leaves the library usable (no crash, later ops work)', () => {
      expect(() => F.conv2d(f64([1, 3, 2, 2]), f64([4, 3, 3, 3]))).toThrow();
      const y = F.conv2d(on(torch.ones([1, 1, 3, 3], { dtype: 'float64' })), on(torch.ones([1, 1, 3, 3], { dtype: 'float64' })));
      expect(y.item()).toBe(9);
    });
  });

  // Implicit-GEMM kernels on CUDA sum in another order than the CPU: agreement within the 'conv2d'
  // tolerance for the reduction length (C/groups*KH*KW forward, OC*KH*KW input grad, N*OH*OW weight
  // and bias grads); gradients must also repeat bit for bit (deterministic reductions).
  vsCpu('CUDA vs CPU (output and all gradients)', () => {
    beforeAll(() => torch.manualSeed(20261202));

    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each(cudaCases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => convCaseVsCpu(on, 'conv2d', F.conv2d, c, dtype));

      test("inference path (torch.jit.freeze's convs): the ReLU epilogue gives the CPU's relu(conv); packed weights are CPU-only", () => {
        const x = torch.randn([2, 5, 9, 8], { dtype });
        const w = torch.randn([6, 5, 3, 3], { dtype });
        const b = torch.randn([6], { dtype });
        const cpu = F.relu(F.conv2d(x, w, b, { padding: 1 }));
        expectCloseToCpu('conv2d', convInference(2, on(x), on(w), on(b), { padding: 1 }, true, new Map()), cpu, dtype, 'relu epilogue', 45);
        const p = { N: 2, C: 5, OC: 6, groups: 1, in: [1, 9, 8], kernel: [1, 3, 3], out: [1, 9, 8], stride: [1, 1, 1], pad: [0, 1, 1], dilation: [1, 1, 1], algo: 0, relu: false, packed: true, frozen: false } as ConvParams;
        expect(() => native.convForward(on(x).arg(), on(w).arg(), null, on(cpu).arg(), p)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_NOT_IMPLEMENTED' }));
      });

      test('unbatched [C, H, W] input', () => {
        const x = torch.randn([3, 9, 8], { dtype });
        const w = torch.randn([4, 3, 3, 3], { dtype });
        expectCloseToCpu('conv2d', F.conv2d(on(x), on(w), null, { padding: 1 }), F.conv2d(x, w, null, { padding: 1 }), dtype, 'output', 27);
      });

      test('gradients repeat bit for bit', () => {
        const x = on(torch.randn([6, 16, 15, 15], { dtype }));
        const w = on(torch.randn([24, 8, 3, 3], { dtype }));
        const b = on(torch.randn([24], { dtype }));
        const g = on(torch.randn([6, 24, 8, 8], { dtype }));
        convGradsRepeat((xi, wi, bi) => F.conv2d(xi, wi, bi, { stride: 2, padding: 1, groups: 2 }), x, w, b, () => g);
      });
    });
  });
});
