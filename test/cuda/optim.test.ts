// CUDA optimizer steps (native/cuda/optim.cu: adam_step, sgd_step) against the CPU kernels through
// the public API: Adam and AdamW (weight decay, amsgrad, maximize) and SGD (momentum, dampening,
// Nesterov, weight decay, maximize), several steps with gradients of awkward sizes, float32 and
// float64. The CUDA kernels round every operation as the CPU does (no FMA contraction), so the
// parameters (and hence whole trajectories) must be bit-identical. Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { CUDA_AVAILABLE, cudaSkipReason } from '../devices';
import { lcg } from './compare';

const describeCuda = CUDA_AVAILABLE ? describe : describe.skip;
const TITLE = 'CUDA optimizer steps vs CPU' + (CUDA_AVAILABLE ? '' : ` (skipped: ${cudaSkipReason()})`);
type FloatDType = 'float32' | 'float64';

function rand(shape: number[], dtype: FloatDType, seed: number, lo = -1, hi = 1): Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = () => lo + (hi - lo) * r();
  const arr = dtype === 'float32' ? Float32Array.from({ length: n }, v) : Float64Array.from({ length: n }, v);
  return torch.fromBuffer(arr, shape, { dtype });
}
function expectBits(cuda: Tensor, cpu: Tensor, label: string): void {
  expect(cuda.device.startsWith('cuda')).toBe(true);
  expect(cuda.shape).toEqual(cpu.shape);
  const a = Array.from(cuda.toArray() as ArrayLike<number>), b = Array.from(cpu.toArray() as ArrayLike<number>);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i])))
      throw new Error(`${label}: element ${i} of ${a.length}: cuda ${a[i]} vs cpu ${b[i]}`);
}

type Opt = { step(): void; zeroGrad(): void };
type Make = (ps: Tensor[]) => Opt;
const O = torch.optim;
const OPTIMIZERS: [string, Make][] = [
  ['Adam defaults', (ps) => new O.Adam(ps, { lr: 1e-2 })],
  ['Adam weight decay + amsgrad', (ps) => new O.Adam(ps, { lr: 3e-3, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1, amsgrad: true })],
  ['Adam maximize', (ps) => new O.Adam(ps, { lr: 1e-3, maximize: true })],
  ['AdamW', (ps) => new O.AdamW(ps, { lr: 1e-2, weightDecay: 0.05 })],
  ['AdamW amsgrad maximize', (ps) => new O.AdamW(ps, { lr: 5e-3, amsgrad: true, maximize: true })],
  ['SGD plain', (ps) => new O.SGD(ps, { lr: 0.1 })],
  ['SGD momentum + dampening', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.3 })],
  ['SGD Nesterov + weight decay', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 1e-2 })],
  ['SGD maximize + weight decay', (ps) => new O.SGD(ps, { lr: 0.01, weightDecay: 0.2, maximize: true })],
];
const SHAPES = [[1], [1001], [33, 17], [1 << 18, 3]];

describeCuda(TITLE, () => {
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    test.each(OPTIMIZERS)('%s: 5 steps are bit-identical', (_n, make) => {
      const p0 = SHAPES.map((s, i) => rand(s, dtype, 10 + i));
      const pc = p0.map((t) => t.detach().requiresGrad_());
      const pg = p0.map((t) => t.to('cuda').detach().requiresGrad_());
      const oc = make(pc), og = make(pg);
      for (let k = 0; k < 5; k++) {
        const grads = SHAPES.map((s, i) => rand(s, dtype, 100 * k + i, -2, 2));
        oc.zeroGrad();
        og.zeroGrad();
        pc.forEach((p, i) => (p.grad = grads[i]));
        pg.forEach((p, i) => (p.grad = grads[i].to('cuda')));
        oc.step();
        og.step();
        pg.forEach((p, i) => expectBits(p, pc[i], `${_n} step ${k + 1} param ${i}`));
      }
    });
  });
});
