#!/usr/bin/env node
// bench/cuda_conv_shapes.js — CUDA convolution speed per layer shape, torchlet beside PyTorch (cuDNN,
// TF32 off) on the same GPU: the conv shapes of ResNet-18, VGG-16, AlexNet and GoogLeNet at 224x224
// (batch 64 unless --batch), float32. Per shape, medians of: the forward alone, forward + input
// gradient, forward + weight gradient (the gradient times are these minus the forward), and the
// ratios torchlet / PyTorch; plus plain matrix products of some convs' GEMM sizes (how fast the GEMM
// core is without the convolution's operand loaders). bench/cuda_conv_shapes.py times PyTorch in its
// own process; --addons a.node,b.node times several torchlet builds (each in its own process, via
// TORCHLET_ADDON) side by side, e.g. before and after a kernel change.
//   node bench/cuda_conv_shapes.js [--batch 64] [--reps 10] [--warmup 3] [--addons A,B] [--only re]
//                                  [--json FILE]
// Needs `npm run build:ts` and a CUDA build of the addon; TORCHLET_PYTHON: Python with CUDA PyTorch.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const batch = Number(opt('--batch', '64'));
const reps = Number(opt('--reps', '10'));
const warmup = Number(opt('--warmup', '3'));
const only = new RegExp(opt('--only', '.'));

// name, input [C, H, W], weight [OC, C, KH, KW], stride, padding
const c = (name, x, w, stride, padding) => ({ name, x: [batch, ...x], w, stride, padding });
const CASES = [
  c('resnet18 stem 3->64 7x7 s2 224', [3, 224, 224], [64, 3, 7, 7], 2, 3),
  c('resnet18 l1 64->64 3x3 56', [64, 56, 56], [64, 64, 3, 3], 1, 1),
  c('resnet18 l2a 64->128 3x3 s2 56', [64, 56, 56], [128, 64, 3, 3], 2, 1),
  c('resnet18 l2 down 64->128 1x1 s2 56', [64, 56, 56], [128, 64, 1, 1], 2, 0),
  c('resnet18 l2 128->128 3x3 28', [128, 28, 28], [128, 128, 3, 3], 1, 1),
  c('resnet18 l3a 128->256 3x3 s2 28', [128, 28, 28], [256, 128, 3, 3], 2, 1),
  c('resnet18 l3 256->256 3x3 14', [256, 14, 14], [256, 256, 3, 3], 1, 1),
  c('resnet18 l4 512->512 3x3 7', [512, 7, 7], [512, 512, 3, 3], 1, 1),
  c('vgg16 c1 3->64 3x3 224', [3, 224, 224], [64, 3, 3, 3], 1, 1),
  c('vgg16 c2 64->64 3x3 224', [64, 224, 224], [64, 64, 3, 3], 1, 1),
  c('vgg16 128->128 3x3 112', [128, 112, 112], [128, 128, 3, 3], 1, 1),
  c('vgg16 256->256 3x3 56', [256, 56, 56], [256, 256, 3, 3], 1, 1),
  c('vgg16 512->512 3x3 28', [512, 28, 28], [512, 512, 3, 3], 1, 1),
  c('alexnet c1 3->64 11x11 s4 224', [3, 224, 224], [64, 3, 11, 11], 4, 2),
  c('googlenet 1x1 192->64 28', [192, 28, 28], [64, 192, 1, 1], 1, 0),
].filter((k) => only.test(k.name));
// [M, N, K] of some forward GEMMs: resnet18 l1, l3, l4
const GEMMS = [[64, batch * 56 * 56, 576], [256, batch * 14 * 14, 2304], [512, batch * 7 * 7, 4608]];

