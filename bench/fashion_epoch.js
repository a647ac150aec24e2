#!/usr/bin/env node
// bench/fashion_epoch.js — one epoch of the seed's Fashion-MNIST recipe (FashionCNN, Adam 1e-3
// wd 1e-4, batch 256, 48,000 train / 12,000 validation) in torchlet and in PyTorch
// (bench/pytorch_epoch.py, Debian's python3-torch) on the same machine, side by side in one run;
// prints both and the ratio torchlet/PyTorch. Needs `npm run build` first.
//   node bench/fashion_epoch.js [--threads 2] [--batches N] [--data DIR] [--json FILE]
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

process.env.OMP_NUM_THREADS = String(threads);
const torch = require('../dist/lib');
const { FashionMNIST } = require('../dist/lib/data/fashion_mnist');
const { ImageDataset, DataLoader, randomSplit, normalize } = require('../dist/lib/data/dataset');
const { evaluate } = require('../dist/lib/train/fashion');

function torchletEpoch() {
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const raw = new FashionMNIST({ root: data, train: true });
  const full = new ImageDataset(raw.images, raw.labels, [28, 28], normalize(0.5, 0.5));
  const [trainDs, valDs] = randomSplit(full, [48000, 12000], { seed: 0 });
  const model = torch.models.fashionCnn();
  const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  // materialise the batches first: PyTorch's side also has its data in memory as tensors
  const loader = new DataLoader(trainDs, { batchSize: 256, shuffle: true, seed: 1 });
  const all = [...loader].slice(0, batches ? Number(batches) : undefined);
  const valBatches = [...new DataLoader(valDs, { batchSize: 256 })];
  model.train();
  let lossSum = 0;
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (const [x, y] of all) {
    lossSum += torch.tidy(() => {
      const loss = torch.F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    }) * x.shape[0];
    n += x.shape[0];
  }
  const t1 = process.hrtime.bigint();
  model.eval();
  const val = evaluate(model, valBatches);
  const t2 = process.hrtime.bigint();
  const trainS = Number(t1 - t0) / 1e9;
  const valS = Number(t2 - t1) / 1e9;
  return { impl: 'torchlet', threads, train_s: +trainS.toFixed(3), val_s: +valS.toFixed(3), epoch_s: +(trainS + valS).toFixed(3), train_loss: +(lossSum / n).toFixed(5), val_acc: +val.acc.toFixed(5), train_batches: all.length };
}

function pytorchEpoch() {
  const py = path.join(__dirname, 'pytorch_epoch.py');
  const a = [py, '--threads', String(threads), '--data', data];
  if (batches) a.push('--batches', batches);
  const out = execFileSync('/usr/bin/python3', a, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  return JSON.parse(out.trim().split('\n').pop());
}

const tl = torchletEpoch();
console.log(JSON.stringify(tl));
const pt = pytorchEpoch();
console.log(JSON.stringify(pt));
const summary = {
  machine: `${os.cpus()[0].model}, ${os.cpus().length} cores`,
  date: new Date().toISOString(),
  threads,
  torchlet_epoch_s: tl.epoch_s,
  pytorch_epoch_s: pt.epoch_s,
  ratio_epoch: +(tl.epoch_s / pt.epoch_s).toFixed(3),
  torchlet_train_s: tl.train_s,
  pytorch_train_s: pt.train_s,
  ratio_train: +(tl.train_s / pt.train_s).toFixed(3),
};
console.log(`torchlet ${tl.epoch_s.toFixed(2)} s/epoch, PyTorch ${pt.epoch_s.toFixed(2)} s/epoch, ratio ${summary.ratio_epoch} (torchlet / PyTorch)`);
console.log(JSON.stringify(summary));
const jsonOut = opt('--json', undefined);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ torchlet: tl, pytorch: pt, summary }, null, 2) + '\n');
