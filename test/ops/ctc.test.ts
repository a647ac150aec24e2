// test/ops/ctc.test.ts — F.ctcLoss (lib/ops/ctc.ts, native/ops/ctc.h) and nn.CTCLoss (lib/nn/ctc.ts),
// on every device: against PyTorch 1.13 (test/fixtures/ctc.json from gen_ctc_fixtures.py: losses and
// logProbs gradients in float64 and float32 for padded and concatenated targets, each reduction,
// repeated labels, input lengths < T, an empty target, impossible alignments with and without
// zeroInfinity, blank != 0, unbatched inputs), a float64 finite-difference gradcheck through
// logSoftmax, lengths as tensors / arrays and int32 / uint8 dtypes, input length 0, the first-order-only
// node, the module (defaults, print, state dict), bad arguments (coded errors naming the argument),
// and CUDA against the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { ctcLoss } from '../../lib/ops/ctc';
import type { CtcLossOptions } from '../../lib/ops/ctc';
import { CTCLoss } from '../../lib/nn/ctc';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, fromFixture, toNumbers, maxAbs, tolFor, randnT, argErrorTests, ArgErrorRow, FixtureCase, thrown } from '../helpers';
import type { T as FixtureT } from '../helpers';

const cases = casesOf('ctc', ['ctcLoss']);
/** Calls with arguments the signatures refuse (the run-time checks under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;

/** A fixture tensor's numbers ('inf', '-inf', 'nan' spelled as strings in ctc.json). */
function numbers(t: FixtureT): number[] {
  return (t.data as unknown[]).map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
}
/** Close where expected is finite (|a - e| <= atol + rtol |e|), identical where it is not (inf, NaN). */
function expectValues(actual: Tensor, expected: number[], shape: number[], tol: { atol: number; rtol: number }, label: string): void {
  expect(actual.shape).toEqual(shape);
  const a = toNumbers(actual);
  expect(a.length).toBe(expected.length);
  const bad: string[] = [];
  a.forEach((v, i) => {
    const e = expected[i];
    const ok = Number.isFinite(e) ? Math.abs(v - e) <= tol.atol + tol.rtol * Math.abs(e) : Number.isNaN(e) ? Number.isNaN(v) : v === e;
    if (!ok) bad.push(`[${i}] ${v} vs ${e}`);
  });
  if (bad.length) throw new Error(`${label}: ${bad.length} of ${a.length} differ: ${bad.slice(0, 6).join('; ')}`);
}
/** The case's options, leaving out PyTorch's defaults (so that the defaults are exercised too). */
function optsOf(c: FixtureCase): CtcLossOptions {
  const o: CtcLossOptions = {};
  if (c.params.blank !== 0) o.blank = c.params.blank;
  if (c.params.reduction !== 'mean') o.reduction = c.params.reduction;
  if (c.params.zeroInfinity) o.zeroInfinity = true;
  return o;
}
const ints = (t: FixtureT): number[] => t.data as number[];

