// test/nn/rnn_more.test.ts — nn.RNN and nn.RNNCell (tanh and relu) against PyTorch 1.13
// (test/fixtures/rnn_more.json, from gen_rnn_more_fixtures.py): PyTorch's state dicts loaded with
// their own keys; outputs, final states and the gradients of the input, the initial state and every
// parameter (multi-layer, bidirectional, batchFirst, no bias, unbatched, with and without an initial
// state, eval and train mode), in float64 and float32, on every device; PyTorch's reprs; float64
// gradchecks; the module against its cell run step by step; dropout between layers in training;
// defaults, parameter names, initialisation and argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, expectClose, expectArgError, fromFixture, tolFor, T, FixtureCase } from '../helpers';
import { describeDevices, TestDevice } from '../devices';
import { gradcheck } from '../gradcheck';
const { nn } = torch;

type Case = FixtureCase & { state: Record<string, T>; gradOutputs: Record<string, T>; repr: string };
const loose = <C>(c: C) => c as unknown as new (...a: unknown[]) => { forward: (...a: unknown[]) => unknown };

function build(c: Case, dtype: 'float32' | 'float64', device: TestDevice): torch.nn.RNN | torch.nn.RNNCell {
  const p = c.params as { inputSize: number; hiddenSize: number; train?: boolean; opts: Record<string, unknown> };
  const m = c.op === 'RNN' ? new nn.RNN(p.inputSize, p.hiddenSize, p.opts) : new nn.RNNCell(p.inputSize, p.hiddenSize, p.opts);
  if (dtype === 'float64') m.double();
  m.to(device);
  const state: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.state)) state[k] = fromFixture(t, dtype);
  m.loadStateDict(state, { strict: true });
  return m.train(!!p.train);
}

