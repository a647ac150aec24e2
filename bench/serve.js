#!/usr/bin/env node
// bench/serve.js — load test of `torchlet serve` beside an onnxruntime-node server (issue 16).
// For FashionCNN (1x28x28) and torchvision's ResNet-18 (3x224x224, 1000 classes), with the same
// random weights (seed 0) in every server (the ONNX file is exported by PyTorch from the weights
// torchlet saved: bench/serve_export.py), three servers on 127.0.0.1, each started fresh per point:
//   (a) torchlet serve, dynamic batching (--max-batch 64 --max-delay-ms 2)
//   (b) torchlet serve, batching off (--max-batch 1)
//   (c) bench/serve_ort.js: fastify + the same batcher and policy over onnxruntime-node
// all with the default pool on this machine (torchlet: 1 worker x all cores; ORT: one session with
// intra-op threads = all cores, spinning threads off: 4x faster than ORT's default on this shared
// machine). autocannon sends one sample per request (application/octet-stream,
// X-Shape) at concurrency 1, 16 and 64 for --seconds each (default 10) and reports images/s,
// latency p50/p99, failed requests (errors, timeouts, non-2xx), and the server's event-loop delay
// p99 over the run and the mean batch size (its /metrics); on Linux also where the CPU went during each
// point: the server's threads (time running and time runnable but waiting for a core, from
// /proc/PID/task/*/schedstat; the main thread apart), the load generator (this process) and the
// machine's idle share (/proc/stat), as percentages of one core. Also: that the ORT and torchlet outputs agree, and the RSS of
// torchlet serve with 1, 2 and 4 workers (ResNet-18: one shared copy of the weights). --models
// null-224: ResNet-18's input and output sizes through a model that costs nothing, what the server
// itself costs per request (the ceiling a GPU runs into; torchlet's servers only). --soak S runs
// (a) on FashionCNN at concurrency 64 for S seconds (the "0 failed requests in 60 s" check).
// Needs `npm run build:ts` (dist/) and bench/ort (bash bench/setup_zoo.sh). Writes
// bench/results/serve-<date>.json and .txt (serve-<date>-2.* etc. when those exist: nothing is overwritten).
//   node bench/serve.js [--seconds 10] [--models fashion-cnn,resnet18,null-224] [--conc 1,16,64] [--soak 60] [--ort DIR]
//                       [--no-ort] [--device cuda] [--out DIR] [--rounds R] [--input float32|uint8]
// --input uint8: every server is sent uint8 pixels (X-Dtype: uint8, a quarter of the bytes) and
// normalises them itself with the model's image preprocessing: torchlet serve on its worker's device,
// the onnxruntime-node server in the exported graph (bench/serve_export.py's pixel variant).
// --rounds R: every point R times, the servers taking turns (round 1: a, b, c; round 2: a, b, c; ...), so
// that a slow minute of a shared machine falls on all of them; the table then shows each point's median
// over the rounds, and the ratios at the highest concurrency are given per round and as their median.
// --no-ort: torchlet's servers alone (a machine without bench/ort or the ONNX export); --device: the
// torchlet servers' device (answers checked against model.forward on the CPU); --out: where the result
// files go (default bench/results).
// TL_SERVE_ARGS='--workers 2 --threads 1' (an environment variable): extra flags for the torchlet servers (a)
// and (b), to compare pool shapes.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const autocannon = require('autocannon');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const SECONDS = Number(opt('seconds', 10));
const MODELS = opt('models', 'fashion-cnn,resnet18').split(',');
const CONC = opt('conc', '1,16,64').split(',').map(Number);
const SOAK = Number(opt('soak', 0));
const ROUNDS = Number(opt('rounds', 1));
const ORT_DIR = opt('ort', path.join(__dirname, 'ort'));
const NO_ORT = argv.includes('--no-ort');
const DEVICE = opt('device', 'cpu');
const OUT_DIR = opt('out', path.join(__dirname, 'results'));
const INPUT = opt('input', 'float32');
if (!['float32', 'uint8'].includes(INPUT)) throw new Error(`--input must be float32 or uint8; got ${INPUT}`);
const SERVE_ARGS = [...(DEVICE !== 'cpu' ? ['--device', DEVICE] : []), ...(process.env.TL_SERVE_ARGS ? process.env.TL_SERVE_ARGS.split(' ') : [])];

