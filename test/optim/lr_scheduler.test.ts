// test/optim/lr_scheduler.test.ts — torch.optim.lrScheduler against PyTorch 1.13
// (test/fixtures/lr_scheduler.json from gen_lr_scheduler_fixtures.py): every scheduler's lr sequence
// over 100 steps for one and two parameter groups, several option sets each, and the momentum /
// betas[0] sequences where OneCycleLR and CyclicLR cycle them; a stateDict() round trip at step 37
// into a fresh optimizer and scheduler continuing identically; argument and state-dict errors.
// The schedulers are plain JS over the optimizer's parameter groups: no device is involved.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import { expectArgError } from '../helpers';

const L = torch.optim.lrScheduler;
interface Case {
  name: string;
  scheduler: string;
  optimizer: string;
  lrs: number[];
  opts: Record<string, unknown>;
  lr: number[][];
  momentum?: number[][];
  metrics?: number[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'lr_scheduler.json'), 'utf8')) as { steps: number; cases: Case[] };
const LAMBDAS: Record<string, (e: number) => number> = {
  pow095: (e) => 0.95 ** e,
  warmup10: (e) => Math.min(1.0, (e + 1) / 10),
  invsqrt: (e) => 1.0 / Math.sqrt(e + 1),
};

type AnyOpt = torch.optim.Optimizer<object>;
interface Sched {
  step(m?: number): void;
  getLastLr(): number[];
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
}
function makeOptimizer(kind: string, lrs: number[]): AnyOpt {
  const groups = lrs.map((lr) => ({ params: [torch.zeros([2]).requiresGrad_()], lr }));
  if (kind === 'sgd') return new torch.optim.SGD(groups, { lr: lrs[0], momentum: 0.9 }) as unknown as AnyOpt;
  if (kind === 'adam') return new torch.optim.Adam(groups, { lr: lrs[0] }) as unknown as AnyOpt;
  if (kind === 'nadam') return new torch.optim.NAdam(groups, { lr: lrs[0] }) as unknown as AnyOpt;
  if (kind === 'rmsprop') return new torch.optim.RMSprop(groups, { lr: lrs[0], momentum: 0.5 }) as unknown as AnyOpt;
  throw new Error(`unknown optimizer ${kind}`);
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function build(opt: AnyOpt, type: string, opts: Record<string, any>): Sched {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const C = (L as any)[type];
  if (type === 'LambdaLR' || type === 'MultiplicativeLR') {
    const { lrLambda, ...rest } = opts;
    return new C(opt, Array.isArray(lrLambda) ? lrLambda.map((n: string) => LAMBDAS[n]) : LAMBDAS[lrLambda], rest);
  }
  const sub = (list: { type: string; opts: Record<string, unknown> }[]) => list.map((s) => build(opt, s.type, s.opts));
  if (type === 'SequentialLR') return new C(opt, { ...opts, schedulers: sub(opts.schedulers) });
  if (type === 'ChainedScheduler') return new C(sub(opts.schedulers));
  return new C(opt, opts);
}
const groupsOf = (o: AnyOpt) => o.paramGroups as unknown as Record<string, unknown>[];
const lrsOf = (o: AnyOpt) => groupsOf(o).map((g) => g.lr as number);
const momentaOf = (o: AnyOpt) => groupsOf(o).map((g) => (g.betas ? (g.betas as number[])[0] : (g.momentum as number)));

function close(actual: number[], expected: number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (!(Math.abs(a - e) <= 1e-15 + 1e-11 * Math.abs(e))) throw new Error(`${what}[${i}]: ${a} vs PyTorch ${e}`);
  });
}
/** Steps k = from..to-1 (the fixture's point k+1 after each), checking lr, getLastLr and momenta. */
function run(c: Case, opt: AnyOpt, s: Sched, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    opt.step();
    if (c.metrics) s.step(c.metrics[k]);
    else s.step();
    close(lrsOf(opt), c.lr[k + 1], `${c.name} lr after step ${k + 1}`);
    close(s.getLastLr(), c.lr[k + 1], `${c.name} getLastLr() after step ${k + 1}`);
    if (c.momentum) close(momentaOf(opt), c.momentum[k + 1], `${c.name} momentum after step ${k + 1}`);
  }
}

