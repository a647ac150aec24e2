// test/nn/transformer_decoder.test.ts — nn.TransformerDecoderLayer, nn.TransformerDecoder and
// nn.Transformer against PyTorch 1.13 (test/fixtures/transformer_decoder.json, from
// gen_transformer_decoder_fixtures.py): PyTorch's state dicts loaded with their own keys; outputs and
// the gradients of the inputs and every parameter, with bool, float and causal masks, padding masks,
// batchFirst, normFirst, gelu, unbatched inputs, eval and train mode (dropout 0), in float64 and
// float32, on every device; PyTorch's reprs; nn.Transformer.generateSquareSubsequentMask; train mode
// with dropout by statistics; a float64 gradcheck; defaults, state-dict keys, clones and argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, loadFixture, expectClose, expectArgError, fromFixture, tolFor, T, FixtureCase } from '../helpers';
import { describeDevices, TestDevice } from '../devices';
import { gradcheck } from '../gradcheck';
const { nn } = torch;

type MaskJson = { kind: 'causal'; size: number } | { kind: 'bool'; shape: number[]; data: number[] } | { kind: 'float'; tensor: T };
type Case = FixtureCase & { state: Record<string, T>; repr: string };
const loose = <C>(c: C) => c as unknown as new (...a: unknown[]) => { forward: (...a: unknown[]) => unknown };
const MASK_NAMES: Record<string, string> = {
  src_mask: 'srcMask', tgt_mask: 'tgtMask', memory_mask: 'memoryMask', src_key_padding_mask: 'srcKeyPaddingMask',
  tgt_key_padding_mask: 'tgtKeyPaddingMask', memory_key_padding_mask: 'memoryKeyPaddingMask',
};

/**
 * PyTorch's repr as torchlet prints it: children under their attribute names (selfAttn, not
 * self_attn; the state-dict keys are PyTorch's), MultiheadAttention's out_proj a plain Linear, and
 * Dropout(p=0) for PyTorch's p=0.0.
 */
function asTorchletRepr(r: string): string {
  return r.replace(/\((self_attn|multihead_attn|out_proj)\)/g, (_m, n: string) => `(${n.replace(/_([a-z])/g, (_x, ch: string) => ch.toUpperCase())})`)
    .replace(/NonDynamicallyQuantizableLinear/g, 'Linear')
    .replace(/Dropout\(p=0\.0,/g, 'Dropout(p=0,'); // nn.Dropout prints a JavaScript number
}

function maskOf(m: MaskJson, dtype: 'float32' | 'float64', device: TestDevice): Tensor {
  if (m.kind === 'causal') return nn.Transformer.generateSquareSubsequentMask(m.size, { dtype, device });
  if (m.kind === 'bool') return torch.tensor(m.data.map(Boolean)).reshape(m.shape).to(device);
  return fromFixture(m.tensor, dtype).to(device);
}

function build(c: Case, dtype: 'float32' | 'float64', device: TestDevice): torch.nn.Module {
  const p = c.params as Record<string, number & boolean & string>;
  const o: Record<string, unknown> = {};
  for (const k of ['dimFeedforward', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'dropout']) if (p[k] !== undefined) o[k] = p[k];
  let m: torch.nn.Module;
  if (c.op === 'decoderLayer') m = new nn.TransformerDecoderLayer(p.dModel, p.nhead, o);
  else if (c.op === 'decoder')
    m = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(p.dModel, p.nhead, o), p.numLayers, { norm: p.norm ? new nn.LayerNorm(p.dModel) : null });
  else m = new nn.Transformer({ ...o, dModel: p.dModel, nhead: p.nhead, numEncoderLayers: p.numEncoderLayers, numDecoderLayers: p.numDecoderLayers });
  if (dtype === 'float64') m.double();
  m.to(device);
  const state: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.state)) state[k] = fromFixture(t, dtype);
  m.loadStateDict(state, { strict: true }); // PyTorch's own keys
  return m.train(!!p.train);
}

