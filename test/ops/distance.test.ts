// test/ops/distance.test.ts — F.normalize, F.cosineSimilarity, F.pairwiseDistance and F.oneHot
// (lib/ops/distance.ts) and nn.CosineSimilarity / nn.PairwiseDistance (lib/nn/distance.ts), on every
// device: against PyTorch 1.13 (test/fixtures/distance.json from gen_distance_fixtures.py: outputs
// and input gradients in float64 and float32; p = 1, 2, 3, inf, -1; dims 0, 1, 2, -1; broadcasting;
// zero and small vectors where eps takes over; one-hot rows for numClasses -1 and explicit, 0-d to
// 3-d and empty indices), float64 finite-difference gradchecks, mixed and integer dtypes, the modules
// (defaults, PyTorch's print, forward) and bad arguments (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { normalize, cosineSimilarity, pairwiseDistance, oneHot } from '../../lib/ops/distance';
import { CosineSimilarity, PairwiseDistance } from '../../lib/nn/distance';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fixtureCases, fromFixture, expectClose, expectEqualInts, randnT, argErrorTests, ArgErrorRow, FixtureCase, thrown } from '../helpers';

const DIFF_OPS = ['normalize', 'cosineSimilarity', 'pairwiseDistance'];
const diffCases = casesOf('distance', DIFF_OPS);
const oneHotCases = casesOf('distance', ['oneHot']);
/** A fixture's p: a number, or 'inf' / '-inf' (JSON has no Infinity). */
const pOf = (v: unknown): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
/** Calls with arguments the signatures refuse (the run-time checks under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

/** PyTorch's defaults of each op's options. */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  normalize: { p: 2, dim: 1, eps: 1e-12 },
  cosineSimilarity: { dim: 1, eps: 1e-8 },
  pairwiseDistance: { p: 2, eps: 1e-6, keepdim: false },
};
/** The options of a case, leaving out those equal to PyTorch's defaults (so the defaults are tested too). */
function optsOf(c: FixtureCase): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.params)) if (DEFAULTS[c.op][k] !== pOf(v)) o[k] = k === 'p' ? pOf(v) : v;
  return o;
}
/** The torchlet call of a differentiable fixture case (options at their defaults left out). */
function apply(c: FixtureCase, ins: Record<string, Tensor | null>): Tensor {
  switch (c.op) {
    case 'normalize':
      return normalize(ins.x!, optsOf(c));
    case 'cosineSimilarity':
      return cosineSimilarity(ins.x1!, ins.x2!, optsOf(c));
    case 'pairwiseDistance':
      return pairwiseDistance(ins.x1!, ins.x2!, optsOf(c));
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

describeOp('distance', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const f64 = (data: number[] | number[][], shape?: number[]): Tensor => {
    const t = torch.tensor(data, { dtype: 'float64' });
    return on(shape ? t.reshape(shape) : t);
  };
  const i64 = (data: unknown): Tensor => on(torch.tensor(data as number[], { dtype: 'int64' }));

  fixtureCases(run, diffCases, (ins, c) => apply(c, ins), {
    title: 'fixture has the normalize, cosineSimilarity and pairwiseDistance cases',
    min: 28,
    more: () => {
      test('every op and the edge cases are covered by the fixture, defaults included', () => {
        for (const op of DIFF_OPS) expect(diffCases.some(([, c]) => c.op === op && Object.keys(optsOf(c)).length === 0)).toBe(true);
        const names = diffCases.map(([n]) => n);
        for (const op of DIFF_OPS) expect(diffCases.some(([, c]) => c.op === op)).toBe(true);
        for (const n of ['normalize_3x4_pinf_dim0', 'normalize_2x3x4_p1_dimm1', 'normalize_2x3x4_zero_dim2', 'cosine_broadcast_3x1x5_4x5_dimm1',
          'cosine_4x5_zero_small_eps0.1', 'pairwise_4x5_pinf', 'pairwise_4x5_p1', 'pairwise_3x4_equal', 'pairwise_broadcast_4_2x3x4_p1'])
          expect(names).toContain(n);
      });
    },
  });

  describe('oneHot vs PyTorch', () => {
    test('fixture has the oneHot cases', () => expect(oneHotCases.length).toBeGreaterThanOrEqual(8));
    test.each(oneHotCases)('%s', (_n, c) => {
      const x = on(fromFixture(c.inputs.x!));
      const nc = c.params.numClasses as number;
      const y = oneHot(x, nc);
      expect(y.dtype).toBe('int64');
      expect(y.device).toBe(x.device);
      expectEqualInts(y, c.output!, c.name);
      // the options-object spelling, and the default numClasses when it is -1
      expectEqualInts(oneHot(x, { numClasses: nc }), c.output!, `${c.name} {numClasses}`);
      if (nc === -1) expectEqualInts(oneHot(x), c.output!, `${c.name} default`);
    });
  });

  test('cosineSimilarity: eps clamps each norm on its own (PyTorch 1.13), not their product', () => {
    // |x1| = 3e-4, |x2| = 2e-4, eps = 1e-3: 6e-8 / (1e-3 * 1e-3) = 0.06 (the product rule would give 6e-5)
    const y = cosineSimilarity(f64([[3e-4, 0]]), f64([[2e-4, 0]]), { eps: 1e-3 });
    expectClose(y, [0.06], { atol: 1e-12 });
    // defaults dim=1, eps=1e-8: ordinary vectors give the cosine
    expectClose(cosineSimilarity(f64([[1, 0], [1, 1]]), f64([[0, 2], [3, 3]])), [0, 1], { atol: 1e-12 });
  });

  test('normalize: defaults p=2, dim=1, eps=1e-12; a zero vector stays 0', () => {
    const y = normalize(f64([[3, 4], [0, 0]]));
    expect(y.shape).toEqual([2, 2]);
    expectClose(y, [0.6, 0.8, 0, 0], { atol: 1e-12 });
    expectClose(normalize(f64([[3, 4]]), { p: 1 }), [3 / 7, 4 / 7], { atol: 1e-12 });
    expectClose(normalize(f64([[3, -4]]), { p: Infinity }), [0.75, -1], { atol: 1e-12 });
    expectClose(normalize(f64([[3, 4]]), { dim: 0 }), [1, 1], { atol: 1e-12 });
    // a norm below eps: divided by eps
    expectClose(normalize(f64([[0.03, 0.04]]), { eps: 0.5 }), [0.06, 0.08], { atol: 1e-12 });
    // 0-d input: the norm over all (no) dimensions, as PyTorch's dim=0
    const z = normalize(on(torch.tensor(-3, { dtype: 'float64' })), { dim: 0 });
    expect(z.shape).toEqual([]);
    expect(z.item()).toBeCloseTo(-1, 12);
  });

  test('pairwiseDistance: defaults p=2, eps=1e-6, keepdim=false; 1-D and 0-d inputs', () => {
    const y = pairwiseDistance(f64([[0, 0], [1, 1]]), f64([[3, 4], [1, 1]]));
    expect(y.shape).toEqual([2]);
    expectClose(y, [Math.hypot(-3 + 1e-6, -4 + 1e-6), Math.hypot(1e-6, 1e-6)], { atol: 1e-12 });
    const k = pairwiseDistance(f64([[0, 0]]), f64([[3, 4]]), { keepdim: true, eps: 0 });
    expect(k.shape).toEqual([1, 1]);
    expectClose(k, [5], { atol: 1e-12 });
    const v = pairwiseDistance(f64([1, 2, 3]), f64([1, 2, 1]), { p: 1, eps: 0 });
    expect(v.shape).toEqual([]);
    expect(v.item()).toBeCloseTo(2, 12);
    const s = pairwiseDistance(on(torch.tensor(3, { dtype: 'float64' })), on(torch.tensor(1, { dtype: 'float64' })));
    expect(s.shape).toEqual([]);
    expect(s.item()).toBeCloseTo(2 + 1e-6, 12);
  });

  test('dtypes: integers are cast and promoted as PyTorch does', () => {
    // pairwise of int64 inputs: a float32 distance (the int difference + a float eps)
    const d = pairwiseDistance(i64([[1, 2]]), i64([[0, 0]]));
    expect(d.dtype).toBe('float32');
    expectClose(d, [Math.hypot(1 + 1e-6, 2 + 1e-6)], { atol: 1e-6 });
    const d0 = pairwiseDistance(i64([[1, 2]]), i64([[0, 0]]), { eps: 0 });
    expect(d0.dtype).toBe('float32');
    expectClose(d0, [Math.sqrt(5)], { atol: 1e-6 });
    // cosine of an int64 and a float64 tensor: float64, the int64 one cast
    const c = cosineSimilarity(i64([1, 2]), f64([1, 0]), { dim: 0 });
    expect(c.dtype).toBe('float64');
    expectClose(c, [1 / Math.sqrt(5)], { atol: 1e-12 });
    // float32 with float64: float64
    const x32 = on(torch.tensor([[1, 2, 3]], { dtype: 'float32' }));
    expect(cosineSimilarity(x32, f64([[1, 0, 0]])).dtype).toBe('float64');
    expect(pairwiseDistance(x32, f64([[1, 0, 0]])).dtype).toBe('float64');
    // 0-d inputs of cosineSimilarity (dim 0): one-element vectors
    const z = cosineSimilarity(on(torch.tensor(3, { dtype: 'float64' })), on(torch.tensor(-2, { dtype: 'float64' })), { dim: 0 });
    expect(z.shape).toEqual([]);
    expect(z.item()).toBeCloseTo(-1, 12);
  });

  dtypes(['float64'] as const, () => {
    test('gradcheck normalize (float64 central differences): p = 2, 1, 3, inf; dims 1, 0, -1', () => {
      gradcheck(([x]) => normalize(x), [randnT([3, 4], 101)], { device });
      gradcheck(([x]) => normalize(x, { p: 1, dim: -1 }), [randnT([2, 3, 4], 102)], { device });
      gradcheck(([x]) => normalize(x, { p: 3, dim: 0 }), [randnT([3, 2], 103)], { device });
      gradcheck(([x]) => normalize(x, { p: Infinity, dim: 1 }), [randnT([2, 5], 104)], { device });
    });
    // (not where a norm is below eps: there PyTorch's gradient, which the fixture checks, is not the
    // derivative of the clamped function, as the clamp is not differentiated)
    test('gradcheck cosineSimilarity: same shapes, broadcasting, dim 0 and -1', () => {
      gradcheck(([a, b]) => cosineSimilarity(a, b), [randnT([3, 4], 111), randnT([3, 4], 112)], { device });
      gradcheck(([a, b]) => cosineSimilarity(a, b, { dim: -1 }), [randnT([2, 1, 4], 113), randnT([3, 4], 114)], { device });
      gradcheck(([a, b]) => cosineSimilarity(a, b, { dim: 0 }), [randnT([4, 2], 115), randnT([4, 1], 116)], { device });
    });
    test('gradcheck pairwiseDistance: p = 2, 1, 3, inf, -1; broadcasting; keepdim', () => {
      gradcheck(([a, b]) => pairwiseDistance(a, b), [randnT([3, 4], 121), randnT([3, 4], 122)], { device });
      gradcheck(([a, b]) => pairwiseDistance(a, b, { p: 1 }), [randnT([3, 4], 123), randnT([4], 124)], { device });
      gradcheck(([a, b]) => pairwiseDistance(a, b, { p: 3, keepdim: true }), [randnT([2, 3, 4], 125), randnT([3, 4], 126)], { device });
      gradcheck(([a, b]) => pairwiseDistance(a, b, { p: Infinity }), [randnT([3, 5], 127), randnT([3, 5], 128)], { device });
      gradcheck(([a, b]) => pairwiseDistance(a, b, { p: -1 }), [randnT([2, 4], 129), randnT([2, 4], 130)], { device });
    });
  });

  test('the gradient flows through broadcasting to the smaller input', () => {
    const a = f64([[1, 2, 2]]).requiresGrad_();
    const b = f64([[1, 0, 0], [0, 3, 4]]);
    cosineSimilarity(a, b).sum().backward();
    expect(a.grad!.shape).toEqual([1, 3]);
    // d/da of a.b1/(|a||b1|) + a.b2/(|a||b2|) with |a| = 3, b1 = e0, b2 = (0, .6, .8)
    const u = [1 / 3, 2 / 3, 2 / 3];
    const g = [[1, 0, 0], [0, 0.6, 0.8]].map((bb) => bb.map((v, i) => (v - (u[0] * bb[0] + u[1] * bb[1] + u[2] * bb[2]) * u[i]) / 3));
    expectClose(a.grad!, [g[0][0] + g[1][0], g[0][1] + g[1][1], g[0][2] + g[1][2]], { atol: 1e-12 });
  });

  describe('modules', () => {
    test('CosineSimilarity: defaults, PyTorch print, forward = F.cosineSimilarity', () => {
      const m = new CosineSimilarity();
      expect(m.dim).toBe(1);
      expect(m.eps).toBe(1e-8);
      expect(m.toString()).toBe('CosineSimilarity()');
      expect(m.parameters()).toHaveLength(0);
      const a = randnT([3, 4, 2], 201);
      const b = randnT([3, 4, 2], 202);
      const m0 = new CosineSimilarity({ dim: 0, eps: 0.5 });
      expect([m0.dim, m0.eps]).toEqual([0, 0.5]);
      expectClose(m0.forward(on(a), on(b)), cosineSimilarity(on(a), on(b), { dim: 0, eps: 0.5 }), { atol: 0 });
      const y = m.forward(on(a), on(b));
      expect(y.shape).toEqual([3, 2]);
      expectClose(y, cosineSimilarity(on(a), on(b), { dim: 1 }), { atol: 0 });
    });
    test('PairwiseDistance: defaults, PyTorch print, forward = F.pairwiseDistance', () => {
      const m = new PairwiseDistance();
      expect([m.norm, m.p, m.eps, m.keepdim]).toEqual([2, 2, 1e-6, false]);
      expect(m.toString()).toBe('PairwiseDistance()');
      const a = randnT([3, 4], 211);
      const b = randnT([3, 4], 212);
      const m1 = new PairwiseDistance({ p: Infinity, eps: 0, keepdim: true });
      expect([m1.norm, m1.eps, m1.keepdim]).toEqual([Infinity, 0, true]);
      const y = m1.forward(on(a), on(b));
      expect(y.shape).toEqual([3, 1]);
      expectClose(y, pairwiseDistance(on(a), on(b), { p: Infinity, eps: 0, keepdim: true }), { atol: 0 });
      expectClose(m.forward(on(a), on(b)), pairwiseDistance(on(a), on(b)), { atol: 0 });
    });
    test('the modules run the fixture cases', () => {
      for (const [, c] of diffCases.filter(([, cc]) => cc.op !== 'normalize')) {
        const x1 = on(fromFixture(c.inputs.x1!));
        const x2 = on(fromFixture(c.inputs.x2!));
        const y = c.op === 'cosineSimilarity' ? new CosineSimilarity(optsOf(c)).forward(x1, x2) : new PairwiseDistance(optsOf(c)).forward(x1, x2);
        expectClose(y, c.output!, { atol: 1e-9, rtol: 1e-9, label: c.name });
      }
    });
  });

  describe('bad arguments', () => {
    const x = () => on(torch.zeros([2, 3], { dtype: 'float64' }));
    const idx = (data: number[]) => on(torch.tensor(data, { dtype: 'int64' }));
    const rows: ArgErrorRow[] = [
      ['normalize: int64 input', () => normalize(idx([1, 2])), 'input'],
      ['normalize: dim out of range', () => normalize(x(), { dim: 2 }), 'opts.dim'],
      ['normalize: dim not an integer', () => normalize(x(), { dim: 0.5 }), 'opts.dim'],
      ['normalize: p not a number', () => loose(normalize)(x(), { p: 'fro' }), 'opts.p'],
      ['normalize: positional p (PyTorch keywords go in the options)', () => loose(normalize)(x(), 2), 'opts'],
      ['normalize: unknown option', () => loose(normalize)(x(), { axis: 1 }), 'opts.axis'],
      ['normalize: out is not supported', () => loose(normalize)(x(), { out: x() }), 'opts.out'],
      ['normalize: extra argument', () => loose(normalize)(x(), {}, 1), /for normalize\(\)/],
      ['normalize: not a tensor', () => loose(normalize)([1, 2]), 'input'],
      ['cosineSimilarity: shapes that do not broadcast', () => cosineSimilarity(x(), on(torch.zeros([2, 4], { dtype: 'float64' }))), 'x2'],
      ['cosineSimilarity: integer inputs', () => cosineSimilarity(idx([1, 2]), idx([2, 1]), { dim: 0 }), 'x1'],
      ['cosineSimilarity: dim out of range', () => cosineSimilarity(x(), x(), { dim: 2 }), 'opts.dim'],
      ['cosineSimilarity: eps not a number', () => loose(cosineSimilarity)(x(), x(), { eps: '1e-8' }), 'opts.eps'],
      ['cosineSimilarity: unknown option', () => loose(cosineSimilarity)(x(), x(), { axis: 0 }), 'opts.axis'],
      ['cosineSimilarity: x2 not a tensor', () => loose(cosineSimilarity)(x(), 1), 'x2'],
      ['pairwiseDistance: keepdim not a boolean', () => loose(pairwiseDistance)(x(), x(), { keepdim: 1 }), 'opts.keepdim'],
      ['pairwiseDistance: unknown option (PyTorch module attribute name)', () => loose(pairwiseDistance)(x(), x(), { norm: 1 }), 'opts.norm'],
      ['pairwiseDistance: bool inputs', () => pairwiseDistance(on(torch.tensor([true])), on(torch.tensor([false]))), 'x1'],
      ['pairwiseDistance: shapes that do not broadcast', () => pairwiseDistance(x(), on(torch.zeros([3, 3], { dtype: 'float64' }))), 'x2'],
      ['pairwiseDistance: extra argument', () => loose(pairwiseDistance)(x(), x(), {}, 1), /for pairwiseDistance\(\)/],
      ['oneHot: float input', () => oneHot(x()), 'tensor'],
      ['oneHot: int32 input', () => oneHot(on(torch.tensor([1, 2], { dtype: 'int32' }))), 'tensor'],
      ['oneHot: a negative index', () => oneHot(idx([1, -1])), 'tensor'],
      ['oneHot: an index >= numClasses', () => oneHot(idx([0, 3]), 3), 'tensor'],
      ['oneHot: numClasses 0', () => oneHot(idx([0]), 0), 'numClasses'],
      ['oneHot: numClasses -2', () => oneHot(idx([0]), -2), 'numClasses'],
      ['oneHot: numClasses not an integer', () => oneHot(idx([0]), 2.5), 'numClasses'],
      ['oneHot: numClasses a string', () => loose(oneHot)(idx([0]), '3'), 'numClasses'],
      ['oneHot: empty input without numClasses', () => oneHot(on(torch.zeros([0], { dtype: 'int64' }))), 'numClasses'],
      ['oneHot: snake_case option', () => loose(oneHot)(idx([0]), { num_classes: 3 }), 'opts.num_classes'],
      ['oneHot: extra argument', () => loose(oneHot)(idx([0]), 3, 1), /for oneHot\(\)/],
      ['CosineSimilarity: dim not an integer', () => new CosineSimilarity({ dim: 1.5 }), 'opts.dim'],
      ['CosineSimilarity: unknown option', () => loose((o: unknown) => new CosineSimilarity(o as never))({ p: 2 }), 'opts.p'],
      ['CosineSimilarity: extra argument', () => loose((...a: never[]) => new CosineSimilarity(...a))({}, 1), /for CosineSimilarity\(\)/],
      ['PairwiseDistance: keepdim not a boolean', () => loose((o: unknown) => new PairwiseDistance(o as never))({ keepdim: 'yes' }), 'opts.keepdim'],
      ['PairwiseDistance: snake_case option', () => loose((o: unknown) => new PairwiseDistance(o as never))({ keep_dim: true }), 'opts.keep_dim'],
      ['PairwiseDistance.forward: extra argument', () => loose(new PairwiseDistance().forward.bind(new PairwiseDistance()))(x(), x(), x()), /for forward\(\)/],
    ];
    argErrorTests(rows);

    test('the errors are coded TorchletErrors of the right class', () => {
      const dt = thrown(() => oneHot(x()));
      expect(dt).toBeInstanceOf(torch.TorchletError);
      expect(dt).toBeInstanceOf(TypeError);
      expect(dt.code).toBe('ERR_TORCHLET_DTYPE');
      expect(dt.message).toMatch(/one_hot is only applicable to index tensors/);
      const range = thrown(() => oneHot(idx([0, 5]), 3));
      expect(range).toBeInstanceOf(RangeError);
      expect(range.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(range.message).toMatch(/smaller than numClasses \(3\).*received 5/);
      const neg = thrown(() => oneHot(idx([2, -4])));
      expect(neg.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(neg.message).toMatch(/non-negative.*received -4/);
      const key = thrown(() => loose((o: unknown) => new CosineSimilarity(o as never))({ dim: 0, Eps: 1 }));
      expect(key.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(key.message).toMatch(/one of the options dim, eps for opts\.Eps\b/);
      const snake = thrown(() => loose(oneHot)(idx([0]), { num_classes: 3 }));
      expect(snake.message).toMatch(/did you mean 'numClasses'\?/);
      expect(thrown(() => normalize(idx([1, 2]))).code).toBe('ERR_TORCHLET_DTYPE');
      expect(thrown(() => cosineSimilarity(x(), on(torch.zeros([2, 4], { dtype: 'float64' })))).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => loose(normalize)(x(), { axis: 1 })).code).toBe('ERR_TORCHLET_INVALID_ARG');
    });
  });

  vsCpu('on this device vs the CPU', () => {
    test('inputs on two devices are an error naming x2', () => {
      const e = thrown(() => cosineSimilarity(on(randnT([2, 3], 301)), randnT([2, 3], 302)));
      expect(e.code).toBe('ERR_TORCHLET_DEVICE_MISMATCH');
      expect(e.message).toMatch(/for x2\b/);
      expect(thrown(() => pairwiseDistance(on(randnT([2, 3], 303)), randnT([2, 3], 304))).code).toBe('ERR_TORCHLET_DEVICE_MISMATCH');
    });
  });
});
