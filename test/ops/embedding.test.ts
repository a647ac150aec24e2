// test/ops/embedding.test.ts — F.embedding / F.embeddingBag and nn.Embedding / nn.EmbeddingBag on
// every device: against PyTorch (test/fixtures/embedding.json, from
// test/fixtures/gen_embedding_fixtures.py): outputs and weight (and perSampleWeights) gradients in
// float64 and float32 — paddingIdx (no gradient into its row; left out of bags), scaleGradByFreq,
// maxNorm's in-place renormalisation (the weight after the call), bags from 2-D input or offsets
// (empty bags, includeLastOffset), modes sum / mean / max; float64 gradchecks; the modules' init,
// fromPretrained (freeze), printed form and stateDict; argument errors; CUDA against the CPU.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, checkDiffCase, expectClose, FixtureCase, randnT, toNumbers } from '../helpers';
import { gradcheck } from '../gradcheck';
import { describeOp } from '../devices';
import { expectCloseToCpu } from './compare';

const F = torch.F;
const embCases = casesOf('embedding', ['embedding']);
const bagCases = casesOf('embedding', ['embedding_bag']);
const both = (cs: [string, FixtureCase][]) => cs.flatMap(([name, c]) => (['float64', 'float32'] as const).map((d) => [`${name} ${d}`, c, d] as const));