describeDevices('transformer_decoder', (device) => {
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(casesOf('transformer_decoder'))('%s: output and every gradient', (_n, fc) => {
      const c = fc as Case;
      const m = build(c, dtype, device);
      const leaves: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(c.inputs)) leaves[k] = fromFixture(t!, dtype).to(device).requiresGrad_();
      const masks: Record<string, Tensor> = {};
      for (const [k, mj] of Object.entries((c.params as { masks: Record<string, MaskJson> }).masks)) masks[MASK_NAMES[k]] = maskOf(mj, dtype, device);
      let y: Tensor;
      if (c.op === 'decoderLayer') y = (m as torch.nn.TransformerDecoderLayer).forward(leaves.tgt, leaves.memory, masks);
      else if (c.op === 'decoder') y = (m as torch.nn.TransformerDecoder).forward(leaves.tgt, leaves.memory, masks);
      else y = (m as torch.nn.Transformer).forward(leaves.src, leaves.tgt, masks);
      const tol = tolFor(dtype, 30);
      expectClose(y, c.output!, { ...tol, label: `${c.name} output` });
      y.backward(fromFixture(c.gradOutput!, dtype).to(device));
      const keys = Object.keys(m.stateDict());
      const params = new Map(m.parameters().map((p, i) => [keys[i], p] as [string, Tensor]));
      expect(Object.keys(c.grads!).filter((k) => !leaves[k])).toEqual(keys); // every parameter is checked
      for (const [name, g] of Object.entries(c.grads!)) {
        const t = leaves[name] ?? params.get(name);
        expect([name, t !== undefined]).toEqual([name, true]);
        expectClose(t!.grad!, g, { ...tol, label: `${c.name} grad ${name}` });
      }
      expect(String(m)).toBe(asTorchletRepr(c.repr));
    });
  });

  test('generateSquareSubsequentMask is PyTorch\'s (-inf above the diagonal, 0 elsewhere), on the device asked for', () => {
    const ref = (loadFixture('transformer_decoder') as unknown as { squareSubsequentMasks: Record<string, number[]> }).squareSubsequentMasks;
    for (const [n, flags] of Object.entries(ref)) {
      const m = nn.Transformer.generateSquareSubsequentMask(Number(n), { device });
      expect([m.shape, m.dtype, m.device.startsWith(device)]).toEqual([[Number(n), Number(n)], 'float32', true]);
      expect(Array.from(m.toArray() as Float32Array)).toEqual(flags.map((f) => (f ? -Infinity : 0)));
    }
    expect(nn.Transformer.generateSquareSubsequentMask(3, { dtype: 'float64' }).dtype).toBe('float64');
    expect(nn.Transformer.generateSquareSubsequentMask(0).shape).toEqual([0, 0]);
  });

  test('train mode: dropout is active (differs from eval, fresh per call), eval deterministic, gradients flow', () => {
    torch.manualSeed(3);
    const m = new nn.Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 32, dropout: 0.5 }).to(device);
    const src = torch.randn([6, 3, 16]).to(device);
    const tgt = torch.randn([5, 3, 16]).to(device).requiresGrad_();
    const mask = nn.Transformer.generateSquareSubsequentMask(5, { device });
    const y1 = m.forward(src, tgt, { tgtMask: mask });
    const y2 = m.forward(src, tgt, { tgtMask: mask });
    expect(y1.shape).toEqual([5, 3, 16]);
    expect(y1.sub(y2).abs().max().item()).toBeGreaterThan(1e-3);
    // the decoder's final LayerNorm: every position has mean 0 and variance 1 over dModel (before its affine, which is 1/0 here)
    expect(y1.mean(-1).abs().max().item()).toBeLessThan(1e-5);
    expect(Math.abs(y1.var(-1, { correction: 0 }).mean().item() - 1)).toBeLessThan(1e-3);
    const e1 = torch.noGrad(() => m.eval().forward(src, tgt, { tgtMask: mask }));
    const e2 = torch.noGrad(() => m.forward(src, tgt, { tgtMask: mask }));
    expect(e1.sub(e2).abs().max().item()).toBe(0);
    expect(y1.sub(e1).abs().max().item()).toBeGreaterThan(1e-3);
    y1.sum().backward();
    expect(tgt.grad!.shape).toEqual([5, 3, 16]);
    for (const [n, p] of m.namedParameters()) expect([n, p.grad !== null]).toEqual([n, true]);
  });

  test('a causal tgtMask makes each output position independent of later tgt positions', () => {
    torch.manualSeed(4);
    const l = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 8 }).eval().to(device);
    const mem = torch.randn([3, 2, 8]).to(device);
    const tgt = torch.randn([4, 2, 8]).to(device);
    const mask = nn.Transformer.generateSquareSubsequentMask(4, { device });
    const y = l.forward(tgt, mem, { tgtMask: mask });
    const tgt2 = torch.cat([tgt.narrow(0, 0, 2), torch.randn([2, 2, 8]).to(device)], 0);
    const y2 = l.forward(tgt2, mem, { tgtMask: mask });
    expectClose(y.narrow(0, 0, 2), y2.narrow(0, 0, 2), { atol: 1e-6 });
    expect(y.narrow(0, 2, 2).sub(y2.narrow(0, 2, 2)).abs().max().item()).toBeGreaterThan(1e-3);
  });

  test('float64 gradcheck of a decoder layer (tgt and memory, with masks)', () => {
    torch.manualSeed(9);
    const l = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, normFirst: true }).double().eval().to(device);
    const mask = nn.Transformer.generateSquareSubsequentMask(3, { dtype: 'float64', device });
    const pad = torch.tensor([[false, false, true], [false, false, false]]).to(device);
    const r = (shape: number[], s: number) => { torch.manualSeed(s); return torch.randn(shape, { dtype: 'float64' }); };
    gradcheck((xs) => l.forward(xs[0], xs[1], { tgtMask: mask, memoryKeyPaddingMask: pad }), [r([3, 2, 4], 1), r([3, 2, 4], 2)], { device, atol: 1e-6, rtol: 1e-5 });
  });
});

