// The native boundary: binding.d.ts declares exactly what the addon exports, its generated part is
// what scripts/gen_binding_types.js makes from the addon's schema() (so the op declarations in
// native/ops/*.h are the only source), every op reads its arguments strictly (count, tensor
// arguments, parameter keys, kinds and ranges) with coded errors naming the op and the argument,
// enum codes come from the addon, torch.kernels() lists every op with its dtypes per device, and each
// op's checker refuses tensors that do not match the sizes its kernels index with.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../lib';
import { native, enums } from '../lib/binding';
import { TorchletError } from '../lib/errors';
import { TORCH, runChild, describeChild, lastJson } from './child';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const gen = require('../scripts/gen_binding_types.js') as {
  generate(s: unknown): string;
  updated(text: string, gen: string): string;
};
const dts = fs.readFileSync(path.join(__dirname, '..', 'binding.d.ts'), 'utf8');

function declaredMembers(iface: string): Set<string> {
  const start = dts.indexOf(`export interface ${iface}`);
  const body = dts.slice(start, dts.indexOf('\n}\n', start));
  return new Set(
    body
      .split('\n')
      .map((l) => /^ {2}([A-Za-z_][A-Za-z0-9_]*)\s*[(:]/.exec(l)?.[1])
      .filter((n): n is string => !!n),
  );
}

test('binding.d.ts is up to date with the addon schema (run node scripts/gen_binding_types.js)', () => {
  expect(gen.updated(dts, gen.generate(native.schema()))).toBe(dts);
});

test('binding.d.ts declares exactly the native exports', () => {
  const declared = new Set([...declaredMembers('Ops'), ...declaredMembers('Binding')]);
  const exported = new Set(Object.keys(native));
  expect(declared.size).toBeGreaterThan(30);
  expect([...exported].filter((n) => !declared.has(n))).toEqual([]); // exported but not declared
  expect([...declared].filter((n) => !exported.has(n))).toEqual([]); // declared but missing
});

test('every op in the schema is exported, has a CPU kernel, and names its arguments', () => {
  const s = native.schema();
  expect(s.ops.length).toBeGreaterThan(30);
  const names = s.ops.map((o) => o.name);
  expect(new Set(names).size).toBe(names.length);
  for (const op of s.ops) {
    expect(typeof (native as unknown as Record<string, unknown>)[op.name]).toBe('function');
    expect(op.dtypes.cpu.length).toBeGreaterThan(0);
    expect(op.tensors.length).toBeGreaterThan(0);
    for (const p of op.params) expect(s.structs[p]).toBeDefined();
  }
});

test('torch.kernels() lists every op with dtypes per device, from the registry', () => {
  const k = torch.kernels();
  expect(k.map((o) => o.name)).toEqual(native.schema().ops.map((o) => o.name).sort((a, b) => a.localeCompare(b)));
  const pool = k.find((o) => o.name === 'maxPool2dForward')!;
  expect(pool.cpu).toBe(true);
  expect(pool.dtypes.cpu).toEqual(['float32', 'float64']);
  expect(k.find((o) => o.name === 'copyStrided')!.dtypes.cpu).toEqual(['float32', 'float64', 'int64', 'uint8', 'int32']);
});

test('torch.kernels(): a kernel family lists its operations (variants); issue 14\'s elementwise math is native', () => {
  const k = torch.kernels();
  const variants = (name: string) => k.find((o) => o.name === name)!.variants;
  expect(variants('unary')).toEqual(native.schema().enums.UnaryOp.map((n) => n.charAt(0).toLowerCase() + n.slice(1)));
  expect(variants('unary')).toEqual(
    expect.arrayContaining(['abs', 'sign', 'floor', 'ceil', 'round', 'trunc', 'sin', 'cos', 'tan', 'asin', 'sinh', 'cosh', 'exp2', 'expm1', 'log1p', 'log2', 'log10', 'erf', 'erfinv', 'rsqrt', 'reciprocal', 'clampMin', 'clampMax', 'bitwiseNot', 'nanTo']),
  );
  expect(variants('binary')).toEqual(expect.arrayContaining(['atan2', 'remainder', 'fmod', 'logicalAnd', 'logicalOr', 'logicalXor', 'bitwiseAnd', 'bitwiseOr', 'bitwiseXor']));
  expect(variants('reduce')).toEqual(expect.arrayContaining(['sum', 'prod', 'max', 'min']));
  expect(k.find((o) => o.name === 'copyStrided')!.variants).toEqual([]); // one thing only
});

test('firstNonFinite: the first NaN or infinity of a Float32Array (views too), -1 when every value is finite', () => {
  const a = new Float32Array(5000);
  a.set([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0, -1e-40]); // extremes, a denormal, -0: finite
  expect(native.firstNonFinite(a)).toBe(-1);
  for (const [at, v] of [[4999, NaN], [2048, -Infinity], [1024, NaN], [1023, Infinity], [0, Infinity]] as [number, number][]) {
    a[at] = v;
    expect(native.firstNonFinite(a)).toBe(at); // the first one, across the 1024-element blocks
  }
  const view = new Float32Array(a.buffer, 4 * 3001, 100); // a view starting mid-buffer
  expect(native.firstNonFinite(view)).toBe(-1);
  a[3050] = NaN;
  expect(native.firstNonFinite(view)).toBe(49);
  expect(native.firstNonFinite(new Float32Array(0))).toBe(-1);
  for (const bad of [new Float64Array(2), [NaN], undefined])
    expect(() => (native.firstNonFinite as (x: unknown) => number)(bad)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG_TYPE', message: expect.stringMatching(/Float32Array/) }));
});

test('enum codes come from the addon, frozen', () => {
  expect(enums.BinaryOp.Add).toBe(0);
  expect(enums.UnaryOp.MulScalar).toBe(native.schema().enums.UnaryOp.indexOf('MulScalar'));
  expect(Object.isFrozen(enums.ReduceOp)).toBe(true);
  expect(Object.keys(enums).sort()).toEqual(Object.keys(native.schema().enums).sort());
});

describe('ops read their arguments strictly, with coded errors', () => {
  const t = torch.zeros([2, 3]);
  const arg = () => t.arg();
  const expectErr = (fn: () => unknown, code: string, msg: RegExp) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TorchletError);
    expect((err as TorchletError).code).toBe(code);
    expect((err as Error).message).toMatch(msg);
  };
  const call = (name: string, ...args: unknown[]) => () =>
    ((native as unknown as Record<string, (...a: unknown[]) => unknown>)[name])(...args);

  test('argument count', () => {
    expectErr(call('fill', arg()), 'ERR_TORCHLET_INVALID_ARG', /fill\(out, FillParams\) expects 2 arguments, got 1/);
    expectErr(call('fill', arg(), { value: 1 }, 3), 'ERR_TORCHLET_INVALID_ARG', /expects 2 arguments, got 3/);
  });
  test('a missing, unknown or mistyped parameter names the struct and the field', () => {
    expectErr(call('fill', arg(), {}), 'ERR_TORCHLET_INVALID_ARG', /is missing FillParams\.value/);
    expectErr(call('fill', arg(), { value: 1, valu: 2 }), 'ERR_TORCHLET_INVALID_ARG', /unknown key 'valu' in its FillParams/);
    expectErr(call('fill', arg(), { value: '1' }), 'ERR_TORCHLET_INVALID_ARG_TYPE', /expects a number for FillParams\.value/);
    expectErr(call('fill', arg(), [1]), 'ERR_TORCHLET_INVALID_ARG_TYPE', /expects an object of FillParams/);
    expectErr(call('unary', arg(), arg(), { op: 99, scalar: 0 }), 'ERR_TORCHLET_INVALID_ARG', /UnaryOp code\) for UnaryParams\.op, got 99/);
    expectErr(call('unary', arg(), arg(), { op: 1.5, scalar: 0 }), 'ERR_TORCHLET_INVALID_ARG', /an integer/);
    const adam = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, amsgrad: false, decoupled: false, maximize: false };
    expectErr(call('adamStep', arg(), arg(), arg(), arg(), null, { ...adam, beta1: 2 }), 'ERR_TORCHLET_INVALID_ARG', /AdamParams\.beta1, got 2/);
    expectErr(call('adamStep', arg(), arg(), arg(), arg(), null, { ...adam, eps: NaN }), 'ERR_TORCHLET_INVALID_ARG', /AdamParams\.eps/);
    expect(() => (native as unknown as { fill: (...a: unknown[]) => void }).fill(arg(), { value: NaN })).not.toThrow(); // unbounded: NaN fills
  });
  test('ranges, arrays and fixed-length dims', () => {
    const p = { N: 1, C: 1, H: 2, W: 3, OH: 1, OW: 1, kh: 0, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 };
    const x = torch.zeros([1, 1, 2, 3]);
    const y = torch.zeros([1, 1, 1, 1]);
    const i = torch.zeros([1, 1, 1, 1], { dtype: 'int64' });
    expectErr(call('maxPool2dForward', x.arg(), y.arg(), i.arg(), p), 'ERR_TORCHLET_INVALID_ARG', /Pool2dParams\.kh, got 0/);
    expectErr(
      call('copyStrided', arg(), arg(), { srcStrides: [3, 'a'], outStrides: [], shape: [2, 3] }),
      'ERR_TORCHLET_INVALID_ARG_TYPE',
      /array of integers for CopyStridedParams\.srcStrides/,
    );
    const conv = { N: 1, C: 1, OC: 1, groups: 1, in: [1, 2], kernel: [1, 1, 1], out: [1, 2, 3], stride: [1, 1, 1], pad: [0, 0, 0], dilation: [1, 1, 1] };
    expectErr(call('convForward', x.arg(), x.arg(), null, x.arg(), conv), 'ERR_TORCHLET_INVALID_ARG', /expects 3 integers for ConvParams\.in, got 2/);
  });
  test('tensor arguments: required, well-formed, not disposed, one device, a supported dtype', () => {
    expectErr(call('fill', null, { value: 0 }), 'ERR_TORCHLET_INVALID_ARG', /tensor argument 'out'/);
    expectErr(call('fill', [1, 2, 3], { value: 0 }), 'ERR_TORCHLET_INVALID_ARG_TYPE', /\[storage, offset, shape\] for its tensor argument 'out'/);
    const big = [t.arg()[0], 0, [100]];
    expectErr(call('fill', big, { value: 0 }), 'ERR_TORCHLET_INVALID_ARG', /exceeds its storage/);
    const l = torch.zeros([2], { dtype: 'int64' });
    expectErr(call('softmax', l.arg(), l.arg(), { outer: 1, C: 2, inner: 1, log: false }), 'ERR_TORCHLET_DTYPE', /softmax.*int64.*'input'.*float32, float64/);
    const d = torch.zeros([2]);
    const a = d.arg();
    d.dispose();
    expectErr(call('fill', a, { value: 0 }), 'ERR_TORCHLET_DISPOSED', /disposed/);
  });
});

