// test/nn/utils.test.ts — nn.utils.clipGradNorm_, clipGradValue_, parametersToVector and
// vectorToParameters on every device, against PyTorch 1.13 (test/fixtures/clip_grad.json from
// gen_clip_grad_fixtures.py): norm orders 2, 1, inf, 3 and 0.5, clipped and not, a parameter
// without a gradient, large values, inf/NaN gradients (scaled anyway, or errorIfNonfinite's error),
// float32 and float64; the returned total norm is a 0-d tensor of the gradients' dtype and device.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices, onDevice } from '../devices';
import { expectArgError } from '../helpers';

type Enc = (number | string)[];
interface Case {
  name: string;
  op: string;
  shapes: number[][];
  maxNorm?: number;
  normType?: number | 'inf';
  clipValue?: number;
  grads?: (Enc | null)[];
  out?: Record<string, { total?: number | string; grads: (Enc | null)[] }>;
  errorIfNonfinite?: string;
  params?: number[][];
  vector?: number[];
  newVector?: number[];
  paramsAfter?: number[][];
}
const cases = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'clip_grad.json'), 'utf8')) as { cases: Case[] }).cases;
const dec = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const U = torch.nn.utils;

function near(actual: number[], expected: Enc, dtype: string, what: string): void {
  expect(actual.length).toBe(expected.length);
  const rtol = dtype === 'float32' ? 2e-6 : 1e-12;
  actual.forEach((a, i) => {
    const e = dec(expected[i]);
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(a === e || Math.abs(a - e) <= rtol * Math.abs(e) + (dtype === 'float32' ? 1e-30 : 1e-300)))
      throw new Error(`${what}[${i}]: ${a} vs PyTorch ${e}`);
  });
}

