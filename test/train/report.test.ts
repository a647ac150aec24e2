// test/train/report.test.ts — the run record and the resumable checkpoint without training:
// metrics.csv/curves.svg/report.html from a history (escaping, non-finite values), the training state
// round trip (tensors, Adam step counts, Infinity), and resume refusing finished runs (early stopped
// or all epochs done, with their test result), fewer epochs than done, and mismatched options before
// any data is read.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeReport, metricsCsv, reportHtml } from '../../lib/train/report';
import { readTrainState, saveTrainState, RunOptions, EpochRecord } from '../../lib/train/checkpoint';
import { trainFashionMnist } from '../../lib/train/fashion';
import { fashionCnn } from '../../lib/models/fashion_cnn';
import { Adam } from '../../lib/optim/adam';
import { Tensor } from '../../lib/tensor';
import { randn } from '../../lib/creation';
import { manualSeed } from '../../lib/random';

const made: string[] = [];
const tmp = (tag: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `torchlet-${tag}-`));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const history: EpochRecord[] = [
  { epoch: 1, trainLoss: 0.9, trainAcc: 0.6, valLoss: 0.7, valAcc: 0.7, seconds: 1.25, improved: true },
  { epoch: 2, trainLoss: 0.5, trainAcc: 0.8, valLoss: NaN, valAcc: 0.1, seconds: 1.5, improved: false },
];
const options: RunOptions = { model: 'fashion-cnn', epochs: 5, batchSize: 256, lr: 1e-3, weightDecay: 1e-4, patience: 2, seed: 0, limitTrain: null, limitTest: null };

test('writeReport writes metrics.csv, curves.svg and a self-contained, escaped report.html', async () => {
  const dir = tmp('report');
  const files = await writeReport(dir, { title: 'a <b> & c', options: { out: '<dir>', lr: 0.001 }, history, bestEpoch: 1, status: 'running (epoch 2 of 5)' });
  expect(fs.readFileSync(files.csv, 'utf8')).toBe(metricsCsv(history));
  expect(metricsCsv(history).trim().split('\n')[2]).toBe('2,0.5,0.8,NaN,0.1,1.500');
  const svg = fs.readFileSync(files.svg, 'utf8');
  expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
  expect(svg).toContain('aria-label="epoch: 1; loss: 0.9; split: train"');
  expect(svg).toContain('aria-label="epoch: 2; accuracy: 0.1; split: validation"');
  const html = fs.readFileSync(files.html, 'utf8');
  expect(html).toContain('<title>a &lt;b&gt; &amp; c</title>');
  expect(html).toContain('<td>&lt;dir&gt;</td>');
  expect(html).toContain('<tr class="best"><td>1</td><td>0.9000</td>');
  expect(html).toContain('<td>NaN</td>');
  expect(html).toContain('not yet known');
  expect(reportHtml({ options: {}, history, bestEpoch: 1, status: 'finished', test: { acc: 0.91234, loss: 0.25 } }, '<svg/>')).toContain('accuracy <b>0.9123</b>, loss <b>0.2500</b>');
});

test('the training state round-trips exactly; resume refuses early-stopped runs and changed options', async () => {
  const dir = tmp('state');
  manualSeed(3);
  const model = fashionCnn();
  const opt = new Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  for (const p of model.parameters()) p.grad = randn(p.shape);
  opt.step();
  opt.step();
  const file = path.join(dir, 'last.safetensors');
  // no improvement yet (both validation losses NaN): best Infinity, 2 epochs without improvement, patience 3
  const noBest = [{ ...history[0], valLoss: NaN, improved: false }, history[1]];
  const base = { epoch: 2, bestValLoss: Infinity, bestEpoch: 0, bad: 2, earlyStopped: false, history: noBest, rng: { seed: 3, offset: 1234 }, trainLoader: { epoch: 2 }, options: { ...options, patience: 3 } };
  saveTrainState(file, model, opt, base);
  const s = readTrainState(dir);
  try {
    expect(s.file).toBe(file);
    expect(s.state.bestValLoss).toBe(Infinity);
    expect(s.state.history[1].valLoss).toBeNaN();
    expect(s.state.rng).toEqual({ seed: 3, offset: 1234 });
    expect(s.state.optimizer.paramGroups[0]).toMatchObject({ lr: 1e-3, weightDecay: 1e-4, betas: [0.9, 0.999] });
    const sd = model.stateDict();
    for (const [k, t] of Object.entries(sd)) expect(Buffer.from(s.model[k].toArray().buffer).equals(Buffer.from(t.toArray().buffer))).toBe(true);
    const ost = opt.stateDict().state;
    expect(s.optimizer.state[0].step).toBe(2);
    expect(Array.from((s.optimizer.state[3].expAvgSq as Tensor).toArray() as Float32Array)).toEqual(Array.from((ost[3].expAvgSq as Tensor).toArray() as Float32Array));
  } finally {
    s.dispose();
  }
  const test = { acc: 0.8125, loss: 0.5 };
  saveTrainState(file, model, opt, { ...base, earlyStopped: true, options: { ...base.options, patience: 2 }, test });
  await expect(trainFashionMnist({ resume: dir, download: false })).rejects.toThrow(
    /resume: the run in .* already finished: it stopped early at epoch 2 \(no better validation loss for 2 epochs\), test accuracy 0\.8125$/,
  );
  saveTrainState(file, model, opt, { ...base, options: { ...base.options, epochs: 2 }, test });
  await expect(trainFashionMnist({ resume: file, download: false })).rejects.toThrow(/already finished: 2 of 2 epochs done, test accuracy 0\.8125 \(give a larger epochs/);
  saveTrainState(file, model, opt, base);
  await expect(trainFashionMnist({ resume: file, seed: 1, download: false })).rejects.toThrow(/resume: .* continues a run with seed 0, but seed 1 was given/);
  await expect(trainFashionMnist({ resume: file, epochs: 1, download: false })).rejects.toThrow(/already finished: 2 epochs done, more than the epochs 1 given/);
});
