// test/ops/grid_sample.test.ts — F.gridSample and F.affineGrid on every device: against PyTorch
// (test/fixtures/grid_sample.json from gen_grid_sample_fixtures.py: every mode x paddingMode x
// alignCorners with grids reaching outside [-1, 1], 1-pixel dims, a non-contiguous input and grid, no
// channels; 5-D (volumetric) bilinear and nearest; affineGrid 2-D and 3-D, unit-size dims; outputs and
// the gradients of input and grid / theta in float64 and float32), float64 finite-difference
// gradchecks, the input gradient's determinism under threads, and the refusals.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, randnT, toNumbers, FixtureCase, argErrorTests, zerosOn, thrown, expectArgError } from '../helpers';

const F = torch.nn.functional;
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;
const sampleCases = casesOf('grid_sample', ['grid_sample']);
const affineCases = casesOf('grid_sample', ['affine_grid']);

function apply(c: FixtureCase, ins: Record<string, Tensor | null>): Tensor {
  if (c.op === 'affine_grid') return F.affineGrid(ins.theta!, c.params.size as number[], c.params.opts);
  const t = c.params.transpose as boolean;
  return F.gridSample(t ? ins.x!.transpose(-1, -2) : ins.x!, t ? ins.grid!.transpose(1, 2) : ins.grid!, c.params.opts);
}
/** A grid tensor of shape [N, Ho, Wo, 2] uniform in [-r, r] (deterministic). */
function gridT(shape: number[], seed: number, r: number): Tensor {
  return randnT(shape, seed).tanh().mul(r);
}

