#!/usr/bin/env node
// bench/fashion_epoch.js — one epoch of the seed's Fashion-MNIST recipe (FashionCNN, Adam 1e-3
// wd 1e-4, batch 256, 48,000 train / 12,000 validation) in torchlet and in PyTorch
// (bench/pytorch_epoch.py, Debian's python3-torch) on the same machine, side by side in one run;
// prints both and the ratio torchlet/PyTorch; then the forward and backward times of conv1, conv2
// and fc1 (alone, and in the blocks the model runs them in: conv -> relu -> max pool, fc1 -> relu,
// which torchlet fuses) beside PyTorch's; then float32 matrix-product GFLOP/s at 256, 1024 and 2048
// square beside PyTorch's BLAS (OpenBLAS). Medians; needs `npm run build` first.
//   node bench/fashion_epoch.js [--threads 2] [--batches N] [--data DIR] [--json FILE]
//                               [--only epoch,layers,gemm] [--reps 7] [--device cpu|cuda] [--repeat N]
// TORCHLET_PYTHON: the Python with PyTorch (default /usr/bin/python3, Debian's).
// --device cuda: model and data on the GPU for both (TF32 off in PyTorch; torchlet never uses it),
// warm-up batches first, synchronised clocks; --repeat N: median of N timed epochs.
const { execFileSync } = require('child_process');
const os = require('os');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const threads = Number(opt('--threads', String(os.cpus().length)));
const batches = opt('--batches', undefined);
const data = opt('--data', '/usr/share/datasets/fashion-mnist');
const only = new Set(opt('--only', 'epoch,layers,gemm').split(','));
const reps = Number(opt('--reps', '7'));
const device = opt('--device', 'cpu');
const repeat = Number(opt('--repeat', '1'));

process.env.OMP_NUM_THREADS = String(threads);
const torch = require('../dist/lib');
const { FashionMNIST } = require('../dist/lib/data/fashion_mnist');
const { ImageDataset, randomSplit, normalize } = require('../dist/lib/data/dataset');
const { DataLoader } = require('../dist/lib/data/dataloader');
const { evaluate } = require('../dist/lib/train/fashion');