describe('the packed op call (lib/binding.ts flattens each call for callPacked)', () => {
  const ops = native.schema().ops;
  const idx = (name: string) => ops.findIndex((o) => o.name === name);
  const fill = idx('fill');
  // fill(out, FillParams{value}): [offset, rank, ...sizes, value]
  const packed = (t: torch.Tensor, value: number) => new Float64Array([t.offset, t.shape.length, ...t.shape, value]);

  test('runs the op from the flattened values and the storages', () => {
    const t = torch.zeros([2, 3]);
    expect(native.callPacked(fill, packed(t, 7), 5, t.arg()[0])).toBe(true);
    expect(Array.from(t.toArray() as Float32Array)).toEqual([7, 7, 7, 7, 7, 7]);
    // a view: offset 3, 3 elements
    expect(native.callPacked(fill, new Float64Array([3, 1, 3, -1]), 4, t.arg()[0])).toBe(true);
    expect(Array.from(t.toArray() as Float32Array)).toEqual([7, 7, 7, -1, -1, -1]);
  });

  test('refuses (false, nothing written) whatever it cannot check, for the full export to report', () => {
    const t = torch.zeros([2, 3]);
    const s = t.arg()[0];
    const ok = packed(t, 5);
    expect(native.callPacked(ops.length, ok, 5, s)).toBe(false); // no such op
    expect(native.callPacked(fill, ok, 6, s)).toBe(false); // count past the values
    expect(native.callPacked(fill, ok, 4, s)).toBe(false); // a field missing
    expect(native.callPacked(fill, new Float32Array(ok) as unknown as Float64Array, 5, s)).toBe(false); // not float64
    expect(native.callPacked(fill, ok, 5, {} as unknown as typeof s)).toBe(false); // not a storage
    expect(native.callPacked(fill, ok, 5, null)).toBe(false); // 'out' is required
    expect(native.callPacked(fill, ok, 5, s, s)).toBe(false); // argument count
    expect(native.callPacked(fill, new Float64Array([0, 1, 100, 5]), 4, s)).toBe(false); // the view exceeds the storage
    const neg = packed(t, 5);
    neg[0] = -3;
    expect(native.callPacked(fill, neg, 5, s)).toBe(false); // negative offset
    const frac = packed(t, 5);
    frac[2] = 1.5;
    expect(native.callPacked(fill, frac, 5, s)).toBe(false); // fractional size
    const unary = idx('unary');
    const u = new Float64Array([0, 2, 2, 3, 0, 2, 2, 3, 99, 0]); // op code 99 is out of range
    expect(native.callPacked(unary, u, u.length, s, s)).toBe(false);
    expect(Array.from(t.toArray() as Float32Array)).toEqual([0, 0, 0, 0, 0, 0]);
    const d = torch.zeros([2]);
    const ds = d.arg()[0];
    d.dispose();
    expect(native.callPacked(fill, new Float64Array([0, 1, 2, 1]), 4, ds)).toBe(false); // disposed
  });

  test('the op exports give the same results and errors as before (the strict tests above run through them)', () => {
    const x = torch.randn([2, 3, 5, 5]);
    const w = torch.randn([4, 3, 3, 3]);
    const y = torch.F.conv2d(x, w, null, { padding: 1 });
    const p = {
      N: 2, C: 3, OC: 4, groups: 1, in: [1, 5, 5], kernel: [1, 3, 3], out: [1, 5, 5], stride: [1, 1, 1], pad: [0, 1, 1],
      dilation: [1, 1, 1], algo: 0, relu: false, packed: false, frozen: false,
    };
    const out = torch.zeros([2, 4, 5, 5]);
    // the same params with one extra key go through the full export, which refuses them
    expect(() => native.convForward(x.arg(), w.arg(), null, out.arg(), { ...p, extra: 1 } as never)).toThrow(/unknown key 'extra'/);
    native.convForward(x.arg(), w.arg(), null, out.arg(), p as never);
    expect(Array.from(out.toArray() as Float32Array)).toEqual(Array.from(y.toArray() as Float32Array));
  });
});

