// test/train/checkpoint.test.ts — resume state from a file is untrusted (lib/train/checkpoint.ts,
// lib/train/fashion.ts): a consistent checkpoint reads back; each edited one (negative, fractional,
// NaN or out-of-range epochs and step counts, a history or counters that do not add up, bad RNG or
// loader state, bad options, a data directory that does not hold the data, stray tensors, tensors or
// an optimizer that do not fit the model or the options) is refused with ERR_TORCHLET_BAD_CHECKPOINT
// naming the field, before any data is read, nothing is downloaded, and the run directory is left alone.
/* eslint-disable @typescript-eslint/no-explicit-any */ // edits of state dicts as plain objects
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTrainState, saveTrainState, STATE_KEY, EpochRecord, RunOptions } from '../../lib/train/checkpoint';
import { trainFashionMnist } from '../../lib/train/fashion';
import { fashionCnn } from '../../lib/models/fashion_cnn';
import { Adam } from '../../lib/optim/adam';
import { randn, zeros } from '../../lib/creation';
import { manualSeed } from '../../lib/random';
import { loadWithMetadata, save } from '../../lib/serialize';
import { TorchletError } from '../../lib/errors';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-ckpt-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const options: RunOptions = { model: 'fashion-cnn', epochs: 5, batchSize: 64, lr: 1e-3, weightDecay: 1e-4, patience: 3, seed: 0, limitTrain: 200, limitTest: 50, data: null };
const history: EpochRecord[] = [
  { epoch: 1, trainLoss: 0.9, trainAcc: 0.6, valLoss: 0.7, valAcc: 0.7, seconds: 1.25, improved: true },
  { epoch: 2, trainLoss: 0.5, trainAcc: 0.8, valLoss: 0.8, valAcc: 0.65, seconds: 1.5, improved: false },
];
/** A consistent checkpoint after 2 epochs (best epoch 1) of a run directory; returns the file. */
function goodCheckpoint(): string {
  manualSeed(3);
  const model = fashionCnn();
  const opt = new Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  for (const p of model.parameters()) p.grad = randn(p.shape);
  opt.step();
  opt.step();
  const dir = tmp();
  const file = path.join(dir, 'last.safetensors');
  saveTrainState(file, model, opt, { epoch: 2, bestValLoss: 0.7, bestEpoch: 1, bad: 1, earlyStopped: false, history, rng: { seed: 0, offset: 99 }, trainLoader: { epoch: 2 }, options });
  save(model.stateDict(), path.join(dir, 'best.safetensors'));
  return file;
}
/** Rewrites a checkpoint with its training state (parsed JSON, NaN as {$num: 'NaN'}) and tensors edited. */
function edit(file: string, change: (s: any, tensors: Record<string, any>) => void): void {
  const { tensors, metadata } = loadWithMetadata(file);
  const s = JSON.parse(metadata[STATE_KEY]);
  change(s, tensors);
  save(tensors, file, { metadata: { ...metadata, [STATE_KEY]: JSON.stringify(s) } });
}
async function refusal(run: () => unknown): Promise<TorchletError> {
  try {
    await run();
  } catch (e) {
    return e as TorchletError;
  }
  throw new Error('accepted');
}

test('a consistent checkpoint reads back', () => {
  const s = readTrainState(goodCheckpoint());
  expect(s.state.epoch).toBe(2);
  expect(s.optimizer.state[0].step).toBe(2);
  s.dispose();
});

