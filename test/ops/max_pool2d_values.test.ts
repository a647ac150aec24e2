// test/ops/max_pool2d_values.test.ts — the values-only max pooling (inference on the CPU: no indices,
// the grouped -inf-padded flat passes of native/cpu/pool2d.cc) against the indexed scan (autograd on),
// value for value, on 300 seeded random shapes: kernel 1-5 per dim, stride 1-3, padding up to half the
// kernel, ceil mode, float32 and float64, odd map sizes, with NaN, -inf and ties sprinkled in; and the
// 16-plane blocks of rows up to 24 columns (the blocked AVX-512 path) with and without NaN, the
// stride-1 same-size pools of the flat AVX-512 path on every kind of plane and row length (rows over
// 24 columns), and the other column-stride-1/2 pools of the rows path on rows of several 16-lane steps.
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

/** Values-only pooling of shape (random data with NaN, -inf, -0 and ties) equals the indexed scan's. */
/** nanPlanes: which planes may hold NaN (all by default); the others get -0 and +0 ties instead. */
function check(rnd: () => number, what: string, shape: number[], k: number[], opts: { stride: number[]; padding: number[]; ceilMode: boolean }, dtype: 'float32' | 'float64', nanPlanes = (_pl: number) => true) {
  const n = shape.reduce((a, b) => a * b);
  const plane = shape[2] * shape[3];
  const data = Array.from({ length: n }, (_v, i) => {
    const r = rnd();
    if (r < 0.03) return nanPlanes(Math.floor(i / plane)) ? NaN : r < 0.015 ? -0 : 0;
    return r < 0.06 ? -Infinity : r < 0.15 ? 0.5 : Math.round((rnd() - 0.5) * 64) / 8;
  });
  const x = torch.tensor(data, { dtype }).view(shape);
  const values = torch.noGrad(() => F.maxPool2d(x, k, opts) as Tensor);
  const indexed = F.maxPool2d(x.clone().requiresGrad_(), k, opts) as Tensor;
  const a = Array.from(values.toArray() as Float32Array);
  const b = Array.from(indexed.detach().toArray() as Float32Array);
  expect(values.shape).toEqual(indexed.shape);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) throw new Error(`${what} (k ${k} ${JSON.stringify(opts)} ${dtype} ${shape}): element ${i} is ${a[i]}, indexed ${b[i]}`);
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
      check(rnd, `case ${t}`, [int(1, 3), int(1, 20), H, W], [kh, kw], { stride: [sh, sw], padding: [ph, pw], ceilMode }, dtype);
      checked++;
    }
    expect(checked).toBe(300);
  });
  // stride 1, odd kernels with half-kernel padding: the output is the input's grid (the flat AVX-512
  // path on planes up to 4096 elements, float32): rows shorter and longer than 16 lanes, planes
  // smaller than a step, many planes (more than one group of planes), kernels 1-5 per dim, and planes
  // over the flat path's limit (the grouped path)
  test('stride-1 same-size pools (flat path): the same values as the indexed path', () => {
    const rnd = lcg(777);
    const shapes = [[2, 3, 1, 1], [1, 5, 3, 3], [4, 500, 3, 3], [2, 64, 6, 6], [1, 7, 12, 12], [2, 3, 5, 17], [1, 2, 20, 33], [1, 2, 64, 64], [1, 1, 70, 70]];
    let checked = 0;
    for (const shape of shapes)
      for (const [kh, kw] of [[3, 3], [1, 3], [5, 3], [5, 5], [1, 1]]) {
        if (kh > 2 * shape[2] + 1 || kw > 2 * shape[3] + 1) continue;
        for (const dtype of ['float32', 'float64'] as const) {
          check(rnd, 'same-size', shape, [kh, kw], { stride: [1, 1], padding: [(kh - 1) / 2, (kw - 1) / 2], ceilMode: rnd() < 0.5 }, dtype);
          checked++;
        }
      }
    expect(checked).toBeGreaterThan(80);
  });
  // rows of at most 24 columns (the blocked AVX-512 path, float32: 16 planes at a time, transposed):
  // plane counts around multiples of 16 (a partial last block), windows of every kind, and blocks
  // without NaN (their NaN-free max must keep the first of -0 and +0 as the scan does) beside blocks
  // with one
  test('16-plane blocks of short rows (blocked path), with and without NaN: the same values as the indexed path', () => {
    const rnd = lcg(99);
    const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
    for (let t = 0; t < 60; t++) {
      const kh = int(1, 5), kw = int(1, 5), sh = int(1, 3), sw = int(1, 3);
      const ph = int(0, Math.floor(kh / 2)), pw = int(0, Math.floor(kw / 2));
      const H = int(Math.max(1, kh - 2 * ph), 20), W = int(Math.max(1, kw - 2 * pw), 24);
      const planes = [1, 15, 16, 17, 33, 48][t % 6];
      const nanBlock = t % 3 === 0 ? -1 : int(0, Math.floor((planes - 1) / 16)); // -1: no NaN anywhere
      check(rnd, `blocked case ${t}`, [1, planes, H, W], [kh, kw], { stride: [sh, sw], padding: [ph, pw], ceilMode: rnd() < 0.5 }, 'float32', (pl) => Math.floor(pl / 16) === nanBlock);
    }
  });
  // column stride 1 or 2 otherwise (the rows AVX-512 path, float32): rows of 1 to 5 steps of 16, padding,
  // ceil mode (windows past the right and bottom edges), tall and short windows
  test('strided and other pools on rows of up to 80 columns (rows path): the same values as the indexed path', () => {
    const rnd = lcg(4242);
    const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
    for (let t = 0; t < 60; t++) {
      const kh = int(1, 4), kw = int(1, 5), sh = int(1, 3), sw = int(1, 2);
      const ph = int(0, Math.floor(kh / 2)), pw = int(0, Math.floor(kw / 2));
      const H = int(Math.max(1, kh - 2 * ph), 20), W = int(Math.max(kw, 17), 80);
      check(rnd, `rows case ${t}`, [int(1, 2), int(1, 5), H, W], [kh, kw], { stride: [sh, sw], padding: [ph, pw], ceilMode: rnd() < 0.5 }, t % 4 === 3 ? 'float64' : 'float32');
    }
  });
});
