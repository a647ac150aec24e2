// test/nn/init.test.ts — nn.init against PyTorch 1.13 (test/fixtures/init2.json from
// gen_init2_fixtures.py), on every device: fans of awkward shapes, calculateGain of every
// nonlinearity, the bounds / stds of kaimingUniform_/kaimingNormal_ (mode, nonlinearity, a) and
// xavierUniform_/xavierNormal_ (gain) as distribution statistics of large draws, truncNormal_ (its
// uniform range, the analytic mean and std of the truncated distribution, every value within
// [a, b]), erf / erfinv against math.erf and torch.erfinv, and orthogonal_: PyTorch's Q for fixed
// matrices (the deterministic part), and Q^T Q = I (or Q Q^T) with the gain for random draws in
// float32 and float64, 2-D and 4-D.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices, onDevice } from '../devices';
import { expectArgError } from '../helpers';
import { orthogonalFrom, erf, erfinv, truncNormalBounds } from '../../lib/nn/qr';

/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'init2.json'), 'utf8')) as any;
const init = torch.nn.init;
const rel = (a: number, e: number) => Math.abs(a - e) / Math.abs(e);
function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = Array.from(t.toArray() as Float64Array | Float32Array);
  const n = v.length;
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describe('deterministic parts vs PyTorch', () => {
  test.each((fx.fans as any[]).map((f: any) => [JSON.stringify(f.shape), f] as [string, any]))('fans of %s', (_n, f: any) => {
    expect(init.calculateFanInAndFanOut(torch.empty(f.shape))).toEqual([f.fanIn, f.fanOut]);
  });
  test.each((fx.gains as any[]).map((g: any) => [`${g.nonlinearity}(${g.param})`, g] as [string, any]))('calculateGain %s', (_n, g: any) => {
    expect(init.calculateGain(g.nonlinearity, g.param ?? undefined)).toBeCloseTo(g.gain, 15);
  });
  test('erf and erfinv against math.erf and torch.erfinv', () => {
    fx.erfinv.erf.x.forEach((x: number, i: number) => expect(Math.abs(erf(x) - fx.erfinv.erf.y[i])).toBeLessThan(2e-16 + 4e-15 * Math.abs(fx.erfinv.erf.y[i])));
    fx.erfinv.y.forEach((y: number, i: number) => {
      const e = fx.erfinv.x[i];
      if (e === 0) expect(erfinv(y)).toBe(0);
      // near |y| = 1 erf is flat: a rounding of y (1e-16) moves x by 1e-16 / erf'(x), the problem's own conditioning
      else expect(Math.abs(erfinv(y) - e)).toBeLessThan(1e-13 * Math.abs(e) + 2e-16 / ((2 / Math.sqrt(Math.PI)) * Math.exp(-e * e)));
    });
  });
  test.each((fx.truncNormal as any[]).map((c: any) => [`N(${c.mean}, ${c.std}) on [${c.a}, ${c.b}]`, c] as [string, any]))('truncNormal_ uniform range of %s', (_n, c: any) => {
    const { lo, hi } = truncNormalBounds(c.mean, c.std, c.a, c.b);
    expect(Math.abs(lo - c.lo)).toBeLessThan(1e-14);
    expect(Math.abs(hi - c.hi)).toBeLessThan(1e-14);
  });
  test.each((fx.orthogonal as any[]).map((c: any) => [`${c.rows}x${c.cols}`, c] as [string, any]))("orthogonal_'s Q for a fixed %s matrix is PyTorch's", (_n, c: any) => {
    const q = orthogonalFrom(c.M, c.rows, c.cols);
    q.forEach((v, i) => expect(Math.abs(v - c.Q[i])).toBeLessThan(1e-12));
  });
});

