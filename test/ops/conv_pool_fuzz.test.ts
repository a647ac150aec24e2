// test/ops/conv_pool_fuzz.test.ts — random differential test of the convolution and pooling ops
// against PyTorch (test/fixtures/conv_pool_fuzz.json, from gen_conv_pool_fuzz_fixtures.py): ~600
// random hyperparameter sets steered to the thresholds where native/cpu/conv.cc and
// native/cpu/pool2d.cc switch algorithms, some under a forced torch.backends.conv.algorithm.
// Contract checked per case: conv1d/2d/3d (functional, or nn.ConvNd with a paddingMode),
// convTranspose1d/2d/3d, max/avg/adaptive/LP pooling 1-D to 3-D, maxPool2d(relu(conv2d)) (the fused
// relu + pool backward), F.conv2dReluMaxPool2d, and torch.jit.freeze of eval modules (conv (+ BatchNorm)
// (+ ReLU) (+ MaxPool2d); a forward calling F.conv2dReluMaxPool2d with the conv's weight; a ResNet
// basic block, whose residual add + ReLU is fused):
//  * float64 output and gradients of sum(out * gradOutput) w.r.t. input, weight and bias equal
//    PyTorch's to ~1e-9 of their magnitude (max-pool indices exactly);
//  * the float32 forward and gradients equal torchlet's float64 ones to ~1e-4 of their magnitude,
//    element by element, and the float32 output PyTorch's stored values;
//  * max pooling's values-only inference paths (no indices, no gradient) give exactly the indexed
//    path's values, in float32 too (the inputs are exact in float32);
//  * a frozen module is right on each of 8 calls with two inputs (calls 3+ of a shape replay a
//    recording), and earlier results stay right after later calls;
//  * where PyTorch raised (forward or backward), torchlet throws a coded TorchletError (ERR_TORCHLET_*);
//    where PyTorch returned an empty output (adaptive pooling to size 0), torchlet refuses it with one.
// The inputs are made on both sides from (seed, index) by the same 32-bit hash (see the generator's
// docstring), so only outputs are stored: whole when small, else a sketch (samples, two hashed
// projections, l1, max). A coverage test asserts that the cases reach every CPU convolution
// algorithm in each pass. The cases run on every test device (test/devices.ts): on CUDA (a GPU or the
// emulator of npm run test:cuda-emu) the same fixture checks the CUDA kernels, forced CPU algorithm
// preferences being no-ops there (on the emulated device a third of the cases and every refusal).
// TORCHLET_FUZZ_FIXTURE=FILE runs another generated fixture
// (gen_conv_pool_fuzz_fixtures.py --seed N --repeat K --out FILE) for a longer hunt.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, ConvAlgorithmPreference } from '../../lib';
import { toNumbers, expectCodedError, withAlgorithm } from '../helpers';
import { DEVICES, type TestDevice } from '../devices';

const F = torch.F;
const nn = torch.nn;

// ---- fixture -------------------------------------------------------------------------------------

/** A number, or 'inf' / '-inf' / 'nan'. */
type V = number | string;
interface Full {
  shape: number[];
  data: V[];
}
interface Sketch {
  shape: number[];
  n: number;
  samples: V[];
  proj: number[];
  l1: number;
  max: number;
  nonfinite: number;
}
type Enc = Full | Sketch;
type Num = number | number[];
interface Case {
  name: string;
  seed: number;
  kind: string;
  nd: 1 | 2 | 3;
  x: number[];
  w?: number[];
  bias?: boolean;
  bias_len?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  opts: Record<string, any>;
  pool?: { kernelSize: Num; stride?: Num | null; ceilMode?: boolean };
  mode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
  pref?: ConvAlgorithmPreference;
  unbatched?: boolean;
  shift?: number;
  layers?: string[];
  N2?: number;
  down?: boolean;
  mutation?: string;
  error?: string;
  out?: Enc | null;
  out2?: Enc;
  indices?: Enc;
  grads?: Record<string, Enc>;
  /** no gradients stored (a max-pool window of padding only: PyTorch's backward is undefined there) */
  forwardOnly?: boolean;
}
interface Fixture {
  torch: string;
  samples: number;
  projSeeds: number[];
  cases: Case[];
}
// (TORCHLET_FUZZ_FIXTURE: another fixture from the generator, e.g. --seed 7 --repeat 4 --out FILE)
const FIXTURE = process.env.TORCHLET_FUZZ_FIXTURE ?? path.join(__dirname, '..', 'fixtures', 'conv_pool_fuzz.json');
const FIX = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Fixture;
const S = FIX.samples;