test("defaults are PyTorch 1.13's; state-dict keys and reprs are PyTorch's; clones start equal and are independent", () => {
  const l = new nn.TransformerDecoderLayer(8, 2);
  expect([l.dimFeedforward, l.dropoutP, l.activation, l.layerNormEps, l.batchFirst, l.normFirst]).toEqual([2048, 0.1, 'relu', 1e-5, false, false]);
  expect([l.dropout.p, l.dropout3.p, l.multiheadAttn.dropoutP]).toEqual([0.1, 0.1, 0.1]);
  expect(Object.keys(l.stateDict())).toEqual(['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
    'multihead_attn.in_proj_weight', 'multihead_attn.in_proj_bias', 'multihead_attn.out_proj.weight', 'multihead_attn.out_proj.bias',
    'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias', 'norm3.weight', 'norm3.bias']);
  const defaultRepr = (loadFixture('transformer_decoder') as unknown as { defaultRepr: string }).defaultRepr;
  expect(String(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }))).toBe(asTorchletRepr(defaultRepr));
  const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6 }), 2);
  const keys = Object.keys(dec.stateDict());
  expect([keys.length, keys[0], keys[18]]).toEqual([36, 'layers.0.self_attn.in_proj_weight', 'layers.1.self_attn.in_proj_weight']);
  expect(dec.norm).toBe(null);
  const [l0, l1] = [dec.layers[0], dec.layers[1]] as torch.nn.TransformerDecoderLayer[];
  expect(l0.linear1.weight.tolist()).toEqual(l1.linear1.weight.tolist());
  torch.noGrad(() => l0.linear1.weight.mul_(2));
  expect(l0.linear1.weight.tolist()).not.toEqual(l1.linear1.weight.tolist());
  // nn.Transformer: encoder and decoder with final norms; every matrix Xavier-uniform
  torch.manualSeed(0);
  const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 3, dimFeedforward: 16 });
  expect([t.dModel, t.nhead, t.batchFirst]).toEqual([8, 2, false]);
  const tk = Object.keys(t.stateDict());
  expect(tk.length).toBe(2 * 12 + 2 + 3 * 18 + 2);
  expect([tk[0], tk[24], tk[26], tk[tk.length - 1]]).toEqual(['encoder.layers.0.self_attn.in_proj_weight', 'encoder.norm.weight',
    'decoder.layers.0.self_attn.in_proj_weight', 'decoder.norm.bias']);
  const w = t.stateDict()['decoder.layers.2.linear1.weight'];
  const bound = Math.sqrt(6 / (8 + 16));
  expect(w.abs().max().item()).toBeLessThanOrEqual(bound);
  expect(w.abs().max().item()).toBeGreaterThan(bound * 0.7);
  expect(t.stateDict()['encoder.layers.0.linear1.bias'].abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(8)); // 1-D: Linear's own init
  // custom encoder / decoder
  const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 8 }), 1);
  const t2 = new nn.Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 1, dimFeedforward: 8, customEncoder: enc }).eval();
  expect(t2.encoder).toBe(enc);
  const src = torch.randn([3, 2, 8]);
  const tgt = torch.randn([2, 2, 8]);
  expectClose(t2.forward(src, tgt), (t2.decoder as torch.nn.TransformerDecoder).forward(tgt, enc.forward(src)), { atol: 1e-6 });
});

