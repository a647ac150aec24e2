// test/ops/creation.test.ts — creating and converting tensors on every device: argument errors of
// torch.tensor, fromBuffer, zeros, arange and of device names and the thread-count setting; and on
// CUDA agreement with the CPU of the fill kernel (full / zeros / ones, every dtype, empty and 0-d
// shapes) and of dtype casts t.to(dtype) (the copy_strided kernel: every pair of storage dtypes,
// strided sources, NaN / inf / -0 kept), bit for bit.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { expectArgError, ArgErrorRow } from '../helpers';
import { expectSame, makeTensor, randTensor } from './compare';

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
