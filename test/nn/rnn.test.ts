// test/nn/rnn.test.ts — nn.LSTM, nn.GRU, nn.LSTMCell and nn.GRUCell against PyTorch 1.13
// (test/fixtures/rnn.json, from gen_rnn_fixtures.py): PyTorch's state dicts loaded with their own
// keys; outputs, final states and the gradients of the input, the initial states and every
// parameter (multi-layer, bidirectional, batchFirst, no bias, unbatched, with and without initial
// states), in float64 and float32, on every device; float64 gradchecks of a tiny LSTM and GRU;
// dropout between layers in training; defaults, parameter names and argument errors.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { casesOf, expectClose, expectArgError, fromFixture, tolFor, T, FixtureCase } from '../helpers';
import { describeDevices, TestDevice } from '../devices';
import { gradcheck } from '../gradcheck';
const { nn } = torch;

type Case = FixtureCase & { state: Record<string, T>; gradOutputs: Record<string, T> };
const loose = <C>(c: C) => c as unknown as new (...a: unknown[]) => { forward: (...a: unknown[]) => unknown };

type AnyRnn = torch.nn.LSTM | torch.nn.GRU | torch.nn.LSTMCell | torch.nn.GRUCell;
function build(c: Case, dtype: 'float32' | 'float64', device: TestDevice): AnyRnn {
  const p = c.params as { inputSize: number; hiddenSize: number; opts: Record<string, unknown> };
  const C = { LSTM: nn.LSTM, GRU: nn.GRU, LSTMCell: nn.LSTMCell, GRUCell: nn.GRUCell }[c.op as 'LSTM']!;
  const m = new C(p.inputSize, p.hiddenSize, p.opts) as AnyRnn;
  if (dtype === 'float64') m.double();
  m.to(device);
  const state: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.state)) state[k] = fromFixture(t, dtype);
  m.loadStateDict(state, { strict: true });
  return m.eval();
}

