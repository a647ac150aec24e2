// test/ops/conv_transpose.test.ts — F.convTranspose1d / 2d / 3d and nn.ConvTranspose1d / 2d / 3d on
// every device: against PyTorch (test/fixtures/conv_transpose.json, from
// test/fixtures/gen_conv_transpose_fixtures.py): output and grads for x, weight and bias in float64
// and float32 (strides, padding, outputPadding also >= stride, dilation, groups, no bias, unbatched);
// the modules' forward(x, outputSize) against PyTorch; float64 finite-difference gradchecks; the
// modules' init bounds and printed form; argument errors that name the argument; CUDA against the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase, randnT, toNumbers } from '../helpers';
import { gradcheck } from '../gradcheck';
import { describeOp } from '../devices';
import { expectCloseToCpu } from './compare';

const F = torch.F;
const fnCases = casesOf('conv_transpose', ['conv_transpose']);
const moduleCases = casesOf('conv_transpose', ['conv_transpose_module']);
const rows = fnCases.flatMap(([name, c]) => (['float64', 'float32'] as const).map((d) => [`${name} ${d}`, c, d] as const));

const convT = (nd: number, x: Tensor, w: Tensor, b: Tensor | null, opts: torch.nn.ConvTransposeOptions) =>
  [F.convTranspose1d, F.convTranspose2d, F.convTranspose3d][nd - 1](x, w, b, opts);

