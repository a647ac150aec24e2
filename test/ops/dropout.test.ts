// test/ops/dropout.test.ts — dropout and its variants on every device: F.dropout (the mask is random
// and scales kept elements by 1/(1-p)), Dropout2d / Dropout3d (zero whole channels), AlphaDropout
// (keeps mean 0 / variance 1), all identity in eval mode; float64 finite-difference gradchecks with
// the generator re-seeded before each evaluation (so the mask is identical); argument errors
// (TypeError / RangeError); and on CUDA the dropout mask equal to the CPU's bit for bit (the same
// generator stream). The fused native kernels against the composed random-mask-and-multiply
// reference (test/ops/norm_reference.ts): the same outputs, gradients and generator position, bit for
// bit, under torch.manualSeed.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, randnT, toNumbers, ArgErrorRow } from '../helpers';
import { expectSame, sameStream } from './compare';
import { tol } from './tolerances';
import * as ref from './norm_reference';

const F = torch.F;
const { nn } = torch;

describeOp('dropout', ({ device, on, dtypes, vsCpu }) => {
  describe('masks', () => {
    test('the mask really is random and scales kept elements by 1/(1-p)', () => {
      torch.manualSeed(1);
      const x = on(torch.ones([1000], { dtype: 'float64' }));
      const y = toNumbers(F.dropout(x, { p: 0.25 }));
      const kept = y.filter((v) => v !== 0);
      expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-12)).toBe(true);
      expect(kept.length).toBeGreaterThan(700);
      expect(kept.length).toBeLessThan(800);
    });

    test('Dropout2d zeroes whole channels and scales the rest', () => {
      torch.manualSeed(3);
      const d = new nn.Dropout2d(0.5);
      const y = d.forward(on(torch.ones([8, 16, 4, 4])));
      const v = y.toArray() as Float32Array;
      let zeroCh = 0;
      for (let c = 0; c < 8 * 16; c++) {
        const ch = Array.from(v.subarray(c * 16, c * 16 + 16));
        expect(ch.every((e) => e === ch[0])).toBe(true);
        expect([0, 2]).toContain(ch[0]);
        if (ch[0] === 0) zeroCh++;
      }
      expect(zeroCh).toBeGreaterThan(40);
      expect(zeroCh).toBeLessThan(88);
      d.eval();
      expect((d.forward(on(torch.ones([2, 3, 2, 2]))).toArray() as Float32Array).every((e) => e === 1)).toBe(true);
      const d3 = new nn.Dropout3d(0.5);
      const y3 = d3.forward(on(torch.ones([2, 4, 2, 2, 2]))).reshape([8, 8]).tolist() as number[][];
      y3.forEach((r) => expect(new Set(r).size).toBe(1));
      expect(() => d3.forward(on(torch.ones([2, 4, 2])))).toThrow(/input/);
    });

    test('AlphaDropout keeps standardised inputs at mean 0, variance 1', () => {
      torch.manualSeed(5);
      const x = on(torch.randn([200000]));
      const y = new nn.AlphaDropout(0.2).forward(x);
      expect(Math.abs(y.mean().item())).toBeLessThan(0.01);
      const v = y.sub(y.mean()).pow(2).mean().item();
      expect(Math.abs(v - 1)).toBeLessThan(0.02);
      expect(() => new nn.AlphaDropout(-0.1)).toThrow(/p/);
    });
  });

  dtypes(['float64', 'float32'] as const, (dtype) => {
    type Drop = (x: Tensor, o: { p: number }) => Tensor;
    const variants: [string, Drop, Drop, number[]][] = [
      ['dropout', F.dropout, ref.dropout, [37, 301]],
      ['dropout (1 element)', F.dropout, ref.dropout, [1]],
      ['dropout2d', F.dropout2d, ref.dropout2d, [3, 5, 7, 9]],
      ['dropout2d unbatched, 1x1', F.dropout2d, ref.dropout2d, [6, 1, 1]],
      ['dropout3d', F.dropout3d, ref.dropout3d, [2, 9, 2, 3, 5]],
      ['alphaDropout', F.alphaDropout, ref.alphaDropout, [41, 67]],
    ];
    describe('the fused kernel = the composed mask-and-multiply, bit for bit (values, gradients, generator position)', () => {
      for (const [name, fused, composed, shape] of variants) {
        test.each([0.1, 0.5, 0.9, 1])(`${name} ${shape.join('x')} p = %p`, (p) => {
          const x0 = on(randnT(shape, 7, 3).to(dtype)).permute(shape.map((_, i) => shape.length - 1 - i)); // non-contiguous
          const g = on(randnT(x0.shape, 8).to(dtype));
          const go = (f: Drop) => {
            torch.manualSeed(1234);
            torch.rand([3]); // a non-zero offset
            const x = x0.clone().requiresGrad_();
            const y = f(x, { p });
            y.backward(g);
            return [y.detach(), x.grad!, torch.rand([5])];
          };
          const a = go(fused);
          const b = go(composed);
          ['output', 'gradient', 'next draws of the generator'].forEach((what, k) =>
            expect({ what, v: Array.from(a[k].toArray() as Float64Array) }).toEqual({ what, v: Array.from(b[k].toArray() as Float64Array) }));
        });
      }
      test('one node, DropoutBackward, and identity (no node, no draw) in eval mode or at p = 0', () => {
        const x = on(torch.ones([4, 4], { dtype })).requiresGrad_();
        expect(F.dropout(x, { p: 0.3 }).gradFn!.op).toBe('DropoutBackward');
        expect(F.dropout2d(x.reshape([1, 4, 2, 2]), { p: 0.3 }).gradFn!.op).toBe('DropoutBackward');
        torch.manualSeed(5);
        expect(F.dropout(x, { p: 0.3, training: false })).toBe(x);
        expect(F.alphaDropout(x, { p: 0 })).toBe(x);
        const after = torch.rand([2]).toArray();
        torch.manualSeed(5);
        expect(torch.rand([2]).toArray()).toEqual(after);
      });
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64; re-seeded before each evaluation, so the mask is identical)', () => {
      test.each([0.3, 0.5])('dropout p = %p', (p) => {
        gradcheck(([x]) => F.dropout(x, { p }), [randnT([4, 6], 120)], { before: () => torch.manualSeed(77), device });
      });
      test('dropout between two linears', () => {
        gradcheck(
          ([x, w1, w2]) => F.linear(F.relu(F.dropout(F.linear(x, w1), { p: 0.4 })), w2),
          [randnT([3, 4], 121), randnT([5, 4], 122), randnT([2, 5], 123)],
          { before: () => torch.manualSeed(99), device },
        );
      });
      test('dropout2d, dropout3d, alphaDropout with a fixed mask', () => {
        const before = () => torch.manualSeed(99);
        gradcheck(([x]) => F.dropout2d(x, { p: 0.4 }), [randnT([2, 4, 2, 2], 22)], { before, device });
        gradcheck(([x]) => F.dropout3d(x, { p: 0.4 }), [randnT([2, 3, 2, 2, 2], 23)], { before, device });
        gradcheck(([x]) => F.alphaDropout(x, { p: 0.3 }), [randnT([3, 7], 24)], { before, device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const i64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'int64' }));
    const rows: ArgErrorRow[] = [
      ['dropout p -0.1', () => F.dropout(f64([4]), { p: -0.1 }), 'p'],
      ['dropout p 1.5', () => F.dropout(f64([4]), { p: 1.5 }), 'p'],
      ['dropout p NaN', () => F.dropout(f64([4]), { p: NaN }), 'p'],
      ['dropout p as a string', () => F.dropout(f64([4]), { p: '0.5' as unknown as number }), 'p'],
      ['dropout p 1.5 in eval mode too', () => F.dropout(f64([4]), { p: 1.5, training: false }), 'p'],
      ['nn.Dropout(2)', () => new torch.nn.Dropout(2), 'p'],
      ['nn.Dropout(-1)', () => new torch.nn.Dropout(-1), 'p'],
      ['dropout of an int64 tensor', () => F.dropout(i64([4]), { p: 0.5 }), 'input'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
    test('a bad p is a RangeError', () => {
      expect(() => F.dropout(f64([2]), { p: 2 })).toThrow(RangeError);
    });
  });

  // Bernoulli masks come from the counter-based generator, the same stream on both devices.
  vsCpu('CUDA vs CPU: the same mask', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test.each([0.1, 0.5, 0.9])('dropout mask (p = %p) is bit-identical', (p) => {
        const x = torch.randn([17, 301], { dtype });
        const [g, c] = sameStream(device, 31, (d) => {
          torch.rand([2], { device: d }); // a non-zero offset
          return F.dropout(x.to(d), { p, training: true });
        });
        expectSame(g, c, `dropout p=${p}`, tol('dropout', dtype, device));
      });
    });
  });
});
