// lib/train/fashion.ts — the seed's Fashion-MNIST recipe (tutorial 003) as a library function:
// FashionCNN with Kaiming-normal (fan_out) init, Adam(lr 1e-3, weightDecay 1e-4), cross-entropy,
// batch 256, a seeded 48,000/12,000 train/validation split, up to 50 epochs with early stopping
// (patience 10 on validation loss), the best model checkpointed (safetensors, atomic) and finally
// evaluated on the official test set. Reports per epoch through callbacks; writes metrics.csv.
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, manualSeed, noGrad, tidy } from '../tensor';
import { crossEntropy } from '../ops/loss';
import { Adam } from '../optim/adam';
import { fashionCnn } from '../models/fashion_cnn';
import { Module } from '../nn/module';
import { FashionMNIST } from '../data/fashion_mnist';
import { ImageDataset, DataLoader, randomSplit, normalize, Dataset } from '../data/dataset';
import { save, load } from '../serialize';

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  patience?: number;
  data?: string;
  out?: string;
  seed?: number;
  download?: boolean;
  /** Use only the first n training images (quick runs and tests); the split keeps 80/20. */
  limitTrain?: number;
  /** Evaluate only the first n test images. */
  limitTest?: number;
  onBatch?: (info: { epoch: number; batch: number; batches: number; loss: number }) => void;
  onEpochStart?: (info: { epoch: number; batches: number }) => void;
  onEpoch?: (m: EpochMetrics) => void;
}
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  seconds: number;
  improved: boolean;
}
export interface TrainResult {
  testAcc: number;
  testLoss: number;
  epochs: number;
  epochSeconds: number;
  bestEpoch: number;
  history: EpochMetrics[];
  checkpoint: string;
  earlyStopped: boolean;
}

function firstN(ds: FashionMNIST, n?: number): ImageDataset {
  const count = n ? Math.min(n, ds.length) : ds.length;
  return new ImageDataset(ds.images.subarray(0, count * 784), ds.labels.subarray(0, count), [28, 28], normalize(0.5, 0.5));
}

/** Mean loss and accuracy of `model` over a loader, in eval mode without gradients. */
export function evaluate(model: Module, loader: Iterable<[Tensor, Tensor]>): { loss: number; acc: number } {
  let n = 0;
  let lossSum = 0;
  let correct = 0;
  noGrad(() => {
    for (const [x, y] of loader) {
      tidy(() => {
        const out = model.forward(x) as Tensor;
        lossSum += crossEntropy(out, y).item() * x.shape[0];
        correct += out.argmax(1).eq(y).sum().item();
        n += x.shape[0];
      });
      x.dispose();
      y.dispose();
    }
  });
  return { loss: lossSum / n, acc: correct / n };
}

export async function trainFashionMnist(opts: TrainOptions = {}): Promise<TrainResult> {
  const epochs = opts.epochs ?? 50;
  const batchSize = opts.batchSize ?? 256;
  const patience = opts.patience ?? 10;
  const seed = opts.seed ?? 0;
  const out = opts.out ?? 'runs/fashion-cnn';
  fs.mkdirSync(out, { recursive: true });
  manualSeed(seed);

  const trainRaw = await FashionMNIST.create({ root: opts.data, train: true, download: opts.download ?? true });
  const testRaw = await FashionMNIST.create({ root: opts.data, train: false, download: opts.download ?? true });
  const full = firstN(trainRaw, opts.limitTrain);
  const nVal = Math.floor(full.length * 0.2);
  const [trainDs, valDs] = randomSplit(full as Dataset<[Tensor, Tensor]>, [full.length - nVal, nVal], { seed });
  const testDs = firstN(testRaw, opts.limitTest);
  const trainLoader = new DataLoader(trainDs, { batchSize, shuffle: true, seed: seed + 1 });
  const valLoader = new DataLoader(valDs, { batchSize });
  const testLoader = new DataLoader(testDs, { batchSize });

  const model = fashionCnn();
  const optimizer = new Adam(model.parameters(), { lr: opts.lr ?? 1e-3, weightDecay: opts.weightDecay ?? 1e-4 });
  const checkpoint = path.join(out, 'best.safetensors');
  const csv = path.join(out, 'metrics.csv');
  fs.writeFileSync(csv, 'epoch,train_loss,train_acc,val_loss,val_acc,seconds\n');

  let best = Infinity;
  let bestEpoch = 0;
  let bad = 0;
  let earlyStopped = false;
  const history: EpochMetrics[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = process.hrtime.bigint();
    model.train();
    let n = 0;
    let lossSum = 0;
    let correct = 0;
    let b = 0;
    opts.onEpochStart?.({ epoch, batches: trainLoader.length });
    for (const [x, y] of trainLoader) {
      const l = tidy(() => {
        const logits = model.forward(x) as Tensor;
        const loss = crossEntropy(logits, y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        const lv = loss.item();
        correct += noGrad(() => logits.argmax(1).eq(y).sum().item());
        return lv;
      });
      lossSum += l * x.shape[0];
      n += x.shape[0];
      x.dispose();
      y.dispose();
      opts.onBatch?.({ epoch, batch: ++b, batches: trainLoader.length, loss: lossSum / n });
    }
    model.eval();
    const val = evaluate(model, valLoader);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const improved = val.loss < best;
    if (improved) {
      best = val.loss;
      bestEpoch = epoch;
      bad = 0;
      save(model.stateDict(), checkpoint, { metadata: { epoch: String(epoch), val_loss: String(val.loss), model: 'fashion-cnn' } });
    } else bad++;
    const m: EpochMetrics = { epoch, trainLoss: lossSum / n, trainAcc: correct / n, valLoss: val.loss, valAcc: val.acc, seconds, improved };
    history.push(m);
    fs.appendFileSync(csv, `${epoch},${m.trainLoss},${m.trainAcc},${m.valLoss},${m.valAcc},${seconds.toFixed(3)}\n`);
    opts.onEpoch?.(m);
    if (bad >= patience) {
      earlyStopped = true;
      break;
    }
  }
  // the best model, on the official test set
  const bestWeights = load(checkpoint);
  model.loadStateDict(bestWeights);
  Object.values(bestWeights).forEach((t) => t.dispose());
  model.eval();
  const test = evaluate(model, testLoader);
  const epochSeconds = history.reduce((a, h) => a + h.seconds, 0) / history.length;
  return { testAcc: test.acc, testLoss: test.loss, epochs: history.length, epochSeconds, bestEpoch, history, checkpoint, earlyStopped };
}
