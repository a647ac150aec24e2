// test/serve/answer.test.ts — the answer text of a served classifier (lib/serve/answer.ts
// predictionsJson, written natively by native/core/answer.cc) against answer.ts's JavaScript
// formatOutput: the same structure, classes, indices and top-k, each probability the same float32
// (within an ulp: the C library's exp against V8's), every number spelt as the shortest decimal that
// reads back as that float32, in JavaScript's own spelling of that decimal (String(Number(token)) ===
// token: fixed between 1e-7 and 1e21, else exponent form), NaN and infinities as null; class names
// escaped as JSON.stringify escapes them; SharedArrayBuffer views read; bad arguments coded errors.
import { formatOutput, predictionsJson } from '../../lib/serve/answer';
import { native } from '../../lib/binding';

interface Pred {
  class: string;
  index: number;
  probs: (number | null)[];
  topk: { class: string; index: number; prob: number | null }[];
}

/** A seeded generator (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every number token of a JSON text. */
const numbers = (text: string) => text.match(/-?\d+(\.\d+)?(e[+-]\d+)?(?=[,\]}])/g) ?? [];

/** The text against formatOutput's predictions for the same rows. */
function expectLikeFormatOutput(text: string, data: Float32Array, k: number, r0: number, n: number, names: string[] | null, topk: number) {
  const want = formatOutput('', { data: data.subarray(r0 * k, (r0 + n) * k), shape: [n, k] }, names, topk).predictions as Pred[];
  const got = JSON.parse(text) as Pred[];
  expect(got).toHaveLength(n);
  // (plain checks gathered into one expect: an expect per number made 1000 classes take seconds)
  const bad: string[] = [];
  const same = (g: number | null, w: number | null) => {
    const ok = w === null || !Number.isFinite(w) ? g === null : g !== null && Math.abs(Math.fround(g) - w) <= Math.abs(w) * 2 ** -23;
    if (!ok) bad.push(`${g} for ${w}`);
  };
  got.forEach((g, r) => {
    const w = want[r];
    expect(Object.keys(g)).toEqual(['class', 'index', 'probs', 'topk']);
    expect(g.class).toBe(w.class);
    expect(g.index).toBe(w.index);
    expect(g.probs).toHaveLength(k);
    g.probs.forEach((v, c) => same(v, w.probs[c]));
    expect(g.topk.map((t) => [t.class, t.index])).toEqual(w.topk.map((t) => [t.class, t.index]));
    g.topk.forEach((t, j) => {
      expect(Object.keys(t)).toEqual(['class', 'index', 'prob']);
      same(t.prob, w.topk[j].prob);
      expect(t.prob).toBe(g.probs[t.index]);
    });
  });
  for (const tok of numbers(text)) {
    const v = Number(tok);
    if (String(v) !== tok) bad.push(`${tok} is spelt ${String(v)} by JavaScript`);
    const f = Math.fround(v);
    const digits = v.toExponential().replace(/^-|e.*$|\./g, '').length;
    if (digits > 1 && Math.fround(Number(f.toPrecision(digits - 1))) === f) bad.push(`${tok} is not the shortest for its float32`);
  }
  expect(bad).toEqual([]);
}

