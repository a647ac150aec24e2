// Conv3d against PyTorch (test/fixtures/conv3d.json): output and grads for x, weight and bias,
// in float64 (tight) and float32 (~1e-4 relative), a float64 finite-difference gradcheck,
// unbatched input, the nn.Conv3d module, and argument errors that name the argument.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, fromFixture, expectClose, FixtureCase, randnT, toNumbers, tolFor } from '../helpers';

const F = torch.F;
const cases = casesOf('conv3d');

function run(c: FixtureCase) {
  return (ins: Record<string, Tensor | null>): Tensor => {
    const p = c.params;
    return F.conv3d(ins.x!, ins.weight!, ins.bias, {
      stride: p.stride,
      padding: p.padding,
      dilation: p.dilation,
      groups: p.groups,
    });
  };
}

describe('conv3d vs PyTorch', () => {
  test('fixture has cases', () => expect(cases.length).toBeGreaterThanOrEqual(8));

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(cases)('%s', (_name, c) => {
      checkDiffCase(c, dtype, run(c));
    });
  });

  test('unbatched [C, D, H, W] input gives the batched result without the batch dim', () => {
    const c = cases.find(([n]) => n === 'conv3d_basic_3x3x3_pad1')![1];
    const x = fromFixture(c.inputs.x!);
    const w = fromFixture(c.inputs.weight!);
    const b = fromFixture(c.inputs.bias!);
    const y = F.conv3d(x.select(0, 1), w, b, { padding: 1 });
    const full = F.conv3d(x, w, b, { padding: 1 });
    expect(y.shape).toEqual(full.shape.slice(1));
    expectClose(y, full.select(0, 1), { atol: 1e-12 });
  });

  test('non-contiguous (permuted) input gives the same output and grads', () => {
    const c = cases.find(([n]) => n === 'conv3d_groups2_pad1')![1];
    const p = c.params;
    const xt = fromFixture(c.inputs.x!).transpose(3, 4).contiguous().requiresGrad_();
    const x = xt.transpose(3, 4);
    expect(x.isContiguous()).toBe(false);
    const w = fromFixture(c.inputs.weight!).requiresGrad_();
    const y = F.conv3d(x, w, fromFixture(c.inputs.bias!), { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups });
    expectClose(y, c.output!, { ...tolFor('float64', 10), label: 'output' });
    y.backward(fromFixture(c.gradOutput!));
    expectClose(xt.grad!.transpose(3, 4), c.grads!.x, { ...tolFor('float64', 10), label: 'grad x' });
    expectClose(w.grad!, c.grads!.weight, { ...tolFor('float64', 10), label: 'grad weight' });
  });

  test('float64 finite-difference gradcheck (stride 2x1x1, padding, dilation, groups 2, bias)', () => {
    const opts = { stride: [2, 1, 1], padding: [1, 0, 1], dilation: [1, 2, 1], groups: 2 };
    const xs = randnT([2, 4, 4, 5, 3], 11);
    const ws = randnT([4, 2, 2, 2, 3], 12, 0.3);
    const bs = randnT([4], 13);
    const data = [xs, ws, bs].map((t) => Float64Array.from(t.toArray() as Float64Array));
    const shapes = [xs.shape, ws.shape, bs.shape];
    const mk = (k: number, d: Float64Array): Tensor => torch.fromBuffer(d, shapes[k].slice());
    const leaves = data.map((d, k) => mk(k, d).requiresGrad_());
    const y = F.conv3d(leaves[0], leaves[1], leaves[2], opts);
    const g = randnT(y.shape, 14);
    const gArr = toNumbers(g);
    y.backward(g);
    const loss = (ds: Float64Array[]): number => {
      const out = toNumbers(F.conv3d(mk(0, ds[0]), mk(1, ds[1]), mk(2, ds[2]), opts));
      return out.reduce((s, v, i) => s + v * gArr[i], 0);
    };
    const eps = 1e-6;
    for (let k = 0; k < 3; ++k) {
      const analytic = toNumbers(leaves[k].grad!);
      for (let i = 0; i < data[k].length; ++i) {
        const orig = data[k][i];
        const plus = data.map((d) => Float64Array.from(d));
        plus[k][i] = orig + eps;
        const minus = data.map((d) => Float64Array.from(d));
        minus[k][i] = orig - eps;
        const num = (loss(plus) - loss(minus)) / (2 * eps);
        expect(Math.abs(num - analytic[i])).toBeLessThan(1e-6 + 1e-5 * Math.abs(num));
      }
    }
  });

  test('nn.Conv3d module forward equals F.conv3d with its parameters, and its repr', () => {
    torch.manualSeed(1);
    const m = new torch.nn.Conv3d(1, 4, 3, { padding: 1 });
    expect(m.extraRepr()).toBe('1, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1)');
    expect(String(m)).toContain('Conv3d(1, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))');
    expect(m.weight.shape).toEqual([4, 1, 3, 3, 3]);
    const bound = 1 / Math.sqrt(27);
    for (const v of toNumbers(m.weight)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
    for (const v of toNumbers(m.bias!)) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-12);
    const x = torch.randn([2, 1, 5, 6, 4]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 4, 5, 6, 4]);
    expectClose(y, F.conv3d(x, m.weight, m.bias, { padding: 1 }), { atol: 1e-6 });
    const m2 = new torch.nn.Conv3d(4, 6, [1, 3, 2], { stride: 2, groups: 2, bias: false, dilation: [1, 2, 1] });
    expect(m2.extraRepr()).toBe('4, 6, kernel_size=(1, 3, 2), stride=(2, 2, 2), dilation=(1, 2, 1), groups=2, bias=False');
    expect(m2.parameters().length).toBe(1);
  });
});

describe('conv3d argument errors name the argument', () => {
  const f64 = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'float64' });
  const rows: [string, () => unknown, string | RegExp][] = [
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
    ['weight dtype mismatch', () => F.conv3d(f64([1, 2, 5, 5, 5]), torch.zeros([3, 2, 3, 3, 3], { dtype: 'float32' })), /for weight\b/],
    ['nn.Conv3d groups not dividing inChannels', () => new torch.nn.Conv3d(3, 4, 3, { groups: 2 }), /for groups\b/],
    ['nn.Conv3d kernelSize of 2 elements', () => new torch.nn.Conv3d(3, 4, [3, 3]), /for kernelSize\b/],
  ];
  test.each(rows)('%s', (_name, fn, re) => {
    expect(fn).toThrow(re);
  });
});
