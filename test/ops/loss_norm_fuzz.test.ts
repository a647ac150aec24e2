// test/ops/loss_norm_fuzz.test.ts — random differential test of the losses, distances and
// normalisation layers against PyTorch 1.13 (test/fixtures/loss_norm_fuzz.json, from
// gen_loss_norm_fuzz_fixtures.py): ~630 seeded option combinations of the F loss functions and their
// nn modules (crossEntropy / nllLoss with ignoreIndex, class weights, label smoothing, probability
// targets and K-dim inputs; the binary cross entropies with weight / posWeight; mse, l1, smoothL1,
// huber, klDiv, poissonNll, gaussianNll, the margin and embedding losses, tripletMarginLoss), the
// distances (cosineSimilarity, pairwiseDistance, normalize) and the normalisations (F.batchNorm /
// instanceNorm / layerNorm / groupNorm / localResponseNorm, and BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d,
// LayerNorm, GroupNorm, LocalResponseNorm modules run for several train / eval steps).
// Contract checked per case, in float64: the output (of every step, for modules) equals PyTorch's to
// ~1e-10 relative to the tensor's magnitude (NaN where PyTorch gives NaN); the gradients of
// sum(out * g) w.r.t. the inputs PyTorch differentiates (input, target, var, norm weight / bias, module
// parameters) likewise; the running statistics F.batchNorm / F.instanceNorm update in place and the
// modules' runningMean / runningVar / numBatchesTracked buffers after all steps likewise; and where
// PyTorch raised (construction, forward or backward), torchlet throws a coded TorchletError
// (err.code starts with 'ERR_TORCHLET'), as it does where it deliberately refuses what PyTorch
// computes (refusedByTorchlet). Every case with a 2+-D float input runs again on non-contiguous
// inputs. Inputs are made on both sides from (seed, index) by the same 32-bit hash (see the
// generator's docstring); small results are stored whole, larger ones as a sketch (samples, two
// hashed projections, l1, max). The cases run on every test device (test/devices.ts): under the CUDA
// emulator (npm run test:cuda-emu) or on a GPU they check the CUDA loss and norm kernels too.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { toNumbers, expectCodedError } from '../helpers';
import { DEVICES, type TestDevice } from '../devices';

/** The device the cases run on (each device's describe block sets it in its beforeAll). */
let DEV: TestDevice = 'cpu';

const F = torch.F as unknown as Record<string, (...a: unknown[]) => Tensor>;
const nn = torch.nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>;

// ---- fixture -------------------------------------------------------------------------------------

interface Full {
  shape: number[];
  data: (number | string)[];
}
interface Sketch {
  shape: number[];
  n: number;
  samples: number[];
  proj: number[];
  l1: number;
  max: number;
}
type Enc = Full | Sketch;
interface TSpec {
  shape: number[];
  h?: number;
  lo?: number;
  hi?: number;
  f?: (number | string)[];
  i?: number[];
  grad?: boolean;
  mut?: boolean;
}
type Arg = number | boolean | string | null | number[] | TSpec | { x: string };
interface Step {
  train: boolean;
  args: Arg[];
}
interface Case {
  name: string;
  kind: 'fn' | 'mod';
  fn?: string;
  args?: Arg[];
  cls?: string;
  ctor?: Arg[];
  kw: Record<string, Arg>;
  set?: Record<string, TSpec>;
  steps?: Step[];
  out?: Enc;
  outs?: Enc[];
  grads?: Record<string, Enc>;
  after?: Record<string, Enc>;
  buffers?: Record<string, Enc | number>;
  error?: string;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'loss_norm_fuzz.json'), 'utf8')) as {
  gseed: number;
  projSeeds: number[];
  cases: Case[];
};

// ---- the shared data formula -----------------------------------------------------------------------

/** n values in [0, 1), multiples of 2^-24: murmur3's fmix32 of i * 0x9E3779B1 + seed * 0x85EBCA77 + 0x165667B1. */
function hashed(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const s = Math.imul(seed, 0x85ebca77) >>> 0;
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + s + 0x165667b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    out[i] = (h >>> 8) / 16777216;
  }
  return out;
}
const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);
const isSpec = (a: unknown): a is TSpec => typeof a === 'object' && a !== null && !Array.isArray(a) && 'shape' in a;

/**
 * The tensor of a spec (requiring grad where it asks for its gradient); `nc`: the same values in a
 * non-contiguous layout (dims 0 and -1 swapped in memory) for 2+-D float specs, still a leaf.
 */