describe('learning-rate sequences vs PyTorch 1.13 (100 steps)', () => {
  test('the fixture covers every scheduler, with two groups and momentum cycling', () => {
    const kinds = new Set(fixture.cases.map((c) => c.scheduler));
    for (const k of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'LinearLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'OneCycleLR',
      'CyclicLR', 'ReduceLROnPlateau', 'LambdaLR', 'SequentialLR', 'ChainedScheduler', 'ConstantLR', 'PolynomialLR', 'MultiplicativeLR'])
      expect(kinds).toContain(k);
    expect(fixture.cases.filter((c) => c.momentum && (c.optimizer === 'adam' || c.optimizer === 'nadam')).length).toBeGreaterThan(0);
    expect(fixture.cases.filter((c) => c.momentum && c.optimizer === 'rmsprop').length).toBeGreaterThan(0);
    expect(fixture.cases.filter((c) => c.momentum && c.optimizer === 'sgd').length).toBeGreaterThan(1);
    expect(fixture.cases.filter((c) => c.lrs.length === 2).length).toBeGreaterThan(10);
    for (const c of fixture.cases) expect(c.lr.length).toBe(fixture.steps + 1);
  });

  test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => {
    const opt = makeOptimizer(c.optimizer, c.lrs);
    const s = build(opt, c.scheduler, c.opts);
    close(lrsOf(opt), c.lr[0], `${c.name} lr after construction`);
    if (c.momentum) close(momentaOf(opt), c.momentum[0], `${c.name} momentum after construction`);
    run(c, opt, s, 0, fixture.steps);
  });

  test.each(fixture.cases.map((c) => [c.name, c] as [string, Case]))('%s: stateDict round trip at step 37 continues identically', (_n, c) => {
    const optA = makeOptimizer(c.optimizer, c.lrs);
    const a = build(optA, c.scheduler, c.opts);
    run(c, optA, a, 0, 37);
    const optSd = optA.stateDict();
    const sd = a.stateDict();
    expect(sd).not.toHaveProperty('optimizer');
    expect(sd).not.toHaveProperty('lrLambdas');
    // a fresh optimizer and scheduler, as when resuming a checkpoint
    const optB = makeOptimizer(c.optimizer, c.lrs);
    const b = build(optB, c.scheduler, c.opts);
    optB.loadStateDict(optSd);
    b.loadStateDict(sd);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    run(c, optB, b, 37, fixture.steps);
    // the saved dict is a copy: continuing A afterwards is unaffected by B
    run(c, optA, a, 37, fixture.steps);
  });
});

