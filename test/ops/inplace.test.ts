// test/ops/inplace.test.ts — in-place ops (lib/ops/inplace.ts) and the autograd rules around them
// (lib/autograd.ts), on every device, against PyTorch (test/fixtures/inplace.json from
// gen_inplace_fixtures.py): chains of in-place ops on tensors in a graph give PyTorch's values, grad_fn
// and version counter and its gradients (float64 and float32); a float64 gradcheck through in-place
// ops; each in-place method equals its out-of-place op (also on non-contiguous tensors and through
// views, which share the version counter); and the misuses PyTorch refuses are coded errors with its
// message: a tensor saved for backward modified in place, in place on a leaf that requires grad, a
// second backward through a freed graph (and {retainGraph: true} keeping it), an expanded view
// written in place, self that would have to broadcast, a float result into an integer tensor; a graph
// whose tensors were disposed.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectClose, fromFixture, loadFixture, maxAbs, randnT, toNumbers, T } from '../helpers';
import { refTol } from './tolerances';

interface Case { name: string; x: T; w: T; y: T; version: number; grad_fn: string; gradOutput: T; grads: Record<string, T> }
const fixture = loadFixture('inplace') as unknown as { cases: Case[]; errors: Record<string, string | null>; retain: { x: T; grad1: T; grad2: T } };
const D = 'float64';

const CHAINS: Record<string, (x: Tensor, w: Tensor, dtype: 'float32' | 'float64', on: (t: Tensor) => Tensor) => Tensor> = {
  chain_a: (x, w) => {
    const y = x.mul(2);
    y.add_(w, { alpha: 0.5 });
    y.mul_(w);
    y.clamp_(-1, 1.5);
    y.sin_();
    return y;
  },
  chain_b: (x, w) => {
    const y = x.clone();
    y.div_(w);
    y.abs_();
    y.pow_(2);
    y.sub_(x);
    y.clampMin_(-0.5);
    return y;
  },
  chain_c: (x, w) => {
    const y = x.t().mul(1);
    y.mul_(w.t());
    y.add_(0.1);
    y.lerp_(w.t(), 0.25);
    y.exp_();
    return y;
  },
  chain_d: (x, w, dtype, on) => {
    const y = on(torch.zeros([3, 4], { dtype }));
    y.add_(x);
    y.mul_(w);
    y.atan2_(x);
    y.remainder_(0.7);
    return y;
  },
};
function codeOf(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}

