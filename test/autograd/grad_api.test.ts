// test/autograd/grad_api.test.ts — the autograd API on every device: torch.autograd.grad (gradients
// returned, no .grad touched, gradOutputs, several outputs, non-leaf inputs, allowUnused, the freed
// graph), torch.autograd.backward and backward({inputs}), x.retainGrad(), x.registerHook(fn) (a
// replacement gradient, remove()), isLeaf / gradFn, and anomaly detection (a NaN made by a node's
// backward is a coded error naming the node and the forward call); with the argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError, expectClose, toNumbers } from '../helpers';

const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(torch.TorchletError);
    return (e as torch.TorchletError).code;
  }
  throw new Error('expected an error');
}

describeDevices('autograd API', (device) => {
  const t = (data: number[] | number[][], requiresGrad = false): Tensor => {
    const x = torch.tensor(data, { dtype: 'float64' }).to(device);
    return requiresGrad ? x.requiresGrad_() : x;
  };

  describe('torch.autograd.grad', () => {
    test('returns d(sum x^2 w)/dx and /dw as an array, touching no .grad', () => {
      const x = t([1, -2, 3], true);
      const w = t([0.5, 2, -1], true);
      const grads = torch.autograd.grad(x.pow(2).mul(w).sum(), [x, w]);
      expect(Array.isArray(grads)).toBe(true);
      expect(toNumbers(grads[0] as Tensor)).toEqual([1, -8, -6]); // 2 x w
      expect(toNumbers(grads[1] as Tensor)).toEqual([1, 4, 9]); // x^2
      expect(x.grad).toBeNull();
      expect(w.grad).toBeNull();
      expect((grads[0] as Tensor).requiresGrad).toBe(false); // no createGraph: no graph
    });
    test('a single input tensor, a non-scalar output with gradOutputs, a non-leaf input', () => {
      const x = t([1, 2], true);
      const h = x.mul(3);
      const y = h.pow(2);
      const [gh] = torch.autograd.grad(y, h, { gradOutputs: t([1, -1]) });
      expect(toNumbers(gh as Tensor)).toEqual([6, -12]); // 2 h * v
      expect(h.grad).toBeNull();
      expect(() => torch.autograd.grad(y, x)).toThrow(/gradient/); // non-scalar without gradOutputs
    });
    test('several outputs: gradients add up; gradOutputs per output, null for a scalar', () => {
      const x = t([1, 2], true);
      const [g] = torch.autograd.grad([x.mul(2), x.pow(2).sum()], [x], { gradOutputs: [t([1, 10]), null] });
      expect(toNumbers(g as Tensor)).toEqual([2 + 2, 20 + 4]);
    });
    test('an input the outputs do not use: an error, or null with allowUnused', () => {
      const x = t([1], true);
      const z = t([1], true);
      const y = x.mul(2).sum();
      expect(() => torch.autograd.grad(y, [x, z], { retainGraph: true })).toThrow(/inputs\[1\].*allowUnused/);
      const [gx, gz] = torch.autograd.grad(y, [x, z], { allowUnused: true });
      expect(toNumbers(gx as Tensor)).toEqual([2]);
      expect(gz).toBeNull();
    });
    test('the graph is freed unless retainGraph (createGraph implies it)', () => {
      const x = t([3], true);
      const y = x.exp().sum();
      torch.autograd.grad(y, x);
      expect(codeOf(() => torch.autograd.grad(y, x))).toBe('ERR_TORCHLET_AUTOGRAD');
      const y2 = x.exp().sum();
      torch.autograd.grad(y2, x, { retainGraph: true });
      torch.autograd.grad(y2, x, { createGraph: true });
      const [g] = torch.autograd.grad(y2, x);
      expectClose(g as Tensor, [Math.exp(3)], { rtol: 1e-12 });
    });
    test('argument errors name the argument', () => {
      const x = t([1, 2], true);
      const y = () => x.mul(x).sum();
      expectArgError(() => torch.autograd.grad(y(), x, loose({ create_graph: true }) as never), /did you mean 'createGraph'.*options\.create_graph/);
      expectArgError(() => torch.autograd.grad(y(), x, { createGraph: 1 as unknown as boolean }), 'options.createGraph');
      expectArgError(() => torch.autograd.grad(y(), x, { allowUnused: 'yes' as unknown as boolean }), 'options.allowUnused');
      expectArgError(() => loose(torch.autograd.grad)(y(), x, {}, 1), /grad\(\)/);
      expectArgError(() => torch.autograd.grad(y(), [] as Tensor[]), 'inputs');
      expectArgError(() => torch.autograd.grad(y(), [x, 3 as unknown as Tensor]), /inputs\[1\]/);
      expectArgError(() => torch.autograd.grad(y(), x, { gradOutputs: [t([1]), t([1])] }), 'options.gradOutputs');
      expectArgError(() => torch.autograd.grad(x.mul(2), x, { gradOutputs: t([1, 2, 3]) }), 'options.gradOutputs');
      expect(() => torch.autograd.grad(y(), t([1, 2]))).toThrow(/inputs\[0\] does not require grad/);
      expect(() => torch.autograd.grad(t([1]), x)).toThrow(/does not require grad/);
    });
  });

  describe('torch.autograd.backward and backward({inputs})', () => {
    test('several tensors with their gradients, accumulated into the leaves', () => {
      const x = t([1, 2], true);
      torch.autograd.backward([x.mul(3), x.pow(2).sum()], [t([1, 1]), null]);
      expect(toNumbers(x.grad as Tensor)).toEqual([5, 7]);
      expectArgError(() => loose(torch.autograd.backward)(x.sum(), null, {}, 1), /backward\(\)/);
      expectArgError(() => torch.autograd.backward(x.sum(), null, loose({ retain_graph: true }) as never), /retainGraph/);
    });
    test('{inputs} accumulates only into those tensors (a non-leaf too)', () => {
      const x = t([1, 2], true);
      const w = t([3, 4], true);
      const h = x.mul(w);
      h.sum().backward({ inputs: [w, h], retainGraph: true });
      expect(x.grad).toBeNull();
      expect(toNumbers(w.grad as Tensor)).toEqual([1, 2]);
      expect(toNumbers(h.grad as Tensor)).toEqual([1, 1]);
      torch.autograd.backward(h.sum(), null, { inputs: x });
      expect(toNumbers(x.grad as Tensor)).toEqual([3, 4]);
      expect(toNumbers(w.grad as Tensor)).toEqual([1, 2]);
      expectArgError(() => h.sum().backward({ inputs: [t([1])] }), /options\.inputs\[0\]/);
    });
  });

  describe('retainGrad, registerHook, isLeaf, gradFn', () => {
    test('a non-leaf keeps its gradient with retainGrad(), accumulating over backward calls', () => {
      const x = t([1, 2], true);
      const h = x.mul(2);
      expect(h.retainsGrad).toBe(false);
      h.retainGrad();
      expect(h.retainsGrad).toBe(true);
      const y = h.pow(2).sum();
      y.backward({ retainGraph: true });
      expect(toNumbers(h.grad as Tensor)).toEqual([4, 8]); // 2 h
      expect(toNumbers(x.grad as Tensor)).toEqual([8, 16]);
      y.backward();
      expect(toNumbers(h.grad as Tensor)).toEqual([8, 16]);
      x.retainGrad(); // a leaf: nothing changes
      expect(x.retainsGrad).toBe(false);
      expectArgError(() => t([1]).retainGrad(), /doesn't require gradient/);
      const unrelated = x.mul(3);
      x.mul(4).sum().backward();
      expect(unrelated.grad).toBeNull();
    });
    test('a hook sees the gradient and may replace it; remove() unregisters it', () => {
      const x = t([1, 2], true);
      const h = x.mul(3);
      const seen: number[][] = [];
      const handle = h.registerHook((g) => {
        seen.push(toNumbers(g));
        return g.mul(10);
      });
      h.pow(2).sum().backward();
      expect(seen).toEqual([[6, 12]]);
      expect(toNumbers(x.grad as Tensor)).toEqual([180, 360]); // 3 * 10 * 2h
      handle.remove();
      handle.remove();
      x.grad = null as Tensor | null; // (no narrowing to null below)
      const h2 = x.mul(3);
      h2.sum().backward();
      expect(toNumbers(x.grad as Tensor)).toEqual([3, 3]);
      // on a leaf: before accumulation; returning nothing keeps the gradient
      const w = t([1, 1], true);
      const calls: number[] = [];
      w.registerHook(() => void calls.push(1));
      w.registerHook((g) => g.neg());
      w.mul(t([2, 5])).sum().backward();
      expect(calls).toEqual([1]);
      expect(toNumbers(w.grad as Tensor)).toEqual([-2, -5]);
      // in grad(): the returned gradient is the hook's
      const [gw] = torch.autograd.grad(w.mul(t([2, 5])).sum(), w);
      expect(toNumbers(gw as Tensor)).toEqual([-2, -5]);
    });
    test('hook errors: not requiring grad, not a function, a gradient of another shape', () => {
      expectArgError(() => t([1]).registerHook((g) => g), /doesn't require gradient/);
      expectArgError(() => t([1], true).registerHook(3 as never), 'hook');
      expectArgError(() => loose(t([1], true).registerHook.bind(t([1], true)))((g: Tensor) => g, 1), /registerHook\(\)/);
      const x = t([1, 2], true);
      x.registerHook(() => t([1, 2, 3]));
      expectArgError(() => x.mul(2).sum().backward(), /tensor hook's result/);
    });
    test('isLeaf and gradFn', () => {
      const x = t([1], true);
      const y = x.mul(2);
      expect(x.isLeaf).toBe(true);
      expect(x.gradFn).toBeNull();
      expect(y.isLeaf).toBe(false);
      expect(y.gradFn && y.gradFn.op).toBe('MulBackward');
      expect(torch.noGrad(() => x.mul(2)).isLeaf).toBe(true);
    });
  });

  describe('anomaly detection', () => {
    test('a NaN made by a backward is ERR_TORCHLET_AUTOGRAD naming the node and the forward call', () => {
      const x = t([0, 4], true);
      let err: unknown;
      torch.autograd.detectAnomaly(() => {
        expect(torch.autograd.isAnomalyEnabled()).toBe(true);
        const y = x.sqrt().mul(0).sum(); // d sqrt at 0: 0 * inf = NaN
        try {
          y.backward();
        } catch (e) {
          err = e;
        }
      });
      expect(torch.autograd.isAnomalyEnabled()).toBe(false);
      expect(err).toBeInstanceOf(torch.TorchletError);
      const e = err as torch.TorchletError & { op: string; forwardOp: string; forwardStack: string };
      expect(e.code).toBe('ERR_TORCHLET_AUTOGRAD');
      expect(e.message).toMatch(/Function 'SqrtBackward' returned nan values in its 0th output \(forward op Sqrt\)/);
      expect(e.op).toBe('SqrtBackward');
      expect(e.forwardStack).toMatch(/grad_api\.test/); // where the forward sqrt was called
      expect(x.grad).toBeNull();
      // without anomaly mode the NaN goes through, as in PyTorch
      x.sqrt().mul(0).sum().backward();
      expect(Number.isNaN(toNumbers(x.grad as Tensor)[0])).toBe(true);
    });
    test('setDetectAnomaly switches it; argument errors', () => {
      torch.autograd.setDetectAnomaly(true);
      try {
        expect(torch.autograd.isAnomalyEnabled()).toBe(true);
        const x = t([1, 2], true);
        const y = x.mul(2);
        expect(y.gradFn && typeof y.gradFn.stack).toBe('string');
        y.sum().backward(); // no NaN: no error
        expect(toNumbers(x.grad as Tensor)).toEqual([2, 2]);
      } finally {
        torch.autograd.setDetectAnomaly(false);
      }
      expect(torch.autograd.isAnomalyEnabled()).toBe(false);
      expect(t([1], true).mul(2).gradFn?.stack).toBeUndefined();
      expectArgError(() => torch.autograd.setDetectAnomaly(1 as unknown as boolean), 'mode');
      expectArgError(() => loose(torch.autograd.setDetectAnomaly)(true, 1), /setDetectAnomaly\(\)/);
      expectArgError(() => torch.autograd.detectAnomaly(3 as never), 'fn');
      expect(torch.autograd.isAnomalyEnabled()).toBe(false);
    });
  });
});