describe('predictionsJson (native) against formatOutput', () => {
  test('random logits: 1, 2, 10 and 1000 classes, several rows from an offset, top-k 1, 5 and more than the classes', () => {
    const r = rng(16);
    for (const k of [1, 2, 10, 1000])
      for (const scale of [0.5, 8, 60]) {
        const data = Float32Array.from({ length: 5 * k }, () => (r() - 0.5) * 2 * scale);
        const names = Array.from({ length: k }, (_, i) => `class ${i}`);
        for (const [r0, n, topk] of [[0, 1, 1], [1, 3, 5], [4, 1, k > 10 ? 12 : k + 3], [2, 0, 2]]) {
          const text = predictionsJson(data, k, r0, n, names, topk);
          expectLikeFormatOutput(text, data, k, r0, n, names, topk);
          expectLikeFormatOutput(predictionsJson(data, k, r0, n, null, topk), data, k, r0, n, null, topk);
        }
      }
  });

  test('the spellings: tiny probabilities in exponent form, 1 and 0, NaN and infinities as null, ties to the lowest index', () => {
    // [0, -100]: 1 and 3.7200760e-44 (a denormal float32); [0, -20]: 2.0611537e-9; [0, -3]: fixed notation
    const text = predictionsJson(new Float32Array([0, -100, 0, -20, 0, -3]), 2, 0, 3, null, 2);
    expectLikeFormatOutput(text, new Float32Array([0, -100, 0, -20, 0, -3]), 2, 0, 3, null, 2);
    const got = JSON.parse(text) as Pred[];
    expect(text).toContain('"probs":[1,3.8e-44]'); // the shortest decimal that reads back as the denormal (27 x 2^-149)
    expect(got[1].probs[1]).toBe(Number(Math.fround(got[1].probs[1]!).toPrecision(8)));
    expect(text).toMatch(/"probs":\[1,2\.\d+e-9\]/);
    expect(text).toMatch(/"probs":\[0\.95\d*,0\.047\d*\]/);
    // -Infinity logits: probability 0; a NaN or +Infinity logit: every probability NaN (null), top-k the first indices
    for (const row of [[0, -Infinity, 1], [0, NaN, 1], [Infinity, 0, 1], [2, 2, 2]]) {
      const data = new Float32Array(row);
      const t = predictionsJson(data, 3, 0, 1, ['a', 'b', 'c'], 3);
      expectLikeFormatOutput(t, data, 3, 0, 1, ['a', 'b', 'c'], 3);
    }
    expect(JSON.parse(predictionsJson(new Float32Array([0, NaN, 1]), 3, 0, 1, null, 2))).toEqual([{ class: '0', index: 0, probs: [null, null, null], topk: [{ class: '0', index: 0, prob: null }, { class: '1', index: 1, prob: null }] }]);
    expect(JSON.parse(predictionsJson(new Float32Array([2, 2, 2]), 3, 0, 1, null, 3))[0].topk.map((t: { index: number }) => t.index)).toEqual([0, 1, 2]);
    expect(predictionsJson(new Float32Array([0, -Infinity]), 2, 0, 1, null, 1)).toBe('[{"class":"0","index":0,"probs":[1,0],"topk":[{"class":"0","index":0,"prob":1}]}]');
  });

  test('class names escaped as JSON.stringify escapes them; a name list of the wrong length gives the indices, as formatOutput', () => {
    const names = ['quote " and \\ backslash', 'tab\tnew\nline \u0001', 'ünïcödé 分类 😀', '</script>'];
    const data = new Float32Array([1, 4, 3, 2]);
    const text = predictionsJson(data, 4, 0, 1, names, 4);
    expectLikeFormatOutput(text, data, 4, 0, 1, names, 4);
    expect(text).toContain(JSON.stringify(names[1]));
    expect((JSON.parse(text) as Pred[])[0].topk.map((t) => t.class)).toEqual([names[1], names[2], names[3], names[0]]);
    expectLikeFormatOutput(predictionsJson(data, 4, 0, 1, names.slice(1), 2), data, 4, 0, 1, names.slice(1), 2);
    expect((JSON.parse(predictionsJson(data, 4, 0, 1, names.slice(1), 2)) as Pred[])[0].class).toBe('1');
  });

  test('a view of a SharedArrayBuffer at an offset is read', () => {
    const sab = new SharedArrayBuffer(4 * 25);
    const all = new Float32Array(sab);
    all.forEach((_, i) => (all[i] = Math.sin(i)));
    const view = new Float32Array(sab, 4 * 5, 20);
    expect(predictionsJson(view, 10, 1, 1, null, 3)).toBe(predictionsJson(new Float32Array(all.subarray(5)), 10, 1, 1, null, 3));
    expectLikeFormatOutput(predictionsJson(view, 10, 0, 2, null, 3), new Float32Array(view), 10, 0, 2, null, 3);
  });

  test('bad arguments are coded errors naming them', () => {
    const call = (...a: unknown[]) => () => (native.predictionsJson as unknown as (...x: unknown[]) => string)(...a);
    const d = new Float32Array(20);
    const cases: [() => unknown, string, RegExp][] = [
      [call(new Float64Array(20), 10, 0, 1, null, 1), 'ERR_TORCHLET_INVALID_ARG_TYPE', /logits must be a Float32Array/],
      [call([1, 2], 2, 0, 1, null, 1), 'ERR_TORCHLET_INVALID_ARG_TYPE', /logits/],
      [call(d, 0, 0, 1, null, 1), 'ERR_TORCHLET_INVALID_ARG', /k must be an integer >= 1/],
      [call(d, 10, -1, 1, null, 1), 'ERR_TORCHLET_INVALID_ARG', /r0/],
      [call(d, 10, 0, 1.5, null, 1), 'ERR_TORCHLET_INVALID_ARG', /\bn must/],
      [call(d, 10, 1, 2, null, 1), 'ERR_TORCHLET_INVALID_ARG', /rows \[1, 3\) of 10 exceed the 20 logits/],
      [call(d, 10, 0, 1, null, 0), 'ERR_TORCHLET_INVALID_ARG', /topk/],
      [call(d, 10, 0, 1, ['a'], 1), 'ERR_TORCHLET_INVALID_ARG_TYPE', /classJson must be null or an array of k strings/],
      [call(d, 10, 0, 1, Array(10).fill(3), 1), 'ERR_TORCHLET_INVALID_ARG_TYPE', /classJson\[0\] must be a string/],
      [call(d, 10, 0, 1, null), 'ERR_TORCHLET_INVALID_ARG', /takes 6 arguments/],
    ];
    for (const [fn, code, msg] of cases) expect(fn).toThrow(expect.objectContaining({ code, message: expect.stringMatching(msg) }));
  });
});