describe('behaviour', () => {
  const sgd = (lrs = [0.1]) => makeOptimizer('sgd', lrs);

  test('initialLr is set on the groups and kept by a second scheduler; lastEpoch counts steps', () => {
    const opt = sgd([0.1, 0.5]);
    const s = new L.StepLR(opt, { stepSize: 2 });
    expect(groupsOf(opt).map((g) => g.initialLr)).toEqual([0.1, 0.5]);
    expect(s.lastEpoch).toBe(0);
    s.step();
    s.step();
    expect(s.lastEpoch).toBe(2);
    expect(s.getLastLr()[1]).toBeCloseTo(0.05, 15);
    const e = new L.ExponentialLR(opt, { gamma: 0.5 });
    expect(e.baseLrs).toEqual([0.1, 0.5]);
  });

  test('resuming with lastEpoch needs initialLr in the groups', () => {
    expectArgError(() => new L.StepLR(sgd(), { stepSize: 2, lastEpoch: 4 }), /paramGroups\[0\]\.initialLr/);
    const opt = sgd();
    new L.StepLR(opt, { stepSize: 2 });
    const s = new L.StepLR(opt, { stepSize: 2, lastEpoch: 4 });
    expect(s.lastEpoch).toBe(5);
  });

  test('LambdaLR takes (optimizer, fn, {lastEpoch}) or (optimizer, {lrLambda}); a lambda returning a non-number is an error', () => {
    const a = new L.LambdaLR(sgd(), { lrLambda: (e: number) => 1 / (e + 1) });
    a.step();
    expect(a.getLastLr()[0]).toBeCloseTo(0.05, 15);
    const bad = new L.LambdaLR(sgd(), (e: number) => (e > 0 ? (undefined as unknown as number) : 1));
    expectArgError(() => bad.step(), /lrLambda\[0\]\(1\)/);
  });

  test('OneCycleLR refuses a step past totalSteps; CosineAnnealingWarmRestarts takes fractional epochs', () => {
    const s = new L.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 3 });
    s.step();
    s.step();
    s.step();
    expectArgError(() => s.step(), /totalSteps = 3/);
    const opt = sgd();
    const w = new L.CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 });
    w.step(12.5);
    // PyTorch: T_cur = 2.5 of T_i = 20
    expect(w.getLastLr()[0]).toBeCloseTo((0.1 * (1 + Math.cos((Math.PI * 2.5) / 20))) / 2, 15);
    expect(w.lastEpoch).toBe(12);
  });

  test('ReduceLROnPlateau takes a one-element tensor metric', () => {
    const opt = sgd();
    const s = new L.ReduceLROnPlateau(opt, { patience: 0 });
    s.step(torch.tensor([1.0]));
    s.step(torch.tensor(2.0));
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 15);
    expectArgError(() => s.step(torch.zeros([2])), 'metrics');
  });

  test('a failed loadStateDict changes nothing', () => {
    const opt = sgd([0.1, 0.2]);
    const s = new L.StepLR(opt, { stepSize: 3 });
    s.step();
    const before = s.stateDict();
    expectArgError(() => s.loadStateDict({ ...before, lastEpoch: 9, baseLrs: [1] }), /stateDict\.baseLrs/);
    expectArgError(() => s.loadStateDict({ lastEpoch: 9, stepSize: 0 }), /stateDict\.stepSize/);
    expectArgError(() => s.loadStateDict({ lastEpoch: 9, bogus: 1 }), /stateDict\.bogus/);
    expectArgError(() => s.loadStateDict({ lastEpoch: 'nine' } as unknown as Record<string, unknown>), /stateDict\.lastEpoch/);
    expect(s.stateDict()).toEqual(before);
  });

  test("an optimizer's state dict with the scheduler's group entries loads into an optimizer without a scheduler", () => {
    const a = sgd();
    new L.OneCycleLR(a, { maxLr: 1, totalSteps: 10 });
    const b = sgd();
    b.loadStateDict(a.stateDict());
    expect(groupsOf(b)[0].maxLr).toBe(1);
    expect(groupsOf(b)[0].initialLr).toBe(1 / 25);
    expectArgError(() => b.loadStateDict({ ...a.stateDict(), paramGroups: [{ ...a.stateDict().paramGroups[0], maxLr: 'x' }] } as never), /maxLr/);
  });
});

