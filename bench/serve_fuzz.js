#!/usr/bin/env node
// bench/serve_fuzz.js — the long run of test/serve/http_fuzz.test.ts: seeded random requests
// (test/serve/http_fuzz_cases.ts) against `torchlet serve` serving a FashionCNN on 127.0.0.1, seed
// after seed; prints each seed's statuses and every answer that breaks the contract (a 5xx, an
// error without {"error", "code"} or with a code the server does not document, a valid request not
// answered 200, malformed predictions), and at the end whether the server is still healthy (ready, no
// worker replaced, nothing queued). Exit code 1 when anything failed.
//   node bench/serve_fuzz.js [--n 5000] [--seeds 1-10] [--parallel 16] [--device cpu|cuda]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
require('../test/child/register.js');
const torch = require('../lib');
const { startServer } = require('../lib/serve/server');
const { serveMetadata } = require('../lib/serve/model');
const { fuzz } = require('../test/serve/http_fuzz_cases');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const N = Number(opt('n', 5000));
const [from, to] = opt('seeds', '1-10').split('-').map(Number);
const PARALLEL = Number(opt('parallel', 16));
const DEVICE = opt('device', 'cpu');

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-serve-fuzz-'));
  const ckpt = path.join(dir, 'fashion.safetensors');
  torch.manualSeed(3);
  torch.save(torch.models.fashionCnn().stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
  const s = await startServer({ models: [{ checkpoint: ckpt }], device: DEVICE, port: 0, workers: 1, threads: 1, maxBatch: 8, bodyLimit: 1 << 16 });
  await s.ready;
  let failed = 0;
  const t0 = Date.now();
  for (let seed = from; seed <= (to ?? from); seed++) {
    const run = await fuzz(s.url, N, seed, PARALLEL);
    failed += run.failures.length;
    const st = [...run.statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`seed ${seed}: ${N} requests, ${run.failures.length} broke the contract; statuses ${st}; ${run.kinds.size} kinds`);
    for (const f of run.failures.slice(0, 20)) console.log(`  ${f}`);
  }
  const ready = (await fetch(`${s.url}/readyz`)).status;
  const healthy = ready === 200 && s.models[0].session.restarts === 0 && s.models[0].batcher.queueDepth === 0;
  console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s; ${failed} failures; after: /readyz ${ready}, workers replaced ${s.models[0].session.restarts}, queued ${s.models[0].batcher.queueDepth} (${healthy ? 'healthy' : 'NOT healthy'})`);
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(failed || !healthy ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
