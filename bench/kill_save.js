#!/usr/bin/env node
// bench/kill_save.js — SIGKILL during checkpointing, then resume: a short Fashion-MNIST training run
// (the real trainFashionMnist: best.safetensors, last.safetensors and metrics.csv written after each
// epoch) in a child process is killed N times, half of the kills the moment the temporary file of a
// checkpoint save (best or last) appears in the run directory (mid-checkpoint; after 0-2 such saves),
// half after a seeded random delay. After each
// kill the parent checks the run directory: last.safetensors must read back as a valid training
// state and best.safetensors as a valid weights file (else a corrupt checkpoint); then the next child
// resumes from it (or starts over with --overwrite when no checkpoint was written yet); a child that
// fails instead of training counts as a failed resume. A kill after the last epoch's checkpoint but
// before the test-set evaluation leaves a run whose resume only evaluates; a kill after the run wrote
// its test result into last.safetensors (its last step) leaves a finished run, checked as a completed
// one. When a run completes, its metrics, final checkpoint and test result must equal those of the
// same run done without kills (bit for bit, except the wall-clock seconds), and no temporary file may
// be left in its directory; then a new run starts, until N kills.
// Prints one JSON line: {kills, killsMidSave, corrupt, failedResumes, tempFilesLeft, runsCompleted,
// runsDiffering, seconds}. Exit code 1 when any count that must be 0 is not.
//   node bench/kill_save.js [--kills 50] [--seed 1] [--epochs 4] [--data DIR] [--lib DIR] [--keep]
// --lib: a runnable lib/ (default dist/lib, from `npm run build:ts`; the jest test passes a
// transpiled copy, see bench/child_lib.js). Writes only under a temporary directory.
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const LIB = path.resolve(opt('--lib', path.join(__dirname, '..', 'dist', 'lib')));
const DATA = opt('--data', '/usr/share/datasets/fashion-mnist');

// ---- the child: one training run (fresh or resumed), as `torchlet train` does it ----
function childMain() {
  const { trainFashionMnist } = require(path.join(LIB, 'train', 'fashion'));
  const out = opt('--out');
  const resume = args.includes('--resume');
  trainFashionMnist({
    data: DATA, out, epochs: Number(opt('--epochs')), limitTrain: 300, limitTest: 100, batchSize: 20, patience: 50, seed: 7,
    download: false, report: false, overwrite: !resume, ...(resume ? { resume: out } : {}),
  }).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      process.exit(3);
    },
  );
}

// ---- the parent ----
const torch = args[0] === '--child' ? null : require(LIB);
const { readTrainState } = torch ? require(path.join(LIB, 'train', 'checkpoint')) : {};
const KILLS = Number(opt('--kills', '50'));
const EPOCHS = Number(opt('--epochs', '4'));
let seed = Number(opt('--seed', '1')) >>> 0 || 1;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32); // a seeded LCG: the kill times
let work = '';

function child(out, resume) {
  const a = [__filename, '--child', '--lib', LIB, '--data', DATA, '--out', out, '--epochs', String(EPOCHS)];
  if (resume) a.push('--resume');
  const c = spawn(process.execPath, a, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve) => c.on('exit', (code, signal) => resolve({ code, signal, err })));
  return { c, done };
}
const temps = (dir) => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

/** Whether the run in dir finished: its last.safetensors holds the test result (written last). */
function finished(dir) {
  if (!fs.existsSync(path.join(dir, 'last.safetensors'))) return false;
  const s = readTrainState(dir, 'check');
  try {
    return s.state.test !== undefined;
  } finally {
    s.dispose();
  }
}

/** Loads what a killed run left; false when a checkpoint there is damaged. */
function checkpointsIntact(dir) {
  let ok = true;
  if (fs.existsSync(path.join(dir, 'last.safetensors'))) {
    try {
      readTrainState(dir, 'check').dispose();
    } catch (e) {
      console.error(`corrupt last.safetensors in ${dir}: ${e.message}`);
      ok = false;
    }
  }
  if (fs.existsSync(path.join(dir, 'best.safetensors'))) {
    try {
      Object.values(torch.load(path.join(dir, 'best.safetensors'))).forEach((t) => t.dispose());
    } catch (e) {
      console.error(`corrupt best.safetensors in ${dir}: ${e.message}`);
      ok = false;
    }
  }
  return ok;
}

