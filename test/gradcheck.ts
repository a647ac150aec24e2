// test/gradcheck.ts — the float64 central finite-difference gradient checker shared by the tests,
// on any device (the inputs are made on the CPU and moved there; results are read back).
import * as torch from '../lib';
import type { Tensor } from '../lib';
import type { TestDevice } from './devices';
import { expectClose, randnT, toNumbers } from './helpers';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** called before every evaluation of f (analytic and numeric), e.g. to re-seed dropout */
  before?: () => void;
  seed?: number;
  /** the device f runs on (default 'cpu'): every input, and the upstream gradient, is moved there */
  device?: TestDevice;
}

/**
 * Checks the gradients of every float64 input of f. Inputs are used as data: each evaluation
 * makes fresh leaves from them (on opts.device); non-floating inputs (targets) are passed through
 * unchanged (moved to the device).
 */
export function gradcheck(f: (xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-6;
  const before = opts.before ?? (() => undefined);
  const device = opts.device ?? 'cpu';
  const data = inputs.map((t) => (t.dtype === 'float64' ? Float64Array.from(t.toArray() as Float64Array) : null));
  const fixed = inputs.map((t) => t.to(device));
  const make = (k: number, d: Float64Array | null): Tensor => (d ? torch.fromBuffer(d, inputs[k].shape.slice()).to(device) : fixed[k]);

  // analytic
  before();
  const leaves = inputs.map((_t, k) => (data[k] ? make(k, data[k]).requiresGrad_() : fixed[k]));
  const y = f(leaves);
  expect(y.dtype).toBe('float64');
  const g = randnT(y.shape, opts.seed ?? 12345);
  const gArr = toNumbers(g);
  y.backward(g.to(device));

  // numeric: L(x) = sum(f(x) * g), evaluated without recording
  const loss = (xs: (Float64Array | null)[]): number =>
    torch.noGrad(() =>
      torch.tidy(() => {
        before();
        const out = toNumbers(f(xs.map((d, k) => make(k, d))));
        let s = 0;
        for (let i = 0; i < out.length; i++) s += out[i] * gArr[i];
        return s;
      }),
    );
  let checked = 0;
  data.forEach((d, k) => {
    if (!d) return;
    const num = new Float64Array(d.length);
    for (let j = 0; j < d.length; j++) {
      const v = d[j];
      const xs = data.slice();
      const p = Float64Array.from(d);
      p[j] = v + eps;
      xs[k] = p;
      const lp = loss(xs);
      p[j] = v - eps;
      const lm = loss(xs);
      num[j] = (lp - lm) / (2 * eps);
    }
    const an = leaves[k].grad;
    if (!an) throw new Error(`input ${k}: grad is null after backward()`);
    expectClose(an, Array.from(num), { atol, rtol, label: `input ${k} [${inputs[k].shape.join(', ')}] analytic vs numeric` });
    checked++;
  });
  expect(checked).toBeGreaterThan(0);
}

