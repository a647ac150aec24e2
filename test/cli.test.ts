// test/cli.test.ts — the `torchlet` command line on the official Fashion-MNIST files:
// `train` prints a progress bar (running loss, ETA) on a terminal, one line per epoch and the final
// JSON line of API.md, and writes best/last.safetensors, metrics.csv, curves.svg (both series, loss
// and accuracy) and report.html (options, per-epoch table, curves inline, test result);
// `train --resume` continues a stopped run bit-identically to an uninterrupted one (3 epochs straight
// == 2 epochs + resume 1), evaluates a run stopped after its last epoch but before its test-set
// evaluation (the same result as the run that was not stopped), and refuses finished runs, changed
// options and wrong checkpoints clearly;
// `predict` classifies PNGs of real test images exactly as the model does on the same tensors, and
// rejects bad inputs with a message naming the argument, exit code 1 and no stack trace; `train --out`
// refuses a directory holding another run unless --resume or --overwrite.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { main, runCli } from '../lib/cli/main';
import { load, loadWithMetadata, save } from '../lib/serialize';
import { Tensor } from '../lib/tensor';
import { noGrad } from '../lib/autograd';
import { manualSeed } from '../lib/random';
import { softmax } from '../lib/ops/activation';
import { fashionCnn } from '../lib/models/fashion_cnn';
import { cuda } from '../lib/index';
import { Linear } from '../lib/nn/layers';
import { Adam } from '../lib/optim/adam';
import { FashionMNIST, FASHION_MNIST_CLASSES } from '../lib/data/fashion_mnist';
import { ImageDataset, normalize } from '../lib/data/dataset';
import { readTrainState, saveTrainState, STATE_KEY } from '../lib/train/checkpoint';

const DIR = '/usr/share/datasets/fashion-mnist';
const has = fs.existsSync(path.join(DIR, 'train-images-idx3-ubyte.gz'));
const made: string[] = [];
const tmp = (tag: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `torchlet-cli-${tag}-`));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const SMALL = ['--limit-train', '1000', '--limit-test', '200', '--batch-size', '100', '--data', DIR, '--no-progress'];

