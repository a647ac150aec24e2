#!/usr/bin/env node
// bench/pixel_normalise.js — what a serve worker spends turning a batch of uint8 pixels into the
// model's float32 input (lib/serve/worker.ts normalise): the committed two passes, p * a[c] then an
// in-place + b[c] (a = scale / std, b = -mean / std), beside the first version (cast, multiply by
// scale, subtract mean, divide by std: four passes and four new tensors) and the cast alone, on one
// thread (a worker's small-batch count), for ImageNet's normalisation. Prints ms per batch (median of
// --reps) and the largest difference between the two versions.
//   node bench/pixel_normalise.js [--batch 32] [--size 224] [--reps 10]
'use strict';
const path = require('path');
const torch = require(path.join(__dirname, '..', 'dist', 'lib'));

const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? Number(argv[argv.indexOf(`--${n}`) + 1]) : d);
const B = opt('batch', 32);
const S = opt('size', 224);
const REPS = opt('reps', 10);
torch.setNumThreads(1);
const mean = [0.485, 0.456, 0.406];
const std = [0.229, 0.224, 0.225];
const x = torch.randint(0, 256, [B, 3, S, S], { dtype: 'uint8' });
const m = torch.tensor(mean).reshape([-1, 1, 1]);
const s = torch.tensor(std).reshape([-1, 1, 1]);
const a = torch.tensor(std.map((v) => 1 / 255 / v)).reshape([-1, 1, 1]);
const b = torch.tensor(mean.map((v, c) => -v / std[c])).reshape([-1, 1, 1]);
const time = (f) => {
  torch.tidy(f);
  const ts = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    torch.tidy(f);
    ts.push(performance.now() - t0);
  }
  ts.sort((p, q) => p - q);
  return ts[ts.length >> 1];
};
const four = () => x.float().mul(1 / 255).sub(m).div(s);
const two = () => x.mul(a).add_(b);
console.log(`${B} x 3 x ${S} x ${S} uint8 pixels, 1 thread, median of ${REPS}`);
console.log(`four passes (cast, *scale, -mean, /std): ${time(four).toFixed(2)} ms`);
console.log(`two passes (p * a, in-place + b), committed: ${time(two).toFixed(2)} ms`);
console.log(`the cast alone: ${time(() => x.float()).toFixed(2)} ms`);
const d = torch.tidy(() => four().sub(two()).abs().max().item());
console.log(`largest difference between the two: ${d.toExponential(2)}`);
