// test/ops/conv3d.test.ts — F.conv3d / nn.Conv3d on every device: against PyTorch
// (test/fixtures/conv3d.json: output and grads for x, weight and bias, float64 and float32), a float64
// finite-difference gradcheck, unbatched and non-contiguous input, the module and its repr, argument
// errors that name the argument, and on CUDA agreement with the CPU (output and all gradients on
// awkward sizes, float32 and float64) and deterministic gradients.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, convOpts, fixtureCases, expectClose, fromFixture, randnT, toNumbers, ArgErrorRow } from '../helpers';
import { convCaseVsCpu, convGradsRepeat, ConvVsCpuCase } from './compare';
import { refTol } from './tolerances';

const F = torch.F;
const cases = casesOf('conv3d');
type Conv3dOpts = NonNullable<Parameters<typeof F.conv3d>[3]>;

type Case = ConvVsCpuCase<Conv3dOpts>;

const cudaCases: Case[] = [
  { name: '3x3x3 pad 1, odd volume', x: [2, 3, 5, 6, 7], w: [4, 3, 3, 3, 3], opts: { padding: 1 } },
  { name: 'stride (2,1,2), mixed padding, groups 2, batch 1', x: [1, 4, 7, 5, 6], w: [6, 2, 3, 2, 3], opts: { stride: [2, 1, 2], padding: [1, 0, 1], groups: 2 } },
  { name: 'dilation 2, no bias', x: [2, 2, 9, 8, 9], w: [3, 2, 3, 3, 2], opts: { dilation: 2, padding: [2, 2, 1] }, bias: false },
  { name: 'depthwise', x: [2, 4, 6, 6, 6], w: [4, 1, 3, 3, 3], opts: { padding: 1, groups: 4 } },
  { name: '1x1x1', x: [3, 5, 4, 5, 3], w: [7, 5, 1, 1, 1], opts: {} },
  { name: '1x1x1 stride 2', x: [2, 3, 5, 5, 5], w: [4, 3, 1, 1, 1], opts: { stride: 2 } },
  { name: "'same' padding", x: [2, 3, 6, 7, 5], w: [4, 3, 3, 1, 5], opts: { padding: 'same' } },
  { name: 'kernel covers the whole input', x: [2, 2, 3, 4, 5], w: [3, 2, 3, 4, 5], opts: {} },
  { name: 'long reductions (16 -> 32 channels)', x: [2, 16, 8, 10, 10], w: [32, 16, 3, 3, 3], opts: { padding: 1 } },
  { name: 'stride (3, 2, 2), dilation 2 (input-gradient phases in depth)', x: [2, 3, 10, 9, 8], w: [4, 3, 3, 2, 3], opts: { stride: [3, 2, 2], padding: [2, 1, 1], dilation: [2, 1, 2] } },
];

