// test/cuda/compare.ts — helpers shared by the CUDA-vs-CPU tests of the element-wise families
// (test/cuda/{elementwise,loss,optim,pool2d,reduce}.test.ts): a seeded generator, element values as
// a flat array, an element-wise comparison (exact unless a tolerance is given; NaN equals NaN,
// bigints exactly), and the move to the device.
import type { Tensor } from '../../lib';

export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function flat(t: Tensor): (number | bigint)[] {
  return Array.from(t.toArray() as ArrayLike<number | bigint>);
}

export function expectSame(cuda: Tensor, cpu: Tensor, label: string, tol: { rtol?: number; atol?: number } = {}): void {
  expect(cuda.device.startsWith('cuda')).toBe(true);
  expect(cuda.shape).toEqual(cpu.shape);
  expect(cuda.dtype).toBe(cpu.dtype);
  const a = flat(cuda), b = flat(cpu);
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

export const cu = (t: Tensor) => t.to('cuda');
