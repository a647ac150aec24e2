#!/usr/bin/env node
// bench/call_overhead.js — the fixed cost of one op call through the public API and the native
// boundary, on 4-element tensors (so the kernel itself costs nothing): x.add(y) (checks, output
// allocation, the native binary op, dispose), x.fill_(v) (one native call) and a 1x1 conv on a 4x2x2
// input under noGrad (prepareConv's checks and geometry, the conv op's 13 parameter fields). Prints
// microseconds per call. Pass a checkout's root to measure another build side by side:
//   node bench/call_overhead.js [ROOT ...]     (default: this checkout; needs `npm run build`)
'use strict';
const path = require('path');
const roots = process.argv.slice(2);
if (!roots.length) roots.push(path.resolve(__dirname, '..'));
for (const root of roots) {
  const torch = require(path.join(path.resolve(root), 'dist', 'lib'));
  const x = torch.zeros([4]);
  const y = torch.ones([4]);
  const N = 200000;
  for (let i = 0; i < 1000; i++) x.add(y).dispose(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) x.add(y).dispose();
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) x.fill_(1);
  const t2 = process.hrtime.bigint();
  const xc = torch.zeros([1, 4, 2, 2]);
  const wc = torch.ones([4, 4, 1, 1]);
  const conv = () => torch.noGrad(() => torch.F.conv2d(xc, wc).dispose());
  for (let i = 0; i < 1000; i++) conv();
  const t3 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) conv();
  const t4 = process.hrtime.bigint();
  const us = (a, b) => (Number(b - a) / N / 1000).toFixed(2);
  console.log(`${root}: x.add(y) ${us(t0, t1)} us/call; x.fill_(1) ${us(t1, t2)} us/call; 1x1 conv2d ${us(t3, t4)} us/call`);
}
