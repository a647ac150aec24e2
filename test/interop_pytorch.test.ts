// test/interop_pytorch.test.ts — trained weights move between torchlet and PyTorch both ways, with
// no key renaming by the user and strict loading on both sides:
//  (a) torchlet trains FashionCNN and a BatchNorm CNN for a few Adam steps, writes
//      `torch.save({...model.stateDict(), __input__: x}, f)`; PyTorch (Debian's python3-torch,
//      test/fixtures/pytorch_interop.py) validates the safetensors file, loads it with a strict
//      `load_state_dict` and must give the same eval-mode predictions;
//  (b) PyTorch trains the same models for a few steps and writes `model.state_dict()`; torchlet's
//      strict `loadStateDict(torch.load(f))` must give PyTorch's logits and argmax.
// BatchNorm's buffers are `runningMean`/`runningVar`/`numBatchesTracked` attributes in torchlet
// and PyTorch's `running_mean`/`running_var`/`num_batches_tracked` (int64) keys in state dicts
// (nn.Module.stateDictNames). Skipped where /usr/bin/python3 has no torch.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';
const { nn, F, optim } = torch;

const PY = '/usr/bin/python3';
const hasTorch = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const script = path.join(__dirname, 'fixtures', 'pytorch_interop.py');
const STEPS = 5;
const BATCH = 32;

/** Mirrors bn_cnn() in test/fixtures/pytorch_interop.py. */
const bnCnn = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(),
    new nn.Linear(16, 32), new nn.BatchNorm1d(32), new nn.ReLU(), new nn.Linear(32, 10),
  );
const cases: [string, () => torch.nn.Module][] = [
  ['fashion_cnn', () => torch.models.fashionCnn()],
  ['bn_cnn', bnCnn],
];

/** The first n Fashion-MNIST test images normalised as the seed, or random images without the data set. */
function images(n: number): [torch.Tensor, torch.Tensor] {
  try {
    const ds = new torch.data.FashionMNIST({ train: false });
    const set = new torch.data.ImageDataset(ds.images.subarray(0, n * 784), ds.labels.subarray(0, n), [28, 28], torch.data.normalize(0.5, 0.5));
    return set.getBatch(Array.from({ length: n }, (_, i) => i));
  } catch {
    return [torch.rand([n, 1, 28, 28]).mul(2).sub(1), torch.tensor(Array.from({ length: n }, (_, i) => i % 10))];
  }
}

function expectSameLogits(got: torch.Tensor, want: torch.Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const a = got.toArray() as Float32Array;
  const e = want.toArray() as Float32Array;
  const scale = Math.max(...Array.from(e, Math.abs), 1e-3);
  const err = Math.max(...Array.from(a, (v, i) => Math.abs(v - e[i])));
  expect(err / scale).toBeLessThan(1e-4);
  expect(got.argmax(1).tolist()).toEqual(want.argmax(1).tolist());
}

function runPy(args: string[]): string {
  const r = spawnSync(PY, [script, ...args], { encoding: 'utf8' });
  expect(r.stderr + (r.status === 0 ? '' : `exit ${r.status}`)).toBe('');
  return r.stdout;
}

let dir = '';
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-interop-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const maybe = hasTorch ? test.each(cases) : test.skip.each(cases);

maybe('%s: trained in torchlet, saved with torch.save, loads strictly in PyTorch with the same predictions', (name, make) => {
  torch.manualSeed(0);
  const m = make();
  const [x, y] = images(BATCH * STEPS + 16);
  const w0 = Array.from(m.parameters()[0].toArray() as Float32Array);
  const opt = new optim.Adam(m.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  m.train();
  for (let i = 0; i < STEPS; i++) {
    torch.tidy(() => {
      const loss = F.crossEntropy(m.forward(x.narrow(0, i * BATCH, BATCH)) as torch.Tensor, y.narrow(0, i * BATCH, BATCH));
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  expect(Array.from(m.parameters()[0].toArray() as Float32Array)).not.toEqual(w0); // really trained
  m.eval();
  const xe = x.narrow(0, BATCH * STEPS, 16).contiguous();
  const out = torch.noGrad(() => m.forward(xe) as torch.Tensor);
  const inFile = path.join(dir, `${name}-torchlet.safetensors`);
  const outFile = path.join(dir, `${name}-torchlet-out.safetensors`);
  torch.save({ ...m.stateDict(), __input__: xe }, inFile);
  const dtypes = JSON.parse(runPy(['check', name, inFile, outFile])) as Record<string, string>;
  if (name === 'bn_cnn') {
    // PyTorch's buffer names and dtypes in the file itself
    expect(dtypes).toMatchObject({ '1.running_mean': 'F32', '1.running_var': 'F32', '1.num_batches_tracked': 'I64', '10.num_batches_tracked': 'I64' });
    expect(Object.keys(dtypes).some((k) => /running[A-Z]|numBatches/.test(k))).toBe(false);
  }
  expectSameLogits(out, torch.load(outFile).__output__);
}, 120000);

maybe('%s: trained in PyTorch, loads strictly into torchlet with the same predictions', (name, make) => {
  const file = path.join(dir, `${name}-pytorch.safetensors`);
  runPy(['train', name, file, String(STEPS)]);
  const { __input__: x, __output__: expected, ...weights } = torch.load(file);
  torch.manualSeed(123); // different init: every value must come from the file
  const m = make();
  expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(weights).sort()); // PyTorch's own key names
  expect(m.loadStateDict(weights)).toEqual({ missingKeys: [], unexpectedKeys: [] });
  if (name === 'bn_cnn') {
    const bn = (m as torch.nn.Sequential)[1] as torch.nn.BatchNorm2d;
    expect(weights['1.num_batches_tracked'].dtype).toBe('int64');
    expect(bn.numBatchesTracked!.dtype).toBe('int64');
    expect(bn.numBatchesTracked!.item()).toBe(STEPS);
    expect(Array.from(bn.runningMean!.toArray() as Float32Array)).toEqual(Array.from(weights['1.running_mean'].toArray() as Float32Array));
  }
  m.eval();
  expectSameLogits(torch.noGrad(() => m.forward(x) as torch.Tensor), expected);
}, 120000);
