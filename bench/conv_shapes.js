#!/usr/bin/env node
// bench/conv_shapes.js — convolution speed on many shapes, not one model's: ResNet-18 (CIFAR layout)
// layers at every stage (3x3 stride 1 and 2, 1x1 downsampling), LeNet's and AlexNet's first layers,
// depthwise and dilated 2-D convs, 1-D and 3-D convs. Per case, the median time of one forward +
// backward (input, weight and bias gradients) in float32, in torchlet and in PyTorch
// (bench/conv_shapes.py, Debian's python3-torch) on the same threads, and the ratio torchlet/PyTorch.
//   node bench/conv_shapes.js [--threads 2] [--reps 5] [--roots DIR,DIR] [--algorithms auto,perImage,...]
//   (needs `npm run build`)
// --roots: torchlet checkouts to time side by side (default this one), e.g. a build of an earlier
// commit; a checkout without F.conv1d runs the 1-D cases as conv2d over [N, C, 1, L].
// --algorithms: time each root once per torch.backends.conv.algorithm preference (a column each; a
// preference applies where it can, 'auto' elsewhere), e.g. to compare Winograd or the per-image GEMMs
// with what 'auto' picks.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const threads = Number(opt('--threads', '2'));
const reps = Number(opt('--reps', '5'));
const roots = opt('--roots', path.resolve(__dirname, '..')).split(',');
const algorithms = opt('--algorithms', '').split(',').filter(Boolean);
process.env.OMP_NUM_THREADS = String(threads);

// name, input shape, weight shape, stride, padding, dilation, groups
const c = (name, x, w, stride = 1, padding = 0, dilation = 1, groups = 1) => ({ name, x, w, stride, padding, dilation, groups });
const CASES = [
  c('resnet18 stem 3->64 3x3 32x32 N16', [16, 3, 32, 32], [64, 3, 3, 3], 1, 1),
  c('resnet18 l1 64->64 3x3 32x32 N16', [16, 64, 32, 32], [64, 64, 3, 3], 1, 1),
  c('resnet18 l2 64->128 3x3 s2 N16', [16, 64, 32, 32], [128, 64, 3, 3], 2, 1),
  c('resnet18 l2 down 64->128 1x1 s2 N16', [16, 64, 32, 32], [128, 64, 1, 1], 2, 0),
  c('resnet18 l2 128->128 3x3 16x16 N16', [16, 128, 16, 16], [128, 128, 3, 3], 1, 1),
  c('resnet18 l3 256->256 3x3 8x8 N16', [16, 256, 8, 8], [256, 256, 3, 3], 1, 1),
  c('resnet18 l4 512->512 3x3 4x4 N16', [16, 512, 4, 4], [512, 512, 3, 3], 1, 1),
  c('lenet5 c1 1->6 5x5 28x28 N64', [64, 1, 28, 28], [6, 1, 5, 5], 1, 2),
  c('alexnet c1 3->64 11x11 s4 63x63 N8', [8, 3, 63, 63], [64, 3, 11, 11], 4, 2),
  c('depthwise 64 3x3 16x16 N16', [16, 64, 16, 16], [64, 1, 3, 3], 1, 1, 1, 64),
  c('dilated 32->32 3x3 d2 16x16 N16', [16, 32, 16, 16], [32, 32, 3, 3], 1, 2, 2),
  c('1-D 16->32 k5 L1000 N16', [16, 16, 1000], [32, 16, 5], 1, 2),
  c('1-D 32->32 k3 s2 L1000 N16', [16, 32, 1000], [32, 32, 3], 2, 1),
  c('3-D 8->16 3x3x3 16^3 N2', [2, 8, 16, 16, 16], [16, 8, 3, 3, 3], 1, 1),
  c('3-D 16->16 3x3x3 s2 16^3 N2', [2, 16, 16, 16, 16], [16, 16, 3, 3, 3], 2, 1),
];

function timeTorchlet(root, algorithm) {
  const torch = require(path.join(path.resolve(root), 'dist', 'lib'));
  torch.setNumThreads(threads);
  if (algorithm) {
    if (!torch.backends || !torch.backends.conv) throw new Error(`${root}: this build has no torch.backends.conv`);
    torch.backends.conv.algorithm = algorithm;
  }
  const F = torch.F;
  return CASES.map((k) => {
    let { x: xs, w: ws } = k;
    let f = { 3: F.conv1d, 4: F.conv2d, 5: F.conv3d }[xs.length];
    let o = { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups };
    if (!f) {
      // an older build without conv1d: the same work as conv2d over [N, C, 1, L]
      f = F.conv2d;
      xs = [xs[0], xs[1], 1, xs[2]];
      ws = [ws[0], ws[1], 1, ws[2]];
      o = { stride: [1, k.stride], padding: [0, k.padding], dilation: [1, k.dilation], groups: k.groups };
    }
    torch.manualSeed(0);
    const x = torch.randn(xs).requiresGrad_();
    const w = torch.randn(ws).requiresGrad_();
    const b = torch.randn([ws[0]]).requiresGrad_();
    const g = torch.noGrad(() => torch.randn(f(x, w, b, o).shape));
    const times = [];
    for (let r = 0; r <= reps; r++) {
      for (const p of [x, w, b]) if (p.grad) (p.grad.dispose(), (p.grad = null));
      const t0 = process.hrtime.bigint();
      torch.tidy(() => f(x, w, b, o).backward(g));
      const t1 = process.hrtime.bigint();
      if (r) times.push(Number(t1 - t0) / 1e6);
    }
    times.sort((a, c2) => a - c2);
    return times[times.length >> 1];
  });
}

const py = process.env.TORCHLET_PYTHON || '/usr/bin/python3';
const pyCases = CASES.map((k) => ({ x: k.x, w: k.w, stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups }));
const ref = JSON.parse(
  execFileSync(py, [path.join(__dirname, 'conv_shapes.py'), JSON.stringify(pyCases), String(threads), String(reps)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  }),
);
const results = roots.flatMap((r) =>
  (algorithms.length ? algorithms : [null]).map((a) => ({ root: r, label: a ? `${path.basename(r)}:${a}` : path.basename(r), ms: timeTorchlet(r, a) })),
);
console.log(`conv forward+backward, float32, ${threads} threads, median of ${reps}; PyTorch ${ref.torch}`);
const head = ['case'.padEnd(38), 'PyTorch ms'.padStart(11)];
for (const r of results) head.push(`${r.label} ms`.padStart(14), 'ratio'.padStart(6));
console.log(head.join(' '));
CASES.forEach((k, i) => {
  const row = [k.name.padEnd(38), ref.ms[i].toFixed(2).padStart(11)];
  for (const r of results) row.push(r.ms[i].toFixed(2).padStart(14), (r.ms[i] / ref.ms[i]).toFixed(2).padStart(6));
  console.log(row.join(' '));
});
