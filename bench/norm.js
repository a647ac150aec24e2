#!/usr/bin/env node
// bench/norm.js — normalisation speed: BatchNorm2d training forward + backward (input, weight and
// bias gradients), BatchNorm2d eval forward, and LayerNorm forward + backward, on a few shapes, float32,
// in torchlet and in PyTorch (Debian's /usr/bin/python3, inline below) on the same number of threads,
// in one run; prints the median time of each and the ratio torchlet / PyTorch (< 1: torchlet faster).
//   node bench/norm.js [--threads 2] [--reps 7] [--roots DIR,DIR]   (needs `npm run build`)
// --roots: torchlet checkouts to time side by side (default this one), e.g. main before the native
// normalisation kernels (its composed implementation).
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const threads = Number(opt('--threads', '2'));
const reps = Number(opt('--reps', '7'));
const roots = opt('--roots', path.resolve(__dirname, '..')).split(',');
process.env.OMP_NUM_THREADS = String(threads);

const CASES = [
  { kind: 'bn2d-train', name: 'BatchNorm2d train fwd+bwd [32,64,32,32]', x: [32, 64, 32, 32] },
  { kind: 'bn2d-train', name: 'BatchNorm2d train fwd+bwd [64,256,8,8]', x: [64, 256, 8, 8] },
  { kind: 'bn2d-train', name: 'BatchNorm2d train fwd+bwd [8,3,224,224]', x: [8, 3, 224, 224] },
  // ResNet-18 on 32x32 inputs: the small maps of its last stages
  { kind: 'bn2d-relu', name: 'relu(BatchNorm2d) train fwd+bwd [64,128,4,4]', x: [64, 128, 4, 4] },
  { kind: 'bn2d-train', name: 'BatchNorm2d train fwd+bwd [64,256,2,2]', x: [64, 256, 2, 2] },
  { kind: 'bn2d-relu', name: 'relu(BatchNorm2d) train fwd+bwd [64,512,1,1]', x: [64, 512, 1, 1] },
  { kind: 'bn2d-relu', name: 'relu(BatchNorm2d) train fwd+bwd [32,64,32,32]', x: [32, 64, 32, 32] },
  { kind: 'bn2d-eval', name: 'BatchNorm2d eval fwd [32,64,32,32]', x: [32, 64, 32, 32] },
  { kind: 'ln', name: 'LayerNorm(768) fwd+bwd [16,128,768]', x: [16, 128, 768] },
  { kind: 'ln', name: 'LayerNorm(64) fwd+bwd [4096,64]', x: [4096, 64] },
];

function median(a) {
  const s = a.slice().sort((p, q) => p - q);
  return s[s.length >> 1];
}

function timeTorchlet(root) {
  const torch = require(path.join(root, 'dist/lib'));
  const { nn, F } = torch;
  torch.manualSeed(0);
  const out = {};
  for (const c of CASES) {
    const x = torch.randn(c.x);
    const C = c.kind === 'ln' ? c.x[c.x.length - 1] : c.x[1];
    const mod = c.kind === 'ln' ? new nn.LayerNorm(C) : new nn.BatchNorm2d(C);
    if (c.kind === 'bn2d-eval') mod.eval();
    const g = torch.randn(c.x);
    const step = () =>
      torch.tidy(() => {
        if (c.kind === 'bn2d-eval') return void torch.noGrad(() => mod.forward(x));
        const xi = x.detach().requiresGrad_();
        let y = mod.forward(xi);
        if (c.kind === 'bn2d-relu') y = F.relu(y);
        y.backward(g);
        // the input's gradient goes with its leaf, as in PyTorch (a leaf's .grad outlives tidy(); left
        // to the garbage collector, every step would write the gradient into fresh pages)
        xi.grad.dispose();
        mod.zeroGrad();
      });
    step();
    step();
    const ts = [];
    for (let r = 0; r < reps; r++) {
      const t0 = process.hrtime.bigint();
      step();
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    out[c.name] = median(ts);
  }
  return out;
}

const PY = `
import json, sys, time, torch
torch.set_num_threads(${threads})
torch.manual_seed(0)
cases = json.loads(sys.argv[1]); reps = ${reps}
out = {}
for c in cases:
    x = torch.randn(*c['x']); g = torch.randn(*c['x'])
    if c['kind'] == 'ln':
        mod = torch.nn.LayerNorm(c['x'][-1])
    else:
        mod = torch.nn.BatchNorm2d(c['x'][1])
    if c['kind'] == 'bn2d-eval':
        mod.eval()
    def step():
        if c['kind'] == 'bn2d-eval':
            with torch.no_grad():
                mod(x)
            return
        xi = x.detach().requires_grad_()
        y = mod(xi)
        if c['kind'] == 'bn2d-relu':
            y = torch.relu(y)
        y.backward(g)
        mod.zero_grad()
    step(); step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort(); out[c['name']] = ts[len(ts) // 2]
print(json.dumps({'torch': torch.__version__, 'times': out}))
`;

const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY, JSON.stringify(CASES)], { encoding: 'utf8' }));
const ours = roots.map((r) => timeTorchlet(r));
console.log(`# bench/norm.js: ${threads} threads, median of ${reps}, float32; PyTorch ${py.torch}; ${new Date().toISOString()}`);
console.log(`# roots: ${roots.join(', ')}`);
const w = Math.max(...CASES.map((c) => c.name.length));
console.log(`${'case'.padEnd(w)}  ${'pytorch ms'.padStart(10)}  ${roots.map((_, i) => `torchlet#${i} ms  ratio`.padStart(20)).join('  ')}`);
for (const c of CASES) {
  const p = py.times[c.name];
  const cols = ours.map((o) => `${o[c.name].toFixed(2).padStart(12)}  ${(o[c.name] / p).toFixed(2).padStart(5)}x`);
  console.log(`${c.name.padEnd(w)}  ${p.toFixed(2).padStart(10)}  ${cols.join('  ')}`);
}
