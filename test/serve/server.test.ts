// test/serve/server.test.ts — `torchlet serve` over real HTTP on 127.0.0.1 (port 0: a free port):
// every endpoint, every input format (JSON nested arrays, JSON base64, raw float32, uint8 pixels raw
// and base64, PNG, JPEG) with
// predictions equal to model.forward on the same inputs (images through predict.ts's independent
// preprocessing), dynamic batching (concurrent requests share forward passes, each gets its own
// rows), several models, each bad-input case (4xx with a JSON error naming the problem), overload
// (503 + Retry-After on a full queue, 504 on the per-request timeout), a killed worker (500, then
// replaced), and `--device cuda` on the emulated or real CUDA device when there is one.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { startServer, Server } from '../../lib/serve/server';
import { serveMetadata } from '../../lib/serve/model';
import { readImage, grayResize } from '../../lib/cli/predict';
import { testCuda } from '../devices';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jpeg = require('jpeg-js') as {
  encode(img: { data: Buffer; width: number; height: number }, q: number): { data: Buffer };
  decode(b: Buffer, o: object): { data: Uint8Array; width: number; height: number };
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-serve-'));
const ckpt = path.join(dir, 'fashion.safetensors');
const SLOW = path.join(__dirname, 'fixtures', 'slow_model.js');
let model: torch.models.FashionCNN;

interface Pred {
  class: string;
  index: number;
  probs: number[];
  topk: { class: string; index: number; prob: number }[];
}
interface Answer {
  model?: string;
  predictions?: Pred[];
  error?: string;
  code?: string;
}

async function post(url: string, body: string | Buffer, type: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Answer; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': type, ...headers } });
  const text = await r.text();
  let parsed: Answer;
  try {
    parsed = JSON.parse(text) as Answer;
  } catch {
    throw new Error(`not JSON (${r.status}): ${text.slice(0, 200)}`);
  }
  return { status: r.status, body: parsed, headers: r.headers };
}
const postJson = (url: string, v: unknown) => post(url, JSON.stringify(v), 'application/json');
const zeroSample = () => [Array.from({ length: 28 }, () => new Array(28).fill(0))];

/** The model's class probabilities for a [N, 1, 28, 28] input, computed here. */
function expected(x: Tensor): number[][] {
  const p = torch.noGrad(() => torch.softmax(model.forward(x), 1));
  const rows = p.toArray() as Float32Array;
  return Array.from({ length: x.shape[0] }, (_, i) => Array.from(rows.subarray(i * 10, (i + 1) * 10)));
}
function expectClose(got: number[], want: number[]) {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThan(1e-5));
}

