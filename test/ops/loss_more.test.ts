// test/ops/loss_more.test.ts — F.tripletMarginLoss, F.tripletMarginWithDistanceLoss,
// F.multiLabelSoftMarginLoss, F.multiLabelMarginLoss, F.multiMarginLoss, F.hingeEmbeddingLoss,
// F.softMarginLoss, F.poissonNllLoss (lib/ops/loss_more.ts) and their nn modules (lib/nn/loss_more.ts),
// on every device: against PyTorch 1.13 (test/fixtures/loss_more.json from gen_loss_more_fixtures.py:
// outputs and gradients in the three reductions, float64 and float32; -1 terminated multi-label
// targets, hinges exactly at 0, swap, custom distance functions, full Poisson with targets 0 / 1 / > 1),
// float64 finite-difference gradchecks, the modules (defaults, attributes, PyTorch's print, weight
// buffers, forward = F) and bad arguments (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import {
  tripletMarginLoss, tripletMarginWithDistanceLoss, multiLabelSoftMarginLoss, multiLabelMarginLoss, multiMarginLoss, hingeEmbeddingLoss,
  softMarginLoss, poissonNllLoss,
} from '../../lib/ops/loss_more';
import type { DistanceFunction } from '../../lib/ops/loss_more';
import {
  TripletMarginLoss, TripletMarginWithDistanceLoss, MultiLabelSoftMarginLoss, MultiLabelMarginLoss, MultiMarginLoss, HingeEmbeddingLoss,
  SoftMarginLoss, PoissonNLLLoss,
} from '../../lib/nn/loss_more';
import { PairwiseDistance } from '../../lib/nn/distance';
import { cosineSimilarity, pairwiseDistance } from '../../lib/ops/distance';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, fromFixture, expectClose, randnT, argErrorTests, ArgErrorRow, FixtureCase, thrown, toNumbers } from '../helpers';

const cases = casesOf('loss_more');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

