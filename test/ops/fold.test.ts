// test/ops/fold.test.ts — F.unfold / F.fold and nn.Unfold / nn.Fold on every device: against
// PyTorch (test/fixtures/fold.json from gen_fold_fixtures.py: batched and unbatched inputs, int and
// pair sizes, dilation / padding / stride, overlapping and gapped blocks, a non-contiguous input, an
// empty batch; output and input gradient in float64 and float32), float64 finite-difference gradchecks,
// the two as adjoints of each other, the argument forms (positional or in the options), the modules
// (PyTorch's print, no state) and the refusals.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT, expectArgError, toNumbers, FixtureCase, argErrorTests, zerosOn, thrown } from '../helpers';

const { nn } = torch;
const F = torch.nn.functional;
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;
const unfoldCases = casesOf('fold', ['unfold']);
const foldCases = casesOf('fold', ['fold']);

function apply(c: FixtureCase, x: Tensor): Tensor {
  const p = c.params as { kernelSize: number | number[]; outputSize?: number[]; opts: torch.F.UnfoldOptions; transpose: boolean };
  if (c.op === 'fold') return F.fold(x, p.outputSize!, p.kernelSize, p.opts);
  return F.unfold(p.transpose ? x.transpose(-1, -2) : x, p.kernelSize, p.opts);
}
const dot = (a: Tensor, b: Tensor): number => toNumbers(a).reduce((s, v, i) => s + v * toNumbers(b)[i], 0);

