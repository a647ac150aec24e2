// test/ops/reduce_more.test.ts — the reductions of issue 14 on every device against PyTorch
// (test/fixtures/reduce_more.json from gen_reduce_more_fixtures.py): std and var (correction, PyTorch
// 1.13's unbiased, several dims, keepdim), norm (p = 1, 2, 3, 0.5, 0, +-Infinity, 'fro'; ties and zero
// norms), prod (zeros in a slice: the gradient of one zero and of two), logsumexp (a large value),
// amax/amin (ties share the gradient), max/min along a dim (destructured as [values, indices] and by
// name) and over everything, all/any: outputs and gradients in float64 and float32, function and method
// forms, non-contiguous inputs; float64 gradchecks; torch.max(a, b); bad arguments.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectClose, fromFixture, loadFixture, maxAbs, randnT, toNumbers, FixtureCase, T, distinctT, positive } from '../helpers';
import { refTol } from './tolerances';

const cases = loadFixture('reduce_more').cases.map((c) => [c.name, c] as [string, FixtureCase]);
type Result = Tensor | torch.ValuesIndices;
const P = (p: unknown) => (p === 'inf' ? Infinity : p === '-inf' ? -Infinity : p) as number | 'fro';

function run(c: FixtureCase, x: Tensor, method: boolean): Result {
  const p = c.params;
  const kd = p.keepdim ?? false;
  const m = x as unknown as Record<string, (...a: unknown[]) => Result>;
  switch (c.op) {
    case 'std':
    case 'var': {
      const opts: Record<string, unknown> = {};
      for (const k of ['correction', 'unbiased', 'keepdim']) if (p[k] !== undefined) opts[k] = p[k];
      return method ? m[c.op](p.dim, opts) : (torch as unknown as Record<string, (...a: unknown[]) => Tensor>)[c.op](x, p.dim, opts);
    }
    case 'norm': return method ? x.norm(P(p.p), p.dim, kd) : torch.norm(x, P(p.p), p.dim, { keepdim: kd });
    case 'prod': return method ? x.prod(p.dim, kd) : torch.prod(x, p.dim, { keepdim: kd });
    case 'logsumexp': return method ? x.logsumexp(p.dim, kd) : torch.logsumexp(x, p.dim, { keepdim: kd });
    case 'amax': return method ? x.amax(p.dim, kd) : torch.amax(x, p.dim, kd);
    case 'amin': return method ? x.amin(p.dim, kd) : torch.amin(x, p.dim, kd);
    case 'all': return method ? x.all(p.dim, kd) : torch.all(x, p.dim, kd);
    case 'any': return method ? x.any(p.dim, kd) : torch.any(x, p.dim, kd);
    case 'max':
      if (p.dim === undefined) return method ? x.max() : torch.max(x);
      return method ? x.max(p.dim, kd) : torch.max(x, p.dim, kd);
    case 'min':
      if (p.dim === undefined) return method ? x.min() : torch.min(x);
      return method ? x.min(p.dim, kd) : torch.min(x, p.dim, kd);
    default: throw new Error(`unknown op ${c.op}`);
  }
}
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim < 2) return t;
  return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
}

