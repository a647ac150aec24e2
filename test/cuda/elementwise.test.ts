// CUDA elementwise kernels (native/cuda/elementwise.cu: copy_strided, fill, binary, unary,
// unary_backward) against the CPU kernels through the public API, on awkward shapes: odd sizes,
// broadcasting (incl. 0-d and size-0 tensors), non-contiguous views (transpose, permute, narrow,
// expand, select), every storage dtype, NaN / +-0 / +-inf operands. Inputs are made on the CPU and
// copied, so both devices see the same numbers. The arithmetic, comparisons, casts, fills and
// copies must be bit-identical; exp/log/tanh/sigmoid/pow use CUDA's libdevice and may differ by a
// few ulp. Skipped without a CUDA device.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { rdiv, rsub } from '../../lib/ops/elementwise';
import { CUDA_AVAILABLE, cudaSkipReason } from '../devices';
import { cu, flat, lcg } from './compare';

const F = torch.F;
const describeCuda = CUDA_AVAILABLE ? describe : describe.skip;
const TITLE = 'CUDA elementwise vs CPU' + (CUDA_AVAILABLE ? '' : ` (skipped: ${cudaSkipReason()})`);

// ---- helpers (deterministic inputs; CPU vs CUDA comparison) -----------------------------------
function make(shape: number[], dtype: DType, values: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = (i: number) => values[i % Math.max(1, values.length)] ?? 0;
  let arr;
  switch (dtype) {
    case 'float32': arr = Float32Array.from({ length: n }, (_, i) => v(i)); break;
    case 'float64': arr = Float64Array.from({ length: n }, (_, i) => v(i)); break;
    case 'int32': arr = Int32Array.from({ length: n }, (_, i) => v(i)); break;
    case 'int64': arr = BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.trunc(v(i)))); break;
    default: arr = Uint8Array.from({ length: n }, (_, i) => v(i)); break;
  }
  return torch.fromBuffer(arr, shape, { dtype });
}
/** Uniform values in [lo, hi) (integers for integer dtypes), optionally sprinkled with specials. */
function rand(shape: number[], dtype: DType, seed: number, lo = -3, hi = 3, specials: number[] = []): Tensor {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const isInt = dtype !== 'float32' && dtype !== 'float64';
  const vals = Array.from({ length: n }, () => {
    if (specials.length && r() < 0.15) return specials[Math.floor(r() * specials.length)];
    const x = lo + (hi - lo) * r();
    return isInt ? Math.floor(x) : x;
  });
  return make(shape, dtype, vals);
}
/** cuda vs cpu: same shape and dtype; exact (Object.is, NaN == NaN) unless rtol/atol are given. */
function expectSame(cuda: Tensor, cpu: Tensor, label: string, tol: { rtol?: number; atol?: number } = {}): void {
  expect(cuda.device.startsWith('cuda')).toBe(true);
  expect(cpu.device).toBe('cpu');
  expect(cuda.shape).toEqual(cpu.shape);
  expect(cuda.dtype).toBe(cpu.dtype);
  const a = flat(cuda), b = flat(cpu);
  expect(a.length).toBe(b.length);
  const rtol = tol.rtol ?? 0, atol = tol.atol ?? 0;
  let bad = 0, first = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    let ok: boolean;
    if (typeof x === 'bigint' || typeof y === 'bigint') ok = x === y;
    else if (Number.isNaN(x) || Number.isNaN(y)) ok = Number.isNaN(x) && Number.isNaN(y);
    else if (rtol === 0 && atol === 0) ok = Object.is(x, y);
    else ok = x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad) throw new Error(`${label}: ${bad} of ${a.length} elements differ; first at ${first}: cuda ${a[first]} vs cpu ${b[first]}`);
}
const FLOAT_TOL: Record<'float32' | 'float64', { rtol: number; atol: number }> = {
  float32: { rtol: 1e-6, atol: 1e-37 }, // libdevice vs glibc: up to ~8 float ulp (powf)
  float64: { rtol: 2e-15, atol: 1e-300 }, // up to ~8 double ulp
};

