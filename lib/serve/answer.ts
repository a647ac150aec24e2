// lib/serve/answer.ts — the answer to a predict request, shared by the server (main thread) and the
// inference workers, which write the answers of the requests of a batch they run (session.ts
// runParts with topk), so that the event loop only sends them. For an output [N, classes]:
// {"model", "predictions": [{"class", "index", "probs", "topk": [{"class", "index", "prob"}]}]}
// (probabilities = softmax of the output); else {"model", "outputs", "shape"}.
// predictionsJson (the text every served request gets) is written natively (native/core/answer.cc):
// the same values as formatOutput's, each number the shortest decimal that reads back as the same
// float32 (formatOutput's objects hold the float32 values as doubles, which JSON.stringify spells
// with up to 17 digits); for 1000 classes 0.3 ms of JavaScript per request became about 0.04 ms.
import type { RawOutput } from './session';
import { native } from '../binding';

function softmaxRows(data: Float32Array, rows: number, k: number): Float32Array {
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, data[r * k + c]);
    let s = 0;
    for (let c = 0; c < k; c++) s += out[r * k + c] = Math.exp(data[r * k + c] - m);
    for (let c = 0; c < k; c++) out[r * k + c] /= s;
  }
  return out;
}

/** The answer to a predict request: class predictions for an [N, classes] output, else the raw output. */
export function formatOutput(model: string, out: RawOutput, classNames: string[] | null, topk: number): Record<string, unknown> {
  const n = out.shape[0];
  if (out.shape.length !== 2) return { model, outputs: Array.from(out.data), shape: out.shape };
  const k = out.shape[1];
  const probs = softmaxRows(out.data, n, k);
  const classes = classNames && classNames.length === k ? classNames : null;
  const predictions = [];
  for (let r = 0; r < n; r++) {
    const row = Array.from(probs.subarray(r * k, (r + 1) * k));
    // top-k by selection (k passes over the row: cheaper than sorting 1000 classes)
    const picked: number[] = [];
    for (let t = 0; t < Math.min(topk, k); t++) {
      let best = -1;
      for (let i = 0; i < k; i++) if (!picked.includes(i) && (best < 0 || row[i] > row[best])) best = i;
      picked.push(best);
    }
    const top = picked.map((i) => ({ class: classes ? classes[i] : String(i), index: i, prob: row[i] }));
    predictions.push({ class: top[0].class, index: top[0].index, probs: row, topk: top });
  }
  return { model, predictions };
}

/** Class names as JSON text, made once per list of names. */
const classJsonCache = new WeakMap<string[], string[]>();

/**
 * The JSON text of formatOutput(...).predictions for rows [r0, r0 + n) of an output [N, k classes], numbers
 * spelt as float32 (see above): what a worker sends back per request.
 */
export function predictionsJson(data: Float32Array, k: number, r0: number, n: number, classNames: string[] | null, topk: number): string {
  let names: string[] | null = null;
  if (classNames && classNames.length === k) {
    names = classJsonCache.get(classNames) ?? null;
    if (!names) classJsonCache.set(classNames, (names = classNames.map((c) => JSON.stringify(String(c)))));
  }
  return native.predictionsJson(data, k, r0, n, names, topk);
}
