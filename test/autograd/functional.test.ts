// test/autograd/functional.test.ts — torch.autograd.functional (lib/autograd_functional.ts) on every
// device: jacobian, hessian, vjp, jvp, hvp, vhp of a few functions against PyTorch 1.13
// (test/fixtures/functional_utils.json, gen_functional_utils_fixtures.py): single and array inputs
// and outputs, result shapes and nesting, jacobian({createGraph}) differentiated again; float64
// finite-difference gradchecks of the createGraph results; strict mode; and the refusals (coded
// errors naming the argument; vectorize / forward-mode are not implemented).
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError, expectClose, fromFixture, isT, thrown, type T } from '../helpers';
import { gradcheck } from '../gradcheck';

const AF = torch.autograd.functional;
type Nested = T | Nested[];
type Out = Tensor | Out[];
interface FCase {
  name: string;
  fn: string;
  inputs: T[];
  tupleInputs: boolean;
  jacobian: Nested;
  vOut: T[];
  vIn: T[];
  output: Nested;
  vjp: Nested;
  jvp: Nested;
  hessian?: Nested;
  hvp?: Nested;
  vhp?: Nested;
  jacobianSumGrad: T[];
}
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'functional_utils.json'), 'utf8')) as { functional: FCase[] };

/** The generator's functions, with torchlet ops. */
const FUNCS: Record<string, (...xs: Tensor[]) => Tensor | Tensor[]> = {
  expsin: (x) => x.exp().mul(x.sin()),
  pair: (x, y) => [x.matmul(y.tanh()), x.mul(x).sum()],
  scalar2: (x, y) => x.pow(3).sum().add(x.exp().mul(y.sin()).sum()).add(x.mul(y).sum().pow(2)),
  tanhsq: (x) => x.tanh().mul(x).sum(),
  matvec: (x) => x.matmul(x.t()),
};

/** Compares a nested result with the fixture's nesting, level by level. */
function expectNested(actual: unknown, expected: Nested, label: string): void {
  if (isT(expected)) {
    expect(actual).toBeInstanceOf(torch.Tensor);
    expectClose(actual as Tensor, expected, { atol: 1e-9, rtol: 1e-9, label });
    return;
  }
  expect(Array.isArray(actual)).toBe(true);
  expect((actual as unknown[]).length).toBe(expected.length);
  expected.forEach((e, i) => expectNested((actual as unknown[])[i], e, `${label}[${i}]`));
}
const flatten = (x: Out): Tensor[] => (Array.isArray(x) ? x.flatMap(flatten) : [x]);

