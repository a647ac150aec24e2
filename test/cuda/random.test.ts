// CUDA random numbers (native/cuda/random.cu: random_op) against the CPU generator through the
// public API: the same seed and stream position must give the same numbers on both devices.
// Uniform (rand, nn.init uniform) and Bernoulli (dropout masks) are bit-identical; normal (randn)
// shares every rounded step but log/cos, which come from CUDA's libdevice: float64 values agree to
// ~1e-15 relative, float32 values are identical or one float ulp apart (rarely). Sizes are awkward
// (1, odd, > one grid's worth) and the stream is advanced between draws so offsets are non-zero.
// Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { CUDA_AVAILABLE, cudaSkipReason } from '../devices';

const F = torch.F;
const describeCuda = CUDA_AVAILABLE ? describe : describe.skip;
const TITLE = 'CUDA random vs CPU' + (CUDA_AVAILABLE ? '' : ` (skipped: ${cudaSkipReason()})`);

function nums(t: Tensor): number[] {
  return Array.from(t.toArray() as ArrayLike<number>);
}
/** Runs draw() on the CPU and on CUDA from the same generator state. */
function both(seed: number, draw: (device: 'cpu' | 'cuda') => Tensor): [Tensor, Tensor] {
  torch.manualSeed(seed);
  const c = draw('cpu');
  torch.manualSeed(seed);
  const g = draw('cuda');
  expect(g.device.startsWith('cuda')).toBe(true);
  expect(g.shape).toEqual(c.shape);
  expect(g.dtype).toBe(c.dtype);
  return [g, c];
}
function expectBits(g: Tensor, c: Tensor, label: string): void {
  const a = nums(g), b = nums(c);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) throw new Error(`${label}: element ${i} of ${a.length}: cuda ${a[i]} vs cpu ${b[i]}`);
}

const SIZES = [[1], [7], [1001], [33, 65], [0], [1 << 20, 3]];

describeCuda(TITLE, () => {
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    test.each(SIZES)('rand %p is bit-identical', (...shape) => {
      const [g, c] = both(1234, (device) => {
        torch.rand([5], { dtype, device }); // advance the stream: a non-zero offset
        return torch.rand(shape, { dtype, device });
      });
      expectBits(g, c, 'rand');
      for (const v of nums(g)) if (!(v >= 0 && v < 1)) throw new Error(`rand out of [0, 1): ${v}`);
    });

    test.each(SIZES)('randn %p agrees within libm rounding', (...shape) => {
      const [g, c] = both(99, (device) => {
        torch.randn([3], { dtype, device });
        return torch.randn(shape, { dtype, device });
      });
      const a = nums(g), b = nums(c);
      let differ = 0;
      for (let i = 0; i < a.length; i++) {
        if (Object.is(a[i], b[i])) continue;
        differ++;
        const tol = dtype === 'float64' ? 2e-15 * Math.abs(b[i]) + 1e-300 : 2.4e-7 * Math.abs(b[i]) + 1e-45;
        if (!(Math.abs(a[i] - b[i]) <= tol)) throw new Error(`randn element ${i}: cuda ${a[i]} vs cpu ${b[i]}`);
      }
      // float32: rounding double -> float hides the libm differences almost always
      if (dtype === 'float32') expect(differ).toBeLessThanOrEqual(Math.max(2, a.length * 1e-4));
    });

    test('nn.init.uniform_ on a device tensor is bit-identical', () => {
      const [g, c] = both(7, (device) => {
        const w = torch.empty([129, 67], { dtype, device });
        torch.nn.init.uniform_(w, -0.25, 0.75);
        return w;
      });
      expectBits(g, c, 'uniform_');
    });

    test.each([0.1, 0.5, 0.9])('dropout mask (p = %p) is bit-identical', (p) => {
      const x = torch.randn([17, 301], { dtype });
      const [g, c] = both(31, (device) => {
        torch.rand([2], { device }); // a non-zero offset
        return F.dropout(x.to(device), { p, training: true });
      });
      expectBits(g, c, `dropout p=${p}`);
    });
  });

  test('different seeds and offsets give different CUDA streams, the same seed the same one', () => {
    torch.manualSeed(5);
    const a = nums(torch.rand([64], { device: 'cuda' }));
    const b = nums(torch.rand([64], { device: 'cuda' }));
    torch.manualSeed(5);
    const a2 = nums(torch.rand([64], { device: 'cuda' }));
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
  });
});
