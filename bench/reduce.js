#!/usr/bin/env node
// bench/reduce.js — reductions: sum / mean / max / min over everything, along the last dim and along
// the first, max with indices and argmax, on a few shapes, float32, in torchlet and in PyTorch
// (Debian's /usr/bin/python3, inline below) on the same number of threads, in one run; prints the
// median time of each and the ratio torchlet / PyTorch (< 1: torchlet faster).
//   node bench/reduce.js [--threads 2] [--reps 51]   (needs `npm run build`)
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

// op: what both engines call on x (a method name and its dim argument, null for everything)
const CASES = [];
for (const x of [[1 << 20], [64, 64, 16, 16], [4096, 256], [256, 4096]])
  for (const [op, dim] of [['sum', null], ['mean', null], ['max', null], ['min', null], ['sum', -1], ['sum', 0], ['amax', -1], ['maxdim', -1], ['argmax', -1]])
    if (!(x.length === 1 && dim !== null)) CASES.push({ name: `${op}${dim === null ? '()' : `(${dim})`} [${x.join(',')}]`, x, op, dim });

const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];

function timeTorchlet() {
  const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const out = {};
  for (const c of CASES) {
    const x = torch.randn(c.x);
    const call = {
      sum: () => (c.dim === null ? x.sum() : x.sum(c.dim)),
      mean: () => x.mean(),
      max: () => x.max(),
      min: () => x.min(),
      amax: () => x.amax(c.dim),
      maxdim: () => x.max(c.dim),
      argmax: () => x.argmax(c.dim),
    }[c.op];
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
    x = torch.randn(*c['x']); d = c['dim']
    call = {'sum': (lambda: x.sum()) if d is None else (lambda: x.sum(d)), 'mean': lambda: x.mean(),
            'max': lambda: x.max(), 'min': lambda: x.min(), 'amax': lambda: x.amax(d),
            'maxdim': lambda: x.max(d), 'argmax': lambda: x.argmax(d)}[c['op']]
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
console.log(`# bench/reduce.js: ${threads} threads, median of ${reps}, float32, microseconds; PyTorch ${py.torch}; ${new Date().toISOString()}`);
const w = Math.max(...CASES.map((c) => c.name.length));
console.log(`${'case'.padEnd(w)}  ${'PyTorch'.padStart(9)}  ${'torchlet'.padStart(9)}  ratio`);
for (const c of CASES) {
  const p = py.times[c.name];
  console.log(`${c.name.padEnd(w)}  ${p.toFixed(0).padStart(9)}  ${ours[c.name].toFixed(0).padStart(9)}  ${(ours[c.name] / p).toFixed(2).padStart(5)}`);
}
