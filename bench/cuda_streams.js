#!/usr/bin/env node
// bench/cuda_streams.js — do two CUDA streams run at the same time? (issue 16: a session keeps its work
// on its own stream). Run on a GPU after `npm run build:ts` (bench/gpu.sh does); on the CUDA emulator
// (TORCHLET_ADDON=build-emu/Release/torchlet.node) it only checks that everything runs and agrees,
// since emulated streams run one after the other.
//  1. one thread, two streams: K small matmul chains issued alternately on streams a and b
//     (torch.cuda.stream(s, fn)) against the same 2K matmuls on one stream;
//  2. two worker threads (each with its own stream, as InferenceSession workers) running K each, against
//     one worker running 2K;
//  3. an InferenceSession (FashionCNN) with 2 workers on CUDA: its workers' stream ids are distinct, and
//     concurrent runs give the single-worker answers.
// Prints the wall times and ratios (serial / concurrent: 2 would be perfect overlap, 1 none) as JSON
// lines; exits 1 if any result differs between the serial and concurrent runs or a stream id repeats.
// Usage: node bench/cuda_streams.js [--k 200] [--n 128] [--lib dist/lib]
'use strict';
const path = require('path');
const os = require('os');
const fs = require('fs');
const { Worker } = require('worker_threads');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const K = Number(opt('k', 200));
const N = Number(opt('n', 128));
const lib = path.resolve(opt('lib', path.join(__dirname, '..', 'dist', 'lib')));
const torch = require(lib);
if (!torch.cuda.isAvailable()) {
  console.log(JSON.stringify({ skipped: 'CUDA not available' }));
  process.exit(0);
}
let failed = false;
const check = (ok, what) => {
  if (!ok) {
    failed = true;
    console.log(JSON.stringify({ failed: what }));
  }
};

// a chain of k matmuls of an [n, n] matrix (scaled to stay finite); returns the last product
function chain(x, w, k) {
  let y = x;
  for (let i = 0; i < k; i++) {
    const z = torch.matmul(y, w);
    if (y !== x) y.dispose();
    y = z;
  }
  return y;
}
function same(a, b) {
  const x = a.toArray(), y = b.toArray();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// 1. one thread, two streams
{
  torch.manualSeed(1);
  const x = torch.randn([N, N], { device: 'cuda' });
  const w = torch.randn([N, N], { device: 'cuda' }).div(Math.sqrt(N));
  chain(x, w, 5).dispose(); // warm up
  torch.cuda.synchronize();
  let t0 = process.hrtime.bigint();
  const s1 = chain(x, w, K), s2 = chain(x, w, K);
  torch.cuda.synchronize();
  const serial = Number(process.hrtime.bigint() - t0) / 1e6;
  const a = new torch.cuda.Stream(), b = new torch.cuda.Stream();
  t0 = process.hrtime.bigint();
  let ya = x, yb = x;
  for (let i = 0; i < K; i++) {
    const na = torch.cuda.stream(a, () => torch.matmul(ya, w));
    const nb = torch.cuda.stream(b, () => torch.matmul(yb, w));
    if (ya !== x) ya.dispose();
    if (yb !== x) yb.dispose();
    ya = na;
    yb = nb;
  }
  torch.cuda.synchronize();
  const concurrent = Number(process.hrtime.bigint() - t0) / 1e6;
  check(same(s1, ya) && same(s2, yb), 'two streams on one thread: results differ from one stream');
  check(a.id !== b.id && a.id !== torch.cuda.currentStream().id, 'stream ids repeat');
  console.log(JSON.stringify({ test: 'one thread, two streams', k: K, n: N, serial_ms: serial, concurrent_ms: concurrent, ratio: serial / concurrent }));
}

// 2. two worker threads, each on its own stream
function workerRun(k) {
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    const torch = require(workerData.lib);
    torch.manualSeed(1);
    const x = torch.randn([workerData.n, workerData.n], { device: 'cuda' });
    const w = torch.randn([workerData.n, workerData.n], { device: 'cuda' }).div(Math.sqrt(workerData.n));
    parentPort.once('message', () => {
      const t0 = process.hrtime.bigint();
      let y = x;
      for (let i = 0; i < workerData.k; i++) { const z = torch.matmul(y, w); if (y !== x) y.dispose(); y = z; }
      const values = Array.from(y.toArray());
      parentPort.postMessage({ stream: torch.cuda.currentStream().id, ms: Number(process.hrtime.bigint() - t0) / 1e6, values });
    });
    parentPort.postMessage('ready');`;
  const w = new Worker(code, { eval: true, workerData: { lib, n: N, k } });
  const ready = new Promise((r) => w.once('message', r));
  return {
    ready,
    go: () => {
      const done = new Promise((r) => w.once('message', r));
      w.postMessage('go');
      return done.then((m) => (w.terminate(), m));
    },
  };
}
async function workers() {
  const one = workerRun(2 * K);
  await one.ready;
  let t0 = process.hrtime.bigint();
  const r1 = await one.go();
  const serial = Number(process.hrtime.bigint() - t0) / 1e6;
  const two = [workerRun(K), workerRun(K)];
  await Promise.all(two.map((w) => w.ready));
  t0 = process.hrtime.bigint();
  const [ra, rb] = await Promise.all(two.map((w) => w.go()));
  const concurrent = Number(process.hrtime.bigint() - t0) / 1e6;
  check(new Set([ra.stream, rb.stream, torch.cuda.currentStream().id]).size === 3, 'worker threads share a stream');
  check(ra.values.every((v, i) => v === rb.values[i]), 'two workers: results differ');
  check(r1.values.length === ra.values.length, 'worker results have the wrong size');
  console.log(JSON.stringify({ test: 'two worker threads', k: K, n: N, streams: [ra.stream, rb.stream], serial_ms: serial, concurrent_ms: concurrent, ratio: serial / concurrent }));
}

// 3. an InferenceSession with two workers on CUDA
async function session() {
  const { InferenceSession } = torch;
  const { serveMetadata } = require(path.join(lib, 'serve', 'model'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-streams-'));
  try {
    torch.manualSeed(2);
    const model = torch.models.fashionCnn();
    model.eval();
    const ckpt = path.join(dir, 'fashion.safetensors');
    torch.save(model.stateDict(), ckpt, { metadata: serveMetadata('fashion-cnn') });
    const s = await InferenceSession.create({ checkpoint: ckpt, device: 'cuda', workers: 2, threads: 1 });
    try {
      const ids = s.cudaStreams;
      check(ids.length === 2 && ids[0] !== ids[1], `session workers' streams ${JSON.stringify(ids)}`);
      const xs = Array.from({ length: 8 }, () => torch.randn([16, 1, 28, 28]));
      const t0 = process.hrtime.bigint();
      const ys = await Promise.all(xs.map((x) => s.run(x)));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let maxDiff = 0;
      ys.forEach((y, i) => {
        const want = torch.noGrad(() => model.forward(xs[i])).toArray();
        y.toArray().forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - want[j]))));
      });
      check(maxDiff < 1e-3, `session answers differ from model.forward by ${maxDiff}`);
      console.log(JSON.stringify({ test: 'InferenceSession, 2 workers on cuda', streams: ids, batches: 8, ms, max_abs_diff: maxDiff }));
    } finally {
      await s.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  await workers();
  await session();
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