function child() {
  const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
  if (!torch.cuda.isAvailable()) throw new Error(`CUDA is not available (${require('../dist/lib/device').cudaInfo().reason})`);
  const timed = require('./cuda_timing').cudaTimer(torch, reps, warmup);
  const out = { cases: {}, gemms: [] };
  for (const k of CASES) {
    torch.manualSeed(0);
    const x = torch.randn(k.x).to('cuda');
    const w = torch.randn(k.w).mul(0.05).to('cuda');
    const o = { stride: k.stride, padding: k.padding };
    const gy = torch.noGrad(() => torch.randnLike(torch.F.conv2d(x, w, null, o)));
    const fwd = () => torch.noGrad(() => torch.tidy(() => { torch.F.conv2d(x, w, null, o); }));
    const grad = (xr, wr) => () => torch.tidy(() => {
      const xx = x.detach().requiresGrad_(xr);
      const ww = w.detach().requiresGrad_(wr);
      torch.F.conv2d(xx, ww, null, o).backward(gy);
      if (xr) xx.grad.dispose();
      if (wr) ww.grad.dispose();
    });
    out.cases[k.name] = { fwd: timed(fwd), fwd_dx: timed(grad(true, false)), fwd_dw: timed(grad(false, true)) };
    x.dispose(); w.dispose(); gy.dispose();
  }
  for (const [m, n, kk] of GEMMS) {
    const a = torch.randn([m, kk]).to('cuda');
    const b = torch.randn([kk, n]).to('cuda');
    out.gemms.push(timed(() => torch.noGrad(() => torch.tidy(() => { torch.matmul(a, b); }))));
    a.dispose(); b.dispose();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

function main() {
  const cfg = { cases: CASES, gemms: GEMMS, reps, warmup };
  const last = (s) => JSON.parse(s.trim().split('\n').pop());
  const py = last(execFileSync(process.env.TORCHLET_PYTHON || 'python3', [path.join(__dirname, 'cuda_conv_shapes.py'), JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 24 }));
  const addons = opt('--addons', process.env.TORCHLET_ADDON || '').split(',');
  const runs = addons.map((a) => last(execFileSync(process.execPath, [__filename, ...args, '--child'], {
    encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(a ? { TORCHLET_ADDON: a } : {}) },
  })));
  const label = (i) => (addons.length > 1 ? `[${i}] ` : '');
  addons.forEach((a, i) => { if (addons.length > 1) console.log(`[${i}] ${a}`); });
  const f = (v) => v.toFixed(2).padStart(7);
  const r = (a, b) => `${(a / b).toFixed(2)}x`.padStart(6);
  console.log(`# ms (torchlet vs PyTorch, ratio); dx, dw = (forward + gradient) - forward; batch ${batch}, float32`);
  for (const k of CASES) {
    const p = py.cases[k.name];
    const pdx = p.fwd_dx - p.fwd, pdw = p.fwd_dw - p.fwd;
    runs.forEach((t, i) => {
      const q = t.cases[k.name];
      const dx = q.fwd_dx - q.fwd, dw = q.fwd_dw - q.fwd;
      console.log(`${label(i)}${k.name.padEnd(38)} fwd ${f(q.fwd)} vs ${f(p.fwd)} ${r(q.fwd, p.fwd)}  dx ${f(dx)} vs ${f(pdx)} ${r(dx, pdx)}  dw ${f(dw)} vs ${f(pdw)} ${r(dw, pdw)}`);
    });
  }
  GEMMS.forEach(([m, n, kk], j) => {
    const gf = (ms) => `${((2 * m * n * kk) / ms / 1e9).toFixed(1)} TFLOP/s`;
    runs.forEach((t, i) => console.log(`${label(i)}matmul [${m}x${kk}] @ [${kk}x${n}]  ${f(t.gemms[j])} (${gf(t.gemms[j])}) vs ${f(py.gemms[j])} (${gf(py.gemms[j])}) ${r(t.gemms[j], py.gemms[j])}`));
  });
  const json = opt('--json', null);
  if (json) fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), gpu: py.gpu, torch: py.torch, tf32: false, batch, reps, warmup, command: `node bench/cuda_conv_shapes.js ${args.join(' ')}`.trim(), addons, pytorch: py, torchlet: runs }, null, 1));
}

if (args.includes('--child')) child();
else main();
