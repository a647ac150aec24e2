// test/nn/rnn_utils.test.ts — nn.utils.rnn (padSequence, PackedSequence, packPaddedSequence,
// padPackedSequence, packSequence) and nn.LSTM / nn.GRU / nn.RNN on a PackedSequence, against
// PyTorch 1.13 (test/fixtures/rnn_utils.json, from gen_rnn_utils_fixtures.py): values, the packing's
// batch sizes and indices (ties sorted stably), and gradients (of the padded / packed data, the
// initial states and every parameter), in float64 and float32, on every device; the packed run
// against the module run on each sequence alone; float64 gradchecks; argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, expectClose, expectArgError, fromFixture, tolFor, T, FixtureCase } from '../helpers';
import { describeDevices, TestDevice } from '../devices';
import { gradcheck } from '../gradcheck';
const { nn } = torch;
const R = nn.utils.rnn;

type Case = FixtureCase & { state?: Record<string, T>; gradOutputs?: Record<string, T>; ints?: Record<string, number[] | null> };
const ints = (t: Tensor | null): number[] | null => (t ? Array.from(t.toArray() as ArrayLike<number | bigint>, Number) : null);
const seqsOf = (c: Case, dtype: 'float32' | 'float64', device: TestDevice): Tensor[] =>
  Object.keys(c.inputs).sort().map((k) => fromFixture(c.inputs[k]!, dtype).to(device).requiresGrad_());

