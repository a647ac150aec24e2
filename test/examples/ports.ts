// test/examples/ports.ts — what the line-by-line ports of PyTorch scripts (mnist_main.test.ts,
// cifar_resnet18.test.ts) replace on both sides so that torchlet's numbers can be compared with
// PyTorch's (test/fixtures/gen_examples_port_fixtures.py does exactly the same in Python): the
// random initial weights, the data sets, the dropout masks; and the comparison of the trained state.
// Nothing here stands in for a torchlet feature: each helper replaces randomness or a download.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';

/** test/fixtures/examples_port.json (its `mnist` and `cifar` parts). */
export function portFixture<T>(part: 'mnist' | 'cifar'): T {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'examples_port.json'), 'utf8')) as Record<string, T>)[part];
}

const { nn } = torch;

/** det(n, k, bound): ((i * 7919 + k * 104729) % 2001 - 1000) / 1000 * bound, as float32. */
export function det(n: number, k: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 7919 + k * 104729) % 2001) - 1000) / 1000 * bound;
  return out;
}
/** Every conv / linear parameter (k: its index in namedParameters order) set to det(numel, k, 1 / sqrt(fan_in)). */
export function detInit(model: torch.nn.Module): void {
  model.namedParameters().forEach(([name, p], k) => {
    if (name.includes('bn') || name.includes('shortcut.1')) return;
    const fanIn = p.ndim > 1 ? p.numel() / p.shape[0] : p.numel();
    torch.noGrad(() => p.copy_(torch.fromBuffer(det(p.numel(), k, 1 / Math.sqrt(fanIn)), p.shape.slice())));
  });
}
/** n pixels (i * i * 31 + i * 17 + seed * 101) % 256. */
export function pixels(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * i * 31 + i * 17 + seed * 101) % 256;
  return out;
}
/** nn.Dropout with a fixed keep mask: element i kept unless (i * 13 + salt) % 10 < floor(10 p). */
export class FixedDropout extends nn.Module {
  constructor(readonly p: number, readonly salt: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (!this.training) return x;
    const n = x.numel();
    const keep = new Float32Array(n);
    for (let i = 0; i < n; i++) keep[i] = (i * 13 + this.salt) % 10 >= Math.floor(10 * this.p) ? 1 : 0;
    return x.mul(torch.fromBuffer(keep, x.shape.slice()).to(x.device)).div(1 - this.p);
  }
}

interface Stats {
  sum: number;
  abs: number;
  at: number[];
}
/** The trained state against PyTorch's statistics of it (sum, sum of |x|, 8 values at fixed positions). */
export function expectState(model: torch.nn.Module, pyRef: Record<string, Stats>, rtol: number): void {
  // PyTorch's buffer names in torchlet's camelCase (running_mean -> runningMean)
  const ref = Object.fromEntries(Object.entries(pyRef).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
  const mine: [string, Tensor][] = [...model.namedParameters(), ...model.namedBuffers().filter(([, b]) => b !== null && (b.dtype === 'float32' || b.dtype === 'float64'))] as [string, Tensor][];
  expect(mine.map(([n]) => n).sort()).toEqual(Object.keys(ref).sort());
  const bad: string[] = [];
  for (const [name, t] of mine) {
    const f = Float64Array.from(t.detach().cpu().toArray() as Float32Array);
    const n = f.length;
    const idx = n > 1 ? [0, Math.floor(n / 7), Math.floor(n / 5), Math.floor(n / 3), Math.floor(n / 2), Math.floor((2 * n) / 3), n - 2, n - 1] : Array(8).fill(0);
    const r = ref[name];
    const scale = r.abs / n; // the mean magnitude: the natural size of an error in this tensor
    const close = (a: number, b: number, s: number) => Math.abs(a - b) <= rtol * (Math.abs(b) + s);
    let abs = 0, sum = 0;
    for (const v of f) {
      abs += Math.abs(v);
      sum += v;
    }
    if (!close(abs, r.abs, 0)) bad.push(`${name}: sum |x| ${abs} vs ${r.abs}`);
    if (!close(sum, r.sum, r.abs)) bad.push(`${name}: sum ${sum} vs ${r.sum}`);
    idx.forEach((j, q) => {
      if (!close(f[j], r.at[q], scale)) bad.push(`${name}[${j}]: ${f[j]} vs ${r.at[q]}`);
    });
  }
  expect(bad).toEqual([]);
}
