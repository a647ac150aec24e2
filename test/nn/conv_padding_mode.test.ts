// test/nn/conv_padding_mode.test.ts — nn.Conv1d / Conv2d / Conv3d with PyTorch's paddingMode 'reflect',
// 'replicate' and 'circular' (lib/nn/conv.ts: the input padded by F.pad in that mode, then convolved
// without padding) against PyTorch (test/fixtures/conv_padding_mode.json from
// gen_conv_padding_mode_fixtures.py): the output and the input, weight and bias gradients in float64
// with numeric, asymmetric and 'same' padding, stride and dilation, on every device; float64
// finite-difference gradients; PyTorch's repr;
// jit.freeze leaves such a layer as it is (same output as the plain module); bad modes are coded errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { expectClose, loadFixture, randnT } from '../helpers';
import { gradcheck } from '../gradcheck';

interface T { shape: number[]; data: number[] }
interface Case { mode: 'reflect' | 'replicate' | 'circular'; dims: 1 | 2 | 3; in: number; out: number; kernel: number | number[]; opts: Record<string, unknown>; x: T; weight: T; bias: T; y: T; gradOutput: T; gx: number[]; gw: number[]; gb: number[]; repr: string }
const fixture = loadFixture('conv_padding_mode') as unknown as { cases: Case[] };
const { nn } = torch;
const ctor = { 1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d } as const;
const make = (c: Case) => new (ctor[c.dims] as unknown as new (i: number, o: number, k: number | number[], opts: object) => InstanceType<typeof nn.Conv2d>)(c.in, c.out, c.kernel, { ...c.opts, paddingMode: c.mode });
const from = (t: T) => torch.tensor(t.data, { dtype: 'float64' }).reshape(t.shape);

describeOp('conv_padding_mode', ({ on, device }) => {
  test.each(fixture.cases.map((c, i) => [`${c.mode} ${c.dims}-D ${JSON.stringify(c.opts)} #${i}`, c] as [string, Case]))('%s: PyTorch\'s output and gradients', (_n, c) => {
    const conv = make(c).double();
    torch.noGrad(() => {
      conv.weight.copy_(from(c.weight));
      conv.bias!.copy_(from(c.bias));
    });
    conv.to(on(torch.zeros([1])).device);
    const x = on(from(c.x)).requiresGrad_();
    const y = conv.forward(x) as Tensor;
    expectClose(y.cpu(), from(c.y), { atol: 1e-12, rtol: 1e-10, label: 'y' });
    y.mul(on(from(c.gradOutput))).sum().backward();
    expectClose(x.grad!.cpu(), from({ shape: c.x.shape, data: c.gx }), { atol: 1e-12, rtol: 1e-10, label: 'grad x' });
    expectClose(conv.weight.grad!.cpu(), from({ shape: c.weight.shape, data: c.gw }), { atol: 1e-11, rtol: 1e-10, label: 'grad weight' });
    expectClose(conv.bias!.grad!.cpu(), from({ shape: c.bias.shape, data: c.gb }), { atol: 1e-11, rtol: 1e-10, label: 'grad bias' });
    expect(String(make(c))).toBe(c.repr);
  });

  test.each(['reflect', 'replicate', 'circular'] as const)('%s: float64 finite-difference gradients of the input, weight and bias (2-D, \'same\' with dilation; 1-D)', (mode) => {
    for (const [dims, shape, kernel, opts] of [
      [2, [1, 2, 5, 4], 3, { padding: 'same', dilation: [2, 1] }],
      [1, [2, 1, 6], 3, { padding: 2, stride: 2 }],
    ] as [1 | 2, number[], number, object][]) {
      const conv = new (dims === 1 ? nn.Conv1d : nn.Conv2d)(shape[1], 2, kernel, { ...opts, paddingMode: mode }).double();
      const m = conv as unknown as { weight: Tensor; bias: Tensor };
      gradcheck(
        ([x, w, b]) => {
          m.weight = w; // the module's forward with these tensors as its parameters
          m.bias = b;
          return conv.forward(x) as Tensor;
        },
        [randnT(shape, 11), randnT(conv.weight.shape, 12), randnT([2], 13)],
        { device },
      );
    }
  });

  test('jit.freeze leaves a conv with a paddingMode as it is: the plain module\'s output', () => {
    torch.manualSeed(0);
    const m = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1, paddingMode: 'reflect' }), new nn.ReLU(), new nn.Conv2d(4, 3, 3, { padding: 1 }), new nn.ReLU());
    m.to(on(torch.zeros([1])).device);
    m.eval();
    const x = on(torch.randn([2, 2, 6, 6]));
    const want = torch.noGrad(() => m.forward(x) as Tensor).toArray() as Float32Array;
    const f = torch.jit.freeze(m, x);
    const got = torch.noGrad(() => f.forward(x) as Tensor).toArray() as Float32Array;
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-4));
    // and the same module with zero padding gives another answer (the mode is not ignored)
    const z = new nn.Conv2d(2, 4, 3, { padding: 1 });
    torch.noGrad(() => {
      z.weight.copy_((m.at(0) as InstanceType<typeof nn.Conv2d>).weight.cpu());
      z.bias!.copy_((m.at(0) as InstanceType<typeof nn.Conv2d>).bias!.cpu());
    });
    const a = torch.noGrad(() => (m.at(0).forward(x) as Tensor).cpu());
    const b = torch.noGrad(() => z.forward(x.cpu()));
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(1e-3);
  });

  test('bad modes: coded errors', () => {
    const loose = nn.Conv2d as unknown as new (...a: unknown[]) => unknown;
    expect(() => new loose(1, 1, 3, { paddingMode: 'mirror' })).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/opts\.paddingMode/) }));
    expect(() => new loose(1, 1, 3, { padding_mode: 'reflect' })).toThrow(expect.objectContaining({ message: expect.stringMatching(/paddingMode/) }));
  });
});
