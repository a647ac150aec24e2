#!/usr/bin/env node
// bench/cuda_zoo.js — torchlet beside PyTorch on the same GPU, several networks (the seeds'
// FashionCNN, LeNet-5, AlexNet, VGG-16, GoogLeNet, ResNet-18 at their native sizes, torchvision's
// resnet18 at 3x32x32), one command: bench/cuda_zoo.py times PyTorch first (its own process), then
// this process times torchlet. Random init and random data already on cuda for both; one training
// step (train mode, forward + cross-entropy + backward + SGD lr 0.01 momentum 0.9) and inference (eval,
// no grad) at the batch; each repetition ends with a device synchronize; medians after warm-up.
// TF32 off in PyTorch (torchlet never uses it). Prints a table with the ratios torchlet / PyTorch
// and, with --json FILE, every figure.
//   node bench/cuda_zoo.js [--nets a,b] [--batch 64] [--reps 7] [--warmup 2] [--json FILE]
// Needs `npm run build:ts` and a CUDA build of the addon (TORCHLET_ADDON); TORCHLET_PYTHON: the
// Python with a CUDA PyTorch (default python3).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const NETS = {
  fashioncnn: { input: [1, 28, 28], classes: 10, factory: 'fashionCnn' },
  lenet5: { input: [1, 28, 28], classes: 10, factory: 'lenet5' },
  alexnet: { input: [3, 224, 224], classes: 1000, factory: 'alexnet' },
  vgg16: { input: [3, 224, 224], classes: 1000, factory: 'vgg16' },
  googlenet: { input: [3, 224, 224], classes: 1000, factory: 'googlenet' },
  resnet18: { input: [3, 224, 224], classes: 1000, factory: 'resnet18' },
  tv_resnet18: { input: [3, 32, 32], classes: 10, factory: 'torchvisionResnet18' },
};
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const batch = Number(opt('--batch', '64'));
const reps = Number(opt('--reps', '7'));
const warmup = Number(opt('--warmup', '2'));
const names = opt('--nets', Object.keys(NETS).join(',')).split(',');
for (const n of names) if (!NETS[n]) throw new Error(`--nets: unknown network '${n}' (${Object.keys(NETS).join(', ')})`);
const nets = names.map((name) => ({ name, input: NETS[name].input, classes: NETS[name].classes, batch }));

const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
if (!torch.cuda.isAvailable()) {
  console.error(`bench/cuda_zoo.js: CUDA is not available (${require('../dist/lib/device').cudaInfo().reason})`);
  process.exit(2);
}
const py = JSON.parse(execFileSync(process.env.TORCHLET_PYTHON || 'python3', [path.join(__dirname, 'cuda_zoo.py'), JSON.stringify({ nets, reps, warmup })], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());

const timed = require('./cuda_timing').cudaTimer(torch, reps, warmup);

const res = {};
for (const net of nets) {
  const spec = NETS[net.name];
  torch.manualSeed(0);
  const model = net.name === 'tv_resnet18' ? torch.models[spec.factory]({ numClasses: net.classes }) : torch.models[spec.factory]();
  model.to('cuda');
  const sgd = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([batch, ...net.input]).to('cuda');
  const y = torch.randint(0, net.classes, [batch]).to('cuda');
  const step = () => torch.tidy(() => {
    model.train();
    const loss = torch.F.crossEntropy(model.forward(x), y);
    sgd.zeroGrad();
    loss.backward();
    sgd.step();
  });
  const infer = () => torch.noGrad(() => torch.tidy(() => { model.eval(); model.forward(x); }));
  const r = { train_ms: timed(step), infer_ms: timed(infer) };
  const p = py.nets[net.name];
  r.train_ratio = r.train_ms / p.train_ms;
  r.infer_ratio = r.infer_ms / p.infer_ms;
  res[net.name] = { torchlet: r, pytorch: p };
  console.log(`${net.name.padEnd(12)} [${batch}, ${net.input.join('x')}]  train ${r.train_ms.toFixed(2)} vs ${p.train_ms.toFixed(2)} ms (${r.train_ratio.toFixed(2)}x)  infer ${r.infer_ms.toFixed(2)} vs ${p.infer_ms.toFixed(2)} ms (${r.infer_ratio.toFixed(2)}x)`);
  model.to('cpu');
  x.dispose();
  y.dispose();
}
const out = { date: new Date().toISOString(), gpu: py.gpu, torch: py.torch, tf32: false, batch, reps, warmup, command: `node bench/cuda_zoo.js ${args.join(' ')}`.trim(), nets: res };
if (opt('--json', null)) fs.writeFileSync(opt('--json'), JSON.stringify(out, null, 1));
