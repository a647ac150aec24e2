// lib/train/fashion.ts — the seed's Fashion-MNIST recipe (tutorial 003) as a library function:
// FashionCNN with Kaiming-normal (fan_out) init, Adam(lr 1e-3, weightDecay 1e-4), cross-entropy,
// batch 256, a seeded 48,000/12,000 train/validation split, up to 50 epochs with early stopping
// (patience 10 on validation loss), the best model checkpointed (safetensors, atomic) and finally
// evaluated on the official test set. Reports per epoch through callbacks. After every epoch it
// writes into `out`: best.safetensors (when validation loss improved), last.safetensors (the
// resumable state, see checkpoint.ts), metrics.csv, curves.svg and report.html (see report.ts).
// (`report: false` writes metrics.csv only.)
// `resume` (a run directory or its last.safetensors) continues a stopped run exactly as if it had
// never stopped: same weights, optimizer state, RNG streams, shuffle order, early-stopping state,
// so N epochs straight and k epochs + resume give bit-identical results. A resumed run takes the
// checkpoint's options (and data directory, unless given: that one is only read, never downloaded
// into); options given explicitly must match them (only `epochs` may grow). The checkpoint is
// checked field by field (checkpoint.ts) and against the model and optimizer (all or nothing).
// `out` must not hold another run's files: only the resumed run's own directory, or `overwrite`
// (which removes them first).
// `device` ('cpu' default, 'cuda'): the model is moved there before its optimizer is created and
// every batch is copied there; without CUDA the run fails with a clear error before any work.
import { serveMetadata } from '../serve/model';
import * as fs from 'fs';
import * as path from 'path';
import { TorchletError, TorchletRangeError, withIo } from '../errors';
import { Tensor } from '../tensor';
import { noGrad } from '../autograd';
import { tidy } from '../memory';
import { manualSeed, getRngState, setRngState } from '../random';
import { crossEntropy } from '../ops/loss';
import { Adam } from '../optim/adam';
import { fashionCnn } from '../models/fashion_cnn';
import { Module } from '../nn/module';
import { FashionMNIST } from '../data/fashion_mnist';
import { ImageDataset, randomSplit, normalize, Dataset } from '../data/dataset';
import { DataLoader } from '../data/dataloader';
import { save, load, makeDirs, writeFileAtomic } from '../serialize';
import { LAST, LoadedTrainState, RunOptions, readTrainState, saveTrainState, EpochRecord } from './checkpoint';
import { writeMetrics, writeReport } from './report';
import { parseDevice, Device } from '../device';

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
  /** Where to train: 'cpu' (default), 'cuda' or 'cuda:0'. */
  device?: string;
  onBatch?: (info: { epoch: number; batch: number; batches: number; loss: number }) => void;
  onEpochStart?: (info: { epoch: number; batches: number }) => void;
  onEpoch?: (m: EpochMetrics) => void;
  /** Continue the run saved in this directory (or this last.safetensors file). */
  resume?: string;
  /**
   * Called once the resumed state is loaded: the checkpoint file and the epochs it had completed;
   * `evaluating`: its training was done (all epochs, or stopped early) but it was stopped before its
   * test-set evaluation, which is all that this run does.
   */
  onResume?: (info: { file: string; epoch: number; epochs: number; evaluating: boolean }) => void;
  /** Write metrics.csv, curves.svg and report.html after each epoch (default true). */
  report?: boolean;
  /**
   * `out` may hold an earlier run (its checkpoints, metrics or report) only when that run is the one
   * resumed; with `overwrite: true` those files are removed first instead. Default false.
   */
  overwrite?: boolean;
  /** How error messages name the options (the CLI passes its flags, e.g. {lr: '--lr'}). */
  names?: Partial<Record<keyof RunOptions | 'resume' | 'out' | 'device' | 'overwrite', string>>;
}
export type EpochMetrics = EpochRecord;
export interface TrainResult {
  testAcc: number;
  testLoss: number;
  epochs: number;
  epochSeconds: number;
  bestEpoch: number;
  history: EpochMetrics[];
  checkpoint: string;
  /** The resumable state (last.safetensors). */
  lastCheckpoint: string;
  earlyStopped: boolean;
  /** Epochs the resumed checkpoint had completed (0 for a fresh run). */
  resumedFrom: number;
}