function torchletEpoch() {
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const onDevice = device !== 'cpu';
  const sync = () => { if (onDevice) torch.cuda.synchronize(); };
  const raw = new FashionMNIST({ root: data, train: true });
  const full = new ImageDataset(raw.images, raw.labels, [28, 28], normalize(0.5, 0.5));
  const [trainDs, valDs] = randomSplit(full, [48000, 12000], { seed: 0 });
  const model = torch.models.fashionCnn();
  if (onDevice) model.to(device); // before the optimizer, as in PyTorch
  const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  // materialise the batches first (on the device): PyTorch's side also has its data in memory as tensors
  const move = ([x, y]) => (onDevice ? [x.to(device), y.to(device)] : [x, y]);
  const loader = new DataLoader(trainDs, { batchSize: 256, shuffle: true, seed: 1 });
  const all = [...loader].slice(0, batches ? Number(batches) : undefined).map(move);
  const valBatches = [...new DataLoader(valDs, { batchSize: 256 })].map(move);
  const trainOn = (list) => {
    let lossSum = 0;
    let n = 0;
    for (const [x, y] of list) {
      lossSum += torch.tidy(() => {
        const loss = torch.F.crossEntropy(model.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      }) * x.shape[0];
      n += x.shape[0];
    }
    return lossSum / n;
  };
  if (onDevice) { // warm-up: kernels loaded, allocator caches filled
    model.train();
    trainOn(all.slice(0, 5));
    sync();
  }
  const runs = [];
  for (let r = 0; r < repeat; r++) {
    model.train();
    sync();
    const t0 = process.hrtime.bigint();
    const loss = trainOn(all);
    sync();
    const t1 = process.hrtime.bigint();
    model.eval();
    const val = evaluate(model, (function* () { for (const [x, y] of valBatches) yield [x.view(x.shape), y.view(y.shape)]; })(), device); // evaluate disposes what it is given: views
    sync();
    const t2 = process.hrtime.bigint();
    const trainS = Number(t1 - t0) / 1e9;
    const valS = Number(t2 - t1) / 1e9;
    runs.push({ trainS, valS, epochS: trainS + valS, loss, acc: val.acc });
  }
  const med = [...runs].sort((p, q) => p.epochS - q.epochS)[(runs.length - 1) >> 1];
  return {
    impl: 'torchlet', device, threads, train_s: +med.trainS.toFixed(3), val_s: +med.valS.toFixed(3), epoch_s: +med.epochS.toFixed(3),
    train_loss: +med.loss.toFixed(5), val_acc: +med.acc.toFixed(5), epochs_s: runs.map((x) => +x.epochS.toFixed(3)), losses: runs.map((x) => +x.loss.toFixed(5)), train_batches: all.length,
  };
}

function pytorch(mode) {
  const py = path.join(__dirname, 'pytorch_epoch.py');
  const a = [py, '--threads', String(threads), '--data', data, '--reps', String(reps)];
  if (mode) a.push(mode);
  if (batches && !mode) a.push('--batches', batches);
  if (!mode) a.push('--device', device, '--repeat', String(repeat));
  const out = execFileSync(process.env.TORCHLET_PYTHON || '/usr/bin/python3', a, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function torchletLayers() {
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const F = torch.F;
  const conv1 = new torch.nn.Conv2d(1, 32, 3, { padding: 1 });
  const conv2 = new torch.nn.Conv2d(32, 64, 3, { padding: 1 });
  const fc1 = new torch.nn.Linear(3136, 128);
  const block = (c) => (x) => F.conv2dReluMaxPool2d(x, c.weight, c.bias, { padding: 1 }, 2);
  const specs = {
    conv1: [(x) => conv1.forward(x), [256, 1, 28, 28], false],
    conv2: [(x) => conv2.forward(x), [256, 32, 14, 14], true],
    fc1: [(x) => fc1.forward(x), [256, 3136], true],
    conv1_relu_pool: [block(conv1), [256, 1, 28, 28], false],
    conv2_relu_pool: [block(conv2), [256, 32, 14, 14], true],
    fc1_relu: [(x) => F.relu(fc1.forward(x)), [256, 3136], true],
  };
  const res = { impl: 'torchlet', mode: 'layers', threads, reps, stat: 'median' };
  for (const [name, [fn, shape, needGx]] of Object.entries(specs)) {
    const x = torch.randn(shape);
    if (needGx) x.requiresGrad_();
    const fwd = [];
    const bwd = [];
    for (let r = 0; r < reps + 2; r++) {
      torch.tidy(() => {
        const t0 = process.hrtime.bigint();
        const y = fn(x);
        const f = ms(t0);
        const g = torch.onesLike ? torch.onesLike(y) : torch.ones(y.shape);
        const t1 = process.hrtime.bigint();
        y.backward(g);
        const b = ms(t1);
        for (const p of [conv1, conv2, fc1].flatMap((m) => m.parameters())) if (p.grad) { p.grad.dispose(); p.grad = null; }
        if (x.grad) { x.grad.dispose(); x.grad = null; }
        if (r >= 2) { fwd.push(f); bwd.push(b); }
      });
    }
    res[name] = { forward_ms: +median(fwd).toFixed(3), backward_ms: +median(bwd).toFixed(3), input: shape, input_grad: needGx };
  }
  return res;
}

function torchletGemm() {
  torch.setNumThreads(threads);
  const res = { impl: 'torchlet', mode: 'gemm', threads, reps, stat: 'median' };
  for (const n of [256, 1024, 2048]) {
    const a = torch.randn([n, n]);
    const b = torch.randn([n, n]);
    const times = [];
    const k = n >= 1024 ? reps : reps * 20;
    for (let r = 0; r < k + 2; r++) {
      const t0 = process.hrtime.bigint();
      const c = torch.matmul(a, b);
      const t = ms(t0);
      c.dispose();
      if (r >= 2) times.push(t);
    }
    res[String(n)] = { gflops: +((2 * n ** 3) / (median(times) / 1e3) / 1e9).toFixed(1) };
  }
  return res;
}

const machine = `${os.cpus()[0].model}, ${os.cpus().length} cores`;
const result = { machine, device, date: new Date().toISOString(), threads, command: `node bench/fashion_epoch.js ${args.join(' ')}`.trim() };
if (only.has('epoch')) {
  const tl = torchletEpoch();
  console.log(JSON.stringify(tl));
  const pt = pytorch(null);
  console.log(JSON.stringify(pt));
  const summary = {
    torchlet_epoch_s: tl.epoch_s,
    pytorch_epoch_s: pt.epoch_s,
    ratio_epoch: +(tl.epoch_s / pt.epoch_s).toFixed(3),
    torchlet_train_s: tl.train_s,
    pytorch_train_s: pt.train_s,
    ratio_train: +(tl.train_s / pt.train_s).toFixed(3),
  };
  Object.assign(result, { torchlet: tl, pytorch: pt, summary });
  console.log(`epoch: torchlet ${tl.epoch_s.toFixed(2)} s, PyTorch ${pt.epoch_s.toFixed(2)} s, ratio ${summary.ratio_epoch} (torchlet / PyTorch; train part ${summary.ratio_train})`);
  console.log(JSON.stringify(summary));
}
if (only.has('layers')) {
  const tl = torchletLayers();
  const pt = pytorch('--layers');
  result.layers = { torchlet: tl, pytorch: pt };
  console.log(`layers at batch 256, ${threads} threads, median of ${reps} (ms):`);
  console.log('  layer              fwd torchlet  fwd PyTorch  ratio   bwd torchlet  bwd PyTorch  ratio');
  for (const name of ['conv1', 'conv2', 'fc1', 'conv1_relu_pool', 'conv2_relu_pool', 'fc1_relu']) {
    const a = tl[name];
    const b = pt[name];
    console.log(
      `  ${name.padEnd(17)} ${a.forward_ms.toFixed(2).padStart(12)} ${b.forward_ms.toFixed(2).padStart(12)} ${(a.forward_ms / b.forward_ms).toFixed(2).padStart(6)}` +
        ` ${a.backward_ms.toFixed(2).padStart(14)} ${b.backward_ms.toFixed(2).padStart(12)} ${(a.backward_ms / b.backward_ms).toFixed(2).padStart(6)}`,
    );
  }
}
if (only.has('gemm')) {
  const tl = torchletGemm();
  const pt = pytorch('--gemm');
  result.gemm = { torchlet: tl, pytorch: pt };
  console.log(`float32 matrix product, ${threads} threads (GFLOP/s, median):`);
  for (const n of ['256', '1024', '2048'])
    console.log(`  ${n.padStart(4)}^2: torchlet ${tl[n].gflops.toFixed(1).padStart(6)}  PyTorch/OpenBLAS ${pt[n].gflops.toFixed(1).padStart(6)}  ratio ${(tl[n].gflops / pt[n].gflops).toFixed(2)}`);
}
const jsonOut = opt('--json', undefined);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(result, null, 2) + '\n');
