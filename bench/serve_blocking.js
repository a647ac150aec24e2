#!/usr/bin/env node
// bench/serve_blocking.js — how long torchlet's synchronous calls hold the event loop, and how long
// their asynchronous forms do (the README's "What blocks the event loop" figures). For each call:
// its wall time, and the longest event-loop stall seen while it ran (a 1 ms interval timer's
// lateness; for a synchronous call that is the whole call). Calls: FashionCNN forward (batch 1 and
// 256), ResNet-18 forward (batch 1 and 16, 224x224), torch.save / torch.load of ResNet-18's weights
// (47 MB) beside torch.saveAsync / torch.loadAsync, and InferenceSession.run of the same forward
// passes. Needs dist/ (npm run build:ts). Writes bench/results/serve-blocking-<date>.txt.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const torch = require('../dist/lib');
const { serveMetadata } = require('../dist/lib/serve/model');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-blocking-'));
const lines = [];
const log = (s) => {
  console.log(s);
  lines.push(s);
};

/** Runs fn (sync or async) `reps` times; returns the median wall ms and the longest loop stall ms. */
async function measure(fn, reps = 3) {
  const walls = [];
  let stall = 0;
  for (let i = 0; i < reps; i++) {
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last - 1);
      last = now;
    }, 1);
    await new Promise((r) => setTimeout(r, 5));
    last = performance.now();
    const t0 = performance.now();
    const r = fn();
    if (r && typeof r.then === 'function') await r;
    const wall = performance.now() - t0;
    stall = Math.max(stall, performance.now() - last - 1);
    await new Promise((r2) => setTimeout(r2, 5));
    clearInterval(timer);
    walls.push(wall);
  }
  walls.sort((a, b) => a - b);
  return { wall: walls[Math.floor(walls.length / 2)], stall };
}

(async () => {
  log(`event-loop blocking of torchlet calls (${os.availableParallelism()} cores, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}, ${new Date().toISOString()})`);
  log('call                                          wall ms   longest loop stall ms');
  const row = (name, m) => log(`${name.padEnd(44)} ${m.wall.toFixed(1).padStart(8)} ${m.stall.toFixed(1).padStart(12)}`);
  torch.manualSeed(0);
  const fc = torch.models.fashionCnn();
  fc.eval();
  const rn = torch.models.torchvisionResnet18({ numClasses: 1000 });
  rn.eval();
  const x1 = torch.randn([1, 1, 28, 28]);
  const x256 = torch.randn([256, 1, 28, 28]);
  const r1 = torch.randn([1, 3, 224, 224]);
  const r16 = torch.randn([16, 3, 224, 224]);
  const fwd = (m, x) => () => torch.noGrad(() => torch.tidy(() => m.forward(x).toArray()));
  row('FashionCNN forward, batch 1', await measure(fwd(fc, x1), 5));
  row('FashionCNN forward, batch 256', await measure(fwd(fc, x256)));
  row('ResNet-18 forward, batch 1', await measure(fwd(rn, r1)));
  row('ResNet-18 forward, batch 16', await measure(fwd(rn, r16)));
  const file = path.join(dir, 'resnet18.safetensors');
  const sd = rn.stateDict();
  row('torch.save (ResNet-18, 47 MB)', await measure(() => torch.save(sd, file, { metadata: serveMetadata('resnet18') })));
  row('await torch.saveAsync (ResNet-18, 47 MB)', await measure(() => torch.saveAsync(sd, file, { metadata: serveMetadata('resnet18') })));
  row('torch.load (ResNet-18, 47 MB)', await measure(() => torch.load(file)));
  row('await torch.loadAsync (ResNet-18, 47 MB)', await measure(() => torch.loadAsync(file)));
  const fcFile = path.join(dir, 'fashion.safetensors');
  torch.save(fc.stateDict(), fcFile, { metadata: serveMetadata('fashion-cnn') });
  const sf = await torch.InferenceSession.create({ checkpoint: fcFile, workers: 1 });
  row('await session.run, FashionCNN batch 256', await measure(() => sf.run(x256)));
  await sf.close();
  let sr;
  row('await InferenceSession.create (ResNet-18)', await measure(async () => (sr = await torch.InferenceSession.create({ checkpoint: file, workers: 1 })), 1));
  row('await session.run, ResNet-18 batch 16', await measure(() => sr.run(r16)));
  await sr.close();
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', `serve-blocking-${new Date().toISOString().slice(0, 10)}.txt`), lines.join('\n') + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