// ---- the shared data formula (the generator's `hashed`) ----------------------------------------------

/** n values in [-0.5, 0.5): murmur3's fmix32 of i * 0x9E3779B1 + seed * 0x85EBCA77 + 0x165667B1, top 24 bits. */
function hashed(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const s = Math.imul(seed, 0x85ebca77);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + s + 0x165667b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = (h >>> 8) / 16777216 - 0.5;
  }
  return out;
}
const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);
/** The device the cases run on (each device's describe block sets it in its beforeAll). */
let DEV: TestDevice = 'cpu';
/** CUDA is the emulator's (TORCHLET_CUDA=EMU builds name their device so). */
const EMULATED = DEVICES.includes('cuda') && torch.cuda.getDeviceName().includes('emulated');
/** hashed(seed) * scale + shift as a tensor of `shape` on DEV (exact in float32 when scale and shift are 1 and 0). */
function data(seed: number, shape: number[], dtype: 'float32' | 'float64', shift = 0, scale = 1): Tensor {
  const v = hashed(seed, prod(shape)).map((a) => a * scale + shift);
  const t = torch.fromBuffer(v, shape.slice());
  const d = dtype === 'float64' ? t : t.to(dtype);
  return DEV === 'cpu' ? d : d.to(DEV);
}
const projWeights = new Map<string, Float64Array>();
function projOf(seed: number, n: number): Float64Array {
  const key = `${seed}:${n}`;
  let w = projWeights.get(key);
  if (!w) projWeights.set(key, (w = hashed(seed, n)));
  return w;
}

// ---- comparison -----------------------------------------------------------------------------------------

const num = (v: V): number => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);
/** |a - e| <= atol + rtol |e| for every element (or every stored sample and projection of a sketch). */
function check(actual: Tensor, e: Enc, atol: number, rtol: number, label: string): void {
  const shape = actual.shape.join(',');
  if (shape !== e.shape.join(',')) throw new Error(`${label}: shape [${shape}], expected [${e.shape.join(',')}]`);
  const a = toNumbers(actual);
  const bad: string[] = [];
  const cmp = (i: number, got: number, want: number, tol: number, what: string) => {
    const ok = Number.isFinite(want) ? Math.abs(got - want) <= tol : Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
    if (!ok) bad.push(`${what}${i}: ${got} vs ${want} (tol ${tol.toExponential(2)})`);
  };
  if ('data' in e) e.data.map(num).forEach((v, i) => cmp(i, a[i], v, atol + rtol * Math.abs(v), '['));
  else {
    const n = e.n;
    for (let j = 0; j < S; j++) {
      const i = Math.floor(((2 * j + 1) * n) / (2 * S));
      const v = num(e.samples[j]);
      cmp(i, a[i], v, atol + rtol * Math.abs(v), '[');
    }
    const nonfinite = a.filter((v) => !Number.isFinite(v)).length;
    if (nonfinite !== e.nonfinite) bad.push(`${nonfinite} non-finite values, expected ${e.nonfinite}`);
    FIX.projSeeds.forEach((seed, k) => {
      const w = projOf(seed, n);
      let p = 0;
      for (let i = 0; i < n; i++) if (Number.isFinite(a[i])) p += a[i] * w[i];
      // one element off by d moves a projection by ~d/4; rounding moves it by far less than this
      // (and summation order moves it by ~1e-16 l1: exact comparisons allow that much)
      cmp(k, p, e.proj[k], (atol * Math.sqrt(n)) / 4 + Math.max(rtol * e.l1 * 0.1, 1e-13 * e.l1), 'proj');
    });
  }
  if (bad.length) throw new Error(`${label}: ${bad.length} mismatches: ${bad.slice(0, 6).join('; ')}`);
}
const mag = (e: Enc): number => ('data' in e ? e.data.map(num).reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0) : e.max);
/** float64 against PyTorch: ~1e-9 of the magnitude. */
const check64 = (a: Tensor, e: Enc, label: string): void => check(a, e, 1e-9 * Math.max(1, mag(e)), 1e-9, label);
/** float32 against PyTorch's float64 values (the inputs are exact in float32): ~1e-4 of the magnitude. */
const check32 = (a: Tensor, e: Enc, label: string, scale = 1): void => check(a, e, 1e-4 * Math.max(0.1, mag(e)) * scale, 1e-4, label);
/** a (float32) against b (float64) element by element, within tol. */
function closeTo(a: Tensor, b: Tensor, tol: number, label: string): void {
  const x = toNumbers(a);
  const y = toNumbers(b);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < y.length; i++) {
    const d = Object.is(x[i], y[i]) ? 0 : Math.abs(x[i] - y[i]);
    if (!(d <= worst)) [worst, at] = [Number.isNaN(d) ? Infinity : d, i];
  }
  if (worst > tol) throw new Error(`${label}: max |float32 - float64| ${worst} at ${at} (${x[at]} vs ${y[at]}) > ${tol}`);
}
const maxAbsT = (t: Tensor): number => toNumbers(t).reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);

