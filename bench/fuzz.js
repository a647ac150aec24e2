// bench/fuzz.js — the seeded API fuzzer of issue 12 item 6. Every export (test/api_surface.ts: the
// functions of torch, F, nn.init, nn.utils, cuda, data, transforms, models, jit; every constructor;
// the Tensor methods; the methods of modules, optimizers, schedulers, datasets, loaders) is called
// with plausible arguments mutated by a seeded generator (bench/fuzz_child.js). The calls run in a
// pool of forked child processes, each in a fresh temporary working directory, under an
// address-space limit (FUZZ_AS_MB, default 8192; 0 for none, as under ASan) so a huge allocation
// fails instead of exhausting the machine. A child that dies by a signal or stops answering for --timeout-ms is counted as a
// crash or a hang of the call it was running, and is replaced (the next call goes on).
// Outcomes: ok, coded (TorchletError with a code), other (any other error: must be 0), crash, hang,
// silent (an unknown option key, a non-finite option value, a non-object options argument or an
// extra positional argument accepted: must be 0). Nothing is written outside the temporary
// directory, removed at the end; http(s) goes to the closed port 127.0.0.1:9.
// Usage: node bench/fuzz.js [--calls 20000] [--seed 1] [--workers 2] [--batch 250]
//                          [--timeout-ms 30000] [--json FILE] [--max-findings 40]
// Exit status 1 when any crash, hang, other error or silent accept was found.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { compileLib } = require('./child_lib');

const ROOT = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const o = { calls: 20000, seed: 1, workers: 2, batch: 250, timeoutMs: 30000, json: null, maxFindings: 40, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--calls') o.calls = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--workers') o.workers = Number(next());
    else if (a === '--batch') o.batch = Number(next());
    else if (a === '--timeout-ms') o.timeoutMs = Number(next());
    else if (a === '--json') o.json = next();
    else if (a === '--max-findings') o.maxFindings = Number(next());
    else if (a === '--quiet') o.quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** Transpiles lib/ and test/api_surface.ts into dir (dir/lib, dir/test/api_surface.js). */
function prepare(dir) {
  const lib = compileLib(dir);
  const ts = require('typescript');
  const src = path.join(ROOT, 'test', 'api_surface.ts');
  const js = ts.transpileModule(fs.readFileSync(src, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: src,
  }).outputText;
  fs.mkdirSync(path.join(dir, 'test'), { recursive: true });
  const surface = path.join(dir, 'test', 'api_surface.js');
  fs.writeFileSync(surface, js);
  return { lib, surface };
}

/** The temporary directories of runs in progress (removed on SIGINT/SIGTERM too). */
const liveTmp = new Set();

