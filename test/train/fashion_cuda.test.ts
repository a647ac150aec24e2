// test/train/fashion_cuda.test.ts — a short FashionCNN training on 'cuda' against the same run on
// the CPU (runs wherever CUDA is available: a GPU, or the CPU emulator of `npm run test:cuda-emu`).
// The recipe of `torchlet train` (lib/train/fashion.ts) on the first official images: the same
// seeds give the same initial weights, split, shuffles and dropout masks on both devices; the
// per-batch losses and the final accuracy agree within float32 GEMM tolerance (the convolutions and
// linear layers sum in another order on CUDA). Where the kernels promise bit equality they are
// checked bit for bit: the random draws (uniform, Bernoulli; normal within 1 float ulp: libdevice's
// log/cos), dropout masks, max pooling, and an Adam step from the same parameters and gradients.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../lib';
import { trainFashionMnist } from '../../lib/train/fashion';
import { testCuda } from '../devices';

const DIR = '/usr/share/datasets/fashion-mnist';
const has = fs.existsSync(path.join(DIR, 'train-images-idx3-ubyte.gz'));

function bits(t: torch.Tensor): number[] {
  return Array.from(t.to('cpu').toArray() as Float32Array);
}
function expectBitEqual(a: torch.Tensor, b: torch.Tensor): void {
  const x = a.to('cpu').toArray(), y = b.to('cpu').toArray();
  expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength))).toBe(true);
}

describe('FashionCNN on cuda against the CPU', () => {
  testCuda('random draws, dropout masks and max pooling are bit-identical to the CPU', () => {
    torch.manualSeed(7);
    const uc = torch.rand([4099]);
    torch.manualSeed(7);
    const ug = torch.rand([4099], { device: 'cuda' });
    expectBitEqual(ug, uc);
    torch.manualSeed(9);
    const nc = torch.randn([4099]);
    torch.manualSeed(9);
    const ng = torch.randn([4099], { device: 'cuda' });
    const a = bits(nc), b = bits(ng);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(Math.abs(a[i]) * 1.2e-7);
    const x = torch.randn([8, 3, 9, 9]);
    torch.manualSeed(11);
    const dc = torch.F.dropout(x, { p: 0.5, training: true });
    torch.manualSeed(11);
    const dg = torch.F.dropout(x.to('cuda'), { p: 0.5, training: true });
    expectBitEqual(dg, dc);
    expectBitEqual(torch.F.maxPool2d(x.to('cuda'), 2), torch.F.maxPool2d(x, 2));
  });

  testCuda('an Adam step from the same parameters and gradients is bit-identical', () => {
    torch.manualSeed(3);
    const m = torch.models.fashionCnn();
    const cpuParams = m.parameters();
    const grads = cpuParams.map((p) => torch.randn(p.shape).mul(0.01));
    const gpuParams = cpuParams.map((p) => p.detach().to('cuda').requiresGrad_());
    const optC = new torch.optim.Adam(cpuParams, { lr: 1e-3, weightDecay: 1e-4 });
    const optG = new torch.optim.Adam(gpuParams, { lr: 1e-3, weightDecay: 1e-4 });
    for (let step = 0; step < 3; step++) {
      cpuParams.forEach((p, i) => (p.grad = grads[i].mul(step + 1)));
      gpuParams.forEach((p, i) => (p.grad = grads[i].mul(step + 1).to('cuda')));
      optC.step();
      optG.step();
    }
    cpuParams.forEach((p, i) => expectBitEqual(gpuParams[i], p));
  });

  (has ? testCuda : test.skip)('torchlet train on cuda follows the CPU run (512 images, batch 64, 1 epoch)', async () => {
    const runs: { losses: number[]; acc: number }[] = [];
    for (const device of ['cpu', 'cuda']) {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), `torchlet-train-${device}-`));
      const losses: number[] = [];
      const res = await trainFashionMnist({
        data: DIR, out, epochs: 1, batchSize: 64, limitTrain: 512, limitTest: 256, download: false, device, report: false,
        onBatch: (b) => losses.push(b.loss),
      });
      runs.push({ losses, acc: res.testAcc });
    }
    const [cpu, cuda] = runs;
    expect(cuda.losses.length).toBe(cpu.losses.length);
    expect(cpu.losses.length).toBeGreaterThan(4);
    for (let i = 0; i < cpu.losses.length; i++) expect(Math.abs(cuda.losses[i] - cpu.losses[i])).toBeLessThanOrEqual(1e-3 * Math.max(1, cpu.losses[i]));
    expect(Math.abs(cuda.acc - cpu.acc)).toBeLessThanOrEqual(0.02);
  }, 600000);
});