/** A run's result without wall-clock times: metrics rows, the final checkpoint's bytes of tensors and its test result. */
function fingerprint(dir) {
  const rows = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n').map((r) => r.split(',').slice(0, 5).join(','));
  const s = readTrainState(dir, 'check');
  try {
    const t = Object.entries({ ...s.model, ...Object.fromEntries(Object.entries(s.optimizer.state).flatMap(([i, st]) => Object.entries(st).map(([k, v]) => [`${i}.${k}`, v]))) })
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}:${typeof v === 'number' ? v : Buffer.from(v.toArray().buffer).toString('base64')}`);
    return JSON.stringify({ rows, t, epoch: s.state.epoch, best: s.state.bestEpoch, test: s.state.test });
  } finally {
    s.dispose();
  }
}

async function main() {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-kill-save-'));
  const t0 = Date.now();
  // the reference: the same run without kills
  const ref = path.join(work, 'reference');
  const r = await child(ref, false).done;
  if (r.code !== 0) throw new Error(`the reference run failed: ${r.err}`);
  const want = fingerprint(ref);
  const startup = Date.now() - t0; // a whole run's time: the random kills fall inside it

  const stats = { kills: 0, killsMidSave: 0, corrupt: 0, failedResumes: 0, tempFilesLeft: 0, runsCompleted: 0, runsDiffering: 0, seconds: 0 };
  let run = 0;
  let dir = path.join(work, `run${run}`);
  fs.mkdirSync(dir);
  while (stats.kills < KILLS) {
    const resume = fs.existsSync(path.join(dir, 'last.safetensors'));
    const { c, done } = child(dir, resume);
    let killedMidSave = false;
    const midSave = stats.kills % 2 === 0;
    let watcher = null;
    let timer = null;
    if (midSave) {
      // the kill lands while a checkpoint's temporary file exists: after 0, 1 or 2 checkpoint saves
      let skip = Math.floor(rand() * 3);
      const seen = new Set();
      watcher = fs.watch(dir, (_ev, name) => {
        if (!name || !/^\.(best|last)\.safetensors\.\d+\.[0-9a-z]+\.tmp$/.test(name) || seen.has(name)) return;
        seen.add(name);
        if (skip-- > 0 || !fs.existsSync(path.join(dir, name))) return;
        killedMidSave = true;
        c.kill('SIGKILL');
      });
    } else timer = setTimeout(() => c.kill('SIGKILL'), Math.floor(rand() * startup));
    const res = await done;
    watcher?.close();
    if (timer) clearTimeout(timer);
    let ended = false;
    if (res.signal === 'SIGKILL') {
      stats.kills++;
      if (killedMidSave) stats.killsMidSave++;
      if (!checkpointsIntact(dir)) stats.corrupt++;
      else ended = finished(dir); // killed after its last step: nothing left to resume
      if (!ended) continue;
    }
    if (!ended && res.code !== 0) {
      stats.failedResumes++;
      console.error(`run ${run} ${resume ? 'resume' : 'start'} failed: ${res.err.trim()}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      continue;
    }
    // the run completed: the same result as without kills, no temporaries left
    stats.runsCompleted++;
    stats.tempFilesLeft += temps(dir).length;
    if (fingerprint(dir) !== want) {
      stats.runsDiffering++;
      console.error(`run ${run} differs from the reference`);
    }
    dir = path.join(work, `run${++run}`);
    fs.mkdirSync(dir);
  }
  // finish the last run (resumed, not killed): its directory must end clean too
  if (fs.readdirSync(dir).length) {
    const res = finished(dir) ? { code: 0 } : await child(dir, fs.existsSync(path.join(dir, 'last.safetensors'))).done;
    if (res.code !== 0) {
      stats.failedResumes++;
      console.error(`final resume failed: ${res.err.trim()}`);
    } else {
      stats.runsCompleted++;
      stats.tempFilesLeft += temps(dir).length;
      if (fingerprint(dir) !== want) stats.runsDiffering++;
    }
  }
  stats.seconds = Math.round((Date.now() - t0) / 100) / 10;
  console.log(JSON.stringify(stats));
  if (!args.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
  else console.error(`kept ${work}`);
  process.exit(stats.corrupt || stats.failedResumes || stats.tempFilesLeft || stats.runsDiffering ? 1 : 0);
}

if (args[0] === '--child') childMain();
else
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
