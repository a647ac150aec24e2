// CUDA conv3d (native/cuda/conv3d.cu: implicit-GEMM forward, input and weight gradients, bias
// gradient) against the CPU kernels through F.conv3d on awkward sizes — odd volumes, 1x1x1
// kernels, strides, padding incl. 'same', dilation, groups and depthwise, batch 1 — float32 and
// float64, with all gradients; gradients must repeat bit for bit. Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectClose, maxAbs, toNumbers } from '../helpers';

const F = torch.F;
type FloatDType = 'float32' | 'float64';
type Conv3dOpts = NonNullable<Parameters<typeof F.conv3d>[3]>;
const describeCuda = torch.cuda.isAvailable() ? describe : describe.skip;

function close(cuda: Tensor | null, cpu: Tensor | null, dtype: FloatDType, label: string, K = 1): void {
  expect(cuda).not.toBeNull();
  expect(cpu).not.toBeNull();
  expect(cuda!.device).toBe('cuda');
  const scale = Math.max(1, maxAbs(toNumbers(cpu!)));
  const k = Math.sqrt(Math.max(1, K));
  const tol = dtype === 'float64' ? { atol: 1e-12 * scale * k, rtol: 1e-12 } : { atol: 2e-5 * scale * k, rtol: 1e-5 };
  expectClose(cuda!.cpu(), cpu!, { ...tol, label });
}

function bitsEqual(a: Tensor, b: Tensor, label: string): void {
  const x = toNumbers(a.cpu());
  const y = toNumbers(b.cpu());
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i], y[i])) throw new Error(`${label}: not deterministic at ${i}: ${x[i]} vs ${y[i]}`);
}

interface Case {
  name: string;
  x: number[];
  w: number[];
  opts: Conv3dOpts;
  bias?: boolean;
}

const cases: Case[] = [
  { name: '3x3x3 pad 1, odd volume', x: [2, 3, 5, 6, 7], w: [4, 3, 3, 3, 3], opts: { padding: 1 } },
  { name: 'stride (2,1,2), mixed padding, groups 2, batch 1', x: [1, 4, 7, 5, 6], w: [6, 2, 3, 2, 3], opts: { stride: [2, 1, 2], padding: [1, 0, 1], groups: 2 } },
  { name: 'dilation 2, no bias', x: [2, 2, 9, 8, 9], w: [3, 2, 3, 3, 2], opts: { dilation: 2, padding: [2, 2, 1] }, bias: false },
  { name: 'depthwise', x: [2, 4, 6, 6, 6], w: [4, 1, 3, 3, 3], opts: { padding: 1, groups: 4 } },
  { name: '1x1x1', x: [3, 5, 4, 5, 3], w: [7, 5, 1, 1, 1], opts: {} },
  { name: '1x1x1 stride 2', x: [2, 3, 5, 5, 5], w: [4, 3, 1, 1, 1], opts: { stride: 2 } },
  { name: "'same' padding", x: [2, 3, 6, 7, 5], w: [4, 3, 3, 1, 5], opts: { padding: 'same' } },
  { name: 'kernel covers the whole input', x: [2, 2, 3, 4, 5], w: [3, 2, 3, 4, 5], opts: {} },
  { name: 'long reductions (16 -> 32 channels)', x: [2, 16, 8, 10, 10], w: [32, 16, 3, 3, 3], opts: { padding: 1 } },
];

function runCase(c: Case, dtype: FloatDType): void {
  const x0 = torch.randn(c.x, { dtype });
  const w0 = torch.randn(c.w, { dtype }).mul(0.3);
  const b0 = c.bias === false ? null : torch.randn([c.w[0]], { dtype });
  const xc = x0.detach().requiresGrad_();
  const wc = w0.detach().requiresGrad_();
  const bc = b0 ? b0.detach().requiresGrad_() : null;
  const xg = x0.to('cuda').detach().requiresGrad_();
  const wg = w0.to('cuda').detach().requiresGrad_();
  const bg = b0 ? b0.to('cuda').detach().requiresGrad_() : null;
  const yc = F.conv3d(xc, wc, bc, c.opts);
  const yg = F.conv3d(xg, wg, bg, c.opts);
  expect(yg.shape).toEqual(yc.shape);
  const KK = c.w[2] * c.w[3] * c.w[4];
  close(yg, yc, dtype, 'output', c.w[1] * KK);
  const g = torch.randn(yc.shape, { dtype });
  yc.backward(g);
  yg.backward(g.to('cuda'));
  const [N, OC, OD, OH, OW] = yc.shape;
  close(xg.grad, xc.grad, dtype, 'input grad', OC * KK);
  close(wg.grad, wc.grad, dtype, 'weight grad', N * OD * OH * OW);
  if (bc) close(bg!.grad, bc.grad, dtype, 'bias grad', N * OD * OH * OW);
}

describeCuda('CUDA conv3d vs CPU', () => {
  beforeAll(() => torch.manualSeed(20261204));

  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    test.each(cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => runCase(c, dtype));

    test('gradients repeat bit for bit', () => {
      const x = torch.randn([3, 8, 7, 9, 8], { dtype }).to('cuda');
      const w = torch.randn([12, 4, 3, 3, 3], { dtype }).to('cuda');
      const b = torch.randn([12], { dtype }).to('cuda');
      const grads = () => {
        const xi = x.detach().requiresGrad_();
        const wi = w.detach().requiresGrad_();
        const bi = b.detach().requiresGrad_();
        const y = F.conv3d(xi, wi, bi, { stride: [1, 2, 2], padding: 1, groups: 2 });
        y.backward(torch.onesLike(y));
        return [y, xi.grad!, wi.grad!, bi.grad!];
      };
      const r1 = grads();
      const r2 = grads();
      ['output', 'input grad', 'weight grad', 'bias grad'].forEach((n, i) => bitsEqual(r1[i], r2[i], n));
    });
  });
});