function hasPrlimit() {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs calls [0, calls) and resolves with the summary. `onLog` gets progress lines.
 */
async function fuzz(opts, onLog = () => undefined) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-fuzz-'));
  liveTmp.add(tmp);
  const t0 = Date.now();
  const { lib, surface } = prepare(tmp);
  const asMb = process.env.FUZZ_AS_MB !== undefined && process.env.FUZZ_AS_MB !== '' ? Number(process.env.FUZZ_AS_MB) : 8192;
  const usePrlimit = asMb > 0 && hasPrlimit();
  const counts = { ok: 0, coded: 0, other: 0, crash: 0, hang: 0, silent: 0 };
  const silentKinds = {};
  const codes = {};
  const targetsSeen = new Set();
  const findings = [];
  let nTargets = 0;
  let childSeq = 0;
  let respawns = 0;

  // the work queue: batches of call indices
  const queue = [];
  for (let s = 0; s < opts.calls; s += opts.batch) queue.push({ start: s, end: Math.min(opts.calls, s + opts.batch) });
  const finding = (f) => {
    if (findings.length < opts.maxFindings) findings.push(f);
  };

  function startChild() {
    const cwd = path.join(tmp, `child-${childSeq++}`);
    fs.mkdirSync(cwd);
    const env = {
      ...process.env,
      FUZZ_LIB: lib,
      FUZZ_SURFACE: surface,
      HOME: cwd,
      XDG_CACHE_HOME: path.join(cwd, '.cache'),
      TORCHLET_HOME: path.join(cwd, '.torchlet'),
      TORCHLET_FASHION_MNIST_URL: 'http://127.0.0.1:9/',
      OMP_NUM_THREADS: process.env.OMP_NUM_THREADS || '1',
      OMP_WAIT_POLICY: 'passive',
    };
    const nodeArgs = ['--max-old-space-size=1024', path.join(__dirname, 'fuzz_child.js')];
    const [cmd, args] = usePrlimit ? ['prlimit', [`--as=${asMb * 1024 * 1024}`, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let tail = '';
    const keep = (d) => {
      tail = (tail + d.toString()).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    return { child, cwd, tail: () => tail };
  }

  /** One pool slot: takes batches until the queue is empty; replaces its child after a crash or hang. */
  async function slot() {
    let w = null;
    while (queue.length) {
      const batch = queue.shift();
      let next = batch.start;
      while (next < batch.end) {
        if (!w) {
          w = startChild();
          const ready = await new Promise((resolve) => {
            const onMsg = (m) => {
              if (m.type === 'ready') {
                w.child.off('message', onMsg);
                resolve(m);
              }
            };
            w.child.on('message', onMsg);
            w.child.once('exit', (code, sig) => resolve({ type: 'exit', code, sig }));
          });
          if (ready.type !== 'ready') throw new Error(`fuzz child failed to start (${ready.code ?? ready.sig}): ${w.tail()}`);
          nTargets = ready.targets;
        }
        const cur = w;
        // run [next, batch.end) on the child; resolves with the index to continue from
        next = await new Promise((resolve) => {
          let running = null; // { i, desc } of the call in progress
          let lastDone = next - 1;
          let timer = null;
          const arm = () => {
            clearTimeout(timer);
            timer = setTimeout(() => {
              // no message for timeoutMs: the running call hangs
              counts.hang++;
              finding({ kind: 'hang', i: running ? running.i : lastDone + 1, desc: running ? running.desc : '(between calls)', detail: `no answer for ${opts.timeoutMs} ms` });
              cleanup();
              cur.child.kill('SIGKILL');
              respawns++;
              w = null;
              resolve((running ? running.i : lastDone + 1) + 1);
            }, opts.timeoutMs);
          };
          const onMsg = (m) => {
            arm();
            if (m.type === 'start') running = { i: m.i, desc: m.desc };
            else if (m.type === 'result') {
              running = null;
              lastDone = m.i;
              targetsSeen.add(m.target);
              counts[m.outcome]++;
              if (m.outcome === 'coded') codes[m.code] = (codes[m.code] || 0) + 1;
              if (m.outcome === 'silent') {
                silentKinds[m.silent] = (silentKinds[m.silent] || 0) + 1;
                finding({ kind: `silent (${m.silent})`, i: m.i, desc: m.desc, detail: m.detail || '' });
              }
              if (m.outcome === 'other' || m.outcome === 'hang') finding({ kind: m.outcome, i: m.i, desc: m.desc, detail: m.detail });
            } else if (m.type === 'done') {
              cleanup();
              resolve(m.end);
            }
          };
          const onExit = (code, sig) => {
            cleanup();
            const i = running ? running.i : lastDone + 1;
            counts.crash++;
            finding({ kind: 'crash', i, desc: running ? running.desc : '(between calls)', detail: `exit ${code ?? ''}${sig ? ` signal ${sig}` : ''}: ${cur.tail().split('\n').slice(-6).join(' | ')}` });
            respawns++;
            w = null;
            resolve(i + 1);
          };
          const cleanup = () => {
            clearTimeout(timer);
            cur.child.off('message', onMsg);
            cur.child.off('exit', onExit);
          };
          cur.child.on('message', onMsg);
          cur.child.on('exit', onExit);
          arm();
          cur.child.send({ type: 'batch', seed: opts.seed, start: next, end: batch.end });
        });
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        if (!opts.quiet && total % 2000 < opts.batch) onLog(`${total}/${opts.calls} calls, ${((Date.now() - t0) / 1000).toFixed(0)} s: ${JSON.stringify(counts)}`);
      }
    }
    if (w) {
      w.child.kill('SIGKILL');
    }
  }

  try {
    await Promise.all(Array.from({ length: opts.workers }, slot));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    liveTmp.delete(tmp);
  }
  const calls = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    calls,
    seed: opts.seed,
    workers: opts.workers,
    targets: nTargets,
    targetsCalled: targetsSeen.size,
    ...counts,
    silentKinds,
    codes,
    respawns,
    asLimitMB: usePrlimit ? asMb : null,
    seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
    findings,
  };
}

module.exports = { fuzz };

if (require.main === module) {
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.on(sig, () => {
      for (const d of liveTmp) fs.rmSync(d, { recursive: true, force: true });
      process.exit(130);
    });
  const opts = parseArgs(process.argv.slice(2));
  fuzz(opts, (l) => console.error(l)).then(
    (s) => {
      const { findings, ...summary } = s;
      for (const f of findings) console.log(`${f.kind}: call ${f.i}: ${f.desc}${f.detail ? `\n    ${f.detail}` : ''}`);
      console.log(JSON.stringify(summary));
      if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(s, null, 2) + '\n');
      process.exit(s.crash || s.hang || s.other || s.silent ? 1 : 0);
    },
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
