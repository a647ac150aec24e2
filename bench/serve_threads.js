#!/usr/bin/env node
// bench/serve_threads.js — what the serve workers' one-thread small batches rest on (lib/serve/threads.ts):
// a frozen model's forward pass at batch sizes 1, 2, 4, ... on one OpenMP thread and on all, under
// the server's OMP_WAIT_POLICY=passive (each parallel region wakes the other threads), medians of
// alternating runs, and the threshold oneThreadBelow picks from the same kind of timings. Models:
// FashionCNN (1x28x28), torchvision's ResNet-18 at 32x32 and at 224x224 (sizes up to 4 there).
//   node bench/serve_threads.js [--reps 41]   (needs `npm run build`)
'use strict';
process.env.OMP_WAIT_POLICY = process.env.OMP_WAIT_POLICY || 'passive'; // before the addon loads libgomp
const path = require('path');
const os = require('os');
const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
const { oneThreadBelow } = require(path.join(__dirname, '..', 'dist', 'lib', 'serve', 'threads'));

const i = process.argv.indexOf('--reps');
const REPS = i >= 0 ? Number(process.argv[i + 1]) : 41;
const all = torch.getNumThreads();
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const MODELS = [
  ['fashion-cnn 1x28x28', () => torch.models.fashionCnn(), [1, 28, 28], 64],
  ['tv_resnet18 3x32x32', () => torch.models.torchvisionResnet18({ numClasses: 10 }), [3, 32, 32], 64],
  ['tv_resnet18 3x224x224', () => torch.models.torchvisionResnet18({ numClasses: 1000 }), [3, 224, 224], 4],
];
console.log(`# bench/serve_threads.js: frozen forward, ms (median of alternating runs), 1 thread vs ${all}; OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}; ${os.cpus()[0].model}; ${new Date().toISOString()}`);
for (const [name, make, shape, maxB] of MODELS) {
  torch.manualSeed(0);
  const m = make();
  m.eval();
  const f = torch.jit.freeze(m, torch.zeros([1, ...shape]));
  const time = (b, t) => {
    const x = torch.zeros([b, ...shape]);
    torch.setNumThreads(t);
    const t0 = performance.now();
    torch.noGrad(() => torch.tidy(() => void f.forward(x).toArray()));
    const ms = performance.now() - t0;
    x.dispose();
    return ms;
  };
  console.log(`\n${name}\nbatch   1 thread   ${all} threads   ratio`);
  for (let b = 1; b <= maxB; b *= 2) {
    time(b, 1);
    time(b, all);
    const reps = b * shape.reduce((p, q) => p * q, 1) > 1e6 ? 5 : REPS;
    const one = [], many = [];
    for (let r = 0; r < reps; r++) {
      one.push(time(b, 1));
      many.push(time(b, all));
    }
    console.log(`${String(b).padStart(5)} ${median(one).toFixed(3).padStart(10)} ${median(many).toFixed(3).padStart(11)} ${(median(many) / median(one)).toFixed(2).padStart(7)}`);
  }
  const below = oneThreadBelow(time, all);
  torch.setNumThreads(all);
  console.log(`oneThreadBelow: batches of fewer than ${below} samples on one thread`);
}