/** fn() with torch.backends.conv.algorithm = pref (when given). */
function withPref<R>(pref: ConvAlgorithmPreference | undefined, fn: () => R): R {
  return pref ? withAlgorithm(pref, fn) : fn();
}

// ---- running a case -----------------------------------------------------------------------------------

const dimsOf = (v: Num | null | undefined): Num | undefined => (v === null ? undefined : v);

interface Built {
  /** forward of the case from its (leaf) tensors */
  forward: (dtype: 'float32' | 'float64', grad: boolean) => { y: Tensor; leaves: Record<string, Tensor>; indices?: Tensor };
}

function convCall(c: Case, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const o = c.opts;
  const f = c.kind === 'conv' ? ({ 1: F.conv1d, 2: F.conv2d, 3: F.conv3d } as const)[c.nd] : null;
  if (f) return f(x, w, b, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups });
  const ft = ({ 1: F.convTranspose1d, 2: F.convTranspose2d, 3: F.convTranspose3d } as const)[c.nd];
  return ft(x, w, b, { stride: o.stride, padding: o.padding, outputPadding: o.outputPadding, dilation: o.dilation, groups: o.groups });
}

function build(c: Case): Built {
  const s = c.seed;
  return {
    forward: (dtype, grad) => {
      const leaf = (t: Tensor): Tensor => (grad ? t.requiresGrad_() : t);
      const x = leaf(data(16 * s, c.x, dtype, c.shift ?? 0));
      const leaves: Record<string, Tensor> = { input: x };
      const o = c.opts;
      if (c.kind === 'conv' || c.kind === 'convT') {
        const w = leaf(data(16 * s + 1, c.w!, dtype));
        const bl = c.bias_len ?? (c.kind === 'conv' ? c.w![0] : c.w![1] * o.groups);
        const b = c.bias ? leaf(data(16 * s + 2, [bl], dtype)) : null;
        leaves.weight = w;
        if (b) leaves.bias = b;
        if (c.mode !== undefined) {
          // the module (paddingMode); its parameters take the case's values
          const cin = c.kind === 'conv' ? c.w![1] * o.groups : c.x[c.x.length - c.nd - 1];
          const cout = c.kind === 'conv' ? c.w![0] : c.w![1] * o.groups;
          const Cls = c.kind === 'conv' ? ({ 1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d } as const)[c.nd] : ({ 1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d } as const)[c.nd];
          const mopts = c.kind === 'conv'
            ? { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups, bias: !!c.bias, paddingMode: c.mode }
            : { stride: o.stride, padding: o.padding, outputPadding: o.outputPadding, dilation: o.dilation, groups: o.groups, bias: !!c.bias, paddingMode: c.mode };
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const m = new (Cls as any)(cin, cout, c.w!.slice(2), mopts) as torch.nn.Module & { weight: Tensor; bias: Tensor | null };
          if (dtype === 'float64') m.double();
          m.to(DEV);
          torch.noGrad(() => {
            m.weight.copy_(w);
            if (b && m.bias) m.bias.copy_(b);
          });
          leaves.weight = m.weight;
          if (b && m.bias) leaves.bias = m.bias;
          if (!grad) for (const p of m.parameters()) p.requiresGrad_(false);
          return { y: withPref(c.pref, () => m.forward(x) as Tensor), leaves };
        }
        return { y: withPref(c.pref, () => convCall(c, x, w, b)), leaves };
      }
      if (c.kind === 'convReluPool' || c.kind === 'conv2dReluMaxPool2d') {
        const w = leaf(data(16 * s + 1, c.w!, dtype));
        const b = c.bias ? leaf(data(16 * s + 2, [c.w![0]], dtype)) : null;
        leaves.weight = w;
        if (b) leaves.bias = b;
        const co = { stride: o.stride, padding: o.padding, groups: o.groups };
        const p = c.pool!;
        if (c.kind === 'conv2dReluMaxPool2d') return { y: F.conv2dReluMaxPool2d(x, w, b, co, p.kernelSize), leaves };
        return { y: F.maxPool2d(F.relu(F.conv2d(x, w, b, co)), p.kernelSize, { stride: dimsOf(p.stride), ceilMode: p.ceilMode ?? false }), leaves };
      }
      const stride = dimsOf(o.stride);
      const k = o.kernelSize;
      switch (c.kind) {
        case 'maxPool': {
          const f = ({ 1: F.maxPool1d, 2: F.maxPool2d, 3: F.maxPool3d } as const)[c.nd];
          const po = { stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceilMode };
          if (o.returnIndices) {
            const [y, indices] = f(x, k, { ...po, returnIndices: true });
            return { y, leaves, indices };
          }
          return { y: f(x, k, po), leaves };
        }
        case 'avgPool': {
          const po = { stride, padding: o.padding, ceilMode: o.ceilMode, countIncludePad: o.countIncludePad };
          if (c.nd === 1) return { y: F.avgPool1d(x, k, po), leaves };
          const f = c.nd === 2 ? F.avgPool2d : F.avgPool3d;
          return { y: f(x, k, o.divisorOverride === undefined ? po : { ...po, divisorOverride: o.divisorOverride }), leaves };
        }
        case 'lpPool': {
          const f = c.nd === 1 ? F.lpPool1d : F.lpPool2d;
          return { y: f(x, o.normType, k, { stride, ceilMode: o.ceilMode }), leaves };
        }
        case 'adaptiveAvgPool': {
          const f = ({ 1: F.adaptiveAvgPool1d, 2: F.adaptiveAvgPool2d, 3: F.adaptiveAvgPool3d } as const)[c.nd];
          return { y: f(x, o.outputSize), leaves };
        }
        case 'adaptiveMaxPool': {
          const f = ({ 1: F.adaptiveMaxPool1d, 2: F.adaptiveMaxPool2d, 3: F.adaptiveMaxPool3d } as const)[c.nd];
          if (o.returnIndices) {
            const [y, indices] = f(x, o.outputSize, { returnIndices: true });
            return { y, leaves, indices };
          }
          return { y: f(x, o.outputSize), leaves };
        }
      }
      throw new Error(`unknown kind ${c.kind}`);
    },
  };
}

