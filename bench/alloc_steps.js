#!/usr/bin/env node
// bench/alloc_steps.js — OS allocations per steady-state training step, several networks in ONE
// process one after another (as bench/zoo.js runs them), each after an eval pass at batch 64: the
// host allocator's cache must keep serving every network, not only the first (an earlier phase's
// block sizes once pinned the 2 GiB cache and cost GoogLeNet/ResNet-18 46 mmaps per step).
// Counts, not times, so a busy machine does not change the figures.
//   node bench/alloc_steps.js          (TORCHLET_ADDON=<.node> to test another build)
'use strict';
const torch = require('..');
const { F } = torch;
torch.manualSeed(0);
const nets = [
  ['fashionCnn', [1, 28, 28], 10],
  ['lenet5', [1, 28, 28], 10],
  ['googlenet', [3, 96, 96], 1000],
  ['resnet18', [3, 96, 96], 1000],
  ['torchvisionResnet18', [3, 32, 32], 10],
  ['fashionCnn', [1, 28, 28], 10],
];
let bad = 0;
for (const [name, shape, classes] of nets) {
  const model = name === 'fashionCnn' || name === 'torchvisionResnet18' ? torch.models[name]() : torch.models[name]({ numClasses: classes, inChannels: shape[0] });
  const x = torch.randn([32, ...shape]);
  const y = torch.randint(0, classes, [32]);
  const sgd = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const step = () =>
    torch.tidy(() => {
      sgd.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      sgd.step();
    });
  model.eval();
  const xi = torch.randn([64, ...shape]);
  torch.tidy(() => torch.noGrad(() => void model.forward(xi)));
  model.train();
  step();
  step();
  const a0 = torch.memory().cpu.systemAllocs;
  for (let i = 0; i < 3; i++) step();
  const per = (torch.memory().cpu.systemAllocs - a0) / 3;
  if (per > 0) bad++;
  console.log(`${name.padEnd(20)} ${shape.join('x').padEnd(8)} batch 32: OS allocations per step ${per}; allocator cache ${(torch.memory().cpu.cachedBytes / 2 ** 20).toFixed(0)} MB`);
  for (const p of model.parameters()) p.dispose();
  x.dispose();
  xi.dispose();
}
process.exitCode = bad ? 1 : 0;
