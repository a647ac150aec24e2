// test/ops/rnn.test.ts — the fused LSTM / GRU cell steps (lib/ops/rnn.ts over native/ops/rnn.h) on
// every device: float64 finite-difference gradchecks of every input, odd and size-1 shapes and
// non-contiguous gate inputs against the same math composed from elementwise ops, CUDA against the
// CPU in float32 and float64, and the native shape checks (coded errors). The modules built on them
// are checked against PyTorch in test/nn/rnn.test.ts.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { lstmCellFused, gruCellFused, lstmLayer, gruLayer } from '../../lib/ops/rnn';
import { native } from '../../lib/binding';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectClose } from '../helpers';
import { randFloat } from './compare';

/** LSTM step composed from elementwise ops: [h', c'] stacked, as lstmCellFused returns. */
function lstmRef(ig: Tensor, hg: Tensor, cx: Tensor): Tensor {
  const [i, f, g, o] = torch.chunk(ig.add(hg), 4, 1);
  const c = torch.sigmoid(f).mul(cx).add(torch.sigmoid(i).mul(torch.tanh(g)));
  return torch.stack([torch.sigmoid(o).mul(torch.tanh(c)), c], 0);
}
function gruRef(ig: Tensor, hg: Tensor, hx: Tensor): Tensor {
  const [ir, iz, inn] = torch.chunk(ig, 3, 1);
  const [hr, hz, hn] = torch.chunk(hg, 3, 1);
  const r = torch.sigmoid(ir.add(hr));
  const z = torch.sigmoid(iz.add(hz));
  const n = torch.tanh(inn.add(r.mul(hn)));
  return z.neg().add(1).mul(n).add(z.mul(hx));
}

const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 13], [2, 64]];

