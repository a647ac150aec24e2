#!/usr/bin/env node
// bench/conv_forward.js — the convolution forward pass alone (inference: noGrad), per CPU algorithm
// preference, on the small-map and strided shapes where 'auto' picks between the GEMM algorithms and
// 'direct', and PyTorch's forward on the same shapes and threads (Debian's python3-torch) for scale.
// Per case and column: the median over --reps runs of the process CPU time of one forward pass
// (CPU time rather than wall time, so that other jobs on a shared machine disturb it less; with
// --threads > 1 it sums the threads), float32.
//   node bench/conv_forward.js [--threads 1] [--reps 7] [--algorithms auto,batched,perImage,direct]
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const threads = Number(opt('--threads', '1'));
const reps = Number(opt('--reps', '7'));
const prefs = opt('--algorithms', 'auto,batched,perImage,direct').split(',');
process.env.OMP_NUM_THREADS = String(threads);

// name, input, weight, stride, padding
const cases = [
  ['tv-resnet18 stem 7x7 s2 32x32 N64', [64, 3, 32, 32], [64, 3, 7, 7], 2, 3],
  ['googlenet stem 7x7 s2 96x96 N16', [16, 3, 96, 96], [64, 3, 7, 7], 2, 3],
  ['tv-resnet18 l1 64 3x3 8x8 N64', [64, 64, 8, 8], [64, 64, 3, 3], 1, 1],
  ['tv-resnet18 l2 64->128 3x3 s2 N64', [64, 64, 8, 8], [128, 64, 3, 3], 2, 1],
  ['tv-resnet18 l2 128 3x3 4x4 N64', [64, 128, 4, 4], [128, 128, 3, 3], 1, 1],
  ['tv-resnet18 l3 256 3x3 2x2 N64', [64, 256, 2, 2], [256, 256, 3, 3], 1, 1],
  ['tv-resnet18 l4 256->512 3x3 s2 N64', [64, 256, 2, 2], [512, 256, 3, 3], 2, 1],
  ['tv-resnet18 down 64->128 1x1 s2 N64', [64, 64, 8, 8], [128, 64, 1, 1], 2, 0],
  ['resnet 128 3x3 8x8 N64', [64, 128, 8, 8], [128, 128, 3, 3], 1, 1],
  ['3x3 14x14 32->64 N64', [64, 32, 14, 14], [64, 32, 3, 3], 1, 1],
  ['3x3 16x16 64->64 N64', [64, 64, 16, 16], [64, 64, 3, 3], 1, 1],
  ['alexnet c1 11x11 s4 112x112 N16', [16, 3, 112, 112], [64, 3, 11, 11], 4, 2],
  ['googlenet 1x1 192->64 12x12 N16', [16, 192, 12, 12], [64, 192, 1, 1], 1, 0],
  ['alexnet c2 5x5 96->256 12x12 N16', [16, 96, 12, 12], [256, 96, 5, 5], 1, 2],
  ['googlenet 5x5 32->96 12x12 N64', [64, 32, 12, 12], [96, 32, 5, 5], 1, 2],
  ['5x5 24x24 16->32 N32', [32, 16, 24, 24], [32, 16, 5, 5], 1, 2],
  ['5x5 32x32 64->64 N8', [8, 64, 32, 32], [64, 64, 5, 5], 1, 2],
  ['vgg c1 3x3 32x32 3->64 N64', [64, 3, 32, 32], [64, 3, 3, 3], 1, 1],
  ['fashioncnn c1 3x3 28x28 1->32 N64', [64, 1, 28, 28], [32, 1, 3, 3], 1, 1],
  ['batch 1: l1 64 3x3 8x8', [1, 64, 8, 8], [64, 64, 3, 3], 1, 1],
  ['batch 1: l3 256 3x3 2x2', [1, 256, 2, 2], [256, 256, 3, 3], 1, 1],
  ['batch 1: stem 7x7 s2 32x32', [1, 3, 32, 32], [64, 3, 7, 7], 2, 3],
];

const torch = require(path.resolve(__dirname, '..'));
torch.setNumThreads(threads);
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
function timeTl(x, w, b, o) {
  const n = x.shape[0] > 1 ? 2 : 50;
  const f = () => torch.noGrad(() => torch.F.conv2d(x, w, b, o).dispose());
  // warm-up: the first calls of a shape touch fresh pages for the output and packing buffers (ms at
  // batch 64; with one warm-up call the first column of each case measured up to 2.5x the others')
  for (let i = 0; i < 3; i++) f();
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
cases = json.loads(sys.argv[1]); out = []
with torch.no_grad():
    for name, xs, ws, s, p in cases:
        x = torch.randn(xs); w = torch.randn(ws); b = torch.randn(ws[0])
        n = 2 if xs[0] > 1 else 50
        torch.nn.functional.conv2d(x, w, b, s, p)
        ts = []
        for r in range(${reps}):
            t = time.process_time()
            for i in range(n): torch.nn.functional.conv2d(x, w, b, s, p)
            ts.append((time.process_time() - t) * 1e3 / n)
        out.append(sorted(ts)[len(ts) // 2])
print(json.dumps(out))
`;
let ptTimes = null;
try {
  ptTimes = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, JSON.stringify(cases)], { encoding: 'utf8' }));
} catch (e) {
  console.error(`PyTorch column skipped: ${e.message.split('\n')[0]}`);
}
console.log(`conv forward (noGrad), float32, ${threads} thread(s), process CPU ms per call, median of ${reps}; ${new Date().toISOString()}`);
console.log(['case'.padEnd(38), 'PyTorch'.padStart(8), ...prefs.map((p) => p.padStart(9)), '  auto picks'].join(''));
cases.forEach(([name, xs, ws, s, p], i) => {
  const x = torch.randn(xs), w = torch.randn(ws), b = torch.randn([ws[0]]);
  const o = { stride: s, padding: p };
  const cols = prefs.map((pref) => {
    torch.backends.conv.algorithm = pref;
    const t = timeTl(x, w, b, o);
    torch.backends.conv.algorithm = 'auto';
    return t;
  });
  const picks = torch.F.convAlgorithms(xs, ws, o).forward;
  console.log([name.padEnd(38), (ptTimes ? ptTimes[i].toFixed(3) : '-').padStart(8), ...cols.map((t) => t.toFixed(3).padStart(9)), `  ${picks}`].join(''));
});