describe('argument errors name the argument', () => {
  const opt = () => makeOptimizer('sgd', [0.1, 0.01]);
  const adam = () => makeOptimizer('adam', [0.1]);
  const loose = (C: unknown) => C as new (...a: unknown[]) => unknown;
  test.each([
    ['not an optimizer', () => new (loose(L.StepLR))({ paramGroups: [] }, { stepSize: 1 }), 'optimizer'],
    ['StepLR without stepSize', () => new (loose(L.StepLR))(opt(), {}), 'opts.stepSize'],
    ['StepLR stepSize 0', () => new L.StepLR(opt(), { stepSize: 0 }), 'opts.stepSize'],
    ['StepLR step_size (snake_case)', () => new (loose(L.StepLR))(opt(), { step_size: 2 }), /'stepSize'/],
    ['StepLR extra argument', () => new (loose(L.StepLR))(opt(), { stepSize: 2 }, 0.1), /StepLR\(\)/],
    ['MultiStepLR milestones not an array', () => new (loose(L.MultiStepLR))(opt(), { milestones: 3 }), 'opts.milestones'],
    ['MultiStepLR a negative milestone', () => new L.MultiStepLR(opt(), { milestones: [2, -1] }), /milestones\[1\]/],
    ['ExponentialLR gamma NaN', () => new L.ExponentialLR(opt(), { gamma: NaN }), 'opts.gamma'],
    ['LinearLR startFactor 1.5', () => new L.LinearLR(opt(), { startFactor: 1.5 }), 'opts.startFactor'],
    ['LinearLR endFactor -1', () => new L.LinearLR(opt(), { endFactor: -1 }), 'opts.endFactor'],
    ['ConstantLR factor 2', () => new L.ConstantLR(opt(), { factor: 2 }), 'opts.factor'],
    ['CosineAnnealingLR TMax 0', () => new L.CosineAnnealingLR(opt(), { TMax: 0 }), 'opts.TMax'],
    ['CosineAnnealingWarmRestarts T0 1.5', () => new L.CosineAnnealingWarmRestarts(opt(), { T0: 1.5 }), 'opts.T0'],
    ['CosineAnnealingWarmRestarts TMult 0', () => new L.CosineAnnealingWarmRestarts(opt(), { T0: 2, TMult: 0 }), 'opts.TMult'],
    ['OneCycleLR without totalSteps', () => new L.OneCycleLR(opt(), { maxLr: 1 }), 'opts.totalSteps'],
    ['OneCycleLR maxLr of 3 for 2 groups', () => new L.OneCycleLR(opt(), { maxLr: [1, 2, 3], totalSteps: 5 }), 'opts.maxLr'],
    ['OneCycleLR pctStart 2', () => new L.OneCycleLR(opt(), { maxLr: 1, totalSteps: 5, pctStart: 2 }), 'opts.pctStart'],
    ['OneCycleLR annealStrategy', () => new (loose(L.OneCycleLR))(opt(), { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' }), 'opts.annealStrategy'],
    ['CyclicLR without baseLr', () => new (loose(L.CyclicLR))(opt(), { maxLr: 1 }), 'opts.baseLr'],
    ['CyclicLR mode', () => new (loose(L.CyclicLR))(opt(), { baseLr: 0.1, maxLr: 1, mode: 'sine' }), 'opts.mode'],
    ['CyclicLR cycling momentum on Adam', () => new L.CyclicLR(adam(), { baseLr: 0.1, maxLr: 1 }), 'opts.cycleMomentum'],
    ['ReduceLROnPlateau factor 1', () => new L.ReduceLROnPlateau(opt(), { factor: 1 }), 'opts.factor'],
    ['ReduceLROnPlateau mode', () => new (loose(L.ReduceLROnPlateau))(opt(), { mode: 'median' }), 'opts.mode'],
    ['ReduceLROnPlateau minLr of 3 for 2 groups', () => new L.ReduceLROnPlateau(opt(), { minLr: [0, 0, 0] }), 'opts.minLr'],
    ['ReduceLROnPlateau step without a metric', () => (new L.ReduceLROnPlateau(opt()).step as (m?: unknown) => void)(), 'metrics'],
    ['LambdaLR 1 lambda list for 2 groups', () => new L.LambdaLR(opt(), [(e: number) => e]), 'lrLambda'],
    ['LambdaLR not a function', () => new (loose(L.LambdaLR))(opt(), { lrLambda: 3 }), 'lrLambda'],
    ['SequentialLR milestones count', () => {
      const o = opt();
      return new L.SequentialLR(o, { schedulers: [new L.StepLR(o, { stepSize: 2 })], milestones: [3] });
    }, 'opts.milestones'],
    ['SequentialLR a scheduler of another optimizer', () => new L.SequentialLR(opt(), { schedulers: [new L.StepLR(opt(), { stepSize: 2 })], milestones: [] }), /schedulers\[0\]/],
    ['ChainedScheduler of two optimizers', () => new L.ChainedScheduler([new L.StepLR(opt(), { stepSize: 2 }), new L.StepLR(opt(), { stepSize: 2 })]), /schedulers\[1\]/],
    ['step(epoch) with a negative epoch', () => new L.StepLR(opt(), { stepSize: 2 }).step(-1), 'epoch'],
  ] as [string, () => unknown, string | RegExp][])('%s', (_n, f, name) => expectArgError(f, name));
});