describeDevices('rnn_utils', (device) => {
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    const tol = tolFor(dtype, 10);

    test.each(casesOf('rnn_utils', ['padSequence']))('%s: padSequence values and gradients', (_n, fc) => {
      const c = fc as Case;
      const p = c.params as { batchFirst: boolean; paddingValue: number | null };
      const seqs = seqsOf(c, dtype, device);
      const out = R.padSequence(seqs, { batchFirst: p.batchFirst, ...(p.paddingValue !== null ? { paddingValue: p.paddingValue } : {}) });
      expectClose(out, c.output!, { ...tol, label: `${c.name} output` });
      out.backward(fromFixture(c.gradOutput!, dtype).to(device));
      seqs.forEach((s, i) => expectClose(s.grad!, c.grads![`s${i}`], { ...tol, label: `${c.name} grad s${i}` }));
    });

    test.each(casesOf('rnn_utils', ['pack']))('%s: packPaddedSequence and padPackedSequence values, indices and gradients', (_n, fc) => {
      const c = fc as Case;
      const p = c.params as { lengths: number[]; batchFirst: boolean; enforceSorted: boolean; paddingValue: number | null; totalLength: number | null };
      const x = fromFixture(c.inputs.input!, dtype).to(device).requiresGrad_();
      // lengths as an array here, as an int64 tensor below
      const packed = R.packPaddedSequence(x, p.lengths, { batchFirst: p.batchFirst, enforceSorted: p.enforceSorted });
      expectClose(packed.data, c.outputs!.data as T, { ...tol, label: `${c.name} data` });
      expect([ints(packed.batchSizes), ints(packed.sortedIndices), ints(packed.unsortedIndices)])
        .toEqual([c.ints!.batchSizes, c.ints!.sortedIndices, c.ints!.unsortedIndices]);
      expect([packed.batchSizes.device, packed.batchSizes.dtype]).toEqual(['cpu', 'int64']);
      if (packed.sortedIndices) expect(packed.sortedIndices.device).toBe(x.device);
      packed.data.backward(fromFixture(c.gradOutputs!.data, dtype).to(device));
      expectClose(x.grad!, c.grads!.input, { ...tol, label: `${c.name} grad input` });
      const again = R.packPaddedSequence(x.detach(), torch.tensor(p.lengths, { dtype: 'int64' }), { batchFirst: p.batchFirst, enforceSorted: p.enforceSorted });
      expectClose(again.data, packed.data, { atol: 0 });

      const data = packed.data.detach().requiresGrad_();
      const p2 = new R.PackedSequence(data, packed.batchSizes, packed.sortedIndices, packed.unsortedIndices);
      const [padded, lengths] = R.padPackedSequence(p2, {
        batchFirst: p.batchFirst, ...(p.paddingValue !== null ? { paddingValue: p.paddingValue } : {}), ...(p.totalLength !== null ? { totalLength: p.totalLength } : {}),
      });
      expectClose(padded, c.outputs!.padded as T, { ...tol, label: `${c.name} padded` });
      expect([ints(lengths), lengths.device, lengths.dtype]).toEqual([c.ints!.lengths, 'cpu', 'int64']);
      padded.backward(fromFixture(c.gradOutputs!.padded, dtype).to(device));
      expectClose(data.grad!, c.grads!.data, { ...tol, label: `${c.name} grad data` });
    });

    test.each(casesOf('rnn_utils', ['packSequence']))('%s: packSequence', (_n, fc) => {
      const c = fc as Case;
      const packed = R.packSequence(seqsOf(c, dtype, device), { enforceSorted: false });
      expectClose(packed.data, c.outputs!.data as T, { ...tol, label: `${c.name} data` });
      expect([ints(packed.batchSizes), ints(packed.sortedIndices), ints(packed.unsortedIndices)])
        .toEqual([c.ints!.batchSizes, c.ints!.sortedIndices, c.ints!.unsortedIndices]);
    });

    test.each(casesOf('rnn_utils', ['LSTM', 'GRU', 'RNN']))('%s: a recurrent module on a PackedSequence: outputs, final states, every gradient', (_n, fc) => {
      const c = fc as Case;
      const p = c.params as { inputSize: number; hiddenSize: number; opts: Record<string, unknown>; lengths: number[]; enforceSorted: boolean };
      const m = (c.op === 'LSTM' ? new nn.LSTM(p.inputSize, p.hiddenSize, p.opts) : c.op === 'GRU' ? new nn.GRU(p.inputSize, p.hiddenSize, p.opts)
        : new nn.RNN(p.inputSize, p.hiddenSize, p.opts as torch.nn.RNNModuleOptions));
      if (dtype === 'float64') m.double();
      m.to(device);
      const state: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(c.state!)) state[k] = fromFixture(t, dtype);
      m.loadStateDict(state, { strict: true });
      m.eval();
      const leaf = (k: string) => (c.inputs[k] ? fromFixture(c.inputs[k]!, dtype).to(device).requiresGrad_() : null);
      const [x, h0, c0] = [leaf('input')!, leaf('h0'), leaf('c0')];
      const packed = R.packPaddedSequence(x, p.lengths, { batchFirst: m.batchFirst, enforceSorted: p.enforceSorted });
      const got: Record<string, Tensor> = {};
      let out: torch.nn.utils.rnn.PackedSequence;
      if (m instanceof nn.LSTM) {
        const [o, [hN, cN]] = m.forward(packed, h0 ? [h0, c0!] : null);
        [out, got.hN, got.cN] = [o, hN, cN];
      } else {
        const [o, hN] = (m as torch.nn.GRU).forward(packed, h0);
        [out, got.hN] = [o, hN];
      }
      expect(out).toBeInstanceOf(R.PackedSequence);
      got.data = out.data;
      expect(out.batchSizes).toBe(packed.batchSizes);
      expect([ints(out.sortedIndices), ints(out.unsortedIndices)]).toEqual([c.ints!.sortedIndices, c.ints!.unsortedIndices]);
      for (const [k, e] of Object.entries(c.outputs!)) if (k !== 'padded') expectClose(got[k], e as T, { ...tol, label: `${c.name} ${k}` });
      expectClose(R.padPackedSequence(out, { batchFirst: m.batchFirst })[0], c.outputs!.padded as T, { ...tol, label: `${c.name} padded` });
      let loss: Tensor | null = null;
      for (const [k, g] of Object.entries(c.gradOutputs!)) {
        const term = got[k].mul(fromFixture(g, dtype).to(device)).sum();
        loss = loss ? loss.add(term) : term;
      }
      loss!.backward();
      const params = new Map(Object.keys(m.stateDict()).map((k, i) => [k, m.parameters()[i]] as [string, Tensor]));
      const leaves: Record<string, Tensor | null> = { input: x, h0, c0 };
      for (const [name, g] of Object.entries(c.grads!)) {
        const t = leaves[name] ?? params.get(name);
        expect([name, t !== undefined && t !== null]).toEqual([name, true]);
        expectClose(t!.grad!, g, { ...tol, label: `${c.name} grad ${name}` });
      }
    });
  });

  test.each(['LSTM', 'GRU', 'RNN'] as const)('%s on a PackedSequence equals the module run on each sequence alone', (mode) => {
    torch.manualSeed(21);
    const opts = { numLayers: 2, bidirectional: true };
    const m = (mode === 'LSTM' ? new nn.LSTM(3, 4, opts) : mode === 'GRU' ? new nn.GRU(3, 4, opts) : new nn.RNN(3, 4, opts)).double().to(device).eval();
    const lens = [2, 5, 1, 5];
    const seqs = lens.map((L) => torch.randn([L, 3], { dtype: 'float64' }).to(device));
    const h0 = torch.randn([4, 4, 4], { dtype: 'float64' }).to(device);
    const c0 = torch.randn([4, 4, 4], { dtype: 'float64' }).to(device);
    const packed = R.packSequence(seqs, { enforceSorted: false });
    const run = (x: Tensor | torch.nn.utils.rnn.PackedSequence, h: Tensor, c: Tensor): [Tensor | torch.nn.utils.rnn.PackedSequence, Tensor] =>
      (m instanceof nn.LSTM ? ((r) => [r[0], r[1][0]])(m.forward(x as Tensor, [h, c])) : (m as torch.nn.GRU).forward(x as Tensor, h)) as [Tensor, Tensor];
    const [out, hN] = run(packed, h0, c0);
    const [padded, lengths] = R.padPackedSequence(out as torch.nn.utils.rnn.PackedSequence, { batchFirst: true });
    expect(ints(lengths)).toEqual(lens);
    lens.forEach((L, b) => {
      const [o, h] = run(seqs[b], h0.select(1, b), c0.select(1, b)) as [Tensor, Tensor];
      expectClose(padded.select(0, b).narrow(0, 0, L), o, { atol: 1e-12, label: `${mode} sequence ${b} output` });
      expectClose(hN.select(1, b), h, { atol: 1e-12, label: `${mode} sequence ${b} hN` });
      if (L < 5) expect(padded.select(0, b).narrow(0, L, 5 - L).abs().max().item()).toBe(0);
    });
  });

  test('float64 gradchecks: padSequence, pack / pad round trip, a bidirectional GRU on packed data', () => {
    const r = (shape: number[], s: number) => { torch.manualSeed(s); return torch.randn(shape, { dtype: 'float64' }); };
    gradcheck((xs) => R.padSequence(xs, { batchFirst: true, paddingValue: 3 }), [r([2, 2], 1), r([4, 2], 2), r([1, 2], 3)], { device });
    gradcheck((xs) => R.padPackedSequence(R.packPaddedSequence(xs[0], [1, 3, 2], { enforceSorted: false }), { totalLength: 4 })[0],
      [r([3, 3, 2], 4)], { device });
    torch.manualSeed(5);
    const g = new nn.GRU(2, 2, { bidirectional: true }).double().to(device);
    gradcheck((xs) => {
      const [out, hN] = g.forward(R.packPaddedSequence(xs[0], [2, 3], { enforceSorted: false }), xs[1]);
      return torch.cat([out.data.flatten(), hN.flatten()]);
    }, [r([3, 2, 2], 6), r([2, 2, 2], 7)], { device, atol: 1e-6, rtol: 1e-5 });
  });
});