describeDevices('nn.utils', (device) => {
  const on = (t: Tensor) => onDevice(t, device);
  const params = (c: Case, dtype: 'float32' | 'float64'): Tensor[] =>
    c.shapes.map((s, i) => {
      const p = on(torch.zeros(s, { dtype })).requiresGrad_();
      const g = c.grads![i];
      if (g) p.grad = on(torch.tensor(g.map(dec), { dtype }).reshape(s));
      return p;
    });

  describe.each(['float64', 'float32'] as const)('%s vs PyTorch', (dtype) => {
    test.each(cases.filter((c) => c.op === 'clipGradNorm_').map((c) => [c.name, c] as [string, Case]))('clipGradNorm_ %s', (_n, c) => {
      const ps = params(c, dtype);
      const total = U.clipGradNorm_(ps, c.maxNorm!, { normType: c.normType === 'inf' ? Infinity : c.normType });
      expect(total.shape).toEqual([]);
      expect(total.dtype).toBe(dtype);
      expect(total.device).toBe(ps[0].device);
      const want = c.out![dtype];
      near([total.item()], [want.total!], dtype, `${c.name} total norm`);
      ps.forEach((p, i) => {
        if (want.grads[i] === null) expect(p.grad).toBeNull();
        else near(p.grad!.toArray() as unknown as number[], want.grads[i]!, dtype, `${c.name} grad ${i}`);
      });
      if (c.errorIfNonfinite) {
        const qs = params(c, dtype);
        const before = qs.map((q) => (q.grad ? q.grad.tolist() : null));
        expectArgError(() => U.clipGradNorm_(qs, c.maxNorm!, { normType: c.normType, errorIfNonfinite: true }), /non-finite|finite/);
        // nothing was scaled
        qs.forEach((q, i) => expect(q.grad ? q.grad.tolist() : null).toEqual(before[i]));
      }
    });
    test.each(cases.filter((c) => c.op === 'clipGradValue_').map((c) => [c.name, c] as [string, Case]))('clipGradValue_ %s', (_n, c) => {
      const ps = params(c, dtype);
      U.clipGradValue_(ps, c.clipValue!);
      ps.forEach((p, i) => {
        const want = c.out![dtype].grads[i];
        if (want === null) expect(p.grad).toBeNull();
        else near(p.grad!.toArray() as unknown as number[], want, dtype, `${c.name} grad ${i}`);
      });
    });
  });

  test('parametersToVector / vectorToParameters', () => {
    const c = cases.find((x) => x.op === 'vector')!;
    const ps = c.shapes.map((s, i) => on(torch.tensor(c.params![i], { dtype: 'float64' }).reshape(s)).requiresGrad_());
    const v = U.parametersToVector(ps);
    expect(v.shape).toEqual([c.vector!.length]);
    expect(v.toArray()).toEqual(Float64Array.from(c.vector!));
    // differentiable, as in PyTorch (cat of views of the parameters)
    v.sum().backward();
    expect(ps[0].grad!.toArray()).toEqual(new Float64Array(15).fill(1));
    U.vectorToParameters(on(torch.tensor(c.newVector!, { dtype: 'float64' })), ps);
    ps.forEach((p, i) => {
      expect(p.shape).toEqual(c.shapes[i]);
      expect(Array.from(p.toArray() as Float64Array)).toEqual(c.paramsAfter![i]);
    });
  });

  test('a module, a single tensor, and no gradients at all', () => {
    const m = new torch.nn.Linear(3, 2);
    if (device === 'cuda') m.to('cuda');
    m.forward(on(torch.ones([4, 3]))).sum().backward();
    const total = U.clipGradNorm_(m.parameters(), 0.1);
    expect(total.item()).toBeGreaterThan(0.1);
    const after = U.clipGradNorm_(m.parameters(), 1e9);
    expect(after.item()).toBeCloseTo(0.1, 5);
    const t = on(torch.ones([4])).requiresGrad_();
    t.grad = on(torch.full([4], 3));
    expect(U.clipGradNorm_(t, 1, { normType: 'inf' }).item()).toBe(3);
    expect((t.grad.tolist() as number[])[0]).toBeCloseTo(1 / (3 + 1e-6) * 3, 6);
    const none = U.clipGradNorm_([on(torch.ones([2])).requiresGrad_()], 1);
    expect(none.item()).toBe(0);
    expect(none.dtype).toBe('float32');
  });

  test('argument errors name the argument', () => {
    const p = on(torch.ones([3])).requiresGrad_();
    p.grad = on(torch.ones([3]));
    const loose = (f: unknown) => f as (...a: unknown[]) => unknown;
    expectArgError(() => loose(U.clipGradNorm_)(3, 1), 'parameters');
    expectArgError(() => loose(U.clipGradNorm_)([p, 'x'], 1), /parameters\[1\]/);
    expectArgError(() => loose(U.clipGradNorm_)([p], 'one'), 'maxNorm');
    expectArgError(() => U.clipGradNorm_([p], 1, { normType: 0 }), 'opts.normType');
    expectArgError(() => U.clipGradNorm_([p], 1, { normType: -2 }), 'opts.normType');
    expectArgError(() => loose(U.clipGradNorm_)([p], 1, { norm_type: 2 }), /'normType'/);
    expectArgError(() => loose(U.clipGradNorm_)([p], 1, { errorIfNonfinite: 1 }), 'opts.errorIfNonfinite');
    expectArgError(() => loose(U.clipGradNorm_)([p], 1, {}, 2), /clipGradNorm_\(\)/);
    expectArgError(() => loose(U.clipGradValue_)([p], undefined), 'clipValue');
    const q = on(torch.ones([3])).requiresGrad_();
    q.grad = on(torch.ones([2]));
    expectArgError(() => U.clipGradNorm_([p, q], 1), /parameters\[1\]\.grad/);
    expectArgError(() => loose(U.vectorToParameters)([1, 2, 3], [p]), 'vec');
    expectArgError(() => U.vectorToParameters(on(torch.ones([2])), [p]), 'vec');
    expectArgError(() => U.vectorToParameters(on(torch.ones([3, 1])), [p]), 'vec');
    expectArgError(() => U.parametersToVector([]), 'parameters');
  });
});