/** Eval BatchNorm statistics and affine parameters from seeds base .. base + 3 (as the generator's bn_eval). */
function setBn(bn: torch.nn.BatchNorm1d | torch.nn.BatchNorm2d, base: number): void {
  const n = bn.runningMean!.shape[0];
  torch.noGrad(() => {
    bn.runningMean!.copy_(data(base, [n], 'float64', 0, 0.2));
    bn.runningVar!.copy_(data(base + 1, [n], 'float64', 0.75));
    bn.weight!.copy_(data(base + 2, [n], 'float64', 1));
    bn.bias!.copy_(data(base + 3, [n], 'float64', 0, 0.5));
  });
}

/** A ResNet basic block (the generator's run_frozen_res, same seeds). */
class Block extends nn.Module {
  conv1: torch.nn.Conv2d;
  bn1: torch.nn.BatchNorm2d;
  conv2: torch.nn.Conv2d;
  bn2: torch.nn.BatchNorm2d;
  down?: torch.nn.Conv2d;
  bnd?: torch.nn.BatchNorm2d;
  constructor(c: Case, dtype: 'float32' | 'float64') {
    super();
    const [C, Cin] = c.w!;
    const st = c.opts.stride as number;
    const s = c.seed;
    this.conv1 = new nn.Conv2d(Cin, C, 3, { stride: st, padding: 1, bias: !!c.bias });
    this.bn1 = new nn.BatchNorm2d(C);
    this.conv2 = new nn.Conv2d(C, C, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(C);
    if (c.down) {
      this.down = new nn.Conv2d(Cin, C, 1, { stride: st, bias: false });
      this.bnd = new nn.BatchNorm2d(C);
    }
    if (dtype === 'float64') this.double();
    torch.noGrad(() => {
      this.conv1.weight.copy_(data(16 * s + 1, [C, Cin, 3, 3], 'float64'));
      if (this.conv1.bias) this.conv1.bias.copy_(data(16 * s + 2, [C], 'float64'));
      this.conv2.weight.copy_(data(16 * s + 9, [C, C, 3, 3], 'float64'));
      if (this.down) this.down.weight.copy_(data(16 * s + 10, [C, Cin, 1, 1], 'float64'));
    });
    setBn(this.bn1, 16 * s + 4);
    setBn(this.bn2, 16 * s + 11);
    if (this.bnd) setBn(this.bnd, 2 ** 20 + 16 * s);
  }
  forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))));
    const idn = this.down ? this.bnd!.forward(this.down.forward(x)) : x;
    return F.relu(y.add(idn));
  }
}

