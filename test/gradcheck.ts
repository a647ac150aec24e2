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


/**
 * Checks the second derivatives of f (PyTorch's gradgradcheck): with v a random upstream gradient and
 * u_k random directions, L2(x) = sum_k <grad_{x_k} <f(x), v>, u_k>. Its gradient computed by autograd
 * (the first gradients taken with {createGraph: true}, then differentiated) must equal central
 * differences of L2, each L2 evaluated from first-order gradients only (a plain backward). float64 inputs are
 * the variables; other inputs (targets) pass through, as in gradcheck.
 */
export function gradgradcheck(f: (xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions & { allowZero?: boolean } = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-5;
  const before = opts.before ?? (() => undefined);
  const device = opts.device ?? 'cpu';
  const seed = opts.seed ?? 54321;
  const data = inputs.map((t) => (t.dtype === 'float64' ? Float64Array.from(t.toArray() as Float64Array) : null));
  const fixed = inputs.map((t) => t.to(device));
  const make = (k: number, d: Float64Array | null): Tensor => (d ? torch.fromBuffer(d, inputs[k].shape.slice()).to(device) : fixed[k]);
  const vars = data.map((d, k) => (d ? k : -1)).filter((k) => k >= 0);
  const us = inputs.map((t, k) => (data[k] ? randnT(t.shape, seed + 1 + k).to(device) : null));
  let v: Tensor | null = null;

  /** L2 at the given data; with `second`, also its autograd gradient (createGraph on the first pass). */
  const l2 = (xs: (Float64Array | null)[], second: boolean): { value: number; grads: (Tensor | null)[] } => {
    before();
    const leaves = xs.map((d, k) => (d ? make(k, d).requiresGrad_() : fixed[k]));
    const y = f(leaves);
    expect(y.dtype).toBe('float64');
    if (!v) v = randnT(y.shape, seed).to(device);
    const gs = torch.autograd.grad(y, vars.map((k) => leaves[k]), { gradOutputs: v, createGraph: second, allowUnused: true });
    let total: Tensor | null = null;
    gs.forEach((g, i) => {
      if (!g) return;
      const term = g.mul(us[vars[i]] as Tensor).sum();
      total = total ? total.add(term) : term;
    });
    const value = total ? (total as Tensor).item() : 0;
    if (!second) return { value, grads: [] };
    const t = total as Tensor | null;
    const grads = t && t.requiresGrad ? torch.autograd.grad(t, vars.map((k) => leaves[k]), { allowUnused: true }) : vars.map(() => null);
    return { value, grads };
  };

  const analytic = l2(data, true).grads;
  let largest = 0;
  vars.forEach((k, i) => {
    const d = data[k] as Float64Array;
    const num = new Float64Array(d.length);
    for (let j = 0; j < d.length; j++) {
      const xs = data.slice();
      const p = Float64Array.from(d);
      xs[k] = p;
      p[j] = d[j] + eps;
      const lp = torch.tidy(() => l2(xs, false).value);
      p[j] = d[j] - eps;
      const lm = torch.tidy(() => l2(xs, false).value);
      num[j] = (lp - lm) / (2 * eps);
      largest = Math.max(largest, Math.abs(num[j]));
    }
    const an = analytic[i] ?? torch.zeros(inputs[k].shape, { dtype: 'float64' });
    expectClose(an, Array.from(num), { atol, rtol, label: `input ${k} [${inputs[k].shape.join(', ')}] second derivative: autograd vs finite differences` });
  });
  expect(vars.length).toBeGreaterThan(0);
  // a check of all-zero second derivatives could not tell a missing term from a right one
  if (!opts.allowZero) expect(largest).toBeGreaterThan(1e-6);
}
