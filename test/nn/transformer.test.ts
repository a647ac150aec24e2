// test/nn/transformer.test.ts — nn.MultiheadAttention({batchFirst}), nn.TransformerEncoderLayer and
// nn.TransformerEncoder against PyTorch 1.13 (test/fixtures/transformer.json, from
// gen_transformer_fixtures.py): PyTorch's state dicts loaded with their own keys, eval-mode outputs
// and the gradients of the input and every parameter, in float64 and float32, on every device;
// train mode (dropout on) by shape and statistics; defaults, the state-dict keys, and argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, expectClose, expectArgError, fromFixture, tolFor, T, FixtureCase } from '../helpers';
import { describeDevices, TestDevice } from '../devices';
const { nn } = torch;

type Case = FixtureCase & { state: Record<string, T> };
const loose = <C>(c: C) => c as unknown as new (...a: unknown[]) => unknown;

/** camelCase module options from the fixture's params. */
function layerOpts(p: Record<string, unknown>): torch.nn.TransformerEncoderLayerOptions {
  const o: Record<string, unknown> = {};
  for (const k of ['dimFeedforward', 'activation', 'layerNormEps', 'batchFirst', 'normFirst']) if (p[k] !== undefined) o[k] = p[k];
  return o;
}

function masksOf(c: FixtureCase, device: TestDevice, dtype: 'float32' | 'float64'): { mask?: Tensor; pad?: Tensor } {
  const p = c.params as Record<string, unknown>;
  const S = c.inputs.src ? (p.batchFirst ? c.inputs.src.shape[1] : c.inputs.src.shape[0]) : 0;
  const out: { mask?: Tensor; pad?: Tensor } = {};
  if (p.srcMask) out.mask = torch.tensor((p.srcMask as number[]).map(Boolean)).reshape([S, S]).to(device);
  if (p.srcMaskFloat) out.mask = fromFixture(p.srcMaskFloat as T, dtype).to(device);
  if (p.srcKeyPaddingMask) {
    const flat = (p.srcKeyPaddingMask as number[]).map(Boolean);
    out.pad = torch.tensor(flat).reshape([flat.length / S, S]).to(device);
  }
  return out;
}

function build(c: Case, dtype: 'float32' | 'float64', device: TestDevice): torch.nn.Module {
  const p = c.params as Record<string, number & boolean & string>;
  let m: torch.nn.Module;
  if (c.op === 'mhaBatchFirst') m = new nn.MultiheadAttention(p.embedDim, p.numHeads, { batchFirst: true });
  else if (c.op === 'encoderLayer') m = new nn.TransformerEncoderLayer(p.dModel, p.nhead, { ...layerOpts(p), dropout: 0.3 });
  else {
    const layer = new nn.TransformerEncoderLayer(p.dModel, p.nhead, { ...layerOpts(p), dropout: 0.3 });
    m = new nn.TransformerEncoder(layer, p.numLayers, { norm: p.norm ? new nn.LayerNorm(p.dModel) : null });
  }
  if (dtype === 'float64') m.double();
  m.to(device);
  const state: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.state)) state[k] = fromFixture(t, dtype);
  m.loadStateDict(state, { strict: true }); // PyTorch's own keys
  return m.eval();
}

describeDevices('transformer', (device) => {
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(casesOf('transformer'))('%s: output and every gradient (eval mode)', (_n, fc) => {
      const c = fc as Case;
      const m = build(c, dtype, device);
      const tol = tolFor(dtype, 20);
      let y: Tensor;
      const leaves: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(c.inputs)) leaves[k] = fromFixture(t!, dtype).to(device).requiresGrad_();
      if (c.op === 'mhaBatchFirst') {
        const [out, w] = (m as torch.nn.MultiheadAttention).forward(leaves.query, leaves.key, leaves.value);
        expectClose(w!, c.outputs!.weights as T, { ...tol, label: `${c.name} weights` });
        y = out;
      } else {
        const { mask, pad } = masksOf(c, device, dtype);
        y = c.op === 'encoderLayer'
          ? (m as torch.nn.TransformerEncoderLayer).forward(leaves.src, { srcMask: mask, srcKeyPaddingMask: pad })
          : (m as torch.nn.TransformerEncoder).forward(leaves.src, { mask, srcKeyPaddingMask: pad });
      }
      expectClose(y, c.output!, { ...tol, label: `${c.name} output` });
      y.backward(fromFixture(c.gradOutput!, dtype).to(device));
      // parameters by PyTorch's state-dict key: stateDict() views share the parameters' storage, so map keys to parameters by order
      const params = new Map<string, Tensor>();
      const keys = Object.keys(m.stateDict());
      m.parameters().forEach((p, i) => params.set(keys[i], p));
      for (const [name, g] of Object.entries(c.grads!)) {
        const t = leaves[name] ?? params.get(name);
        expect(t).toBeDefined();
        expectClose(t!.grad!, g, { ...tol, label: `${c.name} grad ${name}` });
      }
    });
  });

  test('train mode: dropout is active (shape, statistics, differs from eval), gradients flow', () => {
    torch.manualSeed(3);
    const layer = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0.5 }).to(device);
    const enc = new nn.TransformerEncoder(layer, 2); // the copies are made on the layer's device
    for (const p of enc.parameters()) expect(p.device).toBe(layer.linear1.weight.device);
    const x = torch.randn([6, 3, 16]).to(device).requiresGrad_();
    const yTrain = enc.forward(x);
    expect(yTrain.shape).toEqual([6, 3, 16]);
    // post-norm: every position is LayerNorm'd (mean 0, variance 1 over dModel) in train mode too
    const mean = yTrain.mean(-1).abs().max().item();
    const v = yTrain.var(-1, { correction: 0 });
    expect(mean).toBeLessThan(1e-5);
    expect(Math.abs(v.mean().item() - 1)).toBeLessThan(1e-3);
    const yEval = torch.noGrad(() => enc.eval().forward(x));
    expect(yTrain.sub(yEval).abs().max().item()).toBeGreaterThan(1e-3);
    const yEval2 = torch.noGrad(() => enc.forward(x));
    expect(yEval.sub(yEval2).abs().max().item()).toBe(0); // eval is deterministic
    yTrain.sum().backward();
    expect(x.grad!.shape).toEqual([6, 3, 16]);
    for (const [n, p] of enc.namedParameters()) expect([n, p.grad !== null]).toEqual([n, true]);
  });
});