describeDevices('torch.autograd.functional', (device) => {
  const on = (t: T) => fromFixture(t).to(device);
  const args = (c: FCase) => {
    const ins = c.inputs.map(on);
    return c.tupleInputs ? ins : ins[0];
  };
  const pick = (ts: T[], tuple: boolean) => (tuple ? ts.map(on) : on(ts[0]));

  describe.each(FX.functional.map((c) => [c.name, c] as [string, FCase]))('%s', (_n, c) => {
    const f = FUNCS[c.fn];
    const outTuple = Array.isArray(c.output);
    test('jacobian (shapes [...out, ...in], nesting as PyTorch)', () => {
      const J = AF.jacobian(f, args(c));
      expectNested(J, c.jacobian, 'jacobian');
      for (const t of flatten(J as Out)) expect(t.requiresGrad).toBe(false);
    });
    test('vjp and jvp (the function output too)', () => {
      const [o, r] = AF.vjp(f, args(c), pick(c.vOut, outTuple));
      expectNested(o, c.output, 'output');
      expectNested(r, c.vjp, 'vjp');
      const [o2, r2] = AF.jvp(f, args(c), pick(c.vIn, c.tupleInputs));
      expectNested(o2, c.output, 'output');
      expectNested(r2, c.jvp, 'jvp');
    });
    if (c.hessian)
      test('hessian, hvp and vhp', () => {
        expectNested(AF.hessian(f, args(c)), c.hessian!, 'hessian');
        expectNested(AF.hvp(f, args(c), pick(c.vIn, c.tupleInputs))[1], c.hvp!, 'hvp');
        expectNested(AF.vhp(f, args(c), pick(c.vIn, c.tupleInputs))[1], c.vhp!, 'vhp');
      });
    test('jacobian({createGraph: true}) differentiated again', () => {
      const leaves = c.inputs.map((t) => on(t).requiresGrad_());
      const J = AF.jacobian(f, c.tupleInputs ? leaves : leaves[0], { createGraph: true });
      const parts = flatten(J as Out);
      let total = parts[0].sum();
      for (const p of parts.slice(1)) total = total.add(p.sum());
      const gs = torch.autograd.grad(total, leaves, { allowUnused: true });
      gs.forEach((g, i) => {
        if (g) expectClose(g, c.jacobianSumGrad[i], { atol: 1e-9, rtol: 1e-9, label: `d(sum J)/d(input ${i})` });
        else expectClose(torch.zerosLike(leaves[i]), c.jacobianSumGrad[i], { atol: 0, label: `unused input ${i}` });
      });
    });
  });

  test('the inputs are left untouched: no .grad, no graph on them', () => {
    const x = on(FX.functional[0].inputs[0]).requiresGrad_();
    AF.jacobian(FUNCS.expsin, x);
    AF.vjp(FUNCS.expsin, x, torch.onesLike(x));
    expect(x.grad).toBeNull();
  });

  test('gradcheck (float64 finite differences): vjp, jvp and hvp with createGraph', () => {
    const v3 = torch.tensor([0.3, -1.2, 0.7], { dtype: 'float64' }).to(device);
    const x = torch.tensor([0.5, -0.4, 1.1], { dtype: 'float64' });
    gradcheck((xs) => AF.vjp(FUNCS.expsin, xs[0], v3, { createGraph: true })[1] as Tensor, [x], { device });
    gradcheck((xs) => AF.jvp(FUNCS.expsin, xs[0], v3, { createGraph: true })[1] as Tensor, [x], { device });
    gradcheck((xs) => AF.hvp((y) => y.tanh().mul(y).sum(), xs[0], v3, { createGraph: true })[1] as Tensor, [x], { device });
    gradcheck((xs) => AF.jacobian(FUNCS.expsin, xs[0], { createGraph: true }) as Tensor, [x], { device });
  });

  test('results are detached without createGraph and carry a graph with it', () => {
    const x = torch.tensor([0.5, -0.4], { dtype: 'float64' }).to(device).requiresGrad_();
    const [o, r] = AF.vjp(FUNCS.expsin, x, torch.onesLike(x));
    expect((o as Tensor).requiresGrad).toBe(false);
    expect((r as Tensor).requiresGrad).toBe(false);
    const [o2, r2] = AF.vjp(FUNCS.expsin, x, torch.onesLike(x), { createGraph: true });
    expect((o2 as Tensor).requiresGrad).toBe(true);
    expect((r2 as Tensor).requiresGrad).toBe(true);
  });

  test('an output independent of an input: zeros, or in strict mode an ERR_TORCHLET_AUTOGRAD error', () => {
    const x = torch.tensor([1, 2], { dtype: 'float64' }).to(device);
    const y = torch.tensor([3, 4, 5], { dtype: 'float64' }).to(device);
    const f = (a: Tensor, _b: Tensor) => a.mul(2);
    const J = AF.jacobian(f, [x, y]) as Tensor[];
    expect(J[1].shape).toEqual([2, 3]);
    expect(Array.from(J[1].toArray() as Float64Array)).toEqual([0, 0, 0, 0, 0, 0]);
    expectClose(J[0], [2, 0, 0, 2]);
    const e = thrown(() => AF.jacobian(f, [x, y], { strict: true }));
    expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
    expect(e.message).toMatch(/Output 0 of the user-provided function is independent of input 1.*strict/);
    expect(thrown(() => AF.vjp(f, [x, y], torch.onesLike(x), { strict: true })).message).toMatch(/independent of input 1/);
    // a function not differentiable in its input (does not require grad)
    const c = (a: Tensor) => torch.onesLike(a);
    expect(thrown(() => AF.vjp(c, x, torch.onesLike(x), { strict: true })).message).toMatch(/Output 0 .* does not require gradients/);
    const [, r] = AF.vjp(c, x, torch.onesLike(x));
    expect(Array.from((r as Tensor).toArray() as Float64Array)).toEqual([0, 0]);
    // a linear function has a hessian independent of the input: strict hessian refuses it
    expect(thrown(() => AF.hessian((a: Tensor) => a.mul(3).sum(), x, { strict: true })).message).toMatch(/jacobian .* is independent of the input/);
    expectClose(AF.hessian((a: Tensor) => a.mul(3).sum(), x) as Tensor, [0, 0, 0, 0]);
  });

  test('v may be omitted for a one-element output (vjp) or input (jvp, hvp)', () => {
    const x = torch.tensor([0.7], { dtype: 'float64' }).to(device);
    const [, g] = AF.vjp((a: Tensor) => a.pow(3), x);
    expectClose(g as Tensor, [3 * 0.49], { atol: 1e-12 });
    const [, h] = AF.hvp((a: Tensor) => a.pow(3).sum(), x);
    expectClose(h as Tensor, [6 * 0.7], { atol: 1e-12 });
    const [, j] = AF.jvp((a: Tensor) => a.pow(3), x);
    expectClose(j as Tensor, [3 * 0.49], { atol: 1e-12 });
  });

  test('jvp / hvp through an op without double backward: ERR_TORCHLET_NOT_IMPLEMENTED naming it (vjp still works)', () => {
    const x = torch.tensor([0.5, -0.4, 1.1], { dtype: 'float64' }).to(device);
    const v = torch.onesLike(x);
    const e = thrown(() => AF.jvp((a: Tensor) => a.cumsum(0), x, v));
    expect(e.code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    expect(e.message).toMatch(/CumsumBackward/);
    expect(thrown(() => AF.hvp((a: Tensor) => a.cumsum(0).exp().sum(), x, v)).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    expectClose(AF.vjp((a: Tensor) => a.cumsum(0), x, v)[1] as Tensor, [3, 2, 1]);
  });

  test('refusals: coded errors naming the argument', () => {
    const x = torch.tensor([1, 2], { dtype: 'float64' }).to(device);
    const f = (a: Tensor) => a.mul(a);
    const loose = (g: unknown) => g as (...a: unknown[]) => unknown;
    expectArgError(() => loose(AF.jacobian)(42, x), 'func');
    expectArgError(() => loose(AF.jacobian)(f, 'x'), 'inputs');
    expectArgError(() => loose(AF.jacobian)(f, [x, 3]), /for inputs\[1\] /);
    expectArgError(() => loose(AF.jacobian)(f, torch.tensor([1, 2], { dtype: 'int64' })), 'inputs');
    expectArgError(() => loose(AF.jacobian)(f, x, { zzUnknown: 1 }), 'opts.zzUnknown');
    expectArgError(() => loose(AF.jacobian)(f, x, { create_graph: true }), /did you mean 'createGraph'.*for opts\.create_graph/);
    expectArgError(() => loose(AF.jacobian)(f, x, { strict: 1 }), 'opts.strict');
    expectArgError(() => loose(AF.jacobian)(f, x, { strategy: 'sideways' }), 'opts.strategy');
    expectArgError(() => loose(AF.hessian)((a: Tensor) => a.sum(), x, { outerJacobianStrategy: 'x' }), 'opts.outerJacobianStrategy');
    expect(thrown(() => AF.jacobian(f, x, { vectorize: true })).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    expect(thrown(() => AF.jacobian(f, x, { vectorize: true })).message).toMatch(/vectorize/);
    expect(thrown(() => AF.jacobian(f, x, { strategy: 'forward-mode' })).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    expect(AF.jacobian(f, x, { vectorize: false, strategy: 'reverse-mode' })).toBeInstanceOf(torch.Tensor);
    // v of the wrong shape, count, dtype; v omitted for a multi-element output
    expectArgError(() => AF.vjp(f, x, torch.ones([3], { dtype: 'float64' }).to(device)), 'v');
    expectArgError(() => AF.vjp(f, x, [torch.onesLike(x), torch.onesLike(x)]), 'v');
    expectArgError(() => AF.jvp(f, x, torch.ones([2]).to(device)), 'v');
    expectArgError(() => AF.vjp(f, x), 'v');
    expectArgError(() => AF.hvp((a: Tensor) => a.sum(), [x, x], [torch.onesLike(x)]), 'v');
    // hessian / hvp of a function that does not return one element
    expectArgError(() => AF.hessian(f, x), 'the output of func');
    expectArgError(() => AF.vhp(f, x, torch.onesLike(x)), 'the output of func');
    expectArgError(() => AF.hvp((a: Tensor) => [a.sum()], x, torch.onesLike(x)), 'the output of func');
    // a function returning something else than tensors
    expectArgError(() => AF.jacobian(loose(() => 3) as never, x), 'outputs of func');
    // extra positional argument
    expectArgError(() => loose(AF.vjp)(f, x, torch.onesLike(x), {}, 7), /vjp\(\)/);
  });
});
