// test/ops/stats.test.ts — the statistics of lib/ops/stats.ts (median, nanmedian, mode, quantile,
// nanquantile, nansum, nanmean, countNonzero, stdMean, varMean, logcumsumexp, diff, cdist, histc,
// bincount, searchsorted, bucketize, aminmax), on every device: values, indices and gradients
// against PyTorch 1.13 (test/fixtures/stats.json from gen_stats_fixtures.py: ties and the index
// PyTorch picks, NaN and all-NaN lines, every quantile interpolation, integer and bool inputs) in
// float64 and float32, float64 finite-difference gradchecks, the Tensor methods, and the refusals
// (coded errors naming the argument).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectClose, randnT, argErrorTests, ArgErrorRow, thrown, toNumbers } from '../helpers';
import { fixtureOf, checkCase, Case } from './stats_fixture';

const vi = (r: { values: Tensor; indices: Tensor }) => ({ values: r.values, indices: r.indices });
/** The torchlet call of a case. */
function apply(c: Case, ins: Record<string, Tensor>): Record<string, Tensor> {
  const p = c.params;
  const x = ins.x;
  const qOf = () => (p.q === 'tensor' ? ins.q : (p.q as number));
  const pOf = (v: unknown) => (v === 'Infinity' ? Infinity : (v as number));
  switch (c.op) {
    case 'median':
    case 'nanmedian': {
      const f = c.op === 'median' ? torch.median : torch.nanmedian;
      if (p.dim === undefined) return { out: f(x) };
      // the keepdim default left out when false, and the Tensor method used for keepdim
      return vi(p.keepdim ? (c.op === 'median' ? x.median(p.dim, true) : x.nanmedian(p.dim, { keepdim: true })) : f(x, p.dim));
    }
    case 'mode':
      if (p.dim === undefined) return vi(torch.mode(x));
      return vi(p.keepdim ? x.mode(p.dim, true) : torch.mode(x, p.dim));
    case 'quantile':
    case 'nanquantile': {
      const f = c.op === 'quantile' ? torch.quantile : torch.nanquantile;
      const o: Record<string, unknown> = {};
      if (p.keepdim) o.keepdim = true;
      if (p.interpolation && p.interpolation !== 'linear') o.interpolation = p.interpolation;
      if (p.dim === undefined) return { out: f(x, qOf(), o) };
      return { out: p.keepdim ? f(x, qOf(), { ...o, dim: p.dim }) : f(x, qOf(), p.dim, o) };
    }
    case 'nansum':
      return { out: p.dim === undefined ? torch.nansum(x) : p.keepdim ? x.nansum(p.dim, true) : torch.nansum(x, p.dim) };
    case 'nanmean':
      return { out: p.dim === undefined ? x.nanmean() : torch.nanmean(x, p.dim, p.keepdim ? { keepdim: true } : false) };
    case 'countNonzero':
      return { out: p.dim === undefined ? torch.countNonzero(x) : x.countNonzero(p.dim) };
    case 'stdMean':
    case 'varMean': {
      const f = c.op === 'stdMean' ? torch.stdMean : torch.varMean;
      const o: Record<string, unknown> = {};
      if (p.keepdim) o.keepdim = true;
      if (p.unbiased !== undefined) o.unbiased = p.unbiased;
      const [a, mean] = p.dim === undefined ? f(x) : f(x, p.dim, o);
      return { a, mean };
    }
    case 'logcumsumexp':
      return { out: p.dim === 0 ? torch.logcumsumexp(x, 0) : x.logcumsumexp(p.dim) };
    case 'diff': {
      const o: Record<string, unknown> = {};
      if (p.prepend) o.prepend = ins[p.prepend];
      if (p.append) o.append = ins[p.append];
      if (p.n === undefined && p.dim === undefined && !p.prepend && !p.append) return { out: x.diff() };
      if (p.prepend) return { out: torch.diff(x, p.n, p.dim, o) };
      return { out: torch.diff(x, { ...o, ...(p.n !== undefined ? { n: p.n } : {}), ...(p.dim !== undefined ? { dim: p.dim } : {}) }) };
    }
    case 'cdist':
      return { out: pOf(p.p) === 2 ? torch.cdist(ins.x1, ins.x2) : torch.cdist(ins.x1, ins.x2, pOf(p.p)) };
    case 'histc': {
      const o: Record<string, unknown> = {};
      if (p.min !== undefined) o.min = p.min;
      if (p.max !== undefined) o.max = p.max;
      if (p.bins === undefined) return { out: x.histc() };
      return { out: c.name.endsWith('float32') ? torch.histc(x, { bins: p.bins, ...o }) : torch.histc(x, p.bins, o) };
    }
    case 'bincount': {
      const o: Record<string, unknown> = {};
      if (p.weights) o.weights = ins[p.weights];
      if (p.minlength !== undefined) o.minlength = p.minlength;
      return { out: Object.keys(o).length ? torch.bincount(x, o) : x.bincount() };
    }
    case 'searchsorted': {
      const o: Record<string, unknown> = {};
      for (const k of ['right', 'side', 'outInt32']) if (p[k] !== undefined) o[k] = p[k];
      if (p.sorter) o.sorter = ins[p.sorter];
      return { out: torch.searchsorted(ins.seq, p.value !== undefined ? p.value : ins.v, o) };
    }
    case 'bucketize': {
      const o: Record<string, unknown> = {};
      for (const k of ['right', 'outInt32']) if (p[k] !== undefined) o[k] = p[k];
      return { out: torch.bucketize(p.value !== undefined ? p.value : x, ins.b, o) };
    }
    case 'aminmax': {
      const r = p.dim === undefined ? torch.aminmax(x) : x.aminmax({ dim: p.dim, ...(p.keepdim ? { keepdim: true } : {}) });
      const [mn, mx] = r;
      expect(mn).toBe(r.min);
      expect(mx).toBe(r.max);
      return { min: r.min, max: r.max };
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

const CASES = fixtureOf('stats');
/** Ops whose results depend on float64 data exactly (bin edges, insertion points): float64 only. */
const F64_ONLY = ['histc', 'bincount', 'searchsorted', 'bucketize'];
const floatCase = (c: Case) => Object.values(c.inputs).some((t) => t.dtype === 'float64');

describeOp('stats', (run) => {
  const { on, dtypes } = run;
  const f64 = (data: number[], shape?: number[]) => on(torch.tensor(data, { dtype: 'float64' }).reshape(shape ?? [data.length]));

  describe('vs PyTorch', () => {
    test('the fixture has every op and the edge cases', () => {
      expect(CASES.length).toBeGreaterThanOrEqual(150);
      const ops = new Set(CASES.map((c) => c.op));
      for (const op of ['median', 'nanmedian', 'mode', 'quantile', 'nanquantile', 'nansum', 'nanmean', 'countNonzero', 'stdMean', 'varMean',
        'logcumsumexp', 'diff', 'cdist', 'histc', 'bincount', 'searchsorted', 'bucketize', 'aminmax'])
        expect(ops).toContain(op);
      for (const i of ['linear', 'lower', 'higher', 'midpoint', 'nearest'])
        expect(CASES.some((c) => c.op === 'quantile' && c.params.interpolation === i && c.name.includes('nan'))).toBe(true);
    });
    dtypes(['float64', 'float32'] as const, (fdt) => {
      const rows = CASES.filter((c) => (fdt === 'float64' ? true : floatCase(c) && !F64_ONLY.includes(c.op))).map((c) => [c.name, c] as [string, Case]);
      test.each(rows)('%s', (_n, c) => checkCase(c, fdt, on, apply));
    });
  });

  describe('semantics', () => {
    test('median ties: the lower middle, and the first index among equal values (PyTorch CPU)', () => {
      const x = f64([2, 1, 2, 2, 3, 1]);
      const { values, indices } = torch.median(x, 0);
      expect(values.item()).toBe(2);
      expect(indices.item()).toBe(0);
      expect(torch.median(f64([4, 1, 3, 2])).item()).toBe(2);
    });
    test('median of all elements shares the gradient evenly among ties', () => {
      const x = f64([1, 3, 3, 5, 3]).requiresGrad_();
      torch.median(x).backward();
      expect(toNumbers(x.grad!)).toEqual([0, 1 / 3, 1 / 3, 0, 1 / 3]);
    });
    test('mode: the smallest of equally frequent values, at its last occurrence', () => {
      const r = torch.mode(f64([3, 1, 3, 1, 2]));
      expect(r.values.item()).toBe(1);
      expect(r.indices.item()).toBe(3);
    });
    test('quantile with a 1-d q puts its dimension first; q a number gives the reduced shape', () => {
      const x = on(randnT([3, 4, 5], 1));
      expect(torch.quantile(x, on(torch.tensor([0.1, 0.5], { dtype: 'float64' })), 1).shape).toEqual([2, 3, 5]);
      expect(torch.quantile(x, 0.5, 1, { keepdim: true }).shape).toEqual([3, 1, 5]);
      expect(x.quantile(0.5).shape).toEqual([]);
    });
    test('nanmean of an all-NaN line is NaN; nansum of it is 0', () => {
      const x = f64([NaN, NaN, 1, NaN], [2, 2]);
      expect(toNumbers(torch.nanmean(x, 1))).toEqual([NaN, 1]);
      expect(toNumbers(torch.nansum(x, 1))).toEqual([0, 1]);
    });
    test('logcumsumexp stays finite where exp over- or underflows', () => {
      const y = torch.logcumsumexp(f64([-1000, 1000, -1000]), 0);
      expectClose(y, [-1000, 1000, 1000], { atol: 1e-9 });
    });
    test('searchsorted: a number gives a 0-d result; outInt32 gives int32', () => {
      const s = f64([1, 2, 3]);
      const r = torch.searchsorted(s, 2.5);
      expect(r.shape).toEqual([]);
      expect(r.item()).toBe(2);
      expect(torch.searchsorted(s, f64([2]), { outInt32: true, right: true }).dtype).toBe('int32');
    });
    test('results that are not differentiable in PyTorch do not require grad', () => {
      const x = f64([0.5, 1.5, 2.5]).requiresGrad_();
      expect(torch.histc(x, 3).requiresGrad).toBe(false);
      expect(torch.countNonzero(x).requiresGrad).toBe(false);
      expect(torch.searchsorted(x, x.detach()).requiresGrad).toBe(false);
      expect(torch.median(x, 0).indices.requiresGrad).toBe(false);
    });
  });

  describe('gradcheck (float64)', () => {
    const x = () => randnT([3, 5], 7);
    const cases: [string, (xs: Tensor[]) => Tensor, () => Tensor[]][] = [
      ['median dim', ([a]) => torch.median(a, 1).values, () => [x()]],
      ['median all', ([a]) => torch.median(a), () => [x()]],
      ['nanmedian dim', ([a]) => torch.nanmedian(a, 0, true).values, () => [x()]],
      ['mode', ([a]) => torch.mode(a.round(), 1).values.add(a.sum()), () => [x()]],
      ['quantile linear', ([a]) => torch.quantile(a, 0.3, 1), () => [x()]],
      ['quantile midpoint vec', ([a]) => torch.quantile(a, torch.tensor([0.2, 0.7], { dtype: 'float64' }).to(a.device), 0, { interpolation: 'midpoint' }), () => [x()]],
      ['nanquantile', ([a]) => torch.nanquantile(a, 0.6), () => [x()]],
      ['nansum', ([a]) => torch.nansum(a, 1), () => [x()]],
      ['nanmean', ([a]) => torch.nanmean(a, 0), () => [x()]],
      ['stdMean', ([a]) => {
        const [s, m] = torch.stdMean(a, 1);
        return s.add(m.mul(3));
      }, () => [x()]],
      ['varMean', ([a]) => {
        const [v, m] = torch.varMean(a);
        return v.add(m.mul(3));
      }, () => [x()]],
      ['logcumsumexp', ([a]) => torch.logcumsumexp(a, 1), () => [x()]],
      ['diff prepend', ([a, b]) => torch.diff(a, 2, 1, { prepend: b }), () => [x(), randnT([3, 2], 8)]],
      ['cdist p=2', ([a, b]) => torch.cdist(a, b), () => [x(), randnT([4, 5], 9)]],
      ['cdist p=1.5 batched', ([a, b]) => torch.cdist(a, b, 1.5), () => [randnT([2, 3, 4], 10), randnT([2, 2, 4], 11)]],
    ];
    test.each(cases)('%s', (_n, f, inputs) => gradcheck(f, inputs(), { device: run.device, atol: 1e-5, rtol: 1e-4 }));
  });

  // PyTorch 1.13: torch.zeros(0).median() and .nanmedian() are tensor(nan); backward gives an empty gradient
  test('median / nanmedian of an empty floating tensor is NaN, differentiable', () => {
    for (const f of [torch.median, torch.nanmedian]) {
      const z = on(torch.zeros([0], { dtype: 'float64' })).requiresGrad_();
      const m = f(z) as Tensor;
      expect(m.shape).toEqual([]);
      expect(Number.isNaN(m.item())).toBe(true);
      m.backward();
      expect(z.grad!.shape).toEqual([0]);
    }
  });

  describe('bad arguments', () => {
    const x = () => on(torch.zeros([2, 3], { dtype: 'float64' }));
    const i = () => on(torch.tensor([0, 1], { dtype: 'int64' }));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const loose = (f: unknown) => f as (...a: any[]) => unknown;
    const rows: ArgErrorRow[] = [
      ['median: dim out of range', () => torch.median(x(), 2), 'dim'],
      ['median: empty dim', () => torch.median(on(torch.zeros([2, 0])), 1), 'input'],
      ['median: empty integer tensor', () => torch.median(on(torch.zeros([0], { dtype: 'int64' }))), 'input'],
      ['median: keepdim not boolean', () => loose(torch.median)(x(), 0, 'yes'), 'keepdim'],
      ['mode: dim not an integer', () => loose(torch.mode)(x(), 0.5), 'dim'],
      ['quantile: q > 1', () => torch.quantile(x(), 1.5), 'q'],
      ['quantile: q tensor out of range', () => torch.quantile(x(), on(torch.tensor([0.5, -0.1], { dtype: 'float64' }))), 'q'],
      ['quantile: q of another dtype', () => torch.quantile(x(), on(torch.tensor([0.5]))), 'q'],
      ['quantile: 2-d q', () => torch.quantile(x(), on(torch.tensor([[0.5]], { dtype: 'float64' }))), 'q'],
      ['quantile: integer input', () => torch.quantile(i(), 0.5), 'input'],
      ['quantile: empty input', () => torch.quantile(on(torch.zeros([0], { dtype: 'float64' })), 0.5), 'input'],
      ['quantile: bad interpolation', () => loose(torch.quantile)(x(), 0.5, 0, { interpolation: 'cubic' }), 'opts.interpolation'],
      ['quantile: unknown option', () => loose(torch.quantile)(x(), 0.5, { method: 'linear' }), 'opts.method'],
      ['nanmean: integer input', () => torch.nanmean(i()), 'input'],
      ['nansum: keepdim not boolean', () => loose(torch.nansum)(x(), 0, 3), 'keepdim'],
      ['countNonzero: repeated dims', () => torch.countNonzero(x(), [0, 0]), 'dim'],
      ['stdMean: integer input', () => torch.stdMean(i()), 'input'],
      ['logcumsumexp: integer input', () => torch.logcumsumexp(i(), 0), 'input'],
      ['logcumsumexp: dim out of range', () => torch.logcumsumexp(x(), 2), 'dim'],
      ['diff: negative n', () => torch.diff(x(), -1), 'n'],
      ['diff: 0-d input', () => torch.diff(on(torch.tensor(1))), 'input'],
      ['diff: prepend of the wrong shape', () => torch.diff(x(), 1, 1, { prepend: on(torch.zeros([3, 1], { dtype: 'float64' })) }), 'opts.prepend'],
      ['diff: prepend of another dtype', () => torch.diff(x(), 1, 1, { prepend: on(torch.zeros([2, 1])) }), 'opts.prepend'],
      ['diff: unknown option', () => loose(torch.diff)(x(), { order: 2 }), 'opts.order'],
      ['cdist: negative p', () => torch.cdist(x(), x(), -1), 'p'],
      ['cdist: 1-d x1', () => torch.cdist(on(torch.zeros([3], { dtype: 'float64' })), x()), 'x1'],
      ['cdist: column mismatch', () => torch.cdist(x(), on(torch.zeros([2, 4], { dtype: 'float64' }))), 'x2'],
      ['cdist: integer input', () => torch.cdist(on(torch.zeros([2, 3], { dtype: 'int64' })), x()), 'x1'],
      ['cdist: bad computeMode', () => loose(torch.cdist)(x(), x(), 2, { computeMode: 'fast' }), 'opts.computeMode'],
      ['histc: bins 0', () => torch.histc(x(), 0), 'bins'],
      ['histc: min > max', () => torch.histc(x(), { min: 2, max: 1 }), 'opts.max'],
      ['histc: integer input', () => torch.histc(i()), 'input'],
      ['histc: infinite range', () => torch.histc(on(torch.tensor([1, Infinity], { dtype: 'float64' }))), 'input'],
      ['bincount: float input', () => torch.bincount(x()), 'input'],
      ['bincount: 2-d input', () => torch.bincount(on(torch.zeros([2, 2], { dtype: 'int64' }))), 'input'],
      ['bincount: negative values', () => torch.bincount(on(torch.tensor([1, -1], { dtype: 'int64' }))), 'input'],
      ['bincount: weights of another length', () => torch.bincount(i(), { weights: on(torch.ones([3])) }), 'opts.weights'],
      ['bincount: negative minlength', () => torch.bincount(i(), { minlength: -1 }), 'opts.minlength'],
      ['searchsorted: side and right disagree', () => torch.searchsorted(x(), x(), { right: true, side: 'left' }), 'opts.side'],
      ['searchsorted: bad side', () => loose(torch.searchsorted)(x(), x(), { side: 'middle' }), 'opts.side'],
      ['searchsorted: leading dims differ', () => torch.searchsorted(x(), on(torch.zeros([3, 3], { dtype: 'float64' }))), 'values'],
      ['searchsorted: a number in a 2-d sequence', () => torch.searchsorted(x(), 1), 'sortedSequence'],
      ['searchsorted: sorter of another shape', () => torch.searchsorted(x(), x(), { sorter: i() }), 'opts.sorter'],
      ['bucketize: 2-d boundaries', () => torch.bucketize(x(), x()), 'boundaries'],
      ['bucketize: right not boolean', () => loose(torch.bucketize)(x(), on(torch.zeros([3])), { right: 1 }), 'opts.right'],
      ['aminmax: empty input', () => torch.aminmax(on(torch.zeros([0]))), 'input'],
      ['aminmax: dim out of range', () => torch.aminmax(x(), { dim: 3 }), 'opts.dim'],
    ];
    argErrorTests(rows);
    test('errors are coded TorchletErrors', () => {
      const e = thrown(() => torch.quantile(x(), 2));
      expect(e).toBeInstanceOf(torch.TorchletError);
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
    });
  });
});

describe('searchsorted / bucketize over many values (the comparisons in chunks)', () => {
  // host binary search: the first index i with seq[i] >= v (left) or seq[i] > v (right)
  const bisect = (seq: Float32Array, v: number, right: boolean) => {
    let lo = 0;
    let hi = seq.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (right ? seq[mid] <= v : seq[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  test('4096 boundaries, 5000 values in a 2-D tensor (over 2^24 comparisons), left and right', () => {
    const seq = torch.sort(torch.randn([4096]).round()).values;
    const v = torch.randn([50, 100]).round();
    const s = seq.toArray() as Float32Array;
    const vals = v.toArray() as Float32Array;
    for (const right of [false, true]) {
      const got = toNumbers(torch.searchsorted(seq, v, { right }));
      expect(got).toHaveLength(5000);
      expect(got).toEqual(Array.from(vals, (x) => bisect(s, x, right)));
      expect(torch.bucketize(v, seq, { right }).shape).toEqual([50, 100]);
    }
  });
});