describeOp('inplace', ({ device, on, dtypes }) => {
  describe('vs PyTorch', () => {
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: values, grad_fn, version and gradients', (_n, c) => {
        const x = on(fromFixture(c.x, dtype)).requiresGrad_();
        const w = on(fromFixture(c.w, dtype)).requiresGrad_();
        const y = CHAINS[c.name](x, w, dtype, on);
        const mag = Math.max(1, maxAbs(c.y.data), maxAbs(c.x.data), maxAbs(c.w.data));
        expectClose(y, c.y, { ...refTol('math', dtype, device, { magnitude: mag }), label: `${c.name} y` });
        expect(y._version).toBe(c.version);
        expect(y.gradFn!.op).toBe(c.grad_fn.replace(/\d+$/, ''));
        y.backward(on(fromFixture(c.gradOutput, dtype)));
        for (const [k, t] of [['x', x], ['w', w]] as const) {
          const g = c.grads[k];
          expectClose(t.grad!, g, { ...refTol('math', dtype, device, { magnitude: Math.max(mag, maxAbs(g.data)) * 4 }), label: `${c.name} grad ${k}` });
        }
      });
    });
    test('retainGraph: true keeps the graph; the second backward accumulates', () => {
      const r = fixture.retain;
      const x = on(fromFixture(r.x, D)).requiresGrad_();
      const y = torch.sin(x).mul(x).sum();
      y.backward(undefined, { retainGraph: true });
      expectClose(x.grad!, r.grad1, { atol: 1e-12 });
      y.backward({ retainGraph: false });
      expectClose(x.grad!, r.grad2, { atol: 1e-12 });
      expect(codeOf(() => y.backward()).code).toBe('ERR_TORCHLET_AUTOGRAD');
    });
  });

  describe("misuse: PyTorch's errors", () => {
    const E = fixture.errors;
    test('a saved output modified in place', () => {
      const x = on(torch.randn([3])).requiresGrad_();
      const y = x.exp();
      expect(y._version).toBe(0);
      y.add_(1);
      expect(y._version).toBe(1);
      const e = codeOf(() => y.sum().backward());
      expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
      expect(E.saved_output).toMatch(/^one of the variables needed for gradient computation has been modified by an inplace operation/);
      expect(e.message).toMatch(/one of the variables needed for gradient computation has been modified by an inplace operation: .*ExpBackward.*is at version 1; expected version 0/);
      expect(x.grad).toBeNull(); // nothing ran
    });
    test('a saved input modified in place (through a view: views share the version counter)', () => {
      const x = on(torch.randn([2, 3])).requiresGrad_();
      const h = x.mul(1);
      const z = h.sin();
      const v = h.detach().view([6]);
      v.add_(1);
      expect(h._version).toBe(1);
      expect(codeOf(() => z.sum().backward()).message).toMatch(/SinBackward, is at version 1; expected version 0/);
    });
    test('in place on a leaf that requires grad; allowed under noGrad', () => {
      const x = on(torch.zeros([3])).requiresGrad_();
      const e = codeOf(() => x.add_(1));
      expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
      expect(e.message).toContain(E.leaf!);
      torch.noGrad(() => x.add_(1));
      expect(toNumbers(x)).toEqual([1, 1, 1]);
      expect(x._version).toBe(1);
      expect(x.isLeaf).toBe(true);
    });
    test('a second backward through a freed graph', () => {
      const x = on(torch.randn([3])).requiresGrad_();
      const y = x.exp().mul(2).sum();
      y.backward();
      const e = codeOf(() => y.backward());
      expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
      expect(E.twice).toMatch(/^Trying to backward through the graph a second time/);
      expect(e.message).toMatch(/Trying to backward through the graph a second time.*retainGraph: true/);
    });
    test('an expanded view written in place', () => {
      const x = on(torch.zeros([1, 3])).expand([2, 3]);
      const e = codeOf(() => x.add_(1));
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(e.message).toContain(E.expanded!.split(' Please')[0].replace('unsupported operation: ', ''));
    });
    test("self that would broadcast; a float result into an integer tensor; a non-contiguous self", () => {
      expect(E.broadcast_self).toMatch(/doesn't match the broadcast shape/);
      expect(codeOf(() => on(torch.zeros([3])).add_(on(torch.ones([2, 3])))).code).toBe('ERR_TORCHLET_SHAPE');
      expect(E.int_float).toMatch(/can't be cast/);
      expect(codeOf(() => on(torch.zeros([3], { dtype: 'int64' })).add_(1.5)).code).toBe('ERR_TORCHLET_DTYPE');
      const i = on(torch.tensor([1, 2, 3], { dtype: 'int64' }));
      i.mul_(3).add_(1);
      expect(toNumbers(i)).toEqual([4, 7, 10]);
      const base = on(torch.arange(0, 6).reshape([2, 3]).to('float64'));
      const t = base.t();
      t.mul_(on(torch.tensor([1, 10], { dtype: 'float64' })));
      expect(toNumbers(base)).toEqual([0, 1, 2, 30, 40, 50]);
    });
    test('a weight changed before backward (an optimizer step, or in place under noGrad) is detected', () => {
      const x = on(torch.randn([2, 3]));
      const w = on(torch.randn([3, 4])).requiresGrad_();
      const y = x.matmul(w);
      torch.noGrad(() => w.sub_(0.1));
      expect(codeOf(() => y.sum().backward()).message).toMatch(/saved by MmBackward, is at version 1; expected version 0/);
      const lin = new torch.nn.Linear(3, 2);
      lin.to(device);
      const opt = new torch.optim.SGD(lin.parameters(), { lr: 0.1 });
      const loss = lin.forward(x).sum();
      for (const p of lin.parameters()) p.grad = on(torch.onesLike(p));
      opt.step();
      const e = codeOf(() => loss.backward());
      expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
      expect(e.message).toMatch(/AddmmBackward/);
    });
    test('a graph whose tensors were disposed: a coded error, nothing computed', () => {
      const x = on(torch.randn([3])).requiresGrad_();
      const y = x.exp();
      const z = y.mul(2).sum();
      y.dispose();
      const e = codeOf(() => z.backward());
      expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
      expect(e.message).toMatch(/disposed/);
      expect(x.grad).toBeNull();
      const a = on(torch.randn([3])).requiresGrad_();
      const w = on(torch.randn([3]));
      const b = a.mul(w).sum();
      w.dispose();
      expect(codeOf(() => b.backward()).message).toMatch(/saved by MulBackward, was disposed/);
    });
  });

  describe('each in-place method equals its op', () => {
    const UN = ['abs', 'sign', 'floor', 'ceil', 'trunc', 'sin', 'cos', 'tan', 'atan', 'sinh', 'cosh', 'exp2', 'expm1', 'erf', 'neg', 'exp', 'relu', 'sigmoid', 'tanh', 'reciprocal'];
    test.each(UN)('%s_', (op) => {
      const base = on(randnT([3, 4], 77));
      const x = base.t(); // non-contiguous
      const want = (x as unknown as Record<string, () => Tensor>)[op]();
      const r = (x as unknown as Record<string, () => Tensor>)[`${op}_`]();
      expect(r).toBe(x);
      expect(x._version).toBe(1);
      expectClose(x, want, { atol: 0 });
    });
    test('binary and clamp forms', () => {
      const mk = () => on(randnT([3, 4], 78));
      const o = on(randnT([4], 79));
      const pairs: [(x: Tensor) => Tensor, (x: Tensor) => Tensor][] = [
        [(x) => x.add_(o, { alpha: 2 }), (x) => x.add(o, { alpha: 2 })],
        [(x) => x.sub_(0.5), (x) => x.sub(0.5)],
        [(x) => x.mul_(o), (x) => x.mul(o)],
        [(x) => x.div_(o), (x) => x.div(o)],
        [(x) => x.pow_(2), (x) => x.pow(2)],
        [(x) => x.clamp_(-0.3, 0.4), (x) => x.clamp(-0.3, 0.4)],
        [(x) => x.clampMax_(o), (x) => x.clampMax(o)],
        [(x) => x.fmod_(0.3), (x) => x.fmod(0.3)],
        [(x) => x.nanToNum_(), (x) => x.nanToNum()],
        [(x) => x.round_({ decimals: 1 }), (x) => x.round({ decimals: 1 })],
      ];
      for (const [inpl, outp] of pairs) {
        const x = mk();
        const want = outp(x);
        inpl(x);
        expectClose(x, want, { atol: 0 });
      }
      const b = on(torch.tensor([5, 6], { dtype: 'int32' }));
      b.bitwiseAnd_(3).bitwiseXor_(on(torch.tensor([1, 1], { dtype: 'int32' })));
      expect(toNumbers(b)).toEqual([0, 3]);
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck through in-place ops', () => {
      gradcheck(([x, w]) => {
        const y = x.mul(1.5);
        y.add_(w).mul_(w).sin_();
        y.div_(w.add(3)).clamp_(-2, 2);
        return y;
      }, [randnT([3, 4], 81), randnT([4], 82)], { device });
    });
  });
});