describeOp('grid_sample', (run) => {
  const { device, on, dtypes } = run;
  fixtureCases(run, [...sampleCases, ...affineCases], (ins, c) => apply(c, ins), {
    title: 'fixture has every mode x paddingMode x alignCorners, and affineGrid 2-D and 3-D',
    count: () => {
      const combos = new Set(sampleCases.map(([, c]) => `${c.params.opts.mode}/${c.params.opts.paddingMode}/${c.params.opts.alignCorners}`));
      const dims = new Set(affineCases.map(([, c]) => (c.params.size as number[]).length));
      const vol = sampleCases.filter(([, c]) => c.inputs.x!.shape.length === 5).length;
      return combos.size === 18 && dims.size === 2 && vol >= 12 ? sampleCases.length : 0;
    },
    min: 18,
  });

  dtypes(['float64'] as const, () => {
    const combos: [string, torch.F.GridSampleOptions][] = [];
    for (const mode of ['bilinear', 'bicubic'] as const)
      for (const paddingMode of ['zeros', 'border', 'reflection'] as const)
        for (const alignCorners of [false, true]) combos.push([`${mode} ${paddingMode} ${alignCorners ? 'ac' : 'noac'}`, { mode, paddingMode, alignCorners }]);
    test.each(combos)('gradcheck input and grid, %s (float64 central differences)', (_n, opts) => {
      gradcheck(([x, g]) => F.gridSample(x, g, opts), [randnT([2, 2, 3, 4], 11), gridT([2, 3, 2, 2], 12, 1.4)], { device });
    });
    const vol = combos.filter(([, o]) => o.mode === 'bilinear').map(([n, o]) => [n.replace('bilinear', 'trilinear'), o] as [string, torch.F.GridSampleOptions]);
    test.each(vol)('gradcheck input and grid, 5-D %s (float64 central differences)', (_n, opts) => {
      gradcheck(([x, g]) => F.gridSample(x, g, opts), [randnT([1, 2, 3, 2, 4], 31), gridT([1, 2, 2, 2, 3], 32, 1.4)], { device });
    });
    test.each([false, true])('gradcheck input, nearest reflection (alignCorners %s)', (alignCorners) => {
      const g = on(gridT([1, 4, 3, 2], 13, 1.6));
      gradcheck(([x]) => F.gridSample(x, g, { mode: 'nearest', paddingMode: 'reflection', alignCorners }), [randnT([1, 2, 3, 4], 14)], { device });
    });
    test('nearest gives the grid a zero gradient', () => {
      const x = on(randnT([1, 2, 3, 4], 15));
      const g = on(gridT([1, 2, 2, 2], 16, 1.2)).requiresGrad_();
      F.gridSample(x, g, { mode: 'nearest' }).sum().backward();
      expect(toNumbers(g.grad!)).toEqual(new Array(8).fill(0));
    });
    test.each([
      ['2-D', [2, 3, 4, 5], [2, 2, 3]],
      ['3-D', [2, 1, 3, 2, 4], [2, 3, 4]],
    ] as [string, number[], number[]][])('gradcheck affineGrid %s theta', (_n, size, thetaShape) => {
      for (const alignCorners of [false, true]) gradcheck(([t]) => F.affineGrid(t, size, { alignCorners }), [randnT(thetaShape, 17)], { device });
    });
    test('affineGrid then gridSample: the identity map reproduces the input (alignCorners both ways)', () => {
      const x = on(randnT([2, 3, 4, 5], 18));
      const theta = on(torch.tensor([[[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]], { dtype: 'float64' }));
      for (const alignCorners of [false, true]) {
        const y = F.gridSample(x, F.affineGrid(theta, [2, 3, 4, 5], { alignCorners }), { alignCorners });
        const xs = toNumbers(x);
        toNumbers(y).forEach((v, i) => expect(v).toBeCloseTo(xs[i], 12));
      }
    });
  });

  test('the input gradient is the same at any thread count (per-plane scatter; atomics on CUDA add in any order)', () => {
    const x = on(randnT([2, 8, 16, 16], 21)).requiresGrad_();
    const g = on(gridT([2, 40, 40, 2], 22, 1.3));
    const grads = [1, 2].map((n) => {
      const before = torch.getNumThreads();
      torch.setNumThreads(n);
      try {
        x.grad = null;
        F.gridSample(x, g, { mode: 'bicubic', paddingMode: 'reflection' }).mul(on(randnT([2, 8, 40, 40], 23))).sum().backward();
        return toNumbers(x.grad!);
      } finally {
        torch.setNumThreads(before);
      }
    });
    if (device === 'cpu') expect(grads[1]).toEqual(grads[0]);
    else grads[1].forEach((v, i) => expect(Math.abs(v - grads[0][i])).toBeLessThan(1e-3 * (1 + Math.abs(v))));
  });

  test('defaults: bilinear, zeros, alignCorners false (null too)', () => {
    const x = on(randnT([1, 2, 3, 4], 24));
    const g = on(gridT([1, 2, 3, 2], 25, 1.5));
    const ref = toNumbers(F.gridSample(x, g, { mode: 'bilinear', paddingMode: 'zeros', alignCorners: false }));
    expect(toNumbers(F.gridSample(x, g))).toEqual(ref);
    expect(toNumbers(F.gridSample(x, g, { alignCorners: null }))).toEqual(ref);
    expect(toNumbers(F.affineGrid(on(randnT([1, 2, 3], 26)), [1, 1, 2, 3]))).toEqual(
      toNumbers(F.affineGrid(on(randnT([1, 2, 3], 26)), [1, 1, 2, 3], { alignCorners: false })));
  });

  describe('refusals', () => {
    const z = zerosOn(on);
    argErrorTests([
      ['3-D input', () => F.gridSample(z.f32([3, 4, 5]), z.f32([1, 3, 3, 2])), 'input'],
      ['grid of other rank', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f32([1, 3, 2])), 'grid'],
      ['batch mismatch', () => F.gridSample(z.f32([2, 1, 4, 5]), z.f32([1, 3, 3, 2])), 'grid'],
      ['grid last dim 3 for 4-D input', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f32([1, 3, 3, 3])), 'grid'],
      ['empty spatial dim', () => F.gridSample(z.f32([1, 1, 0, 5]), z.f32([1, 3, 3, 2])), 'input'],
      ['int64 input', () => F.gridSample(z.i64([1, 1, 4, 5]), z.i64([1, 3, 3, 2])), 'input'],
      ['dtype mismatch', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f64([1, 3, 3, 2])), 'grid'],
      ['unknown mode', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f32([1, 3, 3, 2]), { mode: 'linear' as never }), 'opts.mode'],
      ['unknown padding mode', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f32([1, 3, 3, 2]), { paddingMode: 'circular' as never }), 'opts.paddingMode'],
      ['non-boolean alignCorners', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f32([1, 3, 3, 2]), { alignCorners: 1 as never }), 'opts.alignCorners'],
      ['snake_case option', () => F.gridSample(z.f32([1, 1, 4, 5]), z.f32([1, 3, 3, 2]), { padding_mode: 'zeros' } as never), 'opts.padding_mode'],
      ['extra argument', () => loose(F.gridSample)(z.f32([1, 1, 4, 5]), z.f32([1, 3, 3, 2]), {}, 1), 'gridSample'],
      ['grid not a tensor', () => F.gridSample(z.f32([1, 1, 4, 5]), [[0, 0]] as never), 'grid'],
      ['affineGrid: size of 3 dims', () => F.affineGrid(z.f32([1, 2, 3]), [1, 1, 4]), 'size'],
      ['affineGrid: size of 6 dims', () => F.affineGrid(z.f32([1, 2, 3]), [1, 1, 4, 4, 4, 4]), 'size'],
      ['affineGrid: zero size', () => F.affineGrid(z.f32([1, 2, 3]), [1, 1, 0, 4]), 'size'],
      ['affineGrid: fractional size', () => F.affineGrid(z.f32([1, 2, 3]), [1, 1, 2.5, 4]), 'size'],
      ['affineGrid: theta 3x4 for a 4-D size', () => F.affineGrid(z.f32([1, 3, 4]), [1, 1, 4, 4]), 'theta'],
      ['affineGrid: theta 2x3 for a 5-D size', () => F.affineGrid(z.f32([1, 2, 3]), [1, 1, 4, 4, 4]), 'theta'],
      ['affineGrid: batch mismatch', () => F.affineGrid(z.f32([2, 2, 3]), [3, 1, 4, 4]), 'theta'],
      ['affineGrid: int64 theta', () => F.affineGrid(z.i64([1, 2, 3]), [1, 1, 4, 4]), 'theta'],
      ['affineGrid: unknown option', () => F.affineGrid(z.f32([1, 2, 3]), [1, 1, 4, 4], { align_corners: true } as never), 'opts.align_corners'],
    ]);
    test('5-D: bicubic is refused (4-D only, as PyTorch), a grid of 2 coordinates too', () => {
      expectArgError(() => F.gridSample(z.f32([1, 1, 2, 3, 4]), z.f32([1, 2, 2, 2, 3]), { mode: 'bicubic' }), 'opts.mode');
      expect(thrown(() => F.gridSample(z.f32([1, 1, 2, 3, 4]), z.f32([1, 2, 2, 2, 2]))).code).toBe('ERR_TORCHLET_SHAPE');
      expect(F.gridSample(z.f32([1, 2, 2, 3, 4]), z.f32([1, 4, 2, 5, 3])).shape).toEqual([1, 2, 4, 2, 5]);
    });
  });
});