describeDevices('nn.init draws', (device) => {
  const on = (t: Tensor) => onDevice(t, device);
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each((fx.kaiming as any[]).map((c: any) => [`${JSON.stringify(c.shape)} a=${c.a} ${c.mode} ${c.nonlinearity}`, c] as [string, any]))('kaiming %s', (_n, c: any) => {
      const t = on(torch.empty(c.shape, { dtype }));
      const o = { a: c.a, mode: c.mode, nonlinearity: c.nonlinearity };
      init.kaimingUniform_(t, o);
      const u = stats(t);
      expect(Math.max(u.max, -u.min)).toBeLessThanOrEqual(c.bound * (1 + 1e-6));
      expect(Math.max(u.max, -u.min)).toBeGreaterThan(c.bound * 0.99); // the bound is reached
      expect(rel(u.std, c.bound / Math.sqrt(3))).toBeLessThan(0.03);
      init.kaimingNormal_(t, o);
      expect(rel(stats(t).std, c.std)).toBeLessThan(0.03);
      expect(rel(c.sampledNormalStd, c.std)).toBeLessThan(0.03); // PyTorch's own draw, the same check
    });
    test.each((fx.xavier as any[]).map((c: any) => [`${JSON.stringify(c.shape)} gain=${c.gain}`, c] as [string, any]))('xavier %s', (_n, c: any) => {
      const t = on(torch.empty(c.shape, { dtype }));
      init.xavierUniform_(t, { gain: c.gain });
      const u = stats(t);
      expect(Math.max(u.max, -u.min)).toBeLessThanOrEqual(c.bound * (1 + 1e-6));
      expect(rel(u.std, c.std)).toBeLessThan(0.03);
      init.xavierNormal_(t, { gain: c.gain });
      expect(rel(stats(t).std, c.std)).toBeLessThan(0.03);
    });
    test.each((fx.truncNormal as any[]).map((c: any) => [`N(${c.mean}, ${c.std}) on [${c.a}, ${c.b}]`, c] as [string, any]))('truncNormal_ %s', (_n, c: any) => {
      const t = on(torch.empty([200, 250], { dtype }));
      init.truncNormal_(t, { mean: c.mean, std: c.std, a: c.a, b: c.b });
      const s = stats(t);
      expect(s.min).toBeGreaterThanOrEqual(c.a);
      expect(s.max).toBeLessThanOrEqual(c.b);
      // 50,000 draws: the mean within 5 standard errors, the std within 2%
      expect(Math.abs(s.mean - c.truncMean)).toBeLessThan((5 * c.truncStd) / Math.sqrt(50000));
      expect(rel(s.std, c.truncStd)).toBeLessThan(0.02);
      expect(Math.abs(c.sampledMean - c.truncMean)).toBeLessThan((5 * c.truncStd) / Math.sqrt(200000));
    });
    test.each([[[20, 7]], [[7, 20]], [[16, 4, 3, 3]], [[1, 5]]])('orthogonal_ %j: orthonormal rows or columns, times gain', (shape) => {
      for (const gain of [1, 2.5]) {
        const t = on(torch.empty(shape, { dtype }));
        expect(init.orthogonal_(t, { gain })).toBe(t);
        const rows = shape[0];
        const cols = t.numel() / rows;
        const m = t.reshape([rows, cols]).to('cpu').to('float64');
        const g = rows < cols ? m.matmul(m.t()) : m.t().matmul(m);
        const k = Math.min(rows, cols);
        const v = g.toArray() as Float64Array;
        const eps = dtype === 'float32' ? 1e-5 : 1e-12;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(Math.abs(v[i * k + j] - (i === j ? gain * gain : 0))).toBeLessThan(eps * gain * gain);
      }
    });
  });

  test('argument errors name the argument', () => {
    const t = on(torch.empty([3, 4]));
    const loose = (f: unknown) => f as (...a: unknown[]) => unknown;
    expectArgError(() => init.orthogonal_(on(torch.empty([3]))), 'tensor');
    expectArgError(() => loose(init.orthogonal_)(t, { gain: 'x' }), 'opts.gain');
    expectArgError(() => loose(init.orthogonal_)(t, { scale: 1 }), 'opts.scale');
    expectArgError(() => init.truncNormal_(t, { std: 0 }), 'opts.std');
    expectArgError(() => init.truncNormal_(t, { a: 1, b: 0 }), 'opts.b');
    expectArgError(() => loose(init.truncNormal_)(t, { lower: 1 }), 'opts.lower');
    expectArgError(() => loose(init.truncNormal_)('x'), 'tensor');
  });
});