/** The frozen module of a 'frozen' / 'frozenFused' / 'frozenRes' case in `dtype`, frozen on its first input. */
function frozenModule(c: Case, dtype: 'float32' | 'float64'): torch.nn.Module {
  const s = c.seed;
  if (c.kind === 'frozenRes') {
    const m = new Block(c, dtype);
    m.to(DEV);
    m.eval();
    return torch.jit.freeze(m, data(16 * s, c.x, dtype));
  }
  const o = c.opts;
  const [OC, Cg, ...k] = c.w!;
  const Conv = ({ 1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d } as const)[c.nd];
  const conv = new Conv(Cg * o.groups, OC, k, { stride: o.stride, padding: o.padding, groups: o.groups, bias: !!c.bias });
  let m: torch.nn.Module;
  let bn: torch.nn.BatchNorm1d | torch.nn.BatchNorm2d | null = null;
  if (c.kind === 'frozenFused') {
    const pk = c.pool!.kernelSize;
    const co = { stride: o.stride, padding: o.padding, groups: o.groups };
    class Fused extends nn.Module {
      conv = conv;
      forward(x: Tensor): Tensor {
        return F.conv2dReluMaxPool2d(x, this.conv.weight, this.conv.bias, co, pk);
      }
    }
    m = new Fused();
  } else {
    const layers: torch.nn.Module[] = [conv];
    for (const l of c.layers!.slice(1)) {
      if (l === 'bn') {
        layers.push((bn = c.nd === 1 ? new nn.BatchNorm1d(OC) : new nn.BatchNorm2d(OC)));
      } else if (l === 'relu') layers.push(new nn.ReLU());
      else layers.push(new nn.MaxPool2d(c.pool!.kernelSize));
    }
    m = new nn.Sequential(...layers);
  }
  if (dtype === 'float64') m.double();
  m.to(DEV);
  torch.noGrad(() => {
    conv.weight.copy_(data(16 * s + 1, c.w!, 'float64'));
    if (conv.bias) conv.bias.copy_(data(16 * s + 2, [OC], 'float64'));
  });
  if (bn) setBn(bn, 16 * s + 4);
  m.eval();
  return torch.jit.freeze(m, data(16 * s, c.x, dtype));
}


const MAXPOOL_EXACT = new Set(['maxPool', 'adaptiveMaxPool']);
const FROZEN = new Set(['frozen', 'frozenFused', 'frozenRes']);

