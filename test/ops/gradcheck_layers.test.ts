// test/ops/gradcheck_layers.test.ts — float64 finite-difference gradient checks for the layers of
// issue 3 that are composed in TypeScript: batch/layer/group/instance norm, SELU, PReLU, the
// dropout variants (re-seeded so every evaluation draws the same mask) and multi-head attention.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { gradcheck } from '../gradcheck';
import { randnT } from '../helpers';

const F = torch.F;

test('batchNorm (training, affine) and eval with running stats', () => {
  gradcheck(([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [randnT([3, 2, 3, 2], 1), randnT([2], 2), randnT([2], 3)]);
  const rm = randnT([2], 4);
  const rv = randnT([2], 5).pow(2).add(0.5);
  gradcheck(([x, w]) => F.batchNorm(x, rm, rv, { weight: w, training: false }), [randnT([3, 2, 2], 6), randnT([2], 7)]);
});
test('layerNorm, groupNorm, instanceNorm', () => {
  gradcheck(([x, w, b]) => F.layerNorm(x, [3, 2], { weight: w, bias: b }), [randnT([2, 3, 2], 8), randnT([3, 2], 9), randnT([3, 2], 10)]);
  gradcheck(([x, w, b]) => F.groupNorm(x, 2, { weight: w, bias: b }), [randnT([2, 4, 3], 11), randnT([4], 12), randnT([4], 13)]);
  gradcheck(([x, w, b]) => F.instanceNorm(x, { weight: w, bias: b }), [randnT([2, 3, 2, 3], 14), randnT([3], 15), randnT([3], 16)]);
});
test('selu and prelu (single and per-channel)', () => {
  gradcheck(([x]) => F.selu(x), [randnT([4, 5], 17, 2)]);
  gradcheck(([x, w]) => F.prelu(x, w), [randnT([2, 3, 4], 18), randnT([3], 19)]);
  gradcheck(([x, w]) => F.prelu(x, w), [randnT([5, 2], 20), randnT([1], 21)]);
});
test('dropout2d, dropout3d, alphaDropout with a fixed mask', () => {
  const before = () => torch.manualSeed(99);
  gradcheck(([x]) => F.dropout2d(x, { p: 0.4 }), [randnT([2, 4, 2, 2], 22)], { before });
  gradcheck(([x]) => F.dropout3d(x, { p: 0.4 }), [randnT([2, 3, 2, 2, 2], 23)], { before });
  gradcheck(([x]) => F.alphaDropout(x, { p: 0.3 }), [randnT([3, 7], 24)], { before });
});
test('multi-head attention: query, key, value and the projections', () => {
  torch.manualSeed(3);
  const m = new torch.nn.MultiheadAttention(4, 2);
  const params = [m.inProjWeight, m.inProjBias!, m.outProj.weight, m.outProj.bias!].map((p) => p.detach().double());
  const run = (xs: Tensor[]): Tensor => {
    const [q, k, v, w, b, ow, ob] = xs;
    // use the leaves themselves as the module's weights so their gradients are the ones checked
    type P = torch.nn.Parameter;
    m.inProjWeight = w as P;
    m.inProjBias = b as P;
    m.outProj.weight = ow as P;
    m.outProj.bias = ob as P;
    return m.forward(q, k, v)[0];
  };
  gradcheck(run, [randnT([3, 2, 4], 25), randnT([2, 2, 4], 26), randnT([2, 2, 4], 27), ...params]);
});
