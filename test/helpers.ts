// test/helpers.ts — shared helpers for the op tests: loading the PyTorch reference fixtures
// (test/fixtures/*.json, see test/fixtures/README.md), turning fixture tensors into torchlet
// tensors (on the CPU, then moved to the device under test), comparing results with a diagnostic
// message (max error, where, how many), deterministic test data, and the argument-error check.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../lib';
import type { Tensor, DType } from '../lib';
import type { OpRun, TestDevice } from './devices';
import { refTol } from './ops/tolerances';

/** A fixture tensor: flat row-major data. */
export interface T {
  shape: number[];
  dtype: 'float64' | 'int64';
  data: number[];
}

export interface FixtureCase {
  name: string;
  op: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: Record<string, any>;
  inputs: Record<string, T | null>;
  output?: T;
  outputs?: Record<string, T | T[]>;
  gradOutput?: T;
  grads?: Record<string, T>;
  gradsSequence?: T[];
  ceilRuleApplied?: [boolean, boolean];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  expected?: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sampled?: Record<string, any>;
}

export interface Fixture {
  generator: string;
  torch: string;
  cases: FixtureCase[];
}

export type Family = 'conv2d' | 'linear' | 'pool2d' | 'activation' | 'elementwise' | 'reduce' | 'loss' | 'optim' | 'init';

const cache = new Map<string, Fixture>();
/** Reads test/fixtures/<family>.json (cached). */
export function loadFixture(family: Family | string): Fixture {
  let f = cache.get(family);
  if (!f) {
    const file = path.join(__dirname, 'fixtures', `${family}.json`);
    f = JSON.parse(fs.readFileSync(file, 'utf8')) as Fixture;
    if (!f || !Array.isArray(f.cases) || f.cases.length === 0) throw new Error(`fixture ${file} has no cases`);
    cache.set(family, f);
  }
  return f;
}

/** Cases of a family (optionally only those whose op is in `ops`), as [name, case] rows for test.each. */
export function casesOf(family: Family | string, ops?: string[]): [string, FixtureCase][] {
  return loadFixture(family)
    .cases.filter((c) => !ops || ops.includes(c.op))
    .map((c) => [c.name, c] as [string, FixtureCase]);
}

export function isT(x: unknown): x is T {
  return !!x && typeof x === 'object' && Array.isArray((x as T).shape) && Array.isArray((x as T).data);
}

/**
 * A torchlet tensor from a fixture tensor. Floating data is made `dtype` (default float64);
 * int64 data stays int64 unless an integer dtype is asked for explicitly.
 */
export function fromFixture(t: T, dtype?: DType): Tensor {
  if (t.dtype === 'int64') {
    const ints = BigInt64Array.from(t.data.map((v) => BigInt(v)));
    const x = torch.fromBuffer(ints, t.shape.slice());
    return dtype && dtype !== 'int64' && dtype !== 'float32' && dtype !== 'float64' ? x.to(dtype) : x;
  }
  const d = dtype ?? 'float64';
  if (d === 'float32') return torch.fromBuffer(Float32Array.from(t.data), t.shape.slice());
  const x = torch.fromBuffer(Float64Array.from(t.data), t.shape.slice());
  return d === 'float64' ? x : x.to(d);
}

/**
 * Input tensors of a case (null stays null), made on the CPU and moved to `device`; floating inputs
 * get `dtype` and, if asked, requiresGrad (as leaves on the device).
 */
export function inputsOf(c: FixtureCase, dtype: 'float32' | 'float64', requiresGrad = true, device: TestDevice = 'cpu'): Record<string, Tensor | null> {
  const out: Record<string, Tensor | null> = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    if (!v) {
      out[k] = null;
      continue;
    }
    const t = fromFixture(v, dtype).to(device);
    if (requiresGrad && v.dtype === 'float64' && (!c.grads || k in c.grads)) t.requiresGrad_();
    out[k] = t;
  }
  return out;
}

/** Numbers of a tensor (int64 as Number) as a plain array. */
export function toNumbers(t: Tensor): number[] {
  const a = t.toArray();
  if (a instanceof BigInt64Array) return Array.from(a, (v) => Number(v));
  return Array.from(a as ArrayLike<number>);
}

export function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

export interface CloseOptions {
  /** absolute tolerance (default 1e-9) */
  atol?: number;
  /** relative tolerance, times |expected| (default 0) */
  rtol?: number;
  /** prefix for the failure message */
  label?: string;
  /** skip the shape comparison (for number[] expectations, the element count is still checked) */
  ignoreShape?: boolean;
}

