// test/serve/bodies.test.ts — raw request bodies read into pooled SharedArrayBuffers
// (lib/serve/bodies.ts), over real HTTP on 127.0.0.1 with a model whose sample is 72 KiB:
// concurrent requests of distinct data, round after round, each get their own answer (equal to
// model.forward) while the pool makes no more buffers than requests were in flight at once; a
// chunked body (no Content-Length) and a small one take fastify's way; bodies over the limit are 413
// (by Content-Length, and by the bytes of a chunked body); a client that stops mid-body leaves the
// server serving and its buffer back in the pool; a non-finite value in a pooled body is a 400 and
// the buffer's next request is answered from its own bytes; the same on the CUDA device (emulated or
// real) when there is one. uint8 pixels (X-Dtype: uint8), planar and interleaved (X-Layout: hwc), in
// pooled bodies, concurrently with float32 requests: each answer equal to model.forward on the pixels
// normalised here, on the CPU and the CUDA device. BodyPool alone: sizes it declines, its cap, reuse, any byte count, foreign buffers ignored.
import * as http from 'http';
import * as path from 'path';
import * as torch from '../../lib';
import { startServer, Server } from '../../lib/serve/server';
import { BodyPool } from '../../lib/serve/bodies';
import { testCuda } from '../devices';

const IMAGE = path.join(__dirname, 'fixtures', 'image_model.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fixture = require(IMAGE) as { createModel(): torch.nn.Module };
const SAMPLE = 3 * 64 * 96;
const BYTES = SAMPLE * 4;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** n random images of uint8 pixels, and the same normalised as the fixture's input (in float64, rounded once). */
let lcg = 12345;
function pixelBatch(n: number): { bytes: Buffer; x: torch.Tensor } {
  const bytes = Buffer.alloc(n * SAMPLE);
  for (let i = 0; i < bytes.length; i++) {
    lcg = (Math.imul(lcg, 1103515245) + 12345) >>> 0;
    bytes[i] = lcg >>> 24;
  }
  const f = new Float32Array(bytes.length);
  for (let i = 0; i < f.length; i++) {
    const c = Math.floor(i / (64 * 96)) % 3;
    f[i] = (bytes[i] / 255 - MEAN[c]) / STD[c];
  }
  return { bytes, x: torch.fromBuffer(f, [n, 3, 64, 96]) };
}
/** The same pixels interleaved, [n, H, W, C] (X-Layout: hwc). */
function toHwc(chw: Buffer, n: number): Buffer {
  const out = Buffer.alloc(chw.length);
  const hw = 64 * 96;
  for (let s = 0; s < n; s++) for (let c = 0; c < 3; c++) for (let i = 0; i < hw; i++) out[s * SAMPLE + i * 3 + c] = chw[s * SAMPLE + c * hw + i];
  return out;
}
/** Each answer's probabilities within tol of softmax(model.forward(x)) row by row. */
function expectRows(model: torch.nn.Module, got: { status: number; body: Answer } | 'stopped', x: torch.Tensor, tol: number) {
  expect(got).not.toBe('stopped');
  const r = got as { status: number; body: Answer };
  expect(r.status).toBe(200);
  const w = torch.noGrad(() => torch.softmax(model.forward(x) as torch.Tensor, 1)).toArray() as Float32Array;
  expect(r.body.predictions).toHaveLength(x.shape[0]);
  r.body.predictions!.forEach((p, i) => p.probs.forEach((v, c) => expect(Math.abs(v - w[i * 5 + c])).toBeLessThan(tol)));
}

interface Answer {
  predictions?: { index: number; probs: number[] }[];
  code?: string;
  error?: string;
}

/** A request by hand: Content-Length as given (or chunked without one), the body in pieces. */
function request(url: string, body: Buffer, o: { chunked?: boolean; stopAfter?: number; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Answer } | 'stopped'> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-shape': `1,3,64,96`, ...o.headers };
    if (!o.chunked) headers['content-length'] = String(body.length);
    const req = http.request({ host: u.hostname, port: u.port, path: '/predict', method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer }));
    });
    req.on('error', (e) => (o.stopAfter !== undefined ? resolve('stopped') : reject(e)));
    if (o.stopAfter !== undefined) {
      req.write(body.subarray(0, o.stopAfter), () => setTimeout(() => {
        req.destroy();
        resolve('stopped');
      }, 50));
      return;
    }
    for (let at = 0; at < body.length; at += 10000) req.write(body.subarray(at, at + 10000));
    req.end();
  });
}