beforeAll(() => {
  torch.manualSeed(7);
  model = torch.models.fashionCnn();
  model.eval();
  torch.save(model.stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('torchlet serve: a FashionCNN checkpoint on the CPU', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer({ models: [{ checkpoint: ckpt }], port: 0, workers: 2, threads: 1, maxBatch: 16, maxDelayMs: 5, bodyLimit: 1 << 20 });
    // not ready until the workers are warmed up; alive at once
    const early = await fetch(`${s.url}/readyz`);
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect([200, 503]).toContain(early.status);
    if (early.status === 503) expect(early.headers.get('retry-after')).toBe('1');
    await s.ready;
  });
  afterAll(() => s.close());

  test('GET /healthz, /readyz, /v1/models', async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const r = await fetch(`${s.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready', models: ['fashion-cnn'] });
    const m = (await (await fetch(`${s.url}/v1/models`)).json()) as { models: { name: string; input: { shape: number[] }; classes: string[]; workers: number }[] };
    expect(m.models[0].name).toBe('fashion-cnn');
    expect(m.models[0].input.shape).toEqual([1, 28, 28]);
    expect(m.models[0].classes[0]).toBe('T-shirt/top');
    expect(m.models[0].workers).toBe(2);
  });

  test('JSON nested arrays: one sample and a batch; equal to model.forward; top-k', async () => {
    const x = torch.randn([3, 1, 28, 28]);
    const want = expected(x);
    const arr = x.tolist() as number[][][][];
    const one = await postJson(`${s.url}/predict?topk=3`, { inputs: arr[0] });
    expect(one.status).toBe(200);
    expect(one.body.model).toBe('fashion-cnn');
    expect(one.body.predictions).toHaveLength(1);
    expectClose(one.body.predictions![0].probs, want[0]);
    const top = one.body.predictions![0].topk;
    expect(top).toHaveLength(3);
    const order = want[0].map((p, i) => i).sort((a, b) => want[0][b] - want[0][a]);
    expect(top.map((t) => t.index)).toEqual(order.slice(0, 3));
    expect(one.body.predictions![0].class).toBe(torch.data.FASHION_MNIST_CLASSES[order[0]]);
    const batch = await postJson(`${s.url}/v1/models/fashion-cnn/predict`, { inputs: arr, topk: 1 });
    expect(batch.status).toBe(200);
    batch.body.predictions!.forEach((p, i) => {
      expectClose(p.probs, want[i]);
      expect(p.topk).toHaveLength(1);
    });
  });

  test('JSON base64 float32 with a shape, and raw application/octet-stream with X-Shape', async () => {
    const x = torch.randn([2, 1, 28, 28]);
    const want = expected(x);
    const f = x.toArray() as Float32Array;
    const bytes = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    const b64 = await postJson(`${s.url}/predict`, { data: bytes.toString('base64'), shape: [2, 1, 28, 28], dtype: 'float32' });
    expect(b64.status).toBe(200);
    b64.body.predictions!.forEach((p, i) => expectClose(p.probs, want[i]));
    const raw = await post(`${s.url}/predict`, bytes, 'application/octet-stream', { 'x-shape': '2,1,28,28' });
    expect(raw.status).toBe(200);
    raw.body.predictions!.forEach((p, i) => expectClose(p.probs, want[i]));
    const q = await post(`${s.url}/predict?shape=1,28,28`, bytes.subarray(0, 28 * 28 * 4), 'application/octet-stream');
    expect(q.status).toBe(200);
    expectClose(q.body.predictions![0].probs, want[0]);
  });

  test('uint8 pixels (X-Dtype: uint8, "dtype": "uint8"): normalised as the model\'s images, (p / 255 - 0.5) / 0.5; batched apart from float32 requests', async () => {
    const n = 3;
    const px = Buffer.alloc(n * 784);
    for (let i = 0; i < px.length; i++) px[i] = (i * 53 + (i >> 5) * 7) % 256;
    const x = torch.fromBuffer(Float32Array.from(px, (v) => (v / 255 - 0.5) / 0.5), [n, 1, 28, 28]);
    const want = expected(x);
    const raw = await post(`${s.url}/predict`, px, 'application/octet-stream', { 'x-shape': '3,1,28,28', 'x-dtype': 'uint8' });
    expect(raw.status).toBe(200);
    raw.body.predictions!.forEach((p, i) => expectClose(p.probs, want[i]));
    const b64 = await postJson(`${s.url}/predict`, { data: px.subarray(784, 2 * 784).toString('base64'), shape: [1, 28, 28], dtype: 'uint8' });
    expect(b64.status).toBe(200);
    expectClose(b64.body.predictions![0].probs, want[1]);
    // 12 pixel requests and 12 float32 ones at once: each its own answer, whatever shared a batch
    const fl = Array.from({ length: 12 }, () => torch.randn([1, 1, 28, 28]));
    const rs = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => post(`${s.url}/predict`, px.subarray((i % n) * 784, (i % n + 1) * 784), 'application/octet-stream', { 'x-shape': '1,28,28', 'x-dtype': 'UINT8' })),
      ...fl.map((v) => postJson(`${s.url}/predict`, { inputs: v.tolist() })),
    ]);
    rs.forEach((r, i) => {
      expect(r.status).toBe(200);
      expectClose(r.body.predictions![0].probs, i < 12 ? want[i % n] : expected(fl[i - 12])[0]);
    });
  });

  test('a tensor header given twice is a 400 naming it (Node would join the values into one longer shape)', async () => {
    // by hand on a socket: fetch and http.request merge or reframe repeated headers
    const u = new URL(s.url);
    const send = (headers: string[]) =>
      new Promise<{ status: number; body: Answer }>((resolve, reject) => {
        let text = '';
        const c = net.connect(Number(u.port), u.hostname, () => {
          const lines = [];
          for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
          c.write(`POST /predict HTTP/1.1\r\nHost: ${u.host}\r\n${lines.join('\r\n')}\r\nContent-Length: 3136\r\nConnection: close\r\n\r\n`);
          c.write(Buffer.alloc(3136)); // not end(): a half-closed socket may lose the answer (Node's server closes it)
        });
        c.on('data', (d: Buffer) => (text += d.toString('latin1')));
        c.on('error', reject);
        c.on('end', () => {
          const [head, body] = text.split('\r\n\r\n');
          // the body is one chunk (chunked) or plain
          const json = /transfer-encoding: chunked/i.test(head) ? body.slice(body.indexOf('\r\n') + 2, body.lastIndexOf('\r\n0\r\n')) : body;
          resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(json) as Answer });
        });
      });
    const twice = await send(['Content-Type', 'application/octet-stream', 'X-Shape', '1,1,28,28', 'x-shape', '1,1,28,28']);
    expect(twice.status).toBe(400);
    expect(twice.body.error).toBe('the X-Shape header is given 2 times; give it once');
    const dtype = await send(['Content-Type', 'application/octet-stream', 'X-Shape', '1,1,28,28', 'X-Dtype', 'float32', 'X-Dtype', 'float32']);
    expect(dtype.body.error).toMatch(/X-Dtype header is given 2 times/);
    expect((await send(['Content-Type', 'application/octet-stream', 'X-Shape', '1,1,28,28', 'X-Dtype', 'float32'])).status).toBe(200);
  });

  test('PNG and JPEG images get the training preprocessing (equal to predict.ts on the same image)', async () => {
    // a 56x40 RGB image: resized to 28x28 by area averaging, luma, (x/255 - 0.5)/0.5
    const w = 56;
    const h = 40;
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) {
      png.data[4 * i] = (i * 37) % 256;
      png.data[4 * i + 1] = (i * 11) % 256;
      png.data[4 * i + 2] = (i * 5) % 256;
      png.data[4 * i + 3] = 255;
    }
    const pngBytes = PNG.sync.write(png);
    const file = path.join(dir, 'img.png');
    fs.writeFileSync(file, pngBytes);
    const x = readImage(file);
    const r = await post(`${s.url}/predict`, pngBytes, 'image/png');
    expect(r.status).toBe(200);
    expectClose(r.body.predictions![0].probs, expected(x)[0]);

    const jpg = jpeg.encode({ data: png.data, width: w, height: h }, 90).data;
    const dec = jpeg.decode(jpg, { useTArray: true, formatAsRGBA: true });
    const gray = grayResize(dec.data, dec.width, dec.height);
    const xj = torch.fromBuffer(Float32Array.from(gray, (v) => (v / 255 - 0.5) / 0.5), [1, 1, 28, 28]);
    const rj = await post(`${s.url}/predict`, jpg, 'image/jpeg');
    expect(rj.status).toBe(200);
    expectClose(rj.body.predictions![0].probs, expected(xj)[0]);
  });

  test('24 concurrent requests: each gets its own answer (however they were batched)', async () => {
    const xs = Array.from({ length: 24 }, () => torch.randn([1, 1, 28, 28]));
    const before = s.metrics.batchSize.count;
    const samplesBefore = s.metrics.batchSize.sum;
    const rs = await Promise.all(xs.map((x) => postJson(`${s.url}/predict`, { inputs: x.tolist() })));
    rs.forEach((r, i) => {
      expect(r.status).toBe(200);
      expectClose(r.body.predictions![0].probs, expected(xs[i])[0]);
    });
    expect(s.metrics.batchSize.sum - samplesBefore).toBe(24);
    expect(s.metrics.batchSize.count - before).toBeLessThanOrEqual(24);
  });

  test('GET /metrics: Prometheus text with requests by status, latency, batch sizes, queue depth, event-loop delay', async () => {
    const r = await fetch(`${s.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const t = await r.text();
    expect(t).toMatch(/torchlet_requests_total\{route="\/predict",status="200"\} \d+/);
    expect(t).toMatch(/torchlet_request_duration_seconds_bucket\{le="0.1"\} \d+/);
    expect(t).toMatch(/torchlet_batch_size_count \d+/);
    expect(t).toMatch(/torchlet_queue_depth 0/);
    // every forward pass counted once by the threads it ran on
    const batches = Number(/^torchlet_batch_size_count (\d+)/m.exec(t)![1]);
    const byThreads = [...t.matchAll(/^torchlet_worker_batches_total\{threads="(\d+)"\} (\d+)$/gm)];
    expect(byThreads.length).toBeGreaterThan(0);
    expect(byThreads.reduce((a, m) => a + Number(m[2]), 0)).toBe(batches);
    expect(t).toMatch(/torchlet_event_loop_delay_p99_seconds [\d.e-]+/);
    expect(t).toMatch(/torchlet_workers_ready 2/);
    expect(t).toMatch(/torchlet_ready 1/);
  });

  test.each([
    ['malformed JSON', () => post(`${s.url}/predict`, '{"inputs": [1, 2', 'application/json'), 400, 'BAD_JSON', /malformed JSON body: .* at position 16/],
    ['an empty JSON body', () => post(`${s.url}/predict`, '', 'application/json'), 400, 'BAD_JSON', /the body is empty/],
    ['a "__proto__" key', () => post(`${s.url}/predict`, '{"__proto__": {"inputs": [1]}}', 'application/json'), 400, 'BAD_INPUT', /unknown field "__proto__"/],
    ['a malformed percent-encoding in the URL', () => post(`${s.url}/v1/models/%E0%A4%A/predict`, '{}', 'application/json'), 400, 'BAD_URL', /malformed URL: .*not a valid url component/],
    ['a model name of 150 characters', () => postJson(`${s.url}/v1/models/${'a'.repeat(150)}/predict`, { inputs: [1] }), 414, 'URI_TOO_LONG', /longer than 100 characters/],
    ['a JSON body that is not an object', () => postJson(`${s.url}/predict`, [1, 2]), 400, 'BAD_INPUT', /must be an object/],
    ['an unknown JSON field', () => postJson(`${s.url}/predict`, { input: [1] }), 400, 'BAD_INPUT', /unknown field "input"/],
    ['ragged nested arrays', () => postJson(`${s.url}/predict`, { inputs: [[1, 2], [3]] }), 400, 'BAD_INPUT', /rectangular/],
    ['a string among the numbers', () => postJson(`${s.url}/predict`, { inputs: [[1, 'x']] }), 400, 'BAD_DTYPE', /not a finite number/],
    ['the wrong shape', () => postJson(`${s.url}/predict`, { inputs: [[1, 2, 3]] }), 400, 'BAD_SHAPE', /wrong shape \[1, 3\]: the model takes \[N, 1, 28, 28\]/],
    ['base64 of the wrong length', () => postJson(`${s.url}/predict`, { data: 'AAAA', shape: [1, 1, 28, 28] }), 400, 'BAD_SHAPE', /holds 3 bytes/],
    ['a float64 dtype', () => postJson(`${s.url}/predict`, { data: 'AAAA', shape: [1], dtype: 'float64' }), 400, 'BAD_DTYPE', /float64.*float32/],
    ['octets without a shape', () => post(`${s.url}/predict`, Buffer.alloc(16), 'application/octet-stream'), 400, 'BAD_INPUT', /X-Shape/],
    ['octets with X-Dtype int8', () => post(`${s.url}/predict`, Buffer.alloc(16), 'application/octet-stream', { 'x-shape': '4', 'x-dtype': 'int8' }), 400, 'BAD_DTYPE', /int8/],
    ['uint8 octets of the wrong size', () => post(`${s.url}/predict`, Buffer.alloc(783), 'application/octet-stream', { 'x-shape': '1,1,28,28', 'x-dtype': 'uint8' }), 400, 'BAD_SHAPE', /783 bytes; shape \[1, 1, 28, 28\] of uint8 needs 784/],
    ['uint8 base64 of the wrong shape', () => postJson(`${s.url}/predict`, { data: Buffer.alloc(3 * 784).toString('base64'), shape: [1, 3, 28, 28], dtype: 'uint8' }), 400, 'BAD_SHAPE', /wrong shape \[1, 3, 28, 28\]/],
    ['X-Layout hwc with float32', () => post(`${s.url}/predict`, Buffer.alloc(3136), 'application/octet-stream', { 'x-shape': '1,28,28,1', 'x-layout': 'hwc' }), 400, 'BAD_INPUT', /X-Layout "hwc" goes with uint8 pixels/],
    ['an unknown X-Layout', () => post(`${s.url}/predict`, Buffer.alloc(784), 'application/octet-stream', { 'x-shape': '1,28,28,1', 'x-dtype': 'uint8', 'x-layout': 'nhwc' }), 400, 'BAD_INPUT', /X-Layout must be "chw" \(the default\) or "hwc"; got "nhwc"/],
    ['hwc pixels of too few dimensions', () => postJson(`${s.url}/predict`, { data: Buffer.alloc(784).toString('base64'), shape: [28, 28], dtype: 'uint8', layout: 'hwc' }), 400, 'BAD_SHAPE', /wrong shape \[28, 28\] for hwc pixels: the model takes \[N, H, W, C\] = \[N, 28, 28, 1\]/],
    ['"layout" with "inputs"', () => postJson(`${s.url}/predict`, { inputs: [1], layout: 'hwc' }), 400, 'BAD_INPUT', /"layout" go with "data"/],
    ['a "dtype" that is not a string', () => postJson(`${s.url}/predict`, { data: 'AAAA', shape: [3], dtype: 8 }), 400, 'BAD_DTYPE', /"dtype" must be "float32" or "uint8"; got 8/],
    ['octets holding a NaN', () => post(`${s.url}/predict`, Buffer.from(Float32Array.from({ length: 784 }, (_, i) => (i === 5 ? NaN : i)).buffer), 'application/octet-stream', { 'x-shape': '1,1,28,28' }), 400, 'BAD_DTYPE', /non-finite value at element 5\b/],
    ['base64 holding -Infinity', () => postJson(`${s.url}/predict`, { data: Buffer.from(Float32Array.from({ length: 784 }, (_, i) => (i === 700 ? -Infinity : 0.5)).buffer).toString('base64'), shape: [1, 1, 28, 28] }), 400, 'BAD_DTYPE', /non-finite value at element 700\b/],
    ['a bad X-Shape', () => post(`${s.url}/predict`, Buffer.alloc(16), 'application/octet-stream', { 'x-shape': '2,x' }), 400, 'BAD_INPUT', /positive integers/],
    ['an undecodable PNG', () => post(`${s.url}/predict`, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]), 'image/png'), 400, 'BAD_IMAGE', /undecodable PNG/],
    ['a PNG that is not one', () => post(`${s.url}/predict`, Buffer.from('hello'), 'image/png'), 400, 'BAD_IMAGE', /not a PNG/],
    ['an undecodable JPEG', () => post(`${s.url}/predict`, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]), 'image/jpeg'), 400, 'BAD_IMAGE', /undecodable JPEG/],
    ['an unsupported Content-Type', () => post(`${s.url}/predict`, 'x', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', /text\/plain/],
    ['a batch over --max-batch', () => postJson(`${s.url}/predict`, { data: Buffer.alloc(17 * 784 * 4).toString('base64'), shape: [17, 1, 28, 28] }), 413, 'BATCH_TOO_LARGE', /17 samples.*--max-batch 16/],
    ['a body over the limit', () => post(`${s.url}/predict`, Buffer.alloc((1 << 20) + 10), 'application/octet-stream', { 'x-shape': '262146' }), 413, 'BODY_TOO_LARGE', /larger than the server's limit/],
    ['a bad topk', () => postJson(`${s.url}/predict?topk=0`, { inputs: zeroSample() }), 400, 'BAD_INPUT', /topk must be an integer in \[1, 1000\]; got "0"/],
    ['an unknown model', () => postJson(`${s.url}/v1/models/nope/predict`, { inputs: [1] }), 404, 'MODEL_NOT_FOUND', /no model named "nope"/],
  ] as [string, () => Promise<{ status: number; body: Answer }>, number, string, RegExp][])('%s: a 4xx with a JSON error naming the problem', async (_n, f, status, code, msg) => {
    const r = await f();
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    expect(r.body.error).toMatch(msg);
  });

  test('an unknown route and a wrong method: 404 JSON; the server still answers', async () => {
    for (const [m, u] of [['GET', '/nope'], ['GET', '/predict'], ['DELETE', '/healthz']]) {
      const r = await fetch(`${s.url}${u}`, { method: m });
      expect(r.status).toBe(404);
      expect(((await r.json()) as Answer).code).toBe('NOT_FOUND');
    }
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });
});

