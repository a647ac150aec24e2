#!/usr/bin/env node
// bench/unary.js — float32 exp, sigmoid and tanh (x.exp(), x.sigmoid(), x.tanh()) and an LSTM forward
// (nn.LSTM(64, 128) on a [50, 32, 64] sequence, no grad) in torchlet and in PyTorch (Debian's
// /usr/bin/python3, inline below) on the same number of threads, in one run; prints the median time
// of each and the ratio torchlet / PyTorch (< 1: torchlet faster).
//   node bench/unary.js [--threads 2] [--reps 51]   (needs `npm run build`)
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

// op: what both engines call on x
const CASES = [];
for (const x of [[1 << 18], [1 << 20]]) for (const op of ['exp', 'sigmoid', 'tanh']) CASES.push({ name: `${op} [${x.join(',')}]`, x, op });
CASES.push({ name: 'LSTM(64, 128) forward [50,32,64]', x: [50, 32, 64], op: 'lstm' });

const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];

function timeTorchlet() {
  const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const out = {};
  for (const c of CASES) {
    const x = torch.randn(c.x);
    const lstm = c.op === 'lstm' ? new torch.nn.LSTM(64, 128) : null;
    const call = { exp: () => x.exp(), sigmoid: () => x.sigmoid(), tanh: () => x.tanh(), lstm: () => lstm.forward(x) }[c.op];
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

const PY = `
import json, sys, time, torch
torch.set_num_threads(${threads})
torch.manual_seed(0)
cases = json.loads(sys.argv[1]); reps = ${reps}
out = {}
for c in cases:
    x = torch.randn(*c['x'])
    lstm = torch.nn.LSTM(64, 128) if c['op'] == 'lstm' else None
    call = {'exp': lambda: x.exp(), 'sigmoid': lambda: x.sigmoid(), 'tanh': lambda: x.tanh(),
            'lstm': (lambda: lstm(x)) if lstm is not None else None}[c['op']]
    with torch.no_grad():
        for _ in range(5): call()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter(); call(); ts.append((time.perf_counter() - t0) * 1e6)
    ts.sort(); out[c['name']] = ts[len(ts) // 2]
print(json.dumps({'torch': torch.__version__, 'times': out}))
`;

const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY, JSON.stringify(CASES)], { encoding: 'utf8' }));
const ours = timeTorchlet();
console.log(`# bench/unary.js: ${threads} threads, median of ${reps}, float32, microseconds; PyTorch ${py.torch}; ${new Date().toISOString()}`);
const w = Math.max(...CASES.map((c) => c.name.length));
console.log(`${'case'.padEnd(w)}  ${'PyTorch'.padStart(9)}  ${'torchlet'.padStart(9)}  ratio`);
for (const c of CASES) {
  const p = py.times[c.name];
  console.log(`${c.name.padEnd(w)}  ${p.toFixed(0).padStart(9)}  ${ours[c.name].toFixed(0).padStart(9)}  ${(ours[c.name] / p).toFixed(2).padStart(5)}`);
}
