// test/ops/multihead_attention.test.ts — nn.MultiheadAttention on every device: a float64
// finite-difference gradcheck of query, key, value and the input / output projections (the module
// is composed of matmul, softmax and element-wise ops; its PyTorch comparison is in
// test/nn/attention.test.ts).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { randnT } from '../helpers';

describeOp('multihead_attention', ({ device, dtypes }) => {
  dtypes(['float64'] as const, () => {
    test('gradcheck (float64): query, key, value and the projections', () => {
      torch.manualSeed(3);
      const m = new torch.nn.MultiheadAttention(4, 2).to(device);
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
      gradcheck(run, [randnT([3, 2, 4], 25), randnT([2, 2, 4], 26), randnT([2, 2, 4], 27), ...params], { device });
    });
  });
});
