// test/ops/conv1d.test.ts — F.conv1d / nn.Conv1d on every device: against PyTorch
// (test/fixtures/conv1d.json, from test/fixtures/gen_conv1d_fixtures.py): output and grads for x,
// weight and bias in float64 (tight) and float32 (~1e-4 relative), unbatched [C, L] input, float64
// finite-difference gradchecks (test/gradcheck.ts), the nn.Conv1d module (PyTorch's init bounds and
// printed form), argument errors that name the argument, and on CUDA agreement with the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase, randnT, toNumbers } from '../helpers';
import { gradcheck } from '../gradcheck';
import { describeOp } from '../devices';
import { expectCloseToCpu } from './compare';

const F = torch.F;
const cases = casesOf('conv1d');

// every fixture case in both dtypes: [name, case, dtype]
const rows = cases.flatMap(([name, c]) => (['float64', 'float32'] as const).map((d) => [`${name} ${d}`, c, d] as const));

describeOp('conv1d', ({ device, on, vsCpu }) => {
  describe('conv1d vs PyTorch', () => {
    test('fixture has cases, one of them unbatched', () => {
      expect(cases.length).toBeGreaterThanOrEqual(12);
      expect(cases.some(([, c]) => c.inputs.x!.shape.length === 2)).toBe(true);
    });

    test.each(rows)('%s', (_name, c: FixtureCase, dtype) => {
      const { stride, padding, dilation, groups } = c.params;
      checkDiffCase(c, dtype, (ins) => F.conv1d(ins.x!, ins.weight!, ins.bias, { stride, padding, dilation, groups }), { device, op: 'conv1d' });
    });

    test('unbatched [C, L] input gives the batched result without the batch dim', () => {
      const c = cases.find(([n]) => n === 'conv1d_groups2_stride2_dil2_pad1')![1];
      const [x, w, b] = [c.inputs.x!, c.inputs.weight!, c.inputs.bias!].map((t) => on(fromFixture(t)));
      const opts = { stride: 2, padding: 1, dilation: 2, groups: 2 };
      const one = F.conv1d(x.select(0, 1), w, b, opts);
      const all = F.conv1d(x, w, b, opts);
      expect(one.shape).toEqual(all.shape.slice(1));
      expectClose(one, all.select(0, 1), { atol: 1e-12 });
    });
  });

  describe('conv1d gradcheck (float64, central differences)', () => {
    test('stride 2, padding 1, dilation 2, groups 2, bias', () => {
      gradcheck(
        ([x, w, b]) => F.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }),
        [randnT([2, 4, 11], 1), randnT([6, 2, 3], 2, 0.4), randnT([6], 3)],
        { device },
      );
    });
    test("padding 'same' with an even kernel (extra zero at the end), no bias", () => {
      gradcheck(([x, w]) => F.conv1d(x, w, null, { padding: 'same' }), [randnT([2, 3, 7], 4), randnT([2, 3, 4], 5, 0.4)], { device });
    });
    test('stride 1 with 8 input channels (the grid input-gradient path)', () => {
      gradcheck(([x, w, b]) => F.conv1d(x, w, b, { padding: 2, dilation: 2 }), [randnT([2, 8, 9], 6), randnT([3, 8, 3], 7, 0.3), randnT([3], 8)], { device });
    });
    test('unbatched [C, L] input', () => {
      gradcheck(([x, w, b]) => F.conv1d(x, w, b, { padding: 1 }), [randnT([3, 6], 9), randnT([2, 3, 3], 10, 0.4), randnT([2], 11)], { device });
    });
  });

  describe('nn.Conv1d', () => {
    test('forward equals F.conv1d with its parameters; PyTorch init bounds and repr', () => {
      torch.manualSeed(1);
      const m = new torch.nn.Conv1d(2, 4, 3, { padding: 1 }).to(device);
      expect(m.extraRepr()).toBe('2, 4, kernel_size=(3,), stride=(1,), padding=(1,)');
      expect(String(m)).toContain('Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,))');
      expect(m.weight.shape).toEqual([4, 2, 3]);
      const bound = 1 / Math.sqrt(2 * 3);
      for (const v of toNumbers(m.weight)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
      for (const v of toNumbers(m.bias!)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
      const x = on(torch.randn([3, 2, 9]));
      const y = m.forward(x);
      expect(y.shape).toEqual([3, 4, 9]);
      expectClose(y, F.conv1d(x, m.weight, m.bias, { padding: 1 }), { atol: 1e-6 });
      const m2 = new torch.nn.Conv1d(4, 6, 2, { stride: 2, groups: 2, bias: false, dilation: 3 });
      expect(m2.extraRepr()).toBe('4, 6, kernel_size=(2,), stride=(2,), dilation=(3,), groups=2, bias=False');
      expect(m2.parameters().length).toBe(1);
      expect(m2.to(device).forward(on(torch.randn([1, 4, 10]))).shape).toEqual([1, 6, 4]);
      expect(new torch.nn.Conv1d(1, 1, 4, { padding: 'same' }).to(device).forward(on(torch.randn([1, 1, 7]))).shape).toEqual([1, 1, 7]);
    });
  });

  describe('conv1d argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'float64', device });
    const rows: [string, () => unknown, RegExp][] = [
      ['1-D input (wrong rank)', () => F.conv1d(f64([5]), f64([4, 3, 3])), /for input\b/],
      ['4-D input (wrong rank)', () => F.conv1d(f64([1, 3, 5, 5]), f64([4, 3, 3])), /for input\b/],
      ['integer input', () => F.conv1d(torch.zeros([1, 3, 5], { dtype: 'int64', device }), f64([4, 3, 3])), /for input\b/],
      ['4-D weight (wrong rank)', () => F.conv1d(f64([1, 3, 5]), f64([4, 3, 3, 3])), /for weight\b/],
      ['channel mismatch', () => F.conv1d(f64([1, 3, 5]), f64([4, 2, 3])), /for input\b/],
      ['groups does not divide input channels', () => F.conv1d(f64([1, 3, 5]), f64([4, 1, 3]), null, { groups: 2 }), /for groups\b/],
      ['groups does not divide output channels', () => F.conv1d(f64([1, 4, 5]), f64([3, 2, 3]), null, { groups: 2 }), /for groups\b/],
      ['groups 0', () => F.conv1d(f64([1, 4, 5]), f64([4, 4, 3]), null, { groups: 0 }), /for groups\b/],
      ['kernel larger than input', () => F.conv1d(f64([1, 2, 2]), f64([3, 2, 3])), /output would be 0\) for input\b/],
      ['bias of wrong size', () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), f64([2])), /for bias\b/],
      ['stride of 2 elements', () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), null, { stride: [1, 1] }), /for stride\b/],
      ['negative padding', () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), null, { padding: -1 }), /for padding\b/],
      ['unknown padding mode', () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), null, { padding: 'full' as 'same' }), /for padding\b/],
      ['dilation 0', () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), null, { dilation: 0 }), /for dilation\b/],
      ["'same' with stride 2", () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), null, { padding: 'same', stride: 2 }), /for padding\b/],
      ['weight dtype mismatch', () => F.conv1d(f64([1, 2, 5]), torch.zeros([3, 2, 3], { dtype: 'float32', device })), /for weight\b/],
      ['nn.Conv1d groups not dividing inChannels', () => new torch.nn.Conv1d(3, 4, 3, { groups: 2 }), /for groups\b/],
      ['nn.Conv1d kernelSize of 2 elements', () => new torch.nn.Conv1d(3, 4, [3, 3]), /for kernelSize\b/],
      ['unknown option key', () => F.conv1d(f64([1, 2, 5]), f64([3, 2, 3]), null, { strides: 2 } as never), /for opts\.strides\b/],
      ['extra positional argument', () => (F.conv1d as (...a: unknown[]) => Tensor)(f64([1, 2, 5]), f64([3, 2, 3]), null, {}, 1), /for conv1d\(\)/],
    ];
    test.each(rows)('%s', (_name, fn, re) => {
      expect(fn).toThrow(re);
    });
  });

  vsCpu('agrees with the CPU (forward, input, weight and bias gradients; strided, dilated, grouped)', () => {
    test.each(['float32', 'float64'] as const)('%s', (dtype) => {
      const run = (dev: string) => {
        const x = randnT([3, 4, 17], 21).to(dtype).to(dev).requiresGrad_();
        const w = randnT([6, 2, 3], 22, 0.4).to(dtype).to(dev).requiresGrad_();
        const b = randnT([6], 23).to(dtype).to(dev).requiresGrad_();
        const y = F.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2 });
        y.backward(randnT(y.shape, 24).to(dtype).to(dev));
        return [y, x.grad!, w.grad!, b.grad!];
      };
      const [dev, cpu] = [run(device), run('cpu')];
      dev.forEach((t, i) => expectCloseToCpu('conv1d', t, cpu[i], dtype, `conv1d ${dtype} #${i}`, 12));
    });
  });
});