describe('torchlet serve: overload, timeouts and a dying worker (a slow --module model)', () => {
  const prev = process.env.SLOW_MODEL_MS;
  let s: Server;
  beforeAll(async () => {
    process.env.SLOW_MODEL_MS = '300';
    s = await startServer({ models: [{ module: SLOW }], port: 0, workers: 1, threads: 1, maxBatch: 4, maxDelayMs: 1, maxQueue: 3, timeoutMs: 2000 });
    await s.ready;
  });
  afterAll(async () => {
    await s.close();
    if (prev === undefined) delete process.env.SLOW_MODEL_MS;
    else process.env.SLOW_MODEL_MS = prev;
  });
  const x = [1, 2, 3, 4];
  // the fixture's Linear: W x + b
  const logits = (v: number[]) => [
    [-0.5, -0.4, -0.3, -0.2], [-0.1, 0, 0.1, 0.2], [0.3, 0.4, 0.5, 0.6],
  ].map((row, i) => row.reduce((a, w, j) => a + w * v[j], [0.1, -0.2, 0.3][i]));

  test('a --module model serves under its name with its classes; the answer is softmax(W x + b)', async () => {
    const r = await postJson(`${s.url}/v1/models/slow/predict`, { inputs: x });
    expect(r.status).toBe(200);
    const l = logits(x);
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    expectClose(r.body.predictions![0].probs, e.map((v) => v / e.reduce((a, b) => a + b)));
    expect(r.body.predictions![0].class).toBe('c');
  });

  test('a full queue: 503 with Retry-After; every other request is answered', async () => {
    // the worker busy for 400 ms (the fixture waits an input element's value above 100 in ms: this does
    // not depend on SLOW_MODEL_MS reaching the worker, which jest's sandboxed process.env may not do),
    // then 16 requests: at most 3 wait in the queue, the rest are refused at once
    const busy = postJson(`${s.url}/predict`, { inputs: [[500, 0, 0, 0]] });
    await new Promise((res) => setTimeout(res, 100));
    const rs = await Promise.all(Array.from({ length: 16 }, () => postJson(`${s.url}/predict`, { inputs: [x] })));
    expect((await busy).status).toBe(200);
    const full = rs.filter((r) => r.status === 503);
    expect(full.length).toBeGreaterThan(0);
    for (const r of full) {
      expect(r.body.code).toBe('QUEUE_FULL');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(rs.filter((r) => r.status === 200).length + full.length).toBe(16);
    expect((await postJson(`${s.url}/predict`, { inputs: [x] })).status).toBe(200);
  });

  test('the per-request timeout: 504 with a JSON error', async () => {
    // the fixture waits 2500 ms more for an input element of 2600 (its value above 100)
    const r = await postJson(`${s.url}/predict`, { inputs: [2600, 0, 0, 0] });
    expect(r.status).toBe(504);
    expect(r.body.code).toBe('TIMEOUT');
    expect(r.body.error).toMatch(/2000 ms/);
    await new Promise((res) => setTimeout(res, 1200)); // the slow batch ends
  });

  test('a worker killed mid-request: its requests get 500, a new worker replaces it, later requests succeed', async () => {
    const pending = postJson(`${s.url}/predict`, { inputs: [1100, 0, 0, 0] }); // busy for 1.3 s
    await new Promise((res) => setTimeout(res, 200));
    await s.models[0].session.killWorker(0);
    const r = await pending;
    expect(r.status).toBe(500);
    expect(r.body.code).toBe('WORKER_DIED');
    expect(r.body.error).toMatch(/died/);
    const after = await postJson(`${s.url}/predict`, { inputs: [x] });
    expect(after.status).toBe(200);
    expect(s.models[0].session.restarts).toBe(1);
    const t = await (await fetch(`${s.url}/metrics`)).text();
    expect(t).toMatch(/torchlet_worker_restarts_total 1/);
  });
});

describe('torchlet serve: dynamic batching (a slow --module model, one worker)', () => {
  // Whether requests share a batch depends on when they arrive; a busy worker makes it certain: the
  // worker runs a 1 s request, 24 requests arrive meanwhile and wait in the queue, then run together
  // (up to --max-batch 32 samples per batch) and each still gets its own row.
  let s: Server;
  beforeAll(async () => {
    s = await startServer({ models: [{ module: SLOW }], port: 0, workers: 1, threads: 1, maxBatch: 32, maxDelayMs: 5, maxQueue: 64, timeoutMs: 20000 });
    await s.ready;
  });
  afterAll(() => s.close());
  const softmax = (l: number[]) => {
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    return e.map((v) => v / e.reduce((a, b) => a + b));
  };
  const logits = (v: number[]) => [
    [-0.5, -0.4, -0.3, -0.2], [-0.1, 0, 0.1, 0.2], [0.3, 0.4, 0.5, 0.6],
  ].map((row, i) => row.reduce((a, w, j) => a + w * v[j], [0.1, -0.2, 0.3][i]));

  test('24 requests queued behind a busy worker share forward passes and each gets its own answer', async () => {
    const busy = postJson(`${s.url}/predict`, { inputs: [[1100, 0, 0, 0]] }); // the fixture waits 1000 ms
    await new Promise((res) => setTimeout(res, 100));
    const before = s.metrics.batchSize.count;
    const samplesBefore = s.metrics.batchSize.sum;
    const xs = Array.from({ length: 24 }, (_, i) => [i / 4, -i / 8, 1 + i / 16, (i % 5) - 2]);
    const rs = await Promise.all(xs.map((x) => postJson(`${s.url}/predict`, { inputs: [x] })));
    expect((await busy).status).toBe(200);
    rs.forEach((r, i) => {
      expect(r.status).toBe(200);
      expectClose(r.body.predictions![0].probs, softmax(logits(xs[i])));
    });
    // the busy request's batch was counted before `before` or after it: at most one extra
    expect(s.metrics.batchSize.sum - samplesBefore).toBeGreaterThanOrEqual(24);
    expect(s.metrics.batchSize.sum - samplesBefore).toBeLessThanOrEqual(25);
    expect(s.metrics.batchSize.count - before).toBeLessThan(12); // 24 requests in far fewer batches
  });
});

describe('torchlet serve: several models', () => {
  test('POST /v1/models/<name>/predict routes to each; POST /predict asks for a name', async () => {
    const s = await startServer({ models: [{ checkpoint: ckpt, name: 'a' }, { module: SLOW }], port: 0, workers: 1, threads: 1 });
    try {
      await s.ready;
      const a = await postJson(`${s.url}/v1/models/a/predict`, { inputs: zeroSample() });
      const b = await postJson(`${s.url}/v1/models/slow/predict`, { inputs: [1, 2, 3, 4] });
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.predictions![0].probs).toHaveLength(10);
      expect(b.body.predictions![0].probs).toHaveLength(3);
      const r = await postJson(`${s.url}/predict`, { inputs: [1, 2, 3, 4] });
      expect(r.status).toBe(404);
      expect(r.body.error).toMatch(/several models are served \(a, slow\)/);
      // uint8 pixels need an image model: 'slow' takes [4] float32s
      const u = await post(`${s.url}/v1/models/slow/predict`, Buffer.from([1, 2, 3, 4]), 'application/octet-stream', { 'x-shape': '4', 'x-dtype': 'uint8' });
      expect(u.status).toBe(400);
      expect(u.body.code).toBe('BAD_DTYPE');
      expect(u.body.error).toMatch(/uint8 pixels go to a model with an image input/);
      expect(() => s.models[1].session.runRaw(new Uint8Array(4), [1, 4])).toThrow(/uint8 pixels need a model with an image input/);
      // the session API: a uint8 tensor (or Uint8Array) is pixels, normalised as the model's images
      const px = Uint8Array.from({ length: 2 * 784 }, (_, i) => (i * 29) % 256);
      const out = await s.models[0].session.run(torch.fromBuffer(px, [2, 1, 28, 28]));
      const logits = torch.noGrad(() => model.forward(torch.fromBuffer(Float32Array.from(px, (v) => (v / 255 - 0.5) / 0.5), [2, 1, 28, 28]))).toArray() as Float32Array;
      (out.toArray() as Float32Array).forEach((v, j) => expect(Math.abs(v - logits[j])).toBeLessThan(1e-5));
      const one = await s.models[0].session.runRaw(px.subarray(784), [1, 1, 28, 28]); // a view: copied, then transferred
      one.data.forEach((v, j) => expect(Math.abs(v - logits[10 + j])).toBeLessThan(1e-5));
      expect(px.length).toBe(2 * 784); // not detached
    } finally {
      await s.close();
    }
  });
  test('a checkpoint that is not a model: the load fails with a message naming it', async () => {
    const bad = path.join(dir, 'bad.safetensors');
    torch.save({ w: torch.zeros([2]) }, bad);
    const s = await startServer({ models: [{ checkpoint: bad }], port: 0, workers: 1, threads: 1 });
    await expect(s.ready).rejects.toThrow(/does not record its architecture/);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
    await s.close();
  });
});

describe('torchlet serve --device cuda', () => {
  testCuda('serves a FashionCNN on the CUDA device with the CPU answers', async () => {
    const s = await startServer({ models: [{ checkpoint: ckpt }], device: 'cuda', port: 0, threads: 1 });
    try {
      await s.ready;
      expect(s.models[0].session.device).toBe('cuda:0');
      const x = torch.randn([2, 1, 28, 28]);
      const r = await postJson(`${s.url}/predict`, { inputs: x.tolist() });
      expect(r.status).toBe(200);
      const want = expected(x);
      r.body.predictions!.forEach((p, i) => p.probs.forEach((v, c) => expect(Math.abs(v - want[i][c])).toBeLessThan(1e-4)));
      // the batcher's path: a batch as pieces, written by the worker straight into the device's input
      const all = x.toArray() as Float32Array;
      const out = await s.models[0].session.runParts([new Float32Array(all.subarray(0, 784)), new Float32Array(all.subarray(784))], [2, 1, 28, 28]);
      const logits = torch.noGrad(() => model.forward(x)).toArray() as Float32Array;
      out.data.forEach((v, j) => expect(Math.abs(v - logits[j])).toBeLessThan(1e-4));
    } finally {
      await s.close();
    }
  });
});