// [what, edit, the message must say]; all refused by readTrainState
const NAN = { $num: 'NaN' };
const cases: [string, (s: any, t: Record<string, any>) => void, RegExp][] = [
  ['epoch -5', (s) => (s.epoch = -5), /epoch = -5 in its training state \(expected the epochs completed, an integer in \[1, 5\]\)/],
  ['epoch 0', (s) => (s.epoch = 0), /epoch = 0/],
  ['epoch 1.5', (s) => (s.epoch = 1.5), /epoch = 1.5/],
  ['epoch NaN', (s) => (s.epoch = NAN), /epoch = NaN/],
  ['epoch past the epochs', (s) => (s.epoch = 9), /epoch = 9/],
  ['epoch as a string', (s) => (s.epoch = '2'), /epoch = "2"/],
  ['a missing history record', (s) => s.history.pop(), /history = "1 records" .*one record per completed epoch \(2\)/],
  ['a renumbered history record', (s) => (s.history[1].epoch = 7), /history\[1\]\.epoch = 7/],
  ['an accuracy above 1', (s) => (s.history[0].valAcc = 3), /history\[0\]\.valAcc = 3/],
  ['a best epoch past the epochs', (s) => (s.bestEpoch = 7), /bestEpoch = 7/],
  ['a best loss that is not the best epoch\'s', (s) => (s.bestValLoss = 0.1), /bestValLoss = 0.1 .*0.7, the validation loss of epoch 1/],
  ['a wrong early-stopping counter', (s) => (s.bad = -3), /bad = -3 .*1, the epochs since the best/],
  ['early stopped too soon', (s) => (s.earlyStopped = true), /earlyStopped = true .*false \(patience 3\)/],
  ['a negative RNG offset', (s) => (s.rng.offset = -1), /rng = /],
  ['a fractional RNG seed', (s) => (s.rng.seed = 0.5), /rng = /],
  ['a loader epoch that is not the epochs done', (s) => (s.trainLoader.epoch = 5), /trainLoader = .*\{epoch: 2\}/],
  ['batch size 0', (s) => (s.options.batchSize = 0), /options\.batchSize = 0/],
  ['a NaN learning rate', (s) => (s.options.lr = NAN), /options\.lr = NaN/],
  ['a negative seed', (s) => (s.options.seed = -1), /options\.seed = -1/],
  ['epochs -1', (s) => (s.options.epochs = -1), /options\.epochs = -1/],
  ['a relative data path', (s) => (s.options.data = '../../etc'), /options\.data = "\.\.\/\.\.\/etc" .*absolute, normalised/],
  ['an unnormalised data path', (s) => (s.options.data = '/tmp/../etc'), /options\.data = "\/tmp\/\.\.\/etc"/],
  ['an unknown option', (s) => (s.options.download = true), /unknown field options\.download/],
  ['an unknown state field', (s) => (s.hook = 'x'), /unknown field hook/],
  ['a missing state field', (s) => delete s.bad, /lacks the field bad/],
  ['a non-finite optimizer number', (s) => (s.optimizer.numbers['0'].step = NAN), /optimizer\.numbers\[0\]\.step = /],
  ['a training state version 2', (s) => (s.version = 2), /training-state version 2/],
  ['a test result before the run finished', (s) => (s.test = { acc: 0.5, loss: 1 }), /test = .*no test result: the run is at epoch 2 of 5 and did not stop early/],
  ['a test accuracy above 1', (s) => Object.assign(s, { epoch: 5, history: [...s.history, ...[3, 4, 5].map((e) => ({ ...s.history[1], epoch: e }))], bad: 4, earlyStopped: true, trainLoader: { epoch: 5 }, test: { acc: 2, loss: 1 } }), /test = \{"acc":2,"loss":1\} .*an accuracy in \[0, 1\]/],
  ['a test result with a stray field', (s) => Object.assign(s, { options: { ...s.options, epochs: 2 }, test: { acc: 0.5, loss: 1, x: 1 } }), /test = /],
  ['a stray tensor', (_s, t) => (t['evil.x'] = zeros([1])), /holds the tensor "evil\.x", neither model\.\* nor optimizer\.state/],
];
test.each(cases)('refused: %s', async (_what, change, message) => {
  const file = goodCheckpoint();
  edit(file, change);
  const before = fs.readdirSync(path.dirname(file)).sort();
  for (const run of [() => readTrainState(file), () => trainFashionMnist({ resume: file, download: false })]) {
    const e = await refusal(run);
    expect(e).toBeInstanceOf(TorchletError);
    expect(e.code).toBe('ERR_TORCHLET_BAD_CHECKPOINT');
    expect(e.message).toMatch(message);
  }
  expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(before);
});

