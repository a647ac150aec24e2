// test/ops/creation.test.ts — creating and converting tensors on every device: argument errors of
// torch.tensor, fromBuffer, zeros, arange and of device names and the thread-count setting; and on
// CUDA agreement with the CPU of the fill kernel (full / zeros / ones, every dtype, empty and 0-d
// shapes) and of dtype casts t.to(dtype) (the copy_strided kernel: every pair of storage dtypes,
// strided sources, NaN / inf / -0 kept), bit for bit.
import * as os from 'os';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { expectArgError, ArgErrorRow } from '../helpers';
import { expectSame, makeTensor, randTensor } from './compare';
import { TORCH, runChild, describeChild, lastJson } from '../child';

describeOp('creation', ({ device, on, vsCpu }) => {
  describe('argument errors name the argument', () => {
    const rows: ArgErrorRow[] = [
      ['tensor: ragged nested array', () => torch.tensor([[1, 2], [3]]), 'data'],
      ['tensor: strings', () => torch.tensor(['a'] as unknown as number[]), 'data'],
      ['tensor: unknown dtype', () => torch.tensor([1], { dtype: 'float16' as 'float32' }), 'dtype'],
      ['fromBuffer: shape with the wrong element count', () => torch.fromBuffer(new Float64Array(6), [4, 2]), 'shape'],
      ['fromBuffer: not a typed array', () => torch.fromBuffer([1, 2] as unknown as Float64Array), 'data'],
      ['zeros: negative size', () => torch.zeros([2, -1]), 'shape'],
      ['zeros: fractional size', () => torch.zeros([2.5]), 'shape'],
      ['arange: step 0', () => torch.arange(0, 5, 0), 'step'],
      ["device 'tpu'", () => torch.zeros([2], { device: 'tpu' }), 'device'],
      ['setNumThreads(0)', () => torch.setNumThreads(0), /for n\b/],
      ['setNumThreads(1e6)', () => torch.setNumThreads(1e6), /for n\b/],
      ['setNumThreads(max + 1)', () => torch.setNumThreads(torch.getMaxNumThreads() + 1), /for n\b/],
      ['setNumThreads(1.5)', () => torch.setNumThreads(1.5), /for n\b/],
      ['setNumThreads(NaN)', () => torch.setNumThreads(NaN), /for n\b/],
      ["setNumThreads('2')", () => torch.setNumThreads('2' as unknown as number), /for n\b/],
      ['setNumThreads(2, 3)', () => (torch.setNumThreads as (...a: number[]) => void)(2, 3), /for setNumThreads\(\)/],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  vsCpu('CUDA vs CPU', () => {
    // ---- fill ------------------------------------------------------------------------------------
    describe('fill', () => {
      test.each([
        ['float32', 2.5], ['float32', -0], ['float32', 0], ['float64', Math.PI], ['float64', NaN], ['int64', 2 ** 40 + 3],
        ['int32', -7], ['uint8', 200], ['bool', 1],
      ] as [DType, number][])('%s %p', (dtype, v) => {
        for (const shape of [[1], [5, 7], [1 << 17], [0, 3], []]) {
          const a = torch.full(shape, v, { dtype, device });
          expectSame(a, torch.full(shape, v, { dtype }), `full(${shape}, ${v})`);
        }
      });
      test('zeros and ones', () => {
        expectSame(torch.zeros([3, 129], { device }), torch.zeros([3, 129]), 'zeros');
        expectSame(torch.ones([129, 3], { dtype: 'int64', device }), torch.ones([129, 3], { dtype: 'int64' }), 'ones');
      });
    });

    // ---- casts (copy_strided) --------------------------------------------------------------------
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
        const x = randTensor([1031], from, 5, lo, hi, from.startsWith('float') ? [0, -0, 0.5, -0.5, 1.5] : [0]);
        expectSame(on(x).to(to), x.to(to), `${from} -> ${to}`);
        // strided source + cast in one pass
        const y = randTensor([17, 23], from, 6, lo, hi);
        expectSame(on(y).transpose(0, 1).to(to), y.transpose(0, 1).to(to), `${from} -> ${to} (transposed)`);
      });
      test('float -> float keeps NaN, infinities and -0', () => {
        const x: Tensor = makeTensor([6], 'float64', [NaN, Infinity, -Infinity, -0, 1e-320, 3.4e39]);
        expectSame(on(x).to('float32'), x.to('float32'), 'f64 -> f32 specials');
      });
    });
  });
});

// The thread count is capped: 4 per processor available to the process, and 1024 (a refused value
// leaves the count as it was). Before, setNumThreads took anything up to 1024 whatever the machine,
// and a count the system cannot start threads for aborts the process inside libgomp at the next op.
describe('setNumThreads', () => {
  test('the cap is 4 per available processor, at most 1024; the count is kept on refusal', () => {
    const max = torch.getMaxNumThreads();
    expect(max).toBe(Math.min(1024, 4 * os.availableParallelism()));
    const before = torch.getNumThreads();
    expect(() => torch.setNumThreads(max + 1)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG' }));
    expect(torch.getNumThreads()).toBe(before);
  });
  test('the largest accepted count runs ops (in a child process)', () => {
    const r = runChild(`
      const torch = require(${TORCH});
      torch.setNumThreads(torch.getMaxNumThreads());
      const x = torch.randn([512, 512]);
      console.log(JSON.stringify({ threads: torch.getNumThreads(), ok: Number.isFinite(x.matmul(x).sum().item()) }));
    `);
    if (r.status !== 0) throw new Error(describeChild(r));
    expect(lastJson(r)).toEqual({ threads: torch.getMaxNumThreads(), ok: true });
  });
});
