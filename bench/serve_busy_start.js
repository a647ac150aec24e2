#!/usr/bin/env node
// bench/serve_busy_start.js — a `torchlet serve` started while the machine is busy, then loaded once it
// is quiet: does its CPU worker's choice of one thread or all (lib/serve/threads.ts) follow? The
// warm-up times 1 vs all threads once (oneThreadBelow); a busy machine during that timing can make
// all threads look slower at every size (threshold 65: every batch on one thread). Each round:
//   1. a load that takes about 3/4 of one core (a process busy 3 ms of every 4) runs while two
//      servers start: the default one (its threshold timed there, then chosen per batch from the
//      batches' own times: ThreadChooser) and, for comparison, the behaviour before the chooser:
//      a server fixed at the threshold the default one timed (--single-thread-below N);
//   2. the load stops; each server in turn answers one client sending batches of --batch images
//      (concurrency 1, --seconds each): images/s, p50, and the forward passes by thread count from its
//      /metrics (torchlet_worker_batches_total{threads}).
// A third server, started on the quiet machine, gives the figure to recover. Rounds where the busy
// warm-up timed a threshold at or below the batch size (its choice was right anyway) are reported too.
//   node bench/serve_busy_start.js [--rounds 3] [--seconds 6] [--batch 64]   (needs `npm run build`; Linux)
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const autocannon = require('autocannon');

const root = path.join(__dirname, '..');
const torch = require(path.join(root, 'dist', 'lib'));
const { serveMetadata } = require(path.join(root, 'dist', 'lib', 'serve', 'model'));
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('--rounds', 3);
const SECONDS = arg('--seconds', 6);
const BATCH = arg('--batch', 64);

function server(ckpt, extra) {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'lib', 'cli', 'main.js'), 'serve', '--checkpoint', ckpt, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const line = async (key) => {
    for (const t0 = Date.now(); Date.now() - t0 < 120000; await new Promise((r) => setTimeout(r, 50))) {
      const l = out.split('\n').find((x) => x.includes(`"${key}"`));
      if (l) return JSON.parse(l);
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    }
    throw new Error(`no "${key}" line within 2 minutes`);
  };
  const stop = () =>
    new Promise((res) => {
      if (child.exitCode !== null) return res();
      child.once('exit', res);
      child.kill('SIGTERM');
    });
  return { line, stop };
}

async function start(ckpt, extra) {
  const s = server(ckpt, extra);
  const url = (await s.line('listening')).listening;
  const ready = await s.line('ready');
  return { ...s, url, below: ready.models[0].singleThreadBelow };
}

// a process busy 3 ms of every 4 (about 3/4 of one core), until killed
function busy() {
  const code = 'for (;;) { const t = Date.now(); while (Date.now() - t < 3); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); }';
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

async function load(s, body) {
  const before = await batchesByThreads(s.url);
  const r = await autocannon({
    url: `${s.url}/predict`, method: 'POST', body, connections: 1, duration: SECONDS, pipelining: 1,
    headers: { 'content-type': 'application/octet-stream', 'x-shape': `${BATCH},1,28,28` },
  });
  const after = await batchesByThreads(s.url);
  const runs = [...after].map(([t, n]) => `${n - (before.get(t) ?? 0)} on ${t}`).filter((x) => !x.startsWith('0 '));
  return { ips: (r.requests.total * BATCH) / SECONDS, p50: r.latency.p50, failed: r.errors + r.timeouts + r.non2xx, runs: runs.join(', ') };
}

async function batchesByThreads(url) {
  const t = await (await fetch(`${url}/metrics`)).text();
  return new Map([...t.matchAll(/^torchlet_worker_batches_total\{threads="(\d+)"\} (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
}

(async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-busy-start-'));
  try {
    torch.manualSeed(0);
    const ckpt = path.join(work, 'fashion-cnn.safetensors');
    torch.save(torch.models.fashionCnn().stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
    const body = Buffer.from(torch.randn([BATCH, 1, 28, 28]).toArray().buffer);
    console.log(`# node bench/serve_busy_start.js ${process.argv.slice(2).join(' ')}: FashionCNN, ${os.availableParallelism()} cores (${os.cpus()[0].model}), Node ${process.version}, ${new Date().toISOString()}`);
    console.log(`# one client (concurrency 1) sending ${BATCH} images per request, ${SECONDS} s per server; servers started while a process took ~3/4 of a core`);
    const row = (name, below, r) =>
      console.log(`${name.padEnd(34)} ${String(below).padStart(6)} ${r.ips.toFixed(0).padStart(9)} ${String(r.p50).padStart(7)} ${String(r.failed).padStart(6)}   ${r.runs}`);
    const head = () => console.log(`${'server'.padEnd(34)} ${'below'.padStart(6)} ${'images/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'failed'.padStart(6)}   forward passes by threads`);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      const burner = busy();
      await new Promise((r) => setTimeout(r, 500));
      let adaptive;
      let fixed;
      try {
        adaptive = await start(ckpt, []);
        fixed = await start(ckpt, ['--single-thread-below', String(adaptive.below)]);
      } finally {
        burner.kill('SIGKILL');
      }
      const quiet = await start(ckpt, []);
      await new Promise((r) => setTimeout(r, 1000));
      head();
      try {
        for (const [name, s] of [
          ['default, started busy', adaptive],
          ['fixed at that threshold (before)', fixed],
          ['default, started quiet', quiet],
        ])
          row(name, s.below, await load(s, body));
      } finally {
        await Promise.all([adaptive.stop(), fixed.stop(), quiet.stop()]);
      }
      if (adaptive.below <= BATCH) console.log(`(the busy warm-up timed ${adaptive.below}: batches of ${BATCH} ran on all threads from the start anyway)`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
