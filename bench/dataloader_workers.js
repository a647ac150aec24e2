#!/usr/bin/env node
// bench/dataloader_workers.js — how long the training loop waits for data, with the DataLoader
// loading in the loop (numWorkers 0) and on worker threads (numWorkers 2 by default): a FashionCNN
// training epoch (Adam 1e-3, batch 64, shuffled) over Fashion-MNIST's training images with per-sample
// augmentation as torchvision users write it: RandomCrop(28, padding 4) + RandomHorizontalFlip +
// ToTensor + Normalize(0.5, 0.5). For each setting: the epoch's wall time, the time spent waiting in
// the loader's next() (data wait), the time in forward/backward/step (compute), and batches/s. Needs
// `npm run build` first (dist/ and the addon).
//   node bench/dataloader_workers.js [--workers 0,2] [--samples 60000] [--threads 2] [--data DIR]
//                                     [--prefetch 2] [--json FILE]
const os = require('os');
const fs = require('fs');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const workersList = opt('--workers', '0,2').split(',').map(Number);
const samples = Number(opt('--samples', '60000'));
const threads = Number(opt('--threads', String(os.cpus().length)));
const dataDir = opt('--data', '/usr/share/datasets/fashion-mnist');
const prefetch = Number(opt('--prefetch', '2'));
const jsonOut = opt('--json', undefined);

process.env.OMP_NUM_THREADS = String(threads);
const torch = require('../dist/lib');
const T = torch.data.transforms;

function epoch(numWorkers) {
  torch.setNumThreads(threads);
  torch.manualSeed(0);
  const raw = new torch.data.FashionMNIST({ root: dataDir, train: true, download: false });
  const n = Math.min(samples, raw.length);
  const augment = new T.Compose([new T.RandomCrop(28, { padding: 4 }), new T.RandomHorizontalFlip(), new T.ToTensor(), new T.Normalize([0.5], [0.5])]);
  const ds = new torch.data.ImageDataset(raw.images.subarray(0, n * 784), raw.labels.subarray(0, n), [28, 28], augment);
  const loader = new torch.data.DataLoader(ds, {
    batchSize: 64,
    shuffle: true,
    generator: new torch.Generator().manualSeed(1),
    ...(numWorkers ? { numWorkers, prefetchFactor: prefetch } : {}),
  });
  const model = torch.models.fashionCnn();
  const optim = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
  let wait = 0;
  let compute = 0;
  let first = 0;
  let batches = 0;
  let lossSum = 0;
  const t0 = performance.now();
  const it = loader[Symbol.iterator]();
  for (;;) {
    const a = performance.now();
    const r = it.next();
    const b = performance.now();
    if (r.done) break;
    if (batches === 0) first = b - a; // includes the workers' start-up
    else wait += b - a;
    const [x, y] = r.value;
    optim.zeroGrad();
    const loss = torch.F.crossEntropy(model.forward(x), y);
    loss.backward();
    optim.step();
    lossSum += loss.item();
    compute += performance.now() - b;
    batches++;
  }
  const total = performance.now() - t0;
  return {
    numWorkers,
    samples: n,
    batches,
    epoch_s: +(total / 1000).toFixed(2),
    first_batch_s: +(first / 1000).toFixed(3),
    data_wait_s: +(wait / 1000).toFixed(2),
    data_wait_pct: +((100 * (wait + first)) / total).toFixed(1),
    compute_s: +(compute / 1000).toFixed(2),
    batches_per_s: +(batches / (total / 1000)).toFixed(1),
    mean_loss: +(lossSum / batches).toFixed(4),
  };
}

const results = [];
const load0 = os.loadavg();
for (const w of workersList) {
  const r = epoch(w);
  results.push(r);
  console.log(
    `numWorkers ${r.numWorkers}: epoch ${r.epoch_s} s (${r.batches} batches of 64, ${r.batches_per_s}/s); waiting for data ${r.data_wait_s} s ` +
      `+ first batch ${r.first_batch_s} s = ${r.data_wait_pct}% of the epoch; forward/backward/step ${r.compute_s} s; mean loss ${r.mean_loss}`,
  );
}
const summary = {
  machine: `${os.cpus()[0].model}, ${os.cpus().length} cores`,
  date: new Date().toISOString(),
  command: `node bench/dataloader_workers.js ${args.join(' ')}`.trim(),
  threads,
  loadavg_before: load0.map((v) => +v.toFixed(2)),
  loadavg_after: os.loadavg().map((v) => +v.toFixed(2)),
};
console.log(JSON.stringify(summary));
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ results, summary }, null, 2) + '\n');