describeCuda(TITLE, () => {
  // ---- copy_strided ----------------------------------------------------------------------------
  describe('copy_strided: contiguous() of views', () => {
    const views: [string, number[], (t: Tensor) => Tensor][] = [
      ['transpose', [37, 19], (t) => t.transpose(0, 1)],
      ['permute 3-D', [3, 4, 5], (t) => t.permute(2, 0, 1)],
      ['permute 6-D', [2, 3, 1, 4, 3, 2], (t) => t.permute(5, 3, 1, 0, 4, 2)],
      ['narrow (offset)', [9, 13], (t) => t.narrow(1, 3, 7)],
      ['select + transpose', [4, 6, 5], (t) => t.select(1, 2).transpose(0, 1)],
      ['expand (stride 0)', [1, 7, 1], (t) => t.expand(5, 7, 3)],
      ['narrow of transpose', [33, 65], (t) => t.transpose(0, 1).narrow(0, 1, 63)],
      ['large transpose', [513, 257], (t) => t.transpose(0, 1)],
      ['empty', [0, 4], (t) => t.transpose(0, 1)],
      ['0-d', [], (t) => t],
    ];
    describe.each(['float32', 'float64', 'int64', 'int32', 'uint8'] as DType[])('%s', (dtype) => {
      test.each(views)('%s', (_n, shape, view) => {
        const x = rand(shape, dtype, 11, dtype === 'uint8' ? 0 : -100, 100);
        expectSame(view(cu(x)).contiguous(), view(x).contiguous(), 'contiguous');
      });
    });
    test('a non-contiguous CPU view copied to the device, and back as a view', () => {
      const x = rand([6, 10], 'float32', 3);
      const v = x.transpose(0, 1).narrow(0, 2, 5);
      expectSame(cu(v), v.contiguous(), 'to(cuda) of a view');
      const g = cu(x).transpose(0, 1).narrow(0, 2, 5);
      expect(Array.from(g.cpu().toArray() as Float32Array)).toEqual(Array.from(v.contiguous().toArray() as Float32Array));
    });
  });

  describe('copy_strided: casts', () => {
    const casts: [DType, DType, number, number][] = [
      ['float32', 'float64', -1e30, 1e30],
      ['float64', 'float32', -1e30, 1e30],
      ['float64', 'int64', -1e15, 1e15],
      ['float32', 'int64', -1e9, 1e9],
      ['float32', 'int32', -2e9, 2e9],
      ['float64', 'uint8', 0, 255.99],
      ['int64', 'float32', -1e17, 1e17],
      ['int64', 'float64', -1e17, 1e17],
      ['int64', 'int32', -1e9, 1e9],
      ['int32', 'int64', -2e9, 2e9],
      ['uint8', 'float32', 0, 256],
      ['int64', 'uint8', 0, 256],
      ['float32', 'bool', -2, 2],
    ];
    test.each(casts)('%s -> %s', (from, to, lo, hi) => {
      const x = rand([1031], from, 5, lo, hi, from.startsWith('float') ? [0, -0, 0.5, -0.5, 1.5] : [0]);
      expectSame(cu(x).to(to), x.to(to), `${from} -> ${to}`);
      // strided source + cast in one pass
      const y = rand([17, 23], from, 6, lo, hi);
      expectSame(cu(y).transpose(0, 1).to(to), y.transpose(0, 1).to(to), `${from} -> ${to} (transposed)`);
    });
    test('float -> float keeps NaN, infinities and -0', () => {
      const x = make([6], 'float64', [NaN, Infinity, -Infinity, -0, 1e-320, 3.4e39]);
      expectSame(cu(x).to('float32'), x.to('float32'), 'f64 -> f32 specials');
    });
  });

  // ---- fill ------------------------------------------------------------------------------------
  describe('fill', () => {
    test.each([
      ['float32', 2.5], ['float32', -0], ['float32', 0], ['float64', Math.PI], ['float64', NaN], ['int64', 2 ** 40 + 3],
      ['int32', -7], ['uint8', 200], ['bool', 1],
    ] as [DType, number][])('%s %p', (dtype, v) => {
      for (const shape of [[1], [5, 7], [1 << 17], [0, 3], []]) {
        const a = torch.full(shape, v, { dtype, device: 'cuda' });
        expectSame(a, torch.full(shape, v, { dtype }), `full(${shape}, ${v})`);
      }
    });
    test('zeros and ones', () => {
      expectSame(torch.zeros([3, 129], { device: 'cuda' }), torch.zeros([3, 129]), 'zeros');
      expectSame(torch.ones([129, 3], { dtype: 'int64', device: 'cuda' }), torch.ones([129, 3], { dtype: 'int64' }), 'ones');
    });
  });

  // ---- binary ----------------------------------------------------------------------------------
  const SHAPES: [string, number[], number[]][] = [
    ['same shape', [17], [17]],
    ['row broadcast', [5, 7], [7]],
    ['two-sided broadcast', [7, 1, 5], [1, 3, 1]],
    ['size-1 lhs', [1], [6, 5]],
    ['0-d lhs', [], [4, 3]],
    ['0-d rhs', [4, 3], []],
    ['empty', [0, 3], [1, 3]],
    ['5-D', [3, 1, 4, 1, 5], [2, 1, 1, 5]],
    ['column broadcast', [1025, 3], [1025, 1]],
    ['long, scalar rhs', [65537], [1]],
  ];
  const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2];
  const EXACT_OPS: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', (a, b) => torch.add(a, b)],
    ['sub', (a, b) => torch.sub(a, b)],
    ['mul', (a, b) => torch.mul(a, b)],
    ['div', (a, b) => torch.div(a, b)],
    ['maximum', (a, b) => torch.maximum(a, b)],
    ['minimum', (a, b) => torch.minimum(a, b)],
    ['eq', (a, b) => a.eq(b)],
    ['ne', (a, b) => a.ne(b)],
    ['lt', (a, b) => a.lt(b)],
    ['le', (a, b) => a.le(b)],
    ['gt', (a, b) => a.gt(b)],
    ['ge', (a, b) => a.ge(b)],
  ];

  describe.each(['float32', 'float64'] as const)('binary %s (NaN, +-0, +-inf operands)', (dtype) => {
    describe.each(EXACT_OPS)('%s', (_op, f) => {
      test.each(SHAPES)('%s', (_n, sa, sb) => {
        const a = rand(sa, dtype, 21, -3, 3, SPECIALS);
        const b = rand(sb, dtype, 22, -3, 3, SPECIALS);
        expectSame(f(cu(a), cu(b)), f(a, b), 'binary');
      });
    });
    test.each(SHAPES)('pow: %s', (_n, sa, sb) => {
      const a = rand(sa, dtype, 23, 0.1, 4, [0, 1, Infinity, NaN]);
      const b = rand(sb, dtype, 24, -3, 3, [0, 2, -1, 0.5]);
      expectSame(torch.pow(cu(a), cu(b)), torch.pow(a, b), 'pow', FLOAT_TOL[dtype]);
    });
    test('non-contiguous operands (transposed, narrowed, expanded)', () => {
      const a = rand([9, 14], dtype, 25);
      const b = rand([14, 9], dtype, 26);
      const c = rand([14, 1], dtype, 27);
      for (const [, f] of EXACT_OPS) {
        const g = f(cu(a).transpose(0, 1), cu(b).narrow(1, 0, 9));
        expectSame(g, f(a.transpose(0, 1), b.narrow(1, 0, 9)), 'transposed');
        expectSame(f(cu(c).expand(14, 9), cu(a).t()), f(c.expand(14, 9), a.t()), 'expanded');
      }
    });
  });

  describe.each(['int64', 'int32', 'uint8'] as DType[])('binary %s', (dtype) => {
    const ops = EXACT_OPS.filter(([n]) => n !== 'div' && (dtype !== 'uint8' || n !== 'sub'));
    test.each(SHAPES)('%s', (_n, sa, sb) => {
      const lo = dtype === 'uint8' ? 0 : -50;
      const a = rand(sa, dtype, 31, lo, 50);
      const b = rand(sb, dtype, 32, lo, 50);
      for (const [name, f] of ops) expectSame(f(cu(a), cu(b)), f(a, b), name);
    });
    test('pow with small non-negative exponents is exact', () => {
      const a = rand([7, 13], dtype, 33, dtype === 'uint8' ? 0 : -6, 6);
      const b = rand([13], dtype, 34, 0, 5);
      expectSame(torch.pow(cu(a), cu(b)), torch.pow(a, b), 'int pow');
    });
    test('division by non-zero', () => {
      const a = rand([11, 3], dtype, 35, dtype === 'uint8' ? 0 : -40, 40);
      const b = rand([3], dtype, 36, 1, 9);
      expectSame(torch.div(cu(a), cu(b)), torch.div(a, b), 'int div');
    });
  });

  // ---- unary -----------------------------------------------------------------------------------
  describe.each(['float32', 'float64'] as const)('unary %s', (dtype) => {
    const exact: [string, (x: Tensor) => Tensor][] = [
      ['neg', (x) => torch.neg(x)],
      ['relu (NaN passes)', (x) => torch.relu(x)],
      ['sqrt', (x) => torch.sqrt(x)],
      ['add scalar', (x) => x.add(2.5)],
      ['sub scalar', (x) => x.sub(0.75)],
      ['mul scalar', (x) => x.mul(-1.5)],
      ['square (pow 2)', (x) => x.pow(2)],
      ['rsub', (x) => rsub(3, x)],
      ['rdiv', (x) => rdiv(2, x)],
    ];
    const approx: [string, (x: Tensor) => Tensor][] = [
      ['exp', (x) => torch.exp(x)],
      ['log', (x) => torch.log(x)],
      ['sigmoid', (x) => torch.sigmoid(x)],
      ['tanh', (x) => torch.tanh(x)],
      ['pow 3', (x) => x.pow(3)],
      ['pow 0.5', (x) => x.pow(0.5)],
    ];
    const shapes = [[1], [1027], [3, 5, 7], [0, 2], [], [1 << 18]];
    test.each(exact)('%s (bit-identical)', (_n, f) => {
      for (const s of shapes) {
        const x = rand(s, dtype, 41, -5, 5, SPECIALS);
        expectSame(f(cu(x)), f(x), `${_n} ${JSON.stringify(s)}`);
      }
    });
    test.each(approx)('%s (within a few ulp)', (_n, f) => {
      for (const s of shapes) {
        const x = rand(s, dtype, 42, -20, 20, SPECIALS);
        expectSame(f(cu(x)), f(x), `${_n} ${JSON.stringify(s)}`, FLOAT_TOL[dtype]);
      }
    });
    test('a non-contiguous input', () => {
      const x = rand([33, 17], dtype, 43, 0.5, 4);
      expectSame(torch.exp(cu(x).t()), torch.exp(x.t()), 'exp of a transpose', FLOAT_TOL[dtype]);
      expectSame(torch.neg(cu(x).t()), torch.neg(x.t()), 'neg of a transpose');
    });
  });

  test('int64 unary ops: neg, relu, add/mul scalar', () => {
    const x = rand([1001], 'int64', 44, -1e6, 1e6);
    expectSame(torch.neg(cu(x)), torch.neg(x), 'neg');
    expectSame(torch.relu(cu(x)), torch.relu(x), 'relu');
    expectSame(cu(x).add(7), x.add(7), 'add');
    expectSame(cu(x).mul(-3), x.mul(-3), 'mul');
  });

  // ---- unary backward ------------------------------------------------------------------------
  describe.each(['float32', 'float64'] as const)('unary backward %s', (dtype) => {
    test.each([
      ['relu', (x: Tensor) => F.relu(x), true],
      ['sigmoid', (x: Tensor) => F.sigmoid(x), false],
      ['tanh', (x: Tensor) => F.tanh(x), false],
    ] as [string, (x: Tensor) => Tensor, boolean][])('%s', (_n, f, exact) => {
      for (const s of [[1], [515], [4, 33, 3], [0]]) {
        const x0 = rand(s, dtype, 51, -4, 4, [0, -0, NaN]);
        const g = rand(s, dtype, 52, -2, 2);
        const xc = x0.detach().requiresGrad_();
        const xg = cu(x0).detach().requiresGrad_();
        f(xc).backward(g);
        f(xg).backward(cu(g));
        // sigmoid/tanh: the forward outputs may differ by an ulp, and 1 - t loses that ulp's
        // relative accuracy near |t| = 1, so the gradients are compared with an absolute tolerance
        const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-13, atol: 1e-15 };
        expectSame(xg.grad!, xc.grad!, `${_n} grad ${JSON.stringify(s)}`, exact ? {} : tol);
      }
    });
  });
});
