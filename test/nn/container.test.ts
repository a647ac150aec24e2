// test/nn/container.test.ts — nn.ModuleDict, nn.ParameterList and nn.ParameterDict: registered so
// that parameters(), namedParameters(), stateDict() (PyTorch's keys, from
// test/fixtures/gen_pixel_shuffle_fixtures.py's `containers` case), loadStateDict, to(device),
// double() and training see their entries; PyTorch's printed forms; the dict/list operations; and
// argument errors that name the argument. On every device (describeDevices).
import * as torch from '../../lib';
import { casesOf, toNumbers } from '../helpers';
import { describeDevices } from '../devices';

const { nn } = torch;
interface ContainersCase {
  stateDictKeys: string[];
  parameterNames: string[];
  repr: { plist: string; pdict: string; mods: string; empty: string[] };
}
const ref = casesOf('pixel_shuffle', ['containers'])[0][1] as unknown as ContainersCase;

class Holder extends nn.Module {
  plist = new nn.ParameterList([torch.zeros([2, 3], { dtype: 'float64' }), new nn.Parameter(torch.zeros([4], { dtype: 'float64' }))]);
  pdict = new nn.ParameterDict({ beta: torch.zeros([2], { dtype: 'float64' }), alpha: torch.zeros([1, 2], { dtype: 'float64' }) });
  mods = new nn.ModuleDict({ proj: new nn.Linear(3, 2), act: new nn.ReLU(), out: new nn.Linear(2, 1, { bias: false }) });
  forward(x: torch.Tensor): torch.Tensor {
    const h = (this.mods.get('act') as torch.nn.ReLU).forward((this.mods.get('proj') as torch.nn.Linear).forward(x));
    return (this.mods.get('out') as torch.nn.Linear).forward(h).mul(this.plist.at(1).float().sum()).add(this.pdict.get('alpha').float().sum());
  }
}

describeDevices('nn containers', (device) => {
  test("stateDict keys and parameter names are PyTorch's; printed forms too", () => {
    const h = new Holder();
    expect(Object.keys(h.stateDict())).toEqual(ref.stateDictKeys);
    expect(h.namedParameters().map(([n]) => n)).toEqual(ref.parameterNames);
    expect(String(h.plist)).toBe(ref.repr.plist);
    expect(String(h.pdict)).toBe(ref.repr.pdict);
    expect(String(h.mods)).toBe(ref.repr.mods);
    expect([String(new nn.ParameterList()), String(new nn.ParameterDict()), String(new nn.ModuleDict())]).toEqual(ref.repr.empty);
  });

  test('to(device), loadStateDict, gradients and train/eval reach the entries', () => {
    const h = new Holder().to(device);
    const dev = torch.zeros([1], { device }).device;
    expect(h.parameters().length).toBe(7);
    for (const p of h.parameters()) expect(p.device).toBe(dev);
    expect(h.plist[0]).toBe(h.plist.at(0));
    expect(h.plist.at(0).requiresGrad).toBe(true); // a Tensor was wrapped in a Parameter
    const sd = h.stateDict();
    const src: Record<string, torch.Tensor> = {};
    for (const [k, v] of Object.entries(sd)) src[k] = torch.onesLike(v).cpu();
    h.loadStateDict(src);
    expect(toNumbers(h.pdict.get('beta'))).toEqual([1, 1]);
    expect(toNumbers(h.plist.at(-1))).toEqual([1, 1, 1, 1]);
    const x = torch.ones([1, 3], { device });
    h.forward(x).sum().backward();
    expect(h.plist.at(1).grad).not.toBeNull();
    expect(h.pdict.get('alpha').grad!.shape).toEqual([1, 2]);
    expect(h.pdict.get('beta').grad).toBeNull();
    h.eval();
    expect(h.mods.get('proj').training).toBe(false);
  });

  test('dict and list operations', () => {
    const md = new nn.ModuleDict([['b', new nn.ReLU()], ['a', new nn.Identity()]]);
    expect(md.keys()).toEqual(['b', 'a']); // pairs keep their order
    expect([...md]).toEqual(['b', 'a']);
    md.set('c', new nn.Linear(2, 2));
    expect(md.length).toBe(3);
    expect(md.has('c') && !md.has('z')).toBe(true);
    expect(md.pop('b')).toBeInstanceOf(nn.ReLU);
    md.update({ d: new nn.Tanh() });
    expect(md.keys()).toEqual(['a', 'c', 'd']);
    expect(md.parameters().length).toBe(2);
    md.delete('c');
    expect(md.parameters().length).toBe(0);
    md.clear();
    expect(md.length).toBe(0);

    const pl = new nn.ParameterList();
    pl.append(torch.zeros([2])).extend([torch.ones([1]), new nn.Parameter(torch.ones([3]), false)]);
    expect(pl.length).toBe(3);
    expect([...pl].map((p) => p.shape[0])).toEqual([2, 1, 3]);
    expect(pl.at(2).requiresGrad).toBe(false); // a Parameter is kept as it is

    const pd = new nn.ParameterDict([['z', torch.zeros([1])], ['y', torch.zeros([2])]]);
    expect(pd.keys()).toEqual(['z', 'y']);
    expect(new nn.ParameterDict({ z: torch.zeros([1]), y: torch.zeros([2]) }).keys()).toEqual(['y', 'z']); // a plain object is sorted, as PyTorch
    pd.set('z', torch.ones([5]));
    expect(pd.get('z').shape).toEqual([5]);
    expect(pd.values().length).toBe(2);
    expect(pd.items()[1][0]).toBe('y');
    expect(pd.pop('y').shape).toEqual([2]);
    expect([...pd]).toEqual(['z']);
  });

  test('argument errors name the argument', () => {
    const rows: [() => unknown, RegExp][] = [
      [() => new nn.ModuleDict({ 'a.b': new nn.ReLU() }), /for key\b/],
      [() => new nn.ModuleDict({ training: new nn.ReLU() }), /for key\b/],
      [() => new nn.ModuleDict({ keys: new nn.ReLU() }), /for key\b/],
      [() => new nn.ModuleDict({ a: torch.zeros([1]) as never }), /for module\b/],
      [() => new nn.ModuleDict().get('missing'), /for key\b/],
      [() => new nn.ModuleDict(5 as never), /for modules\b/],
      [() => new nn.ModuleDict().forward(), /no forward/],
      [() => new nn.ParameterList([1 as never]), /for values\[0\]/],
      [() => new nn.ParameterList().at(0), /for index\b/],
      [() => new nn.ParameterDict({ a: 'x' as never }), /for parameters\.a\b/],
      [() => new nn.ParameterDict({ '': torch.zeros([1]) }), /for key\b/],
      [() => new nn.ParameterDict().pop('a'), /for key\b/],
      [() => new (nn.ParameterList as unknown as new (...a: unknown[]) => unknown)([], 1), /for ParameterList\(\)/],
    ];
    for (const [fn, re] of rows) expect(fn).toThrow(re);
  });
});
