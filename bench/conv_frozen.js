#!/usr/bin/env node
// bench/conv_frozen.js — a frozen conv + ReLU (torch.jit.freeze: weights transformed and packed once)
// on 3x3 stride-1 shapes around the frozen plan's Winograd thresholds (native/cpu/conv.cc, plan_for):
// per shape, the forward under 'auto' (what a frozen layer runs; FrozenConv#algorithm names it),
// 'direct', 'batched' and 'winograd' preferences, the calls alternating between them so that the
// machine's slow stretches hit every column alike. Wall time of one forward, median over --reps
// rounds, 2 threads, float32; the last column checks that every preference gives the plain module's
// output (max abs difference).
//   node bench/conv_frozen.js [--reps 40] [--threads 2]
'use strict';
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const reps = Number(opt('--reps', '40'));
const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
torch.setNumThreads(Number(opt('--threads', '2')));
torch.manualSeed(0);
const { nn } = torch;

// input [N, C, H, W], output channels (3x3, padding 1, stride 1)
const cases = [
  [[64, 128, 4, 4], 128], [[64, 64, 4, 4], 64], [[64, 32, 4, 4], 32], [[64, 16, 4, 4], 16],
  [[64, 256, 2, 2], 256], [[64, 64, 2, 2], 64], [[32, 256, 2, 2], 256], [[16, 256, 2, 2], 256],
  [[8, 256, 2, 2], 256], [[4, 512, 2, 2], 512], [[1, 512, 2, 2], 512],
  [[16, 128, 4, 4], 128], [[4, 128, 4, 4], 128], [[2, 128, 4, 4], 128], [[1, 128, 4, 4], 128],
  [[2, 64, 8, 8], 64], [[1, 64, 8, 8], 64], [[1, 128, 8, 8], 128], [[1, 256, 8, 8], 256], [[1, 64, 16, 16], 64],
  [[1, 32, 14, 14], 64], [[2, 32, 14, 14], 64],
  [[64, 128, 3, 3], 128], [[64, 32, 5, 5], 32], [[64, 64, 5, 5], 64], [[64, 64, 8, 8], 64],
];
const prefs = ['auto', 'direct', 'batched', 'winograd'];
console.log(`frozen conv2d 3x3 padding 1 + ReLU, forward wall time in us (median of ${reps}), ${torch.getNumThreads()} threads, float32`);
console.log(`${'input'.padEnd(16)} ${'OC'.padStart(4)} ${'auto runs'.padEnd(10)} ${prefs.map((p) => p.padStart(9)).join('')}  auto/best-other  max|diff|`);
for (const [xs, oc] of cases) {
  const conv = new nn.Conv2d(xs[1], oc, 3, { padding: 1 });
  const m = new nn.Sequential(conv, new nn.ReLU());
  m.eval();
  const x = torch.randn(xs);
  const f = torch.jit.freeze(m, x);
  const fc = f.modules().find((s) => s instanceof torch.jit.FrozenConv);
  const plain = torch.noGrad(() => m.forward(x));
  const t = Object.fromEntries(prefs.map((p) => [p, []]));
  let diff = 0;
  const ran = {};
  for (let r = 0; r < reps + 3; r++)
    for (const p of prefs) {
      torch.backends.conv.algorithm = p;
      const a = process.hrtime.bigint();
      const y = f.forward(x);
      const dt = Number(process.hrtime.bigint() - a) / 1e3;
      if (r >= 3) t[p].push(dt);
      if (r === 0) {
        ran[p] = fc.algorithm;
        diff = Math.max(diff, torch.tidy(() => y.sub(plain).abs().max().item()));
      }
      y.dispose();
    }
  torch.backends.conv.algorithm = 'auto';
  const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
  const m0 = Object.fromEntries(prefs.map((p) => [p, med(t[p])]));
  const other = Math.min(...prefs.filter((p) => p !== 'auto' && ran[p] !== ran.auto).map((p) => m0[p]));
  console.log(`${JSON.stringify(xs).padEnd(16)} ${String(oc).padStart(4)} ${ran.auto.padEnd(10)} ${prefs.map((p) => m0[p].toFixed(0).padStart(9)).join('')}  ${(m0.auto / other).toFixed(2).padStart(15)}  ${diff.toExponential(1)}`);
  plain.dispose();
}