describeOp('fold', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, [...unfoldCases, ...foldCases], (ins, c) => apply(c, ins.x!), {
    title: 'fixture has unfold and fold cases (batched and unbatched)',
    count: () => Math.min(unfoldCases.length, foldCases.length),
    min: 7,
  });

  dtypes(['float64'] as const, () => {
    test.each([
      ['unfold 4-D, padding and stride', [2, 2, 5, 6], (x: Tensor) => F.unfold(x, [2, 3], { padding: 1, stride: [2, 1] })],
      ['unfold 3-D, dilation', [2, 6, 5], (x: Tensor) => F.unfold(x, 2, { dilation: [2, 1] })],
      ['fold 3-D, overlapping blocks', [2, 8, 12], (x: Tensor) => F.fold(x, [4, 5], 2)],
      ['fold 2-D, padding, stride, dilation', [4, 9], (x: Tensor) => F.fold(x, [5, 5], [2, 2], { padding: 1, stride: 2, dilation: [1, 2] })],
    ] as [string, number[], (x: Tensor) => Tensor][])('gradcheck %s (float64 central differences)', (_n, shape, f) => {
      gradcheck(([x]) => f(x), [randnT(shape, 5)], { device });
    });

    test('fold is the adjoint of unfold: <unfold(x), y> = <x, fold(y)>', () => {
      const x = on(randnT([2, 3, 7, 6], 1));
      const opts = { dilation: [2, 1], padding: [1, 2], stride: [2, 3] };
      const u = F.unfold(x, [3, 2], opts);
      const y = on(randnT(u.shape, 2));
      const back = F.fold(y, [7, 6], [3, 2], opts);
      expect(back.shape).toEqual([2, 3, 7, 6]);
      expect(Math.abs(dot(u, y) - dot(x, back))).toBeLessThan(1e-10 * Math.abs(dot(u, y)) + 1e-10);
    });

    test('fold(unfold(x)) multiplies each pixel by the number of blocks covering it', () => {
      const x = on(randnT([1, 2, 4, 4], 3));
      const counts = F.fold(F.unfold(on(torch.ones([1, 1, 4, 4], { dtype: 'float64' })), 2), 4, 2);
      const y = F.fold(F.unfold(x, 2), 4, 2);
      const c = toNumbers(counts);
      expect(c.slice(0, 4)).toEqual([1, 2, 2, 1]);
      const xs = toNumbers(x);
      toNumbers(y).forEach((v, i) => expect(v).toBeCloseTo(xs[i] * c[i % 16], 12));
    });
  });

  test('sizes positional or in the options give the same result; the module forms too', () => {
    const x = on(randnT([2, 3, 5, 6], 7));
    const ref = toNumbers(F.unfold(x, [2, 3], { padding: 1, stride: 2 }));
    expect(toNumbers(F.unfold(x, { kernelSize: [2, 3], padding: 1, stride: 2 }))).toEqual(ref);
    expect(toNumbers(new nn.Unfold([2, 3], { padding: 1, stride: 2 }).forward(x))).toEqual(ref);
    expect(toNumbers(new nn.Unfold({ kernelSize: [2, 3], padding: 1, stride: 2 }).forward(x))).toEqual(ref);
    const cols = F.unfold(x, 2);
    const fref = toNumbers(F.fold(cols, [5, 6], 2));
    expect(toNumbers(F.fold(cols, { outputSize: [5, 6], kernelSize: 2 }))).toEqual(fref);
    expect(toNumbers(F.fold(cols, [5, 6], { kernelSize: 2 }))).toEqual(fref);
    expect(toNumbers(new nn.Fold([5, 6], 2).forward(cols))).toEqual(fref);
    expect(toNumbers(new nn.Fold({ outputSize: [5, 6], kernelSize: 2 }).forward(cols))).toEqual(fref);
    expect(F.unfold(x.to('float32'), 2).dtype).toBe('float32');
    expect(F.fold(cols.to('float32'), [5, 6], 2).dtype).toBe('float32');
    expect(F.unfold(x, 2).device).toBe(x.device);
  });

  test("the modules print as PyTorch's and have no state", () => {
    expect(new nn.Unfold([2, 3]).toString()).toBe('Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)');
    expect(new nn.Unfold(2, { dilation: [1, 2] }).toString()).toBe('Unfold(kernel_size=2, dilation=(1, 2), padding=0, stride=1)');
    expect(new nn.Fold([4, 5], 2, { stride: [1, 2] }).toString()).toBe('Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=(1, 2))');
    expect(Object.keys(new nn.Fold(4, 2).stateDict())).toEqual([]);
    expect(new nn.Unfold(3).parameters()).toEqual([]);
  });

  describe('refusals', () => {
    const z = zerosOn(on);
    argErrorTests([
      ['unfold: 2-D input', () => F.unfold(z.f32([3, 4]), 2), 'input'],
      ['unfold: 5-D input', () => F.unfold(z.f32([1, 1, 3, 4, 4]), 2), 'input'],
      ['unfold: empty spatial dim', () => F.unfold(z.f32([2, 3, 0, 4]), 1), 'input'],
      ['unfold: no channels', () => F.unfold(z.f32([2, 0, 3, 4]), 1), 'input'],
      ['unfold: int64 input', () => F.unfold(z.i64([1, 1, 3, 3]), 2), 'input'],
      ['unfold: kernel 0', () => F.unfold(z.f32([1, 1, 3, 3]), 0), 'kernelSize'],
      ['unfold: kernel of 3 entries', () => F.unfold(z.f32([1, 1, 3, 3]), [1, 2, 3]), 'kernelSize'],
      ['unfold: fractional kernel', () => F.unfold(z.f32([1, 1, 3, 3]), 1.5), 'kernelSize'],
      ['unfold: no kernel', () => loose(F.unfold)(z.f32([1, 1, 3, 3])), 'kernelSize'],
      ['unfold: kernel larger than the padded input', () => F.unfold(z.f32([1, 1, 3, 3]), 4), 'kernelSize'],
      ['unfold: dilation 0', () => F.unfold(z.f32([1, 1, 3, 3]), 2, { dilation: 0 }), 'opts.dilation'],
      ['unfold: negative padding', () => F.unfold(z.f32([1, 1, 3, 3]), 2, { padding: -1 }), 'opts.padding'],
      ['unfold: stride 0', () => F.unfold(z.f32([1, 1, 3, 3]), 2, { stride: [1, 0] }), 'opts.stride'],
      ['unfold: kernel both positional and in the options', () => F.unfold(z.f32([1, 1, 3, 3]), 2, { kernelSize: 2 }), 'opts.kernelSize'],
      ['unfold: unknown option', () => F.unfold(z.f32([1, 1, 3, 3]), 2, { kernel_size: 2 } as never), 'opts.kernel_size'],
      ['unfold: an argument after the options', () => loose(F.unfold)(z.f32([1, 1, 3, 3]), { kernelSize: 2 }, 3), 'unfold'],
      ['unfold: extra argument', () => loose(F.unfold)(z.f32([1, 1, 3, 3]), 2, {}, 1), 'unfold'],
      ['fold: 4-D input', () => F.fold(z.f32([1, 4, 4, 1]), 3, 2), 'input'],
      ['fold: 1-D input', () => F.fold(z.f32([4]), 3, 2), 'input'],
      ['fold: rows not divisible by the kernel', () => F.fold(z.f32([2, 5, 6]), [3, 4], 2), 'input'],
      ['fold: wrong number of blocks', () => F.fold(z.f32([2, 4, 4]), [3, 4], 2), 'input'],
      ['fold: empty rows', () => F.fold(z.f32([2, 0, 6]), [3, 4], 2), 'input'],
      ['fold: int64 input', () => F.fold(z.i64([4, 6]), [3, 4], 2), 'input'],
      ['fold: outputSize 0', () => F.fold(z.f32([4, 6]), [0, 4], 2), 'outputSize'],
      ['fold: no outputSize', () => loose(F.fold)(z.f32([4, 6]), undefined, 2), 'outputSize'],
      ['fold: no kernel', () => F.fold(z.f32([4, 6]), [3, 4]), 'kernelSize'],
      ['fold: kernel larger than the output', () => F.fold(z.f32([25, 1]), [3, 4], 5), 'kernelSize'],
      ['fold: outputSize both ways', () => F.fold(z.f32([4, 6]), [3, 4], 2, { outputSize: 3 }), 'opts.outputSize'],
      ['fold: unknown option', () => F.fold(z.f32([4, 6]), [3, 4], 2, { strides: 1 } as never), 'opts.strides'],
      ['nn.Unfold: kernel 0', () => new nn.Unfold(0), 'kernelSize'],
      ['nn.Unfold: bad padding', () => new nn.Unfold(2, { padding: -1 }), 'opts.padding'],
      ['nn.Unfold: unknown option', () => new nn.Unfold(2, { pad: 1 } as never), 'opts.pad'],
      ['nn.Fold: no kernel', () => loose((o: number) => new nn.Fold(o))(3), 'kernelSize'],
      ['nn.Fold: bad outputSize', () => new nn.Fold([1, 2, 3], 2), 'outputSize'],
      ['nn.Fold: bad stride', () => new nn.Fold(4, 2, { stride: 0 }), 'opts.stride'],
    ]);
    test('the errors are coded', () => {
      expect(thrown(() => F.unfold(z.f32([1, 1, 3, 3]), 4)).code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(thrown(() => F.fold(z.f32([2, 4, 4]), [3, 4], 2)).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => F.unfold(z.i64([1, 1, 3, 3]), 2)).code).toBe('ERR_TORCHLET_DTYPE');
      expectArgError(() => F.unfold(z.f32([1, 1, 3, 3]), 'x' as never), 'kernelSize');
    });
  });
});