describeOp('ctc', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  const f64 = (shape: number[], seed: number): Tensor => on(randnT(shape, seed).logSoftmax(-1));
  const i64 = (data: unknown): Tensor => on(torch.tensor(data as number[], { dtype: 'int64' }));

  describe('vs PyTorch', () => {
    test('fixture has the cases', () => {
      expect(cases.length).toBeGreaterThanOrEqual(23);
      const names = cases.map(([n]) => n);
      for (const n of ['padded_mean', 'concat_sum', 'padded_none', 'repeats_exact_none', 'impossible_none', 'impossible_mean_zero_infinity',
        'empty_target_concat_none', 'blank_last_none', 'blank_2_mean', 'unbatched_1d_none', 'unbatched_2d_sum', 'mixed_lengths_mean'])
        expect(names).toContain(n);
      // the impossible cases really are: an infinite loss, NaN gradients (PyTorch's formula)
      const imp = cases.find(([n]) => n === 'impossible_none')![1];
      expect(numbers(imp.output!).slice(0, 2)).toEqual([Infinity, Infinity]);
      expect(numbers(imp.grads!.logProbs).some(Number.isNaN)).toBe(true);
    });
    dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases)('%s', (_n, c) => {
        const lp = on(fromFixture(c.inputs.logProbs!, dtype)).requiresGrad_();
        const k = cases.findIndex(([n]) => n === c.name);
        // lengths as tensors (int64 on the device; int32 on the CPU) or arrays, targets int64 or int32
        const il = k % 3 === 0 ? on(fromFixture(c.inputs.inputLengths!)) : k % 3 === 1 ? fromFixture(c.inputs.inputLengths!, 'int32') : ints(c.inputs.inputLengths!);
        const tl = k % 2 === 0 ? ints(c.inputs.targetLengths!) : on(fromFixture(c.inputs.targetLengths!));
        const tg = k % 2 === 0 ? on(fromFixture(c.inputs.targets!)) : on(fromFixture(c.inputs.targets!, 'int32'));
        const y = ctcLoss(lp, tg, il, tl, optsOf(c));
        expect(y.dtype).toBe(dtype);
        expect(y.device).toBe(lp.device);
        const out = numbers(c.output!);
        const gexp = numbers(c.grads!.logProbs);
        const scale = maxAbs(out.filter(Number.isFinite));
        expectValues(y, out, c.output!.shape, tolFor(dtype, scale), `${c.name} [${dtype}] output`);
        y.backward(on(fromFixture(c.gradOutput!, dtype)));
        const gs = Math.max(1, maxAbs(gexp.filter(Number.isFinite)), maxAbs(c.gradOutput!.data));
        expectValues(lp.grad!, gexp, c.grads!.logProbs.shape, tolFor(dtype, gs), `${c.name} [${dtype}] grad`);
      });
    });
  });

  dtypes(['float64'] as const, () => {
    // PyTorch's gradient is that of the loss composed with logSoftmax (exp(lp) minus the alignment
    // posterior), so the finite differences are taken with respect to the logits
    test('gradcheck through logSoftmax (float64 central differences): padded, concatenated, unbatched, blank 2', () => {
      const tg = torch.tensor([[1, 2, 2], [3, 1, 0]], { dtype: 'int64' });
      gradcheck(([x]) => ctcLoss(x.logSoftmax(2), tg, [5, 4], [3, 2]), [randnT([5, 2, 4], 401)], { device });
      gradcheck(([x]) => ctcLoss(x.logSoftmax(2), torch.tensor([1, 1, 3], { dtype: 'int64' }), [4, 3], [2, 1], { reduction: 'sum' }), [randnT([4, 2, 4], 402)], { device });
      gradcheck(([x]) => ctcLoss(x.logSoftmax(1), torch.tensor([0, 1], { dtype: 'int64' }), [4], [2], { blank: 2, reduction: 'none' }), [randnT([4, 3], 403)], { device });
    });
  });

  test('input length 0: loss 0 for an empty target, +inf otherwise (0 with zeroInfinity); no gradient', () => {
    const lp = f64([3, 2, 4], 501).requiresGrad_();
    const y = ctcLoss(lp, i64([[1, 2], [0, 0]]), [0, 0], [2, 0], { reduction: 'none' });
    expect(toNumbers(y)).toEqual([Infinity, 0]);
    const z = ctcLoss(lp, i64([[1, 2], [0, 0]]), [0, 3], [2, 0], { reduction: 'none', zeroInfinity: true });
    expect(toNumbers(z)[0]).toBe(0);
    z.sum().backward();
    expect(toNumbers(lp.grad!.narrow(1, 0, 1)).every((v) => v === 0)).toBe(true);
    // the empty target over 3 frames: -sum of the blank's log-probabilities
    const lpv = toNumbers(lp.detach());
    expect(toNumbers(z)[1]).toBeCloseTo(-(lpv[4] + lpv[12] + lpv[20]), 12);
  });

  test("an empty batch: 'mean' NaN, 'sum' 0, 'none' empty, as PyTorch 1.13", () => {
    const lp = f64([5, 0, 4], 502).requiresGrad_();
    const tg = torch.zeros([0, 3], { dtype: 'int64' });
    expect(Number.isNaN(ctcLoss(lp, tg, [], []).item())).toBe(true);
    expect(ctcLoss(lp, tg, [], [], { reduction: 'sum' }).item()).toBe(0);
    expect(ctcLoss(lp, tg, [], [], { reduction: 'none' }).shape).toEqual([0]);
  });

  test('input length < T: the steps past it get no gradient; a longer T with the same lengths changes nothing', () => {
    const base = f64([4, 1, 5], 511);
    const longer = torch.cat([base, f64([3, 1, 5], 512)], 0).requiresGrad_();
    const a = ctcLoss(base, i64([[2, 3]]), [4], [2]);
    const b = ctcLoss(longer, i64([[2, 3]]), [4], [2]);
    expect(b.item()).toBeCloseTo(a.item(), 12);
    b.backward();
    expect(toNumbers(longer.grad!.narrow(0, 4, 3)).every((v) => v === 0)).toBe(true);
  });

  test('lengths and targets of every integer dtype, on any device, give the same loss; reductions agree', () => {
    const lp = f64([6, 2, 5], 521);
    const ref = ctcLoss(lp, i64([[1, 2, 3], [4, 4, 0]]), [6, 5], [3, 2], { reduction: 'none' });
    const u8 = (v: number[]) => torch.tensor(v, { dtype: 'uint8' });
    const same = [
      ctcLoss(lp, torch.tensor([[1, 2, 3], [4, 4, 0]], { dtype: 'int32' }), u8([6, 5]), torch.tensor([3, 2], { dtype: 'int32' }), { reduction: 'none' }),
      ctcLoss(lp, on(torch.tensor([1, 2, 3, 4, 4], { dtype: 'uint8' })), on(u8([6, 5])), on(torch.tensor([3, 2], { dtype: 'int64' })), { reduction: 'none' }),
    ];
    for (const s of same) expect(toNumbers(s)).toEqual(toNumbers(ref));
    const [l0, l1] = toNumbers(ref);
    expect(ctcLoss(lp, i64([[1, 2, 3], [4, 4, 0]]), [6, 5], [3, 2], { reduction: 'sum' }).item()).toBeCloseTo(l0 + l1, 12);
    expect(ctcLoss(lp, i64([[1, 2, 3], [4, 4, 0]]), [6, 5], [3, 2]).item()).toBeCloseTo((l0 / 3 + l1 / 2) / 2, 12);
    // unbatched: a 0-d length tensor, a [] loss for 'none'
    const u = ctcLoss(lp.select(1, 0), i64([1, 2, 3]), on(torch.tensor(6, { dtype: 'int64' })), [3], { reduction: 'none' });
    expect(u.shape).toEqual([]);
    expect(u.item()).toBeCloseTo(l0, 12);
  });

  test('first-order only: differentiating the gradient is an error naming the node', () => {
    const x = f64([4, 1, 3], 531).requiresGrad_();
    const per = ctcLoss(x, i64([[1, 2]]), [4], [2], { reduction: 'none' });
    expect(per.gradFn!.name).toBe('CtcLossBackward');
    const [g] = torch.autograd.grad([per.sum()], [x], { createGraph: true });
    const e = thrown(() => torch.autograd.grad([g!.sum()], [x]));
    expect(e.code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    expect(e.message).toMatch(/CtcLossBackward/);
  });

  test('nn.CTCLoss: defaults, PyTorch print, empty state dict, forward = F.ctcLoss', () => {
    const m = new CTCLoss();
    expect([m.blank, m.reduction, m.zeroInfinity]).toEqual([0, 'mean', false]);
    expect(m.toString()).toBe('CTCLoss()');
    expect(Object.keys(m.stateDict())).toHaveLength(0);
    expect(m.parameters()).toHaveLength(0);
    const m2 = new CTCLoss({ blank: 4, reduction: 'none', zeroInfinity: true });
    expect([m2.blank, m2.reduction, m2.zeroInfinity]).toEqual([4, 'none', true]);
    expect(m2.toString()).toBe('CTCLoss()');
    const lp = f64([5, 2, 5], 541);
    const tg = i64([[1, 1, 2], [3, 2, 0]]);
    expect(toNumbers(m.forward(lp, tg, [5, 4], [3, 2]))).toEqual(toNumbers(ctcLoss(lp, tg, [5, 4], [3, 2])));
    // blank 4, [1, 1, 2] cannot fit in 3 frames: zeroInfinity makes it 0
    const y = m2.forward(lp, tg, [3, 4], [3, 2]);
    expect(toNumbers(y)[0]).toBe(0);
    expect(toNumbers(y)).toEqual(toNumbers(ctcLoss(lp, tg, [3, 4], [3, 2], { blank: 4, reduction: 'none', zeroInfinity: true })));
    expect(torch.nn.CTCLoss).toBe(CTCLoss);
    expect(torch.nn.functional.ctcLoss).toBe(ctcLoss);
  });

  describe('bad arguments', () => {
    const lp = () => on(torch.zeros([5, 2, 4], { dtype: 'float64' }));
    const tg = () => i64([[1, 2], [3, 1]]);
    const ok = (o?: unknown) => loose(ctcLoss)(lp(), tg(), [5, 4], [2, 2], o);
    const ctor = (...a: unknown[]) => () => loose((...b: never[]) => new CTCLoss(...b))(...a);
    const rows: ArgErrorRow[] = [
      ['logProbs: integer tensor', () => ctcLoss(i64([[[1]]]), tg(), [1, 1], [1, 1]), 'logProbs'],
      ['logProbs: 1-D', () => ctcLoss(on(torch.zeros([5], { dtype: 'float64' })), tg(), [5], [2]), 'logProbs'],
      ['logProbs: 4-D', () => ctcLoss(on(torch.zeros([5, 2, 4, 1], { dtype: 'float64' })), tg(), [5, 4], [2, 2]), 'logProbs'],
      ['logProbs: not a tensor', () => loose(ctcLoss)([[0]], tg(), [1], [1]), 'logProbs'],
      ['targets: float tensor', () => ctcLoss(lp(), on(torch.tensor([[1, 2], [3, 1]], { dtype: 'float32' })), [5, 4], [2, 2]), 'targets'],
      ['targets: bool tensor', () => ctcLoss(lp(), on(torch.tensor([true, true])), [5, 4], [1, 1]), 'targets'],
      ['targets: 3-D', () => ctcLoss(lp(), i64([[[1, 2]], [[3, 1]]]), [5, 4], [2, 2]), 'targets'],
      ['targets: padded rows != batch size', () => ctcLoss(lp(), i64([[1, 2]]), [5, 4], [2, 2]), 'targets'],
      ['targets: concatenated, not sum(targetLengths) labels', () => ctcLoss(lp(), i64([1, 2, 3]), [5, 4], [2, 2]), 'targets'],
      ['targets: a label equal to the blank', () => ctcLoss(lp(), i64([[1, 0], [3, 1]]), [5, 4], [2, 2]), 'targets'],
      ['targets: a label equal to blank 3', () => ctcLoss(lp(), tg(), [5, 4], [2, 2], { blank: 3 }), 'targets'],
      ['targets: a label >= C', () => ctcLoss(lp(), i64([[1, 4], [3, 1]]), [5, 4], [2, 2]), 'targets'],
      ['targets: a negative label', () => ctcLoss(lp(), i64([[1, -1], [3, 1]]), [5, 4], [2, 2]), 'targets'],
      ['targets: unbatched 1-D longer than the target length', () => ctcLoss(lp().select(1, 0), i64([1, 2, 3]), [5], [2]), 'targets'],
      ['inputLengths: > T', () => ctcLoss(lp(), tg(), [6, 4], [2, 2]), 'inputLengths'],
      ['inputLengths: negative', () => ctcLoss(lp(), tg(), [-1, 4], [2, 2]), 'inputLengths'],
      ['inputLengths: not one per item', () => ctcLoss(lp(), tg(), [5, 4, 3], [2, 2]), 'inputLengths'],
      ['inputLengths: float tensor', () => ctcLoss(lp(), tg(), torch.tensor([5, 4], { dtype: 'float32' }), [2, 2]), 'inputLengths'],
      ['inputLengths: 2-D tensor', () => ctcLoss(lp(), tg(), torch.tensor([[5, 4]], { dtype: 'int64' }), [2, 2]), 'inputLengths'],
      ['inputLengths: a number (PyTorch takes a tuple or a tensor)', () => loose(ctcLoss)(lp(), tg(), 5, [2, 2]), 'inputLengths'],
      ['inputLengths: non-integers', () => ctcLoss(lp(), tg(), [5, 3.5], [2, 2]), 'inputLengths'],
      ['targetLengths: > S (padded)', () => ctcLoss(lp(), tg(), [5, 4], [3, 2]), 'targetLengths'],
      ['targetLengths: negative', () => ctcLoss(lp(), tg(), [5, 4], [2, -1]), 'targetLengths'],
      ['targetLengths: not one per item', () => ctcLoss(lp(), tg(), [5, 4], [2]), 'targetLengths'],
      ['opts.blank: >= C', () => ok({ blank: 4 }), 'opts.blank'],
      ['opts.blank: negative', () => ok({ blank: -1 }), 'opts.blank'],
      ['opts.blank: not an integer', () => ok({ blank: 0.5 }), 'opts.blank'],
      ['opts.reduction: unknown', () => ok({ reduction: 'batchmean' }), 'reduction'],
      ['opts.zeroInfinity: not a boolean', () => ok({ zeroInfinity: 1 }), 'opts.zeroInfinity'],
      ['opts: unknown key', () => ok({ weight: null }), 'opts.weight'],
      ['opts: snake_case key', () => ok({ zero_infinity: true }), 'opts.zero_infinity'],
      ['extra argument', () => loose(ctcLoss)(lp(), tg(), [5, 4], [2, 2], {}, 1), /for ctcLoss\(\)/],
      ['CTCLoss: blank negative', ctor({ blank: -2 }), 'opts.blank'],
      ['CTCLoss: reduction unknown', ctor({ reduction: 'avg' }), 'reduction'],
      ['CTCLoss: zeroInfinity not a boolean', ctor({ zeroInfinity: 'yes' }), 'opts.zeroInfinity'],
      ['CTCLoss: snake_case option', ctor({ zero_infinity: true }), 'opts.zero_infinity'],
      ['CTCLoss: extra argument', ctor({}, 1), /for CTCLoss\(\)/],
      ['CTCLoss.forward: extra argument', () => loose(new CTCLoss().forward.bind(new CTCLoss()))(lp(), tg(), [5, 4], [2, 2], 1), /for forward\(\)/],
      ['CTCLoss.forward: blank out of the label range', () => new CTCLoss({ blank: 9 }).forward(lp(), tg(), [5, 4], [2, 2]), 'opts.blank'],
    ];
    argErrorTests(rows);

    test('the errors are coded TorchletErrors of the right class', () => {
      const len = thrown(() => ctcLoss(lp(), tg(), [6, 4], [2, 2]));
      expect(len).toBeInstanceOf(torch.TorchletError);
      expect(len).toBeInstanceOf(RangeError);
      expect(len.code).toBe('ERR_TORCHLET_INVALID_ARG');
      expect(len.message).toMatch(/at most T = 5/);
      const dt = thrown(() => ctcLoss(lp(), on(torch.tensor([[1, 2], [3, 1]], { dtype: 'float64' })), [5, 4], [2, 2]));
      expect(dt).toBeInstanceOf(TypeError);
      expect(dt.code).toBe('ERR_TORCHLET_DTYPE');
      expect(thrown(() => ctcLoss(lp(), i64([1, 2, 3]), [5, 4], [2, 2])).code).toBe('ERR_TORCHLET_SHAPE');
      expect(thrown(() => ctcLoss(lp(), tg(), [5, 4], [3, 2])).message).toMatch(/at most S = 2/);
      expect(thrown(() => ok({ blank: 4 })).message).toMatch(/blank must be in label range/);
      expect(thrown(() => ctcLoss(lp(), i64([[1, 0], [3, 1]]), [5, 4], [2, 2])).message).toMatch(/other than the blank 0 \(item 0, label 1\)/);
      expect(thrown(() => ok({ zero_infinity: true })).message).toMatch(/did you mean 'zeroInfinity'\?/);
    });
  });

  vsCpu('on this device vs the CPU', () => {
    test.each(['float32', 'float64'] as const)('%s: a random batch, each reduction and zeroInfinity, loss and gradient', (dtype) => {
      const tg = torch.tensor([[1, 2, 2, 3], [4, 4, 4, 0], [5, 1, 0, 0]], { dtype: 'int64' });
      // blank 6; item 1 ([4, 4, 4, 0]: the repeats need 6 frames) has 5: an infinite loss, NaN gradients
      const il = [9, 5, 7];
      const tl = [4, 4, 2];
      const cpu = randnT([9, 3, 7], 601).logSoftmax(2).to(dtype);
      for (const opts of [{ reduction: 'none' }, { reduction: 'mean', zeroInfinity: true }, { reduction: 'sum', zeroInfinity: true }] as CtcLossOptions[]) {
        const o = { ...opts, blank: 6 };
        const a = cpu.clone().requiresGrad_();
        const b = on(cpu).requiresGrad_();
        const ya = ctcLoss(a, tg, il, tl, o);
        const yb = ctcLoss(b, on(tg), il, tl, o);
        expect(yb.device).not.toBe('cpu');
        // CUDA's exp / log (libdevice) may differ from the CPU's by an ulp, compounded over the steps
        const tol = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-4, rtol: 1e-5 };
        expectValues(yb, toNumbers(ya), ya.shape, tol, `${dtype} ${JSON.stringify(o)} loss`);
        const g = randnT(ya.shape, 602).to(dtype);
        ya.backward(g);
        yb.backward(on(g));
        expectValues(b.grad!, toNumbers(a.grad!), a.grad!.shape, tol, `${dtype} ${JSON.stringify(o)} grad`);
      }
    });
  });
});
