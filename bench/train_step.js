#!/usr/bin/env node
// bench/train_step.js — median wall time of one training step (forward, cross-entropy, backward,
// Adam) of the seed's FashionCNN at batch 256 on random data, for three ways of writing the model:
//   fused     torch.models.fashionCnn (F.conv2dReluMaxPool2d blocks)
//   seed      the seed's forward as users write it: F.maxPool2d(F.relu(conv(x)), 2) (the pooling and
//             the ReLU backward fuse automatically)
//   unfused   the same with every op separate (maxPool2d's returnIndices path)
// and, per variant, the time spent in each native call. Needs `npm run build` first.
//   node bench/train_step.js [--threads 2] [--steps 20]
const os = require('os');
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const threads = Number(opt('--threads', String(os.cpus().length)));
const steps = Number(opt('--steps', '20'));
process.env.OMP_NUM_THREADS = String(threads);

const { native } = require('../dist/lib/binding');
const stats = new Map();
for (const k of Object.keys(native)) {
  const f = native[k];
  if (typeof f !== 'function' || /^[A-Z]/.test(k)) continue;
  native[k] = function (...a) {
    const t = process.hrtime.bigint();
    const r = f.apply(this, a);
    stats.set(k, (stats.get(k) ?? 0) + Number(process.hrtime.bigint() - t) / 1e6);
    return r;
  };
}
const torch = require('../dist/lib');
const F = torch.F;
torch.setNumThreads(threads);

function forwardOf(variant) {
  if (variant === 'fused') return null;
  const pool = variant === 'seed' ? (h) => F.maxPool2d(h, 2) : (h) => F.maxPool2d(h, 2, { returnIndices: true })[0];
  return function (x) {
    let h = pool(F.relu(this.conv1.forward(x)));
    h = pool(F.relu(this.conv2.forward(h)));
    h = h.view(h.shape[0], -1);
    return this.fc2.forward(this.dropout.forward(F.relu(this.fc1.forward(h))));
  };
}

console.log(`${os.cpus()[0].model}, ${os.cpus().length} cores; ${threads} threads; batch 256; median of ${steps} steps`);
for (const variant of ['fused', 'seed', 'unfused']) {
  torch.manualSeed(0);
  const model = torch.models.fashionCnn();
  const fwd = forwardOf(variant);
  if (fwd) model.forward = fwd;
  const opt_ = new torch.optim.Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  const x = torch.randn([256, 1, 28, 28]);
  const y = torch.tensor(Array.from({ length: 256 }, (_, i) => i % 10), { dtype: 'int64' });
  const step = () => torch.tidy(() => {
    const loss = F.crossEntropy(model.forward(x), y);
    opt_.zeroGrad();
    loss.backward();
    opt_.step();
    return loss.item();
  });
  for (let i = 0; i < 3; i++) step();
  stats.clear();
  const times = [];
  for (let i = 0; i < steps; i++) {
    const t = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const top = [...stats].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, ms]) => `${k} ${(ms / steps).toFixed(1)}`).join(', ');
  console.log(`${variant.padEnd(8)} ${times[steps >> 1].toFixed(1).padStart(6)} ms/step   (native ms/step: ${top})`);
}
