// test/ops/max_pool2d_values.test.ts — the values-only max pooling (inference on the CPU: no indices,
// the grouped -inf-padded flat passes of native/cpu/pool2d.cc) against the indexed scan (autograd on),
// value for value, on 300 seeded random shapes: kernel 1-5 per dim, stride 1-3, padding up to half the
// kernel, ceil mode, float32 and float64, odd map sizes, with NaN, -inf and ties sprinkled in.
// The indexed path itself is checked against PyTorch in max_pool2d.test.ts.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';

const F = torch.F;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('max_pool2d values-only path [cpu]', () => {
  test('300 random shapes: the same values (NaN where NaN) as the indexed path', () => {
    const rnd = lcg(12345);
    const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
    let checked = 0;
    for (let t = 0; t < 300; t++) {
      const kh = int(1, 5), kw = int(1, 5), sh = int(1, 3), sw = int(1, 3);
      const ph = int(0, Math.floor(kh / 2)), pw = int(0, Math.floor(kw / 2));
      const H = int(Math.max(1, kh - 2 * ph), 14), W = int(Math.max(1, kw - 2 * pw), 14);
      const ceilMode = rnd() < 0.3;
      const dtype = rnd() < 0.3 ? 'float64' : 'float32';
      const shape = [int(1, 3), int(1, 20), H, W];
      const n = shape.reduce((a, b) => a * b);
      const data = Array.from({ length: n }, () => {
        const r = rnd();
        return r < 0.03 ? NaN : r < 0.06 ? -Infinity : r < 0.15 ? 0.5 : Math.round((rnd() - 0.5) * 64) / 8;
      });
      const x = torch.tensor(data, { dtype }).view(shape);
      const opts = { stride: [sh, sw], padding: [ph, pw], ceilMode };
      const values = torch.noGrad(() => F.maxPool2d(x, [kh, kw], opts) as Tensor);
      const indexed = F.maxPool2d(x.clone().requiresGrad_(), [kh, kw], opts) as Tensor;
      const a = Array.from(values.toArray() as Float32Array);
      const b = Array.from(indexed.detach().toArray() as Float32Array);
      expect(values.shape).toEqual(indexed.shape);
      for (let i = 0; i < a.length; i++)
        if (!Object.is(a[i], b[i])) throw new Error(`case ${t} (k ${kh}x${kw} s ${sh}x${sw} p ${ph}x${pw} ceil ${ceilMode} ${dtype} ${shape}): element ${i} is ${a[i]}, indexed ${b[i]}`);
      checked++;
    }
    expect(checked).toBe(300);
  });
});
