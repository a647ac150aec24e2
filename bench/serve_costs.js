#!/usr/bin/env node
// bench/serve_costs.js — what `torchlet serve` itself costs per request, apart from the model (issue 16):
//  1. answer writing: the JSON answer of one request (softmax, top-5, every probability) for 10, 100
//     and 1000 classes, by answer.ts's JavaScript formatOutput + JSON.stringify and by predictionsJson
//     (native/core/answer.cc), us per answer (median of --reps blocks);
//  2. garbage collection under load: a server of the 'null-224' model (ResNet-18's input 3x224x224
//     and output 1000 classes through a model that costs nothing; bench/serve.js's) started with
//     --trace-gc, loaded by autocannon at concurrency 64 for --seconds with raw float32 bodies; the
//     collections of each thread (main thread, inference worker) counted by kind, with their pause
//     time, per 1000 requests. --max-batch 64 (batched) and 1 (unbatched).
// --root DIR measures another checkout's dist/ (e.g. a worktree of an earlier commit, built with
// `npx tsc -p tsconfig.json`; TORCHLET_ADDON may point both at one addon), for a before/after.
//   node bench/serve_costs.js [--seconds 6] [--reps 9] [--root DIR] [--skip-answers]
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const autocannon = require('autocannon');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const SECONDS = Number(opt('seconds', 6));
const REPS = Number(opt('reps', 9));
const ROOT = path.resolve(opt('root', path.join(__dirname, '..')));
const dist = path.join(ROOT, 'dist', 'lib');
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function answers() {
  const { formatOutput, predictionsJson } = require(path.join(dist, 'serve', 'answer'));
  const out = [];
  for (const k of [10, 100, 1000]) {
    const rows = 64;
    const data = new Float32Array(rows * k);
    let seed = 1;
    for (let i = 0; i < data.length; i++) data[i] = (((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5) * 16;
    const names = Array.from({ length: k }, (_, i) => `class ${i}`);
    const time = (fn) => {
      const per = [];
      for (let r = 0; r < REPS; r++) {
        const t0 = performance.now();
        let n = 0;
        for (; performance.now() - t0 < 100; n++) fn(n % rows);
        per.push(((performance.now() - t0) * 1000) / n);
      }
      return median(per);
    };
    const js = time((r) => JSON.stringify(formatOutput('m', { data: data.subarray(r * k, (r + 1) * k), shape: [1, k] }, names, 5)));
    const native = typeof predictionsJson === 'function' && predictionsJson.length >= 6 ? time((r) => predictionsJson(data, k, r, 1, names, 5)) : NaN;
    const bytes = [JSON.stringify(formatOutput('m', { data: data.subarray(0, k), shape: [1, k] }, names, 5).predictions).length, Number.isNaN(native) ? NaN : predictionsJson(data, k, 0, 1, names, 5).length];
    out.push({ classes: k, jsUs: js, nativeUs: native, jsBytes: bytes[0], nativeBytes: bytes[1] });
  }
  return out;
}

const NULL_MODULE = (lib) => `const torch = require(${JSON.stringify(lib)});
exports.input = { shape: [3, 224, 224] };
exports.classes = Array.from({ length: 1000 }, (_, i) => 'c' + i);
exports.createModel = () => { torch.manualSeed(0); const nn = torch.nn; return new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(3, 1000)); };
`;

async function gcUnderLoad(maxBatch) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-serve-costs-'));
  const mod = path.join(work, 'null224.js');
  fs.writeFileSync(mod, NULL_MODULE(dist));
  // a collection forced before anything else runs marks the main thread's isolate in the trace
  const mark = path.join(work, 'mark.js');
  fs.writeFileSync(mark, 'globalThis.gc();\n');
  const child = spawn(process.execPath, ['--trace-gc', '--expose-gc', '-r', mark, path.join(dist, 'cli', 'main.js'), 'serve', '--module', mod, '--port', '0', '--max-batch', String(maxBatch), '--max-delay-ms', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (c) => (text += c));
  const url = await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = /"listening":"([^"]+)"/.exec(text);
      if (m && text.includes('"ready"')) {
        clearInterval(t);
        resolve(m[1]);
      }
    }, 50);
    child.on('exit', () => reject(new Error(`the server exited: ${text.slice(-500)}`)));
  });
  const body = Buffer.alloc(3 * 224 * 224 * 4);
  for (let i = 0; i < body.length / 4; i++) body.writeFloatLE(Math.sin(i), i * 4);
  const load = (seconds) =>
    new Promise((resolve, reject) =>
      autocannon({ url: `${url}/predict`, method: 'POST', connections: 64, duration: seconds, body, headers: { 'content-type': 'application/octet-stream', 'x-shape': '1,3,224,224' } }, (e, r) => (e ? reject(e) : resolve(r))),
    );
  await load(2); // warm-up, not counted
  const from = text.length;
  const r = await load(SECONDS);
  const trace = text.slice(from);
  child.kill('SIGTERM');
  await new Promise((res) => child.on('exit', res));
  fs.rmSync(work, { recursive: true, force: true });
  // lines: [pid:isolate]  t ms: Kind a (b) -> c (d) MB, pause / ... ms
  const byIsolate = new Map();
  for (const line of trace.split('\n')) {
    const m = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: (Scavenge|Mark-Compact|Mark-Sweep|Minor Mark-Sweep|Minor Mark-Compact)\b.*?MB, ([\d.]+)/.exec(line);
    if (!m) continue;
    const s = byIsolate.get(m[1]) ?? { kinds: {}, pauseMs: 0 };
    s.kinds[m[2]] = (s.kinds[m[2]] ?? 0) + 1;
    s.pauseMs += Number(m[3]);
    byIsolate.set(m[1], s);
  }
  const requests = r.requests.total;
  // the main thread's isolate: the first line of the trace (the forced collection, before any worker)
  const firstIsolate = /^\[\d+:(0x[0-9a-f]+)\]/m.exec(text)?.[1];
  const threads = [...byIsolate].map(([iso, s]) => ({ thread: iso === firstIsolate ? 'main' : 'worker', collections: s.kinds, pauseMs: s.pauseMs, per1000: Object.fromEntries(Object.entries(s.kinds).map(([k, n]) => [k, (1000 * n) / requests])), pauseMsPer1000: (1000 * s.pauseMs) / requests }));
  return { maxBatch, requests, rps: r.requests.average, non2xx: r.non2xx, errors: r.errors, threads };
}