test('argument errors', () => {
  expectArgError(() => new nn.TransformerDecoderLayer(6, 4), 'nhead');
  expectArgError(() => new (loose(nn.TransformerDecoderLayer))(4, 2, { dim_feedforward: 8 }), /'dimFeedforward'/);
  expectArgError(() => new (loose(nn.TransformerDecoderLayer))(4, 2, { activation: 'swish' }), 'opts.activation');
  expectArgError(() => new (loose(nn.TransformerDecoderLayer))(4, 2, { dropout: 1.5 }), 'opts.dropout');
  expectArgError(() => new (loose(nn.TransformerDecoderLayer))(4, 2, { normFirst: 1 }), 'opts.normFirst');
  expectArgError(() => new (loose(nn.TransformerDecoderLayer))(4, 2, {}, 8), /TransformerDecoderLayer\(\)/);
  expectArgError(() => new (loose(nn.TransformerDecoder))(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }), 2), 'decoderLayer');
  expectArgError(() => new (loose(nn.TransformerDecoder))(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 4 }), 0), 'numLayers');
  expectArgError(() => new (loose(nn.TransformerDecoder))(new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 4 }), 1, { norm: 3 }), 'opts.norm');
  expectArgError(() => new (loose(nn.Transformer))({ dModel: 6, nhead: 4 }), 'opts.nhead');
  expectArgError(() => new (loose(nn.Transformer))({ d_model: 8 }), /'dModel'/);
  expectArgError(() => new (loose(nn.Transformer))({ dModel: 4, nhead: 2, numEncoderLayers: 0 }), 'opts.numEncoderLayers');
  expectArgError(() => new (loose(nn.Transformer))({ dModel: 4, nhead: 2, customDecoder: {} }), 'opts.customDecoder');
  expectArgError(() => new (loose(nn.Transformer))(512), 'opts');
  expectArgError(() => new (loose(nn.Transformer))({}, 8), /Transformer\(\)/);
  expectArgError(() => (nn.Transformer.generateSquareSubsequentMask as (...a: unknown[]) => unknown)(-1), 'sz');
  expectArgError(() => (nn.Transformer.generateSquareSubsequentMask as (...a: unknown[]) => unknown)(3, { dtype: 'int64' }), 'opts.dtype');
  const l = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 4 });
  const x = torch.zeros([3, 2, 4]);
  expectArgError(() => l.forward(torch.zeros([3, 2, 5]), x), 'tgt');
  expectArgError(() => l.forward(x, torch.zeros([3, 3, 4])), 'memory');
  expectArgError(() => l.forward(x, torch.zeros([3, 4])), 'memory');
  expectArgError(() => (l.forward as (...a: unknown[]) => unknown)(x, x, { tgt_mask: null }), /'tgtMask'/);
  expectArgError(() => (l.forward as (...a: unknown[]) => unknown)(x, x, {}, x), /forward\(\)/);
  expectArgError(() => l.forward(x, x, { tgtMask: torch.zeros([2, 2], { dtype: 'bool' }) }), 'attnMask');
  expectArgError(() => l.forward(x, torch.zeros([5, 2, 4]), { memoryKeyPaddingMask: torch.zeros([2, 3], { dtype: 'bool' }) }), 'keyPaddingMask');
  const t = new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4 });
  expectArgError(() => t.forward(x, torch.zeros([3, 3, 4])), 'tgt');
  expectArgError(() => t.forward(x, torch.zeros([3, 4])), 'tgt');
  expectArgError(() => t.forward(torch.zeros([3, 2, 5]), x), 'src');
  expectArgError(() => (t.forward as (...a: unknown[]) => unknown)(x, x, { mask: null }), "opts.mask");
});