describeOp('conv_transpose', ({ device, on, vsCpu }) => {
  describe('convTranspose vs PyTorch', () => {
    test('fixture has cases: 1-D, 2-D and 3-D, groups, dilation, outputPadding >= stride, unbatched', () => {
      expect(fnCases.length).toBeGreaterThanOrEqual(14);
      const ps = fnCases.map(([, c]) => c.params);
      expect([1, 2, 3].every((nd) => ps.some((p) => p.nd === nd))).toBe(true);
      expect(ps.some((p) => p.groups > 1)).toBe(true);
      expect(fnCases.some(([, c]) => c.inputs.x!.shape.length === c.params.nd + 1)).toBe(true);
      expect(moduleCases.length).toBe(3);
    });

    test.each(rows)('%s', (_name, c: FixtureCase, dtype) => {
      const { nd, stride, padding, outputPadding, dilation, groups } = c.params;
      checkDiffCase(c, dtype, (ins) => convT(nd, ins.x!, ins.weight!, ins.bias, { stride, padding, outputPadding, dilation, groups }), {
        device, op: 'conv_transpose',
      });
    });

    test.each(moduleCases)('module forward(x, outputSize): %s', (_name, c: FixtureCase) => {
      const p = c.params;
      const Cls = p.nd === 1 ? torch.nn.ConvTranspose1d : torch.nn.ConvTranspose2d;
      const m = new Cls(p.inChannels, p.outChannels, p.kernelSize, { stride: p.stride, padding: p.padding, dilation: p.dilation });
      m.double();
      torch.noGrad(() => {
        m.weight.copy_(fromFixture(c.inputs.weight!));
        m.bias!.copy_(fromFixture(c.inputs.bias!));
      });
      m.to(device);
      const y = m.forward(on(fromFixture(c.inputs.x!)), p.outputSize);
      expect(y.shape).toEqual(c.output!.shape);
      expectClose(y, c.output!, { atol: 1e-10 });
    });
  });

  describe('non-contiguous operands', () => {
    test('a transposed input and weight give the contiguous result, and gradients of their shape', () => {
      const x = on(randnT([2, 4, 5, 6], 11)).transpose(2, 3).requiresGrad_();
      const w = on(randnT([4, 1, 3, 2], 12)).transpose(2, 3).requiresGrad_();
      const opts = { stride: 2, padding: 1, outputPadding: 1, groups: 2 };
      const y = F.convTranspose2d(x, w, null, opts);
      expectClose(y, F.convTranspose2d(x.contiguous(), w.contiguous(), null, opts), { atol: 1e-6 });
      y.sum().backward();
      expect(x.grad!.shape).toEqual([2, 4, 6, 5]);
      expect(w.grad!.shape).toEqual([4, 1, 2, 3]);
    });
  });

  describe('convTranspose gradcheck (float64, central differences)', () => {
    test('2-D stride 2, padding 1, outputPadding 1, dilation 2, groups 2, bias', () => {
      gradcheck(
        ([x, w, b]) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, dilation: 2, groups: 2 }),
        [randnT([2, 4, 3, 3], 1), randnT([4, 1, 2, 3], 2, 0.4), randnT([2], 3)],
        { device },
      );
    });
    test('1-D outputPadding 2 >= stride 1 (dilation 3), no bias', () => {
      gradcheck(([x, w]) => F.convTranspose1d(x, w, null, { padding: 1, outputPadding: 2, dilation: 3 }), [randnT([2, 3, 4], 4), randnT([3, 2, 3], 5, 0.4)], { device });
    });
    test('2-D non-contiguous input', () => {
      gradcheck(([x, w]) => F.convTranspose2d(x.transpose(2, 3), w, null, { stride: [1, 2] }), [randnT([1, 2, 3, 2], 9), randnT([2, 2, 2, 2], 10, 0.4)], { device });
    });
    test('1-D unbatched, stride 3', () => {
      gradcheck(([x, w, b]) => F.convTranspose1d(x, w, b, { stride: 3, outputPadding: 1 }), [randnT([2, 5], 6), randnT([2, 3, 2], 7, 0.4), randnT([3], 8)], { device });
    });
  });

  describe('nn.ConvTranspose1d / nn.ConvTranspose2d', () => {
    test('forward equals F.convTranspose with its parameters; PyTorch init bounds and repr', () => {
      torch.manualSeed(1);
      const m = new torch.nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }).to(device);
      expect(m.extraRepr()).toBe('4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2');
      expect(String(m)).toContain('ConvTranspose2d(4, 6, kernel_size=(3, 3)');
      expect(m.weight.shape).toEqual([4, 3, 3, 3]);
      const bound = 1 / Math.sqrt(3 * 3 * 3); // fan_in = weight.size(1) * kernel
      for (const v of toNumbers(m.weight)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
      for (const v of toNumbers(m.bias!)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
      const x = on(torch.randn([2, 4, 5, 3]));
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 6, 10, 6]);
      expectClose(y, F.convTranspose2d(x, m.weight, m.bias, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), { atol: 1e-6 });
      const m1 = new torch.nn.ConvTranspose1d(2, 3, 4, { bias: false, dilation: 2 });
      expect(m1.extraRepr()).toBe('2, 3, kernel_size=(4,), stride=(1,), dilation=(2,), bias=False');
      expect(m1.parameters().length).toBe(1);
      expect(Object.keys(m1.stateDict())).toEqual(['weight']);
      expect(m1.to(device).forward(on(torch.randn([1, 2, 5]))).shape).toEqual([1, 3, 11]);
      expect(m1.forward(on(torch.randn([2, 5]))).shape).toEqual([3, 11]);
      const m3 = new torch.nn.ConvTranspose3d(2, 4, [1, 2, 3], { stride: 2, groups: 2 }).to(device);
      expect(m3.extraRepr()).toBe('2, 4, kernel_size=(1, 2, 3), stride=(2, 2, 2), groups=2');
      expect(m3.weight.shape).toEqual([2, 2, 1, 2, 3]);
      expect(m3.forward(on(torch.randn([1, 2, 2, 3, 2])), [4, 6, 6]).shape).toEqual([1, 4, 4, 6, 6]);
    });
    test('backward through the module fills weight and bias gradients', () => {
      const m = new torch.nn.ConvTranspose2d(2, 3, 2, { stride: 2 }).to(device);
      m.forward(on(torch.randn([1, 2, 3, 3]))).sum().backward();
      expect(m.weight.grad!.shape).toEqual([2, 3, 2, 2]);
      // each output pixel gets the bias once: d(sum)/d(bias) = the output pixel count
      expect(toNumbers(m.bias!.grad!)).toEqual([36, 36, 36]);
    });
  });

  describe('convTranspose argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'float64', device });
    const rows: [string, () => unknown, RegExp][] = [
      ['1-D input (wrong rank)', () => F.convTranspose1d(f64([5]), f64([3, 4, 3])), /for input\b/],
      ['5-D input to 2-D', () => F.convTranspose2d(f64([1, 1, 3, 5, 5]), f64([3, 4, 3, 3])), /for input\b/],
      ['integer input', () => F.convTranspose1d(torch.zeros([1, 3, 5], { dtype: 'int64', device }), f64([3, 4, 3])), /for input\b/],
      ['weight of wrong rank', () => F.convTranspose2d(f64([1, 3, 5, 5]), f64([3, 4, 3])), /for weight\b/],
      ['channel mismatch', () => F.convTranspose1d(f64([1, 3, 5]), f64([2, 4, 3])), /for input\b/],
      ['groups does not divide input channels', () => F.convTranspose1d(f64([1, 3, 5]), f64([3, 2, 3]), null, { groups: 2 }), /for groups\b/],
      ['groups 0', () => F.convTranspose1d(f64([1, 4, 5]), f64([4, 4, 3]), null, { groups: 0 }), /for groups\b/],
      ['outputPadding not below stride or dilation', () => F.convTranspose1d(f64([1, 2, 5]), f64([2, 3, 3]), null, { stride: 2, outputPadding: 2 }), /for outputPadding\b/],
      ['padding too large (output size < 1)', () => F.convTranspose1d(f64([1, 2, 2]), f64([2, 3, 3]), null, { padding: 3 }), /for input\b/],
      ['bias of wrong size', () => F.convTranspose1d(f64([1, 2, 5]), f64([2, 3, 3]), f64([2])), /for bias\b/],
      ['stride of 2 elements to 1-D', () => F.convTranspose1d(f64([1, 2, 5]), f64([2, 3, 3]), null, { stride: [1, 1] }), /for stride\b/],
      ["padding 'same'", () => F.convTranspose1d(f64([1, 2, 5]), f64([2, 3, 3]), null, { padding: 'same' as never }), /for padding\b/],
      ['weight dtype mismatch', () => F.convTranspose1d(f64([1, 2, 5]), torch.zeros([2, 3, 3], { dtype: 'float32', device })), /for weight\b/],
      ['unknown option key (snake_case hint)', () => F.convTranspose2d(f64([1, 2, 5, 5]), f64([2, 3, 3, 3]), null, { output_padding: 1 } as never), /'outputPadding'/],
      ['extra positional argument', () => (F.convTranspose2d as (...a: unknown[]) => Tensor)(f64([1, 2, 5, 5]), f64([2, 3, 3, 3]), null, {}, 1), /for convTranspose2d\(\)/],
      ['nn: groups not dividing outChannels', () => new torch.nn.ConvTranspose2d(4, 3, 3, { groups: 2 }), /for groups\b/],
      ['nn: unknown option key', () => new torch.nn.ConvTranspose1d(2, 3, 3, { paddingMode: 'zeros' } as never), /for opts\.paddingMode\b/],
      ['nn: outputPadding >= stride', () => new torch.nn.ConvTranspose2d(2, 3, 3, { outputPadding: 1 }), /for outputPadding\b/],
      ['nn: outputSize out of range', () => new torch.nn.ConvTranspose2d(2, 3, 3, { stride: 2 }).to(device).forward(f64([1, 2, 4, 4]).float(), [11, 8]), /for outputSize\b/],
      ['nn: outputSize of wrong length', () => new torch.nn.ConvTranspose2d(2, 3, 3).to(device).forward(f64([1, 2, 4, 4]).float(), [6]), /for outputSize\b/],
      ['nn: extra constructor argument', () => new (torch.nn.ConvTranspose2d as unknown as new (...a: unknown[]) => unknown)(2, 3, 3, {}, 1), /for ConvTranspose2d\(\)/],
      ['nn: extra forward argument', () => (new torch.nn.ConvTranspose1d(2, 3, 3).forward as (...a: unknown[]) => Tensor)(f64([1, 2, 4]).float(), undefined, 1), /forward\(\)/],
    ];
    test.each(rows)('%s', (_name, fn, re) => {
      expect(fn).toThrow(re);
    });
  });

  vsCpu('agrees with the CPU (forward, input, weight and bias gradients)', () => {
    test.each(['float32', 'float64'] as const)('%s', (dtype) => {
      const run = (dev: string) => {
        const x = randnT([3, 4, 5, 6], 21).to(dtype).to(dev).requiresGrad_();
        const w = randnT([4, 3, 3, 2], 22, 0.4).to(dtype).to(dev).requiresGrad_();
        const b = randnT([6], 23).to(dtype).to(dev).requiresGrad_();
        const y = F.convTranspose2d(x, w, b, { stride: [2, 3], padding: 1, outputPadding: [1, 2], dilation: [1, 2], groups: 2 });
        y.backward(randnT(y.shape, 24).to(dtype).to(dev));
        return [y, x.grad!, w.grad!, b.grad!];
      };
      const [dev, cpu] = [run(device), run('cpu')];
      dev.forEach((t, i) => expectCloseToCpu('conv_transpose', t, cpu[i], dtype, `conv_transpose ${dtype} #${i}`, 12));
    });
  });
});