describeDevices('rnn', (device) => {
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    test.each(casesOf('rnn'))('%s: outputs, final states and every gradient', (_n, fc) => {
      const c = fc as Case;
      const m = build(c, dtype, device);
      const leaf = (k: string) => (c.inputs[k] ? fromFixture(c.inputs[k]!, dtype).to(device).requiresGrad_() : null);
      const x = leaf('input')!;
      const h0 = leaf('h0');
      const c0 = leaf('c0');
      const got: Record<string, Tensor> = {};
      if (c.op === 'LSTM') {
        const [out, [hN, cN]] = (m as torch.nn.LSTM).forward(x, h0 ? [h0, c0!] : null);
        Object.assign(got, { output: out, hN, cN });
      } else if (c.op === 'GRU') {
        const [out, hN] = (m as torch.nn.GRU).forward(x, h0);
        Object.assign(got, { output: out, hN });
      } else if (c.op === 'LSTMCell') {
        const [h, cc] = (m as torch.nn.LSTMCell).forward(x, h0 ? [h0, c0!] : null);
        Object.assign(got, { h, c: cc });
      } else got.h = (m as torch.nn.GRUCell).forward(x, h0);
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
      const leaves: Record<string, Tensor | null> = { input: x, h0, c0 };
      for (const [name, g] of Object.entries(c.grads!)) {
        const t = leaves[name] ?? params.get(name);
        expect([name, t !== undefined && t !== null]).toEqual([name, true]);
        expectClose(t!.grad!, g, { ...tol, label: `${c.name} grad ${name}` });
      }
    });
  });

  test('float64 gradchecks of a tiny 2-layer LSTM and GRU (input, states, the second layer\'s weights)', () => {
    for (const Mode of [nn.LSTM, nn.GRU]) {
      torch.manualSeed(7);
      const m = new Mode(2, 2, { numLayers: 2 }).double();
      const [wIh, wHh, bIh, bHh] = m.allWeights[1]; // layer 1
      const names = ['weightIhL1', 'weightHhL1', 'biasIhL1', 'biasHhL1'] as const;
      const self = m as unknown as Record<string, torch.nn.Parameter>;
      const lstm = m instanceof nn.LSTM;
      const f = (xs: Tensor[]): Tensor => {
        const [x, h0, c0] = lstm ? xs : [xs[0], xs[1], null];
        const w = xs.slice(lstm ? 3 : 2);
        const saved = names.map((n) => self[n]);
        names.forEach((n, i) => (self[n] = w[i] as torch.nn.Parameter));
        try {
          if (lstm) {
            const [out, [hN, cN]] = (m as torch.nn.LSTM).forward(x, [h0, c0!]);
            return torch.cat([out.flatten(), hN.flatten(), cN.flatten()]);
          }
          const [out, hN] = (m as torch.nn.GRU).forward(x, h0);
          return torch.cat([out.flatten(), hN.flatten()]);
        } finally {
          names.forEach((n, i) => (self[n] = saved[i]));
        }
      };
      m.to(device);
      const r = (shape: number[], s: number) => { torch.manualSeed(s); return torch.randn(shape, { dtype: 'float64' }); };
      const states = lstm ? [r([2, 2, 2], 2), r([2, 2, 2], 3)] : [r([2, 2, 2], 2)];
      gradcheck(f, [r([2, 2, 2], 1), ...states, wIh.detach().cpu(), wHh.detach().cpu(), bIh.detach().cpu(), bHh.detach().cpu()],
        { device, atol: 1e-6, rtol: 1e-5 });
    }
  });

  test('float64 gradchecks of LSTMCell and GRUCell', () => {
    torch.manualSeed(11);
    const lc = new nn.LSTMCell(3, 2).double().to(device);
    const gc = new nn.GRUCell(3, 2).double().to(device);
    const r = (shape: number[], s: number) => { torch.manualSeed(s); return torch.randn(shape, { dtype: 'float64' }); };
    gradcheck((xs) => {
      const [h, c] = lc.forward(xs[0], [xs[1], xs[2]]);
      return torch.cat([h.flatten(), c.flatten()]);
    }, [r([2, 3], 1), r([2, 2], 2), r([2, 2], 3)], { device, atol: 1e-6, rtol: 1e-5 });
    gradcheck((xs) => gc.forward(xs[0], xs[1]), [r([2, 3], 4), r([2, 2], 5)], { device, atol: 1e-6, rtol: 1e-5 });
  });

  test('dropout between layers: active in training only, never after the last layer', () => {
    torch.manualSeed(5);
    const m = new nn.LSTM(4, 8, { numLayers: 2, dropout: 0.5 }).to(device);
    const x = torch.randn([5, 3, 4]).to(device);
    const [yTrain] = m.forward(x);
    const [yTrain2] = m.forward(x);
    m.eval();
    const [yEval] = m.forward(x);
    const [yEval2] = m.forward(x);
    expect(yTrain.shape).toEqual([5, 3, 8]);
    expect(yTrain.sub(yTrain2).abs().max().item()).toBeGreaterThan(1e-4); // fresh masks per call
    expect(yTrain.sub(yEval).abs().max().item()).toBeGreaterThan(1e-4);
    expect(yEval.sub(yEval2).abs().max().item()).toBe(0);
    // a 1-layer LSTM has no layer to drop between: dropout changes nothing
    const one = new nn.GRU(4, 8, { dropout: 0.9 }).to(device);
    expect(one.forward(x)[0].sub(one.forward(x)[0]).abs().max().item()).toBe(0);
  });
});

