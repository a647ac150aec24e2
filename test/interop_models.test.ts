// test/interop_models.test.ts — the seeds' models with the same weights give PyTorch's outputs:
// torchlet initialises each model (and fills BatchNorm running statistics with one training
// pass), saves weights and an input as safetensors, PyTorch (Debian's python3-torch, installed by
// scripts/setup.sh) loads them with a strict load_state_dict, no key renaming (stateDict() uses
// PyTorch's names, BatchNorm's running_mean etc. included), runs the seed's own definition on them
// (test/fixtures/pytorch_model_check.py), and the outputs must agree within float32 tolerance.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';

const PY = '/usr/bin/python3';
const hasTorch = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const script = path.join(__dirname, 'fixtures', 'pytorch_model_check.py');

const cases: [string, () => torch.nn.Sequential, number[]][] = [
  ['lenet5', () => torch.models.lenet5(), [2, 1, 28, 28]],
  ['alexnet', () => torch.models.alexnet(), [1, 3, 224, 224]],
  ['vgg16', () => torch.models.vgg16(), [1, 3, 224, 224]],
  ['googlenet', () => torch.models.googlenet(), [1, 3, 224, 224]],
  ['resnet18', () => torch.models.resnet18(), [2, 3, 96, 96]],
];

(hasTorch ? test.each(cases) : test.skip.each(cases))('%s matches PyTorch on the same weights', (name, make, shape) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `torchlet-${name}-`));
  try {
    torch.manualSeed(1);
    const m = make();
    torch.noGrad(() => torch.tidy(() => void m.train().forward(torch.randn(shape.map((s, i) => (i === 0 ? Math.max(s, 2) : s))))));
    m.eval();
    const x = torch.rand(shape);
    const y = torch.noGrad(() => m.forward(x) as torch.Tensor);
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    torch.save({ ...m.stateDict(), __input__: x }, inFile);
    const r = spawnSync(PY, [script, name, inFile, outFile], { encoding: 'utf8' });
    expect(r.stderr + (r.status === 0 ? '' : `exit ${r.status}`)).toBe('');
    const ref = torch.load(outFile).__output__;
    expect(ref.shape).toEqual(y.shape);
    const a = y.toArray() as Float32Array;
    const e = ref.toArray() as Float32Array;
    const scale = Math.max(...Array.from(e, Math.abs), 1e-3);
    const err = Math.max(...Array.from(a, (v, i) => Math.abs(v - e[i])));
    expect(err / scale).toBeLessThan(1e-4);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 180000);