(async () => {
  const lines = [`# bench/serve_costs.js --root ${ROOT} (${new Date().toISOString()}, ${os.cpus().length} cores, node ${process.version})`];
  const print = (s) => {
    lines.push(s);
    console.log(s);
  };
  if (!argv.includes('--skip-answers')) {
    print('## answer writing, us per request (median of blocks), top-5 and every probability');
    for (const a of answers()) print(`classes ${String(a.classes).padStart(4)}: formatOutput + JSON.stringify ${a.jsUs.toFixed(1).padStart(7)} us (${a.jsBytes} bytes)   predictionsJson ${Number.isNaN(a.nativeUs) ? '   n/a' : a.nativeUs.toFixed(1).padStart(7)} us (${a.nativeBytes} bytes)`);
  }
  print(`## garbage collection in the server under load: null-224, concurrency 64, ${SECONDS} s (after 2 s of warm-up)`);
  for (const mb of [64, 1]) {
    const g = await gcUnderLoad(mb);
    print(`max-batch ${mb}: ${g.requests} requests (${g.rps.toFixed(0)}/s, non-2xx ${g.non2xx}, errors ${g.errors})`);
    for (const t of g.threads)
      print(`  ${t.thread.padEnd(6)} ${Object.entries(t.collections).map(([k, n]) => `${k} ${n}`).join(', ')}; pauses ${t.pauseMs.toFixed(0)} ms; per 1000 requests: ${Object.entries(t.per1000).map(([k, n]) => `${k} ${n.toFixed(1)}`).join(', ')}, pauses ${t.pauseMsPer1000.toFixed(1)} ms`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