describeOp('reduce_more', ({ device, on, dtypes, vsCpu }) => {
  describe('vs PyTorch', () => {
    test('fixture has cases of every op', () => {
      for (const op of ['std', 'var', 'norm', 'prod', 'logsumexp', 'amax', 'amin', 'max', 'min', 'all', 'any'])
        expect(cases.filter(([, c]) => c.op === op).length).toBeGreaterThanOrEqual(2);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      for (const layout of ['contiguous', 'non-contiguous'] as const)
        for (const method of [false, true])
          test.each(cases)(`%s (${layout}, ${method ? 'method' : 'function'})`, (_n, c) => {
            let x = on(fromFixture(c.inputs.x!, dtype));
            if (layout === 'non-contiguous') x = nonContiguous(x);
            if (c.grads) x.requiresGrad_();
            const r = run(c, x, method);
            let y: Tensor;
            const scale = Math.max(1, maxAbs(c.inputs.x!.data));
            const t = refTol('reduce_more', dtype, device, { magnitude: scale * 10 });
            if (c.outputs) {
              const vi = r as torch.ValuesIndices;
              const [values, indices] = vi;
              expect(values).toBe(vi.values);
              expect(indices).toBe(vi.indices);
              expect(vi[0]).toBe(values);
              expectClose(values, c.outputs.values as T, { ...t, label: `${c.name} values` });
              expect(toNumbers(indices)).toEqual((c.outputs.indices as T).data);
              expect(indices.shape).toEqual((c.outputs.indices as T).shape);
              y = values;
            } else {
              y = r as Tensor;
              if (c.op === 'all' || c.op === 'any') {
                expect(y.dtype).toBe('bool');
                expect(y.shape).toEqual(c.output!.shape);
                expect(toNumbers(y)).toEqual(c.output!.data);
                return;
              }
              expect(y.dtype).toBe(dtype);
              expectClose(y, c.output!, { ...t, label: `${c.name} output` });
            }
            if (!c.grads) return;
            y.backward(on(fromFixture(c.gradOutput!, dtype)));
            const gs = Math.max(scale, maxAbs(c.grads.x.data), maxAbs(c.gradOutput!.data)) * 10;
            expectClose(x.grad!, c.grads.x, { ...refTol('reduce_more', dtype, device, { magnitude: gs }), label: `${c.name} grad` });
          });
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck: std, var, norm, prod, logsumexp, amax', () => {
      gradcheck(([x]) => torch.std(x, [0, 2], { keepdim: true }).sum().add(x.var(1, { correction: 0 }).sum()), [randnT([3, 4, 5], 401)], { device });
      gradcheck(([x]) => x.norm(2, 1).sum().add(x.norm(3).add(x.norm(1, [0]).sum())).add(x.norm(Infinity, 1).sum()), [distinctT([3, 4], 402)], { device });
      gradcheck(([x]) => x.prod(1).sum().add(torch.prod(x)), [positive([3, 4], 403)], { device });
      gradcheck(([x]) => torch.logsumexp(x, [0, 2]).sum().add(x.amax(1).sum()).add(x.amin([0, 1]).sum()), [distinctT([2, 3, 4], 404)], { device });
      gradcheck(([x]) => x.max(1).values.sum().add(torch.min(x, 0, true)[0].sum()), [distinctT([3, 4], 405)], { device });
      gradcheck(([a, b]) => torch.max(a, b).add(torch.min(a, b)), [distinctT([3, 4], 406), distinctT([4], 407)], { device });
    });
  });

  // prod on CUDA: a fixed tree (and, for long axes with few outputs, a split into chunks folded by a
  // second pass) multiplying in double for float32/float64 and int64 for integers, as the CPU's sequential
  // product: integers bit-identical, floats within rounding of the product order.
  vsCpu('CUDA vs CPU: prod', () => {
    dtypes(['float32', 'float64'] as const, (dtype) => {
      test('long and short axes, every layout of [outer, r, inner]', () => {
        for (const [shape, dim] of [[[3, 5000], 1], [[20000], 0], [[7, 33, 5], 1], [[2, 1, 3], 1], [[0, 4], 1], [[4, 0], 1]] as [number[], number][]) {
          const n = shape.reduce((a, b) => a * b, 1);
          const vals = Float64Array.from({ length: n }, (_, i) => 1 + 0.001 * Math.sin(i * 1.7));
          const x = torch.fromBuffer(vals, shape).to(dtype);
          expectClose(on(x).prod(dim), x.prod(dim), { atol: 0, rtol: dtype === 'float32' ? 1e-6 : 1e-13, label: `${shape}` });
        }
      });
    });
    test('int64 products are exact', () => {
      const x = torch.fromBuffer(BigInt64Array.from({ length: 3 * 40 }, (_, i) => BigInt((i % 3) - 1 + (i % 7 === 0 ? 3 : 0))), [3, 40]);
      expect(toNumbers(on(x).prod(1))).toEqual(toNumbers(x.prod(1)));
      const y = torch.fromBuffer(BigInt64Array.from({ length: 5000 }, (_, i) => BigInt(i % 50 === 0 ? -1 : 1)), [5000]);
      expect(toNumbers(on(y).prod())).toEqual(toNumbers(y.prod()));
    });
  });

  describe('forms and errors', () => {
    test('torch.max(a, b) and x.min(other) are elementwise; max() of everything', () => {
      const a = on(torch.tensor([1, 5, -2]));
      const b = on(torch.tensor([3, 0, -2]));
      expect(toNumbers(torch.max(a, b))).toEqual([3, 5, -2]);
      expect(toNumbers(a.min(b))).toEqual([1, 0, -2]);
      expect(torch.max(a).item()).toBe(5);
      const { values, indices } = torch.min(on(torch.tensor([[3, 1], [0, 4]])), 1);
      expect(toNumbers(values)).toEqual([1, 0]);
      expect(toNumbers(indices)).toEqual([1, 0]);
      expect(toNumbers(x1().prod())).toEqual([24]);
      expect(x1().prod().dtype).toBe('int64');
      function x1() {
        return on(torch.tensor([1, 2, 3, 4], { dtype: 'int32' }));
      }
    });
    test('coded errors naming the argument', () => {
      const x = on(torch.randn([3, 4]));
      const code = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return [(e as { code?: string }).code, (e as Error).message];
        }
        return ['no error', ''];
      };
      expect(code(() => x.std(1, { correction: 1, unbiased: true }))[0]).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(code(() => x.var(1, { ddof: 1 } as never))[1]).toMatch(/options\.ddof/);
      expect(code(() => x.var(1, { correction: 0.5 }))[0]).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(code(() => on(torch.tensor([1, 2], { dtype: 'int64' })).std())[0]).toBe('ERR_TORCHLET_DTYPE');
      expect(code(() => x.norm('nuc'))[0]).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
      expect(code(() => x.norm('l2' as never))[0]).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(code(() => x.logsumexp(undefined as never))[0]).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(code(() => x.amax(2))[0]).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(code(() => x.prod([0, 1] as never))[0]).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(code(() => on(torch.zeros([0, 3])).amax(0))[0]).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(code(() => x.all(0, { keepDim: true } as never))[1]).toMatch(/options\.keepDim/);
    });
    test('std of one element is NaN (correction 1), var with correction > N is inf', () => {
      expect(Number.isNaN(on(torch.tensor([2.5])).std().item())).toBe(true);
      expect(on(torch.tensor([1, 2], { dtype: 'float64' })).var(undefined, { correction: 3 }).item()).toBe(Infinity);
    });
  });
});
