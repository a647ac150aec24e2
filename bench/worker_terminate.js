#!/usr/bin/env node
// bench/worker_terminate.js — terminates worker threads in the middle of forward passes, N times
// (default 500), and reports how many terminations the process survived. Each worker builds a
// small conv net and runs forward passes (plus small ops, reads and a backward) in a tight loop; the
// parent terminates it after 0-19 ms. Any abort kills this process: a run that prints
// {"terminated":N,...} survived them all. Needs `npm run build` first.
//   node bench/worker_terminate.js [--n 500] [--json FILE]
'use strict';
const fs = require('fs');
const path = require('path');
const { Worker } = require('worker_threads');

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const N = Number(opt('--n', '500'));
const root = JSON.stringify(path.resolve(__dirname, '..'));

const code = `
const torch = require(${root});
const { nn } = torch;
const m = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
  new nn.Linear(8 * 8 * 8, 10));
const x = torch.randn([4, 1, 16, 16], { requiresGrad: true });
require('worker_threads').parentPort.postMessage('ready');
for (;;) {
  const y = m.forward(x);
  y.sum().backward();
  y.argmax(1).toArray();
  torch.tensor([1, 2, 3]).sum().item();
  torch.zeros([2, 3]).add(torch.ones([3]));
}`;

(async () => {
  const t0 = Date.now();
  let n = 0;
  for (let i = 0; i < N; i++) {
    const w = new Worker(code, { eval: true });
    await new Promise((res, rej) => {
      w.once('message', res);
      w.once('error', rej);
    });
    await new Promise((res) => setTimeout(res, (i * 7) % 20));
    await w.terminate();
    n++;
    if (process.stderr.isTTY) process.stderr.write(`\r${n}/${N}`);
  }
  const r = { terminated: n, aborts: 0, seconds: (Date.now() - t0) / 1000, node: process.version };
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(JSON.stringify(r));
  if (opt('--json', null)) fs.writeFileSync(opt('--json', null), JSON.stringify(r, null, 2) + '\n');
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