test("parameter names, shapes, order and initialisation are PyTorch's", () => {
  torch.manualSeed(0);
  const m = new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true });
  const keys = Object.keys(m.stateDict());
  expect(keys.slice(0, 8)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
    'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse']);
  expect(keys.length).toBe(16);
  expect(m.stateDict().weight_ih_l1.shape).toEqual([20, 10]);
  expect(m.stateDict().weight_hh_l1_reverse.shape).toEqual([20, 5]);
  expect(m.namedParameters()[0][0]).toBe('weightIhL0');
  const bound = 1 / Math.sqrt(5);
  for (const p of m.parameters()) {
    const v = p.abs().max().item();
    expect(v).toBeLessThanOrEqual(bound);
    expect(v).toBeGreaterThan(bound * 0.5);
  }
  const g = new nn.GRU(3, 4, { bias: false });
  expect(Object.keys(g.stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
  expect(g.stateDict().weight_ih_l0.shape).toEqual([12, 3]);
  expect(Object.keys(new nn.LSTMCell(3, 4).stateDict())).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
  expect(new nn.GRUCell(3, 4).weightIh.shape).toEqual([12, 3]);
  // loads back under both spellings
  const m2 = new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true });
  m2.loadStateDict(m.stateDict());
  expect(m2.allWeights[3][1].tolist()).toEqual(m.allWeights[3][1].tolist());
  const byAttr: Record<string, Tensor> = Object.fromEntries(m.namedParameters());
  m2.loadStateDict(byAttr);
  expect([m.numLayers, m.bias, m.batchFirst, m.dropout, m.bidirectional]).toEqual([2, true, false, 0, true]);
  expect(String(m)).toBe('LSTM(3, 5, num_layers=2, bidirectional=True)');
});

test('argument errors', () => {
  expectArgError(() => new nn.LSTM(0, 3), 'inputSize');
  expectArgError(() => new (loose(nn.LSTM))(3, 3, { num_layers: 2 }), /'numLayers'/);
  expectArgError(() => new (loose(nn.LSTM))(3, 3, { projSize: 2 }), 'opts.projSize');
  expectArgError(() => new (loose(nn.GRU))(3, 3, { dropout: 2 }), 'opts.dropout');
  expectArgError(() => new (loose(nn.GRU))(3, 3, { bidirectional: 'yes' }), 'opts.bidirectional');
  expectArgError(() => new (loose(nn.GRU))(3, 3, {}, 1), /GRU\(\)/);
  expectArgError(() => new (loose(nn.LSTMCell))(3, 3, { nonlinearity: 'tanh' }), 'opts.nonlinearity');
  const m = new nn.LSTM(3, 4);
  expectArgError(() => m.forward(torch.zeros([2, 1, 5])), 'input');
  expectArgError(() => m.forward(torch.zeros([2, 1, 3], { dtype: 'float64' })), 'input');
  expectArgError(() => m.forward(torch.zeros([0, 1, 3])), 'input');
  expectArgError(() => m.forward(torch.zeros([2, 1, 3]), [torch.zeros([1, 2, 4]), torch.zeros([1, 1, 4])]), /for hx\[0\]/);
  expectArgError(() => loose(nn.LSTM).prototype.forward.call(m, torch.zeros([2, 1, 3]), torch.zeros([1, 1, 4])), 'hx');
  expectArgError(() => loose(nn.LSTM).prototype.forward.call(m, torch.zeros([2, 1, 3]), [torch.zeros([1, 1, 4]), null]), /for hx\[1\]/);
  expectArgError(() => loose(nn.LSTMCell).prototype.forward.call(new nn.LSTMCell(3, 4), torch.zeros([2, 3]), [null, torch.zeros([2, 4])]), /for hx\[0\]/);
  expectArgError(() => (m.forward as (...a: unknown[]) => unknown)(torch.zeros([2, 1, 3]), null, 1), /forward\(\)/);
  const g = new nn.GRU(3, 4);
  expectArgError(() => g.forward(torch.zeros([2, 3]), torch.zeros([1, 1, 4])), 'hx');
  const cell = new nn.GRUCell(3, 4);
  expectArgError(() => cell.forward(torch.zeros([2, 2, 3])), 'input');
  expectArgError(() => cell.forward(torch.zeros([2, 3]), torch.zeros([3, 4])), 'hx');
});
