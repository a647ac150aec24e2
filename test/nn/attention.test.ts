// test/nn/attention.test.ts — nn.MultiheadAttention against PyTorch (test/fixtures/attention.json):
// outputs, head-averaged weights and every gradient, for self/cross attention, a causal bool mask and
// a key-padding mask, in float64 and float32; plus the seed's TransformerBlock and argument errors.
import * as torch from '../../lib';
import { casesOf, expectClose, fromFixture, tolFor, T } from '../helpers';
const { nn } = torch;

describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
  test.each(casesOf('attention'))('%s', (_name, c) => {
    const p = c.params as Record<string, number & number[]>;
    const m = new nn.MultiheadAttention(p.embedDim, p.numHeads);
    const I = c.inputs as Record<string, T>;
    const weights = {
      inProjWeight: fromFixture(I.inProjWeight, dtype), inProjBias: fromFixture(I.inProjBias, dtype),
      'outProj.weight': fromFixture(I.outProjWeight, dtype), 'outProj.bias': fromFixture(I.outProjBias, dtype),
    };
    // build the module in the test dtype by swapping in parameters of that dtype
    m.inProjWeight = new nn.Parameter(weights.inProjWeight);
    m.inProjBias = new nn.Parameter(weights.inProjBias);
    m.outProj.weight = new nn.Parameter(weights['outProj.weight']);
    m.outProj.bias = new nn.Parameter(weights['outProj.bias']);
    const q = fromFixture(I.query, dtype).requiresGrad_();
    const k = fromFixture(I.key, dtype).requiresGrad_();
    const v = fromFixture(I.value, dtype).requiresGrad_();
    const opts: { attnMask?: torch.Tensor; keyPaddingMask?: torch.Tensor } = {};
    if (p.attnMask) opts.attnMask = torch.tensor((p.attnMask as number[]).map(Boolean)).reshape([p.L, p.S]);
    if (p.keyPaddingMask) opts.keyPaddingMask = torch.tensor((p.keyPaddingMask as number[]).map(Boolean)).reshape([p.N, p.S]);
    const [y, w] = m.forward(q, k, v, opts);
    const tol = tolFor(dtype, 10);
    expectClose(y, c.output!, { ...tol, label: `${c.name} output` });
    expectClose(w!, c.outputs!.weights as T, { ...tol, label: `${c.name} weights` });
    y.backward(fromFixture(c.gradOutput!, dtype));
    const got: Record<string, torch.Tensor | null> = {
      query: q.grad, key: k.grad, value: v.grad, inProjWeight: m.inProjWeight.grad, inProjBias: m.inProjBias!.grad, outProjWeight: m.outProj.weight.grad,
    };
    for (const [name, g] of Object.entries(c.grads!)) expectClose(got[name]!, g, { ...tol, label: `${c.name} grad ${name}` });
  });
});

test("the seed's TransformerBlock (tutorial 000) runs as written: attention, residual + LayerNorm, FFN", () => {
  class TransformerBlock extends nn.Module {
    attention: torch.nn.MultiheadAttention;
    norm1: torch.nn.LayerNorm;
    norm2: torch.nn.LayerNorm;
    ff: torch.nn.Linear;
    ffOut: torch.nn.Linear;
    constructor(dModel: number, nHead: number) {
      super();
      this.attention = new nn.MultiheadAttention(dModel, nHead);
      this.norm1 = new nn.LayerNorm(dModel);
      this.norm2 = new nn.LayerNorm(dModel);
      this.ff = new nn.Linear(dModel, dModel * 4);
      this.ffOut = new nn.Linear(dModel * 4, dModel);
    }
    forward(x: torch.Tensor): torch.Tensor {
      const [attnOut] = this.attention.forward(x, x, x);
      x = this.norm1.forward(x.add(attnOut));
      const ffOut = this.ffOut.forward(torch.relu(this.ff.forward(x)));
      return this.norm2.forward(x.add(ffOut));
    }
  }
  torch.manualSeed(0);
  const blk = new TransformerBlock(16, 4);
  const x = torch.randn([5, 2, 16]);
  const y = blk.forward(x);
  expect(y.shape).toEqual([5, 2, 16]);
  y.sum().backward();
  expect(blk.attention.inProjWeight.grad!.shape).toEqual([48, 16]);
  expect(blk.namedParameters().map(([n]) => n).slice(0, 4)).toEqual(['attention.inProjWeight', 'attention.inProjBias', 'attention.outProj.weight', 'attention.outProj.bias']);
});

test('MultiheadAttention argument errors', () => {
  expect(() => new nn.MultiheadAttention(10, 3)).toThrow(/numHeads/);
  const m = new nn.MultiheadAttention(8, 2);
  expect(() => m.forward(torch.zeros([3, 2, 6]), torch.zeros([3, 2, 8]), torch.zeros([3, 2, 8]))).toThrow(/query/);
  expect(() => m.forward(torch.zeros([3, 2, 8]), torch.zeros([4, 2, 8]), torch.zeros([5, 2, 8]))).toThrow(/value/);
  expect(() => m.forward(torch.zeros([3, 2, 8]), torch.zeros([3, 2, 8]), torch.zeros([3, 2, 8]), { attnMask: torch.zeros([2, 2]) })).toThrow(/attnMask/);
});

test("state dict keys are PyTorch's (nn.MultiheadAttention(16, 4).state_dict().keys() in PyTorch 1.13) and load back", () => {
  const m = new nn.MultiheadAttention(16, 4);
  const sd = m.stateDict();
  expect(Object.keys(sd)).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  const m2 = new nn.MultiheadAttention(16, 4);
  m2.loadStateDict(sd, { strict: true });
  expect(m2.inProjWeight.tolist()).toEqual(m.inProjWeight.tolist());
  expect(m2.outProj.weight.tolist()).toEqual(m.outProj.weight.tolist());
});