describeOp('conv3d', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureCases(run, cases, (ins, c) => F.conv3d(ins.x!, ins.weight!, ins.bias, convOpts(c)), { min: 8, more: () => {
    test('unbatched [C, D, H, W] input gives the batched result without the batch dim', () => {
      const c = cases.find(([n]) => n === 'conv3d_basic_3x3x3_pad1')![1];
      const x = on(fromFixture(c.inputs.x!));
      const w = on(fromFixture(c.inputs.weight!));
      const b = on(fromFixture(c.inputs.bias!));
      const y = F.conv3d(x.select(0, 1), w, b, { padding: 1 });
      const full = F.conv3d(x, w, b, { padding: 1 });
      expect(y.shape).toEqual(full.shape.slice(1));
      expectClose(y, full.select(0, 1), { atol: 1e-12 });
    });

    test('non-contiguous (permuted) input gives the same output and grads', () => {
      const c = cases.find(([n]) => n === 'conv3d_groups2_pad1')![1];
      const xt = on(fromFixture(c.inputs.x!).transpose(3, 4).contiguous()).requiresGrad_();
      const x = xt.transpose(3, 4);
      expect(x.isContiguous()).toBe(false);
      const w = on(fromFixture(c.inputs.weight!)).requiresGrad_();
      const y = F.conv3d(x, w, on(fromFixture(c.inputs.bias!)), convOpts(c));
      const t = refTol('conv3d', 'float64', device, { magnitude: 10 });
      expectClose(y, c.output!, { ...t, label: 'output' });
      y.backward(on(fromFixture(c.gradOutput!)));
      expectClose(xt.grad!.transpose(3, 4), c.grads!.x, { ...t, label: 'grad x' });
      expectClose(w.grad!, c.grads!.weight, { ...t, label: 'grad weight' });
    });

    test('nn.Conv3d module forward equals F.conv3d with its parameters, and its repr', () => {
      torch.manualSeed(1);
      const m = new torch.nn.Conv3d(1, 4, 3, { padding: 1 }).to(device);
      expect(m.extraRepr()).toBe('1, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1)');
      expect(String(m)).toContain('Conv3d(1, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))');
      expect(m.weight.shape).toEqual([4, 1, 3, 3, 3]);
      const bound = 1 / Math.sqrt(27);
      for (const v of toNumbers(m.weight)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
      for (const v of toNumbers(m.bias!)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
      const x = on(torch.randn([2, 1, 5, 6, 4]));
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 4, 5, 6, 4]);
      expectClose(y, F.conv3d(x, m.weight, m.bias, { padding: 1 }), { atol: 1e-6 });
      const m2 = new torch.nn.Conv3d(4, 6, [1, 3, 2], { stride: 2, groups: 2, bias: false, dilation: [1, 2, 1] });
      expect(m2.extraRepr()).toBe('4, 6, kernel_size=(1, 3, 2), stride=(2, 2, 2), dilation=(1, 2, 1), groups=2, bias=False');
      expect(m2.parameters().length).toBe(1);
    });
  } });

  dtypes(['float64'] as const, () => {
    // |numeric - analytic| <= 1e-6 + 1e-5 |numeric| for every element of x, weight and bias
    test('finite-difference gradcheck (stride 2x1x1, padding, dilation, groups 2, bias)', () => {
      const opts = { stride: [2, 1, 1], padding: [1, 0, 1], dilation: [1, 2, 1], groups: 2 };
      gradcheck(
        ([x, w, b]) => F.conv3d(x, w, b, opts),
        [randnT([2, 4, 4, 5, 3], 11), randnT([4, 2, 2, 2, 3], 12, 0.3), randnT([4], 13)],
        { seed: 14, atol: 1e-6, rtol: 1e-5, device },
      );
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const rows: ArgErrorRow[] = [
      ['3-D input (wrong rank)', () => F.conv3d(f64([3, 5, 5]), f64([4, 3, 3, 3, 3])), /for input\b/],
      ['6-D input (wrong rank)', () => F.conv3d(f64([1, 1, 3, 5, 5, 5]), f64([4, 3, 3, 3, 3])), /for input\b/],
      ['4-D weight (wrong rank)', () => F.conv3d(f64([1, 3, 5, 5, 5]), f64([4, 3, 3, 3])), /for weight\b/],
      ['channel mismatch', () => F.conv3d(f64([1, 3, 5, 5, 5]), f64([4, 2, 3, 3, 3])), /for input\b/],
      ['groups does not divide input channels', () => F.conv3d(f64([1, 3, 5, 5, 5]), f64([4, 1, 3, 3, 3]), null, { groups: 2 }), /for groups\b/],
      ['groups does not divide output channels', () => F.conv3d(f64([1, 4, 5, 5, 5]), f64([3, 2, 3, 3, 3]), null, { groups: 2 }), /for groups\b/],
      ['groups 0', () => F.conv3d(f64([1, 4, 5, 5, 5]), f64([4, 4, 3, 3, 3]), null, { groups: 0 }), /for groups\b/],
      ['kernel larger than input', () => F.conv3d(f64([1, 2, 2, 5, 5]), f64([3, 2, 3, 3, 3])), /for input\b/],
      ['bias of wrong size', () => F.conv3d(f64([1, 2, 5, 5, 5]), f64([3, 2, 3, 3, 3]), f64([2])), /for bias\b/],
      ['stride of 2 elements', () => F.conv3d(f64([1, 2, 5, 5, 5]), f64([3, 2, 3, 3, 3]), null, { stride: [1, 1] }), /for stride\b/],
      ['negative padding', () => F.conv3d(f64([1, 2, 5, 5, 5]), f64([3, 2, 3, 3, 3]), null, { padding: -1 }), /for padding\b/],
      ['dilation 0', () => F.conv3d(f64([1, 2, 5, 5, 5]), f64([3, 2, 3, 3, 3]), null, { dilation: 0 }), /for dilation\b/],
      ["'same' with stride 2", () => F.conv3d(f64([1, 2, 5, 5, 5]), f64([3, 2, 3, 3, 3]), null, { padding: 'same', stride: 2 }), /for padding\b/],
      ['weight dtype mismatch', () => F.conv3d(f64([1, 2, 5, 5, 5]), on(torch.zeros([3, 2, 3, 3, 3], { dtype: 'float32' }))), /for weight\b/],
      ['nn.Conv3d groups not dividing inChannels', () => new torch.nn.Conv3d(3, 4, 3, { groups: 2 }), /for groups\b/],
      ['nn.Conv3d kernelSize of 2 elements', () => new torch.nn.Conv3d(3, 4, [3, 3]), /for kernelSize\b/],
    ];
    test.each(rows)('%s', (_name, fn, re) => {
      expect(fn).toThrow(re);
    });
  });

  // Implicit-GEMM kernels on CUDA: agreement within the 'conv3d' tolerance for the reduction length;
  // gradients must repeat bit for bit.
  vsCpu('CUDA vs CPU (output and all gradients)', () => {
    beforeAll(() => torch.manualSeed(20261204));

    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each(cudaCases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => convCaseVsCpu(on, 'conv3d', F.conv3d, c, dtype));

      test('gradients repeat bit for bit', () => {
        const x = on(torch.randn([3, 8, 7, 9, 8], { dtype }));
        const w = on(torch.randn([12, 4, 3, 3, 3], { dtype }));
        const b = on(torch.randn([12], { dtype }));
        convGradsRepeat((xi, wi, bi) => F.conv3d(xi, wi, bi, { stride: [1, 2, 2], padding: 1, groups: 2 }), x, w, b, (y) => torch.onesLike(y));
      });
    });
  });
});
