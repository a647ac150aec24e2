// test/nn/functional_call.test.ts — torch.func.functionalCall / torch.nn.utils.stateless.functionalCall
// (lib/func.ts) on every device, against PyTorch 1.13's functional_call (test/fixtures/functional_utils.json):
// the output with substituted parameters and a buffer, the gradients reaching the substituted tensors
// (none reaching the module's own), the training-mode running-mean update landing in the given buffer;
// the originals restored (also after a throw), Map and object arguments, kwargs, and the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError, expectClose, fromFixture, type T } from '../helpers';

const { nn } = torch;
const FC = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'functional_utils.json'), 'utf8')) as {
  functionalCall: {
    stateDict: Record<string, T>; x: T; substitute: Record<string, T>; output: T; gradOutput: T; grads: Record<string, T>;
    runningMeanAfter: T; modelStateAfter: Record<string, T>;
  };
}).functionalCall;

describeDevices('functionalCall', (device) => {
  const on = (t: T) => fromFixture(t).to(device);
  const makeModel = () => {
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Tanh(), new nn.Linear(4, 2)).double();
    m.loadStateDict(Object.fromEntries(Object.entries(FC.stateDict).map(([k, v]) => [k, fromFixture(v)])));
    return m.to(device);
  };

  test('matches PyTorch: output, gradients of the substituted tensors, the buffer updated in place', () => {
    const model = makeModel();
    const sub: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(FC.substitute)) sub[k] = k.includes('running') ? on(v) : on(v).requiresGrad_();
    const y = torch.func.functionalCall(model, sub, on(FC.x)) as Tensor;
    expectClose(y, FC.output, { atol: 1e-12, rtol: 1e-12 });
    y.mul(on(FC.gradOutput)).sum().backward();
    for (const [k, g] of Object.entries(FC.grads)) expectClose(sub[k].grad!, g, { atol: 1e-12, rtol: 1e-12, label: k });
    // the replaced parameters get no gradient; the others (used by forward as usual) do
    for (const [k, p] of model.namedParameters()) {
      if (k in FC.substitute) expect(p.grad).toBeNull();
      else expect(p.grad).toBeInstanceOf(torch.Tensor);
    }
    expectClose(sub['1.running_mean'], FC.runningMeanAfter, { atol: 1e-12, rtol: 1e-12 });
    // the module is back as it was, but for what forward itself updates in the un-substituted buffers
    const sd = model.stateDict();
    for (const [k, e] of Object.entries(FC.modelStateAfter)) {
      if (e.dtype === 'int64') expect(Number(sd[k].item())).toBe(e.data[0]);
      else expectClose(sd[k], e, { atol: 1e-12, rtol: 1e-12, label: k });
    }
    expect(model.parameters().length).toBe(6);
    expect((model.modules()[1] as unknown as { weight: unknown }).weight).toBeInstanceOf(nn.Parameter);
  });

  test('a Map, attribute paths (bn.runningMean), an array of args, nn.utils.stateless and kwargs', () => {
    const model = makeModel();
    model.eval();
    const x = on(FC.x);
    const w = torch.zeros([4, 3], { dtype: 'float64' }).to(device);
    const viaMap = torch.nn.utils.stateless.functionalCall(model, new Map([['0.weight', w], ['1.runningMean', torch.ones([4], { dtype: 'float64' }).to(device)]]), [x]) as Tensor;
    const viaObj = torch.func.functionalCall(model, { '0.weight': w, '1.running_mean': torch.ones([4], { dtype: 'float64' }).to(device) }, x) as Tensor;
    expectClose(viaMap, viaObj, { atol: 0 });
    expect(torch.nn.utils.stateless.functionalCall).toBe(torch.func.functionalCall);
    // kwargs: forward's trailing options object
    class WithOpts extends nn.Module {
      lin = new nn.Linear(2, 2);
      forward(a: Tensor, opts: { scale?: number } = {}): Tensor {
        return this.lin.forward(a).mul(opts.scale ?? 1);
      }
    }
    const m = new WithOpts();
    const a = torch.ones([1, 2]);
    const out = torch.func.functionalCall(m, { 'lin.weight': torch.eye(2), 'lin.bias': torch.zeros([2]) }, [a], { scale: 3 }) as Tensor;
    expect(Array.from(out.toArray() as Float32Array)).toEqual([3, 3]);
  });

  test('the originals are restored when forward throws', () => {
    const model = makeModel();
    const w0 = model.parameters()[0];
    expect(() => torch.func.functionalCall(model, { '0.weight': torch.zeros([4, 3], { dtype: 'float64' }).to(device) }, torch.zeros([2, 5], { dtype: 'float64' }).to(device))).toThrow(torch.TorchletError);
    expect(model.parameters()[0]).toBe(w0);
    expect((model.modules()[1] as unknown as { weight: unknown }).weight).toBeInstanceOf(nn.Parameter);
  });

  test('refusals: coded errors naming the argument, nothing swapped', () => {
    const model = makeModel();
    const w0 = model.parameters()[0];
    const loose = torch.func.functionalCall as unknown as (...a: unknown[]) => unknown;
    const x = on(FC.x);
    expectArgError(() => loose({}, {}, x), 'module');
    expectArgError(() => loose(model, 3, x), 'parametersAndBuffers');
    expectArgError(() => loose(model, [w0], x), 'parametersAndBuffers');
    expectArgError(() => loose(model, { '0.weight': torch.zeros([4, 3]), nope: torch.zeros([1]) }, x), /for parametersAndBuffers\['nope'\] /);
    expectArgError(() => loose(model, { '0.weight': 'w' }, x), /for parametersAndBuffers\['0.weight'\] /);
    expectArgError(() => loose(model, { '1.running_mean': torch.zeros([4]), '1.runningMean': torch.zeros([4]) }, x), /for parametersAndBuffers\['1.runningMean'\] /);
    expectArgError(() => loose(model, {}, x, 5), 'kwargs');
    expect(model.parameters()[0]).toBe(w0);
  });
});