function unravel(i: number, shape: number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d] || 1;
    idx[d] = i % s;
    i = Math.floor(i / s);
  }
  return idx;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise (NaN never passes), and
 * the shape when the expectation has one. On failure the message gives the max abs error, its
 * flat and multi-dimensional index, the two values there, and how many elements are out.
 */
export function expectClose(actual: Tensor, expected: T | number[] | Tensor | number, opts: CloseOptions = {}): void {
  const atol = opts.atol ?? 1e-9;
  const rtol = opts.rtol ?? 0;
  const label = opts.label ? `${opts.label}: ` : '';
  if (!actual || typeof (actual as Tensor).toArray !== 'function')
    throw new Error(`${label}expected a Tensor, got ${String(actual)}`);
  let exp: number[];
  let expShape: number[] | null = null;
  if (typeof expected === 'number') {
    exp = [expected];
    expShape = null;
  } else if (Array.isArray(expected)) exp = expected;
  else if (isT(expected)) {
    exp = expected.data;
    expShape = expected.shape;
  } else {
    exp = toNumbers(expected as Tensor);
    expShape = (expected as Tensor).shape;
  }
  if (expShape && !opts.ignoreShape && actual.shape.join(',') !== expShape.join(','))
    throw new Error(`${label}shape mismatch: actual [${actual.shape.join(', ')}], expected [${expShape.join(', ')}]`);
  const act = toNumbers(actual);
  if (act.length !== exp.length)
    throw new Error(`${label}element count mismatch: actual ${act.length} (shape [${actual.shape.join(', ')}]), expected ${exp.length}`);
  let worst = -1;
  let worstErr = -1;
  let bad = 0;
  let firstNaN = -1;
  for (let i = 0; i < act.length; i++) {
    const a = act[i];
    const e = exp[i];
    const err = Math.abs(a - e);
    if (Number.isNaN(err)) {
      if (!(Number.isNaN(a) && Number.isNaN(e))) {
        bad++;
        if (firstNaN < 0) firstNaN = i;
      }
      continue;
    }
    const tol = atol + rtol * Math.abs(e);
    if (err > tol) bad++;
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (bad === 0) return;
  const where = (i: number): string => `index ${i} [${unravel(i, actual.shape).join(', ')}]`;
  const parts = [`${label}${bad} of ${act.length} elements differ (atol ${atol}, rtol ${rtol})`];
  if (firstNaN >= 0) parts.push(`first NaN at ${where(firstNaN)}: actual ${act[firstNaN]}, expected ${exp[firstNaN]}`);
  if (worst >= 0)
    parts.push(`max abs error ${worstErr.toExponential(3)} at ${where(worst)}: actual ${act[worst]}, expected ${exp[worst]}`);
  const n = Math.min(act.length, 8);
  parts.push(`actual[0..${n}) = [${act.slice(0, n).join(', ')}]`, `expected[0..${n}) = [${exp.slice(0, n).join(', ')}]`);
  const err = new Error(parts.join('\n  '));
  Error.captureStackTrace?.(err, expectClose); // point at the caller, not at this helper
  throw err;
}

/** Exact equality of integer tensors (indices). */
export function expectEqualInts(actual: Tensor, expected: T | number[], label = ''): void {
  const exp = Array.isArray(expected) ? expected : expected.data;
  if (!Array.isArray(expected) && actual.shape.join(',') !== expected.shape.join(','))
    throw new Error(`${label}: shape mismatch: actual [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  const act = toNumbers(actual);
  const diffs: string[] = [];
  for (let i = 0; i < Math.max(act.length, exp.length); i++)
    if (act[i] !== exp[i]) diffs.push(`[${i}] ${act[i]} != ${exp[i]}`);
  if (diffs.length) throw new Error(`${label}: ${diffs.length} of ${exp.length} differ: ${diffs.slice(0, 10).join('; ')}`);
}

/**
 * Tolerances for comparing against float64 PyTorch values: tight for float64, ~1e-4 relative to
 * the magnitude for float32. `scale` is the magnitude (e.g. max |expected| or max |input|).
 */
export function tolFor(dtype: 'float32' | 'float64', scale = 1): { atol: number; rtol: number } {
  const s = Math.max(1, scale);
  return dtype === 'float64' ? { atol: 1e-9 * s, rtol: 1e-9 } : { atol: 1e-4 * s, rtol: 1e-4 };
}

/** Max |x| over the float inputs of a case (the magnitude that float32 rounding scales with). */
export function inputScale(c: FixtureCase): number {
  let m = 0;
  for (const v of Object.values(c.inputs)) if (v && v.dtype === 'float64') m = Math.max(m, maxAbs(v.data));
  return m;
}

/** A small deterministic PRNG (mulberry32) for test data that does not depend on torchlet's generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** n standard-normal-ish values (Box-Muller) from rng(seed). */
export function randnArray(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}
/** A float64 tensor of the given shape with deterministic normal values. */
export function randnT(shape: number[], seed: number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = randnArray(n, seed).map((v) => v * scale);
  return torch.fromBuffer(d, shape);
}

/**
 * Runs a forward function on a case's inputs (on `device`), back-propagates gradOutput and checks
 * output and grads against the case's PyTorch values, within refTol(op, dtype, device) of
 * test/ops/tolerances.ts for the magnitude of the case's values (`op` defaults to the default tolerances).
 */
export function checkDiffCase(
  c: FixtureCase,
  dtype: 'float32' | 'float64',
  forward: (inputs: Record<string, Tensor | null>) => Tensor,
  opts: { outputName?: string; scale?: number; device?: TestDevice; op?: string } = {},
): void {
  const device = opts.device ?? 'cpu';
  const op = opts.op ?? 'default';
  const ins = inputsOf(c, dtype, true, device);
  const y = forward(ins);
  const expOut = opts.outputName ? (c.outputs![opts.outputName] as T) : c.output!;
  const scale = opts.scale ?? Math.max(inputScale(c), maxAbs(expOut.data));
  expect(y.dtype).toBe(dtype);
  expectClose(y, expOut, { ...refTol(op, dtype, device, { magnitude: scale }), label: `${c.name} [${dtype}] output` });
  if (!c.grads || Object.keys(c.grads).length === 0) return;
  const g = fromFixture(c.gradOutput!, dtype).to(device);
  y.backward(g);
  for (const [k, gexp] of Object.entries(c.grads)) {
    const x = ins[k];
    if (!x) throw new Error(`${c.name}: fixture has a grad for ${k} but no such input`);
    if (!x.grad) throw new Error(`${c.name} [${dtype}]: ${k}.grad is null after backward()`);
    const gs = Math.max(scale, maxAbs(gexp.data), maxAbs(c.gradOutput!.data));
    expectClose(x.grad, gexp, { ...refTol(op, dtype, device, { magnitude: gs }), label: `${c.name} [${dtype}] grad ${k}` });
  }
}

/**
 * A one-input pooling case: runs fwd on the case's x (made on the CPU, moved to `device`), compares
 * the output (c.output, or c.outputs[outName]) and, after backward(gradOutput), x.grad with the
 * case's PyTorch values within refTol(op, dtype, device) for the magnitude of x (output) and of
 * gradOutput (grad).
 */
export function checkPoolCase(
  c: FixtureCase,
  dtype: 'float32' | 'float64',
  fwd: (x: Tensor) => Tensor,
  opts: { device?: TestDevice; op?: string; outName?: string } = {},
): void {
  const device = opts.device ?? 'cpu';
  const op = opts.op ?? 'default';
  const x = fromFixture(c.inputs.x!, dtype).to(device).requiresGrad_();
  const y = fwd(x);
  const out = (opts.outName ? c.outputs![opts.outName] : c.output) as T;
  expect(y.dtype).toBe(dtype);
  expect(y.shape).toEqual(out.shape);
  expectClose(y, out, { ...refTol(op, dtype, device, { magnitude: maxAbs(c.inputs.x!.data) }), label: `${c.name} output` });
  y.backward(fromFixture(c.gradOutput!, dtype).to(device));
  expectClose(x.grad!, c.grads!.x, { ...refTol(op, dtype, device, { magnitude: maxAbs(c.gradOutput!.data) }), label: `${c.name} grad x` });
}

// ---- deterministic test data (independent of torchlet's generator), made on the CPU ----

/** A float64 tensor whose elements are all distinct and at least 0.05 apart (no max ties). */
export function distinctT(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 0.02 * r());
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return torch.fromBuffer(Float64Array.from(vals), shape);
}
/** Values bounded away from zero: sign * (0.5 .. 1.5). */
export function awayFromZero(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const d = Float64Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (0.5 + r()));
  return torch.fromBuffer(d, shape);
}
/** Values in 0.5 .. 2. */
export function positive(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  return torch.fromBuffer(Float64Array.from({ length: n }, () => 0.5 + 1.5 * r()), shape);
}
/** n int64 class indices in [0, c). */
export function targets(n: number, c: number, seed: number): Tensor {
  const r = rng(seed);
  return torch.fromBuffer(BigInt64Array.from({ length: n }, () => BigInt(Math.floor(r() * c))), [n]);
}

// ---- argument errors ----

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs fn; it must throw an Error (never crash the process) whose message starts with "torchlet:"
 * and names the argument: `names` as a string must appear as "for <names>" (the library's format
 * "torchlet: Expected <what> for <name> but received <got>"), as a RegExp it must match.
 */
export function expectArgError(fn: () => unknown, names: string | RegExp): void {
  let err: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    err = e;
  }
  if (!threw) throw new Error(`expected an error naming ${String(names)}, but nothing was thrown`);
  expect(err).toBeInstanceOf(Error);
  const msg = (err as Error).message;
  expect(msg).toMatch(/^torchlet: /);
  const re = typeof names === 'string' ? new RegExp(`for ${escapeRe(names)}\\b`) : names;
  expect(msg).toMatch(re);
}

/** A row of an argument-error table: [title, the failing call, the argument its message must name]. */
export type ArgErrorRow = [string, () => unknown, string | RegExp];

// ---- max pooling NaN / tie fixtures (test/fixtures/pool_nan.json, gen_pool_nan_fixtures.py) ----

/** A pool_nan.json tensor: flat data with 'nan', 'inf', '-inf' spelled as strings. */
export type EncodedT = { shape: number[]; data: (number | string)[] };
export interface PoolNanCase { name: string; kernel: number | number[]; relu: boolean; x: EncodedT; y: EncodedT; indices: EncodedT; gy: EncodedT; gx: EncodedT }
/** The cases of pool_nan.json: max pooling (relu: of relu(x)) with NaN and tie windows. */
export function poolNanCases(): PoolNanCase[] {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'pool_nan.json'), 'utf8')) as { cases: PoolNanCase[] }).cases;
}
/** The numbers of an EncodedT. */
export function decodeT(e: EncodedT): number[] {
  return e.data.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)));
}

/** Equal element by element, NaN equal to NaN (Object.is), +0 equal to -0. */
export function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i] === 0 ? 0 : a[i], b[i] === 0 ? 0 : b[i])) throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
}

/** The max-pool example of the seed (a 4x4 plane), used by the pooling tests. */
export const SEED_POOL = [
  [1, 3, 2, 4],
  [5, 6, 8, 7],
  [4, 2, 1, 0],
  [9, 7, 3, 2],
];

// ---- the shared blocks of the op tests (test/ops/<op>.test.ts) ----

/** Options of fixtureTests / fixtureCases. */
export interface FixtureTestOpts {
  /** the describe block's title (default 'vs PyTorch') */
  block?: string;
  /** the title of the test that the fixture has cases (default 'fixture has cases') */
  title?: string;
  /** how many cases that test asks for at least (default 1) */
  min?: number;
  /** what that test counts (default the number of `cases`) */
  count?: () => number;
  /** more tests of the block, declared after the per-dtype ones */
  more?: () => void;
}

/**
 * The "vs PyTorch" block of an op test: describe(block) holding a test that the fixture has at least
 * `min` cases, then for float64 and float32 (run.dtypes, so skips.ts applies) a test.each over the
 * cases, titled by case name, each running body(case, dtype); then opts.more().
 */
export function fixtureTests<C>(
  run: Pick<OpRun, 'dtypes'>,
  cases: ReadonlyArray<readonly [string, C]>,
  body: (c: C, dtype: 'float64' | 'float32') => void,
  opts: FixtureTestOpts = {},
): void {
  describe(opts.block ?? 'vs PyTorch', () => {
    test(opts.title ?? 'fixture has cases', () => expect(opts.count ? opts.count() : cases.length).toBeGreaterThanOrEqual(opts.min ?? 1));
    run.dtypes(['float64', 'float32'] as const, (dtype) => {
      test.each(cases as [string, C][])('%s', (_n, c) => body(c, dtype));
    });
    opts.more?.();
  });
}

/**
 * fixtureTests whose body is checkDiffCase(c, dtype, forward) on the device under test with the
 * tolerance of opts.op (default the op of describeOp); with runningStats, the runningMean and
 * runningVar inputs are then compared with the case's outputs (batch and instance norm).
 */
export function fixtureCases(
  run: Pick<OpRun, 'dtypes' | 'device' | 'op'>,
  cases: [string, FixtureCase][],
  forward: (ins: Record<string, Tensor | null>, c: FixtureCase, dtype: 'float64' | 'float32') => Tensor,
  opts: FixtureTestOpts & { op?: string | ((c: FixtureCase) => string); runningStats?: boolean } = {},
): void {
  const { device } = run;
  fixtureTests(
    run,
    cases,
    (c, dtype) => {
      const op = typeof opts.op === 'function' ? opts.op(c) : opts.op ?? run.op;
      let ins: Record<string, Tensor | null> = {};
      checkDiffCase(c, dtype, (i) => forward((ins = i), c, dtype), { device, op });
      if (opts.runningStats && c.outputs) {
        expectClose(ins.runningMean!, c.outputs.runningMean as T, { ...refTol(op, dtype, device), label: `${c.name} runningMean` });
        expectClose(ins.runningVar!, c.outputs.runningVar as T, { ...refTol(op, dtype, device), label: `${c.name} runningVar` });
      }
    },
    opts,
  );
}

/**
 * An optimizer case of optim.json: the parameter (dtype, on the device) stepped once per gradient of
 * the case, compared after every step with PyTorch's within refTol(op).
 */
export function checkOptimCase(
  c: FixtureCase,
  dtype: 'float64' | 'float32',
  makeOpt: (c: FixtureCase, p: Tensor) => { step(): void; zeroGrad(): void },
  run: Pick<OpRun, 'device' | 'on' | 'op'>,
): void {
  const p = run.on(fromFixture(c.inputs.param!, dtype)).requiresGrad_();
  const opt = makeOpt(c, p);
  const after = c.outputs!.paramAfter as T[];
  expect(c.gradsSequence!.length).toBe(after.length);
  c.gradsSequence!.forEach((g, k) => {
    opt.zeroGrad();
    p.grad = run.on(fromFixture(g, dtype));
    opt.step();
    expectClose(p, after[k], { ...refTol(run.op, dtype, run.device), label: `${c.name} [${dtype}] after step ${k + 1}` });
  });
}

/** Zero tensors of a shape on the device under test, by dtype: the operands of argument-error tables. */
export function zerosOn(on: (t: Tensor) => Tensor): Record<'f64' | 'f32' | 'i64', (shape: number[]) => Tensor> {
  return {
    f64: (shape) => on(torch.zeros(shape, { dtype: 'float64' })),
    f32: (shape) => on(torch.zeros(shape, { dtype: 'float32' })),
    i64: (shape) => on(torch.zeros(shape, { dtype: 'int64' })),
  };
}

/** test.each over an argument-error table: each call must throw an error naming the argument. */
export function argErrorTests(rows: ArgErrorRow[]): void {
  test.each(rows)('%s', (_name, fn, names) => {
    expectArgError(fn, names);
  });
}

/** The convolution options of a conv fixture case (stride, padding, dilation, groups). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function convOpts(c: FixtureCase): { stride: any; padding: any; dilation: any; groups: any } {
  const p = c.params;
  return { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
}

/** The error fn throws (the test fails when nothing is thrown). */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error, but nothing was thrown');
}

/**
 * Runs fn, which must throw a coded TorchletError (code ERR_TORCHLET_*): what the random differential
 * tests (test/ops/*_fuzz.test.ts) ask where PyTorch raised. `label` names the case in the failure.
 */
export function expectCodedError(fn: () => unknown, label: string): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === null) throw new Error(`${label}: PyTorch raised, torchlet returned without an error`);
  const code = (err as { code?: unknown }).code;
  if (!(err instanceof torch.TorchletError) || typeof code !== 'string' || !code.startsWith('ERR_TORCHLET'))
    throw new Error(`${label}: expected a coded TorchletError, got ${String(err)} (code ${String(code)})`);
}

/** fn() with torch.backends.conv.algorithm set to pref (restored after; the params, and so the backward's algorithm, are fixed at the call). */
export function withAlgorithm<R>(pref: torch.ConvAlgorithmPreference, fn: () => R): R {
  const prev = torch.backends.conv.algorithm;
  torch.backends.conv.algorithm = pref;
  try {
    return fn();
  } finally {
    torch.backends.conv.algorithm = prev;
  }
}
