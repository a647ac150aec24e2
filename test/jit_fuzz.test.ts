// test/jit_fuzz.test.ts — torch.jit.freeze against the plain module on random small nets (a seeded
// search, 300 nets here): chains of convs, BatchNorm modules, ReLUs in place and not, adds in place and
// not, in-place sub_ / mul_, reads nothing uses (dead), cat + narrow, a functional batch norm, with one or
// two of the values returned. Every frozen output must equal the eval output within float32 rounding,
// in four calls (run, record, replay twice), each but the first on a new input. The fusions key on
// which values are read by what (lib/jit.ts), which in-place writes and aliasing make easy to get wrong:
// this search found three such nets.
import * as torch from '../lib';
import type { Tensor } from '../lib';
import { maxAbs } from './helpers';

const { nn, F } = torch;
const C = 4;
const OPS = ['conv', 'conv', 'conv', 'conv', 'bn', 'bn', 'relu', 'relu_', 'relu_', 'add', 'add_', 'mul', 'sub_', 'dead', 'deadrelu', 'bnrelu', 'bnrelu_', 'cat', 'mul_', 'fbn'];
interface Step {
  op: string;
  a: number;
  b: number;
}
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A net of `steps`, each op reading earlier values (the input is value 0), returning values `outs`. */
class RandomNet extends nn.Module {
  relu = new nn.ReLU({ inplace: true });
  constructor(
    readonly steps: Step[],
    readonly outs: number[],
  ) {
    super();
    steps.forEach((_, i) => {
      this.addModule(`c${i}`, new nn.Conv2d(C, C, 3, { padding: 1 }));
      this.addModule(`b${i}`, new nn.BatchNorm2d(C));
    });
  }
  sub(name: string): torch.nn.Module {
    return (this as unknown as Record<string, torch.nn.Module>)[name];
  }
  forward(x: Tensor): Tensor[] {
    const v: Tensor[] = [x];
    this.steps.forEach((s, i) => {
      const a = v[s.a % v.length];
      const b = v[s.b % v.length];
      const conv = (t: Tensor) => this.sub(`c${i}`).forward(t) as Tensor;
      const bn = (t: Tensor) => this.sub(`b${i}`).forward(t) as Tensor;
      // (the input itself is never written in place: the reference run gets a clone, the frozen one too)
      const own = (t: Tensor) => t !== x;
      let y: Tensor;
      switch (s.op) {
        case 'conv': y = conv(a); break;
        case 'bn': y = bn(a); break;
        case 'relu': y = F.relu(a); break;
        case 'relu_': y = own(a) ? (this.relu.forward(a) as Tensor) : a.relu(); break;
        case 'add': y = torch.add(a, b); break;
        case 'add_': y = own(a) ? a.add_(b) : torch.add(a, b); break;
        case 'mul': y = a.mul(1.5); break;
        case 'sub_': y = own(a) ? a.sub_(0.3) : a.sub(0.3); break;
        case 'mul_': y = own(a) ? a.mul_(-0.5) : a.mul(0.5); break;
        case 'dead': torch.add(a, b); y = a; break;
        case 'deadrelu': F.relu(a); y = b; break;
        case 'bnrelu': y = F.relu(bn(a)); break;
        case 'bnrelu_': y = bn(a); if (own(y)) y.relu_(); break;
        case 'cat': y = torch.cat([a, b], 1).narrow(1, 0, C); break;
        case 'fbn': y = F.batchNorm(a, torch.full([C], 0.2), torch.full([C], 2), { training: false }); break;
        default: throw new Error(s.op);
      }
      v.push(y);
    });
    return this.outs.map((o) => v[1 + (o % (v.length - 1))]);
  }
}

test('frozen random nets of in-place and out-of-place forms give the eval outputs (300 seeded nets)', () => {
  const wrong: string[] = [];
  for (let seed = 1; seed <= 300; seed++) {
    const r = lcg(seed);
    const n = 3 + Math.floor(r() * 6);
    const steps = Array.from({ length: n }, () => ({ op: OPS[Math.floor(r() * OPS.length)], a: Math.floor(r() * 100), b: Math.floor(r() * 100) }));
    const outs = [Math.floor(r() * 100), Math.floor(r() * 100)].slice(0, 1 + Math.floor(r() * 2));
    torch.manualSeed(seed);
    const m = new RandomNet(steps, outs);
    m.train();
    torch.noGrad(() => [0, 1].forEach(() => m.forward(torch.randn([2, C, 5, 5])))); // running statistics away from 0 / 1
    m.eval();
    const x = torch.randn([2, C, 5, 5]);
    const f = torch.jit.freeze(m, x);
    for (let call = 0; call < 4; call++) {
      const xc = call === 0 ? x : torch.randn([2, C, 5, 5]); // (the plan must not keep the first input's values)
      const a = torch.noGrad(() => m.forward(xc.clone()));
      const b = f.forward(xc.clone()) as Tensor[];
      const d = Math.max(...a.map((t, i) => maxAbs(t.sub(b[i]).toArray() as Float32Array) / Math.max(1, maxAbs(t.toArray() as Float32Array))));
      if (!(d <= 1e-5)) {
        wrong.push(`seed ${seed} call ${call}: ${steps.map((s, i) => `${s.op}(${s.a % (i + 1)},${s.b % (i + 1)})`).join(' ')} -> ${d}`);
        break;
      }
    }
  }
  expect(wrong).toEqual([]);
});
