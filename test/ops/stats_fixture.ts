// test/ops/stats_fixture.ts — the fixture runner shared by test/ops/stats.test.ts and
// test/ops/elementwise_more.test.ts: reads stats.json / elementwise_more.json (gen_stats_fixtures.py;
// NaN and infinities spelled as strings), makes the inputs (float64 data as the dtype under test, the
// rest in its own dtype) on the device, compares every output (floats within tolFor, equal
// infinities equal; integers and bools exactly) and the gradients after back-propagating the
// fixture's upstream gradients.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { loadFixture, expectClose, expectEqualInts, tolFor, maxAbs, toNumbers } from '../helpers';

/** A stats.json tensor: NaN and infinities spelled as strings. */
interface FT {
  shape: number[];
  dtype: DType;
  data: (number | string)[];
}
export interface Case {
  name: string;
  op: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: Record<string, any>;
  inputs: Record<string, FT>;
  outputs: Record<string, FT>;
  gradOutputs?: Record<string, FT>;
  grads?: Record<string, FT>;
}
const numbers = (t: FT): number[] => t.data.map((v) => (typeof v === 'string' ? Number(v) : v));
/** The cases of a fixture file (shared with elementwise_more.test.ts). */
export function fixtureOf(name: string): Case[] {
  return loadFixture(name).cases as unknown as Case[];
}
/** A fixture tensor as a torchlet tensor: float64 data as `fdt`, the rest in its own dtype. */
export function tensorOf(t: FT, fdt: 'float32' | 'float64'): Tensor {
  const d = numbers(t);
  if (t.dtype === 'float64') return torch.fromBuffer(fdt === 'float32' ? Float32Array.from(d) : Float64Array.from(d), t.shape.slice());
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(d), t.shape.slice());
  const i = torch.fromBuffer(BigInt64Array.from(d.map((v) => BigInt(v))), t.shape.slice());
  return t.dtype === 'int64' ? i : i.to(t.dtype);
}
/** The expected dtype of a result given as `t` when the float64 inputs ran as `fdt`. */
function expectedDtype(c: Case, t: FT, fdt: 'float32' | 'float64'): DType {
  // floatPower computes in float64 whatever its input
  return t.dtype === 'float64' && c.op !== 'floatPower' ? fdt : t.dtype;
}
/** Compares every output, then back-propagates gradOutputs and compares the grads. */
export function checkCase(c: Case, fdt: 'float32' | 'float64', on: (t: Tensor) => Tensor, apply: (c: Case, ins: Record<string, Tensor>) => Record<string, Tensor>): void {
  const ins: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    ins[k] = on(tensorOf(v, fdt));
    if (c.grads && k in c.grads && (v.dtype === 'float64' || v.dtype === 'float32')) ins[k].requiresGrad_();
  }
  const outs = apply(c, ins);
  let scale = 1;
  for (const v of Object.values(c.inputs)) if (v.dtype === 'float64') scale = Math.max(scale, maxAbs(numbers(v).filter(Number.isFinite)));
  for (const [k, e] of Object.entries(c.outputs)) {
    const y = outs[k];
    if (!y) throw new Error(`${c.name}: no output ${k}`);
    expect(y.dtype).toBe(expectedDtype(c, e, fdt));
    const label = `${c.name} [${fdt}] ${k}`;
    if (e.dtype === 'float64' || e.dtype === 'float32') {
      const s = Math.max(scale, maxAbs(numbers(e).filter(Number.isFinite)));
      const tol = e.dtype === 'float32' && fdt === 'float64' ? tolFor('float32', s) : tolFor(fdt, s);
      expectFinite(y, numbers(e), e.shape, { ...tol, label });
    } else expectEqualInts(y, { shape: e.shape, dtype: 'int64', data: numbers(e) }, label);
  }
  if (!c.gradOutputs) return;
  let loss: Tensor | null = null;
  for (const [k, g] of Object.entries(c.gradOutputs)) {
    const term = outs[k].mul(on(tensorOf(g, fdt))).sum();
    loss = loss ? loss.add(term) : term;
  }
  loss!.backward();
  for (const [k, e] of Object.entries(c.grads ?? {})) {
    const x = ins[k];
    const exp = numbers(e);
    const s = Math.max(scale, maxAbs(exp.filter(Number.isFinite)), 1);
    if (!x.grad) {
      // PyTorch's gradient is all zeros where this input does not reach the result
      expect(exp.every((v) => v === 0)).toBe(true);
      continue;
    }
    expectFinite(x.grad, exp, e.shape, { ...tolFor(fdt, s * 10), label: `${c.name} [${fdt}] grad ${k}` });
  }
}

/** expectClose, with equal infinities (same sign) counted as equal. */
export function expectFinite(y: Tensor, exp: number[], shape: number[], opts: { atol: number; rtol: number; label: string }): void {
  const act = toNumbers(y);
  const e = exp.slice();
  const a = act.map((v, i) => (!Number.isFinite(v) && !Number.isNaN(v) && v === e[i] ? (e[i] = 0) : v));
  expect(y.shape).toEqual(shape);
  expectClose(torch.tensor(a.length ? a : [], { dtype: 'float64' }).reshape(shape), { shape, dtype: 'float64', data: e }, opts);
}
