// test/optim/load_state_dict.test.ts — Optimizer.loadStateDict (lib/optim/optimizer.ts) is all or
// nothing: a round trip restores options and state exactly; every bad state dict (wrong group
// count or size, bad or repeated indices, unknown or non-finite options, options the optimizer's
// rules refuse, state for unknown parameters, wrong shapes, bad step counts, missing entries) is
// refused and leaves lr and the state untouched.
/* eslint-disable @typescript-eslint/no-explicit-any */ // edits of state dicts as plain objects
import * as torch from '../../lib';
import { Adam } from '../../lib/optim/adam';
import { SGD } from '../../lib/optim/sgd';

function trained(): { net: torch.nn.Linear; opt: Adam } {
  torch.manualSeed(1);
  const net = new torch.nn.Linear(3, 2);
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    net.forward(torch.randn([4, 3])).sum().backward();
    opt.step();
  }
  return { net, opt };
}
/** The optimizer's options and state as plain values. */
function snapshot(opt: Adam | SGD): unknown {
  const sd = opt.stateDict();
  const state = Object.fromEntries(Object.entries(sd.state).map(([k, s]) => [k, Object.fromEntries(Object.entries(s).map(([n, v]) => [n, typeof v === 'number' ? v : v.tolist()]))]));
  return { groups: sd.paramGroups, state };
}

test('a round trip restores options and state', () => {
  const { opt } = trained();
  const { net: other, opt: fresh } = trained();
  fresh.paramGroups[0].lr = 0.5;
  fresh.loadStateDict(opt.stateDict());
  expect(snapshot(fresh)).toEqual(snapshot(opt));
  expect(fresh.paramGroups[0].params).toEqual(other.parameters()); // the parameters stay its own
});

describe('a failed load changes nothing', () => {
  // each: a change to a good state dict (as from stateDict()), and the message it must give
  const cases: [string, (sd: Record<string, any>) => void, RegExp][] = [
    ['two groups for one', (sd) => sd.paramGroups.push({ ...sd.paramGroups[0] }), /stateDict\.paramGroups/],
    ['a group with too few params', (sd) => sd.paramGroups[0].params.pop(), /2 parameters/],
    ['a repeated parameter index', (sd) => (sd.paramGroups[0].params[1] = sd.paramGroups[0].params[0]), /each parameter index once/],
    ['a negative parameter index', (sd) => (sd.paramGroups[0].params[0] = -1), /a parameter index \(an integer >= 0\)/],
    ['an unknown option', (sd) => (sd.paramGroups[0].momentum = 0.9), /one of the options lr, betas, eps, weightDecay, amsgrad, maximize/],
    ['a NaN learning rate', (sd) => (sd.paramGroups[0].lr = NaN), /Expected a finite number for stateDict\.paramGroups\[0\]\.lr but received NaN/],
    ['an infinite beta', (sd) => (sd.paramGroups[0].betas = [0.9, Infinity]), /paramGroups\[0\]\.betas\[1\]/],
    ['a string for a number', (sd) => (sd.paramGroups[0].eps = '1e-8'), /a finite number for stateDict\.paramGroups\[0\]\.eps/],
    ['a negative lr (Adam refuses it)', (sd) => (sd.paramGroups[0].lr = -1), /a learning rate >= 0 for lr/],
    ['beta1 = 1 (Adam refuses it)', (sd) => (sd.paramGroups[0].betas = [1, 0.999]), /betas\[0\]/],
    ['state for a parameter no group lists', (sd) => (sd.state[7] = {}), /entries for the parameter indices its paramGroups list/],
    ['a state entry of the wrong shape', (sd) => (sd.state[0].expAvg = torch.zeros([5])), /stateDict\.state\[0\]\.expAvg/],
    ['step -1', (sd) => (sd.state[0].step = -1), /an integer step count >= 0 for stateDict\.state\[0\]\.step/],
    ['step 1.5', (sd) => (sd.state[0].step = 1.5), /an integer step count >= 0/],
    ['step NaN', (sd) => (sd.state[0].step = NaN), /a tensor or a finite number for stateDict\.state\[0\]\.step/],
    ['a missing expAvgSq', (sd) => delete sd.state[1].expAvgSq, /stateDict\.state\[1\]\.expAvgSq/],
    ['amsgrad switched on without maxExpAvgSq', (sd) => (sd.paramGroups[0].amsgrad = true), /maxExpAvgSq/],
    ['an unknown state entry', (sd) => (sd.state[1].momentumBuffer = torch.zeros([2])), /one of the Adam state entries/],
    ['a disposed state tensor', (sd) => sd.state[1].expAvg.dispose(), /a live tensor/],
  ];
  test.each(cases)('%s', (_what, edit, message) => {
    const { opt } = trained();
    const { opt: target } = trained();
    target.paramGroups[0].lr = 0.123;
    const before = snapshot(target);
    const sd = opt.stateDict() as unknown as Record<string, any>;
    sd.state = Object.fromEntries(Object.entries(sd.state).map(([k, s]) => [k, { ...(s as object), expAvg: (s as any).expAvg.clone() }]));
    sd.paramGroups = sd.paramGroups.map((g: Record<string, unknown>) => ({ ...g, params: [...(g.params as number[])] }));
    sd.paramGroups[0].lr = 0.5; // applied only if everything else is right
    edit(sd);
    let err: unknown;
    try {
      target.loadStateDict(sd as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(torch.TorchletError);
    expect((err as Error).message).toMatch(message);
    expect(snapshot(target)).toEqual(before);
    expect(target.paramGroups[0].lr).toBe(0.123);
  });

  test('SGD: its own option rules and state layout', () => {
    const net = new torch.nn.Linear(2, 1);
    const sgd = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    net.forward(torch.ones([1, 2])).sum().backward();
    sgd.step();
    const before = snapshot(sgd);
    const sd = sgd.stateDict() as unknown as Record<string, any>;
    expect(() => sgd.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0], nesterov: true, dampening: 0.5 }] } as never)).toThrow(/nesterov/);
    expect(() => sgd.loadStateDict({ ...sd, state: { 0: { step: 3 } } } as never)).toThrow(/the SGD state entry momentumBuffer/);
    expect(snapshot(sgd)).toEqual(before);
    sgd.loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: 0.2 }] } as never);
    expect(sgd.paramGroups[0].lr).toBe(0.2);
  });
});
