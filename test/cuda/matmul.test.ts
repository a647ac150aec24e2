// CUDA matrix products (native/cuda/gemm.cu: matmul_op, linear_forward_op, the tiled GEMM of
// native/cuda/gemm.cuh) against the CPU kernels through the public API: torch.matmul, torch.bmm and
// F.linear on awkward sizes (odd M/N/K, vectors, 1x1, tile edges, long K that splits the reduction,
// broadcast batches, transposed operands via the backward passes), float32 and float64, with all
// gradients. Inputs are made on the CPU and copied, so both devices see the same numbers; results
// must agree within floating-point tolerance and repeat bit for bit. Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectClose, maxAbs, toNumbers } from '../helpers';

const F = torch.F;
type FloatDType = 'float32' | 'float64';
const describeCuda = torch.cuda.isAvailable() ? describe : describe.skip;

/** CUDA result vs CPU result: float64 tight, float32 relative to the magnitude and sqrt(K). */
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

/** f on CPU leaves and on CUDA copies of them; compares the output and every input's gradient. */
function checkBoth(shapes: number[][], dtype: FloatDType, f: (ts: Tensor[]) => Tensor, K: number): void {
  const base = shapes.map((s) => torch.randn(s, { dtype }));
  const cpuIn = base.map((t) => t.detach().requiresGrad_());
  const gpuIn = base.map((t) => t.to('cuda').detach().requiresGrad_());
  const yc = f(cpuIn);
  const yg = f(gpuIn);
  expect(yg.shape).toEqual(yc.shape);
  close(yg, yc, dtype, 'output', K);
  const g = torch.randn(yc.shape, { dtype });
  yc.backward(g);
  yg.backward(g.to('cuda'));
  const Kg = Math.max(K, ...yc.shape); // gradients reduce over the other dims
  cpuIn.forEach((t, i) => close(gpuIn[i].grad, t.grad, dtype, `grad ${i}`, Kg));
}

describeCuda('CUDA matmul / bmm / linear vs CPU', () => {
  beforeAll(() => torch.manualSeed(20261201));

  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    const mm = (ts: Tensor[]) => torch.matmul(ts[0], ts[1]);
    test.each([
      ['odd sizes', [37, 53], [53, 29]],
      ['1x1', [1, 1], [1, 1]],
      ['row times matrix', [1, 17], [17, 130]],
      ['matrix times column', [131, 9], [9, 1]],
      ['vector @ matrix (1-D promotion)', [19], [19, 7]],
      ['matrix @ vector', [7, 19], [19]],
      ['vector @ vector', [33], [33]],
      ['exact tile multiple 128x128x8', [128, 8], [8, 128]],
      ['one past the tile edges', [129, 9], [9, 257]],
      ['large square (big tiles)', [300, 260], [260, 310]],
      ['long K (split reduction)', [5, 4100], [4100, 3]],
      ['long K, medium output', [70, 2500], [2500, 90]],
    ])('%s', (_n, sa, sb) => checkBoth([sa as number[], sb as number[]], dtype, mm, (sa as number[])[(sa as number[]).length - 1]));

    test('batched with broadcast batch dims', () => {
      checkBoth([[3, 1, 13, 21], [2, 21, 11]], dtype, mm, 21);
      checkBoth([[4, 9, 5], [5, 6]], dtype, mm, 5);
      checkBoth([[9, 5], [4, 5, 6]], dtype, mm, 5);
    });

    test('transposed (non-contiguous) operands', () => {
      checkBoth([[23, 31], [17, 23]], dtype, (ts) => torch.matmul(ts[0].transpose(0, 1), ts[1].transpose(0, 1)), 23);
    });

    test('bmm, many small products', () => {
      checkBoth([[200, 3, 5], [200, 5, 4]], dtype, (ts) => torch.bmm(ts[0], ts[1]), 5);
      checkBoth([[2, 65, 67], [2, 67, 66]], dtype, (ts) => torch.bmm(ts[0], ts[1]), 67);
    });

    test('linear with bias, 3-D input', () => {
      checkBoth([[2, 7, 33], [45, 33], [45]], dtype, (ts) => F.linear(ts[0], ts[1], ts[2]), 33);
    });
    test('linear without bias, odd sizes and long K', () => {
      checkBoth([[3, 1000], [5, 1000]], dtype, (ts) => F.linear(ts[0], ts[1]), 1000);
      checkBoth([[129, 17], [130, 17], [130]], dtype, (ts) => F.linear(ts[0], ts[1], ts[2]), 17);
      checkBoth([[1, 1], [1, 1], [1]], dtype, (ts) => F.linear(ts[0], ts[1], ts[2]), 1);
    });

    test('empty reduction dimension gives zeros (and the bias)', () => {
      const a = torch.zeros([3, 0], { dtype }).to('cuda');
      const b = torch.zeros([0, 4], { dtype }).to('cuda');
      expectClose(torch.matmul(a, b).cpu(), new Array(12).fill(0), { ignoreShape: true });
      const w = torch.zeros([4, 0], { dtype }).to('cuda');
      const bias = torch.randn([4], { dtype });
      const y = F.linear(a, w, bias.to('cuda'));
      expect(y.shape).toEqual([3, 4]);
      const bv = toNumbers(bias);
      expectClose(y.cpu(), [...bv, ...bv, ...bv], { ignoreShape: true, atol: 0 });
    });

    test('results repeat bit for bit', () => {
      const a = torch.randn([70, 3000], { dtype }).to('cuda');
      const b = torch.randn([3000, 50], { dtype }).to('cuda');
      bitsEqual(torch.matmul(a, b), torch.matmul(a, b), 'matmul (split K)');
      const x = torch.randn([300, 200], { dtype }).to('cuda');
      const w = torch.randn([150, 200], { dtype }).to('cuda');
      bitsEqual(F.linear(x, w), F.linear(x, w), 'linear');
    });
  });

  test('NaN and Inf propagate as on the CPU', () => {
    const a = torch.randn([9, 12]);
    const b = torch.randn([12, 10]);
    const av = a.toArray() as Float32Array;
    av[5] = NaN;
    av[30] = Infinity;
    const a2 = torch.fromBuffer(Float32Array.from(av), [9, 12]);
    const yc = torch.matmul(a2, b);
    const yg = torch.matmul(a2.to('cuda'), b.to('cuda')).cpu();
    const c = toNumbers(yc);
    const g = toNumbers(yg);
    for (let i = 0; i < c.length; i++) {
      if (Number.isNaN(c[i])) expect(Number.isNaN(g[i])).toBe(true);
      else if (!Number.isFinite(c[i])) expect(g[i]).toBe(c[i]);
      else expect(Math.abs(g[i] - c[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(c[i])));
    }
  });
});