function runCase(c: Case): void {
  if (FROZEN.has(c.kind)) {
    // calls 1 and 2 of an input shape run the forward's code (the second records it), later ones replay
    // the recording (lib/replay.ts): each call's result must be right, and stay right after later calls
    const xb = [c.N2!, ...c.x.slice(1)];
    for (const dtype of ['float64', 'float32'] as const) {
      const m = frozenModule(c, dtype);
      const chk = dtype === 'float64' ? check64 : check32;
      const a = data(16 * c.seed, c.x, dtype);
      const b = data(16 * c.seed + 8, xb, dtype);
      const outs: [Tensor, Enc, string][] = [];
      for (const [x, e, what] of [[a, c.out!, 'a'], [a, c.out!, 'a'], [a, c.out!, 'a'], [b, c.out2!, 'b'], [b, c.out2!, 'b'], [b, c.out2!, 'b'], [a, c.out!, 'a'], [b, c.out2!, 'b']] as const) {
        const y = m.forward(x) as Tensor;
        chk(y, e, `${dtype} frozen forward, call ${outs.length + 1} (input ${what} [${x.shape.join(', ')}])`);
        outs.push([y, e, what]);
      }
      outs.forEach(([y, e, what], i) => chk(y, e, `${dtype} frozen forward, call ${i + 1} (input ${what}) after the later calls`));
    }
    return;
  }
  const b = build(c);
  if (c.out === null) {
    // PyTorch returned an empty tensor (adaptive pooling to output size 0, whose 1-D / 2-D backward
    // PyTorch then refuses): torchlet refuses output sizes below 1 up front
    expectCodedError(() => b.forward('float64', true), 'an empty output');
    return;
  }
  // float64 with gradients
  const { y, leaves, indices } = b.forward('float64', true);
  check64(y, c.out!, 'float64 output');
  if (c.indices) check(indices!, c.indices, 0, 0, 'indices');
  const gy = data(16 * c.seed + 3, y.shape, 'float64');
  const grads64: Record<string, Tensor> = {};
  y.mul(gy).sum().backward();
  if (c.forwardOnly) {
    // windows of padding only: -inf at an index past the input plane, as PyTorch (whose backward then
    // writes out of bounds); their gradient goes nowhere, the others' to their index
    const g = toNumbers(leaves.input.grad!);
    if (indices) {
      const plane = prod(c.x.slice(-c.nd));
      const idx = toNumbers(indices);
      const gyv = toNumbers(gy);
      const per = idx.length / (g.length / plane);
      const want = new Float64Array(g.length);
      idx.forEach((i, k) => {
        if (i >= 0 && i < plane) want[Math.floor(k / per) * plane + i] += gyv[k];
      });
      closeTo(leaves.input.grad!, torch.fromBuffer(want, leaves.input.shape.slice()), 1e-12, 'float64 grad input (scattered by the indices)');
    } else if (!g.every(Number.isFinite)) throw new Error('non-finite input gradient');
  } else {
    for (const [k, e] of Object.entries(c.grads ?? {})) {
      const g = leaves[k].grad;
      if (!g) throw new Error(`no gradient for ${k}`);
      check64(g, e, `float64 grad ${k}`);
      grads64[k] = g;
    }
  }
  const exact = MAXPOOL_EXACT.has(c.kind);
  // float64 inference (max pooling's values-only paths: exactly the indexed path's values)
  const y64 = torch.noGrad(() => b.forward('float64', false).y);
  if (exact) check(y64, c.out!, 0, 0, 'float64 inference output (exact)');
  else check64(y64, c.out!, 'float64 inference output');
  // float32 inference: against float64 element by element, and against PyTorch's values (a max of
  // float32-exact inputs is exact)
  const scale = c.kind === 'lpPool' ? 10 : 1; // pow(x, p), then pow(window sum, 1/p)
  const tol = exact ? 0 : 1e-4 * Math.max(0.1, maxAbsT(y64)) * scale;
  const y32 = torch.noGrad(() => b.forward('float32', false).y);
  closeTo(y32, y64, tol, 'float32 inference output vs float64');
  if (exact) check(y32, c.out!, 0, 0, 'float32 inference output (exact)');
  else check32(y32, c.out!, 'float32 inference output', scale);
  // float32 with gradients (the float32 backward kernels): against torchlet's float64 ones, checked above
  const r32 = b.forward('float32', true);
  closeTo(r32.y, y64, tol, 'float32 output (grad mode) vs float64');
  if (c.forwardOnly) return;
  r32.y.mul(gy.to('float32')).sum().backward();
  for (const [k, g64] of Object.entries(grads64))
    // (max pooling's gradient sums the output gradients of overlapping windows: float32 rounding)
    closeTo(r32.leaves[k].grad!, g64, (exact ? 1e-6 : 1e-4) * Math.max(0.1, maxAbsT(g64)) * scale, `float32 grad ${k} vs float64`);
}