describeOp('rnn', ({ device, on, dtypes, vsCpu }) => {
  dtypes(['float64', 'float32'] as const, (dtype) => {
    test.each(SHAPES)('B=%i H=%i: forward and every gradient equal the composed math', (B, H) => {
      for (const [G, fused, ref] of [[4, lstmCellFused, lstmRef], [3, gruCellFused, gruRef]] as const) {
        const mk = (shape: number[], s: number) => on(randFloat(shape, dtype, s + B * 100 + H, -2, 2));
        // igates given transposed (non-contiguous), as a view [B, G*H] of a [G*H, B] tensor
        const leaves = [mk([G * H, B], 1), mk([B, G * H], 2), mk([B, H], 3)].map((t) => t.requiresGrad_());
        const args = (ls: Tensor[]) => [ls[0].t(), ls[1], ls[2]] as const;
        expect(args(leaves)[0].isContiguous()).toBe(B === 1);
        const y = fused(...args(leaves));
        const refLeaves = leaves.map((t) => t.detach().clone().requiresGrad_());
        const yr = ref(...args(refLeaves));
        const tol = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-5, rtol: 1e-5 };
        expectClose(y, yr, { ...tol, label: `G=${G} forward` });
        const g = mk(y.shape, 4);
        y.backward(g);
        yr.backward(g);
        leaves.forEach((t, k) => expectClose(t.grad!, refLeaves[k].grad!, { ...tol, label: `G=${G} grad ${k}` }));
      }
    });
  });

  test('float64 gradchecks of both cells (every input)', () => {
    const r = (shape: number[], s: number) => randFloat(shape, 'float64', s, -1.5, 1.5);
    gradcheck((xs) => lstmCellFused(xs[0], xs[1], xs[2]), [r([2, 12], 1), r([2, 12], 2), r([2, 3], 3)], { device });
    gradcheck((xs) => gruCellFused(xs[0], xs[1], xs[2]), [r([2, 9], 4), r([2, 9], 5), r([2, 3], 6)], { device });
  });

  test.each([false, true])('float64 gradchecks of whole layers (reverse=%s): every input, W_hh and b_hh', (reverse) => {
    const r = (shape: number[], s: number) => randFloat(shape, 'float64', s, -1, 1);
    gradcheck((xs) => lstmLayer(xs[0], xs[1], xs[2], xs[3], xs[4], reverse), [r([3, 2, 8], 1), r([2, 2], 2), r([2, 2], 3), r([8, 2], 4), r([8], 5)], { device });
    gradcheck((xs) => gruLayer(xs[0], xs[1], xs[2], xs[3], reverse), [r([3, 2, 6], 6), r([2, 2], 7), r([6, 2], 8), r([6], 9)], { device });
    gradcheck((xs) => gruLayer(xs[0], xs[1], xs[2], null, reverse), [r([1, 1, 3], 10), r([1, 1], 11), r([3, 1], 12)], { device });
  });

  test('a layer equals its steps run one by one through the fused cell', () => {
    const r = (shape: number[], s: number) => on(randFloat(shape, 'float64', s, -1, 1));
    const [gi, h0, c0, w, b] = [r([4, 3, 20], 1), r([3, 5], 2), r([3, 5], 3), r([20, 5], 4), r([20], 5)];
    const hc = lstmLayer(gi, h0, c0, w, b, true);
    let [h, c] = [h0, c0];
    for (let t = 3; t >= 0; t--) {
      const o = lstmCellFused(gi.select(0, t), torch.F.linear(h, w, b), c);
      [h, c] = [o.select(0, 0), o.select(0, 1)];
      expectClose(hc.select(0, t), o, { atol: 1e-14, rtol: 1e-14, label: `step ${t}` });
    }
  });

  test('only the inputs that require grad get one; no graph without grad', () => {
    const ig = on(randFloat([2, 8], 'float32', 1, -1, 1));
    const hg = on(randFloat([2, 8], 'float32', 2, -1, 1)).requiresGrad_();
    const cx = on(randFloat([2, 2], 'float32', 3, -1, 1));
    lstmCellFused(ig, hg, cx).sum().backward();
    expect(hg.grad!.shape).toEqual([2, 8]);
    expect(ig.grad).toBeNull();
    const y = torch.noGrad(() => gruCellFused(on(randFloat([2, 6], 'float32', 5, -1, 1)), hg.narrow(1, 0, 6), cx));
    expect(y.requiresGrad).toBe(false);
  });

  test('native shape and dtype checks are coded errors', () => {
    const t = (shape: number[], dtype: 'float32' | 'float64' = 'float32') => on(torch.zeros(shape, { dtype }));
    const p = { batch: 2, hidden: 3 };
    expect(() => native.lstmCellForward(t([2, 12]).arg(), t([2, 11]).arg(), t([2, 3]).arg(), t([2, 2, 3]).arg(), t([2, 12]).arg(), p)).toThrow(
      expect.objectContaining({ code: 'ERR_TORCHLET_SHAPE' }));
    expect(() => native.gruCellForward(t([2, 9]).arg(), t([2, 9], 'float64').arg(), t([2, 3]).arg(), t([2, 3]).arg(), t([2, 12]).arg(), p)).toThrow(
      expect.objectContaining({ code: 'ERR_TORCHLET_DTYPE' }));
    expect(() => native.gruCellBackward(t([2, 3]).arg(), t([2, 3]).arg(), t([2, 9]).arg(), t([2, 9]).arg(), t([2, 9]).arg(), t([2, 3]).arg(), p)).toThrow(
      expect.objectContaining({ code: 'ERR_TORCHLET_SHAPE' }));
  });

  vsCpu('the same as the CPU', () => {
    test.each(['float32', 'float64'] as const)('%s: whole LSTM and GRU layers, forward and backward', (dtype) => {
      const [T, N, H] = [3, 5, 7];
      for (const G of [4, 3]) {
        const base = [randFloat([T, N, G * H], dtype, 1, -2, 2), randFloat([N, H], dtype, 2, -1, 1), randFloat([N, H], dtype, 3, -1, 1),
          randFloat([G * H, H], dtype, 4, -0.5, 0.5), randFloat([G * H], dtype, 5, -0.5, 0.5)];
        const run = (dev: 'cpu' | 'cuda') => {
          const ls = base.map((t) => t.to(dev).clone().requiresGrad_());
          const y = G === 4 ? lstmLayer(ls[0], ls[1], ls[2], ls[3], ls[4], false) : gruLayer(ls[0], ls[1], ls[3], ls[4], true);
          y.backward(randFloat(y.shape, dtype, 6, -1, 1).to(dev));
          return [y, ...ls.filter((t) => t.grad).map((t) => t.grad!)].map((t) => t.cpu());
        };
        const [a, b] = [run('cpu'), run(device)];
        expect(b.length).toBe(a.length);
        const tol = dtype === 'float64' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-5, rtol: 1e-5 };
        a.forEach((t, k) => expectClose(b[k], t, { ...tol, label: `G=${G} result ${k}` }));
      }
    });

    test.each(['float32', 'float64'] as const)('%s: forward and backward kernels of both cells', (dtype) => {
      for (const [B, H] of SHAPES) {
        for (const [G, fused] of [[4, lstmCellFused], [3, gruCellFused]] as const) {
          const base = [randFloat([B, G * H], dtype, 1, -3, 3), randFloat([B, G * H], dtype, 2, -3, 3), randFloat([B, H], dtype, 3, -3, 3)];
          const g = randFloat(G === 4 ? [2, B, H] : [B, H], dtype, 4, -1, 1);
          const run = (dev: 'cpu' | 'cuda') => {
            const ls = base.map((t) => t.to(dev).clone().requiresGrad_()); // fresh leaves (to('cpu') of a CPU tensor is the tensor itself)
            const y = fused(ls[0], ls[1], ls[2]);
            y.backward(g.to(dev));
            return [y, ...ls.map((t) => t.grad!)].map((t) => t.cpu());
          };
          const [a, b] = [run('cpu'), run(device)];
          const tol = dtype === 'float64' ? { atol: 1e-13, rtol: 1e-13 } : { atol: 2e-6, rtol: 2e-6 };
          a.forEach((t, k) => expectClose(b[k], t, { ...tol, label: `G=${G} B=${B} H=${H} result ${k}` }));
        }
      }
    });
  });
});
