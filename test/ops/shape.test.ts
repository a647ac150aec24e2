// test/ops/shape.test.ts — shape ops on every device: torch.cat and torch.stack (values incl.
// non-contiguous inputs, gradients split back to each input checked by finite differences in
// float64, argument errors), and the views (view, reshape, permute, transpose, narrow, select,
// expand, flatten, squeeze / unsqueeze, t, contiguous, clone): float64 finite-difference gradchecks
// of view chains, argument errors, and on CUDA contiguous() of views (the copy_strided kernel) and
// views copied between devices, bit-identical to the CPU for every storage dtype.
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, randnT, ArgErrorRow } from '../helpers';
import { expectSame, randTensor } from './compare';

describeOp('shape', ({ device, on, dtypes, vsCpu }) => {
  /** Central differences of a scalar function of x (x is made on the CPU and moved for each evaluation). */
  function numericGrad(f: (x: torch.Tensor) => number, x: torch.Tensor): number[] {
    const base = Array.from(x.toArray() as Float64Array);
    return base.map((_, i) => {
      const e = 1e-6;
      const p = base.slice();
      p[i] += e;
      const m = base.slice();
      m[i] -= e;
      return (f(on(torch.fromBuffer(Float64Array.from(p), x.shape))) - f(on(torch.fromBuffer(Float64Array.from(m), x.shape)))) / (2 * e);
    });
  }

  describe('cat / stack', () => {
    test('cat along each dim, including transposed inputs', () => {
      const a = on(torch.arange(6, undefined, 1, { dtype: 'float32' }).reshape([2, 3]));
      const b = on(torch.arange(6, 12, 1, { dtype: 'float32' }).reshape([2, 3]));
      expect(torch.cat([a, b], 0).tolist()).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
      expect(torch.cat([a, b], -1).tolist()).toEqual([[0, 1, 2, 6, 7, 8], [3, 4, 5, 9, 10, 11]]);
      expect(torch.cat([a.t(), b.t()], 1).tolist()).toEqual([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]);
      expect(torch.stack([a, b]).shape).toEqual([2, 2, 3]);
      expect(torch.stack([a, b], 2).tolist()).toEqual([[[0, 6], [1, 7], [2, 8]], [[3, 9], [4, 10], [5, 11]]]);
    });

    test('cat gradients match finite differences', () => {
      torch.manualSeed(2);
      const a = on(torch.randn([2, 3, 2], { dtype: 'float64' }));
      const b = on(torch.randn([2, 1, 2], { dtype: 'float64' }));
      const w = on(torch.randn([2, 4, 2], { dtype: 'float64' }));
      const fa = (x: torch.Tensor) => torch.cat([x, b], 1).mul(w).pow(2).sum().item();
      const fb = (x: torch.Tensor) => torch.cat([a, x], 1).mul(w).pow(2).sum().item();
      const ag = a.clone().requiresGrad_();
      const bg = b.clone().requiresGrad_();
      torch.cat([ag, bg], 1).mul(w).pow(2).sum().backward();
      const na = numericGrad(fa, a);
      const nb = numericGrad(fb, b);
      Array.from(ag.grad!.toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(na[i], 6));
      Array.from(bg.grad!.toArray() as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(nb[i], 6));
    });

    test('cat and stack errors name the argument', () => {
      expect(() => torch.cat([], 0)).toThrow(/tensors/);
      expect(() => torch.cat([on(torch.zeros([2, 3])), on(torch.zeros([3, 2]))], 0)).toThrow(/tensors\[1\]/);
      expect(() => torch.cat([on(torch.zeros([2])), on(torch.zeros([2], { dtype: 'float64' }))])).toThrow(/tensors\[1\]/);
      expect(() => torch.cat([on(torch.zeros([2]))], 3)).toThrow(/dim/);
      expect(() => torch.stack([on(torch.zeros([2])), on(torch.zeros([3]))])).toThrow(/tensors\[1\]/);
    });
  });

  dtypes(['float64'] as const, () => {
    describe('gradcheck of views (float64 central differences, eps 1e-6)', () => {
      test('permute -> narrow -> reshape -> unsqueeze -> expand -> transpose', () => {
        const w = on(randnT([2, 3, 4], 110));
        gradcheck(
          ([x]) => x.permute(2, 0, 1).narrow(0, 1, 2).reshape([4, 3]).unsqueeze(0).expand(2, 4, 3).transpose(1, 2).mul(w),
          [randnT([2, 3, 4], 111)],
          { device },
        );
      });
      test('view -> narrow -> t -> select -> squeeze / flatten', () => {
        gradcheck(([x]) => x.view(6, 4).narrow(1, 1, 2).t().select(0, 1), [randnT([2, 3, 4], 112)], { device });
        gradcheck(([x]) => x.unsqueeze(1).flatten(0, 1).squeeze(), [randnT([3, 1, 4], 113)], { device });
      });
      test('expand with new leading dims, then matmul', () => {
        gradcheck(([x, y]) => torch.matmul(x.expand(2, 3, 4), y), [randnT([1, 3, 4], 114), randnT([4, 2], 115)], { device });
      });
      test('contiguous() / clone() of a transposed view', () => {
        gradcheck(([x]) => x.t().contiguous().mul(x.t().clone()), [randnT([3, 4], 116)], { device });
      });
    });
  });

  describe('view argument errors name the argument', () => {
    const f64 = (shape: number[]): Tensor => on(torch.zeros(shape, { dtype: 'float64' }));
    const rows: ArgErrorRow[] = [
      ['view: wrong element count', () => f64([2, 3]).view(4, 2), 'shape'],
      ['view: two -1', () => f64([2, 3]).view(-1, -1), 'shape'],
      ['view: size -2', () => f64([2, 3]).view(-2, -3), 'shape'],
      ['view of a non-contiguous tensor', () => f64([2, 3]).t().view(6), 'input'],
      ['reshape: wrong element count', () => f64([2, 3]).reshape(7), 'shape'],
      ['permute: wrong number of dims', () => f64([2, 3, 4]).permute(0, 1), 'dims'],
      ['permute: repeated dims', () => f64([2, 3, 4]).permute(0, 1, 1), 'dims'],
      ['transpose: dim out of range', () => f64([2, 3]).transpose(0, 2), /for dim[01]\b/],
      ['narrow: start out of range', () => f64([2, 3]).narrow(1, 4, 1), 'start'],
      ['narrow: length past the end', () => f64([2, 3]).narrow(1, 1, 3), 'length'],
      ['narrow: negative length', () => f64([2, 3]).narrow(1, 1, -1), 'length'],
      ['select: index out of range', () => f64([2, 3]).select(1, 3), 'index'],
      ['expand: incompatible size', () => f64([2, 3]).expand(2, 4), 'shape'],
      ['expand: fewer dims', () => f64([2, 3]).expand(3), 'shape'],
      ['flatten: startDim > endDim', () => f64([2, 3, 4]).flatten(2, 1), 'startDim'],
      ['unsqueeze: dim out of range', () => f64([2, 3]).unsqueeze(4), 'dim'],
    ];
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  // copy_strided on CUDA: contiguous() of strided views must be bit-identical to the CPU's.
  vsCpu('CUDA vs CPU: contiguous() of views (copy_strided)', () => {
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
    dtypes(['float32', 'float64', 'int64', 'int32', 'uint8'] as DType[], (dtype) => {
      test.each(views)('%s', (_n, shape, view) => {
        const x = randTensor(shape, dtype, 11, dtype === 'uint8' ? 0 : -100, 100);
        expectSame(view(on(x)).contiguous(), view(x).contiguous(), 'contiguous');
      });
    });
    test('a non-contiguous CPU view copied to the device, and back as a view', () => {
      const x = randTensor([6, 10], 'float32', 3);
      const v = x.transpose(0, 1).narrow(0, 2, 5);
      expectSame(on(v), v.contiguous(), 'to(cuda) of a view');
      const g = on(x).transpose(0, 1).narrow(0, 2, 5);
      expect(Array.from(g.cpu().toArray() as Float32Array)).toEqual(Array.from(v.contiguous().toArray() as Float32Array));
    });
  });
});