async function run(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await main(['node', 'torchlet', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines;
}

/** Runs like the binary: exit code, stdout lines, and everything written to stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const cerr = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += a.join(' ') + '\n'));
  const werr = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await runCli(['node', 'torchlet', ...args]);
    return { code, out, err };
  } finally {
    log.mockRestore();
    cerr.mockRestore();
    werr.mockRestore();
  }
}

const finalLine = (lines: string[]) => JSON.parse(lines[lines.length - 1]);
const csvRows = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');

(has ? test : test.skip)('train: progress bar, per-epoch lines, final JSON line, checkpoints, metrics.csv, curves.svg, report.html', async () => {
  const out = tmp('train');
  let err = '';
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
  const werr = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  let lines: string[];
  try {
    lines = await run(['train', '--epochs', '2', '--limit-train', '1500', '--limit-test', '300', '--batch-size', '100', '--data', DIR, '--out', out]);
  } finally {
    werr.mockRestore();
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
  // the progress bar: batches, running loss, ETA
  expect(err).toMatch(/epoch 1 \[.*\] \d+\/12 batches \| loss \d+\.\d{4} \| \d+s elapsed \| ETA \d+s/);
  expect(err).toMatch(/12\/12 batches/);
  expect(lines.some((l) => /^epoch 1: train_loss [\d.]+ train_acc [\d.]+ val_loss [\d.]+ val_acc [\d.]+/.test(l))).toBe(true);
  expect(lines.some((l) => /^epoch 2: /.test(l))).toBe(true);
  const final = finalLine(lines);
  expect(final.final).toBe(true);
  expect(final.epochs).toBe(2);
  expect(final.test_acc).toBeGreaterThan(0.3);
  expect(typeof final.test_loss).toBe('number');
  expect(typeof final.epoch_s).toBe('number');
  for (const f of ['best.safetensors', 'last.safetensors', 'metrics.csv', 'curves.svg', 'report.html']) expect(fs.existsSync(path.join(out, f))).toBe(true);
  expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]); // atomic writes leave no temporaries
  // the checkpoints record what `torchlet serve` needs: the architecture, the input preprocessing, the classes
  for (const f of ['best.safetensors', 'last.safetensors']) {
    const serve = JSON.parse(loadWithMetadata(path.join(out, f)).metadata['torchlet.serve']);
    expect(serve).toMatchObject({ model: 'fashion-cnn', input: { shape: [1, 28, 28], color: 'gray', mean: [0.5], std: [0.5] } });
    expect(serve.classes).toHaveLength(10);
  }

  const csv = csvRows(out);
  expect(csv[0]).toBe('epoch,train_loss,train_acc,val_loss,val_acc,seconds');
  expect(csv.length).toBe(3);
  expect(csv[1]).toMatch(/^1,[\d.e-]+,[\d.e-]+,[\d.e-]+,[\d.e-]+,[\d.]+$/);
  const row2 = csv[2].split(',').map(Number);

  const svg = fs.readFileSync(path.join(out, 'curves.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  for (const split of ['train', 'validation']) {
    expect(svg).toContain(`>${split}</text>`); // legend
    for (const e of [1, 2]) {
      expect(svg).toMatch(new RegExp(`aria-label="epoch: ${e}; loss: [\\d.]+; split: ${split}"`));
      expect(svg).toMatch(new RegExp(`aria-label="epoch: ${e}; accuracy: [\\d.]+; split: ${split}"`));
    }
  }
  const valLoss2 = Number(/aria-label="epoch: 2; loss: ([\d.]+); split: validation"/.exec(svg)![1]);
  expect(valLoss2).toBeCloseTo(row2[3], 6);

  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  expect(html).toMatch(/^<!DOCTYPE html>/);
  expect(html).not.toMatch(/<script|<link|src="http/); // self-contained
  expect(html).toContain('<svg');
  expect(html).toMatch(/<table class="epochs">[\s\S]*<td>1<\/td>[\s\S]*<td>2<\/td>[\s\S]*<\/table>/);
  expect(html).toContain(`<td>${row2[3].toFixed(4)}</td>`);
  expect(html).toContain(`accuracy <b>${final.test_acc.toFixed(4)}</b>`);
  expect(html).toMatch(/<th>batch-size<\/th><td>100<\/td>/);
}, 120000);

(has ? test : test.skip)('train --resume: 3 epochs straight == 2 epochs + resume 1 (bit-identical), and its errors', async () => {
  const straight = tmp('straight');
  const first = tmp('first');
  const resumed = tmp('resumed');
  const a = finalLine(await run(['train', '--epochs', '3', '--out', straight, ...SMALL]));
  const b = finalLine(await run(['train', '--epochs', '2', '--out', first, ...SMALL]));
  expect(b.epochs).toBe(2);
  // an interrupted run's curves exist already
  expect(fs.readFileSync(path.join(first, 'curves.svg'), 'utf8')).toContain('epoch: 2; loss');
  // a run stopped after its last epoch's checkpoint, before the test-set evaluation (its checkpoint
  // has no test result): resuming only evaluates, with the result of the run that was not stopped
  const cut = tmp('cut');
  for (const f of fs.readdirSync(first)) fs.copyFileSync(path.join(first, f), path.join(cut, f));
  const lastFile = path.join(cut, 'last.safetensors');
  const { tensors, metadata } = loadWithMetadata(lastFile);
  const st = JSON.parse(metadata[STATE_KEY]);
  expect(st.test).toEqual({ acc: b.test_acc, loss: b.test_loss });
  delete st.test;
  save(tensors, lastFile, { metadata: { ...metadata, [STATE_KEY]: JSON.stringify(st) } });
  fs.rmSync(path.join(cut, 'report.html'));
  const evalLines = await run(['train', '--resume', cut, '--no-progress']);
  expect(evalLines[0]).toMatch(/^resuming .*last\.safetensors after epoch 2 of 2: training done, evaluating the best model on the test set$/);
  expect(evalLines.filter((l) => /^epoch \d+:/.test(l))).toEqual([]);
  expect(finalLine(evalLines)).toEqual(b);
  expect(fs.readFileSync(path.join(cut, 'report.html'), 'utf8')).toContain(`accuracy <b>${b.test_acc.toFixed(4)}</b>`);
  const back = loadWithMetadata(lastFile);
  expect(JSON.parse(back.metadata[STATE_KEY])).toEqual({ ...st, test: { acc: b.test_acc, loss: b.test_loss } });
  for (const k of Object.keys(tensors)) expect(Buffer.from(back.tensors[k].toArray().buffer).equals(Buffer.from(tensors[k].toArray().buffer))).toBe(true);
  await expect(run(['train', '--resume', cut, '--no-progress'])).rejects.toThrow(/--resume: .*already finished: 2 of 2 epochs done, test accuracy/);
  // resume from the directory, writing into another one (the best model so far is taken along)
  const lines = await run(['train', '--resume', first, '--epochs', '3', '--out', resumed, '--no-progress']); // --data: the run's
  expect(lines[0]).toMatch(/^resuming .*last\.safetensors after epoch 2 of 3/);
  expect(lines.filter((l) => /^epoch \d+:/.test(l)).map((l) => l.split(':')[0])).toEqual(['epoch 3']);
  const c = finalLine(lines);
  expect(c.epochs).toBe(3);
  expect(c.test_acc).toBe(a.test_acc);
  expect(c.test_loss).toBe(a.test_loss);
  expect(c.best_epoch).toBe(a.best_epoch);
  // the same weights, optimizer state, bit for bit
  for (const f of ['best.safetensors', 'last.safetensors']) {
    const x = load(path.join(straight, f));
    const y = load(path.join(resumed, f));
    expect(Object.keys(y).sort()).toEqual(Object.keys(x).sort());
    for (const k of Object.keys(x)) expect(Buffer.from(y[k].toArray().buffer).equals(Buffer.from(x[k].toArray().buffer))).toBe(true);
  }
  expect(Object.keys(load(path.join(straight, 'last.safetensors'))).some((k) => k.startsWith('optimizer.state.'))).toBe(true);
  // the same metrics and training state (except wall-clock seconds)
  const noSecs = (rows: string[]) => rows.map((r) => r.split(',').slice(0, 5).join(','));
  expect(noSecs(csvRows(resumed))).toEqual(noSecs(csvRows(straight)));
  const sa = readTrainState(straight);
  const sc = readTrainState(resumed);
  try {
    const strip = (s: typeof sa.state) => ({ ...s, history: s.history.map((h) => ({ ...h, seconds: 0 })) });
    expect(strip(sc.state)).toEqual(strip(sa.state));
    expect(sc.state.optimizer.numbers['0'].step).toBe(24); // 3 epochs x 8 batches (800 training images)
  } finally {
    sa.dispose();
    sc.dispose();
  }

  // errors: a finished run, changed options, no checkpoint, weights only, a checkpoint of another model
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await expect(run(['train', '--resume', resumed, '--data', DIR, '--no-progress'])).rejects.toThrow(/--resume: .*already finished: 3 of 3 epochs.*--epochs/);
    await expect(run(['train', '--resume', first, '--epochs', '3', '--lr', '0.01', '--data', DIR, '--no-progress'])).rejects.toThrow(
      /--resume: .*--lr 0\.001, but --lr 0\.01 was given/,
    );
    await expect(run(['train', '--resume', first, '--epochs', '3', '--batch-size', '64', '--data', DIR, '--no-progress'])).rejects.toThrow(/--batch-size/);
    await expect(run(['train', '--resume', path.join(first, 'nope'), '--data', DIR])).rejects.toThrow(/--resume: no such file or directory/);
    await expect(run(['train', '--resume', tmp('empty'), '--data', DIR])).rejects.toThrow(/--resume: .* holds no last\.safetensors/);
    await expect(run(['train', '--resume', path.join(first, 'best.safetensors'), '--epochs', '3', '--data', DIR])).rejects.toThrow(/--resume: .*holds no training state/);
    await expect(run(['train', '--resume', path.join(first, 'metrics.csv'), '--epochs', '3', '--data', DIR])).rejects.toThrow(/--resume: .*not a readable checkpoint/);
    const other = tmp('other');
    const lin = new Linear(4, 2);
    const opt = new Adam(lin.parameters());
    const st = readTrainState(first);
    try {
      saveTrainState(path.join(other, 'last.safetensors'), lin, opt, { ...st.state, history: st.state.history });
    } finally {
      st.dispose();
    }
    await expect(run(['train', '--resume', other, '--epochs', '3', '--data', DIR, '--no-progress'])).rejects.toThrow(/--resume: .*does not match the fashion-cnn model/);
    // as the binary: one message, exit code 1, no stack trace
    const r = await cli(['train', '--resume', resumed, '--data', DIR]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^torchlet: --resume: .*already finished/);
    expect(r.err).not.toMatch(/\n\s+at /);
  } finally {
    err.mockRestore();
  }
}, 240000);

function writePng(file: string, pixels: Uint8Array, w: number, h: number, rgb = (v: number, _i: number) => [v, v, v, 255]): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set(rgb(pixels[i], i), 4 * i);
  fs.writeFileSync(file, PNG.sync.write(png));
}

(has ? test : test.skip)('predict: PNGs of real test images get the model\'s own prediction; bad inputs are named', async () => {
  const dir = tmp('predict');
  // a model: the seed's FashionCNN, briefly trained through the command line
  await run(['train', '--epochs', '1', '--out', dir, ...SMALL]);
  const ckpt = path.join(dir, 'best.safetensors');
  const test = await FashionMNIST.create({ root: DIR, train: false, download: false });
  const N = 6;
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    files.push(path.join(dir, `test${i}.png`));
    writePng(files[i], test.images.subarray(i * 784, (i + 1) * 784), 28, 28);
  }
  // the model's own predictions on the same tensors, as training feeds them
  manualSeed(0);
  const model = fashionCnn();
  const w = load(ckpt);
  model.loadStateDict(w);
  model.eval();
  const ds = new ImageDataset(test.images.subarray(0, N * 784), test.labels.subarray(0, N), [28, 28], normalize(0.5, 0.5));
  const [x] = ds.getBatch([...Array(N).keys()]);
  // one image at a time, as predict runs them (the conv algorithms depend on the batch size: a batch of
  // N can sum in another order, e.g. Winograd, and differ in the 7th digit)
  const direct = new Float32Array(N * 10);
  for (let i = 0; i < N; i++) direct.set(noGrad(() => softmax(model.forward(x.narrow(0, i, 1)) as Tensor, 1)).toArray() as Float32Array, i * 10);
  Object.values(w).forEach((t) => t.dispose());

  const r = await cli(['predict', '--checkpoint', ckpt, '--json', ...files]);
  expect(r.code).toBe(0);
  expect(r.out.length).toBe(N);
  r.out.forEach((line, i) => {
    const p = JSON.parse(line);
    expect(p.image).toBe(files[i]);
    const want = Array.from(direct.subarray(i * 10, i * 10 + 10));
    const idx = want.indexOf(Math.max(...want));
    expect(p.index).toBe(idx);
    expect(p.class).toBe(FASHION_MNIST_CLASSES[idx]);
    expect(p.probs.length).toBe(10);
    p.probs.forEach((v: number, c: number) => expect(v).toBeCloseTo(want[c], 6));
    expect(p.probs.reduce((s: number, v: number) => s + v, 0)).toBeCloseTo(1, 5);
  });
  const first = JSON.parse(r.out[0]);

  // text output; a 56x56 colour copy (each pixel doubled, alpha 255) resizes back to the same image;
  // the run directory and the resumable last.safetensors are accepted as checkpoints
  const big = new Uint8Array(56 * 56);
  for (let y = 0; y < 56; y++) for (let xx = 0; xx < 56; xx++) big[y * 56 + xx] = test.images[(y >> 1) * 28 + (xx >> 1)];
  const bigFile = path.join(dir, 'big.png');
  writePng(bigFile, big, 56, 56);
  const t = await cli(['predict', '--checkpoint', dir, bigFile]);
  expect(t.code).toBe(0);
  expect(t.out[0]).toBe(`${bigFile}: ${first.class} (${first.probs[first.index].toFixed(4)})`);
  expect(t.out[1].split('\n').length).toBe(10);
  expect(t.out[1]).toContain('Ankle boot');
  const l = await cli(['predict', '--checkpoint', path.join(dir, 'last.safetensors'), '--json', files[0]]);
  expect(JSON.parse(l.out[0]).probs).toEqual(first.probs);

  // bad inputs: one message naming the argument, exit code 1, no stack trace, no partial output
  const notPng = path.join(dir, 'metrics.csv');
  const wrong = path.join(dir, 'wrong.safetensors');
  save(fashionCnn({ numClasses: 5 }).stateDict(), wrong); // fc2 of the wrong shape
  const cases: [string[], RegExp][] = [
    [['predict', '--checkpoint', ckpt, path.join(dir, 'missing.png')], /^torchlet: image .*missing\.png: no such file/],
    [['predict', '--checkpoint', ckpt, files[0], notPng], /^torchlet: image .*metrics\.csv: not a PNG file/],
    [['predict', '--checkpoint', path.join(dir, 'none.safetensors'), files[0]], /^torchlet: --checkpoint .*none\.safetensors: no such file/],
    [['predict', '--checkpoint', notPng, files[0]], /^torchlet: --checkpoint .*metrics\.csv: .*not a valid safetensors file/],
    [['predict', '--checkpoint', wrong, files[0]], /^torchlet: --checkpoint .*wrong\.safetensors: not FashionCNN weights.*shape \[10, 128\] for stateDict\['fc2\.weight'\]/],
    [['predict', '--checkpoint', tmp('nockpt'), files[0]], /^torchlet: --checkpoint .*: is a directory without best\.safetensors/],
    [['predict', files[0]], /required option '--checkpoint <file>' not specified/],
    [['predict', '--checkpoint', ckpt], /missing required argument 'images'/],
  ];
  for (const [args, re] of cases) {
    const e = await cli(args);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(re);
    expect(e.err).not.toMatch(/\n\s+at /);
    expect(e.out).toEqual([]);
  }
}, 120000);

test('bad options are rejected with the option named', async () => {
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await expect(run(['train', '--epochs', '0'])).rejects.toThrow(/--epochs/);
    await expect(run(['train', '--lr', 'abc'])).rejects.toThrow(/--lr/);
    await expect(run(['train', '--model', 'resnet-900', '--epochs', '1'])).rejects.toThrow(/--model/);
    if (!cuda.isAvailable()) await expect(run(['train', '--device', 'cuda', '--epochs', '1'])).rejects.toThrow(/cuda/i);
  } finally {
    err.mockRestore();
  }
  // as the binary: errors thrown inside a command are printed too (commander prints only its own)
  const r = await cli(['train', '--model', 'resnet-900']);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/--model resnet-900/);
});

test('train --out holding another run: refused naming --resume and --overwrite; --overwrite replaces it', async () => {
  const out = tmp('mixed');
  fs.writeFileSync(path.join(out, 'last.safetensors'), 'an earlier run');
  const args = ['train', '--out', out, '--data', '/nonexistent/torchlet-data', '--no-progress'];
  const r = await cli(args);
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    `torchlet: --out ${out} already holds an earlier training run (last.safetensors); give --resume ${out} to continue it, --overwrite to replace it, or another --out\n`,
  );
  expect(fs.existsSync(path.join(out, 'last.safetensors'))).toBe(true);
  const o = await cli([...args, '--overwrite']);
  expect(o.code).toBe(1); // no data here: the run stops there, after removing the earlier run's files
  expect(o.err).not.toMatch(/already holds/);
  expect(fs.readdirSync(out)).toEqual([]);
});
