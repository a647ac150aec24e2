// test/serve/http_fuzz_cases.ts — seeded random HTTP requests to `torchlet serve` serving one
// FashionCNN (input [1, 28, 28], 10 classes) and the check each answer must pass; shared by
// test/serve/http_fuzz.test.ts (a short run in CI) and bench/serve_fuzz.js (long runs, many seeds).
// Requests: JSON (nested arrays of random depth, sizes and element types; base64 with random data,
// shape, dtype, topk), raw bodies (random lengths, X-Shape, X-Dtype, ?shape=, non-finite values),
// PNG and JPEG images (valid, truncated, bytes flipped), byte-mutated valid JSON, other Content-Types,
// other methods, paths, percent-encodings and query strings. A request built valid is marked so and
// must get 200. Every answer: a status the server documents for bad input (never 5xx on a healthy,
// unloaded server); a 2xx /predict answer holds one prediction per sample with 10 finite
// probabilities summing to 1; any other answer is a JSON {"error": text, "code": UPPER_CASE}.
import { PNG } from 'pngjs';
import { rng } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jpeg = require('jpeg-js') as { encode(img: { data: Buffer; width: number; height: number }, q: number): { data: Buffer } };

export interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** built to be valid: must be answered 200 with this many predictions */
  valid?: number;
}

const SAMPLE = [1, 28, 28];