function firstN(ds: FashionMNIST, n?: number): ImageDataset {
  const count = n ? Math.min(n, ds.length) : ds.length;
  return new ImageDataset(ds.images.subarray(0, count * 784), ds.labels.subarray(0, count), [28, 28], normalize(0.5, 0.5));
}

/** A batch on `device` (the loader's CPU tensors are disposed when copied). */
function onDevice([x, y]: [Tensor, Tensor], device: Device): [Tensor, Tensor] {
  if (x.device === device && y.device === device) return [x, y];
  const xd = x.to(device);
  const yd = y.to(device);
  if (xd !== x) x.dispose();
  if (yd !== y) y.dispose();
  return [xd, yd];
}

/** Mean loss and accuracy of `model` over a loader, in eval mode without gradients (batches are moved to `device`). */
export function evaluate(model: Module, loader: Iterable<[Tensor, Tensor]>, device: Device = 'cpu'): { loss: number; acc: number } {
  let n = 0;
  let lossSum = 0;
  let correct = 0;
  noGrad(() => {
    for (const batch of loader) {
      const [x, y] = onDevice(batch, device);
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

const RUN_KEYS = ['batchSize', 'lr', 'weightDecay', 'patience', 'seed', 'limitTrain', 'limitTest'] as const;

/** The run's options: the given ones with defaults, or, when resuming, the checkpoint's (checked). */
function runOptions(opts: TrainOptions, resumed: LoadedTrainState | null): RunOptions {
  const name = (k: keyof RunOptions | 'resume' | 'out') => opts.names?.[k] ?? k;
  if (!resumed)
    return {
      model: 'fashion-cnn', epochs: opts.epochs ?? 50, batchSize: opts.batchSize ?? 256, lr: opts.lr ?? 1e-3,
      weightDecay: opts.weightDecay ?? 1e-4, patience: opts.patience ?? 10, seed: opts.seed ?? 0,
      limitTrain: opts.limitTrain ?? null, limitTest: opts.limitTest ?? null, data: opts.data ? path.resolve(opts.data) : null,
    };
  const { state, file } = resumed;
  const saved = state.options;
  const fail = (m: string): never => {
    throw new TorchletError(`torchlet: ${name('resume')}: ${m}`, 'ERR_TORCHLET_RESUME');
  };
  if (saved.model !== 'fashion-cnn') fail(`${file} is a checkpoint of model ${saved.model}, not fashion-cnn`);
  for (const k of RUN_KEYS) {
    const given = opts[k];
    if (given !== undefined && given !== saved[k])
      fail(`${file} continues a run with ${name(k)} ${saved[k] ?? '(none)'}, but ${name(k)} ${given} was given; ` +
        `a resumed run keeps its options (leave ${name(k)} out)`);
  }
  const epochs = opts.epochs ?? saved.epochs;
  // a run whose training is done but which has no test result was stopped before its evaluation:
  // resuming it evaluates; one with a test result is finished
  const tested = state.test ? `, test accuracy ${state.test.acc.toFixed(4)}` : '';
  if (state.earlyStopped && tested)
    fail(`the run in ${file} already finished: it stopped early at epoch ${state.epoch} (no better validation loss for ${saved.patience} epochs)${tested}`);
  if (state.epoch > epochs)
    fail(`the run in ${file} already finished: ${state.epoch} epochs done, more than the ${name('epochs')} ${epochs} given`);
  if (state.epoch === epochs && tested)
    fail(`the run in ${file} already finished: ${state.epoch} of ${epochs} epochs done${tested} (give a larger ${name('epochs')} to train further)`);
  return { ...saved, epochs, data: opts.data ?? saved.data ?? null };
}

export async function trainFashionMnist(opts: TrainOptions = {}): Promise<TrainResult> {
  parseDevice(opts.names?.device ?? 'device', opts.device ?? 'cpu'); // no CUDA: fail before reading anything
  const resumed = opts.resume !== undefined ? readTrainState(opts.resume, opts.names?.resume ?? 'resume') : null;
  try {
    return await run(opts, resumed);
  } finally {
    resumed?.dispose();
  }
}

/** The files a run writes into its output directory. */
export const RUN_FILES = ['best.safetensors', LAST, 'metrics.csv', 'curves.svg', 'report.html'];

/**
 * Makes `out` ready for this run: an earlier run's files there are kept only when that run is the
 * one resumed, removed with `overwrite`, and otherwise refused (no mixing of two runs' files).
 */
function prepareOut(out: string, opts: TrainOptions, resumed: LoadedTrainState | null): void {
  const name = (k: 'out' | 'resume' | 'overwrite') => opts.names?.[k] ?? k;
  withIo(`cannot create ${out}`, () => makeDirs(out));
  if (resumed && path.resolve(path.dirname(resumed.file)) === path.resolve(out)) return; // continuing in place
  const exists = (f: string) => {
    try {
      fs.lstatSync(f); // a link counts, even a dangling one
      return true;
    } catch {
      return false;
    }
  };
  const found = RUN_FILES.filter((f) => exists(path.join(out, f)));
  if (!found.length) return;
  if (!opts.overwrite)
    throw new TorchletRangeError(
      `torchlet: ${name('out')} ${out} already holds an earlier training run (${found.join(', ')}); ` +
        `give ${name('resume')} ${out} to continue it, ${name('overwrite')} to replace it, or another ${name('out')}`,
      'ERR_TORCHLET_INVALID_ARG',
    );
  for (const f of found) {
    const file = path.join(out, f);
    withIo(`cannot remove ${file}`, () => {
      if (fs.lstatSync(file).isDirectory()) throw new TorchletError(`torchlet: cannot replace ${file}: it is a directory`, 'ERR_TORCHLET_IO');
      fs.unlinkSync(file);
    });
  }
}

/** The datasets; a data directory taken from a checkpoint (untrusted) is only read, never downloaded into. */
async function datasets(ro: RunOptions, opts: TrainOptions, resumed: LoadedTrainState | null): Promise<[FashionMNIST, FashionMNIST]> {
  const fromCheckpoint = resumed !== null && opts.data === undefined && ro.data !== null && ro.data !== undefined;
  const make = (train: boolean) => FashionMNIST.create({ root: ro.data ?? undefined, train, download: fromCheckpoint ? false : (opts.download ?? true) });
  try {
    return [await make(true), await make(false)];
  } catch (e) {
    if (!fromCheckpoint || (e as TorchletError).code !== 'ERR_TORCHLET_IO') throw e;
    throw new TorchletError(
      `torchlet: ${opts.names?.resume ?? 'resume'}: ${resumed!.file} names the data directory ${ro.data}, which does not hold the ` +
        `Fashion-MNIST files (a data directory stored in a checkpoint is only read, never downloaded into); give ${opts.names?.data ?? 'data'} DIR`,
      'ERR_TORCHLET_BAD_CHECKPOINT',
      { cause: e },
    );
  }
}

async function run(opts: TrainOptions, resumed: LoadedTrainState | null): Promise<TrainResult> {
  const ro = runOptions(opts, resumed);
  const { epochs, batchSize, patience, seed } = ro;
  const out = opts.out ?? (resumed ? path.dirname(resumed.file) : 'runs/fashion-cnn');
  manualSeed(seed);
  // the model and optimizer first (no data drawn from the global generator before them), so a
  // checkpoint that does not fit them is refused before any data is read or file touched
  const device = parseDevice(opts.names?.device ?? 'device', opts.device ?? 'cpu');
  const model = fashionCnn();
  model.to(device); // before the optimizer exists (its state is created on the parameters' device)
  const optimizer = new Adam(model.parameters(), { lr: ro.lr, weightDecay: ro.weightDecay });
  if (resumed) {
    const { file } = resumed;
    try {
      model.loadStateDict(resumed.model);
      optimizer.loadStateDict(resumed.optimizer as unknown as Parameters<typeof optimizer.loadStateDict>[0]);
    } catch (e) {
      // both loads are all or nothing; the checkpoint is damaged or of another model
      throw new TorchletError(
        `torchlet: ${opts.names?.resume ?? 'resume'}: ${file} does not match the fashion-cnn model and its Adam optimizer (${(e as Error).message.replace(/^torchlet: /, '')})`,
        'ERR_TORCHLET_BAD_CHECKPOINT',
        { cause: e },
      );
    }
    const g = optimizer.paramGroups[0];
    if (g.lr !== ro.lr || g.weightDecay !== ro.weightDecay)
      throw new TorchletError(
        `torchlet: ${opts.names?.resume ?? 'resume'}: ${file} has an optimizer with lr ${g.lr} and weight decay ${g.weightDecay}, ` +
          `but its options say lr ${ro.lr} and weight decay ${ro.weightDecay}`,
        'ERR_TORCHLET_BAD_CHECKPOINT',
      );
  }
  prepareOut(out, opts, resumed);

  const [trainRaw, testRaw] = await datasets(ro, opts, resumed);
  const full = firstN(trainRaw, ro.limitTrain ?? undefined);
  const nVal = Math.floor(full.length * 0.2);
  const [trainDs, valDs] = randomSplit(full as Dataset<[Tensor, Tensor]>, [full.length - nVal, nVal], { seed });
  const testDs = firstN(testRaw, ro.limitTest ?? undefined);
  const trainLoader = new DataLoader(trainDs, { batchSize, shuffle: true, seed: seed + 1 });
  const valLoader = new DataLoader(valDs, { batchSize });
  const testLoader = new DataLoader(testDs, { batchSize });
  const checkpoint = path.join(out, 'best.safetensors');
  const lastCheckpoint = path.join(out, LAST);

  let best = Infinity;
  let bestEpoch = 0;
  let bad = 0;
  let earlyStopped = false;
  let startEpoch = 1;
  // the resumable state last written (rewritten with the test result at the end)
  let lastState: Parameters<typeof saveTrainState>[3] | null = null;
  const history: EpochMetrics[] = [];
  if (resumed) {
    const { state, file } = resumed;
    const fail = (m: string): never => {
      throw new TorchletError(`torchlet: ${opts.names?.resume ?? 'resume'}: ${file} ${m}`, 'ERR_TORCHLET_RESUME');
    };
    trainLoader.loadStateDict(state.trainLoader);
    setRngState(state.rng);
    best = state.bestValLoss;
    bestEpoch = state.bestEpoch;
    bad = state.bad;
    history.push(...state.history);
    const { format: _f, version: _v, optimizer: _o, test: _t, ...rest } = state;
    lastState = { ...rest, history: [...state.history], options: ro };
    startEpoch = state.epoch + 1;
    earlyStopped = state.earlyStopped;
    // the best model so far lives beside the checkpoint; a resumed run writing elsewhere takes it along
    const srcBest = path.join(path.dirname(file), 'best.safetensors');
    if (bestEpoch > 0 && path.resolve(srcBest) !== path.resolve(checkpoint)) {
      if (!fs.existsSync(srcBest)) fail(`has no best.safetensors beside it (the best model of epoch ${bestEpoch})`);
      writeFileAtomic(checkpoint, withIo(`cannot read ${srcBest}`, () => fs.readFileSync(srcBest)));
    }
    opts.onResume?.({ file, epoch: state.epoch, epochs, evaluating: earlyStopped || state.epoch >= epochs });
  }

  const reportOptions = {
    model: ro.model, epochs, 'batch-size': batchSize, lr: ro.lr, 'weight-decay': ro.weightDecay, patience, seed,
    'limit-train': ro.limitTrain, 'limit-test': ro.limitTest, data: ro.data ?? '(default)', out,
    resumed: resumed ? `${resumed.file} (after epoch ${resumed.state.epoch})` : undefined,
  };
  const report = async (status: string, test?: { acc: number; loss: number }) => {
    if (opts.report === false) {
      writeMetrics(out, history);
      return;
    }
    try {
      await writeReport(out, { title: `torchlet: fashion-cnn on Fashion-MNIST (${out})`, options: reportOptions, history, bestEpoch, status, test });
    } catch (e) {
      console.warn(`torchlet: could not write the training report in ${out}: ${(e as Error).message}`);
    }
  };
  writeMetrics(out, history); // the header at once; a resumed run's rows rewritten from its history

  for (let epoch = startEpoch; epoch <= epochs && !earlyStopped; epoch++) {
    const t0 = process.hrtime.bigint();
    model.train();
    let n = 0;
    let lossSum = 0;
    let correct = 0;
    let b = 0;
    opts.onEpochStart?.({ epoch, batches: trainLoader.length });
    for (const batch of trainLoader) {
      const [x, y] = onDevice(batch, device);
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
    const val = evaluate(model, valLoader, device);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const improved = val.loss < best;
    if (improved) {
      best = val.loss;
      bestEpoch = epoch;
      bad = 0;
      save(model.stateDict(), checkpoint, { metadata: { epoch: String(epoch), val_loss: String(val.loss), model: 'fashion-cnn', ...serveMetadata('fashion-cnn') } });
    } else bad++;
    earlyStopped = bad >= patience;
    const m: EpochMetrics = { epoch, trainLoss: lossSum / n, trainAcc: correct / n, valLoss: val.loss, valAcc: val.acc, seconds, improved };
    history.push(m);
    // the resumable state: everything the next epoch depends on, written atomically in one file
    lastState = {
      epoch, bestValLoss: best, bestEpoch, bad, earlyStopped, history: [...history],
      rng: getRngState(), trainLoader: trainLoader.stateDict(), options: ro,
    };
    saveTrainState(lastCheckpoint, model, optimizer, lastState);
    await report(earlyStopped ? `early stopped at epoch ${epoch}, evaluating` : epoch < epochs ? `running (epoch ${epoch} of ${epochs})` : 'finished, evaluating');
    opts.onEpoch?.(m);
  }
  // the best model, on the official test set; the last epoch's weights are kept for the final checkpoint
  model.eval();
  let lastWeights: Record<string, Tensor> | null = null;
  if (bestEpoch > 0) {
    lastWeights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()]));
    const bestWeights = load(checkpoint);
    model.loadStateDict(bestWeights);
    Object.values(bestWeights).forEach((t) => t.dispose());
  }
  const test = evaluate(model, testLoader, device);
  if (lastWeights) {
    model.loadStateDict(lastWeights);
    Object.values(lastWeights).forEach((t) => t.dispose());
  }
  await report(earlyStopped ? `early stopped at epoch ${history.length} (best epoch ${bestEpoch})` : `finished (${history.length} epochs)`, test);
  // last: the checkpoint says the run finished (a run stopped before this point evaluates when resumed)
  saveTrainState(lastCheckpoint, model, optimizer, { ...lastState!, test: { acc: test.acc, loss: test.loss } });
  const epochSeconds = history.reduce((a, h) => a + h.seconds, 0) / history.length;
  return {
    testAcc: test.acc, testLoss: test.loss, epochs: history.length, epochSeconds, bestEpoch, history, checkpoint, lastCheckpoint,
    earlyStopped, resumedFrom: resumed?.state.epoch ?? 0,
  };
}