const DISTANCES: Record<string, DistanceFunction | undefined> = {
  default: undefined,
  cosine: (a, b) => cosineSimilarity(a, b).neg().add(1),
  l1: (a, b) => pairwiseDistance(a, b, { p: 1 }),
};
/** The case's options (params without the 'distance' name, which becomes distanceFunction). */
function optsOf(c: FixtureCase): Record<string, unknown> {
  const { distance, ...o } = c.params;
  if (distance !== undefined && DISTANCES[distance]) o.distanceFunction = DISTANCES[distance];
  return o;
}
/** The torchlet F call of a fixture case. */
function applyF(c: FixtureCase, ins: Record<string, Tensor | null>): Tensor {
  const o = optsOf(c);
  switch (c.op) {
    case 'tripletMarginLoss':
      return tripletMarginLoss(ins.anchor!, ins.positive!, ins.negative!, o);
    case 'tripletMarginWithDistanceLoss':
      return tripletMarginWithDistanceLoss(ins.anchor!, ins.positive!, ins.negative!, o);
    case 'multiLabelSoftMarginLoss':
      return multiLabelSoftMarginLoss(ins.input!, ins.target!, { ...o, weight: ins.weight ?? undefined });
    case 'multiLabelMarginLoss':
      return multiLabelMarginLoss(ins.input!, ins.target!, o);
    case 'multiMarginLoss':
      return multiMarginLoss(ins.input!, ins.target!, { ...o, weight: ins.weight ?? undefined });
    case 'hingeEmbeddingLoss':
      return hingeEmbeddingLoss(ins.input!, ins.target!, o);
    case 'softMarginLoss':
      return softMarginLoss(ins.input!, ins.target!, o);
    case 'poissonNllLoss':
      return poissonNllLoss(ins.input!, ins.target!, o);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}
/** The same case through its nn module. */
function applyModule(c: FixtureCase, ins: Record<string, Tensor | null>): Tensor {
  const o = optsOf(c);
  const w = ins.weight ?? undefined;
  switch (c.op) {
    case 'tripletMarginLoss':
      return new TripletMarginLoss(o).forward(ins.anchor!, ins.positive!, ins.negative!);
    case 'tripletMarginWithDistanceLoss':
      return new TripletMarginWithDistanceLoss(o).forward(ins.anchor!, ins.positive!, ins.negative!);
    case 'multiLabelSoftMarginLoss':
      return new MultiLabelSoftMarginLoss({ ...o, weight: w }).forward(ins.input!, ins.target!);
    case 'multiLabelMarginLoss':
      return new MultiLabelMarginLoss(o).forward(ins.input!, ins.target!);
    case 'multiMarginLoss':
      return new MultiMarginLoss({ ...o, weight: w }).forward(ins.input!, ins.target!);
    case 'hingeEmbeddingLoss':
      return new HingeEmbeddingLoss(o).forward(ins.input!, ins.target!);
    case 'softMarginLoss':
      return new SoftMarginLoss(o).forward(ins.input!, ins.target!);
    case 'poissonNllLoss':
      return new PoissonNLLLoss(o).forward(ins.input!, ins.target!);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}
const OPS = ['tripletMarginLoss', 'tripletMarginWithDistanceLoss', 'multiLabelSoftMarginLoss', 'multiLabelMarginLoss', 'multiMarginLoss', 'hingeEmbeddingLoss', 'softMarginLoss', 'poissonNllLoss'];

describeOp('loss_more', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const f64 = (data: unknown, shape?: number[]): Tensor => {
    const t = torch.tensor(data as number[], { dtype: 'float64' });
    return on(shape ? t.reshape(shape) : t);
  };
  const i64 = (data: unknown): Tensor => on(torch.tensor(data as number[], { dtype: 'int64' }));

  fixtureCases(run, cases, (ins, c) => applyF(c, ins), {
    title: 'fixture has the cases of every loss in every reduction',
    min: 100,
    more: () => {
      test('every loss in the three reductions, and the edge cases, are in the fixture', () => {
        for (const op of OPS)
          for (const r of ['mean', 'sum', 'none']) expect(cases.some(([, c]) => c.op === op && c.params.reduction === r)).toBe(true);
        const names = cases.map(([n]) => n);
        for (const n of ['mlm_5x4_none', 'mlm_hinge_zero_2x3_sum', 'mm_hinge_zero_2x3_mean', 'hinge_edge_4_sum', 'triplet_5x4_swap_mean',
          'tripletdist_5x4_l1_swap_none', 'poisson_3x4_full_mean', 'mm_unbatched_5_none', 'triplet_unbatched_4_none'])
          expect(names).toContain(n);
      });
    },
  });

  describe('the modules vs PyTorch', () => {
    test.each(cases)('%s', (_n, c) => {
      const ins: Record<string, Tensor | null> = {};
      for (const [k, v] of Object.entries(c.inputs)) ins[k] = v ? on(fromFixture(v)) : null;
      expectClose(applyModule(c, ins), c.output!, { atol: 1e-10, rtol: 1e-10, label: c.name });
    });
  });

  describe('edge cases', () => {
    test('multiLabelMarginLoss: targets up to the first -1; later entries ignored; a repeated target counts twice', () => {
      const x = f64([0.1, 0.2, 0.4, 0.8]);
      // PyTorch's documented example: 0.85
      expectClose(multiLabelMarginLoss(x.reshape([1, 4]), i64([[3, 0, -1, 1]])), [0.85], { atol: 1e-12 });
      expectClose(multiLabelMarginLoss(x, i64([3, 0, -1, 2])), [0.85], { atol: 1e-12 });
      // no target at all: 0
      expectClose(multiLabelMarginLoss(x, i64([-1, 0, 1, 2])), [0], { atol: 0 });
      // reduction 'none': [N] for a 2-D input, 0-d for a 1-D one
      expect(multiLabelMarginLoss(x.reshape([1, 4]), i64([[3, 0, -1, 1]]), { reduction: 'none' }).shape).toEqual([1]);
      expect(multiLabelMarginLoss(x, i64([3, 0, -1, 1]), { reduction: 'none' }).shape).toEqual([]);
    });
    test('the margin hinges have gradient 0 where they are exactly 0 (PyTorch); hinge embedding passes it', () => {
      const x = f64([2, 1, 0]).requiresGrad_();
      multiMarginLoss(x, i64(0), { reduction: 'sum' }).backward();
      // z = 1 - 2 + 1 = 0 for class 1 (gradient 0), 1 - 2 + 0 < 0 for class 2
      expect(toNumbers(x.grad!)).toEqual([0, 0, 0]);
      const h = f64([1, 0.5]).requiresGrad_();
      hingeEmbeddingLoss(h, f64([-1, -1]), { reduction: 'sum' }).backward();
      expect(toNumbers(h.grad!)).toEqual([-1, -1]);
    });
    test('hingeEmbeddingLoss: targets other than +-1 count both terms; int64 targets', () => {
      const x = f64([0.3, -0.2]);
      expectClose(hingeEmbeddingLoss(x, f64([0, 2]), { reduction: 'none' }), [0.3 + 0.7, -0.2 + 1.2], { atol: 1e-15 });
      expectClose(hingeEmbeddingLoss(x, i64([1, -1]), { reduction: 'none' }), [0.3, 1.2], { atol: 1e-15 });
    });
    test('tripletMarginLoss: the distances are F.pairwiseDistance, swap takes the smaller negative distance', () => {
      const a = on(randnT([4, 3], 31));
      const p = on(randnT([4, 3], 32));
      const n = on(randnT([4, 3], 33));
      const want = torch.clampMin(pairwiseDistance(a, p).sub(pairwiseDistance(a, n)).add(1), 0);
      expectClose(tripletMarginLoss(a, p, n, { reduction: 'none' }), want, { atol: 1e-15 });
      const sw = torch.minimum(pairwiseDistance(a, n), pairwiseDistance(p, n));
      expectClose(tripletMarginLoss(a, p, n, { swap: true, reduction: 'none' }), torch.clampMin(pairwiseDistance(a, p).sub(sw).add(1), 0), { atol: 1e-15 });
      // with the default distance both triplet losses agree
      expectClose(tripletMarginWithDistanceLoss(a, p, n, { swap: true }), tripletMarginLoss(a, p, n, { swap: true }), { atol: 1e-15 });
      // a module as the distance function
      expectClose(tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: new PairwiseDistance({ p: 1 }) as never }),
        tripletMarginLoss(a, p, n, { p: 1 }), { atol: 1e-15 });
    });
    test('poissonNllLoss: the Stirling term only where target > 1', () => {
      const x = f64([0.5, 0.5, 0.5]);
      const t = f64([0, 1, 3]);
      const base = [Math.exp(0.5), Math.exp(0.5) - 0.5, Math.exp(0.5) - 1.5];
      expectClose(poissonNllLoss(x, t, { reduction: 'none' }), base, { atol: 1e-15 });
      const st = 3 * Math.log(3) - 3 + 0.5 * Math.log(2 * Math.PI * 3);
      expectClose(poissonNllLoss(x, t, { reduction: 'none', full: true }), [base[0], base[1], base[2] + st], { atol: 1e-14 });
      expectClose(poissonNllLoss(x, t, { reduction: 'none', logInput: false, eps: 0 }), [0.5, 0.5 - Math.log(0.5), 0.5 - 3 * Math.log(0.5)], { atol: 1e-15 });
    });
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck the triplet losses (all three inputs), swap, p = 1, a custom distance', () => {
      const abc = (s: number) => [randnT([4, 3], s), randnT([4, 3], s + 1), randnT([4, 3], s + 2)];
      gradcheck(([a, p, n]) => tripletMarginLoss(a, p, n, { margin: 3 }), abc(101), { device });
      gradcheck(([a, p, n]) => tripletMarginLoss(a, p, n, { margin: 3, swap: true, p: 1, reduction: 'sum' }), abc(104), { device });
      gradcheck(([a, p, n]) => tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: DISTANCES.cosine, margin: 2, reduction: 'none' }), abc(107), { device });
    });
    test('gradcheck multiLabelSoftMarginLoss (input and target), softMarginLoss, poissonNllLoss', () => {
      const t01 = on(torch.tensor([[1, 0, 1], [0, 0, 1]], { dtype: 'float64' }));
      gradcheck(([x, t]) => multiLabelSoftMarginLoss(x, t), [randnT([2, 3], 111), randnT([2, 3], 112)], { device });
      gradcheck(([x]) => multiLabelSoftMarginLoss(x, t01, { weight: f64([0.5, 1, 2]), reduction: 'sum' }), [randnT([2, 3], 113)], { device });
      gradcheck(([x]) => softMarginLoss(x, f64([[1, -1, 1], [-1, -1, 1]])), [randnT([2, 3], 114)], { device });
      gradcheck(([x, t]) => poissonNllLoss(x, t, { reduction: 'sum' }), [randnT([2, 3], 115), randnT([2, 3], 116)], { device });
      gradcheck(([x]) => poissonNllLoss(x, f64([0, 1, 2, 5, 3, 7]).reshape([2, 3]), { logInput: false, full: true }), [randnT([2, 3], 117).abs().add(0.5)], { device });
    });
    test('gradcheck the margin losses away from the hinges', () => {
      gradcheck(([x]) => multiLabelMarginLoss(x, i64([[3, 0, -1, 1], [1, -1, 0, 0]])), [randnT([2, 4], 121)], { device });
      gradcheck(([x]) => multiMarginLoss(x, i64([1, 3]), { p: 2, weight: f64([1, 2, 0.5, 1.5]) }), [randnT([2, 4], 122)], { device });
      gradcheck(([x]) => hingeEmbeddingLoss(x, f64([[1, -1], [-1, 1]]), { margin: 2, reduction: 'none' }), [randnT([2, 2], 123)], { device });
    });
  });

  test('the public names: torch.F.* and torch.nn.*', () => {
    const x = on(randnT([2, 3], 51));
    const y = on(torch.tensor([[1, -1, 1], [-1, 1, 1]], { dtype: 'float64' }));
    expectClose(torch.F.tripletMarginLoss(x, y, x.neg()), tripletMarginLoss(x, y, x.neg()), { atol: 0 });
    expectClose(torch.F.tripletMarginWithDistanceLoss(x, y, x.neg()), tripletMarginWithDistanceLoss(x, y, x.neg()), { atol: 0 });
    expectClose(torch.F.multiLabelSoftMarginLoss(x, y.abs()), multiLabelSoftMarginLoss(x, y.abs()), { atol: 0 });
    expectClose(torch.F.multiLabelMarginLoss(x, i64([[2, -1, 0], [0, 1, -1]])), multiLabelMarginLoss(x, i64([[2, -1, 0], [0, 1, -1]])), { atol: 0 });
    expectClose(torch.F.multiMarginLoss(x, i64([2, 0])), multiMarginLoss(x, i64([2, 0])), { atol: 0 });
    expectClose(torch.F.hingeEmbeddingLoss(x, y), hingeEmbeddingLoss(x, y), { atol: 0 });
    expectClose(torch.F.softMarginLoss(x, y), softMarginLoss(x, y), { atol: 0 });
    expectClose(torch.F.poissonNllLoss(x, y.abs()), poissonNllLoss(x, y.abs()), { atol: 0 });
    for (const C of [torch.nn.TripletMarginLoss, torch.nn.TripletMarginWithDistanceLoss, torch.nn.MultiLabelSoftMarginLoss, torch.nn.MultiLabelMarginLoss,
      torch.nn.MultiMarginLoss, torch.nn.HingeEmbeddingLoss, torch.nn.SoftMarginLoss, torch.nn.PoissonNLLLoss])
      expect(new C().toString()).toMatch(/^[A-Za-z]+Loss\(/);
  });

  describe('modules', () => {
    test('PyTorch print (no options), attributes and defaults', () => {
      const t = new TripletMarginLoss();
      expect(t.toString()).toBe('TripletMarginLoss()');
      expect([t.margin, t.p, t.eps, t.swap, t.reduction]).toEqual([1, 2, 1e-6, false, 'mean']);
      expect(new TripletMarginLoss({ margin: 2, p: 1, swap: true, reduction: 'sum' }).toString()).toBe('TripletMarginLoss()');
      const td = new TripletMarginWithDistanceLoss();
      expect(td.toString()).toBe('TripletMarginWithDistanceLoss(\n  (distanceFunction): PairwiseDistance()\n)');
      expect([td.margin, td.swap, td.reduction]).toEqual([1, false, 'mean']);
      expect(new TripletMarginWithDistanceLoss({ distanceFunction: DISTANCES.cosine }).toString()).toBe('TripletMarginWithDistanceLoss()');
      const mm = new MultiMarginLoss();
      expect([mm.p, mm.margin, mm.weight, mm.reduction]).toEqual([1, 1, null, 'mean']);
      expect(mm.toString()).toBe('MultiMarginLoss()');
      const pn = new PoissonNLLLoss();
      expect([pn.logInput, pn.full, pn.eps, pn.reduction]).toEqual([true, false, 1e-8, 'mean']);
      expect(pn.toString()).toBe('PoissonNLLLoss()');
      expect(new HingeEmbeddingLoss().margin).toBe(1);
      for (const m of [new MultiLabelSoftMarginLoss(), new MultiLabelMarginLoss(), new HingeEmbeddingLoss(), new SoftMarginLoss()])
        expect(m.toString()).toBe(`${m.constructor.name}()`);
    });
    test('weight is a buffer (state-dict key weight, moved by to(device)), absent when null', () => {
      const w = torch.tensor([1, 2, 3], { dtype: 'float64' });
      const m = new MultiMarginLoss({ weight: w });
      expect(Object.keys(m.stateDict())).toEqual(['weight']);
      expect(Object.keys(new MultiMarginLoss().stateDict())).toEqual([]);
      const s = new MultiLabelSoftMarginLoss({ weight: w });
      expect(Object.keys(s.stateDict())).toEqual(['weight']);
      s.to(device);
      expect(s.weight!.device).toBe(on(w).device);
      const y = s.forward(on(randnT([2, 3], 41)), on(torch.tensor([[1, 0, 1], [0, 1, 1]], { dtype: 'float64' })));
      expectClose(y, multiLabelSoftMarginLoss(on(randnT([2, 3], 41)), on(torch.tensor([[1, 0, 1], [0, 1, 1]], { dtype: 'float64' })), { weight: on(w) }), { atol: 0 });
      expect(Object.keys(new TripletMarginWithDistanceLoss().stateDict())).toEqual([]);
    });
  });

  describe('bad arguments', () => {
    const t = (shape: number[]) => on(torch.zeros(shape, { dtype: 'float64' }));
    const x = () => t([2, 3]);
    const rows: ArgErrorRow[] = [
      ['triplet: ranks differ', () => tripletMarginLoss(x(), x(), t([3])), 'negative'],
      ['triplet: int64 anchor', () => tripletMarginLoss(i64([[1]]), x(), x()), 'anchor'],
      ['triplet: float32 positive', () => tripletMarginLoss(x(), on(torch.zeros([2, 3])), x()), 'positive'],
      ['triplet: margin NaN', () => tripletMarginLoss(x(), x(), x(), { margin: NaN }), 'margin'],
      ['triplet: swap not a boolean', () => loose(tripletMarginLoss)(x(), x(), x(), { swap: 1 }), 'swap'],
      ['triplet: bad reduction', () => loose(tripletMarginLoss)(x(), x(), x(), { reduction: 'batchmean' }), 'reduction'],
      ['triplet: snake_case option', () => loose(tripletMarginLoss)(x(), x(), x(), { size_average: true }), 'opts.size_average'],
      ['triplet: extra argument', () => loose(tripletMarginLoss)(x(), x(), x(), {}, 1), /for tripletMarginLoss\(\)/],
      ['tripletWithDistance: distance not a function', () => loose(tripletMarginWithDistanceLoss)(x(), x(), x(), { distanceFunction: 'l2' }), 'distanceFunction'],
      ['tripletWithDistance: distance returns a number', () => tripletMarginWithDistanceLoss(x(), x(), x(), { distanceFunction: (() => 1) as never }), 'distanceFunction'],
      ['tripletWithDistance: snake_case option', () => loose(tripletMarginWithDistanceLoss)(x(), x(), x(), { distance_function: null }), 'opts.distance_function'],
      ['multiLabelSoftMargin: 0-d input', () => multiLabelSoftMarginLoss(t([]), t([])), 'input'],
      ['multiLabelSoftMargin: target shape', () => multiLabelSoftMarginLoss(x(), t([3, 2])), 'target'],
      ['multiLabelSoftMargin: int64 target', () => multiLabelSoftMarginLoss(x(), i64([[1, 0, 1], [0, 0, 1]])), 'target'],
      ['multiLabelSoftMargin: weight requires grad', () => multiLabelSoftMarginLoss(x(), x(), { weight: t([3]).requiresGrad_() }), 'weight'],
      ['multiLabelMargin: target out of range', () => multiLabelMarginLoss(x(), i64([[3, 0, -1], [0, 1, 2]])), 'target'],
      ['multiLabelMargin: target below -1', () => multiLabelMarginLoss(x(), i64([[-2, 0, -1], [0, 1, 2]])), 'target'],
      ['multiLabelMargin: float target', () => multiLabelMarginLoss(x(), x()), 'target'],
      ['multiLabelMargin: int32 target', () => multiLabelMarginLoss(x(), on(torch.zeros([2, 3], { dtype: 'int32' }))), 'target'],
      ['multiLabelMargin: target shape', () => multiLabelMarginLoss(x(), i64([0, 1, 2])), 'target'],
      ['multiLabelMargin: 3-D input', () => multiLabelMarginLoss(t([1, 2, 3]), i64([[[0, 1, 2], [0, 1, 2]]])), 'input'],
      ['multiLabelMargin: empty class dim', () => multiLabelMarginLoss(t([2, 0]), on(torch.zeros([2, 0], { dtype: 'int64' }))), 'input'],
      ['multiMargin: p 3', () => multiMarginLoss(x(), i64([0, 1]), { p: 3 }), 'p'],
      ['multiMargin: target out of range', () => multiMarginLoss(x(), i64([0, 3])), 'target'],
      ['multiMargin: negative target', () => multiMarginLoss(x(), i64([0, -1])), 'target'],
      ['multiMargin: target shape', () => multiMarginLoss(x(), i64([[0, 1]])), 'target'],
      ['multiMargin: weight size', () => multiMarginLoss(x(), i64([0, 1]), { weight: t([4]) }), 'weight'],
      ['multiMargin: 2-D weight', () => multiMarginLoss(x(), i64([0, 1]), { weight: t([1, 3]) }), 'weight'],
      ['multiMargin: float target', () => multiMarginLoss(x(), t([2])), 'target'],
      ['hingeEmbedding: shapes that do not broadcast', () => hingeEmbeddingLoss(x(), t([4])), 'target'],
      ['hingeEmbedding: margin a string', () => loose(hingeEmbeddingLoss)(x(), x(), { margin: '1' }), 'margin'],
      ['hingeEmbedding: bool target', () => hingeEmbeddingLoss(x(), on(torch.tensor([true, false, true]))), 'target'],
      ['softMargin: target requires grad', () => softMarginLoss(x(), t([2, 3]).requiresGrad_()), 'target'],
      ['softMargin: int64 input', () => softMarginLoss(i64([1]), i64([1])), 'input'],
      ['softMargin: shapes that do not broadcast', () => softMarginLoss(x(), t([2])), 'target'],
      ['poissonNll: logInput not a boolean', () => loose(poissonNllLoss)(x(), x(), { logInput: 1 }), 'logInput'],
      ['poissonNll: bad reduction', () => loose(poissonNllLoss)(x(), x(), { reduction: 'batchmean' }), 'reduction'],
      ['poissonNll: snake_case option', () => loose(poissonNllLoss)(x(), x(), { log_input: false }), 'opts.log_input'],
      ['poissonNll: eps Infinity', () => poissonNllLoss(x(), x(), { eps: Infinity }), 'eps'],
      ['TripletMarginLoss: unknown option', () => loose((o: unknown) => new TripletMarginLoss(o as never))({ distanceFunction: null }), 'opts.distanceFunction'],
      ['TripletMarginLoss: extra argument', () => loose((...a: never[]) => new TripletMarginLoss(...a))({}, 1), /for TripletMarginLoss\(\)/],
      ['TripletMarginWithDistanceLoss: distance not a function', () => new TripletMarginWithDistanceLoss({ distanceFunction: 3 as never }), 'distanceFunction'],
      ['MultiMarginLoss: p 3', () => new MultiMarginLoss({ p: 3 }), 'p'],
      ['MultiMarginLoss: weight not a tensor', () => new MultiMarginLoss({ weight: [1, 2] as never }), 'weight'],
      ['MultiLabelSoftMarginLoss: bad reduction', () => new MultiLabelSoftMarginLoss({ reduction: 'avg' as never }), 'reduction'],
      ['PoissonNLLLoss: full not a boolean', () => new PoissonNLLLoss({ full: 'yes' as never }), 'full'],
      ['HingeEmbeddingLoss: margin Infinity', () => new HingeEmbeddingLoss({ margin: Infinity }), 'margin'],
      ['SoftMarginLoss.forward: extra argument', () => loose(new SoftMarginLoss().forward.bind(new SoftMarginLoss()))(x(), x(), x()), /for forward\(\)/],
    ];
    argErrorTests(rows);

    test('the errors are coded TorchletErrors', () => {
      const e = thrown(() => multiLabelMarginLoss(x(), i64([[3, 0, -1], [0, 1, 2]])));
      expect(e).toBeInstanceOf(torch.TorchletError);
      expect(e).toBeInstanceOf(RangeError);
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(e.message).toMatch(/out of range/);
      expect(thrown(() => multiMarginLoss(x(), t([2]))).code).toBe('ERR_TORCHLET_DTYPE');
      expect(thrown(() => tripletMarginLoss(x(), x(), t([3]))).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => multiMarginLoss(x(), i64([0, 1]), { p: 3 })).message).toMatch(/only p == 1 and p == 2 supported/);
    });
  });

  vsCpu('on this device vs the CPU', () => {
    test('a target on another device is an error naming it', () => {
      const e = thrown(() => multiMarginLoss(on(randnT([2, 3], 301)), torch.tensor([0, 1], { dtype: 'int64' })));
      expect(e.code).toBe('ERR_TORCHLET_DEVICE_MISMATCH');
      expect(thrown(() => tripletMarginLoss(on(randnT([2, 3], 302)), randnT([2, 3], 303), on(randnT([2, 3], 304)))).code).toBe('ERR_TORCHLET_DEVICE_MISMATCH');
    });
  });
});