function mk(s: TSpec, nc = false): Tensor {
  const n = prod(s.shape);
  let t: Tensor;
  if (s.i) t = torch.fromBuffer(BigInt64Array.from(s.i, (v) => BigInt(v)), s.shape.slice());
  else if (s.f) t = torch.fromBuffer(Float64Array.from(s.f, num), s.shape.slice());
  else {
    const u = hashed(s.h!, n);
    const lo = s.lo!, hi = s.hi!;
    t = torch.fromBuffer(u.map((v) => lo + v * (hi - lo)), s.shape.slice());
  }
  if (DEV !== 'cpu') t = t.to(DEV);
  if (nc && !s.i && t.ndim >= 2 && t.shape[0] > 1 && t.shape[t.ndim - 1] > 1) {
    t = t.transpose(0, -1).contiguous().transpose(0, -1).detach();
    expect(t.isContiguous()).toBe(false);
  }
  if (s.grad) t.requiresGrad_();
  return t;
}
/** An arg as torchlet takes it; tensors are collected in `made` (by the fixture's key). */
function arg(a: Arg, key: string, made: Map<string, Tensor>, nc = false): unknown {
  if (isSpec(a)) {
    const t = mk(a, nc);
    made.set(key, t);
    return t;
  }
  if (typeof a === 'object' && a !== null && !Array.isArray(a) && 'x' in a) return num(a.x);
  return a;
}
const camel = (k: string): string => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
function opts(kw: Record<string, Arg>, made: Map<string, Tensor>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) o[camel(k)] = arg(v, `kw.${k}`, made);
  return o;
}

// ---- comparison ----------------------------------------------------------------------------------

function close(a: number, e: number, scale: number, rtol = 1e-10): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= rtol * (Math.abs(e) + scale);
}
/** Asserts t matches the encoded PyTorch result (whole or sketched) to rtol relative to its magnitude. */
function check(t: Tensor | null, e: Enc, label: string, rtol = 1e-10): void {
  if (t === null) throw new Error(`${label}: no tensor (PyTorch has one of shape [${e.shape.join(', ')}])`);
  if (t.shape.join(',') !== e.shape.join(',')) throw new Error(`${label}: shape [${t.shape.join(', ')}], PyTorch's [${e.shape.join(', ')}]`);
  const a = toNumbers(t);
  if ('data' in e) {
    const exp = e.data.map(num);
    const scale = Math.max(1, ...exp.filter(Number.isFinite).map(Math.abs));
    const bad = exp.findIndex((v, i) => !close(a[i], v, scale, rtol));
    if (bad >= 0) throw new Error(`${label}: element ${bad} is ${a[bad]}, PyTorch's ${exp[bad]}\n  torchlet [${a.slice(0, 12).join(', ')}]\n  pytorch  [${exp.slice(0, 12).join(', ')}]`);
    return;
  }
  const n = e.n;
  const scale = Math.max(1, e.max);
  e.samples.forEach((v, j) => {
    const i = Math.floor(((2 * j + 1) * n) / (2 * e.samples.length));
    if (!close(a[i], v, scale)) throw new Error(`${label}: element ${i} is ${a[i]}, PyTorch's ${v}`);
  });
  const l1 = a.reduce((s, v) => s + Math.abs(v), 0);
  if (!close(l1, e.l1, e.l1)) throw new Error(`${label}: sum |v| is ${l1}, PyTorch's ${e.l1}`);
  const mx = a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  if (!close(mx, e.max, scale)) throw new Error(`${label}: max |v| is ${mx}, PyTorch's ${e.max}`);
  fixture.projSeeds.forEach((seed, k) => {
    const h = hashed(seed, n);
    const p = a.reduce((s, v, i) => s + v * (h[i] - 0.5), 0);
    if (!close(p, e.proj[k], e.l1)) throw new Error(`${label}: projection ${k} is ${p}, PyTorch's ${e.proj[k]}`);
  });
}

// ---- running a case ------------------------------------------------------------------------------

interface Ran {
  outs: Tensor[];
  made: Map<string, Tensor>;
  module: torch.nn.Module | null;
}
function run(c: Case, nc = false): Ran {
  const made = new Map<string, Tensor>();
  if (c.kind === 'fn') {
    const f = F[c.fn!];
    if (typeof f !== 'function') throw new Error(`F.${c.fn} does not exist`);
    const args = c.args!.map((a, i) => arg(a, `args.${i}`, made, nc));
    return { outs: [f(...args, opts(c.kw, made))], made, module: null };
  }
  const Cls = nn[c.cls!];
  if (typeof Cls !== 'function') throw new Error(`nn.${c.cls} does not exist`);
  const ctorMade = new Map<string, Tensor>();
  const m = new Cls(...c.ctor!.map((a, i) => arg(a, `ctor.${i}`, ctorMade)), opts(c.kw, ctorMade));
  if (DEV !== 'cpu') m.to(DEV);
  const params = m as unknown as Record<string, Tensor>;
  torch.noGrad(() => {
    for (const [k, s] of Object.entries(c.set ?? {})) params[k].copy_(mk(s));
  });
  const outs: Tensor[] = [];
  for (const st of c.steps!) {
    m.train(st.train);
    made.clear();
    const args = st.args.map((a, i) => arg(a, `args.${i}`, made, nc));
    outs.push((m as unknown as { forward: (...a: unknown[]) => Tensor }).forward(...args));
  }
  return { outs, made, module: m };
}
/** Backpropagates sum(out * g) (g hashed from the fixture's gseed, of out's shape). */
function backward(out: Tensor): void {
  const g = mk({ h: fixture.gseed, shape: out.shape, lo: -0.5, hi: 0.5 });
  torch.mul(out, g).sum().backward();
}
const BUFFER = { running_mean: 'runningMean', running_var: 'runningVar', num_batches_tracked: 'numBatchesTracked' } as Record<string, string>;