export function makeRequest(r: () => number): FuzzRequest {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  const chance = (p: number) => r() < p;
  // a predict path, with a top-k in the query sometimes (only good ones where the request is built valid)
  const path = (valid = false) =>
    (chance(0.8) ? '/predict' : '/v1/models/fashion-cnn/predict') +
    (chance(0.2) ? `?topk=${encodeURIComponent(pick(valid ? ['1', '3', '10', '1000', '1e3', ' 2'] : ['1', '3', '10', '0', '-1', '1.5', '1001', 'abc', '', '1e3', ' 2']))}` : '');
  const n = pick([1, 1, 1, 2, 3]);
  const floats = (count: number) => Float32Array.from({ length: count }, () => r() * 4 - 2);
  const okShape = (k: number) => (chance(0.5) || k > 1 ? [k, ...SAMPLE] : SAMPLE);
  const shapeText = (): string => {
    if (chance(0.5)) return okShape(n).join(',');
    return pick(['', ',', '1,,28,28', '0,1,28,28', '-1,1,28,28', '1.5,1,28,28', '1e308', 'x', '[1,1,28,28]', '1, 1, 28, 28', '9007199254740993,1', '1,1,28,28,1,1,1,1,1', '99999999,1,28,28', ' ', '\t1,1,28,28', '1,1,28,28, 1,1,28,28', 'NaN', 'Infinity,1']);
  };
  const dtype = () => pick(['float32', 'uint8', 'UINT8', 'Float32', 'float64', 'int8', '', 'uint8 ', 'bool']);
  switch (int(9)) {
    case 0: {
      // JSON nested arrays
      if (chance(0.4)) {
        const x = Array.from(floats(n * 784));
        const rows = (at: number) => Array.from({ length: 28 }, (_, i) => x.slice(at + i * 28, at + (i + 1) * 28));
        const inputs = n === 1 && chance(0.5) ? [rows(0)] : Array.from({ length: n }, (_, s) => [rows(s * 784)]);
        return { kind: 'json-nested-valid', method: 'POST', path: path(true), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }), valid: n };
      }
      const depth = int(12);
      const leaf = () => pick<unknown>([0, 1.5, -3, 1e38, 'x', null, true, {}, [], '1']);
      const build = (d: number): unknown => (d === 0 ? leaf() : Array.from({ length: int(4) + (chance(0.1) ? 0 : 1) }, () => build(d - 1)));
      return { kind: 'json-nested', method: 'POST', path: path(), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: build(depth) }) };
    }
    case 1: {
      // JSON base64
      const u8 = chance(0.5);
      if (chance(0.4)) {
        const bytes = u8 ? Buffer.from(Array.from({ length: n * 784 }, () => int(256))) : Buffer.from(floats(n * 784).buffer);
        const shape = okShape(n);
        return { kind: 'json-b64-valid', method: 'POST', path: path(true), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: bytes.toString('base64'), shape, ...(u8 ? { dtype: 'uint8' } : chance(0.5) ? { dtype: 'float32' } : {}) }), valid: n };
      }
      const len = pick([0, 1, 783, 784, 3135, 3136, 3137, 6272]);
      const data = pick([Buffer.from(Array.from({ length: len }, () => int(256))).toString('base64'), 'not base64!', 'AAA', 'AAAA=', '====', 5, null, ['AAAA']]);
      const o: Record<string, unknown> = { data };
      if (chance(0.8)) o.shape = pick<unknown>([okShape(n), [], [0], [-1, 784], [1.5], 'x', '1,1,28,28', [[1]], null, [1, 28, 28, 1, 1, 1, 1, 1, 1]]);
      if (chance(0.6)) o.dtype = pick<unknown>([dtype(), 5, null, {}]);
      if (chance(0.2)) o.topk = pick<unknown>([1, 0, 'x', 2.5, null, 1000, 1001]);
      if (chance(0.1)) o.extra = 1;
      if (chance(0.1)) o.inputs = [[1]];
      return { kind: 'json-b64', method: 'POST', path: path(), headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) };
    }
    case 2: {
      // raw bodies
      const u8 = chance(0.4);
      if (chance(0.4)) {
        const body = u8 ? Buffer.from(Array.from({ length: n * 784 }, () => int(256))) : Buffer.from(floats(n * 784).buffer);
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-shape': okShape(n).join(',') };
        if (u8) headers['x-dtype'] = pick(['uint8', 'UINT8', 'Uint8']);
        else if (chance(0.3)) headers['x-dtype'] = 'float32';
        return { kind: 'raw-valid', method: 'POST', path: path(true), headers, body, valid: n };
      }
      const len = pick([0, 1, 783, 784, 785, 3135, 3136, 3137, 6272, 70000]);
      const body = Buffer.from(Array.from({ length: len }, () => int(256)));
      if (chance(0.3) && len >= 4) body.writeFloatLE(pick([NaN, Infinity, -Infinity]), 4 * int(len >> 2));
      const headers: Record<string, string> = { 'content-type': pick(['application/octet-stream', 'application/octet-stream; x=1', 'APPLICATION/OCTET-STREAM']) };
      let p = path();
      if (chance(0.8)) headers['x-shape'] = shapeText();
      else if (chance(0.5)) p += (p.includes('?') ? '&' : '?') + `shape=${encodeURIComponent(shapeText())}`;
      if (chance(0.5)) headers['x-dtype'] = dtype();
      return { kind: 'raw', method: 'POST', path: p, headers, body };
    }
    case 3: {
      // images: valid, truncated, or with bytes flipped
      const w = 1 + int(60);
      const h = 1 + int(60);
      const png = new PNG({ width: w, height: h });
      for (let i = 0; i < png.data.length; i++) png.data[i] = int(256);
      const isPng = chance(0.5);
      let bytes: Buffer = isPng ? PNG.sync.write(png) : jpeg.encode({ data: png.data, width: w, height: h }, 50 + int(50)).data;
      const type = isPng ? 'image/png' : 'image/jpeg';
      const how = int(4);
      if (how === 0) return { kind: `${type}-valid`, method: 'POST', path: path(true), headers: { 'content-type': type }, body: bytes, valid: 1 };
      bytes = Buffer.from(bytes);
      if (how === 1) bytes = bytes.subarray(0, int(bytes.length));
      else for (let k = 0; k < 1 + int(8); k++) bytes[int(bytes.length)] = int(256);
      // a flipped byte can leave an image decodable (JPEG's entropy-coded data): any answer of the checked kinds
      return { kind: `${type}-mutated`, method: 'POST', path: path(), headers: { 'content-type': type }, body: bytes };
    }
    case 4: {
      // a valid JSON body with bytes changed, removed or inserted
      const text = Buffer.from(JSON.stringify({ data: Buffer.from(floats(784).buffer).toString('base64'), shape: SAMPLE, dtype: 'float32' }).slice(0, 200 + int(4000)));
      const out = Buffer.from(text);
      for (let k = 0; k < 1 + int(5); k++) out[int(out.length)] = pick([0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0xff, 0x5c, int(256)]);
      return { kind: 'json-mutated', method: 'POST', path: path(), headers: { 'content-type': pick(['application/json', 'application/json; charset=utf-8']) }, body: out };
    }
    case 5: {
      // other Content-Types, or none
      const t = pick(['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'image/gif', 'application/xml', 'application/jsonx', 'image/png2', '*/*', 'application/json-patch+json', '']);
      const headers: Record<string, string> = t ? { 'content-type': t } : {};
      return { kind: 'content-type', method: 'POST', path: path(), headers, body: Buffer.from(Array.from({ length: int(100) }, () => int(256))) };
    }
    case 6: {
      // other methods and paths
      const method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST']);
      const p = pick(['/', '/predict/', '/predictx', '/v1/models', '/v1/models/', '/v1/models/nope/predict', '/v1/models/fashion-cnn', '/v1/models/fashion-cnn/predict/x', '/metrics', '/healthz', '/readyz', '/v1/models/%2e%2e/predict', '/v1/models/%E0%A4%A/predict', `/v1/models/${'a'.repeat(150)}/predict`, '/predict?topk=%ZZ', '/%00', '/..%2f..%2fetc/passwd', '//predict']);
      const body = method === 'GET' || method === 'OPTIONS' ? undefined : JSON.stringify({ inputs: [[1]] });
      return { kind: 'route', method, path: p, headers: body ? { 'content-type': 'application/json' } : {}, body };
    }
    case 7: {
      // JSON that is valid JSON but not a request
      const v = pick<unknown>([null, 5, 'x', [], [1, 2], {}, { inputs: null }, { inputs: 'x' }, { inputs: [] }, { inputs: [[]] }, { data: '', shape: [] }, { __proto__: { inputs: [1] } }, JSON.parse('{"__proto__": {"a": 1}}'), { constructor: { prototype: {} } }, { inputs: [[[NaN]]] }]);
      return { kind: 'json-shapes', method: 'POST', path: path(), headers: { 'content-type': 'application/json' }, body: JSON.stringify(v) ?? 'null' };
    }
    default: {
      // headers out of the ordinary with an otherwise valid raw body
      const body = Buffer.from(floats(784).buffer);
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-shape': '1,1,28,28' };
      const which = int(4);
      if (which === 0) headers['content-encoding'] = pick(['gzip', 'br', 'identity', 'x']);
      if (which === 1) headers['x-shape'] = '1,1,28,28' + ' '.repeat(int(3));
      if (which === 2) headers['accept'] = pick(['text/html', 'application/xml', '*/*']);
      if (which === 3) headers['x-dtype'] = pick(['float32', 'FLOAT32']);
      return { kind: 'headers', method: 'POST', path: path(true), headers, body, valid: which === 0 ? undefined : 1 };
    }
  }
}