function runErrorCase(c: Case): void {
  if (FROZEN.has(c.kind)) {
    expectCodedError(() => frozenModule(c, 'float64'), 'freeze');
    return;
  }
  expectCodedError(() => {
    const { y } = build(c).forward('float64', true);
    y.mul(data(16 * c.seed + 3, y.shape, 'float64')).sum().backward();
  }, `${c.error}`);
}

// ---- the tests -------------------------------------------------------------------------------------------

const groups = new Map<string, Case[]>();
for (const c of FIX.cases) {
  const key = ['conv', 'convT'].includes(c.kind) ? c.kind : ['frozen', 'frozenFused', 'frozenRes', 'convReluPool', 'conv2dReluMaxPool2d'].includes(c.kind) ? 'fused' : 'pool';
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key)!.push(c);
}

for (const device of DEVICES)
describe(`conv / pool random differential test vs PyTorch ${FIX.torch} [${device}]`, () => {
  beforeAll(() => {
    DEV = device;
  });
  afterAll(() => {
    DEV = 'cpu';
  });
  test('the fixture holds enough cases of every kind', () => {
    expect(FIX.cases.length).toBeGreaterThanOrEqual(300);
    const kinds = new Set(FIX.cases.map((c) => c.kind));
    for (const k of ['conv', 'convT', 'maxPool', 'avgPool', 'lpPool', 'adaptiveAvgPool', 'adaptiveMaxPool', 'convReluPool', 'conv2dReluMaxPool2d', 'frozen', 'frozenFused', 'frozenRes'])
      expect(kinds).toContain(k);
    expect(FIX.cases.filter((c) => c.error).length).toBeGreaterThanOrEqual(20);
  });

  for (const [group, all] of groups)
    describe(group, () => {
      // on the emulated CUDA device (slow: every thread on the CPU), a third of the cases and every
      // refusal, to keep CI's test:cuda-emu stage short; on the CPU and a real GPU all of them
      const cases = device === 'cuda' && EMULATED ? all.filter((c, i) => i % 3 === 0 || c.error) : all;
      test.each(cases.map((c) => [c.name, c] as [string, Case]))('%s', (_n, c) => {
        torch.tidy(() => (c.error ? runErrorCase(c) : runCase(c)));
      });
    });

  if (device === 'cpu') test('the cases reach every CPU convolution algorithm in each pass', () => {
    const seen = { forward: new Set<string>(), backwardInput: new Set<string>(), backwardWeight: new Set<string>() };
    for (const c of FIX.cases) {
      if (c.error || c.mode || (c.kind !== 'conv' && c.kind !== 'convT')) continue;
      const x = c.unbatched ? [1, ...c.x] : c.x;
      const o = c.opts;
      const opts = { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups };
      if (c.kind === 'conv') {
        const a = withPref(c.pref, () => F.convAlgorithms(x, c.w!, opts));
        seen.forward.add(a.forward);
        seen.backwardInput.add(a.backwardInput);
        seen.backwardWeight.add(a.backwardWeight);
      } else {
        // a transposed conv runs the input gradient of the conv from its output shape to its input shape
        const nd = c.nd;
        const op = Array.isArray(o.outputPadding) ? o.outputPadding : new Array<number>(nd).fill(o.outputPadding);
        const at = (v: Num, i: number): number => (Array.isArray(v) ? v[i] : v);
        const out = x.slice(2).map((n, i) => (n - 1) * at(o.stride, i) - 2 * at(o.padding, i) + at(o.dilation, i) * (c.w![2 + i] - 1) + op[i] + 1);
        const xin = x.slice(2).map((n, i) => n + Math.floor(op[i] / at(o.stride, i)));
        const a = withPref(c.pref, () => F.convAlgorithms([x[0], c.w![1] * o.groups, ...out], c.w!, opts));
        if (xin.every((n, i) => n === x[2 + i])) seen.backwardInput.add(a.backwardInput);
      }
    }
    const all = ['shifted', 'pointwise', 'batched', 'depthwise', 'winograd', 'direct'];
    expect([...seen.forward].sort()).toEqual(expect.arrayContaining([...all, 'im2col']));
    expect([...seen.backwardInput].sort()).toEqual(expect.arrayContaining([...all, 'col2im']));
    expect([...seen.backwardWeight].sort()).toEqual(expect.arrayContaining(['shifted', 'pointwise', 'batched', 'depthwise', 'direct', 'im2col']));
  });
});