test('PackedSequence: construction, derived unsortedIndices, to(), toString', () => {
  const data = torch.tensor([[0, 1], [2, 3], [4, 5]], { dtype: 'float32' });
  const p = new R.PackedSequence(data, torch.tensor([2, 1], { dtype: 'int64' }), torch.tensor([1, 0], { dtype: 'int64' }));
  expect(ints(p.unsortedIndices)).toEqual([1, 0]);
  expect(p.batchSizeList()).toEqual([2, 1]);
  const q = p.double();
  expect([q.float().data.dtype, q.cpu().isCuda, p.to('float32')]).toEqual(['float32', false, p]);
  expect([q.data.dtype, q.batchSizes.device, ints(q.sortedIndices)]).toEqual(['float64', 'cpu', [1, 0]]);
  expect(String(p)).toBe('PackedSequence(data=[3, 2] float32, batchSizes=[2, 1], sortedIndices=[1, 0], unsortedIndices=[1, 0])');
  expect(new R.PackedSequence(data, torch.tensor([2, 1], { dtype: 'int64' })).sortedIndices).toBe(null);
});

test('argument errors', () => {
  const x = torch.zeros([3, 2, 4]);
  const bs = torch.tensor([2, 1], { dtype: 'int64' });
  expectArgError(() => R.padSequence([]), 'sequences');
  expectArgError(() => (R.padSequence as (...a: unknown[]) => unknown)(torch.zeros([2, 3])), 'sequences');
  expectArgError(() => R.padSequence([torch.zeros([2, 3]), torch.zeros([2, 4])]), /for sequences\[1\]/);
  expectArgError(() => R.padSequence([torch.zeros([2, 3]), torch.zeros([2, 3], { dtype: 'float64' })]), /for sequences\[1\]/);
  expectArgError(() => R.padSequence([torch.zeros([])]), /for sequences\[0\]/);
  expectArgError(() => (R.padSequence as (...a: unknown[]) => unknown)([torch.zeros([2])], { batch_first: true }), /'batchFirst'/);
  expectArgError(() => (R.padSequence as (...a: unknown[]) => unknown)([torch.zeros([2])], { paddingValue: 'x' }), 'opts.paddingValue');
  expectArgError(() => (R.padSequence as (...a: unknown[]) => unknown)([torch.zeros([2])], {}, 1), /padSequence\(\)/);
  expectArgError(() => R.packPaddedSequence(x, [1, 3]), 'lengths'); // not sorted (enforceSorted)
  expectArgError(() => R.packPaddedSequence(x, [3, 1, 1]), 'lengths'); // one per sequence
  expectArgError(() => R.packPaddedSequence(x, [3, 0], { enforceSorted: false }), 'lengths');
  expectArgError(() => R.packPaddedSequence(x, [4, 1], { enforceSorted: false }), 'lengths');
  expectArgError(() => R.packPaddedSequence(x, [3, 1.5]), /for lengths\[1\]/);
  expectArgError(() => R.packPaddedSequence(x, torch.tensor([3, 1], { dtype: 'float32' })), 'lengths');
  expectArgError(() => R.packPaddedSequence(torch.zeros([3]), [3]), 'input');
  expectArgError(() => (R.packPaddedSequence as (...a: unknown[]) => unknown)(x, [3, 1], { enforce_sorted: false }), /'enforceSorted'/);
  expectArgError(() => R.padPackedSequence(R.packPaddedSequence(x, [3, 1]), { totalLength: 2 }), 'opts.totalLength');
  expectArgError(() => (R.padPackedSequence as (...a: unknown[]) => unknown)(x), 'sequence');
  expectArgError(() => R.packSequence([torch.zeros([1, 2]), torch.zeros([2, 2])]), 'lengths');
  expectArgError(() => new R.PackedSequence(torch.zeros([4, 2]), bs), 'data');
  expectArgError(() => new R.PackedSequence(torch.zeros([3, 2]), torch.tensor([1, 2], { dtype: 'int64' })), 'batchSizes');
  expectArgError(() => new R.PackedSequence(torch.zeros([3, 2]), torch.tensor([2, 1], { dtype: 'int32' })), 'batchSizes');
  expectArgError(() => new R.PackedSequence(torch.zeros([3, 2]), bs, torch.tensor([0, 0], { dtype: 'int64' })), 'sortedIndices');
  expectArgError(() => new R.PackedSequence(torch.zeros([3, 2]), bs, torch.tensor([1, 0], { dtype: 'int64' }), torch.tensor([0, 1], { dtype: 'int64' })), 'unsortedIndices');
  // recurrent modules: the packed data's width, the states' batch (batchSizes[0])
  const lstm = new nn.LSTM(4, 3);
  const packed = R.packPaddedSequence(x, [3, 1]);
  expectArgError(() => lstm.forward(R.packPaddedSequence(torch.zeros([3, 2, 5]), [3, 1])), 'input.data');
  expectArgError(() => lstm.forward(R.packPaddedSequence(x.double(), [3, 1])), 'input.data');
  expectArgError(() => lstm.forward(packed, [torch.zeros([1, 3, 3]), torch.zeros([1, 2, 3])]), /for hx\[0\]/);
  expectArgError(() => new nn.GRU(4, 3).forward(packed, torch.zeros([1, 2, 4])), 'hx');
});