const torch = require(path.join(root, 'dist', 'lib'));
const { serveMetadata, BUILTIN_MODELS } = require(path.join(root, 'dist', 'lib', 'serve', 'model'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-serve-bench-'));
const SHAPES = { 'fashion-cnn': [1, 28, 28], resnet18: [3, 224, 224], 'null-224': [3, 224, 224] };

// 'null-224': ResNet-18's input and output sizes (3x224x224 in, 1000 classes out) through a model that
// costs nothing (global average pool, Linear(3, 1000)), served with --module: what the server itself
// (HTTP, batching, moving inputs to a worker, answers) costs per request, the ceiling a fast device
// (a GPU) runs into. No ONNX counterpart: onnxruntime-node is not run for it.
const NULL_MODULE = `const torch = require(${JSON.stringify(path.join(root, 'dist', 'lib'))});
exports.input = { shape: [3, 224, 224] };
exports.classes = Array.from({ length: 1000 }, (_, i) => 'c' + i);
exports.createModel = () => { torch.manualSeed(0); const nn = torch.nn; return new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(3, 1000)); };
`;

function prepare(model) {
  if (model === 'null-224') {
    const module = path.join(work, 'null224.js');
    fs.writeFileSync(module, NULL_MODULE);
    const m = require(module).createModel();
    m.eval();
    return { module, model: m, noOrt: true, input: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } };
  }
  torch.manualSeed(0);
  const m = model === 'fashion-cnn' ? torch.models.fashionCnn() : torch.models.torchvisionResnet18({ numClasses: 1000 });
  const ckpt = path.join(work, `${model}.safetensors`);
  torch.save(m.stateDict(), ckpt, { metadata: serveMetadata(model) });
  const onnx = path.join(work, `${model}.onnx`);
  const input = BUILTIN_MODELS[model].input;
  const pixelArgs = INPUT === 'uint8' ? [String(input.scale), input.mean.join(','), input.std.join(',')] : [];
  if (!NO_ORT) execFileSync(process.env.TORCHLET_PYTHON || '/usr/bin/python3', [path.join(__dirname, 'serve_export.py'), model, ckpt, onnx, ...SHAPES[model].map(String), ...pixelArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  m.eval();
  return { ckpt, onnx, model: m, input };
}

function start(cmd, args, env = {}) {
  const child = spawn(process.execPath, [cmd, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  const lines = [];
  child.stdout.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop();
    lines.push(...parts);
  });
  const waitFor = async (key, ms = 120000) => {
    const t0 = Date.now();
    for (;;) {
      const l = lines.find((x) => x.includes(`"${key}"`));
      if (l) return JSON.parse(l);
      if (child.exitCode !== null) throw new Error(`${cmd} exited (${child.exitCode}) before "${key}"`);
      if (Date.now() - t0 > ms) throw new Error(`${cmd}: no "${key}" within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // SIGTERM (graceful: the server answers what is still queued), SIGKILL after graceMs
  const stop = (graceMs = 10000) =>
    new Promise((res) => {
      if (child.exitCode !== null) return res(child.exitCode);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', (code, signal) => {
        clearTimeout(t);
        res(signal ? signal : code);
      });
      child.kill('SIGTERM');
    });
  return { child, waitFor, stop };
}

async function startServer(kind, p, model) {
  const shape = SHAPES[model].join(',');
  const s =
    kind === 'ort'
      ? start(path.join(__dirname, 'serve_ort.js'), ['--onnx', p.onnx, '--shape', shape, '--port', '0', '--max-batch', '64', '--max-delay-ms', '2', '--spin', '0', '--uint8', INPUT === 'uint8' ? '1' : '0'])
      : start(path.join(root, 'dist', 'lib', 'cli', 'main.js'), ['serve', ...(p.module ? ['--module', p.module] : ['--checkpoint', p.ckpt]), '--port', '0', '--max-batch', kind === 'batched' ? '64' : '1', '--max-delay-ms', '2', ...SERVE_ARGS]);
  const url = (await s.waitFor('listening')).listening;
  const ready = await s.waitFor('ready');
  return { ...s, url, ready };
}

// Linux: each thread's time running and waiting on a run queue (ns, /proc/PID/task/TID/schedstat), by TID
function threadTimes(pid) {
  const out = new Map();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        out.set(Number(tid), { run, wait });
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    return null; // not Linux, or the process is gone
  }
  return out;
}
// the machine's idle and total jiffies (/proc/stat), or null
function machineTimes() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}
function cpuStart(pid) {
  return { threads: threadTimes(pid), machine: machineTimes(), me: process.cpuUsage(), t0: process.hrtime.bigint() };
}
// percentages of one core over the point: the server (all threads), its main thread (running, waiting),
// its other busiest threads, the load generator, the machine idle (of all its cores together)
function cpuEnd(pid, start) {
  const wall = Number(process.hrtime.bigint() - start.t0);
  const after = threadTimes(pid);
  const m = machineTimes();
  const me = process.cpuUsage(start.me);
  if (!after || !start.threads) return null;
  const pct = (ns) => Math.round((ns / wall) * 1000) / 10;
  const rows = [];
  for (const [tid, b] of after) {
    const a = start.threads.get(tid) ?? { run: 0, wait: 0 };
    rows.push({ tid, run: b.run - a.run, wait: b.wait - a.wait });
  }
  const main = rows.find((r) => r.tid === pid) ?? { run: 0, wait: 0 };
  const others = rows.filter((r) => r.tid !== pid && r.run > 0.02 * wall).sort((x, y) => y.run - x.run);
  return {
    serverPct: pct(rows.reduce((a, r) => a + r.run, 0)),
    mainPct: pct(main.run), mainWaitPct: pct(main.wait),
    threads: others.slice(0, 4).map((r) => ({ runPct: pct(r.run), waitPct: pct(r.wait) })),
    loadGeneratorPct: pct((me.user + me.system) * 1000),
    machineIdlePct: m && start.machine ? Math.round(((m.idle - start.machine.idle) / Math.max(1, m.total - start.machine.total)) * 1000) / 10 : null,
  };
}
const cpuLine = (c) =>
  c
    ? `  cpu (% of one core): server ${c.serverPct} (main thread ${c.mainPct} running + ${c.mainWaitPct} waiting for a core; ` +
      `other threads ${c.threads.map((t) => `${t.runPct}+${t.waitPct}`).join(', ') || 'none'}), load generator ${c.loadGeneratorPct}, ` +
      `machine idle ${c.machineIdlePct}% of all cores`
    : '  cpu: n/a (not Linux)';

function loopP99Ms(metricsText) {
  const m = /torchlet_event_loop_delay_p99_seconds ([\d.e-]+)/.exec(metricsText);
  return m ? Number(m[1]) * 1000 : NaN;
}

// samples per forward pass, mean over the server's life (the warm-up and the measured run)
function meanBatch(metricsText) {
  const sum = /^torchlet_batch_size_sum\S* ([\d.e+-]+)/m.exec(metricsText);
  const count = /^torchlet_batch_size_count\S* ([\d.e+-]+)/m.exec(metricsText);
  return sum && count && Number(count[1]) > 0 ? Number(sum[1]) / Number(count[1]) : NaN;
}

// torchlet's forward passes by the CPU threads each ran on, over the server's life ({threads: count})
function passesByThreads(metricsText) {
  return Object.fromEntries([...metricsText.matchAll(/^torchlet_worker_batches_total\{threads="(\d+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

async function load(url, body, shape, connections, seconds) {
  const r = await autocannon({
    url: `${url}/predict`, method: 'POST', body, connections, duration: seconds, pipelining: 1, timeout: 30,
    headers: { 'content-type': 'application/octet-stream', 'x-shape': `1,${shape.join(',')}`, 'x-dtype': INPUT },
  });
  return {
    imagesPerS: r.requests.total / seconds, requests: r.requests.total, p50Ms: r.latency.p50, p99Ms: r.latency.p99,
    failed: r.errors + r.timeouts + r.non2xx, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx,
  };
}

/** One request's body (random: float32 N(0, 1), or uint8 pixels) and the float32 model input it stands for. */
function sampleBody(p, model) {
  const shape = [1, ...SHAPES[model]];
  if (INPUT === 'float32') {
    const x = torch.randn(shape);
    return { body: Buffer.from(x.toArray().buffer), x };
  }
  const body = Buffer.from(torch.randint(0, 256, shape, { dtype: 'uint8' }).toArray());
  const hw = shape[2] * shape[3];
  const f = Float32Array.from(body, (v, i) => {
    const c = Math.floor(i / hw);
    return (v * p.input.scale - p.input.mean[c]) / p.input.std[c];
  });
  return { body, x: torch.fromBuffer(f, shape) };
}

async function agree(p, model) {
  // the same input through (a) and (c): the answers' probabilities agree
  const { body, x } = sampleBody(p, model);
  const out = {};
  for (const kind of NO_ORT || p.noOrt ? ['batched'] : ['batched', 'ort']) {
    const s = await startServer(kind, p, model);
    const r = await fetch(`${s.url}/predict`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream', 'x-shape': `1,${SHAPES[model].join(',')}`, 'x-dtype': INPUT } });
    out[kind] = (await r.json()).predictions[0].probs;
    await s.stop();
  }
  const want = torch.noGrad(() => torch.softmax(p.model.forward(x), 1)).toArray();
  let dOrt = 0;
  let dLocal = 0;
  out.batched.forEach((v, i) => {
    if (out.ort) dOrt = Math.max(dOrt, Math.abs(v - out.ort[i]));
    dLocal = Math.max(dLocal, Math.abs(v - want[i]));
  });
  return { maxProbDiffTorchletVsOrt: out.ort ? dOrt : null, maxProbDiffServerVsForward: dLocal };
}

(async () => {
  const results = { date: new Date().toISOString(), host: os.hostname(), cores: os.availableParallelism(), loadavg: os.loadavg(), seconds: SECONDS, rounds: ROUNDS, device: DEVICE, models: {} };
  const lines = [];
  const log = (s) => {
    console.log(s);
    lines.push(s);
  };
  const ortName = NO_ORT ? 'no onnxruntime-node (--no-ort)' : `onnxruntime-node (${require(path.join(ORT_DIR, 'node_modules', 'onnxruntime-node', 'package.json')).version})`;
  results.input = INPUT;
  log(`torchlet serve on ${DEVICE} vs ${ortName}, ${SECONDS} s per point, ${INPUT} inputs, ${os.availableParallelism()} cores, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  for (const model of MODELS) {
    const p = prepare(model);
    const res = (results.models[model] = { agree: await agree(p, model), points: [] });
    const dOrt = res.agree.maxProbDiffTorchletVsOrt;
    log(`\n${model}: outputs agree (max |p_torchlet - p_ort| = ${dOrt === null ? 'n/a' : dOrt.toExponential(2)}, server vs model.forward ${res.agree.maxProbDiffServerVsForward.toExponential(2)})`);
    const header = `server        conc  images/s   p50 ms   p99 ms  failed  loop p99 ms  mean batch`;
    const row = (kind, c, r) =>
      `${kind.padEnd(12)} ${String(c).padStart(5)} ${r.imagesPerS.toFixed(1).padStart(9)} ${r.p50Ms.toFixed(1).padStart(8)} ${r.p99Ms.toFixed(1).padStart(8)} ${String(r.failed).padStart(7)} ${r.loopP99Ms.toFixed(2).padStart(12)} ${r.meanBatch.toFixed(1).padStart(11)}`;
    log(ROUNDS > 1 ? `each point ${ROUNDS} times, the servers taking turns` : header);
    const { body } = sampleBody(p, model);
    const kinds = NO_ORT || p.noOrt ? ['batched', 'unbatched'] : ['batched', 'unbatched', 'ort'];
    for (let round = 1; round <= ROUNDS; round++) {
      if (ROUNDS > 1) log(`round ${round}\n${header}`);
      for (const kind of kinds) {
        for (const c of CONC) {
          const s = await startServer(kind, p, model);
          // a short warm-up at this concurrency, then the measured run with fresh loop statistics
          await load(s.url, body, SHAPES[model], c, 1);
          const c0 = cpuStart(s.child.pid);
          const r = await load(s.url, body, SHAPES[model], c, SECONDS);
          r.cpu = cpuEnd(s.child.pid, c0);
          const metrics = await (await fetch(`${s.url}/metrics`)).text();
          r.loopP99Ms = loopP99Ms(metrics);
          r.meanBatch = meanBatch(metrics);
          await s.stop();
          // torchlet's workers: the threshold timed at warm-up (batches of fewer samples on one thread),
          // where each worker's per-batch choice starts; the passes by the threads they ran on
          if (kind !== 'ort') {
            r.singleThreadBelow = s.ready.models?.[0]?.singleThreadBelow ?? null;
            r.passesByThreads = passesByThreads(metrics);
          }
          res.points.push({ server: kind, concurrency: c, round, ...r });
          log(row(kind, c, r));
          log(cpuLine(r.cpu));
          if (r.passesByThreads) log(`  forward passes (warm-up load included): ${Object.entries(r.passesByThreads).map(([t, n]) => `${n} on ${t} thread${t === '1' ? '' : 's'}`).join(', ')}`);
        }
      }
    }
    const median = (a) => {
      const v = a.slice().sort((x, y) => x - y);
      return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    const runs = (k, c) => res.points.filter((q) => q.server === k && q.concurrency === c);
    if (ROUNDS > 1) {
      // each column's median over the rounds (failed: the sum)
      log(`median of ${ROUNDS} rounds (failed: all rounds together)\n${header}`);
      res.medians = [];
      for (const kind of kinds)
        for (const c of CONC) {
          const rs = runs(kind, c);
          const m = { server: kind, concurrency: c, failed: rs.reduce((a, q) => a + q.failed, 0) };
          for (const f of ['imagesPerS', 'p50Ms', 'p99Ms', 'loopP99Ms', 'meanBatch']) m[f] = median(rs.map((q) => q[f]));
          res.medians.push(m);
          log(row(kind, c, m));
        }
    }
    const below = [...new Set(res.points.filter((q) => q.singleThreadBelow !== undefined).map((q) => q.singleThreadBelow))];
    if (below.length) log(`torchlet's workers timed batches of fewer samples than ${below.join(' / ')} faster on one thread at warm-up (where their per-batch choice started)`);
    const cMax = Math.max(...CONC);
    const per = (a, b) => runs(a, cMax).map((q, i) => q.imagesPerS / runs(b, cMax)[i].imagesPerS);
    if (runs('batched', cMax).length && runs('unbatched', cMax).length) {
      const speed = per('batched', 'unbatched');
      const vs = runs('ort', cMax).length ? per('batched', 'ort') : null;
      res.batchingSpeedup = median(speed);
      if (vs) res.vsOrt = median(vs);
      if (ROUNDS > 1) {
        res.batchingSpeedupPerRound = speed;
        if (vs) res.vsOrtPerRound = vs;
      }
      // n/a: a point that answered no request in its seconds (a 0/0 ratio)
      const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
      const fmt = (a) => (ROUNDS > 1 ? `${x(median(a))} (median; rounds ${a.map(x).join(', ')})` : x(a[0]));
      log(`at concurrency ${cMax}: batching ${fmt(speed)} the throughput without it` + (vs ? `; ${fmt(vs)} onnxruntime-node's` : ''));
    }
    if ((model === 'resnet18' || MODELS.length === 1) && DEVICE === 'cpu' && !p.module) {
      res.memory = [];
      for (const w of [1, 2, 4]) {
        const s = start(path.join(root, 'dist', 'lib', 'cli', 'main.js'), ['serve', '--checkpoint', p.ckpt, '--port', '0', '--workers', String(w), '--threads', '1']);
        const ready = await s.waitFor('ready');
        await s.stop();
        res.memory.push({ workers: w, rssBytes: ready.rssBytes, sharedWeightBytes: ready.models[0].sharedWeightBytes });
      }
      const one = res.memory[0].rssBytes;
      log(`memory (${model}, ${(res.memory[0].sharedWeightBytes / 1e6).toFixed(1)} MB of weights shared): ` +
        res.memory.map((m) => `${m.workers} worker${m.workers > 1 ? 's' : ''} ${(m.rssBytes / 1e6).toFixed(0)} MB (${m.workers} processes: ${((m.workers * one) / 1e6).toFixed(0)} MB)`).join('; '));
    }
  }
  if (SOAK > 0) {
    const model = 'fashion-cnn';
    const p = prepare(model);
    const s = await startServer('batched', p, model);
    const { body } = sampleBody(p, model);
    const r = await load(s.url, body, SHAPES[model], 64, SOAK);
    r.loopP99Ms = loopP99Ms(await (await fetch(`${s.url}/metrics`)).text());
    const code = await s.stop(60000);
    results.soak = { model, seconds: SOAK, concurrency: 64, ...r, exitCode: code };
    log(`\nsoak: ${model}, concurrency 64, ${SOAK} s: ${r.requests} requests, ${r.failed} failed, ${r.imagesPerS.toFixed(1)} images/s, p99 ${r.p99Ms} ms, loop p99 ${r.loopP99Ms.toFixed(2)} ms, exit code after SIGTERM ${code}`);
  }
  // serve-<date>.json/.txt, or serve-<date>-2, -3, ... when a file of that name exists (an earlier
  // run's results are never overwritten)
  const dir = OUT_DIR;
  fs.mkdirSync(dir, { recursive: true });
  let stamp = new Date().toISOString().slice(0, 10);
  for (let k = 2, base = stamp; fs.existsSync(path.join(dir, `serve-${stamp}.txt`)) || fs.existsSync(path.join(dir, `serve-${stamp}.json`)); k++) stamp = `${base}-${k}`;
  fs.writeFileSync(path.join(dir, `serve-${stamp}.json`), JSON.stringify(results, null, 2) + '\n', { flag: 'wx' });
  fs.writeFileSync(path.join(dir, `serve-${stamp}.txt`), lines.join('\n') + '\n', { flag: 'wx' });
  fs.rmSync(work, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