test('defaults are PyTorch 1.13\'s; state-dict keys are PyTorch\'s; clones start equal and are independent', () => {
  const l = new nn.TransformerEncoderLayer(8, 2);
  expect([l.dimFeedforward, l.dropoutP, l.activation, l.layerNormEps, l.batchFirst, l.normFirst]).toEqual([2048, 0.1, 'relu', 1e-5, false, false]);
  expect(l.linear1.weight.shape).toEqual([2048, 8]);
  expect(l.dropout.p).toBe(0.1);
  expect(l.selfAttn.dropoutP).toBe(0.1);
  expect(Object.keys(l.stateDict())).toEqual(['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
    'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias']);
  const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6 }), 2, { norm: new nn.LayerNorm(4) });
  const keys = Object.keys(enc.stateDict());
  expect(keys.length).toBe(26);
  expect(keys[0]).toBe('layers.0.self_attn.in_proj_weight');
  expect(keys[12]).toBe('layers.1.self_attn.in_proj_weight');
  expect(keys.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
  const [l0, l1] = [enc.layers[0], enc.layers[1]] as torch.nn.TransformerEncoderLayer[];
  expect(l0.linear1.weight.tolist()).toEqual(l1.linear1.weight.tolist());
  expect(l0.linear1.weight).not.toBe(l1.linear1.weight);
  torch.noGrad(() => l0.linear1.weight.mul_(2));
  expect(l0.linear1.weight.tolist()).not.toEqual(l1.linear1.weight.tolist());
  expect(new nn.MultiheadAttention(4, 2).batchFirst).toBe(false);
});

test('a custom activation function and an unbatched encoder input', () => {
  torch.manualSeed(1);
  let calls = 0;
  const l = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, activation: (x) => (calls++, torch.tanh(x)) }).eval();
  const x = torch.randn([3, 4]);
  const y = l.forward(x);
  expect(y.shape).toEqual([3, 4]);
  expect(calls).toBe(1);
  // unbatched equals a batch of one
  const y1 = l.forward(x.unsqueeze(1)).squeeze(1);
  expectClose(y, y1, { atol: 1e-6 });
});

test('argument errors', () => {
  expectArgError(() => new nn.TransformerEncoderLayer(6, 4), 'nhead');
  expectArgError(() => new (loose(nn.TransformerEncoderLayer))(4, 2, { dim_feedforward: 8 }), /'dimFeedforward'/);
  expectArgError(() => new (loose(nn.TransformerEncoderLayer))(4, 2, { activation: 'swish' }), 'opts.activation');
  expectArgError(() => new (loose(nn.TransformerEncoderLayer))(4, 2, { dropout: 1.5 }), 'opts.dropout');
  expectArgError(() => new (loose(nn.TransformerEncoderLayer))(4, 2, { batchFirst: 1 }), 'opts.batchFirst');
  expectArgError(() => new (loose(nn.TransformerEncoderLayer))(4, 2, {}, 8), /TransformerEncoderLayer\(\)/);
  expectArgError(() => new (loose(nn.TransformerEncoder))(new nn.Linear(2, 2), 2), 'encoderLayer');
  expectArgError(() => new (loose(nn.TransformerEncoder))(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }), 0), 'numLayers');
  expectArgError(() => new (loose(nn.TransformerEncoder))(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }), 1, { enable_nested_tensor: false }), 'opts.enable_nested_tensor');
  expectArgError(() => new (loose(nn.MultiheadAttention))(4, 2, { batch_first: true }), /'batchFirst'/);
  expectArgError(() => new (loose(nn.MultiheadAttention))(4, 2, { kdim: 3 }), 'opts.kdim');
  const l = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 4 });
  const x = torch.zeros([3, 2, 4]);
  expectArgError(() => l.forward(torch.zeros([3, 2, 5])), 'src');
  expectArgError(() => (l.forward as (...a: unknown[]) => unknown)(x, { src_mask: null }), /'srcMask'/);
  expectArgError(() => (l.forward as (...a: unknown[]) => unknown)(x, {}, x), /forward\(\)/);
  expectArgError(() => l.forward(x, { srcMask: torch.zeros([2, 2], { dtype: 'bool' }) }), 'attnMask');
  expectArgError(() => l.forward(x, { srcKeyPaddingMask: torch.zeros([3, 3], { dtype: 'bool' }) }), 'keyPaddingMask');
  const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true });
  expectArgError(() => mha.forward(torch.zeros([2, 3, 4]), torch.zeros([3, 3, 4]), torch.zeros([3, 3, 4])), 'key');
  expectArgError(() => (mha.forward as (...a: unknown[]) => unknown)(x, x, x, { need_weights: false }), /'needWeights'/);
});
