#!/usr/bin/env node
// bench/pool_forward.js — max pooling's forward pass in inference (noGrad, no indices returned:
// torchlet's values-only kernel) beside PyTorch's (Debian's python3-torch) on the same shapes and
// threads, and torchlet's indexed path (returnIndices) for comparison. Per case: the median over
// --reps runs of the process CPU time of one call, ms, float32.
// --op avg: average pooling instead (F.avgPool2d vs PyTorch's avg_pool2d; no indexed column): the
// windows-inside-the-input path (no padding) and the generic one (padding).
//   node bench/pool_forward.js [--op max|avg] [--threads 1] [--reps 7]
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const threads = Number(opt('--threads', '1'));
const reps = Number(opt('--reps', '7'));
const avg = opt('--op', 'max') === 'avg';
process.env.OMP_NUM_THREADS = String(threads);

// name, input, kernel, stride, padding
const cases = [
  ['resnet stem pool 3/2 p1 64x64x16x16', [64, 64, 16, 16], 3, 2, 1],
  ['resnet stem pool 3/2 p1 64x64x32x32', [64, 64, 32, 32], 3, 2, 1],
  ['googlenet pool 3/2 p1 16x192x24x24', [16, 192, 24, 24], 3, 2, 1],
  ['googlenet inception pool 3/1 p1 64x192x12x12', [64, 192, 12, 12], 3, 1, 1],
  ['googlenet inception pool 3/1 p1 64x480x6x6', [64, 480, 6, 6], 3, 1, 1],
  ['googlenet inception pool 3/1 p1 64x832x3x3', [64, 832, 3, 3], 3, 1, 1],
  ['2x2/2 64x32x28x28', [64, 32, 28, 28], 2, 2, 0],
  ['googlenet pool 3/2 64x64x48x48', [64, 64, 48, 48], 3, 2, 0],
  ['googlenet pool 3/2 64x480x12x12', [64, 480, 12, 12], 3, 2, 0],
  ['googlenet pool 3/2 64x832x6x6', [64, 832, 6, 6], 3, 2, 0],
  ['alexnet pool 3/2 64x96x26x26', [64, 96, 26, 26], 3, 2, 0],
  ['batch 1: 3/2 p1 1x64x16x16', [1, 64, 16, 16], 3, 2, 1],
];
const avgCases = [
  ['lenet5 pool 2/2 64x6x28x28', [64, 6, 28, 28], 2, 2, 0],
  ['lenet5 pool 2/2 64x16x10x10', [64, 16, 10, 10], 2, 2, 0],
  ['2/2 64x64x56x56', [64, 64, 56, 56], 2, 2, 0],
  ['3/2 64x64x27x27', [64, 64, 27, 27], 3, 2, 0],
  ['3/1 64x192x12x12', [64, 192, 12, 12], 3, 1, 0],
  ['3/1 p1 64x192x12x12 (generic path)', [64, 192, 12, 12], 3, 1, 1],
  ['batch 1: 2/2 1x6x28x28', [1, 6, 28, 28], 2, 2, 0],
];
if (avg) cases.splice(0, cases.length, ...avgCases);
const torch = require(path.resolve(__dirname, '..'));
torch.setNumThreads(threads);
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
function cpuMs(f, n) {
  f();
  const t = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1e3 / n);
  }
  return median(t);
}
const py = `
import json, sys, time, torch
torch.set_num_threads(${threads})
out = []
with torch.no_grad():
    for name, xs, k, s, p in json.loads(sys.argv[1]):
        x = torch.randn(xs); n = 5 if xs[0] > 1 else 200
        f = torch.nn.functional.${avg ? 'avg_pool2d' : 'max_pool2d'}
        f(x, k, s, p)
        ts = []
        for r in range(${reps}):
            t = time.process_time()
            for i in range(n): f(x, k, s, p)
            ts.append((time.process_time() - t) * 1e3 / n)
        out.append(sorted(ts)[len(ts) // 2])
print(json.dumps(out))
`;
let pt = null;
try {
  pt = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, JSON.stringify(cases)], { encoding: 'utf8' }));
} catch (e) {
  console.error(`PyTorch column skipped: ${e.message.split('\n')[0]}`);
}
console.log(`${avg ? 'avg_pool2d' : 'max_pool2d'} forward (noGrad), float32, ${threads} thread(s), process CPU ms per call, median of ${reps}; ${new Date().toISOString()}`);
console.log(['case'.padEnd(38), 'PyTorch'.padStart(9), 'values'.padStart(9), 'indexed'.padStart(9), '  values/PyTorch'].join(''));
cases.forEach(([name, xs, k, s, p], i) => {
  const x = torch.randn(xs);
  const n = xs[0] > 1 ? 5 : 200;
  const o = { stride: s, padding: p };
  const values = avg
    ? cpuMs(() => torch.noGrad(() => torch.F.avgPool2d(x, k, o).dispose()), n)
    : cpuMs(() => torch.noGrad(() => torch.F.maxPool2d(x, k, o).dispose()), n);
  const indexed = avg ? NaN : cpuMs(() => torch.noGrad(() => torch.F.maxPool2d(x, k, { ...o, returnIndices: true }).forEach((t) => t.dispose())), n);
  const ref = pt ? pt[i] : NaN;
  console.log([name.padEnd(38), (pt ? ref.toFixed(3) : '-').padStart(9), values.toFixed(3).padStart(9), indexed.toFixed(3).padStart(9), `  ${(values / ref).toFixed(2)}`].join(''));
});