describeDevices('rnn_more', (device) => {
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(casesOf('rnn_more'))('%s: outputs, final state and every gradient', (_n, fc) => {
      const c = fc as Case;
      const m = build(c, dtype, device);
      const leaf = (k: string) => (c.inputs[k] ? fromFixture(c.inputs[k]!, dtype).to(device).requiresGrad_() : null);
      const x = leaf('input')!;
      const h0 = leaf('h0');
      const got: Record<string, Tensor> = {};
      if (c.op === 'RNN') {
        const [out, hN] = (m as torch.nn.RNN).forward(x, h0);
        Object.assign(got, { output: out, hN });
      } else got.h = (m as torch.nn.RNNCell).forward(x, h0);
      const tol = tolFor(dtype, 10);
      const expected: Record<string, T> = { ...(c.output ? { output: c.output } : {}), ...(c.outputs as Record<string, T>) };
      for (const [k, e] of Object.entries(expected)) expectClose(got[k], e, { ...tol, label: `${c.name} ${k}` });
      let loss: Tensor | null = null;
      for (const [k, g] of Object.entries(c.gradOutputs)) {
        const term = got[k].mul(fromFixture(g, dtype).to(device)).sum();
        loss = loss ? loss.add(term) : term;
      }
      loss!.backward();
      const params = new Map(Object.keys(m.stateDict()).map((k, i) => [k, m.parameters()[i]] as [string, Tensor]));
      const leaves: Record<string, Tensor | null> = { input: x, h0 };
      for (const [name, g] of Object.entries(c.grads!)) {
        const t = leaves[name] ?? params.get(name);
        expect([name, t !== undefined && t !== null]).toEqual([name, true]);
        expectClose(t!.grad!, g, { ...tol, label: `${c.name} grad ${name}` });
      }
      expect(String(m)).toBe(c.repr);
    });
  });

  test.each(['tanh', 'relu'] as const)('float64 gradchecks of a 2-layer bidirectional RNN and an RNNCell (%s)', (nonlinearity) => {
    torch.manualSeed(7);
    const m = new nn.RNN(2, 3, { numLayers: 2, bidirectional: true, nonlinearity }).double().to(device);
    const self = m as unknown as Record<string, torch.nn.Parameter>;
    const names = ['weightIhL1Reverse', 'weightHhL1Reverse', 'biasHhL1'] as const;
    const r = (shape: number[], s: number) => { torch.manualSeed(s); return torch.randn(shape, { dtype: 'float64' }); };
    const f = (xs: Tensor[]): Tensor => {
      const saved = names.map((n) => self[n]);
      names.forEach((n, i) => (self[n] = xs[2 + i] as torch.nn.Parameter));
      try {
        const [out, hN] = m.forward(xs[0], xs[1]);
        return torch.cat([out.flatten(), hN.flatten()]);
      } finally {
        names.forEach((n, i) => (self[n] = saved[i]));
      }
    };
    gradcheck(f, [r([3, 2, 2], 1), r([4, 2, 3], 2), ...names.map((n) => self[n].detach().cpu())], { device, atol: 1e-6, rtol: 1e-5 });
    const cell = new nn.RNNCell(3, 2, { nonlinearity }).double().to(device);
    gradcheck((xs) => cell.forward(xs[0], xs[1]), [r([2, 3], 4), r([2, 2], 5)], { device, atol: 1e-6, rtol: 1e-5 });
  });

  test('the module equals its cell run step by step (both directions, relu)', () => {
    torch.manualSeed(3);
    const m = new nn.RNN(3, 4, { bidirectional: true, nonlinearity: 'relu' }).double().to(device);
    const x = torch.randn([5, 2, 3], { dtype: 'float64' }).to(device);
    const h0 = torch.randn([2, 2, 4], { dtype: 'float64' }).to(device);
    const [out, hN] = m.forward(x, h0);
    for (const d of [0, 1]) {
      const sfx = d ? 'L0Reverse' : 'L0';
      const cell = new nn.RNNCell(3, 4, { nonlinearity: 'relu' }).double().to(device);
      const self = m as unknown as Record<string, Tensor>;
      cell.loadStateDict({ weight_ih: self[`weightIh${sfx}`], weight_hh: self[`weightHh${sfx}`], bias_ih: self[`biasIh${sfx}`], bias_hh: self[`biasHh${sfx}`] });
      let h = h0.select(0, d);
      for (let s = 0; s < 5; s++) {
        const t = d ? 4 - s : s;
        h = cell.forward(x.select(0, t), h);
        expectClose(out.select(0, t).narrow(1, 4 * d, 4), h, { atol: 1e-14, label: `dir ${d} step ${t}` });
      }
      expectClose(hN.select(0, d), h, { atol: 1e-14, label: `hN dir ${d}` });
    }
  });

  test('dropout between layers: active in training only', () => {
    torch.manualSeed(5);
    const m = new nn.RNN(4, 8, { numLayers: 2, dropout: 0.5 }).to(device);
    const x = torch.randn([5, 3, 4]).to(device);
    const [yTrain] = m.forward(x);
    const [yTrain2] = m.forward(x);
    m.eval();
    const [yEval] = m.forward(x);
    const [yEval2] = m.forward(x);
    expect(yTrain.shape).toEqual([5, 3, 8]);
    expect(yTrain.sub(yTrain2).abs().max().item()).toBeGreaterThan(1e-4);
    expect(yTrain.sub(yEval).abs().max().item()).toBeGreaterThan(1e-4);
    expect(yEval.sub(yEval2).abs().max().item()).toBe(0);
  });
});

