// test/nn/module_utils.test.ts — nn.Module utilities with PyTorch's semantics, on every device:
// requiresGrad_(flag) on every parameter (freezing: no gradient reaches a frozen layer), double() /
// float() converting parameters, floating buffers and gradients in place (integer buffers and the
// Parameter objects kept, the forward then computing in the new dtype), and forward pre-hooks /
// forward hooks: called in registration order with (module, inputs[, output]), a non-undefined
// return replacing the inputs / the output (a forward hook sees the inputs the pre-hooks made),
// handles whose remove() drops exactly their hook, hooks on submodules of a Sequential firing; and
// registerFullBackwardHook against PyTorch 1.13 (test/fixtures/module_hooks.json from
// gen_module_hooks_fixtures.py): the gradInput / gradOutput a hook sees, a returned gradInput
// replacing the input's gradient, the call with no input requiring grad, nested modules' order.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices, onDevice } from '../devices';
import { expectArgError, expectClose } from '../helpers';
import * as fs from 'fs';
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-explicit-any */
const HK = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'module_hooks.json'), 'utf8')) as any;

const { nn } = torch;

describeDevices('nn.Module utilities', (device) => {
  const on = (t: Tensor) => onDevice(t, device);
  const place = <M extends torch.nn.Module>(m: M): M => (device === 'cuda' ? m.to('cuda') : m);

  test('requiresGrad_(false) freezes every parameter; requiresGrad_() unfreezes; it returns the module', () => {
    const a = place(new nn.Linear(3, 4));
    const b = place(new nn.Linear(4, 2));
    const net = new nn.Sequential(a, b);
    expect(a.requiresGrad_(false)).toBe(a);
    expect(a.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(b.parameters().every((p) => p.requiresGrad)).toBe(true);
    (net.forward(on(torch.ones([5, 3]))) as Tensor).sum().backward();
    expect(a.weight.grad).toBeNull();
    expect(b.weight.grad).not.toBeNull();
    net.requiresGrad_();
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  test('double() / float() convert parameters, floating buffers and gradients in place', () => {
    const lin = place(new nn.Linear(3, 2));
    const bn = place(new nn.BatchNorm1d(2));
    const net = new nn.Sequential(lin, bn);
    const w = lin.weight;
    const before = Array.from(w.toArray() as Float32Array);
    (net.forward(on(torch.ones([4, 3]))) as Tensor).sum().backward();
    expect(net.double()).toBe(net);
    expect(lin.weight).toBe(w); // the same Parameter object
    expect(w.dtype).toBe('float64');
    expect(w.device.startsWith(device)).toBe(true);
    expect(Array.from(w.toArray() as Float64Array)).toEqual(before); // float32 values are exact in float64
    expect(w.grad!.dtype).toBe('float64');
    expect(bn.runningMean!.dtype).toBe('float64');
    expect(bn.numBatchesTracked!.dtype).toBe('int64'); // integer buffers are left alone
    expect(w.requiresGrad).toBe(true);
    const y = (net.forward(on(torch.ones([4, 3], { dtype: 'float64' }))) as Tensor);
    expect(y.dtype).toBe('float64');
    net.float();
    expect(w.dtype).toBe('float32');
    expect(bn.runningVar!.dtype).toBe('float32');
    expect((net.forward(on(torch.ones([4, 3]))) as Tensor).dtype).toBe('float32');
    // an optimizer made afterwards steps the converted parameters
    net.double();
    const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
    net.zeroGrad();
    (net.forward(on(torch.ones([4, 3], { dtype: 'float64' }))) as Tensor).sum().backward();
    opt.step();
  });

  test('forward pre-hooks and forward hooks: order, replacement, remove()', () => {
    const lin = place(new nn.Linear(2, 2));
    torch.noGrad(() => {
      lin.weight.copy_(on(torch.tensor([[1, 0], [0, 1]], { dtype: 'float32' })));
      lin.bias!.copy_(on(torch.zeros([2])));
    });
    const calls: string[] = [];
    const h1 = lin.registerForwardPreHook((m, inputs) => {
      expect(m).toBe(lin);
      calls.push('pre1');
      return (inputs[0] as Tensor).mul(2); // a single value: the new (only) argument
    });
    const h2 = lin.registerForwardPreHook((_m, inputs) => {
      calls.push('pre2');
      return [(inputs[0] as Tensor).add(1)]; // an array: the new argument list
    });
    const seen: number[][] = [];
    const h3 = lin.registerForwardHook((_m, inputs, output) => {
      calls.push('post1');
      seen.push((inputs[0] as Tensor).tolist() as number[]);
      seen.push((output as Tensor).tolist() as number[]);
      return undefined; // keeps the output
    });
    const h4 = lin.registerForwardHook((_m, _inputs, output) => {
      calls.push('post2');
      return (output as Tensor).neg();
    });
    const y = lin.forward(on(torch.tensor([[1, 2]], { dtype: 'float32' }))) as Tensor;
    expect(calls).toEqual(['pre1', 'pre2', 'post1', 'post2']);
    expect(seen).toEqual([[[3, 5]], [[3, 5]]]); // the inputs after the pre-hooks, and the output before post2
    expect(y.tolist()).toEqual([[-3, -5]]);
    h1.remove();
    h4.remove();
    h4.remove(); // idempotent
    calls.length = 0;
    const z = lin.forward(on(torch.tensor([[1, 2]], { dtype: 'float32' }))) as Tensor;
    expect(calls).toEqual(['pre2', 'post1']);
    expect(z.tolist()).toEqual([[2, 3]]);
    h2.remove();
    h3.remove();
    expect((lin.forward(on(torch.tensor([[1, 2]], { dtype: 'float32' }))) as Tensor).tolist()).toEqual([[1, 2]]);
    // the hooked forward is not a field: parameters, children and stateDict are unchanged
    expect(Object.keys(lin.stateDict())).toEqual(['weight', 'bias']);
    expect(lin.toString()).toBe(new nn.Linear(2, 2).toString());
  });

  test('hooks on the layers of a Sequential fire when the Sequential runs (feature extraction), and gradients flow through a replaced output', () => {
    const net = place(new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2)));
    const feats: Tensor[] = [];
    const [l1] = net.children();
    l1.registerForwardHook((_m, _i, out) => {
      feats.push(out as Tensor);
    });
    net.children()[2].registerForwardHook((_m, _i, out) => (out as Tensor).mul(3));
    const x = on(torch.ones([5, 3]));
    const y = net.forward(x) as Tensor;
    expect(feats.length).toBe(1);
    expect(feats[0].shape).toEqual([5, 4]);
    y.sum().backward();
    const g3 = (net.children()[2] as torch.nn.Linear).bias!.grad!;
    expect(Array.from(g3.toArray() as Float32Array)).toEqual([15, 15]); // 5 rows, times the hook's 3
  });

  describe('registerFullBackwardHook vs PyTorch', () => {
    const f64 = (v: number[], shape: number[]) => on(torch.tensor(v, { dtype: 'float64' }).reshape(shape));
    const linear = () => {
      const L = HK.linear;
      const lin = place(new nn.Linear(3, 2)).double();
      torch.noGrad(() => {
        lin.weight.copy_(f64(L.weight, [2, 3]));
        lin.bias!.copy_(f64(L.bias, [2]));
      });
      return lin;
    };
    test('gradInput / gradOutput seen, gradInput * 2 returned', () => {
      const L = HK.linear;
      const lin = linear();
      // backward frees its intermediate gradients afterwards: a hook keeps what it needs (clone, or values)
      const seen: { gi?: (Tensor | null)[]; go?: Tensor[] } = {};
      lin.registerFullBackwardHook((m, gi, go) => {
        expect(m).toBe(lin);
        seen.gi = gi.map((g) => (g ? g.clone() : null));
        seen.go = go.map((g) => g.clone());
        return gi.map((g) => (g ? g.mul(2) : null));
      });
      const x = f64(L.x, [4, 3]).requiresGrad_();
      ((lin.forward(x) as Tensor).mul(f64(L.w, [4, 2]))).sum().backward();
      expect(seen.gi!.length).toBe(1);
      expectClose(seen.gi![0]!, L.seen.gradInput[0], { atol: 1e-14 });
      expect(seen.go!.length).toBe(1);
      expectClose(seen.go![0], L.seen.gradOutput[0], { atol: 1e-14 });
      expectClose(x.grad!, L.xGrad, { atol: 1e-14 });
      expectClose(lin.weight.grad!, L.weightGrad, { atol: 1e-14 });
    });
    test('no input requires grad: the hook gets gradInput [null] and gradOutput', () => {
      const L = HK.linear;
      const lin = linear();
      let gi: (Tensor | null)[] = [];
      let go: Tensor[] = [];
      lin.registerFullBackwardHook((_m, a, b) => {
        gi = a;
        go = b.map((g) => g.clone());
      });
      ((lin.forward(f64(L.x, [4, 3])) as Tensor).mul(f64(L.w, [4, 2]))).sum().backward();
      expect(gi.map((g) => g === null)).toEqual(L.noInputGrad.gradInputIsNone);
      expectClose(go[0], L.noInputGrad.gradOutput[0], { atol: 1e-14 });
      expectClose(lin.weight.grad!, L.noInputGrad.weightGrad, { atol: 1e-14 });
    });
    test('nested: a hook on the first layer (negating) fires before the Sequential\'s own', () => {
      const S = HK.sequential;
      const net = place(new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2))).double();
      const [l0, , l2] = net.children() as torch.nn.Linear[];
      torch.noGrad(() => {
        l0.weight.copy_(f64(S.params['0.weight'], [4, 3]));
        l0.bias!.copy_(f64(S.params['0.bias'], [4]));
        l2.weight.copy_(f64(S.params['2.weight'], [2, 4]));
        l2.bias!.copy_(f64(S.params['2.bias'], [2]));
      });
      const order: string[] = [];
      l0.registerFullBackwardHook((_m, gi) => {
        order.push('first');
        return [gi[0]!.neg()];
      });
      net.registerFullBackwardHook(() => {
        order.push('seq');
      });
      const x = f64(HK.linear.x, [4, 3]).requiresGrad_();
      ((net.forward(x) as Tensor).mul(f64(HK.linear.w, [4, 2]))).sum().backward();
      expect(order).toEqual(S.order);
      expectClose(x.grad!, S.xGrad, { atol: 1e-14 });
      expectClose(l0.weight.grad!, S.grads['0.weight'], { atol: 1e-14 });
      expectClose(l2.weight.grad!, S.grads['2.weight'], { atol: 1e-14 });
    });
    test('errors: a bad hook result, several inputs requiring grad, remove()', () => {
      const lin = linear();
      const h = lin.registerFullBackwardHook(() => [1, 2] as unknown as Tensor[]);
      const x = f64(HK.linear.x, [4, 3]).requiresGrad_();
      expectArgError(() => (lin.forward(x) as Tensor).sum().backward(), /backward hook's result/);
      h.remove();
      (lin.forward(x) as Tensor).sum().backward(); // fine without the hook
      class Two extends nn.Module {
        forward(a: Tensor, b: Tensor): Tensor {
          return a.add(b);
        }
      }
      const two = new Two();
      two.registerFullBackwardHook(() => undefined);
      expectArgError(() => two.forward(x, x.mul(1)), 'registerFullBackwardHook');
      // under noGrad the hooks are not involved
      expect(torch.noGrad(() => two.forward(x, x)).shape).toEqual([4, 3]);
    });
  });

  test('argument errors name the argument', () => {
    const lin = new nn.Linear(2, 2);
    const loose = lin as unknown as Record<string, (...a: unknown[]) => unknown>;
    expectArgError(() => loose.registerForwardHook('x'), 'hook');
    expectArgError(() => loose.registerForwardPreHook(null), 'hook');
    expectArgError(() => loose.registerFullBackwardHook({}), 'hook');
    expectArgError(() => loose.registerForwardHook(() => 1, {}), /registerForwardHook\(\)/);
    expectArgError(() => loose.requiresGrad_(1), 'requiresGrad');
    expectArgError(() => loose.double('float64'), /double\(\)/);
  });
});
