// test/ops/cumsum.test.ts — torch.cumsum / x.cumsum on every device: against PyTorch
// (test/fixtures/cumsum.json from gen_cumsum_fixtures.py: float32, float64, int64 and int32 inputs,
// 1-D to 3-D, every dim incl. negative ones, size-1 and empty dims, a 0-d tensor; the input gradient
// of sum(cumsum(x) * w) in float64), a float64 finite-difference gradcheck, non-contiguous inputs,
// the dtype option, argument errors (coded TorchletErrors), and on CUDA agreement with the CPU.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { DType, Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, expectClose, randnT, toNumbers } from '../helpers';
import { expectSame, randTensor } from './compare';
import { tol } from './tolerances';

interface CumsumCase {
  name: string;
  shape: number[];
  dim: number;
  dtype: 'float32' | 'float64' | 'int64' | 'int32';
  x: number[];
  out_dtype: string;
  y: number[];
  w?: number[];
  grad?: number[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cumsum.json'), 'utf8')) as { cases: CumsumCase[] };
const cases = fixture.cases.map((c) => [c.name, c] as [string, CumsumCase]);

function make(values: number[], shape: number[], dtype: DType): Tensor {
  if (dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(values.map((v) => BigInt(v))), shape);
  if (dtype === 'int32') return torch.fromBuffer(Int32Array.from(values), shape);
  if (dtype === 'float32') return torch.fromBuffer(Float32Array.from(values), shape);
  return torch.fromBuffer(Float64Array.from(values), shape);
}

describeOp('cumsum', ({ device, on }) => {
  describe('vs PyTorch', () => {
    test('fixture covers the dtypes and dims', () => expect(cases.length).toBeGreaterThanOrEqual(32));
    test.each(cases)('%s', (_n, c) => {
      const x = on(make(c.x, c.shape, c.dtype));
      const y = torch.cumsum(x, c.dim);
      expect(y.dtype).toBe(c.out_dtype);
      expect(y.shape).toEqual(c.shape);
      expect(y.device).toBe(x.device);
      if (c.out_dtype === 'int64') expect(toNumbers(y)).toEqual(c.y);
      else expectClose(y, c.y, { ...tol('cumsum', c.dtype, device, { magnitude: Math.max(1, ...c.y.map(Math.abs)) }), ignoreShape: true });
    });
    test.each(cases.filter(([, c]) => c.grad))('gradient %s', (_n, c) => {
      const x = on(make(c.x, c.shape, 'float64')).requiresGrad_();
      const w = on(make(c.w!, c.shape, 'float64'));
      torch.cumsum(x, c.dim).mul(w).sum().backward();
      expectClose(x.grad!, c.grad!, { atol: 1e-12, rtol: 1e-12, ignoreShape: true });
    });
  });

  test('x.cumsum(dim) is torch.cumsum; the dtype option casts first', () => {
    const x = on(torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }));
    expect(x.cumsum(1).tolist()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(x.cumsum(0).dtype).toBe('int64');
    const f = torch.cumsum(x, -1, { dtype: 'float64' });
    expect(f.dtype).toBe('float64');
    expect(f.tolist()).toEqual([[1, 3, 6], [4, 9, 15]]);
  });

  test('non-contiguous input', () => {
    const x = on(torch.arange(0, 12, 1, { dtype: 'float64' }).reshape([3, 4])).transpose(0, 1);
    expect(torch.cumsum(x, 1).tolist()).toEqual([[0, 4, 12], [1, 6, 15], [2, 8, 18], [3, 10, 21]]);
  });

  describe('gradcheck (float64 central differences)', () => {
    test.each([0, 1, -1])('dim %d of a 3-D tensor', (d) => {
      gradcheck(([x]) => torch.cumsum(x, d), [randnT([3, 4, 5], 70 + d)], { device });
    });
    test('through a float32 -> float64 cast (dtype option)', () => {
      gradcheck(([x]) => torch.cumsum(x.mul(2), 0, { dtype: 'float64' }), [randnT([6], 74)], { device });
    });
  });

  describe('argument errors', () => {
    const x = torch.zeros([2, 3]);
    test.each([
      ['dim out of range', () => torch.cumsum(x, 2), 'dim'],
      ['dim not an integer', () => torch.cumsum(x, 0.5), 'dim'],
      ['dim missing', () => (torch.cumsum as (t: Tensor) => Tensor)(x), 'dim'],
      ['input not a tensor', () => torch.cumsum([1, 2] as unknown as Tensor, 0), 'input'],
      ['unknown option', () => torch.cumsum(x, 0, { dtyp: 'float64' } as never), 'opts.dtyp'],
      ['extra positional argument', () => (torch.cumsum as (...a: unknown[]) => Tensor)(x, 0, {}, 1), /for cumsum\(\)/],
      ['extra positional argument to the method', () => (x.cumsum as (...a: unknown[]) => Tensor).call(x, 0, {}, 1), /for cumsum\(\)/],
      ['unsupported dtype', () => torch.cumsum(x, 0, { dtype: 'uint8' }), 'opts.dtype'],
    ] as [string, () => unknown, string | RegExp][])('%s', (_t, fn, name) => {
      expectArgError(fn, name);
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(torch.TorchletError);
        expect((e as torch.TorchletError).code).toMatch(/^ERR_TORCHLET_INVALID_ARG/);
      }
    });
  });

  if (device !== 'cpu')
    test('agrees with the CPU bit for bit (float32, float64, int64; long and short lines)', () => {
      for (const [shape, dim] of [[[3, 1000], 1], [[1000, 3], 0], [[2, 5, 7], 1]] as [number[], number][]) {
        for (const dtype of ['float32', 'float64', 'int64'] as const) {
          const cpu = randTensor(shape, dtype, 11);
          expectSame(torch.cumsum(cpu.to(device), dim), torch.cumsum(cpu, dim), `cumsum ${dtype} [${shape}] dim ${dim}`);
        }
      }
    });
});
