// test/nn/module_registration.test.ts — Module.registerParameter / registerModule / addModule and
// getSubmodule / getParameter / getBuffer (lib/nn/module.ts), as PyTorch's register_parameter,
// register_module, add_module, get_submodule, get_parameter and get_buffer: what gets registered
// (parameters(), children, stateDict keys; null registers an absent one), the lookups by dotted path,
// and the refusals (names taken by other attributes, methods, buffers; dotted names; wrong types; paths
// that do not lead to what is asked).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectArgError } from '../helpers';

const { nn } = torch;
class Custom extends nn.Module {
  scale: Tensor | null = null;
  constructor() {
    super();
    this.registerParameter('alpha', new nn.Parameter(torch.ones([2])));
    this.registerModule('fc', new nn.Linear(2, 3));
    this.addModule('bn', new nn.BatchNorm1d(3));
    this.registerParameter('beta', null);
    this.registerBuffer('steps', torch.zeros([1]));
  }
  forward(x: Tensor): Tensor {
    return (this as unknown as { bn: torch.nn.Module }).bn.forward((this as unknown as { fc: torch.nn.Module }).fc.forward(x.mul((this as unknown as { alpha: Tensor }).alpha)) as Tensor) as Tensor;
  }
}

describe('Module registration and lookup', () => {
  it('registers parameters and submodules as PyTorch does', () => {
    const m = new Custom();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['alpha', 'fc.weight', 'fc.bias', 'bn.weight', 'bn.bias']);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['fc', 'bn']);
    expect(Object.keys(m.stateDict())).toEqual(['alpha', 'steps', 'fc.weight', 'fc.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']); // PyTorch's order: own parameters, own buffers, children
    expect((m as unknown as { beta: unknown }).beta).toBeNull();
    // replacing a parameter by a parameter, or a module by a module, is allowed
    const a2 = new nn.Parameter(torch.zeros([2]));
    m.registerParameter('alpha', a2);
    expect(m.getParameter('alpha')).toBe(a2);
    m.registerModule('fc', new nn.Linear(2, 3));
    expect((m.forward(torch.ones([4, 2])) as Tensor).shape).toEqual([4, 3]);
  });
  it('looks up by dotted path', () => {
    const net = new nn.Sequential(new Custom(), new nn.ReLU());
    const c = net.getSubmodule('0');
    expect(c).toBeInstanceOf(Custom);
    expect(net.getSubmodule('')).toBe(net);
    expect(net.getSubmodule('0.fc')).toBeInstanceOf(nn.Linear);
    expect(net.getParameter('0.fc.weight').shape).toEqual([3, 2]);
    expect(net.getParameter('0.alpha').shape).toEqual([2]);
    expect(net.getBuffer('0.bn.runningMean').shape).toEqual([3]);
    expect(net.getBuffer('0.steps').shape).toEqual([1]);
  });
  it('refuses what PyTorch refuses, naming it', () => {
    const m = new Custom();
    expectArgError(() => m.registerParameter('a.b', null), 'name');
    expectArgError(() => m.registerParameter('', null), 'name');
    expectArgError(() => m.registerParameter('fc', null), 'name');
    expectArgError(() => m.registerParameter('steps', null), 'name');
    expectArgError(() => m.registerParameter('forward', null), 'name');
    expectArgError(() => m.registerParameter('training', null), 'name');
    expectArgError(() => m.registerParameter('gamma', torch.ones([2]) as never), 'param');
    expectArgError(() => m.registerModule('alpha', new nn.ReLU()), 'name');
    expectArgError(() => m.registerModule('act', torch.ones([1]) as never), 'module');
    expectArgError(() => m.getSubmodule('fc.nope'), 'target');
    expectArgError(() => m.getSubmodule('alpha'), 'target');
    expectArgError(() => m.getParameter('fc.nope'), 'target');
    expectArgError(() => m.getParameter('steps'), 'target');
    expectArgError(() => m.getBuffer('alpha'), 'target');
    expectArgError(() => m.getBuffer(''), 'target');
  });
});