describe('torchlet serve: pooled raw bodies', () => {
  let s: Server;
  let model: torch.nn.Module;
  beforeAll(async () => {
    model = fixture.createModel();
    model.eval();
    s = await startServer({ models: [{ module: IMAGE }], port: 0, workers: 2, threads: 1, maxBatch: 8, maxDelayMs: 3, bodyLimit: 100000 });
    await s.ready;
  });
  afterAll(() => s.close());

  const sample = () => torch.randn([SAMPLE]).toArray() as Float32Array;
  const want = (x: Float32Array) => Array.from(torch.noGrad(() => torch.softmax(model.forward(torch.fromBuffer(x, [1, 3, 64, 96])) as torch.Tensor, 1)).toArray() as Float32Array);
  const expectAnswer = (got: { status: number; body: Answer } | 'stopped', x: Float32Array) => {
    expect(got).not.toBe('stopped');
    const r = got as { status: number; body: Answer };
    expect(r.status).toBe(200);
    const w = want(x);
    r.body.predictions![0].probs.forEach((p, i) => expect(Math.abs(p - w[i])).toBeLessThan(1e-5));
  };
  test('concurrent requests of distinct data, round after round: each its own answer; buffers reused, not made per request', async () => {
    torch.manualSeed(1);
    for (let round = 0; round < 5; round++) {
      const xs = Array.from({ length: 12 }, sample);
      const answers = await Promise.all(xs.map((x) => request(s.url, Buffer.from(x.buffer))));
      answers.forEach((a, i) => expectAnswer(a, xs[i]));
    }
    // 60 requests, at most 12 at once: at most 12 buffers made
    expect(s.bodyPool.heldBytes).toBeGreaterThan(0);
    expect(s.bodyPool.heldBytes % BYTES).toBe(0);
    expect(s.bodyPool.heldBytes / BYTES).toBeLessThanOrEqual(12);
  });

  test('a chunked body (no Content-Length) is read the ordinary way; bodies over the limit are 413 by Content-Length or by bytes', async () => {
    const held = s.bodyPool.heldBytes;
    const x = sample();
    expectAnswer(await request(s.url, Buffer.from(x.buffer), { chunked: true }), x);
    expect(s.bodyPool.heldBytes).toBe(held);
    for (const chunked of [false, true]) {
      const r = (await request(s.url, Buffer.alloc(100004), { chunked })) as { status: number; body: Answer };
      expect(r.status).toBe(413);
      expect(r.body.code).toBe('BODY_TOO_LARGE');
    }
  });

  test('a client that stops mid-body: the server goes on, the buffer is back in the pool', async () => {
    const x = sample();
    expectAnswer(await request(s.url, Buffer.from(x.buffer)), x);
    const held = s.bodyPool.heldBytes;
    for (let i = 0; i < 20; i++) expect(await request(s.url, Buffer.from(sample().buffer), { stopAfter: 30000 })).toBe('stopped');
    const xs = Array.from({ length: 4 }, sample);
    (await Promise.all(xs.map((v) => request(s.url, Buffer.from(v.buffer))))).forEach((a, i) => expectAnswer(a, xs[i]));
    expect(s.bodyPool.heldBytes).toBe(held); // the 20 stopped requests' buffers came back
  });

  test('a non-finite value in a pooled body is a 400; the next request in that buffer is answered from its own bytes', async () => {
    for (let i = 0; i < 3; i++) {
      const x = sample();
      x[1000 + i] = NaN;
      const r = (await request(s.url, Buffer.from(x.buffer))) as { status: number; body: Answer };
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(new RegExp(`non-finite value at element ${1000 + i}\\b`));
      const y = sample();
      expectAnswer(await request(s.url, Buffer.from(y.buffer)), y);
    }
  });

  test('uint8 pixels in pooled bodies (5 images, 90 KiB, a size no float32 body here has), concurrently with float32 requests: each its own answer, normalised by the worker', async () => {
    const held = s.bodyPool.heldBytes;
    for (let round = 0; round < 3; round++) {
      const px = Array.from({ length: 6 }, () => pixelBatch(5));
      const fl = Array.from({ length: 6 }, sample);
      const [a, b] = await Promise.all([
        Promise.all(px.map((p) => request(s.url, p.bytes, { headers: { 'x-shape': '5,3,64,96', 'x-dtype': 'uint8' } }))),
        Promise.all(fl.map((x) => request(s.url, Buffer.from(x.buffer)))),
      ]);
      a.forEach((r, i) => expectRows(model, r, px[i].x, 1e-5));
      b.forEach((r, i) => expectAnswer(r, fl[i]));
    }
    expect(s.bodyPool.heldBytes).toBeGreaterThan(held); // the pixel bodies were pooled too
    // interleaved pixels (X-Layout: hwc, the shape as H, W, C), transposed by the worker, beside planar ones
    const px = Array.from({ length: 6 }, () => pixelBatch(5));
    const got = await Promise.all(px.map((p, i) => (i % 2 ? request(s.url, toHwc(p.bytes, 5), { headers: { 'x-shape': '5,64,96,3', 'x-dtype': 'uint8', 'x-layout': 'HWC' } }) : request(s.url, p.bytes, { headers: { 'x-shape': '5,3,64,96', 'x-dtype': 'uint8' } }))));
    got.forEach((r, i) => expectRows(model, r, px[i].x, 1e-5));
    const planar = (await request(s.url, px[0].bytes, { headers: { 'x-shape': '5,3,64,96', 'x-dtype': 'uint8', 'x-layout': 'hwc' } })) as { status: number; body: Answer };
    expect(planar.status).toBe(400);
    expect(planar.body.error).toMatch(/wrong shape \[5, 3, 64, 96\] for hwc pixels: the model takes \[N, H, W, C\] = \[N, 64, 96, 3\]/);
    const short = (await request(s.url, pixelBatch(5).bytes.subarray(1), { headers: { 'x-shape': '5,3,64,96', 'x-dtype': 'uint8' } })) as { status: number; body: Answer };
    expect(short.status).toBe(400);
    expect(short.body.code).toBe('BAD_SHAPE');
    expect(short.body.error).toMatch(/92159 bytes.*uint8 needs 92160/);
  });
});