// refused when the run loads them: they do not fit the model, the optimizer or the options
const runCases: [string, (s: any, t: Record<string, any>) => void, RegExp][] = [
  ['Adam step -1 (it trained on NaN)', (s) => (s.optimizer.numbers['0'].step = -1), /does not match .*an integer step count >= 0 for stateDict\.state\[0\]\.step/],
  ['Adam step 2.5', (s) => (s.optimizer.numbers['3'].step = 2.5), /stateDict\.state\[3\]\.step/],
  ['a weight of the wrong shape', (_s, t) => (t['model.fc2.bias'] = zeros([3])), /does not match the fashion-cnn model .*fc2\.bias/],
  ['a missing weight', (_s, t) => delete t['model.conv1.weight'], /missing keys: conv1\.weight/],
  ['an optimizer state of the wrong shape', (_s, t) => (t['optimizer.state.0.expAvg'] = zeros([2])), /stateDict\.state\[0\]\.expAvg/],
  ['an optimizer lr other than the options\'', (s) => (s.optimizer.paramGroups[0].lr = 0.5), /optimizer with lr 0\.5 .*options say lr 0\.001/],
  ['a NaN optimizer lr', (s) => (s.optimizer.paramGroups[0].lr = NAN), /stateDict\.paramGroups\[0\]\.lr/],
  ['a data directory that does not hold the data', (s) => (s.options.data = '/etc'), /names the data directory \/etc, which does not hold the Fashion-MNIST files .*never downloaded into/],
];
test.each(runCases)('refused by the run: %s', async (_what, change, message) => {
  const file = goodCheckpoint();
  edit(file, change);
  const before = fs.readdirSync(path.dirname(file)).sort();
  const e = await refusal(() => trainFashionMnist({ resume: file, download: true, baseUrl: 'http://127.0.0.1:9/' } as never));
  expect(e).toBeInstanceOf(TorchletError);
  expect(e.code).toBe('ERR_TORCHLET_BAD_CHECKPOINT');
  expect(e.message).toMatch(message);
  expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(before);
});

// a run that stopped early, killed before its test-set evaluation (no test result in its checkpoint):
// resuming trains nothing, evaluates the best model, and marks the checkpoint finished
const DATA = '/usr/share/datasets/fashion-mnist';
(fs.existsSync(path.join(DATA, 't10k-images-idx3-ubyte.gz')) ? test : test.skip)('resuming an early-stopped run without a test result only evaluates it', async () => {
  const file = goodCheckpoint();
  edit(file, (s) => {
    s.options.patience = 1;
    s.earlyStopped = true;
  });
  manualSeed(9); // best.safetensors: other weights than the last epoch's (which the checkpoint must keep)
  save(fashionCnn().stateDict(), path.join(path.dirname(file), 'best.safetensors'));
  const before = loadWithMetadata(file).tensors;
  const epochs: number[] = [];
  let resumed: unknown = null;
  const r = await trainFashionMnist({ resume: file, data: DATA, download: false, report: false, onEpoch: (m) => epochs.push(m.epoch), onResume: (i) => (resumed = i) });
  expect(resumed).toEqual({ file, epoch: 2, epochs: 5, evaluating: true });
  expect(epochs).toEqual([]);
  expect(r).toMatchObject({ epochs: 2, bestEpoch: 1, earlyStopped: true, resumedFrom: 2 });
  expect(r.testAcc).toBeGreaterThanOrEqual(0);
  const s = readTrainState(file);
  try {
    expect(s.state.test).toEqual({ acc: r.testAcc, loss: r.testLoss });
    expect(s.state.epoch).toBe(2);
    for (const [k, t] of Object.entries(before)) {
      const name = k.startsWith('model.') ? k.slice(6) : null;
      if (name) expect(Buffer.from(s.model[name].toArray().buffer).equals(Buffer.from(t.toArray().buffer))).toBe(true);
    }
  } finally {
    s.dispose();
  }
  await expect(trainFashionMnist({ resume: file, data: DATA, download: false })).rejects.toThrow(/already finished: it stopped early at epoch 2 .*, test accuracy/);
});
