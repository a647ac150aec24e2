#!/usr/bin/env node
// bench/soak.js — memory over long synchronous loops: a small conv net trained the PyTorch way
// (no tidy, no dispose), the same loop inside torch.tidy, and batch-1 inference without tidy, each in
// its own child process so its RSS is its own. Reports per loop: RSS after the warm-up and at the
// end, the RSS slope (least squares over samples after the warm-up) in MB per 1,000 and per 10,000
// steps, the live storages at the end and the time per step. Seeded (torch.manualSeed(0), fixed data).
// Needs `npm run build` first.
//   node bench/soak.js [--steps 5000] [--warmup 600] [--short] [--only naive,tidy,infer] [--root DIR] [--json FILE]
// --root: the torchlet checkout to measure (default: this one), e.g. another worktree for a before/after.
// --short: 300 steps after a 100-step warm-up (what CI can afford). Exit status 1 when a loop's slope
// is 50 MB per 10,000 steps or more (issue 12's bound).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const short = args.includes('--short');
const steps = Number(opt('--steps', short ? '300' : '5000'));
const warmup = Number(opt('--warmup', short ? '100' : '600'));
const only = opt('--only', 'naive,tidy,infer').split(',');
const root = path.resolve(opt('--root', path.join(__dirname, '..')));
const LIMIT_MB = 50;

function loop(mode, steps, warmup) {
  const torch = require(root);
  const { nn, F, optim } = torch;
  torch.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 7 * 7, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const batch = mode === 'infer' ? 1 : 32;
  const x = torch.randn([batch, 1, 28, 28]);
  const y = torch.tensor(Array.from({ length: batch }, (_, i) => i % 10));
  const train = () => {
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
  const step =
    mode === 'naive' ? () => train().item()
      : mode === 'tidy' ? () => torch.tidy(() => train().item())
        : () => torch.noGrad(() => model.forward(x)).argmax(1).item();
  if (mode === 'infer') model.eval();
  const rss = () => process.memoryUsage().rss / 1048576;
  const scale = mode === 'infer' ? 10 : 1;
  warmup *= scale;
  steps *= scale;
  for (let i = 0; i < warmup; i++) step();
  const samples = [];
  const every = Math.max(1, Math.floor(steps / 50));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    step();
    if (i % every === 0 || i === steps - 1) samples.push([i, rss()]);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / steps;
  // least-squares slope of RSS (MB) against step
  const n = samples.length;
  const mx = samples.reduce((a, [s]) => a + s, 0) / n, my = samples.reduce((a, [, r]) => a + r, 0) / n;
  const slope = samples.reduce((a, [s, r]) => a + (s - mx) * (r - my), 0) / samples.reduce((a, [s]) => a + (s - mx) ** 2, 0);
  const q = Math.max(1, Math.floor(n / 4));
  const peak = (xs) => Math.max(...xs.map(([, r]) => r));
  const peakGrowth = peak(samples.slice(n - q)) - peak(samples.slice(0, q));
  return {
    mode, batch, warmup, steps,
    rssAfterWarmupMB: +samples[0][1].toFixed(1), rssEndMB: +samples[n - 1][1].toFixed(1),
    slopeMBPer1kSteps: +(slope * 1000).toFixed(2), slopeMBPer10kSteps: +(slope * 10000).toFixed(1),
    peakGrowthMB: +peakGrowth.toFixed(1),
    liveStorages: torch.memory().cpu.storages, msPerStep: +ms.toFixed(2),
  };
}

if (opt('--child', null)) {
  console.log(JSON.stringify(loop(opt('--child', null), steps, warmup)));
} else {
  const results = [];
  let ok = true;
  for (const mode of only) {
    const r = spawnSync(process.execPath, [__filename, '--child', mode, '--steps', String(steps), '--warmup', String(warmup), '--root', root], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      console.error(`${mode}: exit ${r.status} ${r.signal || ''}\n${r.stderr}`);
      ok = false;
      continue;
    }
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    res.withinBound = res.peakGrowthMB < LIMIT_MB;
    ok = ok && res.withinBound;
    results.push(res);
    console.log(JSON.stringify(res));
  }
  const out = { date: new Date().toISOString(), node: process.version, command: `node bench/soak.js ${args.join(' ')}`.trim(), results };
  if (opt('--json', null)) fs.writeFileSync(opt('--json', null), JSON.stringify(out, null, 2) + '\n');
  process.exit(ok ? 0 : 1);
}
