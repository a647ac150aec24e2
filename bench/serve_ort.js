#!/usr/bin/env node
// bench/serve_ort.js — the onnxruntime-node server bench/serve.js compares `torchlet serve` with:
// the same HTTP framework (fastify), the same dynamic batching (dist/lib/serve/batcher.js: the
// same --max-batch / --max-delay-ms policy, batches in flight limited to the session's "workers"),
// the same input parsing (application/octet-stream + X-Shape; X-Dtype: uint8 pixels go to the graph as
// uint8, for a model exported to take them: bench/serve_export.py), the same answer (softmax, top-k:
// formatOutput) and the same /metrics (event-loop delay), over an onnxruntime-node InferenceSession
// (CPU execution provider, intra-op threads = --threads, one session: ORT's run() is asynchronous
// and computes off the event loop). Prints {"listening": URL} then {"ready": true}; SIGTERM drains.
//   node bench/serve_ort.js --onnx FILE --shape 1,28,28 [--port 0] [--threads N] [--max-batch 64] [--max-delay-ms 2] [--spin 0|1] [--uint8 0|1]
// --uint8 1: the graph takes uint8 pixels (the warm-up sends those).
// --spin 0 turns ORT's spinning intra-op threads off (session.intra_op.allow_spinning), better on a loaded machine.
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'ort', 'node_modules', 'onnxruntime-node'));
const Fastify = require('fastify');
const { Batcher } = require('../dist/lib/serve/batcher');
const { Metrics } = require('../dist/lib/serve/metrics');
const { fromOctets, fitShape, BadInput } = require('../dist/lib/serve/inputs');
const { formatOutput } = require('../dist/lib/serve/server');

function args() {
  const o = { port: 0, threads: require('os').availableParallelism(), maxBatch: 64, maxDelayMs: 2, host: '127.0.0.1', spin: 1 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i].replace(/^--/, '').replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
    o[k] = ['onnx', 'shape', 'host'].includes(k) ? a[i + 1] : Number(a[i + 1]);
  }
  if (!o.onnx || !o.shape) throw new Error('usage: serve_ort.js --onnx FILE --shape C,H,W');
  o.shape = o.shape.split(',').map(Number);
  return o;
}

(async () => {
  const o = args();
  const app = Fastify({ bodyLimit: 16 << 20 });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
  let ready = false;
  let runner = null;
  let batcher = null;
  const metrics = new Metrics(() => ({ queueDepth: batcher ? batcher.queueDepth : 0, inFlight: batcher ? batcher.inFlight : 0, workersReady: ready ? 1 : 0, workerRestarts: 0, ready }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_q, reply) => (ready ? { status: 'ready' } : reply.code(503).send({ error: 'loading' })));
  app.get('/metrics', async (_q, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()));
  app.post('/predict', async (req, reply) => {
    if (!ready) return reply.code(503).header('Retry-After', '1').send({ error: 'loading', code: 'NOT_READY' });
    let b;
    try {
      b = fromOctets(req.body, req.headers['x-shape'], req.headers['x-dtype']);
      b.shape = fitShape(b.shape, o.shape, o.maxBatch);
    } catch (e) {
      if (e instanceof BadInput) return reply.code(e.status).send({ error: e.message, code: e.code });
      throw e;
    }
    const out = await batcher.submit(b.data, b.shape);
    return formatOutput('onnx', out, null, 5);
  });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(req.routeOptions?.url ?? 'unknown', reply.statusCode);
    done();
  });
  await app.listen({ host: o.host, port: o.port });
  console.log(JSON.stringify({ listening: `http://${o.host}:${app.server.address().port}` }));
  const session = await ort.InferenceSession.create(o.onnx, { intraOpNumThreads: o.threads, interOpNumThreads: 1, executionProviders: ['cpu'], graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: String(o.spin) } } } });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  runner = {
    workers: 1,
    async runRaw(data, shape) {
      const r = await session.run({ [input]: new ort.Tensor(data instanceof Uint8Array ? 'uint8' : 'float32', data, shape) });
      const t = r[output];
      return { data: t.data, shape: t.dims.slice() };
    },
  };
  const n = o.shape.reduce((a, b) => a * b, 1);
  await runner.runRaw(o.uint8 ? new Uint8Array(n) : new Float32Array(n), [1, ...o.shape]); // warm-up
  batcher = new Batcher(runner, { maxBatch: o.maxBatch, maxDelayMs: o.maxDelayMs, maxQueue: 1024, timeoutMs: 30000, onBatch: (s) => metrics.batchSize.observe(s) });
  ready = true;
  metrics.resetLoopDelay();
  console.log(JSON.stringify({ ready: true, rssBytes: process.memoryUsage().rss }));
  process.once('SIGTERM', async () => {
    ready = false;
    await app.close();
    await batcher.drain();
    metrics.stop();
    process.exit(0);
  });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
