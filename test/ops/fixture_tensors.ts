// test/ops/fixture_tensors.ts — tensors of PyTorch fixture files ({shape, dtype, data}, flat
// row-major; NaN and infinities written as strings) and their comparison, shared by the fixture
// tests of the scatter / index ops (scatter_more.test.ts, index_reduce.test.ts): mk builds a CPU
// tensor; layout gives the same values contiguous or through a transposed (non-contiguous) view;
// check compares shape, dtype and values (integers exactly; float32 1e-6, float64 1e-12).
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectClose, toNumbers } from '../helpers';

export interface FT {
  shape: number[];
  dtype: 'float64' | 'float32' | 'int64' | 'int32' | 'bool';
  data: (number | string)[];
}

/** The fixture's values as numbers ('NaN', 'Infinity' too). */
export const nums = (t: FT): number[] => t.data.map(Number);

export function mk(t: FT): Tensor {
  const n = nums(t);
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(n, (v) => BigInt(v)), t.shape.slice());
  if (t.dtype === 'int32') return torch.fromBuffer(Int32Array.from(n), t.shape.slice());
  if (t.dtype === 'bool') return torch.tensor(n.map((v) => v !== 0), { dtype: 'bool' }).reshape(t.shape);
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(n), t.shape.slice());
  return torch.fromBuffer(Float64Array.from(n), t.shape.slice());
}

export type Layout = 'contiguous' | 'transposed';
/** The same values as a transposed copy transposed back (by differentiable ops; 0-d and 1-D: a strided slice). */
export function layout(t: Tensor, l: Layout): Tensor {
  if (l === 'contiguous') return t;
  if (t.ndim >= 2) return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
  return torch.stack([t, t], t.ndim).index('...', 0);
}

export function check(actual: Tensor, expected: FT, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  if (expected.dtype !== 'float64' && expected.dtype !== 'float32') expect(toNumbers(actual)).toEqual(nums(expected));
  else {
    const tol = expected.dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-12, rtol: 1e-12 };
    expectClose(actual, nums(expected), { ...tol, label, ignoreShape: true });
  }
}
