// bench/side_by_side.js — the shared frame of the op benchmarks that time torchlet and PyTorch
// (Debian's /usr/bin/python3) on the same cases and threads in one run (bench/reduce.js,
// bench/unary.js): options --threads (default 2) and --reps (default 51), each case's median wall
// time in microseconds after 5 warm-up calls, no autograd, and the table with the ratio torchlet /
// PyTorch (< 1: torchlet faster). `run(title, cases, torchletCall, pyMake)`: torchletCall(torch, case)
// returns the function to time; pyMake is the body of a Python `def make(c)` returning one.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const threads = Number(opt('--threads', '2'));
const reps = Number(opt('--reps', '51'));
process.env.OMP_NUM_THREADS = String(threads);

const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];

function timeTorchlet(cases, torchletCall) {
  const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const out = {};
  for (const c of cases) {
    const call = torchletCall(torch, c);
    const step = () => torch.tidy(() => void torch.noGrad(call));
    for (let i = 0; i < 5; i++) step();
    const ts = [];
    for (let r = 0; r < reps; r++) {
      const t0 = process.hrtime.bigint();
      step();
      ts.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    out[c.name] = median(ts);
  }
  return out;
}

function timePyTorch(cases, pyMake) {
  const body = pyMake
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const py = `
import json, sys, time, torch
torch.set_num_threads(${threads})
torch.manual_seed(0)
def make(c):
${body}
cases = json.loads(sys.argv[1]); out = {}
for c in cases:
    call = make(c)
    with torch.no_grad():
        for _ in range(5): call()
        ts = []
        for _ in range(${reps}):
            t0 = time.perf_counter(); call(); ts.append((time.perf_counter() - t0) * 1e6)
    ts.sort(); out[c['name']] = ts[len(ts) // 2]
print(json.dumps({'torch': torch.__version__, 'times': out}))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, JSON.stringify(cases)], { encoding: 'utf8' }));
}

function run(title, cases, torchletCall, pyMake) {
  const py = timePyTorch(cases, pyMake);
  const ours = timeTorchlet(cases, torchletCall);
  console.log(`# ${title}: ${threads} threads, median of ${reps}, float32, microseconds; PyTorch ${py.torch}; ${new Date().toISOString()}`);
  const w = Math.max(...cases.map((c) => c.name.length));
  console.log(`${'case'.padEnd(w)}  ${'PyTorch'.padStart(9)}  ${'torchlet'.padStart(9)}  ratio`);
  for (const c of cases) {
    const p = py.times[c.name];
    console.log(`${c.name.padEnd(w)}  ${p.toFixed(0).padStart(9)}  ${ours[c.name].toFixed(0).padStart(9)}  ${(ours[c.name] / p).toFixed(2).padStart(5)}`);
  }
}

module.exports = { run };