// The second line of defence (native/core/check.h, TL_OP_CHECK in native/ops/*.h): the raw ops, called
// with tensors that do not match the sizes the kernels would index with, throw coded errors naming the
// op and the argument instead of reading or writing out of bounds. Run in a child process, so a
// missing check (a crash) is a failed test.
test('kernels check the sizes they index with: mismatched calls to the raw ops are coded errors', () => {
  const r = runChild(`
    const torch = require(${TORCH});
    const { native, enums } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'binding'))});
    const f = (shape, dtype = 'float32') => torch.zeros(shape, { dtype });
    const big = f([1 << 20]);
    const out = {};
    const call = (name, fn) => { try { fn(); out[name] = 'no error'; } catch (e) { out[name] = [e.code, e.message]; } };
    const adam = { lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, amsgrad: false, decoupled: false, maximize: false };
    call('adamStep: a short grad', () => native.adamStep(big.arg(), f([1]).arg(), f([1 << 20]).arg(), f([1 << 20]).arg(), null, adam));
    call('adamStep: a float64 grad', () => native.adamStep(f([4]).arg(), f([4], 'float64').arg(), f([4]).arg(), f([4]).arg(), null, adam));
    call('adamStep: amsgrad without maxExpAvgSq', () => native.adamStep(f([4]).arg(), f([4]).arg(), f([4]).arg(), f([4]).arg(), null, { ...adam, amsgrad: true }));
    const sgd = { lr: 1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true, maximize: false };
    call('sgdStep: momentum without a buffer', () => native.sgdStep(big.arg(), big.arg(), null, sgd));
    call('copyStrided: a negative stride', () => native.copyStrided([big._storage.native, 0, [500001]], f([2]).arg(), { srcStrides: [-500000], outStrides: [], shape: [2] }));
    call('copyStrided: strides past the window', () => native.copyStrided(f([4]).arg(), f([2, 2]).arg(), { srcStrides: [4, 1], outStrides: [], shape: [2, 2] }));
    call('binary: strides past the window', () => native.binary(f([4]).arg(), big.arg(), f([8]).arg(), { op: enums.BinaryOp.Add, inputStrides: [1 << 20], otherStrides: [1] }));
    call('binary: an out of another dtype', () => native.binary(f([4]).arg(), f([4]).arg(), f([4], 'uint8').arg(), { op: enums.BinaryOp.Add, inputStrides: [1], otherStrides: [1] }));
    call('unary: a short out', () => native.unary(big.arg(), f([1]).arg(), { op: enums.UnaryOp.Exp, scalar: 0 }));
    call('reduce: sizes beyond the input', () => native.reduce(f([4]).arg(), f([1 << 20]).arg(), { op: enums.ReduceOp.Sum, outer: 1 << 20, r: 1 << 10, inner: 1 }));
    call('reduce: max over an empty dimension', () => native.reduce(f([0]).arg(), f([3]).arg(), { op: enums.ReduceOp.Max, outer: 3, r: 0, inner: 1 }));
    call('reduce: a uint8 sum into uint8', () => native.reduce(f([4], 'uint8').arg(), f([1], 'uint8').arg(), { op: enums.ReduceOp.Sum, outer: 1, r: 4, inner: 1 }));
    call('softmax: a short out', () => native.softmax(big.arg(), f([2]).arg(), { outer: 1, C: 1 << 20, inner: 1, log: false }));
    call('nllForward: sizes beyond the input', () => native.nllForward(f([4]).arg(), f([4], 'int64').arg(), null, f([4]).arg(), f([4]).arg(), { N: 4, C: 1 << 20, inner: 1, ignoreIndex: -100 }));
    call('lossPointwise: a short target', () => native.lossPointwise(f([4]).arg(), f([1]).arg(), null, null, f([4]).arg(), { op: enums.LossOp.L1, p: 0 }));
    call('lossPointwiseBackward: a short gradInput', () => native.lossPointwiseBackward(f([4]).arg(), f([4]).arg(), f([4]).arg(), null, null, f([1]).arg(), null, { op: enums.LossOp.L1, p: 0 }));
    call('cumsum: sizes beyond the input', () => native.cumsum(f([4]).arg(), f([4]).arg(), { outer: 1, n: 1 << 20, inner: 1, reverse: false }));
    call('dropoutForward: a short out', () => native.dropoutForward(big.arg(), f([1]).arg(), { kind: enums.DropoutKind.Element, p: 0.5, L: 1, seed: 1, offset: 0 }));
    const pool = { N: 1, C: 1, H: 4, W: 4, OH: 2, OW: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 };
    call('maxPool2dForward: a short out', () => native.maxPool2dForward(f([16]).arg(), f([1]).arg(), f([4], 'int64').arg(), pool));
    call('maxPool2dForward: float32 indices', () => native.maxPool2dForward(f([16]).arg(), f([4]).arg(), f([4]).arg(), pool));
    call('reluMaxPool2dForward: windows past the input', () => native.reluMaxPool2dForward(f([16]).arg(), f([9]).arg(), f([9], 'uint8').arg(), { ...pool, OH: 3, OW: 3 }));
    call('maxUnpool2dForward: a short out', () => native.maxUnpool2dForward(f([4]).arg(), f([4], 'int64').arg(), f([1]).arg(), { N: 1, C: 1, H: 2, W: 2, OH: 4, OW: 4 }));
    console.log(JSON.stringify(out));
  `);
  if (r.status !== 0) throw new Error(describeChild(r));
  const out = lastJson<Record<string, string | [string, string]>>(r);
  const expected: Record<string, string> = {
    'adamStep: a short grad': 'ERR_TORCHLET_SHAPE',
    'adamStep: a float64 grad': 'ERR_TORCHLET_DTYPE',
    'adamStep: amsgrad without maxExpAvgSq': 'ERR_TORCHLET_INVALID_ARG',
    'sgdStep: momentum without a buffer': 'ERR_TORCHLET_INVALID_ARG',
    'copyStrided: a negative stride': 'ERR_TORCHLET_INVALID_ARG',
    'copyStrided: strides past the window': 'ERR_TORCHLET_INVALID_ARG',
    'binary: strides past the window': 'ERR_TORCHLET_INVALID_ARG',
    'binary: an out of another dtype': 'ERR_TORCHLET_DTYPE',
    'unary: a short out': 'ERR_TORCHLET_SHAPE',
    'reduce: sizes beyond the input': 'ERR_TORCHLET_SHAPE',
    'reduce: max over an empty dimension': 'ERR_TORCHLET_INVALID_ARG',
    'reduce: a uint8 sum into uint8': 'ERR_TORCHLET_DTYPE',
    'softmax: a short out': 'ERR_TORCHLET_SHAPE',
    'nllForward: sizes beyond the input': 'ERR_TORCHLET_SHAPE',
    'lossPointwise: a short target': 'ERR_TORCHLET_SHAPE',
    'lossPointwiseBackward: a short gradInput': 'ERR_TORCHLET_SHAPE',
    'cumsum: sizes beyond the input': 'ERR_TORCHLET_SHAPE',
    'dropoutForward: a short out': 'ERR_TORCHLET_SHAPE',
    'maxPool2dForward: a short out': 'ERR_TORCHLET_SHAPE',
    'maxPool2dForward: float32 indices': 'ERR_TORCHLET_DTYPE',
    'reluMaxPool2dForward: windows past the input': 'ERR_TORCHLET_INVALID_ARG',
    'maxUnpool2dForward: a short out': 'ERR_TORCHLET_SHAPE',
  };
  expect(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v[0]]))).toEqual(expected);
  for (const v of Object.values(out)) expect(v[1]).toMatch(/^torchlet: native op /);
});
