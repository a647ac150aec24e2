// test/optim/optimizer.test.ts — lib/optim/optimizer.ts: every optimizer's step() checks each
// parameter's .grad (a tensor of the parameter's shape, dtype and device) and its state tensors before
// any native code runs, all of them before the first parameter is stepped, so nothing changes on an
// error. Before, a [1] gradient for a [3] parameter made the native step read past the end of the
// gradient (SIGSEGV for a large parameter) and a float64 gradient of a float32 parameter was read as
// float32 bits. The crash repro runs in a child process (test/child.ts).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectArgError } from '../helpers';
import { TORCH, runChild, describeChild, lastJson } from '../child';

type Make = (params: Tensor[]) => torch.optim.Adam | torch.optim.SGD;
const OPTIMIZERS: [string, Make][] = [
  ['Adam', (ps) => new torch.optim.Adam(ps, { lr: 0.1 })],
  ['Adam (amsgrad)', (ps) => new torch.optim.Adam(ps, { lr: 0.1, amsgrad: true })],
  ['AdamW', (ps) => new torch.optim.AdamW(ps, { lr: 0.1 })],
  ['SGD', (ps) => new torch.optim.SGD(ps, { lr: 0.1 })],
  ['SGD (momentum)', (ps) => new torch.optim.SGD(ps, { lr: 0.1, momentum: 0.9 })],
];

describe.each(OPTIMIZERS)('%s.step() checks every gradient first', (_name, make) => {
  const setup = () => {
    const a = torch.ones([3], { requiresGrad: true });
    const b = torch.ones([2, 2], { requiresGrad: true });
    const opt = make([a, b]);
    a.grad = torch.ones([3]);
    return { a, b, opt };
  };
  test.each([
    ['of another shape', () => torch.ones([1]), 'ERR_TORCHLET_SHAPE'],
    ['of a broadcastable shape', () => torch.ones([2]), 'ERR_TORCHLET_SHAPE'],
    ['float64 for a float32 parameter', () => torch.ones([2, 2], { dtype: 'float64' }), 'ERR_TORCHLET_DTYPE'],
    ['not a tensor', () => [[1, 1], [1, 1]], 'ERR_TORCHLET_INVALID_ARG_TYPE'],
    [
      'disposed',
      () => {
        const g = torch.ones([2, 2]);
        g.dispose();
        return g;
      },
      'ERR_TORCHLET_DISPOSED',
    ],
  ] as [string, () => unknown, string][])('a .grad %s is refused, naming it; no parameter changes', (_what, bad, code) => {
    const { a, b, opt } = setup();
    b.grad = bad() as Tensor;
    expectArgError(() => opt.step(), /paramGroups\[0\]\.params\[1\]\.grad/);
    expect(() => opt.step()).toThrow(expect.objectContaining({ code }));
    // a (checked and fine) was not stepped either: every gradient is checked before the first step
    expect(a.tolist()).toEqual([1, 1, 1]);
    expect(b.tolist()).toEqual([[1, 1], [1, 1]]);
    expect(opt.state.size).toBe(0);
    b.grad = torch.ones([2, 2]);
    opt.step();
    expect((a.tolist() as number[])[0]).toBeLessThan(1);
  });
});

test.each([
  ['Adam', OPTIMIZERS[0][1], 'expAvgSq'],
  ['Adam (amsgrad)', OPTIMIZERS[1][1], 'maxExpAvgSq'],
  ['SGD (momentum)', OPTIMIZERS[4][1], 'momentumBuffer'],
] as [string, Make, string][])('%s: a state tensor (%s) edited by hand is checked too', (_name, make, key) => {
  const a = torch.ones([3], { requiresGrad: true });
  const opt = make([a]);
  a.grad = torch.ones([3]);
  opt.step();
  opt.state.get(a)![key] = torch.zeros([1]);
  expect(() => opt.step()).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_SHAPE', message: expect.stringContaining(key) }));
  opt.state.get(a)![key] = torch.zeros([3], { dtype: 'float64' });
  expect(() => opt.step()).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_DTYPE', message: expect.stringContaining(key) }));
});

test("the issue's repro in a child process: p.mul(2).backward(torch.ones([1])) then step(), and a short .grad set by hand", () => {
  const r = runChild(`
    const torch = require(${TORCH});
    const codes = [];
    const p = torch.zeros([1 << 20], { requiresGrad: true });
    const opt = new torch.optim.Adam([p]);
    try { p.mul(2).backward(torch.ones([1])); } catch (e) { codes.push(e.code); }
    try { opt.step(); } catch (e) { codes.push(e.code); }
    p.grad = torch.ones([1]);
    try { opt.step(); } catch (e) { codes.push(e.code); }
    p.grad = torch.ones([1 << 20], { dtype: 'float64' });
    try { opt.step(); } catch (e) { codes.push(e.code); }
    const q = torch.zeros([1 << 20], { requiresGrad: true });
    q.grad = torch.ones([4]);
    try { new torch.optim.SGD([q], { lr: 1, momentum: 0.5 }).step(); } catch (e) { codes.push(e.code); }
    console.log(JSON.stringify(codes));
  `);
  if (r.status !== 0) throw new Error(describeChild(r));
  expect(lastJson<string[]>(r)).toEqual(['ERR_TORCHLET_SHAPE', 'ERR_TORCHLET_SHAPE', 'ERR_TORCHLET_DTYPE', 'ERR_TORCHLET_SHAPE']);
});
