// test/ops/pad.test.ts — F.pad on every device: against PyTorch (test/fixtures/pad.json from
// gen_pad_fixtures.py: constant with value and negative padding, reflect, replicate and circular over
// 1, 2 and 3 dims, non-contiguous inputs; output and input gradient, float64 and float32), float64
// finite-difference gradchecks of every mode, and bad arguments (PyTorch's limits per mode).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT, expectArgError, toNumbers, loadFixture, FixtureCase } from '../helpers';

const F = torch.nn.functional;
const cases = casesOf('pad');
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;

function apply(c: FixtureCase, x: Tensor): Tensor {
  const p = c.params as { pad: number[]; opts: torch.F.PadOptions; transpose: boolean };
  return F.pad(p.transpose ? x.transpose(-1, -2) : x, p.pad, p.opts);
}

describeOp('pad', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, cases, (ins, c) => apply(c, ins.x!), { title: 'fixture has the cases of the four modes', min: 20 });

  dtypes(['float64'] as const, () => {
    test.each([
      ['constant, value, crop', [2, 3, 4], (x: Tensor) => F.pad(x, [1, -1, 0, 2], { value: 0.5 })],
      ['reflect 2-D', [2, 3, 4], (x: Tensor) => F.pad(x, [2, 1, 1, 2], 'reflect')],
      ['replicate 1-D', [2, 3, 3], (x: Tensor) => F.pad(x, [4, 1], { mode: 'replicate' })],
      ['circular 3-D', [1, 1, 2, 3, 3], (x: Tensor) => F.pad(x, [3, 1, 0, 2, 1, 1], { mode: 'circular' })],
    ] as [string, number[], (x: Tensor) => Tensor][])('gradcheck %s (float64 central differences)', (_n, shape, f) => {
      gradcheck(([x]) => f(x), [randnT(shape, 7)], { device });
    });
  });

  test('the padding modules print as PyTorch and compute F.pad', () => {
    const fx = loadFixture('pad') as unknown as { reprs: [string, unknown[], string][] };
    expect(fx.reprs.length).toBe(11);
    for (const [cls, args, repr] of fx.reprs) {
      const C = (torch.nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[cls];
      expect(new C(...args).toString()).toBe(repr);
    }
    const x4 = on(randnT([1, 2, 3, 4], 5));
    const x5 = on(randnT([1, 1, 3, 3, 4], 6));
    const same = (m: torch.nn.Module, x: Tensor, y: Tensor) => expect(toNumbers(m.forward(x) as Tensor)).toEqual(toNumbers(y));
    same(new torch.nn.ZeroPad2d([1, 0, 2, 1]), x4, F.pad(x4, [1, 0, 2, 1]));
    same(new torch.nn.ConstantPad1d(2, 3.5), x4, F.pad(x4, [2, 2], { value: 3.5 }));
    same(new torch.nn.ReflectionPad2d(2), x4, F.pad(x4, [2, 2, 2, 2], 'reflect'));
    same(new torch.nn.ReplicationPad1d([1, 3]), x4.flatten(0, 1), F.pad(x4.flatten(0, 1), [1, 3], 'replicate'));
    same(new torch.nn.ReflectionPad3d(1), x5, F.pad(x5, [1, 1, 1, 1, 1, 1], 'reflect'));
    same(new torch.nn.ReplicationPad3d([0, 1, 1, 0, 2, 0]), x5, F.pad(x5, [0, 1, 1, 0, 2, 0], 'replicate'));
    expectArgError(() => new torch.nn.ReflectionPad2d([1, 1]), 'padding');
    expectArgError(() => new (torch.nn.ConstantPad2d as unknown as new (...a: unknown[]) => unknown)(1), 'value');
  });

  test('the string form of the mode, pad [] and integer inputs in constant mode', () => {
    const x = on(randnT([2, 5], 3));
    expect(toNumbers(F.pad(x, [1, 2], 'circular'))).toEqual(toNumbers(F.pad(x, [1, 2], { mode: 'circular' })));
    expect(toNumbers(F.pad(x, []))).toEqual(toNumbers(x));
    const i = on(torch.tensor([[1, 2], [3, 4]], { dtype: 'int64' }));
    const y = F.pad(i, [1, 0], { value: 7 });
    expect(y.dtype).toBe('int64');
    expect(y.tolist()).toEqual([[7, 1, 2], [7, 3, 4]]);
  });

  describe('bad arguments', () => {
    const x = () => on(randnT([2, 3, 4], 1));
    test.each([
      ['odd pad length', () => F.pad(x(), [1, 2, 3]), 'pad'],
      ['pad too long', () => F.pad(x(), [1, 1, 1, 1, 1, 1, 1, 1]), 'pad'],
      ['pad not integers', () => F.pad(x(), [1.5, 1]), 'pad'],
      ['unknown mode', () => F.pad(x(), [1, 1], { mode: 'wrap' as 'reflect' }), 'opts.mode'],
      ['unknown key', () => loose(F.pad)(x(), [1, 1], { fill: 1 }), 'opts.fill'],
      ['extra positional', () => loose(F.pad)(x(), [1, 1], 'constant', 0), /pad\(\)/],
      ['value with reflect', () => F.pad(x(), [1, 1], { mode: 'reflect', value: 1 }), 'opts.value'],
      ['reflect pad >= size', () => F.pad(x(), [4, 0], 'reflect'), 'pad'],
      ['circular pad > size', () => F.pad(x(), [0, 5], 'circular'), 'pad'],
      ['negative pad in replicate', () => F.pad(x(), [-1, 1], 'replicate'), 'pad'],
      ['reflect of 3 dims on a 3-D input', () => F.pad(x(), [1, 1, 1, 1, 1, 1], 'reflect'), 'input'],
      ['reflect of 1 dim on a 1-D input', () => F.pad(on(randnT([5], 1)), [1, 1], 'reflect'), 'input'],
      ['constant crop below 0', () => F.pad(x(), [-3, -2]), 'pad'],
      ['replicate on int64', () => F.pad(on(torch.zeros([2, 3], { dtype: 'int64' })), [1, 1], 'replicate'), 'input'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_n, f, name) => expectArgError(f, name));
  });
});