/** The error codes lib/serve/server.ts documents for bad input (its own, never fastify's FST_*). */
export const ERROR_CODES = ['BAD_INPUT', 'BAD_JSON', 'BAD_DTYPE', 'BAD_SHAPE', 'BAD_IMAGE', 'BAD_URL', 'BAD_REQUEST', 'NOT_FOUND', 'MODEL_NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE', 'BODY_TOO_LARGE', 'BATCH_TOO_LARGE', 'URI_TOO_LONG'];

/** The statuses bad input may get (besides 200); 5xx is never right on a healthy, unloaded server. */
export const BAD_INPUT_STATUSES = [400, 404, 413, 414, 415];

/** Why an answer fails the contract, or null when it passes. */
export function checkAnswer(q: FuzzRequest, status: number, text: string): string | null {
  if (q.valid !== undefined && status !== 200) return `built valid, got ${status}: ${text.slice(0, 200)}`;
  const predict = q.method === 'POST' && /^\/(predict|v1\/models\/fashion-cnn\/predict)(\?|$)/.test(q.path);
  if (status >= 200 && status < 300 && !predict) return null; // /healthz, /metrics (text), ...
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `status ${status}, not JSON: ${text.slice(0, 200)}`;
  }
  if (status >= 200 && status < 300) {
    const preds = body.predictions as { probs: number[] }[] | undefined;
    if (!Array.isArray(preds) || !preds.length) return `200 without predictions: ${text.slice(0, 200)}`;
    if (q.valid !== undefined && preds.length !== q.valid) return `${preds.length} predictions for ${q.valid} samples`;
    for (const p of preds) {
      if (!Array.isArray(p.probs) || p.probs.length !== 10 || !p.probs.every((v) => Number.isFinite(v) && v >= 0)) return `bad probabilities: ${JSON.stringify(p.probs)}`;
      const sum = p.probs.reduce((a, b) => a + b, 0);
      if (Math.abs(sum - 1) > 1e-4) return `probabilities sum to ${sum}`;
    }
    return null;
  }
  if (!BAD_INPUT_STATUSES.includes(status)) return `status ${status}: ${text.slice(0, 300)}`;
  if (typeof body.error !== 'string' || !body.error) return `status ${status} without an error message: ${text.slice(0, 200)}`;
  if (typeof body.code !== 'string' || !ERROR_CODES.includes(body.code)) return `status ${status} with code ${JSON.stringify(body.code)} (not one of the server's): ${text.slice(0, 200)}`;
  if (Object.keys(body).sort().join() !== 'code,error') return `status ${status}: keys ${Object.keys(body).join(', ')} (expected error, code)`;
  return null;
}

export interface FuzzRun {
  failures: string[];
  kinds: Map<string, number>;
  statuses: Map<number, number>;
}

/** Sends n requests of seed `seed` to the server at `url`, `parallel` at a time, and checks each answer. */
export async function fuzz(url: string, n: number, seed: number, parallel = 8): Promise<FuzzRun> {
  const r = rng(seed);
  const run: FuzzRun = { failures: [], kinds: new Map(), statuses: new Map() };
  for (let i = 0; i < n; i += parallel) {
    const qs = Array.from({ length: Math.min(parallel, n - i) }, () => makeRequest(r));
    await Promise.all(
      qs.map(async (q) => {
        const res = await fetch(url + q.path, { method: q.method, headers: q.headers, body: q.body });
        const text = await res.text();
        run.kinds.set(q.kind, (run.kinds.get(q.kind) ?? 0) + 1);
        run.statuses.set(res.status, (run.statuses.get(res.status) ?? 0) + 1);
        const why = checkAnswer(q, res.status, text);
        if (why) run.failures.push(`${q.kind} ${q.method} ${q.path} ${JSON.stringify(q.headers)} body ${String(q.body?.length ?? 0)} bytes: ${why}`);
      }),
    );
  }
  return run;
}