describeOp('embedding', ({ device, on, vsCpu }) => {
  describe('F.embedding vs PyTorch', () => {
    test.each(both(embCases))('%s', (_name, c: FixtureCase, dtype) => {
      let weight: Tensor | null = null;
      checkDiffCase(c, dtype, (ins) => {
        weight = ins.weight!;
        return F.embedding(ins.input!, ins.weight!, c.params);
      }, { device, op: 'embedding' });
      const after = (c as FixtureCase & { weightAfter?: FixtureCase['output'] }).weightAfter;
      if (after) expectClose(weight!, after!, { atol: dtype === 'float64' ? 1e-12 : 1e-6, label: 'weight after maxNorm' });
    });
    test('non-contiguous weight and indices give the contiguous result and gradient', () => {
      const wt = on(randnT([3, 6], 9)).t().requiresGrad_();
      const idx = on(torch.tensor([[0, 5], [2, 0], [5, 4]], { dtype: 'int64' })).t();
      const y = F.embedding(idx, wt);
      expect(y.shape).toEqual([2, 3, 3]);
      expectClose(y, F.embedding(idx.contiguous(), wt.contiguous()), { atol: 0 });
      y.sum().backward();
      expect(toNumbers(wt.grad!.sum(1))).toEqual([6, 0, 3, 0, 3, 6]);
    });
    test('int32 indices give the int64 result', () => {
      const w = on(randnT([5, 3], 1));
      const i = on(torch.tensor([[4, 0], [2, 4]], { dtype: 'int64' }));
      expectClose(F.embedding(i.to('int32'), w), F.embedding(i, w), { atol: 0 });
    });
  });

  describe('F.embeddingBag vs PyTorch', () => {
    test.each(both(bagCases))('%s', (_name, c: FixtureCase, dtype) => {
      let weight: Tensor | null = null;
      checkDiffCase(c, dtype, (ins) => {
        weight = ins.weight!;
        return F.embeddingBag(ins.input!, ins.weight!, ins.offsets, { ...c.params, perSampleWeights: ins.perSampleWeights });
      }, { device, op: 'embedding' });
      const after = (c as FixtureCase & { weightAfter?: FixtureCase['output'] }).weightAfter;
      if (after) expectClose(weight!, after!, { atol: dtype === 'float64' ? 1e-12 : 1e-6, label: 'weight after maxNorm' });
    });
  });

  test("2-D input with includeLastOffset: PyTorch's offsets 0, L, 2L, ... with the last as the end (the last row is dropped)", () => {
    // (no fixture: PyTorch 1.13's backward of this case reads uninitialised memory)
    const w = on(randnT([7, 3], 12));
    const i = on(torch.tensor([[0, 6], [2, 2], [5, 1]], { dtype: 'int64' }));
    const y = F.embeddingBag(i, w, null, { mode: 'mean', includeLastOffset: true });
    expect(y.shape).toEqual([2, 3]);
    expectClose(y, F.embeddingBag(i.narrow(0, 0, 2), w, null, { mode: 'mean' }), { atol: 0 });
  });

  describe('gradcheck (float64, central differences)', () => {
    const idx = () => on(torch.tensor([3, 0, 3, 1, 4, 3], { dtype: 'int64' }));
    // (paddingIdx's and scaleGradByFreq's gradients are deliberately not the derivative: the fixtures check them)
    test('embedding with repeated indices', () => {
      gradcheck(([w]) => F.embedding(idx().view([2, 3]), w), [randnT([5, 3], 2)], { device });
    });
    test('embeddingBag sum with perSampleWeights', () => {
      const off = on(torch.tensor([0, 2, 2], { dtype: 'int64' }));
      gradcheck(([w, p]) => F.embeddingBag(idx(), w, off, { mode: 'sum', perSampleWeights: p }), [randnT([5, 3], 3), randnT([6], 4)], { device });
    });
    test('embeddingBag max and mean', () => {
      const off = on(torch.tensor([0, 4], { dtype: 'int64' }));
      gradcheck(([w]) => F.embeddingBag(idx(), w, off, { mode: 'max' }), [randnT([5, 3], 5)], { device });
      gradcheck(([w]) => F.embeddingBag(idx(), w, off, { mode: 'mean', paddingIdx: 0 }), [randnT([5, 3], 6)], { device }); // padding entries are left out of the bag: a true derivative
    });
  });

  describe('nn.Embedding / nn.EmbeddingBag', () => {
    test('Embedding: N(0, 1) init with the padding row zeroed, repr, stateDict, forward and its gradient', () => {
      torch.manualSeed(3);
      const m = new torch.nn.Embedding(10, 4, { paddingIdx: -2, maxNorm: 2 }).to(device);
      expect(m.paddingIdx).toBe(8);
      expect(String(m)).toBe('Embedding(10, 4, padding_idx=8, max_norm=2.0)');
      expect(Object.keys(m.stateDict())).toEqual(['weight']);
      expect(toNumbers(m.weight.select(0, 8))).toEqual([0, 0, 0, 0]);
      const i = on(torch.tensor([[8, 1], [1, 9]], { dtype: 'int64' }));
      const y = m.forward(i);
      expect(y.shape).toEqual([2, 2, 4]);
      y.sum().backward();
      const g = toNumbers(m.weight.grad!);
      expect(g.slice(8 * 4, 9 * 4)).toEqual([0, 0, 0, 0]);
      expect(g.slice(4, 8)).toEqual([2, 2, 2, 2]);
      // every looked-up row now has norm <= maxNorm
      for (const r of [1, 9]) expect(Math.hypot(...toNumbers(m.weight.select(0, r)))).toBeLessThanOrEqual(2 + 1e-5);
      expect(String(new torch.nn.Embedding(3, 2, { normType: 1, scaleGradByFreq: true }))).toBe('Embedding(3, 2, norm_type=1.0, scale_grad_by_freq=True)');
    });
    test('Embedding.fromPretrained: shares the table, frozen by default, freeze: false trains', () => {
      const t = on(randnT([4, 3], 7));
      const frozen = torch.nn.Embedding.fromPretrained(t);
      expect(frozen.weight.requiresGrad).toBe(false);
      expect(frozen.parameters().length).toBe(1);
      expectClose(frozen.forward(on(torch.tensor([2], { dtype: 'int64' }))), t.narrow(0, 2, 1), { atol: 0 });
      const live = torch.nn.Embedding.fromPretrained(t, { freeze: false, paddingIdx: 0 });
      expect(live.weight.requiresGrad).toBe(true);
      expect(toNumbers(live.weight.select(0, 0))).toEqual(toNumbers(t.select(0, 0))); // not zeroed
      live.forward(on(torch.tensor([0, 3], { dtype: 'int64' }))).sum().backward();
      expect(toNumbers(live.weight.grad!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    });
    test('EmbeddingBag: forward(input, offsets, perSampleWeights), repr, fromPretrained', () => {
      const m = new torch.nn.EmbeddingBag(6, 2, { mode: 'sum', paddingIdx: 5 }).to(device);
      expect(String(m)).toBe('EmbeddingBag(6, 2, mode=sum, padding_idx=5)');
      expect(toNumbers(m.weight.select(0, 5))).toEqual([0, 0]);
      const input = on(torch.tensor([0, 1, 5, 2], { dtype: 'int64' }));
      const offsets = on(torch.tensor([0, 1], { dtype: 'int64' }));
      const psw = on(torch.tensor([2, 1, 7, 3], { dtype: 'float32' }));
      const y = m.forward(input, offsets, psw);
      const w = m.weight;
      const want = torch.stack([w.select(0, 0).mul(2), w.select(0, 1).add(w.select(0, 2).mul(3))]);
      expectClose(y, want, { atol: 1e-6 });
      const p = torch.nn.EmbeddingBag.fromPretrained(on(randnT([3, 2], 8)), { mode: 'max' });
      expect(p.weight.requiresGrad).toBe(false);
      expect(String(p)).toBe('EmbeddingBag(3, 2, mode=max)');
      expect(p.forward(on(torch.tensor([[0, 2]], { dtype: 'int64' }))).shape).toEqual([1, 2]);
    });
  });

  describe('argument errors name the argument', () => {
    const w = () => torch.zeros([5, 3], { device });
    const i64 = (v: number[]) => torch.tensor(v, { dtype: 'int64', device });
    const rows: [string, () => unknown, RegExp][] = [
      ['float indices', () => F.embedding(torch.zeros([2], { device }), w()), /for input\b/],
      ['index out of range', () => F.embedding(i64([0, 5]), w()), /for input\b/],
      ['negative index', () => F.embedding(i64([-1]), w()), /for input\b/],
      ['1-D weight', () => F.embedding(i64([0]), torch.zeros([5], { device })), /for weight\b/],
      ['paddingIdx out of range', () => F.embedding(i64([0]), w(), { paddingIdx: 5 }), /for paddingIdx\b/],
      ['paddingIdx not an integer', () => F.embedding(i64([0]), w(), { paddingIdx: 1.5 }), /for paddingIdx\b/],
      ['maxNorm negative', () => F.embedding(i64([0]), w(), { maxNorm: -1 }), /for maxNorm\b/],
      ['unknown option (snake_case hint)', () => F.embedding(i64([0]), w(), { padding_idx: 0 } as never), /'paddingIdx'/],
      ['sparse gradients', () => F.embedding(i64([0]), w(), { sparse: true }), /not implemented/],
      ['extra positional argument', () => (F.embedding as (...a: unknown[]) => Tensor)(i64([0]), w(), {}, 1), /for embedding\(\)/],
      ['bag: 1-D input without offsets', () => F.embeddingBag(i64([0, 1]), w()), /for offsets\b/],
      ['bag: 2-D input with offsets', () => F.embeddingBag(i64([0, 1]).view([1, 2]), w(), i64([0])), /for offsets\b/],
      ['bag: first offset not 0', () => F.embeddingBag(i64([0, 1]), w(), i64([1])), /for offsets\b/],
      ['bag: offset past the end', () => F.embeddingBag(i64([0, 1]), w(), i64([0, 3])), /for offsets\b/],
      ['bag: unknown mode', () => F.embeddingBag(i64([0, 1]), w(), i64([0]), { mode: 'min' as never }), /for mode\b/],
      ['bag: perSampleWeights with mean', () => F.embeddingBag(i64([0, 1]), w(), i64([0]), { perSampleWeights: torch.ones([2], { device }) }), /for perSampleWeights\b/],
      ['bag: perSampleWeights of wrong shape', () => F.embeddingBag(i64([0, 1]), w(), i64([0]), { mode: 'sum', perSampleWeights: torch.ones([3], { device }) }), /for perSampleWeights\b/],
      ['bag: 3-D input', () => F.embeddingBag(i64([0, 1]).view([1, 1, 2]), w()), /for input\b/],
      ['bag: extra positional argument', () => (F.embeddingBag as (...a: unknown[]) => Tensor)(i64([0, 1]), w(), i64([0]), {}, 1), /for embeddingBag\(\)/],
      ['nn.Embedding unknown option', () => new torch.nn.Embedding(3, 2, { padding: 0 } as never), /for opts\.padding\b/],
      ['nn.Embedding paddingIdx out of range', () => new torch.nn.Embedding(3, 2, { paddingIdx: -4 }), /for paddingIdx\b/],
      ['nn.EmbeddingBag mode', () => new torch.nn.EmbeddingBag(3, 2, { mode: 'prod' as never }), /for mode\b/],
      ['fromPretrained 1-D', () => torch.nn.Embedding.fromPretrained(torch.zeros([3])), /for embeddings\b/],
      ['fromPretrained freeze not boolean', () => torch.nn.Embedding.fromPretrained(torch.zeros([3, 2]), { freeze: 1 as never }), /for freeze\b/],
    ];
    test.each(rows)('%s', (_name, fn, re) => {
      expect(fn).toThrow(re);
    });
  });

  vsCpu('agrees with the CPU (embedding with maxNorm, bags in every mode, gradients)', () => {
    test.each(['float32', 'float64'] as const)('%s', (dtype) => {
      const run = (dev: string) => {
        const w = randnT([9, 5], 31).to(dtype).to(dev).requiresGrad_();
        const idx = torch.tensor([3, 1, 8, 3, 0, 2, 7, 7, 4], { dtype: 'int64' }).to(dev);
        const off = torch.tensor([0, 2, 2, 6], { dtype: 'int64' }).to(dev);
        const psw = randnT([9], 32).to(dtype).to(dev).requiresGrad_();
        const ys = [
          F.embedding(idx.view([3, 3]), w, { paddingIdx: 7, maxNorm: 1.5 }),
          F.embeddingBag(idx, w, off, { mode: 'sum', perSampleWeights: psw }),
          F.embeddingBag(idx, w, off, { mode: 'mean', paddingIdx: 3 }),
          F.embeddingBag(idx, w, off, { mode: 'max' }),
        ];
        ys.forEach((y, k) => y.backward(randnT(y.shape, 40 + k).to(dtype).to(dev)));
        return [...ys, w.grad!, psw.grad!, w.detach()];
      };
      const [dev, cpu] = [run(device), run('cpu')];
      dev.forEach((t, i) => expectCloseToCpu('embedding', t, cpu[i], dtype, `embedding ${dtype} #${i}`, 9));
    });
  });
});
