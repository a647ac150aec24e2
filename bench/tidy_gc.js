#!/usr/bin/env node
// bench/tidy_gc.js — what counting a tidy() scope's own storages in V8's external memory costs a
// training loop: torchvision's ResNet-18 (10 classes, 3x32x32, batch 64, SGD momentum 0.9, each step
// in torch.tidy) alternates blocks of steps between torchlet's rule (a storage made inside tidy() is
// counted only when a tensor of it outlives the scope) and the old one (every storage counted at
// once, which started a full, concurrent GC nearly every step), in one process; prints the median
// step of each and the ratio, and the full (mark-compact) collections seen in each mode.
//   node bench/tidy_gc.js [--threads 2] [--blocks 8] [--steps 6]   (needs `npm run build:ts`)
'use strict';
const path = require('path');
const { PerformanceObserver, constants, performance } = require('perf_hooks');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
const { native } = require(path.join(__dirname, '..', 'dist', 'lib', 'binding'));
torch.setNumThreads(opt('--threads', 2));
let old = false;
const Orig = native.Storage;
native.Storage = class extends Orig {
  constructor(a, b, c, d, report) {
    super(a, b, c, d, old ? true : report);
  }
};
// full collections, attributed to the block of steps they started in (entries arrive later, async)
const gcStarts = [];
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcStarts.push(e.startTime);
}).observe({ entryTypes: ['gc'] });
const windows = [];
torch.manualSeed(0);
const model = torch.models.torchvisionResnet18({ numClasses: 10 });
model.train();
const x = torch.randn([64, 3, 32, 32]);
const y = torch.tensor(Array.from({ length: 64 }, (_, i) => i % 10));
const sgd = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const step = () =>
  torch.tidy(() => {
    sgd.zeroGrad();
    const loss = torch.F.crossEntropy(model.forward(x), y);
    loss.backward();
    sgd.step();
    loss.item();
  });
(async () => {
  for (let i = 0; i < 3; i++) step();
  const t = { old: [], new: [] };
  for (let b = 0; b < opt('--blocks', 8); b++)
    for (const m of ['old', 'new']) {
      old = m === 'old';
      const w0 = performance.now();
      for (let i = 0; i < opt('--steps', 6); i++) {
        const t0 = process.hrtime.bigint();
        step();
        t[m].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      windows.push([m, w0, performance.now()]);
      await new Promise((r) => setImmediate(r)); // (lets the gc observer run)
    }
  await new Promise((r) => setTimeout(r, 50));
  const majors = { old: 0, new: 0 };
  for (const g of gcStarts) for (const [m, a, b] of windows) if (g >= a && g < b) majors[m]++;
  const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
  console.log(`tidy_gc: torchvision ResNet-18 training step, batch 64, ${torch.getNumThreads()} threads, ${t.old.length} steps per mode`);
  console.log(`every storage counted (old): median ${med(t.old).toFixed(1)} ms, ${majors.old} full GCs`);
  console.log(`tidy() storages counted when they escape: median ${med(t.new).toFixed(1)} ms, ${majors.new} full GCs`);
  console.log(`ratio new/old ${(med(t.new) / med(t.old)).toFixed(3)}`);
})();