testCuda('on the CUDA device: pooled bodies written by the worker straight to the device, concurrent requests each their own answer', async () => {
  const model = fixture.createModel();
  model.eval();
  const s = await startServer({ models: [{ module: IMAGE }], device: 'cuda', port: 0, threads: 1, maxBatch: 8, maxDelayMs: 3 });
  try {
    await s.ready;
    expect(s.models[0].session.device).toBe('cuda:0');
    for (let round = 0; round < 3; round++) {
      const xs = Array.from({ length: 8 }, () => torch.randn([SAMPLE]).toArray() as Float32Array);
      const answers = await Promise.all(xs.map((x) => request(s.url, Buffer.from(x.buffer))));
      answers.forEach((a, i) => {
        const r = a as { status: number; body: Answer };
        expect(r.status).toBe(200);
        const w = torch.noGrad(() => torch.softmax(model.forward(torch.fromBuffer(xs[i], [1, 3, 64, 96])) as torch.Tensor, 1)).toArray() as Float32Array;
        r.body.predictions![0].probs.forEach((p, c) => expect(Math.abs(p - w[c])).toBeLessThan(1e-4));
      });
    }
    expect(s.bodyPool.heldBytes / BYTES).toBeLessThanOrEqual(8);
    expect(s.bodyPool.heldBytes).toBeGreaterThan(0);
    // uint8 pixels: written to the device as bytes, normalised there
    const px = Array.from({ length: 4 }, () => pixelBatch(2));
    const got = await Promise.all(px.map((p, i) => (i % 2 ? request(s.url, toHwc(p.bytes, 2), { headers: { 'x-shape': '2,64,96,3', 'x-dtype': 'uint8', 'x-layout': 'hwc' } }) : request(s.url, p.bytes, { headers: { 'x-shape': '2,3,64,96', 'x-dtype': 'uint8' } }))));
    got.forEach((r, i) => expectRows(model, r, px[i].x, 1e-4));
  } finally {
    await s.close();
  }
});

describe('BodyPool', () => {
  test('declines small and past-the-cap requests; reuses what is given back; ignores foreign buffers', () => {
    const pool = new BodyPool(3 * 65536, 65536);
    expect(pool.take(65532)).toBeNull(); // under minBytes
    expect(pool.take(NaN)).toBeNull(); // no Content-Length
    expect(pool.take(1.5 * 65536 + 0.5)).toBeNull(); // not a byte count
    const a = pool.take(65536)!;
    const b = pool.take(65536)!;
    expect(a.length).toBe(65536);
    expect(Object.prototype.toString.call(a.buffer)).toBe('[object SharedArrayBuffer]');
    expect(a.buffer).not.toBe(b.buffer);
    expect(pool.take(2 * 65536)).toBeNull(); // past the cap (3 x 64 KiB)
    expect(pool.heldBytes).toBe(2 * 65536);
    pool.give(a);
    pool.give(Buffer.alloc(65536)); // not the pool's: ignored
    pool.give(Buffer.from(new SharedArrayBuffer(65536))); // not the pool's either
    const c = pool.take(65536)!;
    expect(c.buffer).toBe(a.buffer);
    expect(pool.take(65536)).not.toBeNull(); // the third one fits the cap
    expect(pool.take(65536)).toBeNull();
    expect(pool.heldBytes).toBe(3 * 65536);
  });
  test('pools any byte count (uint8 pixels need not be whole float32s)', () => {
    const pool = new BodyPool(1 << 20, 65536);
    const odd = pool.take(3 * 151 * 151)!; // 68,403 bytes: a 3x151x151 uint8 image
    expect(odd.length).toBe(68403);
    pool.give(odd);
    expect(pool.take(68403)!.buffer).toBe(odd.buffer);
  });
});