test("defaults, parameter names, shapes, order and initialisation are PyTorch's", () => {
  torch.manualSeed(0);
  const m = new nn.RNN(3, 5, { numLayers: 2, bidirectional: true });
  expect([m.nonlinearity, m.numLayers, m.bias, m.batchFirst, m.dropout, m.bidirectional, m.mode]).toEqual(['tanh', 2, true, false, 0, true, 'RNN_TANH']);
  expect(new nn.RNN(3, 5, { nonlinearity: 'relu' }).mode).toBe('RNN_RELU');
  const keys = Object.keys(m.stateDict());
  expect(keys.slice(0, 8)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
    'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse']);
  expect(keys.length).toBe(16);
  expect(m.stateDict().weight_ih_l1.shape).toEqual([5, 10]);
  expect(m.stateDict().weight_hh_l1_reverse.shape).toEqual([5, 5]);
  const bound = 1 / Math.sqrt(5);
  for (const p of m.parameters()) {
    const v = p.abs().max().item();
    expect(v).toBeLessThanOrEqual(bound);
    expect(v).toBeGreaterThan(bound * 0.3);
  }
  expect(String(m)).toBe('RNN(3, 5, num_layers=2, bidirectional=True)');
  const c = new nn.RNNCell(3, 4);
  expect(c.nonlinearity).toBe('tanh');
  expect(Object.keys(c.stateDict())).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
  expect(c.weightIh.shape).toEqual([4, 3]);
  expect(Object.keys(new nn.RNNCell(3, 4, { bias: false }).stateDict())).toEqual(['weight_ih', 'weight_hh']);
  expect(String(c)).toBe('RNNCell(3, 4)');
  // unbatched equals a batch of one; no initial state equals zeros
  const x = torch.randn([4, 3]);
  const [y1, h1] = m.forward(x);
  const [yb, hb] = m.forward(x.unsqueeze(1), torch.zeros([4, 1, 5]));
  expectClose(y1, yb.squeeze(1), { atol: 1e-6 });
  expectClose(h1, hb.squeeze(1), { atol: 1e-6 });
});

test('argument errors', () => {
  expectArgError(() => new nn.RNN(0, 3), 'inputSize');
  expectArgError(() => new (loose(nn.RNN))(3, 3, { nonlinearity: 'gelu' }), 'opts.nonlinearity');
  expectArgError(() => new (loose(nn.RNN))(3, 3, { num_layers: 2 }), /'numLayers'/);
  expectArgError(() => new (loose(nn.RNN))(3, 3, { projSize: 2 }), 'opts.projSize');
  expectArgError(() => new (loose(nn.RNN))(3, 3, { dropout: -0.1 }), 'opts.dropout');
  expectArgError(() => new (loose(nn.RNN))(3, 3, { batchFirst: 1 }), 'opts.batchFirst');
  expectArgError(() => new (loose(nn.RNN))(3, 3, {}, 1), /RNN\(\)/);
  expectArgError(() => new (loose(nn.RNNCell))(3, 3, { nonlinearity: 'sigmoid' }), 'opts.nonlinearity');
  expectArgError(() => new (loose(nn.RNNCell))(3, 3, { bias: 1 }), 'opts.bias');
  expectArgError(() => new (loose(nn.RNNCell))(3, 3, { numLayers: 2 }), 'opts.numLayers');
  expectArgError(() => new (loose(nn.GRU))(3, 3, { nonlinearity: 'tanh' }), 'opts.nonlinearity');
  const m = new nn.RNN(3, 4, { numLayers: 2 });
  expectArgError(() => m.forward(torch.zeros([2, 1, 5])), 'input');
  expectArgError(() => m.forward(torch.zeros([2, 1, 3], { dtype: 'float64' })), 'input');
  expectArgError(() => m.forward(torch.zeros([2, 1, 3]), torch.zeros([1, 1, 4])), 'hx');
  expectArgError(() => (m.forward as (...a: unknown[]) => unknown)(torch.zeros([2, 1, 3]), null, 1), /forward\(\)/);
  const cell = new nn.RNNCell(3, 4);
  expectArgError(() => cell.forward(torch.zeros([2, 2, 3])), 'input');
  expectArgError(() => cell.forward(torch.zeros([2, 3]), torch.zeros([3, 4])), 'hx');
});