/**
 * Where torchlet deliberately refuses what PyTorch 1.13 computes (the reason), checked as a coded
 * error: mseLoss of an input and a target of different shapes (PyTorch broadcasts them with a
 * warning; torchlet's mseLoss asks for equal shapes, test/ops/mse_loss.test.ts).
 */
function refusedByTorchlet(c: Case): string {
  const args = c.kind === 'fn' ? c.args! : c.steps![0].args;
  const [x, t] = args as TSpec[];
  if ((c.fn === 'mseLoss' || c.cls === 'MSELoss') && x.shape.join() !== t.shape.join()) return 'mseLoss: input and target of different shapes';
  return '';
}


for (const device of DEVICES)
describe(`loss_norm_fuzz (float64, ${device}) vs PyTorch`, () => {
  let saved: 'float32' | 'float64' = 'float32';
  beforeAll(() => {
    DEV = device;
    saved = torch.getDefaultDtype();
    torch.setDefaultDtype('float64'); // module parameters and buffers in float64, as the generator's
  });
  afterAll(() => {
    torch.setDefaultDtype(saved);
    DEV = 'cpu';
  });

  test('the fixture covers every function and module, errors and gradients', () => {
    const fns = new Set(fixture.cases.filter((c) => c.kind === 'fn').map((c) => c.fn));
    const mods = new Set(fixture.cases.filter((c) => c.kind === 'mod').map((c) => c.cls));
    expect(fns.size).toBeGreaterThanOrEqual(25);
    expect(mods.size).toBeGreaterThanOrEqual(25);
    expect(fixture.cases.filter((c) => c.error).length).toBeGreaterThan(20);
    expect(fixture.cases.filter((c) => c.grads).length).toBeGreaterThan(300);
    expect(fixture.cases.filter((c) => c.buffers).length).toBeGreaterThan(30);
  });

  // every case with contiguous inputs; then the cases with a 2+-D float input once more, non-contiguous
  const hasNc = (c: Case): boolean =>
    (c.kind === 'fn' ? c.args! : c.steps!.flatMap((st) => st.args)).some((a) => isSpec(a) && !a.i && a.shape.length >= 2 && a.shape[0] > 1 && a.shape[a.shape.length - 1] > 1);
  const rows = [
    ...fixture.cases.map((c) => [c.name, c, false] as [string, Case, boolean]),
    ...fixture.cases.filter(hasNc).map((c) => [`${c.name} (non-contiguous)`, c, true] as [string, Case, boolean]),
  ];
  test.each(rows)('%s', (name, c, nc) => {
    torch.tidy(() => {
      const refused = refusedByTorchlet(c);
      if (c.error || refused) {
        expectCodedError(() => {
          const r = run(c, nc);
          const out = r.outs[r.outs.length - 1];
          if (out.requiresGrad) backward(out);
        }, `${name} (${c.error ? `PyTorch: ${c.error}` : `torchlet refuses: ${refused}`})`);
        return;
      }
      const r = run(c, nc);
      const encs = c.kind === 'fn' ? [c.out!] : c.outs!;
      r.outs.forEach((o, k) => check(o, encs[k], `${name}: output${r.outs.length > 1 ? ` of step ${k}` : ''}`));
      for (const [key, e] of Object.entries(c.after ?? {})) check(r.made.get(key)!, e, `${name}: ${key} after the call`);
      if (r.module) {
        const m = r.module as unknown as Record<string, Tensor | null>;
        for (const [key, e] of Object.entries(c.buffers ?? {})) {
          const b = m[BUFFER[key]];
          if (typeof e === 'number') expect([key, b ? b.item() : null]).toEqual([key, e]);
          else check(b, e, `${name}: buffer ${key}`);
        }
      }
      if (c.grads) {
        backward(r.outs[r.outs.length - 1]);
        for (const [key, e] of Object.entries(c.grads)) {
          const t = key.startsWith('param.') ? (r.module as unknown as Record<string, Tensor>)[key.slice(6)] : r.made.get(key)!;
          const g = t.grad ?? torch.zerosLike(t);
          check(g, e, `${name}: gradient w.r.t. ${key}`);
        }
      }
    });
  });
});
