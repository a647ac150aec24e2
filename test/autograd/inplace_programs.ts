// test/autograd/inplace_programs.ts — the interpreter of test/autograd/inplace_fuzz.test.ts's random
// programs (test/fixtures/gen_inplace_fuzz_fixtures.py's run(), step for step): each step reads two
// values of the pool (indices modulo its size) and appends a value or writes one in place, directly or
// through a view. The inputs and loss weights are the generator's formulas of the seed and index.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';

export interface Step {
  op: string;
  i: number;
  j: number;
  d: number;
  st: number;
  ln: number;
}
export const R = 4;
export const C = 6;
const range = (n: number) => Array.from({ length: n }, (_, e) => e);
const f64 = (v: number[], requiresGrad = false) => torch.tensor(v, { dtype: 'float64', requiresGrad }).view([R, C]);
export const inputs = (seed: number) => [
  f64(range(R * C).map((e) => Math.sin(seed * 0.37 + e * 0.91)), true),
  f64(range(R * C).map((e) => 0.8 * Math.cos(seed * 0.53 + e * 1.7)), true),
];
export const weight = (k: number) => f64(range(R * C).map((e) => Math.cos(k * 1.3 + e * 0.7)));

export function run(prog: Step[], a: Tensor, b: Tensor): Tensor[] {
  const v = [a.mul(1), b.mul(1)];
  for (const s of prog) {
    const x = v[s.i % v.length];
    const y = v[s.j % v.length];
    const { d, st, ln } = s;
    switch (s.op) {
      case 'add': v.push(x.add(y)); break;
      case 'mul': v.push(x.mul(y)); break;
      case 'sub': v.push(x.sub(y)); break;
      case 'sigmoid': v.push(x.sigmoid()); break;
      case 'tanh': v.push(x.tanh()); break;
      case 'relu': v.push(x.relu()); break;
      case 'exp_small': v.push(x.mul(0.3).exp()); break;
      case 'relu_': x.relu_(); break;
      case 'sigmoid_': x.sigmoid_(); break;
      case 'tanh_': x.tanh_(); break;
      case 'mul_s': x.mul_(1.7); break;
      case 'add_s': x.add_(0.3); break;
      case 'clamp_': x.clamp_(-0.5, 0.5); break;
      case 'neg_': x.neg_(); break;
      case 'add_': x.add_(y); break;
      case 'mul_': x.mul_(y); break;
      case 'sub_': x.sub_(y); break;
      case 'copy_': x.copy_(y); break;
      case 'vnarrow_mul': x.narrow(d, st, ln).mul_(2); break;
      case 'vnarrow_add': x.narrow(d, st, ln).add_(y.narrow(d, st, ln)); break;
      case 'vselect_relu': x.select(0, st % R).relu_(); break;
      case 'vT_add': x.t().narrow(0, st, ln).add_(0.5); break;
      case 'vview_sig': x.view([R * C]).narrow(0, st, ln).sigmoid_(); break;
      case 'vfill': x.narrow(1, st, ln).fill_(0.25); break;
      case 'keep_narrow': v.push(x.narrow(1, 0, C)); break;
      case 'keep_tt': v.push(x.t().t()); break;
      case 'keep_unsq': v.push(x.unsqueeze(0).squeeze(0)); break;
      case 'pow_': x.pow_(2); break;
      case 'masked_fill_': x.maskedFill_(y.gt(0), 0.1); break;
      case 'div_': x.div_(y.abs().add(1)); break;
      case 'addcmul_': x.addcmul_(y, y, { value: 0.5 }); break;
      case 'lerp_': x.lerp_(y, 0.3); break;
      case 'index_add_': x.indexAdd_(0, torch.tensor([st % R, (st + 1) % R], { dtype: 'int64' }), y.narrow(0, 0, 2)); break;
      case 'scatter_': x.scatter_(1, torch.full([R, 1], st % C, { dtype: 'int64' }), y.narrow(1, 0, 1)); break;
      case 'vdiag_mul': x.narrow(1, 0, R).diagonal().mul_(3); break;
      case 'vsel1_add': x.select(1, st % C).add_(y.select(1, st % C)); break;
      default: throw new Error(`unknown op ${s.op}`);
    }
  }
  return v;
}

