#!/usr/bin/env node
// bench/inplace_relu.js — what nn.ReLU({inplace: true}) costs in training against nn.ReLU(): the same
// net built both ways (lib/ops/inplace.ts reluInplace: no clone of the input, the fused batch-norm +
// ReLU backward kept), training steps (cross-entropy, backward, SGD with momentum) alternating between
// the two so that the machine's slow stretches hit both; median step time of each, and whether the two
// nets' parameters are still bit-identical at the end. Nets: a conv -> BN -> ReLU stack (16x16, batch
// 32), torchvision's ResNet-18 at 32x32 (batch 32) with its ReLUs made in place, and an MLP
// (784-512-256-10, batch 256: ReLU after Linear, no batch norm). Then the same nets frozen for
// inference (torch.jit.freeze: lib/jit.ts fuses a ReLU that alone reads a conv's or Linear's output
// into it, in place or not), plus ResNet-18 at batch 1: median forward time of each form, and whether
// the two frozen nets' outputs are bit-identical.
//   node bench/inplace_relu.js [--steps 30] [--frozen-only]
'use strict';
const path = require('path');
const os = require('os');
const torch = require(path.join(__dirname, '..', 'dist', 'lib'));
const { nn, F, optim } = torch;

const i = process.argv.indexOf('--steps');
const STEPS = i >= 0 ? Number(process.argv[i + 1]) : 30;
const FROZEN_ONLY = process.argv.includes('--frozen-only');

/** Replaces every nn.ReLU of m by nn.ReLU({inplace}) (the attribute that holds it). */
function reluInplace(m, inplace) {
  for (const [name, sub] of m.namedModules()) {
    if (!(sub instanceof nn.ReLU) || !name) continue;
    const parts = name.split('.');
    let parent = m;
    for (const p of parts.slice(0, -1)) parent = parent[p];
    parent[parts[parts.length - 1]] = new nn.ReLU({ inplace });
  }
  return m;
}
const NETS = {
  'conv-bn-relu x4 (3x16x16, batch 32)': {
    make: () => {
      const L = [];
      let c = 3;
      for (const o of [32, 32, 64, 64]) {
        L.push(new nn.Conv2d(c, o, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(o), new nn.ReLU());
        c = o;
      }
      return new nn.Sequential(...L, new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(64, 10));
    },
    x: [32, 3, 16, 16],
  },
  'torchvision ResNet-18 (3x32x32, batch 32)': { make: () => torch.models.torchvisionResnet18({ numClasses: 10 }), x: [32, 3, 32, 32] },
  'MLP 784-512-256-10 (batch 256)': {
    make: () => new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10)),
    x: [256, 784],
  },
};

const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
console.log(`# node bench/inplace_relu.js ${process.argv.slice(2).join(' ')}: ${os.availableParallelism()} cores (${os.cpus()[0].model}), ${torch.getNumThreads()} threads, Node ${process.version}, ${new Date().toISOString()}`);
if (!FROZEN_ONLY) console.log(`training step, ms (median of ${STEPS}, the two forms alternating)`);
if (!FROZEN_ONLY) console.log(`${'net'.padEnd(44)} ${'ReLU()'.padStart(9)} ${'inplace'.padStart(9)}  ratio  same parameters`);
for (const [name, spec] of FROZEN_ONLY ? [] : Object.entries(NETS)) {
  const nets = [false, true].map((inplace) => {
    torch.manualSeed(0);
    return reluInplace(spec.make(), inplace);
  });
  const opts = nets.map((m) => new optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 }));
  torch.manualSeed(1);
  const x = torch.randn(spec.x);
  const y = torch.randint(0, 10, [spec.x[0]]);
  const step = (k) =>
    torch.tidy(() => {
      opts[k].zeroGrad();
      F.crossEntropy(nets[k].forward(x), y).backward();
      opts[k].step();
    });
  for (let w = 0; w < 3; w++) for (const k of [0, 1]) step(k);
  const t = [[], []];
  for (let r = 0; r < STEPS; r++)
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      step(k);
      t[k].push(performance.now() - t0);
    }
  const [a, b] = nets.map((m) => m.parameters());
  const same = a.every((p, k) => Buffer.from(p.toArray().buffer).equals(Buffer.from(b[k].toArray().buffer)));
  console.log(`${name.padEnd(44)} ${median(t[0]).toFixed(2).padStart(9)} ${median(t[1]).toFixed(2).padStart(9)}  ${(median(t[1]) / median(t[0])).toFixed(2).padStart(5)}  ${same ? 'yes' : 'NO'}`);
}

// Frozen inference: the same nets, eval mode, torch.jit.freeze'd with each form of ReLU.
const FROZEN = { ...NETS, 'torchvision ResNet-18 (3x32x32, batch 1)': { make: NETS['torchvision ResNet-18 (3x32x32, batch 32)'].make, x: [1, 3, 32, 32] } };
console.log(`frozen inference (torch.jit.freeze), ms per forward (median of ${STEPS * 4}, the two forms alternating)`);
console.log(`${'net'.padEnd(44)} ${'ReLU()'.padStart(9)} ${'inplace'.padStart(9)}  ratio  same outputs`);
for (const [name, spec] of Object.entries(FROZEN)) {
  torch.manualSeed(1);
  const x = torch.randn(spec.x);
  const nets = [false, true].map((inplace) => {
    torch.manualSeed(0);
    const m = reluInplace(spec.make(), inplace);
    m.eval();
    return torch.jit.freeze(m, x);
  });
  const run = (k) => torch.tidy(() => void nets[k].forward(x));
  for (let w = 0; w < 5; w++) for (const k of [0, 1]) run(k);
  const t = [[], []];
  for (let r = 0; r < STEPS * 4; r++)
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      run(k);
      t[k].push(performance.now() - t0);
    }
  const [a, b] = nets.map((m) => torch.tidy(() => Buffer.from(m.forward(x).toArray().buffer)));
  console.log(`${name.padEnd(44)} ${median(t[0]).toFixed(2).padStart(9)} ${median(t[1]).toFixed(2).padStart(9)}  ${(median(t[1]) / median(t[0])).toFixed(2).padStart(5)}  ${a.equals(b) ? 'yes' : 'NO'}`);
}
