// test/ops/arange.test.ts — torch.arange on every device, computed by the native arange kernel:
// values equal JavaScript's start + i * step (the product rounded, then the sum) converted to the
// dtype, lengths ceil((end - start) / step) (0 when the range is empty), the dtype rule (int64 for
// integer arguments, else float32), argument errors, and a length that cannot be allocated is a
// coded out-of-memory error, not a JavaScript array filled first (the old implementation built a
// BigInt64Array of every value). On CUDA, the kernel agrees with the CPU bit for bit.
import * as torch from '../../lib';
import type { DType } from '../../lib';
import { describeOp } from '../devices';
import { expectArgError, ArgErrorRow } from '../helpers';
import { expectSame } from './compare';

/** The values arange must give, computed in JavaScript. */
function expected(start: number, end: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((end - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}

describeOp('arange', ({ device, vsCpu }) => {
  test.each([
    [0, 5, 1],
    [2, -7, -3],
    [1, 2, 0.1],
    [-0.5, 3.25, 0.375],
    [5, 5, 1],
    [5, 0, 1],
    [1e15, 1e15 + 10, 3],
  ])('float64 arange(%p, %p, %p) is start + i * step', (start, end, step) => {
    const t = torch.arange(start, end, step, { dtype: 'float64', device });
    expect(t.shape).toEqual([expected(start, end, step).length]);
    expect(Array.from(t.toArray() as Float64Array)).toEqual(expected(start, end, step));
  });
  test('the dtype rule and conversions: int64 for integer arguments, float32 otherwise, casts as a cast does', () => {
    const a = torch.arange(10, undefined, undefined, { device });
    expect(a.dtype).toBe('int64');
    expect(a.tolist()).toEqual(expected(0, 10, 1));
    const f = torch.arange(0, 1, 0.1, { device });
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.toArray() as Float32Array)).toEqual(Array.from(Float32Array.from(expected(0, 1, 0.1))));
    expect(torch.arange(0.5, 4, 1, { dtype: 'int32', device }).tolist()).toEqual([0, 1, 2, 3]); // truncation, as PyTorch
    expect(torch.arange(250, 260, 3, { dtype: 'uint8', device }).tolist()).toEqual([250, 253, 256 - 256, 259 - 256]);
    const big = torch.arange(2 ** 40, 2 ** 40 + 3, 1, { device });
    expect(Array.from(big.toArray() as BigInt64Array)).toEqual([2n ** 40n, 2n ** 40n + 1n, 2n ** 40n + 2n]);
    expect(torch.arange(0, 4, 1, { device, dtype: 'float32', requiresGrad: true }).requiresGrad).toBe(true);
  });
  test("the options object may follow end or start, end (PyTorch's arange(10, dtype=...)), and only last", () => {
    const a = torch.arange(5, { dtype: 'float32', device });
    expect([a.dtype, a.device === torch.arange(1, undefined, undefined, { device }).device]).toEqual(['float32', true]);
    expect(Array.from(a.toArray() as Float32Array)).toEqual([0, 1, 2, 3, 4]);
    expect(torch.arange(2, 6, { dtype: 'int32', device }).tolist()).toEqual([2, 3, 4, 5]);
    expect(() => (torch.arange as (...a: unknown[]) => unknown)(5, { dtype: 'int32' }, 2)).toThrow(/opts/);
    expect(() => torch.arange(5, { dtyp: 'int32' } as never)).toThrow(/dtyp/);
  });
  test('a long range is made natively (2^22 elements, spot-checked)', () => {
    const n = 2 ** 22;
    const t = torch.arange(0, n, 1, { dtype: 'int32', device });
    const a = t.toArray() as Int32Array;
    expect(a.length).toBe(n);
    for (const i of [0, 1, 12345, n - 2, n - 1]) expect(a[i]).toBe(i);
  });
  test('a length that cannot be allocated is ERR_TORCHLET_OUT_OF_MEMORY (torch.arange(0, 2**52): 32 PiB)', () => {
    expect(() => torch.arange(0, 2 ** 52, 1, { device })).toThrow(
      expect.objectContaining({ code: 'ERR_TORCHLET_OUT_OF_MEMORY', message: expect.stringMatching(/^torchlet: /) }),
    );
  });
  describe('argument errors name the argument', () => {
    const rows: ArgErrorRow[] = [
      ['step 0', () => torch.arange(0, 5, 0, { device }), 'step'],
      ['NaN end', () => torch.arange(0, NaN, 1, { device }), 'end'],
      ['infinite start', () => torch.arange(-Infinity, 0, 1, { device }), 'start'],
      ['a string step', () => torch.arange(0, 5, '1' as unknown as number, { device }), 'step'],
      ['more than 2^53 steps', () => torch.arange(0, 1e300, 1, { device }), 'end'],
      ['an unknown dtype', () => torch.arange(0, 5, 1, { dtype: 'float16' as DType, device }), 'dtype'],
    ];
    test.each(rows)('%s', (_name, fn, names) => expectArgError(fn, names));
  });

  vsCpu('CUDA vs CPU', () => {
    test.each([
      ['float32', 0, 1000, 0.37],
      ['float64', -3.5, 1e3, 0.1],
      ['int64', -7, 100000, 3],
      ['int32', 5, -100, -7],
      ['uint8', 0, 300, 1],
    ] as [DType, number, number, number][])('%s arange(%p, %p, %p)', (dtype, start, end, step) => {
      expectSame(torch.arange(start, end, step, { dtype, device }), torch.arange(start, end, step, { dtype }), `arange ${dtype}`);
    });
  });
});
